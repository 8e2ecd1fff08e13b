//! Issue 18, reliability round 2: files. One regression test per reported case, named
//! `r2_…`: temporaries that cannot be an existing file, a full disk, two writers on one
//! output, device and FIFO outputs and inputs, runaway jobs and Ctrl-C, bad limits.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod common;
use common::{aimaq, repo, text};

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// A synthetic cadastre of `n` parcels in `dir`.
fn cadastre(dir: &Path, n: usize) -> PathBuf {
    let path = dir.join(format!("cadastre-{n}.gpkg"));
    let run = aimaq(&["cadastre", "--count", &n.to_string(), "--out", s(&path)]);
    assert!(run.status.success(), "{}", text(&run));
    path
}

/// Names in `dir`, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn r2_an_input_named_like_the_old_temporary_file_is_never_deleted() {
    let dir = tempfile::tempdir().unwrap();
    let demo = std::fs::read(repo("fixtures/parcels/demo.geojson")).unwrap();
    // the name the first round's partial file had for r.geojson
    let input = dir.path().join(".r.partial.geojson");
    std::fs::write(&input, &demo).unwrap();
    let out = dir.path().join("r.geojson");
    let run = aimaq(&["screen", s(&input), "--out", s(&out), "--progress", "off"]);
    assert_eq!(run.status.code(), Some(0), "{}", text(&run));
    assert_eq!(std::fs::read(&input).unwrap(), demo, "the input is intact");
    assert!(out.exists());
    // check -o, with a file at the old partial name of its output
    let json = dir.path().join("r.json");
    let bystander = dir.path().join(".r.partial.json");
    std::fs::write(&bystander, "mine").unwrap();
    let run = aimaq(&["check", "--format", "json", s(&input), "-o", s(&json)]);
    assert_eq!(run.status.code(), Some(0), "{}", text(&run));
    assert_eq!(std::fs::read_to_string(&bystander).unwrap(), "mine");
    assert_eq!(std::fs::read(&input).unwrap(), demo);
    // a symbolic link at the old partial name cannot redirect the write
    let victim = dir.path().join("victim.txt");
    std::fs::write(&victim, "keep").unwrap();
    let csv = dir.path().join("x.csv");
    std::os::unix::fs::symlink(&victim, dir.path().join(".x.partial.csv")).unwrap();
    let run = aimaq(&["screen", s(&input), "--out", s(&csv), "--progress", "off"]);
    assert_eq!(run.status.code(), Some(0), "{}", text(&run));
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep");
    assert!(dir.path().join(".x.partial.csv").symlink_metadata().is_ok());
    // nothing of this run's own is left behind
    assert!(
        !names(dir.path())
            .iter()
            .any(|n| n.contains("aimaq-partial")),
        "{:?}",
        names(dir.path())
    );
}

#[test]
fn r2_a_fifo_or_a_device_as_output_is_refused_whatever_the_flags() {
    let dir = tempfile::tempdir().unwrap();
    let demo = repo("fixtures/parcels/demo.geojson");
    let fifo = dir.path().join("pipe.json");
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let mut outputs = vec![(fifo, "a FIFO (named pipe)")];
    if is_root() {
        // /dev/full's numbers, made here: replacing it would break the system's
        let dev = dir.path().join("devfull.json");
        assert!(Command::new("mknod")
            .arg(&dev)
            .args(["c", "1", "7"])
            .status()
            .unwrap()
            .success());
        outputs.push((dev, "a character device"));
    } else {
        eprintln!("skipped the character device half: mknod needs root (CI runs as root)");
    }
    for (out, kind) in outputs {
        for extra in [&[][..], &["--overwrite"][..]] {
            let mut args = vec!["check", "--format", "json", s(&demo), "-o", s(&out)];
            args.extend(extra);
            let run = aimaq(&args);
            assert_eq!(run.status.code(), Some(1), "{}", text(&run));
            assert!(text(&run).contains(kind), "{}", text(&run));
            assert!(text(&run).contains("not a regular file"), "{}", text(&run));
        }
        let meta = std::fs::symlink_metadata(&out).unwrap();
        assert!(!meta.is_file(), "{} is still what it was", out.display());
    }
    // a directory, and a link to nothing, the same
    let run = aimaq(&["check", s(&demo), "-o", s(dir.path()), "--overwrite"]);
    assert_eq!(run.status.code(), Some(1), "{}", text(&run));
    let dangling = dir.path().join("dangling.json");
    std::os::unix::fs::symlink(dir.path().join("nowhere"), &dangling).unwrap();
    let run = aimaq(&["check", s(&demo), "-o", s(&dangling), "--overwrite"]);
    assert_eq!(run.status.code(), Some(1), "{}", text(&run));
    assert!(text(&run).contains("symbolic link to nothing"));
}

