"""Open lists (Art. 7 「等」): the packaged vocabularies, their extension by a rules file, and
the located error on a value outside them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from io_inputs import VALID, YEAR, write_inputs
from typer.testing import CliRunner

from nidb.cli import app
from nidb.errors import ConfigError, InputError
from nidb.inputs.contract import load_contract
from nidb.inputs.dataset import load_dataset
from nidb.inputs.open_lists import PACKAGED_PATH, load_open_lists
from nidb.selection import load_selection_method

ART7 = "对承担工业和信息化部重要试点示范任务的申报对象，如中国软件名园、国家安全应急产业示范基地等在同等条件下予以优先支持。"


def _rules(path: Path, doc: dict) -> Path:
    path.write_text(yaml.safe_dump({"kind": "open_lists", **doc}, allow_unicode=True), encoding="utf-8")
    return path


def _bases(pilot: str = "", special: str = "") -> str:
    """VALID bases with B0001's pilot tasks and special areas set."""
    lines = VALID["bases.csv"].splitlines()
    header = lines[0] + ",pilot_tasks"
    first = lines[1].split(",")
    first[8] = special
    return "\n".join([header, ",".join(first) + f",{pilot}", lines[2] + ","]) + "\n"


def test_pilot_tasks_hold_only_what_art7_names_and_art13_is_separate():
    lists = load_open_lists()
    pilot, programmes = lists.get("pilot_tasks"), lists.get("support_programmes")
    assert pilot.values == ("中国软件名园", "国家安全应急产业示范基地") and pilot.text == ART7
    assert programmes.article == "第十三条" and "绿色园区" in programmes.values and "中小企业特色产业集群" in programmes.values
    assert not set(pilot.values) & set(programmes.values)
    assert lists.get("special_areas").values == ("革命老区", "民族地区", "边疆地区")
    contract = load_contract()
    assert contract.vocabulary("pilot_tasks") == pilot.values
    assert "support_programmes" not in dict(contract.vocabularies)  # not a column's vocabulary


def test_demo_pilot_tasks_are_art7_tasks():
    from nidb.demo.writer import demo_tables

    tables = demo_tables()
    for name in ("bases", "applicants"):
        items = set(tables[name]["pilot_tasks"].dropna().str.split(";").explode())
        assert items == {"中国软件名园", "国家安全应急产业示范基地"}, name


def test_an_art13_programme_as_pilot_task_is_a_located_error_saying_how_to_extend(tmp_path: Path):
    data = write_inputs(tmp_path / "d", {"bases.csv": _bases(pilot="中国软件名园;绿色园区")})
    with pytest.raises(InputError) as error:
        load_dataset(data, year=YEAR)
    (problem,) = error.value.problems
    assert (Path(problem.file).name, problem.row, problem.column) == ("bases.csv", 2, "pilot_tasks")
    assert "「绿色园区」不是可选值" in problem.message
    assert "词表 pilot_tasks" in problem.message and "open-lists-2023.yaml" in problem.message
    assert "kind: open_lists" in problem.message and "pilot_tasks.values" in problem.message
    assert "第十三条" in problem.message


def test_a_rules_file_extends_the_lists_without_code(tmp_path: Path):
    rules = _rules(tmp_path / "lists.yaml", {"pilot_tasks": {"values": ["绿色园区"]},
                                             "special_areas": {"values": ["资源枯竭城市"]}})
    lists = load_open_lists(rules)
    assert lists.get("pilot_tasks").values == ("中国软件名园", "国家安全应急产业示范基地", "绿色园区")
    assert lists.sources == (str(PACKAGED_PATH), str(rules))
    data = write_inputs(tmp_path / "d", {"bases.csv": _bases(pilot="绿色园区", special="资源枯竭城市")})
    ds = load_dataset(data, year=YEAR, open_lists=lists)
    assert ds.bases.loc[0, "pilot_tasks"] == "绿色园区" and ds.bases.loc[0, "special_areas"] == "资源枯竭城市"
    with pytest.raises(InputError):  # the packaged lists still refuse them
        load_dataset(data, year=YEAR)


def test_the_selection_method_names_its_open_lists(tmp_path: Path):
    _rules(tmp_path / "lists.yaml", {"pilot_tasks": {"values": ["绿色园区"]}})
    method = tmp_path / "m.yaml"
    method.write_text("kind: selection\nopen_lists: lists.yaml\n", encoding="utf-8")
    m = load_selection_method(method)
    assert "绿色园区" in m.open_lists.get("pilot_tasks").values
    assert m.as_record()["open_lists"][-1] == str(tmp_path / "lists.yaml")
    assert load_selection_method().open_lists.get("pilot_tasks").values == ("中国软件名园", "国家安全应急产业示范基地")


@pytest.mark.parametrize("doc, where", [
    ({"pilot_tasks": {"values": ["中国软件名园"]}}, "pilot_tasks.values"),  # already there
    ({"pilot_tasks": {"values": ["甲;乙"]}}, "pilot_tasks.values[0]"),
    ({"pilot_tasks": {"value": ["甲"]}}, "pilot_tasks.value"),
    ({"pilot_task": {"values": ["甲"]}}, "pilot_task"),
    ({"special_areas": {"values": "革命老区"}}, "special_areas.values"),
])
def test_a_bad_rules_file_names_file_and_key(tmp_path: Path, doc: dict, where: str):
    path = _rules(tmp_path / "lists.yaml", doc)
    with pytest.raises(ConfigError, match=re.escape(f"lists.yaml：{where}：")):
        load_open_lists(path)


def test_validate_takes_the_lists_file(tmp_path: Path):
    data = write_inputs(tmp_path / "d", {"bases.csv": _bases(pilot="绿色园区")})
    refused = CliRunner().invoke(app, ["validate", str(data), "--year", str(YEAR)])
    assert refused.exit_code == 1 and "词表 pilot_tasks" in refused.output
    rules = _rules(tmp_path / "lists.yaml", {"pilot_tasks": {"values": ["绿色园区"]}})
    accepted = CliRunner().invoke(app, ["validate", str(data), "--year", str(YEAR), "--lists", str(rules)])
    assert accepted.exit_code == 0, accepted.output
