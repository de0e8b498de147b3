"""Synthetic annual report form: one row per unit and year, drawn from the unit latents.

Every series is simulated on a wide grid (units x 2019-2025) from a 2019 baseline and
then cut to each unit's reporting window: 2020-2025 for bases, the application year
and the three years before it for applicants.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from nidb.demo.profile import DATA_YEARS, DEFLATOR, SECTOR_PROFILE, Sector

GRID_YEARS = np.arange(DATA_YEARS[0] - 1, DATA_YEARS[-1] + 1)  # 2019 is the unreported baseline

# Chosen log-normal scale of 2019 sales revenue (亿元): median and log-sd by unit kind.
SALES_MEDIAN = {"base": 470.0, "applicant": 190.0}
SALES_LOG_SD = {"base": 0.95, "applicant": 0.85}
SALES_TAIL_KNEE = (6000.0, 0.6)  # above the knee the log-normal tail is compressed (largest ≈ 1-2 万亿)
SALES_Q_EFFECT = 0.15  # extra pull of quality on the size of bases (large five-star bases)
GIANTS = (9900.0, 10500.0, 12000.0)  # minimum 2019 sales of the three largest bases (亿元)
SPECIAL_AREA_SALES_FACTOR = 0.8  # special-area applicants sit lower, many near 150 亿元
# R&D intensity relative to the median: raw materials lower, research-intensive industries higher.
RD_FACTOR_RAW_MATERIALS = 0.7
RD_FACTOR_INTENSIVE = 1.3
RD_INTENSIVE = ("电子信息", "软件和信息服务", "医药", "航空航天", "高技术转化应用")
# Idiosyncratic noise of applicants relative to bases (their fields track quality more closely).
NOISE_SCALE = {"base": 1.0, "applicant": 0.6}

# Missing-value rates per field (share of unit-years); feature fields are missing more often.
MISSING_RATE_CORE = {
    "sales_revenue": 0.01, "leading_industry_revenue": 0.03, "value_added": 0.02,
    "value_added_growth": 0.03, "employees": 0.02, "land_area": 0.02, "rd_expenditure": 0.04,
    "above_scale_revenue": 0.03, "above_scale_firms": 0.02, "high_value_patents": 0.05,
    "national_rd_institutions": 0.02, "provincial_rd_institutions": 0.02, "standards_count": 0.05,
    "qms_certification_rate": 0.05, "digital_rd_tool_rate": 0.04, "nc_key_process_rate": 0.04,
    "industrial_value_added": 0.03, "energy_consumption": 0.05, "water_use": 0.06,
}
MISSING_RATE_FEATURE = 0.08
EVENT_YEARS = (2021, 2025)  # compliance events of bases fall in these years, after announcement
# Declarations are checked for completeness before they are submitted, so applicants leave
# fewer fields empty than bases do in their annual forms; weak units leave more empty.
MISSING_FACTOR_APPLICANT = 0.35
MISSING_FACTOR_WEAK = 1.6

FEATURE_FIELDS = {
    "产业转移合作": ("cobuilding_parties", "industrial_va_growth", "industrial_investment_growth",
                 "new_project_investment", "new_enterprises"),
    "工业互联网": ("external_network_coverage", "iiot_network_coverage", "device_networking_rate",
              "cloud_platform_rate"),
    "数据中心": ("dc_design_racks", "dc_operation", "dc_it_load_rate", "dc_pue", "dc_design_pue",
             "dc_operating_under_one_year", "dc_green_grade", "dc_national_green_list",
             "dc_compute_efficiency_target"),
}


def _expit(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


class _Grid:
    """Draws on the units x years grid: a persistent unit effect plus yearly noise."""

    def __init__(self, scale: np.ndarray, rng: np.random.Generator):
        self.n, self.t, self.rng = len(scale), len(GRID_YEARS), rng
        self.scale = scale[:, None]
        self.trend = (GRID_YEARS - 2022)[None, :].astype(float)

    def noise(self, sd_unit: float, sd_year: float) -> np.ndarray:
        return self.scale * (self.rng.normal(0.0, sd_unit, (self.n, 1))
                             + self.rng.normal(0.0, sd_year, (self.n, self.t)))

    def counts(self, lam: np.ndarray, growth: float) -> np.ndarray:
        """A stock that starts Poisson(lam) and grows by Poisson(growth * lam) each year."""
        start = self.rng.poisson(lam)[:, None]
        steps = self.rng.poisson(np.repeat(growth * lam[:, None], self.t - 1, axis=1))
        return np.concatenate([start, start + np.cumsum(steps, axis=1)], axis=1).astype(float)


def _core(units: pd.DataFrame, gdp: np.ndarray, g: _Grid) -> dict[str, np.ndarray]:
    """Scale, innovation, digital and green fields on the grid."""
    col = lambda name: units[name].to_numpy(dtype=float)[:, None]  # noqa: E731
    q, scale, innov, digital, green, growth = (col(c) for c in
                                               ("_q", "_scale", "_innovation", "_digital", "_green", "_growth"))
    kind = units["_kind"].to_numpy()
    is_base = (kind == "base")[:, None]
    profile = pd.DataFrame(SECTOR_PROFILE, index=Sector._fields).T.loc[units["industry"]].to_numpy(dtype=float)
    va_ratio0, iva_share0, energy0, water0, sales_offset = (profile[:, k][:, None] for k in range(5))
    special = units["special_areas"].notna().to_numpy()[:, None]

    median = np.where(is_base, SALES_MEDIAN["base"], SALES_MEDIAN["applicant"])
    log_sd = np.where(is_base, SALES_LOG_SD["base"], SALES_LOG_SD["applicant"])
    special_factor = np.where(~is_base & special, SPECIAL_AREA_SALES_FACTOR, 1.0)
    sales0 = median * special_factor * np.exp(log_sd * scale + np.where(is_base, SALES_Q_EFFECT, 0.0) * q
                                              + sales_offset + g.noise(0.25, 0.0)[:, :1])
    knee, power = SALES_TAIL_KNEE
    sales0 = np.where(sales0 > knee, knee * (sales0 / knee) ** power, sales0)
    # published: three bases above 1 万亿元 in 2020; lift the largest bases there if the draw fell short
    largest = np.argsort(np.where(is_base[:, 0], sales0[:, 0], -1.0))[-len(GIANTS):]
    sales0[largest, 0] = np.maximum(sales0[largest, 0], np.array(GIANTS))

    # real value-added growth follows local GDP plus a unit premium; levels follow nominal growth
    premium = np.where(is_base, 1.6 + 1.8 * growth + 0.6 * q, 2.0 + 2.0 * growth + 1.0 * q)
    real_growth = gdp + premium + g.noise(0.0, 2.6)
    deflator = np.array([0.0] + [DEFLATOR[y] for y in GRID_YEARS[1:]])[None, :]
    nominal = np.where(np.arange(g.t)[None, :] == 0, 0.0, real_growth + deflator)
    va_ratio = np.clip(va_ratio0 * np.exp(g.noise(0.12, 0.02)), 0.05, 0.7)
    va0 = sales0 * va_ratio[:, :1]
    value_added = va0 * np.cumprod(1.0 + nominal / 100.0, axis=1)
    sales = value_added / va_ratio

    lead_share = _expit(0.75 + 0.45 * q + g.noise(0.75, 0.08))
    productivity = 25.0 * np.exp(0.15 * scale + 0.06 * innov + g.noise(0.22, 0.04) + 0.05 * g.trend)  # 万元/人
    land0 = sales[:, :1] * 1e4 / (np.where(is_base, 5600.0, 3900.0) * np.exp(0.30 * scale + g.noise(0.42, 0.0)[:, :1]))
    land = np.clip(land0 * np.exp(0.02 * (g.trend + 3)), 1.0, 100000.0)
    rd_factor = np.where(units["domain"].to_numpy() == "原材料工业", RD_FACTOR_RAW_MATERIALS,
                         np.where(units["industry"].isin(RD_INTENSIVE).to_numpy(), RD_FACTOR_INTENSIVE, 1.0))[:, None]
    rd_intensity = 2.55 * rd_factor * np.exp(0.32 * innov + g.noise(0.25, 0.06) + 0.03 * g.trend)  # % of sales
    above_share = _expit(2.0 + 0.3 * q + g.noise(0.5, 0.05))
    above_revenue = sales * above_share
    firm_size = 4.6 * np.exp(0.3 * scale + g.noise(0.4, 0.03))  # 亿元 per above-scale firm (75,000 firms in 2020)
    patent_density = 2.8 * np.exp(0.36 * innov + g.noise(0.3, 0.08) + 0.06 * g.trend)  # per 亿元
    size = np.log(sales[:, :1] / 500.0)
    national = g.counts(np.exp(-0.4 + 0.55 * innov[:, 0] + 0.35 * size[:, 0]), 0.06)
    provincial = g.counts(np.exp(1.7 + 0.40 * innov[:, 0] + 0.35 * size[:, 0]), 0.08)
    standards = g.rng.poisson(np.exp(1.6 + 0.5 * innov + 0.5 * size + g.noise(0.2, 0.0))).astype(float)
    qms = 100 * _expit(0.95 + 0.45 * innov + 0.3 * q + g.noise(0.45, 0.08) + 0.06 * g.trend)
    digital_tools = 100 * _expit(1.45 + 0.40 * digital + 0.25 * q + g.noise(0.30, 0.05) + 0.07 * g.trend)
    nc_rate = 100 * _expit(0.45 + 0.40 * digital + 0.25 * q + g.noise(0.30, 0.05) + 0.08 * g.trend)
    iva = value_added * np.clip(iva_share0 * np.exp(g.noise(0.03, 0.01)), 0.05, 1.0)
    energy_intensity = energy0 * np.exp(-0.28 * green + g.noise(0.25, 0.03) - 0.03 * g.trend)  # t/万元
    water_intensity = water0 * np.exp(-0.28 * green + g.noise(0.30, 0.04) - 0.04 * g.trend)  # m3/万元
    return {
        "sales_revenue": np.round(sales, 2),
        "leading_industry_revenue": np.round(sales * lead_share, 2),
        "value_added": np.round(value_added, 2),
        "value_added_growth": np.round(real_growth, 1),
        "employees": np.round(value_added * 1e4 / productivity),
        "land_area": np.round(land, 1),
        "rd_expenditure": np.round(sales * rd_intensity / 100.0, 2),
        "above_scale_revenue": np.round(above_revenue, 2),
        "above_scale_firms": np.maximum(np.round(above_revenue / firm_size), 1.0),
        "high_value_patents": np.round(above_revenue * patent_density),
        "national_rd_institutions": national,
        "provincial_rd_institutions": provincial,
        "standards_count": standards,
        "qms_certification_rate": np.round(qms, 1),
        "digital_rd_tool_rate": np.round(digital_tools, 1),
        "nc_key_process_rate": np.round(nc_rate, 1),
        "industrial_value_added": np.round(iva, 2),
        "energy_consumption": np.round(energy_intensity * iva, 2),
        "water_use": np.round(water_intensity * iva, 1),
    }


def _transfer(q: np.ndarray, g: _Grid) -> dict[str, np.ndarray]:
    """Feature fields of 产业转移合作 units (feature indicators F06, F07)."""
    parties = 1.0 + g.rng.poisson(np.exp(0.5 + 0.3 * q[:, 0]))[:, None] + np.zeros((1, g.t))
    return {
        "cobuilding_parties": np.minimum(parties, 100.0),
        "industrial_va_growth": np.round(10.5 + 2.5 * q + g.noise(2.0, 3.0), 1),
        "industrial_investment_growth": np.round(12.0 + 3.0 * q + g.noise(3.0, 7.0), 1),
        "new_project_investment": np.round(32.0 * np.exp(0.4 * q + g.noise(0.35, 0.3)), 2),
        "new_enterprises": np.round(70.0 * np.exp(0.35 * q + g.noise(0.3, 0.25))),
    }


def _internet(q: np.ndarray, g: _Grid) -> dict[str, np.ndarray]:
    """Feature fields of 工业互联网 units (feature indicators F12, F14)."""
    rate = lambda centre, sd: np.round(100 * _expit(centre + 0.4 * q + g.noise(sd, 0.1) + 0.1 * g.trend), 1)  # noqa: E731
    return {
        "external_network_coverage": rate(-0.1, 0.6),
        "iiot_network_coverage": rate(-0.2, 0.6),
        "device_networking_rate": rate(0.3, 0.5),
        "cloud_platform_rate": rate(-0.2, 0.6),
    }


def _data_centre(units: pd.DataFrame, q: np.ndarray, g: _Grid) -> dict[str, np.ndarray]:
    """Feature fields of 数据中心 units (feature indicators F17-F19), by size class."""
    large = (units["dc_size_class"] == "大型以上").to_numpy()[:, None]
    racks = np.where(large, 9000.0 * np.exp(g.noise(0.7, 0.0)), 1200.0 * np.exp(g.noise(0.5, 0.0)))
    racks = np.round(np.where(large, np.maximum(racks, 3000.0), np.clip(racks, 300.0, 2999.0)))
    start = 2019 + g.rng.choice([-5, -3, -1, 1, 2, 3], size=(g.n, 1), p=[0.35, 0.25, 0.15, 0.1, 0.1, 0.05])
    years = GRID_YEARS[None, :]
    age = years - start
    full = g.rng.random((g.n, 1)) < np.where(large, 0.55, 0.85)
    operation = np.where(age < 0, "未投产", np.where((age >= 2) | full, "全部投产", "部分投产"))
    load = 100 * _expit(np.where(large, 0.0, 0.4) + 0.4 * q + g.noise(0.5, 0.15) + 0.12 * np.minimum(age, 4))
    pue = np.where(large, 1.27, 1.42) - 0.04 * q + g.noise(0.06, 0.015) - 0.01 * g.trend
    design_pue = np.minimum(pue - 0.05 + g.noise(0.02, 0.0), pue)
    grade_score = 2.8 + 0.8 * q + g.noise(0.8, 0.2) + 0.15 * g.trend
    grades = np.array(["无", "1A", "2A", "3A", "4A", "5A"], dtype=object)
    grade = grades[np.clip(np.round(grade_score), 0, 5).astype(int)]
    green_list = (grade_score + g.noise(0.6, 0.0)) > 3.9
    target = g.rng.random((g.n, 1)) < _expit(0.6 + 0.8 * q)
    operating = age >= 0
    return {
        "dc_design_racks": racks,
        "dc_operation": operation,
        "dc_it_load_rate": np.where(operating, np.round(load, 1), np.nan),
        "dc_pue": np.where(operating, np.round(np.clip(pue, 1.05, 2.5), 2), np.nan),
        "dc_design_pue": np.round(np.clip(design_pue, 1.05, 2.5), 2),
        "dc_operating_under_one_year": age < 1,
        "dc_green_grade": grade,
        "dc_national_green_list": green_list & operating,
        "dc_compute_efficiency_target": np.repeat(target, g.t, axis=1),
    }


def _compliance(annual: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Compliance events: rare incidents, a few vetoes, one unrectified finding, one fraud case."""
    n = len(annual)
    env = np.full(n, "无", dtype=object)
    safety = np.full(n, "无", dtype=object)
    unrectified = np.zeros(n, dtype=bool)
    fraud = np.zeros(n, dtype=bool)
    is_base = annual["unit_id"].str.startswith("B").to_numpy()
    app_rows = np.flatnonzero(~is_base)

    # bases: one event each on distinct bases, in a year after the base's announcement
    env_levels = ["Ⅳ级"] * 4 + ["Ⅲ级"] * 2 + ["Ⅱ级"] * 2
    safety_levels = ["一般"] * 8 + ["较大"] * 3 + ["重大"] * 2
    n_events = len(env_levels) + len(safety_levels) + 2
    first = annual.loc[is_base].groupby("unit_id")["_event_from"].first()
    pick = rng.choice(len(first), size=n_events, replace=False)
    low = first.to_numpy()[pick]
    years = low + (rng.random(n_events) * (EVENT_YEARS[1] + 1 - low)).astype(int)
    rows = pd.MultiIndex.from_frame(annual[["unit_id", "year"]]).get_indexer(
        pd.MultiIndex.from_arrays([first.index.to_numpy()[pick], years]))
    env[rows[: len(env_levels)]] = env_levels
    safety[rows[len(env_levels): len(env_levels) + len(safety_levels)]] = safety_levels
    unrectified[rows[-2]] = True
    fraud[rows[-1]] = True

    # applicants: background rates of minor events plus a handful of vetoes
    u = rng.random(len(app_rows))
    env[app_rows[u < 0.012]] = "Ⅳ级"
    env[app_rows[(u >= 0.012) & (u < 0.016)]] = "Ⅲ级"
    env[app_rows[(u >= 0.016) & (u < 0.0185)]] = "Ⅱ级"
    v = rng.random(len(app_rows))
    safety[app_rows[v < 0.02]] = "一般"
    safety[app_rows[(v >= 0.02) & (v < 0.025)]] = "较大"
    safety[app_rows[(v >= 0.025) & (v < 0.027)]] = "重大"

    return annual.assign(
        env_incident_level=env,
        safety_accident_level=safety,
        unrectified_inspection=pd.array(unrectified, dtype="boolean"),
        fraud_found=pd.array(fraud, dtype="boolean"),
    )


