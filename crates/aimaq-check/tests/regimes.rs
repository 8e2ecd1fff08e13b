//! What a parcel's proposed use may do where it lies: the regime matrix on synthetic
//! geometry at UTM magnitudes, with boundary cases at ±0.1 m of every new distance rule,
//! the union encumbrance against GEOS, languages and effective dates.
//!
//! Frame as in `boundaries.rs`: a straight 10 km river on `y = 0`, lots 40 × 30 m with
//! their lower edge `d` metres above it, so their distance to the water's edge is `d`.

use aimaq_check::{ConstraintFeature, Engine, Finding, Parcel, ParcelReport, Projected, Verdict};
use aimaq_rules::{Catalog, Lang, Regime, Severity};
use geo::{coord, Coord, Geometry, LineString, MultiPolygon, Polygon};
use serde_json::{json, Value};
use std::process::Command;

const X0: f64 = 650_000.0;
const Y0: f64 = 4_790_000.0;

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

fn feature(layer: &str, attrs: Value, geometry: impl Into<Geometry<f64>>) -> ConstraintFeature {
    ConstraintFeature {
        layer: layer.into(),
        attributes: attrs.as_object().unwrap().clone(),
        geometry: Ok(Projected::assume_metres(geometry.into())),
    }
}

/// A river of decree 246/2011 (Turgen: belt 55-110 m, zone 550-1,700 m) on `y = 0`.
fn turgen() -> ConstraintFeature {
    feature(
        "water_bodies",
        json!({"id": "wb-t", "name": "Turgen", "kind": "river"}),
        LineString::new(vec![at(-5000.0, 0.0), at(5000.0, 0.0)]),
    )
}

/// A river without a project whose belt and zone are given on the feature (50 m / 500 m),
/// so that fixed limits can be tested to the decimetre.
fn small_river() -> ConstraintFeature {
    feature(
        "water_bodies",
        json!({"id": "wb-s", "name": "Unnamed creek", "kind": "river", "belt_m": 50, "zone_m": 500}),
        LineString::new(vec![at(-5000.0, 0.0), at(5000.0, 0.0)]),
    )
}

fn engine(features: Vec<ConstraintFeature>) -> Engine {
    let e = Engine::new(Catalog::embedded(), "EPSG:32643", features);
    let errors: Vec<_> = e
        .issues()
        .iter()
        .filter(|i| i.level == aimaq_rules::IssueLevel::Error)
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    e
}

fn lot(use_code: &str, d: f64) -> Parcel {
    parcel(use_code, rect(100.0, d, 40.0, 30.0))
}

fn parcel(use_code: &str, g: impl Into<MultiPolygon<f64>>) -> Parcel {
    Parcel {
        id: format!("{use_code}-lot"),
        proposed_use: Some(use_code.into()),
        geometry: Projected::assume_metres(g.into()),
    }
}

fn finding<'a>(r: &'a ParcelReport, rule: &str) -> Option<&'a Finding> {
    let all: Vec<_> = r.findings.iter().filter(|f| f.rule == rule).collect();
    assert!(all.len() <= 1, "{rule} found twice");
    all.first().copied()
}

fn must<'a>(r: &'a ParcelReport, rule: &str) -> &'a Finding {
    finding(r, rule).unwrap_or_else(|| panic!("no {rule} for {}: {:#?}", r.id, r.findings))
}

// ---------------------------------------------------------------------------------------
// Water-protection zone and belt by use (DIGEST §4.1)
// ---------------------------------------------------------------------------------------

