//! Open data (开放数据): each plan's public facts as datasets — the plan, its items, targets,
//! approved progress and published bulletins — described once here, field by field, so the
//! documentation page, the JSON Schema, the CSV header and the records cannot drift apart.
//!
//! Every plan of every place and year gives the same datasets with the same fields, so
//! years and places can be compared. Nothing unapproved or internal is in them: progress is
//! the approved revision in force of each report, and no user, contact or review note
//! appears anywhere.

use crate::pages::paths;
use crate::standing::{joined_names, standings, status_words, unit_names};
use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};
use serde_json::{json, Map, Value};
use shishi_core::{
    completion, Actual, Curve, Group, ItemId, Level, Measure, Op, Status, SurveyResults,
    SurveyState, TargetId,
};
use shishi_store::{BulletinSummary, PlanSnapshot};
use std::collections::HashMap;
use time::Date;

/// What a field holds, as the documentation, the JSON Schema and the CSV reader see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Integer,
    Number,
    Text,
    /// YYYY-MM-DD.
    Date,
    /// RFC 3339, with its offset.
    DateTime,
    /// A month, YYYY-MM.
    Period,
    /// One of fixed English codes; the Chinese word is in a field beside it.
    Code(&'static [&'static str]),
    /// A path on this site, starting with `/`.
    Path,
}

impl Kind {
    /// The type as the documentation page names it.
    pub(crate) fn label(self) -> String {
        match self {
            Kind::Integer => "整数".to_owned(),
            Kind::Number => "数值".to_owned(),
            Kind::Text => "文本".to_owned(),
            Kind::Date => "日期（YYYY-MM-DD）".to_owned(),
            Kind::DateTime => "时间（RFC 3339）".to_owned(),
            Kind::Period => "月份（YYYY-MM）".to_owned(),
            Kind::Code(codes) => format!("代码：{}", codes.join(" / ")),
            Kind::Path => "站内路径".to_owned(),
        }
    }

