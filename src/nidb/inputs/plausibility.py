"""Plausibility rules: values inside a column's valid range that are still almost surely wrong.

The contract gives each rule its data: `typical` (the range real values lie in; every
growth column has one), `typical_by` (a range per value of another column, e.g. per
benchmark indicator) and `slip_units` (units users type instead, with their factor).
Errors stop the run; warnings are printed by `nidb validate` and do not.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from nidb.errors import Problem
from nidb.inputs.contract import ColumnSpec
from nidb.inputs.schemas import Rule, TableFrame, fmt_number

Cells = frozenset[tuple[int | None, str | None]]

#: a year's value off the unit's other years by this factor (or its inverse) is worth a warning
JUMP_WARNING = 5.0
#: a ratio within this factor of a unit factor or a power of ten is read as that slip
SLIP_TOLERANCE = 1.25


def _problem(tf: TableFrame, col: ColumnSpec, row: int | None, rule: Rule, message: str,
             value: object = None) -> Problem:
    if value is None and row is not None:
        text = tf.text.at[row, col.name]
        value = None if pd.isna(text) else text
    return Problem(file=tf.file, sheet=tf.sheet, row=row, column=tf.headers.get(col.name, col.name),
                   rule=str(rule), message=message, value=value)


def _present(tf: TableFrame, col: ColumnSpec, skip: Cells) -> pd.Series:
    """The column's non-missing values, without cells already reported."""
    header = tf.headers.get(col.name)
    s = tf.frame[col.name].dropna()
    reported = [row for row, column in skip if column == header]
    return s[~s.index.isin(reported)] if reported else s


def growth_fraction_problems(tf: TableFrame, skip: Cells = frozenset()) -> list[Problem]:
    """Growth rates typed as fractions (0.058 for 5.8 %): per column and per cell."""
    problems = []
    for col in tf.table.columns:
        if not col.growth or col.typical is None or col.name not in tf.headers:
            continue
        s = _present(tf, col, skip)
        lo, hi = col.typical
        small = (s.abs() < 1) & (s != 0) & (s * 100).between(lo, hi)
        decimals = s.round(1) != s  # more precise than growth rates are published: 0.058
        if bool((s.abs() < 1).all()) and bool(small.any()) and (len(s) >= 3 or (len(s) == 2 and bool(decimals.any()))):
            problems.append(_problem(
                tf, col, None, Rule.UNIT, "本列所有数值的绝对值都小于 1，疑似以小数填报百分比（例如 0.058 应填 5.8）",
                value=f"最大值 {fmt_number(float(s.abs().max()))}",
            ))
            continue
        fraction = small & decimals
        problems += [
            _problem(tf, col, int(r), Rule.UNIT,
                     f"疑似以小数填报百分比（{fmt_number(v)} 应填 {fmt_number(float(f'{v * 100:.12g}'))}；"
                     f"若确为 {fmt_number(v)}%，请保留一位小数填报）")
            for r, v in s[fraction].items()
        ]
    return problems


def typical_warnings(tf: TableFrame, skip: Cells = frozenset()) -> list[Problem]:
    """Values outside a column's `typical` range (valid, but worth a second look)."""
    warnings = []
    for col in tf.table.columns:
        if col.typical is None or col.name not in tf.headers:
            continue
        s = _present(tf, col, skip)
        lo, hi = col.typical
        unit = col.unit or ""
        warnings += [
            _problem(tf, col, int(r), Rule.PLAUSIBLE, f"超出常见区间 {fmt_number(lo)}～{fmt_number(hi)}{unit}，请核实")
            for r in s[~s.between(lo, hi)].index
        ]
    return warnings


def typical_by_problems(tf: TableFrame, skip: Cells = frozenset()) -> list[Problem]:
    """Values outside the range their row's category allows (e.g. a benchmark per indicator)."""
    problems = []
    for col in tf.table.columns:
        if col.typical_by is None or col.name not in tf.headers:
            continue
        other, ranges = col.typical_by
        s = _present(tf, col, skip)
        keys = tf.frame.loc[s.index, other]
        for key, (lo, hi) in ranges:
            rows = s[keys.eq(key).fillna(False).to_numpy()]
            for r, v in rows[~rows.between(lo, hi)].items():
                what = "须为正数，且" if v <= 0 else ""
                problems.append(_problem(
                    tf, col, int(r), Rule.PLAUSIBLE,
                    f"{what}应在 {fmt_number(lo)}～{fmt_number(hi)} 之间（{tf.headers.get(other, other)}为 {key} 时的合理范围）",
                    value=fmt_number(float(v)),
                ))
    return problems


