"""Voice of the customer: verbatims, the themes that set detractors apart from promoters, and why
customers stop at a stage.

A *verbatim* is a kept feedback row (``analytics.metrics.Scope.feedback``) with a non-empty comment
(not NULL and not only blanks). Its NPS *group*: ``"promoter"`` (9–10), ``"passive"`` (7–8),
``"detractor"`` (0–6), ``"none"`` (no NPS score). A *response* is a kept feedback row with an NPS
score, as in ``analytics.satisfaction``.

Tokens (``themes``, ``why_drop``), computed by the database: the comment is lowercased and cut at
every character that is not a letter or a digit (accented letters are letters: "délai",
"téléphone"; apostrophes, hyphens and punctuation cut, so "l'application" gives "l" and
"application", "j'ai" gives "j" and "ai"). Tokens are matched and counted with their accents *folded*
(``fold``: "não" is "nao", "délai" is "delai", "cœur" is "coeur", "l’équipe" is "l'equipe"), by SQL both engines
run (an explicit character map, not PostgreSQL's optional ``unaccent``).

A comment's *language* is the one, among the shipped stop-word lists (``LANGUAGES``: French, English, Portuguese,
Spanish, German and Italian, ``analytics/stopwords/<lang>.txt``), whose list holds the most of its tokens (short
ones included: "a", "o", "de"…; every occurrence counts); a tie goes to the language that is among the best for
the most comments of the same call (the data's majority language), then to the first in ``LANGUAGES``. A comment
holding no stop word of any list has no language, and nothing to drop.

A *word* is a token of at least 3 characters (as written) that is not only digits and not a stop word of its
comment's language (function words, elided forms — "jusqu", "aujourd", "don" —, auxiliaries and common verbs,
intensifiers and negations such as "très", "pas", "não", "até", "muito", "nicht"; never topic words such as
"attente", "paiement", "produto", "entrega"): "man" is dropped from a German comment ("man kann nicht zahlen") and
kept in an English one ("the delivery man"). A *phrase* is two words written next to each other with one space
between them, the second one possibly with an elided article: "service client", "temps d'attente"; a phrase never
spans punctuation or a stop word. A term is counted folded, and shown as written — the greatest of its written
forms, which puts the accented spelling ("délai") before the bare one ("delai"); ``verbatims(search=term)`` folds
too, so it finds every comment a theme counts, whatever their accents. On PostgreSQL, "letter" is the database's
locale's (``[[:alnum:]]``): a ``C``-locale database only knows ASCII letters (``C.UTF-8`` and ``fr_FR.UTF-8`` know
accents); on DuckDB it is Unicode's. The fold's map covers the Latin letters of the six languages and their
neighbours; DuckDB, which folds with its ``strip_accents`` first, also folds rarer accented letters that
PostgreSQL keeps (Vietnamese, …).

Themes are ranked by the log-odds ratio with an informative Dirichlet prior (Monroe, Colaresi &
Quinn 2008, "Fightin' words", section 3.5), on *document frequencies*: ``y_d(w)`` = detractor
comments containing term ``w`` (a term counts once per comment), ``n_d`` = the sum of ``y_d`` over
the terms of the same kind (words and phrases are two separate vocabularies), and the same for
promoters (``y_p``, ``n_p``). The prior is the pooled vocabulary scaled by ``PRIOR_SCALE``:
``α_w = PRIOR_SCALE · (y_d(w) + y_p(w))``, ``α_0 = PRIOR_SCALE · (n_d + n_p)``. Then

    δ_w = ln((y_d + α_w) / (n_d + α_0 − y_d − α_w)) − ln((y_p + α_w) / (n_p + α_0 − y_p − α_w))
    σ²_w ≈ 1 / (y_d + α_w) + 1 / (y_p + α_w),   z_w = δ_w / σ_w

``z > 0``: a detractor theme; ``z < 0``: a promoter theme. Passives are left out.

A theme is *significant* after Benjamini–Hochberg at a false discovery rate ``fdr`` (``FDR``, 5 %, by default). The
*family* is every term of the call (one stage's, or every stage's) — words and phrases together, one family: the
conservative choice, a larger ``m``, and the two are not independent tests anyway ("service client" and "client") —
found in at least ``min_count`` detractor + promoter comments and with a ``z`` (a vocabulary of one term has none;
a term with z = 0 is in the family, with p = 1, but on neither side). A term's p-value is the two-sided normal one of
its z, ``p = erfc(|z| / √2)``, and its q-value ``q_(i) = min over j ≥ i of m · p_(j) / j`` (p ascending, capped at
1); the themes are the terms with ``q ≤ fdr``. The database counts the family's size ``m`` and returns only the
candidates, the terms whose |z| reaches Φ⁻¹(1 − fdr/2) (1.96 at 5 %): a term whose own p is above ``fdr`` can never
pass (its q is at least its p), so the candidates are the family's smallest p-values, their ranks among themselves
are their ranks in the family, and the q-value of every theme is exact; Benjamini–Hochberg then runs in Python.
``fdr=1`` keeps every term (each with its exact q), significant or not. Every count and ``z`` are computed in the
database; only the candidates come back.

Each function builds its own ``Scope``; pass ``scope=`` (built for the same database and filters)
to share queries with other metrics of one page.
"""

