"""Validate every file, then write them in one transaction through each engine's bulk path.

All or nothing by default: any error in any file refuses the whole import before a single write. With
``on_error="quarantine"`` the valid rows are written (still one transaction) and the invalid ones set aside for a
rejected file (``loaders.quarantine``), unless there are more than ``max_rejected``. ``dry_run`` says what an import
would do and writes nothing. The
rows go to a temporary staging table (DuckDB: straight from the DataFrame; PostgreSQL: COPY),
and set-based SQL merges them by natural key, counting what is inserted, updated or unchanged.
Rows of customers forgotten on request are left out first, and counted (``loaders.privacy``).
"""

import errno
import io
import logging
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pyarrow as pa
import sqlalchemy as sa
from sqlmodel import select

from data_model import (
    Database,
    ImportBatch,
    ImportFile,
    TouchpointType,
    ensure_initialised,
    is_initialised,
    meta,
    stage_model,
)
from data_model.channels import channel_kind, channel_operational
from data_model.engine import DEFAULT_TIMEZONE
from data_model.models import HISTORY
from data_model.stages import STAGE_MODELS, StageDef
from i18n import Texts
from loaders import identities, privacy
from loaders.errors import Count, InputError, InputErrors, Message, render
from loaders.quarantine import ON_ERROR, MaxRejected, quarantine, rejected_paths
from loaders.validate import ImportContext, Validated, read_and_validate

KINDS = ("customers", "touchpoints", "feedback")

# Staging columns and their SQL types, per kind (customers: only the columns the file has).
_TYPES = {
    "customer_id": "VARCHAR", "persona": "VARCHAR", "segment": "VARCHAR", "region": "VARCHAR",
    "signup_date": "DATE", "churned": "BOOLEAN", "churn_date": "DATE",
    "natural_key": "VARCHAR", "timestamp": "TIMESTAMP", "channel": "VARCHAR", "stage": "VARCHAR",
    "touchpoint": "VARCHAR", "revenue": "NUMERIC(18, 4)", "touchpoint_id": "VARCHAR", "source": "VARCHAR",
    "nps": "INTEGER", "csat": "INTEGER", "comment": "VARCHAR", "feedback_id": "VARCHAR", "line": "BIGINT",
}
_CUSTOMER_ATTRIBUTES = ("persona", "segment", "region", "signup_date", "churned", "churn_date")
_EVENT_COLUMNS = {
    "touchpoints": ("customer_id", "timestamp", "channel", "stage", "touchpoint", "revenue", "touchpoint_id",
                    "source"),
    "feedback": ("customer_id", "timestamp", "stage", "channel", "nps", "csat", "comment", "feedback_id"),
}
# Serialises imports on PostgreSQL, where several processes may load at once (ids are assigned in order).
_PG_IMPORT_LOCK = 727_271_001
_PG_DISK_FULL = "53100"  # SQLSTATE disk_full
_FULL_REASONS = tuple(os.strerror(e) for e in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG))


class DiskFull(Exception):
    """The database's storage filled up during an import: the import was rolled back, nothing was written.
    ``str()`` is a one-line message for a person; ``message`` renders it in French or English."""

    def __init__(self, message: Message):
        self.message = message
        super().__init__(str(message))


@dataclass
class FileSummary:
    kind: str
    file_name: str
    sha256: str
    rows_read: int
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    notes: list["str | Message"] = field(default_factory=list)
    masked: dict[str, int] = field(default_factory=dict)  # personal data masked in comments, per kind
    skipped_forgotten: int = 0  # rows of forgotten customers left out
    rejected: int = 0  # invalid rows set aside (quarantine)


