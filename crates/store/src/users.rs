//! Users, their sign-in records and their API tokens (stored only as hashes).

use crate::audit::{self, now_rfc3339, sm3_hex, Actor, Change};
use crate::error::{Result, StoreError};
use crate::sql::{args, Tx};
use crate::{units, Store};
use shishi_core::{Login, Role, UnitId, User, UserId};
use std::fmt;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// A user to add. The password is hashed by the caller (argon2id lives in the web layer, off
/// the async executor); the store keeps the PHC string as given.
#[derive(Clone)]
pub struct NewUser {
    pub login: Login,
    pub name: String,
    pub role: Role,
    pub unit: Option<UnitId>,
    pub password_hash: String,
}

impl fmt::Debug for NewUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewUser")
            .field("login", &self.login)
            .field("name", &self.name)
            .field("role", &self.role)
            .field("unit", &self.unit)
            .finish_non_exhaustive()
    }
}

/// A user with what signing in needs.
#[derive(Clone, PartialEq, Eq)]
pub struct Account {
    pub user: User,
    pub password_hash: String,
    pub failed_logins: u32,
    pub locked_until: Option<OffsetDateTime>,
}

impl fmt::Debug for Account {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Account")
            .field("user", &self.user)
            .field("failed_logins", &self.failed_logins)
            .field("locked_until", &self.locked_until)
            .finish_non_exhaustive()
    }
}

/// A new API token: `secret` is shown to the user once and never stored.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiToken {
    pub id: i64,
    pub secret: String,
}

impl fmt::Debug for ApiToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiToken")
            .field("id", &self.id)
            .field("secret", &"…")
            .finish()
    }
}

/// Tokens start with this, so a leaked one is recognisable (in logs, by secret scanners).
const TOKEN_PREFIX: &str = "shishi_";

pub(crate) fn role_name(role: Role) -> &'static str {
    match role {
        Role::Admin => "admin",
        Role::Leader => "leader",
        Role::UnitHead => "unit_head",
        Role::Reporter => "reporter",
        Role::Deputy => "deputy",
    }
}

fn parse_role(name: &str) -> Result<Role> {
    Ok(match name {
        "admin" => Role::Admin,
        "leader" => Role::Leader,
        "unit_head" => Role::UnitHead,
        "reporter" => Role::Reporter,
        "deputy" => Role::Deputy,
        other => return Err(StoreError::Corrupt(format!("role {other:?}"))),
    })
}

#[derive(Debug, sqlx::FromRow)]
pub(crate) struct UserRow {
    id: i64,
    login: String,
    name: String,
    role: String,
    unit: Option<i64>,
    password_hash: String,
    failed_logins: i64,
    locked_until: Option<String>,
}

pub(crate) const USER_COLUMNS: &str =
    "u.id, u.login, u.name, u.role, u.unit, u.password_hash, u.failed_logins, u.locked_until";

impl UserRow {
    pub(crate) fn into_account(self) -> Result<Account> {
        let locked_until = self
            .locked_until
            .as_deref()
            .map(|t| OffsetDateTime::parse(t, &Rfc3339))
            .transpose()
            .map_err(|e| StoreError::Corrupt(format!("locked_until: {e}")))?;
        Ok(Account {
            user: User {
                id: UserId::new(self.id),
                login: Login::parse(&self.login)?,
                name: self.name,
                role: parse_role(&self.role)?,
                unit: self.unit.map(UnitId::new),
            },
            password_hash: self.password_hash,
            failed_logins: u32::try_from(self.failed_logins).unwrap_or(u32::MAX),
            locked_until,
        })
    }
}

pub(crate) async fn account_by_id(tx: &mut Tx, id: UserId) -> Result<Account> {
    let sql = format!("select {USER_COLUMNS} from users u where u.id = $1");
    let row: Option<UserRow> = tx.fetch_optional(&sql, args![id.get()]).await?;
    row.ok_or_else(|| StoreError::NotFound(format!("user {id}")))?
        .into_account()
}

/// 32 random bytes from the operating system, as hex: a secret no one can guess.
pub(crate) fn random_hex() -> Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::getrandom(&mut bytes).map_err(|e| StoreError::Io(std::sync::Arc::new(e.into())))?;
    Ok(hex::encode(bytes))
}

fn random_secret() -> Result<String> {
    Ok(format!("{TOKEN_PREFIX}{}", random_hex()?))
}

fn token_hash(secret: &str) -> String {
    sm3_hex([secret.as_bytes()])
}

