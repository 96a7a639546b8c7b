//! The deputies' vote (人大代表票决) in the database: proposals and their moderation, the
//! candidate list, voting sessions with their roll and tallies, the plan made from the
//! adopted list, and the deputies' follows and comments on items. Every change is audited in
//! its own transaction, as everywhere in the store.
//!
//! # The secret ballot
//!
//! The record must say who voted (the roll's `voted` flag: turnout, 实到) and what the
//! ballots said (the result), and nothing may join the two: not a query on the tables, not
//! the audit log, not the order rows were written in. The design and why:
//!
//! - **No ballot rows at all.** A ballot is added to per-candidate counters
//!   (`vote_session_candidates.votes_for / votes_against / abstentions`) in the same
//!   transaction that sets the deputy's `voted` flag. A ballot row, even without a voter
//!   column, would carry its place in the table (SQLite rowid, an identity id, PostgreSQL's
//!   physical order) and with it the order of voting, which the roll and the audit log
//!   (each "deputy X voted" event is numbered) also give: the two orders would join.
//! - **Every ballot writes the same rows the same way.** Each ballot runs one update per
//!   candidate of the session, in the session's order, adding 1 to one counter and 0 to the
//!   other two. Which rows are written, how many and in what order never depends on the
//!   choices, so nothing about the writes (rows touched, PostgreSQL tuple versions, pages
//!   dirtied) tells a "for" from an "against".
//! - **No time on either side.** Neither the roll nor the tallies carry a timestamp; the
//!   audit event of a vote says "deputy X voted in session S" and nothing of the content.
//! - **The tallies are not audited per ballot.** An event with the counters before and after
//!   would reveal each ballot by difference. They are logged once, at closing, in the close
//!   event; the open event logs the roll and the frozen list.
//! - **The tallies are not read while the session is open.** [`VoteSession::candidates`]
//!   carries no tally until the session is closed, so no page, API or log can show a running
//!   count (which, read between two ballots, would give one away).
//! - **Closing rewrites the roll and the tallies in one transaction,** so on PostgreSQL every
//!   row's `xmin` (the transaction that last wrote it) is the closing one, not the one in
//!   which a given deputy voted.
//! - **Nothing of a ballot is logged** (no `tracing` here) or answered beyond "已投票".
//!
//! What this does not defend against, said plainly: someone who can read the database
//! *while the session is open*, ballot by ballot (a DBA watching the counters, or reading
//! PostgreSQL's dead tuple versions or SQLite's write-ahead log before a checkpoint), can
//! difference the counters between two votes. The stored record after the fact cannot be
//! joined; the live database during a session must be guarded like the ballot box it is.
//! `crates/web/tests/vote.rs` checks the stored record: the same session run twice with two
//! deputies swapping their ballots leaves every table and the audit log identical.

use crate::audit::{self, now_rfc3339, Actor, Change};
use crate::error::{Result, StoreError};
use crate::plans::{self, format_date, parse_date, ImportOutcome};
use crate::sql::{args, Tx};
use crate::{units, Store};
use serde::Serialize;
use shishi_core::{
    decide, Ballot, CandidateId, ItemId, PlanId, ProposalId, ProposalState, Proposer, Quorum,
    SessionOutcome, SessionState, UnitId, UserId, VoteError, VoteSessionId, VoteTally, VoteText,
};
use time::Date;

const PROPOSAL: &str = "vote_proposal";
const CANDIDATE: &str = "vote_candidate";
const SESSION: &str = "vote_session";
const FOLLOW: &str = "deputy_follow";
const COMMENT: &str = "deputy_comment";

/// A proposal as typed, checked.
#[derive(Debug, Clone)]
pub struct NewProposal {
    pub plan_year: i32,
    pub title: VoteText,
    pub description: VoteText,
    /// The suggested lead unit, as typed; may be empty.
    pub lead_unit: VoteText,
    /// May be empty (anonymous).
    pub proposer_name: VoteText,
    /// Never public; may be empty.
    pub proposer_contact: VoteText,
    pub proposer: Proposer,
}

/// A stored proposal (项目建议).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Proposal {
    pub id: ProposalId,
    pub plan_year: i32,
    pub title: String,
    pub description: String,
    pub lead_unit: String,
    pub proposer_name: String,
    /// Never shown publicly; the supervisor's pages only.
    pub proposer_contact: String,
    pub proposer: Proposer,
    pub state: ProposalState,
    pub decline_reason: Option<String>,
    /// RFC 3339.
    pub created_at: String,
}

#[derive(Debug, sqlx::FromRow)]
struct ProposalRow {
    id: i64,
    plan_year: i64,
    title: String,
    description: String,
    lead_unit: String,
    proposer_name: String,
    proposer_contact: String,
    deputy: Option<i64>,
    state: String,
    decline_reason: Option<String>,
    created_at: String,
}

const PROPOSAL_COLUMNS: &str = "id, plan_year, title, description, lead_unit, proposer_name, \
     proposer_contact, deputy, state, decline_reason, created_at";

