"""Issue 18, round 2 answers, in Python: a parcel outside the dataset, a parcel too small
to measure and a measuring CRS that distorts are refused as `aimaq check` refuses them,
and errors name Python's keywords, never a Rust API."""

from __future__ import annotations

import geopandas
import pytest
import shapely

import aimaq
from conftest import REPO, cli_json

BAD = REPO / "fixtures" / "bad"


def test_r2_outside_the_dataset_is_an_error_row_never_clear(engine, aimaq_bin):
    parcels = geopandas.read_file(BAD / "outside-dataset.geojson")
    rows = engine.check(parcels).parcels.set_index("parcel")
    assert rows.loc["talgar", "verdict"] == "conditional"
    for place in ["bishkek", "karakol", "balkhash"]:
        assert rows.loc[place, "verdict"] == "error", place
        assert "outside the dataset's extent" in rows.loc[place, "error"], place
    assert "with x and y swapped it would lie inside" in rows.loc["talgar-swapped", "error"]
    # the same answers as `aimaq check`
    cli = {p["id"]: p for p in cli_json(aimaq_bin, str(BAD / "outside-dataset.geojson"))["parcels"]}
    assert set(cli) == set(rows.index)
    for place, p in cli.items():
        assert rows.loc[place, "verdict"] == p["verdict"], place
        if p["error"]:
            assert rows.loc[place, "error"] == p["error"], place


def test_r2_a_parcel_too_small_to_measure_is_an_error_row(engine):
    speck = shapely.box(77.756257, 43.326485, 77.756257 + 1e-8, 43.326485 + 1e-8)
    row = engine.check([speck], uses="vehicle_wash").parcels.iloc[0]
    assert row["verdict"] == "error"
    assert row["error"].startswith("parcel too small to measure: its area is"), row["error"]


def test_r2_a_distorting_measuring_crs_is_refused_with_the_crs_that_would_do():
    with pytest.raises(aimaq.AimaqError) as refused:
        aimaq.Engine(metric_crs="EPSG:3857")
    text = str(refused.value)
    assert "EPSG:3857" in text and "beyond aimaq's tolerance of 1 %" in text, text
    assert "measure in EPSG:32643" in text, text


def test_r2_errors_name_python_keywords_not_the_rust_api():
    strict = aimaq.Engine(max_vertices=3, max_extent_km=0.01)
    lot = shapely.box(77.23, 43.30, 77.2305, 43.3005)
    error = strict.check([lot], uses="residential").parcels.iloc[0]["error"]
    assert error.startswith("parcel has too many vertices: 4, the limit is 3"), error
    assert "aimaq.Engine(max_vertices=...)" in error, error
    wide = aimaq.Engine(max_extent_km=0.01)
    error = wide.check([lot], uses="residential").parcels.iloc[0]["error"]
    assert "aimaq.Engine(max_extent_km=...)" in error, error
    assert "::" not in error and "with_limits" not in error, error
    with pytest.raises(ValueError, match="max_extent_km must be a finite number"):
        aimaq.Engine(max_extent_km=float("nan"))
