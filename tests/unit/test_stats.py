"""NPS and its interval from counts, by hand."""

import math
import sys

import pytest

from analytics.stats import nps_with_interval, share


def test_no_responses_is_null():
    assert nps_with_interval(0, 0, 0) == (None, None, None)


def _rocks(promoters: int, detractors: int, n: int) -> tuple[float, float]:
    """Rocks (2016) as published: n′ = n + 3, p′ = (P + ¾)/n′, d′ = (D + ¾)/n′,
    NPS′ ± 1.96 √((p′ + d′ − (p′ − d′)²)/n′), in points, clipped."""
    n1 = n + 3
    p, d = (promoters + 0.75) / n1, (detractors + 0.75) / n1
    half = 1.959963984540054 * math.sqrt((p + d - (p - d) ** 2) / n1)
    return max(-100.0, 100 * (p - d - half)), min(100.0, 100 * (p - d + half))


def _clustered_by_hand(answers: list[tuple[str, int]]) -> tuple[float, float]:
    """The adjusted Wald interval computed from the answers themselves: scores ±1/0, three pseudo-customers
    answering +√¾, −√¾ and 0, the residuals summed per customer."""
    scores = [(who, 1 if s >= 9 else -1 if s <= 6 else 0) for who, s in answers]
    scores += [("p1", math.sqrt(0.75)), ("p2", -math.sqrt(0.75)), ("p3", 0.0)]
    m = sum(y for _, y in scores) / len(scores)
    per: dict = {}
    for who, y in scores:
        per[who] = per.get(who, 0.0) + y - m
    half = 1.959963984540054 * math.sqrt(sum(e * e for e in per.values())) / len(scores)
    return max(-100.0, 100 * (m - half)), min(100.0, 100 * (m + half))


def test_hand_computed_interval():
    # 2 promoters, 1 detractor, 1 passive: NPS 25. Adjusted: n′ = 7, p′ = 2.75/7, d′ = 1.75/7, centre 1/7;
    # variance (4.5/7 − 1/49)/7 = .0889213 → 100 × (1/7 ± 1.96 × .2981967) = [−44.16, 72.73]
    nps, low, high = nps_with_interval(2, 1, 4)
    assert nps == 25.0
    assert low == pytest.approx(100 * (1 / 7 - 1.959963984540054 * math.sqrt((4.5 / 7 - 1 / 49) / 7)), abs=1e-9)
    assert (low, high) == pytest.approx((-44.1598, 72.7312), abs=1e-3)


@pytest.mark.parametrize("counts", [(2, 1, 4), (500, 200, 1000), (37, 21, 90), (0, 1, 2), (30, 0, 30), (0, 0, 5),
                                    (1, 0, 1)])
def test_one_answer_per_customer_is_rocks_adjusted_wald_exactly(counts):
    nps, low, high = nps_with_interval(*counts)
    assert (low, high) == pytest.approx(_rocks(*counts), abs=1e-9)
    p, d, n = counts
    assert nps_with_interval(p, d, n, (n, p + d, p - d, n)) == pytest.approx((nps, low, high))


def test_thirty_promoters_of_thirty_are_not_plus_or_minus_zero():
    nps, low, high = nps_with_interval(30, 0, 30)
    assert nps == 100.0  # the observed score is shown; its bounds are asymmetric around it
    assert low == pytest.approx(78.70, abs=0.01)
    assert high == 100.0
    nps, low, high = nps_with_interval(0, 0, 5)  # all passives: 0 with a real width
    assert nps == 0.0 and low < -20 and high > 20


def test_a_customer_answering_ten_times_is_one_cluster():
    # three customers answering ten times each (two always 10, one always 0) are not thirty independent answers
    answers = [("a", 10)] * 10 + [("b", 10)] * 10 + [("c", 0)] * 10
    s_sq, s_n, n_sq = 10 ** 2 * 3, 10 * 10 + 10 * 10 - 10 * 10, 10 ** 2 * 3
    nps, low, high = nps_with_interval(20, 10, 30, (3, s_sq, s_n, n_sq))
    assert nps == pytest.approx(100 / 3)
    assert (low, high) == pytest.approx(_clustered_by_hand(answers), abs=1e-9)
    naive = nps_with_interval(20, 10, 30)
    assert high - low > 2.5 * (naive[2] - naive[1])
    mixed = [("a", 10), ("a", 3), ("b", 8), ("c", 9), ("c", 9), ("c", 1), ("d", 0)]
    # per customer (S, n): a (0, 2), b (0, 1), c (1, 3), d (−1, 1)
    got = nps_with_interval(3, 3, 7, (4, 0 + 0 + 1 + 1, 0 + 0 + 3 - 1, 4 + 1 + 9 + 1))
    assert got[1:] == pytest.approx(_clustered_by_hand(mixed), abs=1e-9)


def test_exact_nps_from_integers():
    assert nps_with_interval(1, 2, 3)[0] == 100 * (1 - 2) / 3


