//! What the web crate's end-to-end tests share: a real server on port 0 over a fresh
//! database (SQLite, or PostgreSQL when `SHISHI_TEST_POSTGRES_URL` is set), usually holding
//! the Haizhou 2020 plan, with the users a test asks for; signing in through the sign-in form
//! like a browser; and reading cookies and form fields by hand.
// Each test file uses its own part of these helpers; the rest would warn as unused.
#![allow(dead_code)]

use reqwest::header::{CACHE_CONTROL, CONTENT_TYPE, COOKIE, LOCATION, SET_COOKIE};
use reqwest::redirect::Policy;
use reqwest::{Client, StatusCode};
use shishi_core::{find_unit, Login, Role, User, UserId};
use shishi_store::{Actor, NewUser, Store};
use shishi_web::password::{self, Password};
use shishi_web::{AppState, Clock};
use std::path::Path;
use time::macros::date;
use time::Date;
use tokio::sync::oneshot;

#[derive(Debug, Clone, Copy)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// What a site starts with.
pub struct Options<'a> {
    pub backend: Backend,
    /// The server's day.
    pub today: Date,
    /// The Haizhou 2020 plan imported first (with the units it names).
    pub plan: bool,
    /// Units added to the registry (before the users), by name.
    pub units: &'a [&'a str],
    /// Login, role and unit (a name `find_unit` reads within 海州区) of each user.
    pub users: &'a [(&'a str, Role, Option<&'a str>)],
    /// Each user's password, by login.
    pub password: fn(&str) -> String,
    /// Each user's name, by login.
    pub name: fn(&str) -> String,
}

impl Default for Options<'_> {
    /// SQLite with the plan, on 15 July 2020; no users; each password `{login}-password`
    /// and each name the login.
    fn default() -> Self {
        Self {
            backend: Backend::Sqlite,
            today: date!(2020 - 07 - 15),
            plan: true,
            units: &[],
            users: &[],
            password: |login| format!("{login}-password"),
            name: str::to_owned,
        }
    }
}

/// A server on a fresh database, and a client that does not follow redirects.
pub struct Site {
    pub base: String,
    pub client: Client,
    pub store: Store,
    password: fn(&str) -> String,
    stop: oneshot::Sender<()>,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
    cleanup: Cleanup,
}

enum Cleanup {
    Sqlite(tempfile::TempDir),
    Postgres { admin_url: String, name: String },
}

/// A browser: its cookie, and the token its forms carry.
pub struct Browser {
    pub cookie: String,
    pub csrf: String,
}

/// What the server answered, read in full.
pub struct Answer {
    pub status: StatusCode,
    pub location: String,
    pub content_type: String,
    pub cache: String,
    pub bytes: Vec<u8>,
    /// The bytes as text.
    pub body: String,
}

impl Answer {
    pub async fn read(response: reqwest::Response) -> Self {
        let header = |name| {
            response
                .headers()
                .get(name)
                .map(|v: &reqwest::header::HeaderValue| v.to_str().unwrap().to_owned())
                .unwrap_or_default()
        };
        let status = response.status();
        let location = header(LOCATION);
        let content_type = header(CONTENT_TYPE);
        let cache = header(CACHE_CONTROL);
        let bytes = response.bytes().await.unwrap().to_vec();
        Self {
            status,
            location,
            content_type,
            cache,
            body: String::from_utf8_lossy(&bytes).into_owned(),
            bytes,
        }
    }
}

/// The notice the plan is imported from.
pub fn notice() -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../testdata/haizhou-2020-notice.txt"),
    )
    .unwrap()
}

