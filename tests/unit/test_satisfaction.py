"""Satisfaction analytics on tiny hand-computed cases, on DuckDB and on PostgreSQL (the ``db`` fixture),
and against the report and a plain-Python reading of the definitions."""

import math
import random
from datetime import date

import pandas as pd
import pytest

from analytics import satisfaction
from analytics.filters import Filters
from analytics.metrics import Scope
from analytics.report import report
from analytics.stats import MIN_N, nps_with_interval, relative_risk, wilson_interval
from tests.unit.journeys import (
    ACTIVITY,
    ONLY,
    close,
    customer,
    fb,
    kept_by,
    load,
    load_example,
    modes,
    nps_by_hand,
    tp,
)

STAGES = ["awareness", "consideration", "purchase", "service", "loyalty", "advocacy"]
CHANNEL_COLUMNS = ["channel", "responses", "promoters", "passives", "detractors", "nps", "ci_low", "ci_high",
                   "respondents", "sufficient"]
SPLIT_COLUMNS = ["stage", "position", "responses", "promoters", "passives", "detractors", "nps", "ci_low", "ci_high",
                 "respondents", "sufficient"]
CSAT_COLUMNS = ["stage", "position", "responses", "mean_csat", "satisfied", "satisfied_share", "ci_low", "ci_high",
                "respondents"]
CELL_COLUMNS = ["stage", "position", "channel", "responses", "promoters", "detractors", "nps", "ci_low", "ci_high",
                "respondents", "sufficient"]


def records(df: pd.DataFrame) -> list[dict]:
    """Rows as plain dicts, NaN → None (so that hand-written expectations can say None)."""
    return [{k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items()}
            for row in df.to_dict("records")]


def nps_fields(promoters, detractors, n, passives=True, answers=None):
    """The NPS columns of ``n`` answers, one per customer unless ``answers`` (``(customer, score)``) says who gave
    them (the interval is then clustered, ``respondents`` the distinct customers), and ``sufficient`` (≥ 30 of them)."""
    by_hand = nps_by_hand(answers) if answers is not None else None
    score, low, high = (by_hand["nps"], by_hand["ci_low"], by_hand["ci_high"]) if by_hand else \
        nps_with_interval(promoters, detractors, n)
    respondents = by_hand["respondents"] if by_hand else n
    out = {"responses": n, "promoters": promoters, "passives": n - promoters - detractors, "detractors": detractors,
           "nps": score, "ci_low": low, "ci_high": high, "respondents": respondents, "sufficient": respondents >= 30}
    if not passives:
        del out["passives"]
    return out


def group(customers, churned):
    low, high = wilson_interval(churned, customers)
    return {"customers": customers, "churned": churned, "rate": churned / customers if customers else None,
            "ci_low": low, "ci_high": high}


def churn_result(det, oth, measure="nps"):
    rr = relative_risk(det[1], det[0], oth[1], oth[0])
    return {"measure": measure, "detractors": group(*det), "others": group(*oth), "relative_risk": rr["rr"],
            "rr_ci_low": rr["ci_low"], "rr_ci_high": rr["ci_high"], "p_value": rr["p_value"]}


# -- no data ------------------------------------------------------------------------------------------

def test_no_data(db):
    by_channel = satisfaction.nps_by_channel(db)
    assert list(by_channel.columns) == CHANNEL_COLUMNS and by_channel.empty
    split = satisfaction.nps_split_by_stage(db)
    assert list(split.columns) == SPLIT_COLUMNS
    assert records(split) == [{"stage": s, "position": i, **nps_fields(0, 0, 0), "respondents": 0}
                              for i, s in enumerate(STAGES, 1)]
    csat = satisfaction.csat_by_stage(db)
    assert list(csat.columns) == CSAT_COLUMNS
    assert records(csat) == [{"stage": s, "position": i, "responses": 0, "mean_csat": None, "satisfied": 0,
                              "satisfied_share": None, "ci_low": None, "ci_high": None, "respondents": 0}
                             for i, s in enumerate(STAGES, 1)]
    cells = satisfaction.stage_channel_nps(db)
    assert list(cells.columns) == CELL_COLUMNS and cells.empty
    assert satisfaction.detractor_churn(db) == churn_result((0, 0), (0, 0))


