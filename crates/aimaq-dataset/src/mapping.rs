//! A mapping TOML: which source features go to which contract layer, and which source
//! field becomes which attribute. Checked against the catalog's layer contract when
//! loaded, so that a misspelt layer, attribute or value is an error naming the mapping's
//! line, not a dataset that silently lacks it.
//!
//! ```
//! use aimaq_dataset::mapping::Mapping;
//! let catalog = aimaq_rules::Catalog::embedded();
//! let text = r#"
//! [[layer]]
//! source = "lines.shp"
//! to = "power_lines"
//! [layer.fields]
//! id = "KOD"
//! voltage_kv = { field = "НАПР", scale = 0.001 }
//! "#;
//! let m = Mapping::from_str(text, "office.toml".as_ref(), &catalog).unwrap();
//! assert_eq!(m.entries[0].to, "power_lines");
//!
//! let bad = text.replace("voltage_kv", "voltage");
//! let e = Mapping::from_str(&bad, "office.toml".as_ref(), &catalog).unwrap_err();
//! assert!(e.to_string().starts_with("office.toml:7: field `voltage`:"), "{e}");
//! ```

use aimaq_rules::{AttributeType, Catalog};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use thiserror::Error;
use toml::Spanned;

/// The attributes every feature of a built dataset carries besides the contract's:
/// where it came from. The loader and the validator accept them on every layer.
pub const PROVENANCE: &[&str] = aimaq_rules::PROVENANCE_ATTRIBUTES;

/// The built-in OSM mapping (data/osm/mapping.toml).
pub const OSM_MAPPING: &str = include_str!("../../../data/osm/mapping.toml");

/// A mapping that cannot be used: the file, the line, the field and the problem.
#[derive(Debug, Error, Clone, PartialEq)]
#[error("{}:{line}: {}{problem}", file.display(), field.as_ref().map(|f| format!("field `{f}`: ")).unwrap_or_default())]
pub struct MappingError {
    /// The mapping file.
    pub file: PathBuf,
    /// 1-based line in it.
    pub line: usize,
    /// The attribute or key concerned.
    pub field: Option<String>,
    /// What is wrong.
    pub problem: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMapping {
    #[serde(default)]
    mapping: Option<RawHeader>,
    #[serde(default)]
    layer: Vec<Spanned<RawEntry>>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawHeader {
    name: Option<String>,
    licence: Option<String>,
    attribution: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    source: Option<String>,
    layer: Option<String>,
    to: Spanned<String>,
    #[serde(rename = "where")]
    where_: Option<String>,
    #[serde(rename = "match", default)]
    match_: BTreeMap<String, Spanned<RawMatch>>,
    assemble: Option<Spanned<String>>,
    licence: Option<String>,
    attribution: Option<String>,
    #[serde(default)]
    fields: BTreeMap<Spanned<String>, Spanned<RawField>>,
    #[serde(default)]
    values: BTreeMap<Spanned<String>, BTreeMap<String, Spanned<String>>>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawMatch {
    One(String),
    Any(Vec<String>),
}

#[derive(Deserialize)]
#[serde(untagged)]
enum RawField {
    Name(String),
    Spec {
        field: Option<String>,
        scale: Option<f64>,
        #[serde(rename = "const")]
        constant: Option<toml::Value>,
    },
}

/// Where an attribute's value comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldSource {
    /// A source field (for OSM: a tag), numbers multiplied by `scale`.
    Field {
        /// The field or tag.
        name: String,
        /// Factor for numbers (volts → kV: 0.001).
        scale: f64,
    },
    /// The same value on every feature.
    Const(serde_json::Value),
}

/// One contract attribute filled by an entry.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldMap {
    /// The contract attribute.
    pub attribute: String,
    /// Its type in the contract.
    pub kind: AttributeType,
    /// Where its value comes from.
    pub from: FieldSource,
    /// Source value → contract value (`Река` → `river`), when given.
    pub values: Option<BTreeMap<String, String>>,
    /// The values the contract allows, when it fixes them.
    pub vocabulary: Option<Vec<String>>,
    /// The mapping's line for this attribute.
    pub line: usize,
}

/// One `[[layer]]`: source features into one contract layer.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// The source file it names (matched by file name), if any.
    pub source: Option<String>,
    /// The layer inside the source, if named.
    pub layer: Option<String>,
    /// The contract layer.
    pub to: String,
    /// OGR SQL attribute filter.
    pub where_: Option<String>,
    /// Tags (fields) every selected feature has: key → accepted values (empty: any).
    pub matches: Vec<(String, Vec<String>)>,
    /// Join features of one name whose ends touch.
    pub assemble: bool,
    /// The licence of this entry's features (else the mapping's, else the source's).
    pub licence: Option<String>,
    /// Attribution line required by that licence.
    pub attribution: Option<String>,
    /// The attributes filled, `id` included when mapped.
    pub fields: Vec<FieldMap>,
    /// The line of `[[layer]]`.
    pub line: usize,
}

