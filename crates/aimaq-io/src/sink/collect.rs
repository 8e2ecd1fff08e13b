//! Keeps every outcome for the caller: for embedding, and for renderers that need the
//! whole report at once (the text table).

use super::{Outcome, ReportSink};
use crate::Result;

/// Keeps the outcomes, in input order.
///
/// ```
/// use aimaq_io::sink::{Collect, ReportSink};
/// let mut sink = Collect::default();
/// sink.finish().unwrap();
/// assert!(sink.into_outcomes().is_empty());
/// ```
#[derive(Debug, Default)]
pub struct Collect {
    outcomes: Vec<Outcome>,
    wkb: bool,
}

impl Collect {
    /// A sink that also asks for WKB geometries.
    pub fn with_wkb() -> Collect {
        Collect {
            outcomes: Vec::new(),
            wkb: true,
        }
    }

    /// What was written.
    pub fn into_outcomes(self) -> Vec<Outcome> {
        self.outcomes
    }
}

impl ReportSink for Collect {
    fn encoding(&self) -> super::Encoding {
        if self.wkb {
            super::Encoding::Wkb
        } else {
            super::Encoding::Geo
        }
    }

    fn write(&mut self, outcomes: &[Outcome]) -> Result<()> {
        self.outcomes.extend_from_slice(outcomes);
        Ok(())
    }

    fn finish(&mut self) -> Result<()> {
        Ok(())
    }
}
