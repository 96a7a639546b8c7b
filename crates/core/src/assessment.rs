//! The year-end assessment (年终考核) of the lead units: a score out of 100 from target
//! completion, reporting timeliness, report quality and public satisfaction, with the
//! supervisor's bonus and penalty entries, every point explained by a line that names the
//! reports, returns, orders or survey it comes from.
//!
//! The rules, for a unit U assessed on day `as_of` (the plan's last day at year end):
//!
//! - **U's targets** are the targets of every item U leads (牵头). A target of an item with
//!   two lead units counts for both: they answer for it together.
//! - **Weights** are whole points summing to 100 (default 50/20/15/15). Without a
//!   satisfaction result for U, the satisfaction weight is shared out over the other three in
//!   proportion to their weights (weight × 100 ÷ (100 − satisfaction weight)).
//! - **Completion (目标完成)**: each target is worth weight ÷ n (n targets) times its completion
//!   on `as_of` from approved reports (as [`crate::status::target_status`] computes it),
//!   capped at 1. One line per target, naming the approved report the figure comes from.
//! - **Timeliness (报送及时)**: the due reports are, for each target, every month from the
//!   plan's first reporting period through the month of the target's deadline whose due date
//!   is before `as_of`. A report is on time when its first submitted revision was submitted on
//!   or before its due date. Score: weight × on time ÷ due. One line gives the full weight,
//!   then one line per late or missing report deducts weight ÷ due. No due report: full marks.
//! - **Quality (报告质量)**: S = reports submitted for months up to `as_of`, R = returns
//!   (revisions sent back) among them. Score: weight × max(0, 1 − R ÷ S). One line gives the
//!   full weight, then one line per return deducts weight ÷ S (naming the report and the
//!   revision); should the returns outnumber the reports, a last line brings the part back
//!   to 0. Nothing submitted: 0 points.
//! - **Satisfaction (群众满意度)**: weight × the unit's share in the survey (0 to 1).
//! - **Bonus and penalty (加分/扣分)**: each entry's points, added as they are, without cap.
//! - **Ranking**: by total, highest first; totals equal to the cent share a rank (1, 2, 2, 4)
//!   and are listed by unit name.

use crate::ids::{ItemId, OrderId, ReportId, TargetId, UnitId};
use crate::period::Period;
use crate::plan::{Item, Plan, Target};
use crate::report::{Reason, Report, ReportState};
use crate::schedule::Share;
use crate::status::target_status;
use crate::unit::Unit;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use time::Date;

/// Why assessment settings or an entry were refused. Messages are in Chinese: the pages
/// show them as they are.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum AssessmentError {
    #[error("各项权重之和应为100分，现为{sum}分")]
    WeightsNotHundred { sum: u32 },
    #[error("群众满意度权重不能为100分：没有测评结果时无处分配")]
    SatisfactionOnly,
    #[error("加减分应为非零数值，绝对值不超过100分，最多两位小数：{0}")]
    InvalidPoints(f64),
}

/// How many of 100 points each part carries, set per plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "RawWeights", into = "RawWeights")]
pub struct AssessmentWeights {
    completion: u32,
    timeliness: u32,
    quality: u32,
    satisfaction: u32,
}

#[derive(Serialize, Deserialize)]
struct RawWeights {
    completion: u32,
    timeliness: u32,
    quality: u32,
    satisfaction: u32,
}

impl AssessmentWeights {
    /// Refuses weights that do not sum to 100, and a satisfaction weight of the whole 100
    /// (with no survey there would be nothing to share it out to).
    pub fn new(
        completion: u32,
        timeliness: u32,
        quality: u32,
        satisfaction: u32,
    ) -> Result<Self, AssessmentError> {
        let sum = [completion, timeliness, quality, satisfaction]
            .iter()
            .try_fold(0u32, |acc, w| acc.checked_add(*w))
            .unwrap_or(u32::MAX);
        if sum != 100 {
            return Err(AssessmentError::WeightsNotHundred { sum });
        }
        if satisfaction == 100 {
            return Err(AssessmentError::SatisfactionOnly);
        }
        Ok(Self {
            completion,
            timeliness,
            quality,
            satisfaction,
        })
    }

    pub fn completion(self) -> u32 {
        self.completion
    }

    pub fn timeliness(self) -> u32 {
        self.timeliness
    }

    pub fn quality(self) -> u32 {
        self.quality
    }

    pub fn satisfaction(self) -> u32 {
        self.satisfaction
    }

    /// The weight of completion, timeliness and quality when there is no satisfaction
    /// result: each grown in proportion so the three make 100.
    fn without_satisfaction(self) -> [f64; 3] {
        let rest = f64::from(100 - self.satisfaction);
        [self.completion, self.timeliness, self.quality].map(|w| f64::from(w) * 100.0 / rest)
    }
}

impl Default for AssessmentWeights {
    /// Completion 50, timeliness 20, quality 15, satisfaction 15.
    fn default() -> Self {
        Self {
            completion: 50,
            timeliness: 20,
            quality: 15,
            satisfaction: 15,
        }
    }
}

