"""Reusable pieces of a page: KPI cards, the empty state, the footer, labels, safe text."""

import re

import streamlit as st

from analytics.stats import MIN_N
from ui.data import catalogue, demo_loaded_at_start, version
from ui.i18n import day, decimal, language, number, t

# Everything Streamlit's markdown would interpret: emphasis, links, headings, lists, colour and
# LaTeX directives (":red[…]", "$…$"), HTML.
_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:=])")


@st.cache_data(max_entries=512, show_spinner=False)
def _chart_spec(builder: str, args: tuple, kwargs: tuple) -> dict:
    import altair as alt

    import charts

    # Built once per (chart, data, options): building and validating an Altair chart costs 20-200 ms,
    # most of a revisited page's time. The builders' output is validated by tests/unit/test_charts.py.
    # No row limit here: the data is already aggregated, and a layout (the flow chart's ribbons) may
    # draw a few thousand points, as st.altair_chart allowed.
    with alt.data_transformers.enable(max_rows=None):
        return getattr(charts, builder)(*args, **dict(kwargs)).to_dict(validate=False)


def chart(builder, *args, where=None, **kwargs) -> None:
    """Draw ``builder(*args, **kwargs)`` (a ``charts`` function) in ``where`` (default: the page), full width."""
    spec = _chart_spec(builder.__name__, args, tuple(sorted(kwargs.items())))
    (where or st).vega_lite_chart(spec, width="stretch")


def plain(text: str) -> str:
    """Customer text (personas, channels, comments) shown as text, never as markdown or HTML."""
    return _MARKDOWN_SPECIALS.sub(r"\\\1", str(text))


def stage_labels() -> dict[str, str]:
    lang = language()
    return {s.code: (s.label_en if lang == "en" else s.label_fr) for s in catalogue().stages}


def channel_labels() -> dict[str, str]:
    return {c.code: c.label for c in catalogue().channels}


def channel_codes() -> list[str]:
    """Every channel of the database, sorted: a channel keeps its colour under every filter."""
    return [c.code for c in catalogue().channels]


def stage_codes() -> list[str]:
    return [s.code for s in catalogue().stages]


def sufficient(n: int | None) -> bool:
    return n is not None and n >= MIN_N


def kpi(column, label: str, value: str, n: int | None, delta: str | None = None, help: str | None = None,
        delta_color: str = "normal", min_n: int = MIN_N) -> None:
    """A KPI card with its sample size; below ``min_n`` observations it says so instead of a value."""
    if n is not None and n < min_n:
        column.metric(label, t("insufficient", n=min_n), help=help)
    else:
        column.metric(label, value, delta=delta, delta_color=delta_color, help=help)
    if n is not None:
        column.caption(f"n = {n:,}".replace(",", "\u202f"))


def empty_state() -> None:
    """Shown instead of charts when the filters leave no customer: a friendly stop, not an error."""
    st.info(f"**{t('empty.title')}**  \n{t('empty.hint')}", icon=":material/search_off:")
    footer()
    st.stop()


def demo_banner() -> None:
    if demo_loaded_at_start():
        st.info(t("demo.banner"), icon=":material/info:")


def footer() -> None:
    dims = catalogue()
    v = version()
    st.divider()
    if dims.first_day is None:
        st.caption(t("footer.none"))
        return
    imported = v.imported_at.astimezone().strftime("%d/%m/%Y %H:%M") if v.imported_at else "—"
    st.caption(t("footer", first=day(dims.first_day), last=day(dims.last_day), imported=imported))


def how_to_read(key: str) -> None:
    """The page's "how to read this" and its definitions, folded."""
    with st.expander(t("how_to_read")):
        st.markdown(t(key))


def irritant_reason(row) -> str:
    """Why an irritant ranks where it does, in words: customers × points from the overall NPS = score; the test."""
    gap = row["overall_nps"] - row["nps"]
    q = row["q_value"]
    test = t("irritants.test_significant" if row["kind"] != "neutral" else "irritants.test_not",
             q=decimal(q, ".2g"))
    score = ("+" if row["score"] > 0 else "") + number(row["score"])
    return t("irritants.reason", customers=number(row["customers"]), gap=number(abs(gap)),
             where=t("irritants.below") if gap >= 0 else t("irritants.above"), nps=decimal(row["nps"], "+.0f"),
             overall=decimal(row["overall_nps"], "+.0f"), score=score, test=test)


def downloads(df, name: str) -> None:
    """CSV and XLSX downloads of a page's table (the analytic frame: numbers stay numbers; text that a
    spreadsheet would run as a formula starts with an apostrophe)."""
    from analytics.exports import frame_bytes

    left, right, _ = st.columns([1, 1, 4])
    left.download_button(t("download.csv"), frame_bytes(df, "csv"), file_name=f"{name}.csv", mime="text/csv",
                         icon=":material/download:", on_click="ignore", key=f"dl_{name}_csv")
    right.download_button(t("download.xlsx"), frame_bytes(df, "xlsx"), file_name=f"{name}.xlsx", on_click="ignore",
                          mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                          icon=":material/download:", key=f"dl_{name}_xlsx")
