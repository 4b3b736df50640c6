"""Every metric on tiny hand-computed journeys, on DuckDB and on PostgreSQL (the ``db`` fixture)."""

import random
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal

import pytest
from sqlmodel import Session

from analytics import metrics
from analytics.filters import Filters
from analytics.stats import nps_with_interval
from data_model import Channel
from tests.reference import reference_funnels, reference_weakest_step, wilson
from tests.unit.journeys import close, customer, fb, kept_by, load, load_example, modes, nps_by_hand, tp

STAGES = ["awareness", "consideration", "purchase", "service", "loyalty", "advocacy"]


def funnel_of(*counts):
    return [{"stage": s, "customers": n} for s, n in zip(STAGES, counts, strict=True)]


def reached(db, filters=None):
    """The funnel's reached counts (``stage``, ``customers``); observed and rates have tests of their own."""
    return [{"stage": r["stage"], "customers": r["customers"]} for r in metrics.funnel(db, filters)]


def nps_block(promoters, detractors, n, respondents=None):
    """One answer per customer unless ``respondents`` says otherwise (Rocks' interval, unclustered)."""
    score, low, high = nps_with_interval(promoters, detractors, n)
    return {"responses": n, "respondents": n if respondents is None else respondents, "nps": score, "ci_low": low,
            "ci_high": high}


def churn_by_stage(**per_stage):
    """``stage=(customers, churn_rate)`` for the stages given; the others have no customer."""
    return [{"stage": s, "customers": per_stage.get(s, (0, None))[0], "churn_rate": per_stage.get(s, (0, None))[1]}
            for s in STAGES]


def no_window(filters):
    """These tests are about who is counted and how: windows off (``test_windows.py`` has the windows)."""
    return replace(filters or Filters(), window="all")


def trim(actual, expected):
    """``actual`` with only the keys ``expected`` has (fields added since: tested where they are defined)."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        return {k: trim(actual[k], expected[k]) if k in actual else None for k in expected}
    if isinstance(expected, list) and isinstance(actual, list) and len(actual) == len(expected):
        return [trim(a, e) for a, e in zip(actual, expected, strict=True)]
    return actual


def at_once(db, filters=None):
    """``everything``, from the report's one scope (one cohort judged, one customer pass: faster)."""
    from analytics.report import report

    got = trim(report(db, no_window(filters)), EMPTY)
    out = {key: got[key] for key in EMPTY}
    out["funnel"] = [{"stage": r["stage"], "customers": r["customers"]} for r in got["funnel"]]  # reached, as above
    return out


def everything(db, filters=None):
    filters = no_window(filters)
    return {
        "funnel": reached(db, filters),
        "conversion": trim(metrics.conversion(db, filters), EMPTY["conversion"]),
        "revenue": metrics.revenue(db, filters),
        "nps": metrics.nps(db, filters),
        "churn": trim(metrics.churn(db, filters), EMPTY["churn"]),
        "channel_mix": metrics.channel_mix(db, filters),
        "transitions": metrics.transitions(db, filters),
    }


EMPTY = {
    "funnel": funnel_of(0, 0, 0, 0, 0, 0),
    "conversion": {"stage": "purchase", "customers": 0, "rate": None},
    "revenue": 0.0,
    "nps": {**nps_block(0, 0, 0), "by_stage": [{"stage": s, **nps_block(0, 0, 0)} for s in STAGES]},
    "churn": {"rate": None, "by_stage": churn_by_stage()},
    "channel_mix": {"mono": 0, "multi": 0, "cross": 0},
    "transitions": [],
}


# -- no data, one customer -----------------------------------------------------------------------

def test_no_data_at_all(db):
    assert everything(db) == EMPTY
    assert metrics.Scope(db).customers() == 0


def test_one_customer_one_touchpoint(db):
    load(db, [customer("solo", churned=False)], [tp("solo", "2024-03-01 10:00", "web", "awareness")])
    got = everything(db)
    assert got["funnel"] == funnel_of(1, 0, 0, 0, 0, 0)
    assert got["conversion"] == {"stage": "purchase", "customers": 0, "rate": 0.0}
    assert got["revenue"] == 0.0  # no revenue on the touchpoint: 0, not null
    assert got["churn"] == {"rate": 0.0, "by_stage": churn_by_stage(awareness=(1, 0.0))}
    assert got["channel_mix"] == {"mono": 1, "multi": 0, "cross": 0}
    assert got["transitions"] == []
    assert got["nps"] == EMPTY["nps"]


