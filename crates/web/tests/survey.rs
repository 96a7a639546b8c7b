//! The satisfaction survey end to end: a real server on port 0 over a fresh database with
//! the Haizhou 2020 plan; the supervisor opens a survey through the form, two public
//! browsers and two deputies rate, repeats are refused, the supervisor closes it, and the
//! public results page and the year-end assessment show what was rated. A survey by
//! invitation takes only its own codes, each once per item. Abuse: oversized, forged or
//! unanswered forms and floods are refused and store nothing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use calamine::{open_workbook_from_rs, Data, Reader, Xlsx};
use common::{cookie_named, field_value, Answer, Backend, Browser, Options, Site};
use reqwest::header::COOKIE;
use reqwest::StatusCode;
use shishi_core::{ItemId, PlanId, Role, UnitId};
use std::io::Cursor;
use time::macros::date;

const WORDS: [&str; 10] = ["零", "一", "二", "三", "四", "五", "六", "七", "八", "九"];

async fn site() -> Site {
    site_on(Backend::Sqlite).await.unwrap()
}

/// `None` on PostgreSQL when no server is configured.
async fn site_on(backend: Backend) -> Option<Site> {
    Site::new(Options {
        backend,
        today: date!(2020 - 12 - 20),
        users: &[
            ("admin", Role::Admin, None),
            ("deputy1", Role::Deputy, None),
            ("deputy2", Role::Deputy, None),
            ("leader", Role::Leader, None),
        ],
        ..Default::default()
    })
    .await
}

/// A member of the public: the sign-in form's token cookie, and the rater cookie the survey
/// page gives a browser on its first visit.
async fn public_browser(site: &Site, survey: &str) -> Browser {
    let visitor = site.visitor().await;
    let response = site
        .client
        .get(format!("{}{survey}", site.base))
        .header(COOKIE, &visitor.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    // A survey by invitation knows the public by their code, not their browser.
    let cookie = match cookie_named(&response, "shishi_rater") {
        Some(rater) => format!("{}; {rater}", visitor.cookie),
        None => visitor.cookie,
    };
    Browser {
        cookie,
        csrf: visitor.csrf,
    }
}

/// The sum the page's challenge asks for, and its token.
fn challenge(body: &str) -> Option<(String, String)> {
    let start = body.find("验证题：")? + "验证题：".len();
    let end = start + body[start..].find("（请填数字）")?;
    let sum: usize = body[start..end]
        .chars()
        .filter_map(|c| WORDS.iter().position(|w| w.starts_with(c)))
        .sum();
    Some((sum.to_string(), field_value(body, "challenge")?))
}

/// Opens the rating page as `who` and posts `fields` with the challenge answered.
async fn rate(site: &Site, who: &Browser, survey: &str, fields: &[(&str, &str)]) -> Answer {
    let page = site.get(Some(who), survey).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let mut form: Vec<(&str, &str)> = fields.to_vec();
    let answered = challenge(&page.body);
    if let Some((answer, token)) = &answered {
        form.push(("answer", answer));
        form.push(("challenge", token));
    }
    site.post(who, survey, &form).await
}

/// Two items with no lead unit in common: the first item, and the first after it that
/// shares none of its lead units; a unit that leads the first; one that leads neither.
async fn two_items(site: &Site, plan: PlanId) -> (ItemId, ItemId, String, String, UnitId) {
    let detail = site.store.plan(plan).await.unwrap();
    let mut items: Vec<_> = detail.items.iter().map(|d| d.item.clone()).collect();
    items.sort_by_key(|i| i.seq);
    let a = items.iter().find(|i| !i.lead_units.is_empty()).unwrap();
    let b = items
        .iter()
        .find(|i| {
            i.id != a.id
                && !i.lead_units.is_empty()
                && i.lead_units.iter().all(|u| !a.lead_units.contains(u))
        })
        .unwrap();
    let name = |id: UnitId| {
        detail
            .units
            .iter()
            .find(|u| u.id == id)
            .unwrap()
            .name
            .clone()
    };
    let rated = a.lead_units[0];
    let unrated = items
        .iter()
        .flat_map(|i| i.lead_units.iter().copied())
        .find(|u| !a.lead_units.contains(u) && !b.lead_units.contains(u))
        .unwrap();
    (a.id, b.id, name(rated), name(unrated), unrated)
}

/// The number cells of the table row whose heading starts with `label`.
fn row_cells(body: &str, label: &str) -> Vec<String> {
    let start = body
        .find(label)
        .unwrap_or_else(|| panic!("{label} in {body}"));
    let row_start = body[..start].rfind("<tr").unwrap();
    let row_end = start + body[start..].find("</tr>").unwrap();
    body[row_start..row_end]
        .split("<td class=\"num\">")
        .skip(1)
        .map(|cell| {
            cell.split("</td>")
                .next()
                .unwrap()
                .replace("<strong class=\"total\">", "")
                .replace("<strong>", "")
                .replace("</strong>", "")
        })
        .collect()
}

async fn survey_actions(site: &Site) -> Vec<String> {
    site.store
        .audit_events(0, 10_000)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.entity == "survey")
        .map(|e| e.action)
        .collect()
}

