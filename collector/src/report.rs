//! `procsnap report SNAPSHOT [--format text|json|netstat]`: decode a snapshot with
//! `procsnap-core` and print it. All logic lives in core; this is file handling and flags.

use std::ffi::OsString;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use procsnap_core::layout::{self, ProcessFile};
use procsnap_core::share::Redaction;
use procsnap_core::{ByteOrder, DecodeOptions, Entry, Session, TableKind, snapshot};

use crate::cli::{self, Flag};
use crate::error::{self, Error};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    Text,
    Json,
    Netstat,
    Link,
}

/// The `--format` values: name, kind, what it prints (the help is made from this list).
const FORMATS: &[(&str, Format, &str)] = &[
    ("text", Format::Text, "(default): the story in numbers and sentences"),
    ("json", Format::Json, "the whole report (schema: docs/report-json.md)"),
    ("netstat", Format::Netstat, "exactly what `LC_ALL=C netstat -nlp` printed on that host"),
    ("link", Format::Link, "a share link carrying the report (no raw rows) in its #fragment"),
];

#[derive(Clone, Copy)]
enum Opt {
    Format,
    Netstat,
    Redact,
    BaseUrl,
    ByteOrder,
    Table,
    MaxBytes,
    Netns,
    Help,
}

const FLAGS: &[Flag<Opt>] = &[
    Flag {
        kind: Opt::Format,
        short: Some('f'),
        long: "format",
        value: Some("FORMAT"),
        help: "how to print the report (default text; see FORMATS)",
    },
    Flag {
        kind: Opt::Netstat,
        short: None,
        long: "netstat",
        value: Some("FLAVOUR"),
        help: "the netstat build to reproduce (its layout, program names, tables and
               read size, for the netstat text and the cost): net-tools-2.10, centos6,
               centos7, rhel8, rhel9 or busybox (default: the one the snapshot's
               etc/os-release implies, else net-tools-2.10)",
    },
    Flag {
        kind: Opt::Redact,
        short: None,
        long: "redact",
        value: Some("LIST"),
        help: "for links: any of addresses,args,hostname (or all): pseudonymise
               addresses consistently, drop command-line arguments, drop the hostname
               (and replace container ids and pod UIDs with container-1, pod-1, …)",
    },
    Flag {
        kind: Opt::BaseUrl,
        short: None,
        long: "base-url",
        value: Some("URL"),
        help: "for links: the viewer's address to put before #r=… (default: none,
               paste the #r=… part after any viewer's address)",
    },
    Flag {
        kind: Opt::ByteOrder,
        short: None,
        long: "byte-order",
        value: Some("little|big"),
        help: "byte order of the captured host, for snapshots without a manifest
               (default: the manifest's, else little)",
    },
    Flag {
        kind: Opt::Table,
        short: None,
        long: "table",
        value: Some("NAME"),
        help: "what a bare table file is when its header cannot tell
               (udp, udplite and raw share a header; default udp)",
    },
    Flag {
        kind: Opt::MaxBytes,
        short: None,
        long: "max-bytes",
        value: Some("N"),
        help: "refuse archives that unpack to more than N bytes (default 1.5 GiB)",
    },
    Flag {
        kind: Opt::Netns,
        short: None,
        long: "netns",
        value: Some("INODE"),
        help: "report on network namespace INODE (the number in net:[INODE], as the
               namespace table lists it) in every format: --format netstat then prints
               what `nsenter --net=/proc/PID/ns/net netstat -nlp` printed for it
               (default: the collector's own namespace); `all`: every namespace at once,
               each listener with its namespace, counts added up",
    },
    Flag { kind: Opt::Help, short: Some('h'), long: "help", value: None, help: "this help" },
];

fn help() -> String {
    let names: Vec<&str> = FORMATS.iter().map(|f| f.0).collect();
    let mut formats = String::new();
    for (name, _, what) in FORMATS {
        formats.push_str(&format!("    {name:<9} {what}\n"));
    }
    format!(
        "procsnap report — explain a snapshot

USAGE:
    procsnap report SNAPSHOT [--format {}] [--redact LIST] [--base-url URL]

SNAPSHOT is a .tar.gz made by `procsnap collect`, a .tar, a directory extracted from one (or
any directory holding proc/, or a /proc-like root such as /proc itself), a bare copy of one
/proc/net table, or - for standard input. The kind is recognised from the content. A share link
(`…#r=1.…`) is accepted too: its report is printed (it holds no raw rows).

OPTIONS:
{}
FORMATS:
{formats}
EXIT CODES:
    0 success, 2 bad usage, 3 cannot read the input, 4 not a snapshot procsnap can decode,
    5 cannot write the output
",
        names.join("|"),
        cli::options(FLAGS)
    )
}

