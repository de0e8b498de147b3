"""所在地市 of the demo units and the city rows of the GDP-growth table (#2 「当地」).

Real prefecture-level city names are used as place names only: which synthetic unit lies in
which city is random, and every city growth figure is synthetic. A municipality, a
计划单列市 and the Corps are their own city (their row is the authority's row). Only some
cities get GDP rows, a few of them from a later year on, so the demo exercises each path of
`local_gdp_level: city`: the city's row, the province's row for a city without one, and a
window that mixes the two.

Drawn from their own random stream (the other tables do not move when these change).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: prefecture-level cities per recommending authority (chosen: a few per province)
AUTHORITY_CITIES: dict[str, tuple[str, ...]] = {
    "北京市": ("北京市",), "天津市": ("天津市",), "上海市": ("上海市",), "重庆市": ("重庆市",),
    "大连市": ("大连市",), "青岛市": ("青岛市",), "宁波市": ("宁波市",), "厦门市": ("厦门市",),
    "深圳市": ("深圳市",),
    "河北省": ("石家庄市", "唐山市", "保定市", "邯郸市", "沧州市"),
    "山西省": ("太原市", "大同市", "长治市", "晋城市"),
    "内蒙古自治区": ("呼和浩特市", "包头市", "鄂尔多斯市", "赤峰市"),
    "辽宁省": ("沈阳市", "鞍山市", "营口市", "锦州市"),
    "吉林省": ("长春市", "吉林市", "四平市"),
    "黑龙江省": ("哈尔滨市", "齐齐哈尔市", "大庆市"),
    "江苏省": ("南京市", "苏州市", "无锡市", "常州市", "南通市", "徐州市"),
    "浙江省": ("杭州市", "嘉兴市", "绍兴市", "台州市", "温州市"),
    "安徽省": ("合肥市", "芜湖市", "马鞍山市", "蚌埠市"),
    "福建省": ("福州市", "泉州市", "漳州市", "莆田市"),
    "江西省": ("南昌市", "赣州市", "九江市", "上饶市"),
    "山东省": ("济南市", "烟台市", "潍坊市", "淄博市", "济宁市"),
    "河南省": ("郑州市", "洛阳市", "新乡市", "许昌市"),
    "湖北省": ("武汉市", "襄阳市", "宜昌市", "黄石市"),
    "湖南省": ("长沙市", "株洲市", "湘潭市", "岳阳市"),
    "广东省": ("广州市", "佛山市", "东莞市", "惠州市", "珠海市"),
    "广西壮族自治区": ("南宁市", "柳州市", "桂林市", "百色市"),
    "海南省": ("海口市", "三亚市"),
    "四川省": ("成都市", "绵阳市", "德阳市", "宜宾市"),
    "贵州省": ("贵阳市", "遵义市", "毕节市"),
    "云南省": ("昆明市", "曲靖市", "玉溪市", "红河哈尼族彝族自治州"),
    "西藏自治区": ("拉萨市",),
    "陕西省": ("西安市", "宝鸡市", "咸阳市", "榆林市"),
    "甘肃省": ("兰州市", "金昌市", "酒泉市"),
    "青海省": ("西宁市", "海西蒙古族藏族自治州"),
    "宁夏回族自治区": ("银川市", "石嘴山市"),
    "新疆维吾尔自治区": ("乌鲁木齐市", "克拉玛依市", "昌吉回族自治州"),
    "新疆生产建设兵团": ("石河子市", "五家渠市", "阿拉尔市"),
}
CITY_STREAM = 11  # the cities draw from default_rng([seed, CITY_STREAM])
CITY_WITH_GDP = 0.55  # share of prefecture-level cities with GDP rows
LATE_START_SHARE = 0.2  # share of those whose rows start only in LATE_START_YEAR
LATE_START_YEAR = 2024
CITY_OFFSET_SD, CITY_NOISE_SD = 0.8, 0.4  # a city's growth: its province's + a fixed offset + noise


def unit_cities(authorities: pd.Series, rng: np.random.Generator) -> np.ndarray:
    """A city of each unit's authority, drawn uniformly."""
    options = authorities.map(AUTHORITY_CITIES)
    pick = (rng.random(len(options)) * options.str.len().to_numpy()).astype(int)
    return np.array([cities[k] for cities, k in zip(options, pick)], dtype=object)


def city_gdp_rows(authority_gdp: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """GDP rows (area, year, gdp_growth) for a share of the cities that are not authorities
    themselves: the province's growth plus a fixed city offset and noise."""
    authorities = set(AUTHORITY_CITIES)
    pairs = [(a, c) for a, cities in AUTHORITY_CITIES.items() for c in cities if c not in authorities]
    chosen = [p for p, keep in zip(pairs, rng.random(len(pairs)) < CITY_WITH_GDP) if keep]
    late = rng.random(len(chosen)) < LATE_START_SHARE
    offset = rng.normal(0.0, CITY_OFFSET_SD, len(chosen))
    wide = authority_gdp.pivot(index="authority", columns="year", values="gdp_growth")
    years = wide.columns.to_numpy()
    parts = []
    for (authority, city), starts_late, shift in zip(chosen, late, offset):
        keep = years >= LATE_START_YEAR if starts_late else np.ones(len(years), dtype=bool)
        growth = wide.loc[authority].to_numpy()[keep] + shift + rng.normal(0.0, CITY_NOISE_SD, keep.sum())
        parts.append(pd.DataFrame({"area": city, "year": years[keep], "gdp_growth": np.round(growth, 1)}))
    return pd.concat(parts, ignore_index=True)


def with_cities(bases: pd.DataFrame, applicants: pd.DataFrame, authority_gdp: pd.DataFrame,
                rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Bases and applicants with 所在地市 (`city`), and the GDP table keyed by area: every
    authority's rows, then the city rows."""
    bases = bases.assign(city=unit_cities(bases["authority"], rng))
    applicants = applicants.assign(city=unit_cities(applicants["authority"], rng))
    gdp = pd.concat([authority_gdp.rename(columns={"authority": "area"}), city_gdp_rows(authority_gdp, rng)],
                    ignore_index=True)
    return bases, applicants, gdp
