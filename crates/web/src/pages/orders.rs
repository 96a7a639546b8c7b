//! Supervision orders (督办单) in the pages: the supervisor issues one from a lagging item,
//! reads every order with its state and due day (overdue ones flagged 已逾期), and closes
//! (销号) or sends back (退回重办) an answer; the unit head answers their unit's open orders
//! from `/my/orders`. The same permission rules as the API.

use super::chrome::Chrome;
use super::error::PageError;
use super::paths;
use super::session::Viewer;
use crate::standing::{joined_names, unit_names};
use crate::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use shishi_core::{
    can, check, Action, ItemId, NewOrder, OrderId, OrderState, PlanId, Reason, Requirement,
    Resource, SupervisionOrder, TargetId, UnitId, User,
};
use shishi_store::{Actor, PlanDetail};
use std::collections::hash_map::Entry;
use std::collections::HashMap;
use time::Date;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route(paths::ORDERS, get(list).post(issue))
        .route(paths::ORDER_NEW, get(new_form))
        .route(paths::MY_ORDERS, get(mine))
        .route("/orders/{id}", get(detail))
        .route("/orders/{id}/answer", post(answer))
        .route("/orders/{id}/close", post(close))
        .route("/orders/{id}/send-back", post(send_back))
}

/// How many orders of `plan` are past their due day and not closed, on `today`: the
/// dashboard's 逾期督办单 count.
pub(crate) async fn overdue_count(
    state: &AppState,
    plan: PlanId,
    today: Date,
) -> Result<usize, PageError> {
    Ok(state
        .store
        .orders_for_plan(plan)
        .await?
        .iter()
        .filter(|o| o.is_overdue(today))
        .count())
}

/// One order as a list row.
struct OrderRow {
    href: String,
    id: i64,
    item: String,
    item_href: String,
    target: String,
    unit: String,
    requirement: String,
    due_on: String,
    issued_on: String,
    state_label: &'static str,
    state_class: &'static str,
    overdue: bool,
    /// The answer form's action, for the head of the order's unit while it awaits one.
    answer_action: Option<String>,
    /// The reason the last answer was sent back, while the order awaits a new one.
    sent_back: Option<String>,
}

/// Plan details by id, loaded once each.
#[derive(Default)]
struct Plans(HashMap<PlanId, PlanDetail>);

impl Plans {
    async fn get(&mut self, state: &AppState, id: PlanId) -> Result<&PlanDetail, PageError> {
        Ok(match self.0.entry(id) {
            Entry::Occupied(known) => known.into_mut(),
            Entry::Vacant(place) => place.insert(state.store.plan(id).await?),
        })
    }
}

/// The item's title and the target's text (or 整体 for the whole item), and the unit's name.
fn names(detail: &PlanDetail, order: &SupervisionOrder) -> (String, String, String) {
    let entry = detail.items.iter().find(|e| e.item.id == order.item());
    let item = entry
        .map(|e| format!("{}. {}", e.item.seq, e.item.title))
        .unwrap_or_default();
    let target = match (entry, order.target()) {
        (Some(e), Some(t)) => e
            .targets
            .iter()
            .find(|x| x.id == t)
            .map(|x| x.text.clone())
            .unwrap_or_default(),
        _ => "整个项目".to_owned(),
    };
    let unit = joined_names(&unit_names(detail), &[order.unit()]);
    (item, target, unit)
}

fn state_class(order: &SupervisionOrder) -> &'static str {
    match order.state() {
        OrderState::Issued if order.is_sent_back() => "sent-back",
        OrderState::Issued => "issued",
        OrderState::Answered => "answered",
        OrderState::Closed { .. } => "closed",
    }
}

fn sent_back_reason(order: &SupervisionOrder) -> Option<String> {
    order
        .is_sent_back()
        .then(|| order.last_answer())
        .flatten()
        .and_then(|a| a.sent_back.as_ref())
        .map(|b| b.reason.as_str().to_owned())
}

async fn rows(
    state: &AppState,
    user: &User,
    orders: &[SupervisionOrder],
    today: Date,
) -> Result<Vec<OrderRow>, PageError> {
    let mut plans = Plans::default();
    let mut rows = Vec::new();
    for order in orders {
        let detail = plans.get(state, order.plan()).await?;
        let (item, target, unit) = names(detail, order);
        let can_answer = order.state() == OrderState::Issued
            && can(
                Some(user),
                Action::AnswerOrder,
                &Resource::Order { unit: order.unit() },
            );
        rows.push(OrderRow {
            href: paths::order(order.id().get()),
            id: order.id().get(),
            item,
            item_href: paths::item(order.item().get()),
            target,
            unit,
            requirement: order.requirement().as_str().to_owned(),
            due_on: order.due_on().to_string(),
            issued_on: order.issued_on().to_string(),
            state_label: order.label_zh(),
            state_class: state_class(order),
            overdue: order.is_overdue(today),
            answer_action: can_answer.then(|| paths::answer_order(order.id().get())),
            sent_back: sent_back_reason(order),
        });
    }
    Ok(rows)
}

