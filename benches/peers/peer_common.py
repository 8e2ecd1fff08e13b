"""What the Python contenders share: reading the zones, and the report they write.

The zones are `aimaq zones --join-tables`' `join_lines` and `join_areas` layers (source geometry and
limits, one geometry type each), read as one table: `rule`, `layer`, `feature`, `limit_m`,
`min_limit_m`, `inside_limit_m`, `regime`, geometry.

Every contender writes the same compact report as `aimaq screen REPORT.gpkg`:
  * `parcels`: one row per input parcel, in input order (id, verdict, findings, and the
    findings of each severity: prohibited, conditional, review; the parcel's geometry);
  * `findings`: one row per finding (parcel_fid: the fid of its parcel's row, rule,
    feature, severity, regime, distance_m, limit_m, encumbered_m2, encumbered_share), the
    encumbered geometry only where it is not the whole parcel: NULL where
    encumbered_share >= 1 - 1e-9, as aimaq writes it.
No message texts. aimaq also writes the input's other fields, an area and union
encumbrance per parcel, the ids of its citations and approvals in `texts`, a `rules`
table, a view, styles and metadata; the peers do not know citations.

A finding's severity is its zone row's regime, except on a range row (`min_limit_m` set)
for a parcel between the range's ends, which is `review`. A parcel's verdict is its
worst severity (prohibited > conditional > review), `clear` without findings.
"""
import numpy as np
import pandas as pd
import pyogrio

WHOLE_PARCEL = 1.0 - 1e-9  # a share at or above it is the whole parcel: no geometry stored
SEVERITIES = ["prohibited", "conditional", "review"]


def read_zones_gpd(zones_path):
    """join_lines + join_areas as one GeoDataFrame."""
    import geopandas as gpd

    parts = [gpd.read_file(zones_path, layer=layer, engine="pyogrio", use_arrow=True)
             for layer in ("join_lines", "join_areas")]
    return gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), geometry="geometry", crs=parts[0].crs)


def verdicts(n, parcel_index, severity):
    """Per parcel (0..n-1): findings count, per-severity counts, and the verdict."""
    counts = {"findings": np.bincount(parcel_index, minlength=n)}
    for s in SEVERITIES:
        counts[s] = np.bincount(parcel_index[severity == s], minlength=n)
    verdict = np.full(n, "clear", dtype=object)
    for s in reversed(SEVERITIES):  # the worst wins
        verdict[counts[s] > 0] = s
    return verdict, counts


def write_report_gpd(findings, parcels, out_path):
    """GeoPandas frames -> the compact GeoPackage report, through pyogrio's Arrow writer.
    `findings` has `pi` (the parcel's row number), the finding's fields and its geometry."""
    import geopandas as gpd
    import shapely

    pi = findings["pi"].to_numpy()
    parcel_area = shapely.area(parcels.geometry.values)
    share = findings["encumbered_m2"].to_numpy() / parcel_area[pi]
    geom = np.array(findings["geometry"].to_numpy(), dtype=object)
    geom[share >= WHOLE_PARCEL] = None  # the parcel's geometry stands for it
    out = gpd.GeoDataFrame({
        "parcel_fid": pi + 1,
        "rule": findings["rule"].to_numpy(),
        "feature": findings["feature"].to_numpy(),
        "severity": findings["severity"].to_numpy(),
        "regime": findings["regime"].to_numpy(),
        "distance_m": findings["distance_m"].to_numpy(),
        "limit_m": findings["limit_m"].to_numpy(),
        "encumbered_m2": findings["encumbered_m2"].to_numpy(),
        "encumbered_share": share,
    }, geometry=geom, crs=parcels.crs)
    pyogrio.write_dataframe(out, out_path, layer="findings", driver="GPKG",
                            geometry_type="Unknown", use_arrow=True)
    verdict, counts = verdicts(len(parcels), pi, findings["severity"].to_numpy())
    per_parcel = gpd.GeoDataFrame({"id": parcels["id"].to_numpy(), "verdict": verdict, **counts},
                                  geometry=parcels.geometry.values, crs=parcels.crs)
    pyogrio.write_dataframe(per_parcel, out_path, layer="parcels", driver="GPKG", use_arrow=True)
