//! What resolving a rule for one feature gives: the zone and the problems met.

use crate::zone::Zone;

/// A rule's outcome for one feature: the zone, if one could be found, and any problems.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Resolution {
    /// The zone, or `None` when no width applies.
    pub zone: Option<Zone>,
    /// Problems: `(is_error, message)`.
    pub problems: Vec<(bool, String)>,
}

impl Resolution {
    pub(crate) fn error(&mut self, msg: String) {
        self.problems.push((true, msg));
    }
    pub(crate) fn warning(&mut self, msg: String) {
        self.problems.push((false, msg));
    }
}
