"""The overview page's figures: data range, KPIs against the previous period, KPI trend, headlines.

Every figure uses the report's definitions (``analytics.metrics``): the KPIs of one period come
from a ``Scope`` (so they equal ``analytics.report.report()`` for the same filters), and the trend
evaluates the same ``Scope`` metric methods on per-bucket counts computed by grouped queries.
"""

from dataclasses import replace
from datetime import date, timedelta

import ibis
import pandas as pd

from analytics import stats
from analytics.filters import Filters
from analytics.funnel import _stage_rows, stage_counts
from analytics.metrics import Scope, StageInfo, _rows, scope_for

__all__ = ["GRAINS", "data_range", "headline", "kpi_trend", "kpis"]

GRAINS = ("week", "month")
_TRUNCATE = {"week": "W", "month": "M"}  # ISO weeks start on Monday on both engines


def data_range(db, filters: Filters | None = None) -> tuple[date, date] | None:
    """First and last day of the kept touchpoints, ignoring the date window of ``filters``.

    The other filters (persona, segment, region, channel) apply. ``None`` when no touchpoint is kept.
    """
    filters = replace(filters or Filters(), start=None, end=None)
    t = Scope(db, filters, materialize=False).touchpoints  # two numbers: nothing worth keeping
    row = _rows(t.aggregate(first=t.timestamp.min(), last=t.timestamp.max()))[0]
    if row["first"] is None:
        return None
    return row["first"].date(), row["last"].date()


# -- KPIs -----------------------------------------------------------------------------------------------

def _kpi(scope: Scope) -> dict:
    """The KPI block of a scope, every figure by the report's definitions."""
    customers = scope.customers()
    conversion = scope.conversion()
    nps = scope.nps()
    cross = scope.channel_mix()["cross"]
    return {
        "customers": customers,
        "converted": conversion["customers"],
        "conversion_rate": conversion["rate"],
        "nps": nps["nps"],
        "nps_ci_low": nps["ci_low"],
        "nps_ci_high": nps["ci_high"],
        "responses": nps["responses"],
        "churn_rate": scope.churn()["rate"],
        "churn_known": sum(r["n"] for r in scope.summary_rows if r["churned"] is not None),
        "cross_customers": cross,
        "cross_share": stats.share(cross, customers),
        "revenue": scope.revenue(),
    }


def _period(filters: Filters, span: tuple[date, date] | None) -> tuple[date | None, date | None]:
    """The filters' window, its open ends filled from the data range (the whole range when no window)."""
    start, end = filters.start, filters.end
    if span is not None:
        start = start or min(span[0], end or span[0])
        end = end or max(span[1], start)
    return start, end


def kpis(db, filters: Filters | None = None, *, scope: Scope | None = None) -> dict:
    """The headline KPIs of the period and of the period just before it.

    ``{"period": (start, end), "previous_period": (start, end) | None, "current": K,
    "previous": K | None}`` with K = ``{"customers", "converted", "conversion_rate", "nps",
    "nps_ci_low", "nps_ci_high", "responses", "churn_rate", "churn_known", "cross_customers",
    "cross_share", "revenue"}`` (``churn_known``: customers whose churn status is known;
    ``cross_share``: cross-channel customers / customers).

    ``period`` is the filters' window, an open end filled from ``data_range`` (when the window
    lies wholly after, or before, the data, the filled end is the window's other end), or the
    whole data range when no window is set; ``(None, None)`` when there is neither. ``current`` is
    computed with ``filters`` exactly as given, so it equals ``report(db, filters)`` (with an open
    end, feedback after the last touchpoint still counts, as in the report). ``previous_period`` is
    the same number of days immediately before ``period``, and ``previous`` the KPIs with the same
    filters on that window; both ``None`` when there is no data range (no touchpoint is kept by the
    filters other than the window).
    """
    filters = filters or Filters()
    span = data_range(db, filters)
    period = _period(filters, span)
    scope = scope_for(db, filters, scope)
    stages = scope.stages
    current = _kpi(scope)
    if span is None:
        return {"period": period, "previous_period": None, "current": current, "previous": None}
    start, end = period
    days = (end - start).days + 1
    previous_period = (start - timedelta(days=days), start - timedelta(days=1))
    prev_filters = replace(filters, start=previous_period[0], end=previous_period[1])
    previous = _kpi(Scope(db, prev_filters, stages, materialize=False))
    return {"period": period, "previous_period": previous_period, "current": current, "previous": previous}


# -- trend ------------------------------------------------------------------------------------------------