def test_one_customer_of_the_example(db):
    load_example(db)
    f = Filters(regions=("north",))  # c1 (c5 is north too, but has no touchpoint)
    got = everything(db, f)
    assert got["funnel"] == funnel_of(1, 1, 1, 0, 0, 0)
    assert got["conversion"] == {"stage": "purchase", "customers": 1, "rate": 1.0}
    assert got["revenue"] == 100.5
    assert got["churn"]["rate"] == 0.0
    assert got["channel_mix"] == {"mono": 0, "multi": 0, "cross": 1}
    assert got["transitions"] == [{"from": "email", "to": "web", "count": 1},
                                  {"from": "web", "to": "email", "count": 1}]
    # c1's promoter, c5's promoter (feedback only); c1's CSAT-only row is not a response
    assert got["nps"]["responses"] == 2 and got["nps"]["nps"] == 100.0


# -- the shared example, unfiltered ----------------------------------------------------------------

def test_funnel_counts_customers_at_or_beyond_each_stage(db):
    load_example(db)
    # c1 and c2 reach purchase (c2 skipping consideration still counts there), c3 consideration
    assert reached(db) == funnel_of(3, 3, 2, 0, 0, 0)


def test_conversion(db):
    load_example(db)
    # no window: the plain share at as_of (1 Feb, c3's first and only touchpoint); c3 has not converted: in progress
    low, high = wilson(2, 3)
    assert metrics.conversion(db, Filters(window="all")) == close(
        {"stage": "purchase", "customers": 2, "rate": 2 / 3, "ci_low": low, "ci_high": high, "in_progress": 1})
    # 90 days (the default): c3 came on as_of's day, censored at day 0 — not a failure; c2 converted at day 0 (the
    # purchase at its first instant), c1 at day 2: Kaplan–Meier S(90) = 2/3 × 0/1 = 0, a rate of 1 with the Wilson
    # interval of the two followed through
    low, high = wilson(2, 2)
    assert metrics.conversion(db) == close(
        {"stage": "purchase", "customers": 2, "rate": 1.0, "ci_low": low, "ci_high": high, "in_progress": 1})


def test_revenue_is_an_exact_sum_as_float(db):
    load_example(db)
    assert metrics.revenue(db) == 120.5
    load(db, [], [tp("c9", "2024-04-01", "web", "purchase", "0.1"), tp("c9", "2024-04-02", "web", "service", "0.2"),
                  tp("c9", "2024-04-03", "web", "loyalty", None)])
    value = metrics.revenue(db)
    assert type(value) is float and value == 120.8  # decimal sum: no 0.30000000000000004


def test_nps_overall_and_by_stage(db):
    load_example(db)
    got = metrics.nps(db)
    # responses 10, 3, 9, 7: two promoters, one detractor; c5 has no touchpoint but counts
    assert got["responses"] == 4 and got["nps"] == 25.0
    assert got == {
        **nps_block(2, 1, 4),
        "by_stage": [
            {"stage": "awareness", **nps_block(1, 0, 1)},
            {"stage": "consideration", **nps_block(0, 0, 0)},
            {"stage": "purchase", **nps_block(1, 1, 3)},
            {"stage": "service", **nps_block(0, 0, 0)},  # a CSAT-only row is not an NPS response
            {"stage": "loyalty", **nps_block(0, 0, 0)},
            {"stage": "advocacy", **nps_block(0, 0, 0)},
        ],
    }
    # Rocks' adjusted Wald: centre 100 × 1/7, asymmetric around the observed 25, not clipped at 100 any more
    assert (got["ci_low"], got["ci_high"]) == pytest.approx((-44.1598, 72.7312), abs=1e-3)
    one = got["by_stage"][0]  # one promoter: 100, no longer 100 ± 0
    assert one["nps"] == 100.0 and one["ci_low"] < 0 < one["ci_high"] < 100
    assert got["by_stage"][1]["nps"] is None and got["by_stage"][1]["ci_low"] is None


def test_nps_boundaries_promoter_passive_detractor(db):
    load(db, [], [], [fb("x", "2024-01-01", "purchase", nps=v) for v in (0, 6, 7, 8, 9, 10)])
    got = metrics.nps(db)
    assert (got["responses"], got["nps"]) == (6, 0.0)  # 9,10 promoters; 0,6 detractors; 7,8 passives


