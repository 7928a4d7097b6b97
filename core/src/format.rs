//! Number formatting shared by the renderers, the CLI and the viewer, so that a figure reads the
//! same everywhere.

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
    format!("{v:.1} {}", UNITS[u])
}

/// A share as a percentage with one decimal: `(1, 3)` → `33.3%`.
pub fn percent(part: f64, whole: f64) -> String {
    if whole <= 0.0 {
        return "0%".into();
    }
    format!("{:.1}%", 100.0 * part / whole)
}

/// Microseconds as a readable duration.
pub fn micros(us: f64) -> String {
    if us >= 1_000_000.0 {
        format!("{:.2} s", us / 1_000_000.0)
    } else if us >= 1000.0 {
        format!("{:.1} ms", us / 1000.0)
    } else {
        format!("{us:.0} µs")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