impl ProposalRow {
    fn into_proposal(self) -> Result<Proposal> {
        Ok(Proposal {
            id: ProposalId::new(self.id),
            plan_year: year(self.plan_year)?,
            title: self.title,
            description: self.description,
            lead_unit: self.lead_unit,
            proposer_name: self.proposer_name,
            proposer_contact: self.proposer_contact,
            proposer: match self.deputy {
                Some(user) => Proposer::Deputy {
                    user: UserId::new(user),
                },
                None => Proposer::Public,
            },
            state: ProposalState::parse(&self.state)
                .ok_or_else(|| StoreError::Corrupt(format!("proposal state {:?}", self.state)))?,
            decline_reason: self.decline_reason,
            created_at: self.created_at,
        })
    }
}

/// The domain's refusal as the store's error.
fn refused(error: VoteError) -> StoreError {
    StoreError::Domain(error.into())
}

fn year(value: i64) -> Result<i32> {
    i32::try_from(value).map_err(|_| StoreError::Corrupt(format!("year {value}")))
}

/// What the supervisor types for a candidate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CandidateInput {
    pub title: VoteText,
    /// May be empty.
    pub description: VoteText,
    pub category: Option<String>,
    /// Units of the registry, in order; at least one.
    pub lead_units: Vec<UnitId>,
}

/// A candidate project (候选项目) on the list for a plan year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Candidate {
    pub id: CandidateId,
    pub plan_year: i32,
    pub title: String,
    pub description: String,
    pub category: Option<String>,
    pub lead_units: Vec<UnitId>,
    pub proposal: Option<ProposalId>,
    pub withdrawn: bool,
}

#[derive(Debug, sqlx::FromRow)]
struct CandidateRow {
    id: i64,
    plan_year: i64,
    title: String,
    description: String,
    category: Option<String>,
    lead_units: String,
    proposal: Option<i64>,
    withdrawn: bool,
}

const CANDIDATE_COLUMNS: &str =
    "id, plan_year, title, description, category, lead_units, proposal, withdrawn";

impl CandidateRow {
    fn into_candidate(self) -> Result<Candidate> {
        Ok(Candidate {
            id: CandidateId::new(self.id),
            plan_year: year(self.plan_year)?,
            title: self.title,
            description: self.description,
            category: self.category,
            lead_units: unit_list(&self.lead_units)?,
            proposal: self.proposal.map(ProposalId::new),
            withdrawn: self.withdrawn,
        })
    }
}

fn unit_list(json: &str) -> Result<Vec<UnitId>> {
    let ids: Vec<i64> = serde_json::from_str(json)?;
    Ok(ids.into_iter().map(UnitId::new).collect())
}

fn unit_json(units: &[UnitId]) -> Result<String> {
    Ok(serde_json::to_string(
        &units.iter().map(|u| u.get()).collect::<Vec<_>>(),
    )?)
}

/// A candidate as frozen in a session, with its tally once the session is closed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SessionCandidate {
    /// 1, 2, 3… in the ballot's order.
    pub position: u32,
    pub candidate: CandidateId,
    pub title: String,
    pub description: String,
    pub category: Option<String>,
    pub lead_units: Vec<UnitId>,
    /// None while the session is open: a running count is never handed out.
    pub tally: Option<VoteTally>,
    /// Whether it was adopted; None while open.
    pub adopted: Option<bool>,
}

/// A voting session (票决会议).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VoteSession {
    pub id: VoteSessionId,
    pub plan_year: i32,
    pub title: String,
    pub quorum: Quorum,
    pub state: SessionState,
    pub opened_on: Date,
    pub closed_on: Option<Date>,
    /// Deputies on the roll (应到).
    pub roll: u32,
    /// Deputies who have voted (实到).
    pub voted: u32,
    /// At closing: whether the quorum was not met (未达法定人数). None while open.
    pub void: Option<bool>,
    /// The plan made from the adopted candidates, once made.
    pub plan: Option<PlanId>,
    pub candidates: Vec<SessionCandidate>,
}

impl VoteSession {
    pub fn adopted(&self) -> impl Iterator<Item = &SessionCandidate> {
        self.candidates.iter().filter(|c| c.adopted == Some(true))
    }
}

#[derive(Debug, sqlx::FromRow)]
struct SessionRow {
    plan_year: i64,
    title: String,
    quorum_num: i64,
    quorum_den: i64,
    state: String,
    opened_on: String,
    closed_on: Option<String>,
    void: Option<bool>,
    plan: Option<i64>,
}

#[derive(Debug, sqlx::FromRow)]
struct SessionCandidateRow {
    position: i64,
    candidate: i64,
    title: String,
    description: String,
    category: Option<String>,
    lead_units: String,
    votes_for: i64,
    votes_against: i64,
    abstentions: i64,
}

fn count(value: i64) -> Result<u32> {
    u32::try_from(value).map_err(|_| StoreError::Corrupt(format!("count {value}")))
}

