#!/usr/bin/python3
"""QGIS 3.22 as a user meets aimaq's files and provider, headless (run by .ci/qgis-tests):

- the compact screening report and the zones export open in QGIS styled, every layer of
  one geometry type, the parcel count equal to the input's, the metadata present;
- `qgis_process.bin run aimaq:check` on the demo Shapefile gives the findings `aimaq
  screen` gives; aimaq:zones and aimaq:balance run;
- with AIMAQ_SCREENSHOT=PATH, the styled report is rendered to PATH.

Usage: test_qgis.py AIMAQ_BIN WORKDIR  (QGIS_PLUGINPATH names the installed plugin's folder)
"""

import json
import os
import sqlite3
import subprocess
import sys
import traceback

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from qgis.core import (  # noqa: E402
    QgsApplication,
    QgsMapRendererParallelJob,
    QgsMapSettings,
    QgsRectangle,
    QgsVectorLayer,
    QgsWkbTypes,
)
from qgis.PyQt.QtCore import QSize  # noqa: E402
from qgis.PyQt.QtGui import QColor  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEMO_SHP = os.path.join(REPO, "fixtures", "ogr", "gk13", "parcels.shp")
AIMAQ, WORK = sys.argv[1], sys.argv[2]

app = QgsApplication([], False)
app.initQgis()
results = []


def check(name):
    def run(fn):
        try:
            fn()
            results.append((name, None))
            print(f"ok    {name}")
        except Exception:  # noqa: BLE001 - every failure is reported, then counted
            results.append((name, traceback.format_exc()))
            print(f"FAIL  {name}\n{traceback.format_exc()}")
        sys.stdout.flush()
        return fn

    return run


def layer(path, name):
    lyr = QgsVectorLayer(f"{path}|layername={name}", name, "ogr")
    assert lyr.isValid(), f"{path} layer {name} does not open"
    return lyr


def single_geometry_type(lyr, expected):
    assert QgsWkbTypes.displayString(lyr.wkbType()) == expected, (lyr.name(), QgsWkbTypes.displayString(lyr.wkbType()))
    kinds = {QgsWkbTypes.flatType(f.geometry().wkbType()) for f in lyr.getFeatures() if f.hasGeometry()}
    assert len(kinds) <= 1, (lyr.name(), kinds)


def styled(lyr, renderer="categorizedSymbol"):
    # QGIS applies a GeoPackage's default style (layer_styles, useAsDefault) on load
    assert lyr.renderer() is not None and lyr.renderer().type() == renderer, (lyr.name(), lyr.renderer().type())
    assert len(lyr.renderer().categories()) >= 3, lyr.name()


def gdal_metadata(path, table):
    from osgeo import ogr  # QGIS's own GDAL

    ds = ogr.Open(path)
    return ds.GetLayerByName(table).GetMetadata()


def findings(path):
    with sqlite3.connect(path) as db:
        return db.execute(
            "SELECT parcel, rule, feature, round(distance_m, 3), round(encumbered_m2, 3) FROM findings_view ORDER BY fid"
        ).fetchall()


def qgis_process(*args):
    env = dict(os.environ)
    done = subprocess.run(["/usr/bin/qgis_process.bin", "--json", *args], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout[done.stdout.index("{"):])


report = os.path.join(WORK, "screen.gpkg")
zones = os.path.join(WORK, "zones.gpkg")
subprocess.run([AIMAQ, "screen", DEMO_SHP, "--out", report, "--overwrite", "--progress", "off"], check=True, capture_output=True)
subprocess.run([AIMAQ, "zones", "--out", zones, "--overwrite", "--use", "residential"], check=True, capture_output=True)
input_count = layer(DEMO_SHP.replace(".shp", ".shp"), "parcels").featureCount()


@check("the screening report opens styled, one geometry type per layer, every parcel, with metadata")
def _():
    parcels = layer(report, "parcels")
    assert parcels.featureCount() == input_count, (parcels.featureCount(), input_count)
    for name in ["parcels", "findings", "findings_view"]:
        lyr = layer(report, name)
        single_geometry_type(lyr, "MultiPolygon")
        styled(lyr)
        md = gdal_metadata(report, name)
        assert md.get("AIMAQ_CATALOG_DIGEST", "").startswith("sha256:"), md
        assert md.get("AIMAQ_LAYERS_CHECKED"), md
    assert layer(report, "findings_view").featureCount() == layer(report, "findings").featureCount()
    with sqlite3.connect(report) as db:
        meta = json.loads(db.execute("SELECT metadata FROM gpkg_metadata WHERE mime_type = 'application/json'").fetchone()[0])
    assert meta["totals"]["summary"]["parcels_in"] == input_count, meta


