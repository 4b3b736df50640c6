"""Voice of the customer on tiny hand-computed cases, on DuckDB and on PostgreSQL (the ``db`` fixture):
verbatims and their filters, the tokens, the log-odds themes, "why did they drop?", the chart, and the
planted verbatims of the shipped demo data."""

import math
from datetime import date

import altair as alt
import pandas as pd
import pytest

import data_model as dm
from analytics import voice
from analytics.filters import Filters
from analytics.metrics import Scope
from charts.voice import themes_chart
from loaders.sample import PLANTED_VERBATIMS
from loaders.write import run_import
from tests.conftest import ROOT
from tests.unit.journeys import ACTIVITY, ONLY, customer, fb, load, nps_by_hand, tp

VERBATIM_COLUMNS = ["timestamp", "stage", "channel", "nps", "csat", "group", "comment"]
THEME_COLUMNS = ["term", "kind", "side", "detractor_count", "promoter_count", "detractor_comments",
                 "promoter_comments", "z", "q"]
GROUP_KEYS = ["customers", "responses", "promoters", "passives", "detractors", "nps", "ci_low", "ci_high"]


def comments(df: pd.DataFrame) -> list[str]:
    return df["comment"].tolist()


def terms(db, scope: Scope | None = None) -> set[tuple[int, str, str, str]]:
    """(feedback id, kind, term as written, term folded) of every token of every kept comment, through the module's
    own query."""
    scope = scope or Scope(db)
    f = scope.feedback
    f = f.filter(f.comment.notnull())
    docs = f.select(doc="id", side=f.stage, text=f.comment.lower())
    return {(r["doc"], r["kind"], r["written"], r["term"])
            for r in voice._terms(docs, db.ibis).to_pyarrow().to_pylist()}


# -- no data --------------------------------------------------------------------------------------------

def test_no_data_no_comments_one_customer(db):
    df, total = voice.verbatims(db)
    assert list(df.columns) == VERBATIM_COLUMNS and df.empty and total == 0
    assert str(df["timestamp"].dtype) == "datetime64[ns]" and str(df["nps"].dtype) == "float64"
    th = voice.themes(db)
    assert list(th.columns) == THEME_COLUMNS and th.empty
    assert th["z"].dtype == "float64" and th["detractor_count"].dtype == "int64"
    out = voice.why_drop(db, stage="purchase")
    assert out["stage"] == "purchase" and out["next_stage"] == "service"
    empty = {"customers": 0, "responses": 0, "respondents": 0, "promoters": 0, "passives": 0, "detractors": 0,
             "nps": None, "ci_low": None, "ci_high": None, "value": None}
    assert out["stopped"] == empty and out["went_on"] == empty
    assert out["diff"] is None and out["z"] is None and out["p_value"] is None
    assert list(out["themes"].columns) == THEME_COLUMNS and out["themes"].empty
    # feedback without comments (or a blank one): no verbatim, no theme
    load(db, feedback=[fb("a", "2024-01-01", "purchase", nps=2), fb("b", "2024-01-02", "purchase", nps=10),
                       fb("c", "2024-01-03", "purchase", nps=1, comment="   \n ")])
    assert voice.verbatims(db)[1] == 0 and voice.themes(db, min_count=1, fdr=1).empty
    # one customer, one comment: nothing to compare
    load(db, customers=[customer("d")], touchpoints=[tp("d", "2024-01-01", "web", "purchase")],
         feedback=[fb("d", "2024-01-01", "purchase", nps=1, comment="Paiement refusé, paiement impossible")])
    assert voice.themes(db, min_count=1).empty
    out = voice.why_drop(db, stage="purchase")
    assert out["stopped"]["customers"] == 1 and out["stopped"]["responses"] == 1 and out["p_value"] is None


# -- verbatims ------------------------------------------------------------------------------------------

