"""Dynamic management over the panel of years (Art. 18, 22, 23, 24, 25).

``base_status`` is the pure rule step: given the registry, the stars of the
evaluated base-years, the compliance events of the annual forms and the renamings,
it returns the status of every base in every year, the events (first evaluation,
warning, each revocation reason, renaming, batch suspension) and the Art. 25
suspensions. The rules are data: ``rules/lifecycle-2023.yaml``.

Status values (``status``): 未到参评年份, 正常, 预警, 未提交年度报表 / 数据不全 (due
but not rated, Art. 19: see ``nidb.evaluation.annual.rating_coverage``), 无评价结果
(due, not rated, no reason given), 撤销 (revoked in that year), 已撤销 (revoked in an
earlier year; not evaluated any more).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from nidb.errors import ConfigError, InputError, Problem
from nidb.inputs.contract import load_contract
from nidb.yamlfile import check_kind, read_yaml

RULES_PATH = Path(__file__).parent.parent / "rules" / "lifecycle-2023.yaml"

STATUS_NOT_YET = "未到参评年份"
STATUS_NORMAL = "正常"
STATUS_WARNING = "预警"
STATUS_UNRATED = "无评价结果"
STATUS_NO_FORM = "未提交年度报表"
STATUS_INCOMPLETE = "数据不全"
STATUS_REVOKED = "撤销"
STATUS_GONE = "已撤销"
STATUSES = (
    STATUS_NOT_YET, STATUS_NORMAL, STATUS_WARNING, STATUS_NO_FORM, STATUS_INCOMPLETE, STATUS_UNRATED, STATUS_REVOKED,
    STATUS_GONE,
)
#: Art. 23 (3) with gaps: how a year the base was due but not rated enters a run of low years
UNRATED_YEAR = ("counts_as_low", "skipped", "resets")
UNRATED_COLUMNS = ["base_id", "year", "status", "reason"]

EVENT_COLUMNS = ["base_id", "year", "event_code", "event", "article", "reason"]
SUSPENSION_COLUMNS = ["province", "authority", "year", "base_id", "suspended_batch", "article", "reason"]
#: Art. 25 「暂停所在省（区、市）下一批的申报工作」: the province of each authority that is not one
#: (计划单列市 → their province; 兵团 → the region it lies in); the rules file may change it
SUSPENSION_PROVINCE = {
    "大连市": "辽宁省", "青岛市": "山东省", "宁波市": "浙江省", "厦门市": "福建省", "深圳市": "广东省",
    "新疆生产建设兵团": "新疆维吾尔自治区",
}
COMPLIANCE_COLUMNS = [
    "env_incident_level",
    "safety_accident_level",
    "unrectified_inspection",
    "fraud_found",
]
REGISTRY_COLUMNS = ["name", "authority", "region", "domain", "batch", "year_announced"]

#: Revocation reasons: code → (article, Chinese label).
REVOCATION_REASONS = {
    "env_incident": ("第二十三条第（一）项", "发生Ⅱ级及以上突发环境污染事件"),
    "safety_accident": ("第二十三条第（一）项", "发生重大或特别重大生产安全事故"),
    "inspection": ("第二十三条第（二）项", "国家专项督察发现的生态环保、安全生产问题未按期完成整改"),
    "fraud": ("第二十五条", "查实弄虚作假，直接取消称号"),
    "low_stars": ("第二十三条第（三）项", "连续两年评价结果为二星及以下"),
}


@dataclass(frozen=True)
class LifecycleRules:
    """The dynamic management rules; see ``rules/lifecycle-2023.yaml`` for each one's meaning."""

    first_evaluation_data_year_offset: int = 1
    campaign_lag: int = 1
    compliance_from_offset: int = 0
    warning_max_stars: int = 2
    low_star_max: int = 2
    low_star_consecutive_years: int = 2
    unrated_year: str = "counts_as_low"
    revoke_env_incident_levels: tuple[str, ...] = ("Ⅱ级", "Ⅰ级")
    revoke_safety_accident_levels: tuple[str, ...] = ("重大", "特别重大")
    revoke_on_unrectified_inspection: bool = True
    fraud_suspends_next_batch: bool = True
    suspension_province: tuple[tuple[str, str], ...] = tuple(SUSPENSION_PROVINCE.items())
    rate_in_compliance_revocation_year: bool = False
    source: str = ""


