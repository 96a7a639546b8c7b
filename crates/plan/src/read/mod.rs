//! From the lines of a notice to the structured plan: finds the list of items among
//! everything else a notice or a web page holds, then reads each item.

mod marker;
mod meta;
mod table;
mod targets;
mod text;
mod units;

use crate::model::{Item, Plan, Target, Warning, WarningKind};
use marker::{read_marker, Marker, Style};
use targets::targets_in;
use text::{is_colon, trim_punct};
use units::{take_clauses, Clauses, Units};

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ReadError {
    #[error("no plan items were found: no numbered list (1. / 1、 / （一） / a table with 序号) in the text")]
    NoItems,
}

/// One numbered line of the chosen list.
#[derive(Debug, Clone, Copy)]
struct Entry {
    line: usize,
    marker: Marker,
}

/// Reads the plan from the lines of a notice.
pub fn read_plan(lines: &[String]) -> Result<Plan, ReadError> {
    if let Some(plan) = table::read_table_plan(lines) {
        return Ok(plan);
    }
    let lines = &split_run_on_items(lines);
    let notice = Notice::new(lines);
    let entries = choose_list(&notice).ok_or(ReadError::NoItems)?;
    let first_line = entries.first().map_or(0, |e| e.line);
    let meta = meta::read_meta(lines, first_line);
    let context = UnitContext::new(&meta, &notice);
    let ends = item_ends(&notice, &entries);
    let categories = categories(&notice, &entries, &ends);
    let mut items = Vec::with_capacity(entries.len());
    let mut warnings = numbering_warnings(&entries);
    for (k, entry) in entries.iter().enumerate() {
        let content_end = ends[k];
        let item_lines = std::iter::once(entry.line)
            .chain((entry.line + 1..content_end).filter(|i| !categories.heading_lines.contains(i)));
        let mut clauses = Clauses::default();
        let mut kept: Vec<String> = Vec::new();
        for i in item_lines {
            clauses.extend(notice.clauses[i].clone());
            let text = if i == entry.line {
                // The marker is never part of a clause, so the kept line starts with it.
                let marker = &lines[i][..entry.marker.len];
                notice.kept[i]
                    .strip_prefix(marker)
                    .unwrap_or(&notice.kept[i])
            } else {
                notice.kept[i].as_str()
            };
            let text = text.trim();
            if !text.is_empty() {
                kept.push(text.to_string());
            }
        }
        let seq = k as u32 + 1;
        let item = build_item(seq, categories.of(k), &kept, clauses, &context);
        warnings.extend(item_warnings(&item));
        items.push(item);
    }
    Ok(Plan {
        meta,
        items,
        warnings,
    })
}

/// The lines of a notice with what is known of each, found once: choosing the list asks
/// the same questions of the same lines many times.
pub(crate) struct Notice<'a> {
    lines: &'a [String],
    /// Whether each line holds a unit clause.
    has_units: Vec<bool>,
    /// Whether each line's unit clause names a unit with a 区/县/市 prefix.
    prefixed_units: Vec<bool>,
    /// Each line without its unit clauses, and the clauses: read once, used again when
    /// the line turns out to belong to an item.
    kept: Vec<String>,
    clauses: Vec<Clauses>,
}

impl<'a> Notice<'a> {
    pub(crate) fn new(lines: &'a [String]) -> Self {
        let mut has_units = Vec::with_capacity(lines.len());
        let mut prefixed_units = Vec::with_capacity(lines.len());
        let mut kept = Vec::with_capacity(lines.len());
        let mut line_clauses = Vec::with_capacity(lines.len());
        for line in lines {
            let mut clauses = Clauses::default();
            kept.push(take_clauses(line, &mut clauses));
            has_units.push(!clauses.is_empty());
            let prefixed = !clauses.is_empty()
                && units::list_prefix(&clauses.clone().into_units(None, None)).is_some();
            prefixed_units.push(prefixed);
            line_clauses.push(clauses);
        }
        Self {
            lines,
            has_units,
            prefixed_units,
            kept,
            clauses: line_clauses,
        }
    }
}

