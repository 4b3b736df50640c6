"""Satisfaction analytics: NPS by channel, by stage and by (stage, channel) cell, CSAT by stage, and
churn of detractors vs other respondents.

A *response* is a kept feedback row (``analytics.filters``: the report's filters; feedback without
a channel is kept only when no channel filter is set) with an NPS value. Promoters answer 9–10,
passives 7–8, detractors 0–6; NPS and its 95 % interval are the report's
(``stats.nps_with_interval``). Every count is an Ibis aggregate run by the database over
``analytics.metrics.Scope``'s kept feedback; only a few rows per stage or channel come back.

Each function builds its own ``Scope``; pass ``scope=`` (built for the same database and filters)
to share queries with other metrics of one page.

``satisfaction_trend`` (issue 16, "Closing the loop") gives the scope's measure (NPS or CSAT) per week or month of
the answers, with its interval and the flags that keep a thin or unfinished bucket from being read as a change.
"""

import ibis
import pandas as pd

from analytics import stats
from analytics.filters import Filters
from analytics.measures import bounds
from analytics.metrics import Scope, nps_clusters, nps_sums, scope_for
from analytics.overview import _NEXT, GRAINS, _bucket

__all__ = ["TREND_COLUMNS", "csat_by_stage", "detractor_churn", "nps_by_channel", "nps_split_by_stage",
           "satisfaction_trend", "stage_channel_counts", "stage_channel_csat", "stage_channel_nps"]


def _rows(expr) -> list[dict]:
    """Execute a small expression; plain Python rows (through Arrow, as ``analytics.metrics`` does)."""
    return expr.to_pyarrow().to_pylist()


def _frame(rows: list[dict], columns: dict[str, str]) -> pd.DataFrame:
    """A DataFrame with fixed columns and dtypes: ``int`` → int64, ``float`` → float64 (missing =
    NaN), ``bool`` → bool, ``str`` → object (missing stays ``None``)."""
    dtypes = {"int": "int64", "float": "float64", "bool": "bool", "str": "object"}
    data = {c: pd.Series([r[c] for r in rows], dtype=dtypes[t]) for c, t in columns.items()}
    return pd.DataFrame(data, columns=list(columns))


def _responses(scope: Scope):
    f = scope.feedback
    return f.filter(f.nps.notnull())


def _nps_fields(row: dict | None) -> dict:
    """The NPS fields of a ``metrics.nps_sums`` row (``None``: no responses), the interval clustered by customer."""
    row = row or {"n": 0, "promoters": 0, "detractors": 0}
    responses, promoters, detractors = row["n"], row["promoters"], row["detractors"]
    score, low, high = stats.nps_with_interval(promoters, detractors, responses, nps_clusters(row) if responses
                                               else None)
    return {"responses": responses, "promoters": promoters, "passives": responses - promoters - detractors,
            "detractors": detractors, "nps": score, "ci_low": low, "ci_high": high}


_NPS_COLUMNS = {"responses": "int", "promoters": "int", "passives": "int", "detractors": "int",
                "nps": "float", "ci_low": "float", "ci_high": "float"}


def nps_by_channel(db, filters: Filters | None = None, *, scope: Scope | None = None) -> pd.DataFrame:
    """NPS per channel of the response (as recorded on the feedback row), any stage.

    Columns ``channel, responses, promoters, passives, detractors, nps, ci_low, ci_high, respondents, sufficient``
    (``respondents`` ≥ ``MIN_N`` distinct customers); one row
    per channel with responses; ``channel`` is ``None`` for responses without a channel ("channel
    unknown" — present only when no channel filter is set). Sorted by responses descending, then
    channel (unknown last). The rows add up to the report's overall NPS counts.
    """
    scope = scope_for(db, filters, scope)
    r = _responses(scope)
    rows = [{"channel": x["channel"], **_nps_fields(x), "respondents": x["customers"],
             "sufficient": x["customers"] >= stats.MIN_N} for x in _rows(nps_sums(r, scope.key, "channel"))]
    rows.sort(key=lambda x: (-x["responses"], x["channel"] is None, x["channel"] or ""))
    return _frame(rows, {"channel": "str", **_NPS_COLUMNS, "respondents": "int", "sufficient": "bool"})


