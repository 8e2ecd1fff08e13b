"""The aimaq algorithms: each a thin call into aimaq's engine, the one `aimaq screen`,
`aimaq zones` and `aimaq balance` run — in-process through the aimaq Python package when
QGIS's Python has it, else through the `aimaq` binary (backend.py)."""

import json
import os
import sqlite3

from qgis.core import (
    QgsFeature,
    QgsFeatureSink,
    QgsField,
    QgsFields,
    QgsLayerTreeLayer,
    QgsProcessing,
    QgsProcessingAlgorithm,
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingLayerPostProcessorInterface,
    QgsProcessingOutputNumber,
    QgsProcessingOutputVectorLayer,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterFile,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterString,
    QgsWkbTypes,
)
from qgis.PyQt.QtCore import QVariant

from . import backend

LANGS = ["en", "kk", "ru"]
LANG_LABELS = ["English", "Қазақша (Kazakh)", "Русский (Russian)"]

# the zones map's layers, bottom up as it is drawn (the order `aimaq zones` lists them)
ZONES_LAYERS = ["zone_areas", "zone_strips", "source_areas", "settlements", "source_lines"]


def _titles(path):
    """Each layer's title as the GeoPackage gives it (`gpkg_contents.identifier`: aimaq
    writes it in the export's language)."""
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
            return dict(db.execute("SELECT table_name, identifier FROM gpkg_contents"))
    except sqlite3.Error:
        return {}


def _count(path, table):
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        return db.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]


class _Stack(QgsProcessingLayerPostProcessorInterface):
    """Gives a loaded result its GeoPackage's default style, and keeps a result's layers
    in the drawing order of their rank (Processing loads them in the order of their
    sources' names): higher ranks on top."""

    def __init__(self, rank):
        super().__init__()
        self.rank = rank

    def postProcessLayer(self, layer, context, feedback):  # noqa: N802 (QGIS's name)
        # Processing loads results without their default style: the GeoPackage's own
        # (layer_styles, in the export's language) is the one to show
        _, loaded = layer.loadDefaultStyle()
        if loaded:
            layer.triggerRepaint()
            layer.emitStyleChanged()
        layer.setCustomProperty("aimaq/rank", self.rank)
        project = context.project()
        node = project.layerTreeRoot().findLayer(layer.id()) if project else None
        if node is None:
            return
        parent = node.parent()
        ranked = [
            (i, c) for i, c in enumerate(parent.children())
            if isinstance(c, QgsLayerTreeLayer) and c.layer() is not None
            and c.layer().customProperty("aimaq/rank") is not None
        ]
        slots = [i for i, _ in ranked]
        wanted = sorted((c for _, c in ranked), key=lambda c: -int(c.layer().customProperty("aimaq/rank")))
        if [c for _, c in ranked] == wanted:
            return
        clones = [c.clone() for c in wanted]
        for i, _ in reversed(ranked):
            parent.removeChildNode(parent.children()[i])
        for slot, clone in sorted(zip(slots, clones), key=lambda x: x[0]):
            parent.insertChildNode(slot, clone)


# post-processors must outlive the algorithm's run: Processing holds them by pointer
_KEEP = []


