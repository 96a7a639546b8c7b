//! Supervision bulletins (督查通报): the dashboard's section that makes them for a month
//! (downloads for those who read internal figures, publishing for the supervisor), and the
//! portal's published bulletins, each with its 索引号, as a page and as a .docx.

use super::chrome::Chrome;
use super::error::PageError;
use super::paths;
use super::session::Viewer;
use crate::bulletin::{self, Format, Issue};
use crate::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::{Form, Router};
use serde::Deserialize;
use shishi_core::{Action, Period, PlanId, Resource};
use shishi_store::{Actor, BulletinId, BulletinSummary, NewBulletin, PlanSnapshot};
use std::sync::Arc;
use time::Date;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route(paths::BULLETINS, get(list).post(publish))
        .route(paths::BULLETIN_PREVIEW, get(preview))
        .route("/bulletins/{id}", get(show))
        .route("/bulletins/{id}/docx", get(docx))
        .route(paths::BULLETIN_STYLESHEET, get(stylesheet))
}

// ---------------------------------------------------------------------------------------
// The dashboard's section

pub(crate) struct PeriodChoice {
    pub(crate) value: String,
    pub(crate) label: String,
    pub(crate) selected: bool,
}

pub(crate) struct PublishedRow {
    pub(crate) href: String,
    pub(crate) index_no: String,
    pub(crate) title: String,
    pub(crate) doc_number: String,
    pub(crate) issued_on: String,
}

/// What the dashboard shows of bulletins for the plan it is on.
pub(crate) struct Section {
    pub(crate) plan: i64,
    pub(crate) periods: Vec<PeriodChoice>,
    pub(crate) issuer: String,
    pub(crate) doc_number: String,
    pub(crate) org_code: String,
    pub(crate) can_publish: bool,
    pub(crate) published: Vec<PublishedRow>,
}

/// The section for `plan` (none without a plan): the months of the plan year up to today,
/// the current one chosen, with the issuer, 文号 and organisation code filled in from the
/// plan and the bulletins published before.
pub(crate) async fn section(
    state: &AppState,
    plan: Option<PlanId>,
    can_publish: bool,
) -> Result<Option<Section>, PageError> {
    let Some(plan) = plan else {
        return Ok(None);
    };
    let snapshot = state.store.plan_snapshot(plan).await?;
    let today = state.clock.today();
    let year = snapshot.detail.plan.year().get();
    let default = default_period(year, today);
    let periods = (1..=12u8)
        .filter_map(|month| Period::new(year, month).ok())
        .filter(|p| p.first_day() <= today || *p == default)
        .map(|p| PeriodChoice {
            value: p.to_string(),
            label: format!("{}年{}月", p.year(), p.month()),
            selected: p == default,
        })
        .collect();
    let published = state.store.bulletins(plan).await?;
    let org_code = published
        .first()
        .map(|b| b.org_code.clone())
        .or_else(|| bulletin::org_code_of(&snapshot.detail.meta))
        .unwrap_or_default();
    Ok(Some(Section {
        plan: plan.get(),
        periods,
        issuer: bulletin::default_issuer(&snapshot.detail.meta),
        doc_number: bulletin::default_doc_number(default),
        org_code,
        can_publish,
        published: published.iter().take(5).map(published_row).collect(),
    }))
}

/// The month a bulletin is most likely wanted for: the current one within the plan year,
/// else the nearest month of it.
fn default_period(year: i32, today: Date) -> Period {
    let month = if today.year() < year {
        1
    } else if today.year() > year {
        12
    } else {
        u8::from(today.month())
    };
    Period::new(year, month).unwrap_or_else(|_| Period::of(today))
}

fn published_row(b: &BulletinSummary) -> PublishedRow {
    PublishedRow {
        href: paths::bulletin(b.id.get()),
        index_no: b.index_no.clone(),
        title: b.title.clone(),
        doc_number: b.doc_number.clone(),
        issued_on: date_zh(b.issued_on),
    }
}

