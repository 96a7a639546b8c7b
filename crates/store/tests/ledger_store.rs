//! A filled-in ledger's rows filed as reports: good rows submitted with their audit events,
//! bad rows named with their reasons and leaving nothing behind, the same rows twice filing
//! nothing twice. Run on SQLite always and on PostgreSQL when `SHISHI_TEST_POSTGRES_URL` is
//! set; every test gets a fresh database.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use shishi_core::{
    Actual, Login, Measure, Percent, Period, PlanId, ReportContent, ReportState, Role, Target,
    TargetId, UnitId, User,
};
use shishi_docs::ledger::LedgerRow;
use shishi_store::{Actor, NewUser, Store};
use time::macros::date;
use time::Date;

mod common;

use common::*;

on_both_backends!(
    good_rows_become_submitted_reports_and_the_same_rows_again_file_nothing,
    bad_rows_are_named_and_the_good_ones_still_filed,
    a_row_the_domain_refuses_leaves_nothing_behind,
);

const TODAY: Date = date!(2020 - 09 - 28);

async fn reporter(store: &Store, login: &str, unit: UnitId) -> User {
    store
        .add_user(
            Actor::System,
            NewUser {
                login: Login::parse(login).unwrap(),
                name: format!("{login}的名字"),
                role: Role::Reporter,
                unit: Some(unit),
                password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$b2xk".into(),
            },
        )
        .await
        .unwrap()
}

/// A lead unit with at least two targets (one a quantity), its targets, and a target of an
/// item it does not lead.
async fn unit_with_targets(store: &Store, plan: PlanId) -> (UnitId, Vec<Target>, TargetId) {
    let detail = store.plan(plan).await.unwrap();
    let of = |unit: UnitId| -> Vec<Target> {
        detail
            .items
            .iter()
            .filter(|e| e.item.lead_units.contains(&unit))
            .flat_map(|e| e.targets.iter().cloned())
            .collect()
    };
    let unit = detail
        .units
        .iter()
        .map(|u| u.id)
        .find(|&u| {
            let ts = of(u);
            ts.len() >= 2 && ts.iter().any(|t| matches!(t.measure, Measure::Quantity(_)))
        })
        .unwrap();
    let other = detail
        .items
        .iter()
        .find(|e| !e.item.lead_units.contains(&unit) && !e.targets.is_empty())
        .unwrap()
        .targets[0]
        .id;
    (unit, of(unit), other)
}

fn content_for(target: &Target, figure: f64) -> ReportContent {
    let actual = match target.measure {
        Measure::Quantity(_) => Actual::Value(shishi_core::ReportValue::new(figure).unwrap()),
        Measure::Milestone => Actual::Percent(Percent::new(figure.min(100.0)).unwrap()),
    };
    ReportContent {
        actual,
        progress: "按计划推进".into(),
        problems: "雨季影响施工".into(),
        next_steps: "抢抓工期".into(),
        funds: None,
    }
}

fn row(row: u32, target: &Target, period: &str, figure: f64) -> LedgerRow {
    LedgerRow {
        row,
        target: target.id,
        period: Period::parse(period).unwrap(),
        content: content_for(target, figure),
    }
}

async fn report_events(store: &Store) -> usize {
    store
        .audit_events(0, 10_000)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.entity == "report")
        .count()
}

async fn good_rows_become_submitted_reports_and_the_same_rows_again_file_nothing(kind: Kind) {
    let Some((db, plan)) = with_notice(kind).await else {
        return;
    };
    let store = &db.store;
    let (unit, targets, _) = unit_with_targets(store, plan).await;
    let user = reporter(store, "r-ledger", unit).await;
    let actor = Actor::User(user.id);
    let rows = vec![
        row(4, &targets[0], "2020-08", 10.0),
        row(5, &targets[1], "2020-09", 20.0),
    ];

    let outcome = store
        .import_ledger_rows(actor, &user, rows.clone(), TODAY)
        .await
        .unwrap();
    assert_eq!(outcome.errors, vec![]);
    assert_eq!(outcome.unchanged, Vec::<u32>::new());
    assert_eq!(
        outcome.filed.iter().map(|(r, _)| *r).collect::<Vec<_>>(),
        vec![4, 5]
    );
    for ((_, id), row) in outcome.filed.iter().zip(&rows) {
        let report = store.report(*id).await.unwrap();
        assert_eq!(report.target(), row.target);
        assert_eq!(report.period(), row.period);
        assert_eq!(*report.state(), ReportState::Submitted);
        assert_eq!(report.current().content, row.content);
        assert_eq!(report.current().submitted_on, Some(TODAY));
    }
    let events = store.audit_events(0, 10_000).await.unwrap();
    for (_, id) in &outcome.filed {
        let event = events
            .iter()
            .find(|e| e.entity == "report" && e.entity_id == id.to_string())
            .unwrap();
        assert_eq!(event.action, "submit");
        assert_eq!(event.actor, format!("user:{}", user.id));
    }
    store.verify_audit().await.unwrap();

    // The same rows again: nothing new, each row said to be unchanged.
    let reports = count(store.backend(), "report_revisions").await;
    let before = report_events(store).await;
    let again = store
        .import_ledger_rows(actor, &user, rows.clone(), TODAY)
        .await
        .unwrap();
    assert_eq!(again.filed, vec![]);
    assert_eq!(again.unchanged, vec![4, 5]);
    assert_eq!(again.errors, vec![]);
    assert_eq!(count(store.backend(), "report_revisions").await, reports);
    assert_eq!(report_events(store).await, before);

    // Approved, then the same content again: still unchanged. Different content on an
    // approved month: a new revision.
    store
        .approve_report(Actor::System, outcome.filed[0].1)
        .await
        .unwrap();
    let again = store
        .import_ledger_rows(actor, &user, rows[..1].to_vec(), TODAY)
        .await
        .unwrap();
    assert_eq!(again.unchanged, vec![4]);
    let corrected = vec![row(4, &targets[0], "2020-08", 12.0)];
    let again = store
        .import_ledger_rows(actor, &user, corrected, TODAY)
        .await
        .unwrap();
    assert_eq!(again.filed.len(), 1);
    assert_eq!(again.filed[0].1, outcome.filed[0].1);
    let report = store.report(again.filed[0].1).await.unwrap();
    assert_eq!(report.current().number, 2);
    assert_eq!(*report.state(), ReportState::Submitted);
    db.finish().await;
}

