#!/usr/bin/python3
"""QGIS 3.22 as a user meets aimaq's files and provider, headless (run by .ci/qgis-tests,
with the plugin installed from its ZIP into a fresh profile and only the `aimaq` binary on
PATH: no aimaq Python package):

- no aimaq Python package is importable, and without the binary the provider says so;
- the compact screening report and the zones map open in QGIS styled, every layer of one
  geometry type, the parcel count equal to the input's, the metadata present; the zones
  map's legend in the export's language; a report's findings drawn once;
- `qgis_process.bin run aimaq:check` on a GeoPackage of parcels gives the findings `aimaq
  screen` gives, through the binary; aimaq:zones and aimaq:balance run;
- a temporary (memory) layer is checked, with the binary's progress in the feedback, and
  Cancel stops the binary and leaves no report;
- with the package installed as the README says (`pip install --no-deps --target
  …/aimaq_provider/lib`), the provider runs in-process and gives the same findings;
- the zones map for `--use residential` renders at 1600×1200 with at least 30 % of its
  pixels background (AIMAQ_DOCS_IMG=1 keeps it as docs/img/zones-residential.png);
- with AIMAQ_SCREENSHOT=PATH, the styled report is rendered to PATH.

Usage: test_qgis.py WORKDIR
"""

import importlib.util
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import traceback

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from qgis.core import (  # noqa: E402
    QgsApplication,
    QgsFeatureRequest,
    QgsMapRendererParallelJob,
    QgsMapSettings,
    QgsProcessingException,
    QgsProcessingFeedback,
    QgsRectangle,
    QgsVectorLayer,
    QgsWkbTypes,
)
from qgis.PyQt.QtCore import QSize  # noqa: E402
from qgis.PyQt.QtGui import QColor  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEMO_SHP = os.path.join(REPO, "fixtures", "ogr", "gk13", "parcels.shp")
WORK = sys.argv[1]
AIMAQ = shutil.which("aimaq")
PROFILE = os.path.join(os.environ["HOME"], ".local/share/QGIS/QGIS3/profiles/default")
PLUGINS = os.path.join(PROFILE, "python", "plugins")

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


def styled(lyr, renderer="categorizedSymbol", categories=3):
    # QGIS applies a GeoPackage's default style (layer_styles, useAsDefault) on load
    assert lyr.renderer() is not None and lyr.renderer().type() == renderer, (lyr.name(), lyr.renderer().type())
    if renderer == "categorizedSymbol":
        assert len(lyr.renderer().categories()) >= categories, lyr.name()


def gdal_metadata(path, table):
    from osgeo import ogr  # QGIS's own GDAL

    ds = ogr.Open(path)
    return ds.GetLayerByName(table).GetMetadata()


def tables(path):
    with sqlite3.connect(path) as db:
        return [r[0] for r in db.execute("SELECT table_name FROM gpkg_contents WHERE data_type = 'features' ORDER BY rowid")]


def findings(path):
    with sqlite3.connect(path) as db:
        return db.execute(
            "SELECT parcel, rule, feature, round(distance_m, 3), round(encumbered_m2, 3) FROM findings_view ORDER BY fid"
        ).fetchall()


def qgis_process(*args, env=None, ok=True):
    done = subprocess.run(["/usr/bin/qgis_process.bin", "--json", *args], capture_output=True, text=True,
                          env=env or dict(os.environ))
    if not ok:
        return done
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout[done.stdout.index("{"):])


def aimaq(*args):
    subprocess.run([AIMAQ, *args], check=True, capture_output=True)


report = os.path.join(WORK, "screen.gpkg")
zones = os.path.join(WORK, "zones.gpkg")
zones_kk = os.path.join(WORK, "zones-kk.gpkg")
parcels_gpkg = os.path.join(WORK, "parcels.gpkg")
aimaq("screen", DEMO_SHP, "--out", report, "--overwrite", "--progress", "off")
aimaq("zones", "--out", zones, "--overwrite", "--use", "residential")
aimaq("zones", "--out", zones_kk, "--overwrite", "--use", "residential", "--lang", "kk")
subprocess.run(["ogr2ogr", "-f", "GPKG", "-nlt", "MULTIPOLYGON", parcels_gpkg, DEMO_SHP, "-nln", "parcels"], check=True)
input_count = layer(DEMO_SHP, "parcels").featureCount()


