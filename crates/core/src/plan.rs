//! Plans, items and targets as the domain holds them once a notice is imported and scheduled.

use crate::error::Error;
use crate::ids::{ItemId, PlanId, TargetId, UnitId};
use crate::period::{DueDay, Period};
use crate::schedule::{Curve, Schedule, Share};
use serde::{Deserialize, Serialize};
use shishi_plan::Op;
use time::{Date, Month};

/// The year a plan is for (2020 for 2020年民生实事). Four digits, so its 1 January and
/// 31 December always exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "i32", into = "i32")]
pub struct PlanYear(i32);

impl PlanYear {
    pub fn new(year: i32) -> Result<Self, Error> {
        if (1000..=9999).contains(&year) {
            Ok(Self(year))
        } else {
            Err(Error::InvalidYear(year))
        }
    }

    pub fn get(self) -> i32 {
        self.0
    }

    /// 1 January: where every schedule of the plan starts.
    pub fn first_day(self) -> Date {
        // In range by construction; the fallback is never taken.
        Date::from_calendar_date(self.0, Month::January, 1).unwrap_or(Date::MIN)
    }

    /// 31 December: the default deadline.
    pub fn last_day(self) -> Date {
        Date::from_calendar_date(self.0, Month::December, 31).unwrap_or(Date::MAX)
    }

    /// January of the year: the default first reporting period.
    pub fn first_period(self) -> Period {
        Period::of(self.first_day())
    }
}

impl TryFrom<i32> for PlanYear {
    type Error = Error;

    fn try_from(year: i32) -> Result<Self, Error> {
        Self::new(year)
    }
}

impl From<PlanYear> for i32 {
    fn from(y: PlanYear) -> i32 {
        y.0
    }
}

/// How far behind schedule a target may fall: within `tolerance` it is on schedule (按序时),
/// beyond the `red_line` seriously behind (严重滞后), between the two behind (慢序时).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawThresholds", into = "RawThresholds")]
pub struct Thresholds {
    tolerance: Share,
    red_line: Share,
}

#[derive(Serialize, Deserialize)]
struct RawThresholds {
    tolerance: Share,
    red_line: Share,
}

impl Thresholds {
    /// Refuses a tolerance above the red line, which would leave "behind" with no meaning.
    pub fn new(tolerance: Share, red_line: Share) -> Result<Self, Error> {
        if tolerance > red_line {
            return Err(Error::ToleranceAboveRedLine {
                tolerance: tolerance.get(),
                red_line: red_line.get(),
            });
        }
        Ok(Self {
            tolerance,
            red_line,
        })
    }

    pub fn tolerance(self) -> f64 {
        self.tolerance.get()
    }

    pub fn red_line(self) -> f64 {
        self.red_line.get()
    }
}

impl Default for Thresholds {
    fn default() -> Self {
        Self {
            tolerance: Share::DEFAULT_TOLERANCE,
            red_line: Share::DEFAULT_RED_LINE,
        }
    }
}

impl TryFrom<RawThresholds> for Thresholds {
    type Error = Error;

    fn try_from(raw: RawThresholds) -> Result<Self, Error> {
        Self::new(raw.tolerance, raw.red_line)
    }
}

impl From<Thresholds> for RawThresholds {
    fn from(t: Thresholds) -> Self {
        Self {
            tolerance: t.tolerance,
            red_line: t.red_line,
        }
    }
}

/// How a plan is run. Every field's type carries its own rule, so the fields are open.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct PlanSettings {
    pub thresholds: Thresholds,
    pub due_day: DueDay,
    /// Whether a unit head approves a report before the supervisor reviews it.
    pub require_unit_head_approval: bool,
    /// The first month reports are due for; `None` is January of the plan year. Plans are
    /// often adopted in March, and months before adoption should not count as missed.
    pub first_period: Option<Period>,
}

/// A yearly plan (one notice).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawPlan")]
pub struct Plan {
    id: PlanId,
    title: String,
    year: PlanYear,
    doc_number: Option<String>,
    settings: PlanSettings,
}

#[derive(Deserialize)]
struct RawPlan {
    id: PlanId,
    title: String,
    year: PlanYear,
    #[serde(default)]
    doc_number: Option<String>,
    #[serde(default)]
    settings: PlanSettings,
}

impl TryFrom<RawPlan> for Plan {
    type Error = Error;

