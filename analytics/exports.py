"""Tables as CSV or XLSX files for people who will never open Parcours, safe to open in a spreadsheet.

``export(db, what, filters, path)`` writes one of ``TABLES``:

* ``customers`` — the *Customers* of the filters (at least one kept touchpoint), with their attributes;
* ``touchpoints`` / ``feedback`` — the kept rows (``analytics.filters``), in the import format's columns;
* ``funnel`` — the report's open funnel with conversions and intervals (``analytics.funnel.funnel_table``);
* ``irritants`` — the ranked stage × channel cells (``analytics.irritants``).

``unhappy_customers(db, filters, stage, channel)`` is a cell's *unhappy* customers (NPS detractors, CSAT
dissatisfied) with their latest answer there, for the team that calls them back (the Irritants page's download, in
``frame_bytes``' files).

The format follows the file's extension: ``.csv`` (UTF-8 with a byte-order mark, so that Excel reads the
accents) or ``.xlsx``. **Control characters**: text cells go through ``data_model.text.clean_control`` (and lose
U+FFFE / U+FFFF, which no XML file may hold), whatever the database holds: openpyxl refuses them (its error quotes
the cell) and a spreadsheet shows them as garbage. **Formula injection** (OWASP "CSV injection"): a *text* cell
that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return, once cleaned, is written with a leading
apostrophe, so no spreadsheet runs it; numbers stay numbers. For the raw tables on DuckDB both are done by the
database, and a CSV streams from it; on the other engines they are done on Arrow batches, streamed too. An XLSX of
more than Excel's 1,048,576 rows (header included) is refused before anything is written. No error message, log
line or warning quotes a cell.
"""

from __future__ import annotations

from pathlib import Path

import ibis
import pandas as pd

from analytics.filters import Filters, apply_filters
from analytics.measures import bounds
from data_model.text import CONTROL_CHARACTERS, SEPARATING_CHARACTERS, clean_control

__all__ = ["EXCEL_MAX_ROWS", "FORMULA_STARTS", "TABLES", "UNHAPPY_COLUMNS", "ExportError", "clean_cell", "export",
           "frame_bytes", "message_bytes", "neutralise", "unhappy_customers"]

TABLES = ("customers", "touchpoints", "feedback", "funnel", "irritants")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
EXCEL_MAX_ROWS = 1_048_576  # rows of a worksheet, the header included

_COLUMNS = {
    "customers": ("customer_id", "persona", "segment", "region", "signup_date", "churned", "churn_date"),
    # ``source``: the touchpoint's source system (schema 0007), left out where the table has none (a warehouse)
    "touchpoints": ("customer_id", "timestamp", "channel", "stage", "touchpoint", "revenue", "touchpoint_id",
                    "source"),
    "feedback": ("customer_id", "timestamp", "stage", "channel", "nps", "csat", "comment", "feedback_id"),
}

#: ``unhappy_customers``' columns and their dtypes (text is object: a missing channel or comment stays ``None``)
UNHAPPY_COLUMNS = {"customer_id": "object", "stage": "object", "channel": "object", "measure": "object",
                   "score": "int64", "comment": "object", "answered_at": "datetime64[ns]"}


# clean_control's rule as RE2 patterns (DuckDB's and Arrow's regular expressions): the word-separating controls
# become a space, the others go (U+FFFE / U+FFFF with them: an .xlsx holding one does not open).
_SEPARATING = SEPARATING_CHARACTERS
_REMOVED = CONTROL_CHARACTERS
_FORMULA = "^[=+\\-@\\t\\r]"
_FORMULA_START = "^([=+\\-@\\t\\r])"


class ExportError(ValueError):
    """An export that cannot be written as asked (the message says what to do instead, and quotes no cell)."""


def neutralise(value):
    """A text that a spreadsheet would read as a formula, with a leading apostrophe; anything else unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def clean_cell(value):
    """A text without control characters (``clean_control``), then ``neutralise``-d (in that order: "\\x01=1+1"
    must not become a formula); a list's texts likewise; anything else unchanged."""
    if isinstance(value, str):
        return neutralise(clean_control(value))
    if isinstance(value, list | tuple):
        return type(value)(clean_cell(v) for v in value)
    return value


