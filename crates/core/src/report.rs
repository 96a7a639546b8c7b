//! Monthly reports on a target, their review (draft → submitted → approved or returned) and
//! their revisions: nothing is overwritten once submitted.

use crate::error::Error;
use crate::ids::{ReportId, TargetId};
use crate::period::Period;
use crate::plan::{Measure, PlanSettings, Target};
use serde::{Deserialize, Serialize};
use time::Date;

/// A reported amount for a quantity target: finite and not negative. Cumulative: the total
/// so far, not this month's increment (for `inc`/`dec` targets, the change achieved so far).
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Serialize, Deserialize)]
#[serde(try_from = "f64", into = "f64")]
pub struct ReportValue(f64);

impl ReportValue {
    pub fn new(value: f64) -> Result<Self, Error> {
        if value.is_finite() && value >= 0.0 {
            // -0.0 passes the test above; store it as 0 so it never prints as "-0".
            Ok(Self(value + 0.0))
        } else {
            Err(Error::InvalidReportValue(value))
        }
    }

    pub fn get(self) -> f64 {
        self.0
    }
}

impl TryFrom<f64> for ReportValue {
    type Error = Error;

    fn try_from(value: f64) -> Result<Self, Error> {
        Self::new(value)
    }
}

impl From<ReportValue> for f64 {
    fn from(v: ReportValue) -> f64 {
        v.0
    }
}

/// Percent done of a milestone, 0 to 100. Fractions are allowed (62.5), as ledgers carry them.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Serialize, Deserialize)]
#[serde(try_from = "f64", into = "f64")]
pub struct Percent(f64);

impl Percent {
    pub fn new(value: f64) -> Result<Self, Error> {
        if value.is_finite() && (0.0..=100.0).contains(&value) {
            Ok(Self(value + 0.0))
        } else {
            Err(Error::InvalidPercent(value))
        }
    }

    pub fn get(self) -> f64 {
        self.0
    }
}

impl TryFrom<f64> for Percent {
    type Error = Error;

    fn try_from(value: f64) -> Result<Self, Error> {
        Self::new(value)
    }
}

impl From<Percent> for f64 {
    fn from(p: Percent) -> f64 {
        p.0
    }
}

/// Where the target stands by the report: a value for a quantity, a percent for a milestone.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Actual {
    Value(ReportValue),
    Percent(Percent),
}

impl Actual {
    /// Whether this is the kind of figure `measure` is reported in.
    pub fn fits(&self, measure: &Measure) -> bool {
        matches!(
            (self, measure),
            (Actual::Value(_), Measure::Quantity(_)) | (Actual::Percent(_), Measure::Milestone)
        )
    }
}

/// What a unit writes for one target and one month.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportContent {
    pub actual: Actual,
    /// 进展情况: what was done.
    pub progress: String,
    /// 存在问题.
    #[serde(default)]
    pub problems: String,
    /// 下步打算.
    #[serde(default)]
    pub next_steps: String,
    /// 资金到位/使用, as the unit writes it ("到位1200万元，已使用800万元"): free text,
    /// because units give two amounts in mixed units and nothing here computes with them.
    #[serde(default)]
    pub funds: Option<String>,
}

/// Why a report was sent back: never empty, so the unit always learns what to fix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Reason(String);

