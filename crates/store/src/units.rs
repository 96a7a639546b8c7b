//! The registry of units: rows to core `Unit`s, and finding or creating a unit by a name.

use crate::audit::{self, Actor, Change};
use crate::error::{Result, StoreError};
use crate::sql::{args, Tx};
use crate::Store;
use shishi_core::{find_unit, normalize_unit_name, Unit, UnitId};

#[derive(Debug, sqlx::FromRow)]
struct UnitRow {
    id: i64,
    name: String,
    aliases: String,
}

impl UnitRow {
    fn into_unit(self) -> Result<Unit> {
        Ok(Unit {
            id: UnitId::new(self.id),
            name: self.name,
            aliases: serde_json::from_str(&self.aliases)?,
        })
    }
}

pub(crate) async fn all(tx: &mut Tx) -> Result<Vec<Unit>> {
    let rows: Vec<UnitRow> = tx
        .fetch_all("select id, name, aliases from units order by id", args![])
        .await?;
    rows.into_iter().map(UnitRow::into_unit).collect()
}

pub(crate) async fn get(tx: &mut Tx, id: UnitId) -> Result<Unit> {
    let row: Option<UnitRow> = tx
        .fetch_optional(
            "select id, name, aliases from units where id = $1",
            args![id.get()],
        )
        .await?;
    row.ok_or_else(|| StoreError::NotFound(format!("unit {id}")))?
        .into_unit()
}

pub(crate) async fn insert(
    tx: &mut Tx,
    actor: Actor,
    name: &str,
    aliases: &[String],
) -> Result<Unit> {
    let name = normalize_unit_name(name);
    if name.is_empty() {
        return Err(StoreError::Invalid("a unit needs a name".into()));
    }
    let id = tx
        .insert(
            "insert into units (name, aliases) values ($1, $2) returning id",
            args![&name, serde_json::to_string(aliases)?],
        )
        .await?;
    let unit = Unit {
        id: UnitId::new(id),
        name,
        aliases: aliases.to_vec(),
    };
    audit::record(tx, actor, Change::new("create", "unit", id).after(&unit)?).await?;
    Ok(unit)
}

/// The unit `name` names in `registry` (matched as `find_unit` does, with the plan's place),
/// created and added to `registry` when there is none.
pub(crate) async fn find_or_create(
    tx: &mut Tx,
    actor: Actor,
    registry: &mut Vec<Unit>,
    name: &str,
    place: Option<&str>,
) -> Result<UnitId> {
    if let Some(unit) = find_unit(registry, name, place) {
        return Ok(unit.id);
    }
    let unit = insert(tx, actor, name, &[]).await?;
    let id = unit.id;
    registry.push(unit);
    Ok(id)
}

impl Store {
    /// Every unit of the registry, oldest first.
    pub async fn units(&self) -> Result<Vec<Unit>> {
        let mut tx = self.backend.read().await?;
        let units = all(&mut tx).await;
        tx.commit().await?;
        units
    }

    /// Adds a unit by hand (a town, a bureau a later notice will name).
    pub async fn add_unit(&self, actor: Actor, name: &str, aliases: Vec<String>) -> Result<Unit> {
        let name = name.to_owned();
        self.writer
            .write(move |tx| Box::pin(async move { insert(tx, actor, &name, &aliases).await }))
            .await
    }

    /// Replaces a unit's aliases (教育局 = 区教育局), so later notices find it by them.
    pub async fn set_unit_aliases(
        &self,
        actor: Actor,
        unit: UnitId,
        aliases: Vec<String>,
    ) -> Result<Unit> {
        self.writer
            .write(move |tx| {
                Box::pin(async move {
                    let before = get(tx, unit).await?;
                    let aliases: Vec<String> = aliases
                        .iter()
                        .map(|a| normalize_unit_name(a))
                        .filter(|a| !a.is_empty())
                        .collect();
                    tx.execute(
                        "update units set aliases = $1 where id = $2",
                        args![serde_json::to_string(&aliases)?, unit.get()],
                    )
                    .await?;
                    let after = Unit {
                        aliases,
                        ..before.clone()
                    };
                    let change = Change::new("update", "unit", unit)
                        .before(&before)?
                        .after(&after)?;
                    audit::record(tx, actor, change).await?;
                    Ok(after)
                })
            })
            .await
    }
}
