#!/usr/bin/python3
"""Writes the QGIS styles aimaq stores in its reports (layer_styles), with PyQGIS itself,
so they are what QGIS 3.22 reads. Run: QT_QPA_PLATFORM=offscreen /usr/bin/python3 make_styles.py

- parcels.qml: parcels categorized by verdict (prohibited red, conditional orange,
  review yellow, clear green, error grey), labelled with the parcel id at close scales;
- findings.qml: encumbered areas hatched by severity;
- zones.qml: zone strips and areas by regime, translucent with a hatched edge.
"""
import os
import sys
import tempfile

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
runtime = tempfile.mkdtemp(prefix="qgis-runtime-")
os.chmod(runtime, 0o700)
os.environ.setdefault("XDG_RUNTIME_DIR", runtime)

from qgis.core import (  # noqa: E402
    QgsApplication, QgsVectorLayer, QgsCategorizedSymbolRenderer, QgsRendererCategory,
    QgsFillSymbol, QgsLinePatternFillSymbolLayer, QgsSimpleLineSymbolLayer,
    QgsPalLayerSettings, QgsVectorLayerSimpleLabeling, QgsTextFormat, QgsTextBufferSettings,
    QgsUnitTypes,
)
from qgis.PyQt.QtGui import QColor  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
app = QgsApplication([], False)
app.initQgis()

VERDICTS = [
    ("prohibited", "#d7191c", "Prohibited"),
    ("conditional", "#fd8d3c", "Conditional"),
    ("review", "#fecc5c", "Review"),
    ("clear", "#1a9641", "Clear"),
    ("error", "#9e9e9e", "Error (not checked)"),
]
SEVERITIES = VERDICTS[:3]


def layer(fields):
    return QgsVectorLayer(f"MultiPolygon?crs=EPSG:32643&{fields}", "style", "memory")


def solid(color, alpha=170):
    c = QColor(color)
    c.setAlpha(alpha)
    return QgsFillSymbol.createSimple({
        "color": f"{c.red()},{c.green()},{c.blue()},{alpha}",
        "outline_color": QColor(color).darker(150).name(),
        "outline_width": "0.3",
    })


def hatched(color, angle=45.0, spacing=1.6):
    symbol = QgsFillSymbol.createSimple({"color": "0,0,0,0", "outline_color": color, "outline_width": "0.5"})
    hatch = QgsLinePatternFillSymbolLayer()
    hatch.setLineAngle(angle)
    hatch.setDistance(spacing)
    hatch.setDistanceUnit(QgsUnitTypes.RenderMillimeters)
    hatch.setColor(QColor(color))
    hatch.subSymbol().setWidth(0.35)
    symbol.appendSymbolLayer(hatch)
    return symbol


def categorized(field, rows, make):
    cats = [QgsRendererCategory(value, make(color), label) for value, color, label in rows]
    return QgsCategorizedSymbolRenderer(field, cats)


def labels(field):
    settings = QgsPalLayerSettings()
    settings.fieldName = field
    fmt = QgsTextFormat()
    fmt.setSize(8)
    buf = QgsTextBufferSettings()
    buf.setEnabled(True)
    buf.setSize(0.8)
    fmt.setBuffer(buf)
    settings.setFormat(fmt)
    settings.scaleVisibility = True
    settings.maximumScale = 1
    settings.minimumScale = 10000  # ids only where lots are large enough to read them
    return QgsVectorLayerSimpleLabeling(settings)


def save(lyr, name):
    path = os.path.join(HERE, name)
    msg, ok = lyr.saveNamedStyle(path)
    if not ok:
        sys.exit(f"{name}: {msg}")
    print("wrote", path)


parcels = layer("field=parcel:string&field=verdict:string")
parcels.setRenderer(categorized("verdict", VERDICTS, solid))
parcels.setLabeling(labels("parcel"))
parcels.setLabelsEnabled(True)
save(parcels, "parcels.qml")

findings = layer("field=severity:string")
findings.setRenderer(categorized("severity", SEVERITIES, hatched))
save(findings, "findings.qml")

zones = layer("field=regime:string")
zones.setRenderer(categorized("regime", SEVERITIES, lambda c: hatched(c, angle=-45.0, spacing=2.5)))
zones.setOpacity(0.6)  # strips overlap: each stays readable through the others
save(zones, "zones.qml")

app.exitQgis()
os._exit(0)