class _Base(QgsProcessingAlgorithm):
    def group(self):
        return "Almaty agglomeration regulations"

    def groupId(self):  # noqa: N802
        return "regulations"

    def createInstance(self):  # noqa: N802
        return type(self)()

    def _engine_parameters(self):
        self.addParameter(
            QgsProcessingParameterFile(
                "DATA",
                "Constraint dataset (a GeoPackage of the contract's layers, or a folder); empty: the embedded Almaty data",
                behavior=QgsProcessingParameterFile.File,
                optional=True,
            )
        )
        self.addParameter(
            QgsProcessingParameterEnum("LANG", "Language of messages and labels", options=LANG_LABELS, defaultValue=0)
        )
        self.addParameter(
            QgsProcessingParameterString(
                "AS_OF", "Rules in force on (YYYY-MM-DD); empty: every rule", optional=True
            )
        )

    def _options(self, parameters, context):
        data = self.parameterAsFile(parameters, "DATA", context) or None
        lang = LANGS[self.parameterAsEnum(parameters, "LANG", context)]
        as_of = self.parameterAsString(parameters, "AS_OF", context).strip() or None
        return data, lang, as_of

    def _engine(self, parameters, context, feedback):
        """The in-process engine, or None when the binary is to be used."""
        aimaq = backend.package()
        if aimaq is None:
            return None
        data, lang, as_of = self._options(parameters, context)
        try:
            engine = aimaq.Engine(data=data, lang=lang, as_of=as_of)
        except Exception as e:  # aimaq's refusals say what is wrong; keep their words
            raise QgsProcessingException(str(e))
        feedback.pushInfo(f"aimaq {getattr(aimaq, '__version__', '')} in-process: dataset {engine.dataset}, "
                          f"measured in {engine.metric_crs}, catalog {engine.catalog}")
        return engine

    def _cli_options(self, parameters, context):
        """The engine's options as `aimaq` arguments."""
        data, lang, as_of = self._options(parameters, context)
        args = ["--lang", lang]
        if data:
            args += ["--data", data]
        if as_of:
            args += ["--as-of", as_of]
        return args

    @staticmethod
    def _load(context, path, layer, name, rank=0):
        """Adds a layer of the result to the project when the algorithm ends: QGIS
        reads its default style from the GeoPackage, so it opens styled."""
        uri = f"{path}|layername={layer}"
        details = QgsProcessingContext.LayerDetails(name, context.project(), layer)
        stack = _Stack(rank)
        _KEEP.append(stack)
        details.setPostProcessor(stack)
        context.addLayerToLoadOnCompletion(uri, details)
        return uri


