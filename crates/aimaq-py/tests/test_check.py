"""`Engine.check` against `aimaq check` on the demo parcels, every accepted input kind, and
records that cannot be checked."""

from __future__ import annotations

import json
import math
import threading
import time

import geopandas
import numpy as np
import pandas
import pyarrow as pa
import pytest
import shapely

import aimaq
from conftest import DEMO, cli_json, run_cli

# The finding fields of the JSON contract (docs/output.md), in its order.
FINDING_FIELDS = [
    "rule", "layer", "feature", "feature_name", "severity", "distance_m", "limit_m",
    "encumbered_m2", "encumbered_share", "citation", "use", "regime", "approval",
    "regime_citation", "message",
]


@pytest.fixture(scope="module")
def demo() -> geopandas.GeoDataFrame:
    return geopandas.read_file(DEMO)


def cli_rows(report: dict) -> tuple[list[dict], list[dict]]:
    """The CLI's JSON as parcel rows and finding rows, in the Python tables' terms."""
    parcels, findings = [], []
    for p in report["parcels"]:
        total = (p.get("encumbrance") or {}).get("total") or {}
        parcels.append({
            "parcel": p["id"], "use": p.get("use"), "verdict": p["verdict"],
            "findings": len(p["findings"]),
            "area_m2": None if p.get("error") else p["area_m2"],
            "encumbered_total_m2": total.get("m2"), "encumbered_total_share": total.get("share"),
            "error": p.get("error"),
        })
        for f in p["findings"]:
            findings.append({"parcel": p["id"], **{k: f.get(k) for k in FINDING_FIELDS}})
    return parcels, findings


def py_rows(result: aimaq.CheckResult) -> tuple[list[dict], list[dict]]:
    def clean(v):
        return None if v is None or (isinstance(v, float) and math.isnan(v)) else v

    parcels = [
        {k: clean(v) for k, v in row.items() if k != "repair"}
        for row in result.parcels.to_dict("records")
    ]
    findings = [
        {k: clean(row[k]) for k in ["parcel", *FINDING_FIELDS]}
        for row in pandas.DataFrame(result.findings.drop(columns="geometry")).to_dict("records")
    ]
    return parcels, findings


def test_demo_matches_the_cli_json(aimaq_bin, engine, demo):
    expected = cli_rows(cli_json(aimaq_bin, str(DEMO)))
    result = engine.check(demo)
    got = py_rows(result)
    assert len(got[0]) == len(demo) >= 35 and len(got[1]) == len(expected[1]) > len(demo)
    assert got[0] == expected[0]
    assert got[1] == expected[1]
    # the frame's own `id` and `use` columns were taken, the index kept
    assert list(result.parcels.index) == list(demo.index)
    assert result.findings.crs == "EPSG:4326"


def test_demo_geometries_match_the_cli_geojson(aimaq_bin, engine, demo):
    cli = json.loads(run_cli(aimaq_bin, "check", "--format", "geojson", str(DEMO)).stdout)
    # one feature per finding (`row` finding), beside the clear and errored parcels
    rows = [f for f in cli["features"] if f["properties"].get("row", "finding") == "finding"]
    expected = geopandas.GeoDataFrame.from_features(rows, crs="EPSG:4326")
    findings = engine.check(demo).findings
    assert list(findings["parcel"]) == list(expected["parcel"])
    assert list(findings["rule"]) == list(expected["rule"])
    # same encumbered areas, to the digits GeoJSON keeps
    assert shapely.equals_exact(
        findings.geometry.values, expected.geometry.values, tolerance=1e-9
    ).all()


def test_language_and_date_as_the_cli(aimaq_bin, demo):
    engine = aimaq.Engine(lang="kk", as_of="2023-06-01")
    assert (engine.lang, engine.as_of) == ("kk", "2023-06-01")
    expected = cli_rows(cli_json(aimaq_bin, "--lang", "kk", "--as-of", "2023-06-01", str(DEMO)))
    assert py_rows(engine.check(demo)) == expected
    # and the date does change the answer: chapter 2's rules start in 2024
    assert expected[1] != cli_rows(cli_json(aimaq_bin, str(DEMO)))[1]


