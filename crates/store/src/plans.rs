//! Plans in the database: importing a parsed notice, recognising a re-import, the diff of a
//! revised notice, and reading a plan back with its items, targets and units.

use crate::audit::{self, sm3_hex, Actor, Change};
use crate::edits::{record_target_change, TargetSnapshot};
use crate::error::{Result, StoreError};
use crate::sql::{args, Tx};
use crate::{units, Store};
use serde::Serialize;
use shishi_core::{
    find_unit, unit_key, Curve, DueDay, Item, ItemId, Measure, Period, Plan, PlanId, PlanSettings,
    PlanYear, Quantity, Schedule, Share, Target, TargetId, TargetValue, Thresholds, Unit, UnitId,
};
use time::Date;

/// What importing a notice did.
#[derive(Debug, Clone, PartialEq)]
pub enum ImportOutcome {
    /// A plan not seen before: stored.
    Created(PlanId),
    /// The same notice again, or one that differs in nothing the plan keeps: nothing changed.
    Unchanged(PlanId),
    /// A revised notice of a stored plan: nothing changed yet; `apply_plan_revision` applies
    /// the diff.
    Revised { plan: PlanId, diff: PlanDiff },
}

impl ImportOutcome {
    pub fn plan_id(&self) -> PlanId {
        match self {
            ImportOutcome::Created(id) | ImportOutcome::Unchanged(id) => *id,
            ImportOutcome::Revised { plan, .. } => *plan,
        }
    }
}

/// How a revised notice differs from the stored plan, item by item (items are matched by
/// their number, targets by their place within the item).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PlanDiff {
    pub items_added: Vec<u32>,
    pub items_removed: Vec<u32>,
    pub items_changed: Vec<ItemChange>,
}

impl PlanDiff {
    pub fn is_empty(&self) -> bool {
        self.items_added.is_empty()
            && self.items_removed.is_empty()
            && self.items_changed.is_empty()
    }
}

/// What changed in one item kept by the revision.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ItemChange {
    pub seq: u32,
    pub fields: Vec<ItemField>,
    pub targets: Vec<TargetChange>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemField {
    Title,
    Category,
    Text,
    LeadUnits,
    SupportUnits,
}

/// A target as the notice gives it: its words and what it measures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TargetSpec {
    pub text: String,
    pub measure: Measure,
}

/// A change to one target; `position` counts from 0 within the item. A changed target keeps
/// its id, so its reports stay with it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum TargetChange {
    Added {
        position: u32,
        target: TargetSpec,
    },
    Removed {
        position: u32,
        target: TargetSpec,
    },
    Changed {
        position: u32,
        before: TargetSpec,
        after: TargetSpec,
    },
}

/// What the notice says about itself beyond what the core `Plan` keeps.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PlanMeta {
    pub issuer: Option<String>,
    pub index_no: Option<String>,
    /// ISO 8601.
    pub date: Option<String>,
    /// The place unit names are read in (海州区), taken from the issuer.
    pub place: Option<String>,
}

/// A plan with everything under it.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanDetail {
    pub plan: Plan,
    pub meta: PlanMeta,
    pub items: Vec<ItemDetail>,
    /// The units its items name, by id.
    pub units: Vec<Unit>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ItemDetail {
    pub item: Item,
    /// The item's body as the notice wrote it.
    pub text: String,
    pub targets: Vec<Target>,
}

/// A target with its plan and the lead units of its item.
#[derive(Debug, Clone, PartialEq)]
pub struct TargetScope {
    pub plan: Plan,
    pub target: Target,
    pub lead_units: Vec<UnitId>,
}

/// The place a notice's unit names are read in: its issuer without the government's title
/// (海州区人民政府 → 海州区).
pub fn place_of(meta: &shishi_plan::Meta) -> Option<String> {
    let issuer = meta.issuer.as_deref()?.trim();
    let place = [
        "人民政府办公室",
        "人民政府办公厅",
        "人民政府",
        "政府办公室",
        "政府",
    ]
    .iter()
    .find_map(|suffix| issuer.strip_suffix(suffix))
    .unwrap_or(issuer);
    (!place.is_empty()).then(|| place.to_owned())
}

// ---- reading ----

