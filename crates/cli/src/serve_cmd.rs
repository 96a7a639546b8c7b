//! `shishi serve`: the server, until Ctrl-C or SIGTERM.

use crate::import_cmd::open;
use anyhow::Context;
use shishi_web::AppState;
use std::io::{IsTerminal, Write};
use tracing_subscriber::EnvFilter;

/// Logs go to stderr, filtered by RUST_LOG (info by default). Only fails when a logger is
/// set already, and then that one logs.
pub(crate) fn init_logging() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .try_init();
}

pub async fn serve(db: &str, addr: &str) -> anyhow::Result<()> {
    init_logging();
    let store = open(db).await?;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    let local = listener.local_addr()?;
    // On stdout and flushed: with port 0, this line is how a caller learns the port.
    let mut out = std::io::stdout().lock();
    writeln!(out, "listening on http://{local}")?;
    out.flush()?;
    drop(out);
    tracing::info!(%local, "serving");
    let served = shishi_web::serve(listener, AppState::new(store.clone()), shutdown_signal()).await;
    store.close().await;
    served.context("the server failed")
}

/// Completes on Ctrl-C, or on SIGTERM (how service managers stop a process).
pub(crate) async fn shutdown_signal() {
    let interrupt = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut stream) => {
                stream.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
    tracing::info!("shutting down");
}
