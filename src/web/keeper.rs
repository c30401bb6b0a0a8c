//! The keeper in the browser: carries out the core's [`Step`]s with a timer, page events, the
//! token source, waiting callers and subscribers. Every decision is `core::keeper::Keeper`'s.
//!
//! Re-entrancy: app code (a `getToken`, a listener, a `fetch`) may call back into this keeper
//! synchronously. `state` is borrowed only to read or update it, never while app code runs or
//! across an `.await`: each step is read out under a borrow ([`Todo`]), then carried out after it.

use super::error;
use super::listener::Listener;
use super::report::{self, Event, Snapshot, StatsReport};
use super::source::{Answer, Source};
use super::timer;
use super::waiters::Waiters;
use super::{claims, js};
use crate::core::error::Error;
use crate::core::keeper::{self as core_keeper, AskId, Choice, Keeper, Notice, Release, Settings, Step};
use crate::core::session::{OriginId, Subject};
use crate::core::source::failure;
use crate::core::{Millis, Now};
use gloo_timers::callback::Timeout;
use js_sys::{Function, JsString, Object, Promise};
use std::cell::RefCell;
use std::rc::{Rc, Weak};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::AbortSignal;

pub use super::clock::now;

/// What stays fixed for the keeper's life.
pub struct Config {
    /// Where tokens come from.
    pub source: Source,
    /// The `Authorization` scheme.
    pub scheme: String,
    /// The token goes bare in a header of its own (`header` other than `Authorization`).
    pub bare: bool,
    /// The longest a caller waits for a token (`timeoutMs`).
    pub timeout: Millis,
    /// The page's own origin, if allowed: whose token `snapshot()` and `claims()` show.
    pub page_origin: Option<OriginId>,
}

/// A token for one request, and the value of the header it goes in.
pub struct Pick {
    /// The token.
    pub token: JsString,
    /// The header's value: `<scheme> <token>`, or the bare token.
    pub value: JsString,
    /// It is its backend's own session token (else the host's).
    pub backend: bool,
}

/// A token as the glue keeps it: the string, its header value, its claims object.
struct Kept {
    token: JsString,
    value: JsString,
    claims: JsValue,
}

/// Which listeners: `subscribe`'s events, or every snapshot change (React's hook).
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    /// `renewed`, `error` and `expired` events.
    Events,
    /// Every change of `snapshot()`.
    Changes,
}

/// A keeper running in the page.
pub struct BrowserKeeper {
    config: Config,
    state: RefCell<State>,
}

struct State {
    keeper: Keeper,
    /// The held token, as the JavaScript string it came as, and its `Authorization` value.
    token: Option<(JsString, JsString)>,
    claims: JsValue,
    /// The backend session token taken last for each origin (the core says whether it is held).
    sessions: Vec<(OriginId, Kept)>,
    reported_wake: Option<Millis>,
    timer: Option<Timeout>,
    page_events: Option<Listener>,
    waiters: Waiters,
    listeners: Vec<(u64, Function, Channel)>,
    next_listener: u64,
    notified_version: Option<u64>,
    snapshot: Option<(u64, JsValue)>,
}

/// A step read out of the state, to carry out once the borrow is released.
#[derive(Default)]
struct Todo {
    timer: Option<Option<Millis>>,
    ask: Option<AskId>,
    release: Option<(Vec<super::waiters::Waiter>, Option<Error>)>,
    events: Vec<Event>,
    changes: Vec<Function>,
}

