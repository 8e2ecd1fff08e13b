//! A normalised request through the engine: the JSON contract of `aimaq check`, plus
//! the parcels and the encumbered parts as GeoJSON (WGS84) for the map.

use crate::request::CheckRequest;
use crate::{Desk, Error};
use aimaq_check::{ParcelReport, Summary, Verdict};
use aimaq_io::ParcelRecord;
use geo::{Geometry, MultiPolygon};
use serde_json::{json, Value};

/// What the engine answered.
#[derive(Debug, Clone)]
pub struct Decided {
    /// The JSON contract (docs/output.md), with `geometry`: a FeatureCollection of the
    /// parcels and of every finding's encumbered part, in WGS84.
    pub result: Value,
    /// The worst verdict over the parcels.
    pub verdict: Verdict,
    /// Parcels the engine could not check, with why.
    pub errors: Vec<(String, String)>,
}

/// Runs `request` on `desk`. Never fails for a parcel's sake: a parcel that cannot be
/// checked is in [`Decided::errors`] (the HTTP API refuses to record those; verification
/// reports them as a difference).
pub fn run(desk: &Desk, request: &CheckRequest) -> Result<Decided, Error> {
    let engine = desk.engine(request.lang, request.as_of)?;
    let crs = desk.input_crs(&request.crs)?;
    let checker = desk.checker(engine.engine, &crs)?;
    let mut reports: Vec<ParcelReport> = Vec::with_capacity(request.parcels.len());
    let mut features = Vec::new();
    let mut errors = Vec::new();
    for (i, p) in request.parcels.iter().enumerate() {
        let outcome = checker.check(ParcelRecord {
            ordinal: i as u64,
            fid: None,
            id: Ok(p.id.clone()),
            proposed_use: Ok(p.use_code.clone()),
            geometry: Ok(Geometry::MultiPolygon(p.geometry.clone())),
            attributes: Vec::new(),
        });
        let r = &outcome.report;
        if r.verdict == Verdict::Error {
            errors.push((r.id.clone(), r.error.clone().unwrap_or_default()));
        }
        if let Some(g) = &outcome.parcel_geometry {
            features.push(feature(
                g,
                json!({"kind": "parcel", "parcel": r.id, "verdict": r.verdict, "area_m2": round3(r.area_m2)}),
            ));
        }
        let mut parts = Vec::with_capacity(r.findings.len());
        for (f, g) in r.findings.iter().zip(&outcome.finding_geometries) {
            parts.push((f.severity.as_str(), g));
            features.push(feature(
                g,
                json!({
                    "kind": "finding", "parcel": r.id, "rule": f.rule, "layer": f.layer,
                    "feature": f.feature, "feature_name": f.feature_name, "severity": f.severity,
                    "encumbered_m2": round3(f.encumbered_m2),
                }),
            ));
        }
        // what the map paints: each severity once, the worse ones cut out of the milder,
        // so a pixel inside a prohibited part is red whatever else overlaps it
        for (severity, g) in shading(&parts) {
            features.push(feature(
                &g,
                json!({"kind": "shade", "parcel": r.id, "severity": severity}),
            ));
        }
        reports.push(outcome.report);
    }
    let verdict = reports
        .iter()
        .map(|r| r.verdict)
        .max()
        .unwrap_or(Verdict::Clear);
    // the contract as `Report` serialises it: the parts that depend on the engine only
    // (lang, crs, catalog, dataset) come ready-made, the parcels and their summary are added
    let mut result = (*desk.report_head(engine.engine)).clone();
    let json = |v: Result<Value, serde_json::Error>| v.map_err(|e| Error::Internal(e.to_string()));
    result["summary"] = json(serde_json::to_value(Summary::of(
        &reports,
        engine.engine.issues(),
    )))?;
    result["parcels"] = json(serde_json::to_value(&reports))?;
    // engines are shared by dates with the same rules: the report states the date asked
    if let (Some(date), Some(catalog)) = (request.as_of, result["catalog"].as_object_mut()) {
        catalog.insert("as_of".into(), json!(date));
    }
    result["geometry"] = json!({"type": "FeatureCollection", "features": features});
    Ok(Decided {
        result,
        verdict,
        errors,
    })
}

/// The encumbered parts as the map paints them: per severity, the union of its findings'
/// parts less every worse severity's, worst first (`prohibited`, `conditional`,
/// `review`), so no two overlap and no milder colour is ever painted over a worse one.
/// The record's map and the page draw these.
///
/// ```
/// use geo::{MultiPolygon, Rect};
/// let square = |x0: f64, x1: f64| MultiPolygon(vec![Rect::new((x0, 0.0), (x1, 1.0)).to_polygon()]);
/// let (a, b) = (square(0.0, 2.0), square(1.0, 3.0));
/// let shades = aimaq_server::decide::shading(&[("conditional", &a), ("prohibited", &b)]);
/// assert_eq!(shades[0].0, "prohibited");
/// assert_eq!(shades[1].0, "conditional");
/// use geo::Area;
/// assert!((shades[1].1.unsigned_area() - 1.0).abs() < 1e-9);
/// ```
pub fn shading(parts: &[(&str, &MultiPolygon<f64>)]) -> Vec<(&'static str, MultiPolygon<f64>)> {
    use geo::BooleanOps;
    let mut out = Vec::new();
    let mut worse: Option<MultiPolygon<f64>> = None;
    for severity in ["prohibited", "conditional", "review"] {
        let mut union: Option<MultiPolygon<f64>> = None;
        for (_, g) in parts.iter().filter(|(s, _)| *s == severity) {
            union = Some(match union {
                None => (*g).clone(),
                Some(u) => u.union(*g),
            });
        }
        let Some(union) = union else { continue };
        let own = match &worse {
            Some(w) => union.difference(w),
            None => union.clone(),
        };
        worse = Some(match worse {
            Some(w) => w.union(&union),
            None => union,
        });
        if !own.0.is_empty() {
            out.push((severity, own));
        }
    }
    out
}

