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
        let mut lines = data.split(|&b| b == b'\n');
        // `split` yields the part after the last newline last: that is the carry-over.
        let tail = lines.next_back().unwrap_or_default();
        for l in lines {
            self.line(l);
        }
        self.carry.extend_from_slice(tail);
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
        // `sl: local remote st ...`: the state is the fourth field; 06 is TIME_WAIT.
        if self.tcp && l.split(|&b| b == b' ').filter(|f| !f.is_empty()).nth(3) == Some(b"06") {
            self.time_wait += 1;
        }
    }
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
