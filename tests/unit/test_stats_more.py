"""Wilson intervals, chi-square, Benjamini–Hochberg and relative risk against textbook values and scipy."""

import math

import pytest

from analytics.stats import MIN_N, benjamini_hochberg, chi_square_pvalue, relative_risk, wilson_interval


def test_min_n():
    assert MIN_N == 30


# -- Wilson -----------------------------------------------------------------------------------------

def test_wilson_empty_is_null():
    assert wilson_interval(0, 0) == (None, None)


def test_wilson_textbook_values():
    # Newcombe (1998), Stat Med 17:857, table II: 81/263 → 0.2553–0.3662; 15/148 → 0.0624–0.1605.
    assert wilson_interval(81, 263) == pytest.approx((0.2553, 0.3662), abs=5e-5)
    assert wilson_interval(15, 148) == pytest.approx((0.0624, 0.1605), abs=5e-5)
    # Newcombe: 0/20 → 0–0.1611 and 1/29 → 0.0061–0.1718.
    assert wilson_interval(0, 20) == pytest.approx((0.0, 0.1611), abs=5e-5)
    assert wilson_interval(1, 29) == pytest.approx((0.0061, 0.1718), abs=5e-5)


def test_wilson_by_hand_and_symmetry():
    # 5/10, z = 1.96: centre .5, half = 1.96/(1 + .38416) × √(.025 + .009604) = .26341
    low, high = wilson_interval(5, 10)
    assert low == pytest.approx(0.5 - 0.263407, abs=1e-6)
    assert high == pytest.approx(0.5 + 0.263407, abs=1e-6)
    lo3, hi3 = wilson_interval(3, 10)
    lo7, hi7 = wilson_interval(7, 10)
    assert (lo3, hi3) == pytest.approx((1 - hi7, 1 - lo7))
    assert wilson_interval(10, 10)[1] == 1.0
    assert wilson_interval(0, 10)[0] == 0.0


def test_wilson_matches_statsmodels_formula_with_other_z():
    k, n, z = 40, 90, 2.5758293035489
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    assert wilson_interval(k, n, z) == pytest.approx((centre - half, centre + half))


def test_wilson_rejects_inconsistent_counts():
    with pytest.raises(ValueError):
        wilson_interval(3, 2)


# -- chi-square ---------------------------------------------------------------------------------------

def test_chi_square_2x2_by_hand():
    # χ² = N(ad − bc)² / (r1 r2 c1 c2) = 100 (10·40 − 20·30)² / (30·70·40·60) = 0.79365…; 1 df
    table = [[10, 20], [30, 40]]
    stat = 100 * (10 * 40 - 20 * 30) ** 2 / (30 * 70 * 40 * 60)
    assert stat == pytest.approx(0.793651, abs=1e-6)
    assert chi_square_pvalue(table) == pytest.approx(math.erfc(math.sqrt(stat / 2)))  # χ²₁ survival
    assert chi_square_pvalue(table) == pytest.approx(0.372998, abs=1e-6)


def test_chi_square_matches_scipy_on_rxc():
    from scipy.stats import chi2_contingency

    table = [[12, 5, 9], [7, 14, 3], [20, 11, 6]]
    assert chi_square_pvalue(table) == pytest.approx(chi2_contingency(table, correction=False).pvalue)


def test_chi_square_drops_empty_rows_and_columns():
    assert chi_square_pvalue([[10, 0, 20], [0, 0, 0], [30, 0, 40]]) == chi_square_pvalue([[10, 20], [30, 40]])
    assert chi_square_pvalue([[10, 20], [0, 0]]) is None   # one row left
    assert chi_square_pvalue([[10, 0], [30, 0]]) is None   # one column left
    assert chi_square_pvalue([]) is None
    assert chi_square_pvalue([[0, 0], [0, 0]]) is None


def test_chi_square_independent_table_is_one():
    assert chi_square_pvalue([[10, 20], [20, 40]]) == pytest.approx(1.0)


# -- Benjamini–Hochberg ---------------------------------------------------------------------------------

