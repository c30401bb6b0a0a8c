//! Test helpers: real-shaped context JWTs and a model of the Connect host's token cache.
#![allow(dead_code)]

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

/// A token shaped like a real context JWT (claims as observed), issued at `iat` seconds.
pub fn token(iat: i64, ttl: i64) -> String {
    token_with_nonce(iat, ttl, 0)
}

/// Like [`token`], with a nonce claim so that two tokens of the same second differ.
pub fn token_with_nonce(iat: i64, ttl: i64, nonce: u64) -> String {
    let claims = format!(
        r#"{{"sub":"712020:39e9b5a4-0000-4000-8000-000000000000","qsh":"context-qsh","iss":"jira:5e1f0c2a","context":{{"license":{{"active":true}},"jira":{{"issue":{{"key":"DEMO-1","id":"10001"}},"project":{{"key":"DEMO","id":"10000"}}}}}},"exp":{},"iat":{},"n":{}}}"#,
        iat + ttl,
        iat,
        nonce
    );
    let header = base64url(br#"{"typ":"JWT","alg":"HS256"}"#);
    format!("{header}.{}.{}", base64url(claims.as_bytes()), base64url(b"signature"))
}

/// The Connect host as the product behaves: mints a token with `iat` = its clock in whole
/// seconds, and hands back the cached one while it has more than the cache margin to live.
pub struct Host {
    ttl: i64,
    cache_margin: Millis,
    cached: Option<(String, Millis)>,
    minted: u64,
}

impl Host {
    pub fn new(_start: Millis, ttl: i64, cache_margin_seconds: i64) -> Host {
        Host { ttl, cache_margin: cache_margin_seconds * 1000, cached: None, minted: 0 }
    }

    /// Answers a getToken call at the host's time `issuer_now`.
    pub fn answer(&mut self, issuer_now: Millis) -> String {
        if let Some((raw, exp)) = &self.cached {
            if exp - issuer_now > self.cache_margin {
                return raw.clone();
            }
        }
        self.minted += 1;
        let iat = issuer_now.div_euclid(1000);
        let raw = token_with_nonce(iat, self.ttl, self.minted);
        self.cached = Some((raw.clone(), (iat + self.ttl) * 1000));
        raw
    }

    /// How long the token `raw` truly has to live at the host's time `issuer_now`.
    pub fn true_remaining(&self, raw: &str, issuer_now: Millis) -> Millis {
        let exp = connect_token::core::token::decode(raw).map(|d| d.expires_at).unwrap_or(0);
        exp - issuer_now
    }

    pub fn minted(&self) -> u64 {
        self.minted
    }
}
