"""The overview page's figures: data range, KPIs against the previous period, KPI trend, headlines.

Every figure uses the report's definitions (``analytics.metrics``): the KPIs of one period come
from a ``Scope`` (so they equal ``analytics.report.report()`` for the same filters), and the trend
evaluates the same ``Scope`` metric methods on per-bucket counts computed by grouped queries.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import TYPE_CHECKING

import ibis

from analytics import stats
from analytics.filters import Filters
from analytics.funnel import funnel_steps
from analytics.metrics import Scope, StageInfo, _rows, nps_sums, scope_for
from analytics.settings import DEFAULTS

if TYPE_CHECKING:  # pandas (0.25 s to import) only where a frame is built: the report needs none
    import pandas as pd

__all__ = ["GRAINS", "data_range", "headline", "kpi_trend", "kpis", "ranked_step", "unranked_steps", "weakest_step"]

GRAINS = ("week", "month")
_TRUNCATE = {"week": "W", "month": "M"}  # ISO weeks start on Monday on both engines


def data_range(db, filters: Filters | None = None) -> tuple[date, date] | None:
    """First and last day of the kept touchpoints, ignoring the date window of ``filters``.

    The other filters (persona, segment, region, channel) apply. ``None`` when no touchpoint is kept.
    """
    filters = replace(filters or Filters(), start=None, end=None)
    scope = Scope(db, filters, materialize=False)  # two numbers: nothing worth keeping
    t = scope.touchpoints
    row = _rows(t.aggregate(first=t.timestamp.min(), last=t.timestamp.max()))[0]
    if row["first"] is None:
        return None
    return row["first"].date(), row["last"].date()


# -- KPIs -----------------------------------------------------------------------------------------------

def _kpi(scope: Scope) -> dict:
    """The KPI block of a scope, every figure by the report's definitions."""
    customers = scope.customers()
    conversion = scope.conversion()
    estimate = scope.conversion_estimate()
    nps = scope.nps()
    cross = scope.channel_mix()["cross"]
    churn = scope.churn()
    dated = churn["basis"] == "dates"
    return {
        "customers": customers,
        "converted": conversion["customers"],
        "conversion_rate": conversion["rate"],
        "conversion_variance": estimate.get("variance"),
        "conversion_shown": bool(estimate.get("shown")),
        "in_progress": conversion["in_progress"],
        "nps": nps["nps"],
        "nps_ci_low": nps["ci_low"],
        "nps_ci_high": nps["ci_high"],
        "responses": nps["responses"],
        "respondents": nps["respondents"],
        "churn_rate": churn["rate"],
        "churn_basis": churn["basis"],
        # the customers the churn rate is a share of: the converted customers followed (dates), else known statuses
        "churn_known": (scope.churn_estimate()["n"] if dated
                        else sum(r["n"] for r in scope.summary_rows if r["churned"] is not None)),
        "churn_days": scope.churn_window if dated else None,
        "cross_customers": cross,
        "cross_share": stats.share(cross, customers),
        "revenue": scope.revenue(),
    }


def _satisfaction(scope: Scope) -> dict:
    """The satisfaction card's measure, and its CSAT figures when the measure is CSAT."""
    choice = scope.measure_choice
    out = {"measure": choice.measure, "absent": choice.absent, "csat": None, "ci_low": None, "ci_high": None,
           "customers": 0}
    if choice.measure == "csat":
        c = scope.csat()
        out.update(csat=c["mean"], ci_low=c["ci_low"], ci_high=c["ci_high"], customers=c["customers"])
    return out


def _period(filters: Filters, span: tuple[date, date] | None) -> tuple[date | None, date | None]:
    """The filters' window, its open ends filled from the data range (the whole range when no window)."""
    start, end = filters.start, filters.end
    if span is not None:
        start = start or min(span[0], end or span[0])
        end = end or max(span[1], start)
    return start, end


COMPARISONS = ("previous", "year_before")
# Churn is compared only with churn dates (churned within the churn window of the conversion, Kaplan–Meier); a status
# at export time is not: a recent window always looks better (its customers had less time to leave).
TESTED = ("customers", "conversion_rate", "nps", "cross_share", "revenue_per_customer")


