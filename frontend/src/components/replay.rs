//! netstat replay: the lines `netstat -nlp` prints, laid out along the bytes it reads (or the
//! estimated time), with the gaps between them drawn to scale: the seed's experience — netstat
//! printing listeners, then stopping — in one picture, for the snapshot's netstat flavour (a
//! picker asks the worker to re-render for another). The gaps are core's `cost.stalls`.
use procsnap_core::Flavour;
use procsnap_core::analysis::cost::Stall;
use yew::prelude::*;

use crate::format::{bytes, fixed, micros, thousands};
use crate::markup::Markup;
use crate::protocol::Request;
use crate::state::Loaded;

/// Pixels all gaps share; a pause is drawn at least [`MIN_PAUSE_PX`] tall so its label fits.
const GAPS_PX: f64 = 520.0;
const MIN_PAUSE_PX: f64 = 46.0;

/// A pause is a gap in which netstat reads rows it does not print (what the text report leads
/// with too); the other gaps are the reads that end a table or start one.
pub fn is_pause(s: &Stall) -> bool {
    s.rows > 0
}

/// The view; `by_time`: the lines laid out along the estimated time instead of the bytes read
/// (page state, `PageState::replay_by_time`; `on_axis` sets it). `send` asks the worker for
/// another flavour ([`Request::Netstat`]).
pub fn replay_view(
    loaded: &Loaded,
    by_time: bool,
    on_axis: &Callback<bool>,
    send: &Callback<Request>,
) -> Html {
    let r = &loaded.report;
    let c = &r.cost;
    let choice = &r.netstat;
    let shared = r.shared.is_some();

    let on_flavour = {
        let send = send.clone();
        let job = loaded.opened.job;
        Callback::from(move |e: Event| {
            let v = e.target_unchecked_into::<web_sys::HtmlInputElement>().value();
            send.emit(Request::Netstat { job, flavour: Flavour::from_name(&v) });
        })
    };
    let axis = |t: bool| on_axis.reform(move |_| t);

    // How far along the axis a gap goes: bytes, or estimated milliseconds.
    let size = |s: &Stall| if by_time { s.estimated_ms.max(0.0) } else { s.bytes as f64 };
    let total: f64 = c.stalls.iter().map(size).sum();
    let px = |s: &Stall| {
        let p = if total > 0.0 { size(s) / total * GAPS_PX } else { 0.0 };
        if is_pause(s) { p.max(MIN_PAUSE_PX) } else { p.max(2.0) }
    };
    let at = |v: f64| if by_time { micros(v * 1000.0) } else { bytes(v) };

    // The lines and gaps are read-only: markup (see `markup`).
    let mut m = Markup::new();
    m.tag("<ol class=\"replay-lines\" id=\"replay\" aria-label=\"netstat output and its pauses\">");
    let mut pos = 0.0;
    let mut stalls = c.stalls.iter().peekable();
    for (i, line) in loaded.opened.netstat.lines().enumerate() {
        let n = i as u64 + 1;
        // The gap before line n: the stall after line n−1 (after none: before the first).
        while let Some(s) = stalls.next_if(|s| s.after_line.unwrap_or(0) < n) {
            pos += size(s);
            gap(&mut m, s, px(s), c.read_size_or_page());
        }
        m.tag("<li class=\"replay-line\" data-line=\"")
            .int(n)
            .tag("\"><span class=\"replay-at\">")
            .text(&at(pos));
        m.tag("</span><code>").text(line).tag("</code></li>");
    }
    for s in stalls {
        gap(&mut m, s, px(s), c.read_size_or_page());
    }
    m.tag("</ol>");

    // The biggest first (an insertion: there are few, and a std sort adds kilobytes).
    let mut pauses: Vec<&Stall> = Vec::new();
    for s in c.stalls.iter().filter(|s| is_pause(s)) {
        let at = pauses.iter().position(|p| p.bytes < s.bytes).unwrap_or(pauses.len());
        pauses.insert(at, s);
    }

    html! {
        <div class="replay">
            <section class="card">
                <h2>{"netstat -nlp, replayed"}</h2>
                <p id="flavour-choice">{format!("As {} prints it: {}.", c.flavour.describe(), choice.reason)}</p>
                <label>{"netstat flavour "}
                    <select id="flavour-picker" onchange={on_flavour} disabled={shared}>
                        { for Flavour::ALL.iter().map(|f| html! {
                            <option value={f.name()} selected={*f == choice.flavour}>{format!("{} ({})", f.name(), f.describe())}</option>
                        }) }
                    </select>
                </label>
                if shared {
                    <p class="muted">{"A share link's report keeps the flavour it was made with: it has no rows to re-render from."}</p>
                }
                { for pauses.iter().map(|s| html! { <p class="pause-story">{story(s, c.read_size_or_page())}</p> }) }
                if pauses.is_empty() {
                    <p>{"netstat's output does not pause here: it reads no rows it does not print between two lines."}</p>
                }
            </section>
            <section class="card">
                <h3>{"Its output along "}{ if by_time { "the estimated time" } else { "the bytes it reads" } }</h3>
                <fieldset class="axis">
                    <legend>{"Lay the lines out along"}</legend>
                    <label><input type="radio" name="axis" checked={!by_time} onchange={axis(false)} />{" bytes read"}</label>
                    <label><input type="radio" name="axis" checked={by_time} onchange={axis(true)} />{" estimated time"}</label>
                </fieldset>
                { m.html() }
            </section>
        </div>
    }
}

/// A gap drawn to scale, carrying core's figures for it; a pause is labelled with what fills it.
fn gap(m: &mut Markup, s: &Stall, px: f64, read_size: u32) {
    let pause = is_pause(s);
    let words = figures(s, read_size);
    m.tag(if pause {
        "<li class=\"replay-gap pause\" style=\"height:"
    } else {
        "<li class=\"replay-gap\" style=\"height:"
    });
    m.text(&fixed(px, 0)).tag("px\" data-after-line=\"");
    if let Some(n) = s.after_line {
        m.int(n);
    }
    m.tag("\" data-bytes=\"").int(s.bytes).tag("\" data-rows=\"").int(s.rows).tag("\" data-time-wait=\"");
    m.int(s.time_wait_rows).tag("\" data-reads=\"").int(s.read_calls).tag("\" data-ms=\"");
    m.text(&fixed(s.estimated_ms, 3)).tag("\" title=\"").text(&words).tag("\">");
    if pause {
        m.tag("<span class=\"pause-label\">").text(&words).tag("</span>");
    }
    m.tag("</li>");
}

/// What netstat reads in a gap, in words.
fn figures(s: &Stall, read_size: u32) -> String {
    format!(
        "{} read: {} rows ({} TIME_WAIT), {} read() calls of {read_size} bytes, about {}",
        bytes(s.bytes as f64),
        thousands(s.rows),
        thousands(s.time_wait_rows),
        thousands(s.read_calls),
        micros(s.estimated_ms * 1000.0)
    )
}

/// The seed's sentence for one pause.
fn story(s: &Stall, read_size: u32) -> String {
    let after = match &s.after {
        Some(l) => format!("After `{}`", squeeze(l)),
        None => "Before its first line".into(),
    };
    format!("{after} netstat pauses: {}, before its next line.", figures(s, read_size))
}

/// A netstat line with its column padding collapsed.
fn squeeze(l: &str) -> String {
    l.split_whitespace().collect::<Vec<_>>().join(" ")
}
