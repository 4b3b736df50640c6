"""Engine and session from a URL, schema creation and migration, and the Ibis connection.

One process holds one database instance: for DuckDB, Ibis is handed a cursor of the
engine's own connection (a second ``ibis.duckdb.connect`` on the same file fails with a
"different configuration" error, and writes through SQLModel are seen by Ibis at once).
"""

import os
import re
import stat
import threading
import warnings
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import Session, SQLModel, select

from data_model import models
from data_model.channels import channel_kind, channel_operational
from data_model.stages import STAGE_MODELS, StageDef, load_stage_model, validate_stage_model
from data_model.text import slug

DEFAULT_URL = "duckdb:///data/parcours.duckdb"
DEFAULT_TIMEZONE = "Europe/Paris"


class DatabaseUnavailable(Exception):
    """The database cannot be opened: unreachable, or an embedded file held by another process.

    A text of the ``i18n`` catalogue (``db.…``) and its parameters: ``message_in(lang)`` in French or English (the
    command line's ``--lang``, the app's language); ``str()`` is English. Reasons quoted from a driver stay as the
    driver wrote them."""

    def __init__(self, key: str, /, **params):
        self.key, self.params = key, params
        super().__init__(self.message_in("en"))

    def message_in(self, lang: str | None) -> str:
        from i18n import Texts

        return Texts(lang or "en").t(self.key, **self.params)


class ReadOnlyDatabase(DatabaseUnavailable):
    """A warehouse database (``spark+parquet://…``, ``ibis+…://…``): Parcours reads it, never writes it."""

    def __init__(self, key: str = "db.read_only", /, **params):
        super().__init__(key, **params)


# Warehouse mode: URLs that are not SQLAlchemy URLs but name an Ibis backend, read-only.
#   spark+parquet:///abs/dir[?master=local[2]&conf.spark.x=y]  PySpark over DIR/<table>.parquet (temp views)
#   ibis+<backend>://…                                         ibis.connect("<backend>://…"), e.g. trino,
#                                                              bigquery, snowflake, databricks, duckdb
SPARK_PARQUET = "spark+parquet://"
IBIS_PREFIX = "ibis+"
# The tables the analytics read (``python -m loaders export-parquet`` writes them).
WAREHOUSE_TABLES = ("stages", "channels", "customers", "touchpoints", "feedback", "parcours_meta")


def is_warehouse_url(url: str | None) -> bool:
    """True for the read-only warehouse URLs (``spark+parquet://…``, ``ibis+<backend>://…``)."""
    url = database_url(url)
    return url.startswith(SPARK_PARQUET) or url.startswith(IBIS_PREFIX)


def _hide_password(url: str) -> str:
    return re.sub(r"(://[^/:@]*:)[^/@]*@", r"\1***@", url)


def database_url(url: str | None = None) -> str:
    """``--db URL``, else ``PARCOURS_DB_URL``, else the embedded default."""
    return url or os.environ.get("PARCOURS_DB_URL") or DEFAULT_URL


def _duckdb_path(url: sa.URL) -> Path | None:
    db = url.database
    if not db or db == ":memory:":
        return None
    return Path(db)


# Customer data stays with the account that runs Parcours: the folder of an embedded database that Parcours
# creates (data/ by default) is 0700, a new database file 0600, and DuckDB's write-ahead log and spill
# folder get the file's permissions. Existing folders and files keep the permissions they were given.
PRIVATE_DIR, PRIVATE_FILE = 0o700, 0o600
_UMASK_LOCK = threading.Lock()  # the umask is the process's: two threads must not interleave set and restore


def _make_private_folders(folder: Path) -> None:
    """Create ``folder`` and its missing parents, each 0700 (``mkdir(parents=True)`` would make them 0755)."""
    missing = []
    while not folder.exists():
        missing.append(folder)
        if folder.parent == folder:
            break
        folder = folder.parent
    for path in reversed(missing):
        try:
            path.mkdir(mode=PRIVATE_DIR)
        except FileExistsError:
            continue
        os.chmod(path, PRIVATE_DIR)


