//! Bytes that are usually text: command lines, socket paths, program names.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Bytes as the kernel gave them. netstat prints them unchanged (it can even cut a UTF-8
/// character in two), so renderers need the bytes, while JSON wants a string. Serialised as a
/// JSON string when valid UTF-8, else as an array of byte values; both forms read back.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RawText(pub Vec<u8>);

impl RawText {
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }
    /// For display: invalid UTF-8 becomes U+FFFD.
    pub fn lossy(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(&self.0)
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<&str> for RawText {
    fn from(s: &str) -> Self {
        RawText(s.as_bytes().to_vec())
    }
}

impl Serialize for RawText {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // Binary formats (the share link, the viewer's worker messages) carry the bytes.
        if !s.is_human_readable() {
            return s.serialize_bytes(&self.0);
        }
        match std::str::from_utf8(&self.0) {
            Ok(text) => s.serialize_str(text),
            Err(_) => self.0.serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for RawText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        if !d.is_human_readable() {
            return Ok(RawText(serde_bytes_vec(d)?));
        }
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Either {
            Text(String),
            Bytes(Vec<u8>),
        }
        Ok(match Either::deserialize(d)? {
            Either::Text(t) => RawText(t.into_bytes()),
            Either::Bytes(b) => RawText(b),
        })
    }
}

/// `Vec<u8>` from a binary format's byte string (`deserialize_bytes`), without serde_bytes.
fn serde_bytes_vec<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
    struct V;
    impl<'de> serde::de::Visitor<'de> for V {
        type Value = Vec<u8>;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("bytes")
        }
        fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<Vec<u8>, E> {
            Ok(v.to_vec())
        }
        fn visit_byte_buf<E: serde::de::Error>(self, v: Vec<u8>) -> Result<Vec<u8>, E> {
            Ok(v)
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<u8>, A::Error> {
            let mut out = Vec::new();
            while let Some(b) = seq.next_element()? {
                out.push(b);
            }
            Ok(out)
        }
    }
    d.deserialize_byte_buf(V)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_text_and_bytes() {
        for raw in [RawText::from("nginx: worker"), RawText(vec![b'a', 0xE2, 0x82])] {
            let json = serde_json::to_string(&raw).unwrap();
            let back: RawText = serde_json::from_str(&json).unwrap();
            assert_eq!(back, raw);
        }
        assert_eq!(serde_json::to_string(&RawText::from("x")).unwrap(), "\"x\"");
    }
}
