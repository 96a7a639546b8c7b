//! Supervision orders (督办单) and their answers: loaded into the core `SupervisionOrder`,
//! moved by its state machine, saved back with the audit event in the same transaction. An
//! answer once written is never changed, except to record that it was sent back.

use crate::audit::{self, now_rfc3339, Actor, Change};
use crate::error::{Result, StoreError};
use crate::plans::{format_date, parse_date};
use crate::sql::{args, Tx};
use crate::Store;
use shishi_core::{
    EvidenceHash, ItemId, NewOrder, OrderAnswer, OrderId, OrderState, PlanId, Reason, Requirement,
    SendBack, StoredOrder, SupervisionOrder, TargetId, UnitId,
};
use std::collections::HashMap;
use time::Date;

/// The audit log's name for an order.
const ENTITY: &str = "supervision_order";

#[derive(Debug, sqlx::FromRow)]
struct OrderRow {
    id: i64,
    plan: i64,
    item: i64,
    target: Option<i64>,
    unit: i64,
    requirement: String,
    due_on: String,
    issued_on: String,
    state: String,
    closed_on: Option<String>,
}

const ORDER_COLUMNS: &str =
    "id, plan, item, target, unit, requirement, due_on, issued_on, state, closed_on";

#[derive(Debug, sqlx::FromRow)]
struct AnswerRow {
    order_id: i64,
    number: i64,
    answer: String,
    evidence: String,
    answered_on: String,
    sent_back_reason: Option<String>,
    sent_back_on: Option<String>,
}

const ANSWER_COLUMNS: &str =
    "a.order_id, a.number, a.answer, a.evidence, a.answered_on, a.sent_back_reason, a.sent_back_on";

impl AnswerRow {
    fn into_answer(self) -> Result<OrderAnswer> {
        let hashes: Vec<String> = serde_json::from_str(&self.evidence)?;
        let sent_back = match (self.sent_back_reason, self.sent_back_on) {
            (Some(reason), Some(on)) => Some(SendBack {
                reason: Reason::parse(&reason)?,
                on: parse_date(&on)?,
            }),
            (None, None) => None,
            _ => {
                return Err(StoreError::Corrupt(format!(
                    "answer {} of order {}: a reason without a day",
                    self.number, self.order_id
                )))
            }
        };
        Ok(OrderAnswer {
            number: u32::try_from(self.number)
                .map_err(|_| StoreError::Corrupt(format!("answer number {}", self.number)))?,
            text: self.answer,
            evidence: hashes
                .iter()
                .map(|h| EvidenceHash::parse(h))
                .collect::<std::result::Result<_, _>>()?,
            answered_on: parse_date(&self.answered_on)?,
            sent_back,
        })
    }
}

fn assemble(row: OrderRow, answers: Vec<AnswerRow>) -> Result<SupervisionOrder> {
    let state = match (row.state.as_str(), &row.closed_on) {
        ("issued", None) => OrderState::Issued,
        ("answered", None) => OrderState::Answered,
        ("closed", Some(on)) => OrderState::Closed {
            on: parse_date(on)?,
        },
        (other, _) => {
            return Err(StoreError::Corrupt(format!(
                "order {} state {other:?}",
                row.id
            )))
        }
    };
    let answers = answers
        .into_iter()
        .map(AnswerRow::into_answer)
        .collect::<Result<Vec<_>>>()?;
    Ok(SupervisionOrder::restore(StoredOrder {
        id: OrderId::new(row.id),
        plan: PlanId::new(row.plan),
        item: ItemId::new(row.item),
        target: row.target.map(TargetId::new),
        unit: UnitId::new(row.unit),
        requirement: Requirement::parse(&row.requirement)?,
        due_on: parse_date(&row.due_on)?,
        issued_on: parse_date(&row.issued_on)?,
        state,
        answers,
    })?)
}

