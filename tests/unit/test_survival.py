"""Kaplan–Meier and the other statistics of issue 15 ("Time is followed, not cut"), by hand and against independent
computations; the database helper ``analytics.survival`` on DuckDB and PostgreSQL."""

import math
import random
from datetime import datetime, timedelta

import ibis
import pytest
import sqlalchemy as sa

from analytics.stats import (
    MIN_N,
    kaplan_meier,
    km_quantiles,
    km_reach,
    reach_difference_test,
    reach_product,
    welch_t_test,
    wilson_interval,
)
from analytics.survival import survival_quantiles, survival_reach, survival_rows
from tests.unit.journeys import load, tp

Z = 1.959963984540054


# -- independent readings (plain loops over individual customers, written apart from analytics.stats) ----------------

def expand(table):
    """A survival table as one (time, had_event) pair per customer."""
    people = []
    for t, e, c in table:
        people += [(t, True)] * e + [(t, False)] * c
    return people


def km_by_person(people, day):
    """S(day) and the Greenwood sum, looping over the distinct event times of individual customers."""
    s, gw = 1.0, 0.0
    for t in sorted({t for t, ev in people if ev and t <= day}):
        n = sum(1 for u, _ in people if u >= t)
        d = sum(1 for u, ev in people if u == t and ev)
        s *= (n - d) / n
        gw += d / (n * (n - d)) if n > d else math.inf
    return s, gw


def loglog_reach_interval(s, gw):
    """1 − S's 95 % interval, with θ = ln(−ln S) ± 1.96 √gw / |ln S| and S = exp(−exp(θ))."""
    theta = math.log(-math.log(s))
    se = math.sqrt(gw) / abs(math.log(s))
    s_low, s_high = math.exp(-math.exp(theta + Z * se)), math.exp(-math.exp(theta - Z * se))
    return 1 - s_high, 1 - s_low


# The 6-customer case, by hand. Times (days): 1 event, 2 event, 2 censored, 3 event, 4 censored, 5 event.
#  t=1: at risk 6, 1 event: S = 5/6,            Greenwood sum 1/(6·5) = 1/30
#  t=2: at risk 5 (the one censored at 2 still counts), 1 event: S = 5/6 · 4/5 = 2/3, sum 1/30 + 1/(5·4) = 1/12
#  t=3: at risk 3 (times 3, 4, 5), 1 event: S = 2/3 · 2/3 = 4/9, sum 1/12 + 1/(3·2) = 1/4, Var S = (4/9)²/4 = 4/81
#  t=5: at risk 1, 1 event: S = 0, Var 0.
SIX = [(1, 1, 0), (2, 1, 1), (3, 1, 0), (4, 0, 1), (5, 1, 0)]

# Freireich et al. (1963), 6-MP arm: weeks of remission, + = censored. Klein & Moeschberger, Survival Analysis
# (2003), example 4.1: S = .857, .807, .753, .690, .627, .538, .448 and Greenwood SE = .0764, .0869, .0963, .1068,
# .1141, .1282, .1346 at 6, 7, 10, 13, 16, 22, 23.
SIX_MP = [(6, 3, 1), (7, 1, 0), (9, 0, 1), (10, 1, 1), (11, 0, 1), (13, 1, 0), (16, 1, 0), (17, 0, 1), (19, 0, 1),
          (20, 0, 1), (22, 1, 0), (23, 1, 0), (25, 0, 1), (32, 0, 2), (34, 0, 1), (35, 0, 1)]


# -- Kaplan–Meier -------------------------------------------------------------------------------------------------

def test_kaplan_meier_by_hand():
    curve = kaplan_meier(SIX)
    assert [(r["time"], r["at_risk"], r["events"], r["censored"]) for r in curve] == [
        (1, 6, 1, 0), (2, 5, 1, 1), (3, 3, 1, 0), (5, 1, 1, 0)]
    assert [r["survival"] for r in curve] == pytest.approx([5 / 6, 2 / 3, 4 / 9, 0.0])
    assert [r["greenwood"] for r in curve[:3]] == pytest.approx([1 / 30, 1 / 12, 1 / 4])
    assert [r["variance"] for r in curve] == pytest.approx([(5 / 6) ** 2 / 30, (2 / 3) ** 2 / 12, 4 / 81, 0.0])
    assert curve[3]["greenwood"] is None  # infinite: everyone still followed had the event


