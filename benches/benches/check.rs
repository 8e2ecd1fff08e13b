//! Index build and per-parcel check on the embedded Almaty dataset.

use aimaq_benches::{constraint_features, demo_parcels, engine, five_degree_parcel, wavy_parcel};
use aimaq_check::Limits;
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

/// Issue 9, D5: large parcels, answered past the default limits (cost n log n in
/// vertices), and refused at the defaults.
fn large(c: &mut Criterion) {
    let unlimited = engine().with_limits(Limits {
        max_vertices: usize::MAX,
        max_extent_m: f64::INFINITY,
    });
    let defaults = engine();
    // at the clear lot P-001, far from every constraint; and at the field P-012, 800 m
    // from the Ulken Almaty, across the edge of its water-protection zone
    let (far, river) = ((77.36, 43.27), (76.866488, 43.506195));
    let clear_100k = wavy_parcel("clear-100k", 100_000, far.0, far.1, 200.0);
    let clear_1m = wavy_parcel("clear-1m", 1_000_000, far.0, far.1, 200.0);
    let river_100k = wavy_parcel("river-100k", 100_000, river.0, river.1, 200.0);
    let river_1m = wavy_parcel("river-1m", 1_000_000, river.0, river.1, 200.0);
    let huge = five_degree_parcel();
    let mut g = c.benchmark_group("large");
    g.sample_size(10);
    g.bench_function("check_100k_vertices_far", |b| {
        b.iter(|| unlimited.check(&clear_100k))
    });
    g.bench_function("check_100k_vertices_by_a_river", |b| {
        b.iter(|| unlimited.check(&river_100k))
    });
    g.bench_function("check_1m_vertices_far", |b| {
        b.iter(|| unlimited.check(&clear_1m))
    });
    g.bench_function("check_1m_vertices_by_a_river", |b| {
        b.iter(|| unlimited.check(&river_1m))
    });
    g.bench_function("check_5_vertices_spanning_5_degrees", |b| {
        b.iter(|| unlimited.check(&huge))
    });
    g.bench_function("refuse_1m_vertices_at_default_limits", |b| {
        b.iter(|| defaults.check(&clear_1m))
    });
    g.bench_function("refuse_5_degrees_at_default_limits", |b| {
        b.iter(|| defaults.check(&huge))
    });
    g.finish();
}

criterion_group!(benches, build, check, large);
criterion_main!(benches);
