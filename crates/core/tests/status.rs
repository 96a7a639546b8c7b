//! Status (序时) of targets and items on a given day, from schedules and approved reports.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use shishi_core::{
    item_status, target_status, Actual, Checkpoint, Checkpoints, Curve, ItemId, Measure, Op,
    Percent, Period, Plan, PlanId, PlanSettings, PlanYear, Quantity, Report, ReportContent,
    ReportId, ReportValue, Share, Status, Target, TargetId, TargetValue,
};
use time::macros::date;
use time::Date;

fn plan_2020(settings: PlanSettings) -> Plan {
    let year = PlanYear::new(2020).unwrap();
    Plan::new(
        PlanId::new(1),
        "2020年海州区50件民生实事".into(),
        year,
        Some("海政发〔2020〕15号".into()),
        settings,
    )
    .unwrap()
}

fn plan() -> Plan {
    plan_2020(PlanSettings::default())
}

fn quantity_target(id: i64, value: f64, unit: &str, op: Op, curve: Curve) -> Target {
    let quantity = Quantity::new(TargetValue::new(value).unwrap(), unit.into(), op, None).unwrap();
    Target {
        id: TargetId::new(id),
        item: ItemId::new(1),
        text: format!("{value}{unit}"),
        measure: Measure::Quantity(quantity),
        schedule: plan().schedule(None, curve).unwrap(),
    }
}

/// 新建中小学6所, the example.
fn six_schools() -> Target {
    quantity_target(1, 6.0, "所", Op::Eq, Curve::Linear)
}

fn milestone() -> Target {
    Target {
        id: TargetId::new(9),
        item: ItemId::new(1),
        text: "建成并投入使用".into(),
        measure: Measure::Milestone,
        schedule: plan().schedule(None, Curve::Linear).unwrap(),
    }
}

fn content(actual: Actual) -> ReportContent {
    ReportContent {
        actual,
        progress: "按计划推进".into(),
        problems: String::new(),
        next_steps: String::new(),
        funds: None,
    }
}

fn draft(target: &Target, period: &str, actual: Actual) -> Report {
    let id =
        ReportId::new(target.id.get() * 1000 + i64::from(Period::parse(period).unwrap().month()));
    Report::new(id, target, Period::parse(period).unwrap(), content(actual)).unwrap()
}

fn submitted(target: &Target, period: &str, actual: Actual) -> Report {
    let mut report = draft(target, period, actual);
    let due = Period::parse(period).unwrap().due_date(Default::default());
    report.submit(due).unwrap();
    report
}

fn approved(target: &Target, period: &str, actual: Actual) -> Report {
    let mut report = submitted(target, period, actual);
    report.approve(&PlanSettings::default()).unwrap();
    report
}

fn value(v: f64) -> Actual {
    Actual::Value(ReportValue::new(v).unwrap())
}

fn percent(p: f64) -> Actual {
    Actual::Percent(Percent::new(p).unwrap())
}

fn completion_of(target: &Target, actual: Actual) -> f64 {
    let reports = [approved(target, "2020-06", actual)];
    target_status(&plan(), target, &reports, date!(2020 - 06 - 30)).completion()
}

fn quarters() -> Curve {
    let p = |date: Date, share| Checkpoint {
        date,
        share: Share::new(share).unwrap(),
    };
    Curve::Checkpoints(
        Checkpoints::new(vec![
            p(date!(2020 - 03 - 31), 0.2),
            p(date!(2020 - 06 - 30), 0.5),
            p(date!(2020 - 09 - 30), 0.8),
            p(date!(2020 - 12 - 31), 1.0),
        ])
        .unwrap(),
    )
}

