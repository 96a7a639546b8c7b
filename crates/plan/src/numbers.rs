//! Chinese numbers and quantities: 六千五百, 6.19万平方米, 300余万元, 提高至20%以上.
//! Usable on its own (report forms read typed numbers through it).

mod numeral;
mod units;

use numeral::{at, is_han, skip_spaces, word_at, Chars};
use serde::{Deserialize, Serialize};
use std::ops::Range;
use units::Before;

/// How a quantity compares with what is to be delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Op {
    /// Deliver or reach the amount.
    #[default]
    Eq,
    /// At least.
    Ge,
    /// At most.
    Le,
    /// Raise by.
    Inc,
    /// Lower by.
    Dec,
}

/// Which numerals a quantity was written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Numerals {
    Arabic,
    Chinese,
    Mixed,
}

/// A number found in running text, with what follows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Quantity {
    /// Byte range in the input of the whole quantity: the numeral, any 余/多, 万/亿,
    /// the unit, and a trailing 以上/以下/以内 that belongs to it.
    pub span: Range<usize>,
    /// Byte range of the numeral alone (including 万/亿 and 余).
    pub number: Range<usize>,
    pub value: f64,
    /// The measure word or unit as written, without 万/亿; "" for a bare number; "%" for
    /// percentages (%, ％, 百分之, 成).
    pub unit: String,
    pub op: Op,
    pub numerals: Numerals,
}

/// Reads a string that is one number and nothing else (spaces allowed).
pub fn parse_number(text: &str) -> Option<f64> {
    let cs: Vec<(usize, char)> = text.char_indices().collect();
    let start = skip_spaces(&cs, 0);
    let n = numeral::parse_numeral(&cs, start)?;
    let mut end = skip_spaces(&cs, n.end);
    if !n.percent && matches!(at(&cs, end), Some('%' | '％')) {
        end = skip_spaces(&cs, end + 1);
    }
    (end == cs.len() && n.value.is_finite()).then_some(n.value)
}

/// Every quantity in `text`, in order of appearance.
pub fn find_quantities(text: &str) -> Vec<Quantity> {
    let cs: Vec<(usize, char)> = text.char_indices().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(c) = at(&cs, i) {
        if c.is_ascii_alphabetic() || c == '_' {
            i = skip_code(&cs, i);
            continue;
        }
        if !may_start(&cs, i) {
            i += 1;
            continue;
        }
        if let Some(end) = place_name(&cs, i) {
            i = end;
            continue;
        }
        let next = match read_quantity(text, &cs, i) {
            Step::Found(q, next) => {
                out.push(q);
                next
            }
            Step::Skip(next) => next,
        };
        i = next.max(i + 1);
    }
    out
}

enum Step {
    Found(Quantity, usize),
    Skip(usize),
}

fn byte(text: &str, cs: &Chars, k: usize) -> usize {
    cs.get(k).map_or(text.len(), |&(b, _)| b)
}

/// Codes such as B12, PM2.5, G328: their digits are no amount.
fn skip_code(cs: &Chars, mut k: usize) -> usize {
    while let Some(c) = at(cs, k) {
        let joins =
            matches!(c, '.' | '-') && at(cs, k + 1).is_some_and(|n| n.is_ascii_alphanumeric());
        if c.is_ascii_alphanumeric() || c == '_' || joins {
            k += 1;
        } else {
            break;
        }
    }
    k
}

fn may_start(cs: &Chars, i: usize) -> bool {
    let Some(c) = at(cs, i) else { return false };
    let prev = i.checked_sub(1).and_then(|p| at(cs, p));
    let next = at(cs, i + 1);
    let digit_next = next.and_then(numeral::arabic_digit).is_some();
    match c {
        '.' | '．' => digit_next && prev.and_then(numeral::arabic_digit).is_none(),
        // A dash after a number is a range (0-6岁), not a minus.
        '-' | '－' | '−' => {
            let point_next = matches!(next, Some('.' | '．'))
                && at(cs, i + 2).and_then(numeral::arabic_digit).is_some();
            (digit_next || point_next)
                && !prev.is_some_and(|p| {
                    p.is_alphanumeric()
                        || numeral::starts_numeral(p)
                        || matches!(p, ')' | '）' | '%' | '％' | '‰' | '~' | '～')
                })
        }
        '负' | '負' => next.is_some_and(|n| numeral::starts_numeral(n) || n == '.'),
        '半' => matches!(next, Some('百' | '佰' | '成')),
        '万' | '萬' | '亿' | '億' => true,
        _ => numeral::starts_numeral(c),
    }
}