def load_rules(path: str | Path | None = None) -> LifecycleRules:
    """Read and validate a lifecycle rules YAML (the packaged 2023 rules by default)."""
    path = Path(path) if path is not None else RULES_PATH
    raw = read_yaml(path)
    return parse_rules(raw, source=str(path))


def parse_rules(raw: Any, source: str = "lifecycle rules") -> LifecycleRules:
    """Validate a lifecycle rules mapping; ``ConfigError`` names the file and key path."""

    def fail(key: str, message: str) -> ConfigError:
        return ConfigError(f"{source}：{key}：{message}")

    if not isinstance(raw, Mapping):
        raise fail("(根)", "须为映射")
    check_kind(dict(raw), "lifecycle", source)
    allowed = {
        "kind", "version", "source", "first_evaluation_data_year_offset", "campaign_lag", "compliance_from_offset",
        "warning_max_stars", "low_star_revocation", "revoke_env_incident_levels",
        "revoke_safety_accident_levels", "revoke_on_unrectified_inspection",
        "fraud_suspends_next_batch", "suspension_province", "rate_in_compliance_revocation_year",
    }  # fmt: skip
    unknown = set(raw) - allowed
    if unknown:
        raise fail("(根)", f"未知的键 {sorted(unknown)}")

    def integer(key: str, value: Any, low: int, high: int) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise fail(key, f"须为 {low}–{high} 的整数，实为「{value}」")
        return value

    def flag(key: str, value: Any) -> bool:
        if not isinstance(value, bool):
            raise fail(key, f"须为 true 或 false，实为「{value}」")
        return value

    def levels(key: str, value: Any, vocabulary: str) -> tuple[str, ...]:
        allowed_values = load_contract().vocabulary(vocabulary)
        if not isinstance(value, list) or any(v not in allowed_values for v in value):
            raise fail(key, f"须为列表，取值于 {list(allowed_values)}，实为「{value}」")
        return tuple(value)

    default = LifecycleRules()
    authorities = load_contract().vocabulary("authorities")
    province = raw.get("suspension_province", dict(default.suspension_province))
    if not isinstance(province, Mapping):
        raise fail("suspension_province", "须为映射：推荐单位 → 所在省（区、市）")
    for key, value in province.items():
        if key not in authorities or value not in authorities:
            raise fail(f"suspension_province.{key}", f"推荐单位与省（区、市）须取值于推荐单位名单，实为「{key}: {value}」")
    low = raw.get("low_star_revocation", {})
    if not isinstance(low, Mapping) or set(low) - {"max_stars", "consecutive_years", "unrated_year"}:
        raise fail("low_star_revocation", "须为映射，键为 max_stars、consecutive_years、unrated_year")
    unrated_year = low.get("unrated_year", default.unrated_year)
    if unrated_year not in UNRATED_YEAR:
        raise fail("low_star_revocation.unrated_year", f"须为 {'、'.join(UNRATED_YEAR)} 之一，实为「{unrated_year}」")
    return LifecycleRules(
        first_evaluation_data_year_offset=integer(
            "first_evaluation_data_year_offset",
            raw.get("first_evaluation_data_year_offset", default.first_evaluation_data_year_offset),
            0,
            5,
        ),
        campaign_lag=integer("campaign_lag", raw.get("campaign_lag", default.campaign_lag), 0, 3),
        compliance_from_offset=integer(
            "compliance_from_offset", raw.get("compliance_from_offset", default.compliance_from_offset), 0, 5
        ),
        warning_max_stars=integer("warning_max_stars", raw.get("warning_max_stars", default.warning_max_stars), 0, 5),
        low_star_max=integer("low_star_revocation.max_stars", low.get("max_stars", default.low_star_max), 0, 5),
        low_star_consecutive_years=integer(
            "low_star_revocation.consecutive_years",
            low.get("consecutive_years", default.low_star_consecutive_years),
            1,
            10,
        ),
        unrated_year=unrated_year,
        revoke_env_incident_levels=levels(
            "revoke_env_incident_levels",
            raw.get("revoke_env_incident_levels", list(default.revoke_env_incident_levels)),
            "env_incident_levels",
        ),
        revoke_safety_accident_levels=levels(
            "revoke_safety_accident_levels",
            raw.get("revoke_safety_accident_levels", list(default.revoke_safety_accident_levels)),
            "safety_accident_levels",
        ),
        revoke_on_unrectified_inspection=flag(
            "revoke_on_unrectified_inspection",
            raw.get("revoke_on_unrectified_inspection", default.revoke_on_unrectified_inspection),
        ),
        fraud_suspends_next_batch=flag(
            "fraud_suspends_next_batch", raw.get("fraud_suspends_next_batch", default.fraud_suspends_next_batch)
        ),
        suspension_province=tuple(province.items()),
        rate_in_compliance_revocation_year=flag(
            "rate_in_compliance_revocation_year",
            raw.get("rate_in_compliance_revocation_year", default.rate_in_compliance_revocation_year),
        ),
        source=str(raw.get("source", "")),
    )