async fn load_session(tx: &mut Tx, id: VoteSessionId) -> Result<VoteSession> {
    let row: SessionRow = tx
        .fetch_optional(
            "select plan_year, title, quorum_num, quorum_den, state, opened_on, closed_on, \
             void, plan from vote_sessions where id = $1",
            args![id.get()],
        )
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("voting session {id}")))?;
    let (roll, voted): (i64, i64) = tx
        .fetch_one(
            "select count(*), coalesce(sum(case when voted then 1 else 0 end), 0) \
             from vote_roll where session = $1",
            args![id.get()],
        )
        .await?;
    let rows: Vec<SessionCandidateRow> = tx
        .fetch_all(
            "select position, candidate, title, description, category, lead_units, votes_for, \
             votes_against, abstentions from vote_session_candidates where session = $1 \
             order by position",
            args![id.get()],
        )
        .await?;
    let state = match row.state.as_str() {
        "open" => SessionState::Open,
        "closed" => SessionState::Closed,
        other => return Err(StoreError::Corrupt(format!("session state {other:?}"))),
    };
    let quorum = Quorum::new(count(row.quorum_num)?, count(row.quorum_den)?).map_err(refused)?;
    let (roll, voted) = (count(roll)?, count(voted)?);
    let mut candidates = Vec::with_capacity(rows.len());
    for r in rows {
        let tally = VoteTally {
            for_votes: count(r.votes_for)?,
            against: count(r.votes_against)?,
            abstain: count(r.abstentions)?,
        };
        candidates.push(SessionCandidate {
            position: count(r.position)?,
            candidate: CandidateId::new(r.candidate),
            title: r.title,
            description: r.description,
            category: r.category,
            lead_units: unit_list(&r.lead_units)?,
            tally: (state == SessionState::Closed).then_some(tally),
            adopted: None,
        });
    }
    if state == SessionState::Closed {
        let tallies: Vec<VoteTally> = candidates.iter().filter_map(|c| c.tally).collect();
        let adopted = match decide(roll, voted, quorum, &tallies) {
            SessionOutcome::Void => vec![false; candidates.len()],
            SessionOutcome::Decided { adopted } => adopted,
        };
        for (c, a) in candidates.iter_mut().zip(adopted) {
            c.adopted = Some(a);
        }
    }
    Ok(VoteSession {
        id,
        plan_year: year(row.plan_year)?,
        title: row.title,
        quorum,
        state,
        opened_on: parse_date(&row.opened_on)?,
        closed_on: row.closed_on.as_deref().map(parse_date).transpose()?,
        roll,
        voted,
        void: row.void,
        plan: row.plan.map(PlanId::new),
        candidates,
    })
}

async fn load_proposal(tx: &mut Tx, id: ProposalId) -> Result<Proposal> {
    let row: Option<ProposalRow> = tx
        .fetch_optional(
            &format!("select {PROPOSAL_COLUMNS} from vote_proposals where id = $1"),
            args![id.get()],
        )
        .await?;
    row.ok_or_else(|| StoreError::NotFound(format!("proposal {id}")))?
        .into_proposal()
}

async fn load_candidate(tx: &mut Tx, id: CandidateId) -> Result<Candidate> {
    let row: Option<CandidateRow> = tx
        .fetch_optional(
            &format!("select {CANDIDATE_COLUMNS} from vote_candidates where id = $1"),
            args![id.get()],
        )
        .await?;
    row.ok_or_else(|| StoreError::NotFound(format!("candidate {id}")))?
        .into_candidate()
}

/// The list may not change under a session that is voting on it.
async fn refuse_while_open(tx: &mut Tx, plan_year: i32) -> Result<()> {
    let open: Option<(i64,)> = tx
        .fetch_optional(
            "select id from vote_sessions where plan_year = $1 and state = 'open'",
            args![i64::from(plan_year)],
        )
        .await?;
    match open {
        Some(_) => Err(StoreError::Conflict(format!(
            "{plan_year}年的票决会议正在进行，候选项目清单已冻结"
        ))),
        None => Ok(()),
    }
}

/// Lead units must be units of the registry, and there must be one.
async fn check_units(tx: &mut Tx, lead_units: &[UnitId]) -> Result<()> {
    if lead_units.is_empty() {
        return Err(StoreError::Invalid("请至少选择一个牵头单位".into()));
    }
    let registry = units::all(tx).await?;
    for unit in lead_units {
        if !registry.iter().any(|u| u.id == *unit) {
            return Err(StoreError::NotFound(format!("unit {unit}")));
        }
    }
    Ok(())
}

fn category_of(category: Option<String>) -> Option<String> {
    category
        .map(|c| c.trim().to_owned())
        .filter(|c| !c.is_empty())
}

