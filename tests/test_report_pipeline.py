"""End to end: `build_report` on a small demo subset, rendered with the HTML preview.

The subset keeps 40 bases and 60 applicants of the demo (with all their annual rows and
expert scores) and renames the bases to hostile names, so every page that shows a base
name must escape it. Quarto is exercised by a separate test that skips when it is absent.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import nbformat
import openpyxl
import pandas as pd
import pytest
import yaml
from docx_check import caption_fields, check_docx
from workbook_check import check_workbook

from nidb.demo import demo_dir
from nidb.report import pipeline
from nidb.report.chapters import Chapter, load_chapters
from nidb.report.execute import NotebookError
from nidb.report.render import quarto_available, render_quarto

SCRIPT = "<script>alert(1)</script>"
BOLD = "**粗体**"
N_BASES, N_APPLICANTS = 40, 60
pytestmark = pytest.mark.slow


def demo_subset(target: Path) -> Path:
    """The first bases and applicants of the demo with every row that refers to them."""
    source = demo_dir()
    target.mkdir(parents=True)
    read = lambda name: pd.read_csv(source / f"{name}.csv", dtype=str, keep_default_na=False)  # noqa: E731
    bases = read("bases").head(N_BASES)
    bases["name"] = [SCRIPT if i % 2 == 0 else BOLD for i in range(len(bases))]
    applicants = read("applicants").head(N_APPLICANTS)
    units = set(bases["base_id"]) | set(applicants["applicant_id"])
    tables = {
        "bases": bases,
        "applicants": applicants,
        "annual": read("annual").pipe(lambda t: t[t["unit_id"].isin(units)]),
        "expert_scores": read("expert_scores").pipe(lambda t: t[t["unit_id"].isin(units)]),
        "renames": read("renames").head(0),
        "gdp_growth": read("gdp_growth"),
        "benchmarks": read("benchmarks"),
    }
    for name, frame in tables.items():
        frame.to_csv(target / f"{name}.csv", index=False, encoding="utf-8")
    shutil.copy(source / "README.md", target / "README.md")
    return target


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("report")
    data = demo_subset(root / "data")
    steps: list[str] = []
    result = pipeline.build_report(data_dir=data, out_dir=root / "reports", progress=steps.append, workers=2)
    return result, data, root / "reports", steps


def site_pages(reports: Path) -> list[Path]:
    return sorted((reports / "_site").rglob("*.html"))


def test_every_chapter_with_an_engine_is_built(built):
    result, _, _, steps = built
    assert result.chapters == [c.key for c in load_chapters()]
    assert result.skipped == []
    for chapter in load_chapters():
        nb = nbformat.read(str(result.year_dir / chapter.notebook), as_version=4)
        assert not [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
        assert "papermill" not in json.dumps(nb)
        params = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
        assert f"year = {result.year}" in params.source
    assert any("已完成" in s for s in steps)  # progress reached the caller


def test_year_defaults_to_latest_annual_year(built):
    result, data, _, _ = built
    annual = pd.read_csv(data / "annual.csv")
    assert result.year == annual["year"].max()


def test_manifest_hashes_the_inputs_and_records_the_run(built):
    result, data, _, _ = built
    manifest = json.loads(result.manifest.read_text(encoding="utf-8"))
    expected = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in data.iterdir()}
    assert manifest["inputs"] == expected
    assert manifest["parameters"]["year"] == result.year
    assert manifest["demo_data"] is True
    assert manifest["chapters"] == result.chapters
    assert manifest["packages"]["papermill"]
    assert set(manifest["git"]) == {"commit", "dirty"}
    method = Path(manifest["method"]["path"])  # no --method: the packaged default is recorded
    assert method.name == "evaluation-default.yaml"
    assert manifest["method"]["sha256"] == hashlib.sha256(method.read_bytes()).hexdigest()
    methodology = (result.year_dir / "methodology.qmd").read_text(encoding="utf-8")
    assert manifest["method"]["sha256"] in methodology and manifest["inputs"]["bases.csv"] in methodology
    framework = Path(manifest["rule_files"]["指标体系"]["path"])
    assert framework.name == "indicators-2023.yaml"
    assert manifest["rule_files"]["指标体系"]["sha256"] == hashlib.sha256(framework.read_bytes()).hexdigest()
    assert set(manifest["rule_files"]) == {"指标体系", "评价方法（默认）", "遴选方法", "动态管理规则", "设计审计方法"}
    assert "`peer_group_by`" in methodology  # the framework's open points are listed


def test_data_appendix_has_every_table_as_csv_and_one_workbook(built):
    result, _, _, _ = built
    folder = result.appendix.parent
    csvs = sorted(p.stem for p in folder.glob("*.csv") if p.name != "index.csv")
    assert csvs == sorted(result.tables) and len(csvs) >= 20
    assert not list(folder.glob("*.pkl")) and not list(folder.glob("*.title"))
    sheets = check_workbook(result.appendix, notes="目录")
    index = pd.read_csv(folder / "index.csv", encoding="utf-8-sig")
    assert list(sheets) == ["目录", *index["工作表"]]
    numbered = index["工作表"].str.match(r"^表\d+-\d+ ")  # chapter order, named by table number
    extra = index["工作表"].str.startswith("附表 ")  # tables kept only in the appendix, after the numbered ones
    assert (numbered | extra).all() and numbered.sum() >= 20 and not numbered[extra.idxmax():].any()
    numbers = index.loc[numbered, "工作表"].str.extract(r"^表(\d+)-(\d+)").astype(int)
    assert list(map(tuple, numbers.to_numpy())) == sorted(map(tuple, numbers.to_numpy()))
    first = pd.read_csv(folder / index["CSV 文件"][0], encoding="utf-8-sig")
    assert index["行数"][0] == len(first) == len(sheets[index["工作表"][0]]) - 1
    assert index["标题"].str.len().gt(0).all() and not index["标题"].str.contains("前 30 行").any()
    assert "示例数据（合成）" in str(sheets["目录"])


def test_five_star_cases_have_one_page_each(built):
    result, _, _, _ = built
    stars = pd.read_csv(result.appendix.parent / "stars_results.csv", encoding="utf-8-sig")
    five = sorted(stars.loc[stars["星级"] == 5, "基地编号"])
    cases = result.year_dir / "cases"
    pages = sorted(p.stem for p in cases.glob("B*.qmd"))
    assert pages == five and result.cases == len(five) > 0
    assert all((cases / "figures" / f"{b}.png").is_file() for b in five)
    for base_id in five:
        page = (cases / f"{base_id}.qmd").read_text(encoding="utf-8")
        assert "短板" not in page  # weak points stay in the feedback profiles
        assert "## 主要指标" in page and "| 亿元 |" in page and "全部参评基地中位数" in page
        assert "## 历年星级与综合得分" in page and "**主题：" in page
        assert "研究人员尚未撰写本基地的典型经验" in page
    index = (cases / "index.qmd").read_text(encoding="utf-8")
    assert "sort-ui: [score, title, region, domain]" in index and "主题的确定规则" in index
    assert index.count("待撰写（缺背景") == len(five)
    document = (cases / "catalogue.qmd").read_text(encoding="utf-8")
    assert document.count("\n## 主要指标") == len(five) and "## 短板" not in document and "位置最靠后" not in document


def test_cases_template_writes_skeletons_then_the_catalogue_shows_the_staff_text(built, tmp_path):
    from typer.testing import CliRunner

    from nidb.cli import app
    from nidb.inputs.dataset import load_dataset
    from nidb.report import cases

    result, data, _, _ = built
    runner = CliRunner()
    folder = tmp_path / "data" / "cases"
    done = runner.invoke(app, ["cases", "template", "--year", str(result.year), "--data", str(data), "--out", str(folder)])
    assert done.exit_code == 0, done.output
    files = sorted(folder.glob("B*.md"))
    assert [f.stem for f in files] == sorted(p.stem for p in (result.year_dir / "cases").glob("B*.qmd"))
    first = files[0]
    skeleton = first.read_text(encoding="utf-8")
    assert "## 主要做法" in skeleton and "（待填写）" in skeleton and "主要指标：" in skeleton
    filled = "---\ntheme: 质量品牌\n---\n# x\n\n" + "\n\n".join(
        f"## {s}\n\n{s}：员工撰写的文字。" for s in ("背景", "主要做法", "取得成效", "经验启示"))
    first.write_text(filled, encoding="utf-8")
    again = runner.invoke(app, ["cases", "template", "--year", str(result.year), "--data", str(data), "--out", str(folder)])
    assert again.exit_code == 0 and "未覆盖" in again.output
    assert first.read_text(encoding="utf-8") == filled  # never overwritten

    out = tmp_path / "catalogue"
    shutil.copytree(data, tmp_path / "data", dirs_exist_ok=True)
    cases.write_catalogue(load_dataset(tmp_path / "data"), result.year, None, tmp_path / "data", out, demo=True)
    page = (out / f"{first.stem}.qmd").read_text(encoding="utf-8")
    assert "**主题：质量品牌**（研究人员改定" in page and "主要做法：员工撰写的文字。" in page
    assert "尚未撰写" not in page
    assert "| 已撰写 |" in (out / "index.qmd").read_text(encoding="utf-8")


def test_catalogue_word_version_is_in_house_style(built):
    result, _, reports, _ = built
    docx = reports / "_site" / str(result.year) / "cases" / "catalogue.docx"
    document = check_docx(docx)
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings[0] == "前言" and len(headings) == result.cases + 1
    assert not any("短板" in p.text for p in document.paragraphs if p.style.name.startswith("Heading"))


def test_preview_site_has_an_index_and_a_page_per_source(built):
    result, _, reports, _ = built
    assert result.render.renderer == "preview"
    assert "Quarto" in result.render.message
    site = reports / "_site"
    index = (site / "index.html").read_text(encoding="utf-8")
    for chapter in load_chapters():
        page = f"{result.year}/{Path(chapter.notebook).with_suffix('.html')}"
        assert (site / page).is_file() and page in index
    assert (site / str(result.year) / "appendix" / "appendix.xlsx").is_file()
    year_index = (site / str(result.year) / "index.html").read_text(encoding="utf-8")
    assert 'href="methodology.html"' in year_index  # .qmd links point at the rendered pages


def test_every_page_shows_the_synthetic_data_notice(built):
    _, _, reports, _ = built
    pages = site_pages(reports)
    assert len(pages) > 10
    assert [p for p in pages if "示例数据（合成）" not in p.read_text(encoding="utf-8")] == []


def test_no_page_loads_anything_from_outside_or_names_a_local_path(built):
    from nidb.report.offline import external_resources, local_paths

    _, _, reports, _ = built
    for page in site_pages(reports):
        html = page.read_text(encoding="utf-8")
        assert external_resources(html) == [], page
        assert local_paths(html) == [], page


def test_year_index_opens_with_findings_that_link_to_their_sections(built):
    result, _, reports, _ = built
    year_index = (reports / "_site" / str(result.year) / "index.html").read_text(encoding="utf-8")
    assert "主要结论" in year_index and 'href="03-stars.html#sec-stars-distribution"' in year_index
    stars = (reports / "_site" / str(result.year) / "03-stars.html").read_text(encoding="utf-8")
    assert 'id="sec-stars-distribution"' in stars and 'id="sec-stars-regions"' in stars
    assert "下一章" in stars and 'href="index.html"' in stars
    problems = (reports / "_site" / str(result.year) / "problems.html").read_text(encoding="utf-8")
    assert "存在的问题" in problems and "下一步建议" in problems
    methodology = (reports / "_site" / str(result.year) / "methodology.html").read_text(encoding="utf-8")
    assert "单位工业增加值能耗" in methodology and 'href="methods/' in methodology
    assert (result.year_dir / "methods").is_dir()


def test_hostile_base_names_show_literally_on_every_page(built):
    _, _, reports, _ = built
    shown_script = shown_bold = 0
    for page in site_pages(reports):
        html = page.read_text(encoding="utf-8")
        assert "<script>alert(1)" not in html, page
        assert "<strong>粗体</strong>" not in html and "<em>粗体" not in html, page
        shown_script += "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        shown_bold += "**粗体**" in html
    assert shown_script >= 5 and shown_bold >= 5  # the names do reach the pages


def test_a_failed_run_leaves_the_previous_report_and_site_intact(built, tmp_path, monkeypatch):
    result, data, reports, _ = built
    before = {p: p.read_bytes() for p in [result.manifest, reports / "_site" / "index.html"]}
    broken = tmp_path / "notebooks"
    broken.mkdir()
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("raise RuntimeError('故意失败')")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, str(broken / "broken.ipynb"))
    chapter = Chapter("broken", "broken.ipynb", "第九章 失败", ())
    monkeypatch.setattr(pipeline, "available_chapters", lambda: ([chapter], []))
    monkeypatch.setattr(pipeline, "notebooks_dir", lambda: broken)
    with pytest.raises(NotebookError, match="第九章 失败.*故意失败"):
        pipeline.build_report(data_dir=data, out_dir=reports, workers=1)
    assert {p: p.read_bytes() for p in before} == before
    assert [p.name for p in reports.iterdir() if p.name.startswith(".")] == []


@pytest.mark.skipif(
    not quarto_available(), reason="Quarto >= 1.7 is not installed here; the HTML preview renderer is tested instead"
)
def test_quarto_renders_the_site_search_listing_and_docx(built, tmp_path):
    result, _, reports, _ = built
    project = tmp_path / "project"
    project.mkdir()
    for name in ("_quarto.yml", "index.qmd"):
        shutil.copy(pipeline.repo_root() / name, project / name)
    shutil.copytree(reports, project / "reports", ignore=shutil.ignore_patterns("_site"))
    rendered = render_quarto(project, project / "reports" / "_site")
    site = rendered.site
    assert (site / "search.json").is_file()
    assert (site / "reports" / str(result.year) / "cases" / "index.html").is_file()
    assert list(site.rglob("annual-report.docx"))
    html = (site / "reports" / str(result.year) / "03-stars.html").read_text(encoding="utf-8")
    assert "示例数据（合成）" in html and "<script>alert(1)" not in html
    from nidb.report.offline import external_resources, local_paths

    for page in site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert external_resources(text) == [] and local_paths(text) == [], page


def test_a_year_without_data_is_a_user_error_before_any_work(built, tmp_path):
    from nidb.errors import InputError

    _, data, _, _ = built
    with pytest.raises(InputError, match="没有 2031 年的数据.*2025"):
        pipeline.build_report(year=2031, data_dir=data, out_dir=tmp_path / "reports")
    assert not (tmp_path / "reports").exists()  # nothing was written


def test_nidb_profiles_writes_every_base_and_the_feedback_selection(built, tmp_path):
    from typer.testing import CliRunner

    from nidb.cli import app
    from nidb.report.feedback import build_profiles

    _, data, _, _ = built
    runner = CliRunner()
    done = runner.invoke(app, ["profiles", "--all", "--data", str(data), "--out", str(tmp_path)])
    assert done.exit_code == 0, done.output
    folder = tmp_path / "profiles" / "2025"
    pages = sorted(folder.glob("B*.qmd"))
    assert len(pages) == N_BASES and f"生成 {N_BASES} 个画像" in done.output
    for page in pages:
        text = page.read_text(encoding="utf-8")
        rated = "年 无评价结果" not in text.split("---")[1]  # the subtitle says when the base has no result
        assert "示例数据（合成）" in text
        assert ("## 短板弱项" in text) if rated else ("不列各维度得分、优势指标和短板弱项" in text and "均不低于" not in text)
        assert "<script>" not in text and "\n**粗体**" not in text
    assert (folder / "index.qmd").is_file() and len(list((folder / "figures").glob("*.png"))) == N_BASES
    # without Quarto the profiles get the report's HTML preview, and the command says where
    site = tmp_path / "_site" / "profiles" / "2025"
    assert f"画像网页：{site / 'index.html'}" in done.output
    if not quarto_available():
        assert "未检测到 Quarto" in done.output and "https://quarto.org" in done.output
        html = sorted(site.glob("B*.html"))
        assert [p.stem for p in html] == [p.stem for p in pages]
        page = html[0].read_text(encoding="utf-8")
        assert "示例数据（合成）" in page and "短板弱项" in page and "HTML 预览" in page
        assert (site / "figures").is_dir() and (tmp_path / "_site" / "index.html").is_file()
        assert "profiles/2025/index.html" in (tmp_path / "_site" / "index.html").read_text(encoding="utf-8")
    feedback = build_profiles(data_dir=data, out_dir=tmp_path / "feedback", workers=1, render=False)
    assert feedback.render is None and not (tmp_path / "feedback" / "_site").exists()
    status = pd.read_csv(built[0].appendix.parent / "lifecycle_events.csv", encoding="utf-8-sig")
    assert feedback.pages == len(list((tmp_path / "feedback" / "profiles" / "2025").glob("B*.qmd")))
    assert feedback.pages <= N_BASES and feedback.selection.startswith("预警")
    revoked = set(status.loc[status["事项"] == "取消称号", "基地编号"])
    assert revoked <= {p.stem for p in (tmp_path / "feedback" / "profiles" / "2025").glob("B*.qmd")}


def test_whole_report_document_has_every_chapter_without_code(built):
    result, _, _, _ = built
    text = (result.year_dir / "annual-report.qmd").read_text(encoding="utf-8")
    front = yaml.safe_load(text.split("---")[1])
    assert set(front["format"]) == {"html", "docx"}
    for chapter in load_chapters():
        assert f"\n# {chapter.title.replace(' ', ' ')}" in text.replace("\\", "")
    assert "import " not in text and "page.say(" not in text  # outputs only, no code
    body = text.split("\n---\n", 1)[1]
    assert body.count("示例数据（合成）") == 1  # the notice once, not once per chapter (and on the cover)
    figures = list((result.year_dir / "annual-report_files").glob("*.png"))
    assert len(figures) == text.count("](annual-report_files/") >= 8


def test_preview_word_version_is_in_house_style_and_shows_names_literally(built, tmp_path):
    import subprocess

    from nidb.report.house_style import pandoc_path

    result, _, reports, _ = built
    docx = reports / "_site" / str(result.year) / "annual-report.docx"
    document = check_docx(docx)
    assert len(document.tables) >= 20 and len(caption_fields(document)) >= 20
    plain = subprocess.run([pandoc_path(), str(docx), "--to", "plain", "--wrap", "none"], capture_output=True,
                           text=True, check=True).stdout
    assert "示例数据（合成）" in plain
    assert SCRIPT in plain and BOLD in plain  # shown as text, not markup


def test_pages_render_names_literally_through_pandoc(built):
    """Quarto renders .qmd pages with Pandoc: its reading of our escaping must show names as text."""
    import subprocess

    from nidb.report.house_style import pandoc_path

    result, _, _, _ = built
    pages = sorted(result.year_dir.rglob("*.qmd"))
    shown = 0
    for page in pages:
        html = subprocess.run([pandoc_path(), str(page), "--standalone", "--to", "html", "--metadata", "pagetitle=x"],
                              capture_output=True, text=True, check=True, cwd=page.parent).stdout
        assert "<script>alert(1)" not in html and "<strong>粗体</strong>" not in html, page
        shown += ("&lt;script&gt;alert(1)&lt;/script&gt;" in html) + ("**粗体**" in html)
    assert len(pages) > 5 and shown >= 5