@dataclass
class ImportSummary:
    batch_id: int
    files: list[FileSummary]
    customers_created: int  # customers first seen in touchpoints/feedback (no persona)
    channels_created: list[str]
    seconds: float
    notes: list["str | Message"] = field(default_factory=list)  # about the whole import (e.g. pseudonymised ids)
    on_error: str = "refuse"  # refuse | quarantine
    rejected_files: dict[str, Path] = field(default_factory=dict)  # kind -> where its rejected rows were written

    def lines(self, lang: str | None = None) -> list[str]:
        """The summary, one line per fact (indented: a file's lines under it), in ``lang`` (English by default)."""
        lang = lang or "en"
        tx = Texts(lang)
        out = [tx.t("load.summary.batch", batch=self.batch_id, seconds=tx.decimal(self.seconds, ".1f"))]
        for f in self.files:
            kind = f"{f.kind:<12}" if lang == "en" else Message(f"load.kind.{f.kind}").render(lang)
            out.append("  " + tx.t("load.summary.file", kind=kind, file=f.file_name, read=_n(f.rows_read),
                                   written=_n(f.inserted), updated=_n(f.updated), unchanged=_n(f.unchanged)))
            out.extend("    " + tx.t("load.summary.note", note=render(n, lang)) for n in f.notes)
            if f.skipped_forgotten:
                skipped = tx.t("load.summary.skipped", n=_n(f.skipped_forgotten))
                out.append("    " + tx.t("load.summary.note", note=skipped))
            if f.kind in self.rejected_files:
                out.append("    " + tx.t("load.quarantine.written", path=self.rejected_files[f.kind]))
        out.append("  " + tx.t("load.summary.created", n=self.customers_created))
        if self.channels_created:
            out.append("  " + tx.t("load.summary.channels", channels=", ".join(self.channels_created)))
        out.extend("  " + tx.t("load.summary.note", note=render(n, lang)) for n in self.notes)
        return out


def _n(count: int) -> str:
    """12 345: a thin space as thousands separator, readable in French and English."""
    return f"{count:,}".replace(",", "\u202f")


def import_context(db: Database, keep_personal_data: bool = False, empty_channel: str | None = None,
                   source_system: str | None = None) -> ImportContext:
    """What validation needs from the database: the stage model, the type mapping, the time zone, how
    customer ids are stored (pseudonyms: a missing or wrong key becomes the context's ``refusal``), whether
    comments are masked, the channel of touchpoints without one (None: an error), and the source system of
    touchpoints whose file names none (None: unknown)."""
    if not is_initialised(db):  # a dry run writes nothing, not even the stage model ``init`` would record
        ctx = ImportContext.for_model(STAGE_MODELS["default"])
        ctx.mask_personal_data, ctx.empty_channel = not keep_personal_data, empty_channel
        ctx.source_system = source_system
        return ctx
    stages = [StageDef(s.code, s.label_fr, s.label_en, s.is_conversion) for s in stage_model(db)]
    with db.session() as s:
        mapping = {t.code: t.stage for t in s.exec(select(TouchpointType))}
    ctx = ImportContext(stages=stages, touchpoint_types=mapping, timezone=meta(db, "timezone", DEFAULT_TIMEZONE),
                        mask_personal_data=not keep_personal_data, empty_channel=empty_channel,
                        source_system=source_system)
    try:
        ctx.transform_customer_id = privacy.customer_id_transform(db)
    except privacy.PrivacyError as exc:
        ctx.refusal = exc.message
    return ctx


def validate_files(files: dict[str, Path], ctx: ImportContext, progress: Callable[[str], None] | None = None,
                   on_error: str = "refuse", max_rejected: "str | MaxRejected | None" = None) -> list[Validated]:
    """Read and validate every file; raise InputErrors with all errors of all files. With ``on_error="quarantine"``,
    invalid rows are set aside instead (each file's ``rejected``) unless the import must be refused whole
    (``loaders.quarantine``)."""
    if on_error not in ON_ERROR:
        raise ValueError(f"on_error must be one of {', '.join(ON_ERROR)}, not {on_error!r}")
    if ctx.refusal:
        raise InputErrors([InputError("", None, None, None, ctx.refusal)])
    results, errors = [], []
    for kind in KINDS:
        if files.get(kind) is None:
            continue
        started = time.perf_counter()
        if progress:
            progress(Message("load.progress.reading", file=files[kind], kind=Message(f"load.kind.{kind}")))
        v = read_and_validate(files[kind], kind, ctx)
        if progress:
            progress(Message("load.progress.checked", n=Count(v.rows_read), errors=Count(len(v.errors)),
                             seconds=f"{time.perf_counter() - started:.1f}"))
        results.append(v)
        errors.extend(v.errors)
    if on_error == "quarantine":
        quarantine(results, files, ctx, max_rejected)
    elif errors:
        raise InputErrors(errors)
    return results


