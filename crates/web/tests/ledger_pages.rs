//! Ledgers (台账) on the site end to end: a real server on port 0 over a fresh SQLite database
//! holding the Haizhou 2020 plan, signed in through the sign-in form like a browser. A
//! reporter downloads the unit's ledger, fills in rows (with a spreadsheet library), uploads
//! it and finds the reports; bad rows are listed by number and reason; the supervisor
//! downloads the whole plan's ledger from the dashboard.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../../docs/tests/support/sheet.rs"]
mod sheet;

mod common;

use common::{cookie_named, field_value};
use reqwest::header::{CONTENT_DISPOSITION, CONTENT_TYPE, COOKIE};
use reqwest::redirect::Policy;
use reqwest::{Client, StatusCode};
use sheet::{filled, fills, Fill, Sheet};
use shishi_core::{find_unit, PlanId, Role, UnitId};
use shishi_store::{Actor, Store};
use shishi_web::{AppState, Clock};
use std::path::Path;
use time::macros::date;
use tokio::sync::oneshot;

const TODAY: time::Date = date!(2020 - 09 - 28);
const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

struct World {
    base: String,
    client: Client,
    store: Store,
    plan: PlanId,
    stop: oneshot::Sender<()>,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
    _dir: tempfile::TempDir,
}

struct Browser {
    cookie: String,
    csrf: String,
}

struct Answer {
    status: StatusCode,
    content_type: String,
    disposition: String,
    bytes: Vec<u8>,
}

impl Answer {
    fn body(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }
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
        let units = store.units().await.unwrap();
        let education = find_unit(&units, "区教育局", Some("海州区")).unwrap().id;
        add_user(&store, "admin", Role::Admin, None).await;
        add_user(&store, "edu", Role::Reporter, Some(education)).await;
        add_user(&store, "eduhead", Role::UnitHead, Some(education)).await;

        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (stop, stopped) = oneshot::channel::<()>();
        let state = AppState::new(store.clone()).with_clock(Clock::fixed(TODAY));
        let server = tokio::spawn(shishi_web::serve(listener, state, async {
            let _ = stopped.await;
        }));
        Self {
            base,
            client: Client::builder().redirect(Policy::none()).build().unwrap(),
            store,
            plan,
            stop,
            server,
            _dir: dir,
        }
    }

    async fn finish(self) {
        let _ = self.stop.send(());
        self.server.await.unwrap().unwrap();
        self.store.close().await;
    }

    async fn answer(response: reqwest::Response) -> Answer {
        let header = |name| {
            response
                .headers()
                .get(name)
                .map(|v: &reqwest::header::HeaderValue| v.to_str().unwrap().to_owned())
                .unwrap_or_default()
        };
        Answer {
            status: response.status(),
            content_type: header(CONTENT_TYPE),
            disposition: header(CONTENT_DISPOSITION),
            bytes: response.bytes().await.unwrap().to_vec(),
        }
    }

    async fn get(&self, who: &Browser, path: &str) -> Answer {
        let request = self
            .client
            .get(format!("{}{path}", self.base))
            .header(COOKIE, &who.cookie);
        Self::answer(request.send().await.unwrap()).await
    }

    /// Posts the upload form: `csrf` (when given), `plan` and the file.
    async fn upload(&self, who: &Browser, csrf: Option<&str>, file: &[u8]) -> Answer {
        let boundary = "----shishi-ledger-test-boundary-x7Q";
        let mut body = Vec::new();
        let plan = self.plan.get().to_string();
        let mut texts = vec![("plan", plan.as_str())];
        if let Some(csrf) = csrf {
            texts.insert(0, ("csrf", csrf));
        }
        for (name, value) in texts {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
                )
                .as_bytes(),
            );
        }
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; \
                 filename=\"台账.xlsx\"\r\nContent-Type: {XLSX}\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(file);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let response = self
            .client
            .post(format!("{}/my/ledger", self.base))
            .header(COOKIE, &who.cookie)
            .header(
                CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(body)
            .send()
            .await
            .unwrap();
        Self::answer(response).await
    }

    async fn sign_in(&self, login: &str) -> Browser {
        let response = self
            .client
            .get(format!("{}/login", self.base))
            .send()
            .await
            .unwrap();
        let visitor_cookie = cookie_named(&response, "shishi_csrf").unwrap();
        let visitor_csrf = field_value(&response.text().await.unwrap(), "csrf").unwrap();
        let password = format!("{login}-password");
        let response = self
            .client
            .post(format!("{}/login", self.base))
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
        let page = self
            .client
            .get(format!("{}/", self.base))
            .header(COOKIE, &cookie)
            .send()
            .await
            .unwrap();
        let csrf = field_value(&page.text().await.unwrap(), "csrf").unwrap();
        Browser { cookie, csrf }
    }

    async fn report_revisions(&self) -> usize {
        self.store
            .reports_for_plan(self.plan)
            .await
            .unwrap()
            .iter()
            .map(|r| r.revisions().count())
            .sum()
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

/// The data rows of a ledger: (row number, 填报方式).
fn data_rows(sheet: &Sheet) -> Vec<(u32, String)> {
    let id = sheet.col("目标编号");
    (1..=sheet.cells.len() as u32)
        .filter(|&row| {
            matches!(
                sheet.cells[row as usize - 1].get(id),
                Some(calamine::Data::Float(_) | calamine::Data::Int(_))
            )
        })
        .map(|row| (row, sheet.text(row, "填报方式")))
        .collect()
}

/// The figure and progress of a row (the month is prefilled in a unit's ledger).
fn fill_in<'a>(sheet: &Sheet, row: u32, kind: &str, progress: &'a str) -> Vec<(String, Fill<'a>)> {
    let figure = if kind == "百分比" {
        Fill::Text("70%")
    } else {
        Fill::Number(3.0)
    };
    fills(
        sheet,
        row,
        &[
            ("累计完成值/完成百分比", figure),
            ("进展情况", Fill::Text(progress)),
        ],
    )
}