    fn try_from(raw: RawPlan) -> Result<Self, Error> {
        Self::new(raw.id, raw.title, raw.year, raw.doc_number, raw.settings)
    }
}

impl Plan {
    /// Refuses a first reporting period outside the plan year.
    pub fn new(
        id: PlanId,
        title: String,
        year: PlanYear,
        doc_number: Option<String>,
        settings: PlanSettings,
    ) -> Result<Self, Error> {
        if let Some(first) = settings.first_period {
            if first.year() != year.get() {
                return Err(Error::FirstPeriodOutsideYear {
                    first,
                    year: year.get(),
                });
            }
        }
        Ok(Self {
            id,
            title,
            year,
            doc_number,
            settings,
        })
    }

    pub fn id(&self) -> PlanId {
        self.id
    }

    pub fn title(&self) -> &str {
        &self.title
    }

    pub fn year(&self) -> PlanYear {
        self.year
    }

    /// 文号, such as 海政发〔2020〕15号.
    pub fn doc_number(&self) -> Option<&str> {
        self.doc_number.as_deref()
    }

    pub fn settings(&self) -> &PlanSettings {
        &self.settings
    }

    /// The first month reports are due for.
    pub fn first_period(&self) -> Period {
        self.settings
            .first_period
            .unwrap_or_else(|| self.year.first_period())
    }

    /// A schedule for one of this plan's targets, starting on 1 January of the plan year.
    pub fn schedule(&self, deadline: Option<Date>, curve: Curve) -> Result<Schedule, Error> {
        Schedule::new(self.year.first_day(), deadline, curve)
    }
}

/// One numbered commitment of a plan, with the units that answer for it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Item {
    pub id: ItemId,
    pub plan: PlanId,
    pub seq: u32,
    pub title: String,
    pub category: Option<String>,
    /// 牵头单位: they report and answer for the item.
    pub lead_units: Vec<UnitId>,
    /// 配合单位: they help; they do not report.
    pub support_units: Vec<UnitId>,
}

/// The amount a quantity target commits to: finite and not negative.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Serialize, Deserialize)]
#[serde(try_from = "f64", into = "f64")]
pub struct TargetValue(f64);

impl TargetValue {
    pub fn new(value: f64) -> Result<Self, Error> {
        if value.is_finite() && value >= 0.0 {
            Ok(Self(value))
        } else {
            Err(Error::InvalidTargetValue(value))
        }
    }

    pub fn get(self) -> f64 {
        self.0
    }
}

impl TryFrom<f64> for TargetValue {
    type Error = Error;

    fn try_from(value: f64) -> Result<Self, Error> {
        Self::new(value)
    }
}

impl From<TargetValue> for f64 {
    fn from(v: TargetValue) -> f64 {
        v.0
    }
}

/// A number to deliver (新建中小学6所), reach, stay under, or raise or lower by.
///
/// What a report's value means depends on `op`: for `eq`/`ge`/`le` it is the cumulative
/// actual (schools built so far; the level measured), for `inc`/`dec` it is the change
/// achieved so far (raised by, lowered by), never the level itself — the `baseline` is kept
/// for display and for reading a level back into a change at the edge.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawQuantity", into = "RawQuantity")]
pub struct Quantity {
    value: TargetValue,
    unit: String,
    op: Op,
    baseline: Option<f64>,
}

#[derive(Serialize, Deserialize)]
struct RawQuantity {
    value: TargetValue,
    unit: String,
    op: Op,
    #[serde(default)]
    baseline: Option<f64>,
}

impl Quantity {
    /// Only an upper bound (`le`) may be 0 ("no more than 0 accidents"); every other target
    /// divides by its value, and a target of nothing is not a commitment.
    pub fn new(
        value: TargetValue,
        unit: String,
        op: Op,
        baseline: Option<f64>,
    ) -> Result<Self, Error> {
        if value.get() == 0.0 && op != Op::Le {
            return Err(Error::InvalidTargetValue(value.get()));
        }
        if let Some(b) = baseline {
            if !b.is_finite() {
                return Err(Error::InvalidBaseline(b));
            }
        }
        Ok(Self {
            value,
            unit,
            op,
            baseline,
        })
    }

    pub fn value(&self) -> TargetValue {
        self.value
    }

