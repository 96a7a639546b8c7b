//! Who may do what: the permission rules as pure functions, checked on every request.

use crate::error::Denied;
use crate::ids::UnitId;
use crate::report::ReportState;
use crate::user::{Role, User};
use serde::{Deserialize, Serialize};

/// Something a person asks to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Read the public portal: approved updates, statuses, published bulletins.
    ViewPublic,
    /// Read what is not public: drafts, problems, returned reports, internal dashboards.
    ViewInternal,
    /// Comment (批示) on an item, a target or a report.
    Comment,
    SubmitReport,
    /// The unit head's approval before the supervisor's review.
    UnitHeadApprove,
    /// The supervisor's approval.
    ApproveReport,
    ReturnReport,
    EditPlan,
    ManageUsers,
    ImportPlan,
    /// Issue a supervision order (督办单) to a unit.
    IssueOrder,
    /// Answer a supervision order for the unit it was sent to.
    AnswerOrder,
    /// Close an answered order (销号) or send it back (退回重办).
    CloseOrder,
    /// Run the deputies' vote: moderate proposals, edit the candidate list, open and close
    /// sessions, turn the adopted list into a plan.
    ManageVote,
    /// Cast a ballot in a voting session (票决): deputies only, not even the supervisor who
    /// runs the session. Being on the session's roll is checked by the store.
    CastBallot,
    /// Speak as a deputy: propose a project signed in, follow items, post 人大代表意见.
    DeputyVoice,
    /// Moderate the public's messages (群众留言): publish, hide with a reason, approve or
    /// return a unit's answer.
    ModerateFeedback,
    /// Answer a published message on an item the user's unit leads (head or reporter).
    AnswerFeedback,
    /// Run a satisfaction survey (满意度测评): open it, generate invitation codes, close it,
    /// and read its results and comments while it is open. The supervisor's alone.
    RunSurvey,
}

/// What an action is on, carrying only what the rules need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resource<'a> {
    /// Not tied to one unit: a plan as a whole, dashboards, users, imports.
    System,
    /// A target, answered for by its item's lead units.
    Target { lead_units: &'a [UnitId] },
    /// A report on a target of those lead units, at its current stage of review.
    Report {
        lead_units: &'a [UnitId],
        state: &'a ReportState,
    },
    /// A supervision order, answered for by the one unit it was sent to.
    Order { unit: UnitId },
    /// A message of the public on an item, answered for by the item's lead units.
    Feedback { lead_units: &'a [UnitId] },
}

impl Resource<'_> {
    fn lead_units(&self) -> Option<&[UnitId]> {
        match self {
            Resource::System => None,
            Resource::Target { lead_units }
            | Resource::Report { lead_units, .. }
            | Resource::Feedback { lead_units } => Some(lead_units),
            Resource::Order { unit } => Some(std::slice::from_ref(unit)),
        }
    }
}

/// Whether `user` (`None` for the public) may do `action` on `resource`.
pub fn can(user: Option<&User>, action: Action, resource: &Resource<'_>) -> bool {
    check(user, action, resource).is_ok()
}