@dataclass(frozen=True)
class Lifecycle:
    """Result of the rule step: status per base-year, events, Art. 25 suspensions."""

    status: pd.DataFrame
    events: pd.DataFrame
    suspensions: pd.DataFrame


@dataclass(frozen=True)
class _RuleGrid:
    """The rule step's result as bases × years arrays."""

    stars: np.ndarray  # float, NaN where not rated
    status: np.ndarray
    reasons: dict[str, np.ndarray]
    revoked_now: np.ndarray
    rated: np.ndarray
    unrated: np.ndarray  # due (eligible, title held) but without a rating
    first_rated: np.ndarray


class Ledger:
    """The base-year grid of a panel with its compliance events, built once.

    The rules are applied to a stars table as bases × years arrays (a run of low
    years is a shift along the year axis), so re-applying them each year of a panel
    run is cheap. ``base_status`` and ``bases_to_rate`` are one-call wrappers.
    """

    def __init__(self, bases: pd.DataFrame, annual: pd.DataFrame, rules: LifecycleRules, years: list[int]):
        self.rules = rules
        self.bases = bases
        reg = bases[["base_id", *REGISTRY_COLUMNS]].astype({"base_id": "string"}).sort_values("base_id")
        reg = reg.reset_index(drop=True)
        self.base_index = pd.Index(reg["base_id"])
        self.years = np.arange(min(years), max(years) + 1, dtype="int64")  # contiguous year axis
        n_bases, n_years = len(reg), len(self.years)
        announced = reg["year_announced"].to_numpy(dtype="int64")[:, None]
        year = self.years[None, :]
        self.in_panel = (year >= announced) & np.isin(year, np.asarray(years))
        self.eligible = year >= announced + rules.first_evaluation_data_year_offset
        counted = year >= announced + rules.compliance_from_offset

        annual = annual.reindex(columns=["unit_id", "year", *COMPLIANCE_COLUMNS])  # absent column: no event
        b = self.base_index.get_indexer(annual["unit_id"].astype("string"))
        t = annual["year"].to_numpy(dtype="int64") - self.years[0]
        ok = (b >= 0) & (t >= 0) & (t < n_years)
        flat = (b * n_years + t)[ok]
        placed: dict[str, pd.api.extensions.ExtensionArray] = {}
        for col in COMPLIANCE_COLUMNS:
            dtype = "boolean" if col in ("unrectified_inspection", "fraud_found") else "string"
            values = pd.Series(pd.NA, index=range(n_bases * n_years), dtype=dtype).array
            values[flat] = pd.array(annual[col].to_numpy()[ok], dtype=dtype)
            placed[col] = values

        def grid2d(mask: pd.api.extensions.ExtensionArray) -> np.ndarray:
            return np.asarray(mask, dtype=bool).reshape(n_bases, n_years) & counted

        self.reasons = {
            "env_incident": grid2d(placed["env_incident_level"].isin(rules.revoke_env_incident_levels)),
            "safety_accident": grid2d(placed["safety_accident_level"].isin(rules.revoke_safety_accident_levels)),
            "inspection": grid2d(placed["unrectified_inspection"].fillna(False))
            & rules.revoke_on_unrectified_inspection,
            "fraud": grid2d(placed["fraud_found"].fillna(False)),
        }
        compliance = np.logical_or.reduce(list(self.reasons.values()))
        self.first_compliance = np.where(compliance.any(axis=1), compliance.argmax(axis=1), n_years)

        keep = self.in_panel.ravel()
        rows = np.repeat(np.arange(n_bases), n_years)[keep]
        long = reg.iloc[rows].reset_index(drop=True)
        long.insert(1, "year", np.tile(self.years, n_bases)[keep])
        for col, values in placed.items():
            long[col] = values[keep]
        self.long = long
        self.keep = keep

    def _apply(self, stars: pd.DataFrame, pending: int | None = None) -> _RuleGrid:
        """Apply the rules to a stars table (``base_id, year, stars``).

        Years from ``pending`` on are still being evaluated: a missing star there is not
        (yet) a year without a rating.
        """
        rules = self.rules
        n_bases, n_years = self.in_panel.shape
        grid_stars = np.full((n_bases, n_years), np.nan)
        b = self.base_index.get_indexer(stars["base_id"].astype("string"))
        t = stars["year"].to_numpy(dtype="int64") - self.years[0]
        ok = (b >= 0) & (t >= 0) & (t < n_years)
        grid_stars[b[ok], t[ok]] = stars["stars"].to_numpy(dtype="float64", na_value=np.nan)[ok]

        tt = np.arange(n_years)[None, :]
        first_comp = self.first_compliance[:, None]
        # stars count only while the title is held: eligible and before a compliance revocation
        before_comp = tt <= first_comp if rules.rate_in_compliance_revocation_year else tt < first_comp
        held = self.in_panel & self.eligible & before_comp
        rated = held & ~np.isnan(grid_stars)
        unrated = held & np.isnan(grid_stars)
        if pending is not None:
            unrated &= tt < pending - self.years[0]
        low = rated & (grid_stars <= rules.low_star_max)
        # Art. 23 (3): a run of `consecutive_years` low years ending here, counted since the last
        # year that breaks the run; an unrated due year counts as low, is skipped, or breaks it
        if rules.unrated_year == "counts_as_low":
            low, breaks = low | unrated, ~(low | unrated)
        elif rules.unrated_year == "skipped":
            breaks = ~low & ~unrated
        else:
            breaks = ~low
        count = np.cumsum(low, axis=1)
        since = count - np.maximum.accumulate(np.where(breaks, count, 0), axis=1)
        run = low & (since >= rules.low_star_consecutive_years)
        first_low = np.where(run.any(axis=1), run.argmax(axis=1), n_years)[:, None]
        revoked_at = np.minimum(first_comp, first_low)
        rated &= tt <= revoked_at
        unrated &= tt <= revoked_at
        revoked_now = tt == revoked_at
        status = np.select(
            [tt > revoked_at, revoked_now, ~self.eligible, rated & (grid_stars <= rules.warning_max_stars), rated],
            [STATUS_GONE, STATUS_REVOKED, STATUS_NOT_YET, STATUS_WARNING, STATUS_NORMAL],
            default=STATUS_UNRATED,
        )
        return _RuleGrid(
            stars=np.where(rated, grid_stars, np.nan),
            status=status,
            reasons={**self.reasons, "low_stars": run},
            revoked_now=revoked_now,
            rated=rated,
            unrated=unrated,
            first_rated=rated & (np.cumsum(rated, axis=1) == 1),
        )

    def to_rate(self, stars: pd.DataFrame, year: int) -> pd.Index:
        """The bases rated in ``year``, given the stars of the years before it.

        A base is rated when it is announced long enough ago (Art. 18), was not revoked
        in an earlier year, and is not revoked in this year for a compliance event or
        fraud (unless ``rate_in_compliance_revocation_year``).
        """
        status = self._apply(stars[stars["year"] < year], pending=year).status[:, year - self.years[0]]
        in_panel = self.in_panel[:, year - self.years[0]]
        due = status == STATUS_UNRATED
        if self.rules.rate_in_compliance_revocation_year:
            due |= status == STATUS_REVOKED
        return pd.Index(self.base_index[in_panel & due], name="unit_id")

    def lifecycle(
        self, stars: pd.DataFrame, renames: pd.DataFrame | None = None, unrated: pd.DataFrame | None = None
    ) -> Lifecycle:
        """Status table, events and suspensions for a stars table.

        ``unrated`` (``base_id, year, status, reason``) says why a due base-year has no
        rating (``未提交年度报表`` / ``数据不全``); its status replaces 无评价结果.
        """
        ruled = self._apply(stars)
        keep = self.keep
        grid = self.long.copy()
        grid["stars"] = pd.array(ruled.stars.ravel()[keep], dtype="Float64").astype("Int64")
        grid["evaluated"] = ruled.rated.ravel()[keep]
        grid["status"] = pd.array(ruled.status.ravel()[keep], dtype="string")
        unrated = unrated if unrated is not None else pd.DataFrame(columns=UNRATED_COLUMNS)
        why = grid[["base_id", "year"]].merge(
            unrated.astype({"base_id": "string", "year": "int64"}), on=["base_id", "year"], how="left"
        )
        due = ruled.unrated.ravel()[keep]
        grid["unrated_reason"] = pd.array(why["reason"].where(due, None), dtype="string")
        grid["status"] = grid["status"].mask(
            (grid["status"] == STATUS_UNRATED).to_numpy() & why["status"].notna().to_numpy(),
            why["status"].astype("string"),
        )
        reasons = {code: flag.ravel()[keep] for code, flag in ruled.reasons.items()}
        revoked_now = ruled.revoked_now.ravel()[keep]
        renames = renames if renames is not None else pd.DataFrame(columns=["base_id", "year", "old_name", "new_name"])
        refused_mask = refused_renames(renames)
        refused, renames = renames[refused_mask], renames[~refused_mask]
        check_renames(self.bases, renames)
        grid["revocation_reason"] = _reason_text(reasons, revoked_now)
        grid["name"] = _names_by_year(grid, renames)
        status_table = grid[
            ["base_id", "year", "name", "authority", "region", "domain", "batch", "year_announced",
             "evaluated", "stars", "status", "revocation_reason", *COMPLIANCE_COLUMNS]
        ].astype(
            {"region": "string", "domain": "string", "authority": "string", "batch": "Int64", "year_announced": "Int64"}
        )  # fmt: skip
        events = _events(grid, reasons, revoked_now, ruled.rated.ravel()[keep], ruled.first_rated.ravel()[keep],
                         due, self.rules, renames, refused)  # fmt: skip
        suspensions = _suspensions(grid, self.bases, reasons["fraud"] & revoked_now, self.rules)
        if not suspensions.empty:
            suspension_events = suspensions.assign(event_code="batch_suspended", event="暂停下一批申报")[EVENT_COLUMNS]
            events = pd.concat([events, suspension_events], ignore_index=True)
        order = {"first_evaluation": 0, "not_rated": 1, "warning": 1, "renamed": 2, "rename_refused": 2,
                 "batch_suspended": 4}
        rank = events["event_code"].map(order).fillna(3)  # revocations between renaming and suspension
        events = events.assign(_rank=rank).sort_values(["year", "base_id", "_rank"], ignore_index=True)
        return Lifecycle(status=status_table, events=events.drop(columns="_rank"), suspensions=suspensions)


