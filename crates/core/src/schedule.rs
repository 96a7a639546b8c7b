//! Schedule curves (序时): what share of a target should be done on a given day.

use crate::error::Error;
use serde::{Deserialize, Serialize};
use time::Date;

/// A fraction from 0 to 1 inclusive: a share of a target, a tolerance, a red line.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Serialize, Deserialize)]
#[serde(try_from = "f64", into = "f64")]
pub struct Share(f64);

impl Share {
    pub const ZERO: Share = Share(0.0);
    pub const ONE: Share = Share(1.0);
    pub(crate) const DEFAULT_TOLERANCE: Share = Share(0.05);
    pub(crate) const DEFAULT_RED_LINE: Share = Share(0.30);

    pub fn new(value: f64) -> Result<Self, Error> {
        if value.is_finite() && (0.0..=1.0).contains(&value) {
            Ok(Self(value))
        } else {
            Err(Error::InvalidShare(value))
        }
    }

    pub fn get(self) -> f64 {
        self.0
    }
}

impl TryFrom<f64> for Share {
    type Error = Error;

    fn try_from(value: f64) -> Result<Self, Error> {
        Self::new(value)
    }
}

impl From<Share> for f64 {
    fn from(s: Share) -> f64 {
        s.0
    }
}

/// One point of a checkpoint curve: by `date`, `share` of the target should be done.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Checkpoint {
    pub date: Date,
    pub share: Share,
}

/// Checkpoints such as Q1 20% / H1 50% / Q3 80% / Dec 100%: dates strictly increasing,
/// shares never falling, the last share 1 — so a schedule always ends with the whole target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "Vec<Checkpoint>", into = "Vec<Checkpoint>")]
pub struct Checkpoints(Vec<Checkpoint>);

impl Checkpoints {
    pub fn new(points: Vec<Checkpoint>) -> Result<Self, Error> {
        let Some(last) = points.last() else {
            return Err(Error::InvalidSchedule(
                "a checkpoint curve needs at least one checkpoint",
            ));
        };
        if last.share != Share::ONE {
            return Err(Error::InvalidSchedule("the last checkpoint must be 100%"));
        }
        for pair in points.windows(2) {
            if let [a, b] = pair {
                if a.date >= b.date {
                    return Err(Error::InvalidSchedule(
                        "checkpoint dates must be strictly increasing",
                    ));
                }
                if a.share > b.share {
                    return Err(Error::InvalidSchedule("checkpoint shares must not fall"));
                }
            }
        }
        Ok(Self(points))
    }

    pub fn points(&self) -> &[Checkpoint] {
        &self.0
    }

    fn first_date(&self) -> Option<Date> {
        self.0.first().map(|p| p.date)
    }

    fn last_date(&self) -> Option<Date> {
        self.0.last().map(|p| p.date)
    }
}

impl TryFrom<Vec<Checkpoint>> for Checkpoints {
    type Error = Error;

    fn try_from(points: Vec<Checkpoint>) -> Result<Self, Error> {
        Self::new(points)
    }
}

impl From<Checkpoints> for Vec<Checkpoint> {
    fn from(c: Checkpoints) -> Self {
        c.0
    }
}

/// How the planned share grows over the year.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(tag = "kind", content = "checkpoints", rename_all = "snake_case")]
pub enum Curve {
    /// Evenly from the plan's start (1 January) to the deadline.
    #[default]
    Linear,
    /// From 0 at the plan's start through each checkpoint, joined by straight lines.
    Checkpoints(Checkpoints),
}

/// A target's schedule: start (1 January of the plan year), deadline and curve, checked to fit
/// together so that `planned` is defined on every day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawSchedule")]
pub struct Schedule {
    start: Date,
    deadline: Date,
    curve: Curve,
}

#[derive(Deserialize)]
struct RawSchedule {
    start: Date,
    deadline: Date,
    #[serde(default)]
    curve: Curve,
}

impl TryFrom<RawSchedule> for Schedule {
    type Error = Error;

    fn try_from(raw: RawSchedule) -> Result<Self, Error> {
        Self::new(raw.start, Some(raw.deadline), raw.curve)
    }
}

