//! `procsnap collect`: capture /proc into a snapshot (format v1). Being written.

pub fn main(_args: Vec<std::ffi::OsString>) -> u8 {
    eprintln!("procsnap collect: not built yet");
    1
}
