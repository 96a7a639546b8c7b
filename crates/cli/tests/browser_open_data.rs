//! Browser test of open data (开放数据): in headless Chromium against a real `shishi demo`,
//! the public goes from the portal to the open-data page, reads the field tables, and every
//! download link the page offers answers (fetched over HTTP). A screenshot at phone and
//! desktop widths is saved under `target/screenshots/`.
//!
//! Needs Debian's `chromium` and `chromium-driver` (scripts/test installs them).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use fantoccini::Locator;
use support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_public_finds_open_data_from_the_portal_reads_the_fields_and_downloads_each_file() {
    let data = tempfile::tempdir().unwrap();
    let (_demo, base) = start_demo(data.path());
    let (_driver, driver_url) = start_chromedriver();
    let client = browser(&driver_url).await;
    let http = reqwest::Client::new();

    // From the portal, by the link in the main menu.
    client.goto(&format!("{base}/")).await.unwrap();
    client
        .find(Locator::LinkText("开放数据"))
        .await
        .expect("the portal's menu names 开放数据")
        .click()
        .await
        .unwrap();
    arrive(&client, "/open-data").await;
    assert!(
        page_says(&client, "数据集和字段").await,
        "{}",
        body_text(&client).await
    );
    let text = body_text(&client).await;
    for words in [
        "使用条款",
        "格式说明",
        "审核通过的进展",
        "督查通报",
        "UTF-8",
    ] {
        assert!(text.contains(words), "the page says {words}");
    }

    // One field table per dataset, each naming its fields with their meaning.
    let tables = client.find_all(Locator::Css("table.fields")).await.unwrap();
    assert_eq!(
        tables.len(),
        6,
        "plans, items, targets, progress, bulletins, survey"
    );
    for table in &tables {
        let rows = table.find_all(Locator::Css("tbody tr")).await.unwrap();
        assert!(rows.len() >= 10, "every field has a row");
        let first = table.find(Locator::Css("tbody th code")).await.unwrap();
        assert!(first.text().await.unwrap().ends_with("_id"));
    }
    screenshots(&client, "open-data").await;
    let source = client.source().await.unwrap();
    assert_no_other_host("open data", &source, &base);

    // Every download the page links answers, with what it says it is.
    let links = client
        .find_all(Locator::Css("a[href^='/open-data/']"))
        .await
        .unwrap();
    let mut hrefs = Vec::new();
    for link in links {
        hrefs.push(link.attr("href").await.unwrap().unwrap());
    }
    assert!(
        hrefs.iter().filter(|h| h.ends_with(".csv")).count() >= 6,
        "{hrefs:?}"
    );
    for href in &hrefs {
        let response = http.get(format!("{base}{href}")).send().await.unwrap();
        assert_eq!(response.status(), 200, "{href}");
        let content_type = response
            .headers()
            .get("content-type")
            .unwrap()
            .to_str()
            .unwrap()
            .to_owned();
        let bytes = response.bytes().await.unwrap();
        if href.ends_with(".csv") {
            assert!(content_type.starts_with("text/csv"), "{href}");
            assert!(bytes.starts_with("\u{feff}".as_bytes()), "{href}: BOM");
        } else {
            assert!(content_type.contains("json"), "{href}: {content_type}");
            let document: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
            if href.contains("/schema/") {
                assert_eq!(
                    document["$schema"],
                    "https://json-schema.org/draft/2020-12/schema"
                );
            } else {
                assert!(document["records"].is_array(), "{href}");
            }
        }
    }

    // The demo has approved reports: the progress dataset is not empty, and the items are
    // all there.
    let progress = hrefs
        .iter()
        .find(|h| h.ends_with("/progress.json"))
        .unwrap();
    let document: serde_json::Value = http
        .get(format!("{base}{progress}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(!document["records"].as_array().unwrap().is_empty());
    let items = hrefs.iter().find(|h| h.ends_with("/items.json")).unwrap();
    let document: serde_json::Value = http
        .get(format!("{base}{items}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(document["records"].as_array().unwrap().len(), 50);

    client.close().await.unwrap();
}