import math
from functools import cache
from pathlib import Path
from statistics import NormalDist

import ibis
import ibis.expr.operations as ops
import pandas as pd
import pyarrow as pa

from analytics import stats
from analytics.filters import Filters
from analytics.measures import bounds
from analytics.metrics import Scope, nps_clusters, nps_sums, scope_for
from analytics.stats import nps_difference_test

__all__ = [
    "FDR", "GROUPS", "LANGUAGES", "PRIOR_SCALE", "UNKNOWN", "fold", "nps_difference_test", "stop_words", "themes",
    "verbatims", "why_drop",
]

UNKNOWN = ""
"""``verbatims(channel=UNKNOWN)``: only the feedback without a channel ("channel unknown");
``channel=None`` does not filter on the channel."""

GROUPS = ("promoter", "passive", "detractor", "none")
"""NPS groups of a verbatim: 9–10, 7–8, 0–6, no score."""

PRIOR_SCALE = 0.25
"""Weight of the informative prior: each term gets, on each side, a quarter of its pooled detractor +
promoter comment count as pseudo-counts, which shrinks rare terms toward "no difference": with
sides of similar size, a term found only in detractor comments needs 8 of them to reach |z| ≥ 1.96
(z ≈ ln 5 · √(k / 4.8) for k comments). Near this scale that z is at its largest (1.0 or 0.01 would
need 12 or 19); a larger scale shrinks more, a smaller one trusts zero counts less."""

FDR = 0.05
"""Themes are the terms whose Benjamini–Hochberg q-value is at most this: a false discovery rate of 5 % over the
family of terms tested (see the module docstring)."""

LANGUAGES = ("fr", "en", "pt", "es", "de", "it")
"""The shipped stop-word lists (``analytics/stopwords/<lang>.txt``), in the order that breaks the last ties of a
comment's language."""

# Accent folding: each accented lowercase letter becomes its plain letter, typographic apostrophes the straight
# one; combining accents (text in decomposed form) are deleted; ligatures are spelt out.
_FOLD_PAIRS = (
    ("àáâãäåāăą", "a"), ("çćĉċč", "c"), ("ďđ", "d"), ("èéêëēĕėęě", "e"), ("ĝğġģ", "g"), ("ĥħ", "h"),
    ("ìíîïĩīĭįı", "i"), ("ĵ", "j"), ("ķ", "k"), ("ĺļľŀł", "l"), ("ñńņň", "n"), ("òóôõöøōŏő", "o"), ("ŕŗř", "r"),
    ("śŝşšș", "s"), ("ţťŧț", "t"), ("ùúûüũūŭůűų", "u"), ("ŵ", "w"), ("ýÿŷ", "y"), ("źżž", "z"), ("’‘ʼ", "'"),
)
_FOLD_FROM = "".join(accented for accented, _ in _FOLD_PAIRS)
_FOLD_TO = "".join(plain * len(accented) for accented, plain in _FOLD_PAIRS)
_COMBINING = "".join(chr(c) for c in range(0x300, 0x370))  # U+0300–U+036F, deleted
_LIGATURES = (("œ", "oe"), ("æ", "ae"), ("ß", "ss"))
_FOLD_TABLE = str.maketrans(_FOLD_FROM, _FOLD_TO, _COMBINING)
_DUCKDB_RESIDUE = "đħıŀłøŧ’‘ʼ", "dhillot" + "'" * 3  # the map's letters DuckDB's strip_accents keeps as they are

MIN_WORD = 3
"""Shortest word kept (characters)."""

STOPWORDS_DIR = Path(__file__).with_name("stopwords")

_VERBATIM_COLUMNS = {"timestamp": "datetime", "stage": "str", "channel": "str", "nps": "float", "csat": "float",
                     "group": "str", "comment": "str"}
_THEME_COLUMNS = {"term": "str", "kind": "str", "side": "str", "detractor_count": "int", "promoter_count": "int",
                  "detractor_comments": "int", "promoter_comments": "int", "z": "float", "q": "float"}


def fold(text: str) -> str:
    """``text`` (lowercase) with its accents folded: "não" → "nao", "délai" → "delai", "cœur" → "coeur", "l’équipe"
    → "l'equipe" — what the database's ``_fold`` does."""
    folded = text.translate(_FOLD_TABLE)
    for ligature, plain in _LIGATURES:
        folded = folded.replace(ligature, plain)
    return folded


