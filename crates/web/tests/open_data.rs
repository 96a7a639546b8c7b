//! Open data end to end: a real server on a fresh database (SQLite, and PostgreSQL when
//! `SHISHI_TEST_POSTGRES_URL` is set) with the Haizhou 2020 plan, some reports approved,
//! one waiting, one returned and one correction under review, a published bulletin, and an
//! item whose title holds a comma and quotes. Every download is checked with a real JSON
//! Schema validator against the schema the server serves, and read back with a real CSV
//! reader.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{Answer, Backend, Options, Site};
use serde_json::Value;
use shishi_core::{
    Actual, Audience, Comment, ItemId, Level, NewSurvey, Period, PlanId, Rater, Rating, Reason,
    ReportContent, ReportValue, Role, SurveyName, TargetId,
};
use shishi_store::{Actor, ItemEdit, NewBulletin};
use time::macros::date;

const DATASETS: [&str; 6] = [
    "plans",
    "items",
    "targets",
    "progress",
    "bulletins",
    "survey",
];

/// A title that breaks naive CSV: a comma, quotes, a Chinese comma and a line break.
const AWKWARD_TITLE: &str = "新建\"幸福\"学校, 含逗号，以及\n换行";

/// What only unapproved or internal records say: none of it may be in any download.
const SECRETS: [&str; 8] = [
    "未审核的七月进展",
    "退回：数据不实",
    "审核中的更正",
    "督查员张三",
    "填报员李四",
    "代表王五",
    "只给督查室看的评价意见",
    "进行中的测评",
];

struct World {
    site: Site,
    plan: PlanId,
    /// The first target of the first item: June approved (3), July only submitted (5), and
    /// a correction of June (4) under review.
    approved_target: TargetId,
    /// The first target of the second item: June returned.
    returned_target: TargetId,
    /// The third item, whose title is `AWKWARD_TITLE`.
    awkward_item: ItemId,
}

