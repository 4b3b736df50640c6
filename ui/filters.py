"""The global filters: drawn once in the sidebar by app.py, kept in the URL by code (``ui.links``) so that a copied
link reproduces the view, shared by every page through ``current_filters()``."""

from datetime import date

import streamlit as st

from analytics.filters import CHANNEL_MODES, DIMENSIONS, PERIOD_MODES, PERIOD_PRESETS, Filters, preset_period
from story import describe_filters
from ui.data import catalogue
from ui.i18n import day, t, texts
from ui.links import check_link, from_link, to_link

KEYS = (*(d.name for d in DIMENSIONS), "channel_mode", "period", "period_mode", "measure")
"""Every link key of the filters (the dimensions' own, then the modes and the period, then the measure)."""


def sidebar_filters() -> Filters:
    """Draw the filter widgets (bound to query parameters) and return the Filters they describe: one multiselect per
    declared dimension (``analytics.filters.DIMENSIONS``), a mode under the channels and under the period when one
    is chosen."""
    dims = catalogue()
    labels = {c.code: c.label for c in dims.channels}
    st.sidebar.header(t("filters.header"))
    chosen = {}
    for d in DIMENSIONS:
        if d.column:  # the data's own values are their codes: ?persona=Famille (case and accents ignored)
            values = list(getattr(dims, d.field))
            from_link(d.name, values, what=t(d.label_key), multi=True, loose=True)
            chosen[d.field] = st.sidebar.multiselect(t(d.label_key), values, key=d.name, placeholder=t("filters.all"))
        else:  # channels by code (?channel=magasin), whatever the label; a label or any spelling of it finds its code
            from_link(d.name, list(labels), what=t(d.label_key), multi=True, labels=labels, loose=True)
            chosen[d.field] = st.sidebar.multiselect(t(d.label_key), list(labels), key=d.name,
                                                     format_func=lambda c: labels.get(c, c),
                                                     placeholder=t("filters.all"))
        to_link(d.name, chosen[d.field])
    channel_mode = _mode("channel_mode", CHANNEL_MODES, shown=bool(chosen["channels"]))
    check_link("period", lambda v: _in_range(v, dims.first_day, dims.last_day), what=t("filters.period"))
    # The default is "no period" (the whole data), never the data's current range: bind drops a value
    # equal to the default from the URL, and the whole range moves with each import, so an explicitly
    # chosen period must differ from the default to stay in the link.
    _presets(dims.first_day, dims.last_day)
    period = st.sidebar.date_input(t("filters.period"), value=(), min_value=dims.first_day,
                                   max_value=dims.last_day, key="period", bind="query-params",
                                   # one format in both languages: a format that changed with the language would
                                   # make another widget, and switching language would drop the chosen period
                                   help=t("filters.period_help"), format="DD/MM/YYYY")
    start, end = _period_bounds(period)
    period_mode = _mode("period_mode", PERIOD_MODES, shown=start is not None or end is not None)
    filters = Filters(**chosen, start=start, end=end, channel_mode=channel_mode, period_mode=period_mode,
                      measure=_measure(dims))
    st.session_state["filters"] = filters
    return filters


def _measure(dims) -> str | None:
    """The satisfaction measure (``?measure=csat``): a choice in the sidebar when the data holds both NPS and CSAT,
    preselected on the database's (``analytics.measures``); ``None`` (the database's) when it is that one. A link
    asking for a measure the data does not hold keeps it, and the pages say it is absent."""
    from analytics.measures import MEASURES, choose_measure

    default = choose_measure(None, dims.measure_setting, dims.nps_respondents, dims.csat_respondents).measure
    from_link("measure", list(MEASURES), what=t("filters.measure"), loose=True)
    if not (dims.nps_respondents and dims.csat_respondents):
        asked = st.session_state.get("measure")  # from the link, read as the others (case ignored)
        return asked if asked in MEASURES and asked != default else None
    if "measure" not in st.session_state:
        st.session_state["measure"] = default
    measure = st.sidebar.selectbox(t("filters.measure"), MEASURES, key="measure",
                                   format_func=lambda m: t(f"filters.measure.{m}"), help=t("filters.measure_help"))
    to_link("measure", measure, default=default)
    return None if measure == default else measure


def _presets(first: date | None, last: date | None) -> None:
    """A row of periods a click away (last 30 days, last quarter, year to date, last year), counted back from the
    data's last day; one that would hold no day of the data is not offered. A click sets the period picker (and so
    the link) before it is drawn."""
    if first is None or last is None:
        return
    row = st.sidebar.container(horizontal=True, gap="small")
    for name in PERIOD_PRESETS:
        start, end = preset_period(name, last)
        if end < first:
            continue
        row.button(t(f"filters.preset.{name}"), key=f"preset_{name}", type="tertiary",
                   help=t("filters.preset_help", start=day(max(start, first)), end=day(end)),
                   on_click=_set_period, args=(max(start, first), end))


def _set_period(start: date, end: date) -> None:
    st.session_state["period"] = (start, end)


def _mode(key: str, modes: tuple[str, ...], *, shown: bool) -> str:
    """A compact choice of mode (``?channel_mode=only``, by code), drawn only when its filter is chosen; the default
    (the first mode) stays out of the link."""
    from_link(key, list(modes), what=t(f"filters.{key}"), loose=True)
    if not shown:
        to_link(key, modes[0], default=modes[0])
        return modes[0]
    mode = st.sidebar.selectbox(t(f"filters.{key}"), modes, key=key, format_func=lambda m: t(f"filters.{key}.{m}"),
                                help=t(f"filters.{key}_help"))
    to_link(key, mode, default=modes[0])
    return mode


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
    """One sentence saying what is shown: the cohort in words, how many, and the lens when one is on
    (``story.describe_filters``)."""
    return describe_filters(filters, catalogue(), customers, texts())
