//! Parsers for the files a snapshot holds, one module per /proc file, over bytes. A malformed row
//! is reported as a [`crate::Diagnostic`] and the rest of the file is still parsed, as netstat
//! does. The socket-row fast paths are hand-written fixed-offset loops (the benchmark shows they
//! pay); the general row parser and the small files use `nom` combinators ([`lex`]).

pub mod cgroup;
pub mod fdlink;
pub mod inet;
pub mod inet_rows;
pub mod lex;
pub mod process;
pub mod sockstat;
pub mod stream;
pub mod sysctl;
pub mod unix;
