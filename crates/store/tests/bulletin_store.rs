//! Published bulletins: their 索引号 and serials, the audit event, and that a published
//! bulletin is never changed. Run on SQLite always and on PostgreSQL when
//! `SHISHI_TEST_POSTGRES_URL` is set; every test gets a fresh database.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use shishi_core::{Period, PlanId};
use shishi_store::{Actor, Backend, BulletinId, NewBulletin, StoreError};
use time::macros::date;

mod common;

use common::*;

on_both_backends!(
    publications_get_serials_within_the_year_and_their_index_numbers,
    a_bulletin_is_read_back_exactly_as_published_with_its_audit_event,
    bad_publications_are_refused_and_store_nothing,
    a_published_bulletin_cannot_be_changed_or_removed,
);

const ORG: &str = "11320706MB1234567X";

fn new_bulletin(plan: PlanId, month: u8, doc_number: &str) -> NewBulletin {
    NewBulletin {
        plan,
        period: Period::new(2020, month).unwrap(),
        org_code: ORG.into(),
        doc_number: doc_number.into(),
        issuer: "海州区人民政府督查室".into(),
        title: format!("关于2020年{month}月份民生实事项目推进情况的通报"),
        issued_on: date!(2020 - 10 - 09),
        html: format!("<article class=\"bulletin\"><h1>{month}月</h1></article>"),
        md: format!("# {month}月\n"),
        // Bytes no text column would keep whole.
        docx: vec![b'P', b'K', 3, 4, 0, 0xFF, 0xC3, 0x28, month],
    }
}

async fn publications_get_serials_within_the_year_and_their_index_numbers(kind: Kind) {
    let Some((db, plan)) = with_notice(kind).await else {
        return;
    };
    let store = &db.store;
    assert!(store.bulletins(plan).await.unwrap().is_empty());
    let first = store
        .publish_bulletin(Actor::System, new_bulletin(plan, 8, "海督通〔2020〕8号"))
        .await
        .unwrap();
    let second = store
        .publish_bulletin(Actor::System, new_bulletin(plan, 9, "海督通〔2020〕9号"))
        .await
        .unwrap();
    assert_eq!(first.summary.serial, 1);
    assert_eq!(second.summary.serial, 2);
    assert_eq!(first.summary.year, 2020);
    assert_eq!(first.summary.index_no, format!("{ORG}/2020-00001"));
    assert_eq!(second.summary.index_no, format!("{ORG}/2020-00002"));

    // A correction of September is a new bulletin with the next serial.
    let correction = store
        .publish_bulletin(Actor::System, new_bulletin(plan, 9, "海督通〔2020〕10号"))
        .await
        .unwrap();
    assert_eq!(correction.summary.serial, 3);

    // Another organisation counts its own bulletins from 1.
    let other = store
        .publish_bulletin(
            Actor::System,
            NewBulletin {
                org_code: "01426719-5".into(),
                ..new_bulletin(plan, 9, "海政办督〔2020〕1号")
            },
        )
        .await
        .unwrap();
    assert_eq!(other.summary.index_no, "01426719-5/2020-00001");

    // Newest first.
    let listed: Vec<u32> = store
        .bulletins(plan)
        .await
        .unwrap()
        .iter()
        .filter(|b| b.org_code == ORG)
        .map(|b| b.serial)
        .collect();
    assert_eq!(listed, [3, 2, 1]);
    assert_eq!(store.bulletins(plan).await.unwrap().len(), 4);
    assert!(store.bulletins(PlanId::new(9999)).await.unwrap().is_empty());
    db.finish().await;
}

