"""Channel analytics: outcomes by channel mix, the channel transition matrix, stage-to-stage flows
across channels, digital vs physical by stage, and ROPO / showrooming.

Every figure is an Ibis expression run by the database over ``analytics.metrics.Scope``'s kept
touchpoints, feedback and per-customer journeys (so the filters and definitions are the report's);
only small aggregates (a few rows per mix class, channel pair or stage pair) come back.

*First reached on*: the channel of a customer's first kept touchpoint at a stage, in journey order
(timestamp, stage order, input order — within one stage: timestamp, then input order). A customer
*reached* a stage here when they have a kept touchpoint at it (not the funnel's "furthest stage at
or beyond": a skipped stage is not reached).

*Channel kind* comes from the ``channels`` table (``digital`` | ``physical``); a channel missing
from that table counts as digital, as new channels do (``data_model.channels``).

*Source systems* (``touchpoints.source``: the CRM, the web analytics, the stores' tills the touchpoint came from)
are read on every kept touchpoint, operational ones included: a journey *spans* several systems when its kept
touchpoints come from two distinct known sources or more (``source_systems``).

*Operational* channels (``channels.operational``: a carrier, a survey e-mail) are not journey
channels: the mix, the transitions, the stage flows, digital vs physical and ROPO / showrooming read
only the *journey touchpoints* (on the other channels); operational touchpoints still count for the
funnel, the conversion and revenue (``Scope.touchpoints`` keeps them, flagged ``is_op``).

Each function builds its own ``Scope``; pass ``scope=`` (a ``Scope`` built for the same database
and filters) to share its queries with other metrics of one page. The stage-flow query is run once
per scope and feeds ``stage_flows`` and ``digital_share_by_stage``.
"""

import ibis
import pandas as pd

from analytics import stats
from analytics.filters import Filters
from analytics.metrics import MIXES, Scope, scope_for

__all__ = [
    "digital_share_by_stage", "mix_outcomes", "ropo_showrooming", "source_systems", "stage_flows",
    "transition_matrix",
]


# -- helpers -------------------------------------------------------------------------------------

def _rows(expr) -> list[dict]:
    """Execute a small expression; plain Python rows (through Arrow, as ``analytics.metrics`` does)."""
    return expr.to_pyarrow().to_pylist()


def _cached(scope: Scope, key: str, compute):
    """Cache a small executed result on the scope (a scope is a snapshot of one page render)."""
    return scope.cached(f"_channels_{key}", compute)


def _frame(rows: list[dict], columns: dict[str, str]) -> pd.DataFrame:
    """A DataFrame with fixed columns and dtypes: ``int`` → int64, ``float`` → float64 (missing =
    NaN), ``str`` → object (missing stays ``None``)."""
    dtypes = {"int": "int64", "float": "float64", "str": "object"}
    data = {c: pd.Series([r[c] for r in rows], dtype=dtypes[t]) for c, t in columns.items()}
    return pd.DataFrame(data, columns=list(columns))


def _kinds(scope: Scope) -> dict[str, str]:
    """Channel code → kind, from the (small) channels table."""
    def compute():
        ch = scope.db.ibis.table("channels")
        return {r["code"]: r["kind"] for r in _rows(ch.select("code", "kind"))}
    return _cached(scope, "kinds", compute)


def _is_physical(kinds: dict[str, str], channel: str) -> bool:
    return kinds.get(channel) == "physical"


# -- channel mix ----------------------------------------------------------------------------------

