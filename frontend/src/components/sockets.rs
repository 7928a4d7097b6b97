//! Every socket row, filterable and sortable, in a virtualised table: the DOM only holds the
//! rows in view; the rows themselves stay in the worker and arrive a page at a time. The worker
//! also writes the CSV of the filtered rows ("Export these rows").
use std::rc::Rc;

use procsnap_core::query::{PROTOS, STATES, SocketRow, SortKey};
use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::format;
use crate::markup::Markup;
use crate::protocol::{Request, RowPage, RowQuery};
use crate::state::CsvFile;

const ROW_H: f64 = 24.0;
/// The scroller's height in pixels (its `style` below says the same).
const VIEW_H: f64 = 480.0;
/// Rows fetched above and below the visible ones.
const OVERSCAN: u64 = 40;
/// Browsers stop laying out elements much taller than this; taller tables are scaled.
const MAX_SPACER_PX: f64 = 15_000_000.0;

/// The table's columns: heading, the sort key its button sets and that key's name (the
/// button's `data-sort`; a literal, not `{:?}`, whose formatting the module need not carry).
const COLUMNS: [(&str, SortKey, &str); 10] = [
    ("Proto", SortKey::Proto, "Proto"),
    ("Local address", SortKey::Local, "Local"),
    ("Foreign address", SortKey::Remote, "Remote"),
    ("State", SortKey::State, "State"),
    ("Recv-Q", SortKey::RecvQ, "RecvQ"),
    ("Send-Q", SortKey::SendQ, "SendQ"),
    ("Timer (s left)", SortKey::Timer, "Timer"),
    ("Inode", SortKey::Inode, "Inode"),
    ("UID", SortKey::Uid, "Uid"),
    ("PID/Program", SortKey::Program, "Program"),
];

#[derive(Properties, PartialEq)]
pub struct SocketsViewProps {
    /// All rows in the snapshot.
    pub total: u64,
    pub page: Rc<RowPage>,
    pub request_rows: Callback<RowQuery>,
    /// The filter (page state: `crate::state::Filters::sockets`); its `seq` changes with it.
    pub query: RowQuery,
    /// A filter field or the sort changed (the page's reducer makes it a new query).
    pub on_filter: Callback<RowQuery>,
    /// Requests to the worker: the CSV of the filtered rows.
    pub send: Callback<Request>,
    /// The last CSV the worker made (offered while it is the current filter's).
    pub csv: Option<Rc<CsvFile>>,
    /// Every namespace's rows at once: a Namespace column tells alike rows apart.
    pub all_namespaces: bool,
}

