//! Reminders in the store: recorded once by key (also by a new store on the same database),
//! each with its in-app notice and its deliveries; notices read and marked read; e-mail
//! addresses set. Run on SQLite always and on PostgreSQL when `SHISHI_TEST_POSTGRES_URL` is
//! set; every test gets a fresh database.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use shishi_core::{
    due_reminders, LeadDays, Login, PlanFacts, Reminder, Role, SupervisionOrder, UnitId, User,
    UserId,
};
use shishi_store::{Actor, Channel, NewUser, Store, StoreError};
use std::collections::BTreeMap;
use time::macros::date;

mod common;

use common::*;

on_both_backends!(
    the_same_key_twice_sends_once,
    a_restarted_store_does_not_resend,
    a_failed_delivery_is_pending_until_it_succeeds,
    notices_are_read_and_marked_read_by_their_owner_only,
    an_email_address_is_checked_set_and_cleared,
);

async fn reporter(store: &Store, login: &str, unit: Option<UnitId>) -> User {
    store
        .add_user(
            Actor::System,
            NewUser {
                login: Login::parse(login).unwrap(),
                name: format!("填报员{login}"),
                role: Role::Reporter,
                unit,
                password_hash: "x".into(),
            },
        )
        .await
        .unwrap()
}

/// The reminders the plan gives on 2020-09-23, two days before the due day, to a reporter of
/// the first item's lead unit.
async fn reminders_due(store: &Store, plan: shishi_core::PlanId, user: &User) -> Vec<Reminder> {
    let detail = store.plan(plan).await.unwrap();
    let items: Vec<_> = detail.items.iter().map(|i| i.item.clone()).collect();
    let targets: Vec<_> = detail
        .items
        .iter()
        .flat_map(|i| i.targets.clone())
        .collect();
    let reports = store.reports_for_plan(plan).await.unwrap();
    let names: BTreeMap<UnitId, String> = detail
        .units
        .iter()
        .map(|u| (u.id, u.name.clone()))
        .collect();
    let orders: Vec<(SupervisionOrder, Option<UserId>)> = vec![];
    let users = vec![user.clone()];
    let facts = PlanFacts {
        plan: &detail.plan,
        items: &items,
        targets: &targets,
        reports: &reports,
        orders: &orders,
        users: &users,
        unit_names: &names,
    };
    due_reminders(&facts, &LeadDays::default(), date!(2020 - 09 - 23))
}

async fn first_lead_unit(store: &Store, plan: shishi_core::PlanId) -> UnitId {
    let detail = store.plan(plan).await.unwrap();
    detail
        .items
        .iter()
        .find(|i| !i.item.lead_units.is_empty() && !i.targets.is_empty())
        .unwrap()
        .item
        .lead_units[0]
}

async fn the_same_key_twice_sends_once(kind: Kind) {
    let Some((db, plan)) = with_notice(kind).await else {
        return;
    };
    let unit = first_lead_unit(&db.store, plan).await;
    let user = reporter(&db.store, "r01", Some(unit)).await;
    let due = reminders_due(&db.store, plan, &user).await;
    assert_eq!(due.len(), 1, "{due:?}");
    let channels = vec![
        Channel::Email("r01@example.gov.cn".into()),
        Channel::Webhook,
    ];
    let today = date!(2020 - 09 - 23);
    assert!(db
        .store
        .record_reminder(due[0].clone(), channels.clone(), today)
        .await
        .unwrap());
    assert!(!db
        .store
        .record_reminder(due[0].clone(), channels.clone(), today)
        .await
        .unwrap());
    // Two at once, as two wakes racing: still one.
    let (a, b) = tokio::join!(
        db.store
            .record_reminder(due[0].clone(), channels.clone(), today),
        db.store
            .record_reminder(due[0].clone(), channels.clone(), today)
    );
    assert!(!a.unwrap() && !b.unwrap());
    assert_eq!(count(db.store.backend(), "reminders").await, 1);
    assert_eq!(count(db.store.backend(), "notices").await, 1);
    assert_eq!(count(db.store.backend(), "reminder_deliveries").await, 2);
    let notices = db.store.notices(user.id, 50).await.unwrap();
    assert_eq!(notices.len(), 1);
    assert_eq!(notices[0].title, due[0].title);
    assert_eq!(db.store.pending_deliveries(100).await.unwrap().len(), 2);
    let events = db.store.audit_events(0, 1000).await.unwrap();
    assert_eq!(
        events.iter().filter(|e| e.action == "remind").count(),
        1,
        "one audit event for the one reminder"
    );
    db.store.verify_audit().await.unwrap();
    db.finish().await;
}

