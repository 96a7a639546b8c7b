//! Supervision orders in the store: issue, answer, send back, answer again, close; every
//! write with its audit event; refusals that write nothing. Run on SQLite always and on
//! PostgreSQL when `SHISHI_TEST_POSTGRES_URL` is set; every test gets a fresh database.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use shishi_core::{
    EvidenceHash, ItemId, NewOrder, OrderId, OrderState, PlanId, Reason, Requirement, TargetId,
    UnitId,
};
use shishi_store::{Actor, NewAttachment, Store, StoreError};
use time::macros::date;
use time::Date;

mod common;

use common::*;

on_both_backends!(
    an_order_goes_through_answer_send_back_answer_and_close_with_audit_events,
    refused_orders_and_moves_write_nothing,
    an_answer_names_uploaded_evidence,
    merging_units_moves_their_orders,
);

const TODAY: Date = date!(2020 - 09 - 28);

/// The first item with a lead unit and a target: its id, a target, its first lead unit, and
/// a unit that does not lead it.
async fn lagging_item(store: &Store, plan: PlanId) -> (ItemId, TargetId, UnitId, UnitId) {
    let detail = store.plan(plan).await.unwrap();
    let entry = detail
        .items
        .iter()
        .find(|e| !e.item.lead_units.is_empty() && !e.targets.is_empty())
        .unwrap();
    let lead = entry.item.lead_units[0];
    let other = detail
        .units
        .iter()
        .map(|u| u.id)
        .find(|u| !entry.item.lead_units.contains(u))
        .unwrap();
    (entry.item.id, entry.targets[0].id, lead, other)
}

fn new_order(item: ItemId, target: Option<TargetId>, unit: UnitId) -> NewOrder {
    NewOrder {
        item,
        target,
        unit,
        requirement: Requirement::parse("10月15日前完成主体工程并书面报告").unwrap(),
        due_on: date!(2020 - 10 - 15),
    }
}

async fn order_events(store: &Store, after: u64) -> Vec<(String, String)> {
    store
        .audit_events(after as i64, 100)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.entity == "supervision_order")
        .map(|e| (e.action, e.entity_id))
        .collect()
}

async fn an_order_goes_through_answer_send_back_answer_and_close_with_audit_events(kind: Kind) {
    let Some((db, plan)) = with_notice(kind).await else {
        return;
    };
    let store = &db.store;
    let (item, target, lead, other) = lagging_item(store, plan).await;
    let start = store.verify_audit().await.unwrap();
    let admin = Actor::System;

    let order = store
        .issue_order(admin, new_order(item, Some(target), lead), TODAY)
        .await
        .unwrap();
    assert_eq!(order.state(), OrderState::Issued);
    assert_eq!(order.plan(), plan);
    assert_eq!(order.issued_on(), TODAY);
    let id = order.id();
    assert_eq!(store.order(id).await.unwrap(), order);

    // A whole-item order as well, to the same unit.
    let whole = store
        .issue_order(admin, new_order(item, None, lead), TODAY)
        .await
        .unwrap();
    assert_eq!(whole.target(), None);

    let answered = store
        .answer_order(
            admin,
            id,
            "已召开现场推进会，增加施工班组".into(),
            vec![],
            date!(2020 - 10 - 08),
        )
        .await
        .unwrap();
    assert_eq!(answered.state(), OrderState::Answered);
    let back = store
        .send_back_order(
            admin,
            id,
            Reason::parse("未说明完工时间").unwrap(),
            date!(2020 - 10 - 09),
        )
        .await
        .unwrap();
    assert_eq!(back.state(), OrderState::Issued);
    assert!(back.is_sent_back());
    store
        .answer_order(
            admin,
            id,
            "主体工程10月14日完工".into(),
            vec![],
            date!(2020 - 10 - 14),
        )
        .await
        .unwrap();
    let closed = store
        .close_order(admin, id, date!(2020 - 10 - 16))
        .await
        .unwrap();
    assert_eq!(
        closed.state(),
        OrderState::Closed {
            on: date!(2020 - 10 - 16)
        }
    );

    // Read back whole: both answers, the first with its send-back reason.
    let read = store.order(id).await.unwrap();
    assert_eq!(read, closed);
    let answers = read.answers();
    assert_eq!(answers.len(), 2);
    assert_eq!(answers[0].text, "已召开现场推进会，增加施工班组");
    assert_eq!(
        answers[0].sent_back.as_ref().unwrap().reason.as_str(),
        "未说明完工时间"
    );
    assert_eq!(answers[0].answered_on, date!(2020 - 10 - 08));
    assert_eq!(answers[1].sent_back, None);
    assert!(!read.is_overdue(date!(2020 - 12 - 01)));
    assert!(whole.is_overdue(date!(2020 - 10 - 16)));

    let for_plan = store.orders_for_plan(plan).await.unwrap();
    assert_eq!(
        for_plan.iter().map(|o| o.id()).collect::<Vec<_>>(),
        [id, whole.id()]
    );
    assert_eq!(store.orders_for_unit(lead).await.unwrap().len(), 2);
    assert!(store.orders_for_unit(other).await.unwrap().is_empty());
    assert!(store
        .orders_for_plan(PlanId::new(9999))
        .await
        .unwrap()
        .is_empty());

    let id_text = id.to_string();
    let events: Vec<String> = order_events(store, start)
        .await
        .into_iter()
        .filter(|(_, entity)| *entity == id_text)
        .map(|(action, _)| action)
        .collect();
    assert_eq!(events, ["issue", "answer", "send_back", "answer", "close"]);
    assert_eq!(
        store.verify_audit().await.unwrap(),
        start + 6,
        "one event per write"
    );
    db.finish().await;
}

