"""The database's analysis settings: how long a customer is followed, when a skipped stage is ranked, and the
currency its amounts are in.

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
* ``currency`` (``EUR``): the ISO 4217 code of the amounts (the revenue column), one of ``i18n.CURRENCIES``; every
  amount shown (KPI card, charts) is written with its symbol. Setting it alone puts the code's usual symbol back.
* ``currency_symbol`` (``auto``): the symbol written, when not the code's usual one (``US$``); ``auto`` is the usual.
"""

from dataclasses import dataclass, fields

import data_model as dm
from i18n import CURRENCIES, DEFAULT_CURRENCY

__all__ = ["DEFAULTS", "AnalysisSettings", "analysis_settings", "parse_setting", "stored_value"]

PREFIX = "analysis."


@dataclass(frozen=True)
class AnalysisSettings:
    window_days: int | None = 90
    post_window_days: int = 365
    churn_window_days: int = 365
    observed_for_ranking: float = 0.8
    measure: str = "auto"
    currency: str = DEFAULT_CURRENCY
    currency_symbol: str | None = None  # None: the currency's usual symbol (i18n.CURRENCIES)
    max_identity_ids: int = 20  # a stitched component of more identifiers is no person: held apart (loaders.identities)

    @property
    def symbol(self) -> str:
        """The symbol amounts are written with."""
        return self.currency_symbol or CURRENCIES[self.currency]


DEFAULTS = AnalysisSettings()
MAX_DAYS = 3660  # ten years: a longer window is a typo
MAX_SYMBOL = 4  # R$, US$, Fr., FCFA


def parse_setting(name: str, text) -> int | float | str | None:
    """The value of setting ``name`` read from ``text`` (a string, or a number); raises ``ValueError`` with a
    short English reason (the callers say it in the reader's language by the setting's name)."""
    if name not in {f.name for f in fields(AnalysisSettings)}:
        raise ValueError(f"unknown setting {name!r}")
    if name == "currency":
        code = str(text).strip().upper()
        if code not in CURRENCIES:
            raise ValueError("a known ISO 4217 currency code (" + ", ".join(CURRENCIES) + ")")
        return code
    if name == "currency_symbol":
        symbol = str(text).strip()
        if symbol.lower() in ("", "auto"):
            return None
        if len(symbol) > MAX_SYMBOL or not symbol.isprintable() or any(c.isdigit() or c.isspace() for c in symbol):
            raise ValueError(f"a symbol of 1 to {MAX_SYMBOL} characters without digits or spaces, or auto")
        return symbol
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
    if name == "max_identity_ids":
        if not value.isdigit() or not 2 <= int(value) <= 10_000:
            raise ValueError("a whole number of identifiers from 2 to 10000")
        return int(value)
    if name == "window_days" and value == "all":
        return None
    if not value.isdigit() or not 1 <= int(value) <= MAX_DAYS:
        raise ValueError(f"a whole number of days from 1 to {MAX_DAYS}" + (", or all" if name == "window_days" else ""))
    return int(value)


def stored_value(name: str, value) -> str:
    """How ``parse_setting``'s value is written in ``parcours_meta`` (read back by ``parse_setting``)."""
    if value is None:
        return "auto" if name == "currency_symbol" else "all"
    return str(value)


def analysis_settings(db) -> AnalysisSettings:
    """The database's settings (defaults for the ones it does not hold)."""
    values = {}
    held = dm.metas(db, PREFIX)
    for f in fields(AnalysisSettings):
        stored = held.get(PREFIX + f.name)
        if stored is not None:
            try:
                values[f.name] = parse_setting(f.name, stored)
            except ValueError:  # a value written by hand: the default, rather than a page that fails
                continue
    return AnalysisSettings(**values)
