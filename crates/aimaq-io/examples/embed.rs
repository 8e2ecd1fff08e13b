//! Embedding aimaq: load a constraint dataset, check one parcel given as WKT, print the
//! verdict and why.
//!
//! ```sh
//! cargo run --release --example embed                       # the embedded Almaty data
//! cargo run --release --example embed -- DATA.gpkg 'POLYGON((…))' vehicle_wash
//! ```

use aimaq_check::{Parcel, Projected};
use aimaq_io::dataset::DatasetSource;
use aimaq_io::{open_engine, EngineOptions};
use std::path::PathBuf;

/// A car wash 400 m from the Turgen river (P-025 of the demo), in WGS84.
const DEMO_PARCEL: &str = "POLYGON((77.756257 43.326485, 77.756556 43.326327, 77.756845 43.326619, 77.756545 43.326777, 77.756257 43.326485))";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let data = match args.next() {
        Some(path) if path != "-" => DatasetSource::Path(PathBuf::from(path)),
        _ => DatasetSource::Embedded,
    };
    let wkt = args.next().unwrap_or_else(|| DEMO_PARCEL.to_string());
    let proposed_use = Some(args.next().unwrap_or_else(|| "vehicle_wash".to_string()));

    // the catalog, the dataset and the CRS to measure in (UTM 43N by default)
    let opened = open_engine(&EngineOptions {
        data,
        ..EngineOptions::default()
    })?;
    let lonlat = aimaq_io::parse_wkt_parcel(&wkt)?;
    let metres = opened.reprojector.to_metric(&lonlat)?;
    let report = opened.engine.check(&Parcel {
        id: "application".into(),
        proposed_use,
        geometry: Projected::assume_metres(metres),
    });

    println!(
        "{}: {} ({:.1} m², {} findings, dataset {})",
        report.id,
        report.verdict,
        report.area_m2,
        report.findings.len(),
        opened.dataset
    );
    for f in &report.findings {
        println!("  {} {} {}", f.severity, f.rule, f.message);
        println!(
            "      source: {}; regime: {}",
            f.citation, f.regime_citation
        );
    }
    if let Some(e) = &report.error {
        println!("  error: {e}");
    }
    Ok(())
}
