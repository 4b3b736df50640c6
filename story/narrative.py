"""The meeting-room story: a fixed sequence of views, each with its main finding in one sentence with numbers.

The same views feed the app's presentation mode (one view at a time, each from cached queries) and the PowerPoint
deck (``story.deck``, every view). A view names its chart as ``(builder, args, kwargs)`` of a ``charts``
function rather than building it, so that this module stays free of the chart layer and the app can cache the
spec. Texts come from the ``i18n`` catalogue in the requested language.

``q(metric, **options)`` runs a metric of ``analytics.queries.METRICS`` for the story's filters (``queries.runner``
on the command line, the cached ``ui.data.query`` in the app).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from analytics import channels, explain, funnel, irritants, journey_map, overview, satisfaction
from analytics.dimensions import Dimensions
from analytics.filters import DIMENSIONS, Filters, dimension
from analytics.stats import MIN_N
from data_model.text import slug
from i18n import Texts, missing

STORY = ("overview", "funnel", "crossover", "satisfaction", "journey_map", "irritants", "changes", "next_steps")
"""The views, in the order they are shown."""

Query = Callable[..., object]


@dataclass(frozen=True)
class View:
    key: str
    title: str
    caption: str
    """The view's main finding: one sentence, with its numbers."""
    chart: tuple[str, tuple, dict] | None = None
    """``(builder, args, kwargs)``: ``getattr(charts, builder)(*args, **kwargs)`` draws the view's chart."""
    kpis: tuple[tuple[str, str, int | None], ...] = ()
    """(label, value, n) cards (the overview)."""
    bullets: tuple[str, ...] = ()
    """Sentences to list (the next steps)."""
    table: pd.DataFrame | None = field(default=None, compare=False)
    """The analytic frame behind the chart, for a CSV/XLSX download."""


def labels(dims: Dimensions, tx: Texts) -> dict[str, str]:
    """Stage labels in the language, channel labels, and "—" for an unknown channel."""
    stages = {s.code: (s.label_en if tx.lang == "en" else s.label_fr) for s in dims.stages}
    return {**stages, **{c.code: c.label for c in dims.channels}, "—": tx.t("satisfaction.unknown")}


def describe_filters(filters: Filters, dims: Dimensions, customers: int | None, tx: Texts) -> str:
    """The cohort in words, then how many, then the lenses: "Clients arrivés entre le 1 janv. 2025 et le 31 mars 2025,
    par Site web ou Appli, suivis jusqu'au 27 déc. 2025 : 1 203" / "Customers who first came between Jan 1, 2025 and
    Mar 31, 2025, through Web or App, followed until Dec 27, 2025: 1,203", and " — lens: …" when one is on.

    The dimensions read as ``DIMENSIONS`` declares them (``describe.<name>``); "followed until" is ``as_of``, the
    data's last touchpoint (``dims.last_day``)."""
    names = {c.code: c.label for c in dims.channels}

    def listed(d, values) -> str:
        shown = [names.get(v, v) for v in values] if d.column is None else list(values)
        if len(shown) > 3:
            return tx.t(f"describe.n_{d.name}s", n=len(shown))
        return ", ".join(shown[:-1]) + tx.t("describe.or") + shown[-1] if len(shown) > 1 else shown[0]

    def window(prefix: str) -> str:
        start, end = filters.start, filters.end
        if start and end:
            return tx.t(f"{prefix}_between", start=tx.day(start), end=tx.day(end))
        return tx.t(f"{prefix}_from", start=tx.day(start)) if start else tx.t(f"{prefix}_until", end=tx.day(end))

    clauses = []
    for d in DIMENSIONS:
        values = filters.values(d)
        if d.column and values:  # "du persona Famille", "des régions SP ou RJ", "de 4 personas"
            key = d.sentence_key + ("_many" if len(values) > 1 else "")
            clauses.append(listed(d, values) if len(values) > 3 else tx.t(key, values=listed(d, values)))
    by_period = filters.has_period and filters.period_mode == "cohort"
    if by_period:
        clauses.append(window("describe.came"))
    channel = dimension("channel")
    if filters.channels and filters.channel_mode == "used":
        clauses.append(tx.t(channel.sentence_key, values=listed(channel, filters.channels)))
    elif filters.channels and filters.channel_mode == "entered":
        key = "describe.channel_entered_then" if by_period else "describe.channel_entered"
        clauses.append(tx.t(key, values=listed(channel, filters.channels)))
    subject = tx.t("describe.some") if clauses else tx.t("describe.all")
    text = f"{subject} {', '.join(clauses)}" if clauses else subject
    if dims.last_day is not None:
        text += ", " + tx.t("describe.followed", as_of=tx.day(dims.last_day))
        if dims.window_days is not None:
            text += " " + tx.t("describe.within", days=tx.number(dims.window_days))
    if customers is not None:
        text = tx.t("describe.count", text=text, n=tx.number(customers))
    lenses = []
    if filters.channel_lens:
        lenses.append(tx.t("describe.lens_channels", values=listed(channel, filters.channels)))
    if filters.period_lens:
        lenses.append(window("describe.lens"))
    return " — ".join([text, *lenses])


