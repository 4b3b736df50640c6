"""Funnel tables: open and closed funnels, time between stages, and funnels compared across groups.

Everything is computed by the database from ``Scope.touchpoints`` (the kept touchpoints of the
report's filters): one aggregate per customer, reduced to counts per level (and group), so only a
few rows per stage come back to Python.

* *Open funnel* (the report's ``funnel``): a customer counts at stage k when their furthest stage
  (highest stage order among their kept touchpoints) is at or beyond k; stages may be skipped.
* *Closed funnel*: a customer counts at stage k when they first reached every stage 1…k in that
  order. "First reach" of a stage is the customer's first kept touchpoint at that stage in journey
  order (timestamp, stage order, touchpoint id). Two first reaches at the same instant are ordered
  by stage order, so stage j is first reached before stage j+1 exactly when the earliest timestamp
  at stage j is ≤ the earliest timestamp at stage j+1: the closed depth of a customer is the
  largest k with stages 1…k all reached and those earliest timestamps non-decreasing.

Missing values in the returned frames follow the other analytics modules: numeric columns that can
be undefined (rates, intervals, medians, p-values, and ``drop_off``, undefined on the first stage)
are float64 with NaN where the definitions say None; counts are int64; a group with no value for
the attribute is ``None`` in the object column ``group``.
"""

import ibis
import pandas as pd

from analytics import stats
from analytics.filters import DIMENSIONS, Filters
from analytics.metrics import Scope, StageInfo, _rows, scope_for

__all__ = ["GROUPINGS", "funnel_by_group", "funnel_table", "stage_counts", "time_between_stages"]

GROUPINGS = tuple(d.name for d in DIMENSIONS if d.groups_funnel)  # the channel groups by the first one
SIGNIFICANCE = 0.05  # q-value threshold of ``funnel_by_group``'s transition tests


# -- per-customer expressions ----------------------------------------------------------------------

def _first_reach_columns(t, stages: tuple[StageInfo, ...]) -> dict:
    """``f0, f1, …``: per customer, the earliest kept timestamp at each stage (NULL: not reached)."""
    return {f"f{i}": t.timestamp.min(where=t.position == s.position) for i, s in enumerate(stages)}


def _closed_depth(per, n: int):
    """The closed-funnel depth (0…n) from the first-reach columns ``f0…f{n-1}`` of ``per``."""
    branches = [(per.f0.isnull(), 0)]
    for i in range(1, n):
        cur, prev = per[f"f{i}"], per[f"f{i - 1}"]
        # NULL (stage not reached) or earlier than the previous stage's first reach: the chain stops.
        branches.append((cur.isnull() | (cur < prev), i))
    return ibis.cases(*branches, else_=n).cast("int64")


def _per_customer(scope: Scope, closed: bool):
    """One row per customer: ``ckey`` (``Scope.key``) and ``level`` (furthest stage order for the open funnel,
    closed depth 0…n for the closed funnel)."""
    t = scope.touchpoints
    if not closed:
        return scope.furthest.select("ckey", level="furthest")
    per = t.group_by("ckey").aggregate(**_first_reach_columns(t, scope.stages))
    return per.select("ckey", level=_closed_depth(per, len(scope.stages)))


def _reaches(stage_index: int, stage: StageInfo, level: int, closed: bool) -> bool:
    """Whether a customer at ``level`` counts at the stage (index ``stage_index`` in the model)."""
    return level > stage_index if closed else level >= stage.position


def _counts_by_stage(stages, level_counts: dict[int, int], closed: bool) -> list[int]:
    """Customers at each stage, from customers counted per level."""
    return [sum(n for level, n in level_counts.items() if _reaches(i, s, level, closed))
            for i, s in enumerate(stages)]


def _stage_rows(stages, counts: list[int]) -> list[dict]:
    rows = []
    for i, (s, n) in enumerate(zip(stages, counts, strict=True)):
        prev = counts[i - 1] if i else None
        low, high = stats.wilson_interval(n, prev) if i else (None, None)
        rows.append({
            "stage": s.code,
            "position": s.position,
            "customers": n,
            "conv_from_previous": stats.share(n, prev) if i else None,
            "conv_from_start": stats.share(n, counts[0]),
            "drop_off": prev - n if i else None,
            "ci_low": low,
            "ci_high": high,
        })
    return rows


_FLOAT_COLUMNS = ("conv_from_previous", "conv_from_start", "drop_off", "ci_low", "ci_high", "median_hours", "p_value",
                  "q_value")


