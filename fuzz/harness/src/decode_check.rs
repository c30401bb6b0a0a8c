//! Checks for `core::token::decode`: it never panics, an `Ok` has a plausible `exp`, the claims
//! it returns are exactly the second segment, and an error message never carries the token.

use crate::tokens::base64url;
use arbitrary::Arbitrary;
use connect_token::core::token::{decode, DecodeError};

/// The latest `exp` the decoder accepts, in seconds (year 5138).
const MAX_EXP_SECONDS: f64 = 1e11;

/// Runs every check on one token. `Err` names the broken property.
pub fn check_token(token: &str) -> Result<(), String> {
    let result = decode(token);
    let segments: Vec<&str> = token.split('.').collect();
    match &result {
        Ok(decoded) => {
            // Known issue 1: an `exp` in (0, 0.001) s decodes to 0 ms (checked with FUZZ_STRICT).
            let tiny = |ms: i64| ms == 0 && !crate::strict();
            if decoded.expires_at <= 0 && !tiny(decoded.expires_at) {
                return Err(format!("Ok with expires_at {} <= 0", decoded.expires_at));
            }
            if decoded.expires_at as f64 >= MAX_EXP_SECONDS * 1000.0 {
                return Err(format!("Ok with expires_at {} past the limit", decoded.expires_at));
            }
            if let Some(iat) = decoded.issued_at {
                if (iat <= 0 && !tiny(iat)) || iat > decoded.expires_at {
                    return Err(format!("issued_at {iat} not in (0, exp {}]", decoded.expires_at));
                }
            }
            if segments.len() != 3 {
                return Err(format!("Ok for a token of {} segments", segments.len()));
            }
            let claims = reference_base64url(segments[1]).ok_or("Ok though the claims are not base64url")?;
            if claims != decoded.claims_json.as_bytes() {
                return Err("claims_json is not the decoded second segment".into());
            }
            // What the browser's JSON.parse will get must be a JSON object (serde_json refuses
            // lone surrogates and out-of-range numbers, which JSON.parse accepts: skip those).
            if !has_lone_surrogate_escape(&decoded.claims_json) {
                match serde_json::from_str::<serde_json::Value>(&decoded.claims_json) {
                    Ok(value) if value.is_object() => {}
                    Ok(_) => return Err("Ok though the claims are not a JSON object".into()),
                    Err(error) if error.to_string().contains("out of range") => {}
                    Err(error) if error.to_string().contains("recursion limit") => {}
                    Err(error) => return Err(format!("Ok though serde_json refuses the claims: {error}")),
                }
            }
        }
        Err(error) => {
            let message = error.message();
            if message.is_empty() || message != error.message() {
                return Err("an error message is empty or not deterministic".into());
            }
            if let DecodeError::SegmentCount(count) = error {
                if *count != segments.len() || *count == 3 {
                    return Err(format!("SegmentCount({count}) for {} segments", segments.len()));
                }
            } else if segments.len() != 3 {
                return Err(format!("{error:?} for a token of {} segments", segments.len()));
            }
            if leaks(&message, token) {
                return Err(format!("the message carries the token: {message}"));
            }
        }
    }
    Ok(())
}

/// Whether `message` carries `token`: only a token-like string (base64url, dots, `=`) of 20 or
/// more characters counts, since a short one can be part of the fixed text by chance.
pub fn leaks(message: &str, token: &str) -> bool {
    let token_like = token.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.=".contains(&b));
    token.len() >= 20 && token_like && message.contains(token)
}

/// An independent base64url decoder (padding allowed, leftover bits ignored as the decoder does).
pub fn reference_base64url(text: &str) -> Option<Vec<u8>> {
    let text = text.trim_end_matches('=');
    let mut values = Vec::with_capacity(text.len());
    for c in text.chars() {
        let v = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".find(c)?;
        values.push(v as u32);
    }
    if values.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::new();
    for chunk in values.chunks(4) {
        let n = chunk.iter().enumerate().fold(0u32, |n, (i, v)| n | v << (18 - 6 * i));
        let bytes = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        out.extend_from_slice(&bytes[..chunk.len() - 1]);
    }
    Some(out)
}

fn has_lone_surrogate_escape(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    ["\\ud8", "\\ud9", "\\uda", "\\udb", "\\udc", "\\udd", "\\ude", "\\udf"].iter().any(|p| lower.contains(p))
}

/// A structured token: three segments built from arbitrary parts, mostly base64url of JSON.
#[derive(Debug, Arbitrary)]
pub struct Parts {
    pub header: Segment,
    pub claims: Segment,
    pub signature: Segment,
    /// Extra segments after the signature (a wrong count).
    pub extra: Vec<Segment>,
    /// Drops the signature segment.
    pub two_segments: bool,
}

#[derive(Debug, Arbitrary)]
pub enum Segment {
    /// Written as is (may be anything).
    Raw(String),
    /// base64url of arbitrary bytes.
    Bytes(Vec<u8>),
    /// base64url of a claims object.
    Claims(Claims, Encoding),
    /// base64url of a JSON value.
    Json(Json, Encoding),
}

