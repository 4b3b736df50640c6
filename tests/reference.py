"""An independent computation of the report: plain Python over plain rows, written from the README's
definitions without any of Parcours' code, to check the database path against."""

import math
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal


def reference_report(stages, conversion, customers, touchpoints, feedback,
                     personas=(), segments=(), channels=(), start: date | None = None, end: date | None = None,
                     regions=(), channel_mode: str = "used", period_mode: str = "cohort", operational=()):
    """stages: codes in order. customers: {id: {"persona", "segment", "region", "churned"}}.
    touchpoints: [{"customer", "ts", "channel", "stage", "revenue" (Decimal or None)}] in input order.
    feedback: [{"customer", "ts", "stage", "channel" (None = unknown), "nps" (None = no response)}].
    operational: codes of the channels that are not journey channels (the channel mix and the transitions
    read only the other channels' touchpoints, in journey order).

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
    funnels = reference_funnels(stages, {c: [(ts, t["stage"]) for ts, _, _, t in j] for c, j in journeys.items()})
    funnel = []
    for row in funnels["open"]:
        rate, low, high = ((row["reached"] / len(journeys), *wilson(row["reached"], len(journeys)))
                           if row["observed"] else (None, None, None))
        funnel.append({"stage": row["stage"], "customers": row["reached"], "observed_customers": row["observed"],
                       "rate": rate, "ci_low": low, "ci_high": high})
    converted = sum(1 for f in furthest.values() if f >= pos[conversion])
    n = len(journeys)

    mix = Counter()
    trans = Counter()
    for journey in journeys.values():
        j = [row for row in journey if row[3]["channel"] not in operational]  # the journey touchpoints
        if not j:
            continue  # no journey channel: in no mix class
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
        "conversion": {"stage": conversion, "customers": converted,
                       # under the channel lens, nobody seen at the conversion stage (deals on other channels):
                       # not observed, no rate
                       "rate": converted / n if n and (not (channels and channel_mode == "only") or any(
                           pos[t["stage"]] == pos[conversion] for _, t in kept)) else None},
        "revenue": float(sum((t["revenue"] or Decimal(0) for _, t in kept), Decimal(0))),
        "nps": overall,
        "churn": {"rate": churn_rate(list(journeys)),
                  "by_stage": [{"stage": s, "customers": len(by_furthest[pos[s]]),
                                "churn_rate": churn_rate(by_furthest[pos[s]])} for s in stages]},
        "channel_mix": {k: mix[k] for k in ("mono", "multi", "cross")},
        "transitions": sorted(({"from": a, "to": b, "count": c} for (a, b), c in trans.items()),
                              key=lambda r: (-r["count"], r["from"], r["to"])),
        "weakest_step": reference_weakest_step(funnels)["worst"],
    }


# -- the funnel: reached, observed, closed funnel, weakest step -------------------------------------------------

MIN_N = 30
OBSERVED_FOR_RANKING = 0.8


def wilson(k: int, n: int, z: float = 1.959963984540054):
    """95 % Wilson score interval of k successes out of n, exactly 0 (1) at k = 0 (k = n); (None, None) when
    n = 0."""
    if n == 0:
        return None, None
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (0.0 if k == 0 else max(0.0, centre - half)), (1.0 if k == n else min(1.0, centre + half))


def reference_funnels(stages, journeys, seen=None):
    """stages: codes in order. journeys: {customer: [(ts, stage), …] already in journey order}.

    ``open``: per stage, ``reached`` (furthest stage at or beyond it) and ``observed`` (a touchpoint there).
    ``closed``: per stage, ``counted`` (a step there), and for an observed stage after the first observed one,
    ``from_stage`` (the previous observed stage), ``base`` (counted there) and ``continued`` (counted there and at
    this stage). Steps: a customer enters at the lowest observed stage they have a touchpoint at (its first
    touchpoint in journey order); the step at each next observed stage is the first touchpoint there that comes
    after the previous step in journey order; none → the customer's chain stops."""
    rank = {s: i for i, s in enumerate(stages)}
    reached = [sum(1 for j in journeys.values() if max(rank[st] for _, st in j) >= i) for i in range(len(stages))]
    observed = [sum(1 for j in journeys.values() if any(st == s for _, st in j)) for s in stages]
    seen = [s for s, n in zip(stages, observed, strict=True) if n] if seen is None else list(seen)
    steps = {}
    for c, j in journeys.items():
        mine = [s for s in seen if any(st == s for _, st in j)]
        chain, after = set(), None
        for s in seen[seen.index(mine[0]):]:
            at = [i for i, (_, st) in enumerate(j) if st == s and (after is None or i > after)]
            if not at:
                break
            chain.add(s)
            after = at[0]
        steps[c] = chain
    closed = []
    for s in stages:
        row = {"stage": s, "counted": sum(1 for ch in steps.values() if s in ch), "from_stage": None}
        if s in seen and seen.index(s) > 0:
            prev = seen[seen.index(s) - 1]
            row.update(from_stage=prev, base=sum(1 for ch in steps.values() if prev in ch),
                       continued=sum(1 for ch in steps.values() if prev in ch and s in ch))
        closed.append(row)
    return {"cohort": len(journeys),
            "open": [{"stage": s, "reached": r, "observed": o} for s, r, o in zip(stages, reached, observed,
                                                                                  strict=True)],
            "closed": closed}


def reference_weakest_step(funnels):
    """``worst``: the closed funnel's lowest step conversion among steps with ``base`` ≥ 30 whose later stage is
    observed for ≥ 80 % of those who reached it (ties: the earliest); ``not_ranked``: steps whose later stage is
    not, with the cohort shares skipping it and seen at it."""
    worst, not_ranked = None, []
    n = funnels["cohort"]
    for o, c in zip(funnels["open"], funnels["closed"], strict=True):
        if c["from_stage"] is None:
            continue
        if not (o["reached"] and o["observed"] >= OBSERVED_FOR_RANKING * o["reached"]):
            not_ranked.append({"from_stage": c["from_stage"], "to_stage": c["stage"],
                               "skipped_share": (o["reached"] - o["observed"]) / n,
                               "observed_share": o["observed"] / n})
            continue
        if c["base"] >= MIN_N and (worst is None or c["continued"] / c["base"] < worst["rate"]):
            worst = {"from_stage": c["from_stage"], "to_stage": c["stage"], "rate": c["continued"] / c["base"],
                     "customers": c["base"]}
    return {"worst": worst, "not_ranked": not_ranked}