/// Orders chosen by `filter` (a condition on `o`, with `$1` bound to `key`), oldest first,
/// with all their answers: two queries however many orders.
async fn select(tx: &mut Tx, filter: &str, key: i64) -> Result<Vec<SupervisionOrder>> {
    let columns = ORDER_COLUMNS
        .split(", ")
        .map(|c| format!("o.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    let rows: Vec<OrderRow> = tx
        .fetch_all(
            &format!("select {columns} from supervision_orders o where {filter} order by o.id"),
            args![key],
        )
        .await?;
    let answers: Vec<AnswerRow> = tx
        .fetch_all(
            &format!(
                "select {ANSWER_COLUMNS} from supervision_order_answers a \
                 join supervision_orders o on o.id = a.order_id where {filter} \
                 order by a.order_id, a.number"
            ),
            args![key],
        )
        .await?;
    let mut by_order: HashMap<i64, Vec<AnswerRow>> = HashMap::new();
    for answer in answers {
        by_order.entry(answer.order_id).or_default().push(answer);
    }
    rows.into_iter()
        .map(|row| {
            let own = by_order.remove(&row.id).unwrap_or_default();
            assemble(row, own)
        })
        .collect()
}

async fn load(tx: &mut Tx, id: OrderId) -> Result<SupervisionOrder> {
    select(tx, "o.id = $1", id.get())
        .await?
        .pop()
        .ok_or_else(|| StoreError::NotFound(format!("supervision order {id}")))
}

/// Writes the order's own row (its state) and its last answer, new or just sent back.
async fn save(tx: &mut Tx, order: &SupervisionOrder, actor: Actor) -> Result<()> {
    let closed_on = match order.state() {
        OrderState::Closed { on } => Some(format_date(on)?),
        _ => None,
    };
    tx.execute(
        "update supervision_orders set state = $1, closed_on = $2 where id = $3",
        args![order.state().name(), closed_on, order.id().get()],
    )
    .await?;
    let Some(answer) = order.last_answer() else {
        return Ok(());
    };
    let (reason, on) = match &answer.sent_back {
        Some(back) => (
            Some(back.reason.as_str().to_owned()),
            Some(format_date(back.on)?),
        ),
        None => (None, None),
    };
    let updated = tx
        .execute(
            "update supervision_order_answers set sent_back_reason = $1, sent_back_on = $2 \
             where order_id = $3 and number = $4",
            args![
                reason.clone(),
                on.clone(),
                order.id().get(),
                i64::from(answer.number)
            ],
        )
        .await?;
    if updated == 0 {
        let evidence: Vec<&str> = answer.evidence.iter().map(EvidenceHash::as_str).collect();
        let answered_by = actor.user().map(|id| id.get());
        tx.execute(
            "insert into supervision_order_answers (order_id, number, answer, evidence, \
             answered_on, answered_by, sent_back_reason, sent_back_on, created_at) \
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            args![
                order.id().get(),
                i64::from(answer.number),
                answer.text.as_str(),
                serde_json::to_string(&evidence)?,
                format_date(answer.answered_on)?,
                answered_by,
                reason,
                on,
                now_rfc3339()?,
            ],
        )
        .await?;
    }
    Ok(())
}

async fn issue(tx: &mut Tx, actor: Actor, new: NewOrder, today: Date) -> Result<SupervisionOrder> {
    let (plan, lead_units) = crate::plans::item_scope(tx, new.item).await?;
    if let Some(target) = new.target {
        let of_item: Option<(i64,)> = tx
            .fetch_optional(
                "select id from targets where id = $1 and item = $2",
                args![target.get(), new.item.get()],
            )
            .await?;
        if of_item.is_none() {
            return Err(StoreError::Invalid(format!(
                "target {target} is not a target of item {}",
                new.item
            )));
        }
    }
    // Checked before the row is written, so a refused order takes no id.
    SupervisionOrder::issue(OrderId::new(0), plan, new.clone(), &lead_units, today)?;
    let issued_by = actor.user().map(|id| id.get());
    let id = tx
        .insert(
            "insert into supervision_orders (plan, item, target, unit, requirement, due_on, \
             issued_on, issued_by, state, closed_on, created_at) \
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) returning id",
            args![
                plan.get(),
                new.item.get(),
                new.target.map(TargetId::get),
                new.unit.get(),
                new.requirement.as_str(),
                format_date(new.due_on)?,
                format_date(today)?,
                issued_by,
                OrderState::Issued.name(),
                None::<String>,
                now_rfc3339()?,
            ],
        )
        .await?;
    let order = SupervisionOrder::issue(OrderId::new(id), plan, new, &lead_units, today)?;
    audit::record(tx, actor, Change::new("issue", ENTITY, id).after(&order)?).await?;
    Ok(order)
}

/// Loads an order, applies `apply` through the core state machine, saves it and records the
/// audit event, all in the caller's transaction.
async fn change(
    tx: &mut Tx,
    actor: Actor,
    id: OrderId,
    action: &'static str,
    apply: impl FnOnce(&mut SupervisionOrder) -> std::result::Result<(), shishi_core::Error>,
) -> Result<SupervisionOrder> {
    let mut order = load(tx, id).await?;
    let before = order.clone();
    apply(&mut order)?;
    save(tx, &order, actor).await?;
    let event = Change::new(action, ENTITY, id)
        .before(&before)?
        .after(&order)?;
    audit::record(tx, actor, event).await?;
    Ok(order)
}

/// Every evidence file must have been uploaded: an answer never points at nothing.
async fn check_evidence(tx: &mut Tx, evidence: &[EvidenceHash]) -> Result<()> {
    for hash in evidence {
        let found: Option<(String,)> = tx
            .fetch_optional(
                "select hash from attachments where hash = $1",
                args![hash.as_str()],
            )
            .await?;
        if found.is_none() {
            return Err(StoreError::Invalid(format!(
                "evidence file {} was never uploaded",
                hash.as_str()
            )));
        }
    }
    Ok(())
}

impl Store {
    /// Issues a supervision order on `today` to one of the item's lead units, for the item or
    /// one of its targets.
    pub async fn issue_order(
        &self,
        actor: Actor,
        new: NewOrder,
        today: Date,
    ) -> Result<SupervisionOrder> {
        self.writer
            .write(move |tx| Box::pin(issue(tx, actor, new, today)))
            .await
    }

    /// The unit head's answer on `today`: what was done, with evidence files already
    /// uploaded (named by their hashes).
    pub async fn answer_order(
        &self,
        actor: Actor,
        id: OrderId,
        text: String,
        evidence: Vec<EvidenceHash>,
        today: Date,
    ) -> Result<SupervisionOrder> {
        self.writer
            .write(move |tx| {
                Box::pin(async move {
                    check_evidence(tx, &evidence).await?;
                    change(tx, actor, id, "answer", move |order| {
                        order.answer(&text, evidence, today)
                    })
                    .await
                })
            })
            .await
    }

    /// 销号: the supervisor accepts the answer on `today`.
    pub async fn close_order(
        &self,
        actor: Actor,
        id: OrderId,
        today: Date,
    ) -> Result<SupervisionOrder> {
        self.writer
            .write(move |tx| {
                Box::pin(change(tx, actor, id, "close", move |order| {
                    order.close(today)
                }))
            })
            .await
    }

    /// 退回重办: the answer goes back with a reason; the unit answers again.
    pub async fn send_back_order(
        &self,
        actor: Actor,
        id: OrderId,
        reason: Reason,
        today: Date,
    ) -> Result<SupervisionOrder> {
        self.writer
            .write(move |tx| {
                Box::pin(change(tx, actor, id, "send_back", move |order| {
                    order.send_back(reason, today)
                }))
            })
            .await
    }

    pub async fn order(&self, id: OrderId) -> Result<SupervisionOrder> {
        let mut tx = self.backend.read().await?;
        let order = load(&mut tx, id).await;
        tx.commit().await?;
        order
    }

    /// Every order on a plan's items, oldest first.
    pub async fn orders_for_plan(&self, plan: PlanId) -> Result<Vec<SupervisionOrder>> {
        let mut tx = self.backend.read().await?;
        let orders = select(&mut tx, "o.plan = $1", plan.get()).await;
        tx.commit().await?;
        orders
    }

    /// Every order sent to a unit, oldest first.
    pub async fn orders_for_unit(&self, unit: UnitId) -> Result<Vec<SupervisionOrder>> {
        let mut tx = self.backend.read().await?;
        let orders = select(&mut tx, "o.unit = $1", unit.get()).await;
        tx.commit().await?;
        orders
    }
}