def _neutralised_frame(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = pd.Series([clean_cell(v) for v in out[col]], index=out.index, dtype=object)
    out.columns = [clean_cell(c) for c in out.columns]
    return out


def _to_excel(frame: pd.DataFrame, target) -> None:
    from openpyxl.utils.exceptions import IllegalCharacterError

    try:
        frame.to_excel(target, index=False, engine="openpyxl")
    except IllegalCharacterError:  # its message quotes the cell: not this one
        raise ExportError("a text cell holds a character that Excel refuses: export to a .csv file instead") from None


def frame_bytes(df: pd.DataFrame, kind: str) -> bytes:
    """A small frame (a page's table) as the bytes of a ``csv`` or ``xlsx`` file, cleaned and neutralised like
    ``export``'s."""
    import io

    frame = _neutralised_frame(df)
    if kind == "csv":
        return frame.to_csv(index=False).encode("utf-8-sig")
    if kind == "xlsx":
        if len(frame) + 1 > EXCEL_MAX_ROWS:
            raise ExportError(f"{len(frame):,} rows do not fit in an Excel sheet: export to a .csv file instead")
        buffer = io.BytesIO()
        _to_excel(frame, buffer)
        return buffer.getvalue()
    raise ExportError(f"unknown format {kind!r}: csv or xlsx")


def message_bytes(message: str, kind: str) -> bytes:
    """A ``csv`` or ``xlsx`` file whose one cell is ``message``: what a download gives when its table could not be
    written (``ui.widgets.table_file``)."""
    return frame_bytes(pd.DataFrame({"message": [message]}), kind)


def _neutralised_expr(table):
    """Every string column cleaned and neutralised by the database (same rules as ``clean_cell``)."""
    cols = {}
    for name, dtype in table.schema().items():
        col = table[name]
        if dtype.is_string():
            # replaced only where found (a search costs a third of a replace, and such text is rare); then one
            # replace neutralises, so that the cleaned text is computed once (a CASE would repeat it three times)
            col = ibis.ifelse(col.re_search(_REMOVED), col.re_replace(_SEPARATING, " ").re_replace(_REMOVED, ""), col)
            cols[name] = col.re_replace(_FORMULA_START, "'\\1")
        else:
            cols[name] = col
    return table.select(**cols)


def _neutralised_arrow(data):
    """An Arrow table or record batch with every string column cleaned and neutralised (``clean_cell``'s rules)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    columns = []
    for column in data.columns:
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            column = pc.replace_substring_regex(column, _SEPARATING, " ")
            column = pc.replace_substring_regex(column, _REMOVED, "")
            formula = pc.fill_null(pc.match_substring_regex(column, _FORMULA), False)
            column = pc.if_else(formula, pc.binary_join_element_wise("'", column, ""), column)
        columns.append(column)
    return type(data).from_arrays(columns, schema=data.schema)


def _raw_expr(db, what: str, filters: Filters, *, in_database: bool = True):
    con = db.ibis
    customers = con.table("customers")
    if what == "customers":
        kept = apply_filters(con.table("touchpoints"), filters, customers).select("customer_id").distinct()
        table = customers.semi_join(kept, "customer_id")
        order = ["customer_id"]
    else:
        table = apply_filters(con.table(what), filters, customers)
        order = ["customer_id", "timestamp", "id"]
    table = table.order_by(order).select(*(c for c in _COLUMNS[what] if c in table.columns))
    return _neutralised_expr(table) if in_database else table


def _frame(db, what: str, filters: Filters) -> pd.DataFrame:
    if what == "funnel":
        from analytics.funnel import funnel_table

        return funnel_table(db, filters)
    from analytics.irritants import irritants

    return irritants(db, filters)


def export(db, what: str, filters: Filters | None, path, max_rows: int = EXCEL_MAX_ROWS) -> int:
    """Write ``what`` (one of ``TABLES``) for ``filters`` to ``path`` (``.csv`` or ``.xlsx``); return the
    number of data rows. ``ExportError`` for an unknown table or extension, and for an XLSX that would
    exceed ``max_rows`` rows with its header (nothing is written then)."""
    if what not in TABLES:
        raise ExportError(f"unknown table {what!r}: choose one of {', '.join(TABLES)}")
    path = Path(path)
    kind = path.suffix.lower()
    if kind not in (".csv", ".xlsx"):
        raise ExportError(f"{path.name}: the file name must end in .csv or .xlsx")
    filters = filters or Filters()
    if what in _COLUMNS:
        # DuckDB cleans and neutralises in its query (and writes the CSV itself); the other engines' rows are
        # cleaned on their way out, as Arrow batches
        in_database = db.dialect == "duckdb" and kind == ".csv"
        expr = _raw_expr(db, what, filters, in_database=in_database)
        n = int(expr.count().to_pyarrow().as_py())
        if kind == ".xlsx" and n + 1 > max_rows:
            raise ExportError(f"{n:,} rows do not fit in an Excel sheet ({max_rows:,} rows with the header): "
                              f"export to a .csv file instead")
        if kind == ".csv":
            frame = None
        else:
            frame = _neutralised_arrow(expr.to_pyarrow()).to_pandas()
    else:
        frame = _neutralised_frame(_frame(db, what, filters))
        n = len(frame)
        if kind == ".xlsx" and n + 1 > max_rows:
            raise ExportError(f"{n:,} rows do not fit in an Excel sheet: export to a .csv file instead")
    if kind == ".csv":
        if frame is None:
            # streamed by the database; then the byte-order mark is put in front
            tmp = path.with_name(path.name + ".part")
            try:
                if in_database:
                    expr.to_csv(tmp)
                else:
                    _arrow_csv(expr, tmp)
                with open(path, "wb") as out, open(tmp, "rb") as src:
                    out.write(b"\xef\xbb\xbf")
                    while chunk := src.read(1 << 20):
                        out.write(chunk)
            finally:
                tmp.unlink(missing_ok=True)
        else:
            frame.to_csv(path, index=False, encoding="utf-8-sig")
    else:
        for col in frame.columns:  # Excel has no time zones; the data's timestamps are naive already
            if isinstance(frame[col].dtype, pd.DatetimeTZDtype):
                frame[col] = frame[col].dt.tz_localize(None)
        _to_excel(frame, path)
    return n


def _arrow_csv(expr, path) -> None:
    """``expr`` as CSV, streamed in cleaned Arrow batches (what Ibis' ``to_csv`` does outside DuckDB, plus the
    cleaning)."""
    import pyarrow.csv as pcsv

    with expr.to_pyarrow_batches() as batches, pcsv.CSVWriter(path, batches.schema) as writer:
        for batch in batches:
            writer.write_batch(_neutralised_arrow(batch))


def unhappy_customers(db, filters: Filters | None, stage: str, channel: str | None, *, scope=None) -> pd.DataFrame:
    """The customers of one stage × channel cell (``analytics.irritants``) who are unhappy there on the scope's
    measure (``Scope.measure``; ``analytics.measures.bounds``: NPS detractors 0–6, CSAT dissatisfied 1–2), judged
    by their *latest* answer in the cell (by timestamp, then input order: ``irritants._churn_rows``' rule): one who
    answered 3 and then 10 there is not called back.

    ``channel`` ``None`` is the cell "channel unknown" (feedback without a channel). The filters apply as to every
    metric (the scope's kept feedback: cohort, lenses, windows). One query, the "latest" by a window, in the
    database. Columns ``UNHAPPY_COLUMNS``: ``customer_id`` as stored (the pseudonym when the import pseudonymised
    it), ``stage``, ``channel``, ``measure`` (``nps`` or ``csat``), ``score`` (that latest answer), its ``comment``
    and ``answered_at``; newest first (ties: customer id). Not neutralised: ``frame_bytes`` does it when written.
    """
    from analytics.metrics import _rows, scope_for

    scope = scope_for(db, filters, scope)
    m = scope.measure
    f = scope.feedback
    if m not in f.columns:  # a warehouse without that measure's column: nobody answered it
        return _unhappy_frame([])
    worst, _, _ = bounds(m)
    in_cell = f.channel.isnull() if channel is None else f.channel == channel
    r = f.filter(f[m].notnull(), f.stage == stage, in_cell)
    latest = ibis.window(group_by=r[scope.key], order_by=[r.timestamp.desc(), r.id.desc()])
    comment = r.comment if "comment" in r.columns else ibis.null().cast("string")
    x = r.select(customer_id=r.customer_id, stage=r.stage, channel=r.channel, score=r[m].cast("int64"),
                 comment=comment, answered_at=r.timestamp, rn=ibis.row_number().over(latest))
    x = x.filter(x.rn == 0, x.score <= worst)
    x = x.select("customer_id", "stage", "channel", "score", "comment", "answered_at")
    rows = _rows(x.order_by([x.answered_at.desc(), x.customer_id]))
    for row in rows:
        row["measure"] = m
        at = row["answered_at"]
        if at is not None and at.tzinfo is not None:  # Excel has no time zones
            row["answered_at"] = at.replace(tzinfo=None)
    return _unhappy_frame(rows)


def _unhappy_frame(rows: list[dict]) -> pd.DataFrame:
    data = {c: pd.Series([r[c] for r in rows], dtype=t) for c, t in UNHAPPY_COLUMNS.items()}
    return pd.DataFrame(data, columns=list(UNHAPPY_COLUMNS))
