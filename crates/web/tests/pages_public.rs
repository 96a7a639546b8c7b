//! The portal and signing in, end to end over HTTP: a real server on port 0 over a fresh
//! SQLite database holding the Haizhou 2020 plan. (The store's own suite runs on both
//! backends; nothing here depends on which one is under the pages.)
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{cookie_named, field_value, set_cookie_line, Options};
use reqwest::header::{CONTENT_SECURITY_POLICY, COOKIE, LOCATION};
use reqwest::StatusCode;
use shishi_core::{find_unit, Actual, Period, ReportContent, ReportValue, Role};
use shishi_store::Actor;
use std::ops::Deref;
use time::macros::date;

const PASSWORD: &str = "correct horse battery staple";

struct Site(common::Site);

impl Deref for Site {
    type Target = common::Site;
    fn deref(&self) -> &common::Site {
        &self.0
    }
}

impl Site {
    async fn new() -> Self {
        let site = common::Site::new(Options {
            users: &[
                ("admin", Role::Admin, None),
                ("edu", Role::Reporter, Some("区教育局")),
            ],
            password: |_| PASSWORD.to_owned(),
            name: |login| format!("{login} 的名字"),
            ..Options::default()
        })
        .await
        .unwrap();
        Self(site)
    }

    async fn get(&self, path: &str, cookie: Option<&str>) -> (StatusCode, String) {
        let mut request = self.client.get(format!("{}{path}", self.base));
        if let Some(cookie) = cookie {
            request = request.header(COOKIE, cookie);
        }
        let response = request.send().await.unwrap();
        (response.status(), response.text().await.unwrap())
    }

    /// The visitor's CSRF cookie and the token the sign-in form carries.
    async fn login_form(&self) -> (String, String) {
        let visitor = self.visitor().await;
        (visitor.cookie, visitor.csrf)
    }
}

#[tokio::test]
async fn the_portal_lists_every_item_with_a_worded_light_and_filters_them() {
    let site = Site::new().await;
    let (status, html) = site.get("/", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(html.matches("<li class=\"item\"").count(), 50);
    assert_eq!(
        html.matches("class=\"light ").count(),
        50 + 4,
        "items and the summary"
    );
    assert!(html.contains("海政发〔2020〕15号"));
    // Each status filter shows exactly the items with that light, and they add up.
    let shown = |h: &str| h.matches("<li class=\"item\"").count();
    let mut total = 0;
    for status in ["completed", "on_schedule", "behind", "seriously_behind"] {
        let (_, page) = site.get(&format!("/?status={status}"), None).await;
        let lights = page
            .matches(&format!("<span class=\"light {status}\">"))
            .count();
        assert_eq!(
            lights,
            shown(&page) + 1,
            "{status}: the items and the summary"
        );
        total += shown(&page);
    }
    let (_, all) = site.get("/", None).await;
    let without_targets = all.matches("<span class=\"light none\">").count();
    assert_eq!(total + without_targets, 50);
    // Nothing is approved by mid-July: nothing is completed.
    let (_, completed) = site.get("/?status=completed", None).await;
    assert_eq!(shown(&completed), 0);
    // By lead unit: 区教育局 leads items 1 to 5 at least.
    let units = site.store.units().await.unwrap();
    let education = find_unit(&units, "区教育局", Some("海州区")).unwrap().id;
    let (_, edu) = site.get(&format!("/?unit={education}"), None).await;
    assert!(edu.contains("id=\"item-1\""));
    assert!(!edu.contains("id=\"item-50\""));
    assert!(shown(&edu) < 50);
}

#[tokio::test]
async fn an_item_page_shows_approved_figures_only() {
    let site = Site::new().await;
    let plan = site.store.plans().await.unwrap()[0].id();
    let detail = site.store.plan(plan).await.unwrap();
    let item = &detail.items[0];
    let schools = &item.targets[0];
    let content = |value: f64, words: &str| ReportContent {
        actual: Actual::Value(ReportValue::new(value).unwrap()),
        progress: words.to_owned(),
        problems: String::new(),
        next_steps: String::new(),
        funds: None,
    };
    let june = Period::parse("2020-06").unwrap();
    let report = site
        .store
        .file_report(
            Actor::System,
            schools.id,
            june,
            content(3.0, "三所学校主体完工"),
            date!(2020 - 06 - 20),
        )
        .await
        .unwrap();
    let path = format!("/items/{}", item.item.id.get());
    let (_, before) = site.get(&path, None).await;
    assert!(
        !before.contains("三所学校主体完工"),
        "a submitted report is not public"
    );
    site.store
        .approve_report(Actor::System, report.id())
        .await
        .unwrap();
    let (status, after) = site.get(&path, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(after.contains("三所学校主体完工"));
    assert!(after.contains("<table class=\"targets\">"));
    assert!(after.contains("2020-06（1 个月前）"));

    let (missing, page) = site.get("/items/999999", None).await;
    assert_eq!(missing, StatusCode::NOT_FOUND);
    assert!(page.contains("未找到"));
    let api = site
        .client
        .get(format!("{}/api/v1/nothing", site.base))
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), StatusCode::NOT_FOUND);
    assert!(api.text().await.unwrap().contains("\"not_found\""));
}