async fn world(backend: Backend) -> Option<World> {
    let site = Site::new(Options {
        backend,
        users: &[
            ("admin", Role::Admin, None),
            ("edu", Role::Reporter, Some("区教育局")),
            ("deputy", Role::Deputy, None),
        ],
        name: |login| match login {
            "admin" => "督查员张三".to_owned(),
            "deputy" => "代表王五".to_owned(),
            _ => "填报员李四".to_owned(),
        },
        ..Options::default()
    })
    .await?;
    let store = &site.store;
    let plan = store.plans().await.unwrap()[0].id();
    let detail = store.plan(plan).await.unwrap();
    let admin = Actor::User(site.user_id("admin").await);
    let reporter = Actor::User(site.user_id("edu").await);
    let june = Period::parse("2020-06").unwrap();
    let july = Period::parse("2020-07").unwrap();
    let content = |value: f64, progress: &str| ReportContent {
        actual: Actual::Value(ReportValue::new(value).unwrap()),
        progress: progress.to_owned(),
        problems: "内部：征地手续缓慢".into(),
        next_steps: "加快验收".into(),
        funds: Some("到位1200万元".into()),
    };
    let quantity_target = |item: usize| {
        detail.items[item]
            .targets
            .iter()
            .find(|t| matches!(t.measure, shishi_core::Measure::Quantity(_)))
            .unwrap()
            .id
    };

    let approved_target = quantity_target(0);
    let filed = store
        .file_report(
            reporter,
            approved_target,
            june,
            content(3.0, "3所学校主体完工"),
            date!(2020 - 06 - 20),
        )
        .await
        .unwrap();
    store.approve_report(admin, filed.id()).await.unwrap();
    store
        .file_report(
            reporter,
            approved_target,
            july,
            content(5.0, "未审核的七月进展"),
            date!(2020 - 07 - 10),
        )
        .await
        .unwrap();
    store
        .file_report(
            reporter,
            approved_target,
            june,
            content(4.0, "审核中的更正"),
            date!(2020 - 07 - 11),
        )
        .await
        .unwrap();

    let returned_target = quantity_target(1);
    let returned = store
        .file_report(
            reporter,
            returned_target,
            june,
            content(2.0, "退回的进展"),
            date!(2020 - 06 - 21),
        )
        .await
        .unwrap();
    store
        .return_report(
            admin,
            returned.id(),
            Reason::parse("退回：数据不实").unwrap(),
        )
        .await
        .unwrap();

    let awkward = &detail.items[2].item;
    store
        .update_item(
            admin,
            awkward.id,
            ItemEdit {
                title: AWKWARD_TITLE.to_owned(),
                category: awkward.category.clone(),
                lead_units: awkward.lead_units.clone(),
                support_units: awkward.support_units.clone(),
            },
        )
        .await
        .unwrap();

    store
        .publish_bulletin(
            admin,
            NewBulletin {
                plan,
                period: june,
                org_code: "11320706MB1234567X".into(),
                doc_number: "海督通〔2020〕6号".into(),
                issuer: "海州区人民政府督查室".into(),
                title: "关于2020年6月民生实事项目推进情况的通报".into(),
                issued_on: date!(2020 - 07 - 05),
                html: "<p>通报</p>".into(),
                md: "通报".into(),
                docx: vec![1, 2, 3],
            },
        )
        .await
        .unwrap();

    // A closed survey: the first item rated by two browsers and a deputy, with a comment
    // for the supervisor; then a survey still open, rated too.
    let survey = |name: &str| NewSurvey {
        plan,
        name: SurveyName::parse(name).unwrap(),
        audience: Audience::Anyone,
        closes_on: None,
    };
    let rating = |level, comment: &str| Rating {
        item: detail.items[0].item.id,
        level,
        comment: Comment::parse(comment).unwrap(),
    };
    let today = date!(2020 - 07 - 15);
    let closed = store
        .open_survey(admin, survey("2020年度满意度测评"), today)
        .await
        .unwrap();
    for (rater, level) in [
        (Rater::Browser("browser-one".into()), Level::Satisfied),
        (Rater::Browser("browser-two".into()), Level::Dissatisfied),
        (Rater::Deputy(site.user_id("deputy").await), Level::Basic),
    ] {
        store
            .rate(
                closed.id(),
                rater,
                vec![rating(level, "只给督查室看的评价意见")],
                today,
            )
            .await
            .unwrap();
    }
    store.close_survey(admin, closed.id(), today).await.unwrap();
    let open = store
        .open_survey(admin, survey("进行中的测评"), today)
        .await
        .unwrap();
    store
        .rate(
            open.id(),
            Rater::Browser("browser-three".into()),
            vec![rating(Level::Satisfied, "")],
            today,
        )
        .await
        .unwrap();

    Some(World {
        site,
        plan,
        approved_target,
        returned_target,
        awkward_item: awkward.id,
    })
}

fn json(answer: &Answer) -> Value {
    serde_json::from_slice(&answer.bytes).unwrap_or_else(|e| panic!("{e}: {}", answer.body))
}

/// The served JSON Schema of `dataset`, itself checked against the 2020-12 meta-schema, as a
/// validator that also checks formats (dates, times).
async fn validator(site: &Site, dataset: &str) -> (Value, jsonschema::Validator) {
    let answer = site
        .get(None, &format!("/open-data/schema/{dataset}.json"))
        .await;
    assert_eq!(answer.status, 200, "{dataset} schema");
    assert_eq!(answer.content_type, "application/schema+json");
    let schema = json(&answer);
    jsonschema::meta::validate(&schema)
        .unwrap_or_else(|e| panic!("{dataset} schema is not a valid JSON Schema: {e}"));
    let validator = jsonschema::draft202012::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap();
    (schema, validator)
}

/// The fields the schema documents, in order.
fn documented_fields(schema: &Value) -> Vec<String> {
    schema["$defs"]["record"]["required"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap().to_owned())
        .collect()
}

/// The CSV as a real reader reads it: its header and its rows.
fn read_csv(answer: &Answer) -> (Vec<String>, Vec<Vec<String>>) {
    assert!(
        answer.bytes.starts_with("\u{feff}".as_bytes()),
        "a CSV starts with the UTF-8 byte-order mark"
    );
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(&answer.bytes[3..]);
    let header = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    let rows = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    (header, rows)
}

