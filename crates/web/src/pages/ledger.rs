//! Ledgers (台账) on the site: the whole plan's ledger from the dashboard, a unit's own ledger
//! from its page, and the upload of a filled-in one, whose result names every row: filed,
//! unchanged, refused with its reason, or left blank. Nothing is dropped without a word.

use super::chrome::Chrome;
use super::error::PageError;
use super::paths;
use super::session::Viewer;
use crate::ledger::{self, CONTENT_TYPE, MAX_LEDGER_BYTES};
use crate::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::multipart::MultipartRejection;
use axum::extract::{DefaultBodyLimit, Multipart, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;
use shishi_core::{Action, Denied, PlanId, Resource, Role, UnitId, User};
use shishi_docs::ledger::LedgerImport;
use shishi_store::{Actor, PlanSnapshot};
use std::sync::Arc;

/// What the upload's form fields other than the file may take.
const FORM_SLACK_BYTES: usize = 64 * 1024;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route(paths::LEDGER, get(plan_ledger))
        .route(paths::MY_LEDGER, get(unit_ledger))
        .route(
            paths::MY_LEDGER_UPLOAD,
            post(upload).layer(DefaultBodyLimit::max(MAX_LEDGER_BYTES + FORM_SLACK_BYTES)),
        )
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct PlanQuery {
    #[serde(default)]
    plan: String,
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

/// Writes the ledger off the executor: a whole plan's workbook takes a moment to zip.
async fn make(
    snapshot: Arc<PlanSnapshot>,
    unit: Option<UnitId>,
    today: time::Date,
    period: Option<shishi_core::Period>,
) -> Result<Vec<u8>, PageError> {
    tokio::task::spawn_blocking(move || ledger::export(&snapshot, unit, today, period))
        .await
        .map_err(PageError::internal)?
        .map_err(PageError::internal)
}

/// An .xlsx to save, with its Chinese name in UTF-8 (RFC 5987) and an ASCII fallback.
fn download(name: &str, bytes: Vec<u8>) -> Response {
    let mut headers = HeaderMap::new();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
    let mut encoded = String::with_capacity(name.len() * 3);
    for byte in name.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte) {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    if let Ok(value) = HeaderValue::from_str(&format!(
        "attachment; filename=\"ledger.xlsx\"; filename*=UTF-8''{encoded}"
    )) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    (headers, bytes).into_response()
}

/// `GET /ledger.xlsx?plan=`: the whole plan's ledger, for those who read everything
/// internal (its problems column is not public).
pub(crate) async fn plan_ledger(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<PlanQuery>,
) -> Result<Response, PageError> {
    viewer.require(Action::ViewInternal, &Resource::System, paths::DASHBOARD)?;
    let plan = chosen_plan(&state, &query.plan).await?;
    let snapshot = state.store.plan_snapshot(plan).await?;
    let today = state.clock.today();
    let name = ledger::file_name(&snapshot.detail.plan, None, today);
    let bytes = make(snapshot, None, today, None).await?;
    Ok(download(&name, bytes))
}

/// The signed-in member of a unit, for the unit's ledger pages.
fn unit_member(viewer: &Viewer, here: &str) -> Result<(User, UnitId), PageError> {
    let user = viewer.signed_in(here)?.clone();
    if !matches!(user.role, Role::Reporter | Role::UnitHead) {
        return Err(PageError::Forbidden(Denied::Role {
            role: user.role,
            action: Action::SubmitReport,
        }));
    }
    let unit = user.unit.ok_or(PageError::Forbidden(Denied::NoUnit))?;
    Ok((user, unit))
}

/// `GET /my/ledger.xlsx?plan=`: the targets the viewer's unit leads, with the month now due
/// written into every row, ready to fill in.
pub(crate) async fn unit_ledger(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<PlanQuery>,
) -> Result<Response, PageError> {
    let (_, unit) = unit_member(&viewer, paths::MY_TARGETS)?;
    let plan = chosen_plan(&state, &query.plan).await?;
    let snapshot = state.store.plan_snapshot(plan).await?;
    let today = state.clock.today();
    let unit_name = snapshot
        .detail
        .units
        .iter()
        .find(|u| u.id == unit)
        .map(|u| u.name.clone());
    let period = ledger::due_period(&snapshot.detail.plan, today);
    let name = ledger::file_name(&snapshot.detail.plan, unit_name.as_deref(), today);
    let bytes = make(snapshot, Some(unit), today, period).await?;
    Ok(download(&name, bytes))
}

struct FiledRow {
    row: u32,
    href: String,
    target: String,
    period: String,
}

struct BadRow {
    row: u32,
    reason: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "ledger_result.html")]
struct ResultPage {
    chrome: Chrome,
    /// Why the file as a whole could not be read; nothing below is then filled.
    refused: Option<String>,
    file_name: String,
    summary: String,
    filed: Vec<FiledRow>,
    unchanged: Vec<u32>,
    errors: Vec<BadRow>,
    blank: Vec<u32>,
    back_href: String,
}

impl ResultPage {
    fn refused(viewer: &Viewer, file_name: String, message: String) -> Response {
        let page = ResultPage {
            chrome: viewer.chrome("导入台账"),
            refused: Some(message),
            file_name,
            summary: String::new(),
            filed: Vec::new(),
            unchanged: Vec::new(),
            errors: Vec::new(),
            blank: Vec::new(),
            back_href: paths::MY_TARGETS.to_owned(),
        };
        (StatusCode::UNPROCESSABLE_ENTITY, page).into_response()
    }
}

/// The upload as sent.
#[derive(Default)]
struct Upload {
    csrf: String,
    plan: String,
    file_name: String,
    bytes: Option<Vec<u8>>,
    too_large: bool,
    broken: bool,
}

async fn read_upload(mut multipart: Multipart) -> Upload {
    let mut sent = Upload::default();
    loop {
        let mut field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) => {
                sent.too_large |= e.status() == StatusCode::PAYLOAD_TOO_LARGE;
                sent.broken = true;
                break;
            }
        };
        let name = field.name().unwrap_or("").to_owned();
        if name == "file" {
            sent.file_name = field.file_name().unwrap_or("").to_owned();
        }
        let mut bytes = Vec::new();
        loop {
            match field.chunk().await {
                Ok(Some(chunk)) => {
                    if bytes.len() + chunk.len() > MAX_LEDGER_BYTES {
                        sent.too_large = true;
                        break;
                    }
                    bytes.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(e) => {
                    sent.too_large |= e.status() == StatusCode::PAYLOAD_TOO_LARGE;
                    sent.broken = true;
                    break;
                }
            }
        }
        if sent.too_large || sent.broken {
            break;
        }
        let text = || String::from_utf8_lossy(&bytes).trim().to_owned();
        match name.as_str() {
            "csrf" => sent.csrf = text(),
            "plan" => sent.plan = text(),
            "file" => sent.bytes = Some(bytes),
            _ => {}
        }
    }
    sent
}

