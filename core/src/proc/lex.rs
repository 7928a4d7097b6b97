//! Small `nom` parsers shared by the table parsers (hex and decimal numbers, blanks), and the
//! typed error of the row parsers: which column failed and how ([`RowError`]), located in a
//! table and line by [`LineError`] (in the style of x509-parser's and pcap-parser's error enums).
//!
//! The number parsers are hand-written loops with nom's signature rather than `take_while` +
//! `from_str_radix`: they run a few dozen times per row on files of millions of rows, and a
//! single pass that validates and accumulates at once is several times faster.

use std::fmt;

use nom::error::{ErrorKind, ParseError};
use nom::{IResult, Parser};

use crate::layout::TableKind;

pub type PResult<'a, T> = IResult<&'a [u8], T, RowError>;

fn fail<T>(_input: &[u8], kind: ErrorKind) -> PResult<'_, T> {
    Err(nom::Err::Error(RowError::Nom(kind)))
}

/// A column of a socket-table row (Internet or unix).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Column {
    Slot,
    LocalAddress,
    LocalPort,
    RemoteAddress,
    RemotePort,
    State,
    TxQueue,
    RxQueue,
    Timer,
    TimerExpiry,
    Retransmits,
    Uid,
    Timeout,
    Inode,
    /// unix: the kernel socket pointer that starts the row.
    Pointer,
    RefCount,
    Protocol,
    Flags,
    Type,
    Path,
}

impl Column {
    pub fn name(self) -> &'static str {
        match self {
            Column::Slot => "slot number",
            Column::LocalAddress => "local address",
            Column::LocalPort => "local port",
            Column::RemoteAddress => "remote address",
            Column::RemotePort => "remote port",
            Column::State => "state",
            Column::TxQueue => "tx_queue",
            Column::RxQueue => "rx_queue",
            Column::Timer => "timer",
            Column::TimerExpiry => "timer expiry",
            Column::Retransmits => "retransmits",
            Column::Uid => "uid",
            Column::Timeout => "timeout",
            Column::Inode => "inode",
            Column::Pointer => "socket pointer",
            Column::RefCount => "refcount",
            Column::Protocol => "protocol",
            Column::Flags => "flags",
            Column::Type => "type",
            Column::Path => "path",
        }
    }
}

/// What was wrong with a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Problem {
    /// The blank space before it (so the column itself) is missing.
    Missing,
    /// It is there but does not parse as what the kernel prints.
    Bad,
    /// The separator that belongs to it (`:` or a space) is missing.
    Separator,
    /// It parses but does not fit the field (a state above 255, a uid above 2³²).
    OutOfRange,
}

/// The error of the row parsers, as nom carries it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowError {
    /// A primitive parser failed; [`col`] names the column it belongs to.
    Nom(ErrorKind),
    Column {
        column: Column,
        problem: Problem,
        kind: ErrorKind,
    },
}

impl<I> ParseError<I> for RowError {
    fn from_error_kind(_: I, kind: ErrorKind) -> Self {
        RowError::Nom(kind)
    }
    fn append(_: I, _: ErrorKind, other: Self) -> Self {
        other
    }
}

impl RowError {
    /// The column and problem (a bare nom error, which [`col`] never lets out, counts as a bad
    /// slot number: it can only come from the start of a row).
    pub fn column(&self) -> (Column, Problem) {
        match *self {
            RowError::Nom(_) => (Column::Slot, Problem::Bad),
            RowError::Column { column, problem, .. } => (column, problem),
        }
    }

    /// The text the diagnostics have always used, e.g. `state (hex)`.
    pub fn describe(&self) -> String {
        let (column, problem) = self.column();
        let name = column.name();
        match (problem, column) {
            (Problem::Missing, Column::Path) => "space before the path".into(),
            (Problem::Missing, _) => name.into(),
            (Problem::Bad, Column::Slot | Column::LocalPort | Column::RemotePort | Column::Pointer) => {
                name.into()
            }
            (Problem::Bad, Column::LocalAddress | Column::RemoteAddress) => {
                format!("{name} (8 or 32 hex digits)")
            }
            (Problem::Bad, Column::Uid | Column::Timeout | Column::Inode) => format!("{name} (decimal)"),
            (Problem::Bad, _) => format!("{name} (hex)"),
            (Problem::Separator, Column::Slot) => "':' after the slot number".into(),
            (Problem::Separator, Column::Pointer) => "':' after the pointer".into(),
            (Problem::Separator, Column::LocalPort) => "':' before the local port".into(),
            (Problem::Separator, Column::RemotePort) => "':' before the remote port".into(),
            (Problem::Separator, Column::RxQueue) => "':' between tx_queue and rx_queue".into(),
            (Problem::Separator, Column::TimerExpiry) => "':' between timer and its expiry".into(),
            (Problem::Separator, _) => format!("separator before the {name}"),
            (Problem::OutOfRange, _) => format!("{name} out of range"),
        }
    }
}

/// A row that did not parse: which table, which line (1-based), which column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LineError {
    pub table: TableKind,
    pub line: u32,
    pub error: RowError,
}

