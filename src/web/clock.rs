//! The page's two clocks, read together: the wall clock (`Date.now()`), which relates page time to
//! the issuer's `iat`/`exp` and may step either way, and the monotonic clock (`performance.now()`),
//! which every wait and schedule is measured on. The core decides what their disagreement means.

use crate::core::{Millis, Now};
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    /// `performance.now()` (windows and workers both have it; it never throws).
    #[wasm_bindgen(js_namespace = performance, js_name = now)]
    fn performance_now() -> f64;
}

/// Both clocks now.
///
/// ```ignore
/// let step = keeper.tick(clock::now());
/// ```
pub fn now() -> Now {
    Now { wall: js_sys::Date::now() as Millis, mono: performance_now() as Millis }
}
