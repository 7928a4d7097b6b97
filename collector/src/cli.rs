//! Flags as data: each subcommand lists its flags once (an enum plus a table), and both the
//! parser and the `--help` text are made from that table, so they cannot drift apart.

use lexopt::Arg;

/// One command-line flag.
pub struct Flag<K> {
    pub kind: K,
    pub short: Option<char>,
    pub long: &'static str,
    /// The value's name in the help (`FILE`); `None` for a switch.
    pub value: Option<&'static str>,
    /// Help text; lines after the first are indented under the first.
    pub help: &'static str,
}

/// The flag `arg` names, if it is one of `flags`.
pub fn find<K: Copy>(flags: &[Flag<K>], arg: &Arg<'_>) -> Option<K> {
    flags
        .iter()
        .find(|f| match arg {
            Arg::Short(c) => f.short == Some(*c),
            Arg::Long(l) => *l == f.long,
            Arg::Value(_) => false,
        })
        .map(|f| f.kind)
}

/// Where the help column starts.
const HELP_COL: usize = 26;

/// The OPTIONS section: `    -o, --output FILE     help…`, continuation lines aligned.
pub fn options<K>(flags: &[Flag<K>]) -> String {
    let mut s = String::new();
    for f in flags {
        let mut left = String::from("    ");
        match f.short {
            Some(c) => {
                left.push('-');
                left.push(c);
                left.push_str(", ");
            }
            None => left.push_str("    "),
        }
        left.push_str("--");
        left.push_str(f.long);
        if let Some(v) = f.value {
            left.push(' ');
            left.push_str(v);
        }
        s.push_str(&left);
        // A long left column puts the help on the next line.
        if left.len() + 2 > HELP_COL {
            s.push('\n');
            s.push_str(&" ".repeat(HELP_COL));
        } else {
            s.push_str(&" ".repeat(HELP_COL - left.len()));
        }
        for (i, line) in f.help.lines().enumerate() {
            if i > 0 {
                s.push('\n');
                s.push_str(&" ".repeat(HELP_COL));
            }
            s.push_str(line.trim_start());
        }
        s.push('\n');
    }
    s
}

/// A flag's value as UTF-8, or a usage message naming the flag.
pub fn utf8(v: std::ffi::OsString, flag: &str) -> Result<String, String> {
    v.into_string().map_err(|v| format!("--{flag}: not UTF-8: {v:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Copy, PartialEq, Debug)]
    enum K {
        A,
        B,
    }
    const FLAGS: &[Flag<K>] = &[
        Flag { kind: K::A, short: Some('a'), long: "alpha", value: Some("N"), help: "first\nsecond" },
        Flag { kind: K::B, short: None, long: "a-much-longer-flag", value: Some("X|Y"), help: "b" },
    ];

    #[test]
    fn finds_and_renders() {
        assert_eq!(find(FLAGS, &Arg::Short('a')), Some(K::A));
        assert_eq!(find(FLAGS, &Arg::Long("a-much-longer-flag")), Some(K::B));
        assert_eq!(find(FLAGS, &Arg::Long("alph")), None);
        let o = options(FLAGS);
        assert_eq!(
            o,
            "    -a, --alpha N         first\n                          second\n        --a-much-longer-flag X|Y\n                          b\n"
        );
    }
}
