"""Channel analytics on tiny hand-computed journeys, on DuckDB and on PostgreSQL (the ``db`` fixture),
and against the report and a plain-Python reading of the definitions."""

import math
import random
from datetime import date

import pandas as pd
import pytest
from sqlmodel import Session, delete

import data_model as dm
from analytics import channels
from analytics.filters import Filters
from analytics.metrics import Scope
from analytics.report import report
from analytics.stats import wilson_interval
from data_model import Channel
from data_model.stages import StageDef
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

MIX_COLUMNS = ["mix", "customers", "share", "compared", "converted", "conversion_rate", "conv_ci_low", "conv_ci_high",
               "responses", "respondents", "nps", "nps_ci_low", "nps_ci_high"]
FLOW_COLUMNS = ["from_stage", "from_position", "from_channel", "to_stage", "to_position", "to_channel", "customers"]
DIGITAL_COLUMNS = ["stage", "position", "touchpoints", "digital", "physical", "digital_share", "customers",
                   "customers_digital_first", "digital_first_share"]


def set_operational(db, *codes, operational=True):
    """Mark channels as operational (not journey channels: a carrier, a survey e-mail)."""
    with Session(db.engine) as s:
        for code in codes:
            ch = s.get(Channel, code)
            ch.operational = operational
            s.add(ch)
        s.commit()


def set_kinds(db, **kinds):
    """Set channel kinds (the test helper creates every channel as digital, the model's default)."""
    with Session(db.engine) as s:
        for code, kind in kinds.items():
            ch = s.get(Channel, code)
            ch.kind = kind
            s.add(ch)
        s.commit()


def records(df: pd.DataFrame) -> list[dict]:
    """Rows as plain dicts, NaN → None (so that hand-written expectations can say None)."""
    return [{k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items()}
            for row in df.to_dict("records")]


def flows(db, filters=None) -> set[tuple]:
    df = channels.stage_flows(db, filters)
    return {(r["from_stage"], r["from_channel"], r["to_stage"], r["to_channel"], r["customers"]) for r in records(df)}


def mix_row(mix, customers, share, compared, converted, promoters, detractors, responses, answers=None):
    """``customers``/``share``: the whole class; the rest: its customers observed at two or more stages. ``answers``:
    their ``(customer, score)`` answers, when a customer answered more than once (the NPS interval is clustered)."""
    low, high = wilson_interval(converted, compared)
    nps = nps_by_hand(answers if answers is not None else [(i, 10 if i < promoters else 0 if i < promoters +
                                                            detractors else 8) for i in range(responses)])
    return {"mix": mix, "customers": customers, "share": share, "compared": compared, "converted": converted,
            "conversion_rate": converted / compared if compared else None, "conv_ci_low": low,
            "conv_ci_high": high, "responses": responses, "respondents": nps["respondents"], "nps": nps["nps"],
            "nps_ci_low": nps["ci_low"], "nps_ci_high": nps["ci_high"]}


def ropo_of(db, filters=None) -> dict:
    return channels.ropo_showrooming(db, filters)


# -- no data, one customer ------------------------------------------------------------------------

def test_no_data(db):
    mix = channels.mix_outcomes(db)
    assert list(mix.columns) == MIX_COLUMNS
    assert records(mix) == [mix_row(m, 0, None, 0, 0, 0, 0, 0) for m in ("mono", "multi", "cross")]
    assert mix["customers"].dtype == "int64" and mix["share"].dtype == "float64"
    tm = channels.transition_matrix(db)
    assert list(tm.columns) == ["from_channel", "to_channel", "count", "share_of_from"] and tm.empty
    sf = channels.stage_flows(db)
    assert list(sf.columns) == FLOW_COLUMNS and sf.empty
    ds = channels.digital_share_by_stage(db)
    assert list(ds.columns) == DIGITAL_COLUMNS
    assert records(ds) == [
        {"stage": s, "position": i, "touchpoints": 0, "digital": 0, "physical": 0, "digital_share": None,
         "customers": 0, "customers_digital_first": 0, "digital_first_share": None}
        for i, s in enumerate(STAGES, start=1)]
    assert ropo_of(db) == {
        "conversion_stage": "purchase", "converted": 0,
        "ropo": 0, "ropo_rate": None, "ropo_ci_low": None, "ropo_ci_high": None,
        "showrooming": 0, "showrooming_rate": None, "showrooming_ci_low": None, "showrooming_ci_high": None,
    }


