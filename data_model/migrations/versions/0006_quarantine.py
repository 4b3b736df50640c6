"""Schema 0006: imports that keep the good rows.

* ``import_batches.on_error`` (VARCHAR NOT NULL, default 'refuse'): how the batch treated invalid rows, ``refuse``
  (all or nothing) or ``quarantine`` (valid rows written, invalid ones set aside in a rejected file). Earlier batches
  were all or nothing.
* ``import_files.rejected`` (INTEGER NOT NULL, default 0): the rows of the file set aside.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def _columns(table: str) -> list[str]:
    # the column names from a query: duckdb_engine's inspector fails on DuckDB 2.0 (pg_collation)
    return list(op.get_bind().exec_driver_sql(f"SELECT * FROM {table} LIMIT 0").keys())


def upgrade():
    if "on_error" not in _columns("import_batches"):
        op.add_column("import_batches", sa.Column("on_error", sa.String, nullable=False, server_default="refuse"))
    if "rejected" not in _columns("import_files"):
        op.add_column("import_files", sa.Column("rejected", sa.Integer, nullable=False, server_default="0"))
    op.execute("UPDATE parcours_meta SET value = '0006' WHERE key = 'schema_version'")


def downgrade():
    op.drop_column("import_files", "rejected")
    op.drop_column("import_batches", "on_error")
    op.execute("UPDATE parcours_meta SET value = '0005' WHERE key = 'schema_version'")
