//! The notice's metadata: the header block government sites put above a notice
//! (索引号, 发布机构, 发文日期, 标题, 文号) and the document's own title, 文号 line,
//! signature and date.

use super::text::{digit_value, is_colon, squeeze, trim_punct};
use crate::lines::CELL_SEPARATOR;
use crate::model::Meta;
use crate::numbers::parse_number;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    IndexNo,
    Publisher,
    Date,
    Title,
    DocNumber,
    /// A header key whose value we do not keep (分类, 主题词); still a key, so it is not
    /// taken for the value of the key before it.
    Ignored,
}

const KEYS: &[(&str, Field)] = &[
    ("索引号", Field::IndexNo),
    ("发布机构", Field::Publisher),
    ("发文机关", Field::Publisher),
    ("发文单位", Field::Publisher),
    ("发布单位", Field::Publisher),
    ("发文日期", Field::Date),
    ("成文日期", Field::Date),
    ("印发日期", Field::Date),
    ("标题", Field::Title),
    ("名称", Field::Title),
    ("文件名称", Field::Title),
    ("文号", Field::DocNumber),
    ("发文字号", Field::DocNumber),
    ("文件编号", Field::DocNumber),
    ("分类", Field::Ignored),
    ("主题分类", Field::Ignored),
    ("主题词", Field::Ignored),
    ("关键词", Field::Ignored),
    ("发布时间", Field::Ignored),
    ("统一编号", Field::Ignored),
    ("登记号", Field::Ignored),
    ("内容概述", Field::Ignored),
    ("时效", Field::Ignored),
    ("有效性", Field::Ignored),
    ("发布日期", Field::Ignored),
    ("公开方式", Field::Ignored),
    ("体裁分类", Field::Ignored),
    ("组配分类", Field::Ignored),
    ("生成日期", Field::Ignored),
];

fn key_of(cell: &str) -> Option<Field> {
    let key = squeeze(cell);
    let key = key.trim_end_matches(is_colon);
    KEYS.iter()
        .find(|(name, _)| *name == key)
        .map(|&(_, field)| field)
}

/// Values found in the header block.
#[derive(Debug, Default)]
struct Header {
    index_no: Option<String>,
    publisher: Option<String>,
    date: Option<String>,
    title: Option<String>,
    doc_number: Option<String>,
    /// 发布日期 of the page, used only when the notice gives no date of its own.
    published: Option<String>,
}

fn read_header(lines: &[String]) -> Header {
    let mut header = Header::default();
    for line in lines {
        for (field, value) in key_values(line) {
            let value = value.trim();
            if value.is_empty() {
                continue;
            }
            let slot = match field {
                Field::IndexNo => &mut header.index_no,
                Field::Publisher => &mut header.publisher,
                Field::Date => &mut header.date,
                Field::Title => &mut header.title,
                Field::DocNumber => &mut header.doc_number,
                Field::Ignored => continue,
            };
            if slot.is_none() {
                *slot = Some(value.to_string());
            }
        }
        if header.published.is_none() && squeeze(line).starts_with("发布日期") {
            header.published = find_date(line);
        }
    }
    header
}

/// Reads `key | value | key | value` cells and `key：value` pairs from one line.
fn key_values(line: &str) -> Vec<(Field, String)> {
    let mut out = Vec::new();
    let cells: Vec<&str> = line.split('|').map(str::trim).collect();
    if cells.len() > 1 {
        let mut i = 0;
        while i < cells.len() {
            if let Some(field) = key_of(cells[i]) {
                let value = cells.get(i + 1).copied().unwrap_or("");
                if key_of(value).is_some() {
                    i += 1;
                    continue;
                }
                out.push((field, value.to_string()));
                i += 2;
                continue;
            }
            out.extend(colon_pairs(cells[i]));
            i += 1;
        }
        return out;
    }
    colon_pairs(line)
}

/// `索 引 号：0142/2020-1 主题分类：…` — pairs written with colons in running text.
fn colon_pairs(text: &str) -> Vec<(Field, String)> {
    let mut found: Vec<(usize, usize, Field)> = Vec::new();
    for (i, c) in text.char_indices() {
        if is_colon(c) {
            if let Some((key_start, field)) = key_before(&text[..i]) {
                found.push((key_start, i + c.len_utf8(), field));
            }
        }
    }
    let mut out = Vec::new();
    for (n, &(_, value_start, field)) in found.iter().enumerate() {
        let value_end = found.get(n + 1).map_or(text.len(), |next| next.0);
        out.push((field, text[value_start..value_end].trim().to_string()));
    }
    out
}

