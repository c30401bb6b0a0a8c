//! `core::token::times` on arbitrary `Read` values (by shape, or by the harness's shape numbers),
//! with claims of every kind of f64 (NaN, ±infinity, ±0, subnormals, huge, real times,
//! the limits and their neighbours): never panics; an `Ok` has `0 < expires_at < 1e14` and
//! `0 < issued_at <= expires_at`; an `Err` is the `token::malformed` message for the shape (no
//! `exp`: `EXP_MISSING`); exp and iat become the milliseconds the oracle says.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: harness::claims_check::Input| {
    if let Err(broken) = harness::claims_check::check(&input) {
        panic!("claims: {broken}\ninput: {input:?}");
    }
});