impl fmt::Display for LineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "malformed row: bad or missing {}", self.error.describe())
    }
}

impl std::error::Error for LineError {}

/// Name the column a parser reads: its failure becomes [`RowError::Column`].
#[inline(always)]
pub fn col<'a, T>(
    column: Column,
    problem: Problem,
    mut p: impl Parser<&'a [u8], Output = T, Error = RowError>,
) -> impl Parser<&'a [u8], Output = T, Error = RowError> {
    move |i: &'a [u8]| {
        p.parse(i).map_err(|e| {
            e.map(|e| match e {
                RowError::Nom(kind) => RowError::Column { column, problem, kind },
                named => named,
            })
        })
    }
}

/// A failure of `column` found after parsing (a value out of range).
pub fn out_of_range(column: Column) -> RowError {
    RowError::Column { column, problem: Problem::OutOfRange, kind: ErrorKind::TooLarge }
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

/// Hex value of each byte, 0xFF for bytes that are not hex digits.
const HEX_LUT: [u8; 256] = {
    let mut t = [0xFFu8; 256];
    let mut i = 0;
    while i < 10 {
        t[b'0' as usize + i] = i as u8;
        i += 1;
    }
    let mut i = 0;
    while i < 6 {
        t[b'A' as usize + i] = 10 + i as u8;
        t[b'a' as usize + i] = 10 + i as u8;
        i += 1;
    }
    t
};

/// The value of exactly `N` (≤ 8) hex digits at the start of `b`, or `None`. Branch-free over
/// the digits: the fast path of the row parser reads fixed-width kernel fields with it.
#[inline(always)]
pub fn hex_exact<const N: usize>(b: &[u8]) -> Option<u32> {
    let b: &[u8; N] = b.get(..N)?.try_into().ok()?;
    let mut value = 0u32;
    let mut bad = 0u8;
    for &c in b {
        let d = HEX_LUT[c as usize];
        bad |= d;
        value = (value << 4) | (d & 0x0F) as u32;
    }
    (bad & 0xF0 == 0).then_some(value)
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
pub fn byte<'a>(expected: u8) -> impl Fn(&'a [u8]) -> PResult<'a, ()> {
    move |input: &[u8]| match input.first() {
        Some(&b) if b == expected => Ok((&input[1..], ())),
        _ => fail(input, ErrorKind::Char),
    }
}

/// Split a file into lines (without their `\n`), with 1-based line numbers.
pub fn lines(data: &[u8]) -> Lines<'_> {
    Lines { rest: data, no: 0 }
}

pub struct Lines<'a> {
    rest: &'a [u8],
    no: u32,
}

impl<'a> Iterator for Lines<'a> {
    type Item = (u32, &'a [u8]);
    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        self.no += 1;
        let line = match memchr::memchr(b'\n', self.rest) {
            Some(n) => {
                let (line, rest) = self.rest.split_at(n);
                self.rest = &rest[1..];
                line
            }
            None => std::mem::take(&mut self.rest),
        };
        Some((self.no, line))
    }
}

/// Counts the `read(2)` calls a reader with a page-sized buffer makes on a seq_file: each
/// call returns as many whole lines as fit in one page, and a last call returns 0.
#[derive(Debug, Clone, Copy)]
pub struct PageReads {
    page: usize,
    used: usize,
    reads: u64,
}

impl PageReads {
    pub fn new(page: usize) -> PageReads {
        PageReads { page: page.max(1), used: 0, reads: 0 }
    }
    /// Account for one line of `len` bytes including its newline.
    #[inline(always)]
    pub fn line(&mut self, len: usize) {
        if self.used > 0 && self.used + len > self.page {
            self.reads += 1;
            self.used = 0;
        }
        self.used += len;
    }
    /// [`PageReads::line`] for each line whose end offset (the running sum of the line
    /// lengths, wrapping at 2^32) is in `ends`, a read at a time: where a read ends is guessed
    /// from the line count of the read before and corrected, instead of stepping line by line
    /// (the later half of a table parsed in two is counted this way, on one thread).
    pub fn lines(&mut self, ends: &[u32]) {
        let page = self.page as u64;
        // The first line not yet placed, and the offset where it starts.
        let (mut from, mut start) = (0usize, 0u32);
        // At most this many lines are guessed at once, so that the bytes spanned stay far below
        // 2^32 and the wrapping differences are exact: lines must be at most 64 KiB + 1 long
        // (the stream counts longer ones as that, which changes no count at page sizes up to
        // 64 KiB: such a line is a read of its own either way).
        let mut guess = 1usize;
        while from < ends.len() {
            let used = self.used as u64;
            // The bytes in the read once lines `from..=k` are in it.
            let span = |k: usize| used + ends[k].wrapping_sub(start) as u64;
            // A read's first line always fits; another fits while the read stays within a page.
            let first = from + (used == 0) as usize;
            // The first line from `first` on that does not fit (`n`: none), searched from the guess.
            let n = ends.len();
            let k = if first >= n {
                n
            } else {
                let mut k = (from + guess).clamp(first, n - 1);
                if span(k) > page {
                    while k > first && span(k - 1) > page {
                        k -= 1;
                    }
                } else {
                    k += 1;
                    while k < n && span(k) <= page {
                        k += 1;
                    }
                }
                k
            };
            if k == n {
                self.used = span(k - 1) as usize;
                return;
            }
            // Line `k` starts the next read.
            self.reads += 1;
            self.used = 0;
            guess = (k - from).clamp(1, 4096);
            start = if k == 0 { 0 } else { ends[k - 1] };
            from = k;
        }
    }