impl Site {
    /// `None` on PostgreSQL when no server is configured: the test then passes vacuously.
    pub async fn new(options: Options<'_>) -> Option<Self> {
        let (url, cleanup) = match options.backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().unwrap();
                let url = format!("sqlite://{}", dir.path().join("shishi.db").display());
                (url, Cleanup::Sqlite(dir))
            }
            Backend::Postgres => {
                let Ok(admin_url) = std::env::var("SHISHI_TEST_POSTGRES_URL") else {
                    eprintln!("SHISHI_TEST_POSTGRES_URL is not set: skipped on PostgreSQL");
                    return None;
                };
                let mut random = [0u8; 8];
                getrandom::getrandom(&mut random).unwrap();
                let name = format!("shishi_web_test_{}", hex::encode(random));
                let admin = sqlx::PgPool::connect(&admin_url).await.unwrap();
                sqlx::query(&format!("create database {name}"))
                    .execute(&admin)
                    .await
                    .unwrap();
                admin.close().await;
                let url = database_url(&admin_url, &name);
                (url, Cleanup::Postgres { admin_url, name })
            }
        };
        let store = Store::open(&url).await.unwrap();
        if options.plan {
            store
                .import_plan(Actor::System, shishi_plan::parse(&notice()).unwrap())
                .await
                .unwrap();
        }
        for name in options.units {
            store.add_unit(Actor::System, name, vec![]).await.unwrap();
        }
        let units = store.units().await.unwrap();
        for &(login, role, unit) in options.users {
            let unit = unit.map(|name| find_unit(&units, name, Some("海州区")).unwrap().id);
            add_user(
                &store,
                login,
                (options.name)(login),
                (options.password)(login),
                role,
                unit,
            )
            .await;
        }

        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (stop, stopped) = oneshot::channel::<()>();
        let state = AppState::new(store.clone()).with_clock(Clock::fixed(options.today));
        let server = tokio::spawn(shishi_web::serve(listener, state, async {
            let _ = stopped.await;
        }));
        Some(Self {
            base,
            client: Client::builder().redirect(Policy::none()).build().unwrap(),
            store,
            password: options.password,
            stop,
            server,
            cleanup,
        })
    }

    /// Stops the server, closes the store and drops the database.
    pub async fn finish(self) {
        let _ = self.stop.send(());
        self.server.await.unwrap().unwrap();
        self.store.close().await;
        match self.cleanup {
            Cleanup::Sqlite(dir) => drop(dir),
            Cleanup::Postgres { admin_url, name } => {
                let admin = sqlx::PgPool::connect(&admin_url).await.unwrap();
                sqlx::query(&format!("drop database {name} with (force)"))
                    .execute(&admin)
                    .await
                    .unwrap();
                admin.close().await;
            }
        }
    }

    pub async fn user_id(&self, login: &str) -> UserId {
        self.store
            .account_by_login(&Login::parse(login).unwrap())
            .await
            .unwrap()
            .unwrap()
            .user
            .id
    }

    /// GET as `who` (the public when `None`).
    pub async fn get(&self, who: Option<&Browser>, path: &str) -> Answer {
        let mut request = self.client.get(format!("{}{path}", self.base));
        if let Some(who) = who {
            request = request.header(COOKIE, &who.cookie);
        }
        Answer::read(request.send().await.unwrap()).await
    }

    /// Posts a form as `who`, with their token unless the fields say otherwise.
    pub async fn post(&self, who: &Browser, path: &str, fields: &[(&str, &str)]) -> Answer {
        let mut form: Vec<(&str, &str)> = vec![("csrf", who.csrf.as_str())];
        form.extend_from_slice(fields);
        self.post_raw(who, path, &form).await
    }

    /// Posts exactly `fields` as `who`.
    pub async fn post_raw(&self, who: &Browser, path: &str, fields: &[(&str, &str)]) -> Answer {
        let response = self
            .client
            .post(format!("{}{path}", self.base))
            .header(COOKIE, &who.cookie)
            .form(fields)
            .send()
            .await
            .unwrap();
        Answer::read(response).await
    }

    /// A visitor's sign-in form token and the cookie that goes with it.
    pub async fn visitor(&self) -> Browser {
        let response = self
            .client
            .get(format!("{}/login", self.base))
            .send()
            .await
            .unwrap();
        let cookie = cookie_named(&response, "shishi_csrf").expect("a visitor's CSRF cookie");
        let body = response.text().await.unwrap();
        let csrf = field_value(&body, "csrf").expect("a csrf field");
        Browser { cookie, csrf }
    }

    /// Posts the sign-in form with the visitor's `cookie` and the token `csrf`.
    pub async fn post_login(
        &self,
        cookie: &str,
        csrf: &str,
        login: &str,
        password: &str,
    ) -> reqwest::Response {
        self.client
            .post(format!("{}/login", self.base))
            .header(COOKIE, cookie)
            .form(&[
                ("login", login),
                ("password", password),
                ("csrf", csrf),
                ("next", ""),
            ])
            .send()
            .await
            .unwrap()
    }

    /// Signs in through the form with the user's own password, as a browser does.
    pub async fn sign_in(&self, login: &str) -> Browser {
        self.sign_in_with(login, &(self.password)(login)).await
    }

    pub async fn sign_in_with(&self, login: &str, password: &str) -> Browser {
        let visitor = self.visitor().await;
        let response = self
            .post_login(&visitor.cookie, &visitor.csrf, login, password)
            .await;
        let session = cookie_named(&response, "shishi_session");
        let status = response.status();
        assert_eq!(
            status,
            StatusCode::SEE_OTHER,
            "{login}: {}",
            response.text().await.unwrap()
        );
        let cookie = session.unwrap();
        // The session's own token, from the sign-out form every page carries.
        let page = self
            .client
            .get(format!("{}/", self.base))
            .header(COOKIE, &cookie)
            .send()
            .await
            .unwrap();
        let csrf = field_value(&page.text().await.unwrap(), "csrf").unwrap();
        Browser { cookie, csrf }
    }
}

