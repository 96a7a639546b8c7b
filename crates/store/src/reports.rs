//! Reports and their revisions: loaded into the core `Report`, moved by its state machine,
//! saved back. A revision once closed is never written again.

use crate::audit::{self, now_rfc3339, Actor, Change};
use crate::error::{Result, StoreError};
use crate::plans::{format_date, parse_date, plan_of_target, target};
use crate::sql::{args, Tx};
use crate::Store;
use shishi_core::{
    Actual, Percent, Period, PlanId, PlanSettings, Reason, Report, ReportContent, ReportId,
    ReportState, ReportValue, Revision, Target, TargetId,
};
use time::Date;

#[derive(Debug, sqlx::FromRow)]
struct ReportRow {
    id: i64,
    target: i64,
    period: String,
}

#[derive(Debug, sqlx::FromRow)]
struct RevisionRow {
    report: i64,
    number: i64,
    value: Option<f64>,
    percent: Option<f64>,
    progress: String,
    problems: String,
    next_steps: String,
    funds: Option<String>,
    state: String,
    return_reason: Option<String>,
    submitted_on: Option<String>,
}

const REVISION_COLUMNS: &str = "report, number, value, percent, progress, problems, next_steps, \
     funds, state, return_reason, submitted_on";

impl RevisionRow {
    fn into_revision(self) -> Result<Revision> {
        let actual = match (self.value, self.percent) {
            (Some(v), None) => Actual::Value(ReportValue::new(v)?),
            (None, Some(p)) => Actual::Percent(Percent::new(p)?),
            _ => {
                return Err(StoreError::Corrupt(format!(
                    "revision {} of report {} has no single figure",
                    self.number, self.report
                )))
            }
        };
        let state = match (self.state.as_str(), self.return_reason) {
            ("draft", _) => ReportState::Draft,
            ("submitted", _) => ReportState::Submitted,
            ("unit_head_approved", _) => ReportState::UnitHeadApproved,
            ("approved", _) => ReportState::Approved,
            ("returned", Some(reason)) => ReportState::Returned {
                reason: Reason::parse(&reason)?,
            },
            (other, _) => {
                return Err(StoreError::Corrupt(format!("report state {other:?}")));
            }
        };
        Ok(Revision {
            number: u32::try_from(self.number)
                .map_err(|_| StoreError::Corrupt(format!("revision number {}", self.number)))?,
            content: ReportContent {
                actual,
                progress: self.progress,
                problems: self.problems,
                next_steps: self.next_steps,
                funds: self.funds,
            },
            state,
            submitted_on: self.submitted_on.as_deref().map(parse_date).transpose()?,
        })
    }
}

fn assemble(row: ReportRow, revisions: Vec<RevisionRow>) -> Result<Report> {
    let revisions = revisions
        .into_iter()
        .map(RevisionRow::into_revision)
        .collect::<Result<Vec<_>>>()?;
    Ok(Report::restore(
        ReportId::new(row.id),
        TargetId::new(row.target),
        Period::parse(&row.period)?,
        revisions,
    )?)
}

async fn load(tx: &mut Tx, id: ReportId) -> Result<Report> {
    let row: Option<ReportRow> = tx
        .fetch_optional(
            "select id, target, period from reports where id = $1",
            args![id.get()],
        )
        .await?;
    let row = row.ok_or_else(|| StoreError::NotFound(format!("report {id}")))?;
    let sql = format!(
        "select {REVISION_COLUMNS} from report_revisions where report = $1 order by number"
    );
    let revisions = tx.fetch_all(&sql, args![id.get()]).await?;
    assemble(row, revisions)
}

pub(crate) async fn find(tx: &mut Tx, target: TargetId, period: Period) -> Result<Option<Report>> {
    let row: Option<(i64,)> = tx
        .fetch_optional(
            "select id from reports where target = $1 and period = $2",
            args![target.get(), period.to_string()],
        )
        .await?;
    match row {
        Some((id,)) => Ok(Some(load(tx, ReportId::new(id)).await?)),
        None => Ok(None),
    }
}

async fn for_target(tx: &mut Tx, target: TargetId) -> Result<Vec<Report>> {
    let rows: Vec<ReportRow> = tx
        .fetch_all(
            "select id, target, period from reports where target = $1 order by period",
            args![target.get()],
        )
        .await?;
    let sql = format!(
        "select {} from report_revisions r join reports p on p.id = r.report \
         where p.target = $1 order by r.report, r.number",
        qualified_revision_columns()
    );
    let revisions: Vec<RevisionRow> = tx.fetch_all(&sql, args![target.get()]).await?;
    assemble_all(rows, revisions)
}