def deck_file_name(filters: Filters, dims: Dimensions, lang: str) -> str:
    """``parcours_<filters>_<start>_<end>_<lang>.pptx``: two decks of two meetings never share a name. Safe characters
    only (slugs of the chosen values, ``-`` between them) and at most 80 characters: long filter lists are cut, with
    a short hash of them all so that two cut lists still differ."""
    chosen = [*filters.personas, *filters.segments, *filters.regions, *filters.channels]
    what = "-".join(s for s in (slug(v) for v in chosen) if s) or ("all" if lang == "en" else "tous")
    start, end = filters.start or dims.first_day, filters.end or dims.last_day
    tail = f"_{start or 'debut'}_{end or 'fin'}_{lang}.pptx"
    room = 80 - len("parcours_") - len(tail)
    if len(what) > room:
        digest = hashlib.sha256("\x1f".join(chosen).encode("utf-8")).hexdigest()[:6]
        what = what[:room - 7].rstrip("-_") + "-" + digest
    return f"parcours_{what}{tail}"


def footer(filters: Filters, dims: Dimensions, customers: int, tx: Texts) -> str:
    """What every view says at its foot: the filters, the data's date range and n."""
    return tx.t("story.footer", filters=describe_filters(filters, dims, None, tx), first=tx.day(dims.first_day),
                last=tx.day(dims.last_day), n=tx.number(customers))


def irritant_reason(row, tx: Texts, compared: int | None = None) -> str:
    """Why an irritant ranks where it does, in words: its figure against the overall one, then customers × the points
    it is worse than the other answers (shrunk, ``analytics.irritants``: the raw gap said beside it) = the priority
    score; the test. With ``compared`` (the number of cells
    ranked), the plain words of an executive slide — "clearly below the rest (after allowing for the 14 cells
    compared)" — instead of the q-value, which stays on the analysis pages."""
    if compared is not None:
        test = tx.t(f"irritants.plain.{row['kind']}", n=tx.number(compared))
    else:
        test = tx.t("irritants.test_significant" if row["kind"] != "neutral" else "irritants.test_not",
                    q=tx.p_value(row["q_value"]))
    score = ("+" if row["score"] > 0 else "") + tx.number(row["score"])
    excess = row.get("excess")
    if excess is None or excess != excess:  # no test (nothing to compare with): no gap against the rest
        excess = 0.0
    shrunk = row.get("tau2") and row["tau2"] > 0  # the priority's gap is shrunk (τ² > 0), else the raw gap ranks
    points = row["shrunk_excess"] if shrunk else excess
    raw = tx.t("irritants.shrunk_from", raw=tx.number(abs(excess))) if shrunk else ""
    if row.get("measure") == "csat":
        return tx.t("irritants.reason_csat", customers=tx.number(row["customers"]), points=tx.number(abs(points)),
                    where=tx.t("irritants.more") if points >= 0 else tx.t("irritants.fewer"),
                    share=tx.percent(row["unhappy_share"]), overall=tx.percent(row["overall_unhappy_share"]),
                    raw=raw, score=score, test=test)
    return tx.t("irritants.reason", customers=tx.number(row["customers"]), points=tx.number(abs(points)),
                where=tx.t("irritants.below") if points >= 0 else tx.t("irritants.above"),
                nps=tx.decimal(row["value"], "+.0f"), overall=tx.decimal(row["overall"], "+.0f"), raw=raw,
                score=score, test=test)


