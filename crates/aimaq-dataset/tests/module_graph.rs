//! This crate's modules depend on each other without a cycle: aimaq-rules' guard, one
//! file for every crate, run here on aimaq-dataset's own sources (it reads
//! `CARGO_MANIFEST_DIR`, which is this crate's when compiled here).

#[path = "../../aimaq-rules/tests/module_graph.rs"]
mod guard;
