//! Where a target stands on a given day (序时): planned share against approved completion,
//! and whether its reports are overdue.

use crate::ids::TargetId;
use crate::period::Period;
use crate::plan::{Measure, Plan, Target};
use crate::report::{Actual, Report};
use serde::{Deserialize, Serialize};
use shishi_plan::Op;
use std::collections::BTreeSet;
use time::Date;

/// Shares computed by division (6.19 of 6.19) may miss an exact boundary by rounding.
const EPSILON: f64 = 1e-9;

/// How a target or item stands against its schedule. Ordered worst first, so the worst of
/// several is their minimum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Short of the schedule by more than the red line.
    SeriouslyBehind,
    /// Short by more than the tolerance, up to the red line.
    Behind,
    /// Within the tolerance of the schedule, or ahead of it.
    OnSchedule,
    /// The whole target is done.
    Completed,
}

impl Status {
    /// The word shown beside the light, so status is never told by colour alone.
    pub fn label_zh(self) -> &'static str {
        match self {
            Status::Completed => "已完成",
            Status::OnSchedule => "按序时",
            Status::Behind => "慢序时",
            Status::SeriouslyBehind => "严重滞后",
        }
    }
}

/// A target's standing on one day.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TargetStatus {
    target: TargetId,
    planned: f64,
    completion: f64,
    status: Status,
    report_overdue: bool,
    overdue_period: Option<Period>,
    last_approved: Option<Period>,
}

impl TargetStatus {
    pub fn target(&self) -> TargetId {
        self.target
    }

    /// The share the schedule asks for on the day, 0 to 1.
    pub fn planned(&self) -> f64 {
        self.planned
    }

    /// The share done by the latest approved report, 0 when there is none. Not capped:
    /// 1.2 means the target was exceeded by a fifth.
    pub fn completion(&self) -> f64 {
        self.completion
    }

    pub fn status(&self) -> Status {
        self.status
    }

    /// Whether some month's report is missing past its due day.
    pub fn report_overdue(&self) -> bool {
        self.report_overdue
    }

    /// The latest month whose report is missing past its due day.
    pub fn overdue_period(&self) -> Option<Period> {
        self.overdue_period
    }

    /// The period of the approved report the completion comes from, so staleness shows.
    pub fn last_approved(&self) -> Option<Period> {
        self.last_approved
    }
}

/// The standing of `target` on `today`, from its schedule and the reports of its plan.
///
/// - `planned` is the schedule's share on `today`.
/// - `completion` comes from the latest approved revision among reports for periods up to
///   `today`'s month (judged on the reports as they are now, not as they were known on
///   `today`). For `eq`/`ge`: actual ÷ value; `inc`/`dec`: change achieved ÷ value (the
///   report's value is the change); `le`: 1 while actual ≤ value, else 0; milestones:
///   percent ÷ 100. Reports whose figure no longer fits the target (it was changed from a
///   number to a milestone) are passed over. No approved report means 0.
/// - A month from the plan's first reporting period up to `today`'s month is overdue when
///   `today` is after its due date and no report for it was ever submitted.
///
/// Reports for other targets are ignored, so a whole item's or plan's reports can be passed.
pub fn target_status(
    plan: &Plan,
    target: &Target,
    reports: &[Report],
    today: Date,
) -> TargetStatus {
    let ours = || reports.iter().filter(|r| r.target() == target.id);
    let this_month = Period::of(today);

    let latest = ours()
        .filter(|r| r.period() <= this_month)
        .filter_map(|r| {
            let revision = r.approved()?;
            Some((
                r.period(),
                completion(&target.measure, &revision.content.actual)?,
            ))
        })
        .max_by_key(|(period, _)| *period);
    let (last_approved, completion) = match latest {
        Some((period, c)) => (Some(period), c),
        None => (None, 0.0),
    };

    let planned = target.schedule.planned(today);
    let thresholds = plan.settings().thresholds;
    let shortfall = planned - completion;
    let status = if completion + EPSILON >= 1.0 {
        Status::Completed
    } else if shortfall <= thresholds.tolerance() + EPSILON {
        Status::OnSchedule
    } else if shortfall <= thresholds.red_line() + EPSILON {
        Status::Behind
    } else {
        Status::SeriouslyBehind
    };

    let submitted: BTreeSet<Period> = ours()
        .filter(|r| r.was_submitted())
        .map(Report::period)
        .collect();
    let due_day = plan.settings().due_day;
    let mut overdue_period = None;
    // Reports are due through the month of the target's deadline, not for ever after: a
    // 2020 plan asks nothing of its units in 2021.
    let last_due = this_month.min(Period::of(target.schedule.deadline()));
    let mut month = plan.first_period();
    while month <= last_due {
        if today > month.due_date(due_day) && !submitted.contains(&month) {
            overdue_period = Some(month);
        }
        month = month.next();
    }

    TargetStatus {
        target: target.id,
        planned,
        completion,
        status,
        report_overdue: overdue_period.is_some(),
        overdue_period,
        last_approved,
    }
}

/// The share of `measure` that `actual` shows done; `None` when the figure does not fit.
pub fn completion(measure: &Measure, actual: &Actual) -> Option<f64> {
    match (measure, actual) {
        (Measure::Quantity(q), Actual::Value(v)) => {
            let (actual, value) = (v.get(), q.value().get());
            Some(match q.op() {
                Op::Le => {
                    if actual <= value {
                        1.0
                    } else {
                        0.0
                    }
                }
                Op::Eq | Op::Ge | Op::Inc | Op::Dec => actual / value,
            })
        }
        (Measure::Milestone, Actual::Percent(p)) => Some(p.get() / 100.0),
        _ => None,
    }
}

/// An item stands as its worst target; `None` for an item without targets.
pub fn item_status<'a>(targets: impl IntoIterator<Item = &'a TargetStatus>) -> Option<Status> {
    targets.into_iter().map(TargetStatus::status).min()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_are_json_in_snake_case_with_chinese_labels() {
        assert_eq!(
            serde_json::to_string(&Status::OnSchedule).unwrap(),
            "\"on_schedule\""
        );
        assert_eq!(
            serde_json::to_string(&Status::SeriouslyBehind).unwrap(),
            "\"seriously_behind\""
        );
        assert_eq!(Status::Behind.label_zh(), "慢序时");
        assert_eq!(Status::Completed.label_zh(), "已完成");
    }

    #[test]
    fn seriously_behind_is_the_worst_and_completed_the_best() {
        let mut all = [
            Status::Completed,
            Status::Behind,
            Status::SeriouslyBehind,
            Status::OnSchedule,
        ];
        all.sort();
        assert_eq!(
            all,
            [
                Status::SeriouslyBehind,
                Status::Behind,
                Status::OnSchedule,
                Status::Completed
            ]
        );
    }
}
