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
pub mod source;
pub mod token;

/// Milliseconds since the Unix epoch (or a duration in milliseconds).
pub type Millis = i64;

/// Appends `value` in decimal. (`to_string` would pull in the formatting machinery: 2 KB of wasm.)
pub(crate) fn push_decimal(text: &mut String, value: usize) {
    if value >= 10 {
        push_decimal(text, value / 10);
    }
    text.push(char::from(b'0' + (value % 10) as u8));
}
