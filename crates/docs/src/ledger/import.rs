//! Reading a filled-in ledger back: every row checked, good rows returned as report content
//! keyed by target and month, bad rows named by the row number a person sees and a reason.

use super::{
    header, LedgerError, COLUMNS, FILL_FUNDS, FILL_NEXT, FILL_PERIOD, FILL_PROBLEMS, FILL_PROGRESS,
    FILL_VALUE, KIND, KIND_PERCENT, KIND_VALUE, PLAN_ID_NAME, REQUIRED_ON_IMPORT, SHEET, TARGET_ID,
    UNIT,
};
use calamine::{open_workbook_from_rs, Data, Range, Reader, Xlsx};
use serde::Serialize;
use shishi_core::{Actual, Percent, Period, PlanId, ReportContent, ReportValue, TargetId};
use std::collections::{BTreeMap, HashMap};
use std::io::Cursor;

/// The largest ledger file read. A plan's ledger is tens of kilobytes; the limit keeps a
/// stray upload (a video, a compressed bomb) from being unpacked into memory.
pub const MAX_LEDGER_BYTES: usize = 20 * 1024 * 1024;

/// How far down the sheet the header row is looked for: the title and group rows sit above
/// it, and an office may add a line or two of its own.
const HEADER_SEARCH_ROWS: u32 = 20;

/// What a ledger file held: good rows, bad rows with reasons, and rows left blank. Every
/// row of the sheet with anything in it is in exactly one of the three lists.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LedgerImport {
    /// The plan the file was exported for, when the file still says so; check it against
    /// the plan being imported into.
    pub plan: Option<PlanId>,
    /// Rows to become reports, in sheet order.
    pub rows: Vec<LedgerRow>,
    /// Rows with a fill-in that cannot be taken, in sheet order, one entry per row.
    pub errors: Vec<RowError>,
    /// Rows with nothing filled in (the row numbers a person sees): not reported this time.
    pub skipped_blank: Vec<u32>,
}

/// One good row: a report's content for one target and one month.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LedgerRow {
    /// The row number a person sees in the spreadsheet (1 is the first row).
    pub row: u32,
    /// From the hidden 目标编号 column, as the export wrote it. Whether the target exists
    /// and belongs to the importing user's unit is for the caller to check.
    pub target: TargetId,
    pub period: Period,
    /// The figure is a value for rows marked 数量 and a percent for rows marked 百分比;
    /// `Report::new` checks it against the target's measure as it is now.
    pub content: ReportContent,
}

/// Why one row was not taken.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowError {
    /// The row number a person sees in the spreadsheet.
    pub row: u32,
    /// In Chinese, naming the column, every problem of the row at once so one pass of
    /// corrections is enough.
    pub reason: String,
}

/// Reads a ledger exported by [`super::export`] and filled in. The same bytes always give
/// the same result.
pub fn import(bytes: &[u8]) -> Result<LedgerImport, LedgerError> {
    if bytes.len() > MAX_LEDGER_BYTES {
        return Err(LedgerError::TooLarge {
            size: bytes.len(),
            max: MAX_LEDGER_BYTES,
        });
    }
    let mut book: Xlsx<_> =
        open_workbook_from_rs(Cursor::new(bytes)).map_err(LedgerError::NotXlsx)?;
    let plan = book
        .defined_names()
        .iter()
        .find(|(name, _)| name == PLAN_ID_NAME)
        .and_then(|(_, formula)| formula.trim().trim_start_matches('=').parse::<i64>().ok())
        .map(PlanId::new);

    // The ledger sheet first, then the others in case the sheet was renamed.
    let mut names = book.sheet_names();
    names.sort_by_key(|n| n != SHEET);
    let mut best: Option<(Range<Data>, Header)> = None;
    for name in names {
        let range = book.worksheet_range(&name).map_err(LedgerError::NotXlsx)?;
        if let Some(found) = find_header(&range) {
            let better = best
                .as_ref()
                .is_none_or(|(_, b)| found.columns.len() > b.columns.len());
            if better {
                best = Some((range, found));
            }
            if best.as_ref().is_some_and(|(_, b)| b.missing().is_empty()) {
                break;
            }
        }
    }
    let Some((range, head)) = best else {
        return Err(LedgerError::NotTemplate(format!(
            "找不到台账的表头（应有“{}”“{}”“{}”等列）",
            header(FILL_PERIOD),
            header(FILL_VALUE),
            header(TARGET_ID)
        )));
    };
    let missing = head.missing();
    if !missing.is_empty() {
        let list: Vec<String> = missing.iter().map(|h| format!("“{h}”")).collect();
        return Err(LedgerError::NotTemplate(format!(
            "表头缺少{}列",
            list.join("")
        )));
    }
    Ok(read_rows(&range, &head, plan))
}