/// Lines shorter than this are never split: a run-on list holds several items.
const RUN_ON_MIN_CHARS: usize = 80;

/// Text copied out of some pages arrives with a whole list on one line. Splits a line
/// before each item number that follows the end of a sentence or a unit clause, where
/// those numbers count on (…。2.… …）3.…).
fn split_run_on_items(lines: &[String]) -> Vec<String> {
    let mut out = Vec::with_capacity(lines.len());
    for line in lines {
        if line.chars().count() < RUN_ON_MIN_CHARS {
            out.push(line.clone());
            continue;
        }
        let splits = run_on_splits(line);
        let mut start = 0;
        for at in splits {
            out.push(line[start..at].trim().to_string());
            start = at;
        }
        out.push(line[start..].trim().to_string());
    }
    out.retain(|l| !l.is_empty());
    out
}

fn run_on_splits(line: &str) -> Vec<usize> {
    let mut candidates: Vec<(usize, Marker)> = Vec::new();
    let mut previous: Option<char> = None;
    for (i, c) in line.char_indices() {
        let after_end = previous.is_some_and(|p| {
            matches!(p, '。' | '；' | ';' | '）' | ')' | '”' | '！') || p.is_whitespace()
        });
        if after_end {
            if let Some(marker) = read_marker(&line[i..]).filter(|m| m.style != Style::TableRow) {
                candidates.push((i, marker));
            }
        }
        previous = Some(c);
    }
    let opening = read_marker(line);
    let mut best: Vec<usize> = Vec::new();
    for style in distinct_styles_of(candidates.iter().map(|(_, m)| m)) {
        let mut last = opening.filter(|m| m.style == style).map(|m| m.number);
        let mut splits = Vec::new();
        for (at, marker) in candidates.iter().filter(|(_, m)| m.style == style) {
            let counts_on = match last {
                Some(n) => marker.number == n + 1,
                None => true,
            };
            if counts_on {
                splits.push(*at);
                last = Some(marker.number);
            }
        }
        let enough = if opening.is_some_and(|m| m.style == style) {
            1
        } else {
            2
        };
        if splits.len() >= enough && splits.len() > best.len() {
            best = splits;
        }
    }
    best
}

fn distinct_styles_of<'a>(markers: impl Iterator<Item = &'a Marker>) -> Vec<Style> {
    let mut styles = Vec::new();
    for m in markers {
        if !styles.contains(&m.style) {
            styles.push(m.style);
        }
    }
    styles
}

/// What the unit lists of a notice share: the place the plan belongs to and, where the
/// notice prefixes its units, the prefix to give lists that carry none.
#[derive(Debug, Default)]
pub(crate) struct UnitContext {
    place: Option<String>,
    fallback_prefix: Option<char>,
}

impl UnitContext {
    fn new(meta: &crate::model::Meta, notice: &Notice<'_>) -> Self {
        let place_with_level = [meta.issuer.as_deref(), meta.title.as_deref()]
            .into_iter()
            .flatten()
            .find_map(place_of);
        let (place, level) = match place_with_level {
            Some((place, level)) => (Some(place), Some(level)),
            None => (None, None),
        };
        // Where most lists name a prefixed unit, a list with none means the same level
        // (海州生态环境局、…、农业农村局 is 区农业农村局).
        let total = notice.has_units.iter().filter(|&&b| b).count();
        let prefixed = notice.prefixed_units.iter().filter(|&&b| b).count();
        let fallback_prefix = level.filter(|_| total > 0 && prefixed * 2 > total);
        Self {
            place,
            fallback_prefix,
        }
    }

    fn units(&self, clauses: Clauses) -> Units {
        clauses.into_units(self.place.as_deref(), self.fallback_prefix)
    }
}