class CheckAlgorithm(_Base):
    def name(self):
        return "check"

    def displayName(self):  # noqa: N802
        return "Check parcels against the regulations"

    def shortHelpString(self):  # noqa: N802
        return (
            "Checks every parcel, with its proposed use, against the catalog of the Almaty "
            "agglomeration scheme (Decree No. 514 of 13.08.2020): which rule, which object, how "
            "close, how many square metres, under which act. Writes a compact GeoPackage report "
            "(parcels coloured by verdict, findings hatched by severity, rules, metadata) — the "
            "report `aimaq screen` writes — and loads its layers styled. Every record comes "
            "back: invalid polygons are repaired (and the row says so), the rest are error rows "
            "with the reason. Any polygon layer will do: a temporary layer, a selection or a "
            "format aimaq does not read is written to a GeoPackage first."
        )

    def initAlgorithm(self, config=None):  # noqa: N802
        self.addParameter(
            QgsProcessingParameterFeatureSource(
                "INPUT", "Parcels", [QgsProcessing.TypeVectorPolygon]
            )
        )
        self.addParameter(
            QgsProcessingParameterField(
                "ID_FIELD", "Parcel id field (empty: a field named like a cadastral number, else the FID)",
                parentLayerParameterName="INPUT", optional=True,
            )
        )
        self.addParameter(
            QgsProcessingParameterField(
                "USE_FIELD", "Proposed use field (codes of `aimaq rules`; empty: field `use` if present, else construction)",
                parentLayerParameterName="INPUT", optional=True,
            )
        )
        self._engine_parameters()
        self.addParameter(
            QgsProcessingParameterFileDestination("OUTPUT", "Report", "GeoPackage (*.gpkg)")
        )
        self.addOutput(QgsProcessingOutputVectorLayer("PARCELS", "Parcels with verdicts"))
        self.addOutput(QgsProcessingOutputVectorLayer("FINDINGS", "Findings"))
        for key, label in [
            ("PARCELS_IN", "Parcels in"),
            ("CHECKED", "Checked"),
            ("ERRORED", "Errored"),
            ("FINDINGS_COUNT", "Findings"),
        ]:
            self.addOutput(QgsProcessingOutputNumber(key, label))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        # a file as it is, or the layer exported where it is a memory layer, a selection,
        # or a format GDAL does not read back the same way
        path, layer = self.parameterAsCompatibleSourceLayerPathAndLayerName(
            parameters, "INPUT", context, ["gpkg", "shp", "geojson", "fgb"], "gpkg", feedback
        )
        out = self.parameterAsFileOutput(parameters, "OUTPUT", context)
        id_field = self.parameterAsString(parameters, "ID_FIELD", context) or None
        use_field = self.parameterAsString(parameters, "USE_FIELD", context) or None
        engine = self._engine(parameters, context, feedback)
        if engine is not None:
            summary = self._in_process(engine, path, layer, out, id_field, use_field, feedback)
        else:
            args = ["screen", path, "--out", out, "--overwrite", "--progress", "json"]
            args += self._cli_options(parameters, context)
            for flag, value in (("--layer", layer), ("--id-field", id_field), ("--use-field", use_field)):
                if value:
                    args += [flag, value]
            backend.run(args, feedback, progress=True)
            with open(out + ".summary.json", encoding="utf-8") as f:
                summary = json.load(f)
        verdicts = summary.get("by_verdict", {})
        feedback.pushInfo(
            f"{summary['parcels_in']} parcels in: {summary['parcels_checked']} checked, "
            f"{summary['parcels_errored']} errored, {summary.get('parcels_repaired', 0)} repaired; "
            + ", ".join(f"{k} {v}" for k, v in sorted(verdicts.items()))
        )
        if str(summary.get("id_source", "")).startswith("no id field"):
            feedback.reportError(f"{summary['id_source']}: choose the id field", fatalError=False)
        return {
            "OUTPUT": out,
            "PARCELS": self._load(context, out, "parcels", "aimaq parcels", rank=0),
            "FINDINGS": self._load(context, out, "findings_view", "aimaq findings", rank=1),
            "PARCELS_IN": summary["parcels_in"],
            "CHECKED": summary["parcels_checked"],
            "ERRORED": summary["parcels_errored"],
            "FINDINGS_COUNT": summary["findings"],
        }

    @staticmethod
    def _in_process(engine, path, layer, out, id_field, use_field, feedback):
        def progress(written, total):
            if total:
                feedback.setProgress(100.0 * written / total)
            if feedback.isCanceled():
                raise KeyboardInterrupt("cancelled")

        try:
            return engine.screen(
                path,
                out,
                layer=layer or None,
                id_field=id_field,
                use_field=use_field,
                overwrite=True,
                progress=progress,
            )
        except KeyboardInterrupt:
            raise QgsProcessingException("cancelled: no report written")
        except Exception as e:
            raise QgsProcessingException(str(e))


class ZonesAlgorithm(_Base):
    def name(self):
        return "zones"

    def displayName(self):  # noqa: N802
        return "Export the resolved zones"

    def shortHelpString(self):  # noqa: N802
        return (
            "Writes every zone of the dataset that restricts the chosen use, as a map: strips "
            "buffered from their features (railway zones split at settlement edges, range widths "
            "as their minimum band and the review band to the maximum) filled by regime, zone "
            "areas hatched by regime, the features they are measured from (rivers, the "
            "reservoir, power lines, railways, pipelines) and the settlements, each layer styled "
            "and named in the chosen language. The zones `aimaq zones` writes."
        )

    def initAlgorithm(self, config=None):  # noqa: N802
        self.addParameter(
            QgsProcessingParameterString("USE", "Proposed use (a code of `aimaq rules`)", defaultValue="construction")
        )
        self._engine_parameters()
        self.addParameter(QgsProcessingParameterFileDestination("OUTPUT", "Zones", "GeoPackage (*.gpkg)"))
        self.addOutput(QgsProcessingOutputVectorLayer("STRIPS", "Zone strips"))
        self.addOutput(QgsProcessingOutputVectorLayer("AREAS", "Zone areas"))
        self.addOutput(QgsProcessingOutputNumber("STRIPS_COUNT", "Zone strips"))
        self.addOutput(QgsProcessingOutputNumber("AREAS_COUNT", "Zone areas"))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        out = self.parameterAsFileOutput(parameters, "OUTPUT", context)
        use = self.parameterAsString(parameters, "USE", context).strip() or "construction"
        engine = self._engine(parameters, context, feedback)
        if engine is not None:
            try:
                engine.zones(out, use=use, overwrite=True)
            except Exception as e:
                raise QgsProcessingException(str(e))
        else:
            args = ["zones", "--out", out, "--use", use, "--overwrite"] + self._cli_options(parameters, context)
            backend.run(args, feedback)
        strips, areas = _count(out, "zone_strips"), _count(out, "zone_areas")
        feedback.pushInfo(f"{strips} zone strips and {areas} zone areas restricting `{use}`")
        titles = _titles(out)
        uris = {
            table: self._load(context, out, table, f"{titles.get(table, table)} ({use})", rank=i)
            for i, table in enumerate(ZONES_LAYERS)
        }
        return {
            "OUTPUT": out,
            "STRIPS": uris["zone_strips"],
            "AREAS": uris["zone_areas"],
            "STRIPS_COUNT": strips,
            "AREAS_COUNT": areas,
        }


