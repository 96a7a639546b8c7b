//! A signed-in user's notices (站内提醒): the reminders the scheduler recorded for them,
//! newest first, each marked read on its own or all at once. The header shows the unread count.

use super::chrome::Chrome;
use super::error::PageError;
use super::session::Viewer;
use crate::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;

pub(crate) const NOTICES: &str = "/notices";
const NOTICES_READ: &str = "/notices/read";

/// The most notices the page lists: older ones are history nobody scrolls to.
const SHOWN: i64 = 200;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route(NOTICES, get(list))
        .route(NOTICES_READ, post(mark_read))
}

struct NoticeRow {
    id: i64,
    title: String,
    body: String,
    created_at: String,
    read: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "notices.html")]
struct NoticesPage {
    chrome: Chrome,
    rows: Vec<NoticeRow>,
    unread: usize,
    read_action: &'static str,
}

async fn list(State(state): State<AppState>, viewer: Viewer) -> Result<Response, PageError> {
    let user = viewer.signed_in(NOTICES)?;
    let rows: Vec<NoticeRow> = state
        .store
        .notices(user.id, SHOWN)
        .await?
        .into_iter()
        .map(|n| NoticeRow {
            id: n.id,
            title: n.title,
            body: n.body,
            // RFC 3339 in UTC; the day and minute are what a reader needs.
            created_at: n
                .created_at
                .chars()
                .take(16)
                .collect::<String>()
                .replace('T', " "),
            read: n.read,
        })
        .collect();
    let unread = rows.iter().filter(|r| !r.read).count();
    Ok(NoticesPage {
        chrome: viewer.chrome("我的提醒"),
        rows,
        unread,
        read_action: NOTICES_READ,
    }
    .into_response())
}

#[derive(Debug, Deserialize)]
struct ReadForm {
    csrf: String,
    /// One notice; none for all.
    #[serde(default)]
    id: Option<i64>,
}

async fn mark_read(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<ReadForm>,
) -> Result<Response, PageError> {
    let user = viewer.signed_in(NOTICES)?;
    viewer.check_csrf(&form.csrf)?;
    state.store.mark_notices_read(user.id, form.id).await?;
    Ok(Redirect::to(NOTICES).into_response())
}
