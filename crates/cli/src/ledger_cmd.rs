//! `shishi ledger`: the ledger (台账) of a plan written to an .xlsx, and a filled-in one read
//! back as a reporter's reports, every bad row named.

use crate::import_cmd::open;
use anyhow::{bail, Context};
use clap::Subcommand;
use shishi_core::{Login, PlanId, Role};
use shishi_store::{Actor, StoreError};
use shishi_web::ledger;
use std::io::Write;
use std::path::{Path, PathBuf};
use time::Date;

#[derive(Debug, Subcommand)]
pub enum LedgerCommand {
    /// Write a plan's ledger: one row per target with where it stands, and blank columns
    /// for the units to fill in.
    Export {
        /// The plan's id (`shishi plan import` prints it).
        #[arg(long)]
        plan: i64,
        /// The .xlsx to write; an existing file is replaced.
        #[arg(short = 'o', long = "output", value_name = "FILE.xlsx")]
        output: PathBuf,
        /// The day the ledger is as of, YYYY-MM-DD; today (China Standard Time) when left out.
        #[arg(long, value_name = "YYYY-MM-DD")]
        today: Option<String>,
    },
    /// File the rows of a filled-in ledger as the reports of the reporter LOGIN. Prints a
    /// line per bad row and a summary; exits 0 once the file was read, bad rows or not.
    Import {
        /// The filled-in .xlsx.
        file: PathBuf,
        /// The reporter the reports are filed as (their unit's targets only).
        #[arg(long)]
        login: String,
        /// The day the reports are filed on, YYYY-MM-DD; today (China Standard Time) when
        /// left out.
        #[arg(long, value_name = "YYYY-MM-DD")]
        today: Option<String>,
    },
}

pub async fn run(db: &str, command: LedgerCommand) -> anyhow::Result<()> {
    match command {
        LedgerCommand::Export {
            plan,
            output,
            today,
        } => export(db, PlanId::new(plan), &output, today_of(today.as_deref())?).await,
        LedgerCommand::Import { file, login, today } => {
            import(db, &file, &login, today_of(today.as_deref())?).await
        }
    }
}

fn today_of(text: Option<&str>) -> anyhow::Result<Date> {
    match text {
        None => Ok(shishi_web::Clock::system().today()),
        Some(text) => Date::parse(
            text.trim(),
            time::macros::format_description!("[year]-[month]-[day]"),
        )
        .with_context(|| format!("--today {text}: write YYYY-MM-DD, e.g. 2020-09-28")),
    }
}

async fn export(db: &str, plan: PlanId, output: &Path, today: Date) -> anyhow::Result<()> {
    if output.is_dir() {
        bail!("-o {}: is a directory", output.display());
    }
    let store = open(db).await?;
    let snapshot = store.plan_snapshot(plan).await;
    store.close().await;
    let snapshot = snapshot.with_context(|| format!("--plan {}", plan.get()))?;
    let targets: usize = snapshot.detail.items.iter().map(|e| e.targets.len()).sum();
    let bytes =
        tokio::task::spawn_blocking(move || ledger::export(&snapshot, None, today, None)).await??;
    write_whole(output, &bytes).with_context(|| format!("cannot write {}", output.display()))?;
    println!(
        "wrote {} ({targets} targets, as of {today})",
        output.display()
    );
    Ok(())
}

async fn import(db: &str, file: &Path, login: &str, today: Date) -> anyhow::Result<()> {
    let login = Login::parse(login).with_context(|| format!("--login {login}"))?;
    let path = file.to_owned();
    let read = tokio::task::spawn_blocking(move || {
        let size = std::fs::metadata(&path)?.len();
        if size > ledger::MAX_LEDGER_BYTES as u64 {
            bail!(
                "the file is {size} bytes; a ledger may have at most {} bytes",
                ledger::MAX_LEDGER_BYTES
            );
        }
        let bytes = std::fs::read(&path)?;
        Ok(ledger::read(&bytes)?)
    })
    .await?;
    let mut import = read.with_context(|| format!("cannot read {}", file.display()))?;

    let store = open(db).await?;
    let result = async {
        let account = store
            .account_by_login(&login)
            .await?
            .with_context(|| format!("no user with login {login}"))?;
        let user = account.user;
        if user.role != Role::Reporter || user.unit.is_none() {
            bail!(
                "{login} is a {} ({}); only a reporter (填报员) of a unit imports a ledger",
                user.role.label_zh(),
                if user.unit.is_some() {
                    "of a unit"
                } else {
                    "of no unit"
                }
            );
        }
        if let Some(plan) = import.plan {
            let detail = match store.plan(plan).await {
                Ok(detail) => detail,
                Err(StoreError::NotFound(_)) => bail!(
                    "{} was exported for plan {}, which is not in this database",
                    file.display(),
                    plan.get()
                ),
                Err(other) => return Err(other.into()),
            };
            ledger::keep_rows_of_plan(&detail, &mut import)?;
        }
        let outcome = store
            .import_ledger_rows(Actor::User(user.id), &user, import.rows.clone(), today)
            .await?;
        anyhow::Ok(outcome)
    }
    .await;
    store.close().await;
    let outcome = result?;

    let mut out = std::io::stdout().lock();
    for error in ledger::all_errors(&import, &outcome) {
        writeln!(out, "第{}行：{}", error.row, error.reason)?;
    }
    writeln!(out, "{}", ledger::summary(&import, &outcome))?;
    Ok(())
}

/// Writes beside the target and renames over it, so a failure leaves no half file.
fn write_whole(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut staging = path.as_os_str().to_owned();
    staging.push(".part");
    let staging = PathBuf::from(staging);
    let written = std::fs::write(&staging, bytes).and_then(|()| std::fs::rename(&staging, path));
    if written.is_err() {
        let _ = std::fs::remove_file(&staging);
    }
    written
}