@cache
def stop_words(lang: str | None = None) -> tuple[str, ...]:
    """The shipped stop words of ``lang`` (one of ``LANGUAGES``; ``None``: of every language), lowercase and as
    written (accents kept; they are matched folded), sorted, read once."""
    if lang is not None and lang not in LANGUAGES:
        raise ValueError(f"lang must be one of {', '.join(LANGUAGES)} or None, not {lang!r}")
    words: set[str] = set()
    for name in LANGUAGES if lang is None else (lang,):
        text = (STOPWORDS_DIR / f"{name}.txt").read_text(encoding="utf-8")
        words.update(w.strip().lower() for w in text.splitlines() if w.strip() and not w.startswith("#"))
    return tuple(sorted(words))


def _rows(expr) -> list[dict]:
    """Execute a small expression; plain Python rows (through Arrow, as ``analytics.metrics`` does)."""
    return expr.to_pyarrow().to_pylist()


def _frame(rows: list[dict], columns: dict[str, str]) -> pd.DataFrame:
    """A DataFrame with fixed columns and dtypes: ``int`` → int64, ``float`` → float64 (missing =
    NaN), ``str`` → object (missing stays ``None``), ``datetime`` → datetime64[ns]."""
    dtypes = {"int": "int64", "float": "float64", "str": "object", "datetime": "datetime64[ns]"}
    data = {c: pd.Series([r[c] for r in rows], dtype=dtypes[t]) for c, t in columns.items()}
    return pd.DataFrame(data, columns=list(columns))


def _group_of(answer: int | None, measure: str = "nps") -> str:
    """The group of an answer on its measure (``analytics.measures.bounds``); under CSAT the satisfied, neutral and
    dissatisfied take the ``promoter``, ``passive`` and ``detractor`` codes."""
    if answer is None:
        return "none"
    _, middle, happy = bounds(measure)
    return "promoter" if answer >= happy else "passive" if answer >= middle else "detractor"


def _commented(f):
    """Feedback rows of ``f`` with a comment that is not only blanks."""
    return f.filter(f.comment.notnull(), f.comment.strip() != "")


# ---------------------------------------------------------------------------------------------- verbatims


def verbatims(db, filters: Filters | None = None, *, scope: Scope | None = None, stage: str | None = None,
              channel: str | None = None, group: str | None = None, search: str | None = None,
              limit: int = 50) -> tuple[pd.DataFrame, int]:
    """The latest verbatims matching every given criterion, and how many match in all.

    * ``stage``: the stage recorded on the feedback row; ``None``: every stage.
    * ``channel``: a channel code; ``UNKNOWN`` (``""``): feedback without a channel; ``None``: any.
    * ``group``: one of ``GROUPS`` on the scope's satisfaction measure (``Scope.measure``: under CSAT the
      ``promoter``, ``passive`` and ``detractor`` codes are the satisfied 4–5, the neutral 3 and the dissatisfied
      1–2; ``none`` has no answer on that measure); ``None``: any.
    * ``search``: the comment contains this text, ignoring case and accents (lowercased and folded by the database
      on both sides, as the themes' terms are: "nao" finds "não" and "Não", "délai" finds "delai"), matched
      literally: ``%``, ``_``, quotes or markup are plain characters. ``None`` or ``""``: no condition.

    Returns ``(frame, total)``: ``frame`` has the columns ``timestamp, stage, channel, nps, csat, group,
    comment`` (``nps``, ``csat`` float, NaN without an answer; ``channel`` ``None`` when unknown), newest first
    (ties: the later feedback row first), at most ``limit`` rows; ``total`` counts every match.
    """
    if group is not None and group not in GROUPS:
        raise ValueError(f"group must be one of {', '.join(GROUPS)} or None, not {group!r}")
    if limit < 0:
        raise ValueError(f"limit must be >= 0, not {limit}")
    scope = scope_for(db, filters, scope)
    f = _commented(scope.feedback)
    preds = []
    if stage is not None:
        preds.append(f.stage == stage)
    if channel == UNKNOWN:
        preds.append(f.channel.isnull())
    elif channel is not None:
        preds.append(f.channel == channel)
    m = scope.measure
    answer = f[m] if m in f.columns else ibis.null().cast("int64")  # a warehouse without a CSAT column
    _, middle, happy = bounds(m)
    if group == "none":
        preds.append(answer.isnull())
    elif group == "promoter":
        preds.append(answer >= happy)
    elif group == "passive":
        preds.append(answer.between(middle, happy - 1))
    elif group == "detractor":
        preds.append(answer < middle)
    if search:
        con = scope.db.ibis
        preds.append(_fold(f.comment.lower(), con).contains(_fold(ibis.literal(search, type="string").lower(), con)))
    if preds:
        f = f.filter(*preds)
    # One query: the total rides along every returned row (a window count over all the matches).
    csat = f.csat if "csat" in f.columns else ibis.null().cast("int64")
    page = f.select("id", "timestamp", "stage", "channel", "nps", "comment", csat=csat, total=f.count().over())
    if limit:
        rows = _rows(page.order_by([page.timestamp.desc(), page.id.desc()]).limit(limit))
        total = int(rows[0]["total"]) if rows else 0  # no row: nothing matches
    else:
        rows, total = [], int(f.count().to_pyarrow().as_py())
    for r in rows:
        r["group"] = _group_of(r[m], m)
    return _frame(rows, _VERBATIM_COLUMNS), total


