"""Monte Carlo uncertainty: the YAML schema, the [0, 1) mapping, analytic probabilities,
determinism, chunk and executor independence, agreement with single engine runs."""

from functools import partial

import numpy as np
import pandas as pd
import pytest

from nidb.audit.choices import Choice, decode, load_audit_spec
from nidb.audit.subject import Subject
from nidb.audit.uncertainty import (
    design_table,
    evaluate,
    monte_carlo,
    overall_summary,
    prepare,
    star_share_summary,
    star_transitions,
    unit_summary,
)
from nidb.engine.framework_table import hierarchy_from_records
from nidb.errors import ConfigError
from nidb.evaluation.stars import StarRule

# Three units, two single-indicator dimensions: A = (100, 0), B = (0, 100), C = (50, 50).
# With dimension weights w1, w2, A's index is 100·w1/(w1 + w2) and C's is always 50.
RECORDS = [
    {"code": "x1", "level": 1, "parent": "D1"},
    {"code": "x2", "level": 1, "parent": "D2"},
    {"code": "D1", "level": 2, "parent": "I"},
    {"code": "D2", "level": 2, "parent": "I"},
    {"code": "I", "level": 3, "parent": ""},
]
DATA = pd.DataFrame({"uCode": ["A", "B", "C"], "x1": [100.0, 0.0, 50.0], "x2": [0.0, 100.0, 50.0]})
BANDS = StarRule.from_mapping(
    {"levels": {5: {"min_score": 55}, 4: {"min_score": 54}, 3: {"min_score": 46}, 2: {"min_score": 45}}}
)


def _const(data, _raw):
    return data


def toy_subject(stars=BANDS, method=None) -> Subject:
    return Subject(
        label="toy",
        hierarchy=hierarchy_from_records(RECORDS),
        method_raw=method or {"normalise": {"method": "minmax"}},
        stars=stars,
        data_for=partial(_const, DATA),
        data_key=lambda raw: "",
        engine_part=lambda raw: raw,
    )


def write(tmp_path, text: str):
    path = tmp_path / "audit.yaml"
    path.write_text(text, encoding="utf-8")
    return path


#: a discrete choice between two whole star rules, by label: bands or quotas
STAR_RULE_CHOICE = """  star_rule:
    kind: discrete
    parameter: stars
    levels:
      - {label: bands, levels: {5: {min_score: 55}, 4: {min_score: 54}, 3: {min_score: 46}, 2: {min_score: 45}}}
      - {label: quotas, levels: {5: {top_share: 0.34}, 4: {top_share: 0.67}, 3: {top_share: 0.9}, 2: {top_share: 0.95}}}
"""

WEIGHTS_ONLY = """
seed: 11
runs: 4000
choices:
  weights: {kind: weights, relative: 0.25}
"""


def test_weight_noise_gives_the_analytic_probabilities(tmp_path):
    spec = load_audit_spec(write(tmp_path, WEIGHTS_ONLY))
    problem = prepare(toy_subject(), spec)
    mc = monte_carlo(problem, spec.runs, spec.seed, chunk_size=1000)
    units = unit_summary(mc).set_index("unit_id")
    # A ranks first iff w1 > w2: probability 1/2 by symmetry
    assert (mc.ranks[:, 0] == 1).mean() == pytest.approx(0.5, abs=0.03)
    # A reaches 55 iff w1 >= (11/9)·w2 with w = 0.75 + 0.5·u: area 2/11 of the unit square
    assert units.at["A", "p_star_5"] == pytest.approx(2 / 11, abs=0.03)
    assert units.at["B", "p_star_5"] == pytest.approx(2 / 11, abs=0.03)
    # C always scores 50: three stars in every replication, never changes
    assert units.at["C", "p_star_3"] == 1.0
    assert units.at["C", "p_star_changed"] == 0.0
    assert units.at["C", "nominal_stars"] == 3
    # nominal: all three score 50 (three stars). A leaves three stars iff its share
    # w1/(w1 + w2) is >= 0.54 or < 0.46; P(share >= 0.54) = P(w1 >= 27/23·w2) = 0.232689
    # (area in the unit square), B mirrors A, C never moves: mean share 2·2·0.232689/3
    overall = overall_summary(mc).set_index("key")["value"]
    assert overall["share_star_changed_mean"] == pytest.approx(4 * 0.232689 / 3, abs=0.02)
    assert overall["share_units_ever_changed"] == pytest.approx(2 / 3)
    # all three are nominally three-star; five stars: A and B with 2/11 each, C never
    moves = star_transitions(mc).set_index("nominal_stars")
    assert list(moves.index) == [3] and moves.at[3, "n_units"] == 3
    assert moves.at[3, "p_star_5"] == pytest.approx((2 / 11 + 2 / 11) / 3, abs=0.02)
    assert moves.loc[3, ["p_star_1", "p_star_2", "p_star_3", "p_star_4", "p_star_5", "p_unrated"]].sum() == pytest.approx(1.0)


