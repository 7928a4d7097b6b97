//! Compact storage for millions of Internet socket rows.
//!
//! A parsed [`InetSocket`] is 80 bytes (two `IpAddr`s); stored here a row is 48. Addresses are
//! kept as the 32-bit words the kernel printed, so rows can be parsed before the byte order is
//! known (the manifest is the last entry of a snapshot) and the order is applied on reading.
//! An IPv6 address whose first 64 bits are zero (IPv4-mapped `::ffff:a.b.c.d`, `::`, `::1`: the
//! bulk of a dual-stack host's tcp6) is stored in its row, as its last word and which third word
//! it had; other IPv6 addresses live in a side table. Rows sit in fixed-size chunks: growing never copies what
//! is already stored (in wasm, a doubling vector would briefly need three times the memory and
//! could never give it back).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::inet::{InetSocket, word};
use crate::layout::TableKind;
use crate::types::{ByteOrder, Fork};

/// Rows per chunk: 3 MiB.
const CHUNK: usize = 1 << 16;

/// How a row stores each address, in 3 bits of [`PackedRow::flags`] (the local address's at
/// [`LOCAL`], the remote's at [`REMOTE`]): [`V4`], [`SIDE`], or inline IPv6 (`INLINE + k`: words
/// `[0, 0, THIRD_WORD[k], w]`, w the one stored).
const LOCAL: u8 = 0;
const REMOTE: u8 = 3;
const V4: u8 = 0;
/// IPv6, its four words at index w of [`InetTable::v6`].
const SIDE: u8 = 1;
const INLINE: u8 = 2;
/// The third words an inline IPv6 address may have, as printed: zero, and `0000ffff` of an
/// IPv4-mapped address on a little- or a big-endian host.
const THIRD_WORD: [u32; 3] = [0, 0xffff_0000, 0x0000_ffff];

/// One stored row. The analyses read these fields directly: turning every row of a million back
/// into an [`InetSocket`] would cost more than the analyses themselves.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PackedRow {
    /// IPv4: the printed word. IPv6: index into [`InetTable::v6`].
    local: u32,
    remote: u32,
    pub inode: u64,
    pub tx_queue: u32,
    pub rx_queue: u32,
    pub timer_ticks: u32,
    pub retransmits: u32,
    pub uid: u32,
    pub line: u32,
    pub local_port: u16,
    pub remote_port: u16,
    pub state: u8,
    pub timer: u8,
    flags: u8,
}

/// A row's identity for [`InetTable::remove_duplicates`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum RowKey {
    Inode(u64),
    /// Local and remote IPv4 address (as stored), local and remote port.
    TimeWait4(u64, u32),
    TimeWait6([u32; 4], [u32; 4], u32),
}

/// 32 bits of a row's key, every key bit mixed in.
#[inline]
fn key_hash(key: &RowKey) -> u32 {
    let h = match *key {
        RowKey::Inode(i) => i,
        RowKey::TimeWait4(addrs, ports) => mix(addrs) ^ ports as u64,
        RowKey::TimeWait6(l, r, ports) => {
            let fold =
                |w: [u32; 4]| mix((w[0] as u64) << 32 | w[1] as u64) ^ ((w[2] as u64) << 32 | w[3] as u64);
            mix(fold(l)) ^ mix(fold(r)).rotate_left(17) ^ ports as u64
        }
    };
    (mix(h) >> 32) as u32
}

/// splitmix64's finaliser: every input bit moves the top 32 bits, which [`key_hash`] keeps.
#[inline]
fn mix(mut x: u64) -> u64 {
    x ^= x >> 30;
    x = x.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x ^= x >> 27;
    x = x.wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// Rows [`InetTable::remove_duplicates`] removed, by why.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Duplicates {
    /// A row with the inode of an earlier row.
    pub same_inode: u64,
    /// A TIME_WAIT row with the four-tuple of an earlier one.
    pub same_time_wait: u64,
    /// Of the duplicates, rows `netstat -l` prints (listeners): kept, since netstat reading the
    /// same bytes prints them twice and its output is reproduced byte for byte.
    pub kept_shown: u64,
    /// Line of the first duplicate.
    pub first_line: u32,
}

