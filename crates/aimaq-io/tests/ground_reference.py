"""Ground truth for the differential test of issue 23 (`ground_reference.rs`), computed with
geographiclib (pyproj's `Geod`) on the WGS84 ellipsoid, independent of aimaq.

  generate CASE.json   places features and parcels over the agglomeration's extent
                       (75.5–79.5°E, 42.8–44.2°N), each parcel a known geodesic distance
                       from its feature, mostly within ±5 cm of a limit, on both sides;
  verify CASE.json RESULTS.json
                       recomputes every encumbered area aimaq reported, in a transverse
                       Mercator centred on the parcel (scale error < 1e-7 within its 3 km),
                       with shapely (GEOS), the feature densified along its geodesics.

Construction (why each expected distance is exact): a feature's edge through a point C is
the geodesic through C at azimuth `az`; a parcel is a kite whose tip P lies `d` metres
from C along the geodesic perpendicular to the edge at C. The perpendicular geodesic is
the shortest way from P to the edge, and the kite's sides leave P at 45° away from the
edge, so P is the parcel's nearest point and `d` its distance. The feature's other
segments turn away from the parcel, and every case has its own 10 km cell.
"""
import json
import random
import sys

from pyproj import Geod, Transformer
from shapely.geometry import LineString, Polygon
from shapely.ops import transform

GEOD = Geod(ellps="WGS84")
WEST, SOUTH, EAST, NORTH = 75.5, 42.8, 79.5, 44.2
CELL_M = 10_000.0
EDGE_M = 3_000.0  # the edge through C
ARM_M = 1_000.0  # the segments before and after it


def fwd(p, az, d):
    """The point `d` m from p at azimuth az, and the azimuth of travel there."""
    lon, lat, baz = GEOD.fwd(p[0], p[1], az, d)
    return (lon, lat), (baz + 180.0) % 360.0


# the kinds of case: layer, attributes, the limits the catalog gives them (checked by the
# Rust side against the resolved zones), whether the feature is a polygon
KINDS = [
    # fixed width: a 500 kV line's 30 m protection zone
    ("power_lines", {"voltage_kv": 500}, [30.0], False, None),
    # fixed widths from attributes: a river's 500 m zone and 100 m belt
    ("water_bodies", {"kind": "river", "zone_m": 500, "belt_m": 100}, [500.0, 100.0], False, None),
    # a range: a water body whose class is unknown, 500 m for sure, up to 1,000 m
    ("water_bodies", {"kind": "river"}, [500.0, 1000.0], False, None),
    # settlement-dependent: 20 / 50 m from the edge of a 30 m right-of-way
    ("railways", {"right_of_way_m": 30}, [35.0], False, True),
    ("railways", {"right_of_way_m": 30}, [65.0], False, False),
    # a polygon's zone, measured outward
    ("water_bodies", {"kind": "lake", "zone_m": 500, "belt_m": 100}, [500.0, 100.0], True, None),
    # overlap
    ("protected_areas", {"category": "state nature reserve"}, [0.0], True, None),
]