impl Schedule {
    /// `deadline` defaults to 31 December of the plan year. The deadline must come after the
    /// start, checkpoints must fall after the start, and the last one (100%) on or before the
    /// deadline: a curve that finishes after the deadline would contradict it.
    pub fn new(start: Date, deadline: Option<Date>, curve: Curve) -> Result<Self, Error> {
        let deadline = match deadline {
            Some(d) => d,
            None => Date::from_calendar_date(start.year(), time::Month::December, 31)
                .map_err(|_| Error::InvalidSchedule("no 31 December in the start year"))?,
        };
        if deadline <= start {
            return Err(Error::InvalidSchedule(
                "the deadline must come after the start",
            ));
        }
        if let Curve::Checkpoints(points) = &curve {
            if points.first_date().is_some_and(|d| d <= start) {
                return Err(Error::InvalidSchedule(
                    "checkpoints must fall after the start",
                ));
            }
            if points.last_date().is_some_and(|d| d > deadline) {
                return Err(Error::InvalidSchedule(
                    "the last checkpoint must not fall after the deadline",
                ));
            }
        }
        Ok(Self {
            start,
            deadline,
            curve,
        })
    }

    pub fn start(&self) -> Date {
        self.start
    }

    pub fn deadline(&self) -> Date {
        self.deadline
    }

    pub fn curve(&self) -> &Curve {
        &self.curve
    }

    /// The share that should be done on `date`, from 0 to 1. Measured in whole days from the
    /// start, so on 30 June 2020 a linear year-long target is at 181/365 ≈ 0.496.
    pub fn planned(&self, date: Date) -> f64 {
        let planned = match &self.curve {
            Curve::Linear => between((self.start, 0.0), (self.deadline, 1.0), date),
            Curve::Checkpoints(points) => {
                let mut previous = (self.start, 0.0);
                let mut planned = 1.0;
                for point in points.points() {
                    let next = (point.date, point.share.get());
                    if date < point.date {
                        planned = between(previous, next, date);
                        break;
                    }
                    previous = next;
                }
                planned
            }
        };
        planned.clamp(0.0, 1.0)
    }
}

