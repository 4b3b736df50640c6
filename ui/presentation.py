"""Presentation mode: the story of the data in eight views, one at a time, for a meeting room — large numbers and
chart text, no sidebar or controls, each view's finding in one sentence, the filters and n at its foot.

Drawn by app.py in place of the page of the URL (which stays, so leaving the presentation returns to it)."""

import threading

import streamlit as st

import charts
import story
from analytics import metrics
from ui.data import catalogue, query
from ui.filters import current_filters
from ui.i18n import currency, t, texts
from ui.links import check_link
from ui.widgets import chart, dark_theme, empty_state, kpi, plain

# Static style, no customer text: hide the sidebar and its toggle, enlarge the KPIs and the finding.
STYLE = """<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stExpandSidebarButton"],
[data-testid="stSidebarCollapseButton"] {display: none;}
[data-testid="stMetricValue"] {font-size: 3.6rem;}
[data-testid="stMetricLabel"] p {font-size: 1.4rem;}
.st-key-finding p {font-size: 1.6rem; line-height: 1.35;}
.st-key-next-steps li, .st-key-next-steps p {font-size: 1.5rem; line-height: 1.4;}
[data-testid="stMainBlockContainer"] {padding-top: 4.5rem; padding-bottom: 1rem;}
[data-testid="stMain"] h1 {font-size: 2.4rem; padding-top: 0.2rem; padding-bottom: 0.4rem;}
.st-key-view-chart-journey_map {zoom: 0.66; width: calc(100% / 0.66);}
.st-key-view-chart-irritants {zoom: 0.8; width: calc(100% / 0.8);}
</style>"""
# The map (six lanes) and the ranked irritants are taller than a 900 px screen once their text is enlarged: drawn
# smaller as a whole (CSS zoom keeps their proportions), so that the view and its foot fit without scrolling.

TOTAL = len(story.STORY)
_warmed: set = set()  # (filters, data version, language, theme) whose story is computed or being computed


def warm_the_story(filters, lang: str, dark: bool, start: int) -> None:
    """Compute every view of the story in the background, next views first, while the presenter talks about the
    first: the results land in the same caches as the pages', so the next clicks show at once."""
    from i18n import Texts
    from ui.data import version
    from ui.widgets import chart_spec

    key = (filters, version(), lang, dark)
    if key in _warmed:
        return
    if len(_warmed) > 256:  # one entry per filter set presented: bounded
        _warmed.clear()
    _warmed.add(key)

    def work() -> None:
        tx, dims = Texts(lang, **currency()), catalogue()
        for name in story.STORY[start:] + story.STORY[:start]:  # from the view after the one shown
            view = story.view(name, lambda metric, **options: query(metric, filters, **options), filters, dims, tx)
            if view.chart:
                builder, args, kwargs = view.chart
                chart_spec(builder, args, kwargs, dark=dark, large=True)

    threading.Thread(target=work, name="parcours-story", daemon=True).start()


def position() -> int:
    """The view shown, 1-based, kept in the link (?view=3) so a presenter can share or reload it."""
    try:
        return min(max(int(st.query_params.get("view", 1)), 1), TOTAL)
    except ValueError:
        return 1


def go(step: int) -> None:
    st.query_params["view"] = str(min(max(position() + step, 1), TOTAL))


def leave() -> None:
    st.session_state["present"] = False
    st.query_params.pop("view", None)


def show() -> None:
    """The current view of the story for the sidebar's filters."""
    check_link("view", lambda v: v.isdigit() and 1 <= int(v) <= TOTAL, what=t("link.view"))
    st.html(STYLE)
    filters = current_filters()
    tx = texts()
    i = position()
    nav = st.columns([5, 1.2, 1.2, 2], vertical_alignment="center")
    nav[0].caption(t("present.position", i=i, n=TOTAL))
    nav[1].button(t("present.previous"), icon=":material/arrow_back:", on_click=go, args=(-1,), disabled=i == 1,
                  shortcut="left", width="stretch")
    nav[2].button(t("present.next"), icon=":material/arrow_forward:", on_click=go, args=(1,), disabled=i == TOTAL,
                  shortcut="right", width="stretch")
    nav[3].button(t("present.exit"), icon=":material/close:", on_click=leave, shortcut="escape", type="tertiary")

    customers = query(metrics.customers, filters)
    if customers == 0:
        empty_state()

    dims = catalogue()
    view = story.view(story.STORY[i - 1], lambda name, **options: query(name, filters, **options), filters, dims, tx)
    st.title(view.title)
    # The finding names stages, channels and personas: customer text, shown as text.
    st.container(key="finding").markdown(plain(view.caption))
    if view.kpis:
        for column, (label, value, n) in zip(st.columns(len(view.kpis)), view.kpis, strict=True):
            kpi(column, label, value, n)
    if view.chart:
        builder, args, kwargs = view.chart
        frame = st.container(key=f"view-chart-{view.key}")  # its key sizes the tall views (STYLE)
        chart(getattr(charts, builder), *args, large=True, downloads=False, where=frame, **kwargs)
    if view.bullets:
        st.container(key="next-steps").markdown("\n".join(f"- {plain(b)}" for b in view.bullets))
    st.divider()
    st.caption(plain(story.footer(filters, dims, customers, tx)))
    warm_the_story(filters, tx.lang, dark_theme(), start=i)
