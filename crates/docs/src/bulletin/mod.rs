//! The supervision bulletin (督查通报): where a plan's items stand at the end of a month,
//! composed once from core types and written as .docx, HTML or Markdown with the same words.

mod compose;
mod docx;
mod html;
mod markdown;

pub use compose::{compose, Sources};
pub use docx::to_docx;
pub use html::to_html;
pub use markdown::to_markdown;

use shishi_core::{Period, Status};
use time::Date;

/// Who issues the bulletin and under which number: what the supervisor fills in, not what
/// the plan says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    /// 发文机关 (海州区人民政府督查室): printed in red as the 发文机关标志 and signed at the end.
    pub issuer: String,
    /// 发文字号 (海督通〔2020〕9号).
    pub doc_number: String,
    /// 成文日期.
    pub date: Date,
    /// 主送机关, without the closing colon.
    pub recipients: String,
    /// 工作要求: the closing part of the body, one paragraph each.
    pub requirements: Vec<String>,
}

impl Issue {
    /// An issue with the recipients and requirements a 督查室 usually writes; both stay open
    /// to change, since every office words them its own way.
    pub fn new(issuer: impl Into<String>, doc_number: impl Into<String>, date: Date) -> Self {
        let issuer: String = issuer.into();
        Self {
            doc_number: doc_number.into(),
            date,
            recipients: "各有关单位".to_owned(),
            requirements: vec![
                "各牵头单位要对照序时进度，认真分析项目滞后原因，明确整改措施和完成时限，\
                 确保年底前全面完成目标任务。慢序时、严重滞后项目的牵头单位要在下月报送进展时\
                 一并说明整改落实情况。"
                    .to_owned(),
                "各牵头单位要严格落实按月报送制度，如实填报完成数据，及时反映存在问题，\
                 不得迟报、漏报。"
                    .to_owned(),
                format!(
                    "对慢序时、严重滞后项目，{issuer}将实行跟踪督办，督查结果纳入年度绩效考核。"
                ),
            ],
            issuer,
        }
    }
}

/// A bulletin ready to be written: every sentence is composed here, so the .docx, the page
/// and the Markdown say the same thing.
#[derive(Debug, Clone, PartialEq)]
pub struct Bulletin {
    pub issuer: String,
    pub doc_number: String,
    pub date: Date,
    pub recipients: String,
    /// 标题 (关于2020年9月份民生实事项目推进情况的通报).
    pub title: String,
    pub period: Period,
    /// The day the statuses are computed for; see `compose` for why.
    pub as_of: Date,
    pub overview: Overview,
    /// 正文 between the recipients and the attachment note.
    pub body: Vec<Block>,
    /// 附件1 慢序时项目 (慢序时 and 严重滞后 items).
    pub behind: Attachment,
    /// 附件2 按序时项目, with completed items marked 已完成.
    pub on_schedule: Attachment,
}

impl Bulletin {
    /// The attachments in their order.
    pub fn attachments(&self) -> [&Attachment; 2] {
        [&self.behind, &self.on_schedule]
    }
}

/// A piece of the body text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    /// 一级标题 (一、总体情况), set in 黑体.
    Heading(String),
    /// 二级标题 (（一）慢序时项目), set in 楷体.
    Subheading(String),
    Paragraph(String),
}

/// The counts the bulletin opens with. The four statuses count items (an item stands as its
/// worst target, as on the dashboard); overdue reports count targets.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Overview {
    pub items: usize,
    pub completed: usize,
    pub on_schedule: usize,
    /// 慢序时 only, not counting 严重滞后: the dashboard shows them apart.
    pub behind: usize,
    pub seriously_behind: usize,
    /// Items without any target, which have no schedule to be judged against.
    pub without_targets: usize,
    /// Targets with a month's report missing past its due day.
    pub overdue_targets: usize,
    /// The lead units of those targets' items with how many targets each, in registry order.
    pub overdue_units: Vec<(String, usize)>,
    /// 截至2020年9月底，50件民生实事中，已完成10件，……
    pub sentence: String,
}

