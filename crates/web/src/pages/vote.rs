//! The deputies' vote (人大代表票决) in the pages: the public's and deputies' proposals for
//! a coming plan year, the supervisor's moderation and candidate list, the voting session
//! with its roll and a secret ballot, the public result, the plan made from the adopted
//! list, and the deputies' own page (items they follow) and comments on items.
//!
//! Secrecy in this layer: a ballot's choices are read from the form, turned into a
//! [`Ballot`] and handed to the store; they are never logged, never put into an error, and
//! the only answer is a redirect to "已投票". Running counts are never shown (the store does
//! not even hand them out while a session is open).

use super::chrome::Chrome;
use super::error::PageError;
use super::form::FieldErrors;
use super::paths;
use super::session::Viewer;
use crate::abuse::{ClientAddr, Limit, PUBLIC_FORM_LIMIT};
use crate::standing::{joined_names, standings, status_words};
use crate::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::rejection::FormRejection;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::header::SET_COOKIE;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use shishi_core::{
    can, find_unit, votes_to_adopt, Action, Ballot, CandidateId, Choice, ItemId, PlanYear,
    ProposalId, ProposalState, Proposer, Quorum, Resource, Role, SessionState, Unit, UnitId, User,
    VoteSessionId, VoteText,
};
use shishi_store::{Actor, Candidate, CandidateInput, NewProposal, Proposal, VoteSession};
use std::collections::HashMap;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route(paths::VOTES, get(index))
        .route(
            paths::PROPOSALS,
            get(proposals_page)
                .post(propose)
                .layer(DefaultBodyLimit::max(PUBLIC_FORM_LIMIT)),
        )
        .route(paths::VOTE_ADMIN, get(admin_page))
        .route(paths::VOTE_CANDIDATES, post(add_candidate))
        .route(
            "/vote/candidates/{id}",
            get(candidate_page).post(edit_candidate),
        )
        .route("/vote/candidates/{id}/withdraw", post(withdraw_candidate))
        .route("/vote/proposals/{id}/moderate", post(moderate))
        .route(paths::VOTE_SESSIONS, post(open_session))
        .route("/vote/sessions/{id}", get(session_page))
        .route("/vote/sessions/{id}/ballot", get(ballot_page).post(cast))
        .route("/vote/sessions/{id}/close", post(close_session))
        .route("/vote/sessions/{id}/adopt", post(adopt))
        .route(paths::DEPUTY, get(deputy_page))
        .route(paths::DEPUTY_FOLLOW, post(follow))
        .route("/items/{id}/deputy-comments", post(comment))
}

/// The year proposals and candidates are for unless the page says otherwise: next year's
/// plan is what is being prepared.
fn coming_year(state: &AppState) -> i32 {
    state.clock.today().year() + 1
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct YearQuery {
    #[serde(default)]
    year: String,
    #[serde(default)]
    done: String,
}

fn year_of(state: &AppState, text: &str) -> Result<i32, PageError> {
    match text.trim() {
        "" => Ok(coming_year(state)),
        t => t
            .parse::<i32>()
            .ok()
            .and_then(|y| PlanYear::new(y).ok())
            .map(PlanYear::get)
            .ok_or_else(|| PageError::BadRequest(format!("“{t}”不是有效的年份。"))),
    }
}

fn done_words(done: &str) -> Option<&'static str> {
    match done {
        "proposed" => Some("已收到您的建议。经督查室审核后将在本页公开（联系方式不公开）。"),
        "moderated" => Some("已处理该建议。"),
        "added" => Some("已列入候选项目。"),
        "edited" => Some("候选项目已修改。"),
        "withdrawn" => Some("候选项目已撤回。"),
        "opened" => Some("票决会议已开始，候选项目清单已冻结；应到代表可以投票。"),
        "voted" => Some("已投票。感谢您参加票决。"),
        "closed" => Some("票决会议已结束，结果已公布。"),
        "followed" => Some("已关注。"),
        "unfollowed" => Some("已取消关注。"),
        "commented" => Some("您的意见已发表。"),
        _ => None,
    }
}

// ---- the public index ----

struct SessionRow {
    href: String,
    title: String,
    year: i32,
    state: &'static str,
    outcome: String,
}

fn outcome_words(session: &VoteSession) -> String {
    match (session.state, session.void) {
        (SessionState::Open, _) => {
            format!("投票中，已投票 {} / 应到 {}", session.voted, session.roll)
        }
        (SessionState::Closed, Some(true)) => "未达法定人数，本次票决无效".to_owned(),
        (SessionState::Closed, _) => format!(
            "通过 {} 项，共 {} 项候选",
            session.adopted().count(),
            session.candidates.len()
        ),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "vote_index.html")]
struct IndexPage {
    chrome: Chrome,
    year: i32,
    sessions: Vec<SessionRow>,
    manage: bool,
    deputy: bool,
}

