//! `procsnap.json`, the manifest at the root of every snapshot (format v1; its path and version
//! are in [`crate::layout`]).
//!
//! Every field but `format_version` is optional: the POSIX-sh fallback collector cannot know
//! timings, read counts or hashes and leaves them out. Unknown fields are ignored so that a
//! newer minor writer stays readable; a newer *format version* is refused by the decoder.

use serde::{Deserialize, Serialize};

use crate::types::ByteOrder;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Manifest {
    /// Always `"procsnap"`; lets a reader tell the manifest from any other JSON file.
    pub format: Option<String>,
    pub format_version: u32,
    /// Name and version of the writer, e.g. `procsnap 0.1.0` or `procsnap-collect.sh 1`.
    pub tool: Option<String>,
    pub host: HostFacts,
    pub capture: CaptureTimes,
    /// One record per captured regular file (tables, sysctls, cmdline, comm, status).
    pub files: Vec<FileRecord>,
    pub walk: Option<WalkStats>,
    /// The network namespaces the capture saw, the collector's own first (added within format
    /// 1: older snapshots have none, and readers then know only the collector's own).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub namespaces: Vec<NetnsRecord>,
    /// Which namespaces were asked for: `all` (the default) or `self` (`--netns self`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub netns_scope: Option<String>,
}

/// One network namespace of the capture.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct NetnsRecord {
    /// The number in `net:[INODE]`, the target of `/proc/PID/ns/net`.
    pub inode: u64,
    /// The collector's own namespace: its tables are `proc/net/*`.
    pub host: bool,
    /// The member process whose `proc/PID/net/*` holds this namespace's tables (`None` for the
    /// collector's own, and for a namespace whose every member exited before its tables were read).
    pub pid: Option<u32>,
    /// Processes seen in it during the walk.
    pub processes: u64,
    /// Socket rows of its tables (Internet and unix), as captured.
    pub rows: Option<u64>,
    /// Every member exited before its tables could be read: listed, with no tables.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub vanished: bool,
}

/// Facts about the captured host that the parsers need as parameters.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct HostFacts {
    pub hostname: Option<String>,
    /// `uname -r`.
    pub kernel: Option<String>,
    /// `uname -m`.
    pub arch: Option<String>,
    /// `"little"` or `"big"`: decides how the hex addresses in /proc/net are read.
    pub byte_order: Option<String>,
    /// Clock ticks per second (`sysconf(_SC_CLK_TCK)`), the unit of the TIME_WAIT timer.
    pub user_hz: Option<u32>,
    pub page_size: Option<u32>,
    /// Effective uid of the collector: not root means owners may be missing.
    pub uid: Option<u32>,
    /// The `hidepid=` option /proc was mounted with (`invisible`, `noaccess`, `2`, `1`), when
    /// set: other users' processes were hidden from the collector, so their sockets have no owner.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub proc_hidepid: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct CaptureTimes {
    /// RFC 3339 UTC, e.g. `2026-11-27T02:30:00.123Z`.
    pub start: Option<String>,
    pub end: Option<String>,
    pub duration_us: Option<u64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FileRecord {
    /// Path inside the archive, e.g. `proc/net/tcp`.
    pub path: String,
    pub bytes: Option<u64>,
    /// Number of `read(2)` calls the collector needed (it reads in large chunks).
    pub reads: Option<u64>,
    /// Wall time to read the file, microseconds: mostly the kernel generating the text.
    pub micros: Option<u64>,
    /// Lower-case hex SHA-256 of the bytes stored in the archive.
    pub sha256: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct WalkStats {
    pub pids_seen: u64,
    /// `/proc/PID/fd` could not be opened (permission): their sockets have no owner.
    pub pids_unreadable: u64,
    /// The process exited between being listed and being read.
    pub pids_vanished: u64,
    pub fds_read: u64,
    pub socket_links: u64,
    pub micros: Option<u64>,
    /// Network namespaces seen (the collector's own included; 0 in older snapshots).
    pub netns_seen: u64,
    /// Namespaces whose every member exited before their tables were read.
    pub netns_vanished: u64,
}

impl Manifest {
    pub fn byte_order(&self) -> Option<ByteOrder> {
        self.host.byte_order.as_deref().and_then(ByteOrder::parse)
    }
}

// Reading and writing the manifest's JSON without serde_json (why: `crate::json`). The rules are
// serde's for these `#[serde(default)]` structs: a missing member takes its default, an unknown
// one is ignored, `null` is `None` for an `Option` and an error elsewhere, a known member twice
// is an error.

use crate::json::{self, Value};

type Members = [(String, Value)];

fn object<'a>(v: &'a Value, what: &str) -> Result<&'a Members, String> {
    match v {
        Value::Object(m) => Ok(m),
        _ => Err(format!("invalid type: {what} must be an object")),
    }
}

