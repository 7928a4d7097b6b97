//! The page's state as one reducer, in the style of Yew's `function_todomvc` example:
//! [`PageState`] is everything the page shows, [`Action`] every way it changes, and
//! [`PageState::reduce`] the only place it changes. Components import these types and send
//! actions; `app.rs` holds the reducer and wires the worker, the address bar and the keyboard to
//! it (the dependency runs app → components → state, with no cycle). Nothing here calls the
//! browser, so every transition is unit-tested natively (below).
//!
//! The address bar mirrors the state ([`Route`]): `#view=…` and the filters, after the source
//! that reopens the snapshot (`url=…`, a share link's `r=…`, or `example`), so a reload or a copied
//! address lands on the same view and filter.

use std::rc::Rc;

use yew::{AttrValue, Reducible};

use crate::protocol::{JobId, OpenError, Opened, ProgressMsg, Response, RowPage, RowQuery};
use procsnap_core::query::SortKey;
use procsnap_core::share::Redaction;
use procsnap_core::{Progress, Report};

/// Where the bytes of a snapshot come from.
#[derive(Debug, Clone, PartialEq)]
pub enum Source {
    File(web_sys::File),
    Url(String),
    Example,
    /// A share link's payload: the value of `r=` (`1.…`).
    Link(String),
}

impl Source {
    /// What the page shows while it opens.
    pub fn name(&self) -> String {
        match self {
            Source::File(f) => f.name(),
            Source::Url(u) => u.clone(),
            Source::Example => "built-in example".into(),
            Source::Link(_) => "shared report".into(),
        }
    }

    /// The source again, if the page address can name it (a picked file cannot).
    fn addressable(&self) -> Option<Source> {
        (!matches!(self, Source::File(_))).then(|| self.clone())
    }
}

/// The views, in tab order (keys `1`… select them in this order).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Tab {
    #[default]
    Overview,
    Listeners,
    TimeWait,
    Sockets,
    Files,
    /// netstat's output along what it reads, with its pauses.
    Replay,
    /// What changed between the open snapshot and another one.
    Compare,
}

impl Tab {
    pub const ALL: [Tab; 7] =
        [Tab::Overview, Tab::Listeners, Tab::TimeWait, Tab::Sockets, Tab::Files, Tab::Replay, Tab::Compare];

    pub fn label(self) -> &'static str {
        match self {
            Tab::Overview => "Overview",
            Tab::Listeners => "Listeners",
            Tab::TimeWait => "TIME_WAIT",
            Tab::Sockets => "Sockets",
            Tab::Files => "Files",
            Tab::Replay => "netstat replay",
            Tab::Compare => "Compare",
        }
    }

    /// The view's name in element ids and in `#view=`.
    pub fn id(self) -> &'static str {
        match self {
            Tab::Overview => "overview",
            Tab::Listeners => "listeners",
            Tab::TimeWait => "time-wait",
            Tab::Sockets => "sockets",
            Tab::Files => "files",
            Tab::Replay => "replay",
            Tab::Compare => "compare",
        }
    }

    pub fn from_id(id: &str) -> Option<Tab> {
        Tab::ALL.into_iter().find(|t| t.id() == id)
    }

    /// The id of the input that `/` focuses in this view, if it has one.
    pub fn filter_id(self) -> Option<&'static str> {
        match self {
            Tab::Listeners => Some("listeners-filter"),
            Tab::Sockets => Some("f-addr"),
            Tab::Files => Some("files-filter"),
            Tab::Overview | Tab::TimeWait | Tab::Replay | Tab::Compare => None,
        }
    }
}

/// The views' filters: page state, so that they survive a tab switch and a reload.
#[derive(Debug, Clone, PartialEq)]
pub struct Filters {
    /// The Listeners view's text filter.
    pub listeners: String,
    /// The Files view's path filter.
    pub files: String,
    /// The Sockets view's query to the worker: its filter fields are the filter; `seq` changes
    /// with every filter change (the view pages with its own offset and limit).
    pub sockets: RowQuery,
}

impl Default for Filters {
    fn default() -> Self {
        Filters {
            listeners: String::new(),
            files: String::new(),
            sockets: RowQuery { seq: 1, limit: 120, ..Default::default() },
        }
    }
}

/// What the page address says: the source to open, the view and the filters.
/// `#url=snapshots/web.tar.gz&view=sockets&state=TIME_WAIT&port=443`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Route {
    /// Never [`Source::File`].
    pub source: Option<Source>,
    pub view: Option<Tab>,
    pub filters: Filters,
}

