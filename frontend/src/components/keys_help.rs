//! The list of keys that `?` shows.
use yew::prelude::*;

use crate::state::{KEYS, Tab};

#[derive(Properties, PartialEq)]
pub struct KeysHelpProps {
    pub on_close: Callback<()>,
}

#[component]
pub fn KeysHelp(props: &KeysHelpProps) -> Html {
    let close_ref = use_node_ref();
    // Focus moves into the list so that Enter closes it and a screen reader reads it.
    {
        let close_ref = close_ref.clone();
        use_effect_with((), move |_| {
            if let Some(b) = close_ref.cast::<web_sys::HtmlElement>() {
                let _ = b.focus();
            }
        });
    }
    let onclick = props.on_close.reform(|_| ());
    let views = Tab::ALL.iter().map(|t| t.label()).collect::<Vec<_>>().join(", ");
    html! {
        <section id="keys-help" class="card keys-help" role="dialog" aria-labelledby="keys-title">
            <h2 id="keys-title">{"Keys"}</h2>
            <dl>
                <dt><kbd>{"1"}</kbd>{" – "}<kbd>{Tab::ALL.len().to_string()}</kbd></dt><dd>{views}</dd>
                { for KEYS.iter().map(|(k, what)| html! { <><dt><kbd>{*k}</kbd></dt><dd>{*what}</dd></> }) }
            </dl>
            <button id="keys-close" class="button small" ref={close_ref} {onclick}>{"Close"}</button>
        </section>
    }
}
