//! Issue 18 (18): a rule whose `until` is not after its `from` is refused at load, by
//! name, instead of being accepted and never applying.

use aimaq_rules::Catalog;

const EMBEDDED: &str = include_str!("../../../data/regulations/almaty-2020.toml");

/// The embedded catalog with the rule `zoning.south_direction` given an end date.
fn with_until(until: &str) -> String {
    let from = r#"in_force = { from = "2024-04-26", act = "Government of RK Decree No. 336 of 26.04.2024 (chapter 2)","#;
    assert_eq!(
        EMBEDDED.matches(from).count(),
        1,
        "the rule's in_force line"
    );
    EMBEDDED.replace(
        from,
        &format!(
            r#"in_force = {{ from = "2024-04-26", until = "{until}", act = "Government of RK Decree No. 336 of 26.04.2024 (chapter 2)","#
        ),
    )
}

#[test]
fn r2_a_rule_in_force_until_before_from_is_refused_naming_the_rule() {
    let e = Catalog::from_toml_str(&with_until("2023-01-01"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("rule `zoning.south_direction`"), "{e}");
    assert!(e.contains("2023-01-01") && e.contains("2024-04-26"), "{e}");
    assert!(e.contains("would never apply"), "{e}");
    // the same day: never in force either
    assert!(Catalog::from_toml_str(&with_until("2024-04-26")).is_err());
    // a real end date loads, and the rule applies only before it
    let c = Catalog::from_toml_str(&with_until("2030-01-01")).unwrap();
    assert!(c
        .as_of("2025-01-01".parse().unwrap())
        .unwrap()
        .rule("zoning.south_direction")
        .is_some());
    assert!(c
        .as_of("2031-01-01".parse().unwrap())
        .unwrap()
        .rule("zoning.south_direction")
        .is_none());
}
