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

/// What `scheme` must be.
pub const SCHEME_RULE: &str =
    "scheme must be one HTTP token such as \"JWT\" (the default, which atlassian-connect-express requires).";
/// What `retryUnauthorized` must be.
pub const RETRY_RULE: &str = "retryUnauthorized must be true or false (default true).";
/// What `getToken` must be.
pub const GET_TOKEN_RULE: &str = "getToken must be a function that returns a token (a string) or a promise of one.";
/// What `fetch` must be.
pub const FETCH_RULE: &str = "fetch must be a function with the contract of window.fetch.";
/// What `allowedOrigins` must be.
pub const ORIGINS_RULE: &str = "allowedOrigins must be an array of origins such as [\"https://api.example.com\"].";
/// Why an empty `allowedOrigins` is refused.
pub const ORIGINS_EMPTY: &str =
    "allowedOrigins is empty, so the token would never be sent; omit it to allow only the page's own origin.";
/// What `initialToken` must be.
pub const INITIAL_TOKEN_RULE: &str =
    "initialToken must be a token (a string, such as atlassian-connect-express's {{token}}), or null for none.";
/// What `sessionTokenHeader` must be.
pub const SESSION_HEADER_RULE: &str =
    "sessionTokenHeader must be a response header name such as \"X-acpt\" (atlassian-connect-express's), or null for none.";
/// What `header` must be.
pub const HEADER_RULE: &str =
    "header must be a request header name: \"Authorization\" (the default: <scheme> <token>) or another, such as \"X-acpt\", which carries the bare token.";
/// What the options argument must be.
pub const OPTIONS_RULE: &str = "createConnectAuth(options): options must be a plain object (or omitted).";
/// The options `createConnectAuth` knows, as JavaScript names them.
pub const OPTION_NAMES: [&str; 10] = [
    "allowedOrigins",
    "scheme",
    "renewMarginSeconds",
    "timeoutMs",
    "retryUnauthorized",
    "getToken",
    "fetch",
    "initialToken",
    "sessionTokenHeader",
    "header",
];
/// [`OPTION_NAMES`] as the message for an unknown option lists them (written out, so the wasm
/// needs no `join`; a test checks the two agree).
const OPTION_LIST: &str = "allowedOrigins, scheme, renewMarginSeconds, timeoutMs, retryUnauthorized, getToken, fetch, initialToken, sessionTokenHeader, header";

/// The error for an option name that is not one of [`OPTION_NAMES`] (a typo such as `timeoutMS`).
///
/// ```
/// use connect_token::core::options::unknown_option;
/// let message = unknown_option("timeoutMS").message;
/// assert!(message.contains("\"timeoutMS\"") && message.contains("timeoutMs"));
/// ```
pub fn unknown_option(key: &str) -> Error {
    let mut message = String::from("Unknown option \"");
    message.push_str(key);
    message.push_str("\"; the options are ");
    message.push_str(OPTION_LIST);
    message.push('.');
    invalid(message)
}

/// The error for an option whose getter threw (or a Proxy that refused to be read).
///
/// ```
/// use connect_token::core::options::unreadable_option;
/// assert!(unreadable_option("timeoutMs").message.contains("options.timeoutMs"));
/// ```
pub fn unreadable_option(key: &str) -> Error {
    let mut message = String::from("Reading options.");
    message.push_str(key);
    message.push_str(" threw; pass plain values.");
    invalid(message)
}

/// The error for a bad `token(options)` argument; `reason` says which part is wrong.
///
/// ```
/// use connect_token::core::options::token_options_invalid;
/// let message = token_options_invalid("signal must be an AbortSignal").message;
/// assert!(message.starts_with("token(options): signal must be an AbortSignal; pass {"));
/// ```
pub fn token_options_invalid(reason: &str) -> Error {
    let mut message = String::from("token(options): ");
    message.push_str(reason);
    message.push_str("; pass { signal?: AbortSignal, forceRefresh?: boolean }.");
    invalid(message)
}

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
    if !is_http_token(value) {
        return Err(invalid(SCHEME_RULE));
    }
    Ok(value)
}

/// An HTTP token (RFC 9110 tchar): what a scheme or a header name must be. No spaces, no
/// separators, no control characters.
fn is_http_token(value: &str) -> bool {
    let is_tchar = |byte: u8| byte.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&byte);
    !value.is_empty() && value.bytes().all(is_tchar)
}

/// The request header the token goes in (`header`; default `Authorization`, which carries
/// `<scheme> <token>`; any other carries the bare token). Returns the name, and whether it is
/// `Authorization` (in any case).
///
/// ```
/// use connect_token::core::options::request_header;
/// assert_eq!(request_header(None), Ok(("Authorization", true)));
/// assert_eq!(request_header(Some("X-acpt")), Ok(("X-acpt", false)));
/// assert_eq!(request_header(Some("authorization")), Ok(("authorization", true)));
/// assert!(request_header(Some("X-acpt: 1")).is_err());
/// ```
pub fn request_header(value: Option<&str>) -> Result<(&str, bool), Error> {
    let value = value.unwrap_or("Authorization");
    if !is_http_token(value) {
        return Err(invalid(HEADER_RULE));
    }
    Ok((value, value.eq_ignore_ascii_case("authorization")))
}

/// The response header session tokens come in (`sessionTokenHeader`; off by default).
///
/// ```
/// use connect_token::core::options::session_token_header;
/// assert_eq!(session_token_header(None), Ok(None));
/// assert_eq!(session_token_header(Some("X-acpt")), Ok(Some("X-acpt")));
/// assert!(session_token_header(Some("")).is_err());
/// ```
pub fn session_token_header(value: Option<&str>) -> Result<Option<&str>, Error> {
    match value {
        Some(name) if !is_http_token(name) => Err(invalid(SESSION_HEADER_RULE)),
        other => Ok(other),
    }
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
    fn the_unknown_option_message_lists_every_option() {
        assert_eq!(OPTION_LIST, OPTION_NAMES.join(", "));
    }

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
