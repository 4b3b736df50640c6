"""An independent computation of the report: plain Python over plain rows, written from the README's
definitions without any of Parcours' code, to check the database path against."""

import math
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal


def reference_report(stages, conversion, customers, touchpoints, feedback,
                     personas=(), segments=(), channels=(), start: date | None = None, end: date | None = None,
                     regions=(), channel_mode: str = "used", period_mode: str = "cohort", operational=(),
                     window: int | None = None, post_window: int = 365, churn_window: int = 365,
                     as_of_day: date | None = None, observed_for_ranking: float = 0.8):
    """stages: codes in order. customers: {id: {"persona", "segment", "region", "churned", "churn_date" (optional)}}.
    touchpoints: [{"customer", "ts", "channel", "stage", "revenue" (Decimal or None), "source" (optional; None =
    unknown)}] in input order.
    feedback: [{"customer", "ts", "stage", "channel" (None = unknown), "nps" (None = no response), "csat" (optional;
    None = no answer)}].
    operational: codes of the channels that are not journey channels (the channel mix and the transitions
    read only the other channels' touchpoints, in journey order).

    The filters, as the README defines them: a cohort of customers — persona, segment, region on the customer row;
    with ``channel_mode`` "used" a touchpoint on one of the channels, "entered" the first touchpoint (journey
    order) on one of them; with ``period_mode`` "cohort" the first touchpoint inside the window; all judged on the
    customer's whole journey — whose rows are all seen, unless a lens ("only": the channels' rows; "activity": the
    rows inside the window) keeps fewer.

    Time: ``as_of`` is the last touchpoint's timestamp (all of them), or the end of ``as_of_day`` when the data goes
    beyond it (later rows are not read). ``window`` (days, None: no window): a customer is followed from their first
    kept touchpoint t0 for ``window`` whole days (a row at d = floor((ts − t0) / 1 day) ≤ window is in), or when
    they reached the conversion stage within that, from the conversion for ``post_window`` days. Only rows in the
    window count (revenue, NPS, mix, funnels); stage reach is Kaplan–Meier with censoring at ``as_of``."""
    pos = {s: i for i, s in enumerate(stages, start=1)}
    last = max((t["ts"] for t in touchpoints), default=None)
    as_of = last if as_of_day is None or last is None else min(last, datetime.combine(as_of_day, datetime.max.time()))

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

    def until_as_of(row):
        return as_of_day is None or row["ts"] <= as_of

    kept = [(i, t) for i, t in enumerate(touchpoints)
            if until_as_of(t) and customer_ok(t["customer"]) and row_ok(t) and t["stage"] in pos]
    unwindowed = defaultdict(list)
    for i, t in kept:
        unwindowed[t["customer"]].append((t["ts"], pos[t["stage"]], i, t))
    for j in unwindowed.values():
        j.sort(key=lambda x: x[:3])
    conv_pos = pos[conversion]
    day = timedelta(days=1)
    t0 = {c: j[0][0] for c, j in unwindowed.items()}
    tc = {c: min((ts for ts, p, _, _ in j if p >= conv_pos), default=None) for c, j in unwindowed.items()}
    bound = {}
    for c in unwindowed:
        if window is None:
            bound[c] = None
        elif tc[c] is not None and tc[c] < t0[c] + (window + 1) * day:
            bound[c] = tc[c] + (post_window + 1) * day
        else:
            bound[c] = t0[c] + (window + 1) * day
    kept = [(i, t) for i, t in kept if bound[t["customer"]] is None or t["ts"] < bound[t["customer"]]]
    journeys = defaultdict(list)
    for i, t in kept:
        journeys[t["customer"]].append((t["ts"], pos[t["stage"]], i, t))
    for j in journeys.values():
        j.sort(key=lambda x: x[:3])

    furthest = {c: max(p for _, p, _, _ in j) for c, j in journeys.items()}
    funnels = reference_funnels(stages, {c: [(ts, t["stage"]) for ts, _, _, t in j] for c, j in journeys.items()})
    def days(later, earlier):
        return math.floor((later - earlier).total_seconds() / 86400)

    def reach(c, p):  # first row of the (windowed) journey at or beyond stage order p
        return min((ts for ts, q, _, _ in journeys[c] if q >= p), default=None)

    def clocks(starts, p, w):  # (time, event) per customer, as README "Time is followed"
        out = []
        for c, st in starts.items():
            e = reach(c, p)
            if e is not None and (w is None or max(days(e, st), 0) <= w):
                out.append((max(days(e, st), 0), 1))
            else:
                out.append((days(as_of, st) if w is None else min(days(as_of, st), w), 0))
        return out

    estimates = []
    for s in stages:
        p = pos[s]
        if window is None or p <= conv_pos:
            estimates.append(reference_km_reach(clocks(t0, p, window), window))
        else:
            # those who converted within the window: their (windowed) journey reaches the conversion stage
            converted_in = {c: reach(c, conv_pos) for c in journeys if reach(c, conv_pos) is not None}
            second = reference_km_reach(clocks(converted_in, p, post_window), post_window)
            first = estimates[conv_pos - 1]
            estimates.append({**reference_product(first, second),
                              "in_progress": first["in_progress"] + second["in_progress"]})
    funnel = []
    for row, est in zip(funnels["open"], estimates, strict=True):
        rate, low, high = (est["rate"], est["ci_low"], est["ci_high"]) if row["observed"] else (None, None, None)
        funnel.append({"stage": row["stage"], "customers": row["reached"], "observed_customers": row["observed"],
                       "rate": rate, "ci_low": low, "ci_high": high, "in_progress": est["in_progress"]})
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

    def nps_of(answers):  # [(customer, score)]: Rocks' adjusted Wald, the variance clustered by customer
        if not answers:
            return {"responses": 0, "respondents": 0, "nps": None, "ci_low": None, "ci_high": None}
        k = len(answers)
        sign = [(who, 1 if s >= 9 else -1 if s <= 6 else 0) for who, s in answers]
        value = 100 * sum(y for _, y in sign) / k
        # three pseudo-customers answering once: +√¾, −√¾ and 0 (¾ promoter, ¾ detractor, 1½ passive)
        pseudo = [("pseudo+", math.sqrt(0.75)), ("pseudo-", -math.sqrt(0.75)), ("pseudo0", 0.0)]
        centre = sum(y for _, y in sign + pseudo) / (k + 3)
        residuals = defaultdict(float)
        for who, y in sign + pseudo:
            residuals[who] += y - centre
        half = 1.959963984540054 * math.sqrt(sum(e * e for e in residuals.values())) / (k + 3)
        return {"responses": k, "respondents": len({who for who, _ in answers}), "nps": value,
                "ci_low": max(-100, 100 * (centre - half)), "ci_high": min(100, 100 * (centre + half))}

    fb = [f for f in feedback if f["nps"] is not None and until_as_of(f) and customer_ok(f["customer"]) and row_ok(f)
          and (bound.get(f["customer"]) is None or f["ts"] < bound[f["customer"]])]
    overall = nps_of([(f["customer"], f["nps"]) for f in fb])
    overall["by_stage"] = [{"stage": s, **nps_of([(f["customer"], f["nps"]) for f in fb if f["stage"] == s])}
                           for s in stages]

    def csat_of(answers):  # [(customer, score)]: the mean per answer, the variance clustered by customer (CR1)
        if not answers:
            return {"responses": 0, "customers": 0, "mean": None, "ci_low": None, "ci_high": None,
                    "satisfied_share": None, "dissatisfied_share": None}
        k = len(answers)
        mean = sum(score for _, score in answers) / k
        residuals = defaultdict(float)
        for who, score in answers:
            residuals[who] += score - mean
        g = len(residuals)
        low = high = None
        if g >= 2:
            margin = 1.959963984540054 * math.sqrt(g / (g - 1) * sum(e * e for e in residuals.values())) / k
            low, high = max(1.0, mean - margin), min(5.0, mean + margin)
        return {"responses": k, "customers": g, "mean": mean, "ci_low": low, "ci_high": high,
                "satisfied_share": sum(1 for _, s in answers if s >= 4) / k,
                "dissatisfied_share": sum(1 for _, s in answers if s <= 2) / k}

    sat = [f for f in feedback if f.get("csat") is not None and until_as_of(f) and customer_ok(f["customer"])
           and row_ok(f) and (bound.get(f["customer"]) is None or f["ts"] < bound[f["customer"]])]
    csat = csat_of([(f["customer"], f["csat"]) for f in sat])
    csat["by_stage"] = [{"stage": s, **csat_of([(f["customer"], f["csat"]) for f in sat if f["stage"] == s])}
                        for s in stages]

    def churn_rate(ids):
        known = [customers.get(c, {}).get("churned") for c in ids]
        known = [k for k in known if k is not None]
        return sum(known) / len(known) if known else None

    by_furthest = defaultdict(list)
    for c, f in furthest.items():
        by_furthest[f].append(c)
    churned_ids = [c for c in journeys if customers.get(c, {}).get("churned")]
    # churn dates in the data (any customer's), and every churned customer of the cohort has one
    dated = (window is not None and any(c.get("churn_date") is not None for c in customers.values())
             and all(customers[c].get("churn_date") is not None for c in churned_ids))
    churn = {"rate": churn_rate(list(journeys)), "basis": "dates" if dated else "status"}
    if dated:
        times = []
        for c in journeys:
            start = reach(c, conv_pos)  # converted within the window
            if start is None:
                continue
            cd = customers.get(c, {}).get("churn_date")
            ts = datetime.combine(cd, datetime.min.time()) if cd is not None else None
            if ts is not None and ts <= as_of and max(days(ts, start), 0) <= churn_window:
                times.append((max(days(ts, start), 0), 1))
            else:
                times.append((min(days(as_of, start), churn_window), 0))
        churn["rate"] = reference_km_reach(times, churn_window)["rate"]
    # source systems: among the customers with a kept touchpoint (any channel) whose source is known, those whose
    # kept touchpoints come from two distinct sources or more
    known = [{t["source"] for *_, t in j if t.get("source") is not None} for j in journeys.values()]
    known = [k for k in known if k]
    spanning = sum(1 for k in known if len(k) >= 2)
    conv = estimates[conv_pos - 1]
    lens_blind = channels and channel_mode == "only" and not any(pos[t["stage"]] == conv_pos for _, t in kept)
    return {
        "as_of": as_of.isoformat() if as_of is not None else None,
        "window_days": window,
        "cohort": {"customers": n, "in_progress": conv["in_progress"]},
        "customers": n,
        "funnel": funnel,
        # under the channel lens, nobody seen at the conversion stage (deals on other channels): not observed, no rate
        "conversion": {"stage": conversion, "customers": converted,
                       **{k: None if lens_blind else conv[k] for k in ("rate", "ci_low", "ci_high")},
                       "in_progress": conv["in_progress"]},
        "revenue": float(sum((t["revenue"] or Decimal(0) for _, t in kept), Decimal(0))),
        "nps": overall,
        "csat": csat,
        "churn": {**churn, "by_stage": [{"stage": s, "customers": len(by_furthest[pos[s]]),
                                          "churn_rate": churn_rate(by_furthest[pos[s]])} for s in stages]},
        "channel_mix": {k: mix[k] for k in ("mono", "multi", "cross")},
        "transitions": sorted(({"from": a, "to": b, "count": c} for (a, b), c in trans.items()),
                              key=lambda r: (-r["count"], r["from"], r["to"])),
        "weakest_step": reference_weakest_step(funnels, observed_for_ranking)["worst"],
        "time_to_next_stage": reference_time_to_next(stages, unwindowed, pos, as_of),
        "sources": {"customers": len(known), "spanning": spanning,
                    "share": spanning / len(known) if known else None},
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


def reference_weakest_step(funnels, observed_for_ranking: float = OBSERVED_FOR_RANKING):
    """``worst``: the closed funnel's lowest step conversion among steps with ``base`` ≥ 30 whose later stage is
    observed for ≥ 80 % of those who reached it (ties: the earliest); ``not_ranked``: steps whose later stage is
    not, with the cohort shares skipping it and seen at it."""
    worst, not_ranked = None, []
    n = funnels["cohort"]
    for o, c in zip(funnels["open"], funnels["closed"], strict=True):
        if c["from_stage"] is None:
            continue
        if not (o["reached"] and o["observed"] >= observed_for_ranking * o["reached"]):
            not_ranked.append({"from_stage": c["from_stage"], "to_stage": c["stage"],
                               "skipped_share": (o["reached"] - o["observed"]) / n,
                               "observed_share": o["observed"] / n})
            continue
        if c["base"] >= MIN_N and (worst is None or c["continued"] / c["base"] < worst["rate"]):
            worst = {"from_stage": c["from_stage"], "to_stage": c["stage"], "rate": c["continued"] / c["base"],
                     "customers": c["base"]}
    return {"worst": worst, "not_ranked": not_ranked}


# -- time: Kaplan–Meier, written from the README (whole days; events before censorings at equal times) -----------

Z = 1.959963984540054


def _curve(times):
    """[(t, at_risk, events, S, Greenwood sum or None)] at each event time of [(time, event 0/1)]."""
    out, s, gw = [], 1.0, 0.0
    for t in sorted({t for t, e in times if e}):
        n = sum(1 for u, _ in times if u >= t)
        d = sum(1 for u, e in times if u == t and e)
        if d == n:
            s, gw = 0.0, None
        else:
            s *= 1 - d / n
            gw += d / (n * (n - d))
        out.append((t, n, d, s, gw))
    return out


def reference_km_reach(times, window):
    """The share with the event by day ``window`` (None: at the end, a plain share), as the README defines it."""
    n = len(times)
    events = sum(1 for t, e in times if e and (window is None or t <= window))
    in_progress = n - events if window is None else sum(1 for t, e in times if not e and t < window)
    out = {"rate": None, "variance": None, "ci_low": None, "ci_high": None, "in_progress": in_progress}
    if n == 0:
        return out
    if window is None or in_progress == 0:
        low, high = wilson(events, n)
        return {**out, "rate": events / n, "variance": events / n * (1 - events / n) / n, "ci_low": low,
                "ci_high": high}
    s, gw = 1.0, 0.0
    for t, _, _, s_t, gw_t in _curve(times):
        if t <= window:
            s, gw = s_t, gw_t
    variance = s * s * gw if s > 0 else 0.0
    if s >= 1 - 1e-12 or s <= 1e-12:
        low, high = wilson(events, n - in_progress)
        return {**out, "rate": 0.0 if s >= 1 - 1e-12 else 1.0, "variance": variance, "ci_low": low, "ci_high": high}
    se = math.sqrt(gw) / abs(math.log(s))
    return {**out, "rate": 1 - s, "variance": variance, "ci_low": 1 - s ** math.exp(-Z * se),
            "ci_high": 1 - s ** math.exp(Z * se)}


def reference_product(first, second):
    """F1 × F2 with the delta-method interval on the log scale (0: from 0 to the product of the upper bounds)."""
    f1, f2 = first["rate"], second["rate"]
    if f1 is None or f2 is None:
        return {"rate": None, "ci_low": None, "ci_high": None}
    f = f1 * f2
    if f <= 0:
        return {"rate": f, "ci_low": 0.0, "ci_high": None if None in (first["ci_high"], second["ci_high"])
                else first["ci_high"] * second["ci_high"]}
    se = math.sqrt(first["variance"] / f1 ** 2 + second["variance"] / f2 ** 2)
    return {"rate": f, "ci_low": f * math.exp(-Z * se), "ci_high": min(1.0, f * math.exp(Z * se))}


def reference_time_to_next(stages, journeys, pos, as_of):
    """Per consecutive pair (s, s+1): customers with a touchpoint at s, from their first one there to their first
    touchpoint at a later stage at or after it (censored at ``as_of``), read from the Kaplan–Meier curve."""
    rows = []
    for k in range(len(stages) - 1):
        p = pos[stages[k]]
        times = []
        for j in journeys.values():
            at = [ts for ts, q, _, _ in j if q == p]
            if not at:
                continue
            start = at[0]
            later = [ts for ts, q, _, _ in j if q > p and ts >= start]
            if later:
                times.append((math.floor((later[0] - start).total_seconds() / 86400), 1))
            else:
                times.append((math.floor((as_of - start).total_seconds() / 86400), 0))
        curve = _curve(times)

        def first(test, curve=curve):
            return next((t for t, n, d, s, gw in curve if test(s, gw)), None)

        def band(s, gw):
            if s >= 1 or s <= 0:
                return s, s
            se = math.sqrt(gw) / abs(math.log(s))
            return s ** math.exp(Z * se), s ** math.exp(-Z * se)

        row = {"from_stage": stages[k], "to_stage": stages[k + 1], "at_risk": len(times),
               "events": sum(e for _, e in times)}
        for name, q in (("p25_days", .25), ("median_days", .5), ("p75_days", .75), ("p90_days", .9)):
            row[name] = first(lambda s, gw, q=q: s <= 1 - q + 1e-12)
        row["ci_low"] = first(lambda s, gw: band(s, gw)[0] <= 0.5 + 1e-12)
        row["ci_high"] = first(lambda s, gw: band(s, gw)[1] <= 0.5 + 1e-12)
        for d in (30, 90, 365):
            s = 1.0
            for t, _, _, s_t, _ in curve:
                if t <= d:
                    s = s_t
            followed = any(t >= d for t, _ in times) or s <= 0
            row[f"within_{d}"] = 1 - s if followed and times else None
        ordered = ["from_stage", "to_stage", "at_risk", "events", "median_days", "ci_low", "ci_high", "p25_days",
                   "p75_days", "p90_days", "within_30", "within_90", "within_365"]
        rows.append({c: row[c] for c in ordered})
    return rows
