"""The explorer page (探索) in a real browser: the numbers it recomputes equal the Python engine's.

Loads the page from the built site (file:// and over HTTP), moves its controls as a user
would, and compares with ``nidb.evaluation.annual.evaluate_year`` run with the method file
the page exports, and with the selection checks; every request must stay inside the site.
Skips, saying why, without Playwright or the system Chromium (.ci/run installs it).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml
from explorer_browser import YEAR, browser, build_site, missing_browser, open_explorer, serve, set_control

from nidb.evaluation.annual import evaluate_year, evaluation_indicators, expert_table, run_panel
from nidb.evaluation.lifecycle import load_rules
from nidb.evaluation.method import evaluation_method_from_mapping, load_evaluation_method
from nidb.framework import load_framework
from nidb.inputs.dataset import load_dataset, resolve_data_dir
from nidb.selection import prepare, select
from nidb.selection.sweep import multipliers, unrelaxed

pytestmark = pytest.mark.skipif(missing_browser() is not None, reason=missing_browser() or "")

#: three settings besides the default: (control selector, value) moves, in order
SETTINGS = {
    "weights D2, D4 doubled": [("#nx-w-D2", 2), ("#nx-w-D4", 2)],
    "five-star quota 10 %, gate 50; three stars from 30": [
        ("#nx-s5-top_share", 10), ("#nx-s5-min_dimension", 50), ("#nx-s3-min_score", 30)],
    "weights, no gate, four-star by score, ceil, ties exclude": [
        ("#nx-w-D1", 0.5), ("#nx-w-D6", 3), ("#nx-s5-min_dimension-on", False), ("#nx-s4-top_share-on", False),
        ("#nx-s4-min_score-on", True), ("#nx-s4-min_score", 45), ("#nx-rounding", "ceil"), ("#nx-ties", "exclude")],
}


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    return build_site(tmp_path_factory.mktemp("reports"))


@pytest.fixture(scope="module")
def engine():
    """The demo data, the default evaluation of YEAR and the inputs to re-evaluate its rated bases."""
    ds = load_dataset(resolve_data_dir(None))
    fw = load_framework()
    method = load_evaluation_method(None, fw)
    years = list(range(2020, YEAR + 1))
    panel = run_panel(ds, fw, method, load_rules(), years)
    bases = ds.bases["base_id"].astype("string")
    indicators = evaluation_indicators(ds, fw, method, years)
    indicators = indicators[indicators.index.get_level_values("unit_id").isin(bases)]
    raw = ds.expert_scores[ds.expert_scores["unit_id"].isin(bases)]
    return {"ds": ds, "fw": fw, "evaluation": panel.evaluations[YEAR], "indicators": indicators,
            "experts": expert_table(raw, fw, method)}


@pytest.fixture(scope="module")
def chromium():
    with browser() as b:
        yield b


def _outside(requests: list[str], allowed: str) -> list[str]:
    return [u for u in requests if not u.startswith(allowed)]


def _python_stars(engine: dict, method_yaml: str) -> dict[str, tuple[int, int]]:
    """Stars and ranks of the year's rated bases under the exported method (same bases, same inputs)."""
    raw = yaml.safe_load(method_yaml)
    method = evaluation_method_from_mapping(raw, source="explorer.yaml", framework=engine["fw"])
    rated = engine["evaluation"].results.dropna(subset=["stars"])["unit_id"]
    ev = evaluate_year(engine["indicators"], engine["experts"], engine["fw"], method, YEAR, units=rated)
    res = ev.results.set_index("unit_id")
    return {u: (int(res.at[u, "stars"]), int(res.at[u, "rank"])) for u in res.index}


def _browser_stars(page) -> dict[str, tuple[int, int]]:
    got = page.evaluate("""() => { const r = window.nidbExplorer.result();
        return [window.nidbExplorer.bases(), r.stars, r.rank]; }""")
    return {b: (int(s), int(r)) for b, s, r in zip(*got)}


def test_default_method_reproduces_the_engine_base_by_base(site, engine, chromium):
    page, requests, _ = open_explorer(chromium, (site / str(YEAR) / "explore.html").as_uri())
    results = engine["evaluation"].results.dropna(subset=["stars"]).set_index("unit_id")
    expected = {u: (int(results.at[u, "stars"]), int(results.at[u, "rank"])) for u in results.index}
    assert _browser_stars(page) == expected
    counts = page.get_attribute("#nx-dist", "data-counts")
    assert counts == ",".join(str(int((results["stars"] == s).sum())) for s in range(5, 0, -1))
    assert page.get_attribute("#nx-change-summary", "data-changed") == "0"
    assert _outside(requests, "file://") == []


@pytest.mark.parametrize("name", list(SETTINGS))
def test_moved_controls_reproduce_the_engine(site, engine, chromium, name):
    page, requests, _ = open_explorer(chromium, (site / str(YEAR) / "explore.html").as_uri())
    before = _browser_stars(page)
    for selector, value in SETTINGS[name]:
        set_control(page, selector, value)
    assert page.inner_text("#nx-rule-warn") == ""
    exported = page.evaluate("window.nidbExplorer.methodYaml()")
    browser_result = _browser_stars(page)
    assert browser_result == _python_stars(engine, exported)
    assert browser_result != before, "the setting should move at least one base"
    changed = sum(before[b][0] != browser_result[b][0] for b in before)
    assert page.get_attribute("#nx-change-summary", "data-changed") == str(changed)
    # reset brings back the method's defaults
    page.click("#nx-reset")
    assert _browser_stars(page) == before
    assert _outside(requests, "file://") == []


