//! Files shishi writes and reads: bulletins (.docx, HTML, Markdown) and ledgers (.xlsx). (Built by issue 5.)
