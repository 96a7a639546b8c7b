//! The public's messages in the store: posted, published or hidden, answered, the answer
//! returned and approved; every write with its audit event (and no contact in the log);
//! refusals that write nothing; the public's read never carries a contact. Run on SQLite
//! always and on PostgreSQL when `SHISHI_TEST_POSTGRES_URL` is set.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use shishi_core::{
    AnswerState, AnswerText, FeedbackId, ItemId, Moderation, NewFeedback, PlanId, Reason, UnitId,
};
use shishi_store::{Actor, Store, StoreError};
use time::macros::date;
use time::Date;

mod common;

use common::*;

on_both_backends!(
    a_message_is_posted_published_answered_returned_answered_again_and_approved_with_audit_events,
    a_hidden_message_stays_stored_and_is_not_public,
    refused_moves_write_nothing,
);

const TODAY: Date = date!(2020 - 09 - 28);
const CONTACT: &str = "13912345678";

/// The first item with a lead unit: its id, its first lead unit, and a unit that does not
/// lead it.
async fn an_item(store: &Store, plan: PlanId) -> (ItemId, UnitId, UnitId) {
    let detail = store.plan(plan).await.unwrap();
    let entry = detail
        .items
        .iter()
        .find(|e| !e.item.lead_units.is_empty())
        .unwrap();
    let other = detail
        .units
        .iter()
        .map(|u| u.id)
        .find(|u| !entry.item.lead_units.contains(u))
        .unwrap();
    (entry.item.id, entry.item.lead_units[0], other)
}

fn message(item: ItemId, text: &str) -> NewFeedback {
    NewFeedback::parse(item, text, "李女士", CONTACT, None).unwrap()
}

async fn events(store: &Store, after: u64) -> Vec<(String, String, String)> {
    store
        .audit_events(after as i64, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|e| {
            (
                e.action,
                e.entity,
                format!(
                    "{}{}",
                    e.before.unwrap_or_default(),
                    e.after.unwrap_or_default()
                ),
            )
        })
        .collect()
}

async fn a_message_is_posted_published_answered_returned_answered_again_and_approved_with_audit_events(
    kind: Kind,
) {
    let Some((db, plan)) = with_notice(kind).await else {
        return;
    };
    let store = &db.store;
    let (item, lead, _) = an_item(store, plan).await;
    let start = store.verify_audit().await.unwrap();

    let posted = store
        .post_feedback(
            Actor::System,
            message(item, "小区门口路灯坏了\n请尽快修"),
            TODAY,
        )
        .await
        .unwrap();
    assert_eq!(posted.moderation(), &Moderation::Pending);
    assert_eq!(posted.plan(), plan);
    let id = posted.id();
    // Pending: not public yet, and not for the unit to answer.
    assert!(store
        .public_feedback_for_item(item)
        .await
        .unwrap()
        .is_empty());
    assert!(store.feedback_for_unit(lead).await.unwrap().is_empty());

    store
        .publish_feedback(Actor::System, id, date!(2020 - 09 - 29))
        .await
        .unwrap();
    let public = store.public_feedback_for_item(item).await.unwrap();
    assert_eq!(public.len(), 1);
    assert_eq!(public[0].text().as_str(), "小区门口路灯坏了\n请尽快修");
    assert_eq!(public[0].name().unwrap().as_str(), "李女士");
    assert_eq!(
        public[0].contact(),
        None,
        "the public's read has no contact"
    );
    let theirs = store.feedback_for_unit(lead).await.unwrap();
    assert_eq!(theirs[0].contact().unwrap().as_str(), CONTACT);

    store
        .answer_feedback(
            Actor::System,
            id,
            lead,
            AnswerText::parse("已报修").unwrap(),
            date!(2020 - 09 - 30),
        )
        .await
        .unwrap();
    assert!(store.public_feedback_for_item(item).await.unwrap()[0]
        .public_answer()
        .is_none());
    store
        .return_feedback_answer(
            Actor::System,
            id,
            Reason::parse("请说明修好的时间").unwrap(),
            date!(2020 - 10 - 01),
        )
        .await
        .unwrap();
    store
        .answer_feedback(
            Actor::System,
            id,
            lead,
            AnswerText::parse("已于10月3日修复。").unwrap(),
            date!(2020 - 10 - 03),
        )
        .await
        .unwrap();
    let approved = store
        .approve_feedback_answer(Actor::System, id, date!(2020 - 10 - 04))
        .await
        .unwrap();
    assert_eq!(approved.answers().len(), 2);

    // Read back from the database, as stored.
    let stored = store.feedback(id).await.unwrap();
    assert_eq!(stored, approved);
    assert_eq!(
        stored.answers()[0].state,
        AnswerState::Returned {
            reason: Reason::parse("请说明修好的时间").unwrap(),
            on: date!(2020 - 10 - 01)
        }
    );
    let shown = store.public_feedback_for_item(item).await.unwrap();
    assert_eq!(
        shown[0].public_answer().unwrap().text.as_str(),
        "已于10月3日修复。"
    );
    assert_eq!(store.feedback_for_plan(plan).await.unwrap().len(), 1);

    let log = events(store, start).await;
    let actions: Vec<&str> = log.iter().map(|(a, _, _)| a.as_str()).collect();
    assert_eq!(
        actions,
        [
            "post",
            "publish",
            "answer",
            "return_answer",
            "answer",
            "approve_answer"
        ]
    );
    for (_, entity, json) in &log {
        assert_eq!(entity, "feedback");
        assert!(
            !json.contains(CONTACT),
            "no contact in the audit log: {json}"
        );
        assert!(json.contains("\"has_contact\":true"), "{json}");
    }
    assert_eq!(store.verify_audit().await.unwrap(), start + 6);
    db.finish().await;
}

