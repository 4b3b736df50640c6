"""Hostile text never takes the process down: control characters in every text of the database (written directly,
``tests.unit.hostile``), charts rendered in the renderer's worker process, the deck, the exports.

Before the fix, ``python -m analytics deck`` on such a database died of SIGABRT (exit 134: vl-convert panicked on
a control character in the journey map's quote) and an XLSX export raised openpyxl's IllegalCharacterError,
whose message (the comment) reached the log. Every render here goes through the worker, so that a regression
fails a test instead of aborting the test run.
"""

import csv
import io
import json
import logging
import os
import re
import signal
import subprocess
import sys
import time

import openpyxl
import pandas as pd
import pytest
from pptx import Presentation

import charts
from analytics.exports import TABLES, clean_cell, export, frame_bytes
from charts import export as chart_export
from charts.export import ChartRenderError, chart_image, clean_spec, clean_text, failure_image
from data_model.text import clean_control
from tests.conftest import ROOT
from tests.unit.hostile import CONTROLS, NOT_XML, QUOTE_TEXT, hostile, hostile_database, plant
from tests.unit.test_deck import FUNNEL

FORBIDDEN = re.compile(f"[{re.escape(CONTROLS + NOT_XML)}]")
# pieces of the planted customer texts: none may reach a log, a warning or an error message
FRAGMENTS = ("Livraison", "Vendeur", "Attente", "Commande rapide", "Publicit", "Famille", "Professionnel",
             "Premium", "Nord", "Magasin", "Messagerie", "clic", "\x01", "\x85")
RAW_CRASH = {"data": {"values": [{"a": "Livraison\x01lente"}]}, "mark": "text", "encoding": {"text": {"field": "a"}}}


def no_customer_text(*outputs: str) -> None:
    for out in outputs:
        for fragment in FRAGMENTS:
            assert fragment not in out, f"customer text {fragment!r} in {out[:300]!r}"


def crash_the_renderer() -> ChartRenderError:
    """Send the worker a spec that makes vl-convert itself abort (what an uncleaned comment did)."""
    body = json.dumps(RAW_CRASH).encode("utf-8")
    with pytest.raises(ChartRenderError) as failed:
        chart_export._renderer.render({"kind": "svg", "scale": 1, "options": {}}, body, 60)
    return failed.value


def funnel_spec(**labels) -> dict:
    return charts.funnel_chart(FUNNEL, labels=labels or {"a": "Découverte", "b": "Achat"},
                               titles={"locale": "fr"}).to_dict()


@pytest.fixture(scope="module")
def hostile_url(tmp_path_factory):
    return hostile_database(tmp_path_factory.mktemp("hostile"))


# -- the cleaning -----------------------------------------------------------------------------------------------


def test_every_control_character_is_cleaned_from_specs_and_cells():
    for c in CONTROLS + NOT_XML + "\ud800":
        text = f"a{c}b"
        assert clean_text(text) in ("ab", "a b"), repr(c)
        assert clean_cell(text) == clean_text(text)
    assert clean_text("a\tb\nc\r") == "a\tb\nc\r" and clean_text("Très") == "Très"
    assert clean_cell("\x01=1+1") == "'=1+1"  # cleaned first, then neutralised
    spec = {"data": {"values": [{"x\x01": "é\x85t\x00é", "n": float("nan")}]}, "title": ["a\ufffeb"]}
    assert clean_spec(spec) == {"data": {"values": [{"x": "é té", "n": None}]}, "title": ["ab"]}


# -- the renderer in its process ---------------------------------------------------------------------------------


def test_hostile_labels_render_to_png_and_svg():
    spec = funnel_spec(a=hostile("Découverte"), b=hostile("Achat"))
    assert chart_image(spec, "png")[:8] == b"\x89PNG\r\n\x1a\n"
    svg = chart_image(spec, "svg").decode("utf-8")
    assert not FORBIDDEN.search(svg) and "Déco" in svg and "12\u202f430" in svg


def test_a_renderer_crash_is_a_message_and_the_next_chart_draws(caplog):
    chart_image(funnel_spec(), "png")  # a running renderer
    first = chart_export._renderer._proc.pid
    with caplog.at_level(logging.WARNING):
        failed = crash_the_renderer()  # vl-convert really aborts, in the worker
    assert failed.reason == "crashed" and "started again" in str(failed)
    assert "renderer stopped (exit status -6" in caplog.text and "panicked at" in caplog.text
    no_customer_text(caplog.text, str(failed))
    assert chart_image(funnel_spec(), "png")[:8] == b"\x89PNG\r\n\x1a\n"  # a new renderer
    assert chart_export._renderer._proc.pid != first

    # killed between two charts (out of memory, an operator): the next chart starts a new one
    os.kill(chart_export._renderer._proc.pid, signal.SIGKILL)
    time.sleep(0.2)
    assert chart_image(funnel_spec(), "svg").startswith(b"<svg")

    # too slow: stopped, a message, and the next chart draws
    with pytest.raises(ChartRenderError, match="longer than") as slow:
        chart_image(funnel_spec(), "png", timeout=0.001)
    assert slow.value.reason == "timeout"
    assert chart_image(funnel_spec(), "png")[:8] == b"\x89PNG\r\n\x1a\n"

    # a spec vl-convert refuses: its words kept apart (they may quote data), the renderer still up
    with pytest.raises(ChartRenderError, match="refused") as refused:
        chart_image({"mark": 5, "data": {"values": [{"a": "Livraison"}]}}, "svg")
    assert refused.value.reason == "refused" and "Livraison" not in str(refused.value)
    assert chart_image(funnel_spec(), "svg").startswith(b"<svg")


