"""PostGIS contender: screen PARCELS.gpkg against ZONES.gpkg, write OUT.gpkg.

What a competent PostGIS user does with a throw-away server:
  * load with ogr2ogr (COPY mode, UNLOGGED tables, GiST index built after the load);
  * ANALYZE, then one SQL statement per rule class with `ST_DWithin` (index-assisted: the
    planner loops over the ~100 zone rows and probes the parcels' GiST index),
    `ST_Intersection(parcel, ST_Buffer(zone))` with the buffer made once per zone row;
  * the compact report (peer_common.py) is materialised in UNLOGGED tables and exported
    with ogr2ogr to a GeoPackage: findings, then the per-parcel layer beside it.
The server (a cluster made by initdb in a temporary directory, loopback only, tuned for a
throw-away analytic load: fsync off, no WAL archiving, larger work_mem, parallel workers)
is started before the clock and stopped after; its processes' memory is counted.

Usage (timed part): peer_postgis.py PARCELS.gpkg ZONES.gpkg OUT.gpkg --port P --host H
Cluster helpers (used by bench.py): start_cluster(), stop_cluster().
"""
import argparse
import os
import shutil
import subprocess
import tempfile

from peer_common import WHOLE_PARCEL

PG_BIN = "/usr/lib/postgresql/15/bin"
DB = "bench"

