//! How metres are written in messages and descriptions.

/// Formats metres for messages: `50`, `226.5` — no trailing `.0`.
///
/// ```
/// assert_eq!(aimaq_rules::format_metres(50.0), "50");
/// assert_eq!(aimaq_rules::format_metres(226.5), "226.5");
/// ```
pub fn format_metres(m: f64) -> String {
    if m.fract() == 0.0 {
        format!("{m:.0}")
    } else {
        format!("{m}")
    }
}
