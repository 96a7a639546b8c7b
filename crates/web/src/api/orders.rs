//! Supervision orders (督办单): the supervisor issues one to a lead unit of a lagging item;
//! the unit head answers; the supervisor closes it (销号) or sends it back (退回重办).
//! Internal throughout: nothing here is public.

use super::path_id;
use super::reports::{json_object, required_text, unknown_fields};
use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody, FieldError};
use crate::AppState;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use shishi_core::{
    can, check, Action, EvidenceHash, ItemId, NewOrder, OrderId, OrderState, PlanId, Reason,
    Requirement, Resource, SupervisionOrder, TargetId, UnitId,
};
use shishi_store::Actor;
use time::Date;
use utoipa::{IntoParams, ToSchema};

/// One answer of the unit, kept when sent back.
#[derive(Debug, Serialize, ToSchema)]
pub struct AnswerView {
    /// 1 for the first answer, counting up.
    pub number: u32,
    /// What was done.
    pub answer: String,
    /// SM3 hashes of the evidence files (`/files/{hash}`).
    pub evidence: Vec<String>,
    /// `YYYY-MM-DD`.
    pub answered_on: String,
    /// Why the supervisor sent this answer back, when they did.
    pub sent_back_reason: Option<String>,
    pub sent_back_on: Option<String>,
}

/// A supervision order with all its answers.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrderView {
    pub id: i64,
    pub plan: i64,
    pub item: i64,
    /// The target it is about; none for the item as a whole.
    pub target: Option<i64>,
    /// The unit it was sent to.
    pub unit: i64,
    /// What the unit is required to do.
    pub requirement: String,
    /// `YYYY-MM-DD`: by when.
    pub due_on: String,
    pub issued_on: String,
    /// `issued` (waiting for an answer, also after a send-back), `answered` or `closed`.
    pub state: &'static str,
    /// The state in words: 待答复, 退回重办, 已答复, 已销号.
    pub state_label: &'static str,
    /// The day it was closed (销号).
    pub closed_on: Option<String>,
    /// Not closed and past its due day, today.
    pub overdue: bool,
    pub answers: Vec<AnswerView>,
}

impl OrderView {
    fn new(order: &SupervisionOrder, today: Date) -> Self {
        Self {
            id: order.id().get(),
            plan: order.plan().get(),
            item: order.item().get(),
            target: order.target().map(TargetId::get),
            unit: order.unit().get(),
            requirement: order.requirement().as_str().to_owned(),
            due_on: order.due_on().to_string(),
            issued_on: order.issued_on().to_string(),
            state: order.state().name(),
            state_label: order.label_zh(),
            closed_on: match order.state() {
                OrderState::Closed { on } => Some(on.to_string()),
                _ => None,
            },
            overdue: order.is_overdue(today),
            answers: order
                .answers()
                .iter()
                .map(|a| AnswerView {
                    number: a.number,
                    answer: a.text.clone(),
                    evidence: a.evidence.iter().map(|h| h.as_str().to_owned()).collect(),
                    answered_on: a.answered_on.to_string(),
                    sent_back_reason: a.sent_back.as_ref().map(|b| b.reason.as_str().to_owned()),
                    sent_back_on: a.sent_back.as_ref().map(|b| b.on.to_string()),
                })
                .collect(),
        }
    }
}

/// The body of a new order. Only describes it for the OpenAPI document: the handler reads
/// the JSON field by field, so that every wrong field is named in one answer.
#[allow(dead_code)]
#[derive(Debug, ToSchema)]
pub struct IssueBody {
    /// The lagging item.
    item: i64,
    /// One of its targets; none or absent for the item as a whole.
    target: Option<i64>,
    /// One of the item's lead units.
    unit: i64,
    /// What the unit is required to do. Not empty.
    requirement: String,
    /// By when, `YYYY-MM-DD`, not before today.
    due_on: String,
}

/// The body of an answer. Only describes it for the OpenAPI document.
#[allow(dead_code)]
#[derive(Debug, ToSchema)]
pub struct AnswerBody {
    /// What was done. Not empty.
    answer: String,
    /// SM3 hashes of files already uploaded (with a report), as evidence.
    evidence: Option<Vec<String>>,
}

