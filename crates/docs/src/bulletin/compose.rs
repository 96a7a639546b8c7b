//! Composing a bulletin from a plan, its targets and reports: the statuses come from
//! `shishi_core::target_status` and `item_status`, the functions the dashboard uses, so the
//! two never disagree on the same day.

use super::{
    date_zh, number, Attachment, Block, Bulletin, BulletinItem, BulletinTarget, Issue, Overview,
    UnitGroup,
};
use crate::error::Error;
use shishi_core::{
    item_status, target_status, Actual, Item, ItemId, Measure, Period, Plan, Report, ReportState,
    Status, Target, TargetId, TargetStatus, Unit, UnitId,
};
use std::collections::{BTreeMap, HashMap};

/// What a bulletin is made from, as the store hands it out.
#[derive(Debug, Clone, Copy)]
pub struct Sources<'a> {
    pub plan: &'a Plan,
    /// The plan's items; items of other plans are passed over.
    pub items: &'a [Item],
    /// The items' targets; targets of items not passed are passed over.
    pub targets: &'a [Target],
    /// The unit registry, in the order lead units are to be listed (the notice's order).
    pub units: &'a [Unit],
    /// Every report of the plan, all periods, all revisions.
    pub reports: &'a [Report],
}

/// The bulletin for `period`.
///
/// It is "as of" the end of the period's month, not the report due day: on the due day
/// itself that month's report is not yet overdue (`target_status` counts a month overdue only
/// after its due day), so a bulletin as of the 25th could never name a unit that missed the
/// month's report; and 序时进度 in a bulletin means the schedule's share at month end
/// (截至9月底). When the bulletin is dated before the month ends, it is as of its own date
/// instead, so it never states a standing for a day that has not come, and it then agrees
/// with the dashboard opened on the same day.
///
/// Refuses a period outside the plan year, a date before the period begins, and an empty
/// issuer or 文号.
pub fn compose(sources: Sources<'_>, period: Period, issue: &Issue) -> Result<Bulletin, Error> {
    let plan = sources.plan;
    if period.year() != plan.year().get() {
        return Err(Error::PeriodOutsidePlan {
            period,
            year: plan.year().get(),
        });
    }
    if issue.date < period.first_day() {
        return Err(Error::DateBeforePeriod {
            date: issue.date,
            period,
        });
    }
    if issue.issuer.trim().is_empty() {
        return Err(Error::Missing("发文机关"));
    }
    if issue.doc_number.trim().is_empty() {
        return Err(Error::Missing("文号"));
    }

    let month_end = period
        .next()
        .first_day()
        .previous_day()
        .unwrap_or(period.first_day());
    let as_of = month_end.min(issue.date);
    let when = if as_of == month_end {
        format!("{}年{}月底", period.year(), period.month())
    } else {
        date_zh(as_of)
    };

    let mut reports_of: HashMap<TargetId, Vec<Report>> = HashMap::new();
    for report in sources.reports {
        reports_of
            .entry(report.target())
            .or_default()
            .push(report.clone());
    }
    let mut targets_of: HashMap<ItemId, Vec<&Target>> = HashMap::new();
    for target in sources.targets {
        targets_of.entry(target.item).or_default().push(target);
    }
    let unit_name: HashMap<UnitId, &str> = sources
        .units
        .iter()
        .map(|u| (u.id, u.name.as_str()))
        .collect();
    let unit_rank: HashMap<&str, usize> = sources
        .units
        .iter()
        .enumerate()
        .map(|(i, u)| (u.name.as_str(), i))
        .collect();

    let mut items: Vec<&Item> = sources
        .items
        .iter()
        .filter(|item| item.plan == plan.id())
        .collect();
    items.sort_by_key(|item| item.seq);

    let none = Vec::new();
    let mut overview = Overview {
        items: items.len(),
        ..Overview::default()
    };
    let mut overdue_by_unit: BTreeMap<(usize, String), usize> = BTreeMap::new();
    let mut behind = Vec::new();
    let mut on_schedule = Vec::new();

    for item in items {
        let lead_units: Vec<String> = item
            .lead_units
            .iter()
            .filter_map(|id| unit_name.get(id).map(|n| (*n).to_owned()))
            .collect();
        let targets = targets_of.get(&item.id).map_or(&[][..], Vec::as_slice);
        let mut rows = Vec::new();
        let mut statuses = Vec::new();
        let mut problems: Vec<String> = Vec::new();
        for target in targets {
            let reports = reports_of.get(&target.id).unwrap_or(&none);
            let status = target_status(plan, target, reports, as_of);
            rows.push(target_row(target, &status, reports, period));
            if let Some(text) = stated_problems(reports, period) {
                push_unique(&mut problems, text);
            }
            if let Some(missing) = status.overdue_period() {
                let note = if targets.len() > 1 {
                    format!("“{}”{}月份进展未按时报送", target.text, missing.month())
                } else {
                    format!("{}月份进展未按时报送", missing.month())
                };
                push_unique(&mut problems, note);
                overview.overdue_targets += 1;
                for unit in &lead_units {
                    let rank = unit_rank.get(unit.as_str()).copied().unwrap_or(usize::MAX);
                    *overdue_by_unit.entry((rank, unit.clone())).or_default() += 1;
                }
            }
            statuses.push(status);
        }
        let status = item_status(&statuses);
        match status {
            Some(Status::Completed) => overview.completed += 1,
            Some(Status::OnSchedule) => overview.on_schedule += 1,
            Some(Status::Behind) => overview.behind += 1,
            Some(Status::SeriouslyBehind) => overview.seriously_behind += 1,
            None => overview.without_targets += 1,
        }
        let entry = BulletinItem {
            seq: item.seq,
            title: item.title.clone(),
            lead_units,
            status,
            targets: rows,
            problems,
        };
        // Completed items go into 附件2 beside the ones on schedule, marked 已完成, rather
        // than into a third list: the two attachments then hold every item of the plan once,
        // so a unit finds each of its items in one place, and a 督查室 reports completion as
        // the best case of keeping pace, not as a separate subject. Items without targets
        // have no schedule to lag behind, so they go there too, marked 无量化目标.
        match status {
            Some(Status::Behind | Status::SeriouslyBehind) => behind.push(entry),
            _ => on_schedule.push(entry),
        }
    }
    overview.overdue_units = overdue_by_unit
        .into_iter()
        .map(|((_, unit), n)| (unit, n))
        .collect();
    // Worst first within a unit: a reader of 附件1 looks for the seriously behind.
    behind.sort_by_key(|item| (item.status, item.seq));
    overview.sentence = overview_sentence(&overview, &when);

    let behind = Attachment {
        number: 1,
        title: "慢序时项目情况表".to_owned(),
        subtitle: format!("（截至{when}）"),
        groups: group_by_unit(behind, &unit_rank),
    };
    let on_schedule = Attachment {
        number: 2,
        title: "按序时项目情况表".to_owned(),
        subtitle: format!("（截至{when}，含已完成项目）"),
        groups: group_by_unit(on_schedule, &unit_rank),
    };
    let body = body(plan, issue, &overview, &when, &behind, &on_schedule);

    Ok(Bulletin {
        issuer: issue.issuer.trim().to_owned(),
        doc_number: issue.doc_number.trim().to_owned(),
        date: issue.date,
        recipients: issue.recipients.clone(),
        title: format!(
            "关于{}年{}月份民生实事项目推进情况的通报",
            period.year(),
            period.month()
        ),
        period,
        as_of,
        overview,
        body,
        behind,
        on_schedule,
    })
}

