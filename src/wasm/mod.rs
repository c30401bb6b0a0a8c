//! The wasm export surface: the `Core` class that `js/keeper.js` drives. Numbers and strings go
//! in and out; every decision is made by `crate::core`. Browser APIs (timers, page events, the
//! token source, `fetch`) are bound in JavaScript, which keeps the wasm small (see BENCHMARKS.md).
//!
//! After each event (`tick`, `force`, `answered`, `failed`, `dispose`) the glue gets a bit set
//! saying what to do, and reads the details through the getters.

use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;
mod options;

use crate::core::error::Error;
use crate::core::keeper::{Keeper, Notice, Release, Settings, Step};
use crate::core::origin::{is_allowed, scope, Scope};
use crate::core::replay::{should_replay, Body};
use crate::core::source::{failure, Failure};
use crate::core::Millis;
use options::Options;
use wasm_bindgen::prelude::*;

/// Bits of the value every event method returns.
pub mod bits {
    /// Ask the token source now, tagging the answer with `askId()`.
    pub const ASK: u32 = 1;
    /// The wake-up time changed: reschedule the timer to `wakeAt()` (NaN: none).
    pub const WAKE: u32 = 2;
    /// A usable token is held: settle waiting callers with it.
    pub const READY: u32 = 4;
    /// The ask failed: reject waiting callers with `stepErrorCode()` / `stepErrorMessage()`.
    pub const FAILED: u32 = 8;
    /// A new token arrived: read `token()`, tell subscribers `renewed`.
    pub const RENEWED: u32 = 16;
    /// Tell subscribers `error` (with the step's error).
    pub const ERROR: u32 = 32;
    /// Tell subscribers `expired`.
    pub const EXPIRED: u32 = 64;
}

/// One keeper's decisions, driven by `js/keeper.js`.
///
/// ```ignore
/// const core = new Core(Math.random());
/// core.option('timeoutMs', 5000, undefined, undefined); // throws the reason if invalid
/// core.start(location.origin);
/// const todo = core.tick(Date.now()); // bits: ASK, WAKE, ...
/// ```
#[wasm_bindgen]
pub struct Core {
    options: Options,
    keeper: Keeper,
    step: Step,
    reported_wake: Option<Millis>,
    allowed: Vec<String>,
    base_allowed: bool,
}

#[wasm_bindgen]
impl Core {
    /// A keeper with default options; set options with `option`, then `start`.
    #[wasm_bindgen(constructor)]
    pub fn new(seed: f64) -> Core {
        Core {
            options: Options::new(seed.to_bits()),
            keeper: Keeper::new(Settings::default()),
            step: Step::default(),
            reported_wake: None,
            allowed: Vec::new(),
            base_allowed: false,
        }
    }

    /// Checks and records one option; throws the reason (a string) if it is invalid.
    pub fn option(
        &mut self,
        key: &str,
        value: &JsValue,
        entries: Option<Vec<String>>,
        parsed: Option<Vec<String>>,
    ) -> Result<(), String> {
        self.options.set(key, value, entries, parsed).map_err(|error| error.message)
    }

    /// Applies the options; `base_origin` is the origin of the document's base URL (the default
    /// allowed origin).
    pub fn start(&mut self, base_origin: Option<String>) {
        self.allowed = match self.options.allowed_origins.take() {
            Some(origins) => origins,
            None => base_origin.iter().cloned().collect(),
        };
        self.base_allowed = base_origin.is_some_and(|origin| self.allowed.contains(&origin));
        self.keeper = Keeper::new(self.options.settings);
    }

    /// The `Authorization` scheme.
    pub fn scheme(&self) -> String {
        self.options.scheme.clone()
    }

    /// Time passed or the page woke up: re-check freshness.
    pub fn tick(&mut self, now: f64) -> u32 {
        let step = self.keeper.tick(now as Millis);
        self.take(step)
    }

    /// A request carrying `token` was rejected (401), or a fresh token was demanded.
    pub fn force(&mut self, now: f64, token: &str) -> u32 {
        let step = self.keeper.force(now as Millis, token);
        self.take(step)
    }

    /// The token source answered ask `id` with `token`.
    pub fn answered(&mut self, now: f64, id: u32, token: &str) -> u32 {
        let step = self.keeper.answered(now as Millis, u64::from(id), Ok(token));
        self.take(step)
    }

    /// The token source failed for ask `id`; `kind` is the adapter's name for how (js/source.js).
    pub fn failed(&mut self, now: f64, id: u32, kind: &str, detail: &str) -> u32 {
        let error = failure(Failure::from_name(kind), detail);
        let step = self.keeper.answered(now as Millis, u64::from(id), Err(error));
        self.take(step)
    }

    /// Stops for good.
    pub fn dispose(&mut self) -> u32 {
        let step = self.keeper.dispose();
        self.take(step) | bits::WAKE
    }

    /// The id of the ask the last step asked for.
    #[wasm_bindgen(js_name = askId)]
    pub fn ask_id(&self) -> u32 {
        self.step.ask.map_or(0, |id| id as u32)
    }

    /// When to call `tick` next (page time, ms), or NaN.
    #[wasm_bindgen(js_name = wakeAt)]
    pub fn wake_at(&self) -> f64 {
        self.reported_wake.map_or(f64::NAN, |at| at as f64)
    }

