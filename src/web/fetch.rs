//! `auth.fetch`: the app's `fetch` with `Authorization: <scheme> <token>` (or the token in the
//! `header` option's header) for allowed origins, and one replay with a new token after a 401.
//! Which URLs may carry a token is `core::origin`'s decision, which token `core::keeper`'s (the
//! host's, or the origin's own session token), when a 401 is replayed `core::replay`'s. A 2xx
//! response's `sessionTokenHeader` is offered to the keeper.
//!
//! A request that finds a fresh token is sent synchronously, whatever its headers (an object, an
//! array of pairs, `Headers`, or a `Request`'s); a future runs only for a caller that must wait
//! for a renewal, and for the replay after a 401.
//!
//! Odd arguments are `fetch`'s to refuse: whatever this layer cannot read (a throwing getter, a
//! Proxy) makes it hand the call to the app's `fetch` unchanged, so the caller gets `fetch`'s own
//! error, and never the token.

use super::error;
use super::js;
use super::keeper::Pick;
use super::keeper::{now, BrowserKeeper};
use crate::core::origin::{allowed_index, scope, Scope};
use crate::core::replay::{replayable, should_replay, Body};
use crate::core::session::OriginId;
use crate::core::{Millis, Now};
use js_sys::{Function, JsString, Object, Promise, Reflect};
use std::cell::OnceCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{future_to_promise, JsFuture};
use web_sys::{AbortSignal, Headers, ReadableStream, Request, Response, Url};

/// Where requests go and which of them may carry the token.
pub struct Sender {
    /// The app's `fetch` (or `globalThis.fetch`).
    pub fetch: Option<Function>,
    /// The URL relative request URLs resolve against (the document's base URL).
    pub base: String,
    /// Allowed origins, as `URL.origin` prints them.
    pub allowed: Vec<String>,
    /// The base URL's origin, if it is allowed (for relative URLs).
    pub base_origin: Option<OriginId>,
    /// Whether a 401 is replayed once with a new token.
    pub retry_unauthorized: bool,
}

impl Sender {
    /// Calls the app's `fetch` as is; what it throws becomes a rejection.
    fn send(&self, input: &JsValue, init: &JsValue) -> Promise {
        let Some(fetch) = &self.fetch else {
            return Promise::reject(
                &js_sys::TypeError::new(
                    "fetch is not available here: this environment has no global fetch (Jest's own jsdom environment has none). Pass createConnectAuth({ fetch }), or run the tests in jest-fixed-jsdom or Node.",
                )
                .into(),
            );
        };
        match fetch.call2(&JsValue::UNDEFINED, input, init) {
            // fetch's own promise as it is; anything else (a stub's value, a thenable) adopted.
            Ok(response) => response.dyn_into().unwrap_or_else(|other| Promise::resolve(&other)),
            Err(thrown) => Promise::reject(&thrown),
        }
    }

    /// Which allowed origin `url` goes to, if any (only those may carry a token).
    fn origin_of(&self, url: &str) -> Option<OriginId> {
        match scope(url, &self.allowed) {
            Scope::Allowed(index) => Some(index),
            Scope::SameAsBase => self.base_origin,
            Scope::NeedsParse => {
                Url::new_with_base(url, &self.base).ok().and_then(|url| allowed_index(&url.origin(), &self.allowed))
            }
        }
    }
}

/// `auth.fetch` of one `ConnectAuth`: its keeper, where requests go, and the function every sent
/// request's response passes through (made once, so that a request costs no closure).
pub struct AuthFetch {
    keeper: Rc<BrowserKeeper>,
    sender: Sender,
    names: Names,
    /// `(replayable, token, input, authed, wall, mono, response) => response, or the replay's
    /// promise`, all but the response bound per request ([`Sent`], and when it left if the keeper
    /// wants its response's `Date`, else `undefined`).
    after_send: OnceCell<Function>,
    /// `(replayable, token, input, authed, body) => the response's promise`: a `Request`'s body
    /// read, it is sent in the init ([`AuthFetch::send`]).
    after_body: OnceCell<Function>,
}

/// The header names every request uses, as JavaScript strings made once (making one from a Rust
/// string costs a UTF-8 decode per use).
pub struct Names {
    /// The request header the token goes in (`header` option; `Authorization` by default).
    pub header: JsValue,
    /// The same, as Rust text (to look for the caller's own in a plain object).
    header_text: String,
    /// It is `Authorization`, spelled so (a plain object's own property can then be set directly).
    pub authorization: bool,
    /// The response header session tokens come in (`sessionTokenHeader`), if any.
    pub session: Option<JsValue>,
    date: JsValue,
    /// `Object.prototype`, to tell a plain object.
    object_prototype: JsValue,
}