def test_kaplan_meier_textbook_6mp():
    curve = kaplan_meier(SIX_MP)
    assert [r["time"] for r in curve] == [6, 7, 10, 13, 16, 22, 23]
    assert [r["at_risk"] for r in curve] == [21, 17, 15, 12, 11, 7, 6]
    assert [r["survival"] for r in curve] == pytest.approx([.857, .807, .753, .690, .627, .538, .448], abs=5e-4)
    assert [math.sqrt(r["variance"]) for r in curve] == pytest.approx(
        [.0764, .0869, .0963, .1068, .1141, .1282, .1346], abs=5e-5)


def test_rows_at_one_time_are_added_and_order_does_not_matter():
    shuffled = [(3, 1, 0), (2, 0, 1), (5, 1, 0), (1, 1, 0), (2, 1, 0), (4, 0, 1)]
    assert kaplan_meier(shuffled) == kaplan_meier(SIX)


def test_kaplan_meier_empty_and_no_event():
    assert kaplan_meier([]) == []
    assert kaplan_meier([(3, 0, 5)]) == []


@pytest.mark.parametrize("bad", [[(-1, 1, 0)], [(1.5, 1, 0)], [(1, -1, 0)], [(1, 0, -2)]])
def test_bad_tables_are_refused(bad):
    with pytest.raises(ValueError):
        kaplan_meier(bad)


def test_random_tables_agree_with_a_per_customer_computation():
    rng = random.Random(15)
    for _ in range(40):
        table = [(rng.randint(0, 12), rng.randint(0, 3), rng.randint(0, 3)) for _ in range(rng.randint(1, 8))]
        people = expand(table)
        for day in (0, 3, 7, 12):
            s, gw = km_by_person(people, day)
            r = km_reach(table, day)
            if not people:
                assert r["rate"] is None
                continue
            assert r["n"] == len(people)
            assert r["events"] == sum(1 for t, ev in people if ev and t <= day)
            assert r["at_risk"] == sum(1 for t, _ in people if t >= day)
            assert r["in_progress"] == sum(1 for t, ev in people if not ev and t < day)
            assert r["rate"] == pytest.approx(1 - s, abs=1e-12)
            if r["method"] == "kaplan_meier" and 0 < s < 1:
                assert (r["ci_low"], r["ci_high"]) == pytest.approx(loglog_reach_interval(s, gw))
                assert r["variance"] == pytest.approx(s * s * gw)


# -- km_reach -----------------------------------------------------------------------------------------------------

def test_reach_without_censoring_before_w_is_the_plain_share_with_wilson():
    r = km_reach(SIX, 2)  # the censoring at day 2 is not before day 2: nobody is in progress
    assert r["method"] == "share" and r["in_progress"] == 0
    assert r["rate"] == 2 / 6 and (r["ci_low"], r["ci_high"]) == wilson_interval(2, 6)
    assert r["variance"] == pytest.approx((1 / 3) * (2 / 3) / 6)
    assert (r["n"], r["events"], r["at_risk"], r["shown"]) == (6, 2, 5, False)


def test_reach_with_censoring_is_kaplan_meier_with_a_loglog_interval():
    r = km_reach(SIX, 3)
    assert r["method"] == "kaplan_meier"
    assert (r["n"], r["events"], r["at_risk"], r["in_progress"]) == (6, 3, 3, 1)
    assert r["rate"] == pytest.approx(5 / 9)
    assert r["variance"] == pytest.approx(4 / 81)
    assert (r["ci_low"], r["ci_high"]) == pytest.approx(loglog_reach_interval(4 / 9, 1 / 4))
    # the same by hand: se(θ) = .5 / ln(9/4) = .616581; S^exp(∓1.96 se) = (4/9)^0.29877…, (4/9)^3.3471…
    assert (r["ci_low"], r["ci_high"]) == pytest.approx((1 - (4 / 9) ** math.exp(-Z * 0.5 / math.log(9 / 4)),
                                                        1 - (4 / 9) ** math.exp(Z * 0.5 / math.log(9 / 4))))
    assert r["ci_low"] == pytest.approx(0.2151, abs=1e-4) and r["ci_high"] == pytest.approx(0.9338, abs=1e-4)
    # between two event times the curve keeps its value
    assert km_reach(SIX, 4)["rate"] == pytest.approx(5 / 9)


