//! Reminders (提醒): which ones are due on a day, decided from the plan, its reports, its
//! supervision orders and its users. Each carries a stable key, so whoever sends it can send
//! it once however often it asks, and across restarts.

use crate::error::Error;
use crate::ids::{OrderId, PlanId, UnitId, UserId};
use crate::order::SupervisionOrder;
use crate::period::Period;
use crate::plan::{Item, Plan, Target};
use crate::report::Report;
use crate::user::{Role, User};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use time::Date;

/// How many days before a report's due day reminders go out; 0 is the due day itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Vec<u8>", into = "Vec<u8>")]
pub struct LeadDays(Vec<u8>);

impl LeadDays {
    /// At most 28 days ahead (a reminder for next month's report before this month's is due
    /// would only confuse), each day once; at least one.
    pub fn new(days: impl IntoIterator<Item = u8>) -> Result<Self, Error> {
        let mut days: Vec<u8> = days.into_iter().collect();
        days.sort_unstable();
        days.dedup();
        if days.is_empty() || days.iter().any(|&d| d > 28) {
            return Err(Error::InvalidLeadDays {
                input: format!("{days:?}"),
            });
        }
        Ok(Self(days))
    }

    /// Reads `3,0`: days separated by commas.
    pub fn parse(input: &str) -> Result<Self, Error> {
        let invalid = || Error::InvalidLeadDays {
            input: input.to_owned(),
        };
        let days = input
            .split(',')
            .map(|d| d.trim().parse::<u8>().map_err(|_| invalid()))
            .collect::<Result<Vec<_>, _>>()?;
        Self::new(days).map_err(|_| invalid())
    }

    /// Smallest first.
    pub fn days(&self) -> &[u8] {
        &self.0
    }
}

/// Three days before the due day, and on the day.
impl Default for LeadDays {
    fn default() -> Self {
        Self(vec![0, 3])
    }
}

impl TryFrom<Vec<u8>> for LeadDays {
    type Error = Error;

    fn try_from(days: Vec<u8>) -> Result<Self, Error> {
        Self::new(days)
    }
}

impl From<LeadDays> for Vec<u8> {
    fn from(d: LeadDays) -> Vec<u8> {
        d.0
    }
}

/// What a reminder is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReminderKind {
    /// A report of the recipient's unit is due soon and not submitted (填报提醒).
    ReportDue,
    /// A supervision order is past its due day and not closed (督办超期).
    OrderOverdue,
}

impl ReminderKind {
    pub fn name(self) -> &'static str {
        match self {
            ReminderKind::ReportDue => "report_due",
            ReminderKind::OrderOverdue => "order_overdue",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            ReminderKind::ReportDue => "填报提醒",
            ReminderKind::OrderOverdue => "督办超期",
        }
    }
}

/// What makes a reminder the same reminder: kind, plan and period or order, recipient and
/// lead time. Written as text (`report_due/plan-1/2020-09/user-5/d3`), the store's key.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(into = "String")]
pub struct ReminderKey(String);

impl ReminderKey {
    fn report_due(plan: PlanId, period: Period, recipient: UserId, lead: u8) -> Self {
        Self(format!(
            "report_due/plan-{plan}/{period}/user-{recipient}/d{lead}"
        ))
    }

    fn order_overdue(order: OrderId, recipient: UserId) -> Self {
        Self(format!("order_overdue/order-{order}/user-{recipient}"))
    }

    /// A key as stored; keys are only made here, so reading one back checks nothing.
    pub fn from_stored(key: String) -> Self {
        Self(key)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ReminderKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<ReminderKey> for String {
    fn from(k: ReminderKey) -> String {
        k.0
    }
}

/// One reminder to one person, with its words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reminder {
    pub key: ReminderKey,
    pub kind: ReminderKind,
    pub recipient: UserId,
    /// One line: the notice's title and the e-mail's subject.
    pub title: String,
    /// What is asked, naming each target or the order.
    pub body: String,
}

/// What the reminders of a plan are decided from.
#[derive(Debug, Clone, Copy)]
pub struct PlanFacts<'a> {
    pub plan: &'a Plan,
    pub items: &'a [Item],
    pub targets: &'a [Target],
    pub reports: &'a [Report],
    /// Every order on the plan's items, each with the user who issued it when known.
    pub orders: &'a [(SupervisionOrder, Option<UserId>)],
    pub users: &'a [User],
    /// Unit names for the words of a reminder; an unknown unit is named by its id.
    pub unit_names: &'a BTreeMap<UnitId, String>,
}