impl AuthFetch {
    /// The `fetch` for `keeper`'s tokens.
    ///
    /// ```ignore
    /// let fetch = AuthFetch::new(keeper, sender);
    /// let response = JsFuture::from(fetch.fetch("/api/x".into(), None)).await?;
    /// ```
    pub fn new(keeper: Rc<BrowserKeeper>, sender: Sender, header: &str, session: Option<&str>) -> Rc<AuthFetch> {
        let object_prototype = js::prototype_of(&Object::new()).unwrap_or_default();
        let names = Names {
            header: header.into(),
            header_text: header.into(),
            authorization: header == "Authorization",
            session: session.map(JsValue::from),
            date: "date".into(),
            object_prototype,
        };
        let fetch =
            Rc::new(AuthFetch { keeper, sender, names, after_send: OnceCell::new(), after_body: OnceCell::new() });
        let weak = Rc::downgrade(&fetch);
        type Handler = dyn Fn(u32, JsString, JsValue, JsValue, f64, f64, JsValue) -> JsValue;
        let after_send =
            Closure::<Handler>::new(move |route, token, input, authed: JsValue, wall: f64, mono: f64, response| {
                let Some(fetch) = weak.upgrade() else { return response };
                let sent = Sent { route: Route::unpack(route), token, input, authed: authed.unchecked_into() };
                let at = (!mono.is_nan()).then_some(Now { wall: wall as Millis, mono: mono as Millis });
                fetch.after_send(sent, at, response)
            });
        let _ = fetch.after_send.set(after_send.into_js_value().unchecked_into());
        let weak = Rc::downgrade(&fetch);
        type BodyHandler = dyn FnMut(u32, JsString, JsValue, JsValue, JsValue) -> JsValue;
        let after_body = Closure::<BodyHandler>::new(move |route, token, input, authed: JsValue, body: JsValue| {
            let Some(fetch) = weak.upgrade() else { return JsValue::UNDEFINED };
            let sent = Sent { route: Route::unpack(route), token, input, authed: authed.unchecked_into() };
            // The Request had a body if reading it used it up; one without stays as it was.
            if sent.input.unchecked_ref::<Request>().body_used() {
                sent.authed.set_body(&body);
            }
            fetch.dispatch(&sent, now()).into()
        });
        let _ = fetch.after_body.set(after_body.into_js_value().unchecked_into());
        fetch
    }

    /// `auth.fetch(input, init)`.
    /// `init`: `None` for `undefined` or `null` (wasm-bindgen tells them apart without a call).
    pub fn fetch(self: &Rc<Self>, input: JsValue, init: Option<JsValue>) -> Promise {
        let has_init = init.is_some();
        let init = init.unwrap_or(JsValue::UNDEFINED);
        if let Some(error) = self.keeper.stopped_by().filter(|error| error.code == crate::core::error::Code::Disposed) {
            return Promise::reject(&error::to_js(&error));
        }
        self.route(&input, &init, has_init).unwrap_or_else(|_| self.sender.send(&input, &init))
    }

    /// Sends the request: as it is (an origin that is not allowed, the caller's own
    /// `Authorization`, arguments `fetch` will refuse), with the token if one is fresh now, or
    /// once a renewal brings one.
    fn route(self: &Rc<Self>, input: &JsValue, init: &JsValue, has_init: bool) -> Result<Promise, JsValue> {
        // An init that is not an object is fetch's to refuse (TypeError), never ours to send.
        if has_init && !init.is_object() && !init.is_function() {
            return Ok(self.sender.send(input, init));
        }
        let text = input.as_string();
        let request = if text.is_some() { None } else { input.dyn_ref::<Request>() };
        let url = match (text, request) {
            (Some(url), _) => url,
            (None, Some(request)) => request.url(),
            (None, None) => js::string_of(input)?.into(),
        };
        let Some(origin) = self.sender.origin_of(&url) else {
            return Ok(self.sender.send(input, init));
        };
        let Some(outgoing) = self.outgoing(input, init, has_init, request)? else {
            return Ok(self.sender.send(input, init)); // the caller's own Authorization, or headers fetch refuses
        };
        let body_to_read = outgoing.body_to_read(request, self.sender.retry_unauthorized);
        let at = now();
        if let Some(pick) = self.keeper.choose(at, Some(origin)) {
            return self.send(outgoing.authed(self, pick, origin)?, body_to_read, at);
        }
        // Only a caller that must wait for the host's token gets here.
        let this = self.clone();
        Ok(future_to_promise(async move {
            let signal = signal_of(&outgoing.init, &outgoing.input);
            let token = this.keeper.clone().current(signal, true).await?;
            let value = this.keeper.header(&token);
            let sent = outgoing.authed(&this, Pick { token, value, backend: false }, origin)?;
            JsFuture::from(this.send(sent, body_to_read, now())?).await
        }))
    }

