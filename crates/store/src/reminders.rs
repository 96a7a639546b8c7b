//! Reminders sent, in-app notices, and the deliveries of each reminder by e-mail and webhook.
//!
//! A reminder is written once: its key is the table's primary key and it is inserted only
//! when absent, in the same transaction as its notice and its delivery rows, so asking twice
//! (or after a restart) sends nothing twice. Delivery by a channel is tried until it succeeds
//! or has failed [`MAX_ATTEMPTS`] times; the reminder itself is not sent again.

use crate::audit::{self, now_rfc3339, Actor, Change};
use crate::error::{Result, StoreError};
use crate::plans::format_date;
use crate::sql::{args, Tx};
use crate::users::account_by_id;
use crate::Store;
use serde::Serialize;
use shishi_core::{OrderId, PlanId, Reminder, ReminderKey, UserId};
use time::Date;

/// Failed tries after which a delivery is left alone (kept, with its last error, for the
/// supervisor to see): a wrong address does not fail every few minutes for ever.
pub const MAX_ATTEMPTS: i64 = 20;

/// A way of delivering a reminder besides the in-app notice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Channel {
    /// To this address.
    Email(String),
    /// To the configured webhook.
    Webhook,
}

impl Channel {
    fn name(&self) -> &'static str {
        match self {
            Channel::Email(_) => "email",
            Channel::Webhook => "webhook",
        }
    }

    fn address(&self) -> &str {
        match self {
            Channel::Email(address) => address,
            Channel::Webhook => "",
        }
    }
}

/// An in-app notice of a user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub id: i64,
    pub title: String,
    pub body: String,
    /// RFC 3339.
    pub created_at: String,
    pub read: bool,
}

/// A delivery still to make: a new one, or one that failed before.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingDelivery {
    pub key: ReminderKey,
    pub channel: Channel,
    pub recipient: UserId,
    /// The recipient's name, for the webhook's words.
    pub recipient_name: String,
    pub title: String,
    pub body: String,
    pub attempts: i64,
}

#[derive(Debug, sqlx::FromRow)]
struct NoticeRow {
    id: i64,
    title: String,
    body: String,
    created_at: String,
    read_at: Option<String>,
}

#[derive(Debug, sqlx::FromRow)]
struct DeliveryRow {
    reminder_key: String,
    channel: String,
    address: String,
    recipient: i64,
    name: String,
    title: String,
    body: String,
    attempts: i64,
}

/// A plain check of an e-mail address: one `@`, something on both sides, a dot in the domain,
/// no spaces or angle brackets that would break a mail header.
pub fn valid_email(address: &str) -> bool {
    let Some((local, domain)) = address.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && address.len() <= 254
        && !address
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | ',' | ';'))
}

async fn record(
    tx: &mut Tx,
    reminder: &Reminder,
    channels: &[Channel],
    today: Date,
) -> Result<bool> {
    let now = now_rfc3339()?;
    let inserted = tx
        .execute(
            "insert into reminders (key, kind, recipient, title, body, due_on, created_at) \
             values ($1, $2, $3, $4, $5, $6, $7) on conflict (key) do nothing",
            args![
                reminder.key.as_str(),
                reminder.kind.name(),
                reminder.recipient.get(),
                reminder.title.as_str(),
                reminder.body.as_str(),
                format_date(today)?,
                now.as_str(),
            ],
        )
        .await?;
    if inserted == 0 {
        return Ok(false);
    }
    tx.execute(
        "insert into notices (user_id, reminder_key, title, body, created_at) \
         values ($1, $2, $3, $4, $5)",
        args![
            reminder.recipient.get(),
            reminder.key.as_str(),
            reminder.title.as_str(),
            reminder.body.as_str(),
            now.as_str(),
        ],
    )
    .await?;
    for channel in channels {
        tx.execute(
            "insert into reminder_deliveries (reminder_key, channel, address, status) \
             values ($1, $2, $3, 'pending') on conflict (reminder_key, channel) do nothing",
            args![reminder.key.as_str(), channel.name(), channel.address()],
        )
        .await?;
    }
    let event = Change::new("remind", "reminder", reminder.key.as_str()).after(&(
        reminder,
        channels.iter().map(Channel::name).collect::<Vec<_>>(),
    ))?;
    audit::record(tx, Actor::System, event).await?;
    Ok(true)
}

