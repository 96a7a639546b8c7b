//! Passwords: argon2id hashes in PHC strings, computed off the async executor (a hash takes
//! tens of milliseconds of CPU on purpose, which would stall every request sharing the
//! thread).

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use std::fmt;

/// A password as typed: hidden from `Debug`, so it never reaches a log.
#[derive(Clone)]
pub struct Password(String);

impl Password {
    /// Refuses an empty password; what else makes one good enough is the caller's policy.
    pub fn new(password: String) -> Result<Self, PasswordError> {
        if password.is_empty() {
            Err(PasswordError::Empty)
        } else {
            Ok(Self(password))
        }
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(…)")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    #[error("the password is empty")]
    Empty,
    #[error("no random salt: {0}")]
    Random(String),
    #[error("hashing failed: {0}")]
    Hash(String),
    #[error("the hashing task stopped: {0}")]
    Task(#[from] tokio::task::JoinError),
}

/// The argon2id hash of `password` with a fresh random salt, as a PHC string.
pub async fn hash(password: Password) -> Result<String, PasswordError> {
    tokio::task::spawn_blocking(move || {
        let mut salt = [0u8; 16];
        getrandom::getrandom(&mut salt).map_err(|e| PasswordError::Random(e.to_string()))?;
        let salt = SaltString::encode_b64(&salt).map_err(|e| PasswordError::Hash(e.to_string()))?;
        Argon2::default()
            .hash_password(password.0.as_bytes(), &salt)
            .map(|hash| hash.to_string())
            .map_err(|e| PasswordError::Hash(e.to_string()))
    })
    .await?
}

/// Whether `password` matches the stored PHC string. A string that is not a hash at all
/// matches nothing.
pub async fn verify(password: Password, phc: String) -> Result<bool, PasswordError> {
    Ok(tokio::task::spawn_blocking(move || {
        PasswordHash::new(&phc)
            .map(|parsed| {
                Argon2::default()
                    .verify_password(password.0.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await?)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[tokio::test]
    async fn a_hash_is_argon2id_and_verifies_only_its_own_password() {
        let phc = hash(Password::new("秘密 secret".into()).unwrap())
            .await
            .unwrap();
        assert!(phc.starts_with("$argon2id$"));
        assert!(
            verify(Password::new("秘密 secret".into()).unwrap(), phc.clone())
                .await
                .unwrap()
        );
        assert!(!verify(Password::new("guess".into()).unwrap(), phc)
            .await
            .unwrap());
        assert!(
            !verify(Password::new("x".into()).unwrap(), "not a hash".into())
                .await
                .unwrap()
        );
    }

    #[test]
    fn an_empty_password_is_refused_and_a_password_never_prints() {
        assert!(Password::new(String::new()).is_err());
        assert_eq!(
            format!("{:?}", Password::new("abc".into()).unwrap()),
            "Password(…)"
        );
    }
}
