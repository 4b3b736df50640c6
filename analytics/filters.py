"""What the analysis looks at: a **cohort** of customers (by persona, segment, region, the channels their journey
used or entered by, the day they first came), whose whole journeys are then followed, and two **lenses** that
restrict the rows the metrics see (only the chosen channels' touchpoints; only the activity inside the period).

The same ``Filters`` value drives the report, the CLI and every dashboard page. ``apply_filters`` turns it into
Ibis expressions over the touchpoints or the feedback table (row predicates for the lenses, a semi-join on the
cohort's customer keys for the selectors), so the database does the filtering.

``DIMENSIONS`` declares each dimension a filter can choose values of, once: the ``Filters`` field, the customer
column (or the touchpoints' channel), the link key and command-line flag (its name), the label and sentence keys of
the catalogue, and whether the funnel groups by it. The command line, the sidebar, the links, the sentence under the
filters and ``analytics.funnel.GROUPINGS`` all read it: adding a dimension (an age band, say) is one declaration
here, its column in ``customers``, and its texts in ``i18n``.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field, make_dataclass
from datetime import date, datetime, time, timedelta

import ibis

__all__ = [
    "CHANNEL_MODES", "DIMENSIONS", "PERIOD_MODES", "PERIOD_PRESETS", "Dimension", "Filters", "apply_filters", "as_of",
    "cohort_keys", "cohort_keys_from_facts", "customer_filter", "customer_key", "dimension", "preset_period",
]


@dataclass(frozen=True)
class Dimension:
    """One dimension a filter chooses values of."""

    name: str
    """Singular code: the link key (``?persona=``), the command-line flag (``--persona``), the funnel grouping, and
    the catalogue keys ``filters.<name>`` (its label), ``describe.<name>`` and ``describe.<name>_many`` (how one or
    several values read in the sentence) and ``describe.n_<name>s`` (more than three)."""
    field: str
    """The ``Filters`` attribute holding the chosen values (a tuple of strings)."""
    column: str | None
    """The ``customers`` column it selects on; ``None`` for the channel, which is read on the touchpoints."""
    english: str
    """How it reads in ``Filters.describe()`` (English, command line): ``"with persona {values}"``."""
    groups_funnel: bool = True

    @property
    def flag(self) -> str:
        return f"--{self.name}"

    @property
    def label_key(self) -> str:
        return f"filters.{self.name}"

    @property
    def sentence_key(self) -> str:
        return f"describe.{self.name}"


DIMENSIONS: tuple[Dimension, ...] = (
    Dimension("persona", "personas", "persona", "with persona {values}"),
    Dimension("segment", "segments", "segment", "in segment {values}"),
    Dimension("region", "regions", "region", "in region {values}"),
    Dimension("channel", "channels", None, "who used channel {values} (see --channel-mode)"),
)
"""Every filterable dimension, in the order the sidebar, the command line and the sentence show them."""

CHANNEL_MODES = ("used", "entered", "only")
"""``used`` (cohort: at least one touchpoint on one of the channels), ``entered`` (cohort: the first touchpoint in
journey order is on one of them), ``only`` (lens: keep only those channels' touchpoints and feedback)."""
PERIOD_PRESETS = ("last_30_days", "last_quarter", "year_to_date", "last_year")
"""Periods a click away, counted back from the data's last day (``as_of``): the last 30 days; the last complete
calendar quarter; the year to date; the last complete calendar year."""
PERIOD_MODES = ("cohort", "activity")
"""``cohort`` (customers whose first touchpoint falls in the window, followed after it), ``activity`` (lens: only
the touchpoints and feedback inside the window)."""


def dimension(name: str) -> Dimension:
    return next(d for d in DIMENSIONS if d.name == name)


def _tuple(values: Iterable[str] | str | None) -> tuple[str, ...]:
    """A tuple of distinct values in first-seen order (repeated values change nothing: they are OR-ed)."""
    if values is None:
        return ()
    if isinstance(values, str):
        values = (values,)
    return tuple(dict.fromkeys(str(v) for v in values))


def _either(values: tuple[str, ...]) -> str:
    if len(values) == 1:
        return values[0]
    return ", ".join(values[:-1]) + " or " + values[-1]


class _FiltersMethods:
    """The behaviour of ``Filters`` (its fields come from ``DIMENSIONS``, below)."""

    def __post_init__(self) -> None:
        # Accept lists (e.g. from a multiselect) and keep the value hashable, for caches.
        for d in DIMENSIONS:
            object.__setattr__(self, d.field, _tuple(getattr(self, d.field)))
        for name in ("start", "end"):
            value = getattr(self, name)
            if isinstance(value, datetime):  # a datetime is a date too: keep its day only
                object.__setattr__(self, name, value.date())
        if self.channel_mode not in CHANNEL_MODES:
            raise ValueError(f"channel_mode must be one of {', '.join(CHANNEL_MODES)}, not {self.channel_mode!r}")
        if self.period_mode not in PERIOD_MODES:
            raise ValueError(f"period_mode must be one of {', '.join(PERIOD_MODES)}, not {self.period_mode!r}")
        if isinstance(self.window, str) and self.window != "all":
            if not self.window.isdigit():
                raise ValueError(f"window must be a number of days or 'all', not {self.window!r}")
            object.__setattr__(self, "window", int(self.window))
        if self.window is not None and self.window != "all" and (isinstance(self.window, bool) or self.window < 1):
            raise ValueError(f"window must be a number of days ≥ 1 or 'all', not {self.window!r}")
        if isinstance(self.as_of, datetime):
            object.__setattr__(self, "as_of", self.as_of.date())
        if self.measure not in (None, "nps", "csat"):
            raise ValueError(f"measure must be nps or csat, not {self.measure!r}")

    def values(self, d: Dimension) -> tuple[str, ...]:
        return getattr(self, d.field)

    @property
    def active(self) -> bool:
        """True when anything is filtered out (a mode alone, with no channel or period chosen, filters nothing)."""
        return (any(self.values(d) for d in DIMENSIONS) or self.start is not None or self.end is not None
                or self.as_of is not None)

    @property
    def by_customer(self) -> bool:
        """True when customers are selected by an attribute (persona, segment, region…)."""
        return any(self.values(d) for d in DIMENSIONS if d.column)

    @property
    def has_period(self) -> bool:
        return self.start is not None or self.end is not None

    @property
    def channel_lens(self) -> bool:
        """Only the chosen channels' touchpoints and feedback are seen (``channel_mode="only"``)."""
        return bool(self.channels) and self.channel_mode == "only"

    @property
    def period_lens(self) -> bool:
        """Only the rows inside the window are seen (``period_mode="activity"``)."""
        return self.has_period and self.period_mode == "activity"

    @property
    def by_journey(self) -> bool:
        """True when customers are selected on their journey: a channel used or entered by, a first-touch window."""
        return (bool(self.channels) and self.channel_mode != "only") or (
            self.has_period and self.period_mode == "cohort")

    def describe(self) -> str:
        """One short English sentence saying which customers are followed and which lens is on (command line)."""
        if not self.active:
            return "All customers, channels and dates."
        who = [d.english.format(values=_either(self.values(d))) for d in DIMENSIONS
               if d.column and self.values(d)]
        if self.channels and self.channel_mode != "only":
            word = "channel" if len(self.channels) == 1 else "channels"
            how = "who used" if self.channel_mode == "used" else "who entered by"
            who.append(f"{how} {word} {_either(self.channels)}")
        if self.has_period and self.period_mode == "cohort":
            who.append("who first came " + _window_words(self.start, self.end))
        parts = ["Customers " + ", ".join(who)] if who else ["All customers"]
        if self.channel_lens:
            parts.append(f"lens: only {'channel' if len(self.channels) == 1 else 'channels'} "
                         f"{_either(self.channels)}")
        elif not self.channels:
            parts.append("all channels")
        if self.period_lens:
            parts.append("lens: only activity " + _window_words(self.start, self.end))
        elif not self.has_period:
            parts.append("all dates")
        return "; ".join(parts) + "."


def _window_words(start: date | None, end: date | None) -> str:
    if start and end:
        return f"from {start.isoformat()} to {end.isoformat()}"
    if start:
        return f"from {start.isoformat()}"
    return f"up to {end.isoformat()}"


Filters = make_dataclass(
    "Filters",
    [(d.field, tuple[str, ...], field(default=())) for d in DIMENSIONS] + [
        ("start", date | None, field(default=None)),
        ("end", date | None, field(default=None)),
        ("channel_mode", str, field(default="used")),
        ("period_mode", str, field(default="cohort")),
        ("window", int | str | None, field(default=None)),
        ("as_of", date | None, field(default=None)),
        ("measure", str | None, field(default=None)),
    ],
    bases=(_FiltersMethods,), frozen=True,
)
Filters.__module__ = __name__  # pickles (Streamlit's caches) find it here
Filters.__doc__ = """Which customers to follow, and through which lens. An empty tuple (or ``None`` date): no filter.

Values within one dimension are OR-ed; the dimensions are AND-ed. ``start`` and ``end`` are inclusive days: a
timestamp is in the window when ``start <= timestamp < end + 1 day``. One field per ``DIMENSIONS`` entry
(``personas``, ``segments``, ``regions``, ``channels``), then ``start``, ``end``, ``channel_mode`` (one of
``CHANNEL_MODES``, default ``used``) and ``period_mode`` (one of ``PERIOD_MODES``, default ``cohort``).
``window``: how long each customer is followed — ``None`` the database's setting (``analytics.settings``),
``"all"`` no window (plain shares at ``as_of``), or a number of days. ``as_of``: the last day the data is read
up to (inclusive), ``None`` for the data's last moment. ``measure``: the satisfaction measure asked for (``nps`` or
``csat``; ``None``: the database's setting, see ``analytics.measures``) — not a filter: it chooses what the
satisfaction views read, not whom.
``channel_mode="only", period_mode="activity", window="all"`` is the row filter of Parcours before cohorts.
"""


# -- Ibis --------------------------------------------------------------------------------------------------------

def _window_preds(column, start: date | None, end: date | None) -> list:
    preds = []
    if start is not None:
        preds.append(column >= datetime.combine(start, time.min))
    if end is not None:
        preds.append(column < datetime.combine(end + timedelta(days=1), time.min))
    return preds


def customer_key(table, customers) -> str:
    """The customer key of the semi-joins. DuckDB: the integer customer number (schema 0003), twice as fast at 10M
    rows. Elsewhere ``customer_id``, which PostgreSQL indexes (``customer_no`` is not: its plans would scan per
    row)."""
    on_duckdb = table._find_backend().name == "duckdb"
    numbered = "customer_no" in table.columns and "customer_no" in customers.columns
    return "customer_no" if on_duckdb and numbered else "customer_id"


def customer_filter(customers, filters: Filters):
    """The customers (Ibis table) kept by the attribute filters (persona, segment, region…), or ``None`` when none
    is set. A customer whose attribute is unknown (NULL) is dropped by a filter on that attribute."""
    preds = [customers[d.column].isin(filters.values(d)) for d in DIMENSIONS if d.column and filters.values(d)]
    if not preds:
        return None
    return customers.filter(*preds)


def cohort_keys(filters: Filters, customers, touchpoints, stages, key: str):
    """The cohort's customer keys (one column ``key``), or ``None`` when every customer is in it.

    Attributes select on ``customers``. Journey selectors (a channel used or entered by, a first touchpoint in the
    window) are judged on the customer's whole journey — all their touchpoints at a stage of the model, whatever the
    lenses — in one grouped pass: per customer the first timestamp, whether a touchpoint is on one of the channels,
    and whether the first touchpoint in journey order (timestamp, stage order, id) is. A customer without a
    touchpoint has no journey, so joins no journey cohort.
    """
    attributes = customer_filter(customers, filters)
    if not filters.by_journey:
        return None if attributes is None else attributes.select(key)  # a semi-join needs no distinct keys
    st = stages.select(stage_code="code", position="position")
    t = touchpoints
    if filters.as_of is not None:  # the data as it stood then: a customer who came later is not in any cohort yet
        t = t.filter(*_window_preds(t.timestamp, None, filters.as_of))
    if attributes is not None:  # fewer rows to group
        t = t.filter(t[key].isin(attributes[key]))
    t = t.join(st, t.stage == st.stage_code)
    facts, joined = {}, None
    if filters.channels and filters.channel_mode == "used":
        facts["used"] = t.channel.isin(filters.channels).any()
    if filters.channels and filters.channel_mode == "entered":
        on = t.channel.isin(filters.channels)
        order = [t.timestamp, t.position, t.id]
        how = _FIRST_BY.get(t._find_backend().name)
        if how == "first":
            facts["entered"] = on.first(order_by=order)
        elif how == "array":  # no FIRST(… ORDER BY …) aggregate in PostgreSQL: the first of the ordered array
            facts["entered"] = on.collect(order_by=order)[0]
        else:  # no ordered aggregate at all (Spark): the first row of a window, joined to the pass
            ranked = t.mutate(_rank=ibis.row_number().over(group_by=t[key], order_by=order))
            joined = ranked.filter(ranked._rank == 0).select(key, entered=ranked.channel.isin(filters.channels))
    if filters.has_period and filters.period_mode == "cohort":
        facts["first_ts"] = t.timestamp.min()
    per = t.group_by(key).aggregate(**facts) if facts else None
    if joined is not None:
        per = joined if per is None else per.join(joined, key)
    conditions = [per[name] for name in ("used", "entered") if name in per.columns]
    if "first_ts" in facts:
        conditions += _window_preds(per.first_ts, filters.start, filters.end)
    return per.filter(*conditions).select(key)


def cohort_keys_from_facts(filters: Filters, customers, facts, key: str, column: str, bits: dict[str, int]):
    """``cohort_keys`` (``filters.by_journey`` true) read from the stored per-customer facts (``analytics.facts``)
    instead of a pass over the touchpoints: the same customers. ``column``: the facts' column holding ``key``'s values
    (``ckey`` or ``customer_id``); ``bits``: channel code → its bit in ``channels_used``."""
    f = facts
    conditions = []
    attributes = customer_filter(customers, filters)
    if attributes is not None:
        conditions.append(f[column].isin(attributes[key]))
    if filters.channels and filters.channel_mode == "used":
        mask = sum(1 << bits[c] for c in filters.channels if c in bits)
        conditions.append((f.channels_used & ibis.literal(mask, type="int64")) != 0 if mask else ibis.literal(False))
    if filters.channels and filters.channel_mode == "entered":
        conditions.append(f.entry_channel.isin(filters.channels))
    if filters.has_period and filters.period_mode == "cohort":
        first = [f[c] for c in f.columns if c[0] == "f" and c[1:].isdigit()]
        t0 = first[0] if len(first) == 1 else ibis.least(*first)
        conditions += _window_preds(t0, filters.start, filters.end)
    return f.filter(*conditions).select(**{key: f[column]})


_FIRST_BY = {"duckdb": "first", "postgres": "array"}
"""How each backend takes the first value in journey order within the grouped pass; others use a window."""
_JUDGE = object()  # apply_filters' default: judge the cohort here


def apply_filters(table, filters: Filters, customers, *, touchpoints=None, stages=None, keys=_JUDGE):
    """Keep the rows of ``table`` (touchpoints or feedback, Ibis) that the metrics see under ``filters``.

    The lenses restrict rows: ``channel_mode="only"`` keeps the chosen channels' rows (a row without a channel —
    feedback — is then dropped), ``period_mode="activity"`` the rows inside the window; ``as_of`` drops the rows
    after that day (the data as it stood then). The cohort (``cohort_keys``)
    then keeps its customers' rows: all of them under the cohort modes, feedback without a channel included.
    ``customers``, ``touchpoints`` and ``stages`` are the tables the cohort is judged on (by default the tables of
    ``table``'s database). ``keys``: the cohort's keys when already judged (``cohort_keys`` for this table's
    ``customer_key``), so that a scope judges its cohort once for its touchpoints and its feedback.
    """
    preds = _window_preds(table.timestamp, None, filters.as_of) if filters.as_of is not None else []
    if filters.channel_lens:
        preds.append(table.channel.notnull() & table.channel.isin(filters.channels))
    if filters.period_lens:
        preds.extend(_window_preds(table.timestamp, filters.start, filters.end))
    if preds:
        table = table.filter(*preds)
    if not (filters.by_customer or filters.by_journey):
        return table
    key = customer_key(table, customers)
    if keys is _JUDGE:
        con = table._find_backend()
        touchpoints = touchpoints if touchpoints is not None else con.table("touchpoints")
        stages = stages if stages is not None else con.table("stages")
        keys = cohort_keys(filters, customers, touchpoints, stages, key)
    # IN (subquery), not a semi join: Ibis leaves a semi join nested in a later join as "LEFT SEMI JOIN", which
    # PostgreSQL does not know; both engines plan IN as a semi join
    return table.filter(table[key].isin(keys[key]))


def preset_period(name: str, last_day: date) -> tuple[date, date]:
    """The days of a ``PERIOD_PRESETS`` period, counted back from ``last_day`` (the data's last day), both
    inclusive."""
    if name == "last_30_days":
        return last_day - timedelta(days=29), last_day
    if name == "last_quarter":
        first_month = 3 * ((last_day.month - 1) // 3) + 1  # this quarter's first month
        this_quarter = date(last_day.year, first_month, 1)
        end = this_quarter - timedelta(days=1)
        return date(end.year, 3 * ((end.month - 1) // 3) + 1, 1), end
    if name == "year_to_date":
        return date(last_day.year, 1, 1), last_day
    if name == "last_year":
        return date(last_day.year - 1, 1, 1), date(last_day.year - 1, 12, 31)
    raise ValueError(f"unknown period preset {name!r} (known: {', '.join(PERIOD_PRESETS)})")


def as_of(db):
    """The moment the data stands at: the last touchpoint's timestamp (``None`` without touchpoints). Journeys are
    "followed until" it."""
    from analytics.dimensions import last_timestamp

    return last_timestamp(db)
