//! Overview: this host's story in numbers and plain sentences, and why netstat is slow here.
use procsnap_core::Report;
use yew::prelude::*;

use super::copy_button::copy_button;
use crate::format::{bytes, micros, percent, thousands};
use crate::markup::Markup;
use crate::state::Loaded;

pub fn overview_view(loaded: &Loaded) -> Html {
    let r = &loaded.report;
    html! {
        <div class="overview">
            { body(r) }
            <details class="card">
                <summary>{"Plain-text summary (as "}<code>{"procsnap report"}</code>{" prints it)"}</summary>
                <div class="toolbar">{ copy_button(&loaded.opened.text.clone().into(), "Copy") }</div>
                <pre tabindex="0">{&loaded.opened.text}</pre>
            </details>
        </div>
    }
}

/// Everything above the plain-text summary: read-only, so written as markup (see `markup`).
fn body(r: &Report) -> Html {
    let tw = &r.time_wait;
    let c = &r.cost;
    let sockets = r.volume.inet_rows + r.volume.unix_rows;
    let mut m = Markup::new();
    let figure = |m: &mut Markup, id: &'static str, value: u64, shown: &str, what: &str| {
        m.tag("<li class=\"figure\" id=\"").tag(id).tag("\" data-value=\"").int(value);
        m.tag("\"><span class=\"value\">")
            .text(shown)
            .tag("</span><span class=\"what\">")
            .text(what)
            .tag("</span></li>");
    };
    m.tag("<ul class=\"figures\">");
    figure(
        &mut m,
        "fig-sockets",
        sockets,
        &thousands(sockets),
        &format!(
            "sockets ({} Internet, {} unix)",
            thousands(r.volume.inet_rows),
            thousands(r.volume.unix_rows)
        ),
    );
    figure(
        &mut m,
        "fig-time-wait",
        tw.count,
        &thousands(tw.count),
        &format!("in TIME_WAIT, {} of TCP", percent(tw.share_of_tcp, 1.0)),
    );
    let listeners = r.listeners.len() as u64;
    figure(
        &mut m,
        "fig-listeners",
        listeners,
        &thousands(listeners),
        &format!("Internet listeners (+{} unix)", r.unix_listeners.len()),
    );
    let close_rate = tw.close_rate_per_sec.round() as u64;
    figure(&mut m, "fig-close-rate", close_rate, &thousands(close_rate), "connections closed per second");
    figure(
        &mut m,
        "fig-netstat-bytes",
        c.bytes_read,
        &bytes(c.bytes_read as f64),
        "of /proc/net text netstat -nlp reads",
    );
    figure(
        &mut m,
        "fig-rows-parsed",
        c.rows_parsed,
        &thousands(c.rows_parsed),
        &format!("rows parsed to print {}", thousands(c.rows_shown)),
    );
    m.tag("</ul><section class=\"story card\"><h2>What this snapshot says</h2>");
    for s in summary(r) {
        m.tag("<p>").text(&s).tag("</p>");
    }
    m.tag("</section><section class=\"story card\" id=\"cost\"><h2>Why netstat -nlp is slow here</h2>");
    for s in &c.story {
        m.tag("<p>").text(s).tag("</p>");
    }
    m.tag("<div class=\"table-wrap\"><table class=\"data\" id=\"cost-files\"><thead><tr><th>File netstat reads</th>");
    m.tag("<th class=\"num\">Bytes</th><th class=\"num\">Rows</th><th class=\"num\">read() calls (")
        .int(u64::from(c.page_size));
    m.tag(" B pages)</th><th class=\"num\">Kernel time on capture</th></tr></thead><tbody>");
    let kernel_time = |m: &mut Markup, us: Option<u64>| {
        let shown = us.map(|us| micros(us as f64)).unwrap_or_else(|| "–".into());
        m.tag("<td class=\"num\">").text(&shown).tag("</td>");
    };
    for f in &c.files {
        m.tag("<tr><td><code>")
            .text(&f.path)
            .tag("</code></td>")
            .num_cell(f.bytes)
            .num_cell(f.rows)
            .num_cell(f.read_calls);
        kernel_time(&mut m, f.capture_micros);
        m.tag("</tr>");
    }
    m.tag("</tbody><tfoot><tr><th>Total</th><th class=\"num\">").num(c.bytes_read);
    m.tag("</th><th class=\"num\">").num(c.rows_parsed).tag("</th><th class=\"num\">").num(c.read_calls);
    let total_time = c.capture_micros.map(|us| micros(us as f64)).unwrap_or_else(|| "–".into());
    m.tag("</th><th class=\"num\">")
        .text(&total_time)
        .tag("</th></tr></tfoot></table></div><p class=\"muted\">");
    m.text(&format!(
        "Before reading any of it, netstat -p walks /proc: {} processes, {} directory opens, {} readlink calls, {} cmdline reads and {} SELinux context reads ({}).",
        thousands(c.walk.processes),
        thousands(c.walk.dir_opens),
        thousands(c.walk.readlinks),
        thousands(c.walk.cmdline_reads),
        thousands(c.walk.selinux_reads),
        if c.walk.source == "manifest" { "counted on capture" } else { "lower bounds: only socket holders are in the snapshot" }
    ));
    m.tag(
        "</p></section><section class=\"card\"><h2>Sockets by table and state</h2><div class=\"table-wrap\">",
    );
    m.tag("<table class=\"data\" id=\"volume\"><thead><tr><th>Table</th><th class=\"num\">Rows</th><th>States</th></tr></thead><tbody>");
    for t in &r.volume.by_table {
        let states =
            t.states.iter().map(|(s, n)| format!("{s} {}", thousands(*n))).collect::<Vec<_>>().join(" · ");
        m.tag("<tr>").cell(t.table.file_name()).num_cell(t.rows).cell(&states).tag("</tr>");
    }
    m.tag("</tbody></table></div><h3>The kernel's own counters (sockstat) beside the rows</h3><div class=\"table-wrap\">");
    m.tag("<table class=\"data\" id=\"counters\"><thead><tr><th>Counter</th><th class=\"num\">Kernel</th>");
    m.tag("<th class=\"num\">Rows</th><th>Rows counted</th><th></th></tr></thead><tbody>");
    for k in &r.volume.kernel_vs_rows {
        m.tag("<tr>").cell(&k.counter).num_cell(k.kernel).num_cell(k.rows).cell(&k.counted);
        m.tag(if k.kernel == k.rows {
            "<td><span class=\"ok\">agree</span></td></tr>"
        } else {
            "<td><span class=\"bad\">differ</span></td></tr>"
        });
    }
    m.tag("</tbody></table></div></section>");
    if r.diagnostics.total > 0 {
        m.tag("<section class=\"card\" id=\"diagnostics\"><h2>")
            .num(r.diagnostics.total)
            .tag(" problems in the input</h2>");
        m.tag(
            "<p class=\"muted\">Rows or files that could not be read; everything else was decoded.</p><ul>",
        );
        for d in &r.diagnostics.items {
            m.tag("<li><code>")
                .text(&d.file)
                .tag(":")
                .int(d.line as u64)
                .tag("</code> ")
                .text(&d.message)
                .tag("</li>");
        }
        m.tag("</ul></section>");
    }
    m.html()
}