/// `POST /my/ledger` (multipart: `csrf`, `plan`, `file`): files the good rows of a filled-in
/// ledger as the reporter's reports and lists every row's fate. 200 even with bad rows (the
/// good ones are filed); 422 when the file as a whole cannot be read.
pub(crate) async fn upload(
    State(state): State<AppState>,
    viewer: Viewer,
    multipart: Result<Multipart, MultipartRejection>,
) -> Result<Response, PageError> {
    let multipart = multipart.map_err(|_| PageError::StaleForm)?;
    let sent = read_upload(multipart).await;
    viewer.check_csrf(&sent.csrf)?;
    let (user, _) = unit_member(&viewer, paths::MY_TARGETS)?;
    if user.role != Role::Reporter {
        return Err(PageError::Forbidden(Denied::Role {
            role: user.role,
            action: Action::SubmitReport,
        }));
    }
    let file_name = sent.file_name.clone();
    if sent.too_large {
        return Ok(ResultPage::refused(
            &viewer,
            file_name,
            format!(
                "文件超过 {} MiB，没有导入。台账文件通常只有几十 KB，请确认选择的是导出的台账。",
                MAX_LEDGER_BYTES / (1024 * 1024)
            ),
        ));
    }
    if sent.broken {
        return Ok(ResultPage::refused(
            &viewer,
            file_name,
            "上传没有完成（网络中断？），没有导入。请重新上传。".to_owned(),
        ));
    }
    let Some(bytes) = sent.bytes.filter(|b| !b.is_empty()) else {
        return Ok(ResultPage::refused(
            &viewer,
            file_name,
            "没有收到文件。请选择填好的台账文件（.xlsx）后再上传。".to_owned(),
        ));
    };
    let read = tokio::task::spawn_blocking(move || ledger::read(&bytes))
        .await
        .map_err(PageError::internal)?;
    let mut import: LedgerImport = match read {
        Ok(import) => import,
        Err(error) => return Ok(ResultPage::refused(&viewer, file_name, error.to_string())),
    };
    let plan = match (sent.plan.as_str(), import.plan) {
        ("", Some(plan)) => plan,
        (wanted, _) => chosen_plan(&state, wanted).await?,
    };
    let snapshot = state.store.plan_snapshot(plan).await?;
    if let Err(mismatch) = ledger::keep_rows_of_plan(&snapshot.detail, &mut import) {
        return Ok(ResultPage::refused(
            &viewer,
            file_name,
            mismatch.to_string(),
        ));
    }
    let outcome = state
        .store
        .import_ledger_rows(
            Actor::User(user.id),
            &user,
            import.rows.clone(),
            state.clock.today(),
        )
        .await?;

    let detail = &snapshot.detail;
    let target_text = |row: u32| -> (String, String) {
        import
            .rows
            .iter()
            .find(|r| r.row == row)
            .map(|r| {
                let text = detail
                    .items
                    .iter()
                    .find_map(|e| {
                        e.targets
                            .iter()
                            .find(|t| t.id == r.target)
                            .map(|t| format!("{}. {} · {}", e.item.seq, e.item.title, t.text))
                    })
                    .unwrap_or_default();
                (text, r.period.to_string())
            })
            .unwrap_or_default()
    };
    let page = ResultPage {
        chrome: viewer.chrome("导入台账"),
        refused: None,
        file_name,
        summary: ledger::summary(&import, &outcome),
        filed: outcome
            .filed
            .iter()
            .map(|&(row, id)| {
                let (target, period) = target_text(row);
                FiledRow {
                    row,
                    href: paths::report(id.get()),
                    target,
                    period,
                }
            })
            .collect(),
        unchanged: outcome.unchanged.clone(),
        errors: ledger::all_errors(&import, &outcome)
            .into_iter()
            .map(|e| BadRow {
                row: e.row,
                reason: e.reason,
            })
            .collect(),
        blank: import.skipped_blank.clone(),
        back_href: format!("{}?plan={}", paths::MY_TARGETS, plan.get()),
    };
    Ok(page.into_response())
}
