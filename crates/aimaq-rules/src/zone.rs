//! A rule resolved for one feature: the distance limit and the citation behind it.

use crate::citation::Citation;
use serde::Serialize;

/// The distance limit that applies to a feature, in metres from its stored geometry.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Limit {
    /// Closer than this is inside the zone.
    Fixed {
        /// Metres.
        m: f64,
    },
    /// Closer than `min` is inside; between `min` and `max` needs review.
    Range {
        /// Metres.
        min: f64,
        /// Metres.
        max: f64,
    },
    /// `inside` metres for parcel parts within settlements, `outside` for the rest.
    BySettlement {
        /// Metres.
        inside: f64,
        /// Metres.
        outside: f64,
    },
    /// Any overlap of positive area.
    Overlap,
}

impl Limit {
    /// The largest distance at which a parcel can still be affected.
    pub fn reach(&self) -> f64 {
        match *self {
            Limit::Fixed { m } => m,
            Limit::Range { max, .. } => max,
            Limit::BySettlement { inside, outside } => inside.max(outside),
            Limit::Overlap => 0.0,
        }
    }

    /// The limit measured from a reference line `d` metres outside the stored geometry.
    pub(crate) fn shifted(self, d: f64) -> Limit {
        if d == 0.0 {
            return self;
        }
        match self {
            Limit::Fixed { m } => Limit::Fixed { m: m + d },
            Limit::Range { min, max } => Limit::Range {
                min: min + d,
                max: max + d,
            },
            Limit::BySettlement { inside, outside } => Limit::BySettlement {
                inside: inside + d,
                outside: outside + d,
            },
            Limit::Overlap => Limit::Overlap,
        }
    }
}

/// Where a feature's width came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "detail", rename_all = "snake_case")]
pub enum WidthBasis {
    /// A value the catalog states for this class of feature.
    Catalog,
    /// The feature's own attribute, within its act's range or with no act to check against.
    Attribute(String),
    /// A named object's act (key).
    NamedObject(String),
    /// The national default for objects without a project.
    Default,
    /// Nothing determines the width: the zone is a `review` band as far as it could
    /// reach (`Limit::Range` from 0), never a silent skip.
    Unknown(UnknownWidth),
}

/// How far a zone whose width nothing gives is drawn when not even its rule's widest
/// width is known: a parcel on the feature, to the report's centimetre.
pub const ON_FEATURE_M: f64 = 0.01;

/// Why a feature's width is unknown, for the finding's words.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct UnknownWidth {
    /// The feature's values the rule gives no width for, e.g. `voltage_kv = 110`.
    pub found: Vec<String>,
    /// The attributes that would give the width.
    pub supply: Vec<String>,
    /// Whether the band's width is another act's (outside the scheme, to verify: the
    /// zone's citation names it) rather than the widest the rule itself gives.
    pub outside_scheme: bool,
}

/// A rule resolved for one feature: its limit and the citation behind it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Zone {
    /// Distance limit from the stored geometry, offset included.
    pub limit: Limit,
    /// Metres between the stored geometry and the reference line (already in `limit`).
    pub offset_m: f64,
    /// The most specific citation of the width.
    pub citation: Citation,
    /// For `BySettlement`: citations of the inside and outside widths.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub settlement_citations: Option<(Citation, Citation)>,
    /// Where the width came from.
    pub basis: WidthBasis,
}

impl Zone {
    /// A zone measured from the stored geometry, without settlement citations.
    pub(crate) fn new(limit: Limit, citation: Citation, basis: WidthBasis) -> Zone {
        Zone {
            limit,
            offset_m: 0.0,
            citation,
            settlement_citations: None,
            basis,
        }
    }

    /// The zone measured from a reference line `offset_m` outside the stored geometry.
    pub(crate) fn offset_by(mut self, offset_m: f64) -> Zone {
        self.limit = self.limit.shifted(offset_m);
        self.offset_m = offset_m;
        self
    }
}
