//! Share links: the report itself, compressed into a URL fragment, so any copy of the static
//! viewer can show it with no server: `…#r=1.<base64url(zlib(postcard(report)))>`.
//!
//! The link carries the report, never raw rows: listeners, counters, top-N breakdowns, the
//! histogram, cost figures and a summary of the files. Redaction happens before encoding:
//! addresses are pseudonymised consistently (the same address always gets the same name, and
//! addresses of different /24 (IPv4) or /64 (IPv6) networks stay in different networks),
//! command-line arguments are dropped, the hostname is dropped. zlib's checksum makes an altered
//! or cut link fail to decode instead of showing wrong figures.
//!
//! The payload has its own versioned shape ([`v1`]), filled from the report, so the report can
//! grow without breaking links already made (a test pins a version-1 link). A new payload
//! version is needed only to carry more than version 1 holds.

#[cfg(feature = "flate")]
use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crate::report::{Report, SharedInfo};

mod convert;
mod transfer;
pub mod v1;

pub use transfer::Transfer;

use convert::Wire;

pub const LINK_VERSION: u32 = 1;
/// The fragment key: `#r=…`.
pub const FRAGMENT_KEY: &str = "r=";
/// Top-N lists are cut to this many entries in a link.
const LINK_TOP: usize = 10;
/// Decoded links larger than this are refused (a link is a few KiB; this bounds a hostile one).
pub const MAX_DECODED: u64 = 4 << 20;

/// What to remove before encoding.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Redaction {
    pub addresses: bool,
    pub args: bool,
    /// The hostname, and the container ids and pod UIDs of the namespace summaries.
    pub hostname: bool,
}

impl Redaction {
    pub const ALL: Redaction = Redaction { addresses: true, args: true, hostname: true };

    /// Parse `addresses,args,hostname` (any subset; `all` and `none` too).
    pub fn parse(list: &str) -> Result<Redaction, String> {
        let mut r = Redaction::default();
        for word in list.split(',').map(str::trim).filter(|w| !w.is_empty()) {
            match word {
                "addresses" => r.addresses = true,
                "args" => r.args = true,
                "hostname" => r.hostname = true,
                "all" => r = Redaction::ALL,
                "none" => r = Redaction::default(),
                other => {
                    return Err(format!(
                        "unknown redaction {}; use addresses, args, hostname, all or none",
                        crate::format::quoted(other)
                    ));
                }
            }
        }
        Ok(r)
    }

    pub fn names(&self) -> Vec<String> {
        let mut v = Vec::new();
        if self.addresses {
            v.push("addresses".to_string());
        }
        if self.args {
            v.push("args".to_string());
        }
        if self.hostname {
            v.push("hostname".to_string());
        }
        v
    }
}

/// Why a link could not be opened.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum LinkError {
    /// No `r=` fragment, or not `VERSION.DATA`.
    NotALink,
    NewerVersion {
        found: u32,
        supported: u32,
    },
    /// Base64, zlib checksum or structure failed: cut short or altered.
    Damaged {
        detail: String,
    },
}

impl std::fmt::Display for LinkError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LinkError::NotALink => write!(f, "this is not a procsnap report link (expected …#r=1.…)"),
            LinkError::NewerVersion { found, supported } => write!(
                f,
                "this report link was made by a newer procsnap (link version {found}; this viewer reads up to {supported}): open it in a newer viewer"
            ),
            LinkError::Damaged { detail } => write!(
                f,
                "this report link is damaged ({detail}): it was probably cut short or changed when it was copied; copy the whole link again"
            ),
        }
    }
}

impl std::error::Error for LinkError {}

impl LinkError {
    pub fn kind(&self) -> crate::error::ErrorKind {
        use crate::error::ErrorKind;
        match self {
            LinkError::NotALink => ErrorKind::NotALink,
            LinkError::NewerVersion { .. } => ErrorKind::NewerLink,
            LinkError::Damaged { .. } => ErrorKind::DamagedLink,
        }
    }
}