#[component]
pub fn SocketsView(props: &SocketsViewProps) -> Html {
    let query = &props.query;
    let first = use_state(|| 0u64);
    let scroller = use_node_ref();
    // The filter whose CSV is being made (0: none).
    let waiting = use_state(|| 0u32);

    // Ask for the first page whenever the filters change (and on mount).
    {
        let request_rows = props.request_rows.clone();
        use_effect_with(query.clone(), move |q| request_rows.emit(q.clone()));
    }

    let page = &props.page;
    let current = page.seq == query.seq;
    let total = if current { page.total } else { 0 };
    let natural = total as f64 * ROW_H;
    let scale = if natural > MAX_SPACER_PX { MAX_SPACER_PX / natural } else { 1.0 };

    let onscroll = {
        let scroller = scroller.clone();
        let first = first.clone();
        let query = query.clone();
        let request_rows = props.request_rows.clone();
        let page = page.clone();
        Callback::from(move |_| {
            let Some(el) = scroller.cast::<web_sys::Element>() else { return };
            let top = el.scroll_top() as f64 / scale;
            let idx = (top / ROW_H) as u64;
            first.set(idx);
            let visible = (VIEW_H / ROW_H) as u64 + 1;
            let have = page.seq == query.seq
                && idx >= page.offset
                && idx + visible <= page.offset + page.rows.len() as u64;
            if !have {
                let mut q = query.clone();
                q.offset = idx.saturating_sub(OVERSCAN);
                q.limit = (visible + 2 * OVERSCAN) as u32;
                request_rows.emit(q);
            }
        })
    };

    let set = |f: fn(&mut RowQuery, String)| {
        let query = query.clone();
        let on_filter = props.on_filter.clone();
        let scroller = scroller.clone();
        let first = first.clone();
        Callback::from(move |e: Event| {
            let v = e.target_unchecked_into::<web_sys::HtmlInputElement>().value();
            let mut q = query.clone();
            f(&mut q, v.trim().to_string());
            if let Some(el) = scroller.cast::<web_sys::Element>() {
                el.set_scroll_top(0);
            }
            first.set(0);
            on_filter.emit(q);
        })
    };
    let on_proto = set(|q, v| q.proto = v);
    let on_state = set(|q, v| q.state = v);
    let on_addr = set(|q, v| q.addr = v);
    let on_port = set(|q, v| q.port = v.parse().ok());
    let on_pid = set(|q, v| q.pid = v.parse().ok());

    // What is typed in the text fields, before it is committed (on change): Yew sets an input's
    // value from every render, and a render while typing (rows arriving) would otherwise put
    // the last committed value back and lose the keys typed so far.
    let typed_addr = use_state(|| query.addr.clone());
    let typed_port = use_state(|| query.port.map(|p| p.to_string()).unwrap_or_default());
    let typed_pid = use_state(|| query.pid.map(|p| p.to_string()).unwrap_or_default());
    {
        let (a, p, i) = (typed_addr.clone(), typed_port.clone(), typed_pid.clone());
        use_effect_with((query.addr.clone(), query.port, query.pid), move |(addr, port, pid)| {
            a.set(addr.clone());
            p.set(port.map(|p| p.to_string()).unwrap_or_default());
            i.set(pid.map(|p| p.to_string()).unwrap_or_default());
        });
    }
    let typing = |field: &UseStateHandle<String>| {
        let field = field.clone();
        Callback::from(move |e: InputEvent| {
            field.set(e.target_unchecked_into::<web_sys::HtmlInputElement>().value())
        })
    };

    // A heading's button: ascending, then descending, then back to file order.
    let sort_by = |key: SortKey| {
        let query = query.clone();
        let on_filter = props.on_filter.clone();
        Callback::from(move |_| {
            let mut q = query.clone();
            (q.sort, q.descending) = match (q.sort == key, q.descending) {
                (false, _) => (key, false),
                (true, false) => (key, true),
                (true, true) => (SortKey::File, false),
            };
            on_filter.emit(q);
        })
    };
    let export = {
        let query = query.clone();
        let send = props.send.clone();
        let waiting = waiting.clone();
        Callback::from(move |_| {
            waiting.set(query.seq);
            send.emit(Request::Csv(query.clone()));
        })
    };
    // The file arrives for the filter it was asked for: save it at once (the link stays).
    let csv = props.csv.as_ref().filter(|c| c.seq == query.seq);
    {
        let fresh = csv.is_some() && *waiting == query.seq;
        let waiting = waiting.clone();
        use_effect_with(props.csv.as_ref().map(|c| c.url.to_string()), move |_| {
            if fresh {
                waiting.set(0);
                if let Some(a) = gloo_utils::document().get_element_by_id("csv-download")
                    && let Ok(a) = a.dyn_into::<web_sys::HtmlElement>()
                {
                    a.click();
                }
            }
        });
    }

    let visible = (VIEW_H / ROW_H) as u64 + 1;
    let rows = if current {
        let lo = (*first).max(page.offset);
        let hi = (*first + visible + 4).min(page.offset + page.rows.len() as u64);
        (lo..hi.max(lo)).map(|i| (i, &page.rows[(i - page.offset) as usize])).collect::<Vec<_>>()
    } else {
        Vec::new()
    };

    html! {
        <div class="sockets">
            <form class="filters" onsubmit={Callback::from(|e: SubmitEvent| e.prevent_default())}>
                <label>{"Protocol "}
                    <select id="f-proto" onchange={on_proto}>{ options(&PROTOS, &query.proto) }</select>
                </label>
                <label>{"State "}
                    <select id="f-state" onchange={on_state}>{ options(&STATES, &query.state) }</select>
                </label>
                <label>{"Address "}<input id="f-addr" type="search" placeholder="10.0.0.5" value={(*typed_addr).clone()} oninput={typing(&typed_addr)} onchange={on_addr} /></label>
                <label>{"Port "}<input id="f-port" type="number" min="0" max="65535" class="narrow" value={(*typed_port).clone()} oninput={typing(&typed_port)} onchange={on_port} /></label>
                <label>{"PID "}<input id="f-pid" type="number" min="0" class="narrow" value={(*typed_pid).clone()} oninput={typing(&typed_pid)} onchange={on_pid} /></label>
            </form>
            <div class="sockets-bar">
                <p class="muted" id="sockets-count" aria-live="polite">
                    {format!("{} of {} rows match", format::thousands(total), format::thousands(props.total))}
                </p>
                <button id="csv-export" class="button small" onclick={export} disabled={!current || total == 0 || *waiting == query.seq}>
                    { if *waiting == query.seq { "Preparing CSV…" } else { "Export these rows (CSV)" } }</button>
                if let Some(c) = csv {
                    <a id="csv-download" href={c.url.to_string()} download="procsnap-sockets.csv" data-rows={c.rows.to_string()}>
                        {format!("procsnap-sockets.csv: {} of {} rows", format::thousands(c.rows), format::thousands(c.total))}</a>
                }
            </div>
            <div class="vtable" data-netns={props.all_namespaces.then_some("all")} role="table" aria-label="Sockets" aria-rowcount={total.to_string()} aria-busy={(!current).to_string()}>
                <div class="vrow vhead" role="row">
                    { for COLUMNS.iter().map(|&(label, key, name)| {
                        let sorted = query.sort == key;
                        let aria = match (sorted, query.descending) {
                            (false, _) => "none",
                            (true, false) => "ascending",
                            (true, true) => "descending",
                        };
                        html! {
                            <span role="columnheader" aria-sort={sorted.then_some(aria)}>
                                <button class="sort" data-sort={name} onclick={sort_by(key)}>
                                    {label}{ match aria { "ascending" => " ▲", "descending" => " ▼", _ => "" } }</button>
                            </span>
                        }
                    }) }
                    if props.all_namespaces {
                        <span role="columnheader">{"Namespace"}</span>
                    }
                </div>
                <div class="vscroll" role="rowgroup" ref={scroller} {onscroll} tabindex="0" style="height:480px">
                    { spacer(natural * scale, *first, scale, &rows, props.all_namespaces) }
                </div>
            </div>
        </div>
    }
}

