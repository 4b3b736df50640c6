"""The interface's texts in the session's language: ``t("key", n=3)``, ``number(12430)``, ``day(d)`` …

The texts and formats themselves live in the ``i18n`` package (shared with the command line and the deck);
this module only picks the language: the sidebar selector, bound to the URL as ``?lang=en`` so a shared link
keeps it, and before any choice the browser's language (French when it is neither French nor English).
"""

import streamlit as st

from i18n import CATALOGUE, CHART_TEXTS, LANGUAGES, Texts, missing, pick

__all__ = ["CATALOGUE", "CHART_TEXTS", "LANGUAGES", "chart_titles", "day", "decimal", "language", "missing",
           "moment", "number", "percent", "t", "texts"]


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


def texts() -> Texts:
    return Texts(language())


def t(key: str, **values) -> str:
    return texts().t(key, **values)


def number(value: float | int | None, digits: int = 0) -> str:
    return texts().number(value, digits)


def money(value: float | None) -> str:
    return texts().money(value)


def p_value(value: float | None) -> str:
    return texts().p_value(value)


def decimal(value: float | None, spec: str = ".2f") -> str:
    return texts().decimal(value, spec)


def percent(value: float | None, digits: int = 1) -> str:
    return texts().percent(value, digits)


def month(value) -> str:
    return texts().month(value)


def day(value) -> str:
    return texts().day(value)


def moment(value) -> str:
    return texts().moment(value)


def chart_titles(**extra: str) -> dict[str, str]:
    return texts().chart_titles(**extra)