#[test]
fn car_wash_in_a_rivers_water_protection_zone_is_prohibited_citing_the_scheme() {
    let e = engine(vec![turgen()]);
    // 400 m: beyond the widest belt (110 m), inside the narrowest zone (550 m)
    let r = e.check(&lot("vehicle_wash", 400.0));
    assert_eq!(r.verdict, Verdict::Prohibited);
    let f = must(&r, "water.zone");
    assert_eq!(
        (f.severity, f.regime),
        (Severity::Prohibited, Regime::Prohibited)
    );
    assert!(
        f.regime_citation.contains("scheme L593-600"),
        "{}",
        f.regime_citation
    );
    assert!(
        f.citation.contains("No. 246") && f.citation.contains("L541-542"),
        "{}",
        f.citation
    );
    assert_eq!(f.use_code, "vehicle_wash");
    assert!(finding(&r, "water.belt").is_none());
}

#[test]
fn house_in_the_zone_outside_the_belt_is_conditional_with_the_agreed_project() {
    let e = engine(vec![turgen()]);
    let r = e.check(&lot("residential", 400.0));
    assert_eq!(r.verdict, Verdict::Conditional);
    let f = must(&r, "water.zone");
    assert_eq!(f.regime, Regime::Conditional);
    assert!(
        f.regime_citation.contains("L583-592"),
        "{}",
        f.regime_citation
    );
    assert!(
        f.approval.as_deref().unwrap().contains("agreed"),
        "{:?}",
        f.approval
    );
}

#[test]
fn house_in_the_belt_is_prohibited_at_its_limit() {
    let e = engine(vec![small_river()]);
    // the belt is 50 m: 49.9 inside, 50.1 outside
    let r = e.check(&lot("residential", 49.9));
    assert_eq!(r.verdict, Verdict::Prohibited);
    let belt = must(&r, "water.belt");
    assert_eq!(belt.severity, Severity::Prohibited);
    assert!(belt.regime_citation.contains("Water Code") && belt.regime_citation.contains("verify"));
    let r = e.check(&lot("residential", 50.1));
    assert!(finding(&r, "water.belt").is_none());
    assert_eq!(r.verdict, Verdict::Conditional, "still in the zone");
    // the belt's one exception: water-management structures, with a project
    let r = e.check(&lot("water_management", 10.0));
    assert_eq!(must(&r, "water.belt").regime, Regime::Conditional);
}

#[test]
fn each_item_of_the_zone_list_at_the_zones_limit() {
    let e = engine(vec![small_river()]);
    for (code, regime, lines) in [
        ("agrochemical_storage", Regime::Prohibited, "L593-600"),
        ("mechanical_workshop", Regime::Prohibited, "L593-600"),
        ("aviation_chemical_airstrip", Regime::Prohibited, "L593-600"),
        ("livestock_farm", Regime::Prohibited, "L601-604"),
        ("cemetery", Regime::Prohibited, "L601-604"),
        ("animal_burial_ground", Regime::Prohibited, "L601-604"),
        ("pasture", Regime::Conditional, "L608-610"),
        ("arable_farming", Regime::Conditional, "L614-617"),
        // item 3's catch-all (L599-600) turns on the project's effect on the water, not
        // on the use code: review, the agreed project of item 2 (L586-592) the nearest
        ("industrial", Regime::Review, "L599-600"),
        ("mining", Regime::Conditional, "L583-592"),
    ] {
        // zone 500 m: 499.9 inside, 500.1 outside
        let inside = e.check(&lot(code, 499.9));
        let f = must(&inside, "water.zone");
        assert_eq!(f.regime, regime, "{code}");
        assert!(
            f.regime_citation.contains(lines),
            "{code}: {}",
            f.regime_citation
        );
        assert!(
            finding(&e.check(&lot(code, 500.1)), "water.zone").is_none(),
            "{code}"
        );
    }
}