/// A filter's choices, "any" first, the current one selected: fixed words, so markup.
fn options(choices: &[&'static str], current: &str) -> Html {
    let mut m = Markup::new();
    m.tag(if current.is_empty() {
        "<option value=\"\" selected>any</option>"
    } else {
        "<option value=\"\">any</option>"
    });
    for &c in choices {
        m.tag("<option value=\"").tag(c).tag(if c == current { "\" selected>" } else { "\">" });
        m.tag(c).tag("</option>");
    }
    m.html()
}

/// The rows in view inside their spacer: read-only, so written as markup (see `markup`), one
/// raw node replaced when the rows or the scroll position change.
fn spacer(height: f64, first: u64, scale: f64, rows: &[(u64, &SocketRow)], netns: bool) -> Html {
    let mut m = Markup::new();
    m.tag("<div class=\"vspacer\" role=\"presentation\" style=\"height:")
        .text(&format::fixed(height, 2))
        .tag("px\">");
    let cell = |m: &mut Markup, s: &str| {
        m.tag("<span role=\"cell\">").text(s).tag("</span>");
    };
    let opt = |m: &mut Markup, v: Option<u32>| {
        m.tag("<span role=\"cell\">");
        if let Some(v) = v {
            m.int(u64::from(v));
        }
        m.tag("</span>");
    };
    for &(i, r) in rows {
        let top = first as f64 * ROW_H * scale + (i - first) as f64 * ROW_H;
        m.tag("<div class=\"vrow\" role=\"row\" aria-rowindex=\"")
            .int(i + 1)
            .tag("\" style=\"top:")
            .text(&format::fixed(top, 2))
            .tag("px\">");
        cell(&mut m, &r.proto);
        cell(&mut m, &r.local);
        cell(&mut m, &r.remote);
        cell(&mut m, &r.state);
        opt(&mut m, r.recv_q);
        opt(&mut m, r.send_q);
        m.tag("<span role=\"cell\" title=\"").text(&r.timer).tag("\">");
        if let Some(t) = r.timer_s {
            m.text(&format::fixed(t, 2)).tag(" ");
        }
        m.text(&r.timer).tag("</span><span role=\"cell\">").int(r.inode);
        m.tag("</span><span role=\"cell\">").int(u64::from(r.uid)).tag("</span><span role=\"cell\">");
        match r.pid {
            Some(p) => m.int(u64::from(p)).tag("/").text(&r.program),
            None => m.tag("-"),
        };
        if netns {
            m.tag("</span><span role=\"cell\">");
            if let Some(n) = r.netns {
                m.tag("net:[").int(n).tag("]");
            }
        }
        m.tag("</span></div>");
    }
    m.tag("</div>");
    m.html()
}
