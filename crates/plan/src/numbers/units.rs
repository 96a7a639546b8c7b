//! What follows and precedes a numeral: its unit, and the words that make it a bound.

use super::numeral::{at, skip_spaces, word_at, Chars};
use crate::numbers::Op;
use std::collections::HashMap;
use std::sync::LazyLock;

/// Measure words and units after a number, as written. 万/亿-prefixed forms are absent:
/// 万 and 亿 are read as multipliers, so 950万元 is 9500000 元.
const UNITS: &[&str] = &[
    // Counts.
    "个",
    "個",
    "位",
    "名",
    "人",
    "人次",
    "人份",
    "人日",
    "户",
    "戶",
    "户次",
    "戶次",
    "家",
    "家次",
    "处",
    "處",
    "条",
    "條",
    "条次",
    "座",
    "套",
    "台",
    "臺",
    "台次",
    "辆",
    "輛",
    "辆次",
    "车次",
    "架次",
    "艘",
    "张",
    "張",
    "间",
    "間",
    "栋",
    "棟",
    "幢",
    "层",
    "層",
    "楼",
    "项",
    "項",
    "项次",
    "件",
    "件次",
    "场",
    "場",
    "场次",
    "場次",
    "次",
    "期",
    "批",
    "批次",
    // Counts of service given, written with 次 after the measure word.
    "册次",
    "台次",
    "班次",
    "课次",
    "例次",
    "趟次",
    "篇次",
    "届",
    "屆",
    "支",
    "队",
    "隊",
    "班",
    "门",
    "門",
    "节",
    "節",
    "课时",
    "課時",
    "学时",
    "學時",
    "课",
    "册",
    "冊",
    "本",
    "份",
    "块",
    "塊",
    "根",
    "盏",
    "盞",
    "路",
    "路段",
    "床",
    "床位",
    "学位",
    "车位",
    "泊位",
    "岗位",
    "株",
    "棵",
    "只",
    "隻",
    "头",
    "頭",
    "匹",
    "口",
    "眼",
    "孔",
    "片",
    "道",
    "首",
    "部",
    "部门",
    "篇",
    "种",
    "種",
    "组",
    "組",
    "箱",
    "袋",
    "卷",
    "宗",
    "起",
    "例",
    "类",
    "類",
    "级",
    "級",
    "星",
    "星级",
    "号",
    "號",
    "号线",
    "线",
    "所",
    "站",
    "对",
    "對",
    "双",
    "雙",
    "副",
    "把",
    "枚",
    "颗",
    "顆",
    "粒",
    "瓶",
    "包",
    "盒",
    "桶",
    "罐",
    "杯",
    "碗",
    "倍",
    "轮",
    "輪",
    "遍",
    "趟",
    "回",
    "集",
    "章",
    "款",
    "档",
    "檔",
    "方面",
    "大",
    "剂",
    "剂次",
    "针",
    "针次",
    "村",
    "环",
    "版",
    "代",
    "点",
    "打",
    // Weight.
    "吨",
    "噸",
    "吨次",
    "公斤",
    "千克",
    "克",
    "毫克",
    "微克",
    "斤",
    "两",
    "兩",
    // Money.
    "元",
    "圆",
    "圓",
    "块钱",
    "塊錢",
    "美元",
    "欧元",
    "歐元",
    "日元",
    "港元",
    "港币",
    "港幣",
    "台币",
    "臺幣",
    "台幣",
    "新台币",
    "新臺幣",
    "卢布",
    "盧布",
    "泰铢",
    "泰銖",
    "英镑",
    "英鎊",
    "瑞士法郎",
    "法郎",
    "人民币",
    "人民幣",
    "奈拉",
    "比特币",
    "比特幣",
    "美分",
    "日币",
    "日幣",
    "韩元",
    "韓元",
    "澳元",
    "加元",
    "新加坡元",
    "卢比",
    // Area, length, volume.
    "亩",
    "畝",
    "公顷",
    "公頃",
    "平方米",
    "平方公尺",
    "平米",
    "平方公里",
    "平方千米",
    "平方",
    "㎡",
    "m²",
    "㎞",
    "公里",
    "千米",
    "米",
    "延米",
    "厘米",
    "毫米",
    "公分",
    "立方米",
    "立方",
    "方",
    "升",
    "毫升",
    "公升",
    // Energy, power, data.
    "千瓦",
    "千瓦时",
    "兆瓦",
    "兆瓦时",
    "瓦",
    "度",
    "千伏",
    "伏",
    "兆赫",
    "兆赫兹",
    "赫兹",
    "千卡",
    "卡",
    "兆字节",
    "字节",
    "兆",
    "千焦",
    // Percent points (also matched with spaces by `percent_point`).
    "百分点",
    // Time and age.
    "岁",
    "歲",
    "周岁",
    "週歲",
    "年",
    "年度",
    "季度",
    "个月",
    "個月",
    "月",
    "日",
    "天",
    "个工作日",
    "工作日",
    "小时",
    "小時",
    "时",
    "分钟",
    "分鐘",
    "分",
    "秒",
    "周",
    "週",
    "星期",
    "学年",
    "学期",
];