def test_one_customer(db):
    load(db, [customer("solo", churned=True)], [tp("solo", "2024-03-01", "web", "purchase")],
         [fb("solo", "2024-03-02", "purchase", nps=4, channel="web", csat=2)])
    assert records(satisfaction.nps_by_channel(db)) == [{"channel": "web", **nps_fields(0, 1, 1)}]
    assert records(satisfaction.nps_split_by_stage(db))[2] == {"stage": "purchase", "position": 3,
                                                               **nps_fields(0, 1, 1), "respondents": 1}
    assert records(satisfaction.csat_by_stage(db))[2] == {
        "stage": "purchase", "position": 3, "responses": 1, "mean_csat": 2.0, "satisfied": 0, "satisfied_share": 0.0,
        "ci_low": 0.0, "ci_high": wilson_interval(0, 1)[1], "respondents": 1}
    assert records(satisfaction.stage_channel_nps(db)) == [
        {"stage": "purchase", "position": 3, "channel": "web", **nps_fields(0, 1, 1, passives=False),
         "sufficient": False}]
    got = satisfaction.detractor_churn(db)
    assert got == churn_result((1, 1), (0, 0))
    assert got["relative_risk"] is None and got["p_value"] is None  # no one to compare with


# -- NPS by channel -------------------------------------------------------------------------------------

def test_nps_by_channel_example_and_unknown_channel(db):
    load_example(db)
    # 10 web, 3 (no channel), 9 email, 7 store; one response each: by channel, unknown last
    assert records(satisfaction.nps_by_channel(db)) == [
        {"channel": "email", **nps_fields(1, 0, 1)},
        {"channel": "store", **nps_fields(0, 0, 1)},
        {"channel": "web", **nps_fields(1, 0, 1)},
        {"channel": None, **nps_fields(0, 1, 1)},
    ]
    # a channel filter drops the channel-less response
    assert records(satisfaction.nps_by_channel(db, Filters(channels=("web", "store"), **ONLY))) == [
        {"channel": "store", **nps_fields(0, 0, 1)}, {"channel": "web", **nps_fields(1, 0, 1)}]
    # without one it is kept ("channel unknown"): persona B = c2's 3 (no channel) and c5's 9 (email)
    assert records(satisfaction.nps_by_channel(db, Filters(personas=("B",)))) == [
        {"channel": "email", **nps_fields(1, 0, 1)}, {"channel": None, **nps_fields(0, 1, 1)}]


def test_nps_by_channel_sorted_by_responses(db):
    load(db, [], [], [
        *(fb("a", f"2024-01-0{i}", "purchase", nps=v, channel="web") for i, v in enumerate((10, 9, 0), 1)),
        *(fb("b", f"2024-01-0{i}", "purchase", nps=v, channel=None) for i, v in enumerate((8, 7), 1)),
        fb("c", "2024-01-01", "service", nps=1, channel="app"),
        fb("c", "2024-01-02", "service", csat=5, channel="store"),  # CSAT only: not a response
    ])
    got = records(satisfaction.nps_by_channel(db))
    assert got == close([{"channel": "web", **nps_fields(2, 1, 3, answers=[("a", 10), ("a", 9), ("a", 0)])},
                         {"channel": None, **nps_fields(0, 0, 2, answers=[("b", 8), ("b", 7)])},
                         {"channel": "app", **nps_fields(0, 1, 1)}])
    assert sum(r["responses"] for r in got) == report(db)["nps"]["responses"]


# -- NPS split by stage ---------------------------------------------------------------------------------

