//! The administrator's commands: users, API tokens, the audit check, backup and restore.

use crate::import_cmd::open;
use anyhow::{bail, Context};
use clap::{Subcommand, ValueEnum};
use shishi_core::{find_unit, Login, Role, UnitId};
use shishi_store::{Actor, NewUser, Store, StoreError};
use shishi_web::password::{self, Password};
use std::io::BufRead;
use std::path::{Path, PathBuf};

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a user; the password is read from the first line of standard input.
    Add {
        #[arg(long)]
        login: String,
        #[arg(long, value_enum)]
        role: RoleArg,
        /// The user's unit (区教育局); created in the registry when new. Required for
        /// reporters and unit heads, who act for their unit.
        #[arg(long)]
        unit: Option<String>,
        /// The name shown for the user; the login when left out.
        #[arg(long)]
        name: Option<String>,
        /// Where the user's reminders are e-mailed (when the server has SMTP configured).
        #[arg(long)]
        email: Option<String>,
        /// Read the password from standard input (the only way: a password on the command
        /// line would show in the process list and the shell's history).
        #[arg(long, required = true)]
        password_stdin: bool,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RoleArg {
    /// 督查管理员: runs the plan.
    Admin,
    /// 区领导: reads everything, comments.
    Leader,
    /// 单位负责人: approves the unit's reports.
    #[value(name = "unit_head", alias = "unit-head")]
    UnitHead,
    /// 填报员: reports for the unit's targets.
    Reporter,
    /// 人大代表: reads everything, comments.
    Deputy,
}

impl From<RoleArg> for Role {
    fn from(role: RoleArg) -> Self {
        match role {
            RoleArg::Admin => Role::Admin,
            RoleArg::Leader => Role::Leader,
            RoleArg::UnitHead => Role::UnitHead,
            RoleArg::Reporter => Role::Reporter,
            RoleArg::Deputy => Role::Deputy,
        }
    }
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create an API token for a user; printed once, alone on the last line, and stored only
    /// as a hash.
    Create {
        #[arg(long)]
        login: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Check the whole hash chain: prints `ok N events`, or names the first event that does
    /// not verify and exits 1.
    Verify,
}

/// `audit verify` found a broken chain: reported on stdout, exit status 1.
#[derive(Debug)]
pub struct AuditBroken;

impl std::fmt::Display for AuditBroken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the audit chain does not verify")
    }
}

impl std::error::Error for AuditBroken {}

pub async fn user(db: &str, command: UserCommand) -> anyhow::Result<()> {
    let UserCommand::Add {
        login,
        role,
        unit,
        name,
        email,
        password_stdin: _,
    } = command;
    // Everything the input can be wrong about is checked before anything is written.
    let login = Login::parse(&login)?;
    let role = Role::from(role);
    if matches!(role, Role::Reporter | Role::UnitHead) && unit.is_none() {
        bail!("a {} acts for a unit: give --unit", role_word(role));
    }
    if let Some(address) = &email {
        if !shishi_store::valid_email(address.trim()) {
            bail!("--email {address:?} is not an e-mail address");
        }
    }
    let password = read_password()?;
    let password_hash = password::hash(password).await?;
    let store = open(db).await?;
    let result = add_user(&store, login, role, unit, name, email, password_hash).await;
    store.close().await;
    result
}

async fn add_user(
    store: &Store,
    login: Login,
    role: Role,
    unit: Option<String>,
    name: Option<String>,
    email: Option<String>,
    password_hash: String,
) -> anyhow::Result<()> {
    if store.account_by_login(&login).await?.is_some() {
        bail!("login {login} is taken");
    }
    let unit = match unit {
        Some(name) => Some(unit_named(store, &name).await?),
        None => None,
    };
    let user = store
        .add_user(
            Actor::System,
            NewUser {
                name: name.unwrap_or_else(|| login.to_string()),
                login,
                role,
                unit,
                password_hash,
            },
        )
        .await?;
    if email.is_some() {
        store.set_user_email(Actor::System, user.id, email).await?;
    }
    println!("added user {} ({})", user.login, role_word(role));
    println!("{}", user.id);
    Ok(())
}