/// A CSV cell says what the JSON value says: empty for null, the text, or the same number.
fn same(cell: &str, value: &Value) -> bool {
    match value {
        Value::Null => cell.is_empty(),
        Value::String(s) => cell == s,
        Value::Number(n) => cell.parse::<f64>().ok() == n.as_f64(),
        other => panic!("a record holds only nulls, strings and numbers, not {other}"),
    }
}

async fn every_download_validates_and_its_csv_is_its_json(backend: Backend) {
    let Some(world) = world(backend).await else {
        return;
    };
    let site = &world.site;
    let plan = world.plan.get();
    for dataset in DATASETS {
        let (schema, validator) = validator(site, dataset).await;
        let fields = documented_fields(&schema);
        let path = format!("/open-data/plans/{plan}/{dataset}");

        let answer = site.get(None, &format!("{path}.json")).await;
        assert_eq!(answer.status, 200, "{path}.json: {}", answer.body);
        assert_eq!(answer.content_type, "application/json");
        assert!(answer.cache.contains("max-age"), "{}", answer.cache);
        let document = json(&answer);
        let errors: Vec<String> = validator
            .iter_errors(&document)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{dataset}.json: {errors:#?}");
        assert_eq!(document["dataset"], dataset);
        assert_eq!(document["plan"]["plan_id"], plan);
        assert_eq!(document["plan"]["plan_key"], "海州区:2020");
        assert_eq!(document["generated"], "2020-07-15");
        let records = document["records"].as_array().unwrap();
        assert!(!records.is_empty(), "{dataset} has records");
        assert_eq!(document["count"], records.len());

        let answer = site.get(None, &format!("{path}.csv")).await;
        assert_eq!(answer.status, 200, "{path}.csv");
        assert!(answer.content_type.starts_with("text/csv"));
        assert!(answer.content_type.contains("charset=utf-8"));
        let (header, rows) = read_csv(&answer);
        assert_eq!(
            header, fields,
            "{dataset}.csv header is the documented fields"
        );
        assert_eq!(
            rows.len(),
            records.len(),
            "{dataset}: as many rows as records"
        );
        for (row, record) in rows.iter().zip(records) {
            for (cell, name) in row.iter().zip(&fields) {
                assert!(
                    same(cell, &record[name]),
                    "{dataset}.{name}: CSV {cell:?} but JSON {}",
                    record[name]
                );
            }
        }

        for answer in [
            site.get(None, &format!("{path}.json")).await,
            site.get(None, &format!("{path}.csv")).await,
        ] {
            for secret in SECRETS {
                assert!(
                    !answer.body.contains(secret),
                    "{path} shows {secret:?}, which is unapproved or internal"
                );
            }
            for internal in [
                "内部：征地手续缓慢",
                "加快验收",
                "到位1200万元",
                "published_by",
            ] {
                assert!(!answer.body.contains(internal), "{path} shows {internal:?}");
            }
        }
    }

    // The list of every plan is the plans dataset too.
    let (_, validator) = validator(site, "plans").await;
    let all = json(&site.get(None, "/open-data/plans.json").await);
    assert!(validator.is_valid(&all), "plans.json validates");
    assert_eq!(all["plan"], Value::Null);
    assert_eq!(all["records"][0]["plan_id"], plan);
    assert_eq!(all["records"][0]["year"], 2020);
    assert_eq!(all["records"][0]["item_count"], 50);
    let (header, rows) = read_csv(&site.get(None, "/open-data/plans.csv").await);
    assert_eq!(header[0], "plan_id");
    assert_eq!(rows.len(), 1);
    world.site.finish().await;
}

#[tokio::test]
async fn every_download_validates_against_its_schema_and_its_csv_is_its_json_on_sqlite() {
    every_download_validates_and_its_csv_is_its_json(Backend::Sqlite).await;
}

#[tokio::test]
async fn every_download_validates_against_its_schema_and_its_csv_is_its_json_on_postgres() {
    every_download_validates_and_its_csv_is_its_json(Backend::Postgres).await;
}

#[tokio::test]
async fn only_the_approved_figure_is_published_never_one_waiting_returned_or_under_correction() {
    let world = world(Backend::Sqlite).await.unwrap();
    let site = &world.site;
    let plan = world.plan.get();
    let progress = json(
        &site
            .get(None, &format!("/open-data/plans/{plan}/progress.json"))
            .await,
    );
    let records = progress["records"].as_array().unwrap();
    let ours: Vec<&Value> = records
        .iter()
        .filter(|r| r["target_id"] == world.approved_target.get())
        .collect();
    assert_eq!(ours.len(), 1, "June only: July is waiting for review");
    let june = ours[0];
    assert_eq!(june["period"], "2020-06");
    assert_eq!(
        june["actual"], 3,
        "the approved figure, not the correction (4)"
    );
    assert_eq!(june["revision"], 1);
    assert_eq!(june["progress"], "3所学校主体完工");
    assert_eq!(june["submitted_on"], "2020-06-20");
    assert_eq!(june["actual_kind"], "value");
    assert!(
        records
            .iter()
            .all(|r| r["target_id"] != world.returned_target.get()),
        "a returned report is not published"
    );

    let targets = json(
        &site
            .get(None, &format!("/open-data/plans/{plan}/targets.json"))
            .await,
    );
    let target = targets["records"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["target_id"] == world.approved_target.get())
        .unwrap();
    assert_eq!(target["actual"], 3);
    assert_eq!(target["actual_period"], "2020-06");
    assert_eq!(target["kind"], "quantity");
    assert!(target["status"].is_string() && target["status_zh"].is_string());
    let returned = targets["records"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["target_id"] == world.returned_target.get())
        .unwrap();
    assert_eq!(returned["actual"], Value::Null);
    assert_eq!(returned["completion"], 0);

    // Once the correction is approved, it is the figure in force.
    let store = &site.store;
    let correction = store
        .report_for(world.approved_target, Period::parse("2020-06").unwrap())
        .await
        .unwrap()
        .unwrap();
    store
        .approve_report(Actor::System, correction.id())
        .await
        .unwrap();
    let progress = json(
        &site
            .get(None, &format!("/open-data/plans/{plan}/progress.json"))
            .await,
    );
    let june = progress["records"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["target_id"] == world.approved_target.get() && r["period"] == "2020-06")
        .unwrap()
        .clone();
    assert_eq!(june["actual"], 4);
    assert_eq!(june["revision"], 2);
    assert_eq!(june["progress"], "审核中的更正");
    world.site.finish().await;
}

#[tokio::test]
async fn an_item_title_with_a_comma_quotes_and_a_line_break_survives_csv_and_json() {
    let world = world(Backend::Sqlite).await.unwrap();
    let site = &world.site;
    let plan = world.plan.get();
    let answer = site
        .get(None, &format!("/open-data/plans/{plan}/items.csv"))
        .await;
    assert!(
        answer
            .body
            .contains("\"新建\"\"幸福\"\"学校, 含逗号，以及\n换行\""),
        "quoted as RFC 4180 says, quotes doubled"
    );
    let (header, rows) = read_csv(&answer);
    let id_column = header.iter().position(|h| h == "item_id").unwrap();
    let title_column = header.iter().position(|h| h == "title").unwrap();
    let row = rows
        .iter()
        .find(|r| r[id_column] == world.awkward_item.get().to_string())
        .unwrap();
    assert_eq!(row[title_column], AWKWARD_TITLE);
    assert_eq!(row.len(), header.len(), "the comma did not make a column");

    let items = json(
        &site
            .get(None, &format!("/open-data/plans/{plan}/items.json"))
            .await,
    );
    let item = items["records"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["item_id"] == world.awkward_item.get())
        .unwrap();
    assert_eq!(item["title"], AWKWARD_TITLE);
    assert_eq!(item["item_key"], "海州区:2020:3");
    world.site.finish().await;
}

#[tokio::test]
async fn downloads_name_their_file_and_can_be_cached_and_revalidated() {
    let world = world(Backend::Sqlite).await.unwrap();
    let site = &world.site;
    let plan = world.plan.get();
    let url = format!("{}/open-data/plans/{plan}/items.csv", site.base);
    let response = site.client.get(&url).send().await.unwrap();
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    };
    let disposition = header("content-disposition");
    assert!(
        disposition.starts_with("attachment; filename=\"plan-"),
        "{disposition}"
    );
    assert!(
        disposition.contains("filename*=UTF-8''%E6%B5%B7%E5%B7%9E%E5%8C%BA-2020-items.csv"),
        "海州区-2020-items.csv: {disposition}"
    );
    assert_eq!(header("access-control-allow-origin"), "*");
    let etag = header("etag");
    assert!(etag.starts_with('"') && etag.len() > 10, "{etag}");
    let again = site
        .client
        .get(&url)
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304, "an unchanged file is not sent again");
    world.site.finish().await;
}

