"""10,000 parcels: `Engine.check` (GeoPandas), `Engine.check_arrow` (Arrow) and
`Engine.screen` (the file pipeline) each give exactly `aimaq screen`'s report."""

from __future__ import annotations

import json

import geopandas
import numpy as np
import pandas
import pyarrow as pa
import pyogrio
import pytest
import shapely

import aimaq
from conftest import run_cli

FINDING_COLUMNS = [
    "parcel", "use", "rule", "layer", "feature", "feature_name", "severity", "distance_m",
    "limit_m", "encumbered_m2", "encumbered_share", "citation", "regime", "approval",
    "regime_citation", "message",
]
PARCEL_COLUMNS = [
    "parcel", "use", "verdict", "findings", "area_m2", "encumbered_total_m2",
    "encumbered_total_share", "error", "repair",
]


def assert_same_findings(got: pandas.DataFrame, got_wkb, expected: pandas.DataFrame):
    """Every attribute equal, and the encumbered areas equal to the last bit."""
    assert len(got) == len(expected) > 5_000
    pandas.testing.assert_frame_equal(
        got[FINDING_COLUMNS].reset_index(drop=True),
        expected[FINDING_COLUMNS].reset_index(drop=True),
        check_dtype=False,
    )
    same = shapely.equals_exact(
        shapely.from_wkb(np.asarray(got_wkb, dtype=object)),
        shapely.from_wkb(expected["geom"].to_numpy()),
        tolerance=0,
    )
    assert same.all(), f"{(~same).sum()} geometries differ"


def assert_same_parcels(got: pandas.DataFrame, expected: pandas.DataFrame):
    assert len(got) == len(expected) == 10_000
    pandas.testing.assert_frame_equal(
        got[PARCEL_COLUMNS].reset_index(drop=True),
        expected[PARCEL_COLUMNS].reset_index(drop=True),
        check_dtype=False,
    )


def test_the_cadastre_exercises_uses_and_verdicts(cli_report):
    findings = cli_report["findings"]
    assert findings["use"].nunique() >= 6
    assert {"prohibited", "conditional"} <= set(cli_report["parcels"]["verdict"])
    assert findings["rule"].nunique() >= 4


def test_geopandas_check_equals_aimaq_screen(engine, cadastre, cli_report):
    frame = geopandas.read_file(cadastre["parcels"])
    result = engine.check(frame, repair=True)  # `aimaq screen` repairs
    assert result.crs == "EPSG:32643"
    assert_same_parcels(result.parcels, cli_report["parcels"])
    assert_same_findings(
        pandas.DataFrame(result.findings), shapely.to_wkb(result.findings.geometry.values),
        cli_report["findings"],
    )


def test_check_arrow_equals_aimaq_screen(engine, cadastre, cli_report):
    _, table = pyogrio.read_arrow(cadastre["parcels"])
    # the CRS comes from the column's GeoArrow metadata (PROJJSON here)
    findings = engine.check_arrow(table, geometry="geom", repair=True)
    assert isinstance(findings, pa.RecordBatch)
    field = findings.schema.field("geometry")
    assert field.metadata[b"ARROW:extension:name"] == b"geoarrow.wkb"
    assert json.loads(field.metadata[b"ARROW:extension:metadata"])["crs"] == "EPSG:32643"
    assert_same_findings(
        findings.drop_columns(["geometry"]).to_pandas(),
        findings.column("geometry").to_pylist(),
        cli_report["findings"],
    )
    parcels = engine.check_arrow(table, geometry="geom", repair=True, rows="parcels")
    assert_same_parcels(parcels.to_pandas(), cli_report["parcels"])
    # and GeoPandas reads the findings as they are
    frame = geopandas.GeoDataFrame.from_arrow(findings)
    assert frame.crs == "EPSG:32643" and len(frame) == len(findings)