SQL = """
\\set ON_ERROR_STOP on
ANALYZE parcels; ANALYZE zones_in; ANALYZE settlements;

CREATE UNLOGGED TABLE zones AS
  SELECT *,
         CASE WHEN limit_m > 0 THEN ST_Buffer(geom, limit_m) END AS buf,
         CASE WHEN near_m < limit_m THEN ST_Buffer(geom, near_m) END AS buf_near,
         CASE WHEN inside_limit_m IS NOT NULL THEN ST_Buffer(geom, inside_limit_m) END AS buf_in
  FROM (SELECT rule, feature, limit_m, inside_limit_m, coalesce(min_limit_m, limit_m) AS near_m, regime, geom
        FROM zones_in) z;
CREATE UNLOGGED TABLE settled AS SELECT ST_Union(geom) AS s FROM settlements;
ANALYZE zones; ANALYZE settled;

-- plain rows: strict distance < limit, and a range row nearer than its minimum (near_m) is
-- measured against the minimum
CREATE UNLOGGED TABLE findings AS
  SELECT pfid, rule, feature,
         CASE WHEN d < near_m THEN regime ELSE 'review' END AS severity, regime, d AS distance_m,
         CASE WHEN d < near_m THEN near_m ELSE limit_m END AS limit_m,
         CASE WHEN d < near_m AND buf_near IS NOT NULL THEN ST_Intersection(pg, buf_near)
              ELSE ST_Intersection(pg, buf) END AS geom
  FROM (SELECT p.fid AS pfid, p.geom AS pg, z.rule, z.feature, z.regime, z.limit_m, z.near_m,
               z.buf, z.buf_near, ST_Distance(p.geom, z.geom) AS d
        FROM zones z JOIN parcels p ON ST_DWithin(p.geom, z.geom, z.limit_m)
        WHERE z.limit_m > 0 AND z.inside_limit_m IS NULL) t
  WHERE d < limit_m;

-- overlap rows
INSERT INTO findings
  SELECT pfid, rule, feature, regime, regime, 0, limit_m, e FROM (
    SELECT p.fid AS pfid, z.rule, z.feature, z.regime, z.limit_m, ST_Intersection(p.geom, z.geom) AS e
    FROM zones z JOIN parcels p ON ST_Intersects(p.geom, z.geom)
    WHERE z.limit_m = 0) t
  WHERE ST_Area(e) > 1e-6;

-- settlement-dependent rows: inside S against inside_limit_m, outside against limit_m
INSERT INTO findings
  SELECT pfid, rule, feature, regime, regime,
         least(CASE WHEN hin THEN din END, CASE WHEN hout THEN dout END), limit_m,
         ST_Union(CASE WHEN hin THEN ST_Intersection(pin, buf_in) ELSE ST_GeomFromText('POLYGON EMPTY', 32643) END,
                  CASE WHEN hout THEN ST_Intersection(pout, buf) ELSE ST_GeomFromText('POLYGON EMPTY', 32643) END)
  FROM (
    SELECT *, NOT ST_IsEmpty(pin) AND din < inside_limit_m AS hin,
              NOT ST_IsEmpty(pout) AND dout < limit_m AS hout
    FROM (
      SELECT *, ST_Distance(pin, zg) AS din, ST_Distance(pout, zg) AS dout
      FROM (SELECT p.fid AS pfid, z.rule, z.feature, z.regime, z.limit_m, z.inside_limit_m,
                   z.geom AS zg, z.buf, z.buf_in,
                   ST_Intersection(p.geom, s.s) AS pin, ST_Difference(p.geom, s.s) AS pout
            FROM zones z JOIN parcels p ON ST_DWithin(p.geom, z.geom, z.limit_m), settled s
            WHERE z.inside_limit_m IS NOT NULL) a) b) c
  WHERE hin OR hout;

-- the compact report (peer_common.py): no geometry where the zone covers the whole parcel
CREATE UNLOGGED TABLE report AS
  SELECT pfid AS parcel_fid, rule, feature, severity, regime, distance_m, limit_m,
         encumbered_m2, encumbered_share,
         CASE WHEN encumbered_share >= {whole} THEN NULL ELSE geom END AS geom
  FROM (SELECT f.*, ST_Area(f.geom) AS encumbered_m2, ST_Area(f.geom) / ST_Area(p.geom) AS encumbered_share
        FROM findings f JOIN parcels p ON p.fid = f.pfid) t;
CREATE UNLOGGED TABLE report_parcels AS
  SELECT p.fid, p.id,
         CASE WHEN c.prohibited > 0 THEN 'prohibited' WHEN c.conditional > 0 THEN 'conditional'
              WHEN c.review > 0 THEN 'review' ELSE 'clear' END AS verdict,
         coalesce(c.n, 0) AS findings, coalesce(c.prohibited, 0) AS prohibited,
         coalesce(c.conditional, 0) AS conditional, coalesce(c.review, 0) AS review, p.geom
  FROM parcels p LEFT JOIN (
    SELECT pfid, count(*) AS n, count(*) FILTER (WHERE severity = 'prohibited') AS prohibited,
           count(*) FILTER (WHERE severity = 'conditional') AS conditional,
           count(*) FILTER (WHERE severity = 'review') AS review
    FROM findings GROUP BY pfid) c ON c.pfid = p.fid;
"""

SERVER_SETTINGS = {
    # loopback only, never a network address
    "listen_addresses": "'127.0.0.1'",
    "shared_buffers": "'1GB'",
    "work_mem": "'256MB'",
    "maintenance_work_mem": "'1GB'",
    "max_parallel_workers_per_gather": "2",
    "max_worker_processes": "4",
    # a throw-away cluster: durability is not wanted, and costs time
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "wal_level": "minimal",
    "max_wal_senders": "0",
    "max_wal_size": "'8GB'",
    "checkpoint_timeout": "'1h'",
    # JIT compiles per query; it only slows these function-bound queries down
    "jit": "off",
}


