//! Satisfaction surveys in the store: opened, rated once per item by each browser, code and
//! deputy, closed for good; results per item and per lead unit by group; the audit events of
//! the supervisor's steps; and the database's own unique keys behind the one-rating rule.
//! Run on SQLite always and on PostgreSQL when `SHISHI_TEST_POSTGRES_URL` is set.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use shishi_core::{
    Audience, Comment, Group, InvitationCode, ItemId, Level, Login, NewSurvey, PlanId, Rater,
    Rating, Role, SurveyName, SurveyState, UserId,
};
use shishi_store::{Actor, Backend, NewUser, RatingOutcome, Store, StoreError};
use time::macros::date;
use time::Date;

mod common;

use common::*;

on_both_backends!(
    a_survey_takes_one_rating_per_item_per_browser_and_deputy_until_closed,
    invitation_codes_are_kept_as_hashes_and_each_rates_an_item_once,
    results_count_each_item_for_its_lead_units_by_group,
    the_database_itself_refuses_a_second_rating_of_an_item_by_one_rater,
);

const TODAY: Date = date!(2020 - 12 - 10);
const BROWSER_A: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const BROWSER_B: &str = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

fn new_survey(plan: PlanId, audience: Audience) -> NewSurvey {
    NewSurvey {
        plan,
        name: SurveyName::parse("2020年民生实事项目群众满意度测评").unwrap(),
        audience,
        closes_on: None,
    }
}

/// The plan's items in order.
async fn items(store: &Store, plan: PlanId) -> Vec<shishi_core::Item> {
    let mut items: Vec<_> = store
        .plan(plan)
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|d| d.item)
        .collect();
    items.sort_by_key(|i| i.seq);
    items
}

async fn deputy(store: &Store, login: &str) -> UserId {
    store
        .add_user(
            Actor::System,
            NewUser {
                login: Login::parse(login).unwrap(),
                name: format!("代表{login}"),
                role: Role::Deputy,
                unit: None,
                password_hash: "not a real hash".to_owned(),
            },
        )
        .await
        .unwrap()
        .id
}

fn rating(item: ItemId, level: Level, comment: &str) -> Rating {
    Rating {
        item,
        level,
        comment: Comment::parse(comment).unwrap(),
    }
}

async fn survey_events(store: &Store, after: u64) -> Vec<(String, String, Option<String>)> {
    store
        .audit_events(after as i64, 100)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.entity == "survey")
        .map(|e| (e.action, e.entity_id, e.after))
        .collect()
}

