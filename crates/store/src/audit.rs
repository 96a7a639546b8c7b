//! The audit log: every change as an event (who, when, before, after) in an SM3 hash chain.
//!
//! Each event's hash is SM3(previous event's hash ‖ the event's canonical content), hex
//! encoded; the first event links to a hash of zeros. Changing, removing or reordering any
//! event breaks the chain from that event on, which `verify` names.

use crate::error::{Result, StoreError};
use crate::sql::{args, Tx};
use serde::Serialize;
use shishi_core::UserId;
use sm3::{Digest, Sm3};

/// What the first event links to.
const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Who made a change: a signed-in user, someone of the public who is not signed in (a
/// message, a proposal), or the system itself (an import from the command line, a migration
/// of data).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    User(UserId),
    Public,
    System,
}

impl Actor {
    pub(crate) fn as_text(self) -> String {
        match self {
            Actor::User(id) => format!("user:{id}"),
            Actor::Public => "public".to_owned(),
            Actor::System => "system".to_owned(),
        }
    }

    /// The signed-in user behind the change, if any.
    pub(crate) fn user(self) -> Option<UserId> {
        match self {
            Actor::User(id) => Some(id),
            Actor::Public | Actor::System => None,
        }
    }
}

/// One event as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AuditEvent {
    pub seq: i64,
    pub actor: String,
    /// RFC 3339, UTC.
    pub at: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    /// JSON of the entity before the change; none for a creation.
    pub before: Option<String>,
    /// JSON of the entity after the change; none for a deletion.
    pub after: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

impl AuditEvent {
    /// The bytes the hash covers besides the previous hash: every field but the hashes, as
    /// a JSON array, so no field can bleed into the next.
    fn canonical_content(&self) -> Result<String> {
        Ok(serde_json::to_string(&(
            self.seq,
            &self.actor,
            &self.at,
            &self.action,
            &self.entity,
            &self.entity_id,
            &self.before,
            &self.after,
        ))?)
    }

    fn computed_hash(&self) -> Result<String> {
        Ok(sm3_hex([
            self.prev_hash.as_bytes(),
            self.canonical_content()?.as_bytes(),
        ]))
    }
}

/// SM3 of the parts one after another, as lowercase hex.
pub(crate) fn sm3_hex<'a>(parts: impl IntoIterator<Item = &'a [u8]>) -> String {
    let mut hasher = Sm3::new();
    for part in parts {
        hasher.update(part);
    }
    hex::encode(hasher.finalize())
}

/// The change an event records: what it did to which entity, and the entity around it.
#[derive(Debug)]
pub(crate) struct Change<'a> {
    pub action: &'a str,
    pub entity: &'a str,
    pub entity_id: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

impl<'a> Change<'a> {
    pub(crate) fn new(action: &'a str, entity: &'a str, entity_id: impl ToString) -> Self {
        Self {
            action,
            entity,
            entity_id: entity_id.to_string(),
            before: None,
            after: None,
        }
    }

    pub(crate) fn before(mut self, value: &impl Serialize) -> Result<Self> {
        self.before = Some(serde_json::to_string(value)?);
        Ok(self)
    }

    pub(crate) fn after(mut self, value: &impl Serialize) -> Result<Self> {
        self.after = Some(serde_json::to_string(value)?);
        Ok(self)
    }
}

/// Appends the event for `change` inside `tx`, the transaction that makes the change, so
/// the change and its record are committed together or not at all.
pub(crate) async fn record(tx: &mut Tx, actor: Actor, change: Change<'_>) -> Result<()> {
    let last: Option<(i64, String)> = tx
        .fetch_optional(
            "select seq, hash from audit_events order by seq desc limit 1",
            args![],
        )
        .await?;
    let (prev_seq, prev_hash) = last.unwrap_or((0, GENESIS.to_owned()));
    let mut event = AuditEvent {
        seq: prev_seq + 1,
        actor: actor.as_text(),
        at: now_rfc3339()?,
        action: change.action.to_owned(),
        entity: change.entity.to_owned(),
        entity_id: change.entity_id,
        before: change.before,
        after: change.after,
        prev_hash,
        hash: String::new(),
    };
    event.hash = event.computed_hash()?;
    tx.execute(
        "insert into audit_events \
         (seq, actor, at, action, entity, entity_id, before, after, prev_hash, hash) \
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        args![
            event.seq,
            event.actor,
            event.at,
            event.action,
            event.entity,
            event.entity_id,
            event.before,
            event.after,
            event.prev_hash,
            event.hash,
        ],
    )
    .await?;
    Ok(())
}

pub(crate) fn now_rfc3339() -> Result<String> {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .map_err(|e| StoreError::Invalid(format!("the clock cannot be written: {e}")))
}

/// How many events are read at a time while verifying, so a long log never sits in memory.
const VERIFY_PAGE: i64 = 5000;

/// Walks the whole chain: numbers without gaps from 1, each event linked to the one before,
/// each hash recomputed. The number of events, or the first event that does not hold.
pub(crate) async fn verify(tx: &mut Tx) -> Result<u64> {
    let mut expected_seq: i64 = 1;
    let mut prev_hash = GENESIS.to_owned();
    loop {
        let page: Vec<AuditEvent> = tx
            .fetch_all(
                "select seq, actor, at, action, entity, entity_id, before, after, prev_hash, hash \
                 from audit_events where seq >= $1 order by seq limit $2",
                args![expected_seq, VERIFY_PAGE],
            )
            .await?;
        if page.is_empty() {
            return Ok(u64::try_from(expected_seq - 1).unwrap_or(0));
        }
        for event in page {
            let seq = u64::try_from(expected_seq).unwrap_or(0);
            // A missing event shows as a gap: the next one stored is not the next number.
            if event.seq != expected_seq
                || event.prev_hash != prev_hash
                || event.computed_hash()? != event.hash
            {
                return Err(StoreError::AuditBreak { seq });
            }
            prev_hash = event.hash;
            expected_seq += 1;
        }
    }
}

/// Events from `after_seq` on, oldest first: for the audit pages and the command line.
pub(crate) async fn events(tx: &mut Tx, after_seq: i64, limit: i64) -> Result<Vec<AuditEvent>> {
    tx.fetch_all(
        "select seq, actor, at, action, entity, entity_id, before, after, prev_hash, hash \
         from audit_events where seq > $1 order by seq limit $2",
        args![after_seq, limit],
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sm3_of_abc_is_the_standards_example() {
        // GB/T 32905-2016, example 1.
        assert_eq!(
            sm3_hex([b"abc".as_slice()]),
            "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
        );
    }

    #[test]
    fn an_events_hash_changes_with_any_field() {
        let event = AuditEvent {
            seq: 1,
            actor: "system".into(),
            at: "2020-06-20T00:00:00Z".into(),
            action: "create".into(),
            entity: "unit".into(),
            entity_id: "1".into(),
            before: None,
            after: Some("{}".into()),
            prev_hash: GENESIS.into(),
            hash: String::new(),
        };
        let hash = event.computed_hash().unwrap();
        let mut other = event.clone();
        other.after = Some("{ }".into());
        assert_ne!(other.computed_hash().unwrap(), hash);
        let mut moved = event.clone();
        moved.entity = "unit1".into();
        moved.entity_id = String::new();
        assert_ne!(moved.computed_hash().unwrap(), hash);
    }
}
