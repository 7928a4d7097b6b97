//! Parsing a socket table as its bytes arrive, chunk by chunk, so the text of a million-row
//! table is never held whole: only the rows (compactly) and one partial line.
//!
//! Everything the parse needs that a snapshot states elsewhere is deferred: addresses are kept
//! as printed (the byte order comes with the manifest, the archive's last entry) and the
//! `read(2)` calls are counted for every common page size at once.

use super::inet;
use super::inet_rows::InetTable;
use super::lex::{LineError, PageReads, ScanStats};
use super::unix::{self, UnixSocket};
use crate::layout::TableKind;
use crate::types::{ByteOrder, Diagnostic};

/// Page sizes counted while parsing: every page size Linux uses on common hardware.
const PAGE_SIZES: [usize; 5] = [4096, 8192, 16384, 32768, 65536];
/// A longer line is no table row: it is cut off (reported once) instead of buffered whole.
const MAX_LINE: usize = 64 * 1024;
// A later half's lines are counted as at most `MAX_LINE + 1` bytes (`TableStream::line`).
const _: () = assert!(MAX_LINE + 1 > PAGE_SIZES[PAGE_SIZES.len() - 1]);

/// What a table turned into.
#[derive(Debug, Clone)]
pub enum TableRows {
    Inet(InetTable),
    Unix { rows: Vec<UnixSocket>, has_inode: bool },
}

/// A parsed table.
#[derive(Debug, Clone)]
pub struct ParsedTable {
    pub kind: TableKind,
    pub rows: TableRows,
    pub bytes: u64,
    pub lines: u64,
    page_reads: [u64; PAGE_SIZES.len()],
    pub diagnostics: Vec<Diagnostic>,
}

impl ParsedTable {
    /// Line count and the `read(2)` calls a reader with a `page`-byte buffer makes.
    pub fn stats(&self, page: usize) -> ScanStats {
        // The page size comes from the manifest; an unusual one is counted as the nearest
        // smaller size measured (or 4 KiB).
        let i = PAGE_SIZES.iter().rposition(|&p| p <= page).unwrap_or(0);
        ScanStats { lines: self.lines, page_reads: self.page_reads[i] }
    }

    pub fn row_count(&self) -> usize {
        match &self.rows {
            TableRows::Inet(t) => t.len(),
            TableRows::Unix { rows, .. } => rows.len(),
        }
    }
}

/// Feeds a table's bytes in any chunks; [`TableStream::finish`] gives the parsed table.
pub struct TableStream {
    kind: TableKind,
    path: String,
    line_no: u32,
    bytes: u64,
    carry: Vec<u8>,
    /// The line in `carry` passed [`MAX_LINE`]: drop the rest of it.
    overlong: bool,
    reads: [PageReads; PAGE_SIZES.len()],
    rows: TableRows,
    diagnostics: Vec<Diagnostic>,
    /// Set for the later half of a split: where each line ends (the running sum of the line
    /// lengths, wrapping at 2^32), for the page-read count, which only the earlier half's state
    /// can continue ([`PageReads::lines`]). Lines are numbered from 1 within it.
    later_half: Option<Vec<u32>>,
}

impl TableStream {
    /// A parser for an Internet or unix table (`kind` must not be a sockstat file).
    pub fn new(kind: TableKind) -> TableStream {
        TableStream::at(kind, format!("proc/net/{}", kind.file_name()))
    }

    /// [`TableStream::new`] for the table at archive path `path` (diagnostics name it), e.g.
    /// another namespace's `proc/PID/net/tcp`.
    pub fn at(kind: TableKind, path: String) -> TableStream {
        let rows = match kind {
            TableKind::Unix => TableRows::Unix { rows: Vec::new(), has_inode: true },
            _ => TableRows::Inet(InetTable::new(kind)),
        };
        TableStream {
            kind,
            path,
            line_no: 0,
            bytes: 0,
            carry: Vec::new(),
            overlong: false,
            reads: PAGE_SIZES.map(PageReads::new),
            rows,
            diagnostics: Vec::new(),
            later_half: None,
        }
    }

    pub fn rows(&self) -> usize {
        match &self.rows {
            TableRows::Inet(t) => t.len(),
            TableRows::Unix { rows, .. } => rows.len(),
        }
    }