@check("only the aimaq binary: no aimaq Python package is importable, the binary is on PATH")
def _():
    assert AIMAQ == os.path.join(WORK, "bin", "aimaq"), AIMAQ
    assert importlib.util.find_spec("aimaq") is None, importlib.util.find_spec("aimaq")
    done = subprocess.run(["/usr/bin/python3", "-c", "import aimaq"], capture_output=True, text=True)
    assert done.returncode != 0 and "No module named 'aimaq'" in done.stderr, done.stderr
    installed = os.path.join(PLUGINS, "aimaq_provider")
    assert os.path.isfile(os.path.join(installed, "metadata.txt")), installed
    assert not os.path.exists(os.path.join(installed, "lib")), "the ZIP bundles no package"
    # without the binary the provider finds no aimaq at all: it has no package to fall back on
    env = dict(os.environ, PATH="/usr/bin:/bin")
    done = qgis_process("run", "aimaq:balance", "--", f"OUTPUT={os.path.join(WORK, 'nobin.gpkg')}", env=env, ok=False)
    assert done.returncode != 0, done.stdout[-500:]
    assert "neither the aimaq Python package nor the aimaq binary" in done.stdout + done.stderr, (done.stdout + done.stderr)[-1500:]


@check("the screening report opens styled, one geometry type per layer, every parcel, with metadata")
def _():
    parcels = layer(report, "parcels")
    assert parcels.featureCount() == input_count, (parcels.featureCount(), input_count)
    for name in ["parcels", "findings", "findings_view"]:
        lyr = layer(report, name)
        single_geometry_type(lyr, "MultiPolygon")
        md = gdal_metadata(report, name)
        assert md.get("AIMAQ_CATALOG_DIGEST", "").startswith("sha256:"), md
        assert md.get("AIMAQ_LAYERS_CHECKED"), md
    styled(layer(report, "parcels"))
    styled(layer(report, "findings_view"))
    # the findings table stores what findings_view draws: opened whole, a report shows
    # its findings (hatching and legend) once
    styled(layer(report, "findings"), renderer="nullSymbol")
    assert layer(report, "findings_view").featureCount() == layer(report, "findings").featureCount()
    with sqlite3.connect(report) as db:
        meta = json.loads(db.execute("SELECT metadata FROM gpkg_metadata WHERE mime_type = 'application/json'").fetchone()[0])
    assert meta["totals"]["summary"]["parcels_in"] == input_count, meta


ZONES = [("zone_areas", "MultiPolygon"), ("zone_strips", "MultiPolygon"), ("source_areas", "MultiPolygon"),
         ("settlements", "MultiPolygon"), ("source_lines", "MultiLineString")]


@check("the zones map: every layer styled, labelled where it names things, water blue, no benchmark table")
def _():
    assert tables(zones) == [t for t, _ in ZONES], tables(zones)
    for name, kind in ZONES:
        lyr = layer(zones, name)
        single_geometry_type(lyr, kind)
        assert lyr.featureCount() > 0, name
        styled(lyr, categories=1)
    for name in ["zone_strips", "zone_areas"]:
        lyr = layer(zones, name)
        assert {c.value() for c in lyr.renderer().categories()} >= {"prohibited", "conditional", "review"}
        assert {f["use"] for f in lyr.getFeatures()} == {"residential"}
        assert gdal_metadata(zones, name)["AIMAQ_USE"] == "residential"
    for name in ["source_lines", "source_areas", "settlements", "zone_strips", "zone_areas"]:
        assert layer(zones, name).labelsEnabled(), name
    # strips translucent; water blue in lines and areas, never the verdicts' "clear" green
    strips = layer(zones, "zone_strips")
    categories = strips.renderer().categories()  # held: the symbols live in it
    assert all(c.symbol().color().alpha() < 128 for c in categories)
    for name in ["source_lines", "source_areas"]:
        lyr = layer(zones, name)  # held: its renderer dies with it
        categories = lyr.renderer().categories()
        water = next(c for c in categories if c.value() == "water_bodies")
        color = QColor(water.symbol().color())
        assert color.blue() > color.red() and color.blue() > color.green(), (name, color.name())
    towns = layer(zones, "settlements")
    assert all(f["feature_name"] for f in towns.getFeatures())
    categories = towns.renderer().categories()
    assert categories[0].symbol().color().alpha() == 0, "settlements outlined, not filled"


