//! Numbers as the page writes them, so the record and the page never disagree: in
//! Kazakh and Russian a narrow no-break space groups the thousands and a comma marks the
//! decimals (`1 200,00`), in English a point and no grouping (`1200.00`), as the CLI
//! and the JSON messages write them (`aimaq_rules::format_number`). The page's
//! `app.js` has the same function (`num`); a test pins both to the same strings.

use aimaq_rules::Lang;

/// `v` with exactly `decimals` decimals, in `lang`'s manner: the one formatter every
/// surface uses ([`aimaq_rules::format_number`]), with −0.00 written as 0.00.
///
/// ```ignore
/// assert_eq!(number(1200.0, 2, Lang::Ru), "1\u{202f}200,00");
/// ```
pub fn number(v: f64, decimals: usize, lang: Lang) -> String {
    let rounds_to_zero = format!("{:.*}", decimals, v.abs())
        .chars()
        .all(|c| c == '0' || c == '.');
    let v = if rounds_to_zero { 0.0 } else { v };
    aimaq_rules::format_number(lang, v, Some(decimals))
}

/// `v` with at most three decimals, trailing zeros dropped (a limit: `550`, `2,5`).
pub fn number_trim(v: f64, lang: Lang) -> String {
    let s = number(v, 3, lang);
    let point = if lang == Lang::En { '.' } else { ',' };
    match s.split_once(point) {
        Some((int, frac)) => {
            let frac = frac.trim_end_matches('0');
            if frac.is_empty() {
                int.to_string()
            } else {
                format!("{int}{point}{frac}")
            }
        }
        None => s,
    }
}

/// A share (0…1) as a percentage with one decimal: `12,5 %`.
pub fn percent(share: f64, lang: Lang) -> String {
    format!("{}\u{a0}%", number(share * 100.0, 1, lang))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn as_the_page_writes_them() {
        assert_eq!(number(1200.0, 2, Lang::Ru), "1\u{202f}200,00");
        assert_eq!(number(1200.0, 2, Lang::Kk), "1\u{202f}200,00");
        assert_eq!(number(1200.0, 2, Lang::En), "1200.00");
        assert_eq!(number(1_234_567.891, 2, Lang::En), "1234567.89");
        assert_eq!(number(119.4, 2, Lang::Kk), "119,40");
        assert_eq!(number(-0.001, 2, Lang::En), "0.00");
        assert_eq!(number_trim(550.0, Lang::Ru), "550");
        assert_eq!(number_trim(2.5, Lang::Ru), "2,5");
        assert_eq!(number_trim(1500.0, Lang::En), "1500");
        assert_eq!(number(-12.5, 1, Lang::Ru), "-12,5");
        assert_eq!(percent(0.125, Lang::Kk), "12,5\u{a0}%");
    }
}
