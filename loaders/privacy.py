r"""Personal data at import: pseudonymised customer ids, masked verbatims, forgotten customers.

**Pseudonyms.** A database can store every customer id as a keyed pseudonym instead of the CRM's
identifier: ``p_`` + the first 20 hex digits of HMAC-SHA256(key, id), the id as validated (surrounding
spaces removed) in Unicode NFC, UTF-8. The same key gives the same customer the same pseudonym on every
import (and in the company's own pipelines, which can compute it); without the key, a pseudonym leads
back to no one. The choice is made when the database is created (``python -m loaders init
--pseudonymise``) and recorded in ``parcours_meta``: ``customer_ids`` = ``pseudonyms`` (else ``raw``) and
``pseudonym_key_check``, a keyed hash of a constant, so that an import with another key is refused instead
of splitting every customer in two. Switching it on for a database that already holds raw ids is refused.

**The key** comes from ``PARCOURS_PSEUDONYM_KEY``, else from ``pseudonym_key`` in the ``[privacy]``
section of ``.streamlit/secrets.toml`` (in the current folder, the project's folder, then the home
folder; read with tomllib, the way Streamlit finds its secrets). At least 16 characters and ~128 bits of
estimated entropy (``key_bits``: repeats, sequences, keyboard rows and words count for little), e.g.
``secrets.token_hex(32)``; a database made before keys were checked still opens with its weaker key, and its
imports say to move to a new one. It is never stored in the database.

**Masking.** ``mask_personal_data`` replaces e-mail addresses, phone numbers (French formats; international ones
with a known country calling code and a plausible length), IBANs (a registered country, its IBAN length and the
mod-97 check) and card numbers (13–19 digits, Luhn checked, an issuer's prefix and length) in the feedback comments
by ``[email]``, ``[téléphone]``, ``[iban]``, ``[carte]``, and counts them; in a pseudonymised database, the
raw customer ids of the import's files (and ids of their shape, when it has letters: ``CRM-\d{6}``) become
``[id]`` (``CustomerIds``). It works on whole columns with
Arrow's RE2 (only rows holding a digit or an ``@`` are looked at; checksums run in Python on the few rows
that hold a candidate), so ordinary numbers — order numbers, amounts, dates, postcodes — stay.

**Forgetting.** ``forget(db, ids)`` deletes customers with their touchpoints, feedback and the previous
values kept for undo, in one transaction; it logs when and how many rows (``forget_log``), never whom, and
keeps a keyed hash of each stored id (``forgotten_customers``) so that later imports skip those customers'
rows (``drop_forgotten``). The hash is HMAC-SHA256(secret, "forget" U+001F stored id), the secret being
the pseudonym key when ids are pseudonymised (the database alone then cannot tell whether a given person
was forgotten), else a random salt made for this database and kept in ``parcours_secrets`` (never
exported).
"""

import hashlib
import hmac
import math
import os
import re
import secrets
import string
import tomllib
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import sqlalchemy as sa

from data_model import Database, ForgetLog, ForgottenCustomer, is_initialised, meta
from data_model.engine import ReadOnlyDatabase

STR = pd.StringDtype("pyarrow", na_value=np.nan)  # pandas' default "str" dtype, as in loaders.validate

KEY_ENV = "PARCOURS_PSEUDONYM_KEY"
SECRETS_SECTION, SECRETS_NAME = "privacy", "pseudonym_key"
MIN_KEY_CHARS = 16
MIN_KEY_BITS = 128  # estimated entropy (key_bits): what a random key of 16 bytes has
MAKE_KEY = "python -c \"import secrets; print(secrets.token_hex(32))\""
PSEUDONYM_PREFIX, PSEUDONYM_HEX = "p_", 20
PSEUDONYM_PATTERN = re.compile(rf"{PSEUDONYM_PREFIX}[0-9a-f]{{{PSEUDONYM_HEX}}}")
RAW, PSEUDONYMS = "raw", "pseudonyms"  # parcours_meta.customer_ids
_KEY_CHECK_MESSAGE = b"parcours pseudonym key check"
_FORGET_PREFIX = b"forget\x1f"
KEY_HELP = (f"set {KEY_ENV}, or {SECRETS_NAME} in the [{SECRETS_SECTION}] section of .streamlit/secrets.toml")


class PrivacyError(ValueError):
    """A refusal for a person: no or wrong pseudonym key, pseudonyms asked too late, unknown customer…

    ``message``: the text given, or a ``loaders.errors.Message`` (French or English, ``message_in(lang)``);
    ``str()`` is English."""

    def __init__(self, message=""):
        self.message = message
        super().__init__(str(message))

    def message_in(self, lang: str | None) -> str:
        return self.message.render(lang or "en") if hasattr(self.message, "render") else str(self.message)


class UnknownCustomers(PrivacyError):
    """``forget`` was given ids that this database does not hold; nothing was deleted."""

    def __init__(self, ids: list[str]):
        from loaders.errors import Message, quoted_list

        self.ids = ids
        more = Message("load.forget.more", n=len(ids) - 20) if len(ids) > 20 else ""
        super().__init__(Message("load.forget.unknown", shown=quoted_list(ids[:20]), more=more,
                                 ids=Message("load.forget.ids" if len(ids) > 1 else "load.forget.id")))


def _message(key: str, **params):
    from loaders.errors import Message

    return Message(key, **params)


def _key_help():
    return _message("load.key_help", env=KEY_ENV, name=SECRETS_NAME, section=SECRETS_SECTION)


# --- the key -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PseudonymKey:
    value: bytes = field(repr=False)
    source: str  # where it was found, for messages (never the key itself)
    bits: float = field(default=float(MIN_KEY_BITS), repr=False)  # estimated entropy (key_bits)

    @property
    def weak(self) -> bool:
        return self.bits < MIN_KEY_BITS


def secrets_files() -> list[Path]:
    """Where the key may be written, first found first: ``.streamlit/secrets.toml`` in the current folder,
    in the project's folder, then in the home folder."""
    paths = [Path.cwd(), Path(__file__).resolve().parents[1], Path.home()]
    seen, out = set(), []
    for folder in paths:
        path = folder / ".streamlit" / "secrets.toml"
        if str(path.resolve()) not in seen:
            seen.add(str(path.resolve()))
            out.append(path)
    return out