    /// The field's JSON Schema, without its title and description.
    fn schema(self, nullable: bool) -> Map<String, Value> {
        let (json_type, extra) = match self {
            Kind::Integer => ("integer", json!({})),
            Kind::Number => ("number", json!({})),
            Kind::Text => ("string", json!({})),
            Kind::Date => (
                "string",
                json!({"format": "date", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"}),
            ),
            Kind::DateTime => (
                "string",
                json!({"format": "date-time", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}T"}),
            ),
            Kind::Period => ("string", json!({"pattern": "^[0-9]{4}-(0[1-9]|1[0-2])$"})),
            Kind::Code(codes) => {
                let mut values: Vec<Value> = codes.iter().map(|c| json!(c)).collect();
                if nullable {
                    values.push(Value::Null);
                }
                ("string", json!({ "enum": values }))
            }
            Kind::Path => ("string", json!({"pattern": "^/"})),
        };
        let mut schema = Map::new();
        schema.insert(
            "type".to_owned(),
            if nullable {
                json!([json_type, "null"])
            } else {
                json!(json_type)
            },
        );
        if let Value::Object(extra) = extra {
            schema.extend(extra);
        }
        schema
    }
}

/// One field of a dataset: its name (the JSON key and the CSV column), what it holds, and
/// what it means to a person.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Field {
    pub name: &'static str,
    pub kind: Kind,
    /// Whether it may be empty (JSON `null`, an empty CSV cell).
    pub nullable: bool,
    pub label: &'static str,
    pub meaning: &'static str,
}

const fn field(
    name: &'static str,
    kind: Kind,
    nullable: bool,
    label: &'static str,
    meaning: &'static str,
) -> Field {
    Field {
        name,
        kind,
        nullable,
        label,
        meaning,
    }
}

const STATUS_CODES: &[&str] = &["completed", "on_schedule", "behind", "seriously_behind"];
const ITEM_STATUS_CODES: &[&str] = &[
    "completed",
    "on_schedule",
    "behind",
    "seriously_behind",
    "none",
];

const PLAN_FIELDS: [Field; 12] = [
    field("plan_id", Kind::Integer, false, "计划编号",
        "本站数据库中的计划编号。在本站内始终不变；换一个部署或重新建库后可能不同，跨站比较请用计划标识。"),
    field("plan_key", Kind::Text, false, "计划标识",
        "区域:年度，如 海州区:2020（区域不明时用发文机关或标题代替区域）。重新导入、换一个部署都不变，用于比较不同年度和地区。"),
    field("place", Kind::Text, true, "区域", "发文机关所在的地区，如 海州区。"),
    field("year", Kind::Integer, false, "年度", "计划所属年度。"),
    field("title", Kind::Text, false, "标题", "计划（通知）的标题。"),
    field("doc_number", Kind::Text, true, "文号", "发文字号，如 海政发〔2020〕15号。"),
    field("index_no", Kind::Text, true, "索引号", "政府信息公开索引号。"),
    field("issuer", Kind::Text, true, "发文机关", "印发计划的机关。"),
    field("issued_on", Kind::Date, true, "成文日期", "通知的成文日期。"),
    field("item_count", Kind::Integer, false, "项目数", "计划中的实事项目数。"),
    field("target_count", Kind::Integer, false, "指标数", "各项目的量化指标和节点目标合计数。"),
    field("page", Kind::Path, false, "门户页面", "本计划在门户网站上的页面（站内路径）。"),
];

const ITEM_FIELDS: [Field; 16] = [
    field("item_id", Kind::Integer, false, "项目编号", "本站数据库中的项目编号，在本站内始终不变。"),
    field("item_key", Kind::Text, false, "项目标识",
        "计划标识:序号，如 海州区:2020:12，重新导入、换一个部署都不变。"),
    field("plan_id", Kind::Integer, false, "计划编号", "所属计划的编号。"),
    field("plan_key", Kind::Text, false, "计划标识", "所属计划的标识。"),
    field("number", Kind::Integer, false, "序号", "项目在通知中的序号。"),
    field("category", Kind::Text, true, "类别", "通知中的分类，如 教育、医疗卫生。"),
    field("title", Kind::Text, false, "项目名称", "通知中的项目名称。"),
    field("lead_units", Kind::Text, false, "牵头单位",
        "负责落实和报告进展的单位，多个单位以顿号（、）分隔。"),
    field("support_units", Kind::Text, false, "配合单位",
        "协助落实的单位，多个单位以顿号（、）分隔；没有时为空文本。"),
    field("status", Kind::Code(ITEM_STATUS_CODES), false, "状态代码",
        "项目状态（取其各指标中最差的）：completed 已完成，on_schedule 按序时，behind 慢序时，seriously_behind 严重滞后，none 无量化目标。"),
    field("status_zh", Kind::Text, false, "状态", "状态代码对应的中文。"),
    field("completion", Kind::Number, false, "完成度",
        "各指标完成比例（每项以 1 为上限）的平均值，0 至 1，保留四位小数，与门户网站的进度条一致。"),
    field("last_approved_period", Kind::Period, true, "最近核实月份",
        "各指标最近一次经审核的进展所属月份；尚无时为空。"),
    field("target_count", Kind::Integer, false, "指标数", "项目的量化指标和节点目标数。"),
    field("as_of", Kind::Date, false, "状态日期", "状态和完成度计算所依据的日期。"),
    field("page", Kind::Path, false, "门户页面", "项目在门户网站上的页面（站内路径）。"),
];

const TARGET_FIELDS: [Field; 21] = [
    field("target_id", Kind::Integer, false, "指标编号", "本站数据库中的指标编号，在本站内始终不变。"),
    field("target_key", Kind::Text, false, "指标标识",
        "项目标识:指标位次，如 海州区:2020:12:1，重新导入、换一个部署都不变。"),
    field("item_id", Kind::Integer, false, "项目编号", "所属项目的编号。"),
    field("item_key", Kind::Text, false, "项目标识", "所属项目的标识。"),
    field("position", Kind::Integer, false, "位次", "指标在项目中的顺序，从 1 起。"),
    field("text", Kind::Text, false, "指标内容", "通知中写明该指标的原文。"),
    field("kind", Kind::Code(&["quantity", "milestone"]), false, "指标类型",
        "quantity 量化指标（有目标值），milestone 节点目标（以完成百分比报告）。"),
    field("comparator", Kind::Code(&["eq", "ge", "le", "inc", "dec"]), true, "比较方式",
        "eq 达到，ge 不少于，le 不超过，inc 增加，dec 减少；节点目标为空。"),
    field("value", Kind::Number, true, "目标值", "量化指标承诺的数值；节点目标为空。"),
    field("unit", Kind::Text, true, "计量单位", "通知中的计量单位，如 所、平方米、%；节点目标为空。"),
    field("baseline", Kind::Number, true, "基数",
        "增加、减少类指标的起始水平；没有时为空。"),
    field("deadline", Kind::Date, false, "完成时限", "应完成的日期。"),
    field("schedule", Kind::Code(&["linear", "checkpoints"]), false, "序时方式",
        "linear 自年初至完成时限均匀推进，checkpoints 按设定的时间节点推进。"),
    field("actual", Kind::Number, true, "最新核实值",
        "最近一次经审核的累计完成值（增加、减少类为累计增减量；节点目标为完成百分比 0–100）；尚无时为空。"),
    field("actual_period", Kind::Period, true, "核实月份", "最新核实值所属的月份；尚无时为空。"),
    field("planned", Kind::Number, false, "序时进度",
        "按序时安排，状态日期应完成的比例，0 至 1。"),
    field("completion", Kind::Number, false, "完成度",
        "最新核实值对应的完成比例，保留四位小数；超额完成时大于 1，尚无核实值时为 0。"),
    field("status", Kind::Code(STATUS_CODES), false, "状态代码",
        "completed 已完成，on_schedule 按序时，behind 慢序时，seriously_behind 严重滞后。"),
    field("status_zh", Kind::Text, false, "状态", "状态代码对应的中文。"),
    field("as_of", Kind::Date, false, "状态日期", "状态和完成度计算所依据的日期。"),
    field("item_page", Kind::Path, false, "门户页面", "所属项目在门户网站上的页面（站内路径）。"),
];

const PROGRESS_FIELDS: [Field; 13] = [
    field("report_id", Kind::Integer, false, "报告编号", "本站数据库中的进展报告编号，在本站内始终不变。"),
    field("report_key", Kind::Text, false, "报告标识",
        "指标标识:月份，如 海州区:2020:12:1:2020-06，重新导入、换一个部署都不变。"),
    field("target_id", Kind::Integer, false, "指标编号", "所报告指标的编号。"),
    field("target_key", Kind::Text, false, "指标标识", "所报告指标的标识。"),
    field("item_id", Kind::Integer, false, "项目编号", "所属项目的编号。"),
    field("period", Kind::Period, false, "月份", "报告所属的月份。"),
    field("revision", Kind::Integer, false, "版次",
        "审核通过并现行有效的修订版次，从 1 起；更正经审核通过后版次增加。"),
    field("actual_kind", Kind::Code(&["value", "percent"]), false, "填报方式",
        "value 累计完成数值，percent 完成百分比（节点目标）。"),
    field("actual", Kind::Number, false, "累计完成",
        "截至该月的累计完成数值（增加、减少类为累计增减量），或完成百分比 0–100。"),
    field("completion", Kind::Number, true, "完成度",
        "该数值对应的完成比例，保留四位小数；指标已改为另一种类型、无法折算时为空。"),
    field("progress", Kind::Text, false, "进展情况", "经审核通过的进展情况原文。"),
    field("submitted_on", Kind::Date, true, "报送日期",
        "审核通过的这一版由单位报送的日期。只公开经审核通过的报告；草稿、待审、退回的报告和审核意见不公开。"),
    field("item_page", Kind::Path, false, "门户页面", "所属项目在门户网站上的页面（站内路径）。"),
];

const BULLETIN_FIELDS: [Field; 12] = [
    field(
        "bulletin_id",
        Kind::Integer,
        false,
        "通报编号",
        "本站数据库中的通报编号，在本站内始终不变。",
    ),
    field(
        "index_no",
        Kind::Text,
        false,
        "索引号",
        "政府信息公开索引号（机构代码/年度-流水号），发布后不变，可跨站引用。",
    ),
    field(
        "plan_id",
        Kind::Integer,
        false,
        "计划编号",
        "所属计划的编号。",
    ),
    field(
        "plan_key",
        Kind::Text,
        false,
        "计划标识",
        "所属计划的标识。",
    ),
    field(
        "period",
        Kind::Period,
        false,
        "通报月份",
        "通报所反映的月份。",
    ),
    field("title", Kind::Text, false, "标题", "通报标题。"),
    field("doc_number", Kind::Text, false, "文号", "通报的发文字号。"),
    field("issuer", Kind::Text, false, "发文机关", "发布通报的机关。"),
    field(
        "issued_on",
        Kind::Date,
        false,
        "成文日期",
        "通报的成文日期。",
    ),
    field(
        "published_at",
        Kind::DateTime,
        false,
        "发布时间",
        "通报在本站发布的时间（UTC）。",
    ),
    field(
        "html_page",
        Kind::Path,
        false,
        "网页",
        "通报全文网页（站内路径）。",
    ),
    field(
        "docx_file",
        Kind::Path,
        false,
        "Word 文件",
        "发布时的 Word 文件（站内路径）。",
    ),
];

const SURVEY_FIELDS: [Field; 16] = [
    field("survey_id", Kind::Integer, false, "测评编号", "本站数据库中的满意度测评编号，在本站内始终不变。"),
    field("survey_name", Kind::Text, false, "测评名称", "满意度测评的名称。"),
    field("closed_on", Kind::Date, false, "结束日期",
        "测评结束的日期。只公开已结束的测评，结果不再变化；进行中的测评不公开。"),
    field("audience", Kind::Code(&["anyone", "invited"]), false, "群众参与方式",
        "anyone 公开参与（每个浏览器每项评价一次），invited 凭邀请码参与；人大代表登录后评价。"),
    field("scope", Kind::Code(&["item", "unit"]), false, "统计范围",
        "item 按项目；unit 按牵头单位（该单位牵头的各项目合计）。"),
    field("item_id", Kind::Integer, true, "项目编号", "按项目统计时为项目编号，否则为空。"),
    field("item_key", Kind::Text, true, "项目标识", "按项目统计时为项目标识，否则为空。"),
    field("unit_name", Kind::Text, true, "单位名称", "按单位统计时为牵头单位名称，否则为空。"),
    field("subject", Kind::Text, false, "评价对象", "项目名称或单位名称。"),
    field("group", Kind::Code(&["public", "deputies"]), false, "评价群体",
        "public 群众，deputies 人大代表，两者分开统计。"),
    field("group_zh", Kind::Text, false, "评价群体（中文）", "评价群体代码对应的中文。"),
    field("satisfied", Kind::Integer, false, "满意", "评为满意的数量。"),
    field("basic", Kind::Integer, false, "基本满意", "评为基本满意的数量。"),
    field("dissatisfied", Kind::Integer, false, "不满意", "评为不满意的数量。"),
    field("total", Kind::Integer, false, "评价数", "三项合计。"),
    field("satisfaction", Kind::Number, true, "满意率",
        "（满意＋基本满意）÷ 评价数，0 至 1，保留四位小数；无人评价时为空。评价意见只供督查室参考，不公开。"),
];

/// The datasets every plan has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dataset {
    Plans,
    Items,
    Targets,
    Progress,
    Bulletins,
    Survey,
}

impl Dataset {
    pub(crate) const ALL: [Dataset; 6] = [
        Dataset::Plans,
        Dataset::Items,
        Dataset::Targets,
        Dataset::Progress,
        Dataset::Bulletins,
        Dataset::Survey,
    ];