impl Duplicates {
    pub fn total(&self) -> u64 {
        self.same_inode + self.same_time_wait
    }

    /// The diagnostic text, or `None` when there were none.
    pub fn message(&self) -> Option<String> {
        if self.total() == 0 {
            return None;
        }
        let mut why = Vec::new();
        if self.same_inode > 0 {
            why.push(format!("{} with the inode of an earlier row", self.same_inode));
        }
        if self.same_time_wait > 0 {
            why.push(format!(
                "{} TIME_WAIT with the addresses and ports of an earlier one",
                self.same_time_wait
            ));
        }
        let kept = if self.kept_shown > 0 {
            format!(
                "; {} of them listeners, kept as netstat prints them, the rest counted once",
                self.kept_shown
            )
        } else {
            "; each socket is counted once".to_string()
        };
        Some(format!(
            "{} rows read twice (the table changed while it was read: {}){kept}",
            self.total(),
            why.join(", ")
        ))
    }
}

/// The rows of one table, in file order.
#[derive(Debug, Clone)]
pub struct InetTable {
    kind: TableKind,
    chunks: Vec<Vec<PackedRow>>,
    /// The index of each chunk's first row: chunks fill to [`CHUNK`] rows, but a table joined
    /// from two halves ([`InetTable::append`]) has a partly filled one in the middle.
    starts: Vec<usize>,
    /// Each row's key hash for [`InetTable::remove_duplicates`] (0: a row without a key),
    /// chunked as the rows: computed as a row is pushed, while it is in cache, since a later
    /// pass over every row would read the whole table from memory again. The search takes
    /// them (the report's pass after it needs the memory); a second search hashes again.
    hashes: Vec<Vec<u32>>,
    len: usize,
    /// IPv6 addresses as four printed words each.
    v6: Vec<[u32; 4]>,
    /// The network namespace whose table this is, when known (set for the view of every
    /// namespace at once, `Snapshot::select_all`, and for a selected namespace's report).
    pub netns: Option<u64>,
}

impl InetTable {
    pub fn new(kind: TableKind) -> InetTable {
        InetTable {
            kind,
            chunks: Vec::new(),
            starts: Vec::new(),
            hashes: Vec::new(),
            len: 0,
            v6: Vec::new(),
            netns: None,
        }
    }

