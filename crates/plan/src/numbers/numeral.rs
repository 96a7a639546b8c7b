//! The numeral alone: 六千五百, 1.2万, 一七二零, 三分之一, 百分之二十, 七成六.

/// The text as (byte offset, char) pairs, collected once per call so the readers can look
/// a few chars ahead and back without re-decoding.
pub(super) type Chars = [(usize, char)];

pub(super) fn at(cs: &Chars, k: usize) -> Option<char> {
    cs.get(k).map(|&(_, c)| c)
}

pub(super) fn is(cs: &Chars, k: usize, c: char) -> bool {
    at(cs, k) == Some(c)
}

pub(super) fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\u{3000}' | '\u{a0}')
}

pub(super) fn skip_spaces(cs: &Chars, mut k: usize) -> usize {
    while at(cs, k).is_some_and(is_space) {
        k += 1;
    }
    k
}

/// The char index after `word` if the chars from `k` spell it.
pub(super) fn word_at(cs: &Chars, k: usize, word: &str) -> Option<usize> {
    let mut j = k;
    for w in word.chars() {
        if at(cs, j)? != w {
            return None;
        }
        j += 1;
    }
    Some(j)
}

pub(super) fn arabic_digit(c: char) -> Option<u8> {
    let d = match c {
        '0'..='9' => c as u32 - '0' as u32,
        '０'..='９' => c as u32 - '０' as u32,
        _ => return None,
    };
    u8::try_from(d).ok()
}

/// Chinese digits, simplified, traditional and financial. 两 is apart: after a number it
/// is also a unit of weight.
pub(super) fn chinese_digit(c: char) -> Option<u8> {
    Some(match c {
        '零' | '〇' | '○' => 0,
        '一' | '壹' | '弌' => 1,
        '二' | '贰' | '貳' | '弍' | '貮' => 2,
        '三' | '叁' | '參' | '弎' => 3,
        '四' | '肆' => 4,
        '五' | '伍' => 5,
        '六' | '陆' | '陸' => 6,
        '七' | '柒' => 7,
        '八' | '捌' => 8,
        '九' | '玖' => 9,
        _ => return None,
    })
}

pub(super) fn is_liang(c: char) -> bool {
    matches!(c, '两' | '兩' | '倆' | '俩')
}

/// 十 百 千 as powers of ten.
pub(super) fn small_unit(c: char) -> Option<i32> {
    match c {
        '十' | '拾' => Some(1),
        '百' | '佰' => Some(2),
        '千' | '仟' => Some(3),
        _ => None,
    }
}

/// 万 亿 as powers of ten (兆 is read apart: it is 10^12 only above 亿).
pub(super) fn big_unit(c: char) -> Option<i32> {
    match c {
        '万' | '萬' => Some(4),
        '亿' | '億' => Some(8),
        _ => None,
    }
}

/// Digits that prose uses as ordinary words (陆续, 队伍, 收拾, 零售): alone they are a
/// number only when nothing Han is glued to them or a unit follows.
pub(super) fn is_weak_alone(c: char) -> bool {
    matches!(
        c,
        '壹' | '贰'
            | '貳'
            | '叁'
            | '參'
            | '肆'
            | '伍'
            | '陆'
            | '陸'
            | '柒'
            | '捌'
            | '玖'
            | '拾'
            | '佰'
            | '仟'
            | '零'
            | '〇'
            | '○'
            | '百'
            | '千'
    )
}

/// Whether a numeral may begin at this char (the sign and 分之 forms are checked by the
/// caller).
pub(super) fn starts_numeral(c: char) -> bool {
    arabic_digit(c).is_some()
        || chinese_digit(c).is_some()
        || is_liang(c)
        || small_unit(c).is_some()
        || matches!(c, '廿' | '卅' | '卌')
}

const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

pub(super) fn pow10(k: i32) -> f64 {
    usize::try_from(k)
        .ok()
        .and_then(|i| POW10.get(i).copied())
        .unwrap_or_else(|| 10f64.powi(k))
}

/// A decimal m × 10^e. Arabic numerals are kept this way until 万/亿 scale them, so that
/// 6.19万 is exactly 61900 and not 61900.00000000001.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(super) struct Dec {
    m: u64,
    e: i32,
}

