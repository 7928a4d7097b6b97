//! procsnap-viewer: the web viewer for procsnap snapshots.
//!
//! One wasm module is built from this crate by Trunk (`src/main.rs`): in the page it renders the
//! [`app`], in the decoding worker it registers the [`agent`]. Everything the browser decodes
//! is decoded by `procsnap-core`, the same code as the CLI; this crate only moves bytes in and
//! shows the report out.

pub mod agent;
pub mod app;
pub mod components;
pub mod engine;
pub mod format;
pub mod loader;
pub mod markup;
pub mod protocol;
pub mod state;
