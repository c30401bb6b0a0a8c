//! Which requests may carry the token: only those whose URL's origin is allowed.
//!
//! The common URL shapes are decided here on the string, without the browser's URL parser; any
//! other shape is left to the parser ([`Scope::NeedsParse`]), so a clever URL can only cost
//! speed, never leak the token.

use alloc::string::String;
/// The answer for one request URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// The URL's origin is allowed: this one of the list.
    Allowed(usize),
    /// The URL is relative without a host (`/api/x`, `api/x`, `?q`): its origin is the document base URL's.
    SameAsBase,
    /// Only the URL parser can tell; resolve it against the document base and call [`allowed_index`].
    NeedsParse,
}

/// Decides the scope of `url` against `allowed` origins (each as `URL.origin` prints it).
///
/// ```
/// use connect_token::core::origin::{scope, Scope};
/// let allowed = ["https://app.example.com".to_string()];
/// assert_eq!(scope("https://app.example.com/api?q=1", &allowed), Scope::Allowed(0));
/// assert_eq!(scope("/api", &allowed), Scope::SameAsBase);
/// // "app.example.com" is only the user name here: the host is evil.example.
/// assert_eq!(scope("https://app.example.com@evil.example/", &allowed), Scope::NeedsParse);
/// ```
pub fn scope(url: &str, allowed: &[String]) -> Scope {
    // The URL parser drops tabs and newlines anywhere, so "/\t/evil" means "//evil".
    if url.bytes().any(|byte| matches!(byte, b'\t' | b'\n' | b'\r')) {
        return Scope::NeedsParse;
    }
    let bytes = url.as_bytes();
    match bytes.first() {
        // The parser strips leading spaces and control characters, and reads "\\" as "/".
        Some(0..=b' ' | b'\\') => return Scope::NeedsParse,
        Some(b'/') if !matches!(bytes.get(1), Some(b'/' | b'\\')) => return Scope::SameAsBase,
        Some(b'/') => return Scope::NeedsParse,
        _ => {}
    }
    // No ":" before the first "/", "?" or "#": no scheme, so a path relative to the base ("api/x",
    // "./x", "?q", or "" itself).
    let mut before_path = bytes.iter().take_while(|b| !matches!(b, b'/' | b'?' | b'#'));
    if !before_path.any(|b| *b == b':') {
        return Scope::SameAsBase;
    }
    for (index, origin) in allowed.iter().enumerate() {
        if let Some(rest) = url.strip_prefix(origin.as_str()) {
            if matches!(rest.bytes().next(), None | Some(b'/' | b'?' | b'#')) {
                return Scope::Allowed(index);
            }
        }
    }
    Scope::NeedsParse
}

/// Where a parsed origin (`URL.origin`) is in the allowlist, if it is; opaque origins (`"null"`)
/// never are.
///
/// ```
/// use connect_token::core::origin::allowed_index;
/// let allowed = ["https://app.example.com".to_string()];
/// assert_eq!(allowed_index("https://app.example.com", &allowed), Some(0));
/// assert_eq!(allowed_index("null", &allowed), None);
/// ```
pub fn allowed_index(origin: &str, allowed: &[String]) -> Option<usize> {
    allowed.iter().position(|candidate| candidate == origin).filter(|_| origin != "null")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allowed() -> Vec<String> {
        vec!["https://app.example.com".into(), "http://localhost:8080".into()]
    }

    #[test]
    fn allowed_origins_with_any_path_query_or_fragment() {
        for url in [
            "https://app.example.com",
            "https://app.example.com/",
            "https://app.example.com/api/x?y=1",
            "https://app.example.com?x",
            "https://app.example.com#@evil.example",
            "http://localhost:8080/api",
        ] {
            let index = usize::from(url.starts_with("http://localhost"));
            assert_eq!(scope(url, &allowed()), Scope::Allowed(index), "{url}");
        }
    }

    #[test]
    fn relative_urls_follow_the_base() {
        for url in ["/api", "/", "api/relative", "./relative", "../up", "?query", "#fragment", "", "a/b:c"] {
            assert_eq!(scope(url, &allowed()), Scope::SameAsBase, "{url:?}");
        }
    }

    #[test]
    fn everything_else_goes_to_the_parser() {
        for url in [
            "//evil.example/api",
            "/\\evil.example/api",
            "/\t/evil.example/api",
            "https://app.example.com@evil.example/",
            "https://app.example.com.evil.example/",
            "https://app.example.com:443/",
            "https://app.example.com\\@evil.example",
            "https://app.example.com\t@evil.example",
            "HTTPS://APP.EXAMPLE.COM/",
            "http://localhost:80800/",
            " https://app.example.com/",
            "https://evil.example/https://app.example.com/",
            "\\\\evil.example/api",
            "\\/evil.example/api",
            "\u{1}//evil.example",
            "javascript:alert(1)",
            "mailto:a@b",
        ] {
            assert_eq!(scope(url, &allowed()), Scope::NeedsParse, "{url:?}");
        }
    }

    #[test]
    fn opaque_and_unknown_origins_are_refused() {
        assert_eq!(allowed_index("null", &allowed()), None);
        assert_eq!(allowed_index("https://evil.example", &allowed()), None);
        assert_eq!(allowed_index("https://app.example.com:8443", &allowed()), None);
        assert_eq!(allowed_index("http://localhost:8080", &allowed()), Some(1));
    }
}
