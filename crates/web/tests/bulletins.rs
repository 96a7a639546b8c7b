//! Supervision bulletins end to end: a real server on port 0 over a fresh SQLite database
//! with the Haizhou 2020 plan, signed in through the sign-in form like a browser. The
//! supervisor downloads and publishes; the public reads and downloads what was published.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{cookie_named, field_value};
use reqwest::header::{CACHE_CONTROL, CONTENT_DISPOSITION, CONTENT_TYPE, COOKIE, LOCATION};
use reqwest::redirect::Policy;
use reqwest::{Client, StatusCode};
use shishi_core::{find_unit, Actual, Period, PlanId, ReportContent, ReportValue, Role, UnitId};
use shishi_store::{Actor, Store};
use shishi_web::{AppState, Clock};
use std::io::Read;
use std::path::Path;
use time::macros::date;
use tokio::sync::oneshot;

/// Early October: the September bulletin is due.
const TODAY: time::Date = date!(2020 - 10 - 09);
const DOCX: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
const ORG: &str = "11320706MB1234567X";

struct World {
    base: String,
    client: Client,
    store: Store,
    plan: PlanId,
    stop: oneshot::Sender<()>,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
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
    content_type: String,
    disposition: String,
    cache: String,
    bytes: Vec<u8>,
}

impl Answer {
    fn text(&self) -> String {
        String::from_utf8(self.bytes.clone()).unwrap()
    }
}

impl World {
    /// The Haizhou 2020 plan, an admin, a leader and a reporter of 区教育局, one approved
    /// September report, and a server whose day is 9 October 2020.
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
        add_user(&store, "leader", Role::Leader, None).await;
        add_user(&store, "edu", Role::Reporter, Some(education)).await;

