//! The sweep against geo's `Validation` (the reference) and GEOS, on generated polygons:
//! random rings on a small integer grid (so that vertices, edges and rings meet,
//! touch, overlap and double back as often as possible), and well-formed stars with
//! holes and islands, moved and spiked into every kind of problem.

use super::{check, Check};
use geo::{coord, Coord, LineString, MultiPolygon, Polygon, Validation};
use std::fmt::Write as _;

/// SplitMix64: deterministic, enough for placing test geometry.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
    fn range(&mut self, a: f64, b: f64) -> f64 {
        a + (b - a) * self.unit()
    }
    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
}

/// `n` random points of the grid `[x0, x0 + size] × [y0, y0 + size]`.
fn grid_ring(rng: &mut Rng, n: usize, x0: i32, y0: i32, size: usize) -> LineString<f64> {
    let mut pts: Vec<Coord<f64>> = (0..n)
        .map(|_| coord! { x: f64::from(x0) + rng.below(size + 1) as f64, y: f64::from(y0) + rng.below(size + 1) as f64 })
        .collect();
    if rng.chance(0.1) {
        // a repeated position
        let k = rng.below(pts.len());
        pts.insert(k, pts[k]);
    }
    LineString::new(pts)
}

/// A simple ring around `c`: radii in `[r0, r1]` at increasing angles.
fn star(
    rng: &mut Rng,
    c: Coord<f64>,
    r0: f64,
    r1: f64,
    n: usize,
    clockwise: bool,
) -> LineString<f64> {
    let mut pts: Vec<Coord<f64>> = (0..n)
        .map(|k| {
            let a = 2.0 * std::f64::consts::PI * (k as f64 + 0.8 * rng.unit()) / n as f64;
            let r = rng.range(r0, r1);
            coord! { x: c.x + r * a.cos(), y: c.y + r * a.sin() }
        })
        .collect();
    if clockwise {
        pts.reverse();
    }
    LineString::new(pts)
}

/// An axis-parallel rectangle on the grid, either way round.
fn grid_rect(rng: &mut Rng, size: usize) -> LineString<f64> {
    let x0 = rng.below(size) as f64;
    let y0 = rng.below(size) as f64;
    let x1 = x0 + 1.0 + rng.below(size - x0 as usize) as f64;
    let y1 = y0 + 1.0 + rng.below(size - y0 as usize) as f64;
    let mut pts = vec![
        coord! { x: x0, y: y0 },
        coord! { x: x1, y: y0 },
        coord! { x: x1, y: y1 },
        coord! { x: x0, y: y1 },
    ];
    if rng.chance(0.5) {
        pts.reverse();
    }
    // start anywhere, sometimes with a vertex on an edge's middle
    pts.rotate_left(rng.below(4));
    if rng.chance(0.3) {
        let k = rng.below(4);
        let (a, b) = (pts[k], pts[(k + 1) % 4]);
        let mid = coord! { x: ((a.x + b.x) / 2.0).floor(), y: ((a.y + b.y) / 2.0).floor() };
        if mid != a && mid != b && (mid.x == a.x || mid.y == a.y) {
            pts.insert(k + 1, mid);
        }
    }
    LineString::new(pts)
}

/// A triangle on the grid.
fn grid_triangle(rng: &mut Rng, size: usize) -> LineString<f64> {
    grid_ring(rng, 3, 0, 0, size)
}

