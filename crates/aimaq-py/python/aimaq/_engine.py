"""The engine and what a check returns. Inputs become one Arrow batch (id, use, WKB) and
go to the native engine whole; its two Arrow tables come back as pandas/GeoPandas frames."""

from __future__ import annotations

import datetime
import importlib
import json
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Literal, Sequence

from . import _aimaq
from ._aimaq import AimaqError

if TYPE_CHECKING:
    import geopandas
    import numpy as np
    import pandas
    import pyarrow as pa
    import shapely
else:

    class _OnFirstUse:
        """A module imported when first used: ``screen``, ``zones`` and ``balance`` need
        none of numpy, pyarrow and shapely, so a host without them (QGIS's own Python
        on Debian has no pyarrow) can still run the engine on files."""

        def __init__(self, name: str):
            self._name = name

        def __getattr__(self, attr: str):
            module = importlib.import_module(self._name)
            globals()[{"numpy": "np", "pyarrow": "pa"}.get(self._name, self._name)] = module
            return getattr(module, attr)

    np = _OnFirstUse("numpy")
    pa = _OnFirstUse("pyarrow")
    shapely = _OnFirstUse("shapely")

DEFAULT_CRS = "EPSG:4326"
"""The CRS of geometries that do not say: WGS84 longitude/latitude, as GeoJSON."""

Rows = Literal["findings", "parcels"]


class ParcelError(AimaqError, ValueError):
    """Records that could not be checked, raised on request by
    :meth:`CheckResult.raise_for_errors` once the whole batch is answered.

    ``id`` and ``reason`` are the first errored record's; ``errors`` holds every errored
    row and ``result`` the whole answer, so nothing is lost by raising.
    """

    def __init__(self, errors: pandas.DataFrame, result: CheckResult):
        first = errors.iloc[0]
        self.id: str = first["parcel"]
        self.reason: str = first["error"]
        self.errors = errors
        self.result = result
        more = len(errors) - 1
        tail = f" (and {more} more record{'s' if more > 1 else ''} with errors)" if more else ""
        super().__init__(f"parcel {self.id}: {self.reason}{tail}")


@dataclass(frozen=True)
class CheckResult:
    """What :meth:`Engine.check` answers.

    ``parcels``: one row per input record, in input order (index: the input's index),
    columns ``parcel`` (the id), ``use``, ``verdict`` (``prohibited``, ``conditional``,
    ``review``, ``clear`` or ``error``), ``findings`` (count), ``area_m2``,
    ``encumbered_total_m2``, ``encumbered_total_share`` (the union of the findings'
    zones, never their sum), ``error`` (why the record could not be checked) and
    ``repair`` (what was repaired first, with ``repair=True``).

    ``findings``: one row per finding: ``parcel``, ``use`` (the use the regime was looked
    up for), then the finding fields of the JSON contract (docs/output.md) — ``rule``,
    ``layer``, ``feature``, ``feature_name``, ``severity``, ``distance_m``, ``limit_m``,
    ``encumbered_m2``, ``encumbered_share``, ``citation``, ``regime``, ``approval``,
    ``regime_citation``, ``message`` — and the encumbered part of the parcel as its
    geometry, in the input's CRS.
    """

    parcels: pandas.DataFrame
    findings: geopandas.GeoDataFrame
    crs: str

    @property
    def errors(self) -> pandas.DataFrame:
        """The rows of records that could not be checked."""
        return self.parcels[self.parcels["verdict"] == "error"]

    def raise_for_errors(self) -> CheckResult:
        """Raises :class:`ParcelError` naming the first errored record (the exception
        carries them all, and this result); returns the result when there is none."""
        errors = self.errors
        if len(errors):
            raise ParcelError(errors, self)
        return self

    def __repr__(self) -> str:
        counts = self.parcels["verdict"].value_counts()
        verdicts = ", ".join(f"{v} {n}" for v, n in counts.items())
        return (
            f"<CheckResult: {len(self.parcels)} parcels ({verdicts}), "
            f"{len(self.findings)} findings, crs {self.crs}>"
        )