def test_one_customer(db):
    load(db, [customer("solo", churned=False)],
         [tp("solo", "2024-03-01 10:00", "store", "purchase")],
         [fb("solo", "2024-03-02", "purchase", nps=9, channel="store")])
    set_kinds(db, store="physical")
    # one stage: mono, but not in the comparison (a cross-channel journey needs two stages)
    assert records(channels.mix_outcomes(db)) == [mix_row("mono", 1, 1.0, 0, 0, 0, 0, 0),
                                                  mix_row("multi", 0, 0.0, 0, 0, 0, 0, 0),
                                                  mix_row("cross", 0, 0.0, 0, 0, 0, 0, 0)]
    assert channels.transition_matrix(db).empty
    assert channels.stage_flows(db).empty  # one reached stage: no flow
    ds = records(channels.digital_share_by_stage(db))
    assert ds[2] == {"stage": "purchase", "position": 3, "touchpoints": 1, "digital": 0, "physical": 1,
                     "digital_share": 0.0, "customers": 1, "customers_digital_first": 0, "digital_first_share": 0.0}
    assert all(r["customers"] == 0 for i, r in enumerate(ds) if i != 2)
    got = ropo_of(db)
    assert (got["converted"], got["ropo"], got["showrooming"]) == (1, 0, 0)  # nothing before the purchase
    assert got["ropo_rate"] == 0.0 and (got["ropo_ci_low"], got["ropo_ci_high"]) == wilson_interval(0, 1)


# -- the shared example ----------------------------------------------------------------------------

def test_mix_outcomes_example(db):
    load_example(db)
    # c3 mono (consideration only, one stage: not compared; its 7 left out), c2 multi (awareness and purchase;
    # a 3), c1 cross (three stages; a 10, its CSAT-only row is not a response); c5 has no touchpoint: in no class
    assert records(channels.mix_outcomes(db)) == [
        mix_row("mono", 1, 1 / 3, 0, 0, 0, 0, 0),
        mix_row("multi", 1, 1 / 3, 1, 1, 0, 1, 1),
        mix_row("cross", 1, 1 / 3, 1, 1, 1, 0, 1),
    ]


def test_mix_outcomes_counts_every_response_of_the_compared_customers(db):
    load(db, [], [tp("a", "2024-01-01", "web", "awareness"), tp("b", "2024-01-01", "web", "purchase"),
                  tp("b", "2024-01-02", "web", "service")],
         [fb("a", "2024-01-02", "awareness", nps=10), fb("a", "2024-01-03", "awareness", nps=0),
          fb("b", "2024-01-03", "purchase", nps=9), fb("b", "2024-01-04", "retired_stage", nps=8),
          fb("b", "2024-01-05", "purchase", csat=2), fb("nobody", "2024-01-05", "purchase", nps=0)])
    mono = records(channels.mix_outcomes(db))[0]
    # a: one stage, not compared (its 10 and 0 left out); b: two stages: 9 and 8 (a stage outside the model counts)
    assert mono == close(mix_row("mono", 2, 1.0, 1, 1, 1, 0, 2, answers=[("b", 9), ("b", 8)]))


def test_mix_counts_equal_the_reports_channel_mix_and_conversion(db):
    load_example(db)
    for f in modes([Filters(), Filters(personas=("A",)), Filters(channels=("web",)), Filters(start=date(2024, 1, 3))]):
        rep = report(db, f)
        mix = channels.mix_outcomes(db, f)
        assert dict(zip(mix["mix"], mix["customers"].tolist(), strict=True)) == rep["channel_mix"]
        assert int(mix["converted"].sum()) <= rep["conversion"]["customers"]


