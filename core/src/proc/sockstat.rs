//! `/proc/net/sockstat` and `sockstat6`: the kernel's own socket counters, e.g.
//! `TCP: inuse 5 orphan 0 tw 120000 alloc 7 mem 1`. `ss -s` prints these; they are the cheap way
//! to learn the TIME_WAIT volume without reading every row.

use std::collections::BTreeMap;

use super::lex::lines;
use crate::types::Diagnostic;

/// Counters by protocol line, then by name: `counters["TCP"]["tw"]`.
pub type Sockstat = BTreeMap<String, BTreeMap<String, u64>>;

pub fn parse(data: &[u8], path: &str, out: &mut Sockstat, diagnostics: &mut Vec<Diagnostic>) {
    for (no, line) in lines(data) {
        let text = String::from_utf8_lossy(line);
        let Some((proto, rest)) = text.split_once(':') else {
            if !text.trim().is_empty() {
                diagnostics.push(Diagnostic::new(path, no, "malformed counter line: no ':'"));
            }
            continue;
        };
        let words: Vec<&str> = rest.split_ascii_whitespace().collect();
        if words.len() % 2 != 0 {
            diagnostics.push(Diagnostic::new(
                path,
                no,
                "malformed counter line: names and values do not pair up",
            ));
            continue;
        }
        let entry = out.entry(proto.trim().to_string()).or_default();
        for pair in words.chunks(2) {
            match pair[1].parse::<u64>() {
                Ok(v) => {
                    entry.insert(pair[0].to_string(), v);
                }
                Err(_) => diagnostics.push(Diagnostic::new(
                    path,
                    no,
                    &format!("counter {} is not a number", pair[0]),
                )),
            }
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
}
