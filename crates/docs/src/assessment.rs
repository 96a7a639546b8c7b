//! The year-end assessment (年终考核) as an Excel workbook: sheet 排名 ranks the units with
//! each part's points, and sheet 明细 gives every score line with its explanation and what it
//! comes from, so the table can be checked point by point away from the site.

use rust_xlsxwriter::{
    Color, DocProperties, Format, FormatAlign, FormatBorder, Workbook, XlsxError,
};
use shishi_core::{format_points, Assessment, Part};

/// The sheet with the ranked table.
pub const RANKING_SHEET: &str = "排名";
/// The sheet with every score line.
pub const DETAIL_SHEET: &str = "明细";
/// The ranked table's column headers.
pub const RANKING_HEADERS: [&str; 8] = [
    "名次",
    "单位",
    "目标完成",
    "报送及时",
    "报告质量",
    "群众满意度",
    "加减分",
    "总分",
];
/// The detail sheet's column headers.
pub const DETAIL_HEADERS: [&str; 7] = ["名次", "单位", "考核项", "得分", "满分", "说明", "依据"];
/// The row of the headers on both sheets; the title is above, data below.
pub const HEADER_ROW: u32 = 1;

/// A4 in Excel's paper size codes.
const PAPER_A4: u8 = 9;

#[derive(Debug, thiserror::Error)]
pub enum AssessmentSheetError {
    /// The spreadsheet library refused what we asked of it: a bug on our side.
    #[error("生成考核表失败：{0}")]
    Write(#[from] XlsxError),
}

/// The workbook's title: the plan's title, then what it is and its day.
pub fn title(plan_title: &str, assessment: &Assessment) -> String {
    let day = assessment.as_of;
    format!(
        "{plan_title}年终考核（截至{}年{}月{}日）",
        day.year(),
        u8::from(day.month()),
        day.day()
    )
}

/// The assessment as .xlsx bytes. Points are numbers rounded to hundredths, as the pages
/// show them, so a sum in the sheet matches the page.
pub fn to_xlsx(plan_title: &str, assessment: &Assessment) -> Result<Vec<u8>, AssessmentSheetError> {
    let title = title(plan_title, assessment);
    let mut workbook = Workbook::new();
    workbook.set_properties(
        &DocProperties::new()
            .set_title(&title)
            .set_author("shishi（实事）"),
    );
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
    let number = cell
        .clone()
        .set_align(FormatAlign::Right)
        .set_num_format("0.00");
    let center = cell.clone().set_align(FormatAlign::Center);
    let heading = Format::new()
        .set_font_name("黑体")
        .set_font_size(16)
        .set_bold()
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter);
    let note = Format::new()
        .set_font_name("宋体")
        .set_font_size(10)
        .set_text_wrap();
    let round = |p: f64| (p * 100.0).round() / 100.0 + 0.0;

    let sheet = workbook.add_worksheet();
    sheet.set_name(RANKING_SHEET)?;
    let last = (RANKING_HEADERS.len() - 1) as u16;
    sheet.merge_range(0, 0, 0, last, &title, &heading)?;
    sheet.set_row_height(0, 30)?;
    for (col, (text, width)) in (0u16..).zip(
        RANKING_HEADERS
            .iter()
            .zip([6.0, 24.0, 11.0, 11.0, 11.0, 11.0, 10.0, 10.0]),
    ) {
        sheet.write_string_with_format(HEADER_ROW, col, *text, &header)?;
        sheet.set_column_width(col, width)?;
    }
    let mut row = HEADER_ROW + 1;
    for unit in &assessment.units {
        sheet.write_number_with_format(row, 0, f64::from(unit.rank), &center)?;
        sheet.write_string_with_format(row, 1, &unit.name, &cell)?;
        let parts = [Part::Completion, Part::Timeliness, Part::Quality];
        for (col, part) in (2u16..).zip(parts) {
            sheet.write_number_with_format(row, col, round(unit.points(part)), &number)?;
        }
        if unit.has_satisfaction() {
            sheet.write_number_with_format(
                row,
                5,
                round(unit.points(Part::Satisfaction)),
                &number,
            )?;
        } else {
            sheet.write_string_with_format(row, 5, "—", &center)?;
        }
        sheet.write_number_with_format(row, 6, round(unit.adjustments()), &number)?;
        sheet.write_number_with_format(row, 7, round(unit.total()), &number)?;
        row += 1;
    }
    let w = assessment.weights;
    let rules = format!(
        "权重：目标完成{}分、报送及时{}分、报告质量{}分、群众满意度{}分。没有满意度测评结果的单位（“—”），满意度的分值按权重比例并入其余三项。加减分不设上限。总分相同的名次并列，按单位名称排列。每一分的来历见“明细”表。",
        w.completion(),
        w.timeliness(),
        w.quality(),
        w.satisfaction()
    );
    sheet.merge_range(row + 1, 0, row + 1, last, &rules, &note)?;
    sheet.set_row_height(row + 1, 42)?;
    sheet.set_freeze_panes(HEADER_ROW + 1, 0)?;
    page_setup(sheet, HEADER_ROW)?;

