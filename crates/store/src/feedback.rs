//! The public's messages (群众留言) and the lead units' answers: loaded into the core
//! `Feedback`, moved by its rules, saved back with the audit event in the same transaction.
//! A message is never deleted: hidden ones stay stored with the reason. An answer once
//! written is never changed, except to record the supervisor's decision on it.

use crate::audit::{self, now_rfc3339, Actor, Change};
use crate::error::{Result, StoreError};
use crate::plans::{format_date, parse_date};
use crate::sql::{args, Tx};
use crate::Store;
use shishi_core::{
    AnswerState, AnswerText, Contact, Feedback, FeedbackAnswer, FeedbackId, ItemId, MessageText,
    Moderation, NewFeedback, PlanId, PosterName, Reason, StoredFeedback, UnitId, UserId,
};
use std::collections::HashMap;
use time::Date;

/// The audit log's name for a message.
const ENTITY: &str = "feedback";

impl From<shishi_core::FeedbackError> for StoreError {
    fn from(error: shishi_core::FeedbackError) -> Self {
        StoreError::Domain(error.into())
    }
}

#[derive(Debug, sqlx::FromRow)]
struct FeedbackRow {
    id: i64,
    plan: i64,
    item: i64,
    text: String,
    name: Option<String>,
    contact: Option<String>,
    posted_by: Option<i64>,
    posted_on: String,
    state: String,
    published_on: Option<String>,
    hidden_on: Option<String>,
    hidden_reason: Option<String>,
}

const FEEDBACK_COLUMNS: [&str; 12] = [
    "id",
    "plan",
    "item",
    "text",
    "name",
    "contact",
    "posted_by",
    "posted_on",
    "state",
    "published_on",
    "hidden_on",
    "hidden_reason",
];

#[derive(Debug, sqlx::FromRow)]
struct AnswerRow {
    feedback_id: i64,
    number: i64,
    unit: i64,
    answer: String,
    answered_on: String,
    state: String,
    decided_on: Option<String>,
    returned_reason: Option<String>,
}

const ANSWER_COLUMNS: &str = "a.feedback_id, a.number, a.unit, a.answer, a.answered_on, \
     a.state, a.decided_on, a.returned_reason";

fn optional_date(text: &Option<String>) -> Result<Option<Date>> {
    text.as_deref().map(parse_date).transpose()
}

impl AnswerRow {
    fn into_answer(self) -> Result<FeedbackAnswer> {
        let corrupt = || {
            StoreError::Corrupt(format!(
                "answer {} of message {}: state {:?} does not agree with its day and reason",
                self.number, self.feedback_id, self.state
            ))
        };
        let state = match (self.state.as_str(), &self.decided_on, &self.returned_reason) {
            ("pending", None, None) => AnswerState::Pending,
            ("approved", Some(on), None) => AnswerState::Approved {
                on: parse_date(on)?,
            },
            ("returned", Some(on), Some(reason)) => AnswerState::Returned {
                reason: Reason::parse(reason)?,
                on: parse_date(on)?,
            },
            _ => return Err(corrupt()),
        };
        Ok(FeedbackAnswer {
            number: u32::try_from(self.number)
                .map_err(|_| StoreError::Corrupt(format!("answer number {}", self.number)))?,
            unit: UnitId::new(self.unit),
            text: AnswerText::parse(&self.answer)?,
            answered_on: parse_date(&self.answered_on)?,
            state,
        })
    }
}

fn assemble(row: FeedbackRow, answers: Vec<AnswerRow>) -> Result<Feedback> {
    let published_on = optional_date(&row.published_on)?;
    let moderation = match (row.state.as_str(), published_on, &row.hidden_on) {
        ("pending", None, None) => Moderation::Pending,
        ("published", Some(on), None) => Moderation::Published { on },
        ("hidden", published_on, Some(on)) => Moderation::Hidden {
            reason: Reason::parse(row.hidden_reason.as_deref().unwrap_or_default())?,
            on: parse_date(on)?,
            published_on,
        },
        (other, _, _) => {
            return Err(StoreError::Corrupt(format!(
                "message {} state {other:?}",
                row.id
            )))
        }
    };
    let answers = answers
        .into_iter()
        .map(AnswerRow::into_answer)
        .collect::<Result<Vec<_>>>()?;
    Ok(Feedback::restore(StoredFeedback {
        id: FeedbackId::new(row.id),
        plan: PlanId::new(row.plan),
        item: ItemId::new(row.item),
        text: MessageText::parse(&row.text)?,
        name: match &row.name {
            Some(name) => PosterName::parse(name)?,
            None => None,
        },
        contact: match &row.contact {
            Some(contact) => Contact::parse(contact)?,
            None => None,
        },
        posted_by: row.posted_by.map(UserId::new),
        posted_on: parse_date(&row.posted_on)?,
        moderation,
        answers,
    })?)
}

