//! The page's wiring: the reducer ([`crate::state`]) and what feeds it — the decoding worker,
//! the progress channel, the page address and the keyboard — and the views it renders. Every
//! change of what the page shows goes through an [`Action`]; this file only connects.

use wasm_bindgen::JsCast;
use yew::prelude::*;
use yew_agent::reactor::{ReactorEvent, ReactorProvider, UseReactorBridgeHandle, use_reactor_bridge};

use crate::agent::Decoder;
use crate::components::{
    error_panel::error_panel,
    keys_help::keys_help,
    open_panel::open_panel,
    progress_panel::progress_panel,
    viewer::{ViewerProps, viewer},
};
use crate::format::fixed;
use crate::loader::{self, Handoff};
use crate::markup::literal;
use crate::protocol::{JobId, PROGRESS_CHANNEL, Postcard, ProgressMsg, Request, Response, RowQuery};
use crate::state::{Action, CsvFile, PageState, Phase, Route, Source, key_action};
use procsnap_core::share::Redaction;

/// The root: a worker provider around the page. Cancelling a decode replaces the provider (by
/// key), which drops the bridge to the busy worker and starts a fresh one: a decode is a single
/// synchronous call inside the worker, so it cannot be interrupted by a message.
#[component]
pub fn App() -> Html {
    let generation = use_state(|| 0u32);
    let on_cancel = {
        let generation = generation.clone();
        Callback::from(move |()| {
            // The fresh page starts from the address: keep its view and filters, not the source
            // that was just cancelled.
            let mut route = Route::parse(&address_hash());
            route.source = None;
            set_address_hash(&route.to_hash());
            generation.set(*generation + 1)
        })
    };
    html! {
        <ReactorProvider<Decoder, Postcard> path={worker_url()} key={*generation}>
            <Page {on_cancel} cancelled={*generation > 0} />
        </ReactorProvider<Decoder, Postcard>>
    }
}

/// The decoding worker's loader: `worker.js` next to the page (the served build), or the `data:`
/// URL that the single-file viewer's bootstrap puts in `window.procsnapWorkerUrl` before the
/// module starts (scripts/single-file.mjs): from `file://`, Chromium refuses `new Worker("worker.js")`.
fn worker_url() -> AttrValue {
    js_sys::Reflect::get(&gloo_utils::window(), &"procsnapWorkerUrl".into())
        .ok()
        .and_then(|v| v.as_string())
        .map_or(AttrValue::Static("worker.js"), AttrValue::from)
}

#[derive(Properties, PartialEq)]
pub struct PageProps {
    pub on_cancel: Callback<()>,
    /// A previous decode was cancelled (shown as a note on the open panel).
    pub cancelled: bool,
}

type Bridge = UseReactorBridgeHandle<Decoder>;