#[derive(Debug, sqlx::FromRow)]
struct PlanRow {
    id: i64,
    source_hash: String,
    title: String,
    year: i64,
    doc_number: Option<String>,
    index_no: Option<String>,
    issuer: Option<String>,
    date: Option<String>,
    place: Option<String>,
    tolerance: f64,
    red_line: f64,
    due_day: i64,
    require_unit_head_approval: bool,
    first_period: Option<String>,
}

const PLAN_COLUMNS: &str = "id, source_hash, title, year, doc_number, index_no, issuer, date, \
     place, tolerance, red_line, due_day, require_unit_head_approval, first_period";

impl PlanRow {
    fn to_plan(&self) -> Result<Plan> {
        let year = PlanYear::new(narrow(self.year)?)?;
        let due_day = u8::try_from(self.due_day)
            .map_err(|_| StoreError::Corrupt(format!("due day {}", self.due_day)))?;
        let settings = PlanSettings {
            thresholds: Thresholds::new(Share::new(self.tolerance)?, Share::new(self.red_line)?)?,
            due_day: DueDay::new(due_day)?,
            require_unit_head_approval: self.require_unit_head_approval,
            first_period: self
                .first_period
                .as_deref()
                .map(Period::parse)
                .transpose()?,
        };
        Ok(Plan::new(
            PlanId::new(self.id),
            self.title.clone(),
            year,
            self.doc_number.clone(),
            settings,
        )?)
    }

    fn meta(&self) -> PlanMeta {
        PlanMeta {
            issuer: self.issuer.clone(),
            index_no: self.index_no.clone(),
            date: self.date.clone(),
            place: self.place.clone(),
        }
    }
}

fn narrow(value: i64) -> Result<i32> {
    i32::try_from(value).map_err(|_| StoreError::Corrupt(format!("number {value} out of range")))
}

#[derive(Debug, sqlx::FromRow)]
struct ItemRow {
    id: i64,
    seq: i64,
    title: String,
    category: Option<String>,
    text: String,
}

#[derive(Debug, sqlx::FromRow)]
struct ItemUnitRow {
    item: i64,
    unit: i64,
    role: String,
}

#[derive(Debug, sqlx::FromRow)]
pub(crate) struct TargetRow {
    id: i64,
    item: i64,
    text: String,
    kind: String,
    value: Option<f64>,
    unit: Option<String>,
    op: Option<String>,
    baseline: Option<f64>,
    deadline: String,
    curve: String,
    /// The plan's year, joined in: a schedule starts on its 1 January.
    year: i64,
}

pub(crate) const TARGET_COLUMNS: &str = "t.id, t.item, t.text, t.kind, t.value, t.unit, t.op, \
     t.baseline, t.deadline, t.curve, p.year";

impl TargetRow {
    fn measure(&self) -> Result<Measure> {
        match self.kind.as_str() {
            "milestone" => Ok(Measure::Milestone),
            "quantity" => {
                let value = self.value.ok_or_else(|| corrupt_target(self.id))?;
                let op = self.op.as_deref().ok_or_else(|| corrupt_target(self.id))?;
                let op = serde_json::from_value(serde_json::Value::String(op.to_owned()))?;
                let unit = self.unit.clone().unwrap_or_default();
                Ok(Measure::Quantity(Quantity::new(
                    TargetValue::new(value)?,
                    unit,
                    op,
                    self.baseline,
                )?))
            }
            _ => Err(corrupt_target(self.id)),
        }
    }

    pub(crate) fn into_target(self) -> Result<Target> {
        let year = PlanYear::new(narrow(self.year)?)?;
        let deadline = parse_date(&self.deadline)?;
        let curve: Curve = serde_json::from_str(&self.curve)?;
        Ok(Target {
            id: TargetId::new(self.id),
            item: ItemId::new(self.item),
            measure: self.measure()?,
            schedule: Schedule::new(year.first_day(), Some(deadline), curve)?,
            text: self.text,
        })
    }
}

fn corrupt_target(id: i64) -> StoreError {
    StoreError::Corrupt(format!(
        "target {id} has a quantity without value or comparator"
    ))
}

