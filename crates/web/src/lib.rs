//! The HTTP face of shishi: the JSON API under `/api/v1`, described by an OpenAPI document
//! generated from the handlers. (The pages come with issue 4.)

mod api;
mod auth;
mod clock;
mod error;
pub mod password;

pub use clock::Clock;
pub use error::{ApiError, FieldError};

use axum::Router;
use shishi_store::Store;
use std::future::Future;
use tokio::net::TcpListener;

/// What every request handler shares: the database and the clock.
#[derive(Debug, Clone)]
pub struct AppState {
    pub store: Store,
    pub clock: Clock,
}

impl AppState {
    /// The state a real server runs with: the system clock.
    pub fn new(store: Store) -> Self {
        Self {
            store,
            clock: Clock::system(),
        }
    }
}

/// Every route of the application.
pub fn router(state: AppState) -> Router {
    api::router().with_state(state)
}

/// Serves the application on `listener` until `shutdown` completes, then lets the requests
/// under way finish. Tests bind port 0 and pass the listener in, so they never race for a
/// port.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await
}