impl Route {
    /// Reads a fragment (`#…` or without the `#`). Unknown keys are ignored, so addresses made
    /// by a newer viewer still open.
    pub fn parse(hash: &str) -> Route {
        let mut r = Route::default();
        let s = &mut r.filters.sockets;
        for kv in hash.strip_prefix('#').unwrap_or(hash).split('&') {
            let (key, raw) = kv.split_once('=').unwrap_or((kv, ""));
            let value = decode(raw);
            match key {
                "url" if !value.is_empty() => r.source = Some(Source::Url(value)),
                // A payload is base64url: nothing to decode.
                "r" if !raw.is_empty() => r.source = Some(Source::Link(raw.to_string())),
                "example" => r.source = Some(Source::Example),
                "view" => r.view = Tab::from_id(&value),
                "listeners" => r.filters.listeners = value,
                "files" => r.filters.files = value,
                "proto" => s.proto = value,
                "state" => s.state = value,
                "addr" => s.addr = value,
                "port" => s.port = value.parse().ok(),
                "pid" => s.pid = value.parse().ok(),
                "sort" => {
                    s.sort = SORT_KEYS.iter().find(|(_, id)| *id == value).map_or(SortKey::File, |(k, _)| *k)
                }
                "desc" => s.descending = value == "1",
                _ => {}
            }
        }
        r
    }

    /// The fragment for this route, `#` included; empty when there is nothing to say. The source
    /// comes first, so a share link still starts `#r=1.` (what older viewers look for).
    pub fn to_hash(&self) -> String {
        let mut parts: Vec<String> = Vec::new();
        match &self.source {
            Some(Source::Url(u)) => parts.push(format!("url={}", encode(u))),
            Some(Source::Link(v)) => parts.push(format!("r={v}")),
            Some(Source::Example) => parts.push("example".into()),
            Some(Source::File(_)) | None => {}
        }
        if let Some(v) = self.view.filter(|v| *v != Tab::Overview) {
            parts.push(format!("view={}", v.id()));
        }
        let f = &self.filters;
        let s = &f.sockets;
        let port = s.port.map(|p| p.to_string()).unwrap_or_default();
        let pid = s.pid.map(|p| p.to_string()).unwrap_or_default();
        let sort =
            SORT_KEYS.iter().find(|(k, _)| *k == s.sort && *k != SortKey::File).map_or("", |(_, id)| id);
        let desc = if s.descending { "1" } else { "" };
        for (key, value) in [
            ("listeners", &f.listeners),
            ("files", &f.files),
            ("proto", &s.proto),
            ("state", &s.state),
            ("addr", &s.addr),
            ("port", &port),
            ("pid", &pid),
            ("sort", &sort.to_string()),
            ("desc", &desc.to_string()),
        ] {
            if !value.is_empty() {
                parts.push(format!("{key}={}", encode(value)));
            }
        }
        if parts.is_empty() { String::new() } else { format!("#{}", parts.join("&")) }
    }
}

/// The Sockets view's sort columns as `#sort=` names them (file order is the default: unnamed).
const SORT_KEYS: [(SortKey, &str); 11] = [
    (SortKey::File, "file"),
    (SortKey::Proto, "proto"),
    (SortKey::Local, "local"),
    (SortKey::Remote, "remote"),
    (SortKey::State, "state"),
    (SortKey::RecvQ, "recv-q"),
    (SortKey::SendQ, "send-q"),
    (SortKey::Timer, "timer"),
    (SortKey::Inode, "inode"),
    (SortKey::Uid, "uid"),
    (SortKey::Program, "program"),
];

/// Percent-encodes what would end a value or the fragment; keeps paths and addresses readable.
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~/:".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Undoes [`encode`] (and any other `%XX`); a `%` not followed by two hex digits stays as it is.
fn decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        match (b[i], b.get(i + 1).copied().and_then(hex), b.get(i + 2).copied().and_then(hex)) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (c, ..) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A decoded snapshot: the worker's answer with its report parsed.
#[derive(Debug)]
pub struct Loaded {
    pub opened: Opened,
    pub report: Report,
    /// The worker is still checking the manifest's hashes (they arrive after the report).
    pub hashes_pending: bool,
}

impl Loaded {
    /// Every namespace's rows are shown at once (`procsnap report --netns all`): (proto,
    /// address, port) is no longer unique, so the Listeners and Sockets views say whose.
    pub fn all_namespaces(&self) -> bool {
        self.report.namespaces.iter().filter(|n| n.selected).count() > 1
    }
}

