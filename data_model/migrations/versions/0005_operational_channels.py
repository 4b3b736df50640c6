"""Schema 0005: operational channels.

* ``channels.operational`` (BOOLEAN NOT NULL, default false): a channel that is not a journey channel (a
  carrier, a survey e-mail). Its touchpoints still count for stages, funnel and revenue; the channel mix,
  ROPO / showrooming and the transitions leave them out. Existing channels are journey channels (false).

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

from data_model.migrate import add_column

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    add_column("channels", sa.Column("operational", sa.Boolean, nullable=False, server_default=sa.false()))
    op.execute("UPDATE parcours_meta SET value = '0005' WHERE key = 'schema_version'")


def downgrade():
    op.drop_column("channels", "operational")
    op.execute("UPDATE parcours_meta SET value = '0004' WHERE key = 'schema_version'")
