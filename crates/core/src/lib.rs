//! The domain of shishi: plans, items, targets, units, users, reports, schedules, status (序时)
//! and the permission rules. Pure: no I/O, and the clock is always a parameter.

pub mod assessment;
pub mod error;
pub mod feedback;
pub mod ids;
pub mod order;
pub mod period;
pub mod permission;
pub mod plan;
pub mod reminder;
pub mod report;
pub mod schedule;
pub mod status;
pub mod survey;
pub mod unit;
pub mod user;
pub mod vote;

pub use assessment::{
    assess, format_points, Adjustment, AdjustmentId, AdjustmentPoints, Assessment, AssessmentError,
    AssessmentInput, AssessmentWeights, Part, Satisfaction, ScoreLine, Source, UnitScore,
};
pub use error::{Denied, Error};
pub use feedback::{
    sees_contact, AnswerState, AnswerText, Contact, Feedback, FeedbackAnswer, FeedbackError,
    MessageText, Moderation, NewFeedback, PosterName, StoredFeedback,
};
pub use ids::{CandidateId, FeedbackId, ProposalId, VoteSessionId};
pub use ids::{ItemId, OrderId, PlanId, ReportId, TargetId, UnitId, UserId};
pub use order::{
    EvidenceHash, NewOrder, OrderAnswer, OrderState, Requirement, SendBack, StoredOrder,
    SupervisionOrder,
};
pub use period::{DueDay, Period};
pub use permission::{can, check, Action, Resource};
pub use plan::{
    Item, Measure, Plan, PlanSettings, PlanYear, Quantity, Target, TargetValue, Thresholds,
};
pub use reminder::{due_reminders, LeadDays, PlanFacts, Reminder, ReminderKey, ReminderKind};
pub use report::{
    Actual, Percent, Reason, Report, ReportContent, ReportState, ReportValue, Revision,
};
pub use schedule::{Checkpoint, Checkpoints, Curve, Schedule, Share};
pub use shishi_plan::Op;
pub use status::{completion, item_status, target_status, Status, TargetStatus};
pub use survey::{
    latest_closed, Audience, ByGroup, Comment, Group, InvitationCode, ItemResult, Level, NewSurvey,
    Rater, Rating, RatingCount, RatingTally, StoredSurvey, Survey, SurveyError, SurveyId,
    SurveyName, SurveyResults, SurveyState, SurveySummary, UnitResult,
};
pub use unit::{find_unit, normalize_unit_name, unit_key, Unit};
pub use user::{Login, Role, User};
pub use vote::{
    decide, is_adopted, votes_to_adopt, Ballot, Choice, ProposalState, Proposer, Quorum,
    SessionOutcome, SessionState, VoteError, VoteTally, VoteText,
};
