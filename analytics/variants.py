"""Journey variants: the distinct paths customers take, and how many take each (process mining's
"variants"), by stage or by channel.

Computed by the database from ``Scope.touchpoints`` (the kept touchpoints of the report's filters):
only the ``top`` most frequent variants and one aggregate of the rest come back to Python.

* A customer's *variant* is the sequence of the stages (``by="stage"``) or channels
  (``by="channel"``) of their kept touchpoints in journey order (timestamp, stage order, input
  order), with consecutive repeats collapsed: web, web, store, web → web › store › web. A
  single-touchpoint journey is a one-step variant. Every *Customer* (at least one kept touchpoint)
  has exactly one variant, so the customers of all variants add up to the report's ``customers`` — by channel,
  the operational channels (a carrier, a survey e-mail: ``Scope``) are out of the sequence, as out of the
  transitions, and a customer seen only on them has no channel variant.
* *Converted*: the customer's furthest stage (highest stage order among their kept touchpoints,
  collapsed or not) is at or beyond the conversion stage — the report's conversion. For stage
  variants that is "the variant contains a stage at or beyond the conversion stage".
* Variants are ranked by customers (descending), ties broken by the sequence itself, ascending,
  compared element by element in stage order (``by="stage"``) or channel code order
  (``by="channel"``, the order of ``Scope.channel_numbers``), a sequence before its extensions
  (awareness before awareness › purchase).

The query: one window over the journey order (``lag`` of the stage order or channel number, and
``row_number``) keeps a touchpoint when it differs from the previous one; one aggregate per customer
collects the kept integer codes in order (``collect(order_by=…)``: DuckDB's ``list``, PostgreSQL's
``array_agg`` with ``ORDER BY``) with the furthest stage; customers are counted per sequence, the
sequences ranked by a window, and everything beyond ``top`` folded into one row. Integer arrays
group and sort the same way on both engines (element by element, a prefix first), which a text
encoding would not under PostgreSQL's collations; the few returned arrays are mapped back to codes in
Python. The executed rows are cached on the scope, per ``by`` and ``top``.
"""

import ibis
import pandas as pd

from analytics import stats
from analytics.filters import Filters
from analytics.metrics import Scope, _rows, scope_for

__all__ = ["BYS", "OTHER", "VARIANT_COLUMNS", "variants"]

BYS = ("stage", "channel")
OTHER = "other"
"""The ``variant`` of the row that aggregates every variant beyond the ``top`` ones."""

VARIANT_COLUMNS = ["rank", "variant", "steps", "variants", "customers", "share", "cumulative_share", "converted",
                   "conversion_rate", "conv_ci_low", "conv_ci_high"]


def _variant_expr(scope: Scope, by: str, top: int):
    """At most ``top + 1`` rows: ``seq`` (integer codes; NULL for the rest), ``rank`` (0-based rank of a
    top variant; for the rest, the smallest rank folded in), ``variants`` (distinct sequences in the
    row), ``customers``, ``converted``."""
    t = scope.touchpoints
    if by == "stage":
        w = ibis.window(group_by=t.ckey, order_by=[t.timestamp, t.position, t.id])
        o = t.select("ckey", "position", code=t.position, prev=t.position.lag().over(w), rn=ibis.row_number().over(w))
        # A repeated stage adds nothing to the furthest stage: drop the repeats before the aggregate.
        o = o.filter(o.prev.isnull() | (o.code != o.prev))
        seq = o.code.collect(order_by=o.rn)
    else:
        # partitioned as ``Scope.ordered``: an operational touchpoint (a carrier) is out of the journey sequence,
        # so web, carrier, web is the one-step variant "web"
        w = ibis.window(group_by=scope.journey_partition(t), order_by=[t.timestamp, t.position, t.id])
        o = t.select("ckey", "position", "is_op", code=t.chn, prev=t.chn.lag().over(w), rn=ibis.row_number().over(w))
        kept = ~o.is_op & (o.prev.isnull() | (o.code != o.prev))
        # The furthest stage needs every touchpoint: the repeats stay, outside the collected sequence.
        seq = o.code.collect(where=kept, order_by=o.rn, include_null=True)  # no NULL code; keeps
        # the FILTER clause to our predicate (Ibis 12 ANDs its IS NOT NULL test without parentheses)
    per = o.group_by("ckey").aggregate(seq=seq, furthest=o.position.max())
    if by == "channel":  # a journey on operational channels only has no channel variant
        per = per.filter(per.seq.notnull())
    conv = scope.conversion_stage
    converted = per.furthest >= conv.position if conv else ibis.literal(False)
    counts = per.group_by("seq").aggregate(n=per.count(), k=per.count(where=converted))
    ranked = counts.select("seq", "n", "k", r=ibis.row_number().over(order_by=[counts.n.desc(), counts.seq]))
    bucket = ibis.cases((ranked.r < top, ranked.seq), else_=ibis.null(ranked.seq.type()))
    out = ranked.group_by(bucket=bucket).aggregate(
        rank=ranked.r.min(), variants=ranked.count(), customers=ranked.n.sum(), converted=ranked.k.sum(),
    )
    return out.select(
        seq="bucket", rank=out["rank"].cast("int64"), variants=out.variants.cast("int64"),
        customers=out.customers.cast("int64"), converted=out.converted.cast("int64"),
    )


