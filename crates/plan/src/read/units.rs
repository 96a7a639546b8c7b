//! Responsible units: the 牵头单位/配合单位 clauses of an item, in all the ways notices
//! write them, and the lists inside them.

use super::text::{is_close_paren, is_colon, is_open_paren, matching_close, trim_punct};
use std::collections::HashMap;
use std::sync::LazyLock;

/// What a labelled list of units is, by its label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// 牵头单位 and its kin.
    Lead,
    /// 责任单位, 实施单位 …: the lead when no 牵头单位 is named, support beside one.
    Responsible,
    /// 配合单位 and its kin.
    Support,
    /// Labels that name people or dates, not units (责任领导, 完成时限).
    Other,
}

/// Labels as notices write them, longest first where one is a prefix of another.
const LABELS: &[(&str, Role)] = &[
    ("牵头责任单位", Role::Lead),
    ("牵头实施单位", Role::Lead),
    ("主要责任单位", Role::Lead),
    ("牵头单位", Role::Lead),
    ("牵头处室", Role::Lead),
    ("牵头科室", Role::Lead),
    ("牵头部门", Role::Lead),
    ("主责单位", Role::Lead),
    ("主办单位", Role::Lead),
    ("负责单位", Role::Lead),
    ("责任单位", Role::Responsible),
    ("责任部门", Role::Responsible),
    ("责任处室", Role::Responsible),
    ("责任科室", Role::Responsible),
    ("责任主体", Role::Responsible),
    ("实施单位", Role::Responsible),
    ("实施主体", Role::Responsible),
    ("承办单位", Role::Responsible),
    ("承担单位", Role::Responsible),
    ("建设单位", Role::Responsible),
    ("配合单位", Role::Support),
    ("配合部门", Role::Support),
    ("协办单位", Role::Support),
    ("协助单位", Role::Support),
    ("协同单位", Role::Support),
    ("参与单位", Role::Support),
    ("协办部门", Role::Support),
    ("配合处室", Role::Support),
    // Short forms: （牵头：区教育局；配合：区财政局）.
    ("牵头", Role::Lead),
    ("配合", Role::Support),
    ("协办", Role::Support),
    ("责任领导", Role::Other),
    ("牵头领导", Role::Other),
    ("分管领导", Role::Other),
    ("联系领导", Role::Other),
    ("责任人", Role::Other),
    ("联系人", Role::Other),
    ("完成时限", Role::Other),
    ("完成时间", Role::Other),
    ("时间节点", Role::Other),
];

