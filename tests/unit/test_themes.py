"""Themes: Benjamini–Hochberg over the stage's vocabulary, accents folded, each comment's stop words in its own
language — on Portuguese star reviews shaped like a marketplace's, on shuffled stars, and on tiny hand-made cases,
on DuckDB and on PostgreSQL (the ``db`` fixture) unless said otherwise."""

import math
import random
from datetime import datetime

import ibis
import pyarrow as pa
import pytest

import data_model as dm
from analytics import stats, voice
from analytics.metrics import Scope
from tests.unit.journeys import customer, fb, load, tp

# -- Portuguese star reviews --------------------------------------------------------------------------------------

PT_FILLER = (
    "comprei pelo site na semana passada", "o produto chegou", "produto chegou pelos correios",
    "não é a primeira vez que compro aqui", "comprei para dar de presente", "até agora não usei muito",
    "mais uma compra na loja", "paguei no boleto", "a caixa era grande", "veio na cor azul",
    "é muito grande para mim", "é para o meu filho", "comprei mais de uma unidade", "o vendedor respondeu",
    "usei só uma vez até agora", "ainda não montei", "chegou numa sexta", "vou comprar mais",
    "tamanho médio", "comprei com desconto", "minha esposa escolheu", "era o que eu esperava",
)
"""Everyday review sentences, full of function words ("não", "até", "muito", "mais", "para"…), drawn at the same
rate whatever the stars."""

PLANTED = {"atraso": "teve atraso na entrega, não gostei", "defeito": "veio com defeito e não liga"}
"""The two complaints: each in half the 1–2★ comments (their negations with them, as real complaints are written)
and in 3 % of the 4–5★ ones."""

PT_STOPS = {"não", "nao", "até", "ate", "muito", "mais", "para", "com", "na", "no", "uma", "que", "era"}


def star_reviews(seed: int = 1, n: int = 200) -> tuple[list[int], list[str]]:
    """``n`` reviews as a marketplace's: stars mostly 5, a fifth 1–2; every review has a comment in Portuguese."""
    rng = random.Random(seed)
    stars = rng.choices([1, 2, 3, 4, 5], weights=[15, 7, 8, 20, 50], k=n)
    comments = []
    for s in stars:
        parts = rng.sample(PT_FILLER, rng.choice([1, 2]))
        rate = 0.5 if s <= 2 else 0.03 if s >= 4 else 0.15
        for text in PLANTED.values():
            if rng.random() < rate:
                parts.insert(rng.randrange(len(parts) + 1), text)
        comments.append(", ".join(parts).capitalize() + ".")
    return stars, comments


def load_reviews(db, stars: list[int], comments: list[str]) -> None:
    """One customer per review: a purchase on the web, then the review (stars only, no NPS) at the after-sales
    stage in the app."""
    ids = [f"r{i}" for i in range(len(stars))]
    load(db, customers=[customer(c) for c in ids],
         touchpoints=[t for c in ids for t in (tp(c, "2025-03-01 10:00", "web", "purchase", revenue="40"),
                                               tp(c, "2025-03-05 10:00", "app", "service"))],
         feedback=[fb(c, "2025-03-06 10:00", "service", None, "app", csat=s, comment=text)
                   for c, s, text in zip(ids, stars, comments, strict=True)])


def words_of(term: str) -> set[str]:
    return set(term.replace(",", " ").split())


def test_the_fixture_is_what_it_says():
    stars, comments = star_reviews()
    unhappy = [c.lower() for s, c in zip(stars, comments, strict=True) if s <= 2]
    happy = [c.lower() for s, c in zip(stars, comments, strict=True) if s >= 4]
    assert len(unhappy) == 44 and len(happy) == 138
    for term in PLANTED:
        assert sum(term in c for c in unhappy) >= 0.4 * len(unhappy)
        assert sum(term in c for c in happy) <= 0.05 * len(happy)


def test_portuguese_star_reviews_find_the_planted_themes(db):
    stars, comments = star_reviews()
    load_reviews(db, stars, comments)
    found = voice.themes(db)
    unhappy = found[found["side"] == "detractor"]
    assert set(PLANTED) <= set(unhappy["term"])  # under CSAT the dissatisfied play the detractors
    assert (unhappy["q"] <= voice.FDR).all() and (found["q"] <= voice.FDR).all()
    # every theme comes from the planted complaints: the filler, as frequent among the satisfied, gives none
    planted_words = set().union(*(words_of(text) for text in PLANTED.values()))
    assert all(words_of(t) <= planted_words for t in found["term"]) and (found["side"] == "detractor").all()
    # Portuguese function words are no theme, nor part of one — not even ranked without the test
    every = voice.themes(db, fdr=1, top=1000)
    assert not any(words_of(t) & PT_STOPS for t in every["term"])
    for term in PLANTED:
        row = found.set_index("term").loc[term]
        assert row["detractor_comments"] >= 0.4 * 44 and row["promoter_comments"] <= 0.05 * 138
        # the search finds the comments a theme counts, and the neutral (3★) ones that say it too
        assert voice.verbatims(db, search=term)[1] == sum(term in c for c in comments)


