"""Irritants and points of delight on hand-computed cases (DuckDB and PostgreSQL), the NPS difference test,
the command line, and the planted irritants of the demo data coming out on top."""

import json
import math
import subprocess
import sys

import pytest

import data_model as dm
from analytics import irritants as irr
from analytics.filters import Filters
from analytics.report import report
from analytics.stats import benjamini_hochberg, nps_difference_test
from data_model.text import slug
from loaders.sample import PLANTED_DELIGHTS, PLANTED_IRRITANTS
from tests.conftest import ROOT
from tests.unit.journeys import customer, fb, load, tp

# -- the NPS difference test ------------------------------------------------------------------------


def test_nps_difference_test_by_hand():
    # A: 1 promoter, 2 detractors of 3 (mean -1/3, variance 3/3 - 1/9 = 8/9);
    # B: 5 promoters, 2 detractors of 8 (mean 3/8, variance 7/8 - 9/64 = 47/64).
    se = math.sqrt((8 / 9) / 3 + (47 / 64) / 8)
    z = (-1 / 3 - 3 / 8) / se
    got = nps_difference_test(1, 2, 3, 5, 2, 8)
    assert got["diff"] == pytest.approx(100 * (-1 / 3 - 3 / 8))
    assert got["z"] == pytest.approx(z) and got["z"] == pytest.approx(-1.13702, abs=1e-5)
    assert got["p_value"] == pytest.approx(math.erfc(abs(z) / math.sqrt(2)))
    assert got["p_value"] == pytest.approx(0.25553, abs=1e-5)


def test_nps_difference_test_edges():
    assert nps_difference_test(1, 0, 1, 0, 0, 0) == {"diff": None, "z": None, "p_value": None}
    same = nps_difference_test(3, 0, 3, 5, 0, 5)  # everyone a promoter in both groups: no spread, no difference
    assert same == {"diff": 0.0, "z": None, "p_value": 1.0}
    apart = nps_difference_test(3, 0, 3, 0, 4, 4)  # no spread, opposite answers
    assert apart == {"diff": 200.0, "z": None, "p_value": 0.0}
    symmetric = nps_difference_test(5, 2, 8, 1, 2, 3)
    assert symmetric["p_value"] == pytest.approx(nps_difference_test(1, 2, 3, 5, 2, 8)["p_value"])
    with pytest.raises(ValueError):
        nps_difference_test(3, 2, 4, 0, 0, 1)


# -- a hand-computed ranking (min_n = 3) ------------------------------------------------------------------
#
# Cells (feedback stage × channel):
#   X = purchase × app:        c1 0, c2 2, c3 10               → n 3, p 1, d 2, NPS -33.33
#   Y = purchase × store:      c4 10, c5 9, c6 9, c7 8          → n 4, p 3, d 0, NPS 75
#   Z = service × (unknown):   c1 5, c8 10 then c8 3 (later)    → n 3, p 1, d 2, NPS -33.33
#   awareness × web:           c2 9                             → n 1 (too few: not ranked, but in the overall)
# Overall: n 11, p 6, d 4 → NPS 100 × 2 / 11 = 18.18.
# Touchpoints (furthest stage): c1 web awareness + app purchase (purchase); c2 app purchase + store service
# (service); c4 store purchase (purchase); c5 store purchase + store loyalty (loyalty); c8 app service (service);
# c9 app purchase (purchase). c3, c6, c7 answered without any touchpoint.

CHURNED = {"c1": True, "c2": False, "c3": True, "c4": False, "c5": None, "c6": True, "c7": False, "c8": True,
           "c9": False}


