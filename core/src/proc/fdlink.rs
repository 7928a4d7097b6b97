//! Targets of `/proc/PID/fd/N` links that point at sockets: `socket:[12345]`, or `[0000]:12345` as
//! very old kernels wrote it. Mirrors net-tools' `extract_type_{1,2}_socket_inode`, including
//! its 30-byte `readlink` buffer and `strtoul(…, 0)` (so `0x1F` and `017` parse as C would).

/// netstat reads links into `char lname[30]`: at most 29 bytes of the target are seen.
const NETSTAT_LINK_BUF: usize = 29;

/// The socket inode a link target names, if it names one.
pub fn socket_inode(target: &[u8]) -> Option<u64> {
    let t = &target[..target.len().min(NETSTAT_LINK_BUF)];
    if let Some(rest) = t.strip_prefix(b"socket:[") {
        // strlen(lname) < PRG_SOCKET_PFXl + 3 → not a socket.
        if t.len() < 11 {
            return None;
        }
        let digits = rest.strip_suffix(b"]")?;
        return strtoul0(digits);
    }
    if let Some(rest) = t.strip_prefix(b"[0000]:") {
        if t.len() < 8 {
            return None;
        }
        return strtoul0(rest);
    }
    None
}

/// C `strtoul(s, &end, 0)` that must consume the whole string, as netstat requires.
fn strtoul0(s: &[u8]) -> Option<u64> {
    // strtoul skips leading white space and accepts a sign.
    let mut s = s;
    while let Some((&b, rest)) = s.split_first() {
        if b.is_ascii_whitespace() {
            s = rest;
        } else {
            break;
        }
    }
    let mut negative = false;
    if let Some((&b, rest)) = s.split_first() {
        if b == b'+' || b == b'-' {
            negative = b == b'-';
            s = rest;
        }
    }
    let (radix, digits) = if s.len() > 2 && (s.starts_with(b"0x") || s.starts_with(b"0X")) {
        (16, &s[2..])
    } else if s.len() > 1 && s[0] == b'0' {
        (8, &s[1..])
    } else {
        (10, s)
    };
    if digits.is_empty() {
        return None;
    }
    let text = std::str::from_utf8(digits).ok()?;
    if !text.bytes().all(|b| (b as char).is_digit(radix)) {
        return None;
    }
    let v = u64::from_str_radix(text, radix).ok()?;
    let v = if negative { v.wrapping_neg() } else { v };
    // netstat rejects ULONG_MAX (strtoul's overflow value).
    (v != u64::MAX).then_some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modern_and_old_forms() {
        assert_eq!(socket_inode(b"socket:[12960]"), Some(12960));
        assert_eq!(socket_inode(b"[0000]:12960"), Some(12960));
        assert_eq!(socket_inode(b"pipe:[12960]"), None);
        assert_eq!(socket_inode(b"/dev/null"), None);
        assert_eq!(socket_inode(b"anon_inode:[eventpoll]"), None);
        assert_eq!(socket_inode(b"socket:[12"), None);
        assert_eq!(socket_inode(b"socket:[]"), None);
    }

    #[test]
    fn netstat_quirks() {
        // Too short for netstat's length check.
        assert_eq!(socket_inode(b"socket:[1]"), None);
        assert_eq!(socket_inode(b"socket:[12]"), Some(12));
        // strtoul base 0.
        assert_eq!(socket_inode(b"socket:[0x10]"), Some(16));
        assert_eq!(socket_inode(b"socket:[010]"), Some(8));
        // Cut at 29 bytes: the closing bracket is lost.
        assert_eq!(socket_inode(b"socket:[123456789012345678901]"), None);
        assert_eq!(socket_inode(b"socket:[1234567890123456789]"), Some(1234567890123456789));
    }
}
