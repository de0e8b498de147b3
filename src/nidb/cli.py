"""The `nidb` command line. Each command is a thin wrapper over a package function."""

from __future__ import annotations

import os
import re
import sys
from contextlib import contextmanager
from functools import wraps
from pathlib import Path
from typing import Callable, Iterator

import typer

from nidb.errors import NidbError

# Arrow's default allocator (mimalloc in the pyarrow wheels) is slow to hand out fresh memory
# here: a command's first load of the demo took 0.8–1.8 s with it, 0.55–0.75 s with the
# system allocator (benchmarks/bench_startup.py). Set before pyarrow loads; a user's own
# setting wins, and the notebook kernels of `nidb report` inherit it.
os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")


def fold_help_text() -> None:
    """Make rich fold help text that is wider than its cell instead of cutting it with "…", and
    give the help's panel titles and markers in Chinese.

    Chinese help is one long "word" to rich (no spaces), and rich's table cells cut a word
    wider than the cell, so at 80 columns the command list and the option help lost their
    ends. Patched at help time only (typer loads rich lazily; the CLI start stays light).
    """
    from rich.text import Text
    from typer import rich_utils

    make = rich_utils._make_rich_text
    if getattr(make, "folds", False):
        return

    @wraps(make)
    def folding(**kwargs):
        text = make(**kwargs)
        if isinstance(text, Text):
            text.overflow = "fold"
        return text

    folding.folds = True
    rich_utils._make_rich_text = folding
    rich_utils.ARGUMENTS_PANEL_TITLE, rich_utils.OPTIONS_PANEL_TITLE, rich_utils.COMMANDS_PANEL_TITLE = "参数", "选项", "命令"
    rich_utils.REQUIRED_LONG_STRING, rich_utils.DEFAULT_STRING = "[必填]", "[默认：{}]"


#: the command line's usage errors (typer's wording) and what the user reads instead
_USAGE_MESSAGES = (
    (r"Missing option '(?P<a>.+)'\.", "缺少必填选项 {a}"),
    (r"Missing argument '(?P<a>.+)'\.", "缺少参数 {a}"),
    (r"Option '(?P<a>.+)' requires an argument\.", "选项 {a} 后面须给出一个值"),
    (r"No such option: (?P<a>\S+)(?: \(Possible options: (?P<b>.+)\)| Did you mean (?P<c>.+)\?)?", "没有选项 {a}"),
    (r"No such command '(?P<a>.+)'\.(?: Did you mean (?P<c>.+)\?)?", "没有命令 {a}"),
    (r"Invalid value for '(?P<a>.+)': '(?P<v>.*)' is not a valid (?:int|integer)\.", "{a} 的值「{v}」不是整数"),
    (r"Invalid value for '(?P<a>.+)': '(?P<v>.*)' is not a valid float\.", "{a} 的值「{v}」不是数字"),
    (r"Invalid value for '(?P<a>.+)': (?P<v>.+) is not in the range (?P<r>.+)\.", "{a} 的值 {v} 超出允许范围 {r}"),
    (r"Got unexpected extra arguments? \((?P<a>.+)\)", "多余的参数：{a}"),
)


def chinese_usage_message(message: str) -> str:
    """A usage error of the command line in Chinese (the message as it was when not known)."""
    for pattern, text in _USAGE_MESSAGES:
        found = re.fullmatch(pattern, message)
        if found:
            parts = {k: v for k, v in found.groupdict().items() if v is not None}
            hint = parts.get("b") or parts.get("c")
            return text.format(**parts) + (f"（是否想用 {hint}？）" if hint else "")
    return message


@contextmanager
def _usage_errors_in_chinese() -> Iterator[None]:
    """Let a usage error (a missing or mistyped option …) print in Chinese, under 「错误」."""
    try:
        yield
    except typer.BadParameter.__mro__[1] as exc:  # typer's UsageError, of which BadParameter is one kind
        from typer import rich_utils

        rich_utils.ERRORS_PANEL_TITLE = "错误"
        rich_utils.RICH_HELP = "查看帮助：[blue]{command_path} {help_option}[/]"
        message = chinese_usage_message(exc.format_message())
        exc.format_message = lambda: message  # what typer prints
        raise


