"""The global filters: drawn once in the sidebar by app.py, bound to the URL so that a copied link
reproduces the view, shared by every page through ``current_filters()``."""

from datetime import date

import streamlit as st

from analytics.filters import Filters
from ui.data import catalogue
from ui.i18n import day, number, t

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
    dims = catalogue()
    labels = {c.code: c.label for c in dims.channels}
    parts = [_some(filters.personas, "describe.all_personas", "describe.n_personas")]
    if filters.segments:
        parts.append(_some(filters.segments, None, "describe.n_segments"))
    if filters.regions:
        parts.append(_some(filters.regions, None, "describe.n_regions"))
    parts.append(" + ".join(labels.get(c, c) for c in filters.channels) if filters.channels
                 else t("describe.all_channels"))
    if filters.start or filters.end:
        parts.append(f"{day(filters.start or dims.first_day)} – {day(filters.end or dims.last_day)}")
    else:
        parts.append(t("describe.all_dates"))
    parts.append(t("describe.customers", n=number(customers)))
    return ", ".join(parts)


def _some(values: tuple[str, ...], all_key: str | None, n_key: str) -> str:
    if not values:
        return t(all_key) if all_key else ""
    if len(values) <= 2:
        return " + ".join(values)
    return t(n_key, n=len(values))
