"""SedonaDB contender: screen PARCELS.gpkg against ZONES.gpkg, write OUT.gpkg.

Best practice for SedonaDB 0.5 (Apache Sedona's single-node Rust/DataFusion engine):
  * read through its pyogrio reader (GDAL) and materialise the inputs in memory tables;
  * `JOIN ... ON ST_DWithin(p.geom, z.geom, z.limit_m)` is planned as its SpatialJoinExec
    (an R-tree over the build side, exact refinement), so no candidate-buffer trick is
    needed here, unlike DuckDB; its refinement runs on GEOS (`spatial_library`, below);
  * buffers once per zone row, not once per pair;
  * one spatial join; the pairs are materialised as keys and distances only, and joined
    back to parcels and zones by key: a first version that materialised the pairs with
    copies of the (large) zone geometries spent 13 s of 14 s doing just that at 100k;
  * no CASE over geometries (SedonaDB 0.5 types a CASE of geometries as plain binary, which
    the ST_ functions then refuse): the settlement-dependent class is three UNION ALL
    branches (inside part hits, outside part hits, both); and a materialised non-nullable
    boolean column (`coalesce(x, false)` or `x IS TRUE`) fails with "Mismatch between schema
    and batches", so the hit flags stay nullable and the filters use IS TRUE / IS NOT TRUE;
  * the findings are materialised (to_memtable) and written, as the compact report of
    peer_common.py, with its own pyogrio/GDAL writer (DataFrame.to_pyogrio).

Usage: peer_sedonadb.py PARCELS.gpkg ZONES.gpkg OUT.gpkg
"""
import sys

import sedonadb

from peer_common import WHOLE_PARCEL

