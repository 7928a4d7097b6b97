//! Decoding progress (bytes, rows) with a cancel button.
use yew::prelude::*;

use crate::format;
use procsnap_core::Progress;

#[derive(Properties, PartialEq)]
pub struct ProgressPanelProps {
    pub name: AttrValue,
    pub progress: Progress,
    pub on_cancel: Callback<()>,
}

#[component]
pub fn ProgressPanel(props: &ProgressPanelProps) -> Html {
    let p = props.progress;
    let frac =
        if p.bytes_total > 0 { (p.bytes_done as f64 / p.bytes_total as f64).clamp(0.0, 1.0) } else { 0.0 };
    let onclick = {
        let cb = props.on_cancel.clone();
        Callback::from(move |_| cb.emit(()))
    };
    let cancel_ref = use_node_ref();
    {
        let cancel_ref = cancel_ref.clone();
        use_effect_with((), move |_| {
            if let Some(b) = cancel_ref.cast::<web_sys::HtmlElement>() {
                let _ = b.focus();
            }
        });
    }
    html! {
        <section class="progress-panel" aria-live="polite">
            <h2>{"Opening "}{&props.name}</h2>
            <progress id="decode-progress" max="1" value={format::fixed(frac, 3)} aria-label="Decoding progress" />
            <p class="progress-figures">
                if p.bytes_total > 0 {
                    {format!("{} of {} read", procsnap_core::format::bytes(p.bytes_done), procsnap_core::format::bytes(p.bytes_total))}
                } else {
                    {"Reading…"}
                }
                {format!(" · {} rows parsed", format::thousands(p.rows))}
            </p>
            <button id="cancel-button" class="button" ref={cancel_ref} {onclick}>{"Cancel"}</button>
        </section>
    }
}