def _import_files(files: dict[str, Path | str | None]) -> dict[str, Path]:
    files = {k: Path(v) for k, v in files.items() if v is not None}
    unknown = set(files) - set(KINDS)
    if unknown:
        raise ValueError(f"unknown file kinds: {sorted(unknown)}")
    if not files:
        raise InputErrors([InputError("", None, None, None, Message("load.no_file"))])
    return files


def run_import(db: Database, files: dict[str, Path | str | None], source: str = "import",
               progress: Callable[[str], None] | None = None, keep_personal_data: bool = False,
               on_error: str = "refuse", max_rejected: "str | MaxRejected | None" = None,
               empty_channel: str | None = None, rejected_file: Path | str | None = None,
               lang: str | None = None, source_system: str | None = None) -> ImportSummary:
    """Import customers / touchpoints / feedback files (each optional) as one batch: all or nothing, or with
    ``on_error="quarantine"`` the valid rows, each file's invalid rows written (before the database is) to a
    rejected file in ``lang`` (``loaders.quarantine.rejected_paths``: beside the input unless ``rejected_file``).
    Personal data in comments is masked unless ``keep_personal_data``; touchpoints without a channel take
    ``empty_channel`` when given. ``source`` labels the batch (import, demo, app…); ``source_system`` is the system
    the touchpoints came from (``--source``: a CRM, the web…), for the rows whose file gives none."""
    started = time.perf_counter()
    files = _import_files(files)
    ensure_initialised(db)
    ctx = import_context(db, keep_personal_data, empty_channel, source_system)
    validated = validate_files(files, ctx, progress, on_error, max_rejected)
    written = _write_rejected(files, validated, rejected_file, lang)
    if progress:
        progress(Message("load.progress.writing"))
    # The command line keeps nothing of the frames: each is released once staged, so that DuckDB's
    # merge does not run beside the whole file held twice (10M rows: 2.8 GB of pandas).
    summary = write_validated(db, validated, source, release_frames=True, on_error=on_error)
    summary.seconds = time.perf_counter() - started
    summary.rejected_files = written
    return summary


def _write_rejected(files: dict[str, Path], validated: list[Validated], given: Path | str | None,
                    lang: str | None) -> dict[str, Path]:
    """Each file's rejected rows to its rejected file; one that cannot be written refuses the import."""
    written = {}
    for kind, path in rejected_paths(files, validated, given).items():
        v = next(v for v in validated if v.kind == kind)
        try:
            written[kind] = v.rejected.write(path, lang)
        except OSError as exc:
            raise InputErrors([InputError(v.file_name, None, None, None, Message(
                "load.quarantine.cannot_write", path=str(path), why=exc.strerror or str(exc)))]) from exc
    return written


def write_validated(db: Database, validated: list[Validated], source: str = "import",
                    release_frames: bool = False, on_error: str = "refuse",
                    later: Sequence[Callable[[], list[Validated]]] = ()) -> ImportSummary:
    """Write already validated files in one transaction. With ``release_frames``, each ``Validated``'s
    frame is replaced by an empty one as soon as the database holds its rows (the caller must not need them).
    ``on_error`` is recorded with the batch (its files' rejected rows were set aside when they were checked).

    Each of ``later``, in turn, is called inside the transaction once what came before it is written, and returns
    more validated files, of kinds that come after those (customers, touchpoints, feedback), for the same
    transaction; if one raises, nothing is written. A profile import writes its customers while other threads still
    map and check its touchpoints and feedback."""
    pseudonymised = privacy.is_pseudonymised(db)
    if pseudonymised:
        _check_pseudonyms(validated)
    _prepare_reclaim(db)
    facts_before = _facts_stamp(db)
    try:
        summary = _write_validated(db, validated, source, release_frames, on_error, later, pseudonymised)
    except Exception as exc:
        # Rolled back. DuckDB wrote the big transaction's blocks to the file already: a checkpoint gives
        # their space back (else the file stays as large as the failed import made it).
        full = is_disk_full(exc)
        _reclaim_space(db, full)
        if full:
            raise DiskFull(_disk_full_message(db)) from exc
        raise
    refresh_facts(db, summary.batch_id, facts_before)
    return summary