class _ChineseHelp:
    """Help that folds long Chinese text (see :func:`fold_help_text`) and says --help in Chinese;
    usage errors in Chinese (:func:`chinese_usage_message`)."""

    def format_help(self, ctx, formatter):
        fold_help_text()
        return super().format_help(ctx, formatter)

    def make_context(self, *args, **kwargs):
        with _usage_errors_in_chinese():
            return super().make_context(*args, **kwargs)

    def get_usage(self, ctx) -> str:
        return super().get_usage(ctx).replace("Usage: ", "用法：", 1)

    def get_help_option(self, ctx):
        option = super().get_help_option(ctx)
        if option is not None:
            option.help = "显示本帮助并退出"
        return option


class HelpGroup(_ChineseHelp, typer.core.TyperGroup):
    """The `nidb` group and its sub-groups."""

    def resolve_command(self, ctx, args):
        with _usage_errors_in_chinese():
            return super().resolve_command(ctx, args)


class HelpCommand(_ChineseHelp, typer.core.TyperCommand):
    """A `nidb` command."""


app = typer.Typer(
    name="nidb",
    help="国家新型工业化产业示范基地评价工作台 (nidb)",
    no_args_is_help=True,
    add_completion=False,
    cls=HelpGroup,
)


def user_errors(func: Callable) -> Callable:
    """Turn a NidbError into a message on stderr and exit code 1, without a traceback."""

    @wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except NidbError as exc:
            typer.echo(f"错误：{exc}", err=True)
            raise typer.Exit(code=1) from None

    return wrapper


def _guard(out: Path, force: bool, *inputs: Path | str | None, folder: bool = False) -> None:
    """Refuse, before any work, an output that is an input, lies in the data directory, or exists (without --force)."""
    from nidb.output import check_out

    check_out(out, inputs=inputs, overwrite=force, folder=folder)


@app.callback()
def main() -> None:
    """国家新型工业化产业示范基地评价工作台。"""


@app.command(cls=HelpCommand, name="validate")
@user_errors
def validate_command(
    paths: list[Path] = typer.Argument(..., help="数据目录、工作簿或单表文件（.csv/.xlsx/.parquet）"),
    year: int | None = typer.Option(None, "--year", help="当前年份，用于“未来年份”检查（默认今年）"),
    lists: Path | None = typer.Option(
        None, "--lists", help="开放词表规则文件（kind: open_lists）：在特殊类型地区、重要试点示范任务的词表中增加的取值"
    ),
) -> None:
    """校验输入数据：逐条列出问题；有问题时退出码为 1。

    每个问题给出文件、工作表、行、列、值和所违反的规则；输入文件不会被修改。

    示例：nidb validate 数据目录/
    """
    from nidb.inputs.contract import load_contract
    from nidb.inputs.open_lists import load_open_lists
    from nidb.inputs.validation import validate_paths

    report = validate_paths(paths, year=year, contract=load_contract(load_open_lists(lists)))
    typer.echo(report.render())
    if not report.ok:
        raise typer.Exit(code=1)


@app.command(cls=HelpCommand, name="template")
@user_errors
def template_command(
    out: Path = typer.Argument(..., help="要写出的模板文件（.xlsx）"),
    force: bool = typer.Option(False, "--force", help="覆盖已存在的文件"),
) -> None:
    """写出数据采集模板（Excel 工作簿）。

    每张表一个工作表，含中文表头、填写规则、下拉选项和说明页。

    示例：nidb template 采集模板.xlsx
    """
    from nidb.inputs.template import write_template

    typer.echo(f"已写出数据采集模板：{write_template(out, overwrite=force)}")


