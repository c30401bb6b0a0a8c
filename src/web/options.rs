//! `createConnectAuth(options)`: the options object read into a typed [`Options`]. The rules and
//! messages are in `core::options`; this file only reads JavaScript values.
//!
//! Reading happens in two steps, so that no getter or Proxy of the app's runs inside serde: the
//! known keys are copied into a plain object of ours (each read with `catch`), then
//! serde-wasm-bindgen turns that copy into [`Raw`].

use super::js;
use crate::core::error::Error;
use crate::core::keeper::Settings;
use crate::core::options::{self as rules, invalid};
use js_sys::{Array, Function, Object};
use serde::de::{Deserialize, Deserializer, Error as _};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// The options, checked.
pub struct Options {
    /// Renewal margin, timeout and jitter seed for the keeper.
    pub settings: Settings,
    /// The allowed origins as `URL.origin` prints them; empty means the page's own origin.
    pub allowed_origins: Vec<String>,
    /// The `Authorization` scheme.
    pub scheme: String,
    /// Whether a 401 is replayed once with a new token.
    pub retry_unauthorized: bool,
    /// The app's token source, instead of `AP.context.getToken`.
    pub get_token: Option<Function>,
    /// The `fetch` to send with, instead of `globalThis.fetch`.
    pub fetch: Option<Function>,
}

/// The options object as serde reads it (from our plain copy: absent and `undefined` are the same).
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct Raw {
    #[serde(default, deserialize_with = "allowed_origins")]
    allowed_origins: Option<Vec<String>>,
    #[serde(default, deserialize_with = "scheme")]
    scheme: Option<String>,
    #[serde(default, deserialize_with = "renew_margin_seconds")]
    renew_margin_seconds: Option<f64>,
    #[serde(default, deserialize_with = "timeout_ms")]
    timeout_ms: Option<f64>,
    #[serde(default, deserialize_with = "retry_unauthorized")]
    retry_unauthorized: Option<bool>,
    #[serde(default, with = "serde_wasm_bindgen::preserve")]
    get_token: JsValue,
    #[serde(default, with = "serde_wasm_bindgen::preserve")]
    fetch: JsValue,
}

/// A field of [`Raw`] that must have type `$ty` (not `null`), or fails with the rule's message.
macro_rules! typed_field {
    ($name:ident: $ty:ty, $rule:expr) => {
        fn $name<'de, D: Deserializer<'de>>(value: D) -> Result<Option<$ty>, D::Error> {
            <$ty>::deserialize(value).map(Some).map_err(|_| D::Error::custom($rule))
        }
    };
}
typed_field!(allowed_origins: Vec<String>, rules::ORIGINS_RULE);
typed_field!(scheme: String, rules::SCHEME_RULE);
typed_field!(renew_margin_seconds: f64, rules::MARGIN_RULE);
typed_field!(timeout_ms: f64, rules::TIMEOUT_RULE);
typed_field!(retry_unauthorized: bool, rules::RETRY_RULE);

/// Reads and checks `options` (`undefined` or `null` for the defaults); `jitter_seed` seeds the
/// backoff jitter.
///
/// ```ignore
/// let options = options::read(&js_options, 42)?; // Err: an invalid-options error saying why
/// ```
pub fn read(options: &JsValue, jitter_seed: u64) -> Result<Options, Error> {
    let raw = if options.is_null() || options.is_undefined() {
        Raw::default_options()
    } else {
        let copy = plain_copy(options)?;
        serde_wasm_bindgen::from_value::<Raw>(copy.into()).map_err(|error| invalid(message_of(error)))?
    };
    let mut allowed_origins = Vec::new();
    if let Some(entries) = &raw.allowed_origins {
        if entries.is_empty() {
            return Err(invalid(rules::ORIGINS_EMPTY));
        }
        for (index, entry) in entries.iter().enumerate() {
            let parsed = web_sys::Url::new(entry).map_or_else(|_| "null".into(), |url| url.origin());
            let origin = if entry.is_empty() {
                Err(rules::not_an_origin(index))
            } else {
                rules::allowed_origin(index, entry, &parsed)
            }?;
            allowed_origins.push(origin);
        }
    }
    let function = |value: JsValue, rule: &'static str| match value {
        value if value.is_undefined() => Ok(None),
        value => value.dyn_into::<Function>().map(Some).map_err(|_| invalid(rule)),
    };
    Ok(Options {
        settings: Settings {
            renew_margin: rules::renew_margin(raw.renew_margin_seconds)?,
            timeout: rules::timeout(raw.timeout_ms)?,
            jitter_seed,
        },
        allowed_origins,
        scheme: rules::scheme(raw.scheme.as_deref())?.into(),
        retry_unauthorized: raw.retry_unauthorized.unwrap_or(true),
        get_token: function(raw.get_token, rules::GET_TOKEN_RULE)?,
        fetch: function(raw.fetch, rules::FETCH_RULE)?,
    })
}

/// The message of a serde error: the option's rule (`typed_field!`), without `String(error)`'s
/// "Error: " in front.
fn message_of(error: serde_wasm_bindgen::Error) -> String {
    JsValue::from(error).unchecked_into::<js_sys::Error>().message().into()
}

impl Raw {
    fn default_options() -> Raw {
        Raw {
            allowed_origins: None,
            scheme: None,
            renew_margin_seconds: None,
            timeout_ms: None,
            retry_unauthorized: None,
            get_token: JsValue::UNDEFINED,
            fetch: JsValue::UNDEFINED,
        }
    }
}

/// Copies the known options into a plain object, refusing unknown names; `allowedOrigins` is
/// copied entry by entry (an entry that is not a string becomes "", which no origin is), so that
/// serde never reads a getter, a Proxy or an array's own methods.
fn plain_copy(options: &JsValue) -> Result<Object, Error> {
    if !options.is_object() {
        return Err(invalid(rules::OPTIONS_RULE));
    }
    let keys =
        js::object_keys(options).map_err(|_| invalid("Reading the options object threw; pass a plain object."))?;
    let copy = Object::new();
    for key in keys.iter() {
        let key = key.as_string().unwrap_or_default();
        if !rules::OPTION_NAMES.contains(&key.as_str()) {
            return Err(rules::unknown_option(&key));
        }
        let value = js::get(options, &key).map_err(|_| rules::unreadable_option(&key))?;
        let value = if key == "allowedOrigins" {
            copy_entries(&value).map_err(|_| rules::unreadable_option(&key))?
        } else {
            value
        };
        if !value.is_undefined() {
            js::set(&copy, &key.into(), &value);
        }
    }
    Ok(copy)
}

/// An array's entries as strings ("" for any that is not one), read by index; any other value as it is.
fn copy_entries(value: &JsValue) -> Result<JsValue, JsValue> {
    if !js::is_array(value)? {
        return Ok(value.clone());
    }
    let length = js::get(value, "length")?.as_f64().unwrap_or(0.0) as u32;
    let entries = Array::new();
    for index in 0..length {
        let entry = js_sys::Reflect::get_u32(value, index)?;
        entries.push(&if entry.is_string() { entry } else { JsValue::from_str("") });
    }
    Ok(entries.into())
}
