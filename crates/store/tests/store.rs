//! The store's test suite, run on SQLite always and on PostgreSQL when
//! `SHISHI_TEST_POSTGRES_URL` is set; every test gets a fresh database.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use shishi_core::{
    unit_key, Actual, Login, Measure, Percent, Period, Reason, ReportState, Role, TargetId,
};
use shishi_store::{
    Actor, Backend, ImportOutcome, ItemField, NewUser, Store, StoreError, TargetChange,
};
use time::macros::date;

mod common;

use common::*;

on_both_backends!(
    migrations_apply_and_a_second_open_finds_them_applied,
    the_haizhou_notice_stores_50_items_and_each_unit_once_whatever_the_spelling,
    importing_the_same_notice_again_returns_the_same_plan_and_changes_nothing,
    a_revised_notice_yields_a_diff_that_is_applied_only_when_asked,
    a_user_and_an_api_token_round_trip_and_only_the_tokens_hash_is_stored,
    a_submitted_report_is_approved_with_its_revisions_and_audit_events,
    returning_a_report_needs_a_reason_and_a_refused_move_writes_nothing,
    the_audit_chain_verifies_and_a_tampered_event_is_named,
    two_hundred_concurrent_submissions_all_succeed_and_are_all_stored,
    one_bad_write_in_a_shared_commit_fails_alone,
    a_sqlite_backup_opens_as_a_store_and_verifies,
);

async fn migrations_apply_and_a_second_open_finds_them_applied(kind: Kind) {
    let Some(db) = TestDb::new(kind).await else {
        return;
    };
    for (table, rows) in row_counts(&db.store).await {
        assert_eq!(rows, 0, "{table} should start empty");
    }
    assert_eq!(db.store.verify_audit().await.unwrap(), 0);
    let again = Store::open(&db.url).await.unwrap();
    assert!(again.units().await.unwrap().is_empty());
    again.close().await;
    db.finish().await;
}

async fn the_haizhou_notice_stores_50_items_and_each_unit_once_whatever_the_spelling(kind: Kind) {
    let Some(db) = TestDb::new(kind).await else {
        return;
    };
    let store = &db.store;
    // The registry already knows the bureau under its full name.
    let bureau = store
        .add_unit(Actor::System, "海州区教育局", vec![])
        .await
        .unwrap();
    let outcome = store.import_plan(Actor::System, notice()).await.unwrap();
    let ImportOutcome::Created(plan) = outcome else {
        panic!("a first import creates the plan, got {outcome:?}");
    };
    let detail = store.plan(plan).await.unwrap();
    assert_eq!(detail.items.len(), 50);
    assert_eq!(detail.plan.year().get(), 2020);
    assert_eq!(detail.plan.doc_number(), Some("海政发〔2020〕15号"));
    assert_eq!(detail.meta.place.as_deref(), Some("海州区"));
    assert!(detail.items.iter().all(|i| !i.targets.is_empty()));

    let units = store.units().await.unwrap();
    let education: Vec<_> = units
        .iter()
        .filter(|u| unit_key(&u.name, Some("海州区")) == "教育局")
        .collect();
    assert_eq!(education.len(), 1, "one education bureau: {education:?}");
    assert_eq!(education[0].id, bureau.id);
    let item = |seq: u32| {
        &detail
            .items
            .iter()
            .find(|i| i.item.seq == seq)
            .unwrap()
            .item
    };
    // 区教育局 (item 1) and 教育局 (item 7, after 区人社局) are the same unit.
    assert_eq!(item(1).lead_units, vec![bureau.id]);
    assert!(item(7).lead_units.contains(&bureau.id));
    let keys: Vec<String> = units
        .iter()
        .map(|u| unit_key(&u.name, Some("海州区")))
        .collect();
    let mut unique = keys.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(keys.len(), unique.len(), "no unit twice: {keys:?}");
    assert!(detail.units.iter().any(|u| u.id == bureau.id));
    assert_eq!(count(store.backend(), "items").await, 50);
    db.finish().await;
}