#[tokio::test]
async fn an_unknown_plan_dataset_or_format_is_not_found() {
    let world = world(Backend::Sqlite).await.unwrap();
    let site = &world.site;
    let plan = world.plan.get();
    for path in [
        "/open-data/plans/9999/items.json".to_owned(),
        "/open-data/plans/x/items.json".to_owned(),
        format!("/open-data/plans/{plan}/users.json"),
        format!("/open-data/plans/{plan}/items.xml"),
        format!("/open-data/plans/{plan}/items"),
        "/open-data/items.json".to_owned(),
        "/open-data/schema/users.json".to_owned(),
        "/open-data/schema/items.csv".to_owned(),
    ] {
        let answer = site.get(None, &path).await;
        assert_eq!(answer.status, 404, "{path}");
        assert!(answer.body.contains("未找到"), "{path}: a page in Chinese");
    }
    world.site.finish().await;
}

/// Each record's id and natural key, by id.
fn keys(document: &Value, id: &str, key: &str) -> Vec<(i64, String)> {
    document["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r[id].as_i64().unwrap(), r[key].as_str().unwrap().to_owned()))
        .collect()
}

#[tokio::test]
async fn ids_and_keys_stay_the_same_between_downloads_and_after_an_unrelated_edit() {
    let world = world(Backend::Sqlite).await.unwrap();
    let site = &world.site;
    let plan = world.plan.get();
    let download = |dataset: &'static str| async move {
        site.get(None, &format!("/open-data/plans/{plan}/{dataset}.json"))
            .await
    };
    let items = download("items").await;
    let targets = download("targets").await;
    assert_eq!(
        items.bytes,
        download("items").await.bytes,
        "the same bytes twice"
    );
    assert_eq!(targets.bytes, download("targets").await.bytes);

    // Another item's title changes and a new figure is approved.
    let store = &site.store;
    let detail = store.plan(world.plan).await.unwrap();
    let other = &detail.items[10].item;
    store
        .update_item(
            Actor::System,
            other.id,
            ItemEdit {
                title: format!("{}（调整）", other.title),
                category: other.category.clone(),
                lead_units: other.lead_units.clone(),
                support_units: other.support_units.clone(),
            },
        )
        .await
        .unwrap();
    let july = store
        .report_for(world.approved_target, Period::parse("2020-07").unwrap())
        .await
        .unwrap()
        .unwrap();
    store
        .approve_report(Actor::System, july.id())
        .await
        .unwrap();

    let items_after = download("items").await;
    let targets_after = download("targets").await;
    assert_ne!(items.bytes, items_after.bytes, "the edit is in the data");
    assert_eq!(
        keys(&json(&items), "item_id", "item_key"),
        keys(&json(&items_after), "item_id", "item_key")
    );
    assert_eq!(
        keys(&json(&targets), "target_id", "target_key"),
        keys(&json(&targets_after), "target_id", "target_key")
    );
    let keys_of_items = keys(&json(&items_after), "item_id", "item_key");
    assert_eq!(keys_of_items.len(), 50);
    assert_eq!(keys_of_items[0].1, "海州区:2020:1");
    assert_eq!(keys_of_items[49].1, "海州区:2020:50");
    world.site.finish().await;
}

