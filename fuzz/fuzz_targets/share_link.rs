//! Share links. Mode 0: the rest is link text as pasted. Otherwise the rest is the *payload*
//! (postcard bytes), wrapped in zlib and base64url so the fuzzer reaches the deserializer past
//! the checksum. Any link that opens must survive encode → decode, and re-encoding is stable.
#![no_main]

use std::io::Write;

use base64::Engine;
use libfuzzer_sys::fuzz_target;
use procsnap_core::share::{self, Redaction};

fn wrap(payload: &[u8]) -> String {
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
    z.write_all(payload).unwrap();
    let c = z.finish().unwrap();
    format!("#r=1.{}", base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(c))
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    let text = if mode == 0 { String::from_utf8_lossy(rest).into_owned() } else { wrap(rest) };
    let Ok(report) = share::decode(&text) else { return };
    let _ = procsnap_core::render::text(&report);
    let _ = procsnap_core::render::json(&report);
    let _ = procsnap_core::render::netstat(&report);
    for redaction in [Redaction::default(), Redaction::ALL] {
        let once = share::encode(&report, redaction);
        let r2 = share::decode(&once).expect("a re-encoded link opens");
        let twice = share::encode(&r2, redaction);
        let r3 = share::decode(&twice).expect("a twice re-encoded link opens");
        assert_eq!(share::encode(&r3, redaction), twice, "re-encoding is stable");
    }
});
