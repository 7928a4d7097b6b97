//! Decoding progress (bytes, rows) with a cancel button.
use yew::prelude::*;

use crate::format;
use procsnap_core::Progress;

/// Opening `name`, `p` of it done; `on_cancel` is told when Cancel is pressed. The page moves the
/// focus to that button when an open starts (`app::Page`).
pub fn progress_panel(name: &str, p: Progress, on_cancel: &Callback<()>) -> Html {
    let frac =
        if p.bytes_total > 0 { (p.bytes_done as f64 / p.bytes_total as f64).clamp(0.0, 1.0) } else { 0.0 };
    let onclick = {
        let cb = on_cancel.clone();
        Callback::from(move |_| cb.emit(()))
    };
    html! {
        <section class="progress-panel" aria-live="polite">
            <h2>{"Opening "}{name}</h2>
            <progress id="decode-progress" max="1" value={format::fixed(frac, 3)} aria-label="Decoding progress" />
            <p class="progress-figures">
                if p.bytes_total > 0 {
                    {format!("{} of {} read", procsnap_core::format::bytes(p.bytes_done), procsnap_core::format::bytes(p.bytes_total))}
                } else {
                    {"Reading…"}
                }
                {format!(" · {} rows parsed", format::thousands(p.rows))}
            </p>
            <button id="cancel-button" class="button" {onclick}>{"Cancel"}</button>
        </section>
    }
}