/// Every report on the targets of a plan: two queries however many targets it has, so a
/// plan's status page does not cost one query per target.
async fn for_plan(tx: &mut Tx, plan: PlanId) -> Result<Vec<Report>> {
    const OF_PLAN: &str = "join targets t on t.id = p.target join items i on i.id = t.item \
         where i.plan = $1";
    let rows: Vec<ReportRow> = tx
        .fetch_all(
            &format!(
                "select p.id, p.target, p.period from reports p {OF_PLAN} order by p.target, \
                 p.period"
            ),
            args![plan.get()],
        )
        .await?;
    let sql = format!(
        "select {} from report_revisions r join reports p on p.id = r.report {OF_PLAN} \
         order by r.report, r.number",
        qualified_revision_columns()
    );
    let revisions: Vec<RevisionRow> = tx.fetch_all(&sql, args![plan.get()]).await?;
    assemble_all(rows, revisions)
}

fn qualified_revision_columns() -> String {
    REVISION_COLUMNS
        .split(", ")
        .map(|c| format!("r.{c}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Reports from their rows and all their revisions (ordered by report, then number).
fn assemble_all(rows: Vec<ReportRow>, revisions: Vec<RevisionRow>) -> Result<Vec<Report>> {
    let mut by_report: std::collections::HashMap<i64, Vec<RevisionRow>> =
        std::collections::HashMap::with_capacity(rows.len());
    for revision in revisions {
        by_report.entry(revision.report).or_default().push(revision);
    }
    rows.into_iter()
        .map(|row| {
            let own = by_report.remove(&row.id).unwrap_or_default();
            assemble(row, own)
        })
        .collect()
}

/// Writes the report's current revision: the only one that can have changed since it was
/// loaded (earlier ones are closed), or a new one.
async fn save_current(tx: &mut Tx, report: &Report) -> Result<()> {
    let current = report.current();
    let (value, percent) = match current.content.actual {
        Actual::Value(v) => (Some(v.get()), None),
        Actual::Percent(p) => (None, Some(p.get())),
    };
    let reason = match &current.state {
        ReportState::Returned { reason } => Some(reason.as_str().to_owned()),
        _ => None,
    };
    let submitted_on = current.submitted_on.map(format_date).transpose()?;
    let content = &current.content;
    let updated = tx
        .execute(
            "update report_revisions set value = $1, percent = $2, progress = $3, problems = $4, \
             next_steps = $5, funds = $6, state = $7, return_reason = $8, submitted_on = $9 \
             where report = $10 and number = $11",
            args![
                value,
                percent,
                &content.progress,
                &content.problems,
                &content.next_steps,
                content.funds.clone(),
                current.state.name(),
                reason.clone(),
                submitted_on.clone(),
                report.id().get(),
                i64::from(current.number),
            ],
        )
        .await?;
    if updated == 0 {
        tx.execute(
            "insert into report_revisions (report, number, value, percent, progress, problems, \
             next_steps, funds, state, return_reason, submitted_on, created_at) \
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
            args![
                report.id().get(),
                i64::from(current.number),
                value,
                percent,
                &content.progress,
                &content.problems,
                &content.next_steps,
                content.funds.clone(),
                current.state.name(),
                reason,
                submitted_on,
                now_rfc3339()?,
            ],
        )
        .await?;
    }
    Ok(())
}

/// A new draft report for `target` and `period`; a conflict when one exists.
async fn create(
    tx: &mut Tx,
    target: &Target,
    period: Period,
    content: ReportContent,
) -> Result<Report> {
    let id = tx
        .insert(
            "insert into reports (target, period) values ($1, $2) returning id",
            args![target.id.get(), period.to_string()],
        )
        .await?;
    let report = Report::new(ReportId::new(id), target, period, content)?;
    save_current(tx, &report).await?;
    Ok(report)
}

/// What a move on a report may need: the target (to check a figure's kind) and the plan's
/// settings (whether the unit head approves first).
struct Context {
    target: Target,
    settings: PlanSettings,
}

/// Loads a report, applies `change` through the core state machine, saves it and records the
/// audit event, all in the caller's transaction.
async fn change(
    tx: &mut Tx,
    actor: Actor,
    id: ReportId,
    action: &'static str,
    apply: impl FnOnce(&mut Report, &Context) -> Result<(), shishi_core::Error>,
) -> Result<Report> {
    let mut report = load(tx, id).await?;
    let context = Context {
        target: target(tx, report.target()).await?,
        settings: *plan_of_target(tx, report.target()).await?.settings(),
    };
    let before = report.clone();
    apply(&mut report, &context)?;
    save_current(tx, &report).await?;
    let event = Change::new(action, "report", id)
        .before(&before)?
        .after(&report)?;
    audit::record(tx, actor, event).await?;
    Ok(report)
}

/// The hot path: the unit's figures for a target and a month, submitted in one write. A new
/// report, an edited draft, or a new revision of a closed one, as the report stands.
pub(crate) async fn file(
    tx: &mut Tx,
    actor: Actor,
    target_id: TargetId,
    period: Period,
    content: ReportContent,
    today: Date,
) -> Result<Report> {
    let target = target(tx, target_id).await?;
    let (before, mut report) = match find(tx, target_id, period).await? {
        None => (None, create(tx, &target, period, content).await?),
        Some(mut report) => {
            let before = report.clone();
            if report.state() == &ReportState::Draft {
                report.edit(&target, content)?;
            } else {
                report.revise(&target, content)?;
            }
            (Some(before), report)
        }
    };
    report.submit(today)?;
    save_current(tx, &report).await?;
    let mut event = Change::new("submit", "report", report.id());
    if let Some(before) = &before {
        event = event.before(before)?;
    }
    audit::record(tx, actor, event.after(&report)?).await?;
    Ok(report)
}

impl Store {
    /// A new draft report (not yet submitted).
    pub async fn create_report(
        &self,
        actor: Actor,
        target_id: TargetId,
        period: Period,
        content: ReportContent,
    ) -> Result<Report> {
        self.writer
            .write(move |tx| {
                Box::pin(async move {
                    let target = target(tx, target_id).await?;
                    let report = create(tx, &target, period, content).await?;
                    let event = Change::new("create", "report", report.id()).after(&report)?;
                    audit::record(tx, actor, event).await?;
                    Ok(report)
                })
            })
            .await
    }

    /// Changes a draft's content.
    pub async fn edit_report(
        &self,
        actor: Actor,
        id: ReportId,
        content: ReportContent,
    ) -> Result<Report> {
        self.writer
            .write(move |tx| {
                Box::pin(change(tx, actor, id, "edit", move |report, cx| {
                    report.edit(&cx.target, content)
                }))
            })
            .await
    }

    /// Submits a draft on `today` (the caller's clock).
    pub async fn submit_report(&self, actor: Actor, id: ReportId, today: Date) -> Result<Report> {
        self.writer
            .write(move |tx| {
                Box::pin(change(tx, actor, id, "submit", move |report, _| {
                    report.submit(today)
                }))
            })
            .await
    }

    /// Writes and submits the figures for a target and a month in one go (a new report, the
    /// draft edited, or a new revision of a closed one). The month-end hot path: its commit
    /// is shared with the other submissions waiting at the same moment.
    pub async fn file_report(
        &self,
        actor: Actor,
        target: TargetId,
        period: Period,
        content: ReportContent,
        today: Date,
    ) -> Result<Report> {
        // One path for filing, with files or without.
        self.file_report_with_attachments(actor, target, period, content, today, vec![])
            .await
    }

    /// The unit head's approval, on plans that ask for it.
    pub async fn unit_head_approve_report(&self, actor: Actor, id: ReportId) -> Result<Report> {
        self.writer
            .write(move |tx| {
                Box::pin(change(tx, actor, id, "unit_head_approve", |report, cx| {
                    report.unit_head_approve(&cx.settings)
                }))
            })
            .await
    }

    /// The supervisor's approval.
    pub async fn approve_report(&self, actor: Actor, id: ReportId) -> Result<Report> {
        self.writer
            .write(move |tx| {
                Box::pin(change(tx, actor, id, "approve", |report, cx| {
                    report.approve(&cx.settings)
                }))
            })
            .await
    }

    /// Sends a report back; the reason is a `Reason`, so it is never empty.
    pub async fn return_report(
        &self,
        actor: Actor,
        id: ReportId,
        reason: Reason,
    ) -> Result<Report> {
        self.writer
            .write(move |tx| {
                Box::pin(change(tx, actor, id, "return", move |report, _| {
                    report.return_with(reason)
                }))
            })
            .await
    }

    /// Starts a correction of an approved or returned report: a new draft revision.
    pub async fn revise_report(
        &self,
        actor: Actor,
        id: ReportId,
        content: ReportContent,
    ) -> Result<Report> {
        self.writer
            .write(move |tx| {
                Box::pin(change(tx, actor, id, "revise", move |report, cx| {
                    report.revise(&cx.target, content)
                }))
            })
            .await
    }

    pub async fn report(&self, id: ReportId) -> Result<Report> {
        let mut tx = self.backend.read().await?;
        let report = load(&mut tx, id).await;
        tx.commit().await?;
        report
    }

    /// The report for a target and a month, if the unit has started one.
    pub async fn report_for(&self, target: TargetId, period: Period) -> Result<Option<Report>> {
        let mut tx = self.backend.read().await?;
        let report = find(&mut tx, target, period).await;
        tx.commit().await?;
        report
    }

    /// Every report on the targets of `plan`, each with all its revisions.
    pub async fn reports_for_plan(&self, plan: PlanId) -> Result<Vec<Report>> {
        let mut tx = self.backend.read().await?;
        let reports = for_plan(&mut tx, plan).await;
        tx.commit().await?;
        reports
    }

    /// Every report on a target, by month, each with all its revisions.
    pub async fn reports_for_target(&self, target: TargetId) -> Result<Vec<Report>> {
        let mut tx = self.backend.read().await?;
        let reports = for_target(&mut tx, target).await;
        tx.commit().await?;
        reports
    }
}
