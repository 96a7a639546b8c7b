//! The satisfaction survey in a real browser against `shishi demo`: the supervisor opens a
//! survey, the public rates from a 360-pixel phone window without JavaScript's help, a
//! deputy rates, the supervisor closes it, and the public results and the year-end
//! assessment show the ratings. The rating page is saved as a screenshot at phone and
//! desktop widths under `target/screenshots/`.
//!
//! Needs Debian's `chromium` and `chromium-driver` (scripts/test installs them).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use fantoccini::{Client, Locator};
use sqlx::{Connection, SqliteConnection};
use std::path::Path;
use support::*;

const WORDS: [&str; 10] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];

/// The first item's id and the id of one of its lead units.
async fn first_item(db: &Path) -> (i64, i64) {
    let mut conn = SqliteConnection::connect(&format!("sqlite://{}?mode=ro", db.display()))
        .await
        .unwrap();
    sqlx::query_as(
        "select i.id, iu.unit from items i join item_units iu on iu.item = i.id \
         and iu.role = 'lead' order by i.seq, iu.position limit 1",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap()
}

async fn click(client: &Client, css: &str) {
    client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .click()
        .await
        .unwrap();
}

async fn type_into(client: &Client, css: &str, text: &str) {
    client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .send_keys(text)
        .await
        .unwrap();
}

/// Answers the page's challenge (a sum in Chinese words) as a person would.
async fn answer_challenge(client: &Client) {
    let question = client
        .find(Locator::Css("label[for=answer]"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let sum: usize = question
        .trim_start_matches("验证题：")
        .chars()
        .filter_map(|c| WORDS.iter().position(|w| w.starts_with(c)))
        .sum();
    type_into(client, "input[name=answer]", &sum.to_string()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_survey_is_opened_rated_on_a_phone_and_by_a_deputy_closed_and_assessed() {
    let data = tempfile::tempdir().unwrap();
    let (_demo, base) = start_demo(data.path());
    let (_driver, driver_url) = start_chromedriver();
    let client = browser(&driver_url).await;
    let (item, unit) = first_item(&data.path().join("shishi.db")).await;
    let mut sources: Vec<(String, String)> = Vec::new();

    // The supervisor opens a survey; the form comes with the name filled in.
    sign_in(&client, &base, "admin", PASSWORD).await;
    arrive(&client, "/dashboard").await;
    client.goto(&format!("{base}/surveys")).await.unwrap();
    click(&client, "form[action='/surveys'] button[type=submit]").await;
    assert!(page_says(&client, "测评已开始").await);
    let results = client.current_url().await.unwrap().path().to_owned();
    let survey = results.trim_end_matches("/results").to_owned();
    assert!(survey.starts_with("/surveys/"), "{results}");
    sign_out(&client).await;

    // The public, on a phone: from the menu to the survey, two items rated.
    client.set_window_size(PHONE.0, PHONE.1).await.unwrap();
    client.goto(&format!("{base}/")).await.unwrap();
    click(&client, "nav a[href='/surveys']").await;
    arrive(&client, "/surveys").await;
    click(&client, &format!("a.button[href='{survey}']")).await;
    arrive(&client, &survey).await;
    let items = client
        .find_all(Locator::Css("fieldset.survey-item"))
        .await
        .unwrap();
    assert_eq!(items.len(), 50, "every item of the plan can be rated");
    let checked = client
        .find_all(Locator::Css("input[type=radio]:checked"))
        .await
        .unwrap();
    assert!(checked.is_empty(), "no choice is made for the person");
    screenshots(&client, "survey-rate").await;
    sources.push(("rating page".into(), client.source().await.unwrap()));
    client.set_window_size(PHONE.0, PHONE.1).await.unwrap();
    // The labels are the touch targets: a tap on the word chooses.
    let first = &items[0];
    first
        .find(Locator::Css("input[value=satisfied]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    first
        .find(Locator::Css("input[name^=c]"))
        .await
        .unwrap()
        .send_keys("<b>路灯都亮了</b>")
        .await
        .unwrap();
    items[1]
        .find(Locator::XPath(".//label[contains(., '基本满意')]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    answer_challenge(&client).await;
    click(&client, "form.survey-form > button[type=submit]").await;
    assert!(
        page_says(&client, "感谢您的评价").await,
        "{}",
        body_text(&client).await
    );
    assert!(body_text(&client).await.contains("您已评价过此项"));
    assert_eq!(
        client
            .find_all(Locator::Css(&format!("input[name='r{item}']")))
            .await
            .unwrap()
            .len(),
        0,
        "a rated item is not offered again"
    );

    // A deputy, signed in, rates the first item.
    client.set_window_size(DESKTOP.0, DESKTOP.1).await.unwrap();
    sign_in(&client, &base, "deputy", PASSWORD).await;
    arrive(&client, "/dashboard").await;
    client.goto(&format!("{base}{survey}")).await.unwrap();
    assert!(page_says(&client, "人大代表身份").await);
    click(
        &client,
        &format!("input[name='r{item}'][value=dissatisfied]"),
    )
    .await;
    click(&client, "form.survey-form > button[type=submit]").await;
    assert!(page_says(&client, "感谢您的评价").await);
    sign_out(&client).await;

    // The supervisor closes it.
    sign_in(&client, &base, "admin", PASSWORD).await;
    arrive(&client, "/dashboard").await;
    client.goto(&format!("{base}{results}")).await.unwrap();
    assert!(body_text(&client).await.contains("<b>路灯都亮了</b>"));
    click(&client, &format!("form[action='{survey}/close'] button")).await;
    assert!(page_says(&client, "测评已结束，结果已固定").await);

    // The year-end assessment takes the first item's lead unit's 50.0%: the public's 100%
    // and the deputies' 0%, each group half.
    client
        .goto(&format!("{base}/assessment/units/{unit}"))
        .await
        .unwrap();
    assert!(
        page_says(&client, "满意率50.0%").await,
        "{}",
        body_text(&client).await
    );
    sources.push(("assessment".into(), client.source().await.unwrap()));
    sign_out(&client).await;

    // The public reads the results, without the comment.
    client.goto(&format!("{base}{results}")).await.unwrap();
    assert!(page_says(&client, "按牵头单位").await);
    let text = body_text(&client).await;
    assert!(text.contains("群众 2 条，人大代表 1 条"), "{text}");
    assert!(!text.contains("路灯都亮了"));
    let row = client
        .find(Locator::XPath(&format!(
            "//tr[th/a[@href='/items/{item}']]"
        )))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        row.contains("100.0%") && row.contains("0.0%") && row.contains("50.0%"),
        "{row}"
    );
    screenshots(&client, "survey-results").await;
    sources.push(("results".into(), client.source().await.unwrap()));

    for (page, source) in &sources {
        assert_no_other_host(page, source, &base);
    }
    client.close().await.unwrap();
}
