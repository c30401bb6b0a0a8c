//! Checks for `core::token::times`, which judges what the browser read from a token's claims
//! (`web::claims::read`): never panics; an `Ok` has `0 < expires_at < 1e14` and an
//! `issued_at` in `(0, expires_at]`; an `Err` is one of the `token::malformed` messages (each says
//! "malformed token"), the one for the shape; no `exp` is `EXP_MISSING`; and an oracle for the
//! numbers: `exp` in seconds becomes milliseconds (truncated) when it is a time after 1970-01-01
//! 00:00:00.001 and before 1e11 s, and `EXP_INVALID` otherwise; `iat` likewise, kept only when
//! not after `exp`.

use arbitrary::Arbitrary;
use connect_token::core::token::{malformed, times, Read};

/// The latest `exp` accepted, in seconds (year 5138), as documented in src/core/token.rs.
const MAX_EXP_SECONDS: f64 = 1e11;

/// Every message `times` may give.
pub const MESSAGES: [&str; 7] = [
    malformed::SEGMENTS,
    malformed::BASE64,
    malformed::UTF8,
    malformed::JSON,
    malformed::NOT_AN_OBJECT,
    malformed::EXP_MISSING,
    malformed::EXP_INVALID,
];

/// One fuzz input: what the browser read, given as a `Read` shape or as a shape number.
///
/// `Numbered` is what the wasm interface took before the binding moved into Rust
/// (`Read::from_shape`, deleted with it); the mapping is now the harness's own ([`shape_read`]).
/// It stays as a second, differently weighted route to every shape (most `u32`s are
/// `NotAnObject`), and so that the seeds in corpus/claims decode as they did.
#[derive(Debug, Clone, Arbitrary)]
pub enum Input {
    Read { shape: Shape, exp: Option<Value>, iat: Option<Value> },
    Numbered { shape: u32, exp: Option<Value>, iat: Option<Value> },
}

#[derive(Debug, Clone, Copy, Arbitrary)]
pub enum Shape {
    Claims,
    Segments,
    Base64,
    Utf8,
    Json,
    NotAnObject,
}

/// A claim's value, biased towards the edges: real times, NaN (a claim that is not a number),
/// infinities, zeros, subnormals, the limits and their neighbours.
#[derive(Debug, Clone, Copy, Arbitrary)]
pub enum Value {
    /// Any bit pattern (every NaN, subnormal and infinity included).
    Bits(u64),
    /// Whole seconds, as real tokens have.
    Seconds(u32),
    Int(i64),
    /// A real-looking time plus a fraction: 1.7e9 s + `offset` ms.
    NearNow(i32),
    /// An edge value, moved by `ulps` units in the last place.
    Edge {
        index: u8,
        ulps: i8,
    },
}

const EDGES: [f64; 20] = [
    f64::NAN,
    f64::INFINITY,
    f64::NEG_INFINITY,
    0.0,
    -0.0,
    f64::MIN_POSITIVE,
    5e-324,
    1.2398904876810066e-295,
    0.0004,
    0.001,
    0.0015,
    1.0,
    1_764_000_900.0,
    9_007_199_254_740_993.0,
    MAX_EXP_SECONDS,
    1e14,
    f64::MAX,
    -1.0,
    f64::MIN,
    -f64::NAN,
];

impl Value {
    pub fn get(self) -> f64 {
        match self {
            Value::Bits(bits) => f64::from_bits(bits),
            Value::Seconds(s) => f64::from(s),
            Value::Int(n) => n as f64,
            Value::NearNow(ms) => 1_764_000_000.0 + f64::from(ms) / 1000.0,
            Value::Edge { index, ulps } => {
                let edge = EDGES[usize::from(index) % EDGES.len()];
                if edge.is_nan() {
                    return edge;
                }
                let bits = edge.to_bits() as i64;
                // Moves along the number line through zero (the sign-magnitude bits are not).
                let ordered = if bits < 0 { i64::MIN - bits } else { bits };
                let moved = ordered.saturating_add(i64::from(ulps));
                let bits = if moved < 0 { i64::MIN - moved } else { moved };
                f64::from_bits(bits as u64)
            }
        }
    }
}

