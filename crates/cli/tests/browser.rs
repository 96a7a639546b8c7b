//! Browser tests: headless Chromium, driven through chromedriver (WebDriver), against a real
//! `shishi demo` on a fresh database. They follow the people who use the site: the public
//! reads the portal, a reporter files a report with a photo from a phone-sized window, the
//! supervisor approves it, and the public sees it. Screenshots of the main pages at phone and
//! desktop widths are saved under `target/screenshots/` for a person to look at.
//!
//! Needs Debian's `chromium` and `chromium-driver` (scripts/test installs them); the
//! paths can be changed with SHISHI_CHROMIUM and SHISHI_CHROMEDRIVER.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use fantoccini::{Client, Locator};
use serde_json::json;
use sqlx::{Connection, SqliteConnection};
use std::path::Path;
use support::*;

struct Cast {
    /// A reporter, their unit, and a quantity target of an item their unit leads.
    reporter: String,
    target: i64,
    target_value: f64,
    item: i64,
    /// A report of another unit, which the reporter may not open.
    foreign_report: i64,
}

async fn cast(db: &Path) -> Cast {
    let mut conn = SqliteConnection::connect(&format!("sqlite://{}?mode=ro", db.display()))
        .await
        .unwrap();
    let (unit, target, target_value, item): (i64, i64, f64, i64) = sqlx::query_as(
        "select iu.unit, t.id, t.value, t.item from targets t \
         join item_units iu on iu.item = t.item and iu.role = 'lead' \
         join users u on u.unit = iu.unit and u.role = 'reporter' \
         where t.kind = 'quantity' and t.value >= 10 order by t.item, t.position limit 1",
    )
    .fetch_one(&mut conn)
    .await
    .unwrap();
    let reporter: (String,) =
        sqlx::query_as("select login from users where unit = $1 and role = 'reporter'")
            .bind(unit)
            .fetch_one(&mut conn)
            .await
            .unwrap();
    let foreign: (i64,) = sqlx::query_as(
        "select r.id from reports r join targets t on t.id = r.target \
         where not exists (select 1 from item_units x \
                           where x.item = t.item and x.role = 'lead' and x.unit = $1) \
         order by r.id limit 1",
    )
    .bind(unit)
    .fetch_one(&mut conn)
    .await
    .unwrap();
    Cast {
        reporter: reporter.0,
        target,
        target_value,
        item,
        foreign_report: foreign.0,
    }
}

async fn count_reports(db: &Path) -> i64 {
    let mut conn = SqliteConnection::connect(&format!("sqlite://{}?mode=ro", db.display()))
        .await
        .unwrap();
    let (n,): (i64,) = sqlx::query_as("select count(*) from report_revisions")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    n
}

