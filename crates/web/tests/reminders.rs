//! Reminders end to end: a local SMTP sink and a local HTTP receiver started by the test, a
//! real database, the scheduler run once on a fixed day (and, in one test, started by the
//! server itself); each reminder is noticed in the app, e-mailed and posted exactly once, also
//! after a restart; a failed delivery is tried again; the notices page lists and marks read.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use axum::routing::post;
use common::{cookie_named, field_value};
use reqwest::header::COOKIE;
use reqwest::redirect::Policy;
use reqwest::{Client, StatusCode};
use serde_json::Value;
use shishi_core::{
    Actual, Login, NewOrder, Percent, Period, PlanId, ReportContent, Requirement, Role, UnitId,
    UserId,
};
use shishi_store::{Actor, Store};
use shishi_web::reminders::{ReminderConfig, Reminders, SmtpConfig, WakeSummary, WebhookUrl};
use shishi_web::{AppState, Clock};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use time::macros::date;
use time::Date;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

/// Two days before September's reports are due (the 25th).
const TODAY: Date = date!(2020 - 09 - 23);

/// One message the SMTP sink took.
#[derive(Debug, Clone)]
struct Mail {
    to: Vec<String>,
    data: String,
}

/// A minimal SMTP server: greets, says 250 to everything, takes DATA up to the lone dot.
async fn smtp_sink() -> (u16, Arc<Mutex<Vec<Mail>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let mails = Arc::new(Mutex::new(Vec::new()));
    let taken = mails.clone();
    tokio::spawn(async move {
        loop {
            let Ok((socket, _)) = listener.accept().await else {
                return;
            };
            let taken = taken.clone();
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read).lines();
                write.write_all(b"220 sink ESMTP\r\n").await.unwrap();
                let mut to = Vec::new();
                while let Ok(Some(line)) = lines.next_line().await {
                    let verb = line.get(..4).unwrap_or("").to_ascii_uppercase();
                    let reply: &[u8] = match verb.as_str() {
                        "EHLO" | "HELO" => b"250 sink\r\n",
                        "MAIL" => {
                            to.clear();
                            b"250 OK\r\n"
                        }
                        "RCPT" => {
                            let address = line
                                .split_once('<')
                                .and_then(|(_, rest)| rest.split_once('>'))
                                .map(|(address, _)| address.to_owned())
                                .unwrap_or_default();
                            to.push(address);
                            b"250 OK\r\n"
                        }
                        "DATA" => {
                            write.write_all(b"354 go on\r\n").await.unwrap();
                            let mut data = String::new();
                            while let Ok(Some(line)) = lines.next_line().await {
                                if line == "." {
                                    break;
                                }
                                data.push_str(&line);
                                data.push('\n');
                            }
                            taken.lock().unwrap().push(Mail {
                                to: to.clone(),
                                data,
                            });
                            b"250 queued\r\n"
                        }
                        "QUIT" => {
                            let _ = write.write_all(b"221 bye\r\n").await;
                            return;
                        }
                        _ => b"250 OK\r\n",
                    };
                    if write.write_all(reply).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    (port, mails)
}

/// The bodies posted to the receiver, and how many of the first posts it refuses with 500.
#[derive(Clone, Default)]
struct Receiver {
    posts: Arc<Mutex<Vec<Value>>>,
    refuse_first: Arc<AtomicUsize>,
}

async fn http_receiver() -> (String, Receiver) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "http://{}/cgi-bin/webhook/send?key=test-key",
        listener.local_addr().unwrap()
    );
    let receiver = Receiver::default();
    let shared = receiver.clone();
    let app = axum::Router::new().route(
        "/cgi-bin/webhook/send",
        post(move |body: String| {
            let shared = shared.clone();
            async move {
                let refused = shared
                    .refuse_first
                    .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                    .is_ok();
                if refused {
                    return (axum::http::StatusCode::INTERNAL_SERVER_ERROR, String::new());
                }
                shared
                    .posts
                    .lock()
                    .unwrap()
                    .push(serde_json::from_str(&body).unwrap());
                (
                    axum::http::StatusCode::OK,
                    r#"{"errcode":0,"errmsg":"ok"}"#.to_owned(),
                )
            }
        }),
    );
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, receiver)
}

