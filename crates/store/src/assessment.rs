//! The year-end assessment's stored part: the weights a plan's parts carry, and the
//! supervisor's bonus and penalty entries (加分/扣分). Scores themselves are computed by the
//! core from the stored facts, never stored. An entry is never deleted: withdrawing it keeps
//! the row with who, when and why, and each step is an audit event.

use crate::audit::{self, now_rfc3339, Actor, Change};
use crate::error::{Result, StoreError};
use crate::sql::{args, Tx};
use crate::Store;
use serde::Serialize;
use shishi_core::{
    Adjustment, AdjustmentId, AdjustmentPoints, AssessmentWeights, OrderId, PlanId, Reason, UnitId,
    UserId,
};

const WEIGHTS: &str = "assessment_weights";
const ENTRY: &str = "assessment_entry";

/// A bonus or penalty entry as the supervisor made it, withdrawn or not.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AssessmentEntry {
    pub plan: PlanId,
    #[serde(flatten)]
    pub adjustment: Adjustment,
    pub created_by: Option<UserId>,
    /// The name of who made it, for the pages.
    pub created_by_name: Option<String>,
    /// RFC 3339, UTC.
    pub created_at: String,
    pub withdrawn: Option<Withdrawal>,
}

impl AssessmentEntry {
    pub fn id(&self) -> AdjustmentId {
        self.adjustment.id
    }

    pub fn is_withdrawn(&self) -> bool {
        self.withdrawn.is_some()
    }
}

/// Who withdrew an entry, when and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Withdrawal {
    pub by: Option<UserId>,
    pub by_name: Option<String>,
    /// RFC 3339, UTC.
    pub at: String,
    pub reason: Reason,
}

/// What the supervisor fills in for a bonus or penalty.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAssessmentEntry {
    pub plan: PlanId,
    /// One of the plan's lead units.
    pub unit: UnitId,
    pub points: AdjustmentPoints,
    pub reason: Reason,
    /// A supervision order of the plan sent to the same unit.
    pub order: Option<OrderId>,
}

#[derive(Debug, sqlx::FromRow)]
struct WeightsRow {
    completion: i64,
    timeliness: i64,
    quality: i64,
    satisfaction: i64,
}

#[derive(Debug, sqlx::FromRow)]
struct EntryRow {
    id: i64,
    plan: i64,
    unit: i64,
    points: f64,
    reason: String,
    order_id: Option<i64>,
    created_by: Option<i64>,
    created_by_name: Option<String>,
    created_at: String,
    withdrawn_by: Option<i64>,
    withdrawn_by_name: Option<String>,
    withdrawn_at: Option<String>,
    withdrawn_reason: Option<String>,
}

const ENTRY_SELECT: &str = "select e.id, e.plan, e.unit, e.points, e.reason, e.order_id, \
     e.created_by, c.name as created_by_name, e.created_at, e.withdrawn_by, \
     w.name as withdrawn_by_name, e.withdrawn_at, e.withdrawn_reason \
     from assessment_entries e left join users c on c.id = e.created_by \
     left join users w on w.id = e.withdrawn_by";

impl EntryRow {
    fn into_entry(self) -> Result<AssessmentEntry> {
        let points = AdjustmentPoints::new(self.points)
            .map_err(|e| StoreError::Corrupt(format!("assessment entry {}: {e}", self.id)))?;
        let withdrawn = match (self.withdrawn_at, self.withdrawn_reason) {
            (Some(at), Some(reason)) => Some(Withdrawal {
                by: self.withdrawn_by.map(UserId::new),
                by_name: self.withdrawn_by_name,
                at,
                reason: Reason::parse(&reason)?,
            }),
            (None, None) => None,
            _ => {
                return Err(StoreError::Corrupt(format!(
                    "assessment entry {}: withdrawn without a day or a reason",
                    self.id
                )))
            }
        };
        Ok(AssessmentEntry {
            plan: PlanId::new(self.plan),
            adjustment: Adjustment {
                id: AdjustmentId::new(self.id),
                unit: UnitId::new(self.unit),
                points,
                reason: Reason::parse(&self.reason)?,
                order: self.order_id.map(OrderId::new),
            },
            created_by: self.created_by.map(UserId::new),
            created_by_name: self.created_by_name,
            created_at: self.created_at,
            withdrawn,
        })
    }
}

