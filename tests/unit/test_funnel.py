"""Open and closed funnels, time between stages and funnels by group, on DuckDB and PostgreSQL.

Hand-computed tiny journeys, then random journeys checked against a plain-Python reading of the
definitions (journey order = timestamp, stage order, input order).
"""

import math
import random
import statistics
import time
from datetime import datetime, timedelta

import pandas as pd
import pytest
from scipy.stats import fisher_exact

from analytics import stats
from analytics.filters import Filters
from analytics.funnel import funnel_by_group, funnel_table, time_between_stages
from analytics.report import report
from tests.reference import reference_funnels
from tests.unit.journeys import ACTIVITY, ONLY, customer, fb, load, load_example, tp

STAGES = ["awareness", "consideration", "purchase", "service", "loyalty", "advocacy"]
NOBODY = Filters(personas=("nobody",))


def col(df, name):
    """A column as plain Python values, NaN / <NA> as None."""
    return [None if pd.isna(v) else v for v in df[name].tolist()]


# -- plain-Python reference -----------------------------------------------------------------------------

def random_journeys(seed: int, n_customers: int = 40):
    """Customers, touchpoints (with ties and skipped stages) and feedback, as ``load`` arguments."""
    rng = random.Random(seed)
    customers, touchpoints, feedback = [], [], []
    for i in range(n_customers):
        cid = f"r{i:03d}"
        customers.append(customer(cid, persona=rng.choice(["A", "B", "C", None]), segment=rng.choice(["S1", "S2"]),
                                  region=rng.choice(["north", "south", None]),
                                  churned=rng.choice([True, False, None])))
        for _ in range(rng.randint(0, 6)):
            day = rng.randint(1, 70)
            at = datetime(2024, 1, 1) + timedelta(days=day, hours=rng.choice([9, 9, 14]), minutes=rng.choice([0, 30]))
            touchpoints.append(tp(cid, at.isoformat(sep=" "), rng.choice(["web", "email", "store"]),
                                  rng.choice(STAGES[:4] + STAGES[:2]),
                                  rng.choice([None, None, "12.50", "3.25"])))
        if rng.random() < 0.6:
            at = datetime(2024, 1, 1) + timedelta(days=rng.randint(0, 75), hours=10)
            feedback.append(fb(cid, at.isoformat(sep=" "), rng.choice(STAGES[:4]), nps=rng.choice([None, 2, 7, 9, 10]),
                               channel=rng.choice([None, "web", "store"])))
    rng.shuffle(touchpoints)  # input order (ids) unrelated to time
    return customers, touchpoints, feedback


def reference(customers, touchpoints, keep=lambda c, t: True):
    """Per customer: journey (kept touchpoints in journey order), furthest stage order, closed depth,
    first channel, first-reach times per stage order."""
    by_id = {c.customer_id: c for c in customers}
    journeys: dict = {}
    for i, t in enumerate(touchpoints):  # ids follow list order
        if keep(by_id[t["customer_id"]], t):
            journeys.setdefault(t["customer_id"], []).append((t["timestamp"], STAGES.index(t["stage"]) + 1, i, t))
    out = {}
    for cid, rows in journeys.items():
        rows.sort(key=lambda r: r[:3])
        first_index, first_time = {}, {}
        for idx, (ts, pos, _, _) in enumerate(rows):
            first_index.setdefault(pos, idx)
            first_time.setdefault(pos, ts)
        depth = 0
        for k in range(1, len(STAGES) + 1):
            if k in first_index and (k == 1 or first_index[k] > first_index[k - 1]):
                depth = k
            else:
                break
        out[cid] = {"furthest": max(r[1] for r in rows), "depth": depth, "first_channel": rows[0][3]["channel"],
                    "first_index": first_index, "first_time": first_time, "customer": by_id[cid],
                    "journey": [(r[0], r[3]["stage"]) for r in rows]}
    return out


def ref_funnels(ref, seen=None):
    """``tests.reference.reference_funnels`` of the customers of ``ref`` (``seen``: the cohort's observed stages)."""
    return reference_funnels(STAGES, {c: r["journey"] for c, r in ref.items()}, seen)


def ref_counts(ref, closed, seen=None):
    """Customers at each stage: reached (open) or counted by the closed funnel."""
    f = ref_funnels(ref, seen)
    return [r["counted"] for r in f["closed"]] if closed else [r["reached"] for r in f["open"]]


