//! Changes the supervisor makes by hand: an item's title and units, a target's figures and
//! schedule (each kept in a change log with its reason), merging two units the notices spelled
//! differently, and the accounts of users.

use crate::audit::{self, now_rfc3339, Actor, Change};
use crate::error::{Result, StoreError};
use crate::plans::{format_date, measure_columns, plan_of_target, target, write_item_units};
use crate::sql::{args, Tx};
use crate::users::{account_by_id, role_name, Account, UserRow, USER_COLUMNS};
use crate::{units, Store};
use serde::{Deserialize, Serialize};
use shishi_core::{
    normalize_unit_name, Curve, Item, ItemId, Measure, PlanId, Reason, Role, Target, TargetId,
    Unit, UnitId, User, UserId,
};
use time::format_description::well_known::Rfc3339;
use time::Date;

/// What the supervisor may change of an item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemEdit {
    pub title: String,
    pub category: Option<String>,
    pub lead_units: Vec<UnitId>,
    pub support_units: Vec<UnitId>,
}

/// What the supervisor may change of a target: its words, what it measures, its schedule.
#[derive(Debug, Clone, PartialEq)]
pub struct TargetEdit {
    pub text: String,
    pub measure: Measure,
    pub deadline: Date,
    pub curve: Curve,
}

/// A target as the change log keeps it, before or after a change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetSnapshot {
    pub text: String,
    pub measure: Measure,
    pub deadline: Date,
    pub curve: Curve,
}

impl TargetSnapshot {
    pub fn of(target: &Target) -> Self {
        Self {
            text: target.text.clone(),
            measure: target.measure.clone(),
            deadline: target.schedule.deadline(),
            curve: target.schedule.curve().clone(),
        }
    }
}

/// One entry of a target's change log.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TargetChangeRecord {
    pub target: TargetId,
    /// RFC 3339, UTC.
    pub at: String,
    /// Who changed it, as the audit log names actors (`user:3`, `system`).
    pub actor: String,
    pub reason: String,
    pub before: TargetSnapshot,
    pub after: TargetSnapshot,
}

/// What the supervisor may change of a user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserEdit {
    pub name: String,
    pub role: Role,
    pub unit: Option<UnitId>,
}

#[derive(Debug, sqlx::FromRow)]
struct ItemRow {
    id: i64,
    plan: i64,
    seq: i64,
    title: String,
    category: Option<String>,
}

async fn load_item(tx: &mut Tx, id: ItemId) -> Result<Item> {
    let row: Option<ItemRow> = tx
        .fetch_optional(
            "select id, plan, seq, title, category from items where id = $1",
            args![id.get()],
        )
        .await?;
    let row = row.ok_or_else(|| StoreError::NotFound(format!("item {id}")))?;
    let links: Vec<(i64, String)> = tx
        .fetch_all(
            "select unit, role from item_units where item = $1 order by role, position",
            args![id.get()],
        )
        .await?;
    let units_of = |role: &str| {
        links
            .iter()
            .filter(|(_, r)| r == role)
            .map(|(unit, _)| UnitId::new(*unit))
            .collect()
    };
    Ok(Item {
        id: ItemId::new(row.id),
        plan: PlanId::new(row.plan),
        seq: u32::try_from(row.seq)
            .map_err(|_| StoreError::Corrupt(format!("item number {}", row.seq)))?,
        title: row.title,
        category: row.category,
        lead_units: units_of("lead"),
        support_units: units_of("support"),
    })
}

/// The units of one role, each once, in the order given.
fn distinct(ids: &[UnitId]) -> Vec<UnitId> {
    let mut seen = Vec::with_capacity(ids.len());
    for id in ids {
        if !seen.contains(id) {
            seen.push(*id);
        }
    }
    seen
}

/// Adds a line to a target's change log. Also used when a revised notice changes a target.
pub(crate) async fn record_target_change(
    tx: &mut Tx,
    actor: Actor,
    target: TargetId,
    before: &TargetSnapshot,
    after: &TargetSnapshot,
    reason: &str,
) -> Result<()> {
    tx.execute(
        "insert into target_changes (target, at, actor, reason, before, after) \
         values ($1, $2, $3, $4, $5, $6)",
        args![
            target.get(),
            now_rfc3339()?,
            actor.as_text(),
            reason,
            serde_json::to_string(before)?,
            serde_json::to_string(after)?
        ],
    )
    .await?;
    Ok(())
}

