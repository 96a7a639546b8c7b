//! Any bytes through decoding (text, HTML, .docx) and reading: an error is fine, a panic
//! or a hang is not.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = shishi_plan::parse(data);
});