class Engine:
    """The catalog and a constraint dataset, loaded once; every check reuses them.

    ``data``: a directory of layer files or a GeoPackage (docs/dataset.md); ``None`` is
    the embedded Almaty dataset. ``lang``: ``en``, ``ru`` or ``kk`` for messages and
    approvals. ``as_of``: check against the rules in force on that date. ``metric_crs``:
    the projected CRS with metre axes that distances and areas are measured in.
    ``catalog``: a regulation catalog TOML instead of the embedded one. ``threads``:
    checking threads (``None``: all cores). ``max_vertices`` and ``max_extent_km``: a
    parcel of more vertices, or whose bounding box has a longer diagonal in the
    measuring CRS, is an error row naming the limit (defaults 100,000 and 100 km).

    Checks release the GIL and run in parallel; Ctrl-C stops them at the next chunk.
    """

    def __init__(
        self,
        data: str | os.PathLike[str] | None = None,
        lang: str = "en",
        as_of: str | datetime.date | None = None,
        *,
        metric_crs: str = "EPSG:32643",
        catalog: str | os.PathLike[str] | None = None,
        threads: int | None = None,
        max_vertices: int = 100_000,
        max_extent_km: float = 100.0,
    ):
        if isinstance(as_of, datetime.date):
            as_of = as_of.isoformat()
        self._native = _aimaq.Engine(
            data=None if data is None else os.fspath(data),
            lang=lang,
            as_of=as_of,
            metric_crs=metric_crs,
            catalog=None if catalog is None else os.fspath(catalog),
            threads=threads,
            max_vertices=max_vertices,
            max_extent_km=max_extent_km,
        )

    @property
    def dataset(self) -> str:
        """The constraint dataset, as reports name it."""
        return self._native.dataset

    @property
    def metric_crs(self) -> str:
        """The CRS distances and areas are measured in."""
        return self._native.metric_crs

    @property
    def lang(self) -> str:
        """The language of messages and approvals."""
        return self._native.lang

    @property
    def as_of(self) -> str | None:
        """The date whose rules apply, if one was given."""
        return self._native.as_of

    @property
    def catalog(self) -> str:
        """The regulation catalog's id."""
        return self._native.catalog

    @property
    def issues(self) -> list[dict[str, Any]]:
        """Problems of the constraint dataset, as ``aimaq validate`` lists them."""
        return self._native.issues

    def __repr__(self) -> str:
        return repr(self._native)

    def check(
        self,
        geometries: Any,
        uses: str | Sequence[str | None] | None = None,
        ids: Sequence[Any] | None = None,
        crs: Any = None,
        *,
        repair: bool = False,
    ) -> CheckResult:
        """Checks parcels, each with its proposed use.

        ``geometries``: a shapely geometry or array/list of them, a GeoSeries or
        GeoDataFrame, WKB ``bytes`` or a list of them, or a pyarrow WKB column
        (binary, or the ``geoarrow.wkb`` extension). Polygons and MultiPolygons; Z is
        dropped.

        ``uses``: one use code for all, or one per parcel (``None``: generic
        construction); codes as ``aimaq rules`` lists them. Default: a GeoDataFrame's
        ``use`` column if it has one.

        ``ids``: one per parcel. Default: a GeoDataFrame's ``id`` column, else the
        GeoSeries/GeoDataFrame index, else the position.

        ``crs``: of the geometries (``"EPSG:32643"``, an EPSG code, WKT, a pyproj CRS).
        Default: the GeoSeries/GeoDataFrame's own, else the geoarrow column's, else
        EPSG:4326. It overrides the frame's own. Coordinates that cannot be in it
        (degrees declared as metres and the reverse) raise :class:`AimaqError`.

        ``repair``: repair invalid polygons with GEOS MakeValid and check them (the row's
        ``repair`` says so), as ``aimaq screen`` does; by default they are error rows,
        as in ``aimaq check``.

        A record that cannot be checked (no geometry, a line, unreadable WKB, an unknown
        use, …) is a parcels row with verdict ``error``; call
        :meth:`CheckResult.raise_for_errors` to turn those into an exception.
        """
        import geopandas
        import pandas

        wkb, frame_crs, index, frame = _wkb_and_frame(geometries)
        n = len(wkb)
        if ids is None and frame is not None and "id" in frame.columns:
            ids = frame["id"]
        if ids is None and index is not None:
            ids = index
        if uses is None and frame is not None and "use" in frame.columns:
            uses = frame["use"]
        columns = {"geometry": wkb}
        if ids is not None:
            columns["id"] = _text(ids, n, "ids")
        if uses is not None:
            columns["use"] = _text(uses, n, "uses")
        crs_text = _crs_text(crs if crs is not None else frame_crs)
        batch = pa.RecordBatch.from_pydict(columns)
        parcels_b, findings_b = self._native.check_batch(
            batch,
            "geometry",
            "id" if ids is not None else None,
            "use" if uses is not None else None,
            crs_text,
            repair,
        )
        parcels = pa.record_batch(parcels_b).to_pandas()
        if index is not None:
            parcels.index = index
        table = pa.record_batch(findings_b)
        findings = table.drop_columns(["geometry"]).to_pandas()
        geometry = shapely.from_wkb(table.column("geometry").to_numpy(zero_copy_only=False))
        return CheckResult(
            parcels=parcels,
            findings=geopandas.GeoDataFrame(
                findings, geometry=geopandas.GeoSeries(geometry, crs=crs_text), crs=crs_text
            ),
            crs=crs_text,
        )

    def check_arrow(
        self,
        batch: Any,
        *,
        geometry: str = "geometry",
        id: str | None = "id",
        use: str | None = "use",
        crs: Any = None,
        repair: bool = False,
        rows: Rows = "findings",
    ) -> pa.RecordBatch:
        """Checks a record batch without touching its rows in Python.

        ``batch``: a pyarrow RecordBatch or Table, or anything exporting Arrow through
        the PyCapsule protocol (polars, arro3, …). ``geometry``: its WKB column (binary,
        large binary, binary view or ``geoarrow.wkb``). ``id``: the id column (text or
        integers; ``"id"`` when absent means the row's position). ``use``: the use column
        (``"use"`` when absent means none: generic construction). ``crs``: of the WKB;
        default the geoarrow column's, else EPSG:4326.

        Returns the findings (``rows="findings"``: the columns of
        :attr:`CheckResult.findings`, geometry as ``geoarrow.wkb`` in the input's CRS) or
        the parcels (``rows="parcels"``: one row per input row, in order).
        """
        batch = _record_batch(batch)
        names = batch.schema.names
        if geometry not in names:
            raise KeyError(f"no column `{geometry}` (the batch has: {', '.join(names)})")
        if id == "id" and id not in names:
            id = None
        if use == "use" and use not in names:
            use = None
        if crs is None:
            crs = _geoarrow_crs(batch.schema.field(geometry))
        parcels, findings = self._native.check_batch(
            batch, geometry, id, use, _crs_text(crs), repair
        )
        if rows not in ("findings", "parcels"):
            raise ValueError(f"rows must be 'findings' or 'parcels', not {rows!r}")
        return pa.record_batch(findings if rows == "findings" else parcels)

    def zones(self, out: str | os.PathLike[str], *, use: str = "construction", overwrite: bool = False) -> dict[str, int]:
        """Writes the zones that restrict ``use`` as areas to ``out`` (.gpkg): exactly
        ``aimaq zones`` — ``zone_strips`` (buffered, railway zones split at settlement
        edges, range widths as their minimum band and the review band to the maximum),
        ``zone_areas``, ``source_lines``, ``source_areas`` and ``settlements``, styled.

        Returns ``{"strips": n, "areas": m}``.
        """
        return self._native.zones(os.fspath(out), use=use, overwrite=overwrite)

    def balance(self) -> dict[str, Any]:
        """The land balance of the dataset's functional zones by group and sub-zone (the
        union of their polygons), beside the scheme's Appendix 1 categories and their
        planned figures: ``aimaq balance --json``'s ``balance``."""
        return self._native.balance()

    def screen(
        self,
        source: str | os.PathLike[str],
        out: str | os.PathLike[str],
        *,
        layer: str | None = None,
        id_field: str | None = None,
        use_field: str | None = None,
        s_srs: str | None = None,
        t_srs: str | None = None,
        overwrite: bool = False,
        spatial_index: bool = True,
        verbose_rows: bool = False,
        progress: Callable[[int, int | None], object] | None = None,
    ) -> dict[str, Any]:
        """Screens a parcel file into a report file: exactly ``aimaq screen``.

        ``source``: anything OGR reads (Shapefile, GeoPackage, GeoJSON, FlatGeobuf, …),
        in its own CRS; ``out``: ``.gpkg`` (layers ``parcels`` and ``findings``),
        ``.geojson``, ``.csv`` or ``.fgb``, written under a partial name and renamed when
        complete, with ``OUT.summary.json`` beside it. The options are the command's:
        ``layer``, ``id_field`` (default ``id``, else the FID), ``use_field`` (default
        ``use``), ``s_srs`` (the source's CRS when it has none), ``t_srs`` (the report's
        CRS; default the source's), ``overwrite``, ``spatial_index``, ``verbose_rows`` (a
        GeoPackage in the wide layout: every finding field on every row). ``progress(written,
        total)`` is called after each chunk written; an exception raised there stops
        reading at the next chunk and is raised from this call (records already read are
        still written, so a short file may have its whole report).

        Returns the summary (counts by verdict and rule, errors, repairs, timing).
        """
        return self._native.screen(
            os.fspath(source),
            os.fspath(out),
            layer=layer,
            id_field=id_field,
            use_field=use_field,
            s_srs=s_srs,
            t_srs=t_srs,
            overwrite=overwrite,
            spatial_index=spatial_index,
            verbose_rows=verbose_rows,
            progress=progress,
        )


