//! PLACEHOLDER view until the core report lands.
use std::rc::Rc;

use yew::prelude::*;

use crate::app::Loaded;

#[derive(Properties, PartialEq)]
pub struct FilesViewProps {
    pub loaded: Rc<Loaded>,
}

#[component]
pub fn FilesView(props: &FilesViewProps) -> Html {
    let _ = &props.loaded;
    html! { <p>{"FilesView"}</p> }
}