    /// Sends `sent` (`at`: now), first reading `body_to_read`, the body of the `Request` it
    /// carries, into its init: a promise chain with a handler made once, no future.
    fn send(&self, sent: Sent, body_to_read: Option<Request>, at: Now) -> Result<Promise, JsValue> {
        let (Some(request), Some(after_body)) = (body_to_read, self.after_body.get()) else {
            return Ok(self.dispatch(&sent, at));
        };
        let read = request.array_buffer()?;
        let route = JsValue::from(sent.route.pack());
        let bound = after_body.bind4(&JsValue::NULL, &route, &sent.token, &sent.input, &sent.authed);
        Ok(js::then(&read, bound.as_ref()))
    }

    /// What goes out, read from the caller's arguments: their headers (`None` if they carry their
    /// own `Authorization` or cannot be read) and body.
    fn outgoing(
        &self,
        input: &JsValue,
        init: &JsValue,
        has_init: bool,
        request: Option<&Request>,
    ) -> Result<Option<Outgoing>, JsValue> {
        // The caller's init copied once (its getters run once, here): what goes out is this copy.
        let copy: Init = if has_init { js::copy_of(init)? } else { Object::new() }.unchecked_into();
        let own_headers = if has_init { copy.headers() } else { JsValue::UNDEFINED };
        let headers = match (own_headers.is_undefined(), request) {
            (true, None) => OwnHeaders::Record(Object::new().unchecked_into()),
            (true, Some(request)) => OwnHeaders::Headers(request.headers()),
            // A plain object, the usual `{ 'Content-Type': ... }`: copied as fetch reads it (own
            // enumerable properties), which costs a third of building a `Headers` from it.
            (false, _) if self.is_record(&own_headers)? => {
                let record = js::copy_of(&own_headers)?;
                if js::has_key_ignoring_case(&record, &self.names.header_text) {
                    return Ok(None); // never over the caller's own
                }
                OwnHeaders::Record(record.unchecked_into())
            }
            (false, _) => match Headers::new_with_str_sequence_sequence(&own_headers) {
                Ok(headers) => OwnHeaders::Headers(headers),
                Err(_) => return Ok(None), // fetch refuses them itself
            },
        };
        if let OwnHeaders::Headers(headers) = &headers {
            if js::has_header(headers, &self.names.header) {
                return Ok(None); // never over the caller's own
            }
        }
        let body = if has_init { copy.body() } else { JsValue::UNDEFINED };
        let body = if !body.is_null() && !body.is_undefined() {
            if body.has_type::<ReadableStream>() {
                Body::Stream
            } else {
                Body::Buffered
            }
        } else if request.is_some_and(|request| !matches!(request.method().as_str(), "GET" | "HEAD")) {
            // Any other method may carry a body. (Firefox has no `Request.body` to ask: measured
            // on Firefox ESR 153.) Reading a Request that has none changes nothing: see after_body.
            Body::InRequest
        } else {
            Body::Empty
        };
        Ok(Some(Outgoing { input: input.clone(), init: copy, headers, body }))
    }

    /// Whether the caller's headers are a plain object (a record of names and values, as `fetch`
    /// reads one), not a `Headers`, an array of pairs or another iterable; `Err` for a Proxy that
    /// refuses to say.
    fn is_record(&self, headers: &JsValue) -> Result<bool, JsValue> {
        if !headers.is_object() {
            return Ok(false);
        }
        let prototype = js::prototype_of(headers)?;
        Ok(prototype.is_null() || Object::is(&prototype, &self.names.object_prototype))
    }

