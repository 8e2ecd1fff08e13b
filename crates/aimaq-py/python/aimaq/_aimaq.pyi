"""Type stubs of the native module (crates/aimaq-py/src): use the wrappers in ``aimaq``."""

import os
from typing import Any, Callable

__version__: str

class AimaqError(Exception):
    """A call aimaq could not carry out as a whole: an unreadable dataset or parcel file,
    an unknown CRS, coordinates that cannot be in the CRS given, an output that exists."""

class ArrowBatch:
    """A record batch; ``pyarrow.record_batch(batch)`` takes it without a copy."""

    def __arrow_c_array__(self, requested_schema: object | None = None) -> tuple[object, object]: ...
    def __len__(self) -> int: ...

class Engine:
    def __init__(
        self,
        data: str | None = None,
        lang: str = "en",
        as_of: str | None = None,
        metric_crs: str = "EPSG:32643",
        catalog: str | None = None,
        threads: int | None = None,
        max_vertices: int = 100000,
        max_extent_km: float = 100.0,
    ) -> None: ...
    @property
    def dataset(self) -> str: ...
    @property
    def metric_crs(self) -> str: ...
    @property
    def lang(self) -> str: ...
    @property
    def as_of(self) -> str | None: ...
    @property
    def catalog(self) -> str: ...
    @property
    def issues(self) -> list[dict[str, Any]]: ...
    def check_batch(
        self,
        batch: object,
        geometry: str,
        id: str | None,
        use_col: str | None,
        crs: str,
        repair: bool,
    ) -> tuple[ArrowBatch, ArrowBatch]:
        """(parcels, findings) of a record batch of WKB."""
    def screen(
        self,
        parcels: str,
        out: str,
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
    ) -> dict[str, Any]: ...

    def zones(self, out: str, *, use: str = "construction", overwrite: bool = False) -> dict[str, int]: ...
    def balance(self) -> dict[str, Any]: ...

def empty_tables(crs: str = "EPSG:4326") -> tuple[ArrowBatch, ArrowBatch]:
    """Empty (parcels, findings) tables: their schemas."""

def build_dataset(
    sources: list[str | os.PathLike[str]],
    out: str | os.PathLike[str],
    map: str | os.PathLike[str] | None = None,
    overwrite: bool = False,
) -> dict[str, Any]:
    """Build one GeoPackage dataset from OSM extracts and mapped OGR sources
    (`aimaq dataset build`); returns the build summary (layers, sources, duplicates,
    issues, attribution)."""
