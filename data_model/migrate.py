"""Schema versions with Alembic, applied at start so that a database made by an older Parcours keeps working.

A new database is created from the models and stamped at the latest revision; an existing one
is upgraded to it. Every later schema change adds a revision under ``migrations/versions``.
"""

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.ddl.impl import DefaultImpl

MIGRATIONS = Path(__file__).with_name("migrations")


class DuckDBImpl(DefaultImpl):
    """Alembic knows no DuckDB dialect; DuckDB speaks PostgreSQL's DDL well enough for ours."""

    __dialect__ = "duckdb"
    transactional_ddl = True


def _config(connection) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["connection"] = connection
    return cfg


def add_column(table: str, column: sa.Column) -> None:
    """In a migration: ``ALTER TABLE table ADD COLUMN column``, unless the table has that column already.

    DuckDB refuses to alter a table that holds rows and has an index ("Cannot alter entry … because there are entries
    that depend on it": every database of schema 0005 or earlier with one import, through ``import_files``' index), so
    there the table's indexes are dropped first and created again after."""
    from alembic import op

    bind = op.get_bind()
    # the column names from a query: duckdb_engine's inspector fails on DuckDB 2.0 (pg_collation)
    if column.name in bind.exec_driver_sql(f"SELECT * FROM {table} LIMIT 0").keys():
        return
    indexes = []
    if bind.dialect.name == "duckdb":
        indexes = bind.exec_driver_sql(
            "SELECT index_name, sql FROM duckdb_indexes() "
            f"WHERE table_name = '{table}' AND schema_name = current_schema()").all()
    for name, _ in indexes:
        op.execute(f'DROP INDEX "{name}"')
    op.add_column(table, column)
    for _, sql in indexes:
        op.execute(sql)


def current_revision(db) -> str | None:
    if not sa.inspect(db.engine).has_table("alembic_version"):
        return None
    with db.engine.connect() as conn:
        return conn.exec_driver_sql("select version_num from alembic_version").scalar()


def stamp_head(db) -> None:
    with db.engine.begin() as conn:
        command.stamp(_config(conn), "head")


def upgrade(db) -> None:
    """Bring an existing Parcours database to the latest schema; a database without tables is left alone."""
    if not sa.inspect(db.engine).has_table("stages"):
        return
    with db.engine.begin() as conn:
        command.upgrade(_config(conn), "head")