fn date_zh(date: Date) -> String {
    format!(
        "{}年{}月{}日",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

// ---------------------------------------------------------------------------------------
// Making a bulletin: the preview download and publishing

/// What the section's forms send.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct BulletinForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    plan: String,
    #[serde(default)]
    period: String,
    #[serde(default)]
    format: String,
    #[serde(default)]
    doc_number: String,
    #[serde(default)]
    issuer: String,
    #[serde(default)]
    org_code: String,
}

/// A bulletin asked for, checked: its plan (loaded), month and issue.
struct Wanted {
    snapshot: Arc<PlanSnapshot>,
    period: Period,
    issue: Issue,
}

async fn wanted(state: &AppState, form: &BulletinForm) -> Result<Wanted, PageError> {
    let bad = |message: &str| PageError::BadRequest(message.to_owned());
    let plan = match form.plan.trim() {
        "" => state
            .store
            .plans()
            .await?
            .first()
            .map(|p| p.id())
            .ok_or_else(|| bad("尚未导入实事项目计划。"))?,
        text => PlanId::new(text.parse().map_err(|_| bad("计划编号应为数字。"))?),
    };
    let period = Period::parse(form.period.trim())
        .map_err(|_| bad("通报月份应写作 YYYY-MM，如 2020-09。"))?;
    let snapshot = state.store.plan_snapshot(plan).await?;
    let issuer = match form.issuer.trim() {
        "" => bulletin::default_issuer(&snapshot.detail.meta),
        given => given.to_owned(),
    };
    let doc_number = match form.doc_number.trim() {
        "" => bulletin::default_doc_number(period),
        given => given.to_owned(),
    };
    Ok(Wanted {
        snapshot,
        period,
        issue: Issue::new(issuer, doc_number, state.clock.today()),
    })
}

/// Composes and renders off the executor: a 50-item plan's .docx takes a while to zip.
async fn make(
    wanted: Wanted,
    formats: Vec<Format>,
) -> Result<(bulletin::Bulletin, Vec<Vec<u8>>), PageError> {
    tokio::task::spawn_blocking(move || {
        let b = bulletin::compose(&wanted.snapshot, wanted.period, &wanted.issue)?;
        let files = formats
            .into_iter()
            .map(|f| bulletin::render(&b, f))
            .collect::<Result<Vec<_>, _>>()?;
        Ok::<_, bulletin::BulletinError>((b, files))
    })
    .await
    .map_err(PageError::internal)?
    .map_err(|e| match e {
        bulletin::BulletinError::Docs(docs) => PageError::BadRequest(docs.to_string()),
        other => PageError::internal(other),
    })
}

/// `GET /bulletins/preview?plan=&period=&format=docx|html|md`: the bulletin as it would be
/// issued today, as a download. Internal: it names units and their problems before
/// anything is published.
pub(crate) async fn preview(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(form): Query<BulletinForm>,
) -> Result<Response, PageError> {
    viewer.require(Action::ViewInternal, &Resource::System, paths::DASHBOARD)?;
    let format = Format::parse(&form.format)
        .ok_or_else(|| PageError::BadRequest("格式应为 docx、html 或 md。".to_owned()))?;
    let wanted = wanted(&state, &form).await?;
    let (b, mut files) = make(wanted, vec![format]).await?;
    let bytes = files.pop().unwrap_or_default();
    Ok(download(&b.title, format, bytes, "private, no-store"))
}

/// `POST /bulletins`: publishes the bulletin of a month, dated today; it gets the next
/// serial of its organisation within the plan year and its 索引号, and goes on the portal.
pub(crate) async fn publish(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<BulletinForm>,
) -> Result<Response, PageError> {
    viewer.check_csrf(&form.csrf)?;
    let user = viewer
        .require(Action::EditPlan, &Resource::System, paths::DASHBOARD)?
        .clone();
    let org_code = form.org_code.trim().to_owned();
    if !shishi_store::valid_org_code(&org_code) {
        return Err(PageError::BadRequest(
            "请填写机构代码（统一社会信用代码或组织机构代码，由字母、数字和连字符组成），\
             它是索引号斜杠前的部分。"
                .to_owned(),
        ));
    }
    let wanted = wanted(&state, &form).await?;
    let plan = wanted.snapshot.detail.plan.id();
    let (b, files) = make(wanted, vec![Format::Docx]).await?;
    let docx = files.into_iter().next().unwrap_or_default();
    let published = state
        .store
        .publish_bulletin(
            Actor::User(user.id),
            NewBulletin {
                plan,
                period: b.period,
                org_code,
                doc_number: b.doc_number.clone(),
                issuer: b.issuer.clone(),
                title: b.title.clone(),
                issued_on: b.date,
                html: shishi_docs::to_html(&b),
                md: shishi_docs::to_markdown(&b),
                docx,
            },
        )
        .await?;
    Ok(Redirect::to(&paths::bulletin(published.summary.id.get())).into_response())
}

/// A file to save, with its name in UTF-8 (RFC 5987) so the Chinese title survives.
fn download(title: &str, format: Format, bytes: Vec<u8>, cache: &'static str) -> Response {
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(format.content_type()),
    );
    let name = bulletin::file_name(title, format);
    if let Ok(value) = HeaderValue::from_str(&format!(
        "attachment; filename=\"bulletin.{}\"; filename*=UTF-8''{}",
        format.extension(),
        encoded_name(&name)
    )) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    (headers, bytes).into_response()
}

