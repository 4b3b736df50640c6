"""Tables as CSV or XLSX files for people who will never open Parcours, safe to open in a spreadsheet.

``export(db, what, filters, path)`` writes one of ``TABLES``:

* ``customers`` — the *Customers* of the filters (at least one kept touchpoint), with their attributes;
* ``touchpoints`` / ``feedback`` — the kept rows (``analytics.filters``), in the import format's columns;
* ``funnel`` — the report's open funnel with conversions and intervals (``analytics.funnel.funnel_table``);
* ``irritants`` — the ranked stage × channel cells (``analytics.irritants``).

The format follows the file's extension: ``.csv`` (UTF-8 with a byte-order mark, so that Excel reads the
accents) or ``.xlsx``. **Formula injection** (OWASP "CSV injection"): a *text* cell that starts with ``=``,
``+``, ``-``, ``@``, a tab or a carriage return is written with a leading apostrophe, so no spreadsheet runs it;
numbers stay numbers. For the raw tables this is done by the database, and a CSV streams from it; an XLSX of
more than Excel's 1,048,576 rows (header included) is refused before anything is written.
"""

from __future__ import annotations

from pathlib import Path

import ibis
import pandas as pd

from analytics.filters import Filters, apply_filters

__all__ = ["EXCEL_MAX_ROWS", "FORMULA_STARTS", "TABLES", "ExportError", "export", "frame_bytes", "neutralise"]

TABLES = ("customers", "touchpoints", "feedback", "funnel", "irritants")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
EXCEL_MAX_ROWS = 1_048_576  # rows of a worksheet, the header included

_COLUMNS = {
    "customers": ("customer_id", "persona", "segment", "region", "signup_date", "churned", "churn_date"),
    "touchpoints": ("customer_id", "timestamp", "channel", "stage", "touchpoint", "revenue", "touchpoint_id"),
    "feedback": ("customer_id", "timestamp", "stage", "channel", "nps", "csat", "comment", "feedback_id"),
}


class ExportError(ValueError):
    """An export that cannot be written as asked (the message says what to do instead)."""


def neutralise(value):
    """A text that a spreadsheet would read as a formula, with a leading apostrophe; anything else unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _neutralised_frame(df: pd.DataFrame) -> pd.DataFrame:
    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = pd.Series([neutralise(v) for v in out[col]], index=out.index, dtype=object)
    return out


def frame_bytes(df: pd.DataFrame, kind: str) -> bytes:
    """A small frame (a page's table) as the bytes of a ``csv`` or ``xlsx`` file, neutralised like ``export``'s."""
    import io

    frame = _neutralised_frame(df)
    if kind == "csv":
        return frame.to_csv(index=False).encode("utf-8-sig")
    if kind == "xlsx":
        if len(frame) + 1 > EXCEL_MAX_ROWS:
            raise ExportError(f"{len(frame):,} rows do not fit in an Excel sheet: export to a .csv file instead")
        buffer = io.BytesIO()
        frame.to_excel(buffer, index=False, engine="openpyxl")
        return buffer.getvalue()
    raise ExportError(f"unknown format {kind!r}: csv or xlsx")


def _neutralised_expr(table):
    """Every string column neutralised by the database (same rule as ``neutralise``)."""
    cols = {}
    for name, dtype in table.schema().items():
        col = table[name]
        if dtype.is_string():
            cols[name] = ibis.ifelse(col.substr(0, 1).isin(list(FORMULA_STARTS)), "'" + col, col)
        else:
            cols[name] = col
    return table.select(**cols)


def _raw_expr(db, what: str, filters: Filters):
    con = db.ibis
    customers = con.table("customers")
    if what == "customers":
        kept = apply_filters(con.table("touchpoints"), filters, customers).select("customer_id").distinct()
        table = customers.semi_join(kept, "customer_id")
        order = ["customer_id"]
    else:
        table = apply_filters(con.table(what), filters, customers)
        order = ["customer_id", "timestamp", "id"]
    table = table.order_by(order)
    return _neutralised_expr(table.select(*_COLUMNS[what]))


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
        expr = _raw_expr(db, what, filters)
        n = int(expr.count().to_pyarrow().as_py())
        if kind == ".xlsx" and n + 1 > max_rows:
            raise ExportError(f"{n:,} rows do not fit in an Excel sheet ({max_rows:,} rows with the header): "
                              f"export to a .csv file instead")
        if kind == ".csv":
            frame = None
        else:
            frame = expr.to_pyarrow().to_pandas()
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
                expr.to_csv(tmp)
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
        frame.to_excel(path, index=False, engine="openpyxl")
    return n