fn cases() -> Vec<MultiPolygon<f64>> {
    let mut rng = Rng(0x5EED_0D5A_2026_0001);
    let mut out = Vec::new();
    // random rings on a 6 × 6 grid: mostly crossing themselves, often touching
    for _ in 0..6000 {
        let n = 3 + rng.below(6);
        let ring = grid_ring(&mut rng, n, 0, 0, 5);
        out.push(Polygon::new(ring, vec![]).into());
    }
    // longer rings on a larger grid, at UTM magnitudes with quarter-metre steps
    for _ in 0..3000 {
        let n = 6 + rng.below(14);
        let ring = grid_ring(&mut rng, n, 0, 0, 9);
        let ring: LineString<f64> = ring
            .0
            .iter()
            .map(|c| coord! { x: 656_000.0 + 0.25 * c.x, y: 4_791_000.0 + 0.25 * c.y })
            .collect();
        out.push(Polygon::new(ring, vec![]).into());
    }
    // several random parts on one grid
    for _ in 0..3000 {
        let polys = (0..2 + rng.below(3))
            .map(|_| {
                let n = 3 + rng.below(3);
                Polygon::new(grid_ring(&mut rng, n, 0, 0, 6), vec![])
            })
            .collect();
        out.push(MultiPolygon(polys));
    }
    // a shell with holes, all random on the grid
    for _ in 0..4000 {
        let n = 3 + rng.below(5);
        let shell = grid_ring(&mut rng, n, 0, 0, 6);
        let holes = (0..1 + rng.below(3))
            .map(|_| {
                let n = 3 + rng.below(3);
                grid_ring(&mut rng, n, 0, 0, 6)
            })
            .collect();
        out.push(Polygon::new(shell, holes).into());
    }
    // rectangles and triangles on the grid: shells and holes touching at points and
    // along lines, nested, apart, islands in holes
    for _ in 0..8000 {
        let size = 4 + rng.below(5);
        let mut polys = Vec::new();
        for _ in 0..1 + rng.below(3) {
            let shell = if rng.chance(0.7) {
                grid_rect(&mut rng, size)
            } else {
                grid_triangle(&mut rng, size)
            };
            let holes = (0..rng.below(3))
                .map(|_| {
                    if rng.chance(0.6) {
                        grid_rect(&mut rng, size)
                    } else {
                        grid_triangle(&mut rng, size)
                    }
                })
                .collect();
            polys.push(Polygon::new(shell, holes));
        }
        out.push(MultiPolygon(polys));
    }
    // well-formed stars with holes and islands, then broken on purpose
    for _ in 0..3000 {
        let c = coord! { x: rng.range(-1e3, 1e3), y: rng.range(-1e3, 1e3) };
        let n = 3 + rng.below(40);
        let cw = rng.chance(0.5);
        let shell = star(&mut rng, c, 60.0, 100.0, n, cw);
        let mut holes = Vec::new();
        let k = rng.below(4);
        for h in 0..k {
            let a = 2.0 * std::f64::consts::PI * h as f64 / k.max(1) as f64;
            let hc = coord! { x: c.x + 30.0 * a.cos(), y: c.y + 30.0 * a.sin() };
            let (n, cw) = (3 + rng.below(12), rng.chance(0.5));
            holes.push(star(&mut rng, hc, 4.0, 12.0, n, cw));
        }
        let mut polys = vec![Polygon::new(shell, holes)];
        if rng.chance(0.5) {
            // a second polygon: apart, an island in a hole, or overlapping
            let far = coord! { x: c.x + rng.range(150.0, 250.0), y: c.y };
            let n = 3 + rng.below(20);
            polys.push(Polygon::new(
                star(&mut rng, far, 20.0, 40.0, n, false),
                vec![],
            ));
        }
        if k > 0 && rng.chance(0.3) {
            let hc = polys[0].interiors()[0].0[0];
            let island = star(&mut rng, hc, 0.1, 0.5, 3, false);
            polys.push(Polygon::new(island, vec![]));
        }
        let mut mp = MultiPolygon(polys);
        match rng.below(6) {
            0 => {
                // move a vertex of a hole onto the shell, or beyond it
                if let Some(p) = mp.0.first_mut() {
                    let target = p.exterior().0[0];
                    let beyond = rng.chance(0.5);
                    p.interiors_mut(|hs| {
                        if let Some(h) = hs.first_mut() {
                            let v = &mut h.0[1];
                            *v = if beyond {
                                coord! { x: target.x * 1.01 - c.x * 0.01, y: target.y * 1.01 - c.y * 0.01 }
                            } else {
                                target
                            };
                        }
                    });
                }
            }
            1 => {
                // a spike: a vertex repeated after a detour
                if let Some(p) = mp.0.first_mut() {
                    p.exterior_mut(|e| {
                        let v = e.0[2];
                        e.0.insert(3, coord! { x: v.x + 5.0, y: v.y + 7.0 });
                        e.0.insert(4, v);
                    });
                }
            }
            // the second polygon moved onto the first
            2 if mp.0.len() > 1 => {
                let shift = coord! { x: rng.range(-200.0, -100.0), y: 0.0 };
                mp.0[1].exterior_mut(|e| {
                    for v in &mut e.0 {
                        *v = *v + shift;
                    }
                });
            }
            _ => {}
        }
        out.push(mp);
    }
    out
}

