"""Schema 0002: previous values of the rows an import updates, so that the latest import can be undone.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _tables() -> dict[str, list[sa.Column]]:
    """Spelt out (not read from the models): a migration describes the schema as it was at this version.
    New Column objects on each call: a Column belongs to one table."""
    return {
        "customers_history": [
            sa.Column("customer_id", sa.String), sa.Column("persona", sa.String), sa.Column("segment", sa.String),
            sa.Column("region", sa.String), sa.Column("signup_date", sa.Date), sa.Column("churned", sa.Boolean),
            sa.Column("churn_date", sa.Date), sa.Column("batch_id", sa.Integer),
        ],
        "touchpoints_history": [
            *_event(), sa.Column("channel", sa.String), sa.Column("stage", sa.String),
            sa.Column("touchpoint", sa.String), sa.Column("revenue", sa.Numeric(18, 4)),
            sa.Column("touchpoint_id", sa.String), sa.Column("batch_id", sa.Integer), sa.Column("line", sa.Integer),
        ],
        "feedback_history": [
            *_event(), sa.Column("stage", sa.String), sa.Column("channel", sa.String), sa.Column("nps", sa.Integer),
            sa.Column("csat", sa.Integer), sa.Column("comment", sa.String), sa.Column("feedback_id", sa.String),
            sa.Column("batch_id", sa.Integer), sa.Column("line", sa.Integer),
        ],
    }


def _event() -> list[sa.Column]:
    return [sa.Column("id", sa.BigInteger), sa.Column("natural_key", sa.String),
            sa.Column("customer_id", sa.String), sa.Column("timestamp", sa.DateTime)]


def upgrade():
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    for name, columns in _tables().items():
        if name in existing:  # made by create_all from the current models, without a recorded version
            continue
        op.create_table(name, sa.Column("undo_batch_id", sa.Integer, nullable=False, index=True), *columns)
    op.execute("UPDATE parcours_meta SET value = '0002' WHERE key = 'schema_version'")


def downgrade():
    for name in _tables():
        op.drop_table(name)
    op.execute("UPDATE parcours_meta SET value = '0001' WHERE key = 'schema_version'")
