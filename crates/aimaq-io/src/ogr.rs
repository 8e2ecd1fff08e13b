//! Vector sources through GDAL/OGR: opening, choosing a layer, finding its CRS, and
//! refusing coordinates that cannot be in the CRS they declare.

use crate::{Error, Result};
use gdal::spatial_ref::SpatialRef;
use gdal::vector::{
    geometry_type_has_m, geometry_type_has_z, Feature, FieldValue, Layer, LayerAccess,
};
use gdal::{Dataset, DatasetOptions, GdalOpenFlags};
use std::ffi::CStr;
use std::path::{Path, PathBuf};

/// Opens any OGR-readable vector source read-only: a file, a directory, or a GDAL
/// virtual path (`/vsizip/upload.zip`, which reads an archive in place).
pub fn open(path: &Path) -> Result<Dataset> {
    open_with(path, &[])
}

/// Opens a vector source read-only with driver open options (`NATIVE_DATA=YES`, …); a
/// GDAL virtual path (`/vsizip/…`) is GDAL's to find.
pub fn open_with(path: &Path, open_options: &[&str]) -> Result<Dataset> {
    let virtual_path = path.to_str().is_some_and(|p| p.starts_with("/vsi"));
    if !virtual_path && !path.exists() {
        return Err(Error::Missing {
            path: path.to_path_buf(),
        });
    }
    let refuse = |cause: &str| {
        Err(Error::Open {
            path: path.to_path_buf(),
            cause: cause.into(),
        })
    };
    if !virtual_path {
        // a device reads forever and a FIFO blocks: only files and directories are sources
        if let Ok(meta) = std::fs::metadata(path) {
            if !meta.is_file() && !meta.is_dir() {
                return Err(Error::NotARegularFile {
                    path: path.to_path_buf(),
                    kind: crate::geojson::kind_of(&meta),
                });
            }
        }
    }
    if path.is_file() && std::fs::metadata(path).is_ok_and(|m| m.len() == 0) {
        return refuse("the file is empty (0 bytes)");
    }
    let zip = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("zip"));
    if !virtual_path && zip && path.is_file() {
        // a zip is read in place, from the one source it holds (a zipped folder too)
        let member = match zip_member(path) {
            Ok(member) => member,
            Err(cause) => return refuse(&cause),
        };
        let absolute = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        let inner = PathBuf::from(format!("/vsizip/{}/{member}", absolute.display()));
        return open_with(&inner, open_options);
    }
    // (a zip's members were checked when it was listed)
    if let Some(missing) = shapefile_part_missing(path).filter(|_| !virtual_path) {
        return refuse(&format!(
            "a Shapefile needs its .{missing} beside the .shp (the attributes — ids, uses — live there): copy the whole set (.shp, .shx, .dbf, .prj, .cpg)"
        ));
    }
    Dataset::open_ex(
        path,
        DatasetOptions {
            open_flags: GdalOpenFlags::GDAL_OF_VECTOR | GdalOpenFlags::GDAL_OF_READONLY,
            open_options: (!open_options.is_empty()).then_some(open_options),
            ..Default::default()
        },
    )
    .map_err(|e| Error::Open {
        path: path.to_path_buf(),
        cause: match e {
            gdal::errors::GdalError::NullPointer { .. } => "not a format GDAL reads".into(),
            other => other.to_string(),
        },
    })
}

