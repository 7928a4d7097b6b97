//! Overview: this host's story in numbers and plain sentences, and why netstat is slow here.
use std::rc::Rc;

use procsnap_core::Report;
use yew::prelude::*;

use super::copy_button::CopyButton;
use crate::format::{bytes, micros, percent, thousands};
use crate::state::Loaded;

#[derive(Properties, PartialEq)]
pub struct OverviewViewProps {
    pub loaded: Rc<Loaded>,
}

#[component]
pub fn OverviewView(props: &OverviewViewProps) -> Html {
    let r = &props.loaded.report;
    let tw = &r.time_wait;
    let c = &r.cost;
    let sockets = r.volume.inet_rows + r.volume.unix_rows;
    let figure = |id: &str, value: u64, shown: String, what: String| {
        html! {
            <li class="figure" id={id.to_string()} data-value={value.to_string()}>
                <span class="value">{shown}</span><span class="what">{what}</span>
            </li>
        }
    };
    html! {
        <div class="overview">
            <ul class="figures">
                {figure("fig-sockets", sockets, thousands(sockets),
                    format!("sockets ({} Internet, {} unix)", thousands(r.volume.inet_rows), thousands(r.volume.unix_rows)))}
                {figure("fig-time-wait", tw.count, thousands(tw.count),
                    format!("in TIME_WAIT, {} of TCP", percent(tw.share_of_tcp, 1.0)))}
                {figure("fig-listeners", r.listeners.len() as u64, thousands(r.listeners.len() as u64),
                    format!("Internet listeners (+{} unix)", r.unix_listeners.len()))}
                {figure("fig-close-rate", tw.close_rate_per_sec.round() as u64, thousands(tw.close_rate_per_sec.round() as u64),
                    "connections closed per second".into())}
                {figure("fig-netstat-bytes", c.bytes_read, bytes(c.bytes_read as f64),
                    "of /proc/net text netstat -nlp reads".into())}
                {figure("fig-rows-parsed", c.rows_parsed, thousands(c.rows_parsed),
                    format!("rows parsed to print {}", thousands(c.rows_shown)))}
            </ul>
            <section class="story card">
                <h2>{"What this snapshot says"}</h2>
                { for summary(r).into_iter().map(|s| html!{ <p>{s}</p> }) }
            </section>
            <section class="story card" id="cost">
                <h2>{"Why netstat -nlp is slow here"}</h2>
                { for c.story.iter().map(|s| html!{ <p>{s}</p> }) }
                <div class="table-wrap">
                    <table class="data" id="cost-files">
                        <thead><tr><th>{"File netstat reads"}</th><th class="num">{"Bytes"}</th><th class="num">{"Rows"}</th>
                            <th class="num">{format!("read() calls ({} B pages)", c.page_size)}</th><th class="num">{"Kernel time on capture"}</th></tr></thead>
                        <tbody>
                            { for c.files.iter().map(|f| html!{
                                <tr><td><code>{&f.path}</code></td><td class="num">{thousands(f.bytes)}</td><td class="num">{thousands(f.rows)}</td>
                                    <td class="num">{thousands(f.read_calls)}</td>
                                    <td class="num">{f.capture_micros.map(|m| micros(m as f64)).unwrap_or_else(|| "–".into())}</td></tr>
                            }) }
                        </tbody>
                        <tfoot><tr><th>{"Total"}</th><th class="num">{thousands(c.bytes_read)}</th><th class="num">{thousands(c.rows_parsed)}</th>
                            <th class="num">{thousands(c.read_calls)}</th>
                            <th class="num">{c.capture_micros.map(|m| micros(m as f64)).unwrap_or_else(|| "–".into())}</th></tr></tfoot>
                    </table>
                </div>
                <p class="muted">{format!(
                    "Before reading any of it, netstat -p walks /proc: {} processes, {} directory opens, {} readlink calls, {} cmdline reads and {} SELinux context reads ({}).",
                    thousands(c.walk.processes), thousands(c.walk.dir_opens), thousands(c.walk.readlinks),
                    thousands(c.walk.cmdline_reads), thousands(c.walk.selinux_reads),
                    if c.walk.source == "manifest" { "counted on capture" } else { "lower bounds: only socket holders are in the snapshot" })}</p>
            </section>
            <section class="card">
                <h2>{"Sockets by table and state"}</h2>
                <div class="table-wrap">
                    <table class="data" id="volume">
                        <thead><tr><th>{"Table"}</th><th class="num">{"Rows"}</th><th>{"States"}</th></tr></thead>
                        <tbody>
                            { for r.volume.by_table.iter().map(|t| html!{
                                <tr><td>{t.table.file_name()}</td><td class="num">{thousands(t.rows)}</td>
                                    <td>{t.states.iter().map(|(s, n)| format!("{s} {}", thousands(*n))).collect::<Vec<_>>().join(" · ")}</td></tr>
                            }) }
                        </tbody>
                    </table>
                </div>
                <h3>{"The kernel's own counters (sockstat) beside the rows"}</h3>
                <div class="table-wrap">
                    <table class="data" id="counters">
                        <thead><tr><th>{"Counter"}</th><th class="num">{"Kernel"}</th><th class="num">{"Rows"}</th><th>{"Rows counted"}</th><th></th></tr></thead>
                        <tbody>
                            { for r.volume.kernel_vs_rows.iter().map(|k| html!{
                                <tr><td>{&k.counter}</td><td class="num">{thousands(k.kernel)}</td><td class="num">{thousands(k.rows)}</td>
                                    <td>{&k.counted}</td>
                                    <td>{ if k.kernel == k.rows { html!{<span class="ok">{"agree"}</span>} }
                                          else { html!{<span class="bad">{"differ"}</span>} } }</td></tr>
                            }) }
                        </tbody>
                    </table>
                </div>
            </section>
            if r.diagnostics.total > 0 {
                <section class="card" id="diagnostics">
                    <h2>{format!("{} problems in the input", thousands(r.diagnostics.total))}</h2>
                    <p class="muted">{"Rows or files that could not be read; everything else was decoded."}</p>
                    <ul>{ for r.diagnostics.items.iter().map(|d| html!{ <li><code>{format!("{}:{}", d.file, d.line)}</code>{" "}{&d.message}</li> }) }</ul>
                </section>
            }
            <details class="card">
                <summary>{"Plain-text summary (as "}<code>{"procsnap report"}</code>{" prints it)"}</summary>
                <div class="toolbar"><CopyButton text={props.loaded.opened.text.clone()} /></div>
                <pre tabindex="0">{&props.loaded.opened.text}</pre>
            </details>
        </div>
    }
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