def test_bh_textbook_example():
    # R: p.adjust(c(0.01, 0.04, 0.03, 0.005, 0.5), "BH") → 0.025 0.05 0.05 0.025 0.5
    assert benjamini_hochberg([0.01, 0.04, 0.03, 0.005, 0.5]) == pytest.approx([0.025, 0.05, 0.05, 0.025, 0.5])


def test_bh_matches_scipy():
    from scipy.stats import false_discovery_control

    ps = [0.001, 0.008, 0.039, 0.041, 0.042, 0.06, 0.074, 0.205, 0.212, 0.216]
    assert benjamini_hochberg(ps) == pytest.approx(list(false_discovery_control(ps, method="bh")))


def test_bh_none_stays_none_and_is_not_counted():
    assert benjamini_hochberg([None, 0.02, None, 0.04]) == [None, pytest.approx(0.04), None, pytest.approx(0.04)]
    assert benjamini_hochberg([]) == []
    assert benjamini_hochberg([None]) == [None]


def test_bh_caps_at_one_and_is_monotone():
    q = benjamini_hochberg([0.9, 0.95, 1.0, 0.3])
    assert all(v <= 1.0 for v in q)
    order = sorted(range(4), key=lambda i: [0.9, 0.95, 1.0, 0.3][i])
    assert [q[i] for i in order] == sorted(q)


# -- relative risk --------------------------------------------------------------------------------------

def test_relative_risk_by_hand():
    # 20/100 vs 10/100: RR 2; SE(ln RR) = √(1/20 − 1/100 + 1/10 − 1/100) = √.13
    got = relative_risk(20, 100, 10, 100)
    se = math.sqrt(0.13)
    assert got["rr"] == pytest.approx(2.0)
    assert got["ci_low"] == pytest.approx(math.exp(math.log(2) - 1.959964 * se))
    assert got["ci_high"] == pytest.approx(math.exp(math.log(2) + 1.959964 * se))
    assert (got["ci_low"], got["ci_high"]) == pytest.approx((0.98656, 4.05448), abs=1e-5)
    # Expected counts all ≥ 5 → Pearson chi-square: 200 (20·90 − 80·10)² / (100·100·30·170) = 3.92157
    assert got["p_value"] == pytest.approx(math.erfc(math.sqrt(3.921569 / 2)), abs=1e-6)


def test_relative_risk_textbook():
    # Aspirin and myocardial infarction (Physicians' Health Study): 139/11037 vs 239/11034 →
    # RR 0.58, 95 % CI 0.47–0.72; by hand SE = √(1/139 − 1/11037 + 1/239 − 1/11034) = 0.105817
    got = relative_risk(139, 11037, 239, 11034)
    assert got["rr"] == pytest.approx(0.58143, abs=1e-5)
    assert got["ci_low"] == pytest.approx(0.58143 * math.exp(-1.959964 * 0.105817), abs=1e-4)
    assert got["ci_high"] == pytest.approx(0.58143 * math.exp(1.959964 * 0.105817), abs=1e-4)
    assert (round(got["ci_low"], 2), round(got["ci_high"], 2)) == (0.47, 0.72)
    assert got["p_value"] < 1e-6


def test_relative_risk_small_counts_use_fisher():
    from scipy.stats import fisher_exact

    got = relative_risk(3, 10, 1, 12)  # expected event counts < 5
    assert got["p_value"] == pytest.approx(fisher_exact([[3, 7], [1, 11]]).pvalue)
    assert got["rr"] == pytest.approx(0.3 / (1 / 12))


def test_relative_risk_undefined_parts():
    assert relative_risk(0, 0, 1, 10) == {"rr": None, "ci_low": None, "ci_high": None, "p_value": None}
    assert relative_risk(1, 10, 0, 0)["p_value"] is None
    no_b = relative_risk(2, 10, 0, 10)
    assert no_b["rr"] is None and no_b["ci_low"] is None and no_b["p_value"] is not None
    no_a = relative_risk(0, 10, 3, 10)
    assert no_a["rr"] == 0.0 and no_a["ci_low"] is None and no_a["ci_high"] is None
    assert relative_risk(0, 10, 0, 10)["p_value"] == 1.0
