"""Check a read file against its kind's columns and turn its text into typed frames.

Everything works on whole columns (Arrow-backed string operations, ``factorize`` for columns
that repeat a few values), never row by row: 10M-row files must validate in seconds. Rows with
an error are left out of the frame; every problem is in ``errors``, in line order.

String columns of the frames use pandas' ``str`` dtype (Arrow-backed); "None" in the frame
descriptions is its missing value (``pd.isna``): Python objects would not fit 10M rows in memory.
"""

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from data_model.models import Touchpoint
from data_model.stages import StageDef
from data_model.text import CONTROL_CHARACTERS, clean_control, fold, header_key, slug
from loaders.columns import AMBIGUOUS_NPS_HEADERS, COLUMNS, ONE_OF, canonical_name, is_always_required
from loaders.errors import (
    MAX_VALUE_CHARS,
    Count,
    InputError,
    InputErrors,
    Joined,
    Message,
    PerLanguage,
    Quoted,
    quoted_list,
    shorten,
)
from loaders.privacy import mask_personal_data, masked_message
from loaders.read import LINE_COLUMN, RawTable, read_table

STR = pd.StringDtype("pyarrow", na_value=np.nan)  # pandas' default "str" dtype
DATETIME = "datetime64[us]"
MAX_ERRORS_PER_CHECK = 1000  # per column and problem; the rest is counted in one closing error
MAX_TYPES_LISTED = 30

# Dates and timestamps outside this business range are refused (after conversion to the business time zone):
# year 1 or 9999 is a placeholder, not a customer's visit, and it breaks every page's date arithmetic. Override
# here (module-wide) or per import with ImportContext(earliest=..., latest=...).
EARLIEST_DATE = dt.date(1900, 1, 1)
LATEST_DATE = dt.date(2100, 12, 31)
# Columns that identify a row are kept exactly as written: a control character in one is refused, never cleaned
# (cleaning could merge two ids, or make one differ from the CRM's). They are also bounded in length: PostgreSQL's
# B-tree indexes (customer key, natural keys) take at most 2704 bytes per entry.
IDENTIFIERS = ("customer_id", "touchpoint_id", "feedback_id")
MAX_ID_CHARS = 200
MAX_NAME_CHARS = 200  # channel and touchpoint type names: both are part of a touchpoint's natural key
# Amounts must fit the revenue column (NUMERIC(18, 4): below 10^14 in absolute value).
_REVENUE_TYPE = Touchpoint.__table__.c.revenue.type
REVENUE_LIMIT = 10 ** (_REVENUE_TYPE.precision - _REVENUE_TYPE.scale)

_CONTROL = re.compile(CONTROL_CHARACTERS)
# The control characters that clean_control turns into a space (they separate words) rather than drops, as a
# regular-expression class for Arrow: derived from the shared definition, so that both always agree.
_SEPARATING_CONTROL = "[" + "".join(f"\\x{c:02x}" for c in range(0xA0)
                                    if _CONTROL.fullmatch(chr(c)) and clean_control(chr(c)) == " ") + "]"


def _spaced(number: int) -> str:
    return f"{number:,}".replace(",", "\u202f")


def visible_control(text: str) -> str:
    """``text`` with each control character written as <U+0007>, for messages."""
    return _CONTROL.sub(lambda m: f"<U+{ord(m.group()):04X}>", text)

# The frames validate() returns, column by column (customers: only the optional columns the file has).
OUTPUT_COLUMNS: dict[str, dict[str, object]] = {
    "customers": {
        "customer_id": STR, "persona": STR, "segment": STR, "region": STR,
        "signup_date": DATETIME, "churned": "boolean", "churn_date": DATETIME, "line": "int64",
    },
    "touchpoints": {
        "customer_id": STR, "timestamp": DATETIME, "channel": STR, "channel_label": STR, "stage": STR,
        "touchpoint": STR, "revenue": "float64", "touchpoint_id": STR, "source": STR, "natural_key": STR,
        "line": "int64",
    },
    "feedback": {
        "customer_id": STR, "timestamp": DATETIME, "stage": STR, "channel": STR, "channel_label": STR,
        "nps": "Int64", "csat": "Int64", "comment": STR, "feedback_id": STR, "natural_key": STR, "line": "int64",
    },
}

TRUE_WORDS = ("true", "vrai", "1", "yes", "oui", "y", "o")
FALSE_WORDS = ("false", "faux", "0", "no", "non", "n")
BOOLEAN_HELP = "true/false, vrai/faux, 1/0, yes/no, oui/non, y/n, o/n"

# dd/mm/yyyy [HH:MM[:SS]] (slashes are always day first) and ISO 8601; an offset needs a time.
_FRENCH_DATE = r"^\d{1,2}/\d{1,2}/\d{4}(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?$"
_OFFSET = r"(?:Z|[+-]\d{2}(?::?\d{2})?)"
_ISO_DATE = rf"^\d{{4}}-\d{{2}}-\d{{2}}(?:[T ]\d{{2}}:\d{{2}}(?::\d{{2}}(?:[.,]\d{{1,9}})?)?(?:\s*{_OFFSET})?)?$"
_ISO_WITH_OFFSET = rf"\d:\d{{2}}(?::\d{{2}}(?:[.,]\d+)?)?\s*{_OFFSET}$"
_FRENCH_FORMATS = ("%d/%m/%Y %H:%M", "%d/%m/%Y", "%d/%m/%Y %H:%M:%S")
DATE_HELP = "expected dd/mm/yyyy [HH:MM[:SS]] or ISO 8601 yyyy-mm-dd[THH:MM[:SS]][±HH:MM]"

# Numbers: spaces (also non-breaking) group thousands, a € may lead or trail, one decimal mark.
_SPACES = "[ \u00a0\u202f]"
_DIGITS = rf"(?:(?:\d{{1,3}}(?:{_SPACES}\d{{3}})+|\d+)(?:[.,]\d+)?|[.,]\d+)"
_NUMBER = rf"^(?:€{_SPACES}*)?[+-]?{_DIGITS}(?:{_SPACES}*€)?$"
_NOT_IN_NUMBER = ("€", " ", "\u00a0", "\u202f")  # what a valid number loses before float()