impl TryFrom<RawWeights> for AssessmentWeights {
    type Error = AssessmentError;

    fn try_from(raw: RawWeights) -> Result<Self, AssessmentError> {
        Self::new(
            raw.completion,
            raw.timeliness,
            raw.quality,
            raw.satisfaction,
        )
    }
}

impl From<AssessmentWeights> for RawWeights {
    fn from(w: AssessmentWeights) -> Self {
        Self {
            completion: w.completion,
            timeliness: w.timeliness,
            quality: w.quality,
            satisfaction: w.satisfaction,
        }
    }
}

/// A bonus or penalty entry's id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AdjustmentId(i64);

impl AdjustmentId {
    pub const fn new(raw: i64) -> Self {
        Self(raw)
    }

    pub const fn get(self) -> i64 {
        self.0
    }
}

impl fmt::Display for AdjustmentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Points of a bonus (positive) or penalty (negative): not zero, at most 100 either way, in
/// hundredths at most (as a score sheet is written).
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Serialize, Deserialize)]
#[serde(try_from = "f64", into = "f64")]
pub struct AdjustmentPoints(f64);

impl AdjustmentPoints {
    pub fn new(points: f64) -> Result<Self, AssessmentError> {
        let cents = (points * 100.0).round();
        let ok = points.is_finite()
            && points != 0.0
            && points.abs() <= 100.0
            && (points * 100.0 - cents).abs() < 1e-6;
        if ok {
            Ok(Self(cents / 100.0))
        } else {
            Err(AssessmentError::InvalidPoints(points))
        }
    }

    pub fn get(self) -> f64 {
        self.0
    }

    pub fn is_bonus(self) -> bool {
        self.0 > 0.0
    }
}

impl TryFrom<f64> for AdjustmentPoints {
    type Error = AssessmentError;

    fn try_from(points: f64) -> Result<Self, AssessmentError> {
        Self::new(points)
    }
}

impl From<AdjustmentPoints> for f64 {
    fn from(p: AdjustmentPoints) -> f64 {
        p.0
    }
}

/// A bonus or penalty in force (withdrawn entries are not passed to the scoring).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Adjustment {
    pub id: AdjustmentId,
    pub unit: UnitId,
    pub points: AdjustmentPoints,
    pub reason: Reason,
    /// The supervision order the entry is for (an order overdue, an order done well).
    pub order: Option<OrderId>,
}

/// The result of a public satisfaction survey (群众满意度测评): per unit the share satisfied.
#[derive(Debug, Clone, PartialEq)]
pub struct Satisfaction {
    /// The survey's name, as lines cite it.
    pub survey: String,
    pub shares: BTreeMap<UnitId, Share>,
}

/// The parts of a score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Part {
    Completion,
    Timeliness,
    Quality,
    Satisfaction,
    Bonus,
    Penalty,
}

impl Part {
    pub const ALL: [Part; 6] = [
        Part::Completion,
        Part::Timeliness,
        Part::Quality,
        Part::Satisfaction,
        Part::Bonus,
        Part::Penalty,
    ];

    pub fn label_zh(self) -> &'static str {
        match self {
            Part::Completion => "目标完成",
            Part::Timeliness => "报送及时",
            Part::Quality => "报告质量",
            Part::Satisfaction => "群众满意度",
            Part::Bonus => "加分",
            Part::Penalty => "扣分",
        }
    }
}

/// What a line's points come from, so the unit can look it up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Source {
    Report {
        report: ReportId,
        period: Period,
    },
    /// A revision of a report that was sent back.
    Return {
        report: ReportId,
        period: Period,
        revision: u32,
    },
    Order {
        order: OrderId,
    },
    Survey {
        survey: String,
    },
}

impl Source {
    /// How a line cites it, in Chinese.
    pub fn label_zh(&self) -> String {
        match self {
            Source::Report { report, period } => format!("{period} 月报（报告{report}）"),
            Source::Return {
                report,
                period,
                revision,
            } => format!("{period} 月报第{revision}版退回（报告{report}）"),
            Source::Order { order } => format!("督办单{order}"),
            Source::Survey { survey } => format!("满意度测评：{survey}"),
        }
    }
}

/// One line of a unit's score: its points out of `max` (0 for a deduction or an entry), why,
/// and what it comes from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScoreLine {
    pub part: Part,
    pub points: f64,
    pub max: f64,
    pub explanation: String,
    pub sources: Vec<Source>,
}

/// A unit's score, explained.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UnitScore {
    pub unit: UnitId,
    pub name: String,
    /// 1 for the best; equal totals share a rank.
    pub rank: u32,
    /// How many targets the unit was assessed on.
    pub targets: usize,
    pub lines: Vec<ScoreLine>,
}

impl UnitScore {
    /// The points of one part: the sum of its lines.
    pub fn points(&self, part: Part) -> f64 {
        self.lines
            .iter()
            .filter(|l| l.part == part)
            .map(|l| l.points)
            .sum()
    }