def kpis(db, filters: Filters | None = None, *, compare: str = "previous", scope: Scope | None = None) -> dict:
    """The headline KPIs of the period, the period they are compared with, and whether each change is real.

    ``{"period": (start, end), "previous_period": (start, end) | None, "current": K, "previous": K | None,
    "comparison": C}`` with K = ``{"customers", "converted", "conversion_rate", "nps", "nps_ci_low",
    "nps_ci_high", "responses", "respondents", "churn_rate", "churn_known", "cross_customers", "cross_share", "revenue",
    "conversion_variance", "conversion_shown", "in_progress", "churn_basis", "churn_days"}`` (``conversion_rate``:
    the report's estimate, ``conversion_variance`` its Greenwood variance, ``conversion_shown`` whether ≥ 30
    customers are still followed at the window's end, ``in_progress`` those still in progress; ``churn_known``: the
    customers the churn rate is a share of — converted customers followed, with churn dates (``churn_basis``
    ``dates``, within ``churn_days`` of the conversion), else those whose status is known; ``cross_share``:
    cross-channel customers / customers). ``satisfaction`` says the measure the satisfaction card reads
    (``analytics.measures``): ``{"measure", "absent"`` (the measure asked for when the data has none of it)``, "csat",
    "ci_low", "ci_high", "customers"}`` — under CSAT, the mean with its customer-clustered interval and the
    respondents; no CSAT change is compared (the delta stays NPS-only).

    ``period`` is the filters' window, an open end filled from ``data_range`` (when the window lies wholly after,
    or before, the data, the filled end is the window's other end), or the whole data range when no window is set;
    ``(None, None)`` when there is neither. ``current`` is computed with ``filters`` exactly as given, so it equals
    ``report(db, filters)``. ``previous_period`` is the window compared with: with ``compare="previous"`` the same
    number of days immediately before ``period``, with ``"year_before"`` the same days one year earlier (29 February
    → 28); ``previous`` the KPIs with the same filters on that window; both ``None`` when there is no data range.

    ``comparison`` (``comparison_block``) says whether the cards may show changes: ``status`` is ``no_period`` (no
    window chosen: the whole data has no "before"), ``no_window`` (``--window all``: an older cohort, followed
    longer, always looks better), ``too_few`` (the compared window holds fewer than ``MIN_N``
    customers), else ``ok``; ``year_before`` is the same window a year earlier when *it* holds ``MIN_N`` customers
    (offered when the previous window is too small), else None; ``deltas`` the tested change of each KPI.
    """
    if compare not in COMPARISONS:
        raise ValueError(f"compare must be one of {', '.join(COMPARISONS)}, not {compare!r}")
    filters = filters or Filters()
    span = data_range(db, filters)
    period = _period(filters, span)
    scope = scope_for(db, filters, scope)
    stages = scope.stages
    current = _kpi(scope)
    feeling = _satisfaction(scope)
    if span is None:
        return {"period": period, "previous_period": None, "current": current, "previous": None,
                "satisfaction": feeling,
                "comparison": {"status": "no_period" if not _chosen(filters) else "too_few", "year_before": None,
                               "deltas": {}}}
    previous_period = compared_period(period, compare)
    prev_scope = Scope(db, replace(filters, start=previous_period[0], end=previous_period[1]), stages,
                       materialize=False)
    previous = _kpi(prev_scope)
    comparison = comparison_block(filters, period, scope, current, prev_scope, previous, compare)
    return {"period": period, "previous_period": previous_period, "current": current, "previous": previous,
            "comparison": comparison, "satisfaction": feeling}


def compared_period(period: tuple[date, date], compare: str = "previous") -> tuple[date, date]:
    """The window a period is compared with (``COMPARISONS``): as many days just before it, or the same days a year
    earlier (29 February → 28)."""
    start, end = period
    if compare == "year_before":
        return _year_before(start), _year_before(end)
    days = (end - start).days + 1
    return start - timedelta(days=days), start - timedelta(days=1)


def _chosen(filters: Filters) -> bool:
    return filters.start is not None or filters.end is not None


