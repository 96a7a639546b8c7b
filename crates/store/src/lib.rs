//! The only crate that speaks SQL: SQLite and PostgreSQL storage for the core domain, with
//! the audit chain written in the same transaction as each change.
//!
//! Every write goes through one writer task that commits waiting writes together (group
//! commit), and answers only once the commit has returned: an acknowledged write is durable
//! (SQLite with `synchronous=full` in WAL mode; PostgreSQL with `synchronous_commit=on`).

mod assessment;
mod attachments;
mod audit;
mod bulletins;
mod edits;
mod error;
mod feedback;
mod ledger;
mod orders;
mod plans;
mod reminders;
mod reports;
mod sessions;
mod snapshot;
mod sql;
mod surveys;
mod units;
mod users;
mod votes;
mod writer;

pub use assessment::{AssessmentEntry, NewAssessmentEntry, Withdrawal};
pub use attachments::{Attachment, NewAttachment};
pub use audit::{Actor, AuditEvent};
pub use bulletins::{
    index_number, valid_org_code, BulletinId, BulletinSummary, NewBulletin, PublishedBulletin,
};
pub use edits::{ItemEdit, TargetChangeRecord, TargetEdit, TargetSnapshot, UserEdit};
pub use error::{Result, StoreError};
pub use ledger::LedgerOutcome;
pub use plans::{
    place_of, ImportOutcome, ItemChange, ItemDetail, ItemField, PlanDetail, PlanDiff, PlanMeta,
    TargetChange, TargetScope, TargetSpec,
};
pub use reminders::{valid_email, Channel, Notice, PendingDelivery, MAX_ATTEMPTS};
pub use sessions::{NewSession, Session};
pub use snapshot::PlanSnapshot;
pub use sql::Backend;
pub use surveys::{RatingOutcome, SurveyComment, MAX_CODES_AT_ONCE};
pub use users::{Account, ApiToken, NewUser};
pub use votes::{
    Candidate, CandidateInput, DeputyComment, NewProposal, Proposal, SessionCandidate, VoteSession,
};
pub use writer::CommitStats;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;
use writer::Writer;

/// How long a SQLite connection waits for another process's lock before giving up.
const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// The database: cheap to clone, shared by every request.
#[derive(Debug, Clone)]
pub struct Store {
    backend: Backend,
    writer: Writer,
    snapshots: std::sync::Arc<snapshot::SnapshotCache>,
}

impl Store {
    /// Opens `sqlite://PATH` (created when missing) or `postgres://…`, and applies the
    /// migrations the database lacks. Must be called inside a tokio runtime: it starts the
    /// writer task.
    pub async fn open(url: &str) -> Result<Self> {
        let backend = if url.starts_with("sqlite:") {
            if url.contains(":memory:") || url.contains("mode=memory") {
                // Each pooled connection would get its own empty database.
                return Err(StoreError::Unsupported(
                    "an in-memory SQLite database; give a file path",
                ));
            }
            let options = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Full)
                .foreign_keys(true)
                .busy_timeout(SQLITE_BUSY_TIMEOUT);
            let pool = SqlitePoolOptions::new()
                .max_connections(8)
                .connect_with(options)
                .await?;
            sqlx::migrate!("./migrations/sqlite").run(&pool).await?;
            Backend::Sqlite(pool)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            // `on` is PostgreSQL's default, set here so a server configured otherwise cannot
            // quietly turn an acknowledged write into one a crash may lose.
            let options = PgConnectOptions::from_str(url)?.options([("synchronous_commit", "on")]);
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .connect_with(options)
                .await?;
            sqlx::migrate!("./migrations/postgres").run(&pool).await?;
            Backend::Postgres(pool)
        } else {
            return Err(StoreError::BadUrl(url.to_owned()));
        };
        let writer = Writer::start(backend.clone());
        Ok(Self {
            backend,
            writer,
            snapshots: Default::default(),
        })
    }

    /// The pool underneath, for what lives beside the store on the same database (the web
    /// layer's session store) and for tests.
    pub fn backend(&self) -> &Backend {
        &self.backend
    }

    /// Commits made and writes they carried since the store was opened: how much the group
    /// commit shares (for metrics and tests).
    pub fn commit_stats(&self) -> CommitStats {
        self.writer.stats()
    }

    /// Closes every connection; writes after this fail.
    pub async fn close(&self) {
        self.backend.close().await;
    }

    /// Checks the whole audit chain: the number of events, or `StoreError::AuditBreak` naming
    /// the first event whose link or hash does not hold.
    pub async fn verify_audit(&self) -> Result<u64> {
        let mut tx = self.backend.read().await?;
        let verified = audit::verify(&mut tx).await;
        tx.commit().await?;
        verified
    }

    /// Audit events after `after_seq` (0 for the start), oldest first, at most `limit`.
    pub async fn audit_events(&self, after_seq: i64, limit: i64) -> Result<Vec<AuditEvent>> {
        let mut tx = self.backend.read().await?;
        let events = audit::events(&mut tx, after_seq, limit).await;
        tx.commit().await?;
        events
    }

    /// Writes a consistent copy of a SQLite database to `path` while the server runs
    /// (`vacuum into`). PostgreSQL is backed up with its own tools: `pg_dump -Fc`, restored
    /// with `pg_restore`; this refuses it with an error saying so.
    pub async fn backup(&self, path: &Path) -> Result<()> {
        let pool = match &self.backend {
            Backend::Sqlite(pool) => pool,
            Backend::Postgres(_) => {
                return Err(StoreError::Unsupported(
                    "backing up PostgreSQL from shishi; use pg_dump -Fc (and pg_restore to \
                     restore)",
                ))
            }
        };
        if path.exists() {
            return Err(StoreError::Conflict(format!(
                "{} exists; a backup never overwrites a file",
                path.display()
            )));
        }
        let target = path
            .to_str()
            .ok_or_else(|| StoreError::Invalid(format!("{} is not UTF-8", path.display())))?;
        // Not in a transaction: `vacuum` cannot run inside one, and needs none to be
        // consistent (it reads one snapshot).
        sqlx::query("vacuum into $1")
            .bind(target)
            .execute(pool)
            .await?;
        Ok(())
    }

    /// Puts a SQLite backup in place of the database at `database`. Only while no server has
    /// the database open: the backup is first opened as a store and its audit chain checked,
    /// then copied beside the database and renamed over it, so a failure leaves the old
    /// database whole.
    pub async fn restore_sqlite(backup: &Path, database: &Path) -> Result<u64> {
        let staging = database.with_extension("restoring");
        remove_if_present(&staging)?;
        std::fs::copy(backup, &staging)?;
        let url = format!("sqlite://{}", staging.display());
        let staged = Store::open(&url).await?;
        let checked = staged.verify_audit().await;
        staged.close().await;
        let events = match checked {
            Ok(events) => events,
            Err(error) => {
                remove_if_present(&staging)?;
                return Err(error);
            }
        };
        // The old database's write-ahead log must not be replayed onto the restored file.
        for suffix in ["-wal", "-shm"] {
            remove_if_present(&sidecar(database, suffix))?;
            remove_if_present(&sidecar(&staging, suffix))?;
        }
        std::fs::rename(&staging, database)?;
        Ok(events)
    }
}

fn sidecar(database: &Path, suffix: &str) -> std::path::PathBuf {
    let mut name = database.as_os_str().to_owned();
    name.push(suffix);
    name.into()
}

fn remove_if_present(path: &Path) -> Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e.into()),
        _ => Ok(()),
    }
}