async fn weights(tx: &mut Tx, plan: PlanId) -> Result<AssessmentWeights> {
    let row: Option<WeightsRow> = tx
        .fetch_optional(
            "select completion, timeliness, quality, satisfaction from assessment_weights \
             where plan = $1",
            args![plan.get()],
        )
        .await?;
    let Some(row) = row else {
        return Ok(AssessmentWeights::default());
    };
    let part = |v: i64| {
        u32::try_from(v).map_err(|_| StoreError::Corrupt(format!("assessment weight {v}")))
    };
    AssessmentWeights::new(
        part(row.completion)?,
        part(row.timeliness)?,
        part(row.quality)?,
        part(row.satisfaction)?,
    )
    .map_err(|e| StoreError::Corrupt(format!("assessment weights of plan {plan}: {e}")))
}

async fn require_plan(tx: &mut Tx, plan: PlanId) -> Result<()> {
    let found: Option<(i64,)> = tx
        .fetch_optional("select id from plans where id = $1", args![plan.get()])
        .await?;
    found
        .map(|_| ())
        .ok_or_else(|| StoreError::NotFound(format!("plan {plan}")))
}

async fn set_weights(
    tx: &mut Tx,
    actor: Actor,
    plan: PlanId,
    new: AssessmentWeights,
) -> Result<AssessmentWeights> {
    require_plan(tx, plan).await?;
    let before = weights(tx, plan).await?;
    let values = args![
        plan.get(),
        i64::from(new.completion()),
        i64::from(new.timeliness()),
        i64::from(new.quality()),
        i64::from(new.satisfaction()),
        now_rfc3339()?,
    ];
    // Both backends read `on conflict … do update`.
    tx.execute(
        "insert into assessment_weights (plan, completion, timeliness, quality, satisfaction, \
         updated_at) values ($1, $2, $3, $4, $5, $6) on conflict (plan) do update set \
         completion = excluded.completion, timeliness = excluded.timeliness, \
         quality = excluded.quality, satisfaction = excluded.satisfaction, \
         updated_at = excluded.updated_at",
        values,
    )
    .await?;
    let change = Change::new("set", WEIGHTS, plan.get())
        .before(&before)?
        .after(&new)?;
    audit::record(tx, actor, change).await?;
    Ok(new)
}

async fn entry(tx: &mut Tx, id: AdjustmentId) -> Result<AssessmentEntry> {
    let row: Option<EntryRow> = tx
        .fetch_optional(&format!("{ENTRY_SELECT} where e.id = $1"), args![id.get()])
        .await?;
    row.ok_or_else(|| StoreError::NotFound(format!("assessment entry {id}")))?
        .into_entry()
}

async fn add_entry(tx: &mut Tx, actor: Actor, new: NewAssessmentEntry) -> Result<AssessmentEntry> {
    require_plan(tx, new.plan).await?;
    let leads: Option<(i64,)> = tx
        .fetch_optional(
            "select iu.item from item_units iu join items i on i.id = iu.item \
             where i.plan = $1 and iu.unit = $2 and iu.role = 'lead' limit 1",
            args![new.plan.get(), new.unit.get()],
        )
        .await?;
    if leads.is_none() {
        return Err(StoreError::Invalid(format!(
            "unit {} leads no item of plan {}: only lead units are assessed",
            new.unit, new.plan
        )));
    }
    if let Some(order) = new.order {
        let found: Option<(i64,)> = tx
            .fetch_optional(
                "select id from supervision_orders where id = $1 and plan = $2 and unit = $3",
                args![order.get(), new.plan.get(), new.unit.get()],
            )
            .await?;
        if found.is_none() {
            return Err(StoreError::Invalid(format!(
                "supervision order {order} is not an order of plan {} sent to unit {}",
                new.plan, new.unit
            )));
        }
    }
    let id = tx
        .insert(
            "insert into assessment_entries (plan, unit, points, reason, order_id, created_by, \
             created_at) values ($1, $2, $3, $4, $5, $6, $7) returning id",
            args![
                new.plan.get(),
                new.unit.get(),
                new.points.get(),
                new.reason.as_str(),
                new.order.map(OrderId::get),
                actor.user().map(|id| id.get()),
                now_rfc3339()?,
            ],
        )
        .await?;
    let saved = entry(tx, AdjustmentId::new(id)).await?;
    audit::record(tx, actor, Change::new("add", ENTRY, id).after(&saved)?).await?;
    Ok(saved)
}