class BalanceAlgorithm(_Base):
    def name(self):
        return "balance"

    def displayName(self):  # noqa: N802
        return "Land balance by functional zone"

    def shortHelpString(self):  # noqa: N802
        return (
            "Measures the dataset's functional zones by group and sub-zone (the union of their "
            "polygons, so an overlap counts once), beside the scheme's Appendix 1 land categories "
            "and their planned figures for 2018, 2025, 2035 and 2050."
        )

    def initAlgorithm(self, config=None):  # noqa: N802
        self._engine_parameters()
        self.addParameter(QgsProcessingParameterFeatureSink("OUTPUT", "Land balance", QgsProcessing.TypeVector))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        engine = self._engine(parameters, context, feedback)
        if engine is not None:
            try:
                balance = engine.balance()
            except Exception as e:
                raise QgsProcessingException(str(e))
        else:
            text = backend.run(["balance", "--json"] + self._cli_options(parameters, context), feedback)
            try:
                balance = json.loads(text)["balance"]
            except (ValueError, KeyError) as e:
                raise QgsProcessingException(f"aimaq balance --json gave no balance: {e}")
        fields = QgsFields()
        for name, kind in [
            ("kind", QVariant.String), ("level", QVariant.String), ("code", QVariant.String),
            ("label", QVariant.String), ("thousand_ha", QVariant.Double), ("share", QVariant.Double),
            ("plan_2018", QVariant.Double), ("plan_2025", QVariant.Double),
            ("plan_2035", QVariant.Double), ("plan_2050", QVariant.Double), ("citation", QVariant.String),
        ]:
            fields.append(QgsField(name, kind))
        sink, dest = self.parameterAsSink(parameters, "OUTPUT", context, fields, QgsWkbTypes.NoGeometry)
        if sink is None:
            raise QgsProcessingException("cannot create the output table")
        for row in balance["rows"]:
            f = QgsFeature(fields)
            f.setAttributes([
                "zone", row.get("level"), str(row.get("code", "")), row.get("label"),
                row.get("thousand_ha"), row.get("share"), None, None, None, None, None,
            ])
            sink.addFeature(f, QgsFeatureSink.FastInsert)
        for c in balance["categories"]:
            t = c.get("targets", {})
            f = QgsFeature(fields)
            f.setAttributes([
                "appendix_1", "category", str(c.get("key", "")), c.get("label"),
                c.get("measured_thousand_ha"), None, t.get("2018"), t.get("2025"), t.get("2035"),
                t.get("2050"), c.get("citation"),
            ])
            sink.addFeature(f, QgsFeatureSink.FastInsert)
        feedback.pushInfo(
            f"total {balance['total_thousand_ha']:.2f} thousand ha measured, "
            f"{balance['planned_total_thousand_ha']:.2f} planned (Appendix 1)"
        )
        return {"OUTPUT": dest}