def refused_renames(renames: pd.DataFrame) -> np.ndarray:
    """Art. 22 「如主导产业和四至范围未发生变化」: renamings with a changed leading industry or
    boundary (columns ``leading_industry_changed``, ``boundary_changed``; blank: not changed)."""
    changed = np.zeros(len(renames), dtype=bool)
    for col in ("leading_industry_changed", "boundary_changed"):
        if col in renames:
            changed |= renames[col].astype("boolean").fillna(False).to_numpy(dtype=bool)
    return changed


def check_renames(bases: pd.DataFrame, renames: pd.DataFrame) -> None:
    """Raise ``InputError`` when the renamings do not chain up to the registry's name.

    The registry holds a base's current name; so, per base and in year order, each
    renaming's ``new_name`` must be the next one's ``old_name``, and the last
    ``new_name`` the registry's ``name``. Refused renamings (`refused_renames`) are left
    out before the call. Rows are numbered as in the renames file (header row = 1).
    """
    if renames.empty:
        return
    ren = renames.astype({"base_id": "string", "year": "int64"})
    integer_index = pd.api.types.is_integer_dtype(renames.index)
    ren["row"] = np.asarray(renames.index) + 2 if integer_index else np.arange(len(ren)) + 2
    ren = ren.reset_index(drop=True)
    ren = ren.sort_values(["base_id", "year"], kind="stable")
    same_base = ren["base_id"].eq(ren["base_id"].shift(-1)).fillna(False).astype(bool)
    expected = ren["old_name"].shift(-1).where(same_base)
    current = ren["base_id"].map(bases.set_index(bases["base_id"].astype("string"))["name"])
    expected = expected.fillna(current).astype("string")
    broken = ren[(ren["new_name"].astype("string") != expected).fillna(True).to_numpy()]
    if broken.empty:
        return
    problems = [
        Problem(
            file="renames",
            rule="更名记录须首尾相接，最后的新名称即名录中的基地名称（第二十二条）",
            message=f"基地 {b} 的新名称与{'下一次更名的原名称' if nxt else '示范基地名录中的名称'}「{e}」不一致",
            row=int(r),
            column="新名称",
            value=n,
        )
        for b, r, n, e, nxt in zip(
            broken["base_id"], broken["row"], broken["new_name"], expected[broken.index], same_base[broken.index]
        )
    ]
    raise InputError(problems)