@check("the zones map in Kazakh: legend titles and categories in Kazakh")
def _():
    def cyrillic(text):
        return any("\u0400" <= ch <= "\u04ff" for ch in text)

    with sqlite3.connect(zones_kk) as db:
        titles = dict(db.execute("SELECT table_name, identifier FROM gpkg_contents"))
    for name, _ in ZONES:
        assert cyrillic(titles[name]), (name, titles[name])
        lyr = layer(zones_kk, name)
        for c in lyr.renderer().categories():
            assert cyrillic(c.label()), (name, c.label())
    lyr = layer(zones_kk, "zone_strips")
    labels = {c.value(): c.label() for c in lyr.renderer().categories()}
    assert labels["prohibited"] == "Тыйым салынған", labels


@check("qgis_process aimaq:check on a GeoPackage of parcels, through the binary, gives the findings of aimaq screen")
def _():
    out = os.path.join(WORK, "provider.gpkg")
    done = qgis_process("run", "aimaq:check", "--", f"INPUT={parcels_gpkg}", f"OUTPUT={out}", "LANG=0")
    res = done["results"]
    assert res["PARCELS_IN"] == input_count and res["ERRORED"] == 0, res
    assert AIMAQ in json.dumps(done["log"]), "the provider ran the binary"
    ours, theirs = findings(out), findings(report)
    assert len(ours) == len(theirs) == res["FINDINGS_COUNT"], (len(ours), len(theirs))
    assert ours == theirs
    styled(layer(out, "parcels"))
    styled(layer(out, "findings_view"))


@check("qgis_process aimaq:zones (Russian) and aimaq:balance run through the binary")
def _():
    out = os.path.join(WORK, "provider-zones.gpkg")
    res = qgis_process("run", "aimaq:zones", "--", "USE=construction", "LANG=2", f"OUTPUT={out}")["results"]
    assert layer(out, "zone_strips").featureCount() == res["STRIPS_COUNT"] > 0, res
    lyr = layer(out, "zone_strips")
    labels = {c.value(): c.label() for c in lyr.renderer().categories()}
    assert labels["prohibited"] == "Запрещено", labels
    table = os.path.join(WORK, "balance.gpkg")
    res = qgis_process("run", "aimaq:balance", "--", f"OUTPUT={table}")["results"]
    rows = QgsVectorLayer(res["OUTPUT"], "balance", "ogr")
    assert rows.isValid() and rows.featureCount() > 10, res


# the provider in this process, as QGIS loads it from the profile
sys.path.insert(0, "/usr/share/qgis/python/plugins")
sys.path.insert(0, PLUGINS)
from processing.core.Processing import Processing  # noqa: E402

Processing.initialize()
import processing  # noqa: E402
from aimaq_provider.provider import AimaqProvider  # noqa: E402

PROVIDER = AimaqProvider()  # held: the registry does not keep Python's object alive
assert QgsApplication.processingRegistry().addProvider(PROVIDER)


class Feedback(QgsProcessingFeedback):
    """Records progress and the log; cancels at the first progress when asked."""

    def __init__(self, cancel=False):
        super().__init__()
        self.steps, self.log, self.cancel_at_start = [], [], cancel
        self.progressChanged.connect(self._progress)

    def _progress(self, value):
        self.steps.append(value)
        if self.cancel_at_start:
            self.cancel()

    def pushCommandInfo(self, info):  # noqa: N802
        self.log.append(info)

    def pushInfo(self, info):  # noqa: N802
        self.log.append(info)


