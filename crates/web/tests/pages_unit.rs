//! The unit's pages end to end: a real server on port 0 over a fresh SQLite database holding
//! the Haizhou 2020 plan, signed in through the sign-in form like a browser (cookies and CSRF
//! tokens by hand, multipart bodies built here), checking what the pages say and what the
//! store holds afterwards.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{Answer, Backend, Browser, Options};
use reqwest::header::{CONTENT_TYPE, COOKIE};
use reqwest::StatusCode;
use shishi_core::{
    find_unit, Actual, Measure, Period, PlanId, PlanSettings, ReportId, ReportState, Role,
    TargetId, UnitId,
};
use shishi_store::Actor;
use std::ops::Deref;
use time::macros::date;

const TODAY: time::Date = date!(2020 - 07 - 15);

struct World {
    site: common::Site,
    plan: PlanId,
    education: UnitId,
}

impl Deref for World {
    type Target = common::Site;
    fn deref(&self) -> &common::Site {
        &self.site
    }
}

/// A part of a multipart form: a text field, or a file with its name.
#[derive(Clone, Copy)]
enum Part<'a> {
    Text(&'a str, &'a str),
    File(&'a str, &'a [u8]),
}

fn multipart(parts: &[Part<'_>]) -> (String, Vec<u8>) {
    let boundary = "----shishi-unit-test-boundary-q8Zr2";
    let mut body = Vec::new();
    for part in parts {
        match part {
            Part::Text(name, value) => body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
                )
                .as_bytes(),
            ),
            Part::File(file, bytes) => {
                // The browser's type claims a picture whatever the file is: it is not trusted.
                body.extend_from_slice(
                    format!(
                        "--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; \
                         filename=\"{file}\"\r\nContent-Type: image/jpeg\r\n\r\n"
                    )
                    .as_bytes(),
                );
                body.extend_from_slice(bytes);
                body.extend_from_slice(b"\r\n");
            }
        }
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// A tiny JPEG: start of image, an EXIF APP1 segment whose Exif IFD holds DateTimeOriginal,
/// end of image. Enough for a sniffer and an EXIF reader; no pixels.
fn jpeg_taken_at(when: &[u8; 19]) -> Vec<u8> {
    let mut tiff = Vec::new();
    tiff.extend_from_slice(b"II*\0");
    tiff.extend_from_slice(&8u32.to_le_bytes());
    // IFD0 at offset 8: one entry, the pointer to the Exif IFD.
    tiff.extend_from_slice(&1u16.to_le_bytes());
    tiff.extend_from_slice(&0x8769u16.to_le_bytes());
    tiff.extend_from_slice(&4u16.to_le_bytes());
    tiff.extend_from_slice(&1u32.to_le_bytes());
    tiff.extend_from_slice(&26u32.to_le_bytes());
    tiff.extend_from_slice(&0u32.to_le_bytes());
    // The Exif IFD at offset 26: DateTimeOriginal, 20 ASCII bytes at offset 44.
    tiff.extend_from_slice(&1u16.to_le_bytes());
    tiff.extend_from_slice(&0x9003u16.to_le_bytes());
    tiff.extend_from_slice(&2u16.to_le_bytes());
    tiff.extend_from_slice(&20u32.to_le_bytes());
    tiff.extend_from_slice(&44u32.to_le_bytes());
    tiff.extend_from_slice(&0u32.to_le_bytes());
    tiff.extend_from_slice(when);
    tiff.push(0);
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend_from_slice(&tiff);
    let mut jpeg = vec![0xFF, 0xD8, 0xFF, 0xE1];
    jpeg.extend_from_slice(&u16::try_from(app1.len() + 2).unwrap().to_be_bytes());
    jpeg.extend_from_slice(&app1);
    jpeg.extend_from_slice(&[0xFF, 0xD9]);
    jpeg
}

impl World {
    /// A fresh database with the Haizhou 2020 plan; an admin; a reporter and a unit head of
    /// 区教育局 and a reporter of 区卫健委; a server whose day is 15 July 2020.
    async fn new() -> Self {
        let site = common::Site::new(Options {
            backend: Backend::Sqlite,
            today: TODAY,
            users: &[
                ("admin", Role::Admin, None),
                ("edu", Role::Reporter, Some("区教育局")),
                ("eduhead", Role::UnitHead, Some("区教育局")),
                ("health", Role::Reporter, Some("区卫健委")),
            ],
            ..Options::default()
        })
        .await
        .unwrap();
        let plan = site.store.plans().await.unwrap()[0].id();
        let units = site.store.units().await.unwrap();
        let education = find_unit(&units, "区教育局", Some("海州区")).unwrap().id;
        Self {
            site,
            plan,
            education,
        }
    }

    async fn finish(self) {
        self.site.finish().await;
    }

    async fn post_multipart(&self, who: &Browser, path: &str, parts: &[Part<'_>]) -> Answer {
        let (content_type, body) = multipart(parts);
        let response = self
            .client
            .post(format!("{}{path}", self.base))
            .header(COOKIE, &who.cookie)
            .header(CONTENT_TYPE, content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        Answer::read(response).await
    }

    /// The targets of the items 区教育局 leads, in the notice's order.
    async fn education_targets(&self) -> Vec<(TargetId, Measure)> {
        let detail = self.store.plan(self.plan).await.unwrap();
        detail
            .items
            .iter()
            .filter(|e| e.item.lead_units.contains(&self.education))
            .flat_map(|e| e.targets.iter().map(|t| (t.id, t.measure.clone())))
            .collect()
    }

    /// A quantity target of 区教育局's.
    async fn education_quantity(&self) -> TargetId {
        self.education_targets()
            .await
            .into_iter()
            .find(|(_, m)| matches!(m, Measure::Quantity(_)))
            .unwrap()
            .0
    }

    async fn report_count(&self, target: TargetId) -> usize {
        self.store.reports_for_target(target).await.unwrap().len()
    }
}

fn report_path(target: TargetId) -> String {
    format!("/targets/{}/report", target.get())
}

/// A filled report form for June 2020, with `files`.
fn june<'a>(csrf: &'a str, value: &'a str, files: &[Part<'a>]) -> Vec<Part<'a>> {
    let mut parts = vec![
        Part::Text("csrf", csrf),
        Part::Text("period", "2020-06"),
        Part::Text("value", value),
        Part::Text("progress", "已完成主体工程，正在内部装修"),
        Part::Text("problems", "雨季影响工期"),
        Part::Text("next_steps", "八月底前完成验收"),
        Part::Text("funds", "到位1200万元"),
    ];
    parts.extend_from_slice(files);
    parts
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn my_targets_lists_exactly_the_units_targets() {
    let world = World::new().await;
    let edu = world.sign_in("edu").await;
    let page = world.get(Some(&edu), "/my").await;
    assert_eq!(page.status, StatusCode::OK);
    let body = page.body.clone();
    let ours = world.education_targets().await;
    assert!(!ours.is_empty());
    assert_eq!(
        body.matches("class=\"report-link").count(),
        ours.len(),
        "{body}"
    );
    for (target, _) in &ours {
        assert!(body.contains(&format!("href=\"{}\"", report_path(*target))));
    }
    // January's report was due on 25 January and none was sent.
    assert!(body.contains("2020-01"));
    assert!(body.contains("未报"));
    assert!(body.contains("已逾期"));

    // A target of another unit is not there.
    let detail = world.store.plan(world.plan).await.unwrap();
    let other = detail
        .items
        .iter()
        .find(|e| !e.item.lead_units.contains(&world.education) && !e.targets.is_empty())
        .unwrap();
    assert!(!body.contains(&format!("href=\"{}\"", report_path(other.targets[0].id))));

    // The public signs in first; the supervisor has the dashboard instead.
    let public = world.get(None, "/my").await;
    assert_eq!(public.status, StatusCode::SEE_OTHER);
    assert!(public.location.starts_with("/login"), "{}", public.location);
    let admin = world.sign_in("admin").await;
    let page = world.get(Some(&admin), "/my").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location, "/dashboard");
    world.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_report_with_a_photo_is_stored_and_the_photo_is_public_once_approved() {
    let world = World::new().await;
    let target = world.education_quantity().await;
    let edu = world.sign_in("edu").await;

    let form = world.get(Some(&edu), &report_path(target)).await;
    assert_eq!(form.status, StatusCode::OK);
    let body = form.body.clone();
    assert!(body.contains("enctype=\"multipart/form-data\""));
    for field in [
        "period",
        "value",
        "progress",
        "problems",
        "next_steps",
        "funds",
        "files",
    ] {
        assert!(body.contains(&format!("name=\"{field}\"")), "{field}");
    }
    // The earliest month without a report is chosen.
    assert!(
        body.contains("<option value=\"2020-01\" selected>"),
        "{body}"
    );

    let photo = jpeg_taken_at(b"2020:06:28 16:45:09");
    let answer = world
        .post_multipart(
            &edu,
            &report_path(target),
            &june(&edu.csrf, "1.2万", &[Part::File("现场.jpg", &photo)]),
        )
        .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    let id: i64 = answer
        .location
        .strip_prefix("/reports/")
        .unwrap()
        .parse()
        .unwrap();
    let report = world.store.report(ReportId::new(id)).await.unwrap();
    assert_eq!(report.period(), Period::parse("2020-06").unwrap());
    assert_eq!(report.state(), &ReportState::Submitted);
    match report.current().content.actual {
        Actual::Value(v) => assert_eq!(v.get(), 12000.0),
        Actual::Percent(_) => panic!("a quantity target"),
    }
    assert_eq!(
        report.current().content.funds.as_deref(),
        Some("到位1200万元")
    );
    let files = world
        .store
        .attachments_for_report(report.id())
        .await
        .unwrap();
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].content_type, "image/jpeg");
    assert_eq!(files[0].name, "现场.jpg");
    assert_eq!(files[0].captured_at.as_deref(), Some("2020-06-28T16:45:09"));
    let hash = files[0].hash.clone();
    let file_path = format!("/files/{hash}");

    let page = world.get(Some(&edu), &answer.location).await;
    assert_eq!(page.status, StatusCode::OK);
    let body = page.body.clone();
    assert!(body.contains("拍摄于 2020-06-28 16:45:09"), "{body}");
    assert!(body.contains(&format!("<img class=\"photo\" src=\"{file_path}\"")));
    assert!(body.contains("已报送"));
    assert!(body.contains("已完成主体工程"));

    // The reporter sees the photo; the public does not, until the report is approved.
    let mine = world.get(Some(&edu), &file_path).await;
    assert_eq!(mine.status, StatusCode::OK);
    assert_eq!(mine.bytes, photo);
    assert_eq!(mine.content_type, "image/jpeg");
    assert!(mine.cache.starts_with("private"), "{}", mine.cache);
    let public = world.get(None, &file_path).await;
    assert!(
        matches!(public.status, StatusCode::NOT_FOUND | StatusCode::FORBIDDEN),
        "{}",
        public.status
    );
    assert_ne!(public.bytes, photo);
    world
        .store
        .approve_report(Actor::System, report.id())
        .await
        .unwrap();
    let public = world.get(None, &file_path).await;
    assert_eq!(public.status, StatusCode::OK);
    assert_eq!(public.bytes, photo);
    assert!(public.cache.contains("immutable"), "{}", public.cache);

    // Unknown and malformed addresses are not found.
    let unknown = world.get(None, &format!("/files/{}", "0".repeat(64))).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    let malformed = world.get(Some(&edu), "/files/..%2F..%2Fetc").await;
    assert_eq!(malformed.status, StatusCode::NOT_FOUND);

    // The approved report is corrected with a new revision; the form is filled from it.
    let again = world
        .get(
            Some(&edu),
            &format!("{}?period=2020-06", report_path(target)),
        )
        .await;
    let body = again.body.clone();
    assert!(body.contains("第 2 次修订"), "{body}");
    assert!(body.contains("name=\"value\" value=\"12000\""), "{body}");
    world.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_that_is_not_what_its_name_says_is_refused_and_nothing_is_written() {
    let world = World::new().await;
    let target = world.education_quantity().await;
    let edu = world.sign_in("edu").await;
    let before = world.report_count(target).await;
    let answer = world
        .post_multipart(
            &edu,
            &report_path(target),
            &june(
                &edu.csrf,
                "3,500",
                &[Part::File(
                    "photo.jpg",
                    b"this is only some text, not a picture",
                )],
            ),
        )
        .await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    let body = answer.body.clone();
    assert!(body.contains("文件“photo.jpg”不是可接受的格式"), "{body}");
    assert!(body.contains("所选文件需要重新选择"));
    // What was typed is kept.
    assert!(body.contains("name=\"value\" value=\"3,500\""), "{body}");
    assert!(body.contains("已完成主体工程，正在内部装修"));
    assert_eq!(world.report_count(target).await, before);
    world.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_number_that_cannot_be_read_comes_back_with_what_was_typed() {
    let world = World::new().await;
    let target = world.education_quantity().await;
    let edu = world.sign_in("edu").await;
    let answer = world
        .post_multipart(&edu, &report_path(target), &june(&edu.csrf, "很多", &[]))
        .await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    let body = answer.body.clone();
    assert!(body.contains("name=\"value\" value=\"很多\""), "{body}");
    assert!(body.contains("无法把“很多”读成数字"), "{body}");
    assert!(body.contains("雨季影响工期"));
    assert!(body.contains("<option value=\"2020-06\" selected>"));
    assert_eq!(world.report_count(target).await, 0);

    // Without the progress text the form is refused too, by that field.
    let answer = world
        .post_multipart(
            &edu,
            &report_path(target),
            &[
                Part::Text("csrf", &edu.csrf),
                Part::Text("period", "2020-06"),
                Part::Text("value", "六千"),
            ],
        )
        .await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(answer.body.contains("请填写进展情况"));
    assert_eq!(world.report_count(target).await, 0);
    world.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_units_reporter_is_refused() {
    let world = World::new().await;
    let target = world.education_quantity().await;
    let edu = world.sign_in("edu").await;
    let answer = world
        .post_multipart(&edu, &report_path(target), &june(&edu.csrf, "六千", &[]))
        .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    let report = answer.location.clone();

    let health = world.sign_in("health").await;
    let page = world.get(Some(&health), &report).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(page.body.contains("无权访问"));
    let form = world.get(Some(&health), &report_path(target)).await;
    assert_eq!(form.status, StatusCode::FORBIDDEN);
    let answer = world
        .post_multipart(
            &health,
            &report_path(target),
            &june(&health.csrf, "七千", &[]),
        )
        .await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    assert!(answer.body.contains("无权访问"));
    let stored = world.store.reports_for_target(target).await.unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].revisions().count(), 1);

    // The public is sent to sign in.
    let public = world.get(None, &report).await;
    assert_eq!(public.status, StatusCode::SEE_OTHER);
    world.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_form_without_its_token_is_refused_and_nothing_is_written() {
    let world = World::new().await;
    let target = world.education_quantity().await;
    let edu = world.sign_in("edu").await;
    let mut parts = june("", "六千", &[]);
    parts.remove(0);
    let answer = world
        .post_multipart(&edu, &report_path(target), &parts)
        .await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    assert!(answer.body.contains("表单已失效"));
    let answer = world
        .post_multipart(&edu, &report_path(target), &june("forged", "六千", &[]))
        .await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    // Not a multipart form at all: it cannot carry the token either.
    let answer = world
        .post_raw(&edu, &report_path(target), &[("value", "六千")])
        .await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    assert_eq!(world.report_count(target).await, 0);
    world.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_unit_head_approves_where_the_plan_asks_for_it() {
    let world = World::new().await;
    let settings = PlanSettings {
        require_unit_head_approval: true,
        ..PlanSettings::default()
    };
    world
        .store
        .set_plan_settings(Actor::System, world.plan, settings)
        .await
        .unwrap();
    let target = world.education_quantity().await;
    let edu = world.sign_in("edu").await;
    let answer = world
        .post_multipart(&edu, &report_path(target), &june(&edu.csrf, "六千", &[]))
        .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER, "{}", answer.body);
    let id: i64 = answer
        .location
        .strip_prefix("/reports/")
        .unwrap()
        .parse()
        .unwrap();
    let approve = format!("/reports/{id}/unit-approve");

    // While it waits, the reporter cannot change it.
    let answer = world
        .post_multipart(&edu, &report_path(target), &june(&edu.csrf, "七千", &[]))
        .await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(answer.body.contains("正在审核中"));

    // A reporter may not take the unit head's step.
    let answer = world
        .post_raw(&edu, &approve, &[("csrf", edu.csrf.as_str())])
        .await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);

    let head = world.sign_in("eduhead").await;
    let my = world.get(Some(&head), "/my").await;
    let body = my.body.clone();
    assert!(body.contains("待我审核（1）"), "{body}");
    assert!(body.contains(&format!("action=\"{approve}\"")));
    assert!(body.contains(&format!("action=\"/reports/{id}/return\"")));
    let page = world.get(Some(&head), &format!("/reports/{id}")).await;
    assert!(page.body.contains(&format!("action=\"{approve}\"")));

    // Without the token: refused, unchanged.
    let answer = world.post_raw(&head, &approve, &[]).await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    assert_eq!(
        world.store.report(ReportId::new(id)).await.unwrap().state(),
        &ReportState::Submitted
    );
    let answer = world
        .post_raw(&head, &approve, &[("csrf", head.csrf.as_str())])
        .await;
    assert_eq!(answer.status, StatusCode::SEE_OTHER);
    assert!(answer.location.starts_with("/my"), "{}", answer.location);
    assert_eq!(
        world.store.report(ReportId::new(id)).await.unwrap().state(),
        &ReportState::UnitHeadApproved
    );
    let my = world.get(Some(&head), &answer.location).await;
    assert!(my.body.contains("待我审核（0）"));
    assert!(my.body.contains("已审核通过"));
    // Twice is refused: it is no longer waiting for the unit head.
    let answer = world
        .post_raw(&head, &approve, &[("csrf", head.csrf.as_str())])
        .await;
    assert_eq!(answer.status, StatusCode::CONFLICT);
    world.finish().await;
}