VERBATIMS = [
    # customer, at, stage, nps, channel, comment
    ("c1", "2024-01-01 09:00", "awareness", 10, "web", "Super service, 10 sur 10"),
    ("c2", "2024-01-02 09:00", "purchase", 3, None, "Paiement refusé 100% du temps"),
    ("c3", "2024-01-03 09:00", "purchase", 8, "app", "Livraison_rapide"),
    ("c4", "2024-01-04 09:00", "purchase", None, "web", "Livraison rapide, attente au téléphone"),
    ("c5", "2024-01-05 09:00", "purchase", 2, "web", "   "),  # blank: not a verbatim
    ("c6", "2024-01-05 10:00", "purchase", 1, "web", None),  # no comment
    ("c7", "2024-01-06 09:00", "service", 6, "store", '=HYPERLINK("http://x.y") <script>alert(1)</script>'),
    ("c8", "2024-01-06 09:00", "service", 7, None, "Même heure que c7, saisi après"),
]


@pytest.fixture
def verbatim_db(db):
    load(db, feedback=[fb(c, at, st, nps=n, channel=ch, comment=text) for c, at, st, n, ch, text in VERBATIMS])
    return db


def test_verbatims_order_limit_total_and_filters(verbatim_db):
    scope = Scope(verbatim_db)
    df, total = voice.verbatims(verbatim_db, scope=scope)
    assert total == 6
    # newest first; c7 and c8 share their timestamp: the later feedback row (c8) first
    assert comments(df) == [VERBATIMS[i][5] for i in (7, 6, 3, 2, 1, 0)]
    assert df["group"].tolist() == ["passive", "detractor", "none", "passive", "detractor", "promoter"]
    assert df["channel"].tolist() == [None, "store", "web", "app", None, "web"]
    assert df["timestamp"].iloc[0] == pd.Timestamp("2024-01-06 09:00")
    assert math.isnan(df["nps"].iloc[2]) and df["nps"].iloc[0] == 7
    df, total = voice.verbatims(verbatim_db, scope=scope, limit=2)
    assert total == 6 and comments(df) == [VERBATIMS[7][5], VERBATIMS[6][5]]
    df, total = voice.verbatims(verbatim_db, scope=scope, limit=0)
    assert df.empty and list(df.columns) == VERBATIM_COLUMNS and total == 6
    with pytest.raises(ValueError):
        voice.verbatims(verbatim_db, scope=scope, limit=-1)
    with pytest.raises(ValueError, match="group"):
        voice.verbatims(verbatim_db, scope=scope, group="promoters")
    # a channel filter drops the feedback without a channel
    df, total = voice.verbatims(verbatim_db, Filters(channels=("web",), **ONLY))
    assert comments(df) == [VERBATIMS[3][5], VERBATIMS[0][5]] and total == 2
    df, total = voice.verbatims(verbatim_db, Filters(channels=("web",), **ONLY), channel=voice.UNKNOWN)
    assert df.empty and total == 0
    # a filter that empties everything
    df, total = voice.verbatims(verbatim_db, Filters(start=date(2030, 1, 1), **ACTIVITY))
    assert df.empty and total == 0
    df, total = voice.verbatims(verbatim_db, Filters(end=date(2024, 1, 2), **ACTIVITY))
    assert comments(df) == [VERBATIMS[1][5], VERBATIMS[0][5]] and total == 2