const MANTISSA_LIMIT: u64 = (u64::MAX - 9) / 10;

impl Dec {
    fn int_digit(&mut self, d: u8) {
        if self.m <= MANTISSA_LIMIT {
            self.m = self.m * 10 + u64::from(d);
        } else {
            self.e = self.e.saturating_add(1);
        }
    }

    fn frac_digit(&mut self, d: u8) {
        // Digits past u64 precision cannot change an f64.
        if self.m <= MANTISSA_LIMIT && self.e <= 0 {
            self.m = self.m * 10 + u64::from(d);
            self.e -= 1;
        }
    }

    fn scaled(self, k: i32) -> Dec {
        Dec {
            m: self.m,
            e: self.e.saturating_add(k),
        }
    }

    pub(super) fn to_f64(self) -> f64 {
        if self.m == 0 {
            return 0.0;
        }
        let m = self.m as f64;
        // Both operands exact, one rounding: the correctly rounded value.
        if self.m <= 1 << 53 {
            if (0..=22).contains(&self.e) {
                return m * pow10(self.e);
            }
            if (-22..0).contains(&self.e) {
                return m / pow10(-self.e);
            }
        }
        m * 10f64.powi(self.e)
    }

    /// An integer-valued f64 with fraction digits appended, exact where it fits.
    fn join(int: f64, frac: Dec) -> Result<Dec, f64> {
        if int >= 0.0 && int.fract() == 0.0 && int < 9.0e15 && frac.e <= 0 && frac.e >= -19 {
            let scale = 10u64.checked_pow(frac.e.unsigned_abs());
            let m = scale
                .and_then(|s| (int as u64).checked_mul(s))
                .and_then(|v| v.checked_add(frac.m));
            if let Some(m) = m {
                return Ok(Dec { m, e: frac.e });
            }
        }
        Err(int + frac.to_f64())
    }
}

/// One digit group waiting for its unit: a Chinese digit, or an Arabic run such as 6.19.
#[derive(Clone, Copy, Debug)]
struct Atom {
    dec: Dec,
    /// A single digit: 一万三 reads the trailing 三 as 3000, 1万600 does not.
    single: bool,
}

impl Atom {
    fn digit(d: u8) -> Atom {
        Atom {
            dec: Dec {
                m: u64::from(d),
                e: 0,
            },
            single: true,
        }
    }

    fn value(self) -> f64 {
        self.dec.to_f64()
    }
}

/// A numeral without sign, fraction or percent: 六千五百, 1.2万, 十余万, 一七二零点一.
#[derive(Clone, Copy, Debug)]
pub(super) struct Plain {
    pub value: f64,
    /// Char index after the numeral (trailing spaces not included).
    pub end: usize,
    pub arabic: bool,
    pub chinese: bool,
    /// 余, 多 or 几 was written: the value is the stated base.
    pub approx: bool,
    /// The numeral is this one char alone.
    pub lone: Option<char>,
}

#[derive(Debug, Default)]
struct Acc {
    /// Parts closed by 万/亿/兆 with their power, highest first.
    pairs: [(f64, i32); 4],
    npairs: usize,
    section: f64,
    /// Smallest of 十/百/千 used in the current section: units must descend.
    section_unit: i32,
    pending: Option<Atom>,
    last_unit: i32,
    zero: bool,
    any: bool,
    /// After 余/多 only 万/亿 may follow.
    after_approx: bool,
    approx: bool,
    arabic: bool,
    chinese: bool,
    tokens: usize,
}

impl Acc {
    fn int_value(&self) -> f64 {
        let tail = match self.pending {
            // Colloquial: 一万三 = 13000, 百三 = 130, 两千三 = 2300; not after 零.
            Some(a) if a.single && !self.zero && self.last_unit >= 2 => {
                a.value() * pow10(self.last_unit - 1)
            }
            Some(a) => a.value(),
            None => 0.0,
        };
        let pairs: f64 = self.pairs.iter().take(self.npairs).map(|p| p.0).sum();
        pairs + self.section + tail
    }

