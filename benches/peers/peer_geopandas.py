"""GeoPandas + shapely 2 contender: screen PARCELS.gpkg against ZONES.gpkg, write OUT.gpkg.

The way a competent GeoPandas user does it:
  * read with pyogrio's Arrow path (the fastest reader GeoPandas has);
  * one `sjoin(..., predicate="dwithin", distance=limit)` per group of zone rows sharing a
    limit, with the zones on the left so the STRtree is built once over the parcels
    (GeoDataFrame.sindex is cached) and queried by the few zone geometries;
  * everything after the join is vectorised shapely 2 (GEOS) over the candidate pairs;
  * buffers are made once per zone row, not once per pair;
  * write the compact report (peer_common.py) with pyogrio's Arrow writer.

Usage: peer_geopandas.py PARCELS.gpkg ZONES.gpkg OUT.gpkg
"""
import sys

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from peer_common import read_zones_gpd, write_report_gpd


def main(parcels_path, zones_path, out_path):
    parcels = gpd.read_file(parcels_path, layer="parcels", engine="pyogrio", use_arrow=True)
    zones = read_zones_gpd(zones_path)  # join_lines + join_areas
    settlements = gpd.read_file(zones_path, layer="settlements", engine="pyogrio", use_arrow=True)
    settled = shapely.union_all(settlements.geometry.values)  # S, the union of settlements
    shapely.prepare(settled)

    # Range rows (optional `min_limit_m`): the finding test is against limit_m (the range's
    # maximum), but a parcel nearer than the minimum is measured against the minimum.
    zones["near_m"] = zones["min_limit_m"].fillna(zones["limit_m"])

    pgeom = parcels.geometry.values  # GeometryArray; indexing it is cheap
    parts = []
    plain = zones["limit_m"].gt(0) & zones["inside_limit_m"].isna()
    overlap = zones["limit_m"].eq(0)
    by_settlement = zones["inside_limit_m"].notna()

    # Plain rows: finding iff distance < limit (strict; dwithin is <=, so refine).
    for limit, grp in zones[plain].groupby("limit_m"):
        pairs = gpd.sjoin(grp, parcels, predicate="dwithin", distance=limit, how="inner")
        zi = grp.index.get_indexer(pairs.index)
        pi = pairs["index_right"].to_numpy()
        g = grp.geometry.values[zi]
        p = pgeom[pi]
        dist = shapely.distance(p, g)
        keep = dist < limit
        pi, zi, p, dist = pi[keep], zi[keep], p[keep], dist[keep]
        bufs = shapely.buffer(grp.geometry.values, limit)  # once per zone row
        near = grp["near_m"].to_numpy()
        applied = np.where(dist < near[zi], near[zi], limit)
        enc = np.empty(len(p), dtype=object)
        far = applied == limit
        enc[far] = shapely.intersection(p[far], bufs[zi[far]])
        if (~far).any():
            near_bufs = shapely.buffer(grp.geometry.values, near)
            enc[~far] = shapely.intersection(p[~far], near_bufs[zi[~far]])
        # between a range's ends (not nearer than its minimum) the severity is review
        severity = np.where(dist < near[zi], grp["regime"].to_numpy()[zi], "review")
        parts.append(_frame(grp, pi, zi, dist, enc, applied, severity))

    # Overlap rows (limit 0): finding iff area(P ∩ G) > 1e-6 m².
    grp = zones[overlap]
    if len(grp):
        pairs = gpd.sjoin(grp, parcels, predicate="intersects", how="inner")
        zi = grp.index.get_indexer(pairs.index)
        pi = pairs["index_right"].to_numpy()
        enc = shapely.intersection(pgeom[pi], grp.geometry.values[zi])
        keep = shapely.area(enc) > 1e-6
        parts.append(_frame(grp, pi[keep], zi[keep], np.zeros(keep.sum()), enc[keep]))

    # Settlement-dependent rows: the part of P inside S is held to inside_limit_m, the part
    # outside to limit_m. dwithin(P, G, limit_m) is a necessary condition (limit >= inside).
    for (limit, inside), grp in zones[by_settlement].groupby(["limit_m", "inside_limit_m"]):
        pairs = gpd.sjoin(grp, parcels, predicate="dwithin", distance=max(limit, inside), how="inner")
        zi = grp.index.get_indexer(pairs.index)
        pi = pairs["index_right"].to_numpy()
        g = grp.geometry.values[zi]
        p = pgeom[pi]
        p_in = shapely.intersection(p, settled)
        p_out = shapely.difference(p, settled)
        # distance to an empty part is NaN, and NaN < x is False: an empty part never hits
        d_in = shapely.distance(p_in, g)
        d_out = shapely.distance(p_out, g)
        hit_in = d_in < inside
        hit_out = d_out < limit
        keep = hit_in | hit_out
        buf_in = shapely.buffer(grp.geometry.values, inside)
        buf_out = shapely.buffer(grp.geometry.values, limit)
        empty = shapely.from_wkt("POLYGON EMPTY")
        e_in = np.where(hit_in, shapely.intersection(p_in, buf_in[zi]), empty)
        e_out = np.where(hit_out, shapely.intersection(p_out, buf_out[zi]), empty)
        enc = shapely.union(e_in[keep], e_out[keep])
        dist = np.fmin(np.where(hit_in, d_in, np.nan), np.where(hit_out, d_out, np.nan))[keep]
        parts.append(_frame(grp, pi[keep], zi[keep], dist, enc))

    findings = pd.concat(parts, ignore_index=True)
    write_report_gpd(findings, parcels, out_path)


def _frame(zones, pi, zi, dist, enc, applied=None, severity=None):
    z = zones.iloc[zi]
    regime = z["regime"].to_numpy()
    return pd.DataFrame({
        "pi": pi,
        "rule": z["rule"].to_numpy(),
        "feature": z["feature"].to_numpy(),
        "severity": regime if severity is None else severity,
        "regime": regime,
        "distance_m": dist,
        "limit_m": z["limit_m"].to_numpy() if applied is None else applied,
        "encumbered_m2": shapely.area(enc),
        "geometry": enc,
    })


if __name__ == "__main__":
    main(*sys.argv[1:4])
