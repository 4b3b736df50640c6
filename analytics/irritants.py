"""Irritants and points of delight: which stage × channel cells make customers unhappy, and which to fix first.

Every figure reads the chosen satisfaction measure (``Scope.measure``, ``analytics.measures``): NPS (answers 0–10;
*happy* = promoters 9–10, *unhappy* = detractors 0–6) or CSAT (answers 1–5; happy = satisfied 4–5, unhappy =
dissatisfied 1–2). A *response* is a kept feedback row with an answer on that measure.

A *cell* is a stage of the model × a channel, as recorded on the feedback row; feedback without a
channel counts in its stage under "channel unknown" (``channel`` = ``None``). Customers, not answers, are the unit:
only cells where at least ``MIN_N`` distinct customers answered (``respondents``) are ranked, and the test below
counts a customer who answers many times once.

For each cell:

* ``customers`` — the customers it affects: those with a kept touchpoint at that stage on that
  channel, or a kept response there (for "channel unknown", the respondents only: which channel
  the others used is not known);
* ``respondents`` (distinct customers), ``responses``, ``happy``, ``unhappy``;
* ``value`` with its 95 % interval ``ci_low``/``ci_high``: NPS (``stats.nps_with_interval``) or the mean CSAT per
  answer with a customer-clustered interval (``stats.clustered_mean``); ``overall`` = the same over every kept
  response (the report's); ``gap`` = value − overall; ``unhappy_share`` and ``overall_unhappy_share``;
  ``nps``/``detractor_share`` (NPS) or ``mean_csat``/``dissatisfied_share`` (CSAT) repeat them under their own
  names (NaN under the other measure);
* ``drop_off`` — among the cell's customers who have kept touchpoints, the share whose furthest
  stage is this one (their journey stopped here); undefined (NaN) at the last stage of the model;
* churn of the cell's *unhappy* respondents vs its other respondents: each respondent of the cell is classed
  by their latest response there; rates among those whose churn status is known, NaN under ``MIN_N`` of them (the
  counts ``unhappy_churn_n``/``other_churn_n`` are always given);
* ``p_value`` — the cell against every other kept response (``stats.clustered_cell_test``: the regression of the
  answer's score on "in the cell" with a variance clustered by customer; the score is +1/0/−1 for NPS, "dissatisfied"
  1/0 for CSAT), ``q_value`` — Benjamini–Hochberg across the ranked cells;
* ``kind`` — ``irritant`` when q < 0.05 and the cell is worse than the rest (lower NPS, more dissatisfied),
  ``delight`` when q < 0.05 and better, else ``neutral``: only significant cells are called irritants or delights;
* ``excess`` — the points by which the cell is worse than every other response (the clustered test's difference:
  NPS, rest − cell in NPS points; CSAT, cell − rest in points of dissatisfied share), ``excess_se`` its standard
  error (|difference / z|);
* ``shrunk_excess`` — normal–normal empirical Bayes: ``excess × τ² / (τ² + se²)``, τ² (``tau2``, the same on every
  row) estimated by DerSimonian–Laird across the ranked cells (``stats.dersimonian_laird``), so that a noisy
  30-customer cell does not outrank a solid 400-customer one by chance;
* ``score`` = customers × ``shrunk_excess`` — the priority; when τ² = 0 (the cells differ no more than their noise)
  there is nothing to shrink with and ``score`` = ``raw_score`` = customers × ``excess`` (the page says so);
  ``overall_score`` = customers × the points below the overall figure (NPS: overall − cell; CSAT: 100 × (cell −
  overall dissatisfied share)), the figure sentences compare with. Larger = a worse irritant; a delight's score is
  negative. The classification (irritant, delight, neutral) stays by q.

Ranking: irritants by score, worst first; then neutral cells by score; then delights, best
first (most negative score first). Ties: responses, then stage order, then channel (unknown last).
"""

import ibis
import pandas as pd

from analytics import stats
from analytics.filters import Filters
from analytics.measures import bounds
from analytics.metrics import Scope, _rows, scope_for