def find_key(weak_ok: bool = False) -> PseudonymKey | None:
    """The pseudonym key from the environment or a secrets file; None when none is set.

    Raises PrivacyError for a key that cannot be used (too short, not text, too easy to guess unless
    ``weak_ok``) or an unreadable secrets file."""
    value = os.environ.get(KEY_ENV, "").strip()
    if value:
        return _usable(value, f"${KEY_ENV}", weak_ok)
    for path in secrets_files():
        if not path.is_file():
            continue
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            raise PrivacyError(_message("load.key.unreadable", path=path, why=exc)) from None
        except tomllib.TOMLDecodeError as exc:
            raise PrivacyError(_message("load.key.toml", path=path, why=exc)) from None
        section = data.get(SECRETS_SECTION)
        if section is None:
            continue
        where = f"{path} [{SECRETS_SECTION}] {SECRETS_NAME}"
        if not isinstance(section, dict):
            raise PrivacyError(_message("load.key.section", path=path, section=SECRETS_SECTION))
        value = section.get(SECRETS_NAME)
        if value is None:
            continue
        if not isinstance(value, str):
            raise PrivacyError(_message("load.key.string", where=where))
        return _usable(value.strip(), where, weak_ok)
    return None


def _usable(value: str, source: str, weak_ok: bool = False) -> PseudonymKey:
    if len(value) < MIN_KEY_CHARS:
        raise PrivacyError(_message("load.key.short", source=source, n=len(value), min=MIN_KEY_CHARS, make=MAKE_KEY))
    bits = key_bits(value)
    if bits < MIN_KEY_BITS and not weak_ok:
        raise PrivacyError(_message("load.key.weak", source=source, bits=f"{bits:.0f}", min=MIN_KEY_BITS,
                                    make=MAKE_KEY))
    return PseudonymKey(value.encode("utf-8"), source, bits)


# What a key's characters are drawn from, smallest first: a character of a random key from one of them is
# worth log2(its size) bits.
_ALPHABETS = tuple(frozenset(a) for a in (
    string.digits, "0123456789abcdef", "0123456789ABCDEF", string.ascii_lowercase, string.ascii_uppercase,
    string.ascii_lowercase + string.digits, string.ascii_uppercase + string.digits, string.ascii_letters,
    string.ascii_letters + string.digits, string.ascii_letters + string.digits + "-_",
    string.ascii_letters + string.digits + "+/=", string.printable[:95]))
_LETTERS = re.compile(r"[^\W\d_]+")
_WORD_BITS = 15.0  # a word of a 30,000-word vocabulary
_CONSONANTS4 = re.compile(r"[^aeiouy]{4}")
_YEAR = re.compile(r"(?<!\d)(?:19|20)\d\d(?!\d)")
_YEAR_BITS = 7.0  # a year of this century or the last
# Characters that follow each other on a keyboard row or in the alphabet (either way): "qwer", "1234", "fedc".
_RUNS = (string.ascii_lowercase, string.digits, "qwertyuiop", "asdfghjkl", "zxcvbnm", "azertyuiop", "qsdfghjklm",
         "wxcvbn", "&é\"'(-è_çà)=")
_NEXT = {(run[i], run[i + 1]) for run in _RUNS for i in range(len(run) - 1)}
_NEXT |= {(b, a) for a, b in _NEXT}


def _word(text: str, i: int) -> int:
    """The end of a word starting at ``i`` (a run of 3+ letters, lower case, Capitalised or in capitals,
    pronounceable: a vowel, never 4 consonants in a row), else 0."""
    if i and text[i - 1].isalpha() and not (text[i - 1].islower() and text[i].isupper()):  # camelCase
        return 0
    run = _LETTERS.match(text, i)
    if not run:
        return 0
    end = next((j for j in range(i + 1, run.end()) if text[j].isupper() and text[j - 1].islower()), run.end())
    word = text[i:end]
    if len(word) < 3:
        return 0
    if not (word.islower() or word.istitle() or word.isupper()):
        return 0
    plain = "".join(c for c in unicodedata.normalize("NFD", word.lower()) if c.isascii())
    if not any(v in plain for v in "aeiouy") or _CONSONANTS4.search(plain):
        return 0
    return end


def _in_run(a: str, b: str) -> bool:
    return (a.lower(), b.lower()) in _NEXT


def key_bits(value: str) -> float:
    """An estimate of a key's entropy in bits, for refusing guessable keys (zxcvbn's idea, much simplified):
    each character is worth log2 of the smallest usual alphabet holding all of the key's characters (digits,
    hex, letters, base64…), except a part that repeats an earlier one (``abcabc``, ``passwordpassword``:
    ~log2 of where and how long), a third identical character in a row or a fourth of a sequence or keyboard
    row (``aaa``, ``1234``, ``fedc``, ``qwer``: 1 bit), a word (``horse``, ``MaSociété``: 15 bits a word),
    a year (7 bits) and, between words, a separator used before (1 bit). A key of far fewer distinct
    characters than a random one of its alphabet would hold draws from those only. Random keys of 32 bytes
    (``secrets.token_hex(32)``, ``token_urlsafe(32)``) get ~250 bits; of 16 bytes, ~128: right at the bar."""
    text = value[:256]
    chars = set(text)
    size = next((len(a) for a in _ALPHABETS if chars <= a), 95 + len(chars - _ALPHABETS[-1]) * 8)
    expected = size * (1 - (1 - 1 / size) ** len(text))  # distinct characters of a random key this long
    per_char = math.log2(size if len(chars) >= expected / 2 else max(len(chars), 2))
    bits, i, n, words = 0.0, 0, len(text), False
    while i < n:
        repeat = next((length for length in range(min(n - i, 64), 2, -1)
                       if text[i:i + length] in text[:i + length - 1]), 0)
        if repeat:
            bits += math.log2(i + 1) + math.log2(repeat)
            i += repeat
            continue
        year = _YEAR.match(text, i)
        if year:
            bits += min(_YEAR_BITS, per_char * 4)
            i = year.end()
            continue
        end = _word(text, i)
        if end:
            bits += min(_WORD_BITS, per_char * (end - i))
            i, words = end, True
            continue
        c = text[i]
        if i >= 2 and c == text[i - 1] == text[i - 2] or words and not c.isalnum() and c in text[:i]:
            bits += 1
        elif i >= 3 and _in_run(text[i - 3], text[i - 2]) and _in_run(text[i - 2], text[i - 1]) and \
                _in_run(text[i - 1], c):
            bits += 1
        else:
            bits += per_char
        i += 1
    return bits if len(chars) > 1 else 0.0


def required_key() -> PseudonymKey:
    key = find_key()
    if key is None:
        raise PrivacyError(_message("load.key.none", help=_key_help(), make=MAKE_KEY))
    return key


