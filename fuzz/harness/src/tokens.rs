//! Real-shaped context JWTs, built like tests/common/mod.rs (claims as the product mints them),
//! and what the browser reads from a token (`read`, a model of `web::claims::read`).

use connect_token::core::token::Read;
use connect_token::core::Millis;

/// Unpadded base64url.
pub fn base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}

/// The header every context JWT carries.
pub const HEADER_JSON: &str = r#"{"typ":"JWT","alg":"HS256"}"#;

/// `base64url(HEADER_JSON)` and the fake signature's segment, written out: every token the keeper
/// target makes has them, and encoding them each time was a tenth of its time (`tokens_segments`
/// checks them).
pub const HEADER_SEGMENT: &str = "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9";
const SIGNATURE_SEGMENT: &str = "c2lnbmF0dXJlLW9mLXRoaXJ0eS10d28tYnl0ZXMhISE";

/// The `sub` of every token made here: the page's user.
pub const SUB: &str = "712020:39e9b5a4-0000-4000-8000-000000000000";

/// Real-shaped claims of a context JWT issued at `iat` seconds with `ttl` seconds of life; `nonce`
/// makes two tokens of the same second differ.
pub fn claims(iat: Option<i64>, exp: i64, nonce: u64) -> String {
    let iat = iat.map(|iat| format!(r#","iat":{iat}"#)).unwrap_or_default();
    format!(
        r#"{{"sub":"{SUB}","qsh":"context-qsh","iss":"jira:5e1f0c2a","context":{{"license":{{"active":true}},"jira":{{"issue":{{"key":"DEMO-1","id":"10001"}},"project":{{"key":"DEMO","id":"10000"}}}}}},"exp":{exp}{iat},"n":{nonce}}}"#
    )
}

/// A token with these claims (JSON text), a real header and a fake signature.
pub fn token_with_claims(claims_json: &str) -> String {
    format!("{HEADER_SEGMENT}.{}.{SIGNATURE_SEGMENT}", base64url(claims_json.as_bytes()))
}

/// A real-shaped token issued at `iat` seconds with `ttl` seconds to live.
pub fn token(iat: i64, ttl: i64, nonce: u64) -> String {
    token_with_claims(&claims(Some(iat), iat + ttl, nonce))
}

/// A real-shaped token without `iat`.
pub fn token_without_iat(exp: i64, nonce: u64) -> String {
    token_with_claims(&claims(None, exp, nonce))
}

/// The Connect host as the product behaves: mints a token with `iat` = its clock in whole seconds
/// and hands back the cached one while it has at least the cache margin to live. Unlike the model
/// in tests/common it can start with a warm cache (another iframe of the app asked earlier).
#[derive(Debug, Clone)]
pub struct Host {
    pub ttl: i64,
    pub cache_margin: Millis,
    cached: Option<(String, Millis)>,
    minted: u64,
}

impl Host {
    pub fn new(ttl: i64, cache_margin_seconds: i64) -> Host {
        Host { ttl, cache_margin: cache_margin_seconds * 1000, cached: None, minted: 0 }
    }

    /// Puts a token minted `age` ms before `issuer_now` in the cache, as another iframe would.
    pub fn prewarm(&mut self, issuer_now: Millis, age: Millis) {
        self.mint(issuer_now - age);
    }

    /// Answers a getToken call at the host's time `issuer_now`.
    pub fn answer(&mut self, issuer_now: Millis) -> String {
        if let Some((raw, exp)) = &self.cached {
            if exp - issuer_now >= self.cache_margin {
                return raw.clone();
            }
        }
        self.mint(issuer_now)
    }

    /// Mints a new token now, bypassing the cache (and replacing it).
    pub fn mint(&mut self, issuer_now: Millis) -> String {
        self.minted += 1;
        let iat = issuer_now.div_euclid(1000);
        let raw = token(iat, self.ttl, self.minted);
        self.cached = Some((raw.clone(), (iat + self.ttl) * 1000));
        raw
    }

    pub fn minted(&self) -> u64 {
        self.minted
    }
}

/// What the binding reads from a token (`web::claims::read`): split on dots (3 parts, or
/// `Segments`); the claims segment decoded as base64url without padding (`core::token::claims_text`:
/// only `[A-Za-z0-9_-]`, a length of 4n+1 is an error, leftover bits are dropped, as `atob` did
/// behind js/claims.js's `^[\w-]*$` test), or `Base64`; strict UTF-8 (`String::from_utf8`, which
/// keeps a leading BOM, where js/claims.js's `TextDecoder` dropped it), or `Utf8`; `JSON.parse`,
/// or `Json` (a BOM is not JSON whitespace); an object, or `NotAnObject`. `exp` and `iat` are
/// `None` when absent, the number, or NaN when not a number. The decoding here is the harness's
/// own ([`atob_url`]), not `claims_text`; the `claims_text` target checks that the two agree.
///
/// `JSON.parse` is modelled with serde_json, which refuses three things `JSON.parse` accepts:
/// lone surrogate escapes (`"\ud800"`), numbers beyond f64 (`1e999`, which `JSON.parse` reads as
/// Infinity) and nesting deeper than 128. The model reads those as `Json` where the browser reads
/// `Claims`; the keeper must cope with any `Read`, so this costs fidelity, not soundness.
pub fn read(raw: &str) -> Read {
    let parts: Vec<&str> = raw.split('.').collect();
    let [_, claims, _] = parts[..] else { return Read::Segments };
    let Some(bytes) = atob_url(claims) else { return Read::Base64 };
    let Ok(text) = std::str::from_utf8(&bytes) else { return Read::Utf8 };
    let Ok(value) = serde_json::from_str::<serde_json::Value>(text) else { return Read::Json };
    let serde_json::Value::Object(map) = value else { return Read::NotAnObject };
    let time = |name: &str| map.get(name).map(|value| value.as_f64().unwrap_or(f64::NAN));
    Read::Claims { exp: time("exp"), iat: time("iat") }
}

/// The bytes of a claims segment, as `atob(segment.replace(/-/g, '+').replace(/_/g, '/'))` after
/// a `^[\w-]*$` test gives them (verified against Node 20's `atob`: `"wx"` and `"ww"` are both
/// `[0xC3]`), or `None` where `atob` throws or the test fails.
pub fn atob_url(segment: &str) -> Option<Vec<u8>> {
    if segment.len() % 4 == 1 {
        return None;
    }
    let (mut out, mut buffer, mut bits) = (Vec::with_capacity(segment.len() * 3 / 4), 0u32, 0);
    for byte in segment.bytes() {
        buffer = (buffer << 6 | u32::from(symbol(byte)?)) & 0xff_ffff;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
        }
    }
    Some(out)
}

/// The value of a base64url symbol. (A match, not a search of the alphabet: the keeper target
/// reads every token it makes, and the search was a fifth of its time.)
fn symbol(byte: u8) -> Option<u8> {
    match byte {
        b'A'..=b'Z' => Some(byte - b'A'),
        b'a'..=b'z' => Some(byte - b'a' + 26),
        b'0'..=b'9' => Some(byte - b'0' + 52),
        b'-' => Some(62),
        b'_' => Some(63),
        _ => None,
    }
}

/// Whether `message` carries `token`: only a token-like string (base64url, dots, `=`) of 20 or
/// more characters counts, since a short one can be part of the fixed text by chance.
pub fn leaks(message: &str, token: &str) -> bool {
    let token_like = token.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.=".contains(&b));
    token.len() >= 20 && token_like && message.contains(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_segments() {
        assert_eq!(HEADER_SEGMENT, base64url(HEADER_JSON.as_bytes()));
        assert_eq!(SIGNATURE_SEGMENT, base64url(b"signature-of-thirty-two-bytes!!!"));
    }
}
