"""The README's Python and Spark snippets run as written, from the repository root, each
in a fresh interpreter (the Spark one starts its own `local[2]` session)."""

from __future__ import annotations

import os
import re
from collections import Counter
import subprocess
import sys

from conftest import DEMO, REPO, cli_json


def snippets() -> list[str]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    return re.findall(r"```python\n(.*?)```", text, flags=re.S)


def run(code: str) -> str:
    env = dict(os.environ)
    # as a user runs it: the Spark snippet itself says which Python the workers use
    env.pop("PYSPARK_PYTHON", None)
    env.pop("PYSPARK_DRIVER_PYTHON", None)
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def test_there_are_a_python_and_a_spark_snippet_of_the_promised_size():
    python, spark = snippets()
    assert len(python.strip().splitlines()) == 5
    assert "aimaq.spark" in spark and len(spark.strip().splitlines()) <= 10


def test_python_snippet_runs():
    out = run(snippets()[0])
    # the demo's verdicts and findings are printed
    assert "P-001" in out and "prohibited" in out and "hazard.seismic" in out


def test_spark_snippet_runs(aimaq_bin):
    out = run(snippets()[1])
    # its table of findings by rule and severity counts what `aimaq check` finds
    expected = Counter(
        (f["rule"], f["severity"]) for p in cli_json(aimaq_bin, str(DEMO))["parcels"] for f in p["findings"]
    )
    shown = re.findall(r"^\|([a-z_.0-9]+)\s*\|([a-z]+)\s*\|(\d+)\s*\|$", out, flags=re.M)
    assert len(shown) >= 10, out
    assert {(rule, severity): int(n) for rule, severity, n in shown}.items() <= expected.items()