/// The labels by their first character, in the order of `LABELS` (longest first).
static LABELS_BY_FIRST_CHAR: LazyLock<HashMap<char, Vec<(&'static str, Role)>>> =
    LazyLock::new(|| {
        let mut index: HashMap<char, Vec<(&'static str, Role)>> = HashMap::new();
        for &(label, role) in LABELS {
            if let Some(first) = label.chars().next() {
                index.entry(first).or_default().push((label, role));
            }
        }
        index
    });

/// The first characters of the labels above (a test keeps the two in step).
fn is_label_start(c: char) -> bool {
    matches!(
        c,
        '牵' | '主'
            | '负'
            | '责'
            | '实'
            | '承'
            | '建'
            | '配'
            | '协'
            | '参'
            | '分'
            | '联'
            | '完'
            | '时'
    )
}

/// The units named by one item.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Units {
    pub lead: Vec<String>,
    pub support: Vec<String>,
}

/// Labelled lists gathered from an item, before roles are settled.
#[derive(Debug, Default, Clone)]
pub struct Clauses {
    lists: Vec<(Role, String)>,
}

impl Clauses {
    pub fn is_empty(&self) -> bool {
        self.lists.is_empty()
    }

    pub fn push(&mut self, role: Role, list: &str) {
        if !list.trim().is_empty() {
            self.lists.push((role, list.to_string()));
        }
    }

    pub fn into_lists(self) -> Vec<(Role, String)> {
        self.lists
    }

    /// Adds the lists of another line of the same item.
    pub fn extend(&mut self, other: Clauses) {
        self.lists.extend(other.lists);
    }

    /// Settles roles: 责任单位 leads unless a 牵头单位 is also named; inside a 责任单位
    /// list, units marked （牵头） lead and the rest support.
    /// `place` is the name of the plan's own place (海州 for 海州区), which bodies named
    /// after it carry instead of a prefix; `fallback_prefix` is spread over a list in
    /// which no unit is prefixed, where the notice prefixes its other lists.
    pub fn into_units(self, place: Option<&str>, fallback_prefix: Option<char>) -> Units {
        let has_lead = self.lists.iter().any(|(role, _)| *role == Role::Lead);
        let mut units = Units::default();
        for (role, list) in &self.lists {
            let names = split_list(list);
            let marked_lead = names.iter().any(|n| n.marked_lead);
            for name in names {
                let target = match role {
                    Role::Lead => &mut units.lead,
                    Role::Support => &mut units.support,
                    Role::Responsible if has_lead => &mut units.support,
                    Role::Responsible if marked_lead && !name.marked_lead => &mut units.support,
                    Role::Responsible => &mut units.lead,
                    Role::Other => continue,
                };
                if !target.contains(&name.name) {
                    target.push(name.name);
                }
            }
        }
        spread_prefix(&mut units, place, fallback_prefix);
        units
    }
}

/// Finds the label at the start of `text` (spaces allowed inside it, as in 牵 头 单 位),
/// followed by a colon or a closing bracket. Returns its role and the bytes it takes.
pub fn label_at(text: &str) -> Option<(Role, usize)> {
    // Called at every character of every line: rule most positions out cheaply.
    let first = text.chars().next()?;
    if !is_label_start(first) {
        return None;
    }
    LABELS_BY_FIRST_CHAR
        .get(&first)?
        .iter()
        .find_map(|&(label, role)| {
            let end = label_end(text, label)?;
            let after = &text[end..];
            let trimmed = after.trim_start();
            let delimiter_len = match trimmed.chars().next() {
                Some(c) if is_colon(c) || c == '】' || c == ']' || c == '］' => {
                    after.len() - trimmed.len() + c.len_utf8()
                }
                // A label alone in a table header cell or at the end of a line.
                None => after.len(),
                _ => return None,
            };
            Some((role, end + delimiter_len))
        })
}

/// Where `label` ends in `text` if `text` starts with it, spaces inside allowed.
fn label_end(text: &str, label: &str) -> Option<usize> {
    let mut wanted = label.chars();
    let mut next = wanted.next();
    for (i, c) in text.char_indices() {
        let Some(expected) = next else {
            return Some(i);
        };
        if c.is_whitespace() {
            continue;
        }
        if c != expected {
            return None;
        }
        next = wanted.next();
    }
    next.is_none().then_some(text.len())
}

/// Removes every unit clause from one line of an item, collecting the lists. Returns
/// what is left of the line.
pub fn take_clauses(line: &str, clauses: &mut Clauses) -> String {
    let mut kept = String::new();
    let mut rest = line;
    while let Some(clause) = find_clause(rest) {
        kept.push_str(&rest[..clause.start]);
        match clause.form {
            ClauseForm::Labelled => read_labelled_lists(clause.inner, clauses),
            ClauseForm::Verbs => read_verb_lists(clause.inner, clauses),
            ClauseForm::Bare => clauses.push(Role::Responsible, clause.inner),
        }
        rest = &rest[clause.end..];
    }
    kept.push_str(rest);
    kept
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ClauseForm {
    /// 牵头单位：A；配合单位：B
    Labelled,
    /// （A牵头，B配合）
    Verbs,
    /// （A、B）: names of bodies with no label, closing the item.
    Bare,
}

#[derive(Debug)]
struct Clause<'a> {
    start: usize,
    end: usize,
    inner: &'a str,
    form: ClauseForm,
}

/// Finds the next unit clause: a bracketed group that opens with a label or reads
/// 「A牵头，B配合」, or a bare label running to the end of the line.
fn find_clause(line: &str) -> Option<Clause<'_>> {
    for (i, c) in line.char_indices() {
        if is_open_paren(c) {
            let inner_start = i + c.len_utf8();
            let inner = line[inner_start..].trim_start();
            let inner_at = line.len() - inner.len();
            let close = matching_close(line, i);
            let (end, inner) = match close {
                Some(close) => {
                    let close_len = line[close..].chars().next().map_or(1, char::len_utf8);
                    (close + close_len, &line[inner_at..close])
                }
                None => (line.len(), &line[inner_at..]),
            };
            let label = label_at(inner);
            // 【牵头单位】区教育局: the bracket holds the label alone and the list follows.
            if c == '【' && label.is_some_and(|(_, len)| inner[len..].trim().is_empty()) {
                return Some(Clause {
                    start: i,
                    end: line.len(),
                    inner: &line[inner_at..],
                    form: ClauseForm::Labelled,
                });
            }
            // A label with nothing after it is a mark inside a list, as in 区城管局（牵头）.
            if label.is_some_and(|(_, len)| !inner[len..].trim().is_empty()) {
                return Some(Clause {
                    start: i,
                    end,
                    inner,
                    form: ClauseForm::Labelled,
                });
            }
            if close.is_some() && is_verb_list(inner) {
                return Some(Clause {
                    start: i,
                    end,
                    inner,
                    form: ClauseForm::Verbs,
                });
            }
            // 新建中小学6所。（区教育局、区住建局）: units alone in the item's last brackets.
            if close.is_some()
                && line[end..].trim_matches(['。', ' ']).is_empty()
                && is_bare_unit_list(inner)
            {
                return Some(Clause {
                    start: i,
                    end,
                    inner,
                    form: ClauseForm::Bare,
                });
            }
        } else if label_at(&line[i..]).is_some() && starts_clause(line, i) {
            return Some(Clause {
                start: i,
                end: line.len(),
                inner: &line[i..],
                form: ClauseForm::Labelled,
            });
        }
    }
    None
}

