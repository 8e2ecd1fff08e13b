//! Parcel sources: every input record becomes a [`ParcelRecord`], whatever is wrong with
//! it, so that records in = records reported. [`OgrSource`] reads anything GDAL reads,
//! in its own CRS; [`GeoJsonSource`] reads RFC 7946 GeoJSON strictly (WGS84, per-record
//! errors with positions named).

use crate::geojson::{self, Record};
use crate::ogr::{self, LayerCrs};
use crate::{Error, Result};
use gdal::vector::{FieldValue, LayerAccess, OGRFieldType, OwnedFeatureIterator};
use geo::Geometry;
use std::path::{Path, PathBuf};

/// One input record as read, before any checking.
#[derive(Debug, Clone)]
pub struct ParcelRecord {
    /// 0-based position in the input.
    pub ordinal: u64,
    /// The feature's FID, when the source has them.
    pub fid: Option<u64>,
    /// The parcel's id, or why it has none.
    pub id: Result<String, String>,
    /// The proposed use code (`None`: not stated), or why the stated value is unusable.
    pub proposed_use: Result<Option<String>, String>,
    /// In the source's CRS, or why there is no usable geometry.
    pub geometry: Result<Geometry<f64>, String>,
    /// The source's own fields, parallel to [`SourceInfo::fields`].
    pub attributes: Vec<Option<FieldValue>>,
}

impl ParcelRecord {
    /// The id, or `#ordinal` for a record without one.
    pub fn label(&self) -> String {
        match &self.id {
            Ok(id) => id.clone(),
            Err(_) => format!("#{}", self.ordinal),
        }
    }
}

/// A field of the source, carried into reports.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceField {
    /// Its name.
    pub name: String,
    /// Its OGR type.
    pub kind: OGRFieldType::Type,
}

/// What a source is, for reports and for refusing to overwrite it.
#[derive(Debug, Clone)]
pub struct SourceInfo {
    /// The file as given.
    pub path: PathBuf,
    /// The layer read.
    pub layer: String,
    /// Its CRS.
    pub crs: LayerCrs,
    /// Records, when the format says without reading them all.
    pub total: Option<u64>,
    /// Its fields, carried into reports.
    pub fields: Vec<SourceField>,
    /// Every file the source is made of: no output may be one of them.
    pub files: Vec<PathBuf>,
    /// The field ids are read from (`None`: the FIDs are the ids).
    pub id_field: Option<String>,
    /// The field uses are read from.
    pub use_field: Option<String>,
    /// Where the ids come from, for people: `field kad_nomer`, or the FIDs and their base.
    pub id_source: String,
}

/// An iterator of records that knows what it reads.
pub trait ParcelSource: Iterator<Item = ParcelRecord> + Send {
    /// The source's description.
    fn info(&self) -> &SourceInfo;
}

/// Field names taken for the parcel id when none is named (`--id-field`): the contract's
/// `id`, then the names Kazakh cadastres and GIS exports use for the cadastral number.
pub const ID_FIELD_NAMES: &[&str] = &[
    "id",
    "kad_nomer",
    "kad_nomer_",
    "kadnomer",
    "kad_number",
    "cad_number",
    "cadastral",
    "cadastral_number",
    "cadastre",
    "cadnum",
    "parcel_id",
    "кад_номер",
    "кадастровый_номер",
    "кадастрлық_нөмір",
];

/// How to read a GDAL source: the arguments of `aimaq screen` that concern its input.
#[derive(Debug, Clone, Default)]
pub struct OgrOptions {
    /// Layer to read (default: the only layer, or `parcels`).
    pub layer: Option<String>,
    /// Field holding the parcel id (default: `id` if present, else the FID).
    pub id_field: Option<String>,
    /// Field holding the proposed use (default: `use` if present).
    pub use_field: Option<String>,
    /// CRS of the source, overriding its own (a Shapefile without `.prj`).
    pub s_srs: Option<String>,
    /// Encoding of a Shapefile's text (`CP1251`, …), overriding its `.cpg` and language
    /// driver byte: GDAL's `ENCODING` open option.
    pub encoding: Option<String>,
    /// A flag that stops the read once raised (a time limit, a cancelled job): checked
    /// between records, and inside GDAL's own queries for SQLite-based sources
    /// (GeoPackage), where one query can run for ever ([`ogr::SqliteCancel`]).
    pub cancel: Option<std::sync::Arc<std::sync::atomic::AtomicBool>>,
}