    /// What a part could give at most (0 for the entries, and for satisfaction when its
    /// weight went to the other parts).
    pub fn max(&self, part: Part) -> f64 {
        self.lines
            .iter()
            .filter(|l| l.part == part)
            .map(|l| l.max)
            .sum()
    }

    /// Bonus and penalty together (加减分).
    pub fn adjustments(&self) -> f64 {
        self.points(Part::Bonus) + self.points(Part::Penalty)
    }

    pub fn total(&self) -> f64 {
        self.lines.iter().map(|l| l.points).sum()
    }

    /// Whether a satisfaction result counted for this unit.
    pub fn has_satisfaction(&self) -> bool {
        self.lines
            .iter()
            .any(|l| l.part == Part::Satisfaction && l.max > 0.0)
    }
}

/// The whole assessment: every lead unit, ranked.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Assessment {
    pub as_of: Date,
    pub weights: AssessmentWeights,
    pub units: Vec<UnitScore>,
}

impl Assessment {
    pub fn unit(&self, id: UnitId) -> Option<&UnitScore> {
        self.units.iter().find(|u| u.unit == id)
    }
}

/// What an assessment is computed from.
#[derive(Debug, Clone, Copy)]
pub struct AssessmentInput<'a> {
    pub plan: &'a Plan,
    pub items: &'a [Item],
    /// The plan's targets (others are ignored).
    pub targets: &'a [Target],
    /// The units, for their names.
    pub units: &'a [Unit],
    /// The plan's reports, any state.
    pub reports: &'a [Report],
    pub weights: AssessmentWeights,
    /// Entries in force; entries for units that lead nothing are ignored.
    pub adjustments: &'a [Adjustment],
    pub satisfaction: Option<&'a Satisfaction>,
    /// The day the assessment is made for: the plan's last day at year end.
    pub as_of: Date,
}

/// Scores every lead unit of the plan's items that have targets, ranked.
pub fn assess(input: &AssessmentInput<'_>) -> Assessment {
    let seq: HashMap<ItemId, u32> = input.items.iter().map(|i| (i.id, i.seq)).collect();
    let mut led: BTreeMap<UnitId, Vec<&Target>> = BTreeMap::new();
    for item in input.items {
        let targets: Vec<&Target> = input.targets.iter().filter(|t| t.item == item.id).collect();
        if targets.is_empty() {
            continue;
        }
        for unit in &item.lead_units {
            let list = led.entry(*unit).or_default();
            for t in &targets {
                if !list.iter().any(|known| known.id == t.id) {
                    list.push(t);
                }
            }
        }
    }
    let names: HashMap<UnitId, &str> = input
        .units
        .iter()
        .map(|u| (u.id, u.name.as_str()))
        .collect();
    let mut reports: HashMap<TargetId, Vec<&Report>> = HashMap::new();
    for r in input.reports {
        reports.entry(r.target()).or_default().push(r);
    }

    let mut units: Vec<UnitScore> = led
        .into_iter()
        .map(|(unit, mut targets)| {
            targets.sort_by_key(|t| (seq.get(&t.item).copied().unwrap_or(u32::MAX), t.id));
            let scorer = Scorer {
                input,
                seq: &seq,
                reports: &reports,
                targets: &targets,
            };
            let name = names
                .get(&unit)
                .map_or_else(|| format!("单位{unit}"), |n| (*n).to_owned());
            UnitScore {
                unit,
                name,
                rank: 0,
                targets: targets.len(),
                lines: scorer.lines(unit),
            }
        })
        .collect();

    units.sort_by(|a, b| {
        cents(b.total())
            .cmp(&cents(a.total()))
            .then_with(|| a.name.cmp(&b.name))
            .then_with(|| a.unit.cmp(&b.unit))
    });
    let mut previous: Option<(i64, u32)> = None;
    for (place, unit) in (1u32..).zip(units.iter_mut()) {
        let total = cents(unit.total());
        unit.rank = match previous {
            Some((t, rank)) if t == total => rank,
            _ => place,
        };
        previous = Some((total, unit.rank));
    }

    Assessment {
        as_of: input.as_of,
        weights: input.weights,
        units,
    }
}

/// A score in hundredths, for comparing totals without rounding noise.
fn cents(points: f64) -> i64 {
    // Scores stay within a few hundred points; the cast cannot overflow.
    (points * 100.0).round() as i64
}

/// Points as a score sheet writes them: two decimals.
pub fn format_points(points: f64) -> String {
    let p = (points * 100.0).round() / 100.0 + 0.0;
    format!("{p:.2}")
}

fn percent(share: f64) -> String {
    format!("{:.1}%", share * 100.0 + 0.0)
}

struct Scorer<'a, 'b> {
    input: &'b AssessmentInput<'a>,
    seq: &'b HashMap<ItemId, u32>,
    reports: &'b HashMap<TargetId, Vec<&'a Report>>,
    targets: &'b [&'a Target],
}