#[tokio::test]
async fn the_documentation_page_lists_every_field_of_every_dataset_and_each_plans_downloads() {
    let world = world(Backend::Sqlite).await.unwrap();
    let site = &world.site;
    let plan = world.plan.get();
    let page = site.get(None, "/open-data").await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("<h1>开放数据</h1>"));
    assert!(page.body.contains("使用条款"));
    for dataset in DATASETS {
        let (schema, _) = validator(site, dataset).await;
        let section_start = page
            .body
            .find(&format!("id=\"dataset-{dataset}\""))
            .unwrap_or_else(|| panic!("a section for {dataset}"));
        let section = &page.body[section_start..];
        let section = &section[..section.find("</section>").unwrap()];
        for (name, field) in schema["$defs"]["record"]["properties"].as_object().unwrap() {
            assert!(
                section.contains(&format!("<code>{name}</code>")),
                "{dataset}.{name} is documented"
            );
            let label = field["title"].as_str().unwrap();
            let meaning = field["description"].as_str().unwrap();
            assert!(section.contains(label), "{dataset}.{name}: {label}");
            assert!(section.contains(meaning), "{dataset}.{name}: {meaning}");
        }
        assert!(section.contains(&format!("href=\"/open-data/schema/{dataset}.json\"")));
        for format in ["json", "csv"] {
            let href = format!("/open-data/plans/{plan}/{dataset}.{format}");
            assert!(page.body.contains(&format!("href=\"{href}\"")), "{href}");
            assert_eq!(site.get(None, &href).await.status, 200, "{href}");
        }
    }

    // The portal leads here.
    let portal = site.get(None, "/").await;
    assert!(portal.body.contains("href=\"/open-data\""));
    world.site.finish().await;
}

