//! When a request that got a 401 is sent again with a new token.

/// What the request's body is, as far as replaying goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Body {
    /// No body.
    Empty,
    /// A body `fetch` can send twice: string, Blob, BufferSource, URLSearchParams, FormData.
    Buffered,
    /// A `ReadableStream`: the first send consumed it.
    Stream,
    /// The body of a `Request` object passed as `input`: the first send consumed it.
    InRequest,
}

/// Whether a response with `status`, to a request that carried the keeper's token, is replayed
/// once with a new token (the caller then compares tokens: the same token back means no replay).
///
/// ```
/// use connect_token::core::replay::{should_replay, Body};
/// assert!(should_replay(401, Body::Buffered, true));
/// assert!(!should_replay(401, Body::Stream, true));
/// assert!(!should_replay(403, Body::Empty, true));
/// assert!(!should_replay(401, Body::Empty, false));
/// ```
pub fn should_replay(status: u16, body: Body, retry_unauthorized: bool) -> bool {
    status == 401 && retry_unauthorized && matches!(body, Body::Empty | Body::Buffered)
}
