//! The deputies' vote in the store: proposals moderated, a candidate list edited and frozen,
//! a session with its roll, one ballot per deputy, closing with and without a quorum, the
//! adopted list made into a plan, and deputies' follows and comments; every change audited,
//! and no audit event or stored row carrying a ballot's content. Run on SQLite always and on
//! PostgreSQL when `SHISHI_TEST_POSTGRES_URL` is set.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use shishi_core::{
    Ballot, Choice, Login, ProposalState, Proposer, Quorum, Role, SessionState, UnitId, UserId,
    VoteTally, VoteText,
};
use shishi_store::{Actor, CandidateInput, NewProposal, NewUser, Store, StoreError};
use time::macros::date;

mod common;

use common::*;

on_both_backends!(
    a_session_with_quorum_adopts_by_the_whole_roll_and_becomes_a_plan,
    a_session_without_quorum_is_void_and_adopts_nothing,
    proposals_are_moderated_and_the_list_is_frozen_while_voting,
    deputies_follow_and_comment_on_items,
);

async fn user(store: &Store, login: &str, role: Role) -> UserId {
    store
        .add_user(
            Actor::System,
            NewUser {
                login: Login::parse(login).unwrap(),
                name: format!("{login}代表"),
                role,
                unit: None,
                password_hash: "not-a-real-hash".into(),
            },
        )
        .await
        .unwrap()
        .id
}

async fn deputies(store: &Store, n: usize) -> Vec<UserId> {
    let mut ids = Vec::new();
    for i in 1..=n {
        ids.push(user(store, &format!("d{i:02}"), Role::Deputy).await);
    }
    ids
}

fn input(title: &str, unit: UnitId) -> CandidateInput {
    CandidateInput {
        title: VoteText::title(title).unwrap(),
        description: VoteText::optional("在城区新建一批社区食堂", 2000).unwrap(),
        category: Some("民生保障".into()),
        lead_units: vec![unit],
    }
}

fn ballot(choices: &[Choice]) -> Ballot {
    let answers: Vec<(usize, Choice)> = choices
        .iter()
        .copied()
        .enumerate()
        .map(|(i, c)| (i + 1, c))
        .collect();
    Ballot::new(choices.len(), &answers).unwrap()
}

async fn events(store: &Store, entity: &str) -> Vec<shishi_store::AuditEvent> {
    store
        .audit_events(0, 10_000)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.entity == entity)
        .collect()
}