FILTER_CASES = [
    # keyword arguments, indexes of the expected VERBATIMS (newest first)
    ({"stage": "purchase"}, [3, 2, 1]),
    ({"stage": "loyalty"}, []),
    ({"channel": voice.UNKNOWN}, [7, 1]),
    ({"channel": "web"}, [3, 0]),
    ({"channel": "web", "stage": "purchase"}, [3]),
    ({"group": "promoter"}, [0]),
    ({"group": "passive"}, [7, 2]),
    ({"group": "detractor"}, [6, 1]),
    ({"group": "none"}, [3]),
    ({"search": "PAIEMENT"}, [1]),
    ({"search": "0%"}, [1]),  # as a LIKE pattern it would also match "10 sur 10"
    ({"search": "%"}, [1]),
    ({"search": "n_r"}, [2]),  # as a LIKE pattern it would also match "Livraison rapide"
    ({"search": "_"}, [2]),
    ({"search": "livraison r"}, [3]),
    ({"search": "<script>"}, [6]),
    ({"search": '=HYPERLINK("'}, [6]),
    ({"search": "'; drop table feedback; --"}, []),
    ({"search": "même"}, [7]),
    ({"search": "MÊME"}, [7]),
    ({"search": "meme heure"}, [7]),  # accents folded on both sides
    ({"search": "livraison rapide, attente au telephone"}, [3]),
    ({"search": "refuse"}, [1]),
    ({"search": ""}, [7, 6, 3, 2, 1, 0]),
]


def test_verbatim_filters(verbatim_db):
    scope = Scope(verbatim_db)
    for kwargs, expected in FILTER_CASES:
        df, total = voice.verbatims(verbatim_db, scope=scope, **kwargs)
        assert comments(df) == [VERBATIMS[i][5] for i in expected], kwargs
        assert total == len(expected), kwargs
    # text is data: returned as stored, and the table is still there after the "injection"
    df, _ = voice.verbatims(verbatim_db, scope=scope, search="<script>")
    assert df["comment"].iloc[0] == '=HYPERLINK("http://x.y") <script>alert(1)</script>'
    assert voice.verbatims(verbatim_db)[1] == 6


# -- tokens ---------------------------------------------------------------------------------------------

def test_tokens(db):
    text = ("L'application plante : délai d'attente au Téléphone, j'ai RAPPELÉ 3 fois! 2024 service-client "
            "aujourd'hui. Bravo l’Équipe")
    load(db, feedback=[fb("a", "2024-01-01", "purchase", nps=2, comment=text),
                       fb("b", "2024-01-02", "purchase", nps=9, comment="Très très bien, vraiment TRÈS rapide"),
                       fb("c", "2024-01-03", "purchase", nps=9, comment="Attente, attente et ATTENTE.")])
    got = terms(db)
    assert {(i, t) for i, k, t, _ in got if i == 3} == {(3, "attente")}  # a document frequency counts it once
    got = {x for x in got if x[0] != 3}
    words = sorted(t for _, k, t, _ in got if k == "word")
    phrases = sorted(t for _, k, t, _ in got if k == "phrase")
    # as written: accents kept, elisions split off ("l", "d", "j", "ai" too short), stop words of the comments'
    # language, French ("au", "fois", "aujourd", "hui", "très", "bien", "vraiment") and digits ("3", "2024")
    # dropped, every word once per comment
    assert words == ["application", "attente", "bravo", "client", "délai", "plante", "rapide", "rappelé",
                     "service", "téléphone", "équipe"]
    # two words with one space between them; the second may carry its elided article; never across
    # punctuation ("téléphone, j'ai"), a stop word ("attente au téléphone") or a short token ("j'ai rappelé")
    assert phrases == ["application plante", "bravo l’équipe", "délai d'attente"]
    for term in words + phrases:
        assert term in text.lower() or term in "très très bien, vraiment très rapide"
    # counted folded: accents and typographic apostrophes
    assert sorted(t for _, k, _, t in got if k == "phrase") == ["application plante", "bravo l'equipe",
                                                                  "delai d'attente"]
    assert {t for _, k, w, t in got if k == "word" and w != t} == {"delai", "rappele", "telephone", "equipe"}


def test_stop_words_shipped():
    words = voice.stop_words()  # every language's (see tests/unit/test_themes.py for each one's)
    assert len(words) > 500 and list(words) == sorted(set(words))
    for w in ("est", "été", "avoir", "très", "jusqu", "aujourd", "the", "don", "doesn", "não", "até", "nicht"):
        assert w in words
    for w in ("attente", "paiement", "livraison", "application", "téléphone", "délai", "service", "client"):
        assert w not in words
    assert all(w == w.lower() and "'" not in w and " " not in w for w in words)


