//! The Compare view: what changed between the open snapshot and another one — listeners that
//! appeared, went or changed owner, TIME_WAIT and its breakdowns old vs new, namespaces,
//! sysctls, the time between the captures — as `procsnap diff` prints it: the worker runs the
//! same core code and renderer, and the page only marks up its lines (a structured view of the
//! diff cost 40 KB of the download budget; docs/decisions.md).
use yew::prelude::*;

use crate::markup::Markup;
use crate::state::Comparison;

/// `on_pick`: a snapshot was picked to compare with the open one.
pub fn compare_view(compare: &Comparison, on_pick: &Callback<web_sys::File>) -> Html {
    let body = match compare {
        Comparison::None => html! {
            <p class="muted">{"Pick another snapshot of this host, earlier or later: which listeners appeared, went or changed owner, and how TIME_WAIT moved. The earlier capture is OLD. Dropping two files on the start page compares them too."}</p>
        },
        Comparison::Loading { name, .. } => html! {
            <p role="status" id="compare-status">{format!("Decoding {name} and comparing…")}</p>
        },
        Comparison::Failed(e) => html! {
            <div class="notice bad" role="alert" id="compare-error">
                <strong>{&e.title}</strong><p>{&e.detail}</p><p>{&e.hint}</p>
            </div>
        },
        Comparison::Ready(text) => diff(text),
    };
    html! {
        <section class="card" aria-labelledby="compare-title">
            <h2 id="compare-title">{"Compare with another snapshot"}</h2>
            { compare_button(on_pick, "compare-input-view") }
            {body}
        </section>
    }
}

/// The diff, each line marked by what it says: `+ appeared`, `- went`, `~ changed`. Read-only,
/// so written as markup (see `markup`).
fn diff(text: &str) -> Html {
    let mut m = Markup::new();
    m.tag("<pre id=\"compare-text\" class=\"diff\">");
    for l in text.lines() {
        m.tag(match l.trim_start().as_bytes().first() {
            Some(b'+') => "<span class=\"added\">",
            Some(b'-') => "<span class=\"removed\">",
            Some(b'~') => "<span class=\"changed\">",
            _ if !l.starts_with(' ') => "<span class=\"heading\">",
            _ => "<span>",
        });
        m.text(l).tag("\n</span>");
    }
    m.tag("</pre>");
    m.html()
}

/// "Compare with…": a file picker styled as a button.
pub fn compare_button(on_pick: &Callback<web_sys::File>, id: &'static str) -> Html {
    let onchange = {
        let on_pick = on_pick.clone();
        Callback::from(move |e: Event| {
            if let Some(f) = super::take_picked_file(&e) {
                on_pick.emit(f);
            }
        })
    };
    html! {
        <>
            <label class="button small" for={id}>{"Compare with…"}</label>
            <input {id} class="file-input" type="file"
                accept=".gz,.tgz,.tar,application/gzip,application/x-tar,text/plain" {onchange} />
        </>
    }
}
