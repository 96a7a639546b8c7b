//! How long reading a notice takes: the visible 50-item notice in each form, and a
//! 5,000-item notice made from its items repeated and renumbered.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::path::Path;

fn testdata(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The visible notice with its list repeated until it holds `count` items, numbered
/// 1..=count, the header and foot kept.
fn long_notice(count: usize) -> String {
    let text = String::from_utf8(testdata("haizhou-2020-notice.txt")).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    let is_item = |l: &&str| -> bool {
        l.split_once('.')
            .is_some_and(|(n, _)| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
    };
    let first = lines.iter().position(is_item).unwrap_or(0);
    let last = lines.iter().rposition(is_item).unwrap_or(0);
    let items: Vec<&str> = lines[first..=last]
        .iter()
        .map(|l| l.split_once('.').map_or(*l, |(_, rest)| rest))
        .collect();
    let mut out = lines[..first].join("\n");
    for n in 0..count {
        out.push_str(&format!("\n{}.{}", n + 1, items[n % items.len()]));
    }
    out.push('\n');
    out.push_str(&lines[last + 1..].join("\n"));
    out
}

fn bench_parse(c: &mut Criterion) {
    let mut group = c.benchmark_group("parse");
    for name in [
        "haizhou-2020-notice.txt",
        "haizhou-2020-forms/haizhou-2020-notice.gb18030.txt",
        "haizhou-2020-forms/haizhou-2020-notice.html",
        "haizhou-2020-forms/haizhou-2020-notice.docx",
    ] {
        let bytes = testdata(name);
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        group.bench_with_input(BenchmarkId::new("50 items", name), &bytes, |b, bytes| {
            b.iter(|| shishi_plan::parse(bytes))
        });
    }
    let long = long_notice(5000);
    group.throughput(Throughput::Bytes(long.len() as u64));
    group.sample_size(20);
    group.bench_function("5000 items (txt)", |b| {
        b.iter(|| shishi_plan::parse(long.as_bytes()))
    });
    group.finish();
}

criterion_group!(benches, bench_parse);
criterion_main!(benches);