def _names_by_year(grid: pd.DataFrame, renames: pd.DataFrame) -> pd.Series:
    """The name a base bore in each year (the registry holds the current name).

    A renaming in year Y applies from Y on; before it, the base bore ``old_name`` of
    the first renaming after that year.
    """
    if renames.empty:
        return grid["name"]
    ren = renames[["base_id", "year", "old_name"]].copy()
    ren = ren.astype({"base_id": "string", "year": "int64"}).sort_values("year")
    keyed = grid[["base_id", "year"]].astype({"base_id": "string"}).reset_index().sort_values("year")
    # the next renaming strictly after the row's year (direction forward, no exact match)
    nxt = pd.merge_asof(
        keyed, ren.rename(columns={"year": "rename_year"}), left_on="year", right_on="rename_year",
        by="base_id", direction="forward", allow_exact_matches=False,
    ).set_index("index").sort_index()  # fmt: skip
    return nxt["old_name"].fillna(grid["name"]).astype("string")


def bases_to_rate(
    bases: pd.DataFrame, stars: pd.DataFrame, annual: pd.DataFrame, rules: LifecycleRules, years: list[int]
) -> pd.Index:
    """The bases the evaluation of the last of ``years`` rates, given the stars of the earlier years."""
    return Ledger(bases, annual, rules, years).to_rate(stars, years[-1])


