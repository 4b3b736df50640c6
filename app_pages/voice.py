"""Voice of the customer: verbatims by stage, channel and NPS group, searchable; the themes that set detractors
apart from promoters; and, for one step of the journey, why customers stopped there."""

import streamlit as st

import charts
from ui.constants import UNKNOWN
from ui.data import query
from ui.filters import current_filters
from ui.i18n import chart_titles, day, decimal, number, p_value, t
from ui.links import from_link, to_link
from ui.metrics import irritants, metrics, voice
from ui.widgets import (
    channel_labels,
    chart,
    downloads,
    empty_state,
    footer,
    how_to_read,
    kpi,
    plain,
    stage_codes,
    stage_labels,
)

filters = current_filters()
st.title(t("page.voice"))
st.caption(t("voice.intro"))
if query(metrics.customers, filters) == 0 and query(irritants.overall_nps, filters)["responses"] == 0:
    empty_state()

slabels, clabels = stage_labels(), channel_labels()
stages = stage_codes()
measure = query(irritants.overall_nps, filters)["measure"]  # the verbatims' groups on the satisfaction measure
group_names = {g: t(f"voice.group.{'csat.' if measure == 'csat' else ''}{g}")
               for g in ("promoter", "passive", "detractor", "none")}


def show_verbatims(frame, total: int) -> None:
    """Each verbatim as text (never markdown or HTML), under a line saying when, where and how it scored."""
    if total == 0:
        st.caption(t("voice.no_verbatim"))
        return
    st.caption(t("voice.shown", shown=number(len(frame)), total=number(total)))
    for r in frame.to_dict("records"):
        where = clabels.get(r["channel"], r["channel"]) if r["channel"] is not None else t("satisfaction.unknown")
        answer = r[measure]
        score = "—" if answer != answer else f"{int(answer)}" + ("/5" if measure == "csat" else "")
        with st.container(border=True):
            st.caption(plain(f"{day(r['timestamp'].date())} · {slabels.get(r['stage'], r['stage'])} · {where} · "
                             f"{measure.upper()} {score} ({group_names[r['group']]})"))
            st.markdown(plain(r["comment"]).replace("\n", "  \n"))


# One view at a time (not tabs, whose hidden contents would all be queried on every run), kept in the link.
VIEWS = ["verbatims", "themes", "why_drop"]
from_link("voice_view", VIEWS, what=t("voice.view"))  # by code, whatever the language: ?voice_view=themes
st.session_state.setdefault("voice_view", "verbatims")
view = st.segmented_control(t("voice.view"), VIEWS, key="voice_view", format_func=lambda v: t(f"voice.{v}"),
                            label_visibility="collapsed") or "verbatims"
to_link("voice_view", view, default="verbatims")
# themes contrast the unhappy with the happy on the satisfaction measure: NPS detractors and promoters, or CSAT's
# dissatisfied (1–2) and satisfied (4–5)
sides = "csat." if query(irritants.overall_nps, filters)["measure"] == "csat" else ""
titles = chart_titles(term=t("voice.term"), z=t("voice.z"), side=t("voice.side"),
                      detractor=t(f"voice.{sides}detractors"), promoter=t(f"voice.{sides}promoters"),
                      detractor_comments=t(f"voice.{sides}detractor_comments"),
                      promoter_comments=t(f"voice.{sides}promoter_comments"), kind=t("voice.kind"),
                      word=t("voice.word"), phrase=t("voice.phrase"))

if view == "verbatims":
    c1, c2, c3 = st.columns(3)
    stage = c1.selectbox(t("funnel.col.stage"), [None, *stages], key="voice_stage",
                         format_func=lambda s: t("filters.all") if s is None else slabels.get(s, s))
    channel = c2.selectbox(t("filters.channel"), [None, *clabels, UNKNOWN], key="voice_channel",
                           format_func=lambda c: t("filters.all") if c is None else t("satisfaction.unknown")
                           if c == UNKNOWN else clabels.get(c, c))
    group = c3.selectbox(t("voice.group"), [None, *group_names], key="voice_group",
                         format_func=lambda g: t("filters.all") if g is None else group_names[g])
    search = st.text_input(t("voice.search"), key="voice_search", placeholder=t("voice.search_hint")).strip()
    frame, total = query(voice.verbatims, filters, stage=stage, channel=channel, group=group, search=search or None)
    show_verbatims(frame, total)
    downloads(frame, "verbatims")

elif view == "themes":
    theme_stage = st.selectbox(t("funnel.col.stage"), [None, *stages], key="theme_stage",
                               format_func=lambda s: t("voice.all_stages") if s is None else slabels.get(s, s))
    themes = query(voice.themes, filters, stage=theme_stage)
    if themes.empty:
        st.caption(t("voice.no_theme"))
    else:
        chart(charts.themes_chart, themes, titles=titles)
        term = st.selectbox(t("voice.theme_verbatims"), themes["term"].tolist(), key="theme_term")
        frame, total = query(voice.verbatims, filters, stage=theme_stage, search=term, limit=10)
        show_verbatims(frame, total)
    st.caption(t("voice.themes_help"))

elif len(stages) < 2:  # a one-stage model has no step to drop at
    st.caption(t("voice.no_step"))
else:
    step = st.selectbox(t("voice.step"), stages[:-1], key="drop_stage",
                        format_func=lambda s: f"{slabels.get(s, s)} → {slabels.get(stages[stages.index(s) + 1])}")
    drop = query(voice.why_drop, filters, stage=step)
    c1, c2 = st.columns(2)
    csat = drop["measure"] == "csat"  # NPS, or the mean stars (analytics.measures)
    for col, key in ((c1, "stopped"), (c2, "went_on")):
        g = drop[key]
        kpi(col, t(f"voice.{drop['measure']}_{key}"), decimal(g["value"], ".2f" if csat else "+.0f"),
            g["respondents"] if csat else g["responses"], help=t("voice.customers_in_group", n=number(g["customers"])))
    if drop["p_value"] is not None:
        verdict = t("satisfaction.significant") if drop["p_value"] < 0.05 else t("satisfaction.not_significant")
        st.caption(t("voice.drop_test_csat" if csat else "voice.drop_test",
                     diff=decimal(drop["diff"], "+.2f" if csat else "+.0f"), p=p_value(drop["p_value"]),
                     verdict=verdict))
    drop_titles = {**titles, "detractor": t("voice.stopped"), "promoter": t("voice.went_on"),
                   "detractor_comments": t("voice.stopped_comments"), "promoter_comments": t("voice.went_on_comments")}
    if drop["themes"].empty:
        st.caption(t("voice.no_theme"))
    else:
        chart(charts.themes_chart, drop["themes"], titles=drop_titles)

how_to_read("voice.how")
footer()