def ref_steps(ref, closed, seen):
    """Per stage after the first: (customers at the step's start, customers who go on), None for no step."""
    f = ref_funnels(ref, seen)
    reached = {r["stage"]: r["reached"] for r in f["open"]}
    out = []
    for r in f["closed"][1:]:
        if r["from_stage"] is None:
            out.append(None)
        elif closed:
            out.append((r["base"], r["continued"]))
        else:
            out.append((reached[r["from_stage"]], reached[r["stage"]]))
    return out


def pearson(table):
    """Pearson's statistic of an r×2 table without empty row or column."""
    n, cols = sum(map(sum, table)), [sum(c) for c in zip(*table, strict=True)]
    return sum((o - sum(r) * c / n) ** 2 / (sum(r) * c / n) for r in table for o, c in zip(r, cols, strict=True))


def exact_pearson_pvalue(table):
    """P(Pearson's statistic ≥ the observed one) over every r×2 table with the same margins, each with its
    probability under independence (multivariate hypergeometric: Π C(nᵢ, xᵢ) / C(N, K)), by brute force over
    the second column xᵢ with Σ xᵢ = K."""
    sizes, k = [sum(r) for r in table], sum(r[1] for r in table)
    observed, total, p = pearson(table), math.comb(sum(sizes), k), 0.0

    def spread(i, left):  # every (x_i, …, x_r) with Σ = left and 0 ≤ x_j ≤ n_j
        if i == len(sizes) - 1:
            if left <= sizes[i]:
                yield (left,)
            return
        for x in range(min(left, sizes[i]) + 1):
            for rest in spread(i + 1, left - x):
                yield (x, *rest)

    for xs in spread(0, k):
        if pearson([[n - x, x] for n, x in zip(sizes, xs, strict=True)]) >= observed * (1 - 1e-9):
            p += math.prod(math.comb(n, x) for n, x in zip(sizes, xs, strict=True)) / total
    return p


def ref_group_test(table):
    """The README's test of one step, on the (went on, stopped) rows of the groups tested: ``(p, test)``; the
    Monte-Carlo p as ``pytest.approx`` of the exact one, ± 0.02."""
    if table is None:
        return None, None
    table = [r for r in table if sum(r)]
    if len(table) < 2 or any(sum(c) == 0 for c in zip(*table, strict=True)):
        return None, None
    n, cols = sum(map(sum, table)), [sum(c) for c in zip(*table, strict=True)]
    if all(sum(r) * c / n >= 5 for r in table for c in cols):
        return stats.chi_square_pvalue(table), "chi-square"
    if len(table) == 2:
        return fisher_exact(table).pvalue, "fisher"
    return pytest.approx(exact_pearson_pvalue(table), abs=0.02), "monte-carlo"


# -- no data, one customer, empty filter -----------------------------------------------------------------

def test_no_data(db):
    for closed in (False, True):
        df = funnel_table(db, closed=closed)
        assert list(df.columns) == ["stage", "position", "customers", "observed_customers", "observed", "from_stage",
                                    "from_customers", "conv_from_previous", "conv_from_start", "drop_off", "ci_low",
                                    "ci_high"]
        assert df["stage"].tolist() == STAGES
        assert df["position"].tolist() == [1, 2, 3, 4, 5, 6]
        assert df["customers"].tolist() == [0] * 6
        assert df["observed_customers"].tolist() == [0] * 6 and df["observed"].tolist() == [False] * 6
        assert col(df, "from_stage") == [None] * 6 and col(df, "from_customers") == [None] * 6
        assert col(df, "conv_from_previous") == [None] * 6
        assert col(df, "conv_from_start") == [None] * 6
        assert col(df, "drop_off") == [None] * 6  # no stage observed: no step
        assert col(df, "ci_low") == [None] * 6
    tb = time_between_stages(db)
    assert list(tb.columns) == ["from_stage", "to_stage", "customers", "median_hours"]
    assert tb["from_stage"].tolist() == STAGES[:-1] and tb["to_stage"].tolist() == STAGES[1:]
    assert tb["customers"].tolist() == [0] * 5 and col(tb, "median_hours") == [None] * 5
    groups, tests = funnel_by_group(db)
    assert groups.empty
    assert list(groups.columns) == ["group", "stage", "position", "customers", "conv_from_previous",
                                    "conv_from_start", "ci_low", "ci_high"]
    assert list(tests.columns) == ["stage", "test", "p_value", "q_value", "significant"]
    assert tests["stage"].tolist() == STAGES[1:]
    assert col(tests, "test") == [None] * 5
    assert col(tests, "p_value") == [None] * 5 and col(tests, "q_value") == [None] * 5
    assert tests["significant"].tolist() == [False] * 5


