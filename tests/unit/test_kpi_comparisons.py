"""KPI cards compare only what is comparable: a chosen period against a window that holds enough customers, every
change tested (and grey unless significant), churn compared only with churn dates; each test recomputed here
independently."""

import math
from datetime import date

import pytest
from scipy import stats as sp

from analytics.filters import Filters
from analytics.overview import kpis
from tests.unit.journeys import customer, fb, load, tp

FEB_2024 = Filters(start=date(2024, 2, 1), end=date(2024, 2, 29))


def month(prefix: str, day: str, n: int, converted: int, promoters: int, detractors: int, revenue_each: str,
          churned: int = 0):
    """``n`` customers seen on ``day`` only: ``converted`` of them buy (``revenue_each``), the first ``promoters``
    answer 10 and the next ``detractors`` answer 3; the first ``churned`` have left."""
    cs, tps, fbs = [], [], []
    for i in range(n):
        cid = f"{prefix}{i:03d}"
        cs.append(customer(cid, churned=i < churned))
        tps.append(tp(cid, f"{day} 09:00", "web", "awareness"))
        if i < converted:
            tps.append(tp(cid, f"{day} 10:00", "store", "purchase", revenue_each))
        if i < promoters:
            fbs.append(fb(cid, f"{day} 11:00", "awareness", nps=10))
        elif i < promoters + detractors:
            fbs.append(fb(cid, f"{day} 11:00", "awareness", nps=3))
    return cs, tps, fbs


def loaded(db, *months):
    """The months, and a customer seen at the end of 2024: the data stands then, so every month's customers are
    followed through their 90-day window (nobody in progress: the plain shares)."""
    cs, tps, fbs = [customer("late")], [tp("late", "2024-12-31 09:00", "web", "awareness")], []
    for m in months:
        cs += m[0]
        tps += m[1]
        fbs += m[2]
    load(db, cs, tps, fbs)


def test_no_period_chosen_no_change_shown(db):
    loaded(db, month("a", "2024-01-10", 40, 10, 10, 10, "20.00"), month("b", "2024-02-10", 40, 30, 30, 5, "20.00"))
    got = kpis(db)
    assert got["comparison"] == {"status": "no_period", "year_before": None, "deltas": {}}


def test_a_previous_window_under_30_customers_is_not_compared_and_the_year_before_is_offered(db):
    """19 customers in January, 43 in February: no '+23 pts' in colour; February 2023 (40 customers) is offered."""
    loaded(db, month("y", "2023-02-14", 40, 12, 10, 10, "20.00", churned=4),
           month("a", "2024-01-10", 19, 5, 5, 5, "20.00", churned=10),
           month("b", "2024-02-10", 43, 30, 30, 5, "25.00", churned=3))
    got = kpis(db, FEB_2024)
    assert got["previous_period"] == (date(2024, 1, 3), date(2024, 1, 31))
    assert got["previous"]["customers"] == 19
    assert got["comparison"] == {"status": "too_few", "year_before": (date(2023, 2, 1), date(2023, 2, 28)),
                                 "deltas": {}}
    year = kpis(db, FEB_2024, compare="year_before")
    assert year["previous_period"] == (date(2023, 2, 1), date(2023, 2, 28)) and year["previous"]["customers"] == 40
    # churn dates in the data (1 June 2024): churn within 365 days of the conversion is compared (tested)
    assert year["comparison"]["status"] == "ok" and "churn_rate" in year["comparison"]["deltas"]
    # a window with no year before it that holds 30 customers: nothing offered
    assert kpis(db, Filters(start=date(2024, 1, 1), end=date(2024, 1, 31)))["comparison"]["year_before"] is None


