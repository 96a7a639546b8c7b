//! The supervision bulletin: what it counts and lists, and the files it is written as,
//! down to a LibreOffice rendering of the .docx that a person looks at.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use quick_xml::events::Event;
use quick_xml::Reader;
use shishi_core::{
    Actual, Curve, Item, ItemId, Measure, Op, Percent, Period, Plan, PlanId, PlanSettings,
    PlanYear, Quantity, Reason, Report, ReportContent, ReportId, ReportValue, Status, Target,
    TargetId, TargetValue, Unit, UnitId,
};
use shishi_docs::{compose, to_docx, to_html, to_markdown, Bulletin, Error, Issue, Sources};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;
use time::macros::date;

// ---------------------------------------------------------------------------------------
// Fixtures

fn plan() -> Plan {
    Plan::new(
        PlanId::new(1),
        "区政府关于印发2020年海州区50件民生实事分解落实方案的通知".into(),
        PlanYear::new(2020).unwrap(),
        Some("海政发〔2020〕15号".into()),
        PlanSettings::default(),
    )
    .unwrap()
}

fn unit(id: i64, name: &str) -> Unit {
    Unit {
        id: UnitId::new(id),
        name: name.into(),
        aliases: vec![],
    }
}

fn item(id: i64, title: &str, leads: &[i64]) -> Item {
    Item {
        id: ItemId::new(id),
        plan: PlanId::new(1),
        seq: u32::try_from(id).unwrap(),
        title: title.into(),
        category: None,
        lead_units: leads.iter().map(|u| UnitId::new(*u)).collect(),
        support_units: vec![],
    }
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

fn milestone(id: i64, item: i64, text: &str) -> Target {
    Target {
        id: TargetId::new(id),
        item: ItemId::new(item),
        text: text.into(),
        measure: Measure::Milestone,
        schedule: plan().schedule(None, Curve::Linear).unwrap(),
    }
}

fn value(v: f64) -> Actual {
    Actual::Value(ReportValue::new(v).unwrap())
}

fn percent(p: f64) -> Actual {
    Actual::Percent(Percent::new(p).unwrap())
}

fn content(actual: Actual, problems: &str) -> ReportContent {
    ReportContent {
        actual,
        progress: "按计划推进".into(),
        problems: problems.into(),
        next_steps: String::new(),
        funds: None,
    }
}

fn period(month: u8) -> Period {
    Period::new(2020, month).unwrap()
}

/// A report for `month`, submitted on its due day and approved.
fn approved(target: &Target, month: u8, actual: Actual, problems: &str) -> Report {
    let mut r = submitted(target, month, actual, problems);
    r.approve(&PlanSettings::default()).unwrap();
    r
}

fn submitted(target: &Target, month: u8, actual: Actual, problems: &str) -> Report {
    let id = ReportId::new(target.id.get() * 100 + i64::from(month));
    let mut r = Report::new(id, target, period(month), content(actual, problems)).unwrap();
    r.submit(period(month).due_date(Default::default()))
        .unwrap();
    r
}

/// Approved reports for January to `through` (all with `actual`), so nothing is overdue
/// before `through`.
fn approved_through(target: &Target, through: u8, actual: Actual, problems: &str) -> Vec<Report> {
    (1..=through)
        .map(|m| approved(target, m, actual, if m == through { problems } else { "" }))
        .collect()
}

struct Fixture {
    plan: Plan,
    units: Vec<Unit>,
    items: Vec<Item>,
    targets: Vec<Target>,
    reports: Vec<Report>,
}

impl Fixture {
    fn sources(&self) -> Sources<'_> {
        Sources {
            plan: &self.plan,
            items: &self.items,
            targets: &self.targets,
            units: &self.units,
            reports: &self.reports,
        }
    }
}