/// `GET /votes`: every voting session with its outcome, for everyone.
pub(crate) async fn index(
    State(state): State<AppState>,
    viewer: Viewer,
) -> Result<Response, PageError> {
    viewer.require_public()?;
    let sessions = state
        .store
        .vote_sessions()
        .await?
        .iter()
        .map(|s| SessionRow {
            href: paths::vote_session(s.id.get()),
            title: s.title.clone(),
            year: s.plan_year,
            state: s.state.label_zh(),
            outcome: outcome_words(s),
        })
        .collect();
    let user = viewer.user();
    Ok(IndexPage {
        chrome: viewer.chrome("人大代表票决"),
        year: coming_year(&state),
        sessions,
        manage: can(user, Action::ManageVote, &Resource::System),
        deputy: can(user, Action::DeputyVoice, &Resource::System),
    }
    .into_response())
}

// ---- proposals ----

struct ProposalRow {
    title: String,
    description: String,
    lead_unit: String,
    by: String,
}

fn by_words(p: &Proposal) -> String {
    match (p.proposer, p.proposer_name.is_empty()) {
        (Proposer::Deputy { .. }, _) => format!("人大代表 {}", p.proposer_name),
        (Proposer::Public, true) => "群众".to_owned(),
        (Proposer::Public, false) => format!("群众 {}", p.proposer_name),
    }
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct ProposalForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    year: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    lead_unit: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    contact: String,
    #[serde(default)]
    challenge: String,
    #[serde(default)]
    answer: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "vote_proposals.html")]
struct ProposalsPage {
    chrome: Chrome,
    year: i32,
    done: Option<&'static str>,
    rows: Vec<ProposalRow>,
    /// Deputies propose signed in, without the challenge.
    as_deputy: bool,
    question: String,
    form: ProposalForm,
    errors: FieldErrors,
}

async fn render_proposals(
    state: &AppState,
    viewer: &Viewer,
    year: i32,
    form: ProposalForm,
    errors: FieldErrors,
    done: Option<&'static str>,
) -> Result<Response, PageError> {
    let rows = state
        .store
        .proposals(year)
        .await?
        .iter()
        .filter(|p| p.state == ProposalState::Published)
        .map(|p| ProposalRow {
            title: p.title.clone(),
            description: p.description.clone(),
            lead_unit: p.lead_unit.clone(),
            by: by_words(p),
        })
        .collect();
    let (token, set_cookie) = viewer.visitor_csrf()?;
    let mut chrome = viewer.chrome(format!("{year}年民生实事项目建议"));
    chrome.csrf = token;
    let as_deputy = can(viewer.user(), Action::DeputyVoice, &Resource::System);
    let challenge = state.guard.challenge();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = ProposalsPage {
        chrome,
        year,
        done,
        rows,
        as_deputy,
        question: challenge.question,
        form: ProposalForm {
            challenge: challenge.token,
            answer: String::new(),
            ..form
        },
        errors,
    };
    let mut response = (status, page).into_response();
    if let Some(cookie) = set_cookie {
        response.headers_mut().append(SET_COOKIE, cookie);
    }
    Ok(response)
}

/// `GET /proposals?year=`: the published proposals for a year and the form to propose.
pub(crate) async fn proposals_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<YearQuery>,
) -> Result<Response, PageError> {
    viewer.require_public()?;
    let year = year_of(&state, &query.year)?;
    let name = viewer
        .user()
        .filter(|u| u.role == Role::Deputy)
        .map(|u| u.name.clone())
        .unwrap_or_default();
    let form = ProposalForm {
        name,
        ..ProposalForm::default()
    };
    render_proposals(
        &state,
        &viewer,
        year,
        form,
        FieldErrors::default(),
        done_words(&query.done),
    )
    .await
}

/// `POST /proposals`: a proposal, pending until the supervisor publishes it. In this order:
/// the address's budget (before anything else, so a flood costs nothing), the form's token,
/// the challenge (the public only), the fields, then the write.
pub(crate) async fn propose(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    viewer: Viewer,
    form: Result<Form<ProposalForm>, FormRejection>,
) -> Result<Response, PageError> {
    state
        .guard
        .admit(Limit::Proposal, addr)
        .map_err(PageError::TooMany)?;
    let Form(form) = form.map_err(|rejection| {
        PageError::BadRequest(match rejection {
            FormRejection::BytesRejection(_) => format!(
                "提交的内容过长（超过 {} KB），没有保存。请精简后再提交。",
                PUBLIC_FORM_LIMIT / 1024
            ),
            _ => "提交的表单无法识别，没有保存。请从建议页面重新填写。".to_owned(),
        })
    })?;
    viewer.check_csrf(&form.csrf)?;
    let year = year_of(&state, &form.year)?;
    let deputy = viewer
        .user()
        .filter(|u| can(Some(u), Action::DeputyVoice, &Resource::System))
        .cloned();
    let mut errors = FieldErrors::default();
    if deputy.is_none() {
        if let Err(failed) = state.guard.check_answer(&form.challenge, &form.answer) {
            errors.add("answer", failed.to_string());
        }
    }
    let title = VoteText::title(&form.title)
        .map_err(|_| errors.add("title", "请填写项目名称（80 字以内）。"))
        .ok();
    let description = VoteText::body(&form.description)
        .map_err(|_| errors.add("description", "请说明建议的内容和理由（2000 字以内）。"))
        .ok();
    let lead_unit = VoteText::optional(&form.lead_unit, 80)
        .map_err(|_| errors.add("lead_unit", "建议牵头单位请在 80 字以内。"))
        .ok();
    let name = VoteText::optional(&form.name, 40)
        .map_err(|_| errors.add("name", "署名请在 40 字以内。"))
        .ok();
    let contact = VoteText::optional(&form.contact, 80)
        .map_err(|_| errors.add("contact", "联系方式请在 80 字以内。"))
        .ok();
    let (Some(title), Some(description), Some(lead_unit), Some(name), Some(contact), true) = (
        title,
        description,
        lead_unit,
        name,
        contact,
        errors.is_empty(),
    ) else {
        return render_proposals(&state, &viewer, year, form, errors, None).await;
    };
    let (actor, proposer) = match &deputy {
        Some(user) => (Actor::User(user.id), Proposer::Deputy { user: user.id }),
        None => (Actor::Public, Proposer::Public),
    };
    state
        .store
        .submit_proposal(
            actor,
            NewProposal {
                plan_year: year,
                title,
                description,
                lead_unit,
                proposer_name: name,
                proposer_contact: contact,
                proposer,
            },
        )
        .await?;
    Ok(Redirect::to(&format!("{}?year={year}&done=proposed", paths::PROPOSALS)).into_response())
}

