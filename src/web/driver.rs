//! Carries out the core's decisions in the browser: one timer, the token source call, the page
//! events that re-check freshness, the callers waiting for a token, and subscriber notices.
//!
//! Rule of this file: no `RefCell` borrow is held while JavaScript runs (the token source, the
//! caller's `fetch`, listeners, promise settlement), so JavaScript can call back in at any time.

use super::js_error::to_js;
use crate::core::error::Error;
use crate::core::keeper::{self, AskId, Notice, Release, Step};
use crate::core::options::MAX_TIMER_MS;
use crate::core::source::{failure, Failure};
use crate::core::Millis;
use gloo_timers::callback::Timeout;
use js_sys::{Function, JsString, Object, Promise, Reflect};
use std::cell::RefCell;
use std::rc::{Rc, Weak};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortSignal, EventTarget};

/// The page's clock, in milliseconds since the epoch.
pub fn now() -> Millis {
    js_sys::Date::now() as Millis
}

/// Everything one keeper owns in the browser.
pub struct State {
    pub core: keeper::Keeper,
    /// `() => Promise<string>`; rejects with `{ kind, detail }` (see js/source.js).
    source: Function,
    notify: Function,
    /// The held token and its header value, as JavaScript strings, made once per token.
    pub current: Option<Rc<Current>>,
    scheme: String,
    waiters: Vec<Waiter>,
    next_waiter: u32,
    timer: Option<(Millis, Timeout)>,
    listeners: Vec<Listener>,
    claims: Option<JsValue>,
}

/// A token as the web layer hands it out.
pub struct Current {
    pub raw: String,
    pub token: JsValue,
    pub header: JsValue,
}

struct Waiter {
    id: u32,
    resolve: Function,
    reject: Function,
    abort: Option<(AbortSignal, Closure<dyn FnMut()>)>,
}

/// What an aborted waiter rejects with.
#[derive(Clone, Copy)]
pub enum AbortAs {
    /// `signal.reason`, as `fetch` does (an `AbortError` `DOMException` unless the caller chose one).
    Reason,
    /// A `ConnectTokenError` with code `aborted`, as `token()` does.
    ConnectTokenError,
}

pub type Shared = RefCell<State>;