async fn bad_rows_are_named_and_the_good_ones_still_filed(kind: Kind) {
    let Some((db, plan)) = with_notice(kind).await else {
        return;
    };
    let store = &db.store;
    let (unit, targets, other) = unit_with_targets(store, plan).await;
    let user = reporter(store, "r-ledger", unit).await;
    let mut foreign = row(6, &targets[0], "2020-09", 1.0);
    foreign.target = other;
    let mut missing = row(7, &targets[0], "2020-09", 1.0);
    missing.target = TargetId::new(999_999);
    let rows = vec![
        row(4, &targets[0], "2020-09", 10.0),
        row(5, &targets[1], "2021-01", 1.0),
        foreign,
        missing,
        row(8, &targets[1], "2020-10", 1.0),
        row(9, &targets[1], "2020-09", 3.0),
    ];
    let outcome = store
        .import_ledger_rows(Actor::User(user.id), &user, rows, TODAY)
        .await
        .unwrap();
    assert_eq!(
        outcome.filed.iter().map(|(r, _)| *r).collect::<Vec<_>>(),
        vec![4, 9]
    );
    let errors: Vec<(u32, &str)> = outcome
        .errors
        .iter()
        .map(|e| (e.row, e.reason.as_str()))
        .collect();
    assert_eq!(
        errors.iter().map(|(r, _)| *r).collect::<Vec<_>>(),
        vec![5, 6, 7, 8],
        "{errors:?}"
    );
    assert!(errors[0].1.contains("不在计划年度内"), "{}", errors[0].1);
    assert!(
        errors[1].1.contains("不属于本单位的目标"),
        "{}",
        errors[1].1
    );
    assert!(
        errors[2].1.contains("不属于本单位的目标"),
        "{}",
        errors[2].1
    );
    assert!(errors[3].1.contains("还没到"), "{}", errors[3].1);
    // Nothing was written for the refused rows.
    assert_eq!(store.report_for(other, september()).await.unwrap(), None);
    assert_eq!(
        store
            .report_for(targets[1].id, Period::parse("2020-10").unwrap())
            .await
            .unwrap(),
        None
    );
    store.verify_audit().await.unwrap();
    db.finish().await;
}

async fn a_row_the_domain_refuses_leaves_nothing_behind(kind: Kind) {
    let Some((db, plan)) = with_notice(kind).await else {
        return;
    };
    let store = &db.store;
    let (unit, targets, _) = unit_with_targets(store, plan).await;
    let user = reporter(store, "r-ledger", unit).await;
    let actor = Actor::User(user.id);
    let quantity = targets
        .iter()
        .find(|t| matches!(t.measure, Measure::Quantity(_)))
        .unwrap();
    let second = targets.iter().find(|t| t.id != quantity.id).unwrap();

    // Under review with other figures: the month cannot be filed again until reviewed.
    store
        .import_ledger_rows(actor, &user, vec![row(4, quantity, "2020-08", 10.0)], TODAY)
        .await
        .unwrap();
    // A percent for a quantity target: the report would be created, then refused.
    let mut wrong_kind = row(6, quantity, "2020-07", 1.0);
    wrong_kind.content.actual = Actual::Percent(Percent::new(50.0).unwrap());
    let revisions = count(store.backend(), "report_revisions").await;
    let outcome = store
        .import_ledger_rows(
            actor,
            &user,
            vec![
                row(4, quantity, "2020-08", 11.0),
                row(5, second, "2020-09", 2.0),
                wrong_kind,
            ],
            TODAY,
        )
        .await
        .unwrap();
    assert_eq!(
        outcome.filed.iter().map(|(r, _)| *r).collect::<Vec<_>>(),
        vec![5]
    );
    assert_eq!(outcome.errors.len(), 2, "{:?}", outcome.errors);
    assert_eq!(outcome.errors[0].row, 4);
    assert!(
        outcome.errors[0].reason.contains("正在审核中"),
        "{}",
        outcome.errors[0].reason
    );
    assert_eq!(outcome.errors[1].row, 6);
    assert!(
        outcome.errors[1].reason.contains("填报方式与目标不符"),
        "{}",
        outcome.errors[1].reason
    );
    // One revision more (row 5), no report left for July.
    assert_eq!(
        count(store.backend(), "report_revisions").await,
        revisions + 1
    );
    assert_eq!(
        store
            .report_for(quantity.id, Period::parse("2020-07").unwrap())
            .await
            .unwrap(),
        None
    );
    let august = store
        .report_for(quantity.id, Period::parse("2020-08").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(august.current().content, content_for(quantity, 10.0));
    store.verify_audit().await.unwrap();
    db.finish().await;
}

fn september() -> Period {
    Period::parse("2020-09").unwrap()
}
