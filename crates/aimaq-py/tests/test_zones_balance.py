"""The zones export and the land balance from Python: exactly `aimaq zones` and `aimaq
balance --json`, which the QGIS provider's zones and balance algorithms call."""

from __future__ import annotations

import json
import sqlite3

import pytest

import aimaq
from conftest import run_cli


def rows(path, table):
    with sqlite3.connect(path) as db:
        db.row_factory = sqlite3.Row
        return [dict(r) for r in db.execute(f"SELECT * FROM {table} ORDER BY fid")]


@pytest.mark.parametrize("use", ["construction", "arable_farming"])
def test_zones_equal_the_cli(engine, aimaq_bin, tmp_path, use):
    ours = tmp_path / "ours.gpkg"
    theirs = tmp_path / "cli.gpkg"
    written = engine.zones(ours, use=use)
    run_cli(aimaq_bin, "zones", "--out", str(theirs), "--use", use)
    assert written["strips"] + written["areas"] > 0
    for table in ["zone_strips", "zone_areas", "source_lines", "source_areas", "settlements"]:
        a, b = rows(ours, table), rows(theirs, table)
        assert len(a) == len(b), table
        assert a == b, table
    assert len(rows(ours, "zone_strips")) == written["strips"]
    assert all(r["use"] == use and r["regime"] != "allowed" for r in rows(ours, "zone_strips"))
    with pytest.raises(FileExistsError):
        engine.zones(ours, use=use)
    with pytest.raises(aimaq.AimaqError, match="unknown use"):
        engine.zones(tmp_path / "x.gpkg", use="casino")


def test_balance_equals_the_cli(engine, aimaq_bin):
    ours = engine.balance()
    theirs = json.loads(run_cli(aimaq_bin, "balance", "--json").stdout)["balance"]
    assert ours == theirs
    assert ours["total_thousand_ha"] > 0
    assert {r["level"] for r in ours["rows"]} >= {"group", "subzone"}
