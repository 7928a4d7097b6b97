//! The crate's modules form layers, each importing only from those below it (or its own
//! layer's siblings where they are one concern, like the parsers of `proc`). This test reads
//! every `crate::` path in core's sources, outside unit-test modules, and fails on one that
//! points upward: the graph stays one-way as the code grows.

use std::path::Path;

/// Layer of each top-level module, lowest first. A module may use its own layer and below,
/// except that the two input modules (`archive`, `proc`) do not use each other.
const LAYERS: &[(&str, u32)] = &[
    ("types", 0),
    ("raw_text", 0),
    ("sort", 0),
    ("error", 0),
    ("digest", 0),
    ("gzip", 0),
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

fn layer(module: &str) -> u32 {
    LAYERS
        .iter()
        .find(|(m, _)| *m == module)
        .map(|(_, l)| *l)
        .unwrap_or_else(|| panic!("module {module} has no layer: add it to LAYERS (and to lib.rs's map)"))
}

/// Top-level module of a source file: `src/proc/inet.rs` → `proc`.
fn module_of(rel: &Path) -> Option<String> {
    let first = rel.components().next()?.as_os_str().to_str()?.to_string();
    let name = first.strip_suffix(".rs").unwrap_or(&first).to_string();
    (name != "lib").then_some(name)
}

/// Every `crate::MODULE` named in the code (not in comments), before the file's first
/// `#[cfg(test)]`: unit tests may reach anything.
fn crate_uses(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (no, line) in text.lines().enumerate() {
        if line.trim_start().starts_with("#[cfg(test)]") {
            break;
        }
        let code = line.split("//").next().unwrap_or("");
        let mut rest = code;
        while let Some(at) = rest.find("crate::") {
            let after = &rest[at + "crate::".len()..];
            let name: String = after.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
            if !name.is_empty() {
                out.push((no + 1, name));
            }
            rest = after;
        }
        // `use crate::{a, b}` names several.
        if let Some(group) = code.split("crate::{").nth(1) {
            for item in group.split([',', '}']) {
                let name: String =
                    item.trim().chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
                if !name.is_empty() {
                    out.push((no + 1, name));
                }
            }
        }
    }
    out
}

fn sources(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            sources(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn core_imports_only_downward() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    let mut wrong = Vec::new();
    for file in &files {
        let rel = file.strip_prefix(&src).unwrap();
        let Some(module) = module_of(rel) else { continue };
        let text = std::fs::read_to_string(file).unwrap();
        for (line, used) in crate_uses(&text) {
            if used == module || used == "self" || used == "super" {
                continue;
            }
            if layer(&used) > layer(&module) || APART.contains(&(module.as_str(), used.as_str())) {
                wrong.push(format!(
                    "{}:{line}: {module} (layer {}) uses {used} (layer {})",
                    rel.display(),
                    layer(&module),
                    layer(&used)
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "imports against the layer order:\n{}", wrong.join("\n"));
}

#[test]
fn every_module_has_a_layer() {
    let lib = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/lib.rs")).unwrap();
    let mut declared = 0;
    for line in lib.lines() {
        if let Some(name) = line.trim().strip_prefix("pub mod ").or_else(|| line.trim().strip_prefix("mod "))
        {
            layer(name.trim_end_matches(';'));
            declared += 1;
        }
    }
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
    assert!(layer("snapshot") > layer("proc"));
}