__all__ = ["COLUMNS", "KINDS", "SIGNIFICANCE", "cell_customers", "irritants", "overall_nps", "ranked_records"]

SIGNIFICANCE = 0.05
KINDS = ("irritant", "neutral", "delight")

COLUMNS = {
    "rank": "int", "stage": "str", "position": "int", "channel": "str", "measure": "str", "customers": "int",
    "respondents": "int", "responses": "int", "happy": "int", "unhappy": "int", "value": "float",
    "ci_low": "float", "ci_high": "float", "overall": "float", "gap": "float", "unhappy_share": "float",
    "overall_unhappy_share": "float", "nps": "float", "detractor_share": "float", "mean_csat": "float",
    "dissatisfied_share": "float", "drop_off": "float", "unhappy_churn": "float", "unhappy_churn_n": "int",
    "other_churn": "float", "other_churn_n": "int", "p_value": "float", "q_value": "float", "kind": "str",
    "excess": "float", "excess_se": "float", "tau2": "float", "shrunk_excess": "float", "raw_score": "float",
    "overall_score": "float", "score": "float",
}

#: The fields of the command line's JSON, in order: ``value`` is the measure's (NPS or mean CSAT), ``nps`` and
#: ``detractor_share`` are null under CSAT, ``dissatisfied_share`` null under NPS.
CLI_FIELDS = ("stage", "channel", "measure", "customers", "respondents", "responses", "value", "ci_low", "ci_high",
              "nps", "detractor_share", "dissatisfied_share", "p_value", "q_value", "kind", "excess", "shrunk_excess",
              "raw_score", "score")


def _frame(rows: list[dict]) -> pd.DataFrame:
    dtypes = {"int": "int64", "float": "float64", "str": "object"}
    data = {c: pd.Series([r[c] for r in rows], dtype=dtypes[t]) for c, t in COLUMNS.items()}
    return pd.DataFrame(data, columns=list(COLUMNS))


def _cell_key(stage: str, channel: str | None) -> tuple[str, str]:
    """A dict key for a cell (NULL channel → "", which no channel code is: the importer refuses empty codes)."""
    return stage, channel if channel is not None else ""


def cell_customers(scope: Scope) -> list[dict]:
    """Customers per (stage order, channel) cell, one query shared with the journey map:

    * ``customers``: with a kept touchpoint at that stage on that channel, or a kept response there
      (``channel`` NULL: responses without a channel);
    * ``touched``: those with a kept touchpoint there (the journey map's channel lane);
    * ``with_journey``: those with any kept touchpoint, and ``stopped``: those whose furthest stage is
      this one.

    The touchpoints are reduced to one row per (customer, stage, channel) before anything else (at 1M
    customers, 10M touchpoints become about 6M rows).
    """
    def compute():
        t = scope.touchpoints
        # the channel number (``Scope.channel_numbers``), not its text: grouping 10M rows by it is 2.4x faster
        touched = t.group_by("ckey", "position", "chn").aggregate()
        touched = touched.select("ckey", "position", "chn", src=ibis.literal(1, "int8"))
        furthest = scope.furthest.select(fkey="ckey", furthest="furthest")
        f = scope.feedback
        r = f.filter(f[scope.measure].notnull())
        st = scope.db.ibis.table("stages").select(stage_code="code", stage_position="position")
        numbers = scope.channel_numbers
        r = r.join(st, r.stage == st.stage_code).left_join(numbers, r.channel == numbers.code)
        answered = r.select(ckey=r[scope.key], position=r.stage_position, chn=r.chn,  # NULL: channel unknown
                            src=ibis.literal(0, "int8")).distinct()
        both = ibis.union(touched, answered, distinct=False)
        cells = both.group_by("ckey", "position", "chn").aggregate(touched=both.src.max())
        x = cells.left_join(furthest, cells.ckey == furthest.fkey)
        rows = _rows(x.group_by("position", "chn").aggregate(
            customers=x.count(),
            touched=x.count(where=x.touched == 1),
            with_journey=x.count(where=x.furthest.notnull()),
            stopped=x.count(where=x.furthest == x.position),
        ))
        codes = scope.channel_codes()
        for r in rows:
            chn = r.pop("chn")
            r["channel"] = codes[chn] if chn is not None else None
        return rows

    return scope.cached("_cell_customers", compute)