@dataclass
class ImportContext:
    """What validation needs to know about the database it is importing into."""

    stages: list[StageDef]  # in order
    touchpoint_types: dict[str, str] = field(default_factory=dict)  # slug(type) -> stage code
    timezone: str = "Europe/Paris"  # the business time zone: offsets are converted to it
    # Pseudonymisation plugs in here: applied to valid customer ids, before keys and duplicates.
    transform_customer_id: Callable[[pd.Series], pd.Series] | None = None
    # E-mail addresses, phone numbers, IBANs and card numbers in comments become [email], [téléphone]…
    mask_personal_data: bool = True
    # Why nothing may be imported into this database now (e.g. its pseudonym key is missing), or None.
    refusal: str | None = None
    # The accepted business range of dates (inclusive days); defaults read when the context is made.
    earliest: dt.date = field(default_factory=lambda: EARLIEST_DATE)
    latest: dt.date = field(default_factory=lambda: LATEST_DATE)
    # The channel a touchpoint with an empty channel takes (e.g. "unknown"; counted in a note), or None: an empty
    # channel is then an error (``--empty-channel``; a source profile may set it too).
    empty_channel: str | None = None
    # The source system of touchpoints whose file says none (no ``source`` column, or an empty cell): the import's
    # ``--source``, or a source profile's ``source``; None leaves it unknown.
    source_system: str | None = None

    def __post_init__(self) -> None:
        self.touchpoint_types = {slug(k): v for k, v in self.touchpoint_types.items()}
        self._stage_lookup = _stage_lookup(self.stages)

    @classmethod
    def for_model(cls, stages: tuple[StageDef, ...] | list[StageDef], timezone: str = "Europe/Paris",
                  transform_customer_id: Callable[[pd.Series], pd.Series] | None = None) -> "ImportContext":
        """A context from a stage model, its default touchpoint types mapped to their stages."""
        mapping = {slug(t): s.code for s in stages for t in s.touchpoint_types}
        return cls(list(stages), mapping, timezone, transform_customer_id)

    def stage_code(self, value: str) -> str | None:
        """A stage's code from its code or French/English label, ignoring case, accents and punctuation."""
        return self._stage_lookup.get(fold(value).strip()) or self._stage_lookup.get(slug(value))


def _stage_lookup(stages: list[StageDef]) -> dict[str, str]:
    lookup: dict[str, str] = {}
    for stage in stages:
        for name in (stage.code, stage.label_fr, stage.label_en):
            lookup.setdefault(fold(name).strip(), stage.code)
            lookup.setdefault(slug(name), stage.code)
    return lookup


@dataclass
class Validated:
    kind: str
    file_name: str
    sha256: str
    rows_read: int  # records after skipping empty ones
    frame: pd.DataFrame  # valid rows only, in file order (see OUTPUT_COLUMNS)
    errors: list[InputError] = field(default_factory=list)
    present: set[str] = field(default_factory=set)  # optional canonical columns the file has
    notes: list[Message] = field(default_factory=list)  # harmless things worth telling (ignored columns, …)
    masked: dict[str, int] = field(default_factory=dict)  # personal data masked in comments, per kind
    # The lines of the rows left out of ``frame`` for an error (sorted; identical repeats kept once are not), and
    # the errors not listed one by one past MAX_ERRORS_PER_CHECK: (lines, header, canonical name, reason) each.
    # ``--on-error quarantine`` (loaders.quarantine) rejects exactly these rows, each with its reasons.
    refused_lines: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    unlisted: list[tuple[np.ndarray, str | None, str | None, Message]] = field(default_factory=list)
    rejected: object = None  # loaders.quarantine.Rejected once quarantined (the rows left out, as read)

    @property
    def ok(self) -> bool:
        return not self.errors


def read_and_validate(path: str | Path, kind: str, ctx: ImportContext) -> Validated:
    """``read_table`` then ``validate``; a file that cannot be read gives a Validated with its errors."""
    try:
        raw = read_table(path)
    except InputErrors as exc:
        return Validated(kind, Path(path).name, "", 0, empty_frame(kind), exc.errors)
    return validate(raw, kind, ctx, _consume=True)


def empty_frame(kind: str, present: set[str] = frozenset()) -> pd.DataFrame:
    columns = _output_columns(kind, present)
    return pd.DataFrame({name: pd.Series([], dtype=dtype) for name, dtype in columns.items()})


def _output_columns(kind: str, present: set[str]) -> dict[str, object]:
    columns = OUTPUT_COLUMNS[kind]
    if kind != "customers":
        return columns
    return {n: d for n, d in columns.items() if n in ("customer_id", "line") or n in present}


def validate(raw: RawTable, kind: str, ctx: ImportContext, _consume: bool = False,
             found: dict[str, int] | None = None) -> Validated:
    """Check one read file as ``kind`` (customers | touchpoints | feedback) and type its columns.

    ``found`` (canonical name -> column position) says which column is which instead of the headers (a source
    profile's mapping, ``loaders.profile``); the headers then only name the columns in messages.

    ``_consume`` (for ``read_and_validate``, which owns ``raw``): drop each text column from
    ``raw.data`` once it is read, so memory is freed as the typed columns are built.
    """
    if kind not in COLUMNS:
        raise ValueError(f"unknown kind {kind!r}: expected one of {', '.join(COLUMNS)}")
    if found is None:
        found, errors, notes = match_headers(raw, kind)
    else:
        missing = _missing_columns(kind, found)
        errors = [InputError(raw.file_name, None, None, None, Message(
            "load.profile.missing_fields", kind=Message(f"load.kind.{kind}"), missing=Joined(tuple(missing), "; ")))
        ] if missing else []
        notes = []
    present = {name for name in found if not is_always_required(kind, name)}
    result = Validated(kind, raw.file_name, raw.sha256, len(raw.data), empty_frame(kind, present), errors,
                       present, notes)
    if errors:
        return result
    check = _Check(raw, found, _consume)
    frame = _BUILDERS[kind](check, ctx)
    check.control_note()
    result.frame = frame.astype(_output_columns(kind, present))[list(_output_columns(kind, present))]
    result.errors = check.sorted_errors()
    result.notes += check.notes
    result.masked = check.masked
    result.refused_lines = np.union1d(check.lines[check.bad], np.asarray(check.refused, dtype=np.int64))
    result.unlisted = check.unlisted
    return result


# --- headers -------------------------------------------------------------------------------------


def match_headers(raw: RawTable, kind: str) -> tuple[dict[str, int], list[InputError], list[str]]:
    """canonical name -> column position; errors for missing or duplicated columns; notes."""
    found: dict[str, int] = {}
    errors: list[InputError] = []
    ignored, unnamed = [], 0
    for position, header in enumerate(raw.headers):
        name = canonical_name(kind, header)
        if not header.strip():
            unnamed += 1
        elif name is None:
            ignored.append(header)
        elif name in found:
            first = raw.headers[found[name]]
            errors.append(InputError(raw.file_name, raw.header_line, visible_control(header), None,
                                     Message("load.same_column", first=Quoted(visible_control(first))), name))
        else:
            found[name] = position
    missing = _missing_columns(kind, found)
    if missing:
        headers = quoted_list(raw.headers) if raw.headers else Message("load.none")
        errors.append(InputError(raw.file_name, raw.header_line, None, None,
                                 Message("load.missing_columns", kind=Message(f"load.kind.{kind}"),
                                         missing=Joined(tuple(missing), "; "), headers=headers)))
    notes = []
    if ignored:
        notes.append(Message("load.ignored_columns", kind=Message(f"load.kind.{kind}"), columns=quoted_list(ignored)))
    if unnamed:
        notes.append(Message("load.unnamed_columns", n=unnamed))
    return found, errors, notes


