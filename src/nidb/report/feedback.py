"""`nidb profiles`: feedback profiles (短板弱项) of the bases that most need them, or of all."""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from nidb.inputs.dataset import is_synthetic, load_dataset, resolve_data_dir
from nidb.report.profiles import (
    feedback_bases,
    profile_data,
    write_index,
    write_profiles,
)
from nidb.report.render import RenderResult, render_site
from nidb.report.workspace import default_out_dir, latest_year, swap

PROFILES_DIR = "profiles"


@dataclass(frozen=True)
class ProfilesResult:
    """What `build_profiles` wrote."""

    year: int
    out_dir: Path
    pages: int
    selection: str
    render: RenderResult | None = None  # the site the profiles were rendered into (None: not rendered)

    @property
    def message(self) -> str:
        """Where the profiles are, as the command line says it."""
        text = f"已为{self.selection}生成 {self.pages} 个画像：{self.out_dir}"
        if self.render is None:
            return text
        index = self.render.site / PROFILES_DIR / str(self.year) / "index.html"
        return f"{text}\n画像网页：{index}\n{self.render.message}"


def build_profiles(
    year: int | None = None,
    data_dir: str | Path | None = None,
    method: str | Path | None = None,
    out_dir: str | Path | None = None,
    *,
    all_bases: bool = False,
    workers: int | None = None,
    render: bool = True,
    progress: Callable[[str], None] | None = None,
) -> ProfilesResult:
    """Write feedback profiles (短板弱项) into ``<out_dir>/profiles/<year>/``.

    By default only the bases that most need feedback (`feedback_bases`: warned, revoked or
    rated two stars or below); with `all_bases`, every base in the registry. The directory
    is built aside and swapped in, so a failed run keeps the previous profiles. With
    `render`, the site under ``<out_dir>/_site`` is then rendered again, as `nidb report`
    does (Quarto, or the HTML preview without it), so the profiles have HTML pages.
    """

    from nidb.evaluation.method import load_evaluation_method
    from nidb.framework import load_framework

    say = progress or (lambda _: None)
    if method is not None:
        load_evaluation_method(method, framework=load_framework())  # a wrong method file stops before the data
    data_path = resolve_data_dir(data_dir)
    say(f"读取并校验输入数据：{data_path}")
    dataset = load_dataset(data_path)
    year = year or latest_year(dataset.annual)
    say(f"计算 {year} 年评价结果与各基地指标位置……")
    data = profile_data(dataset, year, method)
    base_ids = sorted(data.registry.index.astype(str)) if all_bases else feedback_bases(data)
    selection = "全部示范基地" if all_bases else "预警、撤销或评为二星及以下的示范基地"
    demo = is_synthetic(data_path)
    root = Path(out_dir).resolve() if out_dir is not None else default_out_dir()
    target = root / PROFILES_DIR / str(year)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".build-{year}-", dir=target.parent))
    try:
        say(f"并行生成 {len(base_ids)} 个基地画像（{selection}）……")
        write_profiles(data, base_ids, staging, demo=demo, workers=workers, progress=say)
        write_index(
            data, base_ids, staging, demo=demo, title=f"{year} 年示范基地画像：短板弱项反馈",
            intro=(f"本目录为{selection}逐一生成的画像，共 {len(base_ids)} 个，列示各基地 {year} 年的评价结果、"
                   "各维度与全部参评基地中位数的差距、位于后列的指标（短板弱项）及历年星级。"),
        )
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    backup = swap(staging, target)
    if backup is not None:
        shutil.rmtree(backup, ignore_errors=True)
    site = render_site(root, demo, say) if render else None
    return ProfilesResult(year=year, out_dir=target, pages=len(base_ids), selection=selection, render=site)