// ---- the supervisor's page ----

struct AdminProposal {
    id: i64,
    title: String,
    description: String,
    lead_unit: String,
    by: String,
    contact: String,
    state: &'static str,
    pending: bool,
    decline_reason: String,
    moderate_action: String,
}

struct CandidateRow {
    title: String,
    description: String,
    category: String,
    units: String,
    withdrawn: bool,
    edit_href: String,
    withdraw_action: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "vote_admin.html")]
struct AdminPage {
    chrome: Chrome,
    year: i32,
    done: Option<&'static str>,
    proposals: Vec<AdminProposal>,
    candidates: Vec<CandidateRow>,
    sessions: Vec<SessionRow>,
    /// No session of the year is open: the list may change and a session may open.
    can_open: bool,
    listed: usize,
    deputies: usize,
    form: CandidateForm,
    errors: FieldErrors,
    open_errors: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct CandidateForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    year: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    category: String,
    /// Unit names separated by 、 , ， or spaces, as a notice writes them.
    #[serde(default)]
    units: String,
    /// The proposal a candidate is taken from, if any.
    #[serde(default)]
    proposal: String,
}

fn unit_names_of(registry: &[Unit]) -> HashMap<UnitId, String> {
    registry.iter().map(|u| (u.id, u.name.clone())).collect()
}

async fn render_admin(
    state: &AppState,
    viewer: &Viewer,
    year: i32,
    form: CandidateForm,
    errors: FieldErrors,
    open_errors: Vec<String>,
    done: Option<&'static str>,
) -> Result<Response, PageError> {
    let registry = state.store.units().await?;
    let names = unit_names_of(&registry);
    let proposals = state
        .store
        .proposals(year)
        .await?
        .iter()
        .map(|p| AdminProposal {
            id: p.id.get(),
            title: p.title.clone(),
            description: p.description.clone(),
            lead_unit: p.lead_unit.clone(),
            by: by_words(p),
            contact: p.proposer_contact.clone(),
            state: p.state.label_zh(),
            pending: p.state == ProposalState::Pending,
            decline_reason: p.decline_reason.clone().unwrap_or_default(),
            moderate_action: paths::moderate_proposal(p.id.get()),
        })
        .collect();
    let candidates: Vec<Candidate> = state.store.candidates(year).await?;
    let listed = candidates.iter().filter(|c| !c.withdrawn).count();
    let candidates = candidates
        .iter()
        .map(|c| CandidateRow {
            title: c.title.clone(),
            description: c.description.clone(),
            category: c.category.clone().unwrap_or_default(),
            units: joined_names(&names, &c.lead_units),
            withdrawn: c.withdrawn,
            edit_href: paths::vote_candidate(c.id.get()),
            withdraw_action: paths::withdraw_candidate(c.id.get()),
        })
        .collect();
    let all_sessions = state.store.vote_sessions().await?;
    let of_year: Vec<&VoteSession> = all_sessions
        .iter()
        .filter(|s| s.plan_year == year)
        .collect();
    let can_open = !of_year.iter().any(|s| s.state == SessionState::Open);
    let sessions = of_year
        .iter()
        .map(|s| SessionRow {
            href: paths::vote_session(s.id.get()),
            title: s.title.clone(),
            year: s.plan_year,
            state: s.state.label_zh(),
            outcome: outcome_words(s),
        })
        .collect();
    let deputies = state
        .store
        .users()
        .await?
        .iter()
        .filter(|a| a.user.role == Role::Deputy)
        .count();
    let status = if errors.is_empty() && open_errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = AdminPage {
        chrome: viewer.chrome(format!("{year}年票决管理")),
        year,
        done,
        proposals,
        candidates,
        sessions,
        can_open,
        listed,
        deputies,
        form,
        errors,
        open_errors,
    };
    Ok((status, page).into_response())
}