/// Whether `text` has the shape of a share link (`…#r=1.…`, `#r=1.…`, `r=1.…`: the key is
/// required), so a caller can tell a link from a file name before trying either.
pub fn looks_like_link(text: &str) -> bool {
    let text = text.trim();
    let params = text.split_once('#').map_or(text, |(_, f)| f);
    params.split('&').find_map(|kv| kv.strip_prefix(FRAGMENT_KEY)).is_some_and(|v| {
        v.split_once('.').is_some_and(|(version, data)| {
            !version.is_empty() && version.bytes().all(|b| b.is_ascii_digit()) && !data.is_empty()
        })
    })
}

/// The value of `r=` in a link's fragment, or the bare value itself.
fn fragment_value(text: &str) -> Option<&str> {
    let value = match text.find('#') {
        Some(i) => &text[i + 1..],
        None => text,
    };
    value
        .split('&')
        .find_map(|kv| kv.strip_prefix(FRAGMENT_KEY))
        .or_else(|| (!value.contains('=')).then_some(value))
}

/// Marks the netstat flavour in a link's (otherwise empty) story.
const FLAVOUR_KEY: &str = "netstat=";
/// Marks one namespace summary (base64url postcard) in a link's story, and the namespace note.
const NETNS_KEY: &str = "netns=";
const NETNS_NOTE_KEY: &str = "netns-note=";
/// A link lists at most this many socket-holding pids per namespace.
const LINK_PIDS: usize = 20;

