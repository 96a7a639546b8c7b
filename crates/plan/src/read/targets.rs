//! Which quantities of an item are targets: what the plan commits to deliver, reach or
//! cover. Years, ages, durations, grades and numbers inside names are not.

use super::text::{is_clause_end, is_han};
use crate::model::Target;
use crate::numbers::{find_quantities, Numerals, Quantity};

/// Units that measure time or rank, never a delivered amount.
const NOT_TARGET_UNITS: &[&str] = &[
    "年", "岁", "周岁", "月", "个月", "日", "天", "小时", "分钟", "分", "秒", "周", "级", "类",
    "星", "星级", "号", "号线", "届", "代", "倍", "环", "层", "楼", "期", "批", "大", "线", "版",
    "路段", "方面", "点", "时", "年度", "季度", "次方",
    // Voltage names a class of line or substation (10千伏线路), not an amount.
    "千伏", "伏", "kV", "KV",
];

/// Units that stand for a delivered count only when written with Arabic digits; with
/// Chinese numerals they are phases and names (三期, 二期, 一批, 一体).
const ARABIC_ONLY_UNITS: &[&str] = &["期", "批", "届"];

/// Words right after a number that make it a name: 233国道, 12345热线, 5G.
const NAME_FOLLOWERS: &[&str] = &[
    "国道",
    "省道",
    "县道",
    "乡道",
    "热线",
    "服务热线",
    "号线",
    "路公交",
    "A",
    "G",
    "星级",
];

/// Expressions with Chinese numerals that are names or set phrases, not quantities.
const SET_PHRASES: &[&str] = &[
    "一站式",
    "一体化",
    "一网通办",
    "一网统管",
    "一件事",
    "一次性",
    "一张网",
    "一把手",
    "一张图",
    "一窗",
    "一门",
    "一码",
    "一键",
    "一老一小",
    "一户一",
    "一村一",
    "一校一",
    "一河一",
    "一人一",
    "一对一",
    "一线",
    "一流",
    "一般",
    "一起",
    "一定",
    "一些",
    "一直",
    "一系列",
    "一体",
    "一批",
    "两不误",
    "两促进",
    "两手抓",
    "两癌",
    "三无",
    "五保",
    "四好",
    "三级",
    "三农",
    "三供一业",
    "十分钟",
    "五大",
    "八一",
    "千家万户",
    "千方百计",
    "百姓",
    "十四五",
    "十三五",
    "十五五",
    "两个",
    "三个",
    "四个",
    "五个一",
    "一网",
    "一事",
    "一次",
    "一号",
];

/// The targets in one stretch of item text (a title or a body).
pub fn targets_in(text: &str) -> Vec<Target> {
    let quoted = quoted_ranges(text);
    find_quantities(text)
        .into_iter()
        .filter(|q| is_target(text, q, &quoted))
        .map(|q| Target {
            text: clause_around(text, &q),
            value: q.value,
            unit: q.unit,
            op: q.op,
        })
        .collect()
}

fn is_target(text: &str, q: &Quantity, quoted: &[std::ops::Range<usize>]) -> bool {
    if q.unit.is_empty() || !q.value.is_finite() || q.value <= 0.0 {
        return false;
    }
    if NOT_TARGET_UNITS.contains(&q.unit.as_str())
        && !(q.numerals == Numerals::Arabic && ARABIC_ONLY_UNITS.contains(&q.unit.as_str()))
    {
        return false;
    }
    // Names in quotes or title marks: “黄金3分钟”, 《政策三十条》, “游9”.
    if quoted.iter().any(|r| r.contains(&q.number.start)) {
        return false;
    }
    let before = &text[..q.number.start];
    let after = &text[q.span.end..];
    let after_number = &text[q.number.end..];
    // Ordinals: 第三季度, 第2批.
    if before.ends_with('第') {
        return false;
    }
    // Codes: 5G, G328, 4A级, 1+N.
    let prev = before.chars().next_back();
    let next_after_number = after_number.chars().next();
    if prev.is_some_and(|c| c.is_ascii_alphabetic() || c == '+' || c == '-' || c == '—')
        || next_after_number.is_some_and(|c| c.is_ascii_alphabetic() && q.unit.is_empty())
    {
        return false;
    }
    if NAME_FOLLOWERS
        .iter()
        .any(|w| after.starts_with(w) || after_number.starts_with(w))
    {
        return false;
    }
    // 500米覆盖率达到100%: a measure that defines the rate after it is not itself a target.
    if defines_a_rate(after) {
        return false;
    }
    // A range (0-6岁, 3-5个): the amount is not one number.
    if after_number.starts_with(['-', '—', '~', '～', '至']) && q.unit.is_empty() {
        return false;
    }
    // 由每人每月520元提高到560元: the level it starts from is not what is delivered.
    if is_starting_level(before, after) {
        return false;
    }
    if q.numerals != Numerals::Arabic {
        let from_number = &text[q.number.start..];
        if SET_PHRASES.iter().any(|p| from_number.starts_with(p)) {
            return false;
        }
        // A Chinese numeral glued to the Han word before it is part of a name (政策三十条
        // without title marks, 八一河, 浦南太平三期).
        if prev.is_some_and(is_han) && is_not_a_count_context(before) {
            return false;
        }
    }
    true
}

