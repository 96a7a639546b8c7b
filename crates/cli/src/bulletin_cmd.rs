//! `shishi bulletin`: the supervision bulletin (督查通报) of a month written to a file, as the
//! dashboard makes it. The file appears whole or not at all.

use crate::import_cmd::open;
use anyhow::{bail, Context};
use clap::{Args, ValueEnum};
use shishi_core::{Period, PlanId};
use shishi_web::bulletin::{self, Format, Issue};
use std::io::Write;
use std::path::{Path, PathBuf};
use time::Date;

#[derive(Debug, Args)]
pub struct BulletinArgs {
    /// The plan's id (`shishi plan import` prints it).
    #[arg(long)]
    plan: i64,
    /// The month reported on, YYYY-MM, within the plan year.
    #[arg(long, value_name = "YYYY-MM")]
    period: String,
    #[arg(long, value_enum)]
    format: FormatArg,
    /// The file to write; an existing file is replaced.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: PathBuf,
    /// 发文字号 (海督通〔2020〕9号); numbered by the month when left out.
    #[arg(long)]
    doc_number: Option<String>,
    /// 发文机关 (海州区人民政府督查室); the plan's government's 督查室 when left out.
    #[arg(long)]
    issuer: Option<String>,
    /// 成文日期, YYYY-MM-DD; today (China Standard Time) when left out.
    #[arg(long, value_name = "YYYY-MM-DD")]
    date: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum FormatArg {
    /// Word, laid out as an official document (GB/T 9704).
    Docx,
    /// A web page that stands alone.
    Html,
    /// Markdown.
    Md,
}

impl From<FormatArg> for Format {
    fn from(format: FormatArg) -> Self {
        match format {
            FormatArg::Docx => Format::Docx,
            FormatArg::Html => Format::Html,
            FormatArg::Md => Format::Md,
        }
    }
}

pub async fn run(db: &str, args: BulletinArgs) -> anyhow::Result<()> {
    // What the arguments alone can be wrong about is checked before the database is opened.
    let period = Period::parse(args.period.trim())
        .with_context(|| format!("--period {}: write YYYY-MM, e.g. 2020-09", args.period))?;
    let date = match &args.date {
        Some(text) => parse_date(text)?,
        None => shishi_web::Clock::system().today(),
    };
    if args.output.is_dir() {
        bail!("-o {}: is a directory", args.output.display());
    }
    let format = Format::from(args.format);

    let store = open(db).await?;
    let snapshot = store.plan_snapshot(PlanId::new(args.plan)).await;
    store.close().await;
    let snapshot = snapshot.with_context(|| format!("--plan {}", args.plan))?;
    let meta = &snapshot.detail.meta;
    let issuer = args
        .issuer
        .filter(|i| !i.trim().is_empty())
        .unwrap_or_else(|| bulletin::default_issuer(meta));
    let doc_number = args
        .doc_number
        .filter(|d| !d.trim().is_empty())
        .unwrap_or_else(|| bulletin::default_doc_number(period));
    let issue = Issue::new(issuer, doc_number, date);

    // Composing and zipping are CPU work: off the executor.
    let (title, bytes) = tokio::task::spawn_blocking(move || {
        let b = bulletin::compose(&snapshot, period, &issue)?;
        let bytes = bulletin::render(&b, format)?;
        Ok::<_, bulletin::BulletinError>((b.title, bytes))
    })
    .await??;
    write_whole(&args.output, &bytes)
        .with_context(|| format!("cannot write {}", args.output.display()))?;
    writeln!(
        std::io::stdout().lock(),
        "wrote {}: {title} ({} bytes)",
        args.output.display(),
        bytes.len()
    )?;
    Ok(())
}

fn parse_date(text: &str) -> anyhow::Result<Date> {
    Date::parse(
        text.trim(),
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .with_context(|| format!("--date {text}: write YYYY-MM-DD, e.g. 2020-10-09"))
}

/// Writes beside the target and renames over it, so a failure leaves no half file and an
/// existing file is replaced only by a whole one.
fn write_whole(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let name = path
        .file_name()
        .ok_or_else(|| std::io::Error::other("the path names no file"))?;
    let mut staging_name = std::ffi::OsString::from(".");
    staging_name.push(name);
    staging_name.push(format!(".{}.partial", std::process::id()));
    let staging = path.with_file_name(staging_name);
    let written = std::fs::File::create(&staging).and_then(|mut file| {
        file.write_all(bytes)?;
        file.sync_all()
    });
    let result = written.and_then(|()| std::fs::rename(&staging, path));
    if result.is_err() {
        let _ = std::fs::remove_file(&staging);
    }
    result
}