const DATE: &[time::format_description::BorrowedFormatItem<'static>] =
    time::macros::format_description!("[year]-[month]-[day]");

pub(crate) fn parse_date(text: &str) -> Result<Date> {
    Date::parse(text, DATE).map_err(|e| StoreError::Corrupt(format!("date {text:?}: {e}")))
}

pub(crate) fn format_date(date: Date) -> Result<String> {
    date.format(DATE)
        .map_err(|e| StoreError::Invalid(format!("date {date}: {e}")))
}

async fn plan_row(tx: &mut Tx, id: PlanId) -> Result<PlanRow> {
    let sql = format!("select {PLAN_COLUMNS} from plans where id = $1");
    let row: Option<PlanRow> = tx.fetch_optional(&sql, args![id.get()]).await?;
    row.ok_or_else(|| StoreError::NotFound(format!("plan {id}")))
}

pub(crate) async fn target(tx: &mut Tx, id: TargetId) -> Result<Target> {
    let sql = format!(
        "select {TARGET_COLUMNS} from targets t join items i on i.id = t.item \
         join plans p on p.id = i.plan where t.id = $1"
    );
    let row: Option<TargetRow> = tx.fetch_optional(&sql, args![id.get()]).await?;
    row.ok_or_else(|| StoreError::NotFound(format!("target {id}")))?
        .into_target()
}

/// The plan a target belongs to.
pub(crate) async fn plan_of_target(tx: &mut Tx, id: TargetId) -> Result<Plan> {
    let sql = format!(
        "select {} from plans p join items i on i.plan = p.id join targets t on t.item = i.id \
         where t.id = $1",
        PLAN_COLUMNS
            .split(", ")
            .map(|c| format!("p.{}", c.trim()))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let row: Option<PlanRow> = tx.fetch_optional(&sql, args![id.get()]).await?;
    row.ok_or_else(|| StoreError::NotFound(format!("target {id}")))?
        .to_plan()
}

pub(crate) async fn target_scope(tx: &mut Tx, id: TargetId) -> Result<TargetScope> {
    let target = target(tx, id).await?;
    let plan = plan_of_target(tx, id).await?;
    let units: Vec<(i64,)> = tx
        .fetch_all(
            "select unit from item_units where item = $1 and role = 'lead' order by position",
            args![target.item.get()],
        )
        .await?;
    Ok(TargetScope {
        plan,
        target,
        lead_units: units.into_iter().map(|(u,)| UnitId::new(u)).collect(),
    })
}

async fn load_detail(tx: &mut Tx, id: PlanId) -> Result<PlanDetail> {
    let row = plan_row(tx, id).await?;
    let plan = row.to_plan()?;
    let item_rows: Vec<ItemRow> = tx
        .fetch_all(
            "select id, seq, title, category, text from items where plan = $1 order by seq",
            args![id.get()],
        )
        .await?;
    let links: Vec<ItemUnitRow> = tx
        .fetch_all(
            "select iu.item, iu.unit, iu.role from item_units iu join items i on i.id = iu.item \
             where i.plan = $1 order by iu.item, iu.role, iu.position",
            args![id.get()],
        )
        .await?;
    let sql = format!(
        "select {TARGET_COLUMNS} from targets t join items i on i.id = t.item \
         join plans p on p.id = i.plan where p.id = $1 order by t.item, t.position"
    );
    let target_rows: Vec<TargetRow> = tx.fetch_all(&sql, args![id.get()]).await?;
    let mut targets = Vec::with_capacity(target_rows.len());
    for row in target_rows {
        targets.push(row.into_target()?);
    }
    let mut items = Vec::with_capacity(item_rows.len());
    for row in item_rows {
        let units_of = |role: &str| {
            links
                .iter()
                .filter(|l| l.item == row.id && l.role == role)
                .map(|l| UnitId::new(l.unit))
                .collect()
        };
        let item = Item {
            id: ItemId::new(row.id),
            plan: id,
            seq: u32::try_from(row.seq)
                .map_err(|_| StoreError::Corrupt(format!("item number {}", row.seq)))?,
            title: row.title,
            category: row.category,
            lead_units: units_of("lead"),
            support_units: units_of("support"),
        };
        let own = targets
            .iter()
            .filter(|t| t.item == item.id)
            .cloned()
            .collect();
        items.push(ItemDetail {
            item,
            text: row.text,
            targets: own,
        });
    }
    let mut unit_ids: Vec<i64> = links.iter().map(|l| l.unit).collect();
    unit_ids.sort_unstable();
    unit_ids.dedup();
    let units = units::all(tx)
        .await?
        .into_iter()
        .filter(|u| unit_ids.binary_search(&u.id.get()).is_ok())
        .collect();
    Ok(PlanDetail {
        plan,
        meta: row.meta(),
        items,
        units,
    })
}

// ---- the notice as the plan should become ----

/// A unit an item of the notice names: one of the registry, or one to be created.
#[derive(Debug, Clone, PartialEq, Eq)]
enum UnitRef {
    Known(UnitId),
    /// Not in the registry; the key the name reduces to, so two spellings are one new unit.
    New {
        name: String,
        key: String,
    },
}

#[derive(Debug)]
struct WantedItem {
    seq: u32,
    title: String,
    category: Option<String>,
    text: String,
    lead: Vec<UnitRef>,
    support: Vec<UnitRef>,
    targets: Vec<TargetSpec>,
}

/// The notice as the plan's items should be: units resolved against the registry (without
/// creating any yet), targets turned into domain measures.
fn wanted_items(
    parsed: &shishi_plan::Plan,
    registry: &[Unit],
    place: Option<&str>,
) -> Result<Vec<WantedItem>> {
    let resolve = |names: &[String]| {
        let mut refs: Vec<UnitRef> = Vec::new();
        for name in names {
            let r = match find_unit(registry, name, place) {
                Some(unit) => UnitRef::Known(unit.id),
                None => UnitRef::New {
                    name: name.clone(),
                    key: unit_key(name, place),
                },
            };
            // 区教育局 and 教育局 in one list are one unit, named once.
            let seen = refs.iter().any(|old| match (old, &r) {
                (UnitRef::New { key: a, .. }, UnitRef::New { key: b, .. }) => a == b,
                (a, b) => a == b,
            });
            if !seen {
                refs.push(r);
            }
        }
        refs
    };
    let mut items = Vec::with_capacity(parsed.items.len());
    for item in &parsed.items {
        if items.iter().any(|w: &WantedItem| w.seq == item.seq) {
            return Err(StoreError::Invalid(format!(
                "the notice numbers two items {}",
                item.seq
            )));
        }
        let mut targets = Vec::with_capacity(item.targets.len().max(1));
        for target in &item.targets {
            let quantity = TargetValue::new(target.value)
                .and_then(|value| Quantity::new(value, target.unit.clone(), target.op, None))
                .map_err(|e| {
                    StoreError::Invalid(format!("item {}, target {:?}: {e}", item.seq, target.text))
                })?;
            targets.push(TargetSpec {
                text: target.text.clone(),
                measure: Measure::Quantity(quantity),
            });
        }
        // An item without a number is still reported on: as one milestone, percent done.
        if targets.is_empty() {
            let text = if item.text.trim().is_empty() {
                &item.title
            } else {
                &item.text
            };
            targets.push(TargetSpec {
                text: text.clone(),
                measure: Measure::Milestone,
            });
        }
        items.push(WantedItem {
            seq: item.seq,
            title: item.title.clone(),
            category: item.category.clone(),
            text: item.text.clone(),
            lead: resolve(&item.lead_units),
            support: resolve(&item.support_units),
            targets,
        });
    }
    Ok(items)
}

fn hash_of(parsed: &shishi_plan::Plan) -> Result<String> {
    Ok(sm3_hex([serde_json::to_string(parsed)?.as_bytes()]))
}

struct NoticeMeta {
    title: String,
    year: PlanYear,
    doc_number: Option<String>,
    place: Option<String>,
}

fn notice_meta(parsed: &shishi_plan::Plan) -> Result<NoticeMeta> {
    let meta = &parsed.meta;
    let title = meta
        .title
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| StoreError::Invalid("the notice has no title".into()))?;
    let year = meta
        .year
        .ok_or_else(|| StoreError::Invalid("the notice gives no year".into()))?;
    let doc_number = meta
        .doc_number
        .as_deref()
        .map(|d| d.split_whitespace().collect::<String>())
        .filter(|d| !d.is_empty());
    Ok(NoticeMeta {
        title: title.to_owned(),
        year: PlanYear::new(year)?,
        doc_number,
        place: place_of(meta),
    })
}

/// The stored plan this notice is a version of: same 文号, else same title and year.
async fn find_existing(tx: &mut Tx, meta: &NoticeMeta) -> Result<Option<PlanRow>> {
    if let Some(doc) = &meta.doc_number {
        let sql = format!("select {PLAN_COLUMNS} from plans where doc_number = $1");
        if let Some(row) = tx.fetch_optional::<PlanRow>(&sql, args![doc]).await? {
            return Ok(Some(row));
        }
    }
    let sql =
        format!("select {PLAN_COLUMNS} from plans where title = $1 and year = $2 order by id");
    let rows: Vec<PlanRow> = tx
        .fetch_all(&sql, args![&meta.title, i64::from(meta.year.get())])
        .await?;
    Ok(rows.into_iter().next())
}

// ---- comparing and applying ----

fn refs_of(ids: &[UnitId]) -> Vec<UnitRef> {
    ids.iter().copied().map(UnitRef::Known).collect()
}

fn spec_of(target: &Target) -> TargetSpec {
    TargetSpec {
        text: target.text.clone(),
        measure: target.measure.clone(),
    }
}

fn diff(stored: &PlanDetail, wanted: &[WantedItem]) -> PlanDiff {
    let mut diff = PlanDiff::default();
    for old in &stored.items {
        if !wanted.iter().any(|w| w.seq == old.item.seq) {
            diff.items_removed.push(old.item.seq);
        }
    }
    for new in wanted {
        let Some(old) = stored.items.iter().find(|o| o.item.seq == new.seq) else {
            diff.items_added.push(new.seq);
            continue;
        };
        let mut fields = Vec::new();
        if old.item.title != new.title {
            fields.push(ItemField::Title);
        }
        if old.item.category != new.category {
            fields.push(ItemField::Category);
        }
        if old.text != new.text {
            fields.push(ItemField::Text);
        }
        if refs_of(&old.item.lead_units) != new.lead {
            fields.push(ItemField::LeadUnits);
        }
        if refs_of(&old.item.support_units) != new.support {
            fields.push(ItemField::SupportUnits);
        }
        let mut targets = Vec::new();
        let longest = old.targets.len().max(new.targets.len());
        for position in 0..longest {
            let at = u32::try_from(position).unwrap_or(u32::MAX);
            match (old.targets.get(position), new.targets.get(position)) {
                (Some(before), Some(after)) if spec_of(before) != *after => {
                    targets.push(TargetChange::Changed {
                        position: at,
                        before: spec_of(before),
                        after: after.clone(),
                    })
                }
                (Some(before), None) => targets.push(TargetChange::Removed {
                    position: at,
                    target: spec_of(before),
                }),
                (None, Some(after)) => targets.push(TargetChange::Added {
                    position: at,
                    target: after.clone(),
                }),
                _ => {}
            }
        }
        if !fields.is_empty() || !targets.is_empty() {
            diff.items_changed.push(ItemChange {
                seq: new.seq,
                fields,
                targets,
            });
        }
    }
    diff.items_added.sort_unstable();
    diff.items_removed.sort_unstable();
    diff
}

async fn insert_plan(
    tx: &mut Tx,
    meta: &NoticeMeta,
    parsed: &shishi_plan::Plan,
    source_hash: &str,
) -> Result<PlanId> {
    let defaults = PlanSettings::default();
    let id = tx
        .insert(
            "insert into plans (source_hash, title, year, doc_number, index_no, issuer, date, \
             place, tolerance, red_line, due_day, require_unit_head_approval, first_period) \
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) returning id",
            args![
                source_hash,
                &meta.title,
                i64::from(meta.year.get()),
                meta.doc_number.clone(),
                parsed.meta.index_no.clone(),
                parsed.meta.issuer.clone(),
                parsed.meta.date.clone(),
                meta.place.clone(),
                defaults.thresholds.tolerance(),
                defaults.thresholds.red_line(),
                i64::from(defaults.due_day.get()),
                defaults.require_unit_head_approval,
                None::<String>,
            ],
        )
        .await?;
    Ok(PlanId::new(id))
}

/// Turns unit references into ids, creating the units the registry lacks.
async fn unit_ids(
    tx: &mut Tx,
    actor: Actor,
    registry: &mut Vec<Unit>,
    refs: &[UnitRef],
    place: Option<&str>,
) -> Result<Vec<UnitId>> {
    let mut ids = Vec::with_capacity(refs.len());
    for r in refs {
        let id = match r {
            UnitRef::Known(id) => *id,
            UnitRef::New { name, .. } => {
                units::find_or_create(tx, actor, registry, name, place).await?
            }
        };
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    Ok(ids)
}

pub(crate) async fn write_item_units(
    tx: &mut Tx,
    item: ItemId,
    lead: &[UnitId],
    support: &[UnitId],
) -> Result<()> {
    tx.execute("delete from item_units where item = $1", args![item.get()])
        .await?;
    for (role, ids) in [("lead", lead), ("support", support)] {
        for (position, unit) in (0i64..).zip(ids) {
            tx.execute(
                "insert into item_units (item, unit, role, position) values ($1, $2, $3, $4)",
                args![item.get(), unit.get(), role, position],
            )
            .await?;
        }
    }
    Ok(())
}

/// The columns a target spec fills: kind, value, unit, op.
pub(crate) fn measure_columns(
    measure: &Measure,
) -> (&'static str, Option<f64>, Option<String>, Option<String>) {
    match measure {
        Measure::Milestone => ("milestone", None, None, None),
        Measure::Quantity(q) => {
            let op = serde_json::to_value(q.op())
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned));
            (
                "quantity",
                Some(q.value().get()),
                Some(q.unit().to_owned()),
                op,
            )
        }
    }
}