impl Store {
    /// Records `reminder`, due on `today`, with its in-app notice and a pending delivery by
    /// each of `channels`, unless a reminder with its key was recorded before: whether it was
    /// new. Nothing of a reminder already recorded is changed.
    pub async fn record_reminder(
        &self,
        reminder: Reminder,
        channels: Vec<Channel>,
        today: Date,
    ) -> Result<bool> {
        self.writer
            .write_aside(move |tx| {
                Box::pin(async move { record(tx, &reminder, &channels, today).await })
            })
            .await
    }

    /// Deliveries not yet made, oldest reminder first, at most `limit`; those that failed
    /// [`MAX_ATTEMPTS`] times are left out.
    pub async fn pending_deliveries(&self, limit: i64) -> Result<Vec<PendingDelivery>> {
        let mut tx = self.backend.read().await?;
        let rows: Result<Vec<DeliveryRow>> = tx
            .fetch_all(
                "select d.reminder_key, d.channel, d.address, r.recipient, u.name, r.title, \
                 r.body, d.attempts from reminder_deliveries d \
                 join reminders r on r.key = d.reminder_key \
                 join users u on u.id = r.recipient \
                 where d.status <> 'sent' and d.attempts < $1 \
                 order by r.created_at, d.reminder_key, d.channel limit $2",
                args![MAX_ATTEMPTS, limit],
            )
            .await;
        tx.commit().await?;
        rows?
            .into_iter()
            .map(|row| {
                let channel = match row.channel.as_str() {
                    "email" => Channel::Email(row.address),
                    "webhook" => Channel::Webhook,
                    other => return Err(StoreError::Corrupt(format!("channel {other:?}"))),
                };
                Ok(PendingDelivery {
                    key: ReminderKey::from_stored(row.reminder_key),
                    channel,
                    recipient: UserId::new(row.recipient),
                    recipient_name: row.name,
                    title: row.title,
                    body: row.body,
                    attempts: row.attempts,
                })
            })
            .collect()
    }

    /// Records one try of a delivery: `Ok` when it went out, else the error in words.
    pub async fn record_delivery(
        &self,
        key: ReminderKey,
        channel: Channel,
        outcome: std::result::Result<(), String>,
    ) -> Result<()> {
        self.writer
            .write_aside(move |tx| {
                Box::pin(async move {
                    let now = now_rfc3339()?;
                    let (status, error, sent_at) = match outcome {
                        Ok(()) => ("sent", None, Some(now.clone())),
                        Err(error) => ("failed", Some(error), None),
                    };
                    tx.execute(
                        "update reminder_deliveries set status = $1, attempts = attempts + 1, \
                         last_error = $2, last_attempt_at = $3, sent_at = $4 \
                         where reminder_key = $5 and channel = $6",
                        args![status, error, now, sent_at, key.as_str(), channel.name()],
                    )
                    .await?;
                    Ok(())
                })
            })
            .await
    }

    /// A delivery's status (`pending`, `sent`, `failed`) and tries so far, if it exists.
    pub async fn delivery_status(
        &self,
        key: &ReminderKey,
        channel: &Channel,
    ) -> Result<Option<(String, i64)>> {
        let mut tx = self.backend.read().await?;
        let row = tx
            .fetch_optional(
                "select status, attempts from reminder_deliveries \
                 where reminder_key = $1 and channel = $2",
                args![key.as_str(), channel.name()],
            )
            .await;
        tx.commit().await?;
        row
    }

    /// A user's notices, newest first, at most `limit`.
    pub async fn notices(&self, user: UserId, limit: i64) -> Result<Vec<Notice>> {
        let mut tx = self.backend.read().await?;
        let rows: Result<Vec<NoticeRow>> = tx
            .fetch_all(
                "select id, title, body, created_at, read_at from notices \
                 where user_id = $1 order by id desc limit $2",
                args![user.get(), limit],
            )
            .await;
        tx.commit().await?;
        Ok(rows?
            .into_iter()
            .map(|row| Notice {
                id: row.id,
                title: row.title,
                body: row.body,
                created_at: row.created_at,
                read: row.read_at.is_some(),
            })
            .collect())
    }

