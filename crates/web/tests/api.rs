//! The JSON API end to end: a real server on port 0 over a fresh database (SQLite always,
//! PostgreSQL too when `SHISHI_TEST_POSTGRES_URL` is set), driven over HTTP.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{Backend as Kind, Options};
use reqwest::StatusCode;
use serde_json::{json, Value};
use shishi_core::{PlanId, Role, TargetId};
use shishi_store::Actor;
use std::ops::Deref;

/// A fresh database with the Haizhou 2020 plan, the people of the story, and a server on it.
struct World {
    site: common::Site,
    plan: PlanId,
    /// Item 1's first target: 新建、改扩建中小学6所, led by 区教育局.
    schools: TargetId,
    education: String,
    health: String,
    admin: String,
}

impl Deref for World {
    type Target = common::Site;
    fn deref(&self) -> &common::Site {
        &self.site
    }
}

impl World {
    /// `None` on PostgreSQL when no server is configured: the test then passes vacuously.
    async fn new(kind: Kind) -> Option<Self> {
        let site = common::Site::new(Options {
            backend: kind,
            users: &[
                ("edu", Role::Reporter, Some("区教育局")),
                ("health", Role::Reporter, Some("区卫健委")),
                ("admin", Role::Admin, None),
            ],
            ..Options::default()
        })
        .await?;
        let plan = site.store.plans().await.unwrap()[0].id();
        let detail = site.store.plan(plan).await.unwrap();
        let first = &detail.items[0];
        assert_eq!(first.item.seq, 1);
        let schools = first.targets[0].id;

        let education = token(&site, "edu").await;
        let health = token(&site, "health").await;
        let admin = token(&site, "admin").await;
        Some(Self {
            site,
            plan,
            schools,
            education,
            health,
            admin,
        })
    }

    async fn finish(self) {
        self.site.finish().await;
    }

    /// GET as `token` (the public when `None`): status and JSON body.
    async fn get(&self, path: &str, token: Option<&str>) -> (StatusCode, Value) {
        let mut request = self.client.get(format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        (status, response.json().await.unwrap())
    }

    /// POST a body as `token`: status and JSON body.
    async fn post(&self, path: &str, token: Option<&str>, body: Body) -> (StatusCode, Value) {
        let mut request = self.client.post(format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request = match body {
            Body::Json(value) => request.json(&value),
            Body::Raw(text) => request
                .header("content-type", "application/json")
                .body(text),
            Body::Empty => request,
        };
        let response = request.send().await.unwrap();
        let status = response.status();
        (status, response.json().await.unwrap())
    }

    async fn submit(&self, token: &str, body: Value) -> (StatusCode, Value) {
        let path = format!("/api/v1/targets/{}/reports", self.schools);
        self.post(&path, Some(token), Body::Json(body)).await
    }

    /// Reports, revisions and audit events stored: what a refused request must leave as is.
    async fn written(&self) -> (usize, usize, usize) {
        let reports = self.store.reports_for_plan(self.plan).await.unwrap();
        let revisions = reports.iter().map(|r| r.revisions().count()).sum();
        let events = self.store.audit_events(0, i64::MAX).await.unwrap().len();
        (reports.len(), revisions, events)
    }

    /// Item 1's schools target as a plan view shows it.
    fn schools_in<'a>(&self, plan: &'a Value) -> &'a Value {
        plan["items"][0]["targets"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["id"] == json!(self.schools.get()))
            .unwrap()
    }
}

enum Body {
    Json(Value),
    Raw(&'static str),
    Empty,
}

/// A token for the user `login`.
async fn token(site: &common::Site, login: &str) -> String {
    let user = site.user_id(login).await;
    site.store
        .create_api_token(Actor::System, user)
        .await
        .unwrap()
        .secret
}

fn june_report(value: Value) -> Value {
    json!({
        "period": "2020-06",
        "value": value,
        "progress": "3所学校主体完工",
        "problems": "征地手续办理缓慢",
        "next_steps": "加快验收",
    })
}

/// Runs each named test on both backends.
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(super::Kind::Sqlite).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name(super::Kind::Postgres).await
                }
            )*
        }
    };
}

on_both_backends!(
    a_units_report_is_approved_by_the_admin_and_the_status_follows_the_schedule,
    the_public_view_shows_approved_figures_only,
    each_bad_body_gets_its_error_and_writes_nothing,
    reports_are_internal_and_a_token_must_be_valid,
    the_openapi_document_describes_every_route,
);