def nps_split_by_stage(db, filters: Filters | None = None, *, scope: Scope | None = None) -> pd.DataFrame:
    """Promoters / passives / detractors per stage of the model (every stage, in order).

    Columns ``stage, position, responses, promoters, passives, detractors, nps, ci_low, ci_high, respondents``
    (distinct customers), ``sufficient`` (``respondents`` ≥ ``MIN_N``); a stage without responses has zeros and
    NaN. The stage is the one recorded on the
    feedback row; responses at a stage outside the model are in no row. ``nps``/``ci_*`` equal the report's
    ``nps.by_stage`` (same query as ``Scope.nps``, whose cached rows are shared).
    """
    scope = scope_for(db, filters, scope)
    by = {x["stage"]: x for x in scope.nps_rows}
    rows = []
    for s in scope.stages:
        x = by.get(s.code)
        respondents = x["customers"] if x else 0
        rows.append({"stage": s.code, "position": s.position, **_nps_fields(x), "respondents": respondents,
                     "sufficient": respondents >= stats.MIN_N})
    return _frame(rows, {"stage": "str", "position": "int", **_NPS_COLUMNS, "respondents": "int",
                         "sufficient": "bool"})


def csat_by_stage(db, filters: Filters | None = None, *, scope: Scope | None = None) -> pd.DataFrame:
    """CSAT (1–5) per stage of the model (every stage, in order).

    Here ``responses`` counts the kept feedback rows with a CSAT answer (with or without an NPS
    value). Columns ``stage, position, responses, mean_csat, satisfied, satisfied_share, ci_low,
    ci_high, respondents``: satisfied = answers 4–5; ``satisfied_share`` = satisfied / responses with its 95 %
    Wilson interval (``ci_*``); ``respondents`` the distinct customers who answered there (the report's
    ``csat.by_stage`` customers: the n that gates a figure). A stage without answers has zeros and NaN.
    """
    scope = scope_for(db, filters, scope)
    f = scope.feedback
    c = f.filter(f.csat.notnull())
    agg = c.group_by("stage").aggregate(
        responses=c.count(), total=c.csat.cast("int64").sum(), satisfied=c.count(where=c.csat >= 4),
    )
    by = {x["stage"]: x for x in _rows(agg)}
    customers = {x["stage"]: x["customers"] for x in scope.csat()["by_stage"]}
    rows = []
    for s in scope.stages:
        x = by.get(s.code) or {"responses": 0, "total": 0, "satisfied": 0}
        n, k = x["responses"], x["satisfied"]
        low, high = stats.wilson_interval(k, n)
        rows.append({"stage": s.code, "position": s.position, "responses": n,
                     "mean_csat": stats.share(int(x["total"]), n), "satisfied": k,
                     "satisfied_share": stats.share(k, n), "ci_low": low, "ci_high": high,
                     "respondents": customers.get(s.code, 0)})
    return _frame(rows, {
        "stage": "str", "position": "int", "responses": "int", "mean_csat": "float", "satisfied": "int",
        "satisfied_share": "float", "ci_low": "float", "ci_high": "float", "respondents": "int",
    })


def stage_channel_counts(scope: Scope) -> list[dict]:
    """``metrics.nps_sums`` per (feedback stage, channel), every stage — one query per scope, cached for the
    pages that draw the heat map."""
    def compute():
        r = _responses(scope)
        return _rows(nps_sums(r, scope.key, "stage", "channel"))
    return scope.cached("_stage_channel_counts", compute)