def _year_before(day: date) -> date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def revenue_per_customer(scope: Scope) -> dict:
    """``{"n", "mean", "variance"}`` of the revenue per customer of ``scope`` (a customer without revenue counts 0;
    sample variance), for Welch's test of a change; one grouped query."""
    def compute():
        t = scope.touchpoints
        per = t.group_by("ckey").aggregate(r=t.revenue.sum().cast("float64").fill_null(0.0))
        row = _rows(per.aggregate(n=per.count(), mean=per.r.mean(), variance=per.r.var(how="sample")))[0]
        return {"n": int(row["n"]), "mean": row["mean"] or 0.0, "variance": row["variance"] or 0.0}

    return scope.cached("revenue_per_customer", compute)


def _proportion(k: int, n: int) -> dict:
    rate = stats.share(k, n)
    return {"rate": rate, "variance": None if rate is None else rate * (1 - rate) / n}


def comparison_block(filters: Filters, period: tuple[date, date], scope: Scope, current: dict, prev_scope: Scope,
                     previous: dict, compare: str) -> dict:
    """Each KPI's change against the compared window, with its two-sided test at 5 %:

    * customers — the exact binomial test of k₁ among k₁ + k₂ against ½ (two windows of equal length: the
      arrival rate did not change);
    * conversion and cross-channel share — the two-proportion z-test (unpooled: ``stats.reach_difference_test``,
      which takes Kaplan–Meier estimates the same way);
    * NPS — the customer-clustered (CR1) regression of the score (+1/0/−1) on "current window"
      (``stats.clustered_cell_test``: a customer answering in both windows is one cluster); revenue — per customer,
      Welch's t-test (``revenue_per_customer``).

    ``deltas[k]`` = ``{"delta", "p_value", "significant"}``: ``delta`` in points (×100) for rates, NPS points, a
    relative change for customers and revenue per customer; ``significant`` only when p < 0.05 and both sides
    rest on ``MIN_N`` customers (respondents for NPS). No deltas when no window is chosen or the compared window holds
    fewer than ``MIN_N`` customers (the ``status`` says which)."""
    if not _chosen(filters):
        return {"status": "no_period", "year_before": None, "deltas": {}}
    if scope.window is None:  # no window: an older cohort is followed longer, so it always looks better
        return {"status": "no_window", "year_before": None, "deltas": {}}
    if previous["customers"] < stats.MIN_N:
        year = None
        if compare == "previous":  # offered only when it would hold a comparison
            window = (_year_before(period[0]), _year_before(period[1]))
            candidate = Scope(scope.db, replace(filters, start=window[0], end=window[1]), scope.stages,
                              materialize=False)
            year = window if candidate.customers() >= stats.MIN_N else None
        return {"status": "too_few", "year_before": year, "deltas": {}}
    from scipy.stats import binomtest

    c1, c0 = current["customers"], previous["customers"]
    deltas = {"customers": {"delta": (c1 - c0) / c0, "p_value": float(binomtest(c1, c1 + c0, 0.5).pvalue),
                            "n": min(c1, c0)}}
    # conversion: the two Kaplan–Meier estimates with their Greenwood variances (the plain shares' binomial
    # variances when nobody is censored); each side counts only when its estimate may be shown (≥ 30 at risk)
    sides = [{"rate": k["conversion_rate"], "variance": k["conversion_variance"]} for k in (current, previous)]
    shown = current["conversion_shown"] and previous["conversion_shown"]
    rates = [("conversion_rate", *sides, min(c1, c0) if shown else 0),
             ("cross_share", _proportion(current["cross_customers"], c1), _proportion(previous["cross_customers"], c0),
              min(c1, c0))]
    if current["churn_basis"] == previous["churn_basis"] == "dates":  # a status at export is never compared
        now, before = scope.churn_estimate(), prev_scope.churn_estimate()  # Kaplan–Meier, as conversion
        rates.append(("churn_rate", now, before, min(now["n"], before["n"]) if now["shown"] and before["shown"] else 0))
    for key, a, b, n in rates:
        if a["rate"] is None or b["rate"] is None:  # "not observed on these channels": nothing to compare
            deltas[key] = {"delta": None, "p_value": None, "n": 0}
            continue
        test = stats.reach_difference_test(a, b)
        deltas[key] = {"delta": None if test["diff"] is None else 100 * test["diff"], "p_value": test["p_value"],
                       "n": n}
    cell, everyone = _nps_delta_sums(scope, prev_scope)
    test = stats.clustered_cell_test(cell, everyone, scale=100.0)
    a, b = scope.nps(), prev_scope.nps()  # the change is the cards' difference; the test's n is respondents
    delta = None if a["nps"] is None or b["nps"] is None else a["nps"] - b["nps"]
    deltas["nps"] = {"delta": delta, "p_value": test["p_value"], "n": min(a["respondents"], b["respondents"])}
    r1, r0 = revenue_per_customer(scope), revenue_per_customer(prev_scope)
    test = stats.welch_t_test(r1["mean"], r1["variance"], r1["n"], r0["mean"], r0["variance"], r0["n"])
    deltas["revenue_per_customer"] = {
        "delta": (r1["mean"] - r0["mean"]) / r0["mean"] if r0["mean"] else None, "p_value": test["p_value"],
        "n": min(r1["n"], r0["n"])}
    for d in deltas.values():
        n = d.pop("n")
        d["significant"] = bool(d["delta"] is not None and d["p_value"] is not None and d["p_value"] < 0.05
                                and n >= stats.MIN_N)
    return {"status": "ok", "year_before": None, "deltas": deltas}