def key_check(key: PseudonymKey) -> str:
    """What the database records to recognise its key (a keyed hash of a constant, not the key)."""
    return "hmac-sha256:" + hmac.new(key.value, _KEY_CHECK_MESSAGE, hashlib.sha256).hexdigest()[:16]


def pseudonym_settings(key: PseudonymKey) -> dict[str, str]:
    """The ``parcours_meta`` rows of a pseudonymised database (``data_model.initialise(settings=…)``)."""
    return {"customer_ids": PSEUDONYMS, "pseudonym_key_check": key_check(key)}


# --- pseudonyms ----------------------------------------------------------------------------------------------


def _hex_digest(secret: bytes, prefix: bytes = b"") -> Callable[[str], str]:
    """HMAC-SHA256(secret, prefix + text) as hex, for many texts: RFC 2104 spelt out over hashlib, whose
    C-level ``copy`` of the keyed states makes it twice as fast as ``hmac.new(…).copy()`` (~2.5 µs an id)."""
    block = (hashlib.sha256(secret).digest() if len(secret) > 64 else secret).ljust(64, b"\0")
    inner = hashlib.sha256(bytes(b ^ 0x36 for b in block))
    inner.update(prefix)
    outer = hashlib.sha256(bytes(b ^ 0x5C for b in block))

    def digest(text: str) -> str:
        i = inner.copy()
        i.update(text.encode("utf-8"))
        o = outer.copy()
        o.update(i.digest())
        return o.hexdigest()

    return digest


def _texts(values) -> list[str]:
    """Python strings of an array of distinct values (iterating an Arrow-backed array one by one is 20x slower)."""
    return np.asarray(values, dtype=object).tolist()


def _nfc(text: str) -> str:
    return text if text.isascii() else unicodedata.normalize("NFC", text)


def pseudonym(customer_id: str, key: PseudonymKey) -> str:
    """One id's pseudonym: ``p_`` + 20 hex digits of HMAC-SHA256(key, NFC(id))."""
    return PSEUDONYM_PREFIX + _hex_digest(key.value)(_nfc(customer_id.strip()))[:PSEUDONYM_HEX]


def pseudonymise(ids: pd.Series, key: PseudonymKey) -> pd.Series:
    """A column of ids as pseudonyms, one HMAC per distinct id (a 10M-row file holds ~1M customers)."""
    return _pseudonymise(ids, key)[0]


def _pseudonymise(ids: pd.Series, key: PseudonymKey) -> tuple[pd.Series, list[str]]:
    codes, uniques = pd.factorize(ids, use_na_sentinel=True)
    digest = _hex_digest(key.value)
    raw = _texts(uniques)
    names = pa.array([PSEUDONYM_PREFIX + digest(_nfc(u))[:PSEUDONYM_HEX] for u in raw], pa.large_string())
    taken = names.take(pa.array(codes, mask=codes < 0))
    return pd.Series(pd.array(taken, dtype=STR), index=ids.index, name=ids.name), raw


class Pseudonymiser:
    """``pseudonymise`` with a key, as an import applies it to the customer ids of each of its files; it
    remembers the raw ids it saw (``raw_ids``) so that the import's comments can be masked of them."""

    def __init__(self, key: PseudonymKey):
        self.key = key
        self._seen: list[pa.Array] = []

    def __call__(self, ids: pd.Series) -> pd.Series:
        out, raw = _pseudonymise(ids, self.key)
        self._seen.append(pa.array(raw, pa.large_string()))
        return out

    @property
    def raw_ids(self) -> pa.Array:
        """The distinct raw customer ids of the files pseudonymised so far (customers, touchpoints, then
        feedback: an import validates them in that order)."""
        if not self._seen:
            return pa.array([], pa.large_string())
        return pc.unique(pa.chunked_array(self._seen, pa.large_string()))


def all_pseudonyms(ids: pd.Series) -> bool:
    """Whether a column holds pseudonyms only (their shape: ``p_`` + 20 characters; 0.2 s for 10M rows)."""
    if ids.empty:
        return True
    array = _arrow_strings(ids, one_chunk=False)
    shaped = pc.and_(pc.starts_with(array, PSEUDONYM_PREFIX),
                     pc.equal(pc.binary_length(array), len(PSEUDONYM_PREFIX) + PSEUDONYM_HEX))
    return bool(pc.all(pc.fill_null(shaped, False)).as_py())


def customer_ids_mode(db: Database) -> str:
    """``raw`` (ids as in the files) or ``pseudonyms``; databases made before schema 0004 are raw."""
    return meta(db, "customer_ids", RAW) or RAW


def is_pseudonymised(db: Database) -> bool:
    return customer_ids_mode(db) == PSEUDONYMS


def _database_key(mode: str, check: str | None) -> PseudonymKey | None:
    """The key of a pseudonymised database (None for a raw one); refuses a missing or different key. A key too
    easy to guess is refused for a new database, but still opens the database made with it before Parcours
    checked keys (its imports say so, and ``forget`` must keep working): a new database is the way out."""
    if mode != PSEUDONYMS:
        return None
    key = find_key(weak_ok=True)
    if key is None:
        raise PrivacyError(_message("load.key_missing", help=_key_help()))
    if check and not hmac.compare_digest(key_check(key), check):
        raise PrivacyError(_message("load.key_wrong", source=key.source))
    if key.weak and not check:
        find_key()  # nothing to recognise it by: refused like a new key
    return key


def database_key(db: Database) -> PseudonymKey | None:
    """The pseudonym key of ``db``: None when it stores raw ids; PrivacyError when missing or wrong."""
    return _database_key(customer_ids_mode(db), meta(db, "pseudonym_key_check"))


def customer_id_transform(db: Database) -> "Pseudonymiser | None":
    """What validation applies to customer ids (``ImportContext.transform_customer_id``) for ``db``: a
    ``Pseudonymiser`` (it keeps the raw ids it saw, for masking them in comments), or None for raw ids."""
    key = database_key(db)
    if key is None:
        return None
    return Pseudonymiser(key)


def holds_customer_data(db: Database) -> bool:
    """Whether any customer id was ever written: rows, previous values kept for undo, forgotten customers."""
    tables = ("customers", "touchpoints", "feedback", "customers_history", "touchpoints_history",
              "feedback_history", "forgotten_customers")
    with db.engine.connect() as conn:
        return any(conn.exec_driver_sql(f"SELECT 1 FROM {t} LIMIT 1").first() for t in tables)


