//! The public's messages (群众留言) in the pages: the form and the published messages under
//! each item, the supervisor's moderation queue (`/feedback`, read by leaders and deputies
//! too), and the lead unit's list to answer (`/my/feedback`).
//!
//! A public post goes through the abuse limits (`crate::abuse`) in this order: the address's
//! budget (in memory, before anything else), the body's size, the CSRF token, the challenge,
//! then the fields; only then is anything written. The contact a person leaves is shown only
//! to the supervisor and the item's lead units ([`shishi_core::sees_contact`]).

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
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use shishi_core::{
    can, check, sees_contact, Action, AnswerState, AnswerText, Feedback, FeedbackError, FeedbackId,
    ItemId, Moderation, NewFeedback, PlanId, Reason, Resource, UnitId, User,
};
use shishi_store::{Actor, PlanSnapshot};
use std::collections::HashMap;
use std::sync::Arc;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/items/{id}/feedback",
            post(post_message).layer(DefaultBodyLimit::max(PUBLIC_FORM_LIMIT)),
        )
        .route("/items/{id}/feedback/sent", get(sent))
        .route(paths::FEEDBACK, get(queue))
        .route(paths::MY_FEEDBACK, get(mine))
        .route("/feedback/{id}/publish", post(publish))
        .route("/feedback/{id}/hide", post(hide))
        .route("/feedback/{id}/answer", post(answer))
        .route("/feedback/{id}/approve-answer", post(approve_answer))
        .route("/feedback/{id}/return-answer", post(return_answer))
}

/// What a person reads for a refused field, in Chinese.
fn words(error: &FeedbackError) -> String {
    use shishi_core::feedback::{
        Field, MAX_ANSWER_CHARS, MAX_CONTACT_CHARS, MAX_MESSAGE_CHARS, MAX_NAME_CHARS,
    };
    match error {
        FeedbackError::Empty(Field::Text) => "请填写留言内容。".to_owned(),
        FeedbackError::Empty(Field::Answer) => "请填写答复内容。".to_owned(),
        FeedbackError::Empty(_) => "此项不能为空。".to_owned(),
        FeedbackError::TooLong { field, chars, .. } => {
            let (what, max) = match field {
                Field::Text => ("留言", MAX_MESSAGE_CHARS),
                Field::Name => ("姓名", MAX_NAME_CHARS),
                Field::Contact => ("联系方式", MAX_CONTACT_CHARS),
                Field::Answer => ("答复", MAX_ANSWER_CHARS),
            };
            format!("{what}最多 {max} 字，现有 {chars} 字，请删减后再提交。")
        }
        FeedbackError::ControlCharacter { field, .. } => {
            let what = match field {
                Field::Text => "留言",
                Field::Name => "姓名",
                Field::Contact => "联系方式",
                Field::Answer => "答复",
            };
            format!("{what}中含有不可见的控制字符（或换行），请删除后再提交；从别处复制的文字常带有这类字符。")
        }
        FeedbackError::NotAnswerable => {
            "该留言目前不能答复：只有已公开且尚无待审或已公开答复的留言可以答复。".to_owned()
        }
        FeedbackError::NoPendingAnswer => "该留言没有待审核的答复。".to_owned(),
        FeedbackError::UnitNotLead => "只有该项目的牵头单位可以答复。".to_owned(),
        FeedbackError::IllegalTransition { .. } | FeedbackError::InvalidAnswers => {
            "该留言的状态已变化，可能已由他人处理。请刷新页面。".to_owned()
        }
    }
}

// ---------------------------------------------------------------------------------------
// The item page's part: published messages and the form.

/// The form to leave a message, as typed so far.
pub(crate) struct MessageForm {
    pub(crate) action: String,
    pub(crate) csrf: String,
    /// The challenge for the public (`None` when signed in): the question and its token.
    pub(crate) question: Option<String>,
    pub(crate) challenge: String,
    pub(crate) text: String,
    pub(crate) name: String,
    pub(crate) contact: String,
    pub(crate) errors: FieldErrors,
}