def test_unanimous_answers_stay_in_bounds():
    assert nps_with_interval(5, 0, 5)[0] == 100.0 and nps_with_interval(5, 0, 5)[2] == 100.0
    assert nps_with_interval(0, 5, 5)[0] == -100.0 and nps_with_interval(0, 5, 5)[1] == -100.0


@pytest.mark.parametrize("counts", [(3, 2, 4), (-1, 0, 3), (0, -1, 3), (0, 0, -1)])
def test_inconsistent_counts_are_refused(counts):
    with pytest.raises(ValueError):
        nps_with_interval(*counts)


def test_share():
    assert share(1, 4) == 0.25
    assert share(0, 4) == 0.0
    assert share(3, 0) is None


def test_report_path_does_not_import_scipy():
    import subprocess

    from tests.conftest import ROOT

    code = "import sys, analytics.report, analytics.__main__; print('scipy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_clustered_mean_by_hand():
    from analytics.stats import clustered_mean

    assert clustered_mean(0, 0, 0, 0, 0, 0) == (None, None, None)
    assert clustered_mean(2, 1, 9, 81, 18, 4) == (4.5, None, None)  # one customer: no interval
    # one answer each (2, 3, 4): the usual interval, s² = 1 on N − 1 = 2, s²/N = 1/3
    mean, low, high = clustered_mean(3, 3, 9, 29, 9, 3)
    assert mean == 3.0 and low == pytest.approx(3 - 1.959963984540054 * (1 / 3) ** 0.5) and high == pytest.approx(
        3 + 1.959963984540054 * (1 / 3) ** 0.5)
    assert clustered_mean(3, 3, 9, 35, 9, 3)[1] == 1.0  # (1, 3, 5): the bound stops at the scale's end
    # a customer answering 5 five times and two answering 1: the repeats do not narrow the interval as five people
    # would (clusters: residuals 5 × (5 − 27/7) = 40/7 and 2 × (1 − 27/7), 3 clusters)
    mean, low, high = clustered_mean(7, 3, 27, 25 * 25 + 1 + 1, 25 * 5 + 1 + 1, 25 + 1 + 1)
    residuals = [5 * (5 - 27 / 7), 1 - 27 / 7, 1 - 27 / 7]
    margin = 1.959963984540054 * (3 / 2 * sum(e * e for e in residuals)) ** 0.5 / 7
    assert mean == pytest.approx(27 / 7) and low == pytest.approx(max(1, 27 / 7 - margin)) and high == 5.0
    naive = 1.959963984540054 * ((sum((x - 27 / 7) ** 2 for x in [5] * 5 + [1, 1]) / 6) / 7) ** 0.5
    assert margin > naive


def _cell_sums(answers, in_cell):
    """The sums ``clustered_cell_test`` reads, from raw (customer, y) answers and a parallel list of booleans."""
    totals, cell = {}, {}
    for (cid, y), inside in zip(answers, in_cell, strict=True):
        t, m = totals.get(cid, (0.0, 0))
        totals[cid] = (t + y, m + 1)
        if inside:
            s, k = cell.get(cid, (0.0, 0))
            cell[cid] = (s + y, k + 1)
    everyone = {"n": len(answers), "s": sum(y for _, y in answers), "g": len(totals),
                "tt": sum(t * t for t, _ in totals.values()), "tm": sum(t * m for t, m in totals.values()),
                "mm": sum(m * m for _, m in totals.values())}
    sums = {"n": sum(k for _, k in cell.values()), "s": sum(s for s, _ in cell.values()), "g": len(cell)}
    pairs = [(s, k, *totals[cid]) for cid, (s, k) in cell.items()]
    sums.update(s1s1=sum(s * s for s, k, t, m in pairs), s1m1=sum(s * k for s, k, t, m in pairs),
                m1m1=sum(k * k for s, k, t, m in pairs), s1t=sum(s * t for s, k, t, m in pairs),
                s1m=sum(s * m for s, k, t, m in pairs), m1t=sum(k * t for s, k, t, m in pairs),
                m1m=sum(k * m for s, k, t, m in pairs), tt=sum(t * t for s, k, t, m in pairs),
                tm=sum(t * m for s, k, t, m in pairs), mm=sum(m * m for s, k, t, m in pairs))
    return sums, everyone


def _sandwich(answers, in_cell):
    """The CR1 cluster-robust variance of the slope of y on [1, in_cell], written as the textbook sandwich
    (X'X)⁻¹ (Σ_c X_c' u_c u_c' X_c) (X'X)⁻¹ · G/(G−1) · (N−1)/(N−2): an independent reading."""
    import numpy as np

    x = np.array([[1.0, float(g)] for g in in_cell])
    y = np.array([v for _, v in answers], dtype=float)
    beta = np.linalg.solve(x.T @ x, x.T @ y)
    u = y - x @ beta
    bread = np.linalg.inv(x.T @ x)
    meat = np.zeros((2, 2))
    ids = [c for c, _ in answers]
    for cid in set(ids):
        rows = [i for i, c in enumerate(ids) if c == cid]
        score = x[rows].T @ u[rows]
        meat += np.outer(score, score)
    g, n = len(set(ids)), len(answers)
    v = bread @ meat @ bread * g / (g - 1) * (n - 1) / (n - 2)
    return beta[1], v[1, 1]


