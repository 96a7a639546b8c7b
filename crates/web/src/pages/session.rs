//! Signing in and out, the `Viewer` every page handler starts from, and CSRF tokens.
//!
//! A session is a random secret in an HttpOnly, SameSite=Lax cookie; the store keeps only its
//! SM3 hash, the user and the session's CSRF token, and forgets it when it expires or the user
//! signs out. Before signing in, a visitor's forms (the sign-in form itself) carry a token
//! that must match a cookie of its own (double submit), so a foreign page cannot post them.

use super::chrome::Chrome;
use super::error::PageError;
use super::paths;
use crate::password::{self, Password};
use crate::AppState;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{FromRequestParts, Query, State};
use axum::http::header::{COOKIE, SET_COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;
use shishi_core::{check, Action, Login, Resource, Role, User};
use std::sync::OnceLock;
use time::{Duration, OffsetDateTime, UtcOffset};

const SESSION_COOKIE: &str = "shishi_session";
const VISITOR_CSRF_COOKIE: &str = "shishi_csrf";
const DISPLAY_COOKIE: &str = "shishi_display";
/// A working day: a clerk signs in once in the morning; a phone left signed in at a building
/// site does not stay so for long.
const SESSION_LIFETIME: Duration = Duration::hours(8);
/// Failures in a row that lock an account, and for how long: long enough to stop guessing,
/// short enough that a clerk who mistyped is not kept from month-end reporting for the day.
pub(crate) const FAILURES_BEFORE_LOCK: u32 = 5;
const LOCK_DURATION: Duration = Duration::minutes(15);

/// Who is looking at a page: a signed-in user or the public, with what their forms need.
#[derive(Debug, Clone)]
pub(crate) struct Viewer {
    user: Option<User>,
    /// The session's CSRF token, or the visitor's own cookie token before sign-in.
    csrf: Option<String>,
    /// Whether the request came over TLS (through a proxy that says so): cookies are then
    /// marked Secure.
    secure: bool,
    large: bool,
    /// The signed-in user's unread notices, for the header.
    unread: i64,
}

impl Viewer {
    pub(crate) fn user(&self) -> Option<&User> {
        self.user.as_ref()
    }

    /// The signed-in user, or a trip to the sign-in page and back to `here`.
    pub(crate) fn signed_in(&self, here: &str) -> Result<&User, PageError> {
        self.user.as_ref().ok_or_else(|| PageError::SignIn {
            next: here.to_owned(),
        })
    }

    /// Applies the same permission rules as the API; the public is sent to sign in first.
    pub(crate) fn require(
        &self,
        action: Action,
        resource: &Resource<'_>,
        here: &str,
    ) -> Result<&User, PageError> {
        let user = self.signed_in(here)?;
        check(Some(user), action, resource)?;
        Ok(user)
    }

    /// Everyone may read the portal; kept as a call so the rule is applied like any other.
    pub(crate) fn require_public(&self) -> Result<(), PageError> {
        check(self.user.as_ref(), Action::ViewPublic, &Resource::System)?;
        Ok(())
    }

    /// Refuses a form whose token is not this viewer's.
    pub(crate) fn check_csrf(&self, token: &str) -> Result<(), PageError> {
        match &self.csrf {
            Some(expected) if constant_time_eq(expected.as_bytes(), token.as_bytes()) => Ok(()),
            _ => Err(PageError::StaleForm),
        }
    }

    /// The frame of a page for this viewer.
    pub(crate) fn chrome(&self, title: impl Into<String>) -> Chrome {
        let mut chrome = Chrome::new(
            title,
            self.user.as_ref(),
            self.csrf.as_deref().unwrap_or(""),
            self.large,
        );
        chrome.unread = self.unread;
        chrome
    }

    /// For a page with a form the public may post: the token, and the cookie to set when the
    /// visitor has none yet.
    pub(crate) fn visitor_csrf(&self) -> Result<(String, Option<HeaderValue>), PageError> {
        if let Some(token) = &self.csrf {
            return Ok((token.clone(), None));
        }
        let token = random_token()?;
        let cookie = cookie(VISITOR_CSRF_COOKIE, &token, None, self.secure)?;
        Ok((token, Some(cookie)))
    }
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, PageError> {
        let secure = parts
            .headers
            .get("x-forwarded-proto")
            .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"https"));
        let large = cookie_value(&parts.headers, DISPLAY_COOKIE) == Some("large");
        let mut viewer = Viewer {
            user: None,
            csrf: cookie_value(&parts.headers, VISITOR_CSRF_COOKIE).map(str::to_owned),
            secure,
            large,
            unread: 0,
        };
        if let Some(secret) = cookie_value(&parts.headers, SESSION_COOKIE) {
            // An unknown or expired session is simply the public: its cookie is stale.
            if let Some(session) = state.store.session(secret, now()).await? {
                viewer.unread = state.store.unread_notices(session.user.id).await?;
                viewer.user = Some(session.user);
                viewer.csrf = Some(session.csrf);
            }
        }
        Ok(viewer)
    }
}

