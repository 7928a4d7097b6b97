//! A decoded snapshot: summary header, tabs and the selected view.
use std::rc::Rc;

use yew::prelude::*;

use super::compare::{compare_button, compare_view};
use super::files::{FilesViewProps, files_view};
use super::listeners::{ListenersViewProps, listeners_view};
use super::namespaces::{namespace_list, namespace_picker};
use super::overview::overview_view;
use super::replay::replay_view;
use super::share_panel::share_panel;
use super::sockets::SocketsView;
use super::tab_bar::tab_bar;
use super::time_wait::time_wait_view;
use crate::protocol::{RowPage, RowQuery};
use crate::state::{Action, Comparison, Filters, Loaded, Tab};

/// What [`viewer`] shows, and where its requests go.
pub struct ViewerProps {
    pub loaded: Rc<Loaded>,
    /// The selected view and the views' filters (page state).
    pub view: Tab,
    /// The share panel is open.
    pub sharing: bool,
    /// The replay's axis and the Files view's shown file (`PageState`).
    pub replay_by_time: bool,
    pub listeners_sort: (usize, bool),
    pub shown_file: Option<String>,
    pub filters: Filters,
    pub page: Rc<RowPage>,
    pub dispatch: Callback<Action>,
    pub request_rows: Callback<RowQuery>,
    /// What the share panel redacts (`PageState::redaction`).
    pub redaction: procsnap_core::share::Redaction,
    /// The last share link made (`PageState::share_link`).
    pub share_link: Option<AttrValue>,
    /// Any other request to the worker (the CSV export, another netstat flavour).
    pub send: Callback<crate::protocol::Request>,
    /// The last CSV export the worker made.
    pub csv: Option<Rc<crate::state::CsvFile>>,
    /// Ask the worker to switch network namespace (`None`: the collector's own).
    pub request_netns: Callback<crate::protocol::NetnsChoice>,
    /// The comparison with another snapshot (the Compare view).
    pub compare: Comparison,
    /// A snapshot was picked to compare with this one.
    pub on_compare: Callback<web_sys::File>,
}

/// A function, not a component: the share panel's open state is the page's
/// (`PageState::sharing`), and a component costs the download about a kilobyte.
pub fn viewer(props: &ViewerProps) -> Html {
    let tab = props.view;
    let sharing = props.sharing;
    let toggle_share = props.dispatch.reform(|_| Action::ToggleShare);
    let on_select = props.dispatch.reform(Action::Select);
    let loaded = &props.loaded;
    let close = {
        Callback::from(|_| {
            let location = gloo_utils::window().location();
            let _ = location.set_hash("");
            let _ = location.reload();
        })
    };
    let f = &props.filters;
    let view = match tab {
        Tab::Overview => html! { <>
            { overview_view(loaded) }
            { namespace_list(&loaded.report.namespaces, loaded.report.namespace_note.as_ref()) }
        </> },
        Tab::Listeners => html! {
            { listeners_view(&ListenersViewProps {
                loaded,
                filter: &f.listeners,
                on_filter: props.dispatch.reform(Action::FilterListeners),
                sort: props.listeners_sort,
                on_sort: props.dispatch.reform(Action::SortListeners),
            }) }
        },
        Tab::TimeWait => time_wait_view(loaded),
        Tab::Sockets => html! {
            <SocketsView total={loaded.opened.rows} page={props.page.clone()} request_rows={props.request_rows.clone()}
                query={f.sockets.clone()} on_filter={props.dispatch.reform(Action::FilterSockets)}
                send={props.send.clone()} csv={props.csv.clone()}
                all_namespaces={loaded.all_namespaces()} />
        },
        Tab::Replay => {
            replay_view(loaded, props.replay_by_time, &props.dispatch.reform(Action::ReplayAxis), &props.send)
        }
        Tab::Compare => compare_view(&props.compare, &props.on_compare),
        Tab::Files => html! {
            { files_view(&FilesViewProps {
                loaded,
                filter: &f.files,
                on_filter: props.dispatch.reform(Action::FilterFiles),
                shown: props.shown_file.as_deref(),
                on_show: props.dispatch.reform(Action::ShowFile),
            }) }
        },
    };
    html! {
        <section class="viewer" data-loaded="true">
            <div class="snapshot-bar">
                <span class="snapshot-name" title="Snapshot">{&loaded.opened.name}</span>
                <span class="snapshot-meta">{crate::components::overview::host_line(&loaded.report)}</span>
                if loaded.report.shared.is_none() {
                    <button id="share-button" class="button small" aria-expanded={sharing.to_string()} onclick={toggle_share}>{"Share…"}</button>
                }
                { compare_button(&props.on_compare, "compare-input") }
                { namespace_picker(&loaded.report.namespaces, &props.request_netns) }
                <button class="button small" onclick={close}>{"Open another…"}</button>
            </div>
            if let Some(info) = &loaded.report.shared {
                <p class="notice" id="shared-notice">{format!(
                    "Opened from a share link: the report only, without socket rows or files{}.",
                    if info.redactions.is_empty() { String::new() } else { format!("; redacted: {}", info.redactions.join(", ")) })}</p>
            }
            if sharing {
                { share_panel(props.redaction, &props.dispatch.reform(Action::Redact), props.share_link.clone()) }
            }
            { tab_bar(tab, &on_select) }
            <div id={format!("panel-{}", tab.id())} class="tab-panel" role="tabpanel"
                aria-labelledby={format!("tab-{}", tab.id())} tabindex="0">
                {view}
            </div>
        </section>
    }
}