def enable_pseudonyms(db: Database, key: PseudonymKey) -> bool:
    """Switch pseudonyms on for an initialised database that never held a customer id (e.g. one the app
    created empty). Returns False when it was already on with this key. Refuses, with the way out, a
    database holding raw ids: pseudonymising them in place would leave them in backups, exports and the
    undo history."""
    if db.read_only:
        raise ReadOnlyDatabase()
    if is_pseudonymised(db):
        database_key(db)  # the same key, or a refusal
        return False
    if holds_customer_data(db):
        raise PrivacyError(_message("load.raw_ids_held"))
    with db.engine.begin() as conn:
        for k, v in pseudonym_settings(key).items():
            conn.execute(sa.text("DELETE FROM parcours_meta WHERE key = :k"), {"k": k})
            conn.execute(sa.text("INSERT INTO parcours_meta (key, value) VALUES (:k, :v)"), {"k": k, "v": v})
    return True


def import_notes(db: Database) -> list[str]:
    """What an import summary says about customer ids."""
    if is_pseudonymised(db):
        notes = [_message("load.note.pseudonyms")]
        key = database_key(db)
        if key is not None and key.weak:
            notes.append(_message("load.note.weak_key", source=key.source, bits=f"{key.bits:.0f}",
                                  min=MIN_KEY_BITS, make=MAKE_KEY))
        return notes
    try:
        key = find_key(weak_ok=True)
    except PrivacyError:
        key = None
    if key is not None:
        return [_message("load.note.key_unused", source=key.source)]
    return []


# --- masking -------------------------------------------------------------------------------------------------

MASKS = {"email": "[email]", "phone": "[téléphone]", "iban": "[iban]", "card": "[carte]", "id": "[id]"}
MASK_NAMES = {"email": ("e-mail address", "e-mail addresses"), "phone": ("phone number", "phone numbers"),
              "iban": ("IBAN", "IBANs"), "card": ("card number", "card numbers"),
              "id": ("customer ID", "customer IDs")}

# RE2 (Arrow) patterns; RE2's \b and \d are ASCII, as with Python's re.ASCII below. Spaces: the ordinary
# one, the no-break space and the narrow/thin/figure spaces of French typography (06 12 34 56 78).
_SPACES = r" \x{00A0}\x{202F}\x{2009}\x{2007}"
_SEP = rf"[{_SPACES}.\-]"
_EMAIL = r"[\p{L}\p{N}._%+\-]+@[\p{L}\p{N}\-]+(?:\.[\p{L}\p{N}\-]+)*\.\p{L}{2,}"
# French numbers: 0X XX XX XX XX, +33 X…, +33 (0)X…, 0033 X…, (0)X…, (0X) XX…, with spaces, dots, dashes or
# nothing; slashes only between every group (06/12/34/56/78), so that a date (06/12/2025 14:30) is no number.
_FRENCH_PHONE = (rf"(?:(?:(?:\+|\b00)33{_SEP}?(?:\(0\){_SEP}?)?|\b0|\(0\){_SEP}?)[1-9]|\(0[1-9]\){_SEP}?)"
                 rf"(?:{_SEP}?\d{{2}}){{4}}\b|\b0[1-9](?:/\d{{2}}){{4}}\b")
_CANDIDATE_ROWS = r"[@\d]"
# Rows that may hold the checked kinds; the Python patterns below find them exactly.
_IBAN_ROWS = r"\b[A-Za-z]{2}\d{2}"
_CARD_ROWS = rf"\d(?:[{_SPACES}.\-]?\d){{12}}"
_INTL_ROWS = r"(?:\+|\b00)[1-9]"

_PY_SPACES = " \u00a0\u202f\u2009\u2007"
_PY_SEP = f"[{_PY_SPACES}.\\-]"
# A country code, two check digits, then up to 8 more groups of letters and digits (IBANs are ≤ 34 chars),
# separated by spaces or dashes (FR76-3000-…).
_IBAN = re.compile(rf"\b[A-Za-z]{{2}}\d{{2}}[A-Za-z0-9]*(?:[{_PY_SPACES}\-][A-Za-z0-9]+){{0,8}}", re.ASCII)
_CARD = re.compile(rf"\b\d(?:{_PY_SEP}?\d){{12,}}\b", re.ASCII)  # 4970 1012…, 4970-1012…, 4970.1012…
_INTL_PHONE = re.compile(rf"(?:\+|\b00)[1-9]\d*(?:{_PY_SEP}?\(\d{{1,4}}\){_PY_SEP}?\d+)?(?:{_PY_SEP}\d+)*\b",
                         re.ASCII)
_SPLIT_IBAN = re.compile(rf"([{_PY_SPACES}\-])")
_SPLIT_CARD = re.compile(rf"({_PY_SEP})")
_SPLIT_PHONE = re.compile(rf"({_PY_SEP})")


_NO_DIGITS = str.maketrans("", "", "0123456789")
_KEEP_DIGITS = str.maketrans("", "", "".join(chr(c) for c in range(128) if not chr(c).isdigit()))
_LETTER_VALUES = str.maketrans({chr(ord("A") + i): str(10 + i) for i in range(26)})  # ISO 13616: A=10 … Z=35
_DOUBLED = str.maketrans("0123456789", "0246813579")  # Luhn: 2d, minus 9 above 9


def _digit_count(text: str) -> int:
    return len(text) - len(text.translate(_NO_DIGITS))


# The SWIFT IBAN registry (ISO 13616): each country's IBAN length, country code and check digits included.
IBAN_LENGTHS = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22, "BI": 27, "BR": 29,
    "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DJ": 27, "DK": 18, "DO": 28, "EE": 20, "EG": 29,
    "ES": 24, "FI": 18, "FK": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28,
    "HN": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20,
    "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "LY": 25, "MC": 27, "MD": 24, "ME": 22, "MK": 19,
    "MN": 20, "MR": 27, "MT": 31, "MU": 30, "NI": 28, "NL": 18, "NO": 15, "OM": 23, "PK": 24, "PL": 28, "PS": 29,
    "PT": 25, "QA": 29, "RO": 24, "RS": 22, "RU": 33, "SA": 24, "SC": 31, "SD": 18, "SE": 24, "SI": 19, "SK": 24,
    "SM": 27, "SO": 23, "ST": 25, "SV": 28, "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20,
    "YE": 30,
}


def _iban_ok(compact: str) -> bool:
    """A registered country, that country's IBAN length, and the mod-97 check (which 1 in 97 product codes, part
    numbers and references pass by chance)."""
    if IBAN_LENGTHS.get(compact[:2].upper()) != len(compact) or not compact[2:4].isdigit():
        return False
    bban = compact[4:]
    if _digit_count(bban) < 0.4 * len(bban):  # words after a code are not an account number
        return False
    rearranged = (bban + compact[:4]).upper().translate(_LETTER_VALUES)
    return rearranged.isdigit() and int(rearranged) % 97 == 1