/// The database of one test with the plan, the SMTP sink, the receiver, and the people.
struct World {
    url: String,
    store: Store,
    plan: PlanId,
    config: ReminderConfig,
    mails: Arc<Mutex<Vec<Mail>>>,
    hook: Receiver,
    /// The unit whose reporters have not reported, and one that reported everything.
    late_unit: UnitId,
    _dir: tempfile::TempDir,
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
        let detail = store.plan(plan).await.unwrap();
        let mut leads = detail.items.iter().flat_map(|i| i.item.lead_units.clone());
        let late_unit = leads.next().unwrap();
        let punctual_unit = leads.find(|u| *u != late_unit).unwrap();
        // The punctual unit files September's report of every target it leads.
        for entry in &detail.items {
            if !entry.item.lead_units.contains(&punctual_unit) {
                continue;
            }
            for target in &entry.targets {
                let actual = match &target.measure {
                    shishi_core::Measure::Milestone => Actual::Percent(Percent::new(70.0).unwrap()),
                    shishi_core::Measure::Quantity(_) => {
                        Actual::Value(shishi_core::ReportValue::new(1.0).unwrap())
                    }
                };
                store
                    .file_report(
                        Actor::System,
                        target.id,
                        Period::parse("2020-09").unwrap(),
                        ReportContent {
                            actual,
                            progress: "按计划推进".into(),
                            problems: String::new(),
                            next_steps: String::new(),
                            funds: None,
                        },
                        TODAY,
                    )
                    .await
                    .unwrap();
            }
        }
        for (login, role, unit) in [
            ("admin", Role::Admin, None),
            ("r01", Role::Reporter, Some(late_unit)),
            ("r01b", Role::Reporter, Some(late_unit)),
            ("h01", Role::UnitHead, Some(late_unit)),
            ("r02", Role::Reporter, Some(punctual_unit)),
        ] {
            let id = add_user(&store, login, role, unit).await;
            store
                .set_user_email(Actor::System, id, Some(format!("{login}@example.gov.cn")))
                .await
                .unwrap();
        }
        let (port, mails) = smtp_sink().await;
        let (hook_url, hook) = http_receiver().await;
        let config = ReminderConfig {
            interval: Duration::from_secs(3600),
            smtp: Some(SmtpConfig {
                host: "127.0.0.1".into(),
                port,
                from: "督查室 <shishi@example.gov.cn>".into(),
            }),
            webhook: Some(WebhookUrl::parse(&hook_url).unwrap()),
            ..ReminderConfig::default()
        };
        Self {
            url,
            store,
            plan,
            config,
            mails,
            hook,
            late_unit,
            _dir: dir,
        }
    }

    async fn wake(&self, store: &Store, today: Date) -> WakeSummary {
        Reminders::new(store.clone(), self.config.clone())
            .unwrap()
            .run_once(today)
            .await
            .unwrap()
    }

    async fn user(&self, login: &str) -> UserId {
        self.store
            .account_by_login(&Login::parse(login).unwrap())
            .await
            .unwrap()
            .unwrap()
            .user
            .id
    }

    async fn notices(&self, login: &str) -> Vec<shishi_store::Notice> {
        self.store
            .notices(self.user(login).await, 100)
            .await
            .unwrap()
    }

    fn mails_to(&self, address: &str) -> Vec<Mail> {
        self.mails
            .lock()
            .unwrap()
            .iter()
            .filter(|m| m.to.iter().any(|t| t == address))
            .cloned()
            .collect()
    }

    fn posts_naming(&self, name: &str) -> usize {
        self.hook
            .posts
            .lock()
            .unwrap()
            .iter()
            .filter(|p| {
                p["text"]["content"]
                    .as_str()
                    .unwrap()
                    .contains(&format!("】{name}\n"))
            })
            .count()
    }

    fn totals(&self) -> (usize, usize) {
        (
            self.mails.lock().unwrap().len(),
            self.hook.posts.lock().unwrap().len(),
        )
    }
}

