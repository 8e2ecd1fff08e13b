"""Peer benchmark of `aimaq screen` (issue 3): the same generated parcels, the same resolved
constraint zones, every contender in a fresh process, end to end from the input GeoPackage
to an output GeoPackage. Run it through `benches/peers/run`, which prepares the venv, the
system packages and the aimaq binary, then calls this script.

For each size:
  1. `aimaq cadastre --count N` makes the parcels once (cached by size and seed);
     `aimaq zones` exports the embedded constraint data with every rule resolved.
  2. Each contender runs alone (never two at once: 2 cores), timed from process start to
     exit; its peak memory is sampled (see Meter).
  3. Each peer's finding count per rule must equal aimaq's (REPORT.gpkg.summary.json) before its
     time counts; otherwise the table says MISMATCH and lists the per-rule differences.
     The total encumbered area is compared too (relative difference; buffers are polygons).
  4. A table (Markdown) is printed and saved with a JSON of the raw figures.
"""
import argparse
import datetime
import json
import os
import platform
import signal
import socket
import subprocess
import sys
import time

import psutil

HERE = os.path.dirname(os.path.abspath(__file__))
PY = sys.executable  # the venv's python: the peers run in it
CONTENDERS = ["io-floor", "aimaq", "io-floor-report", "geopandas", "duckdb", "sedonadb", "postgis"]
sys.path.insert(0, HERE)
sys.dont_write_bytecode = True  # no __pycache__ in the source tree
import peer_postgis  # noqa: E402  (cluster helpers)


# ----------------------------------------------------------------------------- measuring
class Meter:
    """Wall time and peak memory of a command and everything it starts.

    Peak memory is the larger of
      * the kernel's high-water mark of the main process (ru_maxrss), read through GNU
        `/usr/bin/time -f %M`: exact, and it covers single-process contenders completely.
        (Not os.wait4 on a child of this script: a forked child inherits the parent's
        high-water mark across exec, so every contender would show at least this Python
        process's ~230 MiB; /usr/bin/time is a small process that forks the command.)
      * the largest sum, over 50 ms samples, of the proportional set size (PSS) of the
        process tree and of any `extra` processes (PostGIS: the postmaster and its backends
        and parallel workers, which are not our children). PSS splits shared pages between
        the processes that map them, so PostgreSQL's shared buffers count once, not once
        per backend.
    """

    INTERVAL = 0.05

    def __init__(self, extra_root_pid=None):
        self.extra_root_pid = extra_root_pid

    def run(self, cmd, timeout, log_path):
        maxrss_file = log_path + ".maxrss"
        cmd = ["/usr/bin/time", "-q", "-f", "%M", "-o", maxrss_file] + cmd
        with open(log_path, "w") as log:
            t0 = time.perf_counter()
            proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
            try:
                peak_sampled, timed_out, disturbed, last_check = 0, False, set(), 0.0
                while True:
                    pid, status, ru = os.wait4(proc.pid, os.WNOHANG)
                    if pid:
                        break
                    peak_sampled = max(peak_sampled, self._sample(proc.pid))
                    if time.perf_counter() - last_check > 1.0:  # someone else on this 2-core box?
                        disturbed.update(OTHER.busy(exclude_roots=(proc.pid, self.extra_root_pid)))
                        last_check = time.perf_counter()
                    if time.perf_counter() - t0 > timeout:
                        timed_out = True
                        os.killpg(proc.pid, signal.SIGKILL)
                        pid, status, ru = os.wait4(proc.pid, 0)
                        break
                    time.sleep(self.INTERVAL)
            except BaseException:  # interrupted (Ctrl-C, SIGTERM): take the contender down too
                os.killpg(proc.pid, signal.SIGKILL)
                raise
            wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        try:  # GNU time writes "%M" (KiB) as the last line, after any "Command exited" note
            maxrss = int(open(maxrss_file).read().split()[-1]) * 1024
        except (OSError, ValueError, IndexError):
            maxrss = 0  # killed at the timeout: only the samples are left
        peak = max(maxrss, peak_sampled)
        return {"wall_s": wall, "peak_bytes": peak, "rc": proc.returncode, "timed_out": timed_out,
                "disturbed_by": sorted(disturbed)}

    def _sample(self, root_pid):
        procs = []
        for pid in (root_pid, self.extra_root_pid):
            if pid is None:
                continue
            try:
                p = psutil.Process(pid)
                procs += [p] + p.children(recursive=True)
            except psutil.NoSuchProcess:
                pass
        total = 0
        for p in procs:
            try:
                total += p.memory_full_info().pss
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                pass
        return total


