//! Reads the JavaScript options object; every check and default lives in `core::options`.

use crate::core::error::Error;
use crate::core::keeper::Settings;
use crate::core::options::{self, invalid, not_an_origin};
use js_sys::{Array, Function, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};

/// The options, checked.
pub struct Options {
    pub settings: Settings,
    pub allowed_origins: Vec<String>,
    pub scheme: String,
    pub retry_unauthorized: bool,
    pub get_token: Option<Function>,
    pub fetch: Option<Function>,
}

const KNOWN: [&str; 7] =
    ["allowedOrigins", "scheme", "renewMarginSeconds", "timeoutMs", "retryUnauthorized", "getToken", "fetch"];

/// Reads and checks `options`; `page_origin` is the default for `allowedOrigins`.
pub fn read(options: &JsValue, page_origin: Option<&str>, jitter_seed: u64) -> Result<Options, Error> {
    if options.is_undefined() || options.is_null() {
        return read(&Object::new(), page_origin, jitter_seed);
    }
    if !options.is_object() || options.is_function() {
        return Err(invalid("createConnectAuth(options): options must be an object (or omitted)."));
    }
    let keys = Object::keys(options.unchecked_ref::<Object>());
    for key in keys.iter() {
        let key = key.as_string().unwrap_or_default();
        if !KNOWN.contains(&key.as_str()) {
            let mut message = String::from("Unknown option \"");
            message.push_str(&key);
            message.push_str("\"; the options are ");
            message.push_str(&KNOWN.join(", "));
            message.push('.');
            return Err(invalid(message));
        }
    }
    let get = |name: &str| {
        Reflect::get(options, &name.into()).map_err(|_| {
            let mut message = String::from("Reading options.");
            message.push_str(name);
            message.push_str(" threw; pass plain values.");
            invalid(message)
        })
    };
    let number = |name: &str, rule: &str| -> Result<Option<f64>, Error> {
        let value = get(name)?;
        if value.is_undefined() {
            return Ok(None);
        }
        value.as_f64().map(Some).ok_or_else(|| invalid(rule))
    };
    let renew_margin = options::renew_margin(number(
        "renewMarginSeconds",
        "renewMarginSeconds must be a number of seconds from 0 to 86400 (default 60).",
    )?)?;
    let timeout = options::timeout(number(
        "timeoutMs",
        "timeoutMs must be a number of milliseconds from 1 to 2147483647 (default 10000).",
    )?)?;
    let scheme = get("scheme")?;
    let scheme = if scheme.is_undefined() {
        options::scheme(None)?
    } else {
        let text = scheme.as_string().ok_or_else(|| invalid("scheme must be a string such as \"JWT\"."))?;
        options::scheme(Some(&text))?
    };
    let retry = get("retryUnauthorized")?;
    let retry_unauthorized = if retry.is_undefined() {
        true
    } else {
        retry.as_bool().ok_or_else(|| invalid("retryUnauthorized must be true or false (default true)."))?
    };
    let function = |name: &str, rule: &str| -> Result<Option<Function>, Error> {
        let value = get(name)?;
        if value.is_undefined() {
            return Ok(None);
        }
        value.dyn_into::<Function>().map(Some).map_err(|_| invalid(rule))
    };
    let get_token =
        function("getToken", "getToken must be a function that returns a token (a string) or a promise of one.")?;
    let fetch = function("fetch", "fetch must be a function with the contract of window.fetch.")?;
    let allowed_origins = match get("allowedOrigins")? {
        value if value.is_undefined() => page_origin.map(|origin| vec![origin.to_string()]).unwrap_or_default(),
        value => read_origins(&value)?,
    };
    Ok(Options {
        settings: Settings { renew_margin, timeout, jitter_seed },
        allowed_origins,
        scheme,
        retry_unauthorized,
        get_token,
        fetch,
    })
}

fn read_origins(value: &JsValue) -> Result<Vec<String>, Error> {
    if !Array::is_array(value) {
        return Err(invalid("allowedOrigins must be an array of origins such as [\"https://api.example.com\"]."));
    }
    let array: &Array = value.unchecked_ref();
    if array.length() == 0 {
        return Err(invalid(
            "allowedOrigins is empty, so the token would never be sent; omit it to allow only the page's own origin.",
        ));
    }
    let mut origins = Vec::new();
    for (index, entry) in array.iter().enumerate() {
        let entry = entry.as_string().ok_or_else(|| not_an_origin(index))?;
        let parsed = web_sys::Url::new(&entry).map_err(|_| not_an_origin(index))?;
        origins.push(options::allowed_origin(index, &entry, &parsed.origin())?);
    }
    Ok(origins)
}
