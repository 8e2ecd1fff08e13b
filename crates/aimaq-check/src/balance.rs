//! Land balance of the functional zones: areas by group and sub-zone on their union, next
//! to the figures the scheme plans (Appendix 1).

use crate::prepare::ConstraintFeature;
use aimaq_rules::{Catalog, Lang};
use geo::{Area, BooleanOps, BoundingRect, Geometry, MultiPolygon, Translate};
use serde::Serialize;
use std::collections::BTreeMap;

/// One line of the balance: a group, a sub-zone, or the total.
///
/// ```
/// use aimaq_check::LandBalance;
/// use aimaq_rules::{Catalog, Lang};
/// // no zones at all: a zero total, then every group and sub-zone of the taxonomy
/// let b = LandBalance::compute(&Catalog::embedded(), &[], Lang::Ru);
/// assert_eq!((b.rows[0].level, b.rows[0].thousand_ha), ("total", 0.0));
/// assert!(b.rows.iter().any(|r| r.code == "2.pasture" && r.label == "Животноводство (пастбища)"));
/// ```
#[derive(Debug, Clone, Serialize)]
pub struct BalanceRow {
    /// `total`, `group` or `subzone`.
    pub level: &'static str,
    /// Group number or sub-zone code (`total` for the total).
    pub code: String,
    /// Name in the balance's language.
    pub label: String,
    /// Area of the union of its polygons, thousand hectares.
    pub thousand_ha: f64,
    /// Over the union of all functional zones.
    pub share: f64,
}

/// An Appendix 1 land category: the measured area of the sub-zones compared with it,
/// beside its planned figures.
///
/// ```
/// use aimaq_check::LandBalance;
/// use aimaq_rules::{Catalog, Lang};
/// let b = LandBalance::compute(&Catalog::embedded(), &[], Lang::En);
/// let water = b.categories.iter().find(|c| c.key == "water").unwrap();
/// assert_eq!(water.targets["2050"], 46.49);
/// assert!(water.citation.contains("L3892-3895"));
/// ```
#[derive(Debug, Clone, Serialize)]
pub struct CategoryRow {
    /// Category key.
    pub key: String,
    /// Name in the balance's language.
    pub label: String,
    /// Union of the sub-zones mapped to it, thousand hectares.
    pub measured_thousand_ha: f64,
    /// The plan's figures by year, thousand hectares.
    pub targets: BTreeMap<String, f64>,
    /// Appendix 1 lines.
    pub citation: String,
}

/// The land balance of a functional-zones layer.
///
/// Every area is a union, so two zones drawn over each other are counted once in the
/// total (and `sum_of_groups_thousand_ha` exceeds the total by their overlap).
///
/// ```
/// use aimaq_check::{ConstraintFeature, LandBalance, Projected};
/// use aimaq_rules::{Catalog, Lang};
/// use geo::{polygon, Geometry};
///
/// let zone = |id: &str, group: u8, subzone: &str, x0: f64| ConstraintFeature {
///     layer: "functional_zones".into(),
///     attributes: serde_json::json!({"id": id, "group": group, "subzone": subzone})
///         .as_object().unwrap().clone(),
///     // 10 × 10 km squares at UTM magnitudes, 2 km of overlap between the two
///     geometry: Ok(Projected::assume_metres(Geometry::from(polygon![
///         (x: 650_000.0 + x0, y: 4_790_000.0), (x: 660_000.0 + x0, y: 4_790_000.0),
///         (x: 660_000.0 + x0, y: 4_800_000.0), (x: 650_000.0 + x0, y: 4_800_000.0)]))),
/// };
/// let features = vec![zone("a", 2, "2.arable", 0.0), zone("b", 3, "3.spna", 8_000.0)];
/// let balance = LandBalance::compute(&Catalog::embedded(), &features, Lang::En);
/// assert!((balance.total_thousand_ha - 18.0).abs() < 1e-6); // 100 + 100 − 20 km², in 1,000 ha
/// assert!((balance.sum_of_groups_thousand_ha - 20.0).abs() < 1e-6);
/// let agri = balance.categories.iter().find(|c| c.key == "agricultural").unwrap();
/// assert!((agri.measured_thousand_ha - 10.0).abs() < 1e-6);
/// assert_eq!(agri.targets["2050"], 484.0);
/// ```
#[derive(Debug, Clone, Serialize)]
pub struct LandBalance {
    /// The language of the labels.
    pub lang: Lang,
    /// The total, then each group followed by its sub-zones.
    pub rows: Vec<BalanceRow>,
    /// Appendix 1 categories.
    pub categories: Vec<CategoryRow>,
    /// Union of all functional zones, thousand hectares.
    pub total_thousand_ha: f64,
    /// Sum of the groups' unions: above the total when groups overlap.
    pub sum_of_groups_thousand_ha: f64,
    /// The scheme's total area of the agglomeration, thousand hectares.
    pub planned_total_thousand_ha: f64,
    /// Features left out of the balance, and why.
    pub skipped: Vec<String>,
}

