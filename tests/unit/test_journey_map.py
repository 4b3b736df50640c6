"""The journey map's frames on hand-computed cases (DuckDB and PostgreSQL)."""

import math

import pytest

from analytics.filters import Filters
from analytics.journey_map import journey_map
from analytics.report import report
from tests.unit.journeys import fb, load, load_example
from tests.unit.test_irritants import APP_STARS, EMAIL_STARS, load_cells, load_stars


def records(df):
    return [{k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in r.items()}
            for r in df.to_dict("records")]


def test_stage_lanes_and_channels_by_hand(db):
    load_example(db)  # see tests/unit/journeys.py
    m = journey_map(db)
    s = {r["stage"]: r for r in records(m["stages"])}
    # furthest stages: c1 purchase, c2 purchase, c3 consideration
    assert [s[k]["customers"] for k in ("awareness", "consideration", "purchase", "service")] == [3, 3, 2, 0]
    assert [s[k]["stopped"] for k in ("awareness", "consideration", "purchase", "service")] == [0, 1, 2, 0]
    assert s["consideration"]["drop_off"] == pytest.approx(1 / 3) and s["purchase"]["drop_off"] == 1.0
    assert s["service"]["drop_off"] is None and s["advocacy"]["drop_off"] is None  # nobody there; last stage
    # churn of those who stopped: c3's is unknown; at purchase c1 stayed, c2 left
    assert (s["consideration"]["churn_rate"], s["consideration"]["churn_n"]) == (None, 0)
    assert (s["purchase"]["churn_rate"], s["purchase"]["churn_n"]) == (0.5, 2)
    # emotion: purchase answers 10, 3, 7 → NPS 0, one detractor in three; awareness: c5's 9
    assert (s["purchase"]["responses"], s["purchase"]["nps"]) == (3, 0.0)
    assert s["purchase"]["detractor_share"] == pytest.approx(1 / 3)
    assert (s["awareness"]["nps"], s["awareness"]["detractor_share"]) == (100.0, 0.0)
    assert [s[k]["customers"] for k in s] == [f["customers"] for f in report(db)["funnel"]]
    # channels, as shares of the customers reaching the stage: awareness (3 reached, c3 skipped it) touched
    # by c1 (web) and c2 (web, store); consideration (3 reached, c2 skipped it) by c1 (email), c3 (app)
    ch = [(r["stage"], r["rank"], r["channel"], r["customers"], r["share"]) for r in records(m["channels"])]
    assert ch == [
        ("awareness", 1, "web", 2, pytest.approx(2 / 3)), ("awareness", 2, "store", 1, pytest.approx(1 / 3)),
        ("consideration", 1, "app", 1, pytest.approx(1 / 3)),  # tie: by channel code
        ("consideration", 2, "email", 1, pytest.approx(1 / 3)),
        ("purchase", 1, "web", 2, 1.0),
    ]
    assert m["cells"].empty  # no cell has 30 responses


def test_pain_points_delights_and_quotes(db):
    load_cells(db)  # tests/unit/test_irritants.py: overall NPS 18.2; purchase × app -33, purchase × store 75
    load(db, feedback=[
        fb("c1", "2024-02-01", "purchase", 1, "app", comment="Paiement refusé deux fois dans l'appli."),
        fb("c2", "2024-02-02", "purchase", 2, "app", comment="Paiement refusé deux fois dans l'appli."),
        fb("c3", "2024-02-03", "purchase", 0, "app", comment="Application lente au paiement."),
        fb("c4", "2024-02-04", "purchase", 3, "app", comment="Trop court"),  # under 15 characters: never quoted
        fb("c5", "2024-02-05", "purchase", 10, "app", comment="Rien à dire, parfait et rapide."),  # a promoter
        fb("c4", "2024-02-06", "purchase", 10, "store", comment="Vendeuse de très bon conseil, merci."),
        fb("c6", "2024-02-07", "purchase", 9, "store", comment="Accueil chaleureux en magasin."),
        # enough silent answers for both purchase cells to differ significantly from the rest
        *[fb(f"x{i}", "2024-02-08", "purchase", 0, "app") for i in range(30)],
        *[fb(f"y{i}", "2024-02-08", "purchase", 10, "store") for i in range(30)],
    ])
    m = journey_map(db, min_n=3, quotes=2)
    cells = {(r["stage"], r["side"], r["rank"]): r for r in records(m["cells"])}
    pain = cells[("purchase", "pain", 1)]
    # purchase × app now: 0, 2, 10, 1, 2, 0, 3, 10 and 30 × 0 → 2 promoters, 36 detractors of 38
    assert (pain["channel"], pain["responses"], pain["kind"]) == ("app", 38, "irritant")
    assert pain["nps"] == pytest.approx(100 * (2 - 36) / 38)
    # the most frequent detractor comment first, then the most recent; the promoter's and the short one never
    assert list(pain["quotes"]) == ["Paiement refusé deux fois dans l'appli.", "Application lente au paiement."]
    delight = cells[("purchase", "delight", 1)]
    # purchase × store: 10, 9, 9, 8, 10, 9 and 30 × 10 → 35 promoters of 36
    assert (delight["channel"], delight["kind"]) == ("store", "delight")
    assert delight["nps"] == pytest.approx(100 * 35 / 36)
    assert list(delight["quotes"]) == ["Accueil chaleureux en magasin.", "Vendeuse de très bon conseil, merci."]
    # service × unknown channel (5, 10, 3: NPS -33, below the overall) is not significant with 3 answers: the
    # Irritants page calls it neutral, so the map shows no pain point there
    assert not [k for k in cells if k[0] == "service"]
    assert set(m["cells"]["kind"]) == {"irritant", "delight"}