def _missing_columns(kind: str, found: dict[str, int]) -> list[str]:
    """Each missing requirement, with the headers that would satisfy it."""
    missing = []
    for column in COLUMNS[kind]:
        if is_always_required(kind, column.name) and column.name not in found:
            missing.append(Message("load.missing_column", name=column.name, aliases=", ".join(column.aliases[:4])))
    for group in ONE_OF.get(kind, ()):
        if not any(name in found for name in group):
            missing.append(Message("load.one_of", first=group[0], second=" / ".join(group[1:])))
    return missing


# --- row checks ----------------------------------------------------------------------------------


class _Check:
    """The columns of one file, and the errors found in them so far."""

    def __init__(self, raw: RawTable, found: dict[str, int], consume: bool = False):
        self.raw, self.found, self.consume = raw, found, consume
        self.index = raw.data.index
        self.lines = raw.data[LINE_COLUMN].to_numpy(dtype=np.int64)
        self.bad = np.zeros(len(raw.data), dtype=bool)
        self.errors: list[InputError] = []
        self.notes: list[Message] = []
        self.masked: dict[str, int] = {}
        self.control_removed: dict[str, int] = {}  # header -> control characters taken out of its values
        self.refused: list[int] = []  # lines of rows dropped for a repeated key with other values (not ``bad``)
        self.unlisted: list[tuple[np.ndarray, str | None, str | None, Message]] = []  # see Validated.unlisted

    def has(self, name: str) -> bool:
        return name in self.found

    def header(self, name: str) -> str | None:
        """The column's header as in the file (a control character in it shown as <U+…>), for messages."""
        return visible_control(self.raw.headers[self.found[name]]) if name in self.found else None

    def text(self, name: str, control: str = "clean") -> pd.Series:
        """The column's values without surrounding spaces; missing when empty or when there is no column.

        Control characters (``data_model.text``): ``clean`` takes them out of free text (counted for a note);
        ``refuse`` makes each value holding one an error (identifiers); ``keep`` leaves them to the column's
        parser (numbers, dates, yes/no: such a value is not understood, so it is refused there).
        """
        if name not in self.found:
            return pd.Series(np.nan, index=self.index, dtype=STR)
        values = self.raw.data[self.found[name]]
        if self.consume:
            del self.raw.data[self.found[name]]
        if control != "keep":
            values = self._control_characters(name, values, control == "refuse")
        stripped = values.str.strip()  # also non-breaking spaces
        if _total_length(stripped) == _total_length(values):
            return values  # the common case: nothing stripped, keep the original column (and memory)
        return stripped.mask(stripped == "")

    def required_text(self, name: str, control: str = "clean") -> pd.Series:
        values = self.text(name, control)
        self.error(name, values.isna(), values, Message("load.required", name=name))
        return values

    def identifier(self, name: str, required: bool = False) -> pd.Series:
        """An id column: kept exactly as written, so control characters are refused; at most MAX_ID_CHARS."""
        values = self.required_text(name, "refuse") if required else self.text(name, "refuse")
        self.too_long(name, values, MAX_ID_CHARS, "load.what.identifier")
        return values

    def too_long(self, name: str, values: pd.Series, limit: int, what: str) -> None:  # what: a catalogue key
        array = _arrow(values)
        if (pc.max(pc.binary_length(array)).as_py() or 0) <= limit:
            return  # no value has more bytes than the limit, so none has more characters (lengths from offsets)
        lengths = pc.utf8_length(array)
        if (pc.max(lengths).as_py() or 0) > limit:
            long = pc.fill_null(pc.greater(lengths, limit), False).to_numpy(zero_copy_only=False)
            self.error(name, long, values.str.slice(0, MAX_VALUE_CHARS + 1),  # shortened in messages
                       Message("load.too_long", what=Message(what), limit=limit))

    def _control_characters(self, name: str, values: pd.Series, refuse: bool) -> pd.Series:
        """``values`` without control characters (counted), or as they are with an error per value holding one."""
        array = _arrow(values)
        if not _may_hold_control(array) or not pc.any(pc.match_substring_regex(array, CONTROL_CHARACTERS)).as_py():
            return values  # the common case: one cheap scan of the column's bytes
        counts = pc.count_substring_regex(array, CONTROL_CHARACTERS)
        if refuse:
            holding = pc.fill_null(pc.greater(counts, 0), False).to_numpy(zero_copy_only=False)
            shown = values.where(~holding, values[holding].map(visible_control, na_action="ignore"))
            self.error(name, holding, shown, Message("load.control_id"))
            return values
        header = self.header(name)
        self.control_removed[header] = self.control_removed.get(header, 0) + pc.sum(counts).as_py()
        separated = pc.replace_substring_regex(array, _SEPARATING_CONTROL, " ")
        return _as_str(pc.replace_substring_regex(separated, CONTROL_CHARACTERS, ""), values.index)

    def control_note(self) -> None:
        if self.control_removed:
            total = sum(self.control_removed.values())
            where = Joined(tuple(Message("load.header_count", header=header, n=Count(n))
                                 for header, n in self.control_removed.items()))
            self.notes.append(Message("load.control_removed", n=Count(total), where=where))

    def error(self, name: str, mask, values: pd.Series, reason: Message) -> None:
        """One error per row in ``mask`` (the first MAX_ERRORS_PER_CHECK, then a count); rows become bad."""
        mask = np.asarray(mask, dtype=bool)
        if not mask.any():
            return
        self.bad |= mask
        rows = np.flatnonzero(mask)
        header = self.header(name)
        shown = rows[:MAX_ERRORS_PER_CHECK]
        for row, value in zip(shown, values.iloc[shown], strict=True):
            text = None if pd.isna(value) else str(value)
            self.errors.append(InputError(self.raw.file_name, int(self.lines[row]), header, text, reason, name))
        if len(rows) > len(shown):
            self.unlisted.append((self.lines[rows[len(shown):]], header, name, reason))
            first = rows[len(shown)]
            self.errors.append(InputError(
                self.raw.file_name, int(self.lines[first]), header, None,
                Message("load.more_same", n=Count(len(rows) - len(shown)), reason=reason),
                name,
            ))

    def sorted_errors(self) -> list[InputError]:
        order = {name: i for i, name in enumerate(self.found)}
        return sorted(self.errors, key=lambda e: (e.line or 0, order.get(e.canonical, len(order))))

    # typed columns

    def timestamps(self, name: str, ctx: "ImportContext", required: bool) -> pd.Series:
        values = self.required_text(name, "keep") if required else self.text(name, "keep")
        parsed, wrong_shape, outside = parse_timestamps(values, ctx.timezone, ctx.earliest, ctx.latest)
        failed = values.notna().to_numpy() & parsed.isna().to_numpy()
        self.error(name, failed & wrong_shape, values, Message("load.not_date"))
        self.error(name, failed & ~wrong_shape & ~outside, values, Message("load.bad_date"))
        if outside.any():
            self._outside_range_errors(name, values, outside, ctx)
        return parsed

    def _outside_range_errors(self, name: str, values: pd.Series, outside: np.ndarray, ctx: "ImportContext") -> None:
        """Out of the business range as written, or moved out of it by the conversion of its offset."""
        accepted = Message("load.accepted_dates", first=ctx.earliest.isoformat(), last=ctx.latest.isoformat())
        written = values.str.slice(0, 4).where(_matches(values, r"^\d{4}-"))  # ISO: the year as written
        moved = outside & _matches(values, _ISO_WITH_OFFSET) & pd.to_numeric(written, errors="coerce").between(
            ctx.earliest.year, ctx.latest.year).to_numpy()
        self.error(name, outside & ~moved, values, Message("load.outside", accepted=accepted))
        self.error(name, moved, values, Message("load.outside_moved", timezone=ctx.timezone,
                                                                  accepted=accepted))

    def dates(self, name: str, ctx: "ImportContext") -> pd.Series:
        return self.timestamps(name, ctx, required=False).dt.normalize()

    def numbers(self, name: str, limit: float | None = None) -> pd.Series:
        """Decimal numbers; with ``limit``, a value whose absolute value reaches it is refused (the column's type
        cannot hold it)."""
        values = self.text(name, "keep")
        mark = self.raw.decimal_mark
        numbers, ambiguous = parse_numbers(values, mark)
        other = "." if mark == "," else ","
        self.error(name, ambiguous, values,
                   Message("load.ambiguous", other=Quoted(other), mark=Quoted(mark)))
        example = Message("load.number_comma") if mark == "," else "1234.50"
        self.error(name, values.notna() & numbers.isna() & ~ambiguous, values, Message("load.not_number",
                                                                                       example=example))
        if limit is not None:
            too_big = (numbers.abs() >= limit).to_numpy()  # NaN is not; inf (hundreds of digits) is
            self.error(name, too_big, values, Message("load.too_large", limit=_spaced(limit)))
            numbers = numbers.where(~too_big)
        return numbers

    def integers(self, name: str, low: int, high: int) -> pd.Series:
        values = self.text(name, "keep")
        numbers, _ = parse_numbers(values, self.raw.decimal_mark)
        ok = (numbers % 1 == 0) & numbers.between(low, high)  # NaN fails both
        self.error(name, values.notna() & ~ok, values, Message("load.not_integer", low=low, high=high))
        return numbers.where(ok).astype("Int64")

    def booleans(self, name: str) -> pd.Series:
        values = self.text(name, "keep")
        result = _per_unique(values, _boolean, "boolean")
        self.error(name, values.notna() & result.isna(), values, Message("load.not_boolean", accepted=BOOLEAN_HELP))
        return result

    def stages(self, name: str, ctx: ImportContext) -> pd.Series:
        values = self.required_text(name)
        codes = _per_unique(values, ctx.stage_code, STR)
        accepted = PerLanguage(", ".join(s.code for s in ctx.stages), ", ".join(s.label_fr for s in ctx.stages))
        self.error(name, values.notna() & codes.isna(), values,
                   Message("load.not_stage", accepted=accepted))
        return codes

    def channels(self, name: str, required: bool, default: str | None = None) -> tuple[pd.Series, pd.Series]:
        """(code, label): the code is the slug; values with no letter or digit are not a channel. With ``default``,
        an empty value is that channel (counted in a note) instead of an error."""
        labels = self.required_text(name) if required and not default else self.text(name)
        if default:
            empty = labels.isna().to_numpy()
            if empty.any():
                labels = labels.where(~empty, default)
                self.notes.append(Message("load.empty_channel", n=Count(int(empty.sum())), channel=Quoted(default),
                                          header=Quoted(self.header(name) or name)))
        self.too_long(name, labels, MAX_NAME_CHARS, "load.what.channel")
        codes = _per_unique(labels, lambda v: slug(v) or None, STR)
        self.error(name, labels.notna() & codes.isna(), labels, Message("load.not_channel"))
        return codes, labels

    def stages_from_types(self, types: pd.Series, ctx: ImportContext) -> pd.Series:
        """No stage column: each row's stage is its touchpoint type's, through ctx.touchpoint_types."""
        self.error("touchpoint", types.isna(), types,
                   Message("load.empty_type"))
        type_codes = _per_unique(types, slug, STR)
        stages = _per_unique(type_codes, ctx.touchpoint_types.get, STR)
        unmapped = (types.notna() & stages.isna()).to_numpy()
        if unmapped.any():
            self._unmapped_types_error(types[unmapped], type_codes[unmapped], ctx)
            self.bad |= unmapped
            rows = np.flatnonzero(unmapped)[1:]  # the first has the error listing every type
            if rows.size:
                self.unlisted.append((self.lines[rows], self.header("touchpoint"), "touchpoint",
                                      Message("load.unmapped_type", stages=", ".join(s.code for s in ctx.stages))))
        self.notes.append(Message("load.stage_from_type"))
        return stages

    def _unmapped_types_error(self, types: pd.Series, codes: pd.Series, ctx: ImportContext) -> None:
        """One error listing every unmapped type, at the line of the first one."""
        lines = pd.Series(self.lines[types.index.to_numpy()], index=types.index)
        table = pd.DataFrame({"type": types, "code": codes, "line": lines})
        counts = table["code"].value_counts(sort=False)
        firsts = table.drop_duplicates("code")
        listed = [Message("load.type_rows", type=Quoted(t), rows=Count(counts[c]), line=n)
                  for t, c, n in firsts.head(MAX_TYPES_LISTED).itertuples(index=False)]
        if len(firsts) > MAX_TYPES_LISTED:
            listed.append(Message("load.and_more", n=len(firsts) - MAX_TYPES_LISTED))
        stages = ", ".join(s.code for s in ctx.stages)
        reason = Message("load.unmapped_types", listed=Joined(tuple(listed), "; "), stages=stages)
        self.errors.append(InputError(self.raw.file_name, int(firsts["line"].iloc[0]), self.header("touchpoint"),
                                      None, reason, "touchpoint"))


