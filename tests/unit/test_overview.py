"""Data range, KPIs vs the previous period, KPI trend and headlines, on DuckDB and PostgreSQL."""

from dataclasses import replace
from datetime import date, timedelta

import pandas as pd
import pytest

from analytics import stats
from analytics.filters import Filters
from analytics.metrics import Scope
from analytics.overview import data_range, headline, kpi_trend, kpis
from tests.unit.journeys import customer, fb, load, load_example, tp
from tests.unit.test_funnel import random_journeys

NOBODY = Filters(personas=("nobody",))
NO_PERIOD = {"status": "no_period", "year_before": None, "deltas": {}}
TOO_FEW = {"status": "too_few", "year_before": None, "deltas": {}}
NPS_CARD = {"measure": "nps", "absent": None, "csat": None, "ci_low": None, "ci_high": None, "customers": 0}
"""The satisfaction card of a database without CSAT (or without any answer): NPS."""
K_KEYS = {"customers", "converted", "conversion_rate", "nps", "nps_ci_low", "nps_ci_high", "responses", "respondents",
          "churn_rate", "churn_known", "cross_customers", "cross_share", "revenue", "conversion_variance",
          "conversion_shown", "in_progress", "churn_basis", "churn_days"}
ZERO = {"customers": 0, "converted": 0, "conversion_rate": None, "nps": None, "nps_ci_low": None,
        "nps_ci_high": None, "responses": 0, "respondents": 0, "churn_rate": None, "churn_known": 0,
        "cross_customers": 0,
        "cross_share": None, "revenue": 0.0, "conversion_variance": None, "conversion_shown": False, "in_progress": 0,
        "churn_basis": "status", "churn_days": None}


def k_of_report(db, filters):
    """The KPI block read off the report's fields (``analytics.report.scope_report`` reads them from one scope; the
    weakest step and the durations, which the KPIs do not use, are left out: they doubled these tests' time)."""
    scope = Scope(db, filters)
    r = {"customers": scope.customers(), "conversion": scope.conversion(), "nps": scope.nps(), "churn": scope.churn(),
         "channel_mix": scope.channel_mix(), "revenue": scope.revenue()}
    return {
        "customers": r["customers"],
        "converted": r["conversion"]["customers"],
        "conversion_rate": r["conversion"]["rate"],
        "nps": r["nps"]["nps"],
        "nps_ci_low": r["nps"]["ci_low"],
        "nps_ci_high": r["nps"]["ci_high"],
        "responses": r["nps"]["responses"],
        "respondents": r["nps"]["respondents"],
        "churn_rate": r["churn"]["rate"],
        "churn_known": (scope.churn_estimate()["n"] if r["churn"]["basis"] == "dates"
                        else sum(x["n"] for x in scope.summary_rows if x["churned"] is not None)),
        "conversion_variance": scope.conversion_estimate()["variance"],
        "conversion_shown": scope.conversion_estimate()["shown"],
        "in_progress": r["conversion"]["in_progress"],
        "churn_basis": r["churn"]["basis"],
        "churn_days": 365 if r["churn"]["basis"] == "dates" else None,
        "cross_customers": r["channel_mix"]["cross"],
        "cross_share": stats.share(r["channel_mix"]["cross"], r["customers"]),
        "revenue": r["revenue"],
    }


def approx_k(k):
    return {key: pytest.approx(v) if isinstance(v, float) else v for key, v in k.items()}


# -- data range ------------------------------------------------------------------------------------------

def test_data_range(db):
    assert data_range(db) is None
    load_example(db)
    assert data_range(db) == (date(2024, 1, 1), date(2024, 2, 1))
    # the window is ignored, the other filters apply
    window = Filters(start=date(2024, 1, 10), end=date(2024, 1, 12))
    assert data_range(db, window) == (date(2024, 1, 1), date(2024, 2, 1))
    assert data_range(db, Filters(personas=("B",))) == (date(2024, 1, 5), date(2024, 1, 6))
    assert data_range(db, Filters(channels=("email",), channel_mode="only")) == (date(2024, 1, 2), date(2024, 1, 2))
    assert data_range(db, Filters(channels=("email",))) == (date(2024, 1, 1), date(2024, 1, 3))  # c1, who used it
    assert data_range(db, NOBODY) is None


