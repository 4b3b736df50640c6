"""The global filters: drawn once in the sidebar by app.py, kept in the URL by code (``ui.links``) so that a copied
link reproduces the view, shared by every page through ``current_filters()``."""

from datetime import date

import streamlit as st

from analytics.filters import Filters
from analytics.story import describe_filters
from data_model.text import slug
from ui.data import catalogue
from ui.i18n import t, texts
from ui.links import check_link, from_link, to_link

KEYS = ("persona", "segment", "region", "channel", "period")


def sidebar_filters() -> Filters:
    """Draw the filter widgets (bound to query parameters) and return the Filters they describe."""
    dims = catalogue()
    labels = {c.code: c.label for c in dims.channels}
    st.sidebar.header(t("filters.header"))
    chosen = {}
    for key, values in (("persona", dims.personas), ("segment", dims.segments), ("region", dims.regions)):
        # the data's own values are their codes: ?persona=Famille
        from_link(key, values, what=t(f"filters.{key}"), multi=True)
        chosen[key] = st.sidebar.multiselect(t(f"filters.{key}"), values, key=key, placeholder=t("filters.all"))
        to_link(key, chosen[key])
    # channels by code (?channel=magasin), whatever the label; a label or any spelling of it finds its code too
    from_link("channel", list(labels), what=t("filters.channel"), multi=True, resolve=slug)
    chans = st.sidebar.multiselect(t("filters.channel"), list(labels), key="channel",
                                   format_func=lambda c: labels.get(c, c), placeholder=t("filters.all"))
    to_link("channel", chans)
    check_link("period", lambda v: _in_range(v, dims.first_day, dims.last_day), what=t("filters.period"))
    # The default is "no period" (the whole data), never the data's current range: bind drops a value
    # equal to the default from the URL, and the whole range moves with each import, so an explicitly
    # chosen period must differ from the default to stay in the link.
    period = st.sidebar.date_input(t("filters.period"), value=(), min_value=dims.first_day,
                                   max_value=dims.last_day, key="period", bind="query-params",
                                   # one format in both languages: a format that changed with the language would
                                   # make another widget, and switching language would drop the chosen period
                                   help=t("filters.period_help"), format="DD/MM/YYYY")
    start, end = _period_bounds(period)
    filters = Filters(personas=chosen["persona"], segments=chosen["segment"], regions=chosen["region"],
                      channels=chans, start=start, end=end)
    st.session_state["filters"] = filters
    return filters


def _in_range(value: str, first: date | None, last: date | None) -> bool:
    """A period's day in a link (YYYY-MM-DD, as Streamlit writes it) within the data's days."""
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return False
    return (first is None or day >= first) and (last is None or day <= last)


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