def _slip(ratio: float, col: ColumnSpec) -> str | None:
    """What a ratio of a value to its unit's other years says about the unit, or None (a plain jump)."""
    tolerance = np.log10(SLIP_TOLERANCE)
    found = [(abs(np.log10(ratio) - np.log10(f)), f"疑似按{u}填报") for u, f in col.slip_units]
    found += [(abs(np.log10(ratio) + np.log10(f)), f"疑似其他年份按{u}填报") for u, f in col.slip_units]
    close = sorted(found)
    if close and close[0][0] < tolerance:
        return f"{close[0][1]}，应以{col.unit}为单位"
    power = round(float(np.log10(ratio)))
    if power != 0 and abs(np.log10(ratio) - power) < tolerance:
        return f"相差约 10 的整数次方倍，疑似单位填错（应以{col.unit}为单位）"
    return None


def own_year_ratios(values: pd.Series, units: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Each positive value over its unit's other years (the median of the unit's values, or with two
    years the other year's value): (ratio, reference, number of the unit's values), by row label."""
    ratio, reference, size = own_year_ratio_frame(values.to_frame(), units)
    column = values.name if values.name is not None else 0
    return ratio[column].dropna(), reference[column], size[column]


def own_year_ratio_frame(values: pd.DataFrame, units: pd.Series) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """:func:`own_year_ratios` of several columns at once (one grouping for all): frames of the
    ratio (missing where a value has no other year to compare with), the reference and the
    number of the unit's positive values."""
    positive = values.where(values > 0)
    group = positive.groupby(units.loc[values.index].to_numpy())
    size = group.transform("count")
    reference = group.transform("median").where(size > 2, group.transform("sum") - positive)
    return (positive / reference).where(size >= 2), reference, size


def slip_suspected(ratio: float, col: ColumnSpec) -> bool:
    """Whether `year_on_year` reads this ratio to the unit's other years as a unit slip (an error)."""
    outside = ratio >= JUMP_WARNING * 0.99 or ratio <= 1 / (JUMP_WARNING * 0.99)
    return outside and _slip(ratio, col) is not None


def year_on_year(tf: TableFrame, key: str = "unit_id", skip: Cells = frozenset()) -> tuple[list[Problem], list[Problem]]:
    """Unit slips against a unit's own other years: (errors, warnings).

    For every column with `slip_units`, each value is compared with the median of the
    same unit's values in the table (with two years, the other year). A ratio close to a
    unit factor or a power of ten is an error naming the likely unit; another jump
    beyond `JUMP_WARNING` times is a warning.
    """
    errors, warnings = [], []
    if key not in tf.frame.columns:
        return errors, warnings
    columns = [col for col in tf.table.columns if col.slip_units and col.name in tf.headers]
    if not columns:
        return errors, warnings
    values = pd.DataFrame({col.name: _present(tf, col, skip) for col in columns}, index=tf.frame.index)
    ratios, references, sizes = own_year_ratio_frame(values.astype("float64"), tf.frame[key])
    for col in columns:
        ratio, reference, size = ratios[col.name].dropna(), references[col.name], sizes[col.name]
        for r, q in ratio[(ratio >= JUMP_WARNING * 0.99) | (ratio <= 1 / (JUMP_WARNING * 0.99))].items():
            ref = fmt_number(float(reference[r]))
            times = f"{fmt_number(float(f'{q:.2g}'))} 倍" if q >= 1 else f"1/{fmt_number(float(f'{1 / q:.2g}'))}"
            where = f"是本单位其他年份（{'另一年' if size[r] == 2 else '中位数'} {ref}{col.unit or ''}）的 {times}"
            slip = _slip(float(q), col)
            if slip is None:
                warnings.append(_problem(tf, col, int(r), Rule.YEAR_ON_YEAR, f"{where}，请核实"))
            else:
                errors.append(_problem(tf, col, int(r), Rule.YEAR_ON_YEAR, f"{where}，{slip}"))
    return errors, warnings


def expert_indicator_problems(tf: TableFrame, expert_ids: dict[str, str], other_ids: dict[str, str],
                              version: str, skip: Cells = frozenset()) -> list[Problem]:
    """Expert scores whose indicator code is not expert-judged: unknown, or quantitative.

    `expert_ids` and `other_ids` map the framework's codes to their names."""
    col = tf.table.column("indicator_id")
    if col.name not in tf.headers:
        return []
    s = tf.frame[col.name].dropna()
    s = s[~s.isin(list(expert_ids))]  # the usual case, all codes expert-judged, without a loop
    problems = []
    for r, code in s.items():
        if (int(r), tf.headers[col.name]) in skip:
            continue
        if code in other_ids:
            message = f"指标 {code}（{other_ids[code]}）由年度报表数据判定，不是专家评分指标"
        else:
            message = f"指标体系（{version}）中没有专家评分指标 {code}"
        problems.append(_problem(tf, col, int(r), Rule.INDICATOR, message))
    return problems
