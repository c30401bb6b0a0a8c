//! `createConnectAuth(options)`: the options object read into a typed [`Options`]. The rules and
//! messages are in `core::options`; this file only reads JavaScript values.
//!
//! Each known key is read once (with `catch`, so a throwing getter or Proxy is an error of ours,
//! never an exception through the wasm) and its type checked right there, in the options' own key
//! order: the first wrong option is the one the message names.

use super::js;
use crate::core::error::Error;
use crate::core::keeper::Settings;
use crate::core::options::{self as rules, invalid};
use js_sys::{Function, JsString};
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
    /// A token the page came with (ACE's `{{token}}`), judged by the keeper before its first ask.
    pub initial_token: Option<JsString>,
    /// The response header backends send their session tokens in (`X-acpt`), if any.
    pub session_token_header: Option<String>,
    /// The request header the token goes in, and whether it is `Authorization` (`<scheme> <token>`).
    pub header: (String, bool),
}

/// The options as read, before the range rules (absent and `undefined` are both `None`).
#[derive(Default)]
struct Raw {
    allowed_origins: Option<Vec<String>>,
    scheme: Option<String>,
    renew_margin_seconds: Option<f64>,
    timeout_ms: Option<f64>,
    retry_unauthorized: Option<bool>,
    get_token: Option<Function>,
    fetch: Option<Function>,
    initial_token: Option<JsString>,
    session_token_header: Option<String>,
    header: Option<String>,
}

/// Reads and checks `options` (`undefined` or `null` for the defaults); `jitter_seed` seeds the
/// backoff jitter.
///
/// ```ignore
/// let options = options::read(&js_options, 42)?; // Err: an invalid-options error saying why
/// ```
pub fn read(options: &JsValue, jitter_seed: u64) -> Result<Options, Error> {
    let raw = if options.is_null() || options.is_undefined() { Raw::default() } else { read_raw(options)? };
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
    let (header, is_authorization) = rules::request_header(raw.header.as_deref())?;
    Ok(Options {
        settings: Settings {
            renew_margin: rules::renew_margin(raw.renew_margin_seconds)?,
            timeout: rules::timeout(raw.timeout_ms)?,
            jitter_seed,
            page_origin: None,
        },
        allowed_origins,
        scheme: rules::scheme(raw.scheme.as_deref())?.into(),
        retry_unauthorized: raw.retry_unauthorized.unwrap_or(true),
        get_token: raw.get_token,
        fetch: raw.fetch,
        initial_token: raw.initial_token,
        session_token_header: rules::session_token_header(raw.session_token_header.as_deref())?.map(String::from),
        header: (header.into(), is_authorization),
    })
}

/// Reads every key of `options`, refusing unknown names and values of the wrong type (`null`
/// included) with the option's rule.
fn read_raw(options: &JsValue) -> Result<Raw, Error> {
    if !options.is_object() {
        return Err(invalid(rules::OPTIONS_RULE));
    }
    let keys =
        js::object_keys(options).map_err(|_| invalid("Reading the options object threw; pass a plain object."))?;
    let mut raw = Raw::default();
    for key in keys.iter() {
        let key = key.as_string().unwrap_or_default();
        if !rules::OPTION_NAMES.contains(&key.as_str()) {
            return Err(rules::unknown_option(&key));
        }
        let value = js::get(options, &key).map_err(|_| rules::unreadable_option(&key))?;
        if value.is_undefined() {
            continue;
        }
        match key.as_str() {
            "allowedOrigins" => {
                let entries = origin_entries(&value).map_err(|_| rules::unreadable_option(&key))?;
                raw.allowed_origins = Some(entries.ok_or_else(|| invalid(rules::ORIGINS_RULE))?);
            }
            "scheme" => raw.scheme = Some(value.as_string().ok_or_else(|| invalid(rules::SCHEME_RULE))?),
            "renewMarginSeconds" => raw.renew_margin_seconds = Some(number(&value, rules::MARGIN_RULE)?),
            "timeoutMs" => raw.timeout_ms = Some(number(&value, rules::TIMEOUT_RULE)?),
            "retryUnauthorized" => {
                raw.retry_unauthorized = Some(value.as_bool().ok_or_else(|| invalid(rules::RETRY_RULE))?);
            }
            "getToken" => raw.get_token = Some(function(value, rules::GET_TOKEN_RULE)?),
            "fetch" => raw.fetch = Some(function(value, rules::FETCH_RULE)?),
            // null: none, as a template or a missing <meta> gives.
            _ if value.is_null() && key != "header" => {}
            "initialToken" => {
                raw.initial_token = Some(value.dyn_into::<JsString>().map_err(|_| invalid(rules::INITIAL_TOKEN_RULE))?);
            }
            "sessionTokenHeader" => {
                raw.session_token_header = Some(value.as_string().ok_or_else(|| invalid(rules::SESSION_HEADER_RULE))?);
            }
            _ => raw.header = Some(value.as_string().ok_or_else(|| invalid(rules::HEADER_RULE))?),
        }
    }
    Ok(raw)
}

/// A number (`typeof value === "number"`, NaN included: the range rules refuse it), or the rule.
fn number(value: &JsValue, rule: &'static str) -> Result<f64, Error> {
    value.as_f64().ok_or_else(|| invalid(rule))
}

/// A function, or the rule.
fn function(value: JsValue, rule: &'static str) -> Result<Function, Error> {
    value.dyn_into::<Function>().map_err(|_| invalid(rule))
}

/// An array's entries as strings ("" for any that is not one, which no origin is), read by index;
/// `None` if `value` is not an array; `Err` if reading it threw (a Proxy, a revoked Proxy).
fn origin_entries(value: &JsValue) -> Result<Option<Vec<String>>, JsValue> {
    if !js::is_array(value)? {
        return Ok(None);
    }
    let length = js::get(value, "length")?.as_f64().unwrap_or(0.0) as u32;
    let mut entries = Vec::new();
    for index in 0..length {
        entries.push(js_sys::Reflect::get_u32(value, index)?.as_string().unwrap_or_default());
    }
    Ok(Some(entries))
}
