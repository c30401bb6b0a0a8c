//! `auth.fetch`: the app's `fetch` with `Authorization: <scheme> <token>` for allowed origins, and
//! one replay with a new token after a 401. Which URLs may carry the token is `core::origin`'s
//! decision, when a 401 is replayed `core::replay`'s.
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
use super::keeper::{now, BrowserKeeper};
use crate::core::origin::{is_allowed, scope, Scope};
use crate::core::replay::{replayable, should_replay, Body};
use crate::core::{Millis, Now};
use js_sys::{Array, Function, JsString, Object, Promise, Reflect};
use std::cell::OnceCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{future_to_promise, JsFuture};
use web_sys::{AbortSignal, Headers, ReadableStream, Request, RequestInit, Response, Url};

/// Where requests go and which of them may carry the token.
pub struct Sender {
    /// The app's `fetch` (or `globalThis.fetch`).
    pub fetch: Option<Function>,
    /// The URL relative request URLs resolve against (the document's base URL).
    pub base: String,
    /// Allowed origins, as `URL.origin` prints them.
    pub allowed: Vec<String>,
    /// Whether the base URL's origin is allowed (for relative URLs).
    pub base_allowed: bool,
    /// Whether a 401 is replayed once with a new token.
    pub retry_unauthorized: bool,
}

impl Sender {
    /// Calls the app's `fetch` as is; what it throws becomes a rejection.
    fn send(&self, input: &JsValue, init: &JsValue) -> Promise {
        let Some(fetch) = &self.fetch else {
            return Promise::reject(
                &js_sys::TypeError::new("fetch is not available here; pass createConnectAuth({ fetch }).").into(),
            );
        };
        match fetch.call2(&JsValue::UNDEFINED, input, init) {
            Ok(response) => Promise::resolve(&response),
            Err(thrown) => Promise::reject(&thrown),
        }
    }

