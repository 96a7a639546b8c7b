//! The satisfaction survey (满意度测评) in the pages: the supervisor opens one for a plan
//! (open to anyone, or by invitation codes printed for a sampled panel) and closes it; the
//! public rates from a phone without JavaScript, one rating per item per browser or code;
//! deputies rate signed in, one each; the results per item and per lead unit, by group, are
//! public once the survey is closed (the supervisor reads them, with the comments, while it
//! runs). Comments are never published: nobody moderates them.

use super::chrome::Chrome;
use super::error::PageError;
use super::form::FieldErrors;
use super::paths;
use super::session::Viewer;
use crate::abuse::{ClientAddr, Limit, PUBLIC_FORM_LIMIT};
use crate::standing::{joined_names, unit_names};
use crate::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::rejection::FormRejection;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE, HOST, SET_COOKIE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use shishi_core::{
    can, Action, Audience, ByGroup, Comment, InvitationCode, ItemId, Level, NewSurvey, PlanId,
    Rater, Rating, RatingTally, Resource, Survey, SurveyId, SurveyName, SurveyResults,
    SurveySummary, User,
};
use shishi_store::{Actor, RatingOutcome, StoreError, MAX_CODES_AT_ONCE};
use std::collections::{BTreeSet, HashMap};
use time::Date;

/// The cookie that keeps a browser's random rater id: a year, so the same phone is the same
/// rater for the whole survey. The store keeps only a hash of it, salted per survey.
const RATER_COOKIE: &str = "shishi_rater";

/// A rating form carries a choice and up to 100 characters of comment for each of ~50
/// items; urlencoded, a Chinese character takes 9 bytes, so a full form of comments is
/// about 50 KB. Eight public-form limits (128 KiB) leave room for plans of 100 items; more
/// than that is not a person rating.
const RATING_FORM_LIMIT: usize = 8 * PUBLIC_FORM_LIMIT;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route(paths::SURVEYS, get(list).post(open))
        .route(
            "/surveys/{id}",
            get(rating_page)
                .post(submit)
                .layer(DefaultBodyLimit::max(RATING_FORM_LIMIT)),
        )
        .route("/surveys/{id}/results", get(results))
        .route("/surveys/{id}/close", post(close))
        .route("/surveys/{id}/codes", post(generate_codes))
        .route("/surveys/{id}/codes.csv", post(codes_csv))
}

/// The survey's path id, or not found.
fn survey_id(raw: &str) -> Result<SurveyId, PageError> {
    raw.parse::<i64>()
        .map(SurveyId::new)
        .map_err(|_| PageError::NotFound(format!("survey {raw}")))
}

fn percent(share: Option<shishi_core::Share>) -> String {
    share.map_or_else(|| "—".to_owned(), |s| format!("{:.1}%", s.get() * 100.0))
}

fn closes_words(survey: &Survey) -> String {
    survey
        .closes_on()
        .map_or_else(|| "截止日期未定".to_owned(), |d| format!("{d} 截止"))
}

// ---------------------------------------------------------------------------------------
// The list, and opening a survey.

struct SurveyRow {
    name: String,
    plan: String,
    state: &'static str,
    closed: bool,
    accepting: bool,
    audience: &'static str,
    opened_on: String,
    closes: String,
    ratings: u64,
    codes: u64,
    href: String,
    results_href: String,
}

struct PlanChoice {
    id: i64,
    title: String,
    default_name: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "surveys.html")]
struct ListPage {
    chrome: Chrome,
    rows: Vec<SurveyRow>,
    admin: bool,
    plans: Vec<PlanChoice>,
    errors: FieldErrors,
    typed: OpenForm,
    done: Option<&'static str>,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct DoneQuery {
    #[serde(default)]
    done: String,
}

fn row(summary: &SurveySummary, plan: &str, today: Date) -> SurveyRow {
    let s = &summary.survey;
    let id = s.id().get();
    SurveyRow {
        name: s.name().as_str().to_owned(),
        plan: plan.to_owned(),
        state: s.label_zh(today),
        closed: s.is_closed(),
        accepting: s.accepts_ratings(today),
        audience: match s.audience() {
            Audience::Anyone => "公开参与",
            Audience::Invited => "凭邀请码",
        },
        opened_on: s.opened_on().to_string(),
        closes: closes_words(s),
        ratings: summary.ratings,
        codes: summary.codes,
        href: paths::survey(id),
        results_href: paths::survey_results(id),
    }
}

