"""Which satisfaction measure the satisfaction views read: NPS (0–10) or CSAT (1–5 stars or points).

A database may hold either or both; both are first-class. The measure is chosen once per view, in this order:

1. asked for (``Filters.measure``: the sidebar, the link's ``measure=``, ``--measure`` on the command line);
2. the database's setting (``analytics.settings``: ``measure`` = ``nps`` or ``csat``; ``auto`` by default);
3. ``auto``: NPS when at least ``MIN_N`` customers gave an NPS answer, else the measure more customers answered
   (NPS on a tie): a CSAT-only database reads CSAT, and a small NPS survey is not swapped for a smaller CSAT one.

A measure asked for (or set) that the data does not hold at all gives way to the other one, and the view says so
("no NPS in this data; CSAT is shown") rather than "insufficient data". Respondents are counted over the whole
database, not the filtered cohort: the measure is a property of the data, and a filter must not switch it.
"""

from dataclasses import dataclass

from analytics.stats import MIN_N

__all__ = ["MEASURES", "MeasureChoice", "bounds", "choose_measure", "measure_respondents"]

MEASURES = ("nps", "csat")

_BOUNDS = {"nps": (6, 7, 9), "csat": (2, 3, 4)}


def bounds(measure: str) -> tuple[int, int, int]:
    """``(unhappy_at_most, middle_from, happy_from)`` of a measure: NPS detractors 0–6, passives 7–8, promoters 9–10;
    CSAT dissatisfied 1–2, neutral 3, satisfied 4–5. Every view that splits answers reads them here."""
    return _BOUNDS[measure]


@dataclass(frozen=True)
class MeasureChoice:
    measure: str
    """``nps`` or ``csat``: what the views read."""
    absent: str | None = None
    """The measure asked for (or set) when the data holds none of it and the other is shown instead."""


def choose_measure(asked: str | None, setting: str, nps_respondents: int, csat_respondents: int) -> MeasureChoice:
    """The measure to read (see the module docstring), from the customers who answered each measure."""
    count = {"nps": nps_respondents, "csat": csat_respondents}
    wanted = asked or (setting if setting in MEASURES else None)
    if wanted is None:
        if nps_respondents >= MIN_N or nps_respondents >= csat_respondents:
            return MeasureChoice("nps")
        return MeasureChoice("csat")
    other = "csat" if wanted == "nps" else "nps"
    if not count[wanted] and count[other]:
        return MeasureChoice(other, absent=wanted)
    return MeasureChoice(wanted)


def measure_respondents(db) -> dict[str, int]:
    """``{"nps": customers with an NPS answer, "csat": customers with a CSAT answer}`` in the whole database (one
    small query)."""
    f = db.ibis.table("feedback")
    key = f.customer_id
    counts = {m: key.nunique(where=f[m].notnull()) for m in MEASURES if m in f.columns}  # a warehouse may lack one
    row = f.aggregate(**counts).to_pyarrow().to_pylist()[0] if counts else {}
    return {m: int(row.get(m) or 0) for m in MEASURES}
