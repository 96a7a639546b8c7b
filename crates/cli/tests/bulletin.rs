//! `shishi bulletin` as a supervisor runs it: on a database made with `shishi plan import`,
//! the .docx it writes converts to PDF with LibreOffice (the first page saved as a picture
//! under target/screenshots/ for a person to look at), and bad input writes nothing.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

struct Db {
    dir: tempfile::TempDir,
}

impl Db {
    /// A fresh database holding the visible notice's plan; its id.
    fn with_plan() -> (Self, String) {
        let db = Self {
            dir: tempfile::tempdir().unwrap(),
        };
        let notice =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/haizhou-2020-notice.txt");
        let out = db.run(&["plan", "import", notice.to_str().unwrap()]);
        assert!(out.status.success(), "{}", stderr(&out));
        let id = String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .last()
            .unwrap()
            .trim()
            .to_owned();
        (db, id)
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn run(&self, args: &[&str]) -> Output {
        let url = format!("sqlite://{}", self.path("shishi.db").display());
        Command::new(env!("CARGO_BIN_EXE_shishi"))
            .arg("--db")
            .arg(url)
            .args(args)
            .output()
            .expect("shishi runs")
    }

    fn bulletin(&self, plan: &str, period: &str, format: &str, out: &Path) -> Output {
        self.run(&[
            "bulletin",
            "--plan",
            plan,
            "--period",
            period,
            "--format",
            format,
            "-o",
            out.to_str().unwrap(),
            "--doc-number",
            "海督通〔2020〕9号",
            "--issuer",
            "海州区人民政府督查室",
            "--date",
            "2020-10-09",
        ])
    }
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(out.status.success(), "{cmd:?} failed: {}", stderr(&out));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn command_exists(name: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {name}")])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

fn screenshots_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    let dir = target.join("screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn the_docx_of_an_imported_plan_converts_to_pdf_with_libreoffice() {
    for tool in ["libreoffice", "pdftotext", "pdftoppm"] {
        assert!(
            command_exists(tool),
            "{tool} is not installed: apt-get install -y libreoffice-writer-nogui poppler-utils \
             (scripts/test installs them)"
        );
    }
    let (db, plan) = Db::with_plan();
    let docx = db.path("bulletin.docx");
    let out = db.bulletin(&plan, "2020-09", "docx", &docx);
    assert!(out.status.success(), "{}", stderr(&out));
    let bytes = std::fs::read(&docx).unwrap();
    assert!(bytes.starts_with(b"PK"), "not a zip archive");

    // A profile of its own, so a LibreOffice already running elsewhere is not asked instead.
    let profile = format!(
        "-env:UserInstallation=file://{}/profile",
        db.dir.path().display()
    );
    run(Command::new("libreoffice")
        .arg(&profile)
        .args(["--headless", "--convert-to", "pdf", "--outdir"])
        .arg(db.dir.path())
        .arg(&docx));
    let pdf = db.path("bulletin.pdf");
    assert!(pdf.exists(), "LibreOffice wrote no PDF");
    // pdftotext spaces Latin from Chinese ("9 号"); compare without spaces.
    let first = run(Command::new("pdftotext")
        .args(["-layout", "-f", "1", "-l", "1"])
        .arg(&pdf)
        .arg("-"))
    .replace([' ', '\u{3000}'], "");
    for words in [
        "海州区人民政府督查室",
        "海督通〔2020〕9号",
        "推进情况的通报",
    ] {
        assert!(first.contains(words), "page 1 lacks {words}:\n{first}");
    }
    let png = screenshots_dir().join("bulletin-cli-haizhou-page1");
    run(Command::new("pdftoppm")
        .args(["-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile"])
        .arg(&pdf)
        .arg(&png));
    assert!(png.with_extension("png").exists());
}

#[test]
fn html_and_markdown_are_written_whole() {
    let (db, plan) = Db::with_plan();
    let html = db.path("bulletin.html");
    let out = db.bulletin(&plan, "2020-09", "html", &html);
    assert!(out.status.success(), "{}", stderr(&out));
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(page.starts_with("<!doctype html>"));
    assert!(page.contains("<html lang=\"zh-CN\">") && page.contains("<style>"));
    assert!(page.contains("关于2020年9月份民生实事项目推进情况的通报"));
    assert!(page.contains("附件1") && page.trim_end().ends_with("</html>"));

    let md = db.path("bulletin.md");
    let out = db.bulletin(&plan, "2020-09", "md", &md);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = std::fs::read_to_string(&md).unwrap();
    assert!(text.contains("海督通〔2020〕9号"));
    assert!(text.contains("# 关于2020年9月份民生实事项目推进情况的通报"));
}

#[test]
fn bad_input_exits_2_with_one_line_and_writes_nothing() {
    let (db, plan) = Db::with_plan();
    let out = db.path("out.docx");
    let kept = db.path("kept.docx");
    std::fs::write(&kept, b"the earlier file").unwrap();
    let missing_dir = db.path("no/such/dir/out.docx");
    let cases: Vec<(Vec<String>, &Path)> = vec![
        // An unknown plan.
        (args("9999", "2020-09", &out, "2020-10-09"), out.as_path()),
        // A period outside the plan year, and one that is not a month.
        (args(&plan, "2021-01", &out, "2021-02-01"), out.as_path()),
        (args(&plan, "2020-13", &out, "2020-10-09"), out.as_path()),
        // A date before the month begins, and one that is not a date.
        (args(&plan, "2020-09", &out, "2020-08-31"), out.as_path()),
        (args(&plan, "2020-09", &out, "2020-10-32"), out.as_path()),
        // A failure leaves an existing file as it was.
        (args(&plan, "2021-01", &kept, "2021-02-01"), kept.as_path()),
        // A path that cannot be written, and a directory.
        (
            args(&plan, "2020-09", &missing_dir, "2020-10-09"),
            missing_dir.as_path(),
        ),
        (
            args(&plan, "2020-09", db.dir.path(), "2020-10-09"),
            out.as_path(),
        ),
    ];
    for (args, path) in cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let result = db.run(&args);
        assert_eq!(
            result.status.code(),
            Some(2),
            "{args:?}: {}",
            stderr(&result)
        );
        let message = stderr(&result);
        assert_eq!(message.trim_end().lines().count(), 1, "{args:?}: {message}");
        assert!(message.starts_with("shishi: "), "{message}");
        assert!(result.stdout.is_empty(), "{args:?}");
        if path == kept.as_path() {
            assert_eq!(std::fs::read(&kept).unwrap(), b"the earlier file");
        } else {
            assert!(!path.exists(), "{args:?} wrote {}", path.display());
        }
    }
    // Nothing else appeared beside the database either (no half-written file).
    let mut names: Vec<String> = std::fs::read_dir(db.dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with("shishi.db"))
        .collect();
    names.sort();
    assert_eq!(names, ["kept.docx"]);
}

fn args(plan: &str, period: &str, out: &Path, date: &str) -> Vec<String> {
    [
        "bulletin",
        "--plan",
        plan,
        "--period",
        period,
        "--format",
        "docx",
        "-o",
        out.to_str().unwrap(),
        "--date",
        date,
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect()
}
