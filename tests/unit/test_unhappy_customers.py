"""Closing the loop (issue 16): a stage × channel cell's unhappy customers, by their latest answer there, on the
scope's measure, filtered like every metric, and written formula-safe as CSV and XLSX (DuckDB and PostgreSQL)."""

import io
from datetime import datetime

import openpyxl
import pandas as pd

from analytics import irritants as irr
from analytics.exports import UNHAPPY_COLUMNS, frame_bytes, unhappy_customers
from analytics.filters import Filters
from tests.unit.journeys import customer, fb, load, tp
from tests.unit.test_irritants import APP_STARS, EMAIL_STARS, STAR_COMMENTS, load_stars

FORMULA = '=HYPERLINK("http://evil.example","clic")'


def load_cell(db):
    """The cell purchase × web, and its neighbours:

    * a: 9, then 3 with a formula for a comment: latest a detractor → exported, with that answer;
    * b: 2, then 10: a detractor earlier, a promoter last → not exported;
    * c: 5 on the web (exported), 1 in the app (another cell), persona B (a filter on persona A drops her);
    * d: 0 in the app only; e: 4 at the service stage on the web (another stage) → not in the cell;
    * f: 2 then 8 at the same instant (8 entered later: the latest by input order) → not exported;
    * g: CSAT 1 only (no NPS answer: not a response under NPS) → not exported;
    * h: 6 without a channel ("@SUM" comment) → the cell purchase × channel unknown only.
    """
    people = {"a": "A", "b": "A", "c": "B", "d": "A", "e": "A", "f": "A", "g": "A", "h": "A"}
    load(
        db,
        customers=[customer(c, persona=p) for c, p in people.items()],
        touchpoints=[tp(c, "2024-01-01 09:00", "web", "purchase") for c in people],
        feedback=[
            fb("a", "2024-01-02 10:00", "purchase", 9, "web", comment="bien"),
            fb("a", "2024-01-05 10:00", "purchase", 3, "web", comment=FORMULA),
            fb("b", "2024-01-02 11:00", "purchase", 2, "web", comment="mauvais"),
            fb("b", "2024-01-06 11:00", "purchase", 10, "web", comment="finalement parfait"),
            fb("c", "2024-01-04 12:00", "purchase", 5, "web"),
            fb("c", "2024-01-07 12:00", "purchase", 1, "app", comment="appli plantée"),
            fb("d", "2024-01-03 12:00", "purchase", 0, "app"),
            fb("e", "2024-01-03 13:00", "service", 4, "web"),
            fb("f", "2024-01-03 14:00", "purchase", 2, "web"),
            fb("f", "2024-01-03 14:00", "purchase", 8, "web"),
            fb("g", "2024-01-03 15:00", "purchase", None, "web", csat=1),
            fb("h", "2024-01-03 16:00", "purchase", 6, None, comment="@SUM(A1:A9)"),
        ],
    )


def records(df):
    return [(r["customer_id"], r["stage"], r["channel"], r["measure"], r["score"], r["comment"], r["answered_at"])
            for r in df.to_dict("records")]


def test_a_cells_detractors_by_their_latest_answer_there(db):
    load_cell(db)
    df = unhappy_customers(db, None, "purchase", "web")
    assert list(df.columns) == list(UNHAPPY_COLUMNS)
    assert records(df) == [  # newest first
        ("a", "purchase", "web", "nps", 3, FORMULA, datetime(2024, 1, 5, 10)),
        ("c", "purchase", "web", "nps", 5, None, datetime(2024, 1, 4, 12)),
    ]
    assert str(df["score"].dtype) == "int64" and str(df["answered_at"].dtype) == "datetime64[ns]"
    # the cell "channel unknown": only the answers without a channel
    assert records(unhappy_customers(db, None, "purchase", None)) == [
        ("h", "purchase", None, "nps", 6, "@SUM(A1:A9)", datetime(2024, 1, 3, 16))]
    assert records(unhappy_customers(db, None, "purchase", "app")) == [
        ("c", "purchase", "app", "nps", 1, "appli plantée", datetime(2024, 1, 7, 12)),
        ("d", "purchase", "app", "nps", 0, None, datetime(2024, 1, 3, 12))]
    # the filters apply, as to every metric: c is persona B
    assert list(unhappy_customers(db, Filters(personas=("A",)), "purchase", "web")["customer_id"]) == ["a"]
    # CSAT asked for: g's 1 is the cell's only CSAT answer
    assert records(unhappy_customers(db, Filters(measure="csat"), "purchase", "web")) == [
        ("g", "purchase", "web", "csat", 1, None, datetime(2024, 1, 3, 15))]