    /// Applies 万/亿/兆 of power `u`; false if nothing precedes it to multiply.
    fn big(&mut self, u: i32) -> bool {
        if !self.any {
            return false;
        }
        // 万万 and 万亿 multiply what came before: take every closed part below `u`.
        let keep = self
            .pairs
            .iter()
            .take(self.npairs)
            .position(|&(_, level)| level <= u)
            .unwrap_or(self.npairs);
        if keep >= self.pairs.len() {
            return false;
        }
        let popped: f64 = self
            .pairs
            .iter()
            .skip(keep)
            .take(self.npairs - keep)
            .map(|p| p.0)
            .sum();
        let took = keep < self.npairs;
        self.npairs = keep;
        let total = match self.pending.take() {
            Some(a) if self.section == 0.0 && !took => a.dec.scaled(u).to_f64(),
            pending => (self.section + pending.map_or(0.0, Atom::value) + popped) * pow10(u),
        };
        if let Some(slot) = self.pairs.get_mut(self.npairs) {
            *slot = (total, u);
            self.npairs += 1;
        }
        self.section = 0.0;
        self.section_unit = 0;
        self.last_unit = u;
        self.zero = false;
        self.tokens += 1;
        true
    }
}

/// Reads an Arabic run: 6, 6.19, 10,000.233, ４，５６５, .5.
fn arabic_run(cs: &Chars, k: usize) -> Option<(Dec, usize, bool)> {
    let mut dec = Dec::default();
    let mut j = k;
    let mut digits = 0;
    let mut frac = false;
    while let Some(c) = at(cs, j) {
        if let Some(d) = arabic_digit(c) {
            if frac {
                dec.frac_digit(d);
            } else {
                dec.int_digit(d);
            }
            digits += 1;
            j += 1;
        } else if matches!(c, ',' | '，') && !frac && digits > 0 && is_group(cs, j + 1) {
            j += 1;
        } else if matches!(c, '.' | '．') && !frac && at(cs, j + 1).and_then(arabic_digit).is_some()
        {
            frac = true;
            j += 1;
        } else {
            break;
        }
    }
    (digits > 0).then_some((dec, j, digits == 1 && !frac))
}

/// Exactly three digits follow a thousands separator.
fn is_group(cs: &Chars, k: usize) -> bool {
    (k..k + 3).all(|i| at(cs, i).and_then(arabic_digit).is_some())
        && at(cs, k + 3).and_then(arabic_digit).is_none()
}

/// Fraction digits after 点: Chinese or Arabic, digit by digit.
fn fraction_digits(cs: &Chars, k: usize) -> Option<(Dec, usize)> {
    let mut dec = Dec::default();
    let mut j = k;
    while let Some(d) = at(cs, j).and_then(|c| chinese_digit(c).or_else(|| arabic_digit(c))) {
        dec.frac_digit(d);
        j += 1;
    }
    (j > k).then_some((dec, j))
}

/// Units that begin with 千/百/兆 and so end the numeral before them: 12千米 is 12 km.
const PREFIXED_UNITS: &[&str] = &[
    "千米",
    "千克",
    "千瓦",
    "千卡",
    "千伏",
    "千帕",
    "千焦",
    "千兆",
    "百分点",
    "兆瓦",
    "兆赫",
    "兆字节",
    "兆帕",
    "兆焦",
    "兆欧",
    "兆比特",
];

fn prefixed_unit_at(cs: &Chars, k: usize) -> bool {
    PREFIXED_UNITS.iter().any(|u| word_at(cs, k, u).is_some())
}

/// 兆 is 10^12 only when 亿 follows within the same numeral (五兆六十二亿); otherwise it
/// is mega (兆瓦, 五十兆).
fn zhao_is_multiplier(cs: &Chars, k: usize) -> bool {
    for i in k + 1..k + 40 {
        match at(cs, i) {
            Some(c) if big_unit(c) == Some(8) => return true,
            Some(c)
                if arabic_digit(c).is_some()
                    || chinese_digit(c).is_some()
                    || is_liang(c)
                    || small_unit(c).is_some()
                    || big_unit(c).is_some()
                    || is_space(c) => {}
            _ => return false,
        }
    }
    false
}

