//! Arbitrary bytes (as lossy UTF-8) into `core::token::decode`: never panics, an `Ok` has a
//! plausible `exp` and exactly the second segment as claims, a message never carries the token.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let token = String::from_utf8_lossy(data);
    if let Err(broken) = harness::decode_check::check_token(&token) {
        panic!("decode: {broken}\ntoken: {token:?}");
    }
});