/// The one vector source inside a zip, by its path in the zip: a `.shp` (with its `.dbf`
/// beside it), `.gpkg`, `.geojson`, `.json`, `.kml` or `.fgb`, wherever it lies (a zipped
/// folder is fine). Otherwise what the zip holds, said plainly: GDAL itself only says it
/// cannot read the zip.
fn zip_member(path: &Path) -> Result<String, String> {
    let absolute = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let root = std::ffi::CString::new(format!("/vsizip/{}", absolute.display()))
        .map_err(|_| "the path holds a NUL".to_string())?;
    let mut names = Vec::new();
    // SAFETY: a NUL-terminated path; GDAL returns a NULL-terminated list of strings the
    // caller owns, copied here and freed with CSLDestroy
    unsafe {
        let list = gdal_sys::VSIReadDirRecursive(root.as_ptr());
        if list.is_null() {
            return Err("not a zip GDAL can read (or an empty one)".into());
        }
        let mut i = 0;
        while !(*list.add(i)).is_null() {
            names.push(CStr::from_ptr(*list.add(i)).to_string_lossy().into_owned());
            i += 1;
        }
        gdal_sys::CSLDestroy(list);
    }
    let ext_of = |n: &str| {
        Path::new(n)
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default()
    };
    let sources: Vec<&String> = names
        .iter()
        .filter(|n| {
            matches!(
                ext_of(n).as_str(),
                "shp" | "gpkg" | "geojson" | "json" | "kml" | "fgb"
            )
        })
        .collect();
    let listed = || {
        let files: Vec<String> = names
            .iter()
            .filter(|n| !n.ends_with('/'))
            .take(8)
            .map(|n| format!("`{}`", n.escape_default()))
            .collect();
        let folders: Vec<String> = names
            .iter()
            .filter(|n| n.ends_with('/'))
            .take(3)
            .map(|n| format!("a folder `{}`", n.escape_default()))
            .collect();
        match (files.is_empty(), folders.is_empty()) {
            (true, true) => "nothing".to_string(),
            (false, true) => files.join(", "),
            (true, false) => folders.join(", "),
            (false, false) => format!("{} ({})", files.join(", "), folders.join(", ")),
        }
    };
    match sources[..] {
        [one] => {
            if ext_of(one) == "shp" {
                let stem = one.rsplit_once('.').map_or(one.as_str(), |(s, _)| s);
                let has = |ext: &str| {
                    names.iter().any(|n| {
                        n.rsplit_once('.')
                            .is_some_and(|(s, x)| s == stem && x.eq_ignore_ascii_case(ext))
                    })
                };
                for part in ["dbf", "shx"] {
                    if !has(part) {
                        return Err(format!(
                            "the zip's `{}` has no .{part} beside it: zip the whole Shapefile (.shp, .shx, .dbf, .prj, .cpg)",
                            one.escape_default()
                        ));
                    }
                }
            }
            Ok(one.clone())
        }
        [] => {
            // a Shapefile's other parts without its .shp: name the .shp they expect
            let part = names
                .iter()
                .find(|n| matches!(ext_of(n).as_str(), "dbf" | "shx" | "prj" | "cpg"));
            Err(match part {
                Some(p) => format!(
                    "the zip has no `{}.shp`: it holds {}",
                    p.rsplit_once('.').map_or(p.as_str(), |(s, _)| s).escape_default(),
                    listed()
                ),
                None => format!(
                    "the zip holds no Shapefile, GeoPackage, GeoJSON, KML or FlatGeobuf: it holds {}",
                    listed()
                ),
            })
        }
        _ => Err(format!(
            "the zip holds several sources ({}): name one as /vsizip/{}/MEMBER",
            sources
                .iter()
                .take(5)
                .map(|n| format!("`{}`", n.escape_default()))
                .collect::<Vec<_>>()
                .join(", "),
            absolute.display()
        )),
    }
}

/// The part of a Shapefile without which GDAL would read it silently wrong: the `.dbf`
/// (GDAL opens a `.shp` alone, with no fields at all).
fn shapefile_part_missing(path: &Path) -> Option<&'static str> {
    let is_shp = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("shp"));
    if !is_shp {
        return None;
    }
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let stem = path.file_stem()?.to_string_lossy().to_string();
    let has = |ext: &str| {
        std::fs::read_dir(dir).ok().is_some_and(|entries| {
            entries.filter_map(|e| e.ok()).any(|e| {
                let name = e.file_name().to_string_lossy().to_string();
                name.rsplit_once('.')
                    .is_some_and(|(s, x)| s == stem && x.eq_ignore_ascii_case(ext))
            })
        })
    };
    (!has("dbf")).then_some("dbf")
}

/// Every file the source is made of (a Shapefile's `.shp`, `.shx`, `.dbf`, `.prj`, …),
/// as GDAL lists them: what an output must never overwrite.
pub fn files_of(ds: &Dataset) -> Vec<PathBuf> {
    let mut files = Vec::new();
    // SAFETY: the handle is valid while `ds` lives; GDAL returns a NULL-terminated list
    // of strings that the caller owns and frees with CSLDestroy, after copying them.
    unsafe {
        let list = gdal_sys::GDALGetFileList(ds.c_dataset());
        if list.is_null() {
            return files;
        }
        let mut i = 0;
        loop {
            let item = *list.add(i);
            if item.is_null() {
                break;
            }
            files.push(PathBuf::from(
                CStr::from_ptr(item).to_string_lossy().into_owned(),
            ));
            i += 1;
        }
        gdal_sys::CSLDestroy(list);
    }
    files
}

