//! Published supervision bulletins (督查通报): each gets its 索引号 (the organisation code /
//! year - serial) when it is published, and is never changed afterwards; a correction is a
//! new bulletin. The files are stored as they were published, so the portal serves exactly
//! what was issued, whatever the reports say later.

use crate::audit::{self, now_rfc3339, sm3_hex, Actor, Change};
use crate::error::{Result, StoreError};
use crate::sql::{args, Tx};
use crate::Store;
use serde::Serialize;
use shishi_core::{Period, PlanId, UserId};
use std::fmt;
use time::Date;

/// A published bulletin's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(transparent)]
pub struct BulletinId(i64);

impl BulletinId {
    pub const fn new(raw: i64) -> Self {
        Self(raw)
    }

    pub const fn get(self) -> i64 {
        self.0
    }
}

impl fmt::Display for BulletinId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A bulletin to publish: what the supervisor issued and the files rendered from it.
#[derive(Clone, PartialEq, Eq)]
pub struct NewBulletin {
    pub plan: PlanId,
    pub period: Period,
    /// The publishing organisation's code, the part of the 索引号 before the slash
    /// (11320706MB1234567X, or an old 组织机构代码 such as 01426719-5).
    pub org_code: String,
    /// 发文字号 (海督通〔2020〕9号).
    pub doc_number: String,
    /// 发文机关 (海州区人民政府督查室).
    pub issuer: String,
    pub title: String,
    /// 成文日期.
    pub issued_on: Date,
    /// The bulletin as an HTML fragment (`shishi_docs::to_html`).
    pub html: String,
    pub md: String,
    pub docx: Vec<u8>,
}

impl fmt::Debug for NewBulletin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewBulletin")
            .field("plan", &self.plan)
            .field("period", &self.period)
            .field("org_code", &self.org_code)
            .field("doc_number", &self.doc_number)
            .field("title", &self.title)
            .field("docx_size", &self.docx.len())
            .finish_non_exhaustive()
    }
}

/// A published bulletin without its files, as lists show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BulletinSummary {
    pub id: BulletinId,
    pub plan: PlanId,
    pub period: Period,
    pub year: i32,
    pub org_code: String,
    pub serial: u32,
    /// 索引号: org_code/year-serial (11320706MB1234567X/2020-00009).
    pub index_no: String,
    pub doc_number: String,
    pub issuer: String,
    pub title: String,
    pub issued_on: Date,
    /// RFC 3339, UTC.
    pub published_at: String,
    /// Who published it; none when the system did (a command).
    pub published_by: Option<UserId>,
}

/// A published bulletin with its files, exactly as published.
#[derive(Clone, PartialEq, Eq)]
pub struct PublishedBulletin {
    pub summary: BulletinSummary,
    pub html: String,
    pub md: String,
    pub docx: Vec<u8>,
}

impl fmt::Debug for PublishedBulletin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PublishedBulletin")
            .field("summary", &self.summary)
            .field("docx_size", &self.docx.len())
            .finish_non_exhaustive()
    }
}

/// The 索引号 of the `serial`th bulletin of an organisation's year.
pub fn index_number(org_code: &str, year: i32, serial: u32) -> String {
    format!("{org_code}/{year}-{serial:05}")
}

/// An organisation code as the 索引号 can carry it: letters, digits and hyphens, at most 32
/// (an 18-character 统一社会信用代码, or an old code with its check digit after a hyphen).
pub fn valid_org_code(code: &str) -> bool {
    !code.is_empty()
        && code.len() <= 32
        && code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

#[derive(Debug, sqlx::FromRow)]
struct SummaryRow {
    id: i64,
    plan: i64,
    period: String,
    year: i64,
    org_code: String,
    serial: i64,
    index_no: String,
    doc_number: String,
    issuer: String,
    title: String,
    issued_on: String,
    published_at: String,
    published_by: Option<i64>,
}

const SUMMARY_COLUMNS: &str = "id, plan, period, year, org_code, serial, index_no, doc_number, \
     issuer, title, issued_on, published_at, published_by";

impl SummaryRow {
    fn into_summary(self) -> Result<BulletinSummary> {
        let corrupt = |what: &str| StoreError::Corrupt(format!("bulletin {}: {what}", self.id));
        Ok(BulletinSummary {
            id: BulletinId::new(self.id),
            plan: PlanId::new(self.plan),
            period: Period::parse(&self.period)?,
            year: i32::try_from(self.year).map_err(|_| corrupt("year"))?,
            serial: u32::try_from(self.serial).map_err(|_| corrupt("serial"))?,
            issued_on: Date::parse(
                &self.issued_on,
                time::macros::format_description!("[year]-[month]-[day]"),
            )
            .map_err(|_| corrupt("issued_on"))?,
            published_by: self.published_by.map(UserId::new),
            org_code: self.org_code,
            index_no: self.index_no,
            doc_number: self.doc_number,
            issuer: self.issuer,
            title: self.title,
            published_at: self.published_at,
        })
    }
}

/// What the audit event keeps of a publication: everything but the files, which it names by
/// their SM3 hashes, so the chain shows what was issued without holding it twice.
#[derive(Serialize)]
struct Published<'a> {
    #[serde(flatten)]
    summary: &'a BulletinSummary,
    html_sm3: String,
    md_sm3: String,
    docx_sm3: String,
}