/// Issue 19 item 6: the 2,000 m ban (L611-613) is an item of the list L582 opens with
/// «Су қорғау аймақтарының шегінде» (within the water-protection zones): prohibited
/// inside the zone, review between the zone's edge and 2,000 m.
#[test]
fn l582_l611_613_aerial_spraying_is_banned_in_the_zone_and_reviewed_to_2000_m() {
    let e = engine(vec![small_river()]);
    let r = e.check(&lot("aerial_spraying", 400.0));
    assert_eq!(must(&r, "water.zone").severity, Severity::Prohibited);
    assert_eq!(r.verdict, Verdict::Prohibited);
    for (d, banned) in [
        (1900.0, true),
        (1999.9, true),
        (2000.1, false),
        (2100.0, false),
    ] {
        let r = e.check(&lot("aerial_spraying", d));
        match banned {
            true => {
                let f = must(&r, "water.aerial_spraying");
                assert_eq!(f.severity, Severity::Review, "{d}");
                assert_eq!(f.limit_m, 2000.0);
                assert!((f.distance_m - d).abs() < 1e-6);
                assert!(
                    f.regime_citation.contains("L582, L611-613"),
                    "{}",
                    f.regime_citation
                );
                assert_eq!(r.verdict, Verdict::Review);
            }
            false => {
                assert!(r.findings.is_empty(), "{d}: {:#?}", r.findings);
                assert_eq!(r.verdict, Verdict::Clear, "{d}: allowed");
            }
        }
    }
    // the 2,000 m zone restricts nothing else: a house at 1,000 m meets no finding
    assert_eq!(e.check(&lot("residential", 1000.0)).verdict, Verdict::Clear);
    // and it is measured from a polygon's edge as well (a lake)
    let lake = feature(
        "water_bodies",
        json!({"id": "wb-l", "name": "A pond", "kind": "pond", "zone_m": 500}),
        rect(-5000.0, -5000.0, 10000.0, 5000.0),
    );
    let e = engine(vec![lake]);
    assert!(finding(
        &e.check(&lot("aerial_spraying", 1999.9)),
        "water.aerial_spraying"
    )
    .is_some());
    assert!(e.check(&lot("aerial_spraying", 2000.1)).findings.is_empty());
}

// ---------------------------------------------------------------------------------------
// Zones whose lines give widths only (issue 13: no answer stricter than the law)
// ---------------------------------------------------------------------------------------

#[test]
fn widths_only_zones_prohibit_nothing() {
    // a 500 kV line (30 m, L273) and a 130 m corridor (L219) on y = 0; lots at 10 m
    let line = feature(
        "power_lines",
        json!({"id": "pl-5", "voltage_kv": 500}),
        LineString::new(vec![at(-5000.0, 0.0), at(5000.0, 0.0)]),
    );
    let road = feature(
        "road_corridors",
        json!({"id": "rc-1", "name": "Western Europe – Western China"}),
        LineString::new(vec![at(-5000.0, 0.0), at(5000.0, 0.0)]),
    );
    let e = engine(vec![line, road]);
    // (use, power line's regime, corridor's regime): never prohibited; `review` where the
    // answer turns on an act the scheme does not name (the sanitary rules, L270-271; the
    // zone rules' field-work limits; the regime of reserved land, L210-215)
    use Regime::{Conditional, Review};
    for (code, power, corridor) in [
        ("arable_farming", Review, Conditional),
        ("pasture", Review, Conditional),
        ("utility_line", Conditional, Review),
        ("residential", Review, Review),
        ("construction", Conditional, Review),
    ] {
        let r = e.check(&lot(code, 10.0));
        for (rule, regime) in [
            ("power.protection_zone", power),
            ("road.reserved_corridor", corridor),
        ] {
            let f = must(&r, rule);
            assert_eq!(f.regime, regime, "{rule} {code}");
            assert!(f.approval.is_some(), "{rule} {code}");
            assert_eq!(f.reason.is_some(), regime == Review, "{rule} {code}");
        }
        assert!(r.verdict < Verdict::Prohibited, "{code}");
    }
    // the power line's own cells: field work within the zone rules, houses checked
    // against the sanitary rules the scheme names (L270-271)
    let field = e.check(&lot("arable_farming", 10.0));
    let f = must(&field, "power.protection_zone");
    assert!(
        f.approval.as_deref().unwrap().contains("field work"),
        "{f:?}"
    );
    let house = e.check(&lot("residential", 10.0));
    let f = must(&house, "power.protection_zone");
    assert!(
        f.regime_citation.contains("L270-275"),
        "{}",
        f.regime_citation
    );
    // the corridor is reserved for the road itself (L210-215)
    let r = e.check(&lot("transport", 10.0));
    assert!(finding(&r, "road.reserved_corridor").is_none());
}