@app.command(cls=HelpCommand, name="demo")
@user_errors
def demo_command(
    seed: int = typer.Option(20231, "--seed", min=0, help="随机种子（非负整数）；同一种子生成逐字节相同的文件"),
    out: Path | None = typer.Option(None, "--out", help="输出目录（默认：缓存中的默认示例数据目录）"),
) -> None:
    """生成示例数据（合成），同一种子逐字节相同。

    包括示范基地、申报对象、年度报表、专家评分及参考表（CSV）。

    示例：nidb demo --out 示例数据/
    """
    from nidb.demo import demo_dir, write_demo

    path = write_demo(out, seed) if out is not None else demo_dir(seed)
    typer.echo(f"已生成示例数据（合成），随机种子 {seed}：{path}")


@app.command(cls=HelpCommand, name="report")
@user_errors
def report_command(
    year: int | None = typer.Option(None, "--year", help="报告年度（默认：数据中最新的年份）"),
    data: Path | None = typer.Option(None, "--data", help="数据目录（默认：示例数据（合成））"),
    method: Path | None = typer.Option(None, "--method", help="评价方法文件（kind: evaluation；默认 evaluation-default.yaml）"),
    out: Path | None = typer.Option(None, "--out", help="报告目录（默认：仓库的 reports/）"),
) -> None:
    """生成年度发展报告、典型案例集与数据附录。

    执行各章笔记本，写出清单（manifest）与数据附录，并用 Quarto 渲染网站；
    未安装 Quarto 时生成同样内容的 HTML 预览。

    示例：nidb report --year 2025
    """
    from nidb.report.pipeline import build_report, terminal_progress

    result = build_report(year, data, method, out, terminal_progress())
    typer.echo(f"报告已写入：{result.year_dir}")
    if result.render is not None:
        typer.echo(result.render.message)


@app.command(cls=HelpCommand, name="serve")
@user_errors
def serve_command(
    out: Path | None = typer.Option(None, "--out", help="报告目录（默认：仓库的 reports/），服务其中的 _site/"),
    port: int = typer.Option(8765, "--port", min=0, max=65535, help="端口（0 为自动选择）"),
    host: str = typer.Option("127.0.0.1", "--host", help="监听地址（默认只允许本机访问）"),
) -> None:
    """在本机以 HTTP 浏览已生成的报告网站。

    全文搜索需要 HTTP，直接打开 file:// 页面时不可用。按 Ctrl+C 停止。

    示例：nidb serve --out reports --port 8765
    """
    from nidb.report.pipeline import SITE_DIR
    from nidb.report.serve import site_server
    from nidb.report.workspace import default_out_dir

    server = site_server((out or default_out_dir()) / SITE_DIR, host, port)
    address, bound = server.server_address[:2]
    typer.echo(f"报告网站：http://{address}:{bound}/ （按 Ctrl+C 停止）")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


@app.command(cls=HelpCommand, name="select")
@user_errors
def select_command(
    year: int = typer.Option(..., "--year", help="申报年份"),
    out: Path = typer.Option(..., "--out", help="输出文件（.csv 或 .xlsx）"),
    data: Path | None = typer.Option(None, "--data", help="数据目录（默认：示例数据（合成））"),
    method: Path | None = typer.Option(None, "--method", help="遴选方法文件（kind: selection；默认 selection-default.yaml）"),
    force: bool = typer.Option(False, "--force", help="覆盖已存在的输出"),
) -> None:
    """遴选认定：逐个申报对象、逐项条件给出判定与理由。

    判定为通过、未通过、数据缺失或待专家评审，并给出排序。

    示例：nidb select --year 2024 --out 遴选结果.xlsx
    """
    from nidb.selection.export import run_select

    _guard(out, force, data, method)
    for path in run_select(year, data, method, out):
        typer.echo(f"已写出：{path}")


