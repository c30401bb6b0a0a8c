//! Decoding a context JWT: the claims the keeper schedules by, never a verification.
//!
//! A context JWT is signed with HS256 and the installation's shared secret, which the browser
//! does not have and must never have. Decoding here is only for scheduling renewals and for
//! display: the app's backend verifies every token (atlassian-connect-express
//! `addon.checkValidToken()`, atlassian-connect-spring-boot `@ContextJwt`).

use super::json::{read_object, JsonError, Member};
use super::Millis;
use alloc::string::String;
use alloc::vec::Vec;

/// A token whose claims were read, not verified.
#[derive(Debug, Clone, PartialEq)]
pub struct Decoded {
    /// The claims as JSON text (UTF-8), for the browser's `JSON.parse`.
    pub claims_json: String,
    /// `exp`, in milliseconds since the epoch by the issuer's clock.
    pub expires_at: Millis,
    /// `iat`, in milliseconds since the epoch by the issuer's clock, when present and a number.
    pub issued_at: Option<Millis>,
}

/// Why a token could not be decoded. Messages name the part and the cause, never the token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecodeError {
    /// The token does not have three dot-separated segments; holds how many it has.
    SegmentCount(usize),
    /// A segment is not base64url (`part` is 1 for the header, 2 for the claims).
    Base64 { part: u8 },
    /// A segment's bytes are not UTF-8.
    Utf8 { part: u8 },
    /// A segment is not JSON.
    Json { part: u8 },
    /// A segment is JSON but not a JSON object.
    NotAnObject { part: u8 },
    /// The claims have no `exp`.
    ExpMissing,
    /// `exp` is not a number, or not a plausible time in seconds since the epoch.
    ExpInvalid,
}

impl DecodeError {
    /// A message that says what is wrong and what to do, without the token.
    ///
    /// ```
    /// use connect_token::core::token::{decode, DecodeError};
    /// let error = decode("only.two").unwrap_err();
    /// assert_eq!(error, DecodeError::SegmentCount(2));
    /// assert!(error.message().contains("3 segments"));
    /// ```
    pub fn message(&self) -> String {
        let part = |part: &u8| if *part == 1 { "header (part 1)" } else { "claims (part 2)" };
        let cause = match self {
            DecodeError::SegmentCount(count) => {
                let mut text = String::from("a JWT has 3 segments separated by dots; this one has ");
                super::push_decimal(&mut text, *count);
                return finish(&text);
            }
            DecodeError::Base64 { part: p } => [part(p), " is not valid base64url"],
            DecodeError::Utf8 { part: p } => [part(p), " is not UTF-8 text"],
            DecodeError::Json { part: p } => [part(p), " is not valid JSON"],
            DecodeError::NotAnObject { part: p } => [part(p), " is JSON but not an object"],
            DecodeError::ExpMissing => ["claims (part 2)", " have no \"exp\" claim"],
            DecodeError::ExpInvalid => ["claims (part 2)", " have an \"exp\" that is not a time in seconds since 1970"],
        };
        let mut text = String::from(cause[0]);
        text.push_str(cause[1]);
        finish(&text)
    }
}

fn finish(cause: &str) -> String {
    let mut text = String::from("The token source returned a malformed token: ");
    text.push_str(cause);
    text.push_str(". Check that getToken resolves to a context JWT (AP.context.getToken()).");
    text
}

/// The latest `exp` accepted: year 5138, far beyond any real token but well inside `i64` millis.
const MAX_EXP_SECONDS: f64 = 1e11;

/// Reads a JWT's header and claims without verifying its signature.
///
/// ```
/// use connect_token::core::token::decode;
/// // header {"typ":"JWT","alg":"HS256"}, claims {"iat":1700000000,"exp":1700000900}
/// let token = "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.eyJpYXQiOjE3MDAwMDAwMDAsImV4cCI6MTcwMDAwMDkwMH0.c2ln";
/// let decoded = decode(token).unwrap();
/// assert_eq!(decoded.expires_at, 1_700_000_900_000);
/// assert_eq!(decoded.issued_at, Some(1_700_000_000_000));
/// ```
pub fn decode(token: &str) -> Result<Decoded, DecodeError> {
    let mut segments = token.split('.');
    let (Some(header), Some(claims), Some(_signature), None) =
        (segments.next(), segments.next(), segments.next(), segments.next())
    else {
        return Err(DecodeError::SegmentCount(token.split('.').count()));
    };
    let header = decode_segment(header, 1)?;
    read_object(&header, []).map_err(|error| json_error(error, 1))?;
    let claims_json = decode_segment(claims, 2)?;
    let [exp, iat] = read_object(&claims_json, ["exp", "iat"]).map_err(|e| json_error(e, 2))?;
    let expires_at = match exp {
        Member::Missing => return Err(DecodeError::ExpMissing),
        Member::Number(seconds) => seconds_to_millis(seconds).ok_or(DecodeError::ExpInvalid)?,
        Member::NotANumber => return Err(DecodeError::ExpInvalid),
    };
    let issued_at = match iat {
        Member::Number(seconds) => seconds_to_millis(seconds).filter(|iat| *iat <= expires_at),
        _ => None,
    };
    Ok(Decoded { claims_json, expires_at, issued_at })
}

