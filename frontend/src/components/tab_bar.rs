//! The tab strip; arrow keys move between tabs.
use yew::prelude::*;

use crate::state::Tab;

/// The tabs, `current` selected; `on_select` is told which one is chosen.
pub fn tab_bar(current: Tab, on_select: &Callback<Tab>) -> Html {
    let onkeydown = {
        let on_select = on_select.clone();
        Callback::from(move |e: KeyboardEvent| {
            let i = Tab::ALL.iter().position(|t| *t == current).unwrap_or(0);
            let n = Tab::ALL.len();
            let next = match e.key().as_str() {
                "ArrowRight" => Tab::ALL[(i + 1) % n],
                "ArrowLeft" => Tab::ALL[(i + n - 1) % n],
                "Home" => Tab::ALL[0],
                "End" => Tab::ALL[n - 1],
                _ => return,
            };
            e.prevent_default();
            on_select.emit(next);
            if let Some(el) = gloo_utils::document().get_element_by_id(&format!("tab-{}", next.id())) {
                use wasm_bindgen::JsCast;
                if let Ok(el) = el.dyn_into::<web_sys::HtmlElement>() {
                    let _ = el.focus();
                }
            }
        })
    };
    html! {
        <nav class="tabs" role="tablist" aria-label="Views" {onkeydown}>
            { for Tab::ALL.iter().map(|&t| {
                let selected = t == current;
                let onclick = { let cb = on_select.clone(); Callback::from(move |_| cb.emit(t)) };
                html! {
                    <button id={format!("tab-{}", t.id())} role="tab" class="tab"
                        aria-selected={selected.to_string()} aria-controls={format!("panel-{}", t.id())}
                        tabindex={if selected { "0" } else { "-1" }} {onclick}>{t.label()}</button>
                }
            }) }
        </nav>
    }
}
