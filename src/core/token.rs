//! Judging a context JWT's claims: the times the keeper schedules by, never a verification.
//!
//! A context JWT is signed with HS256 and the installation's shared secret, which the browser
//! does not have and must never have. The claims are read only for scheduling renewals and for
//! display: the app's backend verifies every token (atlassian-connect-express
//! `addon.checkValidToken()`, atlassian-connect-spring-boot `@ContextJwt`).
//!
//! The browser's own parsers read the claims segment (`js/claims.js`: base64url with `atob`,
//! UTF-8 with a fatal `TextDecoder`, then `JSON.parse`), which costs no wasm; this module decides
//! what the result means. (A JSON reader in Rust was 5.5 KB of the 16 KB budget; see BENCHMARKS.md.)

use super::Millis;
use alloc::string::String;
use alloc::vec::Vec;

/// A token as the browser read it: its shape, and the raw values of `exp` and `iat`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Read {
    /// The claims segment is a JSON object. Each value is `None` if the claim is absent and
    /// NaN if it is present but not a number.
    Claims {
        /// The `exp` claim, in seconds.
        exp: Option<f64>,
        /// The `iat` claim, in seconds.
        iat: Option<f64>,
    },
    /// The token is not three dot-separated segments.
    Segments,
    /// The claims segment is not base64url.
    Base64,
    /// The claims segment's bytes are not UTF-8.
    Utf8,
    /// The claims segment is not JSON.
    Json,
    /// The claims segment is JSON but not an object.
    NotAnObject,
}

/// Decodes a JWT's claims segment (part 2: base64url without padding) into its text, or says why
/// it is not one ([`Read::Base64`] or [`Read::Utf8`]). The browser's `JSON.parse` reads the text.
///
/// ```
/// use connect_token::core::token::{claims_text, Read};
/// assert_eq!(claims_text("eyJleHAiOjF9").as_deref(), Ok(r#"{"exp":1}"#));
/// assert_eq!(claims_text("e30*"), Err(Read::Base64));
/// assert_eq!(claims_text("ww"), Err(Read::Utf8)); // the lone byte 0xC3
/// ```
pub fn claims_text(segment: &str) -> Result<String, Read> {
    // Four characters carry three bytes; a lone trailing character carries none.
    if segment.len() % 4 == 1 {
        return Err(Read::Base64);
    }
    let mut bytes = Vec::with_capacity(segment.len() / 4 * 3 + 2);
    let (mut bits, mut count) = (0u32, 0u32);
    for byte in segment.bytes() {
        let value = match byte {
            b'A'..=b'Z' => byte - b'A',
            b'a'..=b'z' => byte - b'a' + 26,
            b'0'..=b'9' => byte - b'0' + 52,
            b'-' => 62,
            b'_' => 63,
            _ => return Err(Read::Base64),
        };
        bits = (bits << 6) | u32::from(value);
        count += 6;
        if count >= 8 {
            count -= 8;
            bytes.push((bits >> count) as u8);
            bits &= (1 << count) - 1;
        }
    }
    String::from_utf8(bytes).map_err(|_| Read::Utf8)
}

/// The times of a token whose claims were judged usable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Times {
    /// `exp`, in milliseconds since the epoch by the issuer's clock.
    pub expires_at: Millis,
    /// `iat`, in milliseconds since the epoch by the issuer's clock, when present and usable.
    pub issued_at: Option<Millis>,
}

/// The latest `exp` accepted: year 5138, far beyond any real token but well inside `i64` millis.
const MAX_EXP_SECONDS: f64 = 1e11;

/// The times of a token, or why it is malformed: a message that says what is wrong and what to
/// do, and never contains the token.
///
/// ```
/// use connect_token::core::token::{times, Read};
/// let read = Read::Claims { exp: Some(1_700_000_900.0), iat: Some(1_700_000_000.0) };
/// let judged = times(read).unwrap();
/// assert_eq!(judged.expires_at, 1_700_000_900_000);
/// assert_eq!(judged.issued_at, Some(1_700_000_000_000));
/// assert!(times(Read::Segments).unwrap_err().contains("3 segments"));
/// ```
pub fn times(read: Read) -> Result<Times, &'static str> {
    let (exp, iat) = match read {
        Read::Claims { exp, iat } => (exp, iat),
        Read::Segments => return Err(malformed::SEGMENTS),
        Read::Base64 => return Err(malformed::BASE64),
        Read::Utf8 => return Err(malformed::UTF8),
        Read::Json => return Err(malformed::JSON),
        Read::NotAnObject => return Err(malformed::NOT_AN_OBJECT),
    };
    let expires_at = seconds_to_millis(exp.ok_or(malformed::EXP_MISSING)?).ok_or(malformed::EXP_INVALID)?;
    let issued_at = iat.and_then(seconds_to_millis).filter(|iat| *iat <= expires_at);
    Ok(Times { expires_at, issued_at })
}

