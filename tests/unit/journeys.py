"""Tiny hand-made journeys for the analytics tests, written through SQLModel sessions.

Touchpoints and feedback get their ``id`` (input order) from the order they are given in, so a
test controls the last tie-breaker of the journey order simply by the order of its list.
"""

from datetime import date, datetime
from decimal import Decimal

import pytest
from sqlmodel import Session, select

from data_model import Channel, Customer, Feedback, Touchpoint


def when(text: str) -> datetime:
    """``"2024-01-05"`` or ``"2024-01-05 10:30"`` as a naive datetime."""
    return datetime.fromisoformat(text)


def customer(customer_id: str, persona=None, segment=None, region=None, churned=None) -> Customer:
    return Customer(customer_id=customer_id, persona=persona, segment=segment, region=region,
                    signup_date=date(2023, 12, 1), churned=churned,
                    churn_date=date(2024, 6, 1) if churned else None)


def tp(customer_id: str, at: str, channel: str, stage: str, revenue: str | None = None,
       source: str | None = None) -> dict:
    """A touchpoint (revenue as a decimal string, e.g. ``"10.25"``; ``source``: its source system, if said)."""
    row = {"customer_id": customer_id, "timestamp": when(at), "channel": channel, "stage": stage,
           "revenue": Decimal(revenue) if revenue is not None else None}
    if source is not None:
        row["source"] = source
    return row


def fb(customer_id: str, at: str, stage: str, nps: int | None = None, channel: str | None = None,
       csat: int | None = None, comment: str | None = None) -> dict:
    """A feedback row (``channel=None``: channel unknown)."""
    return {"customer_id": customer_id, "timestamp": when(at), "stage": stage, "nps": nps,
            "channel": channel, "csat": csat, "comment": comment}


def load(db, customers=(), touchpoints=(), feedback=()) -> None:
    """Insert the rows; channels seen in touchpoints or feedback are created when missing."""
    with Session(db.engine, expire_on_commit=False) as s:  # the caller may read its customers afterwards
        known = set(s.exec(select(Channel.code)))
        start_tp = (max(s.exec(select(Touchpoint.id)), default=0)) + 1
        start_fb = (max(s.exec(select(Feedback.id)), default=0)) + 1
        # customer numbers as the importer gives them: one per customer, shared by their events
        numbers = {cid: no for cid, no in s.exec(select(Customer.customer_id, Customer.customer_no))}
        for model in (Touchpoint, Feedback):
            numbers.update({cid: no for cid, no in s.exec(select(model.customer_id, model.customer_no))})

        def number(customer_id: str) -> int:
            if numbers.get(customer_id) is None:
                numbers[customer_id] = max((n for n in numbers.values() if n is not None), default=0) + 1
            return numbers[customer_id]

        for row in [*touchpoints, *feedback]:
            code = row["channel"]
            if code is not None and code not in known:
                known.add(code)
                s.add(Channel(code=code, label=code.title()))
        for c in customers:
            c.customer_no = number(c.customer_id)
            s.add(c)
        for i, row in enumerate(touchpoints):
            s.add(Touchpoint(id=start_tp + i, natural_key=f"tp-{start_tp + i}", batch_id=1, line=i + 2,
                             touchpoint="test", customer_no=number(row["customer_id"]), **row))
        for i, row in enumerate(feedback):
            s.add(Feedback(id=start_fb + i, natural_key=f"fb-{start_fb + i}", batch_id=1, line=i + 2,
                           customer_no=number(row["customer_id"]), **row))
        s.commit()