@check("a temporary layer is checked (written to a GeoPackage first), the binary's progress in the feedback")
def _():
    source = layer(DEMO_SHP, "parcels")
    memory = source.materialize(QgsFeatureRequest())
    assert memory.providerType() == "memory" and memory.featureCount() == input_count
    out = os.path.join(WORK, "memory.gpkg")
    feedback = Feedback()
    res = processing.run("aimaq:check", {"INPUT": memory, "OUTPUT": out, "LANG": 0}, feedback=feedback)
    assert res["PARCELS_IN"] == input_count and res["ERRORED"] == 0, res
    assert any(AIMAQ in line for line in feedback.log), feedback.log
    assert len(findings(out)) == len(findings(report))
    assert feedback.steps and max(feedback.steps) == 100.0, feedback.steps


@check("Cancel stops the binary mid-run and leaves no report")
def _():
    cadastre = os.path.join(WORK, "cadastre-cancel.gpkg")
    aimaq("cadastre", "--count", "40000", "--out", cadastre)
    out_dir = os.path.join(WORK, "cancelled")
    os.makedirs(out_dir)
    out = os.path.join(out_dir, "report.gpkg")
    feedback = Feedback(cancel=True)
    try:
        processing.run("aimaq:check", {"INPUT": cadastre, "OUTPUT": out}, feedback=feedback)
        raise AssertionError("a cancelled run returned")
    except QgsProcessingException as e:
        assert "cancelled" in str(e), e
    assert os.listdir(out_dir) == [], os.listdir(out_dir)
    running = subprocess.run(["pgrep", "-f", f"aimaq screen {cadastre}"], capture_output=True)
    assert running.returncode == 1, running.stdout


@check("with the package installed into the plugin's lib/ (README), the provider runs in-process, same findings")
def _():
    wheel = os.environ.get("AIMAQ_WHEEL")
    assert wheel, "no wheel: .ci/python-tests builds it before this test"
    lib = os.path.join(PLUGINS, "aimaq_provider", "lib")
    subprocess.run(["/usr/bin/python3", "-m", "pip", "install", "-q", "--no-deps", "--target", lib, wheel],
                   check=True, capture_output=True)
    try:
        out = os.path.join(WORK, "in-process.gpkg")
        feedback = Feedback()
        res = processing.run("aimaq:check", {"INPUT": parcels_gpkg, "OUTPUT": out}, feedback=feedback)
        assert any("in-process" in line for line in feedback.log), feedback.log
        assert not any(AIMAQ in line for line in feedback.log), feedback.log
        assert res["FINDINGS_COUNT"] == len(findings(report)) and findings(out) == findings(report)
    finally:
        shutil.rmtree(lib)
        for name in [m for m in sys.modules if m == "aimaq" or m.startswith("aimaq.")]:
            del sys.modules[name]


@check("aimaq:zones loads its map into the project: named in the export's language, styled, lines over strips")
def _():
    from qgis.core import QgsProject

    project = QgsProject.instance()
    project.clear()
    out = os.path.join(WORK, "loaded-zones.gpkg")
    processing.runAndLoadResults("aimaq:zones", {"USE": "residential", "LANG": 1, "OUTPUT": out})
    nodes = project.layerTreeRoot().findLayers()
    names = [n.layer().name() for n in nodes]
    with sqlite3.connect(out) as db:
        titles = dict(db.execute("SELECT table_name, identifier FROM gpkg_contents"))
    expected = [f"{titles[t]} (residential)" for t, _ in reversed(ZONES)]
    assert names == expected, (names, expected)
    for n in nodes:
        renderer = n.layer().renderer()
        assert renderer.type() == "categorizedSymbol", (n.layer().name(), renderer.type())
        categories = renderer.categories()
        assert all(any("\u0400" <= ch <= "\u04ff" for ch in c.label()) for c in categories), n.layer().name()
    project.clear()


def render(layers, extent, size, path):
    settings = QgsMapSettings()
    settings.setLayers(layers)
    settings.setDestinationCrs(layers[-1].crs())
    settings.setExtent(extent)
    settings.setOutputSize(size)
    settings.setBackgroundColor(QColor("white"))
    job = QgsMapRendererParallelJob(settings)
    job.start()
    job.waitForFinished()
    image = job.renderedImage()
    assert image.save(path, "png"), path
    return image