fn required(value: &str, what: &str) -> Result<String> {
    let value = value.trim();
    if value.is_empty() {
        return Err(StoreError::Invalid(format!("a bulletin needs {what}")));
    }
    Ok(value.to_owned())
}

async fn publish(tx: &mut Tx, actor: Actor, new: NewBulletin) -> Result<PublishedBulletin> {
    let org_code = new.org_code.trim().to_owned();
    if !valid_org_code(&org_code) {
        return Err(StoreError::Invalid(format!(
            "organisation code {org_code:?}: letters, digits and hyphens, 1 to 32"
        )));
    }
    let doc_number = required(&new.doc_number, "a 文号")?;
    let issuer = required(&new.issuer, "an issuer")?;
    let title = required(&new.title, "a title")?;
    if new.html.trim().is_empty() || new.md.trim().is_empty() || new.docx.is_empty() {
        return Err(StoreError::Invalid("a bulletin needs its files".into()));
    }
    let year: Option<(i64,)> = tx
        .fetch_optional(
            "select year from plans where id = $1",
            args![new.plan.get()],
        )
        .await?;
    let (year,) = year.ok_or_else(|| StoreError::NotFound(format!("plan {}", new.plan)))?;
    if i64::from(new.period.year()) != year {
        return Err(StoreError::Invalid(format!(
            "period {} is outside the plan year {year}",
            new.period
        )));
    }
    let (last,): (Option<i64>,) = tx
        .fetch_one(
            "select max(serial) from bulletins where org_code = $1 and year = $2",
            args![&org_code, year],
        )
        .await?;
    let serial = last.unwrap_or(0) + 1;
    let year = i32::try_from(year)
        .map_err(|_| StoreError::Corrupt(format!("plan {} year {year}", new.plan)))?;
    let serial = u32::try_from(serial)
        .map_err(|_| StoreError::Corrupt(format!("bulletin serial {serial}")))?;
    let index_no = index_number(&org_code, year, serial);
    let published_at = now_rfc3339()?;
    let published_by = actor.user();
    let id = tx
        .insert(
            "insert into bulletins (plan, period, year, org_code, serial, index_no, doc_number, \
             issuer, title, issued_on, published_at, published_by, html, md, docx) \
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) \
             returning id",
            args![
                new.plan.get(),
                new.period.to_string(),
                i64::from(year),
                &org_code,
                i64::from(serial),
                &index_no,
                &doc_number,
                &issuer,
                &title,
                new.issued_on.to_string(),
                &published_at,
                published_by.map(UserId::get),
                new.html.as_str(),
                new.md.as_str(),
                new.docx.as_slice()
            ],
        )
        .await?;
    let summary = BulletinSummary {
        id: BulletinId::new(id),
        plan: new.plan,
        period: new.period,
        year,
        org_code,
        serial,
        index_no,
        doc_number,
        issuer,
        title,
        issued_on: new.issued_on,
        published_at,
        published_by,
    };
    let event = Change::new("publish", "bulletin", id).after(&Published {
        summary: &summary,
        html_sm3: sm3_hex([new.html.as_bytes()]),
        md_sm3: sm3_hex([new.md.as_bytes()]),
        docx_sm3: sm3_hex([new.docx.as_slice()]),
    })?;
    audit::record(tx, actor, event).await?;
    Ok(PublishedBulletin {
        summary,
        html: new.html,
        md: new.md,
        docx: new.docx,
    })
}

#[derive(Debug, sqlx::FromRow)]
struct FilesRow {
    html: String,
    md: String,
    docx: Vec<u8>,
}

impl Store {
    /// Publishes a bulletin: it gets the next serial of its organisation within the plan's
    /// year and its 索引号, in the same transaction as its audit event. Refuses a period
    /// outside the plan year, an empty 文号, issuer, title or file, and an organisation code
    /// that is not letters, digits and hyphens.
    pub async fn publish_bulletin(
        &self,
        actor: Actor,
        new: NewBulletin,
    ) -> Result<PublishedBulletin> {
        self.writer
            .write(move |tx| Box::pin(publish(tx, actor, new)))
            .await
    }

    /// A plan's published bulletins, the newest first.
    pub async fn bulletins(&self, plan: PlanId) -> Result<Vec<BulletinSummary>> {
        let mut tx = self.backend.read().await?;
        let sql =
            format!("select {SUMMARY_COLUMNS} from bulletins where plan = $1 order by id desc");
        let rows = tx.fetch_all::<SummaryRow>(&sql, args![plan.get()]).await;
        tx.commit().await?;
        rows?.into_iter().map(SummaryRow::into_summary).collect()
    }

    /// One published bulletin with its files.
    pub async fn bulletin(&self, id: BulletinId) -> Result<PublishedBulletin> {
        let mut tx = self.backend.read().await?;
        let sql = format!("select {SUMMARY_COLUMNS} from bulletins where id = $1");
        let summary = tx.fetch_optional::<SummaryRow>(&sql, args![id.get()]).await;
        let files = tx
            .fetch_optional::<FilesRow>(
                "select html, md, docx from bulletins where id = $1",
                args![id.get()],
            )
            .await;
        tx.commit().await?;
        let not_found = || StoreError::NotFound(format!("bulletin {id}"));
        let summary = summary?.ok_or_else(not_found)?.into_summary()?;
        let files = files?.ok_or_else(not_found)?;
        Ok(PublishedBulletin {
            summary,
            html: files.html,
            md: files.md,
            docx: files.docx,
        })
    }
}
