//! The deputies' vote (人大代表票决) in a real browser: headless Chromium through
//! chromedriver against `shishi demo` on a fresh database. The supervisor opens a session on
//! the demo's 2021 candidate list, six of the eleven deputies vote on the ballot page (the
//! first on a 360 px phone screen, screenshotted), the supervisor closes the session, and the
//! public reads the result: the adopted candidates marked 通过.
//!
//! Needs Debian's `chromium` and `chromium-driver` (scripts/test installs them).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use fantoccini::{Client, Locator};
use support::*;

async fn click(client: &Client, css: &str) {
    client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no {css}: {e}"))
        .click()
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_supervisor_opens_a_vote_deputies_vote_in_the_browser_and_the_public_reads_the_result()
{
    let data = tempfile::tempdir().unwrap();
    let (_demo, base) = start_demo(data.path());
    let (_driver, driver_url) = start_chromedriver();
    let client = browser(&driver_url).await;

    // The supervisor opens the 2021 session on the demo's list of four candidates.
    sign_in(&client, &base, "admin", PASSWORD).await;
    arrive(&client, "/dashboard").await;
    client
        .goto(&format!("{base}/vote/admin?year=2021"))
        .await
        .unwrap();
    assert!(page_says(&client, "候选项目（4 项）").await);
    assert!(page_says(&client, "应到代表为此刻全部人大代表账号（11 人）").await);
    click(&client, "form[action='/vote/sessions'] button[type=submit]").await;
    arrive(&client, "/vote/sessions/").await;
    assert!(page_says(&client, "票决会议已开始").await);
    let session_path = client.current_url().await.unwrap().path().to_owned();
    sign_out(&client).await;

    // Six of eleven deputies vote: a quorum (more than 5.5). Candidates 1 and 2 get six votes
    // for (adopted: more than half of all eleven), 3 gets three (rejected), 4 none.
    let ballots: [[&str; 4]; 6] = [
        ["for", "for", "for", "abstain"],
        ["for", "for", "against", "abstain"],
        ["for", "for", "for", "against"],
        ["for", "for", "against", "abstain"],
        ["for", "for", "for", "abstain"],
        ["for", "for", "abstain", "against"],
    ];
    for (n, choices) in ballots.iter().enumerate() {
        let login = format!("d{:02}", n + 1);
        sign_in(&client, &base, &login, PASSWORD).await;
        arrive(&client, "/dashboard").await;
        client.goto(&format!("{base}/deputy")).await.unwrap();
        assert!(page_says(&client, "正在进行的票决").await);
        click(&client, "a.button[href$='/ballot']").await;
        arrive(&client, &format!("{session_path}/ballot")).await;
        assert!(page_says(&client, "每位代表只能投一次，提交后不能更改").await);
        if n == 0 {
            client.set_window_size(PHONE.0, PHONE.1).await.unwrap();
            screenshots(&client, "vote-ballot").await;
            client.set_window_size(PHONE.0, PHONE.1).await.unwrap();
        }
        for (i, choice) in choices.iter().enumerate() {
            click(&client, &format!("input[name=c{}][value={choice}]", i + 1)).await;
        }
        click(&client, "form.ballot button[type=submit]").await;
        arrive(&client, &session_path).await;
        // (The ballot page's own path begins with the session's: wait for the receipt.)
        assert!(
            page_says(&client, "已投票。感谢您参加票决").await,
            "{login}"
        );
        let text = body_text(&client).await;
        assert!(
            !text.contains("赞成\t"),
            "no choice or count shown after voting"
        );
        client.set_window_size(DESKTOP.0, DESKTOP.1).await.unwrap();
        sign_out(&client).await;
    }

    // The supervisor sees the turnout and closes the session.
    sign_in(&client, &base, "admin", PASSWORD).await;
    arrive(&client, "/dashboard").await;
    client.goto(&format!("{base}{session_path}")).await.unwrap();
    assert!(page_says(&client, "人大代表01：已投票").await);
    assert!(page_says(&client, "人大代表10：未投票").await);
    click(&client, "form[action$='/close'] button[type=submit]").await;
    assert!(page_says(&client, "票决会议已结束，结果已公布").await);
    sign_out(&client).await;

    // The public reads the result.
    client.goto(&format!("{base}{session_path}")).await.unwrap();
    assert!(page_says(&client, "达到法定人数").await);
    let rows = client
        .find_all(Locator::Css("table.vote-result tbody tr"))
        .await
        .unwrap();
    assert_eq!(rows.len(), 4);
    let mut results = Vec::new();
    for row in rows {
        results.push(row.text().await.unwrap());
    }
    assert!(results[0].contains("新建社区养老服务站10个") && results[0].contains("通过"));
    assert!(!results[0].contains("未通过"));
    assert!(results[1].contains("新增公共停车泊位2000个") && !results[1].contains("未通过"));
    assert!(results[2].contains("改造农贸市场5个") && results[2].contains("未通过"));
    assert!(results[3].contains("未通过"));
    assert!(
        !body_text(&client).await.contains("人大代表01"),
        "the public sees counts, not the roll"
    );
    screenshots(&client, "vote-result").await;
    let source = client.source().await.unwrap();
    assert_no_other_host("the vote result", &source, &base);
    client.close().await.unwrap();
}
