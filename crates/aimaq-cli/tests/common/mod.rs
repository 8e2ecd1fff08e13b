//! What every test of the `aimaq` binary needs: the repository's files and a run of the
//! binary with its output. Each test file uses a part of it.
#![allow(dead_code)]

pub mod english;

use std::path::PathBuf;
use std::process::{Command, Output};

/// A path of the repository (fixtures, data), from this crate's directory.
pub fn repo(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(path)
}

/// Runs the `aimaq` binary built for these tests, to completion.
pub fn aimaq(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_aimaq"))
        .args(args)
        .output()
        .expect("runs")
}

/// Standard output and error together, for assertion messages and searches.
pub fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}