async fn add_user(store: &Store, login: &str, role: Role, unit: Option<UnitId>) -> UserId {
    common::add_user(
        store,
        login,
        login.to_owned(),
        format!("{login}-password"),
        role,
        unit,
    )
    .await
    .id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_reporter_without_a_report_gets_one_notice_one_email_and_one_post_once() {
    let world = World::new().await;
    let first = world.wake(&world.store, TODAY).await;
    assert_eq!(
        first,
        WakeSummary {
            recorded: 2,
            delivered: 4,
            failed: 0
        }
    );
    for login in ["r01", "r01b"] {
        let notices = world.notices(login).await;
        assert_eq!(notices.len(), 1, "{login}");
        assert!(
            notices[0].title.contains("9月进展报告"),
            "{}",
            notices[0].title
        );
        assert!(!notices[0].read);
        let mails = world.mails_to(&format!("{login}@example.gov.cn"));
        assert_eq!(mails.len(), 1, "{login}");
        assert!(mails[0].data.contains("Subject: "), "{}", mails[0].data);
        assert!(mails[0].data.contains("From: "), "{}", mails[0].data);
        assert_eq!(world.posts_naming(login), 1, "{login}");
    }
    let post = world.hook.posts.lock().unwrap()[0].clone();
    assert_eq!(post["msgtype"], "text");
    assert!(post["text"]["content"]
        .as_str()
        .unwrap()
        .contains("尚未报送"));
    // The unit that reported, the unit head and the admin get nothing.
    for login in ["r02", "h01", "admin"] {
        assert!(world.notices(login).await.is_empty(), "{login}");
    }
    assert_eq!(world.totals(), (2, 2));

    // Again the same day, and the next day: nothing new.
    assert_eq!(
        world.wake(&world.store, TODAY).await,
        WakeSummary::default()
    );
    assert_eq!(
        world.wake(&world.store, TODAY.next_day().unwrap()).await,
        WakeSummary::default()
    );
    assert_eq!(world.totals(), (2, 2));

    // A restart: a new store on the same database, and a server running the scheduler.
    let store = Store::open(&world.url).await.unwrap();
    assert_eq!(world.wake(&store, TODAY).await, WakeSummary::default());
    assert_eq!(world.totals(), (2, 2));
    assert_eq!(world.notices("r01").await.len(), 1);

    // On the due day the day's reminder goes out, once.
    let due_day = date!(2020 - 09 - 25);
    assert_eq!(world.wake(&store, due_day).await.recorded, 2);
    assert_eq!(world.wake(&store, due_day).await.recorded, 0);
    assert_eq!(world.totals(), (4, 4));
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_overdue_order_flags_the_unit_head_and_its_supervisor_once() {
    let world = World::new().await;
    let admin = world.user("admin").await;
    let detail = world.store.plan(world.plan).await.unwrap();
    let item = detail
        .items
        .iter()
        .find(|i| i.item.lead_units.contains(&world.late_unit))
        .unwrap()
        .item
        .id;
    let order = world
        .store
        .issue_order(
            Actor::User(admin),
            NewOrder {
                item,
                target: None,
                unit: world.late_unit,
                requirement: Requirement::parse("9月10日前完成整改并书面报告").unwrap(),
                due_on: date!(2020 - 09 - 10),
            },
            date!(2020 - 09 - 01),
        )
        .await
        .unwrap();
    // Before the reports' lead time, only the order is due.
    let day = date!(2020 - 09 - 15);
    let first = world.wake(&world.store, day).await;
    assert_eq!(first.recorded, 2, "{first:?}");
    for login in ["h01", "admin"] {
        let notices = world.notices(login).await;
        assert_eq!(notices.len(), 1, "{login}");
        assert!(notices[0]
            .title
            .contains(&format!("督办单第{}号已超期", order.id())));
        assert!(notices[0].body.contains("超期5天"), "{}", notices[0].body);
        assert_eq!(world.mails_to(&format!("{login}@example.gov.cn")).len(), 1);
        assert_eq!(world.posts_naming(login), 1);
    }
    assert!(world.notices("r01").await.is_empty());
    assert_eq!(world.wake(&world.store, day).await, WakeSummary::default());
    assert_eq!(
        world.wake(&world.store, day.next_day().unwrap()).await,
        WakeSummary::default()
    );
    assert_eq!(world.totals(), (2, 2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_delivery_is_tried_again_at_the_next_wake_without_a_second_notice() {
    let world = World::new().await;
    world.hook.refuse_first.store(1, Ordering::SeqCst);
    let first = world.wake(&world.store, TODAY).await;
    assert_eq!(
        first,
        WakeSummary {
            recorded: 2,
            delivered: 3,
            failed: 1
        }
    );
    assert_eq!(world.totals(), (2, 1));
    let second = world.wake(&world.store, TODAY).await;
    assert_eq!(
        second,
        WakeSummary {
            recorded: 0,
            delivered: 1,
            failed: 0
        }
    );
    assert_eq!(world.totals(), (2, 2));
    assert_eq!(world.posts_naming("r01"), 1);
    assert_eq!(world.posts_naming("r01b"), 1);
    assert_eq!(world.notices("r01").await.len(), 1);

    // A dead mail relay: recorded as failed, tried again later, the notice still there once.
    let mut dead = world.config.clone();
    let closed = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let closed_port = closed.local_addr().unwrap().port();
    drop(closed);
    dead.smtp.as_mut().unwrap().port = closed_port;
    let summary = Reminders::new(world.store.clone(), dead)
        .unwrap()
        .run_once(date!(2020 - 09 - 25))
        .await
        .unwrap();
    assert_eq!(summary.recorded, 2);
    assert_eq!(summary.failed, 2, "{summary:?}");
    assert_eq!(world.totals(), (2, 4));
    let later = world.wake(&world.store, date!(2020 - 09 - 25)).await;
    assert_eq!((later.recorded, later.delivered), (0, 2));
    assert_eq!(world.totals(), (4, 4));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_runs_the_scheduler_and_the_notices_page_lists_and_marks_read() {
    let world = World::new().await;
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = oneshot::channel::<()>();
    let state = AppState::new(world.store.clone()).with_clock(Clock::fixed(TODAY));
    let server = tokio::spawn(shishi_web::serve_with_reminders(
        listener,
        state,
        async {
            let _ = stopped.await;
        },
        Some(world.config.clone()),
    ));
    // The scheduler wakes when the server starts.
    let mut waited = 0;
    while world.notices("r01").await.is_empty() || world.totals() != (2, 2) {
        assert!(waited < 200, "the scheduler did not deliver");
        tokio::time::sleep(Duration::from_millis(50)).await;
        waited += 1;
    }

    let client = Client::builder().redirect(Policy::none()).build().unwrap();
    let public = client.get(format!("{base}/notices")).send().await.unwrap();
    assert_eq!(public.status(), StatusCode::SEE_OTHER);
    let (cookie, csrf) = sign_in(&client, &base, "r01").await;
    let page = client
        .get(format!("{base}/notices"))
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let body = page.text().await.unwrap();
    assert!(body.contains("（1条未读）"), "the header counts it");
    assert!(body.contains("9月进展报告"));
    assert!(body.contains("标为已读"));
    let id = world.notices("r01").await[0].id.to_string();

    // Another user's token does not mark it; the owner's does.
    let (other_cookie, other_csrf) = sign_in(&client, &base, "r01b").await;
    let refused = client
        .post(format!("{base}/notices/read"))
        .header(COOKIE, &other_cookie)
        .form(&[("csrf", other_csrf.as_str()), ("id", id.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::NOT_FOUND);
    let stale = client
        .post(format!("{base}/notices/read"))
        .header(COOKIE, &cookie)
        .form(&[("csrf", "forged"), ("id", id.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), StatusCode::FORBIDDEN);
    let marked = client
        .post(format!("{base}/notices/read"))
        .header(COOKIE, &cookie)
        .form(&[("csrf", csrf.as_str()), ("id", id.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(marked.status(), StatusCode::SEE_OTHER);
    let body = client
        .get(format!("{base}/notices"))
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!body.contains("条未读）"));
    assert!(world.notices("r01").await[0].read);
    assert!(!world.notices("r01b").await[0].read);

    let _ = stop.send(());
    server.await.unwrap().unwrap();
    assert_eq!(world.totals(), (2, 2), "nothing sent twice");
}

/// Signs in through the form, as a browser does: the session cookie and the page's token.
async fn sign_in(client: &Client, base: &str, login: &str) -> (String, String) {
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
    let page = client
        .get(format!("{base}/notices"))
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    let csrf = field_value(&page.text().await.unwrap(), "csrf").unwrap();
    (cookie, csrf)
}
