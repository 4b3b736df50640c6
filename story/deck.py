"""The PowerPoint deck of the story: a title slide (filters, date range, n), one slide per view with its chart as
a picture and its finding in one sentence, and a definitions slide — in French or English.

``deck(views, …) -> bytes`` lays out views already computed (the app passes its cached ones); ``story_deck(db,
filters, lang)`` computes them first, for ``python -m story deck`` (or its alias ``python -m analytics deck``) run
by a scheduler. Customer text (persona names, comments in the journey map) reaches the slides as text runs and chart
pictures, never as markup, and without control characters (``charts.export.clean_text``: python-pptx and lxml refuse
some, spell others out as ``_x0001_``, and the chart renderer aborted on them). A chart the renderer cannot draw
(``ChartRenderError``: it crashed, timed out or refused the spec) does not stop the deck: its slide says so in place
of the picture, and one line is logged (on stderr for the command line), naming the chart's builder, never its data.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable, Sequence
from datetime import datetime

from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.util import Emu, Inches, Pt

import story
from analytics.dimensions import Dimensions
from analytics.filters import Filters
from charts.export import ChartRenderError, clean_text, warm_up
from i18n import Texts

WIDE = (Inches(13.333), Inches(7.5))  # 16:9
MARGIN = Inches(0.5)
INK = RGBColor(0x26, 0x26, 0x26)
MUTED = RGBColor(0x6B, 0x6B, 0x6B)
ACCENT = RGBColor(0x00, 0x72, 0xB2)  # Okabe–Ito blue, as in the charts

Render = Callable[[tuple[str, tuple, dict]], bytes]
"""``(builder, args, kwargs)`` of a story view's chart → PNG bytes (``ChartRenderError`` when it cannot be drawn)."""

_log = logging.getLogger(__name__)


def render_chart(chart: tuple[str, tuple, dict]) -> bytes:
    """A story chart as a sharp PNG, through the same builders the app draws."""
    import altair as alt

    import charts
    from charts.export import chart_image

    builder, args, kwargs = chart
    with alt.data_transformers.enable(max_rows=None):
        spec = getattr(charts, builder)(*args, **kwargs).to_dict(validate=False)
    return chart_image(spec, "png", scale=2)


def definitions(tx: Texts, measure: str = "nps") -> list[str]:
    """The definitions a reader of the deck needs, from the same texts as the app's help (the irritants' priority
    score on the satisfaction ``measure`` they were ranked on)."""
    keys = ("kpi.customers_help", "kpi.conversion_help", "kpi.nps_help", "kpi.churn_help", "kpi.cross_help",
            "finding.weakest_definition", "channels.mix_definition", f"irritants.formula.{measure}",
            "satisfaction.detractor_definition", "deck.significance")
    labels = ("kpi.customers", "kpi.conversion", "kpi.nps", "kpi.churn", "kpi.cross", "finding.weakest_term", None,
              None, None, None)
    out = []
    for key, label in zip(keys, labels, strict=True):
        text = tx.t(key).replace("**", "")  # the app's markdown emphasis; a slide has no markdown
        out.append(tx.t("deck.definition", term=tx.t(label), text=text) if label else text)
    return out


def _text(slide, left, top, width, height, lines: Sequence[str], size: int, *, color=INK, bold=False,
          align=PP_ALIGN.LEFT, bullets=False, anchor=MSO_ANCHOR.TOP):
    box = slide.shapes.add_textbox(left, top, width, height)
    frame = box.text_frame
    frame.word_wrap = True
    frame.vertical_anchor = anchor
    for i, line in enumerate(lines):
        paragraph = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        paragraph.alignment = align
        if bullets:
            paragraph.space_after = Pt(10)
        run = paragraph.add_run()
        run.text = ("•  " if bullets else "") + clean_text(str(line))
        run.font.size = Pt(size)
        run.font.bold = bold
        run.font.color.rgb = color
    return box


def _size(png: bytes) -> tuple[int, int]:
    from PIL import Image

    return Image.open(io.BytesIO(png)).size


def _tall(png: bytes) -> bool:
    w, h = _size(png)
    return h > 0.55 * w  # would fill less than two thirds of a slide's width under its caption