async fn a_units_report_is_approved_by_the_admin_and_the_status_follows_the_schedule(kind: Kind) {
    let Some(w) = World::new(kind).await else {
        return;
    };
    let (status, plan) = w
        .get(&format!("/api/v1/plans/{}", w.plan), Some(&w.admin))
        .await;
    assert_eq!(status, StatusCode::OK);
    let item = &plan["items"][0];
    assert_eq!(item["seq"], 1);
    assert_eq!(item["lead_units"], json!(["区教育局"]));
    let target = w.schools_in(&plan);
    assert_eq!(
        (target["value"].clone(), target["unit"].clone()),
        (json!(6.0), json!("所"))
    );
    assert_eq!(target["actual"], Value::Null);

    let (status, created) = w.submit(&w.education, june_report(json!(3))).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["status"], "submitted");
    let report = created["id"].as_i64().unwrap();

    let (status, refused) = w.submit(&w.health, june_report(json!(3))).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{refused}");
    let approve = format!("/api/v1/reports/{report}/approve");
    let (status, _) = w.post(&approve, Some(&w.education), Body::Empty).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "a reporter does not approve");

    let (status, approved) = w.post(&approve, Some(&w.admin), Body::Empty).await;
    assert_eq!(status, StatusCode::OK, "{approved}");
    assert_eq!(approved["state"], "approved");
    let (status, again) = w.post(&approve, Some(&w.admin), Body::Empty).await;
    assert_eq!(status, StatusCode::CONFLICT, "{again}");

    let (status, read) = w
        .get(&format!("/api/v1/reports/{report}"), Some(&w.education))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(read["value"], json!(3.0));
    assert_eq!(read["state"], "approved");
    assert_eq!(read["revisions"][0]["problems"], "征地手续办理缓慢");

    let on = |date: &'static str| {
        let w = &w;
        async move {
            let path = format!("/api/v1/plans/{}/status?date={date}", w.plan);
            let (status, body) = w.get(&path, Some(&w.admin)).await;
            assert_eq!(status, StatusCode::OK, "{body}");
            let target = body["items"][0]["targets"]
                .as_array()
                .unwrap()
                .iter()
                .find(|t| t["id"] == json!(w.schools.get()))
                .unwrap()
                .clone();
            (target, body["items"][0]["status"].clone())
        }
    };
    let (june_end, _) = on("2020-06-30").await;
    assert_eq!(june_end["completion"], json!(0.5));
    assert_eq!(june_end["status"], "on_schedule");
    assert!(june_end["planned"].as_f64().unwrap() > 0.45);
    assert!(
        june_end["report_overdue"].is_boolean(),
        "the admin sees punctuality"
    );
    let (october_end, item) = on("2020-10-31").await;
    assert_eq!(october_end["completion"], json!(0.5));
    let lagging = ["behind", "seriously_behind"];
    assert!(
        lagging.contains(&october_end["status"].as_str().unwrap()),
        "{october_end}"
    );
    assert!(lagging.contains(&item.as_str().unwrap()), "{item}");
    assert_eq!(
        october_end["report_overdue"],
        json!(true),
        "July to September are missing"
    );

    let (status, plan) = w.get(&format!("/api/v1/plans/{}", w.plan), None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(w.schools_in(&plan)["actual"], json!(3.0));
    assert_eq!(w.schools_in(&plan)["actual_period"], "2020-06");
    w.finish().await;
}

