"""Every method and rule file declares its kind; a file of another kind is a one-line error."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
import yaml
from typer.testing import CliRunner

from nidb.audit.choices import load_audit_spec
from nidb.cli import app
from nidb.engine.method import load_method
from nidb.errors import ConfigError
from nidb.evaluation.lifecycle import load_rules
from nidb.evaluation.method import load_evaluation_method
from nidb.inputs.open_lists import load_open_lists
from nidb.screening.method import load_screening_method
from nidb.selection.method import load_selection_method
from nidb.yamlfile import KINDS, read_yaml

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "nidb"
FILES = sorted([*(PACKAGE / "methods").glob("*.yaml"), *(PACKAGE / "rules").glob("*.yaml")])
LOADERS = {
    "selection": load_selection_method,
    "evaluation": load_evaluation_method,
    "lifecycle": load_rules,
    "audit": load_audit_spec,
    "engine": load_method,
    "screening": load_screening_method,
    "open_lists": load_open_lists,
}
#: one packaged file of each kind
EXAMPLE = {
    "selection": PACKAGE / "methods" / "selection-default.yaml",
    "evaluation": PACKAGE / "methods" / "evaluation-default.yaml",
    "lifecycle": PACKAGE / "rules" / "lifecycle-2023.yaml",
    "audit": PACKAGE / "methods" / "audit-default.yaml",
    "engine": PACKAGE / "methods" / "asem-minmax-mean.yaml",
    "screening": PACKAGE / "methods" / "screening-default.yaml",
    "open_lists": PACKAGE / "rules" / "open-lists-2023.yaml",
}
#: (command arguments without the file option, option, kind it expects)
OPTIONS = [
    (["select", "--year", "2024", "--out", "{tmp}/o.csv"], "--method", "selection"),
    (["sweep", "--year", "2024", "--out", "{tmp}/o.csv"], "--method", "selection"),
    (["evaluate", "--year", "2025", "--out", "{tmp}/o.csv"], "--method", "evaluation"),
    (["evaluate", "--year", "2025", "--out", "{tmp}/o.csv"], "--rules", "lifecycle"),
    (["lifecycle", "--out", "{tmp}/o.csv"], "--method", "evaluation"),
    (["lifecycle", "--out", "{tmp}/o.csv"], "--rules", "lifecycle"),
    (["report", "--out", "{tmp}/r"], "--method", "evaluation"),
    (["profiles", "--out", "{tmp}/r"], "--method", "evaluation"),
    (["audit", "--year", "2025", "--out", "{tmp}/a"], "--method", "audit"),
    (["screen", "--year", "2025", "--out", "{tmp}/o.csv"], "--method", "screening"),
    (["score", "--data", "{tmp}/d.csv", "--meta", "{tmp}/m.csv", "--out", "{tmp}/o.csv"], "--method", "engine"),
    (["validate", "{tmp}/data"], "--lists", "open_lists"),
]


def test_the_packaged_files_are_of_every_kind():
    assert set(EXAMPLE) == set(KINDS)
    assert FILES and all(path in FILES for path in EXAMPLE.values())


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_packaged_file_declares_its_kind_and_loads_as_it(path):
    kind = read_yaml(path)["kind"]
    assert kind in KINDS
    LOADERS[kind](path)


@pytest.mark.parametrize("args, option, expected", OPTIONS, ids=lambda v: v if isinstance(v, str) else v[0])
def test_every_method_option_names_the_kind_it_expects(args, option, expected):
    command = typer.main.get_command(app).commands[args[0]]
    param = next(p for p in command.params if option in p.opts)
    assert f"kind: {expected}" in param.help
    assert sum(f"kind: {k}" in param.help for k in KINDS) == 1


@pytest.mark.parametrize("args, option, expected", OPTIONS, ids=lambda v: v if isinstance(v, str) else v[0])
def test_a_file_of_another_kind_is_a_one_line_error_naming_both(tmp_path, args, option, expected):
    wrong = next(k for k in EXAMPLE if k != expected)
    data = tmp_path / "data"
    data.mkdir()
    argv = [a.format(tmp=tmp_path) for a in args] + ["--data", str(data)] * (args[0] not in ("score", "validate"))
    result = CliRunner().invoke(app, [*argv, option, str(EXAMPLE[wrong])])
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert f"kind: {wrong}" in lines[0] and f"kind: {expected}" in lines[0]
    assert str(EXAMPLE[wrong]) in lines[0]
    assert [p.name for p in tmp_path.iterdir()] == ["data"] and not any(data.iterdir()), "nothing is written"


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_each_loader_refuses_every_other_kind(kind):
    for other, path in EXAMPLE.items():
        if other == kind:
            continue
        with pytest.raises(ConfigError, match=rf"这是{KINDS[other]}文件（kind: {other}），此处需要{KINDS[kind]}文件"):
            LOADERS[kind](path)


def test_a_file_without_kind_is_named_by_its_keys(tmp_path):
    raw = read_yaml(EXAMPLE["selection"])
    del raw["kind"]
    path = tmp_path / "old-selection.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    assert load_selection_method(path).name == "selection-default"  # still valid where it belongs
    with pytest.raises(ConfigError) as error:
        load_evaluation_method(path)
    message = str(error.value)
    assert "kind: selection" in message and "kind: evaluation" in message and "未声明 kind" in message


def test_an_unknown_kind_lists_the_kinds(tmp_path):
    path = tmp_path / "m.yaml"
    path.write_text(EXAMPLE["evaluation"].read_text(encoding="utf-8").replace("kind: evaluation", "kind: stars"))
    with pytest.raises(ConfigError, match="kind：取值 'stars' 无效，可选：selection、evaluation、lifecycle、audit、engine"):
        load_evaluation_method(path)
