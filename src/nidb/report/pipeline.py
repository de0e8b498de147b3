"""`nidb report`: execute the chapter notebooks, write manifest and data appendix, render the site.

Everything for a year is built in a staging directory beside ``<out>/<year>``. Only when
all notebooks ran does the staging directory replace the year directory, and only when
the site rendered does the new site replace ``<out>/_site``; if rendering fails, the
previous year directory is put back. A failed run therefore leaves the previous report
and site as they were.
"""

from __future__ import annotations

import importlib
import importlib.util
import re
import shlex
import shutil
import tempfile
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import nbformat
import pandas as pd

from nidb.errors import InputError, Problem
from nidb.inputs.dataset import is_synthetic, resolve_data_dir
from nidb.output import check_out, reproducible_xlsx, sheet_title, write_csv, write_workbook
from nidb.report.chapters import (
    available_chapters,
    importable,
    notebooks_dir,
    repo_root,
    unmet_needs,
)
from nidb.report import findings
from nidb.report.document import write_document
from nidb.report.escape import markdown_text, yaml_string
from nidb.report.execute import SOURCE_DATE_EPOCH, NotebookJob, execute_all
from nidb.report.explorer import explorer_data, write_explorer, write_explorer_index
from nidb.report.manifest import build_manifest, write_manifest
from nidb.report.page import DEMO_NOTICE, DEMO_NOTICE_TEXT
from nidb.report.render import SITE_DIR, RenderResult, quarto_available, stage_site
from nidb.report.templating import render_template
from nidb.report.workspace import (
    check_year,
    default_out_dir,
    latest_year,
    check_writable,
    output_lock,
    restore,
    swap,
)

Progress = Callable[[str], None]
APPENDIX_DIR = "appendix"
APPENDIX_XLSX = "appendix.xlsx"
APPENDIX_INDEX = "index.csv"
SEEDS = {"PYTHONHASHSEED": 0, "SOURCE_DATE_EPOCH": int(SOURCE_DATE_EPOCH)}


@dataclass(frozen=True)
class ReportResult:
    """What one report run produced."""

    year: int
    year_dir: Path
    chapters: list[str]
    skipped: list[str]
    manifest: Path
    appendix: Path
    render: RenderResult | None
    cases: int = 0
    tables: list[str] = field(default_factory=list)


def _silent(_: str) -> None:
    return None


#: The packaged rule and method files a report reads: label -> (module, attribute holding the path).
RULE_FILES = {
    "指标体系": ("nidb.framework.loader", "DEFAULT_PATH"),
    "评价方法（默认）": ("nidb.evaluation.method", "DEFAULT_METHOD_PATH"),
    "遴选方法": ("nidb.selection.method", "DEFAULT_METHOD_PATH"),
    "动态管理规则": ("nidb.evaluation.lifecycle", "RULES_PATH"),
    "设计审计方法": ("nidb.audit.choices", "METHODS_DIR"),
}


def rule_files() -> dict[str, Path]:
    """Paths of the packaged rule and method files whose modules exist (for the manifest)."""
    found = {}
    for label, (module, attribute) in RULE_FILES.items():
        if not importable(module):
            continue
        path = Path(getattr(importlib.import_module(module), attribute))
        found[label] = path / "audit-default.yaml" if path.is_dir() else path
    return found


def open_points() -> list[dict[str, Any]]:
    """The framework's named open points with their defaults and documentation."""
    from nidb.framework import load_framework

    return [{"name": p.name, "default": p.default, "doc": p.doc} for p in load_framework().parameters]


def default_method_file() -> Path | None:
    """The packaged evaluation method the chapters use when no --method is given (None before it exists)."""
    if importlib.util.find_spec("nidb.evaluation.annual") is None:
        return None
    from nidb.evaluation.method import DEFAULT_METHOD_PATH

    return Path(DEFAULT_METHOD_PATH)


def front_matter(title: str) -> nbformat.NotebookNode:
    """A raw cell with Quarto front matter (title escaped for Markdown and YAML)."""
    return nbformat.v4.new_raw_cell(f"---\ntitle: {yaml_string(markdown_text(title))}\n---")


