//! When a request that got a 401 is sent again with a new token.

/// What the request's body is, as far as replaying goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Body {
    /// No body.
    Empty,
    /// A body `fetch` can send twice: string, Blob, BufferSource, URLSearchParams, FormData.
    Buffered,
    /// A `ReadableStream` in the init: the first send consumed it.
    Stream,
    /// The body of a `Request` object passed as `input` (what axios and ky send; any method but
    /// GET and HEAD may have one): read once into memory, it goes out as the init's body and can
    /// go out again.
    InRequest,
}

/// Whether a request with `body` is replayed once with a new token if it gets a 401.
///
/// ```
/// use connect_token::core::replay::{replayable, Body};
/// assert!(replayable(Body::Buffered, true));
/// assert!(replayable(Body::InRequest, true));
/// assert!(!replayable(Body::Stream, true));
/// assert!(!replayable(Body::Empty, false));
/// ```
pub fn replayable(body: Body, retry_unauthorized: bool) -> bool {
    retry_unauthorized && body != Body::Stream
}

/// Whether a response with `status`, to a request that carried the keeper's token, is replayed
/// (`replayable`: see [`replayable`]). The caller then compares tokens: the same token back
/// means no replay.
///
/// ```
/// use connect_token::core::replay::should_replay;
/// assert!(should_replay(401, true));
/// assert!(!should_replay(403, true));
/// assert!(!should_replay(401, false));
/// ```
pub fn should_replay(status: u16, replayable: bool) -> bool {
    status == 401 && replayable
}