#[test]
fn r2_a_full_disk_keeps_the_old_file_exits_non_zero_and_says_disk_full() {
    if !is_root() {
        eprintln!("skipped: mounting a 3 MB tmpfs needs root (CI runs as root)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let input = cadastre(dir.path(), 20_000);
    let mnt = dir.path().join("small");
    std::fs::create_dir(&mnt).unwrap();
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=3m", "tmpfs"])
        .arg(&mnt)
        .status()
        .unwrap();
    if !mounted.success() {
        eprintln!(
            "skipped: this root cannot mount a tmpfs here (a container without CAP_SYS_ADMIN)"
        );
        return;
    }
    struct Unmount(PathBuf);
    impl Drop for Unmount {
        fn drop(&mut self) {
            let _ = Command::new("umount").arg(&self.0).status();
        }
    }
    let _unmount = Unmount(mnt.clone());
    for ext in ["geojson", "gpkg", "csv", "fgb"] {
        let out = mnt.join(format!("r.{ext}"));
        std::fs::write(&out, "the old report").unwrap();
        let run = aimaq(&[
            "screen",
            s(&input),
            "--out",
            s(&out),
            "--overwrite",
            "--progress",
            "off",
        ]);
        let said = text(&run);
        assert_eq!(run.status.code(), Some(1), "{ext}: {said}");
        assert!(said.contains("disk full while writing"), "{ext}: {said}");
        assert!(
            said.contains(&format!("r.{ext}")),
            "{ext}: names the file: {said}"
        );
        assert!(
            said.contains(s(&mnt)),
            "{ext}: names the filesystem: {said}"
        );
        assert_eq!(
            std::fs::read_to_string(&out).unwrap(),
            "the old report",
            "{ext}: the old file stays"
        );
        assert_eq!(names(&mnt), vec![format!("r.{ext}")], "{ext}: nothing left");
        std::fs::remove_file(&out).unwrap();
        // without --overwrite, nothing appears at the final name
        let run = aimaq(&["screen", s(&input), "--out", s(&out), "--progress", "off"]);
        assert_eq!(run.status.code(), Some(1), "{ext}: {}", text(&run));
        assert!(names(&mnt).is_empty(), "{ext}: {:?}", names(&mnt));
    }
    // check -o: the JSON of 20,000 parcels does not fit either
    let geojson = dir.path().join("parcels.geojson");
    let run = aimaq(&[
        "screen",
        s(&input),
        "--out",
        s(&geojson),
        "--t-srs",
        "EPSG:4326",
        "--progress",
        "off",
    ]);
    assert!(run.status.code() == Some(0), "{}", text(&run));
    // (the screen report is no parcel file; the demo repeated is)
    let demo: serde_json::Value =
        serde_json::from_slice(&std::fs::read(repo("fixtures/parcels/demo.geojson")).unwrap())
            .unwrap();
    let mut features = Vec::new();
    for i in 0..300 {
        for f in demo["features"].as_array().unwrap() {
            let mut f = f.clone();
            f["properties"]["id"] =
                format!("{}-{i}", f["properties"]["id"].as_str().unwrap()).into();
            features.push(f);
        }
    }
    let many = dir.path().join("many.geojson");
    std::fs::write(
        &many,
        serde_json::json!({"type": "FeatureCollection", "features": features}).to_string(),
    )
    .unwrap();
    let out = mnt.join("r.json");
    std::fs::write(&out, "the old report").unwrap();
    let run = aimaq(&[
        "check",
        "--format",
        "json",
        s(&many),
        "-o",
        s(&out),
        "--overwrite",
    ]);
    assert_eq!(run.status.code(), Some(1), "{}", text(&run));
    assert!(
        text(&run).contains("disk full while writing"),
        "{}",
        text(&run)
    );
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "the old report");
    assert_eq!(names(&mnt), vec!["r.json".to_string()]);
}

/// What a report and its summary must be: the report's parcels all there, and the
/// summary's digest that of the report beside it.
fn assert_consistent(report: &Path, parcels: u64) {
    use gdal::vector::LayerAccess;
    let ds = gdal::Dataset::open(report).unwrap();
    assert_eq!(
        ds.layer_by_name("parcels").unwrap().feature_count(),
        parcels
    );
    let summary: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(format!("{}.summary.json", report.display())).unwrap(),
    )
    .unwrap();
    assert_eq!(summary["parcels_in"], parcels);
    let bytes = std::fs::read(report).unwrap();
    use sha2::Digest;
    let digest: String = sha2::Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(summary["report_sha256"], format!("sha256:{digest}"));
}

