//! `auth.fetch`: attaches the token to requests for allowed origins and replays a 401 once.
//! The decisions (scope, replay) are `core::origin` and `core::replay`; this binds `fetch`.

use super::driver::{self, js_string, AbortAs, Shared};
use crate::core::origin::{is_allowed, scope, Scope};
use crate::core::replay::{should_replay, Body};
use js_sys::{Function, Object, Promise, Reflect};
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortSignal, ReadableStream, Request, Response};

/// Where requests may carry the token, and how they are sent.
pub struct Sender {
    pub fetch: Function,
    pub allowed: Vec<String>,
    /// The document's base URL, for relative request URLs.
    pub base_url: Option<String>,
    pub base_allowed: bool,
    pub retry_unauthorized: bool,
}

impl Sender {
    /// Whether `input`'s URL is in scope; errors from odd inputs mean "not ours to touch".
    fn in_scope(&self, input: &JsValue) -> bool {
        let url = match input.as_string() {
            Some(url) => url,
            None => match input.dyn_ref::<Request>() {
                Some(request) => request.url(),
                None => match js_string(input) {
                    Ok(url) => url.into(),
                    Err(_) => return false,
                },
            },
        };
        match scope(&url, &self.allowed) {
            Scope::Allowed => true,
            Scope::SameAsBase => self.base_allowed,
            Scope::NeedsParse => {
                let parsed = match &self.base_url {
                    Some(base) => web_sys::Url::new_with_base(&url, base),
                    None => web_sys::Url::new(&url),
                };
                parsed.is_ok_and(|parsed| is_allowed(&parsed.origin(), &self.allowed))
            }
        }
    }

    fn send(&self, input: &JsValue, init: &JsValue) -> Promise {
        match self.fetch.call2(&JsValue::UNDEFINED, input, init) {
            Ok(answer) => answer.dyn_into::<Promise>().unwrap_or_else(|answer| Promise::resolve(&answer)),
            Err(thrown) => Promise::reject(&thrown),
        }
    }
}

/// `auth.fetch(input, init)`.
pub fn fetch(shared: &Rc<Shared>, sender: &Rc<Sender>, input: JsValue, init: JsValue) -> Promise {
    if !sender.in_scope(&input) {
        return sender.send(&input, &init);
    }
    let (shared, sender) = (shared.clone(), sender.clone());
    wasm_bindgen_futures::future_to_promise(async move { authenticated(&shared, &sender, input, init).await })
}

async fn authenticated(
    shared: &Rc<Shared>,
    sender: &Sender,
    input: JsValue,
    init: JsValue,
) -> Result<JsValue, JsValue> {
    let request = input.dyn_ref::<Request>();
    let field = |name: &str| -> Result<JsValue, JsValue> {
        if init.is_object() {
            Reflect::get(&init, &name.into())
        } else {
            Ok(JsValue::UNDEFINED)
        }
    };
    let own_headers = field("headers")?;
    let headers = match request {
        Some(request) if own_headers.is_undefined() => Headers::new(&Reflect::get(request, &"headers".into())?)?,
        _ => Headers::new(&own_headers)?,
    };
    if headers.has("authorization")? {
        // The caller authenticates this request itself: never overwrite, never replay.
        return JsFuture::from(sender.send(&input, &init)).await;
    }
    let signal = field("signal")?.dyn_into::<AbortSignal>().ok().or_else(|| request.map(Request::signal));
    let body = field("body")?;
    let body = if !body.is_undefined() && !body.is_null() {
        if body.is_instance_of::<ReadableStream>() {
            Body::Stream
        } else {
            Body::Buffered
        }
    } else if request.is_some_and(|request| request.body().is_some()) {
        Body::InRequest
    } else {
        Body::Empty
    };
    let current = driver::current(shared, signal.as_ref(), AbortAs::Reason).await?;
    headers.set("Authorization", &current.header)?;
    let authed =
        Object::assign(&Object::new(), &if init.is_object() { init.clone().unchecked_into() } else { Object::new() });
    Reflect::set(&authed, &"headers".into(), &headers)?;
    let response: Response = JsFuture::from(sender.send(&input, &authed)).await?.dyn_into()?;
    if !should_replay(response.status(), body, sender.retry_unauthorized) {
        return Ok(response.into());
    }
    let step = shared.borrow_mut().core.force(driver::now(), &current.raw);
    driver::apply(shared, step);
    let replacement = match driver::current(shared, signal.as_ref(), AbortAs::Reason).await {
        Ok(replacement) if replacement.raw != current.raw => replacement,
        Err(error) if signal.as_ref().is_some_and(AbortSignal::aborted) => return Err(error),
        _ => return Ok(response.into()),
    };
    headers.set("Authorization", &replacement.header)?;
    JsFuture::from(sender.send(&input, &authed)).await
}

#[wasm_bindgen]
extern "C" {
    /// `Headers`, bound here so the value of `set` stays a JavaScript string (no copy through Rust).
    type Headers;
    #[wasm_bindgen(constructor, catch)]
    fn new(init: &JsValue) -> Result<Headers, JsValue>;
    #[wasm_bindgen(method, catch)]
    fn has(this: &Headers, name: &str) -> Result<bool, JsValue>;
    #[wasm_bindgen(method, catch)]
    fn set(this: &Headers, name: &str, value: &JsValue) -> Result<(), JsValue>;
}