async fn importing_the_same_notice_again_returns_the_same_plan_and_changes_nothing(kind: Kind) {
    let Some(db) = TestDb::new(kind).await else {
        return;
    };
    let store = &db.store;
    let first = store.import_plan(Actor::System, notice()).await.unwrap();
    let before = row_counts(store).await;
    let again = store.import_plan(Actor::System, notice()).await.unwrap();
    assert_eq!(again, ImportOutcome::Unchanged(first.plan_id()));
    assert_eq!(row_counts(store).await, before);
    assert_eq!(store.plans().await.unwrap().len(), 1);
    db.finish().await;
}

async fn a_revised_notice_yields_a_diff_that_is_applied_only_when_asked(kind: Kind) {
    let Some((db, plan)) = with_notice(kind).await else {
        return;
    };
    let store = &db.store;
    let original = store.plan(plan).await.unwrap();
    let first_target = original.items[0].targets[0].id;

    let mut revised = notice();
    revised.items[0].targets[0].value = 7.0;
    revised.items[1].title = "均衡城乡义务教育".into();
    revised.items.retain(|i| i.seq != 50);
    let mut extra = revised.items[0].clone();
    extra.seq = 51;
    extra.title = "新增一件实事".into();
    revised.items.push(extra);

    let before = row_counts(store).await;
    let outcome = store
        .import_plan(Actor::System, revised.clone())
        .await
        .unwrap();
    let ImportOutcome::Revised { plan: same, diff } = outcome else {
        panic!("a revised notice gives a diff, got {outcome:?}");
    };
    assert_eq!(same, plan);
    assert_eq!(diff.items_added, vec![51]);
    assert_eq!(diff.items_removed, vec![50]);
    assert_eq!(diff.items_changed.len(), 2);
    let first = diff.items_changed.iter().find(|c| c.seq == 1).unwrap();
    assert!(first.fields.is_empty());
    assert!(matches!(
        first.targets.as_slice(),
        [TargetChange::Changed { position: 0, .. }]
    ));
    let second = diff.items_changed.iter().find(|c| c.seq == 2).unwrap();
    assert_eq!(second.fields, vec![ItemField::Title]);
    // Not asked to apply: nothing changed.
    assert_eq!(row_counts(store).await, before);
    assert_eq!(store.plan(plan).await.unwrap(), original);

    let applied = store
        .apply_plan_revision(Actor::System, plan, revised.clone())
        .await
        .unwrap();
    assert_eq!(applied, diff);
    let after = store.plan(plan).await.unwrap();
    assert_eq!(after.items.len(), 50);
    assert!(after.items.iter().any(|i| i.item.seq == 51));
    assert!(!after.items.iter().any(|i| i.item.seq == 50));
    assert_eq!(after.items[1].item.title, "均衡城乡义务教育");
    let target = &after.items[0].targets[0];
    assert_eq!(target.id, first_target, "a changed target keeps its id");
    let Measure::Quantity(q) = &target.measure else {
        panic!("still a quantity");
    };
    assert_eq!(q.value().get(), 7.0);
    // The revised notice is now the stored one.
    assert_eq!(
        store.import_plan(Actor::System, revised).await.unwrap(),
        ImportOutcome::Unchanged(plan)
    );
    store.verify_audit().await.unwrap();
    db.finish().await;
}