    pub fn kind(&self) -> TableKind {
        self.kind
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Store a row parsed with [`ByteOrder::Big`], whose address bits are the printed words.
    #[inline]
    pub(crate) fn push_raw(&mut self, r: &InetSocket) {
        let mut flags = 0;
        let mut addr = |a: IpAddr, shift: u8| match a {
            IpAddr::V4(v4) => v4.to_bits(),
            IpAddr::V6(v6) => {
                let b = v6.to_bits();
                let words = [(b >> 96) as u32, (b >> 64) as u32, (b >> 32) as u32, b as u32];
                match THIRD_WORD.iter().position(|&t| t == words[2]) {
                    Some(k) if words[0] == 0 && words[1] == 0 => {
                        flags |= (INLINE + k as u8) << shift;
                        words[3]
                    }
                    _ => {
                        flags |= SIDE << shift;
                        self.v6.push(words);
                        (self.v6.len() - 1) as u32
                    }
                }
            }
        };
        let local = addr(r.local_addr, LOCAL);
        let remote = addr(r.remote_addr, REMOTE);
        let row = PackedRow {
            local,
            remote,
            inode: r.inode,
            tx_queue: r.tx_queue,
            rx_queue: r.rx_queue,
            timer_ticks: r.timer_ticks,
            retransmits: r.retransmits,
            uid: r.uid,
            line: r.line,
            local_port: r.local_port,
            remote_port: r.remote_port,
            state: r.state,
            timer: r.timer,
            flags,
        };
        self.push_packed(row);
    }

    /// Remove rows a non-atomic read returned twice: /proc tables are read a page at a time
    /// while the kernel's hash chains change, so a busy host can show one socket in two places.
    /// A duplicate is a later row with the inode of an earlier one (inode ≠ 0), or, for TIME_WAIT
    /// rows (which have no inode), with the same four-tuple. The first is kept.
    /// `fork`: threads the host lends, to hash and sort the two halves at once.
    pub fn remove_duplicates(&mut self, fork: Option<&dyn Fork>) -> Duplicates {
        use rustc_hash::FxHashSet;
        // A 32-bit hash of every row's key, sorted (radix: sequential passes, no cache miss per
        // row); only a hash seen twice can be a repeat, and just the rows with such a hash are
        // then checked exactly, in file order. An exact set over every row cost as much as
        // parsing the table (a cache miss per row into a 30 MB hash table). With a million rows
        // about a hundred hashes collide by chance. The hashes were computed at push, in file
        // order; the two halves of the hash range are sorted apart, on two threads.
        // Taken: they serve this search only, and the report's pass after it needs the memory.
        let mut hashes = std::mem::take(&mut self.hashes);
        // Searched before (the hashes went with that search) or grown since: hash the rows again.
        let in_step = hashes.len() == self.chunks.len()
            && hashes.iter().zip(&self.chunks).all(|(h, c)| h.len() == c.len());
        if !in_step {
            hashes = self.chunks.iter().map(|c| c.iter().map(|p| self.key_hash_of(p)).collect()).collect();
        }
        let half = hashes.len() / 2;
        let (early, late) = hashes.split_at(half);
        // Each half's hashes split by their top bit: written to both lists without a branch (the
        // bit is a coin toss) and kept in the one they belong to.
        let by_bit = |chunks: &[Vec<u32>]| -> [Vec<u32>; 2] {
            let n = chunks.iter().map(Vec::len).sum();
            let mut by_bit = [vec![0u32; n], vec![0u32; n]];
            let mut kept = [0usize; 2];
            for &h in chunks.iter().flatten() {
                by_bit[0][kept[0]] = h;
                by_bit[1][kept[1]] = h;
                kept[(h >> 31) as usize] += (h != 0) as usize;
            }
            for (v, n) in by_bit.iter_mut().zip(kept) {
                v.truncate(n);
            }
            by_bit
        };
        // WebAssembly has no threads: there each step is one piece of work, so that its code is
        // in the download once, not once per half.
        let fork = fork.filter(|_| !cfg!(target_family = "wasm"));
        let (mut early_bits, mut late_bits) = Default::default();
        match fork {
            Some(f) => f.both(&mut || early_bits = by_bit(early), &mut || late_bits = by_bit(late)),
            None => early_bits = by_bit(&hashes),
        }
        // The hashes seen twice: the lower and upper half of the hash range sorted apart.
        let repeated = |mut hashes: Vec<u32>, more: Vec<u32>| {
            hashes.extend_from_slice(&more);
            std::mem::drop(more);
            crate::sort::radix_sort(&mut hashes);
            let mut twice: Vec<u32> = hashes.windows(2).filter(|w| w[0] == w[1]).map(|w| w[0]).collect();
            twice.dedup();
            twice
        };
        let [mut early_lower, mut early_upper]: [Vec<u32>; 2] = early_bits;
        let [mut late_lower, mut late_upper]: [Vec<u32>; 2] = late_bits;
        let (mut lower, mut upper) = (Vec::new(), Vec::new());
        let take = std::mem::take::<Vec<u32>>;
        crate::types::both(
            fork,
            &mut || lower = repeated(take(&mut early_lower), take(&mut late_lower)),
            &mut || upper = repeated(take(&mut early_upper), take(&mut late_upper)),
        );
        let mut twice = lower;
        twice.extend(upper);
        if twice.is_empty() {
            return Duplicates::default();
        }
        // Most rows are passed over by 16 bits of their hash; the rest are looked up.
        let mut maybe = vec![0u64; 1 << 10];
        for &h in &twice {
            maybe[(h as usize & 0xFFFF) >> 6] |= 1 << (h & 63);
        }
        let twice_seen = |h: u32| {
            maybe[(h as usize & 0xFFFF) >> 6] & (1 << (h & 63)) != 0 && twice.binary_search(&h).is_ok()
        };
        // The rows with such a hash, as (chunk, index in it), found in the two halves at once.
        let candidates = |first_chunk: usize, chunks: &[Vec<u32>]| {
            let mut rows = Vec::new();
            for (c, chunk) in chunks.iter().enumerate() {
                for (i, &h) in chunk.iter().enumerate() {
                    if h != 0 && twice_seen(h) {
                        rows.push((first_chunk + c, i));
                    }
                }
            }
            rows
        };
        let (mut early_rows, mut late_rows) = (Vec::new(), Vec::new());
        match fork {
            Some(f) => {
                f.both(&mut || early_rows = candidates(0, early), &mut || late_rows = candidates(half, late))
            }
            None => early_rows = candidates(0, &hashes),
        }
        std::mem::drop(hashes);
        let mut found = Duplicates::default();
        let mut keys: FxHashSet<RowKey> = FxHashSet::default();
        let tcp = self.kind.is_tcp();
        let mut drop = Vec::new();
        for (c, i) in early_rows.into_iter().chain(late_rows) {
            let p = &self.chunks[c][i];
            let Some(key) = self.row_key(p) else { continue };
            if keys.insert(key) {
                continue;
            }
            match key {
                RowKey::Inode(_) => found.same_inode += 1,
                _ => found.same_time_wait += 1,
            }
            if found.total() == 1 {
                found.first_line = p.line;
            }
            let shown = p.inode != 0 && if tcp { p.remote_port == 0 } else { self.remote_is_unspecified(p) };
            if shown {
                found.kept_shown += 1;
            } else {
                drop.push(self.starts[c] + i);
            }
        }
        if drop.is_empty() {
            return found;
        }
        // Rare: rebuild the chunks without the duplicates (the v6 side table keeps its entries).
        let old = std::mem::take(&mut self.chunks);
        let mut drop = drop.into_iter().peekable();
        let mut kept = InetTable { netns: self.netns, ..InetTable::new(self.kind) };
        for (i, p) in old.into_iter().flatten().enumerate() {
            if drop.peek() == Some(&i) {
                drop.next();
                continue;
            }
            kept.push_packed(p);
        }
        self.chunks = kept.chunks;
        self.starts = kept.starts;
        self.len = kept.len;
        found
    }

    /// What makes a row one socket: its inode (≠ 0), or for a TIME_WAIT row (no inode) its
    /// four-tuple. Other rows without an inode have no identity to compare.
    #[inline]
    fn row_key(&self, p: &PackedRow) -> Option<RowKey> {
        if p.inode != 0 {
            return Some(RowKey::Inode(p.inode));
        }
        if !(self.kind.is_tcp() && p.state == super::inet::TCP_TIME_WAIT) {
            return None;
        }
        let ports = (p.local_port as u32) << 16 | p.remote_port as u32;
        Some(if p.flags == 0 {
            RowKey::TimeWait4((p.local as u64) << 32 | p.remote as u64, ports)
        } else {
            RowKey::TimeWait6(
                self.words(p.local, p.flags >> LOCAL),
                self.words(p.remote, p.flags >> REMOTE),
                ports,
            )
        })
    }

    /// The four printed words of an address stored as `w` with `how` (its 3 bits of the flags,
    /// shifted down); an IPv4 address gives `[0, 0, 0, w]`.
    #[inline]
    fn words(&self, w: u32, how: u8) -> [u32; 4] {
        match how & 7 {
            V4 => [0, 0, 0, w],
            SIDE => self.v6[w as usize],
            k => [0, 0, THIRD_WORD[(k - INLINE) as usize], w],
        }
    }

    /// Append the rows of `later`, the table's next lines parsed on their own (numbered from 1):
    /// their line numbers move on by `line_offset`, their side-table indices by this table's.
    /// Its chunks are moved, not copied (the copy was a tenth of a 1M-row open, on one thread).
    pub(crate) fn append(&mut self, mut later: InetTable, line_offset: u32) {
        let base = self.v6.len() as u32;
        self.v6.append(&mut later.v6);
        let side = |flags: u8, shift: u8| (flags >> shift) & 7 == SIDE;
        for p in later.chunks.iter_mut().flatten() {
            p.line += line_offset;
            if base > 0 {
                if side(p.flags, LOCAL) {
                    p.local += base;
                }
                if side(p.flags, REMOTE) {
                    p.remote += base;
                }
            }
        }
        for chunk in later.chunks {
            self.starts.push(self.len);
            self.len += chunk.len();
            self.chunks.push(chunk);
        }
        self.hashes.append(&mut later.hashes);
    }

    /// The hash of the row's key; never 0, which marks a row without a key.
    #[inline]
    fn key_hash_of(&self, p: &PackedRow) -> u32 {
        self.row_key(p).map_or(0, |k| key_hash(&k).max(1))
    }

    #[inline]
    #[cfg_attr(procsnap_speed, optimize(speed))]
    fn push_packed(&mut self, row: PackedRow) {
        let hash = self.key_hash_of(&row);
        match self.chunks.last_mut() {
            Some(c) if c.len() < CHUNK => {
                c.push(row);
                if let Some(h) = self.hashes.last_mut() {
                    h.push(hash);
                }
            }
            _ => {
                // The first chunk grows as needed (small tables stay small); later ones are whole.
                let first = self.chunks.is_empty();
                let mut c = if first { Vec::new() } else { Vec::with_capacity(CHUNK) };
                let mut h = if first { Vec::new() } else { Vec::with_capacity(CHUNK) };
                c.push(row);
                h.push(hash);
                self.starts.push(self.len);
                self.chunks.push(c);
                self.hashes.push(h);
            }
        }
        self.len += 1;
    }

    /// The stored rows, in file order, a chunk (up to 65,536 rows) at a time.
    pub fn chunks(&self) -> impl Iterator<Item = &[PackedRow]> + '_ {
        self.chunks.iter().map(Vec::as_slice)
    }