def test_isolation_keeps_a_png_fast():
    chart_image(funnel_spec(), "png")  # warm
    spec = funnel_spec()
    start = time.perf_counter()
    for _ in range(5):
        chart_image(spec, "png")
    assert (time.perf_counter() - start) / 5 < 1.0  # ~0.1 s here; the in-process render took as long


def test_a_chart_download_that_cannot_be_drawn_gives_a_picture_that_says_so(monkeypatch, caplog):
    from ui.widgets import chart_file

    message = "Ce graphique n'a pas pu être dessiné en image"
    # without the cleaning, the spec makes vl-convert abort: in the worker only
    monkeypatch.setattr(chart_export, "clean_spec", lambda spec: json.loads(json.dumps(spec)))
    with caplog.at_level(logging.WARNING):
        png = chart_file(RAW_CRASH, "png", message)
        svg = chart_file(RAW_CRASH, "svg", message)
    assert png == failure_image("png", message)
    assert "pas pu être dessiné" in svg.decode("utf-8")
    no_customer_text(caplog.text)
    monkeypatch.undo()
    assert chart_file(funnel_spec(), "png", message)[:8] == b"\x89PNG\r\n\x1a\n"


# -- the deck ----------------------------------------------------------------------------------------------------


def slide_texts(slide) -> str:
    return "\n".join(shape.text_frame.text for shape in slide.shapes if shape.has_text_frame)


def pictures(slides) -> list[int]:
    return [sum(shape.shape_type == 13 for shape in s.shapes) for s in slides]


def test_deck_cli_on_a_hostile_database(hostile_url, tmp_path):
    out = tmp_path / "deck.pptx"
    run = subprocess.run([sys.executable, "-m", "analytics", "deck", "--db", hostile_url, "--lang", "en", "--out",
                          str(out)], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]  # 134 (SIGABRT) before
    assert "the story of 360 customers" in run.stderr
    no_customer_text(run.stdout, run.stderr)
    slides = list(Presentation(io.BytesIO(out.read_bytes())).slides)
    assert len(slides) == 10 and pictures(slides) == [0, 1, 1, 1, 1, 1, 1, 0, 0, 0]
    texts = "\n".join(slide_texts(s) for s in slides)
    assert not FORBIDDEN.search(texts) and "_x00" not in texts
    assert "could not be drawn" not in texts and clean_text(hostile("Purchase")) in texts


def test_deck_on_postgresql_and_duckdb(db):
    """Through the functions the app's button calls, on both engines (PostgreSQL holds no NUL)."""
    from analytics.dimensions import dimensions
    from analytics.filters import Filters
    from analytics.metrics import Scope, customers
    from analytics.queries import runner
    from story.deck import story_deck

    tx = plant(db, customers=200)
    filters = Filters(personas=[tx["personas"][0]])  # a persona name with every control character: the subtitle
    scope = Scope(db, filters)
    data = story_deck(runner(db, filters, scope), filters, dimensions(db), customers(db, filters, scope=scope), "fr")
    slides = list(Presentation(io.BytesIO(data)).slides)
    # (one persona of 200 customers leaves no irritant cell of 30 responses: no irritants chart)
    assert len(slides) == 10 and pictures(slides)[:6] == [0, 1, 1, 1, 1, 1]
    texts = "\n".join(slide_texts(s) for s in slides)
    assert not FORBIDDEN.search(texts) and "_x00" not in texts and "pas pu être dessiné" not in texts
    assert clean_text(tx["personas"][0]) in slide_texts(slides[0])


def test_a_chart_the_renderer_cannot_draw_leaves_a_note_on_its_slide(caplog):
    import story
    from i18n import Texts
    from story.deck import deck

    views = [story.View(key="map", title="Carte du parcours", caption=hostile("Le parcours"),
                        chart=("journey_map_chart", (), {})),
             story.View(key="funnel", title="Entonnoir", caption="ok", chart=("funnel_chart", (), {}))]

    def render(chart):
        if chart[0] == "journey_map_chart":
            raise crash_the_renderer()  # a real abort of vl-convert, in the worker
        return chart_image(funnel_spec(), "png")

    with caplog.at_level(logging.WARNING):
        data = deck(views, tx=Texts("fr"), subtitle=hostile("Famille"), footer="pied", render=render)
    slides = list(Presentation(io.BytesIO(data)).slides)
    assert pictures(slides) == [0, 0, 1, 0]
    assert "(Le graphique de cette vue n'a pas pu être dessiné" in slide_texts(slides[1])
    assert clean_text(hostile("Famille")) in slide_texts(slides[0]) and not FORBIDDEN.search(slide_texts(slides[1]))
    assert "deck: the journey_map_chart chart could not be drawn (crashed)" in caplog.text
    no_customer_text(caplog.text)


