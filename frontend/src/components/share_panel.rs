//! Share: choose what to redact, get a link that carries the report in its fragment (never sent
//! to a server), and copy it.
use yew::prelude::*;

use super::copy_button::CopyButton;

#[derive(Properties, PartialEq)]
pub struct SharePanelProps {
    /// (addresses, args, hostname) to redact.
    pub request: Callback<(bool, bool, bool)>,
    /// The fragment value the worker made for the last request.
    pub fragment: Option<AttrValue>,
}

#[component]
pub fn SharePanel(props: &SharePanelProps) -> Html {
    let redact = use_state(|| (true, true, true));
    let toggle = |which: u8| {
        let redact = redact.clone();
        Callback::from(move |_| {
            let (mut a, mut b, mut c) = *redact;
            match which {
                0 => a = !a,
                1 => b = !b,
                _ => c = !c,
            }
            redact.set((a, b, c));
        })
    };
    // A new link whenever the choice changes.
    {
        let request = props.request.clone();
        use_effect_with(*redact, move |r| request.emit(*r));
    }
    let link = props.fragment.as_ref().filter(|f| !f.is_empty()).map(|f| {
        let base = web_sys::window().and_then(|w| w.location().href().ok()).unwrap_or_default();
        let base = base.split('#').next().unwrap_or_default().to_string();
        format!("{base}#r={f}")
    });
    let (a, b, c) = *redact;
    html! {
        <section class="card share-panel" id="share-panel" aria-label="Share this report">
            <h2>{"Share this report"}</h2>
            <p class="muted">{"The link carries the report itself (listeners, counters, breakdowns, cost), compressed in the part after #, which browsers never send to a server. It does not carry socket rows or files."}</p>
            <fieldset class="toolbar">
                <legend>{"Redact before sharing"}</legend>
                <label><input id="redact-addresses" type="checkbox" checked={a} onchange={toggle(0)} />{" addresses (consistent pseudonyms)"}</label>
                <label><input id="redact-args" type="checkbox" checked={b} onchange={toggle(1)} />{" command-line arguments"}</label>
                <label><input id="redact-hostname" type="checkbox" checked={c} onchange={toggle(2)} />{" hostname"}</label>
            </fieldset>
            if let Some(link) = link {
                <div class="toolbar">
                    <input id="share-link" class="share-link" type="text" readonly=true value={link.clone()} aria-label="Share link" />
                    <CopyButton text={link.clone()} label="Copy link" />
                </div>
                <p class="muted">{format!("{} characters.", link.len())}</p>
            } else {
                <p class="muted">{"Making the link…"}</p>
            }
        </section>
    }
}