def cell_value(row, tx: Texts, overall: bool = False) -> str:
    """A cell's figure on its measure, in words: "NPS −33", or "41 % dissatisfied (CSAT 2.4)" (what CSAT irritants
    are tested on first); with ``overall``, the overall figure it is compared with."""
    if row.get("measure") == "csat":
        share = row["overall_unhappy_share"] if overall else row["unhappy_share"]
        mean = row["overall"] if overall else row["value"]
        return tx.t("story.value.csat", share=tx.percent(share), mean=tx.decimal(mean, ".1f"))
    return tx.t("story.value.nps", value=_nps(row["overall"] if overall else row["value"]))


def map_titles(tx: Texts, measure: str, **extra) -> dict[str, str]:
    """The journey map chart's texts in the reader's language: its lanes' titles (the emotion, pain and delight lanes
    on the satisfaction ``measure``), its marks' words, and ``extra``."""
    lanes = ("customers", "channels", "emotion", "pains", "delights", "churn")
    on_measure = ("emotion", "pains", "delights")
    return tx.chart_titles(**{f"lane_{k}": tx.t(f"map.lane_{k}" + (".csat" if measure == "csat" and k in on_measure
                                                                     else "")) for k in lanes},
                           stop=tx.t("map.stop"), detractors_short=tx.t("map.detractors_short"),
                           dissatisfied_short=tx.t("map.dissatisfied_short"), none=tx.t("map.none_significant"),
                           **extra)


def cell_name(row, names: dict[str, str]) -> str:
    return f"{names.get(row['stage'], row['stage'])} · {names.get(row['channel'] or '—', row['channel'])}"


def view(key: str, q: Query, filters: Filters, dims: Dimensions, tx: Texts) -> View:
    """One view of the story (``key`` in ``STORY``) for the filters, in the language of ``tx``."""
    return _BUILDERS[key](q, filters, dims, tx)


def views(q: Query, filters: Filters, dims: Dimensions, tx: Texts) -> list[View]:
    return [view(k, q, filters, dims, tx) for k in STORY]


def _nps(value) -> str:
    return "—" if missing(value) else f"{value:+.0f}"


def trend_sentence(trend: pd.DataFrame, tx: Texts) -> str:
    """The last complete month resting on at least ``MIN_N`` respondents, with its interval ('' when there is none):
    ``satisfaction_trend``'s flags, so a month not over or too thin is never the one quoted."""
    done = trend[trend["sufficient"] & ~trend["partial"]]
    if done.empty:
        return ""
    last = done.iloc[-1]
    measure = last["measure"]

    def fmt(v):
        return _nps(v) if measure == "nps" else tx.decimal(v, ".1f")

    return tx.t(f"story.satisfaction.trend.{measure}", month=tx.month(last["period_start"]), value=fmt(last["value"]),
                low=fmt(last["ci_low"]), high=fmt(last["ci_high"]), n=tx.number(int(last["respondents"])))


