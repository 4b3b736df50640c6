"""Source profiles: how one source's export files become Parcours' customers, touchpoints and feedback.

A profile is a small JSON file (``"parcours_profile": 1``, checked against ``profile.schema.json``) that names the
source's files by pattern (``files``), and for each of Parcours' kinds which file feeds it and how: each field from
a column, a constant (``{"value": …}``) or a column through a value map (``{"column": …, "map": {…}}``); lookups
into other files by key (``join``: payments → orders by ``order_id``, reviews → orders → customers), a joined file
with several rows per key aggregated when the profile says how (``aggregate``: amounts summed, the earliest time
kept), any other fan-out an error naming the key; and **events from columns**: several timestamp columns of one
row each become a touchpoint with its own type, stage and channel, an empty timestamp giving none, with the id
``<source>:<row key>:<column>`` so that re-importing the same export changes nothing.

The profile's number format (``R$ 1.234,56``), date format and time zone are applied here; everything else —
every check, every message with file, line, column and value — is the same validation as for a file in
Parcours' own columns (``loaders.validate``), run on the mapped columns: an error names the source's file, its
line and the source's column.
"""

import dataclasses
import fnmatch
import json
import re
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cache, partial
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from data_model.text import header_key
from loaders.columns import COLUMNS, KINDS
from loaders.errors import Count, InputError, InputErrors, Message, Quoted, quoted_list
from loaders.read import LINE_COLUMN, RawTable, read_table
from loaders.validate import STR, ImportContext, Validated, _arrow, _as_str, empty_frame, isoformat, kept_rows, validate

VERSION = 1
SCHEMA_PATH = Path(__file__).with_name("profile.schema.json")
NUMERIC_FIELDS = ("revenue", "nps", "csat")
TIME_FIELDS = ("timestamp", "signup_date", "churn_date")
AGGREGATES = ("sum", "min", "max", "earliest", "latest", "first", "count")


class ProfileError(ValueError):
    """The profile itself is wrong (not the data): a message for the person who wrote it."""

    def __init__(self, message: Message):
        self.message = message
        super().__init__(message.render("en"))

    def message_in(self, lang: str | None) -> str:
        return self.message.render(lang or "en")


@dataclass
class Profile:
    spec: dict
    name: str  # the profile file's name, for messages

    @property
    def source(self) -> str:
        return self.spec.get("source") or Path(self.name).stem

    @property
    def roles(self) -> dict[str, dict]:
        return self.spec["files"]

    def outputs(self, kind: str) -> list[dict]:
        value = self.spec.get(kind)
        if value is None:
            return []
        return value if isinstance(value, list) else [value]


@cache
def schema() -> dict:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


