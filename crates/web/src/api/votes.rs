//! The deputies' vote (人大代表票决) as JSON: each voting session with its frozen candidate
//! list, its turnout and, once closed, its counts and result, exactly what the public
//! session page shows. Public. No ballot, no running count, no names of the roll.

use super::path_id;
use crate::error::{ApiError, ErrorBody};
use crate::AppState;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::Json;
use serde::Serialize;
use shishi_core::{votes_to_adopt, SessionState, VoteSessionId};
use shishi_store::VoteSession;
use utoipa::ToSchema;

/// The votes on a candidate of a closed session.
#[derive(Debug, Serialize, ToSchema)]
pub struct CountsView {
    #[serde(rename = "for")]
    pub for_votes: u32,
    pub against: u32,
    pub abstain: u32,
    /// Deputies on the roll who did not vote.
    pub not_voted: u32,
}

/// A candidate as frozen in the session.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionCandidateView {
    /// 1, 2, 3… in the ballot's order.
    pub position: u32,
    pub candidate: i64,
    pub title: String,
    pub description: String,
    pub category: Option<String>,
    /// Lead units' ids.
    pub lead_units: Vec<i64>,
    /// None while the session is open: no count is shown before closing.
    pub counts: Option<CountsView>,
    /// Whether it was adopted (通过); none while open.
    pub adopted: Option<bool>,
}

/// A voting session (票决会议).
#[derive(Debug, Serialize, ToSchema)]
pub struct VoteSessionView {
    pub id: i64,
    pub plan_year: i32,
    pub title: String,
    /// `open` or `closed`.
    pub state: &'static str,
    /// `YYYY-MM-DD`.
    pub opened_on: String,
    pub closed_on: Option<String>,
    /// Deputies on the roll (应到).
    pub roll: u32,
    /// Deputies who voted (实到).
    pub voted: u32,
    /// The quorum: more than `quorum_num / quorum_den` of the roll must vote.
    pub quorum_num: u32,
    pub quorum_den: u32,
    /// The fewest votes that meet the quorum.
    pub quorum_needed: u32,
    /// The fewest votes for that adopt a candidate: more than half of the whole roll.
    pub votes_to_adopt: u32,
    /// Once closed: whether the quorum was missed (未达法定人数), so nothing was adopted.
    pub void: Option<bool>,
    /// The plan made from the adopted candidates, once made.
    pub plan: Option<i64>,
    pub candidates: Vec<SessionCandidateView>,
}

impl VoteSessionView {
    fn new(session: &VoteSession) -> Self {
        Self {
            id: session.id.get(),
            plan_year: session.plan_year,
            title: session.title.clone(),
            state: session.state.name(),
            opened_on: session.opened_on.to_string(),
            closed_on: session.closed_on.map(|d| d.to_string()),
            roll: session.roll,
            voted: session.voted,
            quorum_num: session.quorum.num(),
            quorum_den: session.quorum.den(),
            quorum_needed: session.quorum.needed(session.roll),
            votes_to_adopt: votes_to_adopt(session.roll),
            void: (session.state == SessionState::Closed)
                .then_some(session.void)
                .flatten(),
            plan: session.plan.map(|p| p.get()),
            candidates: session
                .candidates
                .iter()
                .map(|c| SessionCandidateView {
                    position: c.position,
                    candidate: c.candidate.get(),
                    title: c.title.clone(),
                    description: c.description.clone(),
                    category: c.category.clone(),
                    lead_units: c.lead_units.iter().map(|u| u.get()).collect(),
                    counts: c.tally.map(|t| CountsView {
                        for_votes: t.for_votes,
                        against: t.against,
                        abstain: t.abstain,
                        not_voted: session.roll.saturating_sub(t.total()),
                    }),
                    adopted: c.adopted,
                })
                .collect(),
        }
    }
}

/// Every voting session, newest first.
#[utoipa::path(
    get, path = "/api/v1/vote-sessions", tag = "votes",
    responses((status = 200, body = [VoteSessionView]))
)]
pub async fn list(State(state): State<AppState>) -> Result<Json<Vec<VoteSessionView>>, ApiError> {
    let sessions = state.store.vote_sessions().await?;
    Ok(Json(sessions.iter().map(VoteSessionView::new).collect()))
}

/// One voting session: its list, turnout and, once closed, its result.
#[utoipa::path(
    get, path = "/api/v1/vote-sessions/{id}", tag = "votes",
    params(("id" = i64, Path, description = "The session's id")),
    responses(
        (status = 200, body = VoteSessionView),
        (status = 404, body = ErrorBody),
    )
)]
pub async fn detail(
    State(state): State<AppState>,
    id: Result<Path<i64>, PathRejection>,
) -> Result<Json<VoteSessionView>, ApiError> {
    let id = VoteSessionId::new(path_id(id, "voting session")?);
    let session = state.store.vote_session(id).await?;
    Ok(Json(VoteSessionView::new(&session)))
}