/// The report as a link will carry it: trimmed and redacted.
pub fn prepare(report: &Report, redaction: Redaction) -> Report {
    let mut r = report.clone();
    let hashes_checked =
        r.files.iter().filter(|f| f.sha256.is_some() && f.manifest_sha256.is_some()).count() as u64;
    let hash_mismatches = r
        .files
        .iter()
        .filter(|f| matches!((&f.sha256, &f.manifest_sha256), (Some(a), Some(b)) if a != b))
        .count() as u64;
    r.shared = Some(SharedInfo {
        link_version: LINK_VERSION,
        redactions: redaction.names(),
        files: r.files.len() as u64,
        // A report from an opened link is untrusted: its numbers may be anything, so sums saturate.
        file_bytes: r.files.iter().fold(0u64, |a, f| a.saturating_add(f.size)),
        hashes_checked,
        hash_mismatches,
    });
    r.files.clear();
    r.diagnostics.items.clear();
    // The story is rebuilt on opening; its place carries what payload version 1 has no field
    // for: the netstat flavour (older viewers rebuild the story and never read it).
    r.cost.story = vec![format!("{FLAVOUR_KEY}{}", r.netstat.flavour)];
    // Namespace summaries ride in the story too, one JSON line each (payload version 1 has no
    // field for them; older viewers drop the lines with the rest of the story).
    if redaction.hostname {
        // Container ids and pod UIDs name workloads the way a hostname names the host: replaced
        // by per-link ordinals, so namespaces stay told apart.
        let mut seen: Vec<(String, String)> = Vec::new();
        let mut alias = |kind: &str, real: &str| -> String {
            let key = (kind.to_string(), real.to_string());
            if !seen.contains(&key) {
                seen.push(key.clone());
            }
            // Numbered within its kind: container-1, container-2, pod-1, …
            let n = seen.iter().filter(|k| k.0 == kind).position(|k| *k == key).unwrap_or(0);
            format!("{kind}{}", n + 1)
        };
        for n in &mut r.namespaces {
            for c in n.container.iter_mut().chain(n.containers.iter_mut()) {
                if !c.id.is_empty() {
                    c.id = alias("container-", &c.id);
                }
                if let Some(p) = &mut c.pod_uid {
                    *p = alias("pod-", p);
                }
            }
        }
    }
    for n in &mut r.namespaces {
        n.pids.truncate(LINK_PIDS);
    }
    for s in &mut r.time_wait.sysctls {
        s.meaning.clear();
    }
    for top in [&mut r.time_wait.by_remote_addr, &mut r.time_wait.by_remote_port] {
        let cut = top.items.iter().skip(LINK_TOP).fold(0u64, |a, c| a.saturating_add(c.count));
        top.items.truncate(LINK_TOP);
        top.others = top.others.saturating_add(cut);
    }
    // The first holder (netstat's owner) is what a ticket needs; the full list stays in the snapshot.
    for l in &mut r.listeners {
        l.holders.truncate(1);
    }
    for u in &mut r.unix_listeners {
        u.holders.truncate(1);
    }
    if redaction.hostname {
        r.host.hostname = None;
    }
    if redaction.args {
        let keep_argv0 = |h: &mut crate::analysis::listeners::HolderInfo| {
            if let Some(c) = &mut h.cmdline {
                c.truncate(1);
            }
        };
        r.listeners.iter_mut().flat_map(|l| l.holders.iter_mut()).for_each(keep_argv0);
        r.unix_listeners.iter_mut().flat_map(|l| l.holders.iter_mut()).for_each(keep_argv0);
    }
    if redaction.addresses {
        let mut p = Pseudonyms::default();
        for l in &mut r.listeners {
            l.local_addr = p.ip(l.local_addr);
            l.remote_addr = p.ip(l.remote_addr);
        }
        for c in &mut r.time_wait.by_remote_addr.items {
            if let Ok(ip) = c.key.parse::<IpAddr>() {
                c.key = p.ip(ip).to_string();
            } else {
                c.key = "(redacted)".into();
            }
        }
        let namespaces = r.namespaces.iter_mut().filter_map(|n| n.port_pressure.as_mut());
        for t in r.time_wait.port_pressure.iter_mut().chain(namespaces) {
            t.local_addr = p.ip(t.local_addr);
            t.remote_addr = p.ip(t.remote_addr);
        }
    }
    // Postcard, like the payload (its code is in every viewer already, for the worker's
    // messages; JSON would add its own), base64url so the line stays text. Fields are only ever
    // appended to `NamespaceSummary`: postcard reads a longer line's prefix.
    for n in &r.namespaces {
        if let Ok(b) = postcard::to_allocvec(n) {
            r.cost.story.push(format!("{NETNS_KEY}{}", URL_SAFE_NO_PAD.encode(b)));
        }
    }
    if let Some(note) = &r.namespace_note {
        r.cost.story.push(format!("{NETNS_NOTE_KEY}{note}"));
    }
    r
}

/// Encode a report as the fragment value `1.<data>` (after `#r=`).
#[cfg(feature = "flate")]
pub fn encode(report: &Report, redaction: Redaction) -> String {
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    z.write_all(&payload(report, redaction)).expect("writing to memory");
    fragment_value_of(&z.finish().expect("writing to memory"))
}

/// The first half of [`encode`]: the link's payload before compression (postcard bytes).
///
/// With [`fragment_value_of`] this lets a caller compress with its own zlib: the viewer uses the
/// browser's `CompressionStream`, so its module carries no deflate compressor. Any zlib stream
/// of these bytes makes a valid link; [`decode`] inflates whatever zlib wrote.
pub fn payload(report: &Report, redaction: Redaction) -> Vec<u8> {
    postcard::to_allocvec(&to_payload(prepare(report, redaction))).expect("a payload always serialises")
}

/// The second half of [`encode`]: the fragment value `1.<data>` of a zlib-compressed [`payload`].
pub fn fragment_value_of(zlib: &[u8]) -> String {
    format!("{LINK_VERSION}.{}", URL_SAFE_NO_PAD.encode(zlib))
}

