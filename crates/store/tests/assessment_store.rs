//! The year-end assessment's stored part: weights per plan (defaults until set), bonus and
//! penalty entries for lead units, withdrawn but never deleted, each step an audit event;
//! refusals write nothing. Run on SQLite always and on PostgreSQL when
//! `SHISHI_TEST_POSTGRES_URL` is set; every test gets a fresh database.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use shishi_core::{
    AdjustmentId, AdjustmentPoints, AssessmentWeights, NewOrder, PlanId, Reason, Requirement,
    UnitId,
};
use shishi_store::{Actor, NewAssessmentEntry, Store, StoreError};
use time::macros::date;

mod common;

use common::*;

on_both_backends!(
    weights_default_until_set_and_each_setting_is_an_audit_event,
    entries_are_added_withdrawn_but_never_deleted_with_audit_events,
    entries_for_units_that_lead_nothing_or_for_other_orders_are_refused,
    merging_units_moves_their_entries,
);

/// A lead unit of the plan and a unit that leads nothing.
async fn units(store: &Store, plan: PlanId) -> (UnitId, UnitId) {
    let detail = store.plan(plan).await.unwrap();
    let lead = detail.items[0].item.lead_units[0];
    let extra = store
        .add_unit(Actor::System, "区档案馆", vec![])
        .await
        .unwrap()
        .id;
    (lead, extra)
}

fn entry(plan: PlanId, unit: UnitId, points: f64, reason: &str) -> NewAssessmentEntry {
    NewAssessmentEntry {
        plan,
        unit,
        points: AdjustmentPoints::new(points).unwrap(),
        reason: Reason::parse(reason).unwrap(),
        order: None,
    }
}

async fn events(store: &Store, after: u64, entity: &str) -> Vec<(String, String)> {
    store
        .audit_events(after as i64, 100)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.entity == entity)
        .map(|e| (e.action, e.entity_id))
        .collect()
}

async fn weights_default_until_set_and_each_setting_is_an_audit_event(kind: Kind) {
    let Some((db, plan)) = with_notice(kind).await else {
        return;
    };
    let store = &db.store;
    assert_eq!(
        store.assessment_weights(plan).await.unwrap(),
        AssessmentWeights::default()
    );
    let start = store.verify_audit().await.unwrap();
    let new = AssessmentWeights::new(60, 20, 20, 0).unwrap();
    store
        .set_assessment_weights(Actor::System, plan, new)
        .await
        .unwrap();
    assert_eq!(store.assessment_weights(plan).await.unwrap(), new);
    let again = AssessmentWeights::new(40, 30, 15, 15).unwrap();
    store
        .set_assessment_weights(Actor::System, plan, again)
        .await
        .unwrap();
    assert_eq!(store.assessment_weights(plan).await.unwrap(), again);
    let log = store.audit_events(start as i64, 10).await.unwrap();
    assert_eq!(log.len(), 2);
    assert_eq!(
        (log[0].action.as_str(), log[0].entity.as_str()),
        ("set", "assessment_weights")
    );
    assert!(log[1]
        .before
        .as_deref()
        .unwrap()
        .contains("\"completion\":60"));
    assert!(log[1]
        .after
        .as_deref()
        .unwrap()
        .contains("\"completion\":40"));
    assert_eq!(store.verify_audit().await.unwrap(), start + 2);
    assert!(matches!(
        store.assessment_weights(PlanId::new(999)).await,
        Err(StoreError::NotFound(_))
    ));
    db.finish().await;
}

