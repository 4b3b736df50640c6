"""The global filters: drawn once in the sidebar by app.py, bound to the URL so that a copied link
reproduces the view, shared by every page through ``current_filters()``."""

from datetime import date

import streamlit as st

from analytics.filters import Filters
from analytics.story import describe_filters
from ui.data import catalogue
from ui.i18n import t, texts

KEYS = ("persona", "segment", "region", "channel", "period")


def sidebar_filters() -> Filters:
    """Draw the filter widgets (bound to query parameters) and return the Filters they describe."""
    dims = catalogue()
    labels = {c.code: c.label for c in dims.channels}
    st.sidebar.header(t("filters.header"))
    personas = st.sidebar.multiselect(t("filters.persona"), dims.personas, key="persona", bind="query-params",
                                      placeholder=t("filters.all"))
    segments = st.sidebar.multiselect(t("filters.segment"), dims.segments, key="segment", bind="query-params",
                                      placeholder=t("filters.all"))
    regions = st.sidebar.multiselect(t("filters.region"), dims.regions, key="region", bind="query-params",
                                     placeholder=t("filters.all"))
    chans = st.sidebar.multiselect(t("filters.channel"), list(labels), key="channel", bind="query-params",
                                   format_func=lambda c: labels.get(c, c), placeholder=t("filters.all"))
    # The default is "no period" (the whole data), never the data's current range: bind drops a value
    # equal to the default from the URL, and the whole range moves with each import, so an explicitly
    # chosen period must differ from the default to stay in the link.
    period = st.sidebar.date_input(t("filters.period"), value=(), min_value=dims.first_day,
                                   max_value=dims.last_day, key="period", bind="query-params",
                                   # one format in both languages: a format that changed with the language would
                                   # make another widget, and switching language would drop the chosen period
                                   help=t("filters.period_help"), format="DD/MM/YYYY")
    start, end = _period_bounds(period)
    filters = Filters(personas=personas, segments=segments, regions=regions, channels=chans, start=start, end=end)
    st.session_state["filters"] = filters
    return filters


def _period_bounds(period) -> tuple[date | None, date | None]:
    if isinstance(period, date):
        return period, period
    period = tuple(period or ())
    if len(period) == 2:
        return period[0], period[1]
    if len(period) == 1:  # first day picked, second not yet: a one-day window until then
        return period[0], period[0]
    return None, None


def current_filters() -> Filters:
    return st.session_state.get("filters", Filters())


def describe(filters: Filters, customers: int) -> str:
    """One sentence saying what is shown: "3 personas, web + magasin, 1 janv. 2025 – 30 juin 2025, 12 430 clients"."""
    return describe_filters(filters, catalogue(), customers, texts())