def _nps_delta_sums(scope: Scope, prev_scope: Scope) -> tuple[dict, dict]:
    """The sums ``stats.clustered_cell_test`` reads to test the NPS change: the current window's answers are the
    "cell", the previous window's the rest, the score +1/0/−1, each customer one cluster across both windows (a
    customer answering in both is not two independent people). One query; nothing per customer comes back."""
    def per_customer(s: Scope, suffix: str):
        f = s.feedback
        r = f.filter(f.nps.notnull())
        y = ibis.ifelse(r.nps >= 9, 1, 0) - ibis.ifelse(r.nps <= 6, 1, 0)
        return r.group_by(**{f"cid{suffix}": r[s.key]}).aggregate(
            **{f"s{suffix}": y.sum().cast("float64"), f"m{suffix}": r.count().cast("float64")})

    now, before = per_customer(scope, "1"), per_customer(prev_scope, "0")
    j = now.outer_join(before, now.cid1 == before.cid0)
    s1, m1 = j.s1.fill_null(0.0), j.m1.fill_null(0.0)
    t, m = s1 + j.s0.fill_null(0.0), m1 + j.m0.fill_null(0.0)
    inside = m1 > 0
    x = j.select(s1=s1, m1=m1, t=t, m=m, inside=inside)
    sums = {"n": x.m.sum(), "s": x.t.sum(), "g": x.count(), "tt": (x.t * x.t).sum(), "tm": (x.t * x.m).sum(),
            "mm": (x.m * x.m).sum(), "c_n": x.m1.sum(), "c_s": x.s1.sum(), "c_g": x.count(where=x.inside)}
    pairs = {"s1s1": (x.s1, x.s1), "s1m1": (x.s1, x.m1), "m1m1": (x.m1, x.m1), "s1t": (x.s1, x.t),
             "s1m": (x.s1, x.m), "m1t": (x.m1, x.t), "m1m": (x.m1, x.m), "c_tt": (x.t, x.t), "c_tm": (x.t, x.m),
             "c_mm": (x.m, x.m)}
    sums.update({k: (a * b).sum(where=x.inside) for k, (a, b) in pairs.items()})
    row = {k: (v or 0) for k, v in _rows(x.aggregate(**sums))[0].items()}
    everyone = {k: row[k] for k in ("n", "s", "g", "tt", "tm", "mm")}
    cell = {"n": row["c_n"], "s": row["c_s"], "g": row["c_g"], "tt": row["c_tt"], "tm": row["c_tm"],
            "mm": row["c_mm"], **{k: row[k] for k in ("s1s1", "s1m1", "m1m1", "s1t", "s1m", "m1t", "m1m")}}
    return cell, everyone


# -- trend ------------------------------------------------------------------------------------------------