async fn insert_target(
    tx: &mut Tx,
    item: ItemId,
    position: usize,
    spec: &TargetSpec,
    year: PlanYear,
) -> Result<()> {
    let (kind, value, unit, op) = measure_columns(&spec.measure);
    let baseline = match &spec.measure {
        Measure::Quantity(q) => q.baseline(),
        Measure::Milestone => None,
    };
    tx.execute(
        "insert into targets (item, position, text, kind, value, unit, op, baseline, deadline, curve) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        args![
            item.get(),
            i64::try_from(position).unwrap_or(i64::MAX),
            &spec.text,
            kind,
            value,
            unit,
            op,
            baseline,
            format_date(year.last_day())?,
            serde_json::to_string(&Curve::Linear)?,
        ],
    )
    .await?;
    Ok(())
}

/// Updates what the notice says of a target, leaving its schedule (set by the supervisor)
/// and its id (which its reports hold) as they are.
async fn update_target(tx: &mut Tx, id: TargetId, spec: &TargetSpec) -> Result<()> {
    let (kind, value, unit, op) = measure_columns(&spec.measure);
    tx.execute(
        "update targets set text = $1, kind = $2, value = $3, unit = $4, op = $5 where id = $6",
        args![&spec.text, kind, value, unit, op, id.get()],
    )
    .await?;
    Ok(())
}