def test_a_unit_without_data_is_unrated_not_zero(tmp_path):
    data = pd.concat([DATA, pd.DataFrame({"uCode": ["D"], "x1": [np.nan], "x2": [np.nan]})], ignore_index=True)
    subject = Subject("toy", hierarchy_from_records(RECORDS), {"normalise": {"method": "minmax"}}, BANDS,
                      partial(_const, data), lambda raw: "", lambda raw: raw)
    spec = load_audit_spec(write(tmp_path, WEIGHTS_ONLY))
    mc = monte_carlo(prepare(subject, spec), 100, 1)
    d = unit_summary(mc).set_index("unit_id").loc["D"]
    assert pd.isna(d.nominal_rank) and pd.isna(d.median_rank) and pd.isna(d.p_star_changed)
    assert pd.isna(d.nominal_stars) and d.p_unrated == 1.0
    # the unrated unit takes no place: the others still rank 1 to 3
    assert np.nanmax(mc.ranks) == 3


def test_zero_noise_reproduces_the_nominal_run(tmp_path):
    spec = load_audit_spec(write(tmp_path, WEIGHTS_ONLY.replace("0.25", "0.0")))
    mc = monte_carlo(prepare(toy_subject(), spec), 50, 1)
    units = unit_summary(mc)
    # nominal: A = B = C = 50 -> all tied at rank 1, three stars
    assert (units.nominal_rank == 1).all() and (units.median_rank == 1).all()
    assert (units.p_star_changed == 0).all()
    overall = overall_summary(mc).set_index("key")["value"]
    assert overall["share_star_changed_mean"] == 0.0
    shares = star_share_summary(mc).set_index("stars")
    assert shares.at[3, "mean"] == 1.0 and shares.at[3, "nominal_share"] == 1.0


def test_same_seed_same_tables_and_chunking_does_not_matter(tmp_path):
    spec = load_audit_spec(write(tmp_path, WEIGHTS_ONLY))
    problem = prepare(toy_subject(), spec)
    a = monte_carlo(problem, 500, 7, chunk_size=500)
    b = monte_carlo(problem, 500, 7, chunk_size=13)
    np.testing.assert_array_equal(a.ranks, b.ranks)
    np.testing.assert_array_equal(a.stars, b.stars)
    pd.testing.assert_frame_equal(unit_summary(a), unit_summary(b))
    c = monte_carlo(problem, 500, 8)
    assert not np.array_equal(a.ranks, c.ranks)


def test_dask_local_cluster_gives_identical_results(tmp_path):
    distributed = pytest.importorskip("dask.distributed")
    spec = load_audit_spec(write(tmp_path, WEIGHTS_ONLY))
    problem = prepare(toy_subject(), spec)
    local = monte_carlo(problem, 600, 3, chunk_size=100)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, dashboard_address=None) as cluster:
        with distributed.Client(cluster) as client:
            remote = monte_carlo(problem, 600, 3, chunk_size=100, client=client)
            again = monte_carlo(problem, 600, 3, chunk_size=100, client=client)  # same problem, same client
    np.testing.assert_array_equal(local.ranks, remote.ranks)
    np.testing.assert_array_equal(local.stars, remote.stars)
    np.testing.assert_array_equal(local.ranks, again.ranks)


