//! The unit's side: a reporter's (and unit head's) targets with the months due, the monthly
//! report form with its photos and documents, a report's history, and the unit head's
//! approval where the plan asks for it. The same permission rules as the API; a form with a
//! mistake comes back with what was typed and a message by each wrong field, having written
//! nothing.

use super::chrome::Chrome;
use super::error::PageError;
use super::form::FieldErrors;
use super::paths;
use super::session::Viewer;
use super::shown::shown_actual;
use super::uploads::{self, MAX_DOCUMENT_BYTES, MAX_FILES};
use crate::standing::{commitment, figure, number, standings, status_words};
use crate::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::multipart::{MultipartError, MultipartRejection};
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use shishi_core::{
    can, check, Action, Actual, Measure, Percent, Period, Plan, Report, ReportContent, ReportId,
    ReportState, ReportValue, Resource, Revision, Role, Target, TargetId, User,
};
use shishi_store::{Actor, Attachment, NewAttachment, PlanDetail, StoreError, TargetScope};
use time::{Date, UtcOffset};

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route(paths::MY_TARGETS, get(my_targets))
        .route(
            "/targets/{id}/report",
            get(report_form)
                .post(submit_report)
                .layer(DefaultBodyLimit::max(uploads::MAX_BODY_BYTES)),
        )
        .route("/reports/{id}", get(report_page))
        .route("/reports/{id}/unit-approve", post(unit_approve))
}

/// The longest text a report field takes: a month's account of the works, not a book.
const MAX_TEXT_CHARS: usize = 5000;
/// What a text part of the form may carry before it is refused unread.
const MAX_TEXT_BYTES: usize = 64 * 1024;

// ---------------------------------------------------------------------------------------
// What the pages share

/// A report's state as the unit reads it, with the class that colours it.
fn state_words(state: &ReportState) -> (&'static str, String) {
    match state {
        ReportState::Draft => ("draft", "草稿".to_owned()),
        ReportState::Submitted => ("submitted", "已报送".to_owned()),
        ReportState::UnitHeadApproved => ("unit_head_approved", "单位负责人已审".to_owned()),
        ReportState::Approved => ("approved", "已通过".to_owned()),
        ReportState::Returned { reason } => ("returned", format!("已退回（{}）", reason.as_str())),
    }
}

/// Waiting for a reviewer: it cannot be changed until it is approved or returned.
fn under_review(state: &ReportState) -> bool {
    matches!(
        state,
        ReportState::Submitted | ReportState::UnitHeadApproved
    )
}

/// The months a unit may report for: from the plan's first one up to this month, within the
/// plan year.
fn plan_periods(plan: &Plan, today: Date) -> Vec<Period> {
    let last_of_year = Period::new(plan.year().get(), 12).unwrap_or(plan.first_period());
    let last = Period::of(today).min(last_of_year);
    let mut out = Vec::new();
    let mut month = plan.first_period();
    while month <= last {
        out.push(month);
        month = month.next();
    }
    out
}

/// The months a target's report is due for, as the core counts them (up to this month and
/// no later than the target's deadline), and any later month already reported.
fn due_periods(plan: &Plan, target: &Target, reports: &[&Report], today: Date) -> Vec<Period> {
    let last = Period::of(today).min(Period::of(target.schedule.deadline()));
    let mut out: Vec<Period> = plan_periods(plan, today)
        .into_iter()
        .filter(|p| *p <= last)
        .collect();
    for report in reports {
        if !out.contains(&report.period()) {
            out.push(report.period());
        }
    }
    out.sort();
    out
}

/// A month is overdue once its due day has passed with nothing submitted for it.
fn is_overdue(plan: &Plan, period: Period, report: Option<&Report>, today: Date) -> bool {
    today > period.due_date(plan.settings().due_day) && !report.is_some_and(Report::was_submitted)
}

fn beijing() -> UtcOffset {
    UtcOffset::from_hms(8, 0, 0).unwrap_or(UtcOffset::UTC)
}

/// An RFC 3339 time as Beijing time to the minute: "2020-07-15 10:32".
fn local_minute(rfc3339: &str) -> String {
    use time::format_description::well_known::Rfc3339;
    match time::OffsetDateTime::parse(rfc3339, &Rfc3339) {
        Ok(at) => {
            let at = at.to_offset(beijing());
            format!("{} {:02}:{:02}", at.date(), at.hour(), at.minute())
        }
        Err(_) => rfc3339.get(..10).unwrap_or(rfc3339).to_owned(),
    }
}

struct PhotoView {
    src: String,
    alt: String,
    caption: String,
}

struct DocumentView {
    href: String,
    name: String,
    size: String,
}

