//! The pages: server-rendered HTML in Chinese, plain forms that work without JavaScript, the
//! same permission rules as the API, and every asset inside the binary.

mod admin;
mod assessment;
mod bulletins;
mod charts;
mod chrome;
mod dashboard;
mod error;
mod feedback;
mod files;
mod form;
mod ledger;
mod notices;
mod open_data;
mod orders;
pub(crate) mod paths;
mod portal;
mod review;
mod session;
mod shown;
mod survey;
mod unit;
mod uploads;
mod vote;

use crate::AppState;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;

pub(crate) use error::PageError;

/// Nothing may come from another host: the browser is told so too, so a slip in a template
/// (a font link, an image URL) fails loudly in testing instead of calling out in production.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; img-src 'self' data:; \
    style-src 'self'; script-src 'self'; form-action 'self'; frame-ancestors 'none'; \
    base-uri 'none'; object-src 'none'";

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route(paths::HOME, get(portal::home))
        .route("/plans/{id}", get(portal::plan))
        .route("/items/{id}", get(portal::item))
        .route(paths::LOGIN, get(session::login_page).post(session::login))
        .route(paths::LOGOUT, post(session::logout))
        .route(paths::DISPLAY, get(session::display))
        .route(paths::STYLESHEET, get(stylesheet))
        // Each part of the site adds its routes here, one line each.
        .merge(dashboard::routes())
        .merge(review::routes())
        .merge(admin::routes())
        .merge(unit::routes())
        .merge(files::routes())
        .merge(ledger::routes())
        .merge(bulletins::routes())
        .merge(orders::routes())
        .merge(notices::routes())
        .merge(assessment::routes())
        .merge(survey::routes())
        .merge(feedback::routes())
        .merge(open_data::routes())
        .merge(vote::routes())
}

/// Headers every answer carries (pages, the API, the not-found answer): the content policy, no framing, no sniffing.
pub(crate) async fn page_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    response
}

async fn stylesheet() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../static/shishi.css"),
    )
}
