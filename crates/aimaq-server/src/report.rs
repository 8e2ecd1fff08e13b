//! The decision record: one self-contained HTML page (inline CSS, inline SVG, no script,
//! nothing fetched) laid out for A4, with the map at the parcel's scale, the findings,
//! the citations, and the decision's id, digests and date. The same page prints from a
//! browser and through headless Chromium to PDF.
//!
//! The map is drawn in the CRS the engine measured in, so its scale bar is the scale of
//! the distances the findings state; the encumbered parts are the engine's, the zone
//! strips are buffers of the findings' features drawn for orientation.

use crate::i18n::text as ui;
use crate::numbers::{number, number_trim, percent};
use crate::store::DecisionRecord;
use crate::{Desk, Error};
use aimaq_check::ConstraintFeature;
use aimaq_rules::{fill, Lang};
use geo::{
    BooleanOps, BoundingRect, Buffer, ClosestPoint, Coord, Geometry, Intersects, LineString,
    MultiLineString, MultiPolygon, Point, Polygon, Rect, Simplify,
};
use serde_json::Value;
use std::fmt::Write;

/// Paper size of the map, millimetres (A4 portrait, 12 mm margins).
const MAP_W_MM: f64 = 186.0;
const MAP_H_MM: f64 = 118.0;
/// SVG units per millimetre.
const U: f64 = 10.0;

fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Severity colours for words on white: the map's, darkened where they would not read
/// (orange text on white is 2.4:1; 4.5:1 is the least for text).
fn text_colour(severity: &str) -> &'static str {
    match severity {
        "conditional" => "#8a4f00",
        other => colour(other),
    }
}

/// Severity colours, shared with the page.
fn colour(severity: &str) -> &'static str {
    match severity {
        "prohibited" => "#c62828",
        "conditional" => "#ef8f00",
        "review" => "#6a3fb5",
        _ => "#2e7d32",
    }
}

/// The dataset's label in the record's language: the embedded one is named in words,
/// a file by its path.
fn dataset_label(label: &str, lang: Lang) -> String {
    match label.strip_prefix("embedded ") {
        Some(path) => format!("{} {path}", ui(lang, "report.embedded")),
        None => label.to_string(),
    }
}

/// A CSS string literal of `text`.
fn css_string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' | '<' | '>' => out.push(' '),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The printed page's running header and footer: the decision's id on every page, and
/// "page 1 of 2" in the record's language (CSS page-margin boxes, which Chromium prints).
fn page_css(lang: Lang, id: &str) -> String {
    let t = |k: &str| ui(lang, k);
    // "page {page} of {pages}" → "page " counter(page) " of " counter(pages)
    let mut content = String::new();
    let mut rest = t("report.page_of");
    while !rest.is_empty() {
        let next = [("{page}", "counter(page)"), ("{pages}", "counter(pages)")]
            .iter()
            .filter_map(|(k, v)| rest.find(k).map(|i| (i, *k, *v)))
            .min_by_key(|(i, _, _)| *i);
        match next {
            Some((i, k, v)) => {
                if i > 0 {
                    content.push_str(&css_string(&rest[..i]));
                    content.push(' ');
                }
                content.push_str(v);
                content.push(' ');
                rest = &rest[i + k.len()..];
            }
            None => {
                content.push_str(&css_string(rest));
                rest = "";
            }
        }
    }
    format!(
        "@page {{ size: A4; margin: 16mm 12mm 16mm 12mm; \
         @top-left {{ content: {}; font: 7.5pt \"DejaVu Sans Mono\", monospace; color: #333; white-space: nowrap; }} \
         @top-right {{ content: {}; font: 7.5pt \"DejaVu Sans\", Arial, sans-serif; color: #555; }} \
         @bottom-right {{ content: {}; font: 8pt \"DejaVu Sans\", Arial, sans-serif; color: #333; }} }}",
        css_string(&format!("{} {id}", t("report.decision"))),
        css_string(t("report.printed_from")),
        content.trim_end()
    )
}

/// `value` in a form's field, or a blank line to write on when there is none.
fn field(value: Option<&str>) -> String {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        Some(v) => format!("<span class=\"filled\">{}</span>", esc(v)),
        None => "<span class=\"blank\"></span>".into(),
    }
}

/// The quoted law of a finding (`law`: the cited lines' text), as given: a string, a
/// list of strings, or objects with a `text`.
fn law_text(v: &Value) -> Option<String> {
    let one = |v: &Value| -> Option<String> {
        match v {
            Value::String(s) => Some(s.clone()),
            Value::Object(o) => o.get("text").and_then(Value::as_str).map(|t| {
                match o
                    .get("lines")
                    .or_else(|| o.get("ref"))
                    .and_then(Value::as_str)
                {
                    Some(r) => format!("{t} [{r}]"),
                    None => t.to_string(),
                }
            }),
            _ => None,
        }
    };
    let text = match v {
        Value::Array(a) => a.iter().filter_map(one).collect::<Vec<_>>().join("\n"),
        other => one(other)?,
    };
    (!text.trim().is_empty()).then_some(text)
}