async fn list_page(
    state: &AppState,
    viewer: &Viewer,
    errors: FieldErrors,
    typed: OpenForm,
    done: Option<&'static str>,
) -> Result<ListPage, PageError> {
    let admin = can(viewer.user(), Action::RunSurvey, &Resource::System);
    let today = state.clock.today();
    let mut rows = Vec::new();
    let mut plans = Vec::new();
    for plan in state.store.plans().await? {
        let title = format!("{}年 {}", plan.year().get(), plan.title());
        for summary in state.store.surveys(plan.id()).await? {
            rows.push(row(&summary, &title, today));
        }
        plans.push(PlanChoice {
            id: plan.id().get(),
            default_name: format!("{}年民生实事项目群众满意度测评", plan.year().get()),
            title,
        });
    }
    Ok(ListPage {
        chrome: viewer.chrome("满意度测评"),
        rows,
        admin,
        plans,
        errors,
        typed,
        done,
    })
}

/// `GET /surveys`: every survey, open ones to take part in, closed ones with their results;
/// the supervisor also gets the form to open one.
pub(crate) async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<DoneQuery>,
) -> Result<Response, PageError> {
    viewer.require_public()?;
    let done = match query.done.as_str() {
        "closed" => Some("测评已结束，结果已公布。"),
        _ => None,
    };
    let page = list_page(
        &state,
        &viewer,
        FieldErrors::default(),
        OpenForm::default(),
        done,
    )
    .await?;
    Ok(page.into_response())
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct OpenForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    plan: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    audience: String,
    #[serde(default)]
    closes_on: String,
}

/// `POST /surveys`: opens a survey; the form again, with what is wrong, when it cannot be.
pub(crate) async fn open(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<OpenForm>,
) -> Result<Response, PageError> {
    viewer.check_csrf(&form.csrf)?;
    let user = viewer
        .require(Action::RunSurvey, &Resource::System, paths::SURVEYS)?
        .clone();
    let today = state.clock.today();
    let mut errors = FieldErrors::default();
    let plan = form.plan.trim().parse::<i64>().ok().map(PlanId::new);
    if plan.is_none() {
        errors.add("plan", "请选择测评的实事项目计划。");
    }
    let name = SurveyName::parse(&form.name)
        .map_err(|e| errors.add("name", e.to_string()))
        .ok();
    let audience = Audience::parse(form.audience.trim());
    if audience.is_none() {
        errors.add("audience", "请选择群众参与方式。");
    }
    let closes_on = match form.closes_on.trim() {
        "" => None,
        text => match parse_day(text) {
            Ok(day) if day < today => {
                errors.add("closes_on", format!("截止日期不能早于今天（{today}）。"));
                None
            }
            Ok(day) => Some(day),
            Err(_) => {
                errors.add("closes_on", "截止日期的格式如 2020-12-31，可不填。");
                None
            }
        },
    };
    let (Some(plan), Some(name), Some(audience), true) = (plan, name, audience, errors.is_empty())
    else {
        let page = list_page(&state, &viewer, errors, form, None).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    };
    let survey = state
        .store
        .open_survey(
            Actor::User(user.id),
            NewSurvey {
                plan,
                name,
                audience,
                closes_on,
            },
            today,
        )
        .await?;
    Ok(Redirect::to(&format!(
        "{}?done=opened",
        paths::survey_results(survey.id().get())
    ))
    .into_response())
}

/// A day written `YYYY-MM-DD`.
fn parse_day(text: &str) -> Result<Date, time::error::Parse> {
    Date::parse(
        text.trim(),
        time::macros::format_description!("[year]-[month]-[day]"),
    )
}

// ---------------------------------------------------------------------------------------
// Rating.

struct ChoiceBox {
    value: &'static str,
    label: &'static str,
    checked: bool,
}

struct ItemBox {
    id: i64,
    seq: u32,
    title: String,
    units: String,
    href: String,
    /// Rated already by this rater: shown as such, without the choices.
    rated: bool,
    choices: Vec<ChoiceBox>,
    comment: String,
    error: Option<String>,
}

