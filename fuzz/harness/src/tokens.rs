//! Real-shaped context JWTs, built like tests/common/mod.rs (claims as the product mints them).

use connect_token::core::Millis;

/// Unpadded base64url.
pub fn base64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
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

/// Real-shaped claims of a context JWT issued at `iat` seconds with `ttl` seconds of life; `nonce`
/// makes two tokens of the same second differ.
pub fn claims(iat: Option<i64>, exp: i64, nonce: u64) -> String {
    let iat = iat.map(|iat| format!(r#","iat":{iat}"#)).unwrap_or_default();
    format!(
        r#"{{"sub":"712020:39e9b5a4-0000-4000-8000-000000000000","qsh":"context-qsh","iss":"jira:5e1f0c2a","context":{{"license":{{"active":true}},"jira":{{"issue":{{"key":"DEMO-1","id":"10001"}},"project":{{"key":"DEMO","id":"10000"}}}}}},"exp":{exp}{iat},"n":{nonce}}}"#
    )
}

/// A token with these claims (JSON text), a real header and a fake signature.
pub fn token_with_claims(claims_json: &str) -> String {
    format!(
        "{}.{}.{}",
        base64url(HEADER_JSON.as_bytes()),
        base64url(claims_json.as_bytes()),
        base64url(b"signature-of-thirty-two-bytes!!!")
    )
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