def test_nps_split_by_stage_equals_the_report(db):
    load_example(db)
    load(db, [], [], [fb("z", "2024-01-01", "retired_stage", nps=0)])  # overall only, in no stage row
    for f in modes([Filters(), Filters(channels=("web",)), Filters(personas=("B",)), Filters(start=date(2024, 1, 4))]):
        split = records(satisfaction.nps_split_by_stage(db, f))
        by_stage = report(db, f)["nps"]["by_stage"]
        assert [{k: r[k] for k in ("stage", "responses", "respondents", "nps", "ci_low", "ci_high")}
                for r in split] == by_stage
    split = records(satisfaction.nps_split_by_stage(db))
    assert split[2] == {"stage": "purchase", "position": 3, **nps_fields(1, 1, 3), "respondents": 3}  # 10, 3, 7
    assert split[0] == {"stage": "awareness", "position": 1, **nps_fields(1, 0, 1), "respondents": 1}


def test_nps_split_shares_the_scope_cache(db):
    load_example(db)
    scope = Scope(db)
    scope.nps()
    rows = scope.__dict__["nps_rows"]
    satisfaction.nps_split_by_stage(db, scope=scope)
    assert scope.__dict__["nps_rows"] is rows


# -- CSAT ---------------------------------------------------------------------------------------------

def test_csat_by_stage(db):
    load(db, [], [], [
        *(fb("a", f"2024-01-0{v}", "purchase", csat=v, channel="web") for v in (1, 2, 3, 4, 5)),
        fb("b", "2024-01-01", "service", csat=4, nps=2),  # with an NPS too: still a CSAT answer
        fb("b", "2024-01-02", "service", csat=5, channel="store"),
        fb("b", "2024-01-03", "service", nps=10),  # NPS only: not a CSAT answer
        fb("b", "2024-01-04", "retired_stage", csat=1),  # outside the model: no row
    ])
    got = records(satisfaction.csat_by_stage(db))
    assert [r["stage"] for r in got] == STAGES
    assert got[2] == {"stage": "purchase", "position": 3, "responses": 5, "mean_csat": 3.0, "satisfied": 2,
                      "satisfied_share": 0.4, "ci_low": wilson_interval(2, 5)[0], "ci_high": wilson_interval(2, 5)[1],
                      "respondents": 1}  # one customer answering five times
    assert got[3] == {"stage": "service", "position": 4, "responses": 2, "mean_csat": 4.5, "satisfied": 2,
                      "satisfied_share": 1.0, "ci_low": wilson_interval(2, 2)[0], "ci_high": 1.0, "respondents": 1}
    assert got[0]["responses"] == 0 and got[0]["mean_csat"] is None
    # a channel filter drops the channel-less CSAT answer
    store = records(satisfaction.csat_by_stage(db, Filters(channels=("store",), **ONLY)))
    assert (store[3]["responses"], store[3]["mean_csat"]) == (1, 5.0)


# -- stage × channel ------------------------------------------------------------------------------------

def test_stage_channel_nps_cells_and_sufficiency(db):
    web = [fb(f"w{k}", f"2024-01-01 {k // 10:02d}:{k % 10:02d}", "purchase", nps=0 if k % 3 == 0 else 10,
              channel="web") for k in range(MIN_N)]  # 30 customers: 20 promoters, 10 detractors
    store = [fb(f"s{k}", f"2024-01-02 {k // 10:02d}:{k % 10:02d}", "purchase", nps=8, channel="store")
             for k in range(MIN_N - 1)]
    load(db, [], [], [*web, *store, fb("u", "2024-01-03", "awareness", nps=6),
                      fb("u", "2024-01-04", "retired_stage", nps=9, channel="web")])
    got = records(satisfaction.stage_channel_nps(db))
    assert got == [
        {"stage": "awareness", "position": 1, "channel": None, **nps_fields(0, 1, 1, passives=False),
         "sufficient": False},
        {"stage": "purchase", "position": 3, "channel": "web", **nps_fields(20, 10, 30, passives=False),
         "sufficient": True},
        {"stage": "purchase", "position": 3, "channel": "store", **nps_fields(0, 0, MIN_N - 1, passives=False),
         "sufficient": False},
    ]
    assert satisfaction.stage_channel_nps(db)["sufficient"].dtype == bool
    # with a channel filter, the channel-less cell is gone
    cells = records(satisfaction.stage_channel_nps(db, Filters(channels=("web", "store"), **ONLY)))
    assert [r["channel"] for r in cells] == ["web", "store"]