/// Digit-by-digit readings: 一七二零, 二〇二〇, 一二三. Two digits need a zero (三四 is
/// "three or four", not 34).
fn digit_string(cs: &Chars, start: usize) -> Option<Plain> {
    let mut dec = Dec::default();
    let mut j = start;
    let mut zero = false;
    while let Some(d) = at(cs, j).and_then(chinese_digit) {
        zero |= d == 0;
        dec.int_digit(d);
        j += 1;
    }
    let count = j - start;
    if count < 2 || (count == 2 && !zero) {
        return None;
    }
    if at(cs, j).is_some_and(|c| small_unit(c).is_some() || big_unit(c).is_some()) {
        return None;
    }
    let mut value = dec.to_f64();
    if matches!(at(cs, j), Some('点' | '點')) {
        if let Some((frac, end)) = fraction_digits(cs, skip_spaces(cs, j + 1)) {
            value = match Dec::join(value, frac) {
                Ok(d) => d.to_f64(),
                Err(v) => v,
            };
            j = end;
        }
    }
    Some(Plain {
        value,
        end: j,
        arabic: false,
        chinese: true,
        approx: false,
        lone: None,
    })
}

/// Reads the numeral at `start`, or None if none begins there.
pub(super) fn parse_plain(cs: &Chars, start: usize) -> Option<Plain> {
    if let Some(p) = digit_string(cs, start) {
        return Some(p);
    }
    let mut a = Acc::default();
    let mut j = start;
    loop {
        let k = skip_spaces(cs, j);
        let Some(c) = at(cs, k) else { break };
        let spaced = k > j;
        let point_start =
            matches!(c, '.' | '．') && k == start && at(cs, k + 1).and_then(arabic_digit).is_some();
        if arabic_digit(c).is_some() || point_start {
            if a.after_approx || a.pending.is_some() {
                break;
            }
            let Some((dec, end, single)) = arabic_run(cs, k) else {
                break;
            };
            a.pending = Some(Atom { dec, single });
            a.any = true;
            a.arabic = true;
            a.tokens += 1;
            j = end;
            continue;
        }
        let digit = chinese_digit(c).or_else(|| is_liang(c).then_some(2));
        if let Some(d) = digit {
            if a.after_approx || a.pending.is_some() {
                break;
            }
            // 两 inside a numeral is a digit only before a unit: 三千两百 but 三十两.
            if is_liang(c)
                && k != start
                && !at(cs, k + 1).is_some_and(|n| small_unit(n).is_some() || big_unit(n).is_some())
            {
                break;
            }
            a.chinese = true;
            a.tokens += 1;
            j = k + 1;
            if d == 0 {
                a.zero = true;
                if !a.any {
                    a.pending = Some(Atom::digit(0));
                }
                a.any = true;
                continue;
            }
            a.pending = Some(Atom::digit(d));
            a.any = true;
            continue;
        }
        if let Some(u) = small_unit(c) {
            if a.after_approx
                || prefixed_unit_at(cs, k)
                || (a.section_unit != 0 && u >= a.section_unit)
            {
                break;
            }
            let part = match a.pending.take() {
                Some(p) => p.dec.scaled(u).to_f64(),
                None => pow10(u),
            };
            a.section += part;
            a.section_unit = u;
            a.last_unit = u;
            a.zero = false;
            a.any = true;
            a.chinese = true;
            a.tokens += 1;
            j = k + 1;
            continue;
        }
        if matches!(c, '廿' | '卅' | '卌') {
            if a.after_approx || a.pending.is_some() || (a.section_unit != 0 && a.section_unit <= 1)
            {
                break;
            }
            a.section += match c {
                '廿' => 20.0,
                '卅' => 30.0,
                _ => 40.0,
            };
            a.section_unit = 1;
            a.last_unit = 1;
            a.any = true;
            a.chinese = true;
            a.tokens += 1;
            j = k + 1;
            continue;
        }
        // 两个亿: 个 between the count and 亿.
        let (big, width) = match c {
            '个' | '個' if a.pending.is_some() && at(cs, k + 1).and_then(big_unit).is_some() => {
                (at(cs, k + 1).and_then(big_unit), 2)
            }
            '兆' if zhao_is_multiplier(cs, k) => (Some(12), 1),
            _ => (big_unit(c), 1),
        };
        if let Some(u) = big {
            if !a.big(u) {
                break;
            }
            a.chinese = true;
            j = k + width;
            continue;
        }
        if matches!(c, '点' | '點') {
            if a.after_approx || !a.any {
                break;
            }
            let Some((frac, end)) = fraction_digits(cs, skip_spaces(cs, k + 1)) else {
                break;
            };
            let no_big = a.npairs == 0;
            return Some(after_decimal(cs, &a, frac, end, no_big));
        }
        if matches!(c, '余' | '餘' | '多') {
            // 多于 is a comparator, not "and more".
            if !a.any || a.after_approx || (c == '多' && matches!(at(cs, k + 1), Some('于' | '於')))
            {
                break;
            }
            a.approx = true;
            a.after_approx = true;
            a.tokens += 1;
            j = k + 1;
            continue;
        }
        if matches!(c, '几' | '幾') {
            if !a.any || a.after_approx || a.pending.is_some() || spaced && a.section == 0.0 {
                break;
            }
            a.approx = true;
            a.pending = Some(Atom::digit(0));
            a.tokens += 1;
            j = k + 1;
            continue;
        }
        break;
    }
    if !a.any {
        return None;
    }
    let lone = (a.tokens == 1 && j == start + 1)
        .then(|| at(cs, start))
        .flatten();
    Some(Plain {
        value: a.int_value(),
        end: j,
        arabic: a.arabic,
        chinese: a.chinese,
        approx: a.approx,
        lone,
    })
}

