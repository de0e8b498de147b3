"""Driving the explorer page (探索) in the system Chromium, shared by its test and its benchmark.

Playwright's Python driver launches Debian's ``chromium`` (never a downloaded browser).
"""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
YEAR = 2025


def chromium_path() -> str | None:
    """The system Chromium, or None."""
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


def missing_browser() -> str | None:
    """Why the browser tests cannot run here (None when they can)."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "未安装 Python 包 playwright（pip install -e .[test]）"
    if chromium_path() is None:
        return "未找到系统 Chromium（apt-get install chromium；.ci/run 会自动安装）"
    return None


def build_site(reports: Path, year: int = YEAR) -> Path:
    """The explorer of ``year`` on the demo data, rendered as the site's HTML preview; returns the site folder."""
    from nidb.inputs.dataset import load_dataset, resolve_data_dir
    from nidb.report.explorer import explorer_data, write_explorer, write_explorer_index
    from nidb.report.render import render_preview

    dataset = load_dataset(resolve_data_dir(None))
    write_explorer(explorer_data(dataset, year, None, demo=True), reports / str(year))
    write_explorer_index(reports)
    site = reports / "_site"
    render_preview(reports, site, True)
    return site


@contextmanager
def serve(folder: Path) -> Iterator[str]:
    """Serve ``folder`` over HTTP on a free local port; yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        return None


@contextmanager
def browser() -> Iterator[object]:
    """A headless system Chromium (Playwright)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


def open_explorer(b: object, url: str) -> tuple[object, list[str], float]:
    """Load the explorer at ``url``; returns the page, every URL it requested, and the time (ms)
    from navigation start until the page had computed and drawn everything."""
    page = b.new_page(viewport={"width": 1280, "height": 1600})
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(url, wait_until="load")
    page.wait_for_selector("#nidb-explorer[data-ready=true]", timeout=10_000)
    ready = page.evaluate("window.nidbExplorer.readyMs")
    return page, requests, float(ready)


def set_control(page: object, selector: str, value: object) -> float:
    """Set an input's value and fire its event as a user's move would; returns the update time (ms)."""
    return move(page, selector, value)["js"]


def move(page: object, selector: str, value: object) -> dict[str, float]:
    """Move a control; the time (ms) until the page's handler has recomputed and rewritten the
    page (``js``) and until the next frame after it was drawn (``frame``)."""
    return page.evaluate(
        """([sel, value]) => new Promise((resolve) => {
            const input = document.querySelector(sel);
            const t0 = performance.now();
            if (input.type === 'checkbox') { input.checked = Boolean(value); input.dispatchEvent(new Event('change')); }
            else if (input.tagName === 'SELECT') { input.value = String(value); input.dispatchEvent(new Event('change')); }
            else { input.value = String(value); input.dispatchEvent(new Event('input')); }
            const js = performance.now() - t0;
            requestAnimationFrame(() => requestAnimationFrame(() => resolve({js, frame: performance.now() - t0})));
        })""",
        [selector, value],
    )