/// Every reminder due on `today` for one plan, in key order.
///
/// - Reports: for each period whose due day is at most the largest lead time ahead, the
///   reminder of the latest lead time reached (`due − lead ≤ today ≤ due`) goes to each
///   reporter of a lead unit with a target lacking a submitted report for the period, within
///   the months the target reports for. A day the sender missed is made up the next time it
///   asks, and an earlier lead time's reminder is not sent again after a later one.
/// - Orders: each order past its due day and not closed flags the heads of its unit and the
///   supervisor who issued it (every admin when that is not known), once.
pub fn due_reminders(facts: &PlanFacts<'_>, lead_days: &LeadDays, today: Date) -> Vec<Reminder> {
    let mut out = report_reminders(facts, lead_days, today);
    out.extend(order_reminders(facts, today));
    out.sort_by(|a, b| a.key.cmp(&b.key));
    out.dedup_by(|a, b| a.key == b.key);
    out
}

fn unit_name(facts: &PlanFacts<'_>, unit: UnitId) -> String {
    facts
        .unit_names
        .get(&unit)
        .cloned()
        .unwrap_or_else(|| format!("单位{unit}"))
}

fn report_reminders(facts: &PlanFacts<'_>, lead_days: &LeadDays, today: Date) -> Vec<Reminder> {
    let due_day = facts.plan.settings().due_day;
    let first = facts.plan.first_period();
    let mut out = Vec::new();
    // The due day of this month or the next is at most 28 days ahead of any lead time.
    let this_month = Period::of(today);
    for period in [this_month, this_month.next()] {
        let due = period.due_date(due_day);
        if today > due || period < first {
            continue;
        }
        let days_before = (due - today).whole_days();
        // The latest lead time reached: the smallest one not below the days left.
        let Some(lead) = lead_days
            .days()
            .iter()
            .copied()
            .find(|&d| i64::from(d) >= days_before)
        else {
            continue;
        };
        let submitted: BTreeSet<_> = facts
            .reports
            .iter()
            .filter(|r| r.period() == period && r.was_submitted())
            .map(Report::target)
            .collect();
        // Per lead unit, the targets still owing this period's report.
        let mut owing: BTreeMap<UnitId, Vec<(&Item, &Target)>> = BTreeMap::new();
        for target in facts.targets {
            if submitted.contains(&target.id) || period > Period::of(target.schedule.deadline()) {
                continue;
            }
            let Some(item) = facts.items.iter().find(|i| i.id == target.item) else {
                continue;
            };
            for unit in &item.lead_units {
                owing.entry(*unit).or_default().push((item, target));
            }
        }
        for (unit, targets) in owing {
            let reporters = facts
                .users
                .iter()
                .filter(|u| u.role == Role::Reporter && u.unit == Some(unit));
            for reporter in reporters {
                let when = if days_before == 0 {
                    "今天".to_owned()
                } else {
                    format!("{}天后（{}）", days_before, zh_date(due))
                };
                let title = format!(
                    "{}月进展报告{}截止，尚有{}项未报",
                    period.month(),
                    if days_before == 0 { "今天" } else { "即将" },
                    targets.len()
                );
                let mut body = format!(
                    "{}：《{}》{}年{}月的进展报告{}截止（{}），以下目标尚未报送：\n",
                    unit_name(facts, unit),
                    facts.plan.title(),
                    period.year(),
                    period.month(),
                    when,
                    zh_date(due),
                );
                for (item, target) in &targets {
                    body.push_str(&format!(
                        "- {}. {}：{}\n",
                        item.seq, item.title, target.text
                    ));
                }
                out.push(Reminder {
                    key: ReminderKey::report_due(facts.plan.id(), period, reporter.id, lead),
                    kind: ReminderKind::ReportDue,
                    recipient: reporter.id,
                    title,
                    body,
                });
            }
        }
    }
    out
}

