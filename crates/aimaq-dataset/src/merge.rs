//! From candidates to the dataset's features: ways of a relation kept once, rivers of
//! several ways assembled, and the same object from two sources kept once.
//!
//! Two features of one layer from different sources are taken for the same object when
//! every vertex of one lies within [`DUPLICATE_TOLERANCE_M`] of the other (it runs along
//! it, or lies inside the polygon) and, when both are named, their names are alike
//! (Jaro-Winkler ≥ [`NAME_SIMILARITY`], case, punctuation and spaces ignored, Kazakh letters folded to Russian ones, over `name`, `name_kk`, `name_ru` and, for OSM, the `name:kk`, `name:ru`, `name:en` tags).
//! The earlier source's feature is kept; the later one is dropped and listed.

use crate::summary::{BuildIssue, Candidate, Duplicate, SourceSummary};
use geo::{BoundingRect, Distance, Euclidean};
use std::collections::{BTreeMap, HashMap, HashSet};

/// How far apart, m, two sources' drawings of one object may be.
pub const DUPLICATE_TOLERANCE_M: f64 = 10.0;
/// How alike two names must be to name one object.
pub const NAME_SIMILARITY: f64 = 0.85;

pub(crate) struct Merged {
    pub kept: Vec<Candidate>,
    pub duplicates: Vec<Duplicate>,
}

fn skip(sources: &mut [SourceSummary], source: usize, reason: String) {
    *sources[source].skipped.entry(reason).or_insert(0) += 1;
}

type Key = Vec<(i64, i64)>;

fn key(l: &geo::LineString<f64>) -> Key {
    l.0.iter()
        .map(|c| ((c.x * 1e7).round() as i64, (c.y * 1e7).round() as i64))
        .collect()
}

fn lines(g: &geo::Geometry<f64>) -> Vec<&geo::LineString<f64>> {
    match g {
        geo::Geometry::MultiLineString(m) => m.0.iter().collect(),
        geo::Geometry::LineString(l) => vec![l],
        _ => vec![],
    }
}

pub(crate) fn merge(
    candidates: Vec<Candidate>,
    sources: &mut [SourceSummary],
    _issues: &mut Vec<BuildIssue>,
) -> Merged {
    // 1. ways that are parts of a relation of the same layer and source: kept as the relation
    let mut parts: HashMap<(usize, String, Key), String> = HashMap::new();
    for c in candidates
        .iter()
        .filter(|c| c.reference.starts_with("relation/"))
    {
        for l in lines(&c.geometry) {
            let k = key(l);
            let mut r = k.clone();
            r.reverse();
            parts.insert((c.source, c.layer.clone(), k), c.reference.clone());
            parts.insert((c.source, c.layer.clone(), r), c.reference.clone());
        }
    }
    let mut rest = Vec::new();
    for c in candidates {
        if c.reference.starts_with("way/") {
            let ls = lines(&c.geometry);
            if ls.len() == 1 {
                if let Some(rel) = parts.get(&(c.source, c.layer.clone(), key(ls[0]))) {
                    let _ = rel;
                    skip(
                        sources,
                        c.source,
                        "a member way of a relation (kept as the relation)".into(),
                    );
                    continue;
                }
            }
        }
        rest.push(c);
    }
    // 2. rivers of several ways: one name, touching ends
    let rest = assemble(rest, sources);
    // 3. the same object from two sources
    let mut kept: Vec<Candidate> = Vec::new();
    let mut duplicates = Vec::new();
    let mut by_layer: HashMap<String, Vec<usize>> = HashMap::new();
    for c in rest {
        let mut dup = None;
        if let Some(earlier) = by_layer.get(&c.layer) {
            for &i in earlier {
                let k = &kept[i];
                if k.source == c.source {
                    continue;
                }
                if let Some(d) = same_object(k, &c) {
                    dup = Some((i, d));
                    break;
                }
            }
        }
        match dup {
            Some((i, (distance_m, name_similarity))) => {
                let k = &kept[i];
                duplicates.push(Duplicate {
                    layer: c.layer.clone(),
                    kept: format!(
                        "{}: {}",
                        source_name(&k.attrs),
                        k.attrs["id"].as_str().unwrap_or("")
                    ),
                    dropped: format!(
                        "{}: {}",
                        source_name(&c.attrs),
                        c.attrs["id"].as_str().unwrap_or("")
                    ),
                    distance_m: (distance_m * 1000.0).round() / 1000.0,
                    name_similarity: name_similarity.map(|s| (s * 1000.0).round() / 1000.0),
                });
                skip(
                    sources,
                    c.source,
                    "the same object as an earlier source's (see duplicates)".into(),
                );
            }
            None => {
                by_layer
                    .entry(c.layer.clone())
                    .or_default()
                    .push(kept.len());
                kept.push(c);
            }
        }
    }
    Merged { kept, duplicates }
}