def _facts_stamp(db: Database) -> str | None:
    """The stored facts' stamp when they are current (``analytics.facts.current_stamp``)."""
    from analytics.facts import current_stamp

    try:
        return current_stamp(db)
    except Exception:  # noqa: BLE001 - no facts table or meta yet: the import then writes them whole
        return None


def refresh_facts(db: Database, batch_id: int | None = None, before: str | None = None) -> None:
    """Write the per-customer facts again after a change of the data (``analytics.facts``), once it is committed:
    after an import (``batch_id``, with the facts' stamp ``before`` it), only its customers' when that is enough.
    If that fails the change stays (it is committed) and the facts stay stale, which the metrics see and compute them
    from the touchpoints instead: slower, not wrong. So it is logged, not raised."""
    from analytics.facts import refresh, refresh_after_import

    try:
        if batch_id is None:
            refresh(db)
        else:
            refresh_after_import(db, batch_id, before)
    except Exception:  # noqa: BLE001 - see above
        logging.getLogger(__name__).warning("the per-customer facts were not written", exc_info=True)


def is_disk_full(exc: BaseException) -> bool:
    """Whether ``exc`` (or what it wraps) says the storage is full: DuckDB's or the OS's "No space left on
    device" (or quota, or file size limit), PostgreSQL's disk_full."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
            return True
        if getattr(exc, "sqlstate", None) == _PG_DISK_FULL:
            return True
        if any(reason in str(exc) for reason in _FULL_REASONS):
            return True
        exc = getattr(exc, "orig", None) or exc.__cause__ or exc.__context__
    return False


def _disk_full_message(db: Database) -> Message:
    if db.dialect == "duckdb":
        where = Message("load.disk.file", path=db.engine.url.database)
    else:
        where = Message("load.disk.server", dialect=db.dialect, host=db.engine.url.host or "local")
    return Message("load.disk.full", where=where)


def _prepare_reclaim(db: Database) -> None:
    """DuckDB skips a CHECKPOINT that has no committed change to apply, and after a full disk not even a tiny
    change can be committed (its write-ahead log needs space too). So one is committed before the import (an
    empty table made and dropped: nothing the data or the history shows), which lets ``_reclaim_space`` run a
    real checkpoint, the one that truncates the file, whatever happens."""
    if db.dialect != "duckdb":
        return
    try:
        with db.engine.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE parcours_reclaim (x INTEGER)")
            conn.exec_driver_sql("DROP TABLE parcours_reclaim")
    except Exception as exc:
        if is_disk_full(exc):
            raise DiskFull(_disk_full_message(db)) from exc
        raise


def _reclaim_space(db: Database, disk_full: bool) -> None:
    """After a rolled-back import on DuckDB: a CHECKPOINT truncates the blocks the import had written to the file.

    After a write that failed for want of space, DuckDB (2.0) keeps the blocks of the failed writes as used for as
    long as the database stays open: then it is closed (without its shutdown checkpoint, so that the change
    ``_prepare_reclaim`` committed is still there to apply) and opened again, which counts them as free. Best
    effort: the import's own error is the one to report.
    """
    if db.dialect != "duckdb":
        return
    try:
        if disk_full:
            with db.engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA disable_checkpoint_on_shutdown")
            db.close()  # its engine opens the file again on next use
        with db.engine.connect() as conn:
            conn.exec_driver_sql("CHECKPOINT")
    except Exception:  # noqa: BLE001, S110
        pass


def _write_validated(db: Database, validated: list[Validated], source: str, release_frames: bool,
                     on_error: str, later: Sequence[Callable[[], list[Validated]]] = (),
                     pseudonymised: bool = False) -> ImportSummary:
    by_kind: dict[str, Validated] = {}
    summaries = []
    with db.engine.begin() as conn:
        stager = _Stager(conn, db.dialect, release_frames)
        try:
            if db.dialect == "postgresql":
                conn.exec_driver_sql(f"select pg_advisory_xact_lock({_PG_IMPORT_LOCK})")
            batch_id = conn.execute(
                sa.insert(ImportBatch).values(imported_at=datetime.now(UTC), source=source, on_error=on_error)
                .returning(ImportBatch.id)
            ).scalar_one()
            skipped, channels_created = {}, []
            for position, next_part in enumerate((lambda: validated, *later)):
                part = sorted(next_part(), key=lambda v: KINDS.index(v.kind))  # called when its turn comes
                if any(KINDS.index(v.kind) <= max(map(KINDS.index, by_kind), default=-1) for v in part):
                    raise ValueError("each later part holds kinds that come after those already written")
                if pseudonymised and position:
                    _check_pseudonyms(part)
                # Customers forgotten on request stay forgotten: their rows in these files are left out.
                skipped.update(privacy.drop_forgotten(conn, part))
                # One customer across systems: rows of an identifier stitched to another are that customer's.
                identities.map_frames(conn, part)
                channels_created += _create_channels(conn, stager, [v for v in part if v.kind != "customers"])
                for v in part:
                    by_kind[v.kind] = v
                    merge = _merge_customers if v.kind == "customers" else _merge_events
                    summaries.append(merge(conn, stager, v, batch_id))
            created = stager.customers_created
            for s in summaries:
                s.skipped_forgotten = skipped.get(s.kind, 0)
                s.rejected = len(by_kind[s.kind].rejected) if by_kind[s.kind].rejected is not None else 0
            conn.execute(sa.update(ImportBatch).where(ImportBatch.id == batch_id).values(customers_created=created))
            for s in summaries:
                conn.execute(sa.insert(ImportFile).values(
                    batch_id=batch_id, kind=s.kind, file_name=s.file_name, sha256=s.sha256, rows_read=s.rows_read,
                    inserted=s.inserted, updated=s.updated, unchanged=s.unchanged, rejected=s.rejected))
            stager.drop_all()
        finally:
            stager.release()
    if db.dialect == "postgresql":
        # fresh statistics for the planner: after a bulk COPY it would otherwise plan on empty-table guesses.
        # The import is committed by now: a failure here (a disk full to the last byte) must not report it as
        # refused, and autovacuum will analyse later.
        try:
            with db.engine.connect() as conn:
                conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql(
                    "ANALYZE customers, touchpoints, feedback")
        except sa.exc.DBAPIError:
            pass
    return ImportSummary(batch_id, summaries, created, channels_created, 0.0, privacy.import_notes(db), on_error)


def _check_pseudonyms(validated: list[Validated]) -> None:
    """A pseudonymised database takes pseudonyms only: frames validated without its key are refused."""
    for v in validated:
        if not privacy.all_pseudonyms(v.frame["customer_id"]):
            raise privacy.PrivacyError(Message("load.checked_without_key", file=v.file_name))


class _Stager:
    """Puts a DataFrame into a temporary table with the target's column types, by the engine's fast path."""

    def __init__(self, conn: sa.Connection, dialect: str, release_frames: bool = False):
        self.conn, self.dialect, self.tables = conn, dialect, []
        self.registered: list[str] = []  # Arrow tables registered on the DuckDB connection
        self.release_frames = release_frames
        self.customers_created = 0  # customers first seen in the staged touchpoints/feedback

    def stage_validated(self, name: str, v: Validated, columns: list[str]) -> str:
        """Stage a validated file's rows; its frame is released afterwards when the stager was asked to."""
        staged = self.stage(name, v.frame, columns)
        if self.release_frames:
            v.frame = v.frame.iloc[0:0]
        return staged

    def stage(self, name: str, frame: pd.DataFrame, columns: list[str]) -> str:
        frame = frame[columns]
        types = ", ".join(f'"{c}" {_TYPES[c]}' for c in columns)
        quoted = ", ".join(f'"{c}"' for c in columns)
        if self.dialect == "duckdb":
            # A view over the rows as Arrow (which DuckDB scans faster than pandas), not a copy: the statements
            # that read it take only the columns they need, and copying 4M touchpoints cost most of a second.
            raw = self.conn.connection.dbapi_connection
            view = f"{name}_frame"
            raw.register(view, pa.Table.from_pandas(frame, preserve_index=False))
            self.registered.append(view)
            casts = ", ".join(f'CAST("{c}" AS {_TYPES[c]}) AS "{c}"' for c in columns)
            self.conn.exec_driver_sql(f"CREATE OR REPLACE TEMP VIEW {name} AS SELECT {casts} FROM {view}")
        else:
            self.conn.exec_driver_sql(f"DROP TABLE IF EXISTS {name}")
            self.conn.exec_driver_sql(f"CREATE TEMP TABLE {name} ({types}) ON COMMIT DROP")
            cursor = self.conn.connection.dbapi_connection.cursor()
            with cursor.copy(f"COPY {name} ({quoted}) FROM STDIN (FORMAT csv)") as copy:
                for chunk in _csv_chunks(frame):
                    copy.write(chunk)
        self.tables.append(name)
        return name

    def drop_all(self) -> None:
        for name in self.tables:
            self.conn.exec_driver_sql(f"DROP {'VIEW' if self.dialect == 'duckdb' else 'TABLE'} IF EXISTS {name}")
        self.release()

    def release(self) -> None:
        """Let go of the Arrow rows the views read (also after a failed import: the connection goes back to the
        pool, and would otherwise keep them). Best effort: a broken connection leaves the pool with what it holds,
        and the import's own error is the one to report."""
        if not self.registered:
            return
        try:
            raw = self.conn.connection.dbapi_connection
            while self.registered:
                raw.unregister(self.registered.pop())
        except Exception:  # noqa: BLE001
            self.registered.clear()