// ---------------------------------------------------------------------------------------
// Functional zones and overlays
// ---------------------------------------------------------------------------------------

fn zone(id: &str, group: u8, subzone: &str, extra: Value, g: Polygon<f64>) -> ConstraintFeature {
    let mut attrs = json!({"id": id, "name": id, "group": group, "subzone": subzone});
    attrs
        .as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    feature("functional_zones", attrs, g)
}

fn big() -> Polygon<f64> {
    rect(-5000.0, -5000.0, 10000.0, 10000.0)
}

#[test]
fn industry_in_group_3_is_prohibited_and_recreation_is_not() {
    let e = engine(vec![zone("fz-3", 3, "3.recreation", json!({}), big())]);
    let r = e.check(&lot("industrial", 0.0));
    let f = must(&r, "zoning.group3");
    assert_eq!(f.severity, Severity::Prohibited);
    assert!(
        f.regime_citation.contains("L405-408"),
        "{}",
        f.regime_citation
    );
    assert_eq!(
        must(&e.check(&lot("pasture", 0.0)), "zoning.group3").regime,
        Regime::Prohibited
    );
    assert_eq!(e.check(&lot("recreation", 0.0)).verdict, Verdict::Clear);
    // a house: the group's landscape-preserving use (L405-410); art. 45 of the SPNA Law
    // is the Ile-Alatau national park's (L422-425), carried by its protected area, not by
    // every recreation-priority polygon
    let house = e.check(&lot("residential", 0.0));
    let f = must(&house, "zoning.group3");
    assert_eq!(f.regime, Regime::Conditional);
    assert!(
        f.regime_citation.contains("L405-410"),
        "{}",
        f.regime_citation
    );
    assert!(
        !f.regime_citation.contains("art. 45"),
        "{}",
        f.regime_citation
    );
}

#[test]
fn one_park_gets_one_answer_in_either_layer() {
    // the Ile-Alatau national park as a park zone (L470-473) and as a protected area
    // (L422-425): recreation is conditional in both, never prohibited in one of them
    let park = zone(
        "fz-p",
        3,
        "3.park",
        json!({"category": "state national natural park"}),
        big(),
    );
    let spna = feature(
        "protected_areas",
        json!({"id": "pa-ia", "name": "Ile-Alatau", "category": "state national natural park"}),
        big(),
    );
    for (features, rule) in [
        (vec![park], "zoning.group3"),
        (vec![spna], "spna.territory"),
    ] {
        let e = engine(features);
        for code in ["recreation", "tourism", "sport", "residential"] {
            let r = e.check(&lot(code, 0.0));
            let f = must(&r, rule);
            assert_eq!(f.regime, Regime::Conditional, "{rule} {code}");
            assert!(
                f.regime_citation.contains("L422-425"),
                "{}",
                f.regime_citation
            );
        }
    }
    // a park zone that does not say which park it is: the regime turns on the park's
    // category (L470-473), so review, never a ban
    let e = engine(vec![zone("fz-p", 3, "3.park", json!({}), big())]);
    let f = must(&e.check(&lot("recreation", 0.0)), "zoning.group3").clone();
    assert_eq!(f.regime, Regime::Review);
    assert!(f.reason.as_deref().unwrap().contains("`category`"), "{f:?}");
    // industrial or agricultural production stays out of group 3 (L405-408)
    assert_eq!(
        must(&e.check(&lot("industrial", 0.0)), "zoning.group3").regime,
        Regime::Prohibited
    );
    // a nature reserve's sub-zone keeps the arts. 41-42 regime (L426-432)
    let e = engine(vec![zone("fz-s", 3, "3.spna", json!({}), big())]);
    let r = e.check(&lot("recreation", 0.0));
    let f = must(&r, "zoning.group3");
    assert_eq!(f.regime, Regime::Prohibited);
    assert!(
        f.regime_citation.contains("L426-432"),
        "{}",
        f.regime_citation
    );
}