/// Messages chosen by `filter` (a condition on `f`, with `$1` bound to `key`), newest first,
/// with all their answers: two queries however many messages.
async fn select(tx: &mut Tx, filter: &str, key: i64) -> Result<Vec<Feedback>> {
    let columns = FEEDBACK_COLUMNS
        .iter()
        .map(|c| format!("f.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    let rows: Vec<FeedbackRow> = tx
        .fetch_all(
            &format!("select {columns} from feedback f where {filter} order by f.id desc"),
            args![key],
        )
        .await?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let answers: Vec<AnswerRow> = tx
        .fetch_all(
            &format!(
                "select {ANSWER_COLUMNS} from feedback_answers a \
                 join feedback f on f.id = a.feedback_id where {filter} \
                 order by a.feedback_id, a.number"
            ),
            args![key],
        )
        .await?;
    let mut by_message: HashMap<i64, Vec<AnswerRow>> = HashMap::new();
    for answer in answers {
        by_message
            .entry(answer.feedback_id)
            .or_default()
            .push(answer);
    }
    rows.into_iter()
        .map(|row| {
            let own = by_message.remove(&row.id).unwrap_or_default();
            assemble(row, own)
        })
        .collect()
}

async fn load(tx: &mut Tx, id: FeedbackId) -> Result<Feedback> {
    select(tx, "f.id = $1", id.get())
        .await?
        .pop()
        .ok_or_else(|| StoreError::NotFound(format!("message {id}")))
}

/// Writes the message's own row (its moderation) and its last answer, new or just decided.
async fn save(tx: &mut Tx, message: &Feedback, actor: Actor) -> Result<()> {
    let (published_on, hidden_on, hidden_reason) = match message.moderation() {
        Moderation::Pending => (None, None, None),
        Moderation::Published { on } => (Some(format_date(*on)?), None, None),
        Moderation::Hidden {
            reason,
            on,
            published_on,
        } => (
            published_on.map(format_date).transpose()?,
            Some(format_date(*on)?),
            Some(reason.as_str().to_owned()),
        ),
    };
    tx.execute(
        "update feedback set state = $1, published_on = $2, hidden_on = $3, hidden_reason = $4 \
         where id = $5",
        args![
            message.moderation().name(),
            published_on,
            hidden_on,
            hidden_reason,
            message.id().get()
        ],
    )
    .await?;
    let Some(answer) = message.last_answer() else {
        return Ok(());
    };
    let (decided_on, reason) = match &answer.state {
        AnswerState::Pending => (None, None),
        AnswerState::Approved { on } => (Some(format_date(*on)?), None),
        AnswerState::Returned { reason, on } => {
            (Some(format_date(*on)?), Some(reason.as_str().to_owned()))
        }
    };
    let updated = tx
        .execute(
            "update feedback_answers set state = $1, decided_on = $2, returned_reason = $3 \
             where feedback_id = $4 and number = $5",
            args![
                answer.state.name(),
                decided_on.clone(),
                reason.clone(),
                message.id().get(),
                i64::from(answer.number)
            ],
        )
        .await?;
    if updated == 0 {
        tx.execute(
            "insert into feedback_answers (feedback_id, number, unit, answer, answered_on, \
             answered_by, state, decided_on, returned_reason, created_at) \
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            args![
                message.id().get(),
                i64::from(answer.number),
                answer.unit.get(),
                answer.text.as_str(),
                format_date(answer.answered_on)?,
                actor.user().map(|id| id.get()),
                answer.state.name(),
                decided_on,
                reason,
                now_rfc3339()?,
            ],
        )
        .await?;
    }
    Ok(())
}

async fn post(tx: &mut Tx, actor: Actor, new: NewFeedback, today: Date) -> Result<Feedback> {
    let (plan, _) = crate::plans::item_scope(tx, new.item).await?;
    let id = tx
        .insert(
            "insert into feedback (plan, item, text, name, contact, posted_by, posted_on, \
             state, published_on, hidden_on, hidden_reason, created_at) \
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) returning id",
            args![
                plan.get(),
                new.item.get(),
                new.text.as_str(),
                new.name.as_ref().map(PosterName::as_str),
                new.contact.as_ref().map(Contact::as_str),
                new.posted_by.map(UserId::get),
                format_date(today)?,
                Moderation::Pending.name(),
                None::<String>,
                None::<String>,
                None::<String>,
                now_rfc3339()?,
            ],
        )
        .await?;
    let message = Feedback::post(FeedbackId::new(id), plan, new, today);
    audit::record(tx, actor, Change::new("post", ENTITY, id).after(&message)?).await?;
    Ok(message)
}

/// Loads a message, applies `apply` through the core rules, saves it and records the audit
/// event, all in the caller's transaction.
async fn change(
    tx: &mut Tx,
    actor: Actor,
    id: FeedbackId,
    action: &'static str,
    apply: impl FnOnce(&mut Feedback, &[UnitId]) -> std::result::Result<(), shishi_core::FeedbackError>,
) -> Result<Feedback> {
    let mut message = load(tx, id).await?;
    let (_, lead_units) = crate::plans::item_scope(tx, message.item()).await?;
    let before = message.clone();
    apply(&mut message, &lead_units)?;
    save(tx, &message, actor).await?;
    let event = Change::new(action, ENTITY, id)
        .before(&before)?
        .after(&message)?;
    audit::record(tx, actor, event).await?;
    Ok(message)
}

impl Store {
    /// Stores a message posted on `today`, pending moderation. `actor` is the signed-in user
    /// who posted it, or [`Actor::Public`] for someone not signed in.
    pub async fn post_feedback(
        &self,
        actor: Actor,
        new: NewFeedback,
        today: Date,
    ) -> Result<Feedback> {
        self.writer
            .write_aside(move |tx| Box::pin(post(tx, actor, new, today)))
            .await
    }

    /// 公开: the supervisor publishes a pending message.
    pub async fn publish_feedback(
        &self,
        actor: Actor,
        id: FeedbackId,
        today: Date,
    ) -> Result<Feedback> {
        self.writer
            .write_aside(move |tx| {
                Box::pin(change(tx, actor, id, "publish", move |m, _| {
                    m.publish(today)
                }))
            })
            .await
    }

    /// 隐藏: the supervisor keeps a pending or published message out of sight, with a reason.
    pub async fn hide_feedback(
        &self,
        actor: Actor,
        id: FeedbackId,
        reason: Reason,
        today: Date,
    ) -> Result<Feedback> {
        self.writer
            .write_aside(move |tx| {
                Box::pin(change(tx, actor, id, "hide", move |m, _| {
                    m.hide(reason, today)
                }))
            })
            .await
    }

    /// A lead unit's answer to a published message, for the supervisor to approve.
    pub async fn answer_feedback(
        &self,
        actor: Actor,
        id: FeedbackId,
        unit: UnitId,
        text: AnswerText,
        today: Date,
    ) -> Result<Feedback> {
        self.writer
            .write_aside(move |tx| {
                Box::pin(change(tx, actor, id, "answer", move |m, lead| {
                    m.answer(unit, text, lead, today)
                }))
            })
            .await
    }

    /// The supervisor approves the waiting answer: it is public from now on.
    pub async fn approve_feedback_answer(
        &self,
        actor: Actor,
        id: FeedbackId,
        today: Date,
    ) -> Result<Feedback> {
        self.writer
            .write_aside(move |tx| {
                Box::pin(change(tx, actor, id, "approve_answer", move |m, _| {
                    m.approve_answer(today)
                }))
            })
            .await
    }

    /// The supervisor returns the waiting answer with a reason; the unit answers again.
    pub async fn return_feedback_answer(
        &self,
        actor: Actor,
        id: FeedbackId,
        reason: Reason,
        today: Date,
    ) -> Result<Feedback> {
        self.writer
            .write_aside(move |tx| {
                Box::pin(change(tx, actor, id, "return_answer", move |m, _| {
                    m.return_answer(reason, today)
                }))
            })
            .await
    }

    /// One message, contact included: for the supervisor's and the lead unit's pages.
    pub async fn feedback(&self, id: FeedbackId) -> Result<Feedback> {
        let mut tx = self.backend.read().await?;
        let message = load(&mut tx, id).await;
        tx.commit().await?;
        message
    }

    /// The published messages on an item, newest first, as the public reads them: without
    /// their contacts, whoever asks.
    pub async fn public_feedback_for_item(&self, item: ItemId) -> Result<Vec<Feedback>> {
        let mut tx = self.backend.read().await?;
        let messages = select(&mut tx, "f.item = $1 and f.state = 'published'", item.get()).await;
        tx.commit().await?;
        Ok(messages?
            .into_iter()
            .map(Feedback::without_contact)
            .collect())
    }

    /// Every message on a plan's items, in every state, newest first, contacts included.
    pub async fn feedback_for_plan(&self, plan: PlanId) -> Result<Vec<Feedback>> {
        let mut tx = self.backend.read().await?;
        let messages = select(&mut tx, "f.plan = $1", plan.get()).await;
        tx.commit().await?;
        messages
    }

    /// The published messages on the items a unit leads, newest first, contacts included:
    /// what the unit answers.
    pub async fn feedback_for_unit(&self, unit: UnitId) -> Result<Vec<Feedback>> {
        let mut tx = self.backend.read().await?;
        let messages = select(
            &mut tx,
            "f.state = 'published' and f.item in \
             (select item from item_units where unit = $1 and role = 'lead')",
            unit.get(),
        )
        .await;
        tx.commit().await?;
        messages
    }
}