# ---------------------------------------------------------------------------------------------- tokens


def _classes(con) -> tuple[str, str]:
    """(letters, letters or digits) as the inside of a regular-expression bracket, for the engine."""
    if con.name == "postgres":  # PostgreSQL's regular expressions have no \\p{…}: the locale's classes
        return "[:alpha:]", "[:alnum:]"
    return r"\p{L}\p{M}", r"\p{L}\p{M}\p{N}"  # RE2 (DuckDB), Java (Spark), …


@ibis.udf.scalar.builtin(name="strip_accents")
def _strip_accents(text: str) -> str:
    """DuckDB's ``strip_accents``: decomposes and drops the combining accents."""


@ibis.udf.scalar.builtin(name="strlen")
def _strlen(text: str) -> int:
    """DuckDB's ``strlen``: the length in bytes."""


@ibis.udf.scalar.builtin(name="octet_length")
def _octet_length(text: str) -> int:
    """PostgreSQL's ``octet_length``: the length in bytes."""


def _fold(text, con):
    """Ibis: ``text`` (lowercase) with its accents folded, as ``fold`` does, in SQL both engines run: PostgreSQL's
    ``translate`` with the explicit map (its ``unaccent`` is an extension a server may lack); on DuckDB, whose
    ``translate`` rebuilds its map on every row, ``strip_accents`` then ``translate`` of the few letters it keeps
    (``ø``, ``ł``…) and of the ligatures, only in the text that holds one. ASCII text is left as it is (most of it:
    a CASE on its length in bytes skips the work)."""

    def spelt_out(folded):
        for ligature, plain in _LIGATURES:
            folded = folded.replace(ligature, plain)
        return folded

    if con.name == "duckdb":
        stripped = _strip_accents(text)
        rare = text.re_search(f"[{_DUCKDB_RESIDUE[0]}{''.join(lig for lig, _ in _LIGATURES)}]")
        folded = ibis.ifelse(rare, spelt_out(stripped.translate(*_DUCKDB_RESIDUE)), stripped)
        ascii_only = _strlen(text) == text.length()
    else:
        folded = spelt_out(text.translate(_FOLD_FROM + _COMBINING, _FOLD_TO))
        ascii_only = _octet_length(text) == text.length() if con.name == "postgres" else ~text.re_search("[^ -~]")
    return ibis.ifelse(ascii_only, text, folded)


@cache
def _stop_table():
    """The folded stop words of every shipped language as an in-memory table (``word``, ``lang``, ``rank`` = the
    language's place in ``LANGUAGES``), built once: joins against it keep the SQL short (a literal list of 2,000
    words costs more to compile than the query runs)."""
    rows = sorted({(fold(w), lang) for lang in LANGUAGES for w in stop_words(lang)})
    return ibis.memtable(pa.table({
        "word": pa.array([w for w, _ in rows], type=pa.string()),
        "lang": pa.array([lang for _, lang in rows], type=pa.string()),
        "rank": pa.array([LANGUAGES.index(lang) for _, lang in rows], type=pa.int64()),
    }))


def _long_enough(written):
    """Ibis predicate: the token ``written`` may be a word (at least ``MIN_WORD`` characters as written, not only
    digits); stop words are removed by ``_drop_stops``."""
    return (written.length() >= MIN_WORD) & ~written.re_search("^[0-9]+$")


def _languages(tokens):
    """``ldoc, lang``: each comment's language (see the module docstring), from ``tokens`` (``doc``, ``term`` =
    every folded token, short ones included). A comment without a stop word of any language has no row: it has
    no stop word to drop either.

    One grouped pass: per comment the tokens each language's list covers (``h_<lang>``) and the most of them; per
    language the comments it is among the best for (its votes); the comment's language is, among its best, the one
    with the most votes, then the first of ``LANGUAGES`` — the largest key ``votes · 8 + (6 − place)``."""
    stops = _stop_table().view()
    hits = tokens.join(stops, tokens.term == stops.word)
    per_doc = hits.group_by("doc").aggregate(**{f"h_{lang}": hits.count(where=hits.lang == lang)
                                                for lang in LANGUAGES})
    per_doc = per_doc.mutate(most=ibis.greatest(*(per_doc[f"h_{lang}"] for lang in LANGUAGES)))
    best = {lang: per_doc[f"h_{lang}"] == per_doc.most for lang in LANGUAGES}
    votes = per_doc.aggregate(**{f"v_{lang}": per_doc.count(where=best[lang]) for lang in LANGUAGES})
    both = per_doc.cross_join(votes)
    keys = {lang: ibis.ifelse(both[f"h_{lang}"] == both.most, both[f"v_{lang}"] * 8 + (len(LANGUAGES) - i), -1)
            for i, lang in enumerate(LANGUAGES)}
    both = both.select("doc", **{f"k_{lang}": key for lang, key in keys.items()})
    top = ibis.greatest(*(both[f"k_{lang}"] for lang in LANGUAGES))
    lang = ibis.cases(*((both[f"k_{lang}"] == top, lang) for lang in LANGUAGES))
    return both.select(ldoc="doc", lang=lang)