    /// How many notices of a user are unread (the header's count).
    pub async fn unread_notices(&self, user: UserId) -> Result<i64> {
        let mut tx = self.backend.read().await?;
        let count: Result<(i64,)> = tx
            .fetch_one(
                "select count(*) from notices where user_id = $1 and read_at is null",
                args![user.get()],
            )
            .await;
        tx.commit().await?;
        Ok(count?.0)
    }

    /// Marks one notice of `user` read, or all of them when `notice` is `None`; another
    /// user's notice is not found. How many were marked.
    pub async fn mark_notices_read(&self, user: UserId, notice: Option<i64>) -> Result<u64> {
        self.writer
            .write_aside(move |tx| {
                Box::pin(async move {
                    let now = now_rfc3339()?;
                    match notice {
                        Some(id) => {
                            let mine: Option<(i64,)> = tx
                                .fetch_optional(
                                    "select id from notices where id = $1 and user_id = $2",
                                    args![id, user.get()],
                                )
                                .await?;
                            if mine.is_none() {
                                return Err(StoreError::NotFound(format!("notice {id}")));
                            }
                            tx.execute(
                                "update notices set read_at = $1 \
                                 where id = $2 and read_at is null",
                                args![now, id],
                            )
                            .await
                        }
                        None => {
                            tx.execute(
                                "update notices set read_at = $1 \
                                 where user_id = $2 and read_at is null",
                                args![now, user.get()],
                            )
                            .await
                        }
                    }
                })
            })
            .await
    }

    /// Sets or clears a user's e-mail address (where reminders go), with its audit event.
    pub async fn set_user_email(
        &self,
        actor: Actor,
        user: UserId,
        email: Option<String>,
    ) -> Result<()> {
        let email = email.map(|e| e.trim().to_owned()).filter(|e| !e.is_empty());
        if let Some(address) = &email {
            if !valid_email(address) {
                return Err(StoreError::Invalid(format!(
                    "{address:?} is not an e-mail address"
                )));
            }
        }
        self.writer
            .write_aside(move |tx| {
                Box::pin(async move {
                    account_by_id(tx, user).await?;
                    let before: Option<(Option<String>,)> = tx
                        .fetch_optional("select email from users where id = $1", args![user.get()])
                        .await?;
                    tx.execute(
                        "update users set email = $1 where id = $2",
                        args![email.clone(), user.get()],
                    )
                    .await?;
                    let change = Change::new("set_email", "user", user)
                        .before(&before.and_then(|(e,)| e))?
                        .after(&email)?;
                    audit::record(tx, actor, change).await
                })
            })
            .await
    }

    /// Every user's e-mail address that is set.
    pub async fn user_emails(&self) -> Result<Vec<(UserId, String)>> {
        let mut tx = self.backend.read().await?;
        let rows: Result<Vec<(i64, String)>> = tx
            .fetch_all(
                "select id, email from users where email is not null order by id",
                args![],
            )
            .await;
        tx.commit().await?;
        Ok(rows?
            .into_iter()
            .map(|(id, email)| (UserId::new(id), email))
            .collect())
    }

    /// Who issued each order of a plan, when known (the supervisor an overdue order flags).
    pub async fn order_issuers(&self, plan: PlanId) -> Result<Vec<(OrderId, Option<UserId>)>> {
        let mut tx = self.backend.read().await?;
        let rows: Result<Vec<(i64, Option<i64>)>> = tx
            .fetch_all(
                "select id, issued_by from supervision_orders where plan = $1 order by id",
                args![plan.get()],
            )
            .await;
        tx.commit().await?;
        Ok(rows?
            .into_iter()
            .map(|(id, by)| (OrderId::new(id), by.map(UserId::new)))
            .collect())
    }
}
