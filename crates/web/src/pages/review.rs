//! The review queue: every report waiting for the supervisor's decision, with everything the
//! unit sent, and the two decisions (approve; return with a reason). Leaders and deputies
//! read the queue without the forms.

use super::chrome::Chrome;
use super::error::PageError;
use super::paths;
use super::session::Viewer;
use super::shown::photo_caption;
use crate::standing::{commitment, joined_names, number, unit_names};
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
    can, check, Action, Actual, Measure, Reason, Report, ReportId, ReportState, Resource, User,
};
use shishi_store::Actor;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route(paths::REVIEW, get(queue))
        .route("/reports/{id}/approve", post(approve))
        .route("/reports/{id}/return", post(send_back))
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct QueueQuery {
    #[serde(default)]
    done: String,
}

struct Photo {
    src: String,
    alt: String,
    caption: String,
}

struct Document {
    href: String,
    name: String,
    size: String,
}

struct Entry {
    id: i64,
    report_href: String,
    approve_action: String,
    return_action: String,
    plan_title: String,
    item_href: String,
    item_seq: u32,
    item_title: String,
    target: String,
    commitment: String,
    units: String,
    period: String,
    revision: u32,
    state_label: &'static str,
    submitted_on: String,
    actual: String,
    progress: String,
    problems: String,
    next_steps: String,
    funds: Option<String>,
    /// Why the previous revision was sent back, so the reviewer checks it was addressed.
    last_return: Option<String>,
    photos: Vec<Photo>,
    documents: Vec<Document>,
    can_act: bool,
    /// A refused return of this report: what was wrong, and what was typed.
    error: Option<String>,
    reason: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "review.html")]
struct ReviewPage {
    chrome: Chrome,
    done: Option<&'static str>,
    read_only: bool,
    entries: Vec<Entry>,
}

/// A refused form to show again beside its report.
struct Refused {
    report: ReportId,
    message: String,
    reason: String,
}

/// `GET /review`.
pub(crate) async fn queue(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<QueueQuery>,
) -> Result<Response, PageError> {
    let user = viewer.require(Action::ViewInternal, &Resource::System, paths::REVIEW)?;
    let done = match query.done.as_str() {
        "approved" => Some("已审核通过，该报告的数据已在公开页面生效。"),
        "returned" => Some("已退回，填报单位将看到退回原因。"),
        _ => None,
    };
    let page = page(&state, &viewer, user, done, None).await?;
    Ok(page.into_response())
}

async fn page(
    state: &AppState,
    viewer: &Viewer,
    user: &User,
    done: Option<&'static str>,
    refused: Option<Refused>,
) -> Result<ReviewPage, PageError> {
    let mut entries = Vec::new();
    for plan in state.store.plans().await? {
        let detail = state.store.plan(plan.id()).await?;
        let waiting: Vec<Report> = state
            .store
            .reports_for_plan(plan.id())
            .await?
            .into_iter()
            .filter(|r| *r.state() == ready_state(&detail.plan))
            .collect();
        if waiting.is_empty() {
            continue;
        }
        let ids: Vec<ReportId> = waiting.iter().map(Report::id).collect();
        let attachments = state.store.attachments_for_reports(&ids).await?;
        let names = unit_names(&detail);
        for report in &waiting {
            let Some((entry, target)) = detail.items.iter().find_map(|entry| {
                entry
                    .targets
                    .iter()
                    .find(|t| t.id == report.target())
                    .map(|t| (entry, t))
            }) else {
                continue;
            };
            let item = &entry.item;
            let current = report.current();
            let content = &current.content;
            let can_act = can(
                Some(user),
                Action::ApproveReport,
                &Resource::Report {
                    lead_units: &item.lead_units,
                    state: report.state(),
                },
            );
            let files: Vec<_> = attachments
                .iter()
                .filter(|a| a.report == report.id())
                .collect();
            let refused_here = refused.as_ref().filter(|r| r.report == report.id());
            entries.push(Entry {
                id: report.id().get(),
                report_href: paths::report(report.id().get()),
                approve_action: paths::approve_report(report.id().get()),
                return_action: paths::return_report(report.id().get()),
                plan_title: detail.plan.title().to_owned(),
                item_href: paths::item(item.id.get()),
                item_seq: item.seq,
                item_title: item.title.clone(),
                target: target.text.clone(),
                commitment: commitment(&target.measure),
                units: joined_names(&names, &item.lead_units),
                period: report.period().to_string(),
                revision: current.number,
                state_label: report.state().label_zh(),
                submitted_on: current
                    .submitted_on
                    .map(|d| d.to_string())
                    .unwrap_or_default(),
                actual: figure(&content.actual, &target.measure),
                progress: content.progress.clone(),
                problems: content.problems.clone(),
                next_steps: content.next_steps.clone(),
                funds: content.funds.clone().filter(|f| !f.trim().is_empty()),
                last_return: report.revisions().filter_map(returned_because).last(),
                photos: files
                    .iter()
                    .filter(|a| a.content_type.starts_with("image/"))
                    .map(|a| Photo {
                        src: paths::file(&a.hash),
                        alt: format!("{} {} 现场照片：{}", item.title, report.period(), a.name),
                        caption: photo_caption(a),
                    })
                    .collect(),
                documents: files
                    .iter()
                    .filter(|a| !a.content_type.starts_with("image/"))
                    .map(|a| Document {
                        href: paths::file(&a.hash),
                        name: a.name.clone(),
                        size: size_words(a.size),
                    })
                    .collect(),
                can_act,
                error: refused_here.map(|r| r.message.clone()),
                reason: refused_here.map(|r| r.reason.clone()).unwrap_or_default(),
            });
        }
    }
    // The longest waiting first.
    entries.sort_by(|a, b| {
        (a.submitted_on.as_str(), a.period.as_str(), a.id).cmp(&(
            b.submitted_on.as_str(),
            b.period.as_str(),
            b.id,
        ))
    });
    let read_only = !can(Some(user), Action::ApproveReport, &Resource::System);
    Ok(ReviewPage {
        chrome: viewer.chrome("审核报送"),
        done,
        read_only,
        entries,
    })
}

