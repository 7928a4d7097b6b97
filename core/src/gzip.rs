//! gzip framing (RFC 1952) around flate2's raw deflate: reading (every member, as
//! `flate2::read::MultiGzDecoder` does, with its error kinds and messages) and writing.
//!
//! Why not flate2's own gzip layer: it checks the trailer with crc32fast, whose slice-by-16
//! table (16 KB, incompressible) is about 5% of the viewer's download. Here the CRC-32 is
//! crc32fast natively (its SIMD path is what the CLI's speed rests on) and, in the browser, the
//! same slice-by-16 algorithm with its tables computed once at run time instead of shipped.

use std::io::{self, BufRead, BufReader, Read, Write};

use flate2::Compression;
use flate2::bufread::DeflateDecoder;
use flate2::write::DeflateEncoder;

const FHCRC: u8 = 1 << 1;
const FEXTRA: u8 = 1 << 2;
const FNAME: u8 = 1 << 3;
const FCOMMENT: u8 = 1 << 4;
const FRESERVED: u8 = 0xE0;
/// Longest file name or comment accepted in a header (flate2's limit).
const MAX_HEADER_FIELD: usize = 65535;
/// flate2's input buffer for `read::MultiGzDecoder`.
const INPUT_BUFFER: usize = 32 * 1024;

fn bad_header() -> io::Error {
    crate::error::io_error(io::ErrorKind::InvalidInput, "invalid gzip header")
}

fn corrupt() -> io::Error {
    crate::error::io_error(
        io::ErrorKind::InvalidInput,
        "corrupt gzip stream does not have a matching checksum",
    )
}

/// Decompresses every gzip member of `R` in turn (like `flate2::read::MultiGzDecoder`): a
/// damaged header, a wrong trailer and data cut short are errors; nothing may follow the last
/// member but another member.
pub struct MultiGzDecoder<R: Read> {
    state: State<R>,
}

enum State<R: Read> {
    Header(BufReader<R>),
    Body { inflate: DeflateDecoder<BufReader<R>>, crc: Crc, size: u32 },
    Done,
}

impl<R: Read> MultiGzDecoder<R> {
    pub fn new(r: R) -> Self {
        MultiGzDecoder { state: State::Header(BufReader::with_capacity(INPUT_BUFFER, r)) }
    }
}

impl<R: Read> Read for MultiGzDecoder<R> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if out.is_empty() {
            return Ok(0);
        }
        loop {
            match &mut self.state {
                State::Done => return Ok(0),
                State::Header(input) => {
                    let result = read_header(input);
                    // An error ends the stream (as flate2's decoder does).
                    let State::Header(input) = std::mem::replace(&mut self.state, State::Done) else {
                        unreachable!("matched above")
                    };
                    result?;
                    self.state =
                        State::Body { inflate: DeflateDecoder::new(input), crc: Crc::new(), size: 0 };
                }
                State::Body { inflate, crc, size } => {
                    let n = inflate.read(out)?;
                    if n > 0 {
                        crc.update(&out[..n]);
                        *size = size.wrapping_add(n as u32);
                        return Ok(n);
                    }
                    let (sum, amount) = (crc.sum(), *size);
                    let State::Body { inflate, .. } = std::mem::replace(&mut self.state, State::Done) else {
                        unreachable!("matched above")
                    };
                    let mut input = inflate.into_inner();
                    let mut trailer = [0u8; 8];
                    read_full(&mut input, &mut trailer)?;
                    let [c0, c1, c2, c3, s0, s1, s2, s3] = trailer;
                    if u32::from_le_bytes([c0, c1, c2, c3]) != sum
                        || u32::from_le_bytes([s0, s1, s2, s3]) != amount
                    {
                        return Err(corrupt());
                    }
                    if !input.fill_buf()?.is_empty() {
                        self.state = State::Header(input);
                    }
                }
            }
        }
    }
}