/// The header row and where each known column is in it.
#[derive(Debug)]
struct Header {
    row: u32,
    columns: HashMap<u16, u32>,
}

impl Header {
    fn missing(&self) -> Vec<&'static str> {
        REQUIRED_ON_IMPORT
            .iter()
            .filter(|c| !self.columns.contains_key(c))
            .map(|&c| header(c))
            .collect()
    }

    fn cell<'a>(&self, range: &'a Range<Data>, row: u32, column: u16) -> &'a Data {
        self.columns
            .get(&column)
            .and_then(|&col| range.get_value((row, col)))
            .unwrap_or(&Data::Empty)
    }
}

/// The first row near the top that names at least three of the template's columns; a
/// sheet with fewer is some other sheet (the notes, a summary) and not the ledger.
fn find_header(range: &Range<Data>) -> Option<Header> {
    let (start, end) = (range.start()?, range.end()?);
    let last = end.0.min(start.0.saturating_add(HEADER_SEARCH_ROWS));
    for row in start.0..=last {
        let mut columns = HashMap::new();
        for col in start.1..=end.1 {
            let Some(Data::String(text)) = range.get_value((row, col)) else {
                continue;
            };
            let text = squeeze(text);
            if let Some(i) = (0u16..)
                .zip(COLUMNS.iter())
                .find_map(|(i, c)| (c.header == text).then_some(i))
            {
                // The first of two equal headers wins, as a person reading left to right
                // would take it.
                columns.entry(i).or_insert(col);
            }
        }
        let known = REQUIRED_ON_IMPORT
            .iter()
            .filter(|c| columns.contains_key(c))
            .count();
        if known >= 3 {
            return Some(Header { row, columns });
        }
    }
    None
}

/// A row read but not yet checked against the other rows.
struct Candidate {
    row: u32,
    target: TargetId,
    period: Period,
    content: ReportContent,
}

