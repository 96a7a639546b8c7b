//! What the web application needs of the store: sessions, attachments, hand edits of items,
//! targets, units and users. Run on SQLite always and on PostgreSQL when
//! `SHISHI_TEST_POSTGRES_URL` is set; every test gets a fresh database.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use shishi_core::{
    Actual, Checkpoint, Checkpoints, Curve, ItemId, Login, Measure, Op, Percent, Quantity, Reason,
    Role, Share, TargetValue, UnitId, User,
};
use shishi_store::{
    Actor, Backend, ItemEdit, NewAttachment, NewUser, Store, StoreError, TargetEdit,
    TargetSnapshot, UserEdit,
};
use time::macros::{date, datetime};
use time::Duration;

mod common;

use common::*;

on_both_backends!(
    a_session_opens_until_it_expires_and_only_its_hash_is_stored,
    signing_out_and_sweeping_expired_sessions_remove_only_what_they_should,
    files_come_with_a_report_and_the_same_bytes_are_stored_once,
    a_refused_report_or_a_bad_file_stores_no_file,
    a_target_edit_is_checked_by_the_domain_and_logged_with_its_reason,
    a_revised_notice_logs_its_target_changes,
    an_item_edit_changes_title_category_and_units_or_nothing,
    merging_units_moves_items_and_users_and_keeps_the_names,
    users_are_listed_edited_unlocked_and_a_new_password_ends_their_sessions,
    a_plan_snapshot_is_shared_until_a_write_and_then_shows_it,
);

async fn scalar(backend: &Backend, sql: &str) -> i64 {
    match backend {
        Backend::Sqlite(pool) => sqlx::query_scalar(sql).fetch_one(pool).await.unwrap(),
        Backend::Postgres(pool) => sqlx::query_scalar(sql).fetch_one(pool).await.unwrap(),
    }
}

/// The actions of the audit events written after `after_seq`, in order.
async fn actions_since(store: &Store, after_seq: i64) -> Vec<String> {
    store
        .audit_events(after_seq, 1000)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.action)
        .collect()
}

async fn add_user(store: &Store, login: &str, role: Role, unit: Option<UnitId>) -> User {
    store
        .add_user(
            Actor::System,
            NewUser {
                login: Login::parse(login).unwrap(),
                name: format!("{login}的名字"),
                role,
                unit,
                password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$b2xk".into(),
            },
        )
        .await
        .unwrap()
}

fn photo(name: &str, bytes: &[u8]) -> NewAttachment {
    NewAttachment {
        name: name.into(),
        content_type: "image/jpeg".into(),
        bytes: bytes.to_vec(),
        captured_at: Some("2020-06-18T09:30:00".into()),
    }
}

/// Bytes no text column would keep whole: a NUL, invalid UTF-8, every byte value.
fn binary(seed: u8) -> Vec<u8> {
    let mut bytes = vec![0xFF, 0xD8, 0x00, seed, 0xC3, 0x28];
    bytes.extend((0..=255u8).map(|b| b ^ seed));
    bytes
}

async fn a_session_opens_until_it_expires_and_only_its_hash_is_stored(kind: Kind) {
    let Some(db) = TestDb::new(kind).await else {
        return;
    };
    let store = &db.store;
    let user = add_user(store, "zhangsan", Role::Admin, None).await;
    let events = store.verify_audit().await.unwrap() as i64;
    let now = datetime!(2020-09-28 10:00:00.75 +8);

    let new = store
        .create_session(user.id, now, Duration::hours(1))
        .await
        .unwrap();
    assert_eq!(new.secret.len(), 64);
    assert!(new.secret.chars().all(|c| c.is_ascii_hexdigit()));
    assert_eq!(new.csrf.len(), 64);
    assert_ne!(new.secret, new.csrf);
    assert!(!format!("{new:?}").contains(&new.secret));
    // Stored to the whole second in UTC; never later than asked.
    assert_eq!(new.expires_at, datetime!(2020-09-28 03:00:00 UTC));

    let open = store
        .session(&new.secret, now + Duration::minutes(59))
        .await
        .unwrap()
        .expect("a session is open before it expires");
    assert_eq!(open.user, user);
    assert_eq!(open.csrf, new.csrf);
    assert_eq!(open.expires_at, new.expires_at);
    assert_eq!(
        store
            .session(&new.secret, now + Duration::hours(1))
            .await
            .unwrap(),
        None,
        "expired"
    );
    assert_eq!(store.session(&new.csrf, now).await.unwrap(), None);
    assert_eq!(store.session("", now).await.unwrap(), None);

    let stored = format!(
        "select count(*) from sessions where id_hash = '{}'",
        new.secret
    );
    assert_eq!(scalar(store.backend(), &stored).await, 0);
    assert_eq!(count(store.backend(), "sessions").await, 1);
    assert_eq!(actions_since(store, events).await, ["sign_in"]);

    assert!(matches!(
        store
            .create_session(shishi_core::UserId::new(9999), now, Duration::hours(1))
            .await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        store.create_session(user.id, now, Duration::ZERO).await,
        Err(StoreError::Invalid(_))
    ));
    assert_eq!(count(store.backend(), "sessions").await, 1);
    store.verify_audit().await.unwrap();
    db.finish().await;
}