@check("the zones export opens styled, one geometry type per layer, its use recorded")
def _():
    for name, kind in [("zone_strips", "MultiPolygon"), ("zone_areas", "MultiPolygon"),
                       ("source_lines", "MultiLineString"), ("source_areas", "MultiPolygon"),
                       ("settlements", "MultiPolygon"), ("join_lines", "MultiLineString"),
                       ("join_areas", "MultiPolygon")]:
        lyr = layer(zones, name)
        single_geometry_type(lyr, kind)
        assert lyr.featureCount() > 0, name
    for name in ["zone_strips", "zone_areas"]:
        lyr = layer(zones, name)
        styled(lyr)
        assert {f["use"] for f in lyr.getFeatures()} == {"residential"}
        assert gdal_metadata(zones, name)["AIMAQ_USE"] == "residential"


@check("qgis_process aimaq:check on the demo Shapefile gives the findings of aimaq screen")
def _():
    out = os.path.join(WORK, "provider.gpkg")
    res = qgis_process("run", "aimaq:check", "--", f"INPUT={DEMO_SHP}", f"OUTPUT={out}", "LANG=0")["results"]
    assert res["PARCELS_IN"] == input_count and res["ERRORED"] == 0, res
    ours, theirs = findings(out), findings(report)
    assert len(ours) == len(theirs) == res["FINDINGS_COUNT"], (len(ours), len(theirs))
    assert ours == theirs
    styled(layer(out, "parcels"))


@check("qgis_process aimaq:zones and aimaq:balance run")
def _():
    out = os.path.join(WORK, "provider-zones.gpkg")
    res = qgis_process("run", "aimaq:zones", "--", "USE=construction", f"OUTPUT={out}")["results"]
    assert layer(out, "zone_strips").featureCount() > 0, res
    table = os.path.join(WORK, "balance.gpkg")
    res = qgis_process("run", "aimaq:balance", "--", f"OUTPUT={table}")["results"]
    rows = QgsVectorLayer(res["OUTPUT"], "balance", "ogr")
    assert rows.isValid() and rows.featureCount() > 10, res


shot = os.environ.get("AIMAQ_SCREENSHOT")
if shot:
    @check("render the styled report of a synthetic cadastre over the zones")
    def _():
        cadastre = os.path.join(WORK, "cadastre.gpkg")
        screened = os.path.join(WORK, "cadastre-report.gpkg")
        subprocess.run([AIMAQ, "cadastre", "--count", "4000", "--out", cadastre], check=True, capture_output=True)
        subprocess.run([AIMAQ, "screen", cadastre, "--out", screened, "--progress", "off"], check=True, capture_output=True)
        # everything as the files open: the styles are the reports' own
        layers = [layer(screened, "findings_view"), layer(screened, "parcels"), layer(zones, "zone_strips")]
        parcels = layers[1]
        # four kilometres around the first prohibited lot, where zones cross a town's
        # edge (ids appear from 1:10,000 in, as the style says)
        hit = next(f for f in parcels.getFeatures() if f["prohibited"] > 0)
        c = hit.geometry().centroid().asPoint()
        extent = QgsRectangle(c.x() - 2000, c.y() - 1300, c.x() + 2000, c.y() + 1300)
        settings = QgsMapSettings()
        settings.setLayers(layers)
        settings.setDestinationCrs(parcels.crs())
        settings.setExtent(extent)
        settings.setOutputSize(QSize(1400, 900))
        settings.setBackgroundColor(QColor("white"))
        job = QgsMapRendererParallelJob(settings)
        job.start()
        job.waitForFinished()
        assert job.renderedImage().save(shot, "png"), shot

failed = [n for n, e in results if e]
print(f"{len(results) - len(failed)} passed, {len(failed)} failed")
sys.stdout.flush()
os._exit(1 if failed else 0)