def _answers(scope: Scope):
    """The kept responses on the scope's measure: ``cid``, ``stage``, ``channel``, ``timestamp``, ``id``, ``y`` (the
    tested score: +1/0/−1 for NPS, 1 when dissatisfied for CSAT), ``happy``/``unhappy`` (1 or 0) and ``score`` (the
    answer)."""
    f = scope.feedback
    m = scope.measure
    r = f.filter(f[m].notnull())
    score = r[m].cast("int64")
    worst, _, best = bounds(m)
    # CASE, not a boolean cast: PostgreSQL casts a boolean to integer but not to bigint
    happy = ibis.ifelse(score >= best, 1, 0).cast("int64")
    unhappy = ibis.ifelse(score <= worst, 1, 0).cast("int64")
    y = unhappy if m == "csat" else happy - unhappy
    return r.select(cid=r[scope.key], stage=r.stage, channel=r.channel, timestamp=r.timestamp, id=r.id, y=y,
                    happy=happy, unhappy=unhappy, score=score)


def _cell_sums(scope: Scope) -> tuple[list[dict], dict]:
    """Per (feedback stage, channel) cell: ``respondents``, ``responses``, ``happy``, ``unhappy``, ``s`` (Σy), the
    CSAT sums of ``stats.clustered_mean`` and the sums of ``stats.clustered_cell_test`` (``stats.CELL_SUMS``); and
    the same test's sums over every response. Two small queries, nothing per customer comes back."""
    def compute():
        a = _answers(scope)
        per = a.group_by("cid").aggregate(t=a.y.sum().cast("float64"), m=a.count().cast("float64"))
        everyone = _rows(per.aggregate(n=per.m.sum(), s=per.t.sum(), g=per.count(), tt=(per.t * per.t).sum(),
                                       tm=(per.t * per.m).sum(), mm=(per.m * per.m).sum()))[0]
        cell = a.group_by("stage", "channel", "cid").aggregate(
            s1=a.y.sum().cast("float64"), m1=a.count().cast("float64"), happy=a.happy.sum(), unhappy=a.unhappy.sum(),
            c=a.score.sum().cast("float64"))
        per = per.select(pid="cid", t="t", m="m")
        j = cell.join(per, cell.cid == per.pid)
        rows = _rows(j.group_by("stage", "channel").aggregate(
            respondents=j.count(), responses=j.m1.sum(), happy=j.happy.sum(), unhappy=j.unhappy.sum(),
            s=j.s1.sum(), total=j.c.sum(), c_sq=(j.c * j.c).sum(), c_cross=(j.c * j.m1).sum(),
            s1s1=(j.s1 * j.s1).sum(), s1m1=(j.s1 * j.m1).sum(), m1m1=(j.m1 * j.m1).sum(), s1t=(j.s1 * j.t).sum(),
            s1m=(j.s1 * j.m).sum(), m1t=(j.m1 * j.t).sum(), m1m=(j.m1 * j.m).sum(), tt=(j.t * j.t).sum(),
            tm=(j.t * j.m).sum(), mm=(j.m * j.m).sum()))
        for r in rows:
            r["n"], r["g"] = int(r["responses"]), r["respondents"]
            r["responses"] = r["n"]
            r["happy"], r["unhappy"] = int(r["happy"]), int(r["unhappy"])
        return rows, {k: (v or 0) for k, v in everyone.items()}
    return scope.cached(f"_irritant_sums_{scope.measure}", compute)


