//! Browser test of the public's messages (群众留言): in headless Chromium against a real
//! `shishi demo`, a member of the public leaves a message on an item from a phone-sized
//! window (reading the challenge off the page and answering it), the supervisor publishes
//! it, the head of the item's lead unit answers, the supervisor approves the answer, and the
//! public reads message and answer — but never the contact left with it. Screenshots of the
//! item page and the queue at phone and desktop widths go to `target/screenshots/`.
//!
//! Needs Debian's `chromium` and `chromium-driver` (scripts/test installs them).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use fantoccini::{Client, Locator};
use sqlx::{Connection, SqliteConnection};
use std::path::Path;
use support::*;

const TEXT: &str = "浏览器测试：学校门口能否增设<b>护学岗</b>？";
const ANSWER: &str = "浏览器测试答复：已安排每个上学日早晚值守。";
const CONTACT: &str = "13711112222";

/// The first item with a lead unit, and that unit's head's login (h + the unit's id).
async fn item_and_head(db: &Path) -> (i64, String) {
    let mut conn = SqliteConnection::connect(&format!("sqlite://{}?mode=ro", db.display()))
        .await
        .unwrap();
    let (item, unit): (i64, i64) = sqlx::query_as(
        "select iu.item, iu.unit from item_units iu join items i on i.id = iu.item \
         where iu.role = 'lead' order by i.seq, iu.position limit 1",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    let (login,): (String,) =
        sqlx::query_as("select login from users where unit = $1 and role = 'unit_head'")
            .bind(unit)
            .fetch_one(&mut conn)
            .await
            .unwrap();
    (item, login)
}

/// The newest message's id.
async fn newest_message(db: &Path) -> i64 {
    let mut conn = SqliteConnection::connect(&format!("sqlite://{}?mode=ro", db.display()))
        .await
        .unwrap();
    let (id,): (i64,) = sqlx::query_as("select max(id) from feedback")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    id
}

async fn fill(client: &Client, css: &str, text: &str) {
    let field = client.find(Locator::Css(css)).await.unwrap();
    field.clear().await.unwrap();
    field.send_keys(text).await.unwrap();
}

async fn press(client: &Client, css: &str) {
    client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|_| panic!("no {css}"))
        .click()
        .await
        .unwrap();
}

/// The sum the challenge asks for, read from its Chinese digits as a person would.
fn sum_of(question: &str) -> u32 {
    const DIGITS: [char; 10] = ['零', '一', '二', '三', '四', '五', '六', '七', '八', '九'];
    question
        .chars()
        .filter_map(|c| DIGITS.iter().position(|d| *d == c))
        .map(|n| n as u32)
        .sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_public_posts_a_message_from_a_phone_the_unit_answers_and_the_public_reads_both() {
    let data = tempfile::tempdir().unwrap();
    let (_demo, base) = start_demo(data.path());
    let (_driver, driver_url) = start_chromedriver();
    let client = browser(&driver_url).await;
    let db = data.path().join("shishi.db");
    let (item, head) = item_and_head(&db).await;
    let item_url = format!("{base}/items/{item}");

    // The public, on a phone: the form under the item, the challenge read and answered.
    client.set_window_size(PHONE.0, PHONE.1).await.unwrap();
    client.goto(&item_url).await.unwrap();
    assert!(page_says(&client, "我要留言").await);
    fill(&client, "#feedback-text", TEXT).await;
    fill(&client, "#feedback-name", "家长").await;
    fill(&client, "#feedback-contact", CONTACT).await;
    let question = client
        .find(Locator::Css(".challenge-question"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let sum = sum_of(&question);
    assert!((2..=18).contains(&sum), "{question}");
    fill(&client, "#feedback-answer", &sum.to_string()).await;
    press(&client, "#feedback-form button[type=submit]").await;
    assert!(
        page_says(&client, "审核后公开").await,
        "{}",
        body_text(&client).await
    );
    client.goto(&item_url).await.unwrap();
    assert!(!body_text(&client).await.contains("浏览器测试：学校门口"));
    let id = newest_message(&db).await;
    client.set_window_size(DESKTOP.0, DESKTOP.1).await.unwrap();

    // The supervisor publishes it from the queue, where the contact is shown.
    sign_in(&client, &base, "admin", PASSWORD).await;
    arrive(&client, "/dashboard").await;
    client.goto(&format!("{base}/feedback")).await.unwrap();
    assert!(page_says(&client, CONTACT).await);
    screenshots(&client, "feedback-queue").await;
    press(
        &client,
        &format!("form[action='/feedback/{id}/publish'] button"),
    )
    .await;
    assert!(page_says(&client, "留言已公开").await);
    sign_out(&client).await;

    // The head of the item's lead unit answers.
    sign_in(&client, &base, &head, PASSWORD).await;
    arrive(&client, "/my").await;
    client.goto(&format!("{base}/my/feedback")).await.unwrap();
    assert!(page_says(&client, "浏览器测试：学校门口").await);
    fill(&client, &format!("#answer-{id}"), ANSWER).await;
    press(
        &client,
        &format!("form[action='/feedback/{id}/answer'] button"),
    )
    .await;
    assert!(page_says(&client, "答复已提交").await);
    sign_out(&client).await;

    // The supervisor approves the answer.
    sign_in(&client, &base, "admin", PASSWORD).await;
    arrive(&client, "/dashboard").await;
    client.goto(&format!("{base}/feedback")).await.unwrap();
    press(
        &client,
        &format!("form[action='/feedback/{id}/approve-answer'] button"),
    )
    .await;
    assert!(page_says(&client, "答复已公开").await);
    sign_out(&client).await;

    // The public reads the message, its markup as text, and the answer; not the contact.
    client.goto(&item_url).await.unwrap();
    assert!(
        page_says(&client, ANSWER).await,
        "{}",
        body_text(&client).await
    );
    let text = body_text(&client).await;
    assert!(text.contains(TEXT), "the markup is shown as typed: {text}");
    assert!(!text.contains(CONTACT));
    let source = client.source().await.unwrap();
    assert!(!source.contains(CONTACT));
    assert!(!source.contains("<b>护学岗</b>"));
    assert_no_other_host("item page with messages", &source, &base);
    // The long item page is cut at 4,000 pixels: the messages at its end are shown.
    client.goto(&format!("{item_url}#feedback")).await.unwrap();
    screenshots(&client, "feedback-item").await;
    client.close().await.unwrap();
}