        // The first target of the first item gets an approved September figure with a
        // stated problem, so the bulletin has something to say about a unit.
        let detail = store.plan(plan).await.unwrap();
        let target = detail.items[0].targets[0].id;
        let report = store
            .file_report(
                Actor::System,
                target,
                Period::parse("2020-09").unwrap(),
                ReportContent {
                    actual: Actual::Value(ReportValue::new(3.0).unwrap()),
                    progress: "3所学校主体完工".into(),
                    problems: "征地手续办理缓慢".into(),
                    next_steps: "加快验收".into(),
                    funds: None,
                },
                TODAY,
            )
            .await
            .unwrap();
        store
            .approve_report(Actor::System, report.id())
            .await
            .unwrap();

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
        let status = response.status();
        let location = header(LOCATION);
        let content_type = header(CONTENT_TYPE);
        let disposition = header(CONTENT_DISPOSITION);
        let cache = header(CACHE_CONTROL);
        Answer {
            status,
            location,
            content_type,
            disposition,
            cache,
            bytes: response.bytes().await.unwrap().to_vec(),
        }
    }

    async fn get(&self, who: Option<&Browser>, path: &str) -> Answer {
        let mut request = self.client.get(format!("{}{path}", self.base));
        if let Some(who) = who {
            request = request.header(COOKIE, &who.cookie);
        }
        Self::answer(request.send().await.unwrap()).await
    }

    /// Posts a form as `who` (the public when none), with exactly the fields given.
    async fn post(&self, who: Option<&Browser>, path: &str, fields: &[(&str, &str)]) -> Answer {
        let mut request = self
            .client
            .post(format!("{}{path}", self.base))
            .form(fields);
        if let Some(who) = who {
            request = request.header(COOKIE, &who.cookie);
        }
        Self::answer(request.send().await.unwrap()).await
    }

    /// Publishes the bulletin of `period` as `who`, with their token.
    async fn publish(&self, who: &Browser, period: &str, doc_number: &str) -> Answer {
        let plan = self.plan.to_string();
        self.post(
            Some(who),
            "/bulletins",
            &[
                ("csrf", who.csrf.as_str()),
                ("plan", plan.as_str()),
                ("period", period),
                ("doc_number", doc_number),
                ("issuer", "海州区人民政府督查室"),
                ("org_code", ORG),
            ],
        )
        .await
    }

    /// Signs in through the form, as a browser does.
    async fn sign_in(&self, login: &str) -> Browser {
        let response = self
            .client
            .get(format!("{}/login", self.base))
            .send()
            .await
            .unwrap();
        let visitor = cookie_named(&response, "shishi_csrf").unwrap();
        let token = field_value(&response.text().await.unwrap(), "csrf").unwrap();
        let password = format!("{login}-password");
        let response = self
            .client
            .post(format!("{}/login", self.base))
            .header(COOKIE, &visitor)
            .form(&[
                ("login", login),
                ("password", password.as_str()),
                ("csrf", token.as_str()),
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

    fn preview_path(&self, period: &str, format: &str) -> String {
        format!(
            "/bulletins/preview?plan={}&period={period}&format={format}\
             &doc_number=%E6%B5%B7%E7%9D%A3%E9%80%9A%E3%80%942020%E3%80%959%E5%8F%B7",
            self.plan
        )
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

/// The text of `word/document.xml` in a .docx, which must be a whole zip archive.
fn document_xml(docx: &[u8]) -> String {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(docx)).expect("a zip archive");
    for i in 0..archive.len() {
        // Every member reads back whole: the archive is not truncated.
        let mut member = archive.by_index(i).unwrap();
        std::io::copy(&mut member, &mut std::io::sink()).unwrap();
    }
    let mut xml = String::new();
    archive
        .by_name("word/document.xml")
        .expect("word/document.xml")
        .read_to_string(&mut xml)
        .unwrap();
    xml
}

/// The words of a document's XML without its tags, so text split over runs still matches.
fn words(xml: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in xml.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

fn assert_docx_download(answer: &Answer) {
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.content_type, DOCX);
    assert!(
        answer.disposition.starts_with("attachment;")
            && answer.disposition.contains("filename*=UTF-8''"),
        "{}",
        answer.disposition
    );
    // The title, percent-encoded: 关于 is %E5%85%B3%E4%BA%8E.
    assert!(
        answer.disposition.contains("%E5%85%B3%E4%BA%8E") && answer.disposition.contains(".docx"),
        "{}",
        answer.disposition
    );
}

/// The published bulletin's id from the address publishing redirects to.
fn published_id(answer: &Answer) -> String {
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.text());
    answer
        .location
        .strip_prefix("/bulletins/")
        .unwrap_or_else(|| panic!("redirected to {}", answer.location))
        .to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_supervisor_previews_and_publishes_and_the_public_reads_and_downloads_it() {
    let world = World::new().await;
    let admin = world.sign_in("admin").await;

    // The dashboard's section: the months so far, the plan's organisation code filled in.
    let dashboard = world.get(Some(&admin), "/dashboard").await.text();
    assert!(dashboard.contains("id=\"bulletins-heading\">督查通报</h2>"));
    assert!(dashboard.contains("<option value=\"2020-10\" selected>2020年10月</option>"));
    assert!(dashboard.contains("<option value=\"2020-09\">2020年9月</option>"));
    assert!(!dashboard.contains("2020-11"));
    assert!(dashboard.contains("action=\"/bulletins/preview\""));
    assert!(dashboard.contains("action=\"/bulletins\""));
    assert_eq!(
        field_value(&dashboard, "org_code").as_deref(),
        Some("01426719-5")
    );
    assert_eq!(
        field_value(&dashboard, "issuer").as_deref(),
        Some("海州区人民政府督查室")
    );

    // The three downloads, for September, as they would be issued today.
    let docx = world
        .get(Some(&admin), &world.preview_path("2020-09", "docx"))
        .await;
    assert_docx_download(&docx);
    assert!(docx.cache.contains("no-store"), "{}", docx.cache);
    let text = words(&document_xml(&docx.bytes));
    assert!(text.contains("海督通〔2020〕9号"), "{text}");
    assert!(text.contains("海州区人民政府督查室"));
    assert!(text.contains("征地手续办理缓慢"));

    let html = world
        .get(Some(&admin), &world.preview_path("2020-09", "html"))
        .await;
    assert_eq!(html.status, StatusCode::OK);
    assert_eq!(html.content_type, "text/html; charset=utf-8");
    assert!(html.disposition.starts_with("attachment;"));
    let page = html.text();
    assert!(page.starts_with("<!doctype html>"));
    assert!(page.contains("<html lang=\"zh-CN\">") && page.contains("<style>"));
    assert!(page.contains("关于2020年9月份民生实事项目推进情况的通报"));
    assert!(page.contains("海督通〔2020〕9号"));
    assert!(!page.contains("<link") && !page.contains("<script"));

    let md = world
        .get(Some(&admin), &world.preview_path("2020-09", "md"))
        .await;
    assert_eq!(md.status, StatusCode::OK);
    assert_eq!(md.content_type, "text/markdown; charset=utf-8");
    assert!(md
        .text()
        .contains("# 关于2020年9月份民生实事项目推进情况的通报"));

    // Bad requests say why and are not a server error.
    let outside = world
        .get(Some(&admin), &world.preview_path("2021-01", "docx"))
        .await;
    assert_eq!(outside.status, StatusCode::BAD_REQUEST);
    assert!(outside.text().contains("不在计划年度"));
    let pdf = world
        .get(Some(&admin), &world.preview_path("2020-09", "pdf"))
        .await;
    assert_eq!(pdf.status, StatusCode::BAD_REQUEST);

    // Publishing: the bulletin gets its 索引号 and goes on the portal.
    let id = published_id(&world.publish(&admin, "2020-09", "海督通〔2020〕9号").await);
    let index_no = format!("{ORG}/2020-00001");

    let list = world.get(None, "/bulletins").await;
    assert_eq!(list.status, StatusCode::OK);
    let list = list.text();
    assert!(list.contains(&index_no), "{list}");
    assert!(list.contains(&format!("href=\"/bulletins/{id}\"")));
    assert!(list.contains(&format!("href=\"/bulletins/{id}/docx\"")));
    assert!(list.contains("海督通〔2020〕9号"));

    let shown = world.get(None, &format!("/bulletins/{id}")).await;
    assert_eq!(shown.status, StatusCode::OK);
    let shown = shown.text();
    assert!(shown.contains(&index_no));
    assert!(shown.contains("<article class=\"bulletin\" lang=\"zh-CN\">"));
    assert!(shown.contains("关于2020年9月份民生实事项目推进情况的通报"));
    assert!(shown.contains("海督通〔2020〕9号"));
    assert!(shown.contains("href=\"/static/bulletin.css\""));
    let css = world.get(None, "/static/bulletin.css").await;
    assert_eq!(css.status, StatusCode::OK);
    assert!(css.content_type.starts_with("text/css"));

    let download = world.get(None, &format!("/bulletins/{id}/docx")).await;
    assert_docx_download(&download);
    let text = words(&document_xml(&download.bytes));
    assert!(text.contains("海督通〔2020〕9号"), "{text}");

    // What is published stays as published: a later approval does not change it.
    let stored = world
        .store
        .bulletin(shishi_store::BulletinId::new(id.parse().unwrap()))
        .await
        .unwrap();
    assert_eq!(stored.docx, download.bytes);
    assert_eq!(stored.summary.index_no, index_no);

    // The dashboard lists it, and offers the same organisation code next time.
    let dashboard = world.get(Some(&admin), "/dashboard").await.text();
    assert!(dashboard.contains(&index_no));
    world.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_supervisor_publishes_and_only_with_the_forms_token() {
    let world = World::new().await;
    let admin = world.sign_in("admin").await;
    let leader = world.sign_in("leader").await;
    let reporter = world.sign_in("edu").await;

    // Downloads are internal: leaders read them; reporters and the public do not.
    let preview = world.preview_path("2020-09", "docx");
    assert_docx_download(&world.get(Some(&leader), &preview).await);
    assert_eq!(
        world.get(Some(&reporter), &preview).await.status,
        StatusCode::FORBIDDEN
    );
    let public = world.get(None, &preview).await;
    assert_eq!(public.status, StatusCode::SEE_OTHER);
    assert!(public.location.starts_with("/login"));

    // The leader sees the section without the publish form.
    let dashboard = world.get(Some(&leader), "/dashboard").await.text();
    assert!(dashboard.contains("action=\"/bulletins/preview\""));
    assert!(!dashboard.contains("action=\"/bulletins\""));

    assert_eq!(
        world
            .publish(&reporter, "2020-09", "海督通〔2020〕9号")
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        world
            .publish(&leader, "2020-09", "海督通〔2020〕9号")
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let plan = world.plan.to_string();
    let without_token = [
        ("plan", plan.as_str()),
        ("period", "2020-09"),
        ("doc_number", "海督通〔2020〕9号"),
        ("org_code", ORG),
    ];
    assert_eq!(
        world
            .post(Some(&admin), "/bulletins", &without_token)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let mut stale = without_token.to_vec();
    stale.push(("csrf", reporter.csrf.as_str()));
    assert_eq!(
        world.post(Some(&admin), "/bulletins", &stale).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        world.post(None, "/bulletins", &without_token).await.status,
        StatusCode::FORBIDDEN
    );
    assert!(world.store.bulletins(world.plan).await.unwrap().is_empty());
    assert!(world
        .get(None, "/bulletins")
        .await
        .text()
        .contains("尚未发布督查通报"));
    world.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_publications_in_a_year_get_serials_one_and_two() {
    let world = World::new().await;
    let admin = world.sign_in("admin").await;
    let august = published_id(&world.publish(&admin, "2020-08", "海督通〔2020〕8号").await);
    let september = published_id(&world.publish(&admin, "2020-09", "海督通〔2020〕9号").await);
    assert_ne!(august, september);

    let list = world.get(None, "/bulletins").await.text();
    let first = list.find(&format!("{ORG}/2020-00002")).expect("serial 2");
    let second = list.find(&format!("{ORG}/2020-00001")).expect("serial 1");
    assert!(first < second, "the newest first");
    assert!(list.contains("关于2020年8月份民生实事项目推进情况的通报"));

    // Refused without changing anything: a bad organisation code, a month outside the year,
    // a month that has not begun.
    let plan = world.plan.to_string();
    for (period, org_code) in [
        ("2020-09", "海州区/督查室"),
        ("2020-09", ""),
        ("2021-01", ORG),
        ("2020-11", ORG),
    ] {
        let answer = world
            .post(
                Some(&admin),
                "/bulletins",
                &[
                    ("csrf", admin.csrf.as_str()),
                    ("plan", plan.as_str()),
                    ("period", period),
                    ("doc_number", "海督通〔2020〕10号"),
                    ("org_code", org_code),
                ],
            )
            .await;
        assert_eq!(
            answer.status,
            StatusCode::BAD_REQUEST,
            "{period} {org_code}"
        );
    }
    assert_eq!(world.store.bulletins(world.plan).await.unwrap().len(), 2);

    // The portal and the menu lead to the bulletins; an unknown one is not found.
    let portal = world.get(None, "/").await.text();
    assert!(
        portal.matches("href=\"/bulletins\"").count() >= 2,
        "menu and portal"
    );
    assert_eq!(
        world.get(None, "/bulletins/999").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        world.get(None, "/bulletins/999/docx").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        world.get(None, "/bulletins/abc").await.status,
        StatusCode::NOT_FOUND
    );
    world.finish().await;
}
