//! A whole report in the link payload's shape plus what that shape lacks, for a channel between
//! two copies of one program that carry the link code already: the viewer's worker and page.
//!
//! Why: postcard code is generated per type, and the report's own serde code was 8.3 KB of the
//! viewer's gzipped download on top of version 1's, which links already need. Sent as
//! [`v1::Report`] and a small remainder, the report costs the viewer only the remainder's code.
//! Unlike a link, nothing is trimmed or redacted: [`Report::from`] gives back the report that
//! went in but for the files' bytes (a test compares them), and fields the report gains must be added to [`Rest`].

use serde::{Deserialize, Serialize};

use super::convert::Wire;
use super::v1;
use crate::analysis::cost::{Stall, TimeEstimate};
use crate::analysis::namespaces::NamespaceSummary;
use crate::files::FileInfo;
use crate::flavour::{Flavour, NetstatChoice};
use crate::report::Report;

/// A report as it crosses a channel (see the module docs).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Transfer {
    base: v1::Report,
    rest: Rest,
}

/// The report's fields that payload version 1 has no place for (or maps lossily, as the files'
/// roles), field by field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Rest {
    proc_hidepid: Option<String>,
    /// `Listener::netns`, in the listeners' order.
    listener_netns: Vec<Option<u64>>,
    flavour: Flavour,
    read_size: u32,
    selinux_enabled: Option<bool>,
    quadratic_reads: bool,
    time: Option<TimeEstimate>,
    stalls: Vec<Stall>,
    selinux_opens: u64,
    /// `files` whole (their serde code is in the viewer for its hash check already), without
    /// their bytes, which the report's serde skips too.
    files: Vec<FileInfo>,
    netns_seen: u64,
    netns_vanished: u64,
    netstat: NetstatChoice,
    namespaces: Vec<NamespaceSummary>,
    namespace_note: Option<String>,
}

impl From<Report> for Transfer {
    fn from(mut r: Report) -> Self {
        let walk = r.walk.as_ref();
        let rest = Rest {
            proc_hidepid: r.host.proc_hidepid.take(),
            listener_netns: r.listeners.iter().map(|l| l.netns).collect(),
            flavour: r.cost.flavour,
            read_size: r.cost.read_size,
            selinux_enabled: r.cost.selinux_enabled,
            quadratic_reads: r.cost.quadratic_reads,
            time: r.cost.time.take(),
            stalls: std::mem::take(&mut r.cost.stalls),
            selinux_opens: r.cost.walk.selinux_opens,
            netns_seen: walk.map_or(0, |w| w.netns_seen),
            netns_vanished: walk.map_or(0, |w| w.netns_vanished),
            files: std::mem::take(&mut r.files)
                .into_iter()
                .map(|f| FileInfo { content: None, ..f })
                .collect(),
            netstat: std::mem::take(&mut r.netstat),
            namespaces: std::mem::take(&mut r.namespaces),
            namespace_note: r.namespace_note.take(),
        };
        Self { base: r.wire(), rest }
    }
}

impl From<Transfer> for Report {
    fn from(t: Transfer) -> Self {
        let mut r: Report = t.base.wire();
        let rest = t.rest;
        r.host.proc_hidepid = rest.proc_hidepid;
        for (l, netns) in r.listeners.iter_mut().zip(rest.listener_netns) {
            l.netns = netns;
        }
        r.cost.flavour = rest.flavour;
        r.cost.read_size = rest.read_size;
        r.cost.selinux_enabled = rest.selinux_enabled;
        r.cost.quadratic_reads = rest.quadratic_reads;
        r.cost.time = rest.time;
        r.cost.stalls = rest.stalls;
        r.cost.walk.selinux_opens = rest.selinux_opens;
        if let Some(w) = &mut r.walk {
            w.netns_seen = rest.netns_seen;
            w.netns_vanished = rest.netns_vanished;
        }
        r.files = rest.files;
        r.netstat = rest.netstat;
        r.namespaces = rest.namespaces;
        r.namespace_note = rest.namespace_note;
        r
    }
}

#[cfg(test)]
mod tests {
    use crate::analysis::cost::{Cost, WalkCost};
    use crate::analysis::listeners::Listener;
    use crate::files::FileInfo;
    use crate::manifest::WalkStats;
    use crate::report::{Host, Report};

    /// Not run for what it does but compiled for what it names: every field of the types whose
    /// `fields!` line in `convert.rs` lists fields payload version 1 lacks (after `;`). A field
    /// added to one of them stops this from compiling, which leads here: put it in `Rest` (or say
    /// why it is in `v1::Report` already), then add it below. A `;` added to another type's line
    /// means the same, and that type joins this list.
    #[allow(dead_code, unused_variables)]
    fn every_field_is_placed(
        r: Report,
        h: Host,
        l: Listener,
        c: Cost,
        w: WalkCost,
        f: FileInfo,
        s: WalkStats,
    ) {
        // Rest: netstat, namespaces, namespace_note, files; v1: the others.
        let Report {
            schema_version,
            host,
            listeners,
            unix_listeners,
            unix_has_inode,
            volume,
            time_wait,
            cost,
            files,
            walk,
            diagnostics,
            shared,
            netstat,
            namespaces,
            namespace_note,
        } = r;
        // Rest: proc_hidepid.
        let Host {
            hostname,
            kernel,
            arch,
            byte_order,
            user_hz,
            page_size,
            uid,
            proc_hidepid,
            tool,
            format_version,
            capture_start,
            capture_end,
            capture_duration_us,
            container,
        } = h;
        // Rest: netns (as listener_netns).
        let Listener {
            proto,
            local_addr,
            local_port,
            remote_addr,
            remote_port,
            state,
            state_name,
            recv_q,
            send_q,
            uid,
            inode,
            netstat_program,
            holders,
            netns,
        } = l;
        // Rest: flavour, read_size, selinux_enabled, quadratic_reads, time, stalls.
        let Cost {
            files,
            bytes_read,
            rows_parsed,
            rows_shown,
            read_calls,
            page_size,
            walk,
            capture_micros,
            ss_rows,
            sockstat_bytes,
            story,
            flavour,
            read_size,
            selinux_enabled,
            quadratic_reads,
            time,
            stalls,
        } = c;
        // Rest: selinux_opens.
        let WalkCost { processes, dir_opens, readlinks, cmdline_reads, selinux_reads, selinux_opens, source } =
            w;
        // Rest: the whole file list; content travels in neither (serde skips it).
        let FileInfo { path, kind, size, role, sha256, manifest_sha256, content } = f;
        // Rest: netns_seen, netns_vanished.
        let WalkStats {
            pids_seen,
            pids_unreadable,
            pids_vanished,
            fds_read,
            socket_links,
            micros,
            netns_seen,
            netns_vanished,
        } = s;
    }
}