def test_dtypes(db):
    load_example(db)
    df = funnel_table(db)
    assert df.dtypes.astype(str).to_dict() == {
        "stage": "object", "position": "int64", "customers": "int64", "observed_customers": "int64",
        "observed": "bool", "from_stage": "object", "from_customers": "float64", "conv_from_previous": "float64",
        "conv_from_start": "float64", "drop_off": "float64", "ci_low": "float64", "ci_high": "float64"}
    assert time_between_stages(db).dtypes.astype(str).tolist() == ["object", "object", "int64", "float64"]
    groups, tests = funnel_by_group(db, by="region")
    assert groups["group"].dtype == object and groups["group"].iloc[-1] is None
    assert tests.dtypes.astype(str).tolist() == ["object", "object", "float64", "float64", "bool"]


def test_one_customer(db):
    load(db, [customer("solo", persona="A")], [
        tp("solo", "2024-03-01 10:00", "web", "awareness"),
        tp("solo", "2024-03-01 12:30", "app", "consideration"),
    ])
    for closed in (False, True):
        df = funnel_table(db, closed=closed)
        assert df["customers"].tolist() == [1, 1, 0, 0, 0, 0]
        assert df["observed_customers"].tolist() == [1, 1, 0, 0, 0, 0]
        # purchase and later: nobody seen there, so no step into them (not a 0 % conversion)
        assert col(df, "conv_from_previous") == [None, 1.0, None, None, None, None]
        assert col(df, "conv_from_start") == [1.0, 1.0, None, None, None, None]
        assert col(df, "drop_off") == [None, 0, None, None, None, None]
        assert col(df, "from_stage") == [None, "awareness", None, None, None, None]
        assert (df.loc[1, "ci_low"], df.loc[1, "ci_high"]) == pytest.approx(stats.wilson_interval(1, 1))
        assert col(df, "ci_low")[2:] == [None] * 4
    tb = time_between_stages(db)
    assert tb["customers"].tolist() == [1, 0, 0, 0, 0]
    assert col(tb, "median_hours") == [2.5, None, None, None, None]
    groups, tests = funnel_by_group(db, by="channel")
    assert set(groups["group"]) == {"web"}
    assert groups["customers"].tolist() == [1, 1, 0, 0, 0, 0]
    assert col(tests, "p_value") == [None] * 5 and col(tests, "test") == [None] * 5  # one group: no test


def test_filter_that_empties_everything(db):
    load_example(db)
    for f in (NOBODY, Filters(channels=("fax",), **ONLY), Filters(start=datetime(2030, 1, 1).date(), **ACTIVITY)):
        assert funnel_table(db, f)["customers"].tolist() == [0] * 6
        assert funnel_table(db, f, closed=True)["customers"].tolist() == [0] * 6
        assert time_between_stages(db, f)["customers"].tolist() == [0] * 5
        groups, tests = funnel_by_group(db, f, by="region", closed=True)
        assert groups.empty and tests["significant"].tolist() == [False] * 5


# -- the shared example --------------------------------------------------------------------------------------