/// The names of a source's layers.
pub fn layer_names(ds: &Dataset) -> Vec<String> {
    ds.layers().map(|l| l.name()).collect()
}

/// The name of the layer to read: `name`, or the source's only layer, or `parcels`.
pub fn choose_layer(ds: &Dataset, name: Option<&str>, path: &Path) -> Result<String> {
    let names = layer_names(ds);
    let wanted = match name {
        Some(n) => n.to_string(),
        None if names.len() == 1 => names[0].clone(),
        None if names.iter().any(|n| n == "parcels") => "parcels".into(),
        None if names.is_empty() => {
            return Err(Error::NoLayers {
                path: path.to_path_buf(),
            })
        }
        None => {
            return Err(Error::WhichLayer {
                path: path.to_path_buf(),
                names,
            })
        }
    };
    if !names.contains(&wanted) {
        return Err(Error::NoSuchLayer {
            path: path.to_path_buf(),
            wanted,
            names,
        });
    }
    Ok(wanted)
}

/// The layer named `name`, or the source's only layer, or the one called `parcels`.
pub fn pick_layer<'a>(ds: &'a Dataset, name: Option<&str>, path: &Path) -> Result<Layer<'a>> {
    let wanted = choose_layer(ds, name, path)?;
    ds.layer_by_name(&wanted).map_err(|_| Error::NoSuchLayer {
        path: path.to_path_buf(),
        wanted,
        names: layer_names(ds),
    })
}

/// A CRS definition PROJ accepts: `AUTH:CODE` when GDAL can name one, else WKT.
pub fn definition_of(srs: &SpatialRef) -> Result<String> {
    if let (Some(auth), Ok(code)) = (srs.auth_name(), srs.auth_code()) {
        return Ok(format!("{auth}:{code}"));
    }
    let mut identified = srs.clone();
    if identified.auto_identify_epsg().is_ok() {
        if let (Some(auth), Ok(code)) = (identified.auth_name(), identified.auth_code()) {
            return Ok(format!("{auth}:{code}"));
        }
    }
    srs.to_wkt()
        .map_err(Error::gdal("cannot write the CRS as WKT"))
}

/// The CRS a layer's coordinates are in: its own, else `fallback` (`--s-srs`). A layer
/// without one is an error: guessing a CRS would silently misplace every parcel.
pub fn layer_crs<L: LayerAccess>(
    layer: &L,
    fallback: Option<&str>,
    what: &str,
) -> Result<LayerCrs> {
    let srs = match (layer.spatial_ref(), fallback) {
        (_, Some(def)) => SpatialRef::from_definition(def).map_err(|_| Error::BadSourceCrs {
            definition: def.to_string(),
        })?,
        (Some(srs), None) => srs,
        (None, None) => {
            return Err(Error::NoCrs {
                what: what.to_string(),
                prj: prj_beside(what),
            })
        }
    };
    let definition = definition_of(&srs)?;
    let name = srs.name().unwrap_or_else(|| definition.clone());
    let crs = LayerCrs {
        geographic: srs.is_geographic(),
        definition,
        name,
    };
    if let Ok(Some(extent)) = layer.try_get_extent() {
        crs.check_extent((extent.MinX, extent.MinY, extent.MaxX, extent.MaxY), what)?;
    }
    Ok(crs)
}

/// A `.prj` beside a Shapefile named in `what` (`path layer `name``), if there is one:
/// then the CRS is not missing but unreadable, and the message says so.
fn prj_beside(what: &str) -> Option<PathBuf> {
    let path = Path::new(what.split(" layer `").next()?);
    let prj = path.with_extension("prj");
    (path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("shp"))
        && prj.exists())
    .then_some(prj)
}

/// A layer's CRS as aimaq uses it.
#[derive(Debug, Clone, PartialEq)]
pub struct LayerCrs {
    /// For PROJ: `EPSG:28413` or WKT.
    pub definition: String,
    /// For people: `Pulkovo 1942 / Gauss-Kruger zone 13`.
    pub name: String,
    /// Degrees rather than a projection.
    pub geographic: bool,
}