/// Whether every name in a bracketed list is the name of a body (区教育局, 城投集团): then
/// the brackets closing an item name its units though no label says so.
fn is_bare_unit_list(inner: &str) -> bool {
    let names = split_list(inner);
    !names.is_empty()
        && names.iter().all(|n| {
            let name = n.name.as_str();
            let len = name.chars().count();
            (3..=20).contains(&len)
                && !name.chars().any(|c| c.is_ascii_digit())
                && (AGENCY_SUFFIXES.iter().any(|s| name.ends_with(s))
                    || OWN_NAME_SUFFIXES.iter().any(|s| name.ends_with(s))
                    || name.ends_with("政府"))
        })
}

/// Verbs after a list of units that say what the units do.
const LEAD_VERBS: &[&str] = &["牵头负责", "牵头"];
const SUPPORT_VERBS: &[&str] = &[
    "按职责分工负责",
    "按职能分工负责",
    "按职责负责",
    "分工负责",
    "配合",
    "参与",
    "协助",
    "协办",
    "共同负责",
    "负责",
];

/// 「市教育局牵头，市财政局配合」: the first part names who leads.
fn is_verb_list(inner: &str) -> bool {
    if !inner.contains("牵头") {
        return false;
    }
    let first = split_outside_brackets(inner, &['，', ',', '；', ';'])
        .into_iter()
        .next()
        .unwrap_or_default();
    let first = first.trim().trim_end_matches('等');
    LEAD_VERBS
        .iter()
        .any(|v| first.ends_with(v) && first.chars().count() > v.chars().count() + 1)
}

fn read_verb_lists(inner: &str, clauses: &mut Clauses) {
    for part in split_outside_brackets(inner, &['，', ',', '；', ';']) {
        let part = part.trim();
        if let Some(list) = LEAD_VERBS.iter().find_map(|v| part.strip_suffix(v)) {
            clauses.push(Role::Lead, list);
        } else if let Some(list) = SUPPORT_VERBS.iter().find_map(|v| part.strip_suffix(v)) {
            clauses.push(Role::Support, list);
        }
    }
}

