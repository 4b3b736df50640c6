"""Charts as PNG/SVG files and the PowerPoint deck: written headless, read back, and opened by LibreOffice."""

import io
import re
import shutil
import subprocess

import pandas as pd
import pytest
from pptx import Presentation

import charts
from analytics.__main__ import main
from charts.export import chart_image

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


def test_deck_cli_writes_the_story_that_libreoffice_opens(demo_db_url, tmp_path, capsys):
    out = tmp_path / "weekly.pptx"
    assert main(["deck", "--db", demo_db_url, "--start", "2025-01-01", "--end", "2025-12-31", "--out", str(out)]) == 0
    assert "the story of" in capsys.readouterr().err
    deck = Presentation(io.BytesIO(out.read_bytes()))
    slides = list(deck.slides)
    assert len(slides) == 9  # title, 7 views, definitions
    title = slide_texts(slides[0])
    assert "Parcours client omnicanal" in title and "Clients arrivés entre le 1 janv. 2025 et le 31 déc. 2025" in title
    assert "Données du 1 janv. 2025 au 27 déc. 2025" in title
    assert [slide_texts(s).split("\n")[0] for s in slides[1:]] == [
        "Vue d'ensemble", "Entonnoir", "Parcours cross-canal", "Satisfaction & churn", "Carte du parcours",
        "Irritants & enchantements", "Prochaines étapes", "Définitions"]
    pictures = [sum(shape.shape_type == 13 for shape in s.shapes) for s in slides]  # 13: picture
    assert pictures == [0, 1, 1, 1, 1, 1, 1, 0, 0]
    for s in slides[1:]:  # each slide's foot: the filters, the date range and n
        assert ("31 déc. 2025, suivis jusqu'au 27 déc. 2025 sur 90\u00a0jours · données du 1 janv. 2025 au "
                "27 déc. 2025 · n = 2\u202f000 clients") in slide_texts(s)
    assert "NPS : % promoteurs" in slide_texts(slides[-1])

    # LibreOffice reads it: a PDF of 9 pages
    assert SOFFICE, "LibreOffice is missing: run scripts/setup-tests.sh (the README's test command does)"
    subprocess.run([SOFFICE, "--headless", f"-env:UserInstallation=file://{tmp_path}/lo", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), str(out)], check=True, capture_output=True, timeout=180)
    pdf = (tmp_path / "weekly.pdf").read_bytes()
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == 9


def test_deck_cli_refuses_another_extension(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["deck", "--out", str(tmp_path / "deck.ppt")])
    assert exit_.value.code == 2
    assert "name it FILE.pptx" in capsys.readouterr().err
    assert not (tmp_path / "deck.ppt").exists()
