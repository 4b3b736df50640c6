"""Schema 0007: the source system of touchpoints.

* ``touchpoints.source`` and ``touchpoints_history.source`` (VARCHAR, nullable): the system a touchpoint came from
  (a CRM, the web analytics, the stores' tills), as the import named it: a ``source`` column of the touchpoints file,
  else the import's ``--source``, else the source profile's ``source``. Earlier touchpoints have none (NULL: not
  said), which the analytics read as an unknown source.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

from data_model.migrate import add_column

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

TABLES = ("touchpoints", "touchpoints_history")


def upgrade():
    for table in TABLES:
        add_column(table, sa.Column("source", sa.String, nullable=True))
    op.execute("UPDATE parcours_meta SET value = '0007' WHERE key = 'schema_version'")


def downgrade():
    for table in TABLES:
        op.drop_column(table, "source")
    op.execute("UPDATE parcours_meta SET value = '0006' WHERE key = 'schema_version'")
