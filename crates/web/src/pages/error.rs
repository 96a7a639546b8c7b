//! The pages' one error type and its adapter: every failure becomes an HTML page in Chinese
//! with the right status. Causes of 5xx are logged, never shown.

use super::chrome::Chrome;
use askama::Template;
use askama_web::WebTemplate;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use shishi_core::Denied;
use shishi_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub(crate) enum PageError {
    /// Not signed in where one must be: to the sign-in page, then back to `next`.
    #[error("sign-in needed")]
    SignIn { next: String },
    #[error("forbidden: {0}")]
    Forbidden(Denied),
    /// A form posted without its CSRF token, or with another session's.
    #[error("the form's token is missing or stale")]
    StaleForm,
    #[error("{0} not found")]
    NotFound(String),
    /// What was sent cannot be used; the message says why, in Chinese.
    #[error("{0}")]
    BadRequest(String),
    /// The thing is not in a state that allows it (a report already approved).
    #[error("{0}")]
    Conflict(String),
    /// The public's budget for this kind of post is used up for now (see `abuse`).
    #[error("too many posts from one address")]
    TooMany(crate::abuse::TooMany),
    /// A form body over the route's limit (a public form's `PUBLIC_FORM_LIMIT`); nothing of it
    /// was read or stored.
    #[error("the form is too large")]
    TooLarge,
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl PageError {
    pub(crate) fn internal(error: impl std::error::Error + Send + Sync + 'static) -> Self {
        PageError::Internal(Box::new(error))
    }

    fn status(&self) -> StatusCode {
        match self {
            PageError::SignIn { .. } => StatusCode::SEE_OTHER,
            PageError::Forbidden(_) | PageError::StaleForm => StatusCode::FORBIDDEN,
            PageError::NotFound(_) => StatusCode::NOT_FOUND,
            PageError::BadRequest(_) => StatusCode::BAD_REQUEST,
            PageError::Conflict(_) => StatusCode::CONFLICT,
            PageError::TooMany(_) => StatusCode::TOO_MANY_REQUESTS,
            PageError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            PageError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The heading and the sentence a person reads.
    fn words(&self) -> (&'static str, String) {
        match self {
            PageError::SignIn { .. } | PageError::Forbidden(Denied::NotSignedIn) => {
                ("请先登录", "此页面需要登录后查看。".to_owned())
            }
            PageError::Forbidden(_) => ("无权访问", "您的账号无权查看或办理此事项。".to_owned()),
            PageError::StaleForm => (
                "表单已失效",
                "表单已失效，请刷新页面后重试。（为防止跨站伪造请求，每个表单都带有校验码。）"
                    .to_owned(),
            ),
            PageError::NotFound(_) => ("未找到", "您要找的页面或事项不存在。".to_owned()),
            PageError::BadRequest(message) => ("无法办理", message.clone()),
            PageError::Conflict(message) => ("无法办理", message.clone()),
            PageError::TooMany(too_many) => (
                "提交过于频繁",
                format!(
                    "同一网络地址短时间内提交过多，请约 {} 分钟后再试。已提交的内容不受影响。",
                    too_many.retry_after.as_secs().div_ceil(60).max(1)
                ),
            ),
            PageError::TooLarge => (
                "提交的内容过长",
                "提交的内容超过了允许的大小，没有保存。请删减后再提交。".to_owned(),
            ),
            PageError::Internal(_) => (
                "系统错误",
                "服务器出了问题，您的操作没有完成。请稍后再试；如仍不行，请联系管理员。".to_owned(),
            ),
        }
    }
}

impl From<StoreError> for PageError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound(what) => PageError::NotFound(what),
            StoreError::Conflict(why) => PageError::Conflict(why),
            StoreError::Domain(e) => PageError::BadRequest(e.to_string()),
            StoreError::Invalid(why) => PageError::BadRequest(why),
            other => PageError::internal(other),
        }
    }
}

impl From<Denied> for PageError {
    fn from(denied: Denied) -> Self {
        PageError::Forbidden(denied)
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "error.html")]
struct ErrorPage {
    chrome: Chrome,
    heading: &'static str,
    message: String,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        if let PageError::SignIn { next } = &self {
            return Redirect::to(&super::paths::login_then(next)).into_response();
        }
        if let PageError::Internal(cause) = &self {
            tracing::error!(error = %cause, "a page failed");
        }
        let (heading, message) = self.words();
        let page = ErrorPage {
            chrome: Chrome::bare(heading),
            heading,
            message,
        };
        let retry_after = match &self {
            PageError::TooMany(too_many) => Some(too_many.retry_after.as_secs().max(1)),
            _ => None,
        };
        let mut response = (self.status(), page).into_response();
        if let Some(seconds) = retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from(seconds));
        }
        response.headers_mut().insert(
            header::CACHE_CONTROL,
            header::HeaderValue::from_static("no-store"),
        );
        response
    }
}