def base_status(
    bases: pd.DataFrame,
    stars: pd.DataFrame,
    annual: pd.DataFrame,
    renames: pd.DataFrame | None,
    rules: LifecycleRules,
    years: list[int],
    unrated: pd.DataFrame | None = None,
) -> Lifecycle:
    """Status of every base in every panel year, events and suspensions.

    ``stars`` has columns ``base_id, year, stars`` for the base-years the evaluation
    rated; stars given for a year a base may not be rated (before its first
    evaluation year, from its revocation on) are ignored. ``annual`` supplies the
    compliance columns per ``unit_id, year``; missing compliance cells count as no
    event. ``unrated`` gives the reason of due base-years without a rating (see
    `Ledger.lifecycle`). The rule step is vectorised over all base-years.
    """
    return Ledger(bases, annual, rules, years).lifecycle(stars, renames, unrated)


def _reason_text(reasons: dict[str, np.ndarray], revoked_now: np.ndarray) -> pd.Series:
    """Chinese revocation reasons of each row revoked in that year, joined by ；."""
    hit = np.flatnonzero(revoked_now)
    joined = np.full(len(hit), "", dtype=object)
    for code, flag in reasons.items():
        part = np.where(flag[hit], REVOCATION_REASONS[code][1], "")
        sep = np.where((joined != "") & (part != ""), "；", "")
        joined = joined + sep + part
    out = pd.Series(pd.NA, index=range(len(revoked_now)), dtype="string")
    out.iloc[hit] = np.where(joined == "", None, joined)
    return out


