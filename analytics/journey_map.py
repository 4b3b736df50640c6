"""The journey map, drawn from the data: one column per stage of the model, one lane per question.

``journey_map(db, filters)`` returns three small frames that ``charts.journey_map_chart`` draws:

* ``stages`` — per stage: ``customers`` reaching it (the report's funnel: furthest stage at or
  beyond it), ``observed_customers`` seen there (a kept touchpoint at the stage) and ``observed`` whether anyone
  is (a stage nobody is seen at is "not observed in the data": the map draws no bar for it), ``stopped`` (furthest
  stage = this one) and ``drop_off`` = stopped / customers (the share whose journey ends here; NaN at the last
  stage, where every journey ends, and at a stage not observed); ``churn_rate``
  among the customers who stopped there and whose churn status is known (``churn_n`` of them, Wilson
  interval ``churn_ci_*``; the report's churn by stage); the emotion curve on the scope's ``measure``
  (``analytics.measures``): ``responses`` recorded at that stage, ``respondents`` (distinct customers: the n that
  gates the figure), ``value`` (NPS, or the mean CSAT) with its 95 % interval ``ci_low``/``ci_high`` and
  ``unhappy_share`` (detractors, or dissatisfied 1–2); ``nps``/``detractor_share`` repeat them under NPS.
* ``channels`` — per stage, the ``top`` journey channels (operational ones, a carrier or a survey e-mail, are
  left out, as from the channel mix) by customers with a kept touchpoint there on that channel; ``share`` = those
  customers / the customers reaching the stage (lane 1's number; a customer may use several channels, so shares can
  add up to more than 100 %, and one who skipped the stage used none there).
* ``cells`` — per stage, the pain points (the stage × channel cells that ``analytics.irritants`` calls
  irritants on the scope's measure: enough customers, NPS significantly below the rest, or a dissatisfied share
  significantly above it for CSAT; worst first) and the points of delight (those it calls delights, best first),
  ``top_cells`` of each — only these, so that the map never shows as a pain point what the Irritants page calls
  neutral — with ``measure`` and ``value`` (NPS or mean CSAT), and one or two ``quotes``: the most frequent comments
  of the cell's unhappy respondents (detractors, or CSAT 1–2; the happy ones' for a delight), then the most recent,
  of 15 to 140 characters so that they fit the map.

All of it is aggregated by the database; the quotes are the only text that comes back, a few per cell.
"""

import ibis
import pandas as pd

from analytics import stats
from analytics.filters import Filters
from analytics.irritants import cell_customers, irritants
from analytics.measures import bounds
from analytics.metrics import Scope, _rows, scope_for
from analytics.satisfaction import nps_split_by_stage

__all__ = ["QUOTE_CHARS", "journey_map"]

QUOTE_CHARS = (15, 140)


def _frame(rows: list[dict], columns: dict[str, str]) -> pd.DataFrame:
    dtypes = {"int": "int64", "float": "float64", "str": "object", "list": "object", "bool": "bool"}
    data = {c: pd.Series([r[c] for r in rows], dtype=dtypes[t]) for c, t in columns.items()}
    return pd.DataFrame(data, columns=list(columns))


STAGE_COLUMNS = {
    "stage": "str", "position": "int", "customers": "int", "observed_customers": "int", "observed": "bool",
    "stopped": "int", "drop_off": "float",
    "churn_rate": "float", "churn_n": "int", "churn_ci_low": "float", "churn_ci_high": "float",
    "responses": "int", "nps": "float", "ci_low": "float", "ci_high": "float", "detractor_share": "float",
    "measure": "str", "respondents": "int", "value": "float", "unhappy_share": "float",
}
CHANNEL_COLUMNS = {"stage": "str", "position": "int", "rank": "int", "channel": "str", "customers": "int",
                   "share": "float"}
CELL_COLUMNS = {"stage": "str", "position": "int", "side": "str", "rank": "int", "channel": "str", "nps": "float",
                "measure": "str", "value": "float", "responses": "int", "kind": "str", "quotes": "list"}


