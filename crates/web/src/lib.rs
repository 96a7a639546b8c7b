//! The HTTP face of shishi: the server-rendered pages (portal, dashboard, unit reporting) and
//! the JSON API under `/api/v1`, described by an OpenAPI document generated from the handlers.

mod abuse;
mod api;
mod auth;
pub mod bulletin;
mod clock;
mod error;
pub mod ledger;
mod open_data;
mod pages;
pub mod password;
pub mod reminders;
mod standing;

pub use abuse::Guard;
pub use clock::Clock;
pub use error::{ApiError, FieldError};

use axum::Router;
use shishi_store::Store;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;

/// What every request handler shares: the database, the clock and the abuse limits.
#[derive(Debug, Clone)]
pub struct AppState {
    pub store: Store,
    pub clock: Clock,
    pub guard: Arc<Guard>,
}

impl AppState {
    /// The state a real server runs with: the system clock, clients known by their own
    /// address (not behind a proxy).
    pub fn new(store: Store) -> Self {
        Self {
            store,
            clock: Clock::system(),
            guard: Arc::new(Guard::new(false)),
        }
    }

    /// The same, with today taken from `clock` (a fixed day in tests and the demo).
    pub fn with_clock(self, clock: Clock) -> Self {
        Self { clock, ..self }
    }

    /// The server runs behind a reverse proxy that sets `X-Forwarded-For`: the public's
    /// budgets are then kept per forwarded address instead of the proxy's.
    pub fn behind_proxy(self) -> Self {
        Self {
            guard: Arc::new(Guard::new(true)),
            ..self
        }
    }
}

/// Every route of the application.
pub fn router(state: AppState) -> Router {
    api::router()
        .merge(pages::router())
        .fallback(not_found)
        .layer(axum::middleware::map_response(pages::page_headers))
        .with_state(state)
}

/// A path nothing serves: JSON under `/api/`, a page everywhere else.
async fn not_found(uri: axum::http::Uri) -> axum::response::Response {
    use axum::response::IntoResponse;
    if uri.path().starts_with("/api/") {
        api::no_such_route().into_response()
    } else {
        pages::PageError::NotFound(uri.path().to_owned()).into_response()
    }
}

/// Serves the application on `listener` until `shutdown` completes, then lets the requests
/// under way finish. Tests bind port 0 and pass the listener in, so they never race for a
/// port.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // The peer's address reaches handlers for the public's per-address budgets.
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
}

/// [`serve`], with the reminder scheduler running beside the server on the state's store and
/// clock when `reminders` is given. The scheduler stops with the server, after finishing the
/// wake under way.
pub async fn serve_with_reminders(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
    reminders: Option<reminders::ReminderConfig>,
) -> std::io::Result<()> {
    let scheduler = match reminders {
        Some(config) => {
            let reminders = reminders::Reminders::new(state.store.clone(), config)
                .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
            let (stop, stopped) = tokio::sync::watch::channel(false);
            let task = tokio::spawn(reminders.run(state.clock.clone(), stopped));
            Some((stop, task))
        }
        None => None,
    };
    let served = serve(listener, state, shutdown).await;
    if let Some((stop, task)) = scheduler {
        let _ = stop.send(true);
        let _ = task.await;
    }
    served
}