/// The longest header key that ends `before`, read backwards over the spaces some sites
/// put between its characters (索 引 号).
fn key_before(before: &str) -> Option<(usize, Field)> {
    let mut key = String::new();
    let mut best = None;
    for (i, c) in before.char_indices().rev() {
        if c.is_whitespace() {
            if key.is_empty() {
                continue;
            }
            // Spaces inside a key only ever separate its Han characters.
            let next_is_han = before[..i]
                .chars()
                .next_back()
                .is_some_and(super::text::is_han);
            if next_is_han {
                continue;
            }
            break;
        }
        key.insert(0, c);
        if key.chars().count() > 6 {
            break;
        }
        if let Some(field) = key_of(&key) {
            best = Some((i, field));
        }
    }
    best
}

/// Reads the metadata. `list_start` is the line where the items begin: the notice's own
/// title and 文号 stand above it.
pub fn read_meta(lines: &[String], list_start: usize) -> Meta {
    let header = read_header(&lines[..list_start.min(lines.len())]);
    let head = &lines[..list_start.min(lines.len())];
    let title = header
        .title
        .clone()
        .or_else(|| find_title(head))
        .or_else(|| find_title(lines));
    let doc_number = header
        .doc_number
        .clone()
        .or_else(|| head.iter().find_map(|l| find_doc_number(l)))
        .or_else(|| lines.iter().find_map(|l| find_doc_number(l)));
    let signature = find_signature(lines);
    let issuer = signature
        .as_ref()
        .map(|(name, _)| name.clone())
        .or_else(|| header.publisher.clone());
    let date = header
        .date
        .as_deref()
        .and_then(find_date)
        .or_else(|| signature.as_ref().map(|(_, date)| date.clone()))
        .or_else(|| find_printed_date(lines))
        .or(header.published);
    let year = title
        .as_deref()
        .and_then(find_year)
        .or_else(|| head.iter().rev().find_map(|l| plan_heading_year(l)))
        .or_else(|| doc_number.as_deref().and_then(doc_number_year))
        .or_else(|| date.as_deref().and_then(|d| d.get(..4)?.parse().ok()));
    Meta {
        title,
        issuer,
        doc_number,
        index_no: header.index_no,
        date,
        year,
    }
}

/// Words a notice's title ends with.
const TITLE_ENDINGS: &[&str] = &[
    "通知", "方案", "意见", "决定", "公告", "通报", "清单", "计划", "安排", "项目", "函", "表",
    "目录",
];

fn find_title(lines: &[String]) -> Option<String> {
    let candidates: Vec<usize> = (0..lines.len())
        .filter(|&i| {
            let line = trim_punct(&lines[i]);
            let len = line.chars().count();
            (6..=80).contains(&len)
                && !line.contains(CELL_SEPARATOR.trim())
                && !line.contains('。')
                && TITLE_ENDINGS.iter().any(|e| line.ends_with(e))
        })
        .collect();
    let has = |i: &&usize, word: &str| lines[**i].contains(word);
    // The notice's own title (关于印发…的通知) before the title of its attachment.
    let chosen = candidates
        .iter()
        .find(|i| has(i, "关于") && has(i, "实事"))
        .or_else(|| candidates.iter().find(|i| has(i, "关于")))
        .or_else(|| candidates.iter().find(|i| has(i, "实事")))?;
    let title = trim_punct(&lines[*chosen]);
    // A title printed over two lines: 青石区人民政府 / 关于印发…的通知.
    let issuer_line = chosen
        .checked_sub(1)
        .and_then(|i| signer_name(&lines[i]))
        .filter(|_| title.starts_with("关于"));
    Some(match issuer_line {
        Some(issuer) => format!("{issuer}{title}"),
        None => title.to_string(),
    })
}

/// 海政发〔2020〕15号 and the other bracket forms.
fn find_doc_number(line: &str) -> Option<String> {
    let chars: Vec<(usize, char)> = line.char_indices().collect();
    for (n, &(_, c)) in chars.iter().enumerate() {
        if !matches!(c, '〔' | '[' | '［' | '（' | '(' | '【') {
            continue;
        }
        // Four digits, the closing bracket, digits, 号.
        let digits: Vec<char> = chars[n + 1..].iter().take(4).map(|&(_, c)| c).collect();
        if digits.len() < 4 || !digits.iter().all(|&c| digit_value(c).is_some()) {
            continue;
        }
        let Some(&(_, close)) = chars.get(n + 5) else {
            continue;
        };
        if !matches!(close, '〕' | ']' | '］' | '）' | ')' | '】') {
            continue;
        }
        let mut k = n + 6;
        while chars.get(k).is_some_and(|&(_, c)| digit_value(c).is_some()) {
            k += 1;
        }
        if k == n + 6 || chars.get(k).map(|&(_, c)| c) != Some('号') {
            continue;
        }
        // The issuing code before the bracket: Han characters (海政发, 连海政办发).
        let mut s = n;
        while s > 0 && super::text::is_han(chars[s - 1].1) && n - s < 8 {
            s -= 1;
        }
        if s == n {
            continue;
        }
        let start = chars[s].0;
        let end = chars[k].0 + '号'.len_utf8();
        return Some(line[start..end].to_string());
    }
    None
}

