//! What a zone means for a proposed use: the regime matrix.

use crate::citation::Citation;
use crate::condition::{describe_when, Condition};
use crate::land_use::LandUse;
use crate::lang::{Labels, Lang};
use crate::severity::Severity;
use crate::Attributes;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Whether a use may go ahead inside a zone. Ordered from mildest to worst, as
/// [`Severity`] is: `review` says the text leaves the answer open, which is milder than a
/// stated condition and never a ban.
///
/// ```
/// use aimaq_rules::{Regime, Severity};
/// assert_eq!(Regime::Prohibited.severity(), Some(Severity::Prohibited));
/// assert_eq!(Regime::Review.severity(), Some(Severity::Review));
/// assert_eq!(Regime::Allowed.severity(), None);
/// assert!(Regime::Prohibited > Regime::Conditional);
/// assert!(Regime::Conditional > Regime::Review && Regime::Review > Regime::Allowed);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Regime {
    /// The zone does not restrict this use.
    Allowed,
    /// The text leaves the answer open for this use (it turns on a fact of the project,
    /// on an act the scheme does not name, or on a doubtful reading): the cell says why.
    Review,
    /// Allowed with an approval or an agreed project (the cell says which).
    Conditional,
    /// Not allowed.
    Prohibited,
}

impl Regime {
    /// The finding severity this regime gives; `None` for `Allowed` (no finding).
    pub fn severity(self) -> Option<Severity> {
        match self {
            Regime::Allowed => None,
            Regime::Review => Some(Severity::Review),
            Regime::Conditional => Some(Severity::Conditional),
            Regime::Prohibited => Some(Severity::Prohibited),
        }
    }
    /// Lowercase name.
    pub fn as_str(self) -> &'static str {
        match self {
            Regime::Allowed => "allowed",
            Regime::Review => "review",
            Regime::Conditional => "conditional",
            Regime::Prohibited => "prohibited",
        }
    }
}

impl fmt::Display for Regime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One cell (or block of cells) of a rule's regime matrix: for these uses, and features
/// meeting `when`, this regime, for this reason, under this citation.
///
/// ```
/// use aimaq_rules::{Catalog, Regime};
/// let catalog = Catalog::embedded();
/// let group3 = catalog.rule("zoning.group3").unwrap();
/// let house = catalog.land_use("residential").unwrap();
/// let spna = serde_json::json!({"group": 3, "subzone": "3.spna"});
/// let cell = group3.regime().cell_for(house, spna.as_object().unwrap());
/// assert_eq!(cell.regime, Regime::Prohibited);
/// assert_eq!(cell.describe_when(), "subzone = \"3.spna\"");
/// ```
#[derive(Debug, Clone, Serialize)]
pub struct RegimeCell {
    /// Use codes, `#tag` for every use carrying the tag, or `*` for all.
    pub uses: Vec<String>,
    /// Conditions on the zone feature's attributes (e.g. `subzone = "3.spna"`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub when: Vec<(String, Condition)>,
    /// The regime.
    pub regime: Regime,
    /// For `conditional` (required) and `review` (optional, the approval that comes
    /// closest): id of the approval that allows the use (see
    /// [`Catalog::approval`](crate::Catalog::approval)).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub approval: Option<String>,
    /// For `review`: what the review must settle, in the three languages.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<Labels>,
    /// Why, in a sentence (English; [`basis_labels`](Self::basis_labels) has all three).
    pub basis: String,
    /// Why, in the three languages.
    pub basis_labels: Labels,
    /// The act and lines that say so.
    pub citation: Citation,
}

impl RegimeCell {
    /// Whether the cell lists `land_use` (by code, tag or `*`).
    pub fn lists(&self, land_use: &LandUse) -> bool {
        self.uses.iter().any(|u| {
            u == "*"
                || u == &land_use.code
                || u.strip_prefix('#').is_some_and(|t| land_use.has_tag(t))
        })
    }

    /// Whether the cell applies to `land_use` on a feature with `attrs`.
    pub fn applies(&self, land_use: &LandUse, attrs: &Attributes) -> bool {
        self.lists(land_use) && self.when.iter().all(|(a, c)| c.holds(attrs.get(a)))
    }

    /// The `when` conditions in words, empty when there are none.
    pub fn describe_when(&self) -> String {
        describe_when(&self.when)
    }

    /// Why, in `lang`.
    pub fn basis_in(&self, lang: Lang) -> &str {
        self.basis_labels.get(lang)
    }

    /// For `review`: what the review must settle, in `lang`.
    pub fn reason_in(&self, lang: Lang) -> Option<&str> {
        self.reason.as_ref().map(|r| r.get(lang))
    }
}

/// A rule's regime for every use: cells tried in order, then the default.
///
/// ```
/// use aimaq_rules::{Catalog, Regime};
/// let catalog = Catalog::embedded();
/// let zone = catalog.rule("water.zone").unwrap();
/// let none = serde_json::Map::new();
/// let wash = catalog.land_use("vehicle_wash").unwrap();
/// let cell = zone.regime().cell_for(wash, &none);
/// assert_eq!(cell.regime, Regime::Prohibited);
/// // the list L593-600 ends in «тыйым салынады» at L617
/// assert_eq!(cell.citation.scheme.as_deref(), Some("L593-600, L617"));
/// let house = catalog.land_use("residential").unwrap();
/// assert_eq!(zone.regime().cell_for(house, &none).regime, Regime::Conditional);
/// ```
#[derive(Debug, Clone, Serialize)]
pub struct RegimeMatrix {
    /// Specific cells, first match wins.
    pub cells: Vec<RegimeCell>,
    /// For every use no cell lists.
    pub default: RegimeCell,
}

impl RegimeMatrix {
    /// The cell that decides `land_use` on a feature with `attrs`.
    pub fn cell_for(&self, land_use: &LandUse, attrs: &Attributes) -> &RegimeCell {
        self.cells
            .iter()
            .find(|c| c.applies(land_use, attrs))
            .unwrap_or(&self.default)
    }

    /// Every cell that may decide `land_use` (depending on the feature), in the order
    /// they are tried, the default last.
    pub fn cells_for(&self, land_use: &LandUse) -> Vec<&RegimeCell> {
        let mut out: Vec<&RegimeCell> = Vec::new();
        for c in &self.cells {
            if c.lists(land_use) {
                out.push(c);
                if c.when.is_empty() {
                    return out;
                }
            }
        }
        out.push(&self.default);
        out
    }

    /// The worst regime any cell gives.
    pub fn worst(&self) -> Regime {
        self.cells
            .iter()
            .map(|c| c.regime)
            .chain([self.default.regime])
            .max()
            .unwrap_or(Regime::Allowed)
    }
}