struct RevisionView {
    number: u32,
    current: bool,
    figure: String,
    state_class: &'static str,
    state_label: String,
    submitted_on: String,
    progress: String,
    problems: String,
    next_steps: String,
    funds: String,
    photos: Vec<PhotoView>,
    documents: Vec<DocumentView>,
}

/// Every revision of `report`, newest first, each with the files it came with.
fn revision_views(report: &Report, measure: &Measure, files: &[Attachment]) -> Vec<RevisionView> {
    let current = report.current().number;
    let mut views: Vec<RevisionView> = report
        .revisions()
        .map(|r| revision_view(report, r, r.number == current, measure, files))
        .collect();
    views.reverse();
    views
}

fn revision_view(
    report: &Report,
    revision: &Revision,
    current: bool,
    measure: &Measure,
    files: &[Attachment],
) -> RevisionView {
    let (state_class, state_label) = state_words(&revision.state);
    let ours: Vec<&Attachment> = files
        .iter()
        .filter(|a| a.report == report.id() && a.revision == revision.number)
        .collect();
    RevisionView {
        number: revision.number,
        current,
        figure: shown_actual(&revision.content.actual, measure),
        state_class,
        state_label,
        submitted_on: revision
            .submitted_on
            .map(|d| d.to_string())
            .unwrap_or_else(|| "未报送".to_owned()),
        progress: revision.content.progress.clone(),
        problems: revision.content.problems.clone(),
        next_steps: revision.content.next_steps.clone(),
        funds: revision.content.funds.clone().unwrap_or_default(),
        photos: ours
            .iter()
            .filter(|a| a.content_type.starts_with("image/"))
            .map(|a| {
                let uploaded = format!("上传于 {}", local_minute(&a.uploaded_at));
                PhotoView {
                    src: paths::file(&a.hash),
                    alt: format!("{} 现场照片：{}", report.period(), a.name),
                    caption: match &a.captured_at {
                        Some(at) => format!("拍摄于 {} · {uploaded}", at.replace('T', " ")),
                        None => uploaded,
                    },
                }
            })
            .collect(),
        documents: ours
            .iter()
            .filter(|a| !a.content_type.starts_with("image/"))
            .map(|a| DocumentView {
                href: paths::file(&a.hash),
                name: a.name.clone(),
                size: uploads::size_words(a.size),
            })
            .collect(),
    }
}

/// "3. 新建幼儿园" for a target's item.
fn item_title(detail: &PlanDetail, target: &Target) -> String {
    detail
        .items
        .iter()
        .find(|e| e.item.id == target.item)
        .map(|e| format!("{}. {}", e.item.seq, e.item.title))
        .unwrap_or_default()
}

// ---------------------------------------------------------------------------------------
// My targets

#[derive(Debug, Default, Deserialize)]
pub(crate) struct MyQuery {
    #[serde(default)]
    plan: String,
    #[serde(default)]
    done: String,
}

struct PlanLink {
    href: String,
    label: String,
    current: bool,
}

struct PeriodCell {
    period: String,
    state_class: &'static str,
    state: String,
    overdue: bool,
    href: Option<String>,
}

struct TargetCard {
    item: String,
    item_href: String,
    text: String,
    commitment: String,
    deadline: String,
    status_class: &'static str,
    status_label: &'static str,
    actual: String,
    periods: Vec<PeriodCell>,
    overdue: usize,
    report_href: Option<String>,
}

struct Pending {
    href: String,
    title: String,
    period: String,
    figure: String,
    submitted_on: String,
    progress: String,
    approve_action: String,
    return_action: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "my_targets.html")]
struct MyTargetsPage {
    chrome: Chrome,
    plan_title: Option<String>,
    plans: Vec<PlanLink>,
    unit_name: String,
    no_unit: bool,
    today: String,
    due_day: u8,
    targets: Vec<TargetCard>,
    /// Some for a unit head on a plan with the unit head's step.
    pending: Option<Vec<Pending>>,
    done: Option<&'static str>,
}