/// A `Loaded` changes only as a whole: a new job, or its hashes checked (which also rewrites the
/// text report). Comparing those instead of the whole report keeps a deep `PartialEq` of
/// `Report` (and its code) out of the page.
impl PartialEq for Loaded {
    fn eq(&self, other: &Self) -> bool {
        self.opened.job == other.opened.job
            && self.opened.name == other.opened.name
            && self.hashes_pending == other.hashes_pending
            && self.opened.text == other.opened.text
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Phase {
    Idle,
    Loading { job: JobId, name: String },
    Ready(Rc<Loaded>),
    Failed(OpenError),
}

/// The comparison of the open snapshot with another one (the Compare view).
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Comparison {
    #[default]
    None,
    Loading {
        job: JobId,
        name: String,
    },
    /// `procsnap diff`'s text.
    Ready(AttrValue),
    Failed(OpenError),
}

/// The CSV the worker made of the Sockets view's rows, as an object URL (revoked when dropped).
pub struct CsvFile {
    /// The query's `seq`: the view offers the file for the filter it was made for.
    pub seq: u32,
    pub rows: u64,
    pub total: u64,
    pub url: gloo_file::ObjectUrl,
}

impl std::fmt::Debug for CsvFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CsvFile({} rows, seq {})", self.rows, self.seq)
    }
}

impl PartialEq for CsvFile {
    fn eq(&self, other: &Self) -> bool {
        self.url.to_string() == other.url.to_string()
    }
}

/// How long the last open took, for the page's `data-opened-ms` marker.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Timing {
    pub job: JobId,
    /// From the click to the worker's answer, on the page's clock.
    pub page_ms: f64,
    /// The worker's own decode time.
    pub decode_ms: f64,
}

/// Everything the page shows.
#[derive(Debug, Clone, PartialEq)]
pub struct PageState {
    pub phase: Phase,
    /// The newest open; answers and progress of older ones are dropped.
    pub job: JobId,
    /// When the newest open started (`Date.now()`).
    started_at: f64,
    pub progress: Progress,
    /// The last page of socket rows for the current Sockets query.
    pub rows: Rc<RowPage>,
    /// The last share-link payload the worker made (`1.…`); `None` while one is being made.
    pub shared: Option<AttrValue>,
    pub view: Tab,
    pub filters: Filters,
    /// What the page address names and reopens: the open one, or (before the first open) the one
    /// the address came with; `None` for a picked file.
    pub source: Option<Source>,
    /// The job whose hashes the wiring asks the worker to check, now that its report is on
    /// screen (0: none).
    pub verify: JobId,
    pub timing: Option<Timing>,
    /// A file is dragged over the page.
    pub dragging: bool,
    /// The list of keys is shown.
    pub help: bool,
    /// The share panel is open (closed again when another snapshot is opened).
    pub sharing: bool,
    /// What the share panel redacts: everything each time it opens. The wiring asks the worker
    /// for a link when the panel opens and when this changes.
    pub redaction: Redaction,
    /// The netstat replay lays its lines out along the estimated time, not the bytes read
    /// (back to bytes when the view is left or another snapshot is opened).
    pub replay_by_time: bool,
    /// The Listeners table's sort: a column (`components::listeners`'s order) and descending;
    /// [`LISTENERS_SORT`] again when the view is left or another snapshot is opened.
    pub listeners_sort: (usize, bool),
    /// The small file whose text the Files view shows, when one was picked there (`None`: the
    /// manifest; back to it when the view is left or another snapshot is opened).
    pub shown_file: Option<String>,
    /// Bumped to move the focus to the view's filter once it is rendered.
    pub focus_filter: u32,
    /// The last CSV export of the Sockets rows.
    pub csv: Option<Rc<CsvFile>>,
    /// The comparison with another snapshot, and its job (answers of older ones are dropped).
    pub compare: Comparison,
    pub compare_job: JobId,
}

impl Default for PageState {
    fn default() -> Self {
        PageState::from_route(Route::default())
    }
}

/// Every way the page's state changes.
#[derive(Debug)]
pub enum Action {
    /// An open starts: `job` is [`PageState::next_job`], `at` the page clock.
    Open {
        job: JobId,
        source: Source,
        at: f64,
    },
    Progress(ProgressMsg),
    /// A worker answer, and when it arrived.
    Answer {
        response: Response,
        at: f64,
    },
    /// The page could not get the bytes to the worker.
    Failed {
        job: JobId,
        error: OpenError,
    },
    /// The address changed (pasted, edited, back/forward): its view and filters.
    Navigate(Route),
    Select(Tab),
    FilterListeners(String),
    FilterFiles(String),
    /// The Sockets view's filter fields changed (its `seq`, offset and limit are the reducer's).
    FilterSockets(RowQuery),
    /// A share link was asked for: the previous one is stale.
    ShareRequested,
    Drag(bool),
    ToggleHelp,
    CloseHelp,
    /// The Share… button: open or close the share panel.
    ToggleShare,
    /// The share panel's redaction choice.
    Redact(Redaction),
    /// A Listeners header button: sort by its column, or reverse the sort if it is the one.
    SortListeners(usize),
    /// The replay's axis: the estimated time (`true`) or the bytes read.
    ReplayAxis(bool),
    /// The Files view shows the text of this small file.
    ShowFile(String),
    /// `/`: focus the view's filter (a view without one moves to Listeners).
    FocusFilter,
    /// The worker's CSV of the Sockets rows, as an object URL (made by the wiring).
    Csv(Rc<CsvFile>),
    /// A comparison with the snapshot `name` starts (`job` is [`PageState::next_job`]); the
    /// Compare view shows it.
    Compare {
        job: JobId,
        name: String,
    },
}

