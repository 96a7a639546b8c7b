//! What the store's test files share: a fresh database per test on each backend, and the
//! visible notice most tests start from.
// Each test file uses its own part of these helpers; the rest would warn as unused.
#![allow(dead_code)]

use shishi_core::{Actual, Measure, Period, ReportContent, ReportValue, TargetId};
use shishi_store::{Actor, Backend, Store};
use std::path::PathBuf;

#[derive(Debug, Clone, Copy)]
pub enum Kind {
    Sqlite,
    Postgres,
}

/// A fresh database for one test, removed by `finish`.
pub struct TestDb {
    pub store: Store,
    pub url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    Sqlite(tempfile::TempDir),
    Postgres { admin_url: String, name: String },
}

impl TestDb {
    /// `None` for PostgreSQL when no server is configured: the test then passes vacuously.
    pub async fn new(kind: Kind) -> Option<Self> {
        match kind {
            Kind::Sqlite => {
                let dir = tempfile::tempdir().unwrap();
                let url = format!("sqlite://{}", dir.path().join("shishi.db").display());
                let store = Store::open(&url).await.unwrap();
                Some(Self {
                    store,
                    url,
                    cleanup: Cleanup::Sqlite(dir),
                })
            }
            Kind::Postgres => {
                let Ok(admin_url) = std::env::var("SHISHI_TEST_POSTGRES_URL") else {
                    eprintln!("SHISHI_TEST_POSTGRES_URL is not set: skipped on PostgreSQL");
                    return None;
                };
                let mut random = [0u8; 8];
                getrandom::getrandom(&mut random).unwrap();
                let name = format!("shishi_test_{}", hex::encode(random));
                let admin = sqlx::PgPool::connect(&admin_url).await.unwrap();
                sqlx::query(&format!("create database {name}"))
                    .execute(&admin)
                    .await
                    .unwrap();
                admin.close().await;
                let url = database_url(&admin_url, &name);
                let store = Store::open(&url).await.unwrap();
                Some(Self {
                    store,
                    url,
                    cleanup: Cleanup::Postgres { admin_url, name },
                })
            }
        }
    }

    pub async fn finish(self) {
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

    pub fn is_sqlite(&self) -> bool {
        matches!(self.cleanup, Cleanup::Sqlite(_))
    }
}

/// The admin URL with its database name replaced.
pub fn database_url(admin_url: &str, name: &str) -> String {
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

/// Runs each named test on both backends (the test functions live in the file using it).
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::common::Kind::Sqlite).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::common::Kind::Postgres).await
                }
            )*
        }
    };
}
pub(crate) use on_both_backends;

/// A fresh database holding the visible notice's plan, as most tests start.
pub async fn with_notice(kind: Kind) -> Option<(TestDb, shishi_core::PlanId)> {
    let db = TestDb::new(kind).await?;
    let plan = db
        .store
        .import_plan(Actor::System, notice())
        .await
        .unwrap()
        .plan_id();
    Some((db, plan))
}

pub fn notice() -> shishi_plan::Plan {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/haizhou-2020-notice.txt");
    shishi_plan::parse(&std::fs::read(path).unwrap()).unwrap()
}

pub const TABLES: [&str; 14] = [
    "units",
    "plans",
    "items",
    "item_units",
    "targets",
    "users",
    "api_tokens",
    "reports",
    "report_revisions",
    "audit_events",
    "sessions",
    "attachments",
    "report_attachments",
    "target_changes",
];

pub async fn count(backend: &Backend, table: &str) -> i64 {
    let sql = format!("select count(*) from {table}");
    match backend {
        Backend::Sqlite(pool) => sqlx::query_scalar(&sql).fetch_one(pool).await.unwrap(),
        Backend::Postgres(pool) => sqlx::query_scalar(&sql).fetch_one(pool).await.unwrap(),
    }
}

pub async fn row_counts(store: &Store) -> Vec<(&'static str, i64)> {
    let mut counts = Vec::new();
    for table in TABLES {
        counts.push((table, count(store.backend(), table).await));
    }
    counts
}

pub async fn execute(backend: &Backend, sql: &str) -> u64 {
    match backend {
        Backend::Sqlite(pool) => sqlx::query(sql)
            .execute(pool)
            .await
            .unwrap()
            .rows_affected(),
        Backend::Postgres(pool) => sqlx::query(sql)
            .execute(pool)
            .await
            .unwrap()
            .rows_affected(),
    }
}

/// The first quantity target and the first milestone of the imported plan.
pub async fn quantity_and_milestone(
    store: &Store,
    plan: shishi_core::PlanId,
) -> (TargetId, TargetId) {
    let detail = store.plan(plan).await.unwrap();
    let targets: Vec<_> = detail.items.iter().flat_map(|i| i.targets.iter()).collect();
    let quantity = targets
        .iter()
        .find(|t| matches!(t.measure, Measure::Quantity(_)))
        .unwrap()
        .id;
    let milestone = targets
        .iter()
        .find(|t| matches!(t.measure, Measure::Milestone))
        .unwrap()
        .id;
    (quantity, milestone)
}

pub fn figures(value: f64) -> ReportContent {
    ReportContent {
        actual: Actual::Value(ReportValue::new(value).unwrap()),
        progress: "3所学校主体完工".into(),
        problems: String::new(),
        next_steps: "加快进度".into(),
        funds: Some("到位1200万元".into()),
    }
}

pub fn june() -> Period {
    Period::parse("2020-06").unwrap()
}