fn read_rows(range: &Range<Data>, head: &Header, plan: Option<PlanId>) -> LedgerImport {
    let mut errors = Vec::new();
    let mut skipped_blank = Vec::new();
    let mut candidates = Vec::new();
    let (Some(start), Some(end)) = (range.start(), range.end()) else {
        return LedgerImport {
            plan,
            rows: Vec::new(),
            errors,
            skipped_blank,
        };
    };
    for row in head.row + 1..=end.0 {
        let anything =
            (start.1..=end.1).any(|col| range.get_value((row, col)).is_some_and(|d| !is_blank(d)));
        if !anything {
            // An empty line (between blocks, or formatting Excel kept): nothing to drop.
            continue;
        }
        // The row number a person sees counts from 1.
        let seen = row + 1;
        let filled = [
            FILL_VALUE,
            FILL_PROGRESS,
            FILL_PROBLEMS,
            FILL_NEXT,
            FILL_FUNDS,
        ]
        .iter()
        .any(|&c| !is_blank(head.cell(range, row, c)));
        if !filled {
            skipped_blank.push(seen);
            continue;
        }
        match read_row(range, head, row) {
            Ok((target, period, content)) => candidates.push(Candidate {
                row: seen,
                target,
                period,
                content,
            }),
            Err(reasons) => errors.push(RowError {
                row: seen,
                reason: reasons.join("；"),
            }),
        }
    }

    // Two rows for one target and month: which one the unit meant cannot be told, so
    // neither is taken and both are named.
    let mut seen_rows: BTreeMap<(TargetId, Period), Vec<u32>> = BTreeMap::new();
    for c in &candidates {
        seen_rows
            .entry((c.target, c.period))
            .or_default()
            .push(c.row);
    }
    let mut rows = Vec::with_capacity(candidates.len());
    for c in candidates {
        let same = seen_rows
            .get(&(c.target, c.period))
            .map_or(&[][..], Vec::as_slice);
        if same.len() > 1 {
            let others: Vec<String> = same
                .iter()
                .filter(|&&r| r != c.row)
                .map(u32::to_string)
                .collect();
            errors.push(RowError {
                row: c.row,
                reason: format!(
                    "与第{}行重复：同一目标（编号 {}）同一月份（{}）只能填一行，请删去多余的行",
                    others.join("、"),
                    c.target,
                    c.period
                ),
            });
        } else {
            rows.push(LedgerRow {
                row: c.row,
                target: c.target,
                period: c.period,
                content: c.content,
            });
        }
    }
    errors.sort_by_key(|e| e.row);
    LedgerImport {
        plan,
        rows,
        errors,
        skipped_blank,
    }
}

/// How a row's figure is read, from the hidden 填报方式 column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Value,
    Percent,
}

/// One row with a fill-in: its key and content, or every problem found in it.
fn read_row(
    range: &Range<Data>,
    head: &Header,
    row: u32,
) -> Result<(TargetId, Period, ReportContent), Vec<String>> {
    let mut reasons = Vec::new();
    let cell = |c: u16| head.cell(range, row, c);

    let target = target_id(cell(TARGET_ID));
    if target.is_none() {
        reasons.push(format!(
            "“{}”列为空或被改动，无法确定本行是哪个目标（请在导出的台账原行中填写，不要新增行或改动隐藏列）",
            header(TARGET_ID)
        ));
    }
    let kind = match text(cell(KIND)).ok().flatten().as_deref() {
        Some(KIND_VALUE) => Some(Kind::Value),
        Some(KIND_PERCENT) => Some(Kind::Percent),
        _ => {
            reasons.push(format!(
                "隐藏的“{}”列被改动（应为“{KIND_VALUE}”或“{KIND_PERCENT}”）",
                header(KIND)
            ));
            None
        }
    };

    let period = match cell(FILL_PERIOD) {
        d if is_blank(d) => {
            reasons.push(format!(
                "“{}”未填写（写成 2020-06 的形式）",
                header(FILL_PERIOD)
            ));
            None
        }
        d => {
            let period = read_period(d);
            if period.is_none() {
                let shown = text(d).ok().flatten().unwrap_or_default();
                reasons.push(format!(
                    "“{}”中的“{shown}”不是有效的月份（写成 2020-06 的形式）",
                    header(FILL_PERIOD)
                ));
            }
            period
        }
    };

    let unit = text(cell(UNIT)).ok().flatten().unwrap_or_default();
    let actual = match read_figure(cell(FILL_VALUE), kind, &unit) {
        Ok(actual) => actual,
        Err(reason) => {
            reasons.push(reason);
            None
        }
    };

    let mut read_text = |c: u16| match text(cell(c)) {
        Ok(t) => t,
        Err(error) => {
            reasons.push(format!("“{}”是公式错误（{error}），请改填文字", header(c)));
            None
        }
    };
    let progress = read_text(FILL_PROGRESS);
    let problems = read_text(FILL_PROBLEMS);
    let next_steps = read_text(FILL_NEXT);
    let funds = read_text(FILL_FUNDS);
    // A formula error there has its reason already.
    if progress.is_none() && text(cell(FILL_PROGRESS)).is_ok() {
        reasons.push(format!("“{}”未填写", header(FILL_PROGRESS)));
    }

    match (target, period, actual, progress) {
        (Some(target), Some(period), Some(actual), Some(progress)) if reasons.is_empty() => Ok((
            target,
            period,
            ReportContent {
                actual,
                progress,
                problems: problems.unwrap_or_default(),
                next_steps: next_steps.unwrap_or_default(),
                funds,
            },
        )),
        _ => Err(reasons),
    }
}