fn seconds_to_millis(seconds: f64) -> Option<Millis> {
    // Written so that NaN fails the test too; a time under a millisecond counts as zero.
    let millis = (seconds * 1000.0) as Millis;
    (seconds < MAX_EXP_SECONDS && millis > 0).then_some(millis)
}

fn json_error(error: JsonError, part: u8) -> DecodeError {
    match error {
        JsonError::NotAnObject => DecodeError::NotAnObject { part },
        JsonError::Syntax | JsonError::TooDeep => DecodeError::Json { part },
    }
}

fn decode_segment(segment: &str, part: u8) -> Result<String, DecodeError> {
    let bytes = base64url(segment).ok_or(DecodeError::Base64 { part })?;
    String::from_utf8(bytes).map_err(|_| DecodeError::Utf8 { part })
}

/// Decodes unpadded (or padded) base64url; `None` for any other character or an impossible length.
fn base64url(text: &str) -> Option<Vec<u8>> {
    let text = text.trim_end_matches('=');
    if text.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut buffer: u32 = 0;
    let mut bits = 0;
    for byte in text.bytes() {
        let value = match byte {
            b'A'..=b'Z' => byte - b'A',
            b'a'..=b'z' => byte - b'a' + 26,
            b'0'..=b'9' => byte - b'0' + 52,
            b'-' => 62,
            b'_' => 63,
            _ => return None,
        };
        buffer = (buffer << 6) | u32::from(value);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    Some(out)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Encodes bytes as unpadded base64url, for building test tokens.
    pub(crate) fn encode(bytes: &[u8]) -> String {
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

    /// A token shaped like a real context JWT, with the given claims JSON.
    pub(crate) fn token_with(claims: &str) -> String {
        let header = encode(br#"{"typ":"JWT","alg":"HS256"}"#);
        format!("{header}.{}.{}", encode(claims.as_bytes()), encode(b"not-a-real-signature"))
    }

    /// Real-shaped claims of a context JWT issued at `iat` seconds, with `ttl` seconds of life.
    pub(crate) fn context_claims(iat: i64, ttl: i64) -> String {
        format!(
            r#"{{"sub":"712020:39e9b5a4-0000-4000-8000-000000000000","qsh":"context-qsh","iss":"jira:5e1f0c2a-1111-4b7b-9e5c-222222222222","context":{{"license":{{"active":true}},"url":{{"displayUrl":"https://example.atlassian.net"}},"jira":{{"issue":{{"key":"DEMO-1","id":"10001","issuetype":{{"id":"10002"}}}},"project":{{"key":"DEMO","id":"10000"}}}}}},"exp":{},"iat":{}}}"#,
            iat + ttl,
            iat
        )
    }

    #[test]
    fn decodes_a_real_shaped_context_jwt() {
        let claims = context_claims(1_764_000_000, 900);
        let decoded = decode(&token_with(&claims)).unwrap();
        assert_eq!(decoded.claims_json, claims);
        assert_eq!(decoded.expires_at, 1_764_000_900_000);
        assert_eq!(decoded.issued_at, Some(1_764_000_000_000));
    }

    #[test]
    fn decodes_utf8_claims() {
        let claims = r#"{"exp":1764000900,"name":"Zoë Ægir 日本 🚀"}"#;
        assert_eq!(decode(&token_with(claims)).unwrap().claims_json, claims);
    }

    #[test]
    fn base64url_round_trips_every_length_and_padding() {
        for len in 0..40u8 {
            let bytes: Vec<u8> = (0..len).map(|i| i.wrapping_mul(37).wrapping_add(250)).collect();
            let encoded = encode(&bytes);
            assert_eq!(base64url(&encoded), Some(bytes.clone()));
            let padded = format!("{encoded}{}", "=".repeat((4 - encoded.len() % 4) % 4));
            assert_eq!(base64url(&padded), Some(bytes));
        }
        for bad in ["a", "abcde", "ab+c", "ab/c", "a b", "ab.c", "é"] {
            assert_eq!(base64url(bad), None, "{bad}");
        }
    }

    #[test]
    fn iat_is_optional_and_ignored_when_unusable() {
        let decoded = decode(&token_with(r#"{"exp":1764000900}"#)).unwrap();
        assert_eq!(decoded.issued_at, None);
        let decoded = decode(&token_with(r#"{"exp":1764000900,"iat":"x"}"#)).unwrap();
        assert_eq!(decoded.issued_at, None);
        let decoded = decode(&token_with(r#"{"exp":1764000900,"iat":1764009999}"#)).unwrap();
        assert_eq!(decoded.issued_at, None, "an iat after exp is ignored");
    }

    #[test]
    fn every_malformed_case_has_its_own_error() {
        let good_header = encode(br#"{"alg":"HS256"}"#);
        let claims = |json: &str| format!("{good_header}.{}.sig", encode(json.as_bytes()));
        let cases: Vec<(String, DecodeError)> = vec![
            (String::new(), DecodeError::SegmentCount(1)),
            ("abc".into(), DecodeError::SegmentCount(1)),
            ("a.b".into(), DecodeError::SegmentCount(2)),
            ("a.b.c.d".into(), DecodeError::SegmentCount(4)),
            (format!("{good_header}.e30.c.d.e"), DecodeError::SegmentCount(5)),
            ("!!.e30.sig".into(), DecodeError::Base64 { part: 1 }),
            (format!("{good_header}.e30*.sig"), DecodeError::Base64 { part: 2 }),
            (format!("{good_header}.abcde.sig"), DecodeError::Base64 { part: 2 }),
            (format!("{}.e30.sig", encode(&[0xff, 0xfe])), DecodeError::Utf8 { part: 1 }),
            (format!("{good_header}.{}.sig", encode(&[0xc3])), DecodeError::Utf8 { part: 2 }),
            (format!("{}.e30.sig", encode(b"nope")), DecodeError::Json { part: 1 }),
            (format!("{}.e30.sig", encode(b"[1]")), DecodeError::NotAnObject { part: 1 }),
            (claims("not json"), DecodeError::Json { part: 2 }),
            (claims("{\"exp\":1"), DecodeError::Json { part: 2 }),
            (claims("[1764000900]"), DecodeError::NotAnObject { part: 2 }),
            (claims("\"exp\""), DecodeError::NotAnObject { part: 2 }),
            (claims("42"), DecodeError::NotAnObject { part: 2 }),
            (claims("{}"), DecodeError::ExpMissing),
            (claims("{\"iat\":1}"), DecodeError::ExpMissing),
            (claims("{\"exp\":\"1764000900\"}"), DecodeError::ExpInvalid),
            (claims("{\"exp\":null}"), DecodeError::ExpInvalid),
            (claims("{\"exp\":true}"), DecodeError::ExpInvalid),
            (claims("{\"exp\":{}}"), DecodeError::ExpInvalid),
            (claims("{\"exp\":-5}"), DecodeError::ExpInvalid),
            (claims("{\"exp\":0}"), DecodeError::ExpInvalid),
            (claims("{\"exp\":1e300}"), DecodeError::ExpInvalid),
            (claims("{\"exp\":0.0004}"), DecodeError::ExpInvalid),
            (claims("{\"exp\":1.2e-295}"), DecodeError::ExpInvalid),
        ];
        for (token, expected) in cases {
            assert_eq!(decode(&token), Err(expected), "{token}");
        }
    }

    #[test]
    fn messages_name_the_part_and_never_contain_the_token() {
        let token = token_with(r#"{"exp":"soon","secret":"s3cr3t"}"#);
        let error = decode(&token).unwrap_err();
        let message = error.message();
        assert!(message.contains("\"exp\""), "{message}");
        assert!(!message.contains(&token) && !message.contains("s3cr3t"));
        assert!(DecodeError::Base64 { part: 1 }.message().contains("header (part 1)"));
        assert!(DecodeError::Json { part: 2 }.message().contains("claims (part 2)"));
        assert!(DecodeError::SegmentCount(4).message().contains("this one has 4"));
    }
}
