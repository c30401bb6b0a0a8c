//! What goes out to the app, as serde-wasm-bindgen turns typed Rust values into plain objects:
//! `snapshot()`, `stats()` and the events `subscribe` listeners hear.
//!
//! Each type serializes itself as a map (serde's `serialize_map`, written out below) rather than
//! through `#[derive(Serialize)]`: a derived struct makes serde-wasm-bindgen keep every field name
//! in a cache of JavaScript strings (a hash map and a thread-local, about 3 KB of wasm), which
//! four small objects made once per change do not need.

use crate::core::keeper::Stats;
use serde::ser::{Serialize, SerializeMap, Serializer};
use wasm_bindgen::prelude::*;

/// `snapshot()`: frozen, and the same object until something in it changes.
pub struct Snapshot {
    /// `idle`, `fresh`, `renewing` or `failed` (`core::keeper::Status`).
    pub status: &'static str,
    /// The held token's claims (unverified), or `undefined` (then left out).
    pub claims: JsValue,
    /// When the held token expires, in page time (ms).
    pub expires_at: Option<f64>,
    /// Where that token came from: `host` or `backend` (left out with no token).
    pub source: Option<&'static str>,
    /// The latest failure until a token arrives, or `undefined` (then left out).
    pub error: JsValue,
}

/// A `subscribe` event, `{ type, ... }`.
pub enum Event {
    /// A new token arrived: its claims, when it expires in page time (ms), and where it came
    /// from (`host` or `backend`).
    Renewed { claims: JsValue, expires_at: f64, source: &'static str },
    /// An ask failed: the `ConnectTokenError`.
    Error { error: JsValue },
    /// The held token's `exp` passed without a new one.
    Expired,
}

/// `stats()`: `{ hostCalls, renewals, retries, failures, backendTokens, ignoredTokens,
/// lastIgnored?, initialToken }`.
pub struct StatsReport(pub Stats);

/// One value of an object that goes out. Every entry has this one type, so serde's
/// `serialize_entry` is compiled once, not once per value type.
enum Value<'a> {
    /// A string.
    Text(&'a str),
    /// A number.
    Number(f64),
    /// A JavaScript value, as it is (serde-wasm-bindgen's `preserve`).
    Js(&'a JsValue),
}

impl Serialize for Value<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Text(text) => serializer.serialize_str(text),
            Value::Number(number) => serializer.serialize_f64(*number),
            Value::Js(value) => serde_wasm_bindgen::preserve::serialize(*value, serializer),
        }
    }
}

impl Serialize for Snapshot {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("status", &Value::Text(self.status))?;
        if !self.claims.is_undefined() {
            map.serialize_entry("claims", &Value::Js(&self.claims))?;
        }
        if let Some(expires_at) = self.expires_at {
            map.serialize_entry("expiresAt", &Value::Number(expires_at))?;
        }
        if let Some(source) = self.source {
            map.serialize_entry("source", &Value::Text(source))?;
        }
        if !self.error.is_undefined() {
            map.serialize_entry("error", &Value::Js(&self.error))?;
        }
        map.end()
    }
}

impl Serialize for Event {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        match self {
            Event::Renewed { claims, expires_at, source } => {
                map.serialize_entry("type", &Value::Text("renewed"))?;
                map.serialize_entry("claims", &Value::Js(claims))?;
                map.serialize_entry("expiresAt", &Value::Number(*expires_at))?;
                map.serialize_entry("source", &Value::Text(source))?;
            }
            Event::Error { error } => {
                map.serialize_entry("type", &Value::Text("error"))?;
                map.serialize_entry("error", &Value::Js(error))?;
            }
            Event::Expired => map.serialize_entry("type", &Value::Text("expired"))?,
        }
        map.end()
    }
}

impl Serialize for StatsReport {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let Stats {
            host_calls,
            renewals,
            retries,
            failures,
            backend_tokens,
            ignored_tokens,
            last_ignored,
            initial_token,
        } = self.0;
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("hostCalls", &Value::Number(host_calls.into()))?;
        map.serialize_entry("renewals", &Value::Number(renewals.into()))?;
        map.serialize_entry("retries", &Value::Number(retries.into()))?;
        map.serialize_entry("failures", &Value::Number(failures.into()))?;
        map.serialize_entry("backendTokens", &Value::Number(backend_tokens.into()))?;
        map.serialize_entry("ignoredTokens", &Value::Number(ignored_tokens.into()))?;
        if let Some(why) = last_ignored {
            map.serialize_entry("lastIgnored", &Value::Text(why.as_str()))?;
        }
        map.serialize_entry("initialToken", &Value::Text(initial_token.as_str()))?;
        map.end()
    }
}

/// The plain JavaScript object for `value` (`undefined` if serde could not make one, which the
/// types above never cause).
///
/// ```ignore
/// let stats = report::to_js(&StatsReport(keeper.stats()));
/// ```
pub fn to_js(value: &impl Serialize) -> JsValue {
    let plain_objects = serde_wasm_bindgen::Serializer::new().serialize_maps_as_objects(true);
    value.serialize(&plain_objects).unwrap_or(JsValue::UNDEFINED)
}
