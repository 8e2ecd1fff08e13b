//! The crate's modules depend on each other without a cycle, so each can be read (and
//! moved) with only what is below it. Modules nest (`sink/gpkg/writer.rs` is
//! `sink::gpkg::writer`). A module depends on another when its code names it by a path:
//! `crate::a::b`, `super::x`, `self::x`, or a child's name (`writer::GeoPackage` in the
//! child's parent). A name a module re-exports (`pub use child::{A, B};` in `lib.rs` or a
//! `mod.rs`) leads to the module that defines it; the re-export itself is the module's
//! face, not a dependency; so is a child's use of its parent's items (a module and its
//! private children read as one from outside). Comment lines and `#[cfg(test)]` modules
//! are not library code and are left out. One file serves every crate: aimaq-check,
//! aimaq-io, aimaq-dataset and aimaq-server include it by path (`tests/module_graph.rs`
//! there); it reads the `CARGO_MANIFEST_DIR` of the crate it is compiled in.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

type Graph = BTreeMap<String, BTreeSet<String>>;

/// The code of a source file: comment lines and the test module dropped.
fn library_code(source: &str) -> String {
    source
        .lines()
        .take_while(|line| line.trim() != "#[cfg(test)]")
        .filter(|line| !line.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

fn identifier(text: &str) -> &str {
    let end = text
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(text.len());
    &text[..end]
}

/// The paths that start at `rest` (just after a `prefix::`), groups expanded:
/// `{a::X, b::{Y, Z}}` gives `a::X`, `b::Y`, `b::Z`; each path as its segments.
fn expand(rest: &str) -> Vec<Vec<String>> {
    let mut segments = Vec::new();
    let mut text = rest;
    loop {
        if let Some(group) = text.strip_prefix('{') {
            let mut out = Vec::new();
            let mut depth = 0;
            let mut start = 0;
            for (i, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' | ',' if depth == 0 => {
                        for tail in expand(group[start..i].trim()) {
                            let mut path = segments.clone();
                            path.extend(tail);
                            out.push(path);
                        }
                        if c == '}' {
                            break;
                        }
                        start = i + 1;
                    }
                    '}' => depth -= 1,
                    _ => {}
                }
            }
            return out;
        }
        let name = identifier(text);
        if name.is_empty() {
            break;
        }
        segments.push(name.to_string());
        match text[name.len()..].strip_prefix("::") {
            Some(next) => text = next.trim_start(),
            None => break,
        }
    }
    if segments.is_empty() {
        Vec::new()
    } else {
        vec![segments]
    }
}

/// Every path in `code` that names a module, as absolute segments from the crate root.
/// `module` is where the code stands (`sink::gpkg`, or `` for `lib.rs`); `children` are
/// its child modules' names.
fn module_paths(code: &str, module: &[String], children: &BTreeSet<String>) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let bytes = code.as_bytes();
    let mut at = 0;
    while at < code.len() {
        let starts_word = at == 0 || {
            let b = bytes[at - 1];
            !(b.is_ascii_alphanumeric() || b == b'_' || b == b':' || b == b'.')
        };
        let word = identifier(&code[at..]);
        if !starts_word || word.is_empty() {
            at += code[at..].chars().next().map_or(1, char::len_utf8);
            continue;
        }
        let after = &code[at + word.len()..];
        if let Some(rest) = after.strip_prefix("::") {
            let base: Option<Vec<String>> = match word {
                "crate" => Some(Vec::new()),
                "self" => Some(module.to_vec()),
                "super" => Some(module[..module.len().saturating_sub(1)].to_vec()),
                child if children.contains(child) => {
                    let mut m = module.to_vec();
                    m.push(child.to_string());
                    Some(m)
                }
                _ => None,
            };
            if let Some(base) = base {
                // `x.collect::<T>()` is no path: a path goes on with a name or a group.
                let tails = expand(rest.trim_start());
                for tail in tails {
                    let mut path = base.clone();
                    path.extend(tail);
                    out.push(path);
                }
            }
        }
        at += word.len();
    }
    out
}

/// A module's re-exports: item name → the module path named before it, from
/// `pub use x::{A, B};` and `pub(crate) use x::A;` statements at the module's top level.
fn reexports(
    code: &str,
    module: &[String],
    children: &BTreeSet<String>,
) -> BTreeMap<String, Vec<String>> {
    let mut out = BTreeMap::new();
    for statement in code.split(';') {
        let statement = statement.trim();
        let Some(path) = statement
            .strip_prefix("pub use ")
            .or_else(|| statement.strip_prefix("pub(crate) use "))
        else {
            continue;
        };
        for full in module_paths(path, module, children) {
            if let Some((item, target)) = full.split_last() {
                out.insert(item.clone(), target.to_vec());
            }
        }
    }
    out
}

/// The code of a module without its re-export statements (its face).
fn without_reexports(code: &str) -> String {
    code.split_inclusive(';')
        .filter(|s| {
            let s = s.trim_start();
            !(s.starts_with("pub use ") || s.starts_with("pub(crate) use "))
        })
        .collect()
}

struct Crate {
    /// Module path (`a::b`, `` for the root) → its library code.
    code: BTreeMap<Vec<String>, String>,
}