# ----------------------------------------------------------------------------- inputs
def binary_tag(aimaq):
    """A short hash of the aimaq binary: cached parcels are per build, since the generator
    may change between builds."""
    import hashlib

    h = hashlib.sha256()
    with open(aimaq, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()[:12]


def prepare_inputs(aimaq, cache, n, seed):
    os.makedirs(cache, exist_ok=True)
    parcels = os.path.join(cache, f"parcels-{n}-seed{seed}-{binary_tag(aimaq)}.gpkg")
    if not os.path.exists(parcels):
        tmp = parcels + ".tmp.gpkg"
        subprocess.run([aimaq, "cadastre", "--count", str(n), "--seed", str(seed), "--out", tmp,
                        "--overwrite"], check=True)
        os.replace(tmp, parcels)
    return parcels


def export_zones(aimaq, cache):
    zones = os.path.join(cache, "zones.gpkg")
    subprocess.run([aimaq, "zones", "--out", zones, "--overwrite", "--join-tables"], check=True, stdout=subprocess.DEVNULL)
    return zones


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ----------------------------------------------------------------------------- results
def read_findings(path):
    """Per-rule counts and total encumbered area of a report's `findings` table (aimaq's
    compact report and the peers' alike: whole-parcel findings have no geometry, but their
    `encumbered_m2` is there). Read with SQLite: a GeoPackage is an SQLite file."""
    import sqlite3

    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as con:
        rows = con.execute("SELECT rule, count(*), total(encumbered_m2) FROM findings GROUP BY rule").fetchall()
    return {str(r): int(n) for r, n, _ in rows}, float(sum(a for _, _, a in rows))


def read_verdicts(path):
    """Parcels by verdict, from a report's `parcels` table."""
    import sqlite3

    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as con:
        return dict(con.execute("SELECT verdict, count(*) FROM parcels GROUP BY verdict").fetchall())


def output_files(out):
    """A contender's output files: the report, and DuckDB's sibling parcels file."""
    return [f for f in (out, out[:-5] + ".parcels.gpkg") if os.path.exists(f)]


def run_contender(name, args, parcels, zones, work, n):
    out = os.path.join(work, f"{name}-{n}.gpkg")
    for f in (out, out[:-5] + ".parcels.gpkg", out + ".summary.json"):
        if os.path.exists(f):
            os.remove(f)
    log = os.path.join(work, f"{name}-{n}.log")
    if name == "io-floor":
        # GDAL alone copying the same input to the same output format
        cmd = ["ogr2ogr", "-f", "GPKG", out, parcels]
        return Meter().run(cmd, args.timeout, log) | {"out": out}
    if name == "io-floor-report":
        # GDAL alone copying aimaq's own compact report (its tables, same format; not the
        # view, which would come out as a table of geometries): what writing that many
        # rows costs, whoever computes them
        report = os.path.join(work, f"aimaq-{n}.gpkg")
        cmd = ["ogr2ogr", "-f", "GPKG", out, report, "parcels", "findings", "texts", "rules"]
        return Meter().run(cmd, args.timeout, log) | {"out": out}
    if name == "aimaq":
        cmd = [args.aimaq, "screen", parcels, "--out", out, "--progress", "off"]
        return Meter().run(cmd, args.timeout, log) | {"out": out}
    if name == "postgis":
        port = free_port()
        root = peer_postgis.start_cluster(port)  # before the clock: a user has a server
        try:
            peer_postgis.fresh_database(port)
            cmd = [PY, os.path.join(HERE, "peer_postgis.py"), parcels, zones, out, "--port", str(port)]
            res = Meter(extra_root_pid=peer_postgis.postmaster_pid(root)).run(cmd, args.timeout, log)
        finally:
            peer_postgis.stop_cluster(root)
        return res | {"out": out}
    cmd = [PY, os.path.join(HERE, f"peer_{name}.py"), parcels, zones, out]
    return Meter().run(cmd, args.timeout, log) | {"out": out}


def bench_size(args, zones, n):
    parcels = prepare_inputs(args.aimaq, args.cache, n, args.seed)
    work = os.path.join(args.cache, "runs")
    os.makedirs(work, exist_ok=True)
    rows = {}
    reference = None
    for name in args.contenders:
        if args.wait_idle:
            wait_idle()
        print(f"[{n:>9,} parcels] {name} ...", file=sys.stderr, flush=True)
        r = run_contender(name, args, parcels, zones, work, n)
        r["name"] = name
        r["out_bytes"] = sum(os.path.getsize(f) for f in output_files(r["out"]))
        if r["timed_out"]:
            r["status"] = "timeout"
        elif r["rc"] != 0:
            r["status"] = f"failed (exit {r['rc']}, see {os.path.join(work, f'{name}-{n}.log')})"
        elif name in ("io-floor", "io-floor-report"):
            r["status"] = "ok"
        else:
            r["by_rule"], r["area_m2"] = read_findings(r["out"])
            r["by_verdict"] = read_verdicts(output_files(r["out"])[-1])
            if name == "aimaq":
                summary = json.load(open(r["out"] + ".summary.json"))
                reference = {k: int(v) for k, v in summary["findings_by_rule"].items()}
                r["by_rule_summary"] = reference
                r["status"] = "ok" if reference == r["by_rule"] else "aimaq report disagrees with its summary"
            elif reference is None:
                r["status"] = "unvalidated (aimaq not run)"
            else:
                diff = {k: r["by_rule"].get(k, 0) - reference.get(k, 0)
                        for k in sorted(set(reference) | set(r["by_rule"]))
                        if r["by_rule"].get(k, 0) != reference.get(k, 0)}
                r["status"] = "ok" if not diff else "MISMATCH " + ", ".join(f"{k} {d:+d}" for k, d in diff.items())
                ref_verdicts = rows["aimaq"].get("by_verdict", {})
                vdiff = {k: r["by_verdict"].get(k, 0) - ref_verdicts.get(k, 0)
                         for k in sorted(set(ref_verdicts) | set(r["by_verdict"]))
                         if r["by_verdict"].get(k, 0) != ref_verdicts.get(k, 0)}
                if vdiff:  # noted, not failed: a verdict follows from the findings compared above
                    r["status"] += " (verdicts " + ", ".join(f"{k} {d:+d}" for k, d in vdiff.items()) + ")"
        if not args.keep_outputs:  # a 1M run leaves ~5 GB of reports otherwise
            # aimaq's report stays until the report-copy floor has read it
            keep = name == "aimaq" and "io-floor-report" in args.contenders
            done = [r["out"], r["out"][:-5] + ".parcels.gpkg", r["out"] + ".summary.json"]
            if name == "io-floor-report":
                done += [os.path.join(work, f"aimaq-{n}.gpkg"), os.path.join(work, f"aimaq-{n}.gpkg.summary.json")]
            for f in [] if keep else done:
                if os.path.exists(f):
                    os.remove(f)
        rows[name] = r
        print(f"    {r['wall_s']:.2f} s, {r['peak_bytes'] / 2**20:.0f} MiB, output {r['out_bytes'] / 1e6:,.1f} MB, {r['status']}",
              file=sys.stderr, flush=True)
    return {"parcels": n, "parcels_file": parcels, "rows": rows}


def table(result, timeout):
    n = result["parcels"]
    rows = result["rows"]
    ref = rows.get("aimaq")
    ref_ok = ref is not None and ref["status"] == "ok"
    lines = [
        f"**{n:,} parcels**",
        "",
        "| contender | wall s | parcels/s | peak RSS MiB | findings | output MB | bytes / finding | encumbered area vs aimaq | time / aimaq | memory / aimaq | status |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for name, r in rows.items():
        to = r["status"] == "timeout"
        wall = f"> {timeout:g} (timeout)" if to else f"{r['wall_s']:.2f}"
        rate = f"< {n / timeout:,.0f}" if to else f"{n / r['wall_s']:,.0f}"
        mem = f"{r['peak_bytes'] / 2**20:,.0f}" + (" (at kill)" if to else "")
        findings = f"{sum(r['by_rule'].values()):,}" if "by_rule" in r else "–"
        size = f"{r['out_bytes'] / 1e6:,.1f}" if r.get("out_bytes") else "–"
        nf = sum(r["by_rule"].values()) if "by_rule" in r else 0
        per = f"{r['out_bytes'] / nf:,.0f}" if r.get("out_bytes") and nf else "–"
        area = "–"
        if "area_m2" in r and ref_ok and name != "aimaq" and ref["area_m2"]:
            area = f"{(r['area_m2'] - ref['area_m2']) / ref['area_m2'] * 100:+.2f} %"
        if ref_ok and name != "aimaq" and (r["status"] == "ok" or to or name.startswith("io-floor")):
            t = r["wall_s"] / ref["wall_s"]
            tr = f"> {t:.1f}×" if to else f"{t:.2f}×"
            mr = f"{r['peak_bytes'] / ref['peak_bytes']:.2f}×"
        else:
            tr = mr = "1×" if name == "aimaq" else "–"
        status = r["status"] + (f" (disturbed: {'+'.join(r['disturbed_by'])} ran meanwhile)" if r.get("disturbed_by") else "")
        lines.append(f"| {name} | {wall} | {rate} | {mem} | {findings} | {size} | {per} | {area} | {tr} | {mr} | {status} |")
    return "\n".join(lines)


# The old wide report (docs/performance.md, run of 2026-11-25): 2.1 GB for 1,497,746
# findings at 1M parcels.
WIDE_BYTES_PER_FINDING = 2.1e9 / 1_497_746


def targets(result):
    """Issue 12's targets, at this size (they are set for 1M parcels)."""
    rows = result["rows"]
    ref = rows.get("aimaq")
    if ref is None or ref["status"] != "ok":
        return "targets: not evaluated (aimaq did not run cleanly)"
    out = []
    peers = [r for k, r in rows.items() if not k.startswith("io-floor") and k != "aimaq"]
    bad = [r["name"] for r in peers if r["status"] not in ("ok", "timeout")]
    timed = [r for r in peers if r["status"] in ("ok", "timeout")]
    if timed:
        best = min(timed, key=lambda r: r["wall_s"])
        x = best["wall_s"] / ref["wall_s"]
        bound = "≥ " if best["status"] == "timeout" else ""
        note = f" ({', '.join(bad)} not comparable)" if bad else ""
        out.append(f"- aimaq vs the best peer ({best['name']}, {best['wall_s']:.2f} s): {bound}{x:.2f}× "
                   f"(target ≥ 3×) — {'met' if x >= 3 else 'MISSED'}{note}")
    nf = sum(ref["by_rule"].values())
    if nf and ref.get("out_bytes"):
        per = ref["out_bytes"] / nf
        out.append(f"- report bytes per finding: {per:,.0f} B ({ref['out_bytes'] / 1e6:,.1f} MB / {nf:,}) against the "
                   f"wide report's {WIDE_BYTES_PER_FINDING:,.0f} B: {per / WIDE_BYTES_PER_FINDING:.2f}× "
                   f"(target ≤ 0.5×) — {'met' if per <= WIDE_BYTES_PER_FINDING / 2 else 'MISSED'}")
    if "io-floor" in rows and rows["io-floor"]["status"] == "ok":
        x = ref["wall_s"] / rows["io-floor"]["wall_s"]
        out.append(f"- aimaq / I/O floor (GDAL copying the input): {x:.2f}× (target ≤ 1.5×) — {'met' if x <= 1.5 else 'MISSED'}")
    if "io-floor-report" in rows and rows["io-floor-report"]["status"] == "ok":
        x = ref["wall_s"] / rows["io-floor-report"]["wall_s"]
        out.append(f"- aimaq / GDAL copying aimaq's own report: {x:.2f}× (not a target: the cost of writing that many rows)")
    out.append(f"- aimaq peak RSS: {ref['peak_bytes'] / 2**20:,.0f} MiB")
    return "\n".join(out)


# ----------------------------------------------------------------------------- context
def machine():
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    os_name = next((l.split("=", 1)[1].strip().strip('"') for l in open("/etc/os-release")
                    if l.startswith("PRETTY_NAME=")), platform.platform())
    return {"cpu": cpu, "cores": os.cpu_count(), "ram_gib": round(psutil.virtual_memory().total / 2**30, 1),
            "os": os_name, "kernel": platform.release(), "date": datetime.date.today().isoformat()}


def versions(aimaq):
    import duckdb, geopandas, pyogrio, sedonadb, shapely

    def out(cmd):
        try:
            return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.strip()
        except Exception as e:  # noqa: BLE001  (a missing tool is reported, not fatal)
            return f"unavailable ({e})"

    con = duckdb.connect()
    try:
        from duckdb_extensions import import_extension
        import_extension("spatial")
        con.execute("LOAD spatial")
        spatial = con.execute("SELECT extension_version FROM duckdb_extensions() WHERE extension_name = 'spatial'").fetchone()[0]
    except Exception as e:  # noqa: BLE001
        spatial = f"unavailable ({e})"
    return {
        "aimaq": out([aimaq, "--version"]),
        "gdal (ogr2ogr)": out(["ogr2ogr", "--version"]),
        "python": platform.python_version(),
        "geopandas": geopandas.__version__, "shapely": shapely.__version__,
        "GEOS (shapely)": shapely.geos_version_string, "pyogrio": pyogrio.__version__,
        "GDAL (pyogrio)": pyogrio.__gdal_version_string__,
        "duckdb": duckdb.__version__, "duckdb spatial": spatial,
        "sedonadb": sedonadb.__version__,
        "postgresql": out([f"{peer_postgis.PG_BIN}/postgres", "--version"]),
        "postgis": out(["dpkg-query", "-W", "-f", "${Version}", "postgresql-15-postgis-3"]),
    }


class OtherLoad:
    """Who else uses the CPU (this is a shared 2-core machine): processes outside the
    measured tree and outside this script that used more than 25 % of a core over the last
    interval. Compilers (rustc, cc1) count from their first sample."""

    COMPILERS = {"rustc", "cc1", "cc1plus"}

    def __init__(self):
        self.me = os.getpid()
        for p in psutil.process_iter(["name"]):  # prime the per-process CPU counters
            try:
                p.cpu_percent(None)
            except psutil.Error:
                pass

    def busy(self, exclude_roots=()):
        ours = {self.me}
        for root in exclude_roots:
            if root is None:
                continue
            try:
                r = psutil.Process(root)
                ours |= {r.pid} | {c.pid for c in r.children(recursive=True)}
            except psutil.NoSuchProcess:
                pass
        names = set()
        for p in psutil.process_iter(["name", "ppid"]):
            if p.pid in ours or p.info["ppid"] in ours:
                continue
            try:
                cpu = p.cpu_percent(None)
            except psutil.Error:
                continue
            if cpu > 25 or p.info["name"] in self.COMPILERS:
                names.add(p.info["name"])
        return sorted(names)


def wait_idle():
    """Wait until the whole machine is quiet: under 15 % CPU over 3 s, twice in a row."""
    quiet = 0
    while quiet < 2:
        load = psutil.cpu_percent(interval=3)
        quiet = quiet + 1 if load < 15 else 0
        if load >= 15:
            print(f"waiting: the machine is busy ({load:.0f} % CPU, {', '.join(OTHER.busy()) or '?'})",
                  file=sys.stderr, flush=True)


OTHER = OtherLoad()


def main():
    # SIGTERM (a CI time limit, kill) unwinds like Ctrl-C, so the `finally` that stops a
    # PostGIS cluster still runs
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--parcels", default="10000", help="comma-separated sizes, e.g. 10000,100000,1000000")
    ap.add_argument("--contenders", default=",".join(CONTENDERS), help=f"comma-separated subset of {','.join(CONTENDERS)}")
    ap.add_argument("--timeout", type=float, default=1800, help="seconds per contender run; past it the run is killed and reported as a lower bound")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--aimaq", required=True, help="the aimaq release binary")
    ap.add_argument("--cache", required=True, help="where inputs, outputs and results go")
    ap.add_argument("--keep-outputs", action="store_true", help="keep every contender's output GeoPackage (in CACHE/runs)")
    ap.add_argument("--wait-idle", action="store_true", help="before each contender run, wait until the machine is idle (< 15 %% CPU)")
    args = ap.parse_args()
    args.contenders = [c.strip() for c in args.contenders.split(",") if c.strip()]
    unknown = set(args.contenders) - set(CONTENDERS)
    if unknown:
        ap.error(f"unknown contenders: {', '.join(sorted(unknown))}")
    if "aimaq" in args.contenders:  # aimaq is the reference: run it before the peers
        args.contenders.remove("aimaq")
        args.contenders.insert(1 if args.contenders[:1] == ["io-floor"] else 0, "aimaq")
    sizes = [int(s.replace("_", "")) for s in args.parcels.split(",")]

    info = {"machine": machine(), "versions": versions(args.aimaq), "results": []}
    print("machine: " + ", ".join(f"{k} {v}" for k, v in info["machine"].items()), file=sys.stderr)
    zones = export_zones(args.aimaq, args.cache)
    report = []
    for n in sizes:
        res = bench_size(args, zones, n)
        info["results"].append(res)
        block = table(res, args.timeout) + "\n\n" + targets(res)
        report.append(block)
        print("\n" + block + "\n", flush=True)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    sizes_tag = "-".join(str(n) for n in sizes)
    with open(os.path.join(args.cache, f"results-{sizes_tag}-{stamp}.json"), "w") as f:
        json.dump(info, f, indent=2, default=str)
    with open(os.path.join(args.cache, f"results-{sizes_tag}-{stamp}.md"), "w") as f:
        f.write("\n\n".join(report) + "\n")
    print(f"results: {os.path.join(args.cache, f'results-{sizes_tag}-{stamp}.md')} (and .json)", file=sys.stderr)
    bad = [r["name"] for res in info["results"] for r in res["rows"].values()
           if r["status"] not in ("ok", "timeout")]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
