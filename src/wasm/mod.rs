//! The wasm export surface: the `Core` class that `js/keeper.js` drives. Numbers and strings go
//! in and out; every decision is made by `crate::core`. Browser APIs (timers, page events, the
//! token source, `fetch`) are bound in JavaScript, which keeps the wasm small (see BENCHMARKS.md).
//!
//! After each event (`tick`, `force`, `answered`, `failed`, `dispose`) the glue gets a bit set
//! saying what to do, and reads the details through the getters. Every export costs wasm and
//! glue, so there are few, and they take and give numbers and strings only (no `JsValue`).

use alloc::string::String;
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
    /// Ask the token source now, tagging the answer with `get(field::ASK_ID)`.
    pub const ASK: u32 = 1;
    /// The wake-up time changed: reschedule the timer to `get(field::WAKE_AT)` (NaN: none).
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

/// The numbers `Core::get` reads (one export for all of them: each export costs wasm and glue).
pub mod field {
    /// The id of the ask the last step asked for.
    pub const ASK_ID: u32 = 0;
    /// When to call `tick` next (page time, ms), or NaN.
    pub const WAKE_AT: u32 = 1;
    /// When the held token expires, in page time (ms), or NaN.
    pub const EXPIRES_AT: u32 = 2;
    /// Changes whenever the snapshot would.
    pub const VERSION: u32 = 3;
    /// 0 `idle`, 1 `fresh`, 2 `renewing`, 3 `failed`.
    pub const STATUS: u32 = 4;
    /// 1 if the keeper stopped (fatal failure or dispose; `error()` says why), else 0.
    pub const STOPPED: u32 = 5;
    /// 1 if the held token may be handed out at `now`, else 0.
    pub const USABLE: u32 = 6;
    /// `stats().hostCalls`.
    pub const HOST_CALLS: u32 = 7;
    /// `stats().renewals`.
    pub const RENEWALS: u32 = 8;
    /// `stats().retries`.
    pub const RETRIES: u32 = 9;
    /// `stats().failures`.
    pub const FAILURES: u32 = 10;
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
    base_allowed: bool,
    /// Why the last option was invalid.
    invalid: Option<Error>,
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
            base_allowed: false,
            invalid: None,
        }
    }

    /// Checks and records one option (see `Options::set` for `kind`, `number`, `text`); if it
    /// is invalid, returns false and `error()` says why.
    pub fn option(&mut self, key: &str, kind: &str, number: f64, text: &str) -> bool {
        let result = self.options.set(key, kind, number, text);
        self.refuse(result)
    }

    /// Checks and records entry `index` of `allowedOrigins`, like `option`.
    #[wasm_bindgen(js_name = allowedOrigin)]
    pub fn allowed_origin(&mut self, index: u32, entry: &str, parsed: &str) -> bool {
        let result = self.options.allowed_origin(index as usize, entry, parsed);
        self.refuse(result)
    }

    /// Applies the options; `base_origin` is the origin of the document's base URL (the default
    /// allowed origin), "" if it has none.
    pub fn start(&mut self, base_origin: &str) {
        let allowed = &mut self.options.allowed_origins;
        if allowed.is_empty() && !base_origin.is_empty() {
            allowed.push(base_origin.into());
        }
        self.base_allowed = !base_origin.is_empty() && allowed.iter().any(|origin| origin == base_origin);
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

    /// The token source failed for ask `id`; `kind` is the adapter's number for how (js/source.js).
    pub fn failed(&mut self, now: f64, id: u32, kind: u32, detail: &str) -> u32 {
        let error = failure(Failure::from_code(kind), detail);
        let step = self.keeper.answered(now as Millis, AskId::from(id), Err(error));
        self.take(step)
    }

    /// Stops for good.
    pub fn dispose(&mut self) -> u32 {
        let step = self.keeper.dispose();
        self.take(step) | bits::WAKE
    }

    /// The latest failure, until a token arrives, as its code, a space and its message ("" if
    /// none). A step that fails waiting callers or tells subscribers `error` sets it.
    pub fn error(&self) -> String {
        let Some(error) = self.invalid.as_ref().or(self.keeper.last_error()) else { return String::new() };
        let mut text = String::from(error.code.as_str());
        text.push(' ');
        text.push_str(&error.message);
        text
    }

    /// One of the keeper's numbers, by [`field`]; `now` matters only for [`field::USABLE`].
    pub fn get(&self, field: u32, now: f64) -> f64 {
        let keeper = &self.keeper;
        let time = |at: Option<Millis>| at.map_or(f64::NAN, |at| at as f64);
        let stats = keeper.stats();
        match field {
            field::ASK_ID => self.ask.map_or(0.0, |id| id as f64),
            field::WAKE_AT => time(self.reported_wake),
            field::EXPIRES_AT => time(keeper.expires_at_page_time()),
            field::VERSION => keeper.version() as f64,
            field::STATUS => match keeper.status() {
                Status::Idle => 0.0,
                Status::Fresh => 1.0,
                Status::Renewing => 2.0,
                Status::Failed => 3.0,
            },
            field::STOPPED => f64::from(u8::from(keeper.stopped_by().is_some())),
            field::USABLE => f64::from(u8::from(keeper.usable(now as Millis).is_some())),
            field::HOST_CALLS => stats.host_calls.into(),
            field::RENEWALS => stats.renewals.into(),
            field::RETRIES => stats.retries.into(),
            field::FAILURES => stats.failures.into(),
            _ => f64::NAN,
        }
    }

    /// One call per request, for speed: re-checks freshness (the bits of `tick`, to carry out),
    /// plus the URL's scope in bits 8–9 (1 the token may go, 0 it may not, 2 only the URL parser
    /// can tell: then `originAllowed` with the parsed origin) and, in bit 10, whether the held
    /// token is usable now.
    pub fn request(&mut self, now: f64, url: &str) -> u32 {
        let todo = self.tick(now);
        let scope = match scope(url, &self.options.allowed_origins) {
            Scope::Allowed => 1,
            Scope::SameAsBase => u32::from(self.base_allowed),
            Scope::NeedsParse => 2,
        };
        todo | scope << 8 | u32::from(self.keeper.usable(now as Millis).is_some()) << 10
    }

    /// Whether a parsed origin is allowed.
    #[wasm_bindgen(js_name = originAllowed)]
    pub fn origin_allowed(&self, origin: &str) -> bool {
        is_allowed(origin, &self.options.allowed_origins)
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
    /// Keeps an option's error for `error()`; whether the option was valid.
    fn refuse(&mut self, result: Result<(), Error>) -> bool {
        self.invalid = result.err();
        self.invalid.is_none()
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
        self.ask = step.ask;
        todo
    }
}