def _crs_text(crs: Any) -> str:
    """A CRS definition GDAL and PROJ read: ``AUTH:CODE`` where one is known, else WKT."""
    if crs is None:
        return DEFAULT_CRS
    if isinstance(crs, bool):
        raise TypeError("crs must be a CRS definition, an EPSG code or a pyproj CRS")
    if isinstance(crs, int):
        return f"EPSG:{crs}"
    if isinstance(crs, str):
        return crs
    if hasattr(crs, "to_authority") and hasattr(crs, "to_wkt"):  # pyproj.CRS
        authority = crs.to_authority()
        return f"{authority[0]}:{authority[1]}" if authority else crs.to_wkt()
    raise TypeError(f"crs must be a CRS definition, an EPSG code or a pyproj CRS, not {type(crs).__name__}")


def _geoarrow_crs(field: pa.Field) -> str | None:
    """The CRS a ``geoarrow.wkb`` column names, if any."""
    typ = field.type
    metadata: dict[bytes, bytes] = dict(field.metadata or {})
    if isinstance(typ, pa.ExtensionType):  # registered extension types (geoarrow-pyarrow)
        metadata[b"ARROW:extension:metadata"] = typ.__arrow_ext_serialize__()
    raw = metadata.get(b"ARROW:extension:metadata")
    if not raw:
        return None
    try:
        crs = json.loads(raw).get("crs")
    except (ValueError, AttributeError):
        return None
    if isinstance(crs, dict):  # PROJJSON, which GDAL reads as text
        return json.dumps(crs)
    return crs or None