# -- KPIs ---------------------------------------------------------------------------------------------------

def test_kpis_no_data(db):
    got = kpis(db)
    assert got == {"period": (None, None), "previous_period": None, "current": ZERO, "previous": None,
                   "comparison": NO_PERIOD, "satisfaction": NPS_CARD}
    window = Filters(start=date(2024, 1, 1), end=date(2024, 1, 31))
    assert kpis(db, window) == {"period": (date(2024, 1, 1), date(2024, 1, 31)), "previous_period": None,
                                "current": ZERO, "previous": None, "comparison": TOO_FEW, "satisfaction": NPS_CARD}


def test_kpis_example_by_hand(db):
    load_example(db)
    got = kpis(db)
    assert got["period"] == (date(2024, 1, 1), date(2024, 2, 1))  # 32 days
    assert got["previous_period"] == (date(2023, 11, 30), date(2023, 12, 31))
    assert set(got["current"]) == K_KEYS
    nps, low, high = stats.nps_with_interval(2, 1, 4)
    assert got["current"] == {
        # 90-day window: c3 (1 Feb, as_of's day) is in progress, c1 and c2 converted: Kaplan–Meier 1
        "customers": 3, "converted": 2, "conversion_rate": 1.0,
        "nps": nps, "nps_ci_low": pytest.approx(low), "nps_ci_high": pytest.approx(high), "responses": 4,
        "respondents": 4,
        # churn dates in the data: churned within 365 days of converting — c2's date (1 June) is after as_of
        "churn_rate": 0.0, "churn_known": 2,  # c1 and c2 converted, followed 29 and 27 days
        "conversion_variance": 0.0, "conversion_shown": False, "in_progress": 1, "churn_basis": "dates",
        "churn_days": 365,
        "cross_customers": 1, "cross_share": pytest.approx(1 / 3), "revenue": 120.5,
    }
    assert got["previous"] == {**ZERO, "churn_basis": "dates", "churn_days": 365}


def test_kpis_equal_the_report(db):
    load_example(db)
    for f in (None, Filters(start=date(2024, 1, 3)), Filters(end=date(2024, 1, 5)), Filters(personas=("A",)),
              Filters(channels=("web",), start=date(2024, 1, 2), end=date(2024, 1, 6)), NOBODY):
        got = kpis(db, f)
        assert got["current"] == approx_k(k_of_report(db, f))
        if got["previous_period"] is not None:
            prev = replace(f or Filters(), start=got["previous_period"][0], end=got["previous_period"][1])
            assert got["previous"] == approx_k(k_of_report(db, prev))


def test_kpis_periods(db):
    load_example(db)
    # window set on both ends: 6 days, the previous 6 days before it
    got = kpis(db, Filters(start=date(2024, 1, 2), end=date(2024, 1, 7)))
    assert got["period"] == (date(2024, 1, 2), date(2024, 1, 7))
    assert got["previous_period"] == (date(2023, 12, 27), date(2024, 1, 1))
    assert got["previous"]["customers"] == 1  # c1's awareness touchpoint on Jan 1
    # open ends are filled from the data range
    assert kpis(db, Filters(start=date(2024, 1, 3)))["period"] == (date(2024, 1, 3), date(2024, 2, 1))
    assert kpis(db, Filters(end=date(2024, 1, 5)))["period"] == (date(2024, 1, 1), date(2024, 1, 5))
    # a window wholly after the data: the filled end is the start
    late = kpis(db, Filters(start=date(2025, 1, 1)))
    assert late["period"] == (date(2025, 1, 1), date(2025, 1, 1))
    assert late["previous_period"] == (date(2024, 12, 31), date(2024, 12, 31))
    assert late["current"]["customers"] == 0
    # a filter that empties everything: no data range, no previous period
    # (the data has churn dates: churn within 365 days of the conversion, even of nobody)
    assert kpis(db, NOBODY) == {"period": (None, None), "previous_period": None,
                                "current": {**ZERO, "churn_basis": "dates", "churn_days": 365}, "previous": None,
                                "comparison": NO_PERIOD, "satisfaction": NPS_CARD}


