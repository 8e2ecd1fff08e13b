"""`aimaq.spark.screen` in Spark `local[2]` (pyspark from PyPI, Java 17): the same 10,000
parcels give exactly `aimaq screen`'s findings and verdicts, one engine per worker."""

from __future__ import annotations

import pandas
import pyarrow as pa
import pyogrio
import pytest
import shapely

import aimaq.spark
from test_cadastre import FINDING_COLUMNS, PARCEL_COLUMNS

KEY = ["parcel", "rule", "feature"]


@pytest.fixture(scope="module")
def spark():
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[2]")
        .appName("aimaq-tests")
        # loopback only; no UI port
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.ui.enabled", "false")
        .getOrCreate()
    )
    yield session
    session.stop()


@pytest.fixture(scope="module")
def parcels_df(spark, cadastre):
    """The cadastre as Spark holds parcels: id, use, WKB (EPSG:32643), 8 partitions."""
    _, table = pyogrio.read_arrow(cadastre["parcels"])
    table = pa.table({"id": table["id"], "use": table["use"], "geometry": table["geom"]})
    return spark.createDataFrame(table).repartition(8).cache()


def sorted_frame(frame: pandas.DataFrame, by: list[str]) -> pandas.DataFrame:
    return frame.sort_values(by).reset_index(drop=True)


def test_spark_findings_equal_aimaq_screen(parcels_df, cli_report):
    findings = aimaq.spark.screen(parcels_df, crs="EPSG:32643")
    assert findings.columns == [*FINDING_COLUMNS, "geometry"]
    got = sorted_frame(findings.toArrow().to_pandas(), KEY)
    expected = sorted_frame(cli_report["findings"], KEY)
    assert len(got) == len(expected) > 5_000
    pandas.testing.assert_frame_equal(
        got[FINDING_COLUMNS], expected[FINDING_COLUMNS], check_dtype=False
    )
    same = shapely.equals_exact(
        shapely.from_wkb(got["geometry"].to_numpy()),
        shapely.from_wkb(expected["geom"].to_numpy()),
        tolerance=0,
    )
    assert same.all(), f"{(~same).sum()} geometries differ"


def test_spark_parcels_equal_aimaq_screen(parcels_df, cli_report):
    parcels = aimaq.spark.screen(parcels_df, crs=32643, rows="parcels")
    got = sorted_frame(parcels.toArrow().to_pandas(), ["parcel"])
    expected = sorted_frame(cli_report["parcels"], ["parcel"])
    assert len(got) == 10_000
    pandas.testing.assert_frame_equal(got[PARCEL_COLUMNS], expected[PARCEL_COLUMNS], check_dtype=False)


def test_one_engine_per_worker(spark, parcels_df):
    # 8 partitions on 2 cores: each Python worker runs several tasks
    aimaq.spark.screen(parcels_df, crs="EPSG:32643").count()

    def probe(batches):
        import os

        import aimaq.spark as worker

        info = worker._engine.cache_info()
        for _ in batches:
            yield pa.record_batch({"pid": [os.getpid()], "built": [info.misses], "reused": [info.hits]})

    rows = spark.range(4, numPartitions=4).mapInArrow(probe, "pid long, built long, reused long").collect()
    assert rows and all(r.built <= 1 for r in rows)  # never a second engine for the same options
    assert any(r.built == 1 and r.reused >= 1 for r in rows)


def test_bad_records_are_rows_in_spark(spark):
    lot = shapely.to_wkb(shapely.box(76.9280, 43.2560, 76.9290, 43.2566))
    frame = pandas.DataFrame({
        "id": ["good", "no-geometry", "garbage", "point", "bad-use"],
        "use": ["residential", None, None, None, "no_such_use"],
        "geometry": [lot, None, b"\x01\x03garbage", shapely.to_wkb(shapely.Point(76.9, 43.2)), lot],
    })
    df = spark.createDataFrame(frame, "id string, use string, geometry binary")
    parcels = {r.parcel: r for r in aimaq.spark.screen(df, rows="parcels").collect()}
    assert parcels["good"].verdict != "error"
    assert parcels["no-geometry"].error == "no geometry"
    assert "unreadable WKB" in parcels["garbage"].error
    assert "not a point" in parcels["point"].error
    assert "unknown use" in parcels["bad-use"].error
    findings = aimaq.spark.screen(df).collect()
    assert findings and {r.parcel for r in findings} == {"good"}


def test_arguments_are_checked_on_the_driver(spark):
    df = spark.createDataFrame(pandas.DataFrame({"id": ["a"], "wkb": [b""]}))
    with pytest.raises(ValueError, match="geometry_col: no column `geometry`"):
        aimaq.spark.screen(df)
    with pytest.raises(ValueError, match="use_col"):
        aimaq.spark.screen(df, geometry_col="wkb", use_col="nope")
    with pytest.raises(ValueError, match="rows"):
        aimaq.spark.screen(df, geometry_col="wkb", rows="everything")
    # the output's columns do not depend on the input's names
    assert aimaq.spark.screen(df, geometry_col="wkb").columns == [*FINDING_COLUMNS, "geometry"]