impl Reason {
    pub fn parse(input: &str) -> Result<Self, Error> {
        let reason = input.trim();
        if reason.is_empty() {
            Err(Error::EmptyReason)
        } else {
            Ok(Self(reason.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Reason {
    type Error = Error;

    fn try_from(s: String) -> Result<Self, Error> {
        Self::parse(&s)
    }
}

impl From<Reason> for String {
    fn from(r: Reason) -> String {
        r.0
    }
}

/// Where a revision is in its review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ReportState {
    Draft,
    Submitted,
    /// The unit head approved; the supervisor reviews next. Only on plans that ask for it.
    UnitHeadApproved,
    Approved,
    Returned {
        reason: Reason,
    },
}

impl ReportState {
    pub fn name(&self) -> &'static str {
        match self {
            ReportState::Draft => "draft",
            ReportState::Submitted => "submitted",
            ReportState::UnitHeadApproved => "unit_head_approved",
            ReportState::Approved => "approved",
            ReportState::Returned { .. } => "returned",
        }
    }

    pub fn label_zh(&self) -> &'static str {
        match self {
            ReportState::Draft => "草稿",
            ReportState::Submitted => "已报送",
            ReportState::UnitHeadApproved => "单位已审核",
            ReportState::Approved => "已审核",
            ReportState::Returned { .. } => "已退回",
        }
    }

    /// Approved or returned: the review of this revision is over and a new one may start.
    pub fn is_closed(&self) -> bool {
        matches!(self, ReportState::Approved | ReportState::Returned { .. })
    }
}

/// One version of a report. A correction is a new revision; earlier ones stay readable.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Revision {
    /// 1 for the first version, counting up.
    pub number: u32,
    pub content: ReportContent,
    pub state: ReportState,
    /// The day it was submitted (the caller's clock), for judging timeliness.
    pub submitted_on: Option<Date>,
}

/// A report for one target and one period, with all its revisions. The last revision is the
/// current one; only it can move, and a new one starts only once it is approved or returned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawReport", into = "RawReport")]
pub struct Report {
    id: ReportId,
    target: TargetId,
    period: Period,
    earlier: Vec<Revision>,
    current: Revision,
}

#[derive(Serialize, Deserialize)]
struct RawReport {
    id: ReportId,
    target: TargetId,
    period: Period,
    revisions: Vec<Revision>,
}

impl Report {
    /// A new draft for `target`; its figure must be of the kind the target is measured in.
    pub fn new(
        id: ReportId,
        target: &Target,
        period: Period,
        content: ReportContent,
    ) -> Result<Self, Error> {
        fit(target, &content)?;
        let current = Revision {
            number: 1,
            content,
            state: ReportState::Draft,
            submitted_on: None,
        };
        Ok(Self {
            id,
            target: target.id,
            period,
            earlier: Vec::new(),
            current,
        })
    }

    /// A report rebuilt from stored revisions, oldest first: numbered 1, 2, 3…, every one
    /// but the last approved or returned.
    pub fn restore(
        id: ReportId,
        target: TargetId,
        period: Period,
        mut revisions: Vec<Revision>,
    ) -> Result<Self, Error> {
        let bad = Error::InvalidRevisions;
        let current = revisions.pop().ok_or(bad.clone())?;
        let numbered = revisions
            .iter()
            .chain([&current])
            .zip(1u32..)
            .all(|(r, n)| r.number == n);
        if !numbered || !revisions.iter().all(|r| r.state.is_closed()) {
            return Err(bad);
        }
        Ok(Self {
            id,
            target,
            period,
            earlier: revisions,
            current,
        })
    }

    pub fn id(&self) -> ReportId {
        self.id
    }

    pub fn target(&self) -> TargetId {
        self.target
    }

    pub fn period(&self) -> Period {
        self.period
    }

    /// The revision under work or review, or the last one closed.
    pub fn current(&self) -> &Revision {
        &self.current
    }

    pub fn state(&self) -> &ReportState {
        &self.current.state
    }

    /// Every revision, oldest first.
    pub fn revisions(&self) -> impl Iterator<Item = &Revision> {
        self.earlier.iter().chain(std::iter::once(&self.current))
    }

    /// The latest approved revision: what counts, even while a correction is under review.
    pub fn approved(&self) -> Option<&Revision> {
        self.revisions()
            .filter(|r| r.state == ReportState::Approved)
            .last()
    }

    /// Whether the unit has submitted any revision. A returned report counts: the unit
    /// reported on time, and the return weighs on report quality, not on punctuality.
    pub fn was_submitted(&self) -> bool {
        self.revisions().any(|r| r.state != ReportState::Draft)
    }

