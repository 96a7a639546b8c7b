//! The deputies' vote (人大代表票决) end to end: a real server on port 0 over a fresh
//! database, the supervisor, deputies and the public each through their pages and forms
//! (cookies and CSRF tokens by hand, the public's challenge read off the page).
//!
//! - a session with quorum met: some candidates adopted, one rejected, the result public,
//!   the adopted list made into next year's plan that the portal shows;
//! - a session without quorum: void (未达法定人数), nothing adopted, no plan;
//! - one ballot per deputy, none for a leader or a deputy not on the roll;
//! - proposals by the public (challenge, budget, size limit, moderation) and by deputies;
//! - deputies following and commenting on items, HTML shown as text;
//! - THE SECRECY TEST: the same session run twice with two deputies swapping their ballots
//!   leaves every table and the audit log identical, once the columns that depend only on the
//!   wall clock and on randomness (never on a ballot) are set aside.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{
    add_user, client_from, field_value, solve_challenge, Answer, Backend, Browser, Options, Site,
};
use reqwest::header::COOKIE;
use reqwest::StatusCode;
use shishi_core::Role;
use shishi_store::Backend as Pool;
use sqlx::{Column, Row};

const USERS: &[(&str, Role, Option<&str>)] = &[
    ("admin", Role::Admin, None),
    ("leader1", Role::Leader, None),
    ("d01", Role::Deputy, None),
    ("d02", Role::Deputy, None),
    ("d03", Role::Deputy, None),
    ("d04", Role::Deputy, None),
    ("d05", Role::Deputy, None),
];

async fn site(backend: Backend) -> Option<Site> {
    Site::new(Options {
        backend,
        users: USERS,
        name: |login| format!("{login}代表"),
        ..Options::default()
    })
    .await
}

/// Two unit names of the registry (from the Haizhou plan).
async fn two_units(site: &Site) -> (String, String) {
    let units = site.store.units().await.unwrap();
    (units[0].name.clone(), units[1].name.clone())
}

async fn add_candidate(site: &Site, admin: &Browser, title: &str, units: &str) {
    let answer = site
        .post(
            admin,
            "/vote/candidates",
            &[
                ("year", "2021"),
                ("title", title),
                ("description", "项目内容"),
                ("category", "民生保障"),
                ("units", units),
            ],
        )
        .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
}

/// Opens the 2021 session through the supervisor's form: its id.
async fn open_session(site: &Site, admin: &Browser) -> i64 {
    let answer = site
        .post(
            admin,
            "/vote/sessions",
            &[
                ("year", "2021"),
                ("title", "2021年民生实事项目票决"),
                ("quorum", "1/2"),
            ],
        )
        .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    let rest = answer.location.strip_prefix("/vote/sessions/").unwrap();
    rest.split('?').next().unwrap().parse().unwrap()
}

/// A deputy fills in the ballot page: the answer to the post.
async fn vote(site: &Site, deputy: &Browser, session: i64, choices: &[&str]) -> Answer {
    let path = format!("/vote/sessions/{session}/ballot");
    let page = site.get(Some(deputy), &path).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(page.body.contains("提交后不能更改"));
    assert!(page.body.contains("无记名投票"));
    let names: Vec<String> = (1..=choices.len()).map(|n| format!("c{n}")).collect();
    let fields: Vec<(&str, &str)> = names
        .iter()
        .map(String::as_str)
        .zip(choices.iter().copied())
        .collect();
    site.post(deputy, &path, &fields).await
}

async fn close(site: &Site, admin: &Browser, session: i64) {
    let answer = site
        .post(admin, &format!("/vote/sessions/{session}/close"), &[])
        .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
}

