"""Schema 0003: an integer customer number, and no key indexes on DuckDB's event tables.

* ``customer_no`` (BIGINT) on customers, touchpoints, feedback and their history tables: the journey
  windows and joins run on it (at 1M customers / 10M touchpoints, windows partitioned by the text id
  took about twice as long). Existing customers are numbered in ``customer_id`` order; their events
  get their number.
* DuckDB only: touchpoints and feedback are rebuilt without primary key, unique natural key and
  customer index. DuckDB keeps those as ART indexes, which made a 10M-row import 4x slower and took
  6 GB, while its joins never use them. PostgreSQL keeps them (its merge uses the B-trees).

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

from data_model.migrate import add_column

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TABLES = ("customers", "touchpoints", "feedback", "customers_history", "touchpoints_history", "feedback_history")

# Spelt out as at this version (not read from the models), in the models' column order.
_DUCKDB_EVENTS = {
    "touchpoints": (
        "id BIGINT NOT NULL, natural_key VARCHAR NOT NULL, customer_id VARCHAR NOT NULL, customer_no BIGINT, "
        '"timestamp" TIMESTAMP NOT NULL, channel VARCHAR NOT NULL, stage VARCHAR NOT NULL, touchpoint VARCHAR, '
        "revenue DECIMAL(18,4), touchpoint_id VARCHAR, batch_id INTEGER NOT NULL, line INTEGER NOT NULL",
        'id, natural_key, customer_id, customer_no, "timestamp", channel, stage, touchpoint, revenue, '
        "touchpoint_id, batch_id, line",
    ),
    "feedback": (
        "id BIGINT NOT NULL, natural_key VARCHAR NOT NULL, customer_id VARCHAR NOT NULL, customer_no BIGINT, "
        '"timestamp" TIMESTAMP NOT NULL, stage VARCHAR NOT NULL, channel VARCHAR, nps INTEGER, csat INTEGER, '
        "comment VARCHAR, feedback_id VARCHAR, batch_id INTEGER NOT NULL, line INTEGER NOT NULL",
        'id, natural_key, customer_id, customer_no, "timestamp", stage, channel, nps, csat, comment, '
        "feedback_id, batch_id, line",
    ),
}


def upgrade():
    bind = op.get_bind()
    for table in TABLES:
        add_column(table, sa.Column("customer_no", sa.BigInteger))
    op.execute(
        "UPDATE customers SET customer_no = n.no FROM "
        "(SELECT customer_id, row_number() OVER (ORDER BY customer_id) AS no FROM customers) n "
        "WHERE n.customer_id = customers.customer_id AND customers.customer_no IS NULL")
    for table in ("touchpoints", "feedback"):
        if bind.dialect.name == "duckdb":
            columns, names = _DUCKDB_EVENTS[table]
            picked = ", ".join("c.customer_no" if n == "customer_no" else f"e.{n}" for n in names.split(", "))
            op.execute(f"CREATE TABLE {table}_0003 ({columns})")
            op.execute(f"INSERT INTO {table}_0003 ({names}) SELECT {picked} FROM {table} e "
                       f"LEFT JOIN customers c ON c.customer_id = e.customer_id ORDER BY e.id")
            op.execute(f"DROP TABLE {table}")
            op.execute(f"ALTER TABLE {table}_0003 RENAME TO {table}")
        else:
            op.execute(f"UPDATE {table} SET customer_no = c.customer_no FROM customers c "
                       f"WHERE c.customer_id = {table}.customer_id AND {table}.customer_no IS NULL")
    op.execute("UPDATE parcours_meta SET value = '0003' WHERE key = 'schema_version'")


def downgrade():
    raise NotImplementedError("schema 0003 cannot be downgraded: re-import into a new database instead")
