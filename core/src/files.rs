//! File integrity: the snapshot's files as the Files view lists them, with the SHA-256 of each
//! checked against the manifest's.

use serde::{Deserialize, Serialize};

use crate::layout::FileRole;
use crate::types::Diagnostic;

/// The diagnostic for a file whose bytes are not what the collector wrote.
pub const HASH_DIFFERS: &str = "SHA-256 differs from the manifest: the file was changed after capture";

/// One archive entry as the Files view lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileInfo {
    pub path: String,
    pub kind: FileKind,
    pub size: u64,
    /// What the file is to procsnap.
    pub role: FileRole,
    /// SHA-256 of the bytes in the archive (files only; absent when hashing was skipped).
    pub sha256: Option<String>,
    /// SHA-256 the manifest records for it.
    pub manifest_sha256: Option<String>,
    /// Bytes of small files, for viewing.
    #[serde(skip)]
    pub content: Option<Vec<u8>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FileKind {
    File,
    Symlink,
    Dir,
    Other,
}

impl FileInfo {
    /// The hash was computed and differs from the manifest's.
    pub fn differs(&self) -> bool {
        matches!((&self.sha256, &self.manifest_sha256), (Some(a), Some(b)) if !a.eq_ignore_ascii_case(b))
    }
}

/// A diagnostic for every file whose hash differs from the manifest's.
pub fn mismatches(files: &[FileInfo]) -> impl Iterator<Item = Diagnostic> + '_ {
    files.iter().filter(|f| f.differs()).map(|f| Diagnostic::new(&f.path, 0, HASH_DIFFERS))
}

/// Record hashes computed later (`(path, hex)`, see `archive::hash_files`) for the files whose
/// SHA-256 the manifest records. Returns a diagnostic per file that differs.
pub fn record_hashes(files: &mut [FileInfo], hashes: &[(String, String)]) -> Vec<Diagnostic> {
    let mut differ = Vec::new();
    for f in files.iter_mut() {
        if f.manifest_sha256.is_none() {
            continue;
        }
        let Some((_, actual)) = hashes.iter().find(|(p, _)| *p == f.path) else { continue };
        f.sha256 = Some(actual.clone());
        if f.differs() {
            differ.push(Diagnostic::new(&f.path, 0, HASH_DIFFERS));
        }
    }
    differ
}
