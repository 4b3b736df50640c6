"""The satisfaction measure over time (issue 16, "Closing the loop"): ``analytics.satisfaction.satisfaction_trend`` on
a hand-computed case, on DuckDB and on PostgreSQL (the ``db`` fixture), its chart, and the same figures as the
overview's NPS trend on the demo."""

import math
from datetime import date

import pandas as pd
import pytest

import charts
from analytics import satisfaction, stats
from analytics.filters import Filters
from analytics.metrics import Scope
from analytics.queries import runner
from tests.unit.journeys import customer, fb, load, nps_by_hand, tp
from tests.unit.test_charts import layers, mark, rows, spec_of

COLUMNS = ["period_start", "measure", "responses", "respondents", "value", "ci_low", "ci_high", "sufficient",
           "partial"]

# March 2024: 40 customers. c01…c39 answer once (promoter, passive, detractor in turn); c00 answers three times
# (10, 3, 9: two promoters and a detractor) — 42 responses, 40 respondents: enough.
# April 2024: 5 new customers, d0 answering twice (9, 10) — 6 responses, 5 respondents: too few, and the data stops
# in April (its last touchpoint, 2024-04-20): the month is not over.
MARCH = [(f"c{i:02d}", at, nps, csat) for i in range(1, 40)
         for at, nps, csat in [("2024-03-05", (10, 8, 4)[i % 3], i % 5 + 1)]]
MARCH += [("c00", "2024-03-05", 10, 5), ("c00", "2024-03-06", 3, 1), ("c00", "2024-03-12", 9, 4)]
APRIL = [("d0", "2024-04-02", 9, 4), ("d0", "2024-04-16", 10, 5), ("d1", "2024-04-03", 6, 2),
         ("d2", "2024-04-04", 7, 3), ("d3", "2024-04-08", 10, 5), ("d4", "2024-04-09", 0, 1)]


def load_case(db) -> None:
    ids = sorted({who for who, *_ in MARCH + APRIL})
    touchpoints = [tp(who, "2024-03-01" if who.startswith("c") else "2024-04-01", "web", "awareness")
                   for who in ids]
    touchpoints.append(tp("d0", "2024-04-20", "store", "consideration"))
    load(db, [customer(who, persona="Famille") for who in ids], touchpoints,
         [fb(who, at, "awareness", nps=nps, channel="web", csat=csat) for who, at, nps, csat in MARCH + APRIL])


def per_customer(answers) -> dict:
    """``customer → (S, n)``: the sum of a customer's scores and their answers."""
    out: dict = {}
    for who, score in answers:
        s, n = out.get(who, (0, 0))
        out[who] = (s + score, n + 1)
    return out


def nps_row(answers, start: date, partial: bool) -> dict:
    """A bucket's NPS row, with the clustering sums written out from the answers (``(customer, score)``)."""
    promoters = sum(score >= 9 for _, score in answers)
    detractors = sum(score <= 6 for _, score in answers)
    sums = per_customer((who, 1 if score >= 9 else -1 if score <= 6 else 0) for who, score in answers)
    clusters = (len(sums), sum(s * s for s, _ in sums.values()), sum(s * n for s, n in sums.values()),
                sum(n * n for _, n in sums.values()))
    value, low, high = stats.nps_with_interval(promoters, detractors, len(answers), clusters)
    return {"period_start": start, "measure": "nps", "responses": len(answers), "respondents": len(sums),
            "value": value, "ci_low": low, "ci_high": high, "sufficient": len(sums) >= 30, "partial": partial}


def csat_row(answers, start: date, partial: bool) -> dict:
    sums = per_customer(answers)
    value, low, high = stats.clustered_mean(
        len(answers), len(sums), sum(s for s, _ in sums.values()), sum(s * s for s, _ in sums.values()),
        sum(s * n for s, n in sums.values()), sum(n * n for _, n in sums.values()))
    return {"period_start": start, "measure": "csat", "responses": len(answers), "respondents": len(sums),
            "value": value, "ci_low": low, "ci_high": high, "sufficient": len(sums) >= 30, "partial": partial}


def records(df: pd.DataFrame) -> list[dict]:
    return [{k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items()}
            for row in df.to_dict("records")]


def close(got: list[dict], expected: list[dict]) -> None:
    assert len(got) == len(expected)
    for g, e in zip(got, expected, strict=True):
        assert g.keys() == e.keys()
        for k, v in e.items():
            assert g[k] == (pytest.approx(v, abs=1e-9) if isinstance(v, float) else v), (k, g[k], v)