/// Any OGR-readable source, read feature by feature.
pub struct OgrSource {
    /// Declared first, so dropped first: its handler goes before the dataset closes.
    sqlite_cancel: Option<ogr::SqliteCancel>,
    cancel: Option<std::sync::Arc<std::sync::atomic::AtomicBool>>,
    features: OwnedFeatureIterator,
    info: SourceInfo,
    id_field: Option<usize>,
    use_field: Option<usize>,
    /// Whether features carry their GeoJSON as written.
    native: bool,
    next: u64,
    /// Members of a GeoJSON `features` array that GDAL skips (not objects), by
    /// position: put back as error records in their places.
    skipped: std::collections::VecDeque<(u64, serde_json::Value)>,
    /// Text properties holding a NUL byte, by position: GDAL's C strings end at the
    /// NUL, so the whole text is taken from the file instead.
    with_nul: std::collections::BTreeMap<u64, Vec<(String, String)>>,
}

impl OgrSource {
    /// Opens `path` and checks everything that can be checked before a record is read:
    /// the layer, the fields named, the CRS and the extent against it.
    pub fn open(path: &Path, options: &OgrOptions) -> Result<OgrSource> {
        let mut ds = ogr::open(path)?;
        // GeoJSON numbers beyond 64 bits are clamped by GDAL; the feature's JSON as
        // written keeps them, so ids are taken from there
        let native = ds.driver().short_name() == "GeoJSON";
        if native {
            ds = ogr::open_with(path, &["NATIVE_DATA=YES"])?;
        }
        let shapefile = ds.driver().short_name() == "ESRI Shapefile";
        match (&options.encoding, shapefile) {
            (Some(enc), true) => {
                ds = ogr::open_with(path, &[&format!("ENCODING={enc}")])?;
            }
            (Some(enc), false) => {
                return Err(Error::Encoding {
                    path: path.to_path_buf(),
                    detail: format!(
                        "--encoding {enc} applies to Shapefiles (their .dbf); this is a {} source, whose text GDAL reads as its format says",
                        ds.driver().short_name()
                    ),
                })
            }
            (None, true) => undeclared_encoding(&ds, path, options)?,
            (None, false) => {}
        }
        // from here on GDAL runs the file's queries (counts, metadata, features)
        let sqlite_cancel = options
            .cancel
            .as_ref()
            .and_then(|flag| ogr::SqliteCancel::install(&ds, flag));
        let stopped = || {
            options
                .cancel
                .as_ref()
                .is_some_and(|f| f.load(std::sync::atomic::Ordering::Relaxed))
        };
        let files = ogr::files_of(&ds);
        let found = if native {
            geojson::prepass(path).unwrap_or_default()
        } else {
            Default::default()
        };
        let skipped: std::collections::VecDeque<_> = found.skipped.into();
        let with_nul = found.with_nul;
        let name = ogr::choose_layer(&ds, options.layer.as_deref(), path)?;
        let (info, id_field, use_field) = {
            let layer = ds
                .layer_by_name(&name)
                .map_err(Error::gdal(format!("cannot read layer `{name}`")))?;
            let what = format!("{} layer `{name}`", path.display());
            let named =
                |role: &str, field: &Option<String>, default: &str| -> Result<Option<usize>> {
                    match field {
                        Some(n) => ogr::field_index(&layer, n).map(Some).ok_or_else(|| {
                            Error::NoSuchField {
                                what: what.clone(),
                                field: n.clone(),
                                role: role.to_string(),
                                fields: ogr::field_names(&layer),
                            }
                        }),
                        None => Ok(ogr::field_index(&layer, default)),
                    }
                };
            let id_field = match &options.id_field {
                Some(_) => named("--id-field", &options.id_field, "id")?,
                None => ID_FIELD_NAMES
                    .iter()
                    .find_map(|n| ogr::field_index(&layer, n)),
            };
            let use_field = named("--use-field", &options.use_field, "use")?;
            let crs = ogr::layer_crs(&layer, options.s_srs.as_deref(), &what)?;
            let field_name = |i: Option<usize>| {
                i.map(|i| {
                    layer
                        .defn()
                        .fields()
                        .nth(i)
                        .map(|f| f.name())
                        .unwrap_or_default()
                })
            };
            let id_source = match field_name(id_field) {
                Some(f) => format!("field {f}"),
                None => {
                    // say loudly, and say the base: Shapefiles count from 0, GeoPackages
                    // from 1, and a user matching ids to their own table needs to know
                    let first = ds
                        .layer_by_name(&name)
                        .ok()
                        .and_then(|mut l| l.features().next().and_then(|f| f.fid()));
                    format!(
                        "no id field (none of {}): ids are the source's FIDs{}",
                        ID_FIELD_NAMES.join(", "),
                        first
                            .map(|f| format!(", the first being {f}"))
                            .unwrap_or_default()
                    )
                }
            };
            let info = SourceInfo {
                path: path.to_path_buf(),
                layer: name.clone(),
                id_field: field_name(id_field),
                use_field: field_name(use_field),
                id_source,
                crs,
                total: layer
                    .try_feature_count()
                    .or(Some(layer.feature_count()))
                    .map(|n| n + skipped.len() as u64),
                fields: layer
                    .defn()
                    .fields()
                    .map(|f| SourceField {
                        name: f.name(),
                        kind: f.field_type(),
                    })
                    .collect(),
                files,
            };
            (info, id_field, use_field)
        };
        if stopped() {
            // a query GDAL ran while opening was stopped: what it found is not the file
            return Err(Error::ReadStopped {
                path: path.to_path_buf(),
            });
        }
        let layer = ds
            .into_layer_by_name(&name)
            .map_err(Error::gdal(format!("cannot read layer `{name}`")))?;
        Ok(OgrSource {
            sqlite_cancel,
            cancel: options.cancel.clone(),
            features: layer.owned_features(),
            info,
            id_field,
            use_field,
            native,
            next: 0,
            skipped,
            with_nul,
        })
    }
}

