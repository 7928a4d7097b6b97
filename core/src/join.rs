//! The join: socket inode → every process and fd holding it, and netstat's owner among them.

use rustc_hash::FxHashMap as HashMap;

use serde::{Deserialize, Serialize};

use crate::proc::fdlink;
use crate::proc::process::{self, Process};

/// One holder of a socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Holder {
    pub pid: u32,
    pub fd: u32,
}

/// Socket inode → holders in ascending (pid, fd) order, the order of netstat's walk.
#[derive(Debug, Clone, Default)]
pub struct Owners {
    by_inode: HashMap<u64, Vec<Holder>>,
    /// netstat's owner per inode: the first holder whose cmdline it could read, and the program
    /// name it derives from that cmdline.
    netstat_owner: HashMap<u64, (u32, Vec<u8>)>,
}

/// netstat's field is `snprintf(buf, 20, "%s/%s", pid, name)`: at most 19 bytes.
const PROGNAME_WIDTH: usize = 20;

impl Owners {
    pub fn build(processes: &std::collections::BTreeMap<u32, Process>) -> Owners {
        let mut owners = Owners::default();
        // BTreeMap iteration is ascending pid; fds are sorted here.
        for p in processes.values() {
            let mut fds: Vec<_> =
                p.fds.iter().filter_map(|(fd, t)| Some((*fd, fdlink::socket_inode(t.as_bytes())?))).collect();
            crate::sort::sort(&mut fds);
            for (fd, inode) in fds {
                owners.by_inode.entry(inode).or_default().push(Holder { pid: p.pid, fd });
                // First seen wins, and only a process whose cmdline netstat could read counts.
                if let Some(cmdline) = &p.cmdline {
                    owners.netstat_owner.entry(inode).or_insert_with(|| {
                        (p.pid, process::netstat_program_name(cmdline.as_bytes()).to_vec())
                    });
                }
            }
        }
        owners
    }

    /// Every holder of the inode, lowest pid first.
    pub fn holders(&self, inode: u64) -> &[Holder] {
        if inode == 0 {
            return &[];
        }
        self.by_inode.get(&inode).map(Vec::as_slice).unwrap_or(&[])
    }

    /// What netstat prints in the `PID/Program name` column: `PID/name` or `-`.
    /// No special case for inode 0: netstat has none, so a (hostile) link naming inode 0 owns
    /// every inode-0 row in its output, and here too.
    pub fn netstat_field(&self, inode: u64) -> Vec<u8> {
        match self.netstat_owner(inode) {
            Some((pid, program)) => {
                let mut field = format!("{pid}/").into_bytes();
                field.extend_from_slice(program);
                field.truncate(PROGNAME_WIDTH - 1);
                field
            }
            None => b"-".to_vec(),
        }
    }

    /// The process netstat names as the owner and its full program name (netstat's column cuts
    /// it; see [`Owners::netstat_field`]).
    pub fn netstat_owner(&self, inode: u64) -> Option<(u32, &[u8])> {
        self.netstat_owner.get(&inode).map(|(pid, program)| (*pid, program.as_slice()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::raw_text::RawText;
    use std::collections::BTreeMap;

    fn proc_with(pid: u32, cmdline: Option<&[u8]>, fds: &[(u32, &str)]) -> Process {
        Process {
            pid,
            cmdline: cmdline.map(|c| RawText(c.to_vec())),
            comm: None,
            uid: None,
            fds: fds.iter().map(|(fd, t)| (*fd, RawText::from(*t))).collect(),
            ..Default::default()
        }
    }

    #[test]
    fn lowest_pid_then_fd_wins() {
        let mut m = BTreeMap::new();
        m.insert(900, proc_with(900, Some(b"/usr/sbin/httpd\0"), &[(3, "socket:[777]")]));
        m.insert(
            12,
            proc_with(12, Some(b"/usr/sbin/httpd-master\0"), &[(9, "socket:[777]"), (4, "[0000]:777")]),
        );
        let o = Owners::build(&m);
        assert_eq!(
            o.holders(777),
            &[Holder { pid: 12, fd: 4 }, Holder { pid: 12, fd: 9 }, Holder { pid: 900, fd: 3 }]
        );
        assert_eq!(o.netstat_field(777), b"12/httpd-master");
        assert_eq!(o.netstat_field(778), b"-");
    }

    #[test]
    fn field_is_cut_to_19_bytes_and_needs_a_cmdline() {
        let mut m = BTreeMap::new();
        m.insert(5, proc_with(5, None, &[(3, "socket:[1000]")]));
        m.insert(
            123456,
            proc_with(123456, Some("/opt/bin/ünïcödé-server\0".as_bytes()), &[(3, "socket:[1000]")]),
        );
        let o = Owners::build(&m);
        let f = o.netstat_field(1000);
        assert_eq!(f.len(), 19);
        assert!(f.starts_with(b"123456/"));
        assert_eq!(o.holders(1000).len(), 2);
    }
}