/// 海州区人民政府 → (海州, 区); 某某县 → (某某, 县).
fn place_of(text: &str) -> Option<(String, char)> {
    let chars: Vec<char> = text.chars().collect();
    for (i, &c) in chars.iter().enumerate().take(12) {
        if matches!(c, '区' | '县' | '市' | '旗') && (2..=4).contains(&i) {
            let place: String = chars[..i].iter().collect();
            if place.chars().all(text::is_han) && !place.contains("关于") {
                return Some((place, c));
            }
        }
    }
    // 区政府关于…2020年海州区50件: the place inside the title.
    let after_year = text.find('年').map(|i| &text[i + '年'.len_utf8()..])?;
    let chars: Vec<char> = after_year.chars().collect();
    chars.iter().enumerate().take(6).find_map(|(i, &c)| {
        (matches!(c, '区' | '县' | '市' | '旗') && (2..=4).contains(&i))
            .then(|| (chars[..i].iter().collect(), c))
    })
}

/// Picks the numbered run that is the list of items.
fn choose_list(notice: &Notice<'_>) -> Option<Vec<Entry>> {
    let lines = notice.lines;
    let candidates: Vec<Entry> = lines
        .iter()
        .enumerate()
        .filter_map(|(line, text)| {
            read_marker(text)
                .filter(|m| m.style != Style::TableRow)
                .map(|marker| Entry { line, marker })
        })
        .collect();
    let expected = expected_count(lines);
    let mut lists: Vec<Vec<Entry>> = Vec::new();
    for style in distinct_styles_of(candidates.iter().map(|c| &c.marker)) {
        lists.extend(join_restarted_runs(notice, runs_of(&candidates, style)));
    }
    lists
        .into_iter()
        .map(|list| (run_score(notice, &list, expected), list))
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, list)| list)
}

/// Runs of one style numbered 1, 2, 3 …; a small gap or a repeated number (a notice's
/// typo) does not break a run, a return to 1 starts a new one.
fn runs_of(candidates: &[Entry], style: Style) -> Vec<Vec<Entry>> {
    let mut runs = Vec::new();
    let mut current: Vec<Entry> = Vec::new();
    for entry in candidates.iter().filter(|c| c.marker.style == style) {
        let n = entry.marker.number;
        match current.last() {
            _ if n == 1 => {
                if !current.is_empty() {
                    runs.push(std::mem::take(&mut current));
                }
                current.push(*entry);
            }
            Some(last) if n > last.marker.number && n <= last.marker.number + 3 => {
                current.push(*entry)
            }
            Some(last) if n == last.marker.number => current.push(*entry),
            _ => {}
        }
    }
    if !current.is_empty() {
        runs.push(current);
    }
    runs
}

/// The count a title announces: 50件民生实事, 十大民生实事, 30项.
fn expected_count(lines: &[String]) -> Option<usize> {
    lines.iter().take(60).find_map(|line| {
        let quantities = crate::numbers::find_quantities(line);
        quantities
            .iter()
            .find(|q| {
                matches!(q.unit.as_str(), "件" | "项" | "大")
                    && line[q.span.end..]
                        .trim_start()
                        .starts_with(['民', '实', '重', '为'])
            })
            .map(|q| q.value as usize)
    })
}

/// How much a run looks like the list of items: long entries with unit clauses and
/// numbers score high; navigation links and short headings low.
fn run_score(notice: &Notice<'_>, run: &[Entry], expected: Option<usize>) -> f64 {
    let lines = notice.lines;
    let mut score = 0.0;
    for (k, entry) in run.iter().enumerate() {
        let end = run
            .get(k + 1)
            .map_or((entry.line + 4).min(lines.len()), |next| next.line)
            .max(entry.line + 1);
        let extent = &lines[entry.line..end];
        let has_units = notice.has_units[entry.line..end].iter().any(|&b| b);
        let length: usize = extent.iter().map(|l| l.chars().count()).sum();
        let has_digits = extent.iter().any(|l| l.chars().any(|c| c.is_ascii_digit()));
        score += 1.0
            + if has_units { 3.0 } else { 0.0 }
            + if length >= 20 { 1.0 } else { 0.0 }
            + if has_digits { 0.5 } else { 0.0 };
    }
    if expected == Some(run.len()) {
        score *= 1.5;
    }
    score
}

