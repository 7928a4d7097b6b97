//! The layer checker both crates' `layering` tests use: it reads every `crate::` path in a
//! crate's sources, outside unit-test modules, and reports one that points upward in the
//! crate's own table of layers. Included with `#[path]` (core/tests/layering.rs,
//! frontend/tests/layering.rs), so each crate keeps its table and the checker is written once.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// A crate's layer table: each top-level module's layer, lowest first, and pairs in one layer
/// that must stay apart.
pub struct Layers {
    pub layers: &'static [(&'static str, u32)],
    pub apart: &'static [(&'static str, &'static str)],
}

impl Layers {
    pub fn layer(&self, module: &str) -> u32 {
        self.layers.iter().find(|(m, _)| *m == module).map(|(_, l)| *l).unwrap_or_else(|| {
            panic!("module {module} has no layer: add it to the layer table (and to lib.rs)")
        })
    }

    /// Every import against the order in the sources under `src`, as `file:line: …` lines.
    pub fn violations(&self, src: &Path) -> Vec<String> {
        let mut files = Vec::new();
        sources(src, &mut files);
        let mut wrong = Vec::new();
        for file in &files {
            let rel = file.strip_prefix(src).unwrap();
            let Some(module) = module_of(rel) else { continue };
            let text = std::fs::read_to_string(file).unwrap();
            for (line, used) in crate_uses(&text) {
                if used == module || used == "self" || used == "super" {
                    continue;
                }
                if self.layer(&used) > self.layer(&module)
                    || self.apart.contains(&(module.as_str(), used.as_str()))
                {
                    wrong.push(format!(
                        "{}:{line}: {module} (layer {}) uses {used} (layer {})",
                        rel.display(),
                        self.layer(&module),
                        self.layer(&used)
                    ));
                }
            }
        }
        wrong
    }

    /// How many modules `lib.rs` declares, each checked to have a layer.
    pub fn check_declared(&self, lib_rs: &Path) -> usize {
        let lib = std::fs::read_to_string(lib_rs).unwrap();
        let mut declared = 0;
        for line in lib.lines() {
            if let Some(name) =
                line.trim().strip_prefix("pub mod ").or_else(|| line.trim().strip_prefix("mod "))
            {
                self.layer(name.trim_end_matches(';'));
                declared += 1;
            }
        }
        declared
    }
}

/// Top-level module of a source file: `src/proc/inet.rs` → `proc`.
pub fn module_of(rel: &Path) -> Option<String> {
    let first = rel.components().next()?.as_os_str().to_str()?.to_string();
    let name = first.strip_suffix(".rs").unwrap_or(&first).to_string();
    (name != "lib").then_some(name)
}

/// Every `crate::MODULE` named in the code (not in comments), before the file's first
/// `#[cfg(test)]` (or `#[cfg(all(test, …))]`): unit tests may reach anything.
pub fn crate_uses(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (no, line) in text.lines().enumerate() {
        let line_start = line.trim_start();
        if line_start.starts_with("#[cfg(test)]") || line_start.starts_with("#[cfg(all(test,") {
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

pub fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            sources(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}
