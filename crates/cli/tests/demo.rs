//! `shishi demo`: builds a demo database on first start in which every status occurs on its
//! day, serves it, and on a restart on the same directory serves it again without adding a
//! thing.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::Value;
use shishi_store::Store;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A `shishi demo` process, killed when dropped.
struct Demo {
    child: Child,
    base: String,
    /// What it printed before serving, after the URL line.
    welcome: Vec<String>,
}

impl Demo {
    fn start(data: &Path) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_shishi"))
            .args(["demo", "--addr", "127.0.0.1:0", "--data"])
            .arg(data)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("shishi demo runs");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let first = lines.next().expect("a first line").unwrap();
        let base = first
            .strip_prefix("shishi demo: ")
            .unwrap_or_else(|| panic!("unexpected first line {first:?}"))
            .trim_end_matches('/')
            .to_owned();
        assert!(base.starts_with("http://127.0.0.1:"), "{first}");
        // Read to the password line, the last one before serving, so the demo never writes
        // into a closed pipe.
        let mut welcome = Vec::new();
        for line in lines {
            let line = line.unwrap();
            let last = line.contains("shishi-demo");
            welcome.push(line);
            if last {
                break;
            }
        }
        Self {
            child,
            base,
            welcome,
        }
    }

    fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An API token for `login`, made by the CLI on the demo's database while it serves.
fn token(db_url: &str, login: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_shishi"))
        .args(["token", "create", "--login", login])
        .env("SHISHI_DB", db_url)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .last()
        .unwrap()
        .to_owned()
}

/// What the store holds: reports, revisions, users and audit events (the chain verified).
#[derive(Debug, PartialEq, Eq)]
struct Counts {
    reports: usize,
    revisions: usize,
    audit_events: u64,
}

async fn counts(db_url: &str) -> Counts {
    let store = Store::open(db_url).await.unwrap();
    let plan = store.plans().await.unwrap()[0].id();
    let reports = store.reports_for_plan(plan).await.unwrap();
    let counts = Counts {
        reports: reports.len(),
        revisions: reports.iter().map(|r| r.revisions().count()).sum(),
        audit_events: store.verify_audit().await.unwrap(),
    };
    store.close().await;
    counts
}

async fn get(client: &reqwest::Client, url: &str, token: Option<&str>) -> Value {
    let mut request = client.get(url);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), 200, "GET {url}");
    response.json().await.unwrap()
}

#[test]
fn the_demo_shows_every_status_and_a_restart_serves_the_same_data() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("demo");
    let db_url = format!("sqlite://{}", data.join("shishi.db").display());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();

    let demo = Demo::start(&data);
    let first_welcome = demo.welcome.clone();
    let welcome = demo.welcome.join("\n");
    assert!(welcome.contains("2020-09-28"), "{welcome}");
    for login in ["admin", "leader", "deputy", "r01", "h01"] {
        assert!(
            demo.welcome
                .iter()
                .any(|l| l.starts_with(&format!("{login} "))),
            "no login {login} in\n{welcome}"
        );
    }
    let admin = token(&db_url, "admin");

    let (statuses, overdue) = runtime.block_on(async {
        let plans = get(&client, &format!("{}/api/v1/plans", demo.base), None).await;
        let id = plans[0]["id"].as_i64().unwrap();
        let plan = get(&client, &format!("{}/api/v1/plans/{id}", demo.base), None).await;
        assert_eq!(
            plan["as_of"], "2020-09-28",
            "the demo's world is its --today"
        );
        let items = plan["items"].as_array().unwrap();
        assert_eq!(items.len(), 50);
        let mut statuses: BTreeMap<String, usize> = BTreeMap::new();
        for item in items {
            *statuses
                .entry(item["status"].as_str().unwrap().to_owned())
                .or_default() += 1;
        }
        let status = get(
            &client,
            &format!("{}/api/v1/plans/{id}/status", demo.base),
            Some(&admin),
        )
        .await;
        let overdue = status["items"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|item| item["targets"].as_array().unwrap())
            .filter(|target| target["report_overdue"] == true)
            .count();
        (statuses, overdue)
    });
    eprintln!("items by status: {statuses:?}; overdue targets: {overdue}");
    for status in ["completed", "on_schedule", "behind", "seriously_behind"] {
        assert!(
            statuses.get(status).copied().unwrap_or(0) > 0,
            "no item is {status}: {statuses:?}"
        );
    }
    assert!(overdue > 0, "no report is overdue");
    demo.kill();

    let first = runtime.block_on(counts(&db_url));
    assert!(first.reports > 400, "{first:?}");
    assert!(
        first.revisions > first.reports,
        "a corrected report has two revisions"
    );

    // The same directory again: served as it is, nothing seeded a second time.
    let again = Demo::start(&data);
    assert_eq!(
        again.welcome, first_welcome,
        "the same logins and the same statuses"
    );
    runtime.block_on(async {
        let plans = get(&client, &format!("{}/api/v1/plans", again.base), None).await;
        assert_eq!(plans.as_array().unwrap().len(), 1, "one plan, not two");
    });
    again.kill();
    assert_eq!(runtime.block_on(counts(&db_url)), first);
}
