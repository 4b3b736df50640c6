"""The cohort table (first-touch month × months since), hand-computed with censoring, on DuckDB and PostgreSQL."""

from datetime import date

import pytest

from analytics.cohorts import COHORT_COLUMNS, conversion_cohorts
from analytics.filters import Filters
from tests.unit.journeys import customer, load, tp


def cohorts_fixture(db):
    """January: 40 customers first seen on 5 Jan, 20 buy 5 days later, 10 on 20 Feb (day 46), 10 never.
    March: 35 customers first seen on 1 Mar, 5 buy on day 10; the data stops on 31 Mar (day 30 for them)."""
    cs, tps = [], []
    for i in range(40):
        cid = f"jan{i:02d}"
        cs.append(customer(cid))
        tps.append(tp(cid, "2024-01-05 10:00", "web", "awareness"))
        if i < 20:
            tps.append(tp(cid, "2024-01-10 10:00", "store", "purchase", "10"))
        elif i < 30:
            tps.append(tp(cid, "2024-02-20 10:00", "store", "purchase", "10"))
    for i in range(35):
        cid = f"mar{i:02d}"
        cs.append(customer(cid))
        tps.append(tp(cid, "2024-03-01 10:00", "web", "awareness"))
        if i < 5:
            tps.append(tp(cid, "2024-03-11 10:00", "store", "purchase", "10"))
    tps.append(tp("mar34", "2024-03-31 10:00", "web", "consideration"))  # the data's last moment
    load(db, cs, tps)


def cell(df, cohort: date, month: int) -> dict:
    return df[(df["cohort"] == cohort) & (df["month"] == month)].iloc[0].to_dict()


def test_cohort_table_by_hand_with_customers_still_in_progress(db):
    cohorts_fixture(db)
    df = conversion_cohorts(db, months=4)
    assert list(df.columns) == COHORT_COLUMNS
    assert sorted(set(df["cohort"])) == [date(2024, 1, 1), date(2024, 3, 1)]
    jan, mar = date(2024, 1, 1), date(2024, 3, 1)
    assert cell(df, jan, 1)["rate"] == pytest.approx(20 / 40) and cell(df, jan, 1)["customers"] == 40
    assert cell(df, jan, 2)["rate"] == pytest.approx(30 / 40)
    # by day 90 the 10 non-buyers are still in progress (followed 86 days) and nobody is followed that long: blank
    m3 = cell(df, jan, 3)
    assert (m3["in_progress"], m3["known"], m3["shown"]) == (10, 30, False) and m3["rate"] != m3["rate"]
    # March: followed exactly 30 days, so month 1 is complete (5 of 35); month 2 rests on 5 known outcomes: blank
    assert cell(df, mar, 1)["rate"] == pytest.approx(5 / 35) and cell(df, mar, 1)["in_progress"] == 0
    m2 = cell(df, mar, 2)
    assert (m2["known"], m2["shown"]) == (5, False) and m2["rate"] != m2["rate"]  # NaN: blank


def test_cohort_table_empty_and_filtered_to_nothing(db):
    assert conversion_cohorts(db).empty
    cohorts_fixture(db)
    assert conversion_cohorts(db, Filters(personas=("nobody",))).empty
    assert list(conversion_cohorts(db, Filters(personas=("nobody",))).columns) == COHORT_COLUMNS


def test_a_cohort_under_30_customers_is_blank_everywhere(db):
    load(db, [customer(f"c{i}") for i in range(12)],
         [tp(f"c{i}", "2024-01-05 10:00", "store", "purchase", "5") for i in range(12)])
    df = conversion_cohorts(db, months=2)
    assert not df["shown"].any() and df["rate"].isna().all() and set(df["customers"]) == {12}


def test_kaplan_meier_where_some_are_still_in_progress(db):
    """One January cohort: 50 first seen on 1 Jan (10 buy on day 3, 5 on day 25), 20 first seen on 28 Jan who have
    not bought by 15 Feb (the data's end: censored at day 18). By day 30: 1 − (60/70)(35/40) = 25 %, not 15/70."""
    cs, tps = [], []
    for i in range(50):
        cid = f"a{i:02d}"
        cs.append(customer(cid))
        tps.append(tp(cid, "2024-01-01 10:00", "web", "awareness"))
        if i < 10:
            tps.append(tp(cid, "2024-01-04 10:00", "store", "purchase", "10"))
        elif i < 15:
            tps.append(tp(cid, "2024-01-26 10:00", "store", "purchase", "10"))
    for i in range(20):
        cs.append(customer(f"b{i:02d}"))
        tps.append(tp(f"b{i:02d}", "2024-01-28 10:00", "web", "awareness"))
    tps.append(tp("a49", "2024-02-15 10:00", "web", "consideration"))  # the data's last moment
    load(db, cs, tps)
    m1 = cell(conversion_cohorts(db, months=2), date(2024, 1, 1), 1)
    assert (m1["customers"], m1["in_progress"], m1["shown"]) == (70, 20, True)
    assert m1["rate"] == pytest.approx(1 - (60 / 70) * (35 / 40))
    m2 = cell(conversion_cohorts(db, months=2), date(2024, 1, 1), 2)
    assert not m2["shown"]  # nobody followed 60 days: blank
