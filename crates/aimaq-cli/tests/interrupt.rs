//! Interrupted runs never leave a partial report at the final name (issue 9, D4): a
//! SIGKILL at random points, fifty times, and a Ctrl-C (SIGINT) mid-run.

use gdal::vector::LayerAccess;
use gdal::Dataset;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const PARCELS: u64 = 5_000;

fn aimaq() -> Command {
    Command::new(env!("CARGO_BIN_EXE_aimaq"))
}

fn screen(input: &Path, out: &Path, overwrite: bool) -> Command {
    let mut cmd = aimaq();
    cmd.args([
        "screen",
        input.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ])
    .args(["--progress", "off"])
    .stdout(Stdio::null())
    .stderr(Stdio::piped());
    if overwrite {
        cmd.arg("--overwrite");
    }
    cmd
}

fn cadastre(dir: &Path) -> PathBuf {
    let path = dir.join("cadastre.gpkg");
    let ok = aimaq()
        .args(["cadastre", "--count", &PARCELS.to_string(), "--out"])
        .arg(&path)
        .status()
        .unwrap();
    assert!(ok.success());
    path
}

/// What a report at the final name must be: every parcel, both R-trees built, and a
/// summary (when there is one: a kill between the two renames leaves the complete
/// report alone) that counts exactly the rows there are.
fn assert_complete(report: &Path, what: &str) {
    let ds = Dataset::open(report).unwrap_or_else(|e| panic!("{what}: unreadable report: {e}"));
    let parcels = ds.layer_by_name("parcels").unwrap().feature_count();
    let findings = ds.layer_by_name("findings").unwrap().feature_count();
    assert_eq!(
        parcels, PARCELS,
        "{what}: a report at the final name is complete"
    );
    for table in ["rtree_parcels_geom", "rtree_findings_geom"] {
        assert!(
            ds.layer_by_name(table).is_ok()
                || ds
                    .execute_sql(
                        format!("SELECT count(*) FROM {table}"),
                        None,
                        gdal::vector::sql::Dialect::SQLITE,
                    )
                    .is_ok(),
            "{what}: {table} is built"
        );
    }
    let summary = PathBuf::from(format!("{}.summary.json", report.display()));
    if let Ok(text) = std::fs::read_to_string(&summary) {
        let s: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(s["parcels_in"], PARCELS, "{what}: summary");
        assert_eq!(
            s["findings"], findings,
            "{what}: summary counts the findings layer"
        );
    }
}

/// The private directories of runs in `dir`, sorted.
fn partials(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("partial"))
        .collect();
    v.sort();
    v
}

/// SplitMix64, for kill times that differ run to run but repeat with the seed.
fn next(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[test]
fn d4_sigkill_at_any_point_leaves_no_partial_report_at_the_final_name() {
    let dir = tempfile::tempdir().unwrap();
    let input = cadastre(dir.path());
    let report = dir.path().join("report.gpkg");
    // one whole run: the baseline for --overwrite, and the time kills are spread over
    let started = Instant::now();
    let run = screen(&input, &report, false).output().unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    // the shortest whole run seen: kills are spread over it, so most land mid-run even
    // when the machine speeds up after the first (cold) run
    let mut whole = started.elapsed();
    assert_complete(&report, "the uninterrupted run");

    let mut seed = 0xA1_4A_A0;
    let (mut killed, mut finished) = (0, 0);
    for i in 0..50 {
        // half the runs replace a complete report, half write a new one
        let overwrite = i % 2 == 0;
        if !overwrite {
            let _ = std::fs::remove_file(&report);
            let _ = std::fs::remove_file(format!("{}.summary.json", report.display()));
        }
        let existed = report.exists();
        let delay = whole.mul_f64((next(&mut seed) % 900) as f64 / 1000.0);
        let spawned = Instant::now();
        let mut child = screen(&input, &report, overwrite).spawn().unwrap();
        std::thread::sleep(delay);
        match child.try_wait().unwrap() {
            Some(_) => {
                finished += 1;
                whole = whole.min(spawned.elapsed());
            }
            None => {
                child.kill().unwrap(); // SIGKILL: no handler runs
                killed += 1;
            }
        }
        child.wait().unwrap();
        let what = format!("iteration {i} (killed at {delay:?}, overwrite {overwrite})");
        if overwrite && existed {
            // the earlier complete report, or the new complete one: never a mix
            assert!(report.exists(), "{what}: the complete report was kept");
        }
        if report.exists() {
            assert_complete(&report, &what);
        }
    }
    assert!(killed >= 20, "runs are killed mid-way ({killed} of 50)");
    eprintln!("{killed} runs killed, {finished} finished before the kill");
    // a killed run leaves at most its own private directories (the report's and the
    // summary's), which no later run takes for its own or removes (it cannot tell a
    // killed run's from a running one's); a finished run leaves nothing
    let before: Vec<_> = partials(dir.path());
    assert!(before.len() <= 2 * killed, "{before:?}");
    for name in &before {
        assert!(
            name.starts_with(".report.gpkg.") && name.ends_with(".aimaq-partial"),
            "{name}"
        );
        assert!(dir.path().join(name).is_dir());
    }
    let run = screen(&input, &report, true).output().unwrap();
    assert!(run.status.success());
    assert_eq!(partials(dir.path()), before, "a finished run adds nothing");
}

#[test]
fn d4_ctrl_c_stops_cleanly_writes_nothing_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let input = cadastre(dir.path());
    let report = dir.path().join("report.gpkg");
    let child = screen(&input, &report, false).spawn().unwrap();
    std::thread::sleep(Duration::from_millis(600));
    let sent = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    if out.status.code() == Some(0) {
        // the run beat the signal: then it is complete
        assert_complete(&report, "a run that finished before Ctrl-C");
        return;
    }
    assert_eq!(out.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("interrupted after"), "{stderr}");
    let names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, vec!["cadastre.gpkg".to_string()], "nothing written");
}
