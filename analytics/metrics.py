"""The journey metrics, as Ibis expressions executed by the database.

Only small aggregates come back to Python (a few rows per stage, channel pair or channel-mix
class); every per-row and per-customer step runs in DuckDB or PostgreSQL.

Definitions (shared by the report, the dashboard pages and the exports):

* *Kept touchpoints* are the cohort's, seen through the lenses (``analytics.filters``), with a stage of the model.
  *Customers* are those with at least one kept touchpoint. A customer's kept touchpoints are
  ordered by timestamp, then stage order (``stages.position``), then input order
  (``touchpoints.id``); "consecutive" means adjacent in that order.
* A customer's *furthest stage* is the highest stage order among their kept touchpoints. The
  funnel counts, for each stage, the customers whose furthest stage is at or beyond it (*reached*) and
  those with a kept touchpoint there (*observed*); a stage nobody is observed at has no rate (the
  closed funnel and the weakest step: ``analytics.funnel``, ``analytics.overview``).
* *Operational* channels (``channels.operational``: a carrier, a survey e-mail) are not journey
  channels: their touchpoints count for stages, funnel and revenue, but the channel mix and the
  transitions read only the *journey touchpoints* (those on the other channels), in journey order.
* Channel mix: *mono* = one distinct journey channel; *cross* = the journey touchpoints that first
  reach a new furthest stage (among journey touchpoints) are on at least two channels; else *multi*;
  a customer with no journey touchpoint is in no class (``no_journey_channel``).
* Transitions: the directly-follows graph of channels over consecutive journey touchpoints
  (operational touchpoints are taken out of the sequence: web, carrier, web is one web → web).
* A response is a kept feedback row with an NPS score; NPS counts every kept response, whether or
  not its customer has kept touchpoints.

Two passes over the touchpoints serve every metric of a scope. ``Scope.facts``, one grouped pass, gives
each customer's first and last timestamp per stage, and from them the window's end, the first reach of each
stage within it (the Kaplan–Meier clocks), the observed stages, the closed funnel's chain and the time to the
next stage. ``Scope.ordered``, one window over the windowed touchpoints in journey order, gives the channel
mix and the transitions, reduced to counts per (furthest stage, mix, churn status) that funnel, churn and
channel mix read. ``Scope`` builds the expressions once for one set of filters and caches what it has
executed, so a page that shows several metrics (or ``report``) pays for each query once.

When the per-customer facts stored after the last change of the data are current and no lens or ``as_of`` changes
the rows (``Scope.stored``, ``analytics.facts``), ``facts`` reads them instead of its grouped pass, the channel mix
comes from their clocks and ``ordered`` keeps only what the transitions need: the same numbers, one sort fewer.
"""

import uuid
import weakref
from dataclasses import dataclass
from datetime import datetime, time
from functools import cached_property

import ibis
from ibis.expr import operations as ops

import data_model as dm
from analytics import stats
from analytics.filters import Filters, apply_filters, cohort_keys, cohort_keys_from_facts, customer_key
from analytics.settings import AnalysisSettings, analysis_settings
from analytics.survival import survival_table
from data_model.compiled import TEMPORARY_PREFIX

