//! `aimaq dataset build`: sources read through their mappings, merged in the order
//! given, written as one GeoPackage.
//!
//! ```no_run
//! use aimaq_dataset::build::{build, BuildOptions};
//! let summary = build(&BuildOptions {
//!     sources: vec!["extract.osm.pbf".into()],
//!     out: "dataset.gpkg".into(),
//!     ..Default::default()
//! }).unwrap();
//! println!("{} features", summary.layers.values().sum::<usize>());
//! ```

use crate::mapping::{Entry, FieldMap, FieldSource, Mapping, MappingError};
use crate::summary::{rfc3339, Candidate};
pub use crate::summary::{BuildIssue, BuildSummary, Duplicate, SourceSummary};
use crate::{merge, osm, write};
use aimaq_rules::{Attributes, Catalog, LayerGeometry};
use gdal::vector::{Feature, LayerAccess};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use thiserror::Error;

/// What to build.
#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    /// Sources in merge order: OSM extracts, Shapefiles, GeoPackages, any OGR source.
    pub sources: Vec<PathBuf>,
    /// The GeoPackage to write.
    pub out: PathBuf,
    /// Mapping TOML for the non-OSM sources (and for OSM ones it names).
    pub map: Option<PathBuf>,
    /// Replace `out` once the new one is complete.
    pub overwrite: bool,
    /// Regulation catalog TOML (the layer contract); `None` is the embedded one.
    pub catalog: Option<PathBuf>,
}

