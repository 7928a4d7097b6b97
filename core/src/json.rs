//! A small JSON reader and writer for the manifest, the one JSON the decoder reads.
//!
//! Why not serde_json here: its deserializer, instantiated for the manifest's types, was ~11 KB
//! of the viewer's gzipped download (issue 15); the manifest needs objects, arrays, strings,
//! unsigned integers, booleans and null, read into a value tree and then into its structs by
//! hand (`manifest.rs`). serde_json stays the crate's JSON *output* (reports, diffs) and the
//! oracle this reader is tested against (tests below, the `manifest` fuzz target).
//!
//! Numbers are kept as their text: the manifest's are integers, read exactly with `str::parse`,
//! and no float parsing is compiled in. Nesting is limited (as serde_json limits it, to 128) so a
//! hostile manifest cannot overflow the stack.

/// A parsed JSON value. Objects keep their members in order (the manifest's readers look up a
/// handful of keys; a duplicate key is refused when the struct is filled, as serde does).
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    /// The number's text, validated against JSON's grammar.
    Number(String),
    String(String),
    Array(Vec<Value>),
    Object(Vec<(String, Value)>),
}

const MAX_DEPTH: usize = 128;

/// Parses one JSON document (surrounding whitespace allowed).
pub fn parse(bytes: &[u8]) -> Result<Value, String> {
    let text = std::str::from_utf8(bytes).map_err(|e| format!("not UTF-8 at byte {}", e.valid_up_to()))?;
    let mut p = Parser { text, s: text.as_bytes(), pos: 0 };
    p.skip_ws();
    let v = p.value(0)?;
    p.skip_ws();
    if p.pos != p.s.len() {
        return Err(p.error("trailing characters"));
    }
    Ok(v)
}

struct Parser<'a> {
    /// The document; every position the parser slices at follows an ASCII byte (or is 0), so it
    /// is a char boundary.
    text: &'a str,
    s: &'a [u8],
    pos: usize,
}

impl Parser<'_> {
    fn error(&self, what: &str) -> String {
        // Line and column, as serde_json reports them (1-based).
        let before = &self.s[..self.pos.min(self.s.len())];
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        let column = before.iter().rev().take_while(|&&b| b != b'\n').count() + 1;
        format!("{what} at line {line} column {column}")
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    fn eat(&mut self, b: u8) -> bool {
        if self.peek() == Some(b) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    fn literal(&mut self, word: &str, v: Value) -> Result<Value, String> {
        if self.s[self.pos..].starts_with(word.as_bytes()) {
            self.pos += word.len();
            Ok(v)
        } else {
            Err(self.error("expected value"))
        }
    }

    fn value(&mut self, depth: usize) -> Result<Value, String> {
        match self.peek() {
            None => Err(self.error("EOF while parsing a value")),
            Some(b'n') => self.literal("null", Value::Null),
            Some(b't') => self.literal("true", Value::Bool(true)),
            Some(b'f') => self.literal("false", Value::Bool(false)),
            Some(b'"') => self.string().map(Value::String),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(b'[') => {
                let mut items = Vec::new();
                self.sequence(depth, b']', |p| {
                    items.push(p.value(depth + 1)?);
                    Ok(())
                })?;
                Ok(Value::Array(items))
            }
            Some(b'{') => {
                let mut members = Vec::new();
                self.sequence(depth, b'}', |p| {
                    if p.peek() != Some(b'"') {
                        return Err(p.error("key must be a string"));
                    }
                    let key = p.string()?;
                    p.skip_ws();
                    if !p.eat(b':') {
                        return Err(p.error("expected `:`"));
                    }
                    p.skip_ws();
                    members.push((key, p.value(depth + 1)?));
                    Ok(())
                })?;
                Ok(Value::Object(members))
            }
            Some(_) => Err(self.error("expected value")),
        }
    }

    /// An array's or object's elements, each read by `element` (whitespace around it skipped),
    /// from the opening bracket at `pos` to `close`.
    fn sequence(
        &mut self,
        depth: usize,
        close: u8,
        mut element: impl FnMut(&mut Self) -> Result<(), String>,
    ) -> Result<(), String> {
        if depth >= MAX_DEPTH {
            return Err(self.error("recursion limit exceeded"));
        }
        self.pos += 1;
        self.skip_ws();
        if self.eat(close) {
            return Ok(());
        }
        loop {
            self.skip_ws();
            element(self)?;
            self.skip_ws();
            if self.eat(close) {
                return Ok(());
            }
            if !self.eat(b',') {
                return Err(self.error(&format!("expected `,` or `{}`", close as char)));
            }
        }
    }

    fn digits(&mut self) -> usize {
        let start = self.pos;
        while let Some(b'0'..=b'9') = self.peek() {
            self.pos += 1;
        }
        self.pos - start
    }

    fn number(&mut self) -> Result<Value, String> {
        let start = self.pos;
        self.eat(b'-');
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => {
                self.digits();
            }
            _ => return Err(self.error("invalid number")),
        }
        if self.eat(b'.') && self.digits() == 0 {
            return Err(self.error("invalid number"));
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.pos += 1;
            if !self.eat(b'+') {
                self.eat(b'-');
            }
            if self.digits() == 0 {
                return Err(self.error("invalid number"));
            }
        }
        Ok(Value::Number(self.text[start..self.pos].to_string()))
    }

    fn hex4(&mut self) -> Result<u32, String> {
        let Some(h) = self.s.get(self.pos..self.pos + 4) else {
            return Err(self.error("EOF while parsing a string"));
        };
        let mut n = 0;
        for &b in h {
            let d = (b as char).to_digit(16).ok_or_else(|| self.error("invalid escape"))?;
            n = n * 16 + d;
        }
        self.pos += 4;
        Ok(n)
    }

    fn string(&mut self) -> Result<String, String> {
        self.pos += 1; // the opening quote
        let mut out = String::new();
        loop {
            // Copy the run up to the next quote, backslash or control character at once.
            let run = self.s[self.pos..].iter().position(|&b| b == b'"' || b == b'\\' || b < 0x20);
            let Some(n) = run else {
                return Err(self.error("EOF while parsing a string"));
            };
            out.push_str(&self.text[self.pos..self.pos + n]);
            self.pos += n;
            match self.s[self.pos] {
                b'"' => {
                    self.pos += 1;
                    return Ok(out);
                }
                b'\\' => {
                    self.pos += 1;
                    let Some(e) = self.peek() else {
                        return Err(self.error("EOF while parsing a string"));
                    };
                    self.pos += 1;
                    match e {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let hi = self.hex4()?;
                            let code = if (0xD800..0xDC00).contains(&hi) {
                                // A surrogate pair: the low half must follow as `\uDC00`–`\uDFFF`.
                                if !(self.eat(b'\\') && self.eat(b'u')) {
                                    return Err(self.error("lone leading surrogate in hex escape"));
                                }
                                let lo = self.hex4()?;
                                if !(0xDC00..0xE000).contains(&lo) {
                                    return Err(self.error("lone leading surrogate in hex escape"));
                                }
                                0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                            } else {
                                hi
                            };
                            let c = char::from_u32(code)
                                .ok_or_else(|| self.error("lone trailing surrogate in hex escape"))?;
                            out.push(c);
                        }
                        _ => return Err(self.error("invalid escape")),
                    }
                }
                _ => {
                    return Err(
                        self.error("control character (\\u0000-\\u001F) found while parsing a string")
                    );
                }
            }
        }
    }
}

