//! The ledger (台账) round trip: export a plan's targets to .xlsx, fill it in as a unit would,
//! import it, and get back reports by target and month, with every bad row named.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use calamine::{open_workbook_from_rs, Data, Reader, Xlsx};
use shishi_core::{
    Actual, Curve, Item, ItemId, Measure, Op, Percent, Period, Plan, PlanId, PlanSettings,
    PlanYear, Quantity, Report, ReportContent, ReportId, ReportValue, Target, TargetId,
    TargetValue, Unit, UnitId,
};
use shishi_docs::ledger::{export, import, LedgerData, LedgerError, LedgerImport};
use std::collections::HashMap;
use std::io::{Cursor, Read, Write};
use std::path::Path;
use time::macros::date;

// ---------------------------------------------------------------------------------------
// A small plan: two items, four targets (three numbers and a milestone).

fn plan() -> Plan {
    Plan::new(
        PlanId::new(7),
        "2020年海州区民生实事".into(),
        PlanYear::new(2020).unwrap(),
        Some("海政发〔2020〕15号".into()),
        PlanSettings::default(),
    )
    .unwrap()
}

fn units() -> Vec<Unit> {
    [(1, "区住建局"), (2, "区教育局"), (3, "区财政局")]
        .into_iter()
        .map(|(id, name)| Unit {
            id: UnitId::new(id),
            name: name.into(),
            aliases: Vec::new(),
        })
        .collect()
}

fn items() -> Vec<Item> {
    vec![
        // Passed out of order on purpose: the ledger follows the item numbers.
        Item {
            id: ItemId::new(12),
            plan: PlanId::new(7),
            seq: 2,
            title: "新建改扩建中小学".into(),
            category: Some("教育".into()),
            lead_units: vec![UnitId::new(2)],
            support_units: vec![],
        },
        Item {
            id: ItemId::new(11),
            plan: PlanId::new(7),
            seq: 1,
            title: "老旧小区改造".into(),
            category: Some("城建".into()),
            lead_units: vec![UnitId::new(1)],
            support_units: vec![UnitId::new(3)],
        },
    ]
}

fn quantity(id: i64, item: i64, text: &str, value: f64, unit: &str) -> Target {
    let q = Quantity::new(TargetValue::new(value).unwrap(), unit.into(), Op::Eq, None).unwrap();
    Target {
        id: TargetId::new(id),
        item: ItemId::new(item),
        text: text.into(),
        measure: Measure::Quantity(q),
        schedule: plan().schedule(None, Curve::Linear).unwrap(),
    }
}

fn targets() -> Vec<Target> {
    vec![
        quantity(101, 11, "改造老旧小区2万户", 20000.0, "户"),
        quantity(102, 11, "完成投资1.5亿元", 15000.0, "万元"),
        quantity(201, 12, "新建中小学6所", 6.0, "所"),
        Target {
            id: TargetId::new(202),
            item: ItemId::new(12),
            text: "区实验学校建成并投入使用".into(),
            measure: Measure::Milestone,
            schedule: plan()
                .schedule(Some(date!(2020 - 08 - 31)), Curve::Linear)
                .unwrap(),
        },
    ]
}

/// Households renovated: 8000 approved for June, with a problem stated.
fn reports(targets: &[Target]) -> Vec<Report> {
    let content = ReportContent {
        actual: Actual::Value(ReportValue::new(8000.0).unwrap()),
        progress: "已完成8000户改造".into(),
        problems: "部分小区居民意见不统一".into(),
        next_steps: "加快入户协调".into(),
        funds: None,
    };
    let mut report = Report::new(
        ReportId::new(1),
        &targets[0],
        Period::parse("2020-06").unwrap(),
        content,
    )
    .unwrap();
    report.submit(date!(2020 - 06 - 24)).unwrap();
    report.approve(&PlanSettings::default()).unwrap();
    vec![report]
}

