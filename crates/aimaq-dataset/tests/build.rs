//! Building datasets from the OSM and office fixtures (fixtures/osm, fixtures/office).

use aimaq_dataset::build::{build, BuildError, BuildOptions, BuildSummary};
use gdal::vector::LayerAccess;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn repo(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(path)
}

fn run(sources: &[PathBuf], out: &Path, map: Option<PathBuf>) -> Result<BuildSummary, BuildError> {
    build(&BuildOptions {
        sources: sources.to_vec(),
        out: out.to_path_buf(),
        map,
        overwrite: false,
        catalog: None,
    })
}

/// layer → id → (attributes as JSON text, geometry as WKT rounded to 1e-7)
fn read(path: &Path) -> BTreeMap<String, BTreeMap<String, (String, String)>> {
    let ds = gdal::Dataset::open(path).unwrap();
    let mut out = BTreeMap::new();
    for mut layer in ds.layers() {
        let name = layer.name();
        if name.starts_with("aimaq_") {
            continue;
        }
        let fields = aimaq_io::ogr::field_names(&layer);
        let mut features = BTreeMap::new();
        for f in layer.features() {
            let mut attrs = serde_json::Map::new();
            for (i, n) in fields.iter().enumerate() {
                let v = aimaq_io::ogr::field_json(f.field(i).ok().flatten());
                if !v.is_null() {
                    attrs.insert(n.clone(), v);
                }
            }
            let id = attrs["id"].as_str().unwrap().to_string();
            let g = aimaq_io::ogr::geometry_of(&f).unwrap();
            use geo::MapCoords;
            let g = g.map_coords(
                |c| geo::coord! { x: (c.x * 1e7).round() / 1e7, y: (c.y * 1e7).round() / 1e7 },
            );
            features.insert(
                id,
                (
                    serde_json::Value::Object(attrs).to_string(),
                    format!("{g:?}"),
                ),
            );
        }
        out.insert(name, features);
    }
    out
}

#[test]
fn osm_xml_and_pbf_give_the_same_dataset_with_provenance_and_reported_problems() {
    let dir = tempfile::tempdir().unwrap();
    let (xml, pbf) = (dir.path().join("xml.gpkg"), dir.path().join("pbf.gpkg"));
    let s = run(&[repo("fixtures/osm/extract.osm")], &xml, None).unwrap();
    run(&[repo("fixtures/osm/extract.osm.pbf")], &pbf, None).unwrap();
    let (a, b) = (read(&xml), read(&pbf));
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (layer, features) in &a {
        let other = &b[layer];
        assert_eq!(
            features.keys().collect::<Vec<_>>(),
            other.keys().collect::<Vec<_>>(),
            "{layer}"
        );
        for (id, (attrs, geom)) in features {
            let (attrs_b, geom_b) = &other[id];
            // the source file's name differs, nothing else
            assert_eq!(
                attrs.replace("extract.osm.pbf", "extract.osm"),
                attrs_b.replace("extract.osm.pbf", "extract.osm"),
                "{layer} {id}"
            );
            assert_eq!(geom, geom_b, "{layer} {id}");
        }
    }
    let power = &a["power_lines"];
    assert_eq!(
        power.keys().collect::<Vec<_>>(),
        ["way/1020", "way/1021", "way/1022", "way/1023", "way/1024"]
    );
    let (attrs, _) = &power["way/1020"];
    let attrs: serde_json::Value = serde_json::from_str(attrs).unwrap();
    assert_eq!(attrs["voltage_kv"], 220.0);
    assert_eq!(attrs["source"], "extract.osm");
    assert_eq!(attrs["source_ref"], "way/1020");
    assert_eq!(attrs["licence"], "ODbL-1.0");
    // multi-valued voltage: the highest kept, the rest reported
    let multi: Vec<_> = s
        .issues
        .iter()
        .filter(|i| i.field.as_deref() == Some("voltage_kv"))
        .collect();
    assert_eq!(multi.len(), 2, "{multi:?}");
    assert!(
        multi[0].message.contains("(110)") && multi[0].mapping_line.is_some(),
        "{multi:?}"
    );
    // the relation with a missing member: named, with the way (XML)
    let broken = s
        .issues
        .iter()
        .find(|i| i.feature.as_deref() == Some("relation/5004"))
        .expect("relation/5004 reported");
    assert!(broken.message.contains("way/1090"), "{}", broken.message);
    // a settlement as a node only: reported
    assert!(
        s.issues
            .iter()
            .any(|i| i.feature.as_deref() == Some("node/41")),
        "{:?}",
        s.issues
    );
    // rivers: three ways assembled, the relation's members kept once
    let water = &a["water_bodies"];
    assert_eq!(
        water.keys().collect::<Vec<_>>(),
        [
            "relation/5001",
            "relation/5002",
            "way/1001",
            "way/1006",
            "way/1007",
            "way/1011",
            "way/1012"
        ]
    );
    let talgar: serde_json::Value = serde_json::from_str(&water["way/1001"].0).unwrap();
    assert_eq!(talgar["source_ref"], "way/1001, way/1002, way/1003");
    assert_eq!(
        s.attribution.as_deref(),
        Some(aimaq_io::dataset::OSM_ATTRIBUTION)
    );
}