/// `GET /my`: the targets the viewer's unit leads, with the months due and their state.
pub(crate) async fn my_targets(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<MyQuery>,
) -> Result<Response, PageError> {
    let user = viewer.signed_in(paths::MY_TARGETS)?.clone();
    if !matches!(user.role, Role::Reporter | Role::UnitHead) {
        // Supervisors and readers have the whole plan on their dashboard.
        return Ok(Redirect::to(paths::DASHBOARD).into_response());
    }
    let today = state.clock.today();
    let plans = state.store.plans().await?;
    let chosen = match query.plan.trim() {
        "" => plans.first(),
        wanted => {
            let id: i64 = wanted
                .parse()
                .map_err(|_| PageError::NotFound(format!("plan {wanted}")))?;
            Some(
                plans
                    .iter()
                    .find(|p| p.id().get() == id)
                    .ok_or_else(|| PageError::NotFound(format!("plan {id}")))?,
            )
        }
    };
    let done = match query.done.as_str() {
        "unit-approved" => Some("已审核通过，报告已送督查室审核。"),
        _ => None,
    };
    let mut page = MyTargetsPage {
        chrome: viewer.chrome("我的任务"),
        plan_title: None,
        plans: Vec::new(),
        unit_name: String::new(),
        no_unit: user.unit.is_none(),
        today: today.to_string(),
        due_day: 25,
        targets: Vec::new(),
        pending: None,
        done,
    };
    let Some(plan) = chosen else {
        return Ok(page.into_response());
    };
    page.plans = plans
        .iter()
        .map(|p| PlanLink {
            href: format!("{}?plan={}", paths::MY_TARGETS, p.id().get()),
            label: format!("{}年 {}", p.year().get(), p.title()),
            current: p.id() == plan.id(),
        })
        .collect();
    let snapshot = state.store.plan_snapshot(plan.id()).await?;
    let (detail, reports) = (&snapshot.detail, &snapshot.reports);
    page.plan_title = Some(detail.plan.title().to_owned());
    page.due_day = detail.plan.settings().due_day.get();
    let Some(unit) = user.unit else {
        return Ok(page.into_response());
    };
    page.unit_name = state
        .store
        .units()
        .await?
        .into_iter()
        .find(|u| u.id == unit)
        .map(|u| u.name)
        .unwrap_or_default();
    let standing = standings(detail, reports, today);
    let plan = &detail.plan;
    let mut pending = Vec::new();
    for (entry, item_standing) in detail.items.iter().zip(&standing) {
        if !entry.item.lead_units.contains(&unit) {
            continue;
        }
        let scope = Resource::Target {
            lead_units: &entry.item.lead_units,
        };
        let may_submit = can(Some(&user), Action::SubmitReport, &scope);
        for (target, st) in entry.targets.iter().zip(&item_standing.targets) {
            let ours: Vec<&Report> = reports.iter().filter(|r| r.target() == target.id).collect();
            let periods: Vec<PeriodCell> = due_periods(plan, target, &ours, today)
                .into_iter()
                .map(|period| {
                    let report = ours.iter().copied().find(|r| r.period() == period);
                    let (state_class, state) = match report {
                        Some(r) => state_words(r.state()),
                        None => ("none", "未报".to_owned()),
                    };
                    let href = match report {
                        Some(r) => Some(paths::report(r.id().get())),
                        None if may_submit => Some(form_href(target.id, period)),
                        None => None,
                    };
                    PeriodCell {
                        period: period.to_string(),
                        state_class,
                        state,
                        overdue: is_overdue(plan, period, report, today),
                        href,
                    }
                })
                .collect();
            for report in &ours {
                if *report.state() == ReportState::Submitted
                    && plan.settings().require_unit_head_approval
                    && user.role == Role::UnitHead
                {
                    let current = report.current();
                    pending.push(Pending {
                        href: paths::report(report.id().get()),
                        title: format!("{} · {}", item_title(detail, target), target.text),
                        period: report.period().to_string(),
                        figure: shown_actual(&current.content.actual, &target.measure),
                        submitted_on: current
                            .submitted_on
                            .map(|d| d.to_string())
                            .unwrap_or_default(),
                        progress: current.content.progress.clone(),
                        approve_action: paths::unit_approve_report(report.id().get()),
                        return_action: paths::return_report(report.id().get()),
                    });
                }
            }
            let (status_class, status_label) = status_words(Some(st.status.status()));
            page.targets.push(TargetCard {
                item: format!("{}. {}", entry.item.seq, entry.item.title),
                item_href: paths::item(entry.item.id.get()),
                text: target.text.clone(),
                commitment: commitment(&target.measure),
                deadline: target.schedule.deadline().to_string(),
                status_class,
                status_label,
                actual: match (st.actual, st.status.last_approved()) {
                    (Some(a), Some(period)) => {
                        let shown = match &target.measure {
                            Measure::Quantity(q) => figure(a, q.unit()),
                            Measure::Milestone => format!("完成 {}%", number(a)),
                        };
                        format!("{shown}（{period}）")
                    }
                    _ => "尚无核实数据".to_owned(),
                },
                overdue: periods.iter().filter(|p| p.overdue).count(),
                periods,
                report_href: may_submit.then(|| paths::report_form(target.id.get())),
            });
        }
    }
    if user.role == Role::UnitHead && plan.settings().require_unit_head_approval {
        pending.sort_by(|a, b| a.period.cmp(&b.period).then(a.title.cmp(&b.title)));
        page.pending = Some(pending);
    }
    Ok(page.into_response())
}

fn form_href(target: TargetId, period: Period) -> String {
    format!("{}?period={period}", paths::report_form(target.get()))
}