    /// The last step's error code (for `FAILED` and `ERROR`).
    #[wasm_bindgen(js_name = stepErrorCode)]
    pub fn step_error_code(&self) -> String {
        self.step_error().map_or("", |error| error.code.as_str()).into()
    }

    /// The last step's error message.
    #[wasm_bindgen(js_name = stepErrorMessage)]
    pub fn step_error_message(&self) -> String {
        self.step_error().map_or_else(String::new, |error| error.message.clone())
    }

    /// Whether the held token may be handed out now.
    pub fn usable(&self, now: f64) -> bool {
        self.keeper.usable(now as Millis).is_some()
    }

    /// The held token.
    pub fn token(&self) -> Option<String> {
        self.keeper.held().map(|held| held.raw.clone())
    }

    /// The held token's claims as JSON text.
    #[wasm_bindgen(js_name = claimsJson)]
    pub fn claims_json(&self) -> Option<String> {
        self.keeper.held().map(|held| held.claims_json.clone())
    }

    /// When the held token expires, in page time (ms), or NaN.
    #[wasm_bindgen(js_name = expiresAt)]
    pub fn expires_at(&self) -> f64 {
        self.keeper.expires_at_page_time().map_or(f64::NAN, |at| at as f64)
    }

    /// `idle`, `fresh`, `renewing` or `failed`.
    pub fn status(&self) -> String {
        self.keeper.status().as_str().into()
    }

    /// Changes whenever the snapshot would.
    pub fn version(&self) -> f64 {
        self.keeper.version() as f64
    }

    /// `[hostCalls, renewals, retries, failures]`.
    pub fn stats(&self) -> Vec<u32> {
        let stats = self.keeper.stats();
        vec![stats.host_calls, stats.renewals, stats.retries, stats.failures]
    }

    /// The latest failure's code, until a token arrives ("" if none).
    #[wasm_bindgen(js_name = errorCode)]
    pub fn error_code(&self) -> String {
        self.keeper.last_error().map_or("", |error| error.code.as_str()).into()
    }

    /// The latest failure's message.
    #[wasm_bindgen(js_name = errorMessage)]
    pub fn error_message(&self) -> String {
        self.keeper.last_error().map_or_else(String::new, |error| error.message.clone())
    }

    /// Whether the keeper stopped (fatal failure or dispose); `errorCode()` says why.
    pub fn stopped(&self) -> bool {
        self.keeper.stopped_by().is_some()
    }

    /// One call per request, for speed: re-checks freshness (the bits of `tick`, to carry out),
    /// plus `scope(url)` in bits 8–9 and, in bit 10, whether the held token is usable now.
    pub fn request(&mut self, now: f64, url: &str) -> u32 {
        let todo = self.tick(now);
        let usable = u32::from(self.usable(now)) << 10;
        todo | self.scope(url) << 8 | usable
    }

    /// Whether a parsed origin is allowed.
    #[wasm_bindgen(js_name = originAllowed)]
    pub fn origin_allowed(&self, origin: &str) -> bool {
        is_allowed(origin, &self.allowed)
    }

    /// Whether a response with `status` is replayed once with a new token. `body`: 0 none,
    /// 1 buffered (string, Blob, BufferSource, URLSearchParams, FormData), 2 stream, 3 in a Request.
    #[wasm_bindgen(js_name = shouldReplay)]
    pub fn should_replay(&self, status: u16, body: u32) -> bool {
        let body = match body {
            0 => Body::Empty,
            1 => Body::Buffered,
            2 => Body::Stream,
            _ => Body::InRequest,
        };
        should_replay(status, body, self.options.retry_unauthorized)
    }
}

impl Core {
    /// Whether a request to `url` may carry the token: 1 yes, 0 no, 2 only the URL parser can tell
    /// (then `originAllowed` with the parsed origin); `request` reports it.
    fn scope(&self, url: &str) -> u32 {
        match scope(url, &self.allowed) {
            Scope::Allowed => 1,
            Scope::SameAsBase => u32::from(self.base_allowed),
            Scope::NeedsParse => 2,
        }
    }

    fn take(&mut self, step: Step) -> u32 {
        let mut todo = 0;
        if step.ask.is_some() {
            todo |= bits::ASK;
        }
        if step.wake_at != self.reported_wake {
            self.reported_wake = step.wake_at;
            todo |= bits::WAKE;
        }
        match step.release {
            Some(Release::Ready) => todo |= bits::READY,
            Some(Release::Failed(_)) => todo |= bits::FAILED,
            None => {}
        }
        for notice in &step.notices {
            todo |= match notice {
                Notice::Renewed => bits::RENEWED,
                Notice::Failed(_) => bits::ERROR,
                Notice::Expired => bits::EXPIRED,
            };
        }
        self.step = step;
        todo
    }

    fn step_error(&self) -> Option<&Error> {
        match &self.step.release {
            Some(Release::Failed(error)) => Some(error),
            _ => self.step.notices.iter().find_map(|notice| match notice {
                Notice::Failed(error) => Some(error),
                _ => None,
            }),
        }
    }
}