/// Latin units, exact case; they must end at a word boundary (5G is no unit).
const LATIN_UNITS: &[&str] = &[
    "km²", "m²", "m³", "kWh", "KWh", "kwh", "MWh", "kW", "KW", "kw", "MW", "MHz", "GHz", "Hz",
    "kV", "KV", "km", "KM", "Km", "cm", "CM", "mm", "MM", "kg", "KG", "Kg", "mg", "ml", "mL", "MB",
    "GB", "TB", "KB", "m",
];

/// A unit table indexed by first character: a notice tries every number against the
/// tables, and a scan of the whole table each time was most of the cost of reading one.
type UnitIndex = HashMap<char, Vec<&'static str>>;

fn index_by_first_char(table: &[&'static str]) -> UnitIndex {
    let mut index = UnitIndex::new();
    for unit in table {
        if let Some(first) = unit.chars().next() {
            index.entry(first).or_default().push(unit);
        }
    }
    index
}

static UNIT_INDEX: LazyLock<UnitIndex> = LazyLock::new(|| index_by_first_char(UNITS));
static LATIN_UNIT_INDEX: LazyLock<UnitIndex> = LazyLock::new(|| index_by_first_char(LATIN_UNITS));

fn longest(cs: &Chars, k: usize, index: &UnitIndex) -> Option<usize> {
    let candidates = index.get(&at(cs, k)?)?;
    candidates.iter().filter_map(|u| word_at(cs, k, u)).max()
}

/// The end of the longest known unit at `k`.
pub(super) fn table_unit(cs: &Chars, k: usize) -> Option<usize> {
    longest(cs, k, &UNIT_INDEX)
}

pub(super) fn latin_unit(cs: &Chars, k: usize) -> Option<usize> {
    let end = longest(cs, k, &LATIN_UNIT_INDEX)?;
    let boundary = !at(cs, end).is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
    boundary.then_some(end)
}

/// 个百分点 / 個百分點 / 百分点, with stray spaces between the chars; returns the end and
/// whether 个 was written.
pub(super) fn percent_point(cs: &Chars, k: usize) -> Option<(usize, bool)> {
    let mut j = skip_spaces(cs, k);
    let ge = matches!(at(cs, j), Some('个' | '個'));
    if ge {
        j = skip_spaces(cs, j + 1);
    }
    if !matches!(at(cs, j), Some('百' | '佰')) {
        return None;
    }
    j = skip_spaces(cs, j + 1);
    if at(cs, j) != Some('分') {
        return None;
    }
    j = skip_spaces(cs, j + 1);
    matches!(at(cs, j), Some('点' | '點')).then_some((j + 1, ge))
}

/// Whether a unit just matched is really a word of its own here (一打造, 对于, 起来).
pub(super) fn unit_is_word(unit: &str, next: Option<char>) -> bool {
    let Some(n) = next else { return false };
    let followers = match unit {
        "打" => "造通击擊赢贏好开開破卡印捞撈包扫掃出响響工架下算牢假黑拐私掉球针針磨压壓入进進折招理扮量听聽一二三四五六七八九十",
        "对" | "對" => "于於接口标標象话話照比策应應外",
        "起" => "来來到草点點步始码碼止诉訴飞飛航",
        "大" => "于於",
        "分" => "之别別配类類期批享担擔析布散",
        "方" => "面案式法向位针針便可",
        "点" => "击擊赞贊",
        "两" | "兩" => "个個年天次人名家所岸会會",
        "代" => "表替",
        "线" => "上下索",
        "站" => "式",
        _ => return false,
    };
    followers.contains(n)
}

/// Sub-units that continue an amount of money: 五元三毛, 50元6角三分, 两美元又三美分.
pub(super) fn money_subunits(unit: &str) -> &'static [(&'static str, u32)] {
    match unit {
        "元" | "圆" | "圓" | "块" | "塊" => &[("角", 10), ("毛", 10), ("分", 1)],
        "美元" => &[("美分", 1)],
        "欧元" | "歐元" => &[("欧分", 1), ("歐分", 1)],
        "日元" => &[("日本銭", 1), ("日本钱", 1), ("日本錢", 1)],
        _ => &[],
    }
}

