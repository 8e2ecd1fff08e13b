//! Issue 13, phase 2: each item at its boundary, on synthetic geometry at UTM magnitudes,
//! traced to the scheme's line in the test's name.
//!
//! Frame as in `regimes.rs`: a feature along `y = 0`, lots 40 × 30 m with their lower edge
//! `d` metres above it.

use aimaq_check::{ConstraintFeature, Engine, Finding, Parcel, ParcelReport, Projected, Verdict};
use aimaq_rules::{Catalog, IssueLevel, Lang, Regime, Severity};
use geo::{coord, Coord, Geometry, LineString, MultiPolygon, Polygon};
use serde_json::{json, Value};

const X0: f64 = 650_000.0;
const Y0: f64 = 4_790_000.0;
const LOT_W: f64 = 40.0;

fn at(x: f64, y: f64) -> Coord<f64> {
    coord! { x: X0 + x, y: Y0 + y }
}

fn rect(x: f64, y: f64, w: f64, h: f64) -> Polygon<f64> {
    let c = [(x, y), (x + w, y), (x + w, y + h), (x, y + h), (x, y)];
    Polygon::new(
        LineString::new(c.iter().map(|&(a, b)| at(a, b)).collect()),
        vec![],
    )
}

fn axis() -> LineString<f64> {
    LineString::new(vec![at(-5000.0, 0.0), at(5000.0, 0.0)])
}

fn feature(layer: &str, attrs: Value, geometry: impl Into<Geometry<f64>>) -> ConstraintFeature {
    ConstraintFeature {
        layer: layer.into(),
        attributes: attrs.as_object().unwrap().clone(),
        geometry: Ok(Projected::assume_metres(geometry.into())),
    }
}

fn engine(features: Vec<ConstraintFeature>) -> Engine {
    Engine::new(Catalog::embedded(), "EPSG:32643", features)
}

fn errors(e: &Engine) -> Vec<String> {
    e.issues()
        .iter()
        .filter(|i| i.level == IssueLevel::Error)
        .map(|i| i.to_string())
        .collect()
}

fn parcel(use_code: &str, g: impl Into<MultiPolygon<f64>>) -> Parcel {
    Parcel {
        id: format!("{use_code}-lot"),
        proposed_use: Some(use_code.into()),
        geometry: Projected::assume_metres(g.into()),
    }
}

/// The 40 × 30 m lot at `x`, its lower edge `d` above the axis.
fn lot_at(use_code: &str, x: f64, d: f64) -> Parcel {
    parcel(use_code, rect(x, d, LOT_W, 30.0))
}

fn lot(use_code: &str, d: f64) -> Parcel {
    lot_at(use_code, 100.0, d)
}

fn finding<'a>(r: &'a ParcelReport, rule: &str) -> Option<&'a Finding> {
    let all: Vec<_> = r.findings.iter().filter(|f| f.rule == rule).collect();
    assert!(all.len() <= 1, "{rule} found twice");
    all.first().copied()
}

fn must<'a>(r: &'a ParcelReport, rule: &str) -> &'a Finding {
    finding(r, rule).unwrap_or_else(|| panic!("no {rule} for {}: {:#?}", r.id, r.findings))
}

fn near(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-3 * b.abs().max(1.0)
}

// ---------------------------------------------------------------------------------------
// Item 4. L284: «Құрылыс салынбаған аумақтардан өтетін су таратқыштардың
// санитариялық-қорғаныш белдеулерінің…» — belts of conduits passing through undeveloped land.
// ---------------------------------------------------------------------------------------

const BELT: &str = "water_conduit.sanitary_belt";

/// A dry 800 mm conduit on `y = 0` (10 m belt, L285-287) and a settlement over `x < 0`.
fn conduit_and_town(conduit: Value) -> Engine {
    let mut attrs = json!({"id": "wc-1", "soil": "dry", "diameter_mm": 800});
    attrs
        .as_object_mut()
        .unwrap()
        .extend(conduit.as_object().unwrap().clone());
    let e = engine(vec![
        feature(
            "settlements",
            json!({"id": "s-1", "name": "Town"}),
            rect(-3000.0, -500.0, 3000.0, 1000.0),
        ),
        feature("water_conduits", attrs, axis()),
    ]);
    assert!(errors(&e).is_empty(), "{:?}", errors(&e));
    e
}

