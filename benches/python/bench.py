"""Python and Spark against `aimaq screen` on the same generated parcels (issue 10).

    ~/.cache/aimaq/venv/bin/python benches/python/bench.py --parcels 100000 \
        --aimaq target/release/aimaq

Needs the `aimaq` wheel installed in the running Python (a release build for honest
figures: `maturin build --release ...`, docs/python.md) and pyspark with Java 17. Runs,
once each, in this order:

1. `aimaq screen PARCELS.gpkg --out REPORT.gpkg` (all cores, then `--jobs 1`);
2. `Engine.check_arrow` in this process on the same parcels read into Arrow (no file
   written), with all cores and with one thread;
3. Spark `local[1]` and `local[2]`: `aimaq.spark.screen` of the parcels as Parquet (WKB,
   10 row groups, so 10 partitions whatever the cores), findings written as Parquet. The
   session start (JVM) is timed apart from the job; the job includes the Python workers'
   start and their engines.

Every run must find the CLI's number of findings. Prints a Markdown table."""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pyogrio

import aimaq
import aimaq.spark


def cpu_busy(seconds: float) -> float:
    """The whole machine's CPU use over `seconds`, in % (from /proc/stat)."""
    def sample():
        fields = [int(v) for v in open("/proc/stat").readline().split()[1:]]
        return sum(fields), fields[3] + fields[4]  # total, idle + iowait
    t0, i0 = sample()
    time.sleep(seconds)
    t1, i1 = sample()
    return 100.0 * (1 - (i1 - i0) / max(1, t1 - t0))


def wait_idle(limit_s: float) -> float:
    """Waits (at most `limit_s`) until the machine is under 15 % CPU for 6 s; returns the
    last load seen, so a run started on a busy machine says so."""
    deadline = time.monotonic() + limit_s
    while True:
        load = max(cpu_busy(3), cpu_busy(3))
        if load < 15 or time.monotonic() > deadline:
            return load
        print(f"waiting: the machine is busy ({load:.0f} % CPU)", file=sys.stderr, flush=True)


def timed(fn):
    started = time.perf_counter()
    out = fn()
    return time.perf_counter() - started, out


def cli(binary: Path, *args: str) -> None:
    subprocess.run([str(binary), *args], check=True, capture_output=True, text=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--parcels", type=int, default=100_000)
    ap.add_argument("--aimaq", type=Path, required=True, help="the aimaq binary (release)")
    ap.add_argument("--work", type=Path, default=None, help="folder for inputs and outputs")
    ap.add_argument("--wait-idle", type=float, default=0, metavar="S",
                    help="before each run, wait up to S seconds for the machine to be idle")
    args = ap.parse_args()
    loads: list[float] = []

    def idle() -> None:
        if args.wait_idle:
            loads.append(wait_idle(args.wait_idle))

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    work = args.work or Path(tempfile.mkdtemp(prefix="aimaq-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    n = args.parcels
    gpkg = work / f"parcels-{n}.gpkg"
    if not gpkg.exists():
        cli(args.aimaq, "cadastre", "--count", str(n), "--out", str(gpkg))
    rows: list[tuple[str, float, int]] = []

    for label, extra in (("aimaq screen (2 cores)", []), ("aimaq screen --jobs 1", ["--jobs", "1"])):
        report = work / "report.gpkg"
        idle()
        seconds, _ = timed(lambda: cli(args.aimaq, "screen", str(gpkg), "--out", str(report),
                                       "--overwrite", "--progress", "off", *extra))
        findings = pyogrio.read_info(report, layer="findings")["features"]
        rows.append((label + ", gpkg → gpkg", seconds, findings))
    expected = rows[0][2]

    _, table = pyogrio.read_arrow(gpkg)
    table = pa.table({"id": table["id"], "use": table["use"], "geometry": table["geom"]})
    for label, threads in (("Engine.check_arrow (2 cores)", None), ("Engine.check_arrow, 1 thread", 1)):
        engine = aimaq.Engine(threads=threads)
        idle()
        seconds, out = timed(lambda: engine.check_arrow(table, crs="EPSG:32643", repair=True))
        rows.append((label + ", Arrow in memory", seconds, out.num_rows))

    parquet = work / f"parcels-{n}.parquet"
    pq.write_table(table, parquet, row_group_size=max(1, n // 10))
    from pyspark.sql import SparkSession

    for cores in (1, 2):
        start, spark = timed(lambda: (
            SparkSession.builder.master(f"local[{cores}]")
            .config("spark.driver.bindAddress", "127.0.0.1")
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.ui.enabled", "false")
            # split the Parquet file by row group: 10 partitions for either core count
            .config("spark.sql.files.maxPartitionBytes", str(max(1, parquet.stat().st_size // 20)))
            .getOrCreate()
        ))
        out = work / f"spark-{cores}.parquet"
        df = spark.read.parquet(str(parquet))
        partitions = df.rdd.getNumPartitions()
        idle()
        seconds, _ = timed(lambda: aimaq.spark.screen(df, crs="EPSG:32643")
                           .write.mode("overwrite").parquet(str(out)))
        found = pq.read_table(out, columns=["parcel"]).num_rows
        rows.append((f"Spark local[{cores}] ({partitions} partitions), Parquet → Parquet; "
                     f"session start {start:.1f} s not included", seconds, found))
        spark.stop()

    print(f"{n:,} parcels, {platform.node()}, {os.cpu_count()} cores, "
          f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, aimaq {aimaq.__version__}\n")
    print("| run | wall s | parcels/s | findings | time / aimaq screen |")
    print("|---|---:|---:|---:|---:|")
    base = rows[0][1]
    ok = True
    for label, seconds, found in rows:
        ok &= found == expected
        print(f"| {label} | {seconds:.2f} | {n / seconds:,.0f} | {found:,} | {seconds / base:.2f}× |")
    if loads:
        print(f"\nCPU use of the machine just before each run: {', '.join(f'{v:.0f} %' for v in loads)}")
    if not ok:
        print("\nfindings differ from aimaq screen's", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