fn order_reminders(facts: &PlanFacts<'_>, today: Date) -> Vec<Reminder> {
    let mut out = Vec::new();
    let admins: Vec<&User> = facts
        .users
        .iter()
        .filter(|u| u.role == Role::Admin)
        .collect();
    for (order, issuer) in facts.orders {
        if !order.is_overdue(today) {
            continue;
        }
        let heads = facts
            .users
            .iter()
            .filter(|u| u.role == Role::UnitHead && u.unit == Some(order.unit()));
        let supervisors: Vec<&User> = match issuer.and_then(|id| admins.iter().find(|u| u.id == id))
        {
            Some(issuer) => vec![*issuer],
            None => admins.clone(),
        };
        let item = facts.items.iter().find(|i| i.id == order.item());
        let what = item.map_or_else(
            || format!("事项{}", order.item()),
            |i| format!("{}. {}", i.seq, i.title),
        );
        let title = format!("督办单第{}号已超期", order.id());
        let body = format!(
            "督办单第{}号（{}，承办单位{}）要求{}前办结：{}。现已超期{}天，状态：{}。",
            order.id(),
            what,
            unit_name(facts, order.unit()),
            zh_date(order.due_on()),
            order.requirement().as_str(),
            (today - order.due_on()).whole_days(),
            order.label_zh(),
        );
        for user in heads.chain(supervisors) {
            out.push(Reminder {
                key: ReminderKey::order_overdue(order.id(), user.id),
                kind: ReminderKind::OrderOverdue,
                recipient: user.id,
                title: title.clone(),
                body: body.clone(),
            });
        }
    }
    out
}