fn seconds_to_millis(seconds: f64) -> Option<Millis> {
    // Written so that NaN fails the test too; a time under a millisecond counts as zero.
    let millis = (seconds * 1000.0) as Millis;
    (seconds < MAX_EXP_SECONDS && millis > 0).then_some(millis)
}

/// The `malformed-token` messages.
pub mod malformed {
    macro_rules! message {
        ($name:ident, $cause:literal) => {
            #[doc = concat!("The token source returned a malformed token: ", $cause, ".")]
            pub const $name: &str = concat!(
                "The token source returned a malformed token: ",
                $cause,
                ". Check that getToken resolves to a context JWT (AP.context.getToken())."
            );
        };
    }
    message!(SEGMENTS, "a JWT has 3 segments separated by dots");
    message!(BASE64, "its claims (part 2) are not base64url");
    message!(UTF8, "its claims (part 2) are not UTF-8 text");
    message!(JSON, "its claims (part 2) are not JSON");
    message!(NOT_AN_OBJECT, "its claims (part 2) are JSON but not an object");
    message!(EXP_MISSING, "its claims have no \"exp\"");
    message!(EXP_INVALID, "its \"exp\" is not a time in seconds since 1970");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(exp: Option<f64>, iat: Option<f64>) -> Read {
        Read::Claims { exp, iat }
    }

    #[test]
    fn exp_and_iat_become_millis() {
        let times = times(claims(Some(1_764_000_900.0), Some(1_764_000_000.0))).unwrap();
        assert_eq!(times, Times { expires_at: 1_764_000_900_000, issued_at: Some(1_764_000_000_000) });
        assert_eq!(super::times(claims(Some(1.5), None)).unwrap().expires_at, 1_500);
    }

    #[test]
    fn iat_is_optional_and_ignored_when_unusable() {
        for iat in [None, Some(f64::NAN), Some(-1.0), Some(1_764_009_999.0), Some(f64::INFINITY)] {
            assert_eq!(times(claims(Some(1_764_000_900.0), iat)).unwrap().issued_at, None, "{iat:?}");
        }
    }

    #[test]
    fn every_malformed_case_has_its_own_message() {
        let cases = [
            (Read::Segments, malformed::SEGMENTS),
            (Read::Base64, malformed::BASE64),
            (Read::Utf8, malformed::UTF8),
            (Read::Json, malformed::JSON),
            (Read::NotAnObject, malformed::NOT_AN_OBJECT),
            (claims(None, Some(1.0)), malformed::EXP_MISSING),
        ];
        for (read, message) in cases {
            assert_eq!(times(read), Err(message), "{read:?}");
        }
        for exp in [f64::NAN, -5.0, 0.0, 1e300, 0.0004, 1.2e-295, f64::INFINITY, f64::NEG_INFINITY] {
            assert_eq!(times(claims(Some(exp), None)), Err(malformed::EXP_INVALID), "{exp}");
        }
        assert!(malformed::EXP_INVALID.contains("\"exp\"") && malformed::JSON.contains("claims (part 2)"));
    }

    #[test]
    fn claims_segments_decode_like_the_browsers_base64url_and_strict_utf8() {
        let encoded = "eyJleHAiOjE3NjQwMDA5MDAsIm5hbWUiOiJab8OrIOaXpeacrCDwn5qAIn0";
        assert_eq!(claims_text(encoded).as_deref(), Ok(r#"{"exp":1764000900,"name":"Zoë 日本 🚀"}"#));
        assert_eq!(claims_text("").as_deref(), Ok(""));
        for bad in ["e30*", "e3+0", "e3/0", "abcde", "e30=", "e 30", "é"] {
            assert_eq!(claims_text(bad), Err(Read::Base64), "{bad:?}");
        }
        for not_utf8 in ["ww", "_w", "7aCA"] {
            assert_eq!(claims_text(not_utf8), Err(Read::Utf8), "{not_utf8:?}");
        }
    }
}