fn exported(period: Option<&str>) -> Vec<u8> {
    let (plan, items, units, targets) = (plan(), items(), units(), targets());
    let reports = reports(&targets);
    export(&LedgerData {
        plan: &plan,
        items: &items,
        targets: &targets,
        units: &units,
        reports: &reports,
        today: date!(2020 - 09 - 28),
        period: period.map(|p| Period::parse(p).unwrap()),
    })
    .unwrap()
}

// ---------------------------------------------------------------------------------------
// Reading the exported sheet, and filling it in as a person would: by editing the cells of
// the sheet's XML in the exported file, so everything else (hidden columns, protection,
// names) stays exactly as exported.

#[path = "support/sheet.rs"]
mod sheet;

use sheet::{filled, fills, Fill, Sheet};

/// A full fill-in for a row: period, figure, progress and the optional texts.
fn report_fill<'a>(
    sheet: &Sheet,
    row: u32,
    period: &'a str,
    figure: Fill<'a>,
) -> Vec<(String, Fill<'a>)> {
    fills(
        sheet,
        row,
        &[
            ("填报月份", Fill::Text(period)),
            ("累计完成值/完成百分比", figure),
            ("进展情况", Fill::Text("按计划推进")),
            ("存在问题", Fill::Text("雨季影响施工")),
            ("下步打算", Fill::Text("抢抓工期")),
            ("资金到位及使用", Fill::Text("到位1200万元，已使用800万元")),
        ],
    )
}

fn value_of(actual: Actual) -> f64 {
    match actual {
        Actual::Value(v) => v.get(),
        Actual::Percent(p) => panic!("expected a value, got percent {}", p.get()),
    }
}

// ---------------------------------------------------------------------------------------

