//! Index build and per-parcel check on the embedded Almaty dataset.

use aimaq_benches::{constraint_features, demo_parcels, engine};
use aimaq_rules::Catalog;
use criterion::{criterion_group, criterion_main, BatchSize, Criterion};

fn build(c: &mut Criterion) {
    let features = constraint_features();
    c.bench_function("engine_build_embedded", |b| {
        b.iter_batched(
            || features.clone(),
            |f| aimaq_check::Engine::new(Catalog::embedded(), "EPSG:32643", f),
            BatchSize::LargeInput,
        )
    });
}

fn check(c: &mut Criterion) {
    let engine = engine();
    let parcels = demo_parcels();
    let clear = parcels.iter().find(|p| p.id == "P-001").unwrap();
    let river_review = parcels.iter().find(|p| p.id == "P-012").unwrap();
    let rail_straddle = parcels.iter().find(|p| p.id == "P-007").unwrap();
    c.bench_function("check_clear_lot", |b| b.iter(|| engine.check(clear)));
    c.bench_function("check_field_near_river", |b| {
        b.iter(|| engine.check(river_review))
    });
    c.bench_function("check_lot_straddling_settlement_edge", |b| {
        b.iter(|| engine.check(rail_straddle))
    });
    c.bench_function("check_all_demo", |b| b.iter(|| engine.check_all(&parcels)));
}

criterion_group!(benches, build, check);
criterion_main!(benches);
