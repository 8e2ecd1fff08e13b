"""GEOS reference for aimaq's differential test (tests/differential.rs).

Usage: geos_reference.py CASE.json

CASE holds the synthetic features (with each rule's resolved limit and severity), the
parcels and aimaq's findings, all in metres. This script recomputes every finding with
shapely 2 alone, compares, prints a summary and a table of mismatches, and exits 1 on
any mismatch (2 on a missing shapely or a bad case file).
"""

import json
import math
import sys

try:
    import shapely
    from shapely.geometry import shape
except ImportError:
    print("geos_reference.py needs shapely 2: pip install shapely", file=sys.stderr)
    sys.exit(2)
if int(shapely.__version__.split(".")[0]) < 2:
    print(f"geos_reference.py needs shapely 2, found {shapely.__version__}: pip install -U shapely", file=sys.stderr)
    sys.exit(2)

SLIVER_M2 = 1e-6  # below this an intersection is not an area
QUAD_SEGS = 256  # buffer arcs: 1,024 segments per circle
LIMIT_TOL = 1e-9
DISTANCE_TOL = 0.01  # m
AREA_REL_TOL = 0.005
AREA_ABS_FLOOR = 0.01  # m², for slivers below SMALL_M2
SMALL_M2 = 2.0
MAX_ROWS = 30


def polygonal(g):
    """The polygon parts of g with an area, as one geometry, or None."""
    parts = [p for p in shapely.get_parts(g) if p.geom_type == "Polygon" and p.area > SLIVER_M2]
    if not parts:
        return None
    return shapely.MultiPolygon(parts)


class Reference:
    def __init__(self, case):
        self.features = [(f, shape(f["geometry"])) for f in case["features"]]
        for _, g in self.features:
            shapely.prepare(g)
        self.settlements = shapely.union_all(
            [g for f, g in self.features if f["layer"] == case["settlement_layer"]]
        )
        self.zones = {}

    def zone(self, fi, m):
        """The feature's zone of m metres: its buffer, with its polygon if it has one."""
        key = (fi, m)
        if key not in self.zones:
            _, g = self.features[fi]
            z = g.buffer(m, quad_segs=QUAD_SEGS)
            if g.geom_type in ("Polygon", "MultiPolygon"):
                z = z.union(g)
            shapely.prepare(z)
            self.zones[key] = z
        return self.zones[key]

    def encumbered(self, part, fi, m):
        return part.intersection(self.zone(fi, m)).area if part is not None else 0.0

    def findings(self, pid, parcel):
        """{(parcel, rule, feature): finding} for one parcel."""
        out = {}
        split = None
        for fi, (f, g) in enumerate(self.features):
            if not f["rules"]:
                continue
            d = parcel.distance(g)
            for r in f["rules"]:
                lim, sev = r["limit"], r["severity"]
                hit = None  # (severity, limit, encumbered)
                if lim["kind"] == "fixed":
                    if d < lim["m"]:
                        hit = (sev, lim["m"], self.encumbered(parcel, fi, lim["m"]))
                elif lim["kind"] == "range":
                    if d < lim["min"]:
                        hit = (sev, lim["min"], self.encumbered(parcel, fi, lim["min"]))
                    elif d < lim["max"]:
                        hit = ("review", lim["max"], self.encumbered(parcel, fi, lim["max"]))
                elif lim["kind"] == "by_settlement":
                    if split is None:
                        split = (
                            polygonal(parcel.intersection(self.settlements)),
                            polygonal(parcel.difference(self.settlements)),
                        )
                    inside, outside = split
                    d_in = inside.distance(g) if inside is not None else math.inf
                    d_out = outside.distance(g) if outside is not None else math.inf
                    in_hit, out_hit = d_in < lim["inside"], d_out < lim["outside"]
                    if in_hit or out_hit:
                        area = 0.0
                        if in_hit:
                            area += self.encumbered(inside, fi, lim["inside"])
                        if out_hit:
                            area += self.encumbered(outside, fi, lim["outside"])
                        # the violating part nearest the feature; a tie goes to inside
                        by_outside = out_hit and (not in_hit or d_out < d_in)
                        hit = (sev, lim["outside"] if by_outside else lim["inside"], area)
                elif lim["kind"] == "overlap":
                    area = parcel.intersection(g).area
                    if area > SLIVER_M2:
                        hit = (sev, 0.0, area)
                else:
                    raise ValueError(f"unknown limit kind {lim['kind']!r}")
                if hit:
                    out[(pid, r["rule"], f["id"])] = {
                        "severity": hit[0],
                        "distance_m": d,
                        "limit_m": hit[1],
                        "encumbered_m2": hit[2],
                    }
        return out