/// What the viewer takes part as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Taking {
    /// The public, by browser.
    Browser,
    /// The public, with an invitation code.
    Code,
    Deputy,
    /// Signed in as staff: they run or answer for the list and do not rate it.
    Staff,
}

fn taking(user: Option<&User>, survey: &Survey) -> Taking {
    match user {
        Some(user) if can(Some(user), Action::DeputyVoice, &Resource::System) => Taking::Deputy,
        Some(_) => Taking::Staff,
        None if survey.audience() == Audience::Invited => Taking::Code,
        None => Taking::Browser,
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "survey_rate.html")]
struct RatePage {
    chrome: Chrome,
    id: i64,
    name: String,
    plan: String,
    closes: String,
    accepting: bool,
    closed: bool,
    results_href: String,
    taking_deputy: bool,
    staff: bool,
    needs_code: bool,
    code: String,
    /// The challenge's question and token, for the public.
    challenge: Option<(String, String)>,
    items: Vec<ItemBox>,
    rated_all: bool,
    errors: FieldErrors,
    done: Option<&'static str>,
    comment_max: usize,
}

/// What a person typed, to show again when a submission is refused.
#[derive(Debug, Default)]
struct Typed {
    levels: HashMap<i64, String>,
    comments: HashMap<i64, String>,
    code: String,
    item_errors: HashMap<i64, String>,
}

async fn rate_page(
    state: &AppState,
    viewer: &Viewer,
    survey: &Survey,
    rated: &BTreeSet<ItemId>,
    typed: Typed,
    errors: FieldErrors,
    csrf: String,
) -> Result<RatePage, PageError> {
    let today = state.clock.today();
    let snapshot = state.store.plan_snapshot(survey.plan()).await?;
    let detail = &snapshot.detail;
    let names = unit_names(detail);
    let mut entries: Vec<_> = detail.items.iter().map(|d| &d.item).collect();
    entries.sort_by_key(|i| i.seq);
    let items: Vec<ItemBox> = entries
        .into_iter()
        .map(|item| {
            let id = item.id.get();
            let chosen = typed.levels.get(&id).map(String::as_str).unwrap_or("");
            ItemBox {
                id,
                seq: item.seq,
                title: item.title.clone(),
                units: joined_names(&names, &item.lead_units),
                href: paths::item(id),
                rated: rated.contains(&item.id),
                choices: Level::ALL
                    .iter()
                    .map(|l| ChoiceBox {
                        value: l.as_str(),
                        label: l.label_zh(),
                        checked: chosen == l.as_str(),
                    })
                    .collect(),
                comment: typed.comments.get(&id).cloned().unwrap_or_default(),
                error: typed.item_errors.get(&id).cloned(),
            }
        })
        .collect();
    let who = taking(viewer.user(), survey);
    let public = matches!(who, Taking::Browser | Taking::Code);
    let accepting = survey.accepts_ratings(today);
    let mut chrome = viewer.chrome(survey.name().as_str());
    chrome.csrf = csrf;
    Ok(RatePage {
        chrome,
        id: survey.id().get(),
        name: survey.name().as_str().to_owned(),
        plan: format!("{}年 {}", detail.plan.year().get(), detail.plan.title()),
        closes: closes_words(survey),
        accepting,
        closed: survey.is_closed(),
        results_href: paths::survey_results(survey.id().get()),
        taking_deputy: who == Taking::Deputy,
        staff: who == Taking::Staff,
        needs_code: who == Taking::Code,
        code: typed.code,
        challenge: (public && accepting).then(|| {
            let c = state.guard.challenge();
            (c.question, c.token)
        }),
        rated_all: !items.is_empty() && items.iter().all(|i| i.rated),
        items,
        errors,
        done: None,
        comment_max: Comment::MAX_CHARS,
    })
}

/// The browser's rater id from its cookie, if it has one of the right shape.
fn rater_cookie(headers: &HeaderMap) -> Option<String> {
    super::session::cookie_value(headers, RATER_COOKIE)
        .filter(|v| v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()))
        .map(str::to_owned)
}

