//! The structured plan: the JSON contract described in `testdata/plan-format.md`.

use serde::{Deserialize, Serialize};

pub use crate::numbers::Op;

/// A whole notice, read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub meta: Meta,
    pub items: Vec<Item>,
    /// Things a person checking the parse should look at; never fatal.
    #[serde(default)]
    pub warnings: Vec<Warning>,
}

/// What the notice says about itself. Absent facts are `None`, never invented.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Meta {
    pub title: Option<String>,
    pub issuer: Option<String>,
    pub doc_number: Option<String>,
    pub index_no: Option<String>,
    /// ISO 8601 (`YYYY-MM-DD`).
    pub date: Option<String>,
    pub year: Option<i32>,
}

/// One numbered commitment of the plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Item {
    pub seq: u32,
    pub category: Option<String>,
    pub title: String,
    pub text: String,
    pub lead_units: Vec<String>,
    pub support_units: Vec<String>,
    pub targets: Vec<Target>,
}

/// A number the item commits to deliver, reach or cover.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Target {
    pub text: String,
    #[serde(serialize_with = "serialize_value")]
    pub value: f64,
    pub unit: String,
    pub op: Op,
}

/// A remark on the parse, for the person checking it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Warning {
    /// The item concerned, where there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seq: Option<u32>,
    pub kind: WarningKind,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WarningKind {
    NoUnits,
    NoTargets,
    NumberingGap,
    NumberingRepeat,
}

/// A value as JSON: whole numbers as integers (6, not 6.0), as the plan format writes them.
pub fn json_number(value: f64) -> serde_json::Number {
    const EXACT_INTEGER_LIMIT: f64 = 9_007_199_254_740_992.0;
    if value.fract() == 0.0 && value.abs() <= EXACT_INTEGER_LIMIT {
        serde_json::Number::from(value as i64)
    } else {
        serde_json::Number::from_f64(value).unwrap_or_else(|| serde_json::Number::from(0))
    }
}

fn serialize_value<S: serde::Serializer>(value: &f64, serializer: S) -> Result<S::Ok, S::Error> {
    json_number(*value).serialize(serializer)
}
