//! Where each item and target of a plan stands on a day, computed once per request from the
//! plan and its reports, and shared by the portal, the dashboard and the API.

use shishi_core::{item_status, target_status, Measure, Period, Report, Status, TargetStatus};
use shishi_core::{Target, TargetId, UnitId};
use shishi_store::PlanDetail;
use std::collections::HashMap;
use std::ops::Range;
use time::Date;

/// An item is stale when its newest approved figure is older than this many months before
/// the current one: the public should see that the light may no longer be true.
pub(crate) const STALE_AFTER_MONTHS: i32 = 2;

/// One target on the day.
#[derive(Debug, Clone)]
pub(crate) struct TargetStanding {
    pub status: TargetStatus,
    /// The approved cumulative figure the status was computed from (percent for a
    /// milestone); none before any approval.
    pub actual: Option<f64>,
}

/// One item on the day.
#[derive(Debug, Clone)]
pub(crate) struct ItemStanding {
    /// Where the item is in `PlanDetail::items`.
    pub index: usize,
    /// The worst of its targets; none for an item without targets.
    pub status: Option<Status>,
    pub targets: Vec<TargetStanding>,
    /// The mean share done of its targets, each capped at 1: the progress bar.
    pub progress: f64,
    /// The newest month with an approved figure on any of its targets.
    pub last_approved: Option<Period>,
    /// Whether any of its targets' reports is overdue (internal).
    pub report_overdue: bool,
    pub stale: bool,
}

/// Every item of `detail` on `today`, in the notice's order. `reports` are best ordered by
/// target, as the store gives them: each target's are then read in place, not copied.
pub(crate) fn standings(detail: &PlanDetail, reports: &[Report], today: Date) -> Vec<ItemStanding> {
    let sorted;
    let reports = if reports.windows(2).all(|w| w[0].target() <= w[1].target()) {
        reports
    } else {
        let mut copy = reports.to_vec();
        copy.sort_by_key(Report::target);
        sorted = copy;
        &sorted[..]
    };
    let mut runs: HashMap<TargetId, Range<usize>> = HashMap::new();
    let mut start = 0;
    for (i, report) in reports.iter().enumerate() {
        if reports.get(i + 1).map(Report::target) != Some(report.target()) {
            runs.insert(report.target(), start..i + 1);
            start = i + 1;
        }
    }
    detail
        .items
        .iter()
        .enumerate()
        .map(|(index, entry)| {
            let targets: Vec<TargetStanding> = entry
                .targets
                .iter()
                .map(|target| {
                    let ours = runs
                        .get(&target.id)
                        .map_or(&[][..], |run| &reports[run.clone()]);
                    let status = target_status(&detail.plan, target, ours, today);
                    let actual = approved_actual(target, &status, ours);
                    TargetStanding { status, actual }
                })
                .collect();
            let statuses: Vec<&TargetStatus> = targets.iter().map(|t| &t.status).collect();
            let status = item_status(statuses.iter().copied());
            let progress = if targets.is_empty() {
                0.0
            } else {
                targets
                    .iter()
                    .map(|t| t.status.completion().clamp(0.0, 1.0))
                    .sum::<f64>()
                    / targets.len() as f64
            };
            let last_approved = targets
                .iter()
                .filter_map(|t| t.status.last_approved())
                .max();
            let report_overdue = targets.iter().any(|t| t.status.report_overdue());
            let stale = is_stale(detail, last_approved, today, status);
            ItemStanding {
                index,
                status,
                targets,
                progress,
                last_approved,
                report_overdue,
                stale,
            }
        })
        .collect()
}

/// A completed item cannot go stale; any other whose newest approved figure is too old (or
/// that has none once reporting has begun) is.
fn is_stale(
    detail: &PlanDetail,
    last_approved: Option<Period>,
    today: Date,
    status: Option<Status>,
) -> bool {
    if status == Some(Status::Completed) || status.is_none() {
        return false;
    }
    let since = last_approved.unwrap_or(detail.plan.first_period());
    months_since(since, today) > STALE_AFTER_MONTHS
}

