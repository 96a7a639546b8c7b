//! Writing the ledger: the plan's targets with where each stands, and blank columns for the
//! units to fill in for their next report.

use super::{
    header, LedgerError, CATEGORY, COLUMNS, COMPLETION, DEADLINE, FILL_FUNDS, FILL_PERIOD,
    FILL_VALUE, ITEM, KIND, KIND_PERCENT, KIND_VALUE, LAST_PROBLEMS, LATEST, LATEST_PERIOD, LEAD,
    NOTES_SHEET, PLANNED, PLAN_ID_NAME, SEQ, SHEET, STATUS, SUPPORT, TARGET_ID, TARGET_TEXT,
    TARGET_VALUE, UNIT,
};
use rust_xlsxwriter::{
    Color, DataValidation, DataValidationErrorStyle, DocProperties, Format, FormatAlign,
    FormatBorder, ProtectionOptions, Workbook, Worksheet,
};
use shishi_core::{
    target_status, Actual, Item, Measure, Period, Plan, Report, ReportState, Status, Target,
    TargetStatus, Unit, UnitId,
};
use std::collections::HashMap;
use time::Date;

/// Everything one ledger is made from, as the store hands it over.
#[derive(Debug, Clone, Copy)]
pub struct LedgerData<'a> {
    pub plan: &'a Plan,
    /// The plan's items; rows follow their numbers (序号).
    pub items: &'a [Item],
    /// The targets to list, one row each; within an item they keep this order. Pass a
    /// unit's targets only for a unit's own ledger.
    pub targets: &'a [Target],
    /// The units named by the items, for their names.
    pub units: &'a [Unit],
    /// The plan's reports (any state; other targets' reports are ignored): the latest
    /// approved figure, the status and the last stated problems come from them.
    pub reports: &'a [Report],
    /// The day the ledger is as of: planned shares and statuses are for this day.
    pub today: Date,
    /// The month written into every row's 填报月份, usually the month now due; `None` leaves
    /// the column for the units to fill.
    pub period: Option<Period>,
}

/// Row of the title, of the column groups, of the column headers; data starts below.
const TITLE_ROW: u32 = 0;
const GROUP_ROW: u32 = 1;
const HEADER_ROW: u32 = 2;
const FIRST_DATA_ROW: u32 = 3;
/// A4 in Excel's paper size codes.
const PAPER_A4: u8 = 9;

/// The ledger as .xlsx bytes: sheet 台账 (title, column groups, headers, one row per
/// target, ordered by item number) and sheet 填表说明.
pub fn export(data: &LedgerData<'_>) -> Result<Vec<u8>, LedgerError> {
    let rows = ledger_rows(data)?;
    let mut workbook = Workbook::new();
    workbook.set_properties(
        &DocProperties::new()
            .set_title(title(data))
            .set_author("shishi（实事）"),
    );
    workbook.define_name(PLAN_ID_NAME, &format!("={}", data.plan.id().get()))?;

    let formats = Formats::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name(SHEET)?;
    write_ledger(sheet, data, &rows, &formats)?;

    let notes = workbook.add_worksheet();
    notes.set_name(NOTES_SHEET)?;
    write_notes(notes, data, &formats)?;

    Ok(workbook.save_to_buffer()?)
}

/// One target's row, computed before anything is written.
struct Row<'a> {
    item: &'a Item,
    target: &'a Target,
    status: TargetStatus,
    latest: Option<Actual>,
    problems: String,
}