    /// The name in paths and files.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Dataset::Plans => "plans",
            Dataset::Items => "items",
            Dataset::Targets => "targets",
            Dataset::Progress => "progress",
            Dataset::Bulletins => "bulletins",
            Dataset::Survey => "survey",
        }
    }

    pub(crate) fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.name() == name)
    }

    pub(crate) fn label(self) -> &'static str {
        match self {
            Dataset::Plans => "计划",
            Dataset::Items => "项目",
            Dataset::Targets => "指标",
            Dataset::Progress => "审核通过的进展",
            Dataset::Bulletins => "督查通报",
            Dataset::Survey => "满意度测评结果",
        }
    }

    /// What one record is.
    pub(crate) fn about(self) -> &'static str {
        match self {
            Dataset::Plans => "每条记录是一个年度的民生实事计划（一份通知）。",
            Dataset::Items => "每条记录是计划中的一项实事，含当前状态和完成度。",
            Dataset::Targets => {
                "每条记录是项目的一个量化指标或节点目标，含目标值、时限、最新核实值和状态。"
            }
            Dataset::Progress => {
                "每条记录是一个指标一个月的进展报告中经审核通过、现行有效的一版。未经审核的报告不在其中。"
            }
            Dataset::Bulletins => "每条记录是一期已发布的督查通报，含网页和 Word 文件的链接。",
            Dataset::Survey => {
                "每条记录是一次已结束的满意度测评中，一个项目或一个牵头单位、一个评价群体（群众或人大代表）的评价数量和满意率。"
            }
        }
    }

    pub(crate) fn fields(self) -> &'static [Field] {
        match self {
            Dataset::Plans => &PLAN_FIELDS,
            Dataset::Items => &ITEM_FIELDS,
            Dataset::Targets => &TARGET_FIELDS,
            Dataset::Progress => &PROGRESS_FIELDS,
            Dataset::Bulletins => &BULLETIN_FIELDS,
            Dataset::Survey => &SURVEY_FIELDS,
        }
    }
}

