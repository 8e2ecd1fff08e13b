//! Parcels given as well-known text (WKT), as a permit application or a database hands
//! them over.

use crate::record::polygonal;
use crate::{Error, Result};
use geo::{CoordsIter, MultiPolygon};
use std::str::FromStr;

/// Parses a `POLYGON`, `MULTIPOLYGON` or polygon-only `GEOMETRYCOLLECTION` into a parcel
/// geometry, refusing non-finite coordinates. The CRS is the caller's to know.
///
/// ```
/// let p = aimaq_io::parse_wkt_parcel("POLYGON((0 0, 10 0, 10 10, 0 10, 0 0))").unwrap();
/// assert_eq!(p.0.len(), 1);
/// assert!(aimaq_io::parse_wkt_parcel("POINT(1 2)").is_err());
/// assert!(aimaq_io::parse_wkt_parcel("POLYGON((0 0, 1 0").is_err());
/// ```
pub fn parse_wkt_parcel(text: &str) -> Result<MultiPolygon<f64>> {
    // the WKT parser stops at `nan` or `inf` and blames a parenthesis: name the number
    if let Some((word, at, n)) = non_finite_word(text) {
        return Err(Error::Wkt(format!(
            "number {n} (`{word}`, at character {at}) is not a finite number: a coordinate \
             must be a finite number of the parcel's CRS"
        )));
    }
    let wkt = wkt::Wkt::<f64>::from_str(text.trim()).map_err(|e| Error::Wkt(e.to_string()))?;
    let geometry: geo::Geometry<f64> = wkt
        .try_into()
        .map_err(|e: wkt::conversion::Error| Error::Wkt(e.to_string()))?;
    let parcel = polygonal(geometry).map_err(Error::Wkt)?;
    if let Some(c) = parcel
        .coords_iter()
        .find(|c| !(c.x.is_finite() && c.y.is_finite()))
    {
        return Err(Error::Wkt(format!(
            "coordinate ({}, {}) is not a finite number (a number too large for a 64-bit \
             float, such as 1e999, reads as infinite)",
            c.x, c.y
        )));
    }
    Ok(parcel)
}

/// The first word of `text` spelling a non-finite number (`nan`, `inf`, `infinity`, in
/// any case, signed or not), with its character position (1-based) and which number of
/// the text it is (`the 3rd`).
fn non_finite_word(text: &str) -> Option<(&str, usize, String)> {
    let mut numbers = 0;
    let mut start = None;
    let check = |from: usize, to: usize, numbers: &mut usize| {
        let word = &text[from..to];
        let bare = word.trim_start_matches(['+', '-']).to_ascii_lowercase();
        let numeric = word.starts_with(|c: char| c.is_ascii_digit() || "+-.".contains(c));
        if numeric || matches!(bare.as_str(), "nan" | "inf" | "infinity") {
            *numbers += 1;
        }
        matches!(bare.as_str(), "nan" | "inf" | "infinity").then(|| {
            let at = text[..from].chars().count() + 1;
            (word, at, ordinal(*numbers))
        })
    };
    for (i, c) in text.char_indices() {
        if c.is_whitespace() || "(),".contains(c) {
            if let Some(from) = start.take() {
                if let Some(found) = check(from, i, &mut numbers) {
                    return Some(found);
                }
            }
        } else if start.is_none() {
            start = Some(i);
        }
    }
    start.and_then(|from| check(from, text.len(), &mut numbers))
}

fn ordinal(n: usize) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("the {n}{suffix}")
}

#[cfg(test)]
mod tests {
    use super::parse_wkt_parcel;

    #[test]
    fn r2_wkt_with_nan_or_inf_names_the_number() {
        for (wkt, word, n) in [
            ("POLYGON((0 0, nan 0, 1 1, 0 0))", "nan", "the 3rd"),
            ("POLYGON((0 0, 1 0, 1 1, 0 NaN))", "NaN", "the 8th"),
            ("POLYGON((0 0,1 0,1 -inf,0 0))", "-inf", "the 6th"),
            (
                "MULTIPOLYGON(((Infinity 0, 1 0, 1 1, 0 0)))",
                "Infinity",
                "the 1st",
            ),
        ] {
            let e = parse_wkt_parcel(wkt).unwrap_err().to_string();
            assert!(
                e.contains(&format!("number {n} (`{word}`")) && e.contains("not a finite number"),
                "{wkt}: {e}"
            );
            assert!(!e.contains("parenthesis"), "{e}");
        }
        let e = parse_wkt_parcel("POLYGON((0 0, 1e999 0, 1 1, 0 0))").unwrap_err();
        assert!(e.to_string().contains("is not a finite number"), "{e}");
        // words that merely contain the letters stay the parser's business
        assert!(parse_wkt_parcel("POLYGON((0 0, 10 0, 10 10, 0 0))").is_ok());
    }
}
