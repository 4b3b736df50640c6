"""Memory the Data page lets go (issue 13): a checked import not written is dropped when the session leaves the
page (its validated frames can be hundreds of megabytes), and kept while it stays. The bytes uploaded, the cap and
the release when a session ends are tested against a real server: tests/e2e/test_upload_guard.py."""

from ui.imports import PendingImport


def test_a_checked_import_is_dropped_when_the_session_leaves_the_data_page(app):
    app.switch_page("app_pages/data.py").run()
    assert not app.exception, app.exception
    app.session_state["pending_import"] = PendingImport(validated=[], errors=[])
    app.run()  # still on the Data page: kept
    assert "pending_import" in app.session_state
    app.switch_page("app_pages/overview.py").run()
    assert not app.exception, app.exception
    assert "pending_import" not in app.session_state
