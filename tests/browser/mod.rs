//! What the browser tests (tests/web.rs, tests/web_session.rs) share: the `ConnectAuth` object as
//! the app sees it, and small helpers to build options and read results.
#![allow(dead_code)]

use connect_token::web::create_connect_auth;
use js_sys::{Function, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// The `ConnectAuth` object as the app sees it (its methods called the JavaScript way).
#[wasm_bindgen]
extern "C" {
    pub type ConnectAuth;
    #[wasm_bindgen(method)]
    pub fn fetch(this: &ConnectAuth, input: JsValue, init: JsValue) -> Promise;
    #[wasm_bindgen(method)]
    pub fn token(this: &ConnectAuth, options: JsValue) -> Promise;
    #[wasm_bindgen(method)]
    pub fn claims(this: &ConnectAuth) -> JsValue;
    #[wasm_bindgen(method)]
    pub fn snapshot(this: &ConnectAuth) -> JsValue;
    #[wasm_bindgen(method)]
    pub fn stats(this: &ConnectAuth) -> JsValue;
    #[wasm_bindgen(method)]
    pub fn subscribe(this: &ConnectAuth, listener: &Function) -> Function;
    #[wasm_bindgen(method)]
    pub fn dispose(this: &ConnectAuth);
}

/// `target[key]`.
pub fn get(target: &JsValue, key: &str) -> JsValue {
    Reflect::get(target, &key.into()).unwrap()
}

/// A plain object with these properties.
pub fn object(pairs: &[(&str, JsValue)]) -> JsValue {
    let object = Object::new();
    for (key, value) in pairs {
        Reflect::set(&object, &(*key).into(), value).unwrap();
    }
    object.into()
}

/// `await createConnectAuth(options)` (`undefined`: no options), which must resolve.
pub async fn keeper(options: JsValue) -> ConnectAuth {
    let options = if options.is_undefined() { None } else { Some(options.unchecked_into::<Object>()) };
    settle(create_connect_auth(options)).await.unwrap().unchecked_into()
}

/// A function `(call number) => status`, for a recording fetch.
pub fn statuses(f: impl Fn(u32) -> u16 + 'static) -> Function {
    Closure::<dyn Fn(u32) -> u16>::new(f).into_js_value().unchecked_into()
}

/// The promise's outcome.
pub async fn settle(promise: Promise) -> Result<JsValue, JsValue> {
    JsFuture::from(promise).await
}
