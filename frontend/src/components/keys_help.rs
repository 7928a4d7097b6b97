//! The list of keys that `?` shows.
use yew::prelude::*;

use crate::markup::Markup;
use crate::state::{KEYS, Tab};

/// The list; `on_close` is told when its Close button is pressed. The page moves the focus to
/// that button when the list opens (`app::Page`), so that Enter closes it and a screen reader
/// reads it.
pub fn keys_help(on_close: &Callback<()>) -> Html {
    let onclick = on_close.reform(|_| ());
    let views = Tab::ALL.iter().map(|t| t.label()).collect::<Vec<_>>().join(", ");
    html! {
        <section id="keys-help" class="card keys-help" role="dialog" aria-labelledby="keys-title">
            <h2 id="keys-title">{"Keys"}</h2>
            <dl>
                <dt><kbd>{"1"}</kbd>{" – "}<kbd>{Tab::ALL.len().to_string()}</kbd></dt><dd>{views}</dd>
                { keys() }
            </dl>
            <button id="keys-close" class="button small" {onclick}>{"Close"}</button>
        </section>
    }
}

/// The keys other than the views' numbers (read-only: markup, see `markup`).
fn keys() -> Html {
    let mut m = Markup::new();
    for (k, what) in KEYS {
        m.tag("<dt><kbd>").text(k).tag("</kbd></dt><dd>").text(what).tag("</dd>");
    }
    m.html()
}