async fn add_candidate(
    tx: &mut Tx,
    actor: Actor,
    plan_year: i32,
    input: CandidateInput,
    proposal: Option<ProposalId>,
) -> Result<Candidate> {
    refuse_while_open(tx, plan_year).await?;
    check_units(tx, &input.lead_units).await?;
    if let Some(p) = proposal {
        let before = load_proposal(tx, p).await?;
        if before.plan_year != plan_year {
            return Err(StoreError::Invalid(format!(
                "建议 {p} 是对 {} 年的建议",
                before.plan_year
            )));
        }
        // Taken onto the list: it is public from now on, as the list is.
        if before.state != ProposalState::Published {
            tx.execute(
                "update vote_proposals set state = 'published', decline_reason = null \
                 where id = $1",
                args![p.get()],
            )
            .await?;
            let after = load_proposal(tx, p).await?;
            let change = Change::new("publish", PROPOSAL, p)
                .before(&before)?
                .after(&after)?;
            audit::record(tx, actor, change).await?;
        }
    }
    let id = tx
        .insert(
            "insert into vote_candidates (plan_year, title, description, category, lead_units, \
             proposal, withdrawn, created_at) values ($1, $2, $3, $4, $5, $6, $7, $8) \
             returning id",
            args![
                i64::from(plan_year),
                input.title.as_str(),
                input.description.as_str(),
                category_of(input.category),
                unit_json(&input.lead_units)?,
                proposal.map(ProposalId::get),
                false,
                now_rfc3339()?,
            ],
        )
        .await?;
    let candidate = load_candidate(tx, CandidateId::new(id)).await?;
    audit::record(
        tx,
        actor,
        Change::new("add", CANDIDATE, id).after(&candidate)?,
    )
    .await?;
    Ok(candidate)
}

async fn open_session(
    tx: &mut Tx,
    actor: Actor,
    plan_year: i32,
    title: VoteText,
    quorum: Quorum,
    today: Date,
) -> Result<VoteSession> {
    refuse_while_open(tx, plan_year).await?;
    let listed: Vec<CandidateRow> = tx
        .fetch_all(
            &format!(
                "select {CANDIDATE_COLUMNS} from vote_candidates \
                 where plan_year = $1 and not withdrawn order by id"
            ),
            args![i64::from(plan_year)],
        )
        .await?;
    if listed.is_empty() {
        return Err(refused(VoteError::NoCandidates));
    }
    // The roll: every deputy there is at opening.
    let deputies: Vec<(i64,)> = tx
        .fetch_all(
            "select id from users where role = 'deputy' order by id",
            args![],
        )
        .await?;
    if deputies.is_empty() {
        return Err(StoreError::Invalid(
            "没有人大代表账号，无法组成应到代表名单".into(),
        ));
    }
    let id = tx
        .insert(
            "insert into vote_sessions (plan_year, title, quorum_num, quorum_den, state, \
             opened_on) values ($1, $2, $3, $4, 'open', $5) returning id",
            args![
                i64::from(plan_year),
                title.as_str(),
                i64::from(quorum.num()),
                i64::from(quorum.den()),
                format_date(today)?,
            ],
        )
        .await?;
    for (deputy,) in &deputies {
        tx.execute(
            "insert into vote_roll (session, deputy, voted) values ($1, $2, $3)",
            args![id, *deputy, false],
        )
        .await?;
    }
    for (position, c) in (1i64..).zip(listed) {
        tx.execute(
            "insert into vote_session_candidates (session, position, candidate, title, \
             description, category, lead_units) values ($1, $2, $3, $4, $5, $6, $7)",
            args![
                id,
                position,
                c.id,
                c.title,
                c.description,
                c.category,
                c.lead_units
            ],
        )
        .await?;
    }
    let session = load_session(tx, VoteSessionId::new(id)).await?;
    #[derive(Serialize)]
    struct Opened<'a> {
        session: &'a VoteSession,
        roll: Vec<i64>,
    }
    let change = Change::new("open", SESSION, id).after(&Opened {
        session: &session,
        roll: deputies.iter().map(|(d,)| *d).collect(),
    })?;
    audit::record(tx, actor, change).await?;
    Ok(session)
}

async fn cast(tx: &mut Tx, deputy: UserId, session: VoteSessionId, ballot: Ballot) -> Result<()> {
    let state: Option<(String,)> = tx
        .fetch_optional(
            "select state from vote_sessions where id = $1",
            args![session.get()],
        )
        .await?;
    let (state,) =
        state.ok_or_else(|| StoreError::NotFound(format!("voting session {session}")))?;
    if state != "open" {
        return Err(StoreError::Conflict("票决会议已结束，不能再投票".into()));
    }
    let (positions,): (i64,) = tx
        .fetch_one(
            "select count(*) from vote_session_candidates where session = $1",
            args![session.get()],
        )
        .await?;
    if usize::try_from(positions).ok() != Some(ballot.choices().len()) {
        return Err(refused(VoteError::IncompleteBallot));
    }
    // Marks the deputy as voted, once: the condition on `voted` makes a second ballot (even
    // two sent at the same moment) change nothing.
    let marked = tx
        .execute(
            "update vote_roll set voted = $1 where session = $2 and deputy = $3 and not voted",
            args![true, session.get(), deputy.get()],
        )
        .await?;
    if marked == 0 {
        let on_roll: Option<(bool,)> = tx
            .fetch_optional(
                "select voted from vote_roll where session = $1 and deputy = $2",
                args![session.get(), deputy.get()],
            )
            .await?;
        return Err(match on_roll {
            Some(_) => StoreError::Conflict("您已投票，每位代表只能投一次".into()),
            None => StoreError::NotFound("您不在本次会议的应到代表名单中".into()),
        });
    }
    // One update per candidate, in order, whatever the choice: see the module's comment.
    for (position, choice) in (1i64..).zip(ballot.choices()) {
        let (f, a, x) = VoteTally::increments(*choice);
        tx.execute(
            "update vote_session_candidates set votes_for = votes_for + $1, \
             votes_against = votes_against + $2, abstentions = abstentions + $3 \
             where session = $4 and position = $5",
            args![
                i64::from(f),
                i64::from(a),
                i64::from(x),
                session.get(),
                position
            ],
        )
        .await?;
    }
    #[derive(Serialize)]
    struct Voted {
        deputy: UserId,
    }
    let change = Change::new("vote", SESSION, session).after(&Voted { deputy })?;
    audit::record(tx, Actor::User(deputy), change).await?;
    Ok(())
}

