"""NPS and its interval from counts, by hand."""

import math
import sys

import pytest

from analytics.stats import nps_with_interval, share


def test_no_responses_is_null():
    assert nps_with_interval(0, 0, 0) == (None, None, None)


def test_hand_computed_interval():
    # 2 promoters, 1 detractor, 1 passive: p = .5, d = .25 → NPS 25;
    # variance .25 + .1875 + 2 × .125 = .6875; half-width 196 × √(.6875 / 4) = 81.2573…
    nps, low, high = nps_with_interval(2, 1, 4)
    assert nps == 25.0
    assert low == pytest.approx(25 - 81.2573074, abs=1e-6)
    assert high == 100.0  # 106.26 clipped


def test_interval_of_a_large_sample():
    # 500 promoters, 200 detractors of 1000: NPS 30; variance .25 + .16 + .2 = .61 → ±196 × √.00061
    nps, low, high = nps_with_interval(500, 200, 1000)
    half = 196 * math.sqrt(0.61 / 1000)
    assert nps == 30.0
    assert (low, high) == pytest.approx((30 - half, 30 + half))
    assert half == pytest.approx(4.8408, abs=1e-4)


def test_variance_equals_that_of_the_plus_one_zero_minus_one_scores():
    prom, det, n = 37, 21, 90
    scores = [1] * prom + [-1] * det + [0] * (n - prom - det)
    mean = sum(scores) / n
    var = sum((s - mean) ** 2 for s in scores) / n
    nps, low, high = nps_with_interval(prom, det, n)
    assert nps == pytest.approx(100 * mean)
    assert high - nps == pytest.approx(196 * math.sqrt(var / n))


def test_exact_nps_from_integers():
    assert nps_with_interval(1, 2, 3)[0] == 100 * (1 - 2) / 3


def test_unanimous_answers_have_no_width_and_stay_in_bounds():
    assert nps_with_interval(5, 0, 5) == (100.0, 100.0, 100.0)
    assert nps_with_interval(0, 5, 5) == (-100.0, -100.0, -100.0)
    assert nps_with_interval(0, 0, 5) == (0.0, 0.0, 0.0)  # all passives


def test_clipped_to_minus_100():
    nps, low, high = nps_with_interval(0, 1, 2)  # NPS -50, half-width 196 × √(.25 / 2) = 69.30
    assert (nps, low) == (-50.0, -100.0)
    assert high == pytest.approx(-50 + 69.2964646, abs=1e-6)


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
