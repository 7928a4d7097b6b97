//! The page: opening a snapshot, the decoding job's life cycle, and the tabbed views.

use std::rc::Rc;

use wasm_bindgen::JsCast;
use yew::prelude::*;
use yew_agent::reactor::{ReactorEvent, ReactorProvider, use_reactor_bridge};

use crate::agent::Decoder;
use crate::components::{
    error_panel::ErrorPanel, open_panel::OpenPanel, progress_panel::ProgressPanel, viewer::Viewer,
};
use crate::protocol::{
    JobId, OpenError, Opened, PROGRESS_CHANNEL, Postcard, ProgressMsg, Request, Response, RowPage, RowQuery,
};
use procsnap_core::share::Redaction;

use crate::state::{Loaded, Phase, Source};

/// The root: a worker provider around the page. Cancelling a decode replaces the provider (by
/// key), which drops the bridge to the busy worker and starts a fresh one: a decode is a single
/// synchronous call inside the worker, so it cannot be interrupted by a message.
#[component]
pub fn App() -> Html {
    let generation = use_state(|| 0u32);
    let on_cancel = {
        let generation = generation.clone();
        Callback::from(move |()| generation.set(*generation + 1))
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

#[component]
pub fn Page(props: &PageProps) -> Html {
    let phase = use_state(|| Phase::Idle);
    let progress = use_state(ProgressMsg::default);
    let page = use_state(|| Rc::new(RowPage::default()));
    let shared = use_state(|| None::<AttrValue>);
    let dragging = use_state(|| false);
    let job_ref = use_mut_ref(|| 0 as JobId);
    let started = use_mut_ref(|| 0.0f64);
    // The report on screen, for the hash check that arrives after it.
    let loaded_ref = use_mut_ref(|| None::<Rc<Loaded>>);
    // The picked file of the open in progress and its `blob:` URL (revoked when dropped, once the
    // worker has answered).
    let blob_ref = use_mut_ref(|| None::<(JobId, web_sys::File, gloo_file::ObjectUrl)>);
    // A file the worker could not fetch, to send as bytes (job, file).
    let send_bytes = use_state(|| None::<(JobId, web_sys::File)>);
    // The job whose hashes to check once its report is rendered (0: none).
    let verify_job = use_state(|| 0 as JobId);

    let bridge = {
        let phase = phase.clone();
        let page = page.clone();
        let shared = shared.clone();
        let job_ref = job_ref.clone();
        let started = started.clone();
        let loaded_ref = loaded_ref.clone();
        let verify_job = verify_job.clone();
        let blob_ref = blob_ref.clone();
        let send_bytes = send_bytes.clone();
        use_reactor_bridge::<Decoder, _>(move |ev| {
            // An answer to the open in progress: its blob URL is no longer needed.
            let answered = match &ev {
                ReactorEvent::Output(Response::Opened(o)) => Some(o.job),
                ReactorEvent::Output(Response::Failed { job, .. } | Response::CannotFetch { job }) => {
                    Some(*job)
                }
                _ => None,
            };
            if let Some(job) = answered {
                let mut b = blob_ref.borrow_mut();
                if b.as_ref().is_some_and(|(j, _, _)| *j == job) {
                    // Dropping the ObjectUrl revokes the blob: URL.
                    let (_, file, _url) = b.take().expect("checked");
                    if matches!(ev, ReactorEvent::Output(Response::CannotFetch { .. })) {
                        send_bytes.set(Some((job, file)));
                    }
                }
            }
            match ev {
                ReactorEvent::Output(Response::Opened(opened)) if opened.job == *job_ref.borrow() => {
                    let mut opened = *opened;
                    phase.set(match opened.report.take() {
                        Some(report) => {
                            let ms = js_sys::Date::now() - *started.borrow();
                            web_sys::console::info_1(
                                &format!(
                                    "procsnap: opened {} in {ms:.0} ms (worker decode {:.0} ms)",
                                    opened.name, opened.decode_ms
                                )
                                .into(),
                            );
                            set_opened_marker(ms, opened.decode_ms);
                            let hashes_pending = report.shared.is_none()
                                && report
                                    .files
                                    .iter()
                                    .any(|f| f.manifest_sha256.is_some() && f.sha256.is_none());
                            let job = opened.job;
                            let loaded = Rc::new(Loaded { opened, report: *report, hashes_pending });
                            *loaded_ref.borrow_mut() = Some(loaded.clone());
                            if hashes_pending {
                                verify_job.set(job);
                            }
                            Phase::Ready(loaded)
                        }
                        None => Phase::Failed(OpenError {
                            kind: procsnap_core::ErrorKind::Unreadable,
                            title: "The report could not be read".into(),
                            detail: "the worker answered without a report".into(),
                            hint: "Reload the page and open the snapshot again.".into(),
                        }),
                    });
                }
                ReactorEvent::Output(Response::Failed { job, error }) if job == *job_ref.borrow() => {
                    phase.set(Phase::Failed(error));
                }
                ReactorEvent::Output(Response::Verified { job, files, diagnostics, text })
                    if job == *job_ref.borrow() =>
                {
                    let current = loaded_ref.borrow().clone();
                    if let Some(l) = current {
                        let mut report = l.report.clone();
                        report.files = files;
                        report.diagnostics = diagnostics;
                        let opened = Opened { text, ..l.opened.clone() };
                        let loaded = Rc::new(Loaded { opened, report, hashes_pending: false });
                        *loaded_ref.borrow_mut() = Some(loaded.clone());
                        phase.set(Phase::Ready(loaded));
                    }
                }
                ReactorEvent::Output(Response::Rows(p)) => page.set(Rc::new(p)),
                ReactorEvent::Output(Response::Shared { fragment }) => shared.set(Some(fragment.into())),
                _ => {}
            }
        })
    };

    // The worker could not read the file itself: read it here and send the bytes.
    {
        let bridge = bridge.clone();
        let phase = phase.clone();
        let job_ref = job_ref.clone();
        let pending = (*send_bytes).clone();
        use_effect_with(pending.as_ref().map(|(job, _)| *job), move |_| {
            if let Some((job, file)) = pending {
                wasm_bindgen_futures::spawn_local(async move {
                    let name = file.name();
                    let read = crate::loader::read_file(file).await;
                    if *job_ref.borrow() != job {
                        return;
                    }
                    match read {
                        Ok(bytes) => bridge.send(Request::Open { job, name, bytes }),
                        Err(e) => phase.set(Phase::Failed(e)),
                    }
                });
            }
        });
    }

    // Effects run after the render: the report is on screen before the worker starts hashing.
    {
        let bridge = bridge.clone();
        use_effect_with(*verify_job, move |&job| {
            if job != 0 {
                bridge.send(Request::Verify { job });
            }
        });
    }

    // Progress arrives on a BroadcastChannel (see `protocol`), not through the bridge.
    {
        let progress = progress.clone();
        let job_ref = job_ref.clone();
        use_effect_with((), move |_| {
            let channel = web_sys::BroadcastChannel::new(PROGRESS_CHANNEL).ok();
            let listener = channel.as_ref().map(|ch| {
                gloo_events::EventListener::new(ch, "message", move |e| {
                    let Some(e) = e.dyn_ref::<web_sys::MessageEvent>() else { return };
                    if let Some(p) = ProgressMsg::from_js(&e.data())
                        && p.job == *job_ref.borrow()
                    {
                        progress.set(p);
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

    let open = {
        let phase = phase.clone();
        let progress = progress.clone();
        let bridge = bridge.clone();
        let job_ref = job_ref.clone();
        let started = started.clone();
        let blob_ref = blob_ref.clone();
        Callback::from(move |source: Source| {
            let job = {
                let mut j = job_ref.borrow_mut();
                *j += 1;
                *j
            };
            *started.borrow_mut() = js_sys::Date::now();
            let name = match &source {
                Source::File(f) => f.name(),
                Source::Url(u) => u.clone(),
                Source::Example => "built-in example".into(),
                Source::Link(_) => "shared report".into(),
            };
            progress.set(ProgressMsg { job, ..Default::default() });
            phase.set(Phase::Loading { job, name });
            let phase = phase.clone();
            let bridge = bridge.clone();
            let job_ref = job_ref.clone();
            let blob_ref = blob_ref.clone();
            wasm_bindgen_futures::spawn_local(async move {
                let read = match source {
                    Source::Example => {
                        bridge.send(Request::Example { job });
                        return;
                    }
                    Source::Link(text) => {
                        bridge.send(Request::Link { job, text });
                        return;
                    }
                    Source::File(f) => {
                        let name = f.name();
                        if f.size() > crate::loader::MAX_INPUT_BYTES {
                            phase.set(Phase::Failed(crate::loader::too_large(&name, f.size())));
                            return;
                        }
                        // The worker reads the file itself (see `Request::OpenBlob`); the page
                        // reads it only if the worker cannot.
                        let url = gloo_file::ObjectUrl::from(gloo_file::File::from(f.clone()));
                        let href = url.to_string();
                        *blob_ref.borrow_mut() = Some((job, f, url));
                        bridge.send(Request::OpenBlob { job, name, url: href });
                        return;
                    }
                    Source::Url(u) => crate::loader::fetch_same_origin(&u).await,
                };
                if *job_ref.borrow() != job {
                    return;
                }
                match read {
                    Ok((name, bytes)) => bridge.send(Request::Open { job, name, bytes }),
                    Err(e) => phase.set(Phase::Failed(e)),
                }
            });
        })
    };

    // `#url=…` or a share link `#r=…` in the page address opens it, on load and whenever the
    // address changes (a link pasted into the same tab only changes the fragment).
    {
        let open = open.clone();
        use_effect_with((), move |_| {
            let from_hash = move || {
                if let Some(url) = crate::loader::url_from_hash() {
                    open.emit(Source::Url(url));
                } else if let Some(link) = crate::loader::link_from_hash() {
                    open.emit(Source::Link(link));
                }
            };
            from_hash();
            let listener =
                gloo_events::EventListener::new(&gloo_utils::window(), "hashchange", move |_| from_hash());
            move || drop(listener)
        });
    }

    let request_netns = {
        let bridge = bridge.clone();
        let job_ref = job_ref.clone();
        Callback::from(move |inode: Option<u64>| {
            bridge.send(Request::Netns { job: *job_ref.borrow(), inode })
        })
    };
    let request_share = {
        let bridge = bridge.clone();
        let shared = shared.clone();
        Callback::from(move |redaction: Redaction| {
            shared.set(None);
            bridge.send(Request::Share(redaction))
        })
    };

    let request_rows = {
        let bridge = bridge.clone();
        Callback::from(move |q: RowQuery| bridge.send(Request::Rows(q)))
    };

    let ondragover = {
        let dragging = dragging.clone();
        Callback::from(move |e: DragEvent| {
            e.prevent_default();
            if !*dragging {
                dragging.set(true);
            }
        })
    };
    let ondragleave = {
        let dragging = dragging.clone();
        Callback::from(move |e: DragEvent| {
            // Only when leaving the window, not when moving between children.
            if e.related_target().is_none() {
                dragging.set(false);
            }
        })
    };
    let ondrop = {
        let dragging = dragging.clone();
        let open = open.clone();
        Callback::from(move |e: DragEvent| {
            e.prevent_default();
            dragging.set(false);
            let file = e.data_transfer().and_then(|dt| dt.files()).and_then(|files| files.get(0));
            if let Some(f) = file {
                open.emit(Source::File(f));
            }
        })
    };

    let body = match &*phase {
        Phase::Idle => html! {
            <OpenPanel on_open={open.clone()} notice={props.cancelled.then_some("Cancelled. Open another snapshot.")} />
        },
        Phase::Loading { job, name } => html! {
            <ProgressPanel
                name={name.clone()}
                progress={if progress.job == *job { *progress } else { ProgressMsg::default() }}
                on_cancel={props.on_cancel.clone()} />
        },
        Phase::Failed(err) => html! {
            <>
                <ErrorPanel error={err.clone()} />
                <OpenPanel on_open={open.clone()} notice={None::<&'static str>} />
            </>
        },
        Phase::Ready(loaded) => html! {
            <Viewer loaded={loaded.clone()} page={(*page).clone()} {request_rows} {request_share} {request_netns} shared={(*shared).clone()} />
        },
    };

    html! {
        <div class={classes!("page", dragging.then_some("dragging"))} {ondragover} {ondragleave} {ondrop}>
            <header class="top">
                <h1><span class="logo" aria-hidden="true">{"◉"}</span>{" procsnap viewer"}</h1>
                <p class="tagline">{"Who listens where, how much TIME_WAIT and why netstat is slow — decoded in your browser; the snapshot never leaves this page."}</p>
            </header>
            <main id="main">{body}</main>
            if *dragging {
                <div class="drop-overlay" aria-hidden="true">{"Drop the snapshot to open it"}</div>
            }
        </div>
    }
}

/// Marks the page as opened (for tests and for measuring): `data-opened-ms` on `<body>`.
fn set_opened_marker(ms: f64, decode_ms: f64) {
    let body = gloo_utils::body();
    let _ = body.set_attribute("data-opened-ms", &format!("{ms:.0}"));
    let _ = body.set_attribute("data-decode-ms", &format!("{decode_ms:.0}"));
}