def test_clustered_cell_test_equals_the_sandwich():
    from analytics.stats import clustered_cell_test

    # c1 answers three times (twice in the cell), c2 in the cell and outside, the others once
    answers = [("c1", 1), ("c1", 1), ("c1", 0), ("c2", 1), ("c2", 0), ("c3", 0), ("c4", 1), ("c5", 0), ("c6", 0),
               ("c7", 0), ("c3", 1)]
    in_cell = [True, True, False, True, False, True, True, False, False, False, False]
    slope, var = _sandwich(answers, in_cell)
    got = clustered_cell_test(*_cell_sums(answers, in_cell), scale=100)
    assert got["diff"] == pytest.approx(100 * slope)
    assert got["z"] == pytest.approx(slope / math.sqrt(var))
    assert got["p_value"] == pytest.approx(math.erfc(abs(slope / math.sqrt(var)) / math.sqrt(2)))
    # NPS scores (+1 / 0 / −1), one answer each: the Welch z-test up to the factor N / (N − 2)
    answers = [(f"c{i}", y) for i, y in enumerate([1, 1, -1, 0, 1, -1, -1, 0, 1, 1])]
    in_cell = [i < 4 for i in range(10)]
    slope, var = _sandwich(answers, in_cell)
    got = clustered_cell_test(*_cell_sums(answers, in_cell))
    assert got["z"] == pytest.approx(slope / math.sqrt(var))
    from analytics.stats import nps_difference_test

    welch = nps_difference_test(2, 1, 4, 3, 2, 6)
    assert got["z"] == pytest.approx(welch["z"] * math.sqrt(8 / 10))


def test_clustered_cell_test_counts_customers_not_answers():
    """Three customers answering ten times each look like thirty answers to a row-level test: clustered, the
    evidence is three customers' worth."""
    from analytics.stats import clustered_cell_test

    rest = [(f"r{i}", 0) for i in range(60)] + [(f"r{i}", 1) for i in range(60, 80)]
    cell = [(f"c{i}", 1) for i in range(2) for _ in range(10)] + [("c2", 0)] * 10
    answers = cell + rest
    in_cell = [True] * len(cell) + [False] * len(rest)
    clustered = clustered_cell_test(*_cell_sums(answers, in_cell))
    # the same answers from thirty different customers
    spread = [(f"x{i}", y) for i, (_, y) in enumerate(cell)] + rest
    independent = clustered_cell_test(*_cell_sums(spread, in_cell))
    assert independent["p_value"] < 1e-4 < 0.05 < clustered["p_value"]
    assert clustered["diff"] == pytest.approx(independent["diff"])


def test_clustered_cell_test_edges():
    from analytics.stats import clustered_cell_test

    assert clustered_cell_test(*_cell_sums([("a", 1), ("b", 0)], [True, False]))["p_value"] is None  # 2 customers
    one = _cell_sums([("a", 1), ("b", 0), ("c", 1), ("d", 0)], [True, False, False, False])
    assert clustered_cell_test(*one)["p_value"] is None  # one customer in the cell: its spread is unknown
    assert clustered_cell_test(*_cell_sums([("a", 1), ("b", 0), ("c", 0)], [True, True, True]))["p_value"] is None
    same = clustered_cell_test(*_cell_sums([("a", 1), ("b", 1), ("c", 1), ("d", 1)], [True, True, False, False]))
    assert same == {"diff": 0.0, "z": None, "p_value": 1.0}
    apart = clustered_cell_test(*_cell_sums([("a", 1), ("b", 1), ("c", 0), ("d", 0)], [True, True, False, False]))
    assert apart == {"diff": 1.0, "z": None, "p_value": 0.0}


def test_dersimonian_laird_and_shrinkage_by_hand():
    from analytics.stats import dersimonian_laird, shrunk

    # w = 1/se² = .04, .04, .01; μ = 2.1/.09; Q = 16.0; Σw − Σw²/Σw = .09 − .0033/.09 → τ² = (16 − 2)/.053333 = 262.5
    tau2 = dersimonian_laird([10.0, 30.0, 50.0], [5.0, 5.0, 10.0])
    assert tau2 == pytest.approx(262.5)
    assert shrunk(50.0, 10.0, tau2) == pytest.approx(50 * 262.5 / 362.5)  # the noisy one is pulled in most
    assert shrunk(10.0, 5.0, tau2) == pytest.approx(10 * 262.5 / 287.5)
    # cells that differ no more than their noise: τ² = 0, and the caller ranks by the raw gap
    assert dersimonian_laird([10.0, 11.0, 9.0], [5.0, 5.0, 5.0]) == 0.0
    assert shrunk(10.0, 5.0, 0.0) == 10.0
    # fewer than two usable estimates; a missing or zero standard error is left out
    assert dersimonian_laird([10.0], [5.0]) == 0.0 and dersimonian_laird([10.0, 3.0], [None, 0.0]) == 0.0
    assert shrunk(None, 5.0, 1.0) is None and shrunk(7.0, None, 1.0) == 0.0