async fn a_bulletin_is_read_back_exactly_as_published_with_its_audit_event(kind: Kind) {
    let Some((db, plan)) = with_notice(kind).await else {
        return;
    };
    let store = &db.store;
    let before = store.verify_audit().await.unwrap();
    let new = new_bulletin(plan, 9, "海督通〔2020〕9号");
    let published = store
        .publish_bulletin(Actor::System, new.clone())
        .await
        .unwrap();
    let read = store.bulletin(published.summary.id).await.unwrap();
    assert_eq!(read, published);
    assert_eq!(read.docx, new.docx);
    assert_eq!(read.html, new.html);
    assert_eq!(read.md, new.md);
    assert_eq!(read.summary.doc_number, "海督通〔2020〕9号");
    assert_eq!(read.summary.issued_on, date!(2020 - 10 - 09));
    assert_eq!(read.summary.period, Period::new(2020, 9).unwrap());
    assert_eq!(read.summary.published_by, None);

    let events = store.audit_events(before as i64, 10).await.unwrap();
    assert_eq!(events.len(), 1);
    let event = &events[0];
    assert_eq!(
        (event.action.as_str(), event.entity.as_str()),
        ("publish", "bulletin")
    );
    assert_eq!(event.entity_id, published.summary.id.to_string());
    let after: serde_json::Value = serde_json::from_str(event.after.as_deref().unwrap()).unwrap();
    assert_eq!(after["index_no"], format!("{ORG}/2020-00001"));
    assert_eq!(after["docx_sm3"].as_str().unwrap().len(), 64);
    assert_eq!(store.verify_audit().await.unwrap(), before + 1);

    assert!(matches!(
        store.bulletin(BulletinId::new(9999)).await,
        Err(StoreError::NotFound(_))
    ));
    db.finish().await;
}

async fn bad_publications_are_refused_and_store_nothing(kind: Kind) {
    let Some((db, plan)) = with_notice(kind).await else {
        return;
    };
    let store = &db.store;
    let events = store.verify_audit().await.unwrap();
    let good = || new_bulletin(plan, 9, "海督通〔2020〕9号");
    let refused = [
        NewBulletin {
            period: Period::new(2021, 1).unwrap(),
            ..good()
        },
        NewBulletin {
            org_code: String::new(),
            ..good()
        },
        NewBulletin {
            org_code: "113207/06".into(),
            ..good()
        },
        NewBulletin {
            org_code: "海州区".into(),
            ..good()
        },
        NewBulletin {
            doc_number: "  ".into(),
            ..good()
        },
        NewBulletin {
            title: String::new(),
            ..good()
        },
        NewBulletin {
            docx: Vec::new(),
            ..good()
        },
    ];
    for bad in refused {
        let shown = format!("{bad:?}");
        assert!(
            matches!(
                store.publish_bulletin(Actor::System, bad).await,
                Err(StoreError::Invalid(_))
            ),
            "{shown}"
        );
    }
    assert!(matches!(
        store
            .publish_bulletin(
                Actor::System,
                NewBulletin {
                    plan: PlanId::new(9999),
                    ..good()
                }
            )
            .await,
        Err(StoreError::NotFound(_))
    ));
    assert_eq!(count(store.backend(), "bulletins").await, 0);
    assert_eq!(store.verify_audit().await.unwrap(), events);

    // A refusal takes no serial: the next good one is still number 1.
    let published = store.publish_bulletin(Actor::System, good()).await.unwrap();
    assert_eq!(published.summary.serial, 1);
    db.finish().await;
}

/// Runs a statement straight on the database; its error, if any.
async fn try_execute(backend: &Backend, sql: &str) -> Result<u64, sqlx::Error> {
    match backend {
        Backend::Sqlite(pool) => sqlx::query(sql)
            .execute(pool)
            .await
            .map(|r| r.rows_affected()),
        Backend::Postgres(pool) => sqlx::query(sql)
            .execute(pool)
            .await
            .map(|r| r.rows_affected()),
    }
}

async fn a_published_bulletin_cannot_be_changed_or_removed(kind: Kind) {
    let Some((db, plan)) = with_notice(kind).await else {
        return;
    };
    let store = &db.store;
    let published = store
        .publish_bulletin(Actor::System, new_bulletin(plan, 9, "海督通〔2020〕9号"))
        .await
        .unwrap();
    let id = published.summary.id;
    // Not even straight through SQL: the database itself refuses.
    let update = format!("update bulletins set title = '改过的标题' where id = {id}");
    assert!(try_execute(store.backend(), &update).await.is_err());
    let delete = format!("delete from bulletins where id = {id}");
    assert!(try_execute(store.backend(), &delete).await.is_err());
    assert_eq!(store.bulletin(id).await.unwrap(), published);
    db.finish().await;
}