def load_cells(db):
    load(
        db,
        customers=[customer(c, churned=v) for c, v in CHURNED.items()],
        touchpoints=[
            tp("c1", "2024-01-01 09:00", "web", "awareness"), tp("c1", "2024-01-02 09:00", "app", "purchase"),
            tp("c2", "2024-01-01 10:00", "app", "purchase"), tp("c2", "2024-01-05 10:00", "store", "service"),
            tp("c4", "2024-01-03 11:00", "store", "purchase"),
            tp("c5", "2024-01-03 12:00", "store", "purchase"), tp("c5", "2024-02-03 12:00", "store", "loyalty"),
            tp("c8", "2024-01-04 12:00", "app", "service"),
            tp("c9", "2024-01-04 13:00", "app", "purchase"),
        ],
        feedback=[
            fb("c1", "2024-01-02 10:00", "purchase", 0, "app"),
            fb("c2", "2024-01-02 10:00", "purchase", 2, "app"),
            fb("c3", "2024-01-02 11:00", "purchase", 10, "app"),
            fb("c4", "2024-01-03 12:00", "purchase", 10, "store"),
            fb("c5", "2024-01-03 13:00", "purchase", 9, "store"),
            fb("c6", "2024-01-03 14:00", "purchase", 9, "store"),
            fb("c7", "2024-01-03 15:00", "purchase", 8, "store"),
            fb("c1", "2024-01-06 10:00", "service", 5, None),
            fb("c8", "2024-01-06 10:00", "service", 10, None),
            fb("c8", "2024-01-07 10:00", "service", 3, None),
            fb("c2", "2024-01-01 11:00", "awareness", 9, "web"),
            fb("c9", "2024-01-08 10:00", "purchase", None, "app", csat=2),  # CSAT only: not a response
        ],
    )


def as_dicts(df):
    return [{k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in r.items()}
            for r in df.to_dict("records")]


NPS_ANSWERS = [  # (customer, cell, score): the feedback of load_cells with an NPS answer, cells X, Y, Z, W
    ("c1", "X", 0), ("c2", "X", 2), ("c3", "X", 10), ("c4", "Y", 10), ("c5", "Y", 9), ("c6", "Y", 9), ("c7", "Y", 8),
    ("c1", "Z", 5), ("c8", "Z", 10), ("c8", "Z", 3), ("c2", "W", 9)]


def clustered_p(cell: str) -> float:
    """The cell against every other answer: the CR1 sandwich of the regression of +1/0/−1 on "in the cell"
    (``tests.unit.test_stats._sandwich``, an independent reading of ``stats.clustered_cell_test``)."""
    from tests.unit.test_stats import _sandwich

    answers = [(c, 1 if v >= 9 else -1 if v <= 6 else 0) for c, _, v in NPS_ANSWERS]
    slope, var = _sandwich(answers, [k == cell for _, k, _ in NPS_ANSWERS])
    return math.erfc(abs(slope) / math.sqrt(var) / math.sqrt(2))


def test_ranking_by_hand(db):
    load_cells(db)
    rows = as_dicts(irr.irritants(db, min_n=2))  # Z has 3 answers but 2 customers; W, one customer, is not ranked
    overall = 100 * 2 / 11
    assert [(r["stage"], r["channel"]) for r in rows] == [("purchase", "app"), ("service", None),
                                                          ("purchase", "store")]
    assert irr.irritants(db, min_n=3)["channel"].tolist() == ["app", "store"]  # customers, not answers, count
    x, z, y = rows
    assert {r["measure"] for r in rows} == {"nps"}
    # X: customers who touched purchase × app (c1, c2, c9) or answered there (c1, c2, c3) = 4;
    # with touchpoints c1, c2, c9, of whom c1 and c9 stopped at purchase.
    assert (x["customers"], x["respondents"], x["responses"], x["happy"], x["unhappy"]) == (4, 3, 3, 1, 2)
    assert x["value"] == x["nps"] == pytest.approx(-100 / 3) and x["overall"] == pytest.approx(overall)
    assert x["gap"] == pytest.approx(-100 / 3 - overall)
    assert x["unhappy_share"] == x["detractor_share"] == pytest.approx(2 / 3) and x["drop_off"] == pytest.approx(2 / 3)
    assert x["overall_unhappy_share"] == pytest.approx(4 / 11) and x["mean_csat"] is None
    assert x["overall_score"] == pytest.approx(4 * (overall + 100 / 3))  # 206.06
    # churn by the latest answer in the cell: detractors c1 (churned), c2 (not); others: c3 (churned) — fewer than
    # 30 each: the counts, no rate ("50 % churn" of 2 is not said)
    assert (x["unhappy_churn"], x["unhappy_churn_n"], x["other_churn"], x["other_churn_n"]) == (None, 2, None, 1)
    # Y: touched by c4, c5, answered by c4-c7 → 4 customers; c4 stopped at purchase, c5 went on.
    assert (y["customers"], y["responses"], y["value"], y["drop_off"]) == (4, 4, 75.0, 0.5)
    assert y["overall_score"] == pytest.approx(4 * (overall - 75))  # -227.27: better than the overall NPS
    # c5's churn is unknown; others c4 (no), c6 (yes), c7 (no); no detractor.
    assert (y["unhappy_churn"], y["unhappy_churn_n"], y["other_churn"], y["other_churn_n"]) == (None, 0, None, 3)
    # Z: channel unknown → the respondents c1 and c8 only; c8 stopped at service, c1 did not reach it.
    assert (z["customers"], z["respondents"], z["responses"], z["drop_off"]) == (2, 2, 3, 0.5)
    assert z["overall_score"] == pytest.approx(2 * (overall + 100 / 3))
    # c8's latest answer there is 3: both respondents are detractors, both churned.
    assert (z["unhappy_churn"], z["unhappy_churn_n"], z["other_churn_n"]) == (None, 2, 0)

    # Each cell against every other response (11 answers of 8 customers), clustered by customer, then
    # Benjamini-Hochberg over the 3 ranked cells.
    px, py, pz = clustered_p("X"), clustered_p("Y"), clustered_p("Z")
    assert [r["p_value"] for r in rows] == pytest.approx([px, pz, py])
    qs = benjamini_hochberg([px, pz, py])
    assert [r["q_value"] for r in rows] == pytest.approx(qs)
    assert [r["kind"] for r in rows] == [
        "irritant" if q < 0.05 and r["gap"] < 0 else "delight" if q < 0.05 else "neutral"
        for q, r in zip(qs, rows, strict=True)]
    assert [r["rank"] for r in rows] == [1, 2, 3]
    assert sum(r["responses"] for r in rows) + 1 == report(db)["nps"]["responses"]