def test_reach_of_one_is_bounded_by_wilson_on_full_follow_up():
    r = km_reach(SIX, 5)  # S(5) = 0; censored at 2 and 4 are in progress; 4 followed through, all with the event
    assert (r["rate"], r["in_progress"], r["events"]) == (1.0, 2, 4)
    assert (r["ci_low"], r["ci_high"]) == wilson_interval(4, 4)
    assert r["ci_high"] == 1.0 and r["variance"] == 0.0


def test_reach_of_zero_is_bounded_by_wilson_on_full_follow_up():
    table = [(1, 0, 2), (10, 0, 35)]  # 2 in progress at day 1, 35 followed through day 10 without the event
    r = km_reach(table, 10)
    assert (r["rate"], r["method"], r["in_progress"], r["at_risk"], r["shown"]) == (0.0, "kaplan_meier", 2, 35, True)
    assert (r["ci_low"], r["ci_high"]) == wilson_interval(0, 35)
    assert r["ci_low"] == 0.0 and r["ci_high"] == pytest.approx(0.0989, abs=1e-4)


def test_reach_when_everything_is_censored():
    r = km_reach([(2, 0, 3), (5, 0, 4)], 10)
    assert (r["n"], r["events"], r["at_risk"], r["in_progress"], r["shown"]) == (7, 0, 0, 7, False)
    assert r["rate"] == 0.0 and r["ci_low"] == r["ci_high"] is None  # nobody followed through: no bound


def test_reach_is_shown_from_30_at_risk():
    base = [(1, 10, 0), (4, 0, 3)]
    assert km_reach(base + [(10, 2, 27)], 10)["at_risk"] == MIN_N - 1
    assert km_reach(base + [(10, 2, 27)], 10)["shown"] is False
    r = km_reach(base + [(10, 2, 28)], 10)
    assert (r["at_risk"], r["shown"], r["in_progress"], r["method"]) == (30, True, 3, "kaplan_meier")
    # 43 customers, 10 events at day 1, 3 censored at day 4, then 2 events among 30: S(10) = (33/43)·(28/30)
    assert r["rate"] == pytest.approx(1 - 33 / 43 * 28 / 30)


def test_reach_of_an_empty_table_and_of_one_customer():
    r = km_reach([], 90)
    assert (r["n"], r["events"], r["at_risk"], r["in_progress"], r["shown"]) == (0, 0, 0, 0, False)
    assert r["rate"] is r["ci_low"] is r["ci_high"] is r["variance"] is None
    one = km_reach([(3, 1, 0)], 90)
    assert (one["rate"], one["method"], one["n"], one["at_risk"]) == (1.0, "share", 1, 0)
    assert (one["ci_low"], one["ci_high"]) == wilson_interval(1, 1)
    waiting = km_reach([(3, 0, 1)], 90)  # one customer, censored at day 3: in progress, no bound
    assert (waiting["rate"], waiting["in_progress"], waiting["ci_high"]) == (0.0, 1, None)


def test_ties_of_events_and_censorings_at_one_time():
    # 4 customers: at day 2, 2 events and 1 censoring (at risk: all 4); at day 3 the last one's event.
    table = [(2, 2, 1), (3, 1, 0)]
    assert kaplan_meier(table)[0]["at_risk"] == 4 and kaplan_meier(table)[0]["survival"] == 0.5
    assert kaplan_meier(table)[1]["at_risk"] == 1 and kaplan_meier(table)[1]["survival"] == 0.0
    assert km_reach(table, 2)["method"] == "share" and km_reach(table, 2)["rate"] == 0.5
    r = km_reach(table, 3)  # censored at 2 < 3: in progress, KM reaches 1
    assert (r["rate"], r["in_progress"], r["method"]) == (1.0, 1, "kaplan_meier")


def test_no_window_is_the_plain_share_with_customers_in_progress():
    r = km_reach(SIX, None)
    assert (r["rate"], r["method"], r["in_progress"], r["at_risk"]) == (4 / 6, "share", 2, 6)
    assert (r["ci_low"], r["ci_high"]) == wilson_interval(4, 6)


# -- quantiles and Brookmeyer–Crowley -------------------------------------------------------------------------

