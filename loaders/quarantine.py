"""``--on-error quarantine``: import the valid rows, set every invalid row aside in a rejected file.

Validation already leaves each invalid row out of its file's frame (``Validated.refused_lines``) with its errors.
Quarantining then:

* refuses the whole import when an error concerns a file rather than a row (a missing column, an unreadable
  file, star ratings in an NPS column): no row can be set aside for it;
* rejects the touchpoints and feedback of a customer whose row in the customers file was rejected (and that no
  valid row of the file gives): they would otherwise create that customer without attributes;
* refuses the whole import when a file has more rejected rows than ``--max-rejected`` allows (5 % of its rows
  by default, or a count);
* keeps, per file, the rejected rows as they were read (every original column, as text) with their line and
  each problem's column and reason, for the rejected file (``Rejected.csv``) in the reader's language.

The rows are read again from the file for this (only their lines are kept meanwhile): validation frees each text
column as soon as it is typed, so that 10M-row files fit in memory.
"""

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from i18n import Texts
from loaders.columns import canonical_name
from loaders.errors import Count, InputError, InputErrors, Message, PerLanguage, Quoted, render
from loaders.read import LINE_COLUMN, read_table
from loaders.validate import STR, ImportContext, Validated, match_headers

ON_ERROR = ("refuse", "quarantine")
DEFAULT_MAX_REJECTED = "5%"
# Closing errors that count the rows past the listing cap: those rows have their own reasons (Validated.unlisted).
_COUNTING = ("load.more_same", "load.more_repeated", "load.more_conflicts")
_LIMIT = re.compile(r"^\s*(\d+(?:[.,]\d+)?)\s*(%?)\s*$")


@dataclass(frozen=True)
class MaxRejected:
    """How many rejected rows a file may have before the whole import is refused: a share of its rows
    (``5%``) or a count (``20``)."""

    value: float
    percent: bool

    @classmethod
    def parse(cls, text: "str | MaxRejected | None") -> "MaxRejected":
        """``5%``, ``5 %``, ``0.5%`` or ``20``; ValueError (with a message for a person) otherwise."""
        if isinstance(text, MaxRejected):
            return text
        match = _LIMIT.match(DEFAULT_MAX_REJECTED if text is None else str(text))
        if not match or (match.group(2) and float(match.group(1).replace(",", ".")) > 100) or (
                not match.group(2) and not match.group(1).isdigit()):
            raise ValueError(Message("load.quarantine.bad_limit", value=Quoted(str(text))))
        return cls(float(match.group(1).replace(",", ".")), bool(match.group(2)))

    def allowed(self, rows: int) -> int:
        """The most rejected rows a file of ``rows`` rows may have."""
        return int(rows * self.value / 100 + 1e-9) if self.percent else int(self.value)

    def render(self, lang: str) -> str:
        tx = Texts(lang)
        if self.percent:
            return tx.percent(self.value / 100, 0 if self.value == int(self.value) else 1)
        return tx.number(int(self.value))


@dataclass
class Rejected:
    """A file's rejected rows as read, each with its problems (long form: a row may have several)."""

    kind: str
    file_name: str
    headers: list[str]  # the file's headers, as written
    rows: pd.DataFrame  # LINE_COLUMN, then column i = header i (text as read), in line order
    problems: pd.DataFrame  # line, column (header as written, or ""), reason (Message or text)
    delimiter: str = ","

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def lines(self) -> list[int]:
        return [int(x) for x in self.rows[LINE_COLUMN]]

    def table(self, lang: str | None = None) -> pd.DataFrame:
        """One row per rejected row: line, column(s), reason(s) in ``lang``, then the original columns."""
        from loaders.write import neutralise

        tx = Texts(lang or "en")
        problems = self.problems
        codes, uniques = pd.factorize(problems["reason"].map(str))
        reasons_by_code = {}
        for code, reason in zip(codes, problems["reason"], strict=True):
            if code not in reasons_by_code:
                reasons_by_code[code] = render(reason, tx.lang)
        reasons = pd.Series([reasons_by_code[c] for c in codes], index=problems.index, dtype=object)
        grouped = pd.DataFrame({"line": problems["line"].to_numpy(), "column": problems["column"].astype(object),
                                "reason": reasons}).drop_duplicates()
        joined = grouped.groupby("line", sort=True).agg(
            column=("column", lambda c: " | ".join(dict.fromkeys(x for x in c if x))),
            reason=("reason", lambda r: " | ".join(dict.fromkeys(r))))
        lines = self.rows[LINE_COLUMN].to_numpy()
        out = {tx.t("load.col.line"): lines,
               tx.t("load.col.column"): joined["column"].reindex(lines).fillna("").to_numpy(),
               tx.t("load.col.reason"): joined["reason"].reindex(lines).fillna("").to_numpy()}
        frame = pd.DataFrame(out)
        for position, header in enumerate(self.headers):
            values = self.rows[position].astype(object).where(self.rows[position].notna(), "")
            frame[f"{position}:{header}"] = [neutralise(v) for v in values]
        names: list[str] = []
        for name in [*out, *self.headers]:  # unique (a file may have a "line" column, or two empty headers)
            unique, k = name, 2
            while unique in names:
                unique, k = f"{name} ({k})", k + 1
            names.append(unique)
        frame.columns = names
        return frame

    def csv(self, lang: str | None = None) -> bytes:
        """The rejected file: UTF-8 with a BOM (Excel), the input's delimiter, formulas written as text."""
        buf = io.StringIO()
        writer = csv.writer(buf, delimiter=self.delimiter, lineterminator="\r\n")
        table = self.table(lang)
        writer.writerow([_neutral(h) for h in table.columns])
        writer.writerows(table.itertuples(index=False, name=None))
        return buf.getvalue().encode("utf-8-sig")

    def write(self, path: str | Path, lang: str | None = None) -> Path:
        path = Path(path)
        path.write_bytes(self.csv(lang))
        return path