#[test]
fn l284_a_house_next_to_a_conduit_inside_a_settlement_carries_no_belt() {
    let e = conduit_and_town(json!({}));
    // inside the settlement, 5 m and even on the conduit: no belt
    for d in [5.0, 0.0, -10.0] {
        let r = e.check(&lot_at("residential", -500.0, d));
        assert!(finding(&r, BELT).is_none(), "{d}: {:?}", r.findings);
        assert_eq!(r.verdict, Verdict::Clear);
    }
    // outside, the belt at its limit ±0.1 m (R07)
    let r = e.check(&lot("residential", 9.9));
    let f = must(&r, BELT);
    assert_eq!((f.severity, f.limit_m), (Severity::Conditional, 10.0));
    assert!(near(f.encumbered_m2, 0.1 * LOT_W), "{}", f.encumbered_m2);
    assert!(f.citation.contains("L285-287"), "{}", f.citation);
    assert!(finding(&e.check(&lot("residential", 10.0)), BELT).is_none());
    assert!(finding(&e.check(&lot("residential", 10.1)), BELT).is_none());
}

#[test]
fn l284_a_lot_at_the_settlement_edge_is_split_and_the_message_says_so() {
    let e = conduit_and_town(json!({}));
    // wholly inside, its right edge 0.1 m inside the settlement: no belt
    let r = e.check(&lot_at("residential", -LOT_W - 0.1, 5.0));
    assert!(finding(&r, BELT).is_none(), "{:?}", r.findings);
    // reaching 0.1 m out of it: the 0.1 m × 5 m of the belt outside
    let r = e.check(&lot_at("residential", -LOT_W + 0.1, 5.0));
    let f = must(&r, BELT);
    assert!(near(f.encumbered_m2, 0.1 * 5.0), "{}", f.encumbered_m2);
    // straddling: the outside half's strip y ∈ [5, 10] only
    let r = e.check(&lot_at("residential", -20.0, 5.0));
    let f = must(&r, BELT);
    assert!(near(f.encumbered_m2, 20.0 * 5.0), "{}", f.encumbered_m2);
    assert_eq!(f.limit_m, 10.0);
    assert!(
        f.message
            .contains("part inside settlements at 5.00 m: does not apply there (L284)")
            && f.message
                .contains("part outside settlements at 5.00 m (limit 10 m)"),
        "{}",
        f.message
    );
    // in Russian too, with the decimal comma (issue 19, item 8)
    let ru = conduit_and_town(json!({})).with_lang(Lang::Ru);
    let f = ru.check(&lot_at("residential", -20.0, 5.0)).findings[0].clone();
    assert!(
        f.message
            .contains("часть внутри населенных пунктов на 5,00 м: там не применяется (L284)"),
        "{}",
        f.message
    );
}

#[test]
fn l284_the_features_land_overrides_the_settlements() {
    // open land inside the settlement's boundary: the belt applies there too
    let e = conduit_and_town(json!({"land": "undeveloped"}));
    let r = e.check(&lot_at("residential", -500.0, 9.9));
    let f = must(&r, BELT);
    assert!(near(f.encumbered_m2, 0.1 * LOT_W), "{}", f.encumbered_m2);
    assert!(finding(&e.check(&lot_at("residential", -500.0, 10.1)), BELT).is_none());
    // built-up land outside it: no belt anywhere
    let e = conduit_and_town(json!({"land": "developed"}));
    assert!(finding(&e.check(&lot("residential", 5.0)), BELT).is_none());
}

// ---------------------------------------------------------------------------------------
// Item 5. L418: «…белгілі көлдер Үлкен Алматы көлі…» — the lake, not the river of decree
// 246/2011 (L536-540).
// ---------------------------------------------------------------------------------------