impl LayerCrs {
    /// WGS84 longitude/latitude, the CRS of GeoJSON.
    pub fn wgs84() -> LayerCrs {
        LayerCrs {
            definition: "EPSG:4326".into(),
            name: "WGS 84".into(),
            geographic: true,
        }
    }

    /// `EPSG:28413 (Pulkovo 1942 / Gauss-Kruger zone 13)`, or the name alone for WKT.
    pub fn label(&self) -> String {
        match aimaq_proj::short(&self.definition) {
            // WKT shortens to the name itself
            def if def == self.name => def,
            def => format!("{def} ({})", self.name),
        }
    }

    /// Refuses an extent that cannot be in this CRS: degrees declared as metres or the
    /// reverse. Only the unmistakable cases are refused; a near miss is not guessed at.
    pub fn check_extent(&self, (x0, y0, x1, y1): (f64, f64, f64, f64), what: &str) -> Result<()> {
        let in_degree_range = x0 >= -180.0 && x1 <= 180.0 && y0 >= -90.0 && y1 <= 90.0;
        let refuse = |problem: String| {
            Err(Error::Extent {
                what: what.to_string(),
                problem,
            })
        };
        if self.geographic && !in_degree_range {
            return refuse(format!(
                "coordinates span x {x0:.1}…{x1:.1}, y {y0:.1}…{y1:.1}, which cannot be degrees, yet the declared CRS is {} (geographic): are they metres with a wrong .prj? Fix the CRS or give the right one with --s-srs",
                self.name
            ));
        }
        // A projected layer whose whole extent fits in ±180 × ±90 with a span under
        // 10 units is degrees wearing a projected label: real lots span metres, and
        // UTM / Gauss–Krüger eastings carry false eastings of 500 km and more.
        if !self.geographic && in_degree_range && (x1 - x0) < 10.0 && (y1 - y0) < 10.0 {
            return refuse(format!(
                "coordinates span x {x0:.4}…{x1:.4}, y {y0:.4}…{y1:.4}, which look like degrees, yet the declared CRS is {} (projected): fix the CRS or give the right one with --s-srs",
                self.name
            ));
        }
        Ok(())
    }
}

/// A feature's geometry as `geo` sees it, in the layer's CRS, or why there is none. Z and
/// M are dropped: every check is in plan.
pub fn geometry_of(feature: &Feature) -> Result<geo::Geometry<f64>, String> {
    match feature.geometry() {
        None => Err("no geometry".into()),
        // OGR hands out a geometry object without a handle for a NULL geometry.
        // SAFETY: only compares the handle with NULL; nothing is dereferenced.
        Some(g) if unsafe { g.c_geometry() }.is_null() => Err("no geometry".into()),
        Some(g) if g.is_empty() => Err("empty geometry".into()),
        Some(g) => {
            let unreadable = |e| format!("unreadable geometry ({}): {e}", g.geometry_name());
            let kind = g.geometry_type();
            if geometry_type_has_z(kind) || geometry_type_has_m(kind) {
                let mut flat = g.clone();
                flat.flatten_to_2d();
                flat.to_geo().map_err(unreadable)
            } else {
                g.to_geo().map_err(unreadable)
            }
        }
    }
}

/// A field's value as text (numbers in their shortest decimal form), or `None` when unset.
/// Lists are joined with `, ` (see [`field_scalar_text`] where one value is required).
pub fn field_text(value: Option<FieldValue>) -> Option<String> {
    let join = |v: Vec<String>| v.join(", ");
    let text = match value? {
        FieldValue::StringValue(s) => s,
        FieldValue::IntegerValue(i) => i.to_string(),
        FieldValue::Integer64Value(i) => i.to_string(),
        FieldValue::RealValue(r) => r.to_string(),
        FieldValue::DateValue(d) => d.to_string(),
        FieldValue::DateTimeValue(d) => d.to_string(),
        FieldValue::StringListValue(v) => join(v),
        FieldValue::IntegerListValue(v) => join(v.iter().map(|i| i.to_string()).collect()),
        FieldValue::Integer64ListValue(v) => join(v.iter().map(|i| i.to_string()).collect()),
        FieldValue::RealListValue(v) => join(v.iter().map(|r| r.to_string()).collect()),
    };
    let text = text.trim().to_string();
    (!text.is_empty()).then_some(text)
}