fn ledger_rows<'a>(data: &LedgerData<'a>) -> Result<Vec<Row<'a>>, LedgerError> {
    let items: HashMap<_, _> = data.items.iter().map(|i| (i.id, i)).collect();
    let mut rows = Vec::with_capacity(data.targets.len());
    for target in data.targets {
        let item = items
            .get(&target.item)
            .copied()
            .ok_or(LedgerError::MissingItem {
                target: target.id.get(),
                item: target.item.get(),
            })?;
        let status = target_status(data.plan, target, data.reports, data.today);
        let latest = status.last_approved().and_then(|period| {
            data.reports
                .iter()
                .find(|r| r.target() == target.id && r.period() == period)
                .and_then(Report::approved)
                .map(|revision| revision.content.actual)
        });
        rows.push(Row {
            item,
            target,
            latest,
            problems: last_problems(data, target),
            status,
        });
    }
    // Stable: targets of one item keep the order they were passed in.
    rows.sort_by_key(|r| r.item.seq);
    Ok(rows)
}

/// The problems the unit stated in its latest report up to the ledger's day: the newest
/// month with anything sent in, its newest revision sent in (drafts are the unit's own
/// work in progress and not yet said to anyone).
fn last_problems(data: &LedgerData<'_>, target: &Target) -> String {
    let this_month = Period::of(data.today);
    data.reports
        .iter()
        .filter(|r| r.target() == target.id && r.period() <= this_month)
        .filter_map(|r| {
            let sent = r
                .revisions()
                .filter(|rev| rev.state != ReportState::Draft)
                .last()?;
            Some((r.period(), sent.content.problems.trim().to_owned()))
        })
        .max_by_key(|(period, _)| *period)
        .map(|(_, problems)| problems)
        .unwrap_or_default()
}

fn title(data: &LedgerData<'_>) -> String {
    let day = data.today;
    format!(
        "{}任务台账（截至{}年{}月{}日）",
        data.plan.title(),
        day.year(),
        u8::from(day.month()),
        day.day()
    )
}

/// The cell formats, made once: every cell of a kind looks the same.
struct Formats {
    title: Format,
    group: Format,
    fill_group: Format,
    header: Format,
    fill_header: Format,
    text: Format,
    center: Format,
    number: Format,
    share: Format,
    fill_in: Format,
    status_behind: Format,
    status_serious: Format,
    notes_title: Format,
    notes_text: Format,
}

impl Formats {
    fn new() -> Self {
        let cell = Format::new()
            .set_font_name("宋体")
            .set_font_size(10)
            .set_border(FormatBorder::Thin)
            .set_align(FormatAlign::VerticalCenter)
            .set_text_wrap();
        let header = cell
            .clone()
            .set_bold()
            .set_align(FormatAlign::Center)
            .set_background_color(Color::RGB(0xD9D9D9));
        // A light fill marks where to write on screen; printed in black and white it is
        // a light grey, and the group row says the same in words.
        let fill_color = Color::RGB(0xFFF2CC);
        let center = cell.clone().set_align(FormatAlign::Center);
        Self {
            title: Format::new()
                .set_font_name("黑体")
                .set_font_size(16)
                .set_bold()
                .set_align(FormatAlign::Center)
                .set_align(FormatAlign::VerticalCenter),
            group: header.clone(),
            fill_group: header.clone().set_background_color(fill_color),
            fill_header: header.clone().set_background_color(fill_color),
            header,
            number: cell.clone().set_align(FormatAlign::Right),
            share: cell
                .clone()
                .set_align(FormatAlign::Right)
                .set_num_format("0.0%"),
            // Text format, so 2020-06 stays a month and 85% stays what was typed instead of
            // Excel turning them into a date and a fraction.
            fill_in: cell
                .clone()
                .set_unlocked()
                .set_num_format("@")
                .set_background_color(fill_color),
            status_behind: center.clone().set_background_color(Color::RGB(0xFFEB9C)),
            status_serious: center.clone().set_background_color(Color::RGB(0xFFC7CE)),
            center,
            text: cell,
            notes_title: Format::new()
                .set_font_name("黑体")
                .set_font_size(14)
                .set_bold(),
            notes_text: Format::new()
                .set_font_name("宋体")
                .set_font_size(11)
                .set_text_wrap()
                .set_align(FormatAlign::Top)
                .set_border(FormatBorder::Thin),
        }
    }
}