#[test]
fn the_built_dataset_matches_the_hand_written_one() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("d.gpkg");
    run(&[repo("fixtures/osm/extract.osm.pbf")], &out, None).unwrap();
    let built = read(&out);
    for entry in std::fs::read_dir(repo("fixtures/osm/expected")).unwrap() {
        let path = entry.unwrap().path();
        let layer = path.file_stem().unwrap().to_string_lossy().to_string();
        let doc: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let features = doc["features"].as_array().unwrap();
        let got = built
            .get(&layer)
            .unwrap_or_else(|| panic!("{layer} not built"));
        assert_eq!(got.len(), features.len(), "{layer}: {:?}", got.keys());
        for f in features {
            let props = f["properties"].as_object().unwrap();
            let id = props["id"].as_str().unwrap();
            let (attrs, _) = got
                .get(id)
                .unwrap_or_else(|| panic!("{layer} {id} missing"));
            let attrs: serde_json::Value = serde_json::from_str(attrs).unwrap();
            for (k, v) in props {
                let same = match (v.as_f64(), attrs[k].as_f64()) {
                    (Some(x), Some(y)) => (x - y).abs() < 1e-9,
                    _ => &attrs[k] == v,
                };
                assert!(same, "{layer} {id} {k}: built {} expected {v}", attrs[k]);
            }
        }
    }
}

#[test]
fn the_office_shapefiles_come_through_their_mapping_in_cyrillic_and_in_wgs84() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("office.gpkg");
    let office = |f: &str| repo(&format!("fixtures/office/{f}"));
    let s = run(
        &[
            office("lep.shp"),
            office("vodn.shp"),
            office("vodn_pol.shp"),
        ],
        &out,
        Some(office("mapping.toml")),
    )
    .unwrap();
    assert_eq!(s.attribution, None);
    let built = read(&out);
    for layer in ["power_lines", "water_bodies"] {
        let text = std::fs::read_to_string(office(&format!("expected/{layer}.geojson"))).unwrap();
        let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
        let features = doc["features"].as_array().unwrap();
        assert_eq!(
            built[layer].len(),
            features.len(),
            "{layer}: {:?}",
            built[layer].keys()
        );
        for f in features {
            let props = f["properties"].as_object().unwrap();
            let id = props["id"].as_str().unwrap();
            let (attrs, _) = &built[layer][id];
            let attrs: serde_json::Value = serde_json::from_str(attrs).unwrap();
            for (k, v) in props {
                let same = match (v.as_f64(), attrs[k].as_f64()) {
                    (Some(x), Some(y)) => (x - y).abs() < 1e-9,
                    _ => &attrs[k] == v,
                };
                assert!(same, "{layer} {id} {k}: built {} expected {v}", attrs[k]);
            }
            // coordinates within 2e-7° of GDAL/PROJ's transformation
            let expected: geo::Geometry<f64> =
                serde_json::from_value::<geojson::Geometry>(f["geometry"].clone())
                    .unwrap()
                    .try_into()
                    .unwrap();
            let ds = gdal::Dataset::open(&out).unwrap();
            let mut l = ds.layer_by_name(layer).unwrap();
            l.set_attribute_filter(&format!("id = '{id}'")).unwrap();
            let feat = l.features().next().unwrap();
            let got = aimaq_io::ogr::geometry_of(&feat).unwrap();
            use geo::CoordsIter;
            // rings may start elsewhere and turn the other way: compare the positions
            let sorted = |g: &geo::Geometry<f64>| {
                let mut v: Vec<(f64, f64)> = g.coords_iter().map(|c| (c.x, c.y)).collect();
                v.sort_by(|a, b| a.partial_cmp(b).unwrap());
                v.dedup();
                v.into_iter()
                    .map(|(x, y)| geo::coord! { x: x, y: y })
                    .collect::<Vec<_>>()
            };
            let (a, b) = (sorted(&got), sorted(&expected));
            assert_eq!(a.len(), b.len(), "{layer} {id}");
            for p in &a {
                assert!(
                    b.iter()
                        .any(|q| (p.x - q.x).abs() < 2e-7 && (p.y - q.y).abs() < 2e-7),
                    "{layer} {id}: {p:?} not expected"
                );
            }
        }
    }
    let names: String = built["power_lines"]
        .values()
        .map(|(a, _)| a.clone())
        .collect();
    assert!(names.contains("ВЛ-220 кВ Алма - Есик"), "{names}");
}

