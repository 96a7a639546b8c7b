//! `shishi serve`: the server, until Ctrl-C or SIGTERM.

use crate::import_cmd::open;
use anyhow::Context;
use shishi_core::LeadDays;
use shishi_web::reminders::{ReminderConfig, SmtpConfig, WebhookUrl};
use shishi_web::AppState;
use std::fmt;
use std::io::{IsTerminal, Write};
use std::time::Duration;
use tracing_subscriber::EnvFilter;

/// The reminder scheduler's settings: flags, or `SHISHI_` environment variables.
#[derive(Clone, clap::Args)]
pub struct ReminderArgs {
    /// Run no reminder scheduler (no notices, e-mail or webhook posts from this server).
    #[arg(long, env = "SHISHI_NO_REMINDERS")]
    no_reminders: bool,
    /// How often the scheduler wakes, in seconds.
    #[arg(
        long,
        env = "SHISHI_REMINDER_INTERVAL",
        default_value_t = 600,
        value_name = "SECS"
    )]
    reminder_interval: u64,
    /// Days before a report's due day that reporters are reminded (0: on the day).
    #[arg(
        long,
        env = "SHISHI_REMINDER_LEAD_DAYS",
        default_value = "3,0",
        value_name = "DAYS"
    )]
    reminder_lead_days: String,
    /// The mail relay for reminder e-mail (plain SMTP, no TLS, no login); none: no e-mail.
    #[arg(long, env = "SHISHI_SMTP_HOST")]
    smtp_host: Option<String>,
    #[arg(long, env = "SHISHI_SMTP_PORT", default_value_t = 25)]
    smtp_port: u16,
    /// The sender of reminder e-mail, `shishi@example.gov.cn` or `督查室 <…>`.
    #[arg(long, env = "SHISHI_SMTP_FROM")]
    smtp_from: Option<String>,
    /// A group robot's webhook (企业微信, 钉钉) that reminders are posted to. It holds the
    /// robot's key: prefer the environment variable to the flag.
    #[arg(long, env = "SHISHI_WEBHOOK_URL", hide_env_values = true)]
    webhook_url: Option<String>,
}

impl fmt::Debug for ReminderArgs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReminderArgs")
            .field("no_reminders", &self.no_reminders)
            .field("reminder_interval", &self.reminder_interval)
            .field("reminder_lead_days", &self.reminder_lead_days)
            .field("smtp_host", &self.smtp_host)
            .field("smtp_port", &self.smtp_port)
            .field("smtp_from", &self.smtp_from)
            .field("webhook_url", &self.webhook_url.as_ref().map(|_| "…"))
            .finish()
    }
}

impl ReminderArgs {
    /// The scheduler's configuration, or none when turned off; every setting checked.
    pub(crate) fn config(&self) -> anyhow::Result<Option<ReminderConfig>> {
        if self.no_reminders {
            return Ok(None);
        }
        if self.reminder_interval == 0 {
            anyhow::bail!("--reminder-interval must be at least 1 second");
        }
        let lead_days = LeadDays::parse(&self.reminder_lead_days)
            .with_context(|| format!("--reminder-lead-days {:?}", self.reminder_lead_days))?;
        let smtp = match (&self.smtp_host, &self.smtp_from) {
            (Some(host), Some(from)) => Some(SmtpConfig {
                host: host.clone(),
                port: self.smtp_port,
                from: from.clone(),
            }),
            (None, None) => None,
            _ => anyhow::bail!("e-mail reminders need both --smtp-host and --smtp-from"),
        };
        let webhook = self
            .webhook_url
            .as_deref()
            .map(WebhookUrl::parse)
            .transpose()?;
        let config = ReminderConfig {
            interval: Duration::from_secs(self.reminder_interval),
            lead_days,
            smtp,
            webhook,
        };
        config.check()?;
        Ok(Some(config))
    }
}

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

pub async fn serve(
    db: &str,
    addr: &str,
    behind_proxy: bool,
    reminders: ReminderArgs,
) -> anyhow::Result<()> {
    init_logging();
    let reminders = reminders.config()?;
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
    tracing::info!(?reminders, "reminders");
    let mut state = AppState::new(store.clone());
    if behind_proxy {
        state = state.behind_proxy();
    }
    let served =
        shishi_web::serve_with_reminders(listener, state, shutdown_signal(), reminders).await;
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