fn wkt(mp: &MultiPolygon<f64>) -> String {
    let mut s = String::from("MULTIPOLYGON(");
    for (i, p) in mp.0.iter().enumerate() {
        s.push_str(if i > 0 { ",(" } else { "(" });
        for (j, r) in std::iter::once(p.exterior())
            .chain(p.interiors())
            .enumerate()
        {
            s.push_str(if j > 0 { ",(" } else { "(" });
            for (k, c) in r.0.iter().enumerate() {
                let _ = write!(s, "{}{:?} {:?}", if k > 0 { "," } else { "" }, c.x, c.y);
            }
            s.push(')');
        }
        s.push(')');
    }
    s.push(')');
    s
}

/// geo's list of problems, or `None` where geo panics ("topology position conflict",
/// on some invalid geometries).
fn geo_errors(
    mp: &MultiPolygon<f64>,
) -> Option<Vec<geo::algorithm::validation::InvalidMultiPolygon>> {
    std::panic::catch_unwind(|| mp.validation_errors()).ok()
}

/// Hides the panic messages of geo's relate on invalid geometries (and its debug
/// assertions, on in test builds).
fn quiet_geo_panics() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let in_geo = info
            .location()
            .is_some_and(|l| l.file().contains("/geo-0."));
        if !in_geo {
            default(info);
        }
    }));
}

#[test]
fn the_sweep_accepts_exactly_what_geo_accepts() {
    quiet_geo_panics();
    let (mut valid, mut invalid, mut undecided, mut same_first, mut geo_panics) = (0, 0, 0, 0, 0);
    let mut mismatches = Vec::new();
    for mp in cases() {
        let Some(geo_errors) = geo_errors(&mp) else {
            // geo panics on invalid geometries only
            geo_panics += 1;
            if check(&mp) == Check::Valid {
                mismatches.push(format!("{} — sweep valid, geo panics", wkt(&mp)));
            }
            continue;
        };
        match check(&mp) {
            Check::Undecided(_) => undecided += 1,
            Check::Valid if geo_errors.is_empty() => valid += 1,
            Check::Invalid(first) if !geo_errors.is_empty() => {
                invalid += 1;
                if geo_errors[0] == first {
                    same_first += 1;
                }
            }
            mine => mismatches.push(format!("{} — sweep {mine:?}, geo {geo_errors:?}", wkt(&mp))),
        }
    }
    println!(
        "valid {valid}, invalid {invalid} ({same_first} with geo's first problem), undecided (a flat ring) {undecided}, geo panicked {geo_panics}"
    );
    assert!(
        mismatches.is_empty(),
        "{} mismatches:\n{}",
        mismatches.len(),
        mismatches[..mismatches.len().min(20)].join("\n")
    );
    assert!(
        valid > 3000 && invalid > 8000,
        "the cases must cover both answers"
    );
}