def test_no_data(db):
    df = satisfaction.satisfaction_trend(db)
    assert list(df.columns) == COLUMNS and df.empty
    assert df["responses"].dtype == "int64" and df["value"].dtype == "float64" and df["sufficient"].dtype == bool


def test_nps_by_month_hand_computed(db):
    load_case(db)
    df = satisfaction.satisfaction_trend(db, grain="month")
    assert list(df.columns) == COLUMNS
    march = [(who, nps) for who, _, nps, _ in MARCH]
    april = [(who, nps) for who, _, nps, _ in APRIL]
    expected = [nps_row(march, date(2024, 3, 1), False), nps_row(april, date(2024, 4, 1), True)]
    close(records(df), expected)
    # c00's three answers: 42 responses, 40 respondents; April rests on 5 customers: not enough
    assert df["responses"].tolist() == [42, 6] and df["respondents"].tolist() == [40, 5]
    assert df["sufficient"].tolist() == [True, False]
    assert df["value"].iloc[0] == pytest.approx(100 * (15 - 14) / 42)
    # the interval is the README's, clustered by customer: the plain-Python reading of the definition agrees
    for got, answers in zip(records(df), (march, april), strict=True):
        by_hand = nps_by_hand(answers)
        assert (got["ci_low"], got["ci_high"]) == (pytest.approx(by_hand["ci_low"]), pytest.approx(by_hand["ci_high"]))
    # the same figures through the registry the story uses, and with a shared scope
    same = runner(db, Filters(), Scope(db))(satisfaction.satisfaction_trend, grain="month")
    pd.testing.assert_frame_equal(same, df)


def test_nps_by_week_counts_a_customer_in_each_week_they_answered(db):
    load_case(db)
    df = satisfaction.satisfaction_trend(db, grain="week")
    weeks = df["period_start"].tolist()
    assert weeks == [date(2024, 3, 4), date(2024, 3, 11), date(2024, 4, 1), date(2024, 4, 8), date(2024, 4, 15)]
    assert all(w.weekday() == 0 for w in weeks)  # ISO weeks start on Monday, on both engines
    # c00 answered twice in the week of March 4 and once in the next: one respondent in each
    assert df["responses"].tolist() == [41, 1, 3, 2, 1] and df["respondents"].tolist() == [40, 1, 3, 2, 1]
    assert df["sufficient"].tolist() == [True, False, False, False, False]
    assert df["partial"].tolist() == [False, False, False, False, True]  # the data stops on April 20
    second = nps_row([("c00", 9)], date(2024, 3, 11), False)
    close(records(df.iloc[[1]]), [second])


def test_csat_by_month_hand_computed(db):
    load_case(db)
    df = satisfaction.satisfaction_trend(db, Filters(measure="csat"))
    march = [(who, csat) for who, _, _, csat in MARCH]
    april = [(who, csat) for who, _, _, csat in APRIL]
    close(records(df), [csat_row(march, date(2024, 3, 1), False), csat_row(april, date(2024, 4, 1), True)])
    assert df["value"].iloc[0] == pytest.approx(sum(c for _, c in march) / 42)
    assert 1 <= df["ci_low"].iloc[0] < df["value"].iloc[0] < df["ci_high"].iloc[0] <= 5


def test_a_filter_that_empties_everything(db):
    load_case(db)
    df = satisfaction.satisfaction_trend(db, Filters(personas=("Étudiant",)))
    assert list(df.columns) == COLUMNS and df.empty
    empty = satisfaction.satisfaction_trend(db, Filters(measure="csat", start=date(2023, 1, 1), end=date(2023, 1, 31)))
    assert empty.empty


def test_a_filter_keeps_its_customers_answers(db):
    load_case(db)
    df = satisfaction.satisfaction_trend(db, Filters(channels=("store",)))  # d0 only: the one store touchpoint
    assert df["period_start"].tolist() == [date(2024, 4, 1)]
    assert df["responses"].tolist() == [2] and df["respondents"].tolist() == [1] and not df["sufficient"].any()


def test_unknown_grain_is_refused(db):
    with pytest.raises(ValueError, match="grain"):
        satisfaction.satisfaction_trend(db, grain="day")


def test_equals_the_overview_nps_trend_on_the_demo(demo_db_url):
    """One definition: the overview's NPS per month and this trend's, bucket by bucket."""
    import data_model as dm
    from analytics.overview import kpi_trend

    db = dm.connect(demo_db_url)
    try:
        scope = Scope(db, Filters(measure="nps"))
        mine = satisfaction.satisfaction_trend(db, grain="month", scope=scope)
        theirs = kpi_trend(db, grain="month", scope=scope)
    finally:
        db.close()
    theirs = theirs[theirs["responses"] > 0].reset_index(drop=True)
    assert mine["period_start"].tolist() == theirs["period_start"].tolist()
    assert mine["responses"].tolist() == theirs["responses"].tolist()
    assert mine["value"].tolist() == pytest.approx(theirs["nps"].tolist())
    assert mine["sufficient"].tolist() == theirs["nps_sufficient"].tolist()
    assert mine["partial"].tolist() == theirs["partial"].tolist()


