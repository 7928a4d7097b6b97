//! The start panel: drop zone, file picker and the built-in example.
use yew::prelude::*;

use crate::markup::literal;
use crate::state::Source;

/// `on_open` is told what to open; `notice` is shown above (a cancelled decode).
pub fn open_panel(on_open: &Callback<Source>, notice: Option<&'static str>) -> Html {
    let onchange = {
        let on_open = on_open.clone();
        Callback::from(move |e: Event| {
            if let Some(f) = super::take_picked_file(&e) {
                on_open.emit(Source::File(f));
            }
        })
    };
    let example = {
        let on_open = on_open.clone();
        Callback::from(move |_| on_open.emit(Source::Example))
    };
    html! {
        <section class="open-panel" aria-labelledby="open-title">
            if let Some(n) = notice {
                <p class="notice" role="status">{n}</p>
            }
            { literal("<h2 id=\"open-title\">Open a snapshot</h2>") }
            <div class="drop-zone">
                { literal("<p>Drop a <code>.procsnap.tar.gz</code> file anywhere on this page, or</p><label class=\"button primary\" for=\"file-input\">Choose a file…</label>") }
                <input id="file-input" class="file-input" type="file"
                    accept=".gz,.tgz,.tar,application/gzip,application/x-tar,text/plain" {onchange} />
                { literal("<p>or</p>") }
                <button id="example-button" class="button" onclick={example}>{"Open the built-in example"}</button>
            </div>
            { literal("<p class=\"help\">Make a snapshot on a server with <code>procsnap collect</code>, copy the file here. Everything is decoded in this browser tab: nothing is uploaded. A snapshot served next to this viewer opens with <code>#url=FILE</code> in the address.</p>") }
        </section>
    }
}
