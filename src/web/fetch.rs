//! `auth.fetch`: the app's `fetch` with `Authorization: <scheme> <token>` for allowed origins, and
//! one replay with a new token after a 401. Which URLs may carry the token is `core::origin`'s
//! decision, when a 401 is replayed `core::replay`'s.
//!
//! Odd arguments are `fetch`'s to refuse: whatever this layer cannot read (a throwing getter, a
//! Proxy) makes it hand the call to the app's `fetch` unchanged, so the caller gets `fetch`'s own
//! error, and never the token.

use super::error;
use super::js;
use super::keeper::{now, BrowserKeeper};
use crate::core::origin::{is_allowed, scope, Scope};
use crate::core::replay::{should_replay, Body};
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

    /// Whether `url` (already known to need the parser) resolves to an allowed origin.
    fn parsed_origin_allowed(&self, url: &str) -> bool {
        Url::new_with_base(url, &self.base).is_ok_and(|url| is_allowed(&url.origin(), &self.allowed))
    }
}

/// `auth.fetch` of one `ConnectAuth`: its keeper, where requests go, and the function every sent
/// request's response passes through (made once, so that a request costs no closure).
pub struct AuthFetch {
    keeper: Rc<BrowserKeeper>,
    sender: Sender,
    names: Names,
    /// `(sent, response) => response, or the replay's promise`, `sent` bound per request.
    after_send: OnceCell<Function>,
}

/// The property names every request uses, as JavaScript strings made once (making one from a
/// Rust string costs a UTF-8 decode per use).
struct Names {
    authorization: JsValue,
    headers: JsValue,
    status: JsValue,
}