/// A mapping file read and checked against the catalog.
#[derive(Debug, Clone)]
pub struct Mapping {
    /// Where it was read from (for messages and the dataset's metadata).
    pub path: PathBuf,
    /// Its text, stored in the dataset.
    pub text: String,
    /// Its name, if it gives one.
    pub name: Option<String>,
    /// Licence of every feature it maps, unless an entry says otherwise.
    pub licence: Option<String>,
    /// Attribution the licence requires.
    pub attribution: Option<String>,
    /// The `[[layer]]` entries, in file order.
    pub entries: Vec<Entry>,
}

/// 1-based line of byte offset `at`.
pub(crate) fn line_of(text: &str, at: usize) -> usize {
    text[..at.min(text.len())].matches('\n').count() + 1
}

impl Mapping {
    /// Reads the mapping at `path`.
    pub fn read(path: &Path, catalog: &Catalog) -> Result<Mapping, MappingError> {
        let text = std::fs::read_to_string(path).map_err(|e| MappingError {
            file: path.to_path_buf(),
            line: 1,
            field: None,
            problem: format!("cannot read the mapping: {e}"),
        })?;
        Mapping::from_str(&text, path, catalog)
    }

    /// The built-in OSM mapping.
    pub fn osm(catalog: &Catalog) -> Mapping {
        Mapping::from_str(OSM_MAPPING, Path::new("data/osm/mapping.toml"), catalog)
            .expect("the built-in OSM mapping matches the embedded catalog (tested)")
    }

    /// Parses `text` (read from `path`) and checks it against `catalog`.
    #[allow(clippy::should_implement_trait)]
    pub fn from_str(text: &str, path: &Path, catalog: &Catalog) -> Result<Mapping, MappingError> {
        let err = |at: usize, field: Option<&str>, problem: String| MappingError {
            file: path.to_path_buf(),
            line: line_of(text, at),
            field: field.map(str::to_string),
            problem,
        };
        let raw: RawMapping = toml::from_str(text).map_err(|e| {
            let at = e.span().map(|s| s.start).unwrap_or(0);
            err(at, None, e.message().to_string())
        })?;
        let header = raw.mapping.unwrap_or_default();
        if raw.layer.is_empty() {
            return Err(err(
                0,
                None,
                "no [[layer]] entry: nothing would be mapped".into(),
            ));
        }
        let mut entries = Vec::new();
        for spanned in raw.layer {
            let at = spanned.span().start;
            let entry = spanned.into_inner();
            let to_at = entry.to.span().start;
            let to = entry.to.into_inner();
            let Some(spec) = catalog.layer(&to) else {
                let known: Vec<&str> = catalog.layers().iter().map(|l| l.name.as_str()).collect();
                return Err(err(
                    to_at,
                    Some("to"),
                    format!(
                        "unknown target layer `{to}` (the contract's layers: {})",
                        known.join(", ")
                    ),
                ));
            };
            let mut values: BTreeMap<String, (usize, BTreeMap<String, String>)> = BTreeMap::new();
            for (attr, map) in entry.values {
                let attr_at = attr.span().start;
                let attr = attr.into_inner();
                let mut plain = BTreeMap::new();
                for (from, to_value) in map {
                    let v_at = to_value.span().start;
                    let v = to_value.into_inner();
                    if let Some(allowed) = spec
                        .attributes
                        .iter()
                        .find(|a| a.name == attr)
                        .and_then(|a| a.values.as_ref())
                    {
                        if !allowed.iter().any(|a| a.eq_ignore_ascii_case(&v)) {
                            return Err(err(
                                v_at,
                                Some(&attr),
                                format!("value `{v}` is outside the contract's vocabulary for `{to}.{attr}`: {}", allowed.join(", ")),
                            ));
                        }
                    }
                    plain.insert(from, v);
                }
                values.insert(attr, (attr_at, plain));
            }
            let mut fields = Vec::new();
            for (attr, source) in entry.fields {
                let a_at = attr.span().start;
                let attr = attr.into_inner();
                let Some(aspec) = spec.attributes.iter().find(|a| a.name == attr) else {
                    let known: Vec<&str> =
                        spec.attributes.iter().map(|a| a.name.as_str()).collect();
                    return Err(err(
                        a_at,
                        Some(&attr),
                        format!(
                            "`{to}` has no attribute `{attr}` (it has: {})",
                            known.join(", ")
                        ),
                    ));
                };
                let from = match source.into_inner() {
                    RawField::Name(name) => FieldSource::Field { name, scale: 1.0 },
                    RawField::Spec {
                        field: Some(name),
                        scale,
                        constant: None,
                    } => {
                        if scale.is_some() && aspec.kind != AttributeType::Number {
                            return Err(err(a_at, Some(&attr), format!("`scale` on `{attr}`, which is text in the contract")));
                        }
                        let scale = scale.unwrap_or(1.0);
                        if !scale.is_finite() || scale == 0.0 {
                            return Err(err(a_at, Some(&attr), format!("`scale` must be a finite non-zero number, found {scale}")));
                        }
                        FieldSource::Field { name, scale }
                    }
                    RawField::Spec {
                        field: None,
                        scale: None,
                        constant: Some(c),
                    } => {
                        let value = match (&c, aspec.kind) {
                            (toml::Value::String(s), AttributeType::String) => serde_json::Value::String(s.clone()),
                            (toml::Value::Integer(i), AttributeType::Number) => (*i).into(),
                            (toml::Value::Float(f), AttributeType::Number) => serde_json::Number::from_f64(*f)
                                .map(serde_json::Value::Number)
                                .ok_or_else(|| err(a_at, Some(&attr), "the constant is not finite".into()))?,
                            (other, kind) => {
                                return Err(err(a_at, Some(&attr), format!("constant {other} is not a {}", if kind == AttributeType::Number { "number" } else { "string" })))
                            }
                        };
                        if let (Some(allowed), serde_json::Value::String(s)) = (&aspec.values, &value) {
                            if !allowed.iter().any(|a| a.eq_ignore_ascii_case(s)) {
                                return Err(err(a_at, Some(&attr), format!("value `{s}` is outside the contract's vocabulary: {}", allowed.join(", "))));
                            }
                        }
                        FieldSource::Const(value)
                    }
                    _ => {
                        return Err(err(
                            a_at,
                            Some(&attr),
                            "give a field name, { field = \"NAME\", scale = 0.001 } or { const = VALUE }".into(),
                        ))
                    }
                };
                let line = line_of(text, a_at);
                fields.push(FieldMap {
                    values: values.remove(&attr).map(|(_, m)| m),
                    attribute: attr,
                    kind: aspec.kind,
                    from,
                    vocabulary: aspec.values.clone(),
                    line,
                });
            }
            if let Some((attr, (v_at, _))) = values.into_iter().next() {
                return Err(err(v_at, Some(&attr), format!("[layer.values.{attr}] maps values of an attribute that [layer.fields] does not fill")));
            }
            let assemble = match entry.assemble {
                None => false,
                Some(a) if a.get_ref() == "name" => true,
                Some(a) => {
                    return Err(err(
                        a.span().start,
                        Some("assemble"),
                        format!("`assemble` can only be \"name\", found `{}`", a.get_ref()),
                    ))
                }
            };
            let mut matches = Vec::new();
            for (key, m) in entry.match_ {
                let values = match m.into_inner() {
                    RawMatch::One(v) if v == "*" => vec![],
                    RawMatch::One(v) => vec![v],
                    RawMatch::Any(v) => v,
                };
                matches.push((key, values));
            }
            entries.push(Entry {
                source: entry.source,
                layer: entry.layer,
                to,
                where_: entry.where_,
                matches,
                assemble,
                licence: entry.licence,
                attribution: entry.attribution,
                fields,
                line: line_of(text, at),
            });
        }
        Ok(Mapping {
            path: path.to_path_buf(),
            text: text.to_string(),
            name: header.name,
            licence: header.licence,
            attribution: header.attribution,
            entries,
        })
    }