def generate(path):
    rng = random.Random(23)
    cells = []
    # cells over the extent, about CELL_M apart
    lat = SOUTH + 0.05
    while lat < NORTH - 0.04:
        lon = WEST + 0.07
        while lon < EAST - 0.06:
            cells.append((lon, lat))
            (lon, _), _ = fwd((lon, lat), 90.0, CELL_M)
        (_, lat), _ = fwd((WEST, lat), 0.0, CELL_M)
    rng.shuffle(cells)
    features, parcels = [], []
    n = 0
    for cell in cells:
        kind = KINDS[n % len(KINDS)]
        layer, attrs, limits, polygon, in_settlement = kind
        n += 1
        fid = f"f{n:04d}"
        c = (cell[0] + rng.uniform(-0.01, 0.01), cell[1] + rng.uniform(-0.01, 0.01))
        az = rng.uniform(0.0, 360.0)
        side = rng.choice([1.0, -1.0])  # the parcel's side of the edge
        t = rng.uniform(0.3, 0.7)
        a, az_a = fwd(c, az + 180.0, t * EDGE_M)  # travelling away from C at A
        b, az_b = fwd(c, az, (1.0 - t) * EDGE_M)
        # the segments before and after turn away from the parcel
        bend = lambda: rng.uniform(5.0, 30.0) * side
        limit = rng.choice(limits)
        if polygon:
            # inward: away from the parcel's side (az + side·90 at C)
            inner_a, _ = fwd(a, (az_a + 180.0 - side * 90.0) % 360.0, 2_000.0)
            inner_b, _ = fwd(b, (az_b - side * 90.0) % 360.0, 2_000.0)
            ring = [a, b, inner_b, inner_a, a]
            geometry = {"type": "Polygon", "coordinates": [ring]}
        else:
            before, _ = fwd(a, az_a + bend(), ARM_M)
            after, _ = fwd(b, az_b - bend(), ARM_M)
            geometry = {"type": "LineString", "coordinates": [before, a, b, after]}
        features.append({"layer": layer, "id": fid, "attributes": dict(attrs, id=fid), "geometry": geometry})

        # distances: most within ±5 cm of the limit, on both sides (never within 2 mm of
        # it: the test's own tolerance is 1 mm); some well inside, for areas
        r = rng.random()
        if r < 0.8:
            delta = rng.uniform(0.002, 0.05) * rng.choice([1.0, -1.0])
        else:
            delta = -rng.uniform(5.0, 25.0)
        d = limit + delta
        if limit == 0.0 and delta < -1.0:
            delta = -rng.uniform(0.002, 0.05)  # overlaps stay thin: the tip just inside
            d = delta
        # P: d from C, perpendicular; negative d goes into the polygon
        perp = az + side * 90.0
        p, az_p = fwd(c, perp, d) if d >= 0 else fwd(c, perp + 180.0, -d)
        out = az_p if d >= 0 else (az_p + 180.0) % 360.0  # pointing away from the edge
        q1, _ = fwd(p, out + 45.0, 30.0)
        tip_far, _ = fwd(p, out, 45.0)
        q2, _ = fwd(p, out - 45.0, 30.0)
        ring = [p, q1, tip_far, q2, p]
        area, _ = GEOD.polygon_area_perimeter([x for x, _ in ring[:-1]], [y for _, y in ring[:-1]])
        parcel = {
            "id": f"G-{n:04d}",
            "feature": fid,
            "layer": layer,
            "target_limit_m": limit,
            "distance_m": d,  # signed: negative inside the feature's polygon
            "inside_settlement": in_settlement,
            "area_m2": abs(area),
            "ring": ring,
        }
        parcels.append(parcel)
        if in_settlement:
            corners = [fwd(p, 45.0 + 90.0 * k, 700.0)[0] for k in range(4)]
            features.append({
                "layer": "settlements",
                "id": f"s{n:04d}",
                "attributes": {"id": f"s{n:04d}", "name": f"settlement {n}"},
                "geometry": {"type": "Polygon", "coordinates": [corners + [corners[0]]]},
            })
    with open(path, "w") as f:
        json.dump({"features": features, "parcels": parcels}, f)
    print(f"{len(parcels)} parcels, {len(features)} features written to {path}")


def densified(coords, step=50.0):
    """A geodesic polyline's points, at most `step` m apart."""
    out = [tuple(coords[0])]
    for (x0, y0), (x1, y1) in zip(coords, coords[1:]):
        _, _, dist = GEOD.inv(x0, y0, x1, y1)
        k = int(dist // step)
        out += [tuple(p) for p in GEOD.npts(x0, y0, x1, y1, k)] if k > 0 else []
        out.append((x1, y1))
    return out


def verify(case_path, results_path):
    case = json.load(open(case_path))
    results = json.load(open(results_path))
    features = {f["id"]: f for f in case["features"]}
    parcels = {p["id"]: p for p in case["parcels"]}
    worst_rel, worst_abs, failures, n = 0.0, 0.0, [], 0
    for r in results["findings"]:
        parcel = parcels[r["parcel"]]
        feature = features[r["feature"]]
        lon0, lat0 = parcel["ring"][0]
        local = Transformer.from_crs(
            "EPSG:4326",
            f"+proj=tmerc +lat_0={lat0} +lon_0={lon0} +k=1 +x_0=0 +y_0=0 +ellps=WGS84 +units=m",
            always_xy=True,
        )
        to_local = lambda g: transform(local.transform, g)
        lot = to_local(Polygon(parcel["ring"]))
        g = feature["geometry"]
        if g["type"] == "Polygon":
            shape = to_local(Polygon(densified(g["coordinates"][0])))
            zone = shape.union(shape.buffer(r["limit_m"], quad_segs=512)) if r["limit_m"] > 0 else shape
        else:
            zone = to_local(LineString(densified(g["coordinates"]))).buffer(r["limit_m"], quad_segs=512)
        expected = lot.intersection(zone).area
        got = r["encumbered_m2"]
        n += 1
        err = abs(got - expected)
        # 0.01 % of the area, and for the thin slivers of parcels within 5 cm of the
        # limit (a tip of a few square centimetres), 0.01 % of the parcel
        allowed = max(1e-4 * expected, 1e-4 * lot.area)
        if expected > 1.0:
            worst_rel = max(worst_rel, err / expected)
        worst_abs = max(worst_abs, err)
        if err > allowed:
            failures.append(f"{r['parcel']} {r['rule']}: encumbered {got} m², GEOS on the ground {expected} m²")
    print(f"{n} encumbered areas compared: worst relative error {worst_rel:.2e} (areas over 1 m²), "
          f"worst absolute {worst_abs:.2e} m²")
    for f in failures[:30]:
        print("MISMATCH", f)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    if sys.argv[1] == "generate":
        generate(sys.argv[2])
    else:
        verify(sys.argv[2], sys.argv[3])