#[test]
fn half_the_schools_built_by_the_end_of_june_is_on_schedule() {
    let target = six_schools();
    let reports = [approved(&target, "2020-06", value(3.0))];
    let status = target_status(&plan(), &target, &reports, date!(2020 - 06 - 30));
    assert_eq!(status.completion(), 0.5);
    assert!(
        (status.planned() - 0.495).abs() < 0.002,
        "planned {}",
        status.planned()
    );
    assert_eq!(status.status(), Status::OnSchedule);
    assert_eq!(
        status.last_approved(),
        Some(Period::parse("2020-06").unwrap())
    );
    let json = serde_json::to_value(&status).unwrap();
    assert_eq!(json["status"], "on_schedule");
    assert_eq!(json["last_approved"], "2020-06");
}

#[test]
fn half_the_schools_still_at_the_end_of_october_is_seriously_behind() {
    let target = six_schools();
    let reports = [approved(&target, "2020-06", value(3.0))];
    let status = target_status(&plan(), &target, &reports, date!(2020 - 10 - 31));
    assert!(
        (status.planned() - 0.83).abs() < 0.005,
        "planned {}",
        status.planned()
    );
    assert_eq!(status.completion(), 0.5);
    assert_eq!(status.status(), Status::SeriouslyBehind);
    assert_eq!(status.status().label_zh(), "严重滞后");
    // Nothing came in for July to October, so the report is overdue and the figure is stale.
    assert_eq!(
        status.overdue_period(),
        Some(Period::parse("2020-10").unwrap())
    );
    assert_eq!(
        status.last_approved(),
        Some(Period::parse("2020-06").unwrap())
    );
}

#[test]
fn a_target_short_of_its_schedule_by_more_than_the_tolerance_but_within_the_red_line_is_behind() {
    let target = six_schools();
    // Planned ≈ 0.496 on 30 June; 2 of 6 is 0.333, short by about 0.16.
    let reports = [approved(&target, "2020-06", value(2.0))];
    let status = target_status(&plan(), &target, &reports, date!(2020 - 06 - 30));
    assert_eq!(status.status(), Status::Behind);
    assert_eq!(status.status().label_zh(), "慢序时");
}

#[test]
fn the_tolerance_and_red_line_come_from_the_plan() {
    let target = six_schools();
    let thresholds =
        shishi_core::Thresholds::new(Share::new(0.2).unwrap(), Share::new(0.5).unwrap()).unwrap();
    let lenient = plan_2020(PlanSettings {
        thresholds,
        ..Default::default()
    });
    let reports = [approved(&target, "2020-06", value(2.0))];
    let status = target_status(&lenient, &target, &reports, date!(2020 - 06 - 30));
    assert_eq!(status.status(), Status::OnSchedule);
}

#[test]
fn all_six_schools_built_is_completed_whatever_the_date() {
    let target = six_schools();
    let reports = [approved(&target, "2020-04", value(6.0))];
    let status = target_status(&plan(), &target, &reports, date!(2020 - 04 - 30));
    assert_eq!(status.status(), Status::Completed);
    assert_eq!(status.status().label_zh(), "已完成");
}

#[test]
fn a_target_without_an_approved_report_counts_as_nothing_done() {
    let target = six_schools();
    let reports = [submitted(&target, "2020-06", value(6.0))];
    let status = target_status(&plan(), &target, &reports, date!(2020 - 06 - 30));
    assert_eq!(status.completion(), 0.0);
    assert_eq!(status.last_approved(), None);
    assert_eq!(status.status(), Status::SeriouslyBehind);
}

#[test]
fn before_any_work_is_due_a_target_with_nothing_done_is_on_schedule() {
    let target = six_schools();
    let status = target_status(&plan(), &target, &[], date!(2020 - 01 - 01));
    assert_eq!(status.planned(), 0.0);
    assert_eq!(status.status(), Status::OnSchedule);
    assert!(!status.report_overdue());
}

#[test]
fn only_reports_for_months_up_to_the_day_count() {
    let target = six_schools();
    let reports = [
        approved(&target, "2020-05", value(3.0)),
        approved(&target, "2020-07", value(6.0)),
    ];
    let status = target_status(&plan(), &target, &reports, date!(2020 - 06 - 30));
    assert_eq!(status.completion(), 0.5);
    assert_eq!(
        status.last_approved(),
        Some(Period::parse("2020-05").unwrap())
    );
}

