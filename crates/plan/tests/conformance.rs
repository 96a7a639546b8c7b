//! Conformance against a peer's published cases (testdata/conformance, see its README).
//!
//! The rule, one for every file: a case passes only when `find_quantities` finds exactly
//! one quantity in the input and its value equals the expected value within a relative
//! tolerance of 1e-9 (absolute 1e-12 for an expected 0). In zh-percent its unit must also
//! be "%" or "个百分点". A stray extra quantity (a bare numeral in 珠三角, a split number)
//! fails the case. Units in zh-units are the peer's own names and are not compared.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use shishi_plan::numbers::{find_quantities, Quantity};
use std::path::PathBuf;

fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/conformance")
}

fn close(got: f64, want: f64) -> bool {
    if want == 0.0 {
        return got.abs() <= 1e-12;
    }
    (got - want).abs() <= 1e-9 * want.abs().max(got.abs())
}

fn judged(found: &[Quantity]) -> Option<&Quantity> {
    match found {
        [only] => Some(only),
        _ => None,
    }
}

struct Outcome {
    total: usize,
    passed: usize,
    several: usize,
}

fn run(file: &str, percent: bool) -> Outcome {
    let text = std::fs::read_to_string(data_dir().join(file)).expect("conformance file");
    let mut out = Outcome {
        total: 0,
        passed: 0,
        several: 0,
    };
    let mut failures = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let case: serde_json::Value = serde_json::from_str(line).expect("json line");
        let input = case["input"].as_str().expect("input");
        let want = case["value"].as_f64().expect("value");
        let found = find_quantities(input);
        out.total += 1;
        if found.len() > 1 {
            out.several += 1;
        }
        let ok = judged(&found).is_some_and(|q| {
            close(q.value, want) && (!percent || q.unit == "%" || q.unit == "个百分点")
        });
        if ok {
            out.passed += 1;
        } else {
            let got: Vec<String> = found
                .iter()
                .map(|q| format!("{} {:?} {:?}", q.value, q.unit, q.op))
                .collect();
            failures.push(format!(
                "  {input:?}: want {want}, got [{}]",
                got.join("; ")
            ));
        }
    }
    println!(
        "{file}: {}/{} passed ({:.1}%); {} inputs gave more than one quantity",
        out.passed,
        out.total,
        100.0 * out.passed as f64 / out.total as f64,
        out.several
    );
    for f in failures.iter().take(30) {
        println!("{f}");
    }
    out
}

fn assert_rate(o: &Outcome, file: &str, min: f64) {
    let rate = o.passed as f64 / o.total as f64;
    assert!(
        rate >= min,
        "{file}: {}/{} is below {:.0}%",
        o.passed,
        o.total,
        min * 100.0
    );
}

#[test]
fn zh_numbers() {
    let o = run("zh-numbers.jsonl", false);
    assert_eq!(o.total, 437);
    assert_rate(&o, "zh-numbers", 0.99);
}

#[test]
fn zh_percent() {
    let o = run("zh-percent.jsonl", true);
    assert_eq!(o.total, 108);
    assert_rate(&o, "zh-percent", 0.97);
}

#[test]
fn zh_units() {
    let o = run("zh-units.jsonl", false);
    assert_eq!(o.total, 72);
    assert_rate(&o, "zh-units", 0.95);
}
