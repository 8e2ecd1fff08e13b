//! The streaming pipeline: records from a [`ParcelSource`] through the engine into a
//! [`ReportSink`], in input order, with flat memory whatever the input's size.
//!
//! Three stages joined by bounded channels: a reader thread (GDAL is read by one
//! thread), the checker (rayon over each chunk), and a writer thread (GDAL is written by
//! one thread), plus a thread that frees written chunks. Chunks keep input order end to
//! end, and the writer checks that every record arrives once.

use crate::record::RecordChecker;
pub use crate::sink::Totals;
use crate::sink::{Outcome, ReportSink};
use crate::source::ParcelSource;
use crate::{Error, Result};
use aimaq_check::Summary;
use rayon::prelude::*;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::sync_channel;

/// Records per chunk: large enough to keep every core busy, small enough that the few
/// chunks in flight stay a few megabytes.
pub const CHUNK: usize = 4096;

/// What a run is told as it goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// The run starts; the source holds this many records, when it can tell.
    Started(Option<u64>),
    /// Records written so far (after each chunk).
    Written(u64),
    /// Every record is written; the sink is completing (building spatial indexes).
    Finishing,
}

/// Options of a run.
#[derive(Default)]
pub struct RunOptions<'a> {
    /// Called from the writer thread as records are written.
    pub progress: Option<&'a (dyn Fn(Progress) + Sync)>,
    /// Set to stop reading (Ctrl-C): records already read are still written.
    pub cancel: Option<&'a AtomicBool>,
}

/// Streams every record of `source` through `checker` into `sink`, then finishes the
/// sink (unless cancelled).
///
/// ```
/// use aimaq_io::{open_engine, pipeline, EngineOptions, GeoJsonSource, RecordChecker};
/// use aimaq_io::sink::Collect;
///
/// let opened = open_engine(&EngineOptions::default()).unwrap();
/// let source = GeoJsonSource::from_text("lots", r#"{"type": "FeatureCollection", "features": [
///   {"type": "Feature", "properties": {"id": "a", "use": "residential"},
///    "geometry": {"type": "Polygon", "coordinates": [[[76.5, 43.5], [76.5005, 43.5], [76.5005, 43.5003], [76.5, 43.5]]]}},
///   {"type": "Feature", "properties": {"id": "b"}, "geometry": null}]}"#).unwrap();
/// let checker = RecordChecker::new(&opened.engine, &opened.metric, "EPSG:4326", "EPSG:4326").unwrap();
/// let mut sink = Collect::default();
/// let totals = pipeline::run(&checker, source, &mut sink, &Default::default()).unwrap();
/// assert_eq!((totals.summary.parcels_checked, totals.summary.parcels_errored), (1, 1));
/// assert_eq!(sink.into_outcomes().len(), 2);
/// ```
pub fn run<S: ParcelSource>(
    checker: &RecordChecker,
    source: S,
    sink: &mut dyn ReportSink,
    options: &RunOptions,
) -> Result<Totals> {
    let encoding = sink.encoding();
    if let Some(p) = options.progress {
        p(Progress::Started(source.info().total));
    }
    let (raw_tx, raw_rx) = sync_channel::<Vec<_>>(2);
    let (out_tx, out_rx) = sync_channel::<Vec<Outcome>>(2);
    let (spent_tx, spent_rx) = sync_channel::<Vec<Outcome>>(2);
    let mut summary = Summary::empty(checker.engine().issues());
    let mut repaired = 0;
    let mut cancelled = false;
    let cancel = options.cancel;

    std::thread::scope(|scope| -> Result<()> {
        // named threads, so that a profile says which stage the time goes to
        let reader = std::thread::Builder::new()
            .name("aimaq-reader".into())
            .spawn_scoped(scope, move || {
                let mut source = source;
                loop {
                    if cancel.is_some_and(|c| c.load(Ordering::Relaxed)) {
                        return true;
                    }
                    let chunk: Vec<_> = source.by_ref().take(CHUNK).collect();
                    if chunk.is_empty() || raw_tx.send(chunk).is_err() {
                        // the end, or downstream stopped (its error is the one to report)
                        return false;
                    }
                }
            })
            .map_err(|e| Error::Other(format!("cannot start the reader: {e}")))?;
        let writer = std::thread::Builder::new()
            .name("aimaq-writer".into())
            .spawn_scoped(scope, || -> Result<()> {
                // owned here, so the free thread ends when the writer does
                let spent_tx = spent_tx;
                let mut next = 0;
                for chunk in out_rx {
                    sink.write(&chunk)?;
                    for o in &chunk {
                        // the report's promise: one row per record, in input order
                        if o.ordinal != next {
                            return Err(Error::Other(format!("record {next} went missing")));
                        }
                        next += 1;
                        summary.add(&o.report);
                        repaired += usize::from(o.repair.is_some());
                    }
                    if let Some(p) = options.progress {
                        p(Progress::Written(next));
                    }
                    // freeing a chunk's geometries is a tenth of the writer's time: done
                    // elsewhere, as the writer is the stage the others wait for
                    let _ = spent_tx.send(chunk);
                }
                Ok(())
            })
            .map_err(|e| Error::Other(format!("cannot start the writer: {e}")))?;
        std::thread::Builder::new()
            .name("aimaq-free".into())
            .spawn_scoped(scope, move || spent_rx.into_iter().for_each(drop))
            .map_err(|e| Error::Other(format!("cannot start a thread: {e}")))?;
        for chunk in raw_rx {
            let outcomes: Vec<Outcome> = chunk
                .into_par_iter()
                .map(|r| {
                    let mut o = checker.check(r);
                    {
                        if let Err(reason) = o.encode(encoding) {
                            o.report = aimaq_check::ParcelReport::error(
                                &o.report.id,
                                o.report.proposed_use.clone(),
                                reason,
                            );
                        }
                    }
                    o
                })
                .collect();
            if out_tx.send(outcomes).is_err() {
                break; // the writer failed; its error is reported below
            }
        }
        drop(out_tx);
        let written = writer.join().expect("writer thread panicked");
        cancelled = reader.join().expect("reader thread panicked");
        written
    })?;
    let totals = Totals {
        summary,
        repaired,
        cancelled,
    };
    if !cancelled {
        if let Some(p) = options.progress {
            p(Progress::Finishing);
        }
        sink.totals(&totals);
        sink.finish()?;
    }
    Ok(totals)
}
