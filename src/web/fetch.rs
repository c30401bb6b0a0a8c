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
use js_sys::{Function, JsString, Object, Promise};
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{future_to_promise, JsFuture};
use web_sys::{AbortSignal, Headers, ReadableStream, Request, RequestInit, Url};

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

/// `auth.fetch(input, init)`.
///
/// ```ignore
/// let response = JsFuture::from(fetch::fetch(&keeper, &sender, "/api/x".into(), JsValue::UNDEFINED)).await?;
/// ```
pub fn fetch(keeper: &Rc<BrowserKeeper>, sender: &Rc<Sender>, input: JsValue, init: JsValue) -> Promise {
    if let Some(error) = keeper.stopped_by().filter(|error| error.code == crate::core::error::Code::Disposed) {
        return Promise::reject(&error::to_js(&error));
    }
    route(keeper, sender, &input, &init).unwrap_or_else(|_| sender.send(&input, &init))
}

fn route(keeper: &Rc<BrowserKeeper>, sender: &Rc<Sender>, input: &JsValue, init: &JsValue) -> Result<Promise, JsValue> {
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
    let own_headers = if has_init { js::get(init, "headers")? } else { JsValue::UNDEFINED };
    let fresh = if usable && own_headers.is_undefined() && input.is_string() { keeper.usable(now) } else { None };
    let (keeper, sender, input, init) = (keeper.clone(), sender.clone(), input.clone(), init.clone());
    let Some((token, header)) = fresh else {
        return Ok(future_to_promise(authenticated(keeper, sender, input, init, own_headers)));
    };
    // The fast path: a fresh token, a URL string and no headers of the caller's to merge.
    let headers = Object::new();
    js::set(&headers, &"Authorization".into(), &header);
    let authed = with_headers(&init, &headers)?;
    let (body, signal) = body_and_signal(&init, None)?;
    let sent = sender.send(&input, &authed);
    Ok(future_to_promise(async move {
        let response = JsFuture::from(sent).await?;
        replay_if_rejected(keeper, sender, response, Sent { input, authed, token, body, signal }).await
    }))
}

/// A request that went out with a token.
struct Sent {
    input: JsValue,
    authed: JsValue,
    token: JsString,
    body: JsValue,
    signal: Option<AbortSignal>,
}

/// The caller's init with `headers` instead of its own (`{...init, headers}`).
fn with_headers(init: &JsValue, headers: &JsValue) -> Result<JsValue, JsValue> {
    let authed = Object::new();
    if !init.is_null() && !init.is_undefined() {
        js::assign(&authed, init)?;
    }
    js::set(&authed, &"headers".into(), headers);
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

/// The path for everything but the fast one: the caller's headers merged, waiting for a token if
/// none is usable.
async fn authenticated(
    keeper: Rc<BrowserKeeper>,
    sender: Rc<Sender>,
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
        Err(_) => return JsFuture::from(sender.send(&input, &init)).await, // fetch refuses them itself
    };
    if headers.has("authorization").unwrap_or(false) {
        return JsFuture::from(sender.send(&input, &init)).await; // never over the caller's own
    }
    let (body, signal) = body_and_signal(&init, request.as_ref())?;
    let token = keeper.clone().current(signal.clone(), true).await?;
    let _ = headers.set("Authorization", &String::from(keeper.header(&token)));
    let authed = with_headers(&init, &headers)?;
    let response = JsFuture::from(sender.send(&input, &authed)).await?;
    replay_if_rejected(keeper, sender, response, Sent { input, authed, token, body, signal }).await
}

/// Sends the request again with a new token if `response` is a 401 the core says to replay.
async fn replay_if_rejected(
    keeper: Rc<BrowserKeeper>,
    sender: Rc<Sender>,
    response: JsValue,
    sent: Sent,
) -> Result<JsValue, JsValue> {
    let status = js::get(&response, "status").ok().and_then(|status| status.as_f64()).unwrap_or(0.0);
    let body = if !sent.body.is_null() && !sent.body.is_undefined() {
        if sent.body.has_type::<ReadableStream>() {
            Body::Stream
        } else {
            Body::Buffered
        }
    } else if sent.input.dyn_ref::<Request>().is_some_and(|request| request.body().is_some()) {
        Body::InRequest
    } else {
        Body::Empty
    };
    if !should_replay(status as u16, body, sender.retry_unauthorized) {
        return Ok(response);
    }
    keeper.force(&sent.token);
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
    let replay = with_headers(&sent.authed, &headers)?;
    JsFuture::from(sender.send(&sent.input, &replay)).await
}