def _with_language(table, languages):
    """``table`` (a ``doc`` column) with its comment's ``lang`` (NULL: none)."""
    joined = table.left_join(languages, table.doc == languages.ldoc)
    return joined.select(*table.columns, "lang")


def _drop_stops(table, column: str):
    """``table`` (columns ``lang`` and ``column``, folded) without the rows whose ``column`` is a stop word of the
    row's language."""
    stops = _stop_table().view()
    return table.anti_join(stops, [table[column] == stops.word, table.lang == stops.lang])


def _chunk_pairs(docs, con):
    """``doc, side, a, b``: every two consecutive space-separated chunks of ``text``.

    The array of chunks zipped with itself shifted by one where the engine can zip arrays (DuckDB:
    no sort), else unnested with each chunk's position and paired by a window (PostgreSQL)."""
    chunks = docs.select("doc", "side", chunk=docs.text.split(" "))
    if con.has_operation(ops.ArrayZip):
        zipped = chunks.select("doc", "side", pair=chunks.chunk.zip(chunks.chunk[1:]).unnest())
        return zipped.select("doc", "side", a=zipped.pair.f1, b=zipped.pair.f2)
    flat = chunks.unnest("chunk", offset="pos")
    nxt = flat.chunk.lead().over(ibis.window(group_by=flat.doc, order_by=flat.pos))
    return flat.select("doc", "side", a="chunk", b=nxt)


def _terms(docs, con):
    """``doc, side, kind, term, written`` — one row per occurrence of a word or phrase in ``docs`` (columns
    ``doc``, ``side``, ``text`` = the lowercased comment): ``term`` folded (what is counted), ``written`` as
    written."""
    letters, alnum = _classes(con)
    tokens = docs.select("doc", "side", written=docs.text.re_split(f"[^{alnum}]+").unnest())
    tokens = tokens.mutate(term=_fold(tokens.written, con))
    languages = _languages(tokens)
    words = _with_language(tokens.filter(_long_enough(tokens.written)), languages)
    words = _drop_stops(words, "term").select("doc", "side", kind=ibis.literal("word"), term="term",
                                              written="written")

    # Phrases: two consecutive space-separated chunks, the first ending with a word, the second starting
    # with one (after an optional elided article): "<end of chunk a> <start of chunk b>" is in the text.
    # Whole matches only (group 0): extracting a sub-group makes RE2 several times slower. Filtered as written,
    # then folded once (a filter on a folded value would fold twice: the engine inlines it).
    pairs = _chunk_pairs(docs, con)
    word_at_end = f"[{alnum}]+$"
    pairs = pairs.select("doc", "side", first=pairs.a.re_extract(word_at_end, 0),
                         second=pairs.b.re_extract(f"^([{letters}]+['’])?[{alnum}]+", 0))
    pairs = pairs.filter(_long_enough(pairs.first), _long_enough(pairs.second.re_extract(word_at_end, 0)))
    pairs = pairs.mutate(first_term=_fold(pairs.first, con), second_term=_fold(pairs.second, con))
    pairs = pairs.mutate(second_word=pairs.second_term.re_extract(word_at_end, 0))
    pairs = _drop_stops(_drop_stops(_with_language(pairs, languages), "first_term"), "second_word")
    phrases = pairs.select("doc", "side", kind=ibis.literal("phrase"), term=pairs.first_term + " " + pairs.second_term,
                           written=pairs.first + " " + pairs.second)
    return words.union(phrases, distinct=False)