def test_discrete_mapping_from_the_unit_interval():
    equal = Choice("n", "discrete", "pipeline", ("p",), levels=("a", "b", "c"), probabilities=(1 / 3, 1 / 3, 1 / 3))
    u = np.array([[0.0], [0.33], [0.34], [0.66], [0.67], [0.999999]])
    np.testing.assert_array_equal(decode(u, equal), [0, 0, 1, 1, 2, 2])
    skewed = Choice("n", "discrete", "pipeline", ("p",), levels=("a", "b"), probabilities=(0.8, 0.2))
    np.testing.assert_array_equal(decode(np.array([[0.79], [0.8], [1.0]]), skewed), [0, 1, 1])


def test_uniform_and_grid_and_weight_mapping():
    band = Choice("c", "uniform", "stars", ("stars.levels.3.min_score",), ranges=((40.0, 60.0),))
    assert decode(np.array([[0.0], [0.25]]), band)[:, 0] == pytest.approx([40.0, 45.0])
    grid = Choice("g", "uniform", "pipeline", ("parameters.x",), ranges=((20.0, 40.0),), grid=5)
    # five points 20, 25, ..., 40; u in [0.2, 0.4) -> second point
    assert decode(np.array([[0.0], [0.3], [0.99]]), grid)[:, 0] == pytest.approx([20.0, 25.0, 40.0])
    w = Choice("w", "weights", "weights", relative=(0.1, 0.3))
    factors = decode(np.array([[0.0, 0.0, 1.0]]), w, np.array([1, 2, 2]))
    assert factors[0] == pytest.approx([0.9, 0.7, 1.3])


def test_star_cutoff_choice_moves_stars(tmp_path):
    text = """
seed: 5
choices:
  three_star_band:
    kind: uniform
    parameter: stars.levels.3.min_score
    low: 47
    high: 53
"""
    spec = load_audit_spec(write(tmp_path, text))
    mc = monte_carlo(prepare(toy_subject(), spec), 2000, spec.seed)
    # everyone scores 50 (equal weights): three stars iff the band is below 50, p = 1/2
    units = unit_summary(mc).set_index("unit_id")
    assert units.at["C", "p_star_3"] == pytest.approx(0.5, abs=0.04)
    assert units.at["C", "p_star_2"] == pytest.approx(0.5, abs=0.04)


def test_discrete_choice_between_whole_star_rules(tmp_path):
    text = f"""
seed: 2
choices:
  weights: {{kind: weights, relative: 0.0}}
{STAR_RULE_CHOICE}"""
    spec = load_audit_spec(write(tmp_path, text))
    mc = monte_carlo(prepare(toy_subject(), spec), 1000, spec.seed)
    units = unit_summary(mc).set_index("unit_id")
    # equal weights: all three score 50 and tie at rank 1. Bands: three stars; quotas:
    # the tie at rank 1 is within the one five-star slot, so all get five stars
    assert units["p_star_3"].to_numpy() == pytest.approx([0.5] * 3, abs=0.05)
    assert (units["p_star_3"] + units["p_star_5"]).to_numpy() == pytest.approx([1.0] * 3)
    # the stars of each replication follow its rule
    labels = design_table(mc.problem, mc.design)["star_rule"].to_numpy()
    assert (mc.stars[labels == "bands"] == 3).all() and (mc.stars[labels == "quotas"] == 5).all()