async fn close(tx: &mut Tx, actor: Actor, id: VoteSessionId, today: Date) -> Result<VoteSession> {
    let before = load_session(tx, id).await?;
    if before.state != SessionState::Open {
        return Err(StoreError::Conflict("票决会议已经结束".into()));
    }
    let void = !before.quorum.is_met(before.roll, before.voted);
    tx.execute(
        "update vote_sessions set state = 'closed', closed_on = $1, void = $2 where id = $3",
        args![format_date(today)?, void, id.get()],
    )
    .await?;
    // Rewritten in this transaction so that no row keeps the transaction a deputy voted in
    // (PostgreSQL's xmin); the values do not change.
    tx.execute(
        "update vote_roll set voted = voted where session = $1",
        args![id.get()],
    )
    .await?;
    tx.execute(
        "update vote_session_candidates set votes_for = votes_for where session = $1",
        args![id.get()],
    )
    .await?;
    let after = load_session(tx, id).await?;
    // The tallies are logged here, once, and never per ballot.
    let change = Change::new("close", SESSION, id).after(&after)?;
    audit::record(tx, actor, change).await?;
    Ok(after)
}

/// The notice a plan is made from: the adopted candidates in the list's order, numbered
/// from 1, each with its lead units by name (the import finds them in the registry again).
fn adopted_notice(
    session: &VoteSession,
    registry: &[shishi_core::Unit],
) -> Result<shishi_plan::Plan> {
    let items = session
        .adopted()
        .zip(1u32..)
        .map(|(c, seq)| shishi_plan::Item {
            seq,
            category: c.category.clone(),
            title: c.title.clone(),
            text: c.description.clone(),
            lead_units: c
                .lead_units
                .iter()
                .filter_map(|u| registry.iter().find(|r| r.id == *u))
                .map(|u| u.name.clone())
                .collect(),
            support_units: vec![],
            targets: vec![],
        })
        .collect::<Vec<_>>();
    if items.is_empty() {
        return Err(StoreError::Invalid("本次票决没有通过的项目".into()));
    }
    Ok(shishi_plan::Plan {
        meta: shishi_plan::Meta {
            title: Some(format!("{}年民生实事项目", session.plan_year)),
            issuer: None,
            doc_number: None,
            index_no: None,
            date: session.closed_on.map(|d| d.to_string()),
            year: Some(session.plan_year),
        },
        items,
        warnings: vec![],
    })
}

async fn adopt(tx: &mut Tx, actor: Actor, id: VoteSessionId) -> Result<PlanId> {
    let session = load_session(tx, id).await?;
    if session.state != SessionState::Closed {
        return Err(StoreError::Conflict("票决会议尚未结束".into()));
    }
    if session.void == Some(true) {
        return Err(StoreError::Conflict(
            "本次票决未达法定人数，没有项目通过".into(),
        ));
    }
    if let Some(plan) = session.plan {
        return Err(StoreError::Conflict(format!(
            "已据本次票决结果生成计划（{plan}）"
        )));
    }
    let registry = units::all(tx).await?;
    let notice = adopted_notice(&session, &registry)?;
    let plan = match plans::import(tx, actor, &notice).await? {
        ImportOutcome::Created(plan) => plan,
        _ => {
            return Err(StoreError::Conflict(format!(
                "已有一份“{}年民生实事项目”计划",
                session.plan_year
            )))
        }
    };
    tx.execute(
        "update vote_sessions set plan = $1 where id = $2",
        args![plan.get(), id.get()],
    )
    .await?;
    #[derive(Serialize)]
    struct Adopted {
        plan: PlanId,
        candidates: Vec<CandidateId>,
    }
    let change = Change::new("adopt", SESSION, id).after(&Adopted {
        plan,
        candidates: session.adopted().map(|c| c.candidate).collect(),
    })?;
    audit::record(tx, actor, change).await?;
    Ok(plan)
}

/// A deputy's comment (人大代表意见) on an item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeputyComment {
    pub id: i64,
    pub item: ItemId,
    pub deputy: UserId,
    pub deputy_name: String,
    pub text: String,
    /// RFC 3339.
    pub created_at: String,
}