def test_thirty_answers_from_three_customers_are_too_few(db):
    # the audit's case: 3 customers answering 10 times make 30 responses, which used to pass for 30 customers
    answers = [(who, 10 if who != "c" else 0) for who in "abc" for _ in range(10)]
    load(db, [], [], [fb(who, f"2024-01-{k % 28 + 1:02d} {k % 24:02d}:00", "purchase", nps=v, channel="web")
                      for k, (who, v) in enumerate(answers)])
    for frame in (satisfaction.stage_channel_nps(db), satisfaction.nps_by_channel(db)):
        row = records(frame)[0]
        assert (row["responses"], row["respondents"], row["sufficient"]) == (30, 3, False)
        assert row["ci_low"] < -50  # clustered: three customers' worth of evidence, not thirty
    split = records(satisfaction.nps_split_by_stage(db))[2]
    assert (split["responses"], split["respondents"], split["sufficient"]) == (30, 3, False)
    assert report(db)["nps"]["respondents"] == 3


def test_stage_channel_cells_add_up_to_the_reports_nps_by_stage(db):
    load_example(db)
    cells = satisfaction.stage_channel_nps(db)
    by_stage = report(db)["nps"]["by_stage"]
    assert [int(cells.loc[cells["stage"] == b["stage"], "responses"].sum()) for b in by_stage] == \
        [b["responses"] for b in by_stage]


# -- detractors and churn ----------------------------------------------------------------------------

CHURN_CUSTOMERS = [("d1", True), ("d2", False), ("d3", True), ("d4", False), ("o1", False), ("o2", True),
                   ("o3", False), ("o4", False), ("u1", None), ("n1", True), ("w1", True)]


def load_churn_case(db):
    load(
        db,
        [customer(c, persona="P", churned=ch) for c, ch in CHURN_CUSTOMERS],
        [tp(c, "2024-01-01", "web", "awareness") for c, _ in CHURN_CUSTOMERS if c != "n1"]
        + [tp("g1", "2024-01-01", "web", "awareness")],  # g1 has no customers row: churn unknown
        [
            fb("d1", "2024-01-02", "purchase", nps=9), fb("d1", "2024-02-02", "purchase", nps=3),  # latest 3
            fb("d2", "2024-01-02", "awareness", nps=2, channel="web"),
            # same instant: the later feedback row (higher id) is the latest
            fb("d3", "2024-01-02 10:00", "purchase", nps=10), fb("d3", "2024-01-02 10:00", "purchase", nps=5),
            # a later CSAT-only row is not a response: the latest response stays the 3
            fb("d4", "2024-01-02", "service", nps=3), fb("d4", "2024-02-03", "service", csat=5),
            fb("o1", "2024-01-02", "purchase", nps=0), fb("o1", "2024-02-02", "purchase", nps=8),  # latest 8
            fb("o2", "2024-01-02", "retired_stage", nps=10),  # any stage counts
            fb("o3", "2024-01-02 10:00", "purchase", nps=4), fb("o3", "2024-01-02 10:00", "purchase", nps=9),
            fb("o4", "2024-01-02", "purchase", nps=7),
            fb("u1", "2024-01-02", "purchase", nps=0),  # churn unknown: left out
            fb("n1", "2024-01-02", "purchase", nps=0),  # no touchpoint: not among Customers
            fb("g1", "2024-01-02", "purchase", nps=0),  # no customers row: unknown
            # w1 never answered: left out
        ],
    )