/// `GET /vote/admin?year=`: proposals to moderate, the candidate list, the sessions.
pub(crate) async fn admin_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<YearQuery>,
) -> Result<Response, PageError> {
    viewer.require(Action::ManageVote, &Resource::System, paths::VOTE_ADMIN)?;
    let year = year_of(&state, &query.year)?;
    render_admin(
        &state,
        &viewer,
        year,
        CandidateForm::default(),
        FieldErrors::default(),
        vec![],
        done_words(&query.done),
    )
    .await
}

fn admin_href(year: i32, done: &str) -> String {
    format!("{}?year={year}&done={done}", paths::VOTE_ADMIN)
}

/// The candidate typed in the form, or what is wrong with it.
fn read_candidate(
    form: &CandidateForm,
    registry: &[Unit],
    errors: &mut FieldErrors,
) -> Option<CandidateInput> {
    let title = VoteText::title(&form.title)
        .map_err(|_| errors.add("title", "请填写项目名称（80 字以内）。"))
        .ok();
    let description = VoteText::optional(&form.description, VoteText::BODY_MAX)
        .map_err(|_| errors.add("description", "项目内容请在 2000 字以内。"))
        .ok();
    let mut lead_units = Vec::new();
    let mut unknown = Vec::new();
    for name in form
        .units
        .split(['、', ',', '，', ' ', '\u{3000}', ';', '；'])
        .map(str::trim)
        .filter(|n| !n.is_empty())
    {
        match find_unit(registry, name, None) {
            Some(unit) if !lead_units.contains(&unit.id) => lead_units.push(unit.id),
            Some(_) => {}
            None => unknown.push(name.to_owned()),
        }
    }
    if !unknown.is_empty() {
        errors.add(
            "units",
            format!(
                "单位库中没有：{}。请先在“单位”页面添加，或改用已有单位的名称。",
                unknown.join("、")
            ),
        );
    } else if lead_units.is_empty() {
        errors.add("units", "请填写至少一个牵头单位。");
    }
    let category = form.category.trim();
    if category.chars().count() > 20 {
        errors.add("category", "类别请在 20 字以内。");
    }
    if !errors.is_empty() {
        return None;
    }
    Some(CandidateInput {
        title: title?,
        description: description?,
        category: (!category.is_empty()).then(|| category.to_owned()),
        lead_units,
    })
}

/// `POST /vote/candidates`: adds a candidate, fresh or from a proposal.
pub(crate) async fn add_candidate(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<CandidateForm>,
) -> Result<Response, PageError> {
    viewer.check_csrf(&form.csrf)?;
    let user = viewer
        .require(Action::ManageVote, &Resource::System, paths::VOTE_ADMIN)?
        .clone();
    let year = year_of(&state, &form.year)?;
    let registry = state.store.units().await?;
    let mut errors = FieldErrors::default();
    let Some(input) = read_candidate(&form, &registry, &mut errors) else {
        return render_admin(&state, &viewer, year, form, errors, vec![], None).await;
    };
    let proposal = form
        .proposal
        .trim()
        .parse::<i64>()
        .ok()
        .map(ProposalId::new);
    state
        .store
        .add_candidate(Actor::User(user.id), year, input, proposal)
        .await?;
    Ok(Redirect::to(&admin_href(year, "added")).into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "vote_candidate.html")]
struct CandidatePage {
    chrome: Chrome,
    year: i32,
    action: String,
    /// The proposal the form fills in from, when adding from one.
    from_proposal: Option<String>,
    form: CandidateForm,
    errors: FieldErrors,
}

/// `GET /vote/candidates/{id}`: the form to edit a candidate.
pub(crate) async fn candidate_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let here = paths::vote_candidate(id);
    viewer.require(Action::ManageVote, &Resource::System, &here)?;
    let candidate = state.store.candidate(CandidateId::new(id)).await?;
    let registry = state.store.units().await?;
    let names = unit_names_of(&registry);
    let form = CandidateForm {
        csrf: String::new(),
        year: candidate.plan_year.to_string(),
        title: candidate.title.clone(),
        description: candidate.description.clone(),
        category: candidate.category.clone().unwrap_or_default(),
        units: candidate
            .lead_units
            .iter()
            .filter_map(|u| names.get(u).cloned())
            .collect::<Vec<_>>()
            .join("、"),
        proposal: String::new(),
    };
    Ok(CandidatePage {
        chrome: viewer.chrome("修改候选项目"),
        year: candidate.plan_year,
        action: here,
        from_proposal: None,
        form,
        errors: FieldErrors::default(),
    }
    .into_response())
}