fn new_rater_cookie(headers: &HeaderMap) -> Result<(String, HeaderValue), PageError> {
    let id = super::session::random_token()?;
    let secure = headers
        .get("x-forwarded-proto")
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"https"));
    let mut text =
        format!("{RATER_COOKIE}={id}; Path=/surveys; HttpOnly; SameSite=Lax; Max-Age=31536000");
    if secure {
        text.push_str("; Secure");
    }
    let value = HeaderValue::from_str(&text).map_err(PageError::internal)?;
    Ok((id, value))
}

/// `GET /surveys/{id}`: the rating form; items this rater rated already are marked so.
pub(crate) async fn rating_page(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(query): Query<DoneQuery>,
) -> Result<Response, PageError> {
    viewer.require_public()?;
    let id = survey_id(&id)?;
    let survey = state.store.survey(id).await?;
    let (csrf, csrf_cookie) = viewer.visitor_csrf()?;
    let mut cookies = Vec::from_iter(csrf_cookie);
    let rater = match taking(viewer.user(), &survey) {
        Taking::Deputy => viewer.user().map(|u| Rater::Deputy(u.id)),
        Taking::Browser => match rater_cookie(&headers) {
            Some(key) => Some(Rater::Browser(key)),
            None => {
                let (_, cookie) = new_rater_cookie(&headers)?;
                cookies.push(cookie);
                None
            }
        },
        // A code is known only once typed; staff do not rate.
        Taking::Code | Taking::Staff => None,
    };
    let rated = match &rater {
        Some(rater) => state.store.rated_items(id, rater).await?,
        None => vec![],
    };
    let mut page = rate_page(
        &state,
        &viewer,
        &survey,
        &rated.into_iter().collect(),
        Typed::default(),
        FieldErrors::default(),
        csrf,
    )
    .await?;
    page.done = match query.done.as_str() {
        "rated" => Some("感谢您的评价！已提交的评价不能修改；还没有评价的项目可以继续评价。"),
        _ => None,
    };
    let mut response = page.into_response();
    for cookie in cookies {
        response.headers_mut().append(SET_COOKIE, cookie);
    }
    Ok(response)
}

/// A refused form: what was sent could not be read (too large, or not a form).
fn unreadable(rejection: FormRejection) -> Response {
    let too_large = rejection.status() == StatusCode::PAYLOAD_TOO_LARGE;
    let message = if too_large {
        format!(
            "提交的内容过长，没有保存。每项意见请控制在{}字以内后重新提交。",
            Comment::MAX_CHARS
        )
    } else {
        "提交的内容无法识别，没有保存。请回到测评页面重新填写。".to_owned()
    };
    let mut response = PageError::BadRequest(message).into_response();
    if too_large {
        *response.status_mut() = StatusCode::PAYLOAD_TOO_LARGE;
    }
    response
}