#[test]
fn farmland_withdrawal_is_conditional_and_the_south_allows_recreation_only() {
    let e = engine(vec![zone(
        "fz-2",
        2,
        "2.horticulture",
        json!({"direction": "south"}),
        big(),
    )]);
    let r = e.check(&lot("residential", 0.0));
    assert_eq!(must(&r, "zoning.group2").regime, Regime::Conditional);
    let south = must(&r, "zoning.south_direction");
    // «шектеу» (restrict, L793) is not «тыйым салу» (prohibit, L617), and the scheme only
    // proposes it (L762-764) without naming who sets the limit: review
    assert_eq!(south.severity, Severity::Review);
    assert!(south.reason.is_some());
    assert!(south.regime_citation.contains("L792-793"));
    // recreational construction is the exception; orchards build nothing
    assert!(finding(&e.check(&lot("recreation", 0.0)), "zoning.south_direction").is_none());
    assert_eq!(e.check(&lot("horticulture", 0.0)).verdict, Verdict::Clear);
    // the clause is chapter 2 as amended in 2024: before that, not applied
    let before = Catalog::embedded()
        .as_of("2023-01-01".parse().unwrap())
        .unwrap();
    let old = Engine::new(
        before,
        "EPSG:32643",
        vec![zone(
            "fz-2",
            2,
            "2.horticulture",
            json!({"direction": "south"}),
            big(),
        )],
    );
    let r = old.check(&lot("residential", 0.0));
    assert!(finding(&r, "zoning.south_direction").is_none());
    assert_eq!(r.verdict, Verdict::Conditional);
}

#[test]
fn a_subzone_of_another_group_is_a_data_error() {
    let e = Engine::new(
        Catalog::embedded(),
        "EPSG:32643",
        vec![zone("fz-x", 2, "3.spna", json!({}), big())],
    );
    let msg = e
        .issues()
        .iter()
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        msg.contains("sub-zone `3.spna` belongs to group 3, the feature says group 2"),
        "{msg}"
    );
}

fn hazard(id: &str, attrs: Value, g: Polygon<f64>) -> ConstraintFeature {
    let mut a = json!({"id": id, "name": id});
    a.as_object_mut()
        .unwrap()
        .extend(attrs.as_object().unwrap().clone());
    feature("hazards", a, g)
}

#[test]
fn house_in_a_seismic_9_area_is_conditional_on_the_design_standard() {
    let e = engine(vec![hazard(
        "hz-9",
        json!({"kind": "seismic", "intensity": 9}),
        big(),
    )]);
    let r = e.check(&lot("residential", 0.0));
    assert_eq!(r.verdict, Verdict::Conditional);
    let f = must(&r, "hazard.seismic");
    assert!(
        f.regime_citation.contains("2.03-30-2017"),
        "{}",
        f.regime_citation
    );
    assert!(
        f.regime_citation.contains("L622-624"),
        "{}",
        f.regime_citation
    );
    assert!(f.approval.as_deref().unwrap().contains("micro-zoning"));
    // fields build nothing
    assert_eq!(e.check(&lot("arable_farming", 0.0)).verdict, Verdict::Clear);
}

#[test]
fn intense_geological_impact_bans_construction() {
    let e = engine(vec![
        hazard(
            "hz-a",
            json!({"kind": "landslide", "impact": "intense"}),
            rect(0.0, 0.0, 200.0, 50.0),
        ),
        hazard(
            "hz-b",
            json!({"kind": "landslide"}),
            rect(0.0, 100.0, 200.0, 50.0),
        ),
    ]);
    assert_eq!(
        must(&e.check(&lot("residential", 10.0)), "hazard.geology").severity,
        Severity::Prohibited
    );
    assert_eq!(
        must(&e.check(&lot("residential", 110.0)), "hazard.geology").severity,
        Severity::Conditional
    );
}