async fn insert_item(
    tx: &mut Tx,
    actor: Actor,
    plan: PlanId,
    year: PlanYear,
    item: &WantedItem,
    registry: &mut Vec<Unit>,
    place: Option<&str>,
) -> Result<()> {
    let id = ItemId::new(
        tx.insert(
            "insert into items (plan, seq, title, category, text) values ($1, $2, $3, $4, $5) \
             returning id",
            args![
                plan.get(),
                i64::from(item.seq),
                &item.title,
                item.category.clone(),
                &item.text
            ],
        )
        .await?,
    );
    let lead = unit_ids(tx, actor, registry, &item.lead, place).await?;
    let support = unit_ids(tx, actor, registry, &item.support, place).await?;
    write_item_units(tx, id, &lead, &support).await?;
    for (position, spec) in item.targets.iter().enumerate() {
        insert_target(tx, id, position, spec, year).await?;
    }
    Ok(())
}

pub(crate) async fn import(
    tx: &mut Tx,
    actor: Actor,
    parsed: &shishi_plan::Plan,
) -> Result<ImportOutcome> {
    let meta = notice_meta(parsed)?;
    let source_hash = hash_of(parsed)?;
    let mut registry = units::all(tx).await?;
    let place = meta.place.as_deref();
    let wanted = wanted_items(parsed, &registry, place)?;
    if let Some(row) = find_existing(tx, &meta).await? {
        let id = PlanId::new(row.id);
        if row.source_hash == source_hash {
            return Ok(ImportOutcome::Unchanged(id));
        }
        let stored = load_detail(tx, id).await?;
        let diff = diff(&stored, &wanted);
        return Ok(if diff.is_empty() {
            ImportOutcome::Unchanged(id)
        } else {
            ImportOutcome::Revised { plan: id, diff }
        });
    }
    let id = insert_plan(tx, &meta, parsed, &source_hash).await?;
    for item in &wanted {
        insert_item(tx, actor, id, meta.year, item, &mut registry, place).await?;
    }
    audit::record(tx, actor, Change::new("import", "plan", id).after(parsed)?).await?;
    Ok(ImportOutcome::Created(id))
}

