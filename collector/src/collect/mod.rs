//! `procsnap collect` (and the capture-only `procsnap-collect`): capture what `netstat -nlp`
//! reads into a snapshot (format v1).
//!
//! Two threads: this one walks /proc and reads files in large chunks ([`walk`]; the time goes
//! into the kernel generating the text), the writer thread hashes, tars and compresses them
//! ([`archive`]). Chunks travel through a bounded channel and come back for reuse, so memory
//! stays flat however big `/proc/net/tcp` is (the writer keeps only the compressed form of the
//! file in flight). [`output`] owns the file: temporary name, rename, signals. The manifest
//! `procsnap.json` is the **last** entry, since it holds every file's hash.
//!
//! What it reads comes from `procsnap_core::layout`, the registry of every path a snapshot may
//! hold; no list of paths lives here. This module links no decoder code (`procsnap-collect`
//! must stay small): only the `layout` and `manifest` modules, which are data.

mod archive;
mod count;
mod host;
mod output;
mod walk;

use std::ffi::OsString;
use std::io::{self, ErrorKind};
use std::path::PathBuf;
use std::sync::atomic::AtomicUsize;
use std::sync::mpsc;
use std::thread;
use std::time::Instant;

use procsnap_core::manifest::{CaptureTimes, Manifest, WalkStats};

use crate::cli::{self, Flag};
use crate::error::{Error, Kind};
use host::Utc;
use output::{Interrupts, Output, Sink};
use walk::{Capturer, Halt};

/// Chunks in flight between the threads: bounds memory at about 4 MiB.
const IN_FLIGHT: usize = 16;

#[derive(Clone, Copy)]
enum Opt {
    Output,
    Netns,
    Help,
}

const FLAGS: &[Flag<Opt>] = &[
    Flag {
        kind: Opt::Output,
        short: Some('o'),
        long: "output",
        value: Some("FILE"),
        help: "write the snapshot to FILE (via a temporary file beside it, renamed
               at the end); `-` streams it to stdout.
               Default: ./HOST-YYYYmmddTHHMMSSZ.procsnap.tar.gz",
    },
    Flag {
        kind: Opt::Netns,
        short: None,
        long: "netns",
        value: Some("all|self"),
        help: "all (default): every network namespace visible (containers, pods;
               needs root), each through one member's /proc/PID/net; self: only
               the collector's own, as netstat -nlp sees it",
    },
    Flag { kind: Opt::Help, short: Some('h'), long: "help", value: None, help: "this text" },
];

/// `--help`, for `procsnap collect` or `procsnap-collect` (`cmd`).
fn help(cmd: &str) -> String {
    format!(
        "{cmd} — capture the socket state netstat reads into a snapshot

USAGE:
    {cmd} [-o FILE | -o -] [--netns all|self]

OPTIONS:
{}
Run as root to see every socket's owner. Exit status: 0 ok, 2 usage, 3 /proc unreadable,
5 output failed (a reader closing stdout early included), 130/143 interrupted (SIGINT/SIGTERM);
no partial file is ever left.
",
        cli::options(FLAGS)
    )
}

/// Runs the capture with `args` (after the command name); `cmd` names it in messages.
pub fn main(cmd: &str, args: Vec<OsString>) -> u8 {
    crate::error::status(cmd, run(cmd, args))
}

fn parse_args(cmd: &str, args: Vec<OsString>) -> Result<Option<(Output, bool)>, Error> {
    let usage = |e: lexopt::Error| Error::usage(format!("{e} (see `{cmd} --help`)"));
    let mut out = None;
    let mut all_netns = true;
    let mut p = lexopt::Parser::from_args(args);
    while let Some(arg) = p.next().map_err(usage)? {
        match cli::find(FLAGS, &arg) {
            Some(Opt::Output) => {
                let v = p.value().map_err(usage)?;
                out = Some(if v == "-" { Output::Stdout } else { Output::File(v.into()) });
            }
            Some(Opt::Netns) => {
                all_netns = match p.value().map_err(usage)?.to_str() {
                    Some("all") => true,
                    Some("self") => false,
                    _ => return Err(Error::usage(format!("--netns takes all or self (see `{cmd} --help`)"))),
                };
            }
            Some(Opt::Help) => {
                print!("{}", help(cmd));
                return Ok(None);
            }
            None => return Err(usage(arg.unexpected())),
        }
    }
    Ok(Some((out.unwrap_or(Output::File(PathBuf::new())), all_netns)))
}