def test_example_open_and_closed(db):
    load_example(db)
    open_ = funnel_table(db)
    assert [{"stage": s, "customers": n, "observed_customers": o} for s, n, o in zip(
        open_["stage"], open_["customers"], open_["observed_customers"], strict=True)] \
        == [{k: r[k] for k in ("stage", "customers", "observed_customers")} for r in report(db)["funnel"]]
    assert open_["customers"].tolist() == [3, 3, 2, 0, 0, 0]  # c3 reached consideration only: counts at awareness
    assert open_["observed_customers"].tolist() == [2, 2, 2, 0, 0, 0]  # c1 c2 / c1 c3 / c1 c2
    assert col(open_, "conv_from_previous") == [None, 1.0, pytest.approx(2 / 3), None, None, None]
    assert col(open_, "conv_from_start") == [1.0, 1.0, pytest.approx(2 / 3), None, None, None]
    assert col(open_, "drop_off") == [None, 0, 1, None, None, None]
    # Closed: c1 awareness → consideration → purchase in order; c2 skipped consideration: stops at awareness;
    # c3 enters at consideration, its first stage, and counts there (not in the awareness → consideration base).
    closed = funnel_table(db, closed=True)
    assert closed["customers"].tolist() == [2, 2, 1, 0, 0, 0]
    assert col(closed, "from_customers") == [None, 2, 2, None, None, None]
    assert col(closed, "conv_from_previous") == [None, 0.5, 0.5, None, None, None]
    assert col(closed, "conv_from_start") == [pytest.approx(2 / 3), pytest.approx(2 / 3), pytest.approx(1 / 3),
                                              None, None, None]
    assert col(closed, "drop_off") == [None, 1, 1, None, None, None]
    low, high = stats.wilson_interval(1, 2)
    assert (closed.loc[1, "ci_low"], closed.loc[1, "ci_high"]) == pytest.approx((low, high))
    tb = time_between_stages(db)
    assert tb["customers"].tolist() == [1, 1, 0, 0, 0]
    assert col(tb, "median_hours") == [25.0, 25.0, None, None, None]  # c1: 09:00 → 10:00 next day → 11:00


def test_example_by_group(db):
    load_example(db)
    groups, tests = funnel_by_group(db, by="persona")
    # persona A: c1 (purchase), c3 (consideration); persona B: c2 (purchase)
    assert groups["group"].tolist() == ["A"] * 6 + ["B"] * 6
    assert groups["customers"].tolist() == [2, 2, 1, 0, 0, 0] + [1, 1, 1, 0, 0, 0]
    assert col(groups, "conv_from_start")[:3] == [1.0, 1.0, 0.5]
    # groups of 2 and 1 customers (under stats.MIN_N at every step's start): drawn, never tested
    assert col(tests, "p_value") == [None] * 5 and col(tests, "test") == [None] * 5
    assert tests["significant"].tolist() == [False] * 5

    regions, _ = funnel_by_group(db, by="region", closed=True)
    assert regions["group"].tolist() == ["north"] * 6 + ["south"] * 6 + [None] * 6  # c3: no region, last
    assert regions["customers"].tolist() == [1, 1, 1, 0, 0, 0] + [1, 0, 0, 0, 0, 0] + [0, 1, 0, 0, 0, 0]

    channels, _ = funnel_by_group(db, by="channel")
    # first channels: c1 web, c2 web (awareness and purchase at the same instant, both web), c3 app
    assert channels["group"].tolist() == ["app"] * 6 + ["web"] * 6
    assert channels["customers"].tolist() == [1, 1, 0, 0, 0, 0] + [2, 2, 2, 0, 0, 0]


def test_unknown_by_is_rejected(db):
    with pytest.raises(ValueError):
        funnel_by_group(db, by="mood")


# -- ties, skipped stages, order ---------------------------------------------------------------------------------

def test_ties_and_order(db):
    load(db, [customer(c) for c in ("same", "back", "skip", "late", "repeat")], [
        # same instant: the journey order puts awareness first, whatever the input order → in order, 0 h
        tp("same", "2024-01-01 10:00", "web", "consideration"),
        tp("same", "2024-01-01 10:00", "web", "awareness"),
        # consideration before awareness: the closed funnel takes the consideration after awareness
        tp("back", "2024-01-01 09:00", "web", "consideration"),
        tp("back", "2024-01-01 10:00", "web", "awareness"),
        tp("back", "2024-01-01 11:00", "web", "consideration"),
        # awareness → purchase, consideration skipped: open counts consideration, closed stops
        tp("skip", "2024-01-01 09:00", "web", "awareness"),
        tp("skip", "2024-01-02 09:00", "web", "purchase"),
        # awareness, consideration 3 h later, awareness again, purchase
        tp("repeat", "2024-01-01 09:00", "web", "awareness"),
        tp("repeat", "2024-01-01 12:00", "store", "consideration"),
        tp("repeat", "2024-01-01 13:00", "web", "awareness"),
        tp("repeat", "2024-01-01 14:00", "web", "purchase"),
        # awareness, consideration 10 h later (the same first reach pattern, for the median)
        tp("late", "2024-01-03 08:00", "email", "awareness"),
        tp("late", "2024-01-03 18:00", "email", "consideration"),
    ])
    assert funnel_table(db)["customers"].tolist() == [5, 5, 2, 0, 0, 0]
    assert funnel_table(db, closed=True)["customers"].tolist() == [5, 4, 1, 0, 0, 0]
    tb = time_between_stages(db)
    # awareness → consideration: same 0 h, repeat 3 h, late 10 h ("back" reached it first: excluded)
    # consideration → purchase: repeat 2 h
    assert tb["customers"].tolist() == [3, 1, 0, 0, 0]
    assert col(tb, "median_hours") == [3.0, 2.0, None, None, None]