def _codes(scope: Scope, by: str) -> dict[int, str]:
    """Integer code → stage or channel code."""
    if by == "stage":
        return {s.position: s.code for s in scope.stages}
    return scope.channel_codes()


def _frame(rows: list[dict]) -> pd.DataFrame:
    """Fixed columns and dtypes, also when empty: ``variant`` object, ``rank``/``variants``/``customers``/
    ``converted`` int64, the rest float64 (NaN = undefined)."""
    ints = ("rank", "variants", "customers", "converted")
    data = {}
    for c in VARIANT_COLUMNS:
        dtype = "object" if c == "variant" else "int64" if c in ints else "float64"
        data[c] = pd.Series([r[c] for r in rows], dtype=dtype)
    return pd.DataFrame(data, columns=VARIANT_COLUMNS)


def variants(db, filters: Filters | None = None, *, scope: Scope | None = None, by: str = "stage",
             top: int = 10) -> dict:
    """The ``top`` most frequent journey variants by stage or channel, and the rest as one row.

    Returns ``{"rows": DataFrame, "customers": int, "distinct": int, "coverage": float | None}``:

    * ``rows``: one row per top variant, by ``rank`` 1, 2, … (customers descending, ties by the
      sequence ascending, see the module docstring), then — only when more than ``top`` variants
      exist — one row whose ``variant`` is ``"other"`` (``OTHER``) with every remaining customer.
      Columns ``rank, variant, steps, variants, customers, share, cumulative_share, converted,
      conversion_rate, conv_ci_low, conv_ci_high``:

      - ``variant``: a tuple of stage codes (in journey order) or of channel codes — hashable,
        and a JSON list — or the string ``"other"``; ``rank`` of ``"other"`` is the last top rank + 1.
      - ``steps``: the tuple's length (NaN for ``"other"``); ``variants``: distinct variants in the
        row (1, or how many ``"other"`` folds together).
      - ``share`` = customers / all customers; ``cumulative_share`` its running sum down the rows
        (1.0 on the last row).
      - ``converted``: customers of the row who converted (furthest stage at or beyond the
        conversion stage); ``conversion_rate`` = converted / customers with its 95 % Wilson interval
        (``conv_ci_low``, ``conv_ci_high``). A stage model without a conversion stage: converted 0
        and the rate and interval NaN (undefined, not 0 %).

    * ``customers``: all *Customers* (the report's count, the sum of ``rows.customers``; by channel, those with a
      touchpoint on a journey channel: operational channels, a carrier or a survey e-mail, are out of the sequences,
      as out of the transitions);
      ``distinct``: how many different variants they follow; ``coverage``: the share of customers
      the top variants cover (the ``cumulative_share`` of the last top row; 1.0 when there is no
      rest; ``None`` when there are no customers, then ``rows`` is empty with its columns).

    ``by``: ``"stage"`` or ``"channel"``; ``top`` ≥ 1. One query (plus, for channels, the small
    channel-number lookup), cached on the scope: pass ``scope=`` to share it within one page.
    """
    if by not in BYS:
        raise ValueError(f"by must be one of {', '.join(BYS)}, not {by!r}")
    if isinstance(top, bool) or not isinstance(top, int) or top < 1:
        raise ValueError(f"top must be a positive integer, not {top!r}")
    scope = scope_for(db, filters, scope)
    by_top = scope.cached(f"variants_{by}", dict)  # {top: executed rows}
    if top not in by_top:
        by_top[top] = _rows(_variant_expr(scope, by, top))
    executed = sorted(by_top[top], key=lambda r: (r["seq"] is None, r["rank"]))
    codes = _codes(scope, by) if executed else {}
    total = sum(r["customers"] for r in executed)
    conversion = scope.conversion_stage is not None

    rows, running = [], 0
    for i, r in enumerate(executed, start=1):
        variant = OTHER if r["seq"] is None else tuple(codes[c] for c in r["seq"])
        n, k = r["customers"], r["converted"]
        running += n
        low, high = stats.wilson_interval(k, n) if conversion else (None, None)
        rows.append({
            "rank": i, "variant": variant, "steps": None if r["seq"] is None else len(variant),
            "variants": r["variants"], "customers": n, "share": stats.share(n, total),
            "cumulative_share": stats.share(running, total), "converted": k,
            "conversion_rate": stats.share(k, n) if conversion else None, "conv_ci_low": low, "conv_ci_high": high,
        })
    tops = [r for r in rows if r["variant"] != OTHER]  # never empty when there are customers (top ≥ 1)
    coverage = tops[-1]["cumulative_share"] if tops else None
    return {"rows": _frame(rows), "customers": total, "distinct": sum(r["variants"] for r in executed),
            "coverage": coverage}
