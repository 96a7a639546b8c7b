//! The reminder scheduler: wakes every so often, asks the core which reminders are due today,
//! records each once in the store (with its in-app notice), and delivers what is pending by
//! e-mail (SMTP) and webhook (a JSON POST chat-group robots accept). A failed delivery is
//! recorded and tried again at the next wake; the reminder is never recorded twice.

use crate::clock::Clock;
use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use shishi_core::{due_reminders, LeadDays, PlanFacts, SupervisionOrder, UnitId, UserId};
use shishi_store::{Channel, PendingDelivery, Store, StoreError};
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::time::Duration;
use time::Date;
use tokio::sync::watch;

/// How long one e-mail or webhook may take before it counts as failed.
const DELIVERY_TIMEOUT: Duration = Duration::from_secs(15);

/// Deliveries tried in one wake: a backlog drains over a few wakes instead of one long one.
const DELIVERIES_PER_WAKE: i64 = 500;

/// The office's mail relay: plain SMTP, no TLS and no login (relays inside government
/// networks accept mail from the servers next to them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    /// The sender, `shishi@example.gov.cn` or `督查室 <shishi@example.gov.cn>`.
    pub from: String,
}

/// Where webhook reminders are posted. The URL carries the robot's key, so it is never
/// printed whole: `Debug` shows the host only.
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookUrl(String);

impl WebhookUrl {
    /// An `http://` URL. The HTTP client is built without TLS (no OpenSSL, a quick build),
    /// so an `https://` robot is refused here, at start, rather than failing every delivery.
    pub fn parse(url: &str) -> Result<Self, ReminderError> {
        let url = url.trim();
        if url.starts_with("http://") && url.len() > "http://".len() {
            Ok(Self(url.to_owned()))
        } else if url.starts_with("https://") {
            Err(ReminderError::Config(
                "this build posts webhooks over plain HTTP only: give an http:// URL (a relay \
                 or proxy in front of an https:// robot)"
                    .into(),
            ))
        } else {
            Err(ReminderError::Config(
                "the webhook URL must start with http://".into(),
            ))
        }
    }

    fn host(&self) -> &str {
        let rest = self.0.split_once("://").map_or("", |(_, rest)| rest);
        rest.split(['/', '?']).next().unwrap_or("")
    }
}

impl fmt::Debug for WebhookUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "WebhookUrl({}/…)", self.host())
    }
}

/// How reminders run: how often the scheduler wakes, how many days ahead of a due day, and
/// the channels besides the in-app notice (none configured: in-app only).
#[derive(Debug, Clone)]
pub struct ReminderConfig {
    pub interval: Duration,
    pub lead_days: LeadDays,
    pub smtp: Option<SmtpConfig>,
    pub webhook: Option<WebhookUrl>,
}

impl ReminderConfig {
    /// Checks what can be checked before the server starts: the sender's address.
    pub fn check(&self) -> Result<(), ReminderError> {
        if let Some(smtp) = &self.smtp {
            smtp.from
                .parse::<Mailbox>()
                .map_err(|e| ReminderError::Config(format!("the sender {:?}: {e}", smtp.from)))?;
        }
        Ok(())
    }
}

