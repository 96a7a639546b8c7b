//! Open data (开放数据) on the site: the page that documents every dataset and field and
//! links each plan's downloads, the downloads as JSON and CSV, and their JSON Schemas. All
//! public; all made from `crate::open_data`, so what is documented is what is served.

use super::chrome::Chrome;
use super::error::PageError;
use super::paths;
use super::session::Viewer;
use crate::open_data::{self, Dataset, PlanRef, Table};
use crate::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use shishi_core::PlanId;
use sm3::{Digest, Sm3};

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route(paths::OPEN_DATA, get(page))
        .route(paths::OPEN_DATA_SITE_FILE, get(site_file))
        .route(paths::OPEN_DATA_PLAN_FILE, get(plan_file))
        .route(paths::OPEN_DATA_SCHEMA_FILE, get(schema))
}

/// Downloads change when a report is approved or a bulletin published: a few minutes'
/// caching spares the server at month-end and is soon enough for readers.
const DATA_CACHE: &str = "public, max-age=300";
/// A schema changes only with a new release.
const SCHEMA_CACHE: &str = "public, max-age=3600";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Json,
    Csv,
}

impl Format {
    fn extension(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Csv => "csv",
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            Format::Json => "application/json",
            Format::Csv => "text/csv; charset=utf-8; header=present",
        }
    }
}

/// `items.csv` → the dataset and the format; anything else is not a file we serve.
fn file_name(file: &str) -> Result<(Dataset, Format), PageError> {
    let not_found = || PageError::NotFound(format!("open data {file}"));
    let (name, extension) = file.rsplit_once('.').ok_or_else(not_found)?;
    let format = match extension {
        "json" => Format::Json,
        "csv" => Format::Csv,
        _ => return Err(not_found()),
    };
    let dataset = Dataset::parse(name).ok_or_else(not_found)?;
    Ok((dataset, format))
}

// ---------------------------------------------------------------------------------------
// The documentation page

struct FieldRow {
    name: &'static str,
    label: &'static str,
    kind: String,
    nullable: &'static str,
    meaning: &'static str,
}

struct DatasetDoc {
    name: &'static str,
    label: &'static str,
    about: &'static str,
    schema_href: String,
    fields: Vec<FieldRow>,
}

struct Link {
    label: &'static str,
    json: String,
    csv: String,
}

struct PlanDownloads {
    id: i64,
    year: i32,
    title: String,
    links: Vec<Link>,
}

#[derive(Template, WebTemplate)]
#[template(path = "open_data.html")]
struct DocPage {
    chrome: Chrome,
    licence: &'static str,
    all_plans_json: String,
    all_plans_csv: String,
    plans: Vec<PlanDownloads>,
    datasets: Vec<DatasetDoc>,
}

/// `GET /open-data`: what each dataset and field means, the terms, and each plan's
/// downloads.
async fn page(State(state): State<AppState>, viewer: Viewer) -> Result<Response, PageError> {
    viewer.require_public()?;
    let plans = state
        .store
        .plans()
        .await?
        .iter()
        .map(|plan| {
            let id = plan.id().get();
            PlanDownloads {
                id,
                year: plan.year().get(),
                title: plan.title().to_owned(),
                links: Dataset::ALL
                    .into_iter()
                    .map(|d| Link {
                        label: d.label(),
                        json: paths::open_data_plan(id, d.name(), "json"),
                        csv: paths::open_data_plan(id, d.name(), "csv"),
                    })
                    .collect(),
            }
        })
        .collect();
    let datasets = Dataset::ALL
        .into_iter()
        .map(|d| DatasetDoc {
            name: d.name(),
            label: d.label(),
            about: d.about(),
            schema_href: paths::open_data_schema(d.name()),
            fields: d
                .fields()
                .iter()
                .map(|f| FieldRow {
                    name: f.name,
                    label: f.label,
                    kind: f.kind.label(),
                    nullable: if f.nullable { "可为空" } else { "必有" },
                    meaning: f.meaning,
                })
                .collect(),
        })
        .collect();
    Ok(DocPage {
        chrome: viewer.chrome("开放数据"),
        licence: open_data::LICENCE,
        all_plans_json: paths::open_data_site(Dataset::Plans.name(), "json"),
        all_plans_csv: paths::open_data_site(Dataset::Plans.name(), "csv"),
        plans,
        datasets,
    }
    .into_response())
}

// ---------------------------------------------------------------------------------------
// The downloads

