#!/usr/bin/env python3
"""Request bodies for the desk's load test: the 35 demo parcels as GeoJSON Features (their
own uses), the same parcels as WKT in UTM 43N and as coordinate lists in Pulkovo 1942 /
Gauss-Kruger zone 13 in Kazakh (projected by ogr2ogr), and a two-parcel batch. One request
a line: content type, a TAB, the body (no TABs or newlines).
"""
import json
import subprocess
import tempfile
from pathlib import Path

root = Path(__file__).resolve().parents[2]
demo = json.loads((root / "fixtures/parcels/demo.geojson").read_text())["features"]
out = []
for f in demo:
    out.append(("application/geo+json", json.dumps(f, ensure_ascii=False)))
def projected(crs):
    """The demo parcels' rings in `crs`, by GDAL's ogr2ogr (GIS axis order)."""
    with tempfile.TemporaryDirectory() as d:
        target = Path(d) / "p.geojson"
        subprocess.run(["ogr2ogr", "-f", "GeoJSON", "-t_srs", crs, "-lco", "COORDINATE_PRECISION=3",
                        str(target), str(root / "fixtures/parcels/demo.geojson")], check=True)
        rings = {}
        for f in json.loads(target.read_text())["features"]:
            g = f["geometry"]
            if g and g["type"] == "Polygon":
                rings[f["properties"]["id"]] = g["coordinates"][0]
            elif g and g["type"] == "MultiPolygon":
                rings[f["properties"]["id"]] = g["coordinates"][0][0]
        return rings


utm = projected("EPSG:32643")
gk = projected("EPSG:28413")
for f in demo:
    pid = f["properties"]["id"]
    if pid not in utm:
        continue
    wkt = "POLYGON((" + ", ".join(f"{x} {y}" for x, y in utm[pid]) + "))"
    body = {"wkt": wkt, "crs": "EPSG:32643", "id": pid + "-utm"}
    if f["properties"].get("use"):
        body["use"] = f["properties"]["use"]
    out.append(("application/json", json.dumps(body)))
    body = {"coordinates": gk[pid][:-1], "crs": "EPSG:28413", "id": pid + "-gk", "lang": "kk"}
    if f["properties"].get("use"):
        body["use"] = f["properties"]["use"]
    out.append(("application/json", json.dumps(body, ensure_ascii=False)))
out.append(("application/geo+json", json.dumps({"type": "FeatureCollection", "features": demo[:2]})))
for ct, body in out:
    assert "\t" not in body and "\n" not in body
    print(f"{ct}\t{body}")