def test_transition_matrix_example(db):
    load_example(db)
    tm = records(channels.transition_matrix(db))
    assert tm == [
        {"from_channel": "email", "to_channel": "web", "count": 1, "share_of_from": 1.0},
        {"from_channel": "web", "to_channel": "email", "count": 1, "share_of_from": 1 / 3},
        {"from_channel": "web", "to_channel": "store", "count": 1, "share_of_from": 1 / 3},
        {"from_channel": "web", "to_channel": "web", "count": 1, "share_of_from": 1 / 3},
    ]
    assert [{"from": r["from_channel"], "to": r["to_channel"], "count": r["count"]} for r in tm] == \
        report(db)["transitions"]


def test_stage_flows_example_skips_skipped_stages(db):
    load_example(db)
    assert list(channels.stage_flows(db).itertuples(index=False, name=None)) == [
        ("awareness", 1, "web", "consideration", 2, "email", 1),  # c1
        ("awareness", 1, "web", "purchase", 3, "web", 1),          # c2: consideration skipped
        ("consideration", 2, "email", "purchase", 3, "web", 1),    # c1
    ]  # c3 reached one stage only


def test_stage_flows_first_touchpoint_per_stage_and_counts(db):
    load(db, [], [
        # f1: awareness first on social (then web), consideration first on web, purchase first on store
        tp("f1", "2024-01-01", "social", "awareness"), tp("f1", "2024-01-02", "web", "awareness"),
        tp("f1", "2024-01-03", "web", "consideration"), tp("f1", "2024-01-04", "store", "purchase"),
        tp("f1", "2024-01-05", "web", "purchase"),
        # f2: entered out of order: the earlier timestamp wins, not the input order
        tp("f2", "2024-01-04", "store", "purchase"), tp("f2", "2024-01-03", "web", "consideration"),
        tp("f2", "2024-01-02", "web", "awareness"), tp("f2", "2024-01-01", "social", "awareness"),
        # f3: starts at purchase, then goes back to awareness: flows follow the stage order
        tp("f3", "2024-01-01", "store", "purchase"), tp("f3", "2024-01-02", "web", "awareness"),
    ])
    assert flows(db) == {
        ("awareness", "social", "consideration", "web", 2),
        ("consideration", "web", "purchase", "store", 2),
        ("awareness", "web", "purchase", "store", 1),
    }


def test_ties_in_time_fall_back_to_input_order_within_a_stage(db):
    load(db, [], [
        # same instant, same stage: the first entered (lower id) is the first touchpoint there
        tp("t", "2024-01-01 10:00", "store", "awareness"), tp("t", "2024-01-01 10:00", "web", "awareness"),
        # same instant, two stages, entered purchase first: each stage keeps its own first touchpoint
        tp("t", "2024-01-02 10:00", "app", "purchase"), tp("t", "2024-01-02 10:00", "email", "consideration"),
        tp("t", "2024-01-02 10:00", "web", "purchase"),
    ])
    set_kinds(db, store="physical")
    assert flows(db) == {("awareness", "store", "consideration", "email", 1),
                         ("consideration", "email", "purchase", "app", 1)}
    ds = records(channels.digital_share_by_stage(db))
    assert (ds[0]["touchpoints"], ds[0]["physical"], ds[0]["customers_digital_first"]) == (2, 1, 0)
    # transitions follow the journey order: timestamp, stage order (consideration before purchase), id
    assert report(db)["transitions"] == [
        {"from": "app", "to": "web", "count": 1}, {"from": "email", "to": "app", "count": 1},
        {"from": "store", "to": "web", "count": 1}, {"from": "web", "to": "email", "count": 1}]


# -- digital vs physical -------------------------------------------------------------------------------