def _number(value: float) -> float | None:
    """NaN (the split's "undefined") as None, like the other rows of the map."""
    return None if value != value else value


def _stage_facts(scope: Scope) -> list[dict]:
    """Customers counted by (furthest stage order, churned): the report's customer summary when the scope has
    it already, else a plain group-by (no journey-order window: 4x cheaper at 10M touchpoints)."""
    if scope.has("summary_rows"):
        return scope.summary_rows

    def compute():
        per = scope.furthest
        c = scope.db.ibis.table("customers").select(cid=scope.key, churned="churned")
        x = per.left_join(c, per.ckey == c.cid)
        return _rows(x.group_by("furthest", "churned").aggregate(n=x.count()))
    return scope.cached("_journey_map_facts", compute)


def _stage_rows(scope: Scope) -> list[dict]:
    summary = _stage_facts(scope)
    measure = scope.measure
    nps = {r["stage"]: r for r in nps_split_by_stage(scope.db, scope=scope).to_dict("records")}
    csat = {r["stage"]: r for r in scope.csat()["by_stage"]} if measure == "csat" else {}
    last = scope.stages[-1].position if scope.stages else None
    rows = []
    for s, seen in zip(scope.stages, scope.observed(), strict=True):
        reached = sum(r["n"] for r in summary if r["furthest"] >= s.position)
        here = [r for r in summary if r["furthest"] == s.position]
        stopped = sum(r["n"] for r in here)
        known = sum(r["n"] for r in here if r["churned"] is not None)
        churned = sum(r["n"] for r in here if r["churned"] is True)
        low, high = stats.wilson_interval(churned, known)
        b = nps[s.code]
        if measure == "csat":  # the emotion lane on the chosen measure: the mean CSAT, its interval, the dissatisfied
            c = csat[s.code]
            feeling = {"responses": c["responses"], "respondents": c["customers"], "value": c["mean"],
                       "ci_low": c["ci_low"], "ci_high": c["ci_high"], "unhappy_share": c["dissatisfied_share"],
                       "nps": None, "detractor_share": None}
        else:
            feeling = {"responses": b["responses"], "respondents": b["respondents"], "value": _number(b["nps"]),
                       "ci_low": _number(b["ci_low"]), "ci_high": _number(b["ci_high"]),
                       "unhappy_share": stats.share(b["detractors"], b["responses"]), "nps": _number(b["nps"]),
                       "detractor_share": stats.share(b["detractors"], b["responses"])}
        rows.append({
            "stage": s.code, "position": s.position, "customers": reached, "observed_customers": seen,
            "observed": seen > 0, "stopped": stopped,
            "drop_off": stats.share(stopped, reached) if s.position != last and seen else None,
            "churn_rate": stats.share(churned, known), "churn_n": known, "churn_ci_low": low, "churn_ci_high": high,
            "measure": measure, **feeling,
        })
    return rows


def _channel_rows(scope: Scope, top: int, reached: dict[int, int]) -> list[dict]:
    code = {s.position: s.code for s in scope.stages}
    operational = scope.operational_channels()  # a carrier, a survey e-mail: not journey channels
    used = [r for r in cell_customers(scope) if r["channel"] is not None and r["touched"] and r["position"] in code
            and r["channel"] not in operational]
    out = []
    for position in sorted(code):
        at = sorted((r for r in used if r["position"] == position), key=lambda r: (-r["touched"], r["channel"]))
        for rank, r in enumerate(at[:top], start=1):
            out.append({"stage": code[position], "position": position, "rank": rank, "channel": r["channel"],
                        "customers": r["touched"], "share": stats.share(r["touched"], reached[position])})
    return out


