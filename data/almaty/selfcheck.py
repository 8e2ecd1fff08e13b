#!/usr/bin/env python3
"""Self-check of the generated layers (not needed to generate them).

Needs shapely >= 2 and pyproj. Checks GeoJSON hygiene (closed CCW rings, 6
decimals, unique string ids), geometric validity, and the intended
relations between objects; prints vertex counts and spacing. Exit code 1 on
any failure.

    python3 data/almaty/selfcheck.py
"""

import json
import os
import statistics
import sys

import numpy as np
import pyproj
import shapely
from shapely.geometry import Point, shape

HERE = os.path.dirname(os.path.abspath(__file__))
LAYERS = ["settlements", "railways", "power_lines", "water_bodies", "water_conduits",
          "gas_pipelines", "road_corridors", "protected_areas", "functional_zones", "hazards",
          "heritage", "sanitary_zones"]
_FWD = pyproj.Transformer.from_crs("EPSG:4326", "EPSG:32643", always_xy=True)


def to_utm(g):
    return shapely.transform(g, lambda c: np.column_stack(_FWD.transform(c[:, 0], c[:, 1])))


FAILS = []


def check(ok, msg):
    if not ok:
        FAILS.append(msg)
        print("FAIL", msg)


def rings(geom):
    t, c = geom["type"], geom["coordinates"]
    if t == "Polygon":
        return [c]
    if t == "MultiPolygon":
        return c
    return []


def coords(geom):
    t, c = geom["type"], geom["coordinates"]
    if t == "Point":
        return [c]
    if t == "LineString":
        return c
    if t in ("MultiLineString", "Polygon"):
        return [p for part in c for p in part]
    return [p for poly in c for ring in poly for p in ring]


def area2(ring):
    return sum(a[0] * b[1] - b[0] * a[1] for a, b in zip(ring, ring[1:]))


def load():
    data = {}
    for name in LAYERS:
        with open(os.path.join(HERE, name + ".geojson"), encoding="utf-8") as fh:
            fc = json.load(fh)
        check(fc.get("type") == "FeatureCollection", name + ": not a FeatureCollection")
        feats = {}
        for f in fc["features"]:
            p, g = f["properties"], f["geometry"]
            check(isinstance(p.get("id"), str) and isinstance(p.get("name"), str), f"{name}: id/name")
            check(p["id"] not in feats, f"{name}: duplicate id {p['id']}")
            for lon, lat in coords(g):
                check(round(lon, 6) == lon and round(lat, 6) == lat, f"{p['id']}: >6 decimals")
                check(75.5 < lon < 78.6 and 42.8 < lat < 44.2, f"{p['id']}: outside the area")
            for poly in rings(g):
                for k, ring in enumerate(poly):
                    check(ring[0] == ring[-1] and len(ring) >= 4, f"{p['id']}: ring not closed")
                    check((area2(ring) > 0) == (k == 0), f"{p['id']}: ring {k} orientation")
            geo = shape(g)
            check(geo.is_valid, f"{p['id']}: invalid geometry")
            if g["type"] == "LineString":
                check(geo.is_simple, f"{p['id']}: self-intersecting line")
            if g["type"] == "MultiLineString":
                for part in geo.geoms:
                    check(part.is_simple, f"{p['id']}: self-intersecting part")
            feats[p["id"]] = (p, geo, to_utm(geo))
        data[name] = feats
    return data


