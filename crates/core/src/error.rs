//! The one error type of the domain layer: why a value was refused or a move was not allowed.

use crate::period::Period;
use crate::permission::Action;
use crate::user::Role;

/// Why the domain refused something. Each variant says enough for a field error or a message.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    #[error("invalid period {input:?}: expected YYYY-MM with a month from 01 to 12")]
    InvalidPeriod { input: String },
    #[error("invalid due day {0}: expected a day from 1 to 31")]
    InvalidDueDay(u8),
    #[error(
        "invalid reminder lead days {input:?}: expected days from 0 to 28, separated by commas"
    )]
    InvalidLeadDays { input: String },
    #[error("invalid login {input:?}: expected 3 to 32 characters of a-z, 0-9, '_', '.', '-'")]
    InvalidLogin { input: String },
    #[error("invalid year {0}: expected a year from 1000 to 9999")]
    InvalidYear(i32),
    #[error("invalid share {0}: expected a number from 0 to 1")]
    InvalidShare(f64),
    #[error("tolerance {tolerance} is above the red line {red_line}")]
    ToleranceAboveRedLine { tolerance: f64, red_line: f64 },
    #[error("invalid target value {0}: expected a finite number, above 0 unless the target is an upper bound")]
    InvalidTargetValue(f64),
    #[error("invalid baseline {0}: expected a finite number")]
    InvalidBaseline(f64),
    #[error("invalid report value {0}: expected a finite number not below 0")]
    InvalidReportValue(f64),
    #[error("invalid percent {0}: expected a number from 0 to 100")]
    InvalidPercent(f64),
    #[error("invalid schedule: {0}")]
    InvalidSchedule(&'static str),
    #[error("the first reporting period {first} is not in the plan year {year}")]
    FirstPeriodOutsideYear { first: Period, year: i32 },
    #[error("a quantity target is reported as a value and a milestone as a percent")]
    ActualDoesNotFitTarget,
    #[error("a report needs its progress (进展情况) before it is submitted")]
    EmptyProgress,
    #[error("revisions must be numbered from 1, and all but the last approved or returned")]
    InvalidRevisions,
    #[error("a report is returned with a reason")]
    EmptyReason,
    #[error("a report that is {state} cannot be {action}")]
    IllegalTransition {
        state: &'static str,
        action: &'static str,
    },
    #[error("a supervision order needs its requirement (督办事项)")]
    EmptyRequirement,
    #[error("an answer to a supervision order says what was done")]
    EmptyAnswer,
    #[error(
        "invalid evidence {input:?}: expected the SM3 hash of an uploaded file (64 hex digits)"
    )]
    InvalidEvidence { input: String },
    #[error("a supervision order goes to one of the item's lead units")]
    UnitNotLead,
    #[error("the due day {due_on} is before the day the order is issued ({issued_on})")]
    DueBeforeIssue {
        due_on: time::Date,
        issued_on: time::Date,
    },
    #[error("answers must be numbered from 1, all but the last sent back, and agree with the order's state")]
    InvalidOrder,
    #[error("a supervision order that is {state} cannot be {action}")]
    IllegalOrderTransition {
        state: &'static str,
        action: &'static str,
    },
    #[error(transparent)]
    Denied(#[from] Denied),
    #[error(transparent)]
    Feedback(#[from] crate::feedback::FeedbackError),
    #[error(transparent)]
    Vote(#[from] crate::vote::VoteError),
}

/// Why the permission rules said no: a 401 for `NotSignedIn`, a 403 otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Denied {
    #[error("sign in to do this")]
    NotSignedIn,
    #[error("a {role:?} may not {action:?}")]
    Role { role: Role, action: Action },
    #[error("the user belongs to no unit")]
    NoUnit,
    #[error("this is outside the user's unit")]
    OutsideUnit,
    #[error("the report is not at a stage the user can act on")]
    Stage,
}