#[test]
fn heritage_zone_and_the_talgar_bypass() {
    let talgar = feature(
        "heritage",
        json!({"id": "hr-1", "name": "Talgar", "status": "UNESCO World Heritage", "site": "talgar_settlement"}),
        big(),
    );
    let e = engine(vec![talgar]);
    let r = e.check(&lot("transport", 0.0));
    let road = must(&r, "heritage.protection_zone");
    // the scheme plans the new bypass outside the zone (L3656-3659) but bans no road in it:
    // whether this road goes against the plan is for the heritage authority (review)
    assert_eq!(road.severity, Severity::Review);
    assert!(road.regime_citation.contains("L3650-3662"));
    assert!(
        road.reason.as_deref().unwrap().contains("bypass"),
        "{road:?}"
    );
    assert_eq!(
        must(
            &e.check(&lot("residential", 0.0)),
            "heritage.protection_zone"
        )
        .regime,
        Regime::Conditional
    );
    // industrial construction is restricted (шектеу, L467-469) and subsoil-use projects
    // near monuments are studied for corrections (L664-666): whether this one spoils the
    // monuments' appearance is the heritage authority's to judge (review)
    let r = e.check(&lot("mining", 0.0));
    let mining = must(&r, "heritage.protection_zone");
    assert_eq!(mining.regime, Regime::Review);
    assert!(
        mining.regime_citation.contains("L664-666"),
        "{}",
        mining.regime_citation
    );
}

#[test]
fn sanitary_zone_width_comes_from_the_layer_at_its_limit() {
    // an enterprise site below the axis, its SPZ 300 m from the site's edge
    let site = feature(
        "sanitary_zones",
        json!({"id": "sz-1", "name": "plant", "hazard_class": 3, "spz_m": 300}),
        rect(-500.0, -400.0, 1000.0, 400.0),
    );
    let e = engine(vec![site]);
    let r = e.check(&lot("residential", 299.9));
    let f = must(&r, "sanitary.protection_zone");
    assert_eq!((f.severity, f.limit_m), (Severity::Prohibited, 300.0));
    assert!(f.citation.contains("user-supplied"), "{}", f.citation);
    assert!(e.check(&lot("residential", 300.1)).findings.is_empty());
    assert_eq!(
        must(
            &e.check(&lot("warehouse", 100.0)),
            "sanitary.protection_zone"
        )
        .regime,
        Regime::Conditional
    );
    // without a width the zone cannot be drawn: a data error, not a guess
    let e = Engine::new(
        Catalog::embedded(),
        "EPSG:32643",
        vec![feature(
            "sanitary_zones",
            json!({"id": "sz-2", "hazard_class": 1}),
            rect(0.0, 0.0, 10.0, 10.0),
        )],
    );
    let msg = e
        .issues()
        .iter()
        .map(|i| i.to_string())
        .collect::<Vec<_>>()
        .join("\n");
    assert!(msg.contains("missing required attribute `spz_m`"), "{msg}");
}

// ---------------------------------------------------------------------------------------
// Uses, languages
// ---------------------------------------------------------------------------------------

#[test]
fn an_unknown_use_is_an_error_naming_the_allowed_codes() {
    let e = engine(vec![small_river()]);
    let r = e.check(&lot("carwash", 10.0));
    assert_eq!(r.verdict, Verdict::Error);
    let err = r.error.unwrap();
    assert!(
        err.contains("unknown use `carwash`") && err.contains("vehicle_wash"),
        "{err}"
    );
    // no use at all is generic construction
    let mut p = lot("x", 10.0);
    p.proposed_use = None;
    let r = e.check(&p);
    assert_eq!(must(&r, "water.belt").use_code, "construction");
    // codes are read case-insensitively
    assert_eq!(
        e.check(&lot("Residential", 10.0)).verdict,
        Verdict::Prohibited
    );
}