#[test]
fn l418_a_lake_named_like_a_decree_river_gets_no_decree_246_widths() {
    let lake = feature(
        "water_bodies",
        json!({"id": "wb-lake", "name": "Үлкен Алматы", "kind": "lake"}),
        rect(-500.0, -1000.0, 1000.0, 1000.0),
    );
    let e = engine(vec![lake]);
    // the decree's 300 m minimum zone would catch a lot at 299.9 m, its 35 m belt one at
    // 34.9 m; the lake has no river default either (L565-576, issue 19): review bands,
    // the zone's to 1,000 m from order No. 19-1/446, the belt's to the widest decree belt
    let r = e.check(&lot("residential", 34.9));
    let belt = must(&r, "water.belt");
    assert_eq!((belt.severity, belt.limit_m), (Severity::Review, 110.0));
    assert!(!belt.citation.contains("No. 246"), "{}", belt.citation);
    let zone = must(&r, "water.zone");
    assert_eq!((zone.severity, zone.limit_m), (Severity::Review, 1000.0));
    assert!(
        zone.citation.contains("19-1/446") && !zone.citation.contains("No. 246"),
        "{}",
        zone.citation
    );
    let r = e.check(&lot("residential", 499.9));
    assert_eq!(must(&r, "water.zone").severity, Severity::Review);
    let r = e.check(&lot("residential", 500.1));
    assert_eq!(must(&r, "water.zone").severity, Severity::Review);
    // `validate` names both readings, once for the feature
    let named: Vec<_> = e
        .issues()
        .iter()
        .filter(|i| i.message.contains("named like"))
        .collect();
    assert_eq!(named.len(), 1, "{:#?}", e.issues());
    assert_eq!(named[0].level, IssueLevel::Warning);
    for both in [
        "Ulken Almaty",
        "No. 246",
        "kind = \"river\"",
        "kind = \"lake\"",
    ] {
        assert!(
            named[0].message.contains(both),
            "{both}: {}",
            named[0].message
        );
    }
    // the river of that name keeps its decree (zone 300-1,000 m, L538-539)
    let river = feature(
        "water_bodies",
        json!({"id": "wb-river", "name": "Үлкен Алматы", "kind": "river"}),
        axis(),
    );
    let e = engine(vec![river]);
    assert!(e.issues().is_empty(), "{:?}", e.issues());
    let zone = must(&e.check(&lot("residential", 299.9)), "water.zone").clone();
    assert_eq!(zone.limit_m, 300.0);
    assert!(zone.citation.contains("No. 246"), "{}", zone.citation);
}

// ---------------------------------------------------------------------------------------
// Issue 9, D10. L527-530: belts lie inside the water-protection zones.
// ---------------------------------------------------------------------------------------

#[test]
fn d10_a_belt_wider_than_its_zone_is_a_dataset_error_naming_both_values() {
    let river = feature(
        "water_bodies",
        json!({"id": "wb-d10", "kind": "river", "belt_m": 800, "zone_m": 500}),
        axis(),
    );
    let e = engine(vec![river]);
    let errs = errors(&e);
    assert_eq!(errs.len(), 1, "{:?}", e.issues());
    assert!(
        errs[0].contains("water.belt")
            && errs[0].contains("`belt_m` = 800 m")
            && errs[0].contains("`zone_m` = 500 m"),
        "{}",
        errs[0]
    );
    // no 800 m belt inside a 500 m zone: the zone alone, at its limit
    let r = e.check(&lot("residential", 499.9));
    assert!(finding(&r, "water.belt").is_none());
    assert_eq!(must(&r, "water.zone").limit_m, 500.0);
    assert!(e.check(&lot("residential", 600.0)).findings.is_empty());
    // a belt that fits is kept
    let ok = feature(
        "water_bodies",
        json!({"id": "wb-ok", "kind": "river", "belt_m": 500, "zone_m": 500}),
        axis(),
    );
    assert!(errors(&engine(vec![ok])).is_empty());
}

// ---------------------------------------------------------------------------------------
// Item 7. Group-4 territories named without widths: L503-504 radioactive contamination,
// L507 bogs and mineral deposits, L509-510 objects with emergency risk, L3328-3329
// water-source protection zones.
// ---------------------------------------------------------------------------------------