STEPS = [
    ("parcels", "SELECT row_number() OVER () AS pid, id, geom FROM parcels_in"),
    ("zones", """
      SELECT row_number() OVER () AS zid, rule, feature, limit_m, inside_limit_m, near_m, regime, geom,
             -- (a CASE here would lose the geometry type: buffer every row, it is cheap)
             ST_Buffer(geom, limit_m) AS buf,
             ST_Buffer(geom, near_m) AS buf_near,
             ST_Buffer(geom, coalesce(inside_limit_m, 0.0)) AS buf_in
      FROM (SELECT *, coalesce(min_limit_m, limit_m) AS near_m FROM zones_in) z"""),
    ("settled", "SELECT ST_Union_Agg(geom) AS s FROM settlements_in"),
    # the spatial join, once for every class; only keys and the exact distance are kept
    # (materialising the pairs with copies of the zone geometries cost 13 s of 14 at 100k)
    ("pairs", """
      SELECT p.pid, z.zid, ST_Distance(p.geom, z.geom) AS d
      FROM parcels p JOIN zones z ON ST_DWithin(p.geom, z.geom, z.limit_m)"""),
    ("joined", """
      SELECT p.pid, p.geom AS pg, z.*, pairs.d
      FROM pairs JOIN parcels p ON p.pid = pairs.pid JOIN zones z ON z.zid = pairs.zid"""),
    # plain rows: strict distance < limit; a range row nearer than its minimum (near_m) is
    # measured against the minimum
    ("plain", """
      SELECT pid, rule, feature, regime AS severity, regime, d AS distance_m, near_m AS limit_m,
             ST_Intersection(pg, buf_near) AS geom
      FROM joined WHERE limit_m > 0 AND inside_limit_m IS NULL AND d < near_m
      UNION ALL
      -- between a range's ends: review
      SELECT pid, rule, feature, 'review', regime, d, limit_m, ST_Intersection(pg, buf)
      FROM joined WHERE limit_m > 0 AND inside_limit_m IS NULL AND d >= near_m AND d < limit_m"""),
    # overlap rows
    ("overlap", """
      SELECT pid, rule, feature, regime AS severity, regime, 0.0 AS distance_m, limit_m, e AS geom
      FROM (SELECT *, ST_Intersection(pg, geom) AS e FROM joined WHERE limit_m = 0) t
      WHERE ST_Area(e) > 1e-6"""),
    # settlement-dependent rows: the parts of P inside and outside S, their distances
    ("split", """
      SELECT pid, rule, feature, regime, limit_m, inside_limit_m, buf, buf_in, pin, pout,
             NOT ST_IsEmpty(pin) AND ST_Distance(pin, geom) < inside_limit_m AS hin,
             NOT ST_IsEmpty(pout) AND ST_Distance(pout, geom) < limit_m AS hout,
             ST_Distance(pin, geom) AS din, ST_Distance(pout, geom) AS dout
      FROM (SELECT joined.*, ST_Intersection(pg, settled.s) AS pin, ST_Difference(pg, settled.s) AS pout
            FROM joined CROSS JOIN settled
            WHERE inside_limit_m IS NOT NULL) t"""),
    ("by_settlement", """
      SELECT pid, rule, feature, regime AS severity, regime, din AS distance_m, limit_m,
             ST_Intersection(pin, buf_in) AS geom
      FROM split WHERE hin IS TRUE AND hout IS NOT TRUE
      UNION ALL
      SELECT pid, rule, feature, regime AS severity, regime, dout, limit_m, ST_Intersection(pout, buf)
      FROM split WHERE hout IS TRUE AND hin IS NOT TRUE
      UNION ALL
      SELECT pid, rule, feature, regime AS severity, regime, least(din, dout), limit_m,
             ST_Union(ST_Intersection(pin, buf_in), ST_Intersection(pout, buf))
      FROM split WHERE hin IS TRUE AND hout IS TRUE"""),
    ("findings", """
      SELECT f.pid, rule, feature, severity, regime, distance_m, limit_m,
             ST_Area(f.geom) AS encumbered_m2, ST_Area(f.geom) / ST_Area(p.geom) AS encumbered_share, f.geom
      FROM (SELECT * FROM plain UNION ALL SELECT * FROM overlap UNION ALL SELECT * FROM by_settlement) f
           JOIN parcels p ON p.pid = f.pid"""),
    # the compact report (peer_common.py): no geometry where the zone covers the whole
    # parcel. (A CASE over geometries would lose the type, so the CASE is over WKB.)
    ("report", """
      SELECT pid AS parcel_fid, rule, feature, severity, regime, distance_m, limit_m, encumbered_m2,
             encumbered_share,
             ST_SetSRID(ST_GeomFromWKB(CASE WHEN encumbered_share >= {whole} THEN NULL ELSE ST_AsBinary(geom) END),
                        32643) AS geom
      FROM findings"""),
    ("report_parcels", """
      SELECT p.id,
             CASE WHEN c.prohibited > 0 THEN 'prohibited' WHEN c.conditional > 0 THEN 'conditional'
                  WHEN c.review > 0 THEN 'review' ELSE 'clear' END AS verdict,
             coalesce(c.n, 0) AS findings, coalesce(c.prohibited, 0) AS prohibited,
             coalesce(c.conditional, 0) AS conditional, coalesce(c.review, 0) AS review, p.geom
      FROM parcels p LEFT JOIN (
        SELECT pid, count(*) AS n, sum(CASE WHEN severity = 'prohibited' THEN 1 ELSE 0 END) AS prohibited,
               sum(CASE WHEN severity = 'conditional' THEN 1 ELSE 0 END) AS conditional,
               sum(CASE WHEN severity = 'review' THEN 1 ELSE 0 END) AS review
        FROM findings GROUP BY pid) c ON c.pid = p.pid
      ORDER BY p.pid"""),
]
MATERIALISED = {"parcels", "zones", "settled", "pairs", "split", "findings"}


def main(parcels_path, zones_path, out_path):
    sd = sedonadb.connect()
    # The join's refinement library: GEOS (prepared geometries) ran the ST_DWithin join
    # 2.9x faster than the default here (1.8 s vs 5.2 s at 100k scratch parcels; tg 5.6 s,
    # geo 10.2 s).
    sd.sql("SET sedona.spatial_join.spatial_library = 'geos'").execute()
    sd.read_pyogrio(parcels_path, options={"layer": "parcels"}).to_memtable().to_view("parcels_in")
    sd.read_pyogrio(zones_path, options={"layer": "join_lines"}).to_memtable().to_view("join_lines")
    sd.read_pyogrio(zones_path, options={"layer": "join_areas"}).to_memtable().to_view("join_areas")
    sd.sql("""SELECT rule, feature, limit_m, min_limit_m, inside_limit_m, regime, geom FROM join_lines
              UNION ALL
              SELECT rule, feature, limit_m, min_limit_m, inside_limit_m, regime, geom FROM join_areas"""
           ).to_memtable().to_view("zones_in")
    sd.read_pyogrio(zones_path, options={"layer": "settlements"}).to_memtable().to_view("settlements_in")
    for name, sql in STEPS:
        df = sd.sql(sql.replace("{whole}", repr(WHOLE_PARCEL)))
        (df.to_memtable() if name in MATERIALISED else df).to_view(name)
    sd.view("report").to_pyogrio(out_path, driver="GPKG", layer="findings")
    sd.view("report_parcels").to_pyogrio(out_path, driver="GPKG", layer="parcels")

if __name__ == "__main__":
    main(*sys.argv[1:4])
