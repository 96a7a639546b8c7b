//! The year-end assessment (年终考核) in the pages: the ranked table for the supervisor,
//! leaders and deputies; each unit's score line by line with links to the reports, returns
//! and orders behind it, which the unit itself may open (and no other unit's); the
//! supervisor's forms for the weights and for bonus and penalty entries; the .xlsx download.

use super::chrome::Chrome;
use super::error::PageError;
use super::paths;
use super::session::Viewer;
use crate::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use shishi_core::{
    assess, can, format_points, latest_closed, Action, AdjustmentId, AdjustmentPoints, Assessment,
    AssessmentInput, AssessmentWeights, OrderId, Part, PlanId, Reason, Resource, Source, UnitId,
};
use shishi_store::{Actor, AssessmentEntry, NewAssessmentEntry, PlanSnapshot};
use std::collections::HashMap;
use std::sync::Arc;

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route(paths::ASSESSMENT, get(ranking))
        .route(paths::ASSESSMENT_XLSX, get(download))
        .route("/assessment/units/{unit}", get(unit_detail))
        .route(paths::ASSESSMENT_WEIGHTS, post(set_weights))
        .route(paths::ASSESSMENT_ENTRIES, post(add_entry))
        .route("/assessment/entries/{id}/withdraw", post(withdraw_entry))
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct PlanQuery {
    #[serde(default)]
    plan: String,
    #[serde(default)]
    done: String,
}

/// The plan asked for, or the newest.
async fn chosen_plan(state: &AppState, wanted: &str) -> Result<PlanId, PageError> {
    match wanted.trim() {
        "" => state
            .store
            .plans()
            .await?
            .first()
            .map(|p| p.id())
            .ok_or_else(|| PageError::NotFound("plan".to_owned())),
        text => Ok(PlanId::new(text.parse().map_err(|_| {
            PageError::BadRequest("计划编号应为数字。".to_owned())
        })?)),
    }
}

/// What every assessment view is computed from.
struct Computed {
    snapshot: Arc<PlanSnapshot>,
    assessment: Assessment,
    entries: Vec<AssessmentEntry>,
}

/// The assessment as of today, or the plan's last day once the year is over. Satisfaction
/// comes from the plan's latest closed survey (an open one's figures may still move): the
/// units it rated get their points, the others keep the redistribution of that weight.
async fn compute(state: &AppState, plan: PlanId) -> Result<Computed, PageError> {
    let snapshot = state.store.plan_snapshot(plan).await?;
    let weights = state.store.assessment_weights(plan).await?;
    let entries = state.store.assessment_entries(plan).await?;
    let surveys = state.store.surveys(plan).await?;
    let satisfaction = match latest_closed(&surveys) {
        Some(survey) => Some(
            state
                .store
                .survey_results(survey.id())
                .await?
                .satisfaction(),
        ),
        None => None,
    };
    let detail = &snapshot.detail;
    let items: Vec<_> = detail.items.iter().map(|d| d.item.clone()).collect();
    let targets: Vec<_> = detail
        .items
        .iter()
        .flat_map(|d| d.targets.iter().cloned())
        .collect();
    let adjustments: Vec<_> = entries
        .iter()
        .filter(|e| !e.is_withdrawn())
        .map(|e| e.adjustment.clone())
        .collect();
    let as_of = state.clock.today().min(detail.plan.year().last_day());
    let assessment = assess(&AssessmentInput {
        plan: &detail.plan,
        items: &items,
        targets: &targets,
        units: &detail.units,
        reports: &snapshot.reports,
        weights,
        adjustments: &adjustments,
        satisfaction: satisfaction.as_ref(),
        as_of,
    });
    Ok(Computed {
        snapshot,
        assessment,
        entries,
    })
}

struct RankRow {
    rank: u32,
    unit_id: i64,
    name: String,
    href: String,
    completion: String,
    timeliness: String,
    quality: String,
    satisfaction: String,
    adjustments: String,
    total: String,
}

struct EntryRow {
    id: i64,
    unit: String,
    points: String,
    bonus: bool,
    reason: String,
    order_href: Option<String>,
    order_id: Option<i64>,
    by: String,
    at: String,
    withdrawn: Option<String>,
    withdraw_action: String,
}

struct UnitChoice {
    id: i64,
    name: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "assessment.html")]
struct RankingPage {
    chrome: Chrome,
    admin: bool,
    plan_id: i64,
    plan_title: String,
    as_of: String,
    provisional: bool,
    weights: AssessmentWeights,
    rows: Vec<RankRow>,
    entries: Vec<EntryRow>,
    units: Vec<UnitChoice>,
    xlsx_href: String,
    done: Option<&'static str>,
}