#[test]
fn r2_two_runs_racing_on_one_output_leave_one_complete_report_and_its_summary() {
    let dir = tempfile::tempdir().unwrap();
    let a = cadastre(dir.path(), 6_000);
    let b = {
        let path = dir.path().join("other.gpkg");
        let run = aimaq(&[
            "cadastre",
            "--count",
            "4000",
            "--seed",
            "7",
            "--out",
            s(&path),
        ]);
        assert!(run.status.success(), "{}", text(&run));
        path
    };
    let out = dir.path().join("shared.gpkg");
    for round in 0..3 {
        let spawn = |input: &Path| {
            Command::new(env!("CARGO_BIN_EXE_aimaq"))
                .args([
                    "screen",
                    s(input),
                    "--out",
                    s(&out),
                    "--overwrite",
                    "--progress",
                    "off",
                ])
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        };
        let (ra, rb) = (spawn(&a), spawn(&b));
        let (oa, ob) = (
            ra.wait_with_output().unwrap(),
            rb.wait_with_output().unwrap(),
        );
        assert!(
            oa.status.success(),
            "round {round}: {}",
            String::from_utf8_lossy(&oa.stderr)
        );
        assert!(
            ob.status.success(),
            "round {round}: {}",
            String::from_utf8_lossy(&ob.stderr)
        );
        // whichever came last, its report and its summary
        let summary: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(format!("{}.summary.json", out.display())).unwrap(),
        )
        .unwrap();
        let n = summary["parcels_in"].as_u64().unwrap();
        assert!(n == 6_000 || n == 4_000, "round {round}: {n}");
        assert_consistent(&out, n);
        assert!(
            !names(dir.path())
                .iter()
                .any(|n| n.contains("aimaq-partial")),
            "round {round}: {:?}",
            names(dir.path())
        );
    }
    // without --overwrite, the second to finish keeps the first's report and says so
    let fresh = dir.path().join("fresh.gpkg");
    let spawn = |input: &Path| {
        Command::new(env!("CARGO_BIN_EXE_aimaq"))
            .args(["screen", s(input), "--out", s(&fresh), "--progress", "off"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (ra, rb) = (spawn(&a), spawn(&b));
    let (oa, ob) = (
        ra.wait_with_output().unwrap(),
        rb.wait_with_output().unwrap(),
    );
    let ok = [&oa, &ob].iter().filter(|o| o.status.success()).count();
    assert!(ok >= 1, "one run wins");
    let summary: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(format!("{}.summary.json", fresh.display())).unwrap(),
    )
    .unwrap();
    assert_consistent(&fresh, summary["parcels_in"].as_u64().unwrap());
    for o in [&oa, &ob] {
        if !o.status.success() {
            assert!(String::from_utf8_lossy(&o.stderr).contains("exists"));
        }
    }
}

#[test]
fn r2_jobs_are_capped_and_ctrl_c_stops_a_screen_promptly() {
    let dir = tempfile::tempdir().unwrap();
    let input = repo("fixtures/parcels/demo.geojson");
    let out = dir.path().join("r.gpkg");
    let run = aimaq(&[
        "screen",
        s(&input),
        "--out",
        s(&out),
        "--jobs",
        "100000",
        "--progress",
        "off",
    ]);
    assert_eq!(run.status.code(), Some(0), "{}", text(&run));
    assert!(
        text(&run).contains("--jobs 100000 capped at"),
        "{}",
        text(&run)
    );
    // Ctrl-C mid-run: exit 130 within a second, nothing written
    let big = cadastre(dir.path(), 40_000);
    let report = dir.path().join("big.gpkg");
    let child = Command::new(env!("CARGO_BIN_EXE_aimaq"))
        .args(["screen", s(&big), "--out", s(&report), "--progress", "off"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    let sent = Instant::now();
    assert!(Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap()
        .success());
    let done = child.wait_with_output().unwrap();
    let took = sent.elapsed();
    let stderr = String::from_utf8_lossy(&done.stderr);
    assert_eq!(done.status.code(), Some(130), "{stderr}");
    // Before the fix the first Ctrl-C did nothing and the run went to its end; the bound
    // is loose because a loaded CI machine may take seconds to
    // schedule the process, and it is no speed measurement.
    assert!(took < Duration::from_secs(15), "stopped in {took:?}");
    assert!(stderr.contains("no report written"), "{stderr}");
    assert!(!report.exists());
    assert!(!names(dir.path())
        .iter()
        .any(|n| n.contains("aimaq-partial")));
    eprintln!("Ctrl-C to exit: {took:?}");
}

#[test]
fn r2_inputs_that_are_not_regular_files_are_refused_and_reads_are_bounded() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("parcels.geojson");
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    for input in [Path::new("/dev/zero"), fifo.as_path()] {
        let started = Instant::now();
        let run = aimaq(&["check", s(input)]);
        assert_eq!(run.status.code(), Some(1), "{}", text(&run));
        assert!(text(&run).contains("not a regular file"), "{}", text(&run));
        let run = aimaq(&["screen", s(input), "--out", s(&dir.path().join("r.gpkg"))]);
        assert_eq!(run.status.code(), Some(1), "{}", text(&run));
        assert!(text(&run).contains("not a regular file"), "{}", text(&run));
        assert!(started.elapsed() < Duration::from_secs(20));
    }
    // a file past the bound is refused before it is read (a sparse 3 GB file)
    let huge = dir.path().join("huge.geojson");
    std::fs::File::create(&huge)
        .unwrap()
        .set_len(3 << 30)
        .unwrap();
    let run = aimaq(&["check", s(&huge)]);
    assert_eq!(run.status.code(), Some(1), "{}", text(&run));
    assert!(
        text(&run).contains("more than the 2147483648 bytes"),
        "{}",
        text(&run)
    );
    // and the bound can be moved
    let run = aimaq(&[
        "check",
        "--max-input-mb",
        "1",
        s(&repo("fixtures/parcels/demo.geojson")),
    ]);
    assert_eq!(run.status.code(), Some(0), "{}", text(&run));
    let big = dir.path().join("big.geojson");
    std::fs::write(&big, vec![b' '; 2 << 20]).unwrap();
    let run = aimaq(&["check", "--max-input-mb", "1", s(&big)]);
    assert_eq!(run.status.code(), Some(1), "{}", text(&run));
    assert!(text(&run).contains("--max-input-mb"), "{}", text(&run));
}

#[test]
fn r2_limits_that_would_turn_themselves_off_are_refused() {
    let demo = repo("fixtures/parcels/demo.geojson");
    for (flag, value) in [
        ("--max-extent-km", "nan"),
        ("--max-extent-km", "inf"),
        ("--max-extent-km", "-1"),
        ("--max-extent-km", "0"),
        ("--max-vertices", "0"),
    ] {
        let arg = format!("{flag}={value}");
        let run = aimaq(&["check", &arg, s(&demo)]);
        assert_eq!(
            run.status.code(),
            Some(64),
            "{flag} {value}: {}",
            text(&run)
        );
        assert!(text(&run).contains(flag), "{}", text(&run));
        let run = aimaq(&[
            "screen",
            s(&demo),
            "--out",
            "/nonexistent/r.gpkg",
            flag,
            value,
        ]);
        assert_eq!(
            run.status.code(),
            Some(64),
            "{flag} {value}: {}",
            text(&run)
        );
    }
}

#[test]
fn r2_a_valid_star_polygon_of_20k_vertices_is_checked_not_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (n, outer, inner, cx, cy) = (10_000usize, 0.01, 0.004, 76.95, 43.25);
    let mut ring: Vec<[f64; 2]> = (0..2 * n)
        .map(|i| {
            let a = std::f64::consts::PI * i as f64 / n as f64;
            let r = if i % 2 == 0 { outer } else { inner };
            [cx + r * a.cos(), cy + r * a.sin()]
        })
        .collect();
    ring.push(ring[0]);
    let doc = serde_json::json!({"type": "FeatureCollection", "features": [{"type": "Feature",
        "properties": {"id": "star", "use": "residential"},
        "geometry": {"type": "Polygon", "coordinates": [ring]}}]});
    let path = dir.path().join("star.geojson");
    std::fs::write(&path, doc.to_string()).unwrap();
    let run = aimaq(&["check", "--format", "json", s(&path)]);
    let out: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    let p = &out["parcels"][0];
    assert_ne!(p["verdict"], "error", "{p}");
    // n·R·r·sin(π/n) in degrees², scaled to metres at the star's latitude (a linear map
    // scales every area alike; UTM's own scale there is within 0.3 %)
    let deg2 = n as f64 * outer * inner * (std::f64::consts::PI / n as f64).sin();
    let expected = deg2 * 111_320.0 * cy.to_radians().cos() * 111_132.0;
    let area = p["area_m2"].as_f64().unwrap();
    assert!(
        (area - expected).abs() / expected < 0.01,
        "{area} vs {expected}"
    );
}

#[test]
fn r2_screen_keeps_every_record_check_keeps_in_every_sink() {
    let bad = repo("fixtures/bad/non-features.geojson");
    let run = aimaq(&["check", "--format", "json", s(&bad)]);
    let doc: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    let n_in = doc["summary"]["parcels_in"].as_u64().unwrap();
    assert_eq!(n_in, 7, "{}", doc["summary"]);
    let dir = tempfile::tempdir().unwrap();
    for ext in ["gpkg", "csv", "geojson", "fgb"] {
        let out = dir.path().join(format!("r.{ext}"));
        let run = aimaq(&["screen", s(&bad), "--out", s(&out), "--progress", "off"]);
        assert_eq!(run.status.code(), Some(2), "{ext}: {}", text(&run));
        let summary: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(dir.path().join(format!("r.{ext}.summary.json"))).unwrap(),
        )
        .unwrap();
        assert_eq!(summary["parcels_in"], n_in, "{ext}");
        assert_eq!(
            summary["parcels_checked"].as_u64().unwrap()
                + summary["parcels_errored"].as_u64().unwrap(),
            n_in,
            "{ext}: records in = reported + errored"
        );
        assert_eq!(
            summary["parcels_errored"], doc["summary"]["parcels_errored"],
            "{ext}"
        );
        // each record is a row of its own, in its place
        use gdal::vector::LayerAccess;
        let ids_in = |path: &Path, layer: Option<&str>| -> Vec<String> {
            let ds = gdal::Dataset::open(path).unwrap();
            let mut layer = match layer {
                Some(name) => ds.layer_by_name(name).unwrap(),
                None => ds.layer(0).unwrap(),
            };
            layer
                .features()
                .filter_map(|f| {
                    let i = f.field_index("parcel").ok()?;
                    f.field_as_string(i).ok().flatten()
                })
                .collect()
        };
        let mut ids = ids_in(&out, (ext == "gpkg").then_some("parcels"));
        if ext == "fgb" {
            // GDAL 3.6's FlatGeobuf writer skips features without a geometry: their
            // error rows are in the CSV beside the report, which the summary names
            let side = dir.path().join("r.fgb.errors.csv");
            assert_eq!(summary["error_rows_file"], s(&side), "{summary}");
            assert!(summary["error_rows_sha256"]
                .as_str()
                .is_some_and(|d| d.starts_with("sha256:")));
            let errors = ids_in(&side, None);
            assert_eq!(
                errors.len() as u64,
                summary["parcels_errored"].as_u64().unwrap(),
                "every error row is in the CSV: {errors:?}"
            );
            // and none of them in the .fgb
            assert!(!ids.iter().any(|i| i.starts_with('#')), "{ids:?}");
            ids.extend(errors);
        }
        for id in ["#1", "#2", "#3", "#4", "#6"] {
            assert!(ids.iter().any(|i| i == id), "{ext}: {id} in {ids:?}");
        }
    }
}

