//! Files that come with a report (photos of the works, signed documents). Stored by the SM3
//! hash of their bytes, so the same photo sent twice, or with two reports, is kept once; each
//! report links to it under the name it was sent with and the revision it came with.

use crate::audit::{self, now_rfc3339, sm3_hex, Actor, Change};
use crate::error::{Result, StoreError};
use crate::reports::file;
use crate::sql::{args, Arg, Tx};
use crate::Store;
use serde::Serialize;
use shishi_core::{Period, Report, ReportContent, ReportId, TargetId};
use std::fmt;
use time::Date;

/// A file sent with a report.
#[derive(Clone, PartialEq, Eq)]
pub struct NewAttachment {
    /// The file name as the browser gave it.
    pub name: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
    /// The photo's own time (EXIF DateTimeOriginal) as ISO 8601 local time, when it has one.
    pub captured_at: Option<String>,
}

impl fmt::Debug for NewAttachment {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewAttachment")
            .field("name", &self.name)
            .field("content_type", &self.content_type)
            .field("size", &self.bytes.len())
            .field("captured_at", &self.captured_at)
            .finish()
    }
}

/// A file as linked to one report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Attachment {
    /// SM3 hex of the bytes: the file's address (`/files/{hash}`).
    pub hash: String,
    pub name: String,
    pub content_type: String,
    pub size: u64,
    pub captured_at: Option<String>,
    /// RFC 3339, UTC: when it was linked to this report.
    pub uploaded_at: String,
    pub report: ReportId,
    /// The report revision it came with.
    pub revision: u32,
}

#[derive(Debug, sqlx::FromRow)]
struct AttachmentRow {
    hash: String,
    name: String,
    content_type: String,
    size: i64,
    captured_at: Option<String>,
    uploaded_at: String,
    report: i64,
    revision: i64,
}

const ATTACHMENT_COLUMNS: &str = "a.hash, ra.name, a.content_type, a.size, a.captured_at, \
     ra.uploaded_at, ra.report, ra.revision";

impl AttachmentRow {
    fn into_attachment(self) -> Result<Attachment> {
        Ok(Attachment {
            size: u64::try_from(self.size)
                .map_err(|_| StoreError::Corrupt(format!("attachment size {}", self.size)))?,
            revision: u32::try_from(self.revision).map_err(|_| {
                StoreError::Corrupt(format!("attachment revision {}", self.revision))
            })?,
            report: ReportId::new(self.report),
            hash: self.hash,
            name: self.name,
            content_type: self.content_type,
            captured_at: self.captured_at,
            uploaded_at: self.uploaded_at,
        })
    }
}

/// A file checked and hashed, ready to store.
struct Prepared {
    hash: String,
    file: NewAttachment,
}

/// What the audit event says of a linked file (never its bytes).
#[derive(Serialize)]
struct Linked<'a> {
    hash: &'a str,
    name: &'a str,
    content_type: &'a str,
    size: usize,
    revision: u32,
}

fn prepare(files: Vec<NewAttachment>) -> Result<Vec<Prepared>> {
    files
        .into_iter()
        .map(|mut file| {
            file.name = file.name.trim().to_owned();
            file.content_type = file.content_type.trim().to_owned();
            if file.name.is_empty() {
                return Err(StoreError::Invalid("an attachment without a name".into()));
            }
            if file.content_type.is_empty() {
                return Err(StoreError::Invalid(format!(
                    "attachment {} has no content type",
                    file.name
                )));
            }
            if file.bytes.is_empty() {
                return Err(StoreError::Invalid(format!(
                    "attachment {} is empty",
                    file.name
                )));
            }
            Ok(Prepared {
                hash: sm3_hex([file.bytes.as_slice()]),
                file,
            })
        })
        .collect()
}

