//! Validation of the numeric and textual options, with messages that say which option and why.

use super::error::{Code, Error};
use super::Millis;
use alloc::string::String;

/// The longest wait a browser timer can express (2^31 − 1 ms, about 24.8 days).
pub const MAX_TIMER_MS: f64 = 2_147_483_647.0;

/// What `renewMarginSeconds` must be.
pub const MARGIN_RULE: &str = "renewMarginSeconds must be a number of seconds from 0 to 86400 (default 60).";
/// What `timeoutMs` must be.
pub const TIMEOUT_RULE: &str = "timeoutMs must be a number of milliseconds from 1 to 2147483647 (default 10000).";

/// Checks `renewMarginSeconds` and returns it in milliseconds (default 60 s).
///
/// ```
/// use connect_token::core::options::renew_margin;
/// assert_eq!(renew_margin(None), Ok(60_000));
/// assert_eq!(renew_margin(Some(90.0)), Ok(90_000));
/// assert!(renew_margin(Some(-1.0)).is_err());
/// ```
pub fn renew_margin(seconds: Option<f64>) -> Result<Millis, Error> {
    let seconds = seconds.unwrap_or(60.0);
    if !(0.0..=86_400.0).contains(&seconds) {
        return Err(invalid(MARGIN_RULE));
    }
    Ok((seconds * 1000.0) as Millis)
}

/// Checks `timeoutMs` (default 10 000 ms).
///
/// ```
/// use connect_token::core::options::timeout;
/// assert_eq!(timeout(None), Ok(10_000));
/// assert!(timeout(Some(0.0)).is_err());
/// assert!(timeout(Some(f64::NAN)).is_err());
/// ```
pub fn timeout(ms: Option<f64>) -> Result<Millis, Error> {
    let ms = ms.unwrap_or(10_000.0);
    if !(1.0..=MAX_TIMER_MS).contains(&ms) {
        return Err(invalid(TIMEOUT_RULE));
    }
    Ok(ms as Millis)
}

/// Checks `scheme`, the word before the token in the `Authorization` header (default `"JWT"`,
/// which atlassian-connect-express requires, case-sensitively).
///
/// ```
/// use connect_token::core::options::scheme;
/// assert_eq!(scheme(None).as_deref(), Ok("JWT"));
/// assert!(scheme(Some("Bearer")).is_ok());
/// assert!(scheme(Some("JWT\r\nX-Evil: 1")).is_err());
/// ```
pub fn scheme(value: Option<&str>) -> Result<&str, Error> {
    let value = value.unwrap_or("JWT");
    // An HTTP token (RFC 9110 tchar): no spaces, no separators, no control characters.
    let is_tchar = |byte: u8| byte.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&byte);
    if value.is_empty() || !value.bytes().all(is_tchar) {
        return Err(invalid(
            "scheme must be one HTTP token such as \"JWT\" (the default, which atlassian-connect-express requires).",
        ));
    }
    Ok(value)
}

/// Checks one entry of `allowedOrigins` after the URL parser read it: `parsed_origin` is what
/// `new URL(entry).origin` gave. The entry must be exactly an origin (no path, query or user).
///
/// ```
/// use connect_token::core::options::allowed_origin;
/// assert_eq!(allowed_origin(0, "https://App.example.com/", "https://app.example.com").as_deref(), Ok("https://app.example.com"));
/// assert!(allowed_origin(1, "https://app.example.com/api", "https://app.example.com").is_err());
/// assert!(allowed_origin(2, "file:///x", "null").is_err());
/// ```
pub fn allowed_origin(index: usize, entry: &str, parsed_origin: &str) -> Result<String, Error> {
    let written = entry.strip_suffix('/').unwrap_or(entry).to_ascii_lowercase();
    let default_port = written.strip_prefix(parsed_origin).is_some_and(|rest| rest == ":443" || rest == ":80");
    if parsed_origin == "null" || !(written == parsed_origin || default_port) {
        return Err(not_an_origin(index));
    }
    Ok(parsed_origin.into())
}

/// The error for an `allowedOrigins` entry that is not a string or not a URL.
pub fn not_an_origin(index: usize) -> Error {
    let mut message = String::from("allowedOrigins[");
    super::push_decimal(&mut message, index);
    message.push_str("] must be an origin such as \"https://api.example.com\" (scheme, host and port only; no path).");
    invalid(message)
}

/// An `invalid-options` error with this message.
pub fn invalid(message: impl Into<String>) -> Error {
    Error::new(Code::InvalidOptions, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn margins_and_timeouts_out_of_range_are_refused() {
        for bad in [-0.5, 86_400.5, f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            assert_eq!(renew_margin(Some(bad)).unwrap_err().code, Code::InvalidOptions, "{bad}");
        }
        assert_eq!(renew_margin(Some(0.0)), Ok(0));
        for bad in [0.0, 0.5, -1.0, 2_147_483_648.0, f64::NAN, f64::INFINITY] {
            assert_eq!(timeout(Some(bad)).unwrap_err().code, Code::InvalidOptions, "{bad}");
        }
        assert_eq!(timeout(Some(2_147_483_647.0)), Ok(2_147_483_647));
    }

    #[test]
    fn scheme_must_be_a_single_token() {
        for bad in ["", "JWT ", " JWT", "J W T", "JWT\n", "JWT:", "Jé"] {
            assert!(scheme(Some(bad)).is_err(), "{bad:?}");
        }
        assert_eq!(scheme(Some("Bearer")).as_deref(), Ok("Bearer"));
    }

    #[test]
    fn origins_must_be_bare() {
        let ok = |entry, parsed| allowed_origin(0, entry, parsed);
        assert_eq!(ok("http://localhost:8080", "http://localhost:8080").as_deref(), Ok("http://localhost:8080"));
        assert_eq!(ok("https://a.example:443", "https://a.example").as_deref(), Ok("https://a.example"));
        assert!(ok("https://a.example/x", "https://a.example").is_err());
        assert!(ok("https://a.example?x", "https://a.example").is_err());
        assert!(ok("https://user@a.example", "https://a.example").is_err());
        assert!(ok("data:text/plain,x", "null").is_err());
        let message = allowed_origin(3, "x", "null").unwrap_err().message;
        assert!(message.contains("allowedOrigins[3]"), "{message}");
    }
}