def test_kpis_one_customer(db):
    load(db, [customer("solo", churned=True)], [tp("solo", "2024-03-04 10:00", "web", "awareness", "5.00")],
         [fb("solo", "2024-03-04 11:00", "awareness", nps=9)])
    got = kpis(db)
    assert got["period"] == (date(2024, 3, 4), date(2024, 3, 4))
    assert got["previous_period"] == (date(2024, 3, 3), date(2024, 3, 3))
    # churn is counted from the conversion (the data has churn dates): nobody converted, no churn rate
    # the customer came on as_of's day: censored at day 0, 1 of 1 in progress (Kaplan–Meier 0, variance 0)
    one_promoter = stats.nps_with_interval(1, 0, 1)  # 100, with Rocks' bounds, not 100 ± 0
    assert got["current"] == {**ZERO, "customers": 1, "conversion_rate": 0.0, "nps": 100.0,
                              "nps_ci_low": one_promoter[1], "nps_ci_high": one_promoter[2], "responses": 1,
                              "respondents": 1, "churn_rate": None, "churn_known": 0,
                              "cross_share": 0.0, "revenue": 5.0, "conversion_variance": 0.0, "in_progress": 1,
                              "churn_basis": "dates", "churn_days": 365}
    assert got["previous"] == {**ZERO, "churn_basis": "dates", "churn_days": 365}


# -- trend ----------------------------------------------------------------------------------------------------

def bucket_end(start: date, grain: str) -> date:
    if grain == "week":
        return start + timedelta(days=6)
    nxt = date(start.year + (start.month == 12), start.month % 12 + 1, 1)
    return nxt - timedelta(days=1)


def assert_rows_equal_report(db, df, filters, grain):
    for row in df.to_dict("records"):
        start = row["period_start"]
        # a bucket is the activity inside it (the trend cuts journeys by bucket), for the filters' cohort
        # (no window: a bucket is activity, not a cohort followed in time)
        f = replace(filters or Filters(), start=max(start, (filters or Filters()).start or start),
                    end=min(bucket_end(start, grain), (filters or Filters()).end or date.max), period_mode="activity",
                    window="all")
        k = k_of_report(db, f)
        expected = {key: k[key] for key in df.columns if key in K_KEYS}
        got = {key: (None if pd.isna(v) else v) for key, v in row.items() if key in K_KEYS}
        assert got == approx_k(expected), (start, grain)
        assert row["sufficient"] == (k["customers"] >= 30) and row["nps_sufficient"] == (k["respondents"] >= 30)


def test_trend_no_data(db):
    for f in (None, NOBODY):
        df = kpi_trend(db, f)
        assert df.empty
        assert list(df.columns) == ["period_start", "customers", "converted", "conversion_rate", "responses", "nps",
                                    "churn_rate", "cross_share", "revenue", "partial", "sufficient", "nps_sufficient"]


def test_a_weeks_nps_from_three_customers_answering_ten_times_is_not_drawn(db):
    # the audit's weekly point from a handful: 30 answers of 3 customers are 3 respondents, under 30
    few = [customer(c) for c in "abc"]
    load(db, few, [tp(c, "2024-01-01 09:00", "web", "awareness") for c in "abc"],
         [fb(c, f"2024-01-0{1 + k % 5} 1{k % 10}:00", "awareness", nps=10) for c in "abc" for k in range(10)])
    row = kpi_trend(db).iloc[0]
    assert (row["responses"], row["nps"], bool(row["nps_sufficient"])) == (30, 100.0, False)


