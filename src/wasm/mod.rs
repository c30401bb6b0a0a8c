//! The wasm export surface: the `Core` class that `js/keeper.js` drives. Numbers and strings go
//! in and out; every decision is made by `crate::core`. Browser APIs (timers, page events, the
//! token source, `fetch`) are bound in JavaScript, which keeps the wasm small (see BENCHMARKS.md).
//!
//! After each event (`tick`, `force`, `answered`, `failed`, `dispose`) the glue gets a bit set
//! saying what to do, and reads the details through the getters. Every export costs wasm and
//! glue, so there are few, and they take and give numbers and strings only (no `JsValue`).

use alloc::string::String;
use alloc::vec::Vec;
mod options;

use crate::core::error::Error;
use crate::core::keeper::{Answer, AskId, Keeper, Notice, Release, Settings, Status, Step};
use crate::core::origin::{is_allowed, scope, Scope};
use crate::core::replay::{should_replay, Body};
use crate::core::source::{failure, Failure};
use crate::core::token::Read;
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
    /// The ask failed: reject waiting callers with `error()`.
    pub const FAILED: u32 = 8;
    /// The token just answered is the new one: keep it, tell subscribers `renewed`.
    pub const RENEWED: u32 = 16;
    /// Tell subscribers `error` (with `error()`).
    pub const ERROR: u32 = 32;
    /// Tell subscribers `expired`.
    pub const EXPIRED: u32 = 64;
}

/// One keeper's decisions, driven by `js/keeper.js`.
///
/// ```ignore
/// const core = new Core(Math.random());
/// core.option('timeoutMs', 'number', 5000, ''); // "" or the reason it is invalid
/// core.start(location.origin);
/// const todo = core.tick(Date.now()); // bits: ASK, WAKE, ...
/// ```
#[wasm_bindgen]
pub struct Core {
    options: Options,
    keeper: Keeper,
    ask: Option<AskId>,
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
            ask: None,
            reported_wake: None,
            allowed: Vec::new(),
            base_allowed: false,
        }
    }

    /// Checks and records one option (see `Options::set` for `kind`, `number`, `text`); returns
    /// "" or why it is invalid.
    pub fn option(&mut self, key: &str, kind: &str, number: f64, text: &str) -> String {
        reason(self.options.set(key, kind, number, text))
    }

    /// Checks and records entry `index` of `allowedOrigins`; returns "" or why it is invalid.
    #[wasm_bindgen(js_name = allowedOrigin)]
    pub fn allowed_origin(&mut self, index: u32, entry: &str, parsed: &str) -> String {
        reason(self.options.allowed_origin(index as usize, entry, parsed))
    }

    /// Applies the options; `base_origin` is the origin of the document's base URL (the default
    /// allowed origin), "" if it has none.
    pub fn start(&mut self, base_origin: &str) {
        let base = Some(String::from(base_origin)).filter(|origin| !origin.is_empty());
        self.allowed = self.options.allowed_origins.take().unwrap_or_else(|| base.iter().cloned().collect());
        self.base_allowed = base.is_some_and(|origin| self.allowed.contains(&origin));
        self.keeper = Keeper::new(self.options.settings);
    }

    /// Time passed or the page woke up: re-check freshness.
    pub fn tick(&mut self, now: f64) -> u32 {
        let step = self.keeper.tick(now as Millis);
        self.take(step)
    }

    /// A request carrying a token was rejected (401), or a fresh token was demanded;
    /// `is_held` says whether that token is the one held.
    pub fn force(&mut self, now: f64, is_held: bool) -> u32 {
        let step = self.keeper.force(now as Millis, is_held);
        self.take(step)
    }

    /// The token source answered ask `id` with a token: `same` if it is the one held, and what
    /// `js/claims.js` read from it (`shape`; `exp` and `iat` as they were, NaN if not numbers).
    pub fn answered(&mut self, now: f64, id: u32, same: bool, shape: u32, exp: Option<f64>, iat: Option<f64>) -> u32 {
        let answer = Answer { same_as_held: same, read: Read::from_shape(shape, exp, iat) };
        let step = self.keeper.answered(now as Millis, AskId::from(id), Ok(answer));
        self.take(step)
    }

    /// The token source failed for ask `id`; `kind` is the adapter's name for how (js/source.js).
    pub fn failed(&mut self, now: f64, id: u32, kind: &str, detail: &str) -> u32 {
        let error = failure(Failure::from_name(kind), detail);
        let step = self.keeper.answered(now as Millis, AskId::from(id), Err(error));
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
        self.ask.map_or(0, |id| id as u32)
    }

    /// When to call `tick` next (page time, ms), or NaN.
    #[wasm_bindgen(js_name = wakeAt)]
    pub fn wake_at(&self) -> f64 {
        self.reported_wake.map_or(f64::NAN, |at| at as f64)
    }

    /// The latest failure, until a token arrives, as its code, a space and its message ("" if
    /// none). A step that fails waiting callers or tells subscribers `error` sets it.
    pub fn error(&self) -> String {
        let Some(error) = self.keeper.last_error() else { return String::new() };
        let mut text = String::from(error.code.as_str());
        text.push(' ');
        text.push_str(&error.message);
        text
    }

    /// Whether the held token may be handed out now.
    pub fn usable(&self, now: f64) -> bool {
        self.keeper.usable(now as Millis).is_some()
    }

    /// When the held token expires, in page time (ms), or NaN.
    #[wasm_bindgen(js_name = expiresAt)]
    pub fn expires_at(&self) -> f64 {
        self.keeper.expires_at_page_time().map_or(f64::NAN, |at| at as f64)
    }

    /// 0 `idle`, 1 `fresh`, 2 `renewing`, 3 `failed`.
    pub fn status(&self) -> u32 {
        match self.keeper.status() {
            Status::Idle => 0,
            Status::Fresh => 1,
            Status::Renewing => 2,
            Status::Failed => 3,
        }
    }

    /// Changes whenever the snapshot would.
    pub fn version(&self) -> f64 {
        self.keeper.version() as f64
    }

    /// Counter `which`: 0 hostCalls, 1 renewals, 2 retries, 3 failures.
    pub fn stat(&self, which: u32) -> u32 {
        let stats = self.keeper.stats();
        [stats.host_calls, stats.renewals, stats.retries, stats.failures].get(which as usize).copied().unwrap_or(0)
    }

    /// Whether the keeper stopped (fatal failure or dispose); `error()` says why.
    pub fn stopped(&self) -> bool {
        self.keeper.stopped_by().is_some()
    }

    /// One call per request, for speed: re-checks freshness (the bits of `tick`, to carry out),
    /// plus the URL's scope in bits 8–9 (1 the token may go, 0 it may not, 2 only the URL parser
    /// can tell: then `originAllowed` with the parsed origin) and, in bit 10, whether the held
    /// token is usable now.
    pub fn request(&mut self, now: f64, url: &str) -> u32 {
        let todo = self.tick(now);
        let scope = match scope(url, &self.allowed) {
            Scope::Allowed => 1,
            Scope::SameAsBase => u32::from(self.base_allowed),
            Scope::NeedsParse => 2,
        };
        todo | scope << 8 | u32::from(self.usable(now)) << 10
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
        self.ask = step.ask;
        todo
    }
}

/// "" for a valid option, else why not.
fn reason(result: Result<(), Error>) -> String {
    result.err().map(|error| error.message).unwrap_or_default()
}