# --- builders, one per kind ----------------------------------------------------------------------


def _customers(check: _Check, ctx: ImportContext) -> pd.DataFrame:
    raw_ids = check.identifier("customer_id", required=True)
    columns = {"customer_id": raw_ids}
    for name in ("persona", "segment", "region"):
        if check.has(name):
            columns[name] = check.text(name)
    for name in ("signup_date", "churn_date"):
        if check.has(name):
            columns[name] = check.dates(name, ctx)
    if check.has("churned"):
        columns["churned"] = check.booleans("churned")
    frame = _good_rows(check, columns)
    frame = _transform_ids(frame, ctx)
    return _dedupe_customers(check, frame, raw_ids)


def _touchpoints(check: _Check, ctx: ImportContext) -> pd.DataFrame:
    columns = {
        "customer_id": check.identifier("customer_id", required=True),
        "timestamp": check.timestamps("timestamp", ctx, required=True),
    }
    columns["channel"], columns["channel_label"] = check.channels("channel", required=True, default=ctx.empty_channel)
    columns["touchpoint"] = check.text("touchpoint")
    check.too_long("touchpoint", columns["touchpoint"], MAX_NAME_CHARS, "load.what.type")
    if check.has("stage"):
        columns["stage"] = check.stages("stage", ctx)
    else:
        columns["stage"] = check.stages_from_types(columns["touchpoint"], ctx)
    columns["revenue"] = check.numbers("revenue", REVENUE_LIMIT) if check.has("revenue") else np.nan
    columns["touchpoint_id"] = check.identifier("touchpoint_id")
    source = check.text("source")
    check.too_long("source", source, MAX_NAME_CHARS, "load.what.source")
    columns["source"] = source.fillna(ctx.source_system) if ctx.source_system else source
    frame = _transform_ids(_good_rows(check, columns), ctx)
    frame["type_code"] = _per_unique(frame["touchpoint"], slug, STR)
    parts = ["customer_id", "timestamp", "channel", "stage", "type_code"]
    frame = _drop_duplicate_keys(check, frame, "touchpoint_id", parts,
                                 "load.same_touchpoint")
    frame["natural_key"] = natural_key(frame["touchpoint_id"], frame, parts)
    return frame


