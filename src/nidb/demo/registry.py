"""Synthetic registries: the bases, the applicants and the renamings.

Each registry row also carries private latent columns (prefixed with `_`) that the
annual form and the expert scores are drawn from; the writer drops them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from nidb.demo.profile import (
    APPLICANT_HISTORY_YEARS,
    APPLICATION_YEARS,
    AUTHORITY_BASES,
    AUTHORITY_PROVINCE,
    AUTHORITY_REGION,
    BATCHES,
    DATA_YEARS,
    INDUSTRIES,
    REGION_INLAND,
    SPECIAL_AREA_PROB,
)

SPECIAL_AREAS = ("革命老区", "民族地区", "边疆地区")
# Art. 7 names two pilot tasks (rules/open-lists-2023.yaml). 绿色园区 and 中小企业特色产业集群 are
# Art. 13 programmes and 智能制造示范区 is named nowhere in the measures: none is a pilot task.
PILOT_TASKS = ("中国软件名园", "国家安全应急产业示范基地")
# one draw per unit for each of the five tasks the demo once carried, so that the registry's
# later columns (drawn from the same stream) do not move
PILOT_TASK_DRAWS = 5

# Latent dimensions and their loading on the overall quality factor q.
LATENT_LOADINGS: dict[str, float] = {
    "scale": 0.85, "innovation": 0.75, "digital": 0.70, "green": 0.55,
    "ecosystem": 0.75, "openness": 0.60, "growth": 0.45,
}
TOP_SHARE = 0.08  # share of bases in the standing-out top group (five-star-like)
TOP_BOOST = 1.6  # shift of the top group on the quality factor
APPLICANT_QUALITY_MEAN = -0.2  # applicants are a weaker pool than announced bases
# An applicant's dimensions follow its overall quality more closely than a base's do, so
# that the declaration conditions are passed jointly by a sizeable minority.
APPLICANT_MIN_LOADING = 0.9
ZONE_CODE_SHARE = {"base": 0.90, "applicant": 0.72}
APPLICANTS_WITHOUT_STANDING = 6  # applicants neither in the catalogue nor recognised
RENAMES = 6


def _match_authorities(authorities: np.ndarray, industries: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Pair given authority slots with given industries so that inland industries go inland.

    Both inputs are multisets of the same size; the margins are kept exactly.
    """
    inland = pd.Series(authorities).map(AUTHORITY_REGION).map(REGION_INLAND).to_numpy()
    tilt = pd.Series(industries).map({i: spec.inland_tilt for i, spec in INDUSTRIES.items()}).to_numpy()
    slot_order = np.argsort(inland + rng.normal(0.0, 0.9, len(authorities)), kind="stable")
    unit_order = np.argsort(tilt + rng.normal(0.0, 1.3, len(industries)), kind="stable")
    out = np.empty(len(industries), dtype=object)
    out[unit_order] = authorities[slot_order]
    return out


def _leading_industry(industries: pd.Series, rng: np.random.Generator) -> np.ndarray:
    """A leading-industry label drawn from the labels of each unit's industry."""
    labels = pd.Series({i: spec.labels for i, spec in INDUSTRIES.items()})
    options = labels.loc[industries.to_numpy()].reset_index(drop=True)
    pick = (rng.random(len(options)) * options.str.len().to_numpy()).astype(int)
    return options.explode().to_numpy()[np.cumsum(np.r_[0, options.str.len().to_numpy()[:-1]]) + pick]


def _joined(hit: np.ndarray, labels: tuple[str, ...]) -> np.ndarray:
    """`;`-joined labels of the True columns of each row (None when none)."""
    text = pd.DataFrame(hit, columns=labels).dot(pd.Series([f"{x};" for x in labels], index=labels))
    return text.str.rstrip(";").replace("", None).to_numpy(dtype=object)


def _special_areas(authorities: pd.Series, rng: np.random.Generator) -> np.ndarray:
    """`;`-joined special-area types per unit (None when none)."""
    prob = pd.DataFrame(SPECIAL_AREA_PROB, index=list(SPECIAL_AREAS)).T
    prob = prob.reindex(authorities.to_numpy(), fill_value=0.0).to_numpy()
    return _joined(rng.random(prob.shape) < prob, SPECIAL_AREAS)


