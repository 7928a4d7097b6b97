//! Listeners: the `netstat -nlp` text with a copy button, and a sortable, filterable table with
//! every holder and its full command line.
use std::rc::Rc;

use procsnap_core::analysis::listeners::{HolderInfo, Listener};
use yew::prelude::*;

use super::copy_button::CopyButton;
use crate::state::Loaded;

#[derive(Properties, PartialEq)]
pub struct ListenersViewProps {
    pub loaded: Rc<Loaded>,
    /// The filter text (page state: it survives a tab switch and a reload).
    pub filter: AttrValue,
    pub on_filter: Callback<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Col {
    Proto,
    Address,
    Port,
    Backlog,
    Uid,
    Program,
}

const COLS: [(Col, &str); 6] = [
    (Col::Proto, "Proto"),
    (Col::Address, "Local address"),
    (Col::Port, "Port"),
    (Col::Backlog, "Recv-Q"),
    (Col::Uid, "UID"),
    (Col::Program, "PID/Program"),
];

/// A stable key per listener row, used by the browser tests to compare with the CLI's JSON.
pub fn listener_key(l: &Listener) -> String {
    format!("{} {}:{} {}", l.proto.file_name(), l.local_addr, l.local_port, l.inode)
}

fn cmdline(h: &HolderInfo) -> String {
    match &h.cmdline {
        Some(args) => args.iter().map(|a| a.lossy().into_owned()).collect::<Vec<_>>().join(" "),
        None => "(no command line captured)".into(),
    }
}

#[component]
pub fn ListenersView(props: &ListenersViewProps) -> Html {
    let sort = use_state(|| (Col::Port, false));
    let r = &props.loaded.report;

    let oninput = {
        let on_filter = props.on_filter.clone();
        Callback::from(move |e: InputEvent| {
            on_filter.emit(e.target_unchecked_into::<web_sys::HtmlInputElement>().value())
        })
    };
    let needle = props.filter.to_ascii_lowercase();
    let mut rows: Vec<&Listener> = r
        .listeners
        .iter()
        .filter(|l| {
            needle.is_empty() || {
                let hay = format!(
                    "{} {}:{} {} {} {}",
                    l.proto.file_name(),
                    l.local_addr,
                    l.local_port,
                    l.state_name,
                    l.netstat_program.lossy(),
                    l.holders.iter().map(cmdline).collect::<Vec<_>>().join(" ")
                );
                hay.to_ascii_lowercase().contains(&needle)
            }
        })
        .collect();
    // Every namespace at once: (proto, address, port) is no longer unique, so say whose.
    let all_namespaces = r.namespaces.iter().filter(|n| n.selected).count() > 1;
    let (col, desc) = *sort;
    procsnap_core::sort::sort_by(&mut rows, |a, b| {
        let o = match col {
            Col::Proto => a.proto.cmp(&b.proto),
            Col::Address => a.local_addr.cmp(&b.local_addr),
            Col::Port => a.local_port.cmp(&b.local_port),
            Col::Backlog => a.recv_q.cmp(&b.recv_q),
            Col::Uid => a.uid.cmp(&b.uid),
            Col::Program => a.netstat_program.cmp(&b.netstat_program),
        }
        .then(a.local_port.cmp(&b.local_port))
        .then(a.proto.cmp(&b.proto));
        if desc { o.reverse() } else { o }
    });

    html! {
        <div class="listeners">
            <section class="card">
                <div class="toolbar">
                    <h2>{"netstat -nlp, as it would have printed"}</h2>
                    <CopyButton text={props.loaded.opened.netstat.clone()} label="Copy text" />
                </div>
                <pre id="netstat-text" tabindex="0">{&props.loaded.opened.netstat}</pre>
            </section>
            <section class="card">
                <div class="toolbar">
                    <h2>{format!("Internet listeners ({})", r.listeners.len())}</h2>
                    <label>{"Filter "}<input id="listeners-filter" type="search" value={props.filter.clone()} placeholder="port, address, program, argument" {oninput} /></label>
                </div>
                <div class="table-wrap">
                    <table class="data" id="listeners-table">
                        <thead><tr>
                            { for COLS.iter().map(|&(c, label)| {
                                let onclick = { let sort = sort.clone(); Callback::from(move |_| {
                                    let (cur, d) = *sort;
                                    sort.set((c, if cur == c { !d } else { false }));
                                })};
                                let aria = if col == c { if desc { "descending" } else { "ascending" } } else { "none" };
                                let arrow = if col == c { if desc { " ▼" } else { " ▲" } } else { "" };
                                html! { <th aria-sort={aria}><button {onclick}>{label}{arrow}</button></th> }
                            }) }
                            if all_namespaces { <th>{"Namespace"}</th> }
                            <th>{"Holders and command lines"}</th>
                        </tr></thead>
                        <tbody>
                            { for rows.iter().map(|l| html! {
                                <tr data-key={listener_key(l)}>
                                    <td>{l.proto.file_name()}</td>
                                    <td class="mono">{l.local_addr.to_string()}</td>
                                    <td class="num">{l.local_port}</td>
                                    <td class="num" title="accept backlog in use">{l.recv_q}</td>
                                    <td class="num">{l.uid}</td>
                                    <td class="mono">{l.netstat_program.lossy().into_owned()}</td>
                                    if all_namespaces {
                                        <td class="mono netns">{l.netns.map_or("?".to_string(), |i| format!("net:[{i}]"))}</td>
                                    }
                                    <td class="cmd">
                                        if l.holders.is_empty() { <span class="muted">{"no owner in the snapshot"}</span> }
                                        { for l.holders.iter().map(|h| html!{
                                            <div>{format!("{}/{} fd {}", h.pid, h.comm.as_ref().map(|c| c.lossy().into_owned()).unwrap_or_default(), h.fd)}
                                                {": "}{cmdline(h)}</div>
                                        }) }
                                    </td>
                                </tr>
                            }) }
                        </tbody>
                    </table>
                </div>
                if rows.is_empty() { <p class="muted">{"No listener matches."}</p> }
            </section>
            if !r.unix_listeners.is_empty() {
                <section class="card">
                    <h2>{format!("Unix listeners ({})", r.unix_listeners.len())}</h2>
                    <div class="table-wrap">
                        <table class="data" id="unix-listeners-table">
                            <thead><tr><th>{"Path"}</th><th class="num">{"Inode"}</th><th>{"PID/Program"}</th><th>{"Holders"}</th></tr></thead>
                            <tbody>
                                { for r.unix_listeners.iter().map(|u| html!{
                                    <tr><td class="mono">{u.path.lossy().into_owned()}</td><td class="num">{u.inode}</td>
                                        <td class="mono">{u.netstat_program.lossy().into_owned()}</td>
                                        <td class="cmd">{ for u.holders.iter().map(|h| html!{ <div>{format!("{} fd {}: {}", h.pid, h.fd, cmdline(h))}</div> }) }</td></tr>
                                }) }
                            </tbody>
                        </table>
                    </div>
                </section>
            }
        </div>
    }
}