async fn a_survey_takes_one_rating_per_item_per_browser_and_deputy_until_closed(kind: Kind) {
    let Some((db, plan)) = with_notice(kind).await else {
        return;
    };
    let store = &db.store;
    let items = items(store, plan).await;
    let (one, two, three) = (items[0].id, items[1].id, items[2].id);
    let deputy = deputy(store, "deputy1").await;
    let start = store.verify_audit().await.unwrap();

    let survey = store
        .open_survey(Actor::System, new_survey(plan, Audience::Anyone), TODAY)
        .await
        .unwrap();
    assert_eq!(survey.state(), SurveyState::Open);
    assert_eq!(survey.opened_on(), TODAY);
    let id = survey.id();

    let a = Rater::Browser(BROWSER_A.to_owned());
    let stored = store
        .rate(
            id,
            a.clone(),
            vec![
                rating(one, Level::Satisfied, "路修好了"),
                rating(two, Level::Dissatisfied, ""),
            ],
            TODAY,
        )
        .await
        .unwrap();
    assert_eq!(stored, RatingOutcome::Stored { ratings: 2 });
    assert_eq!(store.rated_items(id, &a).await.unwrap(), [one, two]);

    // A repeat of item two refuses the whole submission: item three is not stored either.
    let again = store
        .rate(
            id,
            a.clone(),
            vec![
                rating(three, Level::Satisfied, ""),
                rating(two, Level::Satisfied, ""),
            ],
            TODAY,
        )
        .await
        .unwrap();
    assert_eq!(again, RatingOutcome::AlreadyRated(vec![two]));
    assert_eq!(store.rated_items(id, &a).await.unwrap(), [one, two]);

    // Another browser and a deputy rate the same item; the deputy only once.
    let b = Rater::Browser(BROWSER_B.to_owned());
    let outcome = store
        .rate(id, b, vec![rating(two, Level::Basic, "")], TODAY)
        .await
        .unwrap();
    assert_eq!(outcome, RatingOutcome::Stored { ratings: 1 });
    let d = Rater::Deputy(deputy);
    let outcome = store
        .rate(
            id,
            d.clone(),
            vec![rating(two, Level::Satisfied, "")],
            TODAY,
        )
        .await
        .unwrap();
    assert_eq!(outcome, RatingOutcome::Stored { ratings: 1 });
    let outcome = store
        .rate(id, d.clone(), vec![rating(two, Level::Basic, "")], TODAY)
        .await
        .unwrap();
    assert_eq!(outcome, RatingOutcome::AlreadyRated(vec![two]));

    // A code is for surveys by invitation only; an item of no plan of this survey is refused.
    let code = Rater::Code(InvitationCode::parse("ABCDE-23456").unwrap());
    let outcome = store
        .rate(id, code, vec![rating(three, Level::Basic, "")], TODAY)
        .await
        .unwrap();
    assert_eq!(outcome, RatingOutcome::NotAdmitted);
    let stranger = ItemId::new(999_999);
    let outcome = store
        .rate(
            id,
            Rater::Browser(BROWSER_B.to_owned()),
            vec![rating(stranger, Level::Basic, "")],
            TODAY,
        )
        .await
        .unwrap();
    assert_eq!(outcome, RatingOutcome::NotInPlan(vec![stranger]));

    let summaries = store.surveys(plan).await.unwrap();
    assert_eq!(summaries.len(), 1);
    assert_eq!(summaries[0].ratings, 4);
    let comments = store.survey_comments(id).await.unwrap();
    assert_eq!(comments.len(), 1);
    assert_eq!(comments[0].comment, "路修好了");
    assert_eq!(comments[0].item, one);
    assert_eq!(comments[0].group, Group::Public);

    let closed = store
        .close_survey(Actor::System, id, date!(2020 - 12 - 20))
        .await
        .unwrap();
    assert_eq!(
        closed.state(),
        SurveyState::Closed {
            on: date!(2020 - 12 - 20)
        }
    );
    let late = store
        .rate(
            id,
            Rater::Browser("c".repeat(64)),
            vec![rating(three, Level::Satisfied, "")],
            date!(2020 - 12 - 20),
        )
        .await
        .unwrap();
    assert_eq!(late, RatingOutcome::Closed);
    assert!(matches!(
        store
            .close_survey(Actor::System, id, date!(2020 - 12 - 21))
            .await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(store.surveys(plan).await.unwrap()[0].ratings, 4);

    // Open and close are events, the refused second close is not, and no rating is one.
    let events = survey_events(store, start).await;
    let actions: Vec<&str> = events.iter().map(|(a, _, _)| a.as_str()).collect();
    assert_eq!(actions, ["open", "close"]);
    assert!(events.iter().all(|(_, e, _)| *e == id.to_string()));
    assert!(events[1].2.as_deref().unwrap().contains("\"closed\""));
    store.verify_audit().await.unwrap();
    db.finish().await;
}

async fn invitation_codes_are_kept_as_hashes_and_each_rates_an_item_once(kind: Kind) {
    let Some((db, plan)) = with_notice(kind).await else {
        return;
    };
    let store = &db.store;
    let items = items(store, plan).await;
    let one = items[0].id;
    let survey = store
        .open_survey(Actor::System, new_survey(plan, Audience::Invited), TODAY)
        .await
        .unwrap();
    let id = survey.id();
    let start = store.verify_audit().await.unwrap();
    let codes: Vec<InvitationCode> = (0u8..3)
        .map(|n| InvitationCode::from_random([n, 1, 2, 3, 4, 5, 6, 7, 8, 9]))
        .collect();
    assert_eq!(
        store
            .add_survey_codes(Actor::System, id, codes.clone())
            .await
            .unwrap(),
        3
    );
    assert_eq!(store.surveys(plan).await.unwrap()[0].codes, 3);

    // Only hashes are stored, and the log counts codes without naming them.
    let stored: Vec<String> = match store.backend() {
        Backend::Sqlite(pool) => sqlx::query_scalar("select code_hash from survey_codes")
            .fetch_all(pool)
            .await
            .unwrap(),
        Backend::Postgres(pool) => sqlx::query_scalar("select code_hash from survey_codes")
            .fetch_all(pool)
            .await
            .unwrap(),
    };
    assert_eq!(stored.len(), 3);
    for code in &codes {
        assert!(stored.iter().all(|h| !h.contains(code.as_str())));
    }
    let events = survey_events(store, start).await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].0, "generate_codes");
    let after = events[0].2.clone().unwrap();
    assert!(after.contains("\"codes\":3"), "{after}");
    for code in &codes {
        assert!(!after.contains(code.as_str()));
    }

    assert!(store.survey_code_is_known(id, &codes[0]).await.unwrap());
    let unknown = InvitationCode::parse("ZZZZZ-ZZZZZ").unwrap();
    assert!(!store.survey_code_is_known(id, &unknown).await.unwrap());
    let rate = |rater: Rater| store.rate(id, rater, vec![rating(one, Level::Basic, "")], TODAY);
    assert_eq!(
        rate(Rater::Browser(BROWSER_A.to_owned())).await.unwrap(),
        RatingOutcome::NotAdmitted
    );
    assert_eq!(
        rate(Rater::Code(unknown)).await.unwrap(),
        RatingOutcome::UnknownCode
    );
    assert_eq!(
        rate(Rater::Code(codes[0].clone())).await.unwrap(),
        RatingOutcome::Stored { ratings: 1 }
    );
    assert_eq!(
        rate(Rater::Code(codes[0].clone())).await.unwrap(),
        RatingOutcome::AlreadyRated(vec![one])
    );
    assert_eq!(
        rate(Rater::Code(codes[1].clone())).await.unwrap(),
        RatingOutcome::Stored { ratings: 1 }
    );

    // Codes for an open survey, or after closing, are refused.
    let open = store
        .open_survey(Actor::System, new_survey(plan, Audience::Anyone), TODAY)
        .await
        .unwrap();
    assert!(matches!(
        store
            .add_survey_codes(Actor::System, open.id(), codes.clone())
            .await,
        Err(StoreError::Invalid(_))
    ));
    store.close_survey(Actor::System, id, TODAY).await.unwrap();
    assert!(matches!(
        store.add_survey_codes(Actor::System, id, codes).await,
        Err(StoreError::Conflict(_))
    ));
    db.finish().await;
}