#[test]
fn l503_l507_l3328_group4_overlays_are_review_at_their_edges() {
    let area = rect(-5000.0, -5000.0, 10000.0, 5000.0); // top edge on y = 0
    for (layer, rule, lines, attrs) in [
        (
            "radiation_areas",
            "radiation.contaminated_area",
            "L503-504",
            json!({}),
        ),
        ("bogs", "bog.area", "L507", json!({})),
        (
            "mineral_deposits",
            "subsoil.deposit",
            "L507",
            json!({"mineral": "groundwater"}),
        ),
        (
            "water_source_zones",
            "water_source.sanitary_zone",
            "L3328-3329",
            json!({"belt": "II"}),
        ),
    ] {
        let mut a = json!({"id": "g4", "name": "x"});
        a.as_object_mut()
            .unwrap()
            .extend(attrs.as_object().unwrap().clone());
        let e = engine(vec![feature(layer, a, area.clone())]);
        assert!(e.issues().is_empty(), "{layer}: {:?}", e.issues());
        for code in ["residential", "pasture", "mining"] {
            // 0.1 m into the area: a 0.1 m strip, review with its reason
            let r = e.check(&lot(code, -0.1));
            let f = must(&r, rule);
            assert_eq!(
                (f.severity, f.regime),
                (Severity::Review, Regime::Review),
                "{rule}"
            );
            assert!(
                near(f.encumbered_m2, 0.1 * LOT_W),
                "{rule}: {}",
                f.encumbered_m2
            );
            assert!(f.reason.is_some(), "{rule}");
            assert!(
                f.regime_citation.contains(lines),
                "{rule}: {}",
                f.regime_citation
            );
            assert_eq!(r.verdict, Verdict::Review);
            // touching or 0.1 m away: nothing
            assert!(e.check(&lot(code, 0.0)).findings.is_empty(), "{rule}");
            assert!(e.check(&lot(code, 0.1)).findings.is_empty(), "{rule}");
        }
    }
}

#[test]
fn l509_oil_pipelines_carry_the_pipeline_law_zone_and_other_objects_their_own() {
    let rule = "emergency_risk.zone";
    let oil = feature(
        "emergency_risk_objects",
        json!({"id": "oil-1", "kind": "oil_pipeline"}),
        axis(),
    );
    let e = engine(vec![oil]);
    assert!(e.issues().is_empty(), "{:?}", e.issues());
    // 50 m, as for gas (Law No. 20-V, art. 14): the operator's consent
    let f = must(&e.check(&lot("residential", 49.9)), rule).clone();
    assert_eq!((f.severity, f.limit_m), (Severity::Conditional, 50.0));
    assert!(f.citation.contains("No. 20-V"), "{}", f.citation);
    assert!(finding(&e.check(&lot("residential", 50.1)), rule).is_none());
    // another object with its approved zone: review
    let depot = feature(
        "emergency_risk_objects",
        json!({"id": "dep-1", "kind": "other", "zone_m": 300}),
        rect(-100.0, -200.0, 200.0, 200.0),
    );
    let e = engine(vec![depot]);
    let f = must(&e.check(&lot("residential", 299.9)), rule).clone();
    assert_eq!((f.severity, f.limit_m), (Severity::Review, 300.0));
    assert!(finding(&e.check(&lot("residential", 300.1)), rule).is_none());
    // without a width the scheme does not give one (L509-510): a data error, not a guess
    let bare = feature(
        "emergency_risk_objects",
        json!({"id": "dep-2", "kind": "other"}),
        rect(-100.0, -200.0, 200.0, 200.0),
    );
    let e = engine(vec![bare]);
    assert!(errors(&e)[0].contains("L509-510"), "{:?}", e.issues());
}

// ---------------------------------------------------------------------------------------
// Item 9. L525-526: 65,500 ha of trunk-gas sanitary-protection zones, no width; the minimum
// distances of SNiP 2.05.06-85* table 4 (class I, by nominal diameter), unverified.
// ---------------------------------------------------------------------------------------