def _feedback(check: _Check, ctx: ImportContext) -> pd.DataFrame:
    columns = {
        "customer_id": check.identifier("customer_id", required=True),
        "timestamp": check.timestamps("timestamp", ctx, required=True),
        "stage": check.stages("stage", ctx),
    }
    columns["channel"], columns["channel_label"] = check.channels("channel", required=False)
    columns["nps"] = check.integers("nps", 0, 10)
    _stars_as_nps(check, columns["nps"])
    columns["csat"] = check.integers("csat", 1, 5)
    columns["comment"] = check.text("comment")
    columns["feedback_id"] = check.identifier("feedback_id")
    frame = _transform_ids(_good_rows(check, columns), ctx)
    parts = ["customer_id", "timestamp", "stage"]
    frame = _drop_duplicate_keys(check, frame, "feedback_id", parts, "load.same_feedback")
    frame["natural_key"] = natural_key(frame["feedback_id"], frame, parts)
    if check.has("comment"):
        _mask_comments(check, frame, ctx)
    return frame


STARS_MIN_ANSWERS = 30
"""Answers from which an NPS column whose values all lie between 1 and 5 is taken for star ratings."""


def _stars_as_nps(check: _Check, nps: pd.Series) -> None:
    """Star ratings (1–5) in the NPS column: under an ambiguous header (``note``, ``score``, ``rating``) the file is
    refused with a message that suggests CSAT (imported, 14,924 one-to-five-star reviews read as NPS −100); under an
    explicit ``nps`` header they import, with a note."""
    header = check.header("nps")
    answers = nps.dropna()
    if header is None or len(answers) < STARS_MIN_ANSWERS or not answers.between(1, 5).all():
        return
    shown = Quoted(visible_control(header))
    if header_key(header) in {header_key(h) for h in AMBIGUOUS_NPS_HEADERS}:
        check.errors.append(InputError(check.raw.file_name, check.raw.header_line, visible_control(header), None,
                                       Message("load.stars_as_nps", header=shown, n=Count(len(answers))), "nps"))
        check.bad[:] = True
    else:
        check.notes.append(Message("load.nps_looks_like_stars", header=shown, n=Count(len(answers))))


def _mask_comments(check: _Check, frame: pd.DataFrame, ctx: ImportContext) -> None:
    if not ctx.mask_personal_data:
        check.notes.append(Message("load.kept_personal"))
        return
    # A pseudonymised database must not keep a raw customer ID typed into a comment beside its pseudonym: the
    # pseudonymiser remembers the raw IDs of this import's files (customers and touchpoints are validated
    # before feedback), and those IDs, or IDs of their shape (CRM-\d{6}), become [id].
    raw_ids = getattr(ctx.transform_customer_id, "raw_ids", None)
    frame["comment"], check.masked = mask_personal_data(frame["comment"], customer_ids=raw_ids)
    masked = masked_message(check.masked)
    if masked:
        check.notes.append(Message("load.masked", masked=masked))


_BUILDERS = {"customers": _customers, "touchpoints": _touchpoints, "feedback": _feedback}


def _good_rows(check: _Check, columns: dict[str, object]) -> pd.DataFrame:
    frame = pd.DataFrame(columns, index=check.index)
    columns.clear()  # the frame holds the columns now; dropped rows can be freed when filtering
    frame["line"] = check.lines
    return _keep(frame, ~check.bad)


def _keep(frame: pd.DataFrame, keep: np.ndarray) -> pd.DataFrame:
    """The rows where ``keep``, column by column: a 10M-row frame and its copy are never both alive."""
    if keep.all():
        return frame.reset_index(drop=True)
    mask = pa.array(keep)
    return pd.DataFrame({name: kept_rows(frame.pop(name), keep, mask) for name in list(frame.columns)})


def kept_rows(values: pd.Series, keep: np.ndarray, mask: pa.Array | None = None) -> pd.Series:
    """The values where ``keep``, on a new range index. Text columns are filtered by Arrow: pandas takes their
    rows one index at a time across the reader's chunks, ten times slower."""
    if isinstance(values.dtype, pd.StringDtype) and values.dtype.storage == "pyarrow":
        kept = _arrow(values).filter(pa.array(keep) if mask is None else mask)
        return pd.Series(pd.array(kept, dtype=values.dtype))
    return values[keep].reset_index(drop=True)


