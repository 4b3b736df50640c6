"""An independent computation of the report: plain Python over plain rows, written from the README's
definitions without any of Parcours' code, to check the database path against."""

import math
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal


def reference_report(stages, conversion, customers, touchpoints, feedback,
                     personas=(), segments=(), channels=(), start: date | None = None, end: date | None = None,
                     regions=(), channel_mode: str = "used", period_mode: str = "cohort"):
    """stages: codes in order. customers: {id: {"persona", "segment", "region", "churned"}}.
    touchpoints: [{"customer", "ts", "channel", "stage", "revenue" (Decimal or None)}] in input order.
    feedback: [{"customer", "ts", "stage", "channel" (None = unknown), "nps" (None = no response)}].

    The filters, as the README defines them: a cohort of customers — persona, segment, region on the customer row;
    with ``channel_mode`` "used" a touchpoint on one of the channels, "entered" the first touchpoint (journey
    order) on one of them; with ``period_mode`` "cohort" the first touchpoint inside the window; all judged on the
    customer's whole journey — whose rows are all seen, unless a lens ("only": the channels' rows; "activity": the
    rows inside the window) keeps fewer."""
    pos = {s: i for i, s in enumerate(stages, start=1)}

    def time_ok(ts: datetime):
        return (start is None or ts >= datetime.combine(start, datetime.min.time())) and (
            end is None or ts < datetime.combine(end + timedelta(days=1), datetime.min.time()))

    whole = defaultdict(list)  # every customer's whole journey, in journey order
    for i, t in enumerate(touchpoints):
        if t["stage"] in pos:
            whole[t["customer"]].append((t["ts"], pos[t["stage"]], i, t))
    for j in whole.values():
        j.sort(key=lambda x: x[:3])
    by_channel = bool(channels) and channel_mode != "only"
    by_period = (start is not None or end is not None) and period_mode == "cohort"

    def customer_ok(cid):
        c = customers.get(cid)
        for values, attr in ((personas, "persona"), (segments, "segment"), (regions, "region")):
            if values and (c is None or c.get(attr) not in values):
                return False
        if (by_channel or by_period) and not whole.get(cid):
            return False  # no touchpoint: no journey to judge, in no journey cohort
        if by_channel and channel_mode == "used" and not any(t["channel"] in channels for *_, t in whole[cid]):
            return False
        if by_channel and channel_mode == "entered" and whole[cid][0][3]["channel"] not in channels:
            return False
        return not by_period or time_ok(whole[cid][0][0])

    def row_ok(row):  # the lenses
        if channels and channel_mode == "only" and (row["channel"] is None or row["channel"] not in channels):
            return False
        return period_mode != "activity" or time_ok(row["ts"])

    kept = [(i, t) for i, t in enumerate(touchpoints) if customer_ok(t["customer"]) and row_ok(t)]
    journeys = defaultdict(list)
    for i, t in kept:
        journeys[t["customer"]].append((t["ts"], pos[t["stage"]], i, t))
    for j in journeys.values():
        j.sort(key=lambda x: x[:3])

    furthest = {c: max(p for _, p, _, _ in j) for c, j in journeys.items()}
    funnel = [{"stage": s, "customers": sum(1 for f in furthest.values() if f >= pos[s])} for s in stages]
    converted = sum(1 for f in furthest.values() if f >= pos[conversion])
    n = len(journeys)

    mix = Counter()
    trans = Counter()
    for j in journeys.values():
        chans = {t["channel"] for *_, t in j}
        best, advancing = 0, set()
        for _, p, _, t in j:
            if p > best:
                best, advancing = p, advancing | {t["channel"]}
        mix["mono" if len(chans) == 1 else "cross" if len(advancing) >= 2 else "multi"] += 1
        for a, b in zip(j, j[1:], strict=False):
            trans[(a[3]["channel"], b[3]["channel"])] += 1

    def nps_of(scores):
        if not scores:
            return {"responses": 0, "nps": None, "ci_low": None, "ci_high": None}
        k = len(scores)
        p = sum(1 for s in scores if s >= 9) / k
        d = sum(1 for s in scores if s <= 6) / k
        value = 100 * (p - d)
        margin = 196 * math.sqrt((p * (1 - p) + d * (1 - d) + 2 * p * d) / k)
        return {"responses": k, "nps": value, "ci_low": max(-100, value - margin), "ci_high": min(100, value + margin)}

    fb = [f for f in feedback if f["nps"] is not None and customer_ok(f["customer"]) and row_ok(f)]
    overall = nps_of([f["nps"] for f in fb])
    overall["by_stage"] = [{"stage": s, **nps_of([f["nps"] for f in fb if f["stage"] == s])} for s in stages]

    def churn_rate(ids):
        known = [customers.get(c, {}).get("churned") for c in ids]
        known = [k for k in known if k is not None]
        return sum(known) / len(known) if known else None

    by_furthest = defaultdict(list)
    for c, f in furthest.items():
        by_furthest[f].append(c)
    return {
        "customers": n,
        "funnel": funnel,
        "conversion": {"stage": conversion, "customers": converted, "rate": converted / n if n else None},
        "revenue": float(sum((t["revenue"] or Decimal(0) for _, t in kept), Decimal(0))),
        "nps": overall,
        "churn": {"rate": churn_rate(list(journeys)),
                  "by_stage": [{"stage": s, "customers": len(by_furthest[pos[s]]),
                                "churn_rate": churn_rate(by_furthest[pos[s]])} for s in stages]},
        "channel_mix": {k: mix[k] for k in ("mono", "multi", "cross")},
        "transitions": sorted(({"from": a, "to": b, "count": c} for (a, b), c in trans.items()),
                              key=lambda r: (-r["count"], r["from"], r["to"])),
    }