impl BrowserKeeper {
    /// Starts a keeper: listens to page events and asks for the first token at once.
    ///
    /// ```ignore
    /// let keeper = BrowserKeeper::start(settings, Config { source: Source::Bridge, scheme: "JWT".into() });
    /// ```
    pub fn start(settings: Settings, config: Config, initial_token: Option<JsString>) -> Rc<BrowserKeeper> {
        let mut core = Keeper::new(settings);
        let mut sessions = Vec::new();
        if let Some(token) = initial_token {
            let (read, claims) = claims::read(&token);
            if core.initial_token(now(), read, &subject_of(&claims)).is_ok() {
                let value = header_value(&config, &token);
                sessions.extend(settings.page_origin.map(|origin| (origin, Kept { token, value, claims })));
            }
        }
        let keeper = Rc::new(BrowserKeeper {
            config,
            state: RefCell::new(State {
                keeper: core,
                token: None,
                claims: JsValue::UNDEFINED,
                sessions,
                reported_wake: None,
                timer: None,
                page_events: None,
                waiters: Waiters::default(),
                listeners: Vec::new(),
                next_listener: 0,
                notified_version: None,
                snapshot: None,
            }),
        });
        let weak = Rc::downgrade(&keeper);
        let page_events = Listener::page_events(move || tick(&weak));
        keeper.state.borrow_mut().page_events = Some(page_events);
        keeper.tick();
        keeper
    }

    /// Re-checks freshness now (a timer or a page event).
    pub fn tick(self: &Rc<Self>) {
        let step = self.state.borrow_mut().keeper.tick(now());
        self.apply(step);
    }

    /// The host's token if it is usable at `now` (a caller of `token()`, or a request that waits
    /// or is replayed), and its header value; else the keeper asks for one.
    pub fn check(self: &Rc<Self>, now: Now) -> Option<(JsString, JsString)> {
        self.choose(now, None).map(|pick| (pick.token, pick.value))
    }

    /// The token a request to `origin` carries at `now` (`None`: the host's), if one is usable
    /// now; else the keeper asks the host for one (`core::keeper::Keeper::choose`).
    pub fn choose(self: &Rc<Self>, now: Now, origin: Option<OriginId>) -> Option<Pick> {
        let (step, pick) = {
            let mut state = self.state.borrow_mut();
            let (choice, step) = state.keeper.choose(now, origin);
            let pick = match choice {
                Choice::Backend => origin.and_then(|origin| state.session(origin)).map(|kept| Pick {
                    token: kept.token.clone(),
                    value: kept.value.clone(),
                    backend: true,
                }),
                Choice::Host => state.token.clone().map(|(token, value)| Pick { token, value, backend: false }),
                Choice::Wait => None,
            };
            (step, pick)
        };
        self.apply(step);
        pick
    }

    /// A 2xx response from `origin` carried a session token in the `sessionTokenHeader`: the core
    /// judges it; if taken, it serves that origin's next requests and `renewed` says so.
    pub fn offered(self: &Rc<Self>, origin: OriginId, token: JsString) {
        let (read, claims) = claims::read(&token);
        let (taken, step) = {
            let mut state = self.state.borrow_mut();
            let (outcome, step) = state.keeper.offered(now(), origin, read, &subject_of(&claims));
            let taken = outcome.is_ok().then(|| {
                let value = header_value(&self.config, &token);
                state.sessions.retain(|(other, _)| *other != origin);
                state.sessions.push((origin, Kept { token, value, claims: claims.clone() }));
                let expires_at =
                    state.keeper.session_token(origin).and_then(|held| state.keeper.page_time(held.expires_at));
                Event::Renewed { claims, expires_at: expires_at.map_or(f64::NAN, |at| at as f64), source: "backend" }
            });
            (taken, step)
        };
        self.apply(step);
        if let Some(event) = taken {
            self.emit(Channel::Events, &report::to_js(&event));
        }
    }

    /// `origin` answered 401 to its session token `token`: drop it (if it is the one held).
    pub fn rejected_backend(self: &Rc<Self>, origin: OriginId, token: &JsValue) {
        let step = {
            let mut state = self.state.borrow_mut();
            let is_held = state.session(origin).is_some_and(|kept| Object::is(&kept.token, token));
            state.keeper.rejected_backend(now(), origin, is_held)
        };
        self.apply(step);
    }

    /// A request was rejected with `token`, or a fresh token was demanded (`None`: the one held,
    /// `token({ forceRefresh: true })`): renew before handing the held token out again (nothing if
    /// `token` is not the one held).
    pub fn force(self: &Rc<Self>, token: Option<&JsValue>) {
        let step = {
            let mut state = self.state.borrow_mut();
            let is_held =
                state.token.as_ref().is_some_and(|(held, _)| token.is_none_or(|token| Object::is(held, token)));
            state.keeper.force(now(), is_held)
        };
        self.apply(step);
    }

