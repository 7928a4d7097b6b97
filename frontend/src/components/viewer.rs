//! A decoded snapshot: summary header, tabs and the selected view.
use std::rc::Rc;

use yew::prelude::*;

use super::files::FilesView;
use super::listeners::ListenersView;
use super::overview::OverviewView;
use super::sockets::SocketsView;
use super::tab_bar::{Tab, TabBar};
use super::time_wait::TimeWaitView;
use crate::app::{Loaded, Source};
use crate::protocol::{RowPage, RowQuery};

#[derive(Properties, PartialEq)]
pub struct ViewerProps {
    pub loaded: Rc<Loaded>,
    pub page: Rc<RowPage>,
    pub request_rows: Callback<RowQuery>,
    pub on_open: Callback<Source>,
}

#[component]
pub fn Viewer(props: &ViewerProps) -> Html {
    let tab = use_state(|| Tab::Overview);
    let on_select = {
        let tab = tab.clone();
        Callback::from(move |t| tab.set(t))
    };
    let loaded = &props.loaded;
    let close = {
        let on_open = props.on_open.clone();
        let _ = on_open;
        Callback::from(|_| {
            if let Some(w) = web_sys::window() {
                let _ = w.location().set_hash("");
                let _ = w.location().reload();
            }
        })
    };
    let view = match *tab {
        Tab::Overview => html! { <OverviewView loaded={loaded.clone()} /> },
        Tab::Listeners => html! { <ListenersView loaded={loaded.clone()} /> },
        Tab::TimeWait => html! { <TimeWaitView loaded={loaded.clone()} /> },
        Tab::Sockets => html! {
            <SocketsView total={loaded.opened.rows} page={props.page.clone()} request_rows={props.request_rows.clone()} />
        },
        Tab::Files => html! { <FilesView loaded={loaded.clone()} /> },
    };
    html! {
        <section class="viewer" data-loaded="true">
            <div class="snapshot-bar">
                <span class="snapshot-name" title="Snapshot">{&loaded.opened.name}</span>
                <span class="snapshot-meta">{crate::components::overview::host_line(&loaded.report)}</span>
                <button class="button small" onclick={close}>{"Open another…"}</button>
            </div>
            <TabBar current={*tab} {on_select} />
            <div id={format!("panel-{}", tab.id())} class="tab-panel" role="tabpanel"
                aria-labelledby={format!("tab-{}", tab.id())} tabindex="0">
                {view}
            </div>
        </section>
    }
}