/// The target id the export wrote: a positive whole number, however the cell now holds it.
fn target_id(cell: &Data) -> Option<TargetId> {
    let id = match cell {
        Data::Int(i) => *i,
        // Whole and within the range a double holds exactly.
        Data::Float(f) if f.fract() == 0.0 && *f > 0.0 && *f < 9.0e15 => *f as i64,
        Data::String(s) => s.trim().parse().ok()?,
        _ => return None,
    };
    (id > 0).then(|| TargetId::new(id))
}

/// A month as people write it in a sheet: 2020-06, 2020-6, 2020/06, 2020.06, 2020年6月,
/// 202006, a date within the month (2020-06-30), or a date cell Excel made of any of them.
/// A bare number is refused: 2020.1 could be January or October.
fn read_period(cell: &Data) -> Option<Period> {
    match cell {
        Data::DateTime(dt) if dt.is_datetime() => {
            let (year, month, ..) = dt.to_ymd_hms_milli();
            Period::new(i32::from(year), month).ok()
        }
        Data::String(s) | Data::DateTimeIso(s) => period_from_text(s),
        _ => None,
    }
}

fn period_from_text(input: &str) -> Option<Period> {
    let s: String = halfwidth(input)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let s = s.strip_suffix('日').unwrap_or(&s);
    let s = s.strip_suffix('月').unwrap_or(s);
    let parts: Vec<&str> = s.split(['-', '/', '.', '年', '月']).collect();
    let digits = |p: &str, lens: &[usize]| {
        (lens.contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()))
            .then(|| p.parse::<u32>().ok())
            .flatten()
    };
    let (year, month) = match parts.as_slice() {
        [whole] if whole.len() == 6 => (digits(&whole[..4], &[4])?, digits(&whole[4..], &[2])?),
        [y, m] => (digits(y, &[4])?, digits(m, &[1, 2])?),
        // A date: the day only has to look like one; the month is what counts.
        [y, m, d] if digits(d, &[1, 2]).is_some_and(|d| (1..=31).contains(&d)) => {
            (digits(y, &[4])?, digits(m, &[1, 2])?)
        }
        _ => return None,
    };
    Period::new(i32::try_from(year).ok()?, u8::try_from(month).ok()?).ok()
}

/// The row's figure as the kind of number its target is reported in. `Ok(None)` when the
/// kind is unknown: that row already has its reason.
fn read_figure(cell: &Data, kind: Option<Kind>, unit: &str) -> Result<Option<Actual>, String> {
    let column = header(FILL_VALUE);
    let unreadable = |shown: &str| {
        format!("“{column}”中的“{shown}”无法读成数字（可写 1200、1.2万、六千、3,500）")
    };
    let (value, marked_percent) = match cell {
        d if is_blank(d) => return Err(format!("“{column}”未填写")),
        Data::Int(i) => (*i as f64, false),
        Data::Float(f) => (*f, false),
        Data::String(s) => {
            let (value, marked) = number_from_text(s, unit).ok_or_else(|| unreadable(s.trim()))?;
            (value, marked)
        }
        Data::Error(e) => return Err(format!("“{column}”是公式错误（{e}），请改填数字")),
        other => {
            let shown = text(other).ok().flatten().unwrap_or_default();
            return Err(unreadable(&shown));
        }
    };
    match kind {
        None => Ok(None),
        Some(Kind::Value) => {
            if marked_percent && unit != "%" {
                return Err(format!(
                    "“{column}”填了百分比，但本目标按数量填报（单位：{unit}），请填写截至填报月份的累计完成数"
                ));
            }
            ReportValue::new(value)
                .map(|v| Some(Actual::Value(v)))
                .map_err(|_| format!("“{column}”不能是负数"))
        }
        Some(Kind::Percent) => Percent::new(value)
            .map(|p| Some(Actual::Percent(p)))
            .map_err(|_| format!("“{column}”是完成百分比，应在 0 到 100 之间")),
    }
}