/// A field that must hold one value (an id, a use code) as text: `Ok(None)` when unset,
/// an error naming `role` for a list.
///
/// ```
/// use aimaq_io::ogr::field_scalar_text;
/// use gdal::vector::FieldValue;
/// assert_eq!(field_scalar_text(Some(FieldValue::IntegerValue(7)), "id"), Ok(Some("7".into())));
/// let list = FieldValue::StringListValue(vec!["residential".into()]);
/// assert!(field_scalar_text(Some(list), "use").unwrap_err().contains("a list"));
/// ```
pub fn field_scalar_text(value: Option<FieldValue>, role: &str) -> Result<Option<String>, String> {
    match value {
        Some(
            v @ (FieldValue::StringListValue(_)
            | FieldValue::IntegerListValue(_)
            | FieldValue::Integer64ListValue(_)
            | FieldValue::RealListValue(_)),
        ) => Err(format!(
            "{role} must be one value, found a list ({})",
            field_text(Some(v)).unwrap_or_default()
        )),
        // GDAL clamps integers beyond 64 bits to the ends of the range (with a warning):
        // the number in the file is not this one
        Some(FieldValue::Integer64Value(i)) if i == i64::MAX || i == i64::MIN => Err(format!(
            "{role} overflows a 64-bit integer in this file and was clamped by GDAL to {i}: store it as text"
        )),
        v => Ok(field_text(v)),
    }
}

/// The JSON GDAL kept of a feature as the file wrote it (GeoJSON opened with
/// `NATIVE_DATA=YES`): numbers digit for digit.
pub fn native_json(feature: &Feature) -> Option<serde_json::Value> {
    // SAFETY: the feature handle is valid while `feature` lives; GDAL returns NULL or a
    // NUL-terminated string owned by the feature, copied here before it can go.
    let text = unsafe {
        let p = gdal_sys::OGR_F_GetNativeData(feature.c_feature());
        if p.is_null() {
            return None;
        }
        CStr::from_ptr(p).to_string_lossy().into_owned()
    };
    serde_json::from_str(&text).ok()
}

/// A field's value as JSON, for constraint attributes.
pub fn field_json(value: Option<FieldValue>) -> serde_json::Value {
    use serde_json::Value;
    match value {
        None => Value::Null,
        Some(FieldValue::StringValue(s)) => Value::String(s),
        Some(FieldValue::IntegerValue(i)) => i.into(),
        Some(FieldValue::Integer64Value(i)) => i.into(),
        Some(FieldValue::RealValue(r)) => serde_json::Number::from_f64(r)
            .map(Value::Number)
            .unwrap_or(Value::Null),
        Some(other) => Value::String(field_text(Some(other)).unwrap_or_default()),
    }
}

/// Index of the field called `name` (case-insensitive), if any.
pub fn field_index<L: LayerAccess>(layer: &L, name: &str) -> Option<usize> {
    layer
        .defn()
        .fields()
        .position(|f| f.name().eq_ignore_ascii_case(name))
}

/// Field names, for messages.
pub fn field_names<L: LayerAccess>(layer: &L) -> Vec<String> {
    layer.defn().fields().map(|f| f.name()).collect()
}

