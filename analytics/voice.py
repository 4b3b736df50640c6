"""Voice of the customer: verbatims, the themes that set detractors apart from promoters, and why
customers stop at a stage.

A *verbatim* is a kept feedback row (``analytics.metrics.Scope.feedback``) with a non-empty comment
(not NULL and not only blanks). Its NPS *group*: ``"promoter"`` (9–10), ``"passive"`` (7–8),
``"detractor"`` (0–6), ``"none"`` (no NPS score). A *response* is a kept feedback row with an NPS
score, as in ``analytics.satisfaction``.

Tokens (``themes``, ``why_drop``), computed by the database: the comment is lowercased and cut at
every character that is not a letter or a digit (accented letters are letters: "délai",
"téléphone"; apostrophes, hyphens and punctuation cut, so "l'application" gives "l" and
"application", "j'ai" gives "j" and "ai"). A *word* is a token of at least 3 characters that is not
only digits and not a stop word (``analytics/stopwords/fr.txt`` and ``en.txt``: French and English
function words, elided forms — "jusqu", "aujourd", "don" —, auxiliaries and common verbs,
intensifiers and negations such as "très", "trop", "pas", "jamais"; never topic words such as
"attente", "paiement", "livraison"). A *phrase* is two words written next to each other with one
space between them, the second one possibly with an elided article: "service client", "temps
d'attente" (the text shown is the text as written, so ``verbatims(search=term)`` finds every
comment a theme counts); a phrase never spans punctuation or a stop word. Accents are kept, so that
every term is a substring of its lowercased comments. On PostgreSQL, "letter" is the database's
locale's (``[[:alnum:]]``): a ``C``-locale database only knows ASCII letters (``C.UTF-8`` and
``fr_FR.UTF-8`` know accents); on DuckDB it is Unicode's.

Themes are ranked by the log-odds ratio with an informative Dirichlet prior (Monroe, Colaresi &
Quinn 2008, "Fightin' words", section 3.5), on *document frequencies*: ``y_d(w)`` = detractor
comments containing term ``w`` (a term counts once per comment), ``n_d`` = the sum of ``y_d`` over
the terms of the same kind (words and phrases are two separate vocabularies), and the same for
promoters (``y_p``, ``n_p``). The prior is the pooled vocabulary scaled by ``PRIOR_SCALE``:
``α_w = PRIOR_SCALE · (y_d(w) + y_p(w))``, ``α_0 = PRIOR_SCALE · (n_d + n_p)``. Then

    δ_w = ln((y_d + α_w) / (n_d + α_0 − y_d − α_w)) − ln((y_p + α_w) / (n_p + α_0 − y_p − α_w))
    σ²_w ≈ 1 / (y_d + α_w) + 1 / (y_p + α_w),   z_w = δ_w / σ_w

``z > 0``: a detractor theme; ``z < 0``: a promoter theme. Passives are left out. Every count and
``z`` are computed in the database; only the returned terms come back.

Each function builds its own ``Scope``; pass ``scope=`` (built for the same database and filters)
to share queries with other metrics of one page.
"""

from functools import cache
from pathlib import Path

import ibis
import ibis.expr.operations as ops
import pandas as pd
import pyarrow as pa

from analytics import stats
from analytics.filters import Filters
from analytics.measures import bounds
from analytics.metrics import Scope, scope_for
from analytics.stats import nps_difference_test