/// Units of measure (not counts of things) for which 提高/降低 state a change: 提高15元,
/// 减少2小时; 改造提升50个 is a count of things upgraded.
pub(super) fn is_measure(unit: &str) -> bool {
    let base = unit.split('/').next().unwrap_or(unit);
    matches!(base, "%" | "个百分点" | "百分点")
        || !money_subunits(base).is_empty()
        || [
            "美元",
            "欧元",
            "歐元",
            "日元",
            "港元",
            "块钱",
            "塊錢",
            "小时",
            "小時",
            "分钟",
            "分鐘",
            "天",
            "日",
            "秒",
            "周",
            "个月",
            "個月",
            "年",
            "岁",
            "歲",
            "周岁",
            "米",
            "公里",
            "千米",
            "厘米",
            "毫米",
            "平方米",
            "平米",
            "平方公里",
            "亩",
            "畝",
            "公顷",
            "公頃",
            "立方米",
            "方",
            "吨",
            "噸",
            "公斤",
            "千克",
            "克",
            "斤",
            "千瓦",
            "千瓦时",
            "度",
            "倍",
            "微克",
            "毫克",
            "升",
        ]
        .contains(&base)
}

/// Words after the unit that bound the amount.
const AFTER: &[(&str, Op)] = &[
    ("（含）以上", Op::Ge),
    ("(含)以上", Op::Ge),
    ("及以上", Op::Ge),
    ("以上", Op::Ge),
    ("（含）以下", Op::Le),
    ("(含)以下", Op::Le),
    ("及以下", Op::Le),
    ("以下", Op::Le),
    ("以内", Op::Le),
];

/// A trailing 以上/以下/以内 at `k` (after spaces): its end and its op.
pub(super) fn op_after(cs: &Chars, k: usize) -> Option<(usize, Op)> {
    let j = skip_spaces(cs, k);
    AFTER
        .iter()
        .find_map(|&(w, op)| word_at(cs, j, w).map(|end| (end, op)))
}

/// What a word right before a number says about it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Before {
    Ge,
    Le,
    Inc,
    Dec,
}

/// Longer words first: 不少于 must win over 少于.
const BEFORE: &[(&str, Before)] = &[
    ("不少于", Before::Ge),
    ("不低于", Before::Ge),
    ("不小于", Before::Ge),
    ("不下于", Before::Ge),
    ("不超过", Before::Le),
    ("不高于", Before::Le),
    ("不多于", Before::Le),
    ("不大于", Before::Le),
    ("不到", Before::Le),
    ("不足", Before::Le),
    ("至少", Before::Ge),
    ("超过", Before::Ge),
    ("多于", Before::Ge),
    ("高于", Before::Ge),
    ("大于", Before::Ge),
    ("控制在", Before::Le),
    ("低于", Before::Le),
    ("少于", Before::Le),
    ("小于", Before::Le),
    ("以内", Before::Le),
    ("至多", Before::Le),
    ("最多", Before::Le),
    ("提高", Before::Inc),
    ("提升", Before::Inc),
    ("增长", Before::Inc),
    ("增加", Before::Inc),
    ("上升", Before::Inc),
    ("上涨", Before::Inc),
    ("降低", Before::Dec),
    ("下降", Before::Dec),
    ("减少", Before::Dec),
    ("压减", Before::Dec),
    ("降价", Before::Dec),
    ("缩减", Before::Dec),
    ("缩短", Before::Dec),
];

/// Words between the comparator and the number: 提高至, 达到, 控制在, 提高了.
const CONNECTORS: &[&str] = &[
    "达到",
    "达",
    "到",
    "至",
    "在",
    "为",
    "了",
    "约",
    "近",
    "是",
    "每人每月",
    "每人每年",
    "每人",
    "每户",
    "每年",
    "每月",
    "每天",
    "每日",
    "每家",
    "每所",
    "每个",
    "每村",
    "每校",
];

/// The comparator ending right before byte `start`, and whether 至/到 came between it and
/// the number (提高至 60% is a level, not a rise).
pub(super) fn op_before(text: &str, start: usize) -> (Option<Before>, bool) {
    let mut s = text.get(..start).unwrap_or("");
    let mut to = false;
    for _ in 0..4 {
        s = s.trim_end_matches([' ', '\t', '\u{3000}', '\u{a0}']);
        if let Some(&(w, b)) = BEFORE.iter().find(|(w, _)| s.ends_with(w)) {
            // 新增加 is a count of new things, not a rise.
            let fresh = matches!(b, Before::Inc) && s[..s.len() - w.len()].ends_with('新');
            return ((!fresh).then_some(b), to);
        }
        let Some(c) = CONNECTORS.iter().find(|c| s.ends_with(*c)) else {
            break;
        };
        to |= matches!(*c, "到" | "至");
        s = &s[..s.len() - c.len()];
    }
    (None, to)
}