impl Input {
    /// The `Read` this input stands for, and the message `times` must give for its shape (if not
    /// `Claims`).
    pub fn read(&self) -> Result<Read, String> {
        match *self {
            Input::Read { shape, exp, iat } => {
                let (exp, iat) = (exp.map(Value::get), iat.map(Value::get));
                Ok(match shape {
                    Shape::Claims => Read::Claims { exp, iat },
                    Shape::Segments => Read::Segments,
                    Shape::Base64 => Read::Base64,
                    Shape::Utf8 => Read::Utf8,
                    Shape::Json => Read::Json,
                    Shape::NotAnObject => Read::NotAnObject,
                })
            }
            Input::Numbered { shape, exp, iat } => Ok(shape_read(shape, exp.map(Value::get), iat.map(Value::get))),
        }
    }
}

/// The `Read` for a shape number, as the deleted `Read::from_shape` (and js/claims.js before it)
/// numbered them: 0 `Claims`, 1 `Segments`, 2 `Base64`, 3 `Utf8`, 4 `Json`, anything else
/// `NotAnObject`.
pub fn shape_read(shape: u32, exp: Option<f64>, iat: Option<f64>) -> Read {
    match shape {
        0 => Read::Claims { exp, iat },
        1 => Read::Segments,
        2 => Read::Base64,
        3 => Read::Utf8,
        4 => Read::Json,
        _ => Read::NotAnObject,
    }
}

/// Runs every check on one input; `Err` names the broken property.
pub fn check(input: &Input) -> Result<(), String> {
    check_read(input.read()?)
}

/// Runs every check on one `Read`.
pub fn check_read(read: Read) -> Result<(), String> {
    let result = times(read);
    if result != times(read) {
        return Err("times is not deterministic".into());
    }
    let shape_message = match read {
        Read::Claims { .. } => None,
        Read::Segments => Some(malformed::SEGMENTS),
        Read::Base64 => Some(malformed::BASE64),
        Read::Utf8 => Some(malformed::UTF8),
        Read::Json => Some(malformed::JSON),
        Read::NotAnObject => Some(malformed::NOT_AN_OBJECT),
    };
    match result {
        Ok(t) => {
            if !(0 < t.expires_at && (t.expires_at as f64) < MAX_EXP_SECONDS * 1000.0) {
                return Err(format!("Ok with expires_at {} outside (0, 1e14)", t.expires_at));
            }
            if let Some(iat) = t.issued_at {
                if iat <= 0 || iat > t.expires_at {
                    return Err(format!("issued_at {iat} not in (0, expires_at {}]", t.expires_at));
                }
            }
        }
        Err(message) => {
            if !MESSAGES.contains(&message) {
                return Err(format!("an unknown message: {message}"));
            }
            if !message.contains("malformed token") {
                return Err(format!("a message that does not say \"malformed token\": {message}"));
            }
        }
    }
    if let Some(want) = shape_message {
        return match result {
            Err(message) if message == want => Ok(()),
            other => Err(format!("{read:?} gave {other:?}, not its message")),
        };
    }
    let Read::Claims { exp, iat } = read else { unreachable!() };
    let Some(exp) = exp else {
        return match result {
            Err(malformed::EXP_MISSING) => Ok(()),
            other => Err(format!("no exp, but {other:?}")),
        };
    };
    let Some(expires_at) = millis(exp) else {
        return match result {
            Err(malformed::EXP_INVALID) => Ok(()),
            other => Err(format!("exp {exp:e} is not a time, but {other:?}")),
        };
    };
    let t = result.map_err(|message| format!("exp {exp:e} is a time, but {message}"))?;
    if t.expires_at != expires_at {
        return Err(format!("exp {exp:e} s gave expires_at {} ms, not {expires_at}", t.expires_at));
    }
    let want_iat = iat.and_then(millis).filter(|iat| *iat <= expires_at);
    if t.issued_at != want_iat {
        return Err(format!("iat {iat:?} (exp {exp:e}) gave issued_at {:?}, not {want_iat:?}", t.issued_at));
    }
    Ok(())
}

/// The oracle: seconds since 1970 as whole milliseconds (rounded towards zero), if in
/// `[0.001 s, 1e11 s)`, computed without floating-point tricks on the limits.
fn millis(seconds: f64) -> Option<i64> {
    if !seconds.is_finite() || seconds >= MAX_EXP_SECONDS {
        return None;
    }
    let ms = (seconds * 1000.0).trunc();
    (ms >= 1.0).then_some(ms as i64)
}