def test_nps_feedback_at_a_stage_outside_the_model_counts_overall_only(db):
    load(db, [], [], [fb("x", "2024-01-01", "legacy_stage", nps=10), fb("x", "2024-01-02", "purchase", nps=0)])
    got = metrics.nps(db)
    assert (got["responses"], got["nps"]) == (2, 0.0)
    assert [b["responses"] for b in got["by_stage"]] == [0, 0, 1, 0, 0, 0]


def test_churn_leaves_unknown_status_out(db):
    load_example(db)
    # c1 not churned, c2 churned, c3 unknown (left out of both counts): 1 / 2
    assert metrics.churn(db, Filters(window="all")) == {
        "rate": 0.5, "basis": "status",  # no window: the status at export
        "by_stage": churn_by_stage(consideration=(1, None), purchase=(2, 0.5)),
    }


def test_churn_customer_without_a_customers_row_is_unknown(db):
    load(db, [customer("k", churned=True)],
         [tp("k", "2024-01-01", "web", "awareness"), tp("ghost", "2024-01-01", "web", "awareness")])
    assert metrics.churn(db, Filters(window="all")) == {"rate": 1.0, "basis": "status",
                                                        "by_stage": churn_by_stage(awareness=(2, 1.0))}
    assert reached(db)[0] == {"stage": "awareness", "customers": 2}


def test_churn_all_unknown(db):
    load(db, [customer("u1"), customer("u2")],
         [tp("u1", "2024-01-01", "web", "purchase"), tp("u2", "2024-01-01", "web", "service")])
    assert metrics.churn(db, Filters(window="all")) == {
        "rate": None, "basis": "status", "by_stage": churn_by_stage(purchase=(1, None), service=(1, None))}


def test_channel_mix(db):
    load_example(db)
    assert metrics.channel_mix(db) == {"mono": 1, "multi": 1, "cross": 1}


def test_channel_mix_cross_needs_forward_moves_on_two_channels(db):
    load(db, [], [
        # m1: advances on web only; email comes back at an earlier stage → multi
        tp("m1", "2024-01-01", "web", "awareness"), tp("m1", "2024-01-02", "email", "awareness"),
        tp("m1", "2024-01-03", "web", "consideration"), tp("m1", "2024-01-04", "email", "consideration"),
        # m2: a repeated stage is not a new furthest stage → multi
        tp("m2", "2024-01-01", "web", "purchase"), tp("m2", "2024-01-02", "store", "purchase"),
        # m3: the first touchpoint always counts; the move to purchase is on the app → cross
        tp("m3", "2024-01-01", "web", "awareness"), tp("m3", "2024-01-02", "web", "awareness"),
        tp("m3", "2024-01-03", "app", "purchase"),
        # m4: starts late (purchase on store), then an earlier stage on web → multi
        tp("m4", "2024-01-01", "store", "purchase"), tp("m4", "2024-01-02", "web", "awareness"),
        # m5: one channel only → mono, however many stages
        tp("m5", "2024-01-01", "sms", "awareness"), tp("m5", "2024-01-02", "sms", "advocacy"),
    ])
    assert metrics.channel_mix(db) == {"mono": 1, "multi": 3, "cross": 1}


def test_transitions_count_consecutive_pairs_sorted(db):
    load_example(db)
    # c1: web→email, email→web; c2 (awareness before purchase at the same instant): web→web, web→store
    assert metrics.transitions(db) == [
        {"from": "email", "to": "web", "count": 1},
        {"from": "web", "to": "email", "count": 1},
        {"from": "web", "to": "store", "count": 1},
        {"from": "web", "to": "web", "count": 1},
    ]


def test_transitions_sorted_by_count_first(db):
    load(db, [], [
        tp("a", "2024-01-01", "web", "awareness"), tp("a", "2024-01-02", "app", "awareness"),
        tp("a", "2024-01-03", "web", "awareness"), tp("a", "2024-01-04", "app", "awareness"),
        tp("b", "2024-01-01", "sms", "awareness"), tp("b", "2024-01-02", "sms", "awareness"),
    ])
    # a: web→app ×2, app→web ×1; b: sms→sms ×1 (pairs never span two customers)
    assert metrics.transitions(db) == [
        {"from": "web", "to": "app", "count": 2},
        {"from": "app", "to": "web", "count": 1},
        {"from": "sms", "to": "sms", "count": 1},
    ]