/// The member `key`, if present once.
fn member<'a>(m: &'a Members, key: &str) -> Result<Option<&'a Value>, String> {
    let mut found = m.iter().filter(|(k, _)| k == key).map(|(_, v)| v);
    let first = found.next();
    if found.next().is_some() {
        return Err(format!("duplicate field `{key}`"));
    }
    Ok(first)
}

/// A value of a manifest field.
trait FromJson: Sized {
    fn from_json(v: &Value, key: &str) -> Result<Self, String>;
}

fn invalid(key: &str, expected: &str) -> String {
    format!("invalid type for `{key}`: expected {expected}")
}

macro_rules! from_json_uint {
    ($($t:ty),*) => {$(
        impl FromJson for $t {
            fn from_json(v: &Value, key: &str) -> Result<Self, String> {
                match v {
                    Value::Number(n) => n.parse().map_err(|_| invalid(key, concat!(stringify!($t), " (an unsigned integer in range)"))),
                    _ => Err(invalid(key, "an unsigned integer")),
                }
            }
        }
    )*};
}
from_json_uint!(u32, u64);

impl FromJson for bool {
    fn from_json(v: &Value, key: &str) -> Result<Self, String> {
        match v {
            Value::Bool(b) => Ok(*b),
            _ => Err(invalid(key, "a boolean")),
        }
    }
}

impl FromJson for String {
    fn from_json(v: &Value, key: &str) -> Result<Self, String> {
        match v {
            Value::String(s) => Ok(s.clone()),
            _ => Err(invalid(key, "a string")),
        }
    }
}

impl<T: FromJson> FromJson for Option<T> {
    fn from_json(v: &Value, key: &str) -> Result<Self, String> {
        match v {
            Value::Null => Ok(None),
            v => T::from_json(v, key).map(Some),
        }
    }
}

impl<T: FromJson> FromJson for Vec<T> {
    fn from_json(v: &Value, key: &str) -> Result<Self, String> {
        match v {
            Value::Array(items) => items.iter().map(|i| T::from_json(i, key)).collect(),
            _ => Err(invalid(key, "an array")),
        }
    }
}

/// `FromJson` for a `Default` struct, member by member; and the struct's members for the writer.
macro_rules! json_struct {
    ($t:ident { $($f:ident $(if $skip:expr)?),* $(,)? }) => {
        impl FromJson for $t {
            fn from_json(v: &Value, key: &str) -> Result<Self, String> {
                let mut out = $t::default();
                if let Value::Array(items) = v {
                    // serde's other form of a struct: its fields in order (missing ones default).
                    let mut items = items.iter();
                    $(
                        if let Some(v) = items.next() {
                            out.$f = FromJson::from_json(v, stringify!($f))?;
                        }
                    )*
                    if items.next().is_some() {
                        return Err(format!("invalid length: {key} has more fields than expected"));
                    }
                    return Ok(out);
                }
                let m = object(v, key)?;
                $(
                    if let Some(v) = member(m, stringify!($f))? {
                        out.$f = FromJson::from_json(v, stringify!($f))?;
                    }
                )*
                Ok(out)
            }
        }
        impl ToJson for $t {
            fn to_json(&self) -> Value {
                let mut m = Vec::new();
                $(
                    let skip: fn(&$t) -> bool = |_s| false $(|| $skip(&_s.$f))?;
                    if !skip(self) {
                        m.push((stringify!($f).to_string(), self.$f.to_json()));
                    }
                )*
                Value::Object(m)
            }
        }
    };
}

