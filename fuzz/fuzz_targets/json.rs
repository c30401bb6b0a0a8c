//! `core::json::read_object` against serde_json on arbitrary text (see harness/src/json_check.rs
//! for the accepted differences).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Err(broken) = harness::json_check::check(text) {
            panic!("json: {broken}\ntext: {text:?}");
        }
    }
});