async fn signing_out_and_sweeping_expired_sessions_remove_only_what_they_should(kind: Kind) {
    let Some(db) = TestDb::new(kind).await else {
        return;
    };
    let store = &db.store;
    let user = add_user(store, "lisi", Role::Leader, None).await;
    let now = datetime!(2020-09-28 10:00 UTC);
    let short = store
        .create_session(user.id, now, Duration::hours(1))
        .await
        .unwrap();
    let long = store
        .create_session(user.id, now, Duration::hours(8))
        .await
        .unwrap();
    let other = store
        .create_session(user.id, now, Duration::hours(8))
        .await
        .unwrap();

    assert_eq!(
        store
            .delete_expired_sessions(now + Duration::minutes(59))
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        store
            .delete_expired_sessions(now + Duration::hours(1))
            .await
            .unwrap(),
        1
    );
    assert_eq!(count(store.backend(), "sessions").await, 2);
    let later = now + Duration::hours(2);
    assert!(store.session(&long.secret, later).await.unwrap().is_some());
    assert_eq!(store.session(&short.secret, now).await.unwrap(), None);

    let events = store.verify_audit().await.unwrap() as i64;
    store.delete_session(&long.secret).await.unwrap();
    assert_eq!(store.session(&long.secret, later).await.unwrap(), None);
    assert!(store.session(&other.secret, later).await.unwrap().is_some());
    assert_eq!(actions_since(store, events).await, ["sign_out"]);
    // Signing out twice, or with a made-up cookie, does nothing and records nothing.
    store.delete_session(&long.secret).await.unwrap();
    store.delete_session("not-a-session").await.unwrap();
    assert_eq!(actions_since(store, events).await, ["sign_out"]);
    assert_eq!(count(store.backend(), "sessions").await, 1);
    store.verify_audit().await.unwrap();
    db.finish().await;
}

