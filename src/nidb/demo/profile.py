"""Calibration profile of the synthetic demo data.

Published aggregates (../shared/data/published-facts.md) fix the batch sizes, the
regional split and the domain mix of the 445 bases; everything marked *chosen*
is a plausible value picked for the demo where nothing is published.
"""

from __future__ import annotations

from typing import NamedTuple

from nidb.framework import Expert, load_framework, walk

# (batch, year announced, number of bases). Published: 1st 62, 1st-3rd 185 (3rd 57),
# 8th 51, 9th 39, 10th 33, total 445. Chosen: the 2nd (66) and the 4th-7th (137 together).
BATCHES: tuple[tuple[int, int, int], ...] = (
    (1, 2010, 62),
    (2, 2011, 66),
    (3, 2012, 57),
    (4, 2013, 45),
    (5, 2014, 30),
    (6, 2016, 28),
    (7, 2017, 34),
    (8, 2018, 51),
    (9, 2020, 39),
    (10, 2022, 33),
)

# Region of each recommending authority (the five cities with separate planning status
# belong to their province's region; the Corps to the West).
AUTHORITY_REGION: dict[str, str] = {
    "北京市": "东部", "天津市": "东部", "河北省": "东部", "上海市": "东部", "江苏省": "东部",
    "浙江省": "东部", "福建省": "东部", "山东省": "东部", "广东省": "东部", "海南省": "东部",
    "宁波市": "东部", "厦门市": "东部", "青岛市": "东部", "深圳市": "东部",
    "山西省": "中部", "安徽省": "中部", "江西省": "中部", "河南省": "中部", "湖北省": "中部",
    "湖南省": "中部",
    "内蒙古自治区": "西部", "广西壮族自治区": "西部", "重庆市": "西部", "四川省": "西部",
    "贵州省": "西部", "云南省": "西部", "西藏自治区": "西部", "陕西省": "西部", "甘肃省": "西部",
    "青海省": "西部", "宁夏回族自治区": "西部", "新疆维吾尔自治区": "西部", "新疆生产建设兵团": "西部",
    "辽宁省": "东北", "大连市": "东北", "吉林省": "东北", "黑龙江省": "东北",
}

# Province of the development-zone catalogue in which each authority's zones are listed.
AUTHORITY_PROVINCE: dict[str, str] = {
    **{a: a for a in AUTHORITY_REGION},
    "宁波市": "浙江省", "厦门市": "福建省", "青岛市": "山东省", "深圳市": "广东省",
    "大连市": "辽宁省", "新疆生产建设兵团": "新疆维吾尔自治区",
}

# Bases per authority after the 10th batch. Published: East 193, Central 91, West 122,
# Northeast 39; Jiangsu and Shandong about 30 each, Liaoning about 20. Chosen: the rest.
AUTHORITY_BASES: dict[str, int] = {
    "北京市": 12, "天津市": 13, "河北省": 20, "上海市": 16, "江苏省": 30, "浙江省": 22,
    "宁波市": 5, "福建省": 13, "厦门市": 4, "山东省": 25, "青岛市": 5, "广东省": 22,
    "深圳市": 4, "海南省": 2,
    "山西省": 12, "安徽省": 17, "江西省": 14, "河南省": 18, "湖北省": 16, "湖南省": 14,
    "内蒙古自治区": 12, "广西壮族自治区": 11, "重庆市": 12, "四川省": 17, "贵州省": 12,
    "云南省": 11, "西藏自治区": 2, "陕西省": 13, "甘肃省": 9, "青海省": 5,
    "宁夏回族自治区": 6, "新疆维吾尔自治区": 9, "新疆生产建设兵团": 3,
    "辽宁省": 16, "大连市": 5, "吉林省": 9, "黑龙江省": 9,
}

# Inland rank used to correlate industry and location (coast 0 ... west 3).
REGION_INLAND: dict[str, float] = {"东部": 0.0, "东北": 1.0, "中部": 2.0, "西部": 3.0}


class Industry(NamedTuple):
    """A sub-sector (细分行业) of the contract vocabulary and its place in the demo."""

    domain: str  # 示范领域
    feature_area: str | None  # 特色指标领域, None outside the five areas
    bases: int  # bases of this industry after the 10th batch
    inland_tilt: float  # > 0 leans to inland regions, < 0 to the coast
    labels: tuple[str, ...]  # leading-industry (主导产业) labels to draw from


class Sector(NamedTuple):
    """Chosen economic profile of an industry."""

    va_ratio: float  # value added / sales revenue
    industrial_share: float  # industrial value added / value added
    energy: float  # t standard coal per 10,000 yuan of industrial value added
    water: float  # m3 per 10,000 yuan of industrial value added
    size_offset: float  # log offset on sales revenue