def _theme_expr(docs, con, min_count: int, z_cut: float):
    """The candidate themes (see the module docstring), from ``docs`` (``doc``, ``side`` in {"d", "p"}, ``text``):
    every term of the family with |z| ≥ ``z_cut`` and z ≠ 0, ``term`` (its written form), ``kind``,
    ``detractor_count, promoter_count, detractor_comments, promoter_comments, z`` and ``family`` (the family's size:
    its terms with a z, every one repeated on each row)."""
    occ = _terms(docs, con)
    per_doc = occ.group_by("doc", "side", "kind", "term").aggregate(n=occ.count(), written=occ.written.max())
    d, p = per_doc.side == "d", per_doc.side == "p"
    counts = per_doc.group_by("kind", "term").aggregate(
        detractor_count=per_doc.n.sum(where=d), promoter_count=per_doc.n.sum(where=p),
        detractor_comments=per_doc.count(where=d), promoter_comments=per_doc.count(where=p),
        written=per_doc.written.max(),
    )
    by_kind = ibis.window(group_by=counts.kind)
    yd = counts.detractor_comments.cast("float64")
    yp = counts.promoter_comments.cast("float64")
    nd = counts.detractor_comments.sum().over(by_kind).cast("float64")
    np_ = counts.promoter_comments.sum().over(by_kind).cast("float64")
    alpha = (yd + yp) * PRIOR_SCALE
    alpha0 = (nd + np_) * PRIOR_SCALE
    # NULLIF: a vocabulary of one term leaves nothing to compare with (its "other" mass is 0): no z.
    rest_d = (nd + alpha0 - yd - alpha).nullif(0)
    rest_p = (np_ + alpha0 - yp - alpha).nullif(0)
    delta = ((yd + alpha) / rest_d).ln() - ((yp + alpha) / rest_p).ln()
    z = delta / (1 / (yd + alpha) + 1 / (yp + alpha)).sqrt()
    scored = counts.select(
        "kind", term="written",
        detractor_count=counts.detractor_count.fill_null(0), promoter_count=counts.promoter_count.fill_null(0),
        detractor_comments="detractor_comments", promoter_comments="promoter_comments", z=z,
    )
    family = scored.filter(scored.detractor_comments + scored.promoter_comments >= min_count, scored.z.notnull())
    family = family.mutate(family=family.z.count().over(ibis.window()))
    return family.filter(family.z.abs() >= z_cut, family.z != 0)


def _q_values(p_values: list[float], m: int) -> list[float]:
    """Benjamini–Hochberg q-values of ``p_values``, the smallest p-values of a family of ``m`` (the others, not
    given, are larger than every one given): ``q_(i) = min over j ≥ i of m·p_(j)/j``, capped at 1, in the input
    order. Exact for every q ≤ the smallest p left out (an upper bound above it)."""
    order = sorted(range(len(p_values)), key=lambda i: p_values[i])
    out = [1.0] * len(p_values)
    running = 1.0
    for rank in range(len(order), 0, -1):
        i = order[rank - 1]
        running = min(running, p_values[i] * m / rank)
        out[i] = running
    return out


def _z_cut(fdr: float) -> float:
    """The |z| below which a term cannot reach ``q ≤ fdr`` (its p-value alone is above ``fdr``), a hair lower so
    that rounding never drops a term: Φ⁻¹(1 − fdr/2) − 1e-9 (1.95996… at 5 %, 0 at ``fdr = 1``)."""
    return max(NormalDist().inv_cdf(1 - fdr / 2) - 1e-9, 0.0) if fdr < 1 else 0.0


def _theme_frame(docs, scope: Scope, top: int, min_count: int, fdr: float) -> pd.DataFrame:
    if not 0 < fdr <= 1:
        raise ValueError(f"fdr must be in (0, 1], not {fdr!r}")
    if top <= 0:
        return _frame([], _THEME_COLUMNS)
    rows = _rows(_theme_expr(docs, scope.db.ibis, min_count, _z_cut(fdr)))
    # Benjamini–Hochberg over the family: the candidates are the family's smallest p-values, so their ranks
    # among the candidates are their ranks in the family, and m is counted by the database.
    p_values = [math.erfc(abs(r["z"]) / math.sqrt(2)) for r in rows]
    for r, q in zip(rows, _q_values(p_values, rows[0]["family"] if rows else 0), strict=True):
        r["q"] = q
        r["side"] = "detractor" if r["z"] > 0 else "promoter"
    kept = sorted((r for r in rows if r["q"] <= fdr),
                  key=lambda r: (r["side"] != "detractor", -abs(r["z"]), r["term"], r["kind"]))
    shown = {"detractor": 0, "promoter": 0}
    out = []
    for r in kept:
        if shown[r["side"]] < top:
            shown[r["side"]] += 1
            out.append(r)
    return _frame(out, _THEME_COLUMNS)


