//! The assessment workbook: exported, read back with calamine, its figures checked against
//! the scores it was made from.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use calamine::{open_workbook_from_rs, Data, Reader, Xlsx};
use shishi_core::{
    Assessment, AssessmentWeights, OrderId, Part, Period, ReportId, ScoreLine, Source, UnitId,
    UnitScore,
};
use shishi_docs::assessment::{
    to_xlsx, DETAIL_HEADERS, DETAIL_SHEET, RANKING_HEADERS, RANKING_SHEET,
};
use std::io::Cursor;
use time::macros::date;

fn line(part: Part, points: f64, max: f64, explanation: &str, sources: Vec<Source>) -> ScoreLine {
    ScoreLine {
        part,
        points,
        max,
        explanation: explanation.into(),
        sources,
    }
}

fn assessment() -> Assessment {
    let december = Period::parse("2020-12").unwrap();
    let first = UnitScore {
        unit: UnitId::new(2),
        name: "区卫健委".into(),
        rank: 1,
        targets: 1,
        lines: vec![
            line(
                Part::Completion,
                50.0,
                50.0,
                "目标完成",
                vec![Source::Report {
                    report: ReportId::new(8),
                    period: december,
                }],
            ),
            line(Part::Timeliness, 20.0, 20.0, "按时", vec![]),
            line(Part::Quality, 15.0, 15.0, "无退回", vec![]),
            line(
                Part::Satisfaction,
                13.5,
                15.0,
                "满意率90.0%",
                vec![Source::Survey {
                    survey: "2020年度测评".into(),
                }],
            ),
        ],
    };
    let second = UnitScore {
        unit: UnitId::new(1),
        name: "区教育局".into(),
        rank: 2,
        targets: 3,
        lines: vec![
            line(Part::Completion, 45.098_039, 58.823_529, "三个目标", vec![]),
            line(Part::Timeliness, 23.529_412, 23.529_412, "应报9期", vec![]),
            line(
                Part::Timeliness,
                -2.614_379,
                0.0,
                "逾期3天",
                vec![Source::Report {
                    report: ReportId::new(3),
                    period: december,
                }],
            ),
            line(Part::Quality, 17.647_059, 17.647_059, "报送8份", vec![]),
            line(
                Part::Quality,
                -2.205_882,
                0.0,
                "第1版被退回",
                vec![Source::Return {
                    report: ReportId::new(2),
                    period: Period::parse("2020-11").unwrap(),
                    revision: 1,
                }],
            ),
            line(Part::Satisfaction, 0.0, 0.0, "没有测评结果", vec![]),
            line(
                Part::Penalty,
                -2.0,
                0.0,
                "扣分2.00分：督办单逾期未办结",
                vec![Source::Order {
                    order: OrderId::new(7),
                }],
            ),
        ],
    };
    Assessment {
        as_of: date!(2020 - 12 - 31),
        weights: AssessmentWeights::default(),
        units: vec![first, second],
    }
}

fn sheet(bytes: &[u8], name: &str) -> Vec<Vec<Data>> {
    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes.to_vec())).unwrap();
    let range = book.worksheet_range(name).unwrap();
    range.rows().map(<[Data]>::to_vec).collect()
}

fn text(cell: &Data) -> String {
    match cell {
        Data::String(s) => s.clone(),
        other => panic!("not text: {other:?}"),
    }
}

fn number(cell: &Data) -> f64 {
    match cell {
        Data::Float(f) => *f,
        Data::Int(i) => *i as f64,
        other => panic!("not a number: {other:?}"),
    }
}

#[test]
fn the_ranked_table_reads_back_with_each_parts_points_and_the_total() {
    let bytes = to_xlsx("海州区2020年民生实事", &assessment()).unwrap();
    let rows = sheet(&bytes, RANKING_SHEET);
    assert!(text(&rows[0][0]).contains("海州区2020年民生实事年终考核（截至2020年12月31日）"));
    let headers: Vec<String> = rows[1].iter().map(text).collect();
    assert_eq!(headers, RANKING_HEADERS);

    assert_eq!(number(&rows[2][0]), 1.0);
    assert_eq!(text(&rows[2][1]), "区卫健委");
    assert_eq!(number(&rows[2][5]), 13.5);
    assert_eq!(number(&rows[2][7]), 98.5);

    assert_eq!(number(&rows[3][0]), 2.0);
    assert_eq!(text(&rows[3][1]), "区教育局");
    assert_eq!(number(&rows[3][2]), 45.1);
    assert_eq!(number(&rows[3][3]), 20.92);
    assert_eq!(number(&rows[3][4]), 15.44);
    assert_eq!(text(&rows[3][5]), "—", "no survey result: shown as a dash");
    assert_eq!(number(&rows[3][6]), -2.0);
    assert_eq!(number(&rows[3][7]), 79.45);
    let rules = rows.iter().flatten().find_map(|c| match c {
        Data::String(s) if s.starts_with("权重") => Some(s.clone()),
        _ => None,
    });
    assert!(rules.unwrap().contains("目标完成50分"));
}

#[test]
fn the_detail_sheet_lists_every_line_with_its_explanation_and_sources() {
    let bytes = to_xlsx("海州区2020年民生实事", &assessment()).unwrap();
    let rows = sheet(&bytes, DETAIL_SHEET);
    let headers: Vec<String> = rows[1].iter().map(text).collect();
    assert_eq!(headers, DETAIL_HEADERS);
    // 4 lines + total, then 7 lines + total.
    assert_eq!(rows.len(), 2 + 5 + 8);
    assert_eq!(text(&rows[2][2]), "目标完成");
    assert_eq!(text(&rows[2][6]), "2020-12 月报（报告8）");
    assert_eq!(text(&rows[6][2]), "合计");
    assert_eq!(number(&rows[6][3]), 98.5);
    let penalty = &rows[13];
    assert_eq!(text(&penalty[1]), "区教育局");
    assert_eq!(text(&penalty[2]), "扣分");
    assert_eq!(number(&penalty[3]), -2.0);
    assert_eq!(text(&penalty[5]), "扣分2.00分：督办单逾期未办结");
    assert_eq!(text(&penalty[6]), "督办单7");
    let returned = &rows[11];
    assert_eq!(text(&returned[6]), "2020-11 月报第1版退回（报告2）");
    assert_eq!(number(&returned[3]), -2.21);
    assert_eq!(number(&rows[14][3]), 79.45);
}