async fn refused_orders_and_moves_write_nothing(kind: Kind) {
    let Some((db, plan)) = with_notice(kind).await else {
        return;
    };
    let store = &db.store;
    let (item, target, lead, other) = lagging_item(store, plan).await;
    let admin = Actor::System;
    let before = (
        count(store.backend(), "supervision_orders").await,
        store.verify_audit().await.unwrap(),
    );

    let not_lead = store
        .issue_order(admin, new_order(item, Some(target), other), TODAY)
        .await;
    assert!(matches!(
        not_lead,
        Err(StoreError::Domain(shishi_core::Error::UnitNotLead))
    ));
    let late = store
        .issue_order(admin, new_order(item, None, lead), date!(2020 - 10 - 16))
        .await;
    assert!(matches!(
        late,
        Err(StoreError::Domain(
            shishi_core::Error::DueBeforeIssue { .. }
        ))
    ));
    let detail = store.plan(plan).await.unwrap();
    let foreign_target = detail
        .items
        .iter()
        .filter(|e| e.item.id != item)
        .flat_map(|e| &e.targets)
        .next()
        .unwrap()
        .id;
    assert!(matches!(
        store
            .issue_order(admin, new_order(item, Some(foreign_target), lead), TODAY)
            .await,
        Err(StoreError::Invalid(_))
    ));
    assert!(matches!(
        store
            .issue_order(admin, new_order(ItemId::new(9999), None, lead), TODAY)
            .await,
        Err(StoreError::NotFound(_))
    ));
    assert_eq!(
        (
            count(store.backend(), "supervision_orders").await,
            store.verify_audit().await.unwrap()
        ),
        before
    );

    let order = store
        .issue_order(admin, new_order(item, Some(target), lead), TODAY)
        .await
        .unwrap();
    let id = order.id();
    let events = store.verify_audit().await.unwrap();
    // Not answered yet: nothing to close or send back.
    assert!(matches!(
        store.close_order(admin, id, TODAY).await,
        Err(StoreError::Domain(
            shishi_core::Error::IllegalOrderTransition { .. }
        ))
    ));
    assert!(matches!(
        store
            .send_back_order(admin, id, Reason::parse("x").unwrap(), TODAY)
            .await,
        Err(StoreError::Domain(
            shishi_core::Error::IllegalOrderTransition { .. }
        ))
    ));
    assert!(matches!(
        store
            .answer_order(admin, id, "  ".into(), vec![], TODAY)
            .await,
        Err(StoreError::Domain(shishi_core::Error::EmptyAnswer))
    ));
    assert!(matches!(
        store.order(OrderId::new(9999)).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        store.close_order(admin, OrderId::new(9999), TODAY).await,
        Err(StoreError::NotFound(_))
    ));
    assert_eq!(store.order(id).await.unwrap(), order);
    assert_eq!(store.verify_audit().await.unwrap(), events);
    assert_eq!(count(store.backend(), "supervision_order_answers").await, 0);
    db.finish().await;
}

async fn an_answer_names_uploaded_evidence(kind: Kind) {
    let Some((db, plan)) = with_notice(kind).await else {
        return;
    };
    let store = &db.store;
    let (item, target, lead, _) = lagging_item(store, plan).await;
    let admin = Actor::System;
    let order = store
        .issue_order(admin, new_order(item, Some(target), lead), TODAY)
        .await
        .unwrap();

    // A file the unit uploaded with a report.
    let report = store
        .file_report_with_attachments(
            admin,
            target,
            june(),
            figures(1.0),
            TODAY,
            vec![NewAttachment {
                name: "现场.jpg".into(),
                content_type: "image/jpeg".into(),
                bytes: vec![0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3],
                captured_at: None,
            }],
        )
        .await
        .unwrap();
    let hash = store.attachments_for_report(report.id()).await.unwrap()[0]
        .hash
        .clone();
    let evidence = EvidenceHash::parse(&hash).unwrap();

    let never = EvidenceHash::parse(&"0".repeat(64)).unwrap();
    assert!(matches!(
        store
            .answer_order(admin, order.id(), "见附件".into(), vec![never], TODAY)
            .await,
        Err(StoreError::Invalid(_))
    ));
    assert_eq!(store.order(order.id()).await.unwrap(), order);

    let answered = store
        .answer_order(
            admin,
            order.id(),
            "见附件".into(),
            vec![evidence.clone()],
            TODAY,
        )
        .await
        .unwrap();
    assert_eq!(answered.answers()[0].evidence, [evidence]);
    assert_eq!(store.order(order.id()).await.unwrap(), answered);
    db.finish().await;
}

async fn merging_units_moves_their_orders(kind: Kind) {
    let Some((db, plan)) = with_notice(kind).await else {
        return;
    };
    let store = &db.store;
    let (item, _, lead, other) = lagging_item(store, plan).await;
    let order = store
        .issue_order(Actor::System, new_order(item, None, lead), TODAY)
        .await
        .unwrap();
    store.merge_units(Actor::System, other, lead).await.unwrap();
    assert_eq!(store.order(order.id()).await.unwrap().unit(), other);
    assert_eq!(store.orders_for_unit(other).await.unwrap().len(), 1);
    db.finish().await;
}
