//! The only crate that speaks SQL: SQLite and PostgreSQL storage for the core domain. (Built by issue 3.)