def test_copy_settings_shows_a_method_file(site, chromium):
    page, _, _ = open_explorer(chromium, (site / str(YEAR) / "explore.html").as_uri())
    set_control(page, "#nx-w-D3", 1.5)
    page.click("#nx-copy-yaml")
    page.wait_for_selector("#nx-yaml:not([hidden])")
    text = page.input_value("#nx-yaml")
    raw = yaml.safe_load(text)
    assert raw["weights"]["levels"][2] == {"scheme": "manual",
                                           "values": {"D1": 1, "D2": 1, "D3": 1.5, "D4": 1, "D5": 1, "D6": 1}}
    copied = evaluation_method_from_mapping(raw, source="copied.yaml")
    assert copied.stars == load_evaluation_method(None).stars  # star rule untouched: the method's own


def test_thresholds_match_the_selection_checks(site, chromium):
    ds = load_dataset(resolve_data_dir(None))
    result = select(prepare(ds), YEAR)
    grid = multipliers(result.method.sweep, result.method.sweep.grid_points)
    q = result.quantitative
    page, _, _ = open_explorer(chromium, (site / str(YEAR) / "explore.html").as_uri())
    # at the spec thresholds every applicant keeps select()'s overall verdict
    assert page.get_attribute("#nx-sel-changes", "data-changed") == "0"
    overall = page.evaluate("window.nidbExplorer.selection().overall")
    assert overall == result.summary["overall"].tolist()
    moves = {"I01": 12, "I07": 30, "I10": 24}  # grid indices: 0.8, 1.25, 1.1 of the spec thresholds
    for cid, k in moves.items():
        set_control(page, f"#nx-t-{cid}", k)
    m = {cid: grid[moves.get(cid, int(np.argmin(np.abs(grid - 1))))] for cid in q.ids}
    passes = np.stack([check.passes(m[cid])[0] for cid, check in zip(q.ids, q.checks)])
    alone = page.evaluate("window.nidbExplorer.selection().alone")
    assert alone == passes.sum(axis=1).tolist()
    assert page.get_attribute("#nx-sel-summary", "data-joint") == str(int(passes.all(axis=0).sum()))
    assert int(page.get_attribute("#nx-sel-changes", "data-changed")) > 0
    # without the Art. 7 relaxation: the general thresholds of #1 and #5 for everyone
    set_control(page, "#nx-relax", False)
    general = unrelaxed(result)
    flat = np.stack([check.passes(m[cid])[0] for cid, check in zip(q.ids, general.checks)])
    assert page.evaluate("window.nidbExplorer.selection().alone") == flat.sum(axis=1).tolist()


def test_filters_search_sort_and_map(site, chromium):
    page, _, _ = open_explorer(chromium, (site / str(YEAR) / "explore.html").as_uri())
    total = int(page.get_attribute("#nx-count", "data-rows"))
    set_control(page, "#nx-f-region", "西部")
    west = int(page.get_attribute("#nx-count", "data-rows"))
    assert 0 < west < total
    assert set(page.eval_on_selector_all("#nx-table tbody tr td:nth-child(5)", "tds => tds.map(t => t.textContent)")) == {"西部"}
    set_control(page, "#nx-f-region", "")
    page.fill("#nx-search", "B0163")
    assert page.get_attribute("#nx-count", "data-rows") == "1"
    page.fill("#nx-search", "")
    page.click("#nx-table th[data-key=index]")
    first = page.eval_on_selector("#nx-table tbody tr", "tr => tr.getAttribute('data-id')")
    page.click("#nx-table th[data-key=index]")
    assert page.eval_on_selector("#nx-table tbody tr", "tr => tr.getAttribute('data-id')") != first
    tile = page.locator('#nx-map g[data-province="江苏省"]')
    assert "江苏省：参评" in tile.get_attribute("data-tip")
    tile.click()
    assert page.input_value("#nx-f-province") == "江苏省"
    rows = page.eval_on_selector_all("#nx-table tbody tr td:nth-child(4)", "tds => tds.map(t => t.textContent)")
    assert rows and all(r in ("江苏省",) for r in rows)


def test_over_http_and_from_the_navbar(site, chromium):
    with serve(site) as base:
        page, requests, ready_ms = open_explorer(chromium, base + f"{YEAR}/explore.html")
        assert page.get_attribute("#nx-change-summary", "data-changed") == "0"
        update_ms = set_control(page, "#nx-w-D2", 2)
        assert _outside(requests, base) == []
        print(f"\nexplorer over HTTP: ready {ready_ms:.0f} ms after navigation start, one update {update_ms:.1f} ms")
        nav = chromium.new_page()
        nav.goto(base + "index.html")
        nav.click("nav >> text=探索")
        nav.click(f"text={YEAR} 年度探索页面")
        nav.wait_for_selector("#nidb-explorer[data-ready=true]")
        assert nav.url.endswith(f"{YEAR}/explore.html")