/// Refuses a Shapefile whose `.dbf` says nothing of its encoding (no `.cpg`, language
/// driver byte 0) and holds text that is not UTF-8: GDAL would hand the bytes over as
/// they are, ids would read `�������-1`, and different ids would become one.
fn undeclared_encoding(ds: &gdal::Dataset, path: &Path, options: &OgrOptions) -> Result<()> {
    let files = ogr::files_of(ds);
    let with_ext = |ext: &str| -> Vec<&PathBuf> {
        files
            .iter()
            .filter(|f| f.extension().is_some_and(|e| e.eq_ignore_ascii_case(ext)))
            .collect()
    };
    let (dbfs, cpgs) = (with_ext("dbf"), with_ext("cpg"));
    let [dbf] = dbfs[..] else { return Ok(()) };
    if !cpgs.is_empty() || crate::encoding::dbf_ldid(dbf).map_or(true, |l| l != 0) {
        return Ok(());
    }
    let id_field = options
        .id_field
        .clone()
        .or_else(|| ID_FIELD_NAMES.first().map(|s| s.to_string()));
    let Ok(Some(bad)) = crate::encoding::scan_dbf(dbf, id_field.as_deref()) else {
        return Ok(());
    };
    let collapse = match &bad.collapse {
        Some((stored, read, example)) => format!(
            "; read that way, {stored} different ids would become {read} (`{example}` stands for several)"
        ),
        None => String::new(),
    };
    Err(Error::Encoding {
        path: path.to_path_buf(),
        detail: format!(
            "the .dbf declares no encoding (no .cpg beside it, language driver byte 0) and its text is not UTF-8: field `{}`, record {}, bytes {}{collapse}. Name the encoding with --encoding (CP1251 for Cyrillic Windows exports, CP866 for DOS ones), or put a .cpg naming it beside the .shp",
            bad.field, bad.record, bad.bytes
        ),
    })
}

impl Iterator for OgrSource {
    type Item = ParcelRecord;

    fn next(&mut self) -> Option<ParcelRecord> {
        if self
            .cancel
            .as_ref()
            .is_some_and(|f| f.load(std::sync::atomic::Ordering::Relaxed))
        {
            // stopped: no more records (the reader says the read was cut short)
            return None;
        }
        if self.skipped.front().is_some_and(|(at, _)| *at == self.next) {
            // a member GDAL skips: the same error record `check` makes of it
            let (at, value) = self.skipped.pop_front().expect("just seen");
            self.next += 1;
            let r = geojson::parse_record(at as usize, &value);
            return Some(ParcelRecord {
                ordinal: at,
                fid: None,
                id: r.id,
                proposed_use: r.proposed_use,
                geometry: r.geometry,
                attributes: vec![None; self.info.fields.len()],
            });
        }
        let Some(feature) = (&mut self.features).next() else {
            // members after the last object
            if !self.skipped.is_empty() {
                return self.next();
            }
            return None;
        };
        let ordinal = self.next;
        self.next += 1;
        let field = |idx: usize, role: &str| {
            ogr::field_scalar_text(feature.field(idx).ok().flatten(), role)
        };
        // GDAL takes a GeoJSON feature's numeric `id` for its FID, clamped to 64 bits:
        // a clamped FID is no FID at all
        let fid = feature.fid().filter(|&f| f < i64::MAX as u64);
        // GeoJSON as written: numbers digit for digit, and each record's own value where
        // GDAL typed a whole column after one record (a list in one makes all lists)
        let native = self.native.then(|| ogr::native_json(&feature)).flatten();
        // text with a NUL, whole, as the file holds it (GDAL's copy ends at the NUL)
        let with_nul = self.with_nul.remove(&ordinal).unwrap_or_default();
        let whole_text = |name: &str| {
            with_nul
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, text)| text.clone())
        };
        let as_written = |i: usize| -> Option<serde_json::Value> {
            let name = self.info.fields[i].name.as_str();
            if let Some(text) = whole_text(name) {
                return Some(serde_json::Value::String(text));
            }
            Some(native.as_ref()?.get("properties")?.get(name)?.clone())
        };
        let id = match self.id_field {
            Some(i) => match as_written(i) {
                Some(v) if !v.is_null() => crate::geojson::id_text(&v, "`id`"),
                _ => field(i, "the id").and_then(|id| {
                    id.ok_or_else(|| "parcel has no id (the id field is empty)".to_string())
                }),
            },
            // no id field: the FID is the id a GIS user sees in the attribute table
            None => fid.map(|f| f.to_string()).ok_or_else(|| {
                "parcel has no id (the source has no id field and no FID)".to_string()
            }),
        };
        let proposed_use = match self.use_field {
            Some(i) => match as_written(i) {
                Some(v) => crate::geojson::use_text(&v),
                None => field(i, "`use`"),
            },
            None => Ok(None),
        };
        Some(ParcelRecord {
            ordinal,
            fid,
            id,
            proposed_use,
            geometry: ogr::geometry_of(&feature),
            attributes: (0..self.info.fields.len())
                .map(|i| match whole_text(&self.info.fields[i].name) {
                    Some(text) => Some(FieldValue::StringValue(text)),
                    None => feature.field(i).ok().flatten(),
                })
                .collect(),
        })
    }
}

