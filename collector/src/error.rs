//! One error type for both subcommands: what a person reads, and the exit status it maps to.

/// Exit statuses, documented in the README and in each subcommand's `--help`.
pub mod exit {
    /// Success.
    pub const OK: u8 = 0;
    /// Bad command line.
    pub const USAGE: u8 = 2;
    /// The input could not be read (report: missing file, permission; collect: /proc).
    pub const INPUT: u8 = 3;
    /// The input was read but is not a snapshot procsnap can decode (bad format, limits, newer version).
    pub const FORMAT: u8 = 4;
    /// Writing the output failed (collect: output file or stdout; report: stdout).
    pub const OUTPUT: u8 = 5;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Usage,
    Input,
    Format,
    Output,
    /// Stopped by this signal (SIGINT, SIGTERM): exit 128 + signal, as shells report it.
    Interrupted(u8),
}

#[derive(Debug)]
pub struct Error {
    pub kind: Kind,
    /// One line for stderr, without the program prefix; empty when already reported.
    pub msg: String,
}

impl Error {
    pub fn new(kind: Kind, msg: impl Into<String>) -> Error {
        Error { kind, msg: msg.into() }
    }
    pub fn usage(msg: impl Into<String>) -> Error {
        Error::new(Kind::Usage, msg)
    }
    pub fn input(msg: impl Into<String>) -> Error {
        Error::new(Kind::Input, msg)
    }
    pub fn format(msg: impl Into<String>) -> Error {
        Error::new(Kind::Format, msg)
    }
    pub fn output(msg: impl Into<String>) -> Error {
        Error::new(Kind::Output, msg)
    }

    pub fn exit_code(&self) -> u8 {
        match self.kind {
            Kind::Usage => exit::USAGE,
            Kind::Input => exit::INPUT,
            Kind::Format => exit::FORMAT,
            Kind::Output => exit::OUTPUT,
            Kind::Interrupted(sig) => 128 + sig,
        }
    }

    /// Prints the message as `PREFIX: msg` and returns the exit status.
    pub fn report(&self, prefix: &str) -> u8 {
        if !self.msg.is_empty() {
            eprintln!("{prefix}: {}", self.msg);
        }
        self.exit_code()
    }
}

/// A subcommand's result: `Ok` is exit 0.
pub fn status(prefix: &str, r: Result<(), Error>) -> u8 {
    match r {
        Ok(()) => exit::OK,
        Err(e) => e.report(prefix),
    }
}

/// A subcommand's parsed arguments: `Ok(None)` (asked for `--help`) prints `help` and stops;
/// a parse error becomes a usage error pointing at `procsnap COMMAND --help`.
pub fn parsed<A>(
    command: &str,
    r: Result<Option<A>, String>,
    help: fn() -> String,
) -> Result<Option<A>, Error> {
    match r {
        Ok(Some(a)) => Ok(Some(a)),
        Ok(None) => {
            print!("{}", help());
            Ok(None)
        }
        Err(e) => Err(Error::usage(format!("{e} (see `procsnap {command} --help`)"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes() {
        assert_eq!(Error::usage("x").exit_code(), 2);
        assert_eq!(Error::input("x").exit_code(), 3);
        assert_eq!(Error::format("x").exit_code(), 4);
        assert_eq!(Error::output("x").exit_code(), 5);
        assert_eq!(Error::new(Kind::Interrupted(15), "x").exit_code(), 143);
    }
}