/// A typed amount through the notice reader's numbers (1.2万, 六千, 85%), after dropping
/// the row's own unit written after it (1200户) and thousands separators (3,500), which
/// people type and the reader does not take. Also says whether it was written as a percent.
fn number_from_text(input: &str, unit: &str) -> Option<(f64, bool)> {
    let s: String = halfwidth(input)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let chars: Vec<char> = s.chars().collect();
    let mut cleaned = String::with_capacity(s.len());
    for (i, c) in chars.iter().enumerate() {
        let between_digits = i > 0
            && chars[i - 1].is_ascii_digit()
            && chars.get(i + 1).is_some_and(char::is_ascii_digit);
        if matches!(c, ',' | '，' | '、') && between_digits {
            continue;
        }
        cleaned.push(*c);
    }
    let unit = halfwidth(unit.trim());
    let bare = if unit.is_empty() || unit == "%" {
        cleaned.as_str()
    } else {
        cleaned.strip_suffix(unit.as_str()).unwrap_or(&cleaned)
    };
    let marked = bare.ends_with('%') || bare.starts_with("百分之");
    shishi_plan::numbers::parse_number(bare).map(|v| (v, marked))
}

/// A cell as text: `Ok(None)` when blank, `Err` with the spreadsheet's error code (#N/A)
/// for a formula error, which is no one's words.
fn text(cell: &Data) -> Result<Option<String>, String> {
    let s = match cell {
        Data::Empty => return Ok(None),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.trim().to_owned(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => if *b { "是" } else { "否" }.to_owned(),
        Data::DateTime(dt) => {
            let (y, m, d, ..) = dt.to_ymd_hms_milli();
            format!("{y:04}-{m:02}-{d:02}")
        }
        Data::Error(e) => return Err(e.to_string()),
    };
    Ok((!s.is_empty()).then_some(s))
}

fn is_blank(cell: &Data) -> bool {
    matches!(text(cell), Ok(None))
}

/// Full-width letters, digits and signs made half-width (２０２０－０６, ８５％), as typed
/// with a Chinese input method.
fn halfwidth(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            _ => c,
        })
        .collect()
}

/// A header as written, without the spaces and line breaks a person may have added.
fn squeeze(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Option<String> {
        period_from_text(s).map(|p| p.to_string())
    }

    #[test]
    fn months_are_read_in_the_forms_people_write_them() {
        for s in [
            "2020-06",
            "2020-6",
            "2020/06",
            "2020.6",
            "2020年6月",
            "2020年06月",
            "202006",
            "2020-06-30",
            " ２０２０－０６ ",
        ] {
            assert_eq!(p(s).as_deref(), Some("2020-06"), "{s}");
        }
        for s in [
            "2020-13",
            "20-06",
            "六月",
            "2020",
            "2020-06-45",
            "2020年6月份",
        ] {
            assert_eq!(p(s), None, "{s}");
        }
    }

    #[test]
    fn amounts_are_read_with_chinese_numerals_separators_and_the_rows_unit() {
        let n = |s: &str, unit: &str| number_from_text(s, unit).map(|(v, _)| v);
        assert_eq!(n("1.2万", "户"), Some(12000.0));
        assert_eq!(n("六千", "户"), Some(6000.0));
        assert_eq!(n("3,500", "户"), Some(3500.0));
        assert_eq!(n("3，500户", "户"), Some(3500.0));
        assert_eq!(n("1200万元", "万元"), Some(1200.0));
        assert_eq!(number_from_text("85%", "%"), Some((85.0, true)));
        assert_eq!(number_from_text("８５％", ""), Some((85.0, true)));
        assert_eq!(n("约一千", "户"), None);
        assert_eq!(n("已完成", "户"), None);
    }
}
