//! The database commands as a person runs them: `plan import`, `user add`, `token create`,
//! `audit verify`, `backup`, `restore` and `serve`, each on a fresh SQLite database.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

fn notice() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/haizhou-2020-notice.txt")
}

/// A fresh database in its own directory.
struct Db {
    dir: tempfile::TempDir,
}

impl Db {
    fn new() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn file(&self) -> PathBuf {
        self.dir.path().join("shishi.db")
    }

    fn url(&self) -> String {
        format!("sqlite://{}", self.file().display())
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Runs `shishi` on this database (through SHISHI_DB, as an operator would set it).
    fn run(&self, args: &[&str]) -> Output {
        self.run_with_input(args, "")
    }

    fn run_with_input(&self, args: &[&str], input: &str) -> Output {
        let mut child = Command::new(env!("CARGO_BIN_EXE_shishi"))
            .args(args)
            .env("SHISHI_DB", self.url())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("shishi runs");
        // A command that refuses its arguments exits before it reads its input: a closed
        // pipe then is the command's answer, not the test's failure.
        if let Err(e) = child.stdin.take().unwrap().write_all(input.as_bytes()) {
            assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "{e}");
        }
        child.wait_with_output().unwrap()
    }

    /// Runs and expects success; the last line of stdout.
    fn ok(&self, args: &[&str]) -> String {
        self.ok_with_input(args, "")
    }

