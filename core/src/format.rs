//! Number formatting shared by the renderers, the CLI and the viewer, so that a figure reads the
//! same everywhere.
//!
//! Decimals are written by [`fixed`], which gives exactly what `format!("{:.N}", x)` gives but
//! without the standard library's float formatting (Grisu with a Dragon4 fallback and their
//! tables: about 4 KB of the viewer's gzipped download, for figures with one or two decimals).

/// `text` in double quotes for a message, with what could rewrite a terminal or hide text escaped
/// as Rust does: `\"`, `\\`, `\0`, `\n`, `\t`, `\r`, and `\u{…}` for other control characters
/// and the invisible format characters (zero-width, bidirectional marks and overrides, line and
/// paragraph separators, soft hyphen, interlinear annotation, BOM, tag characters).
///
/// Why not `{:?}`: str's `Debug` decides what to escape from core's Unicode "printable" tables,
/// about 4 KB of the viewer's download. Letters, digits, symbols and emoji are the same either
/// way; `Debug` also escapes combining marks and unassigned code points, which are kept here.
pub fn quoted(text: &str) -> String {
    /// The invisible format characters [`quoted`] escapes, as ranges.
    const INVISIBLE: [(char, char); 9] = [
        ('\u{AD}', '\u{AD}'),
        ('\u{61C}', '\u{61C}'),
        ('\u{180E}', '\u{180E}'),
        ('\u{200B}', '\u{200F}'),
        ('\u{2028}', '\u{202E}'),
        ('\u{2060}', '\u{2069}'),
        ('\u{FEFF}', '\u{FEFF}'),
        ('\u{FFF9}', '\u{FFFB}'),
        ('\u{E0000}', '\u{E007F}'),
    ];
    use std::fmt::Write;
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\0' => out.push_str("\\0"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() || INVISIBLE.iter().any(|&(lo, hi)| (lo..=hi).contains(&c)) => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// `1234567` → `1,234,567`.
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Bytes in binary units, one decimal: `1536` → `1.5 KiB`; below 1 KiB `N bytes`.
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if n < 1024 {
        return format!("{n} bytes");
    }
    let mut v = n as f64 / 1024.0;
    let mut u = 0;
    while v >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    format!("{} {}", fixed(v, 1), UNITS[u])
}

/// A share as a percentage with one decimal: `(1, 3)` → `33.3%`.
pub fn percent(part: f64, whole: f64) -> String {
    if whole <= 0.0 {
        return "0%".into();
    }
    format!("{}%", fixed(100.0 * part / whole, 1))
}

/// Microseconds as a readable duration.
pub fn micros(us: f64) -> String {
    if us >= 1_000_000.0 {
        format!("{} s", fixed(us / 1_000_000.0, 2))
    } else if us >= 1000.0 {
        format!("{} ms", fixed(us / 1000.0, 1))
    } else {
        format!("{} µs", fixed(us, 0))
    }
}

/// `x` with `decimals` digits after the point, exactly as `format!("{:.N}", x)` writes it:
/// the exact binary value rounded half to even, `-` for any negative value (also `-0`), `NaN`,
/// `inf`. At most 9 decimals.
pub fn fixed(x: f64, decimals: u32) -> String {
    assert!(decimals <= 9, "at most 9 decimals");
    if x.is_nan() {
        return "NaN".into();
    }
    let mut out = String::new();
    if x.is_sign_negative() {
        out.push('-');
    }
    if x.is_infinite() {
        out.push_str("inf");
        return out;
    }
    // |x| = m * 2^e exactly.
    let bits = x.to_bits();
    let biased = ((bits >> 52) & 0x7ff) as i32;
    let fraction = bits & ((1 << 52) - 1);
    let (m, e) = if biased == 0 { (fraction, -1074) } else { (fraction | (1 << 52), biased - 1075) };
    let scale = 10u128.pow(decimals);
    let digits = if e >= 0 {
        // An integer: its digits, then the decimals' zeros.
        let mut d = big_digits(m, e as u32);
        d.extend(std::iter::repeat_n(b'0', decimals as usize));
        d
    } else {
        // m * 10^d < 2^83: the scaled value's integer part, rounded half to even.
        let v = u128::from(m) * scale;
        let k = (-e) as u32;
        let n = if k >= 128 {
            0 // below 2^-45: rounds to zero at 9 decimals or fewer
        } else {
            let (q, r, half) = (v >> k, v & ((1u128 << k) - 1), 1u128 << (k - 1));
            if r > half || (r == half && q & 1 == 1) { q + 1 } else { q }
        };
        n.to_string().into_bytes()
    };
    // Split off the decimals, padding with leading zeros.
    let d = decimals as usize;
    let digits = if digits.len() <= d {
        let mut padded = vec![b'0'; d + 1 - digits.len()];
        padded.extend_from_slice(&digits);
        padded
    } else {
        digits
    };
    let (int, frac) = digits.split_at(digits.len() - d);
    out.push_str(std::str::from_utf8(int).unwrap_or("0"));
    if d > 0 {
        out.push('.');
        out.push_str(std::str::from_utf8(frac).unwrap_or("0"));
    }
    out
}

