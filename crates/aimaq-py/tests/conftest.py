"""Shared fixtures: the repository, the `aimaq` binary the answers are compared with, and
a 10,000-parcel cadastre screened once by the CLI.

The binary is `$AIMAQ_BIN`, else `$CARGO_TARGET_DIR/debug/aimaq`, else
`target/debug/aimaq` (`.ci/python-tests` builds it). Nothing is downloaded."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
DEMO = REPO / "fixtures" / "parcels" / "demo.geojson"

# Spark's Python workers must run this interpreter (the one with aimaq and pyarrow),
# not whatever `python3` is first on PATH.
os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)


def _binary() -> Path:
    if os.environ.get("AIMAQ_BIN"):
        return Path(os.environ["AIMAQ_BIN"])
    target = Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target"))
    return target / "debug" / "aimaq"


@pytest.fixture(scope="session")
def aimaq_bin() -> Path:
    path = _binary()
    if not path.exists():
        pytest.fail(f"{path} is missing: build it with `cargo build -p aimaq-cli` (or set AIMAQ_BIN)")
    return path


def run_cli(binary: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The CLI's run; exit 0 or 2 (records with errors) both answer every record."""
    done = subprocess.run([str(binary), *args], capture_output=True, text=True, cwd=REPO)
    assert done.returncode in (0, 2), f"aimaq {' '.join(args)} failed:\n{done.stderr}"
    return done


def cli_json(binary: Path, *args: str) -> dict:
    return json.loads(run_cli(binary, "check", "--format", "json", *args).stdout)


@pytest.fixture(scope="session")
def engine():
    import aimaq

    return aimaq.Engine()


# Uses given to the generated parcels in turn, so that regimes other than generic
# construction are compared too (None: no use stated).
USES = [None, "residential", "vehicle_wash", "industrial", "arable_farming", "recreation", "cemetery"]


@pytest.fixture(scope="session")
def cadastre(aimaq_bin: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """10,000 generated parcels (EPSG:32643) with uses, and `aimaq screen`'s report in the
    wide layout (every finding field on every row: what the Python tables hold)."""
    import pyogrio

    folder = tmp_path_factory.mktemp("cadastre")
    generated = folder / "generated.gpkg"
    parcels = folder / "parcels.gpkg"
    report = folder / "report.gpkg"
    run_cli(aimaq_bin, "cadastre", "--count", "10000", "--out", str(generated))
    frame = pyogrio.read_dataframe(generated)
    frame["use"] = [USES[i % len(USES)] for i in range(len(frame))]
    pyogrio.write_dataframe(frame, parcels, layer="parcels")
    run_cli(aimaq_bin, "screen", str(parcels), "--out", str(report), "--progress", "off", "--verbose-rows")
    return {"parcels": parcels, "report": report}


@pytest.fixture(scope="session")
def cli_report(cadastre: dict[str, Path]):
    """`aimaq screen`'s two layers, as pandas frames with the geometry as WKB."""
    import pyogrio

    layers = {}
    for layer in ("parcels", "findings"):
        _, table = pyogrio.read_arrow(cadastre["report"], layer=layer)
        layers[layer] = table.to_pandas()
    return layers
