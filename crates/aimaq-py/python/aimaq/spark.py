"""Cadastre screening on Apache Spark, with plain ``mapInArrow`` (no Sedona jars).

Each Python worker builds one engine and reuses it for every batch of every task it
runs; batches go to the engine as Arrow, without per-row Python::

    findings = aimaq.spark.screen(parcels_df)        # WKB in EPSG:4326, column `id`

The workers need the ``aimaq`` wheel installed (or shipped in a packed environment) and,
for ``data=``, the dataset at the same path on every node: see docs/python.md.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterator

import pyarrow as pa

from . import _aimaq
from ._engine import Engine, Rows, _crs_text

if TYPE_CHECKING:
    from pyspark.sql import DataFrame


@dataclass(frozen=True)
class _EngineOptions:
    """What a worker's engine is built from (hashable: the key of the worker's cache)."""

    data: str | None
    lang: str
    as_of: str | None
    metric_crs: str
    catalog: str | None
    threads: int


@functools.lru_cache(maxsize=4)
def _engine(options: _EngineOptions) -> Engine:
    """The worker's engine: built on its first batch, reused while the worker lives."""
    return Engine(
        options.data,
        options.lang,
        options.as_of,
        metric_crs=options.metric_crs,
        catalog=options.catalog,
        threads=options.threads,
    )


def _check_batches(
    batches: Iterator[pa.RecordBatch],
    *,
    options: _EngineOptions,
    geometry: str,
    id: str,
    use: str | None,
    crs: str,
    repair: bool,
    rows: Rows,
    schema: pa.Schema,
) -> Iterator[pa.RecordBatch]:
    engine = _engine(options)
    for batch in batches:
        parcels, findings = engine._native.check_batch(batch, geometry, id, use, crs, repair)
        out = pa.record_batch(findings if rows == "findings" else parcels)
        # Spark may ask for large string/binary types (spark.sql.execution.arrow.useLargeVarTypes)
        yield out if out.schema.equals(schema) else out.cast(schema)


def screen(
    df: DataFrame,
    geometry_col: str = "geometry",
    id_col: str = "id",
    use_col: str | None = None,
    data: str | os.PathLike[str] | None = None,
    crs: Any = "EPSG:4326",
    *,
    lang: str = "en",
    as_of: str | None = None,
    metric_crs: str = "EPSG:32643",
    catalog: str | os.PathLike[str] | None = None,
    repair: bool = True,
    rows: Rows = "findings",
    threads_per_task: int | None = None,
) -> DataFrame:
    """Screens a Spark DataFrame of parcels; lazy, like any transformation.

    ``geometry_col``: WKB (BinaryType) in ``crs`` (default EPSG:4326); ``id_col``: the
    parcel id (text or integer); ``use_col``: the proposed use (default: column ``use``
    if there is one, else generic construction). ``data``: the constraint dataset, a
    directory or GeoPackage readable at that path on every executor (``None``: the
    embedded Almaty data). ``lang``, ``as_of``, ``metric_crs``, ``catalog``: as for
    :class:`aimaq.Engine`. ``repair``: invalid polygons repaired with GEOS MakeValid, as
    ``aimaq screen`` does.

    Returns the findings (``rows="findings"``): the columns of
    :attr:`aimaq.CheckResult.findings`, ``parcel``, ``use``, ``rule``, … ``message``, and
    ``geometry``, the encumbered area as WKB in ``crs``. With ``rows="parcels"``: one row
    per input row with its verdict, encumbrance and error — the records that could not be
    checked are there, not in the findings.

    ``threads_per_task``: checking threads per Spark task (default
    ``spark.task.cpus``): Spark runs tasks in parallel already.
    """
    from pyspark.sql.pandas.types import from_arrow_schema

    columns = df.columns
    for role, name in (("geometry_col", geometry_col), ("id_col", id_col)):
        if name not in columns:
            raise ValueError(f"{role}: no column `{name}` (the DataFrame has: {', '.join(columns)})")
    if use_col is None and "use" in columns:
        use_col = "use"
    if use_col is not None and use_col not in columns:
        raise ValueError(f"use_col: no column `{use_col}` (the DataFrame has: {', '.join(columns)})")
    if rows not in ("findings", "parcels"):
        raise ValueError(f"rows must be 'findings' or 'parcels', not {rows!r}")
    crs_text = _crs_text(crs)
    if threads_per_task is None:
        threads_per_task = int(df.sparkSession.conf.get("spark.task.cpus", "1") or 1)
    options = _EngineOptions(
        data=None if data is None else os.fspath(data),
        lang=lang,
        as_of=as_of,
        metric_crs=metric_crs,
        catalog=None if catalog is None else os.fspath(catalog),
        threads=threads_per_task,
    )
    # the schema, built by the engine's own table code, before any data
    parcels, findings = _aimaq.empty_tables(crs_text)
    schema = pa.record_batch(findings if rows == "findings" else parcels).schema
    selected = [geometry_col, id_col] + ([use_col] if use_col else [])
    check = functools.partial(
        _check_batches,
        options=options,
        geometry=geometry_col,
        id=id_col,
        use=use_col,
        crs=crs_text,
        repair=repair,
        rows=rows,
        schema=schema,
    )
    return df.select(*selected).mapInArrow(check, from_arrow_schema(schema))