# -- themes: the log-odds score by hand -------------------------------------------------------------------

def _comments(side_nps: int, texts: list[str], prefix: str) -> list[dict]:
    return [fb(f"{prefix}{i}", f"2024-01-{i + 1:02d}", "service", nps=side_nps, comment=text)
            for i, text in enumerate(texts)]


def test_log_odds_by_hand(db):
    # Detractors: 8 comments with "attente" (one says it twice), 2 with "prix"; promoters: 8 with "merci",
    # 2 with "prix"; passives say "attente" (ignored). Words only (one word per comment: no phrase).
    det = ["attente"] * 7 + ["attente attente"] + ["prix"] * 2
    pro = ["merci"] * 8 + ["prix"] * 2
    load(db, feedback=_comments(2, det, "d") + _comments(10, pro, "p") + _comments(7, ["attente"] * 5, "x"))
    out = voice.themes(db)
    # Document frequencies: y_d(attente) = 8, y_d(prix) = 2, n_d = 10; y_p(merci) = 8, y_p(prix) = 2, n_p = 10.
    # Prior (PRIOR_SCALE = 0.25): α_w = 0.25 × (y_d + y_p), α_0 = 0.25 × (n_d + n_p) = 5.
    assert voice.PRIOR_SCALE == 0.25
    # attente: α = 0.25 × 8 = 2
    delta = math.log((8 + 2) / (10 + 5 - 8 - 2)) - math.log((0 + 2) / (10 + 5 - 0 - 2))
    z_attente = delta / math.sqrt(1 / (8 + 2) + 1 / (0 + 2))
    assert z_attente == pytest.approx(3.3113, abs=1e-4)
    # merci is attente's mirror image; prix: α = 1, δ = ln(3 / 12) − ln(3 / 12) = 0, left out (no side) but tested:
    # the family is {attente, merci, prix}, m = 3. p = erfc(|z| / √2) ≈ 0.00093 for attente and merci, 1 for prix:
    # Benjamini–Hochberg q = min(3p / 1, 3p / 2, 3 · 1 / 3) = 1.5 p for both
    p = math.erfc(z_attente / math.sqrt(2))
    assert p == pytest.approx(0.000929, abs=1e-6)
    assert out.to_dict("records") == [
        {"term": "attente", "kind": "word", "side": "detractor", "detractor_count": 9, "promoter_count": 0,
         "detractor_comments": 8, "promoter_comments": 0, "z": pytest.approx(z_attente), "q": pytest.approx(1.5 * p)},
        {"term": "merci", "kind": "word", "side": "promoter", "detractor_count": 0, "promoter_count": 8,
         "detractor_comments": 0, "promoter_comments": 8, "z": pytest.approx(-z_attente), "q": pytest.approx(1.5 * p)},
    ]
    # min_count counts detractor + promoter comments; top=0 asks for nothing
    assert voice.themes(db, min_count=9).empty  # attente and merci are in 8 comments each
    assert voice.themes(db, top=0).empty
    # the stage restriction and a filter that empties everything
    assert voice.themes(db, stage="purchase").empty
    assert voice.themes(db, Filters(start=date(2030, 1, 1), **ACTIVITY)).empty
    # every theme finds its verbatims
    for term in out["term"]:
        assert voice.verbatims(db, search=term)[1] >= 8


