//! Files shishi writes and reads: bulletins (.docx, HTML, Markdown) and ledgers (.xlsx).
//! Core types in, bytes out: no database, no HTTP, no clock.

pub mod assessment;
pub mod bulletin;
pub mod error;
pub mod ledger;

pub use bulletin::{
    compose, to_docx, to_html, to_markdown, Attachment, Block, Bulletin, BulletinItem,
    BulletinTarget, Issue, Overview, Sources, UnitGroup,
};
pub use error::Error;
pub use ledger::{LedgerData, LedgerError, LedgerImport, LedgerRow, RowError};
