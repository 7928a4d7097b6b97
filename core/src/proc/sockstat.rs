//! `/proc/net/sockstat` and `sockstat6`: the kernel's own socket counters, e.g.
//! `TCP: inuse 5 orphan 0 tw 120000 alloc 7 mem 1`. `ss -s` prints these; they are the cheap way
//! to learn the TIME_WAIT volume without reading every row.

use std::collections::BTreeMap;
use std::fmt;

use nom::bytes::complete::{tag, take_till1, take_while, take_while1};
use nom::multi::many0;
use nom::sequence::preceded;
use nom::{IResult, Parser};

use super::lex::lines;
use crate::types::Diagnostic;

/// Counters by protocol line, then by name: `counters["TCP"]["tw"]`.
pub type Sockstat = BTreeMap<String, BTreeMap<String, u64>>;

/// What is wrong with one counter line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CounterError {
    /// No `PROTO:` prefix.
    NoColon,
    /// An odd number of words after it.
    Unpaired,
    /// The value of the named counter is not a decimal number.
    NotANumber(String),
}

/// A counter line that did not parse: which file (path), which line, what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CounterLineError {
    pub line: u32,
    pub error: CounterError,
}

impl fmt::Display for CounterLineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.error {
            CounterError::NoColon => f.write_str("malformed counter line: no ':'"),
            CounterError::Unpaired => f.write_str("malformed counter line: names and values do not pair up"),
            CounterError::NotANumber(name) => write!(f, "counter {name} is not a number"),
        }
    }
}

type Res<'a, T> = IResult<&'a [u8], T, nom::error::Error<&'a [u8]>>;

fn ws0(i: &[u8]) -> Res<'_, &[u8]> {
    take_while(|b: u8| b.is_ascii_whitespace())(i)
}

fn word(i: &[u8]) -> Res<'_, &[u8]> {
    take_while1(|b: u8| !b.is_ascii_whitespace())(i)
}

/// `PROTO: name value name value …`: the protocol and the (name, value) words.
#[allow(clippy::type_complexity)]
fn counter_line(i: &[u8]) -> Res<'_, (&[u8], Vec<(&[u8], &[u8])>)> {
    let (i, proto) = take_till1(|b| b == b':')(i)?;
    let (i, _) = tag(&b":"[..])(i)?;
    let (i, pairs) = many0((preceded(ws0, word), preceded(ws0, word))).parse(i)?;
    let (i, _) = ws0(i)?;
    Ok((i, (proto, pairs)))
}

/// One line into `out` (a protocol's counters); the errors of the line.
pub fn parse_line(line: &[u8], no: u32, out: &mut Sockstat) -> Vec<CounterLineError> {
    let err = |error| CounterLineError { line: no, error };
    let Ok((rest, (proto, pairs))) = counter_line(line) else {
        // A line without a name before ':' is read as one without ':' (as before: "" is a name).
        if line.first() == Some(&b':') {
            return parse_line_empty_proto(line, no, out);
        }
        if line.iter().all(|b| b.is_ascii_whitespace()) {
            return Vec::new();
        }
        return vec![err(CounterError::NoColon)];
    };
    if !rest.is_empty() {
        return vec![err(CounterError::Unpaired)];
    }
    let entry = out.entry(String::from_utf8_lossy(proto).trim().to_string()).or_default();
    let mut errors = Vec::new();
    for (name, value) in pairs {
        let name = String::from_utf8_lossy(name).into_owned();
        match std::str::from_utf8(value).ok().and_then(|v| v.parse::<u64>().ok()) {
            Some(v) => {
                entry.insert(name, v);
            }
            None => errors.push(err(CounterError::NotANumber(name))),
        }
    }
    errors
}

/// `: name value`: the protocol name is empty.
fn parse_line_empty_proto(line: &[u8], no: u32, out: &mut Sockstat) -> Vec<CounterLineError> {
    let mut with_name = b"x".to_vec();
    with_name.extend_from_slice(line);
    let mut tmp = Sockstat::new();
    let errors = parse_line(&with_name, no, &mut tmp);
    if let Some(counters) = tmp.remove("x") {
        out.entry(String::new()).or_default().extend(counters);
    }
    errors
}

pub fn parse(data: &[u8], path: &str, out: &mut Sockstat, diagnostics: &mut Vec<Diagnostic>) {
    for (no, line) in lines(data) {
        for e in parse_line(line, no, out) {
            diagnostics.push(Diagnostic::new(path, no, &e.to_string()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_real_sockstat() {
        let data = b"sockets: used 190\nTCP: inuse 5 orphan 0 tw 3 alloc 8 mem 1\nUDP: inuse 2 mem 2\nUDPLITE: inuse 0\nRAW: inuse 0\nFRAG: inuse 0 memory 0\n";
        let mut s = Sockstat::new();
        let mut d = Vec::new();
        parse(data, "proc/net/sockstat", &mut s, &mut d);
        assert!(d.is_empty());
        assert_eq!(s["TCP"]["tw"], 3);
        assert_eq!(s["sockets"]["used"], 190);
        assert_eq!(s["FRAG"]["memory"], 0);
    }

    #[test]
    fn bad_lines_are_typed_and_keep_their_text() {
        let mut s = Sockstat::new();
        let e = parse_line(b"TCP: inuse 5 orphan", 3, &mut s);
        assert_eq!(e, vec![CounterLineError { line: 3, error: CounterError::Unpaired }]);
        assert_eq!(e[0].to_string(), "malformed counter line: names and values do not pair up");
        let e = parse_line(b"UDP: inuse x mem 2", 4, &mut s);
        assert_eq!(e[0].error, CounterError::NotANumber("inuse".into()));
        assert_eq!(e[0].to_string(), "counter inuse is not a number");
        assert_eq!(s["UDP"]["mem"], 2);
        assert_eq!(parse_line(b"garbage", 5, &mut s)[0].to_string(), "malformed counter line: no ':'");
        assert!(parse_line(b"  \t", 6, &mut s).is_empty());
        assert!(parse_line(b"RAW:inuse 1", 7, &mut s).is_empty());
        assert_eq!(s["RAW"]["inuse"], 1);
        assert!(parse_line(b": a 1", 8, &mut s).is_empty());
        assert_eq!(s[""]["a"], 1);
    }
}