    /// Parse the complete lines of `chunk` (with the partial line left by the previous chunk).
    pub fn feed(&mut self, mut chunk: &[u8]) {
        self.bytes += chunk.len() as u64;
        if !self.carry.is_empty() || self.overlong {
            let Some(n) = memchr::memchr(b'\n', chunk) else {
                self.keep_partial(chunk);
                return;
            };
            self.keep_partial(&chunk[..n]);
            let line = std::mem::take(&mut self.carry);
            self.line(&line);
            self.carry = line;
            self.carry.clear();
            self.overlong = false;
            chunk = &chunk[n + 1..];
        }
        let mut rest = chunk;
        while let Some(n) = memchr::memchr(b'\n', rest) {
            let (line, after) = rest.split_at(n);
            self.line(line);
            rest = &after[1..];
        }
        self.keep_partial(rest);
    }

    /// A parser for the lines that follow this stream's, to be fed on another thread from the
    /// first byte of a line (after this stream has seen the header) and then [joined]
    /// (TableStream::join). Its lines are numbered from 1 until then.
    pub fn continuation(&self) -> TableStream {
        let mut s = TableStream::at(self.kind, String::new());
        if let (TableRows::Unix { has_inode, .. }, TableRows::Unix { has_inode: h, .. }) =
            (&self.rows, &mut s.rows)
        {
            *h = *has_inode;
        }
        s.later_half = Some(Vec::new());
        s
    }

    /// Append a [continuation](TableStream::continuation)'s lines, rows and diagnostics after
    /// this stream's, which must end where it began (at the start of a line).
    pub fn join(&mut self, mut later: TableStream) {
        debug_assert!(self.carry.is_empty() && later.later_half.is_some());
        if !later.carry.is_empty() {
            let line = std::mem::take(&mut later.carry);
            later.line(&line);
        }
        self.bytes += later.bytes;
        let offset = self.line_no;
        if let Some(ends) = &later.later_half {
            for r in &mut self.reads {
                r.lines(ends);
            }
        }
        self.line_no += later.line_no;
        self.diagnostics.extend(later.diagnostics.into_iter().map(|d| Diagnostic {
            file: self.path.clone(),
            line: d.line + offset,
            message: d.message,
        }));
        match (&mut self.rows, later.rows) {
            (TableRows::Inet(t), TableRows::Inet(l)) => t.append(l, offset),
            (TableRows::Unix { rows, .. }, TableRows::Unix { rows: l, .. }) => {
                rows.extend(l.into_iter().map(|u| UnixSocket { line: u.line + offset, ..u }))
            }
            _ => unreachable!("both halves parse the same table"),
        }
    }

    fn keep_partial(&mut self, part: &[u8]) {
        if self.overlong {
            return;
        }
        if self.carry.len() + part.len() > MAX_LINE {
            self.overlong = true;
            let room = MAX_LINE - self.carry.len();
            self.carry.extend_from_slice(&part[..room]);
            return;
        }
        self.carry.extend_from_slice(part);
    }

    pub fn finish(mut self) -> ParsedTable {
        if !self.carry.is_empty() {
            let line = std::mem::take(&mut self.carry);
            self.line(&line);
        }
        ParsedTable {
            kind: self.kind,
            rows: self.rows,
            bytes: self.bytes,
            lines: self.line_no as u64,
            page_reads: self.reads.map(|r| r.total()),
            diagnostics: self.diagnostics,
        }
    }