/// Verbs of change that, after 由/从 X, lead to the new level: 由520元提高到560元.
const CHANGES_TO: &[&str] = &[
    "提高到",
    "提高至",
    "提升到",
    "提升至",
    "增加到",
    "增加至",
    "增长到",
    "增长至",
    "上调到",
    "上调至",
    "调整到",
    "调整至",
    "调整为",
    "降低到",
    "降低至",
    "下降到",
    "下降至",
    "减少到",
    "减少至",
    "降到",
    "提到",
];

fn is_starting_level(before: &str, after: &str) -> bool {
    let clause_start = before
        .char_indices()
        .rev()
        .find(|&(_, c)| is_clause_end(c))
        .map_or(0, |(i, c)| i + c.len_utf8());
    let clause = &before[clause_start..];
    let from = clause.rfind(['由', '从']);
    from.is_some()
        && CHANGES_TO
            .iter()
            .any(|verb| after.trim_start().starts_with(verb))
}

/// Whether the words right after a quantity name a rate (覆盖率, 达标率) before any
/// punctuation or number: the quantity is then part of the rate's definition.
fn defines_a_rate(after: &str) -> bool {
    after
        .chars()
        .take(6)
        .take_while(|&c| is_han(c))
        .any(|c| c == '率')
}

/// Words that, right before a Chinese numeral, make it part of a name (政策三十条, 八一河,
/// 浦南太平三期) or a turn of phrase rather than a count (不让一个学生, 每一户).
fn is_not_a_count_context(before: &str) -> bool {
    [
        "政策",
        "措施",
        "条例",
        "意见",
        "工程",
        "行动",
        "计划",
        "太平",
        "二期",
        "一期",
        "不让",
        "每",
        "任何",
        "没有",
        "不落下",
        "不漏",
    ]
    .iter()
    .any(|w| before.ends_with(w))
}

/// Byte ranges inside quotation marks and title marks.
fn quoted_ranges(text: &str) -> Vec<std::ops::Range<usize>> {
    let mut ranges = Vec::new();
    let mut open: Option<(char, usize)> = None;
    for (i, c) in text.char_indices() {
        match open {
            None => {
                let closer = match c {
                    '“' => '”',
                    '‘' => '’',
                    '《' => '》',
                    '「' => '」',
                    '『' => '』',
                    '"' => '"',
                    _ => continue,
                };
                open = Some((closer, i));
            }
            Some((closer, start)) if c == closer => {
                ranges.push(start..i);
                open = None;
            }
            // A quotation never spans a sentence; an unclosed mark stops at 。.
            Some(_) if c == '。' => open = None,
            Some(_) => {}
        }
    }
    ranges
}

/// The shortest clause that carries the quantity: from the previous clause mark to the
/// next, for a person reading the target.
fn clause_around(text: &str, q: &Quantity) -> String {
    let start = text[..q.number.start]
        .char_indices()
        .rev()
        .find(|&(_, c)| is_clause_end(c))
        .map_or(0, |(i, c)| i + c.len_utf8());
    let end = text[q.span.end..]
        .char_indices()
        .find(|&(_, c)| is_clause_end(c))
        .map_or(text.len(), |(i, _)| q.span.end + i);
    text[start..end].trim().to_string()
}