async fn a_session_with_quorum_adopts_by_the_whole_roll_and_becomes_a_plan(kind: Kind) {
    let Some((db, _)) = with_notice(kind).await else {
        return;
    };
    let store = &db.store;
    let units = store.units().await.unwrap();
    let (education, health) = (units[0].id, units[1].id);
    let admin = Actor::System;
    let roll = deputies(store, 5).await;
    let outsider = user(store, "leader1", Role::Leader).await;

    let a = store
        .add_candidate(admin, 2021, input("新建社区食堂10个", education), None)
        .await
        .unwrap();
    let b = store
        .add_candidate(admin, 2021, input("改造老旧小区20个", health), None)
        .await
        .unwrap();
    let c = store
        .add_candidate(admin, 2021, input("新增停车位500个", education), None)
        .await
        .unwrap();
    let withdrawn = store
        .add_candidate(admin, 2021, input("撤回的项目", education), None)
        .await
        .unwrap();
    store.withdraw_candidate(admin, withdrawn.id).await.unwrap();

    let session = store
        .open_vote_session(
            admin,
            2021,
            VoteText::title("2021年票决会议").unwrap(),
            Quorum::HALF,
            date!(2020 - 12 - 20),
        )
        .await
        .unwrap();
    assert_eq!(session.state, SessionState::Open);
    assert_eq!(
        session.roll, 5,
        "every deputy, and only deputies, on the roll"
    );
    assert_eq!(session.voted, 0);
    let titles: Vec<&str> = session
        .candidates
        .iter()
        .map(|c| c.title.as_str())
        .collect();
    assert_eq!(
        titles,
        ["新建社区食堂10个", "改造老旧小区20个", "新增停车位500个"]
    );
    assert_eq!(session.candidates[0].candidate, a.id);
    assert_eq!(session.candidates[1].candidate, b.id);
    assert_eq!(session.candidates[2].candidate, c.id);

    // A second session for the year while one is open is refused.
    let again = store
        .open_vote_session(
            admin,
            2021,
            VoteText::title("又一次").unwrap(),
            Quorum::HALF,
            date!(2020 - 12 - 20),
        )
        .await;
    assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");

    use Choice::{Abstain as X, Against as N, For as Y};
    // 4 of 5 vote: a gets 3 for (adopted: 3 > 5/2), b gets 2 for and 2 abstentions (2 is
    // not more than half of 5, though it is half of those voting), c gets 3 for.
    let ballots = [[Y, Y, Y], [Y, X, Y], [Y, Y, N], [N, X, Y]];
    for (deputy, choices) in roll.iter().zip(&ballots) {
        store
            .cast_ballot(*deputy, session.id, ballot(choices))
            .await
            .unwrap();
    }
    // While open, nobody can read a running count.
    let open = store.vote_session(session.id).await.unwrap();
    assert_eq!(open.voted, 4);
    assert!(open
        .candidates
        .iter()
        .all(|c| c.tally.is_none() && c.adopted.is_none()));

    // Once only; not for someone off the roll; the whole list answered.
    let twice = store
        .cast_ballot(roll[0], session.id, ballot(&[N, N, N]))
        .await;
    assert!(matches!(twice, Err(StoreError::Conflict(_))), "{twice:?}");
    let off_roll = store
        .cast_ballot(outsider, session.id, ballot(&[Y, Y, Y]))
        .await;
    assert!(
        matches!(off_roll, Err(StoreError::NotFound(_))),
        "{off_roll:?}"
    );
    let short = store
        .cast_ballot(roll[4], session.id, ballot(&[Y, Y]))
        .await;
    assert!(matches!(short, Err(StoreError::Domain(_))), "{short:?}");
    let late_deputy = user(store, "d99", Role::Deputy).await;
    let late = store
        .cast_ballot(late_deputy, session.id, ballot(&[Y, Y, Y]))
        .await;
    assert!(
        matches!(late, Err(StoreError::NotFound(_))),
        "a deputy added after opening is not on the roll"
    );
    let roll_now = store.vote_roll(session.id).await.unwrap();
    assert_eq!(roll_now.iter().filter(|(_, _, voted)| *voted).count(), 4);
    assert!(!roll_now.iter().any(|(id, _, _)| *id == late_deputy));

    // Adopting before closing is refused.
    assert!(matches!(
        store.adopt_vote_session(admin, session.id).await,
        Err(StoreError::Conflict(_))
    ));

    let closed = store
        .close_vote_session(admin, session.id, date!(2020 - 12 - 21))
        .await
        .unwrap();
    assert_eq!(closed.state, SessionState::Closed);
    assert_eq!(closed.void, Some(false));
    let tallies: Vec<VoteTally> = closed.candidates.iter().map(|c| c.tally.unwrap()).collect();
    assert_eq!(
        tallies[0],
        VoteTally {
            for_votes: 3,
            against: 1,
            abstain: 0
        }
    );
    assert_eq!(
        tallies[1],
        VoteTally {
            for_votes: 2,
            against: 0,
            abstain: 2
        }
    );
    assert_eq!(
        tallies[2],
        VoteTally {
            for_votes: 3,
            against: 1,
            abstain: 0
        }
    );
    let adopted: Vec<Option<bool>> = closed.candidates.iter().map(|c| c.adopted).collect();
    assert_eq!(adopted, [Some(true), Some(false), Some(true)]);
    let after_close = store
        .cast_ballot(roll[4], session.id, ballot(&[Y, Y, Y]))
        .await;
    assert!(matches!(after_close, Err(StoreError::Conflict(_))));

    // The audit log: who voted, never how; the tallies once, at closing.
    let log = events(store, "vote_session").await;
    let actions: Vec<&str> = log.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["open", "vote", "vote", "vote", "vote", "close"]);
    for (event, deputy) in log[1..5].iter().zip(&roll) {
        assert_eq!(event.actor, format!("user:{deputy}"));
        assert_eq!(
            event.after.as_deref(),
            Some(format!("{{\"deputy\":{deputy}}}").as_str())
        );
        assert_eq!(event.before, None);
    }
    assert!(log[0].after.as_deref().unwrap().contains("\"tally\":null"));
    assert!(log[5]
        .after
        .as_deref()
        .unwrap()
        .contains("\"tally\":{\"for\":3,\"against\":1,\"abstain\":0}"));

    // The adopted list becomes the plan of 2021: items in the list's order, with units.
    let plan = store.adopt_vote_session(admin, session.id).await.unwrap();
    let detail = store.plan(plan).await.unwrap();
    assert_eq!(detail.plan.year().get(), 2021);
    let items: Vec<(u32, &str)> = detail
        .items
        .iter()
        .map(|i| (i.item.seq, i.item.title.as_str()))
        .collect();
    assert_eq!(items, [(1, "新建社区食堂10个"), (2, "新增停车位500个")]);
    assert_eq!(detail.items[0].item.lead_units, [education]);
    assert_eq!(detail.items[0].item.category.as_deref(), Some("民生保障"));
    assert_eq!(
        store.vote_session(session.id).await.unwrap().plan,
        Some(plan)
    );
    assert!(
        matches!(
            store.adopt_vote_session(admin, session.id).await,
            Err(StoreError::Conflict(_))
        ),
        "adopted once"
    );
    assert_eq!(
        events(store, "vote_session").await.last().unwrap().action,
        "adopt"
    );
    assert!(store.verify_audit().await.is_ok());
    db.finish().await;
}