def test_touchpoints_at_a_stage_outside_the_model_are_not_kept(db):
    # The importer only writes stages of the model; a stray code cannot be placed in the journey order,
    # so such a row is ignored everywhere (customers, revenue, mix, transitions).
    load(db, [], [tp("s", "2024-01-01", "web", "awareness"), tp("s", "2024-01-02", "app", "retired", "5.00"),
                  tp("z", "2024-01-01", "web", "retired", "7.00")])
    assert reached(db)[0] == {"stage": "awareness", "customers": 1}
    assert metrics.revenue(db) == 0.0
    assert metrics.channel_mix(db) == {"mono": 1, "multi": 0, "cross": 0}
    assert metrics.transitions(db) == []


# -- ties in timestamps --------------------------------------------------------------------------

def test_tie_in_timestamp_falls_back_to_stage_order(db):
    # Entered purchase-first, at the same instant: the journey order is awareness (web) then purchase (store).
    load(db, [], [tp("t", "2024-01-01 10:00", "store", "purchase"), tp("t", "2024-01-01 10:00", "web", "awareness")])
    assert metrics.transitions(db) == [{"from": "web", "to": "store", "count": 1}]
    assert metrics.channel_mix(db) == {"mono": 0, "multi": 0, "cross": 1}  # both touchpoints reach a new stage
    assert reached(db) == funnel_of(1, 1, 1, 0, 0, 0)


def test_tie_in_timestamp_and_stage_falls_back_to_input_order(db):
    load(db, [], [
        tp("t", "2024-01-01 10:00", "email", "awareness"),  # id 1: first
        tp("t", "2024-01-01 10:00", "web", "awareness"),    # id 2
        tp("t", "2024-01-01 11:00", "email", "consideration"),
    ])
    assert metrics.transitions(db) == [{"from": "email", "to": "web", "count": 1},
                                       {"from": "web", "to": "email", "count": 1}]
    # new stages are reached by id 1 (email) and id 3 (email): forward on one channel only
    assert metrics.channel_mix(db) == {"mono": 0, "multi": 1, "cross": 0}


# -- filters ----------------------------------------------------------------------------------------

def test_persona_filter(db):
    load_example(db)
    f = Filters(personas=("A",))  # c1, c3 (and c1's and c3's feedback)
    got = everything(db, f)
    assert got["funnel"] == funnel_of(2, 2, 1, 0, 0, 0)
    assert got["conversion"] == {"stage": "purchase", "customers": 1, "rate": 0.5}
    assert got["revenue"] == 100.5
    assert got["channel_mix"] == {"mono": 1, "multi": 0, "cross": 1}
    assert got["churn"] == {"rate": 0.0, "by_stage": churn_by_stage(consideration=(1, None), purchase=(1, 0.0))}
    assert (got["nps"]["responses"], got["nps"]["nps"]) == (2, 50.0)  # 10 and 7
    # repeated values are OR-ed: A or B is everyone
    assert everything(db, Filters(personas=("A", "B", "A"))) == everything(db)


def test_segment_filter(db):
    load_example(db)
    got = everything(db, Filters(segments=("S2",)))  # c2, c3
    assert got["funnel"] == funnel_of(2, 2, 1, 0, 0, 0)
    assert got["revenue"] == 20.0
    assert got["channel_mix"] == {"mono": 1, "multi": 1, "cross": 0}
    assert (got["nps"]["responses"], got["nps"]["nps"]) == (2, -50.0)  # 3 and 7


def test_region_filter_drops_customers_without_region(db):
    load_example(db)
    got = everything(db, Filters(regions=("north", "south")))  # c1, c2, c5; not c3 (no region)
    assert got["funnel"] == funnel_of(2, 2, 2, 0, 0, 0)
    assert got["nps"]["responses"] == 3


def test_channel_lens_and_feedback_without_channel(db):
    load_example(db)
    f = Filters(channels=("web",), channel_mode="only")  # the lens: only the web rows (Parcours before cohorts)
    got = everything(db, f)
    # c1 keeps web awareness + web purchase, c2 its two web touchpoints: both mono now
    assert got["funnel"] == funnel_of(2, 2, 2, 0, 0, 0)
    assert got["channel_mix"] == {"mono": 2, "multi": 0, "cross": 0}
    assert got["transitions"] == [{"from": "web", "to": "web", "count": 2}]
    assert got["revenue"] == 120.5
    # only c1's web promoter: c2's response has no channel, so a channel filter drops it
    assert got["nps"] == {**nps_block(1, 0, 1), "by_stage": [
        {"stage": s, **(nps_block(1, 0, 1) if s == "purchase" else nps_block(0, 0, 0))} for s in STAGES]}
    # without a channel filter, the channel-less response is kept
    assert metrics.nps(db, Filters(personas=("B",)))["responses"] == 2  # c2's 3 and c5's 9
    # several channels are OR-ed
    assert metrics.nps(db, Filters(channels=("web", "email", "store"), channel_mode="only"))["responses"] == 3
    # through the lens, c2's deal (web) is not on the store: not observed on these channels, never 0 %
    assert metrics.conversion(db, Filters(channels=("store",), channel_mode="only")) == {
        "stage": "purchase", "customers": 0, "rate": None, "ci_low": None, "ci_high": None,
        "in_progress": 1}  # c2's store touchpoint of 6 Jan: 26 days before as_of, within its 90-day window
    # a store deal kept by the lens: a rate again
    assert metrics.conversion(db, Filters(channels=("web",), channel_mode="only"))["rate"] == 1.0