async fn apply_revision(
    tx: &mut Tx,
    actor: Actor,
    plan: PlanId,
    parsed: &shishi_plan::Plan,
) -> Result<PlanDiff> {
    let meta = notice_meta(parsed)?;
    let stored = load_detail(tx, plan).await?;
    let mut registry = units::all(tx).await?;
    let place = meta.place.as_deref();
    let wanted = wanted_items(parsed, &registry, place)?;
    let diff = diff(&stored, &wanted);
    for seq in &diff.items_removed {
        // Targets with reports are kept by the database (no cascade from reports): removing
        // their item fails as a conflict and the whole revision with it.
        tx.execute(
            "delete from items where plan = $1 and seq = $2",
            args![plan.get(), i64::from(*seq)],
        )
        .await?;
    }
    for new in &wanted {
        let Some(old) = stored.items.iter().find(|o| o.item.seq == new.seq) else {
            insert_item(
                tx,
                actor,
                plan,
                stored.plan.year(),
                new,
                &mut registry,
                place,
            )
            .await?;
            continue;
        };
        let Some(change) = diff.items_changed.iter().find(|c| c.seq == new.seq) else {
            continue;
        };
        tx.execute(
            "update items set title = $1, category = $2, text = $3 where id = $4",
            args![
                &new.title,
                new.category.clone(),
                &new.text,
                old.item.id.get()
            ],
        )
        .await?;
        if change
            .fields
            .iter()
            .any(|f| matches!(f, ItemField::LeadUnits | ItemField::SupportUnits))
        {
            let lead = unit_ids(tx, actor, &mut registry, &new.lead, place).await?;
            let support = unit_ids(tx, actor, &mut registry, &new.support, place).await?;
            write_item_units(tx, old.item.id, &lead, &support).await?;
        }
        // The diff was made from `old` just above, so every position it names is there.
        let stored_target = |position: u32| {
            old.targets
                .get(position as usize)
                .map(|t| t.id)
                .ok_or_else(|| StoreError::Corrupt(format!("item {} target {position}", new.seq)))
        };
        for target_change in &change.targets {
            match target_change {
                TargetChange::Changed {
                    position, after, ..
                } => {
                    let id = stored_target(*position)?;
                    update_target(tx, id, after).await?;
                    if let Some(before) = old.targets.get(*position as usize) {
                        let before = TargetSnapshot::of(before);
                        // The schedule is the supervisor's; the notice changes only the rest.
                        let after = TargetSnapshot {
                            text: after.text.clone(),
                            measure: after.measure.clone(),
                            ..before.clone()
                        };
                        record_target_change(tx, actor, id, &before, &after, "通知修订").await?;
                    }
                }
                TargetChange::Removed { position, .. } => {
                    let id = stored_target(*position)?;
                    tx.execute("delete from targets where id = $1", args![id.get()])
                        .await?;
                }
                TargetChange::Added { position, target } => {
                    insert_target(
                        tx,
                        old.item.id,
                        *position as usize,
                        target,
                        stored.plan.year(),
                    )
                    .await?;
                }
            }
        }
    }
    tx.execute(
        "update plans set source_hash = $1, title = $2, doc_number = $3, index_no = $4, \
         issuer = $5, date = $6, place = $7 where id = $8",
        args![
            hash_of(parsed)?,
            &meta.title,
            meta.doc_number.clone(),
            parsed.meta.index_no.clone(),
            parsed.meta.issuer.clone(),
            parsed.meta.date.clone(),
            meta.place.clone(),
            plan.get()
        ],
    )
    .await?;
    #[derive(Serialize)]
    struct Revision<'a> {
        diff: &'a PlanDiff,
        notice: &'a shishi_plan::Plan,
    }
    let change = Change::new("revise", "plan", plan).after(&Revision {
        diff: &diff,
        notice: parsed,
    })?;
    audit::record(tx, actor, change).await?;
    Ok(diff)
}