def _quotes(scope: Scope, cells: list[dict], per_cell: int) -> dict[tuple, list[str]]:
    """(stage, channel or "", side) → up to ``per_cell`` comments (see the module docstring)."""
    if not cells or per_cell <= 0:
        return {}
    f = scope.feedback
    shortest, longest = QUOTE_CHARS
    text = f.comment.strip()
    m = scope.measure  # pains from the unhappy answers (NPS 0–6, CSAT 1–2), delights from the happy ones
    worst, _, best = bounds(m)
    f = f.filter(f[m].notnull(), text.length().between(shortest, longest))
    wanted = []
    for c in cells:
        where_cell = (f.stage == c["stage"]) & (
            f.channel.isnull() if c["channel"] is None else f.channel == c["channel"])
        wanted.append(where_cell & ((f[m] <= worst) if c["side"] == "pain" else (f[m] >= best)))
    f = f.filter(ibis.or_(*wanted))
    side = ibis.ifelse(f[m] <= worst, "pain", "delight")
    g = f.select("stage", "channel", "timestamp", side=side, text=f.comment.strip())
    g = g.group_by("stage", "channel", "side", "text").aggregate(n=g.count(), latest=g.timestamp.max())
    w = ibis.window(group_by=[g.stage, g.channel, g.side], order_by=[g.n.desc(), g.latest.desc(), g.text])
    g = g.select("stage", "channel", "side", "text", "n", "latest", rn=ibis.row_number().over(w))
    g = g.filter(g.rn < per_cell)
    out: dict[tuple, list[str]] = {}
    for r in sorted(_rows(g), key=lambda r: r["rn"]):
        out.setdefault((r["stage"], r["channel"] or "", r["side"]), []).append(r["text"])
    return out


def _cell_rows(scope: Scope, top: int, quotes: int, min_n: int) -> list[dict]:
    ranked = irritants(scope.db, scope=scope, min_n=min_n)
    cells = []
    for s in scope.stages:
        at = ranked[ranked["stage"] == s.code]
        # worst first: the lowest NPS, or the largest dissatisfied share (what CSAT irritants are tested on)
        at = at.assign(_worse=-at["value"] if scope.measure == "nps" else at["unhappy_share"])
        pains = at[at["kind"] == "irritant"].sort_values(["_worse", "responses"], ascending=[False, False],
                                                         kind="stable")
        delights = at[at["kind"] == "delight"].sort_values(["_worse", "responses"], ascending=[True, False],
                                                            kind="stable")
        for side, part in (("pain", pains), ("delight", delights)):
            for rank, r in enumerate(part.head(top).to_dict("records"), start=1):
                cells.append({"stage": s.code, "position": s.position, "side": side, "rank": rank,
                              "channel": r["channel"], "nps": r["nps"], "measure": r["measure"],
                              "value": r["value"], "responses": int(r["responses"]),
                              "kind": r["kind"]})
    found = _quotes(scope, cells, quotes)
    for c in cells:
        c["quotes"] = found.get((c["stage"], c["channel"] or "", c["side"]), [])
    return cells


def journey_map(db, filters: Filters | None = None, *, scope: Scope | None = None, top_channels: int = 3,
                top_cells: int = 2, quotes: int = 1, min_n: int = stats.MIN_N) -> dict[str, pd.DataFrame]:
    """``{"stages", "channels", "cells"}`` for the filters (see the module docstring for each frame).

    Columns — stages: ``stage, position, customers, observed_customers, observed, stopped, drop_off, churn_rate,
    churn_n, churn_ci_low, churn_ci_high, responses, nps, ci_low, ci_high, detractor_share`` (every stage, in
    order); channels: ``stage, position, rank, channel, customers, share``; cells: ``stage, position, side (pain |
    delight), rank, channel (None: channel unknown), nps, responses, kind, quotes (a list of texts)``. ``min_n``:
    the least responses of a cell (``analytics.irritants``).
    """
    scope = scope_for(db, filters, scope)
    stages = _stage_rows(scope)
    reached = {r["position"]: r["customers"] for r in stages}
    return {
        "stages": _frame(stages, STAGE_COLUMNS),
        "channels": _frame(_channel_rows(scope, top_channels, reached), CHANNEL_COLUMNS),
        "cells": _frame(_cell_rows(scope, top_cells, quotes, min_n), CELL_COLUMNS),
    }