# -- the shared example -----------------------------------------------------------------------------
#
# c1 (persona A, segment S1, north, not churned): web awareness → email consideration → web purchase
#     (100.50): furthest purchase; the stage-reaching touchpoints are on web, email, web → cross.
# c2 (persona B, segment S2, south, churned): web awareness and web purchase (20.00) at the same
#     instant (consideration skipped), then store awareness: furthest purchase; two channels but the
#     journey only moved forward on web → multi.
# c3 (persona A, segment S2, no region, churn unknown): one app consideration touchpoint → mono.
# c5 (persona B, S1, north, not churned): feedback only, no touchpoint.
# Feedback: c1 promoter (10, web), c2 detractor (3, channel unknown), c5 promoter (9, email),
#     c1 CSAT only (not an NPS response), c3 passive (7, store).

EXAMPLE_CUSTOMERS = (
    ("c1", "A", "S1", "north", False),
    ("c2", "B", "S2", "south", True),
    ("c3", "A", "S2", None, None),
    ("c5", "B", "S1", "north", False),
)

EXAMPLE_TOUCHPOINTS = (
    ("c1", "2024-01-01 09:00", "web", "awareness", None),
    ("c1", "2024-01-02 10:00", "email", "consideration", None),
    ("c1", "2024-01-03 11:00", "web", "purchase", "100.50"),
    ("c2", "2024-01-05 08:00", "web", "purchase", "20.00"),   # same instant as the next one, entered first
    ("c2", "2024-01-05 08:00", "web", "awareness", None),
    ("c2", "2024-01-06 12:00", "store", "awareness", None),
    ("c3", "2024-02-01 15:00", "app", "consideration", None),
)

EXAMPLE_FEEDBACK = (
    ("c1", "2024-01-03 12:00", "purchase", 10, "web", None),
    ("c2", "2024-01-06 13:00", "purchase", 3, None, None),
    ("c5", "2024-01-04 09:00", "awareness", 9, "email", None),
    ("c1", "2024-01-07 09:00", "service", None, "web", 4),
    ("c3", "2024-02-02 10:00", "purchase", 7, "store", None),
)


def load_example(db) -> None:
    load(
        db,
        customers=[customer(*c) for c in EXAMPLE_CUSTOMERS],
        touchpoints=[tp(*t) for t in EXAMPLE_TOUCHPOINTS],
        feedback=[fb(c, at, st, nps=n, channel=ch, csat=cs) for c, at, st, n, ch, cs in EXAMPLE_FEEDBACK],
    )


ONLY = {"channel_mode": "only"}
"""The channel lens: only the chosen channels' touchpoints and feedback (what a channel filter meant before cohorts)."""
ACTIVITY = {"period_mode": "activity"}
"""The period lens: only the rows inside the window (what a period meant before cohorts)."""
LENSES = {**ONLY, **ACTIVITY}

DEFAULT_STAGES = ("awareness", "consideration", "purchase", "service", "loyalty", "advocacy")


def cohort_of(f, customers_by_id: dict, touchpoints, stages=DEFAULT_STAGES) -> set | None:
    """The customers a filter set selects, read in plain Python (the tests' independent reading of the cohort
    selectors): ``None`` when it selects everyone. Attributes on the customer row; a channel used (any touchpoint)
    or entered by (the first touchpoint in journey order: timestamp, stage order, input order) and a first
    touchpoint inside the period, on the customer's whole journey (touchpoints at a stage of the model)."""
    attributes = [(f.personas, "persona"), (f.segments, "segment"), (f.regions, "region")]
    by_channel = bool(f.channels) and f.channel_mode != "only"
    by_period = (f.start is not None or f.end is not None) and f.period_mode == "cohort"
    if not any(v for v, _ in attributes) and not by_channel and not by_period:
        return None
    position = {s: i for i, s in enumerate(stages)}
    journeys: dict[str, list] = {}
    for i, t in enumerate(touchpoints):
        if t["stage"] in position:
            journeys.setdefault(t["customer_id"], []).append((t["timestamp"], position[t["stage"]], i, t["channel"]))
    candidates = set(customers_by_id) | set(journeys) if not (by_channel or by_period) else set(journeys)
    chosen = set()
    for cid in candidates:
        c = customers_by_id.get(cid)
        if any(values and (c is None or getattr(c, attr) not in values) for values, attr in attributes):
            continue
        rows = sorted(journeys.get(cid, []))
        if by_channel and f.channel_mode == "used" and not any(r[3] in f.channels for r in rows):
            continue
        if by_channel and f.channel_mode == "entered" and rows[0][3] not in f.channels:
            continue
        if by_period and not in_window(rows[0][0], f.start, f.end):
            continue
        chosen.add(cid)
    return chosen