/// The value of cookie `name` in the request, if sent.
pub(super) fn cookie_value<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Lax, for the whole site; `max_age` none for a
/// cookie that lasts the browser's session, zero to delete.
fn cookie(
    name: &str,
    value: &str,
    max_age: Option<Duration>,
    secure: bool,
) -> Result<HeaderValue, PageError> {
    let mut text = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax");
    if let Some(age) = max_age {
        text.push_str(&format!("; Max-Age={}", age.whole_seconds().max(0)));
    }
    if secure {
        text.push_str("; Secure");
    }
    HeaderValue::from_str(&text).map_err(PageError::internal)
}

/// 32 random bytes in hex: session secrets, CSRF tokens, a browser's rater id.
pub(super) fn random_token() -> Result<String, PageError> {
    let mut bytes = [0u8; 32];
    getrandom::getrandom(&mut bytes).map_err(|e| PageError::internal(std::io::Error::other(e)))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

/// Where a user lands after signing in: supervisors and readers on the dashboard, units on
/// their own targets.
pub(crate) fn home_of(user: &User) -> &'static str {
    match user.role {
        Role::Reporter | Role::UnitHead => paths::MY_TARGETS,
        Role::Admin | Role::Leader | Role::Deputy => paths::DASHBOARD,
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "login.html")]
struct LoginPage {
    chrome: Chrome,
    next: String,
    login: String,
    error: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct LoginQuery {
    next: Option<String>,
}

/// `GET /login`.
pub(crate) async fn login_page(
    viewer: Viewer,
    Query(query): Query<LoginQuery>,
) -> Result<Response, PageError> {
    if let Some(user) = viewer.user() {
        let to = paths::safe_next(query.next.as_deref()).unwrap_or(home_of(user));
        return Ok(Redirect::to(to).into_response());
    }
    let (token, set_cookie) = viewer.visitor_csrf()?;
    let mut chrome = viewer.chrome("登录");
    chrome.csrf = token;
    let page = LoginPage {
        chrome,
        next: paths::safe_next(query.next.as_deref())
            .unwrap_or("")
            .to_owned(),
        login: String::new(),
        error: None,
    };
    let mut response = page.into_response();
    if let Some(cookie) = set_cookie {
        response.headers_mut().append(SET_COOKIE, cookie);
    }
    Ok(response)
}

#[derive(Deserialize)]
pub(crate) struct LoginForm {
    #[serde(default)]
    login: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    next: String,
}

/// `POST /login`: the password checked off the executor; five failures in a row lock the
/// account for a while, and a locked account is not even checked, so guessing stops.
pub(crate) async fn login(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<LoginForm>,
) -> Result<Response, PageError> {
    viewer.check_csrf(&form.csrf)?;
    let again = |error: String| -> Result<Response, PageError> {
        let mut chrome = viewer.chrome("登录");
        chrome.csrf = form.csrf.clone();
        Ok(LoginPage {
            chrome,
            next: form.next.clone(),
            login: form.login.clone(),
            error: Some(error),
        }
        .into_response())
    };
    const WRONG: &str = "用户名或密码错误。";
    let Ok(login) = Login::parse(&form.login) else {
        return again(WRONG.to_owned());
    };
    let Ok(typed) = Password::new(form.password.clone()) else {
        return again("请输入密码。".to_owned());
    };
    let Some(account) = state.store.account_by_login(&login).await? else {
        // Spend the time a real check takes, so an unknown login does not answer faster
        // than a known one and give the logins away.
        let _ = password::verify(typed, dummy_hash().to_owned()).await;
        return again(WRONG.to_owned());
    };
    let now = now();
    if let Some(until) = account.locked_until.filter(|until| *until > now) {
        return again(locked_message(until));
    }
    let matches = password::verify(typed, account.password_hash.clone())
        .await
        .map_err(PageError::internal)?;
    if !matches {
        let failures = account.failed_logins.saturating_add(1);
        let lock = (failures >= FAILURES_BEFORE_LOCK).then(|| now + LOCK_DURATION);
        state
            .store
            .record_failed_login(account.user.id, lock)
            .await?;
        return match lock {
            Some(until) => again(locked_message(until)),
            None => again(WRONG.to_owned()),
        };
    }
    state.store.record_successful_login(account.user.id).await?;
    // Sessions nobody signed out of would pile up; a sign-in is rare enough to sweep them.
    state.store.delete_expired_sessions(now).await?;
    let session = state
        .store
        .create_session(account.user.id, now, SESSION_LIFETIME)
        .await?;
    let to = paths::safe_next(Some(&form.next)).unwrap_or(home_of(&account.user));
    let mut response = Redirect::to(to).into_response();
    let cookie = cookie(
        SESSION_COOKIE,
        &session.secret,
        Some(SESSION_LIFETIME),
        viewer.secure,
    )?;
    response.headers_mut().append(SET_COOKIE, cookie);
    Ok(response)
}

fn locked_message(until: OffsetDateTime) -> String {
    let beijing = UtcOffset::from_hms(8, 0, 0).unwrap_or(UtcOffset::UTC);
    let local = until.to_offset(beijing);
    format!(
        "登录失败次数过多，账号已锁定，请于 {:02}:{:02} 后再试，或联系管理员解锁。",
        local.hour(),
        local.minute()
    )
}

/// A real argon2id hash of nothing anyone knows, made once, to check unknown logins against.
fn dummy_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| {
        use argon2::password_hash::{PasswordHasher, SaltString};
        let salt = SaltString::encode_b64(b"shishi-no-user!!").ok();
        salt.and_then(|salt| {
            argon2::Argon2::default()
                .hash_password(b"no such user", &salt)
                .ok()
                .map(|h| h.to_string())
        })
        .unwrap_or_default()
    })
}