def _transform_ids(frame: pd.DataFrame, ctx: ImportContext) -> pd.DataFrame:
    if ctx.transform_customer_id is not None and len(frame):
        transformed = ctx.transform_customer_id(frame["customer_id"])
        if len(transformed) != len(frame):
            raise ValueError("transform_customer_id must return one value per customer id")
        frame["customer_id"] = pd.Series(transformed).astype(STR).set_axis(frame.index)
    return frame


def _dedupe_customers(check: _Check, frame: pd.DataFrame, raw_ids: pd.Series) -> pd.DataFrame:
    """The same customer twice: identical rows are kept once; different values are an error."""
    earlier = _earlier_lines(frame, ["customer_id"])
    repeated = earlier > 0
    if not repeated.any():
        return frame
    attributes = [c for c in frame.columns if c not in ("customer_id", "line")]
    later = frame[repeated].assign(first_line=earlier[repeated])
    first = frame.set_index("line").loc[later["first_line"], attributes].set_axis(later.index)
    differs = pd.DataFrame({c: ~_same(later[c], first[c]) for c in attributes}, index=later.index, dtype=bool)
    conflicting = differs.any(axis=1)
    # messages show the id as in the file: looked up for the listed conflicts only (a dict of every row cost 1 s
    # at 1M rows)
    listed = later.loc[conflicting, "line"].to_numpy(np.int64)[:MAX_ERRORS_PER_CHECK]
    at = np.isin(check.lines, listed)
    written_id = dict(zip(check.lines[at].tolist(), raw_ids[at].astype(str).tolist(), strict=True))
    check.refused.extend(later.loc[conflicting, "line"].tolist())
    for count, row in enumerate(later.index[conflicting]):
        if count == MAX_ERRORS_PER_CHECK:
            check.errors.append(InputError(check.raw.file_name, int(later.at[row, "line"]), None, None,
                                           Message("load.more_conflicts", n=Count(int(conflicting.sum()) - count))))
            lines = later.loc[conflicting, "line"].to_numpy(np.int64)[count:]
            check.unlisted.append((lines, check.header("customer_id"), "customer_id",
                                   Message("load.conflict_unlisted")))
            break
        changes = Joined(tuple(Message("load.change", column=c, here=_shown(later.at[row, c]),
                                       there=_shown(first.at[row, c]))
                               for c in attributes if differs.at[row, c]))
        line = int(later.at[row, "line"])
        check.errors.append(InputError(
            check.raw.file_name, line, check.header("customer_id"), written_id[line],
            Message("load.conflict", line=later.at[row, "first_line"], changes=changes),
            "customer_id"))
    identical = int((~conflicting).sum())
    if identical:
        check.notes.append(Message("load.identical_rows", n=identical))
    return _keep(frame, ~repeated)


def _same(a: pd.Series, b: pd.Series) -> pd.Series:
    equal = (a == b).fillna(False).astype(bool)
    return equal | (a.isna() & b.isna())


def _shown(value) -> "str | Message | Quoted":
    if pd.isna(value):
        return Message("load.empty_value")
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat() if value == value.normalize() else value.isoformat(sep=" ")
    if isinstance(value, bool | np.bool_):
        return Message("load.yes" if value else "load.no")
    return Quoted(shorten(str(value)))


def _drop_duplicate_keys(check: _Check, frame: pd.DataFrame, id_column: str, parts: list[str],
                         same_what: str) -> pd.DataFrame:
    """The same natural key twice in one file: a row whose Parcours fields all equal the first one's is kept once
    (counted in a note: the export repeated it, e.g. once per order line); with other values it is an error on the
    later line, citing the first one and what differs.

    Checked on what the key is made of (the id, else the parts), before the key strings exist:
    same id or parts <=> same key.
    """
    earlier = _earlier_key_lines(frame, id_column, parts)
    repeated = earlier > 0
    if not repeated.any():
        return frame
    compared = [c for c in frame.columns if c not in ("line", "channel_label", "type_code")]
    later = frame.loc[repeated, [*compared, "line"]].assign(earlier=earlier[repeated])
    first = frame.set_index("line").loc[later["earlier"], compared].set_axis(later.index)
    differs = pd.DataFrame({c: ~_same(later[c], first[c]) for c in compared}, index=later.index, dtype=bool)
    conflicting = differs.any(axis=1).to_numpy()
    identical = int((~conflicting).sum())
    if identical:
        kind = "touchpoints" if id_column == "touchpoint_id" else "feedback"
        check.notes.append(Message("load.identical_events", n=Count(identical), kind=Message(f"load.kind.{kind}")))
    rows = later[conflicting]
    check.refused.extend(rows["line"].tolist())
    for count, (index, row) in enumerate(rows.iterrows()):
        if count == MAX_ERRORS_PER_CHECK:
            check.errors.append(InputError(check.raw.file_name, int(row["line"]), None, None,
                                           Message("load.more_repeated", n=Count(len(rows) - count))))
            check.unlisted.append((rows["line"].to_numpy(np.int64)[count:], None, None,
                                   Message("load.repeated_unlisted", same=Message(same_what))))
            break
        changes = Joined(tuple(Message("load.change", column=c, here=_shown(row[c]), there=_shown(first.at[index, c]))
                               for c in compared if differs.at[index, c]))
        given_id = row[id_column]
        if pd.isna(given_id):
            error = InputError(check.raw.file_name, int(row["line"]), None, None,
                               Message("load.repeats", line=row["earlier"], same=Message(same_what), changes=changes))
        else:
            error = InputError(check.raw.file_name, int(row["line"]), check.header(id_column), str(given_id),
                               Message("load.already_used", line=row["earlier"], changes=changes), id_column)
        check.errors.append(error)
    return _keep(frame, ~repeated)


def _earlier_key_lines(frame: pd.DataFrame, id_column: str, parts: list[str]) -> np.ndarray:
    """Per row, the line of an earlier row with the same key (0 when none): same id, else same parts."""
    has_id = frame[id_column].notna().to_numpy()
    if has_id.all():
        return _earlier_lines(frame, [id_column])
    if not has_id.any():
        return _earlier_lines(frame, parts)
    earlier = np.zeros(len(frame), dtype=np.int64)
    earlier[has_id] = _earlier_lines(frame[has_id], [id_column])
    earlier[~has_id] = _earlier_lines(frame[~has_id], parts)
    return earlier


_FEW_VALUES = {"channel", "stage", "type_code"}  # hashed through factorize codes, not bytes
_FNV_OFFSET, _FNV_PRIME = np.uint64(0xCBF29CE484222325), np.uint64(0x100000001B3)