/// Plain sentences about the host.
fn summary(r: &Report) -> Vec<String> {
    let tw = &r.time_wait;
    let host = r.host.hostname.clone().unwrap_or_else(|| "This host".into());
    let when = r.host.capture_start.clone().map(|t| format!(" at {t}")).unwrap_or_default();
    let mut out = vec![format!(
        "{host} had {} Internet sockets and {} unix sockets{when}; {} of them listen (what netstat -nlp shows).",
        thousands(r.volume.inet_rows),
        thousands(r.volume.unix_rows),
        thousands((r.listeners.len() + r.unix_listeners.len()) as u64)
    )];
    if tw.count > 0 {
        out.push(format!(
            "{} TCP sockets ({}) were in TIME_WAIT: connections already closed, kept for 60 seconds so late packets are not mistaken for a new connection. That many means about {} connections were closed every second.",
            thousands(tw.count),
            percent(tw.share_of_tcp, 1.0),
            thousands(tw.close_rate_per_sec.round() as u64)
        ));
        if let Some(top) = tw.by_local_port.first() {
            let who = match (&top.side, &top.listener) {
                (procsnap_core::analysis::timewait::Side::Server, Some(l)) => {
                    format!("where {l} listens: this server closes those connections first")
                }
                (procsnap_core::analysis::timewait::Side::Server, None) => {
                    "where a process listens: this server closes those connections first".into()
                }
                _ => "an ephemeral port: outgoing connections this host closed".into(),
            };
            out.push(format!(
                "The largest group, {} ({}), is on local port {}, {who}.",
                thousands(top.count),
                percent(top.count as f64, tw.count as f64),
                top.port
            ));
        }
    } else {
        out.push("No TCP socket was in TIME_WAIT.".into());
    }
    if r.host.uid.is_some_and(|u| u != 0) {
        out.push(
            "The snapshot was taken without root: sockets of other users' processes have no owner.".into(),
        );
    }
    out
}

/// One line about the captured host for the snapshot bar.
pub fn host_line(r: &Report) -> String {
    let h = &r.host;
    [
        h.hostname.clone(),
        h.kernel.clone().map(|k| format!("Linux {k}")),
        h.arch.clone(),
        h.capture_start.clone(),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" · ")
}