fn done_words(done: &str) -> Option<&'static str> {
    match done {
        "weights" => Some("权重已保存，排名已按新权重计算。"),
        "entry" => Some("加减分已记入，相关单位的得分和排名已更新。"),
        "withdrawn" => Some("加减分已撤销（记录保留），得分已更新。"),
        _ => None,
    }
}

fn unit_names(snapshot: &PlanSnapshot) -> HashMap<UnitId, String> {
    snapshot
        .detail
        .units
        .iter()
        .map(|u| (u.id, u.name.clone()))
        .collect()
}

fn entry_rows(entries: &[AssessmentEntry], names: &HashMap<UnitId, String>) -> Vec<EntryRow> {
    entries
        .iter()
        .map(|e| {
            let a = &e.adjustment;
            EntryRow {
                id: a.id.get(),
                unit: names
                    .get(&a.unit)
                    .cloned()
                    .unwrap_or_else(|| format!("单位{}", a.unit)),
                points: format!(
                    "{}{}",
                    if a.points.is_bonus() { "+" } else { "" },
                    format_points(a.points.get())
                ),
                bonus: a.points.is_bonus(),
                reason: a.reason.as_str().to_owned(),
                order_href: a.order.map(|o| paths::order(o.get())),
                order_id: a.order.map(OrderId::get),
                by: e
                    .created_by_name
                    .clone()
                    .unwrap_or_else(|| "系统".to_owned()),
                at: e.created_at.chars().take(10).collect(),
                withdrawn: e.withdrawn.as_ref().map(|w| {
                    format!(
                        "{} 由{}撤销：{}",
                        w.at.chars().take(10).collect::<String>(),
                        w.by_name.clone().unwrap_or_else(|| "系统".to_owned()),
                        w.reason.as_str()
                    )
                }),
                withdraw_action: paths::withdraw_assessment_entry(a.id.get()),
            }
        })
        .collect()
}

/// `GET /assessment?plan=`: the ranked table, for those who read everything internal; the
/// supervisor also gets the forms.
pub(crate) async fn ranking(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<PlanQuery>,
) -> Result<Response, PageError> {
    let user = viewer.require(Action::ViewInternal, &Resource::System, paths::ASSESSMENT)?;
    let admin = can(Some(user), Action::EditPlan, &Resource::System);
    let plan = chosen_plan(&state, &query.plan).await?;
    let Computed {
        snapshot,
        assessment,
        entries,
    } = compute(&state, plan).await?;
    let names = unit_names(&snapshot);
    let rows = assessment
        .units
        .iter()
        .map(|u| RankRow {
            rank: u.rank,
            unit_id: u.unit.get(),
            name: u.name.clone(),
            href: paths::assessment_unit(u.unit.get(), plan.get()),
            completion: format_points(u.points(Part::Completion)),
            timeliness: format_points(u.points(Part::Timeliness)),
            quality: format_points(u.points(Part::Quality)),
            satisfaction: if u.has_satisfaction() {
                format_points(u.points(Part::Satisfaction))
            } else {
                "—".to_owned()
            },
            adjustments: format_points(u.adjustments()),
            total: format_points(u.total()),
        })
        .collect();
    let mut units: Vec<UnitChoice> = assessment
        .units
        .iter()
        .map(|u| UnitChoice {
            id: u.unit.get(),
            name: u.name.clone(),
        })
        .collect();
    units.sort_by(|a, b| a.name.cmp(&b.name));
    let plan_detail = &snapshot.detail.plan;
    let page = RankingPage {
        chrome: viewer.chrome("年终考核"),
        admin,
        plan_id: plan.get(),
        plan_title: format!("{}年 {}", plan_detail.year().get(), plan_detail.title()),
        as_of: assessment.as_of.to_string(),
        provisional: assessment.as_of < plan_detail.year().last_day(),
        weights: assessment.weights,
        rows,
        entries: entry_rows(&entries, &names),
        units,
        xlsx_href: format!("{}?plan={}", paths::ASSESSMENT_XLSX, plan.get()),
        done: done_words(&query.done),
    };
    Ok(page.into_response())
}

struct SourceLink {
    label: String,
    href: Option<String>,
}

struct LineRow {
    part: &'static str,
    deduction: bool,
    points: String,
    max: String,
    explanation: String,
    sources: Vec<SourceLink>,
}