#[test]
fn the_latest_approved_month_counts_not_the_largest_figure() {
    let target = six_schools();
    // A correction downwards in June (an earlier count was wrong) is what stands.
    let reports = [
        approved(&target, "2020-06", value(2.0)),
        approved(&target, "2020-05", value(4.0)),
    ];
    let status = target_status(&plan(), &target, &reports, date!(2020 - 06 - 30));
    assert!((status.completion() - 2.0 / 6.0).abs() < 1e-12);
}

#[test]
fn reports_for_other_targets_are_ignored() {
    let target = six_schools();
    let other = quantity_target(2, 10.0, "个", Op::Eq, Curve::Linear);
    let reports = [approved(&other, "2020-06", value(10.0))];
    let status = target_status(&plan(), &target, &reports, date!(2020 - 06 - 30));
    assert_eq!(status.completion(), 0.0);
}

#[test]
fn a_checkpoint_schedule_is_read_between_its_checkpoints() {
    let target = quantity_target(3, 10.0, "个", Op::Eq, quarters());
    let reports = [approved(&target, "2020-05", value(4.0))];
    let at = |d| target_status(&plan(), &target, &reports, d);
    assert!((at(date!(2020 - 03 - 31)).planned() - 0.2).abs() < 1e-12);
    assert!((at(date!(2020 - 06 - 30)).planned() - 0.5).abs() < 1e-12);
    // 15 August is 46 of the 92 days from 30 June to 30 September: halfway from 50% to 80%.
    assert!((at(date!(2020 - 08 - 15)).planned() - 0.65).abs() < 1e-12);
    assert!((at(date!(2020 - 09 - 30)).planned() - 0.8).abs() < 1e-12);
    assert_eq!(at(date!(2020 - 12 - 31)).planned(), 1.0);
    // 4 of 10 against 0.2 + 0.3 × 61/91 ≈ 0.40 at the end of May, against 0.5 a month later.
    assert_eq!(at(date!(2020 - 05 - 31)).status(), Status::OnSchedule);
    assert_eq!(at(date!(2020 - 06 - 30)).status(), Status::Behind);
}

#[test]
fn an_upper_bound_is_complete_while_the_actual_stays_within_it() {
    let target = quantity_target(4, 10.0, "起", Op::Le, Curve::Linear);
    assert_eq!(completion_of(&target, value(8.0)), 1.0);
    assert_eq!(completion_of(&target, value(10.0)), 1.0);
    assert_eq!(completion_of(&target, value(12.0)), 0.0);
}

#[test]
fn a_raise_or_a_cut_counts_the_change_achieved_against_the_change_promised() {
    let raise = quantity_target(5, 20.0, "%", Op::Inc, Curve::Linear);
    assert_eq!(completion_of(&raise, value(5.0)), 0.25);
    let cut = quantity_target(6, 4.0, "万吨", Op::Dec, Curve::Linear);
    assert_eq!(completion_of(&cut, value(3.0)), 0.75);
}

#[test]
fn an_at_least_target_may_be_exceeded() {
    let target = quantity_target(7, 500.0, "人", Op::Ge, Curve::Linear);
    assert_eq!(completion_of(&target, value(600.0)), 1.2);
    assert_eq!(completion_of(&target, value(250.0)), 0.5);
}

#[test]
fn a_milestone_counts_its_percent_done() {
    assert_eq!(completion_of(&milestone(), percent(40.0)), 0.4);
    assert_eq!(completion_of(&milestone(), percent(100.0)), 1.0);
}