def _latents(q: np.ndarray, min_loading: float, rng: np.random.Generator) -> pd.DataFrame:
    """Latent dimensions correlated through the quality factor q."""
    out = {"_q": q}
    for name, lam in LATENT_LOADINGS.items():
        lam = max(lam, min_loading)
        out[f"_{name}"] = lam * q + np.sqrt(1.0 - lam**2) * rng.standard_normal(len(q))
    return pd.DataFrame(out)


def _pilot_tasks(industries: np.ndarray, scale: float, rng: np.random.Generator) -> np.ndarray:
    """`;`-joined Art. 7 pilot tasks: 中国软件名园 in software and data industries, 国家安全应急产业示范基地
    mostly in 安全应急; a minority of units carry any."""
    n = len(industries)
    soft = np.isin(industries, ["软件和信息服务", "大数据", "云计算"])
    safety = industries == "安全应急"
    prob = np.column_stack([
        np.where(soft, 0.45, 0.0),
        np.where(safety, 0.75, np.where(np.isin(industries, ["装备制造", "节能环保"]), 0.03, 0.0)),
    ]) * scale
    draws = rng.random((n, PILOT_TASK_DRAWS))[:, : len(PILOT_TASKS)]
    return _joined(draws < np.minimum(prob, 1.0), PILOT_TASKS)


def _zone_codes(units: pd.DataFrame, catalogue: pd.DataFrame, rng: np.random.Generator) -> pd.Series:
    """Catalogue codes without replacement within each province; State Council zones go to bases first."""
    cat = catalogue.loc[catalogue["code"] != "S377018", ["code", "province"]].copy()  # skip the duplicated code
    weight = np.where(cat["code"].str.startswith("G"), 4.0, 1.0)
    cat["_key"] = -np.log(rng.random(len(cat))) / weight  # weighted sampling without replacement
    cat = cat.sort_values(["province", "_key"], kind="stable")
    cat["_rank"] = cat.groupby("province").cumcount()

    share = units["_kind"].map(ZONE_CODE_SHARE).to_numpy()
    wants = rng.random(len(units)) < share
    want = units.loc[wants, ["_kind"]].copy()
    want["province"] = units.loc[wants, "authority"].map(AUTHORITY_PROVINCE)
    want["_order"] = np.where(want["_kind"] == "base", 0.0, 1.0) + rng.random(len(want))
    want = want.sort_values(["province", "_order"], kind="stable")
    want["_rank"] = want.groupby("province").cumcount()
    merged = want.reset_index().merge(cat[["province", "_rank", "code"]], on=["province", "_rank"], how="left")
    codes = pd.Series(pd.NA, index=units.index, dtype="string")
    codes.loc[merged["index"].to_numpy()] = merged["code"].to_numpy()
    return codes


def _units(kind: str, authorities: np.ndarray, industries: np.ndarray, q: np.ndarray,
           rng: np.random.Generator) -> pd.DataFrame:
    """Registry columns shared by bases and applicants (ids and names are set by the caller)."""
    n = len(industries)
    authority = pd.Series(authorities, dtype=object)
    industry = pd.Series(industries, dtype=object)
    dc_large = rng.random(n) < 0.7
    frame = pd.DataFrame({
        "authority": authorities,
        "region": authority.map(AUTHORITY_REGION).to_numpy(),
        "domain": industry.map({i: spec.domain for i, spec in INDUSTRIES.items()}).to_numpy(),
        "industry": industries,
        "feature_area": industry.map({i: spec.feature_area for i, spec in INDUSTRIES.items()}).to_numpy(dtype=object),
        "leading_industry": _leading_industry(industry, rng),
        "special_areas": _special_areas(authority, rng),
        "dc_size_class": np.where(industries == "数据中心", np.where(dc_large, "大型以上", "中小型"), None),
    })
    latents = _latents(q, 0.0 if kind == "base" else APPLICANT_MIN_LOADING, rng)
    frame = pd.concat([frame, latents], axis=1)
    frame["pilot_tasks"] = _pilot_tasks(industries, 1.0 if kind == "base" else 0.45, rng)
    frame["_kind"] = kind
    return frame