def _csv_chunks(frame: pd.DataFrame, rows: int = 200_000):
    """CSV text for COPY: missing values as unquoted empty fields, which COPY reads as NULL. Records end with
    \r\n so that the writer quotes every value holding either character: with \n alone, a comment holding a lone
    carriage return went unquoted and COPY refused it ("unquoted carriage return found in data")."""
    for start in range(0, len(frame), rows):
        buf = io.StringIO()
        frame.iloc[start:start + rows].to_csv(buf, index=False, header=False, date_format="%Y-%m-%d %H:%M:%S.%f",
                                              lineterminator="\r\n")
        yield buf.getvalue()


def _counts(conn, staged: str, table: str, key: str, columns: tuple[str, ...]) -> tuple[int, int, str]:
    changed = " OR ".join(f't."{c}" IS DISTINCT FROM s."{c}"' for c in columns) or "FALSE"
    if conn.exec_driver_sql(f"SELECT NOT EXISTS (SELECT 1 FROM {table})").scalar_one():
        # an empty table (a first import): every row is new, without joining millions of keys to none
        return int(conn.exec_driver_sql(f"SELECT count(*) FROM {staged}").scalar_one()), 0, changed
    row = conn.exec_driver_sql(
        f"SELECT count(*) FILTER (WHERE t.{key} IS NULL), "
        f"count(*) FILTER (WHERE t.{key} IS NOT NULL AND ({changed})) "
        f"FROM {staged} s LEFT JOIN {table} t ON t.{key} = s.{key}"
    ).one()
    return int(row[0]), int(row[1]), changed