/// `data` as a zlib stream of stored (uncompressed) deflate blocks: a valid link payload for a
/// caller without a compressor (the viewer, where the browser has no `CompressionStream`).
pub fn zlib_stored(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + data.len() / 65_535 * 5 + 11);
    out.extend_from_slice(&[0x78, 0x01]);
    let mut blocks = data.chunks(65_535).peekable();
    if blocks.peek().is_none() {
        out.extend_from_slice(&[1, 0, 0, 0xff, 0xff]);
    }
    while let Some(block) = blocks.next() {
        out.push(u8::from(blocks.peek().is_none()));
        let len = block.len() as u16;
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(block);
    }
    // Adler-32 (RFC 1950), big-endian.
    let (mut a, mut b) = (1u32, 0u32);
    for chunk in data.chunks(5552) {
        for &byte in chunk {
            a += u32::from(byte);
            b += a;
        }
        a %= 65_521;
        b %= 65_521;
    }
    out.extend_from_slice(&((b << 16) | a).to_be_bytes());
    out
}

/// A whole link: `base` (the viewer's address, may be empty) + `#r=` + [`encode`].
#[cfg(feature = "flate")]
pub fn link(base: &str, report: &Report, redaction: Redaction) -> String {
    let base = base.split('#').next().unwrap_or("");
    format!("{base}#{FRAGMENT_KEY}{}", encode(report, redaction))
}

/// Decode a link, a fragment (`#r=…` or `r=…`) or a bare `1.<data>` value.
#[cfg(feature = "flate")]
pub fn decode(text: &str) -> Result<Report, LinkError> {
    let compressed = zlib_of(text)?;
    let mut binary = Vec::new();
    flate2::read::ZlibDecoder::new(&compressed[..])
        .take(MAX_DECODED + 1)
        .read_to_end(&mut binary)
        .map_err(|e| LinkError::Damaged { detail: format!("does not decompress: {e}") })?;
    decode_payload(&binary)
}

/// The zlib stream a link carries (the first half of [`decode`]), for a caller that inflates
/// it itself (the viewer's worker, with the browser's `DecompressionStream`) and hands the
/// result to [`decode_payload`].
pub fn zlib_of(text: &str) -> Result<Vec<u8>, LinkError> {
    let value = fragment_value(text.trim()).ok_or(LinkError::NotALink)?;
    let (version, data) = value.split_once('.').ok_or(LinkError::NotALink)?;
    let version: u32 = version.parse().map_err(|_| LinkError::NotALink)?;
    if version > LINK_VERSION {
        return Err(LinkError::NewerVersion { found: version, supported: LINK_VERSION });
    }
    if version == 0 {
        return Err(LinkError::NotALink);
    }
    URL_SAFE_NO_PAD.decode(data).map_err(|e| LinkError::Damaged { detail: format!("not base64url: {e}") })
}

/// The second half of [`decode`]: the report in an inflated link payload. More than
/// [`MAX_DECODED`] bytes is refused (an inflating caller may stop one byte past it).
pub fn decode_payload(binary: &[u8]) -> Result<Report, LinkError> {
    let damaged = |detail: String| LinkError::Damaged { detail };
    if binary.len() as u64 > MAX_DECODED {
        return Err(damaged("larger than any report link".into()));
    }
    let payload: v1::Report =
        postcard::from_bytes(binary).map_err(|e| damaged(format!("not a report: {e}")))?;
    let mut report = from_payload(payload);
    if report.shared.is_none() {
        return Err(damaged("not marked as a shared report".into()));
    }
    restore_constants(&mut report);
    Ok(report)
}

/// The link payload of a prepared report.
fn to_payload(report: Report) -> v1::Report {
    report.wire()
}

/// The report a payload describes; fields the report gained after version 1 take their defaults.
fn from_payload(payload: v1::Report) -> Report {
    payload.wire()
}

/// Put back the text a link leaves out because the viewer can rebuild it.
/// A namespace summary from its link line (base64url postcard); `None` if it does not decode.
fn summary_line(text: &str) -> Option<crate::analysis::namespaces::NamespaceSummary> {
    postcard::from_bytes(&URL_SAFE_NO_PAD.decode(text).ok()?).ok()
}