/// `POST /vote/candidates/{id}`: saves the edited candidate.
pub(crate) async fn edit_candidate(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(form): Form<CandidateForm>,
) -> Result<Response, PageError> {
    viewer.check_csrf(&form.csrf)?;
    let here = paths::vote_candidate(id);
    let user = viewer
        .require(Action::ManageVote, &Resource::System, &here)?
        .clone();
    let candidate = state.store.candidate(CandidateId::new(id)).await?;
    let registry = state.store.units().await?;
    let mut errors = FieldErrors::default();
    let Some(input) = read_candidate(&form, &registry, &mut errors) else {
        let page = CandidatePage {
            chrome: viewer.chrome("修改候选项目"),
            year: candidate.plan_year,
            action: here,
            from_proposal: None,
            form,
            errors,
        };
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    };
    state
        .store
        .edit_candidate(Actor::User(user.id), candidate.id, input)
        .await?;
    Ok(Redirect::to(&admin_href(candidate.plan_year, "edited")).into_response())
}

#[derive(Deserialize)]
pub(crate) struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

/// `POST /vote/candidates/{id}/withdraw`.
pub(crate) async fn withdraw_candidate(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, PageError> {
    viewer.check_csrf(&form.csrf)?;
    let user = viewer
        .require(Action::ManageVote, &Resource::System, paths::VOTE_ADMIN)?
        .clone();
    let candidate = state
        .store
        .withdraw_candidate(Actor::User(user.id), CandidateId::new(id))
        .await?;
    Ok(Redirect::to(&admin_href(candidate.plan_year, "withdrawn")).into_response())
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct ModerateForm {
    #[serde(default)]
    csrf: String,
    /// publish, decline or candidate.
    #[serde(default)]
    decision: String,
    #[serde(default)]
    reason: String,
}

/// `POST /vote/proposals/{id}/moderate`: publish, decline with a reason, or open the
/// candidate form filled in from the proposal.
pub(crate) async fn moderate(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(form): Form<ModerateForm>,
) -> Result<Response, PageError> {
    viewer.check_csrf(&form.csrf)?;
    let user = viewer
        .require(Action::ManageVote, &Resource::System, paths::VOTE_ADMIN)?
        .clone();
    let proposal = state.store.proposal(ProposalId::new(id)).await?;
    let decline = match form.decision.as_str() {
        "publish" => None,
        "decline" => Some(VoteText::body(&form.reason).map_err(|_| {
            PageError::BadRequest("不采用须填写原因（2000 字以内）。请返回填写。".to_owned())
        })?),
        "candidate" => {
            let page = CandidatePage {
                chrome: viewer.chrome("列入候选项目"),
                year: proposal.plan_year,
                action: paths::VOTE_CANDIDATES.to_owned(),
                from_proposal: Some(proposal.title.clone()),
                form: CandidateForm {
                    csrf: String::new(),
                    year: proposal.plan_year.to_string(),
                    title: proposal.title.chars().take(VoteText::TITLE_MAX).collect(),
                    description: proposal.description.clone(),
                    category: String::new(),
                    units: proposal.lead_unit.clone(),
                    proposal: proposal.id.get().to_string(),
                },
                errors: FieldErrors::default(),
            };
            return Ok(page.into_response());
        }
        _ => return Err(PageError::BadRequest("请选择处理方式。".to_owned())),
    };
    state
        .store
        .moderate_proposal(Actor::User(user.id), proposal.id, decline)
        .await?;
    Ok(Redirect::to(&admin_href(proposal.plan_year, "moderated")).into_response())
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct OpenForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    year: String,
    #[serde(default)]
    title: String,
    /// "1/2" or "2/3".
    #[serde(default)]
    quorum: String,
}

/// `POST /vote/sessions`: opens a session for the year, freezing its list.
pub(crate) async fn open_session(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<OpenForm>,
) -> Result<Response, PageError> {
    viewer.check_csrf(&form.csrf)?;
    let user = viewer
        .require(Action::ManageVote, &Resource::System, paths::VOTE_ADMIN)?
        .clone();
    let year = year_of(&state, &form.year)?;
    let mut errors = Vec::new();
    let title = VoteText::title(&form.title)
        .map_err(|_| errors.push("请填写会议名称（80 字以内）。".to_owned()))
        .ok();
    let quorum = match form.quorum.trim() {
        "" | "1/2" => Some(Quorum::HALF),
        "2/3" => Quorum::new(2, 3).ok(),
        _ => {
            errors.push("请选择法定人数。".to_owned());
            None
        }
    };
    let (Some(title), Some(quorum), true) = (title, quorum, errors.is_empty()) else {
        return render_admin(
            &state,
            &viewer,
            year,
            CandidateForm::default(),
            FieldErrors::default(),
            errors,
            None,
        )
        .await;
    };
    let session = state
        .store
        .open_vote_session(
            Actor::User(user.id),
            year,
            title,
            quorum,
            state.clock.today(),
        )
        .await;
    let session = match session {
        Ok(session) => session,
        Err(shishi_store::StoreError::Domain(_)) => {
            return render_admin(
                &state,
                &viewer,
                year,
                CandidateForm::default(),
                FieldErrors::default(),
                vec!["候选项目清单是空的：请先添加候选项目。".to_owned()],
                None,
            )
            .await;
        }
        Err(other) => return Err(other.into()),
    };
    Ok(Redirect::to(&format!(
        "{}?done=opened",
        paths::vote_session(session.id.get())
    ))
    .into_response())
}

// ---- a session ----

struct ResultRow {
    position: u32,
    title: String,
    units: String,
    /// (for, against, abstain, did not vote) once closed.
    counts: Option<(u32, u32, u32, u32)>,
    adopted: Option<bool>,
}

struct RollRow {
    name: String,
    voted: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "vote_session.html")]
struct SessionPage {
    chrome: Chrome,
    done: Option<&'static str>,
    title: String,
    year: i32,
    state: &'static str,
    open: bool,
    void: bool,
    roll: u32,
    voted: u32,
    quorum_rule: String,
    quorum_needed: u32,
    adopt_needed: u32,
    rows: Vec<ResultRow>,
    /// The names on the roll and whether each voted: for signed-in readers.
    roll_rows: Vec<RollRow>,
    /// For a deputy on the roll: whether they have voted (None when not on the roll).
    my_vote: Option<bool>,
    ballot_href: String,
    /// The supervisor's forms.
    close_action: Option<String>,
    adopt_action: Option<String>,
    plan_href: Option<String>,
    admin_href: Option<String>,
}

/// `GET /vote/sessions/{id}`: the session, its rules, turnout, and once closed its result.
pub(crate) async fn session_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Query(query): Query<YearQuery>,
) -> Result<Response, PageError> {
    viewer.require_public()?;
    let session = state.store.vote_session(VoteSessionId::new(id)).await?;
    let registry = state.store.units().await?;
    let names = unit_names_of(&registry);
    let user = viewer.user();
    let internal = can(user, Action::ViewInternal, &Resource::System);
    let manage = can(user, Action::ManageVote, &Resource::System);
    let roll = state.store.vote_roll(session.id).await?;
    let my_vote = user
        .filter(|u| u.role == Role::Deputy)
        .and_then(|u| roll.iter().find(|(d, _, _)| *d == u.id))
        .map(|(_, _, voted)| *voted);
    let open = session.state == SessionState::Open;
    let rows = session
        .candidates
        .iter()
        .map(|c| ResultRow {
            position: c.position,
            title: c.title.clone(),
            units: joined_names(&names, &c.lead_units),
            counts: c.tally.map(|t| {
                (
                    t.for_votes,
                    t.against,
                    t.abstain,
                    session.roll.saturating_sub(t.total()),
                )
            }),
            adopted: c.adopted,
        })
        .collect();
    let page = SessionPage {
        chrome: viewer.chrome(session.title.clone()),
        done: done_words(&query.done),
        title: session.title.clone(),
        year: session.plan_year,
        state: session.state.label_zh(),
        open,
        void: session.void == Some(true),
        roll: session.roll,
        voted: session.voted,
        quorum_rule: session.quorum.label_zh(),
        quorum_needed: session.quorum.needed(session.roll),
        adopt_needed: votes_to_adopt(session.roll),
        rows,
        roll_rows: if internal {
            roll.iter()
                .map(|(_, name, voted)| RollRow {
                    name: name.clone(),
                    voted: *voted,
                })
                .collect()
        } else {
            vec![]
        },
        my_vote,
        ballot_href: paths::vote_ballot(id),
        close_action: (manage && open).then(|| paths::close_vote_session(id)),
        adopt_action: (manage
            && session.state == SessionState::Closed
            && session.void == Some(false)
            && session.plan.is_none()
            && session.adopted().next().is_some())
        .then(|| paths::adopt_vote_session(id)),
        plan_href: session.plan.map(|p| paths::plan(p.get())),
        admin_href: manage.then(|| format!("{}?year={}", paths::VOTE_ADMIN, session.plan_year)),
    };
    Ok(page.into_response())
}

