//! OpenStreetMap extracts through GDAL's OSM driver, with the project's own osmconf
//! (data/osm/osmconf.ini): no PBF parser of our own.
//!
//! The features of every layer come in one pass over the file
//! (`GDALDatasetGetNextFeature`, the driver's recommended way: reading layer by layer
//! would parse the file once per layer). GDAL drops a multipolygon relation whose member
//! ways are not in the file, saying so only in a debug message; that message is caught
//! here and becomes a reported issue naming the relation (and, for `.osm` XML, the
//! missing ways).

use gdal::vector::{Defn, Feature};
use gdal::Dataset;
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::ffi::{c_char, c_void, CStr, CString};
use std::io::Write;
use std::path::Path;

/// The project's osmconf, compiled in.
pub const OSMCONF: &str = include_str!("../../../data/osm/osmconf.ini");

/// Whether `path` is an OSM extract (`.osm`, `.osm.pbf`, `.pbf`).
pub fn is_osm(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    name.ends_with(".osm") || name.ends_with(".pbf") || name.ends_with(".osm.bz2")
}

/// The osmconf written to a private file created exclusively (mode 0600 under a fresh
/// temporary directory), removed when dropped.
pub struct ConfigFile {
    dir: tempfile::TempDir,
}

impl ConfigFile {
    /// Writes [`OSMCONF`].
    pub fn write() -> std::io::Result<ConfigFile> {
        let dir = tempfile::Builder::new().prefix("aimaq-osmconf").tempdir()?;
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(dir.path().join("osmconf.ini"))?;
        f.write_all(OSMCONF.as_bytes())?;
        Ok(ConfigFile { dir })
    }

    /// Its path.
    pub fn path(&self) -> std::path::PathBuf {
        self.dir.path().join("osmconf.ini")
    }
}

/// Relations GDAL dropped or could not complete, by id, with the ways missing when the
/// file tells (XML).
#[derive(Debug, Default, Clone)]
pub struct Incomplete {
    /// relation id → missing way ids (empty when unknown).
    pub relations: BTreeMap<i64, Vec<i64>>,
    /// Other GDAL warnings and errors met while reading.
    pub messages: Vec<String>,
}

struct Caught {
    messages: Vec<(u32, String)>,
}

unsafe extern "C" fn catch(class: gdal_sys::CPLErr::Type, _no: i32, msg: *const c_char) {
    // SAFETY: GDAL calls this on the thread that pushed it, with the user data pushed
    // beside it (a live `Caught`) and a NUL-terminated message.
    unsafe {
        let data = gdal_sys::CPLGetErrorHandlerUserData() as *mut Caught;
        if data.is_null() || msg.is_null() {
            return;
        }
        let text = CStr::from_ptr(msg).to_string_lossy().into_owned();
        (*data).messages.push((class, text));
    }
}