__all__ = [
    "MIXES", "NoStageModel", "Scope", "StageInfo", "channel_mix", "churn", "conversion", "customers", "funnel",
    "least_of", "nps", "revenue", "scope_for", "stable_view", "stage_infos", "transitions",
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


def stable_view(table, n: int = 0):
    """``table.view()`` with a fixed identifier: ``view()`` numbers each call anew, so two scopes of the same shape
    would build different expressions, and each would be compiled (``data_model.compiled``). ``n`` tells apart two
    views of one table within one expression (a self-join)."""
    if isinstance(table.op(), ops.SelfReference):
        return table
    return ops.SelfReference(table.op(), identifier=n).to_expr()


def least_of(values: list):
    """The smallest non-null of one or more Ibis values (NULL when all are)."""
    return values[0] if len(values) == 1 else ibis.least(*values)


def carried_facts(m: int) -> list[str]:
    """The stored facts' columns (``analytics.facts``) a scope's facts carry as they are, for ``m`` stages: the time to
    the next stage's events and the channel mix's clocks."""
    return [*(f"e{i}" for i in range(m - 1)), "jt0", "t_multi", "t_cross"]


def window_fact_columns(m: int, carried: list[str]) -> list[str]:
    """The columns of ``Scope.facts`` (``window_columns``'s), for ``m`` stages and the ``carried`` columns."""
    return ["ckey", "t0", "bound", *(f"f{i}" for i in range(m)), *(f"l{i}" for i in range(m)), *carried,
            *(f"w{i}" for i in range(m)), *(f"r{i}" for i in range(m)), "entry", "furthest"]


def window_columns(per, stages, window: int | None, post_window: int, carried: list[str]):
    """``per`` — one row per customer: ``ckey``, the first and last timestamps ``f<i>`` / ``l<i>`` at each stage of
    ``stages`` and the ``carried`` columns — with its window read from them (``Scope.facts``' columns): ``t0``,
    ``bound`` (``window`` days from ``t0``, or ``post_window`` days from the conversion within it; NULL when
    ``window`` is None), ``w<i>``, ``r<i>``, ``entry``, ``furthest``. Shared by ``Scope.facts`` and the stored facts
    (``analytics.facts``), which keep these columns for the database's own window."""
    m = len(stages)
    none = ibis.null().cast(per.f0.type().copy(nullable=True))
    ci = next((i for i, s in enumerate(stages) if s.is_conversion), m)
    per = stable_view(per.mutate(t0=least_of([per[f"f{i}"] for i in range(m)]),
                                 tc=least_of([per[f"f{i}"] for i in range(ci, m)]) if ci < m else none,
                                 **{f"g{i}": least_of([per[f"f{j}"] for j in range(i, m)]) for i in range(m)}))
    # each step below names the previous one's columns (``view``: Ibis would otherwise inline the expressions into
    # one another, and the SQL of a query reading this table would grow with the square of the stages;
    # ``stable_view``)
    if window is None:
        bound = none
    else:
        bound = per.t0 + ibis.interval(days=window + 1)
        if ci < m:
            bound = ibis.ifelse(per.tc.notnull() & (per.tc < bound), per.tc + ibis.interval(days=post_window + 1),
                                bound)
    per = stable_view(per.mutate(bound=bound))

    def cut(value):  # a timestamp, if within the window
        return value if window is None else ibis.ifelse(value < per.bound, value, none)

    per = stable_view(per.select("ckey", "t0", "bound", *(f"f{i}" for i in range(m)), *(f"l{i}" for i in range(m)),
                                 *carried, **{f"w{i}": cut(per[f"f{i}"]) for i in range(m)},
                                 **{f"r{i}": cut(per[f"g{i}"]) for i in range(m)}))
    return per.mutate(
        entry=ibis.cases(*[(per[f"w{i}"].notnull(), s.position) for i, s in enumerate(stages)]).cast("int64"),
        furthest=ibis.cases(*[(per[f"w{i}"].notnull(), s.position)
                              for i, s in reversed(list(enumerate(stages)))]).cast("int64"))


def nps_sums(r, key: str, *by: str):
    """Per group ``by`` of the NPS responses ``r`` (one row when ``by`` is empty): responses ``n``, ``promoters``,
    ``detractors``, distinct respondents ``customers``, and the per-customer sums ``stats.nps_with_interval``
    clusters on: ``s_sq`` = ΣSᵢ², ``s_n`` = ΣSᵢnᵢ, ``n_sq`` = Σnᵢ² (Sᵢ: customer i's promoters − detractors, nᵢ:
    their answers)."""
    per = r.group_by(*by, key).aggregate(k=r.count(), p=r.count(where=r.nps >= 9), d=r.count(where=r.nps <= 6))
    s = (per.p - per.d).cast("float64")
    k = per.k.cast("float64")
    out = (per.group_by(*by) if by else per).aggregate(
        n=per.k.sum(), promoters=per.p.sum(), detractors=per.d.sum(), customers=per.count(),
        s_sq=(s * s).sum(), s_n=(s * k).sum(), n_sq=(k * k).sum())
    return out.select(*by, n=out.n.cast("int64"), promoters=out.promoters.cast("int64"),
                      detractors=out.detractors.cast("int64"), customers=out.customers.cast("int64"),
                      s_sq=out.s_sq.cast("float64"), s_n=out.s_n.cast("float64"), n_sq=out.n_sq.cast("float64"))


def nps_clusters(row: dict | None) -> tuple | None:
    """The ``clusters`` argument of ``stats.nps_with_interval`` from a ``nps_sums`` row (``None`` without its
    sums: every response its own customer)."""
    if not row or row.get("s_sq") is None:
        return None
    return row["customers"], row["s_sq"], row["s_n"], row["n_sq"]


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
        # The per-customer facts (``facts``) are kept on DuckDB, filtered or not: several queries read them (and a
        # query naming a table compiles much faster than one that repeats the facts' aggregate).
        self.keep_facts = db.dialect == "duckdb" if materialize is None else materialize
        # The cohort's keys are kept on DuckDB even when nothing else is: a small table, judged once instead of in
        # every query, and the queries that read it by name are the same for every cohort of that shape (their SQL
        # compiled once: ``data_model.compiled``), where the cohort's literals would make each one new.
        self.keep_cohort = db.dialect == "duckdb"
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
    def _staged(self):
        """The cohort's touchpoints seen through the lenses, with a stage of the model and its order (``position``)."""
        tp = apply_filters(self._touchpoints, self.filters, self._customers, keys=self.cohort)
        st = self._stages.select(stage_code="code", position="position")
        return tp.join(st, tp.stage == st.stage_code)

    @cached_property
    def touchpoints_unwindowed(self):
        """The cohort's touchpoints seen through the lenses, before each customer's window cuts them (an expression:
        the windows' ends are computed from it)."""
        joined = self._staged
        joined = joined.join(self.channel_numbers, joined.channel == self.channel_numbers.code)
        return joined.select("id", "customer_id", "timestamp", "channel", "stage", "position", "revenue",
                             ckey=joined[self.key], chn=joined.chn, is_op=joined.is_op,
                             source=self._source(joined))

    def _source(self, table):
        """The touchpoints' source system (schema 0007), or NULL in a warehouse whose ``touchpoints`` has no
        ``source`` column (as for a database that never named one)."""
        if "source" in self._touchpoints.columns:
            return table.source.cast("string")
        return ibis.null().cast("string")

    @cached_property
    def touchpoints(self):
        """Kept touchpoints: the cohort's, through the lenses, within each customer's window (``window``), with their
        stage order (``position``), the customer key (``ckey``, see ``key``), a channel number (``chn``: the
        channel's rank among the channel codes), the channel's flag ``is_op`` (operational: not a journey
        channel) and the ``source`` system (NULL: unknown). Of the channel's attributes only that flag rides along:
        each column carried through the journey window's sort costs (``is_phys`` would add ~8 % at 1M touchpoints);
        the channel's kind is a join with ``channel_numbers`` where a metric needs it. ``source`` does not go through
        that sort either: ``ordered`` picks its columns."""
        kept = self.touchpoints_unwindowed
        if self.window is not None:
            ends = self.window_ends
            cut = kept.join(ends, kept.ckey == ends.wkey)
            kept = cut.filter(cut.timestamp < cut.bound).select(*kept.columns)
        return self._kept(kept, "touchpoints") if self.materialize else kept

    # -- time: as_of and windows (issue 15, "Time is followed, not cut") ------------------------------------------

    @cached_property
    def settings(self) -> AnalysisSettings:
        """The database's analysis settings (``analytics.settings``): windows, the share observed for ranking."""
        return analysis_settings(self.db)

    @cached_property
    def window(self) -> int | None:
        """Days a customer is followed from their first touchpoint for the stages up to the conversion stage
        (``Filters.window``, else the database's setting); ``None``: no windows (``all``)."""
        chosen = self.filters.window
        if chosen == "all":
            return None
        return chosen if chosen is not None else self.settings.window_days

    @property
    def post_window(self) -> int:
        """Days a converted customer is followed from the conversion for the later stages."""
        return self.settings.post_window_days

    @property
    def churn_window(self) -> int:
        return self.settings.churn_window_days

    @cached_property
    def measure_choice(self):
        """The satisfaction measure the views read (``analytics.measures``): asked for, else the setting, else the
        data's; with the measure asked for that the data does not hold (``absent``)."""
        from analytics.measures import choose_measure, measure_respondents

        counts = self.cached("_measure_respondents", lambda: measure_respondents(self.db))
        return choose_measure(self.filters.measure, self.settings.measure, counts["nps"], counts["csat"])

    @property
    def measure(self) -> str:
        """``nps`` or ``csat`` (``measure_choice``)."""
        return self.measure_choice.measure

    @cached_property
    def as_of(self) -> datetime | None:
        """The moment the data stands at: its last touchpoint, or with ``Filters.as_of`` the end of that day when the
        data goes beyond it. ``None`` without touchpoints."""
        from analytics.dimensions import last_timestamp

        last = last_timestamp(self.db)
        if last is None or self.filters.as_of is None:
            return last
        return min(last, datetime.combine(self.filters.as_of, time.max))

    @cached_property
    def facts(self):
        """One row per customer with a kept touchpoint, from one grouped pass over the touchpoints (through the lenses,
        before any window):

        * per stage i of the model ``f<i>`` / ``l<i>``: the first and the last kept touchpoint's timestamp at that
          stage (NULL: none there);
        * ``t0``: the first kept touchpoint; ``bound``: the exclusive end of the customer's window — the first
          touchpoint + ``window`` + 1 days (days counted whole, as ``analytics.survival``: day ``window`` is the last
          one in), or for a customer who converted within it (first touchpoint at or beyond the conversion stage),
          the conversion + ``post_window`` + 1 days; NULL without windows;
        * within the window (a window is a prefix of the journey in time, so this follows from the timestamps above):
          ``w<i>``, the first touchpoint at stage i (*observed*), ``r<i>``, the first at or beyond it (when the
          customer *reached* it), ``entry`` and ``furthest``, the lowest and the highest stage order observed.

        The windows, the reach clocks, the observed stages, the closed funnel and the time to the next stage all read
        this table. A CASE inside ``min``/``max`` (about twice as fast on DuckDB as filtered aggregates) for the only
        aggregates, ``f`` and ``l``; the other columns are derived from them row by row (``window_columns``). On
        DuckDB a temporary table (a million rows at 1M customers, read by several queries). From the stored facts
        (``stored``) of the database's own windows every column is read as it is: a temporary table for a cohort's
        rows only, none unfiltered."""
        stages, m = self.stages, len(self.stages)
        stored = self.stored
        if stored is not None:  # written after the last change of the data (``analytics.facts``)
            if self.cohort is not None:
                keys = self.cohort
                column = keys.columns[0]  # the cohort's key: ``ckey``'s column, or ``customer_id`` (PostgreSQL)
                stored = stored.filter((stored.ckey if column == self.key else stored.customer_id).isin(keys[column]))
            carried = [c for c in carried_facts(m) if c in stored.columns]
            if self.window == self.settings.window_days:
                # the stored window columns are this window's (the stored stamp holds the settings they were read
                # with): nothing to derive, and unfiltered nothing to copy either
                per = stored.select(*window_fact_columns(m, carried))
                return self._kept(per, "facts") if self.keep_facts and self.cohort is not None else per
            per = stable_view(stored.select("ckey", *(f"f{i}" for i in range(m)), *(f"l{i}" for i in range(m)),
                                            *carried))
        else:
            t = self._staged  # touchpoints_unwindowed's rows, without its channel columns
            t = t.select(ckey=t[self.key], position=t.position, timestamp=t.timestamp)
            none = ibis.null().cast(t.timestamp.type().copy(nullable=True))
            per = stable_view(t.group_by("ckey").aggregate(
                **{f"f{i}": ibis.ifelse(t.position == s.position, t.timestamp, none).min()
                   for i, s in enumerate(stages)},
                **{f"l{i}": ibis.ifelse(t.position == s.position, t.timestamp, none).max()
                   for i, s in enumerate(stages)},
            ))
            carried = []
        per = window_columns(per, stages, self.window, self.post_window, carried)
        return self._kept(per, "facts") if self.keep_facts else per

    @cached_property
    def stored(self):
        """The per-customer facts written after the last change of the data (``analytics.facts``: an Ibis table), when
        this scope can read them — no lens and no ``as_of``, which change the rows every fact is taken over — else
        ``None`` (the facts are then computed from the touchpoints)."""
        f = self.filters
        if f.channel_lens or f.period_lens or f.as_of is not None:
            return None
        from analytics.facts import current

        return current(self.db, self.key, self.stages)

    @cached_property
    def clocks(self):
        """One row per customer: ``facts``' ``ckey``, ``t0``, ``bound``, ``w<i>``, ``r<i>``, ``entry``, ``furthest``,
        with the customer's ``churned`` and ``churn_date`` (as a timestamp)."""
        f = self.facts
        m = len(self.stages)
        per = f.select("ckey", "t0", "bound", *(f"w{i}" for i in range(m)), *(f"r{i}" for i in range(m)),
                       "entry", "furthest")
        columns = self._customers.columns
        churn_date = (self._customers.churn_date.cast("timestamp") if "churn_date" in columns
                      else ibis.null().cast("timestamp"))
        c = self._customers.select(cid=self.key, churned="churned", churn_date=churn_date)
        joined = per.left_join(c, per.ckey == c.cid)
        return joined.drop("cid")

    @cached_property
    def window_ends(self):
        """``wkey, bound`` per customer (``facts``): the exclusive end of the customer's window."""
        f = self.facts
        return f.select(wkey="ckey", bound="bound")

    @cached_property
    def cohort(self):
        """The cohort's customer keys (``analytics.filters.cohort_keys``), judged once for the touchpoints and the
        feedback (a temporary table on DuckDB: ``keep_cohort``), or ``None``: every customer."""
        key = customer_key(self._touchpoints, self._customers)
        bits = self._channel_bits() if self.stored is not None and self.filters.by_journey else None
        if bits is not None:  # judged on the stored facts: no pass over the touchpoints
            column = "ckey" if key == self.key else "customer_id"
            keys = cohort_keys_from_facts(self.filters, self._customers, self.stored, key, column, bits)
        else:
            keys = cohort_keys(self.filters, self._customers, self._touchpoints, self._stages, key)
        if keys is not None and self.keep_cohort:
            keys = self._kept(keys, "cohort")
        return keys

    def _channel_bits(self) -> dict[str, int] | None:
        """Channel code → its bit in the stored facts' ``channels_used`` (``analytics.facts``), or ``None`` when the
        channels are too many for the bit set."""
        from analytics.facts import MAX_CHANNEL_BITS, channel_bits

        def compute():
            rows = _rows(channel_bits(self.db.ibis))
            return {r["code"]: r["bit"] for r in rows} if len(rows) <= MAX_CHANNEL_BITS else None

        return self.cached("_channel_bits", compute)

    @cached_property
    def channel_numbers(self):
        """``code`` → ``chn`` (0, 1, … in code order) for every channel of the touchpoints and feedback
        tables: the journey windows carry this small integer rather than the channel's text (a third of
        their time at 10M rows). Read from the tables themselves (30 ms at 10M rows), not from
        ``channels``, which need not list every channel.

        Each code also carries the ``channels`` table's flags (the kept touchpoints take ``is_op`` from
        here, so the journey window needs no other join): ``is_op`` (operational, not a journey channel;
        false for a channel missing from ``channels`` and in a warehouse whose ``channels`` has no
        ``operational`` column) and ``is_phys`` (kind ``physical``; a missing channel counts as digital)."""
        fb = self._feedback
        ch = ibis.union(self._touchpoints.select(code=self._touchpoints.channel.cast("string")),
                        fb.filter(fb.channel.notnull()).select(code=fb.channel.cast("string")), distinct=True)
        table = self.db.ibis.table("channels")
        flags = table.select(
            flag_code=table.code.cast("string"),
            flag_op=(table.operational.cast("boolean") if "operational" in table.columns
                     else ibis.literal(False)),
            flag_phys=table.kind == "physical",
        )
        numbered = ch.select("code", chn=ibis.row_number().over(order_by=ch.code).cast("int16"))
        joined = numbered.left_join(flags, numbered.code == flags.flag_code)
        return joined.select("code", "chn", is_op=joined.flag_op.fill_null(False),
                             is_phys=joined.flag_phys.fill_null(False))

    @cached_property
    def any_operational(self) -> bool:
        """Whether some channel is marked operational (one small query on ``channels``)."""
        table = self.db.ibis.table("channels")
        if "operational" not in table.columns:
            return False
        return bool(table.filter(table.operational.cast("boolean")).count().to_pyarrow().as_py())

    def journey_partition(self, t) -> list:
        """The journey window's partition of ``t``: (customer, ``is_op``) when a channel is operational, so that a
        journey touchpoint's neighbours are journey touchpoints; the customer alone otherwise (the common case:
        the flag's partition costs ~10 % of the window's time at 10M touchpoints)."""
        return [t.ckey, t.is_op] if self.any_operational else [t.ckey]

    def channel_codes(self) -> dict[int, str]:
        """``chn`` → channel code (the inverse of ``channel_numbers``), for the few rows that come back."""
        return self.cached("_channel_codes", lambda: {r["chn"]: r["code"] for r in self._channel_rows()})

    def operational_channels(self) -> frozenset[str]:
        """The codes of the operational channels (not journey channels) among the data's channels."""
        return frozenset(r["code"] for r in self._channel_rows() if r["is_op"])

    def _channel_rows(self) -> list[dict]:
        return self.cached("_channel_number_rows", lambda: _rows(self.channel_numbers))

    @cached_property
    def feedback(self):
        """Kept feedback rows (all of them, with or without an NPS score)."""
        kept = apply_filters(self._feedback, self.filters, self._customers, keys=self.cohort)
        if self.window is not None:  # a response counts within its customer's window (none: no journey to cut)
            ends = self.window_ends
            cut = kept.left_join(ends, kept[self.key] == ends.wkey)
            kept = cut.filter(cut.bound.isnull() | (cut.timestamp < cut.bound)).select(*kept.columns)
        return self._kept(kept, "feedback") if self.materialize else kept

    def _kept(self, expr, what: str):
        """``expr`` written to a temporary table, dropped when the scope goes (Ibis' own ``cache()``
        emits a nameless DROP on DuckDB 2.0)."""
        con = self.db.ibis
        # a random name (scopes alive together each have theirs); their queries' SQL is kept all the same
        # (``data_model.compiled``: a temporary table stands in the key under a stand-in name)
        name = f"{TEMPORARY_PREFIX}{what}_{uuid.uuid4().hex[:12]}"
        table = con.create_table(name, expr, temp=True)
        weakref.finalize(self, _drop_quietly, con, name)
        return table

    SHARED = ("summary_rows", "transition_rows", "nps_all_rows", "revenue_value")
    """The executed results several metrics share, which a combined query may give in one pass (``provide``)."""

    def has(self, result: str) -> bool:
        """Whether the shared result ``result`` (``SHARED``) is computed already: a metric then reads it rather than
        run a query of its own."""
        return result in self.__dict__

    def provide(self, result: str, value) -> None:
        """Give the shared result ``result`` (``SHARED``), computed by a query that also gave something else (one
        pass over the journeys for two results)."""
        if result not in self.SHARED:
            raise KeyError(f"{result} is not a shared result of Scope")
        self.__dict__[result] = value

    def cached(self, key: str, compute):
        """``compute()`` once per scope: a small executed result that several metrics share."""
        if key not in self.__dict__:
            self.__dict__[key] = compute()
        return self.__dict__[key]

    @cached_property
    def furthest(self):
        """One row per customer: ``ckey`` and ``furthest``, the highest stage order among their kept touchpoints —
        a plain maximum, no journey order (the funnel, the irritants and the journey map share it)."""
        f = self.facts
        return f.select("ckey", "furthest")

    @cached_property
    def ordered(self):
        """Kept touchpoints (``ckey``, ``chn``, ``position``, ``is_op``) with, in journey order, the highest
        earlier stage order (``prev_max``, NULL on a customer's first touchpoint) and the next
        touchpoint's channel number (``next_chn``) — both among the touchpoints of the same ``is_op``: for a
        journey touchpoint, among the journey touchpoints only (operational ones are out of the sequence).
        One sort: the window's partition is (customer, is_op) instead of the customer."""
        t = self.touchpoints
        order = [t.timestamp, t.position, t.id]
        part = self.journey_partition(t)
        w = ibis.window(group_by=part, order_by=order)
        before = ibis.window(group_by=part, order_by=order, rows=(None, -1))
        # with the stored facts the mix is read from them: the sort then carries only what the transitions need
        prev_max = ibis.null().cast("int64") if self.stored is not None else t.position.max().over(before)
        return t.select("ckey", "chn", "position", "is_op", prev_max=prev_max, next_chn=t.chn.lead().over(w))

    @cached_property
    def journeys(self):
        """One row per customer: ``ckey`` (see ``key``), ``furthest`` (stage order), ``mix``, ``churned`` and
        ``multi_stage`` (kept touchpoints at two or more distinct stages). From the stored facts when the scope reads
        them (``stored``: the mix's clocks against the window's end), else from ``ordered``."""
        if self.stored is None:
            return self.per_customer(self.ordered)
        f = self.facts

        def within(value):  # a timestamp, and within the customer's window
            return value.notnull() if self.window is None else (value.notnull() & (value < f.bound))

        mix = ibis.cases((~within(f.jt0), "none"), (~within(f.t_multi), "mono"), (within(f.t_cross), "cross"),
                         else_="multi")
        per = f.select("ckey", furthest=f.furthest, mix=mix, multi_stage=f.entry != f.furthest)
        c = self._customers.select(cid=self.key, churned="churned")
        joined = per.left_join(c, per.ckey == c.cid)
        return joined.select("ckey", "furthest", "mix", "churned", "multi_stage")

    def per_customer(self, o, by: tuple[str, ...] = ()):
        """One row per customer (and value of the ``by`` columns) of ``o``, an ordered relation with
        ``ckey, chn, position, is_op, prev_max`` like ``ordered`` (``prev_max`` among touchpoints of the same
        ``is_op``): ``ckey, *by, furthest, mix, churned, multi_stage``.

        ``furthest`` and ``multi_stage`` read every kept touchpoint; ``mix`` only the journey ones
        (``is_op`` false): ``none`` for a customer without any."""
        journey = ~o.is_op
        advances = journey & (o.prev_max.isnull() | (o.position > o.prev_max))
        per = o.group_by("ckey", *by).aggregate(
            furthest=o.position.max(),
            first_stage=o.position.min(),
            ch_min=o.chn.min(where=journey),
            ch_max=o.chn.max(where=journey),
            adv_min=o.chn.min(where=advances),
            adv_max=o.chn.max(where=advances),
        )
        mix = ibis.cases(
            (per.ch_min.isnull(), "none"),
            (per.ch_min == per.ch_max, "mono"),
            (per.adv_min != per.adv_max, "cross"),
            else_="multi",
        )
        per = per.select("ckey", *by, furthest=per.furthest.cast("int64"), mix=mix,
                         multi_stage=per.first_stage != per.furthest)
        c = self._customers.select(cid=self.key, churned="churned")
        joined = per.left_join(c, per.ckey == c.cid)
        return joined.select("ckey", *by, "furthest", "mix", "churned", "multi_stage")

    @cached_property
    def survival_expr(self):
        """Survival tables (``analytics.survival``) in one query: ``series, time, events, censored`` — series
        ``s<i>`` for stage i (pre-conversion stages from the first touchpoint within ``window``; later stages from the
        conversion within ``post_window``, among the customers who converted within ``window``; no window: every
        stage from the first touchpoint, read at ``as_of``), ``churn`` (with windows: churned within ``churn_window``
        of the conversion, by the churn date) and ``undated`` (``events``: churned customers without a churn
        date)."""
        f, p, as_of, stages = self.facts, self.clocks, self.as_of, self.stages  # clocks: with the churn columns
        conversion = self.conversion_stage
        ci = stages.index(conversion) if conversion is not None else len(stages)
        pre = [i for i in range(len(stages)) if self.window is None or i <= ci]
        post = [i for i in range(len(stages)) if i not in pre]
        parts = [survival_table(ibis.union(*[f.select(series=ibis.literal(f"s{i}"), start="t0", event=f"r{i}")
                                             for i in pre], distinct=False),
                                as_of=as_of, window_days=self.window, by=("series",))]
        if self.window is not None and conversion is not None:
            if post:
                converted = f.filter(f[f"r{ci}"].notnull())
                parts.append(survival_table(
                    ibis.union(*[converted.select(series=ibis.literal(f"s{i}"), start=f"r{ci}", event=f"r{i}")
                                 for i in post], distinct=False),
                    as_of=as_of, window_days=self.post_window, by=("series",)))
            converted = p.filter(p[f"r{ci}"].notnull())
            parts.append(survival_table(converted.select(series=ibis.literal("churn"), start=f"r{ci}",
                                                         event="churn_date"),
                                        as_of=as_of, window_days=self.churn_window, by=("series",)))
            undated = p.aggregate(events=p.count(where=(p.churned == True) & p.churn_date.isnull()))  # noqa: E712
            parts.append(undated.select(series=ibis.literal("undated"), time=ibis.literal(0, type="int64"),
                                        events=undated.events.cast("int64"),
                                        censored=ibis.literal(0, type="int64")))
            if "churn_date" in self._customers.columns:  # whether the data has churn dates at all
                c = self._customers
                dated = c.aggregate(events=c.count(where=c.churn_date.notnull()))
                parts.append(dated.select(series=ibis.literal("dated"), time=ibis.literal(0, type="int64"),
                                          events=dated.events.cast("int64"), censored=ibis.literal(0, type="int64")))
        return ibis.union(*parts, distinct=False)

    @cached_property
    def survival_rows(self) -> dict[str, list[tuple[int, int, int]]]:
        """``survival_expr`` executed: ``{series: [(time, events, censored), …]}`` (empty without data)."""
        if self.as_of is None:
            return {}
        out: dict[str, list[tuple[int, int, int]]] = {}
        for r in _rows(self.survival_expr):
            out.setdefault(r["series"], []).append((int(r["time"]), int(r["events"]), int(r["censored"])))
        return out

    def reach_estimates(self) -> list[dict]:
        """Per stage, the share of the cohort who reached it (``stats.km_reach``'s fields: ``rate``, ``variance``,
        ``ci_low``, ``ci_high``, ``n``, ``events``, ``at_risk``, ``in_progress``, ``shown``).

        Stages up to the conversion stage: 1 − Kaplan–Meier at ``window`` days from the first touchpoint. Later
        stages: the conversion's estimate × the stage's among the converted at ``post_window`` days from the
        conversion (``stats.reach_product``: delta-method interval); ``in_progress`` adds the two, ``shown`` needs
        both. No window: the plain share at ``as_of`` with its Wilson interval, every stage."""
        def compute():
            rows, stages = self.survival_rows, self.stages
            conversion = self.conversion_stage
            ci = stages.index(conversion) if conversion is not None else len(stages)
            out = []
            for i in range(len(stages)):
                if self.window is None or i <= ci:
                    out.append(stats.km_reach(rows.get(f"s{i}", []), self.window))
                    continue
                first, second = out[ci], stats.km_reach(rows.get(f"s{i}", []), self.post_window)
                both = stats.reach_product(first, second)
                out.append({**both, "n": first["n"], "events": second["events"],
                            "at_risk": min(first["at_risk"], second["at_risk"]),
                            "in_progress": first["in_progress"] + second["in_progress"],
                            "shown": first["shown"] and second["shown"],
                            "method": "product"})
            return out

        return self.cached("_reach_estimates", compute)

    @cached_property
    def summary_expr(self):
        """Customers counted by (furthest stage order, mix, churned): at most stages × 3 × 3 rows."""
        j = self.journeys
        return j.group_by("furthest", "mix", "churned").aggregate(n=j.count())

    @cached_property
    def transitions_expr(self):
        """(from channel, to channel, count) over consecutive kept journey touchpoints (operational ones are
        out of the sequence: ``next_chn`` of a journey touchpoint is the next journey touchpoint's)."""
        o = self.ordered
        pairs = o.filter(~o.is_op & o.next_chn.notnull())
        counts = pairs.group_by("chn", "next_chn").aggregate(n=pairs.count())
        src = self.channel_numbers.select(src="code", s_chn="chn")
        dst = self.channel_numbers.select(dst="code", d_chn="chn")
        named = counts.join(src, counts.chn == src.s_chn)
        named = named.join(dst, named.next_chn == dst.d_chn)
        return named.select("src", "dst", "n")

    @cached_property
    def nps_expr(self):
        """``nps_sums`` per feedback stage (stage as recorded on the feedback; ``overall`` False) and over every kept
        response (``overall`` True, ``stage`` NULL: a customer is one cluster across stages)."""
        f = self.feedback
        r = f.filter(f.nps.notnull())
        by_stage = nps_sums(r, self.key, "stage")
        by_stage = by_stage.mutate(stage=by_stage.stage.cast("string"), overall=ibis.literal(False))  # nullable
        every = nps_sums(r, self.key).mutate(stage=ibis.null().cast("string"), overall=ibis.literal(True))
        return ibis.union(by_stage, every.select(*by_stage.columns), distinct=False)

    @cached_property
    def csat_expr(self):
        """CSAT answers (1–5) per feedback stage and overall (``stage`` NULL): ``responses``, ``customers`` (distinct
        respondents), ``satisfied`` (4–5), ``dissatisfied`` (1–2) and the per-customer sums ``stats.clustered_mean``
        reads (``total``, ``sum_sq``, ``sum_cross``, ``sum_n_sq``). A customer is one cluster per stage, and one
        overall."""
        f = self.feedback
        r = f.filter(f.csat.notnull())
        r = r.select("stage", cid=r[self.key], score=r.csat.cast("float64"))

        def level(*by):
            per = r.group_by(*by, "cid").aggregate(n=r.count().cast("float64"), s=r.score.sum(),
                                                   sat=r.count(where=r.score >= 4), dis=r.count(where=r.score <= 2))
            out = (per.group_by(*by) if by else per).aggregate(
                responses=per.n.sum(), customers=per.count(), satisfied=per.sat.sum(), dissatisfied=per.dis.sum(),
                total=per.s.sum(), sum_sq=(per.s * per.s).sum(), sum_cross=(per.s * per.n).sum(),
                sum_n_sq=(per.n * per.n).sum())
            return out.select(stage=out.stage.cast("string") if by else ibis.null().cast("string"),  # nullable
                              responses=out.responses.cast("int64"), customers=out.customers.cast("int64"),
                              satisfied=out.satisfied.cast("int64"), dissatisfied=out.dissatisfied.cast("int64"),
                              total=out.total.cast("float64"), sum_sq=out.sum_sq.cast("float64"),
                              sum_cross=out.sum_cross.cast("float64"), sum_n_sq=out.sum_n_sq.cast("float64"))

        return ibis.union(level("stage"), level(), distinct=False)

    @cached_property
    def observed_expr(self):
        """Customers with a kept touchpoint at each stage: one row, ``n<i>`` per stage i (``facts``)."""
        c = self.facts
        return c.aggregate(**{f"n{i}": c.count(where=c[f"w{i}"].notnull()) for i in range(len(self.stages))})

    @cached_property
    def revenue_expr(self):
        if self.materialize:  # the kept touchpoints are a table already
            return self.touchpoints.revenue.sum()
        t = self.touchpoints_unwindowed
        t = t.filter(t.revenue.notnull())  # the few touchpoints with an amount, before the windows' join
        if self.window is not None:
            ends = self.window_ends
            t = t.join(ends, t.ckey == ends.wkey)
            t = t.filter(t.timestamp < t.bound)
        return t.revenue.sum()

    # -- executed aggregates ---------------------------------------------------------------------

    @cached_property
    def summary_rows(self) -> list[dict]:
        return _rows(self.summary_expr)

    @cached_property
    def transition_rows(self) -> list[dict]:
        return _rows(self.transitions_expr)

    @cached_property
    def observed_rows(self) -> list[int]:
        """``observed_expr`` executed: customers observed at each stage, in stage order."""
        row = _rows(self.observed_expr)[0]
        return [int(row[f"n{i}"] or 0) for i in range(len(self.stages))]

    def prefetch(self) -> None:
        """Fill the customer-summary and transitions caches.

        On DuckDB both come from one query: the windowed relation is a common table expression that
        DuckDB streams to both aggregates, so the touchpoints are sorted once. PostgreSQL would
        materialise that CTE (slower than sorting twice), so there they are two queries.
        """
        if self.has("summary_rows") and self.has("transition_rows"):
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
        self.provide("summary_rows", [
            {k: r[k] for k in ("furthest", "mix", "churned", "n")} for r in rows if r["kind"] == "c"
        ])
        self.provide("transition_rows", [
            {k: r[k] for k in ("src", "dst", "n")} for r in rows if r["kind"] == "t"
        ])

    # -- metrics (JSON-ready) --------------------------------------------------------------------

    @property
    def conversion_stage(self) -> StageInfo | None:
        return next((s for s in self.stages if s.is_conversion), None)

    def customers(self) -> int:
        """Customers with at least one kept touchpoint."""
        return sum(r["n"] for r in self.summary_rows)

    def _reached(self, position: int) -> int:
        return sum(r["n"] for r in self.summary_rows if r["furthest"] >= position)

    def observed(self) -> list[int]:
        """Customers with a kept touchpoint at each stage, in stage order (0: the stage is not observed)."""
        return list(self.observed_rows)

    def funnel(self) -> list[dict]:
        """``[{"stage", "customers", "observed_customers", "rate", "ci_low", "ci_high", "in_progress"}]`` for every
        stage in order: ``customers`` reached it within their window (furthest stage at or beyond it),
        ``observed_customers`` have a kept touchpoint there; ``rate`` = the share of the cohort who reached it
        (``reach_estimates``: Kaplan–Meier while some are still in progress) with its interval, None for a stage
        nobody is observed at; ``in_progress``: customers whose window is not over and who have not reached it."""
        estimates = self.reach_estimates()
        rows = []
        for s, seen, est in zip(self.stages, self.observed(), estimates, strict=True):
            rate, low, high = (est["rate"], est["ci_low"], est["ci_high"]) if seen else (None, None, None)
            rows.append({"stage": s.code, "customers": self._reached(s.position), "observed_customers": seen,
                         "rate": rate, "ci_low": low, "ci_high": high, "in_progress": est["in_progress"]})
        return rows

    def conversion_estimate(self) -> dict:
        """The conversion stage's ``reach_estimates`` entry (empty estimate without a conversion stage)."""
        stage = self.conversion_stage
        if stage is None:
            return stats.km_reach([], self.window)
        return self.reach_estimates()[self.stages.index(stage)]

    def conversion(self) -> dict:
        """``{"stage", "customers", "rate", "ci_low", "ci_high", "in_progress"}``: customers who reached the
        conversion stage within the window, and the share of the cohort who did (Kaplan–Meier while some are still
        in progress: ``reach_estimates``) — under the channel lens (``only``), rate and interval None when no kept
        touchpoint is at the conversion stage: the deals made on other channels are not seen, which is not 0 % ("not
        observed on these channels"). Following whole journeys, nobody at the conversion stage is a true 0 %."""
        stage = self.conversion_stage
        reached = self._reached(stage.position) if stage else 0
        lens = self.filters.channel_lens
        seen = stage is not None and (not lens or self.observed()[self.stages.index(stage)] > 0)
        est = self.conversion_estimate()
        return {"stage": stage.code if stage else None, "customers": reached,
                "rate": est["rate"] if seen else None, "ci_low": est["ci_low"] if seen else None,
                "ci_high": est["ci_high"] if seen else None, "in_progress": est["in_progress"]}

    def revenue(self) -> float:
        """Sum of the kept touchpoints' revenue (0.0 when there is none)."""
        if not self.has("revenue_value"):
            value = self.revenue_expr.to_pyarrow().as_py()
            self.provide("revenue_value", float(value) if value is not None else 0.0)
        return self.__dict__["revenue_value"]

    @cached_property
    def nps_all_rows(self) -> list[dict]:
        return _rows(self.nps_expr)

    @cached_property
    def nps_rows(self) -> list[dict]:
        """``nps_expr`` executed, per feedback stage: responses (``n``), promoters, detractors, ``customers`` and
        the clustering sums."""
        return [r for r in self.nps_all_rows if not r.get("overall")]

    def nps_counts(self) -> dict:
        """Every kept response counted (stages outside the model too): ``{"n", "promoters", "detractors"}``."""
        return {k: sum(r[k] for r in self.nps_rows) for k in ("n", "promoters", "detractors")}

    def nps(self) -> dict:
        """Overall NPS with its 95 % interval (``stats.nps_with_interval``: Rocks' adjusted Wald, clustered by
        customer), and the same per stage of the model; ``respondents``: the distinct customers who answered."""
        overall = next((r for r in self.nps_all_rows if r.get("overall") and r["n"]), None)  # none: sums are NULL
        total = overall or self.nps_counts()

        def block(counts: dict | None) -> dict:
            n, p, d = (counts["n"], counts["promoters"], counts["detractors"]) if counts else (0, 0, 0)
            score, low, high = stats.nps_with_interval(p, d, n, nps_clusters(counts) if n else None)
            return {"responses": n, "respondents": counts.get("customers") or 0 if counts else 0, "nps": score,
                    "ci_low": low, "ci_high": high}

        by = {r["stage"]: r for r in self.nps_rows}
        return {**block(total), "by_stage": [{"stage": s.code, **block(by.get(s.code))} for s in self.stages]}

    def csat(self) -> dict:
        """Overall CSAT (answers 1–5) with its customer-clustered 95 % interval (``stats.clustered_mean``) and the
        satisfied (4–5) and dissatisfied (1–2) shares of the answers, and the same per stage of the model:
        ``{"responses", "customers", "mean", "ci_low", "ci_high", "satisfied_share", "dissatisfied_share",
        "by_stage"}``. A database without a ``csat`` column has no answers."""
        def compute():
            return _rows(self.csat_expr) if "csat" in self._feedback.columns else []

        rows = self.cached("_csat_rows", compute)

        def block(r: dict | None) -> dict:
            if r is None or not r["responses"]:
                return {"responses": 0, "customers": 0, "mean": None, "ci_low": None, "ci_high": None,
                        "satisfied_share": None, "dissatisfied_share": None}
            mean, low, high = stats.clustered_mean(r["responses"], r["customers"], r["total"], r["sum_sq"],
                                                   r["sum_cross"], r["sum_n_sq"])
            return {"responses": r["responses"], "customers": r["customers"], "mean": mean, "ci_low": low,
                    "ci_high": high, "satisfied_share": stats.share(r["satisfied"], r["responses"]),
                    "dissatisfied_share": stats.share(r["dissatisfied"], r["responses"])}

        overall = next((r for r in rows if r["stage"] is None), None)
        by = {r["stage"]: r for r in rows if r["stage"] is not None}
        return {**block(overall), "by_stage": [{"stage": s.code, **block(by.get(s.code))} for s in self.stages]}

    def churn_basis(self) -> str:
        """``"dates"`` when windows are on, the data has churn dates and every churned customer of the cohort has one
        (churn is then "churned within ``churn_window`` days of the conversion", comparable between periods); else
        ``"status"`` (the status at export, never compared)."""
        if self.window is None or self.conversion_stage is None or self.as_of is None:
            return "status"
        rows = self.survival_rows
        undated = sum(e for _, e, _ in rows.get("undated", []))
        dated = sum(e for _, e, _ in rows.get("dated", []))
        return "dates" if dated > 0 and undated == 0 else "status"

    def churn_estimate(self) -> dict | None:
        """With churn dates (``churn_basis``), the Kaplan–Meier share of converted customers who churned within
        ``churn_window`` days of their conversion (``stats.km_reach``'s fields); else None."""
        if self.churn_basis() != "dates":
            return None
        return stats.km_reach(self.survival_rows.get("churn", []), self.churn_window)

    def churn(self) -> dict:
        """``{"rate", "basis", "by_stage"}``. ``basis`` ``"dates"``: ``rate`` = the share of the converted customers
        who churned within ``churn_window`` days of their conversion (``churn_estimate``); ``"status"``: the churned
        share among customers whose churn status is known. ``by_stage``: the status share by furthest stage."""
        def rate(rows) -> float | None:
            known = sum(r["n"] for r in rows if r["churned"] is not None)
            churned = sum(r["n"] for r in rows if r["churned"] is True)
            return stats.share(churned, known)

        rows = self.summary_rows
        by_stage = []
        for s in self.stages:
            at = [r for r in rows if r["furthest"] == s.position]
            by_stage.append({"stage": s.code, "customers": sum(r["n"] for r in at), "churn_rate": rate(at)})
        estimate = self.churn_estimate()
        return {"rate": estimate["rate"] if estimate else rate(rows), "basis": self.churn_basis(),
                "by_stage": by_stage}

    def channel_mix(self) -> dict:
        """Customers by channel mix: ``{"mono", "multi", "cross"}`` (customers without a journey touchpoint
        are in none of them: see ``no_journey_channel``)."""
        return {m: sum(r["n"] for r in self.summary_rows if r["mix"] == m) for m in MIXES}

    def no_journey_channel(self) -> int:
        """Customers whose kept touchpoints are all on operational channels: in no channel-mix class."""
        return sum(r["n"] for r in self.summary_rows if r["mix"] == "none")

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
    if scope.has("summary_rows"):
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