    /// Whether the keeper stopped for good (fatal failure or dispose), and why.
    pub fn stopped_by(&self) -> Option<Error> {
        self.state.borrow().keeper.stopped_by().cloned()
    }

    /// The header value for a token: `<scheme> <token>`, or the bare token (`header` option).
    pub fn header(&self, token: &JsString) -> JsString {
        header_value(&self.config, token)
    }

    /// A token that is usable now, waiting for the keeper if none is, but never longer than
    /// `timeoutMs` (the core says whether waiting can help: `Keeper::may_wait`); `signal` cancels
    /// only this caller's wait (`as_fetch`: with the signal's own reason, like `fetch`; else
    /// `aborted`).
    pub async fn current(self: Rc<Self>, signal: Option<AbortSignal>, as_fetch: bool) -> Result<JsString, JsValue> {
        let deadline = now().mono.saturating_add(self.config.timeout);
        loop {
            let now = now();
            if let Some((token, _)) = self.check(now) {
                return Ok(token);
            }
            let may_wait = self.state.borrow().keeper.may_wait(now, deadline);
            if let Err(error) = may_wait {
                return Err(error::to_js(&error));
            }
            JsFuture::from(self.wait(signal.as_ref(), as_fetch, deadline)).await?;
        }
    }

    /// Whether to look for the `Date` header of the response to a request sent at `sent` (a yes
    /// counts as looking: ask once per request).
    pub fn server_time_due(&self, sent: Now) -> bool {
        self.state.borrow_mut().keeper.server_time_due(sent)
    }

    /// A response from an allowed origin carried a `Date` header (`date_ms`): the backend's clock,
    /// a hint the core may bound its estimate of the issuer's clock with.
    pub fn server_time(self: &Rc<Self>, sent: Now, received: Now, date_ms: Millis) {
        let step = self.state.borrow_mut().keeper.server_time(sent, received, date_ms);
        self.apply(step);
    }

    /// The decoded, unverified claims of the token the page's own origin's requests carry now
    /// (`undefined` if none).
    pub fn claims(&self) -> JsValue {
        let state = self.state.borrow();
        state
            .page_session(self.config.page_origin)
            .map_or_else(|| state.claims.clone(), |(kept, _)| kept.claims.clone())
    }

    /// The snapshot: the same frozen object until something in it changes.
    pub fn snapshot(&self) -> JsValue {
        let (version, snapshot) = {
            let state = self.state.borrow();
            let version = state.keeper.version();
            if let Some((seen, snapshot)) = &state.snapshot {
                if *seen == version {
                    return snapshot.clone();
                }
            }
            let keeper = &state.keeper;
            let error = keeper.last_error().map_or(JsValue::UNDEFINED, error::to_js);
            let (claims, expires_at, source) = match state.page_session(self.config.page_origin) {
                Some((kept, expires_at)) => (kept.claims.clone(), keeper.page_time(expires_at), Some("backend")),
                None => {
                    let source = keeper.held().map(|_| "host");
                    (state.claims.clone(), keeper.expires_at_page_time(), source)
                }
            };
            let snapshot = Snapshot {
                status: keeper.status().as_str(),
                claims,
                expires_at: expires_at.map(|at| at as f64),
                source,
                error,
            };
            (version, snapshot)
        };
        let snapshot: Object = report::to_js(&snapshot).unchecked_into();
        let snapshot = JsValue::from(Object::freeze(&snapshot));
        self.state.borrow_mut().snapshot = Some((version, snapshot.clone()));
        snapshot
    }

    /// The counters.
    pub fn stats(&self) -> JsValue {
        let stats = self.state.borrow().keeper.stats();
        report::to_js(&StatsReport(stats))
    }

