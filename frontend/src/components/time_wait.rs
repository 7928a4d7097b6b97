//! PLACEHOLDER view until the core report lands.
use std::rc::Rc;

use yew::prelude::*;

use crate::app::Loaded;

#[derive(Properties, PartialEq)]
pub struct TimeWaitViewProps {
    pub loaded: Rc<Loaded>,
}

#[component]
pub fn TimeWaitView(props: &TimeWaitViewProps) -> Html {
    let _ = &props.loaded;
    html! { <p>{"TimeWaitView"}</p> }
}