/// One value of a record.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Cell {
    Null,
    Int(i64),
    Num(f64),
    Text(String),
}

impl Cell {
    fn text(s: impl Into<String>) -> Self {
        Cell::Text(s.into())
    }

    fn opt_text(s: Option<impl Into<String>>) -> Self {
        s.map_or(Cell::Null, |s| Cell::Text(s.into()))
    }

    fn opt_num(n: Option<f64>) -> Self {
        n.map_or(Cell::Null, Cell::Num)
    }

    /// As the CSV cell reads: empty for null, numbers as JSON writes them.
    fn csv_text(&self) -> String {
        match self {
            Cell::Null => String::new(),
            Cell::Int(i) => i.to_string(),
            Cell::Num(n) => number_value(*n).to_string(),
            Cell::Text(s) => s.clone(),
        }
    }

    fn json(&self) -> Value {
        match self {
            Cell::Null => Value::Null,
            Cell::Int(i) => Value::from(*i),
            Cell::Num(n) => number_value(*n),
            Cell::Text(s) => Value::from(s.as_str()),
        }
    }
}

/// A whole number is written without ".0" (6, not 6.0) in JSON and CSV alike.
fn number_value(n: f64) -> Value {
    const EXACT: f64 = 9_007_199_254_740_992.0; // 2^53: every whole number below is exact
    if n.fract() == 0.0 && n.abs() < EXACT {
        Value::from(n as i64)
    } else {
        serde_json::Number::from_f64(n).map_or(Value::Null, Value::Number)
    }
}

/// A share rounded to four decimals: more would be noise from division.
fn share(n: f64) -> f64 {
    (n * 10_000.0).round() / 10_000.0
}