def test_quantiles_by_hand():
    q = km_quantiles(SIX)
    # S: 5/6 at 1, 2/3 at 2, 4/9 at 3, 0 at 5
    assert (q["at_risk"], q["events"]) == (6, 4)
    assert (q["p25_days"], q["median_days"], q["p75_days"], q["p90_days"]) == (2, 3, 5, 5)
    assert (q["within_30"], q["within_90"], q["within_365"]) == (1.0, 1.0, 1.0)  # the curve reached 0 at day 5


def test_brookmeyer_crowley_by_hand():
    # The log-log test of S(t) = 0.5 at each event time: |ln(−ln S) − ln(ln 2)| / (√gw / |ln S|) ≤ 1.96 keeps t.
    stat = {t: abs(math.log(-math.log(s)) - math.log(math.log(2))) / (math.sqrt(gw) / abs(math.log(s)))
            for t, s, gw in ((1, 5 / 6, 1 / 30), (2, 2 / 3, 1 / 12), (3, 4 / 9, 1 / 4))}
    assert stat[1] == pytest.approx(1.3336, abs=1e-4)  # 6 customers: even S = 5/6 is not far enough from .5
    assert max(stat.values()) < Z  # nothing rejected up to day 3; at day 5, S = 0: rejected
    q = km_quantiles(SIX)
    # kept from day 1; the band's upper end first falls to 0.5 at day 5 (S = 0): the interval [1, 5]
    assert (q["ci_low"], q["ci_high"]) == (1, 5)
    # with 10 times as many customers (same shape) the interval narrows: at day 2, S = 2/3 with Greenwood sum
    # 10/(60·50) + 10/(50·40) = 1/120 gives 2.380 > 1.96 (rejected); at day 3, S = 4/9, sum 1/40: 0.805 (kept)
    ten = km_quantiles([(t, 10 * e, 10 * c) for t, e, c in SIX])
    stat2 = abs(math.log(-math.log(2 / 3)) - math.log(math.log(2))) * math.log(3 / 2) / math.sqrt(1 / 120)
    stat3 = abs(math.log(-math.log(4 / 9)) - math.log(math.log(2))) * math.log(9 / 4) / math.sqrt(1 / 40)
    assert stat2 == pytest.approx(2.3817, abs=1e-3) and stat3 == pytest.approx(0.8049, abs=1e-3)
    assert (ten["median_days"], ten["ci_low"], ten["ci_high"]) == (3, 3, 5)


def test_quantiles_of_6mp():
    q = km_quantiles(SIX_MP)
    assert (q["p25_days"], q["median_days"], q["p75_days"], q["p90_days"]) == (13, 23, None, None)
    # Brookmeyer–Crowley, log-log: not rejected from week 13 on; the band's upper end never falls to .5
    assert (q["ci_low"], q["ci_high"]) == (13, None)
    curve = {r["time"]: r for r in kaplan_meier(SIX_MP)}
    low_at = {t: 1 - loglog_reach_interval(r["survival"], r["greenwood"])[1] for t, r in curve.items()}
    assert low_at[10] > 0.5 >= low_at[13]
    assert q["within_30"] == pytest.approx(1 - curve[23]["survival"])
    assert q["within_90"] is None and q["within_365"] is None  # nobody followed that long (last: week 35)


def test_quantiles_of_an_empty_table_and_a_curve_that_stays_high():
    empty = km_quantiles([])
    assert empty["at_risk"] == empty["events"] == 0
    assert all(empty[k] is None for k in ("median_days", "ci_low", "ci_high", "p25_days", "within_30"))
    q = km_quantiles([(5, 1, 0), (400, 0, 9)])
    assert q["median_days"] is None and q["p25_days"] is None and q["ci_high"] is None
    assert (q["within_30"], q["within_90"], q["within_365"]) == pytest.approx((0.1, 0.1, 0.1))


def test_median_exactly_at_one_half_is_that_day():
    # 2 of 4 at day 7: S = 0.5 exactly → the median is day 7 (the smallest t with S(t) ≤ .5)
    assert km_quantiles([(7, 2, 0), (20, 0, 2)])["median_days"] == 7


# -- product, difference, Welch ----------------------------------------------------------------------------------