async fn entries_are_added_withdrawn_but_never_deleted_with_audit_events(kind: Kind) {
    let Some((db, plan)) = with_notice(kind).await else {
        return;
    };
    let store = &db.store;
    let (lead, _) = units(store, plan).await;
    let start = store.verify_audit().await.unwrap();

    let penalty = store
        .add_assessment_entry(
            Actor::System,
            entry(plan, lead, -2.0, "9月月报弄虚作假，通报批评"),
        )
        .await
        .unwrap();
    let bonus = store
        .add_assessment_entry(Actor::System, entry(plan, lead, 1.5, "经验做法获市级推广"))
        .await
        .unwrap();
    assert_eq!(penalty.adjustment.points.get(), -2.0);
    assert_eq!(penalty.adjustment.unit, lead);
    assert!(!penalty.is_withdrawn());
    assert!(penalty.created_at.starts_with("20"));

    let withdrawn = store
        .withdraw_assessment_entry(
            Actor::System,
            penalty.id(),
            Reason::parse("经复核情况不属实").unwrap(),
        )
        .await
        .unwrap();
    let w = withdrawn.withdrawn.as_ref().unwrap();
    assert_eq!(w.reason.as_str(), "经复核情况不属实");
    // Withdrawing twice is refused and writes nothing.
    let before = store.verify_audit().await.unwrap();
    assert!(matches!(
        store
            .withdraw_assessment_entry(Actor::System, penalty.id(), Reason::parse("再次").unwrap())
            .await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(store.verify_audit().await.unwrap(), before);

    let all = store.assessment_entries(plan).await.unwrap();
    assert_eq!(all.len(), 2, "a withdrawn entry stays");
    assert_eq!(all[0], withdrawn);
    assert_eq!(all[1], bonus);
    assert_eq!(
        store
            .assessment_entry(bonus.id())
            .await
            .unwrap()
            .adjustment
            .reason
            .as_str(),
        "经验做法获市级推广"
    );
    assert_eq!(
        events(store, start, "assessment_entry").await,
        [
            ("add".to_owned(), penalty.id().to_string()),
            ("add".to_owned(), bonus.id().to_string()),
            ("withdraw".to_owned(), penalty.id().to_string()),
        ]
    );
    assert!(matches!(
        store.assessment_entry(AdjustmentId::new(999)).await,
        Err(StoreError::NotFound(_))
    ));
    db.finish().await;
}

async fn entries_for_units_that_lead_nothing_or_for_other_orders_are_refused(kind: Kind) {
    let Some((db, plan)) = with_notice(kind).await else {
        return;
    };
    let store = &db.store;
    let (lead, extra) = units(store, plan).await;
    let start = store.verify_audit().await.unwrap();
    assert!(matches!(
        store
            .add_assessment_entry(Actor::System, entry(plan, extra, -1.0, "x"))
            .await,
        Err(StoreError::Invalid(_))
    ));
    assert!(matches!(
        store
            .add_assessment_entry(Actor::System, entry(PlanId::new(999), lead, -1.0, "x"))
            .await,
        Err(StoreError::NotFound(_))
    ));

    // An order of the plan sent to another unit is not this unit's.
    let detail = store.plan(plan).await.unwrap();
    let other_item = detail
        .items
        .iter()
        .find(|e| !e.item.lead_units.is_empty() && !e.item.lead_units.contains(&lead))
        .unwrap();
    let order = store
        .issue_order(
            Actor::System,
            NewOrder {
                item: other_item.item.id,
                target: None,
                unit: other_item.item.lead_units[0],
                requirement: Requirement::parse("按期完成").unwrap(),
                due_on: date!(2020 - 10 - 15),
            },
            date!(2020 - 09 - 28),
        )
        .await
        .unwrap();
    let after_order = store.verify_audit().await.unwrap();
    assert_eq!(after_order, start + 1);
    let mut wrong = entry(plan, lead, -1.0, "督办单逾期");
    wrong.order = Some(order.id());
    assert!(matches!(
        store.add_assessment_entry(Actor::System, wrong).await,
        Err(StoreError::Invalid(_))
    ));
    assert_eq!(store.verify_audit().await.unwrap(), after_order);
    assert!(store.assessment_entries(plan).await.unwrap().is_empty());

    // For the unit it was sent to, the order is named.
    let mut right = entry(plan, order.unit(), -1.0, "督办单逾期未办结");
    right.order = Some(order.id());
    let saved = store
        .add_assessment_entry(Actor::System, right)
        .await
        .unwrap();
    assert_eq!(saved.adjustment.order, Some(order.id()));
    db.finish().await;
}

async fn merging_units_moves_their_entries(kind: Kind) {
    let Some((db, plan)) = with_notice(kind).await else {
        return;
    };
    let store = &db.store;
    let (lead, extra) = units(store, plan).await;
    let saved = store
        .add_assessment_entry(Actor::System, entry(plan, lead, -1.0, "月报逾期"))
        .await
        .unwrap();
    store.merge_units(Actor::System, extra, lead).await.unwrap();
    let moved = store.assessment_entry(saved.id()).await.unwrap();
    assert_eq!(moved.adjustment.unit, extra);
    db.finish().await;
}