/// Six items, one in every standing, as of the end of September 2020 (planned ≈ 75%):
/// 1 completed, 2 on schedule, 3 behind, 4 seriously behind, 5 on schedule with its
/// September report missing, 6 without targets.
fn six_items() -> Fixture {
    let units = vec![
        unit(1, "区教育局"),
        unit(2, "区民政局"),
        unit(3, "区卫生健康委"),
    ];
    let items = vec![
        item(1, "新建中小学", &[1]),
        item(2, "新增学位", &[1]),
        item(3, "改造提升养老服务中心", &[2]),
        item(4, "建设社区综合服务设施", &[2, 3]),
        item(5, "免费健康体检", &[3]),
        item(6, "推进医养结合", &[3]),
    ];
    let schools = quantity(1, 1, "新建中小学6所", 6.0, "所");
    let places = quantity(2, 2, "新增学位10000个", 10000.0, "个");
    let beds = quantity(3, 3, "新增养老床位100张", 100.0, "张");
    let centre = milestone(4, 3, "区养老服务中心改造完成");
    let facilities = quantity(5, 4, "建设社区综合服务设施100处", 100.0, "处");
    let checkups = quantity(6, 5, "为12万名老人免费体检", 12.0, "万人");

    let mut reports = Vec::new();
    reports.extend(approved_through(&schools, 9, value(6.0), ""));
    reports.extend(approved_through(&places, 9, value(7500.0), ""));
    // A correction of September's figure is still a draft: its words are not yet said.
    let last = reports.last_mut().unwrap();
    last.revise(&places, content(value(7600.0), "草稿里的问题不应出现"))
        .unwrap();
    reports.extend(approved_through(&beds, 9, value(60.0), "资金未到位"));
    // The milestone: August approved at 72%; September returned, then corrected and
    // submitted: the corrected problems count, the approved figure is still August's.
    reports.extend(approved_through(&centre, 8, percent(72.0), ""));
    let mut september = submitted(&centre, 9, percent(80.0), "旧的问题");
    september
        .return_with(Reason::parse("请补充照片").unwrap())
        .unwrap();
    september
        .revise(&centre, content(percent(80.0), "设备未到货"))
        .unwrap();
    september.submit(date!(2020 - 09 - 26)).unwrap();
    reports.push(september);
    reports.extend(approved_through(
        &facilities,
        9,
        value(10.0),
        "征地<script>alert(1)</script>受阻|待协调",
    ));
    reports.extend(approved_through(&checkups, 8, value(9.0), ""));

    Fixture {
        plan: plan(),
        units,
        items,
        targets: vec![schools, places, beds, centre, facilities, checkups],
        reports,
    }
}

fn issue() -> Issue {
    Issue::new(
        "海州区人民政府督查室",
        "海督通〔2020〕9号",
        date!(2020 - 10 - 10),
    )
}

fn september(f: &Fixture) -> Bulletin {
    compose(f.sources(), period(9), &issue()).unwrap()
}

fn seqs(groups: &[shishi_docs::UnitGroup]) -> Vec<(String, Vec<u32>)> {
    groups
        .iter()
        .map(|g| (g.unit.clone(), g.items.iter().map(|i| i.seq).collect()))
        .collect()
}

// ---------------------------------------------------------------------------------------
// Composing

#[test]
fn the_overview_counts_items_by_status_and_targets_with_overdue_reports() {
    let b = september(&six_items());
    let o = &b.overview;
    assert_eq!(
        (
            o.items,
            o.completed,
            o.on_schedule,
            o.behind,
            o.seriously_behind,
            o.without_targets
        ),
        (6, 1, 2, 1, 1, 1)
    );
    assert_eq!(o.overdue_targets, 1);
    assert_eq!(o.overdue_units, vec![("区卫生健康委".to_owned(), 1)]);
    assert_eq!(b.as_of, date!(2020 - 09 - 30));
}