def test_empty_filter(db):
    load_example(db)
    m = journey_map(db, Filters(personas=["nobody"]))
    assert m["stages"]["customers"].sum() == 0 and m["channels"].empty and m["cells"].empty


def test_orders_shape_stages_not_observed_and_operational_channels(db):
    # the shape of a marketplace's orders: a purchase on the web, the carrier's delivery (an operational channel),
    # a review by e-mail; nobody is seen at awareness or consideration
    from sqlmodel import Session

    from charts.journey_map import journey_map_chart
    from data_model import Channel
    from tests.unit.journeys import customer, tp

    people = [f"o{i}" for i in range(4)]
    load(db, [customer(c) for c in people], [row for c in people for row in (
        tp(c, "2024-03-01 10:00", "web", "purchase", "50"), tp(c, "2024-03-03 10:00", "carrier", "service"),
        tp(c, "2024-03-05 10:00", "email", "advocacy"))])
    with Session(db.engine) as s:
        carrier = s.get(Channel, "carrier")
        carrier.operational = True
        s.add(carrier)
        s.commit()
    m = journey_map(db)
    s = {r["stage"]: r for r in records(m["stages"])}
    # everyone "reaches" awareness through a later stage, nobody is seen there: no drop-off, no bar
    assert [(s[k]["customers"], s[k]["observed_customers"], s[k]["observed"]) for k in
            ("awareness", "consideration", "purchase", "service")] == [(4, 0, False), (4, 0, False), (4, 4, True),
                                                                       (4, 4, True)]
    assert s["awareness"]["drop_off"] is None and s["consideration"]["drop_off"] is None
    assert s["purchase"]["drop_off"] == 0.0
    # the carrier is not a journey channel: not in the channel lane (service has no journey channel)
    assert [(r["stage"], r["channel"]) for r in records(m["channels"])] == [("purchase", "web"), ("advocacy", "email")]

    spec = journey_map_chart(m["stages"], m["channels"], m["cells"]).to_dict()
    lane = next(rows for rows in spec["datasets"].values() if rows and "customers_text" in rows[0])
    by = {r["stage"]: r for r in lane}
    assert by["awareness"]["bar_customers"] is None and by["awareness"]["customers_text"] == "not observed in the data"
    assert by["purchase"]["bar_customers"] == 4 and by["purchase"]["customers_text"] == "4"


def test_star_ratings_fill_the_emotion_pain_and_delight_lanes(db):
    """CSAT only (a marketplace's star reviews): the emotion lane reads the mean CSAT of 100 customers (no "n < 30"),
    the pain point is the e-mail survey cell with its 1–2★ comment, the delight the app's with a 4–5★ one."""
    load_stars(db)
    email, app = EMAIL_STARS, APP_STARS
    m = journey_map(db)
    service = m["stages"].set_index("stage").loc["service"]
    assert (service["measure"], service["respondents"], service["responses"]) == ("csat", 100, 100)
    assert service["value"] == pytest.approx(sum(email + app) / 100) and service["unhappy_share"] == 0.26
    assert service["ci_low"] < service["value"] < service["ci_high"] and math.isnan(service["nps"])
    cells = m["cells"].to_dict("records")
    assert [(c["side"], c["channel"], c["measure"]) for c in cells] == [("pain", "email", "csat"),
                                                                       ("delight", "app", "csat")]
    assert cells[0]["value"] == pytest.approx(sum(email) / 40)
    assert list(cells[0]["quotes"])[0] in ("produto não chegou até agora", "entrega atrasada, não recomendo")
    assert list(cells[1]["quotes"])[0] in ("bom produto", "chegou antes do prazo, recomendo")