    /// Changes the draft's content; submitted content is never changed in place.
    pub fn edit(&mut self, target: &Target, content: ReportContent) -> Result<(), Error> {
        self.expect(&[ReportState::Draft], "edited (start a new revision)")?;
        fit(target, &content)?;
        self.current.content = content;
        Ok(())
    }

    /// Starts a correction: a new draft revision after an approved or returned one.
    pub fn revise(&mut self, target: &Target, content: ReportContent) -> Result<(), Error> {
        if !self.current.state.is_closed() {
            return Err(self.illegal("revised (it is not approved or returned yet)"));
        }
        fit(target, &content)?;
        let next = Revision {
            number: self.current.number + 1,
            content,
            state: ReportState::Draft,
            submitted_on: None,
        };
        self.earlier
            .push(std::mem::replace(&mut self.current, next));
        Ok(())
    }

    /// Draft → submitted, on `today`. A report says what was done before it goes out.
    pub fn submit(&mut self, today: Date) -> Result<(), Error> {
        self.expect(&[ReportState::Draft], "submitted")?;
        if self.current.content.progress.trim().is_empty() {
            return Err(Error::EmptyProgress);
        }
        self.current.state = ReportState::Submitted;
        self.current.submitted_on = Some(today);
        Ok(())
    }

    /// Submitted → approved by the unit head, on plans that have this step.
    pub fn unit_head_approve(&mut self, settings: &PlanSettings) -> Result<(), Error> {
        if !settings.require_unit_head_approval {
            return Err(self.illegal("approved by the unit head on a plan without that step"));
        }
        self.expect(&[ReportState::Submitted], "approved by the unit head")?;
        self.current.state = ReportState::UnitHeadApproved;
        Ok(())
    }

    /// Approved by the supervisor: from submitted, or from unit-head approved on plans that
    /// ask for the unit head first.
    pub fn approve(&mut self, settings: &PlanSettings) -> Result<(), Error> {
        let ready = if settings.require_unit_head_approval {
            ReportState::UnitHeadApproved
        } else {
            ReportState::Submitted
        };
        self.expect(&[ready], "approved")?;
        self.current.state = ReportState::Approved;
        Ok(())
    }

    /// Sent back with a reason, by the unit head or the supervisor, while under review.
    pub fn return_with(&mut self, reason: Reason) -> Result<(), Error> {
        self.expect(
            &[ReportState::Submitted, ReportState::UnitHeadApproved],
            "returned",
        )?;
        self.current.state = ReportState::Returned { reason };
        Ok(())
    }

    fn expect(&self, states: &[ReportState], action: &'static str) -> Result<(), Error> {
        if states.contains(&self.current.state) {
            Ok(())
        } else {
            Err(self.illegal(action))
        }
    }

    fn illegal(&self, action: &'static str) -> Error {
        Error::IllegalTransition {
            state: self.current.state.name(),
            action,
        }
    }
}

fn fit(target: &Target, content: &ReportContent) -> Result<(), Error> {
    if content.actual.fits(&target.measure) {
        Ok(())
    } else {
        Err(Error::ActualDoesNotFitTarget)
    }
}

impl TryFrom<RawReport> for Report {
    type Error = Error;