def _long(wide: dict[str, np.ndarray], keep: np.ndarray) -> dict[str, np.ndarray]:
    """Flatten grid arrays row-major (unit, year) and keep the reporting window."""
    return {name: arr.reshape(-1)[keep] for name, arr in wide.items()}


def annual_table(units: pd.DataFrame, gdp: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """The annual form for all units (bases and applicants), without missing values applied yet."""
    n = len(units)
    g = _Grid(units["_kind"].map(NOISE_SCALE).to_numpy(dtype=float), rng)
    gdp_wide = gdp.pivot(index="authority", columns="year", values="gdp_growth")
    gdp_grid = gdp_wide.loc[units["authority"], GRID_YEARS].to_numpy(dtype=float)
    wide = _core(units, gdp_grid, g)
    q = units["_q"].to_numpy(dtype=float)[:, None]
    for area, builder in (("产业转移合作", lambda: _transfer(q, g)), ("工业互联网", lambda: _internet(q, g)),
                          ("数据中心", lambda: _data_centre(units, q, g))):
        in_area = (units["feature_area"] == area).to_numpy()[:, None]
        for name, arr in builder().items():
            if arr.dtype.kind in "UOb":  # categories and flags: None outside the area
                wide[name] = np.where(in_area, arr.astype(object), None)
            else:
                wide[name] = np.where(in_area, arr, np.nan)

    years = np.broadcast_to(GRID_YEARS[None, :], (n, g.t))
    window = ((years >= units["_first_year"].to_numpy(dtype=int)[:, None])
              & (years <= units["_last_year"].to_numpy(dtype=int)[:, None]))
    keep = window.reshape(-1)
    frame = pd.DataFrame({
        "unit_id": np.repeat(units["unit_id"].to_numpy(), g.t)[keep],
        "year": years.reshape(-1)[keep],
        **_long(wide, keep),
        "_weak": np.repeat(q[:, 0] < -1.0, g.t)[keep],
        "_event_from": np.repeat(np.maximum(units["year_announced"].fillna(0).to_numpy(dtype=int) + 1,
                                            EVENT_YEARS[0]), g.t)[keep],
    })
    return _compliance(frame, rng).drop(columns="_event_from")


def apply_missing(annual: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Blank fields at realistic rates; weak units leave fields empty a little more often."""
    annual = annual.copy()
    factor = (np.where(annual["_weak"].to_numpy(), MISSING_FACTOR_WEAK, 1.0)
              * np.where(annual["unit_id"].str.startswith("A").to_numpy(), MISSING_FACTOR_APPLICANT, 1.0))
    for name, rate in MISSING_RATE_CORE.items():
        hit = rng.random(len(annual)) < rate * factor
        annual.loc[hit, name] = np.nan
    for fields in FEATURE_FIELDS.values():
        for name in fields:
            present = annual[name].notna().to_numpy()
            hit = present & (rng.random(len(annual)) < MISSING_RATE_FEATURE * factor)
            annual.loc[hit, name] = np.nan if annual[name].dtype.kind == "f" else None
    return annual.drop(columns="_weak")
