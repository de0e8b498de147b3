"""The audit's functions run unchanged on the ASEM framework (COINr's example data)."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nidb.audit.choices import load_audit_spec
from nidb.audit.coherence import (
    correlations,
    effective_weights,
    group_statistics,
    leave_one_out,
    level_scores,
)
from nidb.audit.sensitivity import audit_sobol
from nidb.audit.subject import asem_subject
from nidb.audit.uncertainty import evaluate, monte_carlo, prepare, unit_summary
from nidb.engine.run import run
from nidb.errors import ConfigError
from nidb.reference import ASEM_DIR

ASEM = ASEM_DIR
pytestmark = pytest.mark.skipif(not ASEM.exists(), reason="ASEM example data not available")


@pytest.fixture(scope="module")
def asem():
    subject = asem_subject(ASEM)
    spec = load_audit_spec(Path(__file__).parents[1] / "src/nidb/methods/audit-asem.yaml")
    return subject, spec, prepare(subject, spec)


def test_nominal_design_row_reproduces_the_engine_ranks(asem):
    subject, spec, problem = asem
    # weights factor 1 (u = 0.5); group_mean (1st of 3), jrc (1st of 2), minmax 1-100 (1st of 4),
    # arithmetic (1st of 2): min-max 1-100 is an affine map of the nominal 0-100, so ranks agree
    u = np.full((1, problem.n_columns), 0.5)
    for c, o in zip(problem.choices, problem.offsets):
        if c.kind == "discrete":
            u[0, o] = 0.5 / len(c.levels)
    ranks, stars = evaluate(problem, u)
    nominal = run(subject.data_for(subject.method_raw), subject.hierarchy, problem.base_method)
    np.testing.assert_array_equal(ranks[0], nominal.ranks["Index"].to_numpy())
    np.testing.assert_array_equal(stars[0], problem.nominal_stars)


def test_monte_carlo_and_sobol_on_asem(asem):
    subject, spec, problem = asem
    assert problem.variants.shape == (3 * 2 * 4, 51, 49)
    mc = monte_carlo(problem, 200, spec.seed)
    units = unit_summary(mc, subject.names)
    assert len(units) == 51 and units["name"].notna().all()
    assert ((units.rank_p05 <= units.median_rank) & (units.median_rank <= units.rank_p95)).all()
    probs = units[[f"p_star_{s}" for s in range(1, 6)]].sum(axis=1)
    assert probs.to_numpy() == pytest.approx(1.0)
    sobol = audit_sobol(problem, 64, spec.seed, resamples=50)
    assert set(sobol.choice) == {"weights", "imputation", "outliers", "normalisation", "aggregation"}
    assert set(sobol.output) == {"mean_abs_rank_shift", "share_star_changed"}


def test_coherence_on_asem(asem):
    subject, spec, problem = asem
    h = subject.hierarchy
    nominal = run(subject.data_for(subject.method_raw), h, problem.base_method)
    table = level_scores(nominal.normalised, h)
    # the batch re-aggregation reproduces the engine's scores at every level
    np.testing.assert_allclose(table.to_numpy(), nominal.scores[table.columns].to_numpy(), rtol=1e-12)
    corr = correlations(table, h)
    assert set(corr.relation) == {"within", "parent", "across", "index"}
    summary, loadings = group_statistics(table, h)
    assert len(summary) == 8 + 2 + 1
    ew = effective_weights(table, h)
    assert len(ew) == 49 + 8 + 2
    assert ew.groupby("level").eta2_share.sum().to_numpy() == pytest.approx([1.0, 1.0, 1.0])
    loo = leave_one_out(nominal.normalised, h)
    assert len(loo) == 49 + 8 + 2 and (loo.mean_abs_rank_change >= 0).all()


def test_whole_audit_is_reproducible(asem, tmp_path):
    from dataclasses import replace

    from nidb.audit.report import run_audit

    subject, spec, _ = asem
    small = replace(spec, sobol_base_samples=32, sobol_resamples=20)
    first = run_audit(subject, small, 64)
    second = run_audit(subject, small, 64)
    assert first.tables.keys() == second.tables.keys()
    for name in first.tables:
        pd.testing.assert_frame_equal(first.tables[name], second.tables[name])


def test_replayed_settings_return_scores_and_ranks_in_order(asem):
    """Given settings, not a sampled design: the nominal row (COINr's example pipeline except
    min-max 1-100, an affine map of COINr's 0-100, see above) and the Monte Carlo's own rows."""
    from nidb.audit.uncertainty import replay

    subject, spec, problem = asem
    nominal_row = np.full(problem.n_columns, 0.5)
    for c, o in zip(problem.choices, problem.offsets):
        if c.kind == "discrete":
            nominal_row[o] = 0.5 / len(c.levels)
    mc = monte_carlo(problem, 20, spec.seed)
    settings = np.vstack([mc.design[:3], nominal_row])
    out = replay(problem, settings)
    assert out.scores.shape == out.ranks.shape == (4, 51)
    np.testing.assert_array_equal(out.ranks.to_numpy()[:3], mc.ranks[:3])
    nominal = run(subject.data_for(subject.method_raw), subject.hierarchy, problem.base_method)
    index = nominal.scores["Index"].to_numpy()
    # min-max onto 1-100 is 1 + 0.99 x (0-100) at every indicator, so the arithmetic index is too
    np.testing.assert_allclose(out.scores.to_numpy()[3], 1 + 0.99 * index, rtol=1e-12)
    np.testing.assert_array_equal(out.ranks.to_numpy()[3], nominal.ranks["Index"].to_numpy())
    assert len(out.design) == 4 and "imputation" in out.design.columns
    units = unit_summary(mc)
    np.testing.assert_allclose(units["mean_rank"], mc.ranks.astype(float).mean(axis=0))


def test_replaying_the_decoded_design_of_a_run_gives_its_scores_exactly(asem):
    """The design as values (labels, each node's weight) replays to the very same scores."""
    from nidb.audit.uncertainty import design_table, replay, replay_values

    subject, spec, problem = asem
    mc = monte_carlo(problem, 40, spec.seed + 1)
    table = design_table(problem, mc.design, node_weights=True)
    assert {"normalisation", "aggregation", "weights.LPI", "weights.Conn"} <= set(table.columns)
    by_values = replay_values(problem, table)
    by_coordinates = replay(problem, mc.design)
    np.testing.assert_array_equal(by_values.scores.to_numpy(), by_coordinates.scores.to_numpy())
    np.testing.assert_array_equal(by_values.ranks.to_numpy(), mc.ranks)
    np.testing.assert_array_equal(by_values.stars.to_numpy(), by_coordinates.stars.to_numpy())
    # a setting written by hand: COINr's pipeline with min-max 1-100 and nominal weights
    # (the weight columns left out) is the engine's nominal run mapped onto 1-100
    hand = pd.DataFrame({"imputation": ["group_mean"], "outliers": ["jrc"], "normalisation": ["minmax"],
                         "aggregation": ["arithmetic"]})
    nominal = run(subject.data_for(subject.method_raw), subject.hierarchy, problem.base_method)
    np.testing.assert_allclose(replay_values(problem, hand).scores.to_numpy()[0],
                               1 + 0.99 * nominal.scores["Index"].to_numpy(), rtol=1e-12)


@pytest.mark.parametrize(
    "change, message",
    [
        ({"normalisation": "softmax"}, "第 2 组参数（行标签 1），列「normalisation」：取值「softmax」无效，可选：minmax、zscore、efficacy、rank"),
        ({"weights.LPI": -1.0}, "第 2 组参数（行标签 1），列「weights.LPI」：取值「-1.0」无效，应不小于 0"),
        ({"colour": "red"}, "列「colour」：不是本审计的选择"),
    ],
)
def test_a_bad_value_to_replay_names_the_setting_and_column(asem, change, message):
    from nidb.audit.uncertainty import design_table, replay_values

    _, spec, problem = asem
    table = design_table(problem, monte_carlo(problem, 3, spec.seed).design, node_weights=True)
    for column, value in change.items():
        table[column] = table[column].astype(object) if column in table else None
        table.loc[1, column] = value
    with pytest.raises(ConfigError, match=message):
        replay_values(problem, table)


def test_replayed_values_must_give_every_data_choice_and_all_node_weights(asem):
    from nidb.audit.uncertainty import design_table, replay_values

    _, spec, problem = asem
    table = design_table(problem, monte_carlo(problem, 2, spec.seed).design, node_weights=True)
    with pytest.raises(ConfigError, match="列「imputation」：改变数据处理的选择须给出取值"):
        replay_values(problem, table.drop(columns="imputation"))
    with pytest.raises(ConfigError, match="列「weights.LPI」：给出节点权重时须给出每个可加权节点的权重"):
        replay_values(problem, table.drop(columns="weights.LPI"))