def add_front_matter(path: Path, title: str) -> None:
    """Insert Quarto front matter at the top of an executed notebook.

    The notebook's own level-1 heading (its title when read on its own) is dropped: the
    front-matter title replaces it.
    """
    nb = nbformat.read(str(path), as_version=4)
    first = next((c for c in nb.cells if c.cell_type == "markdown"), None)
    if first is not None and first.source.startswith("# "):
        first.source = first.source.split("\n", 1)[1].lstrip("\n") if "\n" in first.source else ""
    cell = front_matter(title)
    cell["id"] = "front-matter"
    nb.cells.insert(0, cell)
    nbformat.write(nb, str(path))


def write_appendix(folder: Path, *, label: str | None = None) -> tuple[Path, list[str]]:
    """Collect the appendix tables into one workbook: a 目录 sheet, then one sheet per table in
    chapter order (表 1-1, 表 1-2 …), each named after its table number and title.

    The per-table title and typed-frame files the notebooks left (see
    `nidb.report.page.save_table`) are folded into ``index.csv`` (文件, 工作表, 标题, 行数) and the
    workbook, and removed. `label` (synthetic data) goes into the 目录 sheet and every page header.
    """
    folder.mkdir(parents=True, exist_ok=True)
    csvs = sorted(p for p in folder.glob("*.csv") if p.name != APPENDIX_INDEX)
    frames, titles = {}, {}
    for path in csvs:
        typed, title_file = path.with_suffix(".pkl"), path.with_suffix(".title")
        frames[path.stem] = (pd.read_pickle(typed) if typed.exists()
                             else pd.read_csv(path, encoding="utf-8-sig", keep_default_na=False))
        titles[path.stem] = title_file.read_text(encoding="utf-8") if title_file.exists() else ""
        title_file.unlink(missing_ok=True)
        typed.unlink(missing_ok=True)
    order = sorted(frames, key=lambda name: (_table_number(titles[name]), name))
    sheets = _sheet_names(order, titles)
    index = pd.DataFrame({
        "工作表": [sheets[name] for name in order],
        "标题": [titles[name] for name in order],
        "行数": [len(frames[name]) for name in order],
        "CSV 文件": [f"{name}.csv" for name in order],
    })
    write_csv(index, folder / APPENDIX_INDEX)
    contents = index if not label else pd.concat(
        [pd.DataFrame({"工作表": ["（说明）"], "标题": [DEMO_NOTICE_TEXT]}), index], ignore_index=True)
    target = folder / APPENDIX_XLSX
    write_workbook(
        {"目录": contents, **{sheets[name]: frames[name] for name in order}}, target, label=label,
        titles={"目录": "数据附录目录", **{sheets[name]: titles[name] or name for name in order}},
    )
    return reproducible_xlsx(target), order


def _table_number(title: str) -> tuple[int, int]:
    """(chapter, number) of a title 「表 2-4 …」; untitled tables go last."""
    found = re.match(r"\s*表\s*(\d+)\s*[-－—.]\s*(\d+)", title)
    return (int(found[1]), int(found[2])) if found else (10**6, 0)


def _sheet_names(order: list[str], titles: dict[str, str]) -> dict[str, str]:
    """A distinct Excel sheet name per table: 「表2-4 门槛敏感性曲线」 (title without its notes in
    brackets, at most 31 characters), or the file name when the table has no title."""
    names: dict[str, str] = {}
    for name in order:
        title = re.sub(r"（[^）]*）|\([^)]*\)", "", titles[name]).strip()
        title = re.sub(r"^表\s*(\d+)\s*[-－—.]\s*(\d+)\s*", r"表\1-\2 ", title).strip()
        sheet = sheet_title(title or name)
        while sheet in names.values() or sheet == "目录":
            sheet = sheet_title(f"{sheet[:28]}_{len(names)}")
        names[name] = sheet
    return names


def _shown_path(path: Path) -> str:
    """A path as the methodology page may show it: relative to the project when inside it, else its name."""
    try:
        return str(path.resolve().relative_to(repo_root().resolve()))
    except ValueError:
        return path.name


def reproduce_command(year: int, data_dir: Path | None, method: Path | None, out_dir: Path) -> str:
    """The shell command that rebuilds this report, run from the project directory.

    Paths are relative to the project; a path outside it is shown by its name only (the
    page names no local directory).
    """
    parts = ["nidb", "report", "--year", str(year)]
    if data_dir is not None:
        parts += ["--data", _shown_path(data_dir)]
    if method is not None:
        parts += ["--method", _shown_path(method)]
    parts += ["--out", _shown_path(out_dir)]
    return shlex.join(parts)


