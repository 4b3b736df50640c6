"""A funnel of what was seen, in the order it happened (issue 15): reached and observed customers per stage, stages
nobody was seen at, the closed funnel of steps in journey order, and the weakest step — on a hand-computed tiny case
and on a marketplace-orders-shaped fixture (stages never recorded, a review for most, a repeat order for one),
against ``tests.reference`` and in the story's words, on DuckDB and PostgreSQL."""

from datetime import datetime, timedelta

import pytest

import story
from analytics.dimensions import dimensions
from analytics.filters import Filters
from analytics.funnel import funnel_table
from analytics.overview import headline
from analytics.queries import runner
from analytics.report import report
from i18n import Texts
from tests.reference import reference_funnels, reference_weakest_step
from tests.unit.journeys import customer, load, tp

STAGES = ["awareness", "consideration", "purchase", "service", "loyalty", "advocacy"]


def col(df, name):
    return [None if v != v else v for v in df[name].tolist()]  # NaN → None


def journeys_of(touchpoints, keep=lambda t: True):
    """``{customer: [(ts, stage), …]}`` in journey order (timestamp, stage order, input order)."""
    out = {}
    for i, t in enumerate(touchpoints):
        if keep(t):
            out.setdefault(t["customer_id"], []).append((t["timestamp"], STAGES.index(t["stage"]), i, t["stage"]))
    return {c: [(r[0], r[3]) for r in sorted(rows)] for c, rows in out.items()}


# -- the tiny case, by hand ----------------------------------------------------------------------------------------

TINY = [
    # the journey: consideration, awareness, consideration, purchase → awareness → consideration → purchase
    tp("zigzag", "2024-01-01 09:00", "web", "consideration"),
    tp("zigzag", "2024-01-01 10:00", "web", "awareness"),
    tp("zigzag", "2024-01-01 11:00", "store", "consideration"),
    tp("zigzag", "2024-01-01 12:00", "store", "purchase"),
    # purchase and consideration at the same instant, purchase entered first: the journey order puts consideration
    # first (stage order), so the purchase comes after it
    tp("tie", "2024-01-02 09:00", "web", "awareness"),
    tp("tie", "2024-01-02 10:00", "web", "purchase"),
    tp("tie", "2024-01-02 10:00", "web", "consideration"),
    # consideration entered before awareness at the same instant: awareness comes first
    tp("tie_back", "2024-01-03 09:00", "web", "consideration"),
    tp("tie_back", "2024-01-03 09:00", "web", "awareness"),
    # first seen at purchase: enters the closed funnel there
    tp("late", "2024-01-04 08:00", "store", "purchase"),
    # a purchase before awareness, no consideration: the chain stops at awareness
    tp("stuck", "2024-01-05 08:00", "store", "purchase"),
    tp("stuck", "2024-01-05 09:00", "web", "awareness"),
]


def test_tiny_case_by_hand(db):
    load(db, [customer(c, persona="B" if c == "late" else "A") for c in ("zigzag", "tie", "tie_back", "late", "stuck")],
         TINY)
    open_ = funnel_table(db)
    assert open_["customers"].tolist() == [5, 5, 4, 0, 0, 0]
    assert open_["observed_customers"].tolist() == [4, 3, 4, 0, 0, 0]
    assert open_["observed"].tolist() == [True, True, True, False, False, False]
    closed = funnel_table(db, closed=True)
    # awareness: zigzag tie tie_back stuck; consideration: zigzag tie tie_back; purchase: zigzag tie + late (entrant)
    assert closed["customers"].tolist() == [4, 3, 3, 0, 0, 0]
    assert col(closed, "from_customers") == [None, 4, 3, None, None, None]
    assert col(closed, "conv_from_previous") == [None, 0.75, pytest.approx(2 / 3), None, None, None]
    assert col(closed, "drop_off") == [None, 1, 1, None, None, None]  # stuck; tie_back
    assert col(closed, "conv_from_start") == [0.8, 0.6, 0.6, None, None, None]
    funnels = reference_funnels(STAGES, journeys_of(TINY))
    assert closed["customers"].tolist() == [r["counted"] for r in funnels["closed"]]
    rows = report(db)["funnel"]
    assert [r["rate"] for r in rows] == [1.0, 1.0, 0.8, None, None, None]
    # in progress for service: tie_back, not converted within its window yet, and the four converted, followed
    # a few days since their purchase
    assert rows[3] == {"stage": "service", "customers": 0, "observed_customers": 0, "rate": None, "ci_low": None,
                       "ci_high": None, "in_progress": 5}
    assert report(db)["weakest_step"] is None  # no step starts with 30 customers
    from analytics.funnel import stage_reach

    reach = stage_reach(db)  # the report's rows, and whether each may be shown: 5 customers, none
    assert reach["in_progress"].tolist() == [r["in_progress"] for r in rows] and not reach["shown"].any()

    late = Filters(personas=("B",))  # one customer, first and only seen at purchase
    closed = funnel_table(db, late, closed=True)
    assert closed["observed"].tolist() == [False, False, True, False, False, False]
    assert closed["customers"].tolist() == [0, 0, 1, 0, 0, 0]
    assert col(closed, "conv_from_previous") == [None] * 6 and col(closed, "conv_from_start")[2] == 1.0