@app.command(cls=HelpCommand, name="sweep")
@user_errors
def sweep_command(
    year: int = typer.Option(..., "--year", help="申报年份"),
    out: Path = typer.Option(..., "--out", help="输出文件（.csv 或 .xlsx）"),
    data: Path | None = typer.Option(None, "--data", help="数据目录（默认：示例数据（合成））"),
    method: Path | None = typer.Option(None, "--method", help="遴选方法文件（kind: selection；其 sweep 段给出范围、点数、自助法次数）"),
    force: bool = typer.Option(False, "--force", help="覆盖已存在的输出"),
) -> None:
    """门槛敏感性：各定量条件门槛变化时的通过率。

    门槛在 ±50% 范围内变化时的单独与联合通过率、起约束作用的条件、特殊地区放宽效果、
    双因素网格。

    示例：nidb sweep --year 2024 --out 门槛敏感性.xlsx
    """
    from nidb.selection.export import run_sweep

    _guard(out, force, data, method)
    for path in run_sweep(year, data, method, out):
        typer.echo(f"已写出：{path}")


@app.command(cls=HelpCommand, name="screen")
@user_errors
def screen_command(
    out: Path = typer.Option(..., "--out", help="输出文件（.csv 或 .xlsx）"),
    year: int | None = typer.Option(None, "--year", help="筛查哪一年的年度报表（默认：全部年份；此前年份作为历史参照）"),
    data: Path | None = typer.Option(None, "--data", help="数据目录（默认：示例数据（合成））"),
    method: Path | None = typer.Option(None, "--method", help="筛查方法文件（kind: screening；默认 screening-default.yaml）"),
    force: bool = typer.Option(False, "--force", help="覆盖已存在的输出"),
) -> None:
    """报表真实性筛查（第十条、第二十五条）：标记值得人工复核的报表。

    逐条规则给出理由、评分、复核优先级和推荐单位汇总。标记供人复核，不改变任何评价结果。

    示例：nidb screen --year 2025 --out 报表筛查.xlsx
    """
    from nidb.screening.export import run_screen

    _guard(out, force, data, method)
    for path in run_screen(year, data, method, out):
        typer.echo(f"已写出：{path}")


@app.command(cls=HelpCommand, name="score")
@user_errors
def score_command(
    data: Path = typer.Option(..., "--data", help="数据表（CSV，每行一个单位）"),
    meta: Path = typer.Option(..., "--meta", help="框架元数据表（CSV，COINr iMeta 格式）"),
    out: Path = typer.Option(..., "--out", help="输出文件（.csv 或 .xlsx）"),
    method: str | None = typer.Option(None, "--method", help="综合指数引擎方法（kind: engine）：YAML 文件或内置方法名，如 asem-coinr-example"),
    weights: Path | None = typer.Option(None, "--weights", help="权重表（.csv 或 .xlsx，列为 code、level、weight）：所列节点取表中权重，其余按方法"),
    force: bool = typer.Option(False, "--force", help="覆盖已存在的输出"),
) -> None:
    """通用综合指数引擎：对任意指标框架计算得分与排名。

    按综合指数引擎方法（kind: engine）计算标准化值、各层得分、排名和所用权重。

    示例：nidb score --data 数据.csv --meta 框架.csv --weights 权重.csv --out 得分.xlsx
    """
    from nidb.engine.score_tables import score_tables

    _guard(out, force, data, meta, weights, method if method and Path(method).exists() else None)
    for path in score_tables(data, meta, method, out, weights=weights):
        typer.echo(f"已写出：{path}")


@app.command(cls=HelpCommand, name="evaluate")
@user_errors
def evaluate_command(
    year: int = typer.Option(..., "--year", help="评价年份（年度报表年份）"),
    out: Path = typer.Option(..., "--out", help="输出文件（.csv 或 .xlsx）"),
    data: Path | None = typer.Option(None, "--data", help="数据目录（默认：示例数据（合成））"),
    method: Path | None = typer.Option(None, "--method", help="评价方法文件（kind: evaluation；默认 evaluation-default.yaml）"),
    rules: Path | None = typer.Option(None, "--rules", help="动态管理规则文件（kind: lifecycle；默认 lifecycle-2023.yaml）"),
    force: bool = typer.Option(False, "--force", help="覆盖已存在的输出"),
) -> None:
    """年度发展质量评价：维度得分、综合指数、星级与专项评价。

    另给出排序和专家评分一致性。此前各年按同一方法依次评价，以确定当年参评的基地：
    此前因连续低星级等被撤销的基地不再参评，输出会说明有多少个及原因。

    示例：nidb evaluate --year 2025 --out 评价结果.xlsx
    """
    from nidb.evaluation.export import run_evaluate

    _guard(out, force, data, method, rules)
    paths, summary = run_evaluate(year, data, method, rules, out)
    typer.echo(summary)
    for path in paths:
        typer.echo(f"已写出：{path}")


