//! What the API answers with: plain structs built from domain types, documented for the
//! OpenAPI document. The domain's own serde forms stay free to change.

use serde::Serialize;
use shishi_core::{Actual, Op, Report, ReportState, Revision, Status};
use utoipa::ToSchema;

/// Where a target or an item stands against its schedule.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum StatusView {
    /// Short of the schedule by more than the red line (红).
    SeriouslyBehind,
    /// Short by more than the tolerance (慢序时, 黄).
    Behind,
    /// Within the tolerance of the schedule, or ahead (按序时).
    OnSchedule,
    Completed,
}

impl From<Status> for StatusView {
    fn from(status: Status) -> Self {
        match status {
            Status::SeriouslyBehind => StatusView::SeriouslyBehind,
            Status::Behind => StatusView::Behind,
            Status::OnSchedule => StatusView::OnSchedule,
            Status::Completed => StatusView::Completed,
        }
    }
}

/// How a quantity compares with the value committed to.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum OpView {
    /// Deliver or reach the value.
    Eq,
    /// At least.
    Ge,
    /// At most.
    Le,
    /// Raise by.
    Inc,
    /// Lower by.
    Dec,
}

impl From<Op> for OpView {
    fn from(op: Op) -> Self {
        match op {
            Op::Eq => OpView::Eq,
            Op::Ge => OpView::Ge,
            Op::Le => OpView::Le,
            Op::Inc => OpView::Inc,
            Op::Dec => OpView::Dec,
        }
    }
}

#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReportStateView {
    Draft,
    Submitted,
    UnitHeadApproved,
    Approved,
    Returned,
}

impl From<&ReportState> for ReportStateView {
    fn from(state: &ReportState) -> Self {
        match state {
            ReportState::Draft => ReportStateView::Draft,
            ReportState::Submitted => ReportStateView::Submitted,
            ReportState::UnitHeadApproved => ReportStateView::UnitHeadApproved,
            ReportState::Approved => ReportStateView::Approved,
            ReportState::Returned { .. } => ReportStateView::Returned,
        }
    }
}

/// The figure of a report: a value for a quantity target, a percent for a milestone.
pub fn figure(actual: &Actual) -> (Option<f64>, Option<f64>) {
    match actual {
        Actual::Value(v) => (Some(v.get()), None),
        Actual::Percent(p) => (None, Some(p.get())),
    }
}

/// A report with every revision: internal, never shown to the public.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportView {
    pub id: i64,
    pub target: i64,
    /// The month reported on, `YYYY-MM`.
    pub period: String,
    /// The current revision's value (quantity targets).
    pub value: Option<f64>,
    /// The current revision's percent done (milestones).
    pub percent: Option<f64>,
    /// The current revision's state.
    pub state: ReportStateView,
    /// Oldest first; the last is the current one.
    pub revisions: Vec<RevisionView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RevisionView {
    pub number: u32,
    pub value: Option<f64>,
    pub percent: Option<f64>,
    /// 进展情况.
    pub progress: String,
    /// 存在问题.
    pub problems: String,
    /// 下步打算.
    pub next_steps: String,
    /// 资金到位/使用.
    pub funds: Option<String>,
    pub state: ReportStateView,
    /// Why it was returned, for a returned revision.
    pub return_reason: Option<String>,
    /// `YYYY-MM-DD`.
    pub submitted_on: Option<String>,
}

impl From<&Revision> for RevisionView {
    fn from(revision: &Revision) -> Self {
        let (value, percent) = figure(&revision.content.actual);
        Self {
            number: revision.number,
            value,
            percent,
            progress: revision.content.progress.clone(),
            problems: revision.content.problems.clone(),
            next_steps: revision.content.next_steps.clone(),
            funds: revision.content.funds.clone(),
            state: (&revision.state).into(),
            return_reason: match &revision.state {
                ReportState::Returned { reason } => Some(reason.as_str().to_owned()),
                _ => None,
            },
            submitted_on: revision.submitted_on.map(|d| d.to_string()),
        }
    }
}

impl From<&Report> for ReportView {
    fn from(report: &Report) -> Self {
        let (value, percent) = figure(&report.current().content.actual);
        Self {
            id: report.id().get(),
            target: report.target().get(),
            period: report.period().to_string(),
            value,
            percent,
            state: report.state().into(),
            revisions: report.revisions().map(RevisionView::from).collect(),
        }
    }
}
