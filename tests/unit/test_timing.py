"""Time to the next stage, hand-computed with customers still waiting (censored at the data's last moment), on
DuckDB and PostgreSQL."""

import pytest

from analytics.timing import CURVE_COLUMNS, TIMING_COLUMNS, time_to_next_stage, time_to_next_stage_curves
from tests.unit.journeys import customer, load, tp


def timing_fixture(db):
    load(db, [customer(c) for c in ("a1", "a2", "a3", "a4", "a5", "a6")], [
        tp("a1", "2024-01-01 10:00", "web", "awareness"), tp("a1", "2024-01-03 10:00", "web", "consideration"),
        tp("a2", "2024-01-01 10:00", "web", "awareness"), tp("a2", "2024-01-06 10:00", "store", "purchase", "9"),
        # seen at consideration before awareness: no later stage after its awareness
        tp("a3", "2023-12-31 10:00", "web", "consideration"), tp("a3", "2024-01-01 10:00", "web", "awareness"),
        tp("a4", "2024-01-01 10:00", "web", "awareness"),
        tp("a5", "2024-01-01 10:00", "web", "awareness"), tp("a5", "2024-01-11 10:00", "web", "awareness"),
        # the same instant: the later stage comes second in the journey order, 0 days
        tp("a6", "2024-01-02 10:00", "web", "awareness"), tp("a6", "2024-01-02 10:00", "web", "consideration"),
    ])


def test_time_to_next_stage_by_hand(db):
    timing_fixture(db)
    df = time_to_next_stage(db)
    assert list(df.columns) == TIMING_COLUMNS and len(df) == 5
    first = df.iloc[0].to_dict()
    # awareness → later: a6 at day 0, a1 at 2, a2 at 5 (skipping consideration still reaches a later stage);
    # a3, a4 still waiting at the last moment (11 Jan 10:00: day 10), a5 too (day 10)
    assert (first["from_stage"], first["to_stage"], first["at_risk"], first["events"]) == (
        "awareness", "consideration", 6, 3)
    # S: 5/6 at day 0, × 4/5 at 2, × 3/4 at 5 = 1/2: the median is day 5, p25 day 2 (S = 4/6 ≤ 3/4)
    assert (first["median_days"], first["p25_days"]) == (5.0, 2.0)
    assert pd_none(first["p75_days"]) and pd_none(first["within_30"])  # nobody followed 30 days
    among_arrived = sorted([0, 2, 5])[1]  # what "median among those who got there" said: 2 days
    assert first["median_days"] > among_arrived
    second = df.iloc[1].to_dict()
    # consideration → later: nobody moved on; a1 waits from 3 Jan (8 days), a3 from 31 Dec (11), a6 from 2 Jan (9)
    assert (second["at_risk"], second["events"]) == (3, 0) and pd_none(second["median_days"])
    assert df.iloc[2]["at_risk"] == 1 and df.iloc[2]["events"] == 0  # purchase → service: a2, waiting


def pd_none(x) -> bool:
    return x is None or x != x


def test_time_to_next_stage_with_no_data_and_one_customer(db):
    empty = time_to_next_stage(db)
    assert len(empty) == 5 and (empty["at_risk"] == 0).all() and empty["median_days"].isna().all()
    assert time_to_next_stage_curves(db).empty
    load(db, [customer("solo")], [tp("solo", "2024-01-01 10:00", "web", "awareness"),
                                  tp("solo", "2024-01-04 22:00", "store", "purchase", "5")])
    one = time_to_next_stage(db).iloc[0].to_dict()
    assert (one["at_risk"], one["events"], one["median_days"], one["p90_days"]) == (1, 1, 3.0, 3.0)


def test_curves_only_where_30_customers_are_followed(db):
    """40 customers: 20 move on after 4 days, the others wait 30 days (the data ends then): one curve, from 0,
    stepping to 1/2 at day 4, not drawn once fewer than 30 are still followed."""
    cs, tps = [], []
    for i in range(40):
        cs.append(customer(f"c{i}"))
        tps.append(tp(f"c{i}", "2024-01-01 10:00", "web", "awareness"))
        if i < 20:
            tps.append(tp(f"c{i}", "2024-01-05 10:00", "web", "consideration"))
    tps.append(tp("c39", "2024-01-31 10:00", "web", "awareness"))
    load(db, cs, tps)
    curves = time_to_next_stage_curves(db)
    assert list(curves.columns) == CURVE_COLUMNS
    assert curves[["day", "reached", "at_risk"]].values.tolist() == [[0, 0.0, 40], [4, 0.5, 40]]
    row = time_to_next_stage(db).iloc[0]
    assert row["median_days"] == 4.0 and row["within_30"] == pytest.approx(0.5)