#[test]
fn messages_come_in_kazakh_and_russian() {
    let kk =
        Engine::new(Catalog::embedded(), "EPSG:32643", vec![small_river()]).with_lang(Lang::Kk);
    let r = kk.check(&lot("residential", 10.0));
    let belt = must(&r, "water.belt");
    assert!(
        belt.message
            .starts_with("ТЫЙЫМ САЛЫНҒАН: Су қорғау белдеуі"),
        "{}",
        belt.message
    );
    assert!(belt.message.contains("тұрғын үй"), "{}", belt.message);
    let zone = must(&r, "water.zone");
    assert!(
        zone.message.contains("Су қорғау аймағы") && zone.message.contains("қажет:"),
        "{}",
        zone.message
    );
    let ru =
        Engine::new(Catalog::embedded(), "EPSG:32643", vec![small_river()]).with_lang(Lang::Ru);
    let r = ru.check(&lot("residential", 10.0));
    assert!(must(&r, "water.belt")
        .message
        .starts_with("ЗАПРЕЩЕНО: Водоохранная полоса"));
    let err = ru.check(&lot("carwash", 10.0)).error.unwrap();
    assert!(err.starts_with("неизвестный вид использования"), "{err}");
}

// ---------------------------------------------------------------------------------------
// Encumbrance: the union of the zones
// ---------------------------------------------------------------------------------------

#[test]
fn encumbrance_is_the_union_of_overlapping_zones_never_their_sum() {
    // belt 50 m and zone 500 m of the same river, a seismic area over the lower half
    // of the lot, and the lot straddling the belt's edge
    let e = engine(vec![
        small_river(),
        hazard(
            "hz-9",
            json!({"kind": "seismic", "intensity": 9}),
            rect(-5000.0, -5000.0, 10000.0, 5060.0),
        ),
    ]);
    let r = e.check(&lot("residential", 40.0));
    let sum: f64 = r.findings.iter().map(|f| f.encumbered_m2).sum();
    let enc = r.encumbrance.as_ref().unwrap();
    assert!(sum > r.area_m2 * 1.2, "the zones overlap: sum {sum}");
    assert!(enc.total.m2 <= r.area_m2 + 1e-6 && enc.total.share <= 1.0);
    assert!((enc.total.m2 - 1200.0).abs() < 1e-3, "{enc:?}");
    // prohibited: the 10 m strip of the belt; conditional: zone ∪ seismic = the whole lot
    assert!(
        (enc.by_severity[&Severity::Prohibited].m2 - 400.0).abs() < 0.5,
        "{enc:?}"
    );
    assert!(
        (enc.by_severity[&Severity::Conditional].m2 - 1200.0).abs() < 1e-3,
        "{enc:?}"
    );

    // a lot only partly under two overlapping zones: the union is less than the lot
    let e = engine(vec![
        hazard(
            "hz-a",
            json!({"kind": "seismic", "intensity": 9}),
            rect(100.0, 0.0, 25.0, 1000.0),
        ),
        hazard(
            "hz-b",
            json!({"kind": "mudflow"}),
            rect(115.0, 0.0, 15.0, 1000.0),
        ),
    ]);
    let r = e.check(&lot("residential", 10.0));
    let enc = r.encumbrance.as_ref().unwrap();
    assert_eq!(r.findings.len(), 2);
    assert!((enc.total.m2 - 30.0 * 30.0).abs() < 1e-6, "{enc:?}"); // x 100..130 of 100..140
    assert!((enc.total.share - 0.75).abs() < 1e-9);
    compare_with_geos(&r);
}