def test_even_count_median_interpolates(db):
    hours = [1, 3, 10, 24.5]
    load(db, [customer(f"c{i}") for i in range(4)], [
        row for i, h in enumerate(hours) for row in (
            tp(f"c{i}", "2024-01-01 00:00", "web", "awareness"),
            tp(f"c{i}", (datetime(2024, 1, 1) + timedelta(hours=h)).isoformat(sep=" "), "web", "consideration"),
        )
    ])
    tb = time_between_stages(db)
    assert tb.loc[0, "customers"] == 4
    assert tb.loc[0, "median_hours"] == pytest.approx(6.5)  # (3 + 10) / 2


def test_first_channel_uses_kept_touchpoints(db):
    load_example(db)
    groups, _ = funnel_by_group(db, Filters(channels=("email", "store", "app"), **ONLY), by="channel")
    # c1 kept: email consideration; c2 kept: store awareness; c3 app consideration
    assert groups["group"].tolist() == ["app"] * 6 + ["email"] * 6 + ["store"] * 6
    assert groups["customers"].tolist() == [1, 1, 0, 0, 0, 0] * 2 + [1, 0, 0, 0, 0, 0]


def test_significant_difference_between_groups(db):
    customers, touchpoints = [], []
    for i in range(100):
        persona = "A" if i < 50 else "B"
        converts = (i < 40) or (50 <= i < 60)  # A: 40 / 50 reach consideration, B: 10 / 50
        cid = f"g{i:03d}"
        customers.append(customer(cid, persona=persona))
        touchpoints.append(tp(cid, "2024-01-01 09:00", "web", "awareness"))
        if converts:
            touchpoints.append(tp(cid, "2024-01-02 09:00", "web", "consideration"))
            if i % 2:
                touchpoints.append(tp(cid, "2024-01-03 09:00", "web", "purchase"))
    load(db, customers, touchpoints)
    groups, tests = funnel_by_group(db, by="persona")
    assert groups["customers"].tolist() == [50, 40, 20, 0, 0, 0, 50, 10, 5, 0, 0, 0]
    # awareness → consideration: every expected count 25 ≥ 5, so Pearson's chi-square as before: χ² = 36 on 1 df
    p1 = stats.chi_square_pvalue([[40, 10], [10, 40]])
    assert p1 == pytest.approx(math.erfc(math.sqrt(36 / 2)))
    # consideration → purchase: B has 10 customers at the step's start (< 30): left out, one group left, no test
    assert col(tests, "p_value") == [pytest.approx(p1), None, None, None, None]
    assert col(tests, "test") == ["chi-square", None, None, None, None]
    assert col(tests, "q_value") == [pytest.approx(p1), None, None, None, None]  # the only test
    assert tests["significant"].tolist() == [True, False, False, False, False]
    row = groups[(groups["group"] == "B") & (groups["stage"] == "consideration")].iloc[0]
    assert row["conv_from_previous"] == pytest.approx(0.2)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx(stats.wilson_interval(10, 50))


# -- small numbers said honestly: groups under 30 untested, exact tests under an expected count of 5 ----------------

def load_step(db, groups: dict) -> None:
    """Per persona, (customers at awareness, of whom went on to consideration)."""
    customers, touchpoints = [], []
    for persona, (n, went_on) in groups.items():
        for i in range(n):
            cid = f"{persona}{i:03d}"
            customers.append(customer(cid, persona=persona))
            touchpoints.append(tp(cid, "2024-01-01 09:00", "web", "awareness"))
            if i < went_on:
                touchpoints.append(tp(cid, "2024-01-02 09:00", "web", "consideration"))
    load(db, customers, touchpoints)


