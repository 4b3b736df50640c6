"""The Data page's analysis settings (issue 15: how long customers are followed) and what the pages then say, in the
real app (AppTest) on a copy of the demo database."""

import shutil

from tests.app.conftest import fresh_app


def footer_texts(at) -> list[str]:
    return [c.value for c in at.caption if "Suivi jusqu'au" in c.value or "Followed until" in c.value]


def test_the_window_is_set_on_the_data_page_and_every_page_says_it(demo_db_url, tmp_path, monkeypatch):
    path = tmp_path / "app.duckdb"
    shutil.copy(demo_db_url.removeprefix("duckdb:///"), path)
    at = fresh_app(f"duckdb:///{path}", monkeypatch).run()
    assert not at.exception, at.exception
    # the default: 90 days up to the conversion, 365 after it — said under the overview
    assert footer_texts(at) == ["Suivi jusqu'au 27 déc. 2025, étapes comptées dans les 90 jours après le premier "
                                "contact (365 jours après la conversion)."]
    conversion_before = next(m for m in at.metric if m.label == "Conversion").value

    at.switch_page("app_pages/data.py").run()
    assert not at.exception, at.exception
    inputs = {n.label: n for n in at.number_input}
    assert inputs["Fenêtre avant conversion (jours)"].value == 90
    inputs["Fenêtre avant conversion (jours)"].set_value(30)
    at.button(key="FormSubmitter:analysis_settings-Enregistrer les réglages").click().run()
    assert not at.exception, at.exception
    assert len(at.success) == 1 and not at.error, [e.value for e in at.error]

    at.switch_page("app_pages/overview.py").run()
    assert not at.exception, at.exception
    assert footer_texts(at) == ["Suivi jusqu'au 27 déc. 2025, étapes comptées dans les 30 jours après le premier "
                                "contact (365 jours après la conversion)."]
    # fewer days to convert: a lower conversion, at once (the settings are part of the data version)
    assert next(m for m in at.metric if m.label == "Conversion").value != conversion_before

    at.switch_page("app_pages/data.py").run()
    box = next(c for c in at.checkbox if c.label == "Sans fenêtre (parts simples)")
    box.check()
    at.button(key="FormSubmitter:analysis_settings-Enregistrer les réglages").click().run()
    at.switch_page("app_pages/overview.py").run()
    assert not at.exception, at.exception
    assert footer_texts(at) == ["Suivi jusqu'au 27 déc. 2025, sans fenêtre\u00a0: parts simples."]