    /// A response to a request that carried the token (`at`: when it left, if its `Date` is
    /// wanted): as it is, or the promise of its replay.
    fn after_send(self: Rc<Self>, sent: Sent, at: Option<Now>, response: JsValue) -> JsValue {
        let status = match response.dyn_ref::<Response>() {
            Some(fetched) => {
                if let Some(at) = at {
                    self.read_server_date(fetched, at);
                }
                self.read_session_token(fetched, sent.route.origin);
                f64::from(fetched.status())
            }
            // The app's fetch resolved to something else: only its status is read.
            None => Reflect::get(&response, &"status".into()).ok().and_then(|status| status.as_f64()).unwrap_or(0.0),
        };
        if !should_replay(status as u16, sent.route.replayable) {
            return response;
        }
        future_to_promise(async move { self.replay(response, sent).await }).into()
    }

    /// Hands the response's `Date` header, if it has one the browser can parse, to the keeper as
    /// the backend's clock (`sent`: when the request left). Only allowed origins' responses come
    /// here; a cross-origin one shows `Date` only if it lists it in `Access-Control-Expose-Headers`.
    fn read_server_date(&self, response: &Response, sent: Now) {
        let Some(date) = js::get_header(&response.headers(), &self.names.date) else { return };
        let date_ms = js_sys::Date::parse(&date);
        if date_ms.is_finite() {
            self.keeper.server_time(sent, now(), date_ms as Millis);
        }
    }

    /// Offers the session token in a 2xx response's `sessionTokenHeader` (if the option is set)
    /// to the keeper, for `origin`. A cross-origin backend's header is seen only if it lists it in
    /// `Access-Control-Expose-Headers`; unseen, nothing happens. A response that came after a
    /// redirect may be another origin's: its header is not taken.
    fn read_session_token(&self, response: &Response, origin: OriginId) {
        let Some(name) = &self.names.session else { return };
        if !response.ok() || response.redirected() {
            return;
        }
        if let Some(token) = js::get_header_as_js(&response.headers(), name) {
            self.keeper.offered(origin, token);
        }
    }

    /// Sends the request again with a new token after a 401 (the core said to replay it): a
    /// rejected session token is dropped for its origin, a rejected host token renewed; the
    /// replay carries the host's token.
    async fn replay(self: Rc<Self>, response: JsValue, sent: Sent) -> Result<JsValue, JsValue> {
        let keeper = &self.keeper;
        let Sent { route, token, input, authed } = sent;
        let signal = signal_of(&authed, &input);
        if route.backend {
            keeper.rejected_backend(route.origin, &token);
        } else {
            keeper.force(Some(&token));
        }
        let next = match keeper.clone().current(signal.clone(), true).await {
            Ok(next) => next,
            Err(error) if signal.as_ref().is_some_and(AbortSignal::aborted) => return Err(error),
            Err(_) => return Ok(response),
        };
        if Object::is(&next, &token) {
            return Ok(response);
        }
        let headers = Headers::new_with_str_sequence_sequence(&authed.headers())?;
        js::set_header(&headers, &self.names.header, &keeper.header(&next))?;
        authed.set_headers(&headers);
        let replayed = JsFuture::from(self.sender.send(&input, &authed)).await?;
        if let Some(fetched) = replayed.dyn_ref::<Response>() {
            self.read_session_token(fetched, route.origin);
        }
        Ok(replayed)
    }
}

/// A request about to carry the token.
struct Outgoing {
    input: JsValue,
    /// A copy of the caller's init (`{...init}`, or `{}`): sent with the token in its headers.
    init: Init,
    /// The caller's headers (the init's, else the `Request`'s), copied: the token is added here.
    headers: OwnHeaders,
    body: Body,
}

/// The caller's `AbortSignal`: their init's (`init` is its copy), else their `Request`'s.
fn signal_of(init: &Init, input: &JsValue) -> Option<AbortSignal> {
    let signal = init.signal().dyn_into::<AbortSignal>().ok();
    signal.or_else(|| input.dyn_ref::<Request>().map(Request::signal))
}

impl Outgoing {
    /// The `Request` whose body is read before sending (one microtask hop) and sent as the init's
    /// body, if a 401 to it may be replayed: the `Request`'s own properties stay in force and the
    /// body can be sent again (a `request.clone()` instead tees the body's stream: measured 60
    /// times slower).
    /// `request`: the input, if it is a `Request`.
    fn body_to_read(&self, request: Option<&Request>, retry_unauthorized: bool) -> Option<Request> {
        let replayable = replayable(self.body, retry_unauthorized);
        // A body already read is fetch's to refuse (its own TypeError), as if we were not there.
        let request = request.filter(|request| !request.body_used());
        request.filter(|_| replayable && self.body == Body::InRequest).cloned()
    }