    /// Whether `url` may carry the token.
    fn allows(&self, url: &str) -> bool {
        match scope(url, &self.allowed) {
            Scope::Allowed => true,
            Scope::SameAsBase => self.base_allowed,
            Scope::NeedsParse => {
                Url::new_with_base(url, &self.base).is_ok_and(|url| is_allowed(&url.origin(), &self.allowed))
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
    /// `(sent, wall, mono, response) => response, or the replay's promise`, the first three bound
    /// per request.
    after_send: OnceCell<Function>,
}

/// The property and header names every request uses, as JavaScript strings made once (making one
/// from a Rust string costs a UTF-8 decode per use).
struct Names {
    authorization: JsValue,
    headers: JsValue,
    status: JsValue,
    body: JsValue,
    signal: JsValue,
    date: JsValue,
}

impl AuthFetch {
    /// The `fetch` for `keeper`'s tokens.
    ///
    /// ```ignore
    /// let fetch = AuthFetch::new(keeper, sender);
    /// let response = JsFuture::from(fetch.fetch("/api/x".into(), JsValue::UNDEFINED)).await?;
    /// ```
    pub fn new(keeper: Rc<BrowserKeeper>, sender: Sender) -> Rc<AuthFetch> {
        let names = Names {
            authorization: "Authorization".into(),
            headers: "headers".into(),
            status: "status".into(),
            body: "body".into(),
            signal: "signal".into(),
            date: "date".into(),
        };
        let fetch = Rc::new(AuthFetch { keeper, sender, names, after_send: OnceCell::new() });
        let weak = Rc::downgrade(&fetch);
        let after_send = Closure::<dyn FnMut(Array, f64, f64, JsValue) -> JsValue>::new(
            move |sent: Array, wall: f64, mono: f64, response: JsValue| match weak.upgrade() {
                Some(fetch) => fetch.after_send(&sent, Now { wall: wall as Millis, mono: mono as Millis }, response),
                None => response,
            },
        );
        let _ = fetch.after_send.set(after_send.into_js_value().unchecked_into());
        fetch
    }

    /// `auth.fetch(input, init)`.
    pub fn fetch(self: &Rc<Self>, input: JsValue, init: JsValue) -> Promise {
        if let Some(error) = self.keeper.stopped_by().filter(|error| error.code == crate::core::error::Code::Disposed) {
            return Promise::reject(&error::to_js(&error));
        }
        self.route(&input, &init).unwrap_or_else(|_| self.sender.send(&input, &init))
    }

    /// Sends the request: as it is (an origin that is not allowed, the caller's own
    /// `Authorization`, arguments `fetch` will refuse), with the token if one is fresh now, or
    /// once a renewal brings one.
    fn route(self: &Rc<Self>, input: &JsValue, init: &JsValue) -> Result<Promise, JsValue> {
        let has_init = !init.is_null() && !init.is_undefined();
        // An init that is not an object is fetch's to refuse (TypeError), never ours to send.
        if has_init && !init.is_object() && !init.is_function() {
            return Ok(self.sender.send(input, init));
        }
        let request = if input.is_string() { None } else { input.dyn_ref::<Request>() };
        let url = match (input.as_string(), request) {
            (Some(url), _) => url,
            (None, Some(request)) => request.url(),
            (None, None) => js::string_of(input)?.into(),
        };
        let at = now();
        let usable = self.keeper.check(at);
        if !self.sender.allows(&url) {
            return Ok(self.sender.send(input, init));
        }
        let Some(outgoing) = self.outgoing(input, init, has_init, request)? else {
            return Ok(self.sender.send(input, init)); // the caller's own Authorization, or headers fetch refuses
        };
        let body_to_read = outgoing.body_to_read(self.sender.retry_unauthorized);
        if let (Some((token, header)), None) = (&usable, &body_to_read) {
            let sent = outgoing.authed(self, token, header)?;
            return Ok(self.dispatch(&sent, at));
        }
        // Only a caller that must wait for a token, or for a Request's body to be read, gets here.
        let this = self.clone();
        Ok(future_to_promise(async move {
            let token = match usable {
                Some((token, _)) => token,
                None => this.keeper.clone().current(outgoing.signal.clone(), true).await?,
            };
            let sent = outgoing.authed(&this, &token, &this.keeper.header(&token))?;
            if let Some(request) = body_to_read {
                let body = JsFuture::from(request.array_buffer()?).await?;
                js::set(&Sent::authed_of(&sent), &this.names.body, &body);
            }
            JsFuture::from(this.dispatch(&sent, now())).await
        }))
    }

    /// What goes out, read from the caller's arguments: their headers (`None` if they carry their
    /// own `Authorization` or cannot be read), body and signal.
    fn outgoing(
        &self,
        input: &JsValue,
        init: &JsValue,
        has_init: bool,
        request: Option<&Request>,
    ) -> Result<Option<Outgoing>, JsValue> {
        let names = &self.names;
        let own_headers = if has_init { Reflect::get(init, &names.headers)? } else { JsValue::UNDEFINED };
        let headers = match (own_headers.is_undefined(), request) {
            (true, None) => None,
            (true, Some(request)) => Some(request.headers()),
            (false, _) => match Headers::new_with_str_sequence_sequence(&own_headers) {
                Ok(headers) => Some(headers),
                Err(_) => return Ok(None), // fetch refuses them itself
            },
        };
        if headers.as_ref().is_some_and(|headers| js::has_header(headers, &names.authorization)) {
            return Ok(None); // never over the caller's own
        }
        let body = if has_init { js::get_with(init, &names.body)? } else { JsValue::UNDEFINED };
        let signal = if has_init { js::get_with(init, &names.signal)? } else { JsValue::UNDEFINED };
        let signal = signal.dyn_into::<AbortSignal>().ok().or_else(|| request.map(Request::signal));
        let body = if !body.is_null() && !body.is_undefined() {
            if body.has_type::<ReadableStream>() {
                Body::Stream
            } else {
                Body::Buffered
            }
        } else if request.is_some_and(|request| request.body().is_some()) {
            Body::InRequest
        } else {
            Body::Empty
        };
        Ok(Some(Outgoing { input: input.clone(), init: init.clone(), headers, body, signal }))
    }

    /// A response to a request that carried the token (`sent` when it left): as it is, or the
    /// promise of its replay.
    fn after_send(self: Rc<Self>, sent: &Array, at: Now, response: JsValue) -> JsValue {
        self.read_server_date(&response, at);
        let status = Reflect::get(&response, &self.names.status).ok().and_then(|status| status.as_f64());
        let replayable = sent.get(0).is_truthy();
        if !should_replay(status.unwrap_or(0.0) as u16, replayable) {
            return response;
        }
        let sent = Sent::from_js(sent);
        future_to_promise(async move { self.replay(response, sent).await }).into()
    }

    /// Hands the response's `Date` header, if it has one the browser can parse, to the keeper as
    /// the backend's clock (`sent`: when the request left). Only allowed origins' responses come
    /// here; a cross-origin one shows `Date` only if it lists it in `Access-Control-Expose-Headers`.
    fn read_server_date(&self, response: &JsValue, sent: Now) {
        let Some(response) = response.dyn_ref::<Response>() else { return };
        let Some(date) = js::get_header(&response.headers(), &self.names.date) else { return };
        let date_ms = js_sys::Date::parse(&date);
        if date_ms.is_finite() {
            self.keeper.server_time(sent, now(), date_ms as Millis);
        }
    }

    /// Sends the request again with a new token after a 401 (the core said to replay it).
    async fn replay(self: Rc<Self>, response: JsValue, sent: Sent) -> Result<JsValue, JsValue> {
        let keeper = &self.keeper;
        keeper.force(Some(&sent.token));
        let next = match keeper.clone().current(sent.signal.clone(), true).await {
            Ok(next) => next,
            Err(error) if sent.signal.as_ref().is_some_and(AbortSignal::aborted) => return Err(error),
            Err(_) => return Ok(response),
        };
        if Object::is(&next, &sent.token) {
            return Ok(response);
        }
        let headers = Headers::new_with_str_sequence_sequence(&js::get_with(&sent.authed, &self.names.headers)?)?;
        js::set_header(&headers, &self.names.authorization, &keeper.header(&next))?;
        let replay = with_headers(&sent.authed, &self.names.headers, &headers)?;
        JsFuture::from(self.sender.send(&sent.input, &replay)).await
    }
}

/// A request about to carry the token.
struct Outgoing {
    input: JsValue,
    init: JsValue,
    /// The caller's headers (the init's, else the `Request`'s), if any.
    headers: Option<Headers>,
    body: Body,
    signal: Option<AbortSignal>,
}

impl Outgoing {
    /// The `Request` whose body is read before sending (one microtask hop) and sent as the init's
    /// body, if a 401 to it may be replayed: the `Request`'s own properties stay in force and the
    /// body can be sent again (a `request.clone()` instead tees the body's stream: measured 60
    /// times slower).
    fn body_to_read(&self, retry_unauthorized: bool) -> Option<Request> {
        let replayable = replayable(self.body, retry_unauthorized);
        // A body already read is fetch's to refuse (its own TypeError), as if we were not there.
        let request = self.input.dyn_ref::<Request>().filter(|request| !request.body_used());
        request.filter(|_| replayable && self.body == Body::InRequest).cloned()
    }

    /// The request with `token` (`header` its `Authorization` value), as the array kept for its
    /// response: `[replayable, token, input, authed init, signal]`.
    fn authed(&self, fetch: &AuthFetch, token: &JsString, header: &JsString) -> Result<Array, JsValue> {
        let names = &fetch.names;
        let headers = match &self.headers {
            Some(headers) => {
                js::set_header(headers, &names.authorization, header)?;
                headers.into()
            }
            None => {
                let headers = Object::new();
                js::set(&headers, &names.authorization, header);
                headers.into()
            }
        };
        let authed = with_headers(&self.init, &names.headers, &headers)?;
        let replayable = replayable(self.body, fetch.sender.retry_unauthorized);
        let signal = self.signal.as_ref().map_or(JsValue::UNDEFINED, JsValue::from);
        Ok(Array::of5(&replayable.into(), token, &self.input, &authed, &signal))
    }
}

impl AuthFetch {
    /// Sends a request (`sent`: `[replayable, token, input, authed, signal]`) and hands its
    /// response to [`AuthFetch::after_send`]; `at`: now.
    fn dispatch(&self, sent: &Array, at: Now) -> Promise {
        let promise = self.sender.send(&sent.get(2), &Sent::authed_of(sent));
        let Some(after_send) = self.after_send.get() else { return promise };
        let bound = after_send.bind3(&JsValue::NULL, sent, &(at.wall as f64).into(), &(at.mono as f64).into());
        js::then(&promise, bound.as_ref())
    }
}

/// A request that went out with a token, as kept for its replay.
struct Sent {
    /// The caller's input (a `Request` whose body was read: the init carries it).
    input: JsValue,
    authed: JsValue,
    token: JsString,
    signal: Option<AbortSignal>,
}

impl Sent {
    /// The authed init in a sent array.
    fn authed_of(sent: &Array) -> JsValue {
        sent.get(3)
    }

    /// Back from the array bound to the response handler (`[replayable, token, input, authed,
    /// signal]`, an array of ours: nothing here can throw).
    fn from_js(sent: &Array) -> Sent {
        let signal = sent.get(4).dyn_into().ok();
        Sent { token: sent.get(1).unchecked_into(), input: sent.get(2), authed: sent.get(3), signal }
    }
}

/// The caller's init with `headers` instead of its own (`{...init, headers}`).
fn with_headers(init: &JsValue, name: &JsValue, headers: &JsValue) -> Result<JsValue, JsValue> {
    let authed = Object::new();
    if !init.is_null() && !init.is_undefined() {
        js::assign(&authed, init)?;
    }
    js::set(&authed, name, headers);
    Ok(authed.unchecked_into::<RequestInit>().into())
}