fn target_row(
    target: &Target,
    status: &TargetStatus,
    reports: &[Report],
    period: Period,
) -> BulletinTarget {
    let last = status.last_approved();
    let actual = last.and_then(|month| {
        let report = reports.iter().find(|r| r.period() == month)?;
        Some(figure(&target.measure, &report.approved()?.content.actual))
    });
    BulletinTarget {
        text: target.text.clone(),
        planned: status.planned(),
        completion: status.completion(),
        actual,
        actual_period: last.filter(|month| *month < period),
        status: status.status(),
    }
}

/// 存在问题 as the unit last wrote it for the period: from the latest revision submitted for
/// review or approved. A draft is not yet said, and a returned revision was sent back, so
/// its text is not what the unit stands by.
fn stated_problems(reports: &[Report], period: Period) -> Option<String> {
    let report = reports.iter().find(|r| r.period() == period)?;
    let revision = report.revisions().filter(|r| {
        matches!(
            r.state,
            ReportState::Submitted | ReportState::UnitHeadApproved | ReportState::Approved
        )
    });
    let revision = revision.last()?;
    let text = revision.content.problems.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

/// An approved figure as a person reads it: 3所, 950万元, 完成60%.
fn figure(measure: &Measure, actual: &Actual) -> String {
    match (measure, actual) {
        (Measure::Quantity(q), Actual::Value(v)) => {
            let value = v.get();
            if value.abs() >= 100_000.0 {
                format!("{}万{}", number(value / 10_000.0), q.unit())
            } else {
                format!("{}{}", number(value), q.unit())
            }
        }
        (_, Actual::Value(v)) => number(v.get()),
        (_, Actual::Percent(p)) => format!("完成{}%", number(p.get())),
    }
}

fn push_unique(list: &mut Vec<String>, text: String) {
    if !list.contains(&text) {
        list.push(text);
    }
}

/// Items grouped under their first lead unit (the one that answers first), in registry
/// order; an item under every lead unit would be counted twice in the attachment.
fn group_by_unit(items: Vec<BulletinItem>, unit_rank: &HashMap<&str, usize>) -> Vec<UnitGroup> {
    const NO_UNIT: &str = "未明确牵头单位";
    let mut groups: Vec<UnitGroup> = Vec::new();
    for item in items {
        let unit = item
            .lead_units
            .first()
            .map_or(NO_UNIT, String::as_str)
            .to_owned();
        match groups.iter_mut().find(|g| g.unit == unit) {
            Some(group) => group.items.push(item),
            None => groups.push(UnitGroup {
                unit,
                items: vec![item],
            }),
        }
    }
    // A stable sort keeps the items' order within a group.
    groups.sort_by_key(|g| {
        unit_rank
            .get(g.unit.as_str())
            .copied()
            .unwrap_or(usize::MAX)
    });
    groups
}

/// 截至2020年9月底，50件民生实事中，已完成10件，按序时推进23件，未达序时进度17件，其中慢序时
/// 12件、严重滞后5件。 The 慢序时 and 严重滞后 counts are kept apart as on the dashboard, and
/// their sum is said first so the four numbers visibly add up to the whole.
fn overview_sentence(o: &Overview, when: &str) -> String {
    let mut s = format!(
        "截至{when}，{}件民生实事中，已完成{}件，按序时推进{}件",
        o.items, o.completed, o.on_schedule
    );
    let lagging = o.behind + o.seriously_behind;
    if lagging == 0 {
        s.push_str("，无慢序时项目");
    } else if o.seriously_behind == 0 {
        s.push_str(&format!("，慢序时{}件", o.behind));
    } else if o.behind == 0 {
        s.push_str(&format!("，严重滞后{}件", o.seriously_behind));
    } else {
        s.push_str(&format!(
            "，未达序时进度{lagging}件，其中慢序时{}件、严重滞后{}件",
            o.behind, o.seriously_behind
        ));
    }
    if o.without_targets > 0 {
        s.push_str(&format!("；另有{}件无量化目标", o.without_targets));
    }
    s.push('。');
    if o.overdue_targets > 0 {
        s.push_str(&format!(
            "共有{}个目标未按时报送进展情况。",
            o.overdue_targets
        ));
    }
    s
}

fn body(
    plan: &Plan,
    issue: &Issue,
    overview: &Overview,
    when: &str,
    behind: &Attachment,
    on_schedule: &Attachment,
) -> Vec<Block> {
    let plan_ref = match plan.doc_number() {
        Some(number) => format!("《{}》（{number}）", plan.title()),
        None => format!("《{}》", plan.title()),
    };
    let mut body = vec![
        Block::Paragraph(format!(
            "根据{plan_ref}要求，{}对截至{when}各项民生实事推进情况进行了督查。\
             现将有关情况通报如下：",
            issue.issuer.trim()
        )),
        Block::Heading("一、总体情况".to_owned()),
        Block::Paragraph(overview.sentence.clone()),
        Block::Heading("二、项目推进情况".to_owned()),
        Block::Subheading("（一）慢序时项目".to_owned()),
    ];

    let lagging = behind.item_count();
    if lagging == 0 {
        body.push(Block::Paragraph("本期无慢序时项目。".to_owned()));
    } else {
        let per_unit = behind
            .groups
            .iter()
            .map(|g| format!("{}{}件", g.unit, g.items.len()))
            .collect::<Vec<_>>()
            .join("、");
        let mut text = format!(
            "未达序时进度的{lagging}件项目涉及{}个牵头单位：{per_unit}，具体情况详见附件1。",
            behind.groups.len()
        );
        let serious: Vec<String> = behind
            .groups
            .iter()
            .flat_map(|g| g.items.iter().map(move |i| (g, i)))
            .filter(|(_, i)| i.status == Some(Status::SeriouslyBehind))
            .map(|(g, i)| format!("第{}项“{}”（{}）", i.seq, i.title, g.unit))
            .collect();
        if !serious.is_empty() {
            text.push_str(&format!(
                "其中严重滞后的{}件是：{}，请相关单位高度重视，加快推进。",
                serious.len(),
                serious.join("、")
            ));
        }
        body.push(Block::Paragraph(text));
    }

    body.push(Block::Subheading("（二）按序时项目".to_owned()));
    let mut text = format!(
        "按序时推进{}件、已完成{}件，具体情况详见附件2。",
        overview.on_schedule, overview.completed
    );
    // By number, as the notice lists them: the attachment orders by unit.
    let mut done: Vec<(u32, String)> = on_schedule
        .groups
        .iter()
        .flat_map(|g| &g.items)
        .filter(|i| i.status == Some(Status::Completed))
        .map(|i| (i.seq, format!("第{}项“{}”", i.seq, i.title)))
        .collect();
    done.sort();
    if !done.is_empty() {
        let names: Vec<String> = done.into_iter().map(|(_, name)| name).collect();
        text.push_str(&format!("已完成的项目是：{}。", names.join("、")));
    }
    body.push(Block::Paragraph(text));

    body.push(Block::Subheading("（三）进展报送情况".to_owned()));
    body.push(Block::Paragraph(if overview.overdue_targets == 0 {
        "各牵头单位均按时报送了进展情况。".to_owned()
    } else {
        let units = overview
            .overdue_units
            .iter()
            .map(|(unit, n)| format!("{unit}（{n}个）"))
            .collect::<Vec<_>>()
            .join("、");
        format!(
            "截至{when}，有{}个目标未按时报送进展情况，涉及{units}。请相关单位立即补报。",
            overview.overdue_targets
        )
    }));

    if !issue.requirements.is_empty() {
        body.push(Block::Heading("三、工作要求".to_owned()));
        body.extend(issue.requirements.iter().cloned().map(Block::Paragraph));
    }
    body
}