async fn a_session_without_quorum_is_void_and_adopts_nothing(kind: Kind) {
    let Some((db, _)) = with_notice(kind).await else {
        return;
    };
    let store = &db.store;
    let unit = store.units().await.unwrap()[0].id;
    let roll = deputies(store, 4).await;
    store
        .add_candidate(Actor::System, 2021, input("新建社区食堂10个", unit), None)
        .await
        .unwrap();
    let session = store
        .open_vote_session(
            Actor::System,
            2021,
            VoteText::title("票决").unwrap(),
            Quorum::HALF,
            date!(2020 - 12 - 20),
        )
        .await
        .unwrap();
    // 2 of 4 is exactly half: no quorum, however unanimous.
    for deputy in &roll[..2] {
        store
            .cast_ballot(*deputy, session.id, ballot(&[Choice::For]))
            .await
            .unwrap();
    }
    let closed = store
        .close_vote_session(Actor::System, session.id, date!(2020 - 12 - 21))
        .await
        .unwrap();
    assert_eq!(closed.void, Some(true));
    assert_eq!(closed.candidates[0].tally.unwrap().for_votes, 2);
    assert_eq!(closed.candidates[0].adopted, Some(false));
    let refused = store.adopt_vote_session(Actor::System, session.id).await;
    assert!(
        matches!(refused, Err(StoreError::Conflict(_))),
        "{refused:?}"
    );
    assert_eq!(store.plans().await.unwrap().len(), 1, "no plan made");
    // After a void session a new one may be opened for the year.
    store
        .open_vote_session(
            Actor::System,
            2021,
            VoteText::title("再次票决").unwrap(),
            Quorum::new(2, 3).unwrap(),
            date!(2020 - 12 - 28),
        )
        .await
        .unwrap();
    db.finish().await;
}