/// A page event listener: where, which event, and the closure to remove.
type Listener = (EventTarget, &'static str, Closure<dyn FnMut()>);

impl State {
    pub fn new(core: keeper::Keeper, source: Function, notify: Function, scheme: String) -> State {
        State {
            core,
            source,
            notify,
            current: None,
            scheme,
            waiters: Vec::new(),
            next_waiter: 0,
            timer: None,
            listeners: Vec::new(),
            claims: None,
        }
    }

    /// The claims of the held token, parsed once per token by the browser's `JSON.parse`.
    pub fn claims(&mut self) -> JsValue {
        if self.claims.is_none() {
            let parsed = self.core.held().and_then(|held| js_sys::JSON::parse(&held.claims_json).ok());
            self.claims = parsed;
        }
        self.claims.clone().unwrap_or(JsValue::UNDEFINED)
    }

    fn token_changed(&mut self) {
        self.claims = None;
        self.current = self.core.held().map(|held| {
            let mut header = String::with_capacity(self.scheme.len() + 1 + held.raw.len());
            header.push_str(&self.scheme);
            header.push(' ');
            header.push_str(&held.raw);
            Rc::new(Current { raw: held.raw.clone(), token: held.raw.as_str().into(), header: header.into() })
        });
    }

    fn schedule(&mut self, shared: &Rc<Shared>, wake_at: Option<Millis>) {
        if self.timer.as_ref().map(|(at, _)| *at) == wake_at {
            return;
        }
        self.timer = wake_at.map(|at| {
            let delay = (at - now()).clamp(0, MAX_TIMER_MS as Millis) as u32;
            let weak = Rc::downgrade(shared);
            let timeout = Timeout::new(delay, move || {
                if let Some(shared) = weak.upgrade() {
                    shared.borrow_mut().timer = None;
                    tick(&shared);
                }
            });
            (at, timeout)
        });
    }

    fn event(&mut self, notice: &Notice) -> JsValue {
        let event = Object::new();
        let set = |key: &str, value: &JsValue| {
            let _ = Reflect::set(&event, &key.into(), value);
        };
        match notice {
            Notice::Renewed => {
                set("type", &"renewed".into());
                set("claims", &self.claims());
                let expires = self.core.expires_at_page_time().map(|at| at as f64);
                set("expiresAt", &expires.map_or(JsValue::UNDEFINED, JsValue::from));
            }
            Notice::Failed(error) => {
                set("type", &"error".into());
                set("error", &to_js(error));
            }
            Notice::Expired => set("type", &"expired".into()),
        }
        event.into()
    }
}

impl Drop for State {
    fn drop(&mut self) {
        remove_listeners(&mut self.listeners);
    }
}

fn remove_listeners(listeners: &mut Vec<Listener>) {
    for (target, name, closure) in listeners.drain(..) {
        let _ = target.remove_event_listener_with_callback(name, closure.as_ref().unchecked_ref());
    }
}

/// Re-checks freshness now (timer, page event, request).
pub fn tick(shared: &Rc<Shared>) {
    let step = shared.borrow_mut().core.tick(now());
    apply(shared, step);
}

/// Carries out a step of the core: timer, ask, settle waiters, tell subscribers.
pub fn apply(shared: &Rc<Shared>, step: Step) {
    let (waiters, notify, events) = {
        let mut state = shared.borrow_mut();
        state.schedule(shared, step.wake_at);
        if step.notices.contains(&Notice::Renewed) {
            state.token_changed();
        }
        let waiters = if step.release.is_some() { std::mem::take(&mut state.waiters) } else { Vec::new() };
        let events: Vec<JsValue> = step.notices.iter().map(|notice| state.event(notice)).collect();
        (waiters, state.notify.clone(), events)
    };
    if let Some(id) = step.ask {
        ask(shared, id);
    }
    if let Some(release) = &step.release {
        let error = match release {
            Release::Ready => None,
            Release::Failed(error) => Some(to_js(error)),
        };
        for waiter in waiters {
            waiter.settle(error.as_ref());
        }
    }
    for event in events {
        let _ = notify.call1(&JsValue::UNDEFINED, &event);
    }
}

impl Waiter {
    fn settle(self, error: Option<&JsValue>) {
        if let Some((signal, closure)) = &self.abort {
            let _ = signal.remove_event_listener_with_callback("abort", closure.as_ref().unchecked_ref());
        }
        let _ = match error {
            None => self.resolve.call0(&JsValue::UNDEFINED),
            Some(error) => self.reject.call1(&JsValue::UNDEFINED, error),
        };
    }
}

/// Calls the token source and feeds its answer (or failure) back to the core.
fn ask(shared: &Rc<Shared>, id: AskId) {
    let source = shared.borrow().source.clone();
    let promise = match source.call0(&JsValue::UNDEFINED) {
        Ok(answer) => answer.dyn_into::<Promise>().unwrap_or_else(|answer| Promise::resolve(&answer)),
        Err(thrown) => Promise::reject(&thrown),
    };
    let weak: Weak<Shared> = Rc::downgrade(shared);
    wasm_bindgen_futures::spawn_local(async move {
        let answer = JsFuture::from(promise).await;
        let Some(shared) = weak.upgrade() else { return };
        let answer: Result<String, Error> = match answer {
            Ok(value) => value.as_string().ok_or_else(|| failure(Failure::NotAString, &type_of(&value))),
            Err(reason) => Err(source_failure(&reason)),
        };
        let step = shared.borrow_mut().core.answered(now(), id, answer.as_deref().map_err(Clone::clone));
        apply(&shared, step);
    });
}

fn type_of(value: &JsValue) -> String {
    value.js_typeof().as_string().unwrap_or_default()
}

/// Reads the adapter's `{ kind, detail }` rejection.
fn source_failure(reason: &JsValue) -> Error {
    let field = |name: &str| Reflect::get(reason, &name.into()).ok().and_then(|value| value.as_string());
    let kind = field("kind").unwrap_or_default();
    failure(Failure::from_name(&kind), &field("detail").unwrap_or_default())
}

/// A promise that settles at the keeper's next release (token ready, or the ask failed), or
/// rejects when `signal` aborts, for this caller only.
pub fn wait(shared: &Rc<Shared>, signal: Option<AbortSignal>, abort_as: AbortAs) -> Promise {
    if let Some(signal) = signal.as_ref().filter(|signal| signal.aborted()) {
        return Promise::reject(&abort_reason(signal, abort_as));
    }
    let mut state = shared.borrow_mut();
    let id = state.next_waiter;
    state.next_waiter = state.next_waiter.wrapping_add(1);
    let mut parts = None;
    let promise = Promise::new(&mut |resolve, reject| parts = Some((resolve, reject)));
    let Some((resolve, reject)) = parts else { return promise };
    let abort = signal.map(|signal| {
        let weak = Rc::downgrade(shared);
        let on_abort_signal = signal.clone();
        let closure = Closure::<dyn FnMut()>::new(move || {
            let Some(shared) = weak.upgrade() else { return };
            let waiter = {
                let mut state = shared.borrow_mut();
                let index = state.waiters.iter().position(|waiter| waiter.id == id);
                index.map(|index| state.waiters.swap_remove(index))
            };
            if let Some(waiter) = waiter {
                waiter.settle(Some(&abort_reason(&on_abort_signal, abort_as)));
            }
        });
        let _ = signal.add_event_listener_with_callback("abort", closure.as_ref().unchecked_ref());
        (signal, closure)
    });
    state.waiters.push(Waiter { id, resolve, reject, abort });
    promise
}

fn abort_reason(signal: &AbortSignal, abort_as: AbortAs) -> JsValue {
    match abort_as {
        AbortAs::Reason => signal.reason(),
        AbortAs::ConnectTokenError => to_js(&Error::aborted()),
    }
}

/// The current token, waiting for the keeper if none is usable now; fails with the keeper's
/// error if the ask it waited for failed, or with the abort reason.
pub async fn current(
    shared: &Rc<Shared>,
    signal: Option<&AbortSignal>,
    abort_as: AbortAs,
) -> Result<Rc<Current>, JsValue> {
    loop {
        let now = now();
        let step = {
            let mut state = shared.borrow_mut();
            if let Some(error) = state.core.stopped_by() {
                return Err(to_js(error));
            }
            if state.core.usable(now).is_some() {
                if let Some(current) = state.current.clone() {
                    let step = state.core.tick(now);
                    drop(state);
                    apply(shared, step);
                    return Ok(current);
                }
            }
            state.core.tick(now)
        };
        apply(shared, step);
        let waiting = wait(shared, signal.cloned(), abort_as);
        JsFuture::from(waiting).await?;
    }
}

/// Re-checks freshness whenever the page may have slept or been throttled.
pub fn listen_to_page(shared: &Rc<Shared>) {
    let global = js_sys::global();
    let document = Reflect::get(&global, &"document".into()).ok().filter(|d| d.is_object());
    let targets: [(Option<JsValue>, &'static str); 4] = [
        (document, "visibilitychange"),
        (Some(global.clone().into()), "focus"),
        (Some(global.clone().into()), "online"),
        (Some(global.into()), "pageshow"),
    ];
    let mut listeners = Vec::new();
    for (target, name) in targets {
        let Some(target) = target.and_then(|t| t.dyn_into::<EventTarget>().ok()) else { continue };
        let weak = Rc::downgrade(shared);
        let closure = Closure::<dyn FnMut()>::new(move || {
            if let Some(shared) = weak.upgrade() {
                tick(&shared);
            }
        });
        if target.add_event_listener_with_callback(name, closure.as_ref().unchecked_ref()).is_ok() {
            listeners.push((target, name, closure));
        }
    }
    shared.borrow_mut().listeners = listeners;
}

/// Stops for good: timer and listeners gone, waiters rejected with `disposed`.
pub fn dispose(shared: &Rc<Shared>) {
    let step = {
        let mut state = shared.borrow_mut();
        state.timer = None;
        remove_listeners(&mut state.listeners);
        state.core.dispose()
    };
    apply(shared, step);
}

/// A JavaScript string of `value` as `String(value)` makes it, or the exception it threw.
#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(catch, js_name = String)]
    pub fn js_string(value: &JsValue) -> Result<JsString, JsValue>;
}