@app.command(cls=HelpCommand, name="compare")
@user_errors
def compare_command(
    year: int = typer.Option(..., "--year", help="评价年份或申报年份"),
    methods: list[Path] = typer.Option(
        ..., "--method", help="方法文件，给两次（方法 A、方法 B）：同为评价方法（kind: evaluation）或同为遴选方法（kind: selection）"
    ),
    out: Path = typer.Option(..., "--out", help="输出文件（.csv 或 .xlsx）"),
    data: Path | None = typer.Option(None, "--data", help="数据目录（默认：示例数据（合成））"),
    rules: Path | None = typer.Option(None, "--rules", help="动态管理规则文件（kind: lifecycle；评价方法比较时使用）"),
    force: bool = typer.Option(False, "--force", help="覆盖已存在的输出"),
) -> None:
    """方法比较：两种评价方法或两种遴选方法的结果逐项对照。

    评价方法：逐基地的综合指数、排序、星级及其变化（按区域、领域汇总，名次相关）；
    遴选方法：总体结论变化的申报对象。

    示例：nidb compare --year 2025 --method 方法A.yaml --method 方法B.yaml --out 比较.xlsx
    """
    from nidb.audit.compare import run_compare

    _guard(out, force, data, rules, *methods)
    paths, summary = run_compare(year, methods, out, data, rules)
    typer.echo(summary)
    for path in paths:
        typer.echo(f"已写出：{path}")


@app.command(cls=HelpCommand, name="lifecycle")
@user_errors
def lifecycle_command(
    out: Path = typer.Option(..., "--out", help="输出文件（.csv 或 .xlsx）"),
    until: int | None = typer.Option(None, "--until", help="评价到哪一年为止（默认：数据中最新的年份）"),
    data: Path | None = typer.Option(None, "--data", help="数据目录（默认：示例数据（合成））"),
    method: Path | None = typer.Option(None, "--method", help="评价方法文件（kind: evaluation；默认 evaluation-default.yaml）"),
    rules: Path | None = typer.Option(None, "--rules", help="动态管理规则文件（kind: lifecycle；默认 lifecycle-2023.yaml）"),
    force: bool = typer.Option(False, "--force", help="覆盖已存在的输出"),
) -> None:
    """动态管理：逐年状态（预警、撤销）、事件与星级变化。

    另给出暂停申报、按区域/领域/推荐单位的星级分布和星级转移矩阵。

    示例：nidb lifecycle --out 动态管理.xlsx
    """
    from nidb.evaluation.export import run_lifecycle

    _guard(out, force, data, method, rules)
    for path in run_lifecycle(until, data, method, rules, out):
        typer.echo(f"已写出：{path}")