def _neutral(value):
    from loaders.write import neutralise

    return neutralise(value)


def default_rejected_path(input_path: str | Path) -> Path:
    """Beside the input: ``orders.csv`` -> ``orders.rejected.csv``."""
    path = Path(input_path)
    return path.with_name(f"{path.stem}.rejected.csv")


def rejected_paths(files: dict[str, Path], validated: list[Validated], given: str | Path | None) -> dict[str, Path]:
    """Where each file's rejected rows go: ``given`` when one file has rejected rows (with several, the kind is
    added before its suffix: ``rejected.touchpoints.csv``), else beside each input."""
    kinds = [v.kind for v in validated if v.rejected is not None and len(v.rejected)]
    if given is None:
        return {k: default_rejected_path(files[k]) for k in kinds}
    given = Path(given)
    if len(kinds) == 1:
        return {kinds[0]: given}
    return {k: given.with_name(f"{given.stem}.{k}{given.suffix or '.csv'}") for k in kinds}


def quarantine(validated: list[Validated], files: dict[str, Path], ctx: ImportContext,
               max_rejected: "str | MaxRejected | None" = None) -> None:
    """Set the invalid rows of ``validated`` aside (each file's ``rejected``), or raise InputErrors when the import
    must be refused whole (an error about a whole file; more rejected rows than ``max_rejected`` allows)."""
    limit = MaxRejected.parse(max_rejected)
    whole = []
    for v in validated:
        refused = set(v.refused_lines.tolist())
        about_file = [e for e in v.errors if e.line is None or e.line not in refused]
        if about_file:
            whole.append(InputError(v.file_name, None, None, None, Message("load.quarantine.whole_file")))
    if whole:
        raise InputErrors(whole + [e for v in validated for e in v.errors])
    customers = next((v for v in validated if v.kind == "customers"), None)
    customers_raw = _raw_rows(files["customers"], customers.refused_lines) if customers is not None and len(
        customers.refused_lines) else None
    cascaded = _cascade(validated, customers_raw, ctx)
    too_many = []
    for v in validated:
        extra = cascaded.get(v.kind)
        count = len(v.refused_lines) + (0 if extra is None else len(extra))
        if count > limit.allowed(v.rows_read):
            too_many.append(InputError(v.file_name, None, None, None, Message(
                "load.quarantine.too_many", n=Count(count), rows=Count(v.rows_read),
                share=_share(count / max(v.rows_read, 1)),
                limit=PerLanguage(limit.render("en"), limit.render("fr")))))
    if too_many:
        raise InputErrors(too_many + [e for v in validated for e in v.errors])
    for v in validated:
        extra = cascaded.get(v.kind)
        if not len(v.refused_lines) and extra is None:
            continue
        if v.kind == "customers":
            raw = customers_raw
        else:
            lines = v.refused_lines if extra is None else np.union1d(v.refused_lines, extra["line"].to_numpy())
            raw = _raw_rows(files[v.kind], lines)
        v.rejected = _rejected(v, raw, extra)
        v.errors = []
        v.notes.append(Message("load.quarantine.rejected_rows", n=Count(len(v.rejected))))


def _share(value: float) -> PerLanguage:
    return PerLanguage(Texts("en").percent(value), Texts("fr").percent(value))