fn split_outside_brackets(text: &str, separators: &[char]) -> Vec<String> {
    let mut parts = Vec::new();
    let mut depth = 0usize;
    let mut current = String::new();
    for c in text.chars() {
        if is_open_paren(c) {
            depth += 1;
        } else if is_close_paren(c) {
            depth = depth.saturating_sub(1);
        }
        if depth == 0 && separators.contains(&c) {
            parts.push(std::mem::take(&mut current));
        } else {
            current.push(c);
        }
    }
    parts.push(current);
    parts
}

/// A bare label starts a clause at the start of a line or after a sentence ends; inside
/// running text (督促牵头单位：) it would be rare, but 由牵头单位负责 has no colon anyway.
fn starts_clause(line: &str, at: usize) -> bool {
    let before = line[..at].trim_end();
    before.is_empty()
        || before.ends_with(['。', '；', ';', '，', ',', '|', '.'])
        || before.chars().last().is_some_and(is_close_paren)
}

/// Reads `牵头单位：A、B；配合单位：C` into (role, list) pairs.
fn read_labelled_lists(inner: &str, clauses: &mut Clauses) {
    let mut cursor = 0;
    let mut current: Option<(Role, usize)> = None;
    for (i, _) in inner.char_indices() {
        if i < cursor {
            continue;
        }
        // 牵头单位：市卫健委 责任单位：… separates the two lists with a space alone.
        let after_space = inner[..i]
            .chars()
            .next_back()
            .is_some_and(char::is_whitespace);
        let at_boundary = i == 0 || after_space || {
            let before = inner[..i].trim_end();
            before.is_empty()
                || before.ends_with(['；', ';', '，', ',', '。', ' ', '|'])
                || before.chars().last().is_some_and(is_close_paren)
                || before.ends_with(['、'])
        };
        if !at_boundary {
            continue;
        }
        if let Some((role, len)) = label_at(&inner[i..]) {
            if let Some((prev_role, from)) = current.take() {
                clauses.push(prev_role, &inner[from..i]);
            }
            current = Some((role, i + len));
            cursor = i + len;
        }
    }
    if let Some((role, from)) = current {
        clauses.push(role, &inner[from..]);
    }
}

