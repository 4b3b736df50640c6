"""Why did a KPI move between two cohorts? Its change split into **mix** (the customers changed: more of a group that
does worse) and **rate** (each group did worse), by one dimension (issue 19).

The split is Kitagawa's symmetric shift-share with centred group terms. With s_g the group's share of the units
(customers for conversion, responses for NPS and CSAT) and r_g its rate in each cohort (A before, B after), the means
s̄_g, r̄_g of the two cohorts and R̄ = (R_A + R_B) / 2:

* group g's mix contribution = (s_g,B − s_g,A) × (r̄_g − R̄): more units of a group below the average pull down;
* its rate contribution = s̄_g × (r_g,B − r_g,A);
* they sum exactly to R_B − R_A (the shares add up to 1 in each cohort). A group absent from one cohort takes the
  other cohort's rate there (no rate change, all mix).

Each contribution, the two totals and the change get a 95 % percentile-bootstrap interval: customers resampled within
each cohort. A customer is one draw whatever the number of answers, and customers with the same group, answers and
outcome are interchangeable, so a resample is a multinomial draw over those *types* — a few hundred rows aggregated
by the database, the same cost at 1M customers as at 1,000. Fixed seed: the same data gives the same intervals.

Cohorts are the report's (``analytics.filters``: customers who first came in the window, followed over the analysis
window); they are compared only when every customer's window is over at ``as_of`` (or with ``--window all``), so
that an older cohort is not compared with one still in progress and the split adds up to the KPI cards' change.
Groups with fewer than ``MIN_N`` customers in either cohort are pooled into one "other groups" row.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import ibis
import numpy as np
import pandas as pd

from analytics import stats
from analytics.filters import DIMENSIONS, Filters, dimension
from analytics.metrics import Scope, _rows, stage_infos

__all__ = ["BY", "EXPLAINED", "REPLICATES", "SEED", "change_split", "decompose", "default_periods", "explain",
           "resample", "types_of", "waterfall_rows"]

EXPLAINED = ("conversion", "nps", "csat")
"""The KPIs a change of which can be split: conversion (per customer, converted within the window), NPS (per answer,
+100 promoter, −100 detractor) and CSAT (the mean answer, 1–5)."""
BY = tuple(d.name for d in DIMENSIONS)
"""The dimensions a change is split by: the customer attributes, and ``channel`` — the entry channel (the first
touchpoint's, in journey order)."""
REPLICATES = 2000
SEED = 20261208
OTHERS = "\x00others"
"""The pooled group's key (a value no data holds)."""


# -- the split, on plain numbers ------------------------------------------------------------------------------------

def decompose(before: dict, after: dict) -> dict:
    """The shift-share split of ``after`` against ``before``, each ``{group: (units, total)}`` (``total``: the sum of
    the outcome over the units; the group's rate is total / units). ``{"before", "after", "change", "mix", "rate",
    "groups": {g: {"mix", "rate", "share_before", "share_after", "rate_before", "rate_after"}}}``; ``None`` when a
    cohort has no unit."""
    names = [g for g in dict.fromkeys([*before, *after]) if before.get(g, (0, 0))[0] or after.get(g, (0, 0))[0]]
    ua, ta = (np.array([[float(before.get(g, (0, 0.0))[k]) for g in names]]) for k in (0, 1))
    ub, tb = (np.array([[float(after.get(g, (0, 0.0))[k]) for g in names]]) for k in (0, 1))
    if not ua.sum() or not ub.sum():
        return None
    split = _split_arrays(ua, ta, ub, tb)  # the one formula, also the bootstrap's
    r_a, r_b = float(ta.sum() / ua.sum()), float(tb.sum() / ub.sum())
    groups = {g: {"mix": float(split["mix"][0, k]), "rate": float(split["rate"][0, k]),
                  "share_before": float(ua[0, k] / ua.sum()), "share_after": float(ub[0, k] / ub.sum()),
                  "rate_before": float(ta[0, k] / ua[0, k]) if ua[0, k] else None,
                  "rate_after": float(tb[0, k] / ub[0, k]) if ub[0, k] else None}
              for k, g in enumerate(names)}
    return {"before": r_a, "after": r_b, "change": float(split["change"][0]),
            "mix": sum(v["mix"] for v in groups.values()), "rate": sum(v["rate"] for v in groups.values()),
            "groups": groups}


def resample(types: list[tuple], groups: list, replicates: int, rng: np.random.Generator) -> tuple:
    """Customers resampled with replacement, ``replicates`` times: ``types`` = ``[(group, units, total, customers)]``
    (customers of that group with that many units and that total). Returns the per-group units and totals of each
    replicate, two arrays of shape (replicates, len(groups))."""
    n = sum(t[3] for t in types)
    counts = rng.multinomial(n, [t[3] / n for t in types], size=replicates)  # (replicates, types)
    index = {g: i for i, g in enumerate(groups)}
    onto = np.zeros((len(types), len(groups)))
    for k, t in enumerate(types):
        onto[k, index[t[0]]] = 1.0
    units = np.array([t[1] for t in types], dtype=float)
    totals = np.array([t[2] for t in types], dtype=float)
    return (counts * units) @ onto, (counts * totals) @ onto


def _split_arrays(ua, ta, ub, tb) -> dict:
    """The split of every replicate at once (arrays (replicates, groups) of units and totals): the change, and each
    group's mix and rate contribution (``decompose`` reads it for the observed cohorts)."""
    w_a, w_b = ua.sum(axis=1, keepdims=True), ub.sum(axis=1, keepdims=True)
    r_a, r_b = ta.sum(axis=1, keepdims=True) / w_a, tb.sum(axis=1, keepdims=True) / w_b
    with np.errstate(invalid="ignore", divide="ignore"):
        ra, rb = ta / ua, tb / ub
    ra = np.where(ua > 0, ra, np.where(ub > 0, rb, 0.0))
    rb = np.where(ub > 0, rb, ra)
    sa, sb = ua / w_a, ub / w_b
    mix = (sb - sa) * ((ra + rb) / 2 - (r_a + r_b) / 2)
    rate = (sa + sb) / 2 * (rb - ra)
    return {"change": (r_b - r_a)[:, 0], "mix": mix, "rate": rate}


def _interval(values: np.ndarray, point: float, scale: float) -> dict:
    low, high = (float(v) * scale for v in np.percentile(values, [2.5, 97.5]))
    return {"value": point * scale, "ci_low": low, "ci_high": high, "significant": bool(low > 0 or high < 0)}


# -- the data -------------------------------------------------------------------------------------------------------

def _group_of(scope: Scope, by: str):
    """``gkey``, ``g`` per customer: the customer attribute ``by``, or with ``channel`` the entry channel
    (``analytics.facts``: the first touchpoint's channel in journey order)."""
    key = scope.key
    d = dimension(by)
    if d.column is not None:
        c = scope.db.ibis.table("customers")
        return c.select(gkey=c[key], g=c[d.column].cast("string"))
    from analytics.facts import current, facts_expr

    # the facts' own definition, stored when current, else computed (a warehouse, facts not yet written)
    stored = current(scope.db, key, scope.stages)
    facts = stored if stored is not None else facts_expr(scope.db, scope.stages, key)
    return facts.select(gkey="ckey", g=facts.entry_channel.cast("string"))


def types_of(scope: Scope, metric: str, by: str) -> list[tuple]:
    """``[(group, units, total, customers)]`` of the scope's cohort (group ``None``: no value)."""
    groups = _group_of(scope, by)
    if metric == "conversion":
        conversion = scope.conversion_stage
        if conversion is None:
            return []
        f = scope.facts
        per = f.select(ckey="ckey", units=ibis.literal(1, type="int64"),
                       total=ibis.ifelse(f[f"r{scope.stages.index(conversion)}"].notnull(), 1, 0))
    else:
        fb = scope.feedback
        column = metric if metric in fb.columns else None
        if column is None:
            return []
        r = fb.filter(fb[column].notnull())
        value = (ibis.cases((r.nps >= 9, 100), (r.nps <= 6, -100), else_=0) if metric == "nps"
                 else r.csat.cast("float64"))
        per = r.group_by(ckey=r[scope.key]).aggregate(units=r.count().cast("int64"), total=value.sum())
    joined = per.left_join(groups, per.ckey == groups.gkey)
    counted = joined.group_by(g=joined.g, units=joined.units, total=joined.total).aggregate(n=joined.count())
    types = [(r["g"], int(r["units"]), float(r["total"]), int(r["n"])) for r in _rows(counted)]
    # in a fixed order (the database returns groups in any): the same data draws the same resamples
    return sorted(types, key=lambda t: (t[0] is None, t[0] or "", t[1], t[2]))


def _pooled(types_a: list[tuple], types_b: list[tuple], min_n: int) -> tuple[list[tuple], list[tuple], set]:
    """Groups with fewer than ``min_n`` customers in either cohort pooled into ``OTHERS`` (one small group alone
    keeps its name); the two cohorts' types so pooled, and the groups pooled."""
    def customers(types):
        out: dict = {}
        for g, _, _, n in types:
            out[g] = out.get(g, 0) + n
        return out

    ca, cb = customers(types_a), customers(types_b)
    small = {g for g in {*ca, *cb} if min(ca.get(g, 0), cb.get(g, 0)) < min_n}
    if len(small) < 2:  # pooling one group with nothing renames it: keep its name (its rates are hidden anyway)
        small = set()

    def pool(types):
        merged: dict = {}
        for g, u, t, n in types:
            k = (OTHERS if g in small else g, u, t)
            merged[k] = merged.get(k, 0) + n
        return sorted(((*k, n) for k, n in merged.items()), key=lambda t: (t[0] is None, t[0] or "", t[1], t[2]))

    return pool(types_a), pool(types_b), small


def _window_over(scope: Scope, end: date | None) -> date | None:
    """The first day on which every customer of a cohort that first came until ``end`` is out of their window
    (``None``: already, or no window)."""
    if scope.window is None or scope.as_of is None or end is None:
        return None
    over = end + timedelta(days=scope.window + 1)
    return over if over > scope.as_of.date() else None


def explain(db, metric: str, by: str, before: tuple[date, date], after: tuple[date, date],
            filters: Filters | None = None, *, replicates: int = REPLICATES, seed: int = SEED,
            min_n: int = stats.MIN_N) -> dict:
    """The change of ``metric`` from the cohort that first came in ``before`` (start, end, inclusive) to the one of
    ``after``, split into mix and rate by ``by``, with the other ``filters`` (their period replaced; the period is
    read as cohorts).

    ``status``: ``ok``; ``window_open`` (a cohort's customers are still in their window at ``as_of``: ``ready`` is
    the first day it is over); ``too_few`` (a cohort has fewer than ``min_n`` customers, or respondents); ``no_data``
    (the measure is not in the data). With ``ok``: ``before``/``after`` ``{"value", "customers", "units"}``,
    ``change``, ``mix``, ``rate`` (each ``{"value", "ci_low", "ci_high", "significant"}``: an interval that
    excludes 0), ``groups`` (``group``: the value, ``None`` when unset; ``others``: the pooled small groups), each
    with its ``before``/``after`` ``{"customers", "share", "rate"}`` (``rate`` ``None`` below ``min_n`` customers),
    ``mix``, ``rate``; ``largest``: the significant contribution largest in size, with its ``share_of_change``.
    Rates are in points: conversion ×100, NPS as it is, CSAT its mean."""
    if metric not in EXPLAINED:
        raise ValueError(f"metric must be one of {', '.join(EXPLAINED)}, not {metric!r}")
    if by not in BY:
        raise ValueError(f"by must be one of {', '.join(BY)}, not {by!r}")
    for start, end in (before, after):
        if start > end:
            raise ValueError(f"{start} is after {end}")
    base = replace(filters or Filters(), period_mode="cohort")
    stages = stage_infos(db)
    scopes = [Scope(db, replace(base, start=start, end=end), stages) for start, end in (before, after)]
    out = {"metric": metric, "by": by, "periods": {"before": list(map(str, before)), "after": list(map(str, after))},
           "window_days": scopes[0].window, "replicates": replicates, "seed": seed}
    ready = [d for d in (_window_over(s, period[1]) for s, period in zip(scopes, (before, after), strict=True)) if d]
    if ready:
        return {**out, "status": "window_open", "ready": str(max(ready))}
    types_a, types_b = (types_of(s, metric, by) for s in scopes)
    n_a, n_b = sum(t[3] for t in types_a), sum(t[3] for t in types_b)
    if not types_a and not types_b and metric != "conversion":
        return {**out, "status": "no_data"}
    if min(n_a, n_b) < min_n:
        return {**out, "status": "too_few", "customers": [n_a, n_b]}
    types_a, types_b, pooled = _pooled(types_a, types_b, min_n)
    scale = 100.0 if metric == "conversion" else 1.0

    def sums(types):
        out: dict = {}
        for g, u, t, n in types:
            units, total, customers = out.get(g, (0, 0.0, 0))
            out[g] = (units + u * n, total + t * n, customers + n)
        return out

    sa, sb = sums(types_a), sums(types_b)
    point = decompose({g: v[:2] for g, v in sa.items()}, {g: v[:2] for g, v in sb.items()})
    groups = list(point["groups"])
    rng = np.random.default_rng(seed)
    boot = _split_arrays(*resample(types_a, groups, replicates, rng), *resample(types_b, groups, replicates, rng))
    def side(customers: int, share: float, rate: float | None) -> dict:
        return {"customers": customers, "share": share,
                "rate": None if rate is None or customers < min_n else rate * scale}

    rows = []
    for k, g in enumerate(groups):
        p = point["groups"][g]
        rows.append({"group": None if g == OTHERS else g, "others": g == OTHERS,
                     "before": side(sa.get(g, (0, 0, 0))[2], p["share_before"], p["rate_before"]),
                     "after": side(sb.get(g, (0, 0, 0))[2], p["share_after"], p["rate_after"]),
                     "mix": _interval(boot["mix"][:, k], p["mix"], scale),
                     "rate": _interval(boot["rate"][:, k], p["rate"], scale)})
    change = _interval(boot["change"], point["change"], scale)
    result = {**out, "status": "ok",
              "before": {"value": point["before"] * scale, "customers": n_a, "units": sum(v[0] for v in sa.values())},
              "after": {"value": point["after"] * scale, "customers": n_b, "units": sum(v[0] for v in sb.values())},
              "change": change,
              "mix": _interval(boot["mix"].sum(axis=1), point["mix"], scale),
              "rate": _interval(boot["rate"].sum(axis=1), point["rate"], scale),
              "groups": sorted(rows, key=lambda r: (r["others"], -abs(r["mix"]["value"]) - abs(r["rate"]["value"]))),
              "pooled": sorted(str(g) for g in pooled)}
    result["largest"] = _largest(result)
    if metric == "conversion":
        conversions = round(sum(v[1] for v in sb.values()))
        result["in_units"] = _in_units(point["change"], n_b, conversions, after, scopes[1])
    return result


def _in_units(change: float, customers: int, conversions: int, period: tuple[date, date], scope: Scope) -> dict:
    """The conversion change in what an executive counts: conversions a month at the later cohort's size and arrival
    pace (``change`` × its customers, over its period in months of 30.44 days), and their worth at that cohort's
    revenue per conversion (its revenue within the windows / its ``conversions``; ``None`` without conversions or
    without any amount in the data)."""
    months = ((period[1] - period[0]).days + 1) / 30.44
    revenue = scope.revenue()
    per_conversion = revenue / conversions if conversions and revenue else None
    per_month = change * customers / months
    return {"conversions_per_month": per_month, "revenue_per_conversion": per_conversion,
            "revenue_per_month": None if per_conversion is None else per_month * per_conversion}


def _largest(result: dict) -> dict | None:
    """The significant group contribution largest in size, with its share of the change (``None``: none is)."""
    found = [(abs(r[part]["value"]), r["group"], r["others"], part, r[part]["value"])
             for r in result["groups"] for part in ("mix", "rate") if r[part]["significant"]]
    if not found:
        return None
    _, group, others, part, value = max(found, key=lambda f: f[0])
    change = result["change"]["value"]
    return {"group": group, "others": others, "part": part, "value": value,
            "share_of_change": value / change if change else None}


# -- for the pages, the story and the deck --------------------------------------------------------------------------

def default_periods(db, filters: Filters | None = None) -> tuple[tuple[date, date], tuple[date, date]] | None:
    """The two cohorts a "what changed" view compares when none is chosen: the filters' period and as many days just
    before it (the KPI cards' comparison), else the latest calendar quarter whose customers are all out of their
    window at ``as_of`` and the quarter before it.
    ``None`` without data."""
    from analytics.filters import preset_period
    from analytics.overview import compared_period

    scope = Scope(db, filters)
    if scope.as_of is None:
        return None
    f = scope.filters
    if f.start is not None and f.end is not None:  # the KPI cards' comparison
        return compared_period((f.start, f.end)), (f.start, f.end)
    # the latest calendar quarter that ends on or before the last day a cohort is over, and the quarter before
    over = scope.as_of.date() - timedelta(days=(scope.window or 0) + 1)
    after = preset_period("last_quarter", over + timedelta(days=1))
    return preset_period("last_quarter", after[0]), after


def change_split(db, filters: Filters | None = None, *, scope: Scope | None = None, kpi: str = "conversion",
                 by: str = "persona", before: tuple[date, date] | None = None,
                 after: tuple[date, date] | None = None) -> dict:
    """``explain`` of ``kpi`` as a metric of ``analytics.queries`` (the filters first; ``scope`` unused: the two
    cohorts are scopes of their own); without periods, ``default_periods``'. ``status: no_data`` without data. With
    ``waterfall``, its chart's rows (``waterfall_rows``)."""
    if before is None or after is None:
        periods = default_periods(db, filters)
        if periods is None:
            return {"metric": kpi, "by": by, "status": "no_data", "waterfall": waterfall_rows({})}
        before, after = periods
    result = explain(db, kpi, by, before, after, filters)
    return {**result, "waterfall": waterfall_rows(result)}


def waterfall_rows(result: dict) -> pd.DataFrame:
    """The waterfall of an ``explain`` result: the earlier value, the mix (all groups), the rate change of each group
    (largest first), the later value. ``step`` (order), ``part`` (``before``, ``mix``, ``rate``, ``after``),
    ``group`` (rate steps; ``None`` for the pooled groups, with ``others`` true), ``start``, ``end`` (the running
    total before and after the step; the two values start at ``None``: drawn from the axis), ``value``, ``ci_low``,
    ``ci_high``, ``significant``. Empty unless ``status`` is ``ok``."""
    columns = ["step", "part", "group", "others", "start", "end", "value", "ci_low", "ci_high", "significant"]
    if result.get("status") != "ok":
        return pd.DataFrame(columns=columns)
    before, after = result["before"]["value"], result["after"]["value"]
    rows = [{"part": "before", "group": None, "others": False, "start": None, "end": before, "value": before,
             "ci_low": None, "ci_high": None, "significant": False}]
    running = before

    def step(part, group, others, block):
        nonlocal running
        rows.append({"part": part, "group": group, "others": others, "start": running,
                     "end": running + block["value"], "value": block["value"], "ci_low": block["ci_low"],
                     "ci_high": block["ci_high"], "significant": block["significant"]})
        running += block["value"]

    step("mix", None, False, result["mix"])
    for g in sorted(result["groups"], key=lambda g: (g["others"], -abs(g["rate"]["value"]))):
        step("rate", g["group"], g["others"], g["rate"])
    rows.append({"part": "after", "group": None, "others": False, "start": None, "end": after, "value": after,
                 "ci_low": None, "ci_high": None, "significant": False})
    out = pd.DataFrame(rows, columns=columns[1:])
    out.insert(0, "step", range(len(out)))
    return out