/// A published message as the public reads it.
pub(crate) struct PublicMessage {
    pub(crate) id: i64,
    pub(crate) text: String,
    pub(crate) name: String,
    pub(crate) posted_on: String,
    /// The approved answer: the unit's name, the text, the day approved.
    pub(crate) answer: Option<(String, String, String)>,
}

/// The item page's messages and form.
pub(crate) struct ItemFeedback {
    pub(crate) messages: Vec<PublicMessage>,
    pub(crate) form: MessageForm,
    /// The visitor's CSRF cookie, when they had none yet.
    set_cookie: Option<HeaderValue>,
}

impl ItemFeedback {
    /// The visitor's new CSRF cookie, for [`with_cookie`], when they had none yet.
    pub(crate) fn cookie(&self) -> Option<HeaderValue> {
        self.set_cookie.clone()
    }
}

/// Sets the visitor's CSRF cookie on a page's response, if there is a new one.
pub(crate) fn with_cookie(mut response: Response, cookie: Option<HeaderValue>) -> Response {
    if let Some(cookie) = cookie {
        response.headers_mut().append(SET_COOKIE, cookie);
    }
    response
}

fn empty_form(state: &AppState, viewer: &Viewer, item: ItemId, csrf: String) -> MessageForm {
    let challenge = viewer.user().is_none().then(|| state.guard.challenge());
    MessageForm {
        action: paths::item_feedback(item.get()),
        csrf,
        question: challenge.as_ref().map(|c| c.question.clone()),
        challenge: challenge.map(|c| c.token).unwrap_or_default(),
        text: String::new(),
        name: String::new(),
        contact: String::new(),
        errors: FieldErrors::default(),
    }
}

/// The published messages of `item` (newest first, with their approved answers) and an
/// empty form, for the item page. `names` are the plan's unit names.
pub(crate) async fn for_item(
    state: &AppState,
    viewer: &Viewer,
    item: ItemId,
    names: &HashMap<UnitId, String>,
) -> Result<ItemFeedback, PageError> {
    let (csrf, set_cookie) = viewer.visitor_csrf()?;
    let messages = state
        .store
        .public_feedback_for_item(item)
        .await?
        .iter()
        .map(|m| public_message(m, names))
        .collect();
    Ok(ItemFeedback {
        messages,
        form: empty_form(state, viewer, item, csrf),
        set_cookie,
    })
}

fn public_message(message: &Feedback, names: &HashMap<UnitId, String>) -> PublicMessage {
    PublicMessage {
        id: message.id().get(),
        text: message.text().as_str().to_owned(),
        name: message
            .name()
            .map(|n| n.as_str().to_owned())
            .unwrap_or_else(|| "匿名".to_owned()),
        posted_on: message.posted_on().to_string(),
        answer: message.public_answer().map(|a| {
            let on = match &a.state {
                AnswerState::Approved { on } => on.to_string(),
                _ => String::new(),
            };
            (
                names.get(&a.unit).cloned().unwrap_or_default(),
                a.text.as_str().to_owned(),
                on,
            )
        }),
    }
}

/// What the form holds, for the form page's include (the same names as the item page's).
struct FormOnly {
    form: MessageForm,
}

#[derive(Template, WebTemplate)]
#[template(path = "feedback_form.html")]
struct FormPage {
    chrome: Chrome,
    item_title: String,
    item_href: String,
    feedback: FormOnly,
}

#[derive(Deserialize)]
pub(crate) struct PostForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    contact: String,
    #[serde(default)]
    challenge: String,
    #[serde(default)]
    answer: String,
}

/// The item's title and page, for the form page; an unknown item is a bad request here.
async fn item_title(state: &AppState, item: ItemId) -> Result<(String, String), PageError> {
    let unknown = || PageError::BadRequest("留言的项目不存在，请从项目页面留言。".to_owned());
    let plan = match state.store.item_plan(item).await {
        Ok(plan) => plan,
        Err(shishi_store::StoreError::NotFound(_)) => return Err(unknown()),
        Err(other) => return Err(other.into()),
    };
    let snapshot = state.store.plan_snapshot(plan).await?;
    let entry = snapshot
        .detail
        .items
        .iter()
        .find(|e| e.item.id == item)
        .ok_or_else(unknown)?;
    Ok((
        format!("{}. {}", entry.item.seq, entry.item.title),
        paths::item(item.get()),
    ))
}

