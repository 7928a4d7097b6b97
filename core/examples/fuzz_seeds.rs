//! Write the seed corpora of the fuzz targets (fuzz/seeds/TARGET/*) from real captures and the
//! built-in example: cargo run -p procsnap-core --example fuzz_seeds -- fuzz/seeds
use std::io::Read;
use std::path::Path;

use base64::Engine;

fn put(dir: &Path, target: &str, name: &str, bytes: &[u8]) {
    let d = dir.join(target);
    std::fs::create_dir_all(&d).expect("create seed dir");
    std::fs::write(d.join(name), bytes).expect("write seed");
}

fn main() {
    let out = std::env::args().nth(1).unwrap_or_else(|| "fuzz/seeds".to_string());
    let out = Path::new(&out);
    let here = Path::new(env!("CARGO_MANIFEST_DIR"));
    let captured = here.join("tests/fixtures/captured");

    // The whole pipeline: a small example as .tar.gz and as .tar, and every bare capture.
    let gz = procsnap_core::synth::seed_story(&procsnap_core::synth::SeedStory {
        server_time_wait: 20,
        client_time_wait: 5,
        established: 3,
        seed: 7,
    });
    let mut tar = Vec::new();
    flate2::read::GzDecoder::new(&gz[..]).read_to_end(&mut tar).expect("example gunzips");
    put(out, "decode", "example.tar.gz", &gz);
    put(out, "decode", "example.tar", &tar);

    let mut manifest = None;
    let mut archive = tar::Archive::new(&tar[..]);
    for e in archive.entries().expect("example is a tar") {
        let mut e = e.expect("entry");
        if e.path_bytes().as_ref() == b"procsnap.json" {
            let mut m = Vec::new();
            e.read_to_end(&mut m).expect("manifest");
            manifest = Some(m);
        }
    }
    put(out, "manifest", "example.json", &manifest.expect("the example has a manifest"));
    put(out, "manifest", "minimal.json", br#"{"format":"procsnap","format_version":1}"#);

    for f in std::fs::read_dir(&captured).expect("captured fixtures") {
        let f = f.expect("entry").path();
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        let data = std::fs::read(&f).expect("fixture");
        put(out, "decode", &name, &data);
        let inet = ["tcp", "tcp6", "udp", "udp6", "udplite", "udplite6", "raw", "raw6"];
        if let Some(i) = inet.iter().position(|t| *t == name) {
            let mut seed = vec![i as u8];
            seed.extend_from_slice(&data);
            put(out, "inet_table", &name, &seed);
        } else if name == "unix" {
            put(out, "unix_table", &name, &data);
        } else if name.starts_with("sockstat") {
            put(out, "sockstat", &name, &data);
        }
    }

    for (name, data) in [
        ("socket", &b"socket:[12345]"[..]),
        ("pipe", b"pipe:[777]"),
        ("cmdline", b"/usr/sbin/sshd\0-D\0"),
        ("cmdline-spaces", b"nginx: worker process"),
        ("status", b"Name:\tsshd\nUmask:\t0022\nState:\tS (sleeping)\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\n"),
    ] {
        put(out, "fdlink", name, data);
    }

    // Links: the pinned v1 link as text (mode 0) and its payload (mode 1).
    let link = std::fs::read_to_string(here.join("tests/fixtures/link-v1.txt")).expect("link fixture");
    let mut seed = vec![0u8];
    seed.extend_from_slice(link.trim().as_bytes());
    put(out, "share_link", "link-v1.txt", &seed);
    let b64 = link.trim().rsplit_once('.').expect("VERSION.DATA").1;
    let z = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(b64).expect("base64url");
    let mut payload = vec![1u8];
    flate2::read::ZlibDecoder::new(&z[..]).read_to_end(&mut payload).expect("zlib");
    put(out, "share_link", "link-v1.payload", &payload);
}