def _events(
    grid: pd.DataFrame,
    reasons: dict[str, np.ndarray],
    revoked_now: np.ndarray,
    rated: np.ndarray,
    first_rated: np.ndarray,
    unrated: np.ndarray,
    rules: LifecycleRules,
    renames: pd.DataFrame,
    refused: pd.DataFrame,
) -> pd.DataFrame:
    """Events table: first evaluation, years not rated, warnings, one row per revocation reason, renamings."""
    frames = []
    rows = grid[first_rated]
    frames.append(
        pd.DataFrame(
            {
                "base_id": rows["base_id"],
                "year": rows["year"],
                "event_code": "first_evaluation",
                "event": "首次参加评价",
                "article": "第十八条",
                "reason": "公告于 " + rows["year_announced"].astype("string") + " 年，"
                + rows["year"].astype("string") + " 年度报表于 " + (rows["year"] + rules.campaign_lag).astype("string")
                + " 年评价工作中首次参评（公告满一年后参加评价）",
            }
        )
    )
    rows = grid[unrated]
    consequence = {
        "counts_as_low": "按二星及以下计入第二十三条第（三）项的连续年数",
        "skipped": "不计入第二十三条第（三）项的连续年数（跳过）",
        "resets": "中断第二十三条第（三）项的连续年数",
    }[rules.unrated_year]
    frames.append(
        pd.DataFrame(
            {
                "base_id": rows["base_id"],
                "year": rows["year"],
                "event_code": "not_rated",
                "event": "不予评级",
                "article": "第十九条",
                "reason": rows["unrated_reason"].fillna("当年无评价结果") + "；" + consequence,
            }
        )
    )
    stars = grid["stars"].to_numpy(dtype="float64", na_value=np.nan)
    warn = rated & ~revoked_now & (stars <= rules.warning_max_stars)
    rows = grid[warn]
    frames.append(
        pd.DataFrame(
            {
                "base_id": rows["base_id"],
                "year": rows["year"],
                "event_code": "warning",
                "event": "预警",
                "article": "第二十四条",
                "reason": "评价结果为 " + rows["stars"].astype("string") + " 星（二星及以下），督促整改；次年仍为二星及以下将取消称号",
            }
        )
    )
    for code, flag in reasons.items():
        rows = grid[flag & revoked_now]
        article, label = REVOCATION_REASONS[code]
        if code == "env_incident":
            detail = "：突发环境污染事件等级 " + rows["env_incident_level"].astype("string")
        elif code == "safety_accident":
            detail = "：生产安全事故等级 " + rows["safety_accident_level"].astype("string")
        elif code == "low_stars":
            detail = "：" + rows["year"].astype("string") + " 年" + ("为 " + rows["stars"].astype("string") + " 星").fillna(
                "未获评级（" + rows["unrated_reason"].fillna("当年无评价结果") + "），按二星及以下计"
            )
        else:
            detail = ""
        frames.append(
            pd.DataFrame(
                {
                    "base_id": rows["base_id"],
                    "year": rows["year"],
                    "event_code": f"revoked_{code}",
                    "event": "取消称号",
                    "article": article,
                    "reason": label + detail,
                }
            )
        )
    if not renames.empty:
        ren = renames.assign(year=renames["year"].astype("int64"))
        frames.append(
            pd.DataFrame(
                {
                    "base_id": ren["base_id"],
                    "year": ren["year"],
                    "event_code": "renamed",
                    "event": "更名",
                    "article": "第二十二条",
                    "reason": "由「" + ren["old_name"] + "」更名为「" + ren["new_name"] + "」，保留编号与历史评价结果",
                }
            )
        )
    if not refused.empty:
        what = np.where(refused["leading_industry_changed"].astype("boolean").fillna(False).to_numpy(bool)
                        if "leading_industry_changed" in refused else False, "主导产业", "")
        boundary = (refused["boundary_changed"].astype("boolean").fillna(False).to_numpy(bool)
                    if "boundary_changed" in refused else np.zeros(len(refused), bool))
        what = np.where(boundary, np.where(what != "", "主导产业和四至范围", "四至范围"), what)
        frames.append(
            pd.DataFrame(
                {
                    "base_id": refused["base_id"],
                    "year": refused["year"].astype("int64"),
                    "event_code": "rename_refused",
                    "event": "更名不予认可",
                    "article": "第二十二条",
                    "reason": "申请由「" + refused["old_name"] + "」更名为「" + refused["new_name"] + "」，但" + what
                    + "发生变化（第二十二条：主导产业和四至范围未发生变化的方可更名），保留原名称",
                }
            )
        )
    events = pd.concat(frames, ignore_index=True)
    return events.astype({"base_id": "string", "year": "int64", "event_code": "string", "event": "string",
                          "article": "string", "reason": "string"})[EVENT_COLUMNS]  # fmt: skip


