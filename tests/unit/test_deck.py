"""Charts as PNG/SVG files and the PowerPoint deck: written headless, read back, and opened by LibreOffice."""

import io
import re
import shutil
import subprocess
import sys

import pandas as pd
import pytest
from pptx import Presentation

import charts
from analytics.__main__ import main
from charts.export import chart_image
from story.__main__ import main as story_main
from tests.conftest import ROOT, demo_database

SOFFICE = shutil.which("soffice")
FUNNEL = pd.DataFrame({"stage": ["a", "b"], "position": [1, 2], "customers": [12430, 3100],
                       "conv_from_previous": [None, 0.2494], "conv_from_start": [1.0, 0.2494],
                       "drop_off": [None, 9330], "ci_low": [None, 0.24], "ci_high": [None, 0.26]})


def test_chart_images_are_rendered_on_the_server_in_the_chart_language():
    spec = charts.funnel_chart(FUNNEL, labels={"a": "Découverte", "b": "Achat"},
                               titles={"locale": "fr", "customers": "Clients"}).to_dict()
    png = chart_image(spec, "png")
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    svg = chart_image(spec, "svg").decode()
    assert svg.startswith("<svg") and "Découverte" in svg and "Clients" in svg
    assert "12\u202f430" in svg  # French thousands, from the spec's locale
    english = chart_image(charts.funnel_chart(FUNNEL, labels={"a": "Awareness", "b": "Purchase"}).to_dict(), "svg")
    assert b"12,430" in english
    with pytest.raises(ValueError, match="unknown image kind"):
        chart_image(spec, "gif")


def slide_texts(slide) -> str:
    return "\n".join(shape.text_frame.text for shape in slide.shapes if shape.has_text_frame)


VIEW_TITLES = ["Vue d'ensemble", "Entonnoir", "Parcours cross-canal", "Satisfaction & churn", "Carte du parcours",
               "Irritants & enchantements", "Ce qui a changé", "Prochaines étapes", "Définitions"]


def test_story_deck_cli_writes_the_deck(tmp_path):
    """``python -m story deck``, as a scheduler runs it: the same flags as ``python -m analytics deck``. On a demo
    database of its own: the session's may be held open by this process's other tests."""
    out = tmp_path / "weekly.pptx"
    db_url = demo_database(tmp_path)
    proc = subprocess.run([sys.executable, "-m", "story", "deck", "--db", db_url, "--start", "2025-01-01",
                           "--end", "2025-12-31", "--persona", "famille", "--lang", "en", "--out", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "" and "the story of" in proc.stderr
    slides = list(Presentation(io.BytesIO(out.read_bytes())).slides)
    assert len(slides) == 10  # title, 8 views, definitions
    title = slide_texts(slides[0])
    assert "Customers of persona Famille, who first came between Jan 1, 2025 and Dec 31, 2025" in title, title
    assert [slide_texts(s).split("\n")[0] for s in slides[1:]][-1] == "Definitions"


def test_the_analytics_deck_alias_loads_the_story_only_when_it_runs():
    code = "import sys, analytics.__main__; print(sorted(m for m in sys.modules if m.split('.')[0] == 'story'))"
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.stdout.strip() == "[]", proc.stderr


def test_deck_cli_writes_the_story_that_libreoffice_opens(demo_db_url, tmp_path, capsys):
    """``python -m analytics deck``: the alias schedulers set up before the story had its own package."""
    out = tmp_path / "weekly.pptx"
    assert main(["deck", "--db", demo_db_url, "--start", "2025-01-01", "--end", "2025-12-31", "--out", str(out)]) == 0
    assert "the story of" in capsys.readouterr().err
    deck = Presentation(io.BytesIO(out.read_bytes()))
    slides = list(deck.slides)
    assert len(slides) == 10  # title, 8 views, definitions
    title = slide_texts(slides[0])
    assert "Parcours client omnicanal" in title and "Clients arrivés entre le 1 janv. 2025 et le 31 déc. 2025" in title
    assert "Données du 1 janv. 2025 au 27 déc. 2025" in title
    assert [slide_texts(s).split("\n")[0] for s in slides[1:]] == VIEW_TITLES
    pictures = [sum(shape.shape_type == 13 for shape in s.shapes) for s in slides]  # 13: picture
    # what changed: the year's customers are still in their 90-day windows at the end of the data, so no earlier
    # cohort is compared with them yet — the slide says from when, and draws nothing
    assert pictures == [0, 1, 1, 1, 1, 1, 1, 0, 0, 0]
    assert "à partir du 1 avr. 2026" in slide_texts(slides[7])
    for s in slides[1:]:  # each slide's foot: the filters, the date range and n
        assert ("31 déc. 2025, suivis jusqu'au 27 déc. 2025 sur 90\u00a0jours · données du 1 janv. 2025 au "
                "27 déc. 2025 · n = 2\u202f000 clients") in slide_texts(s)
    assert "NPS : % promoteurs" in slide_texts(slides[-1])

    # LibreOffice reads it: a PDF of 9 pages
    assert SOFFICE, "LibreOffice is missing: run scripts/setup-tests.sh (the README's test command does)"
    subprocess.run([SOFFICE, "--headless", f"-env:UserInstallation=file://{tmp_path}/lo", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), str(out)], check=True, capture_output=True, timeout=180)
    pdf = (tmp_path / "weekly.pdf").read_bytes()
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 10


@pytest.mark.parametrize("cli", [story_main, main], ids=["story", "analytics"])
def test_deck_cli_refuses_another_extension(cli, tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        cli(["deck", "--out", str(tmp_path / "deck.ppt")])
    assert exit_.value.code == 2
    assert "name it FILE.pptx" in capsys.readouterr().err
    assert not (tmp_path / "deck.ppt").exists()