def _frame(rows: list[dict], columns: list[str]) -> pd.DataFrame:
    """A frame with stable dtypes even when empty: counts int64, other numbers float64 (NaN = undefined)."""
    df = pd.DataFrame(rows, columns=columns)
    for col in columns:
        if col in _FLOAT_COLUMNS:
            df[col] = df[col].astype("float64")
        elif col in ("position", "customers"):
            df[col] = df[col].astype("int64")
        elif col == "significant":
            df[col] = df[col].astype("bool")
        else:  # stage names and groups: object, so None stays None (pandas 3 would infer str with NaN)
            df[col] = pd.Series([r[col] for r in rows], index=df.index, dtype=object)
    return df


# -- public functions --------------------------------------------------------------------------------

FUNNEL_COLUMNS = ["stage", "position", "customers", "conv_from_previous", "conv_from_start", "drop_off",
                  "ci_low", "ci_high"]


def funnel_table(db, filters: Filters | None = None, closed: bool = False, *,
                 scope: Scope | None = None) -> pd.DataFrame:
    """One row per stage of the model, in order.

    Columns ``stage, position, customers, conv_from_previous, conv_from_start, drop_off, ci_low,
    ci_high``: ``customers`` at stage k (open funnel: furthest stage at or beyond k, equal to the
    report's ``funnel``; ``closed=True``: first reached stages 1…k in that order, see the module
    docstring); ``conv_from_previous`` = customers_k / customers_{k−1} with its 95 % Wilson interval
    (``ci_low``, ``ci_high``); ``conv_from_start`` = customers_k / customers_1; ``drop_off`` =
    customers_{k−1} − customers_k. On the first stage the "previous" columns are missing. One query.
    """
    scope = scope_for(db, filters, scope)
    return _frame(_stage_rows(scope.stages, stage_counts(scope, closed)), FUNNEL_COLUMNS)


def stage_counts(scope: Scope, closed: bool = False) -> list[int]:
    """Customers at each stage of ``scope`` (open or closed funnel), in stage order. One query at most:
    the open funnel reuses the scope's customer summary when the report already computed it."""
    if not closed and "summary_rows" in scope.__dict__:
        return [r["customers"] for r in scope.funnel()]

    def compute():
        per = _per_customer(scope, closed)
        counts = {r["level"]: r["n"] for r in _rows(per.group_by("level").aggregate(n=per.count()))}
        return _counts_by_stage(scope.stages, counts, closed)

    return scope.cached(f"stage_counts_{closed}", compute)


def time_between_stages(db, filters: Filters | None = None, *, scope: Scope | None = None) -> pd.DataFrame:
    """Median time between the first reaches of consecutive stages, in hours.

    One row per consecutive stage pair of the model (``from_stage, to_stage, customers,
    median_hours``), among the customers who reached both stages and whose first reach of the later
    stage is not before their first reach of the earlier one (same instant: 0 hours, since the
    journey order puts the earlier stage first). ``median_hours`` is NaN when no customer qualifies.

    The median is exact: Ibis ``.median()``, i.e. ``quantile_cont(x, 0.5)`` on DuckDB and
    ``percentile_cont(0.5)`` on PostgreSQL — both interpolate between the two middle values of an
    even count, so the engines agree exactly (``approx_median`` would differ between engines and
    from run to run for a small gain). One query: every pair is a filtered aggregate over the
    per-customer first reaches.
    """
    scope = scope_for(db, filters, scope)
    stages = scope.stages
    t = scope.touchpoints
    per = t.group_by("ckey").aggregate(**_first_reach_columns(t, stages))
    aggs = {}
    for i in range(1, len(stages)):
        earlier, later = per[f"f{i - 1}"], per[f"f{i}"]
        both = earlier.notnull() & later.notnull() & (later >= earlier)
        hours = (later.epoch_seconds() - earlier.epoch_seconds()).cast("float64") / 3600
        aggs[f"n{i}"] = per.count(where=both)
        aggs[f"m{i}"] = hours.median(where=both)
    result = _rows(per.aggregate(**aggs))[0] if aggs else {}
    rows = [{"from_stage": stages[i - 1].code, "to_stage": stages[i].code, "customers": result[f"n{i}"],
             "median_hours": result[f"m{i}"]} for i in range(1, len(stages))]
    return _frame(rows, ["from_stage", "to_stage", "customers", "median_hours"])


