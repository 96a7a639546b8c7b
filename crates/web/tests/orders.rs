//! Supervision orders (督办单) end to end: a real server on port 0 over a fresh SQLite
//! database, signed in through the sign-in form like a browser (cookies and CSRF tokens by
//! hand), and the same flow through the API with tokens. Checks what the pages say, what the
//! store holds and the audit events after each step.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{cookie_named, field_value};
use reqwest::header::{COOKIE, LOCATION};
use reqwest::redirect::Policy;
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};
use shishi_core::{
    ItemId, Login, OrderId, OrderState, PlanId, Role, SupervisionOrder, TargetId, UnitId, UserId,
};
use shishi_store::{Actor, Store};
use shishi_web::{AppState, Clock};
use std::path::Path;
use time::macros::date;
use time::Date;
use tokio::sync::oneshot;

/// Three quarters into the plan year: with no reports yet, items lag.
const TODAY: Date = date!(2020 - 09 - 28);
/// A day after the orders' due days, for a second server on the same database.
const LATER: Date = date!(2020 - 10 - 20);

struct Server {
    base: String,
    stop: oneshot::Sender<()>,
    handle: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Server {
    async fn start(store: &Store, today: Date) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (stop, stopped) = oneshot::channel::<()>();
        let state = AppState::new(store.clone()).with_clock(Clock::fixed(today));
        let handle = tokio::spawn(shishi_web::serve(listener, state, async {
            let _ = stopped.await;
        }));
        Self { base, stop, handle }
    }

    async fn stop(self) {
        let _ = self.stop.send(());
        self.handle.await.unwrap().unwrap();
    }
}

/// The world of one test: the plan, the item the orders are about, its lead unit and another
/// unit, and a user for each role involved.
struct World {
    client: Client,
    store: Store,
    server: Server,
    plan: PlanId,
    item: ItemId,
    target: TargetId,
    unit: UnitId,
    other_unit: UnitId,
    _dir: tempfile::TempDir,
}

/// A signed-in browser: its session cookie and the token its forms carry.
struct Browser {
    cookie: String,
    csrf: String,
}

struct Answer {
    status: StatusCode,
    location: String,
    body: String,
}

