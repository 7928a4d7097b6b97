//! Small `nom` parsers shared by the table parsers: hex and decimal numbers, blanks, addresses.
//!
//! They are hand-written loops with nom's signature rather than `take_while` + `from_str_radix`:
//! these run a few dozen times per row on files of millions of rows, and a single pass that
//! validates and accumulates at once is several times faster.

use nom::IResult;
use nom::error::{Error as NomError, ErrorKind};

pub type PResult<'a, T> = IResult<&'a [u8], T>;

fn fail<T>(input: &[u8], kind: ErrorKind) -> PResult<'_, T> {
    Err(nom::Err::Error(NomError::new(input, kind)))
}

#[inline(always)]
fn hex_digit(b: u8) -> Option<u32> {
    match b {
        b'0'..=b'9' => Some((b - b'0') as u32),
        b'A'..=b'F' => Some((b - b'A' + 10) as u32),
        b'a'..=b'f' => Some((b - b'a' + 10) as u32),
        _ => None,
    }
}

/// One or more hex digits, at most 8, as a `u32`.
#[inline]
pub fn hex_u32(input: &[u8]) -> PResult<'_, u32> {
    let mut value: u32 = 0;
    let mut n = 0;
    while n < input.len() && n < 9 {
        match hex_digit(input[n]) {
            Some(d) => value = (value << 4) | d,
            None => break,
        }
        n += 1;
    }
    if n == 0 || n > 8 {
        return fail(input, ErrorKind::HexDigit);
    }
    Ok((&input[n..], value))
}

/// One or more hex digits, at most 16, as a `u64`.
#[inline]
pub fn hex_u64(input: &[u8]) -> PResult<'_, u64> {
    let mut value: u64 = 0;
    let mut n = 0;
    while n < input.len() && n < 17 {
        match hex_digit(input[n]) {
            Some(d) => value = (value << 4) | d as u64,
            None => break,
        }
        n += 1;
    }
    if n == 0 || n > 16 {
        return fail(input, ErrorKind::HexDigit);
    }
    Ok((&input[n..], value))
}

/// Exactly `N` hex digits (fixed-width fields such as addresses).
#[inline]
pub fn hex_fixed<const N: usize>(input: &[u8]) -> PResult<'_, u32> {
    if input.len() < N {
        return fail(input, ErrorKind::Eof);
    }
    let mut value: u32 = 0;
    for &b in &input[..N] {
        match hex_digit(b) {
            Some(d) => value = (value << 4) | d,
            None => return fail(input, ErrorKind::HexDigit),
        }
    }
    Ok((&input[N..], value))
}

/// A decimal number that fits a `u64` (inode, uid, timeout).
#[inline]
pub fn dec_u64(input: &[u8]) -> PResult<'_, u64> {
    let mut value: u64 = 0;
    let mut n = 0;
    while n < input.len() {
        let b = input[n];
        if !b.is_ascii_digit() {
            break;
        }
        value = match value.checked_mul(10).and_then(|v| v.checked_add((b - b'0') as u64)) {
            Some(v) => v,
            None => return fail(input, ErrorKind::TooLarge),
        };
        n += 1;
    }
    if n == 0 {
        return fail(input, ErrorKind::Digit);
    }
    Ok((&input[n..], value))
}

/// A decimal number with an optional leading `-` (the kernel prints some counters with `%d`).
#[inline]
pub fn dec_i64(input: &[u8]) -> PResult<'_, i64> {
    match input.first() {
        Some(b'-') => {
            let (rest, v) = dec_u64(&input[1..])?;
            match i64::try_from(v) {
                Ok(v) => Ok((rest, -v)),
                Err(_) => fail(input, ErrorKind::TooLarge),
            }
        }
        _ => {
            let (rest, v) = dec_u64(input)?;
            match i64::try_from(v) {
                Ok(v) => Ok((rest, v)),
                Err(_) => fail(input, ErrorKind::TooLarge),
            }
        }
    }
}

/// One or more spaces or tabs.
#[inline]
pub fn blanks(input: &[u8]) -> PResult<'_, ()> {
    let n = input.iter().take_while(|&&b| b == b' ' || b == b'\t').count();
    if n == 0 {
        return fail(input, ErrorKind::Space);
    }
    Ok((&input[n..], ()))
}

/// Zero or more spaces or tabs.
#[inline]
pub fn opt_blanks(input: &[u8]) -> &[u8] {
    let n = input.iter().take_while(|&&b| b == b' ' || b == b'\t').count();
    &input[n..]
}

/// One literal byte.
#[inline]
pub fn byte(expected: u8) -> impl Fn(&[u8]) -> PResult<'_, ()> {
    move |input: &[u8]| match input.first() {
        Some(&b) if b == expected => Ok((&input[1..], ())),
        _ => fail(input, ErrorKind::Char),
    }
}

/// Skip a whitespace-free token (a field we do not keep).
#[inline]
pub fn token(input: &[u8]) -> PResult<'_, &[u8]> {
    let n = input.iter().take_while(|&&b| b != b' ' && b != b'\t' && b != b'\n').count();
    if n == 0 {
        return fail(input, ErrorKind::Verify);
    }
    Ok((&input[n..], &input[..n]))
}

/// Run a parser step, naming the field for the diagnostic if it fails.
#[inline(always)]
pub fn field<'a, T>(r: PResult<'a, T>, what: &'static str) -> Result<(&'a [u8], T), &'static str> {
    r.map_err(|_| what)
}

/// Split a file into lines (without their `\n`), with 1-based line numbers.
pub fn lines(data: &[u8]) -> impl Iterator<Item = (u32, &[u8])> {
    let body = data.strip_suffix(b"\n").unwrap_or(data);
    let mut n = 0u32;
    let empty = body.is_empty();
    body.split(|&b| b == b'\n').filter(move |_| !empty).map(move |l| {
        n += 1;
        (n, l)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_and_decimal() {
        assert_eq!(hex_u32(b"0100007F:"), Ok((&b":"[..], 0x0100_007F)));
        assert_eq!(hex_u32(b"1F90 x"), Ok((&b" x"[..], 0x1F90)));
        assert!(hex_u32(b"123456789").is_err(), "nine digits overflow a u32");
        assert!(hex_u32(b"G1").is_err());
        assert_eq!(hex_fixed::<4>(b"0050 "), Ok((&b" "[..], 0x50)));
        assert!(hex_fixed::<4>(b"05 ").is_err());
        assert_eq!(dec_u64(b"123456 7"), Ok((&b" 7"[..], 123456)));
        assert!(dec_u64(b"99999999999999999999999").is_err());
        assert_eq!(dec_i64(b"-1 "), Ok((&b" "[..], -1)));
        assert_eq!(blanks(b"   x"), Ok((&b"x"[..], ())));
        assert!(blanks(b"x").is_err());
    }

    #[test]
    fn lines_are_numbered_from_one() {
        let v: Vec<_> = lines(b"a\nb\n").collect();
        assert_eq!(v, vec![(1, &b"a"[..]), (2, &b"b"[..])]);
        assert_eq!(lines(b"").count(), 0);
        assert_eq!(lines(b"x").count(), 1);
    }
}
