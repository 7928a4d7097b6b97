//! Helpers shared by core's integration tests: open through the session API, build archives.
#![allow(dead_code)]

pub mod two_threads;

use std::io::Write;

use procsnap_core::{DecodeOptions, Entry, Error, Session, Snapshot};

/// Open bytes as every caller does.
pub fn decode(bytes: &[u8], options: &DecodeOptions) -> Result<Session, Error> {
    Session::open(bytes, options, &mut |_| true)
}

/// Open entries gathered by hand (as the CLI reads a directory).
pub fn decode_entries(entries: Vec<Entry<'_>>, options: &DecodeOptions) -> Result<Session, Error> {
    Session::open_entries(entries, options)
}

/// The model layer, for tests of what the snapshot holds.
pub fn decode_snapshot(bytes: &[u8], options: &DecodeOptions) -> Result<Snapshot, Error> {
    procsnap_core::snapshot::decode(bytes, options, &mut |_| true)
}

pub fn decode_snapshot_entries(entries: Vec<Entry<'_>>, options: &DecodeOptions) -> Result<Snapshot, Error> {
    Snapshot::from_entries(procsnap_core::Container::Directory, entries, options, &mut |_| true)
}

pub fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(bytes), &mut out).unwrap();
    out
}

pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

/// A plain tar of regular files; names go in as given, hostile ones (`../x`) included.
pub fn tar_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (path, data) in entries {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_entry_type(tar::EntryType::Regular);
        if path.len() < 100 {
            // Written by hand: the tar crate refuses to write hostile names such as `../x`.
            h.as_old_mut().name[..path.len()].copy_from_slice(path.as_bytes());
            h.set_cksum();
            b.append(&h, *data).unwrap();
        } else {
            b.append_data(&mut h, path, *data).unwrap();
        }
    }
    b.into_inner().unwrap()
}

/// A tar.gz of regular files, compressed at `level`.
pub fn tar_gz_at(files: &[(&str, &[u8])], level: flate2::Compression) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), level);
    e.write_all(&tar_of(files)).unwrap();
    e.finish().unwrap()
}

pub fn tar_gz(files: &[(&str, &[u8])]) -> Vec<u8> {
    tar_gz_at(files, flate2::Compression::fast())
}
