//! `shishi plan parse` as a person runs it: notices in every form the reader takes,
//! scored by the project's scorer (testdata/plan_eval.py), and bad input refused.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn shishi(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_shishi"))
        .args(args)
        .output()
        .expect("shishi runs")
}

/// Parses `notice` and scores the result against `gold` with plan_eval.py.
fn score(notice: &Path, gold: &Path) -> serde_json::Value {
    let out = shishi(&["plan", "parse", notice.to_str().expect("utf-8 path")]);
    assert!(
        out.status.success(),
        "parse of {} failed: {}",
        notice.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let parsed = dir.path().join("parsed.json");
    std::fs::write(&parsed, &out.stdout).expect("write parse");
    let eval = Command::new("python3")
        .arg(repo().join("testdata/plan_eval.py"))
        .arg(gold)
        .arg(&parsed)
        .arg("--json")
        .output()
        .expect("python3 runs the scorer");
    assert!(
        eval.status.success(),
        "{}",
        String::from_utf8_lossy(&eval.stderr)
    );
    serde_json::from_slice(&eval.stdout).expect("scorer prints JSON")
}

fn figure(score: &serde_json::Value, path: &str) -> f64 {
    let mut v = score;
    for key in path.split('.') {
        v = &v[key];
    }
    v.as_f64().unwrap_or_else(|| panic!("no {path} in {score}"))
}

fn assert_haizhou_scores(notice: &str) {
    let root = repo();
    let s = score(
        &root.join(notice),
        &root.join("testdata/haizhou-2020-gold.json"),
    );
    println!("{notice}: {s}");
    assert_eq!(figure(&s, "items.precision"), 1.0, "{notice}: {s}");
    assert_eq!(figure(&s, "items.recall"), 1.0, "{notice}: {s}");
    assert_eq!(figure(&s, "items.titles_exact"), 1.0, "{notice}: {s}");
    assert_eq!(figure(&s, "lead_units.f1"), 1.0, "{notice}: {s}");
    assert!(figure(&s, "targets.f1") >= 0.98, "{notice}: {s}");
    assert!(figure(&s, "targets.op_accuracy") >= 0.95, "{notice}: {s}");
}

#[test]
fn the_visible_notice_as_given_is_read_to_the_gold() {
    assert_haizhou_scores("testdata/haizhou-2020-notice.txt");
}

#[test]
fn the_visible_notice_saved_as_gb18030_is_read_to_the_gold() {
    assert_haizhou_scores("testdata/haizhou-2020-forms/haizhou-2020-notice.gb18030.txt");
}

#[test]
fn the_visible_notice_as_a_government_site_page_is_read_to_the_gold() {
    assert_haizhou_scores("testdata/haizhou-2020-forms/haizhou-2020-notice.html");
}

#[test]
fn the_visible_notice_as_a_word_file_with_list_numbering_is_read_to_the_gold() {
    assert_haizhou_scores("testdata/haizhou-2020-forms/haizhou-2020-notice.docx");
}

#[test]
fn the_metadata_of_the_visible_notice_is_read_from_header_and_signature() {
    let notice = repo().join("testdata/haizhou-2020-notice.txt");
    let out = shishi(&["plan", "parse", notice.to_str().expect("utf-8 path")]);
    let plan: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let gold: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(repo().join("testdata/haizhou-2020-gold.json")).expect("gold"),
    )
    .expect("gold JSON");
    assert_eq!(plan["meta"], gold["meta"]);
}