#[test]
fn a_report_is_overdue_the_day_after_the_25th_and_not_before() {
    let target = six_schools();
    let months = ["2020-01", "2020-02", "2020-03", "2020-04", "2020-05"];
    let mut reports: Vec<Report> = months
        .iter()
        .map(|m| submitted(&target, m, value(1.0)))
        .collect();
    let on_25th = target_status(&plan(), &target, &reports, date!(2020 - 06 - 25));
    assert!(!on_25th.report_overdue());
    let on_26th = target_status(&plan(), &target, &reports, date!(2020 - 06 - 26));
    assert!(on_26th.report_overdue());
    assert_eq!(
        on_26th.overdue_period(),
        Some(Period::parse("2020-06").unwrap())
    );

    reports.push(draft(&target, "2020-06", value(2.0)));
    let with_draft = target_status(&plan(), &target, &reports, date!(2020 - 06 - 26));
    assert!(with_draft.report_overdue(), "a draft is not a report");

    reports.pop();
    reports.push(submitted(&target, "2020-06", value(2.0)));
    let with_report = target_status(&plan(), &target, &reports, date!(2020 - 06 - 26));
    assert!(!with_report.report_overdue());
}

#[test]
fn an_earlier_missing_month_stays_overdue_after_later_months_are_reported() {
    let target = six_schools();
    let reports: Vec<Report> = ["2020-01", "2020-02", "2020-04"]
        .iter()
        .map(|m| submitted(&target, m, value(1.0)))
        .collect();
    let status = target_status(&plan(), &target, &reports, date!(2020 - 04 - 30));
    assert_eq!(
        status.overdue_period(),
        Some(Period::parse("2020-03").unwrap())
    );
}

#[test]
fn months_before_the_first_reporting_period_are_never_overdue() {
    let target = six_schools();
    let settings = PlanSettings {
        first_period: Some(Period::parse("2020-03").unwrap()),
        ..Default::default()
    };
    let adopted_in_march = plan_2020(settings);
    let reports = [submitted(&target, "2020-03", value(1.0))];
    let status = target_status(&adopted_in_march, &target, &reports, date!(2020 - 04 - 20));
    assert!(!status.report_overdue());
    assert!(target_status(&plan(), &target, &reports, date!(2020 - 04 - 20)).report_overdue());
}

#[test]
fn the_due_day_comes_from_the_plan() {
    let target = six_schools();
    let settings = PlanSettings {
        due_day: shishi_core::DueDay::new(10).unwrap(),
        ..Default::default()
    };
    let early = plan_2020(settings);
    let status = target_status(&early, &target, &[], date!(2020 - 01 - 11));
    assert_eq!(
        status.overdue_period(),
        Some(Period::parse("2020-01").unwrap())
    );
    assert!(!target_status(&plan(), &target, &[], date!(2020 - 01 - 11)).report_overdue());
}

#[test]
fn an_item_stands_as_its_worst_target() {
    let done = six_schools();
    let lagging = quantity_target(2, 10.0, "个", Op::Eq, Curve::Linear);
    let reports = [
        approved(&done, "2020-06", value(6.0)),
        approved(&lagging, "2020-06", value(1.0)),
    ];
    let day = date!(2020 - 06 - 30);
    let statuses = [
        target_status(&plan(), &done, &reports, day),
        target_status(&plan(), &lagging, &reports, day),
    ];
    assert_eq!(statuses[0].status(), Status::Completed);
    assert_eq!(item_status(&statuses), Some(Status::SeriouslyBehind));
    assert_eq!(item_status(&statuses[..1]), Some(Status::Completed));
    assert_eq!(item_status(&[]), None);
}

#[test]
fn no_report_is_due_after_the_month_of_the_deadline() {
    // Six schools by 31 December 2020, every month reported: nothing is owed in 2021.
    let target = six_schools();
    let reports: Vec<Report> = (1..=12)
        .map(|m| submitted(&target, &format!("2020-{m:02}"), value(f64::from(m) / 2.0)))
        .collect();
    let next_spring = target_status(&plan(), &target, &reports, date!(2021 - 03 - 01));
    assert!(!next_spring.report_overdue());
    // December itself is still owed when missing.
    let without_december = &reports[..11];
    let status = target_status(&plan(), &target, without_december, date!(2021 - 03 - 01));
    assert_eq!(
        status.overdue_period(),
        Some(Period::parse("2020-12").unwrap())
    );
}
