//! Every socket row, filterable, in a virtualised table: the DOM only holds the rows in view;
//! the rows themselves stay in the worker and arrive a page at a time.
use std::rc::Rc;

use yew::prelude::*;

use crate::format;
use crate::protocol::{RowPage, RowQuery};

const ROW_H: f64 = 24.0;
const VIEW_H: f64 = 480.0;
/// Rows fetched above and below the visible ones.
const OVERSCAN: u64 = 40;
/// Browsers stop laying out elements much taller than this; taller tables are scaled.
const MAX_SPACER_PX: f64 = 15_000_000.0;

const PROTOS: [&str; 9] = ["", "tcp", "tcp6", "udp", "udp6", "raw", "raw6", "unix", "udplite"];
/// The state filter offers TCP's states; index 0 (empty) means any.
const STATES: [&str; 12] = procsnap_core::proc::inet::TCP_STATE_NAMES;

#[derive(Properties, PartialEq)]
pub struct SocketsViewProps {
    /// All rows in the snapshot.
    pub total: u64,
    pub page: Rc<RowPage>,
    pub request_rows: Callback<RowQuery>,
    /// The filter (page state: `crate::state::Filters::sockets`); its `seq` changes with it.
    pub query: RowQuery,
    /// A filter field changed (the page's reducer makes it a new query).
    pub on_filter: Callback<RowQuery>,
}

#[component]
pub fn SocketsView(props: &SocketsViewProps) -> Html {
    let query = &props.query;
    let first = use_state(|| 0u64);
    let scroller = use_node_ref();

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
                    <select id="f-proto" onchange={on_proto}>
                        { for PROTOS.iter().map(|p| html!{ <option value={*p} selected={query.proto == *p}>{ if p.is_empty() { "any" } else { p } }</option> }) }
                    </select>
                </label>
                <label>{"State "}
                    <select id="f-state" onchange={on_state}>
                        { for STATES.iter().map(|s| html!{ <option value={*s} selected={query.state == *s}>{ if s.is_empty() { "any" } else { s } }</option> }) }
                    </select>
                </label>
                <label>{"Address "}<input id="f-addr" type="search" placeholder="10.0.0.5" value={query.addr.clone()} onchange={on_addr} /></label>
                <label>{"Port "}<input id="f-port" type="number" min="0" max="65535" class="narrow" value={query.port.map(|p| p.to_string())} onchange={on_port} /></label>
                <label>{"PID "}<input id="f-pid" type="number" min="0" class="narrow" value={query.pid.map(|p| p.to_string())} onchange={on_pid} /></label>
            </form>
            <p class="muted" id="sockets-count" aria-live="polite">
                {format!("{} of {} rows match", format::thousands(total), format::thousands(props.total))}
            </p>
            <div class="vtable" role="table" aria-label="Sockets" aria-rowcount={total.to_string()}>
                <div class="vrow vhead" role="row">
                    <span role="columnheader">{"Proto"}</span>
                    <span role="columnheader">{"Local address"}</span>
                    <span role="columnheader">{"Foreign address"}</span>
                    <span role="columnheader">{"State"}</span>
                    <span role="columnheader">{"Inode"}</span>
                    <span role="columnheader">{"UID"}</span>
                    <span role="columnheader">{"PID/Program"}</span>
                </div>
                <div class="vscroll" ref={scroller} {onscroll} tabindex="0" style={format!("height:{VIEW_H}px")}>
                    <div class="vspacer" style={format!("height:{}px", natural * scale)}>
                        { for rows.into_iter().map(|(i, r)| html! {
                            <div class="vrow" role="row" aria-rowindex={(i + 1).to_string()}
                                style={format!("top:{}px", *first as f64 * ROW_H * scale + (i - *first) as f64 * ROW_H)}>
                                <span role="cell">{&r.proto}</span>
                                <span role="cell">{&r.local}</span>
                                <span role="cell">{&r.remote}</span>
                                <span role="cell">{&r.state}</span>
                                <span role="cell">{r.inode}</span>
                                <span role="cell">{r.uid}</span>
                                <span role="cell">{ match r.pid { Some(p) => format!("{p}/{}", r.program), None => "-".into() } }</span>
                            </div>
                        }) }
                    </div>
                </div>
            </div>
        </div>
    }
}