    /// Whether the remote address is all zeros (netstat's listening rule for udp and raw).
    #[inline]
    pub fn remote_is_unspecified(&self, p: &PackedRow) -> bool {
        self.words(p.remote, p.flags >> REMOTE) == [0; 4]
    }

    /// The remote IPv4 address as a number (`a.b.c.d` is `a << 24 | …`), if the row has one
    /// (IPv4-mapped IPv6 included); else the IPv6 address.
    #[inline]
    pub fn remote_canonical(&self, p: &PackedRow, order: ByteOrder) -> Result<u32, Ipv6Addr> {
        if (p.flags >> REMOTE) & 7 == V4 {
            return Ok(u32::from_be_bytes(word(p.remote, order)));
        }
        match self.unpack(p, order).remote_addr.to_canonical() {
            IpAddr::V4(v4) => Ok(v4.to_bits()),
            IpAddr::V6(v6) => Err(v6),
        }
    }

    #[inline]
    pub fn unpack(&self, p: &PackedRow, order: ByteOrder) -> InetSocket {
        let addr = |w: u32, how: u8| {
            if how & 7 != V4 {
                let words = self.words(w, how);
                let mut b = [0u8; 16];
                for (i, w) in words.into_iter().enumerate() {
                    b[i * 4..i * 4 + 4].copy_from_slice(&word(w, order));
                }
                IpAddr::V6(Ipv6Addr::from(b))
            } else {
                IpAddr::V4(Ipv4Addr::from(word(w, order)))
            }
        };
        InetSocket {
            table: self.kind,
            local_addr: addr(p.local, p.flags >> LOCAL),
            local_port: p.local_port,
            remote_addr: addr(p.remote, p.flags >> REMOTE),
            remote_port: p.remote_port,
            state: p.state,
            tx_queue: p.tx_queue,
            rx_queue: p.rx_queue,
            timer: p.timer,
            timer_ticks: p.timer_ticks,
            retransmits: p.retransmits,
            uid: p.uid,
            inode: p.inode,
            line: p.line,
        }
    }

