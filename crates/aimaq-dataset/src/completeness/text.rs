//! The completeness report as text, in the command line's style.

use super::{Completeness, FeatureStatus, Presence, RuleStatus};
use std::fmt::Write;

pub(super) fn render(c: &Completeness) -> String {
    let mut out = String::new();
    let s = &c.summary;
    let _ = writeln!(
        out,
        "completeness of {} for catalog {} ({} rules: {} complete, {} partial, {} not checked)",
        c.dataset, c.catalog, s.rules, s.complete, s.partial, s.not_checked
    );
    let absent: Vec<&str> = layers_with(c, Presence::Absent);
    let empty: Vec<&str> = layers_with(c, Presence::Empty);
    if !absent.is_empty() {
        let _ = writeln!(out, "  layers absent: {}", absent.join(", "));
    }
    if !empty.is_empty() {
        let _ = writeln!(out, "  layers empty: {}", empty.join(", "));
    }
    for l in c.layers.iter().filter(|l| l.left_out > 0) {
        let _ = writeln!(
            out,
            "  layer {}: {} of {} features left out (no rule sees them)",
            l.layer, l.left_out, l.features
        );
    }
    if !c.not_in_force.is_empty() {
        let _ = writeln!(
            out,
            "  not in force on the catalog's date, not checked: {}",
            c.not_in_force.join(", ")
        );
    }
    for r in &c.rules {
        let counts = match r.status {
            RuleStatus::NotChecked if r.features == 0 => String::new(),
            _ => {
                let mut t = format!(
                    "{} of {} measured",
                    r.measured,
                    r.features - r.not_applicable
                );
                if r.with_caveat > 0 {
                    let _ = write!(t, " ({} with a caveat)", r.with_caveat);
                }
                if r.not_applicable > 0 {
                    let _ = write!(t, ", {} not its kind", r.not_applicable);
                }
                t
            }
        };
        let _ = writeln!(
            out,
            "{:<30} {:<22} {:<12} {}",
            r.rule,
            r.layer,
            r.status.as_str(),
            counts
        );
        for note in &r.notes {
            let _ = writeln!(out, "    ! {note}");
        }
        for o in r.outcomes.iter().filter(|o| {
            !matches!(
                o.status,
                FeatureStatus::Measured | FeatureStatus::NotApplicable
            )
        }) {
            let _ = writeln!(
                out,
                "    {:>5}  {} (e.g. {})",
                o.count,
                o.consequence,
                o.examples
                    .iter()
                    .take(3)
                    .cloned()
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        if !r.missing.is_empty() {
            let m: Vec<String> = r.missing.iter().map(|(a, n)| format!("{a} {n}")).collect();
            let _ = writeln!(out, "    missing: {}", m.join(", "));
        }
    }
    out
}

fn layers_with(c: &Completeness, p: Presence) -> Vec<&str> {
    c.layers
        .iter()
        .filter(|l| l.presence == p)
        .map(|l| l.layer.as_str())
        .collect()
}