# Published: 原材料 95; the four big sectors (装备, 原材料, 消费品, 电子信息) 342; the other
# 103 in 软件和信息服务, 高技术转化应用, 产业转移合作, 大数据, 云计算, 数据中心, 工业互联网.
# Chosen: the split inside each group. 云计算 takes the 软件和信息服务/大数据 feature indicators.
INDUSTRIES: dict[str, Industry] = {
    "装备制造": Industry("装备工业", None, 62, 0.0,
                     ("工程机械", "数控机床", "电力装备", "轨道交通装备", "智能装备", "农机装备")),
    "汽车": Industry("装备工业", None, 22, -0.2, ("汽车及零部件", "新能源汽车")),
    "船舶": Industry("装备工业", None, 8, -1.0, ("船舶与海洋工程装备",)),
    "航空航天": Industry("装备工业", None, 12, 0.5, ("航空装备", "航天装备")),
    "安全应急": Industry("装备工业", None, 8, 0.0, ("安全应急装备",)),
    "节能环保": Industry("装备工业", None, 8, 0.0, ("节能环保装备",)),
    "石化化工": Industry("原材料工业", None, 32, 0.0, ("石油化工", "精细化工", "煤化工")),
    "钢铁": Industry("原材料工业", None, 14, 0.3, ("钢铁", "特殊钢")),
    "有色金属": Industry("原材料工业", None, 14, 1.0, ("铝及铝精深加工", "铜及铜加工", "稀土功能材料")),
    "建材": Industry("原材料工业", None, 10, 0.3, ("新型建材", "玻璃及制品")),
    "新材料": Industry("原材料工业", None, 25, 0.0, ("先进高分子材料", "新型电池材料", "化工新材料")),
    "轻工": Industry("消费品工业", None, 18, -0.6, ("家用电器", "家具", "造纸及纸制品")),
    "纺织": Industry("消费品工业", None, 15, -0.4, ("纺织服装", "化学纤维")),
    "食品": Industry("消费品工业", None, 20, 0.4, ("食品加工", "乳制品", "白酒")),
    "医药": Industry("消费品工业", None, 14, 0.0, ("生物医药", "现代中药")),
    "电子信息": Industry("信息产业", None, 60, -0.8, ("集成电路", "新型显示", "电子元器件", "通信设备")),
    "软件和信息服务": Industry("信息产业", "软件和信息服务/大数据", 28, -1.2, ("软件和信息服务",)),
    "高技术转化应用": Industry("高技术转化应用", "高技术转化应用", 26, 0.7,
                        ("航空航天转化应用", "电子信息转化应用", "新材料转化应用")),
    "产业转移合作": Industry("产业转移合作", "产业转移合作", 12, 1.2, ("装备制造", "电子信息", "轻工")),
    "大数据": Industry("新产业新业态", "软件和信息服务/大数据", 12, 1.0, ("大数据",)),
    "云计算": Industry("新产业新业态", "软件和信息服务/大数据", 5, 0.0, ("云计算",)),
    "数据中心": Industry("新产业新业态", "数据中心", 10, 1.2, ("数据中心",)),
    "工业互联网": Industry("新产业新业态", "工业互联网", 10, -0.5, ("工业互联网",)),
}

# Chosen sector profiles (see `Sector`).
SECTOR_PROFILE: dict[str, Sector] = {
    "装备制造": Sector(0.25, 0.92, 0.22, 8.0, 0.0),
    "汽车": Sector(0.22, 0.94, 0.20, 7.0, 0.4),
    "船舶": Sector(0.22, 0.93, 0.25, 9.0, -0.1),
    "航空航天": Sector(0.27, 0.92, 0.18, 7.0, -0.2),
    "安全应急": Sector(0.25, 0.90, 0.20, 7.0, -0.5),
    "节能环保": Sector(0.25, 0.90, 0.25, 9.0, -0.5),
    "石化化工": Sector(0.20, 0.96, 1.80, 35.0, 0.4),
    "钢铁": Sector(0.18, 0.97, 2.80, 25.0, 0.4),
    "有色金属": Sector(0.17, 0.96, 2.00, 30.0, 0.1),
    "建材": Sector(0.24, 0.95, 2.40, 15.0, -0.3),
    "新材料": Sector(0.23, 0.94, 0.90, 20.0, 0.0),
    "轻工": Sector(0.22, 0.93, 0.35, 25.0, 0.0),
    "纺织": Sector(0.20, 0.94, 0.50, 40.0, -0.1),
    "食品": Sector(0.24, 0.94, 0.40, 30.0, -0.1),
    "医药": Sector(0.32, 0.92, 0.30, 20.0, -0.3),
    "电子信息": Sector(0.22, 0.94, 0.15, 12.0, 0.5),
    "软件和信息服务": Sector(0.42, 0.25, 0.05, 3.0, 0.0),
    "高技术转化应用": Sector(0.28, 0.90, 0.25, 8.0, -0.6),
    "产业转移合作": Sector(0.23, 0.92, 0.35, 15.0, -0.7),
    "大数据": Sector(0.38, 0.30, 0.40, 6.0, -1.0),
    "云计算": Sector(0.40, 0.30, 0.40, 6.0, -0.9),
    "数据中心": Sector(0.45, 0.40, 1.50, 18.0, -1.6),
    "工业互联网": Sector(0.35, 0.50, 0.20, 6.0, -0.6),
}