def test_detractor_churn(db):
    load_churn_case(db)
    # detractors d1 (churned), d2, d3 (churned), d4: 2 / 4; others o1, o2 (churned), o3, o4: 1 / 4
    got = satisfaction.detractor_churn(db)
    assert got == churn_result((4, 2), (4, 1))
    assert got["relative_risk"] == 2.0


def test_detractor_churn_follows_the_filters(db):
    load_churn_case(db)
    # up to January: d1's latest is the 9 (other), o1's the 0 (detractor); d4's CSAT row changes nothing
    jan = satisfaction.detractor_churn(db, Filters(end=date(2024, 1, 31), **ACTIVITY))
    assert jan == churn_result((4, 1), (4, 2))  # d2, d3 (churned), d4, o1 vs d1 (churned), o2 (churned), o3, o4
    # a channel filter keeps d2's web response only (the others have no channel), touchpoints are on web
    assert satisfaction.detractor_churn(db, Filters(channels=("web",), **ONLY)) == churn_result((1, 0), (0, 0))
    # from February the touchpoints are gone: nobody is among Customers
    assert satisfaction.detractor_churn(db, Filters(start=date(2024, 2, 1), **ACTIVITY)) == churn_result((0, 0), (0, 0))


# -- filters that empty everything -------------------------------------------------------------------

@pytest.mark.parametrize("filters", [
    Filters(personas=("nobody",)), Filters(channels=("fax",), **ONLY), Filters(start=date(2030, 1, 1), **ACTIVITY),
])
def test_a_filter_that_empties_everything(db, filters):
    load_example(db)
    assert satisfaction.nps_by_channel(db, filters).empty
    assert satisfaction.stage_channel_nps(db, filters).empty
    assert satisfaction.nps_split_by_stage(db, filters)["responses"].sum() == 0
    assert satisfaction.csat_by_stage(db, filters)["responses"].sum() == 0
    assert satisfaction.detractor_churn(db, filters) == churn_result((0, 0), (0, 0))


# -- random data against a plain-Python reading of the definitions ---------------------------------------