def themes(db, filters: Filters | None = None, *, scope: Scope | None = None, stage: str | None = None,
           top: int = 15, min_count: int = 3, fdr: float = FDR) -> pd.DataFrame:
    """The words and phrases that distinguish detractors' comments from promoters' (one stage, or
    every stage when ``stage`` is None); see the module docstring for the tokens, the score and the test. On the
    scope's satisfaction measure: under CSAT (``analytics.measures``), the dissatisfied (1–2 of 5) play the
    detractors and the satisfied (4–5) the promoters; the frame keeps the names ``detractor``/``promoter``.

    Columns ``term`` (its written form: ``verbatims(search=term)`` finds its comments), ``kind ("word" | "phrase"),
    side ("detractor" | "promoter"), detractor_count, promoter_count`` (occurrences), ``detractor_comments,
    promoter_comments`` (comments containing the term: what the score uses), ``z`` and ``q`` (its
    Benjamini–Hochberg q-value over the family). Only terms found in at least ``min_count`` detractor + promoter
    comments with ``q ≤ fdr`` (default ``FDR``, 5 %; ``fdr=1`` ranks every term with z ≠ 0, significant or not,
    which on small data shows the leading terms that are not yet significant); at most ``top`` per side. Detractor
    themes first (z descending), then promoter themes (z ascending); ties by term. Raises ``ValueError`` unless
    0 < ``fdr`` ≤ 1.
    """
    scope = scope_for(db, filters, scope)

    m = scope.measure  # NPS: detractors 0–6 against promoters 9–10; CSAT: dissatisfied 1–2 against satisfied 4–5
    worst, _, best = bounds(m)

    def compute() -> pd.DataFrame:
        f = _commented(scope.feedback)
        f = f.filter(f[m].notnull(), (f[m] <= worst) | (f[m] >= best))
        if stage is not None:
            f = f.filter(f.stage == stage)
        docs = f.select(doc="id", side=ibis.ifelse(f[m] <= worst, "d", "p"), text=f.comment.lower())
        return _theme_frame(docs, scope, top, min_count, fdr)

    return scope.cached(f"voice_themes:{m}:{stage!r}:{top}:{min_count}:{fdr}", compute).copy()


# ---------------------------------------------------------------------------------------------- why drop


def _nps_block(customers: int, x: dict) -> dict:
    """A why-drop group on NPS (``x``: a ``metrics.nps_sums`` row): the NPS with its customer-clustered interval
    (``stats.nps_with_interval``), ``respondents``; ``var`` the clustered variance of the mean ±1/0 score (for the
    test; not returned)."""
    responses, promoters, detractors = x["n"], x["promoters"], x["detractors"]
    clusters = nps_clusters(x) if responses else None
    score, low, high = stats.nps_with_interval(promoters, detractors, responses, clusters)
    var = None
    if responses:
        var = stats.clustered_variance(responses, x["customers"], promoters - detractors, x["s_sq"], x["s_n"],
                                       x["n_sq"])[1]
    return {"customers": customers, "responses": responses, "respondents": x["customers"], "promoters": promoters,
            "passives": responses - promoters - detractors, "detractors": detractors, "nps": score,
            "ci_low": low, "ci_high": high, "value": score, "var": var}


def _csat_block(customers: int, x: dict) -> dict:
    """A why-drop group on CSAT: the mean per answer with its customer-clustered interval, the dissatisfied (1–2)
    and satisfied (4–5) answers; ``var`` the variance of the mean (for the test; not returned)."""
    mean, low, high = stats.clustered_mean(x["responses"], x["respondents"], x["total"], x["sum_sq"], x["sum_cross"],
                                           x["sum_n_sq"])
    var = stats.clustered_variance(x["responses"], x["respondents"], x["total"], x["sum_sq"], x["sum_cross"],
                                   x["sum_n_sq"])[1]
    return {"customers": customers, "responses": x["responses"], "respondents": x["respondents"],
            "satisfied": x["satisfied"], "dissatisfied": x["dissatisfied"], "mean_csat": mean, "ci_low": low,
            "ci_high": high, "value": mean, "var": var}