    fn get(&self, i: usize, order: ByteOrder) -> Option<InetSocket> {
        let c = self.starts.partition_point(|&start| start <= i).checked_sub(1)?;
        let p = self.chunks[c].get(i - self.starts[c])?;
        Some(self.unpack(p, order))
    }
}

/// All Internet socket rows of a snapshot: tables in netstat's order (tcp, tcp6, udp, …), rows
/// in file order, read as [`InetSocket`] values with the snapshot's byte order applied.
#[derive(Debug, Clone, Default)]
pub struct InetRows {
    tables: Vec<InetTable>,
    order: ByteOrder,
    len: usize,
}

impl InetRows {
    /// `tables` in any order; they are put in netstat's.
    pub fn new(mut tables: Vec<InetTable>, order: ByteOrder) -> InetRows {
        tables.retain(|t| !t.is_empty());
        crate::sort::sort_by_key(&mut tables, |t| t.kind);
        let len = tables.iter().map(|t| t.len).sum();
        InetRows { tables, order, len }
    }

    /// Rows parsed into plain values, stored as the kernel printed them.
    #[cfg(test)]
    fn from_sockets(rows: &[InetSocket], order: ByteOrder) -> InetRows {
        let mut tables: Vec<InetTable> = Vec::new();
        for r in rows {
            let raw = InetSocket {
                local_addr: to_printed(r.local_addr, order),
                remote_addr: to_printed(r.remote_addr, order),
                ..*r
            };
            match tables.iter_mut().find(|t| t.kind == r.table) {
                Some(t) => t.push_raw(&raw),
                None => {
                    let mut t = InetTable::new(r.table);
                    t.push_raw(&raw);
                    tables.push(t);
                }
            }
        }
        InetRows::new(tables, order)
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn byte_order(&self) -> ByteOrder {
        self.order
    }

    pub fn tables(&self) -> &[InetTable] {
        &self.tables
    }

    /// Every namespace's rows as one set: `parts`' tables in netstat's table order (tcp of each
    /// namespace in turn, then tcp6, …), each table labelled with its namespace.
    pub fn merged(parts: impl IntoIterator<Item = (Option<u64>, InetRows)>, order: ByteOrder) -> InetRows {
        let mut tables = Vec::new();
        for (netns, rows) in parts {
            tables.extend(rows.tables.into_iter().map(|t| InetTable { netns, ..t }));
        }
        InetRows::new(tables, order)
    }

    /// Row `i` in the order of [`InetRows::iter`].
    pub fn get(&self, mut i: usize) -> Option<InetSocket> {
        for t in &self.tables {
            if i < t.len {
                return t.get(i, self.order);
            }
            i -= t.len;
        }
        None
    }

    /// The namespace of row `i`'s table ([`InetTable::netns`]).
    pub fn netns_of(&self, mut i: usize) -> Option<u64> {
        for t in &self.tables {
            if i < t.len {
                return t.netns;
            }
            i -= t.len;
        }
        None
    }

    pub fn iter(&self) -> impl Iterator<Item = InetSocket> + '_ {
        let order = self.order;
        self.tables.iter().flat_map(move |t| t.chunks.iter().flatten().map(move |p| t.unpack(p, order)))
    }
}

