//! The supervisor's pages end to end: a real server on port 0 over a fresh SQLite database,
//! signed in through the sign-in form like a browser (cookies and CSRF tokens by hand),
//! checking what the pages say and what the store holds afterwards.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{cookie_named, field_value, notice, Answer, Backend, Browser, Options};
use reqwest::header::COOKIE;
use reqwest::StatusCode;
use serde_json::Value;
use shishi_core::{
    find_unit, Actual, Login, Measure, Period, PlanId, ReportContent, ReportId, ReportState,
    ReportValue, Role, TargetId, UnitId,
};
use shishi_store::Actor;
use std::ops::Deref;
use time::macros::date;

const TODAY: time::Date = date!(2020 - 07 - 15);

struct World {
    site: common::Site,
    plan: Option<PlanId>,
    education: UnitId,
    health: UnitId,
}

impl Deref for World {
    type Target = common::Site;
    fn deref(&self) -> &common::Site {
        &self.site
    }
}

impl World {
    /// A fresh database (with the Haizhou 2020 plan when `with_plan`), an admin, a leader
    /// and a reporter of 区教育局, and a server on it whose day is 15 July 2020.
    async fn new(with_plan: bool) -> Self {
        let site = common::Site::new(Options {
            backend: Backend::Sqlite,
            today: TODAY,
            plan: with_plan,
            units: if with_plan {
                &[]
            } else {
                &["海州区教育局", "海州区卫生健康委员会"]
            },
            users: &[
                ("admin", Role::Admin, None),
                ("leader", Role::Leader, None),
                ("edu", Role::Reporter, Some("区教育局")),
            ],
            ..Options::default()
        })
        .await
        .unwrap();
        let plan = if with_plan {
            Some(site.store.plans().await.unwrap()[0].id())
        } else {
            None
        };
        let units = site.store.units().await.unwrap();
        let unit = |name: &str| find_unit(&units, name, Some("海州区")).unwrap().id;
        let education = unit("区教育局");
        let health = unit(if with_plan {
            "区卫健委"
        } else {
            "海州区卫生健康委员会"
        });
        Self {
            site,
            plan,
            education,
            health,
        }
    }

    async fn finish(self) {
        self.site.finish().await;
    }

    fn plan(&self) -> PlanId {
        self.plan.unwrap()
    }

    /// The sign-in form's answer, with the session cookie (if any) as the location's second
    /// line.
    async fn try_sign_in(&self, visitor: &Browser, login: &str, password: &str) -> Answer {
        let response = self
            .post_login(&visitor.cookie, &visitor.csrf, login, password)
            .await;
        let session = cookie_named(&response, "shishi_session");
        let mut answer = Answer::read(response).await;
        if let Some(session) = session {
            answer.location = format!("{}\n{session}", answer.location);
        }
        answer
    }

    async fn report_state(&self, id: ReportId) -> ReportState {
        self.store.report(id).await.unwrap().state().clone()
    }

    /// A report filed and submitted for `target` in June 2020.
    async fn june_report(&self, target: TargetId, value: f64) -> ReportId {
        self.store
            .file_report(
                Actor::System,
                target,
                Period::parse("2020-06").unwrap(),
                ReportContent {
                    actual: Actual::Value(ReportValue::new(value).unwrap()),
                    progress: "主体工程完工".to_owned(),
                    problems: "征地手续办理缓慢".to_owned(),
                    next_steps: "加快验收".to_owned(),
                    funds: Some("到位1200万元".to_owned()),
                },
                TODAY,
            )
            .await
            .unwrap()
            .id()
    }
}

/// The number on the dashboard's card of class `class`.
fn card_count(body: &str, class: &str) -> usize {
    let card = format!("<li class=\"{class}\">");
    let start = body
        .find(&card)
        .unwrap_or_else(|| panic!("no card {class}"));
    let rest = &body[start..];
    let open = "<strong class=\"count\">";
    let from = rest.find(open).unwrap() + open.len();
    let to = rest[from..].find("</strong>").unwrap() + from;
    rest[from..to].trim().parse().unwrap()
}