/// The state in which a report waits for the supervisor: submitted, or approved by the
/// unit head first on plans that ask for that step.
fn ready_state(plan: &shishi_core::Plan) -> ReportState {
    if plan.settings().require_unit_head_approval {
        ReportState::UnitHeadApproved
    } else {
        ReportState::Submitted
    }
}

fn returned_because(revision: &shishi_core::Revision) -> Option<String> {
    match &revision.state {
        ReportState::Returned { reason } => Some(reason.as_str().to_owned()),
        _ => None,
    }
}

/// The figure as the unit reported it, with the target's unit of measure.
fn figure(actual: &Actual, measure: &Measure) -> String {
    match actual {
        Actual::Value(v) => match measure {
            Measure::Quantity(q) => format!("累计 {} {}", number(v.get()), q.unit()),
            Measure::Milestone => number(v.get()),
        },
        Actual::Percent(p) => format!("完成 {}%", number(p.get())),
    }
}

fn size_words(bytes: u64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
    } else {
        format!("{} KB", bytes.div_ceil(1024))
    }
}

#[derive(Deserialize)]
pub(crate) struct DecisionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    reason: String,
}

/// The viewer, once the form's token and their right to `action` on the report are checked,
/// and the report is at a stage that allows it: approval only when it waits for the
/// supervisor; a return at either review stage (a unit head may return a submitted report,
/// as in the API).
async fn decidable(
    state: &AppState,
    viewer: &Viewer,
    form: &DecisionForm,
    id: ReportId,
    action: Action,
) -> Result<User, PageError> {
    viewer.check_csrf(&form.csrf)?;
    let user = viewer.signed_in(paths::REVIEW)?.clone();
    let report = state.store.report(id).await?;
    let scope = state.store.target_scope(report.target()).await?;
    check(
        Some(&user),
        action,
        &Resource::Report {
            lead_units: &scope.lead_units,
            state: report.state(),
        },
    )?;
    let ready = match action {
        Action::ApproveReport => *report.state() == ready_state(&scope.plan),
        _ => matches!(
            report.state(),
            ReportState::Submitted | ReportState::UnitHeadApproved
        ),
    };
    if !ready {
        return Err(PageError::Conflict(format!(
            "该报告目前为“{}”，不在待审核状态，可能已由他人处理。请返回审核列表刷新。",
            report.state().label_zh()
        )));
    }
    Ok(user)
}

/// `POST /reports/{id}/approve`.
pub(crate) async fn approve(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(form): Form<DecisionForm>,
) -> Result<Response, PageError> {
    let id = ReportId::new(id);
    let user = decidable(&state, &viewer, &form, id, Action::ApproveReport).await?;
    state.store.approve_report(Actor::User(user.id), id).await?;
    Ok(Redirect::to(&done_path("approved")).into_response())
}

/// `POST /reports/{id}/return`: refused, changing nothing, without a reason.
pub(crate) async fn send_back(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(form): Form<DecisionForm>,
) -> Result<Response, PageError> {
    let id = ReportId::new(id);
    let user = decidable(&state, &viewer, &form, id, Action::ReturnReport).await?;
    let supervisor = can(Some(&user), Action::ViewInternal, &Resource::System);
    let Ok(reason) = Reason::parse(&form.reason) else {
        if !supervisor {
            // A unit head returns from the report's own page, not from this queue.
            return Err(PageError::BadRequest(
                "退回时须填写退回原因，告诉填报人需要修改什么。".to_owned(),
            ));
        }
        let refused = Refused {
            report: id,
            message: "退回时须填写退回原因，告诉填报单位需要修改什么。".to_owned(),
            reason: form.reason.clone(),
        };
        let page = page(&state, &viewer, &user, None, Some(refused)).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    };
    state
        .store
        .return_report(Actor::User(user.id), id, reason)
        .await?;
    if supervisor {
        Ok(Redirect::to(&done_path("returned")).into_response())
    } else {
        Ok(Redirect::to(&paths::report(id.get())).into_response())
    }
}

fn done_path(what: &str) -> String {
    format!("{}?done={what}", paths::REVIEW)
}