/// The address whose bits are the words the kernel printed for `a` on a host of `order`.
#[cfg(test)]
fn to_printed(a: IpAddr, order: ByteOrder) -> IpAddr {
    let fix = |b: [u8; 4]| match order {
        ByteOrder::Little => u32::from_le_bytes(b).to_be_bytes(),
        ByteOrder::Big => b,
    };
    match a {
        IpAddr::V4(v4) => IpAddr::V4(Ipv4Addr::from(fix(v4.octets()))),
        IpAddr::V6(v6) => {
            let o = v6.octets();
            let mut b = [0u8; 16];
            for i in 0..4 {
                b[i * 4..i * 4 + 4].copy_from_slice(&fix(o[i * 4..i * 4 + 4].try_into().unwrap_or_default()));
            }
            IpAddr::V6(Ipv6Addr::from(b))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(table: TableKind, local: &str, remote: &str, line: u32) -> InetSocket {
        InetSocket {
            table,
            local_addr: local.parse().unwrap(),
            local_port: 8080,
            remote_addr: remote.parse().unwrap(),
            remote_port: 50000,
            state: 6,
            tx_queue: 1,
            rx_queue: 2,
            timer: 3,
            timer_ticks: 4000,
            retransmits: 5,
            uid: 1000,
            inode: 1 << 40,
            line,
        }
    }

    #[test]
    fn rows_read_back_as_stored_in_netstat_table_order() {
        let rows = [
            row(TableKind::Tcp6, "::1", "::ffff:10.0.0.1", 2),
            row(TableKind::Tcp, "127.0.0.1", "10.1.2.3", 2),
            row(TableKind::Tcp, "10.0.0.1", "::2", 3),
        ];
        for order in [ByteOrder::Little, ByteOrder::Big] {
            let stored = InetRows::from_sockets(&rows, order);
            assert_eq!(stored.len(), 3);
            let back: Vec<_> = stored.iter().collect();
            assert_eq!(back, vec![rows[1], rows[2], rows[0]]);
            assert_eq!(stored.get(2), Some(rows[0]));
            assert_eq!(stored.get(3), None);
        }
    }

    #[test]
    fn duplicates_are_removed_once_each() {
        let mut t = InetTable::new(TableKind::Tcp);
        let tw = InetSocket { state: 6, inode: 0, ..row(TableKind::Tcp, "127.0.0.1", "127.0.0.2", 0) };
        let est = InetSocket { state: 1, inode: 77, ..tw };
        let tw6 = InetSocket { local_addr: "::1".parse().unwrap(), ..tw };
        let syn = InetSocket { state: 3, ..tw };
        let rows = [
            tw,
            est,
            InetSocket { remote_port: 1, ..tw },
            tw6,
            InetSocket { line: 9, ..tw },
            est,
            tw6,
            syn,
            syn,
        ];
        for (i, r) in rows.iter().enumerate() {
            t.push_raw(&InetSocket { line: i as u32 + 2, ..*r });
        }
        let d = t.remove_duplicates(None);
        assert_eq!(d, Duplicates { same_inode: 1, same_time_wait: 2, kept_shown: 0, first_line: 6 });
        assert_eq!(t.len(), 6);
        let lines: Vec<u32> = t.chunks().flatten().map(|p| p.line).collect();
        assert_eq!(lines, vec![2, 3, 4, 5, 9, 10], "first copy kept; inode-0 non-TIME_WAIT rows stay");
        // A second search hashes the rows again and finds nothing more.
        assert_eq!(t.remove_duplicates(None), Duplicates::default());
        assert!(d.message().unwrap().starts_with("3 rows read twice"));
    }

    /// The second piece of work first: halves that leaned on each other would show.
    #[derive(Debug)]
    struct SecondFirst;
    impl Fork for SecondFirst {
        fn both(&self, first: &mut (dyn FnMut() + Send), second: &mut (dyn FnMut() + Send)) {
            second();
            first();
        }
    }

    /// Over several chunks, with repeats across them and rows in both halves of the hash range,
    /// the forked search removes exactly what a plain set of every key removes.
    #[test]
    fn duplicates_across_chunks_match_an_exact_set_with_or_without_a_fork() {
        let mut rows = Vec::new();
        for i in 0..(CHUNK * 3) as u32 {
            let tw =
                InetSocket { state: 6, inode: 0, line: 0, ..row(TableKind::Tcp, "10.0.0.1", "10.9.0.1", i) };
            rows.push(match i % 5 {
                0 => InetSocket { inode: 1000 + (i as u64 * 7919) % 150_000, state: 1, ..tw },
                1 => InetSocket { local_port: (i % 300) as u16, remote_port: 80, ..tw },
                2 => InetSocket { state: 10, inode: 0, ..tw }, // a listener without an inode: no key
                _ => InetSocket { remote_port: (i % 60_000) as u16, ..tw },
            });
        }
        let mut seen = std::collections::HashSet::new();
        let expected: Vec<u32> = (0..rows.len() as u32)
            .filter(|&i| {
                let r = &rows[i as usize];
                let key = if r.inode != 0 {
                    format!("i{}", r.inode)
                } else if r.state == 6 {
                    format!("{}:{} {}:{}", r.local_addr, r.local_port, r.remote_addr, r.remote_port)
                } else {
                    return true;
                };
                seen.insert(key)
            })
            .map(|i| i + 2)
            .collect();
        for fork in [None, Some(&SecondFirst as &dyn Fork)] {
            let mut t = InetTable::new(TableKind::Tcp);
            for (i, r) in rows.iter().enumerate() {
                t.push_raw(&InetSocket { line: i as u32 + 2, ..*r });
            }
            let d = t.remove_duplicates(fork);
            let kept: Vec<u32> = t.chunks().flatten().map(|p| p.line).collect();
            assert_eq!(kept.len(), expected.len(), "{fork:?}");
            assert!(kept == expected, "{fork:?}");
            assert_eq!(d.total() as usize, rows.len() - expected.len(), "{fork:?}");
        }
    }

    #[test]
    fn ipv6_addresses_with_a_zero_first_half_are_stored_in_the_row() {
        let mut t = InetTable::new(TableKind::Tcp6);
        let addrs = ["::ffff:10.0.0.1", "::", "::1", "::ffff:0:0", "fe80::1", "0:0:1::", "::2:0:0"];
        let rows: Vec<_> = addrs
            .iter()
            .enumerate()
            .map(|(i, a)| InetSocket {
                remote_addr: "::ffff:1.2.3.4".parse().unwrap(),
                ..row(TableKind::Tcp6, a, a, i as u32)
            })
            .collect();
        for order in [ByteOrder::Little, ByteOrder::Big] {
            let stored = InetRows::from_sockets(&rows, order);
            assert_eq!(stored.iter().collect::<Vec<_>>(), rows);
            // fe80::1, 0:0:1:: and ::2:0:0 (its third word is neither 0 nor 0000ffff).
            assert_eq!(stored.tables()[0].v6.len(), 3, "{order:?}");
        }
        t.push_raw(&rows[0]);
        assert!(t.v6.is_empty());
    }

    /// A table joined from two halves has a partly filled chunk in the middle: every row is
    /// still found by its index, with its line number and IPv6 address moved on.
    #[test]
    fn an_appended_half_is_found_by_index() {
        let r = row(TableKind::Tcp6, "2001:db8::1", "2001:db8::2", 0);
        let (mut first, mut later) = (InetTable::new(TableKind::Tcp6), InetTable::new(TableKind::Tcp6));
        let mut expected = Vec::new();
        for i in 0..(CHUNK + 10) as u32 {
            let s = InetSocket { line: i + 2, local_port: i as u16, ..r };
            first.push_raw(&s);
            expected.push(s);
        }
        let offset = first.len() as u32 + 1;
        for i in 0..(CHUNK + 3) as u32 {
            let s = InetSocket {
                line: i + 1,
                remote_port: i as u16,
                local_addr: "2001:db8::9".parse().unwrap(),
                ..r
            };
            later.push_raw(&s);
            expected.push(InetSocket { line: s.line + offset, ..s });
        }
        first.append(later, offset);
        first.push_raw(&r);
        expected.push(r);
        let all = InetRows::new(vec![first], ByteOrder::Big);
        assert_eq!(all.iter().collect::<Vec<_>>(), expected);
        for (i, e) in expected.iter().enumerate() {
            assert_eq!(all.get(i).as_ref(), Some(e), "row {i}");
        }
        assert_eq!(all.get(expected.len()), None);
    }

    #[test]
    fn chunks_fill_without_moving_rows() {
        let mut t = InetTable::new(TableKind::Tcp);
        let r = row(TableKind::Tcp, "1.2.3.4", "5.6.7.8", 0);
        for i in 0..(CHUNK * 2 + 5) as u32 {
            t.push_raw(&InetSocket { line: i, ..r });
        }
        assert_eq!(t.chunks.len(), 3);
        assert_eq!(t.chunks[1].capacity(), CHUNK);
        let all = InetRows::new(vec![t], ByteOrder::Big);
        assert_eq!(all.get(CHUNK + 7).unwrap().line, (CHUNK + 7) as u32);
        assert_eq!(all.iter().count(), CHUNK * 2 + 5);
        assert_eq!(size_of::<PackedRow>(), 48);
    }
}