/// Where numbering restarts under each category (教育类 1–5, 卫生类 1–7), the runs that
/// follow one another with a heading between them are one list. Runs of one style come in
/// the order of their lines.
fn join_restarted_runs(notice: &Notice<'_>, runs: Vec<Vec<Entry>>) -> Vec<Vec<Entry>> {
    let unit_share = |run: &[Entry]| {
        let with_units = run.iter().filter(|e| notice.has_units[e.line]).count();
        with_units as f64 / run.len().max(1) as f64
    };
    let mut lists: Vec<Vec<Entry>> = Vec::new();
    let mut last_run: Vec<Entry> = Vec::new();
    for run in runs {
        let joins = match (last_run.last(), run.first(), lists.last()) {
            (Some(last), Some(first), Some(_)) => {
                let style = first.marker.style;
                let between = last.line + 1..first.line;
                between.len() <= 12
                    && between
                        .into_iter()
                        .any(|i| is_heading_like(notice, i, style))
                    && (unit_share(&last_run) - unit_share(&run)).abs() < 0.5
            }
            _ => false,
        };
        match lists.last_mut() {
            Some(list) if joins => list.extend(run.iter().copied()),
            _ => lists.push(run.clone()),
        }
        last_run = run;
    }
    lists
}

/// A line that can head a group of items: numbered in another style, or short and
/// without sentence punctuation.
fn is_heading_like(notice: &Notice<'_>, i: usize, item_style: Style) -> bool {
    let line = &notice.lines[i];
    let len = line.chars().count();
    if line.contains(['。', '；', ';']) || len > 40 || notice.has_units[i] || is_terminator(line)
    {
        return false;
    }
    match read_marker(line) {
        Some(m) if m.style != item_style => len <= 30,
        Some(_) => false,
        None => len <= 20 && !line.contains(['，', ',']),
    }
}

/// Lines that end the list: the foot of an official document and of a web page.
fn is_terminator(line: &str) -> bool {
    const STARTS: &[&str] = &[
        "抄送",
        "主送",
        "附件",
        "附：",
        "附:",
        "附表",
        "扫一扫",
        "打印",
        "【打印",
        "[打印",
        "关闭",
        "【关闭",
        "分享",
        "相关文件",
        "相关链接",
        "相关阅读",
        "相关新闻",
        "上一篇",
        "下一篇",
        "责任编辑",
        "来源：",
        "主办",
        "版权所有",
        "网站标识码",
        "联系我们",
        "地址：",
        "电话：",
        "（此件",
        "(此件",
        "此件公开",
        "公开方式",
        "政策解读",
        "扫码",
        "【字体",
        "字体：",
        "说明：",
        "说明:",
        "注：",
        "注:",
        "备注：",
        "备注:",
        "浏览次数",
        "访问量",
        "Copyright",
        "copyright",
        "©",
    ];
    let line = line.trim();
    STARTS.iter().any(|s| line.starts_with(s))
        || line.contains("ICP备")
        || line.contains("网站标识码")
        || line.contains("版权所有")
        || (line.ends_with("印发") && meta::find_date(line).is_some())
        || is_date_only(line)
}

fn is_date_only(line: &str) -> bool {
    meta::find_date(line).is_some() && line.chars().count() <= 16 && line.ends_with('日')
}

/// The line after each item's last line.
fn item_ends(notice: &Notice<'_>, entries: &[Entry]) -> Vec<usize> {
    entries
        .iter()
        .enumerate()
        .map(|(k, entry)| match entries.get(k + 1) {
            Some(next) => next.line,
            None => last_item_end(notice, entry),
        })
        .collect()
}