struct PartRow {
    label: &'static str,
    points: String,
    max: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "assessment_unit.html")]
struct UnitPage {
    chrome: Chrome,
    name: String,
    plan_title: String,
    as_of: String,
    provisional: bool,
    rank: u32,
    of: usize,
    total: String,
    targets: usize,
    parts: Vec<PartRow>,
    lines: Vec<LineRow>,
    entries: Vec<EntryRow>,
    /// The ranked table, for those who may read it.
    ranking_href: Option<String>,
}

fn source_link(source: &Source) -> SourceLink {
    let href = match source {
        Source::Report { report, .. } | Source::Return { report, .. } => {
            Some(paths::report(report.get()))
        }
        Source::Order { order } => Some(paths::order(order.get())),
        // The source names the survey only; its results are one click on from the list.
        Source::Survey { .. } => Some(paths::SURVEYS.to_owned()),
    };
    SourceLink {
        label: source.label_zh(),
        href,
    }
}

/// `GET /assessment/units/{unit}?plan=`: one unit's score, every line with what it comes
/// from. The supervisor, leaders and deputies read any unit's; a unit's reporters and head
/// read their own unit's only.
pub(crate) async fn unit_detail(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(unit): Path<i64>,
    Query(query): Query<PlanQuery>,
) -> Result<Response, PageError> {
    let unit = UnitId::new(unit);
    let here = format!("/assessment/units/{unit}");
    let user = viewer.require(
        Action::ViewInternal,
        &Resource::Target {
            lead_units: std::slice::from_ref(&unit),
        },
        &here,
    )?;
    let plan = chosen_plan(&state, &query.plan).await?;
    let Computed {
        snapshot,
        assessment,
        entries,
    } = compute(&state, plan).await?;
    let score = assessment
        .unit(unit)
        .ok_or_else(|| PageError::NotFound(format!("unit {unit} in the assessment")))?;
    let names = unit_names(&snapshot);
    let own: Vec<AssessmentEntry> = entries
        .into_iter()
        .filter(|e| e.adjustment.unit == unit)
        .collect();
    let parts = Part::ALL
        .iter()
        .filter(|p| score.lines.iter().any(|l| l.part == **p))
        .map(|p| PartRow {
            label: p.label_zh(),
            points: format_points(score.points(*p)),
            max: format_points(score.max(*p)),
        })
        .collect();
    let lines = score
        .lines
        .iter()
        .map(|l| LineRow {
            part: l.part.label_zh(),
            deduction: l.points < 0.0,
            points: format_points(l.points),
            max: format_points(l.max),
            explanation: l.explanation.clone(),
            sources: l.sources.iter().map(source_link).collect(),
        })
        .collect();
    let plan_detail = &snapshot.detail.plan;
    let page = UnitPage {
        chrome: viewer.chrome(format!("年终考核 · {}", score.name)),
        name: score.name.clone(),
        plan_title: format!("{}年 {}", plan_detail.year().get(), plan_detail.title()),
        as_of: assessment.as_of.to_string(),
        provisional: assessment.as_of < plan_detail.year().last_day(),
        rank: score.rank,
        of: assessment.units.len(),
        total: format_points(score.total()),
        targets: score.targets,
        parts,
        lines,
        entries: entry_rows(&own, &names),
        ranking_href: can(Some(user), Action::ViewInternal, &Resource::System)
            .then(|| format!("{}?plan={}", paths::ASSESSMENT, plan.get())),
    };
    Ok(page.into_response())
}

/// `GET /assessment.xlsx?plan=`: sheets 排名 and 明细.
pub(crate) async fn download(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<PlanQuery>,
) -> Result<Response, PageError> {
    viewer.require(Action::ViewInternal, &Resource::System, paths::ASSESSMENT)?;
    let plan = chosen_plan(&state, &query.plan).await?;
    let Computed {
        snapshot,
        assessment,
        ..
    } = compute(&state, plan).await?;
    let title = snapshot.detail.plan.title().to_owned();
    let name = format!("{title}年终考核.xlsx");
    let bytes =
        tokio::task::spawn_blocking(move || shishi_docs::assessment::to_xlsx(&title, &assessment))
            .await
            .map_err(PageError::internal)?
            .map_err(PageError::internal)?;
    let mut headers = HeaderMap::new();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(XLSX));
    let mut encoded = String::with_capacity(name.len() * 3);
    for byte in name.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte) {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    if let Ok(value) = HeaderValue::from_str(&format!(
        "attachment; filename=\"assessment.xlsx\"; filename*=UTF-8''{encoded}"
    )) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    Ok((headers, bytes).into_response())
}