def draw_legend(image, layers, path):
    from qgis.core import QgsLayerTree, QgsLayerTreeModel, QgsLegendRenderer, QgsLegendSettings
    from qgis.PyQt.QtCore import QPointF, QRectF
    from qgis.PyQt.QtGui import QPainter

    with sqlite3.connect(zones) as db:
        titles = dict(db.execute("SELECT table_name, identifier FROM gpkg_contents"))
    root = QgsLayerTree()
    for lyr in layers:
        lyr.setName(titles.get(lyr.name(), lyr.name()))
        root.addLayer(lyr)
    model = QgsLayerTreeModel(root)
    settings = QgsLegendSettings()
    settings.setTitle("aimaq zones --use residential")
    renderer = QgsLegendRenderer(model, settings)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.Antialiasing)
    enlarge = 1.5
    px = image.dotsPerMeterX() / 1000.0 * enlarge  # millimetres to pixels
    size = renderer.minimumSize()  # millimetres
    w, h = size.width() * px, size.height() * px
    x, y = image.width() - w - 14, image.height() - h - 14
    painter.fillRect(QRectF(x - 6, y - 6, w + 12, h + 12), QColor(255, 255, 255, 235))
    painter.setPen(QColor("#999999"))
    painter.drawRect(QRectF(x - 6, y - 6, w + 12, h + 12))
    painter.translate(QPointF(x, y))
    painter.scale(enlarge, enlarge)
    renderer.drawLegend(painter)  # millimetres at the image's resolution
    painter.end()
    assert image.save(path, "png"), path

@check("the zones map for residential renders readable: at least 30 % of 1600×1200 pixels background")
def _():
    # top first, as QGIS's layer panel lists them: the lines over the strips
    layers = [layer(zones, name) for name, _ in reversed(ZONES)]
    extent = QgsRectangle()
    for lyr in layers:
        extent.combineExtentWith(lyr.extent())
    extent = extent.buffered(extent.width() * 0.02)
    png = os.path.join(WORK, "zones-residential.png")
    image = render(layers, extent, QSize(1600, 1200), png)
    assert (image.width(), image.height()) == (1600, 1200)
    sampled = [QColor(image.pixel(x, y)) for x in range(2, 1600, 8) for y in range(2, 1200, 8)]
    background = sum(1 for c in sampled if c.red() >= 250 and c.green() >= 250 and c.blue() >= 250)
    share = background / len(sampled)
    print(f"      zones map: {share:.1%} of {len(sampled)} sampled pixels background")
    assert share >= 0.30, share
    # and something is drawn: strips, lines and water
    assert share < 0.98, share
    # the legend, as the layers' styles give it (drawn after the count: its box is white)
    with_legend = os.path.join(WORK, "zones-residential-legend.png")
    draw_legend(image, layers, with_legend)
    if os.environ.get("AIMAQ_DOCS_IMG"):
        shutil.copy(with_legend, os.path.join(REPO, "docs", "img", "zones-residential.png"))



shot = os.environ.get("AIMAQ_SCREENSHOT")
if shot:
    @check("render the styled report of a synthetic cadastre over the zones")
    def _():
        cadastre = os.path.join(WORK, "cadastre.gpkg")
        screened = os.path.join(WORK, "cadastre-report.gpkg")
        aimaq("cadastre", "--count", "4000", "--out", cadastre)
        aimaq("screen", cadastre, "--out", screened, "--progress", "off")
        # everything as the files open: the styles are the reports' own
        layers = [layer(screened, "findings_view"), layer(screened, "parcels"), layer(zones, "zone_strips")]
        parcels = layers[1]
        # four kilometres around the first prohibited lot, where zones cross a town's
        # edge (ids appear from 1:10,000 in, as the style says)
        hit = next(f for f in parcels.getFeatures() if f["prohibited"] > 0)
        c = hit.geometry().centroid().asPoint()
        render(layers, QgsRectangle(c.x() - 2000, c.y() - 1300, c.x() + 2000, c.y() + 1300), QSize(1400, 900), shot)

failed = [n for n, e in results if e]
print(f"{len(results) - len(failed)} passed, {len(failed)} failed")
sys.stdout.flush()
os._exit(1 if failed else 0)