#[derive(Deserialize)]
pub(crate) struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

/// `POST /logout`: the session is forgotten by the server, not only by the browser.
pub(crate) async fn logout(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
    Form(form): Form<CsrfOnly>,
) -> Result<Response, PageError> {
    viewer.check_csrf(&form.csrf)?;
    if let Some(secret) = cookie_value(&headers, SESSION_COOKIE) {
        state.store.delete_session(secret).await?;
    }
    let mut response = Redirect::to(paths::HOME).into_response();
    let expired = cookie(SESSION_COOKIE, "", Some(Duration::ZERO), viewer.secure)?;
    response.headers_mut().append(SET_COOKIE, expired);
    Ok(response)
}

#[derive(Debug, Deserialize)]
pub(crate) struct DisplayQuery {
    mode: Option<String>,
    back: Option<String>,
}

/// `GET /display?mode=large|normal`: the large-text, high-contrast mode older readers choose;
/// a preference kept in a cookie for a year, then back to the page they were on.
pub(crate) async fn display(
    viewer: Viewer,
    Query(query): Query<DisplayQuery>,
) -> Result<Response, PageError> {
    let large = query.mode.as_deref() == Some("large");
    let back = paths::safe_next(query.back.as_deref()).unwrap_or(paths::HOME);
    let mut response = Redirect::to(back).into_response();
    let value = if large { "large" } else { "normal" };
    let year = Duration::days(365);
    response.headers_mut().append(
        SET_COOKIE,
        cookie(DISPLAY_COOKIE, value, Some(year), viewer.secure)?,
    );
    Ok(response)
}