def test_every_change_is_tested_as_defined(db):
    loaded(db, month("a", "2024-01-10", 40, 12, 10, 10, "20.00"), month("b", "2024-02-10", 60, 33, 30, 6, "30.00"))
    d = kpis(db, FEB_2024)["comparison"]["deltas"]
    # (nobody churned: no churn dates in the data, churn is a status — not compared)
    assert set(d) == {"customers", "conversion_rate", "nps", "cross_share", "revenue_per_customer"}
    # customers: 60 against 40 in two windows of 29 days — exact binomial test of 60 among 100 against ½
    assert d["customers"]["delta"] == pytest.approx(0.5)
    assert d["customers"]["p_value"] == pytest.approx(sp.binomtest(60, 100, 0.5).pvalue)
    # conversion 33/60 against 12/40: unpooled two-proportion z
    p1, p0 = 33 / 60, 12 / 40
    z = (p1 - p0) / math.sqrt(p1 * (1 - p1) / 60 + p0 * (1 - p0) / 40)
    assert d["conversion_rate"]["delta"] == pytest.approx(100 * (p1 - p0))
    assert d["conversion_rate"]["p_value"] == pytest.approx(2 * sp.norm.sf(abs(z)))
    assert d["conversion_rate"]["significant"] is True and 2 * sp.norm.sf(abs(z)) < 0.05
    # NPS: 30 promoters, 6 detractors of 36 against 10 and 10 of 20, on the +1/0/-1 scores: the slope of the score
    # on "February" with a CR1 variance clustered by customer (the textbook sandwich, an independent reading)
    from tests.unit.test_stats import _sandwich

    a = [1] * 30 + [-1] * 6
    b = [1] * 10 + [-1] * 10
    slope, var = _sandwich([(f"b{i}", y) for i, y in enumerate(a)] + [(f"a{i}", y) for i, y in enumerate(b)],
                           [True] * 36 + [False] * 20)
    assert d["nps"]["delta"] == pytest.approx(100 * (sum(a) / 36 - sum(b) / 20)) == pytest.approx(100 * slope)
    assert d["nps"]["p_value"] == pytest.approx(2 * sp.norm.sf(abs(slope) / math.sqrt(var)))
    assert d["nps"]["significant"] is False  # 20 respondents before: too few to colour, whatever p says
    # revenue per customer (0 for those who did not buy): Welch's t-test
    now = [30.0] * 33 + [0.0] * 27
    before = [20.0] * 12 + [0.0] * 28
    welch = sp.ttest_ind(now, before, equal_var=False)
    assert d["revenue_per_customer"]["delta"] == pytest.approx((sum(now) / 60) / (sum(before) / 40) - 1)
    assert d["revenue_per_customer"]["p_value"] == pytest.approx(welch.pvalue)
    # every buyer went from the web to the store: the cross-channel share is the conversion, tested alike
    assert d["cross_share"] == d["conversion_rate"]


def test_a_small_change_stays_grey(db):
    loaded(db, month("a", "2024-01-10", 50, 20, 20, 10, "20.00"), month("b", "2024-02-10", 52, 22, 21, 10, "20.00"))
    d = kpis(db, FEB_2024)["comparison"]["deltas"]
    assert d["conversion_rate"]["delta"] == pytest.approx(100 * (22 / 52 - 20 / 50))
    assert d["conversion_rate"]["p_value"] > 0.5
    assert not any(x["significant"] for x in d.values())


def test_a_filter_that_empties_everything_compares_nothing(db):
    loaded(db, month("a", "2024-01-10", 40, 10, 10, 10, "20.00"), month("b", "2024-02-10", 40, 30, 30, 5, "20.00"))
    got = kpis(db, Filters(start=date(2024, 2, 1), end=date(2024, 2, 29), personas=("nobody",)))
    assert got["comparison"] == {"status": "too_few", "year_before": None, "deltas": {}}


