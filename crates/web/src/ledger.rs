//! Ledgers (台账) as the server and the command line make and read them: a stored plan to
//! the .xlsx, and a filled-in file checked against the plan before its rows are filed.
//! Export and reading are blocking work: callers on an async executor run them in
//! `spawn_blocking`.

use shishi_core::{Period, Plan, UnitId};
use shishi_docs::ledger::{self, LedgerData, LedgerError, LedgerImport, RowError};
use shishi_store::{LedgerOutcome, PlanDetail, PlanSnapshot};
use std::collections::HashSet;
use time::Date;

pub use shishi_docs::ledger::MAX_LEDGER_BYTES;

/// The Content-Type of an .xlsx file.
pub const CONTENT_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// The month whose report is now due, as a unit's ledger prefills it: this month within the
/// plan year, December after it, none before it.
pub fn due_period(plan: &Plan, today: Date) -> Option<Period> {
    let this = Period::of(today);
    let year = plan.year().get();
    if this.year() < year || this < plan.first_period() {
        None
    } else if this.year() > year {
        Period::new(year, 12).ok()
    } else {
        Some(this)
    }
}

/// The ledger of a plan as .xlsx bytes: every target, or only those `unit` leads, as of
/// `today`, with `period` prefilled in every row when given.
pub fn export(
    snapshot: &PlanSnapshot,
    unit: Option<UnitId>,
    today: Date,
    period: Option<Period>,
) -> Result<Vec<u8>, LedgerError> {
    let detail = &snapshot.detail;
    let items: Vec<_> = detail.items.iter().map(|e| e.item.clone()).collect();
    let targets: Vec<_> = detail
        .items
        .iter()
        .filter(|e| unit.is_none_or(|u| e.item.lead_units.contains(&u)))
        .flat_map(|e| e.targets.iter().cloned())
        .collect();
    ledger::export(&LedgerData {
        plan: &detail.plan,
        items: &items,
        targets: &targets,
        units: &detail.units,
        reports: &snapshot.reports,
        today,
        period,
    })
}

/// The name a downloaded ledger is saved under: the plan's title, the unit's name for a
/// unit's ledger, and the day.
pub fn file_name(plan: &Plan, unit: Option<&str>, today: Date) -> String {
    let clean = |s: &str| -> String {
        s.chars()
            .filter(|c| !c.is_control() && !"/\\:*?\"<>|".contains(*c))
            .collect()
    };
    let mut name = clean(plan.title());
    if let Some(unit) = unit {
        name.push('-');
        name.push_str(&clean(unit));
    }
    format!("{name}-台账-{today}.xlsx")
}

/// Reads a filled-in ledger (blocking).
pub fn read(bytes: &[u8]) -> Result<LedgerImport, LedgerError> {
    ledger::import(bytes)
}

/// Why a file cannot be imported into a plan as a whole.
#[derive(Debug, thiserror::Error)]
pub enum PlanMismatch {
    #[error("这份台账是另一个年度计划（编号 {file}）的，不能导入到当前计划（编号 {wanted}）。请从本计划的页面重新下载台账后填写")]
    OtherPlan { file: i64, wanted: i64 },
}

/// Checks the file's plan against `detail`'s and moves rows of targets outside the plan
/// into the file's row errors (kept in row order): a row keyed to another plan's target is
/// refused, not filed there.
pub fn keep_rows_of_plan(
    detail: &PlanDetail,
    import: &mut LedgerImport,
) -> Result<(), PlanMismatch> {
    let wanted = detail.plan.id();
    if let Some(file) = import.plan.filter(|&p| p != wanted) {
        return Err(PlanMismatch::OtherPlan {
            file: file.get(),
            wanted: wanted.get(),
        });
    }
    let ours: HashSet<_> = detail
        .items
        .iter()
        .flat_map(|e| e.targets.iter().map(|t| t.id))
        .collect();
    let (rows, others): (Vec<_>, Vec<_>) = std::mem::take(&mut import.rows)
        .into_iter()
        .partition(|r| ours.contains(&r.target));
    import.rows = rows;
    import.errors.extend(others.into_iter().map(|r| RowError {
        row: r.row,
        reason: format!(
            "目标编号 {} 不是本计划（{}）的目标，请在本计划导出的台账原行中填写",
            r.target,
            detail.plan.title()
        ),
    }));
    import.errors.sort_by_key(|e| e.row);
    Ok(())
}

/// Every bad row of a file and of its filing, by row number.
pub fn all_errors(import: &LedgerImport, outcome: &LedgerOutcome) -> Vec<RowError> {
    let mut errors: Vec<RowError> = import
        .errors
        .iter()
        .chain(&outcome.errors)
        .cloned()
        .collect();
    errors.sort_by_key(|e| e.row);
    errors
}

/// One line: "导入 N 行，未变 M 行，错误 K 行，空行 J 行".
pub fn summary(import: &LedgerImport, outcome: &LedgerOutcome) -> String {
    format!(
        "导入 {} 行，未变 {} 行，错误 {} 行，空行 {} 行",
        outcome.filed.len(),
        outcome.unchanged.len(),
        import.errors.len() + outcome.errors.len(),
        import.skipped_blank.len()
    )
}
