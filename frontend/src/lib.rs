//! procsnap-viewer: the web viewer for procsnap snapshots.
//!
//! Two wasm binaries are built from this crate by Trunk: the page (`src/main.rs`, the [`app`])
//! and the decoding worker (`src/bin/worker.rs`, the [`agent`]). Everything the browser decodes
//! is decoded by `procsnap-core`, the same code as the CLI; this crate only moves bytes in and
//! shows the report out.

pub mod agent;
pub mod app;
pub mod components;
pub mod engine;
pub mod format;
pub mod loader;
pub mod protocol;
