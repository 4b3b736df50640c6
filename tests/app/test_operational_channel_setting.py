"""The Data page's per-channel switch "operational (not a journey channel)" and what the Channels page then says
(issue 15), in the real app (AppTest) on a copy of the demo database."""

import shutil

from tests.app.conftest import fresh_app

COLUMNS = ["code", "label", "kind", "operational"]


def test_the_data_page_marks_a_channel_operational_and_the_channels_page_follows(demo_db_url, tmp_path, monkeypatch):
    from ui import imports

    path = tmp_path / "app.duckdb"
    shutil.copy(demo_db_url.removeprefix("duckdb:///"), path)
    at = fresh_app(f"duckdb:///{path}", monkeypatch).run()
    at.switch_page("app_pages/channels.py").run()
    assert not at.exception, at.exception
    captions = [c.value.replace("\\", "") for c in at.caption]
    assert any("compared among customers seen at two stages or more" in c or
               "comparés parmi les clients vus à au moins deux étapes" in c for c in captions), captions
    assert not any("opérationnels" in c and "aucun canal de parcours" in c for c in captions)

    at.switch_page("app_pages/data.py").run()
    assert not at.exception, at.exception
    editor = next(d.value for d in at.dataframe if list(d.value.columns) == COLUMNS)
    assert not editor["operational"].any() and len(editor) >= 3
    # what the editor's save button does with the edited table: every channel but the web site is operational
    keep = editor["code"].iloc[0]
    assert imports.save_channel_kinds(editor.assign(operational=editor["code"] != keep), "fr") is None
    saved = imports.channel_table()
    assert saved["operational"].tolist() == [c != keep for c in saved["code"]]
    assert saved["kind"].tolist() == editor["kind"].tolist()  # kinds unchanged

    # the button clears the app's caches in its run; called from here, a new session of the app sees the change
    at = fresh_app(f"duckdb:///{path}", monkeypatch).run()
    at.switch_page("app_pages/channels.py").run()
    assert not at.exception, at.exception
    # customers seen only on the now operational channels are in no mix class, and the page says how many
    assert any("aucun canal de parcours" in c.value for c in at.caption), [c.value for c in at.caption]