/// Recomputes the union of the findings' geometries with GEOS (shapely 2), independently.
fn compare_with_geos(r: &ParcelReport) {
    let polys = |mp: &MultiPolygon<f64>| -> Value {
        mp.0.iter()
            .map(|p| {
                std::iter::once(p.exterior())
                    .chain(p.interiors())
                    .map(|ring| ring.0.iter().map(|c| json!([c.x, c.y])).collect::<Vec<_>>())
                    .collect::<Vec<_>>()
            })
            .collect::<Vec<_>>()
            .into()
    };
    let zones: Vec<Value> = r.findings.iter().map(|f| polys(&f.geometry)).collect();
    let script = "import json,sys,shapely\nfrom shapely.geometry import MultiPolygon, Polygon\n\
        zs=json.load(sys.stdin)\n\
        u=shapely.union_all([MultiPolygon([Polygon(p[0],p[1:]) for p in z]) for z in zs])\n\
        print(repr(u.area))";
    let mut child = Command::new("python3")
        .args(["-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("python3 with shapely 2 is needed (see .ci/setup-tests)");
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(serde_json::to_string(&zones).unwrap().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let geos: f64 = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap();
    let ours = r.encumbrance.as_ref().unwrap().total.m2;
    assert!((geos - ours).abs() < 1e-3, "GEOS {geos} vs aimaq {ours}");
}

#[test]
fn union_encumbrance_agrees_with_geos_on_round_zones() {
    // a lot in the round caps of two conduit belts and a gas zone around one point
    let end = |id: &str, layer: &str, attrs: Value, x: f64| {
        let mut a = json!({"id": id});
        a.as_object_mut()
            .unwrap()
            .extend(attrs.as_object().unwrap().clone());
        feature(
            layer,
            a,
            LineString::new(vec![at(x - 500.0, 0.0), at(x, 0.0)]),
        )
    };
    let e = engine(vec![
        end("wc-1", "water_conduits", json!({"soil": "wet"}), 100.0),
        end("wc-2", "water_conduits", json!({"soil": "wet"}), 130.0),
        // class II: the catalog has no minimum distance for it, only the 50 m zone
        end("gas-1", "gas_pipelines", json!({"class": "II"}), 120.0),
    ]);
    let r = e.check(&lot("residential", 5.0));
    assert_eq!(r.findings.len(), 3, "{:#?}", r.findings);
    let enc = r.encumbrance.as_ref().unwrap();
    let sum: f64 = r.findings.iter().map(|f| f.encumbered_m2).sum();
    assert!(enc.total.m2 < sum && enc.total.m2 <= r.area_m2);
    compare_with_geos(&r);
}

#[test]
fn overlay_edges_within_a_decimetre() {
    // a seismic area and a heritage zone whose top edge is the axis y = 0: a lot reaching
    // 0.1 m into them is encumbered by a 0.1 m strip, one 0.1 m away or touching is not
    let e = engine(vec![
        hazard(
            "hz-9",
            json!({"kind": "seismic", "intensity": 9}),
            rect(-5000.0, -5000.0, 10000.0, 5000.0),
        ),
        feature(
            "heritage",
            json!({"id": "hr-1", "name": "kurgans"}),
            rect(-5000.0, -5000.0, 10000.0, 5000.0),
        ),
    ]);
    let r = e.check(&lot("residential", -0.1));
    for rule in ["hazard.seismic", "heritage.protection_zone"] {
        let f = must(&r, rule);
        assert!(
            (f.encumbered_m2 - 4.0).abs() < 1e-3,
            "{rule}: {}",
            f.encumbered_m2
        );
        assert_eq!((f.distance_m, f.limit_m), (0.0, 0.0));
    }
    assert!(
        (r.encumbrance.as_ref().unwrap().total.m2 - 4.0).abs() < 1e-3,
        "union, not 8 m²"
    );
    assert!(
        e.check(&lot("residential", 0.0)).findings.is_empty(),
        "touching is not overlapping"
    );
    assert!(e.check(&lot("residential", 0.1)).findings.is_empty());
}
