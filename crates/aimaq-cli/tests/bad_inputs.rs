//! The bad-input corpus (fixtures/bad): every row of its README's table is a case, run
//! here with the outcome the table promises. The table is the documentation and the
//! specification at once, so the two cannot drift apart.

use std::path::Path;
use std::process::Command;

mod common;
use common::repo;

struct Case {
    name: String,
    command: String,
    exit: i32,
    message: String,
}

/// The table rows of fixtures/bad/README.md.
fn cases() -> Vec<Case> {
    let readme = std::fs::read_to_string(repo("fixtures/bad/README.md")).unwrap();
    readme
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| case"))
        .map(|l| {
            let cells: Vec<&str> = l.trim_matches('|').split(" | ").map(str::trim).collect();
            assert_eq!(
                cells.len(),
                4,
                "a row has case | command | exit | message: {l}"
            );
            Case {
                name: cells[0].to_string(),
                command: cells[1].trim_matches('`').to_string(),
                exit: cells[2]
                    .parse()
                    .unwrap_or_else(|_| panic!("exit status in {l}")),
                message: cells[3].to_string(),
            }
        })
        .collect()
}

/// Runs one case in a fresh folder; what aimaq printed and wrote, and its status.
fn run(case: &Case) -> (Option<i32>, String) {
    let tmp = tempfile::tempdir().unwrap();
    let bad = repo("fixtures/bad");
    let tmp_name = tmp
        .path()
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    let args: Vec<String> = case
        .command
        .split_whitespace()
        .map(|word| {
            if let Some(file) = word
                .strip_prefix("{copy:")
                .and_then(|w| w.strip_suffix('}'))
            {
                let copy = tmp.path().join(file);
                if !copy.exists() {
                    std::fs::copy(bad.join(file), &copy).unwrap();
                }
                return copy.to_string_lossy().into_owned();
            }
            word.replace("{bad}", bad.to_str().unwrap())
                .replace(
                    "{demo}",
                    repo("fixtures/parcels/demo.geojson").to_str().unwrap(),
                )
                .replace("{tmpname}", &tmp_name)
                .replace("{tmp}", tmp.path().to_str().unwrap())
        })
        .collect();
    let out = Command::new(env!("CARGO_BIN_EXE_aimaq"))
        .args(&args)
        .output()
        .expect("runs");
    let mut text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    for report in ["r.csv"] {
        if let Ok(written) = std::fs::read_to_string(tmp.path().join(report)) {
            text.push_str(&written);
        }
    }
    assert_no_partial_files(tmp.path(), case);
    (out.status.code(), text)
}

/// Whatever the outcome, no hidden partial file is left behind.
fn assert_no_partial_files(dir: &Path, case: &Case) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        assert!(
            !name.contains("partial"),
            "{}: left {name} behind",
            case.name
        );
    }
}

#[test]
fn every_bad_input_has_its_documented_outcome() {
    let cases = cases();
    assert!(cases.len() >= 40, "the corpus holds {} cases", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        let (status, text) = run(case);
        if status != Some(case.exit) || !text.contains(&case.message) {
            failures.push(format!(
                "{}: `{}` exited {status:?} (expected {}), expected «{}» in:\n{}",
                case.name,
                case.command,
                case.exit,
                case.message,
                text.chars().take(1200).collect::<String>()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn refusing_an_output_that_is_the_input_leaves_the_input_whole() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in.gpkg");
    std::fs::copy(repo("fixtures/ogr/demo.gpkg"), &input).unwrap();
    let before = std::fs::read(&input).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_aimaq"))
        .args(["screen", input.to_str().unwrap(), "--out"])
        .arg(&input)
        .args(["--overwrite", "--progress", "off"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(
        !text.contains("pass --overwrite"),
        "never advise destroying it: {text}"
    );
    assert_eq!(
        std::fs::read(&input).unwrap(),
        before,
        "the input is untouched"
    );
}