def test_digital_share_by_stage(db):
    load(db, [], [
        tp("d1", "2024-01-01", "web", "awareness"), tp("d1", "2024-01-02", "store", "awareness"),
        tp("d1", "2024-01-03", "store", "purchase"),
        tp("d2", "2024-01-01", "call", "awareness"), tp("d2", "2024-01-02", "app", "awareness"),
        tp("d2", "2024-01-03", "app", "consideration"),
        tp("d3", "2024-01-01", "web", "purchase"),
    ])
    set_kinds(db, store="physical", call="physical")
    ds = channels.digital_share_by_stage(db)
    assert list(ds["stage"]) == STAGES and list(ds["position"]) == [1, 2, 3, 4, 5, 6]
    got = records(ds)
    assert got[0] == {"stage": "awareness", "position": 1, "touchpoints": 4, "digital": 2, "physical": 2,
                      "digital_share": 0.5, "customers": 2, "customers_digital_first": 1,
                      "digital_first_share": 0.5}
    assert got[1] == {"stage": "consideration", "position": 2, "touchpoints": 1, "digital": 1, "physical": 0,
                      "digital_share": 1.0, "customers": 1, "customers_digital_first": 1,
                      "digital_first_share": 1.0}
    # purchase: reached by d1 (store) and d3 (web); d1 skipped consideration: not counted there
    assert got[2] == {"stage": "purchase", "position": 3, "touchpoints": 2, "digital": 1, "physical": 1,
                      "digital_share": 0.5, "customers": 2, "customers_digital_first": 1,
                      "digital_first_share": 0.5}
    assert got[3]["touchpoints"] == 0 and got[3]["digital_share"] is None
    # the channel filter applies to each touchpoint: on store alone d1 is all physical
    one = records(channels.digital_share_by_stage(db, Filters(channels=("store",), **ONLY)))
    assert (one[0]["touchpoints"], one[0]["physical"], one[0]["customers"], one[0]["customers_digital_first"]) == \
        (1, 1, 1, 0)


def test_a_channel_missing_from_the_channels_table_counts_as_digital(db):
    load(db, [], [tp("m", "2024-01-01", "kiosk", "awareness")])
    with Session(db.engine) as s:
        s.exec(delete(Channel).where(Channel.code == "kiosk"))
        s.commit()
    row = records(channels.digital_share_by_stage(db))[0]
    assert (row["touchpoints"], row["digital"], row["customers_digital_first"]) == (1, 1, 1)


# -- ROPO / showrooming ------------------------------------------------------------------------------

ROPO_TOUCHPOINTS = [
    # r1: research online, purchase in store → ROPO
    tp("r1", "2024-01-01", "web", "consideration"), tp("r1", "2024-01-02", "store", "purchase"),
    # r2: consideration first on the app (then the store), purchase first in store (then web) → ROPO
    tp("r2", "2024-01-01", "app", "consideration"), tp("r2", "2024-01-02", "store", "consideration"),
    tp("r2", "2024-01-03", "store", "purchase"), tp("r2", "2024-01-04", "web", "purchase"),
    # s1: showroom then web order → showrooming
    tp("s1", "2024-01-01", "store", "consideration"), tp("s1", "2024-01-02", "web", "purchase"),
    # n1: all online → neither; n2: all in store → neither
    tp("n1", "2024-01-01", "web", "consideration"), tp("n1", "2024-01-02", "web", "purchase"),
    tp("n2", "2024-01-01", "store", "consideration"), tp("n2", "2024-01-02", "store", "purchase"),
    # k1: online at awareness (any earlier stage counts), then purchase in store → ROPO
    tp("k1", "2024-01-01", "web", "awareness"), tp("k1", "2024-01-02", "store", "purchase"),
    # b1: bought in store, browsed online the next day → neither (time is followed)
    tp("b1", "2024-01-01", "store", "purchase"), tp("b1", "2024-01-02", "web", "consideration"),
    # t1: online consideration and store purchase at the same instant, entered purchase first: the stage order
    # breaks the tie, consideration comes first → ROPO
    tp("t1", "2024-01-05 10:00", "store", "purchase"), tp("t1", "2024-01-05 10:00", "web", "consideration"),
    # o1: research online, the carrier (physical, operational) at purchase, then the web order: the first journey
    # conversion touchpoint is on the web → neither
    tp("o1", "2024-01-01", "web", "consideration"), tp("o1", "2024-01-02", "carrier", "purchase"),
    tp("o1", "2024-01-03", "web", "purchase"),
    # x1: research online, no purchase touchpoint (skipped to service) → not converted here
    tp("x1", "2024-01-01", "web", "consideration"), tp("x1", "2024-01-02", "store", "service"),
    # x2: research only
    tp("x2", "2024-01-01", "web", "consideration"),
]


