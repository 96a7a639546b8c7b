//! The ledger (台账): the .xlsx a district office keeps, one row per target, exported from
//! the plan and read back once the units have filled in their monthly figures.
//!
//! Export and import share one template: the columns are defined once here, the import finds
//! them by their header text (so a column moved by hand is still found) and keys every row by
//! the hidden 目标编号 column, never by the row's position or the visible names.

mod export;
mod import;

pub use export::{export, LedgerData};
pub use import::{import, LedgerImport, LedgerRow, RowError, MAX_LEDGER_BYTES};

use thiserror::Error;

/// What went wrong with a ledger file as a whole. Problems of single rows are not errors of
/// this kind: they are [`RowError`]s, so the good rows of a file still come through.
#[derive(Debug, Error)]
pub enum LedgerError {
    /// The spreadsheet library refused what we asked of it: a bug on our side, not the user's.
    #[error("生成台账文件失败：{0}")]
    Write(#[from] rust_xlsxwriter::XlsxError),
    /// A target whose item was not passed: the caller's data is incomplete.
    #[error("目标（编号 {target}）所属的项目（编号 {item}）不在导出的项目中")]
    MissingItem { target: i64, item: i64 },
    #[error("文件过大（{size} 字节），台账文件不能超过 {max} 字节")]
    TooLarge { size: usize, max: usize },
    /// The cause is for the log; the person is told what to do.
    #[error("文件不是 Excel 工作簿（.xlsx），无法读取。若是 .xls、.et 或 .csv 文件，请在 Excel 或 WPS 中另存为 .xlsx 后再导入")]
    NotXlsx(#[source] calamine::XlsxError),
    #[error("文件不是本系统导出的台账模板：{0}。请先导出台账，在导出的文件中填写后再导入")]
    NotTemplate(String),
}

/// The sheet the ledger is on.
const SHEET: &str = "台账";
/// The sheet that explains every column.
const NOTES_SHEET: &str = "填表说明";
/// A workbook-level name holding the plan's id, so the lead can tell a file exported for
/// another plan before writing anything; invisible to the person filling in the sheet.
const PLAN_ID_NAME: &str = "shishi_plan_id";

/// How a row's figure is reported, written to the hidden 填报方式 column: a quantity target
/// takes its cumulative amount, a milestone its percent done.
const KIND_VALUE: &str = "数量";
const KIND_PERCENT: &str = "百分比";

/// One column of the template.
#[derive(Debug, Clone, Copy)]
struct Column {
    header: &'static str,
    /// In characters, as Excel counts them (a Chinese character is about two). Narrow on
    /// purpose: all 21 visible columns go on one A4 landscape page across.
    width: f64,
    /// Filled in by the unit for the next report; everything else is the system's.
    fill_in: bool,
    hidden: bool,
    /// One line of 填表说明.
    note: &'static str,
}

const fn col(header: &'static str, width: f64, note: &'static str) -> Column {
    Column {
        header,
        width,
        fill_in: false,
        hidden: false,
        note,
    }
}

const fn fill(header: &'static str, width: f64, note: &'static str) -> Column {
    Column {
        header,
        width,
        fill_in: true,
        hidden: false,
        note,
    }
}

const fn hidden(header: &'static str, note: &'static str) -> Column {
    Column {
        header,
        width: 10.0,
        fill_in: false,
        hidden: true,
        note,
    }
}

// Column positions, in the order the export writes them.
const SEQ: u16 = 0;
const ITEM: u16 = 1;
const CATEGORY: u16 = 2;
const LEAD: u16 = 3;
const SUPPORT: u16 = 4;
const TARGET_TEXT: u16 = 5;
const TARGET_VALUE: u16 = 6;
const UNIT: u16 = 7;
const DEADLINE: u16 = 8;
const PLANNED: u16 = 9;
const LATEST: u16 = 10;
const LATEST_PERIOD: u16 = 11;
const COMPLETION: u16 = 12;
const STATUS: u16 = 13;
const LAST_PROBLEMS: u16 = 14;
const FILL_PERIOD: u16 = 15;
const FILL_VALUE: u16 = 16;
const FILL_PROGRESS: u16 = 17;
const FILL_PROBLEMS: u16 = 18;
const FILL_NEXT: u16 = 19;
const FILL_FUNDS: u16 = 20;
const TARGET_ID: u16 = 21;
const KIND: u16 = 22;

/// Every column of the template, indexed by the constants above.
const COLUMNS: [Column; 23] = [
    col("序号", 4.5, "项目在计划中的序号；一个项目有几个目标就有几行，序号相同。"),
    col("项目名称", 14.0, "计划中的项目名称。"),
    col("类别", 7.0, "项目所属类别。"),
    col("牵头单位", 10.0, "负责填报和推进的单位。"),
    col("配合单位", 10.0, "协助推进的单位，不单独填报。"),
    col("目标任务", 18.0, "本行的目标，照录计划原文。"),
    col(
        "目标值",
        7.0,
        "目标要完成的数量；无数字的目标（如“建成并投入使用”）为 100，单位为 %，按完成百分比填报。",
    ),
    col("单位", 5.0, "目标值的计量单位；填报时按此单位填写累计完成值。"),
    col("完成时限", 10.0, "目标要求完成的日期。"),
    col(
        "序时要求",
        7.0,
        "截至导出日期，按进度安排应完成的比例（序时进度）。",
    ),
    col(
        "最新核实完成",
        8.0,
        "最近一次经督查室审核通过的累计完成值（无数字的目标为完成百分比）。",
    ),
    col("核实月份", 8.0, "最新核实完成所属的填报月份，可看出数据是否过旧。"),
    col("完成率", 7.0, "最新核实完成占目标值的比例。"),
    col(
        "状态",
        7.0,
        "已完成、按序时、慢序时或严重滞后：由完成率与序时要求比较得出。",
    ),
    col("上期存在问题", 14.0, "最近一次报送中单位填写的存在问题。"),
    fill(
        "填报月份",
        8.0,
        "本次填报所属的月份，写成 2020-06 的形式（也可写 2020年6月）；可从下拉列表中选择。",
    ),
    fill(
        "累计完成值/完成百分比",
        9.0,
        "截至填报月份的累计完成数（不是当月新增），按“单位”列的单位填写，如 1200、1.2万、六千、3,500；单位为 % 的无数字目标填完成百分比，如 85 或 85%。提高、降低类目标填已提高或降低的幅度。",
    ),
    fill(
        "进展情况",
        18.0,
        "本月工作进展，必填；填写了本行其他内容而未填进展情况的，该行不导入。",
    ),
    fill("存在问题", 12.0, "目前存在的困难和问题，没有可不填。"),
    fill("下步打算", 12.0, "下一步工作安排，可不填。"),
    fill(
        "资金到位及使用",
        10.0,
        "资金到位和使用情况，如“到位1200万元，已使用800万元”，可不填。",
    ),
    hidden(
        "目标编号",
        "隐藏列，系统用它识别每一行对应的目标，请勿修改或删除。",
    ),
    hidden(
        "填报方式",
        "隐藏列，“数量”或“百分比”，决定累计完成值怎样读取，请勿修改。",
    ),
];

/// The columns the import cannot do without: the keys and every fill-in column.
const REQUIRED_ON_IMPORT: [u16; 9] = [
    TARGET_ID,
    KIND,
    UNIT,
    FILL_PERIOD,
    FILL_VALUE,
    FILL_PROGRESS,
    FILL_PROBLEMS,
    FILL_NEXT,
    FILL_FUNDS,
];

fn header(column: u16) -> &'static str {
    COLUMNS[usize::from(column)].header
}
