//! The human summary: the host's story in numbers and plain sentences.

use std::fmt::Write;

use super::addr::netstat_endpoint;
use crate::analysis::timewait::Side;
use crate::format::fixed;
use crate::report::Report;

pub fn render(r: &Report) -> String {
    let mut o = String::new();
    let h = &r.host;
    let _ = writeln!(
        o,
        "procsnap report — {}{}",
        h.hostname.as_deref().unwrap_or("unknown host"),
        h.capture_start.as_deref().map(|t| format!(", captured {t}")).unwrap_or_default()
    );
    if let Some(k) = &h.kernel {
        let _ = writeln!(o, "kernel {k} {}", h.arch.as_deref().unwrap_or(""));
    }
    let _ = writeln!(o, "netstat flavour {}: {}", r.netstat.flavour, r.netstat.reason);
    match (&h.proc_hidepid, h.uid) {
        (Some(mode), uid) => {
            let _ = writeln!(
                o,
                "captured by uid {} with /proc mounted hidepid={mode}: owners of other users' sockets are hidden",
                uid.unwrap_or(0)
            );
        }
        (None, Some(uid)) if uid != 0 => {
            let _ = writeln!(o, "captured without root (uid {uid}): some owners may be missing");
        }
        _ => {}
    }

    namespaces(&mut o, r);

    let v = &r.volume;
    let tw = &r.time_wait;
    let _ = writeln!(o, "\nSockets");
    let _ = writeln!(o, "  {} Internet sockets, {} unix sockets", v.inet_rows, v.unix_rows);
    for t in &v.by_table {
        let states: Vec<String> = t.states.iter().map(|(s, n)| format!("{s} {n}")).collect();
        let _ = writeln!(o, "  {:<9} {:>9}  {}", t.table.file_name(), t.rows, states.join(", "));
    }
    for c in &v.kernel_vs_rows {
        let mark = if c.kernel == c.rows { "agrees" } else { "differs" };
        let _ = writeln!(
            o,
            "  kernel {:<11} {:>9}  rows {:>9} ({}; {mark})",
            c.counter, c.kernel, c.rows, c.counted
        );
    }

    let _ = writeln!(o, "\nListeners ({} Internet, {} unix)", r.listeners.len(), r.unix_listeners.len());
    for l in &r.listeners {
        let cmd = l
            .holders
            .first()
            .and_then(|h| h.cmdline.as_ref())
            .map(|c| c.iter().map(|a| a.lossy().into_owned()).collect::<Vec<_>>().join(" "))
            .unwrap_or_default();
        let more = if l.holders.len() > 1 {
            format!(" (+{} more holders)", l.holders.len() - 1)
        } else {
            String::new()
        };
        let _ = writeln!(
            o,
            "  {:<5} {:<23} {:<20} {}{}",
            l.proto.netstat_proto(),
            netstat_endpoint(&l.local_addr, l.local_port),
            l.netstat_program.lossy(),
            cmd,
            more
        );
    }

    let _ = writeln!(o, "\nTIME_WAIT");
    let _ = writeln!(
        o,
        "  {} sockets, {}% of {} TCP rows; about {} connections closed per second (last 10 s: {}/s)",
        tw.count,
        fixed(tw.share_of_tcp * 100.0, 1),
        tw.tcp_rows,
        fixed(tw.close_rate_per_sec, 0),
        fixed(tw.recent_close_rate_per_sec, 0)
    );
    for g in tw.by_local_port.iter().take(10) {
        let _ = match (g.side, &g.listener) {
            (Side::Server, Some(l)) => {
                writeln!(o, "  local port {:>5}: {:>9}  server side, listener {l}", g.port, g.count)
            }
            (Side::Server, None) => {
                writeln!(o, "  local port {:>5}: {:>9}  server side, listener owner unknown", g.port, g.count)
            }
            (Side::Client, _) => {
                writeln!(o, "  client side:      {:>9}  outgoing connections (ephemeral ports)", g.count)
            }
        };
    }
    if !tw.by_remote_addr.items.is_empty() {
        let top: Vec<String> =
            tw.by_remote_addr.items.iter().take(5).map(|c| format!("{} ({})", c.key, c.count)).collect();
        let _ = writeln!(o, "  top remote addresses: {}", top.join(", "));
    }
    if let Some(p) = tw.port_pressure.first() {
        let _ = writeln!(
            o,
            "  busiest outgoing tuple: {} -> {}:{} uses {} of {} ephemeral ports ({}%)",
            p.local_addr,
            p.remote_addr,
            p.remote_port,
            p.sockets,
            // A report from a share link is untrusted: its range may be reversed.
            u32::from(tw.port_range.1).saturating_sub(u32::from(tw.port_range.0)) + 1,
            fixed(p.used_ratio * 100.0, 1)
        );
    }
    for s in &tw.sysctls {
        let _ = writeln!(o, "  {} = {}  ({})", s.name, s.value, s.meaning);
    }

    let _ = writeln!(o, "\nWhy netstat -nlp is slow here");
    for line in stall_story(r) {
        let _ = writeln!(o, "  {line}");
    }
    for line in &r.cost.story {
        let _ = writeln!(o, "  {line}");
    }
    let _ = writeln!(
        o,
        "  ({} read from /proc/net in {} read calls)",
        crate::format::bytes(r.cost.bytes_read),
        r.cost.read_calls
    );

    if r.diagnostics.total > 0 {
        let _ = writeln!(o, "\nProblems in the input ({})", r.diagnostics.total);
        for d in r.diagnostics.items.iter().take(20) {
            let _ = writeln!(o, "  {}:{}: {}", d.file, d.line, d.message);
        }
    }
    o
}