/// Counts the vertices of a GeoJSON or KML file without building anything, stopping as
/// soon as the count passes `limit`: GDAL's GeoJSON driver parses a whole file into
/// memory (json-c objects of some 30 times its size) and builds every geometry before
/// aimaq sees one, so the desk's `/import` counts first. The file is read through GDAL's
/// virtual file system in 64 KiB pieces, so a member of a zip is counted as it unpacks.
///
/// GeoJSON: every position is an array whose first element is a number, so arrays
/// beginning with a number (outside strings) are counted: a bound from above (a `bbox`
/// or a numeric list in the properties counts too), never below. KML: the
/// whitespace-separated tuples inside `<coordinates>` elements.
///
/// `None` for other formats (a Shapefile or a GeoPackage is read feature by feature, and
/// its vertices are counted as they come) and for a file GDAL cannot open.
///
/// ```
/// let dir = tempfile::tempdir().unwrap();
/// let path = dir.path().join("p.geojson");
/// std::fs::write(&path, r#"{"type": "FeatureCollection", "features": [{"type": "Feature",
///   "properties": {"id": "[1, 2]"}, "geometry": {"type": "Polygon",
///   "coordinates": [[[76.9, 43.2], [76.91, 43.2], [76.91, 43.21], [76.9, 43.2]]]}}]}"#).unwrap();
/// assert_eq!(aimaq_io::ogr::count_vertices(&path, 100), Some(4));
/// // the count stops once past the limit
/// assert_eq!(aimaq_io::ogr::count_vertices(&path, 2), Some(3));
/// assert_eq!(aimaq_io::ogr::count_vertices("p.shp".as_ref(), 2), None);
/// ```
pub fn count_vertices(path: &Path, limit: u64) -> Option<u64> {
    let name = path.to_string_lossy().to_ascii_lowercase();
    let kml = name.ends_with(".kml");
    if !(kml || name.ends_with(".geojson") || name.ends_with(".json")) {
        return None;
    }
    let c_path = std::ffi::CString::new(path.to_string_lossy().as_bytes()).ok()?;
    // SAFETY: a NUL-terminated path and mode; the handle is closed below
    let file = unsafe { gdal_sys::VSIFOpenL(c_path.as_ptr(), c"rb".as_ptr()) };
    if file.is_null() {
        return None;
    }
    let mut buf = vec![0u8; 64 << 10];
    let mut count = 0u64;
    // GeoJSON: in a string, after a backslash, after a `[` (skipping whitespace)
    let (mut in_string, mut escaped, mut opened) = (false, false, false);
    // KML: the current tag's name, whether it closes, inside <coordinates>, in a tuple
    let (mut tag, mut in_tag, mut closing) = (Vec::<u8>::new(), false, false);
    let (mut in_coordinates, mut in_tuple) = (false, false);
    'read: loop {
        // SAFETY: `buf` has room for `buf.len()` bytes; `file` is open
        let n = unsafe { gdal_sys::VSIFReadL(buf.as_mut_ptr().cast(), 1, buf.len(), file) };
        if n == 0 {
            break;
        }
        for &b in &buf[..n] {
            if kml {
                if in_tag {
                    match b {
                        b'>' => {
                            in_tag = false;
                            let local = tag.rsplit(|c| *c == b':').next().unwrap_or(&[]);
                            if local == b"coordinates" {
                                in_coordinates = !closing;
                                in_tuple = false;
                            }
                        }
                        b'/' if tag.is_empty() => closing = true,
                        b' ' | b'\t' | b'\r' | b'\n' => {}
                        _ if tag.len() < 64 => tag.push(b),
                        _ => {}
                    }
                } else if b == b'<' {
                    (in_tag, closing) = (true, false);
                    tag.clear();
                } else if in_coordinates {
                    let space = b.is_ascii_whitespace();
                    if !space && !in_tuple {
                        count += 1;
                    }
                    in_tuple = !space;
                }
            } else if in_string {
                match (escaped, b) {
                    (true, _) => escaped = false,
                    (false, b'\\') => escaped = true,
                    (false, b'"') => in_string = false,
                    _ => {}
                }
            } else {
                match b {
                    b'"' => {
                        (in_string, opened) = (true, false);
                    }
                    b'[' => opened = true,
                    b' ' | b'\t' | b'\r' | b'\n' => {}
                    b'-' | b'+' | b'.' | b'0'..=b'9' if opened => {
                        count += 1;
                        opened = false;
                    }
                    _ => opened = false,
                }
            }
            if count > limit {
                break 'read;
            }
        }
    }
    // SAFETY: opened above, closed once
    unsafe { gdal_sys::VSIFCloseL(file) };
    Some(count)
}