impl<'a> Scorer<'a, '_> {
    fn lines(&self, unit: UnitId) -> Vec<ScoreLine> {
        let w = self.input.weights;
        let survey = self
            .input
            .satisfaction
            .and_then(|s| s.shares.get(&unit).map(|share| (s.survey.as_str(), *share)));
        let [completion, timeliness, quality] = match survey {
            Some(_) => [w.completion, w.timeliness, w.quality].map(f64::from),
            None => w.without_satisfaction(),
        };
        let mut lines = Vec::new();
        self.completion(completion, &mut lines);
        self.timeliness(timeliness, &mut lines);
        self.quality(quality, &mut lines);
        if w.satisfaction > 0 {
            lines.push(satisfaction_line(
                w,
                survey,
                [completion, timeliness, quality],
            ));
        }
        for a in self.input.adjustments.iter().filter(|a| a.unit == unit) {
            let (part, word) = if a.points.is_bonus() {
                (Part::Bonus, "加分")
            } else {
                (Part::Penalty, "扣分")
            };
            lines.push(ScoreLine {
                part,
                points: a.points.get(),
                max: 0.0,
                explanation: format!(
                    "{word}{}分：{}（加减分记录{}）",
                    format_points(a.points.get().abs()),
                    a.reason.as_str(),
                    a.id
                ),
                sources: a
                    .order
                    .map(|order| Source::Order { order })
                    .into_iter()
                    .collect(),
            });
        }
        lines
    }

    fn ours(&self, target: &Target) -> &[&'a Report] {
        self.reports.get(&target.id).map_or(&[], Vec::as_slice)
    }

    fn label(&self, target: &Target) -> String {
        let seq = self.seq.get(&target.item).copied().unwrap_or_default();
        format!("第{seq}项“{}”", target.text)
    }

    fn completion(&self, weight: f64, lines: &mut Vec<ScoreLine>) {
        let each = weight / self.targets.len() as f64;
        for target in self.targets {
            let status = target_status(
                self.input.plan,
                target,
                self.input.reports,
                self.input.as_of,
            );
            let done = status.completion().clamp(0.0, 1.0);
            let points = each * done;
            let source = status.last_approved().and_then(|period| {
                self.ours(target)
                    .iter()
                    .find(|r| r.period() == period)
                    .map(|r| Source::Report {
                        report: r.id(),
                        period,
                    })
            });
            let explanation = match status.last_approved() {
                Some(period) => {
                    let capped = if status.completion() > 1.0 {
                        format!("（实际{}，超过100%按100%计）", percent(status.completion()))
                    } else {
                        String::new()
                    };
                    format!(
                        "{}：截至{}，最近已审核的 {period} 月报完成{}{capped}，得{}分（满分{}分）",
                        self.label(target),
                        self.input.as_of,
                        percent(done),
                        format_points(points),
                        format_points(each)
                    )
                }
                None => format!(
                    "{}：截至{}没有已审核的月报，完成率按0计，得0.00分（满分{}分）",
                    self.label(target),
                    self.input.as_of,
                    format_points(each)
                ),
            };
            lines.push(ScoreLine {
                part: Part::Completion,
                points,
                max: each,
                explanation,
                sources: source.into_iter().collect(),
            });
        }
    }

    fn timeliness(&self, weight: f64, lines: &mut Vec<ScoreLine>) {
        let plan = self.input.plan;
        let as_of = self.input.as_of;
        let due_day = plan.settings().due_day;
        let mut due = 0usize;
        let mut misses = Vec::new();
        for target in self.targets {
            let last = Period::of(as_of).min(Period::of(target.schedule.deadline()));
            let mut month = plan.first_period();
            while month <= last {
                let due_on = month.due_date(due_day);
                if as_of > due_on {
                    due += 1;
                    let report = self.ours(target).iter().find(|r| r.period() == month);
                    let submitted = report.and_then(|r| {
                        r.revisions()
                            .find(|rev| rev.state != ReportState::Draft)
                            .map(|rev| rev.submitted_on)
                    });
                    match (report, submitted) {
                        (Some(r), Some(Some(on))) if on > due_on => misses.push((
                            format!(
                                "{} {month} 月报于{on}报送，晚于报送期限{due_on}（逾期{}天）",
                                self.label(target),
                                (on - due_on).whole_days()
                            ),
                            Some(Source::Report {
                                report: r.id(),
                                period: month,
                            }),
                        )),
                        (_, Some(_)) => {}
                        (_, None) => misses.push((
                            format!(
                                "{} {month} 月报截至{as_of}未报送（报送期限{due_on}）",
                                self.label(target)
                            ),
                            None,
                        )),
                    }
                }
                month = month.next();
            }
        }
        if due == 0 {
            lines.push(ScoreLine {
                part: Part::Timeliness,
                points: weight,
                max: weight,
                explanation: format!("截至{as_of}没有到期的月报，本项计满分"),
                sources: vec![],
            });
            return;
        }
        let each = weight / due as f64;
        lines.push(ScoreLine {
            part: Part::Timeliness,
            points: weight,
            max: weight,
            explanation: format!(
                "{}个目标截至{as_of}应报月报{due}期（每月{}日前报送），按时报送{}期；满分{}分，每期逾期或未报扣{}分",
                self.targets.len(),
                due_day.get(),
                due - misses.len(),
                format_points(weight),
                format_points(each)
            ),
            sources: vec![],
        });
        for (explanation, source) in misses {
            lines.push(ScoreLine {
                part: Part::Timeliness,
                points: -each,
                max: 0.0,
                explanation: format!("{explanation}，扣{}分", format_points(each)),
                sources: source.into_iter().collect(),
            });
        }
    }

    fn quality(&self, weight: f64, lines: &mut Vec<ScoreLine>) {
        let this_month = Period::of(self.input.as_of);
        let mut submitted = 0usize;
        let mut returns = Vec::new();
        for target in self.targets {
            for r in self.ours(target) {
                if r.period() > this_month || !r.was_submitted() {
                    continue;
                }
                submitted += 1;
                for rev in r.revisions() {
                    if let ReportState::Returned { reason } = &rev.state {
                        returns.push((target, *r, rev.number, reason.as_str().to_owned()));
                    }
                }
            }
        }
        if submitted == 0 {
            lines.push(ScoreLine {
                part: Part::Quality,
                points: 0.0,
                max: weight,
                explanation: format!(
                    "截至{}未报送任何月报，无从评定报告质量，本项不得分（满分{}分）",
                    self.input.as_of,
                    format_points(weight)
                ),
                sources: vec![],
            });
            return;
        }
        let each = weight / submitted as f64;
        lines.push(ScoreLine {
            part: Part::Quality,
            points: weight,
            max: weight,
            explanation: format!(
                "已报送月报{submitted}份，被退回{}次；满分{}分，每退回一次扣{}分（满分 × 退回次数 ÷ 报送份数）",
                returns.len(),
                format_points(weight),
                format_points(each)
            ),
            sources: vec![],
        });
        for (target, report, revision, reason) in &returns {
            lines.push(ScoreLine {
                part: Part::Quality,
                points: -each,
                max: 0.0,
                explanation: format!(
                    "{} {} 月报第{revision}版被退回（{reason}），扣{}分",
                    self.label(target),
                    report.period(),
                    format_points(each)
                ),
                sources: vec![Source::Return {
                    report: report.id(),
                    period: report.period(),
                    revision: *revision,
                }],
            });
        }
        if returns.len() > submitted {
            lines.push(ScoreLine {
                part: Part::Quality,
                points: each * (returns.len() - submitted) as f64,
                max: 0.0,
                explanation: "退回次数多于报送份数，扣分以本项满分为限，本项计0分".to_owned(),
                sources: vec![],
            });
        }
    }
}

