//! Print the share link of the built-in example (used to pin `tests/fixtures/link-v1.txt` and to
//! report the example's link size): cargo run -p procsnap-core --example make_link
fn main() {
    let bytes = procsnap_core::synth::seed_story(&procsnap_core::synth::SeedStory {
        server_time_wait: 3000,
        client_time_wait: 500,
        established: 50,
        seed: 5,
    });
    let report = procsnap_core::Session::open(&bytes, &Default::default(), &mut |_| true)
        .expect("example decodes")
        .into_report();
    let redaction = match std::env::args().nth(1).as_deref() {
        Some(list) => procsnap_core::share::Redaction::parse(list).expect("redaction list"),
        None => Default::default(),
    };
    println!("{}", procsnap_core::share::link("", &report, redaction));
}
