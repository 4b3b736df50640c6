"""Engine and session from a URL, schema creation and migration, and the Ibis connection.

One process holds one database instance: for DuckDB, Ibis is handed a cursor of the
engine's own connection (a second ``ibis.duckdb.connect`` on the same file fails with a
"different configuration" error, and writes through SQLModel are seen by Ibis at once).
"""

import os
import re
import warnings
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import Session, SQLModel, select

from data_model import models
from data_model.channels import channel_kind
from data_model.stages import STAGE_MODELS, StageDef, load_stage_model, validate_stage_model
from data_model.text import slug

DEFAULT_URL = "duckdb:///data/parcours.duckdb"
DEFAULT_TIMEZONE = "Europe/Paris"


class DatabaseUnavailable(Exception):
    """The database cannot be opened: unreachable, or an embedded file held by another process."""


def database_url(url: str | None = None) -> str:
    """``--db URL``, else ``PARCOURS_DB_URL``, else the embedded default."""
    return url or os.environ.get("PARCOURS_DB_URL") or DEFAULT_URL


def _duckdb_path(url: sa.URL) -> Path | None:
    db = url.database
    if not db or db == ":memory:":
        return None
    return Path(db)


def _describe_process(pid: str) -> str:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
        cmd = " ".join(p.decode(errors="replace") for p in raw.split(b"\0") if p)
        return f"process {pid} ({cmd})" if cmd else f"process {pid}"
    except OSError:
        return f"process {pid}"


def _held_message(path: Path, error: Exception) -> str:
    match = re.search(r"PID (\d+)", str(error))
    holder = _describe_process(match.group(1)) if match else "another process"
    return (
        f"The database file {path} is in use by {holder}. An embedded DuckDB file can be open in one "
        "process only. Import through the running app's Data page, or stop that process and retry; "
        "teams that load while others read use PostgreSQL (--db postgresql+psycopg://…)."
    )


def _duckdb_compat() -> None:
    """Ibis 12 still calls ``fetch_arrow_table`` on DuckDB connections in a few catalog paths
    (``sql()``, ``list_tables``); DuckDB 2.0 renamed it ``to_arrow_table``. Alias it once."""
    import duckdb

    if not hasattr(duckdb.DuckDBPyConnection, "fetch_arrow_table"):
        duckdb.DuckDBPyConnection.fetch_arrow_table = lambda self, *a, **k: self.to_arrow_table(*a, **k)
        warnings.filterwarnings("ignore", message="Arrow output on a DB-API result")
    # Ibis still calls the deprecated name on relations too; the warning is Ibis', not ours.
    warnings.filterwarnings("ignore", message=r"fetch_arrow_table\(\) is deprecated")


@dataclass
class Database:
    """A database: its SQLAlchemy engine (schema and writes) and its Ibis backend (metrics)."""

    url: str
    engine: sa.Engine

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @cached_property
    def ibis(self):
        import ibis

        if self.dialect == "duckdb":
            _duckdb_compat()
            # Keep the raw connection checked out for the life of this object: Ibis uses its cursor.
            self._raw = self.engine.raw_connection()
            # duckdb_engine wraps the DuckDB connection; Ibis needs the real one (its cursor()
            # is a new DuckDBPyConnection on the same database instance).
            duck = self._raw.driver_connection._ConnectionWrapper__c
            return ibis.duckdb.from_connection(duck.cursor())
        if self.dialect == "postgresql":
            import psycopg

            u = self.engine.url
            conn = psycopg.connect(
                host=u.host or "localhost", port=u.port or 5432, user=u.username,
                password=u.password, dbname=u.database, autocommit=True,
                options=_search_path_option(u),
            )
            return ibis.postgres.from_connection(conn)
        raise DatabaseUnavailable(f"no Ibis backend for {self.dialect!r}")

    def session(self) -> Session:
        return Session(self.engine)

    def close(self) -> None:
        if "ibis" in self.__dict__:
            try:
                self.ibis.disconnect()
            except Exception:  # noqa: BLE001 - closing is best effort
                pass
            raw = getattr(self, "_raw", None)
            if raw is not None:
                raw.close()
            del self.__dict__["ibis"]
        self.engine.dispose()


def _search_path_option(url: sa.URL) -> str | None:
    opts = url.query.get("options")
    return opts if isinstance(opts, str) else None


def connect(url: str | None = None, create: bool = True) -> Database:
    """Open (and migrate) the database at ``url``; create the folder of an embedded file on demand.

    Raises DatabaseUnavailable with a message for a person when it cannot be opened.
    """
    url = database_url(url)
    parsed = sa.make_url(url)
    kwargs = {}
    if parsed.get_backend_name() == "duckdb":
        path = _duckdb_path(parsed)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            if not create and not path.exists():
                raise DatabaseUnavailable(f"There is no database at {path}.")
    engine = sa.create_engine(url, **kwargs)
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("select 1")
    except Exception as exc:  # noqa: BLE001 - every driver raises its own kind
        engine.dispose()
        if parsed.get_backend_name() == "duckdb" and "lock" in str(exc).lower():
            raise DatabaseUnavailable(_held_message(_duckdb_path(parsed), exc)) from None
        reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
        raise DatabaseUnavailable(f"Cannot open the database {parsed.render_as_string()}: {reason}") from None
    db = Database(url, engine)
    from data_model.migrate import upgrade

    upgrade(db)
    return db


def is_initialised(db: Database) -> bool:
    return sa.inspect(db.engine).has_table(models.Stage.__tablename__)


def initialise(db: Database, stages: str | tuple[StageDef, ...] = "default",
               timezone: str = DEFAULT_TIMEZONE) -> None:
    """Create the tables and record the stage model; refuse if the database already has one."""
    from data_model.migrate import stamp_head

    if isinstance(stages, str):
        name = stages if stages in STAGE_MODELS else "custom"
        stages = load_stage_model(stages)
    else:
        name = "custom"
    validate_stage_model(stages)
    SQLModel.metadata.create_all(db.engine)
    with db.session() as s:
        if s.exec(select(models.Stage)).first() is not None:
            raise ValueError("the database already has a stage model")
        for pos, st in enumerate(stages, start=1):
            s.add(models.Stage(code=st.code, position=pos, label_fr=st.label_fr,
                               label_en=st.label_en, is_conversion=st.is_conversion))
        seen = set()
        for st in stages:
            for t in st.touchpoint_types:
                code = slug(t)
                if code and code not in seen:
                    seen.add(code)
                    s.add(models.TouchpointType(code=code, stage=st.code))
        s.add(models.Meta(key="schema_version", value=models.SCHEMA_VERSION))
        s.add(models.Meta(key="stage_model", value=name))
        s.add(models.Meta(key="timezone", value=timezone))
        s.commit()
    stamp_head(db)


def ensure_initialised(db: Database, stages: str = "default") -> None:
    if not is_initialised(db):
        initialise(db, stages)


def meta(db: Database, key: str, default: str | None = None) -> str | None:
    with db.session() as s:
        row = s.get(models.Meta, key)
        return row.value if row else default


def stage_model(db: Database) -> list[models.Stage]:
    with db.session() as s:
        return list(s.exec(select(models.Stage).order_by(models.Stage.position)))


def new_channel(code: str, label: str) -> models.Channel:
    return models.Channel(code=code, label=label, kind=channel_kind(code))