    /// Adds a listener; returns the function that removes it.
    pub fn listen(self: &Rc<Self>, listener: Function, channel: Channel) -> Function {
        let id = {
            let mut state = self.state.borrow_mut();
            state.next_listener += 1;
            let id = state.next_listener;
            state.listeners.push((id, listener, channel));
            id
        };
        let weak = Rc::downgrade(self);
        let unsubscribe = Closure::<dyn FnMut()>::new(move || {
            if let Some(keeper) = weak.upgrade() {
                keeper.state.borrow_mut().listeners.retain(|(other, _, _)| *other != id);
            }
        });
        unsubscribe.into_js_value().unchecked_into()
    }

    /// Stops for good: no timer, no page listeners; waiting and later calls fail with `disposed`.
    pub fn dispose(self: &Rc<Self>) {
        let (step, page_events) = {
            let mut state = self.state.borrow_mut();
            (state.keeper.dispose(), state.page_events.take())
        };
        drop(page_events);
        self.apply(step);
        self.state.borrow_mut().listeners.clear();
    }

    /// A promise that settles at the keeper's next release, or rejects when `signal` aborts or the
    /// caller's `deadline` (monotonic) passes.
    fn wait(self: &Rc<Self>, signal: Option<&AbortSignal>, as_fetch: bool, deadline: Millis) -> Promise {
        if let Some(signal) = signal.filter(|signal| signal.aborted()) {
            return Promise::reject(&abort_reason(signal, as_fetch));
        }
        let mut executor = |resolve: Function, reject: Function| {
            let id = self.state.borrow().waiters.next_id();
            let abort = signal.map(|signal| {
                let (weak, signal_for_reason) = (Rc::downgrade(self), signal.clone());
                Listener::new(vec![(signal.clone().into(), "abort")], move || {
                    let removed = weak.upgrade().and_then(|keeper| keeper.state.borrow_mut().waiters.remove(id));
                    if let Some(waiter) = removed {
                        waiter.settle(Some(&abort_reason(&signal_for_reason, as_fetch)));
                    }
                })
            });
            let weak = Rc::downgrade(self);
            let deadline = timer::wake_at(deadline, now().mono, move || {
                let Some(keeper) = weak.upgrade() else { return };
                let removed = keeper.state.borrow_mut().waiters.remove(id);
                if let Some(waiter) = removed {
                    let error = keeper.state.borrow().keeper.wait_timed_out(now());
                    waiter.settle(Some(&error::to_js(&error)));
                }
            });
            self.state.borrow_mut().waiters.add(resolve, reject, abort, deadline);
        };
        Promise::new(&mut executor)
    }

    /// The source answered ask `id`.
    fn answered(self: &Rc<Self>, id: AskId, answer: Answer) {
        let step = match answer {
            Answer::Token(token) => {
                let (read, claims) = claims::read(&token);
                let mut state = self.state.borrow_mut();
                let same_as_held = state.token.as_ref().is_some_and(|(held, _)| Object::is(held, &token));
                let answer = core_keeper::Answer { same_as_held, read };
                let step = state.keeper.answered(now(), id, Ok(answer));
                if step.notices.contains(&Notice::Renewed) {
                    let header = self.header(&token);
                    state.token = Some((token, header));
                    state.keeper.host_user(subject_of(&claims));
                    state.claims = claims;
                }
                step
            }
            Answer::Failed(kind, detail) => {
                let error = failure(kind, &detail);
                self.state.borrow_mut().keeper.answered(now(), id, Err(error))
            }
        };
        self.apply(step);
    }

    /// Carries out one step of the core.
    fn apply(self: &Rc<Self>, step: Step) {
        let todo = self.read_out(step);
        if let Some(wake_at) = todo.timer {
            let weak = Rc::downgrade(self);
            let timer = wake_at.map(|at| timer::wake_at(at, now().mono, move || tick(&weak)));
            let replaced = core::mem::replace(&mut self.state.borrow_mut().timer, timer);
            drop(replaced);
        }
        if let Some(id) = todo.ask {
            let weak = Rc::downgrade(self);
            self.config.source.ask(move |answer| {
                if let Some(keeper) = weak.upgrade() {
                    keeper.answered(id, answer);
                }
            });
        }
        if let Some((waiters, error)) = todo.release {
            let error = error.as_ref().map(error::to_js);
            for waiter in waiters {
                waiter.settle(error.as_ref());
            }
        }
        for event in &todo.events {
            self.emit(Channel::Events, &report::to_js(event));
        }
        for listener in todo.changes {
            call_listener(&listener, &JsValue::UNDEFINED);
        }
    }