def spacing(utm):
    parts = getattr(utm, "geoms", [utm])
    d = []
    for part in parts:
        line = part.exterior if part.geom_type == "Polygon" else part
        c = list(line.coords)
        d += [((a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2) ** 0.5 for a, b in zip(c, c[1:])]
    return d


def by_name(layer, name):
    return next(v for v in layer.values() if v[0]["name"] == name)


def main():
    data = load()
    print("\n%-16s %-8s %8s  %s" % ("layer", "features", "vertices", "spacing m (min/median/max) per feature"))
    for name, feats in data.items():
        nv = sum(len(coords(shape(v[1]).__geo_interface__)) for v in feats.values())
        sp = []
        for fid, (p, geo, utm) in feats.items():
            d = spacing(utm)
            sp.append("%s:%d/%d/%d" % (fid, min(d), statistics.median(d), max(d)))
        print("%-16s %-8d %8d  %s" % (name, len(feats), nv, " ".join(sp)))

    print()
    st = data["settlements"]
    for fid, (p, geo, utm) in st.items():
        x0, y0, x1, y1 = utm.bounds
        print("settlement %-13s %5.1f x %4.1f km, %2d vertices" % (p["name"], (x1 - x0) / 1e3, (y1 - y0) / 1e3,
                                                                  len(geo.exterior.coords) - 1))
    towns = [v[2] for v in st.values()]
    for i in range(len(towns)):
        for j in range(i + 1, len(towns)):
            check(not towns[i].intersects(towns[j]), "settlements overlap")

    # Railways through settlements and open country.
    all_towns = towns[0]
    for t in towns[1:]:
        all_towns = all_towns.union(t)
    for fid, (p, geo, utm) in data["railways"].items():
        inside = utm.intersection(all_towns).length
        print("railway %s %-40s %6.1f km, %5.1f km inside settlements" % (fid, p["name"], utm.length / 1e3,
                                                                          inside / 1e3))
    main_rail = data["railways"]["rail-001"][2]
    for town in ("Almaty", "Otegen Batyr", "Zhetygen"):
        check(main_rail.intersects(by_name(st, town)[2]), "rail-001 misses " + town)

    wb = data["water_bodies"]
    kap = by_name(wb, "Kapshagay reservoir")[2]
    x0, y0, x1, y1 = kap.bounds
    print("Kapshagay reservoir: %.0f km2, %.0f x %.0f km bbox, %d vertices" % (
        kap.area / 1e6, (x1 - x0) / 1e3, (y1 - y0) / 1e3, len(kap.exterior.coords) - 1))
    for fid, (p, geo, utm) in st.items():
        check(utm.distance(kap) > 300, p["name"] + " touches the reservoir")
    print("Kapshagay town to reservoir: %.0f m" % by_name(st, "Kapshagay")[2].distance(kap))
    for fid, (p, geo, utm) in wb.items():
        if p["kind"] == "river":
            inner = utm.intersection(kap).length
            print("river %-13s %6.1f km, %4d vertices, %.1f m inside the reservoir, end-to-shore %.1f m" % (
                p["name"], utm.length / 1e3, len(geo.coords), inner,
                kap.exterior.distance(Point(utm.coords[-1]))))
            check(inner < 1.0, p["name"] + " runs into the reservoir")
            check(300 <= len(geo.coords) <= 1500, p["name"] + " vertex count")
    for name in ("Akbulak Club Resort pond", "Lake Sorbulak", "Үлкен Алматы"):
        x0, y0, x1, y1 = by_name(wb, name)[2].bounds
        print("%s: %.2f x %.2f km" % (name, (x1 - x0) / 1e3, (y1 - y0) / 1e3))
    # The lake named like the river lies below the river's source, apart from it.
    lake, river = by_name(wb, "Үлкен Алматы")[2], by_name(wb, "Ulken Almaty")[2]
    print("Үлкен Алматы lake to the Ulken Almaty river: %.0f m" % lake.distance(river))
    check(300 < lake.distance(river) < 2000, "the Үлкен Алматы lake is not just below the river's source")

    # The Talgar town water main runs from open land into Talgar (L284: no belt inside).
    main_ = data["water_conduits"]["wc-004"][2]
    town = by_name(st, "Talgar")[2]
    inside = main_.intersection(town).length
    print("Talgar town water main: %.1f km, %.1f km inside Talgar" % (main_.length / 1e3, inside / 1e3))
    check(1000 < inside < main_.length - 1000, "wc-004 does not run from open land into Talgar")

    # Local Almaty - Khorgos road parallel to the railway.
    road = by_name(data["road_corridors"], "Almaty – Khorgos (local road along the Zhetygen – Khorgos railway)")[2]
    d = [main_rail.distance(Point(c)) for c in road.coords]
    print("Khorgos local road to rail-001: %.0f-%.0f m" % (min(d), max(d)))
    check(290 <= min(d) and max(d) <= 610, "Khorgos road offset")

    # Protected areas touch but do not overlap.
    pa = list(data["protected_areas"].values())
    for i in range(len(pa)):
        for j in range(i + 1, len(pa)):
            a, b = pa[i][2], pa[j][2]
            print("%s / %s: overlap %.3f m2, touching %s" % (pa[i][0]["id"], pa[j][0]["id"],
                                                            a.intersection(b).area, a.touches(b)))
            check(a.intersection(b).area < 1.0, "protected areas overlap")
    print("national park area %.0f km2" % (pa[0][2].area / 1e6))

    # Functional zones tile the area: no overlaps beyond edge rounding; each settlement
    # is a zone of its own and a hole of the zone around it.
    fz = list(data["functional_zones"].values())
    union = shapely.union_all([v[2] for v in fz])
    total = sum(v[2].area for v in fz)
    print("functional zones: %d features, union %.2f thousand ha, sum %.2f" % (len(fz), union.area / 1e7, total / 1e7))
    check(total - union.area < 1e5, "functional zones overlap by more than 10 ha")
    groups = {}
    for p, geo, utm in fz:
        check(str(p["subzone"]).startswith("%d." % p["group"]), p["id"] + ": sub-zone outside its group")
        groups[p["group"]] = groups.get(p["group"], 0.0) + utm.area
    print("by group (thousand ha): " + ", ".join("%d: %.1f" % (g, a / 1e7) for g, a in sorted(groups.items())))
    for fid, (p, geo, utm) in st.items():
        zone = next(v for v in fz if v[0]["name"] == p["name"] + " (settlement)")
        check(zone[2].symmetric_difference(utm).area < 1.0, p["name"] + ": settlement zone differs from the settlement")
        around = [v for v in fz if v[0]["subzone"] != "1.settlement" and v[2].intersection(utm).area > 1.0]
        check(not around, p["name"] + ": another zone overlaps the settlement")
    south = next(v for v in fz if v[0].get("direction") == "south")
    almaty = by_name(st, "Almaty")[2]
    check(south[2].bounds[3] < almaty.bounds[1] + 1000, "the southern direction is not south of Almaty")

    # Hazards: the seismic bands touch without overlap; 9 points over the foothills
    # south of Almaty.
    hz = data["hazards"]
    s9, s8 = hz["hz-001"][2], hz["hz-002"][2]
    check(s9.intersection(s8).area < 1e4, "seismic bands overlap")
    check(s9.intersects(south[2]), "seismic 9 misses the foothills south of Almaty")
    print("seismic 9: %.0f km2, seismic 8: %.0f km2" % (s9.area / 1e6, s8.area / 1e6))

    # Heritage: the Talgar ancient settlement's zone lies at the town's edge.
    talgar = by_name(st, "Talgar")[2]
    zone = data["heritage"]["hr-001"][2]
    print("Talgar ancient settlement zone: %.2f km2, %.0f m from Talgar town" % (zone.area / 1e6, zone.distance(talgar)))
    check(zone.distance(talgar) < 2000, "Talgar ancient settlement far from Talgar")
    for fid, (p, geo, utm) in data["sanitary_zones"].items():
        check(p["spz_m"] > 0, fid + ": spz_m")
    print("\nOK" if not FAILS else "\n%d FAILURES" % len(FAILS))
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())
