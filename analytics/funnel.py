"""Funnel tables: open and closed funnels, time between stages, and funnels compared across groups.

Everything is computed by the database from ``Scope.touchpoints`` (the kept touchpoints of the
report's filters): a few aggregates per customer, reduced to counts per stage (and group), so only a
few rows per stage come back to Python.

* *Reached* (the open funnel, the report's ``funnel[k].customers``): a customer reaches stage k when
  their furthest stage (highest stage order among their kept touchpoints) is at or beyond k.
* *Observed*: customers with a kept touchpoint at the stage. A stage nobody is observed at is *not
  observed in the data*: it has no conversion, no drop-off, no rank; a step goes from the previous
  observed stage to the next observed one.
* *Closed funnel* (steps in order), over the observed stages o1 < o2 < … < om: a customer enters at
  the lowest stage they were observed at (o1 for most), step there = their first touchpoint at it;
  step o(j+1) = their first touchpoint at o(j+1) at or after step oj's timestamp (same instant: the
  journey order puts the higher stage after, so ``>=`` is the journey order), none when missing —
  then the chain stops. A customer *counts* at every stage from their entry to their last step; the
  step oj → o(j+1) converts among those counted at oj (entrants at o(j+1) are not in its base).
  Computed without a window or a join per stage: from the scope's per-customer facts (first and last
  timestamp per customer and stage, ``Scope.facts``), the chain followed in CASE expressions, and the
  timestamps of the few customers who visit a stage before and after their previous step collected into
  arrays (``_closed_state``).

Missing values in the returned frames follow the other analytics modules: numeric columns that can
be undefined (rates, intervals, medians, p-values, ``drop_off`` and ``from_customers``, undefined on
the first observed stage and on stages not observed) are float64 with NaN where the definitions say
None; counts are int64; a group with no value for the attribute is ``None`` in the object column
``group``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import ibis

from analytics import stats
from analytics.filters import DIMENSIONS, Filters
from analytics.metrics import Scope, StageInfo, _rows, scope_for

if TYPE_CHECKING:  # pandas (0.25 s to import) only where a frame is built: the report needs none
    import pandas as pd

__all__ = ["GROUPINGS", "REACH_COLUMNS", "SKIPPED_NOTE", "funnel_by_group", "funnel_steps", "funnel_table",
           "observed_counts", "observed_indexes", "stage_counts", "stage_reach", "time_between_stages"]

GROUPINGS = tuple(d.name for d in DIMENSIONS if d.groups_funnel)  # the channel groups by the first one
SIGNIFICANCE = 0.05  # q-value threshold of ``funnel_by_group``'s transition tests
SKIPPED_NOTE = 0.05
"""The funnel page says how many skipped a stage when reached and observed differ by more than this share of the
cohort."""


# -- per-customer expressions ----------------------------------------------------------------------

def _first_reach_columns(t, stages: tuple[StageInfo, ...]) -> dict:
    """``f0, f1, …``: per customer, the earliest kept timestamp at each stage (NULL: not reached)."""
    return {f"f{i}": t.timestamp.min(where=t.position == s.position) for i, s in enumerate(stages)}


def observed_counts(scope: Scope) -> list[int]:
    """Customers with a kept touchpoint at each stage of ``scope``, in stage order (``Scope.observed``)."""
    return scope.observed()


def observed_indexes(scope: Scope) -> list[int]:
    """Indexes (in ``scope.stages``) of the stages someone was observed at."""
    return [i for i, n in enumerate(observed_counts(scope)) if n > 0]


def _closed_state(scope: Scope, observed: list[int]):
    """One row per customer: ``ckey`` and ``s0 … s{m-1}``, the timestamp of their closed-funnel step at each
    observed stage (NULL: no step there), by the chain of the module docstring.

    Read from the scope's per-customer facts (``Scope.facts``: ``w<i>``, the first touchpoint at stage i within the
    window; ``l<i>``, the last one at all): the step at stage j is ``w_j`` when ``w_j`` ≥ the
    previous step (the first touchpoint there comes after it), none when ``l_j`` is before it — no join, no window.
    Only when the previous step falls between ``w_j`` and ``l_j`` (a stage visited before and after it) does the
    first touchpoint after it need the stage's other timestamps: for those customers alone, their kept timestamps per
    stage are collected into arrays and the chain is followed with ``min`` of the array filtered to ``≥`` the previous
    step. (A step within the window stays within it: the window is a prefix of the journey in time.)"""
    per = scope.facts
    ts_type = per[f"w{observed[0]}"].type().copy(nullable=True)
    none = ibis.null().cast(ts_type)
    positions = [scope.stages[i].position for i in observed]
    steps, unsure, prev = {}, ibis.literal(False), None
    for j, (i, p) in enumerate(zip(observed, positions, strict=True)):
        first, last = per[f"w{i}"], per[f"l{i}"]
        if prev is None:
            step = first
        else:
            step = ibis.cases((per.entry == p, first), (first >= prev, first), else_=none)
            unsure = unsure | ((per.entry != p) & (first < prev) & (last >= prev)).fill_null(False)
        steps[f"s{j}"] = step.cast(ts_type)
        prev = step
    per = per.select("ckey", unsure=unsure, **steps)
    sure = per.filter(~per.unsure).drop("unsure")

    t = scope.touchpoints.select("ckey", "position", "timestamp")
    doubt = per.filter(per.unsure).select(d_ckey="ckey")
    td = t.join(doubt, t.ckey == doubt.d_ckey).select("ckey", "position", "timestamp")
    arrays = td.group_by("ckey").aggregate(
        entry=td.position.min(), **{f"a{j}": td.timestamp.collect(where=td.position == p)
                                    for j, p in enumerate(positions)})
    steps, prev = {}, None
    for j, p in enumerate(positions):
        arr = arrays[f"a{j}"]
        if prev is None:
            step = arr.mins()
        else:
            step = ibis.cases((arrays.entry == p, arr.mins()),
                              else_=arr.filter(lambda x, prev=prev: x >= prev).mins())
        steps[f"s{j}"] = step.cast(ts_type)
        prev = step
    return ibis.union(sure, arrays.select("ckey", **steps), distinct=False)


def _closed_aggregates(state, m: int) -> dict:
    """``n`` (customers), ``c{j}`` (counted at observed stage j) and ``k{j}`` (counted at j−1 and at j)."""
    aggs = {"n": state.count()}
    for j in range(m):
        aggs[f"c{j}"] = state.count(where=state[f"s{j}"].notnull())
        if j:
            aggs[f"k{j}"] = state.count(where=state[f"s{j - 1}"].notnull() & state[f"s{j}"].notnull())
    return aggs


def _closed_from_row(stages, observed: list[int], row: dict | None) -> tuple[list[int], list[int], int]:
    """Per stage of the model: customers counted (closed funnel) and continued from the previous observed stage;
    and the cohort size, from one row of ``_closed_aggregates``."""
    counted, continued = [0] * len(stages), [0] * len(stages)
    row = row or {}
    for j, i in enumerate(observed):
        counted[i] = row.get(f"c{j}") or 0
        continued[i] = (row.get(f"k{j}") or 0) if j else counted[i]
    return counted, continued, row.get("n") or 0


def _stage_rows(stages, counts: list[int], observed: list[int], continued: list[int] | None = None,
                cohort: int | None = None) -> list[dict]:
    """One row per stage. ``counts``: customers at each stage (reached, or counted by the closed funnel);
    ``observed``: customers with a touchpoint there; ``continued``: those of the step's base who go on to the stage
    (the open funnel: everyone reaching it); ``cohort``: the customers (default: ``counts[0]``, everyone reaches
    the first stage of the open funnel)."""
    continued = counts if continued is None else continued
    cohort = counts[0] if cohort is None and counts else (cohort or 0)
    rows, prev = [], None
    for i, (s, n) in enumerate(zip(stages, counts, strict=True)):
        seen = observed[i] > 0
        base = counts[prev] if (seen and prev is not None) else None
        k = continued[i] if base is not None else None
        low, high = stats.wilson_interval(k, base) if base is not None else (None, None)
        rows.append({
            "stage": s.code,
            "position": s.position,
            "customers": n,
            "observed_customers": observed[i],
            "observed": seen,
            "from_stage": stages[prev].code if base is not None else None,
            "from_customers": base,
            "conv_from_previous": stats.share(k, base) if base is not None else None,
            "conv_from_start": stats.share(n, cohort) if seen else None,
            "drop_off": base - k if base is not None else None,
            "ci_low": low,
            "ci_high": high,
        })
        if seen:
            prev = i
    return rows


_FLOAT_COLUMNS = ("conv_from_previous", "conv_from_start", "drop_off", "ci_low", "ci_high", "median_hours", "p_value",
                  "q_value", "from_customers")


def _frame(rows: list[dict], columns: list[str]) -> pd.DataFrame:
    """A frame with stable dtypes even when empty: counts int64, other numbers float64 (NaN = undefined)."""
    import pandas as pd

    df = pd.DataFrame(rows, columns=columns)
    for col in columns:
        if col in _FLOAT_COLUMNS:
            df[col] = df[col].astype("float64")
        elif col in ("position", "customers", "observed_customers"):
            df[col] = df[col].astype("int64")
        elif col in ("significant", "observed"):
            df[col] = df[col].astype("bool")
        else:  # stage names and groups: object, so None stays None (pandas 3 would infer str with NaN)
            df[col] = pd.Series([r[col] for r in rows], index=df.index, dtype=object)
    return df


# -- public functions --------------------------------------------------------------------------------

FUNNEL_COLUMNS = ["stage", "position", "customers", "observed_customers", "observed", "from_stage", "from_customers",
                  "conv_from_previous", "conv_from_start", "drop_off", "ci_low", "ci_high"]


def funnel_table(db, filters: Filters | None = None, closed: bool = False, *,
                 scope: Scope | None = None) -> pd.DataFrame:
    """One row per stage of the model, in order.

    Columns ``stage, position, customers, observed_customers, observed, from_stage, from_customers,
    conv_from_previous, conv_from_start, drop_off, ci_low, ci_high``: ``customers`` at stage k (open funnel:
    reached, furthest stage at or beyond k, equal to the report's ``funnel``; ``closed=True``: counted by the
    closed funnel, see the module docstring); ``observed_customers``: customers with a touchpoint at k, and
    ``observed`` whether anyone is. The step into an observed stage k starts at ``from_stage``, the previous
    observed stage, with ``from_customers`` there: ``conv_from_previous`` = those of them who are at k /
    ``from_customers`` with its 95 % Wilson interval (``ci_low``, ``ci_high``), ``drop_off`` = those who are not.
    ``conv_from_start`` = customers_k / the cohort's customers. On the first observed stage the step columns are
    missing; on a stage not observed, every rate is. Two queries (observed counts, then the funnel) at most.
    """
    scope = scope_for(db, filters, scope)
    observed = observed_counts(scope)
    if not closed:
        return _frame(_stage_rows(scope.stages, stage_counts(scope), observed), FUNNEL_COLUMNS)
    counted, continued, cohort = _closed_counts(scope)
    return _frame(_stage_rows(scope.stages, counted, observed, continued, cohort), FUNNEL_COLUMNS)


def _closed_counts(scope: Scope) -> tuple[list[int], list[int], int]:
    """The closed funnel of ``scope``: counted and continued per stage, and the cohort (one query, cached)."""
    def compute():
        observed = observed_indexes(scope)
        if not observed:
            return [0] * len(scope.stages), [0] * len(scope.stages), 0
        state = _closed_state(scope, observed)
        row = _rows(state.aggregate(**_closed_aggregates(state, len(observed))))[0]
        return _closed_from_row(scope.stages, observed, row)

    return scope.cached("closed_counts", compute)


def stage_counts(scope: Scope, closed: bool = False) -> list[int]:
    """Customers at each stage of ``scope`` (open funnel: reached; closed: counted), in stage order. The open funnel
    reuses the scope's customer summary when the report already computed it."""
    if closed:
        return _closed_counts(scope)[0]
    if scope.has("summary_rows"):
        return [r["customers"] for r in scope.funnel()]

    def compute():
        per = scope.furthest
        counts = {r["level"]: r["n"] for r in _rows(per.group_by(level=per.furthest).aggregate(n=per.count()))}
        return [sum(n for level, n in counts.items() if level >= s.position) for s in scope.stages]

    return scope.cached("stage_counts_False", compute)


