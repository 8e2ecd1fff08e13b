//! How metres are written in messages and descriptions.

/// Formats metres for English messages: `50`, `226.5`: no trailing `.0`
/// ([`format_number`](crate::format_number) in English; another language's through it).
///
/// ```
/// assert_eq!(aimaq_rules::format_metres(50.0), "50");
/// assert_eq!(aimaq_rules::format_metres(226.5), "226.5");
/// ```
pub fn format_metres(m: f64) -> String {
    crate::lang::format_number(crate::Lang::En, m, None)
}