async fn proposals_are_moderated_and_the_list_is_frozen_while_voting(kind: Kind) {
    let Some((db, _)) = with_notice(kind).await else {
        return;
    };
    let store = &db.store;
    let unit = store.units().await.unwrap()[0].id;
    let deputy = deputies(store, 1).await[0];
    let new = |title: &str, proposer| NewProposal {
        plan_year: 2021,
        title: VoteText::title(title).unwrap(),
        description: VoteText::body("老人吃饭难").unwrap(),
        lead_unit: VoteText::optional("民政局", 80).unwrap(),
        proposer_name: VoteText::optional("张三", 40).unwrap(),
        proposer_contact: VoteText::optional("13800000000", 80).unwrap(),
        proposer,
    };
    let public = store
        .submit_proposal(Actor::System, new("社区食堂", Proposer::Public))
        .await
        .unwrap();
    assert_eq!(public.state, ProposalState::Pending);
    let by_deputy = store
        .submit_proposal(
            Actor::User(deputy),
            new("口袋公园", Proposer::Deputy { user: deputy }),
        )
        .await
        .unwrap();
    assert_eq!(by_deputy.proposer, Proposer::Deputy { user: deputy });
    let spam = store
        .submit_proposal(Actor::System, new("广告", Proposer::Public))
        .await
        .unwrap();
    let declined = store
        .moderate_proposal(
            Actor::System,
            spam.id,
            Some(VoteText::body("与民生实事无关").unwrap()),
        )
        .await
        .unwrap();
    assert_eq!(declined.state, ProposalState::Declined);
    assert_eq!(
        store
            .moderate_proposal(Actor::System, by_deputy.id, None)
            .await
            .unwrap()
            .state,
        ProposalState::Published
    );
    // Taking a proposal onto the list makes it public.
    let candidate = store
        .add_candidate(
            Actor::System,
            2021,
            input("新建社区食堂", unit),
            Some(public.id),
        )
        .await
        .unwrap();
    assert_eq!(candidate.proposal, Some(public.id));
    assert_eq!(
        store.proposal(public.id).await.unwrap().state,
        ProposalState::Published
    );
    let actions: Vec<String> = events(store, "vote_proposal")
        .await
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(
        actions,
        ["propose", "propose", "propose", "decline", "publish", "publish"]
    );

    let edited = store
        .edit_candidate(Actor::System, candidate.id, input("新建社区食堂12个", unit))
        .await
        .unwrap();
    assert_eq!(edited.title, "新建社区食堂12个");
    assert!(matches!(
        store
            .add_candidate(Actor::System, 2021, input("无单位", unit), None)
            .await
            .map(|_| ()),
        Ok(())
    ));
    let no_unit = CandidateInput {
        lead_units: vec![],
        ..input("x", unit)
    };
    assert!(matches!(
        store
            .edit_candidate(Actor::System, candidate.id, no_unit)
            .await,
        Err(StoreError::Invalid(_))
    ));

    store
        .open_vote_session(
            Actor::System,
            2021,
            VoteText::title("票决").unwrap(),
            Quorum::HALF,
            date!(2020 - 12 - 20),
        )
        .await
        .unwrap();
    let frozen = store
        .edit_candidate(Actor::System, candidate.id, input("改名", unit))
        .await;
    assert!(matches!(frozen, Err(StoreError::Conflict(_))), "{frozen:?}");
    assert!(matches!(
        store.withdraw_candidate(Actor::System, candidate.id).await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        store
            .add_candidate(Actor::System, 2021, input("新的", unit), None)
            .await,
        Err(StoreError::Conflict(_))
    ));
    // Another year's list is not frozen.
    store
        .add_candidate(Actor::System, 2022, input("明年的", unit), None)
        .await
        .unwrap();
    let actions: Vec<String> = events(store, "vote_candidate")
        .await
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(actions, ["add", "edit", "add", "add"]);
    db.finish().await;
}

async fn deputies_follow_and_comment_on_items(kind: Kind) {
    let Some((db, plan)) = with_notice(kind).await else {
        return;
    };
    let store = &db.store;
    let deputy = deputies(store, 1).await[0];
    let leader = user(store, "leader1", Role::Leader).await;
    let item = store.plan(plan).await.unwrap().items[0].item.id;
    store.follow_item(deputy, item, true).await.unwrap();
    store.follow_item(deputy, item, true).await.unwrap();
    assert_eq!(store.followed_items(deputy).await.unwrap(), [item]);
    store.follow_item(deputy, item, false).await.unwrap();
    assert!(store.followed_items(deputy).await.unwrap().is_empty());
    let actions: Vec<String> = events(store, "deputy_follow")
        .await
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(
        actions,
        ["follow", "unfollow"],
        "following twice is one change"
    );

    let comment = store
        .add_deputy_comment(deputy, item, VoteText::body("<b>建议</b>加快进度").unwrap())
        .await
        .unwrap();
    assert_eq!(comment.deputy_name, "d01代表");
    assert_eq!(
        store.deputy_comments(item).await.unwrap(),
        std::slice::from_ref(&comment)
    );
    let refused = store
        .add_deputy_comment(leader, item, VoteText::body("领导").unwrap())
        .await;
    assert!(matches!(refused, Err(StoreError::Invalid(_))));
    assert!(matches!(
        store.follow_item(leader, item, true).await,
        Err(StoreError::Invalid(_))
    ));
    let log = events(store, "deputy_comment").await;
    assert_eq!(log.len(), 1);
    assert!(log[0].after.as_deref().unwrap().contains("加快进度"));
    assert_eq!(log[0].actor, format!("user:{deputy}"));
    db.finish().await;
}