impl PageState {
    /// The state a page address describes, before anything is opened.
    pub fn from_route(route: Route) -> PageState {
        PageState {
            phase: Phase::Idle,
            job: 0,
            started_at: 0.0,
            progress: Progress::default(),
            rows: Rc::default(),
            shared: None,
            view: route.view.unwrap_or_default(),
            filters: route.filters,
            // Opened by the wiring once the page is up.
            source: route.source,
            verify: 0,
            timing: None,
            dragging: false,
            help: false,
            sharing: false,
            redaction: Redaction::ALL,
            replay_by_time: false,
            listeners_sort: LISTENERS_SORT,
            shown_file: None,
            focus_filter: 0,
            csv: None,
            compare: Comparison::None,
            compare_job: 0,
        }
    }

    /// A job id newer than every open and comparison so far.
    pub fn next_job(&self) -> JobId {
        self.job.max(self.compare_job).wrapping_add(1).max(1)
    }

    /// The route of what is on the page, for the address bar.
    pub fn route(&self) -> Route {
        Route { source: self.source.clone(), view: Some(self.view), filters: self.filters.clone() }
    }

    /// The whole share link (`base` is the page address, its fragment dropped): the payload and
    /// the view it was made from.
    pub fn share_link(&self, base: &str) -> Option<String> {
        let payload = self.shared.as_ref().filter(|f| !f.is_empty())?;
        let route = Route {
            source: Some(Source::Link(payload.to_string())),
            view: Some(self.view),
            filters: Filters::default(),
        };
        let base = base.split('#').next().unwrap_or_default();
        Some(format!("{base}{}", route.to_hash()))
    }

    pub fn loaded(&self) -> Option<&Rc<Loaded>> {
        match &self.phase {
            Phase::Ready(l) => Some(l),
            _ => None,
        }
    }

    /// A new Sockets query (the same filter keeps its `seq`, so pages in flight still count).
    fn set_sockets(&mut self, q: RowQuery) {
        let old = &self.filters.sockets;
        if !q.same_filter(old) {
            self.filters.sockets =
                RowQuery { seq: old.seq.wrapping_add(1), offset: 0, limit: old.limit, ..q };
        }
    }

    fn answer(&mut self, response: Response, at: f64) {
        match response {
            Response::Opened(opened, report) if opened.job == self.job => {
                let report = Report::from(*report);
                let hashes_pending = report.shared.is_none()
                    && report.files.iter().any(|f| f.manifest_sha256.is_some() && f.sha256.is_none());
                if hashes_pending {
                    self.verify = self.job;
                }
                self.timing = Some(Timing {
                    job: self.job,
                    page_ms: at - self.started_at,
                    decode_ms: opened.decode_ms,
                });
                self.phase = Phase::Ready(Rc::new(Loaded { opened: *opened, report, hashes_pending }));
                // Rows of the previous snapshot are not this one's: a new query.
                self.rows = Rc::default();
                self.filters.sockets.seq = self.filters.sockets.seq.wrapping_add(1);
            }
            Response::Failed { job, error } if job == self.job => self.phase = Phase::Failed(error),
            Response::Failed { job, error } if job == self.compare_job => {
                self.compare = Comparison::Failed(error)
            }
            Response::Compared { job, text } if job == self.compare_job => {
                self.compare = Comparison::Ready(text.into())
            }
            Response::Verified { job, files, diagnostics, text } if job == self.job => {
                if let Phase::Ready(l) = &self.phase {
                    let mut report = l.report.clone();
                    report.files = files;
                    report.diagnostics = diagnostics;
                    let opened = Opened { text, ..l.opened.clone() };
                    self.phase = Phase::Ready(Rc::new(Loaded { opened, report, hashes_pending: false }));
                }
            }
            Response::Rows(p) if p.seq == self.filters.sockets.seq => self.rows = Rc::new(p),
            Response::Shared { fragment } => self.shared = Some(fragment.into()),
            // Stale answers; `CannotFetch` is the wiring's (it sends the bytes itself).
            _ => {}
        }
    }
}