/// `POST /surveys/{id}`: one submission rating any number of items, stored whole or not at
/// all. The public's budget is taken first (one per item rated, before the database), then
/// the form's token, the challenge, the choices, and the write.
pub(crate) async fn submit(
    State(state): State<AppState>,
    viewer: Viewer,
    ClientAddr(addr): ClientAddr,
    headers: HeaderMap,
    Path(id): Path<String>,
    form: Result<Form<Vec<(String, String)>>, FormRejection>,
) -> Result<Response, PageError> {
    let fields = match form {
        Ok(Form(fields)) => fields,
        Err(rejection) => return Ok(unreadable(rejection)),
    };
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    };
    if viewer.user().is_none() {
        let rated = fields
            .iter()
            .filter(|(k, v)| k.starts_with('r') && !v.trim().is_empty())
            .count();
        for _ in 0..rated.max(1) {
            state
                .guard
                .admit(Limit::Rating, addr)
                .map_err(PageError::TooMany)?;
        }
    }
    viewer.check_csrf(field("csrf"))?;
    let id = survey_id(&id)?;
    let survey = state.store.survey(id).await?;
    let today = state.clock.today();
    if !survey.accepts_ratings(today) {
        return Err(ended());
    }
    let who = taking(viewer.user(), &survey);

    let mut errors = FieldErrors::default();
    let mut typed = Typed {
        code: field("code").to_owned(),
        ..Typed::default()
    };
    let rater = match who {
        Taking::Staff => {
            return Err(PageError::Conflict(
                "工作人员账号不参加满意度测评。人大代表请用代表账号登录；群众请退出登录后参加。"
                    .to_owned(),
            ))
        }
        Taking::Deputy => viewer.user().map(|u| Rater::Deputy(u.id)),
        Taking::Code => match InvitationCode::parse(field("code")) {
            Ok(code) => Some(Rater::Code(code)),
            Err(e) => {
                errors.add("code", e.to_string());
                None
            }
        },
        Taking::Browser => match rater_cookie(&headers) {
            Some(key) => Some(Rater::Browser(key)),
            None => {
                return Err(PageError::BadRequest(
                    "没有找到本浏览器的测评标识，评价没有保存。请允许浏览器保存 Cookie，重新打开测评页面后再提交。"
                        .to_owned(),
                ))
            }
        },
    };
    if matches!(who, Taking::Browser | Taking::Code) {
        if let Err(failed) = state
            .guard
            .check_answer(field("challenge"), field("answer"))
        {
            errors.add("answer", failed.to_string());
        }
    }

    let mut ratings = Vec::new();
    for (key, value) in &fields {
        let Some(item) = key.strip_prefix('r').and_then(|n| n.parse::<i64>().ok()) else {
            continue;
        };
        if value.trim().is_empty() {
            continue;
        }
        // A form put together by hand may name an item twice; a person's form cannot.
        if typed.levels.insert(item, value.clone()).is_some() {
            typed
                .item_errors
                .insert(item, "每个项目只能选择一个评价。".to_owned());
            continue;
        }
        let comment_text = field(&format!("c{item}"));
        let level = Level::parse(value);
        let comment = Comment::parse(comment_text);
        match (level, comment) {
            (Ok(level), Ok(comment)) => ratings.push(Rating {
                item: ItemId::new(item),
                level,
                comment,
            }),
            (Err(e), _) | (_, Err(e)) => {
                typed.item_errors.insert(item, e.to_string());
            }
        }
    }
    for (key, value) in &fields {
        if let Some(item) = key.strip_prefix('c').and_then(|n| n.parse::<i64>().ok()) {
            if !value.trim().is_empty() {
                typed.comments.insert(item, value.clone());
                if !typed.levels.contains_key(&item) {
                    typed
                        .item_errors
                        .insert(item, "写了意见的项目，请同时选择评价。".to_owned());
                }
            }
        }
    }
    if ratings.is_empty() && typed.item_errors.is_empty() {
        errors.add(
            "items",
            "请至少评价一个项目：在项目下选择“满意”“基本满意”或“不满意”。",
        );
    }
    if !typed.item_errors.is_empty() {
        errors.add("items", "有的项目没有填好，请按项目下的提示修改。");
    }

    let refuse = |rated: &[ItemId], typed: Typed, errors: FieldErrors, status: StatusCode| {
        let state = state.clone();
        let viewer = viewer.clone();
        let survey = survey.clone();
        let rated: BTreeSet<ItemId> = rated.iter().copied().collect();
        let csrf = field("csrf").to_owned();
        async move {
            let page = rate_page(&state, &viewer, &survey, &rated, typed, errors, csrf).await?;
            Ok::<_, PageError>((status, page).into_response())
        }
    };
    let Some(rater) = rater.filter(|_| errors.is_empty()) else {
        return refuse(&[], typed, errors, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let outcome = state.store.rate(id, rater.clone(), ratings, today).await?;
    match outcome {
        RatingOutcome::Stored { .. } => {
            Ok(Redirect::to(&format!("{}?done=rated", paths::survey(id.get()))).into_response())
        }
        RatingOutcome::Closed => Err(ended()),
        RatingOutcome::NotAdmitted => Err(PageError::Conflict(
            "该测评凭邀请码参与，请填写收到的邀请码。".to_owned(),
        )),
        RatingOutcome::UnknownCode => {
            errors.add(
                "code",
                "邀请码不对：请核对收到的邀请码（不区分大小写）。评价没有保存。",
            );
            refuse(&[], typed, errors, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        RatingOutcome::AlreadyRated(items) => {
            // The page marks them 您已评价过此项; the rest of the choices stay as typed.
            for item in &items {
                typed
                    .item_errors
                    .insert(item.get(), "您已评价过此项，每项只能评价一次。".to_owned());
                typed.levels.remove(&item.get());
                typed.comments.remove(&item.get());
            }
            errors.add(
                "items",
                "您已评价过其中的项目，本次评价没有保存。已评价的项目已标出，请重新提交其余项目。",
            );
            let rated = state.store.rated_items(id, &rater).await?;
            refuse(&rated, typed, errors, StatusCode::CONFLICT).await
        }
        RatingOutcome::NotInPlan(_) => Err(PageError::BadRequest(
            "所评项目不属于本次测评。请回到测评页面重新填写。".to_owned(),
        )),
    }
}

fn ended() -> PageError {
    PageError::Conflict(
        "该测评已结束，不再接受评价。感谢您的关注，结果可在测评页面查看。".to_owned(),
    )
}

// ---------------------------------------------------------------------------------------
// Results.

struct GroupCells {
    satisfied: u64,
    basic: u64,
    dissatisfied: u64,
    total: u64,
    share: String,
}

impl GroupCells {
    fn of(t: &RatingTally) -> Self {
        Self {
            satisfied: t.satisfied,
            basic: t.basic,
            dissatisfied: t.dissatisfied,
            total: t.total(),
            share: percent(t.share()),
        }
    }
}

struct ResultRow {
    label: String,
    href: Option<String>,
    detail: String,
    public: GroupCells,
    deputies: GroupCells,
    combined: String,
}

fn result_row(label: String, href: Option<String>, detail: String, tally: &ByGroup) -> ResultRow {
    ResultRow {
        label,
        href,
        detail,
        public: GroupCells::of(&tally.public),
        deputies: GroupCells::of(&tally.deputies),
        combined: percent(tally.share()),
    }
}

struct CommentRow {
    item: String,
    group: &'static str,
    level: &'static str,
    comment: String,
    at: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "survey_results.html")]
struct ResultsPage {
    chrome: Chrome,
    id: i64,
    name: String,
    plan: String,
    state: &'static str,
    audience: &'static str,
    opened_on: String,
    closed_on: Option<String>,
    closes: String,
    /// Figures are shown: the survey is closed, or the viewer runs it.
    shown: bool,
    admin: bool,
    open: bool,
    invited: bool,
    codes: u64,
    max_codes: usize,
    totals: ByGroup,
    units: Vec<ResultRow>,
    items: Vec<ResultRow>,
    comments: Vec<CommentRow>,
    rate_href: String,
    done: Option<&'static str>,
    error: Option<String>,
}

/// `GET /surveys/{id}/results`: public once the survey is closed; the supervisor reads them
/// (and the comments) while it runs.
pub(crate) async fn results(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Query(query): Query<DoneQuery>,
) -> Result<Response, PageError> {
    viewer.require_public()?;
    let id = survey_id(&id)?;
    let done = match query.done.as_str() {
        "opened" => Some("测评已开始。群众和人大代表可在“满意度测评”页面参加。"),
        "closed" => Some("测评已结束，结果已固定并向公众公布，年终考核将采用本次结果。"),
        _ => None,
    };
    let page = results_page(&state, &viewer, id, done, None).await?;
    Ok(page.into_response())
}

async fn results_page(
    state: &AppState,
    viewer: &Viewer,
    id: SurveyId,
    done: Option<&'static str>,
    error: Option<String>,
) -> Result<ResultsPage, PageError> {
    let admin = can(viewer.user(), Action::RunSurvey, &Resource::System);
    let results: SurveyResults = state.store.survey_results(id).await?;
    let survey = &results.survey;
    let shown = survey.is_closed() || admin;
    let snapshot = state.store.plan_snapshot(survey.plan()).await?;
    let detail = &snapshot.detail;
    let names = unit_names(detail);
    let seq: HashMap<ItemId, u32> = results.items.iter().map(|i| (i.item, i.seq)).collect();
    let (units, items, comments, totals) = if shown {
        let units = results
            .units
            .iter()
            .map(|u| {
                result_row(
                    u.name.clone(),
                    None,
                    format!("牵头项目{}项", u.items.len()),
                    &u.tally,
                )
            })
            .collect();
        let items = results
            .items
            .iter()
            .map(|i| {
                result_row(
                    format!("{}. {}", i.seq, i.title),
                    Some(paths::item(i.item.get())),
                    joined_names(&names, &i.lead_units),
                    &i.tally,
                )
            })
            .collect();
        let comments = if admin {
            state
                .store
                .survey_comments(id)
                .await?
                .into_iter()
                .map(|c| CommentRow {
                    item: seq
                        .get(&c.item)
                        .map_or_else(|| c.item.to_string(), |s| format!("第{s}项")),
                    group: c.group.label_zh(),
                    level: c.level.label_zh(),
                    comment: c.comment,
                    at: c.at.chars().take(10).collect(),
                })
                .collect()
        } else {
            vec![]
        };
        (units, items, comments, results.totals())
    } else {
        (vec![], vec![], vec![], ByGroup::default())
    };
    let codes = if admin && survey.audience() == Audience::Invited {
        state
            .store
            .surveys(survey.plan())
            .await?
            .iter()
            .find(|s| s.survey.id() == id)
            .map_or(0, |s| s.codes)
    } else {
        0
    };
    Ok(ResultsPage {
        chrome: viewer.chrome(format!("{} · 结果", survey.name().as_str())),
        id: id.get(),
        name: survey.name().as_str().to_owned(),
        plan: format!("{}年 {}", detail.plan.year().get(), detail.plan.title()),
        state: survey.label_zh(state.clock.today()),
        audience: survey.audience().label_zh(),
        opened_on: survey.opened_on().to_string(),
        closed_on: match survey.state() {
            shishi_core::SurveyState::Closed { on } => Some(on.to_string()),
            shishi_core::SurveyState::Open => None,
        },
        closes: closes_words(survey),
        shown,
        admin,
        open: !survey.is_closed(),
        invited: survey.audience() == Audience::Invited,
        codes,
        max_codes: MAX_CODES_AT_ONCE,
        totals,
        units,
        items,
        comments,
        rate_href: paths::survey(id.get()),
        done,
        error,
    })
}

// ---------------------------------------------------------------------------------------
// The supervisor's steps: close, codes.

#[derive(Debug, Default, Deserialize)]
pub(crate) struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

/// The supervisor, once the form's token is checked.
fn supervisor<'a>(viewer: &'a Viewer, csrf: &str, here: &str) -> Result<&'a User, PageError> {
    viewer.check_csrf(csrf)?;
    viewer.require(Action::RunSurvey, &Resource::System, here)
}

