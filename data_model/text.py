"""Text normalisation shared by every importer and filter: one definition of a slug."""

import re
import unicodedata

_LIGATURES = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss"})
_NON_ALNUM = re.compile(r"[^a-z0-9]+")


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