impl World {
    async fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("shishi.db").display());
        let store = Store::open(&url).await.unwrap();
        let notice = std::fs::read(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/haizhou-2020-notice.txt"),
        )
        .unwrap();
        let plan = store
            .import_plan(Actor::System, shishi_plan::parse(&notice).unwrap())
            .await
            .unwrap()
            .plan_id();
        let server = Server::start(&store, TODAY).await;
        let client = Client::builder().redirect(Policy::none()).build().unwrap();
        add_user(&store, "admin", Role::Admin, None).await;
        add_user(&store, "leader", Role::Leader, None).await;

        // The first item the dashboard offers an order for.
        let admin = sign_in(&client, &server.base, "admin").await;
        let dashboard = get(&client, &server.base, Some(&admin), "/dashboard").await;
        assert_eq!(dashboard.status, StatusCode::OK);
        let marker = "href=\"/orders/new?item=";
        let start = dashboard
            .body
            .find(marker)
            .expect("a 下督办单 link on the lagging list")
            + marker.len();
        let end = dashboard.body[start..].find('"').unwrap() + start;
        let item = ItemId::new(dashboard.body[start..end].parse().unwrap());
        assert!(dashboard.body.contains("下督办单"));

        let detail = store.plan(plan).await.unwrap();
        let entry = detail.items.iter().find(|e| e.item.id == item).unwrap();
        let unit = entry.item.lead_units[0];
        let other_unit = detail
            .units
            .iter()
            .map(|u| u.id)
            .find(|u| !entry.item.lead_units.contains(u))
            .unwrap();
        add_user(&store, "head", Role::UnitHead, Some(unit)).await;
        add_user(&store, "clerk", Role::Reporter, Some(unit)).await;
        add_user(&store, "otherhead", Role::UnitHead, Some(other_unit)).await;
        Self {
            client,
            store,
            server,
            plan,
            item,
            target: entry.targets.first().map(|t| t.id).unwrap(),
            unit,
            other_unit,
            _dir: dir,
        }
    }

    async fn finish(self) {
        self.server.stop().await;
        self.store.close().await;
    }

    async fn sign_in(&self, login: &str) -> Browser {
        sign_in(&self.client, &self.server.base, login).await
    }

    async fn get(&self, who: Option<&Browser>, path: &str) -> Answer {
        get(&self.client, &self.server.base, who, path).await
    }

    /// Posts a form as `who`, with their token.
    async fn post(&self, who: &Browser, path: &str, fields: &[(&str, &str)]) -> Answer {
        let mut form: Vec<(&str, &str)> = vec![("csrf", who.csrf.as_str())];
        form.extend_from_slice(fields);
        self.post_raw(who, path, &form).await
    }

    async fn post_raw(&self, who: &Browser, path: &str, fields: &[(&str, &str)]) -> Answer {
        let response = self
            .client
            .post(format!("{}{path}", self.server.base))
            .header(COOKIE, &who.cookie)
            .form(fields)
            .send()
            .await
            .unwrap();
        answer(response).await
    }

    async fn orders(&self) -> Vec<SupervisionOrder> {
        self.store.orders_for_plan(self.plan).await.unwrap()
    }

    async fn order(&self, id: OrderId) -> SupervisionOrder {
        self.store.order(id).await.unwrap()
    }

    /// The order events recorded since `after`: (action, order id, actor).
    async fn events_since(&self, after: u64) -> Vec<(String, String, String)> {
        self.store
            .audit_events(after as i64, 1000)
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.entity == "supervision_order")
            .map(|e| (e.action, e.entity_id, e.actor))
            .collect()
    }

    async fn audit_len(&self) -> u64 {
        self.store.verify_audit().await.unwrap()
    }

    async fn user_id(&self, login: &str) -> UserId {
        self.store
            .account_by_login(&Login::parse(login).unwrap())
            .await
            .unwrap()
            .unwrap()
            .user
            .id
    }

    async fn token(&self, login: &str) -> String {
        let id = self.user_id(login).await;
        self.store
            .create_api_token(Actor::System, id)
            .await
            .unwrap()
            .secret
    }

    async fn api(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let url = format!("{}{path}", self.server.base);
        let mut request = match method {
            "GET" => self.client.get(url),
            _ => self.client.post(url),
        };
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }
}

async fn add_user(store: &Store, login: &str, role: Role, unit: Option<UnitId>) {
    common::add_user(
        store,
        login,
        login.to_owned(),
        format!("{login}-password"),
        role,
        unit,
    )
    .await;
}

async fn answer(response: reqwest::Response) -> Answer {
    let status = response.status();
    let location = response
        .headers()
        .get(LOCATION)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    Answer {
        status,
        location,
        body: response.text().await.unwrap(),
    }
}

async fn get(client: &Client, base: &str, who: Option<&Browser>, path: &str) -> Answer {
    let mut request = client.get(format!("{base}{path}"));
    if let Some(who) = who {
        request = request.header(COOKIE, &who.cookie);
    }
    answer(request.send().await.unwrap()).await
}