/// How a segment's base64url is written.
#[derive(Debug, Arbitrary)]
pub struct Encoding {
    pub padded: bool,
    /// Replace the character at this index (mod length) with this byte.
    pub corrupt: Option<(u16, u8)>,
    /// Cut this many characters off the end.
    pub truncate: u8,
}

/// A claims object with an `exp` (and maybe `iat`) and other members.
#[derive(Debug, Arbitrary)]
pub struct Claims {
    pub exp: Option<Number>,
    pub iat: Option<Number>,
    pub others: Vec<(String, Json)>,
    /// Put `exp` first rather than last.
    pub exp_first: bool,
    pub whitespace: bool,
}

/// A number written in one of JSON's forms (or a non-number where a number is expected).
#[derive(Debug, Clone, Arbitrary)]
pub enum Number {
    Int(i64),
    Seconds(u32),
    Float(f64),
    Exponent { mantissa: u32, exponent: i16 },
    Text(String),
    Null,
    Bool(bool),
    Nested(Box<Json>),
}

#[derive(Debug, Clone, Arbitrary)]
pub enum Json {
    Null,
    Bool(bool),
    Number(Number),
    Str(String),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
    /// Arbitrary text where a value goes: usually invalid JSON.
    Garbage(String),
}

impl Number {
    /// The JSON text and, if it is a number, its value.
    fn write(&self, out: &mut String, depth: u32) -> Option<f64> {
        match self {
            Number::Int(n) => {
                out.push_str(&n.to_string());
                Some(*n as f64)
            }
            Number::Seconds(s) => {
                out.push_str(&s.to_string());
                Some(f64::from(*s))
            }
            Number::Float(f) if f.is_finite() => {
                let text = format!("{f:?}");
                out.push_str(&text);
                Some(*f)
            }
            Number::Float(_) => {
                out.push_str("1.5");
                Some(1.5)
            }
            Number::Exponent { mantissa, exponent } => {
                out.push_str(&format!("{mantissa}e{exponent}"));
                format!("{mantissa}e{exponent}").parse::<f64>().ok()
            }
            Number::Text(t) => {
                write_string(out, t);
                None
            }
            Number::Null => {
                out.push_str("null");
                None
            }
            Number::Bool(b) => {
                out.push_str(if *b { "true" } else { "false" });
                None
            }
            Number::Nested(json) => {
                // In an array, so that it is never a number itself.
                out.push('[');
                json.write(out, depth + 1);
                out.push(']');
                None
            }
        }
    }
}

impl Json {
    fn write(&self, out: &mut String, depth: u32) {
        if depth > 80 {
            out.push_str("null");
            return;
        }
        match self {
            Json::Null => out.push_str("null"),
            Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Json::Number(n) => {
                n.write(out, depth);
            }
            Json::Str(s) => write_string(out, s),
            Json::Array(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    item.write(out, depth + 1);
                }
                out.push(']');
            }
            Json::Object(members) => {
                out.push('{');
                for (i, (key, value)) in members.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write_string(out, key);
                    out.push(':');
                    value.write(out, depth + 1);
                }
                out.push('}');
            }
            Json::Garbage(text) => out.push_str(text),
        }
    }
}

fn write_string(out: &mut String, text: &str) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// What the claims say `exp` and `iat` should decode to, when the claims are valid JSON.
#[derive(Debug)]
struct Expected {
    exp: Option<f64>,
    exp_present: bool,
    iat: Option<f64>,
    valid_json: bool,
}

impl Claims {
    fn write(&self) -> (String, Expected) {
        let colon = if self.whitespace { ": " } else { ":" };
        let mut valid_json = true;
        let mut members: Vec<String> = Vec::new();
        let mut exp_value = None;
        let mut exp_member = None;
        if let Some(exp) = &self.exp {
            let mut text = format!("\"exp\"{colon}");
            exp_value = exp.write(&mut text, 1);
            valid_json &= number_is_valid_json(exp);
            exp_member = Some(text);
        }
        if self.exp_first {
            members.extend(exp_member.take());
        }
        for (key, value) in &self.others {
            if key == "exp" || key == "iat" {
                continue;
            }
            valid_json &= json_is_valid(value, 1);
            let mut text = String::new();
            write_string(&mut text, key);
            text.push_str(colon);
            value.write(&mut text, 1);
            members.push(text);
        }
        let mut iat_value = None;
        if let Some(iat) = &self.iat {
            let mut text = format!("\"iat\"{colon}");
            iat_value = iat.write(&mut text, 1);
            valid_json &= number_is_valid_json(iat);
            members.push(text);
        }
        members.extend(exp_member);
        let sep = if self.whitespace { ", " } else { "," };
        let out = format!("{{{}}}", members.join(sep));
        (out, Expected { exp: exp_value, exp_present: self.exp.is_some(), iat: iat_value, valid_json })
    }
}