def _picture(slide, png: bytes, left, top, width, height) -> None:
    """The picture as large as the box allows, centred, keeping its proportions."""
    w, h = _size(png)
    ratio = min(width / w, height / h)
    pw, ph = int(w * ratio), int(h * ratio)
    slide.shapes.add_picture(io.BytesIO(png), Emu(left + (width - pw) // 2), Emu(top + (height - ph) // 2), pw, ph)


def deck(views: Sequence[story.View], *, tx: Texts, subtitle: str, footer: str, when: datetime | None = None,
         render: Render = render_chart) -> bytes:
    """The .pptx file of ``views`` (``story.views``), as bytes."""
    prs = Presentation()
    prs.slide_width, prs.slide_height = WIDE
    blank = prs.slide_layouts[6]
    width, height = prs.slide_width, prs.slide_height
    inner = width - 2 * MARGIN
    when = when or datetime.now()

    slide = prs.slides.add_slide(blank)
    _text(slide, MARGIN, Inches(2.3), inner, Inches(1.2), [tx.t("deck.title")], 40, bold=True, color=ACCENT)
    _text(slide, MARGIN, Inches(3.6), inner, Inches(1.4), [subtitle], 20)
    _text(slide, MARGIN, Inches(6.6), inner, Inches(0.4), [tx.t("deck.generated", when=tx.moment(when))], 12,
          color=MUTED)

    for v in views:
        slide = prs.slides.add_slide(blank)
        png, failed = None, False
        if v.chart:
            try:
                png = render(v.chart)
            except ChartRenderError as exc:
                failed = True
                _log.warning("deck: the %s chart could not be drawn (%s); its slide says so", v.chart[0], exc.reason)
        _text(slide, MARGIN, Inches(0.3), inner, Inches(0.7), [v.title], 30, bold=True, color=ACCENT)
        top, bottom = Inches(2.05), height - Inches(0.6)
        if png and _tall(png):
            # a tall chart (the journey map) takes the slide's height, its finding beside it
            side = Inches(3.6)
            _text(slide, width - MARGIN - side, Inches(1.2), side, bottom - Inches(1.2), [v.caption], 20)
            _picture(slide, png, MARGIN, Inches(1.0), inner - side - Inches(0.3), bottom - Inches(1.0))
        else:
            _text(slide, MARGIN, Inches(1.0), inner, Inches(1.0), [v.caption], 18)
        if v.kpis:
            card = inner // len(v.kpis)
            for i, (label, value, n) in enumerate(v.kpis):
                left = MARGIN + i * card
                _text(slide, left, top, card, Inches(0.4), [label], 16, color=MUTED, align=PP_ALIGN.CENTER)
                _text(slide, left, top + Inches(0.4), card, Inches(0.8), [value], 36, bold=True,
                      align=PP_ALIGN.CENTER)
                if n is not None:
                    _text(slide, left, top + Inches(1.2), card, Inches(0.35), [f"n = {tx.number(n)}"], 12,
                          color=MUTED, align=PP_ALIGN.CENTER)
            top += Inches(1.7)
        if v.bullets:
            _text(slide, MARGIN, top, inner, bottom - top, list(v.bullets), 20, bullets=True)
        if png and not _tall(png):
            _picture(slide, png, MARGIN, top, inner, bottom - top)
        if failed:
            _text(slide, MARGIN, bottom - Inches(0.6), inner, Inches(0.5), [tx.t("deck.chart_failed")], 16,
                  color=MUTED)
        _text(slide, MARGIN, height - Inches(0.5), inner, Inches(0.4), [footer], 11, color=MUTED)

    slide = prs.slides.add_slide(blank)
    _text(slide, MARGIN, Inches(0.3), inner, Inches(0.7), [tx.t("deck.definitions")], 30, bold=True, color=ACCENT)
    ranked = next((v.table for v in views if v.key == "irritants" and v.table is not None), None)
    measure = "csat" if ranked is not None and "measure" in ranked and (ranked["measure"] == "csat").any() else "nps"
    _text(slide, MARGIN, Inches(1.1), inner, height - Inches(1.7), definitions(tx, measure), 14, bullets=True)
    _text(slide, MARGIN, height - Inches(0.5), inner, Inches(0.4), [footer], 11, color=MUTED)

    out = io.BytesIO()
    prs.save(out)
    return out.getvalue()


def story_deck(q: story.Query, filters: Filters, dims: Dimensions, customers: int, lang: str,
               render: Render = render_chart) -> bytes:
    """Compute the story for the filters and lay it out: what ``python -m story deck`` and the app's button
    write."""
    warm_up()  # the chart renderer starts while the story is computed
    tx = Texts(lang)
    subtitle = "\n".join([story.describe_filters(filters, dims, customers, tx),
                          tx.t("deck.range", first=tx.day(dims.first_day), last=tx.day(dims.last_day))])
    return deck(story.views(q, filters, dims, tx), tx=tx, subtitle=subtitle,
                footer=story.footer(filters, dims, customers, tx), render=render)