/// Fills `buf` or fails with `UnexpectedEof` (flate2's kind and wording for a short header or
/// trailer).
fn read_full(r: &mut impl Read, buf: &mut [u8]) -> io::Result<()> {
    let mut at = 0;
    while at < buf.len() {
        match r.read(&mut buf[at..]) {
            Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
            Ok(n) => at += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Reads one member header, leaving `input` at its deflate data.
fn read_header(input: &mut impl BufRead) -> io::Result<()> {
    let mut fixed = [0u8; 10];
    read_full(input, &mut fixed)?;
    if fixed[0] != 0x1f || fixed[1] != 0x8b || fixed[2] != 8 || fixed[3] & FRESERVED != 0 {
        return Err(bad_header());
    }
    let flags = fixed[3];
    // The header's own CRC (FHCRC) covers every header byte before it.
    let mut header_crc = (flags & FHCRC != 0).then(Crc::new);
    let mut seen = |bytes: &[u8]| {
        if let Some(c) = &mut header_crc {
            c.update(bytes);
        }
    };
    seen(&fixed);
    if flags & FEXTRA != 0 {
        let mut xlen = [0u8; 2];
        read_full(input, &mut xlen)?;
        seen(&xlen);
        let mut extra = vec![0u8; u16::from_le_bytes(xlen) as usize];
        if !extra.is_empty() {
            read_full(input, &mut extra)?;
        }
        seen(&extra);
    }
    for flag in [FNAME, FCOMMENT] {
        if flags & flag != 0 {
            let mut field = Vec::new();
            let mut byte = [0u8; 1];
            loop {
                read_full(input, &mut byte)?;
                if byte[0] == 0 {
                    break;
                }
                if field.len() == MAX_HEADER_FIELD {
                    return Err(crate::error::io_error(
                        io::ErrorKind::InvalidInput,
                        "gzip header field too long",
                    ));
                }
                field.push(byte[0]);
            }
            seen(&field);
            seen(b"\0");
        }
    }
    if let Some(c) = header_crc {
        let mut stored = [0u8; 2];
        read_full(input, &mut stored)?;
        if u16::from_le_bytes(stored) != c.sum() as u16 {
            return Err(corrupt());
        }
    }
    Ok(())
}

/// Writes one gzip member (the header flate2's `GzEncoder` writes: no name, mtime 0, OS 255).
pub struct GzEncoder<W: Write> {
    deflate: DeflateEncoder<W>,
    crc: Crc,
    size: u32,
}

impl<W: Write> GzEncoder<W> {
    pub fn new(mut w: W, level: Compression) -> io::Result<Self> {
        let xfl = match level.level() {
            l if l >= 9 => 2,
            l if l <= 1 => 4,
            _ => 0,
        };
        w.write_all(&[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, xfl, 255])?;
        Ok(GzEncoder { deflate: DeflateEncoder::new(w, level), crc: Crc::new(), size: 0 })
    }

    /// Ends the member (deflate's last block, then the trailer) and hands back the writer.
    pub fn finish(self) -> io::Result<W> {
        let mut w = self.deflate.finish()?;
        w.write_all(&self.crc.sum().to_le_bytes())?;
        w.write_all(&self.size.to_le_bytes())?;
        Ok(w)
    }
}

impl<W: Write> Write for GzEncoder<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.deflate.write(buf)?;
        self.crc.update(&buf[..n]);
        self.size = self.size.wrapping_add(n as u32);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.deflate.flush()
    }
}

/// CRC-32 (IEEE, as gzip uses it): crc32fast natively.
#[cfg(not(target_arch = "wasm32"))]
type Crc = NativeCrc;

#[cfg(not(target_arch = "wasm32"))]
pub struct NativeCrc(crc32fast::Hasher);

#[cfg(not(target_arch = "wasm32"))]
impl NativeCrc {
    fn new() -> Self {
        NativeCrc(crc32fast::Hasher::new())
    }
    fn update(&mut self, b: &[u8]) {
        self.0.update(b)
    }
    fn sum(&self) -> u32 {
        self.0.clone().finalize()
    }
}

/// In the browser: slice-by-16 with tables built on first use (16 KB of memory, no download).
#[cfg(target_arch = "wasm32")]
type Crc = Crc32;

/// CRC-32 by slices of 16 bytes (crc32fast's portable algorithm), its tables computed once.
pub struct Crc32 {
    state: u32,
}

impl Default for Crc32 {
    fn default() -> Self {
        Self::new()
    }
}

impl Crc32 {
    pub fn new() -> Self {
        Crc32 { state: 0 }
    }

    pub fn update(&mut self, mut b: &[u8]) {
        let t = tables();
        let mut crc = !self.state;
        while b.len() >= 16 {
            let lo = crc ^ u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
            crc = t[15][(lo & 0xff) as usize]
                ^ t[14][((lo >> 8) & 0xff) as usize]
                ^ t[13][((lo >> 16) & 0xff) as usize]
                ^ t[12][(lo >> 24) as usize];
            for (i, &byte) in b[4..16].iter().enumerate() {
                crc ^= t[11 - i][byte as usize];
            }
            b = &b[16..];
        }
        for &byte in b {
            crc = t[0][((crc ^ byte as u32) & 0xff) as usize] ^ (crc >> 8);
        }
        self.state = !crc;
    }

    pub fn sum(&self) -> u32 {
        self.state
    }
}

type Tables = [[u32; 256]; 16];

fn tables() -> &'static Tables {
    static TABLES: std::sync::OnceLock<Box<Tables>> = std::sync::OnceLock::new();
    TABLES.get_or_init(|| {
        let mut t = Box::new([[0u32; 256]; 16]);
        for i in 0..256u32 {
            let mut c = i;
            for _ in 0..8 {
                c = if c & 1 != 0 { 0xEDB8_8320 ^ (c >> 1) } else { c >> 1 };
            }
            t[0][i as usize] = c;
        }
        for i in 0..256 {
            for k in 1..16 {
                let prev = t[k - 1][i];
                t[k][i] = (prev >> 8) ^ t[0][(prev & 0xff) as usize];
            }
        }
        t
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flate2_gzip(data: &[u8], level: Compression) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), level);
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    fn ours(data: &[u8]) -> io::Result<Vec<u8>> {
        let mut out = Vec::new();
        MultiGzDecoder::new(data).read_to_end(&mut out).map(|_| out)
    }

    fn theirs(data: &[u8]) -> io::Result<Vec<u8>> {
        let mut out = Vec::new();
        flate2::read::MultiGzDecoder::new(data).read_to_end(&mut out).map(|_| out)
    }

    fn sample(n: usize) -> Vec<u8> {
        (0..n).map(|i| (i * 7 + i / 13) as u8).collect()
    }

    #[test]
    fn crc32_by_slices_equals_crc32fast() {
        for len in [0, 1, 15, 16, 17, 255, 4096 + 3] {
            let data = sample(len);
            for split in [0, len / 3, len] {
                let mut c = Crc32::new();
                c.update(&data[..split]);
                c.update(&data[split..]);
                assert_eq!(c.sum(), crc32fast::hash(&data), "len {len} split {split}");
            }
        }
        let mut c = Crc32::new();
        c.update(b"123456789");
        assert_eq!(c.sum(), 0xCBF4_3926, "the check value of CRC-32/ISO-HDLC");
    }

    #[test]
    fn reads_what_flate2_and_gzip_write_as_flate2_reads_it() {
        let data = sample(300_000);
        let one = flate2_gzip(&data, Compression::fast());
        assert_eq!(ours(&one).unwrap(), data);
        // Two members, as `cat a.gz b.gz`; a header with name, comment, extra and header CRC.
        let mut two = one.clone();
        two.extend(flate2_gzip(b"second", Compression::best()));
        assert_eq!(ours(&two).unwrap(), theirs(&two).unwrap());
        let mut gz = flate2::GzBuilder::new()
            .filename("a.tar")
            .comment("c")
            .extra(vec![1, 2, 3])
            .write(Vec::new(), Compression::default());
        gz.write_all(b"hello").unwrap();
        let mut fancy = gz.finish().unwrap();
        fancy[3] |= FHCRC;
        // Recompute the layout with FHCRC set: flate2's builder does not write one, so the
        // header CRC is inserted by hand before the deflate data.
        let header_len = 10 + 2 + 3 + b"a.tar\0".len() + b"c\0".len();
        let mut c = Crc32::new();
        c.update(&fancy[..header_len]);
        let crc16 = (c.sum() as u16).to_le_bytes();
        fancy.splice(header_len..header_len, crc16);
        assert_eq!(ours(&fancy).unwrap(), b"hello");
        assert_eq!(theirs(&fancy).unwrap(), b"hello");
        fancy[header_len] ^= 1;
        assert_eq!(ours(&fancy).unwrap_err().to_string(), theirs(&fancy).unwrap_err().to_string());
    }

    #[test]
    fn damage_fails_with_flate2s_kind_and_words() {
        let data = sample(100_000);
        let good = flate2_gzip(&data, Compression::fast());
        let mut cases: Vec<(String, Vec<u8>)> = Vec::new();
        for cut in [1, 2, 9, 10, 11, 100, good.len() - 9, good.len() - 8, good.len() - 4, good.len() - 1] {
            cases.push((format!("cut at {cut}"), good[..cut].to_vec()));
        }
        for (at, flip) in
            [(0, 0x01), (2, 0x01), (3, 0x80), (20, 0x55), (good.len() - 6, 0x01), (good.len() - 2, 0x01)]
        {
            let mut d = good.clone();
            d[at] ^= flip;
            cases.push((format!("byte {at} ^ {flip:#x}"), d));
        }
        let mut trailing = good.clone();
        trailing.extend(b"garbage after the member");
        cases.push(("garbage after".into(), trailing));
        let mut zeros = good.clone();
        zeros.extend([0u8; 4]);
        cases.push(("zeros after".into(), zeros));
        for (what, d) in cases {
            let (a, b) = (ours(&d), theirs(&d));
            match (&a, &b) {
                (Ok(x), Ok(y)) => assert_eq!(x, y, "{what}"),
                (Err(x), Err(y)) => {
                    assert_eq!((x.kind(), x.to_string()), (y.kind(), y.to_string()), "{what}")
                }
                _ => panic!("{what}: ours {:?}, flate2 {:?}", a.map(|v| v.len()), b.map(|v| v.len())),
            }
        }
    }

    #[test]
    fn writes_what_flate2_writes() {
        for level in [Compression::none(), Compression::fast(), Compression::default(), Compression::best()] {
            let data = sample(70_000);
            let mut e = GzEncoder::new(Vec::new(), level).unwrap();
            e.write_all(&data).unwrap();
            assert_eq!(e.finish().unwrap(), flate2_gzip(&data, level), "byte for byte at {level:?}");
        }
    }
}
