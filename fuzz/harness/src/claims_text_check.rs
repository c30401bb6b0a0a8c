//! Checks for `core::token::claims_text`, which decodes a JWT's claims segment (base64url without
//! padding, then strict UTF-8) for the binding's `JSON.parse`: never panics, deterministic, and
//! exactly the answer of an independent reference: the `base64` crate's URL-safe engine without
//! padding that ignores nonzero trailing bits as `atob` does ([`reference`]), then
//! `String::from_utf8`. `Ok` iff the reference decodes it to UTF-8, with the same text; `Base64`
//! iff the reference refuses the segment; `Utf8` iff it decodes but is not UTF-8. Besides:
//! - the keeper target's model of the binding's reading (`tokens::atob_url` + `from_utf8`)
//!   agrees, so that the keeper is fuzzed with tokens read the way the shipped binding reads them;
//! - the base64url of a text (with or without trailing bits set) gives back that text;
//! - an `Ok` re-encodes to the segment, up to the unused bits of its last symbol.

use crate::tokens::{atob_url, base64url};
use arbitrary::Arbitrary;
use base64::alphabet::URL_SAFE;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine;
use connect_token::core::token::{claims_text, Read};

/// The reference decoder: base64url, no padding accepted (JWS forbids it, and js/claims.js's
/// `^[\w-]*$` test refused it before `atob`), nonzero trailing bits ignored (`atob("wx")` is
/// `"\xC3"`, as `atob("ww")`: checked with Node 20).
const REFERENCE: GeneralPurpose = GeneralPurpose::new(
    &URL_SAFE,
    GeneralPurposeConfig::new()
        .with_encode_padding(false)
        .with_decode_padding_mode(DecodePaddingMode::RequireNone)
        .with_decode_allow_trailing_bits(true),
);

/// What `claims_text` must give for `segment`, by the reference decoder.
pub fn reference(segment: &str) -> Result<String, Read> {
    let bytes = REFERENCE.decode(segment).map_err(|_| Read::Base64)?;
    String::from_utf8(bytes).map_err(|_| Read::Utf8)
}

/// The symbols segments are built from: the 64 of base64url first, then near misses (padding,
/// standard base64's `+` and `/`, whitespace `atob` would skip, a dot, control and non-ASCII
/// characters).
pub const SYMBOLS: [char; 76] = [
    'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J', 'K', 'L', 'M', 'N', 'O', 'P', 'Q', 'R', 'S', 'T', 'U', 'V', 'W',
    'X', 'Y', 'Z', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o', 'p', 'q', 'r', 's', 't',
    'u', 'v', 'w', 'x', 'y', 'z', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '-', '_', '=', '+', '/', ' ', '\n',
    '\t', '.', '\0', '*', 'é', '\u{FF21}', '\u{7F}',
];

/// One fuzz input: a claims segment, built so that most are base64url or nearly so.
#[derive(Debug, Clone, Arbitrary)]
pub enum Input {
    /// Any text (mostly not base64url).
    Raw(String),
    /// A string of [`SYMBOLS`] (each byte picks one; 64 of 76 are base64url).
    Symbols(Vec<u8>),
    /// The base64url of these bytes (mostly not UTF-8), then edited.
    Bytes { bytes: Vec<u8>, edit: Edit },
    /// The base64url of this text (always UTF-8), then edited.
    Text { text: String, edit: Edit },
}

/// A change to an encoded segment.
#[derive(Debug, Clone, Copy, Arbitrary)]
pub enum Edit {
    None,
    /// Sets the unused low bits of the last symbol (2 or 4 of them; none if the length is 4n).
    TrailingBits(u8),
    /// Replaces the symbol at `at` (modulo the length) with `SYMBOLS[with]` (modulo their number).
    Replace {
        at: u16,
        with: u8,
    },
    /// Inserts `SYMBOLS[with]` before `at` (modulo the length + 1).
    Insert {
        at: u16,
        with: u8,
    },
    /// Removes the symbol at `at`.
    Remove {
        at: u16,
    },
    /// Pads with `=` to a multiple of 4, as standard base64 would.
    Pad,
}

fn symbol(with: u8) -> char {
    SYMBOLS[usize::from(with) % SYMBOLS.len()]
}

/// The base64url value of a symbol, if it is one.
fn value(c: char) -> Option<u8> {
    SYMBOLS[..64].iter().position(|s| *s == c).map(|i| i as u8)
}

