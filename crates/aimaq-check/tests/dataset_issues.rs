//! Every constraint feature the engine leaves out is named in an issue, with the reason.

use aimaq_check::{ConstraintFeature, Engine, Projected};
use aimaq_rules::{Catalog, IssueLevel};
use geo::{line_string, Geometry};

fn line(id: serde_json::Value) -> ConstraintFeature {
    ConstraintFeature {
        layer: "power_lines".into(),
        attributes: serde_json::json!({"id": id, "voltage_kv": 500})
            .as_object()
            .unwrap()
            .clone(),
        geometry: Ok(Projected::assume_metres(Geometry::from(
            line_string![(x: 0.0, y: 0.0), (x: 100.0, y: 0.0)],
        ))),
    }
}

/// Found by the dataset-loader fuzzing (aimaq-io/tests/properties.rs): a blank id is a
/// string, so no type check caught it, and the feature vanished without a word.
#[test]
fn a_feature_with_a_blank_id_is_left_out_with_an_error_naming_it() {
    let engine = Engine::new(
        Catalog::embedded(),
        "EPSG:32643",
        vec![line("pl-1".into()), line("".into()), line("   ".into())],
    );
    assert_eq!(engine.stats().features_used, 1);
    let blank: Vec<_> = engine
        .issues()
        .iter()
        .filter(|i| i.level == IssueLevel::Error && i.message.contains("`id` is blank"))
        .collect();
    assert_eq!(blank.len(), 2, "{:?}", engine.issues());
    assert_eq!(
        (blank[0].feature.as_str(), blank[1].feature.as_str()),
        ("#1", "#2")
    );
}