def test_shuffled_stars_find_no_theme(duckdb_url):
    """The same 200 comments with their stars shuffled, 100 times: at a 5 % false discovery rate, a set of comments
    with nothing to find finds nothing at least 95 times in 100. DuckDB only (the SQL is the one above): one
    database holds the 100 shuffled copies, each under its own stage code, read through one scope (~20 s on the
    2-core machine, most of it compiling the 100 queries)."""
    stars, comments = star_reviews()
    copies = 100
    n = len(stars)
    shuffled = []
    for seed in range(copies):
        s = list(stars)
        random.Random(seed).shuffle(s)
        shuffled += s
    total = n * copies
    db = dm.connect(duckdb_url)
    try:
        dm.initialise(db)
        con = db.ibis  # bulk rows through Arrow: the ORM would take a minute for 20,000 reviews
        con.insert("channels", pa.table({"code": ["app"], "label": ["App"], "kind": ["digital"],
                                         "operational": [False]}))
        con.insert("customers", pa.table({"customer_id": [f"r{i}" for i in range(total)],
                                          "customer_no": list(range(1, total + 1))}))
        con.insert("feedback", pa.table({
            "id": list(range(1, total + 1)), "natural_key": [f"fb-{i}" for i in range(total)],
            "customer_id": [f"r{i}" for i in range(total)], "customer_no": list(range(1, total + 1)),
            "timestamp": [datetime(2025, 3, 6, 10)] * total, "stage": [f"copy{i // n}" for i in range(total)],
            "channel": ["app"] * total, "csat": pa.array(shuffled, pa.int32()), "comment": comments * copies,
            "batch_id": pa.array([1] * total, pa.int32()), "line": pa.array(range(total), pa.int32()),
        }))
        scope = Scope(db, materialize=True)
        assert scope.measure == "csat"
        found = {k: voice.themes(db, scope=scope, stage=f"copy{k}") for k in range(copies)}
    finally:
        db.close()
    with_theme = {k: list(df["term"]) for k, df in found.items() if not df.empty}
    assert len(with_theme) <= 5, with_theme  # none here (the old |z| ≥ 1.96 cut: 16 of the 100)


# -- accents --------------------------------------------------------------------------------------------------------

def test_accents_are_folded(db):
    """"péssimo" and "pessimo" are one term, shown with its accent; "nao" and "ate" are the stop words "não" and
    "até"; the search folds too."""
    det = ["Péssimo atendimento, não chegou até hoje"] * 5 + ["pessimo atendimento, nao chegou ate hoje"] * 4
    pro = ["Ótimo atendimento, chegou rápido"] * 5 + ["otimo atendimento, chegou rapido"] * 4
    load(db, feedback=[fb(f"d{i}", f"2024-01-{i + 1:02d}", "service", nps=2, comment=t) for i, t in enumerate(det)]
         + [fb(f"p{i}", f"2024-01-{i + 1:02d}", "service", nps=10, comment=t) for i, t in enumerate(pro)])
    every = voice.themes(db, fdr=1, min_count=1)
    by_term = every.set_index("term")
    assert "pessimo" not in by_term.index and "otimo" not in by_term.index and "rapido" not in by_term.index
    assert (by_term.loc["péssimo", "detractor_comments"], by_term.loc["péssimo", "detractor_count"]) == (9, 9)
    assert by_term.loc["ótimo", "promoter_comments"] == 9 and by_term.loc["rápido", "promoter_comments"] == 9
    assert by_term.loc["péssimo atendimento", "detractor_comments"] == 9
    assert not {"não", "nao", "até", "ate"} & set().union(*(words_of(t) for t in every["term"]))
    significant = voice.themes(db)
    assert {"péssimo", "ótimo"} <= set(significant["term"])
    for search in ("péssimo", "pessimo", "PÉSSIMO", "Pessimo atendimento", "nao chegou", "NÃO CHEGOU"):
        assert voice.verbatims(db, search=search)[1] == 9, search
    # the database folds as Python does, every letter of the map
    text = voice._FOLD_FROM + "e\u0301 œ æ ß ł"
    assert db.ibis.execute(voice._fold(ibis.literal(text), db.ibis)) == voice.fold(text)
    assert voice.fold(text).isascii() and voice.fold("não délai l’équipe cœur") == "nao delai l'equipe coeur"
    # a word with only ASCII letters is left as it is
    assert db.ibis.execute(voice._fold(ibis.literal("delai 42"), db.ibis)) == "delai 42"