def test_trend_example_by_hand(db):
    load_example(db)
    weekly = kpi_trend(db)
    # week of Mon 2024-01-01: c1, c2 (and the c1, c2, c5 responses); week of Mon 2024-01-29: c3 (and its response)
    assert weekly["period_start"].tolist() == [date(2024, 1, 1), date(2024, 1, 29)]
    assert weekly.dtypes.astype(str).tolist() == ["object", "int64", "int64", "float64", "int64", "float64", "float64",
                                                  "float64", "float64", "bool", "bool", "bool"]
    # the data stands at c3's last touchpoint (1 Feb): its week and its month are not over
    assert weekly["partial"].tolist() == [False, True] and not weekly["sufficient"].any()
    assert weekly["customers"].tolist() == [2, 1]
    assert weekly["converted"].tolist() == [2, 0]
    assert weekly["responses"].tolist() == [3, 1]
    assert weekly["revenue"].tolist() == [120.5, 0.0]
    assert weekly.loc[0, "cross_share"] == 0.5
    assert pd.isna(weekly.loc[1, "churn_rate"])  # c3's churn status is unknown
    monthly = kpi_trend(db, grain="month")
    assert monthly["period_start"].tolist() == [date(2024, 1, 1), date(2024, 2, 1)]
    for grain, df in (("week", weekly), ("month", monthly)):
        assert_rows_equal_report(db, df, None, grain)


def test_trend_cuts_journeys_by_bucket(db):
    # Sunday → Monday: each week sees one touchpoint, so the customer is mono (not cross) in each
    load(db, [customer("x", churned=False)], [
        tp("x", "2024-01-07 23:00", "web", "awareness"),
        tp("x", "2024-01-08 01:00", "email", "purchase", "10"),
    ], [fb("x", "2024-01-22 10:00", "purchase", nps=3)])  # a response in a week without touchpoints
    df = kpi_trend(db)
    assert df["period_start"].tolist() == [date(2024, 1, 1), date(2024, 1, 8), date(2024, 1, 22)]
    assert df["customers"].tolist() == [1, 1, 0]
    assert df["converted"].tolist() == [0, 1, 0]
    assert df["cross_share"].tolist()[:2] == [0.0, 0.0] and pd.isna(df.loc[2, "cross_share"])  # no customer
    assert df["responses"].tolist() == [0, 0, 1]
    assert df.loc[2, "nps"] == -100.0
    assert kpis(db)["current"]["cross_customers"] == 1  # over the whole period the journey is cross
    assert_rows_equal_report(db, df, None, "week")


def test_trend_rejects_unknown_grain(db):
    with pytest.raises(ValueError):
        kpi_trend(db, grain="day")


@pytest.mark.parametrize("grain", ["week", "month"])
def test_trend_rows_equal_the_report_on_random_journeys(db, grain):
    customers, touchpoints, feedback = random_journeys(7, 30)
    load(db, customers, touchpoints, feedback)
    for f in (None, Filters(channels=("web", "email"), start=date(2024, 1, 17), end=date(2024, 2, 20),
                            period_mode="activity"),
              Filters(personas=("A", "C"))):
        df = kpi_trend(db, f, grain=grain)
        assert len(df) >= 2
        assert df["period_start"].tolist() == sorted(df["period_start"])
        assert all((d.weekday() == 0) if grain == "week" else (d.day == 1) for d in df["period_start"])
        assert_rows_equal_report(db, df, f, grain)


def test_kpis_equal_the_report_on_random_journeys(db):
    customers, touchpoints, feedback = random_journeys(11, 30)
    load(db, customers, touchpoints, feedback)
    for f in (None, Filters(start=date(2024, 2, 1)), Filters(regions=("north",), channels=("store", "web"))):
        got = kpis(db, f)
        assert got["current"] == approx_k(k_of_report(db, f))
        prev = replace(f or Filters(), start=got["previous_period"][0], end=got["previous_period"][1])
        assert got["previous"] == approx_k(k_of_report(db, prev))


# -- headlines ------------------------------------------------------------------------------------------------

def test_headline_needs_enough_data(db):
    assert headline(db) == {"worst_step": None, "not_ranked": [], "lowest_nps_stage": None}
    load_example(db)
    # c2 reaches consideration (it bought) without a touchpoint there: 2 of the 3 who reached it were seen there,
    # under 80 %, so awareness → consideration would not be ranked even with 30 customers
    assert headline(db) == {"worst_step": None, "not_ranked": [
        {"from_stage": "awareness", "to_stage": "consideration", "skipped_share": pytest.approx(1 / 3),
         "observed_share": pytest.approx(2 / 3)}], "lowest_nps_stage": None}