#[test]
fn the_overview_sentence_reads_as_an_official_bulletin_writes_it() {
    let b = september(&six_items());
    assert_eq!(
        b.overview.sentence,
        "截至2020年9月底，6件民生实事中，已完成1件，按序时推进2件，未达序时进度2件，\
         其中慢序时1件、严重滞后1件；另有1件无量化目标。共有1个目标未按时报送进展情况。"
    );
    assert_eq!(b.title, "关于2020年9月份民生实事项目推进情况的通报");
    let body: Vec<String> = b.body.iter().map(|block| format!("{block:?}")).collect();
    let body = body.join("\n");
    assert!(body.contains("海政发〔2020〕15号"), "{body}");
    assert!(
        body.contains("其中严重滞后的1件是：第4项“建设社区综合服务设施”（区民政局）"),
        "{body}"
    );
    assert!(
        body.contains("已完成的项目是：第1项“新建中小学”。"),
        "{body}"
    );
    assert!(body.contains("区卫生健康委（1个）"), "{body}");
}

#[test]
fn behind_items_go_to_attachment_1_and_the_rest_to_attachment_2_grouped_by_lead_unit() {
    let b = september(&six_items());
    // Worst first within a unit; units in the registry's order.
    assert_eq!(
        seqs(&b.behind.groups),
        vec![("区民政局".to_owned(), vec![4, 3])]
    );
    assert_eq!(
        seqs(&b.on_schedule.groups),
        vec![
            ("区教育局".to_owned(), vec![1, 2]),
            ("区卫生健康委".to_owned(), vec![5, 6]),
        ]
    );
    let words: Vec<&str> = b
        .on_schedule
        .groups
        .iter()
        .flat_map(|g| g.items.iter().map(|i| i.status_word()))
        .collect();
    assert_eq!(words, ["已完成", "按序时", "按序时", "无量化目标"]);
    assert_eq!(
        b.behind.items_status(),
        [Status::SeriouslyBehind, Status::Behind]
    );
}

trait Statuses {
    fn items_status(&self) -> Vec<Status>;
}

impl Statuses for shishi_docs::Attachment {
    fn items_status(&self) -> Vec<Status> {
        self.groups
            .iter()
            .flat_map(|g| g.items.iter().filter_map(|i| i.status))
            .collect()
    }
}

#[test]
fn each_row_sets_the_approved_figure_against_the_planned_share_with_the_units_problems() {
    let b = september(&six_items());
    let item3 = &b.behind.groups[0].items[1];
    assert_eq!(item3.seq, 3);
    let beds = &item3.targets[0];
    assert_eq!(
        (
            beds.actual_text(),
            beds.planned_text(),
            beds.completion_text()
        ),
        ("60张".to_owned(), "75%".to_owned(), "60%".to_owned())
    );
    assert_eq!(beds.status, Status::Behind);
    // August's approved figure, marked as August's; the corrected September problems.
    let centre = &item3.targets[1];
    assert_eq!(centre.actual_text(), "完成72%（8月数）");
    assert_eq!(item3.problems, vec!["资金未到位", "设备未到货"]);

    let places = &b.on_schedule.groups[0].items[1];
    assert_eq!(places.targets[0].actual_text(), "7500个");
    assert_eq!(places.problems_text(), "—");

    let checkups = &b.on_schedule.groups[1].items[0];
    assert_eq!(checkups.problems, vec!["9月份进展未按时报送"]);
    assert_eq!(checkups.targets[0].actual_text(), "9万人（8月数）");

    let item4 = &b.behind.groups[0].items[0];
    assert_eq!(item4.lead_units, vec!["区民政局", "区卫生健康委"]);
}

#[test]
fn a_bulletin_dated_before_month_end_stands_as_of_its_own_date() {
    let f = six_items();
    let early = Issue {
        date: date!(2020 - 09 - 28),
        ..issue()
    };
    let b = compose(f.sources(), period(9), &early).unwrap();
    assert_eq!(b.as_of, date!(2020 - 09 - 28));
    assert!(b.overview.sentence.starts_with("截至2020年9月28日，"));
}

