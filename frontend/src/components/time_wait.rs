//! TIME_WAIT: where it comes from (local port / listener, remote addresses and ports), how fast
//! it is made (remaining-time histogram, close rate), ephemeral-port pressure, and the sysctls.
use procsnap_core::analysis::TopN;
use procsnap_core::analysis::timewait::Side;
use yew::prelude::*;

use super::bar_chart::{Bar, bar_chart, count};
use super::histogram::histogram;
use super::sysctl_table::sysctl_table;
use crate::format::{fixed, percent, thousands};
use crate::markup::Markup;
use crate::state::Loaded;

fn top_bars(t: &TopN, label: impl Fn(&str) -> String) -> Vec<Bar> {
    let mut bars: Vec<Bar> = t
        .items
        .iter()
        .map(|c| Bar { label: label(&c.key), value: c.count as f64, note: String::new(), accent: false })
        .collect();
    if t.others > 0 {
        bars.push(Bar {
            label: format!("{} others", thousands(t.distinct.saturating_sub(t.items.len() as u64))),
            value: t.others as f64,
            note: String::new(),
            accent: false,
        });
    }
    bars
}

pub fn time_wait_view(loaded: &Loaded) -> Html {
    let tw = &loaded.report.time_wait;
    if tw.count == 0 {
        return html! {
            <div class="card"><p id="tw-count" data-value="0">{"No TCP socket was in TIME_WAIT in this snapshot."}</p>
            { sysctl_table(&tw.sysctls) }</div>
        };
    }
    let mut by_port: Vec<Bar> = tw
        .by_local_port
        .iter()
        .map(|g| Bar {
            // Client-side sockets form one group (port 0 in the report): each has its own
            // ephemeral port, so the label says what they are instead of ":0".
            label: match g.side {
                Side::Server => format!(":{}", g.port),
                Side::Client => "ephemeral ports".into(),
            },
            value: g.count as f64,
            note: match (g.side, &g.listener) {
                (Side::Server, Some(l)) => l.clone(),
                (Side::Server, None) => "server side".into(),
                (Side::Client, _) => "client side: outgoing connections".into(),
            },
            accent: g.side == Side::Server,
        })
        .collect();
    if tw.other_local_ports > 0 {
        by_port.push(Bar {
            label: "other ports".into(),
            value: tw.other_local_ports as f64,
            note: String::new(),
            accent: false,
        });
    }
    let server: u64 = tw.by_local_port.iter().filter(|g| g.side == Side::Server).map(|g| g.count).sum();
    let range = u64::from(tw.port_range.1.saturating_sub(tw.port_range.0)) + 1;
    let pressure: Vec<Bar> = tw
        .port_pressure
        .iter()
        .map(|p| Bar {
            label: format!("{} → {}:{}", p.local_addr, p.remote_addr, p.remote_port),
            value: p.used_ratio * 100.0,
            note: String::new(),
            accent: p.used_ratio >= 0.5,
        })
        .collect();
    html! {
        <div class="time-wait">
            { summary(tw, server) }
            <div class="grid2">
                <section class="card">{ bar_chart(Some("tw-by-port"), "By local port (and the listener that owns it)", &by_port, None, count) }</section>
                <section class="card">
                    { histogram("Seconds of TIME_WAIT left (an even spread means a steady close rate)", &tw.remaining_seconds) }
                    <p class="muted">{format!("Close rate implied: {} per second over 60 s; {} per second from the newest 10 s.",
                        thousands(tw.close_rate_per_sec.round() as u64), thousands(tw.recent_close_rate_per_sec.round() as u64))}</p>
                </section>
                <section class="card">{ bar_chart(Some("tw-remote-addr"), &format!("Top remote addresses ({} distinct)", thousands(tw.by_remote_addr.distinct)),
                    &top_bars(&tw.by_remote_addr, |k| k.to_string()), None, count) }</section>
                <section class="card">{ bar_chart(Some("tw-remote-port"), &format!("Top remote ports ({} distinct)", thousands(tw.by_remote_port.distinct)),
                    &top_bars(&tw.by_remote_port, |k| format!(":{k}")), None, count) }</section>
            </div>
            <section class="card" id="port-pressure">
                <h2>{"Ephemeral-port pressure"}</h2>
                <p>{format!("Outgoing connections to one destination (address and port) from one local address can use {} ports ({}–{}{}). A tuple near 100% cannot open new connections until TIME_WAIT expires.",
                    thousands(range), tw.port_range.0, tw.port_range.1, if tw.port_range_captured { "" } else { ", the kernel default: not in the snapshot" })}</p>
                if pressure.is_empty() {
                    <p class="muted">{"No outgoing connections use ephemeral ports here."}</p>
                } else {
                    { bar_chart(None, "Share of the ephemeral range in use per (local, remote, remote port)", &pressure, Some(100.0),
                        |v| format!("{}%", fixed(v, 1))) }
                    { pressure_table(&tw.port_pressure) }
                }
            </section>
            <section class="card">{ sysctl_table(&tw.sysctls) }</section>
        </div>
    }
}

/// The ephemeral-port pressure per tuple, as markup (see `markup`): read-only.
fn pressure_table(tuples: &[procsnap_core::analysis::timewait::PortPressure]) -> Html {
    let mut m = Markup::new();
    m.tag("<div class=\"table-wrap\"><table class=\"data\"><thead><tr><th>Local</th><th>Remote</th>");
    m.tag("<th class=\"num\">Sockets</th><th class=\"num\">TIME_WAIT</th><th class=\"num\">Range used</th></tr></thead><tbody>");
    for p in tuples {
        m.tag("<tr><td class=\"mono\">").text(&p.local_addr.to_string()).tag("</td><td class=\"mono\">");
        m.text(&format!("{}:{}", p.remote_addr, p.remote_port))
            .tag("</td>")
            .num_cell(p.sockets)
            .num_cell(p.time_wait);
        m.tag("<td class=\"num\">").text(&format!("{}%", fixed(p.used_ratio * 100.0, 1))).tag("</td></tr>");
    }
    m.tag("</tbody></table></div>");
    m.html()
}

/// The section above the charts, as markup (see `markup`): read-only.
fn summary(tw: &procsnap_core::analysis::timewait::TimeWait, server: u64) -> Html {
    let mut m = Markup::new();
    m.tag("<section class=\"card\"><h2 id=\"tw-count\" data-value=\"").int(tw.count).tag("\">");
    m.text(&format!(
        "{} sockets in TIME_WAIT — {} of {} TCP rows",
        thousands(tw.count),
        percent(tw.share_of_tcp, 1.0),
        thousands(tw.tcp_rows)
    ));
    m.tag("</h2><p>").text(&format!(
        "A socket stays in TIME_WAIT for 60 seconds after its connection closes, so this many means about {} closes per second (the last 10 s: {} per second). {} ({}) are on ports where a process listens: the server closed first. The rest were outgoing connections.",
        thousands(tw.close_rate_per_sec.round() as u64),
        thousands(tw.recent_close_rate_per_sec.round() as u64),
        thousands(server),
        percent(server as f64, tw.count as f64)
    ));
    m.tag("</p><p class=\"legend\"><span class=\"swatch\" style=\"background:var(--bar-accent)\"></span>server side (a listener's port)");
    m.tag("<span class=\"swatch\" style=\"background:var(--bar)\"></span>client side / other</p></section>");
    m.html()
}