// ---------------------------------------------------------------------------------------
// The report form

/// The form as typed (or as stored, on first showing).
#[derive(Debug, Default, Clone)]
struct ReportTyped {
    period: String,
    value: String,
    progress: String,
    problems: String,
    next_steps: String,
    funds: String,
}

impl ReportTyped {
    fn from_revision(period: Period, revision: Option<&Revision>) -> Self {
        let mut typed = ReportTyped {
            period: period.to_string(),
            ..ReportTyped::default()
        };
        if let Some(revision) = revision {
            let content = &revision.content;
            typed.value = match content.actual {
                Actual::Value(v) => number(v.get()),
                Actual::Percent(p) => format!("{}%", number(p.get())),
            };
            typed.progress = content.progress.clone();
            typed.problems = content.problems.clone();
            typed.next_steps = content.next_steps.clone();
            typed.funds = content.funds.clone().unwrap_or_default();
        }
        typed
    }
}

struct PeriodChoice {
    value: String,
    selected: bool,
}

struct PeriodLink {
    href: String,
    label: String,
    current: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "report_form.html")]
struct ReportFormPage {
    chrome: Chrome,
    action: String,
    item: String,
    item_href: String,
    target_text: String,
    commitment: String,
    deadline: String,
    milestone: bool,
    unit_word: String,
    last_approved: String,
    period: String,
    periods: Vec<PeriodChoice>,
    period_links: Vec<PeriodLink>,
    due: String,
    overdue: bool,
    /// The month's report so far: its page, and whether it waits for a reviewer.
    existing_href: Option<String>,
    existing_state: String,
    locked: bool,
    /// The number the next submission will have when it corrects a closed report.
    correction: Option<u32>,
    revisions: Vec<RevisionView>,
    form: ReportTyped,
    files_resend: bool,
    errors: FieldErrors,
    max_files: usize,
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct FormQuery {
    #[serde(default)]
    period: String,
}

/// `GET /targets/{id}/report`.
pub(crate) async fn report_form(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Query(query): Query<FormQuery>,
) -> Result<Response, PageError> {
    let target_id = TargetId::new(id);
    let scope = state.store.target_scope(target_id).await?;
    viewer.require(
        Action::SubmitReport,
        &Resource::Target {
            lead_units: &scope.lead_units,
        },
        &paths::report_form(id),
    )?;
    let today = state.clock.today();
    let reports = state.store.reports_for_target(target_id).await?;
    let periods = plan_periods(&scope.plan, today);
    let period = match query.period.trim() {
        "" => default_period(&scope, &reports, &periods, today)?,
        typed => Period::parse(typed)
            .ok()
            .filter(|p| periods.contains(p))
            .ok_or_else(|| {
                PageError::BadRequest(format!(
                    "“{typed}”不是本计划可报送的月份（{} 至 {}）。",
                    periods.first().map(|p| p.to_string()).unwrap_or_default(),
                    periods.last().map(|p| p.to_string()).unwrap_or_default()
                ))
            })?,
    };
    let existing = reports.iter().find(|r| r.period() == period);
    let typed = ReportTyped::from_revision(period, existing.map(Report::current));
    let page = form_page(
        &state,
        &viewer,
        &scope,
        period,
        typed,
        false,
        FieldErrors::default(),
    )
    .await?;
    Ok(page.into_response())
}

/// The earliest month due with nothing submitted for it; else this month (or the plan's
/// last month, once the year is over).
fn default_period(
    scope: &TargetScope,
    reports: &[Report],
    periods: &[Period],
    today: Date,
) -> Result<Period, PageError> {
    let ours: Vec<&Report> = reports.iter().collect();
    let missing = due_periods(&scope.plan, &scope.target, &ours, today)
        .into_iter()
        .find(|p| {
            !reports
                .iter()
                .any(|r| r.period() == *p && r.was_submitted())
        });
    missing.or_else(|| periods.last().copied()).ok_or_else(|| {
        PageError::BadRequest(format!(
            "本计划从 {} 起报送，现在还不能填报。",
            scope.plan.first_period()
        ))
    })
}

async fn form_page(
    state: &AppState,
    viewer: &Viewer,
    scope: &TargetScope,
    period: Period,
    form: ReportTyped,
    files_resend: bool,
    errors: FieldErrors,
) -> Result<ReportFormPage, PageError> {
    let today = state.clock.today();
    let target = &scope.target;
    let detail = state.store.plan(scope.plan.id()).await?;
    let plan_reports = state.store.reports_for_plan(scope.plan.id()).await?;
    let standing = standings(&detail, &plan_reports, today);
    let target_standing = detail.items.iter().zip(&standing).find_map(|(entry, st)| {
        entry
            .targets
            .iter()
            .zip(&st.targets)
            .find(|(t, _)| t.id == target.id)
            .map(|(_, s)| s.clone())
    });
    let last_approved = match target_standing
        .as_ref()
        .and_then(|s| Some((s.actual?, s.status.last_approved()?)))
    {
        Some((actual, month)) => {
            let shown = match &target.measure {
                Measure::Quantity(q) => figure(actual, q.unit()),
                Measure::Milestone => format!("完成 {}%", number(actual)),
            };
            format!("{shown}（{month} 报告，已审核）")
        }
        None => "尚无核实数据".to_owned(),
    };
    let existing = plan_reports
        .iter()
        .find(|r| r.target() == target.id && r.period() == period);
    let files = match existing {
        Some(report) => state.store.attachments_for_report(report.id()).await?,
        None => Vec::new(),
    };
    let periods = plan_periods(&scope.plan, today);
    let ours: Vec<&Report> = plan_reports
        .iter()
        .filter(|r| r.target() == target.id)
        .collect();
    let due_date = period.due_date(scope.plan.settings().due_day);
    Ok(ReportFormPage {
        chrome: viewer.chrome(format!("填报 {period}")),
        action: paths::report_form(target.id.get()),
        item: item_title(&detail, target),
        item_href: paths::item(target.item.get()),
        target_text: target.text.clone(),
        commitment: commitment(&target.measure),
        deadline: target.schedule.deadline().to_string(),
        milestone: matches!(target.measure, Measure::Milestone),
        unit_word: match &target.measure {
            Measure::Quantity(q) => q.unit().to_owned(),
            Measure::Milestone => "%".to_owned(),
        },
        last_approved,
        period: period.to_string(),
        periods: periods
            .iter()
            .map(|p| PeriodChoice {
                value: p.to_string(),
                selected: p.to_string() == form.period,
            })
            .collect(),
        period_links: periods
            .iter()
            .rev()
            .map(|p| {
                let report = ours.iter().find(|r| r.period() == *p);
                let state = match report {
                    Some(r) => state_words(r.state()).1,
                    None => "未报".to_owned(),
                };
                PeriodLink {
                    href: form_href(target.id, *p),
                    label: format!("{p}（{state}）"),
                    current: *p == period,
                }
            })
            .collect(),
        due: due_date.to_string(),
        overdue: is_overdue(&scope.plan, period, existing, today),
        existing_href: existing.map(|r| paths::report(r.id().get())),
        existing_state: existing
            .map(|r| state_words(r.state()).1)
            .unwrap_or_default(),
        locked: existing.is_some_and(|r| under_review(r.state())),
        correction: existing
            .filter(|r| r.state().is_closed())
            .map(|r| r.current().number + 1),
        revisions: existing
            .map(|r| revision_views(r, &target.measure, &files))
            .unwrap_or_default(),
        form,
        files_resend,
        errors,
        max_files: MAX_FILES,
    })
}

/// One file part of the form as sent.
struct SentFile {
    name: String,
    bytes: Vec<u8>,
    /// More than any file may be: only the start was kept.
    too_large: bool,
}

/// Why the form could not be read to its end.
enum ReadFailure {
    TooLarge,
    Broken,
}

/// The multipart form as sent: text fields, files, and whether it was cut short.
#[derive(Default)]
struct Sent {
    texts: Vec<(String, String)>,
    files: Vec<SentFile>,
    too_long: Vec<String>,
    failure: Option<ReadFailure>,
}

impl Sent {
    fn text(&self, name: &str) -> &str {
        self.texts
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }
}

fn failure_of(error: &MultipartError) -> ReadFailure {
    if error.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ReadFailure::TooLarge
    } else {
        ReadFailure::Broken
    }
}

