"""User-facing errors: a problem in the user's input or configuration, never a bug."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One located problem in an input file, as the user sees it."""

    file: str
    rule: str
    message: str
    sheet: str | None = None
    row: int | None = None  # row number as a spreadsheet shows it (header row = 1)
    column: str | None = None  # column header as written in the file
    value: object | None = None

    def __str__(self) -> str:
        where = [self.file]
        if self.sheet:
            where.append(f"工作表「{self.sheet}」")
        if self.row is not None:
            where.append(f"第 {self.row} 行")
        if self.column:
            where.append(f"列「{self.column}」")
        value = "" if self.value is None else f"，值「{self.value}」"
        return f"{'，'.join(where)}{value}：{self.message}（规则：{self.rule}）"


class NidbError(Exception):
    """An error caused by user input or configuration; the CLI prints it without a traceback."""


class InputError(NidbError):
    """One or more located problems in input files."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class ConfigError(NidbError):
    """A framework or method YAML file that breaks its schema."""