def _overview(q, filters, dims, tx) -> View:
    k = q(overview.kpis)
    cur, feeling = k["current"], k["satisfaction"]
    enough = cur["respondents"] >= MIN_N  # distinct customers, not answers
    # a card has room for the figure alone (a slide, a 1440 px screen); the caption gives the respondents
    nps = _nps(cur["nps"]) if cur["nps"] is not None and enough else tx.t("insufficient", n=MIN_N)
    csat = feeling["measure"] == "csat"
    if csat:  # star ratings: the mean CSAT of 30 customers or more
        enough = feeling["customers"] >= MIN_N
        nps = (f"{tx.decimal(feeling['csat'], '.1f')}/5" if enough and feeling["csat"] is not None
               else tx.t("insufficient", n=MIN_N))
    too_early = cur["customers"] >= MIN_N and not cur["conversion_shown"]  # < 30 followed to the window's end
    few = tx.t("insufficient", n=MIN_N)  # below MIN_N a rate is not given, in a sentence or on a card
    kpis = ((tx.t("kpi.customers"), tx.number(cur["customers"]), None),
            (tx.t("kpi.conversion"), tx.t("kpi.too_early", k=tx.number(cur["in_progress"]),
                                          n=tx.number(cur["customers"])) if too_early
             else tx.percent(cur["conversion_rate"]) if cur["customers"] >= MIN_N else few, cur["customers"]),
            (tx.t("kpi.csat") if csat else tx.t("kpi.nps"), nps, feeling["customers"] if csat else cur["respondents"]),
            (tx.t("kpi.churn_dates", days=cur["churn_days"]) if cur["churn_basis"] == "dates" else tx.t("kpi.churn"),
             tx.percent(cur["churn_rate"]) if cur["churn_known"] >= MIN_N else few, cur["churn_known"]))
    # under the channel lens, no kept deal: "not observed on these channels", never "— reach the conversion stage"
    conversion = (tx.percent(cur["conversion_rate"]) if cur["conversion_rate"] is not None or not cur["customers"]
                  else tx.t("kpi.conversion_not_observed"))
    if too_early:
        conversion = tx.t("kpi.too_early", k=tx.number(cur["in_progress"]), n=tx.number(cur["customers"]))
    if cur["customers"] < MIN_N:  # "too few customers (6) to say": no percentage of them
        caption = tx.t("story.too_few", n=tx.number(cur["customers"]), min=MIN_N)
    else:
        churn = (few if cur["churn_known"] < MIN_N
                 else tx.t("kpi.churn_within", rate=tx.percent(cur["churn_rate"]), days=cur["churn_days"])
                 if cur["churn_basis"] == "dates" else tx.percent(cur["churn_rate"]))
        caption = tx.t("story.overview.caption_csat" if csat else "story.overview.caption",
                       customers=tx.number(cur["customers"]), conversion=conversion,
                       nps=(nps if csat else _nps(cur["nps"])) if enough else few,
                       responses=tx.number(feeling["customers"] if csat else cur["respondents"]), churn=churn)
    trend = q(overview.kpi_trend, grain="month")
    chart = ("kpi_trend_chart", (trend, "customers"), {"titles": tx.chart_titles(title=tx.t("story.overview.trend"))})
    return View("overview", tx.t("page.overview"), caption, chart, kpis=kpis, table=trend)


def weakest_step_sentence(worst: dict | None, names: dict[str, str], tx: Texts, not_ranked=()) -> str:
    """The weakest step (``analytics.overview.weakest_step``) in one sentence, the same on every page and view, then
    one sentence per step left out of the ranking because its later stage is mostly skipped (``not_ranked``: the
    headline's, ``analytics.overview.unranked_steps``), naming what was seen there."""
    skipped = [tx.t("finding.not_ranked", skipped=tx.percent(r["skipped_share"]), stage=names[r["to_stage"]],
                    src=names[r["from_stage"]], observed=tx.percent(r["observed_share"])) for r in not_ranked]
    if not worst:
        return " ".join([tx.t("finding.no_ranked_step" if skipped else "story.funnel.none"), *skipped])
    first = tx.t("finding.weakest_step", src=names[worst["from_stage"]], dst=names[worst["to_stage"]],
                 rate=tx.percent(worst["rate"]), lost=tx.percent(1 - worst["rate"]), n=tx.number(worst["customers"]))
    return " ".join([first, *skipped])


def headline_sentence(h: dict, names: dict[str, str], tx: Texts) -> str:
    """``weakest_step_sentence`` of a headline (``analytics.overview.headline``)."""
    return weakest_step_sentence(h["worst_step"], names, tx, h.get("not_ranked", ()))


