#!/usr/bin/env python3
"""Synthetic OpenStreetMap extract for the dataset-build benchmark (issue 17).

    python3 benches/dataset/make_extract.py [OUT_DIR] [--nodes 5000000] [--seed 17]
                                            [--keep-xml] [--no-pbf]

Writes OUT_DIR/synthetic-<nodes>.osm.pbf (default OUT_DIR: /tmp; never inside the
repository) and prints a JSON summary (counts, seconds, sizes). The XML is streamed: nodes,
ways and relations go to three temporary files as they are made and are concatenated in
OSM order (nodes, ways, relations, each by ascending id), so memory stays flat whatever
--nodes is; Debian's osmium-tool then converts it to PBF and the XML is deleted unless
--keep-xml.

The content imitates a real extract of the Almaty agglomeration (lon 75.5-79.5,
lat 42.8-44.2): mostly objects the rules do not need (buildings, streets and tracks,
farmland and other landuse, shops and other points, untagged vertices), and among them
what the builder must find: long power lines (tower nodes, voltages in volts, some
multi-valued, some missing), river networks (main rivers in several ways, with streams
joining at shared nodes, some rivers as type=waterway relations), lakes as multipolygon
relations (outer ring in 2-3 ways, some with an island), reservoirs and ponds as closed
ways, electrified railways, gas/water/oil pipelines with and without diameter, protected
areas (multipolygon relations and closed ways) and settlements (place nodes, and town
outlines as closed ways). Deterministic for a given --nodes and --seed.

Standard library only; shapes are built in a local metric frame.
"""

import argparse
import json
import math
import os
import random
import shutil
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LON_MIN, LON_MAX, LAT_MIN, LAT_MAX = 75.5, 79.5, 42.8, 44.2
MY = 111_050.0  # metres per degree of latitude (about, here)
MX = 111_320.0 * math.cos(math.radians(43.5))

# Share of the node budget per kind of object (a real extract is mostly buildings, roads
# and landuse; what the rules need is a few per cent).
SHARES = [
    ("building", 0.34), ("highway", 0.28), ("landuse", 0.10), ("poi", 0.03),
    ("river", 0.09), ("lake", 0.025), ("water_area", 0.015), ("power", 0.045),
    ("railway", 0.015), ("pipeline", 0.012), ("settlement", 0.013), ("protected", 0.005),
]
REAL_TOWNS = [  # (lon, lat, name_kk, name_ru, place, weight)
    (76.93, 43.25, "Алматы", "Алматы", "city", 40),
    (77.24, 43.30, "Талғар", "Талгар", "town", 4),
    (77.45, 43.36, "Есік", "Есик", "town", 3),
    (76.62, 43.20, "Қаскелең", "Каскелен", "town", 4),
    (77.07, 43.87, "Қонаев", "Конаев", "town", 4),
    (76.31, 43.22, "Ұзынағаш", "Узынагаш", "village", 2),
    (78.25, 43.60, "Шелек", "Чилик", "village", 2),
    (77.06, 43.46, "Өтеген батыр", "Отеген батыр", "village", 3),
    (77.13, 43.52, "Жетіген", "Жетыген", "village", 1),
    (78.63, 43.30, "Кеген", "Кеген", "village", 1),
]
VOLTAGES = ["500000", "220000", "220000", "110000", "110000", "110000", "35000", "35000",
            "220000;110000", "110000;35000", "10000", None]