def _suspensions(
    grid: pd.DataFrame, bases: pd.DataFrame, fraud: np.ndarray, rules: LifecycleRules
) -> pd.DataFrame:
    """Art. 25: the next batch of the province (省、区、市) of each base revoked for fraud."""
    rows = grid[fraud & rules.fraud_suspends_next_batch]
    if rows.empty:
        return pd.DataFrame({c: pd.Series(dtype="string") for c in SUSPENSION_COLUMNS}).astype(
            {"year": "int64", "suspended_batch": "Int64"}
        )
    announced = bases[["batch", "year_announced"]].astype("int64")
    # latest batch announced by the end of each fraud year, vectorised with searchsorted
    by_year = announced.groupby("year_announced")["batch"].max().cummax()
    pos = np.searchsorted(by_year.index.to_numpy(), rows["year"].to_numpy(), side="right") - 1
    latest = np.where(pos >= 0, by_year.to_numpy()[np.clip(pos, 0, None)], 0)
    authority = rows["authority"].astype("string")
    out = pd.DataFrame(
        {
            "province": province_of(authority, rules).to_numpy(),
            "authority": authority.to_numpy(),
            "year": rows["year"].to_numpy(dtype="int64"),
            "base_id": rows["base_id"].astype("string").to_numpy(),
            "suspended_batch": pd.array(latest + 1, dtype="Int64"),
            "article": "第二十五条",
        }
    )
    out["reason"] = (
        "示范基地 " + out["base_id"] + "（" + out["authority"] + "推荐）" + out["year"].astype("string")
        + " 年查实弄虚作假，暂停" + out["province"] + "第 " + out["suspended_batch"].astype("string")
        + " 批示范基地申报（暂停所在省（区、市）下一批的申报工作）"
    )  # fmt: skip
    return out[SUSPENSION_COLUMNS]


def province_of(authority: pd.Series, rules: LifecycleRules) -> pd.Series:
    """The province (省、区、市) of each recommending authority for Art. 25 (`suspension_province`)."""
    mapping = dict(rules.suspension_province)
    return authority.astype("string").map(lambda a: mapping.get(a, a) if isinstance(a, str) else a).astype("string")


def star_distribution(status: pd.DataFrame, by: str | None = None) -> pd.DataFrame:
    """Count of rated bases at each star level per year (and per ``by`` group).

    ``by`` is a registry column of the status table (``region``, ``domain``,
    ``authority``) or ``None`` for the whole panel. Columns: the group key(s),
    ``n_rated``, ``stars_1`` … ``stars_5`` and ``share_4plus`` (four- and five-star
    share of the rated bases).
    """
    rated = status[status["evaluated"]]
    keys = ["year"] if by is None else ["year", by]
    counts = (
        rated.groupby(keys, observed=True)["stars"]
        .value_counts()
        .unstack("stars", fill_value=0)
        .reindex(columns=range(1, 6), fill_value=0)
    )
    counts.columns = [f"stars_{s}" for s in counts.columns]
    counts.insert(0, "n_rated", counts.sum(axis=1))
    counts["share_4plus"] = (counts["stars_4"] + counts["stars_5"]) / counts["n_rated"]
    return counts.reset_index()


def transition_matrix(status: pd.DataFrame) -> pd.DataFrame:
    """Star transitions between consecutive years, one block per pair of years.

    Rows: ``year_from`` and ``stars_from`` (the bases rated in ``year_from`` that still
    hold the title at its end — a base revoked in that year has no next year);
    columns: ``to_1`` … ``to_5`` (rated the next year), ``to_revoked`` (title
    revoked the next year, whatever the reason, even when that year was rated: the
    revoked state is absorbing) and ``to_unrated`` (title held but not rated).
    """
    rated = status[status["evaluated"] & (status["status"] != STATUS_REVOKED)][["base_id", "year", "stars"]]
    nxt = status[["base_id", "year", "stars", "status", "evaluated"]].assign(year=status["year"] - 1)
    pairs = rated.merge(nxt, on=["base_id", "year"], how="inner", suffixes=("_from", "_to"))
    to = ("to_" + pairs["stars_to"].astype("string")).where(pairs["evaluated"].to_numpy(dtype=bool), "to_unrated")
    to = to.mask((pairs["status"] == STATUS_REVOKED).to_numpy(dtype=bool), "to_revoked")
    pairs = pairs.assign(to=to, year_from=pairs["year"])
    matrix = pd.crosstab([pairs["year_from"], pairs["stars_from"]], pairs["to"])
    columns = [f"to_{s}" for s in range(1, 6)] + ["to_revoked", "to_unrated"]
    matrix = matrix.reindex(columns=columns, fill_value=0)
    matrix.columns.name = None
    return matrix.reset_index()