/// Nothing marks where the last item ends but what follows it: a terminator, a signing
/// line, or, once the item's unit clause has been read, any line that is not more units.
fn last_item_end(notice: &Notice<'_>, entry: &Entry) -> usize {
    const MAX_CONTINUATION_LINES: usize = 12;
    let lines = notice.lines;
    let mut closed = notice.has_units[entry.line];
    let mut end = entry.line + 1;
    while end < lines.len() && end - entry.line <= MAX_CONTINUATION_LINES {
        let line = &lines[end];
        if is_terminator(line) || is_signature_like(line) {
            break;
        }
        let is_units = notice.has_units[end];
        if closed && !is_units {
            break;
        }
        if read_marker(line).is_some_and(|m| m.style.is_chinese()) {
            break;
        }
        closed |= is_units;
        end += 1;
    }
    end
}

fn is_signature_like(line: &str) -> bool {
    let line = line.trim();
    line.chars().count() <= 30
        && !line.contains(['，', '。', '：', ':'])
        && ["人民政府", "办公室", "委员会", "办公厅"]
            .iter()
            .any(|e| line.ends_with(e))
}

/// The category headings of the list, by item.
struct Categories {
    of_item: Vec<Option<String>>,
    /// Lines that are headings, left out of the items they stand between.
    heading_lines: Vec<usize>,
}

impl Categories {
    fn of(&self, k: usize) -> Option<String> {
        self.of_item.get(k).cloned().flatten()
    }
}

fn categories(notice: &Notice<'_>, entries: &[Entry], ends: &[usize]) -> Categories {
    let lines = notice.lines;
    let Some(style) = entries.first().map(|e| e.marker.style) else {
        return Categories {
            of_item: Vec::new(),
            heading_lines: Vec::new(),
        };
    };
    let mut sequence = HeadingSequence::default();
    // The heading above the first item; it counts only if the list has others.
    let above_first = entries
        .first()
        .and_then(|first| first.line.checked_sub(1))
        .filter(|&i| is_heading_like(notice, i, style) && sequence.accepts(&lines[i]));
    let mut headings: Vec<(usize, String)> = Vec::new();
    for (k, entry) in entries.iter().enumerate().skip(1) {
        let previous_end = ends[k - 1];
        let mut found = Vec::new();
        let mut i = entry.line;
        // Headings stand right before the item they open, after the previous item closed.
        while i > entries[k - 1].line + 1 && i > previous_end.saturating_sub(3).max(1) {
            if !is_heading_like(notice, i - 1, style) || !previous_closed(notice, i - 1, style) {
                break;
            }
            found.push(i - 1);
            i -= 1;
        }
        for line in found.into_iter().rev() {
            if sequence.accepts(&lines[line]) {
                headings.push((line, trim_punct(&lines[line]).to_string()));
            }
        }
    }
    if let Some(line) = above_first.filter(|_| !headings.is_empty()) {
        headings.push((line, trim_punct(&lines[line]).to_string()));
    }
    headings.sort_by_key(|h| h.0);
    headings.dedup_by_key(|h| h.0);
    let of_item = entries
        .iter()
        .map(|entry| {
            headings
                .iter()
                .rev()
                .find(|(line, _)| *line < entry.line)
                .map(|(_, text)| text.clone())
        })
        .collect();
    Categories {
        of_item,
        heading_lines: headings.iter().map(|h| h.0).collect(),
    }
}

/// Numbered headings count on from one another (一、 二、 三、); sub-points inside an item
/// ((1) (2) (3), restarting in each item) do not.
#[derive(Debug, Default)]
struct HeadingSequence {
    last: Option<(Style, u32)>,
}

impl HeadingSequence {
    fn accepts(&mut self, line: &str) -> bool {
        let Some(marker) = read_marker(line) else {
            return true;
        };
        let fits = match self.last {
            None => marker.number <= 2,
            Some((style, n)) => style != marker.style || marker.number == n + 1,
        };
        if fits {
            self.last = Some((marker.style, marker.number));
        }
        fits
    }
}

