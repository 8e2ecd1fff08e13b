"""aimaq: does a proposed land parcel break a spatial regulation of the Almaty
agglomeration scheme (Government of RK Decree No. 514 of 13.08.2020) — which rule, which
object, how close, how many square metres, and which act says so?

The engine is Rust; this package hands it shapely geometries, GeoPandas frames, WKB or
Arrow columns and returns pandas/GeoPandas frames or Arrow batches::

    import aimaq, shapely
    engine = aimaq.Engine()                                   # embedded Almaty data
    lot = shapely.box(76.9280, 43.2560, 76.9290, 43.2566)     # lon/lat, EPSG:4326
    result = engine.check([lot], uses=["residential"], ids=["lot-1"])
    result.parcels                                            # verdict, encumbrance, error
    result.findings                                           # one row per rule entered

- :class:`Engine` — ``check`` (shapely, GeoPandas, WKB, pyarrow), ``check_arrow``
  (Arrow in, Arrow out, no per-row Python), ``screen`` (a file, as ``aimaq screen``).
- :mod:`aimaq.spark` — ``screen`` of a Spark DataFrame with ``mapInArrow``.

Every input record comes back: a record that cannot be checked is a row with verdict
``error`` and the reason, never an exception that loses the batch.
"""

from ._aimaq import AimaqError, __version__, build_dataset
from ._engine import CheckResult, Engine, ParcelError

__all__ = ["AimaqError", "CheckResult", "Engine", "ParcelError", "__version__", "build_dataset"]