def test_ropo_and_showrooming_in_journey_order(db):
    load(db, [], ROPO_TOUCHPOINTS)
    set_kinds(db, store="physical", carrier="physical")
    set_operational(db, "carrier")
    got = ropo_of(db)
    # converted: r1 r2 s1 n1 n2 k1 b1 t1 o1; ROPO: r1 r2 k1 t1; showrooming: s1
    assert got == {
        "conversion_stage": "purchase", "converted": 9,
        "ropo": 4, "ropo_rate": 4 / 9,
        "ropo_ci_low": wilson_interval(4, 9)[0], "ropo_ci_high": wilson_interval(4, 9)[1],
        "showrooming": 1, "showrooming_rate": 1 / 9, "showrooming_ci_low": wilson_interval(1, 9)[0],
        "showrooming_ci_high": wilson_interval(1, 9)[1],
    }
    # a date window that drops the day-1 research (the activity lens): b1 is no longer converted; only t1 (5 January)
    # stays ROPO
    later = ropo_of(db, Filters(start=date(2024, 1, 2), **ACTIVITY))
    assert (later["converted"], later["ropo"], later["showrooming"]) == (8, 1, 0)
    # on the web alone (the channel lens) nobody switches kind: r2, s1, n1, o1 converted on the web
    web = ropo_of(db, Filters(channels=("web",), **ONLY))
    assert (web["ropo"], web["converted"]) == (0, 4)
    # the carrier as a journey channel: o1's first purchase touchpoint is physical, after web research → ROPO
    set_operational(db, "carrier", operational=False)
    again = ropo_of(db)
    assert (again["converted"], again["ropo"], again["showrooming"]) == (9, 5, 1)


def test_ropo_in_another_stage_model(db_url):
    database = dm.connect(db_url)
    try:
        dm.initialise(database, "lifecycle")  # awareness → acquisition (conversion) → …
        load(database, [], [tp("l1", "2024-01-01", "web", "awareness"), tp("l1", "2024-01-02", "store", "acquisition"),
                            tp("l2", "2024-01-01", "store", "awareness"), tp("l2", "2024-01-02", "app", "onboarding")])
        set_kinds(database, store="physical")
        got = ropo_of(database)
        assert (got["conversion_stage"], got["converted"], got["ropo"], got["showrooming"]) \
            == ("acquisition", 1, 1, 0)
    finally:
        database.close()


def test_ropo_when_the_conversion_stage_comes_first(db_url):
    database = dm.connect(db_url)
    try:
        dm.initialise(database, (StageDef("buy", "Achat", "Buy", True), StageDef("use", "Usage", "Use")))
        load(database, [], [tp("u", "2024-01-01", "store", "buy"), tp("u", "2024-01-02", "web", "use")])
        got = ropo_of(database)
        assert (got["conversion_stage"], got["converted"], got["ropo"]) == ("buy", 1, 0)
        assert flows(database) == {("buy", "store", "use", "web", 1)}
    finally:
        database.close()


# -- filters ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("filters", [
    Filters(personas=("nobody",)), Filters(channels=("fax",), **ONLY), Filters(start=date(2030, 1, 1), **ACTIVITY),
])
def test_a_filter_that_empties_everything(db, filters):
    load_example(db)
    assert records(channels.mix_outcomes(db, filters)) == [mix_row(m, 0, None, 0, 0, 0, 0, 0)
                                                           for m in ("mono", "multi", "cross")]
    assert channels.transition_matrix(db, filters).empty
    assert channels.stage_flows(db, filters).empty
    assert channels.digital_share_by_stage(db, filters)[["touchpoints", "customers"]].to_numpy().sum() == 0
    assert ropo_of(db, filters)["converted"] == 0