/// Names that sign a notice.
const SIGNER_ENDINGS: &[&str] = &[
    "人民政府",
    "人民政府办公室",
    "人民政府办公厅",
    "办公室",
    "办公厅",
    "委员会",
    "政府",
    "管委会",
    "管理委员会",
];

/// The signing body and the date beneath it (or beside it on the same line).
fn find_signature(lines: &[String]) -> Option<(String, String)> {
    for (i, line) in lines.iter().enumerate() {
        let line = line.trim();
        if line.contains("印发") || line.contains("抄送") || line.contains('|') {
            continue;
        }
        if let Some(name) = signer_name(line) {
            if let Some(date) = lines
                .get(i + 1)
                .filter(|l| is_date_line(l))
                .and_then(|l| find_date(l))
            {
                return Some((name, date));
            }
        }
        // 海州区人民政府 2020年3月10日
        if let Some((name, rest)) = line.split_once(char::is_whitespace) {
            if let Some(name) = signer_name(name) {
                if is_date_line(rest) {
                    if let Some(date) = find_date(rest) {
                        return Some((name, date));
                    }
                }
            }
        }
    }
    None
}

fn signer_name(line: &str) -> Option<String> {
    let line = line.trim();
    let len = line.chars().count();
    ((3..=30).contains(&len)
        && !line.contains(['，', ',', '。', '：', ':', '、'])
        && SIGNER_ENDINGS.iter().any(|e| line.ends_with(e)))
    .then(|| line.to_string())
}

/// A line that is a date and nothing else (brackets allowed around it).
fn is_date_line(line: &str) -> bool {
    let inner = line
        .trim()
        .trim_start_matches(['（', '('])
        .trim_end_matches(['）', ')']);
    find_date(inner).is_some() && inner.ends_with('日') && inner.chars().count() <= 16
}

/// The date of the 印发 line at the foot of an official document.
fn find_printed_date(lines: &[String]) -> Option<String> {
    lines
        .iter()
        .rev()
        .filter(|l| l.contains("印发"))
        .find_map(|l| find_date(l))
}

/// The first date in a text: 2020年3月10日, 二〇二〇年三月十日, 2020-03-10, 2020.3.10,
/// 2020/3/10.
pub fn find_date(text: &str) -> Option<String> {
    let chars: Vec<char> = text.chars().collect();
    for start in 0..chars.len() {
        if let Some(date) = date_at(&chars[start..]) {
            return Some(date);
        }
    }
    None
}

fn date_at(chars: &[char]) -> Option<String> {
    let (year, rest) = take_year(chars)?;
    let (sep_kind, rest) = match rest.first()? {
        '年' => ('年', &rest[1..]),
        '-' | '.' | '/' | '．' | '－' => ('-', &rest[1..]),
        _ => return None,
    };
    let (month, rest) = take_small(rest)?;
    let rest = match (sep_kind, rest.first()) {
        ('年', Some('月')) => &rest[1..],
        ('-', Some('-' | '.' | '/' | '．' | '－')) => &rest[1..],
        _ => return None,
    };
    let (day, rest) = take_small(rest)?;
    if sep_kind == '年' && rest.first() != Some(&'日') && rest.first() != Some(&'号') {
        return None;
    }
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    Some(format!("{year:04}-{month:02}-{day:02}"))
}

fn take_year(chars: &[char]) -> Option<(u32, &[char])> {
    let digits = chars.get(..4)?;
    let mut year = 0;
    for &c in digits {
        year = year * 10 + year_digit(c)?;
    }
    (1949..=2200).contains(&year).then_some((year, &chars[4..]))
}

/// Years are written digit by digit, in Arabic or Chinese (二〇二〇).
fn year_digit(c: char) -> Option<u32> {
    digit_value(c).or(match c {
        '〇' | '零' | 'О' => Some(0),
        '一' => Some(1),
        '二' => Some(2),
        '三' => Some(3),
        '四' => Some(4),
        '五' => Some(5),
        '六' => Some(6),
        '七' => Some(7),
        '八' => Some(8),
        '九' => Some(9),
        _ => None,
    })
}