struct BallotRow {
    position: u32,
    title: String,
    description: String,
    units: String,
    /// The choice typed before a refused submission (the deputy's own browser only).
    chosen: Option<Choice>,
}

#[derive(Template, WebTemplate)]
#[template(path = "vote_ballot.html")]
struct BallotPage {
    chrome: Chrome,
    title: String,
    action: String,
    session_href: String,
    rows: Vec<BallotRow>,
    roll: u32,
    adopt_needed: u32,
    error: Option<String>,
}

impl BallotRow {
    fn is(&self, choice: &str) -> bool {
        self.chosen.map(Choice::name) == Some(choice)
    }
}

/// The session and the deputy, when the deputy may vote in it now; else why not.
async fn may_vote(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
) -> Result<(User, VoteSession), PageError> {
    let here = paths::vote_ballot(id);
    let user = viewer
        .require(Action::CastBallot, &Resource::System, &here)?
        .clone();
    let session = state.store.vote_session(VoteSessionId::new(id)).await?;
    if session.state != SessionState::Open {
        return Err(PageError::Conflict(
            "票决会议已经结束，不能再投票。".to_owned(),
        ));
    }
    let roll = state.store.vote_roll(session.id).await?;
    match roll.iter().find(|(d, _, _)| *d == user.id) {
        None => Err(PageError::Forbidden(shishi_core::Denied::Stage)),
        Some((_, _, true)) => Err(PageError::Conflict(
            "您已投票。每位代表只能投一次，投票后不能更改。".to_owned(),
        )),
        Some((_, _, false)) => Ok((user, session)),
    }
}

