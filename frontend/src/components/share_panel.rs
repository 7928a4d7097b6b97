//! Share: choose what to redact, get a link that carries the report in its fragment (never sent
//! to a server), and copy it.
use yew::prelude::*;

use procsnap_core::share::Redaction;

use super::copy_button::copy_button;

/// The panel: `redact` is what the link leaves out (page state, `PageState::redaction`;
/// `on_redact` changes it, and the page asks the worker for a new link), `link` the link made
/// for it (`PageState::share_link`: the payload and the view), `None` while it is being made.
pub fn share_panel(redact: Redaction, on_redact: &Callback<Redaction>, link: Option<AttrValue>) -> Html {
    let toggle = |flip: fn(&mut Redaction)| {
        on_redact.reform(move |_| {
            let mut r = redact;
            flip(&mut r);
            r
        })
    };
    let Redaction { addresses: a, args: b, hostname: c } = redact;
    html! {
        <section class="card share-panel" id="share-panel" aria-label="Share this report">
            <h2>{"Share this report"}</h2>
            <p class="muted">{"The link carries the report itself (listeners, counters, breakdowns, cost), compressed in the part after #, which browsers never send to a server. It does not carry socket rows or files."}</p>
            <fieldset class="toolbar">
                <legend>{"Redact before sharing"}</legend>
                <label><input id="redact-addresses" type="checkbox" checked={a} onchange={toggle(|r| r.addresses = !r.addresses)} />{" addresses (consistent pseudonyms)"}</label>
                <label><input id="redact-args" type="checkbox" checked={b} onchange={toggle(|r| r.args = !r.args)} />{" command-line arguments"}</label>
                <label><input id="redact-hostname" type="checkbox" checked={c} onchange={toggle(|r| r.hostname = !r.hostname)} />{" hostname"}</label>
            </fieldset>
            if let Some(link) = link {
                <div class="toolbar">
                    <input id="share-link" class="share-link" type="text" readonly=true value={link.clone()} aria-label="Share link" />
                    { copy_button(&link, "Copy link") }
                </div>
                <p class="muted">{format!("{} characters.", link.len())}</p>
            } else {
                <p class="muted">{"Making the link…"}</p>
            }
        </section>
    }
}