async fn results_count_each_item_for_its_lead_units_by_group(kind: Kind) {
    let Some((db, plan)) = with_notice(kind).await else {
        return;
    };
    let store = &db.store;
    let items = items(store, plan).await;
    let first = &items[0];
    let lead = first.lead_units[0];
    let deputy = deputy(store, "deputy1").await;
    let survey = store
        .open_survey(Actor::System, new_survey(plan, Audience::Anyone), TODAY)
        .await
        .unwrap();
    let id = survey.id();
    for (n, level) in [
        Level::Satisfied,
        Level::Basic,
        Level::Dissatisfied,
        Level::Satisfied,
    ]
    .into_iter()
    .enumerate()
    {
        let browser = Rater::Browser(format!("{n:064}"));
        store
            .rate(id, browser, vec![rating(first.id, level, "")], TODAY)
            .await
            .unwrap();
    }
    store
        .rate(
            id,
            Rater::Deputy(deputy),
            vec![rating(first.id, Level::Dissatisfied, "")],
            TODAY,
        )
        .await
        .unwrap();

    let results = store.survey_results(id).await.unwrap();
    assert_eq!(results.survey.id(), id);
    assert_eq!(results.items.len(), items.len());
    let item = &results.items[0];
    assert_eq!(item.item, first.id);
    assert_eq!(item.tally.public.satisfied, 2);
    assert_eq!(item.tally.public.basic, 1);
    assert_eq!(item.tally.public.dissatisfied, 1);
    assert_eq!(item.tally.deputies.dissatisfied, 1);
    assert_eq!(item.tally.deputies.total(), 1);
    let unit = results.units.iter().find(|u| u.unit == lead).unwrap();
    assert!(unit.items.contains(&first.id));
    assert_eq!(unit.tally.public.total(), 4);
    // 3/4 from the public, 0/1 from the deputies: 0.375 for the unit.
    let share = results.satisfaction().shares[&lead].get();
    assert!((share - 0.375).abs() < 1e-9, "{share}");
    // A unit that leads none of the rated items has no share.
    let unrated = results
        .units
        .iter()
        .find(|u| u.tally.public.total() + u.tally.deputies.total() == 0)
        .unwrap();
    assert!(!results.satisfaction().shares.contains_key(&unrated.unit));
    db.finish().await;
}

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

async fn the_database_itself_refuses_a_second_rating_of_an_item_by_one_rater(kind: Kind) {
    let Some((db, plan)) = with_notice(kind).await else {
        return;
    };
    let store = &db.store;
    let item = items(store, plan).await[0].id;
    let deputy = deputy(store, "deputy1").await;
    let survey = store
        .open_survey(Actor::System, new_survey(plan, Audience::Invited), TODAY)
        .await
        .unwrap();
    let (s, i, d) = (survey.id().get(), item.get(), deputy.get());
    let at = "2020-12-10T00:00:00Z";
    try_execute(
        store.backend(),
        &format!(
            "insert into survey_codes (survey, code_hash, created_at) values ({s}, 'c1', '{at}')"
        ),
    )
    .await
    .unwrap();
    let insert = |grp: &str, browser: &str, code: &str, deputy: &str| {
        format!(
            "insert into survey_ratings (survey, item, grp, browser_hash, code_hash, deputy, \
             level, created_at) values ({s}, {i}, '{grp}', {browser}, {code}, {deputy}, \
             'basic', '{at}')"
        )
    };
    let backend = store.backend();
    for row in [
        insert("public", "'b1'", "null", "null"),
        insert("public", "null", "'c1'", "null"),
        insert("deputies", "null", "null", &d.to_string()),
    ] {
        assert_eq!(try_execute(backend, &row).await.unwrap(), 1, "{row}");
        // The same rater and item again: refused by a unique key.
        let refused = try_execute(backend, &row).await;
        assert!(refused.is_err(), "a second time: {row}");
    }
    for bad in [
        // Two raters in one row, or none.
        insert("public", "'b2'", "'c1'", "null"),
        insert("public", "null", "null", "null"),
        // A deputy's rating counted with the public's.
        insert("public", "null", "null", &d.to_string()),
        // A code the survey never gave out.
        insert("public", "null", "'c2'", "null"),
    ] {
        assert!(try_execute(backend, &bad).await.is_err(), "{bad}");
    }
    assert_eq!(count(backend, "survey_ratings").await, 3);
    db.finish().await;
}