    /// The entries for the source file `path`: those naming its file name, and those
    /// naming no source.
    pub fn entries_for(&self, path: &Path) -> Vec<&Entry> {
        let name = path.file_name().map(|n| n.to_string_lossy().to_lowercase());
        self.entries
            .iter()
            .filter(|e| match &e.source {
                None => true,
                Some(s) => {
                    let wanted = Path::new(s)
                        .file_name()
                        .map(|n| n.to_string_lossy().to_lowercase());
                    wanted.is_some() && wanted == name
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalog() -> Catalog {
        Catalog::embedded()
    }

    #[test]
    fn the_osm_mapping_matches_the_catalog() {
        let m = Mapping::osm(&catalog());
        assert!(m.entries.iter().any(|e| e.to == "power_lines"));
        assert_eq!(m.licence.as_deref(), Some("ODbL-1.0"));
    }

    #[test]
    fn errors_name_the_line_and_the_field() {
        let c = catalog();
        let e = Mapping::from_str("[[layer]]\nto = \"powerlines\"\n", "m.toml".as_ref(), &c)
            .unwrap_err();
        assert_eq!(e.line, 2);
        assert_eq!(e.field.as_deref(), Some("to"));
        assert!(
            e.problem.contains("unknown target layer `powerlines`"),
            "{e}"
        );

        let text = "[[layer]]\nto = \"water_bodies\"\n[layer.fields]\ndistrict = { const = \"Talgarr\" }\n";
        let e = Mapping::from_str(text, "m.toml".as_ref(), &c).unwrap_err();
        assert_eq!((e.line, e.field.as_deref()), (4, Some("district")));
        assert!(
            e.problem.contains("outside the contract's vocabulary"),
            "{e}"
        );

        let text = "[[layer]]\nto = \"water_bodies\"\n[layer.fields]\ndistrict = \"R\"\n[layer.values.district]\n\"Т\" = \"Talgar\"\n\"Е\" = \"Esik\"\n";
        let e = Mapping::from_str(text, "m.toml".as_ref(), &c).unwrap_err();
        assert_eq!((e.line, e.field.as_deref()), (7, Some("district")));

        let e = Mapping::from_str(
            "[[layer]]\nto = \"railways\"\nwhere = 3\n",
            "m.toml".as_ref(),
            &c,
        )
        .unwrap_err();
        assert_eq!(e.line, 3, "{e}");
    }
}