#[derive(Debug, sqlx::FromRow)]
struct CommentRow {
    id: i64,
    item: i64,
    deputy: i64,
    name: String,
    text: String,
    created_at: String,
}

impl From<CommentRow> for DeputyComment {
    fn from(r: CommentRow) -> Self {
        Self {
            id: r.id,
            item: ItemId::new(r.item),
            deputy: UserId::new(r.deputy),
            deputy_name: r.name,
            text: r.text,
            created_at: r.created_at,
        }
    }
}

/// Whether `user` is a deputy: follows and comments are theirs alone.
async fn require_deputy(tx: &mut Tx, user: UserId) -> Result<()> {
    let role: Option<(String,)> = tx
        .fetch_optional("select role from users where id = $1", args![user.get()])
        .await?;
    match role {
        Some((role,)) if role == "deputy" => Ok(()),
        Some(_) => Err(StoreError::Invalid("只有人大代表可以这样做".into())),
        None => Err(StoreError::NotFound(format!("user {user}"))),
    }
}

async fn require_item(tx: &mut Tx, item: ItemId) -> Result<()> {
    let found: Option<(i64,)> = tx
        .fetch_optional("select id from items where id = $1", args![item.get()])
        .await?;
    found
        .map(|_| ())
        .ok_or_else(|| StoreError::NotFound(format!("item {item}")))
}

impl Store {
    /// A proposal from the public or a deputy; pending until the supervisor publishes it.
    pub async fn submit_proposal(&self, actor: Actor, new: NewProposal) -> Result<Proposal> {
        self.writer
            .write_aside(move |tx| {
                Box::pin(async move {
                    let deputy = match new.proposer {
                        Proposer::Deputy { user } => {
                            require_deputy(tx, user).await?;
                            Some(user.get())
                        }
                        Proposer::Public => None,
                    };
                    let id = tx
                        .insert(
                            "insert into vote_proposals (plan_year, title, description, \
                             lead_unit, proposer_name, proposer_contact, deputy, state, \
                             decline_reason, created_at) values ($1, $2, $3, $4, $5, $6, $7, \
                             'pending', null, $8) returning id",
                            args![
                                i64::from(new.plan_year),
                                new.title.as_str(),
                                new.description.as_str(),
                                new.lead_unit.as_str(),
                                new.proposer_name.as_str(),
                                new.proposer_contact.as_str(),
                                deputy,
                                now_rfc3339()?,
                            ],
                        )
                        .await?;
                    let proposal = load_proposal(tx, ProposalId::new(id)).await?;
                    let change = Change::new("propose", PROPOSAL, id).after(&proposal)?;
                    audit::record(tx, actor, change).await?;
                    Ok(proposal)
                })
            })
            .await
    }

    /// Every proposal for a plan year, oldest first (the public sees only published ones).
    pub async fn proposals(&self, plan_year: i32) -> Result<Vec<Proposal>> {
        let mut tx = self.backend.read().await?;
        let rows: Result<Vec<ProposalRow>> = tx
            .fetch_all(
                &format!(
                    "select {PROPOSAL_COLUMNS} from vote_proposals where plan_year = $1 \
                     order by id"
                ),
                args![i64::from(plan_year)],
            )
            .await;
        tx.commit().await?;
        rows?.into_iter().map(ProposalRow::into_proposal).collect()
    }

    pub async fn proposal(&self, id: ProposalId) -> Result<Proposal> {
        let mut tx = self.backend.read().await?;
        let proposal = load_proposal(&mut tx, id).await;
        tx.commit().await?;
        proposal
    }

    /// Moderation: shows the proposal on the public list (`decline` none), or keeps it off
    /// with a reason.
    pub async fn moderate_proposal(
        &self,
        actor: Actor,
        id: ProposalId,
        decline: Option<VoteText>,
    ) -> Result<Proposal> {
        self.writer
            .write_aside(move |tx| {
                Box::pin(async move {
                    let before = load_proposal(tx, id).await?;
                    let (state, action) = match &decline {
                        None => (ProposalState::Published, "publish"),
                        Some(_) => (ProposalState::Declined, "decline"),
                    };
                    tx.execute(
                        "update vote_proposals set state = $1, decline_reason = $2 where id = $3",
                        args![state.name(), decline.map(VoteText::into_string), id.get()],
                    )
                    .await?;
                    let after = load_proposal(tx, id).await?;
                    let change = Change::new(action, PROPOSAL, id)
                        .before(&before)?
                        .after(&after)?;
                    audit::record(tx, actor, change).await?;
                    Ok(after)
                })
            })
            .await
    }

    /// Adds a candidate to a year's list, fresh or from a proposal (which becomes public).
    /// Refused while a session for that year is open.
    pub async fn add_candidate(
        &self,
        actor: Actor,
        plan_year: i32,
        input: CandidateInput,
        proposal: Option<ProposalId>,
    ) -> Result<Candidate> {
        self.writer
            .write_aside(move |tx| Box::pin(add_candidate(tx, actor, plan_year, input, proposal)))
            .await
    }

