//! SHA-256 and hex: the manifest's integrity figures.

use sha2::{Digest, Sha256};

/// Bytes are hashed in slices of this size (see [`sha256_hex`]).
pub const HASH_CHUNK: usize = 64 * 1024;

/// SHA-256 of `data` as lowercase hex, fed in 64 KiB chunks: in WebAssembly, V8 optimises a
/// function only on a later call, and one call over 150 MB would run entirely in the baseline
/// compiler's code (measured: 8 s instead of 1 s for a million-row table).
pub fn sha256_hex(data: &[u8]) -> String {
    let mut h = Sha256::new();
    for chunk in data.chunks(HASH_CHUNK) {
        h.update(chunk);
    }
    hex(&h.finalize())
}

/// A SHA-256 computed piece by piece, for data that streams.
#[derive(Default, Clone)]
pub struct Hasher(Sha256);

impl Hasher {
    pub fn update(&mut self, data: &[u8]) {
        self.0.update(data);
    }
    /// Lowercase hex.
    pub fn finish(self) -> String {
        hex(&self.0.finalize())
    }
}

/// Lowercase hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 15) as usize] as char);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_digests() {
        assert_eq!(sha256_hex(b""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        let mut h = Hasher::default();
        h.update(b"a");
        h.update(b"bc");
        assert_eq!(h.finish(), sha256_hex(b"abc"));
        assert_eq!(hex(&[0, 0xab, 0xff]), "00abff");
    }
}
