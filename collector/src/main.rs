//! `procsnap`: the command-line front. It only dispatches to `collect` (capture /proc into a
//! snapshot), `report` (decode a snapshot with `procsnap-core` and print it), `diff` (two
//! snapshots compared) and `export` (socket rows for DuckDB and other engines).

use std::process::ExitCode;

use procsnap_cli::{collect, diff, exit, report};

const USAGE: &str = "\
procsnap — capture and explain the socket state that `netstat -nlp` reads

USAGE:
    procsnap collect [-o FILE | -o -]
    procsnap report SNAPSHOT [--format text|json|netstat|link]
    procsnap diff OLD NEW [--format text|json] [--netns INODE]
    procsnap export SNAPSHOT... --format parquet|ndjson|csv -o FILE [--table sockets|listeners]
    procsnap help | --help | --version

Run `procsnap COMMAND --help` for details.
";

fn main() -> ExitCode {
    let mut args = std::env::args_os().skip(1);
    let Some(cmd) = args.next() else {
        eprint!("{USAGE}");
        return ExitCode::from(exit::USAGE);
    };
    let rest: Vec<_> = args.collect();
    let code = match cmd.to_str() {
        Some("collect") => collect::main("procsnap collect", rest),
        Some("report") => report::main(rest),
        Some("diff") => diff::main(rest),
        #[cfg(feature = "export")]
        Some("export") => procsnap_cli::export::main(rest),
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
                "procsnap: unknown command {:?}; expected `collect`, `report`, `diff` or `export` (see `procsnap --help`)",
                cmd
            );
            exit::USAGE
        }
    };
    ExitCode::from(code)
}