/// Percent-encodes all but the unreserved characters (RFC 5987 `attr-char` is a superset).
fn encoded_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len() * 3);
    for byte in name.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

// ---------------------------------------------------------------------------------------
// The portal

#[derive(Debug, Default, Deserialize)]
pub(crate) struct ListQuery {
    #[serde(default)]
    plan: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "bulletins.html")]
struct ListPage {
    chrome: Chrome,
    plan_title: Option<String>,
    bulletins: Vec<ListRow>,
}

struct ListRow {
    href: String,
    docx_href: String,
    index_no: String,
    title: String,
    doc_number: String,
    issuer: String,
    issued_on: String,
}

/// `GET /bulletins?plan=`: the published bulletins of the newest plan (or the one asked
/// for), the newest first. Public.
pub(crate) async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<ListQuery>,
) -> Result<Response, PageError> {
    viewer.require_public()?;
    let plans = state.store.plans().await?;
    let plan = match query.plan.trim() {
        "" => plans.first(),
        text => {
            let id = PlanId::new(
                text.parse()
                    .map_err(|_| PageError::BadRequest("计划编号应为数字。".to_owned()))?,
            );
            Some(
                plans
                    .iter()
                    .find(|p| p.id() == id)
                    .ok_or_else(|| PageError::NotFound(format!("plan {id}")))?,
            )
        }
    };
    let (plan_title, bulletins) = match plan {
        Some(plan) => (
            Some(plan.title().to_owned()),
            state.store.bulletins(plan.id()).await?,
        ),
        None => (None, Vec::new()),
    };
    Ok(ListPage {
        chrome: viewer.chrome("督查通报"),
        plan_title,
        bulletins: bulletins
            .iter()
            .map(|b| ListRow {
                href: paths::bulletin(b.id.get()),
                docx_href: paths::bulletin_docx(b.id.get()),
                index_no: b.index_no.clone(),
                title: b.title.clone(),
                doc_number: b.doc_number.clone(),
                issuer: b.issuer.clone(),
                issued_on: date_zh(b.issued_on),
            })
            .collect(),
    }
    .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "bulletins_show.html")]
struct ShowPage {
    chrome: Chrome,
    index_no: String,
    doc_number: String,
    issuer: String,
    issued_on: String,
    published_on: String,
    docx_href: String,
    /// The fragment stored when it was published, escaped by `shishi_docs::to_html`.
    article: String,
}

fn bulletin_id(raw: &str) -> Result<BulletinId, PageError> {
    raw.parse()
        .map(BulletinId::new)
        .map_err(|_| PageError::NotFound(format!("bulletin {raw}")))
}

/// `GET /bulletins/{id}`: a published bulletin as it was published. Public.
pub(crate) async fn show(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    viewer.require_public()?;
    let b = state.store.bulletin(bulletin_id(&id)?).await?;
    let s = &b.summary;
    Ok(ShowPage {
        chrome: viewer.chrome(s.title.clone()),
        index_no: s.index_no.clone(),
        doc_number: s.doc_number.clone(),
        issuer: s.issuer.clone(),
        issued_on: date_zh(s.issued_on),
        published_on: s.published_at.get(..10).unwrap_or_default().to_owned(),
        docx_href: paths::bulletin_docx(s.id.get()),
        article: b.html,
    }
    .into_response())
}

/// `GET /bulletins/{id}/docx`: the published .docx. Public, and never changes.
pub(crate) async fn docx(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    viewer.require_public()?;
    let b = state.store.bulletin(bulletin_id(&id)?).await?;
    Ok(download(
        &b.summary.title,
        Format::Docx,
        b.docx,
        "public, max-age=31536000, immutable",
    ))
}

async fn stylesheet() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        bulletin::STYLESHEET,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn the_month_offered_first_is_within_the_plan_year() {
        let p = |y, m| Period::new(y, m).unwrap();
        assert_eq!(default_period(2020, date!(2020 - 09 - 28)), p(2020, 9));
        assert_eq!(default_period(2020, date!(2026 - 01 - 05)), p(2020, 12));
        assert_eq!(default_period(2021, date!(2020 - 11 - 05)), p(2021, 1));
    }
}
