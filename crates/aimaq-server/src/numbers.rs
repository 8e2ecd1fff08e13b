//! Numbers as the page writes them, so the record and the page never disagree: in
//! Kazakh and Russian a no-break space groups the thousands and a comma marks the
//! decimals (`1 200,00`), in English a comma and a point (`1,200.00`). The page's
//! `app.js` has the same function (`num`); a test pins both to the same strings.

use aimaq_rules::Lang;

/// `v` with exactly `decimals` decimals, grouped by thousands, in `lang`'s manner.
///
/// ```ignore
/// assert_eq!(number(1200.0, 2, Lang::Ru), "1\u{a0}200,00");
/// ```
pub fn number(v: f64, decimals: usize, lang: Lang) -> String {
    let text = format!("{:.*}", decimals, v.abs());
    let (int, frac) = match text.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (text.as_str(), None),
    };
    let (group, point) = match lang {
        Lang::En => (',', '.'),
        _ => ('\u{a0}', ','),
    };
    let mut out = String::with_capacity(text.len() + 4);
    // -0.00 is 0.00
    if v < 0.0 && text.chars().any(|c| c.is_ascii_digit() && c != '0') {
        out.push('−');
    }
    let digits = int.len();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (digits - i).is_multiple_of(3) {
            out.push(group);
        }
        out.push(c);
    }
    if let Some(f) = frac {
        out.push(point);
        out.push_str(f);
    }
    out
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
        assert_eq!(number(1200.0, 2, Lang::Ru), "1\u{a0}200,00");
        assert_eq!(number(1200.0, 2, Lang::Kk), "1\u{a0}200,00");
        assert_eq!(number(1200.0, 2, Lang::En), "1,200.00");
        assert_eq!(number(1_234_567.891, 2, Lang::En), "1,234,567.89");
        assert_eq!(number(119.4, 2, Lang::Kk), "119,40");
        assert_eq!(number(-0.001, 2, Lang::En), "0.00");
        assert_eq!(number_trim(550.0, Lang::Ru), "550");
        assert_eq!(number_trim(2.5, Lang::Ru), "2,5");
        assert_eq!(number_trim(1500.0, Lang::En), "1,500");
        assert_eq!(percent(0.125, Lang::Kk), "12,5\u{a0}%");
    }
}