/// `POST /items/{id}/feedback`: a message from the public (or a signed-in user), stored
/// pending moderation; the form again, with what is wrong and what was typed, when refused.
pub(crate) async fn post_message(
    State(state): State<AppState>,
    viewer: Viewer,
    ClientAddr(addr): ClientAddr,
    Path(id): Path<i64>,
    form: Result<Form<PostForm>, FormRejection>,
) -> Result<Response, PageError> {
    let public = viewer.user().is_none();
    // The budget first: a flood from one address is refused in memory, before the body is
    // looked at or the database touched.
    if public {
        state
            .guard
            .admit(Limit::Feedback, addr)
            .map_err(PageError::TooMany)?;
    }
    let Form(form) = form.map_err(|rejection| {
        if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
            PageError::TooLarge
        } else {
            PageError::BadRequest("无法读取提交的留言，请从项目页面重新填写。".to_owned())
        }
    })?;
    viewer.check_csrf(&form.csrf)?;
    let item = ItemId::new(id);
    let mut errors = FieldErrors::default();
    if public {
        if let Err(failed) = state.guard.check_answer(&form.challenge, &form.answer) {
            errors.add("answer", failed.to_string());
        }
    }
    let (item_title, item_href) = item_title(&state, item).await?;
    let posted_by = viewer.user().map(|u| u.id);
    let parsed = NewFeedback::parse(item, &form.text, &form.name, &form.contact, posted_by);
    if let Err(refused) = &parsed {
        for error in refused {
            if let Some(field) = error.field() {
                errors.add(field.name(), words(error));
            }
        }
    }
    let new = match parsed {
        Ok(new) if errors.is_empty() => new,
        _ => {
            // A fresh challenge: the one answered is used up, or was wrong.
            let mut again = empty_form(&state, &viewer, item, form.csrf.clone());
            again.text = form.text;
            again.name = form.name;
            again.contact = form.contact;
            again.errors = errors;
            let page = FormPage {
                chrome: viewer.chrome("留言未提交"),
                item_title,
                item_href,
                feedback: FormOnly { form: again },
            };
            return Ok((StatusCode::BAD_REQUEST, page).into_response());
        }
    };
    let actor = match viewer.user() {
        Some(user) => Actor::User(user.id),
        // Someone of the public, not signed in: the audit event says so ("public").
        None => Actor::Public,
    };
    state
        .store
        .post_feedback(actor, new, state.clock.today())
        .await?;
    Ok(Redirect::to(&paths::item_feedback_sent(id)).into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "feedback_sent.html")]
struct SentPage {
    chrome: Chrome,
    item_title: String,
    item_href: String,
}

/// `GET /items/{id}/feedback/sent`: the message waits for moderation.
pub(crate) async fn sent(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    viewer.require_public()?;
    let (item_title, item_href) = item_title(&state, ItemId::new(id)).await?;
    Ok(SentPage {
        chrome: viewer.chrome("留言已提交"),
        item_title,
        item_href,
    }
    .into_response())
}

// ---------------------------------------------------------------------------------------
// The supervisor's queue and the unit's list.

/// Items by id across plans: title, page and lead units, from the shared snapshots.
#[derive(Default)]
struct Items {
    plans: HashMap<PlanId, Arc<PlanSnapshot>>,
}

impl Items {
    async fn load(&mut self, state: &AppState, plan: PlanId) -> Result<&PlanSnapshot, PageError> {
        use std::collections::hash_map::Entry;
        let snapshot: &Arc<PlanSnapshot> = match self.plans.entry(plan) {
            Entry::Occupied(known) => known.into_mut(),
            Entry::Vacant(place) => place.insert(state.store.plan_snapshot(plan).await?),
        };
        Ok(snapshot)
    }
}

