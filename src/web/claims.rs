//! Reading a token's claims for scheduling and display, never verifying it (the browser cannot:
//! the token is signed with the installation's shared secret; the app's backend verifies it).
//!
//! The token stays a JavaScript string: only its claims segment is copied into the wasm, decoded
//! by `core::token::claims_text`, and parsed by the browser's `JSON.parse`; serde-wasm-bindgen
//! reads `exp` and `iat` from the result. What the result means is `core::token::times`.

use crate::core::token::{claims_text, Read};
use js_sys::{Array, JsString, JSON};
use serde::de::{Deserialize, Deserializer};
use wasm_bindgen::prelude::*;

/// The claims the keeper schedules by.
#[derive(serde::Deserialize)]
struct TimeClaims {
    #[serde(default, deserialize_with = "seconds")]
    exp: Option<f64>,
    #[serde(default, deserialize_with = "seconds")]
    iat: Option<f64>,
}

/// A claim that is present: its number, or NaN if it is not one (the core then says why).
fn seconds<'de, D: Deserializer<'de>>(value: D) -> Result<Option<f64>, D::Error> {
    Ok(Some(f64::deserialize(value).unwrap_or(f64::NAN)))
}

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
    // A JSON object has only plain data properties: nothing here can throw or run app code.
    let times =
        serde_wasm_bindgen::from_value::<TimeClaims>(claims.clone()).unwrap_or(TimeClaims { exp: None, iat: None });
    (Read::Claims { exp: times.exp, iat: times.iat }, claims)
}