/// The body of a send-back. Only describes it for the OpenAPI document.
#[allow(dead_code)]
#[derive(Debug, ToSchema)]
pub struct SendBackBody {
    /// Why the answer is not enough: what the unit is to do. Not empty.
    reason: String,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct OrdersQuery {
    /// The plan whose orders to list.
    plan: Option<String>,
}

/// Issues a supervision order to one of a lagging item's lead units (the supervisor only).
#[utoipa::path(
    post, path = "/api/v1/orders", tag = "orders",
    request_body = IssueBody,
    security(("token" = [])),
    responses(
        (status = 201, body = OrderView),
        (status = 400, description = "The body is not JSON", body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 422, description = "Some fields are wrong; each is named", body = ErrorBody),
    )
)]
pub async fn issue(
    State(state): State<AppState>,
    caller: Caller,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<OrderView>), ApiError> {
    let user = caller.signed_in()?;
    check(Some(user), Action::IssueOrder, &Resource::System)?;
    let body = body.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let new = parse_issue(&state, &body).await?;
    let today = state.clock.today();
    let order = state
        .store
        .issue_order(Actor::User(user.id), new, today)
        .await?;
    Ok((StatusCode::CREATED, Json(OrderView::new(&order, today))))
}

/// A plan's supervision orders, oldest first: all of them for the supervisor, leaders and
/// deputies; a unit's own for its reporters and head.
#[utoipa::path(
    get, path = "/api/v1/orders", tag = "orders",
    params(OrdersQuery),
    security(("token" = [])),
    responses(
        (status = 200, body = Vec<OrderView>),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 422, description = "No plan given", body = ErrorBody),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    query: Result<Query<OrdersQuery>, QueryRejection>,
) -> Result<Json<Vec<OrderView>>, ApiError> {
    let user = caller.signed_in()?;
    let Query(query) = query.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let plan = match query.plan.as_deref().map(str::trim) {
        Some(text) if !text.is_empty() => PlanId::new(
            text.parse()
                .map_err(|_| ApiError::field("plan", "expected a plan's id"))?,
        ),
        _ => return Err(ApiError::field("plan", "required: the plan's id")),
    };
    let all = can(Some(user), Action::ViewInternal, &Resource::System);
    if !all {
        // A unit's people read their own unit's orders; nobody else reads any.
        let unit = user.unit.ok_or(shishi_core::Denied::NoUnit)?;
        check(Some(user), Action::ViewInternal, &Resource::Order { unit })?;
    }
    let today = state.clock.today();
    let orders = state
        .store
        .orders_for_plan(plan)
        .await?
        .iter()
        .filter(|o| all || Some(o.unit()) == user.unit)
        .map(|o| OrderView::new(o, today))
        .collect();
    Ok(Json(orders))
}

/// A supervision order with all its answers.
#[utoipa::path(
    get, path = "/api/v1/orders/{id}", tag = "orders",
    params(("id" = i64, Path, description = "The order's id")),
    security(("token" = [])),
    responses(
        (status = 200, body = OrderView),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
    )
)]
pub async fn detail(
    State(state): State<AppState>,
    caller: Caller,
    id: Result<Path<i64>, PathRejection>,
) -> Result<Json<OrderView>, ApiError> {
    let id = OrderId::new(path_id(id, "supervision order")?);
    let user = caller.signed_in()?;
    let order = state.store.order(id).await?;
    check(
        Some(user),
        Action::ViewInternal,
        &Resource::Order { unit: order.unit() },
    )?;
    Ok(Json(OrderView::new(&order, state.clock.today())))
}

