//! The year-end assessment end to end: a real server on port 0 whose clock stands at the
//! plan's last day, the Haizhou 2020 plan with reports filed, approved and returned through
//! the store, and the pages and the .xlsx checked against figures computed by hand.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use calamine::{open_workbook_from_rs, Data, Reader, Xlsx};
use common::{add_user, Browser, Options, Site};
use reqwest::header::{CONTENT_TYPE, COOKIE, LOCATION};
use reqwest::StatusCode;
use shishi_core::{
    Actual, Measure, Percent, Period, PlanId, Reason, ReportContent, ReportValue, Role, Target,
    UnitId,
};
use shishi_store::{Actor, PlanDetail, Store};
use std::io::Cursor;
use time::macros::date;
use time::Date;

const YEAR_END: Date = date!(2020 - 12 - 31);

/// Units that lead exactly one target, due at the year's end (so 12 monthly reports), by name.
fn single_target_units(detail: &PlanDetail) -> Vec<(UnitId, String, Target)> {
    let mut found = Vec::new();
    for unit in &detail.units {
        let targets: Vec<&Target> = detail
            .items
            .iter()
            .filter(|e| e.item.lead_units.contains(&unit.id))
            .flat_map(|e| e.targets.iter())
            .collect();
        if let [target] = targets.as_slice() {
            // A share of the target done shows as that share (an upper bound would not).
            let proportional = match &target.measure {
                Measure::Quantity(q) => q.op() != shishi_core::Op::Le,
                Measure::Milestone => true,
            };
            if proportional && target.schedule.deadline() == YEAR_END {
                found.push((unit.id, unit.name.clone(), (*target).clone()));
            }
        }
    }
    found.sort_by(|a, b| a.1.cmp(&b.1));
    found
}

/// A report whose figure shows `share` of the target done.
fn content(target: &Target, share: f64) -> ReportContent {
    let actual = match &target.measure {
        Measure::Quantity(q) => Actual::Value(ReportValue::new(q.value().get() * share).unwrap()),
        Measure::Milestone => Actual::Percent(Percent::new(share * 100.0).unwrap()),
    };
    ReportContent {
        actual,
        progress: "按计划推进".into(),
        problems: String::new(),
        next_steps: String::new(),
        funds: None,
    }
}

fn month(m: u8) -> Period {
    Period::new(2020, m).unwrap()
}

fn day(m: u8, d: u8) -> Date {
    Date::from_calendar_date(2020, time::Month::try_from(m).unwrap(), d).unwrap()
}

/// Files (and approves) the months `months` of `target`, each on the 20th unless `late`
/// names it (then on the 28th, three days after the due day, the 25th).
async fn file(
    store: &Store,
    target: &Target,
    months: std::ops::RangeInclusive<u8>,
    late: &[u8],
    last_share: f64,
) {
    let last = *months.end();
    for m in months {
        let share = if m == last {
            last_share
        } else {
            f64::from(m) / 24.0
        };
        let on = if late.contains(&m) {
            day(m, 28)
        } else {
            day(m, 20)
        };
        let report = store
            .file_report(
                Actor::System,
                target.id,
                month(m),
                content(target, share),
                on,
            )
            .await
            .unwrap();
        store
            .approve_report(Actor::System, report.id())
            .await
            .unwrap();
    }
}

async fn get(site: &Site, who: &Browser, path: &str) -> (StatusCode, String) {
    let response = site
        .client
        .get(format!("{}{path}", site.base))
        .header(COOKIE, &who.cookie)
        .send()
        .await
        .unwrap();
    (response.status(), response.text().await.unwrap())
}

async fn post(
    site: &Site,
    who: &Browser,
    path: &str,
    fields: &[(&str, &str)],
) -> (StatusCode, String) {
    let mut form = vec![("csrf", who.csrf.as_str())];
    form.extend_from_slice(fields);
    let response = site
        .client
        .post(format!("{}{path}", site.base))
        .header(COOKIE, &who.cookie)
        .form(&form)
        .send()
        .await
        .unwrap();
    let location = response
        .headers()
        .get(LOCATION)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (response.status(), location)
}

