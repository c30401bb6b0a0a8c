//! The page's two clocks, read together: the wall clock (`Date.now()`), which relates page time to
//! the issuer's `iat`/`exp` and may step either way, and the monotonic clock (`performance.now()`),
//! which every wait and schedule is measured on. The core decides what their disagreement means.
//!
//! Both are looked up on the global object at every reading, as the page's own code does: test
//! runners' fake timers (Vitest's and Jest's `useFakeTimers`, sinon) replace the global `Date` and
//! `performance` objects, and a keeper must follow them. (Holding `performance` would save about
//! 110 ns a reading in Chromium, the cost of the global's getter; it broke fake timers in jsdom.)

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
