//! Reads one option handed over by `js/keeper.js` as its JavaScript type and value; the rules and
//! messages are in `core::options`, the type checks here.

use crate::core::error::Error;
use crate::core::keeper::Settings;
use crate::core::options::{self, invalid, not_an_origin};
use alloc::string::String;
use alloc::vec::Vec;

/// The options read so far (defaults until set).
pub struct Options {
    pub settings: Settings,
    /// Empty until `allowedOrigins` is given (which must not be empty).
    pub allowed_origins: Vec<String>,
    pub retry_unauthorized: bool,
}

impl Options {
    pub fn new(jitter_seed: u64) -> Options {
        Options {
            settings: Settings { jitter_seed, ..Settings::default() },
            allowed_origins: Vec::new(),
            retry_unauthorized: true,
        }
    }

    /// Checks and records `options[key]`. `kind` is its `typeof`, or "null" or "array"; `number`
    /// is its value if a number, 1 or 0 if a boolean, its length if an array; `text` its value if
    /// a string. An array's entries follow through [`Options::allowed_origin`].
    pub fn set(&mut self, key: &str, kind: &str, number: f64, text: &str) -> Result<(), Error> {
        if kind == "undefined" {
            return Ok(());
        }
        let is = |wanted: &str, rule: &'static str| if kind == wanted { Ok(()) } else { Err(invalid(rule)) };
        match key {
            "renewMarginSeconds" => {
                is("number", options::MARGIN_RULE)?;
                self.settings.renew_margin = options::renew_margin(Some(number))?;
            }
            "timeoutMs" => {
                is("number", options::TIMEOUT_RULE)?;
                self.settings.timeout = options::timeout(Some(number))?;
            }
            "scheme" => {
                is("string", "scheme must be a string such as \"JWT\".")?;
                options::scheme(Some(text))?;
            }
            "retryUnauthorized" => {
                is("boolean", "retryUnauthorized must be true or false (default true).")?;
                self.retry_unauthorized = number != 0.0;
            }
            "getToken" => {
                is("function", "getToken must be a function that returns a token (a string) or a promise of one.")?
            }
            "fetch" => is("function", "fetch must be a function with the contract of window.fetch.")?,
            "allowedOrigins" => {
                is("array", "allowedOrigins must be an array of origins such as [\"https://api.example.com\"].")?;
                if number < 1.0 {
                    return Err(invalid(
                        "allowedOrigins is empty, so the token would never be sent; omit it to allow only the page's own origin.",
                    ));
                }
            }
            _ => return Err(unknown(key)),
        }
        Ok(())
    }

    /// Checks and records entry `index` of `allowedOrigins`: `entry` is the entry ("" if it was
    /// not a string) and `parsed` what `new URL(entry).origin` gave ("null" if it threw).
    pub fn allowed_origin(&mut self, index: usize, entry: &str, parsed: &str) -> Result<(), Error> {
        if entry.is_empty() {
            return Err(not_an_origin(index));
        }
        let origin = options::allowed_origin(index, entry, parsed)?;
        self.allowed_origins.push(origin);
        Ok(())
    }
}

fn unknown(key: &str) -> Error {
    let mut message = String::from("Unknown option \"");
    message.push_str(key);
    message.push_str("\"; the options are allowedOrigins, scheme, renewMarginSeconds, timeoutMs, retryUnauthorized, getToken, fetch.");
    invalid(message)
}