    /// Edits a candidate; refused while a session for its year is open.
    pub async fn edit_candidate(
        &self,
        actor: Actor,
        id: CandidateId,
        input: CandidateInput,
    ) -> Result<Candidate> {
        self.writer
            .write_aside(move |tx| {
                Box::pin(async move {
                    let before = load_candidate(tx, id).await?;
                    refuse_while_open(tx, before.plan_year).await?;
                    check_units(tx, &input.lead_units).await?;
                    tx.execute(
                        "update vote_candidates set title = $1, description = $2, \
                         category = $3, lead_units = $4 where id = $5",
                        args![
                            input.title.as_str(),
                            input.description.as_str(),
                            category_of(input.category),
                            unit_json(&input.lead_units)?,
                            id.get()
                        ],
                    )
                    .await?;
                    let after = load_candidate(tx, id).await?;
                    let change = Change::new("edit", CANDIDATE, id)
                        .before(&before)?
                        .after(&after)?;
                    audit::record(tx, actor, change).await?;
                    Ok(after)
                })
            })
            .await
    }

    /// Takes a candidate off the list (kept, marked withdrawn); refused while a session for
    /// its year is open.
    pub async fn withdraw_candidate(&self, actor: Actor, id: CandidateId) -> Result<Candidate> {
        self.writer
            .write_aside(move |tx| {
                Box::pin(async move {
                    let before = load_candidate(tx, id).await?;
                    refuse_while_open(tx, before.plan_year).await?;
                    tx.execute(
                        "update vote_candidates set withdrawn = $1 where id = $2",
                        args![true, id.get()],
                    )
                    .await?;
                    let after = load_candidate(tx, id).await?;
                    let change = Change::new("withdraw", CANDIDATE, id)
                        .before(&before)?
                        .after(&after)?;
                    audit::record(tx, actor, change).await?;
                    Ok(after)
                })
            })
            .await
    }

    /// A year's candidates, withdrawn ones too, in the list's order.
    pub async fn candidates(&self, plan_year: i32) -> Result<Vec<Candidate>> {
        let mut tx = self.backend.read().await?;
        let rows: Result<Vec<CandidateRow>> = tx
            .fetch_all(
                &format!(
                    "select {CANDIDATE_COLUMNS} from vote_candidates where plan_year = $1 \
                     order by id"
                ),
                args![i64::from(plan_year)],
            )
            .await;
        tx.commit().await?;
        rows?
            .into_iter()
            .map(CandidateRow::into_candidate)
            .collect()
    }

    pub async fn candidate(&self, id: CandidateId) -> Result<Candidate> {
        let mut tx = self.backend.read().await?;
        let candidate = load_candidate(&mut tx, id).await;
        tx.commit().await?;
        candidate
    }

    /// Opens a session for a plan year on `today`: the list (candidates not withdrawn) is
    /// frozen into the session, and the roll is every deputy there is now. One open session
    /// per year.
    pub async fn open_vote_session(
        &self,
        actor: Actor,
        plan_year: i32,
        title: VoteText,
        quorum: Quorum,
        today: Date,
    ) -> Result<VoteSession> {
        self.writer
            .write_aside(move |tx| {
                Box::pin(open_session(tx, actor, plan_year, title, quorum, today))
            })
            .await
    }

    /// A deputy on the roll casts their one ballot. Refused, changing nothing, when the
    /// session is closed, the deputy not on its roll (`NotFound`) or already voted
    /// (`Conflict`), or the ballot does not answer every candidate.
    pub async fn cast_ballot(
        &self,
        deputy: UserId,
        session: VoteSessionId,
        ballot: Ballot,
    ) -> Result<()> {
        self.writer
            .write_aside(move |tx| Box::pin(cast(tx, deputy, session, ballot)))
            .await
    }

    /// Closes a session on `today` and decides it: void without a quorum, else each
    /// candidate adopted or not.
    pub async fn close_vote_session(
        &self,
        actor: Actor,
        id: VoteSessionId,
        today: Date,
    ) -> Result<VoteSession> {
        self.writer
            .write_aside(move |tx| Box::pin(close(tx, actor, id, today)))
            .await
    }

    /// Makes the plan of the session's year from its adopted candidates, linked back to the
    /// session. Once per session; refused for a void or open session.
    pub async fn adopt_vote_session(&self, actor: Actor, id: VoteSessionId) -> Result<PlanId> {
        self.writer
            .write(move |tx| Box::pin(adopt(tx, actor, id)))
            .await
    }

    pub async fn vote_session(&self, id: VoteSessionId) -> Result<VoteSession> {
        let mut tx = self.backend.read().await?;
        let session = load_session(&mut tx, id).await;
        tx.commit().await?;
        session
    }

