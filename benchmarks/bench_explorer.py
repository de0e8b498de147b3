"""Weight and speed of the explorer page (探索) of the demo year in the system Chromium.

Prints:

* ``page weight``: bytes of the page and its data/script/style (all served by the site);
* ``load``: navigation start until the page has computed and drawn everything
  (``window.nidbExplorer.readyMs``), median and max of 5 loads from ``file://`` (goal < 2 s);
* ``update``: one control moved (a dimension weight, a star quota, the five-star gate, a
  threshold, a filter): time until the handler has recomputed and rewritten the page, and
  until the next frame was drawn; median and max over 20 moves (goal < 100 ms).

Needs Playwright (test extra) and Debian's ``chromium``; says so and stops otherwise.
Run: ``.venv/bin/python benchmarks/bench_explorer.py``.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from explorer_browser import YEAR, browser, build_site, missing_browser, move, open_explorer  # noqa: E402

MOVES = [("#nx-w-D2", 2), ("#nx-w-D4", 0.5), ("#nx-s5-top_share", 12), ("#nx-s5-min_dimension", 55),
         ("#nx-s3-min_score", 30), ("#nx-t-I01", 10), ("#nx-t-I07", 28), ("#nx-relax", False),
         ("#nx-f-region", "中部"), ("#nx-f-region", "")]


def main() -> None:
    why = missing_browser()
    if why:
        print(f"   skipped: {why}")
        return
    with tempfile.TemporaryDirectory() as tmp:
        site = build_site(Path(tmp))
        page_file = site / str(YEAR) / "explore.html"
        weight = page_file.stat().st_size + sum(p.stat().st_size for p in (site / str(YEAR) / "explore").iterdir())
        print(f"   page weight: {weight / 1024:.0f} KiB (page, data.js, explorer.js, explorer.css)")
        with browser() as b:
            loads = []
            for _ in range(5):
                page, _, ready = open_explorer(b, page_file.as_uri())
                loads.append(ready)
                page.close()
            print(f"   load (navigation start → computed and drawn): median {statistics.median(loads):.0f} ms, "
                  f"max {max(loads):.0f} ms (goal < 2000 ms)")
            page, _, _ = open_explorer(b, page_file.as_uri())
            js, frame = [], []
            for selector, value in MOVES * 2:
                t = move(page, selector, value)
                js.append(t["js"])
                frame.append(t["frame"])
            print(f"   update after a control moves: recomputed and rewritten median {statistics.median(js):.1f} ms, "
                  f"max {max(js):.1f} ms; next frame drawn median {statistics.median(frame):.1f} ms, "
                  f"max {max(frame):.1f} ms (goal < 100 ms)")


if __name__ == "__main__":
    main()
