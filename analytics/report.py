"""The whole journey report for one set of filters, as a JSON-ready dict."""

from analytics.channels import source_systems
from analytics.filters import Filters
from analytics.funnel import funnel_steps
from analytics.metrics import Scope, scope_for
from analytics.overview import weakest_step
from analytics.timing import TIMING_COLUMNS, timing_rows

__all__ = ["report", "scope_report"]


def report(db, filters: Filters | None = None, *, scope: Scope | None = None) -> dict:
    """Every metric of ``analytics.metrics`` for ``filters``, sharing one pass over the touchpoints.

    Plain Python values only (ints, floats, strings, None), identical on DuckDB and PostgreSQL.
    """
    return scope_report(scope_for(db, filters, scope))


def scope_report(scope: Scope) -> dict:
    """The report of an already built ``Scope`` (its cached results are reused)."""
    scope.prefetch()  # customer summary, transitions and observed stages in one query
    conversion = scope.conversion()
    return {
        "as_of": scope.as_of.isoformat() if scope.as_of is not None else None,
        "window_days": scope.window,
        "cohort": {"customers": scope.customers(), "in_progress": conversion["in_progress"]},
        "customers": scope.customers(),
        "funnel": scope.funnel(),
        "conversion": conversion,
        "revenue": scope.revenue(),
        "nps": scope.nps(),
        "csat": scope.csat(),
        "churn": scope.churn(),
        "channel_mix": scope.channel_mix(),
        "transitions": scope.transitions(),
        "weakest_step": weakest_step(*funnel_steps(scope), scope.settings.observed_for_ranking),
        "time_to_next_stage": [{c: r[c] for c in TIMING_COLUMNS} for r in timing_rows(scope)],
        "sources": _sources(scope),
    }


def _sources(scope: Scope) -> dict:
    """The share of journeys spanning more than one source system, with its counts (``channels.source_systems``)."""
    got = source_systems(scope.db, scope=scope)
    return {k: got[k] for k in ("customers", "spanning", "share")}
