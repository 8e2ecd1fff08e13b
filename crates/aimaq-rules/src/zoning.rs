//! The scheme's functional-zoning taxonomy and the land balance it plans (Appendix 1).

use crate::citation::Citation;
use crate::lang::Labels;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One of the four top-level groups of functional zones (scheme L124-132).
///
/// ```
/// let catalog = aimaq_rules::Catalog::embedded();
/// let g2 = catalog.zoning().unwrap().group(2).unwrap();
/// assert_eq!(g2.labels.kk, "Қоршаған табиғи ортаны экстенсивті игеру аймақтары");
/// assert_eq!(g2.citation.scheme.as_deref(), Some("L129"));
/// ```
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ZoneGroup {
    /// 1 to 4.
    pub number: u8,
    /// Name in the three languages.
    pub labels: Labels,
    /// Where the scheme defines it.
    pub citation: Citation,
}

/// A sub-zone of a group, the value of a `functional_zones` feature's `subzone`.
///
/// ```
/// let catalog = aimaq_rules::Catalog::embedded();
/// let zoning = catalog.zoning().unwrap();
/// let spna = zoning.subzone("3.spna").unwrap();
/// assert_eq!(spna.group, 3);
/// assert_eq!(spna.category, "spna_recreation_heritage");
/// ```
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Subzone {
    /// Stable code, `<group>.<name>`, e.g. `2.pasture`.
    pub code: String,
    /// Its group.
    pub group: u8,
    /// Name in the three languages (kk as the scheme writes it).
    pub labels: Labels,
    /// The Appendix 1 land category whose figures it is compared with.
    pub category: String,
    /// Where the scheme describes it.
    pub citation: Citation,
}

/// A land category of the scheme's Appendix 1 land balance, with its planned figures.
///
/// ```
/// let catalog = aimaq_rules::Catalog::embedded();
/// let reserve = catalog.zoning().unwrap().category("reserve").unwrap();
/// assert_eq!((reserve.targets["2018"], reserve.targets["2050"]), (37.54, 0.0));
/// ```
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LandCategory {
    /// Stable key.
    pub key: String,
    /// Name in the three languages.
    pub labels: Labels,
    /// Thousand hectares by year (`2018` current state, `2025`, `2035`, `2050`).
    pub targets: BTreeMap<String, f64>,
    /// The Appendix 1 lines.
    pub citation: Citation,
}

/// The taxonomy and the plan's land balance.
///
/// ```
/// let catalog = aimaq_rules::Catalog::embedded();
/// let zoning = catalog.zoning().unwrap();
/// assert_eq!(zoning.layer, "functional_zones");
/// assert_eq!(zoning.groups.len(), 4);
/// // the categories' 2018 figures add up to the total (DIGEST §7.1)
/// let sum: f64 = zoning.categories.iter().map(|c| c.targets["2018"]).sum();
/// assert!((sum - zoning.total_thousand_ha).abs() < 1e-9);
/// ```
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Zoning {
    /// The dataset layer holding the functional zones.
    pub layer: String,
    /// Total area of the agglomeration in the plan, thousand ha.
    pub total_thousand_ha: f64,
    /// Where the total comes from.
    pub total_citation: Citation,
    /// The four groups.
    #[serde(rename = "group")]
    pub groups: Vec<ZoneGroup>,
    /// Their sub-zones.
    #[serde(rename = "subzone")]
    pub subzones: Vec<Subzone>,
    /// Appendix 1 land categories.
    #[serde(rename = "category")]
    pub categories: Vec<LandCategory>,
}

impl Zoning {
    /// The sub-zone with this code.
    pub fn subzone(&self, code: &str) -> Option<&Subzone> {
        self.subzones.iter().find(|s| s.code == code)
    }
    /// The group with this number.
    pub fn group(&self, number: u8) -> Option<&ZoneGroup> {
        self.groups.iter().find(|g| g.number == number)
    }
    /// The land category with this key.
    pub fn category(&self, key: &str) -> Option<&LandCategory> {
        self.categories.iter().find(|c| c.key == key)
    }
}
