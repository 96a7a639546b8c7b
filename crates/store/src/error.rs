//! The one error type of the storage layer.

use std::sync::Arc;

/// Why a store operation failed. Constraint violations become `Conflict` or `NotFound` where
/// the query runs, so callers can answer with a field error rather than a 500.
///
/// Clone, because a failed group commit is reported to every write that shared it.
#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    #[error("{0} not found")]
    NotFound(String),
    /// A unique key is taken or a row is still referred to (a login in use, a target with
    /// reports).
    #[error("conflict: {0}")]
    Conflict(String),
    /// The domain refused the change (an illegal report transition, an empty reason).
    #[error(transparent)]
    Domain(#[from] shishi_core::Error),
    /// The input cannot be stored as given (a notice without a year or a title).
    #[error("invalid input: {0}")]
    Invalid(String),
    /// `verify_audit` found an event whose hash or link does not match: the first one named.
    #[error("the audit chain is broken at event {seq}")]
    AuditBreak { seq: u64 },
    #[error("not supported: {0}")]
    Unsupported(&'static str),
    /// What was read back breaks a rule the store itself writes by (bad JSON, unknown role).
    #[error("stored data cannot be read: {0}")]
    Corrupt(String),
    #[error("the database URL {0:?} is neither sqlite:// nor postgres://")]
    BadUrl(String),
    #[error("database error: {0}")]
    Database(#[source] Arc<sqlx::Error>),
    #[error("migration failed: {0}")]
    Migrate(#[source] Arc<sqlx::migrate::MigrateError>),
    #[error("file error: {0}")]
    Io(#[source] Arc<std::io::Error>),
    /// The group-commit writer is gone (the store was closed); nothing was written.
    #[error("the store's writer has stopped")]
    WriterStopped,
}

impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> Self {
        use sqlx::error::ErrorKind;
        if let sqlx::Error::Database(db) = &error {
            match db.kind() {
                ErrorKind::UniqueViolation => return Self::Conflict(db.message().to_owned()),
                ErrorKind::ForeignKeyViolation => {
                    return Self::Conflict(format!(
                        "a row it refers to is missing, or it is still referred to ({})",
                        db.message()
                    ))
                }
                _ => {}
            }
        }
        Self::Database(Arc::new(error))
    }
}

impl From<sqlx::migrate::MigrateError> for StoreError {
    fn from(error: sqlx::migrate::MigrateError) -> Self {
        Self::Migrate(Arc::new(error))
    }
}

impl From<std::io::Error> for StoreError {
    fn from(error: std::io::Error) -> Self {
        Self::Io(Arc::new(error))
    }
}

impl From<serde_json::Error> for StoreError {
    fn from(error: serde_json::Error) -> Self {
        Self::Corrupt(error.to_string())
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;
