//! Listeners: the `netstat -nlp` text with a copy button, and a sortable, filterable table with
//! every holder and its full command line.

use procsnap_core::analysis::listeners::{HolderInfo, Listener};
use yew::prelude::*;

use super::copy_button::copy_button;
use crate::markup::Markup;
use crate::state::Loaded;

/// What [`listeners_view`] shows, and where its choices go.
pub struct ListenersViewProps<'a> {
    pub loaded: &'a Loaded,
    /// The filter text (page state: it survives a tab switch and a reload).
    pub filter: &'a str,
    pub on_filter: Callback<String>,
    /// The sort: an index into [`COLS`] and descending (page state, `PageState::listeners_sort`;
    /// the page gives the focus back to the header button used, whose markup a sort replaces).
    pub sort: (usize, bool),
    /// A header button was pressed: its index into [`COLS`].
    pub on_sort: Callback<usize>,
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

/// The default sort, `crate::state::LISTENERS_SORT`, is by port.
const _: () = assert!(matches!(COLS[crate::state::LISTENERS_SORT.0].0, Col::Port));

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

pub fn listeners_view(props: &ListenersViewProps) -> Html {
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
    let all_namespaces = props.loaded.all_namespaces();
    let (col, desc) = (COLS[props.sort.0.min(COLS.len() - 1)].0, props.sort.1);
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

    // The table is markup (see `markup`): one click handler on its wrapper sorts by the column
    // of the header button clicked.
    let onclick = {
        let on_sort = props.on_sort.clone();
        Callback::from(move |e: MouseEvent| {
            if let Some(i) = clicked_column(&e) {
                on_sort.emit(i);
            }
        })
    };
    html! {
        <div class="listeners">
            <section class="card">
                <div class="toolbar">
                    <h2>{"netstat -nlp, as it would have printed"}</h2>
                    { copy_button(&props.loaded.opened.netstat.clone().into(), "Copy text") }
                </div>
                <pre id="netstat-text" tabindex="0">{&props.loaded.opened.netstat}</pre>
            </section>
            <section class="card">
                <div class="toolbar">
                    <h2>{format!("Internet listeners ({})", r.listeners.len())}</h2>
                    <label>{"Filter "}<input id="listeners-filter" type="search" value={props.filter.to_string()} placeholder="port, address, program, argument" {oninput} /></label>
                </div>
                <div class="table-wrap" {onclick}>{ listeners_table(&rows, col, desc, all_namespaces) }</div>
                if rows.is_empty() { <p class="muted">{"No listener matches."}</p> }
            </section>
            if !r.unix_listeners.is_empty() {
                <section class="card">
                    <h2>{format!("Unix listeners ({})", r.unix_listeners.len())}</h2>
                    <div class="table-wrap">{ unix_table(&r.unix_listeners) }</div>
                </section>
            }
        </div>
    }
}

/// The header button an event came from: its `data-col`, an index into [`COLS`].
fn clicked_column(e: &MouseEvent) -> Option<usize> {
    let i: usize = crate::markup::clicked_attr(e, "data-col")?.parse().ok()?;
    (i < COLS.len()).then_some(i)
}

fn listeners_table(rows: &[&Listener], col: Col, desc: bool, all_namespaces: bool) -> Html {
    let mut m = Markup::new();
    m.tag("<table class=\"data\" id=\"listeners-table\"><thead><tr>");
    for (i, &(c, label)) in COLS.iter().enumerate() {
        m.tag(match (col == c, desc) {
            (false, _) => "<th aria-sort=\"none\">",
            (true, false) => "<th aria-sort=\"ascending\">",
            (true, true) => "<th aria-sort=\"descending\">",
        });
        m.tag("<button data-col=\"").int(i as u64).tag("\">").tag(label);
        m.tag(match (col == c, desc) {
            (false, _) => "</button></th>",
            (true, false) => " ▲</button></th>",
            (true, true) => " ▼</button></th>",
        });
    }
    if all_namespaces {
        m.tag("<th>Namespace</th>");
    }
    m.tag("<th>Holders and command lines</th></tr></thead><tbody>");
    for l in rows {
        m.tag("<tr data-key=\"").text(&listener_key(l)).tag("\">").cell(l.proto.file_name());
        m.tag("<td class=\"mono\">").text(&l.local_addr.to_string()).tag("</td><td class=\"num\">");
        m.int(u64::from(l.local_port))
            .tag("</td><td class=\"num\" title=\"accept backlog in use\">")
            .int(u64::from(l.recv_q));
        m.tag("</td><td class=\"num\">").int(u64::from(l.uid)).tag("</td><td class=\"mono\">");
        m.text(&l.netstat_program.lossy()).tag("</td>");
        if all_namespaces {
            let netns = l.netns.map_or("?".to_string(), |i| format!("net:[{i}]"));
            m.tag("<td class=\"mono netns\">").text(&netns).tag("</td>");
        }
        m.tag("<td class=\"cmd\">");
        if l.holders.is_empty() {
            m.tag("<span class=\"muted\">no owner in the snapshot</span>");
        }
        for h in &l.holders {
            let comm = h.comm.as_ref().map(|c| c.lossy().into_owned()).unwrap_or_default();
            m.tag("<div>").text(&format!("{}/{comm} fd {}: {}", h.pid, h.fd, cmdline(h))).tag("</div>");
        }
        m.tag("</td></tr>");
    }
    m.tag("</tbody></table>");
    m.html()
}

fn unix_table(listeners: &[procsnap_core::analysis::listeners::UnixListener]) -> Html {
    let mut m = Markup::new();
    m.tag("<table class=\"data\" id=\"unix-listeners-table\"><thead><tr><th>Path</th><th class=\"num\">Inode</th>");
    m.tag("<th>PID/Program</th><th>Holders</th></tr></thead><tbody>");
    for u in listeners {
        m.tag("<tr><td class=\"mono\">").text(&u.path.lossy()).tag("</td><td class=\"num\">").int(u.inode);
        m.tag("</td><td class=\"mono\">").text(&u.netstat_program.lossy()).tag("</td><td class=\"cmd\">");
        for h in &u.holders {
            m.tag("<div>").text(&format!("{} fd {}: {}", h.pid, h.fd, cmdline(h))).tag("</div>");
        }
        m.tag("</td></tr>");
    }
    m.tag("</tbody></table>");
    m.html()
}
