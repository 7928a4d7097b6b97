//! Files: the archive's entries with sizes and SHA-256 checked against the manifest, the host
//! facts and manifest, and the raw text of small files.
use procsnap_core::archive::Container;
use procsnap_core::files::{FileInfo, FileKind};
use procsnap_core::layout::FileRole;
use procsnap_core::types::ByteOrder;
use yew::prelude::*;

use crate::format::{bytes, thousands};
use crate::markup::Markup;
use crate::state::Loaded;

/// What [`files_view`] shows, and where its choices go.
pub struct FilesViewProps<'a> {
    pub loaded: &'a Loaded,
    /// The filter text (page state: it survives a tab switch and a reload).
    pub filter: &'a str,
    pub on_filter: Callback<String>,
    /// The small file whose text is shown, when one was picked (page state,
    /// `PageState::shown_file`; the manifest, `procsnap.json`, until then).
    pub shown: Option<&'a str>,
    pub on_show: Callback<String>,
}

/// The SHA-256 cell: archive against manifest.
fn check(m: &mut Markup, f: &FileInfo, pending: bool) {
    match (&f.sha256, &f.manifest_sha256) {
        (Some(a), Some(b)) if a == b => {
            m.tag("<span class=\"ok\" title=\"").text(a).tag("\">✓ matches manifest</span>");
        }
        (Some(a), Some(b)) => {
            m.tag("<span class=\"bad\" title=\"archive ").text(a).tag("\nmanifest ").text(b);
            m.tag("\">✗ differs from manifest</span>");
        }
        (Some(a), None) if f.kind == FileKind::File => {
            m.tag("<span class=\"muted\" title=\"").text(a).tag("\">not in manifest</span>");
        }
        (None, Some(_)) if pending => {
            m.tag("<span class=\"muted\">checking…</span>");
        }
        (None, Some(_)) => {
            m.tag("<span class=\"muted\">not hashed</span>");
        }
        _ => {
            m.tag("<span class=\"muted\">–</span>");
        }
    }
}

fn files_table(rows: &[&FileInfo], small: &[(String, String)], pending: bool) -> Html {
    let mut m = Markup::new();
    m.tag("<table class=\"data\" id=\"files-table\"><thead><tr><th>Path</th><th>Kind</th><th>Role</th>");
    m.tag("<th class=\"num\">Size</th><th>SHA-256</th></tr></thead><tbody>");
    for f in rows.iter().take(2000) {
        m.tag("<tr><td class=\"mono\">");
        if small.iter().any(|(p, _)| *p == f.path) {
            m.tag("<button class=\"linkish\" data-path=\"")
                .text(&f.path)
                .tag("\">")
                .text(&f.path)
                .tag("</button>");
        } else {
            m.text(&f.path);
        }
        m.tag("</td>").cell(kind_name(f.kind));
        m.cell(role_name(f.role)).num_cell(f.size).tag("<td>");
        check(&mut m, f, pending);
        m.tag("</td></tr>");
    }
    m.tag("</tbody></table>");
    m.html()
}

pub fn files_view(props: &FilesViewProps) -> Html {
    let r = &props.loaded.report;
    let small = &props.loaded.opened.small_files;
    let shown = props.shown.unwrap_or("procsnap.json");
    let oninput = {
        let on_filter = props.on_filter.clone();
        Callback::from(move |e: InputEvent| {
            on_filter.emit(e.target_unchecked_into::<web_sys::HtmlInputElement>().value())
        })
    };
    let hashed = r.files.iter().filter(|f| f.sha256.is_some() && f.manifest_sha256.is_some()).count();
    let bad = r
        .files
        .iter()
        .filter(|f| matches!((&f.sha256, &f.manifest_sha256), (Some(a), Some(b)) if a != b))
        .count();
    let total: u64 = r.files.iter().map(|f| f.size).sum();
    let needle = props.filter.to_ascii_lowercase();
    let rows: Vec<&FileInfo> = r
        .files
        .iter()
        .filter(|f| needle.is_empty() || f.path.to_ascii_lowercase().contains(&needle))
        .collect();
    let text = small.iter().find(|(path, _)| path == shown);
    // The table is markup (see `markup`): one handler on its wrapper opens the file whose
    // button was clicked (`data-path`).
    let show = {
        let on_show = props.on_show.clone();
        Callback::from(move |e: MouseEvent| {
            if let Some(path) = crate::markup::clicked_attr(&e, "data-path") {
                on_show.emit(path);
            }
        })
    };
    html! {
        <div class="files">
            <section class="card">
                <h2>{format!("{} entries, {}", thousands(r.files.len() as u64), bytes(total as f64))}</h2>
                { summary(r, props.loaded.hashes_pending, bad, hashed) }
            </section>
            <section class="card">
                <div class="toolbar">
                    <label>{"Filter "}<input id="files-filter" type="search" value={props.filter.to_string()} placeholder="proc/net" {oninput} /></label>
                    <span class="muted">{format!("{} shown", rows.len())}</span>
                </div>
                <div class="table-wrap" style="max-height:420px;overflow:auto" onclick={show}>
                    { files_table(&rows, small, props.loaded.hashes_pending) }
                </div>
            </section>
            if let Some((path, body)) = text {
                <section class="card" id="file-text">
                    <h2><code>{path}</code></h2>
                    <pre tabindex="0">{body}</pre>
                </section>
            }
        </div>
    }
}

