//! `procsnap.json`: the fuzz bytes are the manifest of a tar that also holds one small table, so
//! the decode goes past the manifest into what it steers (byte order, user_hz, page size, hashes).
#![no_main]

use libfuzzer_sys::fuzz_target;
use procsnap_core::manifest::Manifest;
use procsnap_core::{DecodeOptions, Error};

const TCP: &[u8] = b"  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1234 1 0000000000000000 100 0 0 10 0\n";

fn tar_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (path, data) in entries {
        let mut h = tar::Header::new_ustar();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_entry_type(tar::EntryType::Regular);
        b.append_data(&mut h, path, *data).unwrap();
    }
    b.into_inner().unwrap()
}

fuzz_target!(|data: &[u8]| {
    // core's own manifest reader against serde_json (the collector's writer): whatever it
    // accepts, serde_json reads the same. (The other direction is not asserted: core checks the
    // whole document is UTF-8, serde_json only what it decodes.)
    if let Ok(ours) = Manifest::from_json(data) {
        let theirs = serde_json::from_slice::<Manifest>(data);
        assert_eq!(theirs.as_ref().ok(), Some(&ours), "serde_json: {theirs:?}");
    }
    let tar = tar_of(&[("procsnap.json", data), ("proc/net/tcp", TCP)]);
    match procsnap_core::Session::open(&tar, &DecodeOptions::default(), &mut |_| true) {
        Ok(s) => {
            // A manifest that parses must leave the table readable.
            assert_eq!(s.snapshot().map(|s| s.inet.len()), Some(1));
            let _ = s.text();
            let _ = s.json();
        }
        Err(Error::BadManifest { .. } | Error::NewerFormat { .. }) => {}
        Err(e) => panic!("a manifest can only fail as a manifest, got {e:?}"),
    }
});
