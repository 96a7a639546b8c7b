//! Who is asking: the `Authorization: Bearer TOKEN` header turned into a user, or the public.

use crate::error::ApiError;
use crate::AppState;
use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use shishi_core::User;

/// The signed-in user, or `None` for the public. A request without the header is the
/// public's; one with a header that does not hold a valid token is refused (401) rather than
/// quietly shown the public view, so a client with an expired token notices.
#[derive(Debug, Clone)]
pub struct Caller(pub Option<User>);

impl Caller {
    pub fn user(&self) -> Option<&User> {
        self.0.as_ref()
    }

    /// The user, or 401 for the public.
    pub fn signed_in(&self) -> Result<&User, ApiError> {
        self.0.as_ref().ok_or(ApiError::Unauthorized)
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let Some(header) = parts.headers.get(AUTHORIZATION) else {
            return Ok(Caller(None));
        };
        let token = header
            .to_str()
            .ok()
            .and_then(|value| value.strip_prefix("Bearer "))
            .map(str::trim)
            .ok_or(ApiError::Unauthorized)?;
        match state.store.user_by_token(token).await? {
            Some(user) => Ok(Caller(Some(user))),
            None => Err(ApiError::Unauthorized),
        }
    }
}
