"""aimaq.build_dataset: the builder of `aimaq dataset build`, from Python."""

from __future__ import annotations

import pytest

import aimaq
from conftest import REPO


def test_build_dataset_returns_the_summary_and_the_dataset_checks(tmp_path):
    out = tmp_path / "d.gpkg"
    summary = aimaq.build_dataset([REPO / "fixtures" / "osm" / "extract.osm.pbf"], out)
    assert out.exists()
    assert summary["layers"]["power_lines"] == 5
    assert summary["attribution"].startswith("© OpenStreetMap contributors, ODbL 1.0")
    assert any(i["feature"] == "relation/5004" for i in summary["issues"])
    engine = aimaq.Engine(data=out)
    assert engine.dataset == str(out)


def test_build_dataset_errors_speak_python(tmp_path):
    lep = REPO / "fixtures" / "office" / "lep.shp"
    with pytest.raises(aimaq.AimaqError) as e:
        aimaq.build_dataset([lep], tmp_path / "x.gpkg")
    assert "no mapping" in str(e.value) and "--map" not in str(e.value)
    assert "map=" in str(e.value)
    out = tmp_path / "o.gpkg"
    out.write_text("mine")
    with pytest.raises(FileExistsError) as e:
        aimaq.build_dataset([lep], out, map=REPO / "fixtures" / "office" / "mapping.toml")
    assert "overwrite=True" in str(e.value) and "--overwrite" not in str(e.value)
    assert out.read_text() == "mine"