def _earlier_lines(frame: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """Per row, the line of the first row with the same ``columns`` if that is an earlier row, else 0
    (missing values equal each other).

    At 10M rows, pandas' hash tables take seconds per column; sorting 64-bit row hashes takes
    ~0.2 s. Rows whose hash repeats are then compared exactly, so a collision cannot cause an error.
    """
    hashes = np.full(len(frame), _FNV_OFFSET, dtype=np.uint64)
    for name in columns:
        hashes ^= _column_hash(frame[name], name in _FEW_VALUES)
        hashes *= _FNV_PRIME
        hashes ^= hashes >> np.uint64(29)
    ordered = np.sort(hashes)
    clashes = ordered[1:][ordered[1:] == ordered[:-1]]
    earlier = np.zeros(len(frame), dtype=np.int64)
    if len(clashes):
        suspects = np.isin(hashes, clashes)
        rows = frame.loc[suspects, [*columns, "line"]]
        groups = rows.groupby(columns, dropna=False, sort=False)["line"]
        first = groups.transform("first").to_numpy()
        earlier[suspects] = np.where(rows.duplicated(columns).to_numpy(), first, 0)
    return earlier


def _column_hash(values: pd.Series, few_values: bool) -> np.ndarray:
    if few_values:
        return pd.factorize(values)[0].astype(np.uint64)
    if isinstance(values.dtype, pd.StringDtype):
        return _string_hash(_arrow(values))
    return values.to_numpy().view(np.uint64)  # datetime64 / int64: the bits are the value


def _string_hash(array: pa.ChunkedArray) -> np.ndarray:
    """A 64-bit hash of each value (all nulls alike), by DuckDB over the Arrow data without a copy: on both cores,
    ten times faster than hashing the bytes with numpy (0.2 s per million ids)."""
    import duckdb

    with duckdb.connect() as con:
        con.register("strings", pa.table({"value": array}))
        # a plain scan keeps the rows in order (DuckDB's preserve_insertion_order, on by default)
        return con.sql("SELECT hash(value) AS h FROM strings").fetchnumpy()["h"].astype(np.uint64, copy=False)


# --- column parsers (pure, vectorised) -----------------------------------------------------------


def parse_timestamps(values: pd.Series, timezone: str, earliest: dt.date | None = None,
                     latest: dt.date | None = None) -> tuple[pd.Series, np.ndarray, np.ndarray]:
    """(naive datetime64[us], NaT where unparsed or out of range; mask of values in neither accepted form; mask
    of values outside ``earliest``..``latest`` (default EARLIEST_DATE..LATEST_DATE, inclusive days), as written
    or once converted to the business time zone)."""
    earliest, latest = earliest or EARLIEST_DATE, latest or LATEST_DATE
    result = pd.Series(pd.NaT, index=values.index, dtype=DATETIME)
    french = _matches(values, _FRENCH_DATE)
    given = values.notna().to_numpy()
    iso = _matches(values, _ISO_DATE) if (given & ~french).any() else np.zeros(len(values), bool)
    outside = np.zeros(len(values), bool)
    if french.any():
        result[french] = _parse_french(values[french])
    if iso.all():  # the usual export: no row to pick out (a 1M-row text take and put back cost 0.2 s)
        result, outside = _parse_iso(values, timezone, earliest.year, latest.year)
    elif iso.any():
        result[iso], outside[iso] = _parse_iso(values[iso], timezone, earliest.year, latest.year)
    # Checked on the parsed values (cheap), after any offset moved them; year 0 or 9999 never reaches a page.
    stamps = result.to_numpy()
    low = np.datetime64(earliest, "us")
    high = np.datetime64(latest + dt.timedelta(days=1), "us")
    outside |= ~np.isnat(stamps) & ((stamps < low) | (stamps >= high))
    if outside.any():
        result[outside] = pd.NaT
    return result, given & ~french & ~iso, outside


def _parse_french(values: pd.Series) -> pd.Series:
    """dd/mm/yyyy [HH:MM[:SS]] with Arrow's strptime; a day that rolled over (31/02) is refused."""
    text = _arrow(values)
    parsed = None
    for fmt in _FRENCH_FORMATS:  # the most frequent shapes first; later ones only fill the gaps
        attempt = pc.strptime(text, format=fmt, unit="us", error_is_null=True)
        parsed = attempt if parsed is None else pc.coalesce(parsed, attempt)
        if parsed.null_count == 0:
            break
    written_day = pc.cast(pc.utf8_rtrim(pc.utf8_slice_codeunits(text, 0, 2), characters="/"), pa.int64())
    rolled_over = pc.fill_null(pc.not_equal(pc.day(parsed), written_day), False)
    parsed = pc.if_else(rolled_over, pa.scalar(None, parsed.type), parsed)
    return pd.Series(parsed.to_numpy(zero_copy_only=False), index=values.index).astype(DATETIME)


def _parse_iso(values: pd.Series, timezone: str, first_year: int, last_year: int) -> tuple[pd.Series, np.ndarray]:
    """ISO 8601; values with an offset are converted to the business time zone, then made naive.

    Also returns the values refused before conversion because their year is far outside first_year..last_year:
    converting 9999-12-31T23:00-05:00 or 0001-01-01T00:30+02:00 would leave the range of Python's datetime.
    """
    if _contains(values, ","):  # ISO allows a decimal comma in the seconds too
        values = _replace(values, r"(\d{2}:\d{2}:\d{2}),(\d)", r"\1.\2")
    result = pd.Series(pd.NaT, index=values.index, dtype=DATETIME)
    with_offset = _matches(values, _ISO_WITH_OFFSET)
    far = np.zeros(len(values), bool)
    if not with_offset.any():
        return pd.to_datetime(values, format="ISO8601", errors="coerce").astype(DATETIME), far
    if not with_offset.all():
        naive = values[~with_offset]
        result[~with_offset] = pd.to_datetime(naive, format="ISO8601", errors="coerce").astype(DATETIME)
    if with_offset.any():
        aware = values[with_offset]
        year = pc.cast(pc.utf8_slice_codeunits(_arrow(aware), 0, 4), pa.int64()).to_numpy(zero_copy_only=False)
        far[with_offset] = (year < first_year - 1) | (year > last_year + 1)  # a day's offset moves a year at most
        with_offset &= ~far
        aware = _replace(values[with_offset], r"\s+(Z|[+-]\d)", r"\1")
        instants = pd.to_datetime(aware, format="ISO8601", utc=True, errors="coerce")
        result[with_offset] = instants.dt.tz_convert(timezone).dt.tz_localize(None).astype(DATETIME)
    return result, far


def parse_numbers(values: pd.Series, decimal_mark: str) -> tuple[pd.Series, np.ndarray]:
    """(float64 with NaN for empty or invalid values, mask of values refused as ambiguous).

    ``1 234,50 €`` -> 1234.5 when the mark is ",". The other mark is accepted as a decimal mark
    too when unambiguous: alone and not followed by exactly three digits ("12.5" in a ;-file is
    12.5, but "1.234" could be a thousands group, so it is refused).
    """
    valid = _matches(values, _NUMBER)
    text = values
    for char in _NOT_IN_NUMBER:  # literal replacements, each only when needed: much cheaper than a regex
        text = _replace(text, char, "", regex=False)
    other = "." if decimal_mark == "," else ","
    ambiguous = _matches(text, rf"\{other}\d{{3}}$") if _contains(text, other) else np.zeros(len(text), bool)
    text = _replace(text, ",", ".", regex=False)
    usable = pc.if_else(pa.array(valid & ~ambiguous), _arrow(text), pa.scalar(None, pa.large_string()))
    numbers = pd.Series(pc.cast(usable, pa.float64()).to_numpy(zero_copy_only=False), index=values.index)
    return numbers, ambiguous


def _boolean(value: str) -> bool | None:
    word = fold(value).strip()
    return True if word in TRUE_WORDS else False if word in FALSE_WORDS else None


def _per_unique(values: pd.Series, func: Callable[[str], object], dtype) -> pd.Series:
    """``func`` once per distinct value: stages, channels or types repeat a handful of values."""
    codes, uniques = pd.factorize(values)
    mapped = pd.array([func(u) for u in uniques], dtype=dtype)
    return pd.Series(mapped.take(codes, allow_fill=True), index=values.index)


def isoformat(timestamps: pd.Series) -> pd.Series:
    """What ``datetime.isoformat()`` gives, for a whole column (fraction only when not zero)."""
    seconds = pc.cast(_arrow(timestamps), pa.timestamp("s"), safe=False)
    text = pc.binary_replace_slice(pc.cast(seconds, pa.large_string()), 10, 11, "T")  # Arrow writes a space
    result = _as_str(text, timestamps.index)
    micro = pd.Series(timestamps.to_numpy().view(np.int64) % 1_000_000, index=timestamps.index)
    if (micro != 0).any():
        result = result.where(micro == 0, result + "." + micro.astype(str).str.zfill(6))
    return result


def natural_key(given_id: pd.Series, frame: pd.DataFrame, parts: list[str]) -> pd.Series:
    """``id:<given id>`` when the file gives one, else ``k:`` + the parts joined by U+001F
    (the timestamp as ``datetime.isoformat()``, a missing part as the empty string)."""
    text = pa.large_string()
    nothing = pa.scalar("", text)
    has_id = given_id.notna()
    by_id = pc.binary_join_element_wise(pa.scalar("id:", text), _arrow(given_id, text), nothing)
    if has_id.all():
        return _as_str(by_id, given_id.index)
    columns = [isoformat(frame[p]) if p == "timestamp" else frame[p] for p in parts]
    arrays = [_arrow(c, text) for c in columns]
    arrays = [pc.fill_null(a, "") if a.null_count else a for a in arrays]
    arrays[0] = pc.binary_join_element_wise(pa.scalar("k:", text), arrays[0], nothing)  # short: cheap to copy
    composite = pc.binary_join_element_wise(*arrays, pa.scalar("\x1f", text))
    return _as_str(pc.coalesce(by_id, composite) if has_id.any() else composite, given_id.index)


def _as_str(array: pa.Array | pa.ChunkedArray, index: pd.Index) -> pd.Series:
    return pd.Series(pd.array(array, dtype=STR), index=index)


def _arrow(values: pd.Series, type: pa.DataType | None = None) -> pa.ChunkedArray:
    """The column's Arrow data, without copying (``pa.array`` would concatenate the chunks)."""
    if isinstance(values.dtype, pd.StringDtype) and values.dtype.storage == "pyarrow":
        array = values.array.__arrow_array__()
        return array if type is None or array.type == type else array.cast(type)
    return pa.chunked_array([pa.array(values, type=type)])


# Arrow's RE2 directly: pandas would fall back to Python's re (row by row) for \s, $ or non-ASCII data.
# RE2's \d is ASCII only, which is what we want (float() must be able to read the digits).


def _matches(values: pd.Series, pattern: str) -> np.ndarray:
    """Bool array: the value matches ``pattern`` (missing values do not)."""
    found = pc.match_substring_regex(_arrow(values), pattern)
    return pc.fill_null(found, False).to_numpy(zero_copy_only=False)


def _replace(values: pd.Series, pattern: str, replacement: str, regex: bool = True) -> pd.Series:
    """The values with every match replaced (a literal ``pattern`` with regex=False)."""
    array = _arrow(values)
    if regex:
        return _as_str(pc.replace_substring_regex(array, pattern, replacement), values.index)
    if not _contains(values, pattern):
        return values
    return _as_str(pc.replace_substring(array, pattern, replacement), values.index)


def _may_hold_control(array: pa.ChunkedArray) -> bool:
    """False when no value can hold a character of CONTROL_CHARACTERS: a scan of the UTF-8 bytes (~5 ms per 20 MB,
    against ~45 for the regular expression), which may say True for nothing (tab and line breaks, bytes behind
    nulls). tests/unit/test_hostile_import.py checks that it knows every character of the definition."""
    for chunk in array.chunks:
        if not (pa.types.is_string(chunk.type) or pa.types.is_large_string(chunk.type)):
            return True
        data = chunk.buffers()[2]
        if data is None or data.size == 0:
            continue
        octets = np.frombuffer(data, np.uint8)
        if octets.min() < 0x20 or (octets == 0x7F).any():  # C0 controls (and tab, line breaks) and DEL
            return True
        lead = np.flatnonzero(octets[:-1] == 0xC2)  # C1 controls are C2 80 to C2 9F in UTF-8
        if lead.size and (octets[lead + 1] < 0xA0).any():
            return True
        lead = np.flatnonzero(octets[:-2] == 0xEF)  # U+FFFE and U+FFFF are EF BF BE and EF BF BF
        if lead.size and ((octets[lead + 1] == 0xBF) & (octets[lead + 2] >= 0xBE)).any():
            return True
    return False


def _total_length(values: pd.Series) -> int:
    return pc.sum(pc.binary_length(_arrow(values))).as_py() or 0


def _contains(values: pd.Series, literal: str) -> bool:
    """Whether any value contains ``literal`` (a cheap check before a copy)."""
    return bool(pc.any(pc.match_substring(_arrow(values), literal), skip_nulls=True).as_py())