/// As [`can`], with the reason when the answer is no.
///
/// - The public (no user) only views the public portal.
/// - An admin may do everything, except what only a deputy does: vote and speak as a deputy.
/// - Leaders and deputies read everything internal and comment; they change nothing.
/// - A reporter reads and reports for the targets whose lead units include their unit.
/// - A unit head reads the same, approves at the unit-head step and returns a report still at
///   that step (submitted), for their unit. They do not submit: the one who approves a
///   report should not be the one who wrote it.
/// - Supervision orders: the supervisor (admin) issues, closes and sends back; the unit head
///   of the order's unit answers (not the reporter: the answer is the unit's word to the
///   supervisor); the unit's reporters and heads read their unit's orders.
/// - The public's messages: the supervisor (admin) moderates them and decides on answers;
///   the heads and reporters of the item's lead units answer.
/// - Only the supervisor (admin) gives the final approval, edits and imports plans and
///   manages users.
///
/// Whether the report's state allows the move is the report's own rule
/// ([`crate::Report::approve`] and the rest); this says only who may ask.
pub fn check(user: Option<&User>, action: Action, resource: &Resource<'_>) -> Result<(), Denied> {
    let Some(user) = user else {
        return if action == Action::ViewPublic {
            Ok(())
        } else {
            Err(Denied::NotSignedIn)
        };
    };
    let refused = Err(Denied::Role {
        role: user.role,
        action,
    });
    match (user.role, action) {
        // Before the admin's everything: a vote and a deputy's word are the deputy's own.
        (Role::Deputy, Action::CastBallot | Action::DeputyVoice) => Ok(()),
        (_, Action::CastBallot | Action::DeputyVoice) => refused,
        (_, Action::ViewPublic) | (Role::Admin, _) => Ok(()),
        (Role::Leader | Role::Deputy, Action::ViewInternal | Action::Comment) => Ok(()),
        (Role::Reporter, Action::ViewInternal | Action::SubmitReport) => own_unit(user, resource),
        (Role::UnitHead, Action::ViewInternal | Action::UnitHeadApprove) => {
            own_unit(user, resource)
        }
        // The public's messages: the item's lead unit answers, its head or its reporter,
        // whoever handles the matter; the supervisor approves before the public reads it.
        (Role::UnitHead | Role::Reporter, Action::AnswerFeedback) => match resource {
            Resource::Feedback { .. } => own_unit(user, resource),
            _ => refused,
        },
        (Role::UnitHead, Action::AnswerOrder) => match resource {
            Resource::Order { .. } => own_unit(user, resource),
            _ => refused,
        },
        (Role::UnitHead, Action::ReturnReport) => {
            own_unit(user, resource)?;
            match resource {
                Resource::Report {
                    state: ReportState::Submitted,
                    ..
                } => Ok(()),
                _ => Err(Denied::Stage),
            }
        }
        _ => refused,
    }
}

