//! `/proc/PID/cmdline`, `/proc/PID/comm` and the `Uid:` line of `/proc/PID/status`.

use serde::{Deserialize, Serialize};

use crate::raw_text::RawText;

/// A process that holds at least one socket.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Process {
    pub pid: u32,
    /// Raw `cmdline` bytes; `None` when the snapshot has no cmdline for this pid.
    pub cmdline: Option<RawText>,
    pub comm: Option<RawText>,
    pub uid: Option<u32>,
    /// Socket fds in ascending fd order: (fd, link target).
    pub fds: Vec<(u32, RawText)>,
    /// The network namespace (`proc/PID/ns/net`), when the snapshot records it.
    #[serde(default)]
    pub netns: Option<u64>,
    /// The container its cgroup names.
    #[serde(default)]
    pub container: Option<crate::proc::cgroup::ContainerId>,
}

/// Arguments of a `cmdline` file (NUL-separated, usually NUL-terminated).
pub fn cmdline_args(data: &[u8]) -> Vec<RawText> {
    let body = data.strip_suffix(b"\0").unwrap_or(data);
    if body.is_empty() {
        return Vec::new();
    }
    body.split(|&b| b == 0).map(|a| RawText(a.to_vec())).collect()
}

/// The program name netstat shows for a process (`prg_cache_load`): it reads at most 511 bytes
/// of `cmdline`, takes argv\[0\] as a C string, and keeps what follows the last `/` only when
/// argv\[0\] starts with `/`.
pub fn netstat_program_name(cmdline: &[u8]) -> &[u8] {
    let buf = &cmdline[..cmdline.len().min(511)];
    let argv0 = match buf.iter().position(|&b| b == 0) {
        Some(n) => &buf[..n],
        None => buf,
    };
    if argv0.first() == Some(&b'/') {
        let last = argv0.iter().rposition(|&b| b == b'/').unwrap_or(0);
        &argv0[last + 1..]
    } else {
        argv0
    }
}

/// `comm` without its trailing newline.
pub fn comm(data: &[u8]) -> RawText {
    RawText(data.strip_suffix(b"\n").unwrap_or(data).to_vec())
}

/// The real uid from the `Uid:` line of `status` (`Uid:\treal\teffective\tsaved\tfs`).
pub fn status_uid(data: &[u8]) -> Option<u32> {
    parse_status_uid(data).ok()
}

/// Why `status` gave no uid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusError {
    /// No line starts with `Uid:`.
    NoUidLine,
    /// The `Uid:` line (1-based number) has no decimal real uid that fits 32 bits.
    BadUid { line: u32 },
}

/// [`status_uid`] with the reason it failed.
pub fn parse_status_uid(data: &[u8]) -> Result<u32, StatusError> {
    use nom::Parser;
    use nom::bytes::complete::{tag, take_while, take_while1};
    use nom::character::complete::u32 as dec_u32;
    use nom::combinator::{eof, peek};
    use nom::sequence::{preceded, terminated};
    let (no, line) =
        super::lex::lines(data).find(|(_, l)| l.starts_with(b"Uid:")).ok_or(StatusError::NoUidLine)?;
    let blank = take_while(|b: u8| b.is_ascii_whitespace());
    // The value is a whole word: "1000x" is not a uid.
    let word_end = peek(nom::branch::alt((eof, take_while1(|b: u8| b.is_ascii_whitespace()))));
    let mut uid = preceded((tag(&b"Uid:"[..]), blank), terminated(dec_u32, word_end));
    uid.parse(line)
        .map(|(_, v)| v)
        .map_err(|_: nom::Err<nom::error::Error<&[u8]>>| StatusError::BadUid { line: no })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn program_names_as_netstat_computes_them() {
        assert_eq!(netstat_program_name(b"/usr/sbin/sshd\0-D\0"), b"sshd");
        assert_eq!(netstat_program_name(b"nginx: worker process\0\0"), b"nginx: worker process");
        assert_eq!(netstat_program_name(b"./bin/server\0"), b"./bin/server");
        assert_eq!(netstat_program_name(b"/usr/bin/"), b"");
        assert_eq!(netstat_program_name(b""), b"");
        let long = [b'a'; 600];
        assert_eq!(netstat_program_name(&long).len(), 511);
    }

    #[test]
    fn args_comm_and_uid() {
        let a = cmdline_args(b"/usr/sbin/sshd\0-D\0");
        assert_eq!(a.len(), 2);
        assert_eq!(a[1].0, b"-D");
        assert!(cmdline_args(b"").is_empty());
        assert_eq!(comm(b"sshd\n").0, b"sshd");
        let status = b"Name:\tsshd\nUmask:\t0022\nState:\tS (sleeping)\nUid:\t1000\t1000\t1000\t1000\nGid:\t0\t0\t0\t0\n";
        assert_eq!(status_uid(status), Some(1000));
        assert_eq!(status_uid(b"Name:\tx\n"), None);
        assert_eq!(parse_status_uid(b"Name:\tx\n"), Err(StatusError::NoUidLine));
        assert_eq!(parse_status_uid(b"Name:\tx\nUid:\t10x\t0\n"), Err(StatusError::BadUid { line: 2 }));
        assert_eq!(parse_status_uid(b"Uid:\t4294967296\n"), Err(StatusError::BadUid { line: 1 }));
        assert_eq!(parse_status_uid(b"Uid:\t7"), Ok(7));
    }
}
