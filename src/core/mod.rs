//! The pure core: every decision the library makes, as plain Rust that takes the time as an
//! argument. Nothing here touches the browser; the web layer (`crate::web`) only carries out what
//! these functions decide. Read this module as the specification of the library's behaviour.

use alloc::string::String;
pub mod clock;
pub mod error;
pub mod keeper;
pub mod options;
pub mod origin;
pub mod replay;
pub mod session;
pub mod source;
pub mod token;

/// Milliseconds since the Unix epoch (or a duration in milliseconds).
pub type Millis = i64;

/// One reading of the page's two clocks, taken at the same moment. Every keeper method takes one.
///
/// `wall` relates the page to the issuer's clock (before the first token, and to show `exp` in the
/// page's time); `mono` measures every duration and is what every scheduled time (a `Step`'s
/// `wake_at`) is expressed in. When the two disagree about how much time passed between two
/// readings, the wall clock stepped or the machine slept with the monotonic clock standing still.
///
/// ```
/// use connect_token::core::Now;
/// // In the browser: Now { wall: Date.now(), mono: performance.now() } (or with timeOrigin added).
/// let now = Now { wall: 1_764_000_000_000, mono: 1_234 };
/// assert_eq!(now.mono, 1_234);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Now {
    /// The wall clock, `Date.now()`: milliseconds since the epoch; may step either way.
    pub wall: Millis,
    /// A monotonic clock, `performance.now()`: never goes back; may stand still during a sleep.
    pub mono: Millis,
}

/// Appends `value` in decimal. (`to_string` would pull in the formatting machinery: 2 KB of wasm.)
pub(crate) fn push_decimal(text: &mut String, value: usize) {
    if value >= 10 {
        push_decimal(text, value / 10);
    }
    text.push(char::from(b'0' + (value % 10) as u8));
}