# -- exports -----------------------------------------------------------------------------------------------------


def read_csv(path) -> list[dict]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def read_xlsx(path) -> list[dict]:
    rows = list(openpyxl.load_workbook(path).active.iter_rows(values_only=True))
    return [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]


def test_exports_clean_control_characters_and_log_nothing_of_them(db, tmp_path, caplog, capfd):
    tx = plant(db, customers=120)
    with caplog.at_level(logging.DEBUG):
        for what in TABLES:
            for kind in ("csv", "xlsx"):
                export(db, what, None, tmp_path / f"{what}.{kind}")
    for kind, read in (("csv", read_csv), ("xlsx", read_xlsx)):
        feedback = read(tmp_path / f"feedback.{kind}")
        comments = {r["comment"] for r in feedback if r["comment"]}
        assert clean_cell(tx["quote"]) in comments and clean_control(tx["quote"]) != tx["quote"]
        customers = read(tmp_path / f"customers.{kind}")
        assert {r["persona"] for r in customers} == {clean_cell(p) for p in tx["personas"]}
        assert {r["region"] for r in customers} == {clean_cell(r) if r else ("" if kind == "csv" else None)
                                                    for r in tx["regions"]}
        touchpoints = read(tmp_path / f"touchpoints.{kind}")
        assert clean_cell(tx["channels"]["chat"][0]) in {r["channel"] for r in touchpoints}
        for what in TABLES:
            for row in read(tmp_path / f"{what}.{kind}"):
                for value in row.values():
                    assert not (isinstance(value, str) and FORBIDDEN.search(value)), (what, kind, value)
    out, err = capfd.readouterr()
    no_customer_text(caplog.text, out, err)


def test_page_table_downloads_and_the_import_error_table(caplog):
    from loaders.errors import InputError
    from ui.imports import errors_csv
    from ui.widgets import table_file

    df = pd.DataFrame({"comment": [hostile(QUOTE_TEXT), "\x01=1+1", None], "n": [1, 2, 3],
                       hostile("canal"): ["a", "b", "c"]})
    text = frame_bytes(df, "csv").decode("utf-8-sig")
    assert not FORBIDDEN.search(text) and "'=1+1" in text and clean_cell(hostile("canal")) in text
    sheet = openpyxl.load_workbook(io.BytesIO(frame_bytes(df, "xlsx"))).active
    values = [c.value for row in sheet.iter_rows() for c in row]
    assert clean_cell(hostile(QUOTE_TEXT)) in values and "'=1+1" in values
    assert not any(isinstance(v, str) and FORBIDDEN.search(v) for v in values)
    with caplog.at_level(logging.DEBUG):
        def cells(data: bytes) -> list:  # the workbook's cells: its bytes hold the second it was written at
            return [c.value for row in openpyxl.load_workbook(io.BytesIO(data)).active.iter_rows() for c in row]

        assert cells(table_file(df, "xlsx", "message")) == cells(frame_bytes(df, "xlsx")) == values
        # a frame no writer takes: a file that says so, and a log line without the cell
        bad = pd.DataFrame({"comment": [hostile(QUOTE_TEXT)], "when": [pd.Timestamp("2024-01-01", tz="UTC")]})
        sheet = openpyxl.load_workbook(io.BytesIO(table_file(bad, "xlsx", "Ce tableau n'a pas pu être écrit"))).active
        assert [c.value for row in sheet.iter_rows() for c in row] == ["message", "Ce tableau n'a pas pu être écrit"]
    assert "a xlsx table download failed" in caplog.text
    no_customer_text(caplog.text)

    value = hostile("=Livraison")
    error = InputError(file="feedback.csv", line=3, column="comment", value=value, reason="is too long")
    rows = list(csv.reader(io.StringIO(errors_csv([error]).decode("utf-8-sig"))))
    assert rows[1][3] == clean_cell(value) and rows[1][3].startswith("'=Livr") and not FORBIDDEN.search(rows[1][3])


def test_export_cli_on_a_hostile_database(hostile_url, tmp_path):
    for name in ("feedback.xlsx", "feedback.csv", "customers.xlsx", "irritants.xlsx"):
        run = subprocess.run([sys.executable, "-m", "analytics", "export", name.split(".")[0], "--db", hostile_url,
                              "--out", str(tmp_path / name)], cwd=ROOT, capture_output=True, text=True, timeout=300)
        assert run.returncode == 0, run.stderr[-2000:]
        no_customer_text(run.stdout, run.stderr)
    assert not any(FORBIDDEN.search(str(r["comment"])) for r in read_xlsx(tmp_path / "feedback.xlsx"))
    assert clean_cell(hostile(QUOTE_TEXT)) in {r["comment"] for r in read_csv(tmp_path / "feedback.csv")}