/// A dataset's records, each with exactly the dataset's fields (the row types below are
/// arrays as long as the field lists, so a missing or extra value does not compile).
#[derive(Debug, Clone)]
pub(crate) struct Table {
    pub dataset: Dataset,
    pub rows: Vec<Vec<Cell>>,
}

impl Table {
    fn new<const N: usize>(dataset: Dataset, rows: Vec<[Cell; N]>) -> Self {
        Self {
            dataset,
            rows: rows.into_iter().map(Vec::from).collect(),
        }
    }
}

/// The plan a download is of, named in its JSON envelope.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct PlanRef {
    pub plan_id: i64,
    pub plan_key: String,
    pub title: String,
    pub year: i32,
}

impl PlanRef {
    pub(crate) fn of(snapshot: &PlanSnapshot) -> Self {
        let plan = &snapshot.detail.plan;
        Self {
            plan_id: plan.id().get(),
            plan_key: plan_key(snapshot),
            title: plan.title().to_owned(),
            year: plan.year().get(),
        }
    }
}

/// The terms every download and the documentation page state.
pub(crate) const LICENCE: &str = "本站开放数据可免费下载、复制、使用和传播，包括商业用途，\
     使用时请注明来源（本站及发文机关）。数据依据经审核的进展，不代表年终考核结论；\
     状态随新的审核结果变化，以下载时的状态日期为准。";

// ---------------------------------------------------------------------------------------
// The datasets, from a plan's snapshot

/// 区域:年度 — the key that survives re-import and compares across deployments.
pub(crate) fn plan_key(snapshot: &PlanSnapshot) -> String {
    let detail = &snapshot.detail;
    let place = detail
        .meta
        .place
        .as_deref()
        .or(detail.meta.issuer.as_deref())
        .unwrap_or(detail.plan.title());
    format!("{place}:{}", detail.plan.year().get())
}

/// A date as the notice's metadata gives it, when it is a whole date.
fn iso_date(text: Option<&str>) -> Option<String> {
    let text = text?.trim();
    Date::parse(
        text,
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .ok()
    .map(|d| d.to_string())
}

fn plan_row(snapshot: &PlanSnapshot) -> [Cell; PLAN_FIELDS.len()] {
    let detail = &snapshot.detail;
    let plan = &detail.plan;
    let targets: usize = detail.items.iter().map(|i| i.targets.len()).sum();
    [
        Cell::Int(plan.id().get()),
        Cell::text(plan_key(snapshot)),
        Cell::opt_text(detail.meta.place.clone()),
        Cell::Int(i64::from(plan.year().get())),
        Cell::text(plan.title()),
        Cell::opt_text(plan.doc_number()),
        Cell::opt_text(detail.meta.index_no.clone()),
        Cell::opt_text(detail.meta.issuer.clone()),
        Cell::opt_text(iso_date(detail.meta.date.as_deref())),
        Cell::Int(detail.items.len() as i64),
        Cell::Int(targets as i64),
        Cell::text(paths::plan(plan.id().get())),
    ]
}

/// The plans dataset of `snapshots` (one plan's, or every plan's).
pub(crate) fn plans<'a>(snapshots: impl IntoIterator<Item = &'a PlanSnapshot>) -> Table {
    Table::new(
        Dataset::Plans,
        snapshots.into_iter().map(plan_row).collect(),
    )
}

fn item_key(plan_key: &str, seq: u32) -> String {
    format!("{plan_key}:{seq}")
}

fn target_key(item_key: &str, position: usize) -> String {
    format!("{item_key}:{}", position + 1)
}

fn status_cells(status: Option<Status>) -> (Cell, Cell) {
    let (code, word) = status_words(status);
    (Cell::text(code), Cell::text(word))
}

/// Items with their status on `today`, computed as the portal computes it.
pub(crate) fn items(snapshot: &PlanSnapshot, today: Date) -> Table {
    let detail = &snapshot.detail;
    let key = plan_key(snapshot);
    let names = unit_names(detail);
    let rows = standings(detail, &snapshot.reports, today)
        .into_iter()
        .filter_map(|standing| {
            let entry = detail.items.get(standing.index)?;
            let item = &entry.item;
            let (status, status_zh) = status_cells(standing.status);
            Some([
                Cell::Int(item.id.get()),
                Cell::text(item_key(&key, item.seq)),
                Cell::Int(detail.plan.id().get()),
                Cell::text(key.as_str()),
                Cell::Int(i64::from(item.seq)),
                Cell::opt_text(item.category.clone()),
                Cell::text(item.title.as_str()),
                Cell::text(joined_names(&names, &item.lead_units)),
                Cell::text(joined_names(&names, &item.support_units)),
                status,
                status_zh,
                Cell::Num(share(standing.progress)),
                Cell::opt_text(standing.last_approved.map(|p| p.to_string())),
                Cell::Int(entry.targets.len() as i64),
                Cell::text(today.to_string()),
                Cell::text(paths::item(item.id.get())),
            ])
        })
        .collect();
    Table::new(Dataset::Items, rows)
}