struct Args {
    snapshot: PathBuf,
    format: Format,
    options: DecodeOptions,
    base_url: String,
    redaction: Redaction,
    netns: Option<u64>,
    /// `--netns all`.
    netns_all: bool,
}

fn parse_args(args: Vec<OsString>) -> Result<Option<Args>, String> {
    let mut p = lexopt::Parser::from_args(args);
    let mut snapshot = None;
    let mut format = Format::Text;
    let mut options = DecodeOptions::default();
    let mut base_url = String::new();
    let mut redaction = Redaction::default();
    let mut netns = None;
    let mut netns_all = false;
    while let Some(arg) = p.next().map_err(|e| e.to_string())? {
        let Some(opt) = cli::find(FLAGS, &arg) else {
            match arg {
                lexopt::Arg::Value(v) if snapshot.is_none() => snapshot = Some(PathBuf::from(v)),
                other => return Err(other.unexpected().to_string()),
            }
            continue;
        };
        if let Opt::Help = opt {
            return Ok(None);
        }
        let v = p.value().map_err(|e| e.to_string())?;
        match opt {
            Opt::Help => unreachable!("handled above"),
            Opt::Format => {
                let want = v.to_str();
                format = FORMATS
                    .iter()
                    .find(|f| Some(f.0) == want)
                    .map(|f| f.1)
                    .ok_or_else(|| format!("unknown format {want:?}; use text, json, netstat or link"))?;
            }
            Opt::Netstat => options.netstat = Some(v.to_string_lossy().parse::<procsnap_core::Flavour>()?),
            Opt::BaseUrl => base_url = v.to_string_lossy().into_owned(),
            Opt::Redact => redaction = Redaction::parse(&v.to_string_lossy())?,
            Opt::ByteOrder => {
                options.byte_order = match v.to_str() {
                    Some("little") => Some(ByteOrder::Little),
                    Some("big") => Some(ByteOrder::Big),
                    other => return Err(format!("unknown byte order {other:?}; use little or big")),
                }
            }
            Opt::Table => {
                let name = v.to_str().unwrap_or("");
                options.table_hint = Some(TableKind::from_file_name(name).ok_or_else(|| {
                    format!("unknown table {name:?}; use a /proc/net file name such as raw or udplite")
                })?);
            }
            Opt::Netns => {
                let text = v.to_string_lossy();
                // `net:[4026531840]` as copied from a link target works too.
                let digits = text.trim().trim_start_matches("net:[").trim_end_matches(']');
                netns_all = digits == "all";
                netns = if netns_all {
                    None
                } else {
                    Some(digits.parse::<u64>().map_err(|_| {
                        format!(
                            "--netns takes a namespace inode (the number in net:[INODE]) or all, not {text:?}"
                        )
                    })?)
                };
            }
            Opt::MaxBytes => {
                options.limits.max_total_bytes =
                    v.to_str().and_then(|s| s.parse().ok()).ok_or("--max-bytes takes a number of bytes")?;
            }
        }
    }
    let snapshot = snapshot.ok_or("missing SNAPSHOT (a .tar.gz, .tar, directory, table file or -)")?;
    Ok(Some(Args { snapshot, format, options, base_url, redaction, netns, netns_all }))
}

pub fn main(args: Vec<OsString>) -> u8 {
    error::status("procsnap report", run(args))
}

fn run(args: Vec<OsString>) -> Result<(), Error> {
    let Some(args) = error::parsed("report", parse_args(args), help)? else { return Ok(()) };
    let mut session = open(&args.snapshot, &args.options)?;
    let name = args.snapshot.display().to_string();
    let chosen = if args.netns_all { session.set_netns_all() } else { session.set_netns(args.netns) };
    chosen.map_err(|e| Error::usage(format!("{name}: {e}")))?;
    print_report(&session, &args)
}