/// A user with the password `password`.
pub async fn add_user(
    store: &Store,
    login: &str,
    name: String,
    password: String,
    role: Role,
    unit: Option<shishi_core::UnitId>,
) -> User {
    let password_hash = password::hash(Password::new(password).unwrap())
        .await
        .unwrap();
    store
        .add_user(
            Actor::System,
            NewUser {
                login: Login::parse(login).unwrap(),
                name,
                role,
                unit,
                password_hash,
            },
        )
        .await
        .unwrap()
}

/// `name=value` of the cookie `name` the response sets (a cleared cookie is none).
pub fn cookie_named(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .find(|pair| pair.starts_with(&format!("{name}=")) && pair.len() > name.len() + 1)
        .map(str::to_owned)
}

/// The whole `Set-Cookie` line of the cookie `name`, flags and all ("" if none).
pub fn set_cookie_line(response: &reqwest::Response, name: &str) -> String {
    response
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .unwrap_or_default()
        .to_owned()
}

/// The value of the first form field `name` on a page.
pub fn field_value(body: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = body.find(&marker)? + marker.len();
    let end = body[start..].find('"')? + start;
    Some(body[start..end].to_owned())
}

/// The admin URL with its database name replaced.
fn database_url(admin_url: &str, name: &str) -> String {
    let (base, query) = match admin_url.split_once('?') {
        Some((base, query)) => (base, format!("?{query}")),
        None => (admin_url, String::new()),
    };
    let server = match base.rsplit_once('/') {
        Some((server, _)) if server.contains("//") && server.len() > "postgres://".len() - 1 => {
            server
        }
        _ => base,
    };
    format!("{server}/{name}{query}")
}

/// A client whose requests come from 127.0.0.`n`: a poster from the public with a budget of
/// its own (the abuse limits keep one per address, and every test would otherwise share
/// 127.0.0.1's).
pub fn client_from(n: u8) -> Client {
    Client::builder()
        .redirect(Policy::none())
        .local_address(std::net::IpAddr::V4(std::net::Ipv4Addr::new(127, 0, 0, n)))
        .build()
        .unwrap()
}

/// The challenge on a public form: its token, and the sum its question asks for, read from
/// the Chinese digits as a person would.
pub fn solve_challenge(page: &str) -> (String, String) {
    const DIGITS: [char; 10] = ['零', '一', '二', '三', '四', '五', '六', '七', '八', '九'];
    let marker = "class=\"challenge-question\">";
    let start = page.find(marker).expect("a challenge question on the page") + marker.len();
    let end = page[start..].find("</span>").unwrap() + start;
    let question = &page[start..end];
    let sum: usize = question
        .chars()
        .filter_map(|c| DIGITS.iter().position(|d| *d == c))
        .sum();
    assert!((2..=18).contains(&sum), "{question}");
    let token = field_value(page, "challenge").expect("the challenge's token");
    (token, sum.to_string())
}

impl Site {
    /// `GET path` through `client` (from an address of its own), as `who` when given.
    pub async fn get_through(&self, client: &Client, who: Option<&Browser>, path: &str) -> Answer {
        let mut request = client.get(format!("{}{path}", self.base));
        if let Some(who) = who {
            request = request.header(COOKIE, &who.cookie);
        }
        Answer::read(request.send().await.unwrap()).await
    }

    /// A form posted through `client` (from an address of its own) as `who`.
    pub async fn post_through(
        &self,
        client: &Client,
        who: &Browser,
        path: &str,
        form: &[(&str, &str)],
    ) -> Answer {
        let response = client
            .post(format!("{}{path}", self.base))
            .header(COOKIE, &who.cookie)
            .form(form)
            .send()
            .await
            .unwrap();
        Answer::read(response).await
    }
}