def change_sentence(result: dict, names: dict[str, str], tx: Texts) -> str:
    """A change split into mix and rate (``analytics.explain``, status ``ok``) in a few sentences: the change and
    whether it is real (a real conversion change also in conversions a month and their worth), the largest
    significant group contribution (with its share of the change when it
    pushes the same way), and what happened within groups. ``names``: group value → text."""
    metric = result["metric"]
    kpi = tx.t(f"changes.the.{metric}")
    digits = 2 if metric == "csat" else 1

    def value(v, signed=False):
        return tx.figure(v, digits, signed=signed)

    change = result["change"]
    sentences = [tx.t("finding.change.head", kpi=kpi[:1].upper() + kpi[1:], before=value(result["before"]["value"]),
                      after=value(result["after"]["value"]), delta=value(change["value"], signed=True),
                      verdict=tx.t("finding.change.significant" if change["significant"] else "finding.change.chance"))]
    units = result.get("in_units")
    if units and change["significant"]:  # in what an executive counts; a change within chance is not counted
        n = tx.figure(units["conversions_per_month"], 0, signed=True)
        sentences.append(tx.t("finding.change.units", n=n) if units["revenue_per_month"] is None else
                         tx.t("finding.change.units_money", n=n, money=tx.money(abs(units["revenue_per_month"]))))
    top = result.get("largest")
    if top is None:
        sentences.append(tx.t("finding.change.none"))
    else:
        group = change_group(top, names, tx)
        share = top["share_of_change"]
        with_share = share is not None and 0 < share <= 1.5
        row = next(g for g in result["groups"] if g["group"] == top["group"] and g["others"] == top["others"])
        if top["part"] == "mix":
            grew = row["after"]["share"] > row["before"]["share"]
            # mix = Δshare × (group's mean value − overall mean): its sign with the share's gives the side
            above = (top["value"] > 0) == grew
            words = {"more": tx.t("finding.change.more" if grew else "finding.change.fewer"),
                     "side": tx.t("finding.change.above" if above else "finding.change.below")}
        else:
            words = {"moved": tx.t("finding.change.rose" if top["value"] > 0 else "finding.change.fell")}
        key = f"finding.change.{top['part']}" + ("" if with_share else "_value")
        sentences.append(tx.t(key, share=tx.percent(share) if with_share else "", group=group, kpi=kpi,
                              value=value(top["value"], signed=True), **words))
    rate = result["rate"]
    if rate["significant"]:
        sentences.append(tx.t("finding.change.within_moved", kpi=kpi, value=value(abs(rate["value"])),
                              moved=tx.t("finding.change.rose" if rate["value"] > 0 else "finding.change.fell")))
    else:
        sentences.append(tx.t("finding.change.within_held", kpi=kpi))
    return " ".join(sentences)


def change_group(row: dict, names: dict[str, str], tx: Texts) -> str:
    """A group of a change's split (``analytics.explain``: ``group``, ``others``) as the reader names it."""
    if row["others"]:
        return tx.t("finding.change.others")
    return tx.t("finding.change.unset") if row["group"] is None else names.get(row["group"], row["group"])


def change_cohorts(result: dict, tx: Texts) -> str:
    """The two cohorts a change's split compares (``analytics.explain``, status ``ok``), with their customers and
    how long each customer is followed."""
    (b0, b1), (a0, a1) = ([pd.Timestamp(d).date() for d in result["periods"][k]] for k in ("before", "after"))
    window = result["window_days"]
    return tx.t("changes.cohorts", start=tx.day(a0), end=tx.day(a1), n=tx.number(result["after"]["customers"]),
                pstart=tx.day(b0), pend=tx.day(b1), pn=tx.number(result["before"]["customers"]),
                window=tx.t("changes.window_days", days=window) if window else tx.t("changes.window_all"))


def _funnel(q, filters, dims, tx) -> View:
    table = q(funnel.funnel_table)
    names = labels(dims, tx)
    caption = headline_sentence(q(overview.headline), names, tx)
    chart = ("funnel_chart", (table,), {"labels": names, "titles": tx.chart_titles()})
    return View("funnel", tx.t("page.funnel"), caption, chart, table=table)


