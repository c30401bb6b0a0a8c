//! The page's two clocks, read together: the wall clock (`Date.now()`), which relates page time to
//! the issuer's `iat`/`exp` and may step either way, and the monotonic clock (`performance.now()`),
//! which every wait and schedule is measured on. The core decides what their disagreement means.

use crate::core::{Millis, Now};
use wasm_bindgen::prelude::*;
use web_sys::Performance;

#[wasm_bindgen]
extern "C" {
    /// The global `performance` (windows and workers both have it), looked up once: reading the
    /// global is a DOM accessor that costs twice what `now()` itself does (measured in Chromium
    /// 156: `performance.now()` 289 ns, `now()` on the held object 100 ns).
    #[wasm_bindgen(thread_local_v2, js_name = performance)]
    static PERFORMANCE: Performance;
}

/// Both clocks now.
///
/// ```ignore
/// let step = keeper.tick(clock::now());
/// ```
pub fn now() -> Now {
    Now { wall: js_sys::Date::now() as Millis, mono: PERFORMANCE.with(Performance::now) as Millis }
}
