//! Any text through the numbers module, checking that what it reports stays inside the
//! input: spans on character boundaries, the numeral inside the span.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    for q in shishi_plan::numbers::find_quantities(text) {
        assert!(text.get(q.span.clone()).is_some());
        assert!(q.span.start <= q.number.start && q.number.end <= q.span.end);
    }
    let _ = shishi_plan::numbers::parse_number(text);
});
