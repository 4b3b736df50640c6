"""``python -m loaders export-parquet [--db URL] DIR``: the tables the analytics read, as ``DIR/<table>.parquet``.

What a warehouse or cluster needs to run the same analytics (``spark+parquet:///DIR``, or tables loaded
by the company's pipelines). Each table goes through the database's own fast path: DuckDB writes the
Parquet file itself (``COPY (SELECT …) TO … (FORMAT parquet)``); PostgreSQL and any other backend
stream Arrow batches from Ibis into a Parquet writer, never the whole table in memory. Touchpoints and
feedback are sorted by customer, then time, then input order, so a reader that splits them by row
group keeps each customer's journey together and in order.

Each file is written next to its final name and renamed when complete: a failed export leaves the
previous files (or none), never a truncated one.
"""

import os
from dataclasses import dataclass
from pathlib import Path

from data_model.engine import WAREHOUSE_TABLES

__all__ = ["EXPORT_ORDER", "ExportedTable", "export_parquet"]

# Sort order of each exported table (the primary key, or the journey order for events).
EXPORT_ORDER = {
    "stages": ("position",),
    "channels": ("code",),
    "customers": ("customer_id",),
    "touchpoints": ("customer_id", "timestamp", "id"),
    "feedback": ("customer_id", "timestamp", "id"),
    "parcours_meta": ("key",),
}
assert tuple(EXPORT_ORDER) == WAREHOUSE_TABLES

BATCH_ROWS = 250_000


@dataclass(frozen=True)
class ExportedTable:
    table: str
    path: Path
    rows: int


def _quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _export_duckdb(db, table: str, target: Path) -> int:
    order = ", ".join(_quote_ident(c) for c in EXPORT_ORDER[table])
    with db.engine.connect() as conn:
        conn.exec_driver_sql(
            f"COPY (SELECT * FROM {_quote_ident(table)} ORDER BY {order}) TO {_sql_string(str(target))} "
            "(FORMAT parquet, COMPRESSION zstd)")
        return int(conn.exec_driver_sql(f"SELECT count(*) FROM {_quote_ident(table)}").scalar())


def _export_arrow(db, table: str, target: Path) -> int:
    """Any Ibis backend (PostgreSQL, a warehouse): Arrow record batches into one Parquet file."""
    import pyarrow.parquet as pq

    expr = db.ibis.table(table).order_by(list(EXPORT_ORDER[table]))
    rows = 0
    reader = expr.to_pyarrow_batches(chunk_size=BATCH_ROWS)
    with pq.ParquetWriter(target, reader.schema, compression="zstd") as writer:
        for batch in reader:
            writer.write_batch(batch)
            rows += batch.num_rows
    return rows


def export_parquet(db, directory: str | Path) -> list[ExportedTable]:
    """Write every table the analytics read as ``directory/<table>.parquet``; create the folder on demand."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    fast = db.engine is not None and db.dialect == "duckdb"
    done = []
    for table in WAREHOUSE_TABLES:
        final = directory / f"{table}.parquet"
        partial = directory / f".{table}.parquet.partial"
        partial.unlink(missing_ok=True)
        try:
            rows = _export_duckdb(db, table, partial) if fast else _export_arrow(db, table, partial)
            os.replace(partial, final)
        finally:
            partial.unlink(missing_ok=True)
        done.append(ExportedTable(table, final, rows))
    return done
