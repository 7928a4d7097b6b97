//! `procsnap diff`'s text: what changed, each listener named with its port and owner.

use std::fmt::Write;

use crate::diff::{Change, Count, Diff, ListenerKey, Owner};
use crate::format::{fixed, thousands};

pub fn render(d: &Diff) -> String {
    let mut o = String::new();
    let name = |c: &crate::diff::Capture| {
        format!(
            "{} ({}{})",
            c.source,
            c.hostname.as_deref().unwrap_or("unknown host"),
            c.capture_start.as_deref().map(|t| format!(", captured {t}")).unwrap_or_default()
        )
    };
    let _ = writeln!(o, "procsnap diff\n  old: {}\n  new: {}", name(&d.old), name(&d.new));
    match d.seconds_between {
        Some(s) if s >= 0.0 => {
            let _ = writeln!(o, "  {} between the captures", duration(s));
        }
        Some(s) => {
            let _ = writeln!(o, "  NEW was captured {} before OLD", duration(-s));
        }
        None => {
            let _ = writeln!(o, "  time between the captures unknown (no capture time in one of them)");
        }
    }
    if d.old.hostname != d.new.hostname {
        let _ = writeln!(o, "  note: the two snapshots come from different hosts");
    }
    if let Some(ns) = d.netns {
        let _ = writeln!(o, "  network namespace {ns}");
    }

    let l = &d.listeners;
    let _ = writeln!(
        o,
        "\nListeners: {} → {} ({} appeared, {} went, {} changed)",
        l.old_count,
        l.new_count,
        l.appeared.len(),
        l.gone.len(),
        l.changed.len()
    );
    for a in &l.appeared {
        let _ = writeln!(o, "  + appeared {}  {}", key(&a.key), owners(&a.owners));
    }
    for g in &l.gone {
        let _ = writeln!(o, "  - went     {}  {}", key(&g.key), owners(&g.owners));
    }
    for c in &l.changed {
        let _ = writeln!(o, "  ~ changed  {}  {} → {}", key(&c.key), owners(&c.old), owners(&c.new));
    }

    let t = &d.time_wait;
    let _ = writeln!(
        o,
        "\nTIME_WAIT: {} → {} ({})",
        thousands(t.old_count),
        thousands(t.new_count),
        signed(t.new_count as i128 - t.old_count as i128)
    );
    let _ = writeln!(
        o,
        "  close rate {}/s → {}/s (last 10 s: {}/s → {}/s)",
        fixed(t.old_close_rate_per_sec, 1),
        fixed(t.new_close_rate_per_sec, 1),
        fixed(t.old_recent_close_rate_per_sec, 1),
        fixed(t.new_recent_close_rate_per_sec, 1)
    );
    breakdown(&mut o, "by local port (a listening port, or client: outgoing connections)", &t.by_local_port);
    breakdown(&mut o, "by remote address", &t.by_remote_addr);

    let _ = writeln!(o, "\nNamespaces");
    if d.namespaces_appeared.is_empty() && d.namespaces_gone.is_empty() {
        let _ = writeln!(o, "  none appeared or went");
    }
    for n in &d.namespaces_appeared {
        let _ = writeln!(o, "  + appeared net:[{n}]");
    }
    for n in &d.namespaces_gone {
        let _ = writeln!(o, "  - went     net:[{n}]");
    }

    let _ = writeln!(o, "\nSysctls");
    if d.sysctls.is_empty() {
        let _ = writeln!(o, "  unchanged");
    }
    for s in &d.sysctls {
        let v = |v: &Option<String>| v.clone().unwrap_or_else(|| "(not captured)".into());
        let _ = writeln!(o, "  {} {} → {}", s.name, v(&s.old), v(&s.new));
    }
    o
}

fn key(k: &ListenerKey) -> String {
    if k.proto == "unix" {
        return format!("unix {}", k.address);
    }
    let addr = if k.address.contains(':') { format!("[{}]", k.address) } else { k.address.clone() };
    format!("{} {addr}:{}", k.proto, k.port)
}

fn owners(list: &[Owner]) -> String {
    let one = |o: &Owner| match o.pid {
        Some(pid) => {
            let mut s = format!("pid {pid} {}", o.program);
            if let Some(uid) = o.uid {
                let _ = write!(s, " (uid {uid})");
            }
            if !o.command.is_empty() && o.command != o.program {
                let _ = write!(s, " `{}`", one_line(&o.command, 80));
            }
            s
        }
        None => match o.uid {
            Some(uid) => format!("owner unknown (uid {uid})"),
            None => "owner unknown".into(),
        },
    };
    let mut parts: Vec<String> = list.iter().map(one).collect();
    parts.dedup();
    let n = list.len();
    let mut s = parts.join(", ");
    if n > 1 {
        let _ = write!(s, " [{n} sockets]");
    }
    s
}

/// A command line on one line: control characters escaped (a newline in an argument must not
/// break the listing), cut to `max` characters.
fn one_line(text: &str, max: usize) -> String {
    let mut out = String::new();
    for (n, c) in text.chars().enumerate() {
        if n == max {
            out.push('…');
            break;
        }
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

fn breakdown(o: &mut String, title: &str, rows: &[Change]) {
    let _ = writeln!(o, "  {title}");
    if rows.is_empty() {
        let _ = writeln!(o, "    none");
        return;
    }
    let _ = writeln!(o, "    {:<40} {:>12} {:>12} {:>12}", "", "old", "new", "change");
    for c in rows.iter().take(10) {
        let change = match (c.old, c.new) {
            (Count::Exact(a), Count::Exact(b)) => signed(b as i128 - a as i128),
            _ => "?".into(),
        };
        let _ = writeln!(o, "    {:<40} {:>12} {:>12} {:>12}", c.key, count(c.old), count(c.new), change);
    }
    if rows.len() > 10 {
        let _ = writeln!(o, "    … {} more (--format json lists them)", rows.len() - 10);
    }
}

fn count(c: Count) -> String {
    match c {
        Count::Exact(n) => thousands(n),
        Count::AtMost(n) => format!("≤{}", thousands(n)),
    }
}

fn signed(n: i128) -> String {
    let s = thousands(n.unsigned_abs() as u64);
    match n {
        0 => "0".into(),
        n if n > 0 => format!("+{s}"),
        _ => format!("−{s}"),
    }
}

fn duration(s: f64) -> String {
    if s < 120.0 {
        format!("{} s", fixed(s, 1))
    } else if s < 3600.0 {
        format!("{} min", fixed(s / 60.0, 1))
    } else if s < 172_800.0 {
        format!("{} h", fixed(s / 3600.0, 1))
    } else {
        format!("{} days", fixed(s / 86_400.0, 1))
    }
}