def mix_outcomes(db, filters: Filters | None = None, *, scope: Scope | None = None) -> pd.DataFrame:
    """Conversion and NPS by channel-mix class, one row per class: mono, multi, cross (always all three).

    Columns ``mix, customers, share, compared, converted, conversion_rate, conv_ci_low, conv_ci_high,
    responses, respondents, nps, nps_ci_low, nps_ci_high`` (``respondents``: the distinct customers who answered, the n
    that gates the NPS).

    * ``customers`` and ``mix``: exactly the report's ``channel_mix``; ``share`` = customers / all
      *Customers* (NaN when there are none; customers without a journey channel count in the total).
    * The comparison between classes is made among the customers *observed at two or more distinct
      stages* (kept touchpoints, operational ones included, at ≥ 2 stages): a cross-channel journey
      needs two stages, a mono-channel one can have one, so comparing all customers would build the
      difference in. ``compared`` = those customers of the class.
    * ``converted``: compared customers whose furthest stage is at or beyond the conversion stage (the
      report's conversion); ``conversion_rate`` = converted / compared with its 95 % Wilson interval.
    * ``responses``/``nps``: the kept NPS responses (any stage) of the compared customers of the class,
      NPS with the report's interval. Responses of people without kept touchpoints belong to no class.

    One query: the per-customer journeys left-joined to per-customer response counts. On DuckDB,
    when the scope has not run its transitions yet, the same query also returns them (a union over
    the one windowed pass, as ``Scope.prefetch`` does) and fills the scope's cache, so that
    ``transition_matrix`` on the same scope costs nothing more.
    """
    scope = scope_for(db, filters, scope)

    def expr():
        j = scope.journeys
        f = scope.feedback
        r = f.filter(f.nps.notnull())
        per = r.group_by(rid=scope.key).aggregate(
            n=r.count(), p=r.count(where=r.nps >= 9), d=r.count(where=r.nps <= 6),
        )
        x = j.left_join(per, j.ckey == per.rid)
        conv = scope.conversion_stage
        compared = x.multi_stage
        converted = compared & (x.furthest >= conv.position) if conv else ibis.literal(False)
        zero = ibis.literal(0)
        return x.group_by("mix").aggregate(
            customers=x.count().cast("int64"),
            compared=x.count(where=compared).cast("int64"),
            converted=x.count(where=converted).cast("int64"),
            responses=compared.ifelse(x.n.fill_null(0), zero).sum().cast("int64"),
            promoters=compared.ifelse(x.p.fill_null(0), zero).sum().cast("int64"),
            detractors=compared.ifelse(x.d.fill_null(0), zero).sum().cast("int64"),
            # the per-customer sums of the clustered NPS interval (stats.nps_with_interval)
            respondents=x.count(where=compared & (x.n.fill_null(0) > 0)).cast("int64"),
            s_sq=compared.ifelse((x.p - x.d).fill_null(0) ** 2, zero).sum().cast("float64"),
            s_n=compared.ifelse(((x.p - x.d) * x.n).fill_null(0), zero).sum().cast("float64"),
            n_sq=compared.ifelse(x.n.fill_null(0) ** 2, zero).sum().cast("float64"),
        )

    def compute():
        if scope.db.dialect != "duckdb" or scope.has("transition_rows"):
            return _rows(expr())
        mix, t = expr(), scope.transitions_expr
        null_str, null_int = ibis.null().cast("string"), ibis.null().cast("int64")
        null_float = ibis.null().cast("float64")
        both = ibis.union(
            mix.select("mix", "customers", "compared", "converted", "responses", "promoters", "detractors",
                       "respondents", "s_sq", "s_n", "n_sq", src=null_str, dst=null_str),
            t.select(mix=null_str, customers=t.n.cast("int64"), compared=null_int, converted=null_int,
                     responses=null_int, promoters=null_int, detractors=null_int, respondents=null_int,
                     s_sq=null_float, s_n=null_float, n_sq=null_float, src="src", dst="dst"),
            distinct=False,
        )
        rows = _rows(both)
        scope.provide("transition_rows", [  # the cache Scope.transitions() reads
            {"src": r["src"], "dst": r["dst"], "n": r["customers"]} for r in rows if r["mix"] is None
        ])
        return [r for r in rows if r["mix"] is not None]

    by_mix = {r["mix"]: r for r in _cached(scope, "mix_rows", compute)}
    total = sum(r["customers"] for r in by_mix.values())  # "none" (no journey channel) included
    rows = []
    for m in MIXES:
        r = by_mix.get(m) or {"customers": 0, "compared": 0, "converted": 0, "responses": 0, "promoters": 0,
                              "detractors": 0, "respondents": 0}
        n, c, k = r["customers"], r["compared"], r["converted"]
        low, high = stats.wilson_interval(k, c)
        score, nlow, nhigh = stats.nps_with_interval(r["promoters"], r["detractors"], r["responses"],
                                                     (r["respondents"], r["s_sq"], r["s_n"], r["n_sq"])
                                                     if r["responses"] else None)
        rows.append({
            "mix": m, "customers": n, "share": stats.share(n, total), "compared": c, "converted": k,
            "conversion_rate": stats.share(k, c), "conv_ci_low": low, "conv_ci_high": high,
            "responses": r["responses"], "respondents": r["respondents"], "nps": score, "nps_ci_low": nlow,
            "nps_ci_high": nhigh,
        })
    return _frame(rows, {
        "mix": "str", "customers": "int", "share": "float", "compared": "int", "converted": "int",
        "conversion_rate": "float",
        "conv_ci_low": "float", "conv_ci_high": "float", "responses": "int", "respondents": "int", "nps": "float",
        "nps_ci_low": "float", "nps_ci_high": "float",
    })