def test_themes_ties_and_top(db):
    # "colis" and "retard" in the same 8 detractor comments: equal z, ordered by term; the one phrase
    # ("retard colis") has a vocabulary of one term on one side: nothing to compare it with, no z.
    det = ["Retard colis"] * 8
    pro = ["merci"] * 8
    load(db, feedback=_comments(0, det, "d") + _comments(9, pro, "p"))
    out = voice.themes(db)
    assert out["term"].tolist() == ["colis", "retard", "merci"]
    assert out["side"].tolist() == ["detractor", "detractor", "promoter"]
    assert out["z"].iloc[0] == pytest.approx(out["z"].iloc[1])
    # n_d = 16, n_p = 8; colis: α = 2, α_0 = 0.25 × 24 = 6
    z = ((math.log((8 + 2) / (16 + 6 - 8 - 2)) - math.log((0 + 2) / (8 + 6 - 0 - 2)))
         / math.sqrt(1 / (8 + 2) + 1 / (0 + 2)))
    assert out["z"].iloc[0] == pytest.approx(z)
    assert voice.themes(db, top=1)["term"].tolist() == ["colis", "merci"]


# -- why did they drop? -----------------------------------------------------------------------------------

def _journey(cid: str, stages: list[str]) -> list[dict]:
    return [tp(cid, f"2024-01-{i + 1:02d}", "web", s) for i, s in enumerate(stages)]


@pytest.fixture
def drop_db(db):
    to_purchase = ["awareness", "consideration", "purchase"]
    load(
        db,
        customers=[customer(c) for c in ("s1", "s2", "g1", "g2", "e1", "f1")],
        touchpoints=[*_journey("s1", to_purchase), *_journey("s2", ["awareness", "purchase"]),
                     *_journey("g1", [*to_purchase, "service"]), *_journey("g2", [*to_purchase, "service", "loyalty"]),
                     *_journey("e1", ["awareness", "consideration"])],
        feedback=[
            fb("s1", "2024-01-03 12:00", "purchase", nps=2, comment="Paiement refusé"),
            fb("s2", "2024-01-02 12:00", "purchase", nps=5),
            fb("s2", "2024-01-03 12:00", "purchase", nps=9),
            fb("s2", "2024-01-03 13:00", "purchase", comment="Sans note"),
            fb("g1", "2024-01-03 12:00", "purchase", nps=10, comment="Super"),
            fb("g2", "2024-01-03 12:00", "purchase", nps=9),
            fb("g2", "2024-01-03 13:00", "purchase", nps=7),
            fb("g2", "2024-01-04 12:00", "service", nps=0),  # another stage
            fb("e1", "2024-01-03 12:00", "purchase", nps=0),  # never reached purchase
            fb("f1", "2024-01-03 12:00", "purchase", nps=1),  # no touchpoint
        ],
    )
    return db


def group(customers, answers):
    """A why-drop group from its ``(customer, score)`` answers: the NPS and its interval clustered by customer."""
    nps = nps_by_hand(answers)
    promoters, detractors = sum(v >= 9 for _, v in answers), sum(v <= 6 for _, v in answers)
    return {"customers": customers, "responses": len(answers), "respondents": nps["respondents"],
            "promoters": promoters, "passives": len(answers) - promoters - detractors, "detractors": detractors,
            "nps": nps["nps"], "ci_low": nps["ci_low"], "ci_high": nps["ci_high"], "value": nps["nps"]}


def test_why_drop_by_hand(drop_db):
    out = voice.why_drop(drop_db, stage="purchase")
    assert out["stage"] == "purchase" and out["next_stage"] == "service"
    # stopped at purchase: s1 (2), s2 (5, 9); went on: g1 (10), g2 (9, 7)
    assert out["stopped"] == pytest.approx(group(2, [("s1", 2), ("s2", 5), ("s2", 9)]))
    assert out["went_on"] == pytest.approx(group(2, [("g1", 10), ("g2", 9), ("g2", 7)]))
    # scores +1/0/−1, each customer one cluster (CR1: G/(G−1) · Σ(Sᵢ − nᵢ·mean)² / N²):
    # stopped mean −1/3, residuals s1 −2/3, s2 +2/3 → V = 2 · (8/9) / 9 = 16/81;
    # went on mean 2/3, residuals g1 +1/3, g2 −1/3 → V = 2 · (2/9) / 9 = 4/81; z = −1 / √(20/81) = −9/√20
    z = (-1 / 3 - 2 / 3) / math.sqrt(16 / 81 + 4 / 81)
    assert out["diff"] == pytest.approx(-100.0)
    assert out["z"] == pytest.approx(z) and z == pytest.approx(-2.0125, abs=1e-4)
    assert out["p_value"] == pytest.approx(math.erfc(abs(z) / math.sqrt(2)))
    assert list(out["themes"].columns) == THEME_COLUMNS and out["themes"].empty
    # the furthest stage agrees with the scope's windowed journeys, and with the report's cached counts
    scope = Scope(drop_db)
    furthest = {r["ckey"]: r["furthest"] for r in scope.journeys.to_pyarrow().to_pylist()}
    assert sorted(furthest.values()) == [2, 3, 3, 4, 5]
    scope.summary_rows  # noqa: B018 - fills the cache why_drop reads
    cached = voice.why_drop(drop_db, scope=scope, stage="purchase")
    assert cached["stopped"] == out["stopped"] and cached["went_on"] == out["went_on"]