    /// The measure word or unit as the notice wrote it (所, 万平方米, %).
    pub fn unit(&self) -> &str {
        &self.unit
    }

    pub fn op(&self) -> Op {
        self.op
    }

    pub fn baseline(&self) -> Option<f64> {
        self.baseline
    }
}

impl TryFrom<RawQuantity> for Quantity {
    type Error = Error;

    fn try_from(raw: RawQuantity) -> Result<Self, Error> {
        Self::new(raw.value, raw.unit, raw.op, raw.baseline)
    }
}

impl From<Quantity> for RawQuantity {
    fn from(q: Quantity) -> Self {
        Self {
            value: q.value,
            unit: q.unit,
            op: q.op,
            baseline: q.baseline,
        }
    }
}

/// What a target measures: a number, or a milestone reported as percent done.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Measure {
    Quantity(Quantity),
    /// No number in the notice (建成并投入使用): progress is reported as percent done.
    Milestone,
}

/// A quantitative target or a milestone of an item, with its schedule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Target {
    pub id: TargetId,
    pub item: ItemId,
    /// The words of the notice the target was read from.
    pub text: String,
    pub measure: Measure,
    pub schedule: Schedule,
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn default_settings_are_five_percent_tolerance_thirty_percent_red_line_and_the_25th() {
        let s = PlanSettings::default();
        assert_eq!(s.thresholds.tolerance(), 0.05);
        assert_eq!(s.thresholds.red_line(), 0.30);
        assert_eq!(s.due_day.get(), 25);
        assert!(!s.require_unit_head_approval);
    }

    #[test]
    fn a_tolerance_above_the_red_line_is_refused() {
        let t = Thresholds::new(Share::new(0.4).unwrap(), Share::new(0.3).unwrap());
        assert!(matches!(t, Err(Error::ToleranceAboveRedLine { .. })));
    }

    #[test]
    fn settings_read_from_json_fill_in_defaults_and_refuse_bad_thresholds() {
        let s: PlanSettings = serde_json::from_str(r#"{"due_day": 20}"#).unwrap();
        assert_eq!(s.due_day.get(), 20);
        assert_eq!(s.thresholds, Thresholds::default());
        let bad = r#"{"thresholds": {"tolerance": 0.5, "red_line": 0.3}}"#;
        assert!(serde_json::from_str::<PlanSettings>(bad).is_err());
    }

    #[test]
    fn a_plan_refuses_a_first_reporting_period_in_another_year() {
        let settings = PlanSettings {
            first_period: Some(Period::parse("2019-12").unwrap()),
            ..Default::default()
        };
        let plan = Plan::new(
            PlanId::new(1),
            "2020年民生实事".into(),
            PlanYear::new(2020).unwrap(),
            None,
            settings,
        );
        assert!(matches!(plan, Err(Error::FirstPeriodOutsideYear { .. })));
    }

    #[test]
    fn a_plan_schedules_its_targets_to_31_december_by_default() {
        let plan = Plan::new(
            PlanId::new(1),
            "t".into(),
            PlanYear::new(2020).unwrap(),
            None,
            PlanSettings::default(),
        )
        .unwrap();
        let s = plan.schedule(None, Curve::Linear).unwrap();
        assert_eq!(
            (s.start(), s.deadline()),
            (date!(2020 - 01 - 01), date!(2020 - 12 - 31))
        );
        assert_eq!(plan.first_period().to_string(), "2020-01");
    }

    #[test]
    fn only_an_upper_bound_may_be_zero() {
        let zero = TargetValue::new(0.0).unwrap();
        assert!(Quantity::new(zero, "起".into(), Op::Le, None).is_ok());
        assert!(Quantity::new(zero, "所".into(), Op::Eq, None).is_err());
        assert!(TargetValue::new(-1.0).is_err());
        assert!(TargetValue::new(f64::INFINITY).is_err());
    }

    #[test]
    fn a_quantity_is_json_with_its_comparator_in_lowercase() {
        let q = Quantity::new(TargetValue::new(6.0).unwrap(), "所".into(), Op::Eq, None).unwrap();
        let json = serde_json::to_value(Measure::Quantity(q.clone())).unwrap();
        assert_eq!(json["kind"], "quantity");
        assert_eq!(json["op"], "eq");
        assert_eq!(
            serde_json::from_value::<Measure>(json).unwrap(),
            Measure::Quantity(q)
        );
    }
}