def test_activity_lens_days_are_inclusive(db):
    load_example(db)
    f = Filters(start=date(2024, 1, 3), end=date(2024, 1, 5), period_mode="activity")
    got = everything(db, f)
    # c1: web purchase on the 3rd; c2: both touchpoints of the 5th (end day included), not the 6th
    assert got["funnel"] == funnel_of(2, 2, 2, 0, 0, 0)
    assert got["channel_mix"] == {"mono": 2, "multi": 0, "cross": 0}
    assert got["transitions"] == [{"from": "web", "to": "web", "count": 1}]
    assert got["revenue"] == 120.5
    assert (got["nps"]["responses"], got["nps"]["nps"]) == (2, 100.0)  # c1's 10 (3rd), c5's 9 (4th)
    # open-ended windows
    activity = {"period_mode": "activity"}
    assert metrics.funnel(db, Filters(start=date(2024, 1, 6), **activity))[0]["customers"] == 2  # c2 (store), c3
    assert metrics.funnel(db, Filters(end=date(2024, 1, 1), **activity))[0]["customers"] == 1  # c1
    assert metrics.revenue(db, Filters(start=date(2024, 1, 4), end=date(2024, 1, 4), **activity)) == 0.0


def test_date_filter_accepts_a_datetime_and_keeps_its_day(db):
    load_example(db)
    assert Filters(end=datetime(2024, 1, 1, 8, 0)).end == date(2024, 1, 1)
    assert metrics.funnel(db, Filters(end=datetime(2024, 1, 1, 8, 0)))[0]["customers"] == 1  # c1 first came then


def test_combined_lenses_are_and_ed(db):
    load_example(db)
    f = Filters(personas=("A",), channels=("web", "app"), start=date(2024, 1, 1), end=date(2024, 12, 31),
                channel_mode="only", period_mode="activity")
    got = everything(db, f)
    assert got["funnel"] == funnel_of(2, 2, 1, 0, 0, 0)  # c1 (web only), c3 (app)
    assert got["channel_mix"] == {"mono": 2, "multi": 0, "cross": 0}
    assert got["nps"]["responses"] == 1  # c1's web 10; c3's store 7 is another channel


def test_channel_used_follows_the_whole_journey(db):
    load_example(db)
    got = at_once(db, Filters(channels=("web",)))  # the default: customers who used the web, c1 and c2
    # all their touchpoints: c1 email included (cross), c2's store awareness included (multi)
    assert got["funnel"] == funnel_of(2, 2, 2, 0, 0, 0)
    assert got["channel_mix"] == {"mono": 0, "multi": 1, "cross": 1}
    assert got["transitions"] == [
        {"from": "email", "to": "web", "count": 1}, {"from": "web", "to": "email", "count": 1},
        {"from": "web", "to": "store", "count": 1}, {"from": "web", "to": "web", "count": 1}]
    assert got["revenue"] == 120.5
    # all their responses, the channel-less one included: c1's 10 (web) and c2's 3 (no channel); not c5 (no journey)
    assert (got["nps"]["responses"], got["nps"]["nps"]) == (2, 0.0)
    # c2 used the store; the deal was on the web, and it counts: 1 of 1 converted (the lens says 0, above)
    got = metrics.conversion(db, Filters(channels=("store",)))
    assert (got["customers"], got["rate"], got["in_progress"]) == (1, 1.0, 0)  # at day 0: followed through
    assert metrics.revenue(db, Filters(channels=("store",))) == 20.0