def _churn_rows(scope: Scope) -> list[dict]:
    """Respondents per (stage, channel, unhappy by their latest response there) whose churn status is
    known, and how many of them churned."""
    def compute():
        r = _answers(scope)
        w = ibis.window(group_by=[r.cid, r.stage, r.channel], order_by=[r.timestamp.desc(), r.id.desc()])
        latest = r.select("cid", "stage", "channel", "unhappy", rn=ibis.row_number().over(w))
        latest = latest.filter(latest.rn == 0)
        c = scope.db.ibis.table("customers")
        c = c.select(ck=c[scope.key], churned=c.churned)
        c = c.filter(c.churned.notnull())
        x = latest.join(c, latest.cid == c.ck)
        return _rows(x.group_by("stage", "channel", unhappy=x.unhappy == 1).aggregate(
            n=x.count(), churned=x.count(where=x.churned)))
    return scope.cached(f"_irritants_churn_{scope.measure}", compute)


def overall_nps(db, filters: Filters | None = None, *, scope: Scope | None = None) -> dict:
    """The figure every cell is compared with, on the scope's measure: all kept responses (the report's ``nps`` or
    ``csat``, one small query). ``{"measure", "absent", "responses", "respondents", "value", "ci_low", "ci_high",
    "unhappy_share"}`` (``absent``: the measure asked for that the data does not hold), and under NPS ``nps`` (=
    ``value``)."""
    scope = scope_for(db, filters, scope)
    choice = scope.measure_choice
    if choice.measure == "csat":
        c = scope.csat()
        return {"measure": "csat", "absent": choice.absent, "responses": c["responses"],
                "respondents": c["customers"], "value": c["mean"], "ci_low": c["ci_low"], "ci_high": c["ci_high"],
                "unhappy_share": c["dissatisfied_share"], "nps": None}
    n = scope.nps()
    counts = scope.nps_counts()
    f = scope.feedback
    respondents = scope.cached("_nps_respondents", lambda: _rows(
        f.aggregate(g=f[scope.key].nunique(where=f.nps.notnull())))[0]["g"])
    return {"measure": "nps", "absent": choice.absent, "responses": n["responses"], "respondents": int(respondents),
            "value": n["nps"], "ci_low": n["ci_low"], "ci_high": n["ci_high"],
            "unhappy_share": stats.share(counts["detractors"], counts["n"]), "nps": n["nps"]}


def _sort_key(row: dict) -> tuple:
    order = KINDS.index(row["kind"])
    # irritants and neutral cells: largest score first; delights: most negative score first
    score = -row["score"] if row["kind"] != "delight" else row["score"]
    return order, score, -row["responses"], row["position"], row["channel"] is None, row["channel"] or ""