    /// Reads out what a step asks for, updating the state, under one borrow.
    fn read_out(&self, step: Step) -> Todo {
        let mut state = self.state.borrow_mut();
        let mut todo = Todo::default();
        if step.wake_at != state.reported_wake {
            state.reported_wake = step.wake_at;
            todo.timer = Some(step.wake_at);
        }
        todo.ask = step.ask;
        if let Some(release) = step.release {
            let error = match release {
                Release::Ready => None,
                Release::Failed(error) => Some(error),
            };
            todo.release = Some((state.waiters.take_all(), error));
        }
        for notice in step.notices {
            todo.events.push(match notice {
                Notice::Renewed => Event::Renewed {
                    claims: state.claims.clone(),
                    expires_at: state.keeper.expires_at_page_time().map_or(f64::NAN, |at| at as f64),
                    source: "host",
                },
                Notice::Failed(error) => Event::Error { error: error::to_js(&error) },
                Notice::Expired => Event::Expired,
            });
        }
        let version = state.keeper.version();
        if state.notified_version != Some(version) {
            state.notified_version = Some(version);
            todo.changes = listeners_of(&state, Channel::Changes);
        }
        todo
    }

    fn emit(&self, channel: Channel, event: &JsValue) {
        let listeners = listeners_of(&self.state.borrow(), channel);
        for listener in listeners {
            call_listener(&listener, event);
        }
    }
}

impl State {
    /// The session token kept for `origin` if the core holds one for it.
    fn session(&self, origin: OriginId) -> Option<&Kept> {
        self.keeper.session_token(origin)?;
        self.sessions.iter().find(|(other, _)| *other == origin).map(|(_, kept)| kept)
    }

    /// The page's origin's session token and its `exp`, if its requests carry it now.
    fn page_session(&self, page_origin: Option<OriginId>) -> Option<(&Kept, Millis)> {
        let origin = page_origin.filter(|_| self.keeper.page_choice() == Choice::Backend)?;
        Some((self.session(origin)?, self.keeper.session_token(origin)?.expires_at))
    }
}

/// The header value for `token`: `<scheme> <token>`, or the bare token (`header` option).
fn header_value(config: &Config, token: &JsString) -> JsString {
    if config.bare {
        return token.clone();
    }
    JsString::from(config.scheme.as_str()).concat(&" ".into()).concat(token)
}

/// The user a token speaks for: its `sub` claim (claims that are not an object have none).
fn subject_of(claims: &JsValue) -> Subject {
    if !claims.is_object() || !Object::has_own(claims.unchecked_ref::<Object>(), &"sub".into()) {
        return Subject::Absent;
    }
    match js::get(claims, "sub").ok().and_then(|sub| sub.as_string()) {
        Some(sub) => Subject::Text(sub),
        None => Subject::Other,
    }
}

fn listeners_of(state: &State, channel: Channel) -> Vec<Function> {
    state.listeners.iter().filter(|(_, _, of)| *of == channel).map(|(_, listener, _)| listener.clone()).collect()
}

/// Calls an app's listener; what it throws is reported, never let through.
fn call_listener(listener: &Function, event: &JsValue) {
    if let Err(thrown) = listener.call1(&JsValue::UNDEFINED, event) {
        js::report(&thrown);
    }
}

fn tick(keeper: &Weak<BrowserKeeper>) {
    if let Some(keeper) = keeper.upgrade() {
        keeper.tick();
    }
}

/// Why a waiting caller's signal aborted it: the signal's reason for `fetch` (an `AbortError`,
/// like `fetch`), our `aborted` error for `token()`.
fn abort_reason(signal: &AbortSignal, as_fetch: bool) -> JsValue {
    if as_fetch {
        signal.reason()
    } else {
        error::to_js(&Error::aborted())
    }
}
