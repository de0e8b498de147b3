"""Typed access to parsed YAML (rules, methods, the data contract) that raises a
`ConfigError` naming the file and the key path of the offending value."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from math import isfinite
from typing import Any

from nidb.errors import ConfigError


class KeyPathReader:
    """Checks for one YAML file; each method returns the checked value or raises."""

    #: whether an absent (None) mapping reads as empty rather than as an error
    absent_mapping_is_empty = False

    def __init__(self, source: str):
        self.source = source

    def fail(self, path: str, message: str) -> ConfigError:
        """The error for the value at `path`."""
        return ConfigError(f"{self.source}：{path}：{message}")

    def mapping(
        self, value: Any, path: str, allowed: Collection[str] | None = None, required: Collection[str] = ()
    ) -> dict:
        """A mapping whose keys are all `allowed` (any key when None) and include `required`."""
        if value is None and self.absent_mapping_is_empty:
            return {}
        if not isinstance(value, Mapping):
            raise self.fail(path, "应为键值映射")
        if allowed is not None:
            unknown = sorted(set(map(str, value)) - set(allowed))
            if unknown:
                where = f"{path}.{unknown[0]}" if path else unknown[0]
                raise self.fail(where, f"未知键，可用的键：{', '.join(sorted(allowed))}")
        missing = sorted(set(required) - set(value))
        if missing:
            raise self.fail(f"{path}.{missing[0]}" if path else missing[0], "缺少必需的键")
        return dict(value)

    def text(self, value: Any, path: str) -> str:
        """A non-empty string."""
        if not isinstance(value, str) or not value.strip():
            raise self.fail(path, f"应为非空文本，实为 {value!r}")
        return value

    def number(self, value: Any, path: str, low: float | None = None, high: float | None = None) -> float:
        """A finite number, within [low, high] where given."""
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.fail(path, f"应为数值，实为 {value!r}")
        if not isfinite(value):
            raise self.fail(path, f"应为有限数值，实为 {value!r}")
        if (low is not None and value < low) or (high is not None and value > high):
            raise self.fail(path, f"取值 {value!r} 超出范围 [{low}, {high}]")
        return float(value)

    def integer(self, value: Any, path: str, minimum: int | None = None) -> int:
        """An integer, at least `minimum` where given."""
        if isinstance(value, bool) or not isinstance(value, int) or (minimum is not None and value < minimum):
            bound = "" if minimum is None else f"不小于 {minimum} 的"
            raise self.fail(path, f"应为{bound}整数，实为 {value!r}")
        return value

    def flag(self, value: Any, path: str) -> bool:
        """true or false."""
        if not isinstance(value, bool):
            raise self.fail(path, f"应为 true 或 false，实为 {value!r}")
        return value

    def choice(self, value: Any, path: str, allowed: Collection[str]) -> str:
        """One of `allowed`."""
        if value not in allowed:
            raise self.fail(path, f"取值 {value!r} 无效，可选：{', '.join(map(str, allowed))}")
        return value
