//! The ledger (台账) round trip as a person runs it: `plan import`, a reporter of 区教育局,
//! `ledger export`, the file filled in (with a spreadsheet library), `ledger import`, and the
//! reports are there; bad rows each named and the good ones filed; the same file twice files
//! nothing twice; another unit's rows refused. On a fresh SQLite database each.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../../docs/tests/support/sheet.rs"]
mod sheet;

use sheet::{filled, fills, Fill, Sheet};
use shishi_core::{Period, ReportState, TargetId};
use shishi_store::Store;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const TODAY: &str = "2020-09-28";

struct Db {
    dir: tempfile::TempDir,
}

impl Db {
    fn new() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn url(&self) -> String {
        format!("sqlite://{}", self.dir.path().join("shishi.db").display())
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn run(&self, args: &[&str], input: &str) -> Output {
        let mut child = Command::new(env!("CARGO_BIN_EXE_shishi"))
            .arg("--db")
            .arg(self.url())
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let _ = child.stdin.take().unwrap().write_all(input.as_bytes());
        child.wait_with_output().unwrap()
    }

    fn ok(&self, args: &[&str], input: &str) -> String {
        let out = self.run(args, input);
        assert!(
            out.status.success(),
            "shishi {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// The visible notice imported and a reporter `login` of `unit`; the plan's id.
    fn with_plan_and_reporter(&self, login: &str, unit: &str) -> String {
        let notice =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/haizhou-2020-notice.txt");
        let out = self.ok(&["plan", "import", notice.to_str().unwrap()], "");
        let plan = out.lines().last().unwrap().trim().to_owned();
        self.ok(
            &[
                "user",
                "add",
                "--login",
                login,
                "--role",
                "reporter",
                "--unit",
                unit,
                "--password-stdin",
            ],
            "correct horse battery staple\n",
        );
        plan
    }

    fn export(&self, plan: &str) -> Vec<u8> {
        let file = self.path("ledger.xlsx");
        self.ok(
            &[
                "ledger",
                "export",
                "--plan",
                plan,
                "-o",
                file.to_str().unwrap(),
                "--today",
                TODAY,
            ],
            "",
        );
        std::fs::read(file).unwrap()
    }

    /// `ledger import` of `bytes` as `login`: the output.
    fn import(&self, bytes: &[u8], login: &str) -> Output {
        let file = self.path("filled.xlsx");
        std::fs::write(&file, bytes).unwrap();
        self.run(
            &[
                "ledger",
                "import",
                file.to_str().unwrap(),
                "--login",
                login,
                "--today",
                TODAY,
            ],
            "",
        )
    }

    /// The report of a target and month, read through the store.
    fn report(&self, target: TargetId, period: &str) -> Option<shishi_core::Report> {
        let url = self.url();
        let period = Period::parse(period).unwrap();
        tokio::runtime::Runtime::new().unwrap().block_on(async {
            let store = Store::open(&url).await.unwrap();
            let report = store.report_for(target, period).await.unwrap();
            store.close().await;
            report
        })
    }
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The data rows of the sheet: (row number, target id, lead units, kind).
fn rows(sheet: &Sheet) -> Vec<(u32, TargetId, String, String)> {
    let id_col = sheet.col("目标编号");
    (1..=sheet.cells.len() as u32)
        .filter_map(|row| {
            let id = match sheet.cells[row as usize - 1].get(id_col) {
                Some(calamine::Data::Float(f)) => *f as i64,
                Some(calamine::Data::Int(i)) => *i,
                _ => return None,
            };
            Some((
                row,
                TargetId::new(id),
                sheet.text(row, "牵头单位"),
                sheet.text(row, "填报方式"),
            ))
        })
        .collect()
}

/// A complete fill-in of a row for September, its figure fitting the row's kind.
fn fill_row<'a>(sheet: &Sheet, row: u32, kind: &str, period: &'a str) -> Vec<(String, Fill<'a>)> {
    let figure = if kind == "百分比" {
        Fill::Text("60%")
    } else {
        Fill::Number(2.0)
    };
    fills(
        sheet,
        row,
        &[
            ("填报月份", Fill::Text(period)),
            ("累计完成值/完成百分比", figure),
            ("进展情况", Fill::Text("按计划推进，完成主体工程")),
            ("存在问题", Fill::Text("雨季影响施工")),
            ("下步打算", Fill::Text("抢抓工期")),
        ],
    )
}

#[test]
fn an_exported_ledger_filled_in_and_imported_becomes_reports_once() {
    let db = Db::new();
    let plan = db.with_plan_and_reporter("r-edu", "区教育局");
    let exported = db.export(&plan);
    let sheet = Sheet::read(&exported);
    let all = rows(&sheet);
    assert!(all.len() > 50, "one row per target: {}", all.len());
    let ours: Vec<_> = all.iter().filter(|r| r.2.contains("区教育局")).collect();
    assert!(ours.len() >= 2, "{ours:?}");

    let mut cells = fill_row(&sheet, ours[0].0, &ours[0].3, "2020-09");
    cells.extend(fill_row(&sheet, ours[1].0, &ours[1].3, "2020-08"));
    let bytes = filled(&exported, &cells);
    let out = db.import(&bytes, "r-edu");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let blank = all.len() - 2;
    assert_eq!(
        stdout(&out).trim(),
        format!("导入 2 行，未变 0 行，错误 0 行，空行 {blank} 行")
    );

    let report = db
        .report(ours[0].1, "2020-09")
        .expect("the report is there");
    assert_eq!(*report.state(), ReportState::Submitted);
    assert_eq!(
        report.current().content.progress,
        "按计划推进，完成主体工程"
    );
    assert_eq!(report.current().content.problems, "雨季影响施工");
    assert!(db.report(ours[1].1, "2020-08").is_some());

    // The same file again: nothing filed twice.
    let again = db.import(&bytes, "r-edu");
    assert!(again.status.success());
    assert_eq!(
        stdout(&again).trim(),
        format!("导入 0 行，未变 2 行，错误 0 行，空行 {blank} 行")
    );
    let report = db.report(ours[0].1, "2020-09").unwrap();
    assert_eq!(report.revisions().count(), 1);
    assert_eq!(
        db.ok(&["audit", "verify"], "").trim().split(' ').next(),
        Some("ok")
    );
}

#[test]
fn bad_rows_are_each_named_and_the_good_ones_imported() {
    let db = Db::new();
    let plan = db.with_plan_and_reporter("r-edu", "区教育局");
    let exported = db.export(&plan);
    let sheet = Sheet::read(&exported);
    let all = rows(&sheet);
    let ours: Vec<_> = all.iter().filter(|r| r.2.contains("区教育局")).collect();
    let theirs = all.iter().find(|r| !r.2.contains("区教育局")).unwrap();

    let good = ours[0];
    let mut cells = fill_row(&sheet, good.0, &good.3, "2020-09");
    // Another unit's target.
    cells.extend(fill_row(&sheet, theirs.0, &theirs.3, "2020-09"));
    // A month that does not exist, and a month not yet come.
    cells.extend(fill_row(&sheet, ours[1].0, &ours[1].3, "2020-13"));
    if let Some(third) = ours.get(2) {
        cells.extend(fill_row(&sheet, third.0, &third.3, "2020-11"));
    }
    let out = db.import(&filled(&exported, &cells), "r-edu");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    let bad = if ours.len() > 2 { 3 } else { 2 };
    assert_eq!(lines.len(), bad + 1, "{text}");
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with(&format!("第{}行：", theirs.0))
                && l.contains("不属于本单位的目标")),
        "{text}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with(&format!("第{}行：", ours[1].0)) && l.contains("2020-13")),
        "{text}"
    );
    if let Some(third) = ours.get(2) {
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with(&format!("第{}行：", third.0)) && l.contains("还没到")),
            "{text}"
        );
    }
    assert!(
        lines[bad].starts_with(&format!("导入 1 行，未变 0 行，错误 {bad} 行")),
        "{text}"
    );
    assert!(db.report(good.1, "2020-09").is_some());
    assert!(db.report(theirs.1, "2020-09").is_none());
}

#[test]
fn an_unreadable_file_or_a_login_that_cannot_report_is_refused_with_exit_2() {
    let db = Db::new();
    let plan = db.with_plan_and_reporter("r-edu", "区教育局");
    let exported = db.export(&plan);

    let out = db.import(b"not a spreadsheet", "r-edu");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains(".xlsx"));

    let out = db.import(&exported, "nobody");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nobody"));

    db.ok(
        &[
            "user",
            "add",
            "--login",
            "leader",
            "--role",
            "leader",
            "--password-stdin",
        ],
        "correct horse battery staple\n",
    );
    let out = db.import(&exported, "leader");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("reporter"));
}
