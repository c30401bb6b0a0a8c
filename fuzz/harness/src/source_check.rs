//! Checks for `core::source::failure`: the token source's own message (which the app controls
//! and may carry the token, e.g. `throw new Error("bad token " + token)`) never brings a token
//! into the library's message, and the message stays short.

use crate::tokens::{base64url, leaks, read, token, HEADER_JSON};
use arbitrary::Arbitrary;
use connect_token::core::error::Code;
use connect_token::core::source::{failure, Failure};
use connect_token::core::token::times;

#[derive(Debug, Arbitrary)]
pub struct SourceInput {
    pub kind: Kind,
    pub before: String,
    pub token: TokenShape,
    pub after: String,
    /// Put the token first (no text before it).
    pub token_first: bool,
}

/// The failure, by number: the binding now passes a `Failure` (`web::source`), and the numbers
/// are the harness's own ([`failure_kind`]), kept so that the seeds in corpus/source_failure
/// decode as they did.
#[derive(Debug, Arbitrary)]
pub enum Kind {
    /// One of the six kinds (0..=5), or one past them.
    Known(u8),
    /// Any number at all (most are `Rejected`).
    Code(u32),
}

/// Every `Failure`, in the order of their numbers (0..=5) as js/source.js sent them before the
/// binding moved into Rust (the deleted `Failure::from_code`).
pub const KINDS: [Failure; 6] = [
    Failure::Rejected,
    Failure::Missing,
    Failure::HostThrew,
    Failure::OptionThrew,
    Failure::Empty,
    Failure::NotAString,
];

/// The failure for a number: `KINDS[code]`, anything past them `Rejected`.
pub fn failure_kind(code: u32) -> Failure {
    usize::try_from(code).ok().and_then(|i| KINDS.get(i)).copied().unwrap_or(Failure::Rejected)
}

/// The number of a failure, the inverse of [`failure_kind`] on 0..=5. Written as an exhaustive
/// match so that a new `Failure` stops the harness compiling until it is added to [`KINDS`].
pub fn failure_number(kind: Failure) -> u32 {
    match kind {
        Failure::Rejected => 0,
        Failure::Missing => 1,
        Failure::HostThrew => 2,
        Failure::OptionThrew => 3,
        Failure::Empty => 4,
        Failure::NotAString => 5,
    }
}

/// Tokens whose claims the library accepts (`token::times` of what the browser reads), in the
/// shapes a source could hand out.
#[derive(Debug, Arbitrary)]
pub enum TokenShape {
    None,
    /// A real-shaped context JWT (long header, claims and signature).
    Real {
        iat: u32,
        ttl: u16,
    },
    /// An accepted JWT with short segments: header `{}` is `e30`, or an empty signature.
    Short {
        header_object: bool,
        signature: String,
    },
}

impl TokenShape {
    fn build(&self) -> Option<String> {
        match self {
            TokenShape::None => None,
            TokenShape::Real { iat, ttl } => Some(token(i64::from(*iat).max(1), i64::from(*ttl) + 1, 0)),
            TokenShape::Short { header_object, signature } => {
                let header = if *header_object { "e30".to_string() } else { base64url(HEADER_JSON.as_bytes()) };
                let signature: String =
                    signature.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_').collect();
                Some(format!("{header}.{}.{signature}", base64url(br#"{"exp":1764000900}"#)))
            }
        }
    }
}

/// Runs the checks; `Err` names the broken property.
pub fn check(input: &SourceInput) -> Result<(), String> {
    let code = match &input.kind {
        Kind::Known(i) => u32::from(*i) % 7,
        Kind::Code(code) => *code,
    };
    let token = input.token.build();
    let mut detail = String::new();
    if !input.token_first {
        detail.push_str(&input.before);
    }
    if let Some(token) = &token {
        detail.push_str(token);
    }
    detail.push_str(&input.after);
    let kind = failure_kind(code);
    let error = failure(kind, &detail);
    if error.message.len() > 600 {
        return Err(format!("message of {} bytes", error.message.len()));
    }
    let fatal = matches!(kind, Failure::Missing | Failure::HostThrew);
    if error.fatal != fatal {
        return Err(format!("{kind:?} fatal = {}", error.fatal));
    }
    let expected_code = match kind {
        Failure::Missing => Code::HostUnavailable,
        Failure::NotAString => Code::MalformedToken,
        _ => Code::HostError,
    };
    if error.code != expected_code {
        return Err(format!("{kind:?} gave code {:?}", error.code));
    }
    if let Some(token) = &token {
        // Only a token that the library would accept counts as a leak.
        if times(read(token)).is_ok() && leaks(&error.message, token) {
            return Err(format!("the message carries an accepted token: {}", error.message));
        }
    }
    Ok(())
}
