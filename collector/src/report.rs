//! `procsnap report SNAPSHOT [--format text|json|netstat]`: decode a snapshot with
//! `procsnap-core` and print it. All logic lives in core; this is file handling and flags.

use std::ffi::OsString;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};

use procsnap_core::layout::{self, ProcessFile};
use procsnap_core::share::Redaction;
use procsnap_core::{ByteOrder, DecodeOptions, Entry, Session, TableKind};

use crate::exit;

const HELP: &str = "\
procsnap report — explain a snapshot

USAGE:
    procsnap report SNAPSHOT [--format text|json|netstat|link] [--netstat FLAVOUR]
                   [--redact LIST] [--base-url URL]

SNAPSHOT is a .tar.gz made by `procsnap collect`, a .tar, a directory extracted from one (or
any directory holding proc/, or a /proc-like root such as /proc itself), a bare copy of one
/proc/net table, or - for standard input. The kind is recognised from the content. A share link
(`…#r=1.…`) is accepted too: its report is printed (it holds no raw rows).

OPTIONS:
    -f, --format FORMAT   text (default): the story in numbers and sentences
                          json: the whole report (schema: docs/report-json.md)
                          netstat: exactly what `LC_ALL=C netstat -nlp` printed on that host
                          link: a share link carrying the report (no raw rows) in its #fragment
        --netstat FLAVOUR the netstat build to reproduce (its layout, program names, tables and
                          read size, for the netstat text and the cost): net-tools-2.10,
                          centos6, centos7, rhel8, rhel9 or busybox (default: the one the
                          snapshot's etc/os-release implies, else net-tools-2.10)
        --redact LIST     for links: any of addresses,args,hostname (or all): pseudonymise
                          addresses consistently, drop command-line arguments, drop the hostname
        --base-url URL    for links: the viewer's address to put before #r=… (default: none,
                          paste the #r=… part after any viewer's address)
        --byte-order little|big
                          byte order of the captured host, for snapshots without a manifest
                          (default: the manifest's, else little)
        --table NAME      what a bare table file is when its header cannot tell
                          (udp, udplite and raw share a header; default udp)
        --max-bytes N     refuse archives that unpack to more than N bytes (default 1.5 GiB)
    -h, --help            this help

EXIT CODES:
    0 success, 2 bad usage, 3 cannot read the input, 4 not a snapshot procsnap can decode,
    5 cannot write the output
";

#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    Text,
    Json,
    Netstat,
    Link,
}

struct Args {
    snapshot: PathBuf,
    format: Format,
    options: DecodeOptions,
    base_url: String,
    redaction: Redaction,
}

fn parse_args(args: Vec<OsString>) -> Result<Option<Args>, String> {
    use lexopt::prelude::*;
    let mut p = lexopt::Parser::from_args(args);
    let mut snapshot = None;
    let mut format = Format::Text;
    let mut options = DecodeOptions::default();
    let mut base_url = String::new();
    let mut redaction = Redaction::default();
    while let Some(arg) = p.next().map_err(|e| e.to_string())? {
        match arg {
            Short('h') | Long("help") => return Ok(None),
            Short('f') | Long("format") => {
                format = match p.value().map_err(|e| e.to_string())?.to_str() {
                    Some("text") => Format::Text,
                    Some("json") => Format::Json,
                    Some("netstat") => Format::Netstat,
                    Some("link") => Format::Link,
                    other => {
                        return Err(format!("unknown format {other:?}; use text, json, netstat or link"));
                    }
                }
            }
            Long("netstat") => {
                let v = p.value().map_err(|e| e.to_string())?;
                options.netstat = Some(v.to_string_lossy().parse::<procsnap_core::Flavour>()?);
            }
            Long("base-url") => {
                base_url = p.value().map_err(|e| e.to_string())?.to_string_lossy().into_owned();
            }
            Long("redact") => {
                let v = p.value().map_err(|e| e.to_string())?;
                redaction = Redaction::parse(&v.to_string_lossy())?;
            }
            Long("byte-order") => {
                options.byte_order = match p.value().map_err(|e| e.to_string())?.to_str() {
                    Some("little") => Some(ByteOrder::Little),
                    Some("big") => Some(ByteOrder::Big),
                    other => return Err(format!("unknown byte order {other:?}; use little or big")),
                }
            }
            Long("table") => {
                let v = p.value().map_err(|e| e.to_string())?;
                let name = v.to_str().unwrap_or("");
                options.table_hint = Some(TableKind::from_file_name(name).ok_or_else(|| {
                    format!("unknown table {name:?}; use a /proc/net file name such as raw or udplite")
                })?);
            }
            Long("max-bytes") => {
                let v = p.value().map_err(|e| e.to_string())?;
                options.limits.max_total_bytes =
                    v.to_str().and_then(|s| s.parse().ok()).ok_or("--max-bytes takes a number of bytes")?;
            }
            Value(v) if snapshot.is_none() => snapshot = Some(PathBuf::from(v)),
            other => return Err(other.unexpected().to_string()),
        }
    }
    let snapshot = snapshot.ok_or("missing SNAPSHOT (a .tar.gz, .tar, directory, table file or -)")?;
    Ok(Some(Args { snapshot, format, options, base_url, redaction }))
}

pub fn main(args: Vec<OsString>) -> u8 {
    let args = match parse_args(args) {
        Ok(Some(a)) => a,
        Ok(None) => {
            print!("{HELP}");
            return exit::OK;
        }
        Err(e) => {
            eprintln!("procsnap report: {e} (see `procsnap report --help`)");
            return exit::USAGE;
        }
    };
    let name = args.snapshot.display().to_string();
    // A share link (`…#r=1.…`) carries a report, not a snapshot: print it the same way.
    if !args.snapshot.exists() && procsnap_core::session::looks_like_link(&name) {
        return match Session::open_link(&name) {
            Ok(session) => print_report(&session, &args),
            Err(e) => {
                eprintln!("procsnap report: {e}");
                exit::FORMAT
            }
        };
    }
    let opened = if args.snapshot.as_os_str() == "-" {
        let mut buf = Vec::new();
        if let Err(e) = io::stdin().lock().read_to_end(&mut buf) {
            eprintln!("procsnap report: cannot read standard input: {e}");
            return exit::INPUT;
        }
        Session::open(&buf, &args.options, &mut |_| true)
    } else if args.snapshot.is_dir() {
        match read_directory(&args.snapshot) {
            Ok(entries) => Session::open_entries(entries, &args.options),
            Err(e) => {
                eprintln!("procsnap report: cannot read {name}: {e}");
                return exit::INPUT;
            }
        }
    } else {
        match std::fs::read(&args.snapshot) {
            Ok(bytes) => Session::open(&bytes, &args.options, &mut |_| true),
            Err(e) => {
                eprintln!("procsnap report: cannot read {name}: {e}");
                return exit::INPUT;
            }
        }
    };
    match opened {
        Ok(session) => print_report(&session, &args),
        Err(e) => {
            eprintln!("procsnap report: {name}: {e}");
            exit::FORMAT
        }
    }
}

fn print_report(session: &Session, args: &Args) -> u8 {
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
        Ok(()) => exit::OK,
        // `procsnap report x | head` is not an error.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => exit::OK,
        Err(e) => {
            eprintln!("procsnap report: cannot write the output: {e}");
            exit::OUTPUT
        }
    }
}