def _raw_rows(path: Path, lines: np.ndarray):
    """The file read again (a RawTable), only the rows of ``lines`` kept, every column as text."""
    raw = read_table(path)
    keep = np.isin(raw.data[LINE_COLUMN].to_numpy(), lines)
    raw.data = raw.data[keep].reset_index(drop=True)
    return raw


def _cascade(validated: list[Validated], customers_raw, ctx: ImportContext) -> dict[str, pd.DataFrame]:
    """The touchpoints and feedback of customers whose row was rejected (and no valid row gives): taken out of
    their frames, returned per kind as (line, customer_line, customers_file) rows."""
    customers = next((v for v in validated if v.kind == "customers"), None)
    if customers is None or customers_raw is None:
        return {}
    found, _, _ = match_headers(customers_raw, "customers")
    if "customer_id" not in found:
        return {}
    ids = customers_raw.data[found["customer_id"]].astype(STR).str.strip()
    lines = customers_raw.data[LINE_COLUMN].to_numpy()
    given = (ids.fillna("") != "").to_numpy()
    ids, lines = ids[given].reset_index(drop=True), lines[given]
    if not len(ids):
        return {}
    if ctx.transform_customer_id is not None:
        ids = pd.Series(ctx.transform_customer_id(ids)).astype(STR).reset_index(drop=True)
    rejected = pd.DataFrame({"customer_id": ids, "customer_line": lines})
    rejected = rejected[~rejected["customer_id"].isin(customers.frame["customer_id"])]
    rejected = rejected.drop_duplicates("customer_id")
    out = {}
    for v in validated:
        if v.kind == "customers" or not len(rejected):
            continue
        hit = v.frame["customer_id"].isin(rejected["customer_id"]).to_numpy()
        if not hit.any():
            continue
        taken = v.frame.loc[hit, ["customer_id", "line"]].merge(rejected, on="customer_id", how="left")
        out[v.kind] = taken[["line", "customer_line"]].assign(customers_file=customers.file_name)
        v.frame = v.frame[~hit].reset_index(drop=True)
    return out


def _rejected(v: Validated, raw, cascaded: pd.DataFrame | None) -> Rejected:
    """The Rejected of one file: its rows as read again (``raw``), each with the problems found in it."""
    parts = []
    refused = set(v.refused_lines.tolist())
    listed = [e for e in v.errors if e.line in refused
              and not (e.message is not None and e.message.key in _COUNTING)]
    if listed:
        parts.append(pd.DataFrame({"line": [e.line for e in listed],
                                   "column": [e.column_label or "" for e in listed],
                                   "reason": _objects([e.message if e.message is not None else e.reason
                                                       for e in listed])}))
    for lines, header, canonical, reason in v.unlisted:
        label = header if not canonical or canonical == header else f"{header} ({canonical})"
        parts.append(pd.DataFrame({"line": lines, "column": label or "", "reason": _objects([reason] * len(lines))}))
    if cascaded is not None:
        header = next((h for h in raw.headers if canonical_name(v.kind, h) == "customer_id"), "customer_id")
        reasons = {line: Message("load.quarantine.customer_rejected", file=file, line=line)
                   for line, file in cascaded[["customer_line", "customers_file"]].drop_duplicates(
                       "customer_line").itertuples(index=False)}
        parts.append(pd.DataFrame({"line": cascaded["line"].to_numpy(), "column": header,
                                   "reason": _objects([reasons[c] for c in cascaded["customer_line"]])}))
    problems = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["line", "column", "reason"])
    return Rejected(v.kind, v.file_name, list(raw.headers), raw.data, problems, raw.delimiter or ",")


def check_channel_name(name: str | None) -> None:
    """A default channel (``--empty-channel``) must be a channel: a letter or digit, at most MAX_NAME_CHARS."""
    from data_model.text import slug
    from loaders.validate import MAX_NAME_CHARS

    if name is not None and (not slug(name) or len(name) > MAX_NAME_CHARS):
        raise ValueError(Message("load.quarantine.bad_channel", value=Quoted(name)))


def check_source_name(name: str | None) -> None:
    """A source system (``--source``) is a name: not blank, at most MAX_NAME_CHARS, no control character."""
    from data_model.text import CONTROL_CHARACTERS
    from loaders.validate import MAX_NAME_CHARS

    if name is not None and (not name.strip() or len(name) > MAX_NAME_CHARS or re.search(CONTROL_CHARACTERS, name)):
        raise ValueError(Message("load.bad_source", value=Quoted(name)))


def _objects(values: list) -> pd.Series:
    """Messages kept as Messages (a ``str`` column would keep only their English text)."""
    series = pd.Series(np.empty(len(values), dtype=object))
    series[:] = values
    return series
