//! Reading a token's claims for scheduling and display, never verifying it (the browser cannot:
//! the token is signed with the installation's shared secret; the app's backend verifies it).
//!
//! The token stays a JavaScript string: only its claims segment is copied into the wasm, decoded
//! by `core::token::claims_text`, and parsed by the browser's `JSON.parse`; `exp` and `iat` are
//! read from the result as they are. What they mean is `core::token::times`.

use crate::core::token::{claims_text, Read};
use js_sys::{Array, JsString, Object, JSON};
use wasm_bindgen::prelude::*;

/// What the browser read from `token`, for the core to judge, and the claims object (or
/// `undefined`) to hand out through `claims()`.
///
/// ```ignore
/// let (read, claims) = claims::read(&token);
/// let times = core::token::times(read)?;
/// ```
pub fn read(token: &JsString) -> (Read, JsValue) {
    let parts = token.split(".");
    if parts.length() != 3 {
        return (Read::Segments, JsValue::UNDEFINED);
    }
    let segment = parts.get(1).as_string().unwrap_or_default();
    let text = match claims_text(&segment) {
        Ok(text) => text,
        Err(read) => return (read, JsValue::UNDEFINED),
    };
    let Ok(claims) = JSON::parse(&text) else { return (Read::Json, JsValue::UNDEFINED) };
    if !claims.is_object() || Array::is_array(&claims) {
        return (Read::NotAnObject, JsValue::UNDEFINED);
    }
    let (exp, iat) = (seconds(&claims, "exp"), seconds(&claims, "iat"));
    (Read::Claims { exp, iat }, claims)
}

/// The claim `name` if the object has it as its own: its number, or NaN if it is not one (the
/// core then says why). Only own properties count, so a page that set `Object.prototype.exp`
/// changes nothing; a JSON object has only plain data properties, so reading cannot throw.
fn seconds(claims: &JsValue, name: &str) -> Option<f64> {
    let claims: &Object = claims.unchecked_ref();
    let name = JsValue::from_str(name);
    if !Object::has_own(claims, &name) {
        return None;
    }
    Some(js_sys::Reflect::get(claims, &name).ok().and_then(|value| value.as_f64()).unwrap_or(f64::NAN))
}