    pub fn total(&self) -> u64 {
        self.reads + (self.used > 0) as u64 + 1
    }
}

/// Line count and read calls of one table, gathered while parsing it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ScanStats {
    pub lines: u64,
    pub page_reads: u64,
}

/// Walk the lines of a table, counting them and the page-sized reads they take.
#[inline]
pub fn scan<'a>(data: &'a [u8], page: usize, mut each: impl FnMut(u32, &'a [u8])) -> ScanStats {
    let mut reads = PageReads::new(page);
    let mut count = 0u32;
    for (no, line) in lines(data) {
        reads.line(line.len() + 1);
        count = no;
        each(no, line);
    }
    ScanStats { lines: count as u64, page_reads: reads.total() }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Counting a read at a time from the lines' end offsets is counting line by line: short,
    /// long and overlong lines, uniform and mixed, from a read already part filled, at every
    /// page size, and with offsets that wrap past 2^32.
    #[test]
    fn reads_counted_from_line_ends_are_reads_counted_line_by_line() {
        let mut x = 7u64;
        let mut next = |n: u64| {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (x >> 33) % n
        };
        let mut cases: Vec<Vec<u32>> = vec![vec![], vec![1], vec![150; 5_000], vec![65_537; 40]];
        cases.push((0..20_000).map(|_| 1 + next(300) as u32).collect());
        cases.push(
            (0..3_000)
                .map(|_| if next(50) == 0 { 1 + next(65_537) as u32 } else { 1 + next(40) as u32 })
                .collect(),
        );
        cases.push((0..70_000).map(|_| 1).chain((0..70_000).map(|_| 65_537)).collect());
        for lens in &cases {
            for page in [1, 150, 4096, 8192, 65536] {
                for pre in [0, 1, 100, page, page + 7] {
                    let mut one = PageReads { page, used: pre, reads: 3 };
                    let mut all = one;
                    for &len in lens {
                        one.line(len as usize);
                    }
                    // The last case's offsets pass 2^32 and wrap, as a table of over 4 GiB's would.
                    let mut end = 0u32;
                    let ends: Vec<u32> = lens
                        .iter()
                        .map(|&l| {
                            end = end.wrapping_add(l);
                            end
                        })
                        .collect();
                    all.lines(&ends);
                    assert_eq!(
                        (all.reads, all.used),
                        (one.reads, one.used),
                        "page {page}, {pre} used, {} lines",
                        lens.len()
                    );
                    // Lines of 1 MiB, counted as 64 KiB + 1 (as the stream does): the same reads.
                    let long: Vec<u32> =
                        lens.iter().map(|&l| if l == 65_537 { 1 << 20 } else { l }).collect();
                    let mut real = PageReads { page, used: pre, reads: 3 };
                    long.iter().for_each(|&len| real.line(len as usize));
                    assert_eq!(all.total(), real.total(), "page {page}, {pre} used, 1 MiB lines");
                }
            }
        }
    }

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
    fn hex_exact_reads_fixed_fields() {
        assert_eq!(hex_exact::<8>(b"0100007F"), Some(0x0100_007F));
        assert_eq!(hex_exact::<8>(b"deadBEEF"), Some(0xDEAD_BEEF));
        assert_eq!(hex_exact::<4>(b"1F90:"), Some(0x1F90));
        assert_eq!(hex_exact::<4>(b"1F9:"), None);
        assert_eq!(hex_exact::<2>(b"0"), None);
        assert_eq!(hex_exact::<2>(b"g0"), None);
    }

    #[test]
    fn lines_are_numbered_from_one() {
        let v: Vec<_> = lines(b"a\nb\n").collect();
        assert_eq!(v, vec![(1, &b"a"[..]), (2, &b"b"[..])]);
        assert_eq!(lines(b"").count(), 0);
        assert_eq!(lines(b"x").count(), 1);
        assert_eq!(lines(b"\n\n").count(), 2);
    }

    #[test]
    fn page_reads_pack_whole_lines() {
        // 150-byte rows: 27 fit in a 4096-byte page, so 54 rows take 2 reads, plus the one at EOF.
        let row: Vec<u8> = [b'x'; 149].iter().copied().chain([b'\n']).collect();
        let data: Vec<u8> = row.iter().copied().cycle().take(150 * 54).collect();
        let stats = scan(&data, 4096, |_, _| {});
        assert_eq!(stats, ScanStats { lines: 54, page_reads: 3 });
        assert_eq!(scan(b"", 4096, |_, _| {}).page_reads, 1);
    }
}