/// A short unnumbered line is a heading only where the item before it has closed (its
/// last line ends a sentence or is its unit clause); a numbered one always is.
fn previous_closed(notice: &Notice<'_>, at: usize, style: Style) -> bool {
    if read_marker(&notice.lines[at]).is_some_and(|m| m.style != style) {
        return true;
    }
    let Some(previous) = at.checked_sub(1) else {
        return true;
    };
    notice.lines[previous]
        .trim_end()
        .ends_with(['。', '）', ')', '；', ';'])
        || notice.has_units[previous]
}

/// An item from its lines without their unit clauses, and those clauses.
fn build_item(
    seq: u32,
    category: Option<String>,
    kept: &[String],
    clauses: Clauses,
    context: &UnitContext,
) -> Item {
    let units = context.units(clauses);
    let (title, text) = split_title(kept);
    let targets = item_targets(&title, &text);
    Item {
        seq,
        category,
        title,
        text,
        lead_units: units.lead,
        support_units: units.support,
        targets,
    }
}

/// The title is the words before the first 。 or colon of the item's paragraph; a line
/// without either, followed by more lines, is a title on its own line.
fn split_title(kept: &[String]) -> (String, String) {
    let Some(first) = kept.first() else {
        return (String::new(), String::new());
    };
    // 【改善办学条件】新建… : a bracketed name.
    if let Some(inner) = first.strip_prefix('【') {
        if let Some(close) = inner.find('】') {
            let title = trim_punct(&inner[..close]).to_string();
            let mut text = inner[close + '】'.len_utf8()..].trim().to_string();
            for line in &kept[1..] {
                text.push_str(line);
            }
            return (title, text);
        }
    }
    match title_delimiter(first) {
        Some((at, len)) => {
            let title = trim_punct(&first[..at]).to_string();
            let mut text = first[at + len..].trim().to_string();
            for line in &kept[1..] {
                text.push_str(line);
            }
            (title, text)
        }
        None => {
            let title = trim_punct(first).to_string();
            (title, kept[1..].concat())
        }
    }
}

/// The first 。 or colon that is not inside a number (1:1) or brackets.
fn title_delimiter(line: &str) -> Option<(usize, usize)> {
    let mut depth = 0usize;
    let mut previous: Option<char> = None;
    let mut chars = line.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if text::is_open_paren(c) || matches!(c, '“' | '《') {
            depth += 1;
        } else if text::is_close_paren(c) || matches!(c, '”' | '》') {
            depth = depth.saturating_sub(1);
        } else if depth == 0 && (c == '。' || is_colon(c)) {
            let between_digits = previous.is_some_and(|p| p.is_ascii_digit())
                && chars.peek().is_some_and(|&(_, n)| n.is_ascii_digit());
            if !between_digits {
                return Some((i, c.len_utf8()));
            }
        }
        previous = Some(c);
    }
    None
}

/// Targets of the body, and those of the title that the body does not repeat.
fn item_targets(title: &str, text: &str) -> Vec<Target> {
    let mut targets = targets_in(text);
    for target in targets_in(title) {
        let repeated = targets
            .iter()
            .any(|t| t.value == target.value && t.unit == target.unit);
        if !repeated {
            targets.insert(0, target);
        }
    }
    targets
}

fn numbering_warnings(entries: &[Entry]) -> Vec<Warning> {
    let mut warnings = Vec::new();
    for pair in entries.windows(2) {
        let (a, b) = (pair[0].marker.number, pair[1].marker.number);
        if b == a {
            warnings.push(Warning {
                seq: None,
                kind: WarningKind::NumberingRepeat,
                message: format!("编号 {b} 重复出现（第 {} 行）", pair[1].line + 1),
            });
        } else if b > a + 1 {
            warnings.push(Warning {
                seq: None,
                kind: WarningKind::NumberingGap,
                message: format!("编号从 {a} 跳到 {b}（第 {} 行）", pair[1].line + 1),
            });
        }
    }
    warnings
}

