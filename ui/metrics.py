"""The metric modules, for pages to name the metric they ask for: ``query(funnel.funnel_table, filters)`` (``ui.data``).
A page imports nothing from ``analytics`` itself: its data comes through ``ui``."""

from analytics import (  # noqa: F401 - re-exported for the pages
    channels,
    cohorts,
    explain,
    exports,
    funnel,
    irritants,
    journey_map,
    metrics,
    overview,
    report,
    satisfaction,
    timing,
    variants,
    voice,
)