fn comparator(op: Op) -> &'static str {
    match op {
        Op::Eq => "eq",
        Op::Ge => "ge",
        Op::Le => "le",
        Op::Inc => "inc",
        Op::Dec => "dec",
    }
}

/// Targets with their standing on `today`.
pub(crate) fn targets(snapshot: &PlanSnapshot, today: Date) -> Table {
    let detail = &snapshot.detail;
    let key = plan_key(snapshot);
    let mut rows = Vec::new();
    for standing in standings(detail, &snapshot.reports, today) {
        let Some(entry) = detail.items.get(standing.index) else {
            continue;
        };
        let item_key = item_key(&key, entry.item.seq);
        for (position, (target, st)) in entry.targets.iter().zip(&standing.targets).enumerate() {
            let (kind, op, value, unit, baseline) = match &target.measure {
                Measure::Quantity(q) => (
                    "quantity",
                    Cell::text(comparator(q.op())),
                    Cell::Num(q.value().get()),
                    Cell::text(q.unit()),
                    Cell::opt_num(q.baseline()),
                ),
                Measure::Milestone => ("milestone", Cell::Null, Cell::Null, Cell::Null, Cell::Null),
            };
            let schedule = match target.schedule.curve() {
                Curve::Linear => "linear",
                Curve::Checkpoints(_) => "checkpoints",
            };
            let (status, status_zh) = status_cells(Some(st.status.status()));
            rows.push([
                Cell::Int(target.id.get()),
                Cell::text(target_key(&item_key, position)),
                Cell::Int(entry.item.id.get()),
                Cell::text(item_key.as_str()),
                Cell::Int(position as i64 + 1),
                Cell::text(target.text.as_str()),
                Cell::text(kind),
                op,
                value,
                unit,
                baseline,
                Cell::text(target.schedule.deadline().to_string()),
                Cell::text(schedule),
                Cell::opt_num(st.actual),
                Cell::opt_text(st.status.last_approved().map(|p| p.to_string())),
                Cell::Num(share(st.status.planned())),
                Cell::Num(share(st.status.completion())),
                status,
                status_zh,
                Cell::text(today.to_string()),
                Cell::text(paths::item(entry.item.id.get())),
            ]);
        }
    }
    Table::new(Dataset::Targets, rows)
}

/// The approved revision in force of every report, by item, target and month. Drafts,
/// reports waiting for review and returned ones are left out, and so is a correction under
/// review: the approved figure stays in force until the correction is approved, as on the
/// portal.
pub(crate) fn progress(snapshot: &PlanSnapshot) -> Table {
    let detail = &snapshot.detail;
    let key = plan_key(snapshot);
    // Where each target sits, so the records follow the notice's order.
    let mut place: HashMap<TargetId, (usize, usize)> = HashMap::new();
    for (i, entry) in detail.items.iter().enumerate() {
        for (t, target) in entry.targets.iter().enumerate() {
            place.insert(target.id, (i, t));
        }
    }
    let mut approved: Vec<_> = snapshot
        .reports
        .iter()
        .filter_map(|report| {
            let revision = report.approved()?;
            let &(i, t) = place.get(&report.target())?;
            Some(((i, t, report.period()), report, revision))
        })
        .collect();
    approved.sort_by_key(|(order, _, _)| *order);
    let rows = approved
        .into_iter()
        .filter_map(|((i, t, period), report, revision)| {
            let entry = detail.items.get(i)?;
            let target = entry.targets.get(t)?;
            let target_key = target_key(&item_key(&key, entry.item.seq), t);
            let (actual_kind, actual) = match revision.content.actual {
                Actual::Value(v) => ("value", v.get()),
                Actual::Percent(p) => ("percent", p.get()),
            };
            Some([
                Cell::Int(report.id().get()),
                Cell::text(format!("{target_key}:{period}")),
                Cell::Int(target.id.get()),
                Cell::text(target_key),
                Cell::Int(entry.item.id.get()),
                Cell::text(period.to_string()),
                Cell::Int(i64::from(revision.number)),
                Cell::text(actual_kind),
                Cell::Num(actual),
                Cell::opt_num(completion(&target.measure, &revision.content.actual).map(share)),
                Cell::text(revision.content.progress.as_str()),
                Cell::opt_text(revision.submitted_on.map(|d| d.to_string())),
                Cell::text(paths::item(entry.item.id.get())),
            ])
        })
        .collect();
    Table::new(Dataset::Progress, rows)
}