def why_drop(db, filters: Filters | None = None, *, scope: Scope | None = None, stage: str,
             top: int = 15, min_count: int = 3, fdr: float = FDR) -> dict:
    """"Why did they drop?" for the step from ``stage`` to the next stage of the model.

    Among the customers whose furthest stage (highest stage order of their kept touchpoints, the
    ``furthest`` of ``Scope.journeys``) is ``stage`` or beyond, those who *stopped* there (furthest
    = ``stage``) against those who *went on* (furthest beyond it): the NPS of their responses
    recorded at ``stage`` (every response counts, a customer may give several; responses of
    customers without kept touchpoints are in neither group), its 95 % interval (Rocks' adjusted Wald clustered by
    customer), the difference stopped − went on in NPS points with its p-value (z on the two groups' clustered
    variances of the mean score, ``stats.mean_difference_test``: the groups share no customer, and a customer
    answering ten times is one cluster), and the themes of their comments
    at ``stage`` (every kept comment of those customers there, whatever its score), ranked as in
    ``themes`` with *stopped* in the detractor role: ``side == "detractor"`` and ``detractor_*``
    columns are the stopped customers', ``"promoter"`` / ``promoter_*`` those who went on (``top``,
    ``min_count`` and ``fdr`` as in ``themes``).

    Returns ``{"stage", "next_stage", "measure", "stopped": {...}, "went_on": {...}, "diff", "z", "p_value",
    "themes"}``; each group: ``customers`` (in the group, with or without a response),
    ``responses, respondents, promoters, passives, detractors, nps, ci_low, ci_high`` and ``value`` (= ``nps``). Raises
    ``ValueError`` for a stage outside the model or the model's last stage (nobody goes on from it).

    Under CSAT (``Scope.measure``) each group is ``customers, responses, respondents, satisfied, dissatisfied,
    mean_csat, ci_low, ci_high, value`` (= ``mean_csat``, its interval clustered by customer), and ``diff`` the
    difference of the two means (stopped − went on, in stars), tested with the two clustered variances
    (``stats.mean_difference_test``: the groups share no customer).
    """
    scope = scope_for(db, filters, scope)
    codes = [s.code for s in scope.stages]
    if stage not in codes:
        raise ValueError(f"unknown stage {stage!r}: the stage model has {', '.join(codes)}")
    i = codes.index(stage)
    if i == len(codes) - 1:
        raise ValueError(f"{stage!r} is the last stage of the model: there is no next stage to drop before")
    position, next_stage = scope.stages[i].position, codes[i + 1]

    def compute() -> dict:
        t = scope.touchpoints
        f = scope.feedback
        f = f.filter(f.stage == stage)

        def furthest(touchpoints):
            # The furthest stage alone needs no journey order: a plain maximum per customer (the
            # windowed Scope.journeys gives the same number, with the mix and churn not needed here).
            per = touchpoints.group_by("ckey").aggregate(furthest=touchpoints.position.max())
            per = per.filter(per.furthest >= position)
            return per.select("ckey", went_on=per.furthest > position)

        if scope.has("summary_rows"):  # the report's cached counts, when a page has them already
            customers = {False: 0, True: 0}
            for r in scope.summary_rows:
                if r["furthest"] >= position:
                    customers[r["furthest"] > position] += r["n"]
        else:
            per = furthest(t)
            customers = {bool(r["went_on"]): r["n"]
                         for r in _rows(per.group_by("went_on").aggregate(n=per.count()))}
        # Responses and comments need the furthest stage of their own customers only.
        keys = f.select(k=f[scope.key]).distinct()
        per = furthest(t.semi_join(keys, t.ckey == keys.k))
        at = f.join(per, f[scope.key] == per.ckey)
        blocks = {}
        if scope.measure == "csat":
            r = at.filter(at.csat.notnull())
            one = r.group_by("went_on", "ckey").aggregate(s=r.csat.cast("float64").sum(), n=r.count().cast("float64"),
                                                         sat=r.count(where=r.csat >= bounds("csat")[2]),
                                                         dis=r.count(where=r.csat <= bounds("csat")[0]))
            agg = one.group_by("went_on").aggregate(
                responses=one.n.sum(), respondents=one.count(), satisfied=one.sat.sum(), dissatisfied=one.dis.sum(),
                total=one.s.sum(), sum_sq=(one.s * one.s).sum(), sum_cross=(one.s * one.n).sum(),
                sum_n_sq=(one.n * one.n).sum())
            by = {bool(x["went_on"]): x for x in _rows(agg)}
            for key, went_on in (("stopped", False), ("went_on", True)):
                x = by.get(went_on) or {"responses": 0, "respondents": 0, "satisfied": 0, "dissatisfied": 0,
                                        "total": 0, "sum_sq": 0, "sum_cross": 0, "sum_n_sq": 0}
                x = {**x, **{k: int(x[k] or 0) for k in ("responses", "respondents", "satisfied", "dissatisfied")}}
                blocks[key] = _csat_block(customers.get(went_on, 0), x)
            s, g = blocks["stopped"], blocks["went_on"]
            test = stats.mean_difference_test(s["value"], s.pop("var"), g["value"], g.pop("var"))
        else:
            r = at.filter(at.nps.notnull())
            by = {bool(x["went_on"]): x for x in _rows(nps_sums(r, scope.key, "went_on"))}
            for key, went_on in (("stopped", False), ("went_on", True)):
                x = by.get(went_on) or {"n": 0, "promoters": 0, "detractors": 0, "customers": 0}
                blocks[key] = _nps_block(customers.get(went_on, 0), x)
            s, g = blocks["stopped"], blocks["went_on"]
            # the two groups share no customer: z on their clustered variances (a customer answering ten times is
            # one cluster), the difference in NPS points
            test = stats.mean_difference_test(
                None if s["nps"] is None else s["nps"] / 100, s.pop("var"),
                None if g["nps"] is None else g["nps"] / 100, g.pop("var"))
            test = {**test, "diff": None if test["diff"] is None else 100 * test["diff"]}
        c = _commented(at)
        docs = c.select(doc="id", side=ibis.ifelse(c.went_on, "p", "d"), text=c.comment.lower())
        return {"stage": stage, "next_stage": next_stage, "measure": scope.measure, **blocks, "diff": test["diff"],
                "z": test["z"], "p_value": test["p_value"], "themes": _theme_frame(docs, scope, top, min_count, fdr)}

    result = scope.cached(f"voice_why_drop:{scope.measure}:{stage}:{top}:{min_count}:{fdr}", compute)
    return {**result, "stopped": dict(result["stopped"]), "went_on": dict(result["went_on"]),
            "themes": result["themes"].copy()}