def test_default_threshold_and_json_records(db):
    load_cells(db)
    assert irr.irritants(db).empty  # every cell below 30 customers
    records = irr.ranked_records(irr.irritants(db, min_n=4))
    py = clustered_p("Y")
    assert records == [{
        "stage": "purchase", "channel": "store", "measure": "nps", "customers": 4, "respondents": 4, "responses": 4,
        "value": 75.0, "ci_low": records[0]["ci_low"], "ci_high": records[0]["ci_high"], "nps": 75.0,
        "detractor_share": 0.0, "dissatisfied_share": None,
        # one ranked cell: its q-value is its p-value
        "p_value": pytest.approx(py), "q_value": records[0]["p_value"], "kind": "delight" if py < 0.05 else "neutral",
        # the gap against the 7 other answers (NPS −100/7): one ranked cell, τ² = 0, so the raw gap ranks
        "excess": pytest.approx(-(75 + 100 / 7)), "shrunk_excess": pytest.approx(-(75 + 100 / 7)),
        "raw_score": pytest.approx(-4 * (75 + 100 / 7)), "score": pytest.approx(-4 * (75 + 100 / 7)),
    }]
    assert list(records[0]) == list(irr.CLI_FIELDS)
    assert json.loads(json.dumps(records))  # plain Python values only


def test_empty_cases(db):
    assert irr.irritants(db).empty and list(irr.irritants(db).columns) == list(irr.COLUMNS)
    load_cells(db)
    empty = irr.irritants(db, Filters(personas=["nobody"]), min_n=1)
    assert empty.empty and empty["score"].dtype == "float64"


def test_one_customer(db):
    load(db, customers=[customer("a", churned=True)], touchpoints=[tp("a", "2024-01-01", "web", "purchase")],
         feedback=[fb("a", "2024-01-02", "purchase", 3, "web")])
    (row,) = as_dicts(irr.irritants(db, min_n=1))
    # no other response to compare with: no test, so neutral; its NPS is the overall NPS
    assert (row["customers"], row["nps"], row["gap"], row["score"]) == (1, -100.0, 0.0, 0.0)
    assert (row["p_value"], row["q_value"], row["kind"]) == (None, None, "neutral")
    assert (row["unhappy_churn"], row["unhappy_churn_n"], row["drop_off"]) == (None, 1, 1.0)


def cell_rows(customer_prefix: str, stage: str, channel: str, scores: list[int], extra_customers: int = 0):
    """One customer per answer (a touchpoint and a response in the cell), plus customers who only touched it."""
    customers, touchpoints, feedback = [], [], []
    for i, score in enumerate(scores):
        cid = f"{customer_prefix}{i}"
        customers.append(customer(cid, churned=False))
        touchpoints.append(tp(cid, "2024-03-01 10:00", channel, stage))
        feedback.append(fb(cid, "2024-03-01 11:00", stage, score, channel))
    for i in range(extra_customers):
        cid = f"{customer_prefix}x{i}"
        customers.append(customer(cid, churned=False))
        touchpoints.append(tp(cid, "2024-03-02 10:00", channel, stage))
    return customers, touchpoints, feedback