#[test]
fn r2_a_cp1251_shapefile_without_cpg_is_refused_with_the_collapse_named_and_read_with_encoding() {
    let shp = repo("fixtures/bad/cp1251-no-cpg/parcels.shp");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r.csv");
    let run = aimaq(&["screen", s(&shp), "--out", s(&out), "--progress", "off"]);
    assert_eq!(run.status.code(), Some(1), "{}", text(&run));
    let said = text(&run);
    assert!(said.contains("declares no encoding"), "{said}");
    assert!(said.contains("2 different ids would become 1"), "{said}");
    assert!(said.contains("--encoding"), "{said}");
    assert!(!out.exists(), "nothing written");
    let run = aimaq(&[
        "screen",
        s(&shp),
        "--encoding",
        "CP1251",
        "--out",
        s(&out),
        "--progress",
        "off",
    ]);
    assert_eq!(run.status.code(), Some(0), "{}", text(&run));
    let csv = std::fs::read_to_string(&out).unwrap();
    assert!(
        csv.contains("Участок-1") && csv.contains("Парцель-1"),
        "{csv}"
    );
    assert!(!csv.contains('\u{FFFD}'), "{csv}");
    // an encoding iconv does not know is named
    let run = aimaq(&[
        "check",
        "--encoding",
        "NO-SUCH-CODEPAGE",
        s(&repo("fixtures/bad/cp1251.geojson")),
    ]);
    assert_eq!(run.status.code(), Some(1), "{}", text(&run));
    assert!(text(&run).contains("NO-SUCH-CODEPAGE"), "{}", text(&run));
}

