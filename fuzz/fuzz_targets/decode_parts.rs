//! Three (or more) base64url-ish segments built from arbitrary parts, mostly real JSON claims:
//! the checks of `decode` plus an oracle (a clean claims object with a numeric `exp` in range
//! decodes to that `exp`; a missing or non-numeric one to its own error).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|parts: harness::decode_check::Parts| {
    if let Err(broken) = harness::decode_check::check_parts(&parts) {
        panic!("decode_parts: {broken}\nparts: {parts:?}");
    }
});
