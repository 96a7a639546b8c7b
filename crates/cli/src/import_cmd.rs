//! `shishi plan import`: a notice into the database, and a revised notice shown as a diff
//! before it is applied.

use anyhow::Context;
use shishi_core::Measure;
use shishi_store::{Actor, ImportOutcome, ItemField, PlanDiff, Store, TargetChange, TargetSpec};
use std::io::Write;

pub async fn import(db: &str, notice: shishi_plan::Plan, apply: bool) -> anyhow::Result<()> {
    let store = open(db).await?;
    let outcome = store.import_plan(Actor::System, notice.clone()).await;
    let mut out = std::io::stdout().lock();
    let result = match outcome? {
        ImportOutcome::Created(id) => {
            let detail = store.plan(id).await?;
            let targets: usize = detail.items.iter().map(|i| i.targets.len()).sum();
            writeln!(
                out,
                "imported {}: {} items, {} targets, {} units",
                detail.plan.title(),
                detail.items.len(),
                targets,
                detail.units.len()
            )?;
            writeln!(out, "{id}")?;
            Ok(())
        }
        ImportOutcome::Unchanged(id) => {
            writeln!(out, "unchanged: this notice is stored already")?;
            writeln!(out, "{id}")?;
            Ok(())
        }
        ImportOutcome::Revised { plan, diff } => {
            writeln!(out, "the notice revises plan {plan}:")?;
            write_diff(&mut out, &diff)?;
            if apply {
                store
                    .apply_plan_revision(Actor::System, plan, notice)
                    .await
                    .context("the revision was not applied")?;
                writeln!(out, "applied")?;
                writeln!(out, "{plan}")?;
            } else {
                writeln!(
                    out,
                    "not applied: run again with --apply to apply these changes"
                )?;
            }
            Ok(())
        }
    };
    store.close().await;
    result
}

pub(crate) async fn open(db: &str) -> anyhow::Result<Store> {
    Store::open(db)
        .await
        .with_context(|| format!("cannot open the database {}", shown_url(db)))
}

/// The URL without a password, for messages.
fn shown_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:…{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// The diff as a person reads it: `+` added, `-` removed, `~` changed.
fn write_diff(out: &mut impl Write, diff: &PlanDiff) -> std::io::Result<()> {
    for seq in &diff.items_added {
        writeln!(out, "+ item {seq} added")?;
    }
    for seq in &diff.items_removed {
        writeln!(out, "- item {seq} removed")?;
    }
    for item in &diff.items_changed {
        let fields: Vec<&str> = item.fields.iter().map(|f| field_name(*f)).collect();
        if fields.is_empty() {
            writeln!(out, "~ item {}:", item.seq)?;
        } else {
            writeln!(out, "~ item {}: {} changed", item.seq, fields.join(", "))?;
        }
        for change in &item.targets {
            match change {
                TargetChange::Added { position, target } => {
                    writeln!(out, "    + target {}: {}", position + 1, spec(target))?;
                }
                TargetChange::Removed { position, target } => {
                    writeln!(out, "    - target {}: {}", position + 1, spec(target))?;
                }
                TargetChange::Changed {
                    position,
                    before,
                    after,
                } => {
                    writeln!(
                        out,
                        "    ~ target {}: {} → {}",
                        position + 1,
                        spec(before),
                        spec(after)
                    )?;
                }
            }
        }
    }
    Ok(())
}

fn field_name(field: ItemField) -> &'static str {
    match field {
        ItemField::Title => "title",
        ItemField::Category => "category",
        ItemField::Text => "text",
        ItemField::LeadUnits => "lead units",
        ItemField::SupportUnits => "support units",
    }
}

fn spec(target: &TargetSpec) -> String {
    match &target.measure {
        Measure::Quantity(q) => {
            let op = serde_json::to_value(q.op())
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            format!("{:?} ({} {}, {op})", target.text, q.value().get(), q.unit())
        }
        Measure::Milestone => format!("{:?} (milestone)", target.text),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_database_url_is_shown_without_its_password() {
        assert_eq!(
            shown_url("postgres://app:hunter2@db:5432/shishi"),
            "postgres://app:…@db:5432/shishi"
        );
        assert_eq!(shown_url("sqlite://shishi.db"), "sqlite://shishi.db");
    }
}
