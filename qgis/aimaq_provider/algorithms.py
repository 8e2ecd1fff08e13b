"""The aimaq algorithms: each a thin call into the aimaq Python package, whose engine is
the one `aimaq screen`, `aimaq zones` and `aimaq balance` run."""

import os

from qgis.core import (
    QgsFeature,
    QgsFeatureSink,
    QgsField,
    QgsFields,
    QgsProcessing,
    QgsProcessingAlgorithm,
    QgsProcessingException,
    QgsProcessingOutputNumber,
    QgsProcessingOutputVectorLayer,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterField,
    QgsProcessingParameterFile,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterString,
    QgsProcessingParameterVectorLayer,
    QgsProcessingContext,
    QgsVectorLayer,
    QgsWkbTypes,
)
from qgis.PyQt.QtCore import QVariant

LANGS = ["en", "kk", "ru"]
LANG_LABELS = ["English", "Қазақша (Kazakh)", "Русский (Russian)"]


def _aimaq():
    """The aimaq package: bundled beside the plugin in its release ZIP, else installed."""
    try:
        import aimaq  # noqa: F401
    except ImportError:
        import sys

        bundled = os.path.join(os.path.dirname(__file__), "lib")
        if os.path.isdir(bundled) and bundled not in sys.path:
            sys.path.insert(0, bundled)
        try:
            import aimaq  # noqa: F401
        except ImportError as e:
            raise QgsProcessingException(
                "the aimaq Python package is not installed: install the plugin's release ZIP "
                f"(it bundles it) or `pip install aimaq` for QGIS's Python ({e})"
            )
    import aimaq

    return aimaq


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

    def _engine(self, parameters, context):
        aimaq = _aimaq()
        data = self.parameterAsFile(parameters, "DATA", context) or None
        lang = LANGS[self.parameterAsEnum(parameters, "LANG", context)]
        as_of = self.parameterAsString(parameters, "AS_OF", context).strip() or None
        try:
            return aimaq.Engine(data=data, lang=lang, as_of=as_of)
        except Exception as e:  # aimaq's refusals say what is wrong; keep their words
            raise QgsProcessingException(str(e))

    @staticmethod
    def _load(context, path, layer, name):
        """Adds a layer of the result to the project when the algorithm ends: QGIS
        reads its default style from the GeoPackage, so it opens styled."""
        uri = f"{path}|layername={layer}"
        details = QgsProcessingContext.LayerDetails(name, context.project(), layer)
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
            "with the reason."
        )

    def initAlgorithm(self, config=None):  # noqa: N802
        self.addParameter(
            QgsProcessingParameterVectorLayer(
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
        engine = self._engine(parameters, context)
        # a file as it is, or the layer exported where it is a memory layer, a selection,
        # or a format GDAL does not read back the same way
        path, layer = self.parameterAsCompatibleSourceLayerPathAndLayerName(
            parameters, "INPUT", context, ["gpkg", "shp", "geojson", "fgb"], "gpkg", feedback
        )
        out = self.parameterAsFileOutput(parameters, "OUTPUT", context)
        id_field = self.parameterAsString(parameters, "ID_FIELD", context) or None
        use_field = self.parameterAsString(parameters, "USE_FIELD", context) or None

        def progress(written, total):
            if total:
                feedback.setProgress(100.0 * written / total)
            if feedback.isCanceled():
                raise KeyboardInterrupt("cancelled")

        feedback.pushInfo(f"aimaq: dataset {engine.dataset}, measured in {engine.metric_crs}, catalog {engine.catalog}")
        try:
            summary = engine.screen(
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
            "PARCELS": self._load(context, out, "parcels", "aimaq parcels"),
            "FINDINGS": self._load(context, out, "findings_view", "aimaq findings"),
            "PARCELS_IN": summary["parcels_in"],
            "CHECKED": summary["parcels_checked"],
            "ERRORED": summary["parcels_errored"],
            "FINDINGS_COUNT": summary["findings"],
        }


class ZonesAlgorithm(_Base):
    def name(self):
        return "zones"

    def displayName(self):  # noqa: N802
        return "Export the resolved zones"

    def shortHelpString(self):  # noqa: N802
        return (
            "Writes every zone of the dataset that restricts the chosen use, as areas: strips "
            "buffered from their features (railway zones split at settlement edges, range widths "
            "as their minimum band and the review band to the maximum) and zone areas, with the "
            "rule, limit, regime, approval and citations, styled. The zones `aimaq zones` writes."
        )

    def initAlgorithm(self, config=None):  # noqa: N802
        self.addParameter(
            QgsProcessingParameterString("USE", "Proposed use (a code of `aimaq rules`)", defaultValue="construction")
        )
        self._engine_parameters()
        self.addParameter(QgsProcessingParameterFileDestination("OUTPUT", "Zones", "GeoPackage (*.gpkg)"))
        self.addOutput(QgsProcessingOutputVectorLayer("STRIPS", "Zone strips"))
        self.addOutput(QgsProcessingOutputVectorLayer("AREAS", "Zone areas"))

    def processAlgorithm(self, parameters, context, feedback):  # noqa: N802
        engine = self._engine(parameters, context)
        out = self.parameterAsFileOutput(parameters, "OUTPUT", context)
        use = self.parameterAsString(parameters, "USE", context).strip() or "construction"
        try:
            written = engine.zones(out, use=use, overwrite=True)
        except Exception as e:
            raise QgsProcessingException(str(e))
        feedback.pushInfo(f"{written['strips']} zone strips and {written['areas']} zone areas restricting `{use}`")
        return {
            "OUTPUT": out,
            "STRIPS": self._load(context, out, "zone_strips", f"aimaq zones ({use})"),
            "AREAS": self._load(context, out, "zone_areas", f"aimaq zone areas ({use})"),
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
        engine = self._engine(parameters, context)
        try:
            balance = engine.balance()
        except Exception as e:
            raise QgsProcessingException(str(e))
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