# Chosen probabilities that a unit of an authority lies in a revolutionary base area,
# an ethnic-minority area, a border area (革命老区, 民族地区, 边疆地区).
SPECIAL_AREA_PROB: dict[str, tuple[float, float, float]] = {
    "河北省": (0.25, 0.0, 0.0), "山西省": (0.35, 0.0, 0.0), "内蒙古自治区": (0.10, 0.90, 0.35),
    "辽宁省": (0.05, 0.10, 0.10), "吉林省": (0.05, 0.25, 0.25), "黑龙江省": (0.05, 0.05, 0.30),
    "江苏省": (0.05, 0.0, 0.0), "浙江省": (0.05, 0.0, 0.0), "安徽省": (0.30, 0.0, 0.0),
    "福建省": (0.30, 0.0, 0.0), "江西省": (0.60, 0.0, 0.0), "山东省": (0.10, 0.0, 0.0),
    "河南省": (0.30, 0.0, 0.0), "湖北省": (0.30, 0.10, 0.0), "湖南省": (0.30, 0.15, 0.0),
    "广东省": (0.10, 0.0, 0.0), "广西壮族自治区": (0.30, 0.95, 0.20), "海南省": (0.10, 0.20, 0.0),
    "重庆市": (0.30, 0.10, 0.0), "四川省": (0.30, 0.20, 0.0), "贵州省": (0.30, 0.60, 0.0),
    "云南省": (0.10, 0.70, 0.35), "西藏自治区": (0.0, 1.0, 0.50), "陕西省": (0.50, 0.0, 0.0),
    "甘肃省": (0.30, 0.30, 0.05), "青海省": (0.0, 0.80, 0.0), "宁夏回族自治区": (0.20, 1.0, 0.0),
    "新疆维吾尔自治区": (0.0, 1.0, 0.40), "新疆生产建设兵团": (0.0, 0.80, 0.50),
}

# Local GDP growth (%), national path 2015-2025; authorities deviate by a fixed offset
# per region plus noise. 2020 is the pandemic low.
NATIONAL_GDP_GROWTH: dict[int, float] = {
    2015: 7.0, 2016: 6.8, 2017: 6.9, 2018: 6.7, 2019: 6.0, 2020: 2.2,
    2021: 8.4, 2022: 3.0, 2023: 5.2, 2024: 5.0, 2025: 5.0,
}
REGION_GDP_OFFSET: dict[str, float] = {"东部": 0.0, "中部": 0.4, "西部": 0.6, "东北": -1.2}

# Chosen GDP deflator (%) used to turn real value-added growth into nominal levels.
DEFLATOR: dict[int, float] = {2020: 0.5, 2021: 4.5, 2022: 2.0, 2023: -0.5, 2024: -0.7, 2025: -0.5}

DATA_YEARS: tuple[int, ...] = (2020, 2021, 2022, 2023, 2024, 2025)
APPLICATION_YEARS: dict[int, int] = {2023: 860, 2024: 850, 2025: 800}  # chosen, 2,510 applicants
APPLICANT_HISTORY_YEARS = 4  # annual rows for the application year and the three before it



def _expert_judged() -> tuple[tuple[str, ...], dict[str, tuple[str, ...]]]:
    """Ids scored by experts, read from the framework: the qualitative indicators, and per
    feature area every expert-judged condition (a qualitative feature, or the qualitative
    sub-condition of a mixed one such as F06b, F14a)."""
    framework = load_framework()
    common = tuple(ind.id for ind in framework.qualitative)
    by_area = {
        area.zh: tuple(
            node.id or feature.id
            for feature in framework.features_of(area.zh)
            for node in walk(feature.condition)
            if isinstance(node, Expert)
        )
        for area in framework.feature_areas
    }
    return common, by_area


QUALITATIVE_INDICATORS, FEATURE_QUALITATIVE = _expert_judged()
