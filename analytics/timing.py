"""Time to the next stage: for the customers seen at a stage, how long until they first reach a later one, with the
customers still waiting counted as waiting (censored at ``as_of``), not left out.

"Median time between stages" taken over those who got there says 23 days from service to loyalty when, counting
the customers still waiting, half of them need 89; a date filter shortens it further. Here, for each consecutive
pair of stages (s, s+1) of the model:

* the customers are those with a touchpoint at s; each one's clock starts at their first touchpoint at s;
* the event is their first touchpoint at a later stage (stage order > s: a customer who skips s+1 for s+2 has
  reached "the next stage or beyond") at or after that start (same instant: after, as the journey order puts the
  later stage second);
* a customer without such a touchpoint by ``as_of`` (the data's last moment) is censored there;
* durations in whole days (``analytics.survival``), read from the Kaplan–Meier curve (``stats.km_quantiles``):
  median with its Brookmeyer–Crowley interval, p25, p75, p90, and the share there within 30/90/365 days.

The rows each metric sees are the scope's (a cohort's whole journeys; under the activity lens, only the window's
rows). One query: the per-customer clocks of every pair, reduced to counts per (pair, day).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import ibis

from analytics import stats
from analytics.filters import Filters
from analytics.metrics import Scope, _rows, least_of, scope_for

if TYPE_CHECKING:  # pandas (0.25 s to import) only where a frame is built: the report needs none
    import pandas as pd
from analytics.survival import survival_table

__all__ = ["CURVE_COLUMNS", "TIMING_COLUMNS", "time_to_next_stage", "time_to_next_stage_curves", "timing_rows"]

TIMING_COLUMNS = ["from_stage", "to_stage", "at_risk", "events", "median_days", "ci_low", "ci_high", "p25_days",
                  "p75_days", "p90_days", "within_30", "within_90", "within_365"]
CURVE_COLUMNS = ["from_stage", "to_stage", "day", "reached", "at_risk"]




def _clocks(scope: Scope):
    """One row per customer: ``s<i>`` (first touchpoint at stage i) and ``e<i>`` (first touchpoint at a later stage
    at or after ``s<i>``), for every stage but the last, over the scope's rows before any window.

    Read from ``Scope.facts`` (first and last touchpoint per stage): stage j's first touchpoint at or after ``s<i>``
    is ``f_j`` when ``f_j ≥ s<i>``, none when ``l_j < s<i>``; only the customers with a stage j visited both before
    and after ``s<i>`` need their touchpoints again (a join of their rows alone)."""
    stages = scope.stages
    f = scope.facts
    m = len(stages)
    if "e0" in f.columns:  # stored with the facts (``analytics.facts``)
        return f.select("ckey", **{f"s{i}": f[f"f{i}"] for i in range(m - 1)}, **{f"e{i}": f[f"e{i}"]
                                                                                  for i in range(m - 1)})
    none = ibis.null().cast(f.f0.type().copy(nullable=True))
    ends, unsure = {}, ibis.literal(False)
    for i in range(m - 1):
        start = f[f"f{i}"]
        candidates = []
        for j in range(i + 1, m):
            first, last = f[f"f{j}"], f[f"l{j}"]
            candidates.append(ibis.ifelse(first >= start, first, none))
            unsure = unsure | ((first < start) & (last >= start)).fill_null(False)
        ends[f"e{i}"] = least_of(candidates)
    per = f.select("ckey", unsure=unsure, **{f"s{i}": f[f"f{i}"] for i in range(m - 1)}, **ends)
    sure = per.filter(~per.unsure).drop("unsure")

    t = scope.touchpoints_unwindowed  # durations are never cut by a window
    doubt = per.filter(per.unsure).select(sk="ckey", **{f"s{i}": per[f"s{i}"] for i in range(m - 1)})
    j = t.join(doubt, t.ckey == doubt.sk)
    again = j.group_by("ckey").aggregate(**{
        f"s{i}": j[f"s{i}"].min() for i in range(m - 1)}, **{
        f"e{i}": j.timestamp.min(where=(j.position > s.position) & (j.timestamp >= j[f"s{i}"]))
        for i, s in enumerate(stages[:-1])})
    return ibis.union(sure, again.select(*sure.columns), distinct=False)


def _tables(scope: Scope) -> dict[int, list[tuple[int, int, int]]]:
    """``{pair index i (stages i → i+1): [(day, events, censored), …]}``, one query, cached on the scope."""
    def compute():
        stages = scope.stages
        last = scope.as_of
        if len(stages) < 2 or last is None:
            return {}
        clocks = _clocks(scope)
        pairs = ibis.union(*[clocks.filter(clocks[f"s{i}"].notnull()).select(
            pair=ibis.literal(i, type="int64"), start=clocks[f"s{i}"], event=clocks[f"e{i}"])
            for i in range(len(stages) - 1)], distinct=False)
        out: dict[int, list[tuple[int, int, int]]] = {}
        for r in _rows(survival_table(pairs, as_of=last, window_days=None, by=("pair",))):
            out.setdefault(int(r["pair"]), []).append((int(r["time"]), int(r["events"]), int(r["censored"])))
        return out

    return scope.cached("time_to_next_stage_tables", compute)


def timing_rows(scope: Scope) -> list[dict]:
    """One dict per consecutive pair of stages (``TIMING_COLUMNS``): ``at_risk`` = customers seen at the earlier
    stage, ``events`` = those who reached a later one by ``as_of``; the quantiles in days and the ``within_*``
    shares from the Kaplan–Meier curve (None when the curve never gets there, or nobody is followed that long).
    A figure resting on fewer than ``MIN_N`` customers is computed; the page says "too few" instead."""
    tables = _tables(scope)
    rows = []
    for i in range(len(scope.stages) - 1):
        q = stats.km_quantiles(tables.get(i, []))
        rows.append({"from_stage": scope.stages[i].code, "to_stage": scope.stages[i + 1].code,
                     **{c: q[c] for c in TIMING_COLUMNS[2:]}})
    return rows


def time_to_next_stage(db, filters: Filters | None = None, *, scope: Scope | None = None) -> pd.DataFrame:
    """``timing_rows`` as a frame: counts int64, the other figures float64 (NaN: undefined)."""
    import pandas as pd

    scope = scope_for(db, filters, scope)
    df = pd.DataFrame(timing_rows(scope), columns=TIMING_COLUMNS)
    for c in TIMING_COLUMNS[4:]:
        df[c] = df[c].astype("float64")
    for c in ("at_risk", "events"):
        df[c] = df[c].astype("int64")
    return df


def time_to_next_stage_curves(db, filters: Filters | None = None, days: int = 365, *,
                              scope: Scope | None = None) -> pd.DataFrame:
    """The curves the funnel page draws: per pair with at least ``MIN_N`` customers, the share who reached a later
    stage by each day 0…``days`` where the curve steps (1 − Kaplan–Meier), and ``at_risk`` then; the curve stops
    where fewer than ``MIN_N`` are still followed (its tail would rest on a handful)."""
    import pandas as pd

    scope = scope_for(db, filters, scope)
    tables = _tables(scope)
    rows = []
    for i in range(len(scope.stages) - 1):
        table = tables.get(i, [])
        if sum(e + c for _, e, c in table) < stats.MIN_N:
            continue
        pair = {"from_stage": scope.stages[i].code, "to_stage": scope.stages[i + 1].code}
        rows.append({**pair, "day": 0, "reached": 0.0, "at_risk": sum(e + c for _, e, c in table)})
        for point in stats.kaplan_meier(table):
            if point["time"] > days or point["at_risk"] < stats.MIN_N:
                break
            rows.append({**pair, "day": point["time"], "reached": 1 - point["survival"], "at_risk": point["at_risk"]})
    return pd.DataFrame(rows, columns=CURVE_COLUMNS).astype({"day": "int64", "reached": "float64", "at_risk": "int64"})
