//! The JSON contract of `aimaq check` (docs/output.md): summary, catalog, dataset and
//! every parcel with its findings.

use super::{Outcome, ReportSink};
use crate::{Error, Result};
use aimaq_check::{Engine, ParcelReport, Report};
use std::io::Write;

/// Writes the [`Report`] JSON once every parcel is in (its summary comes first).
pub struct JsonReport<'e, W: Write + Send> {
    engine: &'e Engine,
    out: W,
    parcels: Vec<ParcelReport>,
}

impl<'e, W: Write + Send> JsonReport<'e, W> {
    /// A report of `engine`'s answers, written pretty-printed to `out`.
    pub fn new(engine: &'e Engine, out: W) -> Self {
        JsonReport {
            engine,
            out,
            parcels: Vec::new(),
        }
    }

    /// The writer, once finished.
    pub fn into_inner(self) -> W {
        self.out
    }
}

impl<W: Write + Send> ReportSink for JsonReport<'_, W> {
    fn write(&mut self, outcomes: &[Outcome]) -> Result<()> {
        self.parcels
            .extend(outcomes.iter().map(|o| o.report.clone()));
        Ok(())
    }

    fn finish(&mut self) -> Result<()> {
        let report = Report::new(self.engine, std::mem::take(&mut self.parcels));
        let io = |cause| Error::Write {
            path: "the JSON report".into(),
            cause,
        };
        serde_json::to_writer_pretty(&mut self.out, &report).map_err(|e| io(e.into()))?;
        writeln!(self.out).map_err(io)?;
        self.out.flush().map_err(io)
    }
}