impl Store {
    /// Stores a parsed notice. Unit names are matched against the registry (区教育局,
    /// 教育局 and 海州区教育局 are one unit) and units not there are created. The same notice
    /// again changes nothing; a revised one (same 文号, else same title and year) gives its
    /// diff and changes nothing until `apply_plan_revision`.
    pub async fn import_plan(
        &self,
        actor: Actor,
        parsed: shishi_plan::Plan,
    ) -> Result<ImportOutcome> {
        self.writer
            .write(move |tx| Box::pin(async move { import(tx, actor, &parsed).await }))
            .await
    }

    /// Applies a revised notice to `plan`: items added and removed by number, changed items
    /// and targets updated in place (targets keep their ids and reports). The diff applied.
    /// Refused as a conflict when it would remove a target that has reports.
    pub async fn apply_plan_revision(
        &self,
        actor: Actor,
        plan: PlanId,
        parsed: shishi_plan::Plan,
    ) -> Result<PlanDiff> {
        self.writer
            .write(move |tx| {
                Box::pin(async move { apply_revision(tx, actor, plan, &parsed).await })
            })
            .await
    }

    /// A plan with its items, their targets and the units they name.
    pub async fn plan(&self, id: PlanId) -> Result<PlanDetail> {
        let mut tx = self.backend.read().await?;
        let detail = load_detail(&mut tx, id).await;
        tx.commit().await?;
        detail
    }