/// The session cookie the browser holds, to ask the server the same question over plain HTTP
/// and read the status code, which WebDriver does not show.
async fn session_cookie(client: &Client) -> String {
    let cookie = client
        .get_named_cookie("shishi_session")
        .await
        .expect("signed in");
    format!("shishi_session={}", cookie.value())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_public_a_reporter_and_the_supervisor_use_the_site_in_a_real_browser() {
    let data = tempfile::tempdir().unwrap();
    let (_demo, base) = start_demo(data.path());
    let (_driver, driver_url) = start_chromedriver();
    let client = browser(&driver_url).await;
    let db = data.path().join("shishi.db");
    let cast = cast(&db).await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut sources: Vec<(String, String)> = Vec::new();

    // The public portal shows all 50 items, each with a light that has a word.
    client.goto(&format!("{base}/")).await.unwrap();
    let items = client.find_all(Locator::Css("li.item")).await.unwrap();
    assert_eq!(items.len(), 50, "the portal lists every item of the notice");
    let lights = client
        .find_all(Locator::Css("li.item .light"))
        .await
        .unwrap();
    assert_eq!(lights.len(), 50);
    assert!(!lights[0].text().await.unwrap().trim().is_empty());
    let portal_png = screenshots(&client, "portal").await;
    sources.push(("portal".into(), client.source().await.unwrap()));

    // An item page.
    client
        .goto(&format!("{base}/items/{}", cast.item))
        .await
        .unwrap();
    client.find(Locator::Css("table.targets")).await.unwrap();
    screenshots(&client, "item").await;
    sources.push(("item".into(), client.source().await.unwrap()));

    // A reporter signs in on a phone and files a report with a photo.
    client.set_window_size(PHONE.0, PHONE.1).await.unwrap();
    sign_in(&client, &base, &cast.reporter, PASSWORD).await;
    arrive(&client, "/my").await;
    sources.push(("my targets".into(), client.source().await.unwrap()));
    let form_url = format!("{base}/targets/{}/report", cast.target);
    client.goto(&form_url).await.unwrap();
    screenshots(&client, "report-form").await;
    sources.push(("report form".into(), client.source().await.unwrap()));

    // First, a form whose CSRF token was taken out is refused, and nothing is written.
    let before = count_reports(&db).await;
    client
        .execute(
            "document.querySelector(\"form[enctype='multipart/form-data'] input[name=csrf]\").remove();",
            vec![],
        )
        .await
        .unwrap();
    fill_report(&client, &cast, None).await;
    assert!(
        page_says(&client, "表单已失效").await,
        "a form posted without its CSRF token is refused: {}",
        body_text(&client).await
    );
    assert_eq!(count_reports(&db).await, before, "nothing was written");

    // Then the real report, with the portal's screenshot as the site photo.
    let photo = data.path().join("现场照片.png");
    std::fs::write(&photo, &portal_png).unwrap();
    client.goto(&form_url).await.unwrap();
    fill_report(&client, &cast, Some(&photo)).await;
    arrive(&client, "/reports/").await;
    let report_url = client.current_url().await.unwrap();
    let report_id: i64 = report_url
        .path()
        .strip_prefix("/reports/")
        .unwrap_or_else(|| panic!("after filing, the report's page: {report_url}"))
        .parse()
        .unwrap();
    assert_eq!(count_reports(&db).await, before + 1);
    assert!(!client
        .find_all(Locator::Css("img.photo"))
        .await
        .unwrap()
        .is_empty());
    sources.push(("report".into(), client.source().await.unwrap()));

    // Another unit's report is refused: the page says so, and the status is 403.
    let foreign = format!("{base}/reports/{}", cast.foreign_report);
    client.goto(&foreign).await.unwrap();
    assert!(page_says(&client, "无权访问").await);
    let status = http
        .get(&foreign)
        .header("cookie", session_cookie(&client).await)
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status, 403, "a reporter opening another unit's report");
    sign_out(&client).await;

    // Not yet approved: the public does not see the update.
    client
        .goto(&format!("{base}/items/{}", cast.item))
        .await
        .unwrap();
    let public_before = client
        .find_all(Locator::Css("img.photo"))
        .await
        .unwrap()
        .len();

    // The supervisor approves it from the review queue; the dashboard first.
    client.set_window_size(DESKTOP.0, DESKTOP.1).await.unwrap();
    sign_in(&client, &base, "admin", PASSWORD).await;
    arrive(&client, "/dashboard").await;
    client.goto(&format!("{base}/dashboard")).await.unwrap();
    assert!(
        client.find(Locator::Css("svg")).await.is_ok(),
        "the dashboard draws its charts as SVG"
    );
    screenshots(&client, "dashboard").await;
    sources.push(("dashboard".into(), client.source().await.unwrap()));
    client.goto(&format!("{base}/review")).await.unwrap();
    sources.push(("review".into(), client.source().await.unwrap()));
    screenshots(&client, "review").await;
    client
        .find(Locator::Css(&format!(
            "form[action='/reports/{report_id}/approve'] button"
        )))
        .await
        .expect("the new report waits in the review queue")
        .click()
        .await
        .unwrap();
    assert!(
        page_says(&client, "已审核通过").await,
        "approving returns to the queue with a confirmation"
    );
    sign_out(&client).await;

    // The public item page shows the approved update and its photo, which loads.
    client
        .goto(&format!("{base}/items/{}", cast.item))
        .await
        .unwrap();
    let photos = client.find_all(Locator::Css("img.photo")).await.unwrap();
    assert_eq!(
        photos.len(),
        public_before + 1,
        "the approved photo is public"
    );
    let loaded = client
        .execute(
            "return Array.from(document.querySelectorAll('img.photo'))\
             .every(img => img.complete && img.naturalWidth > 0);",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(loaded, json!(true), "every photo on the item page loads");
    assert!(page_says(&client, "浏览器测试：已完成主体施工").await);
    screenshots(&client, "item-with-update").await;

    // A wrong password five times locks the account; then even the right one is refused.
    for attempt in 1..=5 {
        sign_in(&client, &base, "leader", "wrong-password").await;
        // The fifth failure already answers with the lock.
        let expected = if attempt < 5 {
            "用户名或密码错误"
        } else {
            "账号已锁定"
        };
        assert!(page_says(&client, expected).await, "attempt {attempt}");
    }
    sign_in(&client, &base, "leader", PASSWORD).await;
    assert!(
        page_says(&client, "账号已锁定").await,
        "the locked account is refused even with the right password"
    );
    assert!(client
        .current_url()
        .await
        .unwrap()
        .path()
        .starts_with("/login"));

    // No page names another host, nor does the stylesheet.
    sources.push(("login".into(), client.source().await.unwrap()));
    let css = http
        .get(format!("{base}/static/shishi.css"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    sources.push(("stylesheet".into(), css));
    for (page, source) in &sources {
        assert_no_other_host(page, source, &base);
    }

    client.close().await.unwrap();
}

/// Fills the report form (the figure as 80% of the target, typed the Chinese way when it is a
/// round number) and submits it.
async fn fill_report(client: &Client, cast: &Cast, photo: Option<&Path>) {
    let value = (cast.target_value * 0.8).round();
    let typed = if value >= 10_000.0 && value % 1_000.0 == 0.0 {
        format!("{}万", value / 10_000.0)
    } else {
        format!("{value}")
    };
    let fields = [
        ("value", typed.as_str()),
        ("progress", "浏览器测试：已完成主体施工，正在进行内部装修。"),
        ("problems", "雨季影响室外工程进度。"),
        ("next_steps", "抢抓晴好天气，加快室外配套施工。"),
    ];
    for (name, text) in fields {
        let field = client
            .find(Locator::Css(&format!("[name={name}]")))
            .await
            .unwrap();
        field.clear().await.unwrap();
        field.send_keys(text).await.unwrap();
    }
    if let Some(photo) = photo {
        client
            .find(Locator::Css("input[name=files]"))
            .await
            .unwrap()
            .send_keys(&photo.display().to_string())
            .await
            .unwrap();
    }
    client
        .find(Locator::Css(
            "form[enctype='multipart/form-data'] button[type=submit]",
        ))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}
