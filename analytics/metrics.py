"""The journey metrics, as Ibis expressions executed by the database.

Only small aggregates come back to Python (a few rows per stage, channel pair or channel-mix
class); every per-row and per-customer step runs in DuckDB or PostgreSQL.

Definitions (shared by the report, the dashboard pages and the exports):

* *Kept touchpoints* are the cohort's, seen through the lenses (``analytics.filters``), with a stage of the model.
  *Customers* are those with at least one kept touchpoint. A customer's kept touchpoints are
  ordered by timestamp, then stage order (``stages.position``), then input order
  (``touchpoints.id``); "consecutive" means adjacent in that order.
* A customer's *furthest stage* is the highest stage order among their kept touchpoints. The
  funnel counts, for each stage, the customers whose furthest stage is at or beyond it.
* Channel mix: *mono* = one distinct channel; *cross* = the touchpoints that first reach a new
  furthest stage are on at least two channels; else *multi*.
* Transitions: the directly-follows graph of channels over consecutive touchpoints.
* A response is a kept feedback row with an NPS score; NPS counts every kept response, whether or
  not its customer has kept touchpoints.

Per-customer facts (furthest stage, channel mix, churn status) come from one windowed pass over the
ordered touchpoints, reduced to counts per (furthest stage, mix, churn status): funnel,
conversion, churn and channel mix all read that one small table. ``Scope`` builds the expressions
once for one set of filters and caches what it has executed, so a page that shows several metrics
(or ``report``) pays for each query once.
"""

import uuid
import weakref
from dataclasses import dataclass
from functools import cached_property

import ibis

import data_model as dm
from analytics import stats
from analytics.filters import Filters, apply_filters, cohort_keys, customer_key

__all__ = [
    "MIXES", "NoStageModel", "Scope", "StageInfo", "channel_mix", "churn", "conversion", "customers", "funnel",
    "nps", "revenue", "scope_for", "stage_infos", "transitions",
]

MIXES = ("mono", "multi", "cross")


class NoStageModel(RuntimeError):
    """The database has no Parcours tables or no stage model yet (`python -m loaders init` creates them)."""


@dataclass(frozen=True)
class StageInfo:
    code: str
    position: int
    is_conversion: bool


def stage_infos(db) -> tuple[StageInfo, ...]:
    """The stage model in order; raises NoStageModel when the database has none."""
    if not dm.is_initialised(db):
        raise NoStageModel("the database has no Parcours tables yet")
    stages = tuple(StageInfo(s.code, int(s.position), bool(s.is_conversion)) for s in dm.stage_model(db))
    if not stages:
        raise NoStageModel("the database has no stage model yet")
    return stages


def _drop_quietly(con, name: str) -> None:
    try:
        con.raw_sql(f'DROP TABLE IF EXISTS "{name}"')
    except Exception:  # noqa: BLE001 - the connection may be closed already: its temp tables went with it
        pass


def _rows(expr) -> list[dict]:
    """Execute a (small) expression and return plain Python rows.

    Through Arrow, not pandas: no numpy scalars, and on DuckDB no pandas conversion at all (which,
    in a process that also imports SQLModel, leaves DuckDB's type constants alive at interpreter
    exit and makes nanobind print "leaked instances" noise).
    """
    return expr.to_pyarrow().to_pylist()


