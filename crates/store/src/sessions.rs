//! Sign-in sessions of the web application. The cookie holds a random secret; the store keeps
//! only its SM3 hash, so a copy of the database signs no one in.

use crate::audit::{self, sm3_hex, Actor, Change};
use crate::error::{Result, StoreError};
use crate::sql::args;
use crate::users::{account_by_id, random_hex, UserRow, USER_COLUMNS};
use crate::Store;
use shishi_core::{User, UserId};
use std::fmt;
use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, UtcOffset};

/// A session just created: `secret` goes into the cookie and is stored nowhere.
#[derive(Clone, PartialEq, Eq)]
pub struct NewSession {
    pub secret: String,
    /// The token every form of the session carries back.
    pub csrf: String,
    pub expires_at: OffsetDateTime,
}

impl fmt::Debug for NewSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewSession")
            .field("secret", &"…")
            .field("csrf", &self.csrf)
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// A live session: who is signed in, as the users table has them now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub user: User,
    pub csrf: String,
    pub expires_at: OffsetDateTime,
}

#[derive(Debug, sqlx::FromRow)]
struct SessionRow {
    #[sqlx(flatten)]
    user: UserRow,
    csrf: String,
    expires_at: String,
}

fn session_hash(secret: &str) -> String {
    sm3_hex([secret.as_bytes()])
}

/// An instant as stored: UTC, whole seconds. One fixed width, so that `expires_at <= $1`
/// compares instants (with fractions of a second, "…00Z" would sort after "…00.5Z").
fn to_stored(instant: OffsetDateTime) -> Result<(OffsetDateTime, String)> {
    let utc = instant
        .to_offset(UtcOffset::UTC)
        .replace_nanosecond(0)
        .map_err(|e| StoreError::Invalid(format!("instant {instant}: {e}")))?;
    let text = utc
        .format(&Rfc3339)
        .map_err(|e| StoreError::Invalid(format!("instant {instant}: {e}")))?;
    Ok((utc, text))
}

impl Store {
    /// Signs `user` in until `now + lifetime`: a new random secret and CSRF token.
    pub async fn create_session(
        &self,
        user: UserId,
        now: OffsetDateTime,
        lifetime: time::Duration,
    ) -> Result<NewSession> {
        if !lifetime.is_positive() {
            return Err(StoreError::Invalid(format!(
                "a session lifetime of {lifetime}"
            )));
        }
        let (expires_at, expires_text) = to_stored(now + lifetime)?;
        let (_, created_text) = to_stored(now)?;
        let secret = random_hex()?;
        let csrf = random_hex()?;
        let hash = session_hash(&secret);
        let stored_csrf = csrf.clone();
        self.writer
            .write_aside(move |tx| {
                Box::pin(async move {
                    account_by_id(tx, user).await?;
                    tx.execute(
                        "insert into sessions (id_hash, user_id, csrf, created_at, expires_at) \
                         values ($1, $2, $3, $4, $5)",
                        args![hash, user.get(), stored_csrf, created_text, &expires_text],
                    )
                    .await?;
                    let event = Change::new("sign_in", "user", user)
                        .after(&serde_json::json!({"expires_at": expires_text}))?;
                    audit::record(tx, Actor::User(user), event).await?;
                    Ok(())
                })
            })
            .await?;
        Ok(NewSession {
            secret,
            csrf,
            expires_at,
        })
    }

    /// The session a cookie's secret opens; `None` when the secret is unknown or the session
    /// has expired at `now`.
    pub async fn session(&self, secret: &str, now: OffsetDateTime) -> Result<Option<Session>> {
        let mut tx = self.backend.read().await?;
        let sql = format!(
            "select {USER_COLUMNS}, s.csrf, s.expires_at from sessions s \
             join users u on u.id = s.user_id where s.id_hash = $1"
        );
        let row = tx
            .fetch_optional::<SessionRow>(&sql, args![session_hash(secret)])
            .await;
        tx.commit().await?;
        let Some(row) = row? else {
            return Ok(None);
        };
        let expires_at = OffsetDateTime::parse(&row.expires_at, &Rfc3339)
            .map_err(|e| StoreError::Corrupt(format!("session expires_at: {e}")))?;
        if now >= expires_at {
            return Ok(None);
        }
        Ok(Some(Session {
            user: row.user.into_account()?.user,
            csrf: row.csrf,
            expires_at,
        }))
    }

    /// Signs out: the session is gone whether or not it had expired. Nothing happens (and
    /// nothing is recorded) for a secret the store does not know.
    pub async fn delete_session(&self, secret: &str) -> Result<()> {
        let hash = session_hash(secret);
        self.writer
            .write_aside(move |tx| {
                Box::pin(async move {
                    let row: Option<(i64,)> = tx
                        .fetch_optional(
                            "select user_id from sessions where id_hash = $1",
                            args![&hash],
                        )
                        .await?;
                    let Some((user,)) = row else {
                        return Ok(());
                    };
                    tx.execute("delete from sessions where id_hash = $1", args![&hash])
                        .await?;
                    let user = UserId::new(user);
                    let event = Change::new("sign_out", "user", user);
                    audit::record(tx, Actor::User(user), event).await?;
                    Ok(())
                })
            })
            .await
    }

    /// Removes the sessions expired at `now`; how many. Housekeeping, not a change anyone
    /// made: these sessions already open nothing, so no audit event is written.
    pub async fn delete_expired_sessions(&self, now: OffsetDateTime) -> Result<u64> {
        let (_, now_text) = to_stored(now)?;
        self.writer
            .write_aside(move |tx| {
                Box::pin(async move {
                    tx.execute(
                        "delete from sessions where expires_at <= $1",
                        args![now_text],
                    )
                    .await
                })
            })
            .await
    }
}