    /// Every session, newest first.
    pub async fn vote_sessions(&self) -> Result<Vec<VoteSession>> {
        let mut tx = self.backend.read().await?;
        let ids: Result<Vec<(i64,)>> = tx
            .fetch_all("select id from vote_sessions order by id desc", args![])
            .await;
        let mut sessions = Vec::new();
        let mut failed = None;
        match ids {
            Ok(ids) => {
                for (id,) in ids {
                    match load_session(&mut tx, VoteSessionId::new(id)).await {
                        Ok(s) => sessions.push(s),
                        Err(e) => {
                            failed = Some(e);
                            break;
                        }
                    }
                }
            }
            Err(e) => failed = Some(e),
        }
        tx.commit().await?;
        match failed {
            Some(e) => Err(e),
            None => Ok(sessions),
        }
    }

    /// The roll of a session: each deputy, their name, and whether they have voted (the
    /// turnout, 实到). Nothing of how.
    pub async fn vote_roll(&self, id: VoteSessionId) -> Result<Vec<(UserId, String, bool)>> {
        let mut tx = self.backend.read().await?;
        let rows: Result<Vec<(i64, String, bool)>> = tx
            .fetch_all(
                "select r.deputy, u.name, r.voted from vote_roll r \
                 join users u on u.id = r.deputy where r.session = $1 order by r.deputy",
                args![id.get()],
            )
            .await;
        tx.commit().await?;
        Ok(rows?
            .into_iter()
            .map(|(d, name, voted)| (UserId::new(d), name, voted))
            .collect())
    }

    /// Follows (or stops following) an item, for a deputy.
    pub async fn follow_item(&self, deputy: UserId, item: ItemId, follow: bool) -> Result<()> {
        self.writer
            .write_aside(move |tx| {
                Box::pin(async move {
                    require_deputy(tx, deputy).await?;
                    require_item(tx, item).await?;
                    let changed = if follow {
                        let known: Option<(i64,)> = tx
                            .fetch_optional(
                                "select item from deputy_follows where deputy = $1 and item = $2",
                                args![deputy.get(), item.get()],
                            )
                            .await?;
                        if known.is_none() {
                            tx.execute(
                                "insert into deputy_follows (deputy, item) values ($1, $2)",
                                args![deputy.get(), item.get()],
                            )
                            .await?;
                        }
                        known.is_none()
                    } else {
                        tx.execute(
                            "delete from deputy_follows where deputy = $1 and item = $2",
                            args![deputy.get(), item.get()],
                        )
                        .await?
                            > 0
                    };
                    if changed {
                        #[derive(Serialize)]
                        struct Follow {
                            deputy: UserId,
                            item: ItemId,
                        }
                        let value = Follow { deputy, item };
                        let change = if follow {
                            Change::new("follow", FOLLOW, item).after(&value)?
                        } else {
                            Change::new("unfollow", FOLLOW, item).before(&value)?
                        };
                        audit::record(tx, Actor::User(deputy), change).await?;
                    }
                    Ok(())
                })
            })
            .await
    }

    /// The items a deputy follows.
    pub async fn followed_items(&self, deputy: UserId) -> Result<Vec<ItemId>> {
        let mut tx = self.backend.read().await?;
        let rows: Result<Vec<(i64,)>> = tx
            .fetch_all(
                "select item from deputy_follows where deputy = $1 order by item",
                args![deputy.get()],
            )
            .await;
        tx.commit().await?;
        Ok(rows?.into_iter().map(|(i,)| ItemId::new(i)).collect())
    }

    /// A deputy's comment (人大代表意见) on an item.
    pub async fn add_deputy_comment(
        &self,
        deputy: UserId,
        item: ItemId,
        text: VoteText,
    ) -> Result<DeputyComment> {
        self.writer
            .write_aside(move |tx| {
                Box::pin(async move {
                    require_deputy(tx, deputy).await?;
                    require_item(tx, item).await?;
                    let id = tx
                        .insert(
                            "insert into deputy_comments (item, deputy, text, created_at) \
                             values ($1, $2, $3, $4) returning id",
                            args![item.get(), deputy.get(), text.as_str(), now_rfc3339()?],
                        )
                        .await?;
                    let comment: DeputyComment = tx
                        .fetch_one::<CommentRow>(
                            "select c.id, c.item, c.deputy, u.name, c.text, c.created_at \
                             from deputy_comments c join users u on u.id = c.deputy \
                             where c.id = $1",
                            args![id],
                        )
                        .await?
                        .into();
                    let change = Change::new("comment", COMMENT, id).after(&comment)?;
                    audit::record(tx, Actor::User(deputy), change).await?;
                    Ok(comment)
                })
            })
            .await
    }

    /// The deputies' comments on an item, oldest first.
    pub async fn deputy_comments(&self, item: ItemId) -> Result<Vec<DeputyComment>> {
        let mut tx = self.backend.read().await?;
        let rows: Result<Vec<CommentRow>> = tx
            .fetch_all(
                "select c.id, c.item, c.deputy, u.name, c.text, c.created_at \
                 from deputy_comments c join users u on u.id = c.deputy \
                 where c.item = $1 order by c.id",
                args![item.get()],
            )
            .await;
        tx.commit().await?;
        Ok(rows?.into_iter().map(DeputyComment::from).collect())
    }
}
