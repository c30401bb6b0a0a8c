//! How a failed call to the token source is classified: which error code, whether retrying can
//! help, and what the message tells the developer to do.

use super::error::{Code, Error};
use alloc::string::String;

/// How the call to the token source went wrong (as the binding saw it: `web::source`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// There is no `AP.context.getToken` and no `getToken` option: not in a Connect iframe.
    Missing,
    /// `AP.context.getToken` threw: the app does not use JWT authentication.
    HostThrew,
    /// The `getToken` option threw synchronously.
    OptionThrew,
    /// The promise rejected (the bridge rejects with the host's message as a plain string).
    Rejected,
    /// The callback form called back with no token (how the bridge reports an error).
    Empty,
    /// The answer was not a string.
    NotAString,
}

/// The most of the source's own message that goes into ours.
const MAX_DETAIL: usize = 200;

/// The error for a failed call; `detail` is the source's own message (a JWT-looking part is cut).
///
/// ```
/// use connect_token::core::{error::Code, source::{failure, Failure}};
/// let error = failure(Failure::Missing, "");
/// assert_eq!(error.code, Code::HostUnavailable);
/// assert!(error.fatal);
/// assert!(error.message.contains("getToken"));
/// assert!(!failure(Failure::Rejected, "503").fatal);
/// ```
pub fn failure(kind: Failure, detail: &str) -> Error {
    match kind {
        Failure::Missing => Error::fatal(
            Code::HostUnavailable,
            "No Atlassian Connect bridge: window.AP.context.getToken is missing, so this page is not inside a Connect iframe (or all.js did not load first). Outside Jira or Confluence (a dev server, a test), pass createConnectAuth({ getToken: () => fetchMyToken() }).",
        ),
        Failure::HostThrew => Error::fatal(
            Code::HostError,
            with_detail("AP.context.getToken threw, which it does when the app does not use JWT authentication (\"authentication\": {\"type\": \"jwt\"} in atlassian-connect.json)", detail),
        ),
        Failure::OptionThrew => Error::new(Code::HostError, with_detail("The getToken option threw", detail)),
        Failure::Rejected => Error::new(Code::HostError, with_detail("The token source failed; the keeper will retry with backoff", detail)),
        Failure::Empty => Error::new(
            Code::HostError,
            "The host answered without a token: AP.context.getToken called back with no value, which is how the Connect bridge reports a host error (it does not pass on the host's message). The keeper will retry with backoff.",
        ),
        Failure::NotAString => Error::new(
            Code::MalformedToken,
            with_detail("The token source answered with something that is not a string; getToken must resolve to the JWT as a string", detail),
        ),
    }
}

fn with_detail(text: &str, detail: &str) -> String {
    let mut message = String::from(text);
    let detail = redact(detail);
    if !detail.is_empty() {
        message.push_str(": ");
        message.push_str(detail);
    }
    message.push('.');
    message
}

/// Keeps at most [`MAX_DETAIL`] bytes of the source's message, and none of it if it holds
/// something that looks like a JWT (every JWT starts with `eyJ`, base64url of `{"`), so a token
/// never reaches a message.
fn redact(detail: &str) -> &str {
    // (Not `contains("eyJ")`: the substring searcher is 6 KB of wasm.)
    if detail.as_bytes().windows(3).any(|window| window == b"eyJ") {
        return "";
    }
    let mut end = detail.len().min(MAX_DETAIL);
    while !detail.is_char_boundary(end) {
        end -= 1;
    }
    detail.get(..end).unwrap_or_default().trim_ascii()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fatal_only_when_retrying_cannot_help() {
        assert!(failure(Failure::Missing, "").fatal);
        assert!(failure(Failure::HostThrew, "x").fatal);
        for kind in [Failure::OptionThrew, Failure::Rejected, Failure::Empty, Failure::NotAString] {
            assert!(!failure(kind, "x").fatal, "{kind:?}");
        }
    }

    #[test]
    fn the_source_message_is_kept_short_and_never_carries_a_token() {
        let message = failure(Failure::Rejected, "Host error 503").message;
        assert!(message.ends_with(": Host error 503."), "{message}");
        let leaked = failure(Failure::Rejected, "bad token eyJhbGciOi.eyJleHAiOjF9.c2lnbmF0dXJl here").message;
        assert!(!leaked.contains("eyJ"), "{leaked}");
        assert!(leaked.ends_with("retry with backoff."), "{leaked}");
        let long = "é".repeat(500);
        assert!(failure(Failure::Rejected, &long).message.len() < 300);
    }
}
