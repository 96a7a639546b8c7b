//! Chinese numbers and quantities: 六千五百, 6.19万平方米, 300余万元, 提高至20%以上.
//! Usable on its own (report forms read typed numbers through it).

use serde::{Deserialize, Serialize};
use std::ops::Range;

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
pub fn parse_number(_text: &str) -> Option<f64> {
    None
}

/// Every quantity in `text`, in order of appearance.
pub fn find_quantities(_text: &str) -> Vec<Quantity> {
    Vec::new()
}
