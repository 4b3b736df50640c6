"""Reusable pieces of a page: KPI cards, the empty state, the footer, labels, safe text."""

import re
from functools import partial

import streamlit as st

from analytics.stats import MIN_N
from ui.data import EXAMPLE_FILES, analysis, catalogue, demo_state, version
from ui.i18n import day, language, moment, number, t, texts

# Everything Streamlit's markdown would interpret: emphasis, links, headings, lists, colour and
# LaTeX directives (":red[…]", "$…$"), HTML.
_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:=])")


@st.cache_data(max_entries=512, show_spinner=False)
def _chart_spec(builder: str, args: tuple, kwargs: tuple, dark: bool = False, large: bool = False) -> dict:
    import altair as alt

    import charts
    from charts.layouts import fill
    from charts.palette import enlarged, on_dark

    # Built once per (chart, data, options): building and validating an Altair chart costs 20-200 ms,
    # most of a revisited page's time. The builders' output is validated by tests/unit/test_charts.py.
    # No row limit here: the data is already aggregated, and a layout (the flow chart's ribbons) may
    # draw a few thousand points, as st.altair_chart allowed.
    split = charts.SPLITS.get(builder)
    if split is not None:  # its layout is built once per options, dark and large: this filter set costs its rows
        rows = split.rows(*args, **dict(kwargs))
        return fill(_layout_spec(builder, args[split.data_args:], kwargs, rows and rows.shape, dark, large), rows)
    if dark or large:
        spec = _chart_spec(builder, args, kwargs, dark=False, large=False)  # the call the light page makes
        spec = enlarged(spec) if large else spec
        return on_dark(spec) if dark else spec
    with alt.data_transformers.enable(max_rows=None):
        return getattr(charts, builder)(*args, **dict(kwargs)).to_dict(validate=False)


@st.cache_data(max_entries=512, show_spinner=False)
def _layout_spec(builder: str, options: tuple, kwargs: tuple, shape: tuple | None, dark: bool, large: bool) -> dict:
    """The spec of a split chart's layout (``charts.layouts``): built once per (chart, options, shape of its rows,
    theme, size), not per filter set. Dark and large rewrite the layout only, never the rows (customer text stays as
    written)."""
    import charts
    from charts.palette import enlarged, on_dark

    spec = charts.SPLITS[builder].layout(*options, shape=shape, **dict(kwargs)).to_dict(validate=False)
    spec = enlarged(spec) if large else spec
    return on_dark(spec) if dark else spec


def chart_spec(builder: str, args: tuple, kwargs: dict, dark: bool = False, large: bool = False) -> dict:
    """The Vega-Lite spec of ``charts.<builder>(*args, **kwargs)``, cached as ``chart`` draws it."""
    return _chart_spec(builder, args, tuple(sorted(kwargs.items())), dark=dark, large=large)


def dark_theme() -> bool:
    """Whether the viewer's browser shows the app's dark theme (the charts' ink turns light)."""
    try:
        return st.context.theme.type == "dark"
    except Exception:  # no browser behind the session
        return False


def chart(builder, *args, where=None, large: bool = False, downloads: bool = True, **kwargs) -> None:
    """Draw ``builder(*args, **kwargs)`` (a ``charts`` function) in ``where`` (default: the page), full width, with
    its PNG and SVG downloads; ``large`` enlarges its texts (presentation mode)."""
    key = (builder.__name__, args, tuple(sorted(kwargs.items())))
    target = where or st
    target.vega_lite_chart(_chart_spec(*key, dark=dark_theme(), large=large), width="stretch")
    if downloads:
        chart_downloads(key, target)


def chart_file(spec: dict, kind: str, failed: str) -> bytes:
    """A chart download's bytes: the chart, or, when the renderer cannot draw it, a picture that says ``failed``.

    Streamlit runs a download's callable outside the page's run, where no ``st.error`` can be shown; when the
    callable raises, the viewer only reads "Failed to generate file for download" under the button, in English,
    and the server logs the exception with its traceback. So the callable does not raise: the downloaded picture
    carries the message, in the viewer's language (``failed``, translated when the page was drawn)."""
    from charts.export import ChartRenderError, chart_image, failure_image

    try:
        return chart_image(spec, kind)
    except ChartRenderError:  # logged by charts.export, without the chart's data
        return failure_image(kind, failed)


def chart_downloads(key: tuple, where) -> None:
    """PNG and SVG of a chart, rendered on the server when asked for (vl-convert: no browser needed), on a white
    background whatever the app's theme. The renderer runs in its own process (``charts.export``), started here
    so that the first download does not wait for it."""
    from charts.export import KINDS, warm_up

    warm_up()
    drawn = st.session_state.setdefault("_charts_drawn", {})  # reset by app.py at each run
    name = key[0].removesuffix("_chart")
    drawn[name] = drawn.get(name, 0) + 1
    suffix = "" if drawn[name] == 1 else f"-{drawn[name]}"
    spec = _chart_spec(*key, dark=False, large=False)  # as the page drew it (light): the same cache entry
    failed = t("download.chart_failed")
    with where.popover("", icon=":material/download:", help=t("download.chart"), type="tertiary"):
        for kind, mime in KINDS.items():
            st.download_button(t(f"download.{kind}"), partial(chart_file, spec, kind, failed),  # its spec in .args
                               file_name=f"parcours-{name}{suffix}.{kind}", mime=mime, on_click="ignore",
                               key=f"dl_chart_{name}{suffix}_{kind}", width="stretch")


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
        delta_color: str = "normal", min_n: int = MIN_N, detail: str | None = None) -> None:
    """A KPI card with its sample size; below ``min_n`` observations it says so instead of a value. ``detail`` (an
    interval, say) goes in the caption before the n: a card's value has room for a short figure only."""
    if n is not None and n < min_n:  # no value below min_n, and the card says why (a long text was cut off)
        column.metric(label, "—", help=help)
        column.caption(t("kpi.too_few", n=number(n), min=min_n))
        return
    column.metric(label, value, delta=delta, delta_color=delta_color, help=help)
    if n is not None or detail:
        column.caption(" · ".join(x for x in (detail, None if n is None else f"n = {number(n)}") if x))