pub(crate) fn item_warnings(item: &Item) -> Vec<Warning> {
    let mut warnings = Vec::new();
    if item.lead_units.is_empty() {
        warnings.push(Warning {
            seq: Some(item.seq),
            kind: WarningKind::NoUnits,
            message: format!("第 {} 项「{}」没有读到牵头单位", item.seq, item.title),
        });
    }
    if item.targets.is_empty() {
        warnings.push(Warning {
            seq: Some(item.seq),
            kind: WarningKind::NoTargets,
            message: format!("第 {} 项「{}」没有读到量化目标", item.seq, item.title),
        });
    }
    warnings
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &str) -> Vec<String> {
        text.lines().map(str::to_string).collect()
    }

    #[test]
    fn a_list_run_together_on_one_line_is_split_at_its_item_numbers() {
        let run_on = "1.改善办学条件。新建中小学6所，新增1.5万平方米。(牵头单位:区教育局)2.均衡城乡教育。交流比例提高至20%以上。(牵头单位:区教育局)3.优化教育服务。抽检率100%。(牵头单位:区教育局)";
        let split = split_run_on_items(&lines(run_on));
        assert_eq!(split.len(), 3, "{split:?}");
        assert!(split[1].starts_with("2.均衡城乡教育"));
        let plan = read_plan(&lines(run_on)).unwrap();
        assert_eq!(plan.items.len(), 3);
        assert_eq!(plan.items[2].title, "优化教育服务");
    }

    #[test]
    fn items_restarting_under_each_category_are_one_list_numbered_on() {
        let text = "2022年某县民生实事\n教育类\n1.新建幼儿园。新建幼儿园2所。（牵头单位：县教育局）\n2.改造学校。改造学校3所。（牵头单位：县教育局）\n卫生类\n1.建设卫生室。新建卫生室5个。（牵头单位：县卫健委）\n2.筛查。筛查1万人。（牵头单位：县卫健委）";
        let plan = read_plan(&lines(text)).unwrap();
        let seqs: Vec<u32> = plan.items.iter().map(|i| i.seq).collect();
        assert_eq!(seqs, [1, 2, 3, 4]);
        assert_eq!(plan.items[0].category.as_deref(), Some("教育类"));
        assert_eq!(plan.items[2].category.as_deref(), Some("卫生类"));
        assert_eq!(plan.items[3].lead_units, ["县卫健委"]);
    }

    #[test]
    fn numbered_links_on_a_page_are_not_taken_for_the_list() {
        let text = "1.首页\n2.政务公开\n3.政策文件\n关于印发2020年民生实事的通知\n1.改善办学条件。新建中小学6所。(牵头单位:区教育局)\n2.均衡城乡教育。交流比例提高至20%以上。(牵头单位:区教育局)\n3.优化教育服务。抽检率100%。(牵头单位:区教育局)\n4.促进学生全面发展。举办讲座10期。(牵头单位:区教育局)\n相关文件\n1.关于2019年的通知\n2.关于2018年的通知";
        let plan = read_plan(&lines(text)).unwrap();
        assert_eq!(plan.items.len(), 4);
        assert_eq!(plan.items[0].title, "改善办学条件");
        assert_eq!(plan.items[3].text, "举办讲座10期。");
    }

    #[test]
    fn a_title_on_its_own_line_takes_the_body_from_the_lines_below() {
        let text = "1、稳定就业\n城镇新增就业4万人。\n牵头单位：市人社局\n2、创业扶持\n扶持创业2000人。\n牵头单位：市人社局";
        let plan = read_plan(&lines(text)).unwrap();
        assert_eq!(plan.items[0].title, "稳定就业");
        assert_eq!(plan.items[0].text, "城镇新增就业4万人。");
        assert_eq!(plan.items[1].lead_units, ["市人社局"]);
    }

    #[test]
    fn text_without_a_numbered_list_has_no_items() {
        assert_eq!(
            read_plan(&lines("今天天气很好。\n我们去公园。")).unwrap_err(),
            ReadError::NoItems
        );
    }
}