def test_significant_cells_are_irritants_and_delights(db):
    parts = [
        cell_rows("a", "service", "call", [0] * 40),                   # NPS -100, 40 customers
        cell_rows("d", "service", "web", [0] * 30, extra_customers=30),  # NPS -100, 60 customers
        cell_rows("b", "purchase", "store", [10] * 40),                # NPS 100
        cell_rows("c", "purchase", "web", [10] * 20 + [0] * 20),       # NPS 0: no different from the rest
    ]
    load(db, *(sum((list(p[i]) for p in parts), []) for i in range(3)))
    rows = as_dicts(irr.irritants(db))
    # overall: 60 promoters, 90 detractors of 150 → -20
    assert rows[0]["overall"] == pytest.approx(-20.0)
    assert [(r["stage"], r["channel"], r["kind"]) for r in rows] == [
        ("service", "web", "irritant"),     # score 60 × 80 = 4800
        ("service", "call", "irritant"),    # score 40 × 80 = 3200
        ("purchase", "web", "neutral"),     # score 40 × -20
        ("purchase", "store", "delight"),   # score 40 × -120
    ]
    assert [r["overall_score"] for r in rows] == pytest.approx([4800, 3200, -800, -4800])
    qs = benjamini_hochberg([r["p_value"] for r in rows])
    assert [r["q_value"] for r in rows] == pytest.approx(qs)
    assert all(r["q_value"] < 0.05 for r in rows if r["kind"] != "neutral")
    assert rows[2]["q_value"] >= 0.05
    # the customers who only touched service × web count in its volume, not in its responses
    assert (rows[0]["customers"], rows[0]["responses"]) == (60, 30)


def test_delights_best_first(db):
    parts = [
        cell_rows("a", "purchase", "store", [10] * 40, extra_customers=40),  # NPS 100, 80 customers
        cell_rows("b", "service", "store", [10] * 40),                      # NPS 100, 40 customers
        cell_rows("c", "purchase", "web", [0] * 60 + [10] * 20),            # NPS -50: irritant
    ]
    load(db, *(sum((list(p[i]) for p in parts), []) for i in range(3)))
    rows = as_dicts(irr.irritants(db))
    assert [(r["stage"], r["channel"], r["kind"]) for r in rows] == [
        ("purchase", "web", "irritant"), ("purchase", "store", "delight"), ("service", "store", "delight")]


# -- the command line --------------------------------------------------------------------------------------

def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "analytics", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)


def test_cli_prints_the_ranked_list(duckdb_url):
    db = dm.connect(duckdb_url)
    dm.initialise(db)
    load_cells(db)
    expected = irr.ranked_records(irr.irritants(db, min_n=3))
    db.close()
    out = run_cli("irritants", "--db", duckdb_url, "--min-responses", "3")  # the old name of --min-customers
    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout)
    assert [(r["stage"], r["channel"]) for r in got] == [("purchase", "app"), ("purchase", "store")]
    assert got == json.loads(json.dumps(expected))
    filtered = run_cli("irritants", "--db", duckdb_url, "--min-customers", "2", "--channel", "store",
                       "--channel-mode", "only")  # the lens: the store's responses only
    assert [(r["stage"], r["channel"]) for r in json.loads(filtered.stdout)] == [("purchase", "store")]
    bad = run_cli("irritants", "--db", duckdb_url, "--min-customers", "0")
    assert bad.returncode == 2 and "--min-customers must be at least 1" in bad.stderr and not bad.stdout
    # CSAT asked for: c9's one answer is below any threshold; said on stderr that CSAT is what was read
    csat = run_cli("irritants", "--db", duckdb_url, "--measure", "csat", "--min-customers", "1")
    assert csat.returncode == 0 and [(r["measure"], r["value"]) for r in json.loads(csat.stdout)] == [("csat", 2.0)]
    unknown = run_cli("irritants", "--db", duckdb_url, "--channel", "fax")
    assert unknown.returncode == 2 and "unknown channel code fax" in unknown.stderr


# -- the demo data: the planted irritants come out on top ----------------------------------------------------