#[test]
fn r2_a_zip_given_to_screen_is_read_from_inside_or_says_what_it_holds() {
    // GDAL said only "not a format GDAL reads" of any zip: the one source in it is read
    // in place (a zipped folder too), and a zip without one says what it holds
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r.csv");
    let zip = |name: &str| repo(&format!("fixtures/bad/desk/{name}.zip"));
    let folder = zip("zipped-folder");
    let run = aimaq(&[
        "screen",
        s(&folder),
        "--id-field",
        "kad_nomer",
        "--out",
        s(&out),
        "--progress",
        "off",
    ]);
    assert_eq!(run.status.code(), Some(0), "{}", text(&run));
    let csv = std::fs::read_to_string(&out).unwrap();
    assert!(csv.lines().count() > 2, "{csv}");
    for (name, says) in [
        (
            "zipped-folder-no-shp",
            "the zip holds no Shapefile, GeoPackage, GeoJSON, KML or FlatGeobuf: it holds `export/readme.txt`, `export/parcels.csv` (a folder `export/`)",
        ),
        ("zip-without-shp", "the zip has no `parcels.shp`: it holds `parcels.shx`"),
    ] {
        let out = dir.path().join(format!("{name}.csv"));
        let run = aimaq(&["screen", s(&zip(name)), "--out", s(&out), "--progress", "off"]);
        assert_eq!(run.status.code(), Some(1), "{name}: {}", text(&run));
        assert!(text(&run).contains(says), "{name}: {}", text(&run));
        assert!(!text(&run).contains("not a format GDAL reads"), "{}", text(&run));
        assert!(!out.exists());
    }
}