def _crossover(q, filters, dims, tx) -> View:
    mix = q(channels.mix_outcomes).set_index("mix")
    ropo = q(channels.ropo_showrooming)
    if mix["customers"].sum() == 0:
        caption = tx.t("story.crossover.none")
    elif mix["customers"].sum() < MIN_N:  # no share of a handful
        caption = tx.t("story.too_few", n=tx.number(int(mix["customers"].sum())), min=MIN_N)
    else:
        def conversion(kind: str) -> str:
            row = mix.loc[kind]  # compared among customers seen at two stages or more (the caption says so)
            return tx.percent(row["conversion_rate"]) if row["compared"] >= MIN_N else tx.t("insufficient", n=MIN_N)

        caption = tx.t("story.crossover.caption", cross=tx.percent(mix.loc["cross", "share"]),
                       conv_cross=conversion("cross"), conv_mono=conversion("mono"),
                       ropo=tx.percent(ropo["ropo_rate"]) if ropo["converted"] >= MIN_N
                       else tx.t("insufficient", n=MIN_N),
                       converted=tx.number(ropo["converted"]))
    table = mix.reset_index()
    chart = ("mix_chart", (table,), {"titles": tx.chart_titles()})
    return View("crossover", tx.t("story.crossover.title"), caption, chart, table=table)


def _satisfaction(q, filters, dims, tx) -> View:
    overall = q(irritants.overall_nps)
    if overall["measure"] == "csat":
        return _satisfaction_csat(q, overall, dims, tx)
    split = q(satisfaction.nps_split_by_stage)
    lowest = q(overview.headline)["lowest_nps_stage"]
    names = labels(dims, tx)
    if overall["respondents"] < MIN_N:  # distinct customers, not answers
        caption = tx.t("story.satisfaction.few", n=tx.number(overall["respondents"]), min=MIN_N)
    elif lowest:
        caption = tx.t("story.satisfaction.caption", nps=_nps(overall["nps"]), n=tx.number(overall["respondents"]),
                       stage=names[lowest["stage"]], stage_nps=_nps(lowest["nps"]),
                       stage_n=tx.number(lowest["respondents"]))
    else:
        caption = tx.t("story.satisfaction.overall", nps=_nps(overall["nps"]), n=tx.number(overall["respondents"]))
    caption = " ".join(filter(None, [caption, trend_sentence(q(satisfaction.satisfaction_trend, grain="month"), tx)]))
    chart = ("nps_bars_chart", (split,), {"by": "stage", "labels": names, "titles": tx.chart_titles()})
    return View("satisfaction", tx.t("page.satisfaction"), caption, chart, table=split)


def _satisfaction_csat(q, overall, dims, tx) -> View:
    """The satisfaction view on CSAT (star ratings): the mean, the dissatisfied share, the lowest stage; every figure
    resting on at least ``MIN_N`` customers."""
    by_stage = q(satisfaction.csat_by_stage)
    names = labels(dims, tx)
    absent = tx.t(f"measure.absent.{overall['absent']}") + " " if overall["absent"] else ""
    if overall["respondents"] < MIN_N:
        caption = tx.t("story.satisfaction.few_csat", n=tx.number(overall["respondents"]), min=MIN_N)
    else:
        enough = by_stage[by_stage["respondents"] >= MIN_N]
        caption = tx.t("story.satisfaction.csat", mean=tx.decimal(overall["value"], ".1f"),
                       n=tx.number(overall["respondents"]), dissatisfied=tx.percent(overall["unhappy_share"]))
        if len(enough) > 1:
            low = enough.sort_values(["mean_csat", "position"], kind="stable").iloc[0]
            caption += " " + tx.t("story.satisfaction.csat_lowest", stage=names[low["stage"]],
                                  mean=tx.decimal(low["mean_csat"], ".1f"), n=tx.number(int(low["respondents"])))
    caption = " ".join(filter(None, [caption, trend_sentence(q(satisfaction.satisfaction_trend, grain="month"), tx)]))
    chart = ("csat_chart", (by_stage,), {"labels": names, "titles": tx.chart_titles()})
    return View("satisfaction", tx.t("page.satisfaction"), absent + caption, chart, table=by_stage)


def _journey_map(q, filters, dims, tx) -> View:
    frames = q(journey_map.journey_map, top_cells=1)
    name = tx.t("map.everyone")
    parts = {k: f.assign(series=name, **({"quotes": f["quotes"].map(tuple)} if k == "cells" else {}))
             for k, f in frames.items()}
    names = labels(dims, tx)
    # the same finding as the funnel's view (one measure, one answer): the map's column of that stage shows who stops
    caption = headline_sentence(q(overview.headline), names, tx)
    measure = frames["stages"]["measure"].iloc[0] if len(frames["stages"]) else "nps"
    titles = map_titles(tx, measure, series=tx.t("filters.persona"))
    chart = ("journey_map_chart", (parts["stages"], parts["channels"], parts["cells"]),
             {"labels": names, "titles": titles, "series_order": (name,), "wrap": 24})
    return View("journey_map", tx.t("page.journey_map"), caption, chart, table=frames["stages"])