fn zh_date(date: Date) -> String {
    format!(
        "{}年{}月{}日",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::ids::{ItemId, TargetId};
    use crate::order::{NewOrder, Requirement};
    use crate::plan::{Measure, PlanSettings, PlanYear};
    use crate::report::{Actual, Percent, ReportContent};
    use crate::schedule::Curve;
    use crate::user::Login;
    use crate::ReportId;
    use time::macros::date;

    const EDUCATION: UnitId = UnitId::new(1);

    fn plan() -> Plan {
        Plan::new(
            PlanId::new(1),
            "海州区2020年民生实事项目".into(),
            PlanYear::new(2020).unwrap(),
            None,
            PlanSettings::default(),
        )
        .unwrap()
    }

    fn user(id: i64, login: &str, role: Role) -> User {
        User {
            id: UserId::new(id),
            login: Login::parse(login).unwrap(),
            name: login.into(),
            role,
            unit: (role != Role::Admin).then_some(EDUCATION),
        }
    }

    struct World {
        plan: Plan,
        items: Vec<Item>,
        targets: Vec<Target>,
        reports: Vec<Report>,
        orders: Vec<(SupervisionOrder, Option<UserId>)>,
        users: Vec<User>,
        names: BTreeMap<UnitId, String>,
    }

    impl World {
        fn new() -> Self {
            let plan = plan();
            let item = Item {
                id: ItemId::new(1),
                plan: plan.id(),
                seq: 1,
                title: "新建学校".into(),
                category: None,
                lead_units: vec![EDUCATION],
                support_units: vec![],
            };
            let targets = (1..=2)
                .map(|n| Target {
                    id: TargetId::new(n),
                    item: item.id,
                    text: format!("目标{n}"),
                    measure: Measure::Milestone,
                    schedule: plan.schedule(None, Curve::Linear).unwrap(),
                })
                .collect();
            Self {
                plan,
                items: vec![item],
                targets,
                reports: vec![],
                orders: vec![],
                users: vec![
                    user(1, "admin", Role::Admin),
                    user(2, "r01", Role::Reporter),
                    user(3, "h01", Role::UnitHead),
                    user(4, "r01b", Role::Reporter),
                ],
                names: BTreeMap::from([(EDUCATION, "区教育局".to_owned())]),
            }
        }

        fn due(&self, today: Date) -> Vec<Reminder> {
            let facts = PlanFacts {
                plan: &self.plan,
                items: &self.items,
                targets: &self.targets,
                reports: &self.reports,
                orders: &self.orders,
                users: &self.users,
                unit_names: &self.names,
            };
            due_reminders(&facts, &LeadDays::default(), today)
        }

        fn submit(&mut self, target: i64, period: &str) {
            let t = self.targets.iter().find(|t| t.id.get() == target).unwrap();
            let mut report = Report::new(
                ReportId::new(target),
                t,
                Period::parse(period).unwrap(),
                ReportContent {
                    actual: Actual::Percent(Percent::new(50.0).unwrap()),
                    progress: "进展".into(),
                    problems: String::new(),
                    next_steps: String::new(),
                    funds: None,
                },
            )
            .unwrap();
            report.submit(date!(2020 - 09 - 20)).unwrap();
            self.reports.push(report);
        }
    }

    fn keys(reminders: &[Reminder]) -> Vec<&str> {
        reminders.iter().map(|r| r.key.as_str()).collect()
    }

    #[test]
    fn nothing_is_due_before_the_first_lead_time() {
        assert!(World::new().due(date!(2020 - 09 - 21)).is_empty());
    }

    #[test]
    fn three_days_before_every_reporter_of_the_lead_unit_is_reminded_once_for_all_targets() {
        let due = World::new().due(date!(2020 - 09 - 22));
        assert_eq!(
            keys(&due),
            [
                "report_due/plan-1/2020-09/user-2/d3",
                "report_due/plan-1/2020-09/user-4/d3"
            ]
        );
        assert!(due[0].body.contains("目标1") && due[0].body.contains("目标2"));
        assert!(due[0].body.contains("区教育局"));
        // Two days before: still the three-day reminder (the same key), not a new one.
        assert_eq!(keys(&World::new().due(date!(2020 - 09 - 23))), keys(&due));
    }

    #[test]
    fn on_the_due_day_the_day_reminder_has_its_own_key_and_after_it_nothing() {
        let due = World::new().due(date!(2020 - 09 - 25));
        assert_eq!(due[0].key.as_str(), "report_due/plan-1/2020-09/user-2/d0");
        assert!(World::new().due(date!(2020 - 09 - 26)).is_empty());
    }

    #[test]
    fn a_unit_that_reported_every_target_is_not_reminded() {
        let mut world = World::new();
        world.submit(1, "2020-09");
        let due = world.due(date!(2020 - 09 - 23));
        assert!(!due[0].body.contains("目标1") && due[0].body.contains("目标2"));
        world.submit(2, "2020-09");
        assert!(world.due(date!(2020 - 09 - 23)).is_empty());
        // A report of another month does not count for this one.
        let mut other = World::new();
        other.submit(1, "2020-08");
        assert!(other.due(date!(2020 - 09 - 23))[0].body.contains("目标1"));
    }

    #[test]
    fn a_due_day_early_in_next_month_is_reminded_at_the_end_of_this_one() {
        let mut world = World::new();
        world.plan = Plan::new(
            PlanId::new(1),
            "计划".into(),
            PlanYear::new(2020).unwrap(),
            None,
            PlanSettings {
                due_day: crate::DueDay::new(2).unwrap(),
                ..PlanSettings::default()
            },
        )
        .unwrap();
        let due = world.due(date!(2020 - 09 - 30));
        assert_eq!(due[0].key.as_str(), "report_due/plan-1/2020-10/user-2/d3");
    }

    #[test]
    fn an_overdue_order_flags_the_unit_head_and_its_issuer_once() {
        let mut world = World::new();
        let order = SupervisionOrder::issue(
            OrderId::new(9),
            world.plan.id(),
            NewOrder {
                item: ItemId::new(1),
                target: None,
                unit: EDUCATION,
                requirement: Requirement::parse("完成主体工程").unwrap(),
                due_on: date!(2020 - 09 - 10),
            },
            &[EDUCATION],
            date!(2020 - 09 - 01),
        )
        .unwrap();
        world.orders.push((order.clone(), Some(UserId::new(1))));
        assert!(world.due(date!(2020 - 09 - 10)).is_empty());
        let due = world.due(date!(2020 - 09 - 12));
        assert_eq!(
            keys(&due),
            [
                "order_overdue/order-9/user-1",
                "order_overdue/order-9/user-3"
            ]
        );
        assert!(due[0].body.contains("超期2天"));
        let mut closed = order;
        closed
            .answer("已完成", vec![], date!(2020 - 09 - 11))
            .unwrap();
        closed.close(date!(2020 - 09 - 11)).unwrap();
        world.orders = vec![(closed, None)];
        assert!(world.due(date!(2020 - 09 - 12)).is_empty());
    }

    #[test]
    fn lead_days_read_from_text_and_refuse_nonsense() {
        assert_eq!(LeadDays::parse("3, 0").unwrap().days(), [0, 3]);
        assert_eq!(LeadDays::parse("7,3,3").unwrap().days(), [3, 7]);
        for bad in ["", "x", "40", "-1"] {
            assert!(LeadDays::parse(bad).is_err(), "{bad:?}");
        }
    }
}
