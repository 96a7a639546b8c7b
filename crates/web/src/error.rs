//! The one error type of the web layer, and the one adapter that turns it into a JSON
//! response. Causes of 5xx are logged here and never sent: the client learns that the
//! server failed, not how.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use shishi_core::Denied;
use shishi_store::StoreError;
use utoipa::ToSchema;

/// Why a request failed.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// No valid token where one is needed, or a token that is not one the store gave out.
    #[error("a valid API token is needed (Authorization: Bearer …)")]
    Unauthorized,
    #[error("forbidden: {0}")]
    Forbidden(Denied),
    #[error("{0} not found")]
    NotFound(String),
    /// The body is not JSON at all.
    #[error("{0}")]
    BadRequest(String),
    /// The body is JSON but some fields are wrong: each named with what is wrong.
    #[error("the request has invalid fields")]
    Invalid(Vec<FieldError>),
    /// The request is well formed but the thing is not in a state that allows it.
    #[error("{0}")]
    Conflict(String),
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// One field of the request and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct FieldError {
    /// The field's name in the request (`period`, `value`), or `date` for a query parameter.
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: &str, message: impl Into<String>) -> Self {
        Self {
            field: field.to_owned(),
            message: message.into(),
        }
    }
}

/// The body of every error response.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// A stable code: `unauthorized`, `forbidden`, `not_found`, `bad_request`,
    /// `invalid_fields`, `conflict`, `internal`.
    pub error: &'static str,
    /// For a person reading it.
    pub message: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldError>,
}

impl ApiError {
    fn status(&self) -> StatusCode {
        match self {
            ApiError::Unauthorized | ApiError::Forbidden(Denied::NotSignedIn) => {
                StatusCode::UNAUTHORIZED
            }
            ApiError::Forbidden(_) => StatusCode::FORBIDDEN,
            ApiError::NotFound(_) => StatusCode::NOT_FOUND,
            ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ApiError::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            ApiError::Conflict(_) => StatusCode::CONFLICT,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn code(&self) -> &'static str {
        match self.status() {
            StatusCode::UNAUTHORIZED => "unauthorized",
            StatusCode::FORBIDDEN => "forbidden",
            StatusCode::NOT_FOUND => "not_found",
            StatusCode::BAD_REQUEST => "bad_request",
            StatusCode::UNPROCESSABLE_ENTITY => "invalid_fields",
            StatusCode::CONFLICT => "conflict",
            _ => "internal",
        }
    }

    pub fn field(field: &str, message: impl Into<String>) -> Self {
        ApiError::Invalid(vec![FieldError::new(field, message)])
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        if let ApiError::Internal(cause) = &self {
            tracing::error!(error = %chain(cause.as_ref()), "request failed");
        }
        let body = ErrorBody {
            error: self.code(),
            message: self.to_string(),
            fields: match self {
                ApiError::Invalid(fields) => fields,
                _ => Vec::new(),
            },
        };
        (status, Json(body)).into_response()
    }
}

/// An error and its causes on one line, for the log.
fn chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(inner) = cause {
        text.push_str(": ");
        text.push_str(&inner.to_string());
        cause = inner.source();
    }
    text
}

impl From<Denied> for ApiError {
    fn from(denied: Denied) -> Self {
        ApiError::Forbidden(denied)
    }
}

impl From<shishi_core::Error> for ApiError {
    fn from(error: shishi_core::Error) -> Self {
        use shishi_core::Error as E;
        match error {
            E::Denied(denied) => ApiError::Forbidden(denied),
            E::IllegalTransition { .. } => ApiError::Conflict(error.to_string()),
            E::EmptyProgress => ApiError::field("progress", error.to_string()),
            E::EmptyReason => ApiError::field("reason", error.to_string()),
            E::ActualDoesNotFitTarget => ApiError::field("value", error.to_string()),
            E::InvalidPeriod { .. } => ApiError::field("period", error.to_string()),
            E::InvalidReportValue(_) => ApiError::field("value", error.to_string()),
            E::InvalidPercent(_) => ApiError::field("percent", error.to_string()),
            E::IllegalOrderTransition { .. } => ApiError::Conflict(error.to_string()),
            E::EmptyRequirement => ApiError::field("requirement", error.to_string()),
            E::EmptyAnswer => ApiError::field("answer", error.to_string()),
            E::InvalidEvidence { .. } => ApiError::field("evidence", error.to_string()),
            E::UnitNotLead => ApiError::field("unit", error.to_string()),
            E::DueBeforeIssue { .. } => ApiError::field("due_on", error.to_string()),
            // The rest concern plans and schedules, which this API does not change yet: if
            // one shows up here, stored data broke a rule, which is ours to fix.
            other => ApiError::Internal(Box::new(other)),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound(what) => ApiError::NotFound(what),
            StoreError::Conflict(message) => ApiError::Conflict(message),
            StoreError::Domain(domain) => domain.into(),
            other => ApiError::Internal(Box::new(other)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_store_failure_is_a_500_whose_cause_is_not_in_the_message() {
        let error = ApiError::from(StoreError::Corrupt("secret detail".into()));
        assert_eq!(error.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert!(!error.to_string().contains("secret"));
    }

    #[test]
    fn refusals_map_to_401_403_404_409_and_422() {
        assert_eq!(
            ApiError::from(Denied::NotSignedIn).status(),
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(
            ApiError::from(Denied::OutsideUnit).status(),
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            ApiError::from(StoreError::NotFound("target 9".into())).status(),
            StatusCode::NOT_FOUND
        );
        let illegal = shishi_core::Error::IllegalTransition {
            state: "approved",
            action: "approved",
        };
        assert_eq!(ApiError::from(illegal).status(), StatusCode::CONFLICT);
        assert_eq!(
            ApiError::from(shishi_core::Error::EmptyReason).status(),
            StatusCode::UNPROCESSABLE_ENTITY
        );
    }
}