/// `GET /open-data/plans.json|csv`: every plan, one record each.
async fn site_file(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(file): Path<String>,
    request: HeaderMap,
) -> Result<Response, PageError> {
    viewer.require_public()?;
    let (dataset, format) = file_name(&file)?;
    if dataset != Dataset::Plans {
        return Err(PageError::NotFound(format!("open data {file}")));
    }
    let mut snapshots = Vec::new();
    for plan in state.store.plans().await? {
        snapshots.push(state.store.plan_snapshot(plan.id()).await?);
    }
    let table = open_data::plans(snapshots.iter().map(|s| &**s));
    let name = format!("shishi-{}.{}", dataset.name(), format.extension());
    answer(&state, &request, &table, None, format, &name, &name)
}

/// `GET /open-data/plans/{id}/{dataset}.json|csv`: one plan's dataset.
async fn plan_file(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, file)): Path<(String, String)>,
    request: HeaderMap,
) -> Result<Response, PageError> {
    viewer.require_public()?;
    let (dataset, format) = file_name(&file)?;
    let id: i64 = id
        .parse()
        .map_err(|_| PageError::NotFound(format!("plan {id}")))?;
    let snapshot = state.store.plan_snapshot(PlanId::new(id)).await?;
    let today = state.clock.today();
    let table = match dataset {
        Dataset::Plans => open_data::plans([&*snapshot]),
        Dataset::Items => open_data::items(&snapshot, today),
        Dataset::Targets => open_data::targets(&snapshot, today),
        Dataset::Progress => open_data::progress(&snapshot),
        Dataset::Bulletins => {
            let published = state.store.bulletins(PlanId::new(id)).await?;
            open_data::bulletins(&snapshot, &published)
        }
        Dataset::Survey => {
            let mut closed = Vec::new();
            for summary in state.store.surveys(PlanId::new(id)).await? {
                if summary.survey.is_closed() {
                    closed.push(state.store.survey_results(summary.survey.id()).await?);
                }
            }
            open_data::survey(&snapshot, &closed)
        }
    };
    let plan = PlanRef::of(&snapshot);
    let ascii = format!("plan-{id}-{}.{}", dataset.name(), format.extension());
    // 海州区:2020 → 海州区-2020-items.csv: a name that says what the file is once saved.
    let readable = format!(
        "{}-{}.{}",
        plan.plan_key.replace([':', '/', '\\'], "-"),
        dataset.name(),
        format.extension()
    );
    answer(
        &state,
        &request,
        &table,
        Some(&plan),
        format,
        &ascii,
        &readable,
    )
}

/// The file, with a name to save it under, caching and a validator so a re-download of an
/// unchanged file costs nothing, and open to scripts on other sites (the data is public).
fn answer(
    state: &AppState,
    request: &HeaderMap,
    table: &Table,
    plan: Option<&PlanRef>,
    format: Format,
    ascii_name: &str,
    name: &str,
) -> Result<Response, PageError> {
    let bytes = match format {
        Format::Json => {
            open_data::to_json(table, plan, state.clock.today()).map_err(PageError::internal)?
        }
        Format::Csv => open_data::to_csv(table),
    };
    let disposition = match format {
        // JSON opens in the browser; a spreadsheet is saved.
        Format::Json => "inline",
        Format::Csv => "attachment",
    };
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(format.content_type()),
    );
    if let Ok(value) = HeaderValue::from_str(&format!(
        "{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{}",
        encoded(name)
    )) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(cached(request, headers, bytes, DATA_CACHE))
}

/// `GET /open-data/schema/{dataset}.json`: the JSON Schema of a dataset's JSON download.
async fn schema(
    viewer: Viewer,
    Path(file): Path<String>,
    request: HeaderMap,
) -> Result<Response, PageError> {
    viewer.require_public()?;
    let dataset = match file_name(&file)? {
        (dataset, Format::Json) => dataset,
        (_, Format::Csv) => return Err(PageError::NotFound(format!("schema {file}"))),
    };
    let bytes =
        serde_json::to_vec_pretty(&open_data::json_schema(dataset)).map_err(PageError::internal)?;
    let mut headers = HeaderMap::new();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/schema+json"),
    );
    Ok(cached(&request, headers, bytes, SCHEMA_CACHE))
}

/// `bytes` with its cache headers and an entity tag (the SM3 of the bytes); a request that
/// already holds this version gets 304 and no body.
fn cached(
    request: &HeaderMap,
    mut headers: HeaderMap,
    bytes: Vec<u8>,
    cache: &'static str,
) -> Response {
    let tag = format!("\"{}\"", hex::encode(Sm3::digest(&bytes)));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    headers.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    if let Ok(value) = HeaderValue::from_str(&tag) {
        headers.insert(header::ETAG, value);
    }
    let held = request
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == tag || t.trim() == "*"));
    if held {
        return (StatusCode::NOT_MODIFIED, headers).into_response();
    }
    (headers, bytes).into_response()
}

/// Percent-encodes all but the unreserved characters, for `filename*` (RFC 5987).
fn encoded(name: &str) -> String {
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