# -- transitions ----------------------------------------------------------------------------------

def transition_matrix(db, filters: Filters | None = None, *, scope: Scope | None = None) -> pd.DataFrame:
    """The report's transitions (consecutive kept journey touchpoints of a customer, same-channel pairs
    included; operational touchpoints are out of the sequence) with ``share_of_from`` = count / all
    transitions leaving ``from_channel``.

    Columns ``from_channel, to_channel, count, share_of_from``; only pairs that occur, by count
    descending, then from, then to (the report's order). Reuses the scope's cached transitions.
    """
    scope = scope_for(db, filters, scope)
    rows = scope.transitions()
    leaving: dict[str, int] = {}
    for r in rows:
        leaving[r["from"]] = leaving.get(r["from"], 0) + r["count"]
    out = [{"from_channel": r["from"], "to_channel": r["to"], "count": r["count"],
            "share_of_from": stats.share(r["count"], leaving[r["from"]])} for r in rows]
    return _frame(out, {"from_channel": "str", "to_channel": "str", "count": "int", "share_of_from": "float"})


# -- first channel per reached stage ---------------------------------------------------------------

def _flow_expr(scope: Scope):
    """Customers counted by (stage order, first channel there, next reached stage order, its first
    channel); the next columns are NULL for a customer's last reached stage.

    Step 1 keeps, per customer and stage, the channel of the first kept touchpoint there (by
    timestamp then id: the journey order within one stage). Step 2 pairs each such row with the
    customer's next reached stage (``lead`` by stage order), so skipped stages are skipped. Summing
    over the ``next`` columns gives, per stage, the customers who reached it by their first channel.

    On DuckDB step 1 is an ordered ``first()`` aggregate (a hash aggregate: ~1.7× faster than a
    row-number window at 10M touchpoints); PostgreSQL has no ``first`` aggregate, so there it is
    ``row_number() = 1`` over (customer, stage). Both give the same rows (the tests run both).

    Journey touchpoints only: a stage a customer reached only on operational channels is not in
    their flows.
    """
    t = scope.touchpoints
    t = t.filter(~t.is_op)
    if scope.db.dialect == "duckdb":
        first = t.group_by("ckey", "position").aggregate(
            channel=t.channel.first(order_by=[t.timestamp, t.id]),
        )
    else:
        w = ibis.window(group_by=[t.ckey, t.position], order_by=[t.timestamp, t.id])
        first = t.select("ckey", "position", "channel", rn=ibis.row_number().over(w))
        first = first.filter(first.rn == 0)
    w2 = ibis.window(group_by=first.ckey, order_by=first.position)
    steps = first.select(
        "position", "channel",
        next_position=first.position.lead().over(w2),
        next_channel=first.channel.lead().over(w2),
    )
    return steps.group_by("position", "channel", "next_position", "next_channel").aggregate(n=steps.count())


def _flow_rows(scope: Scope) -> list[dict]:
    return _cached(scope, "flow_rows", lambda: _rows(_flow_expr(scope)))


def stage_flows(db, filters: Filters | None = None, *, scope: Scope | None = None) -> pd.DataFrame:
    """Customer flows between consecutive *reached* stages, by the channel each stage was first reached on.

    For each customer: the channel of the first kept touchpoint at each stage they reached (journey
    order: timestamp, stage order, input order), and one flow from each reached stage to the next
    reached stage in the model's order (a skipped stage is skipped: awareness → purchase). Columns
    ``from_stage, from_position, from_channel, to_stage, to_position, to_channel, customers``, ordered
    by from_position, to_position, customers descending, from_channel, to_channel. A customer who
    reached a single stage has no flow. Feeds an alluvial / Sankey chart.
    """
    scope = scope_for(db, filters, scope)
    code = {s.position: s.code for s in scope.stages}
    rows = [
        {"from_stage": code[r["position"]], "from_position": r["position"], "from_channel": r["channel"],
         "to_stage": code[r["next_position"]], "to_position": r["next_position"], "to_channel": r["next_channel"],
         "customers": r["n"]}
        for r in _flow_rows(scope) if r["next_position"] is not None
    ]
    rows.sort(key=lambda r: (r["from_position"], r["to_position"], -r["customers"], r["from_channel"],
                             r["to_channel"]))
    return _frame(rows, {
        "from_stage": "str", "from_position": "int", "from_channel": "str", "to_stage": "str",
        "to_position": "int", "to_channel": "str", "customers": "int",
    })