class Scope:
    """The kept data for one database and one ``Filters``, as Ibis expressions built once.

    Each metric method runs (at most) one query and caches its small result, so several metrics of
    one scope share the per-customer pass. A scope is a snapshot for one page render or one report:
    build a new one after the data changes.
    """

    def __init__(self, db, filters: Filters | None = None, stages: tuple[StageInfo, ...] | None = None,
                 materialize: bool | None = None):
        self.db = db
        self.filters = filters or Filters()
        self.stages = stages if stages is not None else stage_infos(db)
        # Filtered scopes on DuckDB keep their rows in temporary tables, built by the first query: a page's
        # other queries then read a small table instead of filtering every touchpoint again (at 1M
        # customers, 0.3-0.9 s per query). Unfiltered, the tables themselves are read.
        self.materialize = (db.dialect == "duckdb" and self.filters.active) if materialize is None else materialize
        con = db.ibis
        self._customers = con.table("customers")
        self._stages = con.table("stages")
        self._touchpoints = con.table("touchpoints")
        self._feedback = con.table("feedback")

    # -- expressions -----------------------------------------------------------------------------

    @cached_property
    def key(self) -> str:
        """The column that identifies a customer in windows and joins: the integer ``customer_no``
        (schema 0003; a 10M-row window partitioned by it runs about twice as fast as by the text id),
        or ``customer_id`` in a warehouse whose tables have no ``customer_no``."""
        tables = (self._customers, self._touchpoints, self._feedback)
        return "customer_no" if all("customer_no" in t.columns for t in tables) else "customer_id"

    @cached_property
    def touchpoints(self):
        """Kept touchpoints with their stage order (``position``), the customer key (``ckey``, see
        ``key``) and a channel number (``chn``: the channel's rank among the channel codes)."""
        tp = apply_filters(self._touchpoints, self.filters, self._customers, keys=self.cohort)
        st = self._stages.select(stage_code="code", position="position")
        joined = tp.join(st, tp.stage == st.stage_code)
        joined = joined.join(self.channel_numbers, joined.channel == self.channel_numbers.code)
        kept = joined.select("id", "customer_id", "timestamp", "channel", "stage", "position", "revenue",
                             ckey=joined[self.key], chn=joined.chn)
        return self._kept(kept, "touchpoints") if self.materialize else kept

    @cached_property
    def cohort(self):
        """The cohort's customer keys (``analytics.filters.cohort_keys``), judged once for the touchpoints and the
        feedback (a temporary table on DuckDB when judged on the journeys), or ``None``: every customer."""
        key = customer_key(self._touchpoints, self._customers)
        keys = cohort_keys(self.filters, self._customers, self._touchpoints, self._stages, key)
        if keys is not None and self.materialize and self.filters.by_journey:
            keys = self._kept(keys, "cohort")
        return keys

    @cached_property
    def channel_numbers(self):
        """``code`` → ``chn`` (0, 1, … in code order) for every channel of the touchpoints and feedback
        tables: the journey windows carry this small integer rather than the channel's text (a third of
        their time at 10M rows). Read from the tables themselves (30 ms at 10M rows), not from
        ``channels``, which need not list every channel."""
        fb = self._feedback
        ch = ibis.union(self._touchpoints.select(code=self._touchpoints.channel.cast("string")),
                        fb.filter(fb.channel.notnull()).select(code=fb.channel.cast("string")), distinct=True)
        return ch.select("code", chn=ibis.row_number().over(order_by=ch.code).cast("int16"))

    def channel_codes(self) -> dict[int, str]:
        """``chn`` → channel code (the inverse of ``channel_numbers``), for the few rows that come back."""
        return self.cached("_channel_codes", lambda: {r["chn"]: r["code"] for r in _rows(self.channel_numbers)})

    @cached_property
    def feedback(self):
        """Kept feedback rows (all of them, with or without an NPS score)."""
        kept = apply_filters(self._feedback, self.filters, self._customers, keys=self.cohort)
        return self._kept(kept, "feedback") if self.materialize else kept

    def _kept(self, expr, what: str):
        """``expr`` written to a temporary table, dropped when the scope goes (Ibis' own ``cache()``
        emits a nameless DROP on DuckDB 2.0)."""
        con = self.db.ibis
        name = f"parcours_kept_{what}_{uuid.uuid4().hex[:12]}"
        table = con.create_table(name, expr, temp=True)
        weakref.finalize(self, _drop_quietly, con, name)
        return table

    def cached(self, key: str, compute):
        """``compute()`` once per scope: a small executed result that several metrics share."""
        if key not in self.__dict__:
            self.__dict__[key] = compute()
        return self.__dict__[key]

    @cached_property
    def furthest(self):
        """One row per customer: ``ckey`` and ``furthest``, the highest stage order among their kept touchpoints —
        a plain maximum, no journey order (the funnel, the irritants and the journey map share it)."""
        t = self.touchpoints
        per = t.group_by("ckey").aggregate(furthest=t.position.max())
        return per.select("ckey", furthest=per.furthest.cast("int64"))

    @cached_property
    def ordered(self):
        """Kept touchpoints (``ckey``, ``chn``, ``position``) with, in journey order, the highest earlier
        stage order (``prev_max``, NULL on a customer's first touchpoint) and the next touchpoint's
        channel number (``next_chn``)."""
        t = self.touchpoints
        order = [t.timestamp, t.position, t.id]
        w = ibis.window(group_by=t.ckey, order_by=order)
        before = ibis.window(group_by=t.ckey, order_by=order, rows=(None, -1))
        return t.select(
            "ckey", "chn", "position",
            prev_max=t.position.max().over(before),
            next_chn=t.chn.lead().over(w),
        )

    @cached_property
    def journeys(self):
        """One row per customer: ``ckey`` (see ``key``), ``furthest`` (stage order), ``mix`` and ``churned``."""
        return self.per_customer(self.ordered)

    def per_customer(self, o, by: tuple[str, ...] = ()):
        """One row per customer (and value of the ``by`` columns) of ``o``, an ordered relation with
        ``ckey, chn, position, prev_max`` like ``ordered``: ``ckey, *by, furthest, mix, churned``."""
        advances = o.prev_max.isnull() | (o.position > o.prev_max)
        per = o.group_by("ckey", *by).aggregate(
            furthest=o.position.max(),
            ch_min=o.chn.min(),
            ch_max=o.chn.max(),
            adv_min=o.chn.min(where=advances),
            adv_max=o.chn.max(where=advances),
        )
        mix = ibis.cases(
            (per.ch_min == per.ch_max, "mono"),
            (per.adv_min != per.adv_max, "cross"),
            else_="multi",
        )
        per = per.select("ckey", *by, furthest=per.furthest.cast("int64"), mix=mix)
        c = self._customers.select(cid=self.key, churned="churned")
        joined = per.left_join(c, per.ckey == c.cid)
        return joined.select("ckey", *by, "furthest", "mix", "churned")

    @cached_property
    def summary_expr(self):
        """Customers counted by (furthest stage order, mix, churned): at most stages × 3 × 3 rows."""
        j = self.journeys
        return j.group_by("furthest", "mix", "churned").aggregate(n=j.count())

    @cached_property
    def transitions_expr(self):
        """(from channel, to channel, count) over consecutive kept touchpoints."""
        o = self.ordered
        pairs = o.filter(o.next_chn.notnull())
        counts = pairs.group_by("chn", "next_chn").aggregate(n=pairs.count())
        src = self.channel_numbers.select(src="code", s_chn="chn")
        dst = self.channel_numbers.select(dst="code", d_chn="chn")
        named = counts.join(src, counts.chn == src.s_chn)
        named = named.join(dst, named.next_chn == dst.d_chn)
        return named.select("src", "dst", "n")

    @cached_property
    def nps_expr(self):
        """Responses, promoters and detractors per feedback stage (stage as recorded on the feedback)."""
        f = self.feedback
        r = f.filter(f.nps.notnull())
        return r.group_by("stage").aggregate(
            n=r.count(), promoters=r.count(where=r.nps >= 9), detractors=r.count(where=r.nps <= 6)
        )

    @cached_property
    def revenue_expr(self):
        return self.touchpoints.revenue.sum()

    # -- executed aggregates ---------------------------------------------------------------------

    @cached_property
    def summary_rows(self) -> list[dict]:
        return _rows(self.summary_expr)

    @cached_property
    def transition_rows(self) -> list[dict]:
        return _rows(self.transitions_expr)

    def prefetch(self) -> None:
        """Fill the customer-summary and transitions caches.

        On DuckDB both come from one query: the windowed relation is a common table expression that
        DuckDB streams to both aggregates, so the touchpoints are sorted once. PostgreSQL would
        materialise that CTE (slower than sorting twice), so there they are two queries.
        """
        if "summary_rows" in self.__dict__ and "transition_rows" in self.__dict__:
            return
        if self.db.dialect != "duckdb":
            self.summary_rows, self.transition_rows  # noqa: B018 - fills the caches
            return
        null_str = ibis.null().cast("string")
        s = self.summary_expr
        t = self.transitions_expr
        both = ibis.union(
            s.select(kind=ibis.literal("c"), furthest="furthest", mix="mix", churned="churned",
                     src=null_str, dst=null_str, n=s.n.cast("int64")),
            t.select(kind=ibis.literal("t"), furthest=ibis.null().cast("int64"), mix=null_str,
                     churned=ibis.null().cast("boolean"), src="src", dst="dst", n=t.n.cast("int64")),
            distinct=False,
        )
        rows = _rows(both)
        self.__dict__["summary_rows"] = [
            {k: r[k] for k in ("furthest", "mix", "churned", "n")} for r in rows if r["kind"] == "c"
        ]
        self.__dict__["transition_rows"] = [
            {k: r[k] for k in ("src", "dst", "n")} for r in rows if r["kind"] == "t"
        ]

    # -- metrics (JSON-ready) --------------------------------------------------------------------

    @property
    def conversion_stage(self) -> StageInfo | None:
        return next((s for s in self.stages if s.is_conversion), None)

    def customers(self) -> int:
        """Customers with at least one kept touchpoint."""
        return sum(r["n"] for r in self.summary_rows)

    def _reached(self, position: int) -> int:
        return sum(r["n"] for r in self.summary_rows if r["furthest"] >= position)

    def funnel(self) -> list[dict]:
        """``[{"stage", "customers"}]`` for every stage in order: customers whose furthest stage is at or beyond it."""
        return [{"stage": s.code, "customers": self._reached(s.position)} for s in self.stages]

    def conversion(self) -> dict:
        """Customers whose furthest stage is at or beyond the conversion stage, and their share of customers."""
        stage = self.conversion_stage
        reached = self._reached(stage.position) if stage else 0
        return {"stage": stage.code if stage else None, "customers": reached,
                "rate": stats.share(reached, self.customers())}

    def revenue(self) -> float:
        """Sum of the kept touchpoints' revenue (0.0 when there is none)."""
        if "revenue_value" not in self.__dict__:
            value = self.revenue_expr.to_pyarrow().as_py()
            self.__dict__["revenue_value"] = float(value) if value is not None else 0.0
        return self.__dict__["revenue_value"]

    @cached_property
    def nps_rows(self) -> list[dict]:
        """``nps_expr`` executed: responses (``n``), promoters, detractors per feedback stage."""
        return _rows(self.nps_expr)

    def nps_counts(self) -> dict:
        """Every kept response counted (stages outside the model too): ``{"n", "promoters", "detractors"}``."""
        return {k: sum(r[k] for r in self.nps_rows) for k in ("n", "promoters", "detractors")}

    def nps(self) -> dict:
        """Overall NPS with its 95 % interval, and the same per stage of the model."""
        rows = self.nps_rows
        total = self.nps_counts()

        def block(counts: dict | None) -> dict:
            n, p, d = (counts["n"], counts["promoters"], counts["detractors"]) if counts else (0, 0, 0)
            score, low, high = stats.nps_with_interval(p, d, n)
            return {"responses": n, "nps": score, "ci_low": low, "ci_high": high}

        by = {r["stage"]: r for r in rows}
        return {**block(total), "by_stage": [{"stage": s.code, **block(by.get(s.code))} for s in self.stages]}

    def churn(self) -> dict:
        """Churned share among customers whose churn status is known, overall and by furthest stage."""
        def rate(rows) -> float | None:
            known = sum(r["n"] for r in rows if r["churned"] is not None)
            churned = sum(r["n"] for r in rows if r["churned"] is True)
            return stats.share(churned, known)

        rows = self.summary_rows
        by_stage = []
        for s in self.stages:
            at = [r for r in rows if r["furthest"] == s.position]
            by_stage.append({"stage": s.code, "customers": sum(r["n"] for r in at), "churn_rate": rate(at)})
        return {"rate": rate(rows), "by_stage": by_stage}

    def channel_mix(self) -> dict:
        """Customers by channel mix: ``{"mono", "multi", "cross"}``."""
        return {m: sum(r["n"] for r in self.summary_rows if r["mix"] == m) for m in MIXES}

    def transitions(self) -> list[dict]:
        """``[{"from", "to", "count"}]``, by count descending, then from, then to."""
        rows = [{"from": r["src"], "to": r["dst"], "count": r["n"]} for r in self.transition_rows]
        rows.sort(key=lambda r: (-r["count"], r["from"], r["to"]))
        return rows


