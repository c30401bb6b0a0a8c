//! `decode_many(token, n)`: decodes `token` n times inside wasm (no boundary crossing per decode),
//! for bench/pages/bench.js to time with `performance.now()`.

use connect_token::core::token::decode;
use std::hint::black_box;

/// Decodes `token` `n` times; returns the sum of `exp` (ms) so the work cannot be optimized away,
/// or -1 if the token does not decode.
#[cfg_attr(target_arch = "wasm32", wasm_bindgen::prelude::wasm_bindgen)]
pub fn decode_many(token: &str, n: u32) -> f64 {
    let mut sum = 0.0;
    for _ in 0..n {
        match decode(black_box(token)) {
            Ok(decoded) => sum += black_box(decoded).expires_at as f64,
            Err(_) => return -1.0,
        }
    }
    sum
}
