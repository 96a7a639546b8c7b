//! Progress reports: a unit submits its figures for a target and a month; the supervisor
//! reads, approves or returns them. Internal throughout: nothing here is public.

use super::path_id;
use super::views::ReportView;
use crate::auth::Caller;
use crate::error::{ApiError, ErrorBody, FieldError};
use crate::AppState;
use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::Serialize;
use serde_json::{Map, Value};
use shishi_core::{
    check, Action, Actual, Measure, Percent, Period, Reason, Report, ReportContent, ReportId,
    ReportValue, Resource, Role, TargetId,
};
use shishi_store::{Actor, TargetScope};
use utoipa::ToSchema;

/// The body of a report submission. Only describes it for the OpenAPI document: the handler
/// reads the JSON field by field, so that every wrong field is named in one answer.
#[allow(dead_code)]
#[derive(Debug, ToSchema)]
pub struct ReportBody {
    /// The month reported on, `YYYY-MM`.
    period: String,
    /// The cumulative figure so far, for a quantity target (not below 0).
    value: Option<f64>,
    /// Percent done, 0 to 100, for a milestone (instead of `value`).
    percent: Option<f64>,
    /// 进展情况: what was done. Required.
    progress: String,
    /// 存在问题.
    problems: Option<String>,
    /// 下步打算.
    next_steps: Option<String>,
    /// 资金到位/使用, as the unit writes it.
    funds: Option<String>,
}

/// The body of a return. Only describes it for the OpenAPI document.
#[allow(dead_code)]
#[derive(Debug, ToSchema)]
pub struct ReturnBody {
    /// Why the report goes back: what the unit is to fix. Not empty.
    reason: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Submitted {
    /// The report's id.
    pub id: i64,
    /// `submitted`.
    pub status: &'static str,
    /// The revision just submitted: 1, or more for a correction.
    pub revision: u32,
}

/// Submits the caller's unit's figures for a target and a month.
#[utoipa::path(
    post, path = "/api/v1/targets/{id}/reports", tag = "reports",
    params(("id" = i64, Path, description = "The target's id")),
    request_body = ReportBody,
    security(("token" = [])),
    responses(
        (status = 201, body = Submitted),
        (status = 400, description = "The body is not JSON", body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, description = "The target is outside the caller's unit", body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "The month's report is still under review", body = ErrorBody),
        (status = 422, description = "Some fields are wrong; each is named", body = ErrorBody),
    )
)]
pub async fn submit(
    State(state): State<AppState>,
    caller: Caller,
    id: Result<Path<i64>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<Submitted>), ApiError> {
    let target = TargetId::new(path_id(id, "target")?);
    let user = caller.signed_in()?;
    let scope = state.store.target_scope(target).await?;
    check(
        Some(user),
        Action::SubmitReport,
        &Resource::Target {
            lead_units: &scope.lead_units,
        },
    )?;
    let body = body.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let (period, content) = parse_report(&body, &scope.target.measure)?;
    let today = state.clock.today();
    let report = state
        .store
        .file_report(Actor::User(user.id), target, period, content, today)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(Submitted {
            id: report.id().get(),
            status: report.state().name(),
            revision: report.current().number,
        }),
    ))
}

/// A report with all its revisions.
#[utoipa::path(
    get, path = "/api/v1/reports/{id}", tag = "reports",
    params(("id" = i64, Path, description = "The report's id")),
    security(("token" = [])),
    responses(
        (status = 200, body = ReportView),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
    )
)]
pub async fn detail(
    State(state): State<AppState>,
    caller: Caller,
    id: Result<Path<i64>, PathRejection>,
) -> Result<Json<ReportView>, ApiError> {
    let id = ReportId::new(path_id(id, "report")?);
    let user = caller.signed_in()?;
    let (report, scope) = report_in_scope(&state, id).await?;
    check(
        Some(user),
        Action::ViewInternal,
        &Resource::Report {
            lead_units: &scope.lead_units,
            state: report.state(),
        },
    )?;
    Ok(Json(ReportView::from(&report)))
}

/// Approves a report: the supervisor's approval, or the unit head's on plans that ask for
/// the unit head first (by who the caller is).
#[utoipa::path(
    post, path = "/api/v1/reports/{id}/approve", tag = "reports",
    params(("id" = i64, Path, description = "The report's id")),
    security(("token" = [])),
    responses(
        (status = 200, body = ReportView),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "The report is not at a stage to approve", body = ErrorBody),
    )
)]
pub async fn approve(
    State(state): State<AppState>,
    caller: Caller,
    id: Result<Path<i64>, PathRejection>,
) -> Result<Json<ReportView>, ApiError> {
    let id = ReportId::new(path_id(id, "report")?);
    let user = caller.signed_in()?;
    let (report, scope) = report_in_scope(&state, id).await?;
    let resource = Resource::Report {
        lead_units: &scope.lead_units,
        state: report.state(),
    };
    let actor = Actor::User(user.id);
    let approved = if user.role == Role::UnitHead {
        check(Some(user), Action::UnitHeadApprove, &resource)?;
        state.store.unit_head_approve_report(actor, id).await?
    } else {
        check(Some(user), Action::ApproveReport, &resource)?;
        state.store.approve_report(actor, id).await?
    };
    Ok(Json(ReportView::from(&approved)))
}

