//! collect → report equals the live `netstat -nlp` taken at the same moment, byte for byte, for
//! the binary and for the POSIX-sh fallback collector.

mod support;

use std::process::Command;

use support::*;

#[test]
fn collect_then_report_equals_live_netstat() {
    matches_live("vs-netstat", |snap| Command::new(BIN).args(["collect", "-o"]).arg(snap).output().unwrap());
}

#[test]
fn fallback_script_then_report_equals_live_netstat() {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/procsnap-collect.sh");
    matches_live("vs-netstat-sh", |snap| {
        Command::new("sh").arg(script).arg("-o").arg(snap).output().unwrap()
    });
}

#[test]
fn capture_only_binary_then_report_equals_live_netstat() {
    matches_live("vs-netstat-tiny", |snap| Command::new(COLLECT_BIN).arg("-o").arg(snap).output().unwrap());
}

/// A directory whose only entries are busybox's applets: the whole userland of a small host.
fn busybox_path(dir: &std::path::Path) -> Option<std::path::PathBuf> {
    let bb = ["/usr/bin/busybox", "/bin/busybox"].into_iter().find(|p| std::path::Path::new(p).exists())?;
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let ok = Command::new(bb).arg("--install").arg("-s").arg(&bin).status().unwrap().success();
    assert!(ok, "busybox --install -s failed");
    // The install links point at busybox by absolute path, outside the directory: fine, it is
    // static; what matters is that no other program is reachable through PATH.
    Some(bin)
}

#[test]
fn fallback_under_busybox_sh_with_only_busybox_applets_equals_live_netstat() {
    let tools = Scratch::new("busybox");
    let Some(bin) = busybox_path(tools.path()) else {
        skip("busybox not installed (Debian: busybox-static)");
        return;
    };
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/procsnap-collect.sh");
    matches_live("vs-netstat-busybox", |snap| {
        let out = Command::new(bin.join("sh"))
            .arg(script)
            .arg("-o")
            .arg(snap)
            .env_clear()
            .env("PATH", &bin)
            .output();
        out.unwrap()
    });
}

#[test]
fn fallback_under_dash_equals_live_netstat() {
    let Some(dash) = ["/usr/bin/dash", "/bin/dash"].into_iter().find(|p| std::path::Path::new(p).exists())
    else {
        skip("dash not installed");
        return;
    };
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/procsnap-collect.sh");
    matches_live("vs-netstat-dash", |snap| {
        Command::new(dash).arg(script).arg("-o").arg(snap).output().unwrap()
    });
    // dash with busybox's applets as the only tools, as on a small host that ships dash.
    let tools = Scratch::new("dash-busybox");
    if let Some(bin) = busybox_path(tools.path()) {
        matches_live("vs-netstat-dash-bb", |snap| {
            Command::new(dash).arg(script).arg("-o").arg(snap).env_clear().env("PATH", &bin).output().unwrap()
        });
    }
}
