//! Issue 18 (2): a writer that fails on its Nth write, under every stream sink: the run
//! fails, the error says "disk full" and names the output, and the earlier file at the
//! output's name stays as it was, with nothing of the run left beside it.

use aimaq_io::output::PendingFile;
use aimaq_io::sink::{GeoJsonRows, JsonReport, ReportSink};
use aimaq_io::{open_engine, pipeline, EngineOptions, GeoJsonSource, RecordChecker};
use std::io::Write;

/// Fails every write from the `n`th on (1-based) with ENOSPC, as a full disk does.
struct FailOnWrite<W> {
    inner: W,
    writes: usize,
    n: usize,
}

impl<W: Write> Write for FailOnWrite<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.writes += 1;
        if self.writes >= self.n {
            return Err(std::io::Error::from_raw_os_error(28));
        }
        self.inner.write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        if self.writes >= self.n {
            return Err(std::io::Error::from_raw_os_error(28));
        }
        self.inner.flush()
    }
}

const DEMO: &str = include_str!("../../../fixtures/parcels/demo.geojson");

#[test]
fn r2_a_writer_failing_on_its_nth_write_keeps_the_old_file_and_says_disk_full() {
    let opened = open_engine(&EngineOptions::default()).unwrap();
    let checker =
        RecordChecker::new(&opened.engine, &opened.metric, "EPSG:4326", "EPSG:4326").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut failures = 0;
    for sink_kind in ["geojson", "json"] {
        let target = dir.path().join(format!("report.{sink_kind}"));
        // how many writes a whole run makes: every N below fails it
        let total = {
            let pending = PendingFile::new(&target, true, &[]).unwrap();
            let file = std::fs::File::create(pending.path()).unwrap();
            let counting = FailOnWrite {
                inner: file,
                writes: 0,
                n: usize::MAX,
            };
            let source = GeoJsonSource::from_text("demo", DEMO).unwrap();
            let writes = match sink_kind {
                "geojson" => {
                    let mut sink = GeoJsonRows::new(counting);
                    pipeline::run(&checker, source, &mut sink, &Default::default()).unwrap();
                    sink.into_inner().writes
                }
                _ => {
                    let mut sink = JsonReport::new(&opened.engine, counting);
                    pipeline::run(&checker, source, &mut sink, &Default::default()).unwrap();
                    sink.into_inner().writes
                }
            };
            pending.commit().unwrap();
            writes
        };
        assert!(total > 10, "{sink_kind}: {total} writes");
        std::fs::write(&target, "the old report").unwrap();
        for n in [1, 2, total / 2, total - 1, total] {
            let pending = PendingFile::new(&target, true, &[]).unwrap();
            let file = std::fs::File::create(pending.path()).unwrap();
            let failing = FailOnWrite {
                inner: file,
                writes: 0,
                n,
            };
            let source = GeoJsonSource::from_text("demo", DEMO).unwrap();
            let mut sink: Box<dyn ReportSink> = match sink_kind {
                "geojson" => Box::new(GeoJsonRows::new(failing)),
                _ => Box::new(JsonReport::new(&opened.engine, failing)),
            };
            let e = pipeline::run(&checker, source, sink.as_mut(), &Default::default())
                .map_err(|e| pending.explain(e))
                .expect_err("the run fails");
            let said = e.to_string();
            assert!(
                said.starts_with("disk full while writing"),
                "{sink_kind} n={n}: {said}"
            );
            assert!(said.contains(&format!("report.{sink_kind}")), "{said}");
            drop(sink);
            drop(pending); // uncommitted
            assert_eq!(
                std::fs::read_to_string(&target).unwrap(),
                "the old report",
                "{sink_kind} n={n}"
            );
            let names: Vec<String> = std::fs::read_dir(dir.path())
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            assert!(
                !names.iter().any(|n| n.contains("aimaq-partial")),
                "{sink_kind} n={n}: {names:?}"
            );
            failures += 1;
        }
    }
    assert_eq!(failures, 10);
}