def _merge_customers(conn, stager: _Stager, v: Validated, batch_id: int) -> FileSummary:
    attrs = tuple(c for c in _CUSTOMER_ATTRIBUTES if c in v.frame.columns)
    rows = len(v.frame)
    staged = stager.stage_validated("stg_customers", v, ["customer_id", *attrs])
    inserted, updated, changed = _counts(conn, staged, "customers", "customer_id", attrs)
    if attrs and updated:
        _keep_previous(conn, "customers", "customer_id", staged, changed, batch_id)
        sets = ", ".join(f'"{c}" = s."{c}"' for c in attrs)
        conn.exec_driver_sql(
            f"UPDATE customers AS t SET {sets}, batch_id = {batch_id} FROM {staged} s "
            f"WHERE t.customer_id = s.customer_id AND ({changed})"
        )
    _insert_new_customers(conn, staged, ("customer_id", *attrs), batch_id)
    return _summary(v, rows, inserted, updated)


def _insert_new_customers(conn, source: str, columns: tuple[str, ...], batch_id: int) -> None:
    """Insert the customers of ``source`` (a staged table or a subquery) that the table does not hold yet,
    numbered (``customer_no``) after every existing customer, in ``customer_id`` order."""
    first_no = conn.exec_driver_sql("SELECT coalesce(max(customer_no), 0) FROM customers").scalar_one()
    cols = ", ".join(f'"{c}"' for c in columns)
    conn.exec_driver_sql(
        f"INSERT INTO customers ({cols}, customer_no, batch_id) "
        f"SELECT {cols}, {int(first_no)} + row_number() OVER (ORDER BY s.customer_id), {batch_id} FROM {source} s "
        f"WHERE NOT EXISTS (SELECT 1 FROM customers t WHERE t.customer_id = s.customer_id)"
    )