# -- each comment's language ----------------------------------------------------------------------------------------

LANGUAGE_CASES = [
    # comment, its language, words kept
    ("Demorou muito para chegar", "pt", {"demorou", "chegar"}),
    ("Man kann nicht mit Karte zahlen", "de", {"karte", "zahlen"}),
    ("The delivery man was rude", "en", {"delivery", "man", "rude"}),
    ("Ho pagato con la carta e non funziona", "it", {"pagato", "carta", "funziona"}),
    ("This shop is a con and the refund never came", "en", {"shop", "con", "refund", "never", "came"}),
    ("Pedido para mi madre, llegó tarde", "es", {"pedido", "madre", "llegó", "tarde"}),
    ("A man", None, {"man"}),  # a tie between the six: the comments' majority language, English here
]


def comment_terms(db, ids=None) -> dict[int, set[str]]:
    """Feedback id → the written words of its comment, through the module's own query."""
    scope = Scope(db)  # kept while the query runs: its temporary tables go with it
    f = scope.feedback
    if ids is not None:
        f = f.filter(f.id.isin(ids))
    docs = f.select(doc="id", side=f.stage, text=f.comment.lower())
    terms = voice._terms(docs, db.ibis)
    out: dict[int, set[str]] = {}
    for r in terms.filter(terms.kind == "word").to_pyarrow().to_pylist():
        out.setdefault(r["doc"], set()).add(r["written"])
    return out


def languages(db, ids=None) -> dict[int, str]:
    """Feedback id → its comment's language (none: no row)."""
    scope = Scope(db)
    f = scope.feedback
    if ids is not None:
        f = f.filter(f.id.isin(ids))
    docs = f.select(doc="id", text=f.comment.lower())
    letters, alnum = voice._classes(db.ibis)
    tokens = docs.select("doc", written=docs.text.re_split(f"[^{alnum}]+").unnest())
    tokens = tokens.mutate(term=voice._fold(tokens.written, db.ibis))
    return {r["ldoc"]: r["lang"] for r in voice._languages(tokens).to_pyarrow().to_pylist()}


def test_each_comment_drops_the_stop_words_of_its_language(db):
    german = ["Die Lieferung kam nicht an", "Das Paket war leider beschädigt"]
    load(db, feedback=[fb(f"c{i}", f"2024-01-{i + 1:02d}", "service", nps=5, comment=text)
                       for i, (text, _, _) in enumerate(LANGUAGE_CASES)]
         + [fb(f"g{i}", f"2024-02-{i + 1:02d}", "service", nps=5, comment=text) for i, text in enumerate(german)]
         + [fb("x", "2024-03-01", "service", nps=5, comment="Entrega atrasada")])  # no stop word: no language
    cases = range(1, len(LANGUAGE_CASES) + 1)
    got = comment_terms(db, list(cases))
    assert {i: got.get(i, set()) for i in cases} == {i + 1: kept for i, (_, _, kept) in enumerate(LANGUAGE_CASES)}
    langs = languages(db, list(cases))
    assert {i: langs.get(i) for i in cases if LANGUAGE_CASES[i - 1][1]} == {
        i + 1: lang for i, (_, lang, _) in enumerate(LANGUAGE_CASES) if lang}
    # votes: pt, de, it, es 1 + the tie each, en 2 + the tie: "a man" is English and keeps "man"
    assert langs[len(LANGUAGE_CASES)] == "en"
    # with two more German comments, German is the majority: the same "a man" is German, "man" a stop word
    more = [*cases, len(LANGUAGE_CASES) + 1, len(LANGUAGE_CASES) + 2]
    assert languages(db, more)[len(LANGUAGE_CASES)] == "de"
    assert len(LANGUAGE_CASES) not in comment_terms(db, more)
    # a comment without any stop word has no language and keeps its words
    everything = comment_terms(db)
    assert everything[len(LANGUAGE_CASES) + 3] == {"entrega", "atrasada"}
    assert len(LANGUAGE_CASES) + 3 not in languages(db)