/// Returns a report to its unit with a reason.
#[utoipa::path(
    post, path = "/api/v1/reports/{id}/return", tag = "reports",
    params(("id" = i64, Path, description = "The report's id")),
    request_body = ReturnBody,
    security(("token" = [])),
    responses(
        (status = 200, body = ReportView),
        (status = 400, description = "The body is not JSON", body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody),
        (status = 409, description = "The report is not under review", body = ErrorBody),
        (status = 422, description = "No reason given", body = ErrorBody),
    )
)]
pub async fn send_back(
    State(state): State<AppState>,
    caller: Caller,
    id: Result<Path<i64>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<ReportView>, ApiError> {
    let id = ReportId::new(path_id(id, "report")?);
    let user = caller.signed_in()?;
    let (report, scope) = report_in_scope(&state, id).await?;
    check(
        Some(user),
        Action::ReturnReport,
        &Resource::Report {
            lead_units: &scope.lead_units,
            state: report.state(),
        },
    )?;
    let body = body.map_err(|e| ApiError::BadRequest(e.body_text()))?;
    let mut fields = json_object(&body)?;
    let mut errors = Vec::new();
    let reason = match required_text(&mut fields, "reason", &mut errors) {
        Some(text) => Reason::parse(&text)
            .map_err(|e| errors.push(FieldError::new("reason", e.to_string())))
            .ok(),
        None => None,
    };
    unknown_fields(fields, &mut errors);
    let Some(reason) = reason.filter(|_| errors.is_empty()) else {
        return Err(ApiError::Invalid(errors));
    };
    let returned = state
        .store
        .return_report(Actor::User(user.id), id, reason)
        .await?;
    Ok(Json(ReportView::from(&returned)))
}

async fn report_in_scope(
    state: &AppState,
    id: ReportId,
) -> Result<(Report, TargetScope), ApiError> {
    let report = state.store.report(id).await?;
    let scope = state.store.target_scope(report.target()).await?;
    Ok((report, scope))
}

/// The month and the content of a submission, or every field that is wrong. The figure
/// must be of the kind the target is measured in: a value for a quantity, a percent for a
/// milestone.
fn parse_report(body: &[u8], measure: &Measure) -> Result<(Period, ReportContent), ApiError> {
    let mut fields = json_object(body)?;
    let mut errors = Vec::new();

    let period = required_text(&mut fields, "period", &mut errors).and_then(|text| {
        Period::parse(&text)
            .map_err(|e| errors.push(FieldError::new("period", e.to_string())))
            .ok()
    });

    let value = number(&mut fields, "value", &mut errors);
    let percent = number(&mut fields, "percent", &mut errors);
    let actual = match measure {
        Measure::Quantity(_) => {
            if percent.is_some() {
                errors.push(FieldError::new(
                    "percent",
                    "this target is a quantity: report its `value`, not a percent",
                ));
            }
            match value {
                Given::Absent => {
                    errors.push(FieldError::new("value", "required: the figure so far"));
                    None
                }
                Given::Wrong => None,
                Given::Number(v) => ReportValue::new(v)
                    .map(Actual::Value)
                    .map_err(|e| errors.push(FieldError::new("value", e.to_string())))
                    .ok(),
            }
        }
        Measure::Milestone => {
            if value.is_some() {
                errors.push(FieldError::new(
                    "value",
                    "this target is a milestone: report its `percent` done, not a value",
                ));
            }
            match percent {
                Given::Absent => {
                    errors.push(FieldError::new("percent", "required: the percent done"));
                    None
                }
                Given::Wrong => None,
                Given::Number(p) => Percent::new(p)
                    .map(Actual::Percent)
                    .map_err(|e| errors.push(FieldError::new("percent", e.to_string())))
                    .ok(),
            }
        }
    };

    let progress = required_text(&mut fields, "progress", &mut errors);
    let problems = optional_text(&mut fields, "problems", &mut errors);
    let next_steps = optional_text(&mut fields, "next_steps", &mut errors);
    let funds = optional_text(&mut fields, "funds", &mut errors);
    unknown_fields(fields, &mut errors);

    match (period, actual, progress) {
        (Some(period), Some(actual), Some(progress)) if errors.is_empty() => Ok((
            period,
            ReportContent {
                actual,
                progress,
                problems: problems.unwrap_or_default(),
                next_steps: next_steps.unwrap_or_default(),
                funds,
            },
        )),
        _ => Err(ApiError::Invalid(errors)),
    }
}

pub(super) fn json_object(body: &[u8]) -> Result<Map<String, Value>, ApiError> {
    let json: Value = serde_json::from_slice(body)
        .map_err(|e| ApiError::BadRequest(format!("the body is not JSON: {e}")))?;
    match json {
        Value::Object(fields) => Ok(fields),
        _ => Err(ApiError::field("body", "expected a JSON object")),
    }
}

/// A number field as sent: left out (or null), something else than a number (already
/// named in the errors), or a number.
enum Given {
    Absent,
    Wrong,
    Number(f64),
}

impl Given {
    fn is_some(&self) -> bool {
        !matches!(self, Given::Absent)
    }
}

fn number(fields: &mut Map<String, Value>, name: &str, errors: &mut Vec<FieldError>) -> Given {
    match fields.remove(name) {
        None | Some(Value::Null) => Given::Absent,
        Some(Value::Number(n)) => match n.as_f64() {
            Some(v) => Given::Number(v),
            None => {
                errors.push(FieldError::new(name, "expected a number"));
                Given::Wrong
            }
        },
        Some(_) => {
            errors.push(FieldError::new(name, "expected a number"));
            Given::Wrong
        }
    }
}

/// A text field that must be there and not blank.
pub(super) fn required_text(
    fields: &mut Map<String, Value>,
    name: &str,
    errors: &mut Vec<FieldError>,
) -> Option<String> {
    match optional_text(fields, name, errors) {
        Some(text) if !text.trim().is_empty() => Some(text),
        Some(_) => {
            errors.push(FieldError::new(name, "must not be empty"));
            None
        }
        None => {
            if !errors.iter().any(|e| e.field == name) {
                errors.push(FieldError::new(name, "required"));
            }
            None
        }
    }
}

fn optional_text(
    fields: &mut Map<String, Value>,
    name: &str,
    errors: &mut Vec<FieldError>,
) -> Option<String> {
    match fields.remove(name) {
        None | Some(Value::Null) => None,
        Some(Value::String(text)) => Some(text),
        Some(_) => {
            errors.push(FieldError::new(name, "expected a string"));
            None
        }
    }
}

/// Fields nobody reads are named, so a misspelt `vaule` is not silently dropped.
pub(super) fn unknown_fields(fields: Map<String, Value>, errors: &mut Vec<FieldError>) {
    for name in fields.keys() {
        errors.push(FieldError::new(name, "unknown field"));
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]
    use super::*;
    use shishi_core::{Op, Quantity, TargetValue};

    fn schools() -> Measure {
        Measure::Quantity(
            Quantity::new(TargetValue::new(6.0).unwrap(), "所".into(), Op::Eq, None).unwrap(),
        )
    }

    fn fields_of(body: &str, measure: &Measure) -> Vec<String> {
        match parse_report(body.as_bytes(), measure) {
            Err(ApiError::Invalid(errors)) => errors.into_iter().map(|e| e.field).collect(),
            other => panic!("expected field errors, got {other:?}"),
        }
    }

    #[test]
    fn a_good_body_becomes_a_period_and_content() {
        let (period, content) = parse_report(
            br#"{"period":"2020-06","value":3,"progress":"two schools built","problems":null}"#,
            &schools(),
        )
        .unwrap();
        assert_eq!(period.to_string(), "2020-06");
        assert_eq!(
            content.actual,
            Actual::Value(ReportValue::new(3.0).unwrap())
        );
        assert_eq!(content.problems, "");
    }

    #[test]
    fn every_bad_field_is_named_at_once() {
        assert_eq!(
            fields_of(
                r#"{"period":"2020-13","value":-1,"progress":""}"#,
                &schools()
            ),
            ["period", "value", "progress"]
        );
        assert_eq!(
            fields_of(r#"{"value":"three","progress":"x"}"#, &schools()),
            ["period", "value"]
        );
        assert_eq!(
            fields_of(
                r#"{"period":"2020-06","percent":50,"progress":"x"}"#,
                &schools()
            ),
            ["percent", "value"]
        );
        assert_eq!(
            fields_of(
                r#"{"period":"2020-06","percent":50,"progress":"x","vaule":1}"#,
                &Measure::Milestone
            ),
            ["vaule"]
        );
    }

    #[test]
    fn a_body_that_is_not_json_is_a_bad_request() {
        assert!(matches!(
            parse_report(b"period=2020-06", &schools()),
            Err(ApiError::BadRequest(_))
        ));
    }
}