    /// The request with `pick`'s token, for `origin`.
    fn authed(self, fetch: &AuthFetch, pick: Pick, origin: OriginId) -> Result<Sent, JsValue> {
        match &self.headers {
            OwnHeaders::Headers(headers) => {
                js::set_header(headers, &fetch.names.header, &pick.value)?;
                self.init.set_headers(headers);
            }
            OwnHeaders::Record(record) if fetch.names.authorization => {
                record.set_authorization(&pick.value);
                self.init.set_headers(record);
            }
            OwnHeaders::Record(record) => {
                js::set(record, &fetch.names.header, &pick.value);
                self.init.set_headers(record);
            }
        }
        let replayable = replayable(self.body, fetch.sender.retry_unauthorized);
        let route = Route { replayable, backend: pick.backend, origin };
        Ok(Sent { route, token: pick.token, input: self.input, authed: self.init })
    }
}

impl AuthFetch {
    /// Sends a request and hands its response to [`AuthFetch::after_send`]; `at`: now.
    fn dispatch(&self, sent: &Sent, at: Now) -> Promise {
        let promise = self.sender.send(&sent.input, &sent.authed);
        let Some(after_send) = self.after_send.get() else { return promise };
        // When it left, only if its response's Date is wanted (numbers cost a call each to cross).
        let (wall, mono) = match self.keeper.server_time_due(at) {
            true => (JsValue::from(at.wall as f64), JsValue::from(at.mono as f64)),
            false => (JsValue::UNDEFINED, JsValue::UNDEFINED),
        };
        let route = JsValue::from(sent.route.pack());
        let bound = after_send.bind6(&JsValue::NULL, &route, &sent.token, &sent.input, &sent.authed, &wall, &mono);
        js::then(&promise, bound.as_ref())
    }
}

/// The caller's headers as they go out, with the token added.
enum OwnHeaders {
    /// A plain object of ours: a copy of the caller's, or empty if they gave none.
    Record(Init),
    /// A `Headers` of ours, made from the caller's (a `Headers`, an array of pairs, an iterable).
    Headers(Headers),
}

/// A request that goes out with a token; its fields are bound as arguments to the response
/// handler (so that a request costs no closure and no object of its own).
struct Sent {
    route: Route,
    token: JsString,
    /// The caller's input (a `Request` whose body was read: the init carries it).
    input: JsValue,
    /// The init it was sent with (`{...init, headers}`, and the body of a `Request` input; the
    /// caller's signal, if they gave one in their init).
    authed: Init,
}

/// Where a request went and with which token, as far as its response matters.
#[derive(Clone, Copy)]
struct Route {
    /// Whether a 401 to it is replayed.
    replayable: bool,
    /// It carried its origin's own session token (else the host's).
    backend: bool,
    /// The allowed origin it went to.
    origin: OriginId,
}

impl Route {
    /// One number, bound as an argument of the response handler (bit 0: replayable, bit 1:
    /// backend, the rest: the origin).
    fn pack(self) -> u32 {
        u32::from(self.replayable) | u32::from(self.backend) << 1 | (self.origin as u32) << 2
    }

    fn unpack(bits: u32) -> Route {
        Route { replayable: bits & 1 != 0, backend: bits & 2 != 0, origin: (bits >> 2) as OriginId }
    }
}

#[wasm_bindgen]
extern "C" {
    /// A plain object of ours (a copy of the caller's init, or a headers object), read and written
    /// through named properties: one inline cache per property, no `Reflect`, nothing that can
    /// throw (a copy has only data properties).
    #[wasm_bindgen(extends = Object)]
    #[derive(Clone)]
    type Init;
    #[wasm_bindgen(method, getter)]
    fn headers(this: &Init) -> JsValue;
    #[wasm_bindgen(method, setter)]
    fn set_headers(this: &Init, headers: &JsValue);
    #[wasm_bindgen(method, getter)]
    fn body(this: &Init) -> JsValue;
    #[wasm_bindgen(method, setter)]
    fn set_body(this: &Init, body: &JsValue);
    #[wasm_bindgen(method, getter)]
    fn signal(this: &Init) -> JsValue;
    #[wasm_bindgen(method, setter = Authorization)]
    fn set_authorization(this: &Init, value: &JsString);
}