fn kind_of(measure: &Measure) -> &'static str {
    match measure {
        Measure::Quantity(_) => "quantity",
        Measure::Milestone => "milestone",
    }
}

#[derive(Debug, sqlx::FromRow)]
struct TargetChangeRow {
    target: i64,
    at: String,
    actor: String,
    reason: String,
    before: String,
    after: String,
}

async fn update_target(
    tx: &mut Tx,
    actor: Actor,
    id: TargetId,
    edit: TargetEdit,
    reason: Reason,
) -> Result<Target> {
    let before = target(tx, id).await?;
    let plan = plan_of_target(tx, id).await?;
    let text = edit.text.trim().to_owned();
    if text.is_empty() {
        return Err(StoreError::Invalid(format!("target {id} needs its words")));
    }
    // The domain decides whether deadline and curve fit the plan's year.
    plan.schedule(Some(edit.deadline), edit.curve.clone())?;
    let old = TargetSnapshot::of(&before);
    let new = TargetSnapshot {
        text,
        measure: edit.measure,
        deadline: edit.deadline,
        curve: edit.curve,
    };
    if old == new {
        return Ok(before);
    }
    if kind_of(&old.measure) != kind_of(&new.measure) {
        // A report's figure is a value for a quantity and a percent for a milestone: the
        // reports already filed would no longer fit the target.
        let reports: Option<(i64,)> = tx
            .fetch_optional(
                "select id from reports where target = $1 limit 1",
                args![id.get()],
            )
            .await?;
        if reports.is_some() {
            return Err(StoreError::Conflict(format!(
                "target {id} has reports; it cannot change between a number and a milestone"
            )));
        }
    }
    let (kind, value, unit, op) = measure_columns(&new.measure);
    let baseline = match &new.measure {
        Measure::Quantity(q) => q.baseline(),
        Measure::Milestone => None,
    };
    tx.execute(
        "update targets set text = $1, kind = $2, value = $3, unit = $4, op = $5, \
         baseline = $6, deadline = $7, curve = $8 where id = $9",
        args![
            &new.text,
            kind,
            value,
            unit,
            op,
            baseline,
            format_date(new.deadline)?,
            serde_json::to_string(&new.curve)?,
            id.get()
        ],
    )
    .await?;
    record_target_change(tx, actor, id, &old, &new, reason.as_str()).await?;
    let after = target(tx, id).await?;
    let event = Change::new("update", "target", id)
        .before(&before)?
        .after(&serde_json::json!({"target": &after, "reason": reason.as_str()}))?;
    audit::record(tx, actor, event).await?;
    Ok(after)
}

async fn update_item(tx: &mut Tx, actor: Actor, id: ItemId, edit: ItemEdit) -> Result<Item> {
    let before = load_item(tx, id).await?;
    let title = edit.title.trim().to_owned();
    if title.is_empty() {
        return Err(StoreError::Invalid(format!("item {id} needs a title")));
    }
    let category = edit
        .category
        .map(|c| c.trim().to_owned())
        .filter(|c| !c.is_empty());
    let lead = distinct(&edit.lead_units);
    let support = distinct(&edit.support_units);
    if let Some(both) = lead.iter().find(|u| support.contains(u)) {
        return Err(StoreError::Invalid(format!(
            "unit {both} cannot both lead and support item {id}"
        )));
    }
    for unit in lead.iter().chain(&support) {
        units::get(tx, *unit).await?;
    }
    tx.execute(
        "update items set title = $1, category = $2 where id = $3",
        args![&title, category.clone(), id.get()],
    )
    .await?;
    write_item_units(tx, id, &lead, &support).await?;
    let after = Item {
        title,
        category,
        lead_units: lead,
        support_units: support,
        ..before.clone()
    };
    let change = Change::new("update", "item", id)
        .before(&before)?
        .after(&after)?;
    audit::record(tx, actor, change).await?;
    Ok(after)
}