def load_profile(path: str | Path) -> Profile:
    """Read and check a profile file; ``ProfileError`` says what is wrong, where."""
    path = Path(path)
    try:
        spec = json.loads(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ProfileError(Message("load.profile.unreadable", file=path.name, reason=str(exc))) from exc
    except json.JSONDecodeError as exc:
        raise ProfileError(Message("load.profile.not_json", file=path.name, line=exc.lineno, reason=exc.msg)) from exc
    return check_profile(spec, path.name)


def check_profile(spec: object, name: str = "profile") -> Profile:
    import jsonschema

    validator = jsonschema.Draft202012Validator(schema())
    first = jsonschema.exceptions.best_match(validator.iter_errors(spec))
    if first is not None:
        where = "/".join(str(p) for p in first.absolute_path) or "(root)"
        raise ProfileError(Message("load.profile.invalid", file=name, where=where, reason=first.message))
    profile = Profile(spec, name)
    roles = profile.roles
    for kind in KINDS:
        for output in profile.outputs(kind):
            used = [output["file"]] + [j["file"] for j in output.get("join", [])]
            for role in used:
                if role not in roles:
                    raise ProfileError(Message("load.profile.unknown_role", file=name, role=Quoted(role),
                                               roles=quoted_list(roles)))
            fields = {**output.get("fields", {}), **{k: v for e in output.get("events", []) for k, v in e.items()}}
            allowed = {c.name for c in COLUMNS[kind]}
            for field_name in fields:
                if field_name not in allowed:
                    raise ProfileError(Message("load.profile.unknown_field", file=name, field=Quoted(field_name),
                                               kind=Message(f"load.kind.{kind}"), fields=quoted_list(sorted(allowed))))
            if output.get("events") and not output.get("key"):
                raise ProfileError(Message("load.profile.events_need_key", file=name, role=Quoted(output["file"])))
    return profile


def dumps(spec: dict, width: int = 110) -> str:
    """A profile as readable JSON: what fits on a line stays on one line."""
    def render(value, indent: int, before: int) -> str:
        flat = json.dumps(value, ensure_ascii=False)
        if before + len(flat) <= width or not isinstance(value, dict | list) or not value:
            return flat
        pad = " " * (indent + 2)
        if isinstance(value, dict):
            items = []
            for k, v in value.items():
                head = f"{pad}{json.dumps(k, ensure_ascii=False)}: "
                items.append(head + render(v, indent + 2, len(head)))
            return "{\n" + ",\n".join(items) + "\n" + " " * indent + "}"
        return "[\n" + ",\n".join(pad + render(v, indent + 2, len(pad)) for v in value) + "\n" + " " * indent + "]"
    return render(spec, 0, 0) + "\n"


# -- files to roles ----------------------------------------------------------------------------------------------


def match_files(profile: Profile, paths: list[str | Path]) -> dict[str, Path]:
    """Each role's file, by the file-name patterns of the profile (case ignored); every file must match exactly one
    role, and every role an output or a join uses must have its file."""
    found: dict[str, Path] = {}
    errors = []
    for path in map(Path, paths):
        roles = [r for r, spec in profile.roles.items()
                 if any(fnmatch.fnmatch(path.name.lower(), p.lower()) for p in _patterns(spec))]
        if len(roles) != 1:
            key = "load.profile.no_role" if not roles else "load.profile.two_roles"
            errors.append(InputError(path.name, None, None, None, Message(key, roles=quoted_list(roles or [
                f"{r}: {', '.join(_patterns(s))}" for r, s in profile.roles.items()]))))
        elif roles[0] in found:
            errors.append(InputError(path.name, None, None, None,
                                     Message("load.profile.same_role", role=Quoted(roles[0]),
                                             other=Quoted(found[roles[0]].name))))
        else:
            found[roles[0]] = path
    for role in _used_roles(profile):
        if role not in found:
            errors.append(InputError(profile.name, None, None, None, Message(
                "load.profile.missing_file", role=Quoted(role), patterns=", ".join(_patterns(profile.roles[role])))))
    if errors:
        raise InputErrors(errors)
    return found


def _patterns(role_spec: dict) -> list[str]:
    pattern = role_spec.get("pattern", [])
    return [pattern] if isinstance(pattern, str) else list(pattern)


def _used_roles(profile: Profile) -> list[str]:
    used = []
    for kind in KINDS:
        for output in profile.outputs(kind):
            used += [output["file"]] + [j["file"] for j in output.get("join", [])]
    return list(dict.fromkeys(used))


# -- a file's columns, by header ----------------------------------------------------------------------------------


@dataclass
class _Source:
    """One file's text columns by header (first of equal headers), with its file name and line numbers."""

    file_name: str
    columns: dict[str, pd.Series]
    lines: np.ndarray
    headers: dict[str, str] = field(default_factory=dict)  # as the profile may write it -> header in the file

    @classmethod
    def of(cls, raw: RawTable) -> "_Source":
        columns, headers = {}, {}
        for position, header in enumerate(raw.headers):
            if header not in columns:
                columns[header] = raw.data[position]
            headers.setdefault(header, header)
            headers.setdefault(header_key(header), header)
        return cls(raw.file_name, columns, raw.data[LINE_COLUMN].to_numpy(dtype=np.int64), headers)

    def find(self, name: str) -> str | None:
        return self.headers.get(name) or self.headers.get(header_key(name))

    def __len__(self) -> int:
        return len(self.lines)


class _Table:
    """A base file with the columns of the files joined to it: ``role.column`` or a bare column name (the base's
    own first, then each joined file's in join order)."""

    def __init__(self, role: str, source: _Source):
        self.role, self.base = role, source
        self.parts: list[tuple[str, _Source, str]] = [(role, source, source.file_name)]
        self.columns: dict[tuple[str, str], pd.Series] = {(role, h): s for h, s in source.columns.items()}
        # a joined file's column is taken through the join's positions only when a field asks for it
        self.pending: dict[tuple[str, str], tuple[pd.Series, pa.Array]] = {}
        self.keys: dict[str, pa.Array] = {}  # the row key, trimmed, by reference

    def resolve(self, reference: str) -> tuple[str, str] | None:
        """(role, header) of a column reference, or None."""
        role, _, column = reference.partition(".")
        if column:
            for part_role, source, _ in self.parts:
                if part_role == role and self._has(role, source.find(column)):
                    return role, source.find(column)
        for part_role, source, _ in self.parts:
            if self._has(part_role, source.find(reference)):
                return part_role, source.find(reference)
        return None

    def _has(self, role: str, header: str | None) -> bool:
        return header is not None and ((role, header) in self.columns or (role, header) in self.pending)

    def label(self, role: str, header: str) -> str:
        """A column as an error names it: the header, prefixed by its file's name when it comes from a join."""
        if role == self.role:
            return header
        file_name = next(f for r, _, f in self.parts if r == role)
        return f"{file_name} › {header}"

    def column(self, reference: str, profile: Profile) -> tuple[pd.Series, str]:
        where = self.resolve(reference)
        if where is None:
            available = [self.label(r, h) for r, s, _ in self.parts for h in s.columns]
            raise ProfileError(Message("load.profile.no_column", file=profile.name, column=Quoted(reference),
                                       role=Quoted(self.role), columns=quoted_list(available[:40])))
        if where not in self.columns:
            values, positions = self.pending.pop(where)
            self.columns[where] = _as_str(pc.take(_arrow(values), positions), self.base_index)
        return self.columns[where], self.label(*where)

    @property
    def base_index(self) -> pd.Index:
        return pd.RangeIndex(len(self.base))


# -- building the mapped tables -----------------------------------------------------------------------------------


def read_sources(files: dict[str, Path]) -> dict[str, RawTable]:
    """Every role's file read; ``InputErrors`` with all the unreadable ones."""
    tables, errors = {}, []
    with ThreadPoolExecutor(max_workers=2) as pool:  # Arrow's CSV reader releases the GIL
        reading = {role: pool.submit(read_table, path) for role, path in files.items()}
        for role, future in reading.items():
            try:
                tables[role] = future.result()
            except InputErrors as exc:
                errors += exc.errors
    if errors:
        raise InputErrors(errors)
    return tables


def validate_profile(profile: Profile, raws: dict[str, RawTable], ctx: ImportContext) -> list[Validated]:
    """Map every output of the profile and validate it: one ``Validated`` per kind (in KINDS order), its errors
    naming the source files, lines and columns. Raises ``InputErrors`` for a fan-out or a missing key.

    Every touchpoint's source system is the profile's ``source`` unless the context names one (``--source``) or the
    profile maps the ``source`` field (a column, or a constant) and the row has one."""
    mapping = _Mapping(profile, raws, ctx)
    with ThreadPoolExecutor(max_workers=2) as pool:  # Arrow's kernels release the GIL: two cores, two parts
        return mapping.validated(KINDS, pool)


class _Mapping:
    """A profile's files mapped to Parcours' kinds: the joins, then one validation per output and event."""

    def __init__(self, profile: Profile, raws: dict[str, RawTable], ctx: ImportContext):
        self.profile, self.raws = profile, raws
        self.ctx = dataclasses.replace(ctx, source_system=ctx.source_system or profile.source)
        self.sources = {role: _Source.of(raw) for role, raw in raws.items()}
        self.lookups: dict = {}  # a file joined by several outputs is checked and grouped once

    def validated(self, kinds, pool: ThreadPoolExecutor | None = None) -> list[Validated]:
        """One ``Validated`` per kind of ``kinds`` that the profile maps; each part validated in ``pool`` while
        the next is mapped, or here without one."""
        submitted = [(kind, self.submit(kind, pool)) for kind in kinds]
        return [v for kind, parts in submitted for v in self.combined(kind, parts)]

    def submit(self, kind: str, pool: ThreadPoolExecutor | None) -> list[tuple["Future | Validated", RawTable]]:
        """Map each output (each event) of ``kind`` and hand it to ``pool`` to be checked (or check it here)."""
        parts = []
        for output in self.profile.outputs(kind):
            table = _joined(self.profile, output, self.sources, self.ctx, self.lookups)
            for event in output.get("events") or [{}]:
                raw, found = _mapped(self.profile, kind, output, event, table, self.ctx)
                part = pool.submit(validate, raw, kind, self.ctx, found=found) if pool else \
                    validate(raw, kind, self.ctx, found=found)
                parts.append((part, self.raws[output["file"]]))
        return parts

    @staticmethod
    def combined(kind: str, parts: list) -> list[Validated]:
        """The checked parts of ``kind`` as one ``Validated`` (none when the profile does not map the kind)."""
        if not parts:
            return []
        return [_combined(kind, [(p.result() if isinstance(p, Future) else p, raw) for p, raw in parts])]


def _joined(profile: Profile, output: dict, sources: dict[str, _Source], ctx: ImportContext,
            lookups: dict | None = None) -> _Table:
    table = _Table(output["file"], sources[output["file"]])
    lookups = {} if lookups is None else lookups  # a file joined by several outputs is checked and grouped once
    for join in output.get("join", []):
        right = sources[join["file"]]
        left_ref, right_ref = (join["on"], join["on"]) if isinstance(join["on"], str) else (
            join["on"]["left"], join["on"]["right"])
        left_key, _ = table.column(left_ref, profile)
        right_header = right.find(right_ref)
        if right_header is None:
            raise ProfileError(Message("load.profile.no_column", file=profile.name, column=Quoted(right_ref),
                                       role=Quoted(join["file"]), columns=quoted_list(list(right.columns)[:40])))
        cached = (join["file"], right_header, json.dumps(join.get("aggregate"), sort_keys=True))
        if cached not in lookups:
            right_columns = _lookup(profile, join, right, right_header, ctx)
            lookups[cached] = (right_columns, _trimmed(right_columns[right_header]))
        right_columns, right_keys = lookups[cached]
        positions = _positions(_trimmed(left_key), right_keys)
        for header, values in right_columns.items():
            table.pending[(join["file"], header)] = (values, positions)
        table.parts.append((join["file"], _Source(right.file_name, right_columns, right.lines, right.headers),
                            right.file_name))
    return table


def _trimmed(values: pd.Series) -> pa.Array:
    return pc.utf8_trim_whitespace(_arrow(values, pa.large_string()).combine_chunks())


def _duckdb(**tables: pa.Table):
    """A private in-memory DuckDB holding ``tables``: its hash joins and aggregates use both cores (Arrow's
    index_in and group_by one), and it never touches the target database, which may be PostgreSQL."""
    import duckdb

    con = duckdb.connect()
    for name, table in tables.items():
        con.register(name, table)
    return con


def _positions(left: pa.Array, right: pa.Array) -> pa.Array:
    """Per left key, the row of the equal right key (null when none, or when the key is missing); the right keys
    are unique."""
    n = len(left)
    rows = pa.array(np.arange(n, dtype=np.int64))
    with _duckdb(l=pa.table({"k": left, "i": rows}),
                 r=pa.table({"k": right, "j": pa.array(np.arange(len(right), dtype=np.int64))})) as con:
        found = con.sql("SELECT l.i, r.j FROM l JOIN r ON l.k = r.k").to_arrow_table()
    at = np.full(n, -1, dtype=np.int64)
    at[found["i"].to_numpy()] = found["j"].to_numpy()
    return pa.array(at, mask=at < 0)


_FIRST_IN_FILE = "arg_min({x}, __row) FILTER (WHERE {x} IS NOT NULL)"
_AGGREGATES = {"sum": "sum({x})", "min": "min({x})", "max": "max({x})", "earliest": "min({x})",
               "latest": "max({x})", "count": "count(*)", "first": _FIRST_IN_FILE}


def _lookup(profile: Profile, join: dict, right: _Source, key: str, ctx: ImportContext) -> dict[str, pd.Series]:
    """The joined file's columns, one row per key: as it is when its keys are unique, aggregated as the profile
    says when they repeat, else an error naming the key."""
    keys = _trimmed(right.columns[key])
    aggregate = join.get("aggregate")
    if not aggregate:
        with _duckdb(r=pa.table({"k": keys})) as con:
            repeated_keys = con.execute("SELECT count(*) - count(DISTINCT k) FROM r WHERE k IS NOT NULL").fetchone()[0]
        if repeated_keys:
            text = pd.Series(keys.to_pandas(types_mapper=pd.ArrowDtype))
            repeated = (text.duplicated(keep="first") & text.notna()).to_numpy()
            first = int(np.argmax(repeated))
            raise InputErrors([InputError(
                right.file_name, int(right.lines[first]), key, str(text.iloc[first]),
                Message("load.profile.fan_out", rows=Count(int(text[text.isin(text[repeated])].size)),
                        keys=Count(int(text[repeated].nunique())), role=Quoted(join["file"])))])
        return dict(right.columns)
    columns = {"__key": keys, "__row": pa.array(np.arange(len(keys), dtype=np.int64))}
    selected, names = [], []
    for i, (reference, how) in enumerate(aggregate.items()):
        header = right.find(reference)
        if header is None:
            raise ProfileError(Message("load.profile.no_column", file=profile.name, column=Quoted(reference),
                                       role=Quoted(join["file"]), columns=quoted_list(list(right.columns)[:40])))
        columns[f"__c{i}"] = _typed(right.columns[header], how, profile, ctx)
        selected.append(f"{_AGGREGATES[how].format(x=f'__c{i}')} AS __a{i}")
        names.append((header, how, f"__a{i}"))
    with _duckdb(t=pa.table(columns)) as con:
        grouped = con.sql(f"SELECT __key, {', '.join(selected)} FROM t WHERE __key IS NOT NULL GROUP BY __key"
                          ).to_arrow_table()
    index = pd.RangeIndex(grouped.num_rows)
    out = {key: _as_str(grouped["__key"], index)}
    for header, how, name in names:
        result = grouped[name]
        text = isoformat(pd.Series(result.to_numpy(zero_copy_only=False), index=index).astype("datetime64[us]")) \
            if how in ("earliest", "latest") else _as_str(pc.cast(result, pa.large_string()), index)
        out[header] = text.where(pd.Series(result.is_valid().to_numpy(zero_copy_only=False), index=index))
    return out


def _typed(values: pd.Series, how: str, profile: Profile, ctx: ImportContext) -> pa.Array:
    """A column as the aggregation needs it: numbers for sum, min, max; times for earliest, latest."""
    if how in ("earliest", "latest"):
        iso = _as_iso(values, profile, ctx)
        return pa.array(pd.to_datetime(iso, format="ISO8601", errors="coerce").astype("datetime64[us]"))
    if how in ("sum", "min", "max"):
        numbers, _ = parse_amounts(values, profile.spec.get("numbers", {}))
        return pa.array(numbers.to_numpy(), type=pa.float64(), from_pandas=True)
    return _arrow(values, pa.large_string()).combine_chunks()


def _mapped(profile: Profile, kind: str, output: dict, event: dict, table: _Table,
            ctx: ImportContext) -> tuple[RawTable, dict[str, int]]:
    """The text columns of one output (one event of it) as a RawTable in Parcours' fields, with ``found``."""
    fields = {**output.get("fields", {}), **event}
    keep = np.ones(len(table.base), dtype=bool)
    headers, columns = [], []
    for name, spec in fields.items():
        values, header = _field(profile, name, spec, table, ctx)
        headers.append(header)
        columns.append(values)
    if event:  # an event is a timestamp column: an empty one gives no touchpoint
        stamp = columns[list(fields).index("timestamp")] if "timestamp" in fields else None
        if stamp is not None:
            keep &= stamp.notna().to_numpy()
        if "touchpoint_id" not in fields and kind == "touchpoints" and "timestamp" in fields:
            if output["key"] not in table.keys:  # every event of the row has the same key
                table.keys[output["key"]] = _trimmed(table.column(output["key"], profile)[0])
            key = table.keys[output["key"]]
            stamp_header = table.resolve(_reference(fields["timestamp"]) or "")
            column_name = stamp_header[1] if stamp_header else "timestamp"
            text = pa.large_string()
            ids = _as_str(pc.binary_join_element_wise(pa.scalar(profile.source, text), key,
                                                      pa.scalar(column_name, text), pa.scalar(":", text)),
                         pd.RangeIndex(len(key)))
            headers.append(f"{output['key']} (touchpoint_id)")
            columns.append(ids)
            fields = {**fields, "touchpoint_id": None}
    if not keep.all():
        mask = pa.array(keep)
        columns = [kept_rows(c, keep, mask) for c in columns]
    data = pd.DataFrame({i: c.reset_index(drop=True) for i, c in enumerate(columns)})
    data[LINE_COLUMN] = table.base.lines[keep]
    base = table.base
    raw = RawTable(file_name=base.file_name, path=Path(base.file_name), sha256="", headers=headers, data=data)
    return raw, {name: i for i, name in enumerate(fields)}


def _reference(spec) -> str | None:
    if isinstance(spec, str):
        return spec
    return spec.get("column") if isinstance(spec, dict) else None


def _field(profile: Profile, name: str, spec, table: _Table, ctx: ImportContext) -> tuple[pd.Series, str]:
    """A field's text column and the header its errors name."""
    n = len(table.base)
    if isinstance(spec, dict) and "value" in spec:
        value = spec["value"]
        values = _as_str(pa.repeat(pa.scalar(None if value is None else str(value), pa.large_string()), n),
                         pd.RangeIndex(n))
        return values, f"{name} = {value!r} (profile)"
    values, header = table.column(_reference(spec), profile)
    values = values.reset_index(drop=True)
    if isinstance(spec, dict) and spec.get("map"):
        values = _value_map(values, spec["map"])
    if name in NUMERIC_FIELDS and profile.spec.get("numbers"):
        numbers, _ = parse_amounts(values, profile.spec["numbers"])
        plain = _as_str(pc.cast(pa.array(numbers.to_numpy(), from_pandas=True), pa.large_string()), values.index)
        values = values.where(numbers.isna(), plain)
    if name in TIME_FIELDS:
        values = _as_iso(values, profile, ctx)
    return values, header


def _value_map(values: pd.Series, mapping: dict) -> pd.Series:
    """Each value through the map (as written, else case, accents and punctuation ignored); others unchanged."""
    by_key = {header_key(str(k)): v for k, v in mapping.items()}
    codes, uniques = pd.factorize(values)
    mapped = [mapping.get(u, by_key.get(header_key(str(u)), u)) for u in uniques]
    mapped = pd.array([None if m is None else str(m) for m in mapped], dtype=STR)
    return pd.Series(mapped.take(codes, allow_fill=True), index=values.index)


# -- numbers, dates -----------------------------------------------------------------------------------------------


def parse_amounts(values: pd.Series, number_format: dict) -> tuple[pd.Series, np.ndarray]:
    """Amounts as the source writes them — its currency symbol (``R$``, before or after), thousands separator,
    decimal mark — as floats (NaN when empty or not a number); and the mask of values that are not numbers."""
    decimal = number_format.get("decimal", ".")
    thousands = number_format.get("thousands", "")
    symbols = [s for s in ([number_format["currency"]] if isinstance(number_format.get("currency"), str) else
                           number_format.get("currency", [])) if s]
    text = pa.array(values.to_numpy(dtype=object, na_value=None), type=pa.large_string())
    for symbol in symbols:
        text = pc.replace_substring(text, symbol, "")
    text = pc.utf8_trim_whitespace(pc.replace_substring_regex(text, "[\u00a0\u202f]", " "))
    grouped = {"": r"\d+", " ": r"\d{1,3}(?: \d{3})*", ".": r"\d{1,3}(?:\.\d{3})*", ",": r"\d{1,3}(?:,\d{3})*",
               "'": r"\d{1,3}(?:'\d{3})*"}.get(thousands, r"\d+")
    pattern = rf"^[+-]?(?:{grouped}|\d+)(?:{re.escape(decimal)}\d+)?$"
    valid = pc.fill_null(pc.match_substring_regex(text, pattern), False)
    if thousands:
        text = pc.replace_substring(text, thousands, "")
    if decimal != ".":
        text = pc.replace_substring(text, decimal, ".")
    usable = pc.if_else(valid, text, pa.scalar(None, pa.large_string()))
    numbers = pd.Series(pc.cast(usable, pa.float64()).to_numpy(zero_copy_only=False), index=values.index)
    given = values.notna().to_numpy()
    return numbers, given & ~valid.to_numpy(zero_copy_only=False)


def _as_iso(values: pd.Series, profile: Profile, ctx: ImportContext) -> pd.Series:
    """Times in the profile's format and time zone, written as ISO 8601 in the business time zone; a value that
    does not parse stays as written (validation names it)."""
    date_format, zone = profile.spec.get("date_format"), profile.spec.get("timezone")
    if not date_format and (not zone or zone == ctx.timezone):
        return values
    text = pa.array(values.to_numpy(dtype=object, na_value=None), type=pa.large_string())
    if date_format:
        parsed = pc.strptime(text, format=date_format, unit="us", error_is_null=True)
        stamps = pd.Series(parsed.to_numpy(zero_copy_only=False), index=values.index).astype("datetime64[us]")
    else:
        stamps = pd.to_datetime(values, format="ISO8601", errors="coerce").astype("datetime64[us]")
    if zone and zone != ctx.timezone:
        moved = stamps.dt.tz_localize(zone, ambiguous="NaT", nonexistent="NaT").dt.tz_convert(ctx.timezone)
        stamps = moved.dt.tz_localize(None).astype("datetime64[us]")
    ok = stamps.notna()
    if not ok.any():
        return values
    return values.where(~ok, isoformat(stamps.where(ok, pd.Timestamp("2000-01-01")))).astype(STR)


# -- one Validated per kind ---------------------------------------------------------------------------------------


def _combined(kind: str, parts: list[tuple[Validated, RawTable]]) -> Validated:
    """The validated parts of one kind (several events, several files) as one, for one write."""
    if len(parts) == 1:
        validated, raw = parts[0]
        validated.sha256 = raw.sha256
        return validated
    present = set().union(*(v.present for v, _ in parts))
    frames = [v.frame.assign(_part=i) for i, (v, _) in enumerate(parts) if len(v.frame)]
    frame = pd.concat(frames, ignore_index=True) if frames else empty_frame(kind, present)
    if len(frame):
        # The writer numbers new rows by their line, unique within one file: here a line gives several events and
        # several files are one; so the input order (file, line, then event) becomes the line.
        frame["line"] = _input_order(frame["_part"].to_numpy(), frame["line"].to_numpy(),
                                     _file_rank(frame["_part"], parts))
    frame = frame.drop(columns="_part", errors="ignore")
    names = list(dict.fromkeys(v.file_name for v, _ in parts))
    shas = list(dict.fromkeys(raw.sha256 for _, raw in parts))
    notes = list(dict.fromkeys(n for v, _ in parts for n in v.notes))
    masked: dict[str, int] = {}
    for v, _ in parts:
        for k, n in v.masked.items():
            masked[k] = masked.get(k, 0) + n
    errors = sorted((e for v, _ in parts for e in v.errors), key=lambda e: (e.file, e.line or 0))
    return Validated(kind, ", ".join(names), ",".join(shas), sum(v.rows_read for v, _ in parts), frame, errors,
                     present, notes, masked)


def run_profile_import(db, profile: Profile, paths: list[str | Path], keep_personal_data: bool = False,
                       progress=None, empty_channel: str | None = None, source_system: str | None = None):
    """Import a source's files through its profile, as one batch, all or nothing (``loaders.write``); an empty
    channel takes ``empty_channel``, else the profile's ``empty_channel``, else is an error. The touchpoints' source
    system is ``source_system`` (``--source``), else the profile's ``source`` (``validate_profile``)."""
    import time

    from data_model import ensure_initialised
    from loaders.write import import_context, write_validated

    started = time.perf_counter()
    files = match_files(profile, paths)
    ensure_initialised(db)
    ctx = import_context(db, keep_personal_data, empty_channel or profile.spec.get("empty_channel"), source_system)
    if ctx.refusal:
        raise InputErrors([InputError("", None, None, None, ctx.refusal)])
    mapping = _Mapping(profile, read_sources(files), ctx)
    # The customers are written while one thread maps the touchpoints, then the feedback, and two check them:
    # each kind is handed to the writer, in the same transaction, when its turn comes.
    with ThreadPoolExecutor(max_workers=2) as checking, ThreadPoolExecutor(max_workers=1) as mapping_thread:
        parts = _Parts(mapping, checking)
        mapping_thread.submit(parts.map_in_order)
        parts.take(0)  # the customers, or every error of every kind
        if progress:
            progress(Message("load.progress.writing"))
        summary = write_validated(db, parts.take(0), BATCH_SOURCE_PREFIX + profile.source, release_frames=True,
                                  later=[partial(parts.take, 1), partial(parts.take, 2)])
    save_profile(db, profile)  # the Data page offers it for the next import of this source
    summary.seconds = time.perf_counter() - started
    return summary


class _Parts:
    """A profile's kinds mapped by one thread and checked by two, handed to the writer in KINDS order as each is
    ready: the customers first, so that they are written while the touchpoints are still being mapped. Taking a
    kind with errors raises ``InputErrors`` with every kind's errors (in KINDS order, as a plain import lists
    them)."""

    def __init__(self, mapping: _Mapping, checking: ThreadPoolExecutor):
        self.mapping, self.checking = mapping, checking
        self.ready = [Future() for _ in KINDS]

    def map_in_order(self) -> None:
        """In the mapping thread: every kind mapped, the customers finished first, then the others."""
        later = []
        for kind, ready in zip(KINDS, self.ready, strict=True):
            try:
                parts = self.mapping.submit(kind, self.checking)
            except BaseException as exc:  # noqa: BLE001 — a join's fan-out: that kind's error, for take()
                ready.set_exception(exc)
                continue
            if kind == "customers":
                self._finish(kind, parts, ready)
            else:
                later.append((kind, parts, ready))
        for kind, parts, ready in later:
            self._finish(kind, parts, ready)

    def _finish(self, kind: str, parts: list, ready: Future) -> None:
        try:
            ready.set_result(self.mapping.combined(kind, parts))
        except BaseException as exc:  # noqa: BLE001 — handed to take(), in the writer's thread
            ready.set_exception(exc)

    def take(self, position: int) -> list[Validated]:
        validated = self._result(self.ready[position])
        if isinstance(validated, InputErrors) or any(v.errors for v in validated):
            errors = []
            for ready in self.ready:
                result = self._result(ready)
                errors += result.errors if isinstance(result, InputErrors) else [e for v in result for e in v.errors]
            raise InputErrors(errors)
        return validated

    @staticmethod
    def _result(ready: Future) -> "list[Validated] | InputErrors":
        try:
            return ready.result()
        except InputErrors as exc:
            return exc


SAVED_PREFIX = "profile:"  # parcours_meta key of a kept profile
BATCH_SOURCE_PREFIX = "profile:"  # an import batch's source: profile:<source> (the Data page's history)


def save_profile(db, profile: Profile) -> str:
    """Keep the profile in the database under its source's name, for the next import of that source (the Data page
    offers it again); returns the name."""
    from data_model import Meta

    with db.session() as s:
        row = s.get(Meta, SAVED_PREFIX + profile.source) or Meta(key=SAVED_PREFIX + profile.source, value="")
        row.value = json.dumps(profile.spec, ensure_ascii=False)
        s.add(row)
        s.commit()
    return profile.source


def saved_profiles(db) -> dict[str, Profile]:
    """The profiles kept in the database, by source; one that no longer passes the checks is left out."""
    import sqlalchemy as sa

    from data_model import Meta

    out = {}
    with db.session() as s:
        rows = s.exec(sa.select(Meta.key, Meta.value).where(Meta.key.startswith(SAVED_PREFIX))).all()
    for key, value in sorted(rows):
        try:
            out[key.removeprefix(SAVED_PREFIX)] = check_profile(json.loads(value), key.removeprefix(SAVED_PREFIX))
        except (ValueError, ProfileError):
            continue
    return out


def first_journeys(validated: list[Validated], customers: int = 3) -> pd.DataFrame:
    """The first customers' touchpoints in time order (the preview of what a profile makes of the files)."""
    frames = [v.frame for v in validated if v.kind == "touchpoints" and len(v.frame)]
    if not frames:
        return pd.DataFrame(columns=["customer_id", "timestamp", "stage", "channel_label", "touchpoint", "revenue"])
    touchpoints = frames[0]
    chosen = touchpoints["customer_id"].drop_duplicates().head(customers)
    rows = touchpoints[touchpoints["customer_id"].isin(chosen)]
    rows = rows.sort_values(["customer_id", "timestamp"], kind="stable")
    return rows[["customer_id", "timestamp", "stage", "channel_label", "touchpoint", "revenue"]].reset_index(drop=True)


def _input_order(part: np.ndarray, line: np.ndarray, file_rank: np.ndarray) -> np.ndarray:
    """Each row's rank (from 1) in the order file, line, then part: the rows are numbered in place, none moved.
    The (file, line, part) triples are distinct and their space small, so ranks are counted rather than sorted."""
    parts, lines = int(part.max()) + 1, int(line.max()) + 1
    key = (file_rank.astype(np.int64) * lines + line) * parts + part
    if int(file_rank.max() + 1) * lines * parts > 8 * len(key) + 1_000_000:  # sparse lines: sort instead
        rank = np.empty(len(key), dtype=np.int64)
        rank[np.argsort(key, kind="stable")] = np.arange(1, len(key) + 1, dtype=np.int64)
        return rank
    seen = np.zeros(int(key.max()) + 1, dtype=np.int64)
    seen[key] = 1
    return np.cumsum(seen)[key]


def _file_rank(part: pd.Series, parts: list[tuple[Validated, RawTable]]) -> np.ndarray:
    """Each row's file, as its rank among the parts' files in order of first appearance."""
    files = list(dict.fromkeys(v.file_name for v, _ in parts))
    rank = np.array([files.index(v.file_name) for v, _ in parts])
    return rank[part.to_numpy()]


def event_counts(validated: list[Validated]) -> dict[str, int]:
    """Touchpoints per type, for the import's summary and ``--dry-run``."""
    for v in validated:
        if v.kind == "touchpoints" and len(v.frame):
            return v.frame["touchpoint"].fillna("").value_counts().to_dict()
    return {}


def describe(profile: Profile) -> list[str]:
    """The profile in words, one line per output (for the command line)."""
    out = []
    for kind in KINDS:
        for output in profile.outputs(kind):
            events = [e.get("timestamp") for e in output.get("events", [])]
            joins = [j["file"] for j in output.get("join", [])]
            out.append(f"{kind} ← {output['file']}" + (f" + {', '.join(joins)}" if joins else "")
                       + (f": {len(events)} events ({', '.join(map(str, events))})" if events else ""))
    return out