/// The integer part followed by 点 and digits; 六点五万 may still scale by 万/亿.
fn after_decimal(cs: &Chars, a: &Acc, frac: Dec, end: usize, no_big: bool) -> Plain {
    let mut num = Dec::join(a.int_value(), frac);
    let mut j = end;
    let mut approx = a.approx;
    if no_big {
        loop {
            let k = skip_spaces(cs, j);
            let Some(u) = at(cs, k).and_then(big_unit) else {
                break;
            };
            num = match num {
                Ok(d) => Ok(d.scaled(u)),
                Err(v) => Err(v * pow10(u)),
            };
            j = k + 1;
        }
    }
    if matches!(at(cs, j), Some('余' | '餘')) {
        approx = true;
        j += 1;
    }
    Plain {
        value: match num {
            Ok(d) => d.to_f64(),
            Err(v) => v,
        },
        end: j,
        arabic: a.arabic,
        chinese: true,
        approx,
        lone: None,
    }
}

/// A numeral with its sign and its fraction and percent forms.
#[derive(Clone, Copy, Debug)]
pub(super) struct Numeral {
    pub value: f64,
    pub end: usize,
    pub arabic: bool,
    pub chinese: bool,
    pub approx: bool,
    /// Already in percent: 百分之二十, 千分之一, 三成.
    pub percent: bool,
    pub lone: Option<char>,
}

fn sign_at(cs: &Chars, k: usize) -> (bool, usize) {
    let next = at(cs, k + 1);
    let arabic_next = next.and_then(arabic_digit).is_some()
        || (matches!(next, Some('.' | '．')) && at(cs, k + 2).and_then(arabic_digit).is_some());
    match at(cs, k) {
        Some('负' | '負') if arabic_next || next.is_some_and(starts_numeral) => (true, k + 1),
        Some('-' | '－' | '−') if arabic_next => (true, k + 1),
        _ => (false, k),
    }
}

/// After a denominator: 分之 (spaces allowed), returning where the numerator begins.
fn fen_zhi(cs: &Chars, k: usize) -> Option<usize> {
    let k = skip_spaces(cs, k);
    if !is(cs, k, '分') {
        return None;
    }
    let k = skip_spaces(cs, k + 1);
    is(cs, k, '之').then(|| skip_spaces(cs, k + 1))
}

/// 百分之, 千分之, 万分之, 百万分之 (no digit before): a percent, as a power of ten.
fn bare_denominator(cs: &Chars, j: usize) -> Option<(i32, usize)> {
    let mut k = j;
    let mut exp = 0;
    let mut count = 0;
    loop {
        let s = if count > 0 { skip_spaces(cs, k) } else { k };
        let e = match at(cs, s) {
            Some('百' | '佰') => 2,
            Some('千' | '仟') => 3,
            Some('万' | '萬') => 4,
            Some('亿' | '億') => 8,
            _ => break,
        };
        exp += e;
        count += 1;
        k = s + 1;
        if count > 6 {
            return None;
        }
    }
    if count == 0 {
        return None;
    }
    fen_zhi(cs, k).map(|after| (exp, after))
}