async fn the_public_view_shows_approved_figures_only(kind: Kind) {
    let Some(w) = World::new(kind).await else {
        return;
    };
    let (_, june) = w.submit(&w.education, june_report(json!(3))).await;
    let june = june["id"].as_i64().unwrap();
    let approve = format!("/api/v1/reports/{june}/approve");
    assert_eq!(
        w.post(&approve, Some(&w.admin), Body::Empty).await.0,
        StatusCode::OK
    );

    // A second month, submitted and never approved; a third, returned.
    let july = json!({"period": "2020-07", "value": 5, "progress": "七月未审核的进展"});
    let (status, _) = w.submit(&w.education, july).await;
    assert_eq!(status, StatusCode::CREATED);
    let early = json!({"period": "2020-05", "value": 4, "progress": "五月被退回的进展"});
    let (_, may) = w.submit(&w.education, early).await;
    let give_back = format!("/api/v1/reports/{}/return", may["id"]);
    let (status, empty) = w
        .post(
            &give_back,
            Some(&w.admin),
            Body::Json(json!({"reason": "  "})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{empty}");
    assert_eq!(empty["fields"][0]["field"], "reason");
    let reason = json!({"reason": "数字与台账不符"});
    let (status, returned) = w.post(&give_back, Some(&w.admin), Body::Json(reason)).await;
    assert_eq!(status, StatusCode::OK, "{returned}");
    assert_eq!(returned["state"], "returned");
    assert_eq!(returned["revisions"][0]["return_reason"], "数字与台账不符");

    for path in [
        format!("/api/v1/plans/{}", w.plan),
        format!("/api/v1/plans/{}/status?date=2020-07-31", w.plan),
        "/api/v1/plans".to_owned(),
    ] {
        let (status, body) = w.get(&path, None).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        let text = body.to_string();
        for secret in [
            "七月",
            "五月",
            "数字与台账不符",
            "submitted",
            "returned",
            "征地手续",
            "overdue",
        ] {
            assert!(!text.contains(secret), "{path} shows {secret:?}");
        }
    }
    let (_, plan) = w.get(&format!("/api/v1/plans/{}", w.plan), None).await;
    assert_eq!(
        w.schools_in(&plan)["actual"],
        json!(3.0),
        "July's 5 is not approved"
    );
    let path = format!("/api/v1/plans/{}/status?date=2020-07-31", w.plan);
    let (_, status) = w.get(&path, None).await;
    let target = &status["items"][0]["targets"][0];
    assert_eq!(target["completion"], json!(0.5));
    assert!(target.get("report_overdue").is_none());
    w.finish().await;
}

async fn each_bad_body_gets_its_error_and_writes_nothing(kind: Kind) {
    let Some(w) = World::new(kind).await else {
        return;
    };
    let before = w.written().await;
    let path = format!("/api/v1/targets/{}/reports", w.schools);
    let cases: Vec<(Body, StatusCode, &[&str])> = vec![
        (
            Body::Json(json!({"period": "2020-13", "value": 3, "progress": "x"})),
            StatusCode::UNPROCESSABLE_ENTITY,
            &["period"],
        ),
        (
            Body::Json(json!({"period": "2020-06", "value": -1, "progress": "x"})),
            StatusCode::UNPROCESSABLE_ENTITY,
            &["value"],
        ),
        (
            Body::Json(json!({"period": "2020-06", "value": "three", "progress": "x"})),
            StatusCode::UNPROCESSABLE_ENTITY,
            &["value"],
        ),
        (
            Body::Json(json!({"value": 3, "progress": "x"})),
            StatusCode::UNPROCESSABLE_ENTITY,
            &["period"],
        ),
        (
            Body::Json(json!({"period": "2020-06", "value": 3})),
            StatusCode::UNPROCESSABLE_ENTITY,
            &["progress"],
        ),
        (
            Body::Json(json!({"period": "2020-06", "percent": 50, "progress": "x"})),
            StatusCode::UNPROCESSABLE_ENTITY,
            &["percent", "value"],
        ),
        (
            Body::Json(json!([1, 2])),
            StatusCode::UNPROCESSABLE_ENTITY,
            &["body"],
        ),
        (
            Body::Raw("{\"period\": \"2020-06\","),
            StatusCode::BAD_REQUEST,
            &[],
        ),
    ];
    for (body, expected, fields) in cases {
        let (status, answer) = w.post(&path, Some(&w.education), body).await;
        assert_eq!(status, expected, "{answer}");
        let named: Vec<&str> = answer["fields"]
            .as_array()
            .map(|f| f.iter().map(|e| e["field"].as_str().unwrap()).collect())
            .unwrap_or_default();
        assert_eq!(named, fields, "{answer}");
        assert_eq!(w.written().await, before, "{answer} wrote something");
    }
    let (status, _) = w.post(&path, None, Body::Json(june_report(json!(3)))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = w
        .post(
            "/api/v1/targets/999999/reports",
            Some(&w.education),
            Body::Json(june_report(json!(3))),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = w
        .post(
            "/api/v1/targets/abc/reports",
            Some(&w.education),
            Body::Json(june_report(json!(3))),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, answer) = w
        .get(
            &format!("/api/v1/plans/{}/status?date=2020-02-30", w.plan),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(answer["fields"][0]["field"], "date");
    assert_eq!(w.written().await, before);
    w.finish().await;
}

async fn reports_are_internal_and_a_token_must_be_valid(kind: Kind) {
    let Some(w) = World::new(kind).await else {
        return;
    };
    let (_, created) = w.submit(&w.education, june_report(json!(3))).await;
    let path = format!("/api/v1/reports/{}", created["id"]);
    assert_eq!(w.get(&path, None).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(w.get(&path, Some(&w.health)).await.0, StatusCode::FORBIDDEN);
    assert_eq!(w.get(&path, Some(&w.admin)).await.0, StatusCode::OK);
    assert_eq!(
        w.get("/api/v1/reports/999999", Some(&w.admin)).await.0,
        StatusCode::NOT_FOUND
    );
    let forged = "shishi_0000000000000000000000000000000000000000000000000000000000000000";
    let (status, answer) = w.get("/api/v1/plans", Some(forged)).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "a bad token is not the public"
    );
    assert_eq!(answer["error"], "unauthorized");
    assert_eq!(
        w.get("/api/v1/plans/999999", None).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        w.get("/api/v1/nowhere", None).await.0,
        StatusCode::NOT_FOUND
    );
    w.finish().await;
}

async fn the_openapi_document_describes_every_route(kind: Kind) {
    let Some(w) = World::new(kind).await else {
        return;
    };
    let (status, document) = w.get("/api/v1/openapi.json", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(document["openapi"].as_str().unwrap().starts_with("3."));
    for (path, method) in [
        ("/api/v1/plans", "get"),
        ("/api/v1/plans/{id}", "get"),
        ("/api/v1/plans/{id}/status", "get"),
        ("/api/v1/targets/{id}/reports", "post"),
        ("/api/v1/reports/{id}", "get"),
        ("/api/v1/reports/{id}/approve", "post"),
        ("/api/v1/reports/{id}/return", "post"),
    ] {
        assert!(
            document["paths"][path][method].is_object(),
            "{method} {path} is not described"
        );
    }
    assert!(document["components"]["securitySchemes"]["token"].is_object());
    assert!(document["components"]["schemas"]["ReportBody"].is_object());
    w.finish().await;
}