/// Drops closing brackets at the end that close nothing inside the list (left over from
/// a clause whose own bracket was not matched); 各镇（街道） keeps its own.
fn trim_unbalanced_close(list: &str) -> &str {
    let mut list = list;
    loop {
        let opens = list.chars().filter(|&c| is_open_paren(c)).count();
        let closes = list.chars().filter(|&c| is_close_paren(c)).count();
        match list.chars().next_back() {
            Some(c) if is_close_paren(c) && closes > opens => {
                list = &list[..list.len() - c.len_utf8()];
            }
            _ => return list,
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
struct ListedUnit {
    name: String,
    marked_lead: bool,
}

/// Splits a list on 、，,；; and spaces, outside brackets; drops 等 and 牵头 marks.
fn split_list(list: &str) -> Vec<ListedUnit> {
    let mut names = Vec::new();
    let mut depth = 0usize;
    let mut current = String::new();
    let list = trim_unbalanced_close(list.trim().trim_end_matches('。'));
    for c in list.chars() {
        if is_open_paren(c) {
            depth += 1;
        } else if is_close_paren(c) {
            depth = depth.saturating_sub(1);
        }
        let separates = depth == 0
            && (matches!(c, '、' | '，' | ',' | '；' | ';' | '/' | '／') || c.is_whitespace());
        if separates {
            names.extend(clean_name(&current));
            current.clear();
        } else {
            current.push(c);
        }
    }
    names.extend(clean_name(&current));
    names
}

fn clean_name(raw: &str) -> Option<ListedUnit> {
    let mut name = trim_punct(raw).to_string();
    let mut marked_lead = false;
    for mark in ["（牵头）", "(牵头)", "（牵头单位）", "(牵头单位)"] {
        if let Some(stripped) = name.strip_suffix(mark) {
            name = stripped.to_string();
            marked_lead = true;
        }
    }
    if let Some(stripped) = name.strip_suffix("牵头") {
        name = stripped.to_string();
        marked_lead = true;
    }
    for tail in ["等相关单位", "等有关单位", "等单位", "等部门", "等"] {
        if let Some(stripped) = name.strip_suffix(tail) {
            name = stripped.to_string();
            break;
        }
    }
    let name = trim_punct(&name).to_string();
    (!name.is_empty()).then_some(ListedUnit { name, marked_lead })
}

/// Administrative prefixes that a list shares: 区教育局、卫健委 is 区卫健委.
const PREFIXES: [char; 4] = ['区', '县', '市', '旗'];

/// The prefix a list's first prefixed unit carries, if any.
pub fn list_prefix(units: &Units) -> Option<char> {
    units
        .lead
        .iter()
        .chain(&units.support)
        .find_map(|name| own_prefix(name))
}

fn own_prefix(name: &str) -> Option<char> {
    let first = name.chars().next()?;
    (PREFIXES.contains(&first) && !starts_with_word_not_prefix(name)).then_some(first)
}

/// 市场监管局 and 区域… start with a prefix character that is not a prefix.
fn starts_with_word_not_prefix(name: &str) -> bool {
    [
        "市场",
        "市政园林",
        "市政公用",
        "市政工程",
        "市政设施",
        "区域",
        "县域",
    ]
    .iter()
    .any(|w| name.starts_with(w))
}

/// Suffixes of government bodies that take the shared prefix when written bare.
const AGENCY_SUFFIXES: &[&str] = &[
    "局",
    "委",
    "办",
    "会",
    "联",
    "中心",
    "院",
    "所",
    "站",
    "队",
    "处",
    "部",
    "厅",
    "社",
    "协",
    "馆",
    "署",
    "委员会",
    "办公室",
    "工委",
];

/// Suffixes of companies and other bodies whose names are never prefixed.
const OWN_NAME_SUFFIXES: &[&str] = &[
    "集团",
    "公司",
    "银行",
    "分行",
    "支行",
    "电信",
    "移动",
    "联通",
    "有限公司",
];

fn spread_prefix(units: &mut Units, place: Option<&str>, fallback: Option<char>) {
    let Some(prefix) = list_prefix(units).or(fallback) else {
        return;
    };
    for name in units.lead.iter_mut().chain(units.support.iter_mut()) {
        if takes_prefix(name, place) {
            name.insert(0, prefix);
        }
    }
}

/// Bodies of a higher level stationed in a district, named after the place rather than
/// prefixed: 海州公安分局, 海州生态环境局, 海州消防救援大队.
const BODIES_NAMED_AFTER_PLACE: &[&str] = &[
    "公安分局",
    "生态环境局",
    "生态环境分局",
    "消防救援大队",
    "消防救援支队",
    "税务局",
    "供电公司",
    "供电分公司",
    "自然资源和规划分局",
    "自然资源分局",
    "交警大队",
    "海关",
];

/// Zones whose bodies are named after them rather than prefixed.
const ZONES: &[&str] = &[
    "景区",
    "园区",
    "开发区",
    "新区",
    "高新区",
    "度假区",
    "保税区",
    "示范区",
];

/// Words that end in a level character without naming a place: 商业街区, 社区, 城市.
const WORDS_ENDING_IN_LEVEL: &[&str] = &[
    "街区", "社区", "园区", "景区", "城区", "小区", "校区", "新区", "片区", "山区", "林区", "牧区",
    "城市", "都市", "超市", "城县",
];

fn takes_prefix(name: &str, place: Option<&str>) -> bool {
    let Some(first) = name.chars().next() else {
        return false;
    };
    if own_prefix(name).is_some() || matches!(first, '各' | '团' | '驻' | '全') {
        return false;
    }
    if OWN_NAME_SUFFIXES.iter().any(|s| name.ends_with(s)) {
        return false;
    }
    if !AGENCY_SUFFIXES.iter().any(|s| name.ends_with(s)) {
        return false;
    }
    // 海州公安分局, 海州消防救援大队: the body is named after the place already.
    if place.is_some_and(|place| name.starts_with(place)) {
        return false;
    }
    if BODIES_NAMED_AFTER_PLACE
        .iter()
        .any(|body| name.ends_with(body) && name.chars().count() > body.chars().count() + 1)
    {
        return false;
    }
    // 云顶山景区管委会, 经济开发区管委会: bodies of a named zone keep their own name.
    if ZONES.iter().any(|zone| name.contains(zone)) {
        return false;
    }
    // 团区委, 某某区公安分局: a level character after a place name.
    let chars: Vec<char> = name.chars().collect();
    let has_level_inside = chars.iter().enumerate().skip(1).take(3).any(|(i, c)| {
        PREFIXES.contains(c) && {
            let word: String = chars[i - 1..=i].iter().collect();
            !WORDS_ENDING_IN_LEVEL.contains(&word.as_str())
        }
    });
    !has_level_inside
}

#[cfg(test)]
mod tests {
    use super::*;

    fn units_of(line: &str) -> (String, Units) {
        let mut clauses = Clauses::default();
        let kept = take_clauses(line, &mut clauses);
        (kept, clauses.into_units(None, None))
    }

    #[test]
    fn a_parenthesised_lead_clause_is_taken_out_of_the_text() {
        let (kept, units) = units_of("新建中小学6所。(牵头单位:区教育局)");
        assert_eq!(kept, "新建中小学6所。");
        assert_eq!(units.lead, ["区教育局"]);
    }

    #[test]
    fn the_shared_prefix_spreads_over_bare_names_only() {
        let (_, units) = units_of("（牵头单位：区卫健委、团区委、红十字会）");
        assert_eq!(units.lead, ["区卫健委", "团区委", "区红十字会"]);
        let (_, units) = units_of("（牵头单位：区教育局、市场监管局）");
        assert_eq!(units.lead, ["区教育局", "区市场监管局"]);
        let mut clauses = Clauses::default();
        take_clauses(
            "(牵头单位:海州生态环境局、海州公安分局、农业农村局、交通运输局)",
            &mut clauses,
        );
        let units = clauses.into_units(Some("海州"), Some('区'));
        assert_eq!(
            units.lead,
            [
                "海州生态环境局",
                "海州公安分局",
                "区农业农村局",
                "区交通运输局"
            ]
        );
        let (_, units) = units_of("（牵头单位：教育局）");
        assert_eq!(units.lead, ["教育局"]);
        let (_, units) = units_of("(牵头单位:区住建局、瀛洲集团、海发集团)");
        assert_eq!(units.lead, ["区住建局", "瀛洲集团", "海发集团"]);
        let (_, units) = units_of("(牵头单位:区文体旅游局、商业街区发展中心)");
        assert_eq!(units.lead, ["区文体旅游局", "区商业街区发展中心"]);
        let (_, units) = units_of("（责任单位：县民政局、残联）");
        assert_eq!(units.lead, ["县民政局", "县残联"]);
    }

    #[test]
    fn lead_and_support_lists_in_one_clause_are_told_apart() {
        let (_, units) = units_of("（牵头单位：县教育局；配合单位：县财政局、县住建局）");
        assert_eq!(units.lead, ["县教育局"]);
        assert_eq!(units.support, ["县财政局", "县住建局"]);
    }

    #[test]
    fn units_marked_as_leading_inside_a_responsible_list_lead() {
        let (_, units) = units_of("（责任单位：区城管局（牵头）、区公安分局、区交通局）");
        assert_eq!(units.lead, ["区城管局"]);
        assert_eq!(units.support, ["区公安分局", "区交通局"]);
    }

    #[test]
    fn a_label_on_its_own_line_and_a_comma_between_units_are_read() {
        let (kept, units) = units_of("牵头单位：区住建局,海州消防救援大队");
        assert_eq!(kept, "");
        assert_eq!(units.lead, ["区住建局", "海州消防救援大队"]);
    }

    #[test]
    fn responsible_units_beside_a_lead_unit_support_it() {
        let mut clauses = Clauses::default();
        take_clauses("牵头单位：市人社局", &mut clauses);
        take_clauses("责任单位：市人社局、市财政局", &mut clauses);
        let units = clauses.into_units(None, None);
        assert_eq!(units.lead, ["市人社局"]);
        assert_eq!(units.support, ["市人社局", "市财政局"]);
    }

    #[test]
    fn units_named_with_verbs_are_read() {
        let (kept, units) =
            units_of("提高低保标准。（市民政局牵头，市财政局、市人社局等按职责分工负责）");
        assert_eq!(kept, "提高低保标准。");
        assert_eq!(units.lead, ["市民政局"]);
        assert_eq!(units.support, ["市财政局", "市人社局"]);
        let (kept, _) = units_of("新建学校（含改扩建）3所。");
        assert_eq!(kept, "新建学校（含改扩建）3所。");
    }

    #[test]
    fn a_lead_mark_in_a_note_is_not_a_clause_and_bracketed_names_keep_their_brackets() {
        let (kept, units) = units_of("说明：标注“（牵头）”的为牵头单位，其余为配合单位。");
        assert_eq!(kept, "说明：标注“（牵头）”的为牵头单位，其余为配合单位。");
        assert!(units.lead.is_empty() && units.support.is_empty());
        let (_, units) = units_of("（实施单位：区行政审批局（牵头）、各镇（街道））");
        assert_eq!(units.lead, ["区行政审批局"]);
        assert_eq!(units.support, ["各镇（街道）"]);
    }

    #[test]
    fn two_labels_apart_by_a_space_are_two_lists() {
        let (_, units) = units_of("（牵头单位：市卫健委 责任单位：市财政局、市医保局）");
        assert_eq!(units.lead, ["市卫健委"]);
        assert_eq!(units.support, ["市财政局", "市医保局"]);
        let (_, units) = units_of("（牵头单位：县城管局、住建局；责任单位：云顶山景区管委会）");
        assert_eq!(units.lead, ["县城管局", "县住建局"]);
        assert_eq!(units.support, ["云顶山景区管委会"]);
    }

    #[test]
    fn units_in_brackets_without_a_label_close_an_item() {
        let (kept, units) = units_of("新建中小学6所。（区教育局、区住建局）");
        assert_eq!(kept, "新建中小学6所。");
        assert_eq!(units.lead, ["区教育局", "区住建局"]);
        let (kept, units) = units_of("新建学校（含改扩建）3所，改造社区（村）服务中心5个。");
        assert_eq!(kept, "新建学校（含改扩建）3所，改造社区（村）服务中心5个。");
        assert!(units.lead.is_empty());
    }

    #[test]
    fn a_label_in_square_brackets_is_read_before_or_around_its_list() {
        let (kept, units) = units_of("【牵头单位】区教育局");
        assert_eq!(kept, "");
        assert_eq!(units.lead, ["区教育局"]);
        let (kept, units) = units_of("新建中小学6所。【牵头单位：区教育局】");
        assert_eq!(kept, "新建中小学6所。");
        assert_eq!(units.lead, ["区教育局"]);
    }

    #[test]
    fn short_labels_and_provincial_labels_are_read() {
        let (_, units) = units_of("（牵头：区教育局；配合：区财政局）");
        assert_eq!(units.lead, ["区教育局"]);
        assert_eq!(units.support, ["区财政局"]);
        let (_, units) = units_of("（牵头处室：规划处；配合处室：财务处）");
        assert_eq!(units.lead, ["规划处"]);
        assert_eq!(units.support, ["财务处"]);
    }

    #[test]
    fn every_label_starts_with_a_character_the_quick_check_knows() {
        for (label, _) in LABELS {
            let first = label.chars().next().unwrap();
            assert!(is_label_start(first), "{label}");
        }
    }

    #[test]
    fn leaders_and_deadlines_are_not_units() {
        let (_, units) = units_of("（牵头单位：区教育局；责任领导：张三；完成时限：2020年12月）");
        assert_eq!(units.lead, ["区教育局"]);
        assert!(units.support.is_empty());
    }
}