def _luhn_ok(digits: str) -> bool:
    kept, doubled = digits[-1::-2], digits[-2::-2].translate(_DOUBLED)
    return sum(map(int, kept + doubled)) % 10 == 0


def _ean13_ok(digits: str) -> bool:
    """The GTIN check of a 13-digit barcode (weights 1, 3 from the left)."""
    return sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(digits)) % 10 == 0


# Card issuers: (first digits from, to, inclusive, as many digits as the bounds), the lengths they issue. 14 digits
# is no issuer's (Diners' old 36 cards are 16 now): a SIRET (14 digits, Luhn valid by design) stays.
CARD_ISSUERS = (
    ("4", "4", (13, 16, 19)),  # Visa (Carte Bancaire co-badged)
    ("51", "55", (16,)), ("2221", "2720", (16,)),  # Mastercard
    ("34", "34", (15,)), ("37", "37", (15,)),  # American Express
    ("6011", "6011", (16, 17, 18, 19)), ("644", "649", (16, 17, 18, 19)), ("65", "65", (16, 17, 18, 19)),  # Discover
    ("62", "62", (16, 17, 18, 19)),  # UnionPay
    ("3528", "3589", (16, 17, 18, 19)),  # JCB
    ("36", "36", (16, 17, 18, 19)), ("300", "305", (16,)), ("38", "39", (16,)),  # Diners Club
    ("5018", "5018", (13, 15, 16, 19)), ("5020", "5020", (13, 15, 16, 19)), ("5038", "5038", (13, 15, 16, 19)),
    ("5893", "5893", (16, 19)), ("6304", "6304", (16, 18, 19)), ("6759", "6759", (16, 18, 19)),
    ("6761", "6763", (16, 19)),  # Maestro
    ("2200", "2204", (16, 17, 18, 19)),  # Mir
)


_CARD_LENGTHS: dict[str, set[int]] = {}  # every issuer prefix ("2221" … "2720") → the lengths issued under it
for _low, _high, _lengths in CARD_ISSUERS:
    for _prefix in range(int(_low), int(_high) + 1):
        _CARD_LENGTHS.setdefault(str(_prefix), set()).update(_lengths)


def _card_issued(digits: str) -> bool:
    """A prefix of a card issuer with one of the lengths it issues."""
    return any(len(digits) in _CARD_LENGTHS.get(digits[:n], ()) for n in (1, 2, 3, 4))


def _card_ok(groups: list[str]) -> bool:
    """13–19 digits, Luhn valid, an issuer's prefix and length (a 13-digit one that is a valid EAN-13 is a barcode),
    written as one run or grouped like a card (4-4-4-4[-3], 4-6-5, 4-6-4)."""
    digits = "".join(groups)
    if not 13 <= len(digits) <= 19 or not _luhn_ok(digits) or not _card_issued(digits):
        return False
    if len(digits) == 13 and _ean13_ok(digits):
        return False
    sizes = [len(g) for g in groups]
    return (len(groups) == 1 or (all(s == 4 for s in sizes[:-1]) and 1 <= sizes[-1] <= 4)
            or sizes in ([4, 6, 5], [4, 6, 4]))


# ITU-T E.164 country calling codes in service (prefix-free: one code per number). Zones 1 and 7 are one code.
_CALLING_CODES = frozenset("""
1 7 20 27 30 31 32 33 34 36 39 40 41 43 44 45 46 47 48 49 51 52 53 54 55 56 57 58 60 61 62 63 64 65 66 81 82 84 86
90 91 92 93 94 95 98 211 212 213 216 218 220 221 222 223 224 225 226 227 228 229 230 231 232 233 234 235 236 237
238 239 240 241 242 243 244 245 246 247 248 249 250 251 252 253 254 255 256 257 258 260 261 262 263 264 265 266 267
268 269 290 291 297 298 299 350 351 352 353 354 355 356 357 358 359 370 371 372 373 374 375 376 377 378 380 381 382
383 385 386 387 389 420 421 423 500 501 502 503 504 505 506 507 508 509 590 591 592 593 594 595 596 597 598 599 670
672 673 674 675 676 677 678 679 680 681 682 683 685 686 687 688 689 690 691 692 850 852 853 855 856 880 886 960 961
962 963 964 965 966 967 968 970 971 972 973 974 975 976 977 992 993 994 995 996 998
""".split())
# National significant numbers of fixed length, for the codes whose numbering plan has one (the others: E.164's
# bound alone).
_NATIONAL_LENGTHS = {"1": (10,), "7": (10,), "31": (9,), "32": (8, 9), "33": (9,), "34": (9,), "41": (9,),
                     "44": (9, 10), "351": (9,), "91": (10,)}


def _phone_ok(groups: list[str]) -> bool:
    """A known country calling code, its national number's length, and at most 15 digits in all (E.164); the
    international prefix (+ or 00) and a trunk (0) written after the code are not digits of the number."""
    digits = "".join(groups).replace("(0)", "", 1).translate(_KEEP_DIGITS)
    if groups[0].startswith("00"):  # the international call prefix, not part of the number
        digits = digits[2:]
    if not 8 <= len(digits) <= 15:
        return False
    code = next((digits[:n] for n in (1, 2, 3) if digits[:n] in _CALLING_CODES), None)
    if code is None:
        return False
    national = len(digits) - len(code)
    return national in _NATIONAL_LENGTHS.get(code, range(4, 15))


class _Replacer:
    """Replaces, in one match, the best window of its separated groups that ``ok`` accepts."""

    def __init__(self, split: re.Pattern, ok: Callable[[list[str]], bool], token: str, prefix_only: bool):
        self.split, self.ok, self.token, self.prefix_only = split, ok, token, prefix_only
        self.count = 0

    def __call__(self, match: re.Match) -> str:
        parts = self.split.split(match.group())  # groups at even positions, separators between them
        groups = parts[0::2]
        n = len(groups)
        for size in range(n, 0, -1):  # the longest window first, then the leftmost
            for start in range(0, 1 if self.prefix_only else n - size + 1):
                if self.ok(groups[start:start + size]):
                    self.count += 1
                    return "".join(parts[:2 * start]) + self.token + "".join(parts[2 * (start + size) - 1:])
        return match.group()