def test_why_drop_other_stages_and_errors(drop_db):
    out = voice.why_drop(drop_db, stage="service")
    assert out["next_stage"] == "loyalty"
    assert out["stopped"] == group(1, []) and out["went_on"] == group(1, [("g2", 0)])
    assert out["diff"] is None and out["p_value"] is None
    out = voice.why_drop(drop_db, Filters(start=date(2030, 1, 1), **ACTIVITY), stage="purchase")
    assert out["stopped"] == group(0, []) and out["went_on"] == group(0, [])
    with pytest.raises(ValueError, match="last stage"):
        voice.why_drop(drop_db, stage="advocacy")
    with pytest.raises(ValueError, match="unknown stage"):
        voice.why_drop(drop_db, stage="nowhere")


def test_nps_difference_test():
    out = voice.nps_difference_test(1, 2, 3, 2, 0, 3)
    z = -1 / math.sqrt(10 / 27)
    assert out == {"diff": pytest.approx(-100.0), "z": pytest.approx(z),
                   "p_value": pytest.approx(math.erfc(abs(z) / math.sqrt(2)))}
    # symmetric, and p = 1 for equal scores
    back = voice.nps_difference_test(2, 0, 3, 1, 2, 3)
    assert back["z"] == pytest.approx(-z) and back["p_value"] == pytest.approx(out["p_value"])
    assert voice.nps_difference_test(5, 5, 20, 10, 10, 40)["p_value"] == pytest.approx(1.0)
    # an empty group: nothing; unanimous groups: no test
    assert voice.nps_difference_test(0, 0, 0, 1, 0, 1) == {"diff": None, "z": None, "p_value": None}
    assert voice.nps_difference_test(3, 0, 3, 0, 2, 2) == {"diff": 200.0, "z": None, "p_value": 0.0}
    with pytest.raises(ValueError):
        voice.nps_difference_test(3, 1, 3, 0, 0, 1)


# -- the shipped demo data --------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    url = f"duckdb:///{tmp_path_factory.mktemp('voice') / 'demo.duckdb'}"
    db = dm.connect(url)
    dm.initialise(db)
    run_import(db, {k: ROOT / "sample_data" / f"{k}.csv" for k in ("customers", "touchpoints", "feedback")},
               source="demo")
    yield db
    db.close()


def _words(texts: list[str]) -> set[str]:
    return {w for text in texts for w in text.lower().replace("'", " ").split()}


