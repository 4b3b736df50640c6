"""Every metric the app, the story and the deck show, by name: one definition of each, reached the same way by
the pages (``ui.data.query``, cached), the presentation story and ``python -m story deck``."""

from analytics import (
    channels,
    cohorts,
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

QUERIES = {
    "report": report,
    "customers": metrics.customers,
    "kpis": overview.kpis,
    "kpi_trend": overview.kpi_trend,
    "headline": overview.headline,
    "funnel_table": funnel.funnel_table,
    "stage_reach": funnel.stage_reach,
    "time_between_stages": funnel.time_between_stages,
    "time_to_next_stage": timing.time_to_next_stage,
    "time_to_next_stage_curves": timing.time_to_next_stage_curves,
    "funnel_by_group": funnel.funnel_by_group,
    "conversion_cohorts": cohorts.conversion_cohorts,
    "mix_outcomes": channels.mix_outcomes,
    "transition_matrix": channels.transition_matrix,
    "stage_flows": channels.stage_flows,
    "digital_share_by_stage": channels.digital_share_by_stage,
    "ropo_showrooming": channels.ropo_showrooming,
    "source_systems": channels.source_systems,
    "nps_by_channel": satisfaction.nps_by_channel,
    "nps_split_by_stage": satisfaction.nps_split_by_stage,
    "csat_by_stage": satisfaction.csat_by_stage,
    "stage_channel_nps": satisfaction.stage_channel_nps,
    "stage_channel_csat": satisfaction.stage_channel_csat,
    "detractor_churn": satisfaction.detractor_churn,
    "satisfaction_trend": satisfaction.satisfaction_trend,
    "irritants": irritants.irritants,
    "overall_nps": irritants.overall_nps,
    "unhappy_customers": exports.unhappy_customers,
    "journey_map": journey_map.journey_map,
    "verbatims": voice.verbatims,
    "themes": voice.themes,
    "why_drop": voice.why_drop,
    "variants": variants.variants,
}


def runner(db, filters, scope=None):
    """``q(name, **options)``: the metrics of one filter set sharing one ``Scope`` (for the command line;
    the app caches each result instead, in ``ui.data``)."""
    scope = scope or metrics.Scope(db, filters)

    def q(name: str, **options):
        return QUERIES[name](db, filters, scope=scope, **options)

    return q