def _as(kind: str, demo: geopandas.GeoDataFrame):
    geoms = demo.geometry
    if kind == "shapely array":
        return geoms.values.to_numpy() if hasattr(geoms.values, "to_numpy") else np.asarray(geoms)
    if kind == "list":
        return list(geoms)
    if kind == "GeoSeries":
        return geoms
    if kind == "WKB list":
        return [shapely.to_wkb(g) for g in geoms]
    if kind == "pyarrow WKB":
        return pa.array(shapely.to_wkb(geoms.values), type=pa.binary())
    if kind == "chunked large WKB":
        wkb = shapely.to_wkb(geoms.values)
        return pa.chunked_array([wkb[:10], wkb[10:]], type=pa.large_binary())
    raise AssertionError(kind)


@pytest.mark.parametrize(
    "kind", ["shapely array", "list", "GeoSeries", "WKB list", "pyarrow WKB", "chunked large WKB"]
)
def test_every_input_kind_gives_the_same_answer(engine, demo, kind):
    expected = engine.check(demo)
    got = engine.check(_as(kind, demo), uses=list(demo["use"]), ids=demo["id"])
    pandas.testing.assert_frame_equal(
        got.parcels.reset_index(drop=True), expected.parcels.reset_index(drop=True)
    )
    pandas.testing.assert_frame_equal(
        pandas.DataFrame(got.findings), pandas.DataFrame(expected.findings)
    )


def test_single_geometry_and_single_wkb(engine):
    lot = shapely.box(76.9280, 43.2560, 76.9290, 43.2566)
    one = engine.check(lot, uses="residential", ids=["lot-1"])
    assert list(one.parcels["parcel"]) == ["lot-1"]
    assert one.parcels["verdict"][0] in {"prohibited", "conditional", "review"}
    wkb = engine.check(shapely.to_wkb(lot), uses="residential", ids=["lot-1"])
    pandas.testing.assert_frame_equal(one.parcels, wkb.parcels)
    # no ids: positions
    assert list(engine.check([lot, lot]).parcels["parcel"]) == ["0", "1"]


def test_projected_input_is_measured_the_same(engine, demo):
    lonlat = engine.check(demo)
    utm = engine.check(demo.to_crs(32643))
    assert utm.crs == "EPSG:32643" and utm.findings.crs == "EPSG:32643"
    assert list(utm.parcels["verdict"]) == list(lonlat.parcels["verdict"])
    assert list(utm.findings["rule"]) == list(lonlat.findings["rule"])
    # the same parcels up to the round trip of their vertices through PROJ
    np.testing.assert_allclose(utm.parcels["area_m2"], lonlat.parcels["area_m2"], rtol=1e-6)
    np.testing.assert_allclose(
        utm.findings["encumbered_m2"], lonlat.findings["encumbered_m2"], rtol=1e-4, atol=1e-2
    )
    # the answers' geometries are in the input's CRS
    assert utm.findings.total_bounds[0] > 100_000


def test_degrees_declared_as_metres_are_refused(engine, demo):
    with pytest.raises(aimaq.AimaqError, match="look like degrees"):
        engine.check(demo.geometry.values, crs=32643)
    with pytest.raises(aimaq.AimaqError, match="EPSG:999999"):
        engine.check(demo.geometry.values, crs="EPSG:999999")