impl Edit {
    fn apply(self, segment: String) -> String {
        let mut chars: Vec<char> = segment.chars().collect();
        match self {
            Edit::None => {}
            Edit::TrailingBits(bits) => {
                let unused = match chars.len() % 4 {
                    2 => 0b1111,
                    3 => 0b11,
                    _ => 0,
                };
                if let Some(last) = chars.last_mut() {
                    if let Some(v) = value(*last) {
                        *last = SYMBOLS[usize::from(v | (bits & unused))];
                    }
                }
            }
            Edit::Replace { at, with } => {
                if !chars.is_empty() {
                    let at = usize::from(at) % chars.len();
                    chars[at] = symbol(with);
                }
            }
            Edit::Insert { at, with } => {
                let at = usize::from(at) % (chars.len() + 1);
                chars.insert(at, symbol(with));
            }
            Edit::Remove { at } => {
                if !chars.is_empty() {
                    let at = usize::from(at) % chars.len();
                    chars.remove(at);
                }
            }
            Edit::Pad => {
                while chars.len() % 4 != 0 {
                    chars.push('=');
                }
            }
        }
        chars.into_iter().collect()
    }

    /// Whether the segment still decodes to the same bytes after this edit.
    fn keeps_bytes(self) -> bool {
        matches!(self, Edit::None | Edit::TrailingBits(_))
    }
}

impl Input {
    /// The claims segment this input stands for.
    pub fn segment(&self) -> String {
        match self {
            Input::Raw(text) => text.clone(),
            Input::Symbols(picks) => picks.iter().map(|&b| symbol(b)).collect(),
            Input::Bytes { bytes, edit } => edit.apply(base64url(bytes)),
            Input::Text { text, edit } => edit.apply(base64url(text.as_bytes())),
        }
    }

    /// What `claims_text` must give, known without any decoder: the text itself, for the
    /// base64url of a text with nothing but trailing bits changed.
    fn known(&self) -> Option<Result<String, Read>> {
        match self {
            Input::Text { text, edit } if edit.keeps_bytes() => Some(Ok(text.clone())),
            _ => None,
        }
    }
}

/// Runs every check on one input; `Err` names the broken property.
pub fn check(input: &Input) -> Result<(), String> {
    let segment = input.segment();
    check_segment(&segment)?;
    if let Some(want) = input.known() {
        let got = claims_text(&segment);
        if got != want {
            return Err(format!("{segment:?} is the base64url of {want:?}, but claims_text gave {got:?}"));
        }
    }
    Ok(())
}

/// Runs the checks that need only the segment.
pub fn check_segment(segment: &str) -> Result<(), String> {
    let got = claims_text(segment);
    if got != claims_text(segment) {
        return Err(format!("claims_text({segment:?}) is not deterministic"));
    }
    if let Err(read) = got {
        if !matches!(read, Read::Base64 | Read::Utf8) {
            return Err(format!("claims_text({segment:?}) gave {read:?}, neither Base64 nor Utf8"));
        }
    }
    let want = reference(segment);
    if got != want {
        return Err(format!("claims_text({segment:?}) gave {got:?}, the reference {want:?}"));
    }
    let model =
        atob_url(segment).ok_or(Read::Base64).and_then(|bytes| String::from_utf8(bytes).map_err(|_| Read::Utf8));
    if model != want {
        return Err(format!("the keeper model reads {segment:?} as {model:?}, the reference {want:?}"));
    }
    if let Ok(text) = &got {
        // Re-encoded, the text gives the segment back but for the last symbol's unused bits.
        let again = base64url(text.as_bytes());
        let (a, b) = (again.as_bytes(), segment.as_bytes());
        let last = |s: &[u8]| s.last().and_then(|c| value(char::from(*c)));
        let unused = match b.len() % 4 {
            2 => 0b1111,
            3 => 0b11,
            _ => 0,
        };
        let same_prefix = a.len() == b.len() && a[..a.len().saturating_sub(1)] == b[..b.len().saturating_sub(1)];
        if !same_prefix || last(a).map(|v| v & !unused) != last(b).map(|v| v & !unused) {
            return Err(format!("claims_text({segment:?}) gave {text:?}, which encodes to {again:?}"));
        }
    }
    Ok(())
}