def test_product_with_the_delta_method():
    convert = km_reach([(10, 40, 0), (90, 0, 60)], 90)  # 40 of 100, no censoring: variance .4·.6/100 = .0024
    stage = km_reach([(5, 30, 0), (365, 0, 10)], 365)  # 30 of 40: variance .75·.25/40 = .0046875
    p = reach_product(convert, stage)
    assert p["rate"] == pytest.approx(0.3)
    assert p["variance"] == pytest.approx(0.75 ** 2 * 0.0024 + 0.4 ** 2 * 0.0046875)  # = .0021
    se_log = math.sqrt(0.0024 / 0.16 + 0.0046875 / 0.5625)  # .152753
    assert (p["ci_low"], p["ci_high"]) == pytest.approx((0.3 * math.exp(-Z * se_log), 0.3 * math.exp(Z * se_log)))
    assert p["ci_low"] == pytest.approx(0.2224, abs=1e-4) and p["ci_high"] == pytest.approx(0.4047, abs=1e-4)


def test_product_at_zero_and_unknown():
    none_yet = km_reach([(10, 0, 40)], 10)
    stage = km_reach([(5, 30, 0), (365, 0, 10)], 365)
    p = reach_product(none_yet, stage)
    assert (p["rate"], p["ci_low"]) == (0.0, 0.0)
    assert p["ci_high"] == pytest.approx(none_yet["ci_high"] * stage["ci_high"])
    nobody_followed = km_reach([(3, 0, 5)], 10)
    assert reach_product(nobody_followed, stage)["rate"] == 0.0
    assert reach_product(nobody_followed, stage)["ci_high"] is None
    assert reach_product(km_reach([], 90), stage) == {"rate": None, "variance": None, "ci_low": None,
                                                      "ci_high": None}


def test_difference_without_censoring_is_the_unpooled_two_proportion_z():
    a = km_reach([(3, 45, 0), (30, 0, 55)], 30)  # 45/100
    b = km_reach([(8, 30, 0), (30, 0, 90)], 30)  # 30/120
    test = reach_difference_test(a, b)
    p1, p2 = 0.45, 0.25
    z_unpooled = (p1 - p2) / math.sqrt(p1 * (1 - p1) / 100 + p2 * (1 - p2) / 120)
    pooled = 75 / 220
    z_pooled = (p1 - p2) / math.sqrt(pooled * (1 - pooled) * (1 / 100 + 1 / 120))
    assert test["diff"] == pytest.approx(0.2)
    assert test["z"] == pytest.approx(z_unpooled) and test["z"] != pytest.approx(z_pooled, abs=1e-3)
    assert test["z"] == pytest.approx(3.1476, abs=1e-4)
    assert test["p_value"] == pytest.approx(math.erfc(z_unpooled / math.sqrt(2)))


def test_difference_with_censoring_uses_greenwood_variances():
    a, b = km_reach(SIX_MP, 20), km_reach(SIX, 3)
    test = reach_difference_test(a, b)
    assert test["z"] == pytest.approx((a["rate"] - b["rate"]) / math.sqrt(a["variance"] + b["variance"]))
    assert 0 < test["p_value"] < 1
    assert reach_difference_test(km_reach([], 3), b) == {"diff": None, "z": None, "p_value": None}
    zero = km_reach([(5, 0, 40)], 5)
    assert reach_difference_test(zero, zero) == {"diff": 0.0, "z": None, "p_value": 1.0}


def test_welch_by_hand_and_against_scipy():
    from scipy.stats import ttest_ind

    xs, ys = [1, 2, 3, 4, 5], [2, 4, 6, 8, 10, 12]
    # means 3 and 7, variances 2.5 and 14: t = −4 / √(.5 + 14/6) = −2.37635; df = (17/6)² / (.0625 + (7/3)²/5) = 6.972
    w = welch_t_test(3.0, 2.5, 5, 7.0, 14.0, 6)
    assert w["diff"] == -4.0
    assert w["t"] == pytest.approx(-4 / math.sqrt(0.5 + 14 / 6))
    assert w["df"] == pytest.approx((17 / 6) ** 2 / (0.0625 + (7 / 3) ** 2 / 5))
    assert w["t"] == pytest.approx(-2.37635, abs=1e-5) and w["df"] == pytest.approx(6.9722, abs=1e-4)
    ref = ttest_ind(xs, ys, equal_var=False)
    assert (w["t"], w["p_value"]) == pytest.approx((ref.statistic, ref.pvalue))
    assert 0.04 < w["p_value"] < 0.06


