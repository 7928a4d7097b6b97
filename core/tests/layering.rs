//! The crate's modules form layers, each importing only from those below it (or its own
//! layer's siblings where they are one concern, like the parsers of `proc`). This test reads
//! every `crate::` path in core's sources, outside unit-test modules, and fails on one that
//! points upward: the graph stays one-way as the code grows.

use std::path::Path;

#[path = "support/layers.rs"]
mod layers;
use layers::{Layers, crate_uses};

/// Layer of each top-level module, lowest first. A module may use its own layer and below,
/// except that the two input modules (`archive`, `proc`) do not use each other.
const LAYERS: &[(&str, u32)] = &[
    ("types", 0),
    ("raw_text", 0),
    ("sort", 0),
    ("error", 0),
    ("digest", 0),
    ("gzip", 0),
    ("json", 0),
    ("format", 0),
    ("flavour", 0),
    ("layout", 1),
    ("manifest", 1),
    ("archive", 2),
    ("proc", 2),
    ("synth", 2),
    ("files", 3),
    ("join", 3),
    ("snapshot", 3),
    ("analysis", 4),
    ("report", 5),
    ("diff", 5),
    ("render", 6),
    ("share", 6),
    ("query", 6),
    ("session", 7),
];

/// Pairs in the same layer that must stay apart.
const APART: &[(&str, &str)] = &[
    ("archive", "proc"),
    ("proc", "archive"),
    ("synth", "proc"),
    ("synth", "archive"),
    ("render", "share"),
    ("render", "query"),
    ("share", "query"),
    ("query", "share"),
];

const CORE: Layers = Layers { layers: LAYERS, apart: APART };

#[test]
fn core_imports_only_downward() {
    let wrong = CORE.violations(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"));
    assert!(wrong.is_empty(), "imports against the layer order:\n{}", wrong.join("\n"));
}

#[test]
fn every_module_has_a_layer() {
    let declared = CORE.check_declared(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src/lib.rs"));
    assert_eq!(declared, LAYERS.len(), "lib.rs declares a module LAYERS does not list, or the reverse");
}

#[test]
fn the_checker_sees_an_upward_import() {
    // A sample line as the scanner reads it: it must be found, and its layer is above proc's.
    let uses = crate_uses(
        "use crate::snapshot::Snapshot;\nuse crate::{types, report};\n#[cfg(test)]\nuse crate::session;\n",
    );
    let names: Vec<_> = uses.iter().map(|(_, n)| n.as_str()).collect();
    assert_eq!(names, ["snapshot", "types", "report"]);
    assert!(CORE.layer("snapshot") > CORE.layer("proc"));
}