/// Place names that begin with a numeral (四川, 五台山, 长三角).
const PLACES: &[(&str, usize)] = &[
    ("四川", 0),
    ("三亚", 0),
    ("三明", 0),
    ("三门峡", 0),
    ("三沙", 0),
    ("三河", 0),
    ("五指山", 0),
    ("五家渠", 0),
    ("五大连池", 0),
    ("五台山", 0),
    ("五台", 0),
    ("六安", 0),
    ("六盘水", 0),
    ("七台河", 0),
    ("九江", 0),
    ("九龙", 0),
    ("九寨沟", 0),
    ("九华山", 0),
    ("十堰", 0),
    ("万宁", 0),
    ("万州", 0),
    ("百色", 0),
    ("四平", 0),
    ("四会", 0),
    ("二连浩特", 0),
    ("千岛湖", 0),
    ("八达岭", 0),
    ("长三角", 1),
    ("珠三角", 1),
];

fn place_name(cs: &Chars, i: usize) -> Option<usize> {
    PLACES.iter().find_map(|&(w, offset)| {
        let from = i.checked_sub(offset)?;
        word_at(cs, from, w)
    })
}

/// 一 inside words that are no count: 统一, 唯一, 进一步, 一切, 一般.
fn one_is_word(prev: Option<char>, next: Option<char>) -> bool {
    prev.is_some_and(|p| "统統唯进進万萬同单單专專逐划劃整归歸合某".contains(p))
        || next.is_some_and(|n| {
            "切些起样樣直定般旦致体體律并併流贯貫经經揽攬线線网網窗心意概举舉带帶".contains(n)
        })
}

fn read_quantity(text: &str, cs: &Chars, i: usize) -> Step {
    let Some(num) = numeral::parse_numeral(cs, i) else {
        return Step::Skip(i + 1);
    };
    if !num.value.is_finite() || num.end <= i {
        return Step::Skip(num.end);
    }
    let prev = i.checked_sub(1).and_then(|p| at(cs, p));
    let after_numeral = at(cs, num.end);
    if let Some(lone) = num.lone {
        if lone == '一' && one_is_word(prev, after_numeral) {
            return Step::Skip(num.end);
        }
        // 十分重要, 十足, 十全十美.
        if matches!(lone, '十' | '拾') && matches!(after_numeral, Some('分' | '足' | '全')) {
            return Step::Skip(num.end);
        }
    }
    let mut value = num.value;
    let mut k = num.end;
    let mut unit = String::new();
    let mut percent = num.percent;
    // A lone 百 or 千 takes no unit: 千家万户, 百年 are not counts.
    let takes_unit = !num
        .lone
        .is_some_and(|c| matches!(c, '百' | '千' | '佰' | '仟'));
    if percent {
        unit.push('%');
    } else if takes_unit {
        let k2 = skip_spaces(cs, k);
        if matches!(at(cs, k2), Some('%' | '％' | '﹪')) {
            unit.push('%');
            percent = true;
            k = k2 + 1;
        } else if let Some((end, ge)) = units::percent_point(cs, k) {
            unit.push_str(if ge { "个百分点" } else { "百分点" });
            percent = true;
            k = end;
        } else if let Some(end) = units::latin_unit(cs, k2) {
            unit.push_str(slice(text, cs, k2, end));
            k = end;
        } else if num.arabic && after_numeral.is_some_and(|c| c.is_ascii_alphabetic()) {
            // 5G, 4K, 12k: a code or a notation this reader does not take.
            return Step::Skip(skip_code(cs, num.end));
        } else if let Some(end) = units::table_unit(cs, k2) {
            let written = slice(text, cs, k2, end);
            // 两两 (in pairs) is no weight.
            let pairs = numeral::is_liang(written.chars().next().unwrap_or(' '))
                && num.lone.is_some_and(numeral::is_liang);
            if !pairs && !units::unit_is_word(written, at(cs, end)) {
                unit.push_str(written);
                k = end;
                if written == "打" {
                    value *= 12.0;
                }
            }
        }
    }
    if let Some(lone) = num.lone {
        // 登陆部队, 拾起, 陆续, 零售: glued to a word before, or to no unit after.
        let glued =
            prev.is_some_and(is_han) || (unit.is_empty() && after_numeral.is_some_and(is_han));
        if glued && numeral::is_weak_alone(lone) {
            return Step::Skip(num.end);
        }
    }
    if !unit.is_empty() {
        (value, k) = money_tail(cs, &unit, value, k);
        // 一吨半, 两米半, 一年半.
        if !percent && unit != "个" && unit != "個" && at(cs, k) == Some('半') {
            value += 0.5 * value.signum();
            k += 1;
        }
        // 微克/立方米, 元/人.
        if matches!(at(cs, k), Some('/' | '／')) {
            if let Some(end) = units::table_unit(cs, k + 1) {
                unit.push('/');
                unit.push_str(slice(text, cs, k + 1, end));
                k = end;
            }
        }
    }
    let trailing = units::op_after(cs, k);
    let span_end = trailing.map_or(k, |(end, _)| end);
    let start = byte(text, cs, i);
    let (before, to) = units::op_before(text, start);
    let op = match (before, trailing) {
        (Some(Before::Inc), _) if !to && units::is_measure(&unit) => Op::Inc,
        (Some(Before::Dec), _) if !to && units::is_measure(&unit) => Op::Dec,
        (_, Some((_, op))) => op,
        (Some(Before::Ge), _) => Op::Ge,
        (Some(Before::Le), _) => Op::Le,
        // 降低至, 下降到: a ceiling.
        (Some(Before::Dec), _) if to => Op::Le,
        _ if num.approx => Op::Ge,
        _ => Op::Eq,
    };
    let numerals = match (num.arabic, num.chinese) {
        (true, false) => Numerals::Arabic,
        (false, _) => Numerals::Chinese,
        (true, true) => Numerals::Mixed,
    };
    let q = Quantity {
        span: start..byte(text, cs, span_end),
        number: start..byte(text, cs, num.end),
        value,
        unit,
        op,
        numerals,
    };
    Step::Found(q, span_end)
}