#[derive(Template, WebTemplate)]
#[template(path = "orders.html")]
struct OrdersPage {
    chrome: Chrome,
    heading: &'static str,
    today: String,
    /// Whether this is the unit's own list (with answer forms), not the supervisor's.
    mine: bool,
    done: Option<&'static str>,
    overdue: usize,
    rows: Vec<OrderRow>,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct DoneQuery {
    #[serde(default)]
    done: String,
}

fn done_words(done: &str) -> Option<&'static str> {
    match done {
        "issued" => Some("督办单已下达，承办单位负责人将看到并答复。"),
        "answered" => Some("已答复，督查室将审核您的办理情况。"),
        "closed" => Some("已销号。"),
        "sent-back" => Some("已退回重办，承办单位将看到退回原因。"),
        _ => None,
    }
}

/// `GET /orders`: every order, open ones first, for the supervisor, leaders and deputies.
pub(crate) async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<DoneQuery>,
) -> Result<Response, PageError> {
    let user = viewer.require(Action::ViewInternal, &Resource::System, paths::ORDERS)?;
    let today = state.clock.today();
    let mut orders = Vec::new();
    for plan in state.store.plans().await? {
        orders.extend(state.store.orders_for_plan(plan.id()).await?);
    }
    sort_open_first(&mut orders);
    let rows = rows(&state, user, &orders, today).await?;
    let page = OrdersPage {
        chrome: viewer.chrome("督办单"),
        heading: "督办单",
        today: today.to_string(),
        mine: false,
        done: done_words(&query.done),
        overdue: rows.iter().filter(|r| r.overdue).count(),
        rows,
    };
    Ok(page.into_response())
}

/// Open orders first (by due day), then closed ones, newest first.
fn sort_open_first(orders: &mut [SupervisionOrder]) {
    orders.sort_by_key(|o| match o.state() {
        OrderState::Closed { on } => (1, -on.to_julian_day(), -o.id().get()),
        _ => (0, o.due_on().to_julian_day(), o.id().get()),
    });
}

/// `GET /my/orders`: the orders sent to the viewer's unit, with the answer form for its head.
pub(crate) async fn mine(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<DoneQuery>,
) -> Result<Response, PageError> {
    let user = viewer.signed_in(paths::MY_ORDERS)?;
    let unit = user.unit.ok_or(shishi_core::Denied::NoUnit)?;
    check(Some(user), Action::ViewInternal, &Resource::Order { unit })?;
    let today = state.clock.today();
    let mut orders = state.store.orders_for_unit(unit).await?;
    sort_open_first(&mut orders);
    let rows = rows(&state, user, &orders, today).await?;
    let page = OrdersPage {
        chrome: viewer.chrome("本单位督办单"),
        heading: "本单位督办单",
        today: today.to_string(),
        mine: true,
        done: done_words(&query.done),
        overdue: rows.iter().filter(|r| r.overdue).count(),
        rows,
    };
    Ok(page.into_response())
}

struct AnswerEntry {
    number: u32,
    text: String,
    answered_on: String,
    evidence: Vec<String>,
    sent_back: Option<(String, String)>,
}

#[derive(Template, WebTemplate)]
#[template(path = "order.html")]
struct OrderPage {
    chrome: Chrome,
    row: OrderRow,
    closed_on: Option<String>,
    answers: Vec<AnswerEntry>,
    /// The supervisor's forms, while an answer waits for a decision.
    decide: Option<(String, String)>,
    error: Option<String>,
    typed: String,
    done: Option<&'static str>,
}

async fn order_page(
    state: &AppState,
    viewer: &Viewer,
    user: &User,
    order: &SupervisionOrder,
    error: Option<String>,
    typed: String,
) -> Result<OrderPage, PageError> {
    let today = state.clock.today();
    let row = rows(state, user, std::slice::from_ref(order), today)
        .await?
        .pop()
        .ok_or_else(|| PageError::NotFound(format!("order {}", order.id())))?;
    let id = order.id().get();
    let decide = (order.state() == OrderState::Answered
        && can(
            Some(user),
            Action::CloseOrder,
            &Resource::Order { unit: order.unit() },
        ))
    .then(|| (paths::close_order(id), paths::send_back_order(id)));
    Ok(OrderPage {
        chrome: viewer.chrome(format!("督办单 {id}")),
        closed_on: match order.state() {
            OrderState::Closed { on } => Some(on.to_string()),
            _ => None,
        },
        answers: order
            .answers()
            .iter()
            .map(|a| AnswerEntry {
                number: a.number,
                text: a.text.clone(),
                answered_on: a.answered_on.to_string(),
                evidence: a.evidence.iter().map(|h| paths::file(h.as_str())).collect(),
                sent_back: a
                    .sent_back
                    .as_ref()
                    .map(|b| (b.reason.as_str().to_owned(), b.on.to_string())),
            })
            .collect(),
        row,
        decide,
        error,
        typed,
        done: None,
    })
}