fn number_is_valid_json(n: &Number) -> bool {
    match n {
        Number::Nested(json) => json_is_valid(json, 1),
        _ => true,
    }
}

fn json_is_valid(json: &Json, depth: u32) -> bool {
    if depth > 60 {
        return false; // might be past the reader's depth limit: make no claim
    }
    match json {
        Json::Garbage(_) => false,
        Json::Number(n) => number_is_valid_json(n),
        Json::Array(items) => items.iter().all(|j| json_is_valid(j, depth + 1)),
        Json::Object(members) => members.iter().all(|(_, j)| json_is_valid(j, depth + 1)),
        _ => true,
    }
}

impl Encoding {
    fn apply(&self, bytes: &[u8]) -> String {
        let mut text = base64url(bytes);
        if self.padded {
            text.push_str(&"=".repeat((4 - text.len() % 4) % 4));
        }
        let mut raw = text.into_bytes();
        if let Some((at, byte)) = self.corrupt {
            if !raw.is_empty() {
                let at = usize::from(at) % raw.len();
                raw[at] = byte;
            }
        }
        let keep = raw.len().saturating_sub(usize::from(self.truncate));
        raw.truncate(keep);
        String::from_utf8_lossy(&raw).into_owned()
    }

    fn is_clean(&self) -> bool {
        self.corrupt.is_none() && self.truncate == 0
    }
}

impl Segment {
    /// The segment's text and, for clean claims, what decoding must give.
    fn write(&self) -> (String, Option<Expected>) {
        match self {
            Segment::Raw(text) => (text.clone(), None),
            Segment::Bytes(bytes) => (base64url(bytes), None),
            Segment::Claims(claims, encoding) => {
                let (json, expected) = claims.write();
                let clean = encoding.is_clean();
                (encoding.apply(json.as_bytes()), clean.then_some(expected))
            }
            Segment::Json(json, encoding) => {
                let mut text = String::new();
                json.write(&mut text, 0);
                (encoding.apply(text.as_bytes()), None)
            }
        }
    }
}

/// Builds the token from `parts` and runs [`check_token`], plus an oracle for clean claims: a
/// valid claims object with a numeric `exp` in range must decode to that `exp`.
pub fn check_parts(parts: &Parts) -> Result<(), String> {
    let (header, header_expected) = parts.header.write();
    let header_ok = matches!(parts.header, Segment::Claims(..) | Segment::Json(Json::Object(_), _))
        && header_expected.as_ref().is_none_or(|e| e.valid_json);
    let (claims, expected) = parts.claims.write();
    let (signature, _) = parts.signature.write();
    let mut token = format!("{header}.{claims}");
    if !parts.two_segments {
        token.push('.');
        token.push_str(&signature);
    }
    for extra in &parts.extra {
        token.push('.');
        token.push_str(&extra.write().0);
    }
    check_token(&token)?;
    let plain_header = matches!(&parts.header, Segment::Claims(c, e) if e.is_clean() && c.write().1.valid_json);
    let clean_shape =
        !parts.two_segments && parts.extra.is_empty() && !signature.contains('.') && !header.contains('.');
    if let (Some(expected), true, true, true) = (expected, plain_header, clean_shape, header_ok) {
        if !expected.valid_json || has_lone_surrogate_escape(&claims) {
            return Ok(());
        }
        let result = decode(&token);
        match (expected.exp, expected.exp_present) {
            (_, false) => {
                if result != Err(DecodeError::ExpMissing) {
                    return Err(format!("no exp, but decode gave {result:?}"));
                }
            }
            (Some(seconds), true) if seconds > 1.0 && seconds < MAX_EXP_SECONDS * 0.99 => {
                let decoded = result.map_err(|e| format!("exp {seconds} in range, but decode failed: {e:?}"))?;
                let want = seconds * 1000.0;
                if (decoded.expires_at as f64 - want).abs() > 1.0 + want * 1e-12 {
                    return Err(format!("exp {seconds} s decoded as {} ms", decoded.expires_at));
                }
                match expected.iat {
                    Some(iat) if iat > 1.0 && iat * 1000.0 < decoded.expires_at as f64 - 1.0 => {
                        let got = decoded.issued_at.ok_or(format!("iat {iat} dropped"))?;
                        if (got as f64 - iat * 1000.0).abs() > 1.0 + iat * 1e-9 {
                            return Err(format!("iat {iat} s decoded as {got} ms"));
                        }
                    }
                    None if decoded.issued_at.is_some() => return Err("iat appeared from nowhere".into()),
                    _ => {}
                }
            }
            (None, true) => {
                if result != Err(DecodeError::ExpInvalid) {
                    return Err(format!("exp not a number, but decode gave {result:?}"));
                }
            }
            (Some(seconds), true) if seconds <= 0.0 || seconds >= MAX_EXP_SECONDS => {
                if result != Err(DecodeError::ExpInvalid) {
                    return Err(format!("exp {seconds} out of range, but decode gave {result:?}"));
                }
            }
            _ => {}
        }
    }
    Ok(())
}