def test_planted_irritants_on_top_of_the_demo(demo_db_url):
    out = run_cli("irritants", "--db", demo_db_url)
    assert out.returncode == 0, out.stderr
    rows = json.loads(out.stdout)
    planted = {(s, slug(c)) for s, c in PLANTED_IRRITANTS}
    top = {(r["stage"], r["channel"]) for r in rows[:len(planted)]}
    assert top == planted
    assert all(r["kind"] == "irritant" for r in rows[:len(planted)])
    assert not any(r["kind"] == "irritant" for r in rows[len(planted):])
    delights = {(r["stage"], r["channel"]) for r in rows if r["kind"] == "delight"}
    assert delights and delights <= {(s, slug(c)) for s, c in PLANTED_DELIGHTS}
    assert rows[-1]["kind"] == "delight"


# -- star ratings (CSAT), and customers as the unit ------------------------------------------------------------

STAR_COMMENTS = {1: "produto não chegou até agora", 2: "entrega atrasada, não recomendo", 4: "bom produto",
                 5: "chegou antes do prazo, recomendo"}
"""Review texts in Portuguese, as a marketplace's are (one in three reviews has one)."""


def star_rows(prefix: str, stage: str, channel: str, stars: list[int]):
    """One customer per review, shaped like a marketplace's exports: a purchase on the web, then a review (stars
    only, no NPS; a comment in Portuguese on one in three) at ``stage`` on ``channel`` (a survey e-mail, the app)."""
    customers, touchpoints, feedback = [], [], []
    for i, score in enumerate(stars):
        cid = f"{prefix}{i}"
        customers.append(customer(cid, churned=score <= 2 and i % 2 == 0))
        touchpoints.append(tp(cid, "2025-03-01 10:00", "web", "purchase", revenue="40"))
        touchpoints.append(tp(cid, "2025-03-05 10:00", channel, stage))
        comment = STAR_COMMENTS.get(score) if i % 3 == 0 else None
        feedback.append(fb(cid, "2025-03-06 10:00", stage, None, channel, csat=score, comment=comment))
    return customers, touchpoints, feedback


EMAIL_STARS = [1] * 16 + [2] * 4 + [5] * 20  # 40 reviews, 50 % dissatisfied
APP_STARS = [1] * 6 + [4] * 24 + [5] * 30    # 60 reviews, 10 % dissatisfied


def load_stars(db, email=EMAIL_STARS, app=APP_STARS) -> None:
    """Two cells of reviews at the after-sales stage: the survey e-mail's and the app's (no NPS at all)."""
    parts = [star_rows("e", "service", "email", email), star_rows("a", "service", "app", app)]
    load(db, *(sum((list(p[i]) for p in parts), []) for i in range(3)))


def test_star_ratings_rank_cells_on_the_dissatisfied_share(db):
    from tests.unit.test_stats import _sandwich

    email, app = EMAIL_STARS, APP_STARS
    load_stars(db)
    overall = irr.overall_nps(db)
    assert (overall["measure"], overall["absent"], overall["respondents"]) == ("csat", None, 100)  # no NPS: CSAT
    assert overall["value"] == pytest.approx(sum(email + app) / 100)
    assert overall["unhappy_share"] == pytest.approx(0.26)
    rows = as_dicts(irr.irritants(db))
    assert [(r["channel"], r["measure"], r["kind"]) for r in rows] == [("email", "csat", "irritant"),
                                                                       ("app", "csat", "delight")]
    e, a = rows
    assert (e["customers"], e["respondents"], e["responses"], e["unhappy"], e["happy"]) == (40, 40, 40, 20, 20)
    assert e["value"] == e["mean_csat"] == pytest.approx(sum(email) / 40) and e["nps"] is None
    assert e["dissatisfied_share"] == e["unhappy_share"] == 0.5 and e["detractor_share"] is None
    assert e["overall_score"] == pytest.approx(40 * 100 * (0.5 - 0.26))
    assert a["overall_score"] == pytest.approx(60 * 100 * (0.1 - 0.26))
    # the test is on the dissatisfied share, each customer one cluster
    answers = ([(f"e{i}", int(v <= 2)) for i, v in enumerate(email)]
               + [(f"a{i}", int(v <= 2)) for i, v in enumerate(app)])
    slope, var = _sandwich(answers, [i < 40 for i in range(100)])
    assert e["p_value"] == pytest.approx(math.erfc(abs(slope) / math.sqrt(var) / math.sqrt(2)))
    # the mean's interval clustered by customer (one answer each: the usual one), within the 1–5 scale
    sd = (sum((v - sum(email) / 40) ** 2 for v in email) / 39) ** 0.5
    assert e["ci_high"] - e["value"] == pytest.approx(1.959963984540054 * sd / 40 ** 0.5)
    # churn of the dissatisfied (their latest answer there) against the others: 20 each, too few for a rate
    assert (e["unhappy_churn"], e["unhappy_churn_n"], e["other_churn"], e["other_churn_n"]) == (None, 20, None, 20)
    # NPS asked for, none in the data: CSAT is shown, and said so
    asked = irr.overall_nps(db, Filters(measure="nps"))
    assert (asked["measure"], asked["absent"]) == ("csat", "nps")
    assert irr.irritants(db, Filters(measure="nps"))["measure"].tolist() == ["csat", "csat"]


