//! The release binaries of scripts/release.sh (dist-release/): the aarch64 capture-only binary
//! runs under qemu-user against this machine's live /proc, and its snapshot's report equals the
//! live `netstat -nlp` and the x86_64 binary's report on the same sockets. CI runs
//! scripts/release.sh before the tests; elsewhere a missing build is a skip.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use support::*;

fn dist(name: &str) -> Option<PathBuf> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../dist-release").join(name);
    p.is_file().then_some(p)
}

fn qemu() -> Option<&'static str> {
    ["qemu-aarch64-static", "qemu-aarch64"]
        .into_iter()
        .find(|q| Command::new(q).arg("--version").output().is_ok_and(|o| o.status.success()))
}

#[test]
fn aarch64_capture_under_qemu_equals_live_netstat_and_the_x86_64_capture() {
    let (Some(arm), Some(x86)) = (dist("procsnap-collect-aarch64"), dist("procsnap-collect-x86_64")) else {
        skip("no dist-release/procsnap-collect-{aarch64,x86_64}: run scripts/release.sh");
        return;
    };
    let Some(qemu) = qemu() else {
        skip("no qemu-aarch64-static (Debian: qemu-user-static)");
        return;
    };
    let arch = Command::new(qemu).arg(&arm).arg("--version").output().unwrap();
    assert!(arch.status.success(), "{}", String::from_utf8_lossy(&arch.stderr));
    matches_live_all(
        "cross",
        &[
            &|snap: &Path| Command::new(qemu).arg(&arm).arg("-o").arg(snap).output().unwrap(),
            &|snap: &Path| Command::new(&x86).arg("-o").arg(snap).output().unwrap(),
        ],
    );
    // The snapshot says where it was taken: the aarch64 build (under emulation) says aarch64.
    let dir = Scratch::new("cross-arch");
    let snap = dir.path().join("a.tar.gz");
    let out = Command::new(qemu).arg(&arm).arg("-o").arg(&snap).output().unwrap();
    assert!(out.status.success());
    let entries = read_archive(&std::fs::read(&snap).unwrap());
    let m = check_snapshot(&entries);
    assert_eq!(m.host.arch.as_deref(), Some("aarch64"));
    assert_eq!(m.host.byte_order.as_deref(), Some("little"));
}

#[test]
fn release_binaries_have_their_sizes_and_sums() {
    let Some(sums) = dist("SHA256SUMS") else {
        skip("no dist-release/SHA256SUMS: run scripts/release.sh");
        return;
    };
    let sums = std::fs::read_to_string(sums).unwrap();
    for name in ["procsnap-collect-x86_64", "procsnap-collect-aarch64", "procsnap-x86_64", "procsnap-aarch64"]
    {
        let line =
            sums.lines().find(|l| l.ends_with(&format!("  {name}"))).unwrap_or_else(|| panic!("{name}"));
        let file = std::fs::read(dist(name).unwrap()).unwrap();
        let hex: String = sha2::Digest::finalize(<sha2::Sha256 as sha2::Digest>::new_with_prefix(&file))
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(&line[..64], hex, "{name}");
    }
    let tiny = std::fs::metadata(dist("procsnap-collect-x86_64").unwrap()).unwrap().len();
    assert!(tiny <= 400 * 1024, "procsnap-collect-x86_64 is {tiny} bytes, over 400 KiB");
}