fn run(cmd: &str, args: Vec<OsString>) -> Result<(), Error> {
    let Some((output, all_netns)) = parse_args(cmd, args)? else { return Ok(()) };
    let started = Instant::now();
    let start = Utc::now();
    let host = host::facts();

    let interrupts = Interrupts::install()?;
    let default_name = || {
        let name = host.hostname.as_deref().map_or("host".into(), host::file_safe);
        format!("{name}-{}.procsnap.tar.gz", start.compact())
    };
    let sink = Sink::open(&output, default_name, &interrupts)?;
    let dest = sink.name();
    let file = sink.file.try_clone().map_err(|e| Error::output(format!("cannot write {dest}: {e}")))?;
    let to_stdout = sink.target.is_none();
    let o = capture(file, &dest, to_stdout, start, started, host, all_netns, &interrupts.stop)?;
    sink.commit(&o.file)?;
    drop(interrupts);

    eprintln!(
        "procsnap: {} rows, {} TIME_WAIT, {} read, {} written to {dest} in {} ms",
        o.rows,
        o.time_wait,
        human(o.bytes_read),
        human(o.written),
        started.elapsed().as_millis()
    );
    let others = o.namespaces.iter().filter(|n| !n.host).count();
    if others > 0 {
        let vanished = o.namespaces.iter().filter(|n| n.vanished).count();
        eprintln!(
            "procsnap: {others} other network namespaces (containers, pods): {} rows, {} TIME_WAIT{}",
            o.ns_rows,
            o.ns_time_wait,
            if vanished > 0 {
                format!("; {vanished} vanished (their processes exited before their tables were read)")
            } else {
                String::new()
            }
        );
    }
    if all_netns && o.uid != Some(0) {
        eprintln!(
            "procsnap: note: not root: only the network namespaces of this user's processes were \
             captured (normally just its own); run as root on the node to see every container's"
        );
    }
    if let Some(h) = &o.hidepid {
        eprintln!(
            "procsnap: note: /proc is mounted with hidepid={h}: only {} processes were visible to \
             this user, so sockets of the others will show no owner; run as root for complete owners",
            o.walk.pids_seen
        );
    } else if o.uid != Some(0) && o.walk.pids_unreadable > 0 {
        eprintln!(
            "procsnap: warning: not root: {} of {} processes could not be read, so their sockets \
             will show no owner; run as root for complete owners",
            o.walk.pids_unreadable, o.walk.pids_seen
        );
    }
    Ok(())
}

struct Outcome {
    file: std::fs::File,
    written: u64,
    bytes_read: u64,
    rows: u64,
    time_wait: u64,
    uid: Option<u32>,
    hidepid: Option<String>,
    walk: WalkStats,
    namespaces: Vec<procsnap_core::manifest::NetnsRecord>,
    ns_rows: u64,
    ns_time_wait: u64,
}