/// The straight line from `a` to `b` read at `date`; before `a` it is `a`'s share, from `b` on
/// it is `b`'s.
fn between(a: (Date, f64), b: (Date, f64), date: Date) -> f64 {
    if date <= a.0 {
        return a.1;
    }
    if date >= b.0 {
        return b.1;
    }
    let span = (b.0 - a.0).whole_days() as f64;
    let done = (date - a.0).whole_days() as f64;
    a.1 + (b.1 - a.1) * done / span
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn quarters() -> Curve {
        let p = |date, share| Checkpoint {
            date,
            share: Share::new(share).unwrap(),
        };
        Curve::Checkpoints(
            Checkpoints::new(vec![
                p(date!(2020 - 03 - 31), 0.2),
                p(date!(2020 - 06 - 30), 0.5),
                p(date!(2020 - 09 - 30), 0.8),
                p(date!(2020 - 12 - 31), 1.0),
            ])
            .unwrap(),
        )
    }

    #[test]
    fn a_linear_schedule_runs_from_nothing_on_new_year_to_everything_on_the_deadline() {
        let s = Schedule::new(date!(2020 - 01 - 01), None, Curve::Linear).unwrap();
        assert_eq!(s.deadline(), date!(2020 - 12 - 31));
        assert_eq!(s.planned(date!(2019 - 12 - 01)), 0.0);
        assert_eq!(s.planned(date!(2020 - 01 - 01)), 0.0);
        assert!((s.planned(date!(2020 - 06 - 30)) - 181.0 / 365.0).abs() < 1e-12);
        assert_eq!(s.planned(date!(2020 - 12 - 31)), 1.0);
        assert_eq!(s.planned(date!(2021 - 03 - 01)), 1.0);
    }

    #[test]
    fn a_checkpoint_schedule_meets_each_checkpoint_and_is_straight_between_them() {
        let s = Schedule::new(date!(2020 - 01 - 01), None, quarters()).unwrap();
        assert!((s.planned(date!(2020 - 03 - 31)) - 0.2).abs() < 1e-12);
        assert!((s.planned(date!(2020 - 06 - 30)) - 0.5).abs() < 1e-12);
        assert!((s.planned(date!(2020 - 09 - 30)) - 0.8).abs() < 1e-12);
        assert_eq!(s.planned(date!(2020 - 12 - 31)), 1.0);
        // 15 May is 45 of the 91 days from 31 March to 30 June.
        let expected = 0.2 + 0.3 * 45.0 / 91.0;
        assert!((s.planned(date!(2020 - 05 - 15)) - expected).abs() < 1e-12);
        // Before the first checkpoint the line starts from 0 on 1 January.
        let expected = 0.2 * 30.0 / 90.0;
        assert!((s.planned(date!(2020 - 01 - 31)) - expected).abs() < 1e-12);
    }

    #[test]
    fn checkpoints_that_go_back_in_time_or_in_share_or_stop_short_of_all_are_refused() {
        let p = |date, share| Checkpoint {
            date,
            share: Share::new(share).unwrap(),
        };
        assert!(Checkpoints::new(vec![]).is_err());
        assert!(Checkpoints::new(vec![p(date!(2020 - 06 - 30), 0.5)]).is_err());
        assert!(Checkpoints::new(vec![
            p(date!(2020 - 06 - 30), 0.5),
            p(date!(2020 - 06 - 30), 1.0)
        ])
        .is_err());
        assert!(Checkpoints::new(vec![
            p(date!(2020 - 06 - 30), 0.6),
            p(date!(2020 - 09 - 30), 0.5),
            p(date!(2020 - 12 - 31), 1.0)
        ])
        .is_err());
        assert!(Checkpoints::new(vec![
            p(date!(2020 - 06 - 30), 0.5),
            p(date!(2020 - 09 - 30), 0.5),
            p(date!(2020 - 12 - 31), 1.0)
        ])
        .is_ok());
        assert!(Share::new(1.2).is_err());
        assert!(Share::new(f64::NAN).is_err());
    }

    #[test]
    fn a_deadline_before_the_start_or_a_curve_ending_after_the_deadline_is_refused() {
        let start = date!(2020 - 01 - 01);
        assert!(Schedule::new(start, Some(date!(2019 - 12 - 31)), Curve::Linear).is_err());
        assert!(Schedule::new(start, Some(start), Curve::Linear).is_err());
        assert!(Schedule::new(start, Some(date!(2020 - 10 - 31)), quarters()).is_err());
        assert!(Schedule::new(start, Some(date!(2021 - 06 - 30)), quarters()).is_ok());
    }

    #[test]
    fn a_schedule_read_from_json_is_checked_like_a_new_one() {
        let s = Schedule::new(date!(2020 - 01 - 01), None, quarters()).unwrap();
        let json = serde_json::to_value(&s).unwrap();
        assert_eq!(json["deadline"], "2020-12-31");
        assert_eq!(serde_json::from_value::<Schedule>(json).unwrap(), s);
        let bad = serde_json::json!({"start": "2020-01-01", "deadline": "2019-06-30"});
        assert!(serde_json::from_value::<Schedule>(bad).is_err());
    }

    #[test]
    fn a_curve_is_json_with_its_kind_and_bad_checkpoints_are_refused_when_read() {
        let json = serde_json::to_value(quarters()).unwrap();
        assert_eq!(json["kind"], "checkpoints");
        assert_eq!(json["checkpoints"][0]["date"], "2020-03-31");
        assert_eq!(serde_json::from_value::<Curve>(json).unwrap(), quarters());
        assert_eq!(
            serde_json::to_value(Curve::Linear).unwrap()["kind"],
            "linear"
        );
        let bad = serde_json::json!({"kind": "checkpoints", "checkpoints": [{"date": "2020-06-30", "share": 0.5}]});
        assert!(serde_json::from_value::<Curve>(bad).is_err());
    }
}