/// Writes `s` as a JSON string literal (quotes, escapes) onto `out`.
pub fn write_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.push_str("\\u00");
                out.push(HEX[(c as usize) >> 4] as char);
                out.push(HEX[(c as usize) & 15] as char);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The same document through serde_json's `Value`, for comparison.
    fn agree(text: &str) {
        let ours = parse(text.as_bytes());
        let theirs: Result<serde_json::Value, _> = serde_json::from_str(text);
        match (&ours, &theirs) {
            (Ok(a), Ok(b)) => assert_eq!(to_serde(a), *b, "{text:?}"),
            (Err(_), Err(_)) => {}
            _ => panic!("{text:?}: ours {ours:?}, serde_json {theirs:?}"),
        }
    }

    fn to_serde(v: &Value) -> serde_json::Value {
        match v {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => (*b).into(),
            Value::Number(n) => serde_json::from_str(n).unwrap(),
            Value::String(s) => s.clone().into(),
            Value::Array(a) => a.iter().map(to_serde).collect(),
            Value::Object(m) => {
                serde_json::Value::Object(m.iter().map(|(k, v)| (k.clone(), to_serde(v))).collect())
            }
        }
    }

    #[test]
    fn agrees_with_serde_json() {
        for text in [
            "{}",
            " { \"a\" : [1, -2, 3.5e+2, 0, -0, 1E9] , \"b\": null, \"c\": true, \"d\": false } \n",
            r#"{"s": "a\"b\\c\/d\b\f\n\r\t\u00e9\ud83d\ude00 é"}"#,
            "[]",
            "[[[[]]]]",
            "\"x\"",
            "{\"a\":1,}",
            "[1,]",
            "{\"a\" 1}",
            "{a:1}",
            "01",
            "1.",
            "1e",
            "-",
            ".5",
            "\"\\ud800\"",
            "\"\\udc00\"",
            "\"\\ud800\\u0041\"",
            "\"\\x\"",
            "\"a\nb\"",
            "\"abc",
            "{\"a\":1} x",
            "nul",
            "truex",
            "",
            "   ",
            "\u{feff}{}",
        ] {
            agree(text);
        }
    }

    #[test]
    fn deep_nesting_is_refused_not_a_stack_overflow() {
        let deep = "[".repeat(100_000);
        assert!(parse(deep.as_bytes()).unwrap_err().contains("recursion limit"));
        let ok = format!("{}{}", "[".repeat(100), "]".repeat(100));
        agree(&ok);
    }

    #[test]
    fn strings_written_read_back() {
        for s in ["", "plain", "quote \" back \\ slash", "ctl \u{1} \u{1f} \n\r\t", "é 😀"] {
            let mut out = String::new();
            write_string(&mut out, s);
            assert_eq!(serde_json::from_str::<String>(&out).unwrap(), s);
            assert_eq!(parse(out.as_bytes()).unwrap(), Value::String(s.into()));
        }
    }
}