fn satisfaction_line(
    w: AssessmentWeights,
    survey: Option<(&str, Share)>,
    used: [f64; 3],
) -> ScoreLine {
    let weight = f64::from(w.satisfaction);
    match survey {
        Some((name, share)) => {
            let points = weight * share.get();
            ScoreLine {
                part: Part::Satisfaction,
                points,
                max: weight,
                explanation: format!(
                    "群众满意度测评“{name}”满意率{}，得{}分（满分{}分）",
                    percent(share.get()),
                    format_points(points),
                    format_points(weight)
                ),
                sources: vec![Source::Survey {
                    survey: name.to_owned(),
                }],
            }
        }
        None => ScoreLine {
            part: Part::Satisfaction,
            points: 0.0,
            max: 0.0,
            explanation: format!(
                "没有本单位的群众满意度测评结果：本项{}分按权重比例并入其余三项，目标完成满分{}分、报送及时满分{}分、报告质量满分{}分",
                w.satisfaction,
                format_points(used[0]),
                format_points(used[1]),
                format_points(used[2])
            ),
            sources: vec![],
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{PlanId, ReportId};
    use crate::plan::{Measure, PlanSettings, PlanYear, Quantity, TargetValue};
    use crate::report::{Actual, Percent, ReportContent, ReportValue, Revision};
    use crate::schedule::{Curve, Schedule};
    use shishi_plan::Op;
    use time::macros::date;

    const A: UnitId = UnitId::new(1);
    const B: UnitId = UnitId::new(2);
    const C: UnitId = UnitId::new(3);
    const END: Date = date!(2020 - 12 - 31);

    fn plan() -> Plan {
        // Reports from October: three due months (Oct, Nov, Dec) per target at year end.
        let settings = PlanSettings {
            first_period: Some(Period::parse("2020-10").unwrap()),
            ..Default::default()
        };
        Plan::new(
            PlanId::new(1),
            "2020年民生实事".into(),
            PlanYear::new(2020).unwrap(),
            None,
            settings,
        )
        .unwrap()
    }

    fn item(id: i64, seq: u32, lead: &[UnitId]) -> Item {
        Item {
            id: ItemId::new(id),
            plan: PlanId::new(1),
            seq,
            title: format!("项目{seq}"),
            category: None,
            lead_units: lead.to_vec(),
            support_units: vec![],
        }
    }

    fn schedule() -> Schedule {
        Schedule::new(date!(2020 - 01 - 01), None, Curve::Linear).unwrap()
    }

    fn quantity(id: i64, item: i64, value: f64) -> Target {
        let q = Quantity::new(TargetValue::new(value).unwrap(), "所".into(), Op::Ge, None).unwrap();
        Target {
            id: TargetId::new(id),
            item: ItemId::new(item),
            text: format!("目标{id}"),
            measure: Measure::Quantity(q),
            schedule: schedule(),
        }
    }

    fn milestone(id: i64, item: i64) -> Target {
        Target {
            id: TargetId::new(id),
            item: ItemId::new(item),
            text: format!("目标{id}"),
            measure: Measure::Milestone,
            schedule: schedule(),
        }
    }

    fn revision(number: u32, actual: Actual, state: ReportState, on: Date) -> Revision {
        Revision {
            number,
            content: ReportContent {
                actual,
                progress: "推进中".into(),
                problems: String::new(),
                next_steps: String::new(),
                funds: None,
            },
            state,
            submitted_on: Some(on),
        }
    }

    fn report(id: i64, target: i64, period: &str, revisions: Vec<Revision>) -> Report {
        Report::restore(
            ReportId::new(id),
            TargetId::new(target),
            Period::parse(period).unwrap(),
            revisions,
        )
        .unwrap()
    }

    fn value(v: f64) -> Actual {
        Actual::Value(ReportValue::new(v).unwrap())
    }

    fn returned() -> ReportState {
        ReportState::Returned {
            reason: Reason::parse("数据与附件不符").unwrap(),
        }
    }

    fn units() -> Vec<Unit> {
        [(A, "区教育局"), (B, "区卫健委"), (C, "区民政局")]
            .into_iter()
            .map(|(id, name)| Unit {
                id,
                name: name.into(),
                aliases: vec![],
            })
            .collect()
    }

    /// A leads item 1 (targets 11: 10 schools, 12: a milestone); B leads item 2 (target 21:
    /// 4 clinics) together with A; C leads item 3 (target 31: 100 beds).
    struct World {
        items: Vec<Item>,
        targets: Vec<Target>,
        reports: Vec<Report>,
    }

    fn world() -> World {
        let items = vec![item(1, 1, &[A]), item(2, 2, &[B, A]), item(3, 3, &[C])];
        let targets = vec![
            quantity(11, 1, 10.0),
            milestone(12, 1),
            quantity(21, 2, 4.0),
            quantity(31, 3, 100.0),
        ];
        let ok = ReportState::Approved;
        let reports = vec![
            // Target 11: Oct on time, Nov returned once then approved (first sent on time),
            // Dec late (sent on 28 Dec, due the 25th) and approved at 8 of 10.
            report(
                1,
                11,
                "2020-10",
                vec![revision(1, value(3.0), ok.clone(), date!(2020 - 10 - 20))],
            ),
            report(
                2,
                11,
                "2020-11",
                vec![
                    revision(1, value(6.0), returned(), date!(2020 - 11 - 20)),
                    revision(2, value(5.0), ok.clone(), date!(2020 - 11 - 27)),
                ],
            ),
            report(
                3,
                11,
                "2020-12",
                vec![revision(1, value(8.0), ok.clone(), date!(2020 - 12 - 28))],
            ),
            // Target 12: only Oct and Nov, both on time; Nov approved at 50%.
            report(
                4,
                12,
                "2020-10",
                vec![revision(
                    1,
                    Actual::Percent(Percent::new(20.0).unwrap()),
                    ok.clone(),
                    date!(2020 - 10 - 25),
                )],
            ),
            report(
                5,
                12,
                "2020-11",
                vec![revision(
                    1,
                    Actual::Percent(Percent::new(50.0).unwrap()),
                    ok.clone(),
                    date!(2020 - 11 - 24),
                )],
            ),
            // Target 21: every month on time, exceeded (5 of 4) in December.
            report(
                6,
                21,
                "2020-10",
                vec![revision(1, value(2.0), ok.clone(), date!(2020 - 10 - 10))],
            ),
            report(
                7,
                21,
                "2020-11",
                vec![revision(1, value(3.0), ok.clone(), date!(2020 - 11 - 10))],
            ),
            report(
                8,
                21,
                "2020-12",
                vec![revision(1, value(5.0), ok, date!(2020 - 12 - 10))],
            ),
            // Target 31: one report, returned twice and still under review: nothing approved.
            report(
                9,
                31,
                "2020-10",
                vec![
                    revision(1, value(10.0), returned(), date!(2020 - 10 - 30)),
                    revision(2, value(10.0), returned(), date!(2020 - 11 - 02)),
                    revision(
                        3,
                        value(10.0),
                        ReportState::Submitted,
                        date!(2020 - 11 - 05),
                    ),
                ],
            ),
        ];
        World {
            items,
            targets,
            reports,
        }
    }

    fn run(
        world: &World,
        adjustments: &[Adjustment],
        satisfaction: Option<&Satisfaction>,
    ) -> Assessment {
        let plan = plan();
        let units = units();
        assess(&AssessmentInput {
            plan: &plan,
            items: &world.items,
            targets: &world.targets,
            units: &units,
            reports: &world.reports,
            weights: AssessmentWeights::default(),
            adjustments,
            satisfaction,
            as_of: END,
        })
    }

    fn close(a: f64, b: f64) {
        assert!((a - b).abs() < 1e-9, "{a} != {b}");
    }

    #[test]
    fn weights_sum_to_100_and_default_to_50_20_15_15() {
        let w = AssessmentWeights::default();
        assert_eq!(
            (
                w.completion(),
                w.timeliness(),
                w.quality(),
                w.satisfaction()
            ),
            (50, 20, 15, 15)
        );
        assert_eq!(
            AssessmentWeights::new(50, 20, 15, 10),
            Err(AssessmentError::WeightsNotHundred { sum: 95 })
        );
        assert_eq!(
            AssessmentWeights::new(0, 0, 0, 100),
            Err(AssessmentError::SatisfactionOnly)
        );
        assert!(AssessmentWeights::new(u32::MAX, 1, 0, 0).is_err());
        assert!(AssessmentWeights::new(60, 20, 20, 0).is_ok());
        let json = serde_json::to_string(&w).unwrap();
        assert!(serde_json::from_str::<AssessmentWeights>(&json.replace("50", "51")).is_err());
    }

    #[test]
    fn entry_points_are_non_zero_within_100_in_hundredths() {
        assert_eq!(AdjustmentPoints::new(-2.5).unwrap().get(), -2.5);
        assert!(AdjustmentPoints::new(0.0).is_err());
        assert!(AdjustmentPoints::new(100.5).is_err());
        assert!(AdjustmentPoints::new(1.234).is_err());
        assert!(AdjustmentPoints::new(f64::NAN).is_err());
        assert!(AdjustmentPoints::new(0.1 + 0.2).is_ok());
    }

    /// Unit A, without a survey (weights 50/20/15 become 58.82/23.53/17.65):
    /// - completion: targets 11 (8/10 = 0.8), 12 (0.5), 21 (5/4 capped at 1), each worth
    ///   58.8235/3 = 19.6078: 15.6863 + 9.8039 + 19.6078 = 45.0980;
    /// - timeliness: 9 due (3 targets × Oct–Dec); 11-Dec late, 12-Dec missing: 23.5294 ×
    ///   7/9 = 18.3007;
    /// - quality: 8 reports submitted, 1 return: 17.6471 × 7/8 = 15.4412;
    /// - total 78.8399.
    ///
    /// Unit B: target 21 only: completion 58.8235, timeliness 23.5294, quality 17.6471 = 100.
    ///
    /// Unit C: target 31: no approved report (0); 3 due, Oct submitted late on 30 Oct,
    /// Nov and Dec missing: 0; 1 report, 2 returns: 1 − 2 = −1, held at 0. Total 0.
    #[test]
    fn units_are_scored_from_completion_timeliness_and_quality_and_ranked() {
        let a = run(&world(), &[], None);
        let order: Vec<_> = a.units.iter().map(|u| (u.rank, u.unit)).collect();
        assert_eq!(order, [(1, B), (2, A), (3, C)]);

        let ua = a.unit(A).unwrap();
        assert_eq!(ua.targets, 3);
        let weight = |w: f64| w * 100.0 / 85.0;
        close(
            ua.points(Part::Completion),
            weight(50.0) / 3.0 * (0.8 + 0.5 + 1.0),
        );
        close(ua.points(Part::Timeliness), weight(20.0) * 7.0 / 9.0);
        close(ua.points(Part::Quality), weight(15.0) * 7.0 / 8.0);
        close(ua.points(Part::Satisfaction), 0.0);
        close(ua.max(Part::Completion), weight(50.0));
        assert_eq!(format_points(ua.total()), "78.84");

        let ub = a.unit(B).unwrap();
        close(ub.total(), 100.0);
        let uc = a.unit(C).unwrap();
        close(uc.points(Part::Quality), 0.0);
        close(uc.total(), 0.0);
    }

    #[test]
    fn every_line_names_what_it_comes_from() {
        let a = run(&world(), &[], None);
        let ua = a.unit(A).unwrap();
        let completion: Vec<_> = ua
            .lines
            .iter()
            .filter(|l| l.part == Part::Completion)
            .collect();
        assert_eq!(completion.len(), 3);
        assert_eq!(
            completion[0].sources,
            [Source::Report {
                report: ReportId::new(3),
                period: Period::parse("2020-12").unwrap()
            }]
        );
        assert!(completion[0].explanation.contains("第1项“目标11”"));
        assert!(completion[0].explanation.contains("80.0%"));
        assert!(completion[2].explanation.contains("超过100%按100%计"));

        let late: Vec<_> = ua
            .lines
            .iter()
            .filter(|l| l.part == Part::Timeliness && l.points < 0.0)
            .collect();
        assert_eq!(late.len(), 2);
        assert!(late[0].explanation.contains("逾期3天"));
        assert_eq!(
            late[0].sources,
            [Source::Report {
                report: ReportId::new(3),
                period: Period::parse("2020-12").unwrap()
            }]
        );
        assert!(late[1]
            .explanation
            .contains("2020-12 月报截至2020-12-31未报送"));
        assert!(late[1].sources.is_empty());

        let returns: Vec<_> = ua
            .lines
            .iter()
            .filter(|l| l.part == Part::Quality && l.points < 0.0)
            .collect();
        assert_eq!(
            returns[0].sources,
            [Source::Return {
                report: ReportId::new(2),
                period: Period::parse("2020-11").unwrap(),
                revision: 1
            }]
        );
        assert!(returns[0].explanation.contains("数据与附件不符"));

        let satisfaction = ua
            .lines
            .iter()
            .find(|l| l.part == Part::Satisfaction)
            .unwrap();
        assert!(satisfaction.explanation.contains("按权重比例并入其余三项"));
        // Every part's lines add up to the part, and the parts to the total.
        let sum: f64 = Part::ALL.iter().map(|p| ua.points(*p)).sum();
        close(sum, ua.total());
    }

    #[test]
    fn more_returns_than_reports_leave_quality_at_zero_not_below() {
        let a = run(&world(), &[], None);
        let uc = a.unit(C).unwrap();
        let quality: Vec<_> = uc
            .lines
            .iter()
            .filter(|l| l.part == Part::Quality)
            .collect();
        assert_eq!(quality.len(), 4);
        close(quality[3].points, 100.0 / 85.0 * 15.0);
        assert!(quality[3].explanation.contains("计0分"));
    }

    /// With a survey: A at 0.9 gets 15 × 0.9 = 13.5, its other parts at their own weights:
    /// 50/3 × 2.3 = 38.3333, 20 × 7/9 = 15.5556, 15 × 7/8 = 13.125; total 80.5139. B is
    /// not in the survey and keeps the redistributed weights (100). A penalty of 2 and a
    /// bonus of 1.5 make A 80.0139; C's bonus of 100 puts C first.
    #[test]
    fn a_survey_counts_and_entries_add_and_deduct_with_their_reasons() {
        let survey = Satisfaction {
            survey: "2020年度民生实事满意度测评".into(),
            shares: [(A, Share::new(0.9).unwrap())].into_iter().collect(),
        };
        let entries = vec![
            Adjustment {
                id: AdjustmentId::new(1),
                unit: A,
                points: AdjustmentPoints::new(-2.0).unwrap(),
                reason: Reason::parse("督办单逾期未办结").unwrap(),
                order: Some(OrderId::new(7)),
            },
            Adjustment {
                id: AdjustmentId::new(2),
                unit: A,
                points: AdjustmentPoints::new(1.5).unwrap(),
                reason: Reason::parse("经验做法获市级推广").unwrap(),
                order: None,
            },
            Adjustment {
                id: AdjustmentId::new(3),
                unit: C,
                points: AdjustmentPoints::new(100.0).unwrap(),
                reason: Reason::parse("测试").unwrap(),
                order: None,
            },
        ];
        let a = run(&world(), &entries, Some(&survey));
        let ua = a.unit(A).unwrap();
        close(ua.points(Part::Satisfaction), 13.5);
        close(ua.points(Part::Completion), 50.0 / 3.0 * 2.3);
        close(ua.points(Part::Timeliness), 20.0 * 7.0 / 9.0);
        close(ua.points(Part::Quality), 15.0 * 7.0 / 8.0);
        close(ua.adjustments(), -0.5);
        assert_eq!(format_points(ua.total()), "80.01");
        let penalty = ua.lines.iter().find(|l| l.part == Part::Penalty).unwrap();
        assert_eq!(
            penalty.sources,
            [Source::Order {
                order: OrderId::new(7)
            }]
        );
        assert!(penalty.explanation.contains("扣分2.00分：督办单逾期未办结"));
        assert!(ua.has_satisfaction());
        let ub = a.unit(B).unwrap();
        assert!(!ub.has_satisfaction());
        close(ub.total(), 100.0);
        let order: Vec<_> = a.units.iter().map(|u| (u.rank, u.unit)).collect();
        // C at 100 and B at 100 tie: both first, 区卫健委 before 区民政局 by name.
        assert_eq!(order, [(1, B), (1, C), (3, A)]);
    }

    #[test]
    fn without_due_reports_timeliness_is_full_and_without_reports_quality_is_zero() {
        let w = World {
            items: vec![item(1, 1, &[A])],
            targets: vec![quantity(11, 1, 10.0)],
            reports: vec![],
        };
        let plan = plan();
        let units = units();
        let a = assess(&AssessmentInput {
            plan: &plan,
            items: &w.items,
            targets: &w.targets,
            units: &units,
            reports: &w.reports,
            weights: AssessmentWeights::new(60, 20, 20, 0).unwrap(),
            adjustments: &[],
            satisfaction: None,
            as_of: date!(2020 - 10 - 20),
        });
        let ua = a.unit(A).unwrap();
        close(ua.points(Part::Timeliness), 20.0);
        close(ua.points(Part::Quality), 0.0);
        close(ua.points(Part::Completion), 0.0);
        assert!(ua.lines.iter().all(|l| l.part != Part::Satisfaction));
    }
}