fn restore_constants(r: &mut Report) {
    for s in &mut r.time_wait.sysctls {
        if let Some(k) = crate::layout::SYSCTLS.iter().find(|k| k.name == s.name) {
            s.meaning = k.meaning.to_string();
        }
    }
    // The flavour (links before flavours carry none: net-tools 2.10) and what follows from it.
    let flavour = r
        .cost
        .story
        .iter()
        .find_map(|l| l.strip_prefix(FLAVOUR_KEY)?.parse::<crate::flavour::Flavour>().ok())
        .unwrap_or_default();
    r.netstat = crate::flavour::NetstatChoice {
        flavour,
        source: "link".into(),
        reason: format!("the link was made for {} ({flavour})", flavour.describe()),
    };
    // Namespace summaries (links before namespaces carry none). A damaged line is dropped: the
    // zlib checksum already vouches for the payload, so this is only a newer writer's shape.
    r.namespaces = r.cost.story.iter().filter_map(|l| summary_line(l.strip_prefix(NETNS_KEY)?)).collect();
    r.namespace_note = r.cost.story.iter().find_map(|l| Some(l.strip_prefix(NETNS_NOTE_KEY)?.to_string()));
    r.cost.flavour = flavour;
    r.cost.read_size = flavour.read_size(r.cost.page_size);
    r.cost.quadratic_reads = r.host.kernel.as_deref().is_some_and(crate::analysis::cost::before_2_6_36);
    r.cost.story = crate::analysis::cost::story(r.time_wait.count, &r.cost);
}

/// Consistent pseudonyms. IPv4: each distinct /24 becomes its own /24 in 198.18.0.0/15 (the
/// benchmarking range), the host octet kept; IPv6: each distinct /64 becomes its own /64 under
/// 2001:db8::/32 (documentation), each host a small number. Unspecified and loopback addresses
/// say what a socket is bound to and identify nobody: they are kept.
#[derive(Default)]
struct Pseudonyms {
    v4_nets: FxHashMap<u32, u32>,
    v6_nets: FxHashMap<u64, u32>,
    v6_hosts: FxHashMap<u128, u32>,
}

impl Pseudonyms {
    fn ip(&mut self, ip: IpAddr) -> IpAddr {
        match ip {
            IpAddr::V4(v4) => IpAddr::V4(self.v4(v4)),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => IpAddr::V6(self.v4(v4).to_ipv6_mapped()),
                None => IpAddr::V6(self.v6(v6)),
            },
        }
    }

    fn v4(&mut self, a: Ipv4Addr) -> Ipv4Addr {
        if a.is_unspecified() || a.is_loopback() || a.is_broadcast() {
            return a;
        }
        let bits = a.to_bits();
        let next = self.v4_nets.len() as u32;
        let n = *self.v4_nets.entry(bits >> 8).or_insert(next);
        // 198.18.0.0/15 holds 512 networks; past that, continue in 100.64.0.0/10.
        let base = if n < 512 { 0xC612_0000 + (n << 8) } else { 0x6440_0000 + ((n - 512) << 8) };
        Ipv4Addr::from_bits(base | (bits & 0xFF))
    }

    fn v6(&mut self, a: Ipv6Addr) -> Ipv6Addr {
        if a.is_unspecified() || a.is_loopback() {
            return a;
        }
        let bits = a.to_bits();
        let next = self.v6_nets.len() as u32;
        let net = *self.v6_nets.entry((bits >> 64) as u64).or_insert(next);
        let next = self.v6_hosts.len() as u32 + 1;
        let host = *self.v6_hosts.entry(bits).or_insert(next);
        let prefix: u128 = (0x2001_0db8u128 << 96) | ((net as u128) << 64);
        Ipv6Addr::from_bits(prefix | host as u128)
    }
}