@app.command(cls=HelpCommand, name="audit")
@user_errors
def audit_command(
    year: int = typer.Option(..., "--year", help="评价年份（年度报表年份）"),
    out: Path = typer.Option(..., "--out", help="输出目录（各表 parquet/csv、audit.xlsx、manifest.json）"),
    data: Path | None = typer.Option(None, "--data", help="数据目录（默认：示例数据（合成））"),
    method: Path | None = typer.Option(None, "--method", help="设计审计方法文件（kind: audit；默认 audit-default.yaml）"),
    runs: int | None = typer.Option(None, "--runs", help="蒙特卡洛重复次数（默认：审计方法文件中的 runs）"),
    workers: int = typer.Option(1, "--workers", help="本机并行线程数"),
    scheduler: str | None = typer.Option(None, "--scheduler", help="Dask 集群调度器地址（如 tcp://host:8786；可选）"),
    sobol: bool = typer.Option(True, "--sobol/--no-sobol", help="是否计算 Sobol 敏感性指数"),
    force: bool = typer.Option(False, "--force", help="覆盖已存在的输出"),
) -> None:
    """设计审计：名次与星级的稳健性、敏感性和统计一致性。

    蒙特卡洛不确定性分析、Sobol 敏感性指数、统计一致性（相关、信度、主成分、有效权重、
    逐一剔除）。

    示例：nidb audit --year 2025 --out 设计审计/
    """
    from nidb.audit.report import audit_bases

    _guard(out, force, data, method, folder=True)
    for path in audit_bases(year, data, method, runs, out, workers, scheduler, sobol):
        typer.echo(f"已写出：{path}")


@app.command(cls=HelpCommand, name="profiles")
@user_errors
def profiles_command(
    year: int | None = typer.Option(None, "--year", help="评价年度（默认：数据中最新的年份）"),
    all_bases: bool = typer.Option(False, "--all", help="为全部示范基地生成画像（默认只为预警、撤销或二星及以下的基地）"),
    data: Path | None = typer.Option(None, "--data", help="数据目录（默认：示例数据（合成））"),
    method: Path | None = typer.Option(None, "--method", help="评价方法文件（kind: evaluation；默认 evaluation-default.yaml）"),
    out: Path | None = typer.Option(None, "--out", help="报告目录（默认：仓库的 reports/）；画像写入其下 profiles/<年度>/"),
) -> None:
    """生成示范基地画像（短板弱项反馈页面）。

    并行为每个基地写出评价结果、指标位置与短板弱项页面，随后像 nidb report 一样渲染网站
    （无 Quarto 时生成 HTML 预览），并给出画像网页的位置。

    示例：nidb profiles --all
    """
    from nidb.report.feedback import build_profiles
    from nidb.report.pipeline import terminal_progress

    result = build_profiles(year, data, method, out, all_bases=all_bases, progress=terminal_progress())
    typer.echo(result.message)


cases_app = typer.Typer(
    help="五星级示范基地典型案例集的撰写材料。\n\n示例：nidb cases template --year 2025",
    no_args_is_help=True,
    cls=HelpGroup,
)
app.add_typer(cases_app, name="cases")


@cases_app.command(cls=HelpCommand, name="template")
@user_errors
def cases_template_command(
    year: int | None = typer.Option(None, "--year", help="评价年度（默认：数据中最新的年份）"),
    data: Path | None = typer.Option(None, "--data", help="数据目录（默认：示例数据（合成））"),
    method: Path | None = typer.Option(None, "--method", help="评价方法文件（kind: evaluation；默认 evaluation-default.yaml）"),
    out: Path | None = typer.Option(None, "--out", help="撰写模板目录（默认：仓库的 data/cases/）"),
) -> None:
    """写出典型经验撰写模板。

    为当年每个五星级示范基地写出一个 Markdown 模板（已填入数据摘要）；已有文件不覆盖。

    示例：nidb cases template --year 2025
    """
    from nidb.inputs.dataset import load_dataset, resolve_data_dir
    from nidb.report.cases import write_templates
    from nidb.report.chapters import repo_root
    from nidb.report.workspace import check_year, latest_year

    dataset = load_dataset(resolve_data_dir(data))
    year = year or latest_year(dataset.annual)
    check_year(dataset.annual, year)
    folder = out if out is not None else repo_root() / "data" / "cases"
    written, kept = write_templates(dataset, year, method, folder)
    typer.echo(f"已写出 {len(written)} 个撰写模板：{folder}")
    if kept:
        typer.echo(f"已有 {len(kept)} 个案例文件，未覆盖：{'、'.join(p.name for p in kept)}")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(app())