def test_customers_not_answers_gate_a_cell(db):
    """Three customers answering ten times each are 30 answers, not 30 customers: not ranked."""
    parts = [cell_rows("a", "service", "call", [0] * 40), cell_rows("b", "purchase", "store", [10] * 40)]
    customers, touchpoints, feedback = (sum((list(p[i]) for p in parts), []) for i in range(3))
    for i in range(3):
        cid = f"r{i}"
        customers.append(customer(cid, churned=False))
        touchpoints.append(tp(cid, "2024-03-01 10:00", "web", "service"))
        feedback += [fb(cid, f"2024-03-{k + 1:02d} 11:00", "service", 0, "web") for k in range(10)]
    load(db, customers, touchpoints, feedback)
    rows = as_dicts(irr.irritants(db))
    assert [(r["stage"], r["channel"]) for r in rows] == [("service", "call"), ("purchase", "store")]
    assert ("service", "web") in {(r["stage"], r["channel"]) for r in as_dicts(irr.irritants(db, min_n=3))}


def test_a_cells_churn_rates_are_given_from_30_customers_each(db):
    # the audit's "75 % churn" from 4 detractors: under 30 the count only; from 30 the rate, by the latest answer
    load_stars(db, email=[1] * 40 + [5] * 30, app=[4] * 60)  # every even-numbered 1★ reviewer churned
    e = next(r for r in as_dicts(irr.irritants(db)) if r["channel"] == "email")
    assert (e["unhappy_churn"], e["unhappy_churn_n"], e["other_churn"], e["other_churn_n"]) == (0.5, 40, 0.0, 30)


def test_the_priority_is_shrunk_so_that_a_noisy_cell_does_not_outrank_a_solid_one(db):
    """Issue 16: the score uses the gap against the rest shrunk by normal–normal empirical Bayes (τ² by
    DerSimonian–Laird across the ranked cells); a 30-customer cell far worse than the rest is pulled in more than a
    400-customer one, and the page can show both scores."""
    from analytics.stats import dersimonian_laird

    cells = {"email": [1] * 18 + [5] * 12,       # 30 reviews, 60 % dissatisfied: a large, noisy gap
             "app": [1] * 140 + [5] * 260,       # 400 reviews, 35 %: a smaller, precise gap
             "store": [1] * 5 + [5] * 95,        # 100 reviews, 5 %: a delight
             "web": [1] * 20 + [4] * 80,         # 100 reviews, 20 %
             "phone": [2] * 12 + [5] * 48}       # 60 reviews, 20 %
    parts = [star_rows(ch[0], "service", ch, stars) for ch, stars in cells.items()]
    load(db, *(sum((list(p[i]) for p in parts), []) for i in range(3)))
    rows = {r["channel"]: r for r in as_dicts(irr.irritants(db))}
    tau2 = dersimonian_laird([r["excess"] for r in rows.values()], [r["excess_se"] for r in rows.values()])
    assert tau2 > 0 and all(r["tau2"] == pytest.approx(tau2) for r in rows.values())
    for r in rows.values():
        assert r["shrunk_excess"] == pytest.approx(r["excess"] * tau2 / (tau2 + r["excess_se"] ** 2))
        assert r["score"] == pytest.approx(r["customers"] * r["shrunk_excess"])
        assert r["raw_score"] == pytest.approx(r["customers"] * r["excess"])
    # the gap against the rest, in points of dissatisfied share: email 60 % against the 470 others' 175/470
    assert rows["email"]["excess"] == pytest.approx(100 * (18 / 30 - (140 + 5 + 20 + 12) / 660))
    email, app = rows["email"], rows["app"]
    assert email["shrunk_excess"] / email["excess"] < app["shrunk_excess"] / app["excess"]  # the noisy one pulled in
    assert [r["channel"] for r in as_dicts(irr.irritants(db))][0] == "app"  # the solid irritant comes first