async fn a_hidden_message_stays_stored_and_is_not_public(kind: Kind) {
    let Some((db, plan)) = with_notice(kind).await else {
        return;
    };
    let store = &db.store;
    let (item, lead, _) = an_item(store, plan).await;
    let spam = store
        .post_feedback(Actor::System, message(item, "广告：代办证件"), TODAY)
        .await
        .unwrap();
    let later = store
        .post_feedback(Actor::System, message(item, "希望增加公交班次"), TODAY)
        .await
        .unwrap();
    store
        .hide_feedback(
            Actor::System,
            spam.id(),
            Reason::parse("广告").unwrap(),
            TODAY,
        )
        .await
        .unwrap();
    store
        .publish_feedback(Actor::System, later.id(), TODAY)
        .await
        .unwrap();
    // A published message hidden later keeps the day it was published.
    let hidden = store
        .hide_feedback(
            Actor::System,
            later.id(),
            Reason::parse("含有他人电话").unwrap(),
            date!(2020 - 10 - 02),
        )
        .await
        .unwrap();
    assert_eq!(
        hidden.moderation(),
        &Moderation::Hidden {
            reason: Reason::parse("含有他人电话").unwrap(),
            on: date!(2020 - 10 - 02),
            published_on: Some(TODAY)
        }
    );
    assert!(store
        .public_feedback_for_item(item)
        .await
        .unwrap()
        .is_empty());
    assert!(store.feedback_for_unit(lead).await.unwrap().is_empty());
    let all = store.feedback_for_plan(plan).await.unwrap();
    assert_eq!(all.len(), 2, "hidden messages stay stored");
    // Newest first.
    assert_eq!(all[0].id(), later.id());
    assert_eq!(
        store.feedback(spam.id()).await.unwrap().moderation().name(),
        "hidden"
    );
    assert_eq!(count(store.backend(), "feedback").await, 2);
    db.finish().await;
}

async fn refused_moves_write_nothing(kind: Kind) {
    let Some((db, plan)) = with_notice(kind).await else {
        return;
    };
    let store = &db.store;
    let (item, lead, other) = an_item(store, plan).await;
    let before = store.verify_audit().await.unwrap();
    // An unknown item.
    let unknown = store
        .post_feedback(Actor::System, message(ItemId::new(999_999), "x"), TODAY)
        .await;
    assert!(
        matches!(unknown, Err(StoreError::NotFound(_))),
        "{unknown:?}"
    );
    assert_eq!(count(store.backend(), "feedback").await, 0);
    assert_eq!(store.verify_audit().await.unwrap(), before);

    let id = store
        .post_feedback(Actor::System, message(item, "请问何时开工？"), TODAY)
        .await
        .unwrap()
        .id();
    let after_post = store.verify_audit().await.unwrap();
    let answer = || AnswerText::parse("预计10月开工").unwrap();
    // Not published: no answer yet.
    let early = store
        .answer_feedback(Actor::System, id, lead, answer(), TODAY)
        .await;
    assert!(matches!(early, Err(StoreError::Domain(_))), "{early:?}");
    store
        .publish_feedback(Actor::System, id, TODAY)
        .await
        .unwrap();
    // Published twice; answered by a unit that does not lead the item; a decision with no
    // answer waiting; an unknown message.
    assert!(store
        .publish_feedback(Actor::System, id, TODAY)
        .await
        .is_err());
    assert!(store
        .answer_feedback(Actor::System, id, other, answer(), TODAY)
        .await
        .is_err());
    assert!(store
        .approve_feedback_answer(Actor::System, id, TODAY)
        .await
        .is_err());
    assert!(matches!(
        store
            .publish_feedback(Actor::System, FeedbackId::new(999_999), TODAY)
            .await,
        Err(StoreError::NotFound(_))
    ));
    assert_eq!(store.verify_audit().await.unwrap(), after_post + 1);
    assert_eq!(count(store.backend(), "feedback_answers").await, 0);
    let stored = store.feedback(id).await.unwrap();
    assert!(stored.answers().is_empty());
    assert!(stored.is_published());
    db.finish().await;
}