fn own_unit(user: &User, resource: &Resource<'_>) -> Result<(), Denied> {
    let unit = user.unit.ok_or(Denied::NoUnit)?;
    match resource.lead_units() {
        Some(lead_units) if lead_units.contains(&unit) => Ok(()),
        _ => Err(Denied::OutsideUnit),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::UserId;
    use crate::user::Login;

    const EDUCATION: UnitId = UnitId::new(1);
    const HEALTH: UnitId = UnitId::new(2);
    const ALL: [Action; 13] = [
        Action::ViewPublic,
        Action::ViewInternal,
        Action::Comment,
        Action::SubmitReport,
        Action::UnitHeadApprove,
        Action::ApproveReport,
        Action::ReturnReport,
        Action::EditPlan,
        Action::ManageUsers,
        Action::ImportPlan,
        Action::IssueOrder,
        Action::AnswerOrder,
        Action::CloseOrder,
    ];

    fn user(role: Role, unit: Option<UnitId>) -> User {
        User {
            id: UserId::new(1),
            login: Login::parse("someone").unwrap(),
            name: "某人".into(),
            role,
            unit,
        }
    }

    fn allowed(user: Option<&User>, resource: &Resource<'_>) -> Vec<Action> {
        ALL.into_iter()
            .filter(|a| can(user, *a, resource))
            .collect()
    }

    #[test]
    fn the_public_sees_only_the_public_view() {
        let target = Resource::Target {
            lead_units: &[EDUCATION],
        };
        assert_eq!(allowed(None, &target), [Action::ViewPublic]);
        assert_eq!(allowed(None, &Resource::System), [Action::ViewPublic]);
        assert_eq!(
            check(None, Action::ViewInternal, &target),
            Err(Denied::NotSignedIn)
        );
    }

    #[test]
    fn an_admin_may_do_everything() {
        let admin = user(Role::Admin, None);
        assert_eq!(allowed(Some(&admin), &Resource::System), ALL);
        assert_eq!(
            allowed(
                Some(&admin),
                &Resource::Target {
                    lead_units: &[HEALTH]
                }
            ),
            ALL
        );
    }

    #[test]
    fn leaders_and_deputies_read_everything_and_comment_but_change_nothing() {
        for role in [Role::Leader, Role::Deputy] {
            let reader = user(role, None);
            let expected = [Action::ViewPublic, Action::ViewInternal, Action::Comment];
            assert_eq!(allowed(Some(&reader), &Resource::System), expected);
            assert_eq!(
                allowed(
                    Some(&reader),
                    &Resource::Target {
                        lead_units: &[HEALTH]
                    }
                ),
                expected
            );
            assert_eq!(
                check(Some(&reader), Action::ApproveReport, &Resource::System),
                Err(Denied::Role {
                    role,
                    action: Action::ApproveReport
                })
            );
        }
    }

    #[test]
    fn a_reporter_reports_only_for_targets_their_unit_leads() {
        let reporter = user(Role::Reporter, Some(EDUCATION));
        let ours = Resource::Target {
            lead_units: &[HEALTH, EDUCATION],
        };
        let theirs = Resource::Target {
            lead_units: &[HEALTH],
        };
        assert_eq!(
            allowed(Some(&reporter), &ours),
            [
                Action::ViewPublic,
                Action::ViewInternal,
                Action::SubmitReport
            ]
        );
        assert_eq!(allowed(Some(&reporter), &theirs), [Action::ViewPublic]);
        assert_eq!(
            check(Some(&reporter), Action::SubmitReport, &theirs),
            Err(Denied::OutsideUnit)
        );
        assert_eq!(
            allowed(Some(&reporter), &Resource::System),
            [Action::ViewPublic]
        );
    }

    #[test]
    fn a_reporter_without_a_unit_reports_for_nothing() {
        let reporter = user(Role::Reporter, None);
        let target = Resource::Target {
            lead_units: &[EDUCATION],
        };
        assert_eq!(
            check(Some(&reporter), Action::SubmitReport, &target),
            Err(Denied::NoUnit)
        );
    }

    #[test]
    fn a_unit_head_approves_and_returns_only_their_units_reports_at_their_step() {
        let head = user(Role::UnitHead, Some(EDUCATION));
        let submitted = ReportState::Submitted;
        let passed_on = ReportState::UnitHeadApproved;
        let ours = Resource::Report {
            lead_units: &[EDUCATION],
            state: &submitted,
        };
        let theirs = Resource::Report {
            lead_units: &[HEALTH],
            state: &submitted,
        };
        let ours_later = Resource::Report {
            lead_units: &[EDUCATION],
            state: &passed_on,
        };
        assert_eq!(
            allowed(Some(&head), &ours),
            [
                Action::ViewPublic,
                Action::ViewInternal,
                Action::UnitHeadApprove,
                Action::ReturnReport
            ]
        );
        assert_eq!(allowed(Some(&head), &theirs), [Action::ViewPublic]);
        assert_eq!(
            check(Some(&head), Action::ReturnReport, &ours_later),
            Err(Denied::Stage)
        );
        assert!(!can(Some(&head), Action::SubmitReport, &ours));
        assert!(!can(Some(&head), Action::ApproveReport, &ours));
    }

    #[test]
    fn only_deputies_vote_and_speak_as_deputies_and_only_the_supervisor_runs_the_vote() {
        let deputy = user(Role::Deputy, None);
        for action in [Action::CastBallot, Action::DeputyVoice] {
            assert!(can(Some(&deputy), action, &Resource::System));
            for role in [Role::Admin, Role::Leader, Role::UnitHead, Role::Reporter] {
                assert!(!can(Some(&user(role, None)), action, &Resource::System));
            }
            assert_eq!(
                check(None, action, &Resource::System),
                Err(Denied::NotSignedIn)
            );
        }
        assert!(can(
            Some(&user(Role::Admin, None)),
            Action::ManageVote,
            &Resource::System
        ));
        assert!(!can(Some(&deputy), Action::ManageVote, &Resource::System));
    }

    #[test]
    fn the_supervisor_moderates_messages_and_the_items_lead_unit_answers_them() {
        let message = Resource::Feedback {
            lead_units: &[EDUCATION],
        };
        let admin = user(Role::Admin, None);
        assert!(can(
            Some(&admin),
            Action::ModerateFeedback,
            &Resource::System
        ));
        for role in [Role::UnitHead, Role::Reporter] {
            let ours = user(role, Some(EDUCATION));
            assert!(can(Some(&ours), Action::AnswerFeedback, &message));
            assert!(can(Some(&ours), Action::ViewInternal, &message));
            assert!(!can(Some(&ours), Action::ModerateFeedback, &message));
            assert_eq!(
                check(
                    Some(&user(role, Some(HEALTH))),
                    Action::AnswerFeedback,
                    &message
                ),
                Err(Denied::OutsideUnit)
            );
            // Answering is for messages only.
            assert!(!can(
                Some(&ours),
                Action::AnswerFeedback,
                &Resource::Target {
                    lead_units: &[EDUCATION]
                }
            ));
        }
        for role in [Role::Leader, Role::Deputy] {
            let reader = user(role, None);
            assert!(can(Some(&reader), Action::ViewInternal, &Resource::System));
            assert!(!can(
                Some(&reader),
                Action::ModerateFeedback,
                &Resource::System
            ));
            assert!(!can(Some(&reader), Action::AnswerFeedback, &message));
        }
        assert_eq!(
            check(None, Action::ModerateFeedback, &Resource::System),
            Err(Denied::NotSignedIn)
        );
    }

    #[test]
    fn the_supervisor_issues_and_closes_orders_and_only_the_units_head_answers() {
        let order = Resource::Order { unit: EDUCATION };
        let admin = user(Role::Admin, None);
        for action in [Action::IssueOrder, Action::CloseOrder, Action::ViewInternal] {
            assert!(can(Some(&admin), action, &order));
        }
        assert!(can(Some(&admin), Action::IssueOrder, &Resource::System));

        let head = user(Role::UnitHead, Some(EDUCATION));
        assert!(can(Some(&head), Action::ViewInternal, &order));
        assert!(can(Some(&head), Action::AnswerOrder, &order));
        let other_head = user(Role::UnitHead, Some(HEALTH));
        assert_eq!(
            check(Some(&other_head), Action::AnswerOrder, &order),
            Err(Denied::OutsideUnit)
        );
        assert_eq!(
            check(
                Some(&user(Role::UnitHead, None)),
                Action::AnswerOrder,
                &order
            ),
            Err(Denied::NoUnit)
        );
        // Answering is for orders only: a head's own target is not an order to answer.
        assert!(!can(
            Some(&head),
            Action::AnswerOrder,
            &Resource::Target {
                lead_units: &[EDUCATION]
            }
        ));

        let reporter = user(Role::Reporter, Some(EDUCATION));
        assert!(can(Some(&reporter), Action::ViewInternal, &order));
        assert_eq!(
            check(Some(&reporter), Action::AnswerOrder, &order),
            Err(Denied::Role {
                role: Role::Reporter,
                action: Action::AnswerOrder
            })
        );
        for role in [Role::Leader, Role::Deputy] {
            let reader = user(role, None);
            assert_eq!(
                allowed(Some(&reader), &order),
                [Action::ViewPublic, Action::ViewInternal, Action::Comment]
            );
        }
        for action in [Action::IssueOrder, Action::CloseOrder] {
            assert!(!can(Some(&head), action, &order));
            assert!(!can(Some(&reporter), action, &order));
        }
        assert_eq!(
            check(None, Action::ViewInternal, &order),
            Err(Denied::NotSignedIn)
        );
    }
}