def test_demo_planted_themes(demo_db):
    scope = Scope(demo_db)
    # purchase: the app's payment irritant leads the detractor side, ranked without the test (fdr=1) ...
    purchase = voice.themes(demo_db, scope=scope, stage="purchase", fdr=1)
    top = purchase[purchase["side"] == "detractor"]["term"].head(5).tolist()
    assert {"paiement", "application"} <= set(top)
    assert set(top) <= _words(PLANTED_VERBATIMS[("purchase", "Application mobile")]) | {"commande"}
    # ... but on the small demo it is not significant after Benjamini–Hochberg: "paiement" is in 9 detractor
    # comments and no promoter one (z = 2.82, p = 0.005), among 54 terms tested: q = 0.22
    paiement = purchase.set_index("term").loc["paiement"]
    assert (paiement["detractor_comments"], paiement["promoter_comments"]) == (9, 0)
    assert paiement["q"] == pytest.approx(0.2187, abs=1e-3)
    assert voice.themes(demo_db, scope=scope, stage="purchase").empty
    # service: 29 detractor and 18 promoter comments only; ranked without the test, the call centre's wait leads
    # the detractor side
    service = voice.themes(demo_db, scope=scope, stage="service", fdr=1)
    top = service[service["side"] == "detractor"]["term"].head(3).tolist()
    assert top[0] == "attente" and "téléphone" in top
    assert {"attente", "téléphone"} <= _words(PLANTED_VERBATIMS[("service", "Centre d'appels")])
    # every stage together: the generic complaints and praise are significant
    overall = voice.themes(demo_db, scope=scope)
    assert (overall["q"] <= voice.FDR).all()
    assert {"promesses", "tenues", "déçu"} <= set(overall.loc[overall["side"] == "detractor", "term"])
    assert {"reviendrai", "rapport"} <= set(overall.loc[overall["side"] == "promoter", "term"])
    # every theme finds its verbatims: at least the comments it was counted in
    for row in purchase.itertuples():
        _, total = voice.verbatims(demo_db, scope=scope, stage="purchase", search=row.term)
        assert total >= row.detractor_comments + row.promoter_comments
    # why_drop runs on real data: customers at or beyond the stage add up to the funnel's
    out = voice.why_drop(demo_db, scope=scope, stage="service")
    funnel = {r["stage"]: r["customers"] for r in scope.funnel()}
    assert out["stopped"]["customers"] + out["went_on"]["customers"] == funnel["service"]
    assert out["went_on"]["customers"] == funnel["loyalty"]


# -- the chart --------------------------------------------------------------------------------------------

def test_themes_chart():
    df = pd.DataFrame({
        "term": ["attente", "temps d'attente", "merci <b>"], "kind": ["word", "phrase", "word"],
        "side": ["detractor", "detractor", "promoter"], "detractor_count": [9, 5, 0],
        "promoter_count": [0, 0, 8], "detractor_comments": [8, 5, 0], "promoter_comments": [0, 0, 8],
        "z": [3.3, 2.1, -3.3],
    })
    chart = themes_chart(df, titles={"locale": "fr", "detractor": "ont arrêté"})
    assert isinstance(chart, alt.Chart | alt.LayerChart)
    spec = chart.to_dict(validate=True)
    assert spec["encoding"]["y"]["sort"] == ["attente", "temps d'attente", "merci <b>"]
    assert spec["encoding"]["color"]["scale"]["domain"] == ["ont arrêté", "promoteurs"]
    assert spec["config"]["locale"]["number"]["decimal"] == ","
    empty = themes_chart(voice._frame([], voice._THEME_COLUMNS))
    assert isinstance(empty, alt.Chart) and empty.to_dict(validate=True)


def test_star_ratings_contrast_the_dissatisfied_with_the_satisfied(db):
    """CSAT only: themes set the 1–2★ comments against the 4–5★ ones (Portuguese, as a marketplace's reviews)."""
    from analytics.voice import themes
    from tests.unit.test_irritants import load_stars

    load_stars(db)
    found = themes(db)
    by_side = {side: set(found.loc[found["side"] == side, "term"]) for side in ("detractor", "promoter")}
    # "não", "até" (and so "não chegou", "até agora") are Portuguese stop words; "prazo" (17 satisfied comments,
    # none dissatisfied) reaches z = −2.27, p = 0.023, but among the 7 terms tested q = 7 p / 3 = 0.054 > 5 %
    assert by_side == {"detractor": {"agora"}, "promoter": {"bom produto"}}
    agora = found.set_index("term").loc["agora"]
    assert (agora["detractor_comments"], agora["promoter_comments"]) == (8, 0)  # the 1★ comment, 1 review in 3
    every = themes(db, fdr=1)
    assert not {"não", "nao", "até", "ate"} & {w for t in every["term"] for w in t.split()}
    prazo = every.set_index("term").loc["prazo"]
    assert prazo["q"] == pytest.approx(7 * math.erfc(abs(prazo["z"]) / math.sqrt(2)) / 3) and prazo["q"] > 0.05