/// Open a snapshot the way `report` does (a file, a directory, `-` for standard input, or a
/// share link), streaming: memory holds the rows kept and the small files, never the input.
pub fn open(path: &Path, options: &DecodeOptions) -> Result<Session, Error> {
    let name = path.display().to_string();
    let options = &DecodeOptions { fork: crate::threads::fork(), ..options.clone() };
    // A share link (`…#r=1.…`) carries a report, not a snapshot.
    if !path.exists() && procsnap_core::session::looks_like_link(&name) {
        return Session::open_link(&name).map_err(|e| Error::format(e.to_string()));
    }
    let cannot_read = |e: io::Error| Error::input(format!("cannot read {name}: {e}"));
    let opened = if path.as_os_str() == "-" {
        Session::open_reader(&mut io::stdin().lock(), 0, options, &mut |_| true)
    } else if path.is_dir() {
        let builder = read_directory(path, options).map_err(cannot_read)?;
        Session::open_built(builder, options)
    } else {
        let mut file = std::fs::File::open(path).map_err(cannot_read)?;
        let meta = file.metadata().ok();
        let size = meta.as_ref().map_or(0, |m| m.len());
        if starts_as_gzip(&mut file).map_err(cannot_read)? {
            crate::inflate_beside::open(file, size, options)
        } else if meta.is_some_and(|m| m.is_file() && m.len() > 0) {
            // A file on disk can be read at any offset: a large table is parsed in two halves.
            Session::open_at(&crate::threads::FileAt(file), size, options, &mut |_| true)
        } else {
            // A live /proc file (size 0) or a device: read in order.
            Session::open_reader(&mut file, size, options, &mut |_| true)
        }
    };
    opened.map_err(|e| Error::format(format!("{name}: {e}")))
}

/// Whether `file` starts with gzip's magic (read, then the position put back).
fn starts_as_gzip(file: &mut std::fs::File) -> io::Result<bool> {
    use std::io::{Read, Seek};
    let mut head = [0u8; 2];
    let n = file.read(&mut head)?;
    file.rewind()?;
    Ok(n == 2 && head == procsnap_core::archive::GZIP_MAGIC)
}

fn print_report(session: &Session, args: &Args) -> Result<(), Error> {
    let out = match args.format {
        Format::Netstat => session.netstat(),
        Format::Text => session.text().into_bytes(),
        Format::Link => {
            let mut l = session.share_link(&args.base_url, args.redaction).into_bytes();
            l.push(b'\n');
            l
        }
        Format::Json => {
            let mut j = session.json().into_bytes();
            j.push(b'\n');
            j
        }
    };
    let mut stdout = io::stdout().lock();
    match stdout.write_all(&out).and_then(|_| stdout.flush()) {
        Ok(()) => Ok(()),
        // `procsnap report x | head` is not an error.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Error::output(format!("cannot write the output: {e}"))),
    }
}

/// The namespace inode `DIR/ns/net` links to (`net:[INODE]`), if it is such a link.
fn netns_of(dir: &Path) -> Option<u64> {
    let t = std::fs::read_link(dir.join("ns/net")).ok()?;
    layout::netns_inode(t.as_os_str().as_encoded_bytes())
}

