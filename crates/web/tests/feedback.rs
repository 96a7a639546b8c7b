//! The public's messages (群众留言) end to end: a real server on port 0 over a fresh database,
//! the public posting through the item page's form (its CSRF cookie and challenge read off the
//! page), the supervisor moderating, the lead unit answering, the answer approved and shown.
//! And the abuse limits: oversized, malformed, reused-challenge and flooding posts are refused
//! with a clear answer and store nothing, while the rest of the site keeps answering.
//!
//! Markup a person types is shown as text: askama writes `<` and `>` as `&#60;` and `&#62;`.
//!
//! Each anonymous poster gets its own loopback address (127.0.0.N), since the budget is kept
//! per address and every test would otherwise share 127.0.0.1's.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{
    add_user, client_from, field_value, solve_challenge, Answer, Backend, Browser, Options, Site,
};
use reqwest::header::COOKIE;
use reqwest::{Client, StatusCode};
use shishi_core::{ItemId, Moderation, PlanId, Role, UnitId};
use std::time::{Duration, Instant};

const CONTACT: &str = "13912340000";

/// The plan, its first item with a lead unit, that unit and one that leads other items only.
async fn an_item(site: &Site) -> (PlanId, ItemId, UnitId, UnitId) {
    let plan = site.store.plans().await.unwrap()[0].id();
    let detail = site.store.plan(plan).await.unwrap();
    let entry = detail
        .items
        .iter()
        .find(|e| !e.item.lead_units.is_empty())
        .unwrap();
    let lead = entry.item.lead_units[0];
    let other = detail
        .items
        .iter()
        .flat_map(|e| e.item.lead_units.iter())
        .copied()
        .find(|u| !entry.item.lead_units.contains(u))
        .unwrap();
    (plan, entry.item.id, lead, other)
}

/// The public's message through the item page's form, challenge answered: what the server
/// said.
async fn post_message(
    site: &Site,
    client: &Client,
    visitor: &Browser,
    item: ItemId,
    text: &str,
    name: &str,
    contact: &str,
) -> Answer {
    let page = site
        .get_through(client, Some(visitor), &format!("/items/{item}"))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    let (token, sum) = solve_challenge(&page.body);
    let csrf = field_value(&page.body, "csrf").unwrap();
    site.post_through(
        client,
        visitor,
        &format!("/items/{item}/feedback"),
        &[
            ("csrf", &csrf),
            ("text", text),
            ("name", name),
            ("contact", contact),
            ("challenge", &token),
            ("answer", &sum),
        ],
    )
    .await
}

async fn stored(site: &Site, plan: PlanId) -> Vec<shishi_core::Feedback> {
    site.store.feedback_for_plan(plan).await.unwrap()
}

async fn site(backend: Backend) -> Option<Site> {
    Site::new(Options {
        backend,
        users: &[("admin", Role::Admin, None), ("leader", Role::Leader, None)],
        ..Options::default()
    })
    .await
}