async fn withdraw_entry(
    tx: &mut Tx,
    actor: Actor,
    id: AdjustmentId,
    reason: Reason,
) -> Result<AssessmentEntry> {
    let before = entry(tx, id).await?;
    if before.is_withdrawn() {
        return Err(StoreError::Conflict(format!(
            "assessment entry {id} is already withdrawn"
        )));
    }
    tx.execute(
        "update assessment_entries set withdrawn_by = $1, withdrawn_at = $2, \
         withdrawn_reason = $3 where id = $4 and withdrawn_at is null",
        args![
            actor.user().map(|id| id.get()),
            now_rfc3339()?,
            reason.as_str(),
            id.get()
        ],
    )
    .await?;
    let after = entry(tx, id).await?;
    let change = Change::new("withdraw", ENTRY, id.get())
        .before(&before)?
        .after(&after)?;
    audit::record(tx, actor, change).await?;
    Ok(after)
}

impl Store {
    /// The plan's weights: those last set, or the defaults (50/20/15/15).
    pub async fn assessment_weights(&self, plan: PlanId) -> Result<AssessmentWeights> {
        let mut tx = self.backend.read().await?;
        require_plan(&mut tx, plan).await?;
        let found = weights(&mut tx, plan).await;
        tx.commit().await?;
        found
    }

    /// Sets the plan's weights, with an audit event holding the old and new.
    pub async fn set_assessment_weights(
        &self,
        actor: Actor,
        plan: PlanId,
        weights: AssessmentWeights,
    ) -> Result<AssessmentWeights> {
        self.writer
            .write(move |tx| Box::pin(set_weights(tx, actor, plan, weights)))
            .await
    }

    /// Adds a bonus or penalty for one of the plan's lead units.
    pub async fn add_assessment_entry(
        &self,
        actor: Actor,
        new: NewAssessmentEntry,
    ) -> Result<AssessmentEntry> {
        self.writer
            .write(move |tx| Box::pin(add_entry(tx, actor, new)))
            .await
    }

    /// Withdraws an entry: it stays, marked with who, when and why, and no longer counts.
    pub async fn withdraw_assessment_entry(
        &self,
        actor: Actor,
        id: AdjustmentId,
        reason: Reason,
    ) -> Result<AssessmentEntry> {
        self.writer
            .write(move |tx| Box::pin(withdraw_entry(tx, actor, id, reason)))
            .await
    }

    pub async fn assessment_entry(&self, id: AdjustmentId) -> Result<AssessmentEntry> {
        let mut tx = self.backend.read().await?;
        let found = entry(&mut tx, id).await;
        tx.commit().await?;
        found
    }

    /// Every entry of the plan, withdrawn ones too, oldest first.
    pub async fn assessment_entries(&self, plan: PlanId) -> Result<Vec<AssessmentEntry>> {
        let mut tx = self.backend.read().await?;
        let rows: Vec<EntryRow> = tx
            .fetch_all(
                &format!("{ENTRY_SELECT} where e.plan = $1 order by e.id"),
                args![plan.get()],
            )
            .await?;
        tx.commit().await?;
        rows.into_iter().map(EntryRow::into_entry).collect()
    }
}