def _irritants(q, filters, dims, tx) -> View:
    ranked = q(irritants.irritants)
    names = labels(dims, tx)
    worst = ranked[ranked["kind"] == "irritant"]
    if len(worst):
        top = worst.iloc[0]
        caption = tx.t("map.fix_first", cell=cell_name(top, names), reason=irritant_reason(top, tx, len(ranked)))
    else:
        caption = tx.t("map.no_irritant")
    chart = None if ranked.empty else ("irritants_chart", (ranked,), {"labels": names, "titles": tx.chart_titles()})
    return View("irritants", tx.t("page.irritants"), caption, chart, table=ranked)


def _changes(q, filters, dims, tx) -> View:
    """What changed: conversion from the earlier cohort to the later one, split by persona into mix and rate
    (``analytics.explain.change_split``: the filters' period against as many days before, else the latest quarter
    whose windows are over against the one before), as a waterfall; without a comparison, why."""
    result = q(explain.change_split, kpi="conversion", by="persona")
    title = tx.t("page.changes")
    status = result["status"]
    if status != "ok":
        caption = (tx.t("changes.window_open", ready=tx.day(pd.Timestamp(result["ready"]).date()))
                   if status == "window_open" else tx.t("changes.too_few", min=MIN_N) if status == "too_few"
                   else tx.t("changes.no_data", kpi=tx.t("changes.kpi.conversion")))
        return View("changes", title, caption, None)
    names = labels(dims, tx)
    chart = ("waterfall_chart", (result["waterfall"],),
             {"labels": names, "titles": tx.chart_titles(kpi=tx.t("changes.axis.conversion"))})
    return View("changes", title, f"{change_sentence(result, names, tx)} {change_cohorts(result, tx)}", chart,
                table=result["waterfall"])


def _next_steps(q, filters, dims, tx) -> View:
    names = labels(dims, tx)
    ranked = q(irritants.irritants)
    bullets = [tx.t("story.next.irritant", cell=cell_name(r, names), customers=tx.number(r["customers"]),
                    value=cell_value(r, tx), overall=cell_value(r, tx, overall=True))
               for r in ranked[ranked["kind"] == "irritant"].head(3).to_dict("records")]
    worst = q(overview.headline)["worst_step"]
    if worst:
        bullets.append(tx.t("story.next.step", src=names[worst["from_stage"]], dst=names[worst["to_stage"]],
                            lost=tx.percent(1 - worst["rate"]), n=tx.number(worst["customers"])))
    churn = q(satisfaction.detractor_churn)
    if (churn["relative_risk"] is not None and churn["p_value"] is not None and churn["p_value"] < 0.05
            and churn["detractors"]["customers"] >= MIN_N and churn["others"]["customers"] >= MIN_N
            and churn["relative_risk"] > 1):
        bullets.append(tx.t("story.next.detractors", rr=tx.decimal(churn["relative_risk"], ".1f"),
                            detractors=tx.percent(churn["detractors"]["rate"]),
                            others=tx.percent(churn["others"]["rate"])))
    delights = ranked[ranked["kind"] == "delight"]
    if len(delights):
        bullets.append(tx.t("story.next.delight", cell=cell_name(delights.iloc[0], names),
                            value=cell_value(delights.iloc[0], tx)))
    caption = tx.t("story.next.caption", n=len(bullets)) if bullets else tx.t("story.next.none")
    return View("next_steps", tx.t("story.next.title"), caption, None, bullets=tuple(bullets))


_BUILDERS = {"overview": _overview, "funnel": _funnel, "crossover": _crossover, "satisfaction": _satisfaction,
             "journey_map": _journey_map, "irritants": _irritants, "changes": _changes, "next_steps": _next_steps}
