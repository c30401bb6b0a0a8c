//! Core errors as JavaScript `ConnectTokenError`s: an `Error` with `name` and `code`.

use crate::core::error::Error;
use js_sys::Reflect;
use wasm_bindgen::JsValue;

/// Builds `Object.assign(new Error(message), { name: "ConnectTokenError", code })`.
pub fn to_js(error: &Error) -> JsValue {
    let js = js_sys::Error::new(&error.message);
    js.set_name("ConnectTokenError");
    let _ = Reflect::set(&js, &"code".into(), &error.code.as_str().into());
    js.into()
}