fn write_ledger(
    sheet: &mut Worksheet,
    data: &LedgerData<'_>,
    rows: &[Row<'_>],
    f: &Formats,
) -> Result<(), LedgerError> {
    let last_visible = FILL_FUNDS;
    sheet.merge_range(
        TITLE_ROW,
        0,
        TITLE_ROW,
        last_visible,
        &title(data),
        &f.title,
    )?;
    sheet.set_row_height(TITLE_ROW, 32)?;
    sheet.merge_range(
        GROUP_ROW,
        0,
        GROUP_ROW,
        LAST_PROBLEMS,
        "台账信息（系统导出，请勿修改）",
        &f.group,
    )?;
    sheet.merge_range(
        GROUP_ROW,
        FILL_PERIOD,
        GROUP_ROW,
        last_visible,
        "本次填报（请在黄色单元格中填写）",
        &f.fill_group,
    )?;
    for (i, column) in (0u16..).zip(COLUMNS.iter()) {
        let format = if column.fill_in {
            &f.fill_header
        } else {
            &f.header
        };
        sheet.write_string_with_format(HEADER_ROW, i, column.header, format)?;
        sheet.set_column_width(i, column.width)?;
        if column.hidden {
            sheet.set_column_hidden(i)?;
        }
    }
    sheet.set_row_height(HEADER_ROW, 44)?;

    let units: HashMap<UnitId, &str> = data.units.iter().map(|u| (u.id, u.name.as_str())).collect();
    let names = |ids: &[UnitId]| -> String {
        ids.iter()
            .map(|id| {
                units
                    .get(id)
                    .map_or_else(|| format!("单位{id}"), |n| (*n).to_owned())
            })
            .collect::<Vec<_>>()
            .join("、")
    };

    let mut row_number = FIRST_DATA_ROW;
    for row in rows {
        write_row(sheet, row_number, row, data, f, &names)?;
        row_number += 1;
    }
    let last_row = row_number.saturating_sub(1).max(FIRST_DATA_ROW);

    if let Some(list) = month_list(data.plan) {
        let validation = DataValidation::new()
            .allow_list_strings(&list)?
            .set_input_message("填写本次填报的月份，如 2020-06，或从下拉列表中选择")?
            .set_error_title("填报月份")?
            .set_error_message("请写成 2020-06 的形式，或从下拉列表中选择")?
            // A warning, not a stop: 2020年6月 is also read on import.
            .set_error_style(DataValidationErrorStyle::Warning);
        sheet.add_data_validation(
            FIRST_DATA_ROW,
            FILL_PERIOD,
            last_row,
            FILL_PERIOD,
            &validation,
        )?;
    }
    let figure_hint = DataValidation::new()
        .allow_any_value()
        .set_input_message(
            "截至填报月份的累计数，按“单位”列填写，如 1200、1.2万、六千；单位为 % 的填完成百分比，如 85%",
        )?;
    sheet.add_data_validation(
        FIRST_DATA_ROW,
        FILL_VALUE,
        last_row,
        FILL_VALUE,
        &figure_hint,
    )?;

    // Under the headers, and the item's number and name stay in view while scrolling right
    // to the fill-in columns.
    sheet.set_freeze_panes(FIRST_DATA_ROW, ITEM + 1)?;
    sheet.autofilter(HEADER_ROW, 0, last_row, last_visible)?;
    sheet.set_paper_size(PAPER_A4);
    sheet.set_landscape();
    sheet.set_margins(0.4, 0.4, 0.6, 0.6, 0.3, 0.3);
    sheet.set_repeat_rows(TITLE_ROW, HEADER_ROW)?;
    sheet.set_print_fit_to_pages(1, 0);
    sheet.set_print_center_horizontally(true);
    sheet.set_footer("&C第 &P 页，共 &N 页");
    // No password: protection keeps the system's columns and the hidden keys from being
    // changed by accident, not from a person who means to.
    sheet.protect_with_options(&ProtectionOptions {
        format_columns: true,
        format_rows: true,
        use_autofilter: true,
        ..ProtectionOptions::new()
    });
    Ok(())
}

fn write_row(
    sheet: &mut Worksheet,
    r: u32,
    row: &Row<'_>,
    data: &LedgerData<'_>,
    f: &Formats,
    names: &dyn Fn(&[UnitId]) -> String,
) -> Result<(), LedgerError> {
    let item = row.item;
    let target = row.target;
    sheet.write_number_with_format(r, SEQ, f64::from(item.seq), &f.center)?;
    sheet.write_string_with_format(r, ITEM, &item.title, &f.text)?;
    sheet.write_string_with_format(r, CATEGORY, item.category.as_deref().unwrap_or(""), &f.text)?;
    sheet.write_string_with_format(r, LEAD, names(&item.lead_units), &f.text)?;
    sheet.write_string_with_format(r, SUPPORT, names(&item.support_units), &f.text)?;
    sheet.write_string_with_format(r, TARGET_TEXT, &target.text, &f.text)?;
    let (value, unit, kind) = match &target.measure {
        Measure::Quantity(q) => (q.value().get(), q.unit(), KIND_VALUE),
        Measure::Milestone => (100.0, "%", KIND_PERCENT),
    };
    sheet.write_number_with_format(r, TARGET_VALUE, value, &f.number)?;
    sheet.write_string_with_format(r, UNIT, unit, &f.center)?;
    let deadline = target.schedule.deadline();
    sheet.write_string_with_format(
        r,
        DEADLINE,
        format!(
            "{:04}-{:02}-{:02}",
            deadline.year(),
            u8::from(deadline.month()),
            deadline.day()
        ),
        &f.center,
    )?;
    sheet.write_number_with_format(r, PLANNED, row.status.planned(), &f.share)?;
    match row.latest {
        Some(Actual::Value(v)) => {
            sheet.write_number_with_format(r, LATEST, v.get(), &f.number)?;
        }
        Some(Actual::Percent(p)) => {
            sheet.write_string_with_format(r, LATEST, format!("{}%", p.get()), &f.number)?;
        }
        None => {
            sheet.write_string_with_format(r, LATEST, "—", &f.center)?;
        }
    }
    let period = row
        .status
        .last_approved()
        .map_or_else(|| "—".to_owned(), |p| p.to_string());
    sheet.write_string_with_format(r, LATEST_PERIOD, &period, &f.center)?;
    sheet.write_number_with_format(r, COMPLETION, row.status.completion(), &f.share)?;
    let status = row.status.status();
    let status_format = match status {
        Status::Behind => &f.status_behind,
        Status::SeriouslyBehind => &f.status_serious,
        Status::OnSchedule | Status::Completed => &f.center,
    };
    sheet.write_string_with_format(r, STATUS, status.label_zh(), status_format)?;
    sheet.write_string_with_format(r, LAST_PROBLEMS, &row.problems, &f.text)?;
    let lines = [
        (ITEM, item.title.as_str()),
        (CATEGORY, item.category.as_deref().unwrap_or("")),
        (LEAD, &names(&item.lead_units)),
        (SUPPORT, &names(&item.support_units)),
        (TARGET_TEXT, &target.text),
        (LAST_PROBLEMS, &row.problems),
    ]
    .into_iter()
    .map(|(column, text)| wrapped_lines(text, COLUMNS[usize::from(column)].width))
    .max()
    .unwrap_or(1);
    sheet.set_row_height(r, row_height(lines))?;

    for column in FILL_PERIOD..=FILL_FUNDS {
        sheet.write_blank(r, column, &f.fill_in)?;
    }
    if let Some(period) = data.period {
        sheet.write_string_with_format(r, FILL_PERIOD, period.to_string(), &f.fill_in)?;
    }
    sheet.write_number_with_format(r, TARGET_ID, target.id.get() as f64, &f.text)?;
    sheet.write_string_with_format(r, KIND, kind, &f.text)?;
    Ok(())
}

/// Points per line of 10-point text, and the cell's padding above and below.
const LINE_HEIGHT: f64 = 13.5;
const ROW_PADDING: f64 = 4.0;

/// A data row's height for its longest wrapped text. Set by us because LibreOffice does not
/// fit rows to wrapped text when it opens a file, and a printed ledger whose texts are cut
/// off is no ledger. Rows the units fill in later can be made taller by hand (the sheet's
/// protection allows it).
fn row_height(lines: u32) -> f64 {
    f64::from(lines.max(1)) * LINE_HEIGHT + ROW_PADDING
}

/// How many lines `text` takes in a column `width` characters wide: a Chinese character is
/// about 13 pixels at 10 points, a Latin one about 7, a width unit 7 with 5 of padding.
fn wrapped_lines(text: &str, width: f64) -> u32 {
    let room = (width * 7.0 + 5.0 - 4.0).max(13.0);
    let mut lines = 1;
    let mut used = 0.0;
    for c in text.chars() {
        if c == '\n' {
            lines += 1;
            used = 0.0;
            continue;
        }
        let w = if u32::from(c) >= 0x2E80 { 13.0 } else { 7.0 };
        if used + w > room {
            lines += 1;
            used = 0.0;
        }
        used += w;
    }
    lines
}

/// The months reports may be made for, for the 填报月份 drop-down: from the plan's first
/// reporting month through December. `None` if that list would be empty.
fn month_list(plan: &Plan) -> Option<Vec<String>> {
    let mut month = plan.first_period();
    let year = plan.year().get();
    let mut list = Vec::new();
    while month.year() == year {
        list.push(month.to_string());
        month = month.next();
    }
    (!list.is_empty()).then_some(list)
}

fn write_notes(
    sheet: &mut Worksheet,
    data: &LedgerData<'_>,
    f: &Formats,
) -> Result<(), LedgerError> {
    sheet.set_column_width(0, 22)?;
    sheet.set_column_width(1, 90)?;
    sheet.write_string_with_format(0, 0, "填表说明", &f.notes_title)?;
    sheet.set_row_height(0, 26)?;
    let general = [
        format!(
            "本表由系统导出，对应计划“{}”，每个目标一行。",
            data.plan.title()
        ),
        "只需填写“台账”表中黄色底色的“本次填报”各列；其余各列由系统生成，已锁定，填写无效。"
            .to_owned(),
        "每个目标每月填一行：同一目标同一月份在文件中出现两次的，两行都不导入，请删去多余的一行。"
            .to_owned(),
        "不需要填报的行保持空白即可，导入时会跳过并列出行号。".to_owned(),
        format!(
            "“{}”“{}”两列是隐藏列，系统靠它们识别目标，请勿取消隐藏后修改或删除。",
            header(TARGET_ID),
            header(KIND)
        ),
        "导入时逐行检查：有问题的行会列出行号和原因，其余各行照常导入；改正后可再次导入同一文件，已导入的行不会重复。"
            .to_owned(),
    ];
    let mut r = 1;
    for (n, line) in (1..).zip(general.iter()) {
        sheet.merge_range(r, 0, r, 1, &format!("{n}. {line}"), &f.notes_text)?;
        r += 1;
    }
    r += 1;
    sheet.write_string_with_format(r, 0, "列名", &f.header)?;
    sheet.write_string_with_format(r, 1, "说明", &f.header)?;
    r += 1;
    for column in &COLUMNS {
        let who = if column.fill_in {
            "（填写）"
        } else if column.hidden {
            "（隐藏）"
        } else {
            ""
        };
        sheet.write_string_with_format(r, 0, format!("{}{who}", column.header), &f.notes_text)?;
        sheet.write_string_with_format(r, 1, column.note, &f.notes_text)?;
        r += 1;
    }
    sheet.set_paper_size(PAPER_A4);
    sheet.set_print_fit_to_pages(1, 0);
    Ok(())
}