    // In the viewer's build, a function of its own built for speed: inlined into `feed`, it
    // would take `feed`'s size optimisation (inlined code takes its caller's attributes).
    #[cfg_attr(not(procsnap_speed), inline)]
    #[cfg_attr(procsnap_speed, inline(never), optimize(speed))]
    fn line(&mut self, line: &[u8]) {
        self.line_no += 1;
        let no = self.line_no;
        match &mut self.later_half {
            None => {
                for r in &mut self.reads {
                    r.line(line.len() + 1);
                }
            }
            Some(ends) => {
                // Counted as at most 64 KiB + 1, more than any page size here: a line longer
                // than the page is a read of its own either way, and `PageReads::lines` needs
                // lines that short.
                let len = (line.len() + 1).min(MAX_LINE + 1) as u32;
                let end = ends.last().map_or(0, |&e: &u32| e).wrapping_add(len);
                ends.push(end)
            }
        }
        if line.len() >= MAX_LINE {
            self.note(no, &"line too long for a table row; skipped");
            return;
        }
        match &mut self.rows {
            TableRows::Inet(table) => {
                if no == 1 && self.later_half.is_none() {
                    self.inet_header(line);
                    return;
                }
                // Parsed as big-endian: the address bits are the printed words (see inet_rows).
                match inet::parse_row_end(line, self.kind, ByteOrder::Big, no) {
                    Ok((row, end)) => {
                        table.push_raw(&row);
                        if let Some(at) = inet::second_row(&line[end..]) {
                            self.note(no, &inet::joined_rows_message(end + at));
                        }
                    }
                    Err(_) if line.iter().all(|b| b.is_ascii_whitespace()) => {}
                    Err(e) => self.note(no, &e),
                }
            }
            TableRows::Unix { rows, has_inode } => {
                if let Err(e) = unix_line(rows, has_inode, line, no, self.later_half.is_none()) {
                    self.note(no, &e);
                }
            }
        }
    }

    // What follows is off the per-row path: kept out of `line`, which the viewer's build
    // optimises for speed (`procsnap_speed`), so that only the hot code grows.

    #[cold]
    #[inline(never)]
    fn note(&mut self, no: u32, message: &dyn std::fmt::Display) {
        self.diagnostics.push(Diagnostic::new(&self.path, no, &message.to_string()));
    }

    #[cold]
    #[inline(never)]
    fn inet_header(&mut self, line: &[u8]) {
        if let Some(problem) = inet::header_problem(line) {
            self.note(1, &problem);
        }
    }
}

/// A line of a unix table: the header (line 1 of the table, `first_half`) says whether rows have
/// an inode column; a row is parsed and kept, or its error returned.
#[inline(never)]
fn unix_line(
    rows: &mut Vec<UnixSocket>,
    has_inode: &mut bool,
    line: &[u8],
    no: u32,
    first_half: bool,
) -> Result<(), LineError> {
    if no == 1 && first_half {
        *has_inode = unix::header_has_inode(line);
    } else if !line.is_empty() {
        rows.push(unix::parse_row_with(line, no, *has_inode)?);
    }
    Ok(())
}

/// Parse a whole table held in memory, in chunks (in wasm, V8 optimises a function only on a
/// later call, so one call over 150 MB would run in baseline code).
pub fn parse_whole(
    kind: TableKind,
    data: &[u8],
    mut each_chunk: impl FnMut(usize) -> bool,
) -> Option<ParsedTable> {
    let mut s = TableStream::new(kind);
    for chunk in data.chunks(STREAM_CHUNK) {
        s.feed(chunk);
        if !each_chunk(s.rows()) {
            return None;
        }
    }
    Some(s.finish())
}

/// Bytes handed to [`TableStream::feed`] at a time.
pub const STREAM_CHUNK: usize = 256 * 1024;