class _CountsScope(Scope):
    """A ``Scope`` whose query results are given (one trend bucket's counts): its metric methods then
    apply the report's definitions to them without touching the database."""

    def __init__(self, stages: tuple[StageInfo, ...], summary_rows: list[dict], nps_rows: list[dict],
                 revenue: float, channel_lens: bool = False):
        self.stages = stages
        self.filters = Filters()
        self.channel_lens = channel_lens
        self.provide("summary_rows", summary_rows)
        self.provide("nps_all_rows", nps_rows)
        self.provide("revenue_value", revenue)

    def conversion(self) -> dict:
        """A bucket's conversion: the plain share of its customers at or beyond the conversion stage (a bucket cuts
        journeys by activity; no window, no censoring). Under the channel lens (``only``), a bucket where no kept
        touchpoint reaches the conversion stage has no rate: its deals, made on other channels, are not seen ("not
        observed on these channels", as the KPI card says), which is not 0 %."""
        stage = self.conversion_stage
        reached = self._reached(stage.position) if stage else 0
        seen = stage is not None and (reached > 0 or not self.channel_lens)
        return {"stage": stage.code if stage else None, "customers": reached,
                "rate": stats.share(reached, self.customers()) if seen else None, "ci_low": None, "ci_high": None,
                "in_progress": 0}

    def conversion_estimate(self) -> dict:
        n = self.customers()
        rate = self.conversion()["rate"]
        return {"rate": rate, "variance": None if rate is None else rate * (1 - rate) / n, "n": n, "at_risk": n,
                "in_progress": 0, "shown": n >= stats.MIN_N}

    def churn_basis(self) -> str:
        return "status"  # a bucket holds counts only: the status at export


def _bucket(ts, grain: str):
    return ts.truncate(_TRUNCATE[grain]).date()


_ENCODE = 1000  # bucket code × 1000 + stage order: a stage model has far fewer than 1000 stages