#[tokio::test]
async fn every_page_forbids_other_hosts_and_names_none() {
    let site = Site::new().await;
    for path in ["/", "/items/1", "/login", "/static/shishi.css", "/nowhere"] {
        let response = site
            .client
            .get(format!("{}{path}", site.base))
            .send()
            .await
            .unwrap();
        if path != "/static/shishi.css" {
            let policy = response.headers()[CONTENT_SECURITY_POLICY]
                .to_str()
                .unwrap();
            assert!(policy.contains("default-src 'self'"), "{path}: {policy}");
        }
        let body = response.text().await.unwrap();
        for foreign in ["http://", "https://", "=\"//", "url(//", "@import"] {
            assert!(!body.contains(foreign), "{path} names {foreign}");
        }
    }
}

#[tokio::test]
async fn signing_in_needs_the_form_token_and_gives_a_guarded_session_cookie() {
    let site = Site::new().await;
    let (cookie, csrf) = site.login_form().await;

    // Without the token, or with another visitor's, nothing happens.
    let forged = site.post_login(&cookie, "", "admin", PASSWORD).await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    assert!(forged.text().await.unwrap().contains("表单已失效"));
    let (other_cookie, _) = site.login_form().await;
    let crossed = site
        .post_login(&other_cookie, &csrf, "admin", PASSWORD)
        .await;
    assert_eq!(crossed.status(), StatusCode::FORBIDDEN);

    let response = site.post_login(&cookie, &csrf, "admin", PASSWORD).await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()[LOCATION], "/dashboard");
    let line = set_cookie_line(&response, "shishi_session");
    for flag in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age="] {
        assert!(line.contains(flag), "{line} lacks {flag}");
    }
    assert!(!line.contains("Secure"), "plain HTTP: not Secure");
    let session = cookie_named(&response, "shishi_session").unwrap();
    let (_, home) = site.get("/", Some(&session)).await;
    assert!(
        home.contains("admin 的名字"),
        "the header names who is signed in"
    );

    // Behind a TLS proxy the cookie is Secure.
    let (cookie, csrf) = site.login_form().await;
    let tls = site
        .client
        .post(format!("{}/login", site.base))
        .header(COOKIE, &cookie)
        .header("x-forwarded-proto", "https")
        .form(&[("login", "edu"), ("password", PASSWORD), ("csrf", &csrf)])
        .send()
        .await
        .unwrap();
    assert_eq!(
        tls.headers()[LOCATION],
        "/my",
        "a reporter lands on their targets"
    );
    assert!(set_cookie_line(&tls, "shishi_session").contains("; Secure"));

    // Signing out ends the session on the server: the old cookie is the public's now.
    let (_, page) = site.get("/", Some(&session)).await;
    let token = field_value(&page, "csrf").expect("a csrf field");
    let out = site
        .client
        .post(format!("{}/logout", site.base))
        .header(COOKIE, &session)
        .form(&[("csrf", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    let (_, after) = site.get("/", Some(&session)).await;
    assert!(!after.contains("admin 的名字"));
    assert!(after.contains("href=\"/login\""));
}

#[tokio::test]
async fn five_wrong_passwords_lock_the_account_even_against_the_right_one() {
    let site = Site::new().await;
    let (cookie, csrf) = site.login_form().await;
    for attempt in 1..=5 {
        let response = site.post_login(&cookie, &csrf, "edu", "guess").await;
        assert_eq!(response.status(), StatusCode::OK);
        let page = response.text().await.unwrap();
        if attempt < 5 {
            assert!(page.contains("用户名或密码错误"), "attempt {attempt}");
        } else {
            assert!(page.contains("账号已锁定"), "the fifth failure locks");
        }
    }
    let right = site.post_login(&cookie, &csrf, "edu", PASSWORD).await;
    assert_eq!(right.status(), StatusCode::OK, "no session while locked");
    assert!(right.text().await.unwrap().contains("账号已锁定"));
    // An unknown login reads exactly like a wrong password.
    let unknown = site.post_login(&cookie, &csrf, "nobody", "guess").await;
    assert!(unknown.text().await.unwrap().contains("用户名或密码错误"));
}

#[tokio::test]
async fn the_sign_in_page_returns_only_to_paths_on_this_site() {
    let site = Site::new().await;
    let (cookie, csrf) = site.login_form().await;
    for (next, expected) in [("/items/3", "/items/3"), ("//evil.example/", "/dashboard")] {
        let response = site
            .client
            .post(format!("{}/login", site.base))
            .header(COOKIE, &cookie)
            .form(&[
                ("login", "admin"),
                ("password", PASSWORD),
                ("csrf", csrf.as_str()),
                ("next", next),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(response.headers()[LOCATION], expected, "next={next}");
    }
}