/// Why a dataset could not be built. Nothing is then written at the output's name.
#[derive(Debug, Error)]
pub enum BuildError {
    /// The mapping is wrong (file, line, field).
    #[error(transparent)]
    Mapping(#[from] MappingError),
    /// A source could not be read.
    #[error("{}: {cause}", path.display())]
    Source {
        /// The source.
        path: PathBuf,
        /// Why.
        cause: String,
    },
    /// A source that is not OSM came without a mapping that names it.
    #[error("{}: no mapping for this source: give one with --map MAPPING.toml whose [[layer]] entries name it (`source = \"{}\"`) (docs/dataset.md, \"Bring your own data\")", path.display(), path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default())]
    NoMapping {
        /// The source.
        path: PathBuf,
    },
    /// Nothing to build from.
    #[error("no source given")]
    NoSources,
    /// The output cannot be used (it is an input, exists, …).
    #[error(transparent)]
    Output(#[from] aimaq_io::output::OutputError),
    /// The catalog or a CRS could not be loaded.
    #[error(transparent)]
    Io(#[from] aimaq_io::Error),
    /// Writing the GeoPackage failed.
    #[error("cannot write {}: {cause}", path.display())]
    Write {
        /// The output.
        path: PathBuf,
        /// Why.
        cause: String,
    },
}

/// Builds the dataset `options` describe and writes it; nothing is written at the
/// output's name unless the whole build succeeds.
pub fn build(options: &BuildOptions) -> Result<BuildSummary, BuildError> {
    if options.sources.is_empty() {
        return Err(BuildError::NoSources);
    }
    let catalog = aimaq_io::load_catalog(options.catalog.as_deref())?;
    let catalog_digest = aimaq_io::catalog_digest(options.catalog.as_deref())?;
    let user_map = options
        .map
        .as_deref()
        .map(|p| Mapping::read(p, &catalog))
        .transpose()?;
    let osm_map = Mapping::osm(&catalog);
    // refuse a bad output before reading anything
    let mut inputs: Vec<PathBuf> = options.sources.clone();
    if let Some(m) = &options.map {
        inputs.push(m.clone());
    }
    for s in &options.sources {
        if let Ok(ds) = aimaq_io::ogr::open(s) {
            inputs.extend(aimaq_io::ogr::files_of(&ds));
        }
    }
    let pending = aimaq_io::output::PendingFile::new(&options.out, options.overwrite, &inputs)?;

    let mut candidates = Vec::new();
    let mut sources = Vec::new();
    let mut issues = Vec::new();
    let mut mappings_used: Vec<&Mapping> = Vec::new();
    for (index, path) in options.sources.iter().enumerate() {
        let is_osm = osm::is_osm(path);
        let (mapping, entries) = match &user_map {
            Some(m)
                if !m.entries_for(path).is_empty()
                    && (!is_osm
                        || m.entries.iter().any(|e| e.source.is_some())
                        || options.sources.len() == 1) =>
            {
                (m, m.entries_for(path))
            }
            _ if is_osm => (&osm_map, osm_map.entries_for(path)),
            _ => return Err(BuildError::NoMapping { path: path.clone() }),
        };
        if !mappings_used.iter().any(|m| std::ptr::eq(*m, mapping)) {
            mappings_used.push(mapping);
        }
        let mut summary = describe_source(path, mapping)?;
        let read = if is_osm {
            read_osm(
                path,
                index,
                mapping,
                &entries,
                &catalog,
                &mut candidates,
                &mut issues,
            )?
        } else {
            read_ogr(
                path,
                index,
                mapping,
                &entries,
                &catalog,
                &mut candidates,
                &mut issues,
            )?
        };
        summary.read = read.read;
        summary.skipped = read.skipped;
        sources.push(summary);
    }
    let merged = merge::merge(candidates, &mut sources, &mut issues);
    let mut layers = BTreeMap::new();
    for c in &merged.kept {
        *layers.entry(c.layer.clone()).or_insert(0) += 1;
        sources[c.source].used += 1;
    }
    let attribution = {
        let mut lines: Vec<String> = Vec::new();
        for s in &sources {
            if s.used > 0 {
                if let Some(a) = &s.attribution {
                    if !lines.contains(a) {
                        lines.push(a.clone());
                    }
                }
            }
        }
        (!lines.is_empty()).then(|| lines.join("; "))
    };
    let summary = BuildSummary {
        out: options.out.display().to_string(),
        layers,
        sources,
        duplicates: merged.duplicates,
        issues,
        attribution,
    };
    let meta = write::Metadata {
        catalog: &catalog,
        catalog_digest: &catalog_digest,
        mappings: &mappings_used,
        summary: &summary,
    };
    write::write(pending.path(), &catalog, &merged.kept, &meta).map_err(|cause| {
        BuildError::Write {
            path: options.out.clone(),
            cause,
        }
    })?;
    // what each rule can measure on what was built, stored in it (completeness.rs)
    crate::completeness::store_in(pending.path(), &catalog, &options.out.display().to_string())
        .map_err(|cause| BuildError::Write {
            path: options.out.clone(),
            cause: format!("the completeness report: {cause}"),
        })?;
    pending.commit()?;
    Ok(summary)
}

fn describe_source(path: &Path, mapping: &Mapping) -> Result<SourceSummary, BuildError> {
    let bytes = std::fs::read(path).map_err(|e| BuildError::Source {
        path: path.to_path_buf(),
        cause: e.to_string(),
    })?;
    let modified = std::fs::metadata(path)
        .and_then(|m| m.modified())
        .ok()
        .map(rfc3339);
    Ok(SourceSummary {
        path: path.display().to_string(),
        sha256: aimaq_io::sha256(&bytes),
        modified,
        driver: if osm::is_osm(path) {
            "OSM".into()
        } else {
            aimaq_io::ogr::open(path)
                .map(|d| d.driver().short_name())
                .unwrap_or_default()
        },
        mapping: mapping.path.display().to_string(),
        licence: mapping.licence.clone(),
        attribution: mapping.attribution.clone(),
        read: 0,
        used: 0,
        skipped: BTreeMap::new(),
    })
}

pub(crate) struct Read {
    read: usize,
    skipped: BTreeMap<String, usize>,
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

/// A field's (or OSM tag's) text on a feature.
fn text_of(feature: &Feature, field: &str, other_tags: Option<usize>) -> Option<String> {
    // GDAL's OSM driver launders `name:kk` to `name_kk`
    let laundered = field.replace(':', "_");
    for name in [field, laundered.as_str()] {
        if let Ok(i) = feature.field_index(name) {
            return aimaq_io::ogr::field_text(feature.field(i).ok().flatten());
        }
    }
    let i = other_tags?;
    let hstore = aimaq_io::ogr::field_text(feature.field(i).ok().flatten())?;
    osm::hstore_get(&hstore, field)
}

fn matches(entry: &Entry, get: &dyn Fn(&str) -> Option<String>) -> bool {
    entry.matches.iter().all(|(key, values)| match get(key) {
        None => false,
        Some(v) => values.is_empty() || values.contains(&v),
    })
}

#[allow(clippy::too_many_arguments)]
fn read_osm(
    path: &Path,
    index: usize,
    mapping: &Mapping,
    entries: &[&Entry],
    catalog: &Catalog,
    out: &mut Vec<Candidate>,
    issues: &mut Vec<BuildIssue>,
) -> Result<Read, BuildError> {
    let src_err = |cause: String| BuildError::Source {
        path: path.to_path_buf(),
        cause,
    };
    let conf =
        osm::ConfigFile::write().map_err(|e| src_err(format!("cannot write the osmconf: {e}")))?;
    let option = format!("CONFIG_FILE={}", conf.path().display());
    let ds = aimaq_io::ogr::open_with(path, &[&option, "INTERLEAVED_READING=YES"])
        .map_err(|e| src_err(e.to_string()))?;
    if entries.iter().any(|e| e.where_.is_some()) {
        let line = entries
            .iter()
            .find(|e| e.where_.is_some())
            .map(|e| e.line)
            .unwrap_or(1);
        return Err(MappingError {
            file: mapping.path.clone(),
            line,
            field: Some("where".into()),
            problem: "an OSM extract is read in one pass: select its features with `match` (tags), not `where`".into(),
        }
        .into());
    }
    let source = file_name(path);
    let licence = mapping.licence.clone();
    let mut read = 0usize;
    let mut not_selected = 0usize;
    let mut skipped: BTreeMap<String, usize> = BTreeMap::new();
    let incomplete = osm::read_all(&ds, |layer, feature| {
        read += 1;
        let other_tags = feature.field_index("other_tags").ok();
        let get = |k: &str| text_of(feature, k, other_tags);
        let id = |k: &str| {
            feature
                .field_index(k)
                .ok()
                .and_then(|i| aimaq_io::ogr::field_text(feature.field(i).ok().flatten()))
        };
        let Some(reference) =
            osm::reference(layer, id("osm_id").as_deref(), id("osm_way_id").as_deref())
        else {
            not_selected += 1;
            return;
        };
        let mut taken = BTreeSet::new();
        for entry in entries
            .iter()
            .filter(|e| e.layer.as_deref().is_none_or(|l| l == layer))
        {
            if taken.contains(&entry.to) || !matches(entry, &get) {
                continue;
            }
            taken.insert(entry.to.clone());
            match candidate(
                feature, &get, entry, catalog, &source, index, layer, &reference, &licence, issues,
            ) {
                Ok(c) => out.push(c),
                Err(reason) => *skipped.entry(reason).or_insert(0) += 1,
            }
        }
        if taken.is_empty() {
            not_selected += 1;
        }
    });
    if not_selected > 0 {
        skipped.insert("not selected by the mapping".into(), not_selected);
    }
    let mut missing = incomplete.relations;
    if let Ok(xml) = osm::xml_missing_members(path) {
        for (r, ways) in xml {
            missing.insert(r, ways);
        }
    }
    for (relation, ways) in missing {
        let which = if ways.is_empty() {
            "member ways that are not in the extract".to_string()
        } else {
            let w: Vec<String> = ways.iter().map(|w| format!("way/{w}")).collect();
            format!("member {} not in the extract", w.join(", "))
        };
        issues.push(BuildIssue {
            source: source.clone(),
            feature: Some(format!("relation/{relation}")),
            mapping_line: None,
            field: None,
            message: format!(
                "relation/{relation} has {which}: GDAL cannot assemble it, so it is left out (or, for a line relation, only its present members are kept); take an extract that holds the whole relation"
            ),
        });
    }
    for m in incomplete.messages {
        issues.push(BuildIssue {
            source: source.clone(),
            feature: None,
            mapping_line: None,
            field: None,
            message: format!("GDAL: {m}"),
        });
    }
    Ok(Read { read, skipped })
}

#[allow(clippy::too_many_arguments)]
fn read_ogr(
    path: &Path,
    index: usize,
    mapping: &Mapping,
    entries: &[&Entry],
    catalog: &Catalog,
    out: &mut Vec<Candidate>,
    issues: &mut Vec<BuildIssue>,
) -> Result<Read, BuildError> {
    let src_err = |cause: String| BuildError::Source {
        path: path.to_path_buf(),
        cause,
    };
    let source = file_name(path);
    let mut read = 0usize;
    let mut selected: BTreeSet<(String, u64)> = BTreeSet::new();
    let mut skipped: BTreeMap<String, usize> = BTreeMap::new();
    let mut counted: BTreeSet<String> = BTreeSet::new();
    for entry in entries {
        let map_err = |field: &str, problem: String| MappingError {
            file: mapping.path.clone(),
            line: entry.line,
            field: Some(field.to_string()),
            problem,
        };
        let ds = aimaq_io::ogr::open(path).map_err(|e| src_err(e.to_string()))?;
        let mut layer = aimaq_io::ogr::pick_layer(&ds, entry.layer.as_deref(), path)
            .map_err(|e| src_err(e.to_string()))?;
        let layer_name = layer.name();
        let what = format!("{} layer `{layer_name}`", path.display());
        let crs =
            aimaq_io::ogr::layer_crs(&layer, None, &what).map_err(|e| src_err(e.to_string()))?;
        let to_wgs84 = aimaq_proj::Transformer::new(&crs.definition, "EPSG:4326")
            .map_err(|e| src_err(e.to_string()))?;
        let names = aimaq_io::ogr::field_names(&layer);
        let missing = |name: &str| !names.iter().any(|n| n.eq_ignore_ascii_case(name));
        for f in &entry.fields {
            if let FieldSource::Field { name, .. } = &f.from {
                if missing(name) {
                    return Err(MappingError {
                        file: mapping.path.clone(),
                        line: f.line,
                        field: Some(f.attribute.clone()),
                        problem: format!(
                            "{what} has no field `{name}` (its fields: {})",
                            names.join(", ")
                        ),
                    }
                    .into());
                }
            }
        }
        for (key, _) in &entry.matches {
            if missing(key) {
                return Err(map_err(
                    "match",
                    format!(
                        "{what} has no field `{key}` (its fields: {})",
                        names.join(", ")
                    ),
                )
                .into());
            }
        }
        if counted.insert(layer_name.clone()) {
            read += layer.feature_count() as usize;
        }
        if let Some(w) = &entry.where_ {
            let w = &quote_fields(w, &names);
            layer.set_attribute_filter(w).map_err(|e| {
                map_err(
                    "where",
                    format!("GDAL refuses the filter `{w}` on {what}: {e}"),
                )
            })?;
        }
        let licence = entry.licence.clone().or_else(|| mapping.licence.clone());
        for feature in layer.features() {
            let fid = feature.fid().unwrap_or(0);
            let get = |k: &str| {
                feature
                    .field_index(k)
                    .ok()
                    .or_else(|| names.iter().position(|n| n.eq_ignore_ascii_case(k)))
                    .and_then(|i| aimaq_io::ogr::field_text(feature.field(i).ok().flatten()))
            };
            if !matches(entry, &get) {
                continue;
            }
            selected.insert((layer_name.clone(), fid));
            let reference = format!("{layer_name}:{fid}");
            match candidate(
                &feature,
                &get,
                entry,
                catalog,
                &source,
                index,
                &layer_name,
                &reference,
                &licence,
                issues,
            ) {
                Ok(mut c) => match geometry_wgs84(&c.geometry, &to_wgs84) {
                    Ok(g) => {
                        c.geometry = g;
                        out.push(c)
                    }
                    Err(e) => {
                        issues.push(BuildIssue {
                            source: source.clone(),
                            feature: Some(reference),
                            mapping_line: Some(entry.line),
                            field: None,
                            message: format!("cannot reproject to WGS84: {e}"),
                        });
                        *skipped.entry("cannot be reprojected".into()).or_insert(0) += 1;
                    }
                },
                Err(reason) => *skipped.entry(reason).or_insert(0) += 1,
            }
        }
    }
    let not_selected = read.saturating_sub(selected.len());
    if not_selected > 0 {
        skipped.insert("not selected by the mapping".into(), not_selected);
    }
    Ok(Read { read, skipped })
}

/// `where` with the source's non-ASCII field names quoted: OGR SQL refuses a bare
/// Cyrillic identifier (`ТИП = 'ЛЭП'` → `"ТИП" = 'ЛЭП'`); literals and names already
/// quoted are left as they are.
///
/// ```
/// # use aimaq_dataset::build::quote_fields;
/// let names = vec!["ТИП".to_string(), "КОД".to_string()];
/// assert_eq!(quote_fields("ТИП = 'ЛЭП' AND \"КОД\" > 1", &names), "\"ТИП\" = 'ЛЭП' AND \"КОД\" > 1");
/// ```
pub fn quote_fields(filter: &str, names: &[String]) -> String {
    let mut out = String::new();
    let mut chars = filter.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' | '"' => {
                out.push(c);
                for d in chars.by_ref() {
                    out.push(d);
                    if d == c {
                        break;
                    }
                }
            }
            c if c.is_alphanumeric() || c == '_' => {
                let mut word = String::from(c);
                while let Some(&d) = chars.peek() {
                    if d.is_alphanumeric() || d == '_' {
                        word.push(d);
                        chars.next();
                    } else {
                        break;
                    }
                }
                if !word.is_ascii()
                    && names
                        .iter()
                        .any(|n| n.to_lowercase() == word.to_lowercase())
                {
                    out.push('"');
                    out.push_str(&word);
                    out.push('"');
                } else {
                    out.push_str(&word);
                }
            }
            c => out.push(c),
        }
    }
    out
}

fn geometry_wgs84(
    g: &geo::Geometry<f64>,
    t: &aimaq_proj::Transformer,
) -> Result<geo::Geometry<f64>, String> {
    t.apply(g).map_err(|e| e.to_string())
}

/// One feature through one entry; `Err(reason)` when it cannot go in.
#[allow(clippy::too_many_arguments)]
fn candidate(
    feature: &Feature,
    get: &dyn Fn(&str) -> Option<String>,
    entry: &Entry,
    catalog: &Catalog,
    source: &str,
    index: usize,
    _from_layer: &str,
    reference: &str,
    licence: &Option<String>,
    issues: &mut Vec<BuildIssue>,
) -> Result<Candidate, String> {
    let spec = catalog
        .layer(&entry.to)
        .expect("checked when the mapping was read");
    let geometry = aimaq_io::ogr::geometry_of(feature).map_err(|e| {
        issues.push(BuildIssue {
            source: source.into(),
            feature: Some(reference.into()),
            mapping_line: Some(entry.line),
            field: None,
            message: format!("{e}: left out of `{}`", entry.to),
        });
        "no usable geometry".to_string()
    })?;
    let geometry = fit(geometry, spec.geometry).map_err(|kind| {
        issues.push(BuildIssue {
            source: source.into(),
            feature: Some(reference.into()),
            mapping_line: Some(entry.line),
            field: None,
            message: format!(
                "a {kind}: `{}` needs a {}, so this feature is not in the dataset",
                entry.to,
                spec.geometry.describe()
            ),
        });
        format!("a {kind}, not a geometry `{}` takes", entry.to)
    })?;
    let mut attrs = Attributes::new();
    let mut mapped_id = None;
    for f in &entry.fields {
        let raw = match &f.from {
            FieldSource::Const(v) => {
                attrs.insert(f.attribute.clone(), v.clone());
                continue;
            }
            FieldSource::Field { name, .. } => get(name),
        };
        let Some(raw) = raw else { continue };
        match convert(f, &raw) {
            Ok((value, note)) => {
                if let Some(note) = note {
                    issues.push(BuildIssue {
                        source: source.into(),
                        feature: Some(reference.into()),
                        mapping_line: Some(f.line),
                        field: Some(f.attribute.clone()),
                        message: note,
                    });
                }
                if f.attribute == "id" {
                    mapped_id = value
                        .as_str()
                        .map(str::to_string)
                        .or_else(|| Some(value.to_string()));
                } else {
                    attrs.insert(f.attribute.clone(), value);
                }
            }
            Err(note) => issues.push(BuildIssue {
                source: source.into(),
                feature: Some(reference.into()),
                mapping_line: Some(f.line),
                field: Some(f.attribute.clone()),
                message: note,
            }),
        }
    }
    let mut all = Attributes::new();
    all.insert(
        "id".into(),
        Value::String(mapped_id.unwrap_or_else(|| reference.to_string())),
    );
    all.extend(attrs);
    all.insert("source".into(), Value::String(source.into()));
    all.insert("source_ref".into(), Value::String(reference.into()));
    if let Some(l) = licence {
        all.insert("licence".into(), Value::String(l.clone()));
    }
    Ok(Candidate {
        layer: entry.to.clone(),
        attrs: all,
        geometry,
        source: index,
        entry_line: entry.line,
        assemble: entry.assemble,
        reference: reference.into(),
        alt_names: ["name", "name:kk", "name:ru", "name:en"]
            .iter()
            .filter_map(|k| get(k))
            .collect(),
    })
}

/// The geometry in the shape the layer takes (collections of lines become
/// MultiLineStrings), or what it is when it does not fit.
fn fit(g: geo::Geometry<f64>, want: LayerGeometry) -> Result<geo::Geometry<f64>, &'static str> {
    use geo::Geometry as G;
    let lines_ok = matches!(want, LayerGeometry::Line | LayerGeometry::LineOrPolygon);
    let polys_ok = matches!(want, LayerGeometry::Polygon | LayerGeometry::LineOrPolygon);
    match g {
        G::LineString(l) if lines_ok => Ok(G::MultiLineString(geo::MultiLineString(vec![l]))),
        G::MultiLineString(_) if lines_ok => Ok(g),
        G::Polygon(p) if polys_ok => Ok(G::MultiPolygon(geo::MultiPolygon(vec![p]))),
        G::MultiPolygon(_) if polys_ok => Ok(g),
        G::GeometryCollection(c)
            if lines_ok
                && !c.0.is_empty()
                && c.0
                    .iter()
                    .all(|g| matches!(g, G::LineString(_) | G::MultiLineString(_))) =>
        {
            let mut parts = Vec::new();
            for g in c.0 {
                match g {
                    G::LineString(l) => parts.push(l),
                    G::MultiLineString(m) => parts.extend(m.0),
                    _ => {}
                }
            }
            Ok(G::MultiLineString(geo::MultiLineString(parts)))
        }
        G::Point(_) | G::MultiPoint(_) => Err("point"),
        G::LineString(_) | G::MultiLineString(_) | G::Line(_) => Err("line"),
        G::Polygon(_) | G::MultiPolygon(_) | G::Rect(_) | G::Triangle(_) => Err("polygon"),
        G::GeometryCollection(_) => Err("geometry collection"),
    }
}