#[test]
fn a_period_outside_the_plan_year_a_date_before_the_period_or_no_number_is_refused() {
    let f = six_items();
    let next_year = Period::new(2021, 1).unwrap();
    assert!(matches!(
        compose(f.sources(), next_year, &issue()),
        Err(Error::PeriodOutsidePlan { .. })
    ));
    let too_early = Issue {
        date: date!(2020 - 08 - 31),
        ..issue()
    };
    assert!(matches!(
        compose(f.sources(), period(9), &too_early),
        Err(Error::DateBeforePeriod { .. })
    ));
    let unnumbered = Issue {
        doc_number: " ".into(),
        ..issue()
    };
    let err = compose(f.sources(), period(9), &unnumbered).unwrap_err();
    assert_eq!(err.to_string(), "文号不能为空");
}

// ---------------------------------------------------------------------------------------
// The .docx

fn unzip(bytes: &[u8]) -> Vec<(String, String)> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a valid zip");
    (0..zip.len())
        .map(|i| {
            let mut file = zip.by_index(i).unwrap();
            let mut text = String::new();
            file.read_to_string(&mut text).unwrap();
            (file.name().to_owned(), text)
        })
        .collect()
}

/// Parses `xml` to the end, failing on any malformed markup, and returns its text content.
fn parse(name: &str, xml: &str) -> String {
    let mut reader = Reader::from_str(xml);
    let mut text = String::new();
    loop {
        match reader.read_event() {
            Ok(Event::Eof) => break,
            Ok(Event::Text(t)) => text.push_str(&t.unescape().unwrap()),
            Ok(_) => {}
            Err(e) => panic!("{name} does not parse at {}: {e}", reader.buffer_position()),
        }
    }
    text
}