class _CountsScope(Scope):
    """A ``Scope`` whose query results are given (one trend bucket's counts): its metric methods then
    apply the report's definitions to them without touching the database."""

    def __init__(self, stages: tuple[StageInfo, ...], summary_rows: list[dict], nps_rows: list[dict],
                 revenue: float):
        self.stages = stages
        self.__dict__["summary_rows"] = summary_rows
        self.__dict__["nps_rows"] = nps_rows
        self.__dict__["revenue_value"] = revenue


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
    # partitioned by (customer, is_op) as ``Scope.ordered``: the mix reads the journey touchpoints on their own
    before = ibis.window(group_by=[t.ckey, t.is_op], order_by=[t.timestamp, t.position, t.id], rows=(None, -1))
    o = t.select("ckey", "chn", "position", "is_op", "bucket", "code",
                 prev_max=t.position.max().over(before),
                 prev_enc=(t.code * _ENCODE + t.position).max().over(before))
    in_bucket = o.mutate(prev_max=ibis.cases(((o.prev_enc // _ENCODE) == o.code, o.prev_enc % _ENCODE),
                                             else_=ibis.null().cast("int64")))
    per = scope.per_customer(in_bucket, by=("bucket",))
    trend = per.group_by("bucket", "furthest", "mix", "churned").aggregate(n=per.count().cast("int64"))
    if scope.db.dialect != "duckdb" or "summary_rows" in scope.__dict__:
        return _rows(trend)
    j = scope.per_customer(o)
    summary = j.group_by("furthest", "mix", "churned").aggregate(n=j.count().cast("int64"))
    both = ibis.union(trend, summary.select(bucket=ibis.null().cast("date"), furthest="furthest", mix="mix",
                                            churned="churned", n="n"), distinct=False)
    rows = _rows(both)
    scope.__dict__["summary_rows"] = [{k: r[k] for k in ("furthest", "mix", "churned", "n")}
                                      for r in rows if r["bucket"] is None]
    return [r for r in rows if r["bucket"] is not None]


def _trend_revenue(scope: Scope, grain: str) -> dict:
    t = scope.touchpoints
    t = t.mutate(bucket=_bucket(t.timestamp, grain))
    return {r["bucket"]: r["revenue"] for r in _rows(t.group_by("bucket").aggregate(revenue=t.revenue.sum()))}


def _trend_nps(scope: Scope, grain: str):
    f = scope.feedback
    r = f.filter(f.nps.notnull())
    r = r.mutate(bucket=_bucket(r.timestamp, grain))
    return r.group_by("bucket").aggregate(
        n=r.count(), promoters=r.count(where=r.nps >= 9), detractors=r.count(where=r.nps <= 6)
    )


TREND_COLUMNS = ["period_start", "customers", "converted", "conversion_rate", "responses", "nps", "churn_rate",
                 "cross_share", "revenue"]


def kpi_trend(db, filters: Filters | None = None, grain: str = "week", *,
              scope: Scope | None = None) -> pd.DataFrame:
    """The KPIs per week (starting Monday) or month (starting the 1st), one row per bucket with data.

    Columns ``period_start, customers, converted, conversion_rate, responses, nps, churn_rate,
    cross_share, revenue``. Each row is the report's figures with the window restricted to that
    bucket (intersected with the filters' own window, so a bucket cut by the window covers only
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
        buckets.setdefault(r["bucket"], {"summary": [], "nps": [], "revenue": 0})["nps"].append({**r, "stage": None})
    rows = []
    for start in sorted(buckets):
        b = buckets[start]
        k = _kpi(_CountsScope(scope.stages, b["summary"], b["nps"], float(b["revenue"])))
        rows.append({"period_start": start, **{col: k[col] for col in TREND_COLUMNS[1:]}})
    dtypes = {"period_start": object, "customers": "int64", "converted": "int64", "responses": "int64"}
    return pd.DataFrame({c: pd.Series([r[c] for r in rows], dtype=dtypes.get(c, "float64")) for c in TREND_COLUMNS},
                        columns=TREND_COLUMNS)


# -- headlines --------------------------------------------------------------------------------------------

def weakest_step(rows: list[dict]) -> dict | None:
    """The journey's weakest step — one definition for the pages, the story and the deck: the lowest conversion from
    the previous stage in the open funnel (``conv_from_previous``), among steps whose previous stage has at least
    ``stats.MIN_N`` customers (ties: the earliest step). ``{"from_stage", "to_stage", "rate", "customers"}`` with
    ``customers`` those who got as far as ``from_stage`` (``1 - rate`` of them stop there); ``None`` when no step
    qualifies. A rate, not a count: the stage where the most customers stop is often another one (the biggest)."""
    worst = None
    for prev, row in zip(rows, rows[1:], strict=False):
        if prev["customers"] >= stats.MIN_N and (worst is None or row["conv_from_previous"] < worst["rate"]):
            worst = {"from_stage": prev["stage"], "to_stage": row["stage"], "rate": row["conv_from_previous"],
                     "customers": prev["customers"]}
    return worst


def headline(db, filters: Filters | None = None, *, scope: Scope | None = None) -> dict:
    """The two findings the overview, the story and the deck lead with.

    ``worst_step``: the weakest step (``weakest_step``); ``None`` when no step qualifies.
    ``lowest_nps_stage``: ``{"stage", "nps", "responses"}`` for the stage (as recorded on the
    feedback) with the lowest NPS among stages with at least ``stats.MIN_N`` responses (ties: the
    earliest stage); ``None`` when none qualifies. Two queries.
    """
    scope = scope_for(db, filters, scope)
    stages = scope.stages
    worst = weakest_step(_stage_rows(stages, stage_counts(scope)))
    lowest = None
    for s in scope.nps()["by_stage"]:
        if s["responses"] >= stats.MIN_N and (lowest is None or s["nps"] < lowest["nps"]):
            lowest = {"stage": s["stage"], "nps": s["nps"], "responses": s["responses"]}
    return {"worst_step": worst, "lowest_nps_stage": lowest}