/// A source value as the contract's attribute: numbers scaled (a `;` list takes the
/// highest, and says so), text through the value map and the vocabulary.
fn convert(f: &FieldMap, raw: &str) -> Result<(Value, Option<String>), String> {
    let FieldSource::Field { name, scale } = &f.from else {
        unreachable!("constants are not converted")
    };
    let mapped = match &f.values {
        Some(map) => match map.get(raw).or_else(|| {
            map.iter()
                .find(|(k, _)| k.to_lowercase() == raw.to_lowercase())
                .map(|(_, v)| v)
        }) {
            Some(v) => v.clone(),
            None => {
                return Err(format!(
                    "`{name}` = `{raw}` is not in [layer.values.{}]: `{}` left empty",
                    f.attribute, f.attribute
                ))
            }
        },
        None => raw.to_string(),
    };
    match f.kind {
        aimaq_rules::AttributeType::Number => {
            let mut values = Vec::new();
            for part in mapped.split(';') {
                let p = part.trim().replace(',', ".");
                match p.parse::<f64>() {
                    Ok(v) if v.is_finite() => values.push(round(v * scale)),
                    _ => {
                        return Err(format!(
                            "`{name}` = `{raw}` is not a number: `{}` left empty",
                            f.attribute
                        ))
                    }
                }
            }
            let best = values.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
            let note = (values.len() > 1).then(|| {
                let rest: Vec<String> = values
                    .iter()
                    .filter(|v| **v != best)
                    .map(|v| fmt_num(*v))
                    .collect();
                format!(
                    "`{name}` = `{raw}` holds several values: `{}` = {} (the highest) is kept; the rest ({}) reported, not used",
                    f.attribute,
                    fmt_num(best),
                    rest.join(", ")
                )
            });
            let value = serde_json::Number::from_f64(best)
                .map(Value::Number)
                .ok_or_else(|| format!("`{name}` = `{raw}` is not finite"))?;
            Ok((value, note))
        }
        aimaq_rules::AttributeType::String => {
            if let Some(allowed) = &f.vocabulary {
                if !allowed.iter().any(|a| a.eq_ignore_ascii_case(&mapped)) {
                    return Err(format!(
                        "`{name}` = `{raw}` is outside the vocabulary of `{}` ({}): left empty",
                        f.attribute,
                        allowed.join(", ")
                    ));
                }
            }
            Ok((Value::String(mapped), None))
        }
    }
}

/// Nine significant decimals: 220000 × 0.001 is 220, not 220.00000000000003.
fn round(v: f64) -> f64 {
    (v * 1e9).round() / 1e9
}

fn fmt_num(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        v.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn voltage() -> FieldMap {
        FieldMap {
            attribute: "voltage_kv".into(),
            kind: aimaq_rules::AttributeType::Number,
            from: FieldSource::Field {
                name: "voltage".into(),
                scale: 0.001,
            },
            values: None,
            vocabulary: None,
            line: 3,
        }
    }

    #[test]
    fn a_multi_valued_voltage_takes_the_highest_and_reports_the_rest() {
        let (v, note) = convert(&voltage(), "220000;110000").unwrap();
        assert_eq!(v, serde_json::json!(220.0));
        let note = note.unwrap();
        assert!(
            note.contains("220 (the highest)") && note.contains("(110)"),
            "{note}"
        );
        assert_eq!(
            convert(&voltage(), "500000").unwrap(),
            (serde_json::json!(500.0), None)
        );
        assert!(convert(&voltage(), "high").is_err());
    }

    #[test]
    fn rfc3339_dates() {
        let t = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_700_000_000);
        assert_eq!(rfc3339(t), "2023-11-14T22:13:20Z");
    }
}