/// The hash check's outcome and the host facts (read-only: markup, see `markup`).
fn summary(r: &procsnap_core::Report, pending: bool, bad: usize, hashed: usize) -> Html {
    let mut m = Markup::new();
    m.tag("<p id=\"integrity\">");
    if pending {
        m.tag("<span class=\"muted\">Checking the SHA-256 of every file against the manifest…</span>");
    } else if bad > 0 {
        m.tag("<span class=\"bad\">").int(bad as u64);
        m.tag(" files differ from the manifest: the archive was changed after capture, or damaged.</span>");
    } else if hashed > 0 {
        m.tag("<span class=\"ok\">All ").int(hashed as u64);
        m.tag(" hashed files match the SHA-256 recorded in the manifest.</span>");
    } else {
        m.tag("<span class=\"muted\">The snapshot has no manifest hashes to check against.</span>");
    }
    m.tag("</p><dl class=\"host-facts\">");
    for (k, v) in host_facts(r) {
        m.tag("<dt>").tag(k).tag("</dt><dd>").text(&v).tag("</dd>");
    }
    m.tag("</dl>");
    m.html()
}

fn host_facts(r: &procsnap_core::Report) -> Vec<(&'static str, String)> {
    let h = &r.host;
    let mut v = Vec::new();
    let mut push = |k, val: Option<String>| {
        if let Some(val) = val {
            v.push((k, val));
        }
    };
    push("Host", h.hostname.clone());
    push("Kernel", h.kernel.clone());
    push("Architecture", h.arch.clone());
    push("Byte order", h.byte_order.map(|b| if b == ByteOrder::Big { "big" } else { "little" }.into()));
    push("USER_HZ / page size", Some(format!("{} / {}", h.user_hz, h.page_size)));
    push("Captured", h.capture_start.clone());
    push("Capture took", h.capture_duration_us.map(|us| crate::format::micros(us as f64)));
    push("Collector uid", h.uid.map(|u| u.to_string()));
    push("Written by", h.tool.clone());
    push("Format version", h.format_version.map(|f| f.to_string()));
    push("Container", h.container.map(|c| container_name(c).into()));
    if let Some(w) = &r.walk {
        push(
            "Process walk",
            Some(format!(
                "{} pids, {} unreadable, {} vanished, {} fds, {} socket links",
                w.pids_seen, w.pids_unreadable, w.pids_vanished, w.fds_read, w.socket_links
            )),
        );
    }
    v
}

// Names as literals rather than `{:?}`: the enums' `Debug` need not be in the module.
fn kind_name(k: FileKind) -> &'static str {
    match k {
        FileKind::File => "file",
        FileKind::Symlink => "symlink",
        FileKind::Dir => "dir",
        FileKind::Other => "other",
    }
}

fn role_name(r: FileRole) -> &'static str {
    match r {
        FileRole::Manifest => "manifest",
        FileRole::Table => "table",
        FileRole::Counters => "counters",
        FileRole::Sysctl => "sysctl",
        FileRole::FdLink => "fdlink",
        FileRole::Process => "process",
        FileRole::Host => "host",
        FileRole::Namespace => "namespace",
        FileRole::Other => "other",
    }
}

fn container_name(c: Container) -> &'static str {
    match c {
        Container::TarGz => "TarGz",
        Container::Tar => "Tar",
        Container::BareTable => "BareTable",
        Container::Directory => "Directory",
    }
}
