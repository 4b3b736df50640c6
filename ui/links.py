"""Choices kept in the link, by code: ``?lang=en``, ``?channel=magasin&channel=site_web``, ``?voice_view=themes``.

Streamlit's own ``bind="query-params"`` writes an option's *label* into the URL (``lang=English``, a channel's
display name, a translated view name), so a link breaks when the language changes, and it drops a value that
matches nothing without a word. Here a widget's value travels as codes: ``from_link`` seeds the widget from the
link before it is drawn (when the session starts, or the browser goes back to another link) and reports what it
could not read; ``to_link`` writes the value back after it. A page change keeps the choices: the session holds
them and writes them back into the new page's link.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import streamlit as st

from analytics.dimensions import matching
from ui.i18n import t

_SYNCED = "_link_{}"  # the codes last written to (or read from) the link, per key


def _report(key: str, value: str, what: str) -> None:
    from ui.widgets import plain  # the value comes from the address bar: shown as text

    st.sidebar.warning(plain(t("link.ignored", value=value, what=what)), icon=":material/link_off:")


def from_link(key: str, codes: Sequence[str], *, what: str, multi: bool = False, most: int | None = None,
              resolve: Callable[[str], str | None] | None = None, labels: dict[str, str] | None = None,
              loose: bool = False) -> None:
    """Before drawing the widget ``key`` (options ``codes``): a link that changed since this session last wrote it
    sets the widget. A value is a code, or through ``resolve`` an old spelling; with ``loose`` (the filters), it is
    read as the command line reads it (``analytics.dimensions.matching``): ignoring case and accents (``?region=sp``
    finds ``SP``), or a label of ``labels``. One that matches nothing is reported, never silently dropped; so are
    values beyond the ``most`` a multiple choice takes."""
    raw = st.query_params.get_all(key)
    if not raw or raw == st.session_state.get(_SYNCED.format(key)):
        return  # nothing in the link (a page change drops it; the session keeps the choice), or ours
    known, found = set(codes), []
    for value in raw:
        code = value if value in known else (resolve(value) if resolve else None)
        hits = (code,) if code in known else matching(value, list(codes), labels) if loose else ()
        if hits:
            found.extend(hits)
        else:
            _report(key, value, what)
    st.session_state[_SYNCED.format(key)] = raw
    if multi:
        found = list(dict.fromkeys(found))
        for extra in found[most:] if most is not None else []:
            _report(key, extra, what)
        st.session_state[key] = found[:most]
    elif found:
        st.session_state[key] = found[0]


def to_link(key: str, value, default=None) -> None:
    """After the widget: its value into the link as codes (a list repeats the key), none when it is the default."""
    codes = [str(v) for v in value] if isinstance(value, list | tuple) else ([] if value is None else [str(value)])
    default_codes = [str(v) for v in default] if isinstance(default, list | tuple) else (
        [] if default is None else [str(default)])
    if codes == default_codes:
        if key in st.query_params:
            del st.query_params[key]
        codes = []
    elif st.query_params.get_all(key) != codes:
        st.query_params[key] = codes
    st.session_state[_SYNCED.format(key)] = codes


def check_link(key: str, valid: Callable[[str], bool], *, what: str) -> None:
    """For a widget Streamlit binds itself (a period, a switch): report a link value it would drop silently."""
    raw = st.query_params.get_all(key)
    if raw and raw != st.session_state.get(_SYNCED.format(key)):
        st.session_state[_SYNCED.format(key)] = raw
        for value in raw:
            if not valid(value):
                _report(key, value, what)