async fn merge_units(tx: &mut Tx, actor: Actor, keep: UnitId, merged: UnitId) -> Result<Unit> {
    if keep == merged {
        return Err(StoreError::Invalid(format!(
            "unit {keep} cannot be merged into itself"
        )));
    }
    let kept = units::get(tx, keep).await?;
    let gone = units::get(tx, merged).await?;
    let items: Vec<(i64,)> = tx
        .fetch_all(
            "select distinct item from item_units where unit = $1 order by item",
            args![merged.get()],
        )
        .await?;
    // Where both units hold the same role on an item, `keep`'s row stays: moving the other
    // would repeat the (item, role, unit) key.
    tx.execute(
        "delete from item_units where unit = $1 and exists (select 1 from item_units k \
         where k.item = item_units.item and k.role = item_units.role and k.unit = $2)",
        args![merged.get(), keep.get()],
    )
    .await?;
    tx.execute(
        "update item_units set unit = $1 where unit = $2",
        args![keep.get(), merged.get()],
    )
    .await?;
    // One leading and the other supporting the same item: the merged unit leads it.
    for (item,) in &items {
        tx.execute(
            "delete from item_units where item = $1 and unit = $2 and role = 'support' \
             and exists (select 1 from item_units l where l.item = $1 and l.unit = $2 \
             and l.role = 'lead')",
            args![*item, keep.get()],
        )
        .await?;
    }
    let users: Vec<(i64,)> = tx
        .fetch_all(
            "select id from users where unit = $1 order by id",
            args![merged.get()],
        )
        .await?;
    tx.execute(
        "update users set unit = $1 where unit = $2",
        args![keep.get(), merged.get()],
    )
    .await?;
    // Supervision orders sent to the merged unit are now the kept unit's to answer.
    tx.execute(
        "update supervision_orders set unit = $1 where unit = $2",
        args![keep.get(), merged.get()],
    )
    .await?;
    // So are its assessment entries (加分/扣分).
    tx.execute(
        "update assessment_entries set unit = $1 where unit = $2",
        args![keep.get(), merged.get()],
    )
    .await?;
    let mut aliases: Vec<String> = Vec::new();
    for name in kept
        .aliases
        .iter()
        .chain(std::iter::once(&gone.name))
        .chain(&gone.aliases)
    {
        let name = normalize_unit_name(name);
        if !name.is_empty() && name != kept.name && !aliases.contains(&name) {
            aliases.push(name);
        }
    }
    tx.execute(
        "update units set aliases = $1 where id = $2",
        args![serde_json::to_string(&aliases)?, keep.get()],
    )
    .await?;
    tx.execute("delete from units where id = $1", args![merged.get()])
        .await?;
    let after = Unit {
        aliases,
        ..kept.clone()
    };
    let items: Vec<i64> = items.into_iter().map(|(i,)| i).collect();
    let users: Vec<i64> = users.into_iter().map(|(u,)| u).collect();
    let change = Change::new("merge", "unit", keep)
        .before(&serde_json::json!({"keep": &kept, "merged": &gone}))?
        .after(&serde_json::json!({"unit": &after, "items": items, "users": users}))?;
    audit::record(tx, actor, change).await?;
    Ok(after)
}

impl Store {
    /// Changes an item's title, category and units; each unit once, none both leading and
    /// supporting.
    pub async fn update_item(&self, actor: Actor, item: ItemId, edit: ItemEdit) -> Result<Item> {
        self.writer
            .write(move |tx| Box::pin(update_item(tx, actor, item, edit)))
            .await
    }

    /// Changes a target's words, measure and schedule, with the reason given: checked by the
    /// domain against the plan's year, kept in the target's change log and the audit chain.
    /// An edit that changes nothing writes nothing.
    pub async fn update_target(
        &self,
        actor: Actor,
        target: TargetId,
        edit: TargetEdit,
        reason: Reason,
    ) -> Result<Target> {
        self.writer
            .write(move |tx| Box::pin(update_target(tx, actor, target, edit, reason)))
            .await
    }

    /// The change log of an item's targets, oldest first.
    pub async fn target_changes_for_item(&self, item: ItemId) -> Result<Vec<TargetChangeRecord>> {
        let mut tx = self.backend.read().await?;
        let rows = tx
            .fetch_all::<TargetChangeRow>(
                "select c.target, c.at, c.actor, c.reason, c.before, c.after \
                 from target_changes c join targets t on t.id = c.target \
                 where t.item = $1 order by c.id",
                args![item.get()],
            )
            .await;
        tx.commit().await?;
        rows?
            .into_iter()
            .map(|row| {
                Ok(TargetChangeRecord {
                    target: TargetId::new(row.target),
                    at: row.at,
                    actor: row.actor,
                    reason: row.reason,
                    before: serde_json::from_str(&row.before)?,
                    after: serde_json::from_str(&row.after)?,
                })
            })
            .collect()
    }