    /// Every plan, newest year first.
    pub async fn plans(&self) -> Result<Vec<Plan>> {
        let mut tx = self.backend.read().await?;
        let sql = format!("select {PLAN_COLUMNS} from plans order by year desc, id");
        let rows: Vec<PlanRow> = tx.fetch_all(&sql, args![]).await?;
        tx.commit().await?;
        rows.iter().map(PlanRow::to_plan).collect()
    }

    /// One target with its schedule.
    pub async fn target(&self, id: TargetId) -> Result<Target> {
        let mut tx = self.backend.read().await?;
        let target = target(&mut tx, id).await;
        tx.commit().await?;
        target
    }

    /// A target with what deciding on it needs: its plan (settings, year) and the lead units
    /// of its item, whom the permission rules let report on it.
    pub async fn target_scope(&self, id: TargetId) -> Result<TargetScope> {
        let mut tx = self.backend.read().await?;
        let scope = target_scope(&mut tx, id).await;
        tx.commit().await?;
        scope
    }

    /// Changes how a plan is run (thresholds, due day, the unit head step, first period).
    pub async fn set_plan_settings(
        &self,
        actor: Actor,
        plan: PlanId,
        settings: PlanSettings,
    ) -> Result<Plan> {
        self.writer
            .write(move |tx| {
                Box::pin(async move {
                    let before = plan_row(tx, plan).await?.to_plan()?;
                    // Checked by the domain before anything is written.
                    let after = Plan::new(
                        plan,
                        before.title().to_owned(),
                        before.year(),
                        before.doc_number().map(str::to_owned),
                        settings,
                    )?;
                    tx.execute(
                        "update plans set tolerance = $1, red_line = $2, due_day = $3, \
                         require_unit_head_approval = $4, first_period = $5 where id = $6",
                        args![
                            settings.thresholds.tolerance(),
                            settings.thresholds.red_line(),
                            i64::from(settings.due_day.get()),
                            settings.require_unit_head_approval,
                            settings.first_period.map(|p| p.to_string()),
                            plan.get()
                        ],
                    )
                    .await?;
                    let change = Change::new("update", "plan", plan)
                        .before(&before)?
                        .after(&after)?;
                    audit::record(tx, actor, change).await?;
                    Ok(after)
                })
            })
            .await
    }
}

/// The plan and the lead units of an item (orders and messages go to its lead units).
pub(crate) async fn item_scope(tx: &mut Tx, item: ItemId) -> Result<(PlanId, Vec<UnitId>)> {
    let plan: Option<(i64,)> = tx
        .fetch_optional("select plan from items where id = $1", args![item.get()])
        .await?;
    let (plan,) = plan.ok_or_else(|| StoreError::NotFound(format!("item {item}")))?;
    let units: Vec<(i64,)> = tx
        .fetch_all(
            "select unit from item_units where item = $1 and role = 'lead' order by position",
            args![item.get()],
        )
        .await?;
    Ok((
        PlanId::new(plan),
        units.into_iter().map(|(u,)| UnitId::new(u)).collect(),
    ))
}
