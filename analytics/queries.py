"""Every metric the app, the story and the deck show: one definition of each, reached the same way by the pages
(``ui.data.query(funnel.funnel_table, filters)``, cached by the metric's qualified name), the presentation story and
``python -m story deck`` (``runner``). Callers name the function itself, so that go-to-definition leads to it; only the
metrics listed here may be asked for (a cache key names one of them, and nothing else runs through it)."""

from analytics import (
    channels,
    cohorts,
    explain,
    exports,
    funnel,
    irritants,
    journey_map,
    metrics,
    overview,
    satisfaction,
    timing,
    variants,
    voice,
)
from analytics.report import report

METRICS = (
    report,
    metrics.customers,
    overview.kpis,
    overview.kpi_trend,
    overview.headline,
    funnel.funnel_table,
    funnel.stage_reach,
    funnel.time_between_stages,
    timing.time_to_next_stage,
    timing.time_to_next_stage_curves,
    funnel.funnel_by_group,
    cohorts.conversion_cohorts,
    channels.mix_outcomes,
    channels.transition_matrix,
    channels.stage_flows,
    channels.digital_share_by_stage,
    channels.ropo_showrooming,
    channels.source_systems,
    satisfaction.nps_by_channel,
    satisfaction.nps_split_by_stage,
    satisfaction.csat_by_stage,
    satisfaction.stage_channel_nps,
    satisfaction.stage_channel_csat,
    satisfaction.detractor_churn,
    satisfaction.satisfaction_trend,
    irritants.irritants,
    irritants.overall_nps,
    exports.unhappy_customers,
    journey_map.journey_map,
    voice.verbatims,
    voice.themes,
    voice.why_drop,
    variants.variants,
    explain.change_split,
)
"""The metrics that pages, the story and the deck may ask for."""


def _qualified(metric) -> str:
    return f"{metric.__module__}.{metric.__qualname__}"


BY_NAME = {_qualified(m): m for m in METRICS}


def metric_name(metric) -> str:
    """The qualified name of a metric of ``METRICS`` (``analytics.funnel.funnel_table``): its cache key."""
    name = _qualified(metric)
    if BY_NAME.get(name) is not metric:
        raise KeyError(f"{name} is not a metric of analytics.queries.METRICS")
    return name


def runner(db, filters, scope=None):
    """``q(metric, **options)``: the metrics of one filter set sharing one ``Scope`` (for the command line, the story
    and the deck; the app caches each result instead, in ``ui.data``)."""
    scope = scope or metrics.Scope(db, filters)

    def q(metric, **options):
        metric_name(metric)  # only a listed metric
        return metric(db, filters, scope=scope, **options)

    return q