fn source_name(a: &aimaq_rules::Attributes) -> &str {
    a.get("source").and_then(|v| v.as_str()).unwrap_or("")
}

fn way_number(r: &str) -> i64 {
    r.trim_start_matches("way/").parse().unwrap_or(i64::MAX)
}

fn assemble(candidates: Vec<Candidate>, sources: &mut [SourceSummary]) -> Vec<Candidate> {
    // groups: source, layer, entry, name, kind
    let mut groups: BTreeMap<(usize, String, usize, String, String), Vec<usize>> = BTreeMap::new();
    for (i, c) in candidates.iter().enumerate() {
        if !c.assemble || !c.reference.starts_with("way/") {
            continue;
        }
        let Some(name) = c.name() else { continue };
        let kind = c
            .attrs
            .get("kind")
            .map(|k| k.to_string())
            .unwrap_or_default();
        groups
            .entry((
                c.source,
                c.layer.clone(),
                c.entry_line,
                name.to_string(),
                kind,
            ))
            .or_default()
            .push(i);
    }
    let mut absorbed: HashSet<usize> = HashSet::new();
    let mut replaced: HashMap<usize, Candidate> = HashMap::new();
    for members in groups.values().filter(|m| m.len() > 1) {
        // union-find over shared end points
        let mut parent: Vec<usize> = (0..members.len()).collect();
        fn find(p: &mut [usize], i: usize) -> usize {
            let mut i = i;
            while p[i] != i {
                p[i] = p[p[i]];
                i = p[i];
            }
            i
        }
        let mut ends: HashMap<(i64, i64), usize> = HashMap::new();
        for (j, &i) in members.iter().enumerate() {
            for l in lines(&candidates[i].geometry) {
                for c in [l.0.first(), l.0.last()].into_iter().flatten() {
                    let k = ((c.x * 1e7).round() as i64, (c.y * 1e7).round() as i64);
                    match ends.get(&k) {
                        Some(&other) => {
                            let (a, b) = (find(&mut parent, j), find(&mut parent, other));
                            parent[a] = b;
                        }
                        None => {
                            ends.insert(k, j);
                        }
                    }
                }
            }
        }
        let mut components: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        for (j, &member) in members.iter().enumerate() {
            let r = find(&mut parent, j);
            components.entry(r).or_default().push(member);
        }
        for comp in components.values().filter(|c| c.len() > 1) {
            let mut comp = comp.clone();
            comp.sort_by_key(|&i| way_number(&candidates[i].reference));
            let first = comp[0];
            let mut c = candidates[first].clone();
            let mut parts = Vec::new();
            let mut refs = Vec::new();
            for &i in &comp {
                parts.extend(lines(&candidates[i].geometry).into_iter().cloned());
                refs.push(candidates[i].reference.clone());
                if i != first {
                    absorbed.insert(i);
                    skip(
                        sources,
                        candidates[i].source,
                        "a piece of a river assembled from several ways".into(),
                    );
                }
            }
            c.geometry = geo::Geometry::MultiLineString(geo::MultiLineString(parts));
            c.attrs.insert(
                "source_ref".into(),
                serde_json::Value::String(refs.join(", ")),
            );
            replaced.insert(first, c);
        }
    }
    candidates
        .into_iter()
        .enumerate()
        .filter(|(i, _)| !absorbed.contains(i))
        .map(|(i, c)| replaced.remove(&i).unwrap_or(c))
        .collect()
}