def _first_counts(scope: Scope) -> dict[int, dict[str, int]]:
    """Stage order → {first channel: customers who first reached the stage on it}."""
    out: dict[int, dict[str, int]] = {}
    for r in _flow_rows(scope):
        by = out.setdefault(r["position"], {})
        by[r["channel"]] = by.get(r["channel"], 0) + r["n"]
    return out


# -- digital vs physical ---------------------------------------------------------------------------

def digital_share_by_stage(db, filters: Filters | None = None, *, scope: Scope | None = None) -> pd.DataFrame:
    """Digital vs physical per stage of the model (every stage, in order).

    Columns ``stage, position, touchpoints, digital, physical, digital_share, customers,
    customers_digital_first, digital_first_share``:

    * ``touchpoints`` = kept journey touchpoints at the stage (operational ones are neither digital nor
      physical journey touchpoints), split by their channel's kind;
      ``digital_share`` = digital / touchpoints (NaN when none).
    * ``customers`` = customers with a kept journey touchpoint at the stage (a skipped stage is not reached,
      so this can be below the funnel's count); ``customers_digital_first`` = those whose first
      touchpoint there (journey order) is on a digital channel; ``digital_first_share`` their share.
    """
    scope = scope_for(db, filters, scope)

    def compute():
        t = scope.touchpoints
        t = t.filter(~t.is_op)
        per = t.group_by("position", "channel").aggregate(n=t.count())
        return _rows(per)

    kinds = _kinds(scope)
    tp_rows = _cached(scope, "stage_channel_touchpoints", compute)
    firsts = _first_counts(scope)
    rows = []
    for s in scope.stages:
        at = [r for r in tp_rows if r["position"] == s.position]
        total = sum(r["n"] for r in at)
        physical = sum(r["n"] for r in at if _is_physical(kinds, r["channel"]))
        first = firsts.get(s.position, {})
        customers = sum(first.values())
        digital_first = sum(n for ch, n in first.items() if not _is_physical(kinds, ch))
        rows.append({
            "stage": s.code, "position": s.position, "touchpoints": total, "digital": total - physical,
            "physical": physical, "digital_share": stats.share(total - physical, total),
            "customers": customers, "customers_digital_first": digital_first,
            "digital_first_share": stats.share(digital_first, customers),
        })
    return _frame(rows, {
        "stage": "str", "position": "int", "touchpoints": "int", "digital": "int", "physical": "int",
        "digital_share": "float", "customers": "int", "customers_digital_first": "int",
        "digital_first_share": "float",
    })


def _ropo_expr(scope: Scope, conv_position: int):
    """One row: ``converted``, ``ropo``, ``showrooming`` (see ``ropo_showrooming``).

    Journey touchpoints only. Per customer, the first conversion-stage touchpoint in journey order
    (row number over timestamp, input order: within one stage that is the journey order) and the
    earliest timestamps of the customer's digital and physical touchpoints at earlier stages. A
    touchpoint at an earlier stage comes before the conversion touchpoint in journey order exactly when
    its timestamp is not later (on a tie the lower stage order comes first)."""
    t = scope.touchpoints
    kinds = scope.channel_numbers.select(k_chn="chn", is_phys="is_phys")
    j = t.filter(~t.is_op)
    j = j.join(kinds, j.chn == kinds.k_chn)
    at = j.filter(j.position == conv_position)
    w = ibis.window(group_by=at.ckey, order_by=[at.timestamp, at.id])
    first = at.select("ckey", "timestamp", "is_phys", rn=ibis.row_number().over(w))
    first = first.filter(first.rn == 0)
    early = j.filter(j.position < conv_position)
    before = early.group_by(eckey=early.ckey).aggregate(
        digital_at=early.timestamp.min(where=~early.is_phys),
        physical_at=early.timestamp.min(where=early.is_phys),
    )
    x = first.left_join(before, first.ckey == before.eckey)
    ropo = x.is_phys & x.digital_at.notnull() & (x.digital_at <= x.timestamp)
    show = ~x.is_phys & x.physical_at.notnull() & (x.physical_at <= x.timestamp)
    return x.aggregate(converted=x.count().cast("int64"), ropo=x.count(where=ropo).cast("int64"),
                       showrooming=x.count(where=show).cast("int64"))