/// A message as the queue and the unit's list show it.
struct Row {
    id: i64,
    item: String,
    item_href: String,
    lead_units: String,
    text: String,
    name: String,
    /// Only for those who may see it.
    contact: Option<String>,
    posted_on: String,
    state: &'static str,
    state_label: &'static str,
    /// Why and when it was hidden.
    hidden: Option<(String, String)>,
    answers: Vec<AnswerRow>,
    /// The supervisor's forms: publish/hide while pending or published, and the decision on
    /// a waiting answer.
    may_publish: bool,
    may_hide: bool,
    may_decide: bool,
    /// The answer form, for the lead unit while the message awaits an answer.
    may_answer: bool,
}

struct AnswerRow {
    number: u32,
    unit: String,
    text: String,
    answered_on: String,
    state_label: &'static str,
    returned: Option<(String, String)>,
}

async fn row(
    state: &AppState,
    items: &mut Items,
    user: &User,
    message: &Feedback,
) -> Result<Row, PageError> {
    let snapshot = items.load(state, message.plan()).await?;
    let names = unit_names(&snapshot.detail);
    let entry = snapshot
        .detail
        .items
        .iter()
        .find(|e| e.item.id == message.item());
    let lead_units: &[UnitId] = entry.map(|e| e.item.lead_units.as_slice()).unwrap_or(&[]);
    let moderate = can(Some(user), Action::ModerateFeedback, &Resource::System);
    let answerable = can(
        Some(user),
        Action::AnswerFeedback,
        &Resource::Feedback { lead_units },
    ) && user.unit.is_some();
    Ok(Row {
        id: message.id().get(),
        item: entry
            .map(|e| format!("{}. {}", e.item.seq, e.item.title))
            .unwrap_or_default(),
        item_href: paths::item(message.item().get()),
        lead_units: joined_names(&names, lead_units),
        text: message.text().as_str().to_owned(),
        name: message
            .name()
            .map(|n| n.as_str().to_owned())
            .unwrap_or_else(|| "匿名".to_owned()),
        contact: if sees_contact(Some(user), lead_units) {
            message.contact().map(|c| c.as_str().to_owned())
        } else {
            None
        },
        posted_on: message.posted_on().to_string(),
        state: message.moderation().name(),
        state_label: message.moderation().label_zh(),
        hidden: match message.moderation() {
            Moderation::Hidden { reason, on, .. } => {
                Some((reason.as_str().to_owned(), on.to_string()))
            }
            _ => None,
        },
        answers: message
            .answers()
            .iter()
            .map(|a| AnswerRow {
                number: a.number,
                unit: names.get(&a.unit).cloned().unwrap_or_default(),
                text: a.text.as_str().to_owned(),
                answered_on: a.answered_on.to_string(),
                state_label: a.state.label_zh(),
                returned: match &a.state {
                    AnswerState::Returned { reason, on } => {
                        Some((reason.as_str().to_owned(), on.to_string()))
                    }
                    _ => None,
                },
            })
            .collect(),
        may_publish: moderate && *message.moderation() == Moderation::Pending,
        may_hide: moderate && !matches!(message.moderation(), Moderation::Hidden { .. }),
        may_decide: moderate && message.pending_answer().is_some(),
        may_answer: answerable && message.awaits_answer(),
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "feedback_queue.html")]
struct QueuePage {
    chrome: Chrome,
    heading: &'static str,
    /// The unit's list rather than the supervisor's queue.
    mine: bool,
    done: Option<&'static str>,
    /// A refused decision: the message it was about, and why.
    error: Option<(i64, String)>,
    typed: String,
    pending: Vec<Row>,
    answers: Vec<Row>,
    published: Vec<Row>,
    hidden: Vec<Row>,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct DoneQuery {
    #[serde(default)]
    done: String,
}

fn done_words(done: &str) -> Option<&'static str> {
    match done {
        "published" => Some("留言已公开。"),
        "hidden" => Some("留言已隐藏，原因已记录。"),
        "approved" => Some("答复已公开，显示在留言下方。"),
        "returned" => Some("答复已退回，承办单位将看到退回原因。"),
        "answered" => Some("答复已提交，督查室审核后公开。"),
        _ => None,
    }
}

async fn queue_page(
    state: &AppState,
    viewer: &Viewer,
    user: &User,
    messages: Vec<Feedback>,
    mine: bool,
    error: Option<(i64, String)>,
    typed: String,
) -> Result<QueuePage, PageError> {
    let mut items = Items::default();
    let mut page = QueuePage {
        chrome: viewer.chrome(if mine {
            "本单位群众留言"
        } else {
            "群众留言"
        }),
        heading: if mine {
            "本单位群众留言"
        } else {
            "群众留言审核"
        },
        mine,
        done: None,
        error,
        typed,
        pending: Vec::new(),
        answers: Vec::new(),
        published: Vec::new(),
        hidden: Vec::new(),
    };
    for message in &messages {
        let row = row(state, &mut items, user, message).await?;
        match message.moderation() {
            Moderation::Pending => page.pending.push(row),
            Moderation::Published { .. } if message.pending_answer().is_some() && !mine => {
                page.answers.push(row)
            }
            Moderation::Published { .. } => page.published.push(row),
            Moderation::Hidden { .. } => page.hidden.push(row),
        }
    }
    // Oldest first where someone must act, so nobody waits longest; newest first otherwise.
    page.pending.reverse();
    page.answers.reverse();
    Ok(page)
}

async fn all_messages(state: &AppState) -> Result<Vec<Feedback>, PageError> {
    let mut messages = Vec::new();
    for plan in state.store.plans().await? {
        messages.extend(state.store.feedback_for_plan(plan.id()).await?);
    }
    messages.sort_by_key(|m| std::cmp::Reverse(m.id()));
    Ok(messages)
}

/// `GET /feedback`: the moderation queue; the supervisor acts, leaders and deputies read
/// (without the contacts).
pub(crate) async fn queue(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<DoneQuery>,
) -> Result<Response, PageError> {
    let user = viewer.require(Action::ViewInternal, &Resource::System, paths::FEEDBACK)?;
    let messages = all_messages(&state).await?;
    let mut page = queue_page(&state, &viewer, user, messages, false, None, String::new()).await?;
    page.done = done_words(&query.done);
    Ok(page.into_response())
}

/// `GET /my/feedback`: the published messages on the items the viewer's unit leads, with the
/// answer form.
pub(crate) async fn mine(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<DoneQuery>,
) -> Result<Response, PageError> {
    let user = viewer.signed_in(paths::MY_FEEDBACK)?;
    let unit = user.unit.ok_or(shishi_core::Denied::NoUnit)?;
    check(
        Some(user),
        Action::ViewInternal,
        &Resource::Feedback {
            lead_units: &[unit],
        },
    )?;
    let messages = state.store.feedback_for_unit(unit).await?;
    let mut page = queue_page(&state, &viewer, user, messages, true, None, String::new()).await?;
    page.done = done_words(&query.done);
    Ok(page.into_response())
}

#[derive(Deserialize)]
pub(crate) struct TextForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    text: String,
}