/// A field's value as JSON, for the writer.
trait ToJson {
    fn to_json(&self) -> Value;
}

macro_rules! to_json_uint {
    ($($t:ty),*) => {$(
        impl ToJson for $t {
            fn to_json(&self) -> Value {
                Value::Number(self.to_string())
            }
        }
    )*};
}
to_json_uint!(u32, u64);
impl ToJson for bool {
    fn to_json(&self) -> Value {
        Value::Bool(*self)
    }
}
impl ToJson for String {
    fn to_json(&self) -> Value {
        Value::String(self.clone())
    }
}
impl<T: ToJson> ToJson for Option<T> {
    fn to_json(&self) -> Value {
        self.as_ref().map_or(Value::Null, ToJson::to_json)
    }
}
impl<T: ToJson> ToJson for Vec<T> {
    fn to_json(&self) -> Value {
        Value::Array(self.iter().map(ToJson::to_json).collect())
    }
}

json_struct!(Manifest {
    format, format_version, tool, host, capture, files, walk,
    namespaces if Vec::is_empty,
    netns_scope if Option::is_none,
});
json_struct!(NetnsRecord { inode, host, pid, processes, rows, vanished if |b: &bool| !*b });
json_struct!(HostFacts {
    hostname, kernel, arch, byte_order, user_hz, page_size, uid,
    proc_hidepid if Option::is_none,
});
json_struct!(CaptureTimes { start, end, duration_us });
json_struct!(FileRecord { path, bytes, reads, micros, sha256 });
json_struct!(WalkStats {
    pids_seen,
    pids_unreadable,
    pids_vanished,
    fds_read,
    socket_links,
    micros,
    netns_seen,
    netns_vanished,
});

impl Manifest {
    /// Reads `procsnap.json`. The error is the reason, for [`crate::Error::BadManifest`].
    pub fn from_json(bytes: &[u8]) -> Result<Manifest, String> {
        <Manifest as FromJson>::from_json(&json::parse(bytes)?, "the manifest")
    }

    /// The manifest as JSON, laid out as `serde_json::to_vec_pretty` lays it out.
    pub fn to_json_pretty(&self) -> String {
        let mut out = String::new();
        write_pretty(&mut out, &ToJson::to_json(self), 0);
        out
    }
}

