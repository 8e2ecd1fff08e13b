"""What the Python contenders share: the GeoPackage writer for their results.

Every contender writes the same two layers as `aimaq screen`'s report:
  * `findings`: one row per finding (parcel, rule, layer, feature, distance_m, limit_m,
    encumbered_m2, encumbered geometry);
  * `parcels`: one row per input parcel (id, use, findings count, geometry).
aimaq writes more text per row (verdict, severity, citation, message); the peers do not
know severities or citations, which are aimaq's domain data, not part of the job.
"""
import numpy as np
import pyogrio


def write_report_gpd(findings, parcels, out_path):
    """GeoPandas frames -> GeoPackage through pyogrio's Arrow writer (GDAL underneath)."""
    pyogrio.write_dataframe(findings, out_path, layer="findings", driver="GPKG",
                            geometry_type="Unknown", use_arrow=True)
    counts = findings.groupby("parcel").size()
    per_parcel = parcels[["id", "use", "geometry"]].copy()
    per_parcel["findings"] = counts.reindex(per_parcel["id"]).fillna(0).astype(np.int64).to_numpy()
    pyogrio.write_dataframe(per_parcel, out_path, layer="parcels", driver="GPKG", use_arrow=True)