/// Renders the record of decision `r`, its words in `lang` (`r.result` is the answer in
/// that language: the stored one, or the stored decision rendered again).
pub fn render(desk: &Desk, r: &DecisionRecord, lang: Lang) -> Result<String, Error> {
    let t = |k: &str| ui(lang, k);
    let m = ui(lang, "unit.m");
    let m2 = ui(lang, "unit.m2");
    let area_text = |v: f64| format!("{}&nbsp;{}", number(v, 2, lang), esc(m2));
    let catalog = desk.catalog();
    let msg = |k: &str| catalog.message(k, lang);
    let result = &r.result;
    let mut h = String::with_capacity(64 * 1024);
    let title = format!("{} {} — aimaq", t("report.decision"), r.id);
    let _ = write!(
        h,
        "<!doctype html><html lang=\"{}\"><head><meta charset=\"utf-8\"><title>{}</title><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><style>{}{}</style></head><body>",
        lang.code(),
        esc(&title),
        page_css(lang, &r.id),
        CSS
    );
    // the scheme's title and act in the record's language, as the catalog gives them
    let catalog_title = catalog.info().title_in(lang).to_string();
    let act = catalog.text(result["catalog"]["act"].as_str().unwrap_or(""), lang);
    let _ = write!(
        h,
        "<header><div class=\"brand\">{}</div><h1>{}</h1><p class=\"sub\">{} — {}</p></header><main>",
        esc(t("report.printed_from")),
        esc(t("report.title")),
        esc(&catalog_title),
        esc(&act)
    );

    // the decision's identity: what an appeal needs to re-run it
    let as_of = match &r.as_of {
        Some(d) => esc(d),
        None => esc(t("report.all_rules")),
    };
    let _ = write!(
        h,
        "<table class=\"meta\"><tr><th>{}</th><td><strong class=\"id\">{}</strong></td></tr>\
         <tr><th>{}</th><td>{}</td></tr><tr><th>{}</th><td>{}</td></tr><tr><th>{}</th><td>{}</td></tr>\
         <tr><th>{}</th><td>{} <code class=\"digest\">{}</code></td></tr><tr><th>{}</th><td>{} <code class=\"digest\">{}</code></td></tr></table>",
        esc(t("report.decision")),
        esc(&r.id),
        esc(t("report.created")),
        esc(&r.created_at.replace('T', " ").replace('Z', "")),
        esc(t("report.as_of")),
        as_of,
        esc(t("report.crs")),
        esc(result["crs"].as_str().unwrap_or(&r.crs)),
        esc(t("report.catalog")),
        esc(&r.catalog_id),
        esc(&r.catalog_digest),
        esc(t("report.dataset")),
        esc(&dataset_label(&r.dataset_label, lang)),
        esc(&r.dataset_digest),
    );

    // the application and the officer: a form, each field filled from the request or a
    // blank line to write on; the signature is always written by hand
    let parcels = result["parcels"].as_array().cloned().unwrap_or_default();
    let application = &r.request["application"];
    let app = |k: &str| application[k].as_str();
    let parcel_ids: Vec<&str> = parcels.iter().filter_map(|p| p["id"].as_str()).collect();
    let app_number = app("number").or(if parcel_ids.len() == 1 && parcel_ids[0] != "parcel" {
        Some(parcel_ids[0])
    } else {
        None
    });
    let mut uses: Vec<String> = Vec::new();
    for p in &parcels {
        let code = p["use"]
            .as_str()
            .map(String::from)
            .unwrap_or_else(|| catalog.info().default_use.clone());
        let label = catalog
            .land_use(&code)
            .map(|u| u.label(lang).to_string())
            .unwrap_or(code);
        if !uses.contains(&label) {
            uses.push(label);
        }
    }
    let row =
        |label: &str, value: String| format!("<tr><th>{}</th><td>{value}</td></tr>", esc(label));
    let _ = write!(
        h,
        "<section class=\"application\"><h2>{}</h2><table class=\"form\">{}{}{}{}</table>\
         <h3>{}</h3><table class=\"form\">{}{}{}{}</table></section>",
        esc(t("report.application")),
        row(
            t("report.application_number"),
            field(app_number).replace("class=\"filled\"", "class=\"filled id\"")
        ),
        row(t("report.applicant"), field(app("applicant"))),
        row(t("report.address"), field(app("address"))),
        row(t("report.use"), field(Some(&uses.join("; ")))),
        esc(t("report.officer")),
        row(t("report.officer_name"), field(app("officer"))),
        row(t("report.position"), field(app("position"))),
        row(t("report.date"), field(None)),
        row(t("report.signature"), field(None)),
    );

    let geometry = result["geometry"]["features"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let mut citations: Vec<(String, String, String)> = Vec::new();
    for p in &parcels {
        let id = p["id"].as_str().unwrap_or("");
        let verdict = p["verdict"].as_str().unwrap_or("error");
        let use_code = p["use"]
            .as_str()
            .map(String::from)
            .unwrap_or_else(|| catalog.info().default_use.clone());
        let use_label = catalog
            .land_use(&use_code)
            .map(|u| u.label(lang).to_string())
            .unwrap_or_default();
        let _ = write!(
            h,
            "<section class=\"parcel\"><h2>{} <span class=\"id\">{}</span> <span class=\"verdict\" style=\"background:{};color:{}\">{}</span></h2>",
            esc(t("report.parcel")),
            esc(id),
            colour(verdict),
            // white on orange is 2.4:1: dark text there
            if verdict == "conditional" { "#111" } else { "#fff" },
            esc(msg(&format!("verdict.{verdict}")))
        );
        let area = p["area_m2"].as_f64().unwrap_or(0.0);
        let _ = write!(
            h,
            "<table class=\"meta\"><tr><th>{}</th><td>{} <code class=\"id\">{}</code></td></tr><tr><th>{}</th><td>{}</td></tr>",
            esc(t("report.use")),
            esc(&use_label),
            esc(&use_code),
            esc(t("report.area")),
            area_text(area)
        );
        if let Some(total) = p["encumbrance"]["total"].as_object() {
            let by: Vec<String> = p["encumbrance"]["by_severity"]
                .as_object()
                .map(|m| {
                    m.iter()
                        .rev()
                        .map(|(s, a)| {
                            format!(
                                "<span style=\"color:{}\">{}</span> {} ({})",
                                text_colour(s),
                                esc(&severity_word(catalog, lang, s)),
                                area_text(a["m2"].as_f64().unwrap_or(0.0)),
                                percent(a["share"].as_f64().unwrap_or(0.0), lang)
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            let _ = write!(
                h,
                "<tr><th>{}</th><td>{} ({}){}{}</td></tr>",
                esc(t("report.encumbrance")),
                area_text(total.get("m2").and_then(Value::as_f64).unwrap_or(0.0)),
                percent(
                    total.get("share").and_then(Value::as_f64).unwrap_or(0.0),
                    lang
                ),
                if by.is_empty() { "" } else { " — " },
                by.join(", ")
            );
        }
        h.push_str("</table>");

        let parcel_geometry = geometry.iter().find(|f| {
            f["properties"]["kind"] == "parcel" && f["properties"]["parcel"].as_str() == Some(id)
        });
        let finding_geometries: Vec<&Value> = geometry
            .iter()
            .filter(|f| {
                f["properties"]["kind"] == "finding"
                    && f["properties"]["parcel"].as_str() == Some(id)
            })
            .collect();
        let findings = p["findings"].as_array().cloned().unwrap_or_default();
        if let Some(pg) = parcel_geometry.and_then(|g| multipolygon(&g["geometry"])) {
            let svg = map_svg(desk, lang, verdict, &pg, &findings, &finding_geometries);
            let _ = write!(
                h,
                "<figure class=\"map\">{svg}<figcaption>{}</figcaption></figure>",
                esc(&fill(
                    t("report.map_note"),
                    &[("crs", result["crs"].as_str().unwrap_or(&r.crs))]
                ))
            );
        }

        if findings.is_empty() {
            let _ = write!(h, "<p class=\"clear\">{}</p>", esc(t("report.no_findings")));
        } else {
            let _ = write!(
                h,
                "<h3>{}</h3><table class=\"findings\"><thead><tr><th>#</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
                esc(t("report.findings")),
                esc(t("report.rule")),
                esc(t("report.object")),
                esc(t("report.distance")),
                esc(t("report.encumbered")),
                esc(t("report.regime")),
            );
            for f in &findings {
                citations.push((
                    f["rule"].as_str().unwrap_or("").to_string(),
                    f["citation"].as_str().unwrap_or("").to_string(),
                    f["regime_citation"].as_str().unwrap_or("").to_string(),
                ));
                let n = citations.len();
                let rule_id = f["rule"].as_str().unwrap_or("");
                let rule_title = catalog
                    .rule(rule_id)
                    .map(|r| r.title_in(lang).to_string())
                    .unwrap_or_default();
                let object = match f["feature_name"].as_str() {
                    Some(name) => format!(
                        "{} «{}» <code class=\"id\">{}</code>",
                        esc(&catalog.layer_label(f["layer"].as_str().unwrap_or(""), lang)),
                        esc(name),
                        esc(f["feature"].as_str().unwrap_or(""))
                    ),
                    None => format!(
                        "{} <code class=\"id\">{}</code>",
                        esc(&catalog.layer_label(f["layer"].as_str().unwrap_or(""), lang)),
                        esc(f["feature"].as_str().unwrap_or(""))
                    ),
                };
                let limit = f["limit_m"].as_f64().unwrap_or(0.0);
                let distance = if limit == 0.0 {
                    esc(msg("reason.overlap"))
                } else {
                    format!(
                        "{}&nbsp;{m} &lt; {}&nbsp;{m}",
                        number(f["distance_m"].as_f64().unwrap_or(0.0), 2, lang),
                        number_trim(limit, lang),
                        m = esc(m)
                    )
                };
                let severity = f["severity"].as_str().unwrap_or("");
                let approval = f["approval"]
                    .as_str()
                    .map(|a| {
                        format!(
                            "<div class=\"approval\">{}</div>",
                            esc(&fill(msg("approval"), &[("approval", a)]))
                        )
                    })
                    .unwrap_or_default();
                let _ = write!(
                    h,
                    "<tr><td class=\"n\">[{n}]</td><td><strong>{}</strong><br><code class=\"id\">{}</code></td><td>{object}</td><td class=\"num\">{distance}</td><td class=\"num\">{}<br>{}</td><td><span class=\"sev\" style=\"color:{}\">{}</span>{approval}</td></tr>\
                     <tr class=\"msg\"><td></td><td colspan=\"5\">{}</td></tr>",
                    esc(&rule_title),
                    esc(rule_id),
                    area_text(f["encumbered_m2"].as_f64().unwrap_or(0.0)),
                    percent(f["encumbered_share"].as_f64().unwrap_or(0.0), lang),
                    text_colour(severity),
                    esc(&severity_word(catalog, lang, severity)),
                    esc(f["message"].as_str().unwrap_or("")),
                );
                // the law itself: the cited lines' text, under the finding
                if let Some(law) = law_text(&f["law"]) {
                    let _ = write!(
                        h,
                        "<tr class=\"law\"><td></td><td colspan=\"5\"><div class=\"law-head\">{}</div><blockquote>{}</blockquote></td></tr>",
                        esc(t("report.law")),
                        esc(&law).replace('\n', "<br>")
                    );
                }
            }
            h.push_str("</tbody></table>");
        }
        h.push_str("</section>");
    }

    if !citations.is_empty() {
        let _ = write!(
            h,
            "<section class=\"citations\"><h2>{}</h2><ol>",
            esc(t("report.citations"))
        );
        for (rule, width, regime) in &citations {
            let _ = write!(
                h,
                "<li><code>{}</code> — {}: {}; {}: {}</li>",
                esc(rule),
                esc(t("report.width_source")),
                esc(width),
                esc(t("report.regime_source")),
                esc(regime)
            );
        }
        h.push_str("</ol></section>");
    }
    let not_in_force = result["catalog"]["not_in_force"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let mut footer_extra = String::new();
    for n in &not_in_force {
        footer_extra.push_str(&format!(
            "<li>{}</li>",
            esc(&fill(
                msg("label.not_applied"),
                &[
                    ("rule", n["rule"].as_str().unwrap_or("")),
                    (
                        "from",
                        &aimaq_rules::date_ending(
                            lang,
                            n["in_force"]["from"].as_str().unwrap_or(""),
                            aimaq_rules::DateCase::From,
                        ),
                    ),
                    ("act", n["in_force"]["act"].as_str().unwrap_or("")),
                ]
            ))
        ));
    }
    // the credit the data's licence requires (OpenStreetMap: ODbL 1.0), as the answer kept it
    let credit = result["dataset"]["attribution"]
        .as_str()
        .map(|c| format!("<p class=\"attribution\">{}</p>", esc(c)))
        .unwrap_or_default();
    let _ = write!(
        h,
        "</main><footer>{}{credit}<p>{}</p><p class=\"digests\">{} {} · {}: <code class=\"digest\">{}</code> · {}: <code class=\"digest\">{}</code></p></footer></body></html>",
        if footer_extra.is_empty() { String::new() } else { format!("<ul class=\"nif\">{footer_extra}</ul>") },
        esc(t("report.verify")),
        esc(t("report.version")),
        esc(&r.aimaq_version),
        esc(t("report.request")),
        esc(&r.request_digest),
        esc(t("report.chain")),
        esc(&r.chain),
    );
    Ok(h)
}

fn severity_word(catalog: &aimaq_rules::Catalog, lang: Lang, s: &str) -> String {
    match s {
        "prohibited" => catalog.message("regime.prohibited", lang),
        "conditional" => catalog.message("regime.conditional", lang),
        "review" => catalog.message("severity.review", lang),
        other => other,
    }
    .to_string()
}

/// A GeoJSON (Multi)Polygon object as a MultiPolygon.
fn multipolygon(v: &Value) -> Option<MultiPolygon<f64>> {
    let ring = |r: &Value| -> Option<LineString<f64>> {
        Some(LineString(
            r.as_array()?
                .iter()
                .map(|c| {
                    Some(Coord {
                        x: c.get(0)?.as_f64()?,
                        y: c.get(1)?.as_f64()?,
                    })
                })
                .collect::<Option<_>>()?,
        ))
    };
    let polygon = |p: &Value| -> Option<Polygon<f64>> {
        let rings = p.as_array()?;
        let mut rings = rings.iter().map(ring).collect::<Option<Vec<_>>>()?;
        if rings.is_empty() {
            return None;
        }
        let exterior = rings.remove(0);
        Some(Polygon::new(exterior, rings))
    };
    match v["type"].as_str()? {
        "Polygon" => Some(MultiPolygon(vec![polygon(&v["coordinates"])?])),
        "MultiPolygon" => Some(MultiPolygon(
            v["coordinates"]
                .as_array()?
                .iter()
                .map(polygon)
                .collect::<Option<_>>()?,
        )),
        _ => None,
    }
}

/// Metres of the engine's CRS to SVG units.
struct Frame {
    min_x: f64,
    max_y: f64,
    scale: f64,
}

impl Frame {
    fn x(&self, x: f64) -> f64 {
        (x - self.min_x) * self.scale
    }
    fn y(&self, y: f64) -> f64 {
        (self.max_y - y) * self.scale
    }
    fn path_line(&self, l: &LineString<f64>, close: bool) -> String {
        let mut d = String::with_capacity(l.0.len() * 14);
        for (i, c) in l.0.iter().enumerate() {
            let _ = write!(
                d,
                "{}{:.1} {:.1}",
                if i == 0 { "M" } else { "L" },
                self.x(c.x),
                self.y(c.y)
            );
        }
        if close {
            d.push('Z');
        }
        d
    }
    fn path_polygons(&self, mp: &MultiPolygon<f64>) -> String {
        let mut d = String::new();
        for p in &mp.0 {
            d.push_str(&self.path_line(p.exterior(), true));
            for r in p.interiors() {
                d.push_str(&self.path_line(r, true));
            }
        }
        d
    }
    fn path_lines(&self, ml: &MultiLineString<f64>) -> String {
        ml.0.iter().map(|l| self.path_line(l, false)).collect()
    }
}

fn lines_of(g: &Geometry<f64>) -> MultiLineString<f64> {
    match g {
        Geometry::LineString(l) => MultiLineString(vec![l.clone()]),
        Geometry::MultiLineString(ml) => ml.clone(),
        Geometry::Polygon(p) => MultiLineString(
            std::iter::once(p.exterior().clone())
                .chain(p.interiors().iter().cloned())
                .collect(),
        ),
        Geometry::MultiPolygon(mp) => MultiLineString(
            mp.0.iter()
                .flat_map(|p| {
                    std::iter::once(p.exterior().clone()).chain(p.interiors().iter().cloned())
                })
                .collect(),
        ),
        _ => MultiLineString(vec![]),
    }
}

fn polygons_of(g: &Geometry<f64>) -> Option<MultiPolygon<f64>> {
    match g {
        Geometry::Polygon(p) => Some(MultiPolygon(vec![p.clone()])),
        Geometry::MultiPolygon(mp) => Some(mp.clone()),
        _ => None,
    }
}

fn find_feature<'a>(desk: &'a Desk, layer: &str, id: &str) -> Option<&'a ConstraintFeature> {
    desk.features()
        .iter()
        .find(|f| f.layer == layer && f.attributes.get("id").and_then(Value::as_str) == Some(id))
}

/// The nearest pair of points between a parcel and a feature's boundary (vertex to
/// segment both ways: the minimum between non-crossing polylines is reached there).
fn nearest_pair(
    parcel: &MultiPolygon<f64>,
    feature: &MultiLineString<f64>,
) -> Option<(Point<f64>, Point<f64>)> {
    let mut best: Option<(f64, Point<f64>, Point<f64>)> = None;
    let mut consider = |a: Point<f64>, c: geo::Closest<f64>| {
        let b = match c {
            geo::Closest::Intersection(p) | geo::Closest::SinglePoint(p) => p,
            geo::Closest::Indeterminate => return,
        };
        let d = ((a.x() - b.x()).powi(2) + (a.y() - b.y()).powi(2)).sqrt();
        if best.as_ref().is_none_or(|(bd, _, _)| d < *bd) {
            best = Some((d, a, b));
        }
    };
    let parcel_lines = lines_of(&Geometry::MultiPolygon(parcel.clone()));
    for c in parcel_lines.0.iter().flat_map(|l| l.0.iter()) {
        consider(Point(*c), feature.closest_point(&Point(*c)));
    }
    for c in feature.0.iter().flat_map(|l| l.0.iter()) {
        let p = Point(*c);
        if let geo::Closest::SinglePoint(q) | geo::Closest::Intersection(q) =
            parcel_lines.closest_point(&p)
        {
            consider(q, geo::Closest::SinglePoint(p));
        }
    }
    best.map(|(_, a, b)| (a, b))
}

/// Round lengths for the scale bar: 1, 2, 5 × 10ⁿ.
fn nice(x: f64) -> f64 {
    let p = 10f64.powf(x.log10().floor());
    let m = x / p;
    p * if m < 1.5 {
        1.0
    } else if m < 3.5 {
        2.0
    } else if m < 7.5 {
        5.0
    } else {
        10.0
    }
}

fn metres_label(m: f64, lang: Lang) -> String {
    if m >= 1000.0 {
        format!(
            "{}\u{a0}{}",
            number_trim(m / 1000.0, lang),
            esc(ui(lang, "unit.km"))
        )
    } else {
        format!("{}\u{a0}{}", number_trim(m, lang), esc(ui(lang, "unit.m")))
    }
}

/// The map of one parcel: background layers, the findings' zones, the encumbered parts,
/// the parcel, distances, scale bar, north arrow and legend.
fn map_svg(
    desk: &Desk,
    lang: Lang,
    verdict: &str,
    parcel_wgs84: &MultiPolygon<f64>,
    findings: &[Value],
    finding_geometries: &[&Value],
) -> String {
    let t = |k: &str| ui(lang, k);
    let to_metric = |g: &MultiPolygon<f64>| desk.reprojector().to_metric(g).ok();
    let Some(parcel) = to_metric(parcel_wgs84) else {
        return String::new();
    };
    let Some(pb) = parcel.bounding_rect() else {
        return String::new();
    };
    // the extent: the parcel, and the nearest point of every object within 3 km that a
    // finding measures a distance to, so the river and its strip are on the map
    let mut min = pb.min();
    let mut max = pb.max();
    let mut pairs = Vec::new();
    for f in findings {
        let (Some(layer), Some(id)) = (f["layer"].as_str(), f["feature"].as_str()) else {
            continue;
        };
        let Some(feature) = find_feature(desk, layer, id) else {
            continue;
        };
        let Ok(g) = &feature.geometry else { continue };
        let distance = f["distance_m"].as_f64().unwrap_or(0.0);
        if distance > 0.0 && distance <= 3000.0 {
            if let Some((a, b)) = nearest_pair(&parcel, &lines_of(g.geometry())) {
                min = Coord {
                    x: min.x.min(b.x()),
                    y: min.y.min(b.y()),
                };
                max = Coord {
                    x: max.x.max(b.x()),
                    y: max.y.max(b.y()),
                };
                pairs.push((
                    a,
                    b,
                    distance,
                    f["severity"].as_str().unwrap_or("").to_string(),
                ));
            }
        }
    }
    let (w, hgt) = (max.x - min.x, max.y - min.y);
    let pad = (w.max(hgt) * 0.25).max(40.0);
    let (mut x0, mut y0, mut x1, mut y1) = (min.x - pad, min.y - pad, max.x + pad, max.y + pad);
    // the paper's proportions, at least 200 m across
    let aspect = MAP_W_MM / MAP_H_MM;
    let (cx, cy) = ((x0 + x1) / 2.0, (y0 + y1) / 2.0);
    let mut ew = (x1 - x0).max(200.0);
    let mut eh = y1 - y0;
    if ew / eh > aspect {
        eh = ew / aspect;
    } else {
        ew = eh * aspect;
    }
    x0 = cx - ew / 2.0;
    x1 = cx + ew / 2.0;
    y0 = cy - eh / 2.0;
    y1 = cy + eh / 2.0;
    let width_u = MAP_W_MM * U;
    let height_u = MAP_H_MM * U;
    let frame = Frame {
        min_x: x0,
        max_y: y1,
        scale: width_u / ew,
    };
    let tolerance = 0.5 / frame.scale; // half an SVG unit, i.e. 0.05 mm
                                       // on the map: the geometry itself, not only its box, meets the frame (a railway's box
                                       // spans half the agglomeration)
    let near = |g: &Geometry<f64>, reach: f64| {
        let frame = Rect::new((x0 - reach, y0 - reach), (x1 + reach, y1 + reach));
        g.bounding_rect().is_some_and(|b| {
            b.max().x >= frame.min().x
                && b.min().x <= frame.max().x
                && b.max().y >= frame.min().y
                && b.min().y <= frame.max().y
        }) && g.intersects(&frame)
    };
    let clip_rect =
        |reach: f64| Rect::new((x0 - reach, y0 - reach), (x1 + reach, y1 + reach)).to_polygon();

    let mut s = String::with_capacity(32 * 1024);
    let _ = write!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width_u} {height_u}\" width=\"{MAP_W_MM}mm\" height=\"{MAP_H_MM}mm\" role=\"img\" aria-label=\"{}\">\
         <defs><clipPath id=\"frame\"><rect width=\"{width_u}\" height=\"{height_u}\"/></clipPath>\
         <pattern id=\"hatch\" width=\"16\" height=\"16\" patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\"><line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"16\" stroke=\"#1565c0\" stroke-width=\"3\" stroke-opacity=\"0.45\"/></pattern>\
         </defs>\
         <rect width=\"{width_u}\" height=\"{height_u}\" fill=\"#f7f5ef\"/><g clip-path=\"url(#frame)\">",
        esc(t("report.map"))
    );

    // background: what orients a reader, drawn under everything else
    let mut legend: Vec<(&str, String)> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut note = |key: &'static str, swatch: String, legend: &mut Vec<(&str, String)>| {
        if seen.insert(key) {
            legend.push((key, swatch));
        }
    };
    let order = [
        "settlements",
        "protected_areas",
        "water_bodies",
        "road_corridors",
        "railways",
        "power_lines",
        "gas_pipelines",
        "water_conduits",
    ];
    for layer in order {
        for f in desk.features().iter().filter(|f| f.layer == layer) {
            let Ok(g) = &f.geometry else { continue };
            let g = g.geometry();
            if !near(g, 0.0) {
                continue;
            }
            let g = simplify(g, tolerance);
            match (layer, polygons_of(&g)) {
                ("settlements", Some(mp)) => {
                    let _ = write!(
                        s,
                        "<path d=\"{}\" fill=\"#ece6da\" stroke=\"#b9ad95\" stroke-width=\"3\"/>",
                        frame.path_polygons(&mp)
                    );
                    note("legend.settlement", "<rect width=\"40\" height=\"24\" fill=\"#ece6da\" stroke=\"#b9ad95\" stroke-width=\"3\"/>".into(), &mut legend);
                }
                ("protected_areas", Some(mp)) => {
                    let _ = write!(s, "<path d=\"{}\" fill=\"#dcebd5\" stroke=\"#5b8c4a\" stroke-width=\"3\" stroke-dasharray=\"12 6\"/>", frame.path_polygons(&mp));
                    note("legend.protected", "<rect width=\"40\" height=\"24\" fill=\"#dcebd5\" stroke=\"#5b8c4a\" stroke-width=\"3\" stroke-dasharray=\"12 6\"/>".into(), &mut legend);
                }
                ("water_bodies", Some(mp)) => {
                    let _ = write!(
                        s,
                        "<path d=\"{}\" fill=\"#a9cdef\" stroke=\"#1e6fb8\" stroke-width=\"3\"/>",
                        frame.path_polygons(&mp)
                    );
                    note("legend.water", "<rect width=\"40\" height=\"24\" fill=\"#a9cdef\" stroke=\"#1e6fb8\" stroke-width=\"3\"/>".into(), &mut legend);
                }
                ("water_bodies", None) => {
                    let _ = write!(s, "<path d=\"{}\" fill=\"none\" stroke=\"#1e6fb8\" stroke-width=\"9\" stroke-linecap=\"round\" stroke-linejoin=\"round\"/>", frame.path_lines(&lines_of(&g)));
                    note("legend.water", "<line x1=\"0\" y1=\"12\" x2=\"40\" y2=\"12\" stroke=\"#1e6fb8\" stroke-width=\"9\"/>".into(), &mut legend);
                }
                ("road_corridors", _) => {
                    let d = frame.path_lines(&lines_of(&g));
                    let _ = write!(s, "<path d=\"{d}\" fill=\"none\" stroke=\"#8d8d8d\" stroke-width=\"16\" stroke-linecap=\"round\"/><path d=\"{d}\" fill=\"none\" stroke=\"#fff8e1\" stroke-width=\"10\" stroke-linecap=\"round\"/>");
                    note("legend.road", "<line x1=\"0\" y1=\"12\" x2=\"40\" y2=\"12\" stroke=\"#8d8d8d\" stroke-width=\"16\"/><line x1=\"0\" y1=\"12\" x2=\"40\" y2=\"12\" stroke=\"#fff8e1\" stroke-width=\"10\"/>".into(), &mut legend);
                }
                ("railways", _) => {
                    let d = frame.path_lines(&lines_of(&g));
                    let _ = write!(s, "<path d=\"{d}\" fill=\"none\" stroke=\"#222\" stroke-width=\"8\"/><path d=\"{d}\" fill=\"none\" stroke=\"#fff\" stroke-width=\"5\" stroke-dasharray=\"24 24\"/>");
                    note("legend.rail", "<line x1=\"0\" y1=\"12\" x2=\"40\" y2=\"12\" stroke=\"#222\" stroke-width=\"8\"/><line x1=\"0\" y1=\"12\" x2=\"40\" y2=\"12\" stroke=\"#fff\" stroke-width=\"5\" stroke-dasharray=\"10 10\"/>".into(), &mut legend);
                }
                ("power_lines", _) => {
                    let _ = write!(s, "<path d=\"{}\" fill=\"none\" stroke=\"#6d2e8c\" stroke-width=\"4\" stroke-dasharray=\"30 8 4 8\"/>", frame.path_lines(&lines_of(&g)));
                    note("legend.power", "<line x1=\"0\" y1=\"12\" x2=\"40\" y2=\"12\" stroke=\"#6d2e8c\" stroke-width=\"4\" stroke-dasharray=\"14 4 3 4\"/>".into(), &mut legend);
                }
                ("gas_pipelines", _) => {
                    let _ = write!(s, "<path d=\"{}\" fill=\"none\" stroke=\"#e65100\" stroke-width=\"5\" stroke-dasharray=\"18 10\"/>", frame.path_lines(&lines_of(&g)));
                    note("legend.gas", "<line x1=\"0\" y1=\"12\" x2=\"40\" y2=\"12\" stroke=\"#e65100\" stroke-width=\"5\" stroke-dasharray=\"10 5\"/>".into(), &mut legend);
                }
                ("water_conduits", _) => {
                    let _ = write!(s, "<path d=\"{}\" fill=\"none\" stroke=\"#00838f\" stroke-width=\"5\" stroke-dasharray=\"6 8\"/>", frame.path_lines(&lines_of(&g)));
                    note("legend.conduit", "<line x1=\"0\" y1=\"12\" x2=\"40\" y2=\"12\" stroke=\"#00838f\" stroke-width=\"5\" stroke-dasharray=\"4 5\"/>".into(), &mut legend);
                }
                _ => {}
            }
        }
    }

    // the findings' zones: strips for distance rules, outlines for areas
    let mut drawn = std::collections::HashSet::new();
    for f in findings {
        let (Some(layer), Some(id), Some(rule)) = (
            f["layer"].as_str(),
            f["feature"].as_str(),
            f["rule"].as_str(),
        ) else {
            continue;
        };
        if !drawn.insert((rule.to_string(), id.to_string())) {
            continue;
        }
        let Some(feature) = find_feature(desk, layer, id) else {
            continue;
        };
        let Ok(g) = &feature.geometry else { continue };
        let limit = f["limit_m"].as_f64().unwrap_or(0.0);
        if limit > 0.0 {
            let lines = lines_of(g.geometry());
            // only the part of the object that can reach the map
            let near_part = clip_rect(limit).clip(&lines, false);
            if near_part.0.is_empty() {
                continue;
            }
            let mut strip = near_part.buffer(limit);
            if let Some(area) = polygons_of(g.geometry()) {
                strip = strip.union(&area.intersection(&MultiPolygon(vec![clip_rect(limit)])));
            }
            let d = frame.path_polygons(&strip);
            let _ = write!(
                s,
                "<path d=\"{d}\" fill=\"#1565c0\" fill-opacity=\"0.07\" stroke=\"none\" fill-rule=\"evenodd\"/><path d=\"{d}\" fill=\"url(#hatch)\" stroke=\"#1565c0\" stroke-width=\"4\" stroke-dasharray=\"16 8\" fill-rule=\"evenodd\"/>"
            );
            note("legend.zone", "<rect width=\"40\" height=\"24\" fill=\"#e8eef8\"/><rect width=\"40\" height=\"24\" fill=\"url(#hatch)\" stroke=\"#1565c0\" stroke-width=\"3\" stroke-dasharray=\"8 4\"/>".into(), &mut legend);
        } else if let Some(area) = polygons_of(g.geometry()) {
            if !near(g.geometry(), 0.0) {
                continue;
            }
            let part = area.intersection(&MultiPolygon(vec![clip_rect(0.0)]));
            // an area the parcel lies in usually fills the map: its boundary says enough
            let _ = write!(
                s,
                "<path d=\"{}\" fill=\"none\" stroke=\"#6d4c41\" stroke-width=\"4\" stroke-dasharray=\"6 6\"/>",
                frame.path_polygons(&simplify_mp(&part, tolerance))
            );
            note("legend.area", "<rect width=\"40\" height=\"24\" fill=\"none\" stroke=\"#6d4c41\" stroke-width=\"3\" stroke-dasharray=\"6 6\"/>".into(), &mut legend);
        }
    }

    // the encumbered parts, painted as the page paints them: each severity once, the
    // worse ones cut out of the milder, so nothing milder is ever drawn over a worse part
    let parts: Vec<(&str, MultiPolygon<f64>)> = finding_geometries
        .iter()
        .filter_map(|f| {
            let sev = f["properties"]["severity"].as_str()?;
            let g = multipolygon(&f["geometry"]).and_then(|g| to_metric(&g))?;
            Some((sev, g))
        })
        .collect();
    let refs: Vec<(&str, &MultiPolygon<f64>)> = parts.iter().map(|(s, g)| (*s, g)).collect();
    let mut shades = crate::decide::shading(&refs);
    // the worst last, on top (they do not overlap; the order keeps the edges honest)
    shades.reverse();
    for (sev, g) in &shades {
        let _ = write!(
            s,
            "<path d=\"{}\" fill=\"{}\" fill-opacity=\"0.6\" stroke=\"none\" fill-rule=\"evenodd\"/>",
            frame.path_polygons(g),
            colour(sev)
        );
        let key = match *sev {
            "prohibited" => "legend.prohibited",
            "conditional" => "legend.conditional",
            _ => "legend.review",
        };
        note(
            key,
            format!(
                "<rect width=\"40\" height=\"24\" fill=\"{}\" fill-opacity=\"0.6\"/>",
                colour(sev)
            ),
            &mut legend,
        );
    }

    // the parcel, and the distances the findings state
    // the parcel in its verdict's colour: the map never says other than the verdict
    let _ = write!(
        s,
        "<path d=\"{}\" fill=\"{c}\" fill-opacity=\"0.12\" stroke=\"{c}\" stroke-width=\"7\" stroke-linejoin=\"round\" fill-rule=\"evenodd\"/>",
        frame.path_polygons(&parcel),
        c = colour(verdict)
    );
    note(
        "legend.parcel",
        format!(
            "<rect width=\"40\" height=\"24\" fill=\"{c}\" fill-opacity=\"0.12\" stroke=\"{c}\" stroke-width=\"6\"/>",
            c = colour(verdict)
        ),
        &mut legend,
    );
    for (a, b, d, sev) in &pairs {
        let (ax, ay, bx, by) = (
            frame.x(a.x()),
            frame.y(a.y()),
            frame.x(b.x()),
            frame.y(b.y()),
        );
        let _ = write!(
            s,
            "<line x1=\"{ax:.1}\" y1=\"{ay:.1}\" x2=\"{bx:.1}\" y2=\"{by:.1}\" stroke=\"{}\" stroke-width=\"4\" stroke-dasharray=\"10 6\"/><circle cx=\"{bx:.1}\" cy=\"{by:.1}\" r=\"8\" fill=\"{}\"/>",
            colour(sev),
            colour(sev)
        );
        let (mx, my) = ((ax + bx) / 2.0, (ay + by) / 2.0);
        let _ = write!(
            s,
            "<text x=\"{mx:.1}\" y=\"{:.1}\" class=\"dim\">{}\u{a0}{}</text>",
            my - 10.0,
            number(*d, 2, lang),
            esc(t("unit.m"))
        );
    }
    s.push_str("</g>");

    // scale bar, bottom left: a fifth of the map, in round metres
    let bar_m = nice(ew / 5.0);
    let bar_u = bar_m * frame.scale;
    let (bx, by) = (40.0, height_u - 50.0);
    let _ = write!(
        s,
        "<g class=\"scale\"><rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"70\" fill=\"#fff\" fill-opacity=\"0.85\"/>\
         <rect x=\"{bx}\" y=\"{by}\" width=\"{:.1}\" height=\"12\" fill=\"#111\"/><rect x=\"{:.1}\" y=\"{by}\" width=\"{:.1}\" height=\"12\" fill=\"#fff\" stroke=\"#111\" stroke-width=\"2\"/>\
         <text x=\"{bx}\" y=\"{:.1}\">0</text><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>\
         <text x=\"{:.1}\" y=\"{:.1}\">{} 1:{}</text></g>",
        bx - 15.0,
        by - 45.0,
        bar_u + 220.0,
        bar_u / 2.0,
        bx + bar_u / 2.0,
        bar_u / 2.0,
        by - 8.0,
        bx + bar_u,
        by - 8.0,
        metres_label(bar_m, lang),
        bx + bar_u + 15.0,
        by + 12.0,
        esc(t("report.scale")),
        representative_fraction(ew / (MAP_W_MM / 1000.0)),
    );

    // north: the grid's, and how far true north turns from it here
    let convergence = desk
        .reprojector()
        .to_wgs84(&Point::new(cx, cy))
        .ok()
        .and_then(|ll| {
            let north = desk
                .reprojector()
                .to_metric(&Point::new(ll.x(), ll.y() + 0.01))
                .ok()?;
            Some((north.x() - cx).atan2(north.y() - cy).to_degrees())
        })
        .unwrap_or(0.0);
    let (nx, ny) = (width_u - 70.0, 90.0);
    let _ = write!(
        s,
        "<g class=\"north\"><circle cx=\"{nx}\" cy=\"{ny}\" r=\"50\" fill=\"#fff\" fill-opacity=\"0.85\"/><path d=\"M{nx} {} L{} {} L{nx} {} L{} {} Z\" fill=\"#111\"/><text x=\"{nx}\" y=\"{}\" text-anchor=\"middle\" font-weight=\"bold\">N</text>\
         <line x1=\"{nx}\" y1=\"{ny}\" x2=\"{:.1}\" y2=\"{:.1}\" stroke=\"#c62828\" stroke-width=\"3\"/></g>",
        ny - 40.0,
        nx + 16.0,
        ny + 30.0,
        ny + 16.0,
        nx - 16.0,
        ny + 30.0,
        ny - 48.0,
        nx + 45.0 * convergence.to_radians().sin(),
        ny - 45.0 * convergence.to_radians().cos(),
    );
    s.push_str("<rect width=\"100%\" height=\"100%\" fill=\"none\" stroke=\"#111\" stroke-width=\"3\"/></svg>");

    // the legend, beside the map
    let mut l = String::from("<div class=\"legend\">");
    let _ = write!(l, "<strong>{}</strong>", esc(t("report.legend")));
    for (key, swatch) in &legend {
        let _ = write!(
            l,
            "<span><svg viewBox=\"0 0 40 24\" width=\"8mm\" height=\"4.8mm\">{swatch}</svg>{}</span>",
            esc(t(key))
        );
    }
    let _ = write!(
        l,
        "<span class=\"northnote\">↑ {} ({}{}°)</span></div>",
        esc(t("report.grid_north")),
        if convergence >= 0.0 { "+" } else { "" },
        number(convergence, 2, lang)
    );
    s + &l
}

/// 1:N rounded to two significant digits (1:2 400, 1:13 000).
fn representative_fraction(n: f64) -> String {
    let p = 10f64.powf(n.log10().floor() - 1.0);
    let r = ((n / p).round() * p) as u64;
    let digits = r.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('\u{202f}');
        }
        out.push(c);
    }
    out
}