#[test]
fn osm_and_office_merge_and_duplicates_are_reported_not_kept_twice() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("both.gpkg");
    let office = |f: &str| repo(&format!("fixtures/office/{f}"));
    let s = run(
        &[
            repo("fixtures/osm/extract.osm.pbf"),
            office("lep.shp"),
            office("vodn.shp"),
            office("vodn_pol.shp"),
        ],
        &out,
        Some(office("mapping.toml")),
    )
    .unwrap();
    let dropped: Vec<&str> = s.duplicates.iter().map(|d| d.dropped.as_str()).collect();
    for id in [
        "lep.shp: 101",
        "vodn.shp: В-01",
        "vodn.shp: В-02",
        "vodn_pol.shp: В-10",
        "vodn_pol.shp: В-11",
    ] {
        assert!(
            dropped.contains(&id),
            "{id} not reported: {:#?}",
            s.duplicates
        );
    }
    let built = read(&out);
    assert!(!built["power_lines"].contains_key("101"));
    assert!(built["power_lines"].contains_key("103"));
    // the GeoPackage lists them too
    let ds = gdal::Dataset::open(&out).unwrap();
    assert_eq!(
        ds.layer_by_name("aimaq_duplicates")
            .unwrap()
            .feature_count() as usize,
        s.duplicates.len()
    );
}

#[test]
fn mapping_errors_name_the_file_the_line_and_the_field_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("d.gpkg");
    let map = dir.path().join("m.toml");
    let office = |f: &str| repo(&format!("fixtures/office/{f}"));
    std::fs::write(&map, "[[layer]]\nsource = \"lep.shp\"\nto = \"power_lines\"\n[layer.fields]\nid = \"КОД\"\nvoltage_kv = { field = \"НАПРЯЖ\", scale = 0.001 }\n").unwrap();
    let e = run(&[office("lep.shp")], &out, Some(map.clone()))
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with(&format!("{}:6: field `voltage_kv`:", map.display())),
        "{e}"
    );
    assert!(
        e.contains("no field `НАПРЯЖ`") && e.contains("lep.shp"),
        "{e}"
    );
    assert!(!out.exists());
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "no partial file left"
    );
    std::fs::write(
        &map,
        "[[layer]]\nsource = \"lep.shp\"\nto = \"power_line\"\n",
    )
    .unwrap();
    let e = run(&[office("lep.shp")], &out, Some(map.clone()))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains(":3: field `to`: unknown target layer `power_line`"),
        "{e}"
    );
    // a source without a mapping
    let e = run(&[office("lep.shp")], &out, None)
        .unwrap_err()
        .to_string();
    assert!(e.contains("no mapping for this source"), "{e}");
    // an existing output is kept without --overwrite, and an input is never the output
    std::fs::write(&out, "mine").unwrap();
    assert!(run(&[repo("fixtures/osm/extract.osm")], &out, None).is_err());
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "mine");
    let copy = dir.path().join("x.osm");
    std::fs::copy(repo("fixtures/osm/extract.osm"), &copy).unwrap();
    let e = build(&BuildOptions {
        sources: vec![copy.clone()],
        out: copy.clone(),
        overwrite: true,
        ..Default::default()
    })
    .unwrap_err();
    assert!(e.to_string().contains("also an input"), "{e}");
}

#[test]
fn the_loader_reads_the_built_dataset_without_warnings_about_its_own_tables() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("d.gpkg");
    run(&[repo("fixtures/osm/extract.osm.pbf")], &out, None).unwrap();
    let catalog = aimaq_rules::Catalog::embedded();
    let utm = aimaq_proj::MetricCrs::new("EPSG:32643").unwrap();
    let loaded =
        aimaq_io::dataset::load(&catalog, &aimaq_io::dataset::DatasetSource::Path(out), &utm)
            .unwrap();
    assert_eq!(
        loaded.attribution.as_deref(),
        Some(aimaq_io::dataset::OSM_ATTRIBUTION)
    );
    for i in &loaded.issues {
        assert!(!i.message.contains("aimaq_"), "{i}");
    }
    let engine = aimaq_check::Engine::new(catalog, "utm", loaded.features);
    for i in engine.issues() {
        assert!(!i.message.contains("unknown attribute"), "{i}");
    }
}