def test_a_one_customer_group_earns_no_star(db):
    # The audit's case: the one customer of B stopped, as 1 of A's 39. Pearson's chi-square read p = 0.00001 (★),
    # with an expected count of 1 × 2 / 40 = 0.05 in B's cell; Fisher's exact p is 0.05. B is not tested at all.
    load_step(db, {"A": (39, 38), "B": (1, 0)})
    assert stats.chi_square_pvalue([[38, 1], [0, 1]]) < 1e-4
    assert stats.independence_test([[38, 1], [0, 1]]) == (pytest.approx(0.05), "fisher")
    for closed in (False, True):
        groups, tests = funnel_by_group(db, by="persona", closed=closed)
        assert groups["group"].tolist() == ["A"] * 6 + ["B"] * 6  # B is still shown
        assert groups["customers"].tolist() == [39, 38, 0, 0, 0, 0] + [1, 0, 0, 0, 0, 0]
        assert col(tests, "p_value") == [None] * 5 and col(tests, "test") == [None] * 5
        assert tests["significant"].tolist() == [False] * 5


def test_small_expected_counts_in_two_groups_get_fishers_exact_test(db):
    # A 40 of 40, B 26 of 30 go on: both ≥ 30, but 4 stopped in all: expected 40 × 4 / 70 = 2.3 < 5
    load_step(db, {"A": (40, 40), "B": (30, 26)})
    _, tests = funnel_by_group(db, by="persona")
    fisher = fisher_exact([[40, 0], [26, 4]]).pvalue
    assert fisher == pytest.approx(0.0299, abs=1e-4)
    assert stats.chi_square_pvalue([[40, 0], [26, 4]]) == pytest.approx(0.0174, abs=1e-4)  # what was shown
    assert col(tests, "p_value") == [pytest.approx(fisher), None, None, None, None]
    assert col(tests, "test") == ["fisher", None, None, None, None]


def test_exact_enumeration_sums_to_one():
    assert exact_pearson_pvalue([[10, 2], [10, 2], [20, 4]]) == pytest.approx(1.0)  # statistic 0: every table
    # one rare outcome among 3 groups of 1, 1 and 2: P(it falls in a group of one) = 1/4 + 1/4
    assert exact_pearson_pvalue([[0, 1], [1, 0], [2, 0]]) == pytest.approx(0.5)


def test_small_expected_counts_in_three_groups_get_a_seeded_monte_carlo_p(db):
    # 33, 35 and 40 customers; 4 stopped in all (expected 1.2, 1.3, 1.5): chi-square said 0.117, the exact
    # enumeration says 0.070
    load_step(db, {"A": (33, 30), "B": (35, 34), "C": (40, 40)})
    table = [[30, 3], [34, 1], [40, 0]]
    exact = exact_pearson_pvalue(table)
    assert exact == pytest.approx(0.0701, abs=1e-4)
    assert abs(stats.chi_square_pvalue(table) - exact) > 0.04
    _, tests = funnel_by_group(db, by="persona")
    _, again = funnel_by_group(db, by="persona", closed=True)  # the same step in the closed funnel
    assert tests.loc[0, "p_value"] == pytest.approx(exact, abs=0.02)
    assert col(tests, "test") == ["monte-carlo", None, None, None, None]
    assert again.loc[0, "p_value"] == tests.loc[0, "p_value"]  # a fixed seed: the same p every time
    assert stats.independence_test(table) == (tests.loc[0, "p_value"], "monte-carlo")


def test_independence_test_by_expected_count():
    assert stats.independence_test([[5, 5], [5, 5]]) == (pytest.approx(1.0), "chi-square")  # expected 5: enough
    table = [[40, 10], [10, 40]]
    assert stats.independence_test(table) == (pytest.approx(stats.chi_square_pvalue(table)), "chi-square")
    assert stats.independence_test([[6, 4], [5, 5]])[1] == "fisher"  # expected 9 × 10 / 20 = 4.5
    assert stats.independence_test([[10, 0], [30, 0]]) == (None, None)  # one outcome
    assert stats.independence_test([[10, 20], [0, 0]]) == (None, None)  # one group
    assert stats.independence_test([]) == (None, None)
    with pytest.raises(ValueError):
        stats.independence_test([[10, -1], [3, 4]])
    wide = [[1000 + 10 * i, i % 3] for i in range(12)]  # 12 groups, the rare outcome expected ≤ 1.2
    start = time.perf_counter()
    first = stats.independence_test(wide)
    assert time.perf_counter() - start < 0.5  # 9,999 tables: a few ms
    assert first[1] == "monte-carlo" and stats.independence_test(wide) == first
    assert 1 / 10_000 <= first[0] <= 1