impl Default for ReminderConfig {
    /// Every ten minutes; three days before the due day and on it; in-app only.
    fn default() -> Self {
        Self {
            interval: Duration::from_secs(600),
            lead_days: LeadDays::default(),
            smtp: None,
            webhook: None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ReminderError {
    #[error("reminder configuration: {0}")]
    Config(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What one wake did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WakeSummary {
    /// Reminders recorded for the first time (each with its in-app notice).
    pub recorded: usize,
    /// Deliveries that went out.
    pub delivered: usize,
    /// Deliveries that failed and will be tried again.
    pub failed: usize,
}

/// The scheduler, with its channels ready.
pub struct Reminders {
    store: Store,
    config: ReminderConfig,
    from: Option<Mailbox>,
    smtp: Option<AsyncSmtpTransport<Tokio1Executor>>,
    http: reqwest::Client,
}

impl fmt::Debug for Reminders {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Reminders")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Reminders {
    pub fn new(store: Store, config: ReminderConfig) -> Result<Self, ReminderError> {
        let (from, smtp) = match &config.smtp {
            Some(smtp) => {
                let from: Mailbox = smtp.from.parse().map_err(|e| {
                    ReminderError::Config(format!("the sender {:?}: {e}", smtp.from))
                })?;
                let transport =
                    AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(smtp.host.as_str())
                        .port(smtp.port)
                        .timeout(Some(DELIVERY_TIMEOUT))
                        .build();
                (Some(from), Some(transport))
            }
            None => (None, None),
        };
        let http = reqwest::Client::builder()
            .timeout(DELIVERY_TIMEOUT)
            .build()
            .map_err(|e| ReminderError::Config(format!("the HTTP client: {e}")))?;
        Ok(Self {
            store,
            config,
            from,
            smtp,
            http,
        })
    }

    /// One wake on `today`: records the reminders due (each once) and tries every pending
    /// delivery of a configured channel.
    pub async fn run_once(&self, today: Date) -> Result<WakeSummary, ReminderError> {
        let mut summary = WakeSummary {
            recorded: self.record_due(today).await?,
            ..WakeSummary::default()
        };
        for delivery in self.store.pending_deliveries(DELIVERIES_PER_WAKE).await? {
            let outcome = match &delivery.channel {
                Channel::Email(address) => match (&self.smtp, &self.from) {
                    (Some(smtp), Some(from)) => send_email(smtp, from, address, &delivery).await,
                    // Configured when recorded, not now: left pending for a later start.
                    _ => continue,
                },
                Channel::Webhook => match &self.config.webhook {
                    Some(url) => post_webhook(&self.http, url, &delivery).await,
                    None => continue,
                },
            };
            match &outcome {
                Ok(()) => summary.delivered += 1,
                Err(error) => {
                    summary.failed += 1;
                    tracing::warn!(key = %delivery.key, channel = ?delivery.channel.clone(),
                        attempt = delivery.attempts + 1, %error, "reminder delivery failed");
                }
            }
            self.store
                .record_delivery(delivery.key, delivery.channel, outcome)
                .await?;
        }
        Ok(summary)
    }

    async fn record_due(&self, today: Date) -> Result<usize, ReminderError> {
        let users: Vec<_> = self
            .store
            .users()
            .await?
            .into_iter()
            .map(|a| a.user)
            .collect();
        let emails: HashMap<UserId, String> = self.store.user_emails().await?.into_iter().collect();
        let mut recorded = 0;
        for plan in self.store.plans().await? {
            let detail = self.store.plan(plan.id()).await?;
            let items: Vec<_> = detail.items.iter().map(|i| i.item.clone()).collect();
            let targets: Vec<_> = detail
                .items
                .iter()
                .flat_map(|i| i.targets.iter().cloned())
                .collect();
            let reports = self.store.reports_for_plan(plan.id()).await?;
            let issuers: HashMap<_, _> = self
                .store
                .order_issuers(plan.id())
                .await?
                .into_iter()
                .collect();
            let orders: Vec<(SupervisionOrder, Option<UserId>)> = self
                .store
                .orders_for_plan(plan.id())
                .await?
                .into_iter()
                .map(|o| {
                    let by = issuers.get(&o.id()).copied().flatten();
                    (o, by)
                })
                .collect();
            let unit_names: BTreeMap<UnitId, String> = detail
                .units
                .iter()
                .map(|u| (u.id, u.name.clone()))
                .collect();
            let facts = PlanFacts {
                plan: &detail.plan,
                items: &items,
                targets: &targets,
                reports: &reports,
                orders: &orders,
                users: &users,
                unit_names: &unit_names,
            };
            for reminder in due_reminders(&facts, &self.config.lead_days, today) {
                let mut channels = Vec::new();
                if self.smtp.is_some() {
                    if let Some(address) = emails.get(&reminder.recipient) {
                        channels.push(Channel::Email(address.clone()));
                    }
                }
                if self.config.webhook.is_some() {
                    channels.push(Channel::Webhook);
                }
                if self
                    .store
                    .record_reminder(reminder, channels, today)
                    .await?
                {
                    recorded += 1;
                }
            }
        }
        Ok(recorded)
    }

    /// Wakes now and every interval after, on `clock`'s today, until `stop` turns true. An
    /// error of one wake is logged; the next wake tries again.
    pub async fn run(self, clock: Clock, mut stop: watch::Receiver<bool>) {
        let mut ticks = tokio::time::interval(self.config.interval);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                _ = ticks.tick() => {}
                _ = stop.wait_for(|stopped| *stopped) => return,
            }
            match self.run_once(clock.today()).await {
                Ok(summary) if summary != WakeSummary::default() => {
                    tracing::info!(?summary, "reminders");
                }
                Ok(_) => {}
                Err(error) => tracing::error!(%error, "reminders: the wake failed"),
            }
        }
    }
}

async fn send_email(
    smtp: &AsyncSmtpTransport<Tokio1Executor>,
    from: &Mailbox,
    address: &str,
    delivery: &PendingDelivery,
) -> Result<(), String> {
    let to: Mailbox = address
        .parse()
        .map_err(|e| format!("the address {address:?}: {e}"))?;
    let message = Message::builder()
        .from(from.clone())
        .to(to)
        .subject(format!("【实事项目】{}", delivery.title))
        .header(ContentType::TEXT_PLAIN)
        .body(delivery.body.clone())
        .map_err(|e| format!("the message: {e}"))?;
    smtp.send(message)
        .await
        .map(|_| ())
        .map_err(|e| format!("SMTP: {e}"))
}

/// The text message WeCom (企业微信) and DingTalk (钉钉) group robots accept.
fn webhook_body(delivery: &PendingDelivery) -> serde_json::Value {
    serde_json::json!({
        "msgtype": "text",
        "text": {
            "content": format!(
                "【{}】{}\n{}",
                delivery.title, delivery.recipient_name, delivery.body
            ),
        },
    })
}

async fn post_webhook(
    http: &reqwest::Client,
    url: &WebhookUrl,
    delivery: &PendingDelivery,
) -> Result<(), String> {
    let response = http
        .post(&url.0)
        .json(&webhook_body(delivery))
        // Without the URL: it holds the robot's key.
        .send()
        .await
        .map_err(|e| format!("webhook to {}: {}", url.host(), e.without_url()))?;
    let status = response.status();
    let text = response.text().await.unwrap_or_default();
    if !status.is_success() {
        return Err(format!("webhook to {} answered {status}", url.host()));
    }
    // The robots answer 200 with {"errcode": N, "errmsg": …}; anything but 0 is a refusal.
    if let Ok(answer) = serde_json::from_str::<serde_json::Value>(&text) {
        if let Some(code) = answer.get("errcode").and_then(serde_json::Value::as_i64) {
            if code != 0 {
                let message = answer
                    .get("errmsg")
                    .and_then(serde_json::Value::as_str)
                    .unwrap_or("");
                return Err(format!("webhook refused: errcode {code} {message}"));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_webhook_url_shows_its_host_only() {
        let url =
            WebhookUrl::parse("http://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=secret-key-123")
                .unwrap();
        let shown = format!("{url:?}");
        assert_eq!(shown, "WebhookUrl(qyapi.weixin.qq.com/…)");
        assert!(!format!(
            "{:?}",
            ReminderConfig {
                webhook: Some(url),
                ..ReminderConfig::default()
            }
        )
        .contains("secret"));
        assert!(WebhookUrl::parse("ftp://x").is_err());
        assert!(WebhookUrl::parse("https://qyapi.weixin.qq.com/").is_err());
    }
}