/// Stops the SQLite statements GDAL runs for a dataset (GeoPackage, SQLite) once a flag
/// is raised: a query of the file's making (a view over a recursive CTE, a metadata
/// table that is one) cannot then hold a thread for ever. GDAL 3.6 has no way to cancel
/// a vector read; its SQLite-based drivers give their connection
/// (`GDALGetInternalHandle(ds, "SQLITE_HANDLE")`), on which a progress handler is set
/// that SQLite calls every 1,000 virtual machine steps: when the flag is up it answers
/// "stop", the statement ends with `SQLITE_INTERRUPT`, and GDAL's read returns (with no
/// more features, or an error). Other drivers have no such handle: their reads are
/// bounded by the size of the file instead. The handler is removed when this is dropped,
/// which must be before the dataset closes.
pub struct SqliteCancel {
    db: *mut rusqlite::ffi::sqlite3,
    /// Kept alive while SQLite holds a pointer to it.
    flag: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

// SAFETY: the handle is only used to remove the handler, on the thread that drops the
// value, which owns the dataset (they move together); the flag is shared atomically.
unsafe impl Send for SqliteCancel {}

/// SQLite's progress callback: non-zero stops the statement.
extern "C" fn stop_when_raised(flag: *mut std::ffi::c_void) -> std::ffi::c_int {
    // SAFETY: `flag` is the `AtomicBool` of an `Arc` that `SqliteCancel` keeps alive for
    // as long as the handler is installed
    let flag = unsafe { &*(flag as *const std::sync::atomic::AtomicBool) };
    std::ffi::c_int::from(flag.load(std::sync::atomic::Ordering::Relaxed))
}

impl SqliteCancel {
    /// Installs the handler on `ds`'s SQLite connection; `None` when the dataset has none
    /// (not an SQLite-based driver).
    pub fn install(
        ds: &Dataset,
        flag: &std::sync::Arc<std::sync::atomic::AtomicBool>,
    ) -> Option<SqliteCancel> {
        // SAFETY: the dataset handle is valid while `ds` lives; GDAL's SQLite-based
        // datasets return their `sqlite3*` for this key, others NULL
        let db =
            unsafe { gdal_sys::GDALGetInternalHandle(ds.c_dataset(), c"SQLITE_HANDLE".as_ptr()) }
                as *mut rusqlite::ffi::sqlite3;
        if db.is_null() {
            return None;
        }
        let flag = std::sync::Arc::clone(flag);
        // SAFETY: `db` is the dataset's open connection (the same libsqlite3 GDAL links);
        // the argument points into the Arc kept in the returned value
        unsafe {
            rusqlite::ffi::sqlite3_progress_handler(
                db,
                1000,
                Some(stop_when_raised),
                std::sync::Arc::as_ptr(&flag) as *mut std::ffi::c_void,
            )
        };
        Some(SqliteCancel { db, flag })
    }

    /// Whether the flag was raised (the read was stopped, or is being).
    pub fn raised(&self) -> bool {
        self.flag.load(std::sync::atomic::Ordering::Relaxed)
    }
}

impl Drop for SqliteCancel {
    fn drop(&mut self) {
        // SAFETY: the connection is still open (this is dropped before the dataset)
        unsafe { rusqlite::ffi::sqlite3_progress_handler(self.db, 0, None, std::ptr::null_mut()) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn crs(def: &str) -> LayerCrs {
        let srs = SpatialRef::from_definition(def).unwrap();
        LayerCrs {
            definition: definition_of(&srs).unwrap(),
            name: srs.name().unwrap(),
            geographic: srs.is_geographic(),
        }
    }

    #[test]
    fn degrees_declared_as_metres_and_the_reverse_are_refused() {
        let utm = crs("EPSG:32643");
        assert_eq!(utm.definition, "EPSG:32643");
        let e = utm
            .check_extent((76.9, 43.2, 77.0, 43.3), "parcels")
            .unwrap_err()
            .to_string();
        assert!(e.contains("look like degrees"), "{e}");
        assert!(utm
            .check_extent((650000.0, 4790000.0, 660000.0, 4800000.0), "p")
            .is_ok());
        let wgs = crs("EPSG:4326");
        let e = wgs
            .check_extent((650000.0, 4790000.0, 660000.0, 4800000.0), "parcels")
            .unwrap_err()
            .to_string();
        assert!(e.contains("cannot be degrees"), "{e}");
        assert!(wgs.check_extent((76.9, 43.2, 77.0, 43.3), "p").is_ok());
    }

    #[test]
    fn pulkovo_gauss_kruger_is_named_by_its_epsg_code() {
        let gk = crs("EPSG:28413");
        assert_eq!(gk.definition, "EPSG:28413");
        assert!(gk.name.contains("Pulkovo 1942"), "{}", gk.name);
        assert!(!gk.geographic);
    }

    #[test]
    fn wkt_from_gdal_is_the_same_crs_to_proj() {
        let wkt = SpatialRef::from_epsg(32643).unwrap().to_wkt().unwrap();
        assert!(aimaq_proj::equivalent("EPSG:32643", &wkt));
        assert!(aimaq_proj::Transformer::new(&wkt, "EPSG:32643")
            .unwrap()
            .is_identity());
        assert_eq!(aimaq_proj::short(&wkt), "WGS 84 / UTM zone 43N");
    }
}