def _merge_events(conn, stager: _Stager, v: Validated, batch_id: int) -> FileSummary:
    kind, columns = v.kind, _EVENT_COLUMNS[v.kind]
    rows = len(v.frame)
    staged = stager.stage_validated(f"stg_{kind}", v, ["natural_key", *columns, "line"])
    # Customers first seen here exist (with their number) before their events are written.
    stager.customers_created += _create_missing_customers(conn, staged, batch_id)
    inserted, updated, changed = _counts(conn, staged, kind, "natural_key", columns)
    if updated:
        _keep_previous(conn, kind, "natural_key", staged, changed, batch_id)
        sets = ", ".join(f'"{c}" = s."{c}"' for c in columns)
        conn.exec_driver_sql(
            f"UPDATE {kind} AS t SET {sets}, customer_no = c.customer_no, line = s.line, batch_id = {batch_id} "
            f"FROM {staged} s JOIN customers c ON c.customer_id = s.customer_id "
            f"WHERE t.natural_key = s.natural_key AND ({changed})"
        )
    # New rows get ids after every existing one, in file order: the id is the input order. The line
    # (unique within one file) orders them without a sort; ids may skip numbers, never repeat.
    first_id = conn.exec_driver_sql(f"SELECT coalesce(max(id), 0) FROM {kind}").scalar_one()
    cols = ", ".join(f'"{c}"' for c in ("natural_key", *columns, "line"))
    picked = ", ".join(f's."{c}"' for c in ("natural_key", *columns, "line"))
    # When the count found none of the keys already there (a first import), the anti-join is skipped: at 4M rows
    # it cost a second.
    new_only = "" if inserted == rows else \
        f"WHERE NOT EXISTS (SELECT 1 FROM {kind} t WHERE t.natural_key = s.natural_key)"
    conn.exec_driver_sql(
        f"INSERT INTO {kind} (id, {cols}, customer_no, batch_id) "
        f"SELECT {int(first_id)} + s.line, {picked}, c.customer_no, {batch_id} "
        f"FROM {staged} s JOIN customers c ON c.customer_id = s.customer_id {new_only}"
    )
    return _summary(v, rows, inserted, updated)


def _keep_previous(conn, table: str, key: str, staged: str, changed: str, batch_id: int) -> None:
    """Copy the rows about to be updated into the history table, so that undoing this batch restores them."""
    cols = ", ".join(f'"{c.name}"' for c in HISTORY[table].columns if c.name != "undo_batch_id")
    picked = ", ".join(f't."{c.name}"' for c in HISTORY[table].columns if c.name != "undo_batch_id")
    conn.exec_driver_sql(
        f"INSERT INTO {table}_history (undo_batch_id, {cols}) SELECT {batch_id}, {picked} "
        f"FROM {table} t JOIN {staged} s ON t.{key} = s.{key} WHERE {changed}"
    )


def _summary(v: Validated, rows: int, inserted: int, updated: int) -> FileSummary:
    return FileSummary(v.kind, v.file_name, v.sha256, v.rows_read, inserted, updated,
                       rows - inserted - updated, list(getattr(v, "notes", [])), dict(getattr(v, "masked", {})))


def _create_channels(conn, stager: _Stager, validated: list[Validated | None]) -> list[str]:
    """New channel codes get the first spelling seen (touchpoints first, then feedback, in file order)."""
    firsts = []
    for v in validated:
        if v is None or "channel" not in v.frame.columns:
            continue
        f = v.frame[["channel", "channel_label"]].dropna()
        firsts.append(f.drop_duplicates("channel"))
    if not firsts:
        return []
    candidates = pd.concat(firsts).drop_duplicates("channel")
    existing = {r[0] for r in conn.exec_driver_sql("SELECT code FROM channels")}
    new = candidates[~candidates["channel"].isin(existing)]
    for code, label in new.itertuples(index=False):
        conn.execute(sa.text("INSERT INTO channels (code, label, kind, operational) VALUES (:c, :l, :k, :o)"),
                     {"c": code, "l": label, "k": channel_kind(code), "o": channel_operational(code)})
    return list(new["channel"])


