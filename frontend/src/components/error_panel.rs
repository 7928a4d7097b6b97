//! A failed open, in words a person can act on.
use yew::prelude::*;

use crate::protocol::OpenError;

#[derive(Properties, PartialEq)]
pub struct ErrorPanelProps {
    pub error: OpenError,
}

#[component]
pub fn ErrorPanel(props: &ErrorPanelProps) -> Html {
    let e = &props.error;
    html! {
        <section id="error" class="error-panel" role="alert">
            <h2>{&e.title}</h2>
            <p class="error-detail">{&e.detail}</p>
            <p class="error-hint">{&e.hint}</p>
        </section>
    }
}
