"""Schema 0004: personal data. Customers forgotten on request, the log of forgets, the database's secrets,
and how customer ids are stored.

* ``forgotten_customers``: a keyed hash of each forgotten customer's id (never the id itself), so that
  later imports skip that customer's rows.
* ``forget_log``: when customers were forgotten and how many rows went; never whom.
* ``parcours_secrets``: values that stay in the database (``export-parquet`` does not write them), such as
  the salt of the forget hashes of a database that stores customer ids as given.
* ``parcours_meta.customer_ids``: ``raw`` for every database made before this version (pseudonymised
  ids are chosen when a database is created, from this version on).

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _tables() -> dict[str, list[sa.Column]]:
    """Spelt out (not read from the models): a migration describes the schema as it was at this version.
    New Column objects on each call: a Column belongs to one table."""
    return {
        "forgotten_customers": [sa.Column("id_hash", sa.String, primary_key=True)],
        "forget_log": [
            sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
            sa.Column("forgotten_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("source", sa.String, nullable=False),
            sa.Column("customers", sa.Integer, nullable=False), sa.Column("touchpoints", sa.Integer, nullable=False),
            sa.Column("feedback", sa.Integer, nullable=False), sa.Column("history_rows", sa.Integer, nullable=False),
        ],
        "parcours_secrets": [sa.Column("key", sa.String, primary_key=True),
                             sa.Column("value", sa.String, nullable=False)],
    }


def upgrade():
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    for name, columns in _tables().items():
        if name in existing:  # made by create_all from the current models, without a recorded version
            continue
        op.create_table(name, *columns)
    op.execute("INSERT INTO parcours_meta (key, value) SELECT 'customer_ids', 'raw' "
               "WHERE NOT EXISTS (SELECT 1 FROM parcours_meta WHERE key = 'customer_ids')")
    op.execute("UPDATE parcours_meta SET value = '0004' WHERE key = 'schema_version'")


def downgrade():
    # Going back would drop the list of forgotten customers (the next import would bring them back) and the
    # record that ids are pseudonyms.
    raise NotImplementedError("schema 0004 cannot be downgraded: re-import into a new database instead")