def empty_state() -> None:
    """Shown instead of charts when there is nothing to show: a friendly stop, not an error. An empty database says
    so and how to fill it (templates, the example export); otherwise the filters leave no customer."""
    if catalogue().first_day is None:
        st.info(f"**{t('empty.no_data')}**", icon=":material/upload_file:")
        import_help()
    else:
        st.info(f"**{t('empty.title')}**  \n{t('empty.hint')}", icon=":material/search_off:")
    footer()
    st.stop()


def import_help() -> None:
    """Where to start an import: the Data page (for those who may import), the templates and the example export."""
    from loaders.columns import KINDS, template_csv
    from ui.auth import is_admin

    if is_admin():
        st.page_link("app_pages/data.py", label=t("page.data"), icon=":material/upload_file:")
    st.caption(t("empty.templates"))
    columns = st.columns(len(KINDS) + 1)
    for column, kind in zip(columns, KINDS, strict=False):
        for lang in ("fr", "en"):
            column.download_button(t("empty.template", kind=t(f"data.kind.{kind}"), lang=lang.upper()),
                                   template_csv(kind, lang), file_name=f"modele-{kind}-{lang}.csv",
                                   mime="text/csv", key=f"template_{kind}_{lang}", on_click="ignore")
    for path in EXAMPLE_FILES:
        columns[-1].download_button(t("empty.example", name=path.name), path.read_bytes(), file_name=path.name,
                                    mime="text/csv", key=f"example_{path.stem}", on_click="ignore")


def demo_banner() -> None:
    """The demo's banner while the database holds the demo (it follows the data, not the process's start)."""
    state = demo_state()
    if state is None:
        return
    from ui.auth import is_admin

    if state == "mixed":
        st.warning(t("demo.banner_mixed"), icon=":material/info:")
    else:  # a viewer has no Data page to import from
        st.info(t("demo.banner" if is_admin() else "demo.banner_viewer"), icon=":material/info:")


def footer() -> None:
    dims = catalogue()
    v = version()
    st.divider()
    if dims.first_day is None:
        st.caption(t("footer.none"))
        return
    imported = moment(v.imported_at.astimezone()) if v.imported_at else "—"
    st.caption(t("footer", first=day(dims.first_day), last=day(dims.last_day), imported=imported))
    window = analysis()  # every figure's window, said under it (issue 15: the cohort and its window on every page)
    st.caption(t("footer.window", as_of=day(dims.last_day), days=window.window_days, post=window.post_window_days)
               if window.window_days is not None else t("footer.no_window", as_of=day(dims.last_day)))


def how_to_read(key: str) -> None:
    """The page's "how to read this" and its definitions, folded."""
    with st.expander(t("how_to_read")):
        st.markdown(t(key))


def irritant_reason(row) -> str:
    """Why an irritant ranks where it does, in words (``story.irritant_reason`` in this language)."""
    from story import irritant_reason as reason

    return reason(row, texts())


def table_file(df, kind: str, failed: str) -> bytes:
    """A table download's bytes (``analytics.exports.frame_bytes``), or, should writing fail, a file of the same
    kind that says ``failed`` (see ``chart_file``: a raising callable would show Streamlit's English message and
    log a traceback whose message may quote a cell). What failed is logged by its type and place, never its
    message."""
    import logging
    import traceback

    from analytics.exports import frame_bytes, message_bytes

    try:
        return frame_bytes(df, kind)
    except Exception as exc:  # noqa: BLE001 - the viewer gets a message, the log no customer text
        where = traceback.extract_tb(exc.__traceback__)[-1]
        logging.getLogger(__name__).warning("a %s table download failed: %s at %s:%s", kind, type(exc).__name__,
                                            where.filename, where.lineno)
        return message_bytes(failed, kind)


def downloads(df, name: str, where=None) -> None:
    """CSV and XLSX downloads of a page's table (the analytic frame: numbers stay numbers; text that a
    spreadsheet would run as a formula starts with an apostrophe, control characters are taken out), written
    when asked for."""
    # one row of buttons at their own width (two fixed columns shrank them to "⬇ (" beside a table)
    row = (where or st).container(horizontal=True, gap="small")
    failed = t("download.table_failed")
    row.download_button(t("download.csv"), lambda: table_file(df, "csv", failed), file_name=f"{name}.csv",
                        mime="text/csv", icon=":material/download:", on_click="ignore", key=f"dl_{name}_csv")
    row.download_button(t("download.xlsx"), lambda: table_file(df, "xlsx", failed), file_name=f"{name}.xlsx",
                        on_click="ignore", mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        icon=":material/download:", key=f"dl_{name}_xlsx")
