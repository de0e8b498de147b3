"""The package layout: one folder per stage of the data flow, and no import cycles."""

from __future__ import annotations

import ast
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import pytest

import nidb

PACKAGE = Path(nidb.__file__).parent
#: the only modules allowed at the top of src/nidb/: the CLI and shared plumbing
TOP_LEVEL = {"__init__", "cli", "errors", "keypath", "output", "yamlfile"}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in PACKAGE.rglob("*.py")}


def imported(tree: ast.AST, known: set[str]) -> set[str]:
    """The package's modules a source file imports, anywhere in the file (lazy imports too)."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [f"{node.module}.{alias.name}" for alias in node.names] + [node.module]
        else:
            continue
        for name in names:
            while name and name not in known:
                name = name.rpartition(".")[0]
            if name.startswith("nidb."):
                found.add(name)
    return found


def import_graph() -> dict[str, set[str]]:
    known = modules()
    return {
        name: imported(ast.parse(path.read_text(encoding="utf-8")), set(known)) - {name}
        for name, path in known.items()
    }


def test_graph_sees_known_edges():
    graph = import_graph()
    assert "nidb.evaluation.special" in graph["nidb.evaluation.annual"]
    assert "nidb.inputs.contract" in graph["nidb.inputs.dataset"]


def test_no_import_cycles():
    try:
        TopologicalSorter(import_graph()).prepare()
    except CycleError as error:
        pytest.fail(f"import cycle: {' -> '.join(error.args[1])}")


def test_cycle_detection_fails_on_a_cycle():
    with pytest.raises(CycleError):
        TopologicalSorter({"a": {"b"}, "b": {"a"}}).prepare()


def test_top_level_holds_only_cli_and_plumbing():
    top = {p.stem for p in PACKAGE.glob("*.py")}
    assert top <= TOP_LEVEL, f"modules at the top of src/nidb/ outside the layout: {sorted(top - TOP_LEVEL)}"


def test_stage_folders():
    stages = {"inputs", "framework", "indicators", "selection", "evaluation", "engine", "audit", "report", "demo",
              "reference"}
    assert stages <= {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()}