def _first_channel(scope: Scope):
    """``cid, grp``: the channel of each customer's first kept touchpoint in journey order.

    On DuckDB only the touchpoints at a customer's earliest timestamp are ranked (by stage order,
    then id): a hash aggregate and join instead of sorting every touchpoint (about twice as fast at
    10M touchpoints). On PostgreSQL, Ibis cannot compile that self-join of customer-filtered
    touchpoints (its semi join is left as ``LEFT SEMI JOIN``), so every touchpoint is ranked.
    """
    t = scope.touchpoints
    if scope.db.dialect == "duckdb":
        firsts = t.group_by("ckey").aggregate(min_ts=t.timestamp.min())
        firsts = firsts.select(fid="ckey", min_ts="min_ts")
        t = t.join(firsts, [t.ckey == firsts.fid, t.timestamp == firsts.min_ts])
        t = t.select("ckey", "channel", "position", "id", "timestamp")
    rank = ibis.row_number().over(group_by=t.ckey, order_by=[t.timestamp, t.position, t.id])
    first = t.select("ckey", "channel", rank=rank)
    first = first.filter(first.rank == 0)
    return first.select(cid="ckey", grp="channel")


def _group_key(val):
    """Sort key: group values in order, ``None`` (no value) last."""
    return (val is None, "" if val is None else str(val))


GROUP_COLUMNS = ["group", "stage", "position", "customers", "conv_from_previous", "conv_from_start", "ci_low",
                 "ci_high"]
TEST_COLUMNS = ["stage", "p_value", "q_value", "significant"]


def funnel_by_group(db, filters: Filters | None = None, by: str = "persona", closed: bool = False, *,
                    scope: Scope | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The funnel of each group of customers, and whether the groups differ at each stage transition.

    ``by`` is ``persona``, ``segment``, ``region`` (the customer's attribute) or ``channel``: the
    customer's *first channel*, the channel of their first kept touchpoint in journey order
    (timestamp, stage order, id), so that the groups partition the customers (a customer who used
    several channels is counted once, under the channel they started on). Customers with no value
    for the attribute (or no row in the customers table) form the group ``None``.

    First frame: ``group, stage, position, customers, conv_from_previous, conv_from_start, ci_low,
    ci_high`` per group (sorted, ``None`` last) and stage, as in ``funnel_table`` (open or closed).

    Second frame: one row per transition k−1 → k, named by its later ``stage`` k: ``p_value`` of
    Pearson's chi-square test on the (group × reached k / stopped at k−1) table among the customers
    who reached k−1 (``None``/NaN when fewer than two groups or both outcomes are not present),
    ``q_value`` the Benjamini–Hochberg adjustment across the transitions, and ``significant`` =
    ``q_value < 0.05`` (False when undefined).

    One grouped query (customers counted per group and level).
    """
    if by not in GROUPINGS:
        raise ValueError(f"by must be one of {', '.join(GROUPINGS)}, not {by!r}")
    scope = scope_for(db, filters, scope)
    stages = scope.stages
    per = _per_customer(scope, closed)
    if by == "channel":
        key = _first_channel(scope)
    else:
        c = db.ibis.table("customers")
        key = c.select(cid=c[scope.key], grp=c[by])
    joined = per.left_join(key, per.ckey == key.cid).select("level", "grp")
    counts_rows = _rows(joined.group_by("grp", "level").aggregate(n=joined.count()))

    by_group: dict = {}
    for r in counts_rows:
        by_group.setdefault(r["grp"], {})[r["level"]] = r["n"]
    groups = sorted(by_group, key=_group_key)
    counts = {g: _counts_by_stage(stages, by_group[g], closed) for g in groups}

    rows = []
    for g in groups:
        for r in _stage_rows(stages, counts[g]):
            r.pop("drop_off")
            rows.append({"group": g, **r})
    funnel_df = _frame(rows, GROUP_COLUMNS)

    p_values = []
    for i in range(1, len(stages)):
        table = [[counts[g][i], counts[g][i - 1] - counts[g][i]] for g in groups]
        p_values.append(stats.chi_square_pvalue(table))
    q_values = stats.benjamini_hochberg(p_values)
    tests = [{"stage": stages[i].code, "p_value": p, "q_value": q, "significant": q is not None and q < SIGNIFICANCE}
             for i, p, q in zip(range(1, len(stages)), p_values, q_values, strict=True)]
    return funnel_df, _frame(tests, TEST_COLUMNS)