    fn try_from(raw: RawReport) -> Result<Self, Error> {
        Self::restore(raw.id, raw.target, raw.period, raw.revisions)
    }
}

impl From<Report> for RawReport {
    fn from(r: Report) -> Self {
        let mut revisions = r.earlier;
        revisions.push(r.current);
        Self {
            id: r.id,
            target: r.target,
            period: r.period,
            revisions,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::ItemId;
    use crate::plan::{Quantity, TargetValue};
    use crate::schedule::{Curve, Schedule};
    use shishi_plan::Op;
    use time::macros::date;

    fn schools() -> Target {
        let quantity =
            Quantity::new(TargetValue::new(6.0).unwrap(), "所".into(), Op::Eq, None).unwrap();
        Target {
            id: TargetId::new(1),
            item: ItemId::new(1),
            text: "新建中小学6所".into(),
            measure: Measure::Quantity(quantity),
            schedule: Schedule::new(date!(2020 - 01 - 01), None, Curve::Linear).unwrap(),
        }
    }

    fn content(value: f64) -> ReportContent {
        ReportContent {
            actual: Actual::Value(ReportValue::new(value).unwrap()),
            progress: "3所学校主体完工".into(),
            problems: String::new(),
            next_steps: String::new(),
            funds: Some("到位1200万元".into()),
        }
    }

    fn draft() -> Report {
        Report::new(
            ReportId::new(1),
            &schools(),
            Period::parse("2020-06").unwrap(),
            content(3.0),
        )
        .unwrap()
    }

    fn with_unit_head() -> PlanSettings {
        PlanSettings {
            require_unit_head_approval: true,
            ..Default::default()
        }
    }

    #[test]
    fn a_report_goes_from_draft_through_submitted_to_approved() {
        let mut r = draft();
        assert_eq!(r.state(), &ReportState::Draft);
        r.submit(date!(2020 - 06 - 20)).unwrap();
        assert_eq!(r.current().submitted_on, Some(date!(2020 - 06 - 20)));
        r.approve(&PlanSettings::default()).unwrap();
        assert_eq!(r.state(), &ReportState::Approved);
        assert_eq!(r.approved().map(|rev| rev.number), Some(1));
    }

    #[test]
    fn a_plan_with_the_unit_head_step_needs_it_before_the_supervisor_approves() {
        let mut r = draft();
        r.submit(date!(2020 - 06 - 20)).unwrap();
        assert!(matches!(
            r.approve(&with_unit_head()),
            Err(Error::IllegalTransition { .. })
        ));
        r.unit_head_approve(&with_unit_head()).unwrap();
        r.approve(&with_unit_head()).unwrap();
        assert_eq!(r.state(), &ReportState::Approved);
    }

    #[test]
    fn a_plan_without_the_unit_head_step_refuses_it() {
        let mut r = draft();
        r.submit(date!(2020 - 06 - 20)).unwrap();
        assert!(r.unit_head_approve(&PlanSettings::default()).is_err());
        assert_eq!(r.state(), &ReportState::Submitted);
    }

    #[test]
    fn approving_or_returning_a_draft_is_refused_and_changes_nothing() {
        let mut r = draft();
        let before = r.clone();
        let err = r.approve(&PlanSettings::default()).unwrap_err();
        assert_eq!(
            err,
            Error::IllegalTransition {
                state: "draft",
                action: "approved"
            }
        );
        assert!(r.return_with(Reason::parse("数据不实").unwrap()).is_err());
        assert!(r.unit_head_approve(&with_unit_head()).is_err());
        assert_eq!(r, before);
    }

    #[test]
    fn an_approved_report_cannot_be_submitted_approved_or_returned_again() {
        let mut r = draft();
        r.submit(date!(2020 - 06 - 20)).unwrap();
        r.approve(&PlanSettings::default()).unwrap();
        assert!(r.submit(date!(2020 - 06 - 21)).is_err());
        assert!(r.approve(&PlanSettings::default()).is_err());
        assert!(r.return_with(Reason::parse("x").unwrap()).is_err());
        assert!(r.edit(&schools(), content(4.0)).is_err());
    }

    #[test]
    fn a_returned_report_keeps_its_reason_and_is_corrected_by_a_new_revision() {
        let mut r = draft();
        r.submit(date!(2020 - 06 - 20)).unwrap();
        r.return_with(Reason::parse("  请补充照片 ").unwrap())
            .unwrap();
        assert_eq!(
            r.state(),
            &ReportState::Returned {
                reason: Reason::parse("请补充照片").unwrap()
            }
        );
        assert!(r.submit(date!(2020 - 06 - 21)).is_err());
        r.revise(&schools(), content(3.0)).unwrap();
        assert_eq!(r.current().number, 2);
        assert_eq!(r.state(), &ReportState::Draft);
        assert_eq!(r.revisions().count(), 2);
        assert!(r.was_submitted());
    }

    #[test]
    fn a_correction_of_an_approved_report_leaves_the_approved_figure_in_force_until_approved() {
        let mut r = draft();
        r.submit(date!(2020 - 06 - 20)).unwrap();
        r.approve(&PlanSettings::default()).unwrap();
        r.revise(&schools(), content(2.0)).unwrap();
        r.submit(date!(2020 - 06 - 28)).unwrap();
        let approved = r.approved().unwrap();
        assert_eq!(
            (approved.number, approved.content.actual),
            (1, Actual::Value(ReportValue::new(3.0).unwrap()))
        );
        r.approve(&PlanSettings::default()).unwrap();
        assert_eq!(r.approved().unwrap().number, 2);
        let first = r.revisions().next().unwrap();
        assert_eq!(
            first.content.actual,
            Actual::Value(ReportValue::new(3.0).unwrap())
        );
    }

    #[test]
    fn a_revision_cannot_start_while_one_is_under_review() {
        let mut r = draft();
        assert!(r.revise(&schools(), content(4.0)).is_err());
        r.edit(&schools(), content(4.0)).unwrap();
        r.submit(date!(2020 - 06 - 20)).unwrap();
        assert!(r.revise(&schools(), content(5.0)).is_err());
    }

    #[test]
    fn a_report_without_progress_or_a_return_without_reason_is_refused() {
        let mut c = content(3.0);
        c.progress = "  ".into();
        let mut r = Report::new(
            ReportId::new(1),
            &schools(),
            Period::parse("2020-06").unwrap(),
            c,
        )
        .unwrap();
        assert_eq!(r.submit(date!(2020 - 06 - 20)), Err(Error::EmptyProgress));
        assert_eq!(Reason::parse(" \n"), Err(Error::EmptyReason));
    }

    #[test]
    fn a_quantity_target_is_reported_as_a_value_never_a_percent() {
        let mut c = content(3.0);
        c.actual = Actual::Percent(Percent::new(50.0).unwrap());
        let r = Report::new(
            ReportId::new(1),
            &schools(),
            Period::parse("2020-06").unwrap(),
            c,
        );
        assert_eq!(r, Err(Error::ActualDoesNotFitTarget));
    }

    #[test]
    fn report_values_are_finite_and_not_negative_and_percents_stay_within_100() {
        assert!(ReportValue::new(-0.5).is_err());
        assert!(ReportValue::new(f64::NAN).is_err());
        assert_eq!(ReportValue::new(-0.0).unwrap().get().to_string(), "0");
        assert!(Percent::new(100.5).is_err());
        assert!(Percent::new(62.5).is_ok());
    }

    #[test]
    fn a_report_round_trips_through_json_and_bad_revision_histories_are_refused() {
        let mut r = draft();
        r.submit(date!(2020 - 06 - 20)).unwrap();
        r.return_with(Reason::parse("请补充").unwrap()).unwrap();
        r.revise(&schools(), content(3.0)).unwrap();
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["revisions"][0]["state"]["state"], "returned");
        assert_eq!(json["revisions"][0]["content"]["actual"]["value"], 3.0);
        assert_eq!(serde_json::from_value::<Report>(json).unwrap(), r);

        let open = draft().current().clone();
        let two_open = vec![
            open.clone(),
            Revision {
                number: 2,
                ..open.clone()
            },
        ];
        assert!(Report::restore(ReportId::new(1), TargetId::new(1), r.period(), two_open).is_err());
        assert!(Report::restore(ReportId::new(1), TargetId::new(1), r.period(), vec![]).is_err());
        let misnumbered = vec![Revision { number: 2, ..open }];
        assert!(
            Report::restore(ReportId::new(1), TargetId::new(1), r.period(), misnumbered).is_err()
        );
    }
}