__all__ = [
    "GROUPS", "PRIOR_SCALE", "UNKNOWN", "Z_MIN", "nps_difference_test", "stop_words", "themes", "verbatims",
    "why_drop",
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

Z_MIN = 1.96
"""Themes are terms with |z| at least this (two-sided 5 %)."""

MIN_WORD = 3
"""Shortest word kept (characters)."""

STOPWORDS_DIR = Path(__file__).with_name("stopwords")

_VERBATIM_COLUMNS = {"timestamp": "datetime", "stage": "str", "channel": "str", "nps": "float", "csat": "float",
                     "group": "str", "comment": "str"}
_THEME_COLUMNS = {"term": "str", "kind": "str", "side": "str", "detractor_count": "int", "promoter_count": "int",
                  "detractor_comments": "int", "promoter_comments": "int", "z": "float"}


@cache
def stop_words() -> tuple[str, ...]:
    """The shipped French and English stop words (lowercase, sorted), read once."""
    words: set[str] = set()
    for name in ("fr.txt", "en.txt"):
        text = (STOPWORDS_DIR / name).read_text(encoding="utf-8")
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
    * ``search``: the comment contains this text, ignoring case (lowercased by the database on both
      sides), matched literally: ``%``, ``_``, quotes or markup are plain characters. ``None`` or
      ``""``: no condition.

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
        preds.append(f.comment.lower().contains(ibis.literal(search, type="string").lower()))
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


@cache
def _stop_table():
    """The stop words as an in-memory table (one column ``stop``), built once: an anti-join against
    it keeps the SQL short (a literal list of 600 words costs more to compile than the query runs)."""
    return ibis.memtable(pa.table({"stop": pa.array(stop_words(), type=pa.string())}))


def _long_enough(term):
    """Ibis predicate: ``term`` may be a word (long enough, not only digits); stop words are removed by
    an anti-join on ``_stop_table``."""
    return (term.length() >= MIN_WORD) & ~term.re_search("^[0-9]+$")


def _drop_stops(table, column: str):
    """``table`` without the rows whose ``column`` is a stop word."""
    stops = _stop_table().view()
    return table.anti_join(stops, table[column] == stops.stop)


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
    """``doc, side, kind, term`` — one row per occurrence of a word or phrase in ``docs`` (columns
    ``doc``, ``side``, ``text`` = the lowercased comment)."""
    letters, alnum = _classes(con)
    tokens = docs.select("doc", "side", term=docs.text.re_split(f"[^{alnum}]+").unnest())
    words = _drop_stops(tokens.filter(_long_enough(tokens.term)), "term")
    words = words.select("doc", "side", kind=ibis.literal("word"), term="term")

    # Phrases: two consecutive space-separated chunks, the first ending with a word, the second starting
    # with one (after an optional elided article): "<end of chunk a> <start of chunk b>" is in the text.
    # Whole matches only (group 0): extracting a sub-group makes RE2 several times slower.
    pairs = _chunk_pairs(docs, con)
    word_at_end = f"[{alnum}]+$"
    pairs = pairs.select("doc", "side", first=pairs.a.re_extract(word_at_end, 0),
                         second=pairs.b.re_extract(f"^([{letters}]+['’])?[{alnum}]+", 0))
    pairs = pairs.mutate(second_word=pairs.second.re_extract(word_at_end, 0))
    pairs = pairs.filter(_long_enough(pairs.first), _long_enough(pairs.second_word))
    pairs = _drop_stops(_drop_stops(pairs, "first"), "second_word")
    phrases = pairs.select("doc", "side", kind=ibis.literal("phrase"), term=pairs.first + " " + pairs.second)
    return words.union(phrases, distinct=False)


def _theme_expr(docs, con, top: int, min_count: int, z_min: float):
    """The top ``top`` terms per side by |z| (see the module docstring), from ``docs`` (``doc``,
    ``side`` in {"d", "p"}, ``text``): ``term, kind, side, detractor_count, promoter_count,
    detractor_comments, promoter_comments, z``."""
    occ = _terms(docs, con)
    per_doc = occ.group_by("doc", "side", "kind", "term").aggregate(n=occ.count())
    d, p = per_doc.side == "d", per_doc.side == "p"
    counts = per_doc.group_by("kind", "term").aggregate(
        detractor_count=per_doc.n.sum(where=d), promoter_count=per_doc.n.sum(where=p),
        detractor_comments=per_doc.count(where=d), promoter_comments=per_doc.count(where=p),
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
        "kind", "term",
        detractor_count=counts.detractor_count.fill_null(0), promoter_count=counts.promoter_count.fill_null(0),
        detractor_comments="detractor_comments", promoter_comments="promoter_comments", z=z,
    )
    kept = scored.filter(scored.detractor_comments + scored.promoter_comments >= min_count,
                         scored.z.notnull(), scored.z != 0, scored.z.abs() >= z_min)
    kept = kept.mutate(side=ibis.ifelse(kept.z > 0, "detractor", "promoter"))
    rank = ibis.row_number().over(group_by=kept.side, order_by=[kept.z.abs().desc(), kept.term, kept.kind])
    kept = kept.mutate(rank=rank)
    return kept.filter(kept.rank < top).select(*_THEME_COLUMNS)


def _theme_frame(docs, scope: Scope, top: int, min_count: int, z_min: float) -> pd.DataFrame:
    if top <= 0:
        return _frame([], _THEME_COLUMNS)
    rows = _rows(_theme_expr(docs, scope.db.ibis, top, min_count, z_min))
    rows.sort(key=lambda r: (r["side"] != "detractor", -abs(r["z"]), r["term"], r["kind"]))
    return _frame(rows, _THEME_COLUMNS)


def themes(db, filters: Filters | None = None, *, scope: Scope | None = None, stage: str | None = None,
           top: int = 15, min_count: int = 3, z_min: float = Z_MIN) -> pd.DataFrame:
    """The words and phrases that distinguish detractors' comments from promoters' (one stage, or
    every stage when ``stage`` is None); see the module docstring for the tokens and the score. On the scope's
    satisfaction measure: under CSAT (``analytics.measures``), the dissatisfied (1–2 of 5) play the detractors and
    the satisfied (4–5) the promoters; the frame keeps the names ``detractor``/``promoter``.

    Columns ``term, kind ("word" | "phrase"), side ("detractor" | "promoter"), detractor_count,
    promoter_count`` (occurrences), ``detractor_comments, promoter_comments`` (comments containing
    the term: what the score uses), ``z``. Only terms found in at least ``min_count`` detractor +
    promoter comments with |z| ≥ ``z_min`` (default ``Z_MIN``, 5 % two-sided; 0 ranks every term
    with z ≠ 0, which on small data shows the leading terms that are not yet significant); at most
    ``top`` per side. Detractor themes first (z descending), then promoter themes (z ascending);
    ties by term. ``verbatims(search=term)`` finds the comments of a term.
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
        return _theme_frame(docs, scope, top, min_count, z_min)

    return scope.cached(f"voice_themes:{m}:{stage!r}:{top}:{min_count}:{z_min}", compute).copy()


# ---------------------------------------------------------------------------------------------- why drop


def _nps_block(customers: int, responses: int, promoters: int, detractors: int) -> dict:
    score, low, high = stats.nps_with_interval(promoters, detractors, responses)
    return {"customers": customers, "responses": responses, "promoters": promoters,
            "passives": responses - promoters - detractors, "detractors": detractors, "nps": score,
            "ci_low": low, "ci_high": high, "value": score}


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
             top: int = 15, min_count: int = 3, z_min: float = Z_MIN) -> dict:
    """"Why did they drop?" for the step from ``stage`` to the next stage of the model.

    Among the customers whose furthest stage (highest stage order of their kept touchpoints, the
    ``furthest`` of ``Scope.journeys``) is ``stage`` or beyond, those who *stopped* there (furthest
    = ``stage``) against those who *went on* (furthest beyond it): the NPS of their responses
    recorded at ``stage`` (every response counts, a customer may give several; responses of
    customers without kept touchpoints are in neither group), its 95 % interval, the difference
    stopped − went on with its p-value (``nps_difference_test``), and the themes of their comments
    at ``stage`` (every kept comment of those customers there, whatever its score), ranked as in
    ``themes`` with *stopped* in the detractor role: ``side == "detractor"`` and ``detractor_*``
    columns are the stopped customers', ``"promoter"`` / ``promoter_*`` those who went on (``top``,
    ``min_count`` and ``z_min`` as in ``themes``).

    Returns ``{"stage", "next_stage", "measure", "stopped": {...}, "went_on": {...}, "diff", "z", "p_value",
    "themes"}``; each group: ``customers`` (in the group, with or without a response),
    ``responses, promoters, passives, detractors, nps, ci_low, ci_high`` and ``value`` (= ``nps``). Raises
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

        if "summary_rows" in scope.__dict__:  # the report's cached counts, when a page has them already
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
            agg = r.group_by("went_on").aggregate(
                responses=r.count(), promoters=r.count(where=r.nps >= 9), detractors=r.count(where=r.nps <= 6)
            )
            by = {bool(x["went_on"]): x for x in _rows(agg)}
            for key, went_on in (("stopped", False), ("went_on", True)):
                x = by.get(went_on) or {"responses": 0, "promoters": 0, "detractors": 0}
                blocks[key] = _nps_block(customers.get(went_on, 0), x["responses"], x["promoters"], x["detractors"])
            s, g = blocks["stopped"], blocks["went_on"]
            test = nps_difference_test(s["promoters"], s["detractors"], s["responses"],
                                       g["promoters"], g["detractors"], g["responses"])
        c = _commented(at)
        docs = c.select(doc="id", side=ibis.ifelse(c.went_on, "p", "d"), text=c.comment.lower())
        return {"stage": stage, "next_stage": next_stage, "measure": scope.measure, **blocks, "diff": test["diff"],
                "z": test["z"], "p_value": test["p_value"], "themes": _theme_frame(docs, scope, top, min_count, z_min)}

    result = scope.cached(f"voice_why_drop:{scope.measure}:{stage}:{top}:{min_count}:{z_min}", compute)
    return {**result, "stopped": dict(result["stopped"]), "went_on": dict(result["went_on"]),
            "themes": result["themes"].copy()}
