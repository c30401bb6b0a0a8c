//! The one error type of the library: a code a program can branch on and a message a person can act on.

use alloc::string::String;
/// What went wrong, as the `code` of a JavaScript `ConnectTokenError`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    /// No token source: not inside a Connect iframe and no `getToken` option.
    HostUnavailable,
    /// The token source failed (rejected, threw, or answered without a token).
    HostError,
    /// The token source did not answer within `timeoutMs`.
    Timeout,
    /// The token source answered with something that is not a JWT with an `exp` claim.
    MalformedToken,
    /// The token source answered with a token that had already expired (or expires within seconds).
    ExpiredToken,
    /// The caller's `AbortSignal` fired.
    Aborted,
    /// The keeper was disposed.
    Disposed,
    /// An option is missing its right type or range.
    InvalidOptions,
}

impl Code {
    /// The code as JavaScript sees it.
    ///
    /// ```
    /// use connect_token::core::error::Code;
    /// assert_eq!(Code::HostUnavailable.as_str(), "host-unavailable");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Code::HostUnavailable => "host-unavailable",
            Code::HostError => "host-error",
            Code::Timeout => "timeout",
            Code::MalformedToken => "malformed-token",
            Code::ExpiredToken => "expired-token",
            Code::Aborted => "aborted",
            Code::Disposed => "disposed",
            Code::InvalidOptions => "invalid-options",
        }
    }
}

/// An error with its code, its message (never containing a token), and whether retrying can help.
///
/// ```
/// use connect_token::core::error::{Code, Error};
/// let error = Error::new(Code::Timeout, "The token source did not answer.");
/// assert!(!error.fatal);
/// assert!(Error::fatal(Code::HostUnavailable, "No AP.").fatal);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// What went wrong.
    pub code: Code,
    /// What happened and what to do.
    pub message: String,
    /// Whether the keeper stopped asking because retrying cannot help.
    pub fatal: bool,
}

impl Error {
    /// A transient error: the keeper keeps retrying with backoff.
    pub fn new(code: Code, message: impl Into<String>) -> Error {
        Error { code, message: message.into(), fatal: false }
    }

    /// A fatal error: the keeper stops asking its token source.
    pub fn fatal(code: Code, message: impl Into<String>) -> Error {
        Error { code, message: message.into(), fatal: true }
    }

    /// The error every pending and later call gets after `dispose()`.
    pub fn disposed() -> Error {
        Error::fatal(Code::Disposed, "This ConnectAuth was disposed; create a new one with createConnectAuth().")
    }

    /// The error a caller gets when its own `AbortSignal` fires.
    pub fn aborted() -> Error {
        Error::new(
            Code::Aborted,
            "The caller's AbortSignal aborted the wait for a token; the renewal goes on for other callers.",
        )
    }
}