impl AuthFetch {
    /// The `fetch` for `keeper`'s tokens.
    ///
    /// ```ignore
    /// let fetch = AuthFetch::new(keeper, sender);
    /// let response = JsFuture::from(fetch.fetch("/api/x".into(), JsValue::UNDEFINED)).await?;
    /// ```
    pub fn new(keeper: Rc<BrowserKeeper>, sender: Sender) -> Rc<AuthFetch> {
        let names = Names { authorization: "Authorization".into(), headers: "headers".into(), status: "status".into() };
        let fetch = Rc::new(AuthFetch { keeper, sender, names, after_send: OnceCell::new() });
        let weak = Rc::downgrade(&fetch);
        let after_send = Closure::<dyn FnMut(Array, JsValue) -> JsValue>::new(move |sent: Array, response: JsValue| {
            match weak.upgrade() {
                Some(fetch) => fetch.after_send(Sent::from_js(&sent), response),
                None => response,
            }
        });
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

    fn route(self: &Rc<Self>, input: &JsValue, init: &JsValue) -> Result<Promise, JsValue> {
        let (keeper, sender) = (&self.keeper, &self.sender);
        let has_init = !init.is_null() && !init.is_undefined();
        // An init that is not an object is fetch's to refuse (TypeError), never ours to send.
        if has_init && !init.is_object() && !init.is_function() {
            return Ok(sender.send(input, init));
        }
        let url = match (input.as_string(), input.dyn_ref::<Request>()) {
            (Some(url), _) => url,
            (None, Some(request)) => request.url(),
            (None, None) => js::string_of(input)?.into(),
        };
        let now = now();
        let usable = keeper.check(now);
        let allowed = match scope(&url, &sender.allowed) {
            Scope::Allowed => true,
            Scope::SameAsBase => sender.base_allowed,
            Scope::NeedsParse => sender.parsed_origin_allowed(&url),
        };
        if !allowed {
            return Ok(sender.send(input, init));
        }
        let own_headers = if has_init { Reflect::get(init, &self.names.headers)? } else { JsValue::UNDEFINED };
        let fresh = usable.filter(|_| own_headers.is_undefined() && input.is_string());
        let Some((token, header)) = fresh else {
            let this = self.clone();
            let (input, init) = (input.clone(), init.clone());
            return Ok(future_to_promise(async move { this.authenticated(input, init, own_headers).await }));
        };
        // The fast path: a fresh token, a URL string and no headers of the caller's to merge.
        let headers = Object::new();
        js::set(&headers, &self.names.authorization, &header);
        let authed = with_headers(init, &self.names.headers, &headers)?;
        let (body, signal) = body_and_signal(init, None)?;
        let sent = Sent { input: input.clone(), authed, token, body, signal, at: now };
        let promise = sender.send(input, &sent.authed);
        match self.after_send.get() {
            Some(after_send) => Ok(js::then(&promise, after_send.bind1(&JsValue::NULL, &sent.to_js()).as_ref())),
            None => Ok(promise),
        }
    }

    /// A response to a request that carried the token: as it is, or the promise of its replay.
    fn after_send(self: Rc<Self>, sent: Sent, response: JsValue) -> JsValue {
        self.read_server_date(&response, sent.at);
        let status = Reflect::get(&response, &self.names.status).ok().and_then(|status| status.as_f64()).unwrap_or(0.0);
        if !should_replay(status as u16, sent.body_kind(), self.sender.retry_unauthorized) {
            return response;
        }
        future_to_promise(async move { self.replay(response, sent).await }).into()
    }

    /// The path for everything but the fast one: the caller's headers merged, waiting for a token
    /// if none is usable.
    async fn authenticated(
        self: Rc<Self>,
        input: JsValue,
        init: JsValue,
        own_headers: JsValue,
    ) -> Result<JsValue, JsValue> {
        let request = input.dyn_ref::<Request>().cloned();
        let source = match (&request, own_headers.is_undefined()) {
            (Some(request), true) => request.headers().into(),
            _ => own_headers,
        };
        let headers = match Headers::new_with_str_sequence_sequence(&source) {
            Ok(headers) => headers,
            Err(_) => return JsFuture::from(self.sender.send(&input, &init)).await, // fetch refuses them itself
        };
        if headers.has("authorization").unwrap_or(false) {
            return JsFuture::from(self.sender.send(&input, &init)).await; // never over the caller's own
        }
        let (body, signal) = body_and_signal(&init, request.as_ref())?;
        let token = self.keeper.clone().current(signal.clone(), true).await?;
        let _ = headers.set("Authorization", &String::from(self.keeper.header(&token)));
        let authed = with_headers(&init, &self.names.headers, &headers)?;
        let sent = Sent { input, authed, token, body, signal, at: now() };
        let response = JsFuture::from(self.sender.send(&sent.input, &sent.authed)).await?;
        // The response as it is, or the promise of its replay, as on the fast path.
        JsFuture::from(Promise::resolve(&self.after_send(sent, response))).await
    }

    /// Hands the response's `Date` header, if it has one the browser can parse, to the keeper as
    /// the backend's clock (`sent`: when the request left). Only allowed origins' responses come
    /// here; a cross-origin one shows `Date` only if it lists it in `Access-Control-Expose-Headers`.
    fn read_server_date(&self, response: &JsValue, sent: Now) {
        let Some(response) = response.dyn_ref::<Response>() else { return };
        let Ok(Some(date)) = response.headers().get("date") else { return };
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
        let headers = Headers::new_with_str_sequence_sequence(&js::get(&sent.authed, "headers")?)?;
        headers.set("Authorization", &String::from(keeper.header(&next)))?;
        let replay = with_headers(&sent.authed, &self.names.headers, &headers)?;
        JsFuture::from(self.sender.send(&sent.input, &replay)).await
    }
}

/// A request that went out with a token.
struct Sent {
    input: JsValue,
    authed: JsValue,
    token: JsString,
    body: JsValue,
    signal: Option<AbortSignal>,
    /// When it was sent.
    at: Now,
}

impl Sent {
    /// As one JavaScript array, bound to the response handler.
    fn to_js(&self) -> Array {
        let signal = self.signal.as_ref().map_or(JsValue::UNDEFINED, JsValue::from);
        let sent = Array::of5(&self.input, &self.authed, &self.token, &self.body, &signal);
        sent.push(&(self.at.wall as f64).into());
        sent.push(&(self.at.mono as f64).into());
        sent
    }

    /// Back from [`Sent::to_js`] (an array of ours: nothing here can throw).
    fn from_js(sent: &Array) -> Sent {
        Sent {
            input: sent.get(0),
            authed: sent.get(1),
            token: sent.get(2).unchecked_into(),
            body: sent.get(3),
            signal: sent.get(4).dyn_into().ok(),
            at: Now {
                wall: sent.get(5).as_f64().unwrap_or_default() as Millis,
                mono: sent.get(6).as_f64().unwrap_or_default() as Millis,
            },
        }
    }

    /// What the request's body is, as far as replaying goes.
    fn body_kind(&self) -> Body {
        if !self.body.is_null() && !self.body.is_undefined() {
            if self.body.has_type::<ReadableStream>() {
                Body::Stream
            } else {
                Body::Buffered
            }
        } else if self.input.dyn_ref::<Request>().is_some_and(|request| request.body().is_some()) {
            Body::InRequest
        } else {
            Body::Empty
        }
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

/// The request's body and signal: the init's, else those of a `Request` passed as input.
fn body_and_signal(init: &JsValue, request: Option<&Request>) -> Result<(JsValue, Option<AbortSignal>), JsValue> {
    let has_init = !init.is_null() && !init.is_undefined();
    let body = if has_init { js::get(init, "body")? } else { JsValue::UNDEFINED };
    let signal = if has_init { js::get(init, "signal")? } else { JsValue::UNDEFINED };
    let signal = match signal.dyn_into::<AbortSignal>() {
        Ok(signal) => Some(signal),
        Err(_) => request.map(Request::signal),
    };
    Ok((body, signal))
}
