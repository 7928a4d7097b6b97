//! `procsnap diff OLD NEW [--format text|json] [--netns INODE]`: what changed between two
//! snapshots. The comparison is core's (`procsnap_core::diff`, the viewer's too); this is flags
//! and files.

use std::ffi::OsString;
use std::io::{self, Write};
use std::path::PathBuf;

use procsnap_core::DecodeOptions;
use procsnap_core::diff::Sources;

use crate::cli::{self, Flag};
use crate::error::{self, Error};

#[derive(Clone, Copy)]
enum Opt {
    Format,
    Netns,
    MaxBytes,
    Help,
}

const FLAGS: &[Flag<Opt>] = &[
    Flag {
        kind: Opt::Format,
        short: Some('f'),
        long: "format",
        value: Some("text|json"),
        help: "text (default): each changed listener with its port and owner, then
               TIME_WAIT, namespaces and sysctls; json: all of it (docs/fleet.md)",
    },
    Flag {
        kind: Opt::Netns,
        short: None,
        long: "netns",
        value: Some("INODE"),
        help: "compare this network namespace (the inode of net:[INODE])",
    },
    Flag {
        kind: Opt::MaxBytes,
        short: None,
        long: "max-bytes",
        value: Some("N"),
        help: "refuse archives that unpack to more than N bytes (default 1.5 GiB)",
    },
    Flag { kind: Opt::Help, short: Some('h'), long: "help", value: None, help: "this help" },
];

fn help() -> String {
    format!(
        "procsnap diff — what changed between two snapshots

USAGE:
    procsnap diff OLD NEW [--format text|json] [--netns INODE]

OLD and NEW are anything `procsnap report` reads (a snapshot, a directory, a bare table, - for
standard input once, or a share link). Listeners are matched by protocol, address and port: the
diff lists those that appeared, went, or changed owner (pid, program, uid). TIME_WAIT count,
close rate and its breakdowns by local port and remote address come old vs new (from each
report's top 20: a count shown as ≤N was not in that list), then namespaces that appeared or
went, sysctls that changed, and the time between the captures.

OPTIONS:
{}
EXIT CODES:
    0 success, 2 bad usage, 3 cannot read an input, 4 not a snapshot procsnap can decode,
    5 cannot write the output
",
        cli::options(FLAGS)
    )
}

struct Args {
    old: PathBuf,
    new: PathBuf,
    json: bool,
    netns: Option<u64>,
    options: DecodeOptions,
}

fn parse_args(args: Vec<OsString>) -> Result<Option<Args>, String> {
    let mut p = lexopt::Parser::from_args(args);
    let mut paths = Vec::new();
    let mut json = false;
    let mut netns = None;
    let mut options = DecodeOptions::default();
    while let Some(arg) = p.next().map_err(|e| e.to_string())? {
        let Some(opt) = cli::find(FLAGS, &arg) else {
            match arg {
                lexopt::Arg::Value(v) if paths.len() < 2 => paths.push(PathBuf::from(v)),
                other => return Err(other.unexpected().to_string()),
            }
            continue;
        };
        if let Opt::Help = opt {
            return Ok(None);
        }
        let v = cli::utf8(p.value().map_err(|e| e.to_string())?, "value")?;
        match opt {
            Opt::Help => unreachable!("handled above"),
            Opt::Format => {
                json = match v.as_str() {
                    "text" => false,
                    "json" => true,
                    other => return Err(format!("unknown format {other:?}; use text or json")),
                }
            }
            Opt::Netns => {
                let digits = v.strip_prefix("net:[").and_then(|x| x.strip_suffix(']')).unwrap_or(&v);
                netns =
                    Some(digits.parse().map_err(|_| format!("--netns takes an inode number, not {v:?}"))?);
            }
            Opt::MaxBytes => {
                options.limits.max_total_bytes =
                    v.parse().map_err(|_| "--max-bytes takes a number of bytes")?;
            }
        }
    }
    let mut paths = paths.into_iter();
    match (paths.next(), paths.next()) {
        (Some(old), Some(new)) => {
            if old.as_os_str() == "-" && new.as_os_str() == "-" {
                return Err("only one of OLD and NEW can be - (standard input)".into());
            }
            Ok(Some(Args { old, new, json, netns, options }))
        }
        _ => Err("missing OLD and NEW (two snapshots)".into()),
    }
}

pub fn main(args: Vec<OsString>) -> u8 {
    error::status("procsnap diff", run(args))
}

fn run(args: Vec<OsString>) -> Result<(), Error> {
    let Some(args) = error::parsed("diff", parse_args(args), help)? else { return Ok(()) };
    // The diff shows no file list: hashes are `procsnap report`'s to check.
    let options = DecodeOptions { skip_hashes: true, ..args.options.clone() };
    let mut old = crate::report::open(&args.old, &options)?;
    let mut new = crate::report::open(&args.new, &options)?;
    let (o, n) = (source_name(&args.old), source_name(&args.new));
    for (name, s) in [(&o, &mut old), (&n, &mut new)] {
        s.set_netns(args.netns).map_err(|e| Error::usage(format!("{name}: {e}")))?;
    }
    let d = procsnap_core::session::diff(&old, &new, Sources { old: &o, new: &n });
    let mut out =
        if args.json { procsnap_core::render::diff_json(&d) } else { procsnap_core::render::diff_text(&d) };
    if args.json {
        out.push('\n');
    }
    let mut stdout = io::stdout().lock();
    match stdout.write_all(out.as_bytes()).and_then(|_| stdout.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(Error::output(format!("cannot write the output: {e}"))),
    }
}

/// A snapshot's name in the output: its file name (a link is named by its start).
pub fn source_name(path: &std::path::Path) -> String {
    if !path.exists() && procsnap_core::session::looks_like_link(&path.to_string_lossy()) {
        return "share link".into();
    }
    path.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_else(|| path.display().to_string())
}