def in_window(ts: datetime, start, end) -> bool:
    return not (start and ts.date() < start) and not (end and ts.date() > end)


def kept_by(row: dict, f, customers_by_id: dict, touchpoints=None) -> bool:
    """The filters read row by row in plain Python: the tests' independent reading of ``apply_filters``. The
    lenses (channel ``only``, period ``activity``) on the row; the cohort (``cohort_of``, judged on
    ``touchpoints``, all of them) on its customer."""
    if f.channels and f.channel_mode == "only" and row["channel"] not in f.channels:
        return False
    if f.period_mode == "activity" and not in_window(row["timestamp"], f.start, f.end):
        return False
    key = (f, id(touchpoints), id(customers_by_id))
    if key not in _COHORTS:
        _COHORTS.clear()  # the entry holds its lists, so their ids cannot be reused while it is there
        _COHORTS[key] = (touchpoints, customers_by_id, cohort_of(f, customers_by_id, touchpoints or ()))
    chosen = _COHORTS[key][2]
    return chosen is None or row["customer_id"] in chosen


_COHORTS: dict = {}  # the last filter set's cohort, so that reading row by row stays fast


def modes(filters, *pairs) -> list:
    """Each filter set under each (channel_mode, period_mode) of ``pairs`` (default: the new defaults and the two
    lenses together), without repeating a set that chooses no channel or no period twice."""
    from dataclasses import replace

    pairs = pairs or (("used", "cohort"), ("only", "activity"))
    out = []
    for f in filters:
        for channel_mode, period_mode in pairs:
            g = replace(f, channel_mode=channel_mode if f.channels else "used",
                        period_mode=period_mode if (f.start or f.end) else "cohort")
            if g not in out:
                out.append(g)
    return out


def nps_by_hand(answers) -> dict:
    """An NPS block computed from ``(customer, score)`` answers themselves, as the README defines it: the observed
    score, and Rocks' adjusted Wald interval clustered by customer — each answer scores ±1 or 0, three one-answer
    pseudo-customers answer +√¾, −√¾ and 0, and the residuals are summed per customer."""
    answers = list(answers)
    if not answers:
        return {"responses": 0, "respondents": 0, "nps": None, "ci_low": None, "ci_high": None}
    scores = [(who, 1 if s >= 9 else -1 if s <= 6 else 0) for who, s in answers]
    observed = 100 * sum(y for _, y in scores) / len(scores)
    scores += [(("pseudo", 1), 0.75 ** 0.5), (("pseudo", 2), -(0.75 ** 0.5)), (("pseudo", 3), 0.0)]
    m = sum(y for _, y in scores) / len(scores)
    per: dict = {}
    for who, y in scores:
        per[who] = per.get(who, 0.0) + y - m
    half = 1.959963984540054 * sum(e * e for e in per.values()) ** 0.5 / len(scores)
    return {"responses": len(answers), "respondents": len({who for who, _ in answers}), "nps": observed,
            "ci_low": max(-100.0, 100 * (m - half)), "ci_high": min(100.0, 100 * (m + half))}


def close(expected):
    """``expected`` with its floats compared to 1e-12 (two ways of writing Wilson's formula differ in the last
    bit); ints, strings and None exactly."""
    if isinstance(expected, dict):
        return {k: close(v) for k, v in expected.items()}
    if isinstance(expected, list):
        return [close(v) for v in expected]
    return pytest.approx(expected, rel=1e-12, abs=1e-12) if isinstance(expected, float) else expected