fn union_all(parts: Vec<MultiPolygon<f64>>) -> MultiPolygon<f64> {
    parts
        .into_iter()
        .fold(MultiPolygon::new(Vec::new()), |acc, p| {
            if acc.0.is_empty() {
                p
            } else {
                acc.union(&p)
            }
        })
}

const M2_PER_THOUSAND_HA: f64 = 1e7;

impl LandBalance {
    /// Measures the features of the catalog's zoning layer among `features` (others are
    /// ignored). Features without a known sub-zone or a polygon are listed in `skipped`.
    pub fn compute(catalog: &Catalog, features: &[ConstraintFeature], lang: Lang) -> LandBalance {
        let zoning = catalog.zoning();
        let mut by_subzone: BTreeMap<String, Vec<MultiPolygon<f64>>> = BTreeMap::new();
        let mut skipped = Vec::new();
        let mut origin = None;
        for (i, f) in features
            .iter()
            .filter(|f| zoning.is_some_and(|z| z.layer == f.layer))
            .enumerate()
        {
            let label = f
                .attributes
                .get("id")
                .and_then(|v| v.as_str())
                .map(String::from)
                .unwrap_or_else(|| format!("#{i}"));
            let code = f.attributes.get("subzone").and_then(|v| v.as_str());
            let Some(sub) = code.and_then(|c| zoning.and_then(|z| z.subzone(c))) else {
                skipped.push(format!("{label}: no known `subzone`"));
                continue;
            };
            let mp = match &f.geometry {
                Ok(g) => match g.geometry() {
                    Geometry::Polygon(p) => MultiPolygon(vec![p.clone()]),
                    Geometry::MultiPolygon(mp) => mp.clone(),
                    _ => {
                        skipped.push(format!("{label}: not a polygon"));
                        continue;
                    }
                },
                Err(e) => {
                    skipped.push(format!("{label}: {e}"));
                    continue;
                }
            };
            // boolean operations snap to a grid scaled to their inputs: work near 0
            let o = *origin
                .get_or_insert_with(|| mp.bounding_rect().map(|r| r.center()).unwrap_or_default());
            by_subzone
                .entry(sub.code.clone())
                .or_default()
                .push(mp.translate(-o.x, -o.y));
        }
        let subzone_union: BTreeMap<String, MultiPolygon<f64>> = by_subzone
            .into_iter()
            .map(|(code, parts)| (code, union_all(parts)))
            .collect();
        let area = |mp: &MultiPolygon<f64>| mp.unsigned_area() / M2_PER_THOUSAND_HA;
        let total_geom = union_all(subzone_union.values().cloned().collect());
        let total = area(&total_geom);
        let share = |v: f64| if total > 0.0 { v / total } else { 0.0 };

        let mut rows = vec![BalanceRow {
            level: "total",
            code: "total".into(),
            label: "total".into(),
            thousand_ha: total,
            share: share(total),
        }];
        let mut sum_of_groups = 0.0;
        let mut categories = Vec::new();
        if let Some(z) = zoning {
            for g in &z.groups {
                let members: Vec<_> = z.subzones.iter().filter(|s| s.group == g.number).collect();
                let group_geom = union_all(
                    members
                        .iter()
                        .filter_map(|s| subzone_union.get(&s.code).cloned())
                        .collect(),
                );
                let g_area = area(&group_geom);
                sum_of_groups += g_area;
                rows.push(BalanceRow {
                    level: "group",
                    code: g.number.to_string(),
                    label: g.labels.get(lang).to_string(),
                    thousand_ha: g_area,
                    share: share(g_area),
                });
                for s in members {
                    let a = subzone_union.get(&s.code).map(area).unwrap_or(0.0);
                    rows.push(BalanceRow {
                        level: "subzone",
                        code: s.code.clone(),
                        label: s.labels.get(lang).to_string(),
                        thousand_ha: a,
                        share: share(a),
                    });
                }
            }
            for c in &z.categories {
                let geom = union_all(
                    z.subzones
                        .iter()
                        .filter(|s| s.category == c.key)
                        .filter_map(|s| subzone_union.get(&s.code).cloned())
                        .collect(),
                );
                categories.push(CategoryRow {
                    key: c.key.clone(),
                    label: c.labels.get(lang).to_string(),
                    measured_thousand_ha: area(&geom),
                    targets: c.targets.clone(),
                    citation: c.citation.to_string(),
                });
            }
        }
        LandBalance {
            lang,
            rows,
            categories,
            total_thousand_ha: total,
            sum_of_groups_thousand_ha: sum_of_groups,
            planned_total_thousand_ha: zoning.map(|z| z.total_thousand_ha).unwrap_or(0.0),
            skipped,
        }
    }
}