impl Reducible for PageState {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        // Answers that change nothing keep the same `Rc`: no re-render.
        let unchanged = match &action {
            Action::Progress(p) => p.job != self.job || !matches!(self.phase, Phase::Loading { .. }),
            Action::Answer { response: Response::CannotFetch { .. }, .. } => true,
            Action::Drag(d) => *d == self.dragging,
            Action::CloseHelp => !self.help,
            _ => false,
        };
        if unchanged {
            return self;
        }
        let mut s = Rc::unwrap_or_clone(self);
        match action {
            Action::Open { job, source, at } => {
                s.job = job;
                s.started_at = at;
                s.progress = Progress::default();
                s.phase = Phase::Loading { job, name: source.name() };
                s.source = source.addressable();
                s.shared = None;
                s.verify = 0;
                s.timing = None;
                s.help = false;
                s.sharing = false;
                s.replay_by_time = false;
                s.listeners_sort = LISTENERS_SORT;
                s.shown_file = None;
                s.csv = None;
                s.compare = Comparison::None;
            }
            Action::Progress(p) => s.progress = p.progress,
            Action::Answer { response, at } => s.answer(response, at),
            Action::Failed { job, error } => {
                if job == s.job {
                    s.phase = Phase::Failed(error);
                } else if job == s.compare_job {
                    s.compare = Comparison::Failed(error);
                }
            }
            Action::Compare { job, name } => {
                s.compare_job = job;
                s.compare = Comparison::Loading { job, name };
                s.view = Tab::Compare;
            }
            Action::Navigate(route) => {
                s.view = route.view.unwrap_or_default();
                s.filters.listeners = route.filters.listeners;
                s.filters.files = route.filters.files;
                s.set_sockets(route.filters.sockets);
            }
            Action::Select(tab) => s.view = tab,
            Action::FilterListeners(f) => s.filters.listeners = f,
            Action::FilterFiles(f) => s.filters.files = f,
            Action::FilterSockets(q) => s.set_sockets(q),
            Action::ShareRequested => s.shared = None,
            Action::Drag(d) => s.dragging = d,
            Action::ToggleHelp => s.help = !s.help,
            Action::ToggleShare => {
                s.sharing = !s.sharing;
                if s.sharing {
                    s.redaction = Redaction::ALL;
                }
            }
            Action::Redact(r) => s.redaction = r,
            Action::ReplayAxis(by_time) => s.replay_by_time = by_time,
            Action::SortListeners(col) => {
                let (cur, desc) = s.listeners_sort;
                s.listeners_sort = (col, cur == col && !desc);
            }
            Action::ShowFile(path) => s.shown_file = Some(path),
            Action::CloseHelp => s.help = false,
            Action::FocusFilter => {
                if s.view.filter_id().is_none() {
                    s.view = Tab::Listeners;
                }
                s.focus_filter = s.focus_filter.wrapping_add(1);
            }
            Action::Csv(file) => s.csv = Some(file),
        }
        // A view's own choices last while it is on screen (as a component's state did).
        if s.view != Tab::Replay {
            s.replay_by_time = false;
        }
        if s.view != Tab::Files {
            s.shown_file = None;
        }
        if s.view != Tab::Listeners {
            s.listeners_sort = LISTENERS_SORT;
        }
        Rc::new(s)
    }
}

/// What a key pressed on the page does: `?` lists the keys, `Escape` closes that list, and with
/// a snapshot open `/` focuses the filter and `1`… select the views. `typing`: the focus is in a
/// text field or a select, where keys are the field's.
pub fn key_action(state: &PageState, key: &str, typing: bool) -> Option<Action> {
    if key == "Escape" && state.help {
        return Some(Action::CloseHelp);
    }
    if typing {
        return None;
    }
    let ready = state.loaded().is_some();
    match key {
        "?" => Some(Action::ToggleHelp),
        "/" if ready => Some(Action::FocusFilter),
        k if ready => {
            let n: usize = k.parse().ok().filter(|n| (1..=Tab::ALL.len()).contains(n))?;
            Some(Action::Select(Tab::ALL[n - 1]))
        }
        _ => None,
    }
}

/// The Listeners table's sort until one is chosen: by port, ascending.
pub const LISTENERS_SORT: (usize, bool) = (2, false);

/// The keys other than the views' numbers, for the list that `?` shows (and the README).
pub const KEYS: [(&str, &str); 4] = [
    ("/", "Focus the view's filter"),
    ("← → Home End", "Move between the views, on the tabs"),
    ("?", "Show or hide this list"),
    ("Esc", "Close this list"),
];