def test_headline(db):
    customers, touchpoints, feedback = [], [], []
    for i in range(60):
        cid = f"h{i:02d}"
        customers.append(customer(cid))
        touchpoints.append(tp(cid, "2024-01-01 09:00", "web", "awareness"))
        if i < 45:
            touchpoints.append(tp(cid, "2024-01-02 09:00", "web", "consideration"))
        if i < 20:
            touchpoints.append(tp(cid, "2024-01-03 09:00", "web", "purchase"))
        if i < 10:  # service 10 / 20: a lower rate, but purchase has fewer than MIN_N customers
            touchpoints.append(tp(cid, "2024-01-04 09:00", "web", "service"))
        # 60 awareness responses: 30 promoters, 10 detractors → NPS 33.3; 31 purchase responses, 21 detractors
        feedback.append(fb(cid, "2024-01-01 10:00", "awareness", nps=10 if i < 30 else (2 if i < 40 else 8)))
        if i < 31:
            feedback.append(fb(cid, "2024-01-03 10:00", "purchase", nps=1 if i < 21 else 9))
        if i < 5:  # very low, but too few customers: 40 answers from 5 customers are not 30 respondents
            feedback.extend(fb(cid, f"2024-01-04 1{k}:00", "service", nps=0) for k in range(8))
    load(db, customers, touchpoints, feedback)
    got = headline(db)
    # awareness → consideration 45/60 = .75; consideration → purchase 20/45 = .444 (worst eligible)
    assert got["worst_step"] == {"from_stage": "consideration", "to_stage": "purchase", "rate": pytest.approx(20 / 45),
                                 "customers": 45}
    assert got["lowest_nps_stage"] == {"stage": "purchase", "nps": pytest.approx(100 * (10 - 21) / 31),
                                       "responses": 31, "respondents": 31}
    assert got["not_ranked"] == []
    assert headline(db, NOBODY) == {"worst_step": None, "not_ranked": [], "lowest_nps_stage": None}


def test_trend_under_the_channel_lens_says_not_observed(db):
    # a lead funnel: 40 leads come through organic search, the sales team closes 10 deals on its own channel (same
    # week). Under the lens (only organic search's touchpoints) no kept touchpoint reaches the purchase: the weeks say
    # "not observed", as the KPI card does, never 0 %; following the whole journeys, they say 25 %.
    leads = [f"l{i:02d}" for i in range(40)]
    load(db, [customer(c) for c in leads],
         [row for i, c in enumerate(leads) for row in (
             tp(c, "2024-01-08 09:00", "organic_search", "awareness"),
             tp(c, "2024-01-09 09:00", "organic_search", "consideration"),
             *([tp(c, "2024-01-10 09:00", "sales", "purchase", "100")] if i < 10 else []))])
    lens = Filters(channels=("organic_search",), channel_mode="only")
    weekly = kpi_trend(db, lens)
    assert weekly["customers"].tolist() == [40] and weekly["sufficient"].tolist() == [True]
    assert weekly["converted"].tolist() == [0] and pd.isna(weekly.loc[0, "conversion_rate"])
    assert kpis(db, lens)["current"]["conversion_rate"] is None  # the card says the same
    assert kpi_trend(db, Filters(channels=("organic_search",)))["conversion_rate"].tolist() == [0.25]

    from charts.trends import kpi_trend_chart

    spec = kpi_trend_chart(weekly, "conversion_rate").to_dict()
    rows = next(iter(spec["datasets"].values()))
    assert [r["status"] for r in rows] == ["not observed on these channels"]


def test_the_satisfaction_card_reads_csat_on_star_ratings(db):
    """CSAT only: the card is the mean CSAT of the customers who answered, with its clustered interval."""
    from analytics import stats
    from tests.unit.test_irritants import star_rows

    stars = [1] * 10 + [4] * 10 + [5] * 20
    load(db, *star_rows("s", "service", "email", stars))
    card = kpis(db)["satisfaction"]
    mean, low, high = stats.clustered_mean(40, 40, sum(stars), sum(v * v for v in stars), sum(stars), 40)
    assert card == {"measure": "csat", "absent": None, "csat": mean, "ci_low": low, "ci_high": high, "customers": 40}
    assert kpis(db, Filters(measure="nps"))["satisfaction"]["absent"] == "nps"