def _create_missing_customers(conn, staged: str, batch_id: int) -> int:
    """Touchpoints or feedback of an unknown customer create that customer, with no persona."""
    missing = (f"(SELECT DISTINCT customer_id FROM {staged} e WHERE NOT EXISTS "
               f"(SELECT 1 FROM customers c WHERE c.customer_id = e.customer_id))")
    created = conn.exec_driver_sql(f"SELECT count(*) FROM {missing} m").scalar_one()
    if created:
        _insert_new_customers(conn, missing, ("customer_id",), batch_id)
    return int(created)


def has_data(db: Database) -> bool:
    with db.engine.connect() as conn:
        return any(conn.exec_driver_sql(f"SELECT 1 FROM {t} LIMIT 1").first()
                   for t in ("customers", "touchpoints", "feedback"))


def clear_data(db: Database) -> None:
    """Empty the data but keep the stage model, the type mapping and the settings, and the customers
    forgotten on request (their hashes and the log): a reset must not bring them back."""
    with db.engine.begin() as conn:
        for table in ("touchpoints", "feedback", "customers", "channels", "import_files", "import_batches",
                      *(h.name for h in HISTORY.values())):
            conn.exec_driver_sql(f"DELETE FROM {table}")
        from analytics.facts import TABLE as FACTS  # derived from the data: dropped with it

        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {FACTS}")
    refresh_facts(db)


def import_history(db: Database) -> list[dict]:
    """The import batches, newest first, with their files and what each changed."""
    with db.engine.connect() as conn:
        batches = conn.exec_driver_sql(
            "SELECT id, imported_at, source, customers_created, on_error FROM import_batches ORDER BY id DESC").all()
        files = conn.exec_driver_sql(
            "SELECT batch_id, kind, file_name, sha256, rows_read, inserted, updated, unchanged, rejected "
            "FROM import_files ORDER BY id").all()
    by_batch: dict[int, list[dict]] = {}
    for f in files:
        by_batch.setdefault(f.batch_id, []).append(dict(f._mapping))
    return [{**dict(b._mapping), "files": by_batch.get(b.id, [])} for b in batches]


def undo_refusal(db: Database, batch_id: int, lang: str | None = None) -> str | None:
    """Why a batch cannot be undone (in ``lang``, English by default), or None. Imports are undone latest first,
    one after another: a later import may have changed the same rows again."""
    history = import_history(db)
    if not history or history[0]["id"] != batch_id:
        return Message("load.undo_latest").render(lang or "en")
    return None


_KEYS = {"touchpoints": "natural_key", "feedback": "natural_key", "customers": "customer_id"}


def undo_batch(db: Database, batch_id: int) -> None:
    """Undo the latest batch in one transaction: delete the rows it inserted, restore the previous values
    of the rows it updated, forget the batch."""
    reason = undo_refusal(db, batch_id)
    if reason:
        raise ValueError(reason)
    b = int(batch_id)
    with db.engine.begin() as conn:
        for table, key in _KEYS.items():
            hist = f"{table}_history"
            in_history = f"EXISTS (SELECT 1 FROM {hist} h WHERE h.undo_batch_id = {b} AND h.{key} = {table}.{key})"
            conn.exec_driver_sql(f"DELETE FROM {table} WHERE batch_id = {b} AND NOT {in_history}")
            conn.exec_driver_sql(f"DELETE FROM {table} WHERE {in_history}")
            cols = ", ".join(f'"{c.name}"' for c in HISTORY[table].columns if c.name != "undo_batch_id")
            conn.exec_driver_sql(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM {hist} WHERE undo_batch_id = {b}")
            conn.exec_driver_sql(f"DELETE FROM {hist} WHERE undo_batch_id = {b}")
        conn.exec_driver_sql(
            "DELETE FROM channels WHERE NOT EXISTS (SELECT 1 FROM touchpoints t WHERE t.channel = channels.code) "
            "AND NOT EXISTS (SELECT 1 FROM feedback f WHERE f.channel = channels.code)")
        identities.undo(conn, b)  # its links go, the identities are rebuilt from the others
        conn.exec_driver_sql(f"DELETE FROM import_files WHERE batch_id = {b}")
        conn.exec_driver_sql(f"DELETE FROM import_batches WHERE id = {b}")
    refresh_facts(db)


def neutralise(value):
    """A cell that a spreadsheet would run as a formula (=, +, -, @ …) is written as text."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