    /// The plan an item belongs to.
    pub async fn item_plan(&self, item: ItemId) -> Result<PlanId> {
        let mut tx = self.backend.read().await?;
        let row = tx
            .fetch_optional::<(i64,)>("select plan from items where id = $1", args![item.get()])
            .await;
        tx.commit().await?;
        row?.map(|(plan,)| PlanId::new(plan))
            .ok_or_else(|| StoreError::NotFound(format!("item {item}")))
    }

    /// Merges `merged` into `keep` (one bureau the notices spelled two ways): its items and
    /// users move to `keep`, its name and aliases become `keep`'s aliases, and it is deleted.
    pub async fn merge_units(&self, actor: Actor, keep: UnitId, merged: UnitId) -> Result<Unit> {
        self.writer
            .write(move |tx| Box::pin(merge_units(tx, actor, keep, merged)))
            .await
    }

    /// Every user with their sign-in state, oldest first.
    pub async fn users(&self) -> Result<Vec<Account>> {
        let mut tx = self.backend.read().await?;
        let sql = format!("select {USER_COLUMNS} from users u order by u.id");
        let rows = tx.fetch_all::<UserRow>(&sql, args![]).await;
        tx.commit().await?;
        rows?.into_iter().map(UserRow::into_account).collect()
    }

    /// Changes a user's name, role and unit. The login stays: it is how they sign in.
    pub async fn update_user(&self, actor: Actor, id: UserId, edit: UserEdit) -> Result<User> {
        self.writer
            .write(move |tx| {
                Box::pin(async move {
                    let before = account_by_id(tx, id).await?.user;
                    let name = edit.name.trim().to_owned();
                    if name.is_empty() {
                        return Err(StoreError::Invalid(format!("user {id} needs a name")));
                    }
                    if let Some(unit) = edit.unit {
                        units::get(tx, unit).await?;
                    }
                    tx.execute(
                        "update users set name = $1, role = $2, unit = $3 where id = $4",
                        args![
                            &name,
                            role_name(edit.role),
                            edit.unit.map(UnitId::get),
                            id.get()
                        ],
                    )
                    .await?;
                    let after = User {
                        name,
                        role: edit.role,
                        unit: edit.unit,
                        ..before.clone()
                    };
                    let change = Change::new("update", "user", id)
                        .before(&before)?
                        .after(&after)?;
                    audit::record(tx, actor, change).await?;
                    Ok(after)
                })
            })
            .await
    }

    /// Sets a new password (hashed by the caller, as for `add_user`) and ends every session
    /// of the user, so whoever knew the old one is signed out.
    pub async fn set_password(
        &self,
        actor: Actor,
        id: UserId,
        password_hash: String,
    ) -> Result<()> {
        if password_hash.trim().is_empty() {
            return Err(StoreError::Invalid("an empty password hash".into()));
        }
        self.writer
            .write(move |tx| {
                Box::pin(async move {
                    account_by_id(tx, id).await?;
                    tx.execute(
                        "update users set password_hash = $1 where id = $2",
                        args![password_hash, id.get()],
                    )
                    .await?;
                    let ended = tx
                        .execute("delete from sessions where user_id = $1", args![id.get()])
                        .await?;
                    // Never the hash itself: the audit log is read more widely than users.
                    let change = Change::new("set_password", "user", id)
                        .after(&serde_json::json!({"sessions_ended": ended}))?;
                    audit::record(tx, actor, change).await?;
                    Ok(())
                })
            })
            .await
    }

    /// Lifts a lock from failed sign-ins and clears the count.
    pub async fn unlock_user(&self, actor: Actor, id: UserId) -> Result<()> {
        self.writer
            .write(move |tx| {
                Box::pin(async move {
                    let before = account_by_id(tx, id).await?;
                    tx.execute(
                        "update users set failed_logins = 0, locked_until = null where id = $1",
                        args![id.get()],
                    )
                    .await?;
                    let change = Change::new("unlock", "user", id)
                        .before(&serde_json::json!({
                            "failed_logins": before.failed_logins,
                            "locked_until": before.locked_until.and_then(|t| t.format(&Rfc3339).ok()),
                        }))?
                        .after(&serde_json::json!({"failed_logins": 0}))?;
                    audit::record(tx, actor, change).await?;
                    Ok(())
                })
            })
            .await
    }
}