/// The approved revision's figure for the month the status was computed from.
fn approved_actual(target: &Target, status: &TargetStatus, reports: &[Report]) -> Option<f64> {
    let period = status.last_approved()?;
    let report = reports
        .iter()
        .find(|r| r.target() == target.id && r.period() == period)?;
    Some(match &report.approved()?.content.actual {
        shishi_core::Actual::Value(v) => v.get(),
        shishi_core::Actual::Percent(p) => p.get(),
    })
}

/// Unit names by id, for showing the units an item names.
pub(crate) fn unit_names(detail: &PlanDetail) -> HashMap<UnitId, String> {
    detail
        .units
        .iter()
        .map(|unit| (unit.id, unit.name.clone()))
        .collect()
}

/// The names of `ids`, joined for display (、 as Chinese lists are written).
pub(crate) fn joined_names(names: &HashMap<UnitId, String>, ids: &[UnitId]) -> String {
    ids.iter()
        .filter_map(|id| names.get(id).map(String::as_str))
        .collect::<Vec<_>>()
        .join("、")
}

/// A target's commitment as a person reads it: "≥ 6 所", "里程碑".
pub(crate) fn commitment(measure: &Measure) -> String {
    match measure {
        Measure::Quantity(q) => {
            let sign = match q.op() {
                shishi_core::Op::Eq => "",
                shishi_core::Op::Ge => "不少于 ",
                shishi_core::Op::Le => "不超过 ",
                shishi_core::Op::Inc => "增加 ",
                shishi_core::Op::Dec => "减少 ",
            };
            format!("{sign}{}", figure(q.value().get(), q.unit()))
        }
        Measure::Milestone => "节点目标".to_owned(),
    }
}

/// A figure with its measure word as a person reads it and as notices write it: from ten
/// thousand up in 万 (61900 平方米 → "6.19万平方米", 9500000 元 → "950万元"), smaller ones as
/// they are ("43 人").
pub(crate) fn figure(value: f64, unit: &str) -> String {
    if value.abs() >= 10_000.0 {
        format!("{}万{unit}", decimals(value / 10_000.0, 4))
    } else if unit.is_empty() {
        number(value)
    } else {
        format!("{} {unit}", number(value))
    }
}

/// A figure without a trailing ".0", with at most two decimals.
pub(crate) fn number(value: f64) -> String {
    decimals(value, 2)
}

/// `value` with at most `places` decimals and no trailing zeros.
fn decimals(value: f64, places: usize) -> String {
    let text = format!("{value:.places$}");
    let trimmed = if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.')
    } else {
        &text
    };
    // A value that rounds to nothing is 0, not "-0".
    if trimmed == "-0" { "0" } else { trimmed }.to_owned()
}

/// The CSS class and the word of a status; an item without targets has neither colour nor
/// schedule.
pub(crate) fn status_words(status: Option<Status>) -> (&'static str, &'static str) {
    match status {
        Some(Status::Completed) => ("completed", Status::Completed.label_zh()),
        Some(Status::OnSchedule) => ("on_schedule", Status::OnSchedule.label_zh()),
        Some(Status::Behind) => ("behind", Status::Behind.label_zh()),
        Some(Status::SeriouslyBehind) => ("seriously_behind", Status::SeriouslyBehind.label_zh()),
        None => ("none", "无量化目标"),
    }
}

/// A share as a whole percent for display: 0.456 → "46%".
pub(crate) fn percent(share: f64) -> String {
    format!("{:.0}%", (share * 100.0).max(0.0))
}

/// How many months lie between `from` and the month of `today`.
pub(crate) fn months_since(from: Period, today: Date) -> i32 {
    let now = Period::of(today);
    (now.year() - from.year()) * 12 + i32::from(now.month()) - i32::from(from.month())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_amounts_read_in_wan_and_small_ones_as_they_are() {
        assert_eq!(figure(9_500_000.0, "元"), "950万元");
        assert_eq!(figure(2_385_266.0, "元"), "238.5266万元");
        assert_eq!(figure(61_900.0, "平方米"), "6.19万平方米");
        assert_eq!(figure(49_520.0, "平方米"), "4.952万平方米");
        assert_eq!(figure(43.0, "人"), "43 人");
        assert_eq!(figure(12.5, ""), "12.5");
        assert_eq!(number(0.1 + 0.2), "0.3");
        assert_eq!(number(-0.0001), "0");
    }
}