def stage_channel_nps(db, filters: Filters | None = None, *, scope: Scope | None = None) -> pd.DataFrame:
    """NPS per (stage, channel) cell, for the heat map of where satisfaction breaks.

    Columns ``stage, position, channel, responses, promoters, detractors, nps, ci_low, ci_high, respondents,
    sufficient``; one row per cell with at least one response, stages of the model only, ordered by
    stage, then responses descending, then channel (unknown — ``None`` — last). ``sufficient`` =
    ``respondents >= stats.MIN_N`` (distinct customers, not answers): below that, show "insufficient data" rather
    than the value.
    """
    scope = scope_for(db, filters, scope)
    position = {s.code: s.position for s in scope.stages}
    rows = []
    for x in stage_channel_counts(scope):
        if x["stage"] not in position:
            continue
        fields = _nps_fields(x)
        del fields["passives"]
        rows.append({"stage": x["stage"], "position": position[x["stage"]], "channel": x["channel"], **fields,
                     "respondents": x["customers"], "sufficient": x["customers"] >= stats.MIN_N})
    rows.sort(key=lambda x: (x["position"], -x["responses"], x["channel"] is None, x["channel"] or ""))
    columns = {"stage": "str", "position": "int", "channel": "str", **_NPS_COLUMNS, "respondents": "int",
               "sufficient": "bool"}
    del columns["passives"]
    return _frame(rows, columns)


def stage_channel_csat(db, filters: Filters | None = None, *, scope: Scope | None = None) -> pd.DataFrame:
    """CSAT (1–5) per (stage, channel) cell, for the heat map of where satisfaction breaks under star ratings.

    Columns ``stage, position, channel, responses, respondents, mean_csat, ci_low, ci_high, dissatisfied_share,
    sufficient``: ``mean_csat`` the mean per answer with its interval clustered by customer
    (``stats.clustered_mean``), ``dissatisfied_share`` the 1–2 answers' share, ``sufficient`` = ``respondents`` ≥
    ``MIN_N``. One row per cell with an answer, stages of the model only, ordered by stage, then responses
    descending, then channel (unknown — ``None`` — last). One grouped query."""
    scope = scope_for(db, filters, scope)
    position = {s.code: s.position for s in scope.stages}
    columns = {"stage": "str", "position": "int", "channel": "str", "responses": "int", "respondents": "int",
               "mean_csat": "float", "ci_low": "float", "ci_high": "float", "dissatisfied_share": "float",
               "sufficient": "bool"}
    f = scope.feedback
    if "csat" not in f.columns:
        return _frame([], columns)
    r = f.filter(f.csat.notnull())
    worst = bounds("csat")[0]
    r = r.select("stage", "channel", cid=r[scope.key], score=r.csat.cast("float64"))
    per = r.group_by("stage", "channel", "cid").aggregate(n=r.count().cast("float64"), s=r.score.sum(),
                                                          dis=r.count(where=r.score <= worst))
    agg = per.group_by("stage", "channel").aggregate(
        responses=per.n.sum(), customers=per.count(), dissatisfied=per.dis.sum(), total=per.s.sum(),
        sum_sq=(per.s * per.s).sum(), sum_cross=(per.s * per.n).sum(), sum_n_sq=(per.n * per.n).sum())
    rows = []
    for x in _rows(agg):
        if x["stage"] not in position:
            continue
        n = int(x["responses"])
        mean, low, high = stats.clustered_mean(n, x["customers"], x["total"], x["sum_sq"], x["sum_cross"],
                                               x["sum_n_sq"])
        rows.append({"stage": x["stage"], "position": position[x["stage"]], "channel": x["channel"],
                     "responses": n, "respondents": x["customers"], "mean_csat": mean, "ci_low": low,
                     "ci_high": high, "dissatisfied_share": stats.share(int(x["dissatisfied"]), n),
                     "sufficient": x["customers"] >= stats.MIN_N})
    rows.sort(key=lambda x: (x["position"], -x["responses"], x["channel"] is None, x["channel"] or ""))
    return _frame(rows, columns)