def funnel_steps(scope: Scope) -> tuple[list[dict], list[dict]]:
    """The open and the closed funnel's rows (``_stage_rows``) of ``scope``: what the weakest step reads."""
    observed = observed_counts(scope)
    counted, continued, cohort = _closed_counts(scope)
    return (_stage_rows(scope.stages, stage_counts(scope), observed),
            _stage_rows(scope.stages, counted, observed, continued, cohort))


REACH_COLUMNS = ["stage", "customers", "observed_customers", "rate", "ci_low", "ci_high", "in_progress", "at_risk",
                 "shown"]


def stage_reach(db, filters: Filters | None = None, *, scope: Scope | None = None) -> pd.DataFrame:
    """The report's ``funnel`` rows (the share of the cohort who reached each stage within the window: Kaplan–Meier
    while some are in progress) with ``at_risk`` (customers still followed at the window's end) and ``shown``
    (``stats.km_reach``: whether the figure may be shown, else "too early: k of n still in progress")."""
    import pandas as pd

    scope = scope_for(db, filters, scope)
    rows = [{**r, "at_risk": est["at_risk"], "shown": bool(est["shown"])}
            for r, est in zip(scope.funnel(), scope.reach_estimates(), strict=True)]
    df = pd.DataFrame(rows, columns=REACH_COLUMNS)
    for c in ("rate", "ci_low", "ci_high"):
        df[c] = df[c].astype("float64")
    return df


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
TEST_COLUMNS = ["stage", "test", "p_value", "q_value", "significant"]


