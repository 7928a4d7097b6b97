//! Copies a text to the clipboard and says so.
use yew::prelude::*;

/// A button that copies `text` and then reads "Copied ✓". That word is written into the button's
/// own text node, which Yew keeps: a function instead of a component with a state (each
/// component costs the download about a kilobyte), with the same effect — the button says
/// "Copied ✓" until it is removed.
pub fn copy_button(text: &AttrValue, label: &'static str) -> Html {
    let onclick = {
        let text = text.clone();
        Callback::from(move |e: MouseEvent| {
            let button =
                e.target_dyn_into::<web_sys::Element>().and_then(|t| t.closest("button").ok().flatten());
            let promise = gloo_utils::window().navigator().clipboard().write_text(&text);
            wasm_bindgen_futures::spawn_local(async move {
                if wasm_bindgen_futures::JsFuture::from(promise).await.is_ok()
                    && let Some(label) = button.and_then(|b| b.first_child())
                {
                    label.set_node_value(Some("Copied ✓"));
                }
            });
        })
    };
    html! {
        <button class="button small" {onclick}>{label}</button>
    }
}
