//! Text that is safe to print: ids, uses and names come from other people's files, and a
//! terminal obeys the control characters in them.

use std::borrow::Cow;

/// `s` with every character that could move the cursor, forge a line or command a
/// terminal written as a visible escape, so that what is printed is exactly what the
/// record holds and nothing more:
///
/// * C0 controls (U+0000–U+001F, NUL and ESC among them), DEL (U+007F) and C1 controls
///   (U+0080–U+009F, CSI among them): `\0`, `\t`, `\n`, `\r`, `\e`, else `\u{XX}`;
/// * the line and paragraph separators (U+2028, U+2029) and the bidirectional
///   overrides and isolates (U+202A–U+202E, U+2066–U+2069), which reorder what a
///   reader sees: `\u{XXXX}`;
/// * the backslash itself, as `\\`, so that an id holding the two characters `\n` is
///   not read as one holding a newline.
///
/// Everything else — Kazakh, Russian, «», m², ✗ — is left as it is, and a string with
/// nothing to escape is returned without a copy. Only text output uses this: JSON,
/// GeoPackage and the other machine formats keep the original bytes.
///
/// ```
/// use aimaq_rules::printable;
/// assert_eq!(printable("Алматы-1"), "Алматы-1");
/// // a newline cannot forge a line of the report, ESC cannot reach the terminal
/// assert_eq!(
///     printable("P-1\nP-999 residential 1.0 m² CLEAR"),
///     r"P-1\nP-999 residential 1.0 m² CLEAR"
/// );
/// assert_eq!(printable("\u{1b}[2J\u{9b}31m"), r"\e[2J\u{9b}31m");
/// // NUL does not cut the id short
/// assert_eq!(printable("P-1\0tail"), r"P-1\0tail");
/// assert_eq!(printable(r"a\b"), r"a\\b");
/// ```
pub fn printable(s: &str) -> Cow<'_, str> {
    if !s.chars().any(needs_escape) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\\' => out.push_str(r"\\"),
            '\0' => out.push_str(r"\0"),
            '\t' => out.push_str(r"\t"),
            '\n' => out.push_str(r"\n"),
            '\r' => out.push_str(r"\r"),
            '\u{1b}' => out.push_str(r"\e"),
            c if needs_escape(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

fn needs_escape(c: char) -> bool {
    c == '\\'
        || c.is_control() // C0, DEL and C1
        || matches!(c, '\u{2028}' | '\u{2029}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::printable;

    #[test]
    fn r2_every_control_character_is_escaped_and_nothing_else() {
        for c in (0u32..0x20).chain([0x7f]).chain(0x80..0xa0) {
            let c = char::from_u32(c).unwrap();
            let shown = printable(&format!("a{c}b")).into_owned();
            assert!(
                shown.starts_with("a\\") && shown.ends_with('b'),
                "{c:?}: {shown}"
            );
            assert!(!shown.chars().any(|x| x.is_control()), "{c:?}: {shown}");
        }
        for s in ["кадастр №12", "Қаскелең «Ақсай»", "m² ✗ – …", ""]
        {
            assert!(matches!(printable(s), std::borrow::Cow::Borrowed(_)), "{s}");
        }
        assert_eq!(printable("x\u{202e}y\u{2028}"), r"x\u{202e}y\u{2028}");
    }
}