async fn a_user_and_an_api_token_round_trip_and_only_the_tokens_hash_is_stored(kind: Kind) {
    let Some(db) = TestDb::new(kind).await else {
        return;
    };
    let store = &db.store;
    let unit = store
        .add_unit(Actor::System, "区教育局", vec!["教育局".into()])
        .await
        .unwrap();
    let new = NewUser {
        login: Login::parse("ZhangSan").unwrap(),
        name: "张三".into(),
        role: Role::Reporter,
        unit: Some(unit.id),
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
    };
    let user = store.add_user(Actor::System, new.clone()).await.unwrap();
    assert_eq!(user.login.as_str(), "zhangsan");

    let account = store
        .account_by_login(&Login::parse("zhangsan").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(account.user, user);
    assert_eq!(account.password_hash, new.password_hash);
    assert_eq!(account.failed_logins, 0);
    assert!(store
        .account_by_login(&Login::parse("lisi").unwrap())
        .await
        .unwrap()
        .is_none());
    assert!(matches!(
        store.add_user(Actor::System, new.clone()).await,
        Err(StoreError::Conflict(_))
    ));
    let mut orphan = new.clone();
    orphan.login = Login::parse("wangwu").unwrap();
    orphan.unit = Some(shishi_core::UnitId::new(9999));
    assert!(matches!(
        store.add_user(Actor::System, orphan).await,
        Err(StoreError::NotFound(_))
    ));

    assert_eq!(store.record_failed_login(user.id, None).await.unwrap(), 1);
    store.record_successful_login(user.id).await.unwrap();
    assert_eq!(store.user(user.id).await.unwrap(), user);

    let token = store
        .create_api_token(Actor::User(user.id), user.id)
        .await
        .unwrap();
    assert!(!format!("{token:?}").contains(&token.secret));
    assert_eq!(
        store.user_by_token(&token.secret).await.unwrap(),
        Some(user.clone())
    );
    assert_eq!(store.user_by_token("shishi_00").await.unwrap(), None);
    assert_eq!(store.user_by_token("").await.unwrap(), None);
    let stored_secret = format!(
        "select count(*) from api_tokens where token_hash = '{}'",
        token.secret
    );
    let leaked: i64 = match store.backend() {
        Backend::Sqlite(pool) => sqlx::query_scalar(&stored_secret)
            .fetch_one(pool)
            .await
            .unwrap(),
        Backend::Postgres(pool) => sqlx::query_scalar(&stored_secret)
            .fetch_one(pool)
            .await
            .unwrap(),
    };
    assert_eq!(leaked, 0);
    db.finish().await;
}

async fn a_submitted_report_is_approved_with_its_revisions_and_audit_events(kind: Kind) {
    let Some((db, plan)) = with_notice(kind).await else {
        return;
    };
    let store = &db.store;
    let (target, milestone) = quantity_and_milestone(store, plan).await;
    let events_before = count(store.backend(), "audit_events").await;

    let report = store
        .file_report(
            Actor::System,
            target,
            june(),
            figures(3.0),
            date!(2020 - 06 - 20),
        )
        .await
        .unwrap();
    assert_eq!(report.state(), &ReportState::Submitted);
    assert_eq!(report.current().submitted_on, Some(date!(2020 - 06 - 20)));
    let approved = store
        .approve_report(Actor::System, report.id())
        .await
        .unwrap();
    assert_eq!(approved.state(), &ReportState::Approved);
    assert_eq!(store.report(report.id()).await.unwrap(), approved);

    // A correction is a new revision; the approved one stays.
    store
        .revise_report(Actor::System, report.id(), figures(4.0))
        .await
        .unwrap();
    let resubmitted = store
        .submit_report(Actor::System, report.id(), date!(2020 - 06 - 28))
        .await
        .unwrap();
    assert_eq!(resubmitted.revisions().count(), 2);
    assert_eq!(resubmitted.approved().unwrap().number, 1);

    let listed = store.reports_for_target(target).await.unwrap();
    assert_eq!(listed, vec![resubmitted.clone()]);
    assert_eq!(
        store.report_for(target, june()).await.unwrap(),
        Some(resubmitted)
    );
    assert_eq!(count(store.backend(), "report_revisions").await, 2);
    assert_eq!(
        count(store.backend(), "audit_events").await,
        events_before + 4,
        "submit, approve, revise, submit: one event each"
    );
    let events = store.audit_events(events_before, 10).await.unwrap();
    let actions: Vec<&str> = events.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["submit", "approve", "revise", "submit"]);
    assert!(events[1].before.as_deref().unwrap().contains("submitted"));
    assert!(events[1].after.as_deref().unwrap().contains("approved"));

    // A milestone takes a percent, through a draft first.
    let mut percent = figures(0.0);
    percent.actual = Actual::Percent(Percent::new(40.0).unwrap());
    let draft = store
        .create_report(Actor::System, milestone, june(), percent)
        .await
        .unwrap();
    assert_eq!(draft.state(), &ReportState::Draft);
    assert!(matches!(
        store
            .create_report(Actor::System, milestone, june(), figures(1.0))
            .await,
        Err(StoreError::Domain(_) | StoreError::Conflict(_))
    ));
    store.verify_audit().await.unwrap();
    db.finish().await;
}

