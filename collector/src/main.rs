//! `procsnap`: the command-line front. It only parses flags and wires `collect` (capture /proc
//! into a snapshot) and `report` (decode a snapshot with `procsnap-core` and print it).

mod collect;
mod report;

use std::process::ExitCode;

/// Exit codes, documented in the README.
pub mod exit {
    /// Success.
    pub const OK: u8 = 0;
    /// Bad command line.
    pub const USAGE: u8 = 2;
    /// The input could not be read (missing file, permission, I/O error).
    pub const INPUT: u8 = 3;
    /// The input was read but is not a snapshot procsnap can decode (bad format, limits, newer version).
    pub const FORMAT: u8 = 4;
    /// Writing the output failed (collect: output file; report: stdout).
    pub const OUTPUT: u8 = 5;
}

const USAGE: &str = "\
procsnap — capture and explain the socket state that `netstat -nlp` reads

USAGE:
    procsnap collect [-o FILE | -o -]
    procsnap report SNAPSHOT [--format text|json|netstat|link]
    procsnap help | --help | --version

Run `procsnap collect --help` or `procsnap report --help` for details.
";

fn main() -> ExitCode {
    let mut args = std::env::args_os().skip(1);
    let Some(cmd) = args.next() else {
        eprint!("{USAGE}");
        return ExitCode::from(exit::USAGE);
    };
    let rest: Vec<_> = args.collect();
    let code = match cmd.to_str() {
        Some("collect") => collect::main(rest),
        Some("report") => report::main(rest),
        Some("help" | "--help" | "-h") => {
            print!("{USAGE}");
            exit::OK
        }
        Some("--version" | "-V") => {
            println!("procsnap {}", env!("CARGO_PKG_VERSION"));
            exit::OK
        }
        _ => {
            eprintln!(
                "procsnap: unknown command {:?}; expected `collect` or `report` (see `procsnap --help`)",
                cmd
            );
            exit::USAGE
        }
    };
    ExitCode::from(code)
}