/// The signed-in user allowed to moderate, once the form's token is checked.
fn moderator(viewer: &Viewer, csrf: &str) -> Result<User, PageError> {
    viewer.check_csrf(csrf)?;
    Ok(viewer
        .require(Action::ModerateFeedback, &Resource::System, paths::FEEDBACK)?
        .clone())
}

/// The queue again, with why a decision on message `id` was refused (422).
async fn refused_in_queue(
    state: &AppState,
    viewer: &Viewer,
    user: &User,
    id: i64,
    message: String,
    typed: String,
) -> Result<Response, PageError> {
    let messages = all_messages(state).await?;
    let page = queue_page(
        state,
        viewer,
        user,
        messages,
        false,
        Some((id, message)),
        typed,
    )
    .await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

fn done(to: &str, what: &str, id: i64) -> Response {
    Redirect::to(&format!("{to}?done={what}#feedback-{id}")).into_response()
}

/// A refusal of the core rules on a move that was offered: someone else acted first.
fn not_now(error: shishi_store::StoreError) -> PageError {
    match error {
        shishi_store::StoreError::Domain(shishi_core::Error::Feedback(e)) => {
            PageError::Conflict(words(&e))
        }
        other => other.into(),
    }
}

/// `POST /feedback/{id}/publish`.
pub(crate) async fn publish(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(form): Form<TextForm>,
) -> Result<Response, PageError> {
    let user = moderator(&viewer, &form.csrf)?;
    state
        .store
        .publish_feedback(
            Actor::User(user.id),
            FeedbackId::new(id),
            state.clock.today(),
        )
        .await
        .map_err(not_now)?;
    Ok(done(paths::FEEDBACK, "published", id))
}

/// `POST /feedback/{id}/hide`: with a reason; refused, changing nothing, without one.
pub(crate) async fn hide(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(form): Form<TextForm>,
) -> Result<Response, PageError> {
    let user = moderator(&viewer, &form.csrf)?;
    let Ok(reason) = Reason::parse(&form.text) else {
        return refused_in_queue(
            &state,
            &viewer,
            &user,
            id,
            "隐藏留言须填写原因（如：含有他人隐私、广告、与项目无关）。".to_owned(),
            form.text,
        )
        .await;
    };
    state
        .store
        .hide_feedback(
            Actor::User(user.id),
            FeedbackId::new(id),
            reason,
            state.clock.today(),
        )
        .await
        .map_err(not_now)?;
    Ok(done(paths::FEEDBACK, "hidden", id))
}

/// `POST /feedback/{id}/approve-answer`.
pub(crate) async fn approve_answer(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(form): Form<TextForm>,
) -> Result<Response, PageError> {
    let user = moderator(&viewer, &form.csrf)?;
    state
        .store
        .approve_feedback_answer(
            Actor::User(user.id),
            FeedbackId::new(id),
            state.clock.today(),
        )
        .await
        .map_err(not_now)?;
    Ok(done(paths::FEEDBACK, "approved", id))
}

/// `POST /feedback/{id}/return-answer`: with a reason; refused, changing nothing, without.
pub(crate) async fn return_answer(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(form): Form<TextForm>,
) -> Result<Response, PageError> {
    let user = moderator(&viewer, &form.csrf)?;
    let Ok(reason) = Reason::parse(&form.text) else {
        return refused_in_queue(
            &state,
            &viewer,
            &user,
            id,
            "退回答复须填写原因，告诉承办单位还需要说明什么。".to_owned(),
            form.text,
        )
        .await;
    };
    state
        .store
        .return_feedback_answer(
            Actor::User(user.id),
            FeedbackId::new(id),
            reason,
            state.clock.today(),
        )
        .await
        .map_err(not_now)?;
    Ok(done(paths::FEEDBACK, "returned", id))
}

/// `POST /feedback/{id}/answer`: the lead unit's answer, for the supervisor to approve.
pub(crate) async fn answer(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(form): Form<TextForm>,
) -> Result<Response, PageError> {
    viewer.check_csrf(&form.csrf)?;
    let user = viewer.signed_in(paths::MY_FEEDBACK)?.clone();
    let message = state.store.feedback(FeedbackId::new(id)).await?;
    let snapshot = state.store.plan_snapshot(message.plan()).await?;
    let lead_units = snapshot
        .detail
        .items
        .iter()
        .find(|e| e.item.id == message.item())
        .map(|e| e.item.lead_units.clone())
        .unwrap_or_default();
    check(
        Some(&user),
        Action::AnswerFeedback,
        &Resource::Feedback {
            lead_units: &lead_units,
        },
    )?;
    let unit = user.unit.ok_or(shishi_core::Denied::NoUnit)?;
    let text = match AnswerText::parse(&form.text) {
        Ok(text) => text,
        Err(error) => {
            let messages = state.store.feedback_for_unit(unit).await?;
            let page = queue_page(
                &state,
                &viewer,
                &user,
                messages,
                true,
                Some((id, words(&error))),
                form.text,
            )
            .await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    state
        .store
        .answer_feedback(
            Actor::User(user.id),
            message.id(),
            unit,
            text,
            state.clock.today(),
        )
        .await
        .map_err(not_now)?;
    Ok(done(paths::MY_FEEDBACK, "answered", id))
}
