#!/usr/bin/python3
"""Writes the QGIS styles aimaq stores in its reports (layer_styles), with PyQGIS itself,
so they are what QGIS 3.22 reads. Run: QT_QPA_PLATFORM=offscreen /usr/bin/python3 make_styles.py

- parcels.qml: parcels categorized by verdict (prohibited red, conditional orange,
  review yellow, clear green, error grey), labelled with the parcel id at close scales;
- findings.qml: encumbered areas hatched by severity;
- findings_table.qml: the report's `findings` table, which stores what `findings_view`
  draws: it draws nothing and shows no legend, so a report opened whole shows the
  findings once;
- the zones map of `aimaq zones` (zones_*.qml), one style a layer: zone strips filled
  translucent by regime, zone areas hatched by regime and labelled with the rule, source
  lines by layer (water blue and labelled, power lines, railways, pipelines, conduits,
  road corridors), source areas (water blue), settlements outlined and labelled.

The zones map's legend words are placeholders, `{{key}}`, which aimaq fills in the
export's language when it writes the style (crates/aimaq-io/src/zones/style.rs): regime
words from the catalog's messages, layer names from its layer labels, the rest from
data/styles/legend.toml.
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
    QgsFillSymbol, QgsLinePatternFillSymbolLayer, QgsSimpleLineSymbolLayer, QgsLineSymbol,
    QgsPalLayerSettings, QgsVectorLayerSimpleLabeling, QgsTextFormat, QgsTextBufferSettings,
    QgsUnitTypes, QgsNullSymbolRenderer, QgsSingleSymbolRenderer, QgsRuleBasedLabeling,
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


# the report's `findings` table: storage for findings_view, drawn there, not here
table = layer("field=severity:string")
table.setRenderer(QgsNullSymbolRenderer())
save(table, "findings_table.qml")

# ---- the zones map (`aimaq zones`): one style a layer, legend words as {{key}} ----

REGIMES = [(v, c, "{{regime.%s}}" % v) for v, c, _ in SEVERITIES]


def translucent(color, alpha=80):
    c = QColor(color)
    return QgsFillSymbol.createSimple({
        "color": f"{c.red()},{c.green()},{c.blue()},{alpha}",
        "outline_color": c.darker(130).name(),
        "outline_width": "0.2",
    })


def text_labels(expression, size=8.0, color="#222222", bold=False, placement=None,
                max_scale_denominator=None, is_expression=False):
    settings = QgsPalLayerSettings()
    settings.fieldName = expression
    settings.isExpression = is_expression
    fmt = QgsTextFormat()
    fmt.setSize(size)
    fmt.setColor(QColor(color))
    if bold:
        font = fmt.font()
        font.setBold(True)
        fmt.setFont(font)
    buf = QgsTextBufferSettings()
    buf.setEnabled(True)
    buf.setSize(0.8)
    buf.setColor(QColor(255, 255, 255, 220))
    fmt.setBuffer(buf)
    settings.setFormat(fmt)
    if placement is not None:
        settings.placement = placement
    if max_scale_denominator:
        settings.scaleVisibility = True
        settings.maximumScale = 1
        settings.minimumScale = max_scale_denominator
    return settings


def line(color, width, dash=None):
    props = {"line_color": color, "line_width": str(width), "capstyle": "round", "joinstyle": "round"}
    if dash:
        props.update({"use_custom_dash": "1", "customdash": dash, "customdash_unit": "MM"})
    return QgsLineSymbol.createSimple(props)


def railway():
    # the cartographic railway: a dark line with a white dash inside
    symbol = line("#303030", 1.0)
    inner = QgsSimpleLineSymbolLayer(QColor("white"), 0.5)
    inner.setUseCustomDashPattern(True)
    inner.setCustomDashVector([3.0, 3.0])
    symbol.appendSymbolLayer(inner)
    return symbol


WATER_LINE = "#1f78b4"
WATER_FILL = "#a6cee3"

# zone strips: filled translucent by regime (the beyond-minimum band of a range is
# `review`), drawn under the source lines
strips = layer("field=severity:string&field=rule_title:string")
strips.setRenderer(QgsCategorizedSymbolRenderer(
    "severity", [QgsRendererCategory(v, translucent(c), label) for v, c, label in REGIMES]))
strips.setLabeling(QgsVectorLayerSimpleLabeling(text_labels(
    "rule_title", size=7.0, color="#404040", placement=QgsPalLayerSettings.Horizontal,
    max_scale_denominator=25000)))
strips.setLabelsEnabled(True)
save(strips, "zones_strips.qml")

# zone areas (functional zones, hazards, protected areas…): hatched, so the map and the
# strips show through them, labelled with their rule at district scales
areas = layer("field=severity:string&field=rule_title:string")
areas.setRenderer(QgsCategorizedSymbolRenderer(
    "severity", [QgsRendererCategory(v, hatched(c, angle=-45.0, spacing=3.0), label)
                 for v, c, label in REGIMES]))
areas.setOpacity(0.7)
areas.setLabeling(QgsVectorLayerSimpleLabeling(text_labels(
    "rule_title", size=7.5, color="#505050", placement=QgsPalLayerSettings.Horizontal,
    max_scale_denominator=150000)))
areas.setLabelsEnabled(True)
save(areas, "zones_areas.qml")

# source lines by layer: rivers blue and labelled, power lines, railways, pipelines
lines = QgsVectorLayer("MultiLineString?crs=EPSG:32643&field=layer:string&field=feature_name:string",
                       "style", "memory")
LINE_LAYERS = [
    ("water_bodies", line(WATER_LINE, 0.9)),
    ("power_lines", line("#6a3d9a", 0.5, "4;1.5")),
    ("railways", railway()),
    ("gas_pipelines", line("#b15928", 0.6, "6;1.5;1;1.5")),
    ("water_conduits", line("#17becf", 0.6, "2;1.5")),
    ("road_corridors", line("#a0a0a0", 0.7, "8;2")),
]
cats = [QgsRendererCategory(v, s, "{{layer.%s}}" % v) for v, s in LINE_LAYERS]
cats.append(QgsRendererCategory(None, line("#555555", 0.4), "{{legend.other}}"))
lines.setRenderer(QgsCategorizedSymbolRenderer("layer", cats))
root = QgsRuleBasedLabeling.Rule(None)
river = QgsRuleBasedLabeling.Rule(text_labels(
    "feature_name", size=8.0, color=WATER_LINE, placement=QgsPalLayerSettings.Curved))
river.setFilterExpression("\"layer\" = 'water_bodies'")
root.appendChild(river)
other = QgsRuleBasedLabeling.Rule(text_labels(
    "feature_name", size=7.0, color="#404040", placement=QgsPalLayerSettings.Line,
    max_scale_denominator=100000))
other.setFilterExpression("\"layer\" <> 'water_bodies'")
root.appendChild(other)
lines.setLabeling(QgsRuleBasedLabeling(root))
lines.setLabelsEnabled(True)
save(lines, "zones_source_lines.qml")

# source areas: water blue (the Kapshagay reservoir), others outlined
src_areas = layer("field=layer:string&field=feature_name:string")
water = QgsFillSymbol.createSimple({"color": WATER_FILL, "outline_color": WATER_LINE, "outline_width": "0.4"})
other_area = QgsFillSymbol.createSimple({"color": "0,0,0,0", "outline_color": "#555555", "outline_width": "0.4"})
src_areas.setRenderer(QgsCategorizedSymbolRenderer("layer", [
    QgsRendererCategory("water_bodies", water, "{{layer.water_bodies}}"),
    QgsRendererCategory(None, other_area, "{{legend.other}}"),
]))
root = QgsRuleBasedLabeling.Rule(None)
lake = QgsRuleBasedLabeling.Rule(text_labels(
    "feature_name", size=8.5, color=WATER_LINE, placement=QgsPalLayerSettings.Horizontal))
lake.setFilterExpression("\"layer\" = 'water_bodies'")
root.appendChild(lake)
site = QgsRuleBasedLabeling.Rule(text_labels(
    "feature_name", size=7.0, color="#404040", placement=QgsPalLayerSettings.Horizontal,
    max_scale_denominator=100000))
site.setFilterExpression("\"layer\" <> 'water_bodies'")
root.appendChild(site)
src_areas.setLabeling(QgsRuleBasedLabeling(root))
src_areas.setLabelsEnabled(True)
save(src_areas, "zones_source_areas.qml")

# settlements: outlined, never filled, labelled with their name
towns = layer("field=feature_name:string")
outline = QgsFillSymbol.createSimple({"color": "0,0,0,0", "outline_color": "#4d4d4d",
                                      "outline_width": "0.6", "outline_style": "dash"})
towns.setRenderer(QgsCategorizedSymbolRenderer("'settlement'", [
    QgsRendererCategory("settlement", outline, "{{layer.settlements}}")]))
towns.setLabeling(QgsVectorLayerSimpleLabeling(text_labels(
    "feature_name", size=9.0, color="#202020", bold=True, placement=QgsPalLayerSettings.OverPoint)))
towns.setLabelsEnabled(True)
save(towns, "zones_settlements.qml")

# the benchmark tables (`--join-tables`): source geometry, plain
join = layer("field=layer:string")
join.setRenderer(QgsSingleSymbolRenderer(QgsFillSymbol.createSimple(
    {"color": "0,0,0,0", "outline_color": "#999999", "outline_width": "0.2"})))
save(join, "zones_join_areas.qml")
join_lines = QgsVectorLayer("MultiLineString?crs=EPSG:32643&field=layer:string", "style", "memory")
join_lines.setRenderer(QgsSingleSymbolRenderer(line("#999999", 0.2)))
save(join_lines, "zones_join_lines.qml")

app.exitQgis()
os._exit(0)