def _private_companions(path: Path) -> None:
    """DuckDB's ``.wal`` (made again after every checkpoint, with the process's umask) and ``.tmp`` spill
    folder get no more permissions than the database file itself."""
    try:
        allowed = stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return
    for companion, mode in ((Path(f"{path}.wal"), allowed), (Path(f"{path}.tmp"), allowed | (allowed & 0o444) >> 2)):
        try:
            current = stat.S_IMODE(companion.stat().st_mode)
            if current & ~mode:
                os.chmod(companion, current & mode)
        except OSError:  # absent (the usual case), or gone meanwhile
            continue


def _command_line(pid: str) -> str:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return ""
    return " ".join(p.decode(errors="replace") for p in raw.split(b"\0") if p)


def _held(path: Path, error: Exception) -> DatabaseUnavailable:
    """The embedded file is locked by another process: which one, when DuckDB says (its PID and command line)."""
    match = re.search(r"PID (\d+)", str(error))
    if not match:
        return DatabaseUnavailable("db.held_unknown", path=path)
    command = _command_line(match.group(1))
    if not command:
        return DatabaseUnavailable("db.held_pid", path=path, pid=match.group(1))
    return DatabaseUnavailable("db.held_command", path=path, pid=match.group(1), command=command)


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
    """A database: its SQLAlchemy engine (schema and writes) and its Ibis backend (metrics).

    A warehouse database (``connect("spark+parquet:///dir")``, ``connect("ibis+trino://…")``) has no
    engine: it is read-only, and ``ibis`` is the backend given here.
    """

    url: str
    engine: sa.Engine | None
    warehouse: object | None = None  # the Ibis backend of a read-only warehouse database
    _on_close: object | None = None  # extra clean-up of a warehouse database (e.g. stop Spark)

    @property
    def read_only(self) -> bool:
        return self.engine is None

    @property
    def dialect(self) -> str:
        if self.engine is None:
            return self.warehouse.name
        return self.engine.dialect.name

    @cached_property
    def ibis(self):
        from data_model.compiled import duckdb_backend, postgres_backend

        if self.warehouse is not None:
            return self.warehouse
        if self.dialect == "duckdb":
            _duckdb_compat()
            # Keep the raw connection checked out for the life of this object: Ibis uses its cursor.
            self._raw = self.engine.raw_connection()
            # duckdb_engine wraps the DuckDB connection; Ibis needs the real one (its cursor()
            # is a new DuckDBPyConnection on the same database instance).
            duck = self._raw.driver_connection._ConnectionWrapper__c
            cursor = duck.cursor()
            _quiet_duckdb(cursor)
            return duckdb_backend(cursor)
        if self.dialect == "postgresql":
            import psycopg

            u = self.engine.url
            conn = psycopg.connect(
                host=u.host or "localhost", port=u.port or 5432, user=u.username,
                password=u.password, dbname=u.database, autocommit=True,
                options=_search_path_option(u),
            )
            return postgres_backend(conn)
        raise DatabaseUnavailable("db.no_backend", dialect=self.dialect)

    def session(self) -> Session:
        if self.engine is None:
            raise ReadOnlyDatabase()
        return Session(self.engine)

    def close(self) -> None:
        if self.engine is None:
            try:
                self.warehouse.disconnect()
            except Exception:  # noqa: BLE001 - closing is best effort
                pass
            if self._on_close is not None:
                self._on_close()
            self.__dict__.pop("ibis", None)
            return
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
    if is_warehouse_url(url):
        return _connect_warehouse(url)
    parsed = sa.make_url(url)
    kwargs = {}
    if parsed.get_backend_name() == "duckdb":
        path = _duckdb_path(parsed)
        if path is not None:
            if not create and not path.exists():
                raise DatabaseUnavailable("db.missing", path=path)
            _make_private_folders(path.parent)
        kwargs["connect_args"] = {"config": duckdb_config()}
    engine = sa.create_engine(url, **kwargs)
    path = _duckdb_path(parsed) if parsed.get_backend_name() == "duckdb" else None
    if parsed.get_backend_name() == "duckdb":
        sa.event.listen(engine, "connect", _quiet_duckdb)
    if path is not None:
        # after each use (a "commit" event comes before DuckDB writes its log)
        sa.event.listen(engine, "checkin", lambda _dbapi, _record: _private_companions(path))
    new_file = path is not None and not path.exists()
    try:
        if new_file:  # DuckDB makes the file with the process's umask: 0600 from the start
            with _UMASK_LOCK:
                previous = os.umask(0o077)
                try:
                    with engine.connect() as conn:
                        conn.exec_driver_sql("select 1")
                finally:
                    os.umask(previous)
            os.chmod(path, PRIVATE_FILE)
        else:
            with engine.connect() as conn:
                conn.exec_driver_sql("select 1")
        if path is not None:
            _private_companions(path)
    except Exception as exc:  # noqa: BLE001 - every driver raises its own kind
        engine.dispose()
        if parsed.get_backend_name() == "duckdb" and "lock" in str(exc).lower():
            raise _held(_duckdb_path(parsed), exc) from None
        reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
        raise DatabaseUnavailable("db.cannot_open", url=parsed.render_as_string(), reason=reason) from None
    db = Database(url, engine)
    if _schema_revision(engine) == models.SCHEMA_VERSION:  # up to date: Alembic (0.2 s to import) is not needed
        return db
    from data_model.migrate import upgrade

    try:
        upgrade(db)
    except Exception as exc:  # noqa: BLE001 - a person gets the reason, not a traceback
        engine.dispose()
        reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
        raise DatabaseUnavailable("db.cannot_migrate", url=parsed.render_as_string(), reason=reason) from None
    return db