    fn ok_with_input(&self, args: &[&str], input: &str) -> String {
        let out = self.run_with_input(args, input);
        assert!(
            out.status.success(),
            "shishi {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        last_line(&out)
    }

    fn add_user(&self, login: &str, role: &str, unit: Option<&str>) -> String {
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
        self.ok_with_input(&args, "correct horse battery staple\n")
    }

    /// The number of audit events, by `audit verify`.
    fn events(&self) -> u64 {
        let line = self.ok(&["audit", "verify"]);
        line.strip_prefix("ok ")
            .and_then(|rest| rest.strip_suffix(" events"))
            .unwrap_or_else(|| panic!("unexpected answer {line:?}"))
            .parse()
            .unwrap()
    }

    fn sqlite3(&self, sql: &str) -> String {
        let out = Command::new("sqlite3")
            .arg(self.file())
            .arg(sql)
            .output()
            .expect("the sqlite3 command-line tool is installed (scripts/test installs it)");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_owned()
    }
}

fn last_line(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .last()
        .unwrap_or_default()
        .to_owned()
}

/// A `shishi serve` process, killed when dropped.
struct Server {
    child: Child,
    base: String,
}

impl Server {
    fn start(db: &Db) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_shishi"))
            .args(["serve", "--addr", "127.0.0.1:0"])
            .env("SHISHI_DB", db.url())
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

#[test]
fn importing_the_same_notice_twice_prints_the_same_id_and_a_revision_waits_for_apply() {
    let db = Db::new();
    let notice = notice();
    let notice = notice.to_str().unwrap();
    let first = db.ok(&["plan", "import", notice]);
    assert_eq!(first, "1");
    let events = db.events();
    assert_eq!(db.ok(&["plan", "import", notice]), first);
    assert_eq!(db.events(), events, "a second import changes nothing");

    let revised = db.path("revised.txt");
    let text = std::fs::read_to_string(notice).unwrap();
    assert!(text.contains("新建、改扩建中小学6所"));
    std::fs::write(
        &revised,
        text.replace("新建、改扩建中小学6所", "新建、改扩建中小学7所"),
    )
    .unwrap();
    let revised = revised.to_str().unwrap();
    let shown = db.run(&["plan", "import", revised]);
    let stdout = String::from_utf8_lossy(&shown.stdout);
    assert!(shown.status.success());
    assert!(stdout.contains("~ item 1"), "{stdout}");
    assert!(
        stdout.contains("6 所") && stdout.contains("7 所"),
        "{stdout}"
    );
    assert!(stdout.contains("--apply"), "{stdout}");
    assert_eq!(
        db.events(),
        events,
        "a revision is only shown without --apply"
    );

    assert_eq!(db.ok(&["plan", "import", revised, "--apply"]), first);
    assert_eq!(db.events(), events + 1);
    assert_eq!(
        db.ok(&["plan", "import", revised]),
        first,
        "now it is the stored plan"
    );
}

#[test]
fn bad_input_gets_one_line_on_stderr_a_failing_status_and_changes_nothing() {
    let db = Db::new();
    db.ok(&["plan", "import", notice().to_str().unwrap()]);
    db.add_user("admin", "admin", None);
    let events = db.events();
    let not_a_notice = db.path("empty.txt");
    std::fs::write(&not_a_notice, "").unwrap();
    let password = "pw\n";
    for (args, input) in [
        (
            vec![
                "user",
                "add",
                "--login",
                "x",
                "--role",
                "admin",
                "--password-stdin",
            ],
            password,
        ),
        (
            vec![
                "user",
                "add",
                "--login",
                "admin",
                "--role",
                "admin",
                "--password-stdin",
            ],
            password,
        ),
        (
            vec![
                "user",
                "add",
                "--login",
                "edu",
                "--role",
                "reporter",
                "--password-stdin",
            ],
            password,
        ),
        (
            vec![
                "user",
                "add",
                "--login",
                "edu",
                "--role",
                "admin",
                "--password-stdin",
            ],
            "",
        ),
        (vec!["token", "create", "--login", "nobody"], ""),
        (vec!["plan", "import", not_a_notice.to_str().unwrap()], ""),
        (vec!["plan", "import", "/nonexistent/notice.txt"], ""),
        (vec!["restore", "/nonexistent/backup.db"], ""),
    ] {
        let out = db.run_with_input(&args, input);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?} succeeded");
        assert_eq!(stderr.trim().lines().count(), 1, "{args:?}: {stderr}");
        assert!(stderr.starts_with("shishi: "), "{args:?}: {stderr}");
        assert_eq!(db.events(), events, "{args:?} changed something");
    }
}

#[test]
fn a_users_unit_is_the_unit_the_notice_names() {
    let db = Db::new();
    // The unit first, then the notice that names it: one unit, not two.
    db.add_user("edu", "reporter", Some("区教育局"));
    db.ok(&["plan", "import", notice().to_str().unwrap()]);
    db.add_user("health", "reporter", Some("海州区卫健委"));
    let units =
        db.sqlite3("select count(*) from units where name like '%教育局%' or name like '%卫健委%'");
    assert_eq!(units, "2");
    let same = db.sqlite3(
        "select count(*) from users u join item_units iu on iu.unit = u.unit where u.login = 'health'",
    );
    assert_ne!(
        same, "0",
        "the health reporter's unit leads items of the plan"
    );
}

#[test]
fn audit_verify_names_a_tampered_event_and_exits_1() {
    let db = Db::new();
    db.ok(&["plan", "import", notice().to_str().unwrap()]);
    db.add_user("admin", "admin", None);
    let events = db.events();
    assert!(events > 3);

    db.sqlite3("update audit_events set actor = 'user:999' where seq = 3");
    let out = db.run(&["audit", "verify"]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("event 3 "), "{stdout}");
    assert!(stdout.contains("does not verify"), "{stdout}");
}

#[test]
fn serve_answers_with_a_created_token_and_a_backup_taken_meanwhile_verifies_and_restores() {
    let db = Db::new();
    db.ok(&["plan", "import", notice().to_str().unwrap()]);
    db.add_user("edu", "reporter", Some("区教育局"));
    let token = db.ok(&["token", "create", "--login", "edu"]);
    assert!(token.starts_with("shishi_"), "{token}");
    assert_eq!(
        db.sqlite3(&format!(
            "select count(*) from api_tokens where token_hash like '%{}%'",
            &token[7..]
        )),
        "0",
        "the token is stored only as a hash"
    );

    let server = Server::start(&db);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let client = reqwest::Client::new();
    let plans = runtime.block_on(async {
        let response = client
            .get(format!("{}/api/v1/plans", server.base))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), reqwest::StatusCode::OK);
        response.json::<serde_json::Value>().await.unwrap()
    });
    assert_eq!(plans[0]["id"], 1);
    let detail: serde_json::Value = runtime.block_on(async {
        let url = format!("{}/api/v1/plans/1", server.base);
        client.get(url).send().await.unwrap().json().await.unwrap()
    });
    let target = detail["items"][0]["targets"][0]["id"].clone();
    let status = runtime.block_on(async {
        client
            .post(format!("{}/api/v1/targets/{target}/reports", server.base))
            .bearer_auth(&token)
            .json(&serde_json::json!({"period": "2020-06", "value": 3, "progress": "进展"}))
            .send()
            .await
            .unwrap()
            .status()
    });
    assert_eq!(status, reqwest::StatusCode::CREATED);

    // While the server runs.
    let backup = db.path("backup.db");
    db.ok(&["backup", backup.to_str().unwrap()]);
    let events = db.events();
    let backup_url = format!("sqlite://{}", backup.display());
    let out = db.run(&["--db", &backup_url, "audit", "verify"]);
    assert_eq!(last_line(&out), format!("ok {events} events"));
    assert!(
        !db.run(&["backup", backup.to_str().unwrap()])
            .status
            .success(),
        "never overwrites"
    );
    drop(server);

    db.add_user("late", "admin", None);
    assert_eq!(db.events(), events + 1);
    db.ok(&["restore", backup.to_str().unwrap()]);
    assert_eq!(db.events(), events, "the database is the backup again");
    assert!(!db
        .run(&["token", "create", "--login", "late"])
        .status
        .success());
}