def start_cluster(port, root=None):
    """initdb a new cluster in a temporary directory and start it on 127.0.0.1:port.
    Returns (datadir, socketdir). Runs as the `postgres` user when we are root."""
    root = root or tempfile.mkdtemp(prefix="aimaq-peers-pg-")
    datadir, sockdir = os.path.join(root, "data"), os.path.join(root, "sock")
    os.makedirs(sockdir, exist_ok=True)
    if os.geteuid() == 0:
        shutil.chown(root, "postgres"); shutil.chown(sockdir, "postgres")
    _as_pg([f"{PG_BIN}/initdb", "-D", datadir, "-U", "postgres", "-A", "trust", "--no-sync"],
           stdout=subprocess.DEVNULL)
    with open(os.path.join(datadir, "postgresql.conf"), "a") as conf:
        for k, v in SERVER_SETTINGS.items():
            conf.write(f"{k} = {v}\n")
        conf.write(f"port = {port}\nunix_socket_directories = '{sockdir}'\n")
    _as_pg([f"{PG_BIN}/pg_ctl", "-D", datadir, "-l", os.path.join(root, "server.log"), "-w", "start"],
           stdout=subprocess.DEVNULL)
    return root


def stop_cluster(root):
    datadir = os.path.join(root, "data")
    if os.path.exists(os.path.join(datadir, "postmaster.pid")):
        _as_pg([f"{PG_BIN}/pg_ctl", "-D", datadir, "-m", "immediate", "-w", "stop"],
               stdout=subprocess.DEVNULL, check=False)
    shutil.rmtree(root, ignore_errors=True)


def postmaster_pid(root):
    with open(os.path.join(root, "data", "postmaster.pid")) as f:
        return int(f.readline())


def fresh_database(port):
    """Drop and recreate the benchmark database with PostGIS (before the clock starts)."""
    psql(port, "postgres", f"DROP DATABASE IF EXISTS {DB}; CREATE DATABASE {DB};")
    psql(port, DB, "CREATE EXTENSION postgis;")


def psql(port, db, sql):
    env = dict(os.environ, PGOPTIONS="-c client_min_messages=warning")
    subprocess.run(["psql", "-X", "-q", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres",
                    "-d", db, "-v", "ON_ERROR_STOP=1"], input=sql, text=True, check=True,
                   stdout=subprocess.DEVNULL, env=env)


def _as_pg(cmd, **kw):
    if os.geteuid() == 0:
        cmd = ["runuser", "-u", "postgres", "--"] + cmd
    kw.setdefault("check", True)
    return subprocess.run(cmd, **kw)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("parcels"); ap.add_argument("zones"); ap.add_argument("out")
    ap.add_argument("--port", type=int, required=True)
    a = ap.parse_args()
    pg = f"PG:host=127.0.0.1 port={a.port} user=postgres dbname={DB}"
    load = ["ogr2ogr", "-f", "PostgreSQL", pg, "--config", "PG_USE_COPY", "YES",
            "-lco", "GEOMETRY_NAME=geom", "-lco", "UNLOGGED=ON", "-lco", "SPATIAL_INDEX=GIST",
            "-lco", "FID=fid"]
    subprocess.run(load + [a.parcels, "parcels", "-nln", "parcels"], check=True)
    # join_lines + join_areas as one table of any geometry type
    subprocess.run(load + ["-nlt", "GEOMETRY", a.zones, "join_lines", "-nln", "zones_in"], check=True)
    subprocess.run(["ogr2ogr", "-append", "-f", "PostgreSQL", pg, "--config", "PG_USE_COPY", "YES",
                    a.zones, "join_areas", "-nln", "zones_in"], check=True)
    subprocess.run(load + [a.zones, "settlements", "-nln", "settlements"], check=True)
    psql(a.port, DB, SQL.replace("{whole}", repr(WHOLE_PARCEL)))
    subprocess.run(["ogr2ogr", "-f", "GPKG", a.out, pg, "report", "-nln", "findings",
                    "-nlt", "GEOMETRY", "-a_srs", "EPSG:32643"], check=True)
    subprocess.run(["ogr2ogr", "-update", a.out, pg, "-nln", "parcels", "-a_srs", "EPSG:32643", "-sql",
                    "SELECT id, verdict, findings, prohibited, conditional, review, geom "
                    "FROM report_parcels ORDER BY fid"], check=True)

if __name__ == "__main__":
    main()