/// `POST /surveys/{id}/close`: closes the survey for good.
pub(crate) async fn close(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, PageError> {
    let id = survey_id(&id)?;
    let user = supervisor(&viewer, &form.csrf, &paths::survey_results(id.get()))?;
    match state
        .store
        .close_survey(Actor::User(user.id), id, state.clock.today())
        .await
    {
        Ok(_) => {}
        Err(StoreError::Conflict(_)) => {
            return Err(PageError::Conflict(
                "该测评已经结束，结果已固定。".to_owned(),
            ))
        }
        Err(e) => return Err(e.into()),
    }
    Ok(Redirect::to(&format!("{}?done=closed", paths::survey_results(id.get()))).into_response())
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct CodesForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    count: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "survey_codes.html")]
struct CodesPage {
    chrome: Chrome,
    id: i64,
    name: String,
    codes: Vec<String>,
    joined: String,
    total: u64,
    rate_href: String,
    results_href: String,
}

fn draw_codes(n: usize) -> Result<Vec<InvitationCode>, PageError> {
    let mut random = vec![0u8; n * InvitationCode::LEN];
    getrandom::getrandom(&mut random).map_err(|e| PageError::internal(std::io::Error::other(e)))?;
    Ok(random
        .chunks_exact(InvitationCode::LEN)
        .map(|chunk| {
            let mut bytes = [0u8; InvitationCode::LEN];
            bytes.copy_from_slice(chunk);
            InvitationCode::from_random(bytes)
        })
        .collect())
}

