"""The database's analysis settings: how long a customer is followed, and when a skipped stage is ranked.

Stored as rows of ``parcours_meta`` (``analysis.<name>``), so that every page, the command line, the story and the
deck read the same values; changed on the Data page or by ``python -m loaders setting NAME VALUE``. A database
without them (an older one, a read-only warehouse) uses the defaults.

* ``window_days`` (90): stages up to the conversion stage count when reached within this many days of the
  customer's first touchpoint; ``all`` turns every window off (plain shares at ``as_of``).
* ``post_window_days`` (365): stages after the conversion stage count when reached within this many days of the
  conversion, for the customers who converted within ``window_days``.
* ``churn_window_days`` (365): with churn dates, churn = churned within this many days of the conversion.
* ``observed_for_ranking`` (0.8): a funnel step enters the weakest-step choice only when its later stage is observed
  for at least this share of the customers who reached it.
* ``measure`` (``auto``): the satisfaction measure the views read, ``nps``, ``csat`` or ``auto`` (NPS when 30 or more
  customers gave one, else CSAT; see ``analytics.measures``).
"""

from dataclasses import dataclass, fields

import data_model as dm

__all__ = ["DEFAULTS", "AnalysisSettings", "analysis_settings", "parse_setting"]

PREFIX = "analysis."


@dataclass(frozen=True)
class AnalysisSettings:
    window_days: int | None = 90
    post_window_days: int = 365
    churn_window_days: int = 365
    observed_for_ranking: float = 0.8
    measure: str = "auto"


DEFAULTS = AnalysisSettings()
MAX_DAYS = 3660  # ten years: a longer window is a typo


def parse_setting(name: str, text) -> int | float | str | None:
    """The value of setting ``name`` read from ``text`` (a string, or a number); raises ``ValueError`` with a
    short English reason (the callers say it in the reader's language by the setting's name)."""
    if name not in {f.name for f in fields(AnalysisSettings)}:
        raise ValueError(f"unknown setting {name!r}")
    value = str(text).strip().lower()
    if name == "measure":
        if value not in ("auto", "nps", "csat"):
            raise ValueError("auto, nps or csat")
        return value
    if name == "observed_for_ranking":
        share = float(value.rstrip("%")) / (100 if value.endswith("%") else 1)
        if not 0 < share <= 1:
            raise ValueError("a share between 0 and 1 (or 1 % and 100 %)")
        return share
    if name == "window_days" and value == "all":
        return None
    if not value.isdigit() or not 1 <= int(value) <= MAX_DAYS:
        raise ValueError(f"a whole number of days from 1 to {MAX_DAYS}" + (", or all" if name == "window_days" else ""))
    return int(value)


def analysis_settings(db) -> AnalysisSettings:
    """The database's settings (defaults for the ones it does not hold)."""
    values = {}
    for f in fields(AnalysisSettings):
        stored = dm.meta(db, PREFIX + f.name)
        if stored is not None:
            try:
                values[f.name] = parse_setting(f.name, stored)
            except ValueError:  # a value written by hand: the default, rather than a page that fails
                continue
    return AnalysisSettings(**values)