# -- the chart ---------------------------------------------------------------------------------------------------

def trend_frame(measure: str = "nps") -> pd.DataFrame:
    """Six months: February and May under 30 respondents, June not over."""
    values = [10.0, 50.0, 20.0, -5.0, 30.0, 15.0] if measure == "nps" else [3.5, 4.0, 3.8, 4.1, 3.0, 4.0]
    spread = 15.0 if measure == "nps" else 0.3
    return pd.DataFrame({
        "period_start": [date(2025, m, 1) for m in range(1, 7)], "measure": [measure] * 6,
        "responses": [50, 10, 60, 70, 20, 40], "respondents": [40, 5, 45, 50, 12, 35], "value": values,
        "ci_low": [v - spread for v in values], "ci_high": [v + spread for v in values],
        "sufficient": [True, False, True, True, False, True], "partial": [False] * 5 + [True]})


def by_mark(spec: dict) -> dict:
    return {(mark(la), la["mark"].get("shape") if isinstance(la["mark"], dict) else None): la for la in layers(spec)}


def test_chart_draws_line_band_and_no_thin_period():
    spec = spec_of(charts.satisfaction_trend_chart(trend_frame(), titles={"locale": "fr", "nps": "NPS"}))
    marks = by_mark(spec)
    assert set(marks) == {("rule", None), ("area", None), ("line", None), ("point", None), ("point", "cross")}
    line, band, points = marks[("line", None)], marks[("area", None)], marks[("point", None)]
    assert line["encoding"]["y"]["scale"]["domain"] == [-100, 100]
    assert line["encoding"]["y"]["axis"]["labelExpr"].startswith("datum.value > 0 ? '+'")
    assert band["encoding"]["y"]["field"] == "ci_low" and band["encoding"]["y2"]["field"] == "ci_high"
    # thin periods: null values, not drawn, a cross at the foot; the line and the band stop on either side
    drawn = rows(spec, line)
    assert [str(r["period_start"])[:7] for r in drawn] == ["2025-01", "2025-03", "2025-04", "2025-06"]
    assert len({r["segment"] for r in drawn}) == 3  # January, March–April, June: never joined over a gap
    every = rows(spec, {k: v for k, v in line.items() if k != "transform"})  # the line's data, unfiltered
    assert [r["value"] for r in every if r["insufficient"]] == [None, None]
    assert [r["ci_low"] for r in every if r["insufficient"]] == [None, None]
    crosses = rows(spec, marks[("point", "cross")])
    assert [str(r["period_start"])[:7] for r in crosses] == ["2025-02", "2025-05"]
    # the period not over is an open point; a lone period keeps its interval as a rule
    assert points["encoding"]["fill"]["condition"]["test"] == "datum.partial"
    assert [r["status"] for r in drawn][-1] == "période en cours"  # locale fr: the French text
    lone = [la for la in layers(spec) if mark(la) == "rule" and "y2" in la["encoding"]]
    assert [str(r["period_start"])[:7] for r in rows(spec, lone[0])] == ["2025-01", "2025-06"]
    tips = [tip["title"] for tip in line["encoding"]["tooltip"]]
    assert tips == ["Période", "NPS", "intervalle à 95 %", "Répondants", "Statut"]
    assert drawn[0]["value_text"] == "+10,0" and drawn[0]["interval_text"] == "\u22125,0 – +25,0"


def test_chart_csat_on_one_to_five_without_zero_line():
    spec = spec_of(charts.satisfaction_trend_chart(trend_frame("csat")))
    marks = [mark(la) for la in layers(spec)]
    assert marks == ["area", "rule", "line", "point", "point"]  # no zero line
    line = layers(spec)[2]
    assert line["encoding"]["y"]["scale"]["domain"] == [1, 5]
    assert line["encoding"]["y"]["title"] == "Mean satisfaction (1–5)"
    assert rows(spec, line)[0]["value_text"] == "3.50"


def test_chart_without_data_says_so():
    spec = spec_of(charts.satisfaction_trend_chart(trend_frame().iloc[:0], titles={"no_data": "Rien"}))
    (layer,) = layers(spec)
    assert mark(layer) == "text" and rows(spec, layer) == [{"message": "Rien"}]