async fn files_come_with_a_report_and_the_same_bytes_are_stored_once(kind: Kind) {
    let Some((db, plan)) = with_notice(kind).await else {
        return;
    };
    let store = &db.store;
    let (target, _) = quantity_and_milestone(store, plan).await;
    let (a, b) = (binary(1), binary(2));
    let report = store
        .file_report_with_attachments(
            Actor::System,
            target,
            june(),
            figures(3.0),
            date!(2020 - 06 - 20),
            vec![
                photo("工地.jpg", &a),
                photo("工地-副本.jpg", &a),
                NewAttachment {
                    name: "验收单.pdf".into(),
                    content_type: "application/pdf".into(),
                    bytes: b.clone(),
                    captured_at: None,
                },
            ],
        )
        .await
        .unwrap();
    assert_eq!(report.current().number, 1);
    assert_eq!(count(store.backend(), "attachments").await, 2);
    assert_eq!(count(store.backend(), "report_attachments").await, 2);

    let files = store.attachments_for_report(report.id()).await.unwrap();
    assert_eq!(files.len(), 2, "{files:?}");
    let jpeg = files.iter().find(|f| f.name == "工地.jpg").unwrap();
    assert_eq!(jpeg.content_type, "image/jpeg");
    assert_eq!(jpeg.size, a.len() as u64);
    assert_eq!(jpeg.captured_at.as_deref(), Some("2020-06-18T09:30:00"));
    assert_eq!(jpeg.report, report.id());
    assert_eq!(jpeg.revision, 1);
    assert_eq!(jpeg.hash.len(), 64);
    let pdf = files.iter().find(|f| f.name == "验收单.pdf").unwrap();
    assert_eq!(pdf.captured_at, None);
    assert_ne!(pdf.hash, jpeg.hash);

    assert_eq!(
        store.attachment_bytes(&jpeg.hash).await.unwrap(),
        Some(("image/jpeg".to_owned(), a.clone()))
    );
    assert_eq!(
        store.attachment_bytes(&pdf.hash).await.unwrap(),
        Some(("application/pdf".to_owned(), b.clone()))
    );
    assert_eq!(store.attachment_bytes("00").await.unwrap(), None);

    // The same photo with another month's report: linked again, stored once.
    let july = shishi_core::Period::parse("2020-07").unwrap();
    let second = store
        .file_report_with_attachments(
            Actor::System,
            target,
            july,
            figures(4.0),
            date!(2020 - 07 - 20),
            vec![photo("七月.jpg", &a)],
        )
        .await
        .unwrap();
    assert_eq!(count(store.backend(), "attachments").await, 2);
    assert_eq!(
        store.reports_with_attachment(&jpeg.hash).await.unwrap(),
        vec![report.id(), second.id()]
    );
    assert_eq!(
        store.reports_with_attachment(&pdf.hash).await.unwrap(),
        vec![report.id()]
    );
    assert!(store
        .reports_with_attachment("00")
        .await
        .unwrap()
        .is_empty());

    // A correction brings a file with its own revision.
    store
        .approve_report(Actor::System, report.id())
        .await
        .unwrap();
    let c = binary(3);
    let revised = store
        .file_report_with_attachments(
            Actor::System,
            target,
            june(),
            figures(5.0),
            date!(2020 - 06 - 25),
            vec![photo("补充.jpg", &c), photo("工地.jpg", &a)],
        )
        .await
        .unwrap();
    assert_eq!(revised.current().number, 2);
    let files = store.attachments_for_report(report.id()).await.unwrap();
    let revisions: Vec<(&str, u32)> = files
        .iter()
        .map(|f| (f.name.as_str(), f.revision))
        .collect();
    // The photo already there keeps its first link.
    assert_eq!(revisions.len(), 3, "{revisions:?}");
    assert!(revisions.contains(&("工地.jpg", 1)));
    assert!(revisions.contains(&("补充.jpg", 2)));

    let all = store
        .attachments_for_reports(&[second.id(), report.id(), report.id()])
        .await
        .unwrap();
    assert_eq!(all.len(), 4);
    assert!(all[..3].iter().all(|f| f.report == report.id()));
    assert_eq!(all[3].report, second.id());
    assert!(store.attachments_for_reports(&[]).await.unwrap().is_empty());
    assert!(store
        .attachments_for_report(shishi_core::ReportId::new(9999))
        .await
        .unwrap()
        .is_empty());

    let attach_events = store
        .audit_events(0, 10_000)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "attach")
        .count();
    assert_eq!(attach_events, 3);
    store.verify_audit().await.unwrap();
    db.finish().await;
}

async fn a_refused_report_or_a_bad_file_stores_no_file(kind: Kind) {
    let Some((db, plan)) = with_notice(kind).await else {
        return;
    };
    let store = &db.store;
    let (target, _) = quantity_and_milestone(store, plan).await;
    let before = row_counts(store).await;
    let mut percent = figures(0.0);
    percent.actual = Actual::Percent(Percent::new(50.0).unwrap());
    assert!(matches!(
        store
            .file_report_with_attachments(
                Actor::System,
                target,
                june(),
                percent,
                date!(2020 - 06 - 20),
                vec![photo("a.jpg", &binary(1))],
            )
            .await,
        Err(StoreError::Domain(
            shishi_core::Error::ActualDoesNotFitTarget
        ))
    ));
    assert_eq!(row_counts(store).await, before);
    for bad in [
        photo("empty.jpg", &[]),
        photo("  ", &binary(1)),
        NewAttachment {
            content_type: String::new(),
            ..photo("x.jpg", &binary(1))
        },
    ] {
        let refused = store
            .file_report_with_attachments(
                Actor::System,
                target,
                june(),
                figures(1.0),
                date!(2020 - 06 - 20),
                vec![photo("good.jpg", &binary(2)), bad],
            )
            .await;
        assert!(
            matches!(refused, Err(StoreError::Invalid(_))),
            "{refused:?}"
        );
    }
    assert_eq!(row_counts(store).await, before);
    db.finish().await;
}

