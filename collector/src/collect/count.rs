//! Counts rows (and TIME_WAIT rows) of a socket table while it streams past, for the one-line
//! summary. Chunks may split a line anywhere, so the unfinished tail is carried over.

#[derive(Default)]
pub struct RowCounter {
    /// Whether the table has a TCP state column worth checking for TIME_WAIT.
    tcp: bool,
    /// The first line is the column header.
    seen_header: bool,
    carry: Vec<u8>,
    pub rows: u64,
    pub time_wait: u64,
}

impl RowCounter {
    pub fn new(tcp: bool) -> Self {
        RowCounter { tcp, ..Default::default() }
    }

    pub fn feed(&mut self, mut data: &[u8]) {
        if !self.carry.is_empty() {
            match data.iter().position(|&b| b == b'\n') {
                None => {
                    self.carry.extend_from_slice(data);
                    return;
                }
                Some(i) => {
                    let mut line = std::mem::take(&mut self.carry);
                    line.extend_from_slice(&data[..i]);
                    self.line(&line);
                    data = &data[i + 1..];
                }
            }
        }
        // memchr finds newlines with SIMD: this runs over every byte of /proc/net/tcp.
        let mut start = 0;
        for nl in memchr::memchr_iter(b'\n', data) {
            self.line(&data[start..nl]);
            start = nl + 1;
        }
        self.carry.extend_from_slice(&data[start..]);
    }

    pub fn finish(&mut self) {
        let line = std::mem::take(&mut self.carry);
        self.line(&line);
    }

    fn line(&mut self, l: &[u8]) {
        if l.iter().all(|b| b.is_ascii_whitespace()) {
            return;
        }
        if !self.seen_header {
            self.seen_header = true;
            return;
        }
        self.rows += 1;
        if self.tcp && state(l) == Some(b"06") {
            self.time_wait += 1;
        }
    }
}

/// The state field of a tcp/tcp6 row, `sl: local remote st ...`, with TIME_WAIT being `06`.
fn state(l: &[u8]) -> Option<&[u8]> {
    // Fast path: the kernel prints `%4d: ` then two `ADDR:PORT` fields of equal width (13 chars
    // for IPv4, 37 for IPv6), each followed by one space. Checked, so an odd line falls through.
    if let Some(c) = memchr::memchr(b':', l) {
        let local = l.get(c + 2..)?;
        let w = memchr::memchr(b' ', local)?;
        if let Some(st) = local.get(2 * w + 2..2 * w + 4)
            && local[w] == b' '
            && local[2 * w + 1] == b' '
            && local.get(2 * w + 4).is_none_or(|&b| b == b' ')
        {
            return Some(st);
        }
    }
    l.split(|&b| b == b' ').filter(|f| !f.is_empty()).nth(3)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TCP: &str = "  sl  local_address rem_address   st tx_queue rx_queue\n\
   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0 0 1\n\
   1: 0100007F:1F90 0100007F:C350 06 00000000:00000000 03:000010EE 00000000     0 0 0\n\
10000: 0100007F:1F90 0100007F:C351 06 00000000:00000000 03:000010EE 00000000     0 0 0\n";

    #[test]
    fn counts_rows_and_time_wait_across_any_split() {
        for split in 0..TCP.len() {
            let mut c = RowCounter::new(true);
            c.feed(&TCP.as_bytes()[..split]);
            c.feed(&TCP.as_bytes()[split..]);
            c.finish();
            assert_eq!((c.rows, c.time_wait), (3, 2), "split at {split}");
        }
    }

    #[test]
    fn state_of_tcp6_and_odd_rows() {
        let v6 = b"   3: 00000000000000000000000001000000:1F90 00000000000000000000000001000000:D431 06 0:0";
        assert_eq!(state(v6), Some(&b"06"[..]));
        // Not the kernel's spacing: found by splitting instead.
        assert_eq!(state(b"1:  0100007F:1F90   0100007F:C350 0A x"), Some(&b"0A"[..]));
        assert_eq!(state(b"garbage"), None);
        assert_eq!(state(b""), None);
    }

    #[test]
    fn missing_final_newline_and_empty_input() {
        let mut c = RowCounter::new(true);
        c.feed(TCP.trim_end().as_bytes());
        c.finish();
        assert_eq!((c.rows, c.time_wait), (3, 2));
        let mut e = RowCounter::new(false);
        e.feed(b"");
        e.finish();
        assert_eq!(e.rows, 0);
    }
}