#[allow(clippy::too_many_arguments)] // one call, from `run`: the capture's inputs as they are
fn capture(
    sink: std::fs::File,
    dest: &str,
    to_stdout: bool,
    start: Utc,
    started: Instant,
    host: procsnap_core::manifest::HostFacts,
    all_netns: bool,
    stop: &AtomicUsize,
) -> Result<Outcome, Error> {
    let (tx, rx) = mpsc::sync_channel::<archive::Msg>(IN_FLIGHT);
    let (recycle_tx, recycle_rx) = mpsc::channel::<Vec<u8>>();
    let writer = thread::Builder::new()
        .name("writer".into())
        .spawn(move || archive::write_snapshot(sink, start.secs, rx, recycle_tx))
        .map_err(|e| Error::output(format!("cannot start the writer thread: {e}")))?;

    let mut c = Capturer::new(tx, recycle_rx, stop, started);
    c.all_netns = all_netns;
    let uid = host.uid;
    let hidepid = host.proc_hidepid.clone();
    let mut walk = WalkStats::default();
    let halt = c.capture_all(&mut walk).err();
    let finished = match halt {
        None => {
            let end = Utc::now();
            let manifest = Manifest {
                format: Some("procsnap".into()),
                format_version: procsnap_core::layout::FORMAT_VERSION,
                tool: Some(format!("procsnap {}", env!("CARGO_PKG_VERSION"))),
                host,
                capture: CaptureTimes {
                    start: Some(start.rfc3339()),
                    end: Some(end.rfc3339()),
                    duration_us: Some(started.elapsed().as_micros() as u64),
                },
                files: Vec::new(),
                walk: Some(walk.clone()),
                namespaces: c.namespaces.clone(),
                netns_scope: Some(if all_netns { "all" } else { "self" }.into()),
            };
            c.tx.send(archive::Msg::Finish(Box::new(manifest))).is_ok()
        }
        Some(_) => false,
    };
    let Capturer { tx, bytes_read, rows, time_wait, namespaces, ns_rows, ns_time_wait, .. } = c;
    // Closing the channel without `Finish` tells the writer to stop.
    drop(tx);
    let written = match writer.join() {
        Ok(r) => r,
        Err(_) => Err(io::Error::other("writer thread failed")),
    };
    match (halt, written) {
        (Some(Halt::Signal(sig)), _) => {
            let name = if sig == signal_hook::consts::SIGTERM as usize { "SIGTERM" } else { "SIGINT" };
            Err(Error::new(
                Kind::Interrupted(sig as u8),
                format!("interrupted by {name}; no snapshot written"),
            ))
        }
        (Some(Halt::Input(msg)), _) => Err(Error::input(msg)),
        (_, Err(e)) if e.kind() == ErrorKind::BrokenPipe && to_stdout => Err(Error::output(
            "stdout was closed before the snapshot was complete (the reader stopped early, e.g. \
             `| head`); what it received is not a usable snapshot",
        )),
        (_, Err(e)) => Err(Error::output(format!("cannot write {dest}: {e}"))),
        (_, Ok(Some((file, written)))) if finished => Ok(Outcome {
            file,
            written,
            bytes_read,
            rows,
            time_wait,
            uid,
            hidepid,
            walk,
            namespaces,
            ns_rows,
            ns_time_wait,
        }),
        _ => Err(Error::output("the writer stopped early")),
    }
}

/// Bytes for people: `812 B`, `19.6 MB`. Integer arithmetic: float formatting would add
/// kilobytes of code to the capture-only binary.
fn human(n: u64) -> String {
    let (unit, div, places) = match n {
        0..1_000 => return format!("{n} B"),
        1_000..1_000_000 => ("kB", 1_000, 10),
        1_000_000..1_000_000_000 => ("MB", 1_000_000, 10),
        _ => ("GB", 1_000_000_000, 100),
    };
    // One decimal (two for GB), rounded half up.
    let v = (u128::from(n) * places + div / 2) / div;
    let width = if places == 10 { 1 } else { 2 };
    format!("{}.{:0width$} {unit}", v / places, v % places)
}

#[cfg(test)]
mod tests {
    #[test]
    fn human_bytes() {
        assert_eq!(super::human(812), "812 B");
        assert_eq!(super::human(19_649_000), "19.6 MB");
        assert_eq!(super::human(1_950), "2.0 kB");
        assert_eq!(super::human(2_500_000_000), "2.50 GB");
        assert_eq!(super::human(1_005_000_000), "1.01 GB");
    }
}