#[component]
pub fn Page(props: &PageProps) -> Html {
    // The handle reads the current state (not the one of its render), so callbacks made once
    // see the newest job and source.
    let state = use_reducer(|| PageState::from_route(Route::parse(&address_hash())));
    let handoff = use_memo((), |_| Handoff::default());
    // The bridge, for the bridge's own callback (a file the worker could not fetch is sent again).
    let bridge_slot = use_mut_ref(|| None::<Bridge>);
    // The second of two dropped files, compared with the first once that one is open.
    let pending_compare = use_mut_ref(|| None::<(JobId, web_sys::File)>);

    let bridge = {
        let state = state.clone();
        let handoff = handoff.clone();
        let bridge_slot = bridge_slot.clone();
        let pending_compare = pending_compare.clone();
        use_reactor_bridge::<Decoder, _>(move |ev| {
            let ReactorEvent::Output(response) = ev else { return };
            // The CSV becomes a file here (the reducer does not call the browser).
            if let Response::Csv { seq, rows, total, bytes } = response {
                let blob = gloo_file::Blob::new_with_options(bytes.as_slice(), Some("text/csv"));
                let url = gloo_file::ObjectUrl::from(blob);
                state.dispatch(Action::Csv(std::rc::Rc::new(CsvFile { seq, rows, total, url })));
                return;
            }
            if let Some(held) = handoff.answered(&response) {
                let state = state.clone();
                let bridge = bridge_slot.borrow().clone();
                wasm_bindgen_futures::spawn_local(async move {
                    let Some(bridge) = bridge else { return };
                    let job = held.job;
                    let current = |j: JobId| state.job == j || state.compare_job == j;
                    if let Err(error) = loader::send_file(held, &|r| bridge.send(r), &current).await {
                        state.dispatch(Action::Failed { job, error });
                    }
                });
            }
            let second = match &response {
                Response::Opened(o, _) => {
                    let mut p = pending_compare.borrow_mut();
                    if p.as_ref().is_some_and(|(j, _)| *j == o.job) { p.take() } else { None }
                }
                _ => None,
            };
            state.dispatch(Action::Answer { response, at: js_sys::Date::now() });
            if let (Some((_, file)), Some(bridge)) = (second, bridge_slot.borrow().clone()) {
                start_compare(&state, &bridge, &handoff, file);
            }
        })
    };
    *bridge_slot.borrow_mut() = Some(bridge.clone());

    let open = {
        let state = state.clone();
        let bridge = bridge.clone();
        let handoff = handoff.clone();
        Callback::from(move |source: Source| {
            let job = state.next_job();
            state.dispatch(Action::Open { job, source: source.clone(), at: js_sys::Date::now() });
            let (state, bridge, handoff) = (state.clone(), bridge.clone(), handoff.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let current = |j: JobId| state.job == j;
                if let Err(error) = loader::open(job, source, &handoff, &|r| bridge.send(r), &current).await {
                    state.dispatch(Action::Failed { job, error });
                }
            });
        })
    };

    // Effects run after the render: the report is on screen before the worker starts hashing.
    {
        let bridge = bridge.clone();
        use_effect_with(state.verify, move |&job| {
            if job != 0 {
                bridge.send(Request::Verify { job });
            }
        });
    }

    use_effect_with(state.timing, |timing| {
        if let Some(t) = timing {
            web_sys::console::info_1(
                &format!(
                    "procsnap: opened in {} ms (worker decode {} ms)",
                    fixed(t.page_ms, 0),
                    fixed(t.decode_ms, 0)
                )
                .into(),
            );
            set_opened_marker(t.page_ms, t.decode_ms);
        }
    });

    // Progress arrives on a BroadcastChannel (see `protocol`), not through the bridge.
    {
        let state = state.clone();
        use_effect_with((), move |_| {
            let channel = web_sys::BroadcastChannel::new(PROGRESS_CHANNEL).ok();
            let listener = channel.as_ref().map(|ch| {
                gloo_events::EventListener::new(ch, "message", move |e| {
                    let Some(e) = e.dyn_ref::<web_sys::MessageEvent>() else { return };
                    if let Some(p) = ProgressMsg::from_js(&e.data()) {
                        state.dispatch(Action::Progress(p));
                    }
                })
            });
            move || {
                drop(listener);
                if let Some(ch) = channel {
                    ch.close();
                }
            }
        });
    }

    // The page address: what it names opens on load; an address pasted or edited in the same tab
    // (only the fragment changes) moves to its view and filters, and opens its source if that
    // is not what is open.
    {
        let state = state.clone();
        let open = open.clone();
        use_effect_with((), move |_| {
            if let Some(source) = state.source.clone() {
                open.emit(source);
            }
            let listener = gloo_events::EventListener::new(&gloo_utils::window(), "hashchange", move |_| {
                let route = Route::parse(&address_hash());
                let reopen = route.source.clone().filter(|s| state.source.as_ref() != Some(s));
                state.dispatch(Action::Navigate(route));
                if let Some(source) = reopen {
                    open.emit(source);
                }
            });
            move || drop(listener)
        });
    }
    // …and it follows the state, so a reload or a copied address lands on the same view.
    use_effect_with(state.route().to_hash(), |hash| {
        if *hash != address_hash() {
            set_address_hash(hash);
        }
    });

    let on_compare = {
        let (state, bridge, handoff) = (state.clone(), bridge.clone(), handoff.clone());
        Callback::from(move |file: web_sys::File| start_compare(&state, &bridge, &handoff, file))
    };
    let request_netns = {
        let bridge = bridge.clone();
        let state = state.clone();
        Callback::from(move |choice| bridge.send(Request::Netns { job: state.job, choice }))
    };
    // Keys (see `state::key_action`).
    {
        let state = state.clone();
        use_effect_with((), move |_| {
            // Not passive (gloo's default): `/` must not reach the field it focuses, nor start
            // Firefox's quick find.
            let options = gloo_events::EventListenerOptions::enable_prevent_default();
            let document = gloo_utils::document();
            let listener =
                gloo_events::EventListener::new_with_options(&document, "keydown", options, move |e| {
                    let Some(e) = e.dyn_ref::<web_sys::KeyboardEvent>() else { return };
                    if e.ctrl_key() || e.meta_key() || e.alt_key() || e.default_prevented() {
                        return;
                    }
                    if let Some(action) = key_action(&state, &e.key(), is_typing(e.target())) {
                        e.prevent_default();
                        state.dispatch(action);
                    }
                });
            move || drop(listener)
        });
    }
    use_effect_with(state.focus_filter, {
        let view = state.view;
        move |&n| {
            let el = view.filter_id().and_then(|id| gloo_utils::document().get_element_by_id(id));
            if let Some(el) =
                el.filter(|_| n > 0).and_then(|el| el.dyn_into::<web_sys::HtmlInputElement>().ok())
            {
                let _ = el.focus();
                el.select();
            }
        }
    });

    // The focus moves to the Cancel button when an open starts, and into the list of keys when
    // it opens (Enter then closes it, and a screen reader reads it).
    use_effect_with(matches!(state.phase, Phase::Loading { .. }), |&loading| {
        if loading {
            focus_id("cancel-button");
        }
    });
    // A sort replaces the Listeners table's markup, header buttons included: the button used
    // gets the focus back, so that a keyboard user can press Enter again to reverse.
    use_effect_with(state.listeners_sort, |&(col, _)| {
        let selector = format!("#listeners-table button[data-col=\"{col}\"]");
        if let Ok(Some(b)) = gloo_utils::document().query_selector(&selector)
            && let Ok(b) = b.dyn_into::<web_sys::HtmlElement>()
        {
            let _ = b.focus();
        }
    });
    use_effect_with(state.help, |&help| {
        if help {
            focus_id("keys-close");
        }
    });

    let dispatch = {
        let state = state.clone();
        Callback::from(move |a: Action| state.dispatch(a))
    };
    // A share link is made when the share panel opens and whenever its redaction changes.
    {
        let bridge = bridge.clone();
        let state = state.clone();
        use_effect_with((state.sharing, state.redaction), move |&(open, redaction): &(bool, Redaction)| {
            if open {
                state.dispatch(Action::ShareRequested);
                bridge.send(Request::Share(redaction));
            }
        });
    }
    let request_rows = {
        let bridge = bridge.clone();
        Callback::from(move |q: RowQuery| bridge.send(Request::Rows(q)))
    };

    let ondragover = {
        let state = state.clone();
        Callback::from(move |e: DragEvent| {
            e.prevent_default();
            state.dispatch(Action::Drag(true));
        })
    };
    let ondragleave = {
        let state = state.clone();
        Callback::from(move |e: DragEvent| {
            // Only when leaving the window, not when moving between children.
            if e.related_target().is_none() {
                state.dispatch(Action::Drag(false));
            }
        })
    };
    let ondrop = {
        let state = state.clone();
        let open = open.clone();
        let pending_compare = pending_compare.clone();
        Callback::from(move |e: DragEvent| {
            e.prevent_default();
            state.dispatch(Action::Drag(false));
            let Some(files) = e.data_transfer().and_then(|dt| dt.files()) else { return };
            let Some(first) = files.get(0) else { return };
            // Two files: the first opens, the second is compared with it once it is open.
            *pending_compare.borrow_mut() = files.get(1).map(|second| (state.next_job(), second));
            open.emit(Source::File(first));
        })
    };

    // `class="page dragging"` while a file is dragged over the page, set here: a computed `class`
    // in `html!` goes through Yew's `Classes` (an `IndexSet`, ~3 KB of the download) for this one
    // element.
    let page_ref = use_node_ref();
    {
        let page_ref = page_ref.clone();
        use_effect_with(state.dragging, move |&dragging| {
            if let Some(el) = page_ref.cast::<web_sys::Element>() {
                el.set_class_name(if dragging { "page dragging" } else { "page" });
            }
        });
    }

    let body = match &state.phase {
        Phase::Idle => open_panel(&open, props.cancelled.then_some("Cancelled. Open another snapshot.")),
        Phase::Loading { name, .. } => progress_panel(name, state.progress, &props.on_cancel),
        Phase::Failed(err) => html! {
            <>
                { error_panel(err) }
                { open_panel(&open, None) }
            </>
        },
        Phase::Ready(loaded) => {
            let base = gloo_utils::window().location().href().unwrap_or_default();
            viewer(&ViewerProps {
                loaded: loaded.clone(),
                view: state.view,
                sharing: state.sharing,
                replay_by_time: state.replay_by_time,
                listeners_sort: state.listeners_sort,
                shown_file: state.shown_file.clone(),
                filters: state.filters.clone(),
                page: state.rows.clone(),
                dispatch: dispatch.clone(),
                request_rows,
                redaction: state.redaction,
                request_netns,
                compare: state.compare.clone(),
                on_compare,
                share_link: state.share_link(&base).map(AttrValue::from),
                send: {
                    let b = bridge.clone();
                    Callback::from(move |r| b.send(r))
                },
                csv: state.csv.clone(),
            })
        }
    };

    html! {
        <div class="page" ref={page_ref} {ondragover} {ondragleave} {ondrop}>
            { literal("<header class=\"top\"><h1><span class=\"logo\" aria-hidden=\"true\">◉</span> procsnap viewer</h1><p class=\"tagline\">Who listens where, how much TIME_WAIT and why netstat is slow — decoded in your browser; the snapshot never leaves this page.</p></header>") }
            if state.help {
                { keys_help(&dispatch.reform(|()| Action::CloseHelp)) }
            }
            <main id="main">{body}</main>
            { literal("<footer class=\"keys-hint muted\">Press <kbd>?</kbd> for the keys.</footer>") }
            if state.dragging {
                { literal("<div class=\"drop-overlay\" aria-hidden=\"true\">Drop the snapshot to open it</div>") }
            }
        </div>
    }
}