/// The order and the viewer allowed to read it.
async fn readable(
    state: &AppState,
    viewer: &Viewer,
    id: i64,
) -> Result<(User, SupervisionOrder), PageError> {
    let user = viewer.signed_in(&paths::order(id))?.clone();
    let order = state.store.order(OrderId::new(id)).await?;
    check(
        Some(&user),
        Action::ViewInternal,
        &Resource::Order { unit: order.unit() },
    )?;
    Ok((user, order))
}

/// `GET /orders/{id}`: the order, every answer, and the forms the viewer may use.
pub(crate) async fn detail(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Query(query): Query<DoneQuery>,
) -> Result<Response, PageError> {
    let (user, order) = readable(&state, &viewer, id).await?;
    let mut page = order_page(&state, &viewer, &user, &order, None, String::new()).await?;
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

/// The order, once the form's token and the viewer's right to `action` on it are checked.
async fn actionable(
    state: &AppState,
    viewer: &Viewer,
    csrf: &str,
    id: i64,
    action: Action,
) -> Result<(User, SupervisionOrder), PageError> {
    viewer.check_csrf(csrf)?;
    let user = viewer.signed_in(&paths::order(id))?.clone();
    let order = state.store.order(OrderId::new(id)).await?;
    check(Some(&user), action, &Resource::Order { unit: order.unit() })?;
    Ok((user, order))
}

fn not_now(order: &SupervisionOrder) -> PageError {
    PageError::Conflict(format!(
        "该督办单目前为“{}”，不能办理此操作，可能已由他人处理。请刷新页面。",
        order.label_zh()
    ))
}

/// `POST /orders/{id}/answer`: the unit head's answer; refused, changing nothing, when empty.
pub(crate) async fn answer(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(form): Form<TextForm>,
) -> Result<Response, PageError> {
    let (user, order) = actionable(&state, &viewer, &form.csrf, id, Action::AnswerOrder).await?;
    if order.state() != OrderState::Issued {
        return Err(not_now(&order));
    }
    if form.text.trim().is_empty() {
        let page = order_page(
            &state,
            &viewer,
            &user,
            &order,
            Some("请填写办理情况：做了什么、结果如何。".to_owned()),
            form.text,
        )
        .await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    state
        .store
        .answer_order(
            Actor::User(user.id),
            order.id(),
            form.text,
            vec![],
            state.clock.today(),
        )
        .await?;
    Ok(Redirect::to(&format!("{}?done=answered", paths::MY_ORDERS)).into_response())
}

/// `POST /orders/{id}/close`: 销号.
pub(crate) async fn close(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(form): Form<TextForm>,
) -> Result<Response, PageError> {
    let (user, order) = actionable(&state, &viewer, &form.csrf, id, Action::CloseOrder).await?;
    if order.state() != OrderState::Answered {
        return Err(not_now(&order));
    }
    state
        .store
        .close_order(Actor::User(user.id), order.id(), state.clock.today())
        .await?;
    Ok(Redirect::to(&format!("{}?done=closed", paths::order(id))).into_response())
}

/// `POST /orders/{id}/send-back`: 退回重办, with a reason; refused, changing nothing, without.
pub(crate) async fn send_back(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(form): Form<TextForm>,
) -> Result<Response, PageError> {
    let (user, order) = actionable(&state, &viewer, &form.csrf, id, Action::CloseOrder).await?;
    if order.state() != OrderState::Answered {
        return Err(not_now(&order));
    }
    let Ok(reason) = Reason::parse(&form.text) else {
        let page = order_page(
            &state,
            &viewer,
            &user,
            &order,
            Some("退回重办须填写原因，告诉承办单位还需要做什么。".to_owned()),
            form.text,
        )
        .await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    };
    state
        .store
        .send_back_order(
            Actor::User(user.id),
            order.id(),
            reason,
            state.clock.today(),
        )
        .await?;
    Ok(Redirect::to(&format!("{}?done=sent-back", paths::order(id))).into_response())
}

struct Choice {
    value: String,
    label: String,
    selected: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "order_form.html")]
struct OrderFormPage {
    chrome: Chrome,
    item: i64,
    item_title: String,
    item_href: String,
    targets: Vec<Choice>,
    units: Vec<Choice>,
    requirement: String,
    due_on: String,
    errors: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct NewQuery {
    #[serde(default)]
    item: String,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct IssueForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    item: String,
    #[serde(default)]
    target: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    requirement: String,
    #[serde(default)]
    due_on: String,
}

async fn form_page(
    state: &AppState,
    viewer: &Viewer,
    form: &IssueForm,
    errors: Vec<String>,
) -> Result<OrderFormPage, PageError> {
    let item = ItemId::new(
        form.item
            .trim()
            .parse()
            .map_err(|_| PageError::BadRequest("请从项目页面或工作台进入督办。".to_owned()))?,
    );
    let detail = state.store.plan(state.store.item_plan(item).await?).await?;
    let entry = detail
        .items
        .iter()
        .find(|e| e.item.id == item)
        .ok_or_else(|| PageError::NotFound(format!("item {item}")))?;
    let names = unit_names(&detail);
    let mut targets = vec![Choice {
        value: String::new(),
        label: "整个项目".to_owned(),
        selected: form.target.is_empty(),
    }];
    targets.extend(entry.targets.iter().map(|t| Choice {
        value: t.id.get().to_string(),
        label: t.text.clone(),
        selected: form.target == t.id.get().to_string(),
    }));
    let units = entry
        .item
        .lead_units
        .iter()
        .map(|u| Choice {
            value: u.get().to_string(),
            label: names.get(u).cloned().unwrap_or_default(),
            selected: form.unit == u.get().to_string(),
        })
        .collect();
    Ok(OrderFormPage {
        chrome: viewer.chrome("下督办单"),
        item: item.get(),
        item_title: format!("{}. {}", entry.item.seq, entry.item.title),
        item_href: paths::item(item.get()),
        targets,
        units,
        requirement: form.requirement.clone(),
        due_on: form.due_on.clone(),
        errors,
    })
}

/// `GET /orders/new?item=`: the form to issue an order for an item.
pub(crate) async fn new_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<NewQuery>,
) -> Result<Response, PageError> {
    let here = format!("{}?item={}", paths::ORDER_NEW, query.item);
    viewer.require(Action::IssueOrder, &Resource::System, &here)?;
    let form = IssueForm {
        item: query.item,
        ..IssueForm::default()
    };
    Ok(form_page(&state, &viewer, &form, vec![])
        .await?
        .into_response())
}

/// `POST /orders`: issues the order; the form again, with what is wrong, when it cannot be.
pub(crate) async fn issue(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<IssueForm>,
) -> Result<Response, PageError> {
    viewer.check_csrf(&form.csrf)?;
    let user = viewer
        .require(Action::IssueOrder, &Resource::System, paths::ORDERS)?
        .clone();
    // The page lists only this item's targets and lead units; what else is posted is refused.
    let page = form_page(&state, &viewer, &form, vec![]).await?;
    let mut errors = Vec::new();
    let target = match form.target.trim() {
        "" => None,
        text => match page.targets.iter().find(|c| c.value == text) {
            Some(_) => text.parse().ok().map(TargetId::new),
            None => {
                errors.push("所选目标不属于该项目。".to_owned());
                None
            }
        },
    };
    let unit = match page.units.iter().find(|c| c.value == form.unit.trim()) {
        Some(c) => c.value.parse().ok().map(UnitId::new),
        None => {
            errors.push("请选择承办单位（该项目的牵头单位之一）。".to_owned());
            None
        }
    };
    let requirement = Requirement::parse(&form.requirement)
        .map_err(|_| errors.push("请填写督办要求：需要承办单位做什么。".to_owned()))
        .ok();
    let today = state.clock.today();
    let due_on = match parse_day(&form.due_on) {
        Ok(day) if day < today => {
            errors.push(format!("办结期限不能早于今天（{today}）。"));
            None
        }
        Ok(day) => Some(day),
        Err(_) => {
            errors.push("请填写办结期限，格式如 2020-10-15。".to_owned());
            None
        }
    };
    let (Some(unit), Some(requirement), Some(due_on), true) =
        (unit, requirement, due_on, errors.is_empty())
    else {
        let page = OrderFormPage { errors, ..page };
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    };
    let order = state
        .store
        .issue_order(
            Actor::User(user.id),
            NewOrder {
                item: ItemId::new(page.item),
                target,
                unit,
                requirement,
                due_on,
            },
            today,
        )
        .await?;
    Ok(Redirect::to(&format!("{}?done=issued", paths::order(order.id().get()))).into_response())
}

/// A day written `YYYY-MM-DD`.
fn parse_day(text: &str) -> Result<Date, time::error::Parse> {
    Date::parse(
        text.trim(),
        time::macros::format_description!("[year]-[month]-[day]"),
    )
}