/// The decimal digits of `m * 2^e`.
fn big_digits(m: u64, e: u32) -> Vec<u8> {
    if e <= 64 {
        return (u128::from(m) << e).to_string().into_bytes();
    }
    // Base 10^9 limbs, least significant first, doubled e times.
    const BASE: u64 = 1_000_000_000;
    let mut limbs = vec![m % BASE, (m / BASE) % BASE, m / BASE / BASE];
    for _ in 0..e {
        let mut carry = 0;
        for l in &mut limbs {
            let v = *l * 2 + carry;
            *l = v % BASE;
            carry = v / BASE;
        }
        if carry > 0 {
            limbs.push(carry);
        }
    }
    while limbs.len() > 1 && limbs.last() == Some(&0) {
        limbs.pop();
    }
    let mut out = limbs.last().copied().unwrap_or(0).to_string();
    for l in limbs.iter().rev().skip(1) {
        out.push_str(&format!("{l:09}"));
    }
    out.into_bytes()
}

#[cfg(test)]
mod tests {
    #[test]
    fn quoted_escapes_what_debug_escapes_in_text_people_write() {
        for text in [
            "CentOS release 6.10 (Final)",
            "Red Hat Enterprise Linux Server release 7.9 (Maipo)",
            "é ü 中文 🚀",
            "a\"b\\c\nd\te\rf",
            "\u{1b}[31mred\u{7}",
            "\u{9b}2J",
            "\u{202e}txt.exe",
            "zero\u{200b}width\u{feff}",
            "nul\0 arabic\u{61c}mark line\u{2028}sep soft\u{ad}hyphen \u{fff9}\u{e0041}tag",
            "",
        ] {
            assert_eq!(super::quoted(text), format!("{text:?}"), "{text}");
        }
    }

    use super::*;

    /// `fixed` against the standard library's `{:.N}`: edge values, ties, and random bit
    /// patterns and magnitudes.
    #[test]
    fn fixed_is_std_precision_formatting() {
        let mut xs = vec![
            0.0,
            -0.0,
            0.5,
            1.5,
            2.5,
            -0.5,
            -2.5,
            0.25,
            0.125,
            0.375,
            2.675,
            1.005,
            9.995,
            99.95,
            0.05,
            0.0049999,
            1e-300,
            5e-324,
            -5e-324,
            1e15,
            1e16,
            1e17,
            1e21,
            1e300,
            f64::MAX,
            f64::MIN,
            f64::MIN_POSITIVE,
            4503599627370495.5,
            9007199254740993.0,
            123456.789,
            33.33333333,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ];
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for _ in 0..4_000 {
            xs.push(f64::from_bits(next()));
            // Typical figures: percentages, rates, milliseconds; and exact halves of them.
            let v = (next() % 100_000_000) as f64 / 1000.0;
            xs.extend([v, v / 7.0, v * 1e6, (next() % 20_000) as f64 / 8.0]);
        }
        for x in xs {
            for d in 0..=9u32 {
                assert_eq!(fixed(x, d), format!("{:.*}", d as usize, x), "{x:e} at {d} decimals");
            }
        }
    }

    #[test]
    fn numbers_read_well() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1_008_411), "1,008,411");
        assert_eq!(bytes(512), "512 bytes");
        assert_eq!(bytes(1536), "1.5 KiB");
        assert_eq!(bytes(15_062_080), "14.4 MiB");
        assert_eq!(bytes(3 << 30), "3.0 GiB");
        assert_eq!(percent(1.0, 3.0), "33.3%");
        assert_eq!(percent(1.0, 0.0), "0%");
        assert_eq!(micros(21.0), "21 µs");
        assert_eq!(micros(100_426.0), "100.4 ms");
        assert_eq!(micros(2_500_000.0), "2.50 s");
    }
}