/// The first `/reports/N` link on a page.
fn report_link(body: &str) -> Option<String> {
    let start = body.find("href=\"/reports/")? + "href=\"".len();
    let end = body[start..].find('"')? + start;
    Some(body[start..end].to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reporter_downloads_fills_and_uploads_the_units_ledger() {
    let world = World::new().await;
    let edu = world.sign_in("edu").await;

    let my = world.get(&edu, "/my").await.body();
    assert!(my.contains("下载本单位台账"), "{my}");
    let link = format!("/my/ledger.xlsx?plan={}", world.plan.get());
    assert!(my.contains(&format!("href=\"{link}\"")), "{my}");
    assert!(my.contains("action=\"/my/ledger\""), "{my}");

    let download = world.get(&edu, &link).await;
    assert_eq!(download.status, StatusCode::OK);
    assert_eq!(download.content_type, XLSX);
    assert!(
        download.disposition.contains("filename*=UTF-8''"),
        "{}",
        download.disposition
    );
    let sheet = Sheet::read(&download.bytes);
    let rows = data_rows(&sheet);
    assert!(rows.len() >= 2, "{rows:?}");
    for (row, _) in &rows {
        assert!(sheet.text(*row, "牵头单位").contains("区教育局"));
        assert_eq!(sheet.text(*row, "填报月份"), "2020-09", "the month now due");
    }

    let (row, kind) = &rows[0];
    let file = filled(
        &download.bytes,
        &fill_in(&sheet, *row, kind, "台账导入：已完成主体工程"),
    );
    let result = world.upload(&edu, Some(&edu.csrf), &file).await;
    assert_eq!(result.status, StatusCode::OK, "{}", result.body());
    let body = result.body();
    assert!(body.contains("导入 1 行，未变 0 行，错误 0 行"), "{body}");
    assert!(body.contains(&format!("第{row}行")), "{body}");
    let report = report_link(&body).expect("a link to the report");
    let page = world.get(&edu, &report).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body().contains("台账导入：已完成主体工程"));

    // The same file again files nothing twice.
    let revisions = world.report_revisions().await;
    let again = world.upload(&edu, Some(&edu.csrf), &file).await;
    assert_eq!(again.status, StatusCode::OK);
    assert!(
        again.body().contains("导入 0 行，未变 1 行"),
        "{}",
        again.body()
    );
    assert_eq!(world.report_revisions().await, revisions);
    world.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_rows_are_listed_and_an_unreadable_file_or_a_missing_token_is_refused() {
    let world = World::new().await;
    let edu = world.sign_in("edu").await;
    let download = world
        .get(&edu, &format!("/my/ledger.xlsx?plan={}", world.plan.get()))
        .await;
    let sheet = Sheet::read(&download.bytes);
    let rows = data_rows(&sheet);
    let (good, kind) = &rows[0];
    let bad = rows[1].0;
    let mut cells = fill_in(&sheet, *good, kind, "按计划推进");
    cells.extend(fills(
        &sheet,
        bad,
        &[
            ("累计完成值/完成百分比", Fill::Text("很多")),
            ("进展情况", Fill::Text("推进中")),
        ],
    ));
    let file = filled(&download.bytes, &cells);

    // Without the form's token: refused, nothing written.
    let revisions = world.report_revisions().await;
    let refused = world.upload(&edu, None, &file).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let refused = world.upload(&edu, Some("not-the-token"), &file).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(world.report_revisions().await, revisions);

    let result = world.upload(&edu, Some(&edu.csrf), &file).await;
    assert_eq!(result.status, StatusCode::OK);
    let body = result.body();
    assert!(body.contains("导入 1 行，未变 0 行，错误 1 行"), "{body}");
    assert!(body.contains(&format!("第{bad}行")), "{body}");
    assert!(body.contains("很多"), "{body}");
    assert_eq!(world.report_revisions().await, revisions + 1);

    let unreadable = world
        .upload(&edu, Some(&edu.csrf), b"not a spreadsheet")
        .await;
    assert_eq!(unreadable.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(unreadable.body().contains(".xlsx"), "{}", unreadable.body());

    // A unit head downloads but does not file.
    let head = world.sign_in("eduhead").await;
    let own = world
        .get(&head, &format!("/my/ledger.xlsx?plan={}", world.plan.get()))
        .await;
    assert_eq!(own.status, StatusCode::OK);
    let refused = world.upload(&head, Some(&head.csrf), &file).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    world.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_supervisor_downloads_the_whole_plans_ledger_from_the_dashboard() {
    let world = World::new().await;
    let admin = world.sign_in("admin").await;
    let dashboard = world.get(&admin, "/dashboard").await.body();
    let link = format!("/ledger.xlsx?plan={}", world.plan.get());
    assert!(
        dashboard.contains(&format!("href=\"{link}\"")),
        "{dashboard}"
    );
    let download = world.get(&admin, &link).await;
    assert_eq!(download.status, StatusCode::OK);
    assert_eq!(download.content_type, XLSX);
    let sheet = Sheet::read(&download.bytes);
    let targets: usize = world
        .store
        .plan(world.plan)
        .await
        .unwrap()
        .items
        .iter()
        .map(|e| e.targets.len())
        .sum();
    assert_eq!(data_rows(&sheet).len(), targets);

    // A reporter has the unit's ledger, not the plan's.
    let edu = world.sign_in("edu").await;
    assert_eq!(world.get(&edu, &link).await.status, StatusCode::FORBIDDEN);
    world.finish().await;
}