@pytest.mark.parametrize(
    "text, key",
    [
        ("choices: {w: {kind: weights, relative: 1.5}}", "choices.w.relative"),
        ("choices: {n: {kind: discrete, parameter: normalise, levels: [a]}}", "choices.n.levels"),
        (
            "choices: {n: {kind: discrete, parameter: impute, levels: [{method: mean}, {method: median}], probabilities: [0.5, 0.6]}}",
            "choices.n.probabilities",
        ),
        ("choices: {n: {kind: normal, parameter: impute}}", "choices.n.kind"),
        ("choices: {n: {kind: discrete, parameter: impute, levels: [1, 2], colour: red}}", "choices.n"),
        ("choices: {p: {kind: uniform, parameter: parameters.peer_top_share, low: 20, high: 40}}", "choices.p.grid"),
        (
            "choices: {s: {kind: uniform, parameter: [stars.levels.5.top_share, stars.levels.4.top_share], ranges: [[0.05, 0.3], [0.2, 0.6]]}}",
            "choices",
        ),
        ("choices: {s: {kind: uniform, parameter: stars.levels.6.min_score, low: 1, high: 2}}", "choices.s.parameter"),
        ("seed: 1\nsobol: {base_samples: 100}\nchoices: {w: {kind: weights}}", "sobol.base_samples"),
        ("choices: {}", "choices"),
        ("version: 2\nchoices: {w: {kind: weights}}", "version"),
        ("choices: {s: {kind: discrete, parameter: stars, levels: [{levels: {5: {min_score: 1}}}, {levels: {}}]}}", "choices.s.levels[0]"),
        ("choices: {s: {kind: discrete, parameter: stars.levels.5.top_share, levels: [0.1, 0.2]}}", "choices.s.parameter"),
        # weights are the audit's own kind: a parameter path into them would silently do nothing
        ("choices: {w: {kind: discrete, parameter: weights, levels: [{scheme: equal}, {values: {D1: 2}}]}}", "choices.w.parameter"),
        ("choices: {w: {kind: uniform, parameter: weights.values.D1, low: 1, high: 2}}", "choices.w.parameter"),
    ],
)
def test_bad_audit_file_names_file_and_key(tmp_path, text, key):
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        load_audit_spec(path)
    assert str(path) in str(err.value) and key in str(err.value)


def test_default_audit_file_is_valid():
    spec = load_audit_spec()
    names = {c.name for c in spec.choices}
    assert {"weights", "normalisation", "aggregation", "imputation", "outliers"} <= names
    assert spec.runs > 0 and spec.seed is not None


def test_an_invalid_level_is_reported_with_the_audit_file_and_the_method_key(tmp_path):
    text = """
choices:
  normalisation: {kind: discrete, parameter: normalise, levels: [{method: minmax}, {method: softmax}]}
"""
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        prepare(toy_subject(), load_audit_spec(path))
    assert str(path) in str(err.value) and "normalise.method" in str(err.value) and "softmax" in str(err.value)


def test_geometric_with_zero_values_fails_before_running(tmp_path):
    text = """
choices:
  aggregation: {kind: discrete, parameter: aggregate, levels: [{method: arithmetic}, {method: geometric}]}
"""
    spec = load_audit_spec(write(tmp_path, text))
    with pytest.raises(ConfigError, match="几何平均"):
        prepare(toy_subject(), spec)  # min-max 0-100 gives zeros


def test_batch_equals_single_engine_runs_for_pipeline_and_aggregation_choices(tmp_path):
    """Each design row, evaluated in one batch, ranks units as a separate engine run would."""
    from nidb.engine.method import method_from_mapping
    from nidb.engine.run import run

    text = """
choices:
  normalisation:
    kind: discrete
    parameter: normalise
    levels: [{method: minmax, low: 1, high: 100}, {method: rank}, {method: efficacy}]
  aggregation: {kind: discrete, parameter: aggregate, levels: [{method: arithmetic}, {method: geometric}]}
"""
    rng = np.random.default_rng(0)
    data = pd.DataFrame({"uCode": [f"U{i}" for i in range(12)], "x1": rng.uniform(1, 50, 12), "x2": rng.lognormal(1, 1, 12)})
    subject = Subject("t", hierarchy_from_records(RECORDS), {"normalise": {"method": "minmax"}}, BANDS,
                      partial(_const, data), lambda raw: "", lambda raw: raw)
    spec = load_audit_spec(write(tmp_path, text))
    problem = prepare(subject, spec)
    levels_n = [{"method": "minmax", "low": 1, "high": 100}, {"method": "rank"}, {"method": "efficacy"}]
    levels_a = [{"method": "arithmetic"}, {"method": "geometric"}]
    u = np.array([[(i + 0.5) / 3, (j + 0.5) / 2] for i in range(3) for j in range(2)])
    ranks, _ = evaluate(problem, u)
    for row, (i, j) in enumerate((i, j) for i in range(3) for j in range(2)):
        single = run(data, subject.hierarchy, method_from_mapping({"normalise": levels_n[i], "aggregate": levels_a[j]}))
        np.testing.assert_array_equal(ranks[row], single.ranks["I"].to_numpy())