def test_one_customer_and_no_data(db):
    assert headline(db) == {"worst_step": None, "not_ranked": [], "lowest_nps_stage": None}
    assert report(db)["weakest_step"] is None
    load(db, [customer("solo")], TINY[:4])
    closed = funnel_table(db, closed=True)
    assert closed["customers"].tolist() == [1, 1, 1, 0, 0, 0]
    assert col(closed, "conv_from_previous") == [None, 1.0, 1.0, None, None, None]
    assert headline(db)["not_ranked"] == []


# -- marketplace orders ------------------------------------------------------------------------------------------------

def orders(db) -> list[dict]:
    """64 customers of a marketplace: an order (purchase) each; a carrier delivery (service) for 62; a review
    (advocacy) for 56, ten days after the order; one repeat order (loyalty), 40 days after, after the review. Nobody
    is recorded at awareness or consideration."""
    touchpoints = []
    for i in range(64):
        cid, at = f"o{i:02d}", datetime(2024, 3, 1) + timedelta(hours=7 * i)
        touchpoints.append(tp(cid, at.isoformat(sep=" "), "marketplace", "purchase", "42.00"))
        if i < 62:
            touchpoints.append(tp(cid, (at + timedelta(days=3)).isoformat(sep=" "), "carrier", "service"))
        if i < 56:
            touchpoints.append(tp(cid, (at + timedelta(days=10)).isoformat(sep=" "), "review", "advocacy"))
        if i == 0:
            touchpoints.append(tp(cid, (at + timedelta(days=40)).isoformat(sep=" "), "marketplace", "loyalty"))
    load(db, [customer(f"o{i:02d}") for i in range(64)], touchpoints)
    return touchpoints


def test_orders_funnel_says_what_was_seen(db):
    touchpoints = orders(db)
    got = report(db)
    funnel = {r["stage"]: r for r in got["funnel"]}
    # Awareness and Consideration: everyone "reached" them, nobody was seen there: no rate, not 100 %
    assert funnel["awareness"]["customers"] == 64 and funnel["awareness"]["observed_customers"] == 0
    assert funnel["awareness"]["rate"] is None and funnel["consideration"]["rate"] is None
    assert funnel["loyalty"]["customers"] == 56 and funnel["loyalty"]["observed_customers"] == 1
    assert funnel["purchase"]["rate"] == 1.0
    # the weakest step is not After-sales → Loyalty: 55 of the 56 who "reached" Loyalty were never seen there
    assert got["weakest_step"] == {"from_stage": "purchase", "to_stage": "service", "rate": 62 / 64, "customers": 64}
    h = headline(db)
    assert h["worst_step"] == got["weakest_step"]
    assert h["not_ranked"] == [{"from_stage": "service", "to_stage": "loyalty", "skipped_share": 55 / 64,
                                "observed_share": 1 / 64}]
    ref = reference_weakest_step(reference_funnels(STAGES, journeys_of(touchpoints)))
    assert (h["worst_step"], h["not_ranked"]) == (ref["worst"], ref["not_ranked"])

    closed = funnel_table(db, closed=True)
    assert closed["customers"].tolist() == [0, 0, 64, 62, 1, 0]  # o00 reviewed before buying again
    assert col(closed, "from_stage") == [None, None, None, "purchase", "service", "loyalty"]
    open_ = funnel_table(db)
    assert col(open_, "conv_from_previous")[:3] == [None, None, None]
    assert col(open_, "from_stage") == [None, None, None, "purchase", "service", "loyalty"]


def test_orders_story_names_the_step_and_what_is_not_ranked(db):
    orders(db)
    f = Filters()
    en = story.view("funnel", runner(db, f), f, dimensions(db), Texts("en")).caption
    assert en == ("Weakest step, by step conversion: Purchase → After-sales service. Of the 64 customers who got as "
                  "far as Purchase, 96.9% go further and 3.1% stop there. 85.9% of customers reach a later stage "
                  "without a touchpoint at Loyalty: After-sales service → Loyalty is not ranked; 1.6% of customers "
                  "were seen at Loyalty.")
    fr = story.view("journey_map", runner(db, f), f, dimensions(db), Texts("fr")).caption
    assert "Achat → Service après-vente" in fr
    assert "sans point de contact à l'étape Fidélisation\u00a0: Service après-vente → Fidélisation n'est pas classée" \
        in fr
    assert "99" not in en + fr