# DuckDB's memory limit (its default is 80 % of the machine's memory): the dashboard's process must stay
# small beside the other services of the machine, and DuckDB spills sorts and joins to disk beyond it.
DEFAULT_DUCKDB_MEMORY = "1GB"


def duckdb_config() -> dict[str, str | bool]:
    """Settings of every DuckDB connection: the memory limit (``PARCOURS_DUCKDB_MEMORY``, e.g. ``4GB``;
    default 1GB)."""
    return {"memory_limit": os.environ.get("PARCOURS_DUCKDB_MEMORY", DEFAULT_DUCKDB_MEMORY)}


def _quiet_duckdb(dbapi_connection, _record=None) -> None:
    """No progress bar: DuckDB draws one on a terminal for queries over 2 s, over our own messages."""
    dbapi_connection.execute("SET enable_progress_bar = false")


def _schema_revision(engine: sa.Engine) -> str | None:
    """The recorded schema revision, or None (no Parcours tables yet, or not readable)."""
    try:
        with engine.connect() as conn:
            return conn.exec_driver_sql("select version_num from alembic_version").scalar()
    except Exception:  # noqa: BLE001 - any failure means: let the migration code look
        return None


def _spark_session(directory: Path, query: dict[str, list[str]]):
    """A PySpark session (``local[2]`` unless ``?master=`` says otherwise) with one temp view per Parquet table."""
    warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas")
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise DatabaseUnavailable("db.no_pyspark") from None
    master = query.get("master", ["local[2]"])[-1]
    builder = (SparkSession.builder.appName("parcours").master(master)
               .config("spark.sql.session.timeZone", "UTC")  # event times are naive local business time
               .config("spark.ui.showConsoleProgress", "false"))
    if master.startswith("local"):  # one machine: a few shuffle partitions, no web UI
        builder = builder.config("spark.sql.shuffle.partitions", "4").config("spark.ui.enabled", "false")
    for key, values in query.items():
        if key.startswith("conf."):
            builder = builder.config(key[len("conf."):], values[-1])
    try:
        session = builder.getOrCreate()
    except Exception as exc:  # noqa: BLE001 - no Java, bad master…
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DatabaseUnavailable("db.no_spark", reason=reason) from None
    session.sparkContext.setLogLevel("ERROR")
    for name in WAREHOUSE_TABLES:
        path = directory / f"{name}.parquet"
        if path.exists():
            session.read.parquet(str(path)).createOrReplaceTempView(name)
    return session