async fn open_survey(site: &Site, admin: &Browser, plan: PlanId, audience: &str) -> String {
    let plan = plan.get().to_string();
    let opened = site
        .post(
            admin,
            "/surveys",
            &[
                ("plan", &plan),
                ("name", "2020年民生实事项目群众满意度测评"),
                ("audience", audience),
                ("closes_on", ""),
            ],
        )
        .await;
    assert_eq!(opened.status, StatusCode::SEE_OTHER, "{}", opened.body);
    // `/surveys/{id}/results?done=opened`.
    let id = opened.location.split('/').nth(2).unwrap().to_owned();
    format!("/surveys/{id}")
}

async fn ratings_stored(site: &Site, plan: PlanId) -> u64 {
    site.store.surveys(plan).await.unwrap()[0].ratings
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_survey_rated_by_the_public_and_deputies_is_closed_and_its_results_feed_the_assessment() {
    rated_closed_and_assessed(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_survey_on_postgresql() {
    rated_closed_and_assessed(Backend::Postgres).await;
}

async fn rated_closed_and_assessed(backend: Backend) {
    let Some(site) = site_on(backend).await else {
        return;
    };
    let plan = site.store.plans().await.unwrap()[0].id();
    let (a, b, rated_unit, unrated_unit, unrated_id) = two_items(&site, plan).await;
    let (ra, rb) = (format!("r{a}"), format!("r{b}"));
    let ca = format!("c{a}");
    let admin = site.sign_in("admin").await;

    // The form to open one is the supervisor's; the public sees the list without it.
    let list = site.get(None, "/surveys").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(!list.body.contains("开始新的测评"));
    let survey = open_survey(&site, &admin, plan, "anyone").await;
    assert_eq!(survey_actions(&site).await, ["open"]);
    let list = site.get(None, "/surveys").await;
    assert!(list.body.contains("2020年民生实事项目群众满意度测评"));
    assert!(list.body.contains("进行中"));
    assert!(list.body.contains(&format!("href=\"{survey}\"")));

    // The public's page: every item with three choices and none chosen.
    let one = public_browser(&site, &survey).await;
    let page = site.get(Some(&one), &survey).await;
    assert!(page
        .body
        .contains(&format!("name=\"{ra}\" value=\"satisfied\"")));
    assert!(page
        .body
        .contains(&format!("name=\"{rb}\" value=\"dissatisfied\"")));
    assert!(!page.body.contains(" checked"));
    assert!(page.body.contains("验证题："));

    // Two browsers rate; a comment with HTML in it is kept as text.
    let script = "<script>alert('x')</script>路灯亮了";
    let rated = rate(
        &site,
        &one,
        &survey,
        &[(&ra, "satisfied"), (&ca, script), (&rb, "dissatisfied")],
    )
    .await;
    assert_eq!(rated.status, StatusCode::SEE_OTHER, "{}", rated.body);
    assert_eq!(rated.location, format!("{survey}?done=rated"));
    let thanks = site.get(Some(&one), &rated.location).await;
    assert!(thanks.body.contains("感谢您的评价"));
    assert!(thanks.body.contains("您已评价过此项"));
    assert_eq!(ratings_stored(&site, plan).await, 2);

    // The same browser again on item a: refused clearly, nothing stored.
    let again = rate(&site, &one, &survey, &[(&ra, "basic")]).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(again.body.contains("您已评价过此项"));
    assert!(again.body.contains("本次评价没有保存"));
    assert_eq!(ratings_stored(&site, plan).await, 2);

    let two = public_browser(&site, &survey).await;
    let rated = rate(&site, &two, &survey, &[(&ra, "basic"), (&rb, "satisfied")]).await;
    assert_eq!(rated.status, StatusCode::SEE_OTHER, "{}", rated.body);

    // Two deputies, signed in, no challenge; one rating each.
    let deputy1 = site.sign_in("deputy1").await;
    let deputy2 = site.sign_in("deputy2").await;
    let page = site.get(Some(&deputy1), &survey).await;
    assert!(page.body.contains("人大代表身份"));
    assert!(!page.body.contains("验证题"));
    let rated = rate(&site, &deputy1, &survey, &[(&ra, "satisfied")]).await;
    assert_eq!(rated.status, StatusCode::SEE_OTHER, "{}", rated.body);
    let rated = rate(
        &site,
        &deputy2,
        &survey,
        &[(&ra, "dissatisfied"), (&rb, "basic")],
    )
    .await;
    assert_eq!(rated.status, StatusCode::SEE_OTHER, "{}", rated.body);
    let again = rate(&site, &deputy1, &survey, &[(&ra, "basic")]).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(again.body.contains("您已评价过此项"));
    assert_eq!(ratings_stored(&site, plan).await, 7);

    // Staff do not rate.
    let leader = site.sign_in("leader").await;
    let page = site.get(Some(&leader), &survey).await;
    assert!(page.body.contains("工作人员账号不参加满意度测评"));
    let refused = site.post(&leader, &survey, &[(&rb, "basic")]).await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert_eq!(ratings_stored(&site, plan).await, 7);

    // While open the figures are the supervisor's, with the comments (as text).
    let results = format!("{survey}/results");
    let early = site.get(None, &results).await;
    assert_eq!(early.status, StatusCode::OK);
    assert!(early.body.contains("结果将在测评结束后公布"));
    assert!(!early.body.contains("按牵头单位"));
    let own = site.get(Some(&admin), &results).await;
    assert!(own.body.contains("按牵头单位"));
    assert!(own
        .body
        .contains("&#60;script&#62;alert(&#39;x&#39;)&#60;/script&#62;路灯亮了"));
    assert!(!own.body.contains("<script>"));

    let survey_id = survey.trim_start_matches("/surveys/").to_owned();
    let api_results = format!("/api/v1/surveys/{survey_id}/results");
    assert_eq!(
        site.get(None, &api_results).await.status,
        StatusCode::CONFLICT
    );

    let closed = site.post(&admin, &format!("{survey}/close"), &[]).await;
    assert_eq!(closed.status, StatusCode::SEE_OTHER, "{}", closed.body);
    assert_eq!(survey_actions(&site).await, ["open", "close"]);
    let twice = site.post(&admin, &format!("{survey}/close"), &[]).await;
    assert_eq!(twice.status, StatusCode::CONFLICT);

    // After closing: no more ratings.
    let three = public_browser(&site, &survey).await;
    let page = site.get(Some(&three), &survey).await;
    assert!(page.body.contains("本次测评已结束"));
    assert!(!page.body.contains("name=\"answer\""));
    let late = site.post(&three, &survey, &[(&rb, "basic")]).await;
    assert_eq!(late.status, StatusCode::CONFLICT);
    assert!(late.body.contains("该测评已结束"));
    let late = site.post(&deputy1, &survey, &[(&rb, "basic")]).await;
    assert_eq!(late.status, StatusCode::CONFLICT);
    assert_eq!(ratings_stored(&site, plan).await, 7);

    // The public results, per item and per unit, by group; no comment is public.
    let public = site.get(None, &results).await;
    assert_eq!(public.status, StatusCode::OK);
    assert!(public
        .body
        .contains("满意率 =（满意 + 基本满意）÷ 有效评价"));
    assert!(public.body.contains("群众 4 条，人大代表 3 条"));
    assert!(!public.body.contains("路灯亮了"));
    let item_a = format!("href=\"/items/{a}\"");
    let item_b = format!("href=\"/items/{b}\"");
    // 群众 满意 基本 不满意 有效 满意率 | 人大代表 … | 综合
    assert_eq!(
        row_cells(&public.body, &item_a),
        ["1", "1", "0", "2", "100.0%", "1", "0", "1", "2", "50.0%", "75.0%"]
    );
    assert_eq!(
        row_cells(&public.body, &item_b),
        ["1", "0", "1", "2", "50.0%", "0", "1", "0", "1", "100.0%", "75.0%"]
    );
    let unit_row = format!("<th scope=\"row\">{rated_unit}<br>");
    assert_eq!(
        row_cells(&public.body, &unit_row),
        ["1", "1", "0", "2", "100.0%", "1", "0", "1", "2", "50.0%", "75.0%"]
    );
    let unrated_row = format!("<th scope=\"row\">{unrated_unit}<br>");
    assert_eq!(
        row_cells(&public.body, &unrated_row),
        ["0", "0", "0", "0", "—", "0", "0", "0", "0", "—", "—"]
    );

    // The same figures as JSON, and the plan's surveys.
    let json: serde_json::Value =
        serde_json::from_str(&site.get(None, &api_results).await.body).unwrap();
    assert_eq!(json["survey"]["state"], "closed");
    assert_eq!(json["survey"]["closed_on"], "2020-12-20");
    let item = json["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["item"] == a.get())
        .unwrap();
    assert_eq!(item["ratings"]["public"]["satisfied"], 1);
    assert_eq!(item["ratings"]["public"]["share"], 1.0);
    assert_eq!(item["ratings"]["deputies"]["dissatisfied"], 1);
    assert_eq!(item["ratings"]["deputies"]["share"], 0.5);
    assert_eq!(item["ratings"]["combined"], 0.75);
    let unit = json["units"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["name"] == rated_unit.as_str())
        .unwrap();
    assert_eq!(unit["ratings"]["combined"], 0.75);
    let list: serde_json::Value = serde_json::from_str(
        &site
            .get(None, &format!("/api/v1/plans/{plan}/surveys"))
            .await
            .body,
    )
    .unwrap();
    assert_eq!(list[0]["name"], "2020年民生实事项目群众满意度测评");
    let openapi = site.get(None, "/api/v1/openapi.json").await.body;
    assert!(openapi.contains("/api/v1/surveys/{id}/results"));

    // The assessment: 15 points × 75.0% for the rated unit; the unrated one keeps the
    // redistribution of the satisfaction weight.
    let ranking = site
        .get(Some(&admin), &format!("/assessment?plan={plan}"))
        .await;
    assert_eq!(ranking.status, StatusCode::OK);
    assert_eq!(
        row_cells(&ranking.body, &format!(">{rated_unit}</a>"))[4],
        "11.25"
    );
    assert_eq!(
        row_cells(&ranking.body, &format!(">{unrated_unit}</a>"))[4],
        "—"
    );
    // The .xlsx too: column 5 (群众满意度) of the ranking sheet.
    let xlsx = site
        .get(Some(&admin), &format!("/assessment.xlsx?plan={plan}"))
        .await;
    assert_eq!(xlsx.status, StatusCode::OK);
    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(xlsx.bytes)).unwrap();
    let sheet = book.worksheet_range("排名").unwrap();
    let cell = |name: &str| {
        sheet
            .rows()
            .find(|r| r.get(1) == Some(&Data::String(name.to_owned())))
            .unwrap_or_else(|| panic!("{name} in the .xlsx"))[5]
            .clone()
    };
    assert_eq!(cell(&rated_unit), Data::Float(11.25));
    assert_eq!(cell(&unrated_unit), Data::String("—".into()));
    let rated_id = site
        .store
        .plan(plan)
        .await
        .unwrap()
        .units
        .iter()
        .find(|u| u.name == rated_unit)
        .unwrap()
        .id;
    let lines = site
        .get(
            Some(&admin),
            &format!("/assessment/units/{rated_id}?plan={plan}"),
        )
        .await;
    assert!(lines
        .body
        .contains("群众满意度测评“2020年民生实事项目群众满意度测评”满意率75.0%，得11.25分"));
    let lines = site
        .get(
            Some(&admin),
            &format!("/assessment/units/{unrated_id}?plan={plan}"),
        )
        .await;
    assert!(lines.body.contains("没有本单位的群众满意度测评结果"));
    assert!(lines.body.contains("按权重比例并入其余三项"));
    site.store.verify_audit().await.unwrap();
    site.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_survey_by_invitation_takes_only_its_own_codes_each_once_per_item() {
    let site = site().await;
    let plan = site.store.plans().await.unwrap()[0].id();
    let (a, _, _, _, _) = two_items(&site, plan).await;
    let ra = format!("r{a}");
    let admin = site.sign_in("admin").await;
    let survey = open_survey(&site, &admin, plan, "invited").await;

    let generated = site
        .post(&admin, &format!("{survey}/codes"), &[("count", "3")])
        .await;
    assert_eq!(generated.status, StatusCode::OK, "{}", generated.body);
    assert_eq!(generated.cache, "no-store");
    assert!(generated.body.contains("只显示这一次"));
    let codes: Vec<String> = generated
        .body
        .split("<li><code>")
        .skip(1)
        .map(|s| s.split("</code>").next().unwrap().to_owned())
        .collect();
    assert_eq!(codes.len(), 3);
    assert!(codes
        .iter()
        .all(|c| c.len() == 11 && c.as_bytes()[5] == b'-'));
    // The log counts them without naming any.
    let events = site.store.audit_events(0, 10_000).await.unwrap();
    let event = events
        .iter()
        .find(|e| e.action == "generate_codes")
        .unwrap();
    for code in &codes {
        assert!(!event
            .after
            .as_deref()
            .unwrap()
            .contains(&code.replace('-', "")));
    }
    // The list to print.
    let joined = codes.join(" ");
    let csv = site
        .post(
            &admin,
            &format!("{survey}/codes.csv"),
            &[("codes", &joined)],
        )
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv.content_type.starts_with("text/csv"));
    assert!(csv
        .body
        .starts_with("\u{feff}序号,邀请码,测评名称,参加网址\r\n"));
    for code in &codes {
        assert!(csv.body.contains(code.as_str()));
    }
    assert!(csv.body.contains(&format!("{survey}\r\n")));
    // Codes are the supervisor's alone.
    let deputy = site.sign_in("deputy1").await;
    let refused = site
        .post(&deputy, &format!("{survey}/codes"), &[("count", "3")])
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    // A browser with a code the survey never gave out, or none at all, is refused.
    let stranger = public_browser(&site, &survey).await;
    let page = site.get(Some(&stranger), &survey).await;
    assert!(page.body.contains("name=\"code\""));
    let bad = rate(
        &site,
        &stranger,
        &survey,
        &[("code", "ZZZZZ-ZZZZZ"), (&ra, "satisfied")],
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("邀请码不对"));
    // What was typed stays on the form.
    assert!(bad.body.contains("value=\"ZZZZZ-ZZZZZ\""));
    assert!(bad
        .body
        .contains(&format!("name=\"{ra}\" value=\"satisfied\" checked")));
    let malformed = rate(
        &site,
        &stranger,
        &survey,
        &[("code", "abc"), (&ra, "basic")],
    )
    .await;
    assert_eq!(malformed.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(malformed.body.contains("邀请码格式不对"));
    assert_eq!(ratings_stored(&site, plan).await, 0);

    // A good code rates once per item, whichever browser brings it; typed in lowercase.
    let lower = codes[0].to_lowercase();
    let ok = rate(
        &site,
        &stranger,
        &survey,
        &[("code", &lower), (&ra, "satisfied")],
    )
    .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let other = public_browser(&site, &survey).await;
    let again = rate(
        &site,
        &other,
        &survey,
        &[("code", &codes[0]), (&ra, "basic")],
    )
    .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(again.body.contains("您已评价过此项"));
    let ok = rate(
        &site,
        &other,
        &survey,
        &[("code", &codes[1]), (&ra, "basic")],
    )
    .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    // Deputies need no code.
    let ok = rate(&site, &deputy, &survey, &[(&ra, "dissatisfied")]).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    assert_eq!(ratings_stored(&site, plan).await, 3);
    assert_eq!(site.store.surveys(plan).await.unwrap()[0].codes, 3);
    assert_eq!(survey_actions(&site).await, ["open", "generate_codes"]);
    site.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_forged_unanswered_and_flooding_ratings_are_refused_and_store_nothing() {
    let site = site().await;
    let plan = site.store.plans().await.unwrap()[0].id();
    let (a, _, _, _, _) = two_items(&site, plan).await;
    let (ra, ca) = (format!("r{a}"), format!("c{a}"));
    let admin = site.sign_in("admin").await;
    let survey = open_survey(&site, &admin, plan, "anyone").await;
    let public = public_browser(&site, &survey).await;

    // Without the form's token.
    let forged = site
        .post_raw(&public, &survey, &[("csrf", "forged"), (&ra, "satisfied")])
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    // A wrong answer to the challenge: the form again, with the choice kept.
    let page = site.get(Some(&public), &survey).await;
    let (answer, token) = challenge(&page.body).unwrap();
    let wrong = (answer.parse::<u32>().unwrap() + 1).to_string();
    let refused = site
        .post(
            &public,
            &survey,
            &[(&ra, "basic"), ("answer", &wrong), ("challenge", &token)],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("验证题的答案不对"));
    assert!(refused
        .body
        .contains(&format!("name=\"{ra}\" value=\"basic\" checked")));
    // Nothing chosen, a comment too long, a level that is none of the three.
    let empty = rate(&site, &public, &survey, &[]).await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(empty.body.contains("请至少评价一个项目"));
    let long = "很".repeat(101);
    let too_long = rate(&site, &public, &survey, &[(&ra, "basic"), (&ca, &long)]).await;
    assert_eq!(too_long.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(too_long.body.contains("意见不能超过100字"));
    let odd = rate(&site, &public, &survey, &[(&ra, "great")]).await;
    assert_eq!(odd.status, StatusCode::UNPROCESSABLE_ENTITY);
    let doubled = rate(
        &site,
        &public,
        &survey,
        &[(&ra, "basic"), (&ra, "dissatisfied")],
    )
    .await;
    assert_eq!(doubled.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(doubled.body.contains("每个项目只能选择一个评价"));
    // A body over the limit: a clear error in Chinese.
    // 15,000 characters are 135 KB as a form: just over the 128 KiB the route takes.
    let huge = "很".repeat(15_000);
    let oversized = site.post(&public, &survey, &[(&ca, &huge)]).await;
    assert_eq!(oversized.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(oversized.body.contains("提交的内容过长"));
    // No rater cookie: refused, not counted as a new rater.
    let cookieless = site.visitor().await;
    let page = site.get(Some(&cookieless), &survey).await;
    let (answer, token) = challenge(&page.body).unwrap();
    let refused = site
        .post(
            &cookieless,
            &survey,
            &[(&ra, "basic"), ("answer", &answer), ("challenge", &token)],
        )
        .await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(refused.body.contains("Cookie"));
    assert_eq!(ratings_stored(&site, plan).await, 0);

    // A flood from one address runs out of its budget (one per item rated): 429 with a
    // Retry-After, in Chinese, before anything is read from the database.
    let names: Vec<String> = (0..200).map(|n| format!("r{}", 1_000_000 + n)).collect();
    let fields: Vec<(&str, &str)> = names.iter().map(|n| (n.as_str(), "basic")).collect();
    let flood = site.post(&public, &survey, &fields).await;
    assert_eq!(flood.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(flood.body.contains("提交过于频繁"));
    let next = rate(&site, &public, &survey, &[(&ra, "basic")]).await;
    assert_eq!(next.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(ratings_stored(&site, plan).await, 0);
    // A deputy, signed in, is not held by the public's budget.
    let deputy = site.sign_in("deputy1").await;
    let ok = rate(&site, &deputy, &survey, &[(&ra, "basic")]).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    site.finish().await;
}