def test_channel_filter_applies_to_each_touchpoint(db):
    load_example(db)
    f = Filters(channels=("web",), **ONLY)
    # c1 keeps web awareness → web purchase (its email consideration is gone); c2 web awareness → web purchase
    assert flows(db, f) == {("awareness", "web", "purchase", "web", 2)}
    assert records(channels.transition_matrix(db, f)) == [
        {"from_channel": "web", "to_channel": "web", "count": 2, "share_of_from": 1.0}]
    # both mono now; c1's web promoter is kept, c2's channel-less detractor is dropped by the channel filter
    mono = records(channels.mix_outcomes(db, f))[0]
    assert mono == mix_row("mono", 2, 1.0, 2, 2, 1, 0, 1)
    # without a channel filter, the channel-less response counts for its customer's class
    assert records(channels.mix_outcomes(db, Filters(personas=("B",))))[1] == \
        mix_row("multi", 1, 1.0, 1, 1, 0, 1, 1)


def test_scope_is_shared(db):
    load_example(db)
    scope = Scope(db)
    channels.mix_outcomes(db, scope=scope)
    # on DuckDB the mix query also brought the transitions back (one windowed pass for both)
    assert scope.has("transition_rows") == (db.dialect == "duckdb")
    assert records(channels.transition_matrix(db, scope=scope)) == records(channels.transition_matrix(db))
    a = channels.stage_flows(db, scope=scope)
    assert "_channels_flow_rows" in scope.__dict__
    channels.digital_share_by_stage(db, scope=scope)
    channels.ropo_showrooming(db, scope=scope)
    pd.testing.assert_frame_equal(a, channels.stage_flows(db))


# -- random journeys against a plain-Python reading of the definitions --------------------------------

def reference(customers, touchpoints, feedback, kinds, f: Filters, operational=frozenset()) -> dict:
    """Flows, digital shares, ROPO and the mix comparison on the journey touchpoints (channels not in
    ``operational``), row by row; conversion and stages on every kept touchpoint."""
    position = {s: i for i, s in enumerate(STAGES, start=1)}
    by_id = {c.customer_id: c for c in customers}

    def keeps(row):
        return kept_by(row, f, by_id, touchpoints)

    everything: dict[str, list] = {}
    for i, t in enumerate(touchpoints, start=1):
        if keeps(t) and t["stage"] in position:
            everything.setdefault(t["customer_id"], []).append((t["timestamp"], position[t["stage"]], i, t["channel"]))
    physical = {c for c, k in kinds.items() if k == "physical"}
    flow, per_stage_tp, per_stage_first = {}, {}, {}
    mix_of, furthest, stages_seen = {}, {}, {}
    ropo = show = converted = 0
    for cid, all_rows in everything.items():
        all_rows.sort()
        furthest[cid] = max(p for _, p, _, _ in all_rows)
        stages_seen[cid] = len({p for _, p, _, _ in all_rows})
        rows = [r for r in all_rows if r[3] not in operational]
        first = {}
        for _, p, _, ch in rows:
            first.setdefault(p, ch)
            n, phys = per_stage_tp.get(p, (0, 0))
            per_stage_tp[p] = (n + 1, phys + (ch in physical))
        reached = sorted(first)
        for a, b in zip(reached, reached[1:], strict=False):
            key = (STAGES[a - 1], first[a], STAGES[b - 1], first[b])
            flow[key] = flow.get(key, 0) + 1
        for p, ch in first.items():
            n, dig = per_stage_first.get(p, (0, 0))
            per_stage_first[p] = (n + 1, dig + (ch not in physical))
        at_conversion = [k for k, r in enumerate(rows) if r[1] == 3]
        if at_conversion:
            converted += 1
            k = at_conversion[0]
            earlier = {r[3] in physical for r in rows[:k] if r[1] < 3}  # earlier stage, before it in journey order
            ropo += rows[k][3] in physical and False in earlier
            show += rows[k][3] not in physical and True in earlier
        if not rows:
            mix_of[cid] = "none"
            continue
        best, forward = 0, set()
        for _, p, _, ch in rows:
            if p > best:
                best = p
                forward.add(ch)
        chans = {ch for *_, ch in rows}
        mix_of[cid] = "mono" if len(chans) == 1 else "cross" if len(forward) >= 2 else "multi"
    responses = [r for r in feedback if r["nps"] is not None and keeps(r) and r["customer_id"] in everything
                 and stages_seen[r["customer_id"]] >= 2]
    mix = {}
    for m in ("mono", "multi", "cross"):
        members = [c for c in everything if mix_of[c] == m]
        compared = [c for c in members if stages_seen[c] >= 2]
        rs = [(r["customer_id"], r["nps"]) for r in responses if mix_of[r["customer_id"]] == m]
        mix[m] = (len(members), len(compared), sum(furthest[c] >= 3 for c in compared), sum(s >= 9 for _, s in rs),
                  sum(s <= 6 for _, s in rs), len(rs), rs)
    return {"flows": {(*k, n) for k, n in flow.items()}, "tp": per_stage_tp, "first": per_stage_first,
            "ropo": (converted, ropo, show), "mix": mix, "customers": len(everything)}


