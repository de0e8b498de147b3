"""Turn the report sources under reports/ into a site.

With Quarto ≥ 1.7 on PATH, the repo's Quarto project (`_quarto.yml`) is rendered into a
directory beside the live site. Without it, an HTML preview of the same executed notebooks
and Markdown pages is rendered with nbconvert and mistune, with an index page; the preview
is complete but has no search, no listing widgets and no DOCX.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import nbformat
import yaml

from nidb.errors import NidbError
from nidb.report.document import DOCUMENT, cell_options, pandoc_docx
from nidb.report.escape import html_text
from nidb.report.page import DEMO_NOTICE, notice_html
from nidb.report.chapters import repo_root
from nidb.report.style import font_path
from nidb.report.workspace import swap

MIN_QUARTO = (1, 7)
SITE_DIR = "_site"
QUARTO_HINT = (
    "未检测到 Quarto ≥ 1.7，已生成 HTML 预览（{site}）。"
    "安装 Quarto（https://quarto.org/docs/get-started/，或使用 environment.yml 的 conda 环境）"
    "后重新运行 `nidb report`，即可得到带全文搜索和可排序典型案例列表的完整网站（Word 版在预览中已生成）。"
)


class RenderError(NidbError):
    """Quarto failed to render the site."""


@dataclass(frozen=True)
class RenderResult:
    """Where the site went and which renderer made it."""

    site: Path
    renderer: str  # "quarto" or "preview"
    message: str


def quarto_version(executable: str | None = None) -> tuple[int, ...] | None:
    """Version of the Quarto on PATH (or `executable`), None when absent or unreadable."""
    exe = executable or shutil.which("quarto")
    if exe is None:
        return None
    try:
        done = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    match = re.match(r"(\d+)\.(\d+)(?:\.(\d+))?", done.stdout.strip())
    if done.returncode != 0 or match is None:
        return None
    return tuple(int(part) for part in match.groups() if part is not None)


def quarto_available() -> bool:
    """True when a Quarto new enough for the project (≥ 1.7) is on PATH."""
    version = quarto_version()
    return version is not None and version[:2] >= MIN_QUARTO


def render_quarto(project: Path, site: Path) -> RenderResult:
    """Render the whole Quarto project at `project` into `site`."""
    done = subprocess.run(
        ["quarto", "render", str(project), "--output-dir", str(site), "--quiet"],
        capture_output=True,
        text=True,
        cwd=project,
    )
    if done.returncode != 0:
        tail = "\n".join((done.stderr or done.stdout).strip().splitlines()[-20:])
        raise RenderError(f"Quarto 渲染失败（退出码 {done.returncode}）：\n{tail}")
    return RenderResult(site, "quarto", f"已用 Quarto 生成网站：{site}")


# ---------------------------------------------------------------- fallback preview
_PAGE = """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
@font-face{{font-family:"NIDB Sans SC";src:url("{font}") format("opentype")}}
body{{font-family:"NIDB Sans SC","Noto Sans CJK SC","Source Han Sans SC","PingFang SC","Microsoft YaHei",sans-serif;
max-width:60em;margin:2em auto;padding:0 1em;line-height:1.7;color:#222}}
table{{border-collapse:collapse;font-size:0.9em}} td,th{{border-bottom:1px solid #ddd;padding:0.2em 0.6em;vertical-align:top}}
th{{white-space:nowrap}}
nav{{font-size:0.9em;margin-bottom:1em}} img{{max-width:100%}}
</style></head>
<body><nav><a href="{home}">首页</a> · <a href="{explore}">探索</a> · HTML 预览（未使用 Quarto）</nav>
{notice}
{body}
</body></html>
"""


_SOURCE_LINK = re.compile(r'href="(?![a-z]+:)([^"#]*?)\.(?:qmd|ipynb)(#[^"]*)?"')


FONT_ASSET = "assets/NIDBSansSC-Regular.otf"
EXPLORE_PAGE = "explore.html"  # the navbar's 探索 page (reports/explore.qmd, see nidb.report.explorer)
WORD_VERSIONS = {DOCUMENT, "cases/catalogue.qmd"}  # generated documents that also get a Word version


def _page(title: str, body: str, home: str, demo: bool) -> str:
    """A whole preview page; links to .qmd/.ipynb sources point at their .html pages.

    `home` is the relative link to the site's index.html; the shipped font sits beside it.
    """
    body = _SOURCE_LINK.sub(lambda m: f'href="{m.group(1)}.html{m.group(2) or ""}"', body)
    show_notice = demo and DEMO_NOTICE not in body
    root = home[: -len("index.html")]
    return _PAGE.format(
        title=html_text(title), body=body, home=home, font=root + FONT_ASSET, explore=root + EXPLORE_PAGE,
        notice=notice_html() if show_notice else "",
    )


def _notebook_title(nb: nbformat.NotebookNode, fallback: str) -> str:
    """The front-matter title of a notebook (Markdown escapes removed), else `fallback`."""
    for cell in nb.cells:
        match = _FRONT_MATTER.match(cell.source + "\n") if cell.cell_type == "raw" else None
        if match:
            return _unescape_markdown(str(yaml.safe_load(match.group(1)).get("title", fallback)))
    return fallback


_HEADING_ID = re.compile(r"^(#{1,6})\s+(.*?)\s*\{#([A-Za-z][\w-]*)\}\s*$", re.MULTILINE)


def _heading_ids(markdown: str) -> str:
    """Pandoc heading identifiers (``## 标题 {#sec-x}``) as HTML headings with that id."""
    return _HEADING_ID.sub(lambda m: f'<h{len(m.group(1))} id="{m.group(3)}">{html_text(m.group(2))}</h{len(m.group(1))}>',
                           markdown)


def _with_captions(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Insert after each captioned figure or table cell a caption paragraph, numbered per page
    (图 n / 表 n), as Quarto does for ``fig-cap`` / ``tbl-cap`` cell options; give headings
    their ``{#id}``."""
    cells, counts = [], {"fig": 0, "tbl": 0}
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = _heading_ids(cell.source)
        cells.append(cell)
        if cell.cell_type != "code":
            continue
        options = cell_options(cell.source)
        for kind, word in (("fig", "图"), ("tbl", "表")):
            caption = options.get(f"{kind}-cap")
            if caption:
                counts[kind] += 1
                caption_cell = nbformat.v4.new_markdown_cell(
                    f'<p class="nidb-caption" style="text-align:center;font-size:0.9em">'
                    f"{word} {counts[kind]}：{html_text(str(caption))}</p>"
                )
                caption_cell["id"] = f"{cell.get('id', 'cell')}-{kind}-caption"  # fixed: reruns give the same page
                cells.append(caption_cell)
    nb.cells = cells
    return nb


def _notebook_html(path: Path) -> tuple[str, str]:
    """(title, body HTML) of an executed notebook, inputs hidden, front matter dropped, captions shown."""
    from nbconvert import HTMLExporter

    nb = nbformat.read(str(path), as_version=4)
    title = _notebook_title(nb, path.stem)
    nb.cells = [c for c in nb.cells if c.cell_type != "raw"]
    nb = _with_captions(nb)
    exporter = HTMLExporter(template_name="basic", exclude_input=True, exclude_input_prompt=True,
                            exclude_output_prompt=True, anchor_link_text="")  # headings keep their ids, no visible ¶
    body, _ = exporter.from_notebook_node(nb)
    return title, f"<h1>{html_text(title)}</h1>\n{body}"


_FRONT_MATTER = re.compile(r"\A---\n(.*?)\n---\n", re.DOTALL)
_SHORTCODE = re.compile(r"\{\{<.*?>\}\}")
_DIV_FENCE = re.compile(r"^:::+.*$", re.MULTILINE)
_RAW_HTML = re.compile(r"^```\{=html\}\n(.*?)\n```[ \t]*$", re.DOTALL | re.MULTILINE)
_TABLE_CAPTION = re.compile(r"((?:^\|.*\n)+)\n: ([^\n]+)", re.MULTILINE)  # Pandoc's caption below a table
_ATTRIBUTES = re.compile(r"(!\[[^\]]*\]\([^)]*\))\{[^}]*\}")  # Pandoc attributes after an image


def _markdown_html(path: Path) -> tuple[str, str]:
    """(title, body HTML) of a .qmd/.md page rendered with mistune (Quarto syntax dropped)."""
    import mistune

    text = path.read_text(encoding="utf-8")
    title_md = path.stem
    match = _FRONT_MATTER.match(text)
    if match:
        title_md = str(yaml.safe_load(match.group(1)).get("title", title_md))
        text = text[match.end():]
    raw_blocks: list[str] = []

    def keep_raw(match: re.Match) -> str:  # Pandoc raw HTML blocks pass through untouched
        raw_blocks.append(match.group(1))
        return f"\n\nNIDBRAWHTML{len(raw_blocks) - 1}\n\n"

    text = _RAW_HTML.sub(keep_raw, text)
    text = _ATTRIBUTES.sub(r"\1", _DIV_FENCE.sub("", _SHORTCODE.sub("", _heading_ids(text))))
    text = _TABLE_CAPTION.sub(lambda m: f"**{m[2]}**\n\n{m[1]}", text)
    markdown = mistune.create_markdown(escape=False, plugins=["table"])
    title_html = re.sub(r"^<p>(.*)</p>\s*$", r"\1", markdown(title_md), flags=re.DOTALL)
    body = re.sub(r"<p>NIDBRAWHTML(\d+)</p>", lambda m: raw_blocks[int(m.group(1))], markdown(text))
    return _unescape_markdown(title_md), f"<h1>{title_html}</h1>\n{body}"


def _unescape_markdown(text: str) -> str:
    """Backslash-escaped Markdown back to plain text (for the HTML <title> element)."""
    return re.sub(r"\\(.)", r"\1", text)


def _listed(rel: Path) -> bool:
    """Pages linked from the preview's index: a year's top-level pages and the case catalogue."""
    return (len(rel.parts) == 1 and not rel.stem.startswith("B")) or rel.as_posix() == "cases/index.qmd"


def _order(rel: Path) -> tuple:
    """Index first, then chapters and the full text, then the catalogue and methodology."""
    return (rel.stem != "index" or len(rel.parts) > 1, rel.parts[0] in ("cases", "methodology.qmd"), rel.as_posix())


def _page_roots(reports: Path, years: dict[str, Path] | None = None) -> list[tuple[str, Path]]:
    """(site-relative prefix, directory) of every generated page set: years, then profiles.
    `years` maps a year to the folder to read it from instead of ``<reports>/<year>``."""
    found = {p.name: p for p in reports.iterdir() if p.is_dir() and p.name.isdigit()}
    found.update(years or {})
    roots = [(name, found[name]) for name in sorted(found, reverse=True)]
    profiles = reports / "profiles"
    if profiles.is_dir():
        roots += [(f"profiles/{p.name}", p) for p in sorted(profiles.iterdir(), reverse=True)
                  if p.is_dir() and p.name.isdigit()]
    return roots


def render_preview(reports: Path, site: Path, demo: bool, years: dict[str, Path] | None = None) -> RenderResult:
    """Render every year (and every year's profiles) under `reports` as HTML pages, plus an index page.

    `years` maps a year to the folder holding its pages when that is not ``<reports>/<year>``
    (a build not yet moved into place)."""
    site.mkdir(parents=True, exist_ok=True)
    (site / FONT_ASSET).parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(font_path(), site / FONT_ASSET)
    sections = []
    for prefix, root in _page_roots(reports, years):
        links = []
        sources = [p.relative_to(root) for p in root.rglob("*") if p.is_file()]
        for rel in sorted(sources, key=_order):
            source, target = root / rel, site / prefix / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            home = "../" * (len(rel.parts) + prefix.count("/")) + "index.html"
            if source.suffix == ".ipynb":
                title, body = _notebook_html(source)
            elif source.suffix in {".qmd", ".md"}:
                title, body = _markdown_html(source)
            else:
                shutil.copy2(source, target)
                continue
            target.with_suffix(".html").write_text(_page(title, body, home, demo), encoding="utf-8")
            if _listed(rel):
                links.append((f"{prefix}/{rel.with_suffix('.html').as_posix()}", title))
            if rel.as_posix() in WORD_VERSIONS:
                pandoc_docx(source, target.with_suffix(".docx"))
                links.append((f"{prefix}/{rel.with_suffix('.docx').as_posix()}", f"{title}（Word 版）"))
        heading = f"{prefix} 年度报告" if "/" not in prefix else f"{root.name} 年示范基地画像"
        items = "\n".join(f'<li><a href="{html_text(href)}">{html_text(title)}</a></li>' for href, title in links)
        sections.append(f"<h2>{heading}</h2>\n<ul>\n{items}\n</ul>")
    body = "<h1>国家新型工业化产业示范基地发展报告</h1>\n" + "\n".join(sections)
    explore = reports / "explore.qmd"
    if explore.is_file():
        title, page = _markdown_html(explore)
    else:
        title, page = "探索", "<h1>探索</h1>\n<p>尚无年度报告的探索页面：运行 <code>nidb report</code> 后生成。</p>"
    (site / EXPLORE_PAGE).write_text(_page(title, page, "index.html", demo), encoding="utf-8")
    (site / "index.html").write_text(_page("nidb 报告预览", body, "index.html", demo), encoding="utf-8")
    return RenderResult(site, "preview", QUARTO_HINT.format(site=site))


def stage_site(out: Path, demo: bool, say: Callable[[str], None],
               years: dict[str, Path] | None = None) -> tuple[Path, RenderResult]:
    """Render every report and profile page set under ``out`` into a staging folder beside
    ``<out>/_site``: with Quarto when it is installed and ``out`` is the project's reports/ (Quarto
    renders the project in place), else as the HTML preview, which reads a year's new pages from
    ``years`` (year -> staged folder) so nothing live changes. Return the folder and the result as
    it will read once the folder is swapped in."""
    staging = Path(tempfile.mkdtemp(prefix=".site-", dir=out))
    try:
        project = repo_root()
        if quarto_available() and out == (project / "reports").resolve():
            say("使用 Quarto 渲染网站……")
            result = render_quarto(project, staging)
        else:
            if quarto_available():
                say("输出目录不在 Quarto 项目的 reports/ 下，改为生成 HTML 预览")
            say("生成 HTML 预览……")
            result = render_preview(out, staging, demo, years=years)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    site = out / SITE_DIR
    return staging, RenderResult(site, result.renderer, result.message.replace(str(staging), str(site)))


def render_site(out: Path, demo: bool, say: Callable[[str], None]) -> RenderResult:
    """Render the site under ``out`` (see `stage_site`) and swap it in for ``<out>/_site``."""
    staging, result = stage_site(out, demo, say)
    backup = swap(staging, out / SITE_DIR)
    if backup is not None:
        shutil.rmtree(backup, ignore_errors=True)
    return result
