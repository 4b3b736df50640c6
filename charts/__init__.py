"""Parcours chart layer: Altair builders over small aggregated pandas frames.

No streamlit, no database: each ``*_chart(df, …)`` takes a frame from the analytics layer (codes,
not display texts), display ``labels`` (code → text) and ``titles`` (``titles["locale"]``: "en", the default, or
"fr", for the chart's texts from ``i18n.CHART_TEXTS`` and its number formats; any other key overrides one of those
texts), and returns a
themed Altair chart that fits the container's width. Colours, scales and the theme live in
``charts.palette``.
"""

from charts.changes import waterfall_chart
from charts.channels import digital_share_chart, flow_chart, flow_layout, mix_chart, transition_heatmap
from charts.funnel import funnel_chart, funnel_compare_chart, time_between_chart
from charts.irritants import irritants_chart
from charts.journey_map import journey_map_chart, journey_map_layout, journey_map_rows
from charts.layouts import Split
from charts.palette import (
    CHANNEL_COLORS,
    DIGITAL_PHYSICAL,
    MIX_COLORS,
    NPS_COLORS,
    NPS_DIVERGING,
    OKABE_ITO,
    apply_theme,
    channel_scale,
    stage_scale,
    theme_config,
)
from charts.satisfaction import (
    churn_by_stage_chart,
    csat_chart,
    csat_heatmap,
    csat_layout,
    csat_rows,
    nps_bars_chart,
    nps_bars_layout,
    nps_bars_rows,
    nps_heatmap,
    nps_split_chart,
    satisfaction_trend_chart,
    satisfaction_trend_layout,
    satisfaction_trend_rows,
)
from charts.timing import time_to_next_chart
from charts.trends import METRICS, kpi_trend_chart, kpi_trend_layout, kpi_trend_rows
from charts.variants import variants_chart
from charts.voice import themes_chart

__all__ = [
    "CHANNEL_COLORS", "DIGITAL_PHYSICAL", "METRICS", "MIX_COLORS", "NPS_COLORS", "NPS_DIVERGING", "OKABE_ITO", "SPLITS",
    "apply_theme", "channel_scale", "churn_by_stage_chart", "csat_chart", "csat_heatmap",
    "digital_share_chart", "flow_chart",
    "flow_layout", "funnel_chart", "funnel_compare_chart", "irritants_chart", "journey_map_chart", "kpi_trend_chart",
    "mix_chart", "nps_bars_chart", "nps_heatmap", "nps_split_chart", "satisfaction_trend_chart", "stage_scale",
    "theme_config", "themes_chart", "time_between_chart", "time_to_next_chart", "transition_heatmap", "variants_chart",
    "waterfall_chart",
]

SPLITS: dict[str, Split] = {
    "kpi_trend_chart": Split(layout=kpi_trend_layout, rows=kpi_trend_rows),
    "journey_map_chart": Split(layout=journey_map_layout, rows=journey_map_rows, data_args=3),
    "nps_bars_chart": Split(layout=nps_bars_layout, rows=nps_bars_rows),
    "csat_chart": Split(layout=csat_layout, rows=csat_rows),
    "satisfaction_trend_chart": Split(layout=satisfaction_trend_layout, rows=satisfaction_trend_rows),
}
"""The chart functions built in two parts (``charts.layouts``), by name: the app builds their layout once per options
and puts each filter set's rows in."""