#[tokio::test]
async fn survey_results_of_closed_surveys_are_published_per_item_and_unit_by_group() {
    let world = world(Backend::Sqlite).await.unwrap();
    let site = &world.site;
    let plan = world.plan.get();
    let survey = json(
        &site
            .get(None, &format!("/open-data/plans/{plan}/survey.json"))
            .await,
    );
    let records = survey["records"].as_array().unwrap();
    assert!(
        records
            .iter()
            .all(|r| r["survey_name"] == "2020年度满意度测评"),
        "only the closed survey"
    );
    assert_eq!(records[0]["closed_on"], "2020-07-15");
    let first_item = |group: &str| {
        records
            .iter()
            .find(|r| {
                r["scope"] == "item" && r["item_key"] == "海州区:2020:1" && r["group"] == group
            })
            .unwrap()
            .clone()
    };
    let public = first_item("public");
    assert_eq!(
        (
            &public["satisfied"],
            &public["basic"],
            &public["dissatisfied"],
            &public["total"]
        ),
        (
            &Value::from(1),
            &Value::from(0),
            &Value::from(1),
            &Value::from(2)
        )
    );
    assert_eq!(public["satisfaction"], 0.5);
    assert_eq!(public["group_zh"], "群众");
    let deputies = first_item("deputies");
    assert_eq!(
        (&deputies["basic"], &deputies["total"]),
        (&Value::from(1), &Value::from(1))
    );
    assert_eq!(deputies["satisfaction"], 1);
    // An item nobody rated has no rate, not a rate of 0.
    let unrated = records
        .iter()
        .find(|r| r["scope"] == "item" && r["item_key"] == "海州区:2020:2")
        .unwrap();
    assert_eq!(unrated["total"], 0);
    assert_eq!(unrated["satisfaction"], Value::Null);
    // The first item's lead unit carries its ratings.
    assert!(records.iter().any(|r| r["scope"] == "unit"
        && r["group"] == "public"
        && r["total"].as_i64().unwrap() >= 2
        && r["unit_name"].is_string()));
    world.site.finish().await;
}
