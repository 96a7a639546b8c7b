//! Durable report submissions under load: requests per second and latency of
//! `POST /api/v1/targets/{id}/reports` against a real `shishi serve` on 127.0.0.1, at 1, 16
//! and 64 concurrent clients, on SQLite and on PostgreSQL; beside them, the disk's serial
//! durable-commit rate measured in the same run, which group commit is there to beat.
//!
//! `cargo bench -p shishi --bench submit` (release). PostgreSQL is at
//! `SHISHI_BENCH_POSTGRES_URL` (default postgres://postgres@127.0.0.1:5432/postgres); a
//! fresh database is created for the run and dropped after. `SHISHI_BENCH_SECONDS` sets
//! each measurement's length (default 5).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sqlx::{Connection, Executor};
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::str::FromStr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

const CLIENTS: [usize; 3] = [1, 16, 64];
/// Items in the imported notice: the 50 of Haizhou repeated and renumbered.
const ITEMS: usize = 1_000;
/// Serial commits measured: at most this many, for at most the measurement's length.
const SERIAL_COMMITS: usize = 2_000;

fn main() {
    // `cargo bench` passes `--bench`; nothing else is read from the command line.
    let seconds: u64 = std::env::var("SHISHI_BENCH_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(5);
    let duration = Duration::from_secs(seconds);
    let pg_admin = std::env::var("SHISHI_BENCH_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let notice = dir.path().join("long-notice.txt");
    std::fs::write(&notice, long_notice(ITEMS)).unwrap();

    println!("each measurement {seconds} s; notice of {ITEMS} items");
    println!();
    println!("| backend | clients | requests | req/s | p50 | p99 | errors |");
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");

    let sqlite_url = format!("sqlite://{}", dir.path().join("shishi.db").display());
    let sqlite_rows = submissions(&runtime, "SQLite", &sqlite_url, &notice, duration);
    let probe = dir.path().join("probe.db");
    let sqlite_serial = runtime.block_on(sqlite_serial_rate(&probe, duration));

    let pg_db = format!("shishi_bench_{}", std::process::id());
    let pg_url = match pg_admin.rsplit_once('/') {
        Some((base, _)) => format!("{base}/{pg_db}"),
        None => panic!("not a PostgreSQL URL: {pg_admin}"),
    };
    runtime.block_on(async {
        let mut admin = sqlx::PgConnection::connect(&pg_admin).await.unwrap();
        admin
            .execute(format!("create database {pg_db}").as_str())
            .await
            .unwrap();
    });
    let pg_rows = submissions(&runtime, "PostgreSQL", &pg_url, &notice, duration);
    let pg_serial = runtime.block_on(pg_serial_rate(&pg_url, duration));
    runtime.block_on(async {
        let mut admin = sqlx::PgConnection::connect(&pg_admin).await.unwrap();
        admin
            .execute(format!("drop database {pg_db} with (force)").as_str())
            .await
            .unwrap();
    });

    println!();
    println!("| backend | serial durable commits/s | req/s at 64 clients | ratio |");
    println!("| --- | ---: | ---: | ---: |");
    for (name, rows, serial) in [
        ("SQLite", &sqlite_rows, sqlite_serial),
        ("PostgreSQL", &pg_rows, pg_serial),
    ] {
        let at64 = rows.last().map_or(0.0, |r| r.per_second);
        println!(
            "| {name} | {serial:.0} | {at64:.0} | {:.1}× |",
            at64 / serial
        );
    }
}

/// One line of the table: a backend at a number of clients.
#[derive(Debug)]
struct Row {
    per_second: f64,
}

/// Imports the notice, makes an admin token, starts `shishi serve` on the database and
/// measures at each number of clients; prints a table row for each.
fn submissions(
    runtime: &tokio::runtime::Runtime,
    backend: &str,
    db: &str,
    notice: &Path,
    duration: Duration,
) -> Vec<Row> {
    shishi(db, &["plan", "import", notice.to_str().unwrap()], "");
    shishi(
        db,
        &[
            "user",
            "add",
            "--login",
            "admin",
            "--role",
            "admin",
            "--password-stdin",
        ],
        "correct horse battery staple\n",
    );
    let token = shishi(db, &["token", "create", "--login", "admin"], "");
    let server = Server::start(db);
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let base = server.base.clone();
    runtime.block_on(async {
        let plan: serde_json::Value = client
            .get(format!("{base}/api/v1/plans/1"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        // (id, milestone) of every target.
        let targets: Arc<Vec<(i64, bool)>> = Arc::new(
            plan["items"]
                .as_array()
                .unwrap()
                .iter()
                .flat_map(|item| item["targets"].as_array().unwrap().iter())
                .map(|t| (t["id"].as_i64().unwrap(), t["value"].is_null()))
                .collect(),
        );
        // Every (target, period) is submitted once: the clients share one counter over
        // targets × months of 2020–2099, across all the runs on this database.
        let next = Arc::new(AtomicUsize::new(0));
        let mut rows = Vec::new();
        for clients in CLIENTS {
            let started = Instant::now();
            let deadline = started + duration;
            let tasks: Vec<_> = (0..clients)
                .map(|_| {
                    let (client, base, token) = (client.clone(), base.clone(), token.clone());
                    let (targets, next) = (targets.clone(), next.clone());
                    tokio::spawn(async move {
                        let mut latencies = Vec::new();
                        let mut errors = 0usize;
                        while Instant::now() < deadline {
                            let n = next.fetch_add(1, Ordering::Relaxed);
                            let (target, milestone) = targets[n % targets.len()];
                            let month = n / targets.len();
                            assert!(month < 80 * 12, "out of (target, period) pairs");
                            let period = format!("{}-{:02}", 2020 + month / 12, month % 12 + 1);
                            let figure = (n % 100) as f64;
                            let body = if milestone {
                                serde_json::json!({"period": period, "percent": figure, "progress": "按计划推进"})
                            } else {
                                serde_json::json!({"period": period, "value": figure, "progress": "按计划推进"})
                            };
                            let sent = Instant::now();
                            let response = client
                                .post(format!("{base}/api/v1/targets/{target}/reports"))
                                .bearer_auth(&token)
                                .json(&body)
                                .send()
                                .await;
                            match response {
                                Ok(r) if r.status() == reqwest::StatusCode::CREATED => {
                                    let _ = r.bytes().await;
                                    latencies.push(sent.elapsed());
                                }
                                _ => errors += 1,
                            }
                        }
                        (latencies, errors)
                    })
                })
                .collect();
            let mut latencies = Vec::new();
            let mut errors = 0;
            for task in tasks {
                let (mine, failed) = task.await.unwrap();
                latencies.extend(mine);
                errors += failed;
            }
            let elapsed = started.elapsed().as_secs_f64();
            latencies.sort();
            let at = |p: usize| {
                latencies
                    .get((latencies.len() * p / 100).min(latencies.len().saturating_sub(1)))
                    .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
            };
            let per_second = latencies.len() as f64 / elapsed;
            println!(
                "| {backend} | {clients} | {} | {per_second:.0} | {:.1} ms | {:.1} ms | {errors} |",
                latencies.len(),
                at(50),
                at(99),
            );
            rows.push(Row { per_second });
        }
        rows
    })
}

/// Sequential single-row inserts, each its own transaction, on a SQLite file opened as the
/// store opens it (WAL, synchronous=FULL): commits per second.
async fn sqlite_serial_rate(file: &Path, duration: Duration) -> f64 {
    let options = SqliteConnectOptions::from_str(&format!("sqlite://{}", file.display()))
        .unwrap()
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full);
    let mut conn = sqlx::SqliteConnection::connect_with(&options)
        .await
        .unwrap();
    conn.execute("create table probe (id integer primary key, v integer not null)")
        .await
        .unwrap();
    serial_rate(&mut conn, duration).await
}

/// The same on PostgreSQL with synchronous_commit on.
async fn pg_serial_rate(url: &str, duration: Duration) -> f64 {
    let mut conn = sqlx::PgConnection::connect(url).await.unwrap();
    conn.execute("set synchronous_commit = on").await.unwrap();
    conn.execute("create table probe (id bigserial primary key, v bigint not null)")
        .await
        .unwrap();
    serial_rate(&mut conn, duration).await
}

async fn serial_rate<C>(conn: &mut C, duration: Duration) -> f64
where
    for<'c> &'c mut C: Executor<'c>,
{
    let started = Instant::now();
    let mut commits = 0;
    while commits < SERIAL_COMMITS && started.elapsed() < duration {
        let insert = format!("insert into probe (v) values ({commits})");
        (&mut *conn).execute(insert.as_str()).await.unwrap();
        commits += 1;
    }
    commits as f64 / started.elapsed().as_secs_f64()
}

/// Runs `shishi` on the database; the last line of its stdout.
fn shishi(db: &str, args: &[&str], input: &str) -> String {
    let mut child = Command::new(env!("CARGO_BIN_EXE_shishi"))
        .args(args)
        .env("SHISHI_DB", db)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "shishi {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .last()
        .unwrap_or_default()
        .to_owned()
}

/// A `shishi serve` process, killed when dropped.
#[derive(Debug)]
struct Server {
    child: Child,
    base: String,
}

impl Server {
    fn start(db: &str) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_shishi"))
            .args(["serve", "--addr", "127.0.0.1:0"])
            .env("SHISHI_DB", db)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
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

/// The Haizhou notice with its list repeated until it holds `count` items, numbered
/// 1..=count, the header and foot kept (as in shishi-plan's parse benchmark).
fn long_notice(count: usize) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/haizhou-2020-notice.txt");
    let text = std::fs::read_to_string(path).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let is_item = |l: &&str| -> bool {
        l.split_once('.')
            .is_some_and(|(n, _)| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
    };
    let first = lines.iter().position(is_item).unwrap_or(0);
    let last = lines.iter().rposition(is_item).unwrap_or(0);
    let items: Vec<&str> = lines[first..=last]
        .iter()
        .map(|l| l.split_once('.').map_or(*l, |(_, rest)| rest))
        .collect();
    let mut out = lines[..first].join("\n");
    for n in 0..count {
        out.push_str(&format!("\n{}.{}", n + 1, items[n % items.len()]));
    }
    out.push('\n');
    out.push_str(&lines[last + 1..].join("\n"));
    out
}