/// GEOS (shapely 2) reads OGC more strictly than geo in one respect: holes that cut a
/// polygon's interior in two make it invalid ("Interior is disconnected"). Everything
/// else the sweep answers as GEOS does.
#[test]
fn the_sweep_agrees_with_geos_but_for_disconnected_interiors() {
    let mut lines = String::new();
    let mut verdicts = Vec::new();
    for mp in cases() {
        match check(&mp) {
            Check::Undecided(_) => continue,
            c => verdicts.push(c == Check::Valid),
        }
        lines.push_str(&wkt(&mp));
        lines.push('\n');
    }
    let path = std::env::temp_dir().join(format!("aimaq-validity-{}.wkt", std::process::id()));
    std::fs::write(&path, lines).unwrap();
    let script = "import sys, shapely\n\
        for line in open(sys.argv[1]):\n    print(shapely.is_valid_reason(shapely.from_wkt(line)))\n";
    let out = std::process::Command::new("python3")
        .args(["-c", script])
        .arg(&path)
        .output()
        .expect("python3 with shapely 2 (pip install shapely)");
    std::fs::remove_file(&path).ok();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let reasons: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(String::from)
        .collect();
    assert_eq!(reasons.len(), verdicts.len());
    let mut disconnected = 0;
    let mut other = Vec::new();
    for (mine, reason) in verdicts.iter().zip(&reasons) {
        let geos = reason == "Valid Geometry";
        if *mine == geos {
            continue;
        }
        if *mine && reason.starts_with("Interior is disconnected") {
            disconnected += 1;
        } else {
            other.push(format!("sweep valid: {mine}, GEOS: {reason}"));
        }
    }
    println!(
        "{} cases; GEOS alone finds {disconnected} interiors cut in two",
        verdicts.len()
    );
    assert!(
        other.is_empty(),
        "{} disagreements:\n{}",
        other.len(),
        other[..other.len().min(20)].join("\n")
    );
}

/// A grid of `k × k` square holes of side 1 at a pitch of 2 in a square shell, as a
/// polygon; or (`parts`) the same squares as the parts of a multipolygon.
fn grid_of_squares(k: usize, parts: bool) -> MultiPolygon<f64> {
    let square = |i: usize, j: usize| -> LineString<f64> {
        let (x, y) = (1.0 + 2.0 * i as f64, 1.0 + 2.0 * j as f64);
        vec![(x, y), (x + 1.0, y), (x + 1.0, y + 1.0), (x, y + 1.0)].into()
    };
    let squares = (0..k)
        .flat_map(|i| (0..k).map(move |j| (i, j)))
        .map(|(i, j)| square(i, j));
    if parts {
        MultiPolygon(squares.map(|s| Polygon::new(s, vec![])).collect())
    } else {
        let side = 2.0 * k as f64 + 1.0;
        let shell: LineString<f64> =
            vec![(0.0, 0.0), (side, 0.0), (side, side), (0.0, side)].into();
        Polygon::new(shell, squares.collect()).into()
    }
}

#[test]
fn ten_thousand_holes_or_parts_are_checked_in_one_pass() {
    // geo relates every pair: 50 million relate operations for either
    for parts in [false, true] {
        let mut mp = grid_of_squares(100, parts);
        assert_eq!(check(&mp), Check::Valid);
        // one square moved onto its neighbour (in x, and half a side in y)
        let moved = |r: &mut LineString<f64>| {
            r.0.iter_mut()
                .for_each(|c| *c = coord! { x: c.x + 1.5, y: c.y + 0.5 })
        };
        if parts {
            mp.0[5050].exterior_mut(moved);
        } else {
            mp.0[0].interiors_mut(|hs| moved(&mut hs[5050]));
        }
        let Check::Invalid(problem) = check(&mp) else {
            panic!("overlap not found")
        };
        let text = problem.to_string();
        let expected = if parts {
            "polygons at indices 5050 and 5150 overlap"
        } else {
            "interior ring at index 5050 and interior ring at index 5150 intersect on an area"
        };
        assert!(text.contains(expected), "{text}");
    }
}

#[test]
fn a_ring_of_a_million_positions_is_checked_in_one_pass() {
    // a wavy circle: valid; then one position pulled across the ring
    let n = 1_000_000;
    let mut ring: Vec<Coord<f64>> = (0..n)
        .map(|k| {
            let a = 2.0 * std::f64::consts::PI * k as f64 / n as f64;
            let r = 500.0 * (1.0 + 0.1 * (7.0 * a).sin());
            coord! { x: 656_000.0 + r * a.cos(), y: 4_791_000.0 + r * a.sin() }
        })
        .collect();
    let mp: MultiPolygon<f64> = Polygon::new(ring.clone().into(), vec![]).into();
    assert_eq!(check(&mp), Check::Valid);
    ring[n / 3] = coord! { x: 656_000.0, y: 4_791_000.0 - 600.0 };
    let mp: MultiPolygon<f64> = Polygon::new(ring.into(), vec![]).into();
    assert_eq!(
        check(&mp).clone(),
        Check::Invalid(
            geo::algorithm::validation::InvalidMultiPolygon::InvalidPolygon(
                geo::algorithm::validation::GeometryIndex(0),
                geo::algorithm::validation::InvalidPolygon::SelfIntersection(
                    geo::algorithm::validation::RingRole::Exterior
                )
            )
        )
    );
}

