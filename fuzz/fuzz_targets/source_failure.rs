//! `core::source::failure` with the token source's own message built around real and short
//! tokens the library accepts: the library's message never carries a token and stays short.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: harness::source_check::SourceInput| {
    if let Err(broken) = harness::source_check::check(&input) {
        panic!("source_failure: {broken}\ninput: {input:?}");
    }
});