#[test]
fn the_exported_ledger_lists_every_target_with_its_standing_and_blank_columns_to_fill() {
    let bytes = exported(None);
    let sheet = Sheet::read(&bytes);
    let title = match &sheet.cells[0][0] {
        Data::String(s) => s.clone(),
        other => panic!("title {other:?}"),
    };
    assert_eq!(title, "2020年海州区民生实事任务台账（截至2020年9月28日）");
    for header in [
        "序号",
        "项目名称",
        "类别",
        "牵头单位",
        "配合单位",
        "目标任务",
        "目标值",
        "单位",
        "完成时限",
        "序时要求",
        "最新核实完成",
        "完成率",
        "状态",
        "上期存在问题",
        "填报月份",
        "累计完成值/完成百分比",
        "进展情况",
        "存在问题",
        "下步打算",
        "资金到位及使用",
        "目标编号",
        "填报方式",
    ] {
        sheet.col(header);
    }
    // Ordered by item number although the items were passed the other way round.
    let rows: Vec<u32> = [101, 102, 201, 202].map(|t| sheet.row_of(t)).to_vec();
    assert_eq!(rows, vec![4, 5, 6, 7]);
    let households = sheet.row_of(101);
    assert_eq!(sheet.text(households, "项目名称"), "老旧小区改造");
    assert_eq!(sheet.text(households, "牵头单位"), "区住建局");
    assert_eq!(sheet.text(households, "配合单位"), "区财政局");
    assert_eq!(sheet.text(households, "目标值"), "20000");
    assert_eq!(sheet.text(households, "单位"), "户");
    assert_eq!(sheet.text(households, "最新核实完成"), "8000");
    assert_eq!(sheet.text(households, "核实月份"), "2020-06");
    assert_eq!(sheet.text(households, "完成率"), "0.4");
    // 40% done against about 74% planned at the end of September: seriously behind.
    assert_eq!(sheet.text(households, "状态"), "严重滞后");
    assert_eq!(
        sheet.text(households, "上期存在问题"),
        "部分小区居民意见不统一"
    );
    assert_eq!(sheet.text(households, "填报方式"), "数量");
    assert_eq!(sheet.text(households, "填报月份"), "");
    let school = sheet.row_of(202);
    assert_eq!(sheet.text(school, "填报方式"), "百分比");
    assert_eq!(sheet.text(school, "单位"), "%");
    assert_eq!(sheet.text(school, "最新核实完成"), "—");
    assert_eq!(sheet.text(school, "完成时限"), "2020-08-31");

    // The notes sheet explains every column.
    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes.clone())).unwrap();
    assert_eq!(book.sheet_names(), vec!["台账", "填表说明"]);
    let notes = book.worksheet_range("填表说明").unwrap();
    let text: String = notes
        .rows()
        .flatten()
        .filter_map(|c| match c {
            Data::String(s) => Some(s.as_str()),
            _ => None,
        })
        .collect();
    for needle in ["进展情况（填写）", "目标编号（隐藏）", "1.2万", "2020-06"] {
        assert!(text.contains(needle), "notes lack {needle}");
    }

    // Hidden keys, protection, print setup and frozen headers, as written in the sheet.
    let xml = sheet_xml(&bytes);
    assert!(xml.contains(r#"hidden="1""#), "hidden key columns");
    assert!(xml.contains("<sheetProtection"), "protected sheet");
    assert!(xml.contains(r#"orientation="landscape""#) && xml.contains(r#"paperSize="9""#));
    assert!(xml.contains(r#"ySplit="3""#), "frozen under the header");
    let workbook = zip_entry(&bytes, "xl/workbook.xml");
    assert!(
        workbook.contains("_xlnm.Print_Titles"),
        "header rows repeat when printed"
    );
}

#[test]
fn a_filled_in_ledger_comes_back_as_reports_by_target_and_month() {
    let bytes = exported(Some("2020-09"));
    let sheet = Sheet::read(&bytes);
    assert_eq!(sheet.text(sheet.row_of(101), "填报月份"), "2020-09");
    let mut cells = report_fill(&sheet, sheet.row_of(101), "2020-09", Fill::Text("1.2万"));
    cells.extend(report_fill(
        &sheet,
        sheet.row_of(102),
        "2020年9月",
        Fill::Text("六千"),
    ));
    cells.extend(report_fill(
        &sheet,
        sheet.row_of(201),
        "2020-09",
        Fill::Number(3.0),
    ));
    cells.extend(fills(
        &sheet,
        sheet.row_of(202),
        &[
            ("累计完成值/完成百分比", Fill::Text("85%")),
            ("进展情况", Fill::Text("主体完工，正在装修")),
        ],
    ));
    let filled = filled(&bytes, &cells);

    let result = import(&filled).unwrap();
    assert_eq!(result.errors, vec![], "no bad rows");
    assert_eq!(result.skipped_blank, Vec::<u32>::new());
    assert_eq!(result.plan, Some(PlanId::new(7)));
    let got: Vec<(u32, i64, String)> = result
        .rows
        .iter()
        .map(|r| (r.row, r.target.get(), r.period.to_string()))
        .collect();
    assert_eq!(
        got,
        vec![
            (4, 101, "2020-09".into()),
            (5, 102, "2020-09".into()),
            (6, 201, "2020-09".into()),
            (7, 202, "2020-09".into()),
        ]
    );
    assert_eq!(value_of(result.rows[0].content.actual), 12000.0);
    assert_eq!(value_of(result.rows[1].content.actual), 6000.0);
    assert_eq!(value_of(result.rows[2].content.actual), 3.0);
    assert_eq!(
        result.rows[3].content.actual,
        Actual::Percent(Percent::new(85.0).unwrap())
    );
    let first = &result.rows[0].content;
    assert_eq!(first.progress, "按计划推进");
    assert_eq!(first.problems, "雨季影响施工");
    assert_eq!(first.next_steps, "抢抓工期");
    assert_eq!(first.funds.as_deref(), Some("到位1200万元，已使用800万元"));
    let last = &result.rows[3].content;
    assert_eq!((last.problems.as_str(), last.funds.as_deref()), ("", None));

    // Every row fits its target: the lead can make reports of them as they are.
    let targets = targets();
    for (n, row) in (1..).zip(&result.rows) {
        let target = targets.iter().find(|t| t.id == row.target).unwrap();
        let mut report =
            Report::new(ReportId::new(n), target, row.period, row.content.clone()).unwrap();
        report.submit(date!(2020 - 09 - 25)).unwrap();
    }
}

#[test]
fn rows_left_blank_are_listed_not_dropped_and_not_errors() {
    let bytes = exported(Some("2020-09"));
    let sheet = Sheet::read(&bytes);
    let cells = report_fill(&sheet, sheet.row_of(201), "2020-09", Fill::Text("4所"));
    let result = import(&filled(&bytes, &cells)).unwrap();
    assert_eq!(result.rows.len(), 1);
    assert_eq!(value_of(result.rows[0].content.actual), 4.0);
    assert_eq!(result.errors, vec![]);
    // The prefilled month alone is no report.
    assert_eq!(result.skipped_blank, vec![4, 5, 7]);

    let untouched = import(&bytes).unwrap();
    assert_eq!(untouched.rows, vec![]);
    assert_eq!(untouched.skipped_blank, vec![4, 5, 6, 7]);
}

/// Rows 4 to 7 are the four targets; 8 and 9 are added below them.
fn file_with_bad_rows() -> Vec<u8> {
    let bytes = exported(None);
    let sheet = Sheet::read(&bytes);
    let mut cells = Vec::new();
    // Row 4: a month that does not exist and a number no one can read.
    cells.extend(report_fill(&sheet, 4, "2020-13", Fill::Text("很多")));
    // Row 5: good.
    cells.extend(report_fill(&sheet, 5, "2020-08", Fill::Text("3,500")));
    // Row 6: no 进展情况, and a percent for a target counted in schools.
    cells.extend(fills(
        &sheet,
        6,
        &[
            ("填报月份", Fill::Text("2020-08")),
            ("累计完成值/完成百分比", Fill::Text("50%")),
            ("存在问题", Fill::Text("用地未落实")),
        ],
    ));
    // Row 7: the hidden key overwritten, and more than 100 percent.
    cells.extend(report_fill(&sheet, 7, "2020-08", Fill::Text("120%")));
    cells.extend(fills(&sheet, 7, &[("目标编号", Fill::Text("学校"))]));
    // Rows 8 and 9: a new row typed below, then a copy of row 5's target and month.
    cells.extend(report_fill(&sheet, 8, "2020-08", Fill::Text("10")));
    cells.extend(report_fill(&sheet, 9, "2020-08", Fill::Text("4000")));
    cells.extend(fills(
        &sheet,
        9,
        &[
            ("目标编号", Fill::Number(102.0)),
            ("填报方式", Fill::Text("数量")),
        ],
    ));
    filled(&bytes, &cells)
}

#[test]
fn a_file_with_bad_rows_names_each_by_row_and_reason_and_returns_the_good_ones() {
    let bytes = exported(None);
    let sheet = Sheet::read(&bytes);
    let mut cells = file_cells_with_one_good_row(&sheet);
    cells.extend(report_fill(&sheet, 4, "2020-13", Fill::Text("很多")));
    let result = import(&filled(&bytes, &cells)).unwrap();
    assert_eq!(result.rows.len(), 1);
    assert_eq!(result.rows[0].row, 5);
    assert_eq!(result.rows[0].target, TargetId::new(102));
    assert_eq!(value_of(result.rows[0].content.actual), 3500.0);
    assert_eq!(result.errors.len(), 1);
    let reason = &result.errors[0].reason;
    assert_eq!(result.errors[0].row, 4);
    assert!(
        reason.contains("填报月份") && reason.contains("2020-13"),
        "{reason}"
    );
    assert!(
        reason.contains("累计完成值/完成百分比") && reason.contains("很多"),
        "{reason}"
    );

    let result = import(&file_with_bad_rows()).unwrap();
    let reasons: HashMap<u32, &str> = result
        .errors
        .iter()
        .map(|e| (e.row, e.reason.as_str()))
        .collect();
    let rows: Vec<u32> = result.errors.iter().map(|e| e.row).collect();
    assert_eq!(rows, vec![4, 5, 6, 7, 8, 9], "{:#?}", result.errors);
    assert!(reasons[&4].contains("填报月份"), "{}", reasons[&4]);
    assert!(reasons[&5].contains("与第9行重复"), "{}", reasons[&5]);
    assert!(reasons[&9].contains("与第5行重复"), "{}", reasons[&9]);
    assert!(reasons[&6].contains("进展情况”未填写"), "{}", reasons[&6]);
    assert!(reasons[&6].contains("按数量填报"), "{}", reasons[&6]);
    assert!(reasons[&7].contains("目标编号"), "{}", reasons[&7]);
    assert!(reasons[&7].contains("0 到 100"), "{}", reasons[&7]);
    assert!(reasons[&8].contains("目标编号"), "{}", reasons[&8]);
    assert_eq!(result.rows, vec![]);
    assert_eq!(result.skipped_blank, Vec::<u32>::new());
}

fn file_cells_with_one_good_row(sheet: &Sheet) -> Vec<(String, Fill<'static>)> {
    report_fill(sheet, 5, "2020-08", Fill::Text("3,500"))
}

#[test]
fn the_same_file_imported_twice_gives_the_same_rows() {
    let bytes = file_with_bad_rows();
    let first: LedgerImport = import(&bytes).unwrap();
    let second = import(&bytes).unwrap();
    assert_eq!(first, second);
    let bytes = exported(Some("2020-09"));
    let sheet = Sheet::read(&bytes);
    let good = filled(
        &bytes,
        &report_fill(&sheet, 4, "2020-09", Fill::Text("1.2万")),
    );
    assert_eq!(import(&good).unwrap(), import(&good).unwrap());
}

#[test]
fn a_file_that_is_not_an_xlsx_is_one_clear_error() {
    for bytes in [
        b"\xd0\xcf\x11\xe0 an old .xls".to_vec(),
        "序号,项目名称\n1,老旧小区改造\n".as_bytes().to_vec(),
        Vec::new(),
        zip_with("hello.txt", b"hi"),
    ] {
        let error = import(&bytes).unwrap_err();
        assert!(matches!(error, LedgerError::NotXlsx(_)), "{error:?}");
        assert!(error.to_string().contains(".xlsx"), "{error}");
    }
}

#[test]
fn a_workbook_that_is_not_the_ledger_template_is_one_clear_error() {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "姓名").unwrap();
    sheet.write_string(0, 1, "电话").unwrap();
    let other = book.save_to_buffer().unwrap();
    let error = import(&other).unwrap_err();
    assert!(matches!(error, LedgerError::NotTemplate(_)), "{error:?}");
    assert!(error.to_string().contains("台账"), "{error}");

    // The ledger's headers, but with the fill-in columns cut away.
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (i, h) in [
        "序号",
        "目标编号",
        "填报方式",
        "单位",
        "填报月份",
        "累计完成值/完成百分比",
    ]
    .iter()
    .enumerate()
    {
        sheet.write_string(2, i as u16, *h).unwrap();
    }
    let cut = book.save_to_buffer().unwrap();
    let error = import(&cut).unwrap_err();
    let message = error.to_string();
    assert!(matches!(error, LedgerError::NotTemplate(_)), "{error:?}");
    for missing in ["进展情况", "存在问题", "下步打算", "资金到位及使用"] {
        assert!(message.contains(missing), "{message}");
    }
}

/// Converts `file` with LibreOffice into `out`; whether it succeeded and wrote the file.
fn office_convert(office: &str, profile: &str, file: &Path, to: &str, out: &Path) -> bool {
    std::process::Command::new(office)
        .arg(profile)
        .args(["--headless", "--convert-to", to, "--outdir"])
        .arg(out)
        .arg(file)
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn the_exported_ledger_opens_in_libreoffice_and_survives_a_resave_there() {
    let Some(office) = ["libreoffice", "soffice"].into_iter().find(|b| {
        std::process::Command::new(b)
            .arg("--version")
            .output()
            .is_ok()
    }) else {
        eprintln!("LibreOffice is not installed: skipped");
        return;
    };
    let dir = std::env::temp_dir().join(format!("shishi-ledger-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let profile = format!("-env:UserInstallation=file://{}/profile", dir.display());
    const CSV: &str = "csv:Text - txt - csv (StarCalc):44,34,76";

    // LibreOffice may be there with Writer alone (for the bulletins): a trivial workbook
    // tells whether Calc is, so a failure below is the ledger's own.
    let mut probe = rust_xlsxwriter::Workbook::new();
    probe.add_worksheet().write_string(0, 0, "probe").unwrap();
    std::fs::write(dir.join("probe.xlsx"), probe.save_to_buffer().unwrap()).unwrap();
    if !office_convert(office, &profile, &dir.join("probe.xlsx"), CSV, &dir)
        || !dir.join("probe.csv").exists()
    {
        eprintln!("LibreOffice Calc is not installed: skipped");
        std::fs::remove_dir_all(&dir).ok();
        return;
    }

    let bytes = exported(Some("2020-09"));
    let sheet = Sheet::read(&bytes);
    let filled = filled(
        &bytes,
        &report_fill(&sheet, 4, "2020-09", Fill::Text("1.2万")),
    );
    let file = dir.join("ledger.xlsx");
    std::fs::write(&file, &filled).unwrap();
    assert!(office_convert(office, &profile, &file, CSV, &dir));
    let csv = std::fs::read_to_string(dir.join("ledger.csv")).unwrap();
    assert!(csv.contains("2020年海州区民生实事任务台账"), "{csv}");
    assert!(
        csv.contains("老旧小区改造") && csv.contains("1.2万"),
        "{csv}"
    );

    // Saved again by LibreOffice, the file still imports to the same rows.
    let resaved = dir.join("resaved");
    assert!(office_convert(
        office,
        &profile,
        &file,
        "xlsx:Calc MS Excel 2007 XML",
        &resaved
    ));
    let again = std::fs::read(resaved.join("ledger.xlsx")).unwrap();
    let (before, after) = (import(&filled).unwrap(), import(&again).unwrap());
    assert_eq!(before.rows.len(), 1);
    assert_eq!(after.rows, before.rows);
    assert_eq!(after.errors, vec![]);
    assert_eq!(after.skipped_blank, before.skipped_blank);
    assert_eq!(after.plan, Some(PlanId::new(7)));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn ledger_errors_can_cross_threads_for_the_web_layer() {
    fn send_sync<T: Send + Sync + 'static>() {}
    send_sync::<LedgerError>();
    send_sync::<LedgerImport>();
}

fn zip_entry(xlsx: &[u8], name: &str) -> String {
    let mut archive = zip::ZipArchive::new(Cursor::new(xlsx.to_vec())).unwrap();
    let mut file = archive.by_name(name).unwrap();
    let mut s = String::new();
    file.read_to_string(&mut s).unwrap();
    s
}

fn sheet_xml(xlsx: &[u8]) -> String {
    zip_entry(xlsx, "xl/worksheets/sheet1.xml")
}

fn zip_with(name: &str, content: &[u8]) -> Vec<u8> {
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    out.start_file(name, zip::write::SimpleFileOptions::default())
        .unwrap();
    out.write_all(content).unwrap();
    out.finish().unwrap().into_inner()
}