/// Which namespace the report describes, and the per-namespace table (when there is more than
/// the collector's own, or a note on why there may be).
fn namespaces(o: &mut String, r: &Report) {
    let name = |n: &crate::analysis::namespaces::NamespaceSummary| {
        let inode = n.inode.map_or("net:[?]".to_string(), |i| format!("net:[{i}]"));
        match (&n.container, n.host) {
            (_, true) => format!("{inode} (the collector's own)"),
            (Some(c), _) => format!("{inode} ({})", c.short()),
            (None, _) => inode,
        }
    };
    let shown = r.namespaces.iter().filter(|n| n.selected).count();
    if shown > 1 {
        let _ = writeln!(
            o,
            "every network namespace ({shown} with tables): everything below adds them up, listeners in table order"
        );
    } else if let Some(sel) = r.namespaces.iter().find(|n| n.selected && !n.host) {
        let _ = writeln!(o, "network namespace {}: everything below is this namespace's", name(sel));
    }
    if r.namespaces.len() > 1 {
        let _ = writeln!(o, "\nNetwork namespaces ({}, by TIME_WAIT)", r.namespaces.len());
        let _ = writeln!(
            o,
            "  {:<12} {:>8} {:>9} {:>9} {:>10}  {:<8} container",
            "inode", "pids", "sockets", "listen", "TIME_WAIT", "ports"
        );
        let mut list: Vec<_> = r.namespaces.iter().collect();
        crate::sort::sort_by_key(&mut list, |n| (std::cmp::Reverse(n.time_wait), !n.host));
        for n in list {
            let inode = n.inode.map_or("?".to_string(), |i| i.to_string());
            let pressure = n
                .port_pressure
                .as_ref()
                .map_or("-".to_string(), |p| format!("{}%", fixed(p.used_ratio * 100.0, 0)));
            let who = if n.vanished {
                "(vanished: its processes exited before its tables were read)".to_string()
            } else if n.host {
                "(the collector's own)".to_string()
            } else {
                let c: Vec<String> = n.containers.iter().map(|c| c.short()).collect();
                if c.is_empty() { "-".to_string() } else { c.join(", ") }
            };
            let mark = if n.selected { "*" } else { " " };
            let _ = writeln!(
                o,
                " {mark}{inode:<12} {:>8} {:>9} {:>9} {:>10}  {pressure:<8} {who}",
                n.pids.len(),
                n.sockets,
                n.listeners,
                n.time_wait
            );
        }
        let _ = writeln!(o, "  (* = this report; `procsnap report SNAPSHOT --netns INODE` for another)");
    }
    if let Some(note) = &r.namespace_note {
        let _ = writeln!(o, "namespaces: {note}");
    }
}

/// The biggest pauses first, in the words of the seed: after which line netstat stops, and what
/// it reads before the next one.
pub fn stall_story(r: &Report) -> Vec<String> {
    let c = &r.cost;
    let mut big: Vec<_> = c.stalls.iter().filter(|s| s.rows > 0).collect();
    crate::sort::sort_by_key(&mut big, |s| std::cmp::Reverse(s.bytes));
    let mut out = Vec::new();
    for s in big.iter().take(2) {
        let after = match &s.after {
            Some(line) => format!("after `{}`", line.split_whitespace().collect::<Vec<_>>().join(" ")),
            None => "before its first line".into(),
        };
        out.push(format!(
            "{after} netstat reads {} more — {} TIME_WAIT rows of {} rows, {} reads of {} bytes — before its next line (about {}): that is the pause.",
            crate::format::bytes(s.bytes),
            s.time_wait_rows,
            s.rows,
            s.read_calls,
            c.read_size_or_page(),
            duration(s.estimated_ms)
        ));
    }
    if let Some(t) = &c.time {
        let mut parts = Vec::new();
        if let Some(m) = t.measured_ms {
            parts.push(format!("{} measured: the kernel producing the files on capture", duration(m)));
        }
        if t.nominal_ms > 0.0 {
            parts.push(format!(
                "{} estimated at a nominal rate (the capture has no timing)",
                duration(t.nominal_ms)
            ));
        }
        parts.push(format!("{} estimated for {} read calls", duration(t.per_call_ms), c.read_calls));
        if t.rewalk_ms > 0.0 {
            parts.push(format!(
                "{} estimated for the kernel re-walking the tcp tables on every read (before Linux 2.6.36)",
                duration(t.rewalk_ms)
            ));
        }
        out.push(format!(
            "netstat ({}) spends about {} reading /proc/net here: {}.",
            c.flavour,
            duration(t.total_ms),
            parts.join("; ")
        ));
    }
    out
}

fn duration(ms: f64) -> String {
    if ms >= 1000.0 { format!("{} s", fixed(ms / 1000.0, 1)) } else { format!("{} ms", fixed(ms, 1)) }
}