/// `POST /surveys/{id}/codes`: draws fresh codes, keeps their hashes, and shows the codes
/// this once, with a download to print.
pub(crate) async fn generate_codes(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(form): Form<CodesForm>,
) -> Result<Response, PageError> {
    let id = survey_id(&id)?;
    let user = supervisor(&viewer, &form.csrf, &paths::survey_results(id.get()))?.clone();
    let n = match form.count.trim().parse::<usize>() {
        Ok(n) if (1..=MAX_CODES_AT_ONCE).contains(&n) => n,
        _ => {
            let error = format!("邀请码数量应为1至{MAX_CODES_AT_ONCE}的整数。");
            let page = results_page(&state, &viewer, id, None, Some(error)).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    let mut codes = draw_codes(n)?;
    let mut total = state
        .store
        .add_survey_codes(Actor::User(user.id), id, codes.clone())
        .await;
    if let Err(StoreError::Conflict(_)) = &total {
        // A code drawn twice (about one chance in 2^50 per pair) fails the batch; draw again.
        if !state.store.survey(id).await?.is_closed() {
            codes = draw_codes(n)?;
            total = state
                .store
                .add_survey_codes(Actor::User(user.id), id, codes.clone())
                .await;
        }
    }
    let total = total?;
    let survey = state.store.survey(id).await?;
    let shown: Vec<String> = codes.iter().map(InvitationCode::display).collect();
    let mut response = CodesPage {
        chrome: viewer.chrome("邀请码"),
        id: id.get(),
        name: survey.name().as_str().to_owned(),
        joined: shown.join(" "),
        codes: shown,
        total,
        rate_href: paths::survey(id.get()),
        results_href: paths::survey_results(id.get()),
    }
    .into_response();
    // The codes are on this page only: no copy in any cache.
    response.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        HeaderValue::from_static("no-store"),
    );
    Ok(response)
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct CsvForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    codes: String,
}

/// `POST /surveys/{id}/codes.csv`: the codes just shown, as a list to print (UTF-8 with a
/// byte-order mark, which Excel needs to read Chinese). The server has only their hashes, so
/// the page posts them back; only well-formed codes are written out.
pub(crate) async fn codes_csv(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<CsvForm>,
) -> Result<Response, PageError> {
    let id = survey_id(&id)?;
    supervisor(&viewer, &form.csrf, &paths::survey_results(id.get()))?;
    let survey = state.store.survey(id).await?;
    let codes: Vec<InvitationCode> = form
        .codes
        .split_whitespace()
        .map(InvitationCode::parse)
        .collect::<Result<_, _>>()
        .map_err(|e| PageError::BadRequest(e.to_string()))?;
    let host = headers
        .get(HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            h.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
        })
        .unwrap_or("");
    let scheme = if headers
        .get("x-forwarded-proto")
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"https"))
    {
        "https"
    } else {
        "http"
    };
    let link = format!("{scheme}://{host}{}", paths::survey(id.get()));
    // The name is the supervisor's own text: quoted, quotes doubled, and a leading = + - @
    // defused so a spreadsheet does not take it for a formula.
    let mut name = survey.name().as_str().replace('"', "\"\"");
    if name.starts_with(['=', '+', '-', '@']) {
        name.insert(0, '\'');
    }
    let mut csv = String::from("\u{feff}序号,邀请码,测评名称,参加网址\r\n");
    for (n, code) in codes.iter().enumerate() {
        csv.push_str(&format!(
            "{},{},\"{name}\",{link}\r\n",
            n + 1,
            code.display()
        ));
    }
    let mut response = csv.into_response();
    let h = response.headers_mut();
    h.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    h.insert(
        CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"survey-codes.csv\""),
    );
    h.insert(
        axum::http::header::CACHE_CONTROL,
        HeaderValue::from_static("no-store"),
    );
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::header::COOKIE;

    #[test]
    fn only_a_well_formed_rater_cookie_is_taken() {
        let mut headers = HeaderMap::new();
        headers.insert(
            COOKIE,
            HeaderValue::from_static("a=b; shishi_rater=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"),
        );
        assert_eq!(rater_cookie(&headers).map(|k| k.len()), Some(64));
        let mut bad = HeaderMap::new();
        bad.insert(COOKIE, HeaderValue::from_static("shishi_rater=x' or 1=1"));
        assert_eq!(rater_cookie(&bad), None);
    }
}