def funnel_by_group(db, filters: Filters | None = None, by: str = "persona", closed: bool = False, *,
                    scope: Scope | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The funnel of each group of customers, and whether the groups differ at each step.

    ``by`` is ``persona``, ``segment``, ``region`` (the customer's attribute) or ``channel``: the
    customer's *first channel*, the channel of their first kept touchpoint in journey order
    (timestamp, stage order, id), so that the groups partition the customers (a customer who used
    several channels is counted once, under the channel they started on). Customers with no value
    for the attribute (or no row in the customers table) form the group ``None``.

    First frame: ``group, stage, position, customers, conv_from_previous, conv_from_start, ci_low,
    ci_high`` per group (sorted, ``None`` last) and stage, as in ``funnel_table`` (open or closed; the
    stages observed are the whole cohort's, so that every group has the same steps).

    Second frame: one row per stage k, for the step into it (from the previous observed stage):
    ``stage, test, p_value, q_value, significant``. The groups tested are those with at least
    ``stats.MIN_N`` (30) customers at the step's start (``from_customers``): a smaller group is shown in
    the first frame but left out of the test (one customer cannot earn a ★). ``p_value`` tests the
    (tested group × went on to k / stopped) table by ``stats.independence_test``, and ``test`` says
    which test: ``"chi-square"`` (Pearson's, when every expected count is ≥ 5), ``"fisher"`` (Fisher's
    exact test, two groups) or ``"monte-carlo"`` (more groups: the Monte-Carlo p-value of the Pearson
    statistic, 9,999 tables drawn with a fixed seed, so the same counts always give the same p).
    ``test`` is ``None`` and ``p_value`` ``None``/NaN on the first observed stage, a stage not
    observed, with fewer than two groups of ≥ 30 customers at the step's start, or when both outcomes
    are not present among them. ``q_value`` is the Benjamini–Hochberg adjustment across the steps, and
    ``significant`` = ``q_value < 0.05`` (False when undefined).

    One grouped query (after the cohort's observed counts).
    """
    if by not in GROUPINGS:
        raise ValueError(f"by must be one of {', '.join(GROUPINGS)}, not {by!r}")
    scope = scope_for(db, filters, scope)
    stages = scope.stages
    observed = observed_counts(scope)
    seen = [i for i, n in enumerate(observed) if n > 0]
    if by == "channel":
        key = _first_channel(scope)
    else:
        c = db.ibis.table("customers")
        key = c.select(cid=c[scope.key], grp=c[by])

    by_group: dict = {}
    if closed and seen:
        state = _closed_state(scope, seen)
        joined = state.left_join(key, state.ckey == key.cid)
        for r in _rows(joined.group_by("grp").aggregate(**_closed_aggregates(joined, len(seen)))):
            by_group[r["grp"]] = _closed_from_row(stages, seen, r)
    elif not closed:
        per = scope.furthest
        joined = per.left_join(key, per.ckey == key.cid).select("furthest", "grp")
        levels: dict = {}
        for r in _rows(joined.group_by("grp", "furthest").aggregate(n=joined.count())):
            levels.setdefault(r["grp"], {})[r["furthest"]] = r["n"]
        for g, lv in levels.items():
            counts = [sum(n for level, n in lv.items() if level >= s.position) for s in stages]
            by_group[g] = (counts, counts, counts[0])
    groups = sorted(by_group, key=_group_key)

    steps = {}
    for g in groups:
        counts, continued, cohort = by_group[g]
        steps[g] = _stage_rows(stages, counts, observed, continued, cohort)
    rows = []
    for g in groups:
        for r in steps[g]:
            rows.append({"group": g, **{k: r[k] for k in GROUP_COLUMNS[1:]}})
    funnel_df = _frame(rows, GROUP_COLUMNS)

    results = [_step_test([steps[g][i] for g in groups]) for i in range(1, len(stages))]
    q_values = stats.benjamini_hochberg([p for p, _ in results])
    tests = [{"stage": stages[i].code, "test": test, "p_value": p, "q_value": q,
              "significant": q is not None and q < SIGNIFICANCE}
             for i, (p, test), q in zip(range(1, len(stages)), results, q_values, strict=True)]
    return funnel_df, _frame(tests, TEST_COLUMNS)


def _step_test(rows: list[dict]) -> tuple[float | None, str | None]:
    """``(p_value, test)`` of one step from the groups' ``_stage_rows`` rows at it: the groups with at least
    ``stats.MIN_N`` customers at the step's start, (went on, stopped) each, by ``stats.independence_test``;
    ``(None, None)`` without a step or with fewer than two such groups."""
    if not rows or any(r["from_stage"] is None for r in rows):
        return None, None
    table = [[r["from_customers"] - r["drop_off"], r["drop_off"]] for r in rows if r["from_customers"] >= stats.MIN_N]
    if len(table) < 2:
        return None, None
    return stats.independence_test(table)
