"""The journey map: one column per stage, lanes for who gets there, channels, emotion, pain points, delights
and churn — for all filtered customers or for one or two personas side by side."""

from dataclasses import replace

import pandas as pd
import streamlit as st

import charts
from story import map_titles
from ui.data import catalogue, query
from ui.filters import current_filters
from ui.i18n import t, texts
from ui.links import from_link, to_link
from ui.metrics import irritants, journey_map, metrics
from ui.widgets import channel_labels, chart, empty_state, footer, how_to_read, irritant_reason, plain, stage_labels

filters = current_filters()
st.title(t("page.journey_map"))
st.caption(t("map.intro"))
if query(metrics.customers, filters) == 0:
    empty_state()

personas = list(filters.personas) or list(catalogue().personas)
from_link("map_personas", personas, what=t("map.personas"), multi=True, most=2)
chosen = st.multiselect(t("map.personas"), personas, max_selections=2, key="map_personas",
                        placeholder=t("map.everyone"), help=t("map.help_personas"))
to_link("map_personas", chosen)
chosen = [p for p in chosen if p in personas]
series = [(p, replace(filters, personas=(p,))) for p in chosen] or [(t("map.everyone"), filters)]

parts = {"stages": [], "channels": [], "cells": []}
for name, f in series:
    # one pain point and one delight per stage, so that the map fits one screen; the irritants page has them all
    for key, frame in query(journey_map.journey_map, f, top_cells=1).items():
        # quotes as tuples: hashable, so the chart's cache can key on the frame
        extra = {"quotes": frame["quotes"].map(tuple)} if key == "cells" else {}
        parts[key].append(frame.assign(series=name, **extra))
frames = {k: pd.concat(v, ignore_index=True) for k, v in parts.items()}

slabels = stage_labels()
labels = {**slabels, **channel_labels(), "—": t("satisfaction.unknown")}
measure = frames["stages"]["measure"].iloc[0] if len(frames["stages"]) else "nps"
titles = map_titles(texts(), measure, series=t("filters.persona"))
chart(charts.journey_map_chart, frames["stages"], frames["channels"], frames["cells"], labels=labels,
      titles=titles, series_order=tuple(name for name, _ in series), wrap=24)

# what to fix first for the map shown: its one persona, else every filtered customer
worst = query(irritants.irritants, series[0][1] if len(series) == 1 else filters)
worst = worst[worst["kind"] == "irritant"]
if len(worst):
    top = worst.iloc[0]
    cell = f"{labels.get(top['stage'], top['stage'])} · {labels.get(top['channel'] or '—', top['channel'])}"
    st.warning(t("map.fix_first", cell=plain(cell), reason=irritant_reason(top)), icon=":material/priority_high:")
else:
    st.caption(t("map.no_irritant"))
st.page_link("app_pages/irritants.py", label=t("map.all_irritants"), icon=":material/format_list_numbered:")

how_to_read("map.how")
footer()
