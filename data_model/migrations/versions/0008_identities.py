"""Schema 0008: one customer across systems.

* ``identity_links``: two identifiers of one person as a links file gave them (e-mail and phone as keyed hashes),
  with the batch that brought them (an undo removes them).
* ``identities``: each linked identifier and the customer it is (its component's key), derived from every link.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def _tables() -> set[str]:
    return set(sa.inspect(op.get_bind()).get_table_names()) if op.get_bind().dialect.name != "duckdb" else {
        r[0] for r in op.get_bind().exec_driver_sql("SELECT table_name FROM information_schema.tables")}


def upgrade():
    tables = _tables()
    if "identity_links" not in tables:
        op.create_table(
            "identity_links",
            sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),  # as the model: no BIGSERIAL
            sa.Column("batch_id", sa.Integer, nullable=False, index=True),
            sa.Column("id_a", sa.String, nullable=False),
            sa.Column("id_b", sa.String, nullable=False),
            sa.Column("kind", sa.String),
            sa.Column("source", sa.String),
            sa.Column("line", sa.Integer),
        )
    if "identities" not in tables:
        op.create_table(
            "identities",
            sa.Column("identifier", sa.String, primary_key=True),
            sa.Column("customer_id", sa.String, nullable=False, index=True),
            sa.Column("component_size", sa.Integer, nullable=False),
            sa.Column("held", sa.Boolean, nullable=False, server_default=sa.false()),
        )
    op.execute("UPDATE parcours_meta SET value = '0008' WHERE key = 'schema_version'")


def downgrade():
    op.drop_table("identities")
    op.drop_table("identity_links")
    op.execute("UPDATE parcours_meta SET value = '0007' WHERE key = 'schema_version'")