/// A month or a day: 1–2 Arabic digits, or a Chinese numeral up to 三十一.
fn take_small(chars: &[char]) -> Option<(u32, &[char])> {
    let arabic: Vec<u32> = chars
        .iter()
        .take(2)
        .map_while(|&c| digit_value(c))
        .collect();
    if !arabic.is_empty() {
        let n = arabic.iter().fold(0, |acc, d| acc * 10 + d);
        return Some((n, &chars[arabic.len()..]));
    }
    let len = chars
        .iter()
        .take(3)
        .take_while(|c| "一二三四五六七八九十".contains(**c))
        .count();
    if len == 0 {
        return None;
    }
    let text: String = chars[..len].iter().collect();
    let n = parse_number(&text)?;
    (n.fract() == 0.0 && n >= 1.0).then_some((n as u32, &chars[len..]))
}

/// The plan year in a title: the first 4-digit year before 年 (2020年海州区…).
fn find_year(text: &str) -> Option<i32> {
    let chars: Vec<char> = text.chars().collect();
    (0..chars.len()).find_map(|i| {
        let (year, rest) = take_year(&chars[i..])?;
        let before_is_digit = i > 0 && digit_value(chars[i - 1]).is_some();
        (!before_is_digit && matches!(rest.first(), Some('年' | '度'))).then_some(year as i32)
    })
}

fn plan_heading_year(line: &str) -> Option<i32> {
    line.contains("实事").then(|| find_year(line)).flatten()
}

fn doc_number_year(doc_number: &str) -> Option<i32> {
    let chars: Vec<char> = doc_number.chars().collect();
    (0..chars.len()).find_map(|i| take_year(&chars[i..]).map(|(y, _)| y as i32))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<String> {
        text.lines().map(str::to_string).collect()
    }

    #[test]
    fn header_cells_give_index_number_and_doc_number_and_empty_cells_stay_empty() {
        let header = read_header(&lines(
            "索 引 号 | 01426719-5/2020-00082 | 分 类 | / 通知 |\n发布机构 | 海州 | 发文日期 | |\n文 号 | 海政发〔2020〕15号 | 主 题 词 | |",
        ));
        assert_eq!(header.index_no.as_deref(), Some("01426719-5/2020-00082"));
        assert_eq!(header.publisher.as_deref(), Some("海州"));
        assert_eq!(header.date, None);
        assert_eq!(header.doc_number.as_deref(), Some("海政发〔2020〕15号"));
    }

    #[test]
    fn colon_pairs_on_one_line_are_read() {
        let header = read_header(&lines(
            "索 引 号：11320700/2021-00123 发文日期：2021年02月03日",
        ));
        assert_eq!(header.index_no.as_deref(), Some("11320700/2021-00123"));
        assert_eq!(header.date.as_deref(), Some("2021年02月03日"));
    }

    #[test]
    fn dates_are_read_in_the_forms_notices_write_them() {
        assert_eq!(find_date("2020年3月10日").as_deref(), Some("2020-03-10"));
        assert_eq!(
            find_date("二〇二一年十二月三十一日").as_deref(),
            Some("2021-12-31")
        );
        assert_eq!(
            find_date("发布日期：2019-04-02 10:00").as_deref(),
            Some("2019-04-02")
        );
        assert_eq!(find_date("2020年海州区"), None);
    }

    #[test]
    fn a_title_printed_over_two_lines_is_joined() {
        let title = find_title(&lines(
            "青石区人民政府\n关于印发2024年青石区民生实事项目的通知\n青政发〔2024〕2号",
        ));
        assert_eq!(
            title.as_deref(),
            Some("青石区人民政府关于印发2024年青石区民生实事项目的通知")
        );
    }

    #[test]
    fn the_doc_number_is_found_in_a_line() {
        assert_eq!(
            find_doc_number("海政发〔2020〕15号").as_deref(),
            Some("海政发〔2020〕15号")
        );
        assert_eq!(
            find_doc_number("（文号：县政办发[2023]8号）").as_deref(),
            Some("县政办发[2023]8号")
        );
    }

    #[test]
    fn the_signature_is_the_body_above_a_date_not_the_printing_line() {
        let found = find_signature(&lines(
            "正文。\n海州区人民政府\n2020年3月10日\n海州区人民政府办公室 2020年3月10日印发",
        ));
        assert_eq!(
            found,
            Some(("海州区人民政府".to_string(), "2020-03-10".to_string()))
        );
    }
}