def detractor_churn(db, filters: Filters | None = None, *, scope: Scope | None = None) -> dict:
    """Churn of detractors vs the other respondents, on the scope's satisfaction measure (``Scope.measure``: under
    CSAT, the *dissatisfied*, 1–2 of 5, are in the ``detractors`` group).

    Population: *Customers* (at least one kept touchpoint) whose churn status is known (a customer
    without a customers row, or with an empty ``churned``, is left out, as in the report's churn)
    and who have at least one kept response on the measure (any stage). Each is classed by their *latest* kept
    response (latest timestamp, ties broken by the later feedback row):

    * ``detractors``: latest answer 0–6 (CSAT: 1–2);
    * ``others``: every other respondent of that population — latest answer 7–10, passives and
      promoters together (CSAT: 3–5). "Others" is *not* "everyone else": customers without a response are
      excluded, so the comparison is between respondents, who share the selection bias of answering.

    Returns ``{"detractors": {"customers", "churned", "rate", "ci_low", "ci_high"}, "others": {…},
    "relative_risk", "rr_ci_low", "rr_ci_high", "p_value"}``: rates with 95 % Wilson intervals, the
    relative risk of churn detractors vs others with its 95 % interval and p-value
    (``stats.relative_risk``; ``None`` where undefined).
    """
    scope = scope_for(db, filters, scope)
    f = scope.feedback
    m = scope.measure
    r = f.filter(f[m].notnull())
    w = ibis.window(group_by=r.customer_id, order_by=[r.timestamp.desc(), r.id.desc()])
    latest = r.select("customer_id", answer=r[m], rn=ibis.row_number().over(w))
    latest = latest.filter(latest.rn == 0)
    kept_customers = scope.touchpoints.select("customer_id")
    latest = latest.semi_join(kept_customers, "customer_id")
    c = scope.db.ibis.table("customers").select(cid="customer_id", churned="churned")
    c = c.filter(c.churned.notnull())
    x = latest.join(c, latest.customer_id == c.cid)
    agg = x.group_by(detractor=x.answer <= bounds(m)[0]).aggregate(customers=x.count(),
                                                                               churned=x.count(where=x.churned))
    by = {bool(g["detractor"]): g for g in _rows(agg)}

    def group(is_detractor: bool) -> dict:
        g = by.get(is_detractor) or {"customers": 0, "churned": 0}
        n, k = g["customers"], g["churned"]
        low, high = stats.wilson_interval(k, n)
        return {"customers": n, "churned": k, "rate": stats.share(k, n), "ci_low": low, "ci_high": high}

    det, oth = group(True), group(False)
    rr = stats.relative_risk(det["churned"], det["customers"], oth["churned"], oth["customers"])
    return {"measure": m, "detractors": det, "others": oth, "relative_risk": rr["rr"], "rr_ci_low": rr["ci_low"],
            "rr_ci_high": rr["ci_high"], "p_value": rr["p_value"]}


TREND_COLUMNS = ["period_start", "measure", "responses", "respondents", "value", "ci_low", "ci_high", "sufficient",
                 "partial"]
# ``period_start``: ``datetime.date`` values in an object column (``_frame``'s "str" keeps them), as in ``kpi_trend``
_TREND_TYPES = {"period_start": "str", "measure": "str", "responses": "int", "respondents": "int", "value": "float",
                "ci_low": "float", "ci_high": "float", "sufficient": "bool", "partial": "bool"}


