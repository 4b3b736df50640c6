"""Closing the loop (issue 16), headless (AppTest) on the demo: on the Irritants page an admin picks a ranked cell and
downloads its unhappy customers as CSV and Excel, the files a click gives holding what ``unhappy_customers`` says; a
viewer (sign-in on, not an admin) gets a caption instead, and no customer list."""

import io

import openpyxl
import pandas as pd
import pytest
from streamlit.runtime.media_file_manager import MediaFileManager

import data_model as dm
from analytics.exports import UNHAPPY_COLUMNS, unhappy_customers
from analytics.irritants import irritants
from tests.app.test_auth_open import signed_in_app

PAGE = "app_pages/irritants.py"


@pytest.fixture
def deferred(monkeypatch):
    """Every deferred download a run draws, by file name, with the callable a click runs (a spy on the media
    manager that calls the real one)."""
    seen: dict[str, tuple[MediaFileManager, str]] = {}
    real = MediaFileManager.add_deferred

    def spy(self, data_callable, mimetype, coordinates, file_name=None, **kwargs):
        file_id = real(self, data_callable, mimetype, coordinates, file_name, **kwargs)
        seen[file_name] = (self, file_id)
        return file_id

    monkeypatch.setattr(MediaFileManager, "add_deferred", spy)
    return seen


def click(seen, name: str) -> bytes:
    """What Streamlit does when the viewer clicks the download: run its callable, store the file."""
    manager, file_id = seen[name]
    url = manager.execute_deferred(file_id)
    return manager._storage.get_file(url.rsplit("/", 1)[-1].split(".")[0]).content


def callback_buttons(at) -> list[str]:
    return [b.key for b in at.get("download_button") if (b.key or "").startswith(("dl_detractors_",
                                                                                     "dl_dissatisfied_"))]


def expected(url):
    db = dm.connect(url, create=False)
    try:
        top = irritants(db).iloc[0]
        return top["stage"], top["channel"], unhappy_customers(db, None, top["stage"], top["channel"])
    finally:
        db.close()


def test_an_admin_downloads_a_cells_unhappy_customers(app, demo_db_url, deferred):
    app.run()
    app.switch_page(PAGE).run()
    assert not app.exception, app.exception
    assert not callback_buttons(app)  # nothing is fetched before a cell is picked
    box = app.selectbox(key="callback_cell")
    assert box.label == "Étape × canal" and box.value is None
    box.select_index(0).run()  # the top of the ranking
    assert not app.exception, app.exception
    stage, channel, want = expected(demo_db_url)
    assert len(want) > 0 and set(want["measure"]) == {"nps"}
    name = f"detractors_{stage}_{channel or 'unknown_channel'}"
    assert callback_buttons(app) == [f"dl_{name}_csv", f"dl_{name}_xlsx"]
    caption = next(c.value for c in app.caption if "pour l'équipe qui les rappelle" in c.value)
    assert caption.replace("\u202f", "").startswith(f"{len(want)} détracteurs (0–6) de cette case")

    got = pd.read_csv(io.BytesIO(click(deferred, f"{name}.csv")), encoding="utf-8-sig", keep_default_na=False)
    assert list(got.columns) == list(UNHAPPY_COLUMNS)
    assert got["customer_id"].tolist() == want["customer_id"].tolist()
    assert got["score"].tolist() == want["score"].tolist() and (got["score"] <= 6).all()
    sheet = openpyxl.load_workbook(io.BytesIO(click(deferred, f"{name}.xlsx"))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == list(UNHAPPY_COLUMNS) and len(rows) == len(want) + 1


@pytest.mark.parametrize(("user", "admin"), [({"email": "lecteur@example.com"}, False),
                                             ({"email": "admine@example.com", "email_verified": True}, True)],
                         ids=["viewer", "admin"])
def test_with_sign_in_only_admins_get_the_export(demo_db_url, monkeypatch, user, admin):
    at = signed_in_app(demo_db_url, monkeypatch, **user)
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    refused = [c.value for c in at.caption if "réservé aux administrateurs" in c.value]
    boxes = [s for s in at.selectbox if s.key == "callback_cell"]
    if admin:
        assert boxes and not refused
        boxes[0].select_index(0).run()
        assert len(callback_buttons(at)) == 2
    else:
        assert refused and not boxes and not callback_buttons(at)
        assert {b.proto.label for b in at.get("download_button")} >= {"CSV", "Excel"}  # the ranking's own stay