async fn returning_a_report_needs_a_reason_and_a_refused_move_writes_nothing(kind: Kind) {
    let Some((db, plan)) = with_notice(kind).await else {
        return;
    };
    let store = &db.store;
    let (target, _) = quantity_and_milestone(store, plan).await;
    let draft = store
        .create_report(Actor::System, target, june(), figures(2.0))
        .await
        .unwrap();
    let before = row_counts(store).await;
    assert!(matches!(
        store.approve_report(Actor::System, draft.id()).await,
        Err(StoreError::Domain(
            shishi_core::Error::IllegalTransition { .. }
        ))
    ));
    assert_eq!(row_counts(store).await, before);

    assert_eq!(Reason::parse("  "), Err(shishi_core::Error::EmptyReason));
    store
        .submit_report(Actor::System, draft.id(), date!(2020 - 06 - 21))
        .await
        .unwrap();
    let returned = store
        .return_report(
            Actor::System,
            draft.id(),
            Reason::parse("请补充照片").unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(
        returned.state(),
        &ReportState::Returned {
            reason: Reason::parse("请补充照片").unwrap()
        }
    );
    assert_eq!(store.report(draft.id()).await.unwrap(), returned);
    assert!(matches!(
        store.report(shishi_core::ReportId::new(9999)).await,
        Err(StoreError::NotFound(_))
    ));
    db.finish().await;
}

async fn the_audit_chain_verifies_and_a_tampered_event_is_named(kind: Kind) {
    let Some((db, plan)) = with_notice(kind).await else {
        return;
    };
    let store = &db.store;
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
    let events = store.verify_audit().await.unwrap();
    assert!(
        events > 3,
        "unit creations, the import and the report: {events}"
    );
    assert_eq!(events as i64, count(store.backend(), "audit_events").await);

    let changed = execute(
        store.backend(),
        "update audit_events set after = '{\"forged\":true}' where seq = 3",
    )
    .await;
    assert_eq!(changed, 1);
    assert!(matches!(
        store.verify_audit().await,
        Err(StoreError::AuditBreak { seq: 3 })
    ));
    db.finish().await;
}

async fn two_hundred_concurrent_submissions_all_succeed_and_are_all_stored(kind: Kind) {
    let Some((db, plan)) = with_notice(kind).await else {
        return;
    };
    let store = &db.store;
    let detail = store.plan(plan).await.unwrap();
    let quantities: Vec<TargetId> = detail
        .items
        .iter()
        .flat_map(|i| i.targets.iter())
        .filter(|t| matches!(t.measure, Measure::Quantity(_)))
        .map(|t| t.id)
        .take(20)
        .collect();
    assert_eq!(quantities.len(), 20);
    let before = store.commit_stats();
    let mut tasks = Vec::new();
    for (n, target) in (0..200u32).zip(quantities.iter().cycle().copied()) {
        let store = store.clone();
        // 20 targets × 10 months: 200 distinct reports.
        let month = u8::try_from(n / 20 + 1).unwrap();
        let period = Period::new(2020, month).unwrap();
        tasks.push(tokio::spawn(async move {
            store
                .file_report(
                    Actor::System,
                    target,
                    period,
                    figures(f64::from(n)),
                    date!(2020 - 11 - 20),
                )
                .await
        }));
    }
    for task in tasks {
        let report = task.await.unwrap().unwrap();
        assert_eq!(report.state(), &ReportState::Submitted);
    }
    let stats = store.commit_stats();
    eprintln!("200 submissions: {stats:?} (from {before:?})");
    assert_eq!(stats.writes - before.writes, 200);
    assert!(
        stats.commits - before.commits < 200,
        "submissions waiting together share a commit: {stats:?}"
    );
    assert_eq!(count(store.backend(), "reports").await, 200);
    assert_eq!(count(store.backend(), "report_revisions").await, 200);
    for target in &quantities {
        assert_eq!(store.reports_for_target(*target).await.unwrap().len(), 10);
    }
    store.verify_audit().await.unwrap();
    db.finish().await;
}

async fn one_bad_write_in_a_shared_commit_fails_alone(kind: Kind) {
    let Some((db, plan)) = with_notice(kind).await else {
        return;
    };
    let store = &db.store;
    let (target, _) = quantity_and_milestone(store, plan).await;
    let mut tasks = Vec::new();
    for month in 1..=12u8 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let mut content = figures(f64::from(month));
            if month == 6 {
                // A percent for a quantity target: the domain refuses it.
                content.actual = Actual::Percent(Percent::new(50.0).unwrap());
            }
            let period = Period::new(2020, month).unwrap();
            store
                .file_report(
                    Actor::System,
                    target,
                    period,
                    content,
                    date!(2020 - 12 - 20),
                )
                .await
        }));
    }
    for (month, task) in (1..=12u8).zip(tasks) {
        let result = task.await.unwrap();
        if month == 6 {
            assert!(matches!(
                result,
                Err(StoreError::Domain(
                    shishi_core::Error::ActualDoesNotFitTarget
                ))
            ));
        } else {
            result.unwrap();
        }
    }
    assert_eq!(store.reports_for_target(target).await.unwrap().len(), 11);
    assert_eq!(count(store.backend(), "reports").await, 11);
    store.verify_audit().await.unwrap();
    db.finish().await;
}