/// The unit of the registry `name` names, read as each stored plan reads its units (so
/// 海州区教育局 finds the 区教育局 of a Haizhou plan); created when there is none, so a later
/// notice naming it finds it.
async fn unit_named(store: &Store, name: &str) -> anyhow::Result<UnitId> {
    let units = store.units().await?;
    let mut places = Vec::new();
    for plan in store.plans().await? {
        if let Some(place) = store.plan(plan.id()).await?.meta.place {
            places.push(place);
        }
    }
    let found = places
        .iter()
        .map(|place| Some(place.as_str()))
        .chain([None])
        .find_map(|place| find_unit(&units, name, place));
    match found {
        Some(unit) => Ok(unit.id),
        None => Ok(store.add_unit(Actor::System, name, Vec::new()).await?.id),
    }
}

fn role_word(role: Role) -> &'static str {
    match role {
        Role::Admin => "admin",
        Role::Leader => "leader",
        Role::UnitHead => "unit head",
        Role::Reporter => "reporter",
        Role::Deputy => "deputy",
    }
}

/// The first line of standard input, without its line ending.
fn read_password() -> anyhow::Result<Password> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("cannot read the password from standard input")?;
    let password = line.trim_end_matches(['\n', '\r']).to_owned();
    Password::new(password).context("no password on standard input")
}

pub async fn token(db: &str, command: TokenCommand) -> anyhow::Result<()> {
    let TokenCommand::Create { login } = command;
    let login = Login::parse(&login)?;
    let store = open(db).await?;
    let result = async {
        let account = store
            .account_by_login(&login)
            .await?
            .with_context(|| format!("no user with login {login}"))?;
        let token = store
            .create_api_token(Actor::System, account.user.id)
            .await?;
        println!("token for {login} (shown once; only its hash is stored):");
        println!("{}", token.secret);
        anyhow::Ok(())
    }
    .await;
    store.close().await;
    result
}

pub async fn audit(db: &str, command: AuditCommand) -> anyhow::Result<()> {
    let AuditCommand::Verify = command;
    let store = open(db).await?;
    let result = verify(&store).await;
    store.close().await;
    result
}

async fn verify(store: &Store) -> anyhow::Result<()> {
    match store.verify_audit().await {
        Ok(events) => {
            println!("ok {events} events");
            Ok(())
        }
        Err(StoreError::AuditBreak { seq }) => {
            let before = i64::try_from(seq).unwrap_or(i64::MAX).saturating_sub(1);
            let described = match store.audit_events(before, 1).await?.first() {
                Some(event) => format!(
                    " ({} {} {} by {} at {})",
                    event.action, event.entity, event.entity_id, event.actor, event.at
                ),
                None => " (missing)".to_owned(),
            };
            println!("broken: event {seq}{described} does not verify");
            Err(AuditBroken.into())
        }
        Err(other) => Err(other.into()),
    }
}

pub async fn backup(db: &str, file: &Path) -> anyhow::Result<()> {
    let store = open(db).await?;
    let result = store.backup(file).await;
    store.close().await;
    result.with_context(|| format!("no backup written to {}", file.display()))?;
    println!("backup written to {}", file.display());
    Ok(())
}

pub async fn restore(db: &str, file: &Path) -> anyhow::Result<()> {
    let database = sqlite_path(db)?;
    if !file.is_file() {
        bail!("{} is not a backup file", file.display());
    }
    let events = Store::restore_sqlite(file, &database)
        .await
        .with_context(|| format!("{} was not restored", file.display()))?;
    println!(
        "restored {} into {}: {events} audit events verified",
        file.display(),
        database.display()
    );
    Ok(())
}

/// The file of a `sqlite://` URL. PostgreSQL is restored with its own tools.
fn sqlite_path(db: &str) -> anyhow::Result<PathBuf> {
    let Some(rest) = db
        .strip_prefix("sqlite://")
        .or_else(|| db.strip_prefix("sqlite:"))
    else {
        bail!("restore is for SQLite databases; restore PostgreSQL with pg_restore");
    };
    let path = rest.split('?').next().unwrap_or(rest);
    if path.is_empty() {
        bail!("the database URL {db:?} names no file");
    }
    Ok(PathBuf::from(path))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn a_sqlite_url_names_its_file_and_postgres_is_refused() {
        assert_eq!(
            sqlite_path("sqlite:///tmp/a.db?mode=rwc").unwrap(),
            PathBuf::from("/tmp/a.db")
        );
        assert_eq!(sqlite_path("sqlite:a.db").unwrap(), PathBuf::from("a.db"));
        assert!(sqlite_path("postgres://x/y").is_err());
    }
}