def _trend_rows(scope: Scope, grain: str) -> list[dict]:
    """Customers per (bucket, furthest, mix, churned): the report's per-customer definitions with each
    customer's journey cut by bucket.

    One window over each customer's ordered touchpoints, as the report's (``Scope.ordered``), gives both
    ``prev_max`` (highest earlier stage of the journey) and, encoded with the bucket, the highest earlier
    stage within the touchpoint's bucket: buckets never decrease along a journey, so the maximum of
    ``bucket × 1000 + stage`` over the earlier touchpoints falls in the current bucket exactly when an
    earlier touchpoint does. On DuckDB, when the scope has no customer summary yet, the same query also
    returns it (and fills the scope's cache): the overview's KPIs and trend then share one pass."""
    assert len(scope.stages) < _ENCODE
    t = scope.touchpoints
    bucket = t.timestamp.truncate(_TRUNCATE[grain])
    t = t.mutate(bucket=bucket.date(), code=bucket.epoch_seconds())
    # partitioned as ``Scope.ordered`` (by customer and is_op when a channel is operational): the mix reads the
    # journey touchpoints on their own
    before = ibis.window(group_by=scope.journey_partition(t), order_by=[t.timestamp, t.position, t.id],
                         rows=(None, -1))
    o = t.select("ckey", "chn", "position", "is_op", "bucket", "code",
                 prev_max=t.position.max().over(before),
                 prev_enc=(t.code * _ENCODE + t.position).max().over(before))
    in_bucket = o.mutate(prev_max=ibis.cases(((o.prev_enc // _ENCODE) == o.code, o.prev_enc % _ENCODE),
                                             else_=ibis.null().cast("int64")))
    per = scope.per_customer(in_bucket, by=("bucket",))
    trend = per.group_by("bucket", "furthest", "mix", "churned").aggregate(n=per.count().cast("int64"))
    if scope.db.dialect != "duckdb" or scope.has("summary_rows"):
        return _rows(trend)
    j = scope.per_customer(o)
    summary = j.group_by("furthest", "mix", "churned").aggregate(n=j.count().cast("int64"))
    both = ibis.union(trend, summary.select(bucket=ibis.null().cast("date"), furthest="furthest", mix="mix",
                                            churned="churned", n="n"), distinct=False)
    rows = _rows(both)
    scope.provide("summary_rows", [{k: r[k] for k in ("furthest", "mix", "churned", "n")}
                                   for r in rows if r["bucket"] is None])
    return [r for r in rows if r["bucket"] is not None]


def _trend_revenue(scope: Scope, grain: str) -> dict:
    t = scope.touchpoints
    t = t.mutate(bucket=_bucket(t.timestamp, grain))
    return {r["bucket"]: r["revenue"] for r in _rows(t.group_by("bucket").aggregate(revenue=t.revenue.sum()))}


def _trend_nps(scope: Scope, grain: str):
    f = scope.feedback
    r = f.filter(f.nps.notnull())
    r = r.mutate(bucket=_bucket(r.timestamp, grain))
    return nps_sums(r, scope.key, "bucket")


TREND_COLUMNS = ["period_start", "customers", "converted", "conversion_rate", "responses", "nps", "churn_rate",
                 "cross_share", "revenue", "partial", "sufficient", "nps_sufficient"]
_NEXT = {"week": lambda d: d + timedelta(days=7),
         "month": lambda d: date(d.year + d.month // 12, d.month % 12 + 1, 1)}




def kpi_trend(db, filters: Filters | None = None, grain: str = "week", *,
              scope: Scope | None = None) -> pd.DataFrame:
    """The KPIs per week (starting Monday) or month (starting the 1st), one row per bucket with data.

    Columns ``period_start, customers, converted, conversion_rate, responses, nps, churn_rate,
    cross_share, revenue, partial, sufficient, nps_sufficient``: ``partial`` marks the bucket the data's last
    moment (``as_of``) falls in (a week or month not over: its figures are not comparable with full ones);
    ``sufficient`` = at least ``MIN_N`` customers (below that, a rate is neither shown nor drawn, the count is),
    ``nps_sufficient`` = at least ``MIN_N`` respondents (distinct customers). Each row is the report's figures with
    the window
    restricted to that bucket (intersected with the filters' own window, so a bucket cut by the window covers only
    its kept days): a customer's journey is cut by bucket, and a customer active in several buckets
    counts in each. A bucket "has data" when it holds a kept touchpoint or a kept NPS response.
    ``period_start`` holds ``datetime.date`` values (object column); counts are int64, the other
    figures float64 with NaN where the report says None.

    Three grouped queries, whatever the number of buckets: customers per bucket × furthest stage × mix ×
    churn status (on DuckDB with the scope's customer summary, see ``_trend_rows``); revenue per bucket;
    NPS counts per bucket.
    """
    if grain not in GRAINS:
        raise ValueError(f"grain must be one of {', '.join(GRAINS)}, not {grain!r}")
    scope = scope_for(db, filters, scope)
    summary = _trend_rows(scope, grain)
    revenue = _trend_revenue(scope, grain)
    nps = _rows(_trend_nps(scope, grain))
    buckets: dict[date, dict] = {}
    for r in summary:
        b = buckets.setdefault(r["bucket"], {"summary": [], "nps": [], "revenue": revenue.get(r["bucket"]) or 0})
        b["summary"].append(r)
    for r in nps:
        # one bucket's responses: its "overall" NPS row, respondents and clustering sums included
        buckets.setdefault(r["bucket"], {"summary": [], "nps": [], "revenue": 0})["nps"].append(
            {**r, "stage": None, "overall": True})
    rows = []
    last = scope.as_of if buckets else None
    for start in sorted(buckets):
        b = buckets[start]
        k = _kpi(_CountsScope(scope.stages, b["summary"], b["nps"], float(b["revenue"]),
                              channel_lens=scope.filters.channel_lens))
        rows.append({"period_start": start, **{col: k[col] for col in TREND_COLUMNS[1:9]},
                     "partial": last is not None and start <= last.date() < _NEXT[grain](start),
                     "sufficient": k["customers"] >= stats.MIN_N, "nps_sufficient": k["respondents"] >= stats.MIN_N})
    dtypes = {"period_start": object, "customers": "int64", "converted": "int64", "responses": "int64",
              "partial": "bool", "sufficient": "bool", "nps_sufficient": "bool"}
    import pandas as pd

    return pd.DataFrame({c: pd.Series([r[c] for r in rows], dtype=dtypes.get(c, "float64")) for c in TREND_COLUMNS},
                        columns=TREND_COLUMNS)


# -- headlines --------------------------------------------------------------------------------------------

def weakest_step(open_rows: list[dict], closed_rows: list[dict],
                 observed_share: float = DEFAULTS.observed_for_ranking) -> dict | None:
    """The journey's weakest step — one definition for the pages, the story, the deck and the map: the lowest step
    conversion of the closed funnel (``conv_from_previous`` of ``closed_rows``, ``analytics.funnel``), among the
    steps between observed stages (a stage nobody is observed at is left out: the step goes from the previous
    observed stage) that are *ranked* (``ranked_step``). Ties: the earliest step. ``{"from_stage", "to_stage",
    "rate", "customers"}`` with ``customers`` those counted at ``from_stage`` (``1 - rate`` of them stop there);
    ``None`` when no step qualifies. A rate, not a count: the stage where the most customers stop is often another
    one (the biggest)."""
    worst = None
    for o, c in zip(open_rows, closed_rows, strict=True):
        if ranked_step(o, c, observed_share) and (worst is None or c["conv_from_previous"] < worst["rate"]):
            worst = {"from_stage": c["from_stage"], "to_stage": c["stage"], "rate": c["conv_from_previous"],
                     "customers": c["from_customers"]}
    return worst


def _well_observed(o: dict, observed_share: float) -> bool:
    """The stage is observed for at least ``observed_share`` of the customers who reached it."""
    return o["customers"] > 0 and o["observed_customers"] >= observed_share * o["customers"]


def ranked_step(o: dict, c: dict, observed_share: float = DEFAULTS.observed_for_ranking) -> bool:
    """Whether the closed-funnel step into a stage (its open row ``o`` and closed row ``c``) enters the weakest-step
    choice: it goes between observed stages, starts with at least ``stats.MIN_N`` customers, and its later stage is
    observed for at least ``observed_share`` (the database's ``observed_for_ranking`` setting, ``analytics.settings``)
    of the customers who reached it."""
    return (c["from_stage"] is not None and c["conv_from_previous"] is not None
            and c["from_customers"] >= stats.MIN_N and _well_observed(o, observed_share))


def unranked_steps(open_rows: list[dict], closed_rows: list[dict],
                   observed_share: float = DEFAULTS.observed_for_ranking) -> list[dict]:
    """The steps left out of the weakest-step choice because their later stage is mostly skipped: ``{"from_stage",
    "to_stage", "skipped_share", "observed_share"}``, the shares of the cohort's customers who reach a later stage
    without a touchpoint at ``to_stage`` and who have one there (what is actually seen)."""
    cohort = open_rows[0]["customers"] if open_rows else 0
    out = []
    for o, c in zip(open_rows, closed_rows, strict=True):
        if c["from_stage"] is not None and not _well_observed(o, observed_share) and cohort:
            out.append({"from_stage": c["from_stage"], "to_stage": c["stage"],
                        "skipped_share": (o["customers"] - o["observed_customers"]) / cohort,
                        "observed_share": o["observed_customers"] / cohort})
    return out


def headline(db, filters: Filters | None = None, *, scope: Scope | None = None) -> dict:
    """The findings the overview, the story and the deck lead with.

    ``worst_step``: the weakest step (``weakest_step``); ``None`` when no step qualifies.
    ``not_ranked``: the steps left out of that choice because their later stage is mostly skipped
    (``unranked_steps``), said next to it. ``lowest_nps_stage``: ``{"stage", "nps", "responses", "respondents"}`` for
    the stage (as recorded on the feedback) with the lowest NPS among stages with at least ``stats.MIN_N``
    respondents (distinct customers; ties: the
    earliest stage); ``None`` when none qualifies. Four small queries (observed counts, open and closed funnels,
    NPS by stage).
    """
    scope = scope_for(db, filters, scope)
    open_rows, closed_rows = funnel_steps(scope)
    lowest = None
    for s in scope.nps()["by_stage"]:
        if s["respondents"] >= stats.MIN_N and (lowest is None or s["nps"] < lowest["nps"]):
            lowest = {"stage": s["stage"], "nps": s["nps"], "responses": s["responses"],
                      "respondents": s["respondents"]}
    share = scope.settings.observed_for_ranking
    return {"worst_step": weakest_step(open_rows, closed_rows, share),
            "not_ranked": unranked_steps(open_rows, closed_rows, share),
            "lowest_nps_stage": lowest}