#[test]
fn named_cases_match_geo() {
    use geo::wkt;
    let cases: Vec<(&str, MultiPolygon<f64>)> = vec![
        ("hole touching the shell at a vertex", wkt!(POLYGON((0. 0., 4. 0., 4. 4., 0. 4., 0. 0.),(0. 2., 2. 1., 3. 2., 2. 3., 0. 2.))).into()),
        ("hole touching the shell along a line", wkt!(POLYGON((0. 0., 4. 0., 4. 4., 0. 4., 0. 0.),(0. 2., 0. 1., 2. 1., 3. 2., 2. 3., 0. 2.))).into()),
        ("holes touching at a point", wkt!(POLYGON((0. 0., 4. 0., 4. 4., 0. 4., 0. 0.),(1. 2., 2. 1., 3. 2., 2. 3., 1. 2.),(3. 2., 3.5 1., 3.75 2., 3.5 3., 3. 2.))).into()),
        ("nested holes", wkt!(POLYGON((0. 0., 10. 0., 10. 10., 0. 10., 0. 0.),(1. 1., 1. 9., 9. 9., 9. 1., 1. 1.),(2. 2., 2. 8., 8. 8., 8. 2., 2. 2.))).into()),
        ("hole outside", wkt!(POLYGON((0. 0., 4. 0., 4. 4., 0. 4., 0. 0.),(5. 5., 6. 5., 6. 6., 5. 5.))).into()),
        ("spike", wkt!(POLYGON((0. 0., 4. 0., 4. 4., 2. 4., 2. 6., 2. 4., 0. 4., 0. 0.))).into()),
        ("ring through its own vertex", wkt!(POLYGON((0. 0., 4. 0., 2. 2., 4. 4., 0. 4., 2. 2., 0. 0.))).into()),
        ("vertex on its own edge", wkt!(POLYGON((0. 0., 4. 0., 4. 4., 2. 0., 0. 4., 0. 0.))).into()),
        ("parts touching at a corner", wkt!(MULTIPOLYGON(((0. 0., 1. 0., 1. 1., 0. 1., 0. 0.)),((1. 1., 2. 1., 2. 2., 1. 2., 1. 1.))))),
        ("parts sharing an edge", wkt!(MULTIPOLYGON(((0. 0., 1. 0., 1. 1., 0. 1., 0. 0.)),((1. 0., 2. 0., 2. 1., 1. 1., 1. 0.))))),
        ("part inside another", wkt!(MULTIPOLYGON(((0. 0., 10. 0., 10. 10., 0. 10., 0. 0.)),((2. 2., 3. 2., 3. 3., 2. 2.))))),
        ("island in a hole", wkt!(MULTIPOLYGON(((0. 0., 10. 0., 10. 10., 0. 10., 0. 0.),(1. 1., 9. 1., 9. 9., 1. 9., 1. 1.)),((2. 2., 3. 2., 3. 3., 2. 2.))))),
        ("island touching its hole", wkt!(MULTIPOLYGON(((0. 0., 10. 0., 10. 10., 0. 10., 0. 0.),(1. 1., 9. 1., 9. 9., 1. 9., 1. 1.)),((1. 1., 3. 2., 3. 3., 1. 1.))))),
        ("parts crossing at a shared vertex", wkt!(MULTIPOLYGON(((0. 0., 2. 0., 2. 2., 0. 0.)),((2. 0., 4. 4., 0. 2., 2. 0.))))),
    ];
    for (name, mp) in cases {
        let geo_valid = mp.is_valid();
        let sweep = check(&mp);
        assert_eq!(
            sweep == Check::Valid,
            geo_valid,
            "{name}: sweep {sweep:?}, geo {:?}",
            mp.validation_errors()
        );
        if let (Check::Invalid(first), [geo_first, ..]) = (&sweep, &mp.validation_errors()[..]) {
            println!("{name}: sweep «{first}», geo «{geo_first}»");
        }
    }
}
