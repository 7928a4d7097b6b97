//! fd link targets (`socket:[123]`) and the per-process files: cmdline, comm, status.
#![no_main]

use libfuzzer_sys::fuzz_target;
use procsnap_core::proc;

fuzz_target!(|data: &[u8]| {
    let _ = proc::fdlink::socket_inode(data);
    let args = proc::process::cmdline_args(data);
    assert!(args.len() <= data.len() + 1);
    let name = proc::process::netstat_program_name(data);
    assert!(name.len() <= data.len());
    let _ = proc::process::comm(data);
    let _ = proc::process::status_uid(data);
});