#[test]
fn the_docx_is_a_zip_of_well_formed_parts_with_the_number_page_size_margins_and_fonts() {
    let b = september(&six_items());
    let parts = unzip(&to_docx(&b).unwrap());
    let names: Vec<&str> = parts.iter().map(|(n, _)| n.as_str()).collect();
    for required in [
        "[Content_Types].xml",
        "_rels/.rels",
        "word/document.xml",
        "word/styles.xml",
        "word/settings.xml",
        "word/_rels/document.xml.rels",
        "word/footer1.xml",
        "docProps/core.xml",
        "docProps/app.xml",
    ] {
        assert!(
            names.contains(&required),
            "{required} missing from {names:?}"
        );
    }
    for (name, xml) in &parts {
        parse(name, xml);
    }
    let part = |n: &str| &parts.iter().find(|(name, _)| name == n).unwrap().1;
    let doc = part("word/document.xml");
    let text = parse("document", doc);
    assert!(text.contains("海督通〔2020〕9号"));
    assert!(text.contains("海州区人民政府督查室"));
    assert!(text.contains("截至2020年9月底，6件民生实事中，已完成1件"));
    assert!(text.contains("2020年10月10日"));
    // A4 portrait for the body, landscape for the attachments; GB/T 9704 margins.
    assert!(doc.contains(r#"<w:pgSz w:w="11906" w:h="16838"/>"#));
    assert!(doc.contains(r#"<w:pgSz w:w="16838" w:h="11906" w:orient="landscape"/>"#));
    assert!(doc.contains(r#"w:top="2098" w:right="1474" w:bottom="1984" w:left="1587""#));
    // 28.95 pt lines; red masthead and rule; repeated table headers.
    assert!(doc.contains(r#"w:line="579" w:lineRule="exact""#));
    assert!(doc.contains(r#"<w:color w:val="FF0000"/>"#));
    assert!(doc.contains(r#"w:color="FF0000""#));
    assert!(doc.contains("<w:tblHeader/>"));
    for font in [
        r#"w:eastAsia="方正小标宋简体""#,
        r#"w:eastAsia="仿宋_GB2312""#,
        r#"w:ascii="仿宋""#,
        r#"w:eastAsia="黑体""#,
        r#"w:eastAsia="楷体_GB2312""#,
    ] {
        assert!(doc.contains(font), "{font} not in document.xml");
    }
    let fonts = part("word/fontTable.xml");
    assert!(fonts.contains(r#"<w:font w:name="仿宋"><w:altName w:val="FangSong"/>"#));
    assert!(part("word/styles.xml").contains(r#"w:eastAsia="仿宋_GB2312""#));
    assert!(part("word/footer1.xml").contains("PAGE"));
    assert!(part("word/settings.xml").contains("<w:evenAndOddHeaders/>"));
    // A unit's words are text, never markup.
    assert!(!doc.contains("<script>"));
    assert!(text.contains("征地<script>alert(1)</script>受阻|待协调"));
}

#[test]
fn the_same_bulletin_gives_the_same_docx_bytes() {
    let b = september(&six_items());
    assert_eq!(to_docx(&b).unwrap(), to_docx(&b).unwrap());
}

// ---------------------------------------------------------------------------------------
// HTML and Markdown

#[test]
fn the_html_escapes_every_text_and_refers_to_nothing_outside() {
    let b = september(&six_items());
    let html = to_html(&b);
    assert!(!html.contains("<script"), "{html}");
    assert!(html.contains("征地&lt;script&gt;alert(1)&lt;/script&gt;受阻|待协调"));
    for outside in ["src=", "href=", "<link", "<style", "style=", "url("] {
        assert!(!html.contains(outside), "{outside} in the fragment");
    }
    assert!(html.contains("海督通〔2020〕9号"));
    assert!(html.contains("<th scope=\"col\">存在问题</th>"));
    assert!(html.contains("rowspan=\"2\""));
    assert!(html.contains("牵头单位：区民政局（2件）"));
}

#[test]
fn the_markdown_escapes_pipes_so_a_units_words_never_split_a_table_row() {
    let b = september(&six_items());
    let md = to_markdown(&b);
    assert!(
        md.contains(r"征地\<script\>alert(1)\</script\>受阻\|待协调"),
        "{md}"
    );
    assert!(md.contains(
        "| 序号 | 项目名称 | 目标任务 | 序时进度 | 实际完成 | 完成比例 | 推进状态 | 存在问题 |"
    ));
    assert!(md.contains("## 附件1 慢序时项目情况表"));
    // Every table row has as many cells as the header: 8 cells, 9 unescaped pipes.
    for row in md.lines().filter(|l| l.starts_with('|')) {
        let pipes = row.len() - row.replace('|', "").len();
        let escaped = row.matches(r"\|").count();
        assert_eq!(pipes - escaped, 9, "{row}");
    }
}

// ---------------------------------------------------------------------------------------
// LibreOffice: the document as a person sees it

/// A plan the size of a real one, so the attachment tables run over pages.
fn a_real_sized_plan() -> Fixture {
    let unit_names = [
        "区教育局",
        "区民政局",
        "区卫生健康委",
        "区住房城乡建设局",
        "区交通运输局",
        "区人力资源社会保障局",
    ];
    let titles = [
        ("新建、改扩建中小学和幼儿园", "新建中小学6所", 6.0, "所"),
        ("新增公办学位", "新增公办学位5000个", 5000.0, "个"),
        ("建设老年助餐点", "建设老年助餐点30个", 30.0, "个"),
        (
            "改造提升居家养老服务中心",
            "改造提升居家养老服务中心12家",
            12.0,
            "家",
        ),
        (
            "实施老年人免费健康体检",
            "为6.5万名老年人免费体检",
            6.5,
            "万人",
        ),
        ("建设社区卫生服务站", "新建社区卫生服务站8个", 8.0, "个"),
        ("改造老旧小区", "改造老旧小区42个", 42.0, "个"),
        ("加装既有住宅电梯", "加装电梯120部", 120.0, "部"),
        ("新辟和优化公交线路", "新辟优化公交线路10条", 10.0, "条"),
        ("新增公共停车泊位", "新增公共停车泊位3000个", 3000.0, "个"),
        ("开展职业技能培训", "开展职业技能培训2万人次", 2.0, "万人次"),
        ("新增城镇就业", "新增城镇就业1.2万人", 1.2, "万人"),
    ];
    let mut items = Vec::new();
    let mut targets = Vec::new();
    let mut reports = Vec::new();
    for n in 0..24i64 {
        let (title, text, total, unit_word) = titles[(n % 12) as usize];
        let id = n + 1;
        let lead = n % 6 + 1;
        items.push(item(id, title, &[lead]));
        let target = quantity(id * 10, id, text, total, unit_word);
        // Completion spread over every standing: done, ahead, on, behind, far behind.
        let share = [1.0, 0.8, 0.75, 0.55, 0.3, 0.72][(n % 6) as usize];
        let problems = match n % 6 {
            3 => "部分项目前期手续办理滞后，土地征收尚未完成，施工单位进场时间推迟。",
            4 => "资金未及时拨付到位，项目招投标延期，影响整体进度。",
            _ => "",
        };
        let through = if n % 7 == 5 { 8 } else { 9 };
        reports.extend(approved_through(
            &target,
            through,
            value(total * share),
            problems,
        ));
        targets.push(target);
        if n % 5 == 2 {
            let m = milestone(id * 10 + 1, id, "完成项目竣工验收并投入使用");
            reports.extend(approved_through(
                &m,
                9,
                percent(60.0),
                "配套设施建设进度偏慢",
            ));
            targets.push(m);
        }
    }
    Fixture {
        plan: plan(),
        units: unit_names
            .iter()
            .enumerate()
            .map(|(i, name)| unit(i as i64 + 1, name))
            .collect(),
        items,
        targets,
        reports,
    }
}

fn command_exists(name: &str) -> bool {
    Command::new("sh")
        .args(["-c", &format!("command -v {name}")])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

fn screenshots_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"));
    let dir = target.join("screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A fontconfig file for LibreOffice that stands free faces in for the government fonts
/// the document names, which no CI machine has: a bold Song for 方正小标宋, Song for 仿宋
/// and 宋体 (no free 仿宋 exists), Noto Sans for 黑体, AR PL UKai for 楷体. It changes only
/// how the test renders, never the document; without it LibreOffice picks the first CJK face
/// it finds (Noto Sans CJK JP), and every line looks like 黑体.
fn fonts_conf(dir: &Path) -> PathBuf {
    let stand_in = |names: &[&str], face: &str, bold: bool| {
        names
            .iter()
            .map(|name| {
                let weight = if bold {
                    r#"<edit name="weight" mode="assign" binding="strong"><const>bold</const></edit>"#
                } else {
                    ""
                };
                format!(
                    r#"<match target="pattern"><test name="family"><string>{name}</string></test><edit name="family" mode="prepend" binding="strong"><string>{face}</string></edit>{weight}</match>"#
                )
            })
            .collect::<String>()
    };
    let rules = [
        stand_in(&["方正小标宋简体", "华文中宋"], "Noto Serif CJK SC", true),
        stand_in(
            &["仿宋_GB2312", "仿宋", "FangSong", "宋体", "SimSun"],
            "Noto Serif CJK SC",
            false,
        ),
        stand_in(&["黑体", "SimHei"], "Noto Sans CJK SC", false),
        stand_in(&["楷体_GB2312", "楷体", "KaiTi"], "AR PL UKai CN", false),
    ]
    .concat();
    let conf = format!(
        r#"<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
<include ignore_missing="yes">/etc/fonts/fonts.conf</include>
{rules}
</fontconfig>
"#
    );
    let path = dir.join("fonts.conf");
    std::fs::write(&path, conf).unwrap();
    path
}

fn render_page(pdf: &Path, page: usize, to: &Path) {
    let prefix = to.with_extension("");
    let page = page.to_string();
    run(Command::new("pdftoppm")
        .args(["-png", "-r", "80", "-f", &page, "-l", &page, "-singlefile"])
        .arg(pdf)
        .arg(&prefix));
    assert!(to.exists(), "{} was not written", to.display());
}

#[test]
fn the_docx_converts_to_pdf_with_libreoffice_and_its_pages_are_saved_as_png() {
    for (tool, package) in [
        ("libreoffice", "libreoffice-writer-nogui"),
        ("pdfinfo", "poppler-utils"),
        ("pdftoppm", "poppler-utils"),
        ("pdftotext", "poppler-utils"),
    ] {
        assert!(
            command_exists(tool),
            "{tool} is not installed: apt-get install -y libreoffice-writer-nogui poppler-utils \
             fonts-noto-cjk fonts-arphic-ukai (scripts/test installs them; the package for {tool} is {package})"
        );
    }
    let f = a_real_sized_plan();
    let issue = Issue {
        recipients: "各镇人民政府、街道办事处，区各有关部门".into(),
        ..issue()
    };
    let b = compose(f.sources(), period(9), &issue).unwrap();
    assert!(b.behind.item_count() > 0 && b.on_schedule.item_count() > 0);

    let dir = tempfile::tempdir().unwrap();
    let docx = dir.path().join("bulletin.docx");
    std::fs::write(&docx, to_docx(&b).unwrap()).unwrap();
    // A profile of its own, so a LibreOffice already running elsewhere is not asked instead.
    let profile = format!(
        "-env:UserInstallation=file://{}/profile",
        dir.path().display()
    );
    run(Command::new("libreoffice")
        .env("FONTCONFIG_FILE", fonts_conf(dir.path()))
        .arg(&profile)
        .args(["--headless", "--convert-to", "pdf", "--outdir"])
        .arg(dir.path())
        .arg(&docx));
    let pdf = dir.path().join("bulletin.pdf");
    assert!(pdf.exists(), "LibreOffice wrote no PDF");

    let info = run(Command::new("pdfinfo").arg(&pdf));
    let pages: usize = info
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .map(|n| n.trim().parse().unwrap())
        .expect("pdfinfo gives the page count");
    assert!(pages >= 2, "only {pages} page(s):\n{info}");
    let size = info
        .lines()
        .find(|l| l.starts_with("Page size:"))
        .unwrap_or_default();
    assert!(size.contains("(A4)"), "not A4: {size}");

    // The first page with "附件1" alone on a line is where the attachments begin.
    let text_of = |page: usize| {
        let page = page.to_string();
        run(Command::new("pdftotext")
            .args(["-layout", "-f", &page, "-l", &page])
            .arg(&pdf)
            .arg("-"))
    };
    let shots = screenshots_dir();
    render_page(&pdf, 1, &shots.join("bulletin-page1.png"));
    // The whole PDF beside the pictures, for a person to page through.
    std::fs::copy(&pdf, shots.join("bulletin.pdf")).unwrap();
    // pdftotext spaces Latin from Chinese ("9 号"); compare without spaces.
    let first = text_of(1).replace(' ', "");
    for words in [
        "海州区人民政府督查室",
        "海督通〔2020〕9号",
        "民生实事项目",
        "推进情况的通报",
    ] {
        assert!(first.contains(words), "page 1 lacks {words}:\n{first}");
    }
    let attachment = (2..=pages)
        .find(|p| text_of(*p).lines().any(|l| l.replace(' ', "") == "附件1"))
        .expect("a page beginning 附件1");
    assert!(text_of(attachment).contains("序时进度"));

    render_page(&pdf, attachment, &shots.join("bulletin-attachment1.png"));
    // The page after the first attachment page shows whether the header row repeats.
    if attachment < pages {
        let next = text_of(attachment + 1);
        if !next.contains("附件2") {
            assert!(
                next.contains("序时进度"),
                "the table header does not repeat:\n{next}"
            );
        }
    }
}