async fn a_sqlite_backup_opens_as_a_store_and_verifies(kind: Kind) {
    let Some((db, plan)) = with_notice(kind).await else {
        return;
    };
    let store = &db.store;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("backup.db");
    if !db.is_sqlite() {
        let refused = store.backup(&file).await.unwrap_err();
        assert!(matches!(refused, StoreError::Unsupported(_)));
        assert!(refused.to_string().contains("pg_dump"));
        db.finish().await;
        return;
    }
    let events = store.verify_audit().await.unwrap();
    store.backup(&file).await.unwrap();
    assert!(matches!(
        store.backup(&file).await,
        Err(StoreError::Conflict(_))
    ));

    let copy = Store::open(&format!("sqlite://{}", file.display()))
        .await
        .unwrap();
    assert_eq!(copy.verify_audit().await.unwrap(), events);
    assert_eq!(copy.plan(plan).await.unwrap().items.len(), 50);
    copy.close().await;

    // Restore over a database that has moved on since.
    let (target, _) = quantity_and_milestone(store, plan).await;
    store
        .file_report(
            Actor::System,
            target,
            june(),
            figures(1.0),
            date!(2020 - 06 - 20),
        )
        .await
        .unwrap();
    let live = dir.path().join("live.db");
    store.backup(&live).await.unwrap();
    assert_eq!(Store::restore_sqlite(&file, &live).await.unwrap(), events);
    let restored = Store::open(&format!("sqlite://{}", live.display()))
        .await
        .unwrap();
    assert_eq!(count(restored.backend(), "reports").await, 0);
    assert_eq!(restored.verify_audit().await.unwrap(), events);
    restored.close().await;
    db.finish().await;
}

#[test]
fn a_test_database_url_keeps_the_server_and_options() {
    assert_eq!(
        database_url("postgres://postgres@127.0.0.1:5432/postgres", "x"),
        "postgres://postgres@127.0.0.1:5432/x"
    );
    assert_eq!(
        database_url("postgres://u@h/db?sslmode=disable", "x"),
        "postgres://u@h/x?sslmode=disable"
    );
    assert_eq!(database_url("postgres://u@h", "x"), "postgres://u@h/x");
}