def ropo_showrooming(db, filters: Filters | None = None, *, scope: Scope | None = None) -> dict:
    """ROPO (research online, purchase offline) and showrooming among converted customers, in journey order.

    Journey touchpoints only (operational channels are left out). *Journey order*: timestamp, stage
    order, input order.

    * ``conversion_stage``: the model's conversion stage.
    * ``converted`` = customers with a kept journey touchpoint at the conversion stage (customers who
      skipped it to a later stage are not counted).
    * ``ropo`` = those whose first conversion-stage touchpoint is on a physical channel and who have a
      touchpoint on a digital channel at an *earlier stage* that comes *before it* in journey order;
      ``showrooming`` = first conversion-stage touchpoint digital, a physical touchpoint at an earlier
      stage before it. Bought in store, browsed online the next day: not ROPO. A customer can be neither
      (nothing earlier, or only the same kind earlier), never both.
    * Rates are shares of ``converted`` with 95 % Wilson intervals (``None`` when nobody converted).
    """
    scope = scope_for(db, filters, scope)
    conv = scope.conversion_stage
    row = _cached(scope, "ropo_row", lambda: _rows(_ropo_expr(scope, conv.position))[0])
    converted, ropo, showrooming = (int(row[k] or 0) for k in ("converted", "ropo", "showrooming"))
    ropo_low, ropo_high = stats.wilson_interval(ropo, converted)
    show_low, show_high = stats.wilson_interval(showrooming, converted)
    return {
        "conversion_stage": conv.code,
        "converted": converted,
        "ropo": ropo, "ropo_rate": stats.share(ropo, converted), "ropo_ci_low": ropo_low, "ropo_ci_high": ropo_high,
        "showrooming": showrooming, "showrooming_rate": stats.share(showrooming, converted),
        "showrooming_ci_low": show_low, "showrooming_ci_high": show_high,
    }


# -- source systems --------------------------------------------------------------------------------

def _sources_expr(scope: Scope):
    """One row with ``source`` NULL: ``customers`` with a kept touchpoint whose source is known, ``spanning`` those
    whose kept touchpoints come from two distinct sources or more; then one row per known source with its
    ``customers`` (``spanning`` NULL). The distinct (customer, source) pairs feed both."""
    t = scope.touchpoints
    known = t.filter(t.source.notnull())
    pairs = known.select("ckey", "source").distinct()
    per = pairs.group_by("ckey").aggregate(n=pairs.count())
    summary = per.aggregate(customers=per.count(), spanning=per.count(where=per.n >= 2))
    names = pairs.group_by("source").aggregate(customers=pairs.count())
    return ibis.union(
        summary.select(source=ibis.null().cast("string"), customers=summary.customers.cast("int64"),
                       spanning=summary.spanning.cast("int64")),
        names.select(source=names.source.cast("string"), customers=names.customers.cast("int64"),
                     spanning=ibis.null().cast("int64")),
        distinct=False,
    )


def source_systems(db, filters: Filters | None = None, *, scope: Scope | None = None) -> dict:
    """The share of journeys that span more than one source system.

    * ``customers`` = the cohort's customers with at least one kept touchpoint (operational ones included) whose
      source system is known (``touchpoints.source`` not NULL); ``spanning`` = those whose kept touchpoints come
      from at least two distinct sources; ``share`` = spanning / customers, ``None`` when no kept touchpoint has a
      source (a database or a warehouse table that never named one).
    * ``sources``: ``[{"source", "customers"}]``, each known source with the customers who have a kept touchpoint
      from it, by customers descending, then name.

    One query over the kept touchpoints (the report's filters and windows).
    """
    scope = scope_for(db, filters, scope)
    rows = _cached(scope, "source_rows", lambda: _rows(_sources_expr(scope)))
    summary = next((r for r in rows if r["source"] is None), {})
    customers, spanning = int(summary.get("customers") or 0), int(summary.get("spanning") or 0)
    names = sorted(({"source": r["source"], "customers": int(r["customers"])} for r in rows
                    if r["source"] is not None), key=lambda r: (-r["customers"], r["source"]))
    return {"customers": customers, "spanning": spanning, "share": stats.share(spanning, customers),
            "sources": names}