/// Adds a unit head and a reporter of `unit`, with the default test passwords.
async fn unit_users(site: &Site, unit: UnitId, head: &str, reporter: &str) {
    for (login, role) in [(head, Role::UnitHead), (reporter, Role::Reporter)] {
        add_user(
            &site.store,
            login,
            login.to_owned(),
            format!("{login}-password"),
            role,
            Some(unit),
        )
        .await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_from_the_public_is_moderated_answered_approved_and_shown_on_sqlite() {
    a_message_from_the_public_is_moderated_answered_approved_and_shown(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_from_the_public_is_moderated_answered_approved_and_shown_on_postgres() {
    a_message_from_the_public_is_moderated_answered_approved_and_shown(Backend::Postgres).await;
}

async fn a_message_from_the_public_is_moderated_answered_approved_and_shown(backend: Backend) {
    let Some(site) = site(backend).await else {
        return;
    };
    let (plan, item, lead, other) = an_item(&site).await;
    unit_users(&site, lead, "head", "reporter").await;
    unit_users(&site, other, "otherhead", "otherreporter").await;
    let audit_start = site.store.verify_audit().await.unwrap();
    let public = client_from(11);
    let visitor = site.visitor().await;
    let item_path = format!("/items/{item}");

    // The item page offers the form to the public, with a challenge and no messages yet.
    let page = site.get_through(&public, None, &item_path).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("群众留言"));
    assert!(page.body.contains("尚无公开的留言"));
    assert!(page.body.contains("验证题"));
    assert!(page.body.contains("联系方式"));

    let text = "学校门口<script>alert(1)</script>早高峰很堵，\n能否<b>增设</b>护学岗？";
    let sent = post_message(&site, &public, &visitor, item, text, "王先生<i>", CONTACT).await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    assert_eq!(sent.location, format!("/items/{item}/feedback/sent"));
    let thanks = site
        .get_through(&public, Some(&visitor), &sent.location)
        .await;
    assert_eq!(thanks.status, StatusCode::OK);
    assert!(thanks.body.contains("审核后公开"), "{}", thanks.body);

    let messages = stored(&site, plan).await;
    assert_eq!(messages.len(), 1);
    let message = &messages[0];
    let id = message.id().get();
    assert_eq!(message.moderation(), &Moderation::Pending);
    assert_eq!(message.contact().unwrap().as_str(), CONTACT);
    assert_eq!(message.posted_by(), None);
    assert_eq!(
        message.text().as_str(),
        "学校门口<script>alert(1)</script>早高峰很堵，\n能否<b>增设</b>护学岗？"
    );

    // Pending: not on the public page.
    let page = site.get_through(&public, None, &item_path).await;
    assert!(!page.body.contains("早高峰很堵"));

    // A leader reads the queue, without the contact and without the supervisor's forms.
    let leader = site.sign_in("leader").await;
    let queue = site.get(Some(&leader), "/feedback").await;
    assert_eq!(queue.status, StatusCode::OK);
    assert!(queue.body.contains("早高峰很堵"));
    assert!(
        !queue.body.contains(CONTACT),
        "a leader does not see the contact"
    );
    assert!(!queue.body.contains(&format!("/feedback/{id}/publish")));
    let refused = site
        .post(&leader, &format!("/feedback/{id}/publish"), &[])
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    // The supervisor sees the contact, and publishes.
    let admin = site.sign_in("admin").await;
    let queue = site.get(Some(&admin), "/feedback").await;
    assert!(queue.body.contains("待审核留言（1）"), "{}", queue.body);
    assert!(queue.body.contains(CONTACT));
    assert!(queue
        .body
        .contains("&#60;script&#62;alert(1)&#60;/script&#62;"));
    let published = site
        .post(&admin, &format!("/feedback/{id}/publish"), &[])
        .await;
    assert_eq!(
        published.status,
        StatusCode::SEE_OTHER,
        "{}",
        published.body
    );
    assert_eq!(
        site.post(&admin, &format!("/feedback/{id}/publish"), &[])
            .await
            .status,
        StatusCode::CONFLICT,
        "published twice"
    );

    // The public reads it, markup shown as text, and never the contact.
    let page = site.get_through(&public, None, &item_path).await;
    assert!(page.body.contains("早高峰很堵"));
    assert!(page
        .body
        .contains("&#60;script&#62;alert(1)&#60;/script&#62;"));
    assert!(page.body.contains("&#60;b&#62;增设&#60;/b&#62;"));
    assert!(page.body.contains("王先生&#60;i&#62;"));
    assert!(!page.body.contains("<script>alert(1)"));
    assert!(!page.body.contains("<b>增设"));
    assert!(!page.body.contains(CONTACT));

    // The lead unit's head sees it with the contact and answers; another unit cannot.
    let head = site.sign_in("head").await;
    let mine = site.get(Some(&head), "/my/feedback").await;
    assert_eq!(mine.status, StatusCode::OK);
    assert!(mine.body.contains("早高峰很堵"));
    assert!(mine.body.contains(CONTACT));
    assert!(mine.body.contains(&format!("/feedback/{id}/answer")));
    let stranger = site.sign_in("otherhead").await;
    let theirs = site.get(Some(&stranger), "/my/feedback").await;
    assert!(!theirs.body.contains("早高峰很堵"));
    let intruding = site
        .post(
            &stranger,
            &format!("/feedback/{id}/answer"),
            &[("text", "不是我们的")],
        )
        .await;
    assert_eq!(intruding.status, StatusCode::FORBIDDEN);
    let empty = site
        .post(&head, &format!("/feedback/{id}/answer"), &[("text", "  ")])
        .await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(empty.body.contains("请填写答复内容"));
    let answered = site
        .post(
            &head,
            &format!("/feedback/{id}/answer"),
            &[("text", "已安排人员值守。")],
        )
        .await;
    assert_eq!(answered.status, StatusCode::SEE_OTHER, "{}", answered.body);
    let page = site.get_through(&public, None, &item_path).await;
    assert!(!page.body.contains("已安排人员值守"), "not before approval");

    // Returned without a reason: refused; with one: back to the unit, who answers again.
    let queue = site.get(Some(&admin), "/feedback").await;
    assert!(queue.body.contains("待审核答复（1）"));
    let no_reason = site
        .post(
            &admin,
            &format!("/feedback/{id}/return-answer"),
            &[("text", "")],
        )
        .await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(no_reason.body.contains("须填写原因"));
    let returned = site
        .post(
            &admin,
            &format!("/feedback/{id}/return-answer"),
            &[("text", "请说明值守时间")],
        )
        .await;
    assert_eq!(returned.status, StatusCode::SEE_OTHER);
    let mine = site.get(Some(&head), "/my/feedback").await;
    assert!(mine.body.contains("请说明值守时间"));
    // The unit's reporter may answer too.
    let reporter = site.sign_in("reporter").await;
    let again = site
        .post(
            &reporter,
            &format!("/feedback/{id}/answer"),
            &[("text", "每个上学日7:00至8:00安排交警值守。")],
        )
        .await;
    assert_eq!(again.status, StatusCode::SEE_OTHER, "{}", again.body);
    let approved = site
        .post(&admin, &format!("/feedback/{id}/approve-answer"), &[])
        .await;
    assert_eq!(approved.status, StatusCode::SEE_OTHER);

    // The public reads message and answer, with the answering unit's name.
    let page = site.get_through(&public, None, &item_path).await;
    assert!(page.body.contains("每个上学日7:00至8:00安排交警值守。"));
    assert!(page.body.contains(" 答复 · "));
    assert!(
        !page.body.contains("已安排人员值守"),
        "the returned answer is not public"
    );
    assert!(!page.body.contains(CONTACT));

    // The same through the public API, described in the OpenAPI document.
    let json = site
        .get_through(&public, None, &format!("/api/v1/items/{item}/feedback"))
        .await;
    assert_eq!(json.status, StatusCode::OK);
    let list: serde_json::Value = serde_json::from_str(&json.body).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["text"], message.text().as_str());
    assert_eq!(list[0]["name"], "王先生<i>");
    assert_eq!(
        list[0]["answer"]["text"],
        "每个上学日7:00至8:00安排交警值守。"
    );
    assert_eq!(list[0]["answer"]["unit"], lead.get());
    assert!(!json.body.contains(CONTACT));
    assert_eq!(
        site.get_through(&public, None, "/api/v1/items/999999/feedback")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    let openapi = site
        .get_through(&public, None, "/api/v1/openapi.json")
        .await;
    assert!(openapi.body.contains("/api/v1/items/{id}/feedback"));

    // The contact is on no public page.
    for path in ["/", &format!("/plans/{plan}"), &item_path, &sent.location] {
        let page = site.get_through(&public, None, path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert!(!page.body.contains(CONTACT), "{path} shows the contact");
    }

    // Every step in the audit log, the public's post by no user, and no contact anywhere.
    let events = site
        .store
        .audit_events(audit_start as i64, 1000)
        .await
        .unwrap();
    let ours: Vec<(String, String)> = events
        .iter()
        .filter(|e| e.entity == "feedback")
        .map(|e| (e.action.clone(), e.actor.clone()))
        .collect();
    let admin_id = format!("user:{}", site.user_id("admin").await);
    let head_id = format!("user:{}", site.user_id("head").await);
    let reporter_id = format!("user:{}", site.user_id("reporter").await);
    assert_eq!(
        ours,
        [
            ("post".to_owned(), "public".to_owned()),
            ("publish".to_owned(), admin_id.clone()),
            ("answer".to_owned(), head_id),
            ("return_answer".to_owned(), admin_id.clone()),
            ("answer".to_owned(), reporter_id),
            ("approve_answer".to_owned(), admin_id),
        ]
    );
    for event in &events {
        let json = format!("{:?}{:?}", event.before, event.after);
        assert!(!json.contains(CONTACT), "no contact in the audit log");
    }
    site.store.verify_audit().await.unwrap();
    site.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_is_hidden_with_a_reason_stays_stored_and_leaves_the_public_page() {
    let Some(site) = site(Backend::Sqlite).await else {
        return;
    };
    let (plan, item, _, _) = an_item(&site).await;
    let public = client_from(12);
    let visitor = site.visitor().await;
    for text in ["广告：代办各类证件", "希望公交站增加遮阳棚"] {
        let sent = post_message(&site, &public, &visitor, item, text, "", "").await;
        assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    }
    let messages = stored(&site, plan).await;
    let (kept, spam) = (messages[0].id().get(), messages[1].id().get());
    let admin = site.sign_in("admin").await;
    let no_reason = site
        .post(&admin, &format!("/feedback/{spam}/hide"), &[("text", " ")])
        .await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(no_reason.body.contains("隐藏留言须填写原因"));
    assert_eq!(
        stored(&site, plan).await[1].moderation(),
        &Moderation::Pending
    );
    let hidden = site
        .post(
            &admin,
            &format!("/feedback/{spam}/hide"),
            &[("text", "广告")],
        )
        .await;
    assert_eq!(hidden.status, StatusCode::SEE_OTHER);
    site.post(&admin, &format!("/feedback/{kept}/publish"), &[])
        .await;
    let page = site
        .get_through(&public, None, &format!("/items/{item}"))
        .await;
    assert!(page.body.contains("希望公交站增加遮阳棚"));
    assert!(
        page.body.contains("匿名"),
        "a message without a name is anonymous"
    );
    assert!(!page.body.contains("代办各类证件"));

    // A published message hidden later leaves the page too; both stay stored.
    let later = site
        .post(
            &admin,
            &format!("/feedback/{kept}/hide"),
            &[("text", "含有他人电话")],
        )
        .await;
    assert_eq!(later.status, StatusCode::SEE_OTHER);
    let page = site
        .get_through(&public, None, &format!("/items/{item}"))
        .await;
    assert!(!page.body.contains("希望公交站增加遮阳棚"));
    assert!(page.body.contains("尚无公开的留言"));
    let messages = stored(&site, plan).await;
    assert_eq!(messages.len(), 2);
    assert!(messages.iter().all(|m| m.moderation().name() == "hidden"));
    let queue = site.get(Some(&admin), "/feedback").await;
    assert!(queue.body.contains("已隐藏留言（2）"));
    assert!(queue.body.contains("原因：含有他人电话"));
    site.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_posts_get_a_clear_error_next_to_the_field_keep_the_text_and_store_nothing() {
    let Some(site) = site(Backend::Sqlite).await else {
        return;
    };
    let (plan, item, _, _) = an_item(&site).await;
    let visitor = site.visitor().await;
    let path = format!("/items/{item}/feedback");
    // Each case from its own address, so the budget is not what refuses it.
    let too_long = "灯".repeat(1001);
    let cases: [(&str, &str, &str, &str); 4] = [
        ("", "赵女士", "", "请填写留言内容"),
        (&too_long, "", "", "留言最多 1000 字，现有 1001 字"),
        ("请修路\u{1b}[31m", "", "", "控制字符"),
        ("路灯坏了", "张\n三", "", "姓名中含有不可见的控制字符"),
    ];
    for (n, (text, name, contact, says)) in cases.into_iter().enumerate() {
        let client = client_from(20 + n as u8);
        let answer = post_message(&site, &client, &visitor, item, text, name, contact).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{says}");
        assert!(answer.body.contains(says), "{says}: {}", answer.body);
        assert!(answer.body.contains("class=\"field-error\""));
        assert!(answer.body.contains("留言未提交"));
        // What was typed is kept (escaped), and a new challenge is asked.
        if !text.is_empty() && !text.contains('\u{1b}') {
            assert!(
                answer.body.contains(text.trim()),
                "{says}: the text is kept"
            );
        }
        solve_challenge(&answer.body);
    }

    // A wrong answer to the challenge, and none at all.
    let client = client_from(30);
    let page = site
        .get_through(&client, Some(&visitor), &format!("/items/{item}"))
        .await;
    let (token, sum) = solve_challenge(&page.body);
    let wrong = (sum.parse::<u32>().unwrap() + 1).to_string();
    let typed = "<b>不要</b>丢了我写的字";
    let answer = site
        .post_through(
            &client,
            &visitor,
            &path,
            &[
                ("csrf", &visitor.csrf),
                ("text", typed),
                ("challenge", &token),
                ("answer", &wrong),
            ],
        )
        .await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert!(answer.body.contains("验证题的答案不对"));
    assert!(answer
        .body
        .contains("&#60;b&#62;不要&#60;/b&#62;丢了我写的字"));
    let missing = site
        .post_through(
            &client,
            &visitor,
            &path,
            &[("csrf", &visitor.csrf), ("text", "没有验证题")],
        )
        .await;
    assert_eq!(missing.status, StatusCode::BAD_REQUEST);
    assert!(missing.body.contains("验证题已过期或已使用"));

    // Without the CSRF token; to an item that does not exist.
    let client = client_from(31);
    let page = site
        .get_through(&client, Some(&visitor), &format!("/items/{item}"))
        .await;
    let (token, sum) = solve_challenge(&page.body);
    let forged = site
        .post_through(
            &client,
            &visitor,
            &path,
            &[("text", "伪造"), ("challenge", &token), ("answer", &sum)],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let (token, sum) = solve_challenge(&page.body);
    let nowhere = site
        .post_through(
            &client,
            &visitor,
            "/items/999999/feedback",
            &[
                ("csrf", &visitor.csrf),
                ("text", "没有这个项目"),
                ("challenge", &token),
                ("answer", &sum),
            ],
        )
        .await;
    assert_eq!(nowhere.status, StatusCode::BAD_REQUEST);
    assert!(nowhere.body.contains("留言的项目不存在"));

    assert!(stored(&site, plan).await.is_empty(), "nothing stored");
    site.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_post_is_refused_with_413_and_nothing_is_stored() {
    let Some(site) = site(Backend::Sqlite).await else {
        return;
    };
    let (plan, item, _, _) = an_item(&site).await;
    let client = client_from(40);
    let visitor = site.visitor().await;
    let page = site
        .get_through(&client, Some(&visitor), &format!("/items/{item}"))
        .await;
    let (token, sum) = solve_challenge(&page.body);
    let huge = "a".repeat(100 * 1024);
    let answer = site
        .post_through(
            &client,
            &visitor,
            &format!("/items/{item}/feedback"),
            &[
                ("csrf", &visitor.csrf),
                ("text", &huge),
                ("challenge", &token),
                ("answer", &sum),
            ],
        )
        .await;
    assert_eq!(answer.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(answer.body.contains("提交的内容过长"), "{}", answer.body);
    assert!(answer.content_type.starts_with("text/html"));
    assert!(stored(&site, plan).await.is_empty());
    site.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_challenge_is_used_once_and_a_signed_in_user_needs_none() {
    let Some(site) = site(Backend::Sqlite).await else {
        return;
    };
    let (plan, item, _, _) = an_item(&site).await;
    let client = client_from(50);
    let visitor = site.visitor().await;
    let page = site
        .get_through(&client, Some(&visitor), &format!("/items/{item}"))
        .await;
    let (token, sum) = solve_challenge(&page.body);
    let form = [
        ("csrf", visitor.csrf.as_str()),
        ("text", "第一次提交"),
        ("challenge", &token),
        ("answer", &sum),
    ];
    let path = format!("/items/{item}/feedback");
    let first = site.post_through(&client, &visitor, &path, &form).await;
    assert_eq!(first.status, StatusCode::SEE_OTHER, "{}", first.body);
    let replayed = site.post_through(&client, &visitor, &path, &form).await;
    assert_eq!(replayed.status, StatusCode::BAD_REQUEST);
    assert!(replayed.body.contains("验证题已过期或已使用"));
    assert_eq!(stored(&site, plan).await.len(), 1);

    // A signed-in user gets no challenge and posts without one; still moderated.
    let leader = site.sign_in("leader").await;
    let page = site.get(Some(&leader), &format!("/items/{item}")).await;
    assert!(page.body.contains("我要留言"));
    assert!(!page.body.contains("验证题"));
    let posted = site
        .post(&leader, &path, &[("text", "代表关注此项目")])
        .await;
    assert_eq!(posted.status, StatusCode::SEE_OTHER, "{}", posted.body);
    let messages = stored(&site, plan).await;
    assert_eq!(messages.len(), 2);
    assert_eq!(messages[0].posted_by(), Some(site.user_id("leader").await));
    assert_eq!(messages[0].moderation(), &Moderation::Pending);
    site.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_posts_from_one_address_are_mostly_refused_while_the_site_keeps_answering() {
    let Some(site) = site(Backend::Sqlite).await else {
        return;
    };
    let (plan, item, _, _) = an_item(&site).await;
    let flooder = client_from(60);
    let visitor = site.visitor().await;
    let page = site
        .get_through(&flooder, Some(&visitor), &format!("/items/{item}"))
        .await;
    let (token, sum) = solve_challenge(&page.body);
    let path = format!("/items/{item}/feedback");
    // Every post carries the same (valid, then used) challenge: a script replaying one form.
    let form: Vec<(String, String)> = vec![
        ("csrf".into(), visitor.csrf.clone()),
        ("text".into(), "刷屏".into()),
        ("challenge".into(), token),
        ("answer".into(), sum),
    ];

    let flood_started = Instant::now();
    let mut tasks = Vec::new();
    for worker in 0..10 {
        let client = flooder.clone();
        let url = format!("{}{path}", site.base);
        let cookie = visitor.cookie.clone();
        let form = form.clone();
        tasks.push(tokio::spawn(async move {
            let mut statuses = Vec::new();
            for _ in 0..100 {
                let response = client
                    .post(&url)
                    .header(COOKIE, &cookie)
                    .form(&form)
                    .send()
                    .await
                    .unwrap();
                statuses.push(response.status());
            }
            let _ = worker;
            statuses
        }));
    }
    // Meanwhile another reader gets the portal and the item page.
    let reader = client_from(61);
    let mut slowest = Duration::ZERO;
    let mut reads = 0;
    while tasks.iter().any(|t| !t.is_finished()) {
        for path in ["/".to_owned(), format!("/items/{item}")] {
            let started = Instant::now();
            let page = site.get_through(&reader, None, &path).await;
            assert_eq!(page.status, StatusCode::OK, "{path} during the flood");
            slowest = slowest.max(started.elapsed());
            reads += 1;
        }
    }
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.extend(task.await.unwrap());
    }
    let flood_took = flood_started.elapsed();
    let refused = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    let stored_ok = statuses
        .iter()
        .filter(|s| **s == StatusCode::SEE_OTHER)
        .count();
    let bad = statuses
        .iter()
        .filter(|s| **s == StatusCode::BAD_REQUEST)
        .count();
    eprintln!(
        "1000 posts in {flood_took:?}: {refused} refused (429), {stored_ok} stored, {bad} bad \
         challenge (400); {reads} page reads meanwhile, slowest {slowest:?}"
    );
    assert_eq!(statuses.len(), 1000);
    assert_eq!(refused + stored_ok + bad, 1000);
    // The burst is five; a sixth may come back within the test's few seconds at most.
    assert!(refused >= 994, "{refused} refused");
    assert!(stored_ok <= 1, "the replayed challenge is taken once");
    assert!(reads > 0);
    assert!(slowest < Duration::from_secs(2), "slowest read {slowest:?}");
    assert_eq!(stored(&site, plan).await.len(), stored_ok);

    // A refusal is a page in Chinese with Retry-After; another address is not affected.
    let response = flooder
        .post(format!("{}{path}", site.base))
        .header(COOKIE, &visitor.cookie)
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry >= 1);
    assert!(response.text().await.unwrap().contains("提交过于频繁"));
    let neighbour = client_from(62);
    let sent = post_message(&site, &neighbour, &visitor, item, "我是另一位居民", "", "").await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    site.finish().await;
}