/// Stores the files (each distinct content once) and links them to the report's current
/// revision. A file the report already has keeps its first link.
async fn link(tx: &mut Tx, actor: Actor, report: &Report, files: Vec<Prepared>) -> Result<()> {
    if files.is_empty() {
        return Ok(());
    }
    let revision = report.current().number;
    let now = now_rfc3339()?;
    let mut linked = Vec::with_capacity(files.len());
    for Prepared { hash, file } in &files {
        let stored: Option<(String,)> = tx
            .fetch_optional("select hash from attachments where hash = $1", args![hash])
            .await?;
        // Checked first so that bytes already stored are not sent to the database again.
        if stored.is_none() {
            tx.execute(
                "insert into attachments \
                 (hash, content_type, size, bytes, captured_at, uploaded_at) \
                 values ($1, $2, $3, $4, $5, $6) on conflict (hash) do nothing",
                args![
                    hash,
                    &file.content_type,
                    i64::try_from(file.bytes.len()).unwrap_or(i64::MAX),
                    file.bytes.as_slice(),
                    file.captured_at.clone(),
                    &now
                ],
            )
            .await?;
        }
        let added = tx
            .execute(
                "insert into report_attachments (report, revision, hash, name, uploaded_at) \
                 values ($1, $2, $3, $4, $5) on conflict (report, hash) do nothing",
                args![
                    report.id().get(),
                    i64::from(revision),
                    hash,
                    &file.name,
                    &now
                ],
            )
            .await?;
        if added > 0 {
            linked.push(Linked {
                hash,
                name: &file.name,
                content_type: &file.content_type,
                size: file.bytes.len(),
                revision,
            });
        }
    }
    if !linked.is_empty() {
        let event = Change::new("attach", "report", report.id()).after(&linked)?;
        audit::record(tx, actor, event).await?;
    }
    Ok(())
}

/// How many ids go into one `in (…)` list: far below either database's limit on
/// parameters, however many reports an item page shows.
const IDS_PER_QUERY: usize = 500;

impl Store {
    /// Files a report as `file_report` does and links `files` to the revision it submits,
    /// in one transaction: the figures and their photos are stored together or not at all.
    pub async fn file_report_with_attachments(
        &self,
        actor: Actor,
        target: TargetId,
        period: Period,
        content: ReportContent,
        today: Date,
        files: Vec<NewAttachment>,
    ) -> Result<Report> {
        // Hashed here, not in the writer task, so large files do not hold up other writes.
        let files = prepare(files)?;
        self.writer
            .write(move |tx| {
                Box::pin(async move {
                    let report = file(tx, actor, target, period, content, today).await?;
                    link(tx, actor, &report, files).await?;
                    Ok(report)
                })
            })
            .await
    }

    /// The files of a report, by revision, then by upload time and name.
    pub async fn attachments_for_report(&self, report: ReportId) -> Result<Vec<Attachment>> {
        self.attachments_for_reports(&[report]).await
    }

    /// The files of several reports (an item's page), by report, revision, upload time and
    /// name.
    pub async fn attachments_for_reports(&self, reports: &[ReportId]) -> Result<Vec<Attachment>> {
        let mut ids: Vec<i64> = reports.iter().map(|r| r.get()).collect();
        ids.sort_unstable();
        ids.dedup();
        let mut rows: Vec<AttachmentRow> = Vec::new();
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut tx = self.backend.read().await?;
        for chunk in ids.chunks(IDS_PER_QUERY) {
            let placeholders = (1..=chunk.len())
                .map(|n| format!("${n}"))
                .collect::<Vec<_>>()
                .join(", ");
            let sql = format!(
                "select {ATTACHMENT_COLUMNS} from report_attachments ra \
                 join attachments a on a.hash = ra.hash where ra.report in ({placeholders}) \
                 order by ra.report, ra.revision, ra.uploaded_at, ra.name, a.hash"
            );
            let args = chunk.iter().copied().map(Arg::from).collect();
            match tx.fetch_all(&sql, args).await {
                Ok(mut page) => rows.append(&mut page),
                Err(error) => {
                    tx.rollback().await?;
                    return Err(error);
                }
            }
        }
        tx.commit().await?;
        rows.into_iter()
            .map(AttachmentRow::into_attachment)
            .collect()
    }

    /// A file's content type and bytes, if the store has it.
    pub async fn attachment_bytes(&self, hash: &str) -> Result<Option<(String, Vec<u8>)>> {
        let mut tx = self.backend.read().await?;
        let row = tx
            .fetch_optional::<(String, Vec<u8>)>(
                "select content_type, bytes from attachments where hash = $1",
                args![hash],
            )
            .await;
        tx.commit().await?;
        row
    }

    /// The reports a file is linked to, by id: to decide who may see it.
    pub async fn reports_with_attachment(&self, hash: &str) -> Result<Vec<ReportId>> {
        let mut tx = self.backend.read().await?;
        let rows = tx
            .fetch_all::<(i64,)>(
                "select report from report_attachments where hash = $1 order by report",
                args![hash],
            )
            .await;
        tx.commit().await?;
        Ok(rows?.into_iter().map(|(id,)| ReportId::new(id)).collect())
    }
}