async fn a_restarted_store_does_not_resend(kind: Kind) {
    let Some((db, plan)) = with_notice(kind).await else {
        return;
    };
    let unit = first_lead_unit(&db.store, plan).await;
    let user = reporter(&db.store, "r01", Some(unit)).await;
    let due = reminders_due(&db.store, plan, &user).await;
    let today = date!(2020 - 09 - 23);
    assert!(db
        .store
        .record_reminder(due[0].clone(), vec![Channel::Webhook], today)
        .await
        .unwrap());
    let again = Store::open(&db.url).await.unwrap();
    let due_again = reminders_due(&again, plan, &user).await;
    assert_eq!(due_again, due, "the same reminders, with the same keys");
    assert!(!again
        .record_reminder(due_again[0].clone(), vec![Channel::Webhook], today)
        .await
        .unwrap());
    assert_eq!(again.notices(user.id, 50).await.unwrap().len(), 1);
    again.close().await;
    db.finish().await;
}

async fn a_failed_delivery_is_pending_until_it_succeeds(kind: Kind) {
    let Some((db, plan)) = with_notice(kind).await else {
        return;
    };
    let unit = first_lead_unit(&db.store, plan).await;
    let user = reporter(&db.store, "r01", Some(unit)).await;
    let due = reminders_due(&db.store, plan, &user).await;
    let email = Channel::Email("r01@example.gov.cn".into());
    db.store
        .record_reminder(due[0].clone(), vec![email.clone()], date!(2020 - 09 - 23))
        .await
        .unwrap();
    let pending = db.store.pending_deliveries(10).await.unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].channel, email);
    assert_eq!(pending[0].recipient, user.id);
    assert_eq!(pending[0].recipient_name, "填报员r01");
    db.store
        .record_delivery(
            due[0].key.clone(),
            email.clone(),
            Err("connection refused".into()),
        )
        .await
        .unwrap();
    let pending = db.store.pending_deliveries(10).await.unwrap();
    assert_eq!(pending.len(), 1, "a failed delivery is tried again");
    assert_eq!(pending[0].attempts, 1);
    db.store
        .record_delivery(due[0].key.clone(), email.clone(), Ok(()))
        .await
        .unwrap();
    assert!(db.store.pending_deliveries(10).await.unwrap().is_empty());
    assert_eq!(
        db.store.delivery_status(&due[0].key, &email).await.unwrap(),
        Some(("sent".to_owned(), 2))
    );
    db.finish().await;
}

async fn notices_are_read_and_marked_read_by_their_owner_only(kind: Kind) {
    let Some((db, plan)) = with_notice(kind).await else {
        return;
    };
    let unit = first_lead_unit(&db.store, plan).await;
    let user = reporter(&db.store, "r01", Some(unit)).await;
    let other = reporter(&db.store, "r02", Some(unit)).await;
    let due = reminders_due(&db.store, plan, &user).await;
    let due_other = reminders_due(&db.store, plan, &other).await;
    for reminder in due.iter().chain(&due_other) {
        db.store
            .record_reminder(reminder.clone(), vec![], date!(2020 - 09 - 23))
            .await
            .unwrap();
    }
    assert_eq!(db.store.unread_notices(user.id).await.unwrap(), 1);
    let mine = db.store.notices(user.id, 50).await.unwrap();
    let theirs = db.store.notices(other.id, 50).await.unwrap();
    assert!(!mine[0].read);
    let refused = db
        .store
        .mark_notices_read(user.id, Some(theirs[0].id))
        .await;
    assert!(
        matches!(refused, Err(StoreError::NotFound(_))),
        "{refused:?}"
    );
    assert_eq!(
        db.store
            .mark_notices_read(user.id, Some(mine[0].id))
            .await
            .unwrap(),
        1
    );
    assert!(db.store.notices(user.id, 50).await.unwrap()[0].read);
    assert_eq!(db.store.unread_notices(user.id).await.unwrap(), 0);
    assert_eq!(db.store.unread_notices(other.id).await.unwrap(), 1);
    assert_eq!(db.store.mark_notices_read(other.id, None).await.unwrap(), 1);
    assert_eq!(db.store.unread_notices(other.id).await.unwrap(), 0);
    db.finish().await;
}

async fn an_email_address_is_checked_set_and_cleared(kind: Kind) {
    let Some(db) = TestDb::new(kind).await else {
        return;
    };
    let user = reporter(&db.store, "r01", None).await;
    for bad in ["nobody", "a@b", "a b@c.cn", "<a@b.cn>"] {
        let refused = db
            .store
            .set_user_email(Actor::System, user.id, Some(bad.into()))
            .await;
        assert!(matches!(refused, Err(StoreError::Invalid(_))), "{bad}");
    }
    db.store
        .set_user_email(Actor::System, user.id, Some(" r01@example.gov.cn ".into()))
        .await
        .unwrap();
    assert_eq!(
        db.store.user_emails().await.unwrap(),
        [(user.id, "r01@example.gov.cn".to_owned())]
    );
    db.store
        .set_user_email(Actor::System, user.id, None)
        .await
        .unwrap();
    assert!(db.store.user_emails().await.unwrap().is_empty());
    let missing = db
        .store
        .set_user_email(Actor::System, UserId::new(999), None)
        .await;
    assert!(matches!(missing, Err(StoreError::NotFound(_))));
    db.finish().await;
}
