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

from data_model.migrate import add_column

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    add_column("import_batches", sa.Column("on_error", sa.String, nullable=False, server_default="refuse"))
    add_column("import_files", sa.Column("rejected", sa.Integer, nullable=False, server_default="0"))
    op.execute("UPDATE parcours_meta SET value = '0006' WHERE key = 'schema_version'")


def downgrade():
    op.drop_column("import_files", "rejected")
    op.drop_column("import_batches", "on_error")
    op.execute("UPDATE parcours_meta SET value = '0005' WHERE key = 'schema_version'")