/// Reads the whole form, keeping at most a file's limit of each part: nothing is checked
/// here, so the token can be checked before anything else is looked at.
async fn read_form(mut multipart: Multipart) -> Sent {
    let mut sent = Sent::default();
    loop {
        let mut field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) => {
                sent.failure = Some(failure_of(&e));
                break;
            }
        };
        let name = field.name().unwrap_or("").to_owned();
        let file_name = field.file_name().map(str::to_owned);
        let limit = if file_name.is_some() {
            MAX_DOCUMENT_BYTES
        } else {
            MAX_TEXT_BYTES
        };
        let mut bytes = Vec::new();
        let mut over = false;
        loop {
            match field.chunk().await {
                Ok(Some(chunk)) => {
                    if bytes.len() + chunk.len() > limit {
                        // Keep the start (to say what the file is); the rest is skipped
                        // when the next part is asked for.
                        let room = limit + 1 - bytes.len().min(limit + 1);
                        bytes.extend_from_slice(&chunk[..room.min(chunk.len())]);
                        over = true;
                        break;
                    }
                    bytes.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(e) => {
                    sent.failure = Some(failure_of(&e));
                    break;
                }
            }
        }
        if sent.failure.is_some() {
            break;
        }
        match file_name {
            // A file input left empty still sends a part, with no name and no bytes.
            Some(file) if file.is_empty() && bytes.is_empty() => {}
            Some(file) => sent.files.push(SentFile {
                name: file,
                bytes,
                too_large: over,
            }),
            None if over => sent.too_long.push(name),
            None => sent
                .texts
                .push((name, String::from_utf8_lossy(&bytes).into_owned())),
        }
    }
    sent
}