/// Chars after 成 that make it a word (成员, 成为, 一成不变) rather than tenths.
fn is_cheng_word(c: char) -> bool {
    "员員为為立本果效绩績功交型熟品都长長就份套批群不年人家片材才语語形像全事稿败敗亲親婚药藥衣"
        .contains(c)
}

pub(super) fn is_han(c: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&c) || ('\u{3400}'..='\u{4dbf}').contains(&c)
}

/// Reads a numeral at `start`: sign, 分之 fractions, 又, 百分之, 成.
pub(super) fn parse_numeral(cs: &Chars, start: usize) -> Option<Numeral> {
    let (neg, j) = sign_at(cs, start);
    let sign = if neg { -1.0 } else { 1.0 };
    if let Some((den, after)) = bare_denominator(cs, j) {
        let (num_neg, nj) = sign_at(cs, after);
        let num = parse_plain(cs, nj)?;
        let num_sign = if num_neg { -1.0 } else { 1.0 };
        return Some(Numeral {
            value: sign * num_sign * num.value / pow10(den - 2),
            end: num.end,
            arabic: num.arabic,
            chinese: true,
            approx: num.approx,
            percent: true,
            lone: None,
        });
    }
    if is(cs, j, '半') {
        let (value, percent) = match at(cs, j + 1) {
            Some('百' | '佰') => (50.0, false),
            Some('成') => (5.0, true),
            _ => return None,
        };
        return Some(Numeral {
            value: sign * value,
            end: j + 2,
            arabic: false,
            chinese: true,
            approx: false,
            percent,
            lone: None,
        });
    }
    let p = parse_plain(cs, j)?;
    let mut n = Numeral {
        value: p.value,
        end: p.end,
        arabic: p.arabic,
        chinese: p.chinese || neg && matches!(at(cs, start), Some('负' | '負')),
        approx: p.approx,
        percent: false,
        lone: if neg { None } else { p.lone },
    };
    if let Some(after) = fen_zhi(cs, p.end) {
        let (num_neg, nj) = sign_at(cs, after);
        if let Some(num) = parse_plain(cs, nj) {
            let num_sign = if num_neg { -1.0 } else { 1.0 };
            n.value = num_sign * num.value / p.value;
            n.end = num.end;
            n.arabic |= num.arabic;
            n.chinese = true;
            n.approx |= num.approx;
            n.lone = None;
        }
        n.value *= sign;
        return Some(n);
    }
    let k = skip_spaces(cs, p.end);
    if is(cs, k, '又') {
        let mixed = parse_plain(cs, skip_spaces(cs, k + 1)).and_then(|den| {
            let after = fen_zhi(cs, den.end)?;
            let num = parse_plain(cs, after)?;
            Some((num.value / den.value, num.end, den.arabic || num.arabic))
        });
        if let Some((frac, end, arabic)) = mixed {
            n.value += frac;
            n.end = end;
            n.arabic |= arabic;
            n.chinese = true;
            n.lone = None;
        }
    }
    if !p.approx && n.value > 0.0 && n.value <= 10.0 {
        let k = skip_spaces(cs, n.end);
        if is(cs, k, '成') && !at(cs, k + 1).is_some_and(is_cheng_word) {
            n.value *= 10.0;
            n.end = k + 1;
            n.percent = true;
            n.chinese = true;
            n.lone = None;
            let k2 = skip_spaces(cs, n.end);
            if is(cs, k2, '半') {
                n.value += 5.0;
                n.end = k2 + 1;
            } else if let Some(d) = at(cs, k2).and_then(|c| chinese_digit(c).or(arabic_digit(c))) {
                let after = at(cs, k2 + 1);
                let ends = !after.is_some_and(|c| {
                    is_han(c) || arabic_digit(c).is_some() || matches!(c, '.' | '．' | '%' | '％')
                });
                if d > 0 && ends {
                    n.value += f64::from(d);
                    n.end = k2 + 1;
                }
            }
        }
    }
    n.value *= sign;
    Some(n)
}