def main(path):
    with open(path) as fh:
        case = json.load(fh)
    ref = Reference(case)
    expected = {}
    for p in case["parcels"]:
        expected.update(ref.findings(p["id"], shape(p["geometry"])))

    got, mismatches = {}, []
    for f in case["findings"]:
        key = (f["parcel"], f["rule"], f["feature"])
        if key in got:
            mismatches.append((key, "duplicate finding", f["severity"], ""))
        got[key] = f

    worst_rel = (0.0, None)
    worst_abs_small = (0.0, None)
    worst_dist = (0.0, None)
    for key in sorted(set(expected) | set(got)):
        a, e = got.get(key), expected.get(key)
        if e is None:
            mismatches.append((key, "only aimaq", f"{a['severity']} d={a['distance_m']:.3f} lim={a['limit_m']:g}", "none"))
            continue
        if a is None:
            mismatches.append((key, "only GEOS", "none", f"{e['severity']} d={e['distance_m']:.3f} lim={e['limit_m']:g}"))
            continue
        if a["severity"] != e["severity"]:
            mismatches.append((key, "severity", a["severity"], e["severity"]))
        if abs(a["limit_m"] - e["limit_m"]) > LIMIT_TOL:
            mismatches.append((key, "limit_m", f"{a['limit_m']:g}", f"{e['limit_m']:g}"))
        dd = abs(a["distance_m"] - e["distance_m"])
        if dd > worst_dist[0]:
            worst_dist = (dd, key)
        if dd > DISTANCE_TOL:
            mismatches.append((key, "distance_m", f"{a['distance_m']:.4f}", f"{e['distance_m']:.4f}"))
        ea, ee = a["encumbered_m2"], e["encumbered_m2"]
        diff = abs(ea - ee)
        tol = AREA_REL_TOL * ee
        if ee < SMALL_M2:
            tol = max(tol, AREA_ABS_FLOOR)
            if diff > worst_abs_small[0]:
                worst_abs_small = (diff, key)
        elif diff / ee > worst_rel[0]:
            worst_rel = (diff / ee, key)
        if diff > tol:
            rel = f" ({100 * diff / ee:.3f} %)" if ee > 0 else ""
            mismatches.append((key, "encumbered_m2", f"{ea:.4f}", f"{ee:.4f}{rel}"))

    print(
        f"differential: {len(case['parcels'])} parcels, "
        f"{len(set(expected) | set(got))} findings compared, {len(mismatches)} mismatches"
    )
    print(f"  aimaq findings {len(got)}, GEOS findings {len(expected)}")
    print(f"  worst distance difference {worst_dist[0]:.3g} m {worst_dist[1] or ''}")
    print(f"  worst relative area difference {100 * worst_rel[0]:.4f} % {worst_rel[1] or ''}")
    print(f"  worst absolute area difference below {SMALL_M2:g} m²: {worst_abs_small[0]:.3g} m² {worst_abs_small[1] or ''}")
    if mismatches:
        print(f"\n{'parcel':<12} {'rule':<28} {'feature':<14} {'what':<14} {'aimaq':<32} GEOS")
        for (pid, rule, feat), what, a, e in mismatches[:MAX_ROWS]:
            print(f"{pid:<12} {rule:<28} {feat:<14} {what:<14} {a:<32} {e}")
        if len(mismatches) > MAX_ROWS:
            print(f"... and {len(mismatches) - MAX_ROWS} more")
        return 1
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    try:
        sys.exit(main(sys.argv[1]))
    except (OSError, KeyError, ValueError) as exc:
        print(f"geos_reference.py: bad case file {sys.argv[1]}: {exc!r}", file=sys.stderr)
        sys.exit(2)