/// The cells of the ranked table's row for `name`: rank, then each part and the total.
fn ranking_row(body: &str, name: &str) -> Vec<String> {
    let start = body.find(&format!(">{name}</a>")).expect(name);
    let row_start = body[..start].rfind("<tr").unwrap();
    let row_end = start + body[start..].find("</tr>").unwrap();
    body[row_start..row_end]
        .split("<td class=\"num\">")
        .skip(1)
        .map(|cell| {
            let text: String = cell.split("</td>").next().unwrap().to_owned();
            text.replace("<strong class=\"total\">", "")
                .replace("</strong>", "")
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_year_end_ranking_and_each_units_lines_match_figures_computed_by_hand() {
    let site = Site::new(Options {
        today: YEAR_END,
        users: &[("admin", Role::Admin, None), ("leader", Role::Leader, None)],
        ..Default::default()
    })
    .await
    .unwrap();
    let store = &site.store;
    let plan = store.plans().await.unwrap()[0].id();
    let detail = store.plan(plan).await.unwrap();
    let units = single_target_units(&detail);
    assert!(units.len() >= 3, "the plan has units with one target each");
    let (u, u_name, u_target) = units[0].clone();
    let (v, v_name, v_target) = units[1].clone();
    let (w, _, _) = units[2].clone();
    add_user(
        store,
        "clerk",
        "clerk".into(),
        "clerk-password".into(),
        Role::Reporter,
        Some(u),
    )
    .await;
    add_user(
        store,
        "vhead",
        "vhead".into(),
        "vhead-password".into(),
        Role::UnitHead,
        Some(v),
    )
    .await;

    // U: January to November approved, March sent late, June returned once and corrected,
    // half the target done by November; December never filed.
    file(store, &u_target, 1..=5, &[3], 5.0 / 24.0).await;
    let june = store
        .file_report(
            Actor::System,
            u_target.id,
            month(6),
            content(&u_target, 0.3),
            day(6, 20),
        )
        .await
        .unwrap();
    store
        .return_report(
            Actor::System,
            june.id(),
            Reason::parse("照片与进展不符").unwrap(),
        )
        .await
        .unwrap();
    store
        .revise_report(Actor::System, june.id(), content(&u_target, 0.25))
        .await
        .unwrap();
    store
        .submit_report(Actor::System, june.id(), day(6, 26))
        .await
        .unwrap();
    store
        .approve_report(Actor::System, june.id())
        .await
        .unwrap();
    file(store, &u_target, 7..=11, &[], 0.5).await;
    // V: every month on time, done in December.
    file(store, &v_target, 1..=12, &[], 1.0).await;

    // By hand, without a survey the weights 50/20/15 become 58.8235/23.5294/17.6471:
    // U: completion 0.5 × 58.8235 = 29.41; timeliness 10 of 12 on time: 19.61; quality
    // 11 reports, 1 return: 17.6471 × 10/11 = 16.04; total 65.06.
    // V: 58.82 + 23.53 + 17.65 = 100.00. Every other unit: nothing filed, 0.00.
    let admin = site.sign_in("admin").await;
    let (status, body) = get(&site, &admin, &format!("/assessment?plan={plan}")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        ranking_row(&body, &v_name),
        ["1", "58.82", "23.53", "17.65", "—", "0.00", "100.00"]
    );
    assert_eq!(
        ranking_row(&body, &u_name),
        ["2", "29.41", "19.61", "16.04", "—", "0.00", "65.06"]
    );
    assert!(body.find(&v_name).unwrap() < body.find(&u_name).unwrap());

    // U's lines, each with what it comes from.
    let (status, lines) = get(&site, &admin, &format!("/assessment/units/{u}?plan={plan}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(lines.contains("总分 <strong class=\"total\">65.06</strong>"));
    assert!(
        lines.contains("2020-03 月报于2020-03-28报送，晚于报送期限2020-03-25（逾期3天），扣1.96分")
    );
    assert!(lines.contains("2020-12 月报截至2020-12-31未报送"));
    assert!(lines.contains("第1版被退回（照片与进展不符），扣1.60分"));
    assert!(lines.contains(&format!("href=\"/reports/{}\"", june.id())));
    assert!(lines.contains("按权重比例并入其余三项"));
    assert!(lines.contains("最近已审核的 2020-11 月报完成50.0%"));

    // A penalty of 40 on V, with its reason, puts U first.
    let audit_before = store.verify_audit().await.unwrap();
    let (status, location) = post(
        &site,
        &admin,
        "/assessment/entries",
        &[
            ("plan", &plan.to_string()),
            ("unit", &v.to_string()),
            ("points", "-40"),
            ("reason", "发生重大责任事故，年度考核扣分"),
            ("order", ""),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(location.contains("done=entry"));
    assert_eq!(store.verify_audit().await.unwrap(), audit_before + 1);
    let (_, body) = get(&site, &admin, &format!("/assessment?plan={plan}")).await;
    assert_eq!(ranking_row(&body, &u_name)[0], "1");
    assert_eq!(
        ranking_row(&body, &v_name),
        ["2", "58.82", "23.53", "17.65", "—", "-40.00", "60.00"]
    );
    assert!(body.contains("发生重大责任事故，年度考核扣分"));
    let (_, v_lines) = get(&site, &admin, &format!("/assessment/units/{v}?plan={plan}")).await;
    assert!(v_lines.contains("扣分40.00分：发生重大责任事故，年度考核扣分"));

    // Refused without a token, and for a leader: nothing written.
    let leader = site.sign_in("leader").await;
    // Signing in is an event of its own.
    let before_refusals = store.verify_audit().await.unwrap();
    let forged = Browser {
        cookie: admin.cookie.clone(),
        csrf: "forged".into(),
    };
    let fields = [
        ("plan", "1"),
        ("unit", "1"),
        ("points", "5"),
        ("reason", "x"),
    ];
    assert_eq!(
        post(&site, &forged, "/assessment/entries", &fields).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        post(&site, &leader, "/assessment/entries", &fields).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(store.verify_audit().await.unwrap(), before_refusals);

    // The leader reads the table; the workbook downloads and reads back.
    assert_eq!(
        get(&site, &leader, &format!("/assessment?plan={plan}"))
            .await
            .0,
        StatusCode::OK
    );
    let response = site
        .client
        .get(format!("{}/assessment.xlsx?plan={plan}", site.base))
        .header(COOKIE, &leader.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers()[CONTENT_TYPE]
        .to_str()
        .unwrap()
        .contains("spreadsheetml"));
    let bytes = response.bytes().await.unwrap();
    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes.to_vec())).unwrap();
    let ranking = book.worksheet_range("排名").unwrap();
    let rows: Vec<Vec<Data>> = ranking.rows().map(<[Data]>::to_vec).collect();
    assert_eq!(rows[1][0], Data::String("名次".into()));
    assert_eq!(rows[2][1], Data::String(u_name.clone()));
    assert_eq!(rows[2][7], Data::Float(65.06));
    assert_eq!(rows[3][1], Data::String(v_name.clone()));
    assert_eq!(rows[3][6], Data::Float(-40.0));
    assert_eq!(rows[3][7], Data::Float(60.0));
    let detail_sheet = book.worksheet_range("明细").unwrap();
    assert!(detail_sheet.rows().any(|r| r.iter().any(|c| matches!(
        c,
        Data::String(s) if s.starts_with("扣分40.00分：发生重大责任事故，年度考核扣分")
    ))));

    // Withdrawn, the penalty stays listed but counts no more.
    let entries = store.assessment_entries(plan).await.unwrap();
    let (status, _) = post(
        &site,
        &admin,
        &format!("/assessment/entries/{}/withdraw", entries[0].id()),
        &[("reason", "经复核不属实")],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, body) = get(&site, &admin, &format!("/assessment?plan={plan}")).await;
    assert_eq!(ranking_row(&body, &v_name)[6], "100.00");
    assert!(body.contains("经复核不属实"));

    // A unit's own people read their unit's lines, and no other unit's.
    let clerk = site.sign_in("clerk").await;
    assert_eq!(
        get(&site, &clerk, &format!("/assessment/units/{u}?plan={plan}"))
            .await
            .0,
        StatusCode::OK
    );
    assert_eq!(
        get(&site, &clerk, &format!("/assessment/units/{v}?plan={plan}"))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        get(&site, &clerk, &format!("/assessment?plan={plan}"))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        get(&site, &clerk, &format!("/assessment.xlsx?plan={plan}"))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    let vhead = site.sign_in("vhead").await;
    assert_eq!(
        get(&site, &vhead, &format!("/assessment/units/{v}?plan={plan}"))
            .await
            .0,
        StatusCode::OK
    );
    assert_eq!(
        get(&site, &vhead, &format!("/assessment/units/{w}?plan={plan}"))
            .await
            .0,
        StatusCode::FORBIDDEN
    );

    // Weights: set from the form, refused when they do not make 100.
    let weights = [
        ("plan", plan.to_string()),
        ("completion", "60".into()),
        ("timeliness", "20".into()),
        ("quality", "20".into()),
        ("satisfaction", "0".into()),
    ];
    let fields: Vec<(&str, &str)> = weights.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(
        post(&site, &admin, "/assessment/weights", &fields).await.0,
        StatusCode::SEE_OTHER
    );
    // U now: 0.5 × 60 + 20 × 10/12 + 20 × 10/11 = 30 + 16.67 + 18.18 = 64.85.
    let (_, body) = get(&site, &admin, &format!("/assessment?plan={plan}")).await;
    assert_eq!(ranking_row(&body, &u_name)[6], "64.85");
    let mut bad = fields.clone();
    bad[1] = ("completion", "50");
    assert_eq!(
        post(&site, &admin, "/assessment/weights", &bad).await.0,
        StatusCode::BAD_REQUEST
    );

    // The dashboard links to the ranking.
    let (_, dashboard) = get(&site, &admin, "/dashboard").await;
    assert!(dashboard.contains(&format!("href=\"/assessment?plan={plan}\"")));
    let _: PlanId = plan;
    site.finish().await;
}
