"""Reading the YAML files that hold rules and methods, with user-facing errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from nidb.errors import ConfigError


def read_yaml(path: str | Path) -> Any:
    """The parsed content of a YAML file; `ConfigError` naming the file when it is missing,
    unreadable or not valid YAML."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}：文件不存在（无法读取）") from None
    except OSError as exc:
        raise ConfigError(f"{path}：无法读取：{exc.strerror}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}：无法读取：不是 UTF-8 编码的文本") from None
    return parse_yaml(text, path)


#: libyaml's parser when PyYAML was built with it (the PyPI wheels are), else the pure-Python one
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse_yaml(text: str, path: str | Path) -> Any:
    """The parsed content of YAML ``text`` read from ``path``; `ConfigError` naming the file
    when it is not valid YAML."""
    try:
        return yaml.load(text, Loader=_LOADER)  # noqa: S506 - a safe loader
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}：YAML 语法错误：{exc}") from None


#: the kinds of method and rule files (the `kind:` key) and their Chinese names
KINDS = {
    "selection": "遴选方法",
    "evaluation": "评价方法",
    "lifecycle": "动态管理规则",
    "audit": "设计审计方法",
    "engine": "综合指数引擎方法",
    "screening": "报表筛查方法",
    "open_lists": "开放词表规则",
}
#: top-level keys that only one kind uses, checked in this order, to name the kind of a
#: file that does not declare one (the audit file may hold `stars` too, so audit first)
_SIGNATURE_KEYS = (
    ("audit", ("choices", "sobol", "base_method", "runs", "chunk_size")),
    ("selection", ("quantitative_rule", "qualitative_rule", "features_required", "veto", "listing_required",
                   "ordering", "sweep", "data_lag", "special_area_relaxation", "framework")),
    ("lifecycle", ("first_evaluation_data_year_offset", "campaign_lag", "compliance_from_offset",
                   "warning_max_stars", "low_star_revocation", "revoke_env_incident_levels", "revoke_safety_accident_levels", "revoke_on_unrectified_inspection",
                   "fraud_suspends_next_batch", "rate_in_compliance_revocation_year")),
    ("evaluation", ("stars", "experts", "peer_relative", "special", "rating_data")),
    ("screening", ("score_cap",)),
    ("open_lists", ("pilot_tasks", "special_areas", "support_programmes")),
)  # fmt: skip


def kind_label(kind: str) -> str:
    """「评价方法文件（kind: evaluation）」: how messages name a kind."""
    return f"{KINDS[kind]}文件（kind: {kind}）"


def check_kind(raw: Any, expected: str, source: str) -> None:
    """Raise a one-line `ConfigError` when a method or rule file is of another kind than
    `expected`: the declared `kind:`, or, when the file declares none, the kind its
    top-level keys belong to. A file that declares nothing and shows no other kind's keys
    passes (files written before `kind:` existed)."""
    if not isinstance(raw, dict):
        return
    declared = raw.get("kind")
    if declared is not None:
        if declared not in KINDS:
            allowed = "、".join(KINDS)
            raise ConfigError(f"{source}：kind：取值 {declared!r} 无效，可选：{allowed}（此处需要 {kind_label(expected)}）")
        if declared != expected:
            raise ConfigError(f"{source}：这是{kind_label(declared)}，此处需要{kind_label(expected)}")
        return
    for kind, keys in _SIGNATURE_KEYS:
        found = [k for k in keys if k in raw]
        if found and kind != expected:
            raise ConfigError(
                f"{source}：据键 {found[0]} 判断这是{KINDS[kind]}文件（kind: {kind}，文件未声明 kind），"
                f"此处需要{kind_label(expected)}"
            )
        if found:
            return