@pytest.mark.filterwarnings("ignore:invalid value encountered")  # shapely, on the NaN polygon
def test_bad_records_are_rows_and_the_rest_is_checked(engine, demo):
    good = demo.geometry.iloc[1]  # P-002, inside a power line's zone: findings
    bowtie = shapely.Polygon([(77.30, 43.30), (77.301, 43.301), (77.301, 43.30), (77.30, 43.301)])
    nan = shapely.Polygon([(77.30, 43.30), (np.nan, 43.30), (77.301, 43.301)])
    items = [
        (good, "residential"), (None, None), (shapely.Point(77.3, 43.3), None),
        (shapely.Polygon(), None), (bowtie, None), (nan, None), (good, "no_such_use"),
        (b"\x01\x03garbage", None), (good, None),
    ]
    wkb = [None if g is None else g if isinstance(g, bytes) else shapely.to_wkb(g) for g, _ in items]
    ids = [f"r{i}" for i in range(len(items))]
    ids[8] = None
    result = engine.check(wkb, uses=[u for _, u in items], ids=ids)
    p = result.parcels
    assert len(p) == len(items)
    assert list(p["verdict"] == "error") == [False, True, True, True, True, True, True, True, True]
    reasons = list(p["error"])
    assert reasons[1] == "no geometry"
    assert "not a point" in reasons[2]
    assert reasons[3] == "empty geometry"
    assert reasons[4]  # self-intersection, not repaired unless asked
    assert "not a finite number" in reasons[5]
    assert "unknown use `no_such_use`" in reasons[6]
    assert "unreadable WKB" in reasons[7]
    assert "no id" in reasons[8] and p["parcel"][8] == "#8"
    assert set(result.findings["parcel"]) == {"r0"}

    with pytest.raises(aimaq.ParcelError) as raised:
        result.raise_for_errors()
    assert raised.value.id == "r1" and raised.value.reason == "no geometry"
    assert len(raised.value.errors) == 8 and raised.value.result is result
    assert "and 7 more records" in str(raised.value)

    repaired = engine.check([bowtie], ids=["bowtie"], repair=True).parcels
    assert repaired["verdict"][0] != "error"
    assert "MakeValid" in repaired["repair"][0]
    # nothing to raise: the result comes back
    clean = engine.check([good], ids=["ok"])
    assert clean.raise_for_errors() is clean


def test_argument_errors_raise(engine, demo):
    with pytest.raises(ValueError, match=f"2 ids for {len(demo)} geometries"):
        engine.check(demo.geometry, ids=["a", "b"])
    with pytest.raises(ValueError, match="not a date"):
        aimaq.Engine(as_of="yesterday")
    with pytest.raises(ValueError):
        aimaq.Engine(lang="xx")
    with pytest.raises(FileNotFoundError):
        aimaq.Engine(data="/nonexistent/dataset.gpkg")


def test_checks_release_the_gil(engine, cadastre):
    import pyogrio

    _, table = pyogrio.read_arrow(cadastre["parcels"])
    batch = table.combine_chunks().to_batches()[0]
    worker = threading.Thread(target=engine.check_arrow, args=(batch,), kwargs={"geometry": "geom"})
    gaps = []
    started = last = time.perf_counter()
    worker.start()
    while worker.is_alive():
        now = time.perf_counter()
        gaps.append(now - last)
        last = now
    elapsed = time.perf_counter() - started
    worker.join()
    # a held GIL would stall this loop for the whole check, one long gap; released, it
    # runs throughout, paused only by the switch interval and the OS scheduler
    assert elapsed > 0.2, elapsed
    assert max(gaps) < elapsed / 4, (max(gaps), elapsed)


def test_ids_default_to_the_frame_then_the_index(engine, demo):
    by_id = demo.set_index("id")
    # no `id` column: the index is the id, and stays the index
    result = engine.check(by_id)
    assert list(result.parcels["parcel"]) == list(demo["id"])
    assert list(result.parcels.index) == list(demo["id"])
    tail = engine.check(demo.geometry.iloc[3:6])
    assert list(tail.parcels["parcel"]) == ["3", "4", "5"]
    # explicit ids win over the frame's column
    named = engine.check(demo, ids=[f"x{i}" for i in range(len(demo))])
    assert named.parcels["parcel"].iloc[-1] == f"x{len(demo) - 1}"
