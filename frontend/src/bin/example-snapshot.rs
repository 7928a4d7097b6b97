//! Writes the built-in example snapshot (the seed story from `procsnap_core::synth`) to a file,
//! so the browser tests can upload the same bytes the example button decodes.
//!
//!     cargo run -p procsnap-viewer --bin example-snapshot -- OUT.procsnap.tar.gz [TIME_WAIT]
//!
//! With TIME_WAIT, the web server on :81 has that many TIME_WAIT sockets instead of 92,000
//! (e.g. 1000000 for the large-snapshot test).
//!
//! A native tool: in wasm (where `cargo build --target wasm32-unknown-unknown` builds every bin)
//! it does nothing, since core there has no deflate.
#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    let mut args = std::env::args().skip(1);
    let Some(out) = args.next() else {
        eprintln!("usage: example-snapshot OUT.procsnap.tar.gz [TIME_WAIT]");
        std::process::exit(2);
    };
    let mut story = procsnap_core::synth::SeedStory::default();
    if let Some(n) = args.next() {
        match n.parse() {
            Ok(n) => story.server_time_wait = n,
            Err(_) => {
                eprintln!("example-snapshot: TIME_WAIT must be a number, not {n:?}");
                std::process::exit(2);
            }
        }
    }
    let bytes = procsnap_core::synth::seed_story(&story);
    if let Err(e) = std::fs::write(&out, bytes) {
        eprintln!("example-snapshot: cannot write {out}: {e}");
        std::process::exit(1);
    }
}