class Writer:
    """Streams nodes, ways and relations to three files; assigns ids."""

    def __init__(self, path, rng):
        self.path = path
        self.rng = rng
        self.files = {k: open(f"{path}.{k}.part", "w", encoding="utf-8", buffering=1 << 20)
                      for k in ("n", "w", "r")}
        self.n = self.w = self.r = 0
        self.buf = {"n": [], "w": [], "r": []}

    def _meta(self):
        r = self.rng.random()
        version = 1 + int(r * r * 9)
        day = int(self.rng.random() * 3000)
        y, d = 2015 + day // 365, day % 365
        return (f'version="{version}" timestamp="{y}-{1 + d // 31 % 12:02d}-'
                f'{1 + d % 28:02d}T{int(r * 24):02d}:{day % 60:02d}:00Z"')

    def _flush(self, k):
        if len(self.buf[k]) > 4096:
            self.files[k].write("".join(self.buf[k]))
            self.buf[k].clear()

    @staticmethod
    def _tags(tags):
        return "".join(f'  <tag k="{k}" v="{esc(v)}"/>\n' for k, v in tags.items() if v is not None)

    def node(self, x, y, tags=None):
        self.n += 1
        # Not clamped: like a real extract cut with complete ways, a few vertices of objects
        # at the edge lie a little outside the bounds.
        lon, lat = LON_MIN + x / MX, LAT_MIN + y / MY
        head = f' <node id="{self.n}" {self._meta()} lat="{lat:.7f}" lon="{lon:.7f}"'
        self.buf["n"].append(f"{head}>\n{self._tags(tags)} </node>\n" if tags else head + "/>\n")
        self._flush("n")
        return self.n

    def way(self, nodes, tags=None):
        self.w += 1
        nds = "".join(f'  <nd ref="{n}"/>\n' for n in nodes)
        self.buf["w"].append(f' <way id="{self.w}" {self._meta()}>\n{nds}'
                             f'{self._tags(tags or {})} </way>\n')
        self._flush("w")
        return self.w

    def relation(self, members, tags):
        self.r += 1
        mem = "".join(f'  <member type="{t}" ref="{ref}" role="{role}"/>\n'
                      for t, ref, role in members)
        self.buf["r"].append(f' <relation id="{self.r}" {self._meta()}>\n{mem}'
                             f'{self._tags(tags)} </relation>\n')
        self._flush("r")
        return self.r

    def finish(self):
        for k, f in self.files.items():
            f.write("".join(self.buf[k]))
            f.close()
        with open(self.path, "w", encoding="utf-8") as out:
            out.write("<?xml version='1.0' encoding='UTF-8'?>\n"
                      '<osm version="0.6" generator="aimaq benches/dataset/make_extract.py">\n'
                      f' <bounds minlat="{LAT_MIN}" minlon="{LON_MIN}" maxlat="{LAT_MAX}" '
                      f'maxlon="{LON_MAX}"/>\n')
            for k in ("n", "w", "r"):
                with open(f"{self.path}.{k}.part", encoding="utf-8") as part:
                    shutil.copyfileobj(part, out, 1 << 22)
                os.remove(f"{self.path}.{k}.part")
            out.write("</osm>\n")


def esc(v):
    return v.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")


W, H = (LON_MAX - LON_MIN) * MX, (LAT_MAX - LAT_MIN) * MY


def clamp(x, y):
    return min(W, max(0.0, x)), min(H, max(0.0, y))


def ring(rng, cx, cy, rx, ry, n, rough=0.15):
    """A star-shaped ring (counter-clockwise), n distinct vertices: always simple."""
    ph = [rng.random() * 6.283 for _ in range(3)]
    out = []
    for i in range(n):
        t = 6.283185307179586 * i / n
        r = 1.0 + rough * (math.sin(2 * t + ph[0]) + 0.5 * math.sin(5 * t + ph[1])
                           + 0.25 * math.sin(11 * t + ph[2])) / 1.75
        out.append((cx + rx * r * math.cos(t), cy + ry * r * math.sin(t)))
    return out


def walk(rng, x, y, heading, n, step, turn):
    """A wandering line of n vertices."""
    pts = [(x, y)]
    for _ in range(n - 1):
        heading += rng.gauss(0, turn)
        x, y = clamp(x + step * math.cos(heading), y + step * math.sin(heading))
        pts.append((x, y))
    return pts


def chunks(ids, size):
    """Split a vertex list into ways of at most `size` vertices sharing end nodes."""
    out, i = [], 0
    while i < len(ids) - 1:
        out.append(ids[i:i + size])
        i += size - 1
    return out