/// The unit head's answer: what was done, with evidence files.
#[utoipa::path(
    post, path = "/api/v1/orders/{id}/answer", tag = "orders",
    params(("id" = i64, Path, description = "The order's id")),
    request_body = AnswerBody,
    security(("token" = [])),
    responses(
        (status = 200, body = OrderView),
        (status = 400, description = "The body is not JSON", body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, description = "Not the head of the order's unit", body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "The order is not waiting for an answer", body = ErrorBody),
        (status = 422, description = "Some fields are wrong; each is named", body = ErrorBody),
    )
)]
pub async fn answer(
    State(state): State<AppState>,
    caller: Caller,
    id: Result<Path<i64>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<OrderView>, ApiError> {
    let id = OrderId::new(path_id(id, "supervision order")?);
    let user = caller.signed_in()?;
    let order = state.store.order(id).await?;
    check(
        Some(user),
        Action::AnswerOrder,
        &Resource::Order { unit: order.unit() },
    )?;
    let body = body.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let mut fields = json_object(&body)?;
    let mut errors = Vec::new();
    let text = required_text(&mut fields, "answer", &mut errors);
    let evidence = evidence(&state, &mut fields, &mut errors).await?;
    unknown_fields(fields, &mut errors);
    let Some(text) = text.filter(|_| errors.is_empty()) else {
        return Err(ApiError::Invalid(errors));
    };
    let today = state.clock.today();
    let answered = state
        .store
        .answer_order(Actor::User(user.id), id, text, evidence, today)
        .await?;
    Ok(Json(OrderView::new(&answered, today)))
}

/// 销号: the supervisor accepts the answer and closes the order.
#[utoipa::path(
    post, path = "/api/v1/orders/{id}/close", tag = "orders",
    params(("id" = i64, Path, description = "The order's id")),
    security(("token" = [])),
    responses(
        (status = 200, body = OrderView),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "The order has no answer to accept", body = ErrorBody),
    )
)]
pub async fn close(
    State(state): State<AppState>,
    caller: Caller,
    id: Result<Path<i64>, PathRejection>,
) -> Result<Json<OrderView>, ApiError> {
    let id = OrderId::new(path_id(id, "supervision order")?);
    let user = caller.signed_in()?;
    let order = state.store.order(id).await?;
    check(
        Some(user),
        Action::CloseOrder,
        &Resource::Order { unit: order.unit() },
    )?;
    let today = state.clock.today();
    let closed = state
        .store
        .close_order(Actor::User(user.id), id, today)
        .await?;
    Ok(Json(OrderView::new(&closed, today)))
}

/// 退回重办: the supervisor sends the answer back with a reason; the unit answers again.
#[utoipa::path(
    post, path = "/api/v1/orders/{id}/send-back", tag = "orders",
    params(("id" = i64, Path, description = "The order's id")),
    request_body = SendBackBody,
    security(("token" = [])),
    responses(
        (status = 200, body = OrderView),
        (status = 400, description = "The body is not JSON", body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "The order has no answer to send back", body = ErrorBody),
        (status = 422, description = "No reason given", body = ErrorBody),
    )
)]
pub async fn send_back(
    State(state): State<AppState>,
    caller: Caller,
    id: Result<Path<i64>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<OrderView>, ApiError> {
    let id = OrderId::new(path_id(id, "supervision order")?);
    let user = caller.signed_in()?;
    let order = state.store.order(id).await?;
    check(
        Some(user),
        Action::CloseOrder,
        &Resource::Order { unit: order.unit() },
    )?;
    let body = body.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let mut fields = json_object(&body)?;
    let mut errors = Vec::new();
    let reason = required_text(&mut fields, "reason", &mut errors).and_then(|text| {
        Reason::parse(&text)
            .map_err(|e| errors.push(FieldError::new("reason", e.to_string())))
            .ok()
    });
    unknown_fields(fields, &mut errors);
    let Some(reason) = reason.filter(|_| errors.is_empty()) else {
        return Err(ApiError::Invalid(errors));
    };
    let today = state.clock.today();
    let back = state
        .store
        .send_back_order(Actor::User(user.id), id, reason, today)
        .await?;
    Ok(Json(OrderView::new(&back, today)))
}

/// The evidence hashes of an answer: each well formed and naming a file that was uploaded.
async fn evidence(
    state: &AppState,
    fields: &mut Map<String, Value>,
    errors: &mut Vec<FieldError>,
) -> Result<Vec<EvidenceHash>, ApiError> {
    let list = match fields.remove("evidence") {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(list)) => list,
        Some(_) => {
            errors.push(FieldError::new(
                "evidence",
                "expected a list of file hashes",
            ));
            return Ok(Vec::new());
        }
    };
    let mut hashes = Vec::new();
    for value in list {
        let Value::String(text) = value else {
            errors.push(FieldError::new(
                "evidence",
                "expected a list of file hashes",
            ));
            continue;
        };
        match EvidenceHash::parse(&text) {
            Ok(hash) => {
                if state.store.attachment_bytes(hash.as_str()).await?.is_none() {
                    errors.push(FieldError::new(
                        "evidence",
                        format!("no uploaded file has the hash {text}"),
                    ));
                } else if !hashes.contains(&hash) {
                    hashes.push(hash);
                }
            }
            Err(e) => errors.push(FieldError::new("evidence", e.to_string())),
        }
    }
    Ok(hashes)
}