fn simplify(g: &Geometry<f64>, tolerance: f64) -> Geometry<f64> {
    match g {
        Geometry::LineString(l) => Geometry::LineString(l.simplify(tolerance)),
        Geometry::MultiLineString(l) => Geometry::MultiLineString(l.simplify(tolerance)),
        Geometry::Polygon(p) => Geometry::Polygon(p.simplify(tolerance)),
        Geometry::MultiPolygon(p) => Geometry::MultiPolygon(p.simplify(tolerance)),
        other => other.clone(),
    }
}

fn simplify_mp(g: &MultiPolygon<f64>, tolerance: f64) -> MultiPolygon<f64> {
    g.simplify(tolerance)
}

const CSS: &str = r#"
* { box-sizing: border-box; }
body { font-family: "DejaVu Sans", "Noto Sans", Arial, sans-serif; font-size: 9pt; color: #111; margin: 0 auto; max-width: 186mm; line-height: 1.35; }
header { border-bottom: 2px solid #111; margin-bottom: 3mm; padding-bottom: 2mm; }
.brand { font-size: 8pt; letter-spacing: .08em; text-transform: uppercase; color: #555; }
h1 { font-size: 14pt; margin: 1mm 0; }
h2 { font-size: 12pt; margin: 4mm 0 2mm; display: flex; align-items: center; gap: 3mm; flex-wrap: wrap; }
h3 { font-size: 10pt; margin: 3mm 0 1mm; break-after: avoid; }
table.findings thead { display: table-header-group; }
.sub { margin: 0; color: #333; }
table { border-collapse: collapse; width: 100%; }
table.meta th { text-align: left; font-weight: normal; color: #555; padding: .5mm 3mm .5mm 0; vertical-align: top; width: 38mm; }
table.meta td { padding: .5mm 0; vertical-align: top; }
code { font-family: "DejaVu Sans Mono", monospace; font-size: 7pt; }
/* ids never break across lines; digests may, anywhere */
.id, code.id { white-space: nowrap; word-break: keep-all; overflow-wrap: normal; hyphens: none; }
strong.id { font-family: "DejaVu Sans Mono", monospace; font-size: 11pt; }
code.digest { word-break: break-all; }
section.application { break-inside: avoid; margin: 3mm 0; border: 1px solid #111; padding: 1mm 3mm 2mm; }
section.application h2 { font-size: 10.5pt; margin: 1mm 0; }
section.application h3 { margin: 2mm 0 0; }
table.form th { text-align: left; font-weight: normal; color: #333; width: 52mm; padding: 1.6mm 3mm 0 0; vertical-align: bottom; }
table.form td { padding: 1.6mm 0 0; vertical-align: bottom; }
table.form .filled { display: inline-block; min-width: 80mm; border-bottom: .5px solid #111; padding: 0 1mm; }
table.form .blank { display: inline-block; width: 100mm; height: 5mm; border-bottom: .5px solid #111; }
tr.law td { border-top: none; padding-top: 0; }
.law-head { font-size: 7pt; color: #555; text-transform: uppercase; letter-spacing: .05em; }
tr.law blockquote { margin: .5mm 0 1mm 0; padding-left: 2.5mm; border-left: 2px solid #999; font-size: 7.5pt; color: #222; font-style: italic; }
.verdict { color: #fff; padding: .5mm 2.5mm; border-radius: 1mm; font-size: 11pt; letter-spacing: .03em; }
figure.map { margin: 2mm 0; break-inside: avoid; }
figure.map > svg { display: block; width: 100%; height: auto; }
figure.map svg text { font-family: "DejaVu Sans", Arial, sans-serif; font-size: 26px; }
figure.map svg text.dim { font-size: 28px; font-weight: bold; paint-order: stroke; stroke: #fff; stroke-width: 6px; text-anchor: middle; }
figcaption { font-size: 7.5pt; color: #444; margin-top: 1mm; }
.legend { display: flex; flex-wrap: wrap; gap: 1mm 4mm; align-items: center; font-size: 7.5pt; margin-top: 1mm; }
.legend span { display: inline-flex; align-items: center; gap: 1.5mm; }
table.findings { margin-top: 1mm; font-size: 8pt; }
table.findings th { text-align: left; border-bottom: 1.5px solid #111; padding: 1mm 1.5mm 1mm 0; }
table.findings td { border-top: .5px solid #bbb; padding: 1mm 1.5mm 1mm 0; vertical-align: top; }
table.findings tr.msg td { border-top: none; color: #444; font-size: 7.5pt; padding-top: 0; }
table.findings tr { break-inside: avoid; }
td.num { text-align: right; white-space: nowrap; }
td.n { white-space: nowrap; color: #555; }
.sev { font-weight: bold; }
.approval { font-size: 7.5pt; color: #444; }
p.clear { border: 1px solid #2e7d32; color: #2e7d32; padding: 2mm; }
section.citations ol { padding-left: 7mm; margin: 1mm 0; }
section.citations li { margin-bottom: .8mm; }
section.parcel { break-inside: auto; }
footer { border-top: 1px solid #111; margin-top: 4mm; padding-top: 2mm; font-size: 7.5pt; color: #333; }
footer .digests { overflow-wrap: anywhere; }
ul.nif { padding-left: 5mm; }
@media screen { body { padding: 8mm; background: #fff; } html { background: #ddd; } }
@media print { a { color: inherit; text-decoration: none; } }
"#;

#[cfg(test)]
mod tests {
    #[test]
    fn scale_numbers_are_round() {
        assert_eq!(super::nice(130.0), 100.0);
        assert_eq!(super::nice(260.0), 200.0);
        assert_eq!(super::nice(4200.0), 5000.0);
        assert_eq!(super::representative_fraction(2437.0), "2\u{202f}400");
        assert_eq!(super::representative_fraction(13_240.0), "13\u{202f}000");
    }
}