fn round3(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}

/// A GeoJSON Feature of `g`, coordinates rounded to 1e-8° (about a millimetre): the
/// map's drawing, stored with every decision, needs no more (the contract's numbers were
/// measured before), and the answer is a third smaller.
fn feature(g: &MultiPolygon<f64>, properties: Value) -> Value {
    let r = |v: f64| (v * 1e8).round() / 1e8;
    let ring = |l: &geo::LineString<f64>| -> Vec<[f64; 2]> {
        l.0.iter().map(|c| [r(c.x), r(c.y)]).collect()
    };
    let polygons: Vec<Vec<Vec<[f64; 2]>>> =
        g.0.iter()
            .map(|p| {
                std::iter::once(ring(p.exterior()))
                    .chain(p.interiors().iter().map(ring))
                    .collect()
            })
            .collect();
    json!({
        "type": "Feature",
        "properties": properties,
        "geometry": {"type": "MultiPolygon", "coordinates": polygons},
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::{parse, CheckParams, CheckRequest};
    use crate::Limits;

    #[test]
    fn the_car_wash_by_the_turgen_is_prohibited_as_aimaq_check_says() {
        let desk = crate::testing::desk();
        let body = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../fixtures/parcels/demo.geojson"
        ))
        .unwrap();
        let all: Value = serde_json::from_str(&body).unwrap();
        let p025 = all["features"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["properties"]["id"] == "P-025")
            .unwrap()
            .clone();
        let request = parse(
            desk,
            p025.to_string().as_bytes(),
            "application/geo+json",
            &CheckParams::default(),
            &Limits::default(),
        )
        .unwrap();
        let decided = run(desk, &request).unwrap();
        assert_eq!(decided.verdict, Verdict::Prohibited);
        let f = &decided.result["parcels"][0]["findings"][0];
        assert_eq!(f["rule"], "water.zone");
        assert_eq!(f["feature"], "wb-005");
        assert_eq!(f["limit_m"], 550.0);
        // the contract of `aimaq check --format json` on the same parcel, field for field
        let opened = aimaq_io::open_engine(&Default::default()).unwrap();
        let checker =
            aimaq_io::RecordChecker::new(&opened.engine, &opened.metric, "EPSG:4326", "EPSG:4326")
                .unwrap()
                .with_repair(false);
        let source = aimaq_io::GeoJsonSource::from_text(
            "p",
            &json!({"type": "FeatureCollection", "features": [p025]}).to_string(),
        )
        .unwrap();
        let mut sink = aimaq_io::sink::JsonReport::new(&opened.engine, Vec::new());
        aimaq_io::pipeline::run(&checker, source, &mut sink, &Default::default()).unwrap();
        let cli: Value = serde_json::from_slice(&sink.into_inner()).unwrap();
        let mut contract = decided.result.clone();
        contract.as_object_mut().unwrap().remove("geometry");
        assert_eq!(
            cli, contract,
            "the contract of `aimaq check --format json`, field for field"
        );
        let kinds: Vec<&str> = decided.result["geometry"]["features"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["properties"]["kind"].as_str().unwrap())
            .collect();
        assert_eq!(kinds[0], "parcel");
        assert!(kinds[1..].iter().all(|k| *k == "finding" || *k == "shade"));
        // painted once per severity, the worst first: prohibited, then what is left
        let shades: Vec<&str> = decided.result["geometry"]["features"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["properties"]["kind"] == "shade")
            .map(|f| f["properties"]["severity"].as_str().unwrap())
            .collect();
        assert_eq!(shades.first(), Some(&"prohibited"), "{shades:?}");

        // with a date: the date asked, the rules not in force then
        let dated = CheckRequest {
            as_of: Some("2023-06-01".parse().unwrap()),
            ..request
        };
        let v = run(desk, &dated).unwrap().result;
        assert_eq!(v["catalog"]["as_of"], "2023-06-01");
        let engine = desk
            .engine(aimaq_rules::Lang::En, dated.as_of)
            .unwrap()
            .engine;
        let expected = serde_json::to_value(aimaq_check::Report::new(engine, vec![])).unwrap();
        assert_eq!(
            v["catalog"]["not_in_force"],
            expected["catalog"]["not_in_force"]
        );
    }
}