// Native only: the tests make and open .tar.gz snapshots and links with core's own inflate,
// which the viewer's wasm build leaves out (the browser inflates there).
#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use procsnap_core::synth::{SeedStory, seed_story};

    use super::*;

    fn reduce(s: PageState, a: Action) -> PageState {
        Rc::unwrap_or_clone(Rc::new(s).reduce(a))
    }

    /// The example opened through the worker's own code, then answered to the reducer.
    fn opened_example() -> PageState {
        let s = PageState::default();
        let job = s.next_job();
        let s = reduce(s, Action::Open { job, source: Source::Example, at: 1000.0 });
        let session =
            crate::engine::open("example".into(), Box::new(seed_story(&SeedStory::default())), &mut |_| {})
                .expect("the example decodes");
        reduce(s, Action::Answer { response: session.answer(job), at: 1250.0 })
    }

    #[test]
    fn routes_round_trip_and_read_what_a_person_types() {
        let r = Route::parse(
            "#url=snapshots/web%2081.tar.gz&view=sockets&state=TIME_WAIT&port=443&addr=10.0.0.5",
        );
        assert_eq!(r.source, Some(Source::Url("snapshots/web 81.tar.gz".into())));
        assert_eq!(r.view, Some(Tab::Sockets));
        assert_eq!(r.filters.sockets.state, "TIME_WAIT");
        assert_eq!(r.filters.sockets.port, Some(443));
        assert_eq!(r.filters.sockets.addr, "10.0.0.5");
        assert_eq!(
            r.to_hash(),
            "#url=snapshots/web%2081.tar.gz&view=sockets&state=TIME_WAIT&addr=10.0.0.5&port=443"
        );
        assert_eq!(Route::parse(&r.to_hash()), r);
        // The Sockets sort, in both directions; file order (the default) says nothing.
        let sorted = Route::parse("#example&view=sockets&sort=timer&desc=1");
        assert_eq!((sorted.filters.sockets.sort, sorted.filters.sockets.descending), (SortKey::Timer, true));
        assert_eq!(sorted.to_hash(), "#example&view=sockets&sort=timer&desc=1");
        assert_eq!(Route::parse("#sort=file").to_hash(), "");
        assert_eq!(Route::parse("#sort=nope").filters.sockets.sort, SortKey::File);

        let odd = Route {
            view: Some(Tab::Listeners),
            filters: Filters { listeners: "a&b=c #d %e ü".into(), ..Filters::default() },
            ..Route::default()
        };
        assert_eq!(Route::parse(&odd.to_hash()), odd);
        // The default view and empty filters say nothing; unknown keys and bad numbers are ignored.
        assert_eq!(Route { view: Some(Tab::Overview), ..Route::default() }.to_hash(), "");
        let r = Route::parse("#view=nope&port=99999&future=1&example");
        assert_eq!((r.view, r.filters.sockets.port, r.source), (None, None, Some(Source::Example)));
        // A share link as made before views were in links, and a lone `%`.
        let r = Route::parse("#r=1.eJzLSM3J");
        assert_eq!(r.source, Some(Source::Link("1.eJzLSM3J".into())));
        assert_eq!(Route::parse("#listeners=50%").filters.listeners, "50%");
    }

    #[test]
    fn a_share_link_carries_the_view_and_still_opens_as_a_link() {
        let mut s = opened_example();
        s = reduce(s, Action::Select(Tab::TimeWait));
        s = reduce(s, Action::FilterListeners("nginx".into()));
        assert_eq!(s.share_link("http://h/v/"), None, "no payload yet");
        let session =
            crate::engine::open("e".into(), Box::new(seed_story(&SeedStory::default())), &mut |_| {})
                .unwrap();
        s = reduce(
            s,
            Action::Answer {
                response: Response::Shared {
                    fragment: procsnap_core::share::fragment_value_of(&procsnap_core::share::zlib_stored(
                        &session.share_payload(procsnap_core::share::Redaction::ALL),
                    )),
                },
                at: 0.0,
            },
        );
        let link = s.share_link("http://h/v/#view=listeners").expect("a link");
        assert!(link.starts_with("http://h/v/#r=1."), "{link}");
        assert!(link.ends_with("&view=time-wait"), "the view, not the page's filters: {link}");
        // Core opens it (what the CLI and older viewers do with the whole link).
        let report = procsnap_core::Session::open_link(&link).expect("the link opens").report().clone();
        assert_eq!(report.listeners.len(), session.report().listeners.len());
        // And the page opens it on the view it was made from.
        let route = Route::parse(link.split_once('#').unwrap().1);
        assert_eq!(route.view, Some(Tab::TimeWait));
        assert!(matches!(route.source, Some(Source::Link(_))));
    }

    #[test]
    fn opening_answers_and_hashes_follow_the_current_job() {
        let s = PageState::from_route(Route::parse("#view=sockets&proto=tcp"));
        let job = s.next_job();
        let s = reduce(s, Action::Open { job, source: Source::Url("a.tar.gz".into()), at: 0.0 });
        assert_eq!(s.phase, Phase::Loading { job, name: "a.tar.gz".into() });
        // Progress of this job shows; an older job's is dropped (same state, no re-render).
        let p = Progress { bytes_done: 5, bytes_total: 10, rows: 0 };
        let s = reduce(s, Action::Progress(ProgressMsg { job, progress: p }));
        assert_eq!(s.progress, p);
        let before = Rc::new(s);
        let after = before
            .clone()
            .reduce(Action::Progress(ProgressMsg { job: job + 7, progress: Progress::default() }));
        assert!(Rc::ptr_eq(&before, &after));
        let s = Rc::unwrap_or_clone(after);
        let late =
            reduce(s.clone(), Action::Failed { job: job - 1, error: OpenError::unreadable("x", "gone") });
        assert_eq!(late.phase, s.phase, "a failure of an abandoned job changes nothing");
        let s = reduce(s, Action::Failed { job, error: OpenError::unreadable("a.tar.gz", "404") });
        assert!(matches!(s.phase, Phase::Failed(_)));
        // The address keeps the source, the view and the filter for a reload.
        assert_eq!(s.route().to_hash(), "#url=a.tar.gz&view=sockets&proto=tcp");

        let s = opened_example();
        assert_eq!(s.timing.map(|t| t.page_ms), Some(250.0));
        assert_eq!(s.verify, s.job, "the example's manifest hashes are checked next");
        let l = s.loaded().expect("ready");
        assert!(l.hashes_pending);
        assert_eq!(s.route().to_hash(), "#example");
    }

    #[test]
    fn the_sockets_filter_is_a_new_query_only_when_it_changes() {
        let mut s = PageState::default();
        let seq = s.filters.sockets.seq;
        let mut q = s.filters.sockets.clone();
        q.state = "LISTEN".into();
        q.offset = 500;
        s = reduce(s, Action::FilterSockets(q.clone()));
        assert_eq!((s.filters.sockets.seq, s.filters.sockets.offset), (seq + 1, 0));
        s = reduce(s, Action::FilterSockets(q));
        assert_eq!(s.filters.sockets.seq, seq + 1, "the same filter is the same query");
        // A page for an older query is dropped.
        let stale = RowPage { seq, total: 3, ..Default::default() };
        s = reduce(s, Action::Answer { response: Response::Rows(stale), at: 0.0 });
        assert_eq!(s.rows.total, 0);
        let fresh = RowPage { seq: seq + 1, total: 3, ..Default::default() };
        s = reduce(s, Action::Answer { response: Response::Rows(fresh), at: 0.0 });
        assert_eq!(s.rows.total, 3);
        // An edited address replaces view and filters.
        s = reduce(s, Action::Navigate(Route::parse("#view=files&files=proc/net")));
        assert_eq!(
            (s.view, s.filters.files.as_str(), s.filters.sockets.state.as_str()),
            (Tab::Files, "proc/net", "")
        );
    }

    #[test]
    fn a_comparison_follows_its_own_job_and_ends_with_a_new_open() {
        use procsnap_core::synth::{Variant, seed_story_as};
        let mut s = opened_example();
        let open_job = s.job;
        let job = s.next_job();
        s = reduce(s, Action::Compare { job, name: "yesterday.tar.gz".into() });
        assert_eq!((s.view, s.job), (Tab::Compare, open_job), "the open snapshot stays the open one");
        assert!(matches!(s.compare, Comparison::Loading { .. }));
        assert!(s.next_job() > job);
        // The worker's own comparison, answered to the reducer.
        let open = |b: Vec<u8>, n: &str| crate::engine::open(n.into(), Box::new(b), &mut |_| {}).unwrap();
        let small = SeedStory { server_time_wait: 50, client_time_wait: 5, established: 2, seed: 3 };
        let a = open(seed_story(&small), "a.tar.gz");
        let later = Variant { capture_start: "2026-11-27T04:00:00.000Z".into(), ..Variant::default() };
        let mut b = open(seed_story_as(&small, &later), "b.tar.gz");
        let answer = a.compare(job, &mut b);
        let stale = match &answer {
            Response::Compared { text, .. } => Response::Compared { job: job - 1, text: text.clone() },
            other => panic!("{other:?}"),
        };
        s = reduce(s, Action::Answer { response: stale, at: 0.0 });
        assert!(matches!(s.compare, Comparison::Loading { .. }), "an older comparison's answer is dropped");
        s = reduce(s, Action::Answer { response: answer, at: 0.0 });
        let Comparison::Ready(text) = &s.compare else { panic!("{:?}", s.compare) };
        assert!(
            text.contains("  old: a.tar.gz (web81.example, captured 2026-11-27T03:00:00.000Z)\n"),
            "{text}"
        );
        assert!(text.contains("1.0 h between the captures"), "{text}");
        // A failure of the comparison is the comparison's, not the page's.
        let job = s.next_job();
        s = reduce(s, Action::Compare { job, name: "x".into() });
        s = reduce(s, Action::Failed { job, error: OpenError::unreadable("x", "gone") });
        assert!(matches!(s.compare, Comparison::Failed(_)));
        assert!(s.loaded().is_some());
        // Opening another snapshot ends the comparison.
        let job = s.next_job();
        s = reduce(s, Action::Open { job, source: Source::Example, at: 0.0 });
        assert_eq!(s.compare, Comparison::None);
    }

    #[test]
    fn the_share_panel_stays_open_across_answers_and_closes_with_another_open() {
        let s = reduce(opened_example(), Action::ToggleShare);
        assert!(s.sharing);
        let s = reduce(s, Action::Select(Tab::Files));
        assert!(s.sharing, "a tab switch keeps it, as the snapshot bar does");
        let job = s.next_job();
        let s = reduce(s, Action::Open { job, source: Source::Example, at: 0.0 });
        assert!(!s.sharing);
        assert!(!reduce(reduce(s, Action::ToggleShare), Action::ToggleShare).sharing);
        // The redaction chosen lasts while the panel is open; it opens redacting everything.
        let none = Redaction { addresses: false, args: false, hostname: false };
        let s = reduce(reduce(opened_example(), Action::ToggleShare), Action::Redact(none));
        assert_eq!(s.redaction, none);
        let s = reduce(reduce(s, Action::ToggleShare), Action::ToggleShare);
        assert_eq!((s.sharing, s.redaction), (true, Redaction::ALL));
    }

    #[test]
    fn the_replay_axis_and_the_shown_file_last_while_their_view_is_on_screen() {
        let s = reduce(opened_example(), Action::Select(Tab::Replay));
        let s = reduce(s, Action::ReplayAxis(true));
        assert!(s.replay_by_time);
        let s = reduce(s, Action::Select(Tab::Replay));
        assert!(s.replay_by_time, "the same view again keeps it");
        let s = reduce(s, Action::Select(Tab::Files));
        assert!(!s.replay_by_time, "leaving the view resets it");
        let s = reduce(s, Action::ShowFile("etc/os-release".into()));
        assert_eq!(s.shown_file.as_deref(), Some("etc/os-release"));
        let s = reduce(s, Action::FilterFiles("etc".into()));
        assert_eq!(s.shown_file.as_deref(), Some("etc/os-release"));
        let job = s.next_job();
        let s = reduce(s, Action::Open { job, source: Source::Example, at: 0.0 });
        assert_eq!(s.shown_file, None, "another snapshot shows its manifest");
        let s = reduce(reduce(s, Action::ShowFile("x".into())), Action::Select(Tab::Overview));
        assert_eq!(s.shown_file, None);
    }

    #[test]
    fn the_listeners_sort_reverses_on_its_column_and_lasts_while_the_view_is_on_screen() {
        let s = reduce(opened_example(), Action::Select(Tab::Listeners));
        assert_eq!(s.listeners_sort, LISTENERS_SORT);
        let s = reduce(s, Action::SortListeners(5));
        assert_eq!(s.listeners_sort, (5, false));
        let s = reduce(s, Action::SortListeners(5));
        assert_eq!(s.listeners_sort, (5, true));
        let s = reduce(s, Action::SortListeners(0));
        assert_eq!(s.listeners_sort, (0, false));
        let s = reduce(s, Action::FilterListeners("ssh".into()));
        assert_eq!(s.listeners_sort, (0, false));
        let s = reduce(s, Action::Select(Tab::Sockets));
        assert_eq!(s.listeners_sort, LISTENERS_SORT);
    }

    #[test]
    fn keys() {
        let idle = PageState::default();
        assert!(key_action(&idle, "2", false).is_none(), "no views before a snapshot is open");
        assert!(key_action(&idle, "/", false).is_none());
        let help = reduce(idle, key_action(&PageState::default(), "?", false).unwrap());
        assert!(help.help);
        assert!(matches!(key_action(&help, "Escape", true), Some(Action::CloseHelp)));

        let s = opened_example();
        assert!(matches!(key_action(&s, "4", false), Some(Action::Select(Tab::Sockets))));
        assert!(key_action(&s, "4", true).is_none(), "typing in a field");
        assert!(key_action(&s, "0", false).is_none());
        assert!(key_action(&s, &(Tab::ALL.len() + 1).to_string(), false).is_none());
        // `/` on a view without a filter moves to Listeners and asks for the focus.
        let f = reduce(s, key_action(&opened_example(), "/", false).unwrap());
        assert_eq!((f.view, f.focus_filter), (Tab::Listeners, 1));
        let f = reduce(reduce(f, Action::Select(Tab::Files)), Action::FocusFilter);
        assert_eq!((f.view, f.focus_filter), (Tab::Files, 2));
    }
}
