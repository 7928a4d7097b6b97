//! `procsnap-collect`: the capture alone (`procsnap collect` without the decoder), for putting
//! on a server: `procsnap-collect [collect] [-o FILE | -o -]`.

use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args: Vec<_> = std::env::args_os().skip(1).collect();
    // `procsnap-collect collect …` works too, so scripts can swap the two binaries.
    if args.first().is_some_and(|a| a == "collect") {
        args.remove(0);
    }
    if args.first().is_some_and(|a| a == "--version" || a == "-V") {
        println!("procsnap-collect {}", env!("CARGO_PKG_VERSION"));
        return ExitCode::SUCCESS;
    }
    ExitCode::from(procsnap_cli::collect::main("procsnap-collect", args))
}