#[test]
fn l525_gas_minimum_distance_by_diameter_class_at_its_limits() {
    let rule = "gas.minimum_distance";
    // (diameter_mm, limit): nominal DN and the standard outside diameters, both ends of
    // every class; the scheme's branches Ø 1,020 (DN 1000) and 530 mm (DN 500), L520
    for (diameter, limit) in [
        (219.0, 100.0),
        (300.0, 100.0),
        (325.0, 100.0),
        (530.0, 150.0),
        (600.0, 150.0),
        (630.0, 150.0),
        (720.0, 200.0),
        (820.0, 200.0),
        (1000.0, 250.0),
        (1020.0, 250.0),
        (1067.0, 300.0),
        (1220.0, 300.0),
        (1400.0, 350.0),
        (1420.0, 350.0),
    ] {
        let pipe = feature(
            "gas_pipelines",
            json!({"id": "gp", "diameter_mm": diameter}),
            axis(),
        );
        let e = engine(vec![pipe]);
        assert!(e.issues().is_empty(), "Ø {diameter}: {:?}", e.issues());
        let r = e.check(&lot("residential", limit - 0.1));
        let f = must(&r, rule);
        assert_eq!(
            (f.severity, f.regime, f.limit_m),
            (Severity::Review, Regime::Review, limit),
            "Ø {diameter}"
        );
        assert!(near(f.encumbered_m2, 0.1 * LOT_W), "Ø {diameter}");
        assert!(
            f.citation.contains("SNiP 2.05.06-85*") && f.citation.contains("verify"),
            "{}",
            f.citation
        );
        assert!(f.reason.is_some());
        assert!(finding(&e.check(&lot("residential", limit)), rule).is_none());
        assert!(finding(&e.check(&lot("residential", limit + 0.1)), rule).is_none());
        // a use that builds nothing is not kept away
        assert!(finding(&e.check(&lot("pasture", 1.0)), rule).is_none());
    }
    // the 50 m protection zone stays as it is, beside the distance
    let e = engine(vec![feature(
        "gas_pipelines",
        json!({"id": "gp", "diameter_mm": 1020}),
        axis(),
    )]);
    let r = e.check(&lot("residential", 49.9));
    assert_eq!(must(&r, "gas.protection_zone").limit_m, 50.0);
    assert_eq!(must(&r, rule).limit_m, 250.0);
    assert_eq!(r.verdict, Verdict::Conditional);
}

#[test]
fn l525_gas_minimum_distance_without_a_class_i_figure() {
    let rule = "gas.minimum_distance";
    // diameter unknown: 100 m at least (the smallest class), up to 350 m: review
    let e = engine(vec![feature("gas_pipelines", json!({"id": "gp"}), axis())]);
    assert!(e.issues().is_empty(), "{:?}", e.issues());
    let f = must(&e.check(&lot("residential", 200.0)), rule).clone();
    assert_eq!((f.severity, f.limit_m), (Severity::Review, 350.0));
    assert!(finding(&e.check(&lot("residential", 350.1)), rule).is_none());
    // class II: its figures are not encoded: a warning, never a class-I distance
    let e = engine(vec![feature(
        "gas_pipelines",
        json!({"id": "gp", "class": "II", "diameter_mm": 530}),
        axis(),
    )]);
    assert_eq!(e.issues().len(), 1);
    assert_eq!(e.issues()[0].level, IssueLevel::Warning);
    assert!(e.issues()[0].message.contains("gap_m"), "{}", e.issues()[0]);
    assert!(finding(&e.check(&lot("residential", 10.0)), rule).is_none());
    // …unless the pipeline's own distance is given
    let e = engine(vec![feature(
        "gas_pipelines",
        json!({"id": "gp", "class": "II", "diameter_mm": 530, "gap_m": 125}),
        axis(),
    )]);
    assert!(e.issues().is_empty(), "{:?}", e.issues());
    let f = must(&e.check(&lot("residential", 124.9)), rule).clone();
    assert_eq!(f.limit_m, 125.0);
    assert!(f.citation.contains("user-supplied"), "{}", f.citation);
}
