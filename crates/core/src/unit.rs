//! The registry of units (bureaus, towns) and how a name written in a notice finds its unit.

use crate::ids::UnitId;
use serde::{Deserialize, Serialize};

/// A unit of the registry: its name and the other names notices give it (教育局 = 区教育局).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unit {
    pub id: UnitId,
    pub name: String,
    #[serde(default)]
    pub aliases: Vec<String>,
}

impl Unit {
    /// Whether `name` names this unit: by name or alias, once both are reduced to their key
    /// for the plan's `place`.
    pub fn matches(&self, name: &str, place: Option<&str>) -> bool {
        let key = unit_key(name, place);
        self.names().any(|n| unit_key(n, place) == key)
    }

    fn names(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.name.as_str()).chain(self.aliases.iter().map(String::as_str))
    }
}

/// The unit `name` names, if any. A name or alias written exactly the same way wins over one
/// that only shares the key, so a registry that keeps 区教育局 and 市教育局 apart still can.
pub fn find_unit<'a>(units: &'a [Unit], name: &str, place: Option<&str>) -> Option<&'a Unit> {
    let normalized = normalize_unit_name(name);
    units
        .iter()
        .find(|u| u.names().any(|n| normalize_unit_name(n) == normalized))
        .or_else(|| units.iter().find(|u| u.matches(name, place)))
}

/// A unit name as typed, made comparable: no spaces (including the full-width space and
/// zero-width characters that pasted text carries), full-width letters, digits and brackets
/// made half-width.
pub fn normalize_unit_name(name: &str) -> String {
    name.chars()
        .filter(|c| !c.is_whitespace() && !matches!(c, '\u{200B}'..='\u{200D}' | '\u{FEFF}'))
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c),
            _ => c,
        })
        .collect()
}

/// The key a unit name is matched by: normalized, then without the place's own name
/// (海州区教育局 → 教育局, also 海州教育局) or, failing that, without one leading 区/县/市
/// (区教育局 → 教育局). Words that only begin with those characters keep them: 市场监管局,
/// 市政工程处, 市民中心, 区域, 县志办. Within one plan every unit is of one level, which is
/// why 区教育局 and 教育局 can be taken as one unit.
pub fn unit_key(name: &str, place: Option<&str>) -> String {
    let name = normalize_unit_name(name);
    let stripped = place
        .map(normalize_unit_name)
        .and_then(|place| strip_place(&name, &place))
        .or_else(|| strip_level(&name));
    match stripped {
        Some(rest) if !rest.is_empty() => rest.to_owned(),
        _ => name,
    }
}

const LEVELS: [char; 3] = ['区', '县', '市'];

fn strip_place<'a>(name: &'a str, place: &str) -> Option<&'a str> {
    if place.is_empty() {
        return None;
    }
    if let Some(rest) = name.strip_prefix(place) {
        return Some(rest);
    }
    // 海州区 is also written 海州; a one-character stem (a place called 沙县, say) is too
    // short to tell from the start of an ordinary word.
    let stem = place.strip_suffix(LEVELS)?;
    if stem.chars().count() < 2 {
        return None;
    }
    name.strip_prefix(stem)
}

fn strip_level(name: &str) -> Option<&str> {
    let mut chars = name.chars();
    let level = chars.next().filter(|c| LEVELS.contains(c))?;
    let rest = chars.as_str();
    let is_word = match level {
        '市' => {
            rest.starts_with(['场', '民', '容'])
                || (rest.starts_with('政') && !rest.starts_with("政府"))
        }
        '区' => rest.starts_with(['域', '划']),
        _ => rest.starts_with(['域', '志']),
    };
    (!is_word).then_some(rest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_district_prefix_or_the_districts_own_name_does_not_make_a_new_unit() {
        let key = unit_key("教育局", Some("海州区"));
        assert_eq!(key, "教育局");
        assert_eq!(unit_key("区教育局", Some("海州区")), key);
        assert_eq!(unit_key("海州区教育局", Some("海州区")), key);
        assert_eq!(unit_key("海州教育局", Some("海州区")), key);
        assert_eq!(unit_key("区教育局", None), key);
        assert_eq!(unit_key("县教育局", None), key);
    }

    #[test]
    fn words_that_begin_with_a_level_character_keep_it() {
        assert_eq!(unit_key("市场监管局", None), "市场监管局");
        assert_eq!(unit_key("区市场监管局", None), "市场监管局");
        assert_eq!(unit_key("市政工程处", None), "市政工程处");
        assert_eq!(unit_key("市政府办", None), "政府办");
        assert_eq!(unit_key("市民中心", None), "市民中心");
        assert_eq!(unit_key("区", None), "区");
    }

    #[test]
    fn spaces_and_full_width_characters_do_not_make_a_new_unit() {
        assert_eq!(normalize_unit_name(" 区 教育局\u{3000}"), "区教育局");
        assert_eq!(
            normalize_unit_name("区住建局（人防办）"),
            "区住建局(人防办)"
        );
        assert_eq!(normalize_unit_name("ＡＢＣ１２３"), "ABC123");
    }

    #[test]
    fn a_name_finds_its_unit_by_name_or_alias() {
        let units = vec![
            Unit {
                id: UnitId::new(1),
                name: "区教育局".into(),
                aliases: vec![],
            },
            Unit {
                id: UnitId::new(2),
                name: "区卫生健康委".into(),
                aliases: vec!["区卫健委".into()],
            },
        ];
        let place = Some("海州区");
        assert_eq!(
            find_unit(&units, "教育局", place).map(|u| u.id.get()),
            Some(1)
        );
        assert_eq!(
            find_unit(&units, "海州区教育局", place).map(|u| u.id.get()),
            Some(1)
        );
        assert_eq!(
            find_unit(&units, "卫健委", place).map(|u| u.id.get()),
            Some(2)
        );
        assert_eq!(find_unit(&units, "区财政局", place), None);
    }

    #[test]
    fn an_exact_name_wins_over_a_shared_key() {
        let units = vec![
            Unit {
                id: UnitId::new(1),
                name: "市教育局".into(),
                aliases: vec![],
            },
            Unit {
                id: UnitId::new(2),
                name: "区教育局".into(),
                aliases: vec![],
            },
        ];
        assert_eq!(
            find_unit(&units, "区教育局", None).map(|u| u.id.get()),
            Some(2)
        );
    }
}