def _csat_sums(r, key: str, *by: str):
    """Per group ``by`` of the CSAT answers ``r``: ``responses``, distinct respondents ``customers`` and the
    per-customer sums ``stats.clustered_mean`` reads (``total`` = ΣSᵢ, ``sum_sq`` = ΣSᵢ², ``sum_cross`` = ΣSᵢnᵢ,
    ``sum_n_sq`` = Σnᵢ²; Sᵢ the sum of customer i's scores, nᵢ their answers) — as ``Scope.csat_expr`` per stage."""
    r = r.select(*by, cid=r[key], score=r.csat.cast("float64"))
    per = r.group_by(*by, "cid").aggregate(n=r.count().cast("float64"), s=r.score.sum())
    out = per.group_by(*by).aggregate(responses=per.n.sum(), customers=per.count(), total=per.s.sum(),
                                      sum_sq=(per.s * per.s).sum(), sum_cross=(per.s * per.n).sum(),
                                      sum_n_sq=(per.n * per.n).sum())
    return out.select(*by, responses=out.responses.cast("int64"), customers=out.customers.cast("int64"),
                      total=out.total.cast("float64"), sum_sq=out.sum_sq.cast("float64"),
                      sum_cross=out.sum_cross.cast("float64"), sum_n_sq=out.sum_n_sq.cast("float64"))


def satisfaction_trend(db, filters: Filters | None = None, grain: str = "month", *,
                       scope: Scope | None = None) -> pd.DataFrame:
    """The scope's satisfaction measure (``Scope.measure``: NPS or CSAT) per week (starting Monday) or month
    (starting the 1st) of the answers' timestamps, one row per bucket with at least one kept answer on the measure.

    Columns ``period_start, measure, responses, respondents, value, ci_low, ci_high, sufficient, partial``:

    * ``period_start``: the bucket's first day (``datetime.date`` values, object column), ascending;
    * ``measure``: ``"nps"`` or ``"csat"`` (the same on every row);
    * ``responses``: kept answers on the measure in the bucket; ``respondents``: distinct customers among them (a
      customer who answers three times in a month counts once there, and once in each month they answered in);
    * NPS: ``value`` = 100 × (promoters − detractors) / responses, ``ci_low``/``ci_high`` Rocks' adjusted Wald
      interval clustered by customer within the bucket (``stats.nps_with_interval`` on ``metrics.nps_sums``);
      CSAT: ``value`` = the mean answer (1–5), the interval ``stats.clustered_mean``'s (NaN with one respondent);
    * ``sufficient``: ``respondents`` ≥ ``MIN_N`` — below that the value is neither shown nor drawn (it is still
      computed, as everywhere in the analytics);
    * ``partial``: the bucket the data's last moment (``Scope.as_of``) falls in — a week or month not over, whose
      value is not comparable with full ones (``analytics.overview.kpi_trend``'s flag).

    The answers are the scope's kept feedback (``Scope.feedback``: filters, lenses and windows), as every other
    satisfaction figure. One grouped query whatever the number of buckets. No answer on the measure: no rows.
    """
    if grain not in GRAINS:
        raise ValueError(f"grain must be one of {', '.join(GRAINS)}, not {grain!r}")
    scope = scope_for(db, filters, scope)
    m = scope.measure
    f = scope.feedback
    rows: list[dict] = []
    if m in f.columns:  # a warehouse may lack one of the measures
        r = f.filter(f[m].notnull())
        r = r.mutate(bucket=_bucket(r.timestamp, grain))
        sums = nps_sums(r, scope.key, "bucket") if m == "nps" else _csat_sums(r, scope.key, "bucket")
        found = sorted(_rows(sums), key=lambda x: x["bucket"])
        last = scope.as_of if found else None
        for x in found:
            start = x["bucket"]
            if m == "nps":
                responses = x["n"]
                value, low, high = stats.nps_with_interval(x["promoters"], x["detractors"], responses,
                                                           nps_clusters(x))
            else:
                responses = x["responses"]
                value, low, high = stats.clustered_mean(responses, x["customers"], x["total"], x["sum_sq"],
                                                        x["sum_cross"], x["sum_n_sq"])
            rows.append({"period_start": start, "measure": m, "responses": responses,
                         "respondents": x["customers"], "value": value, "ci_low": low, "ci_high": high,
                         "sufficient": x["customers"] >= stats.MIN_N,
                         "partial": last is not None and start <= last.date() < _NEXT[grain](start)})
    return _frame(rows, _TREND_TYPES)