# -- random journeys against the plain-Python reading ------------------------------------------------------------

@pytest.mark.parametrize(("seed", "n_customers"), [(1, 40), (2, 40), (3, 240)])  # 240: groups of ≥ 30 are tested
def test_random_journeys_match_the_definitions(db, seed, n_customers):
    customers, touchpoints, feedback = random_journeys(seed, n_customers)
    load(db, customers, touchpoints, feedback)
    cases = [
        (None, lambda c, t: True),
        (Filters(channels=("web", "store"), **ONLY), lambda c, t: t["channel"] in ("web", "store")),
        (Filters(personas=("A", "B"), start=datetime(2024, 1, 20).date(), end=datetime(2024, 2, 20).date(), **ACTIVITY),
         lambda c, t: c.persona in ("A", "B") and datetime(2024, 1, 20) <= t["timestamp"] < datetime(2024, 2, 21)),
    ]
    tested = set()
    for f, keep in cases:
        ref = reference(customers, touchpoints, keep)
        open_ = funnel_table(db, f)
        assert open_["customers"].tolist() == ref_counts(ref, closed=False)
        assert open_["customers"].tolist() == [s["customers"] for s in report(db, f)["funnel"]]
        assert open_["observed_customers"].tolist() == [s["observed_customers"] for s in report(db, f)["funnel"]]
        closed = funnel_table(db, f, closed=True)
        assert closed["customers"].tolist() == ref_counts(ref, closed=True)
        assert open_["observed_customers"].tolist() == [r["observed"] for r in ref_funnels(ref)["open"]]
        steps = ref_steps(ref, True, None)
        assert col(closed, "from_customers")[1:] == [s[0] if s else None for s in steps]
        assert col(closed, "drop_off")[1:] == [s[0] - s[1] if s else None for s in steps]

        tb = time_between_stages(db, f)
        for j in range(1, len(STAGES)):
            gaps = [(r["first_time"][j + 1] - r["first_time"][j]).total_seconds() / 3600 for r in ref.values()
                    if j in r["first_index"] and j + 1 in r["first_index"]
                    and r["first_index"][j + 1] > r["first_index"][j]]
            assert tb.loc[j - 1, "customers"] == len(gaps)
            expected = statistics.median(gaps) if gaps else None
            got = tb.loc[j - 1, "median_hours"]
            assert (None if math.isnan(got) else got) == pytest.approx(expected)

        for by, closed in (("persona", False), ("channel", True), ("region", True)):
            groups, tests = funnel_by_group(db, f, by=by, closed=closed)
            value = {"persona": lambda r: r["customer"].persona, "region": lambda r: r["customer"].region,
                     "channel": lambda r: r["first_channel"]}[by]
            names = sorted({value(r) for r in ref.values()}, key=lambda v: (v is None, v or ""))
            assert list(dict.fromkeys(groups["group"])) == names
            seen = [r["stage"] for r in ref_funnels(ref)["open"] if r["observed"]]
            sub_ref = {g: {k: r for k, r in ref.items() if value(r) == g} for g in names}
            for g in names:
                sub = groups[groups["group"].map(lambda v, g=g: v == g)]
                assert sub["customers"].tolist() == ref_counts(sub_ref[g], closed, seen)
            steps = {g: ref_steps(sub_ref[g], closed, seen) for g in names}
            # groups of ≥ 30 customers at the step's start only; the test by the table's expected counts
            tables = [None if steps[names[0]][k] is None else
                      [[steps[g][k][1], steps[g][k][0] - steps[g][k][1]] for g in names if steps[g][k][0] >= 30]
                      for k in range(len(STAGES) - 1)]
            results = [ref_group_test(t) for t in tables]
            assert col(tests, "p_value") == [p if p is None or name == "monte-carlo" else pytest.approx(p)
                                             for p, name in results]
            assert col(tests, "test") == [name for _, name in results]
            tested.update(name for _, name in results if name)
            qs = stats.benjamini_hochberg(col(tests, "p_value"))
            assert tests["significant"].tolist() == [q is not None and q < 0.05 for q in qs]
    if n_customers >= 240:
        assert tested == {"chi-square", "fisher", "monte-carlo"}, tested