/// The plan's published bulletins, the oldest first. Who published one is not shown.
pub(crate) fn bulletins(snapshot: &PlanSnapshot, published: &[BulletinSummary]) -> Table {
    let key = plan_key(snapshot);
    let mut published: Vec<&BulletinSummary> = published.iter().collect();
    published.sort_by_key(|b| b.id);
    let rows = published
        .into_iter()
        .map(|b| {
            [
                Cell::Int(b.id.get()),
                Cell::text(b.index_no.as_str()),
                Cell::Int(b.plan.get()),
                Cell::text(key.as_str()),
                Cell::text(b.period.to_string()),
                Cell::text(b.title.as_str()),
                Cell::text(b.doc_number.as_str()),
                Cell::text(b.issuer.as_str()),
                Cell::text(b.issued_on.to_string()),
                Cell::text(b.published_at.as_str()),
                Cell::text(paths::bulletin(b.id.get())),
                Cell::text(paths::bulletin_docx(b.id.get())),
            ]
        })
        .collect();
    Table::new(Dataset::Bulletins, rows)
}

/// The results of the plan's closed surveys, per item and per lead unit, each group apart.
/// A survey still open is left out: its figures are not final, and showing them could sway
/// those yet to rate. Comments are never published.
pub(crate) fn survey(snapshot: &PlanSnapshot, closed: &[SurveyResults]) -> Table {
    let key = plan_key(snapshot);
    let seqs: HashMap<ItemId, u32> = snapshot
        .detail
        .items
        .iter()
        .map(|entry| (entry.item.id, entry.item.seq))
        .collect();
    let mut closed: Vec<&SurveyResults> = closed.iter().collect();
    closed.sort_by_key(|r| r.survey.id());
    let mut rows = Vec::new();
    for results in closed {
        let survey = &results.survey;
        let SurveyState::Closed { on } = survey.state() else {
            continue;
        };
        let scopes = results
            .items
            .iter()
            .map(|item| {
                let item_key = seqs.get(&item.item).map(|seq| item_key(&key, *seq));
                (
                    "item",
                    Cell::Int(item.item.get()),
                    Cell::opt_text(item_key),
                    Cell::Null,
                    item.title.as_str(),
                    &item.tally,
                )
            })
            .chain(results.units.iter().map(|unit| {
                (
                    "unit",
                    Cell::Null,
                    Cell::Null,
                    Cell::text(unit.name.as_str()),
                    unit.name.as_str(),
                    &unit.tally,
                )
            }));
        for (scope, item_id, item_key, unit_name, subject, tally) in scopes {
            for group in [Group::Public, Group::Deputies] {
                let counts = tally.of(group);
                let count =
                    |level| Cell::Int(i64::try_from(counts.count(level)).unwrap_or(i64::MAX));
                rows.push([
                    Cell::Int(survey.id().get()),
                    Cell::text(survey.name().as_str()),
                    Cell::text(on.to_string()),
                    Cell::text(survey.audience().as_str()),
                    Cell::text(scope),
                    item_id.clone(),
                    item_key.clone(),
                    unit_name.clone(),
                    Cell::text(subject),
                    Cell::text(group.as_str()),
                    Cell::text(group.label_zh()),
                    count(Level::Satisfied),
                    count(Level::Basic),
                    count(Level::Dissatisfied),
                    Cell::Int(i64::try_from(counts.total()).unwrap_or(i64::MAX)),
                    Cell::opt_num(counts.share().map(|s| share(s.get()))),
                ]);
            }
        }
    }
    Table::new(Dataset::Survey, rows)
}

// ---------------------------------------------------------------------------------------
// Writing: JSON, CSV and the JSON Schema

/// The records of a table, each an object with the fields in their documented order.
struct Records<'a>(&'a Table);

struct Record<'a> {
    fields: &'static [Field],
    cells: &'a [Cell],
}

impl Serialize for Records<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.0.rows.len()))?;
        for cells in &self.0.rows {
            seq.serialize_element(&Record {
                fields: self.0.dataset.fields(),
                cells,
            })?;
        }
        seq.end()
    }
}

impl Serialize for Record<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.fields.len()))?;
        for (field, cell) in self.fields.iter().zip(self.cells) {
            map.serialize_entry(field.name, &cell.json())?;
        }
        map.end()
    }
}

/// A JSON download: the records in an envelope that says what they are.
#[derive(Serialize)]
struct Envelope<'a> {
    schema: String,
    dataset: &'static str,
    dataset_zh: &'static str,
    plan: Option<&'a PlanRef>,
    generated: String,
    licence: &'static str,
    count: usize,
    records: Records<'a>,
}

/// The JSON document of `table`: the envelope, then the records.
pub(crate) fn to_json(
    table: &Table,
    plan: Option<&PlanRef>,
    generated: Date,
) -> serde_json::Result<Vec<u8>> {
    serde_json::to_vec(&Envelope {
        schema: paths::open_data_schema(table.dataset.name()),
        dataset: table.dataset.name(),
        dataset_zh: table.dataset.label(),
        plan,
        generated: generated.to_string(),
        licence: LICENCE,
        count: table.rows.len(),
        records: Records(table),
    })
}