/// Every fixture under crates/plan/tests/fixtures, heldout and heldout2 with a gold file, each in its own form (categories, restarted numbering, tables, tab-separated
/// exports, Chinese numbering, HTML pages, GBK, .docx), meets the bar the reader is held to
/// on notices it has never seen, and its metadata is read as labelled.
#[test]
fn each_fixture_notice_of_other_places_and_years_meets_the_bar() {
    let mut checked = 0;
    let mut failures = Vec::new();
    let dirs = [
        "crates/plan/tests/fixtures",
        "crates/plan/tests/heldout",
        "crates/plan/tests/heldout2",
    ]
    .map(|d| repo().join(d));
    let entries = dirs
        .iter()
        .flat_map(|dir| std::fs::read_dir(dir).expect("fixtures dir"));
    for entry in entries {
        let gold = entry.expect("entry").path();
        let Some(name) = gold.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        let Some(stem) = name.strip_suffix(".gold.json") else {
            continue;
        };
        let dir = gold.parent().expect("a fixture's folder");
        let notice = ["txt", "html", "docx"]
            .iter()
            .map(|ext| dir.join(format!("{stem}.{ext}")))
            .find(|p| p.exists())
            .unwrap_or_else(|| panic!("no notice for {name}"));
        let s = score(&notice, &gold);
        println!("{stem}: {s}");
        let expected: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&gold).expect("gold")).expect("JSON");
        let out = shishi(&["plan", "parse", notice.to_str().expect("utf-8 path")]);
        let parsed: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
        if parsed["meta"] != expected["meta"] {
            failures.push(format!(
                "{stem}: meta {} != gold {}",
                parsed["meta"], expected["meta"]
            ));
        }
        let bar = [
            ("items.recall", 0.99),
            ("lead_units.f1", 0.97),
            ("targets.f1", 0.95),
        ];
        for (path, min) in bar {
            if figure(&s, path) < min {
                failures.push(format!("{stem}: {path} = {} < {min}", figure(&s, path)));
            }
        }
        checked += 1;
    }
    assert!(checked >= 15, "only {checked} fixtures found");
    assert!(failures.is_empty(), "{failures:#?}");
}

fn assert_refused(args: &[&str], expected: &str) {
    let out = shishi(args);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
    assert_eq!(stderr.lines().count(), 1, "one line on stderr: {stderr}");
    assert!(stderr.contains(expected), "{args:?}: {stderr}");
    assert!(out.stdout.is_empty(), "nothing on stdout when refused");
}

#[test]
fn bad_input_gets_one_clear_line_and_exit_code_two() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = |name: &str| dir.path().join(name);
    std::fs::write(path("empty.txt"), b"").expect("write");
    std::fs::write(
        path("binary.bin"),
        [0u8, 159, 146, 150, 0, 1, 2, 3, 255, 254, 0, 0],
    )
    .expect("write");
    std::fs::write(
        path("broken.docx"),
        b"PK\x03\x04\x14\x00\x00\x00not really a zip",
    )
    .expect("write");
    std::fs::write(
        path("prose.txt"),
        "今天天气很好，我们去公园散步。\n晚上回家吃饭。\n",
    )
    .expect("write");
    let big = std::fs::File::create(path("big.txt")).expect("create");
    big.set_len(21 * 1024 * 1024).expect("grow");
    let p = |name: &str| path(name).to_str().expect("utf-8").to_string();
    assert_refused(&["plan", "parse", &p("missing.txt")], "cannot open");
    assert_refused(
        &["plan", "parse", dir.path().to_str().expect("utf-8")],
        "directory",
    );
    assert_refused(&["plan", "parse", &p("empty.txt")], "empty");
    assert_refused(&["plan", "parse", &p("binary.bin")], "binary");
    assert_refused(&["plan", "parse", &p("broken.docx")], ".docx");
    assert_refused(&["plan", "parse", &p("prose.txt")], "no plan items");
    assert_refused(&["plan", "parse", &p("big.txt")], "over the limit");
}

#[test]
fn quantities_prints_one_json_array_per_input_line() {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_shishi"))
        .args(["plan", "quantities"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all("新增校舍面积6.19万平方米\n\n侵财犯罪破案率提升5个百分点以上\n".as_bytes())
        .expect("write");
    let out = child.wait_with_output().expect("wait");
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON array per line"))
        .collect();
    assert_eq!(lines.len(), 3);
    assert_eq!(
        lines[0],
        serde_json::json!([{"text": "6.19万平方米", "value": 61900, "unit": "平方米", "op": "eq"}])
    );
    assert_eq!(lines[1], serde_json::json!([]));
    assert_eq!(lines[2][0]["value"], 5);
    assert_eq!(lines[2][0]["unit"], "个百分点");
    assert_eq!(lines[2][0]["op"], "inc");
}
