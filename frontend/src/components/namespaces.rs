//! Network namespaces (containers, pods): the picker every view follows (the worker rebuilds
//! the report for the namespace picked), and the overview's list of namespaces by TIME_WAIT.
use procsnap_core::analysis::namespaces::NamespaceSummary;
use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::markup::Markup;

use crate::protocol::NetnsChoice;

/// `net:[INODE] (docker 0123456789ab)`, `net:[INODE] (host)`.
fn label(n: &NamespaceSummary) -> String {
    let inode = n.inode.map_or("net:[?]".to_string(), |i| format!("net:[{i}]"));
    let who = if n.host {
        "host".to_string()
    } else {
        n.containers.iter().map(|c| c.short()).collect::<Vec<_>>().join(", ")
    };
    if who.is_empty() { inode } else { format!("{inode} ({who})") }
}

/// A `<select>` of the namespaces with tables; hidden when there is only the collector's own.
pub fn namespace_picker(namespaces: &[NamespaceSummary], on_pick: &Callback<NetnsChoice>) -> Html {
    let shown: Vec<&NamespaceSummary> = namespaces.iter().filter(|n| !n.vanished).collect();
    if shown.len() < 2 {
        return html! {};
    }
    let onchange = {
        let on_pick = on_pick.clone();
        Callback::from(move |e: Event| {
            // The select's `value` read through Reflect: no extra web-sys feature for one property.
            let Some(target) = e.target() else { return };
            let value = js_sys::Reflect::get(target.unchecked_ref(), &"value".into())
                .ok()
                .and_then(|v| v.as_string());
            // "host" is the collector's own, "all" every namespace; anything else is an inode.
            on_pick.emit(match value.as_deref() {
                Some("all") => NetnsChoice::All,
                Some(v) => v.parse().map_or(NetnsChoice::Own, NetnsChoice::Inode),
                None => NetnsChoice::Own,
            });
        })
    };
    // Every namespace is in the report (see `Session::set_netns_all`).
    let all = shown.iter().filter(|n| n.selected).count() > 1;
    let total: u64 = shown.iter().map(|n| n.time_wait).sum();
    html! {
        <label class="netns-picker">{"Network namespace "}
            <select id="netns-picker" {onchange}>
                <option value="all" selected={all}>{format!("All {} namespaces — {total} TIME_WAIT", shown.len())}</option>
                { for shown.iter().map(|n| {
                    let value = if n.host { "host".to_string() } else { n.inode.map_or(String::new(), |i| i.to_string()) };
                    html! {
                        <option {value} selected={n.selected && !all}>
                            {format!("{} — {} TIME_WAIT", label(n), n.time_wait)}
                        </option>
                    }
                }) }
            </select>
        </label>
    }
}

/// Every namespace, most TIME_WAIT first, with its containers; nothing when there is only one.
pub fn namespace_list(namespaces: &[NamespaceSummary], note: Option<&String>) -> Html {
    if namespaces.len() < 2 && note.is_none() {
        return html! {};
    }
    let mut list: Vec<&NamespaceSummary> = namespaces.iter().collect();
    procsnap_core::sort::sort_by_key(&mut list, |n| (std::cmp::Reverse(n.time_wait), !n.host));
    html! {
        <section class="card" id="netns-list">
            <h3>{format!("Network namespaces ({})", namespaces.len())}</h3>
            if let Some(note) = note {
                <p class="notice">{note}</p>
            }
            if list.len() > 1 {
                { table(&list) }
            }
        </section>
    }
}

/// The namespaces' table, as markup (see `markup`): read-only.
fn table(list: &[&NamespaceSummary]) -> Html {
    let mut m = Markup::new();
    m.tag("<table><thead><tr><th>Namespace</th><th>TIME_WAIT</th><th>Sockets</th><th>Listeners</th>");
    m.tag("<th>Busiest port tuple</th><th>Processes</th></tr></thead><tbody>");
    for n in list {
        m.tag(if n.selected { "<tr class=\"selected\"" } else { "<tr" });
        if let Some(i) = n.inode {
            m.tag(" data-inode=\"").int(i).tag("\"");
        }
        m.tag("><td>").text(&label(n));
        if n.vanished {
            m.tag(" — vanished: its processes exited before its tables were read");
        }
        m.tag("</td><td class=\"num\">").int(n.time_wait).tag("</td><td class=\"num\">").int(n.sockets);
        m.tag("</td><td class=\"num\">").int(n.listeners).tag("</td><td class=\"num\">");
        match &n.port_pressure {
            Some(p) => m.text(&crate::format::fixed(p.used_ratio * 100.0, 1)).tag("%"),
            None => m.tag("-"),
        };
        m.tag("</td>").cell(&n.pids.iter().map(u32::to_string).collect::<Vec<_>>().join(" ")).tag("</tr>");
    }
    m.tag("</tbody></table>");
    m.html()
}
