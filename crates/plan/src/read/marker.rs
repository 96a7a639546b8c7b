//! Item numbers at the start of a line: 1. / 1、 / (1) / （一） / 一、 / ① / a table row's
//! number cell.

use super::text::{digit_value, is_close_paren, is_open_paren};
use crate::lines::CELL_SEPARATOR;
use crate::numbers::parse_number;

/// The way a notice numbers a level of its list. Items are one style; category headings,
/// when numbered, another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Style {
    /// 1. or 1．
    ArabicDot,
    /// 1、
    ArabicComma,
    /// 1) or 1）
    ArabicClose,
    /// (1) or （1）
    ArabicParen,
    /// 一、 or 一．
    ChineseComma,
    /// （一）
    ChineseParen,
    /// ① ②
    Circled,
    /// 1 | name | … (the number cell of a table row)
    TableRow,
}

impl Style {
    /// Whether the style is usually a heading level above Arabic-numbered items.
    pub fn is_chinese(self) -> bool {
        matches!(self, Style::ChineseComma | Style::ChineseParen)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Marker {
    pub style: Style,
    pub number: u32,
    /// Bytes of the line the marker takes, including the spaces after it.
    pub len: usize,
}

/// Item numbers run into the hundreds at most; a longer number is a year or a figure.
const MAX_ITEM_NUMBER: u32 = 999;

pub fn read_marker(line: &str) -> Option<Marker> {
    let mut chars = line.char_indices().peekable();
    let (_, first) = *chars.peek()?;
    if let Some(n) = circled(first) {
        return Some(finish(line, Style::Circled, n, first.len_utf8()));
    }
    if is_open_paren(first) && first != '【' {
        let inner_start = first.len_utf8();
        let close = line[inner_start..].find(is_close_paren)? + inner_start;
        let inner = line[inner_start..close].trim();
        let close_len = line[close..].chars().next().map_or(1, char::len_utf8);
        let n = arabic(inner)
            .map(|n| (Style::ArabicParen, n))
            .or_else(|| chinese(inner).map(|n| (Style::ChineseParen, n)))?;
        return Some(finish(line, n.0, n.1, close + close_len));
    }
    let digits_end = line
        .char_indices()
        .find(|&(_, c)| digit_value(c).is_none())
        .map_or(line.len(), |(i, _)| i);
    if digits_end > 0 {
        let n = arabic(&line[..digits_end])?;
        let rest = &line[digits_end..];
        let mut rest_chars = rest.chars();
        let delimiter = rest_chars.next()?;
        let after = rest_chars.next();
        let style = match delimiter {
            // 1.5万 is a number, not item 1.
            '.' | '．' if after.is_none_or(|c| digit_value(c).is_none()) => Style::ArabicDot,
            '、' => Style::ArabicComma,
            ')' | '）' => Style::ArabicClose,
            _ if rest.trim_start().starts_with(CELL_SEPARATOR.trim()) => {
                let sep_at = rest.find('|').unwrap_or(0);
                return Some(finish(line, Style::TableRow, n, digits_end + sep_at + 1));
            }
            _ => return None,
        };
        return Some(finish(line, style, n, digits_end + delimiter.len_utf8()));
    }
    let numeral_end = line
        .char_indices()
        .find(|&(_, c)| !is_chinese_numeral(c))
        .map_or(line.len(), |(i, _)| i);
    if numeral_end > 0 {
        let n = chinese(&line[..numeral_end])?;
        let delimiter = line[numeral_end..].chars().next()?;
        if matches!(delimiter, '、' | '．' | '.') {
            return Some(finish(
                line,
                Style::ChineseComma,
                n,
                numeral_end + delimiter.len_utf8(),
            ));
        }
    }
    None
}

fn finish(line: &str, style: Style, number: u32, len: usize) -> Marker {
    let rest = &line[len..];
    let spaces = rest.len() - rest.trim_start().len();
    Marker {
        style,
        number,
        len: len + spaces,
    }
}

fn arabic(text: &str) -> Option<u32> {
    if text.is_empty() || text.chars().count() > 3 {
        return None;
    }
    let mut n = 0u32;
    for c in text.chars() {
        n = n * 10 + digit_value(c)?;
    }
    (1..=MAX_ITEM_NUMBER).contains(&n).then_some(n)
}

fn is_chinese_numeral(c: char) -> bool {
    matches!(
        c,
        '一' | '二' | '三' | '四' | '五' | '六' | '七' | '八' | '九' | '十' | '百' | '零' | '〇'
    )
}

fn chinese(text: &str) -> Option<u32> {
    if text.is_empty() || !text.chars().all(is_chinese_numeral) {
        return None;
    }
    let value = parse_number(text)?;
    if value.fract() != 0.0 || !(1.0..=f64::from(MAX_ITEM_NUMBER)).contains(&value) {
        return None;
    }
    Some(value as u32)
}

fn circled(c: char) -> Option<u32> {
    match c {
        '①'..='⑳' => Some(c as u32 - '①' as u32 + 1),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn marker(line: &str) -> Option<(Style, u32, &str)> {
        read_marker(line).map(|m| (m.style, m.number, &line[m.len..]))
    }

    #[test]
    fn the_numbering_styles_of_the_genre_are_read() {
        assert_eq!(
            marker("1.改善办学条件"),
            Some((Style::ArabicDot, 1, "改善办学条件"))
        );
        assert_eq!(marker("12．改善"), Some((Style::ArabicDot, 12, "改善")));
        assert_eq!(marker("3、改善"), Some((Style::ArabicComma, 3, "改善")));
        assert_eq!(marker("（4）改善"), Some((Style::ArabicParen, 4, "改善")));
        assert_eq!(marker("(4) 改善"), Some((Style::ArabicParen, 4, "改善")));
        assert_eq!(marker("5）改善"), Some((Style::ArabicClose, 5, "改善")));
        assert_eq!(marker("⑥改善"), Some((Style::Circled, 6, "改善")));
        assert_eq!(
            marker("7 | 改善 | 新建"),
            Some((Style::TableRow, 7, "改善 | 新建"))
        );
    }

    #[test]
    fn figures_and_years_are_not_item_numbers() {
        assert_eq!(marker("1.5万人"), None);
        assert_eq!(marker("2020年海州区"), None);
        assert_eq!(marker("2020.03.10"), None);
        assert_eq!(marker("【牵头单位】"), None);
        assert_eq!(marker("(牵头单位:区教育局)"), None);
    }
}