    let sheet = workbook.add_worksheet();
    sheet.set_name(DETAIL_SHEET)?;
    let last = (DETAIL_HEADERS.len() - 1) as u16;
    sheet.merge_range(0, 0, 0, last, &format!("{title}得分明细"), &heading)?;
    sheet.set_row_height(0, 30)?;
    for (col, (text, width)) in (0u16..).zip(
        DETAIL_HEADERS
            .iter()
            .zip([6.0, 20.0, 11.0, 9.0, 9.0, 70.0, 36.0]),
    ) {
        sheet.write_string_with_format(HEADER_ROW, col, *text, &header)?;
        sheet.set_column_width(col, width)?;
    }
    let mut row = HEADER_ROW + 1;
    for unit in &assessment.units {
        for line in &unit.lines {
            sheet.write_number_with_format(row, 0, f64::from(unit.rank), &center)?;
            sheet.write_string_with_format(row, 1, &unit.name, &cell)?;
            sheet.write_string_with_format(row, 2, line.part.label_zh(), &center)?;
            sheet.write_number_with_format(row, 3, round(line.points), &number)?;
            sheet.write_number_with_format(row, 4, round(line.max), &number)?;
            sheet.write_string_with_format(row, 5, &line.explanation, &cell)?;
            let sources: Vec<String> = line.sources.iter().map(|s| s.label_zh()).collect();
            sheet.write_string_with_format(row, 6, sources.join("；"), &cell)?;
            row += 1;
        }
        // The unit's total under its lines, as a score sheet sums up.
        sheet.write_number_with_format(row, 0, f64::from(unit.rank), &center)?;
        sheet.write_string_with_format(row, 1, &unit.name, &cell)?;
        sheet.write_string_with_format(row, 2, "合计", &header)?;
        sheet.write_number_with_format(row, 3, round(unit.total()), &number)?;
        sheet.write_string_with_format(row, 4, "", &cell)?;
        sheet.write_string_with_format(
            row,
            5,
            format!("总分{}分", format_points(unit.total())),
            &cell,
        )?;
        sheet.write_string_with_format(row, 6, "", &cell)?;
        row += 1;
    }
    sheet.set_freeze_panes(HEADER_ROW + 1, 0)?;
    page_setup(sheet, HEADER_ROW)?;

    Ok(workbook.save_to_buffer()?)
}

/// A4 landscape, one page wide, headers repeated on every page, page numbers at the foot.
fn page_setup(sheet: &mut rust_xlsxwriter::Worksheet, header_row: u32) -> Result<(), XlsxError> {
    sheet.set_paper_size(PAPER_A4);
    sheet.set_landscape();
    sheet.set_margins(0.4, 0.4, 0.6, 0.6, 0.3, 0.3);
    sheet.set_repeat_rows(0, header_row)?;
    sheet.set_print_fit_to_pages(1, 0);
    sheet.set_print_center_horizontally(true);
    sheet.set_footer("&C第 &P 页，共 &N 页");
    Ok(())
}