def test_welch_edges():
    assert welch_t_test(3.0, 1.0, 1, 2.0, 1.0, 10)["p_value"] is None
    assert welch_t_test(5.0, 0.0, 10, 5.0, 0.0, 12) == {"diff": 0.0, "t": None, "df": None, "p_value": 1.0}
    assert welch_t_test(5.0, 0.0, 10, 4.0, 0.0, 12)["p_value"] == 0.0
    with pytest.raises(ValueError):
        welch_t_test(1.0, -1.0, 5, 1.0, 1.0, 5)


# -- the database helper ------------------------------------------------------------------------------------------

D0 = datetime(2024, 1, 1, 9, 0)
AS_OF = datetime(2024, 4, 30, 18, 0)  # day 120 (and 9 h) after D0
PEOPLE = [  # (start, event), window 30 days
    (D0, D0 + timedelta(days=2, hours=23)),  # event on day 2 → (2, event)
    (D0, D0 + timedelta(days=30)),  # event exactly at the window's end → (30, event)
    (D0, D0 + timedelta(days=31)),  # event after the window → followed through: (30, no event)
    (D0, None),  # no event, window over → (30, no event)
    (D0 + timedelta(days=20), D0 + timedelta(days=20, hours=-3)),  # event before the start → day 0
    (AS_OF - timedelta(days=10, hours=1), AS_OF - timedelta(days=6)),  # window not over, event on day 4 → (4, event)
    (AS_OF - timedelta(days=10, hours=1), None),  # window not over, no event → censored at day 10 (in progress)
    (AS_OF - timedelta(days=10, hours=1), AS_OF + timedelta(hours=1)),  # event after as_of: not seen → censored 10
    (AS_OF - timedelta(hours=1), None),  # seen one hour before as_of → censored at day 0
    (AS_OF + timedelta(days=1), AS_OF + timedelta(days=2)),  # starts after as_of: left out
]
EXPECTED_30 = [(0, 1, 1), (2, 1, 0), (4, 1, 0), (10, 0, 2), (30, 1, 2)]
EXPECTED_ALL = [(0, 1, 1), (2, 1, 0), (4, 1, 0), (10, 0, 2), (30, 1, 0), (31, 1, 0), (120, 0, 1)]


@pytest.fixture(params=["duckdb", "postgres"])
def people(request):
    """``PEOPLE`` as a table of a real DuckDB (in memory) or PostgreSQL backend."""
    frame = ibis.memtable({"start": [s for s, _ in PEOPLE], "event": [e for _, e in PEOPLE]},
                          schema={"start": "timestamp", "event": "timestamp"})
    if request.param == "duckdb":
        con = ibis.duckdb.connect()
    else:
        import psycopg

        u = sa.make_url(request.getfixturevalue("postgres_url"))
        con = ibis.postgres.from_connection(psycopg.connect(
            host=u.host, port=u.port or 5432, user=u.username, password=u.password, dbname=u.database,
            autocommit=True, options=u.query.get("options")))
    con.create_table("people", frame)
    yield con.table("people")
    con.disconnect()


def test_survival_rows_with_a_window_and_as_of(people):
    assert survival_rows(people, as_of=AS_OF, window_days=30) == EXPECTED_30


def test_survival_rows_without_a_window(people):
    assert survival_rows(people, as_of=AS_OF, window_days=None) == EXPECTED_ALL


def test_survival_reach_in_the_database(people):
    r = survival_reach(people, as_of=AS_OF, window_days=30)
    assert r == km_reach(EXPECTED_30, 30)
    # 9 customers; censored before day 30: the 3 in progress (days 0 and 10); events by day 30: 4
    assert (r["n"], r["events"], r["in_progress"], r["at_risk"], r["method"]) == (9, 4, 3, 3, "kaplan_meier")
    # S(30) = (8/9)(6/7)(5/6)(2/3): at risk 9 at day 0, 7 at day 2, 6 at day 4, 3 at day 30
    assert r["rate"] == pytest.approx(1 - 8 / 9 * 6 / 7 * 5 / 6 * 2 / 3)
    assert survival_reach(people, as_of=AS_OF, window_days=None)["rate"] == 5 / 9
    before = survival_reach(people, as_of=D0 - timedelta(days=1), window_days=30)  # nobody has started yet
    assert (before["n"], before["rate"]) == (0, None)