def _checked(values: pa.Array, rows: str, pattern: re.Pattern, replacer: _Replacer) -> pa.Array:
    """Python (with a checksum) on the rows where RE2 finds a candidate: few rows, whatever the file's size."""
    where = pc.fill_null(pc.match_substring_regex(values, rows), False)
    if not pc.any(where).as_py():
        return values
    texts = [pattern.sub(replacer, t) for t in values.filter(where).to_pylist()]
    return pc.replace_with_mask(values, where, pa.array(texts, values.type))


def _regex(values: pa.Array, pattern: str, token: str) -> tuple[pa.Array, int]:
    found = pc.sum(pc.count_substring_regex(values, pattern)).as_py() or 0
    return (pc.replace_substring_regex(values, pattern, token) if found else values), found


# Customer ids typed into comments (a pseudonymised database must not keep them beside the pseudonym).
ID_MIN_CHARS, ID_MIN_DIGITS = 4, 6  # shorter ids (or digits-only ids shorter than 6) would take "2025", "12"…
_SHAPE_SAMPLE, _SHAPE_SHARE = 2000, 0.9


def _re2_chars(chars: str) -> str:
    return "".join(f"\\x{{{ord(c):04X}}}" for c in chars)


def _re2_literal(text: str) -> str:
    return "".join(c if c.isascii() and c.isalnum() else _re2_chars(c) for c in text)


