"""`nidb compare`: two method files of one kind (evaluation or selection), side by side.

The kind is the file's ``kind:`` key when it has one, else recognised from its keys: an
evaluation method has ``stars``; a selection method has the selection keys
(``quantitative_rule``, ``veto`` …). Both files must be of the same kind.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from nidb.errors import ConfigError, NidbError
from nidb.evaluation.compare import compare_evaluations, comparison_tables
from nidb.evaluation.lifecycle import load_rules
from nidb.evaluation.method import load_evaluation_method
from nidb.framework import load_framework
from nidb.inputs.dataset import is_synthetic, load_dataset, resolve_data_dir
from nidb.output import SYNTHETIC_LABEL, check_out, write_tables
from nidb.selection.compare import compare_selections, selection_comparison_tables
from nidb.selection.method import load_selection_method
from nidb.yamlfile import read_yaml

KINDS = {"evaluation": "评价方法", "selection": "遴选方法"}
SELECTION_KEYS = {"quantitative_rule", "qualitative_rule", "veto", "features_required", "listing_required",
                  "special_area_relaxation", "ordering", "data_lag", "sweep"}


def method_kind(path: str | Path) -> str:
    """``evaluation`` or ``selection`` for a method file; ``ConfigError`` naming the file otherwise."""
    raw = read_yaml(path)
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{path}，键 (根)：应为映射（键: 值）")
    kind = raw.get("kind")
    if kind is None:
        kind = "evaluation" if "stars" in raw else "selection" if SELECTION_KEYS & set(raw) else None
    if kind not in KINDS:
        raise ConfigError(f"{path}：无法比较此文件——nidb compare 只比较评价方法（含 stars）或遴选方法"
                          f"（含 quantitative_rule 等），此文件的类型为「{kind or '无法识别'}」")
    return str(kind)


def run_compare(year: int, methods: list[Path], out: Path, data: Path | None = None,
                rules: Path | None = None) -> tuple[list[Path], str]:
    """Compare two method files on the data of ``year``; write the tables to ``out``.

    Returns the files written and a one-line summary.
    """
    check_out(out)
    if len(methods) != 2:
        raise NidbError(f"nidb compare 需要恰好两个 --method（现有 {len(methods)} 个）")
    kinds = [method_kind(p) for p in methods]
    if kinds[0] != kinds[1]:
        raise NidbError(f"两个方法文件类型不同：{methods[0]} 为{KINDS[kinds[0]]}，{methods[1]} 为{KINDS[kinds[1]]}")
    path = resolve_data_dir(data)
    synthetic = is_synthetic(path)
    dataset = load_dataset(path)
    if kinds[0] == "evaluation":
        framework = load_framework()
        a, b = (load_evaluation_method(p, framework) for p in methods)
        comparison = compare_evaluations(dataset, framework, a, b, load_rules(rules), year)
        tables = comparison_tables(comparison)
        moved = comparison.bases["star_change"].fillna(0).ne(0).sum()
        line = f"{year} 年评价：{comparison.method_a} → {comparison.method_b}，星级变化的基地 {moved} 个"
    else:
        a, b = (load_selection_method(p) for p in methods)
        sel = compare_selections(dataset, year, a, b)
        tables = selection_comparison_tables(sel)
        moved = int((sel.applicants["changed"] == "是").sum())
        line = f"{year} 年遴选：{sel.method_a} → {sel.method_b}，总体结论变化的申报对象 {moved} 个"
    if synthetic:
        line += f"（{SYNTHETIC_LABEL}）"
    info = pd.DataFrame([
        ("内容", f"方法比较（{KINDS[kinds[0]]}）"),
        ("数据", f"{SYNTHETIC_LABEL}：{path}" if synthetic else str(path)),
        ("方法 A", str(methods[0])),
        ("方法 B", str(methods[1])),
    ], columns=["项目", "内容"])
    label = SYNTHETIC_LABEL if synthetic else None
    return write_tables({**tables, "说明": info}, out, label=label), line
