//! Reads one option value handed over by `js/keeper.js`; the rules and messages are in
//! `core::options`, the type checks here.

use crate::core::error::Error;
use crate::core::keeper::Settings;
use crate::core::options::{self, invalid, not_an_origin};
use alloc::string::String;
use alloc::vec::Vec;
use wasm_bindgen::JsValue;

/// The options read so far (defaults until set).
pub struct Options {
    pub settings: Settings,
    pub allowed_origins: Option<Vec<String>>,
    pub scheme: String,
    pub retry_unauthorized: bool,
}

impl Options {
    pub fn new(jitter_seed: u64) -> Options {
        Options {
            settings: Settings { jitter_seed, ..Settings::default() },
            allowed_origins: None,
            scheme: "JWT".into(),
            retry_unauthorized: true,
        }
    }

    /// Checks and records `options[key] = value`. For `allowedOrigins`, `entries` holds each entry
    /// as a string ("" if it was not one) and `parsed` what `new URL(entry).origin` gave ("null"
    /// if it threw); both are `None` when the value was not an array.
    pub fn set(
        &mut self,
        key: &str,
        value: &JsValue,
        entries: Option<Vec<String>>,
        parsed: Option<Vec<String>>,
    ) -> Result<(), Error> {
        if value.is_undefined() {
            return Ok(());
        }
        match key {
            "renewMarginSeconds" => self.settings.renew_margin = options::renew_margin(Some(number(value, MARGIN)?))?,
            "timeoutMs" => self.settings.timeout = options::timeout(Some(number(value, TIMEOUT)?))?,
            "scheme" => {
                let text = value.as_string().ok_or_else(|| invalid("scheme must be a string such as \"JWT\"."))?;
                self.scheme = options::scheme(Some(&text))?;
            }
            "retryUnauthorized" => {
                self.retry_unauthorized = value
                    .as_bool()
                    .ok_or_else(|| invalid("retryUnauthorized must be true or false (default true)."))?;
            }
            "getToken" if !value.is_function() => {
                return Err(invalid(
                    "getToken must be a function that returns a token (a string) or a promise of one.",
                ));
            }
            "fetch" if !value.is_function() => {
                return Err(invalid("fetch must be a function with the contract of window.fetch."));
            }
            "getToken" | "fetch" => {}
            "allowedOrigins" => self.allowed_origins = Some(origins(entries, parsed)?),
            _ => return Err(unknown(key)),
        }
        Ok(())
    }
}

const MARGIN: &str = "renewMarginSeconds must be a number of seconds from 0 to 86400 (default 60).";
const TIMEOUT: &str = "timeoutMs must be a number of milliseconds from 1 to 2147483647 (default 10000).";

fn number(value: &JsValue, rule: &str) -> Result<f64, Error> {
    value.as_f64().ok_or_else(|| invalid(rule))
}

fn unknown(key: &str) -> Error {
    let mut message = String::from("Unknown option \"");
    message.push_str(key);
    message.push_str("\"; the options are allowedOrigins, scheme, renewMarginSeconds, timeoutMs, retryUnauthorized, getToken, fetch.");
    invalid(message)
}

fn origins(entries: Option<Vec<String>>, parsed: Option<Vec<String>>) -> Result<Vec<String>, Error> {
    let (Some(entries), Some(parsed)) = (entries, parsed) else {
        return Err(invalid("allowedOrigins must be an array of origins such as [\"https://api.example.com\"]."));
    };
    if entries.is_empty() {
        return Err(invalid(
            "allowedOrigins is empty, so the token would never be sent; omit it to allow only the page's own origin.",
        ));
    }
    let mut origins = Vec::with_capacity(entries.len());
    for (index, (entry, parsed)) in entries.iter().zip(parsed.iter()).enumerate() {
        if entry.is_empty() {
            return Err(not_an_origin(index));
        }
        origins.push(options::allowed_origin(index, entry, parsed)?);
    }
    Ok(origins)
}