/// A new order from the body, or every field that is wrong: the item must exist, the target
/// be one of its targets, the unit one of its lead units, the due day a date.
async fn parse_issue(state: &AppState, body: &[u8]) -> Result<NewOrder, ApiError> {
    let mut fields = json_object(body)?;
    let mut errors = Vec::new();
    let item = id_field(&mut fields, "item", true, &mut errors).map(ItemId::new);
    let target = id_field(&mut fields, "target", false, &mut errors).map(TargetId::new);
    let unit = id_field(&mut fields, "unit", true, &mut errors).map(UnitId::new);
    let requirement = required_text(&mut fields, "requirement", &mut errors).and_then(|text| {
        Requirement::parse(&text)
            .map_err(|e| errors.push(FieldError::new("requirement", e.to_string())))
            .ok()
    });
    let due_on = required_text(&mut fields, "due_on", &mut errors).and_then(|text| {
        parse_day(&text)
            .map_err(|message| errors.push(FieldError::new("due_on", message)))
            .ok()
    });
    unknown_fields(fields, &mut errors);

    if let Some(item) = item {
        match state.store.item_plan(item).await {
            Ok(plan) => {
                let detail = state.store.plan(plan).await?;
                if let Some(entry) = detail.items.iter().find(|e| e.item.id == item) {
                    if let Some(target) = target {
                        if !entry.targets.iter().any(|t| t.id == target) {
                            errors.push(FieldError::new("target", "not a target of this item"));
                        }
                    }
                    if let Some(unit) = unit {
                        if !entry.item.lead_units.contains(&unit) {
                            errors
                                .push(FieldError::new("unit", "not one of the item's lead units"));
                        }
                    }
                }
            }
            Err(shishi_store::StoreError::NotFound(_)) => {
                errors.push(FieldError::new("item", "no such item"));
            }
            Err(other) => return Err(other.into()),
        }
    }
    if let Some(due) = due_on {
        if due < state.clock.today() {
            errors.push(FieldError::new("due_on", "must not be before today"));
        }
    }
    match (item, unit, requirement, due_on) {
        (Some(item), Some(unit), Some(requirement), Some(due_on)) if errors.is_empty() => {
            Ok(NewOrder {
                item,
                target,
                unit,
                requirement,
                due_on,
            })
        }
        _ => Err(ApiError::Invalid(errors)),
    }
}

fn id_field(
    fields: &mut Map<String, Value>,
    name: &str,
    required: bool,
    errors: &mut Vec<FieldError>,
) -> Option<i64> {
    match fields.remove(name) {
        None | Some(Value::Null) => {
            if required {
                errors.push(FieldError::new(name, "required"));
            }
            None
        }
        Some(Value::Number(n)) if n.as_i64().is_some() => n.as_i64(),
        Some(_) => {
            errors.push(FieldError::new(name, "expected an id (a whole number)"));
            None
        }
    }
}

/// A day written `YYYY-MM-DD`.
pub(crate) fn parse_day(text: &str) -> Result<Date, String> {
    Date::parse(
        text.trim(),
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .map_err(|_| format!("invalid date {text:?}: expected YYYY-MM-DD"))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn days_are_read_as_iso_dates() {
        assert_eq!(
            parse_day(" 2020-10-15 ").unwrap(),
            time::macros::date!(2020 - 10 - 15)
        );
        assert!(parse_day("2020-13-01").is_err());
        assert!(parse_day("15/10/2020").is_err());
    }
}
