"""A small valid input dataset, as CSV text, for the reader and validation tests.

Headers mix the three accepted forms on purpose: canonical English names
(bases, applicants, expert scores, GDP growth) and the template's Chinese
headers with units (annual form). The reference year of every test is 2025.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

YEAR = 2025

VALID = {
    "bases.csv": (
        "base_id,name,authority,region,domain,industry,leading_industry,zone_code,special_areas,batch,year_announced\n"
        "B0001,示例基地-001,江苏省,东部,装备工业,装备制造,工程机械,G320001,,1,2010\n"
        "B0002,示例基地-002,四川省,西部,信息产业,数据中心,数据中心,,革命老区、民族地区,2,2011\n"
    ),
    "applicants.csv": (
        "applicant_id,name,authority,region,domain,industry,leading_industry,application_year\n"
        "A0001,示例申报-001,河南省,中部,消费品工业,食品,食品加工,2024\n"
    ),
    "annual.csv": (
        "基地或申报对象编号,年份,产业集聚区销售收入（亿元）,主导产业销售收入（亿元）,规上企业质量管理体系贯标率（%）,查实弄虚作假\n"
        "B0001,2023,500,400,65,否\n"
        "B0001,2024,520,450,70,否\n"
        "B0002,2024,80,60,55.5,否\n"
        "A0001,2024,30,20,80,\n"
    ),
    "expert_scores.csv": "unit_id,year,indicator_id,expert_id,score\nB0001,2024,I06,E01,80\nB0001,2024,I06,E02,75\n",
    "gdp_growth.csv": "area,year,gdp_growth\n江苏省,2024,5.8\n四川省,2024,5.7\n苏州市,2024,6.1\n",
}


def write_inputs(directory: Path, changes: dict[str, str | bytes | None] | None = None) -> Path:
    """Write the valid dataset into `directory`, with files replaced (text or bytes) or removed (None)."""
    directory.mkdir(parents=True, exist_ok=True)
    files: dict[str, str | bytes | None] = {**VALID, **(changes or {})}
    for name, content in files.items():
        if content is None:
            continue
        path = directory / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return directory


def tree_hashes(directory: Path) -> dict[str, str]:
    """SHA-256 of every file under `directory`, by relative path."""
    return {
        str(p.relative_to(directory)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }
