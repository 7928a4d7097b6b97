//! Host facts for the manifest, and UTC time formatting without a date crate.

use std::time::{SystemTime, UNIX_EPOCH};

use procsnap_core::manifest::HostFacts;

/// Reads what a decoder needs to know about this host. Every fact is optional: a missing one is
/// left out rather than guessed.
pub fn facts() -> HostFacts {
    HostFacts {
        // Same text as `uname -n` / `uname -r`, without needing uname(2).
        hostname: read_trimmed("/proc/sys/kernel/hostname"),
        kernel: read_trimmed("/proc/sys/kernel/osrelease"),
        // The binary's own architecture: for a static binary that runs here this is `uname -m`
        // (except a 32-bit build on a 64-bit kernel, which we do not ship).
        arch: Some(std::env::consts::ARCH.to_string()),
        byte_order: Some(if cfg!(target_endian = "big") { "big" } else { "little" }.to_string()),
        user_hz: sysconf(libc::_SC_CLK_TCK),
        page_size: sysconf(libc::_SC_PAGESIZE),
        // SAFETY: geteuid has no preconditions and cannot fail.
        uid: Some(unsafe { libc::geteuid() }),
        proc_hidepid: std::fs::read("/proc/self/mountinfo").ok().and_then(|m| hidepid(&m)),
    }
}

/// The `hidepid=` option of the filesystem mounted on `/proc`, from `/proc/self/mountinfo`
/// (the last mount there wins, as it hides the earlier ones). `hidepid=0`/`off` is no hiding.
fn hidepid(mountinfo: &[u8]) -> Option<String> {
    let mut found = None;
    for line in mountinfo.split(|&b| b == b'\n') {
        // `ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTS`
        let mut f = line.split(|&b| b == b' ');
        if f.nth(4) != Some(b"/proc") {
            continue;
        }
        let mut rest = f.skip_while(|x| *x != b"-").skip(1);
        if rest.next() != Some(b"proc") {
            continue;
        }
        let opts = rest.nth(1).unwrap_or(b"");
        found = opts
            .split(|&b| b == b',')
            .find_map(|o| o.strip_prefix(b"hidepid="))
            .filter(|v| !matches!(*v, b"0" | b"off"))
            .map(|v| String::from_utf8_lossy(v).into_owned());
    }
    found
}

fn sysconf(name: libc::c_int) -> Option<u32> {
    // SAFETY: sysconf only reads a constant for a valid name; it returns -1 on an unknown one.
    let v = unsafe { libc::sysconf(name) };
    u32::try_from(v).ok().filter(|&v| v > 0)
}

fn read_trimmed(path: &str) -> Option<String> {
    let s = std::fs::read_to_string(path).ok()?;
    let s = s.trim_end_matches('\n');
    (!s.is_empty()).then(|| s.to_string())
}

/// A wall-clock instant split into what the formats need.
#[derive(Clone, Copy)]
pub struct Utc {
    pub secs: u64,
    pub millis: u32,
}

impl Utc {
    pub fn now() -> Utc {
        let d = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
        Utc { secs: d.as_secs(), millis: d.subsec_millis() }
    }

    /// RFC 3339 with milliseconds, e.g. `2026-11-27T02:30:00.123Z`.
    pub fn rfc3339(self) -> String {
        let (y, mo, d, h, mi, s) = civil(self.secs);
        format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{:03}Z", self.millis)
    }

    /// The compact form used in default file names, e.g. `20261127T023000Z`.
    pub fn compact(self) -> String {
        let (y, mo, d, h, mi, s) = civil(self.secs);
        format!("{y:04}{mo:02}{d:02}T{h:02}{mi:02}{s:02}Z")
    }
}

/// Seconds since the epoch to (year, month, day, hour, minute, second), proleptic Gregorian.
/// Howard Hinnant's `civil_from_days`.
fn civil(secs: u64) -> (i64, u32, u32, u32, u32, u32) {
    let days = (secs / 86_400) as i64;
    let rem = (secs % 86_400) as u32;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d, rem / 3600, rem / 60 % 60, rem % 60)
}

/// A host name made safe to use inside a file name.
pub fn file_safe(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') { c } else { '_' })
        .collect();
    let s = s.trim_start_matches('.');
    if s.is_empty() { "host".to_string() } else { s.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_known_instants() {
        assert_eq!(Utc { secs: 0, millis: 0 }.rfc3339(), "1970-01-01T00:00:00.000Z");
        // 2026-11-27T02:41:08Z, checked with `date -u -d @1795747268`.
        let t = Utc { secs: 1_795_747_268, millis: 7 };
        assert_eq!(t.rfc3339(), "2026-11-27T02:41:08.007Z");
        assert_eq!(t.compact(), "20261127T024108Z");
        // Leap day.
        assert_eq!(Utc { secs: 951_782_400, millis: 0 }.compact(), "20000229T000000Z");
    }

    #[test]
    fn hidepid_from_mountinfo() {
        let plain = b"22 28 0:21 / /proc rw,nosuid,nodev,noexec,relatime shared:13 - proc proc rw\n";
        assert_eq!(hidepid(plain), None);
        let hidden = b"22 28 0:21 / /proc rw,relatime shared:13 - proc proc rw\n\
            99 22 0:50 / /proc rw,relatime - proc proc rw,hidepid=invisible\n";
        assert_eq!(hidepid(hidden).as_deref(), Some("invisible"));
        let off = b"22 28 0:21 / /proc rw - proc proc rw,hidepid=0\n";
        assert_eq!(hidepid(off), None);
        let elsewhere = b"40 28 0:51 / /mnt/p rw - proc proc rw,hidepid=2\n";
        assert_eq!(hidepid(elsewhere), None);
    }

    #[test]
    fn file_safe_names() {
        assert_eq!(file_safe("web-01.example.com"), "web-01.example.com");
        assert_eq!(file_safe("a/b c"), "a_b_c");
        assert_eq!(file_safe(".."), "host");
        assert_eq!(file_safe(""), "host");
    }
}
