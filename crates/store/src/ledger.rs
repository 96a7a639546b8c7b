//! A filled-in ledger (台账) filed as reports: every row checked against the importing user's
//! unit, the plan year and the report's stage, in one write. A row that cannot be filed is
//! named with its reason and leaves the others untouched; a row already filed with the same
//! content is skipped, so importing one file twice files nothing twice.

use crate::audit::Actor;
use crate::error::{Result, StoreError};
use crate::plans::target_scope;
use crate::reports::{file, find};
use crate::sql::Tx;
use crate::Store;
use shishi_core::{check, Action, Period, ReportId, ReportState, Resource, User};
use shishi_docs::ledger::{LedgerRow, RowError};
use time::Date;

/// What became of a ledger's rows. Every row handed in is in exactly one of the three lists.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LedgerOutcome {
    /// Rows filed and submitted: the row number a person sees, and the report.
    pub filed: Vec<(u32, ReportId)>,
    /// Rows whose month was already submitted or approved with exactly this content.
    pub unchanged: Vec<u32>,
    /// Rows refused, each with its reason in Chinese.
    pub errors: Vec<RowError>,
}

/// What one row came to.
enum RowResult {
    Filed(ReportId),
    Unchanged,
    Refused(String),
}

impl Store {
    /// Files the rows of a ledger as `user`'s reports on `today`, in one write: a report for
    /// each good row (submitted, with its audit event), a reason for each bad one. Only
    /// failures of the database itself fail the whole import.
    pub async fn import_ledger_rows(
        &self,
        actor: Actor,
        user: &User,
        rows: Vec<LedgerRow>,
        today: Date,
    ) -> Result<LedgerOutcome> {
        let user = user.clone();
        self.writer
            .write(move |tx| {
                Box::pin(async move {
                    let mut outcome = LedgerOutcome::default();
                    for row in rows {
                        // Each row in its own savepoint: a refusal halfway through a row
                        // (a report created, then refused by the domain) leaves nothing.
                        tx.execute("savepoint ledger_row", vec![]).await?;
                        let result = import_row(tx, actor, &user, &row, today).await;
                        match result {
                            Ok(RowResult::Filed(id)) => outcome.filed.push((row.row, id)),
                            Ok(RowResult::Unchanged) => outcome.unchanged.push(row.row),
                            Ok(RowResult::Refused(reason)) => outcome.errors.push(RowError {
                                row: row.row,
                                reason,
                            }),
                            Err(StoreError::Domain(error)) => outcome.errors.push(RowError {
                                row: row.row,
                                reason: domain_reason(&error),
                            }),
                            Err(other) => return Err(other),
                        }
                        if matches!(outcome.errors.last(), Some(e) if e.row == row.row) {
                            tx.execute("rollback to savepoint ledger_row", vec![])
                                .await?;
                        }
                        tx.execute("release savepoint ledger_row", vec![]).await?;
                    }
                    Ok(outcome)
                })
            })
            .await
    }
}

async fn import_row(
    tx: &mut Tx,
    actor: Actor,
    user: &User,
    row: &LedgerRow,
    today: Date,
) -> Result<RowResult> {
    let not_ours = || {
        RowResult::Refused(format!(
            "不属于本单位的目标（目标编号 {}），只能导入本单位牵头的目标",
            row.target
        ))
    };
    let scope = match target_scope(tx, row.target).await {
        Ok(scope) => scope,
        Err(StoreError::NotFound(_)) => return Ok(not_ours()),
        Err(other) => return Err(other),
    };
    let resource = Resource::Target {
        lead_units: &scope.lead_units,
    };
    if !user.unit.is_some_and(|u| scope.lead_units.contains(&u)) {
        return Ok(not_ours());
    }
    if check(Some(user), Action::SubmitReport, &resource).is_err() {
        return Ok(RowResult::Refused(format!(
            "{}不能报送进展，请由本单位填报员导入",
            user.role.label_zh()
        )));
    }

    let plan = &scope.plan;
    let year = plan.year().get();
    let period = row.period;
    if period.year() != year || period < plan.first_period() {
        return Ok(RowResult::Refused(format!(
            "填报月份 {period} 不在计划年度内（{} 至 {year}-12）",
            plan.first_period()
        )));
    }
    if period > Period::of(today) {
        return Ok(RowResult::Refused(format!(
            "填报月份 {period} 还没到（今天是 {today}），不能提前填报"
        )));
    }

    if let Some(report) = find(tx, row.target, period).await? {
        let current = report.current();
        let sent = matches!(
            current.state,
            ReportState::Submitted | ReportState::UnitHeadApproved | ReportState::Approved
        );
        if sent && current.content == row.content {
            return Ok(RowResult::Unchanged);
        }
    }
    let report = file(tx, actor, row.target, period, row.content.clone(), today).await?;
    Ok(RowResult::Filed(report.id()))
}

/// The domain's refusal as the person importing reads it.
fn domain_reason(error: &shishi_core::Error) -> String {
    use shishi_core::Error;
    match error {
        Error::IllegalTransition { state, .. } => match *state {
            "submitted" | "unit_head_approved" => {
                "该月报告已报送、正在审核中，审核完成前不能再次导入修改；如需更正，请联系审核人退回"
                    .to_owned()
            }
            other => format!("该月报告当前状态（{other}）不允许再次报送"),
        },
        Error::ActualDoesNotFitTarget => {
            "填报方式与目标不符：数量目标填累计完成值，无数字的目标填完成百分比".to_owned()
        }
        Error::EmptyProgress => "“进展情况”未填写".to_owned(),
        other => format!("不能报送：{other}"),
    }
}
