//! PLACEHOLDER view until the core report lands.
use std::rc::Rc;

use yew::prelude::*;

use crate::app::Loaded;

#[derive(Properties, PartialEq)]
pub struct OverviewViewProps {
    pub loaded: Rc<Loaded>,
}

#[component]
pub fn OverviewView(props: &OverviewViewProps) -> Html {
    let _ = &props.loaded;
    html! { <p>{"OverviewView"}</p> }
}

/// One line about the captured host for the snapshot bar.
pub fn host_line(r: &crate::report::Report) -> String {
    r.hostname.clone().unwrap_or_default()
}