def test_channel_entered_is_the_first_touchpoint_in_journey_order(db):
    load_example(db)
    entered = {"channel_mode": "entered"}
    # c2's first touchpoint is its web awareness (same instant as the web purchase, earlier stage), not the store
    assert metrics.Scope(db, Filters(channels=("store",), **entered)).customers() == 0
    assert metrics.Scope(db, Filters(channels=("web",), **entered)).customers() == 2  # c1, c2
    assert metrics.Scope(db, Filters(channels=("email",), **entered)).customers() == 0  # c1 used it, later
    assert metrics.Scope(db, Filters(channels=("email",))).customers() == 1
    got = at_once(db, Filters(channels=("app", "email"), **entered))  # c3, with all of its rows
    assert got["funnel"] == funnel_of(1, 1, 0, 0, 0, 0)
    assert (got["nps"]["responses"], got["nps"]["nps"]) == (1, 0.0)  # its 7, on the store


def test_entered_ties_fall_back_to_input_order(db):
    load(db, [], [tp("t", "2024-01-01 10:00", "email", "awareness"), tp("t", "2024-01-01 10:00", "web", "awareness")])
    assert metrics.Scope(db, Filters(channels=("email",), channel_mode="entered")).customers() == 1
    assert metrics.Scope(db, Filters(channels=("web",), channel_mode="entered")).customers() == 0


def test_period_cohort_follows_those_who_first_came_in_it(db):
    load_example(db)
    got = at_once(db, Filters(start=date(2024, 1, 3), end=date(2024, 1, 5)))
    # first touchpoints: c1 on the 1st, c2 on the 5th (end day included), c3 on 1 Feb: c2 alone, its whole journey
    assert got["funnel"] == funnel_of(1, 1, 1, 0, 0, 0)
    assert got["revenue"] == 20.0
    assert got["channel_mix"] == {"mono": 0, "multi": 1, "cross": 0}
    assert got["transitions"] == [{"from": "web", "to": "store", "count": 1}, {"from": "web", "to": "web", "count": 1}]
    # c2's response of the 6th (after the window) counts; c5's of the 4th does not: no touchpoint, no cohort
    assert (got["nps"]["responses"], got["nps"]["nps"]) == (1, -100.0)
    assert metrics.Scope(db, Filters(start=date(2024, 1, 6))).customers() == 1  # c3 (c2 came on the 5th)
    assert metrics.Scope(db, Filters(end=date(2024, 1, 1))).customers() == 1  # c1
    assert at_once(db, Filters(start=date(2024, 1, 4), end=date(2024, 1, 4))) == EMPTY


def test_cohort_and_lens_together(db):
    load_example(db)
    # customers who used the web, seen through an activity window: c1 and c2 chosen on their whole journey, then
    # only their rows of the 3rd to the 5th are seen (c1's purchase, c2's two touchpoints of the 5th)
    got = at_once(db, Filters(channels=("web",), start=date(2024, 1, 3), end=date(2024, 1, 5),
                                 period_mode="activity"))
    assert got["funnel"] == funnel_of(2, 2, 2, 0, 0, 0)
    assert got["channel_mix"] == {"mono": 2, "multi": 0, "cross": 0}
    assert got["nps"]["responses"] == 1  # c1's 10 of the 3rd; c5 is in no cohort
    # those who first came in January (c1, c2) through the store lens: c2's store awareness alone
    got = at_once(db, Filters(channels=("store",), end=date(2024, 1, 31), channel_mode="only"))
    assert got["funnel"] == funnel_of(1, 0, 0, 0, 0, 0)
    assert got["nps"]["responses"] == 0


def test_combined_cohort_filters_are_and_ed(db):
    load_example(db)
    f = Filters(personas=("A",), channels=("web", "app"), start=date(2024, 1, 1), end=date(2024, 12, 31))
    got = at_once(db, f)  # c1 (used the web), c3 (the app), with all their rows
    assert got["funnel"] == funnel_of(2, 2, 1, 0, 0, 0)
    assert got["channel_mix"] == {"mono": 1, "multi": 0, "cross": 1}
    assert got["nps"]["responses"] == 2  # c1's 10 and c3's 7 (on the store)


def test_a_mode_without_its_filter_changes_nothing(db):
    load_example(db)
    assert at_once(db, Filters(channel_mode="only", period_mode="activity")) == everything(db)
    assert not Filters(channel_mode="entered").active
    with pytest.raises(ValueError, match="channel_mode"):
        Filters(channel_mode="first")
    with pytest.raises(ValueError, match="period_mode"):
        Filters(period_mode="window")