def test_an_empty_cell_gives_the_columns(db):
    load_cell(db)
    for stage, channel in (("loyalty", "web"), ("service", None), ("purchase", "store")):
        df = unhappy_customers(db, None, stage, channel)
        assert df.empty and list(df.columns) == list(UNHAPPY_COLUMNS)
        csv = pd.read_csv(io.BytesIO(frame_bytes(df, "csv")), encoding="utf-8-sig")
        assert csv.empty and list(csv.columns) == list(UNHAPPY_COLUMNS)
        sheet = openpyxl.load_workbook(io.BytesIO(frame_bytes(df, "xlsx"))).active
        assert [[c.value for c in row] for row in sheet.iter_rows()] == [list(UNHAPPY_COLUMNS)]


def test_the_files_neutralise_formulas_and_keep_numbers(db):
    load_cell(db)
    df = pd.concat([unhappy_customers(db, None, "purchase", "web"), unhappy_customers(db, None, "purchase", None)])
    csv = pd.read_csv(io.BytesIO(frame_bytes(df, "csv")), encoding="utf-8-sig", keep_default_na=False)
    assert csv["comment"].tolist() == ["'" + FORMULA, "", "'@SUM(A1:A9)"]
    assert csv["score"].tolist() == [3, 5, 6]
    assert csv["channel"].tolist() == ["web", "web", ""]
    sheet = openpyxl.load_workbook(io.BytesIO(frame_bytes(df, "xlsx"))).active
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    assert list(header) == list(UNHAPPY_COLUMNS)
    comments = [r[header.index("comment")] for r in rows[1:]]
    assert comments == ["'" + FORMULA, None, "'@SUM(A1:A9)"]
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)  # no formula anywhere
    assert [r[header.index("score")] for r in rows[1:]] == [3, 5, 6]  # numbers stay numbers
    assert rows[1][header.index("answered_at")] == datetime(2024, 1, 5, 10)


def test_star_reviews_export_the_dissatisfied(db):
    load_stars(db)  # no NPS at all: the scope reads CSAT
    email = unhappy_customers(db, None, "service", "email")
    assert set(email["measure"]) == {"csat"} and len(email) == sum(s <= 2 for s in EMAIL_STARS) == 20
    assert set(email["customer_id"]) == {f"e{i}" for i, s in enumerate(EMAIL_STARS) if s <= 2}
    assert set(email["score"]) == {1, 2}
    expected = {f"e{i}": STAR_COMMENTS[s] if i % 3 == 0 else None for i, s in enumerate(EMAIL_STARS) if s <= 2}
    assert dict(zip(email["customer_id"], email["comment"], strict=True)) == expected
    app = unhappy_customers(db, None, "service", "app")
    assert sorted(app["customer_id"]) == sorted(f"a{i}" for i, s in enumerate(APP_STARS) if s <= 2)
    # the same customers the ranking's churn split calls dissatisfied (every churn status is known here)
    ranked = irr.irritants(db).set_index("channel")
    assert ranked.loc["email", "unhappy_churn_n"] == len(email) and ranked.loc["app", "unhappy_churn_n"] == len(app)