def _standing(units: pd.DataFrame, catalogue: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Set zone_code from the catalogue and provincial_recognition for the others."""
    units = units.copy()
    units["zone_code"] = _zone_codes(units, catalogue, rng)
    listed = units["zone_code"].notna().to_numpy()
    recognised = ~listed
    unlisted_applicants = np.flatnonzero(~listed & (units["_kind"] == "applicant").to_numpy())
    neither = rng.choice(unlisted_applicants, size=APPLICANTS_WITHOUT_STANDING, replace=False)
    recognised[neither] = False
    units["provincial_recognition"] = pd.array(recognised, dtype="boolean")
    return units


def _names(prefix: str, width: int, units: pd.DataFrame) -> pd.Series:
    """Synthetic names: `示例基地-001（主导产业·推荐单位）`."""
    number = pd.Series(np.arange(1, len(units) + 1), index=units.index).astype(str).str.zfill(width)
    return prefix + "-" + number + "（" + units["leading_industry"] + "·" + units["authority"] + "）"


def registries(catalogue: pd.DataFrame, rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The bases, the applicants and the renamings, with private latent columns."""
    # bases: exact published margins (batch, authority, industry)
    batch = np.concatenate([np.full(n, b) for b, _, n in BATCHES])
    year = np.concatenate([np.full(n, y) for _, y, n in BATCHES])
    industries = np.repeat(np.array(list(INDUSTRIES), dtype=object), [spec.bases for spec in INDUSTRIES.values()])
    industries = industries[rng.permutation(len(industries))]
    slots = np.repeat(np.array(list(AUTHORITY_BASES), dtype=object), list(AUTHORITY_BASES.values()))
    authorities = _match_authorities(slots, industries, rng)
    n_bases = len(industries)
    q = rng.standard_normal(n_bases)
    top = rng.permutation(n_bases)[: round(TOP_SHARE * n_bases)]
    q[top] += TOP_BOOST
    bases = _units("base", authorities, industries, q, rng)
    bases["batch"] = batch
    bases["year_announced"] = year
    bases["_first_year"] = DATA_YEARS[0]
    bases["_last_year"] = DATA_YEARS[-1]

    # applicants: margins drawn around the bases' mix, flatter across authorities
    n_app = sum(APPLICATION_YEARS.values())
    auth_w = np.array([n + 12.0 for n in AUTHORITY_BASES.values()])
    app_slots = rng.choice(np.array(list(AUTHORITY_BASES), dtype=object), size=n_app, p=auth_w / auth_w.sum())
    ind_w = np.array([spec.bases + 4.0 for spec in INDUSTRIES.values()])
    app_ind = rng.choice(np.array(list(INDUSTRIES), dtype=object), size=n_app, p=ind_w / ind_w.sum())
    app_auth = _match_authorities(app_slots, app_ind, rng)
    app_q = APPLICANT_QUALITY_MEAN + rng.standard_normal(n_app)
    applicants = _units("applicant", app_auth, app_ind, app_q, rng)
    app_year = np.concatenate([np.full(n, y) for y, n in APPLICATION_YEARS.items()])
    applicants["application_year"] = app_year[rng.permutation(n_app)]
    applicants["_first_year"] = applicants["application_year"] - (APPLICANT_HISTORY_YEARS - 1)
    applicants["_last_year"] = applicants["application_year"]

    units = _standing(pd.concat([bases, applicants], ignore_index=True), catalogue, rng)
    bases = units.iloc[:n_bases].reset_index(drop=True)
    applicants = units.iloc[n_bases:].reset_index(drop=True)
    bases.insert(0, "base_id", [f"B{k:04d}" for k in range(1, n_bases + 1)])
    bases.insert(1, "name", _names("示例基地", 3, bases).to_numpy())
    applicants.insert(0, "applicant_id", [f"A{k:04d}" for k in range(1, n_app + 1)])
    applicants.insert(1, "name", _names("示例申报对象", 4, applicants).to_numpy())

    renamed = np.sort(rng.choice(n_bases, size=RENAMES, replace=False))
    low = np.maximum(bases["year_announced"].to_numpy()[renamed] + 1, DATA_YEARS[1])
    renames = pd.DataFrame({
        "base_id": bases["base_id"].to_numpy()[renamed],
        "year": low + (rng.random(RENAMES) * (DATA_YEARS[-1] + 1 - low)).astype(int),
        "old_name": _names("示例基地", 3, bases).str.replace("（", "旧称（", n=1).to_numpy()[renamed],
        "new_name": bases["name"].to_numpy()[renamed],
        "reason": rng.choice(np.array(["所在行政区划调整", "所在开发区更名"], dtype=object), size=RENAMES),
    })
    return bases, applicants, renames