#[derive(Debug, Deserialize)]
pub(crate) struct WeightsForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    plan: String,
    #[serde(default)]
    completion: String,
    #[serde(default)]
    timeliness: String,
    #[serde(default)]
    quality: String,
    #[serde(default)]
    satisfaction: String,
}

/// The supervisor, once the form's token is checked.
fn supervisor<'a>(viewer: &'a Viewer, csrf: &str) -> Result<&'a shishi_core::User, PageError> {
    viewer.check_csrf(csrf)?;
    viewer.require(Action::EditPlan, &Resource::System, paths::ASSESSMENT)
}

fn whole_points(text: &str, label: &str) -> Result<u32, PageError> {
    text.trim()
        .parse()
        .map_err(|_| PageError::BadRequest(format!("{label}的权重应为0到100的整数。")))
}

/// `POST /assessment/weights`: the plan's weights, summing to 100.
pub(crate) async fn set_weights(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<WeightsForm>,
) -> Result<Response, PageError> {
    let user = supervisor(&viewer, &form.csrf)?;
    let plan = chosen_plan(&state, &form.plan).await?;
    let weights = AssessmentWeights::new(
        whole_points(&form.completion, "目标完成")?,
        whole_points(&form.timeliness, "报送及时")?,
        whole_points(&form.quality, "报告质量")?,
        whole_points(&form.satisfaction, "群众满意度")?,
    )
    .map_err(|e| PageError::BadRequest(format!("{e}。")))?;
    state
        .store
        .set_assessment_weights(Actor::User(user.id), plan, weights)
        .await?;
    Ok(Redirect::to(&format!(
        "{}?plan={}&done=weights",
        paths::ASSESSMENT,
        plan.get()
    ))
    .into_response())
}

#[derive(Debug, Deserialize)]
pub(crate) struct EntryForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    plan: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    points: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    order: String,
}

/// `POST /assessment/entries`: a bonus (positive points) or penalty (negative) with its
/// reason, for one of the plan's lead units, optionally naming a supervision order.
pub(crate) async fn add_entry(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<EntryForm>,
) -> Result<Response, PageError> {
    let user = supervisor(&viewer, &form.csrf)?;
    let plan = chosen_plan(&state, &form.plan).await?;
    let unit = UnitId::new(
        form.unit
            .trim()
            .parse()
            .map_err(|_| PageError::BadRequest("请选择单位。".to_owned()))?,
    );
    let points = form
        .points
        .trim()
        .parse::<f64>()
        .map_err(|_| PageError::BadRequest("分值应为数字：加分为正数，扣分为负数。".to_owned()))
        .and_then(|p| {
            AdjustmentPoints::new(p).map_err(|e| PageError::BadRequest(format!("{e}。")))
        })?;
    let reason = Reason::parse(&form.reason)
        .map_err(|_| PageError::BadRequest("加减分须写明理由。".to_owned()))?;
    let order = match form.order.trim() {
        "" => None,
        text => Some(OrderId::new(text.parse().map_err(|_| {
            PageError::BadRequest("督办单编号应为数字，不涉及督办单可不填。".to_owned())
        })?)),
    };
    state
        .store
        .add_assessment_entry(
            Actor::User(user.id),
            NewAssessmentEntry {
                plan,
                unit,
                points,
                reason,
                order,
            },
        )
        .await?;
    Ok(Redirect::to(&format!(
        "{}?plan={}&done=entry",
        paths::ASSESSMENT,
        plan.get()
    ))
    .into_response())
}

#[derive(Debug, Deserialize)]
pub(crate) struct WithdrawForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    reason: String,
}

/// `POST /assessment/entries/{id}/withdraw`: the entry stops counting; it stays, with who
/// withdrew it, when and why.
pub(crate) async fn withdraw_entry(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(form): Form<WithdrawForm>,
) -> Result<Response, PageError> {
    let user = supervisor(&viewer, &form.csrf)?;
    let reason = Reason::parse(&form.reason)
        .map_err(|_| PageError::BadRequest("撤销加减分须写明原因。".to_owned()))?;
    let entry = state
        .store
        .withdraw_assessment_entry(Actor::User(user.id), AdjustmentId::new(id), reason)
        .await?;
    Ok(Redirect::to(&format!(
        "{}?plan={}&done=withdrawn",
        paths::ASSESSMENT,
        entry.plan.get()
    ))
    .into_response())
}
