//! Issue 18 (18): a rule whose `until` is not after its `from` is refused at load, by
//! name, instead of being accepted and never applying.

use aimaq_rules::Catalog;

const EMBEDDED: &str = include_str!("../../../data/regulations/almaty-2020.toml");

/// The embedded catalog with the rule `zoning.south_direction` given an end date.
fn with_until(until: &str) -> String {
    let from = r#"in_force = { from = "2024-05-06", act_date = "2024-04-26", act = "Government of RK Decree No. 336 of 26.04.2024 (chapter 2)","#;
    assert_eq!(
        EMBEDDED.matches(from).count(),
        1,
        "the rule's in_force line"
    );
    EMBEDDED.replace(
        from,
        &format!(
            r#"in_force = {{ from = "2024-05-06", act_date = "2024-04-26", until = "{until}", act = "Government of RK Decree No. 336 of 26.04.2024 (chapter 2)","#
        ),
    )
}

#[test]
fn r2_a_rule_in_force_until_before_from_is_refused_naming_the_rule() {
    let e = Catalog::from_toml_str(&with_until("2023-01-01"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("rule `zoning.south_direction`"), "{e}");
    assert!(e.contains("2023-01-01") && e.contains("2024-05-06"), "{e}");
    assert!(e.contains("would never apply"), "{e}");
    // the same day: never in force either
    assert!(Catalog::from_toml_str(&with_until("2024-05-06")).is_err());
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

/// Issue 19 item 9. L5-7 and L680-682: each decree takes effect ten calendar days after
/// its first official publication, not on its date. The catalog records both dates; the
/// publication date is not in the text, so the entry into force is the earliest possible,
/// ten days after the act's date. `--as-of` inside that window says so.
#[test]
fn l5_7_l680_682_acts_take_effect_ten_days_after_publication() {
    let c = Catalog::embedded();
    let own = &c.info().in_force;
    assert_eq!(own.act_date.unwrap().to_string(), "2020-08-13");
    assert_eq!(own.from.to_string(), "2020-08-23");
    assert!(own.published.is_none(), "not in the text, not verified");
    assert!(own.note.as_deref().unwrap().contains("L5-7"));
    let e = c
        .as_of("2020-08-20".parse().unwrap())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("not yet in force") && e.contains("2020-08-13") && e.contains("2020-08-23"),
        "{e}"
    );
    assert!(c.as_of("2020-08-23".parse().unwrap()).is_ok());
    // chapter 2 as amended by decree 336 of 26.04.2024: pending until 2024-05-06
    let south = c.rule("zoning.south_direction").unwrap().in_force();
    assert_eq!(south.act_date.unwrap().to_string(), "2024-04-26");
    assert!(south.pending("2024-05-01".parse().unwrap()));
    let window = c.as_of("2024-05-01".parse().unwrap()).unwrap();
    assert!(window.rule("zoning.south_direction").is_none());
    assert!(window.not_in_force()[0]
        .in_force
        .pending("2024-05-01".parse().unwrap()));
    assert!(c
        .as_of("2024-05-06".parse().unwrap())
        .unwrap()
        .rule("zoning.south_direction")
        .is_some());
}
