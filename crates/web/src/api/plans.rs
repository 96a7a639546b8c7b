//! Plans as anyone may read them: items, targets, approved figures and status on a day.
//!
//! Everything here is computed from approved revisions only, so the public and the signed-in
//! see the same plan; the one internal figure (whether a unit's report is overdue, which
//! tells of submissions) is left out for the public.

use super::path_id;
use super::views::{OpView, StatusView};
use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody};
use crate::standing::{standings, unit_names, TargetStanding};
use crate::AppState;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::Json;
use serde::{Deserialize, Serialize};
use shishi_core::{can, check, Action, Measure, PlanId, Resource, Target, UnitId};
use std::collections::HashMap;
use time::Date;
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Serialize, ToSchema)]
pub struct PlanSummary {
    pub id: i64,
    pub title: String,
    pub year: i32,
    /// 文号, when the notice has one.
    pub doc_number: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PlanView {
    pub id: i64,
    pub title: String,
    pub year: i32,
    pub doc_number: Option<String>,
    pub issuer: Option<String>,
    /// The day the statuses are computed for (today), `YYYY-MM-DD`.
    pub as_of: String,
    pub items: Vec<ItemView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ItemView {
    pub id: i64,
    /// The item's number in the notice.
    pub seq: u32,
    pub title: String,
    pub category: Option<String>,
    /// 牵头单位, by name.
    pub lead_units: Vec<String>,
    /// 配合单位, by name.
    pub support_units: Vec<String>,
    /// The worst of its targets' statuses; null for an item without targets.
    pub status: Option<StatusView>,
    pub targets: Vec<TargetView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TargetView {
    pub id: i64,
    /// The words of the notice.
    pub text: String,
    /// The value committed to; null for a milestone.
    pub value: Option<f64>,
    /// The measure word (所, 万平方米); null for a milestone.
    pub unit: Option<String>,
    /// Null for a milestone.
    pub op: Option<OpView>,
    /// The latest approved cumulative figure (percent done for a milestone); null before
    /// any report is approved.
    pub actual: Option<f64>,
    /// The month `actual` was reported for, `YYYY-MM`.
    pub actual_period: Option<String>,
    pub status: StatusView,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PlanStatusView {
    pub plan: i64,
    /// `YYYY-MM-DD`.
    pub date: String,
    pub items: Vec<ItemStatusView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ItemStatusView {
    pub id: i64,
    pub seq: u32,
    pub title: String,
    /// Null for an item without targets.
    pub status: Option<StatusView>,
    pub targets: Vec<TargetStatusView>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TargetStatusView {
    pub id: i64,
    pub status: StatusView,
    /// The share the schedule asks for on the day, 0 to 1.
    pub planned: f64,
    /// The share done by the latest approved report, 0 to 1 (above 1 when exceeded).
    pub completion: f64,
    /// Whether some month's report is missing past its due day. Internal: absent from the
    /// public view.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub report_overdue: Option<bool>,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct StatusQuery {
    /// The day to judge on, `YYYY-MM-DD`; today when absent.
    date: Option<String>,
}

/// Every plan, newest year first.
#[utoipa::path(
    get, path = "/api/v1/plans", tag = "plans",
    security((), ("token" = [])),
    responses(
        (status = 200, body = [PlanSummary]),
        (status = 401, description = "A token was given but is not valid", body = ErrorBody),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<PlanSummary>>, ApiError> {
    check(caller.user(), Action::ViewPublic, &Resource::System)?;
    let plans = state.store.plans().await?;
    Ok(Json(
        plans
            .iter()
            .map(|plan| PlanSummary {
                id: plan.id().get(),
                title: plan.title().to_owned(),
                year: plan.year().get(),
                doc_number: plan.doc_number().map(str::to_owned),
            })
            .collect(),
    ))
}

/// A plan with its items and targets, each with its approved figure and status today.
#[utoipa::path(
    get, path = "/api/v1/plans/{id}", tag = "plans",
    params(("id" = i64, Path, description = "The plan's id")),
    security((), ("token" = [])),
    responses(
        (status = 200, body = PlanView),
        (status = 401, description = "A token was given but is not valid", body = ErrorBody),
        (status = 404, body = ErrorBody),
    )
)]
pub async fn detail(
    State(state): State<AppState>,
    caller: Caller,
    id: Result<Path<i64>, PathRejection>,
) -> Result<Json<PlanView>, ApiError> {
    let id = PlanId::new(path_id(id, "plan")?);
    check(caller.user(), Action::ViewPublic, &Resource::System)?;
    let today = state.clock.today();
    let snapshot = state.store.plan_snapshot(id).await?;
    let (detail, reports) = (&snapshot.detail, &snapshot.reports);
    let names = unit_names(detail);
    let items = standings(detail, reports, today)
        .into_iter()
        .map(|standing| {
            let entry = &detail.items[standing.index];
            let item = &entry.item;
            ItemView {
                id: item.id.get(),
                seq: item.seq,
                title: item.title.clone(),
                category: item.category.clone(),
                lead_units: named(&names, &item.lead_units),
                support_units: named(&names, &item.support_units),
                status: standing.status.map(StatusView::from),
                targets: entry
                    .targets
                    .iter()
                    .zip(&standing.targets)
                    .map(|(target, standing)| target_view(target, standing))
                    .collect(),
            }
        })
        .collect();
    Ok(Json(PlanView {
        id: detail.plan.id().get(),
        title: detail.plan.title().to_owned(),
        year: detail.plan.year().get(),
        doc_number: detail.plan.doc_number().map(str::to_owned),
        issuer: detail.meta.issuer.clone(),
        as_of: today.to_string(),
        items,
    }))
}

/// Where every item and target of a plan stands on a day (序时).
#[utoipa::path(
    get, path = "/api/v1/plans/{id}/status", tag = "plans",
    params(("id" = i64, Path, description = "The plan's id"), StatusQuery),
    security((), ("token" = [])),
    responses(
        (status = 200, body = PlanStatusView),
        (status = 401, description = "A token was given but is not valid", body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 422, description = "The date is not a date", body = ErrorBody),
    )
)]
pub async fn status(
    State(state): State<AppState>,
    caller: Caller,
    id: Result<Path<i64>, PathRejection>,
    query: Result<Query<StatusQuery>, QueryRejection>,
) -> Result<Json<PlanStatusView>, ApiError> {
    let id = PlanId::new(path_id(id, "plan")?);
    check(caller.user(), Action::ViewPublic, &Resource::System)?;
    let Query(query) = query.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let date = match query.date.as_deref() {
        None => state.clock.today(),
        Some(text) => parse_date(text)?,
    };
    let snapshot = state.store.plan_snapshot(id).await?;
    let (detail, reports) = (&snapshot.detail, &snapshot.reports);
    let items = standings(detail, reports, date)
        .into_iter()
        .map(|standing| {
            let entry = &detail.items[standing.index];
            // Reporters see their own units' punctuality, supervisors everyone's.
            let internal = can(
                caller.user(),
                Action::ViewInternal,
                &Resource::Target {
                    lead_units: &entry.item.lead_units,
                },
            );
            ItemStatusView {
                id: entry.item.id.get(),
                seq: entry.item.seq,
                title: entry.item.title.clone(),
                status: standing.status.map(StatusView::from),
                targets: standing
                    .targets
                    .iter()
                    .map(|target| {
                        let status = &target.status;
                        TargetStatusView {
                            id: status.target().get(),
                            status: status.status().into(),
                            planned: status.planned(),
                            completion: status.completion(),
                            report_overdue: internal.then_some(status.report_overdue()),
                        }
                    })
                    .collect(),
            }
        })
        .collect();
    Ok(Json(PlanStatusView {
        plan: id.get(),
        date: date.to_string(),
        items,
    }))
}

const DATE: &[time::format_description::BorrowedFormatItem<'static>] =
    time::macros::format_description!("[year]-[month]-[day]");

fn parse_date(text: &str) -> Result<Date, ApiError> {
    Date::parse(text, DATE)
        .map_err(|_| ApiError::field("date", format!("{text:?} is not a date YYYY-MM-DD")))
}

fn named(names: &HashMap<UnitId, String>, ids: &[UnitId]) -> Vec<String> {
    ids.iter().filter_map(|id| names.get(id).cloned()).collect()
}

fn target_view(target: &Target, standing: &TargetStanding) -> TargetView {
    let (value, unit, op) = match &target.measure {
        Measure::Quantity(q) => (
            Some(q.value().get()),
            Some(q.unit().to_owned()),
            Some(q.op().into()),
        ),
        Measure::Milestone => (None, None, None),
    };
    TargetView {
        id: target.id.get(),
        text: target.text.clone(),
        value,
        unit,
        op,
        // The approved figure the status was computed from; never a submitted or returned one.
        actual: standing.actual,
        actual_period: standing.status.last_approved().map(|p| p.to_string()),
        status: standing.status.status().into(),
    }
}