impl Store {
    /// Adds a user; a conflict when the login is taken, not found when the unit is unknown.
    pub async fn add_user(&self, actor: Actor, new: NewUser) -> Result<User> {
        self.writer
            .write(move |tx| {
                Box::pin(async move {
                    if let Some(unit) = new.unit {
                        units::get(tx, unit).await?;
                    }
                    let taken: Option<(i64,)> = tx
                        .fetch_optional(
                            "select id from users where login = $1",
                            args![new.login.as_str()],
                        )
                        .await?;
                    if taken.is_some() {
                        return Err(StoreError::Conflict(format!(
                            "login {} is taken",
                            new.login
                        )));
                    }
                    let id = tx
                        .insert(
                            "insert into users (login, name, role, unit, password_hash) \
                             values ($1, $2, $3, $4, $5) returning id",
                            args![
                                new.login.as_str(),
                                &new.name,
                                role_name(new.role),
                                new.unit.map(UnitId::get),
                                &new.password_hash
                            ],
                        )
                        .await?;
                    let user = User {
                        id: UserId::new(id),
                        login: new.login,
                        name: new.name,
                        role: new.role,
                        unit: new.unit,
                    };
                    audit::record(tx, actor, Change::new("create", "user", id).after(&user)?)
                        .await?;
                    Ok(user)
                })
            })
            .await
    }

    /// The account for a login, to check a password against.
    pub async fn account_by_login(&self, login: &Login) -> Result<Option<Account>> {
        let mut tx = self.backend.read().await?;
        let sql = format!("select {USER_COLUMNS} from users u where u.login = $1");
        let row = tx
            .fetch_optional::<UserRow>(&sql, args![login.as_str()])
            .await;
        tx.commit().await?;
        row?.map(UserRow::into_account).transpose()
    }

    pub async fn user(&self, id: UserId) -> Result<User> {
        let mut tx = self.backend.read().await?;
        let account = account_by_id(&mut tx, id).await;
        tx.commit().await?;
        Ok(account?.user)
    }

    /// Records a failed sign-in, and the lock the caller decided on (the policy is not the
    /// store's). The number of failures since the last success.
    pub async fn record_failed_login(
        &self,
        user: UserId,
        locked_until: Option<OffsetDateTime>,
    ) -> Result<u32> {
        let locked = locked_until
            .map(|t| t.format(&Rfc3339))
            .transpose()
            .map_err(|e| StoreError::Invalid(format!("locked_until: {e}")))?;
        self.writer
            .write(move |tx| {
                Box::pin(async move {
                    let before = account_by_id(tx, user).await?;
                    tx.execute(
                        "update users set failed_logins = failed_logins + 1, locked_until = $1 \
                         where id = $2",
                        args![locked.clone(), user.get()],
                    )
                    .await?;
                    let failed = before.failed_logins.saturating_add(1);
                    let event = Change::new("login_failed", "user", user).after(
                        &serde_json::json!({"failed_logins": failed, "locked_until": locked}),
                    )?;
                    audit::record(tx, Actor::User(user), event).await?;
                    Ok(failed)
                })
            })
            .await
    }

    /// Clears the failure count and any lock after a good sign-in. Written only when there
    /// is something to clear, so an ordinary sign-in costs no write.
    pub async fn record_successful_login(&self, user: UserId) -> Result<()> {
        self.writer
            .write(move |tx| {
                Box::pin(async move {
                    let before = account_by_id(tx, user).await?;
                    if before.failed_logins == 0 && before.locked_until.is_none() {
                        return Ok(());
                    }
                    tx.execute(
                        "update users set failed_logins = 0, locked_until = null where id = $1",
                        args![user.get()],
                    )
                    .await?;
                    let event = Change::new("login_reset", "user", user)
                        .after(&serde_json::json!({"failed_logins": 0}))?;
                    audit::record(tx, Actor::User(user), event).await?;
                    Ok(())
                })
            })
            .await
    }

    /// A new API token for `user`: a random 32-byte secret, of which only the SM3 hash is
    /// stored. The secret is in the answer and nowhere else.
    pub async fn create_api_token(&self, actor: Actor, user: UserId) -> Result<ApiToken> {
        let secret = random_secret()?;
        let hash = token_hash(&secret);
        let id = self
            .writer
            .write(move |tx| {
                Box::pin(async move {
                    account_by_id(tx, user).await?;
                    let id = tx
                        .insert(
                            "insert into api_tokens (user_id, token_hash, created) \
                             values ($1, $2, $3) returning id",
                            args![user.get(), hash, now_rfc3339()?],
                        )
                        .await?;
                    let event = Change::new("create", "api_token", id)
                        .after(&serde_json::json!({"user": user}))?;
                    audit::record(tx, actor, event).await?;
                    Ok(id)
                })
            })
            .await?;
        Ok(ApiToken { id, secret })
    }

    /// The user a token belongs to, if it is one the store gave out.
    pub async fn user_by_token(&self, secret: &str) -> Result<Option<User>> {
        if !secret.starts_with(TOKEN_PREFIX) {
            return Ok(None);
        }
        let mut tx = self.backend.read().await?;
        let sql = format!(
            "select {USER_COLUMNS} from users u join api_tokens t on t.user_id = u.id \
             where t.token_hash = $1"
        );
        let row = tx
            .fetch_optional::<UserRow>(&sql, args![token_hash(secret)])
            .await;
        tx.commit().await?;
        Ok(row?.map(UserRow::into_account).transpose()?.map(|a| a.user))
    }
}
