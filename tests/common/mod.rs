//! Test helpers: real-shaped context JWTs, a model of the Connect host's token cache, and a
//! model of the glue (`js/keeper.js`), which keeps the token string and reads its claims.
#![allow(dead_code)]

use connect_token::core::error::Error;
use connect_token::core::keeper::{Answer, AskId, Keeper, Notice, Settings, Step};
use connect_token::core::token::Read;
use connect_token::core::{Millis, Now};
use std::ops::{Deref, DerefMut};

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

    /// Another iframe of the app asked at the host's time `minted_at`: the cache holds a token
    /// minted then.
    pub fn prewarm(&mut self, minted_at: Millis) {
        self.minted += 1;
        let iat = minted_at.div_euclid(1000);
        let raw = token_with_nonce(iat, self.ttl, self.minted);
        self.cached = Some((raw, (iat + self.ttl) * 1000));
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
        let exp = match read(raw) {
            Read::Claims { exp: Some(exp), .. } => (exp * 1000.0) as Millis,
            _ => 0,
        };
        exp - issuer_now
    }

    pub fn minted(&self) -> u64 {
        self.minted
    }
}

/// What `js/claims.js` reads from a token, for the tokens these helpers make (and "not.a.jwt").
pub fn read(raw: &str) -> Read {
    let segments: Vec<&str> = raw.split('.').collect();
    let [_, claims, _] = segments[..] else { return Read::Segments };
    let Some(text) = base64url_decode(claims).and_then(|bytes| String::from_utf8(bytes).ok()) else {
        return Read::Base64;
    };
    let number = |name: &str| {
        let start = text.find(&format!("\"{name}\":"))? + name.len() + 3;
        let digits: String = text[start..].chars().take_while(|c| c.is_ascii_digit() || *c == '-').collect();
        Some(digits.parse::<f64>().unwrap_or(f64::NAN))
    };
    if !text.starts_with('{') {
        return Read::Json;
    }
    Read::Claims { exp: number("exp"), iat: number("iat") }
}

fn base64url_decode(text: &str) -> Option<Vec<u8>> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let (mut out, mut buffer, mut bits) = (Vec::new(), 0u32, 0);
    for byte in text.bytes() {
        buffer = buffer << 6 | ALPHABET.iter().position(|a| *a == byte)? as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
        }
    }
    Some(out)
}

/// A keeper driven the way `js/keeper.js` drives it: token strings in, the string of the token
/// held kept here (the keeper keeps only its times).
pub struct Glued {
    keeper: Keeper,
    held: Option<String>,
}

impl Glued {
    pub fn new(settings: Settings) -> Glued {
        Glued { keeper: Keeper::new(settings), held: None }
    }

    /// The token source answered ask `id` with the token `raw`, or failed.
    pub fn answered(&mut self, now: Now, id: AskId, answer: Result<&str, Error>) -> Step {
        let answer =
            answer.map(|raw| (raw, Answer { same_as_held: self.held.as_deref() == Some(raw), read: read(raw) }));
        let raw = answer.as_ref().ok().map(|(raw, _)| raw.to_string());
        let step = self.keeper.answered(now, id, answer.map(|(_, answer)| answer));
        if step.notices.contains(&Notice::Renewed) {
            self.held = raw;
        }
        step
    }

    /// A request with the token `raw` was rejected.
    pub fn force(&mut self, now: Now, raw: &str) -> Step {
        let is_held = self.held.as_deref() == Some(raw);
        self.keeper.force(now, is_held)
    }

    /// The token string handed out now, if any.
    pub fn usable_token(&self, now: Now) -> Option<&str> {
        self.keeper.usable(now).and(self.held.as_deref())
    }

    /// The token string held, usable or not.
    pub fn held_token(&self) -> Option<&str> {
        self.held.as_deref()
    }
}

impl Deref for Glued {
    type Target = Keeper;
    fn deref(&self) -> &Keeper {
        &self.keeper
    }
}

impl DerefMut for Glued {
    fn deref_mut(&mut self) -> &mut Keeper {
        &mut self.keeper
    }
}