def _id_shape(ids: pa.Array) -> str | None:
    r"""The shape of the export's ids as an RE2 pattern (``CRM-784512`` → ``crm-\d{6}``, lower case) when
    ≥ 90 % of them share it and it holds a letter and ≥ 4 digits; None otherwise (digits-only ids: such a
    shape would take order numbers, tickets and postcodes)."""
    if len(ids) == 0:
        return None
    step = max(1, len(ids) // _SHAPE_SAMPLE)
    sample = _texts(ids.take(pa.array(np.arange(0, len(ids), step))))
    shapes: dict[str, int] = {}
    for text in sample:
        parts = re.split(r"(\d+)", text)
        if not (text.isascii() and text[0].isalnum() and text[-1].isalnum()):
            continue  # RE2's \b needs an ASCII letter or digit at each end
        if not any(c.isalpha() for c in text) or sum(len(d) for d in parts[1::2]) < 4:
            continue
        shape = "".join(f"\\d{{{len(x)}}}" if i % 2 else _re2_literal(x) for i, x in enumerate(parts))
        shapes[shape] = shapes.get(shape, 0) + 1
    if not shapes:
        return None
    shape, n = max(shapes.items(), key=lambda kv: kv[1])
    return shape if n >= _SHAPE_SHARE * len(sample) else None


class CustomerIds:
    r"""The customer ids of an import, as looked for in its comments: every token equal (ignoring case) to one
    of them, and every token of their shape when they share one with letters (``CRM-\d{6}``: the same CRM's
    ids of customers not in these files). Ids without a digit, holding a space, or too short to be told from
    ordinary numbers (``ID_MIN_CHARS``; ``ID_MIN_DIGITS`` for digits only) are not looked for."""

    def __init__(self, ids):
        if isinstance(ids, pd.Series):
            ids = _arrow_strings(ids.dropna())
        elif not isinstance(ids, pa.Array | pa.ChunkedArray):
            ids = pa.array([str(i) for i in ids if i is not None], pa.large_string())
        ids = ids.cast(pa.large_string()) if ids.type != pa.large_string() else ids
        if isinstance(ids, pa.ChunkedArray):
            ids = ids.combine_chunks()
        ids = pc.utf8_lower(pc.utf8_trim_whitespace(ids.drop_null()))
        length = pc.utf8_length(ids)
        digits_only = pc.match_substring_regex(ids, r"^\d+$")
        keep = pc.and_(pc.match_substring_regex(ids, r"^\S*\d\S*$"),  # a digit, no space
                       pc.greater_equal(length, pc.if_else(digits_only, ID_MIN_DIGITS, ID_MIN_CHARS)))
        ids = pc.unique(ids.filter(keep))
        shape = _id_shape(ids)
        self.shape = rf"(?i)\b{shape}\b" if shape else None
        if shape:  # the ids of that shape are found by it
            ids = ids.filter(pc.invert(pc.match_substring_regex(ids, f"^{shape}$")))
        plain = pc.match_substring_regex(ids, r"^[\p{L}\p{N}]+$")
        self.exact = [_Tokens(ids.filter(plain), ""), _Tokens(ids.filter(pc.invert(plain)))]  # C0001; CRM-0001

    def __bool__(self) -> bool:
        return bool(self.shape) or any(len(t.ids) for t in self.exact)

    def mask(self, values: pa.Array) -> tuple[pa.Array, int]:
        count = 0
        if self.shape:
            values, count = _regex(values, self.shape, MASKS["id"])
        for tokens in self.exact:
            values, found = tokens.mask(values)
            count += found
        return values, count


class _Tokens:
    """Ids found as whole tokens of a comment (ignoring case): runs of letters, digits and the other
    characters the ids hold (``-``, ``.``, ``_``…), those trimmed at both ends (``CRM-0001.`` ends a sentence)."""

    def __init__(self, ids: pa.Array, seps: str | None = None):
        self.ids = ids
        if seps is None:
            others = pc.unique(pc.replace_substring_regex(ids, r"[\p{L}\p{N}]+", "")) if len(ids) else []
            seps = "".join(sorted(set("".join(_texts(others)))))
        self.seps = seps
        self.split = rf"[^\p{{L}}\p{{N}}{_re2_chars(self.seps)}]+"
        self.token = re.compile(rf"(?:[^\W_]|[{re.escape(self.seps)}])+" if self.seps else r"[^\W_]+")

    def mask(self, values: pa.Array) -> tuple[pa.Array, int]:
        if len(self.ids) == 0:
            return values, 0
        rows = pc.fill_null(pc.match_substring_regex(values, r"\d"), False)
        if not pc.any(rows).as_py():
            return values, 0
        part = values.filter(rows)
        tokens = pc.split_pattern_regex(part, self.split)
        flat, parents = pc.list_flatten(tokens), pc.list_parent_indices(tokens)
        with_digit = pc.match_substring_regex(flat, r"\d")
        flat, parents = flat.filter(with_digit), parents.filter(with_digit)
        if self.seps:
            flat = pc.utf8_trim(flat, self.seps)
        flat = pc.utf8_lower(flat)
        hit = pc.is_in(flat, value_set=self.ids)
        if not pc.any(hit).as_py():
            return values, 0
        found = set(flat.filter(hit).to_pylist())
        where = pc.is_in(pa.array(np.arange(len(part), dtype=np.int64)), value_set=pc.unique(parents.filter(hit)))
        replaced = 0

        def replace(match: re.Match) -> str:
            nonlocal replaced
            text = match.group()
            core = text.strip(self.seps) if self.seps else text
            if core.lower() not in found:
                return text
            replaced += 1
            start = text.index(core)
            return text[:start] + MASKS["id"] + text[start + len(core):]

        texts = [self.token.sub(replace, t) for t in part.filter(where).to_pylist()]
        part = pc.replace_with_mask(part, where, pa.array(texts, part.type))
        return pc.replace_with_mask(values, rows, part), replaced


def _mask_array(values: pa.Array, ids: CustomerIds | None = None) -> tuple[pa.Array, dict[str, int]]:
    counts = dict.fromkeys(MASKS, 0)
    candidates = pc.fill_null(pc.match_substring_regex(values, _CANDIDATE_ROWS), False)
    if not pc.any(candidates).as_py():
        return values, counts
    part = values.filter(candidates)  # most comments hold neither a digit nor an @
    part, counts["email"] = _regex(part, _EMAIL, MASKS["email"])
    iban = _Replacer(_SPLIT_IBAN, lambda g: _iban_ok("".join(g)), MASKS["iban"], prefix_only=False)
    part = _checked(part, _IBAN_ROWS, _IBAN, iban)
    card = _Replacer(_SPLIT_CARD, _card_ok, MASKS["card"], prefix_only=False)
    part = _checked(part, _CARD_ROWS, _CARD, card)
    part, counts["phone"] = _regex(part, _FRENCH_PHONE, MASKS["phone"])
    intl = _Replacer(_SPLIT_PHONE, _phone_ok, MASKS["phone"], prefix_only=True)
    part = _checked(part, _INTL_ROWS, _INTL_PHONE, intl)
    counts["iban"], counts["card"] = iban.count, card.count
    counts["phone"] += intl.count
    if ids:  # last: an e-mail address or a number holding an id is masked whole
        part, counts["id"] = ids.mask(part)
    return pc.replace_with_mask(values, candidates, part), counts


def _arrow_strings(values: pd.Series, one_chunk: bool = True) -> pa.Array | pa.ChunkedArray:
    """A text column as Arrow large_string (no copy for pandas' Arrow-backed strings unless ``one_chunk``
    and they are in several chunks)."""
    if isinstance(values.dtype, pd.StringDtype) and values.dtype.storage == "pyarrow":
        array = values.array.__arrow_array__()
        if one_chunk and isinstance(array, pa.ChunkedArray):
            array = array.chunk(0) if array.num_chunks == 1 else array.combine_chunks()
    else:
        array = pa.array(values.astype(object).where(values.notna(), None), pa.large_string())
    return array if array.type == pa.large_string() else array.cast(pa.large_string())


def mask_personal_data(text, customer_ids=None):
    """Mask e-mail addresses, phone numbers, IBANs and card numbers: ``(masked, counts)``, counts per kind
    (``email``, ``phone``, ``iban``, ``card``, ``id``). ``text`` is one string (or None) or a whole column (a
    pandas Series, kept with its index; missing values stay missing). With ``customer_ids`` (raw ids of the
    import, or a ``CustomerIds``), those ids and the ids of their shape become ``[id]`` too."""
    ids = customer_ids if isinstance(customer_ids, CustomerIds) or customer_ids is None else CustomerIds(customer_ids)
    if text is None or isinstance(text, str):
        masked, counts = _mask_array(pa.array([text], pa.large_string()), ids)
        return masked[0].as_py(), counts
    if not isinstance(text, pd.Series):
        raise TypeError("mask_personal_data takes a string or a pandas Series")
    masked, counts = _mask_array(_arrow_strings(text), ids)
    return pd.Series(pd.array(masked, dtype=STR), index=text.index, name=text.name), counts


def masked_message(counts: dict[str, int]):
    """``describe_masked`` as a message in French or English (``loaders.errors.Message``), or None."""
    from loaders.errors import Joined, Message

    parts = tuple(Message(f"load.masked.{k}", n=f"{n:,}".replace(",", "\u202f")) for k, n in counts.items() if n)
    return Joined(parts) if parts else None


def describe_masked(counts: dict[str, int]) -> str | None:
    """``2 e-mail addresses, 1 phone number``, or None when nothing was masked."""
    parts = [f"{n:,} {MASK_NAMES[k][n != 1]}".replace(",", "\u202f") for k, n in counts.items() if n]
    return ", ".join(parts) or None


# --- forgetting ----------------------------------------------------------------------------------------------

_EVENT_TABLES = ("touchpoints", "feedback")
_HISTORY_TABLES = ("customers_history", "touchpoints_history", "feedback_history")


@dataclass
class ForgetResult:
    requested: int  # distinct ids given
    customers: int  # customers deleted
    touchpoints: int
    feedback: int
    history_rows: int  # previous values kept for undo
    already_forgotten: int  # ids given that were forgotten before (nothing left to delete)
    forgotten_at: datetime | None  # None when nothing was deleted

    def lines(self, lang: str | None = None) -> list[str]:
        """What was done, in ``lang`` (English by default)."""
        out = []
        if self.customers:
            out.append(_message("load.forget.done", customers=self.customers, touchpoints=self.touchpoints,
                                feedback=self.feedback, history=self.history_rows).render(lang))
        if self.already_forgotten:
            out.append(_message("load.forget.already", n=self.already_forgotten).render(lang))
        return out


def _normalised_ids(ids: Iterable[str]) -> list[str]:
    """The ids as an import stores them (surrounding spaces removed), once each, in the order given."""
    out = []
    for raw in ids:
        text = str(raw).strip() if raw is not None else ""
        if text and text not in out:
            out.append(text)
    return out


def _in(sql: str) -> sa.TextClause:
    return sa.text(sql).bindparams(sa.bindparam("ids", expanding=True))


def _salt(conn, create: bool) -> bytes | None:
    """This database's forget salt (raw ids); made on first use when ``create``."""
    row = conn.exec_driver_sql("SELECT value FROM parcours_secrets WHERE key = 'forget_salt'").first()
    if row is not None:
        return row[0].encode("ascii")
    if not create:
        return None
    salt = secrets.token_hex(32)
    conn.execute(sa.text("INSERT INTO parcours_secrets (key, value) VALUES ('forget_salt', :v)"), {"v": salt})
    return salt.encode("ascii")


def _conn_meta(conn, key: str) -> str | None:
    return conn.execute(sa.text("SELECT value FROM parcours_meta WHERE key = :k"), {"k": key}).scalar()


def _forget_secret(conn, create: bool) -> bytes | None:
    key = _database_key(_conn_meta(conn, "customer_ids") or RAW, _conn_meta(conn, "pseudonym_key_check"))
    return key.value if key is not None else _salt(conn, create)


def forget(db: Database, ids: Iterable[str], source: str = "cli") -> ForgetResult:
    """Delete these customers (ids as in the import files; in a pseudonymised database, their pseudonyms
    work too) with their touchpoints, feedback and undo values, in one transaction; log it without the ids;
    keep a keyed hash of each so that later imports skip them. An id the database does not hold refuses the
    whole request (``UnknownCustomers``); an id forgotten before is counted in ``already_forgotten``."""
    from loaders.write import _PG_IMPORT_LOCK

    given = _normalised_ids(ids)
    if not given:
        raise PrivacyError(_message("load.forget.none"))
    if db.read_only:
        raise ReadOnlyDatabase()
    if not is_initialised(db):
        raise UnknownCustomers(given)
    key = database_key(db)  # before any write: a pseudonymised database needs its key
    candidates = {g: [g] for g in given}
    if key is not None:  # the CRM id's pseudonym, or a pseudonym as shown in Parcours
        candidates = {g: [pseudonym(g, key)] + ([g] if PSEUDONYM_PATTERN.fullmatch(g) else []) for g in given}
    every = sorted({c for cs in candidates.values() for c in cs})
    with db.engine.begin() as conn:
        if db.dialect == "postgresql":  # not while an import writes (it would bring them back)
            conn.exec_driver_sql(f"select pg_advisory_xact_lock({_PG_IMPORT_LOCK})")
        secret = _forget_secret(conn, create=True)
        digest = _hex_digest(secret, _FORGET_PREFIX)
        # One customer across systems: any of its identifiers forgets the whole stitched customer.
        stitched = dict(conn.execute(_in("SELECT identifier, customer_id FROM identities WHERE identifier IN :ids "
                                         "AND NOT held"), {"ids": every}).all())
        candidates = {g: cs + [stitched[c] for c in cs if c in stitched] for g, cs in candidates.items()}
        every = sorted({c for cs in candidates.values() for c in cs})
        held = {r[0] for r in conn.execute(_in("SELECT customer_id FROM customers WHERE customer_id IN :ids"),
                                           {"ids": every})}
        hashes = {c: digest(c) for c in every}
        gone = {r[0] for r in conn.execute(_in("SELECT id_hash FROM forgotten_customers WHERE id_hash IN :ids"),
                                           {"ids": list(hashes.values())})}
        targets, already, unknown = set(), 0, []
        for g, cs in candidates.items():
            found = next((c for c in cs if c in held), None)
            if found is not None:
                targets.add(found)
            elif any(hashes[c] in gone for c in cs):
                already += 1
            else:
                unknown.append(g)
        if unknown:
            raise UnknownCustomers(unknown)  # the transaction rolls back: nothing written
        if not targets:
            return ForgetResult(len(given), 0, 0, 0, 0, already, None)
        params = {"ids": sorted(targets)}
        counts = {}
        for table in ("customers", *_EVENT_TABLES, *_HISTORY_TABLES):
            counts[table] = conn.execute(_in(f"SELECT count(*) FROM {table} WHERE customer_id IN :ids"),
                                         params).scalar_one()
            if counts[table]:
                conn.execute(_in(f"DELETE FROM {table} WHERE customer_id IN :ids"), params)
        # the component's links and identities go too: its e-mail hash must not bring it back together
        members = [r[0] for r in conn.execute(_in("SELECT identifier FROM identities WHERE customer_id IN :ids"),
                                              params)]
        if members:
            conn.execute(sa.text("DELETE FROM identity_links WHERE id_a IN :m OR id_b IN :m").bindparams(
                sa.bindparam("m", expanding=True)), {"m": members})
            conn.execute(_in("DELETE FROM identities WHERE customer_id IN :ids"), params)
        # their stored journey facts (``analytics.facts``) go in this transaction, before the facts are written again
        from analytics.facts import TABLE as FACTS

        if FACTS in {r[0] for r in conn.exec_driver_sql(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()")}:
            conn.execute(_in(f"DELETE FROM {FACTS} WHERE customer_id IN :ids"), params)
        new_hashes = sorted({hashes[t] for t in targets} - gone)
        conn.execute(sa.insert(ForgottenCustomer), [{"id_hash": h} for h in new_hashes])
        now = datetime.now(UTC)
        log_id = conn.exec_driver_sql("SELECT coalesce(max(id), 0) + 1 FROM forget_log").scalar_one()
        history = sum(counts[t] for t in _HISTORY_TABLES)
        conn.execute(sa.insert(ForgetLog).values(
            id=int(log_id), forgotten_at=now, source=source, customers=counts["customers"],
            touchpoints=counts["touchpoints"], feedback=counts["feedback"], history_rows=history))
    from loaders.write import refresh_facts

    refresh_facts(db)
    return ForgetResult(len(given), counts["customers"], counts["touchpoints"], counts["feedback"], history,
                        already, now)


def forget_log(db: Database) -> list[dict]:
    """The forget log, newest first: date, source and counts (the ids are not kept)."""
    with db.engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT id, forgotten_at, source, customers, touchpoints, feedback, history_rows "
            "FROM forget_log ORDER BY id DESC").all()
    return [dict(r._mapping) for r in rows]


def drop_forgotten(conn, frames: list) -> dict[str, int]:
    """Inside an import's transaction: remove the rows of forgotten customers from each validated file
    (``Validated.frame``, ids as stored); returns the number of rows skipped per kind (only kinds with some)."""
    hashes = {r[0] for r in conn.exec_driver_sql("SELECT id_hash FROM forgotten_customers")}
    if not hashes:
        return {}
    secret = _forget_secret(conn, create=False)
    if secret is None:  # hashes without a salt cannot be: nothing can match them
        return {}
    digest = _hex_digest(secret, _FORGET_PREFIX)
    skipped = {}
    for v in frames:
        ids = v.frame["customer_id"]
        if ids.empty:
            continue
        forgotten = [u for u in _texts(pd.unique(ids.dropna())) if digest(u) in hashes]
        if not forgotten:
            continue
        drop = ids.isin(forgotten).to_numpy(dtype=bool)
        v.frame = v.frame[~drop].reset_index(drop=True)
        skipped[v.kind] = int(drop.sum())
    return skipped