def test_survival_quantiles_in_the_database(people):
    q = survival_quantiles(people, as_of=AS_OF)
    assert q == km_quantiles(EXPECTED_ALL)
    # 9 customers; S = 8/9 at day 0, ·6/7 at 2, ·5/6 at 4 (= 40/63), ·2/3 at 30 (at risk 3) = 80/189, ·1/2 at 31
    assert (q["at_risk"], q["events"], q["p25_days"], q["median_days"], q["p75_days"]) == (9, 5, 4, 30, 31)
    assert q["within_30"] == pytest.approx(1 - 80 / 189) and q["within_90"] == pytest.approx(1 - 40 / 189)
    assert q["within_365"] is None  # nobody followed a year


def test_window_must_be_whole_days(people):
    with pytest.raises(ValueError):
        survival_rows(people, as_of=AS_OF, window_days=-1)


# -- a real-shaped case: a B2B lead funnel on the real schema ---------------------------------------------------------

def lead_funnel():
    """40 leads, one every 3 days from D0, on organic or paid search; a deal (purchase) on the sales team's channel
    for two in three of them after 4…84 days, or 100 days (outside a 90-day window) for every fifth; lead 7 is first
    seen at service (converted at time 0). Returns the touchpoints and, per lead, (start, conversion or None)."""
    rows, clocks = [], []
    for i in range(40):
        cid, start = f"L{i:02}", D0 + timedelta(days=3 * i)
        if i == 7:
            rows.append(tp(cid, f"{start:%Y-%m-%d %H:%M}", "email", "service"))
            clocks.append((start, start))
            continue
        rows.append(tp(cid, f"{start:%Y-%m-%d %H:%M}", "organic_search" if i % 2 else "paid_search", "awareness"))
        rows.append(tp(cid, f"{start + timedelta(days=1):%Y-%m-%d %H:%M}", "web", "consideration"))
        deal = None
        if i % 3:
            deal = start + timedelta(days=100 if i % 5 == 0 else 4 + 10 * (i % 9), hours=2)
            rows.append(tp(cid, f"{deal:%Y-%m-%d %H:%M}", "sales_team", "purchase", "1200.00"))
        clocks.append((start, deal))
    return rows, clocks


def test_conversion_clock_of_a_lead_funnel_on_the_real_tables(db):
    rows, clocks = lead_funnel()
    load(db, touchpoints=rows)
    as_of = D0 + timedelta(days=150)
    con = db.ibis
    t, st = con.table("touchpoints"), con.table("stages")
    conv = st.filter(st.is_conversion).position.max().as_scalar()
    j = t.join(st.select(code="code", position="position"), t.stage == st.code)
    per = j.group_by("customer_no").aggregate(start=j.timestamp.min(),
                                              event=j.timestamp.min(where=j.position >= conv))
    got = survival_reach(per, as_of=as_of, window_days=90)

    # the same rules read in plain Python, customer by customer
    table = {}
    for start, deal in clocks:
        followed = min(int((as_of - start).total_seconds() // 86400), 90)
        hit = deal is not None and deal <= as_of and (deal - start).days <= 90
        time = (deal - start).days if hit else followed
        e, c = table.get(time, (0, 0))
        table[time] = (e + 1, c) if hit else (e, c + 1)
    expected = km_reach([(k, e, c) for k, (e, c) in table.items()], 90)
    assert got == expected
    # By hand: leads 0…20 started by day 60, so their 90 days are over at day 150; without a deal within them
    # (0, 3, …, 18: no deal; 5, 10, 20: deal after 100 days) they are the 10 at risk at day 90 — under 30: "too
    # early". Leads 21…39 are followed 87…33 days; in progress: no deal (21, 24, …, 39: 7), a 100-day deal (25, 35),
    # a deal still to come (26 after 84 days of 72, 32 two hours after as_of, 34 after 74 days of 48): 12.
    assert (got["n"], got["at_risk"], got["in_progress"], got["shown"]) == (40, 10, 12, False)
    assert got["method"] == "kaplan_meier" and got["rate"] > got["events"] / got["n"]


def test_a_plain_share_is_shown_from_30_customers():
    """Nobody in progress: the plain share, shown from 30 customers though fewer than 30 are at risk at day w (those
    who converted are no longer at risk; their outcome is known)."""
    r = km_reach([(0, 33, 0), (90, 0, 27)], 90)  # 60 followed through, 33 converted at day 0
    assert (r["at_risk"], r["in_progress"], r["shown"], r["method"]) == (27, 0, True, "share")
    assert km_reach([(0, 3, 0), (90, 0, 26)], 90)["shown"] is False  # 29 customers
