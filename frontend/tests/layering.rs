//! The viewer's modules form layers, as core's do (core/tests/layering.rs, whose checker this
//! test shares): the wire types and formatting at the bottom; the page's state and the worker's
//! engine on them; the views, the page-side loader and the worker agent above; `app` wiring it
//! all on top. Views never reach worker-side code, and the worker side never sees page state.

use std::path::Path;

#[path = "../../core/tests/support/layers.rs"]
mod layers;
use layers::Layers;

const VIEWER: Layers = Layers {
    layers: &[
        ("format", 0),
        ("markup", 0),
        ("protocol", 0),
        ("state", 1),
        ("engine", 1),
        ("components", 2),
        ("loader", 2),
        ("agent", 2),
        ("app", 3),
    ],
    apart: &[
        ("engine", "state"),
        ("agent", "state"),
        ("agent", "loader"),
        ("components", "engine"),
        ("components", "agent"),
        ("components", "loader"),
        ("loader", "engine"),
        ("loader", "agent"),
        ("state", "engine"),
    ],
};

#[test]
fn viewer_imports_only_downward() {
    let wrong = VIEWER.violations(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    assert!(wrong.is_empty(), "imports against the layer order:\n{}", wrong.join("\n"));
}

#[test]
fn every_viewer_module_has_a_layer() {
    let declared = VIEWER.check_declared(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src/lib.rs"));
    assert_eq!(
        declared,
        VIEWER.layers.len(),
        "lib.rs declares a module the table does not list, or the reverse"
    );
}