/// Sends `file` to the worker to compare with the open snapshot; the Compare view shows it.
fn start_compare(
    state: &UseReducerHandle<PageState>,
    bridge: &Bridge,
    handoff: &Handoff,
    file: web_sys::File,
) {
    let job = state.next_job();
    state.dispatch(Action::Compare { job, name: file.name() });
    if let Err(error) = loader::compare(job, file, handoff, &|r| bridge.send(r)) {
        state.dispatch(Action::Failed { job, error });
    }
}

/// Moves the focus to the element with this id, if it is there.
fn focus_id(id: &str) {
    if let Some(el) = gloo_utils::document().get_element_by_id(id)
        && let Ok(el) = el.dyn_into::<web_sys::HtmlElement>()
    {
        let _ = el.focus();
    }
}

/// The page address's fragment, `#` included (empty if none).
fn address_hash() -> String {
    gloo_utils::window().location().hash().unwrap_or_default()
}

/// Rewrites the fragment without a `hashchange` (nothing to reopen) or a history entry per
/// keystroke.
fn set_address_hash(hash: &str) {
    let location = gloo_utils::window().location();
    let Ok(href) = location.href() else { return };
    let url = format!("{}{hash}", href.split('#').next().unwrap_or_default());
    let _ = gloo_utils::history().replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&url));
}

/// The key goes to a field (text, number, a select), not to the page.
fn is_typing(target: Option<web_sys::EventTarget>) -> bool {
    let Some(el) = target.and_then(|t| t.dyn_into::<web_sys::Element>().ok()) else { return false };
    match el.tag_name().as_str() {
        "TEXTAREA" | "SELECT" => true,
        "INPUT" => !matches!(
            el.get_attribute("type").as_deref(),
            Some("checkbox" | "radio" | "button" | "submit" | "file")
        ),
        _ => el.get_attribute("contenteditable").is_some(),
    }
}

/// Marks the page as opened (for tests and for measuring): `data-opened-ms` on `<body>`.
fn set_opened_marker(ms: f64, decode_ms: f64) {
    let body = gloo_utils::body();
    let _ = body.set_attribute("data-opened-ms", &fixed(ms, 0));
    let _ = body.set_attribute("data-decode-ms", &fixed(decode_ms, 0));
}