/// The part of a page between two markers.
fn section<'a>(body: &'a str, from: &str, to: &str) -> &'a str {
    let start = body.find(from).unwrap_or_else(|| panic!("no {from}"));
    let end = body[start..].find(to).map_or(body.len(), |e| e + start);
    &body[start..end]
}

/// A `multipart/form-data` body with the token and one file.
fn multipart(csrf: &str, name: &str, bytes: &[u8]) -> (String, Vec<u8>) {
    let boundary = "----shishi-test-boundary-7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n\
             --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\
             Content-Type: application/octet-stream\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

impl World {
    async fn upload(&self, who: &Browser, name: &str, bytes: &[u8]) -> Answer {
        let (content_type, body) = multipart(&who.csrf, name, bytes);
        let response = self
            .client
            .post(format!("{}/admin/import", self.base))
            .header(COOKIE, &who.cookie)
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        Answer::read(response).await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_counts_items_by_status_and_lists_what_lags() {
    let world = World::new(true).await;
    let detail = world.store.plan(world.plan()).await.unwrap();
    // One item done, so more than one status shows: the first with a single quantity target.
    let (done_item, done_target, value) = detail
        .items
        .iter()
        .find_map(
            |e| match (e.targets.as_slice(), e.item.lead_units.first()) {
                ([t], Some(_)) => match &t.measure {
                    Measure::Quantity(q) if q.op() != shishi_core::Op::Le => {
                        Some((e.item.id, t.id, q.value().get()))
                    }
                    _ => None,
                },
                _ => None,
            },
        )
        .unwrap();
    let report = world.june_report(done_target, value).await;
    world
        .store
        .approve_report(Actor::System, report)
        .await
        .unwrap();

    let admin = world.sign_in("admin").await;
    let page = world.get(Some(&admin), "/dashboard").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);

    // The counts agree with the API's statuses, computed once for both.
    let api: Value = world
        .client
        .get(format!(
            "{}/api/v1/plans/{}",
            world.base,
            world.plan().get()
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let items = api["items"].as_array().unwrap();
    for class in ["completed", "on_schedule", "behind", "seriously_behind"] {
        let expected = items.iter().filter(|i| i["status"] == class).count();
        assert_eq!(card_count(&page.body, class), expected, "{class}");
    }
    assert!(card_count(&page.body, "completed") >= 1);
    assert!(card_count(&page.body, "seriously_behind") >= 1);
    // In July every target without a June report is overdue.
    assert!(card_count(&page.body, "overdue") >= 1);

    // The lagging list: the seriously-behind items with their units and a link each.
    let lagging = section(&page.body, "<table class=\"lagging\">", "</table>");
    let behind = items
        .iter()
        .find(|i| i["status"] == "seriously_behind")
        .unwrap();
    assert!(lagging.contains(&format!("href=\"/items/{}\"", behind["id"])));
    let unit = behind["lead_units"][0].as_str().unwrap();
    assert!(lagging.contains(unit), "{unit} in {lagging}");
    assert!(!lagging.contains(&format!("href=\"/items/{}\"", done_item.get())));
    assert!(lagging.contains(&format!("href=\"/admin/items/{}\"", behind["id"])));

    let overdue = section(&page.body, "<table class=\"overdue-reports\">", "</table>");
    assert!(overdue.contains("2020-06"), "{overdue}");

    // Breakdowns: a chart whose every bar says its figure, and the same figures in a table.
    assert!(page.body.contains("<svg class=\"chart\""));
    assert!(page.body.contains(&format!("<title>{unit}：严重滞后 ")));
    assert_eq!(
        page.body
            .matches("<table class=\"breakdown-table\">")
            .count(),
        2
    );
    let by_unit = section(&page.body, "<table class=\"breakdown-table\">", "</table>");
    assert!(by_unit.contains(&format!("<th scope=\"row\">{unit}</th>")));
    // Nothing from another host, no inline style (the content policy would block it).
    assert!(!page.body.contains("http://") && !page.body.contains("https://"));
    assert!(!page.body.contains("style="));

    // A leader reads the same dashboard without the edit links.
    let leader = world.sign_in("leader").await;
    let page = world.get(Some(&leader), "/dashboard").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("<table class=\"lagging\">"));
    assert!(!page.body.contains("/admin/items/"));

    world.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reporter_and_the_public_are_kept_out_of_the_supervisor_pages() {
    let world = World::new(true).await;
    let detail = world.store.plan(world.plan()).await.unwrap();
    let item = detail.items[0].item.id.get();
    let target = detail.items[0].targets[0].id.get();
    let reporter = world.sign_in("edu").await;
    for path in [
        "/dashboard".to_owned(),
        "/review".to_owned(),
        "/admin/units".to_owned(),
        "/admin/users".to_owned(),
        "/admin/import".to_owned(),
        format!("/admin/items/{item}"),
        format!("/admin/targets/{target}"),
    ] {
        let page = world.get(Some(&reporter), &path).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{path}");
        assert!(page.body.contains("无权访问"), "{path}");
        let public = world.get(None, &path).await;
        assert_eq!(public.status, StatusCode::SEE_OTHER, "{path}");
        assert!(public.location.starts_with("/login?next="), "{path}");
    }
    // Nor may a reporter post the forms, even with their own valid token.
    let before = world.store.units().await.unwrap();
    let merge = world
        .post(
            &reporter,
            "/admin/units/merge",
            &[
                ("keep", &world.education.get().to_string()),
                ("merged", &world.health.get().to_string()),
                ("confirm", "yes"),
            ],
        )
        .await;
    assert_eq!(merge.status, StatusCode::FORBIDDEN);
    assert_eq!(world.store.units().await.unwrap(), before);
    world.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reports_are_approved_and_returned_from_the_review_queue() {
    let world = World::new(true).await;
    let detail = world.store.plan(world.plan()).await.unwrap();
    let schools = detail.items[0].targets[0].id;
    let area = detail.items[0].targets[1].id;
    let first = world.june_report(schools, 3.0).await;
    let second = world.june_report(area, 2.0).await;

    let admin = world.sign_in("admin").await;
    let queue = world.get(Some(&admin), "/review").await;
    assert_eq!(queue.status, StatusCode::OK);
    for id in [first, second] {
        assert!(queue
            .body
            .contains(&format!("action=\"/reports/{}/approve\"", id.get())));
        assert!(queue
            .body
            .contains(&format!("action=\"/reports/{}/return\"", id.get())));
    }
    assert!(queue.body.contains("征地手续办理缓慢"));
    assert!(queue.body.contains("到位1200万元"));
    assert!(queue.body.contains("累计 3 所"));
    assert!(queue.body.contains("name=\"reason\""));

    // A leader sees the queue but no forms, and may not decide.
    let leader = world.sign_in("leader").await;
    let read_only = world.get(Some(&leader), "/review").await;
    assert_eq!(read_only.status, StatusCode::OK);
    assert!(read_only.body.contains("征地手续办理缓慢"));
    assert!(!read_only.body.contains("/approve\""));
    let refused = world
        .post(&leader, &format!("/reports/{}/approve", first.get()), &[])
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(world.report_state(first).await, ReportState::Submitted);

    // Approve.
    let approved = world
        .post(&admin, &format!("/reports/{}/approve", first.get()), &[])
        .await;
    assert_eq!(approved.status, StatusCode::SEE_OTHER, "{}", approved.body);
    assert_eq!(approved.location, "/review?done=approved");
    assert_eq!(world.report_state(first).await, ReportState::Approved);
    let after = world.get(Some(&admin), &approved.location).await;
    assert!(after.body.contains("已审核通过"));
    assert!(!after
        .body
        .contains(&format!("/reports/{}/approve", first.get())));
    // Twice is refused: it is no longer waiting.
    let again = world
        .post(&admin, &format!("/reports/{}/approve", first.get()), &[])
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);

    // A return without a reason is refused and changes nothing.
    let path = format!("/reports/{}/return", second.get());
    let blank = world.post(&admin, &path, &[("reason", "  ")]).await;
    assert_eq!(blank.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(blank.body.contains("须填写退回原因"));
    assert_eq!(world.report_state(second).await, ReportState::Submitted);

    let returned = world
        .post(&admin, &path, &[("reason", "面积数据与附件不符")])
        .await;
    assert_eq!(returned.status, StatusCode::SEE_OTHER);
    assert_eq!(returned.location, "/review?done=returned");
    match world.report_state(second).await {
        ReportState::Returned { reason } => assert_eq!(reason.as_str(), "面积数据与附件不符"),
        other => panic!("{other:?}"),
    }
    let empty = world.get(Some(&admin), "/review").await;
    assert!(empty.body.contains("没有待审核的报送"));
    world.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_form_without_its_token_is_refused_and_changes_nothing() {
    let world = World::new(true).await;
    let detail = world.store.plan(world.plan()).await.unwrap();
    let report = world.june_report(detail.items[0].targets[0].id, 3.0).await;
    let admin = world.sign_in("admin").await;
    let events = world.store.audit_events(0, i64::MAX).await.unwrap().len();

    let path = format!("/reports/{}/approve", report.get());
    let missing = world.post_raw(&admin, &path, &[]).await;
    assert_eq!(missing.status, StatusCode::FORBIDDEN);
    assert!(missing.body.contains("表单已失效"));
    let wrong = world.post_raw(&admin, &path, &[("csrf", "0123")]).await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);
    assert_eq!(world.report_state(report).await, ReportState::Submitted);

    let units = world.store.units().await.unwrap();
    let merge = world
        .post_raw(
            &admin,
            "/admin/units/merge",
            &[
                ("keep", &world.education.get().to_string()),
                ("merged", &world.health.get().to_string()),
                ("confirm", "yes"),
            ],
        )
        .await;
    assert_eq!(merge.status, StatusCode::FORBIDDEN);
    assert_eq!(world.store.units().await.unwrap(), units);

    let users = world
        .post_raw(
            &admin,
            "/admin/users",
            &[
                ("login", "sneaky"),
                ("name", "x"),
                ("role", "admin"),
                ("password", "password123"),
            ],
        )
        .await;
    assert_eq!(users.status, StatusCode::FORBIDDEN);
    assert_eq!(world.store.users().await.unwrap().len(), 3);
    assert_eq!(
        world.store.audit_events(0, i64::MAX).await.unwrap().len(),
        events
    );
    world.finish().await;
}

/// The target form's fields as a browser sends them.
fn target_fields<'a>(
    value: &'a str,
    op: &'a str,
    deadline: &'a str,
    curve: &'a str,
    checkpoints: &'a str,
    reason: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("text", "新建、改扩建中小学"),
        ("value", value),
        ("unit", "所"),
        ("op", op),
        ("deadline", deadline),
        ("curve", curve),
        ("checkpoints", checkpoints),
        ("reason", reason),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_target_edit_with_bad_checkpoints_changes_nothing_and_says_why() {
    let world = World::new(true).await;
    let detail = world.store.plan(world.plan()).await.unwrap();
    let target = detail.items[0].targets[0].clone();
    let path = format!("/admin/targets/{}", target.id.get());
    let admin = world.sign_in("admin").await;

    let form = world.get(Some(&admin), &path).await;
    assert_eq!(form.status, StatusCode::OK);
    assert_eq!(field_value(&form.body, "value").as_deref(), Some("6"));
    assert_eq!(
        field_value(&form.body, "deadline").as_deref(),
        Some("2020-12-31")
    );
    assert!(form.body.contains("<label for=\"checkpoints\">"));

    // Shares that fall.
    let falling = "03-31 20%\n06-30 10%\n12-31 100%";
    let answer = world
        .post(
            &admin,
            &path,
            &target_fields("8", "ge", "2020-12-31", "checkpoints", falling, "追加"),
        )
        .await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(answer.body.contains("不能低于前一个"), "{}", answer.body);
    assert!(
        answer.body.contains("06-30 10%"),
        "what was typed comes back"
    );
    assert_eq!(field_value(&answer.body, "value").as_deref(), Some("8"));

    // A line that is not a checkpoint, no reason, a deadline that is not a date.
    let answer = world
        .post(
            &admin,
            &path,
            &target_fields("8", "ge", "2020-13-01", "checkpoints", "三月底 两成", ""),
        )
        .await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(answer.body.contains("第 1 行“三月底 两成”看不懂"));
    assert!(answer.body.contains("请填写调整原因"));
    assert!(answer.body.contains("请按 年-月-日 填写完成时限"));

    // The last checkpoint after the deadline (the domain's own rule).
    let answer = world
        .post(
            &admin,
            &path,
            &target_fields(
                "8",
                "ge",
                "2020-10-31",
                "checkpoints",
                "06-30 50%\n12-31 100%",
                "x",
            ),
        )
        .await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(answer.body.contains("最后一个节点不能晚于完成时限"));

    assert_eq!(world.store.target(target.id).await.unwrap(), target);
    let item = world
        .get(None, &format!("/items/{}", detail.items[0].item.id.get()))
        .await;
    assert!(!item.body.contains("<table class=\"changes\">"));
    world.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_good_target_edit_shows_in_the_items_change_log() {
    let world = World::new(true).await;
    let detail = world.store.plan(world.plan()).await.unwrap();
    let item = detail.items[0].item.id;
    let target = detail.items[0].targets[0].id;
    let path = format!("/admin/targets/{}", target.get());
    let admin = world.sign_in("admin").await;

    // Reached from the dashboard's item row and the item's edit page.
    let dashboard = world.get(Some(&admin), "/dashboard").await;
    assert!(dashboard
        .body
        .contains(&format!("href=\"/admin/items/{}\"", item.get())));
    let item_page = world
        .get(Some(&admin), &format!("/admin/items/{}", item.get()))
        .await;
    assert_eq!(item_page.status, StatusCode::OK);
    assert!(item_page.body.contains(&format!("href=\"{path}\"")));

    let answer = world
        .post(
            &admin,
            &path,
            &target_fields(
                "8",
                "ge",
                "2020-11-30",
                "checkpoints",
                "06-30 40%\n11-30 100%",
                "区政府常务会议决定追加2所学校",
            ),
        )
        .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    assert_eq!(answer.location, format!("{path}?done=saved"));
    let saved = world.get(Some(&admin), &answer.location).await;
    assert!(saved.body.contains("已保存"));
    assert!(saved.body.contains("06-30 40%"));

    let stored = world.store.target(target).await.unwrap();
    match &stored.measure {
        Measure::Quantity(q) => {
            assert_eq!(q.value().get(), 8.0);
            assert_eq!(q.op(), shishi_core::Op::Ge);
        }
        Measure::Milestone => panic!("still a quantity"),
    }
    assert_eq!(stored.schedule.deadline(), date!(2020 - 11 - 30));

    let public = world.get(None, &format!("/items/{}", item.get())).await;
    let changes = section(&public.body, "<table class=\"changes\">", "</table>");
    assert!(changes.contains("区政府常务会议决定追加2所学校"));
    assert!(
        changes.contains("2020-12-31"),
        "the original deadline: {changes}"
    );
    assert!(changes.contains("2020-11-30"));
    world.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_item_is_edited_with_units_from_the_registry() {
    let world = World::new(true).await;
    let detail = world.store.plan(world.plan()).await.unwrap();
    let item = detail.items[0].item.clone();
    let path = format!("/admin/items/{}", item.id.get());
    let admin = world.sign_in("admin").await;
    let lead = format!("unit-{}", world.education.get());
    let support = format!("unit-{}", world.health.get());
    let answer = world
        .post(
            &admin,
            &path,
            &[
                ("title", "改善办学条件（调整）"),
                ("category", "教育"),
                (lead.as_str(), "lead"),
                (support.as_str(), "support"),
            ],
        )
        .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    let detail = world.store.plan(world.plan()).await.unwrap();
    let after = &detail.items[0].item;
    assert_eq!(after.title, "改善办学条件（调整）");
    assert_eq!(after.category.as_deref(), Some("教育"));
    assert_eq!(after.lead_units, vec![world.education]);
    assert_eq!(after.support_units, vec![world.health]);

    // No title: refused, nothing changed.
    let answer = world
        .post(&admin, &path, &[("title", " "), (lead.as_str(), "lead")])
        .await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(answer.body.contains("请填写项目名称"));
    let again = world.store.plan(world.plan()).await.unwrap();
    assert_eq!(&again.items[0].item, after);
    world.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn units_get_aliases_and_two_spellings_are_merged() {
    let world = World::new(true).await;
    let admin = world.sign_in("admin").await;
    let page = world.get(Some(&admin), "/admin/units").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("区教育局") || page.body.contains("教育局"));
    assert!(page.body.contains("2020年第 1"));

    let aliases = world
        .post(
            &admin,
            &format!("/admin/units/{}/aliases", world.education.get()),
            &[("aliases", "教体局\n\n教育体育局\n教体局")],
        )
        .await;
    assert_eq!(aliases.status, StatusCode::SEE_OTHER);
    let units = world.store.units().await.unwrap();
    let education = units.iter().find(|u| u.id == world.education).unwrap();
    assert!(education.aliases.contains(&"教体局".to_owned()));
    assert!(education.aliases.contains(&"教育体育局".to_owned()));

    let keep = world.education.get().to_string();
    let merged = world.health.get().to_string();
    let health_name = units
        .iter()
        .find(|u| u.id == world.health)
        .unwrap()
        .name
        .clone();
    // Without the confirmation box: refused, nothing changed.
    let unconfirmed = world
        .post(
            &admin,
            "/admin/units/merge",
            &[("keep", &keep), ("merged", &merged)],
        )
        .await;
    assert_eq!(unconfirmed.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(unconfirmed.body.contains("请勾选确认"));
    let same = world
        .post(
            &admin,
            "/admin/units/merge",
            &[("keep", &keep), ("merged", &keep), ("confirm", "yes")],
        )
        .await;
    assert_eq!(same.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(world.store.units().await.unwrap(), units);

    let done = world
        .post(
            &admin,
            "/admin/units/merge",
            &[("keep", &keep), ("merged", &merged), ("confirm", "yes")],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(done.location, "/admin/units?done=merged");
    let after = world.store.units().await.unwrap();
    assert_eq!(after.len(), units.len() - 1);
    assert!(!after.iter().any(|u| u.id == world.health));
    let education = after.iter().find(|u| u.id == world.education).unwrap();
    assert!(education.aliases.contains(&health_name), "{education:?}");
    // The merged unit's items are led by the kept one now.
    let detail = world.store.plan(world.plan()).await.unwrap();
    assert!(detail
        .items
        .iter()
        .all(|e| !e.item.lead_units.contains(&world.health)));
    let page = world.get(Some(&admin), &done.location).await;
    assert!(page.body.contains("已合并"));
    world.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn users_are_added_edited_unlocked_and_given_a_new_password() {
    let world = World::new(true).await;
    let admin = world.sign_in("admin").await;
    let page = world.get(Some(&admin), "/admin/users").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("<label for=\"new-login\">"));

    let unit = world.education.get().to_string();
    // Wrong on every field: nothing added, each field says why.
    let bad = world
        .post(
            &admin,
            "/admin/users",
            &[
                ("login", "X!"),
                ("name", ""),
                ("role", "reporter"),
                ("unit", ""),
                ("password", "short"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("用户名为 3 至 32 个字符"));
    assert!(bad.body.contains("请填写姓名"));
    assert!(bad.body.contains("须选择所属单位"));
    assert!(bad.body.contains("密码至少 8 个字符"));
    assert_eq!(world.store.users().await.unwrap().len(), 3);

    let added = world
        .post(
            &admin,
            "/admin/users",
            &[
                ("login", "newbie"),
                ("name", "新填报员"),
                ("role", "reporter"),
                ("unit", &unit),
                ("password", "first-password"),
            ],
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
    let taken = world
        .post(
            &admin,
            "/admin/users",
            &[
                ("login", "newbie"),
                ("name", "另一个"),
                ("role", "leader"),
                ("password", "first-password"),
            ],
        )
        .await;
    assert_eq!(taken.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(taken.body.contains("该用户名已被使用"));
    let newbie = world.user_id("newbie").await;
    world.sign_in_with("newbie", "first-password").await;

    // Five wrong passwords lock the account; the users page shows it.
    let visitor = world.visitor().await;
    for _ in 0..5 {
        world
            .try_sign_in(&visitor, "newbie", "wrong-password")
            .await;
    }
    let locked = world
        .try_sign_in(&visitor, "newbie", "first-password")
        .await;
    assert!(locked.body.contains("账号已锁定"));
    let page = world.get(Some(&admin), "/admin/users").await;
    let row = section(
        &page.body,
        &format!("<tr id=\"user-{}\"", newbie.get()),
        "</tr>",
    );
    assert!(row.contains("已锁定至"), "{row}");

    let user_path = format!("/admin/users/{}", newbie.get());
    let unlocked = world
        .post(&admin, &user_path, &[("action", "unlock")])
        .await;
    assert_eq!(unlocked.status, StatusCode::SEE_OTHER);
    let account = world
        .store
        .account_by_login(&Login::parse("newbie").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(account.locked_until, None);
    assert_eq!(account.failed_logins, 0);
    world.sign_in_with("newbie", "first-password").await;

    // Edit: a unit head now.
    let edited = world
        .post(
            &admin,
            &user_path,
            &[
                ("action", "edit"),
                ("name", "新负责人"),
                ("role", "unit_head"),
                ("unit", &unit),
            ],
        )
        .await;
    assert_eq!(edited.status, StatusCode::SEE_OTHER, "{}", edited.body);
    let user = world.store.user(newbie).await.unwrap();
    assert_eq!(user.role, Role::UnitHead);
    assert_eq!(user.name, "新负责人");
    let email_of = |emails: Vec<(shishi_core::UserId, String)>| {
        emails
            .into_iter()
            .find(|(id, _)| *id == newbie)
            .map(|(_, e)| e)
    };
    assert_eq!(email_of(world.store.user_emails().await.unwrap()), None);

    // An e-mail address for reminders; a malformed one is refused and changes nothing.
    let edit_with = |email: &'static str| {
        [
            ("action", "edit"),
            ("name", "新负责人"),
            ("role", "unit_head"),
            ("unit", unit.as_str()),
            ("email", email),
        ]
    };
    let with_email = world
        .post(&admin, &user_path, &edit_with(" head@example.gov.cn "))
        .await;
    assert_eq!(
        with_email.status,
        StatusCode::SEE_OTHER,
        "{}",
        with_email.body
    );
    assert_eq!(
        email_of(world.store.user_emails().await.unwrap()).as_deref(),
        Some("head@example.gov.cn")
    );
    let page = world.get(Some(&admin), "/admin/users").await;
    assert!(page.body.contains("value=\"head@example.gov.cn\""));
    let events = world.store.verify_audit().await.unwrap();
    let bad = world
        .post(&admin, &user_path, &edit_with("not an address"))
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("电子邮箱格式不对"), "{}", bad.body);
    assert_eq!(world.store.verify_audit().await.unwrap(), events);
    assert_eq!(
        email_of(world.store.user_emails().await.unwrap()).as_deref(),
        Some("head@example.gov.cn")
    );
    let cleared = world.post(&admin, &user_path, &edit_with("")).await;
    assert_eq!(cleared.status, StatusCode::SEE_OTHER);
    assert_eq!(email_of(world.store.user_emails().await.unwrap()), None);

    // An admin cannot take away their own admin role.
    let me = world.user_id("admin").await;
    let demote = world
        .post(
            &admin,
            &format!("/admin/users/{}", me.get()),
            &[("action", "edit"), ("name", "admin"), ("role", "leader")],
        )
        .await;
    assert_eq!(demote.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(world.store.user(me).await.unwrap().role, Role::Admin);

    // A new password: the old one no longer works.
    let reset = world
        .post(
            &admin,
            &user_path,
            &[("action", "reset"), ("password", "second-password")],
        )
        .await;
    assert_eq!(reset.status, StatusCode::SEE_OTHER);
    let visitor = world.visitor().await;
    let old = world
        .try_sign_in(&visitor, "newbie", "first-password")
        .await;
    assert_eq!(old.status, StatusCode::OK);
    world.sign_in_with("newbie", "second-password").await;
    world.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_notice_is_previewed_then_imported_once() {
    let world = World::new(false).await;
    let admin = world.sign_in("admin").await;
    let empty = world.get(Some(&admin), "/dashboard").await;
    assert_eq!(empty.status, StatusCode::OK);
    assert!(empty.body.contains("尚未导入实事项目计划"));
    let form = world.get(Some(&admin), "/admin/import").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("enctype=\"multipart/form-data\""));
    assert!(form.body.contains("<label for=\"file\">"));

    // Bad files: said why, in Chinese, nothing saved.
    for (bytes, words) in [
        (Vec::new(), "文件是空的"),
        (b"   \n".to_vec(), "文件是空的"),
        (
            vec![0u8, 159, 146, 150, 0, 1, 2, 3, 255, 254],
            "无法读取这份通知",
        ),
        (
            "今天天气很好，没有任何编号。".as_bytes().to_vec(),
            "编号列表",
        ),
    ] {
        let answer = world.upload(&admin, "x.txt", &bytes).await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{words}");
        assert!(answer.body.contains(words), "{words}: {}", answer.body);
    }
    assert!(world.store.plans().await.unwrap().is_empty());

    let preview = world.upload(&admin, "notice.txt", &notice()).await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.body);
    assert!(preview.body.contains("读取结果（尚未保存）"));
    assert!(preview.body.contains("海政发〔2020〕15号"));
    assert!(preview.body.contains("读到的项目（50 项）"));
    assert!(preview.body.contains("区教育局"));
    assert!(preview.body.contains("6 所"));
    assert!(
        world.store.plans().await.unwrap().is_empty(),
        "nothing saved yet"
    );
    let hex_notice = field_value(&preview.body, "notice").unwrap();
    let sm3 = field_value(&preview.body, "sm3").unwrap();

    // A notice that is not the one previewed is refused.
    let tampered = world
        .post(
            &admin,
            "/admin/import/confirm",
            &[
                ("notice", &hex_notice[..hex_notice.len() - 2]),
                ("sm3", &sm3),
            ],
        )
        .await;
    assert_eq!(tampered.status, StatusCode::BAD_REQUEST);
    assert!(world.store.plans().await.unwrap().is_empty());

    let confirm = [("notice", hex_notice.as_str()), ("sm3", sm3.as_str())];
    let created = world.post(&admin, "/admin/import/confirm", &confirm).await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.body);
    assert!(created.body.contains("已导入，共 50 项"));
    let plans = world.store.plans().await.unwrap();
    assert_eq!(plans.len(), 1);
    assert_eq!(
        world.store.plan(plans[0].id()).await.unwrap().items.len(),
        50
    );

    let unchanged = world.post(&admin, "/admin/import/confirm", &confirm).await;
    assert_eq!(unchanged.status, StatusCode::OK);
    assert!(unchanged.body.contains("未作任何改动"));
    assert_eq!(world.store.plans().await.unwrap().len(), 1);

    // A revised notice shows its diff, and is applied only on the second button.
    let revised = String::from_utf8(notice())
        .unwrap()
        .replace("新建、改扩建中小学6所", "新建、改扩建中小学8所");
    let preview = world
        .upload(&admin, "revised.txt", revised.as_bytes())
        .await;
    assert!(preview.body.contains("已有同一份计划"));
    let hex_notice = field_value(&preview.body, "notice").unwrap();
    let sm3 = field_value(&preview.body, "sm3").unwrap();
    let diff = world
        .post(
            &admin,
            "/admin/import/confirm",
            &[("notice", &hex_notice), ("sm3", &sm3)],
        )
        .await;
    assert_eq!(diff.status, StatusCode::OK);
    assert!(diff.body.contains("第 1 项：目标"), "{}", diff.body);
    assert!(diff.body.contains("应用修订"));
    let plan = plans[0].id();
    let schools = |detail: &shishi_store::PlanDetail| match &detail.items[0].targets[0].measure {
        Measure::Quantity(q) => q.value().get(),
        Measure::Milestone => panic!(),
    };
    assert_eq!(schools(&world.store.plan(plan).await.unwrap()), 6.0);
    let apply = field_value(&diff.body, "apply").unwrap();
    assert_eq!(apply, plan.get().to_string());
    let applied = world
        .post(
            &admin,
            "/admin/import/confirm",
            &[("notice", &hex_notice), ("sm3", &sm3), ("apply", &apply)],
        )
        .await;
    assert_eq!(applied.status, StatusCode::OK, "{}", applied.body);
    assert!(applied.body.contains("已按修订后的通知更新计划"));
    assert_eq!(schools(&world.store.plan(plan).await.unwrap()), 8.0);
    world.finish().await;
}
