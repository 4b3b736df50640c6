"""Initial schema (version 0001): customers, stages, touchpoint types, channels, touchpoints,
feedback, import batches and files, settings.

A database at this version is created from the models (``initialise``) and stamped; there
is nothing older to upgrade from. Later revisions alter the tables with ``op`` calls.

Revision ID: 0001
Revises:
"""

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