# -- one function per metric (each builds its own scope; use a Scope to share work) ---------------

def scope_for(db, filters: Filters | None, scope: Scope | None) -> Scope:
    """The given scope (shared by several metrics of one page), else a new one for ``filters``."""
    return scope if scope is not None else Scope(db, filters)


def customers(db, filters: Filters | None = None, *, scope: Scope | None = None) -> int:
    """Customers with at least one kept touchpoint, as a distinct count: the same number as the report's,
    without its ordered pass over the journeys (the sidebar and every page's empty check need only this)."""
    scope = scope_for(db, filters, scope)
    if "summary_rows" in scope.__dict__:
        return scope.customers()
    return scope.cached("customer_count", lambda: int(scope.touchpoints.ckey.nunique().to_pyarrow().as_py()))


def funnel(db, filters: Filters | None = None) -> list[dict]:
    return Scope(db, filters).funnel()


def conversion(db, filters: Filters | None = None) -> dict:
    return Scope(db, filters).conversion()


def revenue(db, filters: Filters | None = None) -> float:
    return Scope(db, filters).revenue()


def nps(db, filters: Filters | None = None) -> dict:
    return Scope(db, filters).nps()


def churn(db, filters: Filters | None = None) -> dict:
    return Scope(db, filters).churn()


def channel_mix(db, filters: Filters | None = None) -> dict:
    return Scope(db, filters).channel_mix()


def transitions(db, filters: Filters | None = None) -> list[dict]:
    return Scope(db, filters).transitions()