def test_random_feedback_matches_a_plain_python_reference(db):
    rng = random.Random(11)
    chans = ["web", "app", "store"]
    customers = [customer(f"r{i:03d}", rng.choice(["A", "B", None]), rng.choice(["S1", "S2"]),
                          rng.choice(["north", "south", None]), rng.choice([True, False, None])) for i in range(60)]
    by_id = {c.customer_id: c for c in customers}
    cids = [c.customer_id for c in customers] + ["orphan"]
    instants = [f"2024-01-{d:02d} {h:02d}:00" for d in (1, 2, 3) for h in (9, 18)]
    touchpoints = [tp(rng.choice(cids), rng.choice(instants), rng.choice(chans), rng.choice(STAGES))
                   for _ in range(150)]
    feedback = [fb(rng.choice(cids), rng.choice(instants), rng.choice([*STAGES, "retired"]),
                   nps=rng.choice([None, *range(11)]), channel=rng.choice([None, *chans]),
                   csat=rng.choice([None, 1, 2, 3, 4, 5])) for _ in range(300)]
    load(db, customers, touchpoints, feedback)

    def keeps(row, f):
        return kept_by(row, f, by_id, touchpoints)

    for f in modes([Filters(), Filters(personas=("A",)), Filters(channels=("web", "store")),
                    Filters(regions=("north",), start=date(2024, 1, 2)),
                    Filters(end=date(2024, 1, 2), channels=("app",))]):
        kept = [(i, r) for i, r in enumerate(feedback) if keeps(r, f)]
        responses = [(i, r) for i, r in kept if r["nps"] is not None]
        # by channel
        want = {}
        for _, r in responses:
            want.setdefault(r["channel"], []).append((r["customer_id"], r["nps"]))
        got = {r["channel"]: r for r in records(satisfaction.nps_by_channel(db, f))}
        assert set(got) == set(want), f.describe()
        for ch, answers in want.items():
            p, d = sum(s >= 9 for _, s in answers), sum(s <= 6 for _, s in answers)
            assert got[ch] == close({"channel": ch, **nps_fields(p, d, len(answers), answers=answers)})
        counts = [r["responses"] for r in got.values()]
        assert list(satisfaction.nps_by_channel(db, f)["responses"]) == sorted(counts, reverse=True)
        # split by stage = the report
        split = records(satisfaction.nps_split_by_stage(db, f))
        assert [{k: r[k] for k in ("stage", "responses", "respondents", "nps", "ci_low", "ci_high")}
                for r in split] == report(db, f)["nps"]["by_stage"]
        # CSAT
        for row in records(satisfaction.csat_by_stage(db, f)):
            values = [r["csat"] for _, r in kept if r["csat"] is not None and r["stage"] == row["stage"]]
            assert row["responses"] == len(values)
            assert row["satisfied"] == sum(v >= 4 for v in values)
            if values:
                assert row["mean_csat"] == pytest.approx(sum(values) / len(values))
        # cells
        cells = {(r["stage"], r["channel"]): r["responses"] for r in records(satisfaction.stage_channel_nps(db, f))}
        want_cells = {}
        for _, r in responses:
            if r["stage"] in STAGES:
                want_cells[(r["stage"], r["channel"])] = want_cells.get((r["stage"], r["channel"]), 0) + 1
        assert cells == want_cells
        # detractor churn
        with_tp = {t["customer_id"] for t in touchpoints if keeps(t, f)}
        latest = {}
        for i, r in responses:
            key = (r["timestamp"], i)
            if r["customer_id"] not in latest or key > latest[r["customer_id"]][0]:
                latest[r["customer_id"]] = (key, r["nps"])
        det, oth = [0, 0], [0, 0]
        for cid, (_, score) in latest.items():
            c = by_id.get(cid)
            if cid in with_tp and c is not None and c.churned is not None:
                g = det if score <= 6 else oth
                g[0] += 1
                g[1] += c.churned
        assert satisfaction.detractor_churn(db, f) == churn_result(tuple(det), tuple(oth)), f.describe()


def test_star_ratings_read_as_csat(db):
    """CSAT only: the churn of the dissatisfied (latest answer 1–2) against the other respondents."""
    from tests.unit.test_irritants import star_rows

    email = [1] * 16 + [2] * 4 + [5] * 20
    load(db, *star_rows("e", "service", "email", email))
    got = satisfaction.detractor_churn(db)
    # star_rows: a dissatisfied customer churned when their index is even (10 of 20); nobody else did
    assert got == churn_result((20, 10), (20, 0), measure="csat")


def test_stage_channel_csat_cells_by_hand(db):
    # one cell of 30 customers (10 × 1★, 20 × 5★), one of 3 customers answering twice (too few), no NPS at all
    fbs = [fb(f"w{k}", "2024-01-01 10:00", "service", channel="email", csat=1 if k < 10 else 5) for k in range(30)]
    fbs += [fb(c, f"2024-01-0{d} 10:00", "service", channel="app", csat=4) for c in "abc" for d in (2, 3)]
    load(db, [], [], fbs)
    got = records(satisfaction.stage_channel_csat(db))
    email, app = got
    assert (email["channel"], email["responses"], email["respondents"], email["sufficient"]) == ("email", 30, 30, True)
    assert email["mean_csat"] == pytest.approx(110 / 30) and email["dissatisfied_share"] == pytest.approx(1 / 3)
    sd = (sum((v - 110 / 30) ** 2 for v in [1] * 10 + [5] * 20) / 29) ** 0.5  # one answer each: the usual interval
    assert email["ci_high"] - email["mean_csat"] == pytest.approx(1.959963984540054 * sd / 30 ** 0.5)
    assert (app["responses"], app["respondents"], app["sufficient"], app["mean_csat"]) == (6, 3, False, 4.0)
    assert satisfaction.stage_channel_csat(db, Filters(personas=("nobody",))).empty