def _connect_warehouse(url: str) -> Database:
    """A read-only Database over an Ibis backend: PySpark on exported Parquet, or any ``ibis.connect`` URL."""
    from urllib.parse import parse_qs, unquote, urlsplit

    import ibis

    shown = _hide_password(url)
    if url.startswith(SPARK_PARQUET):
        parts = urlsplit(url)
        directory = Path(unquote(parts.path))
        if parts.netloc not in ("", "localhost") or not directory.is_dir():
            raise DatabaseUnavailable("db.no_folder", url=shown, folder=directory)
        session = _spark_session(directory, parse_qs(parts.query))
        try:
            backend = ibis.pyspark.connect(session)
        except Exception as exc:  # noqa: BLE001
            session.stop()
            raise DatabaseUnavailable("db.cannot_open", url=shown, reason=exc) from None
        return Database(url, None, warehouse=backend, _on_close=session.stop)
    target = url[len(IBIS_PREFIX):]
    if target.startswith("duckdb:"):
        _duckdb_compat()
    try:
        backend = ibis.connect(target)
    except Exception as exc:  # noqa: BLE001 - every backend raises its own kind
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DatabaseUnavailable("db.cannot_open", url=shown, reason=reason) from None
    return Database(url, None, warehouse=backend)


def _warehouse_has(db: Database, table: str) -> bool:
    try:
        return table in db.ibis.list_tables()
    except Exception:  # noqa: BLE001 - a backend without a listing: try the table itself
        try:
            db.ibis.table(table)
            return True
        except Exception:  # noqa: BLE001
            return False


def is_initialised(db: Database) -> bool:
    if db.engine is None:
        return _warehouse_has(db, models.Stage.__tablename__)
    return sa.inspect(db.engine).has_table(models.Stage.__tablename__)


def initialise(db: Database, stages: str | tuple[StageDef, ...] = "default",
               timezone: str = DEFAULT_TIMEZONE, settings: dict[str, str] | None = None) -> None:
    """Create the tables and record the stage model; refuse if the database already has one.

    ``settings``: more choices recorded with it, in the same transaction (e.g. ``customer_ids``:
    ``pseudonyms`` and its ``pseudonym_key_check``, from ``loaders.privacy``); ``customer_ids`` is
    ``raw`` unless given."""
    from data_model.migrate import stamp_head

    if db.engine is None:
        raise ReadOnlyDatabase()
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
        for key, value in {"customer_ids": "raw", **(settings or {})}.items():
            s.add(models.Meta(key=key, value=value))
        s.commit()
    stamp_head(db)


def ensure_initialised(db: Database, stages: str = "default") -> None:
    if not is_initialised(db):
        initialise(db, stages)


def meta(db: Database, key: str, default: str | None = None) -> str | None:
    if db.engine is None:
        if not _warehouse_has(db, models.Meta.__tablename__):
            return default
        t = db.ibis.table(models.Meta.__tablename__)
        rows = t.filter(t.key == key).select("value").to_pyarrow().to_pylist()
        return rows[0]["value"] if rows else default
    with db.session() as s:
        row = s.get(models.Meta, key)
        return row.value if row else default


def metas(db: Database, prefix: str) -> dict[str, str]:
    """Every ``parcours_meta`` value whose key starts with ``prefix``, by key: one query (``meta`` per key is one
    session each, and a page reads the eight analysis settings several times)."""
    if db.engine is None:
        if not _warehouse_has(db, models.Meta.__tablename__):
            return {}
        t = db.ibis.table(models.Meta.__tablename__)
        rows = t.filter(t.key.startswith(prefix)).select("key", "value").to_pyarrow().to_pylist()
        return {r["key"]: r["value"] for r in rows}
    with db.session() as s:
        return {row.key: row.value for row in s.exec(select(models.Meta).where(models.Meta.key.startswith(prefix)))}


def stage_model(db: Database) -> list[models.Stage]:
    if db.engine is None:  # a warehouse: the same rows, read through Ibis (detached objects)
        t = db.ibis.table(models.Stage.__tablename__)
        rows = t.select("code", "position", "label_fr", "label_en", "is_conversion").order_by("position")
        return [models.Stage(code=r["code"], position=int(r["position"]), label_fr=r["label_fr"],
                             label_en=r["label_en"], is_conversion=bool(r["is_conversion"]))
                for r in rows.to_pyarrow().to_pylist()]
    with db.session() as s:
        return list(s.exec(select(models.Stage).order_by(models.Stage.position)))


def new_channel(code: str, label: str) -> models.Channel:
    return models.Channel(code=code, label=label, kind=channel_kind(code), operational=channel_operational(code))