def test_random_journeys_match_a_plain_python_reference(db):
    rng = random.Random(7)
    chans = ["web", "app", "email", "store", "call", "carrier"]
    kinds = {"web": "digital", "app": "digital", "email": "digital", "store": "physical", "call": "physical",
             "carrier": "physical"}
    customers = [customer(f"r{i:03d}", rng.choice(["A", "B", None]), rng.choice(["S1", "S2"]),
                          rng.choice(["north", "south", None]), rng.choice([True, False, None])) for i in range(50)]
    cids = [c.customer_id for c in customers] + ["orphan1", "orphan2"]
    instants = [f"2024-01-{d:02d} {h:02d}:00" for d in (1, 2, 3, 31) for h in (9, 18)]
    touchpoints = [tp(rng.choice(cids), rng.choice(instants), rng.choice(chans), rng.choice(STAGES))
                   for _ in range(400)]
    feedback = [fb(rng.choice(cids + ["only_feedback"]), rng.choice(instants), rng.choice(STAGES),
                   nps=rng.choice([None, *range(11)]), channel=rng.choice([None, *chans])) for _ in range(150)]
    load(db, customers, touchpoints, feedback)
    set_kinds(db, store="physical", call="physical", carrier="physical")
    set_operational(db, "carrier")  # a carrier: not a journey channel
    for f in modes([Filters(), Filters(personas=("A",)), Filters(channels=("web", "store")),
                    Filters(segments=("S2",), regions=("north",), start=date(2024, 1, 2), end=date(2024, 1, 3)),
                    Filters(start=date(2024, 1, 3)), Filters(end=date(2024, 1, 1), channels=("app", "call"))]):
        ref = reference(customers, touchpoints, feedback, kinds, f, operational={"carrier"})
        scope = Scope(db, f)
        assert flows(db, f) == ref["flows"], f.describe()
        ds = records(channels.digital_share_by_stage(db, scope=scope))
        for i, row in enumerate(ds, start=1):
            n, phys = ref["tp"].get(i, (0, 0))
            c, dig = ref["first"].get(i, (0, 0))
            assert (row["touchpoints"], row["physical"], row["customers"], row["customers_digital_first"]) == \
                (n, phys, c, dig), f.describe()
        r = channels.ropo_showrooming(db, scope=scope)
        assert (r["converted"], r["ropo"], r["showrooming"]) == ref["ropo"], f.describe()
        mix = records(channels.mix_outcomes(db, scope=scope))
        for row in mix:
            n, compared, conv, p, d, k, answers = ref["mix"][row["mix"]]
            assert row == close(mix_row(row["mix"], n, n / ref["customers"] if ref["customers"] else None, compared,
                                        conv, p, d, k, answers)), f.describe()
        rep = report(db, f)
        assert {r["mix"]: r["customers"] for r in mix} == rep["channel_mix"]
        tm = records(channels.transition_matrix(db, scope=scope))  # on DuckDB, filled by mix_outcomes' query
        assert [{"from": r["from_channel"], "to": r["to_channel"], "count": r["count"]} for r in tm] == \
            rep["transitions"]
        for src in {r["from_channel"] for r in tm}:
            assert sum(r["share_of_from"] for r in tm if r["from_channel"] == src) == pytest.approx(1.0)
    assert ref["customers"] > 0
