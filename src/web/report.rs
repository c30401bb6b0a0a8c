//! What goes out to the app, as serde-wasm-bindgen turns typed structs into plain objects:
//! `snapshot()`, `stats()` and the events `subscribe` listeners hear.

use crate::core::keeper::Stats;
use serde::Serialize;
use wasm_bindgen::prelude::*;

/// `snapshot()`: frozen, and the same object until something in it changes.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Snapshot {
    /// `idle`, `fresh`, `renewing` or `failed` (`core::keeper::Status`).
    pub status: &'static str,
    /// The held token's claims (unverified).
    #[serde(with = "serde_wasm_bindgen::preserve", skip_serializing_if = "JsValue::is_undefined")]
    pub claims: JsValue,
    /// When the held token expires, in page time (ms).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<f64>,
    /// The latest failure, until a token arrives.
    #[serde(with = "serde_wasm_bindgen::preserve", skip_serializing_if = "JsValue::is_undefined")]
    pub error: JsValue,
}

/// A `subscribe` event.
#[derive(Serialize)]
#[serde(tag = "type", rename_all = "lowercase", rename_all_fields = "camelCase")]
pub enum Event {
    /// A new token arrived.
    Renewed {
        /// Its claims.
        #[serde(with = "serde_wasm_bindgen::preserve")]
        claims: JsValue,
        /// When it expires, in page time (ms).
        expires_at: f64,
    },
    /// An ask failed.
    Error {
        /// The `ConnectTokenError`.
        #[serde(with = "serde_wasm_bindgen::preserve")]
        error: JsValue,
    },
    /// The held token's `exp` passed without a new one.
    Expired,
}

/// `stats()`.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StatsReport {
    host_calls: u32,
    renewals: u32,
    retries: u32,
    failures: u32,
}

impl From<Stats> for StatsReport {
    fn from(stats: Stats) -> StatsReport {
        StatsReport {
            host_calls: stats.host_calls,
            renewals: stats.renewals,
            retries: stats.retries,
            failures: stats.failures,
        }
    }
}

/// The plain JavaScript object for `value` (`undefined` if serde could not make one, which the
/// types above never cause).
///
/// ```ignore
/// let stats = report::to_js(&StatsReport::from(keeper.stats()));
/// ```
pub fn to_js(value: &impl Serialize) -> JsValue {
    serde_wasm_bindgen::to_value(value).unwrap_or(JsValue::UNDEFINED)
}