/// The figure as typed: a quantity's cumulative value (1.2万, 六千, 3,500, with or without
/// the target's unit) or a milestone's percent (85, 85%).
fn read_actual(measure: &Measure, typed: &str) -> Result<Actual, String> {
    let text = typed.trim();
    match measure {
        Measure::Quantity(q) => {
            if text.is_empty() {
                return Err("请填写截至本月的累计完成数。".to_owned());
            }
            let unit = q.unit();
            let bare = if unit.is_empty() {
                text
            } else {
                text.strip_suffix(unit).unwrap_or(text).trim_end()
            };
            let value = read_number(bare).ok_or_else(|| {
                format!("无法把“{text}”读成数字。请填写累计完成数，如 1200、1.2万、六千。")
            })?;
            ReportValue::new(value)
                .map(Actual::Value)
                .map_err(|_| "累计完成数不能是负数。".to_owned())
        }
        Measure::Milestone => {
            if text.is_empty() {
                return Err("请填写完成百分比（0 到 100）。".to_owned());
            }
            let value = read_number(text).ok_or_else(|| {
                format!("无法把“{text}”读成百分比。请填写 0 到 100 之间的数，如 85 或 85%。")
            })?;
            Percent::new(value)
                .map(Actual::Percent)
                .map_err(|_| "完成百分比应在 0 到 100 之间。".to_owned())
        }
    }
}

/// A typed number through the notice reader's numbers module, after dropping thousands
/// separators (3,500 and 3，500), which people type and the module does not read.
fn read_number(text: &str) -> Option<f64> {
    let chars: Vec<char> = text.chars().collect();
    let mut cleaned = String::with_capacity(text.len());
    for (i, c) in chars.iter().enumerate() {
        let between_digits = i > 0
            && chars[i - 1].is_ascii_digit()
            && chars.get(i + 1).is_some_and(char::is_ascii_digit);
        if matches!(c, ',' | '，') && between_digits {
            continue;
        }
        cleaned.push(*c);
    }
    shishi_plan::numbers::parse_number(&cleaned)
}

/// A file name as stored: no path a browser may have sent, no control characters.
fn clean_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let cleaned: String = base.chars().filter(|c| !c.is_control()).collect();
    let cleaned = cleaned.trim();
    if cleaned.is_empty() {
        "未命名文件".to_owned()
    } else {
        cleaned.chars().take(200).collect()
    }
}

fn field_label(name: &str) -> &'static str {
    match name {
        "progress" => "进展情况",
        "problems" => "存在问题",
        "next_steps" => "下步打算",
        "funds" => "资金到位及使用情况",
        "value" => "完成数",
        _ => "表单",
    }
}