def test_no_change_of_a_conversion_the_lens_does_not_see(db):
    """Through the web lens, the store purchases are not seen: no conversion on either side, so no change — not a
    '0 % against 0 %'."""
    loaded(db, month("a", "2024-01-10", 40, 12, 10, 10, "20.00"), month("b", "2024-02-10", 60, 33, 30, 6, "30.00"))
    got = kpis(db, Filters(start=date(2024, 2, 1), end=date(2024, 2, 29), channels=("web",), channel_mode="only",
                           period_mode="activity"))
    assert got["current"]["conversion_rate"] is None and got["comparison"]["status"] == "ok"
    assert got["comparison"]["deltas"]["conversion_rate"] == {"delta": None, "p_value": None, "significant": False}


def test_churn_without_dates_is_never_compared(db):
    """A churn status without dates is the status at export: a recent window always looks better, so no change."""
    from sqlalchemy import text

    loaded(db, month("a", "2024-01-10", 40, 12, 10, 10, "20.00", churned=20),
           month("b", "2024-02-10", 60, 33, 30, 6, "30.00", churned=5))
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE customers SET churn_date = NULL"))
    got = kpis(db, FEB_2024)
    assert got["current"]["churn_basis"] == "status" and got["comparison"]["status"] == "ok"
    assert "churn_rate" not in got["comparison"]["deltas"]


def test_conversion_too_early_is_not_coloured(db):
    """February's customers seen on the data's last day: nobody followed 90 days, the change stays grey."""
    cs, tps, fbs = [], [], []
    for m in (month("a", "2024-01-10", 40, 12, 10, 10, "20.00"), month("b", "2024-02-10", 60, 33, 30, 6, "30.00")):
        cs, tps, fbs = cs + m[0], tps + m[1], fbs + m[2]
    load(db, cs, tps, fbs)
    got = kpis(db, FEB_2024)
    assert not got["current"]["conversion_shown"] and got["current"]["in_progress"] == 27
    assert got["comparison"]["deltas"]["conversion_rate"]["significant"] is False
    assert got["comparison"]["deltas"]["conversion_rate"]["p_value"] < 0.05  # p says "real", too early to say so


def test_the_nps_change_counts_a_customer_answering_in_both_windows_once(db):
    """A customer who answers ten times in each window is one cluster: the change is tested on 3 customers' worth
    of evidence, not 60 answers (CR1 regression of the score on "current window", clustered by customer)."""
    from analytics import stats
    from analytics.metrics import Scope
    from analytics.overview import _nps_delta_sums
    from tests.unit.test_stats import _sandwich

    cs = [customer(c) for c in ("x", "y", "z")]
    tps = [tp(c, f"2024-0{m}-10 09:00", "web", "awareness") for c in ("x", "y", "z") for m in (1, 2)]
    scores = {"x": (10, 3), "y": (10, 3), "z": (3, 3)}  # (January, February)
    fbs = [fb(c, f"2024-0{m}-{10 + k:02d} 11:00", "awareness", nps=scores[c][m - 1])
           for c in ("x", "y", "z") for m in (1, 2) for k in range(10)]
    load(db, cs, tps, fbs)
    jan = Filters(start=date(2024, 1, 1), end=date(2024, 1, 31), period_mode="activity", window="all")
    feb = Filters(start=date(2024, 2, 1), end=date(2024, 2, 29), period_mode="activity", window="all")
    got = stats.clustered_cell_test(*_nps_delta_sums(Scope(db, feb), Scope(db, jan)), scale=100.0)
    answers = [(c, 1 if scores[c][m] >= 9 else -1) for m in (1, 0) for c in ("x", "y", "z") for _ in range(10)]
    slope, var = _sandwich(answers, [True] * 30 + [False] * 30)
    assert got["diff"] == pytest.approx(100 * slope) == pytest.approx(-400 / 3)
    assert got["p_value"] == pytest.approx(2 * sp.norm.sf(abs(slope) / math.sqrt(var)))
    naive = stats.nps_difference_test(0, 30, 30, 20, 10, 30)["p_value"]  # 60 independent answers
    assert naive < 1e-6 and got["p_value"] > 100 * naive  # three customers are weak evidence