fn write_pretty(out: &mut String, v: &Value, indent: usize) {
    fn newline(out: &mut String, indent: usize) {
        out.push('\n');
        for _ in 0..indent {
            out.push_str("  ");
        }
    }
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(n),
        Value::String(s) => json::write_string(out, s),
        Value::Array(items) if items.is_empty() => out.push_str("[]"),
        Value::Object(m) if m.is_empty() => out.push_str("{}"),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, indent + 1);
                write_pretty(out, item, indent + 1);
            }
            newline(out, indent);
            out.push(']');
        }
        Value::Object(m) => {
            out.push('{');
            for (i, (k, item)) in m.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                newline(out, indent + 1);
                json::write_string(out, k);
                out.push_str(": ");
                write_pretty(out, item, indent + 1);
            }
            newline(out, indent);
            out.push('}');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn full() -> Manifest {
        Manifest {
            format: Some("procsnap".into()),
            format_version: 1,
            tool: Some("procsnap 0.1.0".into()),
            host: HostFacts {
                hostname: Some("wëb-01 \"prod\"\t\\\u{1}".into()),
                kernel: Some("6.1.0-27-amd64".into()),
                arch: Some("x86_64".into()),
                byte_order: Some("little".into()),
                user_hz: Some(100),
                page_size: Some(4096),
                uid: Some(0),
                proc_hidepid: Some("invisible".into()),
            },
            capture: CaptureTimes {
                start: Some("2026-11-27T02:30:00.123Z".into()),
                end: None,
                duration_us: Some(u64::MAX),
            },
            files: vec![
                FileRecord {
                    path: "proc/net/tcp".into(),
                    bytes: Some(150),
                    reads: Some(1),
                    micros: None,
                    sha256: Some("ab".repeat(32)),
                },
                FileRecord::default(),
            ],
            walk: Some(WalkStats { pids_seen: 3, socket_links: 9, micros: Some(12), ..WalkStats::default() }),
            namespaces: vec![
                NetnsRecord {
                    inode: 4026531840,
                    host: true,
                    pid: None,
                    processes: 2,
                    rows: Some(5),
                    vanished: false,
                },
                NetnsRecord {
                    inode: 4026532000,
                    host: false,
                    pid: Some(77),
                    processes: 0,
                    rows: None,
                    vanished: true,
                },
            ],
            netns_scope: Some("all".into()),
        }
    }

    /// serde_json, the writer the collector uses, is the oracle for both directions.
    #[test]
    fn reads_and_writes_as_serde_json_does() {
        for m in [full(), Manifest::default(), Manifest { format_version: 1, ..Manifest::default() }] {
            let pretty = m.to_json_pretty();
            assert_eq!(pretty, serde_json::to_string_pretty(&m).unwrap());
            assert_eq!(Manifest::from_json(pretty.as_bytes()).unwrap(), m);
            let compact = serde_json::to_vec(&m).unwrap();
            assert_eq!(Manifest::from_json(&compact).unwrap(), m);
        }
    }

    #[test]
    fn the_examples_manifest_reads_back() {
        // The built-in example writes its manifest with `to_json_pretty`; serde_json must agree.
        let m = full();
        let back: Manifest = serde_json::from_str(&m.to_json_pretty()).unwrap();
        assert_eq!(back, m);
    }

    /// Inputs where the two readers must agree on success and, when both succeed, on the value.
    #[test]
    fn agrees_with_serde_json_on_odd_manifests() {
        for text in [
            r#"{"format_version": 1}"#,
            r#"{"format_version": 1, "unknown": {"deep": [1, 2, {"x": null}]}, "also": 1e999}"#,
            r#"{"format_version": 1, "host": {"user_hz": 250, "extra": true}}"#,
            r#"{"format_version": 1, "walk": null}"#,
            r#"{"format_version": 1, "files": [{"path": "proc/net/tcp", "sha256": null}]}"#,
            r#"{"format_version": 1, "namespaces": [{"inode": 1, "vanished": true}]}"#,
            r#"{"format_version": null}"#,
            r#"{"format_version": -1}"#,
            r#"{"format_version": 1.0}"#,
            r#"{"format_version": 1e0}"#,
            r#"{"format_version": 4294967296}"#,
            r#"{"format_version": "1"}"#,
            r#"{"format_version": 1, "format_version": 1}"#,
            r#"{"format_version": 1, "host": []}"#,
            r#"{"format_version": 1, "host": ["h", "k", null, "big", 100]}"#,
            r#"[null, 1, "tool", {}, [], [[]], null, [], "self"]"#,
            r#"[null, 1, "tool", {}, [], [[]], null, [], "self", 1]"#,
            r#"{"format_version": 1, "host": {"user_hz": 18446744073709551616}}"#,
            r#"{"format_version": 1, "files": {}}"#,
            r#"{"format_version": 1, "files": [1]}"#,
            r#"{"format_version": 1, "namespaces": [{"host": 1}]}"#,
            r#"[]"#,
            r#"null"#,
            r#"{"format_version": 1"#,
            "",
        ] {
            let ours = Manifest::from_json(text.as_bytes());
            let theirs = serde_json::from_str::<Manifest>(text);
            match (&ours, &theirs) {
                (Ok(a), Ok(b)) => assert_eq!(a, b, "{text}"),
                (Err(_), Err(_)) => {}
                _ => panic!("{text}: ours {ours:?}, serde_json {theirs:?}"),
            }
        }
    }
}
