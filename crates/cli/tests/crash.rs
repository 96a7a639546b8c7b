//! Durability across a crash: `shishi serve` killed with SIGKILL while 16 units submit
//! reports, then restarted on the same SQLite database, still holds every report it
//! answered 201 for.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

const CLIENTS: usize = 16;
/// At most this many submissions per client: the server is killed long before.
const MAX_PER_CLIENT: usize = 5_000;

fn notice() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/haizhou-2020-notice.txt")
}

fn shishi(db_url: &str, args: &[&str], input: &str) -> String {
    let mut child = Command::new(env!("CARGO_BIN_EXE_shishi"))
        .args(args)
        .env("SHISHI_DB", db_url)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("shishi runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "shishi {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .last()
        .unwrap_or_default()
        .to_owned()
}

/// A user with the role (and unit), and a fresh API token for them.
fn user_with_token(db_url: &str, login: &str, role: &str, unit: Option<&str>) -> String {
    let mut args = vec![
        "user",
        "add",
        "--login",
        login,
        "--role",
        role,
        "--password-stdin",
    ];
    if let Some(unit) = unit {
        args.extend(["--unit", unit]);
    }
    shishi(db_url, &args, "correct horse battery staple\n");
    shishi(db_url, &["token", "create", "--login", login], "")
}

/// A `shishi serve` process, killed when dropped.
struct Server {
    child: Child,
    base: String,
}

impl Server {
    fn start(db_url: &str) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_shishi"))
            .args(["serve", "--addr", "127.0.0.1:0"])
            .env("SHISHI_DB", db_url)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("shishi serve runs");
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first)
            .unwrap();
        let base = first
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line {first:?}"))
            .to_owned();
        Self { child, base }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A target a client reports on: its id and whether it is a milestone (reported in percent).
#[derive(Debug, Clone, Copy)]
struct Target {
    id: i64,
    milestone: bool,
}

/// A submission the server answered 201 for.
#[derive(Debug)]
struct Acked {
    id: i64,
    target: i64,
    period: String,
    figure: f64,
    milestone: bool,
}

#[test]
fn every_report_answered_201_survives_a_sigkill_of_the_server_mid_load() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("shishi.db").display());
    assert_eq!(
        shishi(&db, &["plan", "import", notice().to_str().unwrap()], ""),
        "1"
    );
    let admin = user_with_token(&db, "admin", "admin", None);

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();

    // Each target goes to the client of its item's first lead unit: a reporter of that
    // unit may submit on it, and no two clients share a (target, period).
    let mut server = Server::start(&db);
    let plan: serde_json::Value = runtime.block_on(async {
        client
            .get(format!("{}/api/v1/plans/1", server.base))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    });
    let mut by_unit: Vec<(String, Vec<Target>)> = Vec::new();
    for item in plan["items"].as_array().unwrap() {
        let Some(unit) = item["lead_units"][0].as_str() else {
            continue;
        };
        let targets = item["targets"].as_array().unwrap().iter().map(|t| Target {
            id: t["id"].as_i64().unwrap(),
            milestone: t["value"].is_null(),
        });
        match by_unit.iter_mut().find(|(name, _)| name == unit) {
            Some((_, list)) => list.extend(targets),
            None => by_unit.push((unit.to_owned(), targets.collect())),
        }
    }
    by_unit.retain(|(_, targets)| !targets.is_empty());
    // Fewer units than clients: two reporters of one unit split its targets.
    while by_unit.len() < CLIENTS {
        let (largest, _) = by_unit
            .iter()
            .enumerate()
            .max_by_key(|(_, (_, targets))| targets.len())
            .unwrap();
        let (unit, targets) = &mut by_unit[largest];
        assert!(targets.len() > 1, "too few targets for {CLIENTS} clients");
        let half = targets.split_off(targets.len() / 2);
        let unit = unit.clone();
        by_unit.push((unit, half));
    }
    by_unit.truncate(CLIENTS);
    let clients: Vec<(String, Vec<Target>)> = by_unit
        .into_iter()
        .enumerate()
        .map(|(n, (unit, targets))| {
            let token = user_with_token(&db, &format!("reporter{n}"), "reporter", Some(&unit));
            (token, targets)
        })
        .collect();

    let (acked, failed) = runtime.block_on(async {
        let tasks: Vec<_> = clients
            .into_iter()
            .enumerate()
            .map(|(n, (token, targets))| {
                let client = client.clone();
                let base = server.base.clone();
                tokio::spawn(async move {
                    let mut acked = Vec::new();
                    // Months of ten years, each with every target of the client's unit.
                    let mut pairs = Vec::new();
                    for year in 2020..2030 {
                        for month in 1..=12 {
                            for target in &targets {
                                pairs.push((*target, format!("{year}-{month:02}")));
                            }
                        }
                    }
                    pairs.truncate(MAX_PER_CLIENT);
                    for (count, (target, period)) in pairs.into_iter().enumerate() {
                        // Within 0..=100, so that it is also a valid percent.
                        let figure = (n * 5 + count % 5) as f64;
                        let body = if target.milestone {
                            serde_json::json!({"period": period, "percent": figure, "progress": "按计划推进"})
                        } else {
                            serde_json::json!({"period": period, "value": figure, "progress": "按计划推进"})
                        };
                        let response = client
                            .post(format!("{base}/api/v1/targets/{}/reports", target.id))
                            .bearer_auth(&token)
                            .json(&body)
                            .send()
                            .await;
                        // After the kill every request fails: this client is done.
                        let Ok(response) = response else {
                            return (acked, true);
                        };
                        let status = response.status();
                        let Ok(answer) = response.json::<serde_json::Value>().await else {
                            return (acked, true);
                        };
                        assert_eq!(status, reqwest::StatusCode::CREATED, "{answer}");
                        acked.push(Acked {
                            id: answer["id"].as_i64().unwrap(),
                            target: target.id,
                            period,
                            figure,
                            milestone: target.milestone,
                        });
                    }
                    (acked, false)
                })
            })
            .collect();
        tokio::time::sleep(Duration::from_secs(1)).await;
        server.child.kill().unwrap();
        server.child.wait().unwrap();
        let mut acked = Vec::new();
        let mut failed = 0;
        for task in tasks {
            let (mine, cut) = tokio::time::timeout(Duration::from_secs(30), task)
                .await
                .expect("a client finishes once the server is gone")
                .unwrap();
            acked.extend(mine);
            failed += usize::from(cut);
        }
        (acked, failed)
    });
    eprintln!(
        "{} reports acknowledged before the kill; {failed} clients cut off mid-request",
        acked.len()
    );
    assert!(
        !acked.is_empty(),
        "some reports were accepted before the kill"
    );
    assert!(
        failed > 0,
        "the kill came while clients were still submitting"
    );

    let server = Server::start(&db);
    let missing: Vec<String> = runtime.block_on(async {
        let mut missing = Vec::new();
        for report in &acked {
            let response = client
                .get(format!("{}/api/v1/reports/{}", server.base, report.id))
                .bearer_auth(&admin)
                .send()
                .await
                .unwrap();
            if response.status() != reqwest::StatusCode::OK {
                missing.push(format!("report {}: {}", report.id, response.status()));
                continue;
            }
            let stored: serde_json::Value = response.json().await.unwrap();
            let figure = if report.milestone {
                &stored["percent"]
            } else {
                &stored["value"]
            };
            if stored["target"].as_i64() != Some(report.target)
                || stored["period"].as_str() != Some(report.period.as_str())
                || figure.as_f64() != Some(report.figure)
            {
                missing.push(format!(
                    "report {}: {report:?} stored as {stored}",
                    report.id
                ));
            }
        }
        missing
    });
    assert!(
        missing.is_empty(),
        "{} of {} acknowledged reports lost or changed: {missing:#?}",
        missing.len(),
        acked.len()
    );
    let per_id: HashMap<i64, usize> = acked.iter().fold(HashMap::new(), |mut m, r| {
        *m.entry(r.id).or_default() += 1;
        m
    });
    assert_eq!(
        per_id.len(),
        acked.len(),
        "each acknowledged report has its own id"
    );
    drop(server);
    let verified = shishi(&db, &["audit", "verify"], "");
    assert!(verified.starts_with("ok "), "{verified}");
}