impl Crate {
    fn read() -> Crate {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut code = BTreeMap::new();
        let mut stack = vec![src.clone()];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).expect("src/ is readable") {
                let path = entry.expect("src/ lists").path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                if path.extension().is_none_or(|e| e != "rs") {
                    continue;
                }
                let relative = path.strip_prefix(&src).unwrap().with_extension("");
                let mut segments: Vec<String> = relative
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                if matches!(
                    segments.last().map(String::as_str),
                    Some("mod" | "lib" | "main")
                ) {
                    segments.pop();
                }
                let text = std::fs::read_to_string(&path).expect("a source file is text");
                code.insert(segments, library_code(&text));
            }
        }
        Crate { code }
    }

    fn children(&self, module: &[String]) -> BTreeSet<String> {
        self.code
            .keys()
            .filter(|k| k.len() == module.len() + 1 && k.starts_with(module))
            .map(|k| k.last().unwrap().clone())
            .collect()
    }

    /// The module a path leads to: its longest module prefix, then through re-exports.
    fn resolve(&self, path: &[String], depth: usize) -> Vec<String> {
        let mut n = path.len();
        while n > 0 && !self.code.contains_key(&path[..n]) {
            n -= 1;
        }
        let module = path[..n].to_vec();
        if depth < 8 {
            if let Some(item) = path.get(n) {
                let code = &self.code[&module];
                let children = self.children(&module);
                if let Some(target) = reexports(code, &module, &children).get(item) {
                    let mut next = target.clone();
                    next.push(item.clone());
                    return self.resolve(&next, depth + 1);
                }
            }
        }
        module
    }

    fn graph(&self) -> Graph {
        let name = |m: &[String]| {
            if m.is_empty() {
                "lib".to_string()
            } else {
                m.join("::")
            }
        };
        let mut graph = Graph::new();
        for (module, code) in &self.code {
            let edges = graph.entry(name(module)).or_default();
            let children = self.children(module);
            for path in module_paths(&without_reexports(code), module, &children) {
                let target = self.resolve(&path, 0);
                // A child naming its parent's items (`super::Report` in `report/text.rs`)
                // is the inside of one module, seen from outside as one: not an edge.
                if module.starts_with(&target) {
                    continue;
                }
                if &target != module && !target.is_empty() {
                    edges.insert(name(&target));
                }
            }
        }
        graph
    }
}

/// A cycle through `module`, if its dependencies reach back to a module on `path`.
fn find_cycle(
    graph: &Graph,
    module: &str,
    path: &mut Vec<String>,
    done: &mut BTreeSet<String>,
) -> Option<Vec<String>> {
    if let Some(start) = path.iter().position(|m| m == module) {
        let mut cycle = path[start..].to_vec();
        cycle.push(module.to_string());
        return Some(cycle);
    }
    if done.contains(module) {
        return None;
    }
    path.push(module.to_string());
    for next in graph.get(module).into_iter().flatten() {
        if let Some(cycle) = find_cycle(graph, next, path, done) {
            return Some(cycle);
        }
    }
    path.pop();
    done.insert(module.to_string());
    None
}

fn assert_acyclic(graph: &Graph) {
    let mut done = BTreeSet::new();
    for module in graph.keys() {
        if let Some(cycle) = find_cycle(graph, module, &mut Vec::new(), &mut done) {
            let listing: Vec<String> = graph
                .iter()
                .map(|(m, deps)| {
                    format!(
                        "{m} → {}",
                        deps.iter().cloned().collect::<Vec<_>>().join(", ")
                    )
                })
                .collect();
            panic!(
                "module cycle: {}\n{}",
                cycle.join(" → "),
                listing.join("\n")
            );
        }
    }
}

#[test]
fn modules_form_a_dag() {
    let graph = Crate::read().graph();
    assert!(graph.len() > 1, "no modules found in src/");
    assert_acyclic(&graph);
}

/// Builds a crate in memory: `(module path, code)` pairs.
#[cfg(test)]
fn crate_of(files: &[(&str, &str)]) -> Crate {
    let code = files
        .iter()
        .map(|(m, c)| {
            let path = if m.is_empty() {
                Vec::new()
            } else {
                m.split("::").map(String::from).collect()
            };
            (path, library_code(c))
        })
        .collect();
    Crate { code }
}

#[test]
fn the_graph_reader_sees_groups_nesting_reexports_and_skips_comments() {
    let code = library_code(
        "use crate::{a::X, Y};\n/// [`Z`](crate::z::Z)\nfn f() { crate::b::g(); }\n#[cfg(test)]\nmod tests { use crate::c; }",
    );
    let paths = module_paths(&code, &[], &BTreeSet::new());
    assert_eq!(paths, [vec!["a", "X"], vec!["Y"], vec!["b", "g"]]);

    // lib re-exports `a::X`; `b` names it through the root; `s::w` and `s::r` are nested
    // siblings, `s` re-exports `w::W` and uses its child `r` by name.
    let krate = crate_of(&[
        ("", "mod a;\nmod b;\nmod s;\npub use a::X;\n"),
        ("a", "pub struct X;"),
        ("b", "use crate::X; use crate::s::W;"),
        ("s", "mod r;\nmod w;\npub use w::W;\nfn f() { r::go(); }"),
        ("s::r", "use super::w::W;"),
        ("s::w", "pub struct W; use crate::a::X;"),
    ]);
    let graph = krate.graph();
    let deps = |m: &str| graph[m].iter().cloned().collect::<Vec<_>>();
    assert_eq!(deps("b"), ["a", "s::w"]);
    assert_eq!(deps("s"), ["s::r"]);
    assert_eq!(deps("s::r"), ["s::w"]);
    // `s::r` naming `super::Item` of `s` itself would be no edge: a module's inside.
    assert_eq!(deps("s::w"), ["a"]);
    assert_acyclic(&graph);

    let looped = crate_of(&[
        ("", "mod a; mod b;"),
        ("a", "use crate::b::Y;"),
        ("b", "use super::a::Z;"),
    ]);
    let cycle = find_cycle(&looped.graph(), "a", &mut Vec::new(), &mut BTreeSet::new());
    assert_eq!(cycle.unwrap(), ["a", "b", "a"]);
}
