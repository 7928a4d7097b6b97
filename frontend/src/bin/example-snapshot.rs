//! Writes the built-in example snapshot (the seed story from `procsnap_core::synth`) to a file,
//! so the browser tests can upload the same bytes the example button decodes.
//!
//!     cargo run -p procsnap-viewer --bin example-snapshot -- OUT.procsnap.tar.gz
fn main() {
    let Some(out) = std::env::args().nth(1) else {
        eprintln!("usage: example-snapshot OUT.procsnap.tar.gz");
        std::process::exit(2);
    };
    let bytes = procsnap_core::synth::seed_story(&procsnap_core::synth::SeedStory::default());
    if let Err(e) = std::fs::write(&out, bytes) {
        eprintln!("example-snapshot: cannot write {out}: {e}");
        std::process::exit(1);
    }
}