/// The rows of the result table: number, title, result, for, against, abstain, not voted.
fn result_rows(body: &str) -> Vec<Vec<String>> {
    let start = body.find("class=\"vote-result\"").expect("a result table");
    let table = &body[start..];
    let table = &table[..table.find("</table>").unwrap()];
    table
        .split("<tr>")
        .skip(2)
        .map(|row| {
            let mut cells = Vec::new();
            let mut rest = row;
            while let Some(open) = rest.find(['<']) {
                let tag_end = rest[open..].find('>').unwrap() + open;
                let tag = &rest[open + 1..tag_end];
                rest = &rest[tag_end + 1..];
                if tag.starts_with("td") || tag.starts_with("th") {
                    let close = rest.find("</t").unwrap();
                    let cell = &rest[..close];
                    // The text before any inner tag.
                    let text = cell.split('<').next().unwrap().trim().to_owned();
                    let inner = cell
                        .split('>')
                        .nth(1)
                        .map(|t| t.split('<').next().unwrap().trim().to_owned())
                        .unwrap_or_default();
                    cells.push(if text.is_empty() { inner } else { text });
                    rest = &rest[close..];
                }
            }
            cells
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_with_quorum_adopts_some_rejects_one_and_becomes_a_plan_on_sqlite() {
    a_session_with_quorum_adopts_some_rejects_one_and_becomes_a_plan(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_with_quorum_adopts_some_rejects_one_and_becomes_a_plan_on_postgres() {
    a_session_with_quorum_adopts_some_rejects_one_and_becomes_a_plan(Backend::Postgres).await;
}

async fn a_session_with_quorum_adopts_some_rejects_one_and_becomes_a_plan(backend: Backend) {
    let Some(site) = site(backend).await else {
        return;
    };
    let (unit_a, unit_b) = two_units(&site).await;
    let admin = site.sign_in("admin").await;
    add_candidate(&site, &admin, "新建社区食堂10个", &unit_a).await;
    add_candidate(
        &site,
        &admin,
        "改造老旧小区20个",
        &format!("{unit_a}、{unit_b}"),
    )
    .await;
    add_candidate(&site, &admin, "新增停车位500个", &unit_b).await;
    // A unit the registry lacks is refused with a field error, nothing added.
    let refused = site
        .post(
            &admin,
            "/vote/candidates",
            &[
                ("year", "2021"),
                ("title", "无名单位的项目"),
                ("units", "不存在局"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("单位库中没有：不存在局"));
    assert_eq!(site.store.candidates(2021).await.unwrap().len(), 3);

    let session = open_session(&site, &admin).await;
    let page = site.get(None, &format!("/vote/sessions/{session}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("应到代表"));
    assert!(
        page.body.contains("过半数参加投票（本次至少 3 人）"),
        "{}",
        page.body
    );
    assert!(page
        .body
        .contains("全体应到代表过半数的赞成票（本次至少 3 票）"));
    // The list is frozen while the session is open.
    let admin_page = site.get(Some(&admin), "/vote/admin?year=2021").await;
    assert!(admin_page.body.contains("候选项目清单已冻结"));
    assert!(!admin_page.body.contains("/withdraw"));

    let d = [
        site.sign_in("d01").await,
        site.sign_in("d02").await,
        site.sign_in("d03").await,
        site.sign_in("d04").await,
    ];
    // 4 of 5 vote. Candidate 1: 4 for. Candidate 2: 2 for, 1 against, 1 abstain: half of
    // those voting but not more than half of the roll of 5, so rejected. Candidate 3: 3 for.
    let ballots = [
        ["for", "for", "for"],
        ["for", "against", "for"],
        ["for", "abstain", "for"],
        ["for", "for", "against"],
    ];
    for (deputy, choices) in d.iter().zip(&ballots) {
        let answer = vote(&site, deputy, session, choices).await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
        assert_eq!(
            answer.location,
            format!("/vote/sessions/{session}?done=voted")
        );
        let receipt = site.get(Some(deputy), &answer.location).await;
        assert!(receipt.body.contains("已投票"));
        // The receipt says nothing of the choices, and no count shows while open.
        for word in ["赞成</td>", "反对</td>", "class=\"vote-result\""] {
            assert!(!receipt.body.contains(word), "{word}");
        }
    }
    // A deputy votes once: the ballot page and a second post are refused, nothing counted.
    let again = site
        .get(Some(&d[0]), &format!("/vote/sessions/{session}/ballot"))
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(again.body.contains("您已投票"));
    let twice = site
        .post(
            &d[0],
            &format!("/vote/sessions/{session}/ballot"),
            &[("c1", "against"), ("c2", "against"), ("c3", "against")],
        )
        .await;
    assert_eq!(twice.status, StatusCode::CONFLICT);
    // A leader is no deputy; a deputy added after opening is not on the roll.
    let leader = site.sign_in("leader1").await;
    let by_leader = vote_post(&site, &leader, session).await;
    assert_eq!(by_leader.status, StatusCode::FORBIDDEN);
    let by_admin = vote_post(&site, &admin, session).await;
    assert_eq!(
        by_admin.status,
        StatusCode::FORBIDDEN,
        "the supervisor has no vote"
    );
    add_user(
        &site.store,
        "d06",
        "新代表".into(),
        "d06-password".into(),
        Role::Deputy,
        None,
    )
    .await;
    let late = site.sign_in("d06").await;
    assert_eq!(
        vote_post(&site, &late, session).await.status,
        StatusCode::FORBIDDEN
    );
    // An incomplete ballot is refused and counts nothing.
    let d05 = site.sign_in("d05").await;
    let short = site
        .post(
            &d05,
            &format!("/vote/sessions/{session}/ballot"),
            &[("c1", "for")],
        )
        .await;
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(short.body.contains("请对每一个候选项目选择"));
    assert_eq!(
        site.store
            .vote_session(shishi_core::VoteSessionId::new(session))
            .await
            .unwrap()
            .voted,
        4
    );

    // The API shows the turnout and no count while the session is open.
    let api = site
        .get(None, &format!("/api/v1/vote-sessions/{session}"))
        .await;
    assert_eq!(api.status, StatusCode::OK);
    let json: serde_json::Value = serde_json::from_str(&api.body).unwrap();
    assert_eq!(json["state"], "open");
    assert_eq!(json["voted"], 4);
    assert!(json["candidates"][0]["counts"].is_null());

    // The supervisor sees who voted, never how.
    let roll = site
        .get(Some(&admin), &format!("/vote/sessions/{session}"))
        .await;
    assert!(roll.body.contains("d01代表：已投票"));
    assert!(roll.body.contains("d05代表：未投票"));
    assert!(roll.body.contains("已投票（实到）</dt><dd>4 人"));

    close(&site, &admin, session).await;
    let result = site.get(None, &format!("/vote/sessions/{session}")).await;
    assert_eq!(result.status, StatusCode::OK);
    assert!(result.body.contains("达到法定人数"));
    assert!(!result.body.contains("<strong>未达法定人数</strong>"));
    let rows = result_rows(&result.body);
    assert_eq!(
        rows,
        [
            ["1", "新建社区食堂10个", "通过", "4", "0", "0", "1"],
            ["2", "改造老旧小区20个", "未通过", "2", "1", "1", "1"],
            ["3", "新增停车位500个", "通过", "3", "1", "0", "1"],
        ]
    );
    let api = site
        .get(None, &format!("/api/v1/vote-sessions/{session}"))
        .await;
    let json: serde_json::Value = serde_json::from_str(&api.body).unwrap();
    assert_eq!(json["void"], false);
    assert_eq!(json["votes_to_adopt"], 3);
    assert_eq!(json["candidates"][1]["counts"]["for"], 2);
    assert_eq!(json["candidates"][1]["counts"]["not_voted"], 1);
    assert_eq!(json["candidates"][1]["adopted"], false);
    assert_eq!(json["candidates"][2]["adopted"], true);
    // The public sees counts, not the roll's names.
    assert!(!result.body.contains("d01代表"));
    let late_vote = vote_post(&site, &d05, session).await;
    assert_eq!(late_vote.status, StatusCode::CONFLICT);

    // The audit log: who voted, never how; the tallies once, at closing.
    let events = site.store.audit_events(0, 10_000).await.unwrap();
    let votes: Vec<_> = events
        .iter()
        .filter(|e| e.entity == "vote_session")
        .collect();
    let actions: Vec<&str> = votes.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions, ["open", "vote", "vote", "vote", "vote", "close"]);
    for event in &votes[1..5] {
        let after = event.after.as_deref().unwrap();
        assert!(
            after.starts_with("{\"deputy\":") && !after.contains("for"),
            "{after}"
        );
    }

    // The adopted list becomes the 2021 plan, and the portal shows it.
    let adopted = site
        .post(&admin, &format!("/vote/sessions/{session}/adopt"), &[])
        .await;
    assert_eq!(adopted.status, StatusCode::SEE_OTHER, "{}", adopted.body);
    assert!(adopted.location.starts_with("/plans/"));
    let portal = site.get(None, &adopted.location).await;
    assert_eq!(portal.status, StatusCode::OK);
    assert!(portal.body.contains("2021年民生实事项目"));
    assert!(portal.body.contains("新建社区食堂10个"));
    assert!(portal.body.contains("新增停车位500个"));
    assert!(!portal.body.contains("改造老旧小区20个"));
    let after = site.get(None, &format!("/vote/sessions/{session}")).await;
    assert!(after
        .body
        .contains(&format!("href=\"{}\"", adopted.location)));
    assert_eq!(
        site.post(&admin, &format!("/vote/sessions/{session}/adopt"), &[])
            .await
            .status,
        StatusCode::CONFLICT
    );
    assert!(site.store.verify_audit().await.is_ok());
    site.finish().await;
}

/// A complete "for" ballot for three candidates, posted as `who`.
async fn vote_post(site: &Site, who: &Browser, session: i64) -> Answer {
    site.post(
        who,
        &format!("/vote/sessions/{session}/ballot"),
        &[("c1", "for"), ("c2", "for"), ("c3", "for")],
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_session_without_quorum_is_void_and_adopts_nothing() {
    let Some(site) = site(Backend::Sqlite).await else {
        return;
    };
    let (unit, _) = two_units(&site).await;
    let admin = site.sign_in("admin").await;
    add_candidate(&site, &admin, "新建社区食堂10个", &unit).await;
    let session = open_session(&site, &admin).await;
    // 2 of 5, unanimous for: still no quorum.
    for login in ["d01", "d02"] {
        let deputy = site.sign_in(login).await;
        let answer = vote(&site, &deputy, session, &["for"]).await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER);
    }
    close(&site, &admin, session).await;
    let result = site.get(None, &format!("/vote/sessions/{session}")).await;
    assert!(
        result.body.contains("<strong>未达法定人数</strong>"),
        "{}",
        result.body
    );
    assert!(result.body.contains("本次票决无效，没有项目通过"));
    assert_eq!(
        result_rows(&result.body),
        [["1", "新建社区食堂10个", "未通过", "2", "0", "0", "3"]]
    );
    let index = site.get(None, "/votes").await;
    assert!(index.body.contains("未达法定人数，本次票决无效"));
    // No plan can be made from it, and the page offers none.
    let admin_view = site
        .get(Some(&admin), &format!("/vote/sessions/{session}"))
        .await;
    assert!(!admin_view.body.contains("/adopt"));
    let refused = site
        .post(&admin, &format!("/vote/sessions/{session}/adopt"), &[])
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert_eq!(site.store.plans().await.unwrap().len(), 1);
    let api = site.get(None, "/api/v1/vote-sessions").await;
    let json: serde_json::Value = serde_json::from_str(&api.body).unwrap();
    assert_eq!(json[0]["void"], true);
    assert_eq!(json[0]["candidates"][0]["adopted"], false);
    let document = site.get(None, "/api/v1/openapi.json").await;
    let document: serde_json::Value = serde_json::from_str(&document.body).unwrap();
    for path in ["/api/v1/vote-sessions", "/api/v1/vote-sessions/{id}"] {
        assert!(document["paths"][path]["get"].is_object(), "{path}");
    }
    site.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn proposals_pass_the_abuse_limits_and_are_public_only_once_published() {
    let Some(site) = site(Backend::Sqlite).await else {
        return;
    };
    let public = client_from(21);
    let visitor = site.visitor().await;
    let form_page = site
        .get_through(&public, Some(&visitor), "/proposals")
        .await;
    assert_eq!(form_page.status, StatusCode::OK);
    assert!(form_page.body.contains("2021年民生实事项目建议"));
    assert!(form_page.body.contains("联系方式（选填，不公开"));
    let title = "<script>alert(1)</script>社区食堂";
    let description = "老人<b>吃饭</b>难";

    // A wrong answer: the form again with what was typed, nothing stored.
    let (token, sum) = solve_challenge(&form_page.body);
    let wrong = (sum.parse::<u32>().unwrap() + 1).to_string();
    let fields = |token: &str, answer: &str| {
        vec![
            ("csrf".to_owned(), visitor.csrf.clone()),
            ("year".to_owned(), "2021".to_owned()),
            ("title".to_owned(), title.to_owned()),
            ("description".to_owned(), description.to_owned()),
            ("lead_unit".to_owned(), "区民政局".to_owned()),
            ("name".to_owned(), "王先生".to_owned()),
            ("contact".to_owned(), "13912340000".to_owned()),
            ("challenge".to_owned(), token.to_owned()),
            ("answer".to_owned(), answer.to_owned()),
        ]
    };
    let post = |form: Vec<(String, String)>| {
        let public = public.clone();
        let visitor_cookie = visitor.cookie.clone();
        let url = format!("{}/proposals", site.base);
        async move {
            Answer::read(
                public
                    .post(url)
                    .header(COOKIE, visitor_cookie)
                    .form(&form)
                    .send()
                    .await
                    .unwrap(),
            )
            .await
        }
    };
    let refused = post(fields(&token, &wrong)).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("验证题的答案不对"));
    assert!(
        refused
            .body
            .contains("&#60;script&#62;alert(1)&#60;/script&#62;社区食堂"),
        "typed text kept, as text"
    );
    assert!(!refused.body.contains("<script>alert(1)"));
    assert!(site.store.proposals(2021).await.unwrap().is_empty());

    // Answered: stored, pending, not public.
    let (token, sum) = solve_challenge(&refused.body);
    let sent = post(fields(&token, &sum)).await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    let thanks = site
        .get_through(&public, Some(&visitor), &sent.location)
        .await;
    assert!(thanks.body.contains("经督查室审核后将在本页公开"));
    assert!(
        !thanks.body.contains("社区食堂"),
        "not public before moderation"
    );
    let stored = site.store.proposals(2021).await.unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].title, title);
    assert_eq!(stored[0].proposer_contact, "13912340000");

    // Oversized: a clear refusal, nothing stored.
    let mut big = fields(&token, &sum);
    big[3].1 = "长".repeat(20_000);
    let oversized = post(big).await;
    assert_eq!(oversized.status, StatusCode::BAD_REQUEST);
    assert!(
        oversized.body.contains("提交的内容过长"),
        "{}",
        oversized.body
    );
    // The budget (3 in a row) is spent: refused before anything is read.
    let flood = post(fields(&token, &sum)).await;
    assert_eq!(flood.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(flood.body.contains("提交过于频繁"));
    assert_eq!(site.store.proposals(2021).await.unwrap().len(), 1);

    // A deputy proposes signed in, without a challenge.
    let deputy = site.sign_in("d01").await;
    let page = site.get(Some(&deputy), "/proposals").await;
    assert!(!page.body.contains("验证题"));
    let by_deputy = site
        .post(
            &deputy,
            "/proposals",
            &[
                ("year", "2021"),
                ("title", "口袋公园"),
                ("description", "老城区缺少绿地"),
                ("name", "d01代表"),
            ],
        )
        .await;
    assert_eq!(
        by_deputy.status,
        StatusCode::SEE_OTHER,
        "{}",
        by_deputy.body
    );

    // The supervisor publishes the public's and declines the deputy's; only the first shows.
    let admin = site.sign_in("admin").await;
    let queue = site.get(Some(&admin), "/vote/admin?year=2021").await;
    assert!(
        queue.body.contains("13912340000"),
        "the supervisor sees the contact"
    );
    let ids: Vec<i64> = site
        .store
        .proposals(2021)
        .await
        .unwrap()
        .iter()
        .map(|p| p.id.get())
        .collect();
    let published = site
        .post(
            &admin,
            &format!("/vote/proposals/{}/moderate", ids[0]),
            &[("decision", "publish")],
        )
        .await;
    assert_eq!(published.status, StatusCode::SEE_OTHER);
    let declined = site
        .post(
            &admin,
            &format!("/vote/proposals/{}/moderate", ids[1]),
            &[("decision", "decline"), ("reason", "已在2020年计划中")],
        )
        .await;
    assert_eq!(declined.status, StatusCode::SEE_OTHER);
    let list = site.get(None, "/proposals?year=2021").await;
    assert!(list
        .body
        .contains("&#60;script&#62;alert(1)&#60;/script&#62;社区食堂"));
    assert!(list.body.contains("老人&#60;b&#62;吃饭&#60;/b&#62;难"));
    assert!(list.body.contains("群众 王先生"));
    assert!(
        !list.body.contains("13912340000"),
        "the contact is never public"
    );
    assert!(!list.body.contains("口袋公园"));
    // Taking it onto the list: the candidate form filled in from the proposal.
    let form = site
        .post(
            &admin,
            &format!("/vote/proposals/{}/moderate", ids[0]),
            &[("decision", "candidate")],
        )
        .await;
    assert_eq!(form.status, StatusCode::OK);
    assert_eq!(
        field_value(&form.body, "proposal").as_deref(),
        Some(ids[0].to_string().as_str())
    );
    let actions: Vec<String> = site
        .store
        .audit_events(0, 10_000)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.entity == "vote_proposal")
        .map(|e| e.action)
        .collect();
    assert_eq!(actions, ["propose", "propose", "publish", "decline"]);
    site.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deputies_follow_items_and_comment_and_comments_show_as_text() {
    let Some(site) = site(Backend::Sqlite).await else {
        return;
    };
    let (unit, _) = two_units(&site).await;
    let admin = site.sign_in("admin").await;
    add_candidate(&site, &admin, "新建社区食堂10个", &unit).await;
    let session = open_session(&site, &admin).await;
    for login in ["d01", "d02", "d03"] {
        let deputy = site.sign_in(login).await;
        assert_eq!(
            vote(&site, &deputy, session, &["for"]).await.status,
            StatusCode::SEE_OTHER
        );
    }
    close(&site, &admin, session).await;
    let plan = site
        .post(&admin, &format!("/vote/sessions/{session}/adopt"), &[])
        .await;
    let plan_id: i64 = plan.location.trim_start_matches("/plans/").parse().unwrap();
    let item = site
        .store
        .plan(shishi_core::PlanId::new(plan_id))
        .await
        .unwrap()
        .items[0]
        .item
        .id
        .get();

    let deputy = site.sign_in("d01").await;
    let page = site.get(Some(&deputy), "/deputy").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("您还没有关注项目"));
    assert!(page.body.contains("新建社区食堂10个"));
    let followed = site
        .post(
            &deputy,
            "/deputy/follow",
            &[("item", &item.to_string()), ("follow", "1")],
        )
        .await;
    assert_eq!(followed.status, StatusCode::SEE_OTHER);
    let page = site.get(Some(&deputy), "/deputy").await;
    assert!(page.body.contains("我关注的项目"));
    assert!(!page.body.contains("您还没有关注项目"));
    assert!(page.body.contains("取消关注"));
    // Only deputies follow and comment.
    let leader = site.sign_in("leader1").await;
    assert_eq!(
        site.get(Some(&leader), "/deputy").await.status,
        StatusCode::FORBIDDEN
    );
    let item_path = format!("/items/{item}");
    let leader_comment = site
        .post(
            &leader,
            &format!("{item_path}/deputy-comments"),
            &[("text", "领导意见")],
        )
        .await;
    assert_eq!(leader_comment.status, StatusCode::FORBIDDEN);

    let item_page = site.get(Some(&deputy), &item_path).await;
    assert!(item_page.body.contains("人大代表意见"));
    assert!(item_page.body.contains("以人大代表身份署名公开"));
    let text = "建议<script>alert(1)</script>优先建在老旧小区";
    let posted = site
        .post(
            &deputy,
            &format!("{item_path}/deputy-comments"),
            &[("text", text)],
        )
        .await;
    assert_eq!(posted.status, StatusCode::SEE_OTHER, "{}", posted.body);
    let public = site.get(None, &item_path).await;
    assert!(public.body.contains("d01代表 代表"));
    assert!(public
        .body
        .contains("建议&#60;script&#62;alert(1)&#60;/script&#62;优先建在老旧小区"));
    assert!(!public.body.contains("<script>alert(1)"));
    assert!(
        !public.body.contains("以人大代表身份署名公开"),
        "no form for the public"
    );
    let events: Vec<String> = site
        .store
        .audit_events(0, 10_000)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.entity.starts_with("deputy_"))
        .map(|e| e.action)
        .collect();
    assert_eq!(events, ["follow", "comment"]);
    site.finish().await;
}

// ---- the secrecy test ----

/// Columns whose values depend on the wall clock or on randomness, never on a ballot, and
/// are therefore set aside when two runs are compared:
/// - `at` (audit events), `created_at`, `expires_at`: the real time of the write (the
///   server's day is fixed, but stored instants are the system clock's);
/// - `hash`, `prev_hash` (audit events): SM3 over the event including `at`;
/// - `password_hash` (users): argon2id with a random salt;
/// - `id_hash`, `csrf` (sessions): random secrets of each sign-in;
/// - `installed_on`, `execution_time` (`_sqlx_migrations`): when and how fast migrations ran.
///
/// The same names are set aside inside the audit log's before/after JSON (a sign-in event
/// records its session's `expires_at`).
///
/// Nothing else is set aside: every other column of every table, the vote's tables and the
/// audit log's actor, action, entity and before/after included, must be equal.
const CLOCK_OR_RANDOM: &[&str] = &[
    "at",
    "created_at",
    "expires_at",
    "hash",
    "prev_hash",
    "password_hash",
    "id_hash",
    "csrf",
    "installed_on",
    "execution_time",
];

/// An audit event's before/after with the clock's and randomness's keys blanked.
fn blank_json(text: &str) -> String {
    fn walk(value: &mut serde_json::Value) {
        match value {
            serde_json::Value::Object(map) => {
                for (key, inner) in map.iter_mut() {
                    if CLOCK_OR_RANDOM.contains(&key.as_str()) {
                        *inner = serde_json::Value::String("…".into());
                    } else {
                        walk(inner);
                    }
                }
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(walk),
            _ => {}
        }
    }
    match serde_json::from_str::<serde_json::Value>(text) {
        Ok(mut value) => {
            walk(&mut value);
            value.to_string()
        }
        Err(_) => text.to_owned(),
    }
}

/// Every row of every table, as `table: column=value, …` lines, with the clock's and
/// randomness's columns blanked. On SQLite the rows come in storage order (rowid, or the
/// primary key of a table without rowid), so the order rows were written in is compared too;
/// on PostgreSQL they are sorted (the physical order there moves with vacuum).
async fn dump(pool: &Pool) -> Vec<String> {
    let mut lines = Vec::new();
    match pool {
        Pool::Sqlite(pool) => {
            let tables: Vec<(String, String)> = sqlx::query_as(
                "select name, sql from sqlite_master where type = 'table' order by name",
            )
            .fetch_all(pool)
            .await
            .unwrap();
            for (table, sql) in tables {
                let without_rowid = sql.to_lowercase().contains("without rowid");
                let query = if without_rowid {
                    format!("select * from \"{table}\"")
                } else {
                    format!("select rowid as \"(rowid)\", * from \"{table}\" order by rowid")
                };
                let rows = sqlx::query(&query).fetch_all(pool).await.unwrap();
                for row in rows {
                    let mut cells = Vec::new();
                    for (i, column) in row.columns().iter().enumerate() {
                        let name = column.name();
                        let value = if CLOCK_OR_RANDOM.contains(&name) {
                            "…".to_owned()
                        } else if let Ok(v) = row.try_get::<Option<i64>, _>(i) {
                            format!("{v:?}")
                        } else if let Ok(v) = row.try_get::<Option<f64>, _>(i) {
                            format!("{v:?}")
                        } else if let Ok(v) = row.try_get::<Option<String>, _>(i) {
                            format!("{:?}", v.map(|t| blank_json(&t)))
                        } else {
                            let v: Option<Vec<u8>> = row.try_get(i).unwrap();
                            format!("{v:?}")
                        };
                        cells.push(format!("{name}={value}"));
                    }
                    lines.push(format!("{table}: {}", cells.join(", ")));
                }
            }
        }
        Pool::Postgres(pool) => {
            let tables: Vec<(String,)> = sqlx::query_as(
                "select tablename::text from pg_tables where schemaname = 'public' order by 1",
            )
            .fetch_all(pool)
            .await
            .unwrap();
            for (table,) in tables {
                let query = format!("select row_to_json(t)::text from \"{table}\" t");
                let rows: Vec<(String,)> = sqlx::query_as(&query).fetch_all(pool).await.unwrap();
                let mut table_lines: Vec<String> = rows
                    .into_iter()
                    .map(|(json,)| {
                        let value: serde_json::Value = serde_json::from_str(&json).unwrap();
                        let cells: Vec<String> = value
                            .as_object()
                            .unwrap()
                            .iter()
                            .map(|(k, v)| {
                                if CLOCK_OR_RANDOM.contains(&k.as_str()) {
                                    format!("{k}=…")
                                } else if let Some(text) = v.as_str() {
                                    format!("{k}={:?}", blank_json(text))
                                } else {
                                    format!("{k}={v}")
                                }
                            })
                            .collect();
                        format!("{table}: {}", cells.join(", "))
                    })
                    .collect();
                table_lines.sort();
                lines.extend(table_lines);
            }
        }
    }
    lines
}

/// One run of the same session: three candidates, d01 and d02 cast `first` and `second`,
/// d03 and d04 always the same, then closed. The database dumped afterwards.
async fn run(backend: Backend, first: &[&str], second: &[&str]) -> Option<Vec<String>> {
    let site = site(backend).await?;
    let (unit_a, unit_b) = two_units(&site).await;
    let admin = site.sign_in("admin").await;
    add_candidate(&site, &admin, "新建社区食堂10个", &unit_a).await;
    add_candidate(&site, &admin, "改造老旧小区20个", &unit_b).await;
    add_candidate(&site, &admin, "新增停车位500个", &unit_a).await;
    let session = open_session(&site, &admin).await;
    let steps: [(&str, &[&str]); 4] = [
        ("d01", first),
        ("d02", second),
        ("d03", &["for", "for", "against"]),
        ("d04", &["abstain", "for", "for"]),
    ];
    for (login, choices) in steps {
        let deputy = site.sign_in(login).await;
        let answer = vote(&site, &deputy, session, choices).await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    }
    close(&site, &admin, session).await;
    let dump = dump(site.store.backend()).await;
    site.finish().await;
    Some(dump)
}

async fn swapped_ballots_leave_identical_records(backend: Backend) {
    let a = ["for", "against", "abstain"];
    let b = ["against", "for", "for"];
    // Run A: d01 casts a, d02 casts b. Run B: swapped.
    let Some(run_a) = run(backend, &a, &b).await else {
        return;
    };
    let run_b = run(backend, &b, &a).await.unwrap();
    assert!(run_a
        .iter()
        .any(|l| l.starts_with("vote_session_candidates:")));
    assert!(run_a.iter().any(|l| l.starts_with("vote_roll:")));
    // The vote events are in the dump (SQLite writes `Some("vote")`, PostgreSQL `"vote"`).
    assert!(run_a.iter().any(|l| l.starts_with("audit_events:")
        && (l.contains("action=Some(\"vote\")") || l.contains("action=\"vote\""))));
    if run_a != run_b {
        let differing: Vec<(&String, &String)> =
            run_a.iter().zip(&run_b).filter(|(x, y)| x != y).collect();
        panic!(
            "the stored record tells who voted which way: {} of {} lines differ, first: {:#?}",
            differing.len(),
            run_a.len(),
            differing.iter().take(3).collect::<Vec<_>>()
        );
    }
    assert_eq!(run_a.len(), run_b.len());
    // The comparison can fail: ballots that change the result change the record.
    let run_c = run(backend, &a, &a).await.unwrap();
    assert_ne!(run_a, run_c, "a different result must show in the dump");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_ballot_can_be_linked_to_its_deputy_from_the_stored_data_on_sqlite() {
    swapped_ballots_leave_identical_records(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_ballot_can_be_linked_to_its_deputy_from_the_stored_data_on_postgres() {
    swapped_ballots_leave_identical_records(Backend::Postgres).await;
}
