//! A strict, allocation-free JSON reader that checks a document is one JSON object and reads
//! selected top-level numbers from it.
//!
//! The library only needs `exp` and `iat` from a token's claims; the browser's own `JSON.parse`
//! builds the full claims object for JavaScript. Reading two numbers with `serde_json` would cost
//! about 16 KB of wasm, so this reader validates the grammar (RFC 8259) and skips everything else.

/// What a top-level member of the object holds, for the keys that were asked for.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Member {
    /// The key is not in the object.
    Missing,
    /// The key holds a number (the last one, if the key repeats, as `JSON.parse` does).
    Number(f64),
    /// The key holds something other than a number.
    NotANumber,
}

/// Why a text is not a JSON object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonError {
    /// The text is not valid JSON.
    Syntax,
    /// The text is valid JSON but its top-level value is not an object.
    NotAnObject,
    /// Objects or arrays are nested more deeply than [`MAX_DEPTH`].
    TooDeep,
}

/// How deeply arrays and objects may nest. Real claims nest three or four levels; the limit keeps
/// a hostile token from exhausting the wasm stack.
pub const MAX_DEPTH: usize = 64;

/// Checks that `text` is one JSON object and returns, for each of `keys`, what its top-level
/// member holds.
///
/// ```
/// use connect_token::core::json::{read_object, Member};
/// let [exp, sub] = read_object(r#"{"exp": 1700000900, "sub": "a"}"#, ["exp", "sub"]).unwrap();
/// assert_eq!(exp, Member::Number(1700000900.0));
/// assert_eq!(sub, Member::NotANumber);
/// ```
pub fn read_object<const N: usize>(text: &str, keys: [&str; N]) -> Result<[Member; N], JsonError> {
    let mut reader = Reader { bytes: text.as_bytes(), pos: 0 };
    let mut found = [Member::Missing; N];
    reader.skip_whitespace();
    if reader.peek() != Some(b'{') {
        // Distinguish "valid JSON, wrong type" from "not JSON at all".
        reader.value(0)?;
        reader.end()?;
        return Err(JsonError::NotAnObject);
    }
    reader.pos += 1;
    reader.skip_whitespace();
    if reader.peek() == Some(b'}') {
        reader.pos += 1;
        reader.end()?;
        return Ok(found);
    }
    loop {
        reader.skip_whitespace();
        let key = reader.string()?;
        reader.skip_whitespace();
        reader.expect(b':')?;
        reader.skip_whitespace();
        let slot = keys.iter().position(|k| k.as_bytes() == key);
        match (slot, reader.peek()) {
            (Some(i), Some(b'-' | b'0'..=b'9')) => found[i] = Member::Number(reader.number()?),
            (Some(i), _) => {
                reader.value(1)?;
                found[i] = Member::NotANumber;
            }
            (None, _) => reader.value(1)?,
        }
        reader.skip_whitespace();
        match reader.next() {
            Some(b',') => continue,
            Some(b'}') => break,
            _ => return Err(JsonError::Syntax),
        }
    }
    reader.end()?;
    Ok(found)
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let byte = self.peek()?;
        self.pos += 1;
        Some(byte)
    }

    fn expect(&mut self, byte: u8) -> Result<(), JsonError> {
        if self.next() == Some(byte) {
            Ok(())
        } else {
            Err(JsonError::Syntax)
        }
    }

    fn skip_whitespace(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn end(&mut self) -> Result<(), JsonError> {
        self.skip_whitespace();
        if self.pos == self.bytes.len() {
            Ok(())
        } else {
            Err(JsonError::Syntax)
        }
    }

    fn value(&mut self, depth: usize) -> Result<(), JsonError> {
        if depth > MAX_DEPTH {
            return Err(JsonError::TooDeep);
        }
        self.skip_whitespace();
        match self.peek() {
            Some(b'{') => self.container(b'}', depth, true),
            Some(b'[') => self.container(b']', depth, false),
            Some(b'"') => self.string().map(|_| ()),
            Some(b'-' | b'0'..=b'9') => self.number().map(|_| ()),
            Some(b't') => self.literal(b"true"),
            Some(b'f') => self.literal(b"false"),
            Some(b'n') => self.literal(b"null"),
            _ => Err(JsonError::Syntax),
        }
    }

    fn container(&mut self, close: u8, depth: usize, keyed: bool) -> Result<(), JsonError> {
        self.pos += 1;
        self.skip_whitespace();
        if self.peek() == Some(close) {
            self.pos += 1;
            return Ok(());
        }
        loop {
            self.skip_whitespace();
            if keyed {
                self.string()?;
                self.skip_whitespace();
                self.expect(b':')?;
            }
            self.value(depth + 1)?;
            self.skip_whitespace();
            match self.next() {
                Some(b',') => continue,
                Some(byte) if byte == close => return Ok(()),
                _ => return Err(JsonError::Syntax),
            }
        }
    }

    fn literal(&mut self, word: &[u8]) -> Result<(), JsonError> {
        if self.bytes[self.pos..].starts_with(word) {
            self.pos += word.len();
            Ok(())
        } else {
            Err(JsonError::Syntax)
        }
    }

    /// Reads a string and returns its raw bytes between the quotes (escapes left as written).
    fn string(&mut self) -> Result<&'a [u8], JsonError> {
        self.expect(b'"')?;
        let start = self.pos;
        loop {
            match self.next() {
                Some(b'"') => return Ok(&self.bytes[start..self.pos - 1]),
                Some(b'\\') => match self.next() {
                    Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => {}
                    Some(b'u') => {
                        for _ in 0..4 {
                            if !self.next().is_some_and(|b| b.is_ascii_hexdigit()) {
                                return Err(JsonError::Syntax);
                            }
                        }
                    }
                    _ => return Err(JsonError::Syntax),
                },
                Some(0x00..=0x1f) | None => return Err(JsonError::Syntax),
                Some(_) => {}
            }
        }
    }

    /// Reads a number (`-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`) as an `f64`, exactly
    /// for integers up to 2^53 and to within rounding otherwise.
    fn number(&mut self) -> Result<f64, JsonError> {
        let negative = self.peek() == Some(b'-');
        if negative {
            self.pos += 1;
        }
        // Digits past the 300th scale the exponent instead, so that long mantissas stay finite.
        let mut extra_exponent: i32 = 0;
        let mut value = match self.next() {
            Some(b'0') => 0.0,
            Some(digit @ b'1'..=b'9') => {
                let mut value = f64::from(digit - b'0');
                while let Some(digit @ b'0'..=b'9') = self.peek() {
                    if value < 1e300 {
                        value = value * 10.0 + f64::from(digit - b'0');
                    } else {
                        extra_exponent = extra_exponent.saturating_add(1);
                    }
                    self.pos += 1;
                }
                value
            }
            _ => return Err(JsonError::Syntax),
        };
        if self.peek() == Some(b'.') {
            self.pos += 1;
            let mut scale = 0.1;
            let mut digits = 0;
            while let Some(digit @ b'0'..=b'9') = self.peek() {
                value += f64::from(digit - b'0') * scale;
                scale /= 10.0;
                digits += 1;
                self.pos += 1;
            }
            if digits == 0 {
                return Err(JsonError::Syntax);
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.pos += 1;
            let negative_exponent = match self.peek() {
                Some(b'-') => {
                    self.pos += 1;
                    true
                }
                Some(b'+') => {
                    self.pos += 1;
                    false
                }
                _ => false,
            };
            let mut exponent: i32 = 0;
            let mut digits = 0;
            while let Some(digit @ b'0'..=b'9') = self.peek() {
                exponent = exponent.saturating_mul(10).saturating_add(i32::from(digit - b'0'));
                digits += 1;
                self.pos += 1;
            }
            if digits == 0 {
                return Err(JsonError::Syntax);
            }
            let exponent = if negative_exponent { -exponent } else { exponent };
            extra_exponent = extra_exponent.saturating_add(exponent);
        }
        if value != 0.0 && extra_exponent != 0 {
            let mut factor = 1.0;
            for _ in 0..extra_exponent.unsigned_abs().min(700) {
                factor *= 10.0;
            }
            value = if extra_exponent < 0 { value / factor } else { value * factor };
        }
        Ok(if negative { -value } else { value })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exp_of(text: &str) -> Result<Member, JsonError> {
        read_object(text, ["exp"]).map(|[exp]| exp)
    }

    #[test]
    fn reads_numbers_in_every_form() {
        assert_eq!(exp_of(r#"{"exp":0}"#), Ok(Member::Number(0.0)));
        assert_eq!(exp_of(r#"{"exp":-12}"#), Ok(Member::Number(-12.0)));
        assert_eq!(exp_of(r#"{"exp":1.5}"#), Ok(Member::Number(1.5)));
        assert_eq!(exp_of(r#"{"exp":17e8}"#), Ok(Member::Number(1.7e9)));
        assert_eq!(exp_of(r#"{"exp":1E+2}"#), Ok(Member::Number(100.0)));
        assert_eq!(exp_of(r#"{"exp":25e-1}"#), Ok(Member::Number(2.5)));
        assert_eq!(exp_of(r#"{"exp":9007199254740993}"#).map(|m| m != Member::Missing), Ok(true));
        assert_eq!(exp_of(r#"{"exp":1e999}"#), Ok(Member::Number(f64::INFINITY)));
        assert_eq!(exp_of(r#"{"exp":0e999}"#), Ok(Member::Number(0.0)), "as JSON.parse reads it");
        let long = format!(r#"{{"exp":1{}e-391}}"#, "0".repeat(400));
        assert!(matches!(exp_of(&long), Ok(Member::Number(n)) if (n - 1e9).abs() < 1.0), "{:?}", exp_of(&long));
    }

    #[test]
    fn finds_top_level_members_only_and_the_last_duplicate() {
        let text = r#"{"a":{"exp":1},"b":[{"exp":2}],"exp":3,"exp":4}"#;
        assert_eq!(exp_of(text), Ok(Member::Number(4.0)));
        assert_eq!(exp_of(r#"{"nested":{"exp":1}}"#), Ok(Member::Missing));
        assert_eq!(exp_of(r#"{"exp":"1"}"#), Ok(Member::NotANumber));
        assert_eq!(exp_of(r#"{"exp":null}"#), Ok(Member::NotANumber));
        assert_eq!(exp_of(r#"{"exp":[1]}"#), Ok(Member::NotANumber));
        assert_eq!(exp_of(" {} "), Ok(Member::Missing));
    }

    #[test]
    fn accepts_escapes_and_utf8_in_strings() {
        let text = "{\"name\":\"J\u{fc}rgen \\\"\\u00e9\\\\ \u{1F600}\",\"exp\":5}";
        assert_eq!(exp_of(text), Ok(Member::Number(5.0)));
    }

    #[test]
    fn tells_wrong_type_from_bad_syntax() {
        for text in ["[]", "1", "\"x\"", "true", "null", " [1, {\"a\": 2}] "] {
            assert_eq!(exp_of(text), Err(JsonError::NotAnObject), "{text}");
        }
        for text in [
            "",
            "{",
            "}",
            "{\"a\"}",
            "{\"a\":}",
            "{\"a\":1,}",
            "{a:1}",
            "{\"a\":01}",
            "{\"a\":1.}",
            "{\"a\":.5}",
            "{\"a\":1e}",
            "{\"a\":-}",
            "{\"a\":tru}",
            "{\"a\":\"\\x\"}",
            "{\"a\":\"\\u12\"}",
            "{\"a\":\"\n\"}",
            "{\"a\":1} x",
            "{\"a\":[1,]}",
            "{\"a\":[1 2]}",
            "{\"a\":\"unterminated}",
            "{} {}",
        ] {
            assert_eq!(exp_of(text), Err(JsonError::Syntax), "{text:?}");
        }
    }

    #[test]
    fn refuses_deep_nesting_without_overflowing_the_stack() {
        let deep = format!("{{\"a\":{}1{}}}", "[".repeat(100_000), "]".repeat(100_000));
        assert_eq!(exp_of(&deep), Err(JsonError::TooDeep));
        let fine = format!("{{\"a\":{}1{}}}", "[".repeat(MAX_DEPTH - 1), "]".repeat(MAX_DEPTH - 1));
        assert_eq!(exp_of(&fine), Ok(Member::Missing));
    }
}