class Gen:
    def __init__(self, w, rng):
        self.w, self.rng = w, rng
        self.towns = [((lon - LON_MIN) * MX, (lat - LAT_MIN) * MY, kk, ru, place, wt)
                      for lon, lat, kk, ru, place, wt in REAL_TOWNS]
        for i in range(400):  # villages
            self.towns.append((rng.random() * W, rng.random() * H * 0.8, f"Ауыл {i + 1}",
                               f"Аул {i + 1}", "village", 0.3))
        self.town_weights = [t[5] for t in self.towns]
        self.count = {}

    def near_town(self, spread=1.0):
        t = self.rng.choices(self.towns, self.town_weights)[0]
        s = (6000 if t[4] == "city" else 1500) * spread
        return clamp(self.rng.gauss(t[0], s), self.rng.gauss(t[1], s))

    def nodes(self, pts, tags=None):
        return [self.w.node(x, y, tags) for x, y in pts]

    # --- irrelevant objects --------------------------------------------------------------
    def building(self):
        x, y = self.near_town()
        a, b, th = self.rng.uniform(6, 20), self.rng.uniform(6, 14), self.rng.random() * 3.14
        c, s = math.cos(th), math.sin(th)
        pts = [(x + c * u - s * v, y + s * u + c * v) for u, v in ((0, 0), (a, 0), (a, b), (0, b))]
        ids = self.nodes(pts)
        tags = {"building": self.rng.choice(["yes", "yes", "house", "house", "apartments",
                                              "garage", "industrial", "school"])}
        if self.rng.random() < 0.3:
            tags["addr:street"] = f"{self.rng.randint(1, 300)}-көше"
            tags["addr:housenumber"] = str(self.rng.randint(1, 200))
        self.w.way(ids + [ids[0]], tags)

    def highway(self):
        x, y = self.near_town(2.0)
        kind = self.rng.choice(["residential", "residential", "service", "track", "track",
                                "unclassified", "tertiary", "secondary", "footway"])
        pts = walk(self.rng, x, y, self.rng.random() * 6.283, self.rng.randint(4, 40),
                   self.rng.uniform(30, 120), 0.15)
        tags = {"highway": kind}
        if kind in ("residential", "tertiary", "secondary") and self.rng.random() < 0.7:
            tags["name"] = f"{self.rng.randint(1, 500)}-көше"
        if kind == "track":
            tags["tracktype"] = self.rng.choice(["grade1", "grade2", "grade3"])
        self.w.way(self.nodes(pts), tags)

    def landuse(self):
        x, y = self.near_town(4.0)
        r = self.rng.uniform(80, 900)
        ry = r * self.rng.uniform(0.4, 1)
        ids = self.nodes(ring(self.rng, x, y, r, ry, self.rng.randint(6, 30)))
        self.w.way(ids + [ids[0]], {"landuse": self.rng.choice(
            ["farmland", "farmland", "meadow", "orchard", "residential", "industrial",
             "grass", "cemetery"])})

    def poi(self):
        x, y = self.near_town()
        self.w.node(x, y, {self.rng.choice(["amenity", "shop"]): self.rng.choice(
            ["cafe", "school", "pharmacy", "supermarket", "convenience", "bank"]),
            "name": f"Нысан {self.rng.randint(1, 99999)}"})
        for _ in range(3):  # and untagged vertices of nothing in particular (e.g. cut ways)
            self.w.node(*clamp(x + self.rng.gauss(0, 50), y + self.rng.gauss(0, 50)))

    # --- what the rules need ------------------------------------------------------------
    def river(self):
        """A main river from the mountains northwards, split into ways, with tributaries
        joining at shared nodes; every fifth river is also a type=waterway relation."""
        rng = self.rng
        x, y = rng.random() * W, rng.uniform(0, H * 0.25)
        n = rng.randint(150, 1200)
        pts = walk(rng, x, y, math.pi / 2 + rng.gauss(0, 0.2), n, rng.uniform(70, 130), 0.12)
        ids = self.nodes(pts)
        name = f"Өзен {self.w.w + 1}"
        tags = {"waterway": "river", "name": name, "name:kk": name,
                "name:ru": f"Река {self.w.w + 1}"}
        ways = [self.w.way(c, tags) for c in chunks(ids, rng.randint(80, 400))]
        if rng.random() < 0.2:
            self.w.relation([("way", wid, "main_stream") for wid in ways],
                            {"type": "waterway", "waterway": "river", "name": name})
        for _ in range(rng.randint(1, 5)):
            k = rng.randint(len(ids) // 4, len(ids) - 2)
            mx, my = pts[k]
            side = rng.choice((-1, 1))
            m = rng.randint(20, 150)
            trib = walk(rng, mx, my, -math.pi / 2 + side * rng.uniform(0.5, 1.2), m,
                        rng.uniform(60, 100), 0.15)[::-1]  # drawn downstream, to the mouth
            tid = self.nodes(trib[:-1]) + [ids[k]]
            kind = rng.choice(["stream", "stream", "river", "canal", "ditch"])
            t = {"waterway": kind}
            if rng.random() < 0.6:
                t["name"] = f"Бұлақ {self.w.w + 1}"
            for c in chunks(tid, 200):
                self.w.way(c, t)

    def lake(self):
        rng = self.rng
        r = rng.uniform(150, 2500)
        x, y = rng.uniform(r, W - r), rng.uniform(r, H - r)
        n = rng.randint(30, 300)
        pts = ring(rng, x, y, r, r * rng.uniform(0.5, 1), n, 0.12)
        ids = self.nodes(pts)
        cut = sorted(rng.sample(range(1, n - 1), rng.randint(1, 2)))
        bounds = [0] + cut + [n]
        members = []
        for a, b in zip(bounds, bounds[1:]):
            seg = ids[a:b + 1] if b < n else ids[a:] + [ids[0]]
            members.append(("way", self.w.way(seg), "outer"))
        if rng.random() < 0.3:
            isl = self.nodes(ring(rng, x + r * 0.1, y, r * 0.2, r * 0.12, rng.randint(8, 30), 0.1))
            members.append(("way", self.w.way(isl + [isl[0]], {"place": "islet"}), "inner"))
        tags = {"type": "multipolygon", "natural": "water", "water": "lake"}
        if rng.random() < 0.7:
            tags["name"] = f"Көл {self.w.r + 1}"
        self.w.relation(members, tags)

    def water_area(self):
        rng = self.rng
        x, y = self.near_town(5.0)
        r = rng.uniform(30, 1200)
        ids = self.nodes(ring(rng, x, y, r, r * rng.uniform(0.4, 1), rng.randint(8, 60), 0.1))
        kind = rng.choice(["reservoir", "pond", "pond", "pond", None])
        tags = {"natural": "water", "water": kind}
        if kind == "reservoir" or rng.random() < 0.3:
            tags["name"] = f"Су қоймасы {self.w.w + 1}"
        self.w.way(ids + [ids[0]], tags)

    def power(self):
        rng = self.rng
        voltage = rng.choice(VOLTAGES)
        x, y = rng.random() * W, rng.random() * H
        legs = rng.randint(2, 12)
        bends = walk(rng, x, y, rng.random() * 6.283, legs + 1, rng.uniform(3000, 20000), 0.5)
        pts = []
        for (x0, y0), (x1, y1) in zip(bends, bends[1:]):
            k = max(1, int(math.hypot(x1 - x0, y1 - y0) / (rng.uniform(250, 400))))
            pts += [(x0 + (x1 - x0) * i / k, y0 + (y1 - y0) * i / k) for i in range(k)]
        pts.append(bends[-1])
        minor = voltage in ("10000", None)
        ids = self.nodes(pts, {"power": "pole" if minor else "tower"})
        tags = {"power": "minor_line" if voltage is None else
                ("cable" if voltage == "10000" and rng.random() < 0.5 else "line"),
                "voltage": voltage, "operator": rng.choice(["KEGOC", "АЖК", None]),
                "frequency": "50" if voltage else None}
        if not minor:
            kv = max(int(v) for v in voltage.split(";")) // 1000
            tags["cables"] = "6" if ";" in voltage else "3"
            tags["name"] = f"ВЛ {kv} кВ Л-{self.w.w + 1}"
        for c in chunks(ids, rng.randint(40, 300)):
            self.w.way(c, tags)

    def railway(self):
        rng = self.rng
        x, y = rng.random() * W, rng.random() * H
        pts = walk(rng, x, y, rng.random() * 6.283, rng.randint(300, 2000),
                   rng.uniform(60, 120), 0.03)
        tags = {"railway": "rail", "usage": rng.choice(["main", "main", "branch", "industrial"]),
                "gauge": "1520", "electrified": rng.choice(["contact_line", "no"]),
                "name": f"Темір жол {self.w.w + 1}"}
        if tags["electrified"] == "contact_line":
            tags.update({"voltage": "25000", "frequency": "50"})
        for c in chunks(self.nodes(pts), rng.randint(50, 400)):
            self.w.way(c, tags)

    def pipeline(self):
        rng = self.rng
        x, y = rng.random() * W, rng.random() * H
        pts = walk(rng, x, y, rng.random() * 6.283, rng.randint(50, 800),
                   rng.uniform(100, 300), 0.08)
        sub = rng.choice(["gas", "gas", "water", "oil", "sewage"])
        tags = {"man_made": "pipeline", "substance": sub, "location": "underground",
                "diameter": rng.choice(["1420", "1020", "820", "530", "325", "800", None])}
        if rng.random() < 0.5:
            tags["name"] = f"Құбыр {self.w.w + 1}"
        for c in chunks(self.nodes(pts), rng.randint(50, 400)):
            self.w.way(c, tags)

    def settlement(self):
        rng = self.rng
        t = rng.choices(self.towns, self.town_weights)[0]
        if rng.random() < 0.5 or t[4] == "village":
            self.w.node(*clamp(rng.gauss(t[0], 300), rng.gauss(t[1], 300)),
                        {"place": t[4], "name": t[2], "name:kk": t[2], "name:ru": t[3]})
        else:
            r = 8000 if t[4] == "city" else 1500
            ids = self.nodes(ring(rng, t[0], t[1], r, r * 0.8, rng.randint(20, 120), 0.15))
            self.w.way(ids + [ids[0]], {"place": t[4], "name": t[2], "name:kk": t[2],
                                        "name:ru": t[3]})

    def protected(self):
        rng = self.rng
        r = rng.uniform(2000, 15000)
        x, y = rng.uniform(r * 1.2, W - r * 1.2), rng.uniform(r * 0.6, H * 0.3 + r * 0.6)
        ids = self.nodes(ring(rng, x, y, r, r * 0.5, rng.randint(100, 600), 0.2))
        cls = rng.choice(["2", "1a", "4", "5"])
        if rng.random() < 0.5:
            half = len(ids) // 2
            ways = [self.w.way(ids[:half + 1]), self.w.way(ids[half:] + [ids[0]])]
            self.w.relation([("way", wid, "outer") for wid in ways],
                            {"type": "multipolygon", "boundary": "protected_area",
                             "protect_class": cls, "name": f"Қорық {self.w.r + 1}"})
        else:
            self.w.way(ids + [ids[0]], {"leisure": "nature_reserve", "protect_class": cls,
                                        "name": f"Қорық {self.w.w + 1}"})


# Mean nodes per object, measured from the generators above (for the weighted pick).
MEAN_NODES = {"building": 4, "highway": 22, "landuse": 18, "poi": 4, "river": 900,
              "lake": 190, "water_area": 34, "power": 230, "railway": 1150, "pipeline": 425,
              "settlement": 25, "protected": 350}


def generate(path, nodes, seed):
    rng = random.Random(seed)
    w = Writer(path, rng)
    g = Gen(w, rng)
    kinds = [k for k, _ in SHARES]
    weights = [s / MEAN_NODES[k] for k, s in SHARES]
    made = dict.fromkeys(kinds, 0)
    while w.n < nodes:
        kind = rng.choices(kinds, weights)[0]
        before = w.n
        getattr(g, kind)()
        made[kind] += w.n - before
    w.finish()
    return {"nodes": w.n, "ways": w.w, "relations": w.r, "nodes_by_kind": made}


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out_dir", nargs="?", default="/tmp")
    ap.add_argument("--nodes", type=int, default=5_000_000)
    ap.add_argument("--seed", type=int, default=17)
    ap.add_argument("--keep-xml", action="store_true")
    ap.add_argument("--no-pbf", action="store_true")
    a = ap.parse_args(argv)
    out = os.path.realpath(a.out_dir)
    if out == REPO or out.startswith(REPO + os.sep):
        sys.exit(f"refusing to write {out}: inside the repository ({REPO}); pick e.g. /tmp")
    os.makedirs(out, exist_ok=True)
    base = os.path.join(out, f"synthetic-{a.nodes}")
    xml, pbf = base + ".osm", base + ".osm.pbf"
    t0 = time.monotonic()
    summary = generate(xml, a.nodes, a.seed)
    t1 = time.monotonic()
    summary.update({"seed": a.seed, "xml": xml, "xml_bytes": os.path.getsize(xml),
                    "xml_seconds": round(t1 - t0, 1)})
    if not a.no_pbf:
        osmium = shutil.which("osmium")
        if not osmium:
            sys.exit("osmium-tool is missing (apt-get install osmium-tool), or pass --no-pbf")
        subprocess.run([osmium, "cat", xml, "-o", pbf, "--overwrite",
                        "--output-header=generator=aimaq benches/dataset/make_extract.py"],
                       check=True)
        t2 = time.monotonic()
        summary.update({"pbf": pbf, "pbf_bytes": os.path.getsize(pbf),
                        "pbf_seconds": round(t2 - t1, 1)})
        if not a.keep_xml:
            os.remove(xml)
            summary["xml"] = None
    print(json.dumps(summary, indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1:])
