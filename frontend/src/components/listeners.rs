//! PLACEHOLDER view until the core report lands.
use std::rc::Rc;

use yew::prelude::*;

use crate::app::Loaded;

#[derive(Properties, PartialEq)]
pub struct ListenersViewProps {
    pub loaded: Rc<Loaded>,
}

#[component]
pub fn ListenersView(props: &ListenersViewProps) -> Html {
    let _ = &props.loaded;
    html! { <p>{"ListenersView"}</p> }
}
