"""Survival tables computed in the database: per-customer clocks reduced to counts per day (issue 15, "Time is
followed, not cut").

A metric that follows customers in time (conversion within 90 days of the first touchpoint, a post-conversion
stage within 365 days of the conversion, time to the next stage) gives ``survival_table`` one row per customer
with a start timestamp and a nullable event timestamp; the database returns ``(time, events, censored)`` per day,
which ``analytics.stats`` turns into Kaplan–Meier figures (``km_reach``, ``km_quantiles``). Only those few rows
come back to Python, never one row per customer.

Per customer, with d(x) = floor((x − start) / 1 day) (elapsed time in whole days, floor) and W the window in days:

* start after ``as_of``, or no start: left out (not yet in the cohort at ``as_of``).
* the event counts when it is at or before ``as_of`` and, with a window, d(event) ≤ W: an *event* at
  time d(event) (an event before the start counts at day 0). Events after ``as_of`` are not seen; events after
  the window do not count.
* otherwise, when the window is over at ``as_of`` (d(as_of) ≥ W): followed through the whole window without the
  event, a definitive "no" — counted at time W in ``censored``, which for Kaplan–Meier is exactly "still without
  the event at W" (at risk at W, not in progress: ``km_reach`` counts as in progress only censorings before W).
* otherwise (window not over at ``as_of``, or no window): *censored* at d(as_of), "still in progress".
"""

import datetime as dt

import ibis

from analytics import stats

__all__ = ["survival_quantiles", "survival_reach", "survival_rows", "survival_table"]

_DAY = 86400  # seconds


def _timestamp(rel, value):
    """A column of ``rel`` (by name), an Ibis expression, or a ``datetime`` (naive, like the data's timestamps)."""
    if isinstance(value, str):
        return rel[value]
    if isinstance(value, dt.datetime):
        return ibis.literal(value, type="timestamp")
    if isinstance(value, ibis.Expr):
        return value
    raise TypeError(f"a timestamp is a column name, an Ibis expression or a datetime, not {value!r}")


def _days(later, earlier):
    """Elapsed whole days from ``earlier`` to ``later`` (floor), computed by the database."""
    return ((later.epoch_seconds() - earlier.epoch_seconds()) / _DAY).floor().cast("int64")


def survival_table(rel, *, as_of, window_days: int | None, start="start", event="event", by: tuple[str, ...] = ()):
    """The Ibis expression of ``(time, events, censored)`` per day (int64 columns, ordered by time) for the
    customers of ``rel`` (one row per customer), under the rules of this module's docstring; with ``by`` (columns
    of ``rel``), one table per value of those columns (``*by, time, events, censored``), in one query.

    ``start`` and ``event`` name timestamp columns of ``rel`` (or are Ibis expressions on it); ``as_of`` is a
    ``datetime``, a column name or an expression; ``window_days`` a number of days ≥ 0, or None for no window.
    """
    if window_days is not None and (isinstance(window_days, bool) or int(window_days) != window_days
                                    or window_days < 0):
        raise ValueError(f"a window is a whole number of days ≥ 0, or None, not {window_days!r}")
    s, e, a = _timestamp(rel, start), _timestamp(rel, event), _timestamp(rel, as_of)
    followed = _days(a, s)
    event_day = ibis.greatest(_days(e, s), 0)
    hit = e.notnull() & (e <= a)
    if window_days is not None:
        window = ibis.literal(int(window_days), type="int64")
        hit = hit & (event_day <= window)
        followed = ibis.least(followed, window)
    per = rel.filter(s <= a).select(*by, time=ibis.ifelse(hit, event_day, followed).cast("int64"),
                                    hit=hit.fill_null(False))
    return (per.group_by(*by, "time")
            .aggregate(events=per.count(where=per.hit).cast("int64"),
                       censored=per.count(where=~per.hit).cast("int64"))
            .order_by(*by, "time"))


def survival_rows(rel, *, as_of, window_days: int | None, start="start", event="event") -> list[tuple[int, int, int]]:
    """``survival_table`` executed: ``[(time, events, censored), …]`` in time order, plain ints."""
    expr = survival_table(rel, as_of=as_of, window_days=window_days, start=start, event=event)
    return [(int(r["time"]), int(r["events"]), int(r["censored"])) for r in expr.to_pyarrow().to_pylist()]


def survival_reach(rel, *, as_of, window_days: int | None, start="start", event="event") -> dict:
    """The share of ``rel``'s customers with the event within the window, as ``stats.km_reach`` gives it (rate,
    interval, n, at_risk, in_progress, shown…) at day ``window_days``; with no window, the plain share at
    ``as_of`` with every customer still without the event counted in ``in_progress``."""
    rows = survival_rows(rel, as_of=as_of, window_days=window_days, start=start, event=event)
    return stats.km_reach(rows, window_days)


def survival_quantiles(rel, *, as_of, window_days: int | None = None, start="start", event="event") -> dict:
    """Time to the event as ``stats.km_quantiles`` reads it (median and its Brookmeyer–Crowley interval, p25, p75,
    p90, share within 30/90/365 days) — e.g. ``time_to_next_stage`` with ``start`` the first reach of a stage,
    ``event`` the first reach of the next one and no window (censored at ``as_of``)."""
    return stats.km_quantiles(survival_rows(rel, as_of=as_of, window_days=window_days, start=start, event=event))