fn names(c: &Candidate) -> Vec<String> {
    ["name", "name_kk", "name_ru"]
        .iter()
        .filter_map(|k| c.attrs.get(*k).and_then(|v| v.as_str()))
        .chain(c.alt_names.iter().map(String::as_str))
        .map(fold)
        .filter(|s| !s.is_empty())
        .collect()
}

/// A name as compared: lower case, letters and digits only, the Kazakh letters folded
/// to their Russian neighbours (`ВЛ 220 кВ Алма – Есік` and `ВЛ-220 кВ Алма - Есик`
/// become the same `вл220квалмаесик`).
fn fold(name: &str) -> String {
    name.to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric())
        .map(|c| match c {
            'і' => 'и',
            'ғ' => 'г',
            'қ' => 'к',
            'ң' => 'н',
            'ө' => 'о',
            'ұ' | 'ү' => 'у',
            'ә' => 'а',
            'һ' => 'х',
            'ё' => 'е',
            c => c,
        })
        .collect()
}

/// Metres per degree near `lat` (a local equirectangular frame: at 10 m the error is
/// far below a millimetre).
fn frame(lat: f64) -> (f64, f64) {
    (111_320.0 * lat.to_radians().cos(), 110_540.0)
}

fn to_local(g: &geo::Geometry<f64>, (kx, ky): (f64, f64)) -> geo::Geometry<f64> {
    use geo::MapCoords;
    g.map_coords(|c| geo::coord! { x: c.x * kx, y: c.y * ky })
}

/// Largest distance from `a`'s vertices to `b`.
fn reach(a: &geo::Geometry<f64>, b: &geo::Geometry<f64>) -> f64 {
    use geo::CoordsIter;
    a.coords_iter()
        .map(|c| Euclidean.distance(&geo::Point::from(c), b))
        .fold(0.0, f64::max)
}

/// `(distance, name similarity)` when `a` and `b` look like one object.
fn same_object(a: &Candidate, b: &Candidate) -> Option<(f64, Option<f64>)> {
    let (ra, rb) = (a.geometry.bounding_rect()?, b.geometry.bounding_rect()?);
    let lat = (ra.min().y + ra.max().y) / 2.0;
    let (kx, ky) = frame(lat);
    let margin_x = DUPLICATE_TOLERANCE_M / kx;
    let margin_y = DUPLICATE_TOLERANCE_M / ky;
    if ra.max().x + margin_x < rb.min().x
        || rb.max().x + margin_x < ra.min().x
        || ra.max().y + margin_y < rb.min().y
        || rb.max().y + margin_y < ra.min().y
    {
        return None;
    }
    let similarity = {
        let (na, nb) = (names(a), names(b));
        if na.is_empty() || nb.is_empty() {
            None
        } else {
            let best = na
                .iter()
                .flat_map(|x| nb.iter().map(move |y| strsim::jaro_winkler(x, y)))
                .fold(0.0, f64::max);
            if best < NAME_SIMILARITY {
                return None;
            }
            Some(best)
        }
    };
    let (ga, gb) = (
        to_local(&a.geometry, (kx, ky)),
        to_local(&b.geometry, (kx, ky)),
    );
    let d = reach(&gb, &ga).min(reach(&ga, &gb));
    (d <= DUPLICATE_TOLERANCE_M).then_some((d, similarity))
}
