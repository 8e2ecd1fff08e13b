//! The crate's modules depend on each other without a cycle, so each can be read (and
//! moved) with only what is below it. A module depends on another when its code names
//! `crate::<module>`, or an item `lib.rs` re-exports from it (`crate::Catalog`).
//! Comment lines and `#[cfg(test)]` modules are not library code and are left out.
//! (aimaq-check runs this same file on its own sources: `tests/module_graph.rs` there.)

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

/// The first path segment of every `crate::` path in `code`, groups included:
/// `crate::{a::X, Y}` names `a` and `Y`.
fn crate_paths(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (at, _) in code.match_indices("crate::") {
        let rest = &code[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 0;
            let mut item_start = 0;
            for (i, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => {
                        out.push(identifier(group[item_start..i].trim()).to_string());
                        break;
                    }
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        out.push(identifier(group[item_start..i].trim()).to_string());
                        item_start = i + 1;
                    }
                    _ => {}
                }
            }
        } else {
            out.push(identifier(rest).to_string());
        }
    }
    out.retain(|name| !name.is_empty());
    out
}

/// Item name → module, from `lib.rs`'s `pub use module::{A, B};` lines.
fn reexports(lib: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for statement in lib.split(';') {
        let Some(path) = statement.trim().strip_prefix("pub use ") else {
            continue;
        };
        let Some((module, items)) = path.split_once("::") else {
            continue;
        };
        let items = items.trim().trim_start_matches('{').trim_end_matches('}');
        for item in items.split(',').map(str::trim).filter(|i| !i.is_empty()) {
            out.insert(item.to_string(), module.trim().to_string());
        }
    }
    out
}

fn module_graph() -> Graph {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut code = BTreeMap::new();
    for entry in std::fs::read_dir(&src).expect("src/ is readable") {
        let path = entry.expect("src/ lists").path();
        if path.extension().is_some_and(|e| e == "rs") {
            let module = path.file_stem().unwrap().to_string_lossy().into_owned();
            let text = std::fs::read_to_string(&path).expect("a source file is text");
            code.insert(module, library_code(&text));
        }
    }
    let lib = code.remove("lib").expect("src/lib.rs");
    let reexported = reexports(&lib);
    let mut graph = Graph::new();
    for (module, text) in &code {
        let edges = graph.entry(module.clone()).or_default();
        for name in crate_paths(text) {
            let target = if code.contains_key(&name) {
                name
            } else if let Some(m) = reexported.get(&name) {
                m.clone()
            } else {
                panic!(
                    "{module}.rs names `crate::{name}`, neither a module nor re-exported by lib.rs"
                );
            };
            if &target != module {
                edges.insert(target);
            }
        }
    }
    graph
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

#[test]
fn modules_form_a_dag() {
    let graph = module_graph();
    assert!(graph.len() > 1, "no modules found in src/");
    let mut done = BTreeSet::new();
    for module in graph.keys() {
        if let Some(cycle) = find_cycle(&graph, module, &mut Vec::new(), &mut done) {
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
fn the_graph_reader_sees_groups_reexports_and_skips_comments() {
    let code = library_code(
        "use crate::{a::X, Y};\n/// [`Z`](crate::z::Z)\nfn f() { crate::b::g(); }\n#[cfg(test)]\nmod tests { use crate::c; }",
    );
    assert_eq!(crate_paths(&code), ["a", "Y", "b"]);
    let lib = "mod a;\npub use a::{X, Y};\npub use b::Z;\n";
    let names = reexports(lib);
    assert_eq!((names["Y"].as_str(), names["Z"].as_str()), ("a", "b"));
    let mut graph = Graph::new();
    graph.insert("a".into(), ["b".to_string()].into());
    graph.insert("b".into(), ["a".to_string()].into());
    let cycle = find_cycle(&graph, "a", &mut Vec::new(), &mut BTreeSet::new());
    assert_eq!(cycle.unwrap(), ["a", "b", "a"]);
}
