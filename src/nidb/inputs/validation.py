"""Find the input tables in files, directories and workbooks, and validate them.

`validate_paths` reads every table it finds, checks each against its contract
schema and the cross-table rules (foreign keys), and returns every located
problem. Nothing is written.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from nidb.errors import Problem
from nidb.inputs.contract import Contract, TableSpec, load_contract
from nidb.inputs.readers import (
    INSTRUCTIONS_SHEET,
    LISTS_SHEET,
    SUFFIXES,
    RawSheet,
    ReadError,
    normalise_label,
    parse_table,
    read_sheets,
)
from nidb.inputs.plausibility import (
    expert_indicator_problems,
    growth_fraction_problems,
    typical_by_problems,
    typical_warnings,
    year_on_year,
)
from nidb.inputs.schemas import Rule, TableFrame, check_table, current_year


@dataclass(frozen=True)
class ValidationReport:
    """What validation found: the tables read and every problem, in reading order."""

    tables: dict[str, TableFrame]
    problems: tuple[Problem, ...]
    files: tuple[Path, ...]
    skipped: tuple[str, ...] = ()  # cross-table checks not run because a referenced table was not given
    warnings: tuple[Problem, ...] = ()  # plausible but unusual values, printed and not blocking

    @property
    def ok(self) -> bool:
        """True when no problem was found."""
        return not self.problems

    def render(self) -> str:
        """A short Chinese summary, followed by every problem when there are any."""
        counts = "，".join(f"{tf.table.zh} {len(tf.frame)} 行" for tf in self.tables.values())
        head = f"已读取 {len(self.files)} 个文件、{len(self.tables)} 张表（{counts or '无'}）。"
        head += "".join(f"\n注意：{note}" for note in self.skipped)
        head += "".join(f"\n说明：{tf.file}{_sheet_label(tf.sheet)}：{note}"
                        for tf in self.tables.values() for note in tf.notes)
        if self.warnings:
            head += f"\n提示（不影响通过，请核实）共 {len(self.warnings)} 条："
            head += "".join(f"\n- {w}" for w in self.warnings)
        if self.ok:
            return f"{head}\n校验通过，未发现问题。"
        lines = [f"{head}\n校验未通过，共 {len(self.problems)} 个问题："]
        lines += [f"{i}. {p}" for i, p in enumerate(self.problems, 1)]
        return "\n".join(lines)


def _sheet_label(sheet: str | None) -> str:
    return f" 工作表「{sheet}」" if sheet else ""


def table_by_name(contract: Contract, label: str) -> TableSpec | None:
    """The table a file stem or sheet name refers to (canonical name, file key or Chinese name)."""
    key = normalise_label(label)
    for table in contract.tables:
        if key in {normalise_label(table.name), normalise_label(table.file), normalise_label(table.zh)}:
            return table
    return None


def _data_files(directory: Path, contract: Contract) -> list[Path]:
    """Data files of a directory, and files named after a table in a format not read (e.g. .xls)."""
    return sorted(
        p for p in directory.iterdir()
        if p.is_file() and not p.name.startswith(("~$", "."))
        and (p.suffix.lower() in SUFFIXES or table_by_name(contract, p.stem) is not None)
    )


def _single_table_sheet(path: Path, sheets: list[RawSheet], table: TableSpec) -> tuple[RawSheet | None, list[Problem]]:
    """The sheet of a one-table file: the one named after the table, else the only non-empty one."""
    names = {normalise_label(table.name), normalise_label(table.zh)}
    named = [s for s in sheets if s.sheet is not None and normalise_label(s.sheet) in names]
    if named and not named[0].hidden:
        return named[0], []
    if named:
        return None, [_hidden_problem(path, named[0].sheet)]
    data = [s for s in sheets if s.sheet != LISTS_SHEET and not s.hidden and not s.empty]
    if len(data) > 1:
        shown = "、".join(f"「{s.sheet}」" for s in data)
        return None, [_problem(path, Rule.TABLE, f"工作簿有多个含数据的工作表（{shown}），无法确定哪一个是「{table.zh}」："
                                                 f"请只保留一个，或把它命名为「{table.zh}」")]
    if data:
        return data[0], []
    hidden = [s.sheet for s in sheets if s.hidden and s.sheet != LISTS_SHEET]
    if hidden:
        return None, [_hidden_problem(path, hidden[0])]
    return (sheets[0] if sheets else None), []


def _hidden_problem(path: Path, sheet: str | None) -> Problem:
    return _problem(path, Rule.TABLE, "工作表已隐藏，未读取：请在 Excel/WPS 中取消隐藏（右键工作表标签 → 取消隐藏）后再导入",
                    sheet)


def _problem(file: Path, rule: Rule, message: str, sheet: str | None = None) -> Problem:
    return Problem(file=str(file), sheet=sheet, rule=str(rule), message=message)


@dataclass
class _Sources:
    contract: Contract
    found: list[tuple[TableSpec, RawSheet]]
    problems: list[Problem]
    files: list[Path]
    complete: bool = False  # a directory or workbook was given: it must hold every required table
    seen: set[Path] = field(default_factory=set)
    unreadable: set[str] = field(default_factory=set)  # tables found but reported as not readable (e.g. hidden)

    def read(self, path: Path) -> list[RawSheet]:
        self.files.append(path)
        try:
            return read_sheets(path)
        except ReadError as exc:
            self.problems.append(exc.problem)
            return []

    def add_table_file(self, path: Path, table: TableSpec) -> None:
        before = len(self.problems)
        sheet, problems = _single_table_sheet(path, self.read(path), table)
        self.problems += problems
        if sheet is not None:
            self.found.append((table, sheet))
        elif len(self.problems) == before:
            self.problems.append(_problem(path, Rule.TABLE, "工作簿中没有数据工作表"))
        if sheet is None and len(self.problems) > before:
            self.unreadable.add(table.name)

    def add_workbook(self, path: Path) -> None:
        before = len(self.problems)
        sheets = self.read(path)
        if not sheets and len(self.problems) > before:
            return  # the workbook could not be read: its tables are not also reported missing
        self.complete = True
        for sheet in sheets:
            table = table_by_name(self.contract, sheet.sheet or "")
            if table is not None and sheet.hidden:
                self.problems.append(_hidden_problem(path, sheet.sheet))
                self.unreadable.add(table.name)
            elif table is not None:
                self.found.append((table, sheet))
            elif sheet.sheet != LISTS_SHEET and not sheet.hidden and not sheet.empty:
                names = "、".join(t.zh for t in self.contract.tables)
                self.problems.append(_problem(
                    path, Rule.TABLE, f"无法识别的工作表（工作表名应为表名之一：{names}，或 {INSTRUCTIONS_SHEET}）", sheet.sheet,
                ))

    def add(self, path: Path) -> None:
        if path.resolve() in self.seen:
            return  # the same path given twice
        self.seen.add(path.resolve())
        if path.is_dir():
            self.complete = True
            files = _data_files(path, self.contract)
            if not files:
                self.problems.append(_problem(path, Rule.TABLE, "目录中没有 .csv、.xlsx 或 .parquet 数据文件"))
            for file in files:
                table = table_by_name(self.contract, file.stem)
                if file.suffix.lower() not in SUFFIXES:
                    self.read(file)  # reports the unsupported file type
                elif table is None:
                    self.problems.append(_problem(file, Rule.TABLE, _unknown_file_message(self.contract)))
                else:
                    self.add_table_file(file, table)
        elif not path.exists():
            self.problems.append(_problem(path, Rule.FILE, "文件或目录不存在"))
        elif (table := table_by_name(self.contract, path.stem)) is not None:
            self.add_table_file(path, table)
        elif path.suffix.lower() == ".xlsx":
            self.add_workbook(path)
        elif path.suffix.lower() in SUFFIXES:
            self.files.append(path)
            self.problems.append(_problem(path, Rule.TABLE, _unknown_file_message(self.contract)))
        else:
            self.read(path)  # reports the unsupported file type


def _unknown_file_message(contract: Contract) -> str:
    names = "、".join(f"{t.file}（{t.zh}）" for t in contract.tables)
    return f"无法从文件名识别是哪张表；文件名应为：{names}"


def _duplicate_sources(found: list[tuple[TableSpec, RawSheet]]) -> list[Problem]:
    seen: dict[str, RawSheet] = {}
    problems = []
    for table, sheet in found:
        if table.name in seen:
            first = seen[table.name]
            where = first.file + (f" 工作表「{first.sheet}」" if first.sheet else "")
            problems.append(Problem(
                file=sheet.file, sheet=sheet.sheet, rule=str(Rule.TABLE),
                message=f"「{table.zh}」重复提供（已在 {where} 读取）",
            ))
        else:
            seen[table.name] = sheet
    return problems


def _references(tables: dict[str, TableFrame]) -> dict[str, frozenset[str]]:
    """Known values of every foreign-key target column among the tables read."""
    targets = {t for tf in tables.values() for c in tf.table.columns for t in c.foreign_key}
    refs = {}
    for target in sorted(targets):
        table, _, column = target.partition(".")
        if table in tables and column in tables[table].headers:
            refs[target] = frozenset(tables[table].frame[column].dropna().unique())
    return refs


def _skipped_checks(
    tables: dict[str, TableFrame], references: dict[str, frozenset[str]], contract: Contract
) -> tuple[str, ...]:
    """One note per foreign key not checked because a table it refers to was not given."""
    notes = []
    for tf in tables.values():
        for col in tf.table.columns:
            missing = [t.split(".")[0] for t in col.foreign_key if t not in references]
            if missing and col.name in tf.headers:
                absent = "、".join(f"「{contract.table(name).zh}」" for name in missing)
                notes.append(f"未提供{absent}，「{tf.table.zh}」的「{tf.headers[col.name]}」未做编号存在检查")
    return tuple(notes)


def validate_paths(
    paths: Iterable[Path | str],
    *,
    year: int | None = None,
    complete: bool = False,
    contract: Contract | None = None,
) -> ValidationReport:
    """Read and validate the tables in `paths` (files, directories or workbooks).

    A directory or a multi-table workbook must hold every required table; with
    `complete=True` the paths together must. `year` is the current year used
    for the no-future-year rule (default: today's year).
    """
    paths = [Path(p) for p in paths]
    contract = contract or load_contract()
    year = current_year() if year is None else year
    src = _Sources(contract, [], [], [])
    for path in paths:
        src.add(path)
    problems = src.problems + _duplicate_sources(src.found)
    tables: dict[str, TableFrame] = {}
    type_cells: dict[str, frozenset[tuple[int | None, str | None]]] = {}
    for table, sheet in src.found:
        if table.name in tables:
            continue
        tf, found = parse_table(sheet, table)
        tables[table.name] = tf
        problems += found
        type_cells[table.name] = frozenset((p.row, p.column) for p in found if p.rule == Rule.TYPE)
    if complete or src.complete:
        for table in contract.tables:
            if not table.optional and table.name not in tables and table.name not in src.unreadable:
                problems.append(Problem(
                    file="、".join(str(p) for p in paths), rule=str(Rule.TABLE),
                    message=f"缺少必需的表「{table.zh}」（文件名 {table.file}.csv / .xlsx / .parquet，或工作表「{table.zh}」）",
                ))
    references = _references(tables)
    skipped = _skipped_checks(tables, references, contract)
    warnings: list[Problem] = []
    for name, tf in tables.items():
        found = check_table(tf, year=year, references=references, skip=type_cells[name])
        problems += found
        reported = type_cells[name] | {(p.row, p.column) for p in found}
        errors, unusual = _plausibility(tf, reported)
        problems += errors
        reported |= {(p.row, p.column) for p in errors}
        warnings += [w for w in unusual if (w.row, w.column) not in reported]
    order = {name: i for i, name in enumerate(contract.table_names)}
    problems = _sorted(problems, tables, src)
    return ValidationReport(tables=dict(sorted(tables.items(), key=lambda kv: order[kv[0]])),
                            problems=tuple(problems), files=tuple(src.files), skipped=skipped,
                            warnings=tuple(_sorted(warnings, tables, src)))


def _plausibility(tf: TableFrame, reported: frozenset) -> tuple[list[Problem], list[Problem]]:
    """Errors and warnings of the plausibility rules for one table (cells already reported skipped)."""
    errors = growth_fraction_problems(tf, reported) + typical_by_problems(tf, reported)
    slips, jumps = year_on_year(tf, skip=reported)
    errors += slips
    if tf.table.name == "expert_scores":
        errors += _expert_codes(tf, reported)
    return errors, jumps + typical_warnings(tf, reported | {(p.row, p.column) for p in errors})


def _expert_codes(tf: TableFrame, reported: frozenset) -> list[Problem]:
    """Expert scores for codes the packaged indicator framework does not score by experts."""
    from nidb.framework import load_framework
    from nidb.framework.model import Expert, walk

    framework = load_framework()
    expert, other = {}, {}
    for ind in framework.indicators:
        (expert if ind.type == "qualitative" else other)[ind.id] = ind.label
    for feature in framework.features:
        for node in walk(feature.condition):
            code = node.id or feature.id
            (expert if isinstance(node, Expert) else other).setdefault(code, feature.label)
    other = {k: v for k, v in other.items() if k not in expert}
    return expert_indicator_problems(tf, expert, other, f"版本 {framework.version}", reported)


def _sorted(problems: list[Problem], tables: dict[str, TableFrame], src: _Sources) -> list[Problem]:
    """Problems in reading order of file and sheet, then by row (file-level first) and column position."""
    rank: dict[tuple[str, str | None], int] = {}
    for file in src.files:
        rank.setdefault((str(file), None), len(rank))
    for _, sheet in src.found:
        rank.setdefault((sheet.file, sheet.sheet), len(rank))
    col_pos = {
        (tf.file, tf.sheet, header): i for tf in tables.values() for i, header in enumerate(tf.headers.values())
    }

    def key(p: Problem) -> tuple:
        source = rank.get((p.file, p.sheet), rank.get((p.file, None), len(rank)))
        return (source, -1 if p.row is None else p.row, col_pos.get((p.file, p.sheet, p.column), len(col_pos)))

    return sorted(problems, key=key)