def _record_batch(data: Any) -> pa.RecordBatch:
    """One record batch from a RecordBatch, a Table or an Arrow PyCapsule exporter."""
    if isinstance(data, pa.RecordBatch):
        return data
    if not isinstance(data, pa.Table):
        if hasattr(data, "__arrow_c_array__"):
            return pa.record_batch(data)
        if hasattr(data, "__arrow_c_stream__"):
            data = pa.table(data)
        else:
            raise TypeError(
                f"expected a pyarrow RecordBatch or Table (or an Arrow PyCapsule exporter), "
                f"not {type(data).__name__}"
            )
    batches = data.combine_chunks().to_batches()
    if not batches:
        return pa.RecordBatch.from_pylist([], schema=data.schema)
    return batches[0]


def _wkb_and_frame(geometries: Any) -> tuple[pa.Array, Any, Any, Any]:
    """The geometries as a WKB column, with the CRS, index and frame they came with."""
    import geopandas
    import pandas

    frame = None
    if isinstance(geometries, geopandas.GeoDataFrame):
        frame = geometries
        geometries = geometries.geometry
    if isinstance(geometries, geopandas.GeoSeries):
        wkb = shapely.to_wkb(geometries.values, output_dimension=2, flavor="iso")
        return pa.array(wkb, type=pa.binary()), geometries.crs, geometries.index, frame
    if isinstance(geometries, pa.ChunkedArray):
        geometries = geometries.combine_chunks()
    if isinstance(geometries, pa.Array):
        crs = _geoarrow_crs(pa.field("geometry", geometries.type))
        if isinstance(geometries, pa.ExtensionArray):
            geometries = geometries.storage
        return geometries, crs, None, None
    if isinstance(geometries, (bytes, bytearray, memoryview)):
        return pa.array([bytes(geometries)], type=pa.binary()), None, None, None
    if isinstance(geometries, shapely.Geometry):
        geometries = [geometries]
    values = np.asarray(geometries, dtype=object)
    if values.ndim != 1:
        raise TypeError("expected a one-dimensional sequence of geometries")
    if any(isinstance(v, (bytes, bytearray, memoryview)) for v in values):
        return pa.array([None if v is None else bytes(v) for v in values], type=pa.binary()), None, None, None
    wkb = shapely.to_wkb(values, output_dimension=2, flavor="iso")
    # a pandas Series of geometries keeps its index
    index = geometries.index if isinstance(geometries, pandas.Series) else None
    return pa.array(wkb, type=pa.binary()), None, index, None


def _text(values: Any, n: int, what: str) -> pa.Array:
    """Ids or uses as a text column of ``n`` rows: one value for all, or one per row;
    missing values (None, NaN) stay missing."""
    if isinstance(values, str):
        return pa.array([values] * n, type=pa.string())
    try:
        array = pa.array(values, from_pandas=True)
        if not (pa.types.is_string(array.type) or pa.types.is_large_string(array.type)):
            if not (pa.types.is_integer(array.type) or pa.types.is_null(array.type)):
                raise pa.ArrowInvalid("not text")
            array = array.cast(pa.string())
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError):
        array = pa.array(
            [None if v is None or (isinstance(v, float) and v != v) else str(v) for v in values],
            type=pa.string(),
        )
    if len(array) != n:
        raise ValueError(f"{len(array)} {what} for {n} geometries")
    return array