def test_rescaling_an_indicator_changes_nothing(tmp_path):
    """Every normalisation in the design is scale-free, so multiplying a raw indicator by
    a positive constant must leave every replication's ranks and stars unchanged."""
    text = """
choices:
  weights: {kind: weights, relative: 0.25}
  normalisation:
    kind: discrete
    parameter: normalise
    levels: [{method: minmax, low: 1, high: 100}, {method: zscore, mean: 100, sd: 10}, {method: rank}, {method: efficacy}]
  aggregation: {kind: discrete, parameter: aggregate, levels: [{method: arithmetic}, {method: geometric}]}
  outliers:
    kind: discrete
    parameter: treat
    levels: [{method: none}, {method: jrc}]
"""
    rng = np.random.default_rng(4)
    data = pd.DataFrame({"uCode": [f"U{i:02d}" for i in range(40)], "x1": rng.lognormal(2, 1.5, 40), "x2": rng.uniform(5, 9, 40)})
    scaled = data.assign(x1=data.x1 * 1000.0)
    spec = load_audit_spec(write(tmp_path, text))

    def subject(frame):
        return Subject("t", hierarchy_from_records(RECORDS), {"normalise": {"method": "minmax"}}, BANDS,
                       partial(_const, frame), lambda raw: "", lambda raw: raw)

    a = monte_carlo(prepare(subject(data), spec), 300, 9)
    b = monte_carlo(prepare(subject(scaled), spec), 300, 9)
    np.testing.assert_array_equal(a.ranks, b.ranks)
    np.testing.assert_array_equal(a.stars, b.stars)


def test_replayed_values_of_star_cutoffs_grid_points_and_star_rules(tmp_path):
    from nidb.audit.uncertainty import replay, replay_values

    text = """
seed: 4
choices:
  weights: {kind: weights, relative: 0.2}
  scale: {kind: uniform, parameter: normalise.high, low: 50, high: 100, grid: 3}
  band: {kind: uniform, parameter: stars.levels.3.min_score, low: 20, high: 30}
"""
    problem = prepare(toy_subject(), load_audit_spec(write(tmp_path, text)))
    u = np.random.default_rng(1).random((25, problem.n_columns))
    table = design_table(problem, u, node_weights=True)
    assert set(table["normalise.high"]) <= {50.0, 75.0, 100.0}
    by_values, by_coordinates = replay_values(problem, table), replay(problem, u)
    for name in ("scores", "ranks", "stars"):
        np.testing.assert_array_equal(getattr(by_values, name).to_numpy(), getattr(by_coordinates, name).to_numpy())
    # by hand: C scores half the scale; a three-star band above it leaves C one star (two needs 45)
    hand = pd.DataFrame({"normalise.high": [100.0, 100.0, 50.0], "stars.levels.3.min_score": [20.0, 30.0, 26.0]})
    out = replay_values(problem, hand)
    assert out.scores["C"].tolist() == [50.0, 50.0, 25.0]
    assert out.stars["C"].tolist() == [3, 3, 1]
    with pytest.raises(ConfigError, match=r"第 1 组参数（行标签 0），列「normalise.high」：取值 60 不是预先计算的网格点（50、75、100）"):
        replay_values(problem, hand.assign(**{"normalise.high": [60.0, 100.0, 50.0]}))
    with pytest.raises(ConfigError, match=r"列「stars.levels.3.min_score」：取值「31.0」无效，应在 \[20, 30\] 之间"):
        replay_values(problem, hand.assign(**{"stars.levels.3.min_score": [20.0, 31.0, 26.0]}))


def test_replayed_values_choose_whole_star_rules_by_label(tmp_path):
    from nidb.audit.uncertainty import replay_values

    text = f"""
choices:
{STAR_RULE_CHOICE}"""
    problem = prepare(toy_subject(), load_audit_spec(write(tmp_path, text)))
    out = replay_values(problem, pd.DataFrame({"star_rule": ["quotas", "bands"]}))
    # nominal equal weights: all three score 50, tie at rank 1 — five stars by quota, three by band
    assert out.stars.to_numpy().tolist() == [[5, 5, 5], [3, 3, 3]]