def test_stop_word_lists():
    for lang in voice.LANGUAGES:
        words = voice.stop_words(lang)
        assert 150 <= len(words) <= 450 and list(words) == sorted(set(words)), lang
        assert all(w == w.lower() and "'" not in w and " " not in w for w in words), lang
    assert set(voice.stop_words()) == set().union(*(voice.stop_words(lang) for lang in voice.LANGUAGES))
    for lang, present in {"pt": ("não", "até", "muito", "mais", "para", "com"), "es": ("más", "muy", "para"),
                          "de": ("nicht", "man", "die", "sehr"), "it": ("non", "con", "molto", "perché")}.items():
        assert set(present) <= set(voice.stop_words(lang)), lang
    topics = ("produto", "entrega", "prazo", "atraso", "defeito", "pedido", "lieferung", "consegna", "attente",
              "paiement", "delivery", "man", "con")
    for lang in voice.LANGUAGES:
        assert not {voice.fold(w) for w in topics} & {voice.fold(w) for w in voice.stop_words(lang)} - (
            {"man"} if lang == "de" else {"con"} if lang in ("it", "es") else set()), lang
    with pytest.raises(ValueError, match="lang"):
        voice.stop_words("nl")


# -- Benjamini–Hochberg ---------------------------------------------------------------------------------------------

NEUTRAL = ("embalagem", "etiqueta", "boleto", "caixa", "tamanho", "cor", "tecido", "modelo", "marca", "preco",
           "frete", "loja", "site", "aplicativo", "cupom", "desconto", "vendedor", "pacote", "nota", "garantia")


def z_by_hand(yd: int, yp: int, nd: int, np_: int) -> float:
    """The log-odds z of the module docstring (PRIOR_SCALE = 0.25)."""
    a, a0 = 0.25 * (yd + yp), 0.25 * (nd + np_)
    delta = math.log((yd + a) / (nd + a0 - yd - a)) - math.log((yp + a) / (np_ + a0 - yp - a))
    return delta / math.sqrt(1 / (yd + a) + 1 / (yp + a))


def test_benjamini_hochberg_drops_a_term_just_past_196_among_many(db):
    # "atraso" in 8 detractor comments and no promoter one; 20 other words in 3 comments of each side.
    # One word per comment: no phrase, no stop word.
    det = ["atraso"] * 8 + [w for w in NEUTRAL for _ in range(3)]
    pro = [w for w in NEUTRAL for _ in range(3)]
    load(db, feedback=[fb(f"d{i}", "2024-01-01", "service", nps=2, comment=t) for i, t in enumerate(det)]
         + [fb(f"p{i}", "2024-01-01", "service", nps=10, comment=t) for i, t in enumerate(pro)])
    assert not set(NEUTRAL) & set(voice.stop_words())
    z = z_by_hand(8, 0, 68, 60)  # = ln 5 / √0.6
    assert z == pytest.approx(math.log(5) / math.sqrt(0.6)) and 1.96 < z < 2.1  # kept by the old |z| ≥ 1.96 cut
    z0 = z_by_hand(3, 3, 68, 60)
    p, p0 = math.erfc(z / math.sqrt(2)), math.erfc(abs(z0) / math.sqrt(2))
    assert p == pytest.approx(0.0377, abs=1e-4)
    # the family: 21 terms in ≥ 3 comments; atraso's q = 21 p / 1 ≈ 0.79
    q = stats.benjamini_hochberg([p] + [p0] * 20)[0]
    assert q == pytest.approx(21 * p) and q > voice.FDR
    assert voice.themes(db).empty
    every = voice.themes(db, fdr=1).set_index("term")
    assert every.loc["atraso", "z"] == pytest.approx(z) and every.loc["atraso", "q"] == pytest.approx(q)
    assert every.loc["embalagem", "q"] == pytest.approx(stats.benjamini_hochberg([p] + [p0] * 20)[1])
    # alone in its family (the other words are in 6 comments each), it is a theme: q = p
    alone = voice.themes(db, min_count=7)
    assert alone["term"].tolist() == ["atraso"] and alone["q"].iloc[0] == pytest.approx(p)
    for fdr in (0, -0.1, 1.5):
        with pytest.raises(ValueError, match="fdr"):
            voice.themes(db, fdr=fdr)


def test_q_values_are_benjamini_hochberg_over_the_whole_family():
    rng = random.Random(3)
    for _ in range(200):
        m = rng.randrange(1, 40)
        family = [rng.random() ** 3 for _ in range(m)]
        cut = rng.choice([0.05, 0.1, 1.0])
        candidates = [p for p in family if p <= cut]
        if not candidates:
            continue
        full = dict(zip(family, stats.benjamini_hochberg(family), strict=True))
        for p, q in zip(candidates, voice._q_values(candidates, m), strict=True):
            if full[p] <= cut:  # exact wherever it can decide (what the themes keep)
                assert q == pytest.approx(full[p])
            else:
                assert q >= full[p] - 1e-12 and q > cut
    assert voice._q_values([], 5) == []
    assert voice._z_cut(0.05) == pytest.approx(1.959964, abs=1e-6) and voice._z_cut(1) == 0