@pytest.mark.parametrize("filters", [
    Filters(personas=("nobody",)),
    Filters(channels=("fax",)),
    Filters(channels=("fax",), channel_mode="entered"),
    Filters(start=date(2030, 1, 1)),
    Filters(start=date(2030, 1, 1), period_mode="activity"),
    Filters(segments=("S1",), regions=("south",)),
])
def test_a_filter_that_empties_everything(db, filters):
    load_example(db)
    assert everything(db, filters) == EMPTY


def test_scope_shares_one_customer_pass(db):
    load_example(db)
    scope = metrics.Scope(db, Filters())
    scope.prefetch()
    assert scope.has("summary_rows") and scope.has("transition_rows")
    assert scope.customers() == 3
    assert scope.funnel() == metrics.funnel(db)
    assert scope.transitions() == metrics.transitions(db)


def test_no_stage_model(db_url):
    import data_model as dm

    database = dm.connect(db_url)
    try:
        with pytest.raises(metrics.NoStageModel):
            metrics.funnel(database)
    finally:
        database.close()


# -- Filters itself ----------------------------------------------------------------------------------

def test_filters_normalise_and_describe():
    assert Filters().describe() == "All customers, channels and dates."
    assert not Filters().active and Filters(channels=["web"]).active
    f = Filters(personas=["A", "B", "A"], channels="web", start=date(2024, 1, 1), end=date(2024, 3, 31))
    assert f.personas == ("A", "B") and f.channels == ("web",)
    assert hash(f) == hash(Filters(personas=("A", "B"), channels=("web",), start=date(2024, 1, 1),
                                   end=date(2024, 3, 31), channel_mode="used", period_mode="cohort"))
    assert f.describe() == ("Customers with persona A or B, who used channel web, who first came from 2024-01-01 "
                            "to 2024-03-31.")
    g = Filters(segments=("S1",), regions=("north", "south", "east"), channels=("web", "app"), start=date(2024, 2, 1),
                channel_mode="entered")
    assert g.describe() == ("Customers in segment S1, in region north, south or east, who entered by channels web or "
                            "app, who first came from 2024-02-01.")
    assert Filters(end=date(2024, 5, 1)).describe() == "Customers who first came up to 2024-05-01; all channels."
    lenses = Filters(channels=("web", "app"), start=date(2024, 2, 1), channel_mode="only", period_mode="activity")
    assert lenses.describe() == ("All customers; lens: only channels web or app; lens: only activity from "
                                 "2024-02-01.")
    assert Filters(personas=("A",), end=date(2024, 5, 1), period_mode="activity").describe() == (
        "Customers with persona A; all channels; lens: only activity up to 2024-05-01.")


# -- random journeys against a plain-Python reading of the definitions --------------------------------

def reference_report(customers, touchpoints, feedback, f: Filters, operational=frozenset()) -> dict:
    """The report's definitions, computed row by row in Python (the test's independent reading). The channel
    mix and the transitions read the journey touchpoints only (channels not in ``operational``)."""
    position = {s: i for i, s in enumerate(STAGES, start=1)}
    by_id = {c.customer_id: c for c in customers}

    def keeps(row):
        return kept_by(row, f, by_id, touchpoints)

    journeys = {}
    for i, t in enumerate(touchpoints, start=1):
        if keeps(t) and t["stage"] in position:
            journeys.setdefault(t["customer_id"], []).append((t["timestamp"], position[t["stage"]], i, t))
    furthest, mix, pairs = {}, {"mono": 0, "multi": 0, "cross": 0}, {}
    for cid, rows in journeys.items():
        rows.sort(key=lambda r: r[:3])
        furthest[cid] = max(r[1] for r in rows)
        rows = [r for r in rows if r[3]["channel"] not in operational]
        if not rows:
            continue  # no journey channel: in no mix class, no transition
        best, forward = 0, set()
        for r in rows:
            if r[1] > best:
                best = r[1]
                forward.add(r[3]["channel"])
        kinds = {r[3]["channel"] for r in rows}
        mix["mono" if len(kinds) == 1 else "cross" if len(forward) >= 2 else "multi"] += 1
        for a, b in zip(rows, rows[1:], strict=False):
            key = (a[3]["channel"], b[3]["channel"])
            pairs[key] = pairs.get(key, 0) + 1

    def churn_rate(cids):
        known = [by_id[c].churned for c in cids if c in by_id and by_id[c].churned is not None]
        return sum(known) / len(known) if known else None

    n = len(journeys)
    funnels = reference_funnels(STAGES, {c: [(r[0], r[3]["stage"]) for r in rows] for c, rows in journeys.items()})
    funnel = []
    for s, p in position.items():
        got = sum(1 for v in furthest.values() if v >= p)
        seen = sum(1 for rows in journeys.values() if any(r[1] == p for r in rows))
        rate, low, high = (got / n, *wilson(got, n)) if seen else (None, None, None)
        funnel.append({"stage": s, "customers": got, "observed_customers": seen, "rate": rate, "ci_low": low,
                       "ci_high": high})
    conv = funnel[STAGES.index("purchase")]["customers"]
    responses = [r for r in feedback if r["nps"] is not None and keeps(r)]

    def block(rs):
        return nps_by_hand((r["customer_id"], r["nps"]) for r in rs)

    return {
        "customers": n,
        "funnel": funnel,
        "conversion": {"stage": "purchase", "customers": conv,
                       "rate": conv / n if n and (not (f.channels and f.channel_mode == "only") or funnel[
                           STAGES.index("purchase")]["observed_customers"]) else None},
        "revenue": float(sum((r[3]["revenue"] for rows in journeys.values() for r in rows
                              if r[3]["revenue"] is not None), Decimal(0))),
        "nps": {**block(responses),
                "by_stage": [{"stage": s, **block([r for r in responses if r["stage"] == s])} for s in STAGES]},
        "churn": {"rate": churn_rate(list(journeys)), "by_stage": [
            {"stage": s, "customers": sum(1 for v in furthest.values() if v == p),
             "churn_rate": churn_rate([c for c, v in furthest.items() if v == p])} for s, p in position.items()]},
        "channel_mix": mix,
        "transitions": [{"from": a, "to": b, "count": k}
                        for (a, b), k in sorted(pairs.items(), key=lambda kv: (-kv[1], kv[0]))],
        "weakest_step": reference_weakest_step(funnels)["worst"],
    }


