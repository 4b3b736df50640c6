"""Text normalisation shared by every importer, filter and renderer: one definition of a slug, one of the control
characters that customer text may not carry."""

import re
import unicodedata

_LIGATURES = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss"})
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
# C0 and C1 control characters and DEL, but tab and line breaks (\t \n \r), and the noncharacters U+FFFE and U+FFFF:
# they mean nothing in a comment or a name, one of them in a chart's text made the renderer (vl-convert) abort the
# whole process, and no XML file (.xlsx, .pptx) may hold them. The last two stand as themselves in the class: Python's
# re spells them \ufffe, RE2 \x{fffe}, both read the character.
CONTROL_CHARACTERS = "[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f\ufffe\uffff]"
"""The characters ``clean_control`` takes out, as a regular-expression class (Python's ``re``, Arrow's and DuckDB's
RE2 alike; text read from a file is valid UTF-8, so it holds no lone surrogate, which RE2 cannot name)."""
_CONTROL = re.compile(CONTROL_CHARACTERS[:-1] + "\\ud800-\\udfff]")  # Python strings may hold lone surrogates
# Those that separate words (vertical tab, form feed, next line, the file/group/record/unit separators) become a
# space, so that "a\x0cb" stays two words; the others are dropped.
SEPARATING_CHARACTERS = "[\\x0b\\x0c\\x1c-\\x1f\\x85]"
"""Those of them that ``clean_control`` turns into a space, as a regular-expression class."""
_SEPARATING = re.compile(SEPARATING_CHARACTERS)


def fold(text: str) -> str:
    """Lower case, ligatures spelled out, accents removed."""
    text = unicodedata.normalize("NFKD", text.translate(_LIGATURES))
    return "".join(c for c in text if not unicodedata.combining(c)).lower()


def slug(text: str) -> str:
    """The channel (and touchpoint type) code: "Centre d'appels" -> centre_d_appels, " Site Web " -> site_web."""
    return _NON_ALNUM.sub("_", fold(text)).strip("_")


def header_key(text: str) -> str:
    """Headers match ignoring case, accents, spaces and punctuation: "Identifiant client" -> identifiantclient."""
    return _NON_ALNUM.sub("", fold(text))


def clean_control(text: str) -> str:
    """``text`` without control characters (tab and line breaks kept): word-separating ones become a space."""
    if not _CONTROL.search(text):
        return text
    return _CONTROL.sub("", _SEPARATING.sub(" ", text))


def count_control(text: str) -> int:
    """How many characters ``clean_control`` would change or remove."""
    return len(_CONTROL.findall(text))