def irritants(db, filters: Filters | None = None, *, scope: Scope | None = None,
              min_n: int = stats.MIN_N) -> pd.DataFrame:
    """Every stage × channel cell where at least ``min_n`` customers answered, ranked (see the module docstring).

    Columns: ``COLUMNS``; ``channel`` is ``None`` for "channel unknown"; rates and statistics that are undefined
    are NaN. Three small queries (answers per cell, customers per cell, churn), and the overall figure's.
    """
    scope = scope_for(db, filters, scope)
    measure = scope.measure
    overall = overall_nps(db, scope=scope)
    position = {s.code: s.position for s in scope.stages}
    last = max(position.values(), default=None)
    sums, everyone = _cell_sums(scope)
    cells = [r for r in sums if r["stage"] in position and r["respondents"] >= min_n]
    if not cells:
        return _frame([])
    code_of = {s.position: s.code for s in scope.stages}
    volume = {_cell_key(code_of[v["position"]], v["channel"]): v for v in cell_customers(scope)
              if v["position"] in code_of}
    churn: dict[tuple, dict] = {}
    for c in _churn_rows(scope):
        churn.setdefault(_cell_key(c["stage"], c["channel"]), {})[bool(c["unhappy"])] = c

    rows = []
    for c in cells:
        key = _cell_key(c["stage"], c["channel"])
        n, happy, unhappy = c["responses"], c["happy"], c["unhappy"]
        if measure == "csat":
            value, low, high = stats.clustered_mean(n, c["respondents"], c["total"], c["c_sq"], c["c_cross"],
                                                    c["m1m1"])
            worse = 100 * ((stats.share(unhappy, n) or 0) - (overall["unhappy_share"] or 0))
        else:
            value, low, high = stats.nps_with_interval(happy, unhappy, n,
                                                       (c["respondents"], c["s1s1"], c["s1m1"], c["m1m1"]))
            worse = overall["value"] - value
        test = stats.clustered_cell_test(c, everyone)
        v = volume.get(key, {"customers": 0, "with_journey": 0, "stopped": 0})
        ch = churn.get(key, {})
        unh = ch.get(True, {"n": 0, "churned": 0})
        oth = ch.get(False, {"n": 0, "churned": 0})
        pos = position[c["stage"]]
        unhappy_share = stats.share(unhappy, n)
        rows.append({
            "stage": c["stage"], "position": pos, "channel": c["channel"], "measure": measure,
            "customers": v["customers"], "respondents": c["respondents"], "responses": n, "happy": happy,
            "unhappy": unhappy, "value": value, "ci_low": low, "ci_high": high, "overall": overall["value"],
            "gap": value - overall["value"], "unhappy_share": unhappy_share,
            "overall_unhappy_share": overall["unhappy_share"],
            "nps": value if measure == "nps" else None, "detractor_share": unhappy_share if measure == "nps" else None,
            "mean_csat": value if measure == "csat" else None,
            "dissatisfied_share": unhappy_share if measure == "csat" else None,
            "drop_off": stats.share(v["stopped"], v["with_journey"]) if pos != last else None,
            # a churn rate of fewer than MIN_N customers is not given ("75 % churn" from 4 detractors): the count is
            "unhappy_churn": stats.share(unh["churned"], unh["n"]) if unh["n"] >= stats.MIN_N else None,
            "unhappy_churn_n": unh["n"],
            "other_churn": stats.share(oth["churned"], oth["n"]) if oth["n"] >= stats.MIN_N else None,
            "other_churn_n": oth["n"],
            "p_value": test["p_value"], "diff_rest": test["diff"],
            # points worse than the other responses (NPS points below them; points of dissatisfied share above
            # them) and its standard error, from the clustered test: what the priority is shrunk on
            "excess": None if test["diff"] is None else (100 if measure == "csat" else -100) * test["diff"],
            "excess_se": (100 * abs(test["diff"] / test["z"]) if test["z"] not in (None, 0) else None),
            "overall_score": v["customers"] * worse,
        })
    tau2 = stats.dersimonian_laird([r["excess"] for r in rows], [r["excess_se"] for r in rows])
    for row, q in zip(rows, stats.benjamini_hochberg([r["p_value"] for r in rows]), strict=True):
        row["q_value"] = q
        diff = row.pop("diff_rest")  # the cell's score − the other responses' (None: nothing to compare with)
        significant = q is not None and q < SIGNIFICANCE and diff is not None and diff != 0
        # NPS: a lower score is worse; CSAT: the tested score is "dissatisfied", a higher one is worse
        worse_than_rest = significant and (diff > 0 if measure == "csat" else diff < 0)
        row["kind"] = "irritant" if worse_than_rest else "delight" if significant else "neutral"
        row["tau2"] = tau2
        row["shrunk_excess"] = stats.shrunk(row["excess"], row["excess_se"], tau2)
        row["raw_score"] = row["customers"] * (row["excess"] or 0.0)
        # τ² = 0 (the cells differ no more than their noise): no shrinkage to estimate, the raw gap ranks
        row["score"] = row["customers"] * (row["shrunk_excess"] or 0.0) if tau2 > 0 else row["raw_score"]
    rows.sort(key=_sort_key)
    for i, row in enumerate(rows, start=1):
        row["rank"] = i
    return _frame(rows)


def ranked_records(df: pd.DataFrame) -> list[dict]:
    """The ranked cells as JSON-ready dicts with the command line's fields (NaN → None)."""
    out = []
    for row in df.to_dict("records"):
        item = {}
        for k in CLI_FIELDS:
            v = row[k]
            if isinstance(v, float) and v != v:
                v = None
            elif COLUMNS[k] == "int":
                v = int(v)
            item[k] = v
        out.append(item)
    return out