def test_why_drop_on_star_ratings(db):
    """CSAT only: the mean stars of those who stopped against those who went on, each with its interval clustered
    by customer, and the difference tested on the two clustered variances."""
    from analytics.stats import clustered_mean, clustered_variance

    # stopped at purchase: s0 answers 1 and 2 (one customer, two answers), s1 answers 2, s2 answers 1;
    # went on: g0 5, g1 4, g2 4
    load(db, customers=[customer(c) for c in ("s0", "s1", "s2", "g0", "g1", "g2")],
         touchpoints=[tp(c, "2024-01-01", "web", "purchase") for c in ("s0", "s1", "s2", "g0", "g1", "g2")]
         + [tp(c, "2024-01-05", "store", "service") for c in ("g0", "g1", "g2")],
         feedback=[fb("s0", "2024-01-02", "purchase", csat=1), fb("s0", "2024-01-03", "purchase", csat=2),
                   fb("s1", "2024-01-02", "purchase", csat=2), fb("s2", "2024-01-02", "purchase", csat=1),
                   fb("g0", "2024-01-02", "purchase", csat=5), fb("g1", "2024-01-02", "purchase", csat=4),
                   fb("g2", "2024-01-02", "purchase", csat=4)])
    out = voice.why_drop(db, stage="purchase")
    assert out["measure"] == "csat"
    stopped, went_on = out["stopped"], out["went_on"]
    # per customer (sum, answers): (3, 2), (2, 1), (1, 1): total 6, Σs² 14, Σs·n 9, Σn² 6
    mean, low, high = clustered_mean(4, 3, 6, 14, 9, 6)
    assert stopped == {"customers": 3, "responses": 4, "respondents": 3, "satisfied": 0, "dissatisfied": 4,
                       "mean_csat": 1.5, "ci_low": low, "ci_high": high, "value": 1.5} and mean == 1.5
    assert (went_on["mean_csat"], went_on["respondents"], went_on["satisfied"]) == (pytest.approx(13 / 3), 3, 3)
    v_s = clustered_variance(4, 3, 6, 14, 9, 6)[1]
    v_g = clustered_variance(3, 3, 13, 57, 13, 3)[1]
    z = (1.5 - 13 / 3) / math.sqrt(v_s + v_g)
    assert out["diff"] == pytest.approx(1.5 - 13 / 3) and out["z"] == pytest.approx(z)
    assert out["p_value"] == pytest.approx(math.erfc(abs(z) / math.sqrt(2)))


def test_verbatims_group_on_star_ratings(db):
    """CSAT only: a verbatim's group is read on the stars (satisfied 4–5, neutral 3, dissatisfied 1–2)."""
    from tests.unit.test_irritants import load_stars

    load_stars(db)
    frame, total = voice.verbatims(db, group="detractor", limit=0)
    # one review in three has a comment: the 1–2★ ones are customers e0, e3, … of the e-mail cell and a0, a3 of the app
    assert total == sum(1 for i, v in enumerate([1] * 16 + [2] * 4 + [5] * 20) if i % 3 == 0 and v <= 2) + 2
    frame, _ = voice.verbatims(db, limit=100)
    assert set(frame["group"]) == {"promoter", "detractor"} and frame["nps"].isna().all()
    assert all(g == ("detractor" if s <= 2 else "promoter") for g, s in zip(frame["group"], frame["csat"], strict=True))
