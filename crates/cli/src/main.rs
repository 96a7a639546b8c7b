//! The `shishi` binary: commands, configuration and wiring. Thin by design.

mod admin_cmd;
mod bulletin_cmd;
mod demo_cmd;
mod import_cmd;
mod ledger_cmd;
mod plan_cmd;
mod serve_cmd;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Parser)]
#[command(
    name = "shishi",
    version,
    about = "实事：民生实事项目的分解、跟踪、督查与公开"
)]
struct Cli {
    /// The database: sqlite://FILE (created when missing) or postgres://…
    #[arg(
        long,
        global = true,
        env = "SHISHI_DB",
        default_value = "sqlite://shishi.db"
    )]
    db: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Read plan notices (民生实事通知) and import them.
    #[command(subcommand)]
    Plan(plan_cmd::PlanCommand),
    /// Manage the people who sign in.
    #[command(subcommand)]
    User(admin_cmd::UserCommand),
    /// Manage API tokens.
    #[command(subcommand)]
    Token(admin_cmd::TokenCommand),
    /// Check the audit log.
    #[command(subcommand)]
    Audit(admin_cmd::AuditCommand),
    /// Write a consistent copy of a SQLite database to FILE, also while the server runs.
    Backup { file: PathBuf },
    /// Put a SQLite backup in place of the database. Only while no server runs on it.
    Restore { file: PathBuf },
    /// Try shishi: a demo database of the Haizhou 2020 plan with a user for every role and
    /// months of sample reports (built in DIR on the first run, reused after), served as on
    /// the day given. Ignores --db.
    Demo {
        /// Where to listen, HOST:PORT (port 0 picks a free port, printed on start).
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: String,
        /// The directory of the demo database (DIR/shishi.db), created when missing.
        #[arg(long, value_name = "DIR", default_value = "shishi-demo")]
        data: PathBuf,
        /// The day the demo runs as, YYYY-MM-DD: its "today" for statuses and overdue reports.
        #[arg(long, value_name = "YYYY-MM-DD", default_value = demo_cmd::DEFAULT_TODAY)]
        today: String,
    },
    /// Write the supervision bulletin (督查通报) of a month as .docx, .html or .md.
    Bulletin(bulletin_cmd::BulletinArgs),
    /// Ledgers (台账): a plan's .xlsx exported, a filled-in one imported as reports.
    #[command(subcommand)]
    Ledger(ledger_cmd::LedgerCommand),
    /// Run the server.
    Serve {
        /// Where to listen, HOST:PORT (port 0 picks a free port, printed on start).
        #[arg(long, default_value = "127.0.0.1:8080")]
        addr: String,
        /// The server runs behind a reverse proxy that sets X-Forwarded-For: the public's
        /// posting limits then count per forwarded address. Never set it when the public
        /// reaches the server directly: anyone could claim any address.
        #[arg(long, env = "SHISHI_BEHIND_PROXY")]
        behind_proxy: bool,
        #[command(flatten)]
        reminders: serve_cmd::ReminderArgs,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let db = cli.db.as_str();
    let result = match cli.command {
        Command::Plan(command) => plan_cmd::run(command, db),
        Command::User(command) => {
            runtime().and_then(|rt| rt.block_on(admin_cmd::user(db, command)))
        }
        Command::Token(command) => {
            runtime().and_then(|rt| rt.block_on(admin_cmd::token(db, command)))
        }
        Command::Audit(command) => {
            runtime().and_then(|rt| rt.block_on(admin_cmd::audit(db, command)))
        }
        Command::Backup { file } => {
            runtime().and_then(|rt| rt.block_on(admin_cmd::backup(db, &file)))
        }
        Command::Restore { file } => {
            runtime().and_then(|rt| rt.block_on(admin_cmd::restore(db, &file)))
        }
        Command::Demo { addr, data, today } => demo_cmd::parse_today(&today).and_then(|today| {
            runtime().and_then(|rt| rt.block_on(demo_cmd::demo(&addr, &data, today)))
        }),
        Command::Bulletin(args) => {
            runtime().and_then(|rt| rt.block_on(bulletin_cmd::run(db, args)))
        }
        Command::Ledger(command) => {
            runtime().and_then(|rt| rt.block_on(ledger_cmd::run(db, command)))
        }
        Command::Serve {
            addr,
            behind_proxy,
            reminders,
        } => runtime()
            .and_then(|rt| rt.block_on(serve_cmd::serve(db, &addr, behind_proxy, reminders))),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // A reader that stopped reading (`| head`) is not an error of ours.
        Err(error) if is_broken_pipe(&error) => ExitCode::SUCCESS,
        // Already reported on stdout: the answer of `audit verify` is "no".
        Err(error) if error.downcast_ref::<admin_cmd::AuditBroken>().is_some() => ExitCode::from(1),
        Err(error) => {
            // One line, the whole chain of causes: what a person at a terminal needs.
            eprintln!("shishi: {error:#}");
            ExitCode::from(2)
        }
    }
}

/// The runtime the database commands and the server run on.
pub(crate) fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}

fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
            || cause
                .downcast_ref::<serde_json::Error>()
                .is_some_and(|e| e.io_error_kind() == Some(std::io::ErrorKind::BrokenPipe))
    })
}