/// Read a snapshot directory: one holding `proc/` (extracted from an archive), or a /proc-like
/// root itself (`/proc`, or an extracted `proc/`). Only what format v1 holds is read: tables,
/// sysctls, socket fd links and the command lines of processes that hold sockets.
fn read_directory(dir: &Path) -> io::Result<Vec<Entry<'static>>> {
    let mut entries = Vec::new();
    let proc_root = if dir.join("proc").is_dir() { dir.join("proc") } else { dir.to_path_buf() };
    if !proc_root.join("net").is_dir() {
        return Err(io::Error::new(
            io::ErrorKind::NotFound,
            "no proc/net directory inside: not a snapshot directory",
        ));
    }
    if let Ok(m) = std::fs::read(dir.join(layout::MANIFEST_PATH)) {
        entries.push(Entry::file(layout::MANIFEST_PATH, m));
    }
    for f in &layout::NET_FILES {
        if let Ok(data) = std::fs::read(proc_root.join("net").join(f.name)) {
            entries.push(Entry::file(layout::net_file_path(None, f.name), data));
        }
    }
    for k in &layout::SYSCTLS {
        let rel = k.path.strip_prefix("proc/").unwrap_or(k.path);
        if let Ok(data) = std::fs::read(proc_root.join(rel)) {
            entries.push(Entry::file(k.path, data));
        }
    }
    // Host files (etc/os-release, sys/fs/selinux/enforce) sit beside proc/: in `dir` when it
    // holds proc/, else in the parent of the proc root (`/` for a live /proc: that host's own).
    let host_root = if dir.join("proc").is_dir() { Some(dir) } else { dir.parent() };
    if let Some(root) = host_root {
        for h in &layout::HOST_FILES {
            if let Ok(data) = std::fs::read(root.join(h.path)) {
                entries.push(Entry::file(h.path, data));
            }
        }
    }
    let mut pids: Vec<u32> =
        std::fs::read_dir(&proc_root)?.filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok()).collect();
    pids.sort_unstable();
    for pid in pids {
        let base = proc_root.join(pid.to_string());
        // A process may exit while we read it, or be unreadable: skip it.
        let Ok(fd_dir) = std::fs::read_dir(base.join("fd")) else { continue };
        let mut fds: Vec<(u32, Vec<u8>)> = fd_dir
            .filter_map(|e| {
                let e = e.ok()?;
                let fd: u32 = e.file_name().to_str()?.parse().ok()?;
                let target = std::fs::read_link(e.path()).ok()?;
                let target = target.into_os_string().into_encoded_bytes();
                layout::is_socket_link(&target).then_some((fd, target))
            })
            .collect();
        if fds.is_empty() {
            continue;
        }
        fds.sort_unstable();
        for (fd, target) in fds {
            entries.push(Entry::symlink(layout::fd_link_path(pid, fd), target));
        }
        for file in ProcessFile::ALL {
            if let Ok(data) = std::fs::read(base.join(file.file_name())) {
                entries.push(Entry::file(layout::process_file_path(pid, file), data));
            }
        }
    }
    Ok(entries)
}
