//! `core::token::claims_text` on arbitrary claims segments (any text; strings of base64url symbols
//! and near misses; the base64url of any bytes or any text, then edited: trailing bits set, a
//! symbol replaced, inserted or removed, `=` padding): never panics, and gives exactly what an
//! independent reference gives (the `base64` crate, URL-safe, no padding, trailing bits ignored as
//! `atob` does, then `String::from_utf8`). See harness/src/claims_text_check.rs.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: harness::claims_text_check::Input| {
    if let Err(broken) = harness::claims_text_check::check(&input) {
        panic!("claims_text: {broken}\ninput: {input:?}");
    }
});