def test_random_journeys_match_a_plain_python_reference(db):
    from analytics.report import report

    rng = random.Random(20240601)
    channels = ["web", "app", "email", "store"]
    customers = [customer(f"r{i:03d}", rng.choice(["A", "B", None]), rng.choice(["S1", "S2"]),
                          rng.choice(["north", "south", None]), rng.choice([True, False, None])) for i in range(40)]
    cids = [c.customer_id for c in customers] + ["orphan1", "orphan2"]  # two without a customers row
    # few distinct instants, so that timestamp ties (and stage ties within them) are frequent
    instants = [f"2024-01-{d:02d} {h:02d}:00" for d in (1, 2, 3, 31) for h in (9, 18)]
    touchpoints = [tp(rng.choice(cids), rng.choice(instants), rng.choice(channels), rng.choice(STAGES),
                      rng.choice([None, None, "1.10", "25.00", "0.05"])) for _ in range(300)]
    feedback = [fb(rng.choice(cids + ["only_feedback"]), rng.choice(instants), rng.choice(STAGES + ["retired"]),
                   nps=rng.choice([None, *range(11)]), channel=rng.choice([None, *channels]),
                   csat=rng.choice([None, 3]))
                for _ in range(120)]
    load(db, customers, touchpoints, feedback)
    # the new defaults (cohorts), the two lenses (the old row filters), and every mixture of them
    for f in modes([Filters(), Filters(personas=("A",)), Filters(channels=("web", "store")),
                    Filters(segments=("S2",), regions=("north",), start=date(2024, 1, 2), end=date(2024, 1, 3)),
                    Filters(start=date(2024, 1, 3)), Filters(end=date(2024, 1, 1), channels=("app",))],
                   ("used", "cohort"), ("entered", "cohort"), ("only", "activity"), ("only", "cohort"),
                   ("entered", "activity")):
        expected = reference_report(customers, touchpoints, feedback, f)
        assert trim(report(db, no_window(f)), expected) == close(expected), f.describe()
    assert expected["customers"] > 0
    # e-mail as an operational channel (a survey e-mail): out of the mix and the transitions, still in the funnel
    with Session(db.engine) as s:
        s.get(Channel, "email").operational = True
        s.commit()
    for f in [Filters(), Filters(channels=("web", "email"), start=date(2024, 1, 2)), Filters(channels=("email",)),
              Filters(channels=("email",), channel_mode="only")]:
        expected = reference_report(customers, touchpoints, feedback, f, operational={"email"})
        assert trim(report(db, no_window(f)), expected) == close(expected), f.describe()
    # e-mail alone (the channel lens): customers and a funnel, but no mix class and no transition
    assert expected["customers"] > 0 and expected["channel_mix"] == {"mono": 0, "multi": 0, "cross": 0}
    assert expected["transitions"] == []