/// Reads every feature of an OSM extract in one pass: `each(layer, feature)`.
/// Returns what GDAL said about incomplete relations.
pub fn read_all(ds: &Dataset, mut each: impl FnMut(&str, &Feature<'_>)) -> Incomplete {
    let mut caught = Box::new(Caught { messages: vec![] });
    let key = CString::new("CPL_DEBUG").expect("no NUL");
    let on = CString::new("OSM").expect("no NUL");
    // SAFETY: a thread-local handler and option, pushed and popped on this thread
    // around the reading; `caught` outlives both.
    unsafe {
        gdal_sys::CPLPushErrorHandlerEx(Some(catch), &mut *caught as *mut Caught as *mut c_void);
        gdal_sys::CPLSetThreadLocalConfigOption(key.as_ptr(), on.as_ptr());
        gdal_sys::GDALDatasetResetReading(ds.c_dataset());
    }
    loop {
        let mut layer: gdal_sys::OGRLayerH = std::ptr::null_mut();
        // SAFETY: the dataset handle is valid; GDAL returns an owned feature (or NULL at
        // the end) and the layer it belongs to, valid while the dataset is.
        let c_feature = unsafe {
            gdal_sys::GDALDatasetGetNextFeature(
                ds.c_dataset(),
                &mut layer,
                std::ptr::null_mut(),
                None,
                std::ptr::null_mut(),
            )
        };
        if c_feature.is_null() {
            break;
        }
        // SAFETY: `layer` is the feature's own layer; its name and definition live as
        // long as the dataset; the feature is owned and destroyed by `Feature`'s Drop.
        unsafe {
            let name = CStr::from_ptr(gdal_sys::OGR_L_GetName(layer))
                .to_string_lossy()
                .into_owned();
            let defn = Defn::from_c_defn(gdal_sys::OGR_L_GetLayerDefn(layer));
            let feature = Feature::from_c_feature(&defn, c_feature);
            each(&name, &feature);
        }
    }
    // SAFETY: as above.
    unsafe {
        gdal_sys::CPLSetThreadLocalConfigOption(key.as_ptr(), std::ptr::null());
        gdal_sys::CPLPopErrorHandler();
    }
    let mut out = Incomplete::default();
    for (class, text) in caught.messages {
        if class == gdal_sys::CPLErr::CE_Debug {
            // "OSM: Relation 5002 has missing ways. Ignoring it"
            if let Some(rest) = text.split("Relation ").nth(1) {
                if text.contains("missing") {
                    let id: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
                    if let Ok(id) = id.parse() {
                        out.relations.entry(id).or_default();
                    }
                }
            }
        } else if class >= gdal_sys::CPLErr::CE_Warning {
            out.messages.push(text);
        }
    }
    out
}

/// For OSM XML: the relations whose member ways are not in the file, with those ways.
/// A scan of `<way id=…>` and `<member type="way" ref=…>` only (PBF is GDAL's alone:
/// there a dropped relation is named without its missing ways).
pub fn xml_missing_members(path: &Path) -> std::io::Result<BTreeMap<i64, Vec<i64>>> {
    use std::io::BufRead;
    let name = path.to_string_lossy().to_lowercase();
    if !name.ends_with(".osm") {
        return Ok(BTreeMap::new());
    }
    let reader = std::io::BufReader::new(std::fs::File::open(path)?);
    let mut ways: HashSet<i64> = HashSet::new();
    let mut members: Vec<(i64, i64)> = Vec::new();
    let mut relation: Option<i64> = None;
    let attr = |line: &str, key: &str| -> Option<i64> {
        let at = line.find(&format!("{key}=\""))? + key.len() + 2;
        line[at..].split('"').next()?.parse().ok()
    };
    for line in reader.lines() {
        let line = line?;
        for part in line.split('<').skip(1) {
            if part.starts_with("way ") {
                if let Some(id) = attr(part, "id") {
                    ways.insert(id);
                }
            } else if part.starts_with("relation ") {
                relation = attr(part, "id");
            } else if part.starts_with("/relation") {
                relation = None;
            } else if part.starts_with("member ") && part.contains("type=\"way\"") {
                if let (Some(r), Some(w)) = (relation, attr(part, "ref")) {
                    members.push((r, w));
                }
            }
        }
    }
    let mut out: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
    let mut seen = BTreeSet::new();
    for (r, w) in members {
        if !ways.contains(&w) && seen.insert((r, w)) {
            out.entry(r).or_default().push(w);
        }
    }
    Ok(out)
}

/// The OSM reference of a feature of GDAL layer `layer`: `way/…`, `relation/…`, `node/…`.
pub fn reference(layer: &str, osm_id: Option<&str>, osm_way_id: Option<&str>) -> Option<String> {
    match (layer, osm_id, osm_way_id) {
        ("points", Some(id), _) => Some(format!("node/{id}")),
        ("lines", Some(id), _) => Some(format!("way/{id}")),
        ("multipolygons", Some(id), _) => Some(format!("relation/{id}")),
        ("multipolygons", None, Some(id)) => Some(format!("way/{id}")),
        (_, Some(id), _) => Some(format!("relation/{id}")),
        _ => None,
    }
}

/// The value of `key` in GDAL's `other_tags` hstore text (`"water"=>"lake","a"=>"b"`).
///
/// ```
/// use aimaq_dataset::osm::hstore_get;
/// assert_eq!(hstore_get(r#""water"=>"lake","name:kk"=>"Көл""#, "name:kk"), Some("Көл".into()));
/// assert_eq!(hstore_get(r#""a"=>"say \"hi\"""#, "a"), Some("say \"hi\"".into()));
/// assert_eq!(hstore_get(r#""water"=>"lake""#, "x"), None);
/// ```
pub fn hstore_get(hstore: &str, key: &str) -> Option<String> {
    let mut chars = hstore.chars().peekable();
    let read_quoted = |chars: &mut std::iter::Peekable<std::str::Chars>| -> Option<String> {
        while chars.peek().is_some_and(|c| *c != '"') {
            chars.next();
        }
        chars.next()?;
        let mut s = String::new();
        loop {
            match chars.next()? {
                '\\' => s.push(chars.next()?),
                '"' => return Some(s),
                c => s.push(c),
            }
        }
    };
    loop {
        let k = read_quoted(&mut chars)?;
        // skip `=>`
        let v = read_quoted(&mut chars)?;
        if k == key {
            return Some(v);
        }
    }
}