/// `POST /targets/{id}/report`: the token first, then the right to report for the target,
/// then every field and file; only a form without a single mistake is stored, in one go.
pub(crate) async fn submit_report(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, PageError> {
    // A body that is not a multipart form cannot carry the form's token.
    let multipart = multipart.map_err(|_| PageError::StaleForm)?;
    let sent = read_form(multipart).await;
    viewer.check_csrf(sent.text("csrf"))?;
    let target_id = TargetId::new(id);
    let scope = state.store.target_scope(target_id).await?;
    let user = viewer
        .require(
            Action::SubmitReport,
            &Resource::Target {
                lead_units: &scope.lead_units,
            },
            &paths::report_form(id),
        )?
        .clone();
    let today = state.clock.today();
    let typed = ReportTyped {
        period: sent.text("period").trim().to_owned(),
        value: sent.text("value").to_owned(),
        progress: sent.text("progress").to_owned(),
        problems: sent.text("problems").to_owned(),
        next_steps: sent.text("next_steps").to_owned(),
        funds: sent.text("funds").to_owned(),
    };
    let mut errors = FieldErrors::default();

    let periods = plan_periods(&scope.plan, today);
    let period = Period::parse(&typed.period)
        .ok()
        .filter(|p| periods.contains(p));
    match period {
        None => errors.add("period", "请选择报送月份。"),
        Some(p) => {
            if let Some(report) = state.store.report_for(target_id, p).await? {
                if under_review(report.state()) {
                    errors.add(
                        "period",
                        format!(
                            "{p} 的报告{}，正在审核中，审核完成前不能修改。如需更正，请联系审核人退回。",
                            state_words(report.state()).1
                        ),
                    );
                }
            }
        }
    }
    let actual = match read_actual(&scope.target.measure, &typed.value) {
        Ok(actual) => Some(actual),
        Err(message) => {
            errors.add("value", message);
            None
        }
    };
    if typed.progress.trim().is_empty() {
        errors.add("progress", "请填写进展情况。");
    }
    for (name, text) in [
        ("progress", &typed.progress),
        ("problems", &typed.problems),
        ("next_steps", &typed.next_steps),
        ("funds", &typed.funds),
    ] {
        if text.chars().count() > MAX_TEXT_CHARS {
            errors.add(name, format!("不超过 {MAX_TEXT_CHARS} 字。"));
        }
    }
    for name in &sent.too_long {
        let label = field_label(name);
        errors.add("form", format!("{label}内容过长，没有保存。"));
    }

    let mut file_errors: Vec<String> = Vec::new();
    match sent.failure {
        Some(ReadFailure::TooLarge) => file_errors.push(format!(
            "所选文件合计超过 {} MiB，没有保存。请分几次报送，或减少照片数量。",
            uploads::MAX_BODY_BYTES / (1024 * 1024)
        )),
        Some(ReadFailure::Broken) => {
            file_errors.push("上传没有完成（网络中断？），没有保存。请重新提交。".to_owned())
        }
        None => {}
    }
    let sent_files = sent.files.len();
    if sent_files > MAX_FILES {
        file_errors.push(format!(
            "每次最多上传 {MAX_FILES} 个文件，您选择了 {sent_files} 个。"
        ));
    }
    let mut files = Vec::new();
    for file in sent.files {
        let name = clean_name(&file.name);
        if file.too_large {
            file_errors.push(format!(
                "文件“{name}”超过 {} MiB 的上限。",
                MAX_DOCUMENT_BYTES / (1024 * 1024)
            ));
            continue;
        }
        match uploads::check(&name, &file.bytes) {
            Ok(checked) => files.push(NewAttachment {
                name,
                content_type: checked.kind.content_type().to_owned(),
                bytes: file.bytes,
                captured_at: checked.captured_at,
            }),
            Err(message) => file_errors.push(message),
        }
    }
    if !file_errors.is_empty() {
        errors.add("files", file_errors.join(" "));
    }

    if let (true, Some(period), Some(actual)) = (errors.is_empty(), period, actual) {
        let trimmed = |s: &str| s.trim().to_owned();
        let content = ReportContent {
            actual,
            progress: trimmed(&typed.progress),
            problems: trimmed(&typed.problems),
            next_steps: trimmed(&typed.next_steps),
            funds: Some(trimmed(&typed.funds)).filter(|f| !f.is_empty()),
        };
        match state
            .store
            .file_report_with_attachments(
                Actor::User(user.id),
                target_id,
                period,
                content,
                today,
                files,
            )
            .await
        {
            Ok(report) => {
                return Ok(Redirect::to(&paths::report(report.id().get())).into_response())
            }
            Err(StoreError::Conflict(_) | StoreError::Domain(_)) => errors.add(
                "period",
                "这个月的报告刚刚有了变化（可能已送审），没有保存。请刷新页面查看后再试。",
            ),
            Err(other) => return Err(other.into()),
        }
    }
    let shown_period = period
        .or_else(|| periods.last().copied())
        .unwrap_or(scope.plan.first_period());
    let page = form_page(
        &state,
        &viewer,
        &scope,
        shown_period,
        typed,
        sent_files > 0,
        errors,
    )
    .await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

// ---------------------------------------------------------------------------------------
// A report

#[derive(Template, WebTemplate)]
#[template(path = "report.html")]
struct ReportPage {
    chrome: Chrome,
    item: String,
    item_href: String,
    target_text: String,
    commitment: String,
    period: String,
    due: String,
    state_class: &'static str,
    state_label: String,
    revisions: Vec<RevisionView>,
    /// The form for this month, when the viewer may report and the report is not in review.
    correct_href: Option<String>,
    /// The unit head's step: approve and return forms.
    unit_head: Option<(String, String)>,
    review_href: Option<&'static str>,
    my_href: Option<&'static str>,
}

/// `GET /reports/{id}`: every revision with its review result and files, for those who may
/// read the unit's reports.
pub(crate) async fn report_page(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let report_id = ReportId::new(id);
    let here = paths::report(id);
    let user = viewer.signed_in(&here)?.clone();
    let report = state.store.report(report_id).await?;
    let scope = state.store.target_scope(report.target()).await?;
    let resource = Resource::Report {
        lead_units: &scope.lead_units,
        state: report.state(),
    };
    check(Some(&user), Action::ViewInternal, &resource)?;
    let files = state.store.attachments_for_report(report_id).await?;
    let detail = state.store.plan(scope.plan.id()).await?;
    let target = &scope.target;
    let (state_class, state_label) = state_words(report.state());
    let may_submit = can(
        Some(&user),
        Action::SubmitReport,
        &Resource::Target {
            lead_units: &scope.lead_units,
        },
    );
    let unit_step = scope.plan.settings().require_unit_head_approval;
    let page = ReportPage {
        chrome: viewer.chrome(format!("{} 报告", report.period())),
        item: item_title(&detail, target),
        item_href: paths::item(target.item.get()),
        target_text: target.text.clone(),
        commitment: commitment(&target.measure),
        period: report.period().to_string(),
        due: report
            .period()
            .due_date(scope.plan.settings().due_day)
            .to_string(),
        state_class,
        state_label,
        revisions: revision_views(&report, &target.measure, &files),
        correct_href: (may_submit && !under_review(report.state()))
            .then(|| form_href(target.id, report.period())),
        unit_head: (user.role == Role::UnitHead
            && unit_step
            && *report.state() == ReportState::Submitted
            && can(Some(&user), Action::UnitHeadApprove, &resource))
        .then(|| (paths::unit_approve_report(id), paths::return_report(id))),
        review_href: (can(Some(&user), Action::ApproveReport, &resource)
            && under_review(report.state()))
        .then_some(paths::REVIEW),
        my_href: matches!(user.role, Role::Reporter | Role::UnitHead).then_some(paths::MY_TARGETS),
    }
    .into_response();
    Ok(page)
}

#[derive(Debug, Deserialize)]
pub(crate) struct CsrfField {
    #[serde(default)]
    csrf: String,
}

/// `POST /reports/{id}/unit-approve`: the unit head's approval, on plans with that step.
pub(crate) async fn unit_approve(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(form): Form<CsrfField>,
) -> Result<Response, PageError> {
    viewer.check_csrf(&form.csrf)?;
    let user: User = viewer.signed_in(&paths::report(id))?.clone();
    let report_id = ReportId::new(id);
    let report = state.store.report(report_id).await?;
    let scope = state.store.target_scope(report.target()).await?;
    check(
        Some(&user),
        Action::UnitHeadApprove,
        &Resource::Report {
            lead_units: &scope.lead_units,
            state: report.state(),
        },
    )?;
    if !scope.plan.settings().require_unit_head_approval {
        return Err(PageError::Conflict(
            "本计划不设单位负责人审核，报告直接由督查室审核。".to_owned(),
        ));
    }
    if *report.state() != ReportState::Submitted {
        return Err(PageError::Conflict(format!(
            "该报告目前为“{}”，不在待单位负责人审核状态，可能已由他人处理。",
            state_words(report.state()).1
        )));
    }
    state
        .store
        .unit_head_approve_report(Actor::User(user.id), report_id)
        .await?;
    Ok(Redirect::to(&format!(
        "{}?plan={}&done=unit-approved",
        paths::MY_TARGETS,
        scope.plan.id().get()
    ))
    .into_response())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use shishi_core::{Op, Quantity, TargetValue};

    fn households() -> Measure {
        Measure::Quantity(
            Quantity::new(
                TargetValue::new(20000.0).unwrap(),
                "户".into(),
                Op::Eq,
                None,
            )
            .unwrap(),
        )
    }

    fn value(actual: Actual) -> f64 {
        match actual {
            Actual::Value(v) => v.get(),
            Actual::Percent(p) => p.get(),
        }
    }

    #[test]
    fn typed_figures_are_read_as_people_write_them() {
        let m = households();
        for (typed, expected) in [
            ("1.2万", 12000.0),
            ("六千", 6000.0),
            ("3,500", 3500.0),
            ("3，500", 3500.0),
            (" 1.2万户 ", 12000.0),
            ("0", 0.0),
        ] {
            assert_eq!(value(read_actual(&m, typed).unwrap()), expected, "{typed}");
        }
        assert!(read_actual(&m, "很多").unwrap_err().contains("很多"));
        assert!(read_actual(&m, "").is_err());
        assert_eq!(
            value(read_actual(&Measure::Milestone, "85%").unwrap()),
            85.0
        );
        assert_eq!(value(read_actual(&Measure::Milestone, "85").unwrap()), 85.0);
        assert!(read_actual(&Measure::Milestone, "120").is_err());
    }

    #[test]
    fn file_names_lose_their_paths() {
        assert_eq!(clean_name("C:\\Users\\a\\现场.jpg"), "现场.jpg");
        assert_eq!(clean_name("/tmp/x.pdf"), "x.pdf");
        assert_eq!(clean_name("  "), "未命名文件");
    }
}