/// Read a snapshot directory: one holding `proc/` (extracted from an archive), or a /proc-like
/// root itself (`/proc`, or an extracted `proc/`). Only what the layout registry lists is read:
/// tables (streamed into the builder), sysctls, host files, socket fd links and the per-process
/// files of processes that hold sockets.
fn read_directory(dir: &Path, options: &DecodeOptions) -> io::Result<snapshot::Builder> {
    let mut entries = snapshot::Builder::new(options);
    let proc_root = if dir.join("proc").is_dir() { dir.join("proc") } else { dir.to_path_buf() };
    if !proc_root.join("net").is_dir() {
        return Err(io::Error::new(
            io::ErrorKind::NotFound,
            "no proc/net directory inside: not a snapshot directory",
        ));
    }
    if let Ok(m) = std::fs::read(dir.join(layout::MANIFEST_PATH)) {
        entries.entry(Entry::file(layout::MANIFEST_PATH, m));
    }
    for f in &layout::NET_FILES {
        if let Ok(mut file) = std::fs::File::open(proc_root.join("net").join(f.name)) {
            let size = file.metadata().map(|m| m.len()).unwrap_or(0);
            entries.file(&layout::net_file_path(None, f.name), size, &mut file)?;
        }
    }
    for k in &layout::SYSCTLS {
        let rel = k.path.strip_prefix("proc/").unwrap_or(k.path);
        if let Ok(data) = std::fs::read(proc_root.join(rel)) {
            entries.entry(Entry::file(k.path, data));
        }
    }
    // Host files (etc/os-release, sys/fs/selinux/enforce) sit beside proc/: in `dir` when it
    // holds proc/, else in the parent of the proc root (`/` for a live /proc: that host's own).
    let host_root = if dir.join("proc").is_dir() { Some(dir) } else { dir.parent() };
    if let Some(root) = host_root {
        for h in &layout::HOST_FILES {
            if let Ok(data) = std::fs::read(root.join(h.path)) {
                entries.entry(Entry::file(h.path, data));
            }
        }
    }
    // The collector's own namespace: the manifest's, else (a live /proc) the reader's.
    let manifest_own = std::fs::read(dir.join(layout::MANIFEST_PATH))
        .ok()
        .and_then(|m| procsnap_core::manifest::Manifest::from_json(&m).ok())
        .and_then(|m| m.namespaces.iter().find(|n| n.host).map(|n| n.inode));
    // A live /proc: its `net/` is the reading process's namespace, so that process's own link
    // says which one it is even where no process of it holds a socket.
    let reader = match manifest_own {
        Some(_) => None,
        None => std::fs::read_link(proc_root.join("self"))
            .ok()
            .and_then(|t| t.to_str()?.parse::<u32>().ok())
            .zip(netns_of(&proc_root.join("self"))),
    };
    if let Some((pid, inode)) = reader {
        entries.entry(Entry::symlink(layout::netns_link_path(pid), format!("net:[{inode}]").into_bytes()));
    }
    let own = manifest_own.or(reader.map(|(_, inode)| inode));
    let mut captured: Vec<u64> = own.into_iter().collect();
    let mut pids: Vec<u32> =
        std::fs::read_dir(&proc_root)?.filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok()).collect();
    pids.sort_unstable();
    for pid in pids {
        let base = proc_root.join(pid.to_string());
        let netns = netns_of(&base);
        let link = |entries: &mut snapshot::Builder| {
            if reader.is_some_and(|(p, _)| p == pid) {
                return; // linked above
            }
            if let Some(i) = netns {
                entries
                    .entry(Entry::symlink(layout::netns_link_path(pid), format!("net:[{i}]").into_bytes()));
            }
        };
        let mut linked = false;
        // A fd directory may be missing (an extracted member that holds no socket), or the
        // process may exit while we read it, or be unreadable: then it has no socket links.
        let mut fds: Vec<(u32, Vec<u8>)> = std::fs::read_dir(base.join("fd"))
            .map(|d| {
                d.filter_map(|e| {
                    let e = e.ok()?;
                    let fd: u32 = e.file_name().to_str()?.parse().ok()?;
                    let target = std::fs::read_link(e.path()).ok()?;
                    let target = target.into_os_string().into_encoded_bytes();
                    layout::is_socket_link(&target).then_some((fd, target))
                })
                .collect()
            })
            .unwrap_or_default();
        if !fds.is_empty() {
            fds.sort_unstable();
            for (fd, target) in fds {
                entries.entry(Entry::symlink(layout::fd_link_path(pid, fd), target));
            }
            link(&mut entries);
            linked = true;
            for file in ProcessFile::ALL {
                if let Ok(data) = std::fs::read(base.join(file.file_name())) {
                    entries.entry(Entry::file(layout::process_file_path(pid, file), data));
                }
            }
        }
        // The first member of every other namespace: its tables (and, in an extracted
        // snapshot, the sysctls the collector read inside it).
        let Some(inode) = netns.filter(|i| !captured.contains(i)) else { continue };
        if !base.join("net").is_dir() {
            continue;
        }
        captured.push(inode);
        if !linked {
            link(&mut entries);
        }
        for f in &layout::NET_FILES {
            if let Ok(mut file) = std::fs::File::open(base.join("net").join(f.name)) {
                let size = file.metadata().map(|m| m.len()).unwrap_or(0);
                entries.file(&layout::net_file_path(Some(pid), f.name), size, &mut file)?;
            }
        }
        for k in &layout::SYSCTLS {
            let path = layout::ns_sysctl_path(pid, k);
            if let Ok(data) = std::fs::read(proc_root.join(path.strip_prefix("proc/").unwrap_or(&path))) {
                entries.entry(Entry::file(path, data));
            }
        }
    }
    Ok(entries)
}