fn quantity(value: f64, unit: &str, op: Op) -> Measure {
    Measure::Quantity(
        Quantity::new(TargetValue::new(value).unwrap(), unit.into(), op, None).unwrap(),
    )
}

fn checkpoints(points: &[(time::Date, f64)]) -> Curve {
    Curve::Checkpoints(
        Checkpoints::new(
            points
                .iter()
                .map(|&(date, share)| Checkpoint {
                    date,
                    share: Share::new(share).unwrap(),
                })
                .collect(),
        )
        .unwrap(),
    )
}

async fn a_target_edit_is_checked_by_the_domain_and_logged_with_its_reason(kind: Kind) {
    let Some((db, plan)) = with_notice(kind).await else {
        return;
    };
    let store = &db.store;
    let (target_id, milestone) = quantity_and_milestone(store, plan).await;
    let admin = add_user(store, "admin", Role::Admin, None).await;
    let original = store.target(target_id).await.unwrap();
    let item = original.item;
    assert!(store
        .target_changes_for_item(item)
        .await
        .unwrap()
        .is_empty());

    let curve = checkpoints(&[
        (date!(2020 - 03 - 31), 0.2),
        (date!(2020 - 06 - 30), 0.5),
        (date!(2020 - 10 - 31), 1.0),
    ]);
    let edit = TargetEdit {
        text: "  新建中小学8所  ".into(),
        measure: quantity(8.0, "所", Op::Eq),
        deadline: date!(2020 - 10 - 31),
        curve: curve.clone(),
    };
    let reason = Reason::parse("区政府常务会议调整").unwrap();
    let events = store.verify_audit().await.unwrap() as i64;
    let updated = store
        .update_target(Actor::User(admin.id), target_id, edit.clone(), reason)
        .await
        .unwrap();
    assert_eq!(updated.id, target_id);
    assert_eq!(updated.text, "新建中小学8所");
    assert_eq!(updated.measure, edit.measure);
    assert_eq!(updated.schedule.deadline(), date!(2020 - 10 - 31));
    assert_eq!(updated.schedule.curve(), &curve);
    assert_eq!(store.target(target_id).await.unwrap(), updated);

    let log = store.target_changes_for_item(item).await.unwrap();
    assert_eq!(log.len(), 1);
    let change = &log[0];
    assert_eq!(change.target, target_id);
    assert_eq!(change.reason, "区政府常务会议调整");
    assert_eq!(change.actor, format!("user:{}", admin.id));
    assert_eq!(change.before, TargetSnapshot::of(&original));
    assert_eq!(change.before.deadline, date!(2020 - 12 - 31));
    assert_eq!(
        change.after,
        TargetSnapshot {
            text: "新建中小学8所".into(),
            measure: edit.measure.clone(),
            deadline: date!(2020 - 10 - 31),
            curve: curve.clone(),
        }
    );
    assert_eq!(actions_since(store, events).await, ["update"]);

    // The same values again: nothing to log.
    store
        .update_target(
            Actor::User(admin.id),
            target_id,
            edit.clone(),
            Reason::parse("再次保存").unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(store.target_changes_for_item(item).await.unwrap().len(), 1);

    // Refused edits change nothing.
    let before = row_counts(store).await;
    let refused = [
        TargetEdit {
            deadline: date!(2019 - 12 - 31),
            curve: Curve::Linear,
            ..edit.clone()
        },
        TargetEdit {
            // The curve would finish after the deadline.
            deadline: date!(2020 - 09 - 30),
            ..edit.clone()
        },
    ];
    for bad in refused {
        let result = store
            .update_target(
                Actor::User(admin.id),
                target_id,
                bad,
                Reason::parse("试").unwrap(),
            )
            .await;
        assert!(
            matches!(
                result,
                Err(StoreError::Domain(shishi_core::Error::InvalidSchedule(_)))
            ),
            "{result:?}"
        );
    }
    assert!(matches!(
        store
            .update_target(
                Actor::User(admin.id),
                target_id,
                TargetEdit {
                    text: "   ".into(),
                    ..edit.clone()
                },
                Reason::parse("试").unwrap(),
            )
            .await,
        Err(StoreError::Invalid(_))
    ));
    assert!(matches!(
        store
            .update_target(
                Actor::User(admin.id),
                shishi_core::TargetId::new(99_999),
                edit.clone(),
                Reason::parse("试").unwrap(),
            )
            .await,
        Err(StoreError::NotFound(_))
    ));
    // A target with reports keeps its kind: the reports' figures would no longer fit.
    store
        .file_report(
            Actor::System,
            target_id,
            june(),
            figures(2.0),
            date!(2020 - 06 - 20),
        )
        .await
        .unwrap();
    let reported = row_counts(store).await;
    assert!(matches!(
        store
            .update_target(
                Actor::User(admin.id),
                target_id,
                TargetEdit {
                    measure: Measure::Milestone,
                    ..edit.clone()
                },
                Reason::parse("改为节点目标").unwrap(),
            )
            .await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(row_counts(store).await, reported);
    assert_eq!(
        reported
            .iter()
            .map(|(t, n)| (*t, *n - before.iter().find(|(b, _)| b == t).unwrap().1))
            .filter(|(_, n)| *n != 0)
            .map(|(t, _)| t)
            .collect::<Vec<_>>(),
        ["reports", "report_revisions", "audit_events"],
        "only the report was written since the refused edits"
    );
    assert_eq!(store.target(target_id).await.unwrap(), updated);

    // A milestone without reports may become a number.
    let milestone_item = store.target(milestone).await.unwrap().item;
    let became = store
        .update_target(
            Actor::System,
            milestone,
            TargetEdit {
                text: "改造老旧小区10个".into(),
                measure: quantity(10.0, "个", Op::Ge),
                deadline: date!(2020 - 12 - 31),
                curve: Curve::Linear,
            },
            Reason::parse("细化为数量目标").unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(became.measure, quantity(10.0, "个", Op::Ge));
    let log = store.target_changes_for_item(milestone_item).await.unwrap();
    let last = log.last().unwrap();
    assert_eq!(last.before.measure, Measure::Milestone);
    assert_eq!(last.actor, "system");
    store.verify_audit().await.unwrap();
    db.finish().await;
}

async fn a_revised_notice_logs_its_target_changes(kind: Kind) {
    let Some((db, plan)) = with_notice(kind).await else {
        return;
    };
    let store = &db.store;
    let detail = store.plan(plan).await.unwrap();
    let first = &detail.items[0];
    let target = &first.targets[0];
    // A schedule set by hand first: the notice's revision must leave it be.
    let curve = checkpoints(&[(date!(2020 - 06 - 30), 0.5), (date!(2020 - 11 - 30), 1.0)]);
    let scheduled = store
        .update_target(
            Actor::System,
            target.id,
            TargetEdit {
                text: target.text.clone(),
                measure: target.measure.clone(),
                deadline: date!(2020 - 11 - 30),
                curve: curve.clone(),
            },
            Reason::parse("排定节点").unwrap(),
        )
        .await
        .unwrap();

    let mut revised = notice();
    revised.items[0].targets[0].value = 7.0;
    store
        .apply_plan_revision(Actor::System, plan, revised)
        .await
        .unwrap();
    let log = store.target_changes_for_item(first.item.id).await.unwrap();
    assert_eq!(log.len(), 2, "{log:?}");
    assert_eq!(log[0].reason, "排定节点");
    let change = &log[1];
    assert_eq!(change.reason, "通知修订");
    assert_eq!(change.target, target.id);
    assert_eq!(change.before, TargetSnapshot::of(&scheduled));
    let Measure::Quantity(after) = &change.after.measure else {
        panic!("still a quantity: {change:?}");
    };
    assert_eq!(after.value().get(), 7.0);
    assert_eq!(change.after.deadline, date!(2020 - 11 - 30));
    assert_eq!(change.after.curve, curve);
    assert_eq!(
        TargetSnapshot::of(&store.target(target.id).await.unwrap()),
        change.after
    );
    db.finish().await;
}

async fn an_item_edit_changes_title_category_and_units_or_nothing(kind: Kind) {
    let Some((db, plan)) = with_notice(kind).await else {
        return;
    };
    let store = &db.store;
    let detail = store.plan(plan).await.unwrap();
    let item = detail.items[2].item.clone();
    assert_eq!(store.item_plan(item.id).await.unwrap(), plan);
    assert!(matches!(
        store.item_plan(ItemId::new(99_999)).await,
        Err(StoreError::NotFound(_))
    ));
    let units = store.units().await.unwrap();
    let (a, b, c) = (units[0].id, units[1].id, units[2].id);

    let events = store.verify_audit().await.unwrap() as i64;
    let edited = store
        .update_item(
            Actor::System,
            item.id,
            ItemEdit {
                title: " 新的标题 ".into(),
                category: Some("  ".into()),
                lead_units: vec![b, a, b],
                support_units: vec![c],
            },
        )
        .await
        .unwrap();
    assert_eq!(edited.title, "新的标题");
    assert_eq!(edited.category, None);
    assert_eq!(edited.lead_units, vec![b, a]);
    assert_eq!(edited.support_units, vec![c]);
    assert_eq!(
        (edited.id, edited.plan, edited.seq),
        (item.id, plan, item.seq)
    );
    let stored = store.plan(plan).await.unwrap();
    assert_eq!(stored.items[2].item, edited);
    assert_eq!(stored.items[2].targets, detail.items[2].targets);
    let events_after = store.audit_events(events, 10).await.unwrap();
    assert_eq!(events_after.len(), 1);
    assert_eq!(events_after[0].action, "update");
    assert_eq!(events_after[0].entity, "item");
    assert!(events_after[0]
        .before
        .as_deref()
        .unwrap()
        .contains(&item.title));
    assert!(events_after[0]
        .after
        .as_deref()
        .unwrap()
        .contains("新的标题"));

    let before = row_counts(store).await;
    let good = ItemEdit {
        title: "标题".into(),
        category: Some("教育".into()),
        lead_units: vec![a],
        support_units: vec![],
    };
    let bad = [
        (
            ItemEdit {
                title: "  ".into(),
                ..good.clone()
            },
            "invalid",
        ),
        (
            ItemEdit {
                support_units: vec![a],
                ..good.clone()
            },
            "invalid",
        ),
        (
            ItemEdit {
                lead_units: vec![a, UnitId::new(99_999)],
                ..good.clone()
            },
            "not found",
        ),
    ];
    for (edit, why) in bad {
        let result = store.update_item(Actor::System, item.id, edit).await;
        match why {
            "invalid" => assert!(matches!(result, Err(StoreError::Invalid(_))), "{result:?}"),
            _ => assert!(matches!(result, Err(StoreError::NotFound(_))), "{result:?}"),
        }
    }
    assert!(matches!(
        store
            .update_item(Actor::System, ItemId::new(99_999), good)
            .await,
        Err(StoreError::NotFound(_))
    ));
    assert_eq!(row_counts(store).await, before);
    assert_eq!(store.plan(plan).await.unwrap().items[2].item, edited);
    db.finish().await;
}

async fn merging_units_moves_items_and_users_and_keeps_the_names(kind: Kind) {
    let Some((db, plan)) = with_notice(kind).await else {
        return;
    };
    let store = &db.store;
    let keep = store
        .add_unit(Actor::System, "区教育体育局", vec!["教体局".into()])
        .await
        .unwrap();
    let merged = store
        .add_unit(
            Actor::System,
            "区教育和体育局",
            vec!["教育和体育局".into(), "教体局".into()],
        )
        .await
        .unwrap();
    let other = store.units().await.unwrap()[0].id;
    let (k, m) = (keep.id, merged.id);
    let detail = store.plan(plan).await.unwrap();
    let ids: Vec<ItemId> = detail.items.iter().take(4).map(|i| i.item.id).collect();
    // Both lead; only the merged one leads; the kept one leads and the merged one supports;
    // the merged one leads and the kept one supports.
    let layouts = [
        (vec![m, other, k], vec![]),
        (vec![m], vec![other]),
        (vec![k], vec![m]),
        (vec![m], vec![k]),
    ];
    for (id, (lead, support)) in ids.iter().zip(layouts) {
        let item = &detail.items.iter().find(|i| i.item.id == *id).unwrap().item;
        store
            .update_item(
                Actor::System,
                *id,
                ItemEdit {
                    title: item.title.clone(),
                    category: item.category.clone(),
                    lead_units: lead,
                    support_units: support,
                },
            )
            .await
            .unwrap();
    }
    let reporter = add_user(store, "r_merged", Role::Reporter, Some(m)).await;
    let bystander = add_user(store, "r_other", Role::Reporter, Some(other)).await;

    assert!(matches!(
        store.merge_units(Actor::System, k, k).await,
        Err(StoreError::Invalid(_))
    ));
    assert!(matches!(
        store
            .merge_units(Actor::System, k, UnitId::new(99_999))
            .await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        store
            .merge_units(Actor::System, UnitId::new(99_999), m)
            .await,
        Err(StoreError::NotFound(_))
    ));

    let kept = store.merge_units(Actor::System, k, m).await.unwrap();
    assert_eq!(kept.id, k);
    assert_eq!(kept.name, "区教育体育局");
    assert_eq!(kept.aliases, ["教体局", "区教育和体育局", "教育和体育局"]);
    let units = store.units().await.unwrap();
    assert!(units.iter().all(|u| u.id != m));
    assert_eq!(units.iter().find(|u| u.id == k), Some(&kept));

    let after = store.plan(plan).await.unwrap();
    let item = |n: usize| {
        &after
            .items
            .iter()
            .find(|i| i.item.id == ids[n])
            .unwrap()
            .item
    };
    assert_eq!(item(0).lead_units, vec![other, k]);
    assert!(item(0).support_units.is_empty());
    assert_eq!(item(1).lead_units, vec![k]);
    assert_eq!(item(1).support_units, vec![other]);
    assert_eq!(item(2).lead_units, vec![k]);
    assert!(item(2).support_units.is_empty());
    assert_eq!(item(3).lead_units, vec![k]);
    assert!(item(3).support_units.is_empty());
    assert_eq!(
        scalar(
            store.backend(),
            &format!("select count(*) from item_units where unit = {m}")
        )
        .await,
        0
    );
    assert_eq!(store.user(reporter.id).await.unwrap().unit, Some(k));
    assert_eq!(store.user(bystander.id).await.unwrap().unit, Some(other));
    let last = store.audit_events(0, 10_000).await.unwrap().pop().unwrap();
    assert_eq!(
        (last.action.as_str(), last.entity.as_str()),
        ("merge", "unit")
    );
    assert!(last.before.unwrap().contains("区教育和体育局"));
    store.verify_audit().await.unwrap();
    db.finish().await;
}

async fn users_are_listed_edited_unlocked_and_a_new_password_ends_their_sessions(kind: Kind) {
    let Some(db) = TestDb::new(kind).await else {
        return;
    };
    let store = &db.store;
    let unit = store
        .add_unit(Actor::System, "区民政局", vec![])
        .await
        .unwrap();
    let admin = add_user(store, "admin", Role::Admin, None).await;
    let wang = add_user(store, "wangwu", Role::Reporter, Some(unit.id)).await;
    let accounts = store.users().await.unwrap();
    assert_eq!(
        accounts.iter().map(|a| a.user.clone()).collect::<Vec<_>>(),
        vec![admin.clone(), wang.clone()]
    );

    let by = Actor::User(admin.id);
    let edited = store
        .update_user(
            by,
            wang.id,
            UserEdit {
                name: " 王五 ".into(),
                role: Role::UnitHead,
                unit: Some(unit.id),
            },
        )
        .await
        .unwrap();
    assert_eq!(edited.name, "王五");
    assert_eq!(edited.role, Role::UnitHead);
    assert_eq!(edited.login, wang.login);
    assert_eq!(store.user(wang.id).await.unwrap(), edited);
    let before = row_counts(store).await;
    for (edit, expect_not_found) in [
        (
            UserEdit {
                name: " ".into(),
                role: Role::Reporter,
                unit: None,
            },
            false,
        ),
        (
            UserEdit {
                name: "王五".into(),
                role: Role::Reporter,
                unit: Some(UnitId::new(99_999)),
            },
            true,
        ),
    ] {
        let result = store.update_user(by, wang.id, edit).await;
        if expect_not_found {
            assert!(matches!(result, Err(StoreError::NotFound(_))), "{result:?}");
        } else {
            assert!(matches!(result, Err(StoreError::Invalid(_))), "{result:?}");
        }
    }
    assert!(matches!(
        store
            .update_user(
                by,
                shishi_core::UserId::new(99_999),
                UserEdit {
                    name: "某".into(),
                    role: Role::Reporter,
                    unit: None,
                },
            )
            .await,
        Err(StoreError::NotFound(_))
    ));
    assert_eq!(row_counts(store).await, before);
    assert_eq!(store.user(wang.id).await.unwrap(), edited);

    // Locked by failed sign-ins, then unlocked by the admin.
    let until = datetime!(2020-09-28 10:15 UTC);
    store.record_failed_login(wang.id, None).await.unwrap();
    store
        .record_failed_login(wang.id, Some(until))
        .await
        .unwrap();
    let login = Login::parse("wangwu").unwrap();
    let locked = store.account_by_login(&login).await.unwrap().unwrap();
    assert_eq!(locked.failed_logins, 2);
    assert_eq!(locked.locked_until, Some(until));
    store.unlock_user(by, wang.id).await.unwrap();
    let unlocked = store.account_by_login(&login).await.unwrap().unwrap();
    assert_eq!(unlocked.failed_logins, 0);
    assert_eq!(unlocked.locked_until, None);

    // A new password ends every session of that user, and only theirs.
    let now = datetime!(2020-09-28 10:00 UTC);
    let phone = store
        .create_session(wang.id, now, Duration::hours(8))
        .await
        .unwrap();
    let laptop = store
        .create_session(wang.id, now, Duration::hours(8))
        .await
        .unwrap();
    let admins = store
        .create_session(admin.id, now, Duration::hours(8))
        .await
        .unwrap();
    let events = store.verify_audit().await.unwrap() as i64;
    let new_hash = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$bmV3".to_owned();
    store
        .set_password(by, wang.id, new_hash.clone())
        .await
        .unwrap();
    assert_eq!(
        store
            .account_by_login(&login)
            .await
            .unwrap()
            .unwrap()
            .password_hash,
        new_hash
    );
    assert_eq!(store.session(&phone.secret, now).await.unwrap(), None);
    assert_eq!(store.session(&laptop.secret, now).await.unwrap(), None);
    assert!(store.session(&admins.secret, now).await.unwrap().is_some());
    let events = store.audit_events(events, 10).await.unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].action, "set_password");
    assert!(!events[0].after.as_deref().unwrap().contains("argon2"));
    assert!(matches!(
        store.set_password(by, wang.id, "  ".into()).await,
        Err(StoreError::Invalid(_))
    ));
    assert!(matches!(
        store
            .set_password(by, shishi_core::UserId::new(99_999), new_hash)
            .await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        store
            .unlock_user(by, shishi_core::UserId::new(99_999))
            .await,
        Err(StoreError::NotFound(_))
    ));
    store.verify_audit().await.unwrap();
    db.finish().await;
}

async fn a_plan_snapshot_is_shared_until_a_write_and_then_shows_it(kind: Kind) {
    let Some((db, plan)) = with_notice(kind).await else {
        return;
    };
    let store = &db.store;
    let first = store.plan_snapshot(plan).await.unwrap();
    assert_eq!(first.detail.items.len(), 50);
    assert!(first.reports.is_empty());
    let again = store.plan_snapshot(plan).await.unwrap();
    assert!(
        std::sync::Arc::ptr_eq(&first, &again),
        "nothing was written: the same snapshot is shared"
    );

    // A write that changes nothing of the plan (someone signing in) keeps it shared.
    let user = add_user(store, "zhangsan", Role::Admin, None).await;
    let before_sign_in = store.plan_snapshot(plan).await.unwrap();
    store
        .create_session(user.id, datetime!(2020-09-28 10:00 +8), Duration::hours(1))
        .await
        .unwrap();
    let after_sign_in = store.plan_snapshot(plan).await.unwrap();
    assert!(
        std::sync::Arc::ptr_eq(&before_sign_in, &after_sign_in),
        "a session is not part of the plan: no reload"
    );

    // Whoever has been answered for a write reads it at once.
    let (target, _) = quantity_and_milestone(store, plan).await;
    store
        .file_report(
            Actor::System,
            target,
            june(),
            figures(3.0),
            date!(2020 - 06 - 20),
        )
        .await
        .unwrap();
    let after = store.plan_snapshot(plan).await.unwrap();
    assert!(!std::sync::Arc::ptr_eq(&first, &after));
    assert_eq!(after.reports.len(), 1);
    assert_eq!(after.reports[0].target(), target);

    // A refused write commits nothing new to show, and an unknown plan is not found.
    let mut percent_for_a_quantity = figures(1.0);
    percent_for_a_quantity.actual = Actual::Percent(Percent::new(50.0).unwrap());
    let refused = store
        .file_report(
            Actor::System,
            target,
            june(),
            percent_for_a_quantity,
            date!(2020 - 06 - 21),
        )
        .await;
    assert!(refused.is_err());
    let still = store.plan_snapshot(plan).await.unwrap();
    assert_eq!(still.reports.len(), 1);
    assert!(matches!(
        store.plan_snapshot(shishi_core::PlanId::new(9_999)).await,
        Err(StoreError::NotFound(_))
    ));
    db.finish().await;
}