def test_check_arrow_takes_other_arrow_layouts(engine, cadastre):
    _, table = pyogrio.read_arrow(cadastre["parcels"])
    table = table.slice(0, 500)
    expected = engine.check_arrow(table, geometry="geom", crs=32643)
    ids = pa.array(np.arange(500, dtype=np.int64))
    variants = pa.table({
        "parcel_no": ids,
        "shape": table.column("geom").cast(pa.large_binary()),
        "kind_of_use": table.column("use").cast(pa.string_view()),
    })

    class Exporter:
        """Only the Arrow PyCapsule protocol, as polars or arro3 export."""

        def __init__(self, batch):
            self.batch = batch

        def __arrow_c_array__(self, requested_schema=None):
            return self.batch.__arrow_c_array__(requested_schema)

    batch = variants.combine_chunks().to_batches()[0]
    for source in (variants, Exporter(batch)):
        got = engine.check_arrow(source, geometry="shape", id="parcel_no", use="kind_of_use", crs=32643)
        # ids P0000001, P0000002, … were replaced by positions 0, 1, …
        assert got.column("parcel").to_pylist() == [
            str(int(p.removeprefix("P")) - 1) for p in expected.column("parcel").to_pylist()
        ]
        assert got.drop_columns(["parcel"]).equals(expected.drop_columns(["parcel"]))
    with pytest.raises(KeyError, match="no column `nope`"):
        engine.check_arrow(table, geometry="nope")
    with pytest.raises(TypeError, match="must be WKB"):
        engine.check_arrow(pa.table({"geometry": [1.0]}))


def test_screen_equals_the_cli(engine, aimaq_bin, cadastre, cli_report, tmp_path):
    out = tmp_path / "report.gpkg"
    seen = []
    summary = engine.screen(
        cadastre["parcels"], out, verbose_rows=True, progress=lambda n, total: seen.append((n, total))
    )
    assert summary["parcels_in"] == 10_000 and summary["parcels_errored"] == 0
    cli_summary = json.loads((cadastre["report"].parent / "report.gpkg.summary.json").read_text())
    for key in ("by_verdict", "findings_by_rule", "findings", "parcels_checked", "source_crs"):
        assert summary[key] == cli_summary[key]
    assert seen and seen[-1] == (10_000, 10_000)
    for layer in ("parcels", "findings"):
        _, ours = pyogrio.read_arrow(out, layer=layer)
        _, theirs = pyogrio.read_arrow(cadastre["report"], layer=layer)
        assert ours.equals(theirs), layer
    # an existing report is kept unless overwrite is asked for
    with pytest.raises(FileExistsError):
        engine.screen(cadastre["parcels"], out)
    # the default, compact GeoPackage: every table as the CLI writes it
    compact, cli_compact = tmp_path / "compact.gpkg", tmp_path / "cli-compact.gpkg"
    assert engine.screen(cadastre["parcels"], compact)["parcels_in"] == 10_000
    run_cli(aimaq_bin, "screen", str(cadastre["parcels"]), "--out", str(cli_compact), "--progress", "off")
    layers = [name for name, _ in pyogrio.list_layers(cli_compact)]
    assert {"parcels", "findings", "findings_view"} <= set(layers)
    assert layers == [name for name, _ in pyogrio.list_layers(compact)]
    for layer in layers:
        if layer == "layer_styles":  # stamped with the time of writing
            continue
        _, ours = pyogrio.read_arrow(compact, layer=layer)
        _, theirs = pyogrio.read_arrow(cli_compact, layer=layer)
        assert ours.equals(theirs), layer


def test_screen_stops_when_progress_raises(engine, cadastre, tmp_path):
    out = tmp_path / "stopped.gpkg"

    def stop(written, total):
        raise RuntimeError(f"stop at {written}")

    # raised out of the call (reading stops at the next chunk; this small file has
    # been read whole by then, so its report may be complete)
    with pytest.raises(RuntimeError, match="stop at 4096"):
        engine.screen(cadastre["parcels"], out, progress=stop)
    with pytest.raises(FileNotFoundError):
        engine.screen(tmp_path / "missing.gpkg", tmp_path / "r.gpkg")