/// Rows of a whole table as plain values.
#[cfg(test)]
fn inet_sockets(t: &InetTable, order: ByteOrder) -> Vec<inet::InetSocket> {
    super::inet_rows::InetRows::new(vec![t.clone()], order).iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &[u8] =
        b"  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n";
    const ROW: &[u8] = b"   0: 0100007F:1F90 00000000:0000 0A 00000000:00000002 00:00000000 00000000     0        0 123456 1 0000000000000000 100 0 0 10 0\n";

    fn table(rows: usize) -> Vec<u8> {
        let mut t = HEADER.to_vec();
        for _ in 0..rows {
            t.extend_from_slice(ROW);
        }
        t.extend_from_slice(b"   9: garbage\n");
        t.extend_from_slice(&ROW[..ROW.len() - 1]); // no final newline
        t
    }

    #[test]
    fn any_chunking_gives_the_same_table_as_the_whole_parse() {
        let data = table(100);
        let mut whole = Vec::new();
        let mut whole_diags = Vec::new();
        let stats =
            inet::parse_table(&data, TableKind::Tcp, ByteOrder::Little, 4096, &mut whole, &mut whole_diags);
        for size in [1, 2, 7, 64, 150, 151, 4096, data.len()] {
            let mut s = TableStream::new(TableKind::Tcp);
            for c in data.chunks(size) {
                s.feed(c);
            }
            let parsed = s.finish();
            let TableRows::Inet(t) = &parsed.rows else { panic!() };
            assert_eq!(inet_sockets(t, ByteOrder::Little), whole, "chunks of {size}");
            assert_eq!(parsed.diagnostics, whole_diags);
            assert_eq!(parsed.stats(4096), stats);
            assert_eq!(parsed.bytes, data.len() as u64);
        }
    }

    #[test]
    fn a_first_line_that_is_not_the_header_is_skipped_and_said_by_both_parsers() {
        for (first, said) in [(HEADER, false), (ROW, true), (&b"local_addres\n"[..], true)] {
            let data = [first, ROW].concat();
            let (mut whole, mut whole_diags) = (Vec::new(), Vec::new());
            inet::parse_table(&data, TableKind::Tcp, ByteOrder::Little, 4096, &mut whole, &mut whole_diags);
            let mut s = TableStream::new(TableKind::Tcp);
            s.feed(&data);
            let parsed = s.finish();
            assert_eq!(parsed.row_count(), 1, "{}", String::from_utf8_lossy(first));
            assert_eq!(whole.len(), 1);
            assert_eq!(parsed.diagnostics, whole_diags);
            let lines: Vec<u32> = parsed.diagnostics.iter().map(|d| d.line).collect();
            assert_eq!(lines, if said { vec![1] } else { vec![] });
            if said {
                assert_eq!(parsed.diagnostics[0].message, inet::header_problem(b"").unwrap());
            }
        }
    }

    /// Random tables (valid rows, damaged rows, blank lines, CRs, a missing final newline) fed
    /// in random chunks give what the whole-text parser gives.
    #[test]
    fn random_tables_in_random_chunks_match_the_whole_parse() {
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = move |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n.max(1) as u64) as usize
        };
        for case in 0..200 {
            let mut data = HEADER.to_vec();
            for _ in 0..next(40) {
                let mut row = ROW.to_vec();
                match next(6) {
                    0 => {
                        let i = next(row.len());
                        row[i] = b"x: \r\n0F"[next(7)];
                    }
                    1 => row.truncate(next(row.len())),
                    2 => row = b"\n".to_vec(),
                    _ => {}
                }
                data.extend_from_slice(&row);
            }
            if next(2) == 0 {
                data.pop();
            }
            for order in [ByteOrder::Little, ByteOrder::Big] {
                let (mut whole, mut diags) = (Vec::new(), Vec::new());
                let stats = inet::parse_table(&data, TableKind::Tcp, order, 4096, &mut whole, &mut diags);
                let mut s = TableStream::new(TableKind::Tcp);
                let mut rest = &data[..];
                while !rest.is_empty() {
                    let n = 1 + next(rest.len().min(300));
                    s.feed(&rest[..n]);
                    rest = &rest[n..];
                }
                let parsed = s.finish();
                let TableRows::Inet(t) = &parsed.rows else { panic!() };
                assert_eq!(inet_sockets(t, order), whole, "case {case}");
                assert_eq!(parsed.diagnostics, diags, "case {case}");
                assert_eq!(parsed.stats(4096), stats, "case {case}");
            }
        }
    }

    #[test]
    fn page_reads_for_each_page_size() {
        let data = table(1000);
        let parsed = parse_whole(TableKind::Tcp, &data, |_| true).unwrap();
        for page in PAGE_SIZES {
            let expected = super::super::lex::scan(&data, page, |_, _| {});
            assert_eq!(parsed.stats(page), expected, "page {page}");
        }
        assert_eq!(parsed.stats(4096 + 1), parsed.stats(4096));
    }

    /// A table of `rows` rows of `kind`, with damaged and blank lines among them: IPv6 rows
    /// with addresses that need the side table, so the join must move their indices.
    fn big_table(kind: TableKind, rows: usize) -> Vec<u8> {
        let mut t = match kind {
            TableKind::Unix => b"Num       RefCount Protocol Flags    Type St Inode Path\n".to_vec(),
            _ => HEADER.to_vec(),
        };
        for i in 0..rows {
            let line = match (kind, i % 97) {
                // Longer than any page and than MAX_LINE, in the later half of every split.
                _ if i == rows - 5 => format!("{}\n", "x".repeat(100_000)),
                (_, 13) => "   7: damaged row\n".to_string(),
                (_, 50) => "\n".to_string(),
                (TableKind::Unix, _) => {
                    format!("0000000000000000: 00000002 00000000 00010000 0001 01 {} /run/s{i}\n", 1000 + i)
                }
                (TableKind::Tcp6, _) => format!(
                    "{i:4}: 20010DB8000000000000000000{:06X}:1F90 00000000000000000000000000000000:0000 0A \
                     00000000:00000000 00:00000000 00000000     0        0 {} 1 0000000000000000 100 0 0 10 0\n",
                    i,
                    5000 + i
                ),
                _ => format!(
                    "{i:4}: 0100007F:{:04X} 0200007F:0050 06 00000000:00000000 03:00000{:03X} 00000000     0        0 0 3 0000000000000000\n",
                    i % 65536,
                    i % 4096
                ),
            };
            t.extend_from_slice(line.as_bytes());
        }
        t
    }

    /// Parsed in two halves, the second by a continuation joined after it, a table gives what
    /// one stream gives: rows, line numbers, diagnostics, page reads at every page size.
    #[test]
    fn a_continuation_joined_gives_the_one_stream_parse() {
        for kind in [TableKind::Tcp, TableKind::Tcp6, TableKind::Unix] {
            let data = big_table(kind, 3000);
            let mut one = TableStream::new(kind);
            one.feed(&data);
            let one = one.finish();
            assert!(one.row_count() > 2500 && !one.diagnostics.is_empty(), "{kind:?}");
            // Split after the header, in the middle, and before the last line (which has no
            // newline when the table is cut short).
            let starts: Vec<usize> = memchr::memchr_iter(b'\n', &data).map(|i| i + 1).collect();
            for (split, chunk) in
                [(starts[0], 4096), (starts[starts.len() / 2], 777), (starts[starts.len() - 2], 1 << 20)]
            {
                for cut in [data.len(), data.len() - 1] {
                    let data = &data[..cut];
                    let mut first = TableStream::new(kind);
                    data[..split].chunks(chunk).for_each(|c| first.feed(c));
                    let mut later = first.continuation();
                    data[split..].chunks(chunk).for_each(|c| later.feed(c));
                    first.join(later);
                    let two = first.finish();
                    let mut one = TableStream::new(kind);
                    one.feed(data);
                    let one = one.finish();
                    let what = format!("{kind:?} split at {split}, chunks of {chunk}, {cut} bytes");
                    match (&one.rows, &two.rows) {
                        (TableRows::Inet(a), TableRows::Inet(b)) => {
                            assert_eq!(
                                inet_sockets(a, ByteOrder::Little),
                                inet_sockets(b, ByteOrder::Little),
                                "{what}"
                            )
                        }
                        (TableRows::Unix { rows: a, .. }, TableRows::Unix { rows: b, .. }) => {
                            assert_eq!(a, b, "{what}")
                        }
                        _ => panic!("{what}"),
                    }
                    assert_eq!(one.diagnostics, two.diagnostics, "{what}");
                    assert_eq!(
                        (one.lines, one.bytes, one.page_reads),
                        (two.lines, two.bytes, two.page_reads),
                        "{what}"
                    );
                }
            }
        }
    }

    #[test]
    fn an_endless_line_is_cut_not_buffered() {
        let mut s = TableStream::new(TableKind::Tcp);
        s.feed(HEADER);
        let junk = vec![b'x'; 1 << 20];
        for _ in 0..8 {
            s.feed(&junk);
            assert!(s.carry.len() <= MAX_LINE);
        }
        s.feed(b"\n");
        s.feed(ROW);
        let parsed = s.finish();
        assert_eq!(parsed.row_count(), 1);
        assert_eq!(parsed.diagnostics.len(), 1);
        assert_eq!(parsed.lines, 3);
    }
}