/// The CSV file of `table`: UTF-8 with a byte-order mark (Excel then reads the Chinese), the
/// field names as the header, CRLF line ends and RFC 4180 quoting.
pub(crate) fn to_csv(table: &Table) -> Vec<u8> {
    let mut out = String::from("\u{feff}");
    let header: Vec<String> = table
        .dataset
        .fields()
        .iter()
        .map(|f| csv_cell(f.name))
        .collect();
    out.push_str(&header.join(","));
    out.push_str("\r\n");
    for row in &table.rows {
        let cells: Vec<String> = row.iter().map(|c| csv_cell(&c.csv_text())).collect();
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    }
    out.into_bytes()
}

/// A cell quoted when it holds a comma, a quote or a line break (quotes doubled), or when
/// it begins or ends with a space, which some readers would trim.
fn csv_cell(text: &str) -> String {
    let needs_quotes = text.contains([',', '"', '\r', '\n'])
        || text.starts_with(char::is_whitespace)
        || text.ends_with(char::is_whitespace);
    if needs_quotes {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

/// The JSON Schema (draft 2020-12) of a dataset's JSON download, made from the same field
/// list as the records.
pub(crate) fn json_schema(dataset: Dataset) -> Value {
    let mut properties = Map::new();
    for f in dataset.fields() {
        let mut schema = Map::new();
        schema.insert("title".to_owned(), json!(f.label));
        schema.insert("description".to_owned(), json!(f.meaning));
        schema.extend(f.kind.schema(f.nullable));
        properties.insert(f.name.to_owned(), Value::Object(schema));
    }
    let required: Vec<&str> = dataset.fields().iter().map(|f| f.name).collect();
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": format!("{}（{}）", dataset.label(), dataset.name()),
        "description": dataset.about(),
        "type": "object",
        "required": ["schema", "dataset", "dataset_zh", "plan", "generated", "licence", "count", "records"],
        "additionalProperties": false,
        "properties": {
            "schema": {
                "description": "本文件所依据的 JSON Schema（站内路径）。",
                "const": paths::open_data_schema(dataset.name())
            },
            "dataset": {"description": "数据集名称。", "const": dataset.name()},
            "dataset_zh": {"description": "数据集中文名称。", "const": dataset.label()},
            "plan": {
                "description": "数据所属的计划；全站计划列表为 null。",
                "oneOf": [
                    {"type": "null"},
                    {
                        "type": "object",
                        "required": ["plan_id", "plan_key", "title", "year"],
                        "additionalProperties": false,
                        "properties": {
                            "plan_id": {"type": "integer"},
                            "plan_key": {"type": "string"},
                            "title": {"type": "string"},
                            "year": {"type": "integer"}
                        }
                    }
                ]
            },
            "generated": {
                "description": "生成日期，也是状态日期。",
                "type": "string",
                "format": "date",
                "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
            },
            "licence": {"description": "使用条款。", "type": "string"},
            "count": {"description": "记录数。", "type": "integer", "minimum": 0},
            "records": {
                "description": "记录，每条的字段见 $defs/record。",
                "type": "array",
                "items": {"$ref": "#/$defs/record"}
            }
        },
        "$defs": {
            "record": {
                "type": "object",
                "required": required,
                "additionalProperties": false,
                "properties": properties
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cell_with_a_comma_quote_or_line_break_is_quoted_with_quotes_doubled() {
        assert_eq!(csv_cell("新建学校"), "新建学校");
        assert_eq!(csv_cell("甲,乙"), "\"甲,乙\"");
        assert_eq!(csv_cell("说\"好\""), "\"说\"\"好\"\"\"");
        assert_eq!(csv_cell("一\r\n二"), "\"一\r\n二\"");
        assert_eq!(csv_cell(" 前空格"), "\" 前空格\"");
    }

    #[test]
    fn whole_numbers_are_written_without_a_fraction_and_others_as_they_are() {
        assert_eq!(number_value(6.0).to_string(), "6");
        assert_eq!(number_value(6.19).to_string(), "6.19");
        assert_eq!(Cell::Num(0.5).csv_text(), "0.5");
        assert_eq!(share(1.0 / 3.0), 0.3333);
    }

    #[test]
    fn every_field_name_is_unique_within_its_dataset_and_every_field_is_described() {
        for dataset in Dataset::ALL {
            let fields = dataset.fields();
            for (i, f) in fields.iter().enumerate() {
                assert!(!f.label.is_empty() && !f.meaning.is_empty(), "{}", f.name);
                assert!(
                    fields[i + 1..].iter().all(|g| g.name != f.name),
                    "{} twice in {}",
                    f.name,
                    dataset.name()
                );
            }
            assert_eq!(Dataset::parse(dataset.name()), Some(dataset));
        }
    }

    #[test]
    fn a_nullable_code_allows_null_among_its_values() {
        let schema = Kind::Code(&["eq", "ge"]).schema(true);
        assert_eq!(schema["type"], json!(["string", "null"]));
        assert_eq!(schema["enum"], json!(["eq", "ge", null]));
    }
}
