"""Sobol indices: the wrapper recovers analytic indices, including grouped and discrete factors."""

import numpy as np
import pandas as pd
import pytest

from nidb.audit.choices import Choice, decode
from nidb.audit.sensitivity import sobol_indices

PI = np.pi


def ishigami(u: np.ndarray, a: float = 7.0, b: float = 0.1) -> pd.DataFrame:
    x = -PI + 2 * PI * u  # each factor uniform on [-pi, pi]
    y = np.sin(x[:, 0]) + a * np.sin(x[:, 1]) ** 2 + b * x[:, 2] ** 4 * np.sin(x[:, 0])
    return pd.DataFrame({"y": y})


def test_ishigami_indices_are_recovered():
    # analytic values (Ishigami & Homma 1990; a = 7, b = 0.1):
    # V = a²/8 + b·π⁴/5 + b²·π⁸/18 + 1/2; S1 = (0.3139, 0.4424, 0), ST = (0.5576, 0.4424, 0.2437)
    res = sobol_indices([("x1", 1), ("x2", 1), ("x3", 1)], ishigami, base_samples=4096, seed=3, resamples=200)
    res = res.set_index("choice")
    assert res["S1"].to_numpy() == pytest.approx([0.3139, 0.4424, 0.0], abs=0.03)
    assert res["ST"].to_numpy() == pytest.approx([0.5576, 0.4424, 0.2437], abs=0.03)
    # bootstrap intervals bracket the estimate
    assert (res.S1_low <= res.S1).all() and (res.S1 <= res.S1_high).all()
    assert (res.ST_low <= res.ST).all() and (res.ST <= res.ST_high).all()


def test_linear_model_with_a_discrete_and_a_grouped_factor():
    # Y = X + 2·D + (G1 + G2): X ~ U(0, 1), D uniform on {0, 1, 2, 3} via the explicit
    # [0, 1) -> level mapping, G1, G2 ~ U(0, 1) analysed as one group.
    # Var: X 1/12, 2D 4·(16 − 1)/12 = 5, G 2/12 -> total 5.25; additive, so S1 = ST.
    d = Choice("d", "discrete", "pipeline", ("p",), levels=(0, 1, 2, 3), probabilities=(0.25,) * 4)

    def model(u):
        return pd.DataFrame({"y": u[:, 0] + 2 * decode(u[:, 1:2], d) + u[:, 2] + u[:, 3]})

    res = sobol_indices([("x", 1), ("d", 1), ("g", 2)], model, base_samples=4096, seed=5, resamples=200)
    res = res.set_index("choice")
    expected = np.array([1 / 12, 5.0, 2 / 12]) / 5.25
    assert res["S1"].to_numpy() == pytest.approx(expected, abs=0.02)
    assert res["ST"].to_numpy() == pytest.approx(expected, abs=0.02)


def test_one_row_per_output_and_choice():
    def model(u):
        return pd.DataFrame({"a": u[:, 0], "b": u[:, 1] * 2})

    res = sobol_indices([("p", 1), ("q", 1)], model, base_samples=256, seed=1, resamples=50)
    assert list(zip(res.output, res.choice)) == [("a", "p"), ("a", "q"), ("b", "p"), ("b", "q")]
    by = res.set_index(["output", "choice"])
    assert by.at[("a", "p"), "ST"] == pytest.approx(1.0, abs=0.05)
    assert by.at[("a", "q"), "ST"] == pytest.approx(0.0, abs=0.05)


def test_a_constant_output_has_undefined_indices():
    def model(u):
        return pd.DataFrame({"flat": np.zeros(len(u)), "moving": u[:, 0]})

    res = sobol_indices([("p", 1), ("q", 1)], model, base_samples=64, seed=1, resamples=20)
    flat = res[res.output == "flat"]
    assert list(flat.choice) == ["p", "q"] and flat[["S1", "ST"]].isna().all().all()
    assert res[res.output == "moving"].S1.notna().all()
