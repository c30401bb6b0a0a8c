//! `ConnectTokenError`: the one error type JavaScript sees, an `Error` named `ConnectTokenError`
//! with a `code` (compared by name, so it works across iframes).

use super::js;
use crate::core::error::{Code, Error};
use wasm_bindgen::prelude::*;

/// The `Error` object for a core error.
///
/// ```ignore
/// let error = error::to_js(&Error::disposed());
/// // error.name === 'ConnectTokenError' && error.code === 'disposed'
/// ```
pub fn to_js(error: &Error) -> JsValue {
    new(error.code, &error.message)
}

/// A `ConnectTokenError` with this code and message.
///
/// ```ignore
/// let error = error::new(Code::InvalidOptions, "timeoutMs must be a number.");
/// ```
pub fn new(code: Code, message: &str) -> JsValue {
    let error = js_sys::Error::new(message);
    error.set_name("ConnectTokenError");
    let error = JsValue::from(error);
    js::set(&error, &"code".into(), &code.as_str().into());
    error
}