fn ballot_page_of(
    viewer: &Viewer,
    session: &VoteSession,
    names: &HashMap<UnitId, String>,
    chosen: &HashMap<u32, Choice>,
    error: Option<String>,
) -> BallotPage {
    let id = session.id.get();
    BallotPage {
        chrome: viewer.chrome(format!("表决票 · {}", session.title)),
        title: session.title.clone(),
        action: paths::vote_ballot(id),
        session_href: paths::vote_session(id),
        rows: session
            .candidates
            .iter()
            .map(|c| BallotRow {
                position: c.position,
                title: c.title.clone(),
                description: c.description.clone(),
                units: joined_names(names, &c.lead_units),
                chosen: chosen.get(&c.position).copied(),
            })
            .collect(),
        roll: session.roll,
        adopt_needed: votes_to_adopt(session.roll),
        error,
    }
}

/// `GET /vote/sessions/{id}/ballot`: the ballot, for a deputy on the roll who has not voted.
pub(crate) async fn ballot_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let (_, session) = may_vote(&state, &viewer, id).await?;
    let names = unit_names_of(&state.store.units().await?);
    Ok(ballot_page_of(&viewer, &session, &names, &HashMap::new(), None).into_response())
}

/// `POST /vote/sessions/{id}/ballot`: casts the ballot. The form is `csrf` and `c1`, `c2`…
/// (one per candidate, `for`, `against` or `abstain`). The answer says only "已投票".
pub(crate) async fn cast(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let csrf = fields
        .iter()
        .find(|(k, _)| k == "csrf")
        .map(|(_, v)| v.as_str())
        .unwrap_or("");
    viewer.check_csrf(csrf)?;
    let (user, session) = may_vote(&state, &viewer, id).await?;
    let mut answers = Vec::new();
    let mut chosen = HashMap::new();
    let mut unreadable = false;
    for (key, value) in &fields {
        let Some(number) = key.strip_prefix('c').filter(|_| key != "csrf") else {
            continue;
        };
        match (number.parse::<u32>(), Choice::parse(value)) {
            (Ok(n), Some(choice)) => {
                answers.push((n as usize, choice));
                chosen.insert(n, choice);
            }
            _ => unreadable = true,
        }
    }
    let ballot = match Ballot::new(session.candidates.len(), &answers) {
        Ok(ballot) if !unreadable => ballot,
        _ => {
            let names = unit_names_of(&state.store.units().await?);
            let page = ballot_page_of(
                &viewer,
                &session,
                &names,
                &chosen,
                Some("请对每一个候选项目选择“赞成”“反对”或“弃权”中的一项后再提交。".to_owned()),
            );
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    state.store.cast_ballot(user.id, session.id, ballot).await?;
    Ok(Redirect::to(&format!("{}?done=voted", paths::vote_session(id))).into_response())
}

/// `POST /vote/sessions/{id}/close`: ends the voting and publishes the result.
pub(crate) async fn close_session(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, PageError> {
    viewer.check_csrf(&form.csrf)?;
    let user = viewer
        .require(
            Action::ManageVote,
            &Resource::System,
            &paths::vote_session(id),
        )?
        .clone();
    state
        .store
        .close_vote_session(
            Actor::User(user.id),
            VoteSessionId::new(id),
            state.clock.today(),
        )
        .await?;
    Ok(Redirect::to(&format!("{}?done=closed", paths::vote_session(id))).into_response())
}

/// `POST /vote/sessions/{id}/adopt`: the adopted candidates become the year's plan.
pub(crate) async fn adopt(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, PageError> {
    viewer.check_csrf(&form.csrf)?;
    let user = viewer
        .require(
            Action::ManageVote,
            &Resource::System,
            &paths::vote_session(id),
        )?
        .clone();
    let plan = state
        .store
        .adopt_vote_session(Actor::User(user.id), VoteSessionId::new(id))
        .await?;
    Ok(Redirect::to(&paths::plan(plan.get())).into_response())
}

// ---- the deputy's page ----

#[derive(Clone)]
struct DeputyItem {
    href: String,
    seq: u32,
    title: String,
    units: String,
    status_class: &'static str,
    status_label: &'static str,
    progress: u32,
    followed: bool,
    id: i64,
}

struct DeputyPlan {
    title: String,
    href: String,
    session_title: String,
    items: Vec<DeputyItem>,
}

struct OpenSession {
    title: String,
    href: String,
    ballot_href: String,
    voted: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "vote_deputy.html")]
struct DeputyPage {
    chrome: Chrome,
    done: Option<&'static str>,
    open: Vec<OpenSession>,
    followed: Vec<DeputyItem>,
    plans: Vec<DeputyPlan>,
    proposals_href: String,
}

/// `GET /deputy`: the deputy's page: sessions to vote in, and the items the congress
/// adopted, with the ones they follow first. What a deputy follows is their own choice,
/// never derived from how they voted (which nothing records).
pub(crate) async fn deputy_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<YearQuery>,
) -> Result<Response, PageError> {
    let user = viewer
        .require(Action::DeputyVoice, &Resource::System, paths::DEPUTY)?
        .clone();
    let today = state.clock.today();
    let sessions = state.store.vote_sessions().await?;
    let mut open = Vec::new();
    for s in sessions.iter().filter(|s| s.state == SessionState::Open) {
        let roll = state.store.vote_roll(s.id).await?;
        if let Some((_, _, voted)) = roll.iter().find(|(d, _, _)| *d == user.id) {
            open.push(OpenSession {
                title: s.title.clone(),
                href: paths::vote_session(s.id.get()),
                ballot_href: paths::vote_ballot(s.id.get()),
                voted: *voted,
            });
        }
    }
    let follows = state.store.followed_items(user.id).await?;
    let mut plans = Vec::new();
    let mut followed = Vec::new();
    for s in sessions.iter() {
        let Some(plan) = s.plan else { continue };
        let snapshot = state.store.plan_snapshot(plan).await?;
        let detail = &snapshot.detail;
        let names = crate::standing::unit_names(detail);
        let standing = standings(detail, &snapshot.reports, today);
        let items: Vec<DeputyItem> = detail
            .items
            .iter()
            .zip(&standing)
            .map(|(entry, st)| {
                let (status_class, status_label) = status_words(st.status);
                DeputyItem {
                    href: paths::item(entry.item.id.get()),
                    seq: entry.item.seq,
                    title: entry.item.title.clone(),
                    units: joined_names(&names, &entry.item.lead_units),
                    status_class,
                    status_label,
                    progress: (st.progress * 100.0).round() as u32,
                    followed: follows.contains(&entry.item.id),
                    id: entry.item.id.get(),
                }
            })
            .collect();
        followed.extend(items.iter().filter(|i| i.followed).cloned());
        plans.push(DeputyPlan {
            title: detail.plan.title().to_owned(),
            href: paths::plan(plan.get()),
            session_title: s.title.clone(),
            items,
        });
    }
    Ok(DeputyPage {
        chrome: viewer.chrome("代表履职"),
        done: done_words(&query.done),
        open,
        followed,
        plans,
        proposals_href: paths::PROPOSALS.to_owned(),
    }
    .into_response())
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct FollowForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    item: String,
    /// "1" to follow, anything else to stop.
    #[serde(default)]
    follow: String,
}

/// `POST /deputy/follow`.
pub(crate) async fn follow(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<FollowForm>,
) -> Result<Response, PageError> {
    viewer.check_csrf(&form.csrf)?;
    let user = viewer
        .require(Action::DeputyVoice, &Resource::System, paths::DEPUTY)?
        .clone();
    let item = form
        .item
        .trim()
        .parse::<i64>()
        .map(ItemId::new)
        .map_err(|_| PageError::BadRequest("请从项目列表选择要关注的项目。".to_owned()))?;
    let on = form.follow == "1";
    state.store.follow_item(user.id, item, on).await?;
    let done = if on { "followed" } else { "unfollowed" };
    Ok(Redirect::to(&format!("{}?done={done}", paths::DEPUTY)).into_response())
}

// ---- deputies' comments on an item ----

pub(crate) struct CommentRow {
    pub(crate) name: String,
    pub(crate) date: String,
    pub(crate) text: String,
}

/// The deputies' comments (人大代表意见) under an item, and the form for a deputy; shown by
/// `vote_item_comments.html`, which `item.html` includes. Public: a deputy speaks on a public
/// commitment as the people's elected representative, to the people; the form says so
/// before anything is posted.
pub(crate) struct ItemComments {
    pub(crate) comments: Vec<CommentRow>,
    /// The form's action, for a deputy.
    pub(crate) form: Option<String>,
}

impl ItemComments {
    pub(crate) async fn load(
        state: &AppState,
        viewer: &Viewer,
        item: ItemId,
    ) -> Result<Self, PageError> {
        let comments = state
            .store
            .deputy_comments(item)
            .await?
            .into_iter()
            .map(|c| CommentRow {
                name: c.deputy_name,
                date: c.created_at.get(..10).unwrap_or(&c.created_at).to_owned(),
                text: c.text,
            })
            .collect();
        let form = can(viewer.user(), Action::DeputyVoice, &Resource::System)
            .then(|| paths::item_deputy_comments(item.get()));
        Ok(Self { comments, form })
    }
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct CommentForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    text: String,
}

/// `POST /items/{id}/deputy-comments`: a deputy's comment, shown at once under the item.
pub(crate) async fn comment(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(form): Form<CommentForm>,
) -> Result<Response, PageError> {
    viewer.check_csrf(&form.csrf)?;
    let here = paths::item(id);
    let user = viewer
        .require(Action::DeputyVoice, &Resource::System, &here)?
        .clone();
    let text = VoteText::body(&form.text).map_err(|_| {
        PageError::BadRequest("请填写意见内容（2000 字以内）。请返回修改后再提交。".to_owned())
    })?;
    state
        .store
        .add_deputy_comment(user.id, ItemId::new(id), text)
        .await?;
    Ok(Redirect::to(&format!("{here}#deputy-comments")).into_response())
}