impl ParcelSource for OgrSource {
    fn info(&self) -> &SourceInfo {
        &self.info
    }
}

impl OgrSource {
    /// Whether the read was stopped by its cancel flag ([`OgrOptions::cancel`]) before
    /// the source ended: the records read are then not all there are.
    pub fn stopped(&self) -> bool {
        self.sqlite_cancel
            .as_ref()
            .is_some_and(ogr::SqliteCancel::raised)
            || self
                .cancel
                .as_ref()
                .is_some_and(|f| f.load(std::sync::atomic::Ordering::Relaxed))
    }
}

/// RFC 7946 GeoJSON parcels (WGS84 longitude/latitude), with `id` and optional `use`.
pub struct GeoJsonSource {
    records: std::vec::IntoIter<Record>,
    info: SourceInfo,
}

impl GeoJsonSource {
    /// Reads a FeatureCollection file; fails only when the file as a whole is unusable.
    pub fn open(path: &Path) -> Result<GeoJsonSource> {
        GeoJsonSource::open_bounded(path, geojson::MAX_GEOJSON_BYTES)
    }

    /// As [`GeoJsonSource::open`], reading at most `max_bytes` (larger files are refused).
    pub fn open_bounded(path: &Path, max_bytes: u64) -> Result<GeoJsonSource> {
        let records = geojson::read_file_bounded(path, max_bytes)?;
        Ok(GeoJsonSource::from_records(path, records))
    }

    /// As [`GeoJsonSource::open_bounded`], for a file in `encoding` (`CP1251`, …) rather
    /// than UTF-8: recoded before it is parsed.
    pub fn open_encoded(path: &Path, max_bytes: u64, encoding: &str) -> Result<GeoJsonSource> {
        let records = geojson::read_file_encoded(path, max_bytes, Some(encoding))?;
        Ok(GeoJsonSource::from_records(path, records))
    }

    /// Parses a FeatureCollection's text (`label` names it in reports).
    pub fn from_text(label: &str, text: &str) -> Result<GeoJsonSource> {
        let records = geojson::parse_collection(text).map_err(|reason| Error::GeoJson {
            what: label.to_string(),
            reason,
        })?;
        Ok(GeoJsonSource::from_records(Path::new(label), records))
    }

    fn from_records(path: &Path, records: Vec<Record>) -> GeoJsonSource {
        GeoJsonSource {
            info: SourceInfo {
                path: path.to_path_buf(),
                layer: "features".into(),
                crs: LayerCrs::wgs84(),
                total: Some(records.len() as u64),
                fields: Vec::new(),
                files: vec![path.to_path_buf()],
                id_field: Some("id".into()),
                use_field: Some("use".into()),
                id_source: "properties.id, else the feature's id".into(),
            },
            records: records.into_iter(),
        }
    }
}

impl Iterator for GeoJsonSource {
    type Item = ParcelRecord;

    fn next(&mut self) -> Option<ParcelRecord> {
        let r = self.records.next()?;
        Some(ParcelRecord {
            ordinal: r.ordinal as u64,
            fid: None,
            id: r.id,
            proposed_use: r.proposed_use,
            geometry: r.geometry,
            attributes: Vec::new(),
        })
    }
}

impl ParcelSource for GeoJsonSource {
    fn info(&self) -> &SourceInfo {
        &self.info
    }
}