/// Signs in through the form, as a browser does.
async fn sign_in(client: &Client, base: &str, login: &str) -> Browser {
    let response = client.get(format!("{base}/login")).send().await.unwrap();
    let visitor_cookie = cookie_named(&response, "shishi_csrf").unwrap();
    let visitor_csrf = field_value(&response.text().await.unwrap(), "csrf").unwrap();
    let password = format!("{login}-password");
    let response = client
        .post(format!("{base}/login"))
        .header(COOKIE, &visitor_cookie)
        .form(&[
            ("login", login),
            ("password", password.as_str()),
            ("csrf", visitor_csrf.as_str()),
            ("next", ""),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER, "{login}");
    let cookie = cookie_named(&response, "shishi_session").unwrap();
    // The session's own token, from the sign-out form every page carries.
    let page = client
        .get(format!("{base}/"))
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    let csrf = field_value(&page.text().await.unwrap(), "csrf").unwrap();
    Browser { cookie, csrf }
}

/// The number on the dashboard's card labelled `label`.
fn card_count(body: &str, label: &str) -> usize {
    let at = body
        .find(&format!("<span class=\"label\">{label}</span>"))
        .unwrap_or_else(|| panic!("no card {label}"));
    let rest = &body[at..];
    let open = "<strong class=\"count\">";
    let from = rest.find(open).unwrap() + open.len();
    let to = rest[from..].find("</strong>").unwrap() + from;
    rest[from..to].trim().parse().unwrap()
}

/// The id in a redirect to `/orders/{id}?done=…`.
fn order_in(location: &str) -> OrderId {
    let rest = location.strip_prefix("/orders/").unwrap();
    let id = rest.split('?').next().unwrap();
    OrderId::new(id.parse().unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_order_is_issued_answered_sent_back_answered_again_and_closed_in_the_pages() {
    let world = World::new().await;
    let admin = world.sign_in("admin").await;
    let head = world.sign_in("head").await;
    let clerk = world.sign_in("clerk").await;
    let other_head = world.sign_in("otherhead").await;
    let leader = world.sign_in("leader").await;
    let admin_actor = format!("user:{}", world.user_id("admin").await);
    let head_actor = format!("user:{}", world.user_id("head").await);

    // The form offers the item's targets and its lead units.
    let form = world
        .get(Some(&admin), &format!("/orders/new?item={}", world.item))
        .await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("整个项目"));
    assert!(form.body.contains(&format!("value=\"{}\"", world.unit)));
    assert!(form.body.contains(&format!("value=\"{}\"", world.target)));
    // The item page offers the order to the admin only.
    let item_page = format!("/items/{}", world.item);
    assert!(world
        .get(Some(&admin), &item_page)
        .await
        .body
        .contains("下督办单"));
    assert!(!world.get(None, &item_page).await.body.contains("下督办单"));
    // Only the supervisor issues orders.
    let refused = world
        .get(Some(&head), &format!("/orders/new?item={}", world.item))
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    let item = world.item.to_string();
    let target = world.target.to_string();
    let unit = world.unit.to_string();
    let fields = [
        ("item", item.as_str()),
        ("target", target.as_str()),
        ("unit", unit.as_str()),
        ("requirement", "10月15日前完成主体工程，书面报告进展"),
        ("due_on", "2020-10-15"),
    ];
    let start = world.audit_len().await;

    // Without its token, with a missing requirement or with another unit: nothing is issued.
    let mut stale = vec![("csrf", "forged")];
    stale.extend_from_slice(&fields);
    assert_eq!(
        world.post_raw(&admin, "/orders", &stale).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        world.post_raw(&admin, "/orders", &fields).await.status,
        StatusCode::FORBIDDEN
    );
    let mut empty = fields;
    empty[3].1 = "  ";
    let page = world.post(&admin, "/orders", &empty).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("请填写督办要求"));
    let other = world.other_unit.to_string();
    let mut wrong_unit = fields;
    wrong_unit[2].1 = other.as_str();
    assert_eq!(
        world.post(&admin, "/orders", &wrong_unit).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let mut past = fields;
    past[4].1 = "2020-09-01";
    assert_eq!(
        world.post(&admin, "/orders", &past).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        world.post(&head, "/orders", &fields).await.status,
        StatusCode::FORBIDDEN
    );
    assert!(world.orders().await.is_empty());
    assert_eq!(world.audit_len().await, start);

    // Issued.
    let issued = world.post(&admin, "/orders", &fields).await;
    assert_eq!(issued.status, StatusCode::SEE_OTHER, "{}", issued.body);
    let id = order_in(&issued.location);
    assert_eq!(world.order(id).await.state(), OrderState::Issued);
    assert_eq!(world.order(id).await.target(), Some(world.target));
    let path = format!("/orders/{id}");
    let shown = world.get(Some(&admin), &issued.location).await;
    assert!(shown.body.contains("督办单已下达"));
    assert!(shown.body.contains("待答复"));

    // The unit sees it from /my; a reporter of the unit and another unit's head cannot answer.
    let my = world.get(Some(&head), "/my").await;
    assert!(my.body.contains("/my/orders"));
    let mine = world.get(Some(&head), "/my/orders").await;
    assert_eq!(mine.status, StatusCode::OK);
    assert!(mine.body.contains("10月15日前完成主体工程"));
    assert!(mine.body.contains(&format!("/orders/{id}/answer")));
    let clerk_view = world.get(Some(&clerk), "/my/orders").await;
    assert!(clerk_view.body.contains("10月15日前完成主体工程"));
    assert!(!clerk_view.body.contains(&format!("/orders/{id}/answer")));
    assert!(!world
        .get(Some(&other_head), "/my/orders")
        .await
        .body
        .contains("10月15日前完成主体工程"));
    assert_eq!(
        world.get(Some(&other_head), &path).await.status,
        StatusCode::FORBIDDEN
    );
    let answer_path = format!("{path}/answer");
    for who in [&clerk, &other_head] {
        let refused = world.post(who, &answer_path, &[("text", "已办理")]).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
    }
    assert_eq!(
        world
            .post_raw(&head, &answer_path, &[("text", "已办理")])
            .await
            .status,
        StatusCode::FORBIDDEN,
        "no csrf"
    );
    assert_eq!(
        world
            .post(&head, &answer_path, &[("text", " ")])
            .await
            .status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(world.order(id).await.state(), OrderState::Issued);

    // Answered.
    let answered = world
        .post(
            &head,
            &answer_path,
            &[("text", "已召开现场推进会，增加施工班组")],
        )
        .await;
    assert_eq!(answered.status, StatusCode::SEE_OTHER);
    assert_eq!(world.order(id).await.state(), OrderState::Answered);
    // Only the supervisor decides; a leader reads.
    let for_leader = world.get(Some(&leader), &path).await;
    assert_eq!(for_leader.status, StatusCode::OK);
    assert!(!for_leader.body.contains("销号</button>"));
    let close_path = format!("{path}/close");
    let back_path = format!("{path}/send-back");
    assert_eq!(
        world.post(&head, &close_path, &[]).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        world.post(&leader, &close_path, &[]).await.status,
        StatusCode::FORBIDDEN
    );
    let shown = world.get(Some(&admin), &path).await;
    assert!(shown.body.contains("已答复"));
    assert!(shown.body.contains("已召开现场推进会"));
    assert!(shown.body.contains(&close_path));
    assert!(shown.body.contains(&back_path));

    // Sent back: not without a reason, then with one.
    let refused = world.post(&admin, &back_path, &[("text", "")]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(world.order(id).await.state(), OrderState::Answered);
    let back = world
        .post(&admin, &back_path, &[("text", "未说明完工时间，请补充")])
        .await;
    assert_eq!(back.status, StatusCode::SEE_OTHER);
    let order = world.order(id).await;
    assert_eq!(order.state(), OrderState::Issued);
    assert!(order.is_sent_back());
    let mine = world.get(Some(&head), "/my/orders").await;
    assert!(mine.body.contains("退回重办"));
    assert!(mine.body.contains("未说明完工时间，请补充"));

    // Answered again, then closed.
    let again = world
        .post(&head, &answer_path, &[("text", "主体工程10月14日完工")])
        .await;
    assert_eq!(again.status, StatusCode::SEE_OTHER);
    assert_eq!(world.order(id).await.state(), OrderState::Answered);
    let closed = world.post(&admin, &close_path, &[]).await;
    assert_eq!(closed.status, StatusCode::SEE_OTHER);
    assert_eq!(
        world.order(id).await.state(),
        OrderState::Closed { on: TODAY }
    );
    assert_eq!(
        world.post(&admin, &close_path, &[]).await.status,
        StatusCode::CONFLICT
    );
    let shown = world.get(Some(&admin), &path).await;
    assert!(shown.body.contains("已销号"));
    assert!(shown.body.contains("第 1 次答复"));
    assert!(shown.body.contains("第 2 次答复"));
    assert!(shown.body.contains("未说明完工时间，请补充"));

    // Every step wrote its audit event, by the one who took it.
    let id_text = id.to_string();
    let events: Vec<(String, String)> = world
        .events_since(start)
        .await
        .into_iter()
        .filter(|(_, entity, _)| *entity == id_text)
        .map(|(action, _, actor)| (action, actor))
        .collect();
    let expected = [
        ("issue", &admin_actor),
        ("answer", &head_actor),
        ("send_back", &admin_actor),
        ("answer", &head_actor),
        ("close", &admin_actor),
    ];
    assert_eq!(
        events,
        expected
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect::<Vec<_>>()
    );
    assert_eq!(world.audit_len().await, start + 5);

    // A second order, for the whole item, due soon and never answered.
    let mut whole = fields;
    whole[1].1 = "";
    whole[4].1 = "2020-09-30";
    let issued = world.post(&admin, "/orders", &whole).await;
    assert_eq!(issued.status, StatusCode::SEE_OTHER);
    let late = order_in(&issued.location);
    assert_eq!(world.order(late).await.target(), None);

    // Today nothing is overdue.
    let list = world.get(Some(&admin), "/orders").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(!list.body.contains("已逾期"));
    assert!(list.body.contains("整个项目"));
    let dashboard = world.get(Some(&admin), "/dashboard").await;
    assert_eq!(card_count(&dashboard.body, "逾期督办单"), 0);
    assert_eq!(
        world.get(Some(&head), "/orders").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        world.get(Some(&leader), "/orders").await.status,
        StatusCode::OK
    );

    // On a later day the open order is overdue, on the list and on the dashboard; the
    // closed one is not.
    let later = Server::start(&world.store, LATER).await;
    let list = get(&world.client, &later.base, Some(&leader), "/orders").await;
    assert_eq!(
        list.body
            .matches("<span class=\"overdue\">已逾期</span>")
            .count(),
        1
    );
    let late_row = list
        .body
        .split("<tr class=\"order-row")
        .find(|row| row.contains(&format!("/orders/{late}\"")))
        .unwrap();
    assert!(late_row.contains("已逾期"));
    let closed_row = list
        .body
        .split("<tr class=\"order-row")
        .find(|row| row.contains(&format!("/orders/{id}\"")))
        .unwrap();
    assert!(!closed_row.contains("已逾期"));
    let dashboard = get(&world.client, &later.base, Some(&admin), "/dashboard").await;
    assert_eq!(card_count(&dashboard.body, "逾期督办单"), 1);
    assert!(dashboard.body.contains("逾期督办单"));
    let detail = get(
        &world.client,
        &later.base,
        Some(&head),
        &format!("/orders/{late}"),
    )
    .await;
    assert!(detail.body.contains("已逾期"));
    later.stop().await;

    world.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_runs_the_same_flow_with_tokens() {
    let world = World::new().await;
    let admin = world.token("admin").await;
    let head = world.token("head").await;
    let clerk = world.token("clerk").await;
    let other_head = world.token("otherhead").await;
    let leader = world.token("leader").await;
    let start = world.audit_len().await;

    let good = json!({
        "item": world.item.get(),
        "target": world.target.get(),
        "unit": world.unit.get(),
        "requirement": "10月15日前完成主体工程",
        "due_on": "2020-10-15",
    });
    // Refusals write nothing.
    let (status, _) = world
        .api("POST", "/api/v1/orders", None, Some(good.clone()))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = world
        .api("POST", "/api/v1/orders", Some(&head), Some(good.clone()))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = world
        .api(
            "POST",
            "/api/v1/orders",
            Some(&admin),
            Some(json!({
                "item": world.item.get(),
                "target": 999_999,
                "unit": world.other_unit.get(),
                "requirement": " ",
                "due_on": "2020-13-01",
                "extra": 1,
            })),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let mut fields: Vec<&str> = body["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    fields.sort_unstable();
    assert_eq!(fields, ["due_on", "extra", "requirement", "target", "unit"]);
    let (status, body) = world
        .api(
            "POST",
            "/api/v1/orders",
            Some(&admin),
            Some(json!({"item": 999_999, "unit": 1, "requirement": "x", "due_on": "2020-10-15"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["fields"][0]["field"], "item");
    let response = world
        .client
        .post(format!("{}/api/v1/orders", world.server.base))
        .bearer_auth(&admin)
        .body("not json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(world.orders().await.is_empty());
    assert_eq!(world.audit_len().await, start);

    // Issued.
    let (status, body) = world
        .api("POST", "/api/v1/orders", Some(&admin), Some(good))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["state"], "issued");
    assert_eq!(body["state_label"], "待答复");
    assert_eq!(body["overdue"], false);
    let id = body["id"].as_i64().unwrap();
    let path = format!("/api/v1/orders/{id}");

    // Read: the supervisor, leaders and the unit; not another unit, not the public.
    let list_path = format!("/api/v1/orders?plan={}", world.plan);
    for token in [&admin, &leader, &head, &clerk] {
        let (status, body) = world.api("GET", &list_path, Some(token), None).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body.as_array().unwrap().len(), 1);
    }
    let (status, body) = world.api("GET", &list_path, Some(&other_head), None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.as_array().unwrap().is_empty());
    let (status, _) = world.api("GET", "/api/v1/orders", Some(&admin), None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = world.api("GET", &path, Some(&other_head), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = world.api("GET", &path, None, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = world
        .api("GET", "/api/v1/orders/999999", Some(&admin), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = world
        .api("GET", "/api/v1/orders/x", Some(&admin), None)
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Answers: only the unit's head, with an answer and real evidence.
    let answer_path = format!("{path}/answer");
    let answer = json!({"answer": "已召开现场推进会"});
    for token in [&clerk, &other_head, &leader] {
        let (status, _) = world
            .api("POST", &answer_path, Some(token), Some(answer.clone()))
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
    let (status, body) = world
        .api(
            "POST",
            &answer_path,
            Some(&head),
            Some(json!({"answer": "", "evidence": ["nothex", "0".repeat(64)]})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["fields"].as_array().unwrap().len(), 3);
    let (status, _) = world
        .api("POST", &format!("{path}/close"), Some(&admin), None)
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "nothing to close yet");
    let (status, body) = world
        .api("POST", &answer_path, Some(&head), Some(answer.clone()))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["state"], "answered");
    assert_eq!(body["answers"][0]["answer"], "已召开现场推进会");
    let (status, _) = world
        .api("POST", &answer_path, Some(&head), Some(answer.clone()))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);

    // Sent back, answered again, closed.
    let back_path = format!("{path}/send-back");
    let (status, _) = world
        .api(
            "POST",
            &back_path,
            Some(&head),
            Some(json!({"reason": "x"})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = world
        .api(
            "POST",
            &back_path,
            Some(&admin),
            Some(json!({"reason": " "})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["fields"][0]["field"], "reason");
    let (status, body) = world
        .api(
            "POST",
            &back_path,
            Some(&admin),
            Some(json!({"reason": "未说明完工时间"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["state"], "issued");
    assert_eq!(body["state_label"], "退回重办");
    assert_eq!(body["answers"][0]["sent_back_reason"], "未说明完工时间");
    let (status, _) = world
        .api(
            "POST",
            &answer_path,
            Some(&head),
            Some(json!({"answer": "10月14日完工"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = world
        .api("POST", &format!("{path}/close"), Some(&head), None)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = world
        .api("POST", &format!("{path}/close"), Some(&admin), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["state"], "closed");
    assert_eq!(body["closed_on"], "2020-09-28");
    assert_eq!(body["answers"].as_array().unwrap().len(), 2);

    let actions: Vec<String> = world
        .events_since(start)
        .await
        .into_iter()
        .map(|(action, _, _)| action)
        .collect();
    assert_eq!(actions, ["issue", "answer", "send_back", "answer", "close"]);

    // The OpenAPI document describes the orders.
    let (status, document) = world.api("GET", "/api/v1/openapi.json", None, None).await;
    assert_eq!(status, StatusCode::OK);
    for path in [
        "/api/v1/orders",
        "/api/v1/orders/{id}",
        "/api/v1/orders/{id}/answer",
        "/api/v1/orders/{id}/close",
        "/api/v1/orders/{id}/send-back",
    ] {
        assert!(document["paths"][path].is_object(), "{path}");
    }
    assert!(document["paths"]["/api/v1/orders"]["get"].is_object());
    assert!(document["paths"]["/api/v1/orders"]["post"].is_object());
    world.finish().await;
}