/// One attachment: its number, its title and its table grouped by lead unit.
#[derive(Debug, Clone, PartialEq)]
pub struct Attachment {
    /// 1 or 2.
    pub number: u8,
    /// 慢序时项目情况表.
    pub title: String,
    /// （截至2020年9月底）.
    pub subtitle: String,
    pub groups: Vec<UnitGroup>,
}

impl Attachment {
    /// How many items the attachment lists.
    pub fn item_count(&self) -> usize {
        self.groups.iter().map(|g| g.items.len()).sum()
    }
}

/// The items one lead unit answers for.
#[derive(Debug, Clone, PartialEq)]
pub struct UnitGroup {
    pub unit: String,
    pub items: Vec<BulletinItem>,
}

/// One row group of a table: an item with its targets.
#[derive(Debug, Clone, PartialEq)]
pub struct BulletinItem {
    /// The item's number in the plan.
    pub seq: u32,
    pub title: String,
    /// Every lead unit, the first being the one the item is grouped under.
    pub lead_units: Vec<String>,
    /// `None` for an item without targets.
    pub status: Option<Status>,
    pub targets: Vec<BulletinTarget>,
    /// 存在问题: what the units wrote for the period, and the reports they owe.
    pub problems: Vec<String>,
}

impl BulletinItem {
    /// The status word: 已完成, 按序时, 慢序时, 严重滞后, or 无量化目标.
    pub fn status_word(&self) -> &'static str {
        status_word(self.status)
    }

    /// The problems as one cell's text; a dash when the unit stated none.
    pub fn problems_text(&self) -> String {
        if self.problems.is_empty() {
            "—".to_owned()
        } else {
            self.problems.join("；")
        }
    }
}

/// One target row: planned against actual.
#[derive(Debug, Clone, PartialEq)]
pub struct BulletinTarget {
    /// The target as the notice words it (新建中小学6所).
    pub text: String,
    /// The share the schedule asks for, 0 to 1.
    pub planned: f64,
    /// The share done by the approved figure; may pass 1.
    pub completion: f64,
    /// The approved figure as a person reads it (3所, 完成60%); `None` before any approval.
    pub actual: Option<String>,
    /// The month of that figure when it is older than the bulletin's, so a stale figure shows.
    pub actual_period: Option<Period>,
    pub status: Status,
}

impl BulletinTarget {
    /// 序时进度 as a whole percent.
    pub fn planned_text(&self) -> String {
        percent(self.planned)
    }

    /// 完成比例 as a whole percent.
    pub fn completion_text(&self) -> String {
        percent(self.completion)
    }

    /// 实际完成: the approved figure, its month when older than the bulletin's, or 未报
    /// before any approved figure.
    pub fn actual_text(&self) -> String {
        match (&self.actual, self.actual_period) {
            (Some(actual), Some(period)) => format!("{actual}（{}月数）", period.month()),
            (Some(actual), None) => actual.clone(),
            (None, _) => "暂无审核数据".to_owned(),
        }
    }
}

/// The headers of an attachment table, in column order.
pub(crate) const COLUMNS: [&str; 8] = [
    "序号",
    "项目名称",
    "目标任务",
    "序时进度",
    "实际完成",
    "完成比例",
    "推进状态",
    "存在问题",
];

pub(crate) fn status_word(status: Option<Status>) -> &'static str {
    status.map_or("无量化目标", Status::label_zh)
}

/// A share as a whole percent: 0.746 → "75%". Never negative.
pub(crate) fn percent(share: f64) -> String {
    format!("{:.0}%", (share * 100.0).max(0.0))
}

/// A figure without a trailing ".0", with at most two decimals.
pub(crate) fn number(value: f64) -> String {
    let rounded = (value * 100.0).round() / 100.0;
    if rounded.fract() == 0.0 {
        format!("{rounded:.0}")
    } else {
        format!("{rounded:.2}").trim_end_matches('0').to_owned()
    }
}

/// A date as official documents write it since GB/T 9704-2012: Arabic numerals, no padding.
pub(crate) fn date_zh(date: Date) -> String {
    format!(
        "{}年{}月{}日",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

/// The attachment note's line for an attachment: 1.慢序时项目情况表.
pub(crate) fn attachment_label(attachment: &Attachment) -> String {
    format!("{}.{}", attachment.number, attachment.title)
}
