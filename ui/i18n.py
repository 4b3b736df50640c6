"""The interface's texts in the session's language: ``t("key", n=3)``, ``number(12430)``, ``day(d)`` …

The texts and formats themselves live in the ``i18n`` package (shared with the command line and the deck);
this module only picks the language: the sidebar selector, bound to the URL as ``?lang=en`` so a shared link
keeps it, and before any choice the browser's language (French when it is neither French nor English). Amounts
(``money``, the charts' ``$`` formats through ``chart_titles``) are in the database's currency, a setting read with
the run's data version; the other texts do not open the database (the language selector is drawn before it is).
"""

import streamlit as st

from i18n import CATALOGUE, CHART_TEXTS, LANGUAGES, Texts, missing, pick

__all__ = ["CATALOGUE", "CHART_TEXTS", "LANGUAGES", "chart_titles", "currency", "day", "decimal", "language",
           "missing", "moment", "money", "number", "percent", "t", "texts"]


def browser_language() -> str:
    """The browser's preferred language when it is one of ours, else French."""
    try:
        return pick(st.context.locale)
    except Exception:  # no browser behind the session (AppTest, bare mode)
        return pick(None)


def language_code(value: str) -> str | None:
    """``en``, ``EN``, ``English`` or ``anglais``… → ``en`` (a language in a link, however it was written)."""
    value = value.strip().lower()
    names = {name.lower(): code for code, name in LANGUAGES.items()} | {"anglais": "en", "french": "fr"}
    return value if value in LANGUAGES else names.get(value)


def language() -> str:
    lang = st.session_state.get("lang")
    return lang if lang in LANGUAGES else browser_language()


def currency() -> dict[str, str]:
    """The database's currency as ``Texts`` takes it: ``{"currency": "BRL", "symbol": "R$"}``."""
    from ui.data import analysis

    settings = analysis()
    return {"currency": settings.currency, "symbol": settings.symbol}


def texts() -> Texts:
    """The session's language with the database's currency."""
    return Texts(language(), **currency())


def _words() -> Texts:
    """The session's language alone: what needs no amount, and no database."""
    return Texts(language())


def t(key: str, **values) -> str:
    return _words().t(key, **values)


def number(value: float | int | None, digits: int = 0) -> str:
    return _words().number(value, digits)


def money(value: float | None) -> str:
    return texts().money(value)


def p_value(value: float | None) -> str:
    return _words().p_value(value)


def decimal(value: float | None, spec: str = ".2f") -> str:
    return _words().decimal(value, spec)


def percent(value: float | None, digits: int = 1) -> str:
    return _words().percent(value, digits)


def month(value) -> str:
    return _words().month(value)


def day(value) -> str:
    return _words().day(value)


def moment(value) -> str:
    return _words().moment(value)


def chart_titles(**extra: str) -> dict[str, str]:
    return texts().chart_titles(**extra)