METHODS_DIR = "methods"


def indicator_names() -> dict[str, str]:
    """Chinese names of the framework's indicators and dimensions by code."""
    from nidb.framework import load_framework

    framework = load_framework()
    return {i.id: i.zh for i in framework.indicators} | {d.id: d.zh for d in framework.dimensions}


def appendix_index(folder: Path, chapters: list[str] | None = None) -> list[dict[str, str]]:
    """The appendix tables (name, title) from ``index.csv``, for individual links.

    In reading order: by chapter (a table's name starts with its chapter's key), then by its
    number in the title (表 3-10 after 表 3-9), then 附表 and untitled tables.
    """
    index = pd.read_csv(folder / APPENDIX_INDEX, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    order = {key: i for i, key in enumerate(chapters or [])}

    def key(item: tuple[str, str]) -> tuple:
        name, title = item
        chapter = next((i for k, i in order.items() if name.startswith(f"{k}_")), len(order))
        number = re.match(r"表 (\d+)-(\d+)", title)
        return (chapter, (int(number.group(1)), int(number.group(2))) if number else (999, 999), name)

    names = index["CSV 文件"].str.removesuffix(".csv")
    return [{"name": n, "title": t} for n, t in sorted(zip(names, index["标题"]), key=key)]


def methodology_context(method_file: Path | None, staging: Path) -> dict[str, Any]:
    """Indicator definitions, the method in words and the downloadable rule files for the methodology page.

    The rule and method YAML files are copied into ``<year>/methods/`` and linked, not dumped.
    """
    from nidb.evaluation.method import load_evaluation_method
    from nidb.framework import load_framework
    from nidb.report import summaries
    from nidb.report.manifest import file_sha256

    framework = load_framework()
    files = {"评价方法": method_file or default_method_file(), **rule_files()}
    files.pop("评价方法（默认）", None)
    target = staging / METHODS_DIR
    target.mkdir(parents=True, exist_ok=True)
    links = []
    for label, path in files.items():
        if path is None:
            continue
        shutil.copy2(path, target / path.name)
        links.append({"label": label, "name": path.name, "href": f"{METHODS_DIR}/{path.name}", "sha256": file_sha256(path)})
    method_path = method_file or default_method_file()
    words = []
    if method_path is not None:
        words = summaries.method_in_words(method_path, load_evaluation_method(method_path, framework).stars)
    return {
        "framework_version": framework.version,
        "indicators": summaries.indicator_definitions(framework).to_dict("records"),
        "method_words": words, "method_files": links,
    }


def add_navigation(path: Path, previous: Any, following: Any, cases: bool = True) -> None:
    """Append links to the previous and next chapter, the year index, the case catalogue, the
    problems page and the appendix to an executed chapter notebook."""
    nb = nbformat.read(str(path), as_version=4)
    links = []
    if previous is not None:
        links.append(f"[← 上一章：{markdown_text(previous.title)}]({previous.notebook})")
    if following is not None:
        links.append(f"[下一章：{markdown_text(following.title)} →]({following.notebook})")
    links += ["[本年度报告目录](index.qmd)", "[问题与建议](problems.qmd)"]
    links += ["[典型案例集](cases/index.qmd)"] if cases else []
    links += ["[方法说明](methodology.qmd)", "[数据附录](appendix/appendix.xlsx)"]
    cell = nbformat.v4.new_markdown_cell("---\n\n" + " · ".join(links))
    cell["id"] = "navigation"
    nb.cells.append(cell)
    nbformat.write(nb, str(path))


def build_report(
    year: int | None = None,
    data_dir: str | Path | None = None,
    method: str | Path | None = None,
    out_dir: str | Path | None = None,
    progress: Progress | None = None,
    *,
    workers: int | None = None,
    render: bool = True,
) -> ReportResult:
    """Build the annual report for `year` into ``<out_dir>/<year>`` and render the site.

    `data_dir` defaults to the demo data, `method` to each engine's default method,
    `out_dir` to the repo's reports/ directory, `year` to the latest year with data.
    The output folder is checked writable and locked before any work; the previous year folder
    and site stay as they were until the new ones are complete.
    """
    say = progress or _silent
    out = Path(out_dir).resolve() if out_dir is not None else default_out_dir()
    explicit_data = data_dir is not None
    data = resolve_data_dir(data_dir)
    method_file = Path(method).resolve() if method else None
    if method_file is not None and not method_file.is_file():
        raise InputError([Problem(file=str(method_file), rule="exists", message="方法文件不存在")])
    if method_file is not None:
        from nidb.evaluation.method import load_evaluation_method
        from nidb.framework import load_framework

        load_evaluation_method(method_file, framework=load_framework())  # a wrong file stops here, not in a chapter
    check_out(out, inputs=[data if explicit_data else None, method_file], folder=True)
    check_writable(out)
    with ExitStack() as held:
        return _build(year, data, explicit_data, method_file, out, say, workers=workers, render=render,
                      hold=lambda: held.enter_context(output_lock(out)))


def _build(year: int | None, data: Path, explicit_data: bool, method_file: Path | None, out: Path, say: Progress,
           *, workers: int | None, render: bool, hold: Callable[[], None]) -> ReportResult:
    """The body of `build_report`: read and check, then `hold` the output folder and write."""
    from nidb.inputs.dataset import load_dataset

    say(f"读取并校验输入数据：{data}")
    dataset = load_dataset(data)
    year = year or latest_year(dataset.annual)
    check_year(dataset.annual, year)
    demo = is_synthetic(data)
    ready, missing = available_chapters()
    skipped = [(c, f"所需模块或笔记本尚未提供（{', '.join(c.requires)}）") for c in missing]
    skipped += [(c, reason) for c in ready if (reason := unmet_needs(c, dataset, year))]
    ready = [c for c in ready if c not in {c for c, _ in skipped}]
    for chapter, reason in skipped:
        say(f"跳过「{chapter.title}」：{reason}")

    hold()  # creates the folder, locks it, removes what an interrupted run left
    staging = Path(tempfile.mkdtemp(prefix=f".build-{year}-", dir=out))
    try:
        appendix = staging / APPENDIX_DIR
        parameters = {"year": year, "data_dir": str(data), "method": str(method_file or "")}
        jobs = [
            NotebookJob(
                template=notebooks_dir() / chapter.notebook,
                output=staging / chapter.notebook,
                parameters={**parameters, "appendix_dir": APPENDIX_DIR,  # relative: no staging path in the notebook
                            "method": parameters["method"] if chapter.method == "evaluation" else ""},
                label=chapter.title,
            )
            for chapter in ready
        ]
        say(f"执行 {len(jobs)} 个章节笔记本（并行）……")
        execute_all(jobs, workers=workers, progress=say)
        for chapter in ready:
            add_front_matter(staging / chapter.notebook, chapter.title)
        report_title = f"{year} 年度国家新型工业化产业示范基地发展报告"
        write_document([(c.title, staging / c.notebook) for c in ready], f"{report_title}（全文）", staging,
                       subtitle=f"评价年度 {year} 年" + (f" · {DEMO_NOTICE}" if demo else ""))

        cases = _write_cases(dataset, year, method_file, data, staging, demo, say)
        _write_explorer(dataset, year, method_file, staging, out, demo, say)
        for i, chapter in enumerate(ready):
            add_navigation(staging / chapter.notebook, ready[i - 1] if i else None,
                           ready[i + 1] if i + 1 < len(ready) else None, cases=bool(cases))

        say("汇总数据附录（CSV 与 Excel）……")
        _, tables = write_appendix(appendix, label=DEMO_NOTICE if demo else None)
        say("生成主要结论与问题建议……")
        key_findings = findings.key_findings(appendix, year)
        problems = findings.problems(appendix, year, indicator_names())
        manifest = build_manifest(
            data_dir=data,
            method_file=method_file or default_method_file(),
            parameters={**parameters, "out_dir": str(out)},
            chapters=[c.key for c in ready],
            seeds=SEEDS,
            repo=repo_root(),
            demo=demo,
            rule_files=rule_files(),
        )
        write_manifest(manifest, staging / "manifest.json")
        data_label = "示例数据（合成）" if demo else f"数据目录 {data.name}"
        context: dict[str, Any] = {
            "demo": demo, "notice_text": DEMO_NOTICE_TEXT, "year": str(year),
            "chapters": ready, "skipped": [{"title": c.title, "reason": r} for c, r in skipped], "cases": cases,
        }
        (staging / "index.qmd").write_text(render_template(
            "year-index.qmd.j2", title=report_title, data_label=data_label,
            method_label=method_file.name if method_file else "各模块默认方法",
            findings=key_findings, appendix_tables=appendix_index(appendix, [c.key for c in ready]), **context,
        ), encoding="utf-8")
        (staging / "problems.qmd").write_text(render_template(
            "problems.qmd.j2", title=f"{year} 年度报告：存在问题与下一步建议", problems=problems,
            rules=findings.load_rules(), **context,
        ), encoding="utf-8")
        (staging / "methodology.qmd").write_text(render_template(
            "methodology.qmd.j2", title=f"{year} 年度报告：评价方法与可复现性说明", open_points=open_points(),
            command=reproduce_command(year, data if explicit_data else None, method_file, out),
            data_label=data_label, **methodology_context(method_file, staging),
            **{**manifest, **context},
        ), encoding="utf-8")
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise

    year_dir = out / str(year)
    (out / "_notice.md").write_text(
        render_template("notice.md.j2", demo=demo, notice_text=DEMO_NOTICE_TEXT), encoding="utf-8"
    )
    write_explorer_index(out, staged={str(year): staging})
    rendered, site_staging = None, None
    quarto = render and quarto_available() and out == (repo_root() / "reports").resolve()
    try:
        if render and not quarto:  # the preview reads the new year from staging: nothing live changes yet
            site_staging, rendered = stage_site(out, demo, say, {str(year): staging})
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    backup = swap(staging, year_dir)
    try:
        if quarto:  # Quarto renders the project in place: the new year is live while it renders
            site_staging, rendered = stage_site(out, demo, say)
    except BaseException:
        restore(backup, year_dir)
        raise
    site_backup = swap(site_staging, out / SITE_DIR) if site_staging is not None else None
    for kept in (backup, site_backup):
        if kept is not None:
            shutil.rmtree(kept, ignore_errors=True)
    return ReportResult(
        year=year, year_dir=year_dir, chapters=[c.key for c in ready],
        skipped=[c.key for c, _ in skipped], manifest=year_dir / "manifest.json",
        appendix=year_dir / APPENDIX_DIR / APPENDIX_XLSX, render=rendered, cases=cases,
        tables=tables,
    )


def _write_cases(dataset: Any, year: int, method_file: Path | None, data_dir: Path, staging: Path, demo: bool,
                 say: Progress) -> int:
    """Write the typical-case catalogue when the evaluation engine is available."""
    if importlib.util.find_spec("nidb.evaluation.annual") is None:
        say("跳过典型案例集：星级评价模块（nidb.evaluation.annual）尚未提供")
        return 0
    from nidb.report import cases

    say("生成五星级示范基地典型案例页……")
    return cases.write_catalogue(dataset, year, method_file, data_dir, staging / cases.CASES_DIR, demo=demo,
                                 progress=say)


def _write_explorer(dataset: Any, year: int, method_file: Path | None, staging: Path, out: Path, demo: bool,
                    say: Progress) -> None:
    """The year's explorer page (探索), linking each base to its profile or case page where one exists."""
    if importlib.util.find_spec("nidb.evaluation.annual") is None:
        say("跳过探索页面：星级评价模块（nidb.evaluation.annual）尚未提供")
        return
    from nidb.report.cases import CASES_DIR

    say("生成探索页面（浏览器内重算的数据）……")
    links = {p.stem: f"{CASES_DIR}/{p.stem}.html" for p in (staging / CASES_DIR).glob("B*.qmd")}
    profiles = out / "profiles" / str(year)
    links.update({p.stem: f"../profiles/{year}/{p.stem}.html" for p in profiles.glob("B*.qmd")})
    write_explorer(explorer_data(dataset, year, method_file, demo=demo, links=links), staging)


def terminal_progress() -> Progress:
    """A progress callback that prints each step with the elapsed time to stderr."""
    import sys
    import time

    start = time.perf_counter()

    def report(message: str) -> None:
        elapsed = time.perf_counter() - start
        print(f"[{int(elapsed // 60):02d}:{elapsed % 60:04.1f}] {message}", file=sys.stderr, flush=True)

    return report