fn slice<'a>(text: &'a str, cs: &Chars, from: usize, to: usize) -> &'a str {
    text.get(byte(text, cs, from)..byte(text, cs, to))
        .unwrap_or("")
}

/// Money written in several units (五元三毛, 50元6角三分, 壹拾壹元整) is one amount.
fn money_tail(cs: &Chars, unit: &str, value: f64, mut k: usize) -> (f64, usize) {
    let subs = units::money_subunits(unit);
    if subs.is_empty() {
        return (value, k);
    }
    // Counted in hundredths so that 50.63 comes out as the literal 50.63.
    let exact = value.fract() == 0.0 && value.abs() < 1e13;
    let mut cents = 0u32;
    let mut next_sub = 0;
    let mut any = false;
    loop {
        let mut p = k;
        if matches!(at(cs, p), Some('又' | '零')) {
            p += 1;
        }
        let Some(n) = numeral::parse_plain(cs, p) else {
            break;
        };
        if !(0.0..100.0).contains(&n.value) || n.value.fract() != 0.0 {
            break;
        }
        let found = subs
            .iter()
            .enumerate()
            .skip(next_sub)
            .find_map(|(idx, &(w, per))| word_at(cs, n.end, w).map(|end| (idx, per, end)));
        let Some((idx, per, end)) = found else {
            break;
        };
        // 三分之一 after an amount is a fraction, not 3 fen.
        if at(cs, end) == Some('之') {
            break;
        }
        cents += (n.value as u32) * per;
        next_sub = match subs.get(idx).map(|s| s.1) {
            Some(10) => subs.iter().position(|s| s.1 == 1).unwrap_or(subs.len()),
            _ => subs.len(),
        };
        k = end;
        any = true;
    }
    if any && matches!(at(cs, k), Some('钱' | '錢')) {
        k += 1;
    }
    if matches!(unit, "元" | "圆" | "圓") {
        let next = at(cs, k + 1);
        if at(cs, k) == Some('整') || (at(cs, k) == Some('正') && !next.is_some_and(is_han)) {
            k += 1;
        }
    }
    let cents = if value < 0.0 {
        -f64::from(cents)
    } else {
        f64::from(cents)
    };
    let total = if exact {
        (value * 100.0 + cents) / 100.0
    } else {
        value + cents / 100.0
    };
    (total, k)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests;
