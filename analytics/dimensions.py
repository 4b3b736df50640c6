"""What there is to filter on and where the data stands: filter options, stage and channel labels,
the data's date range and the latest import (the data version that keys every cache)."""

from dataclasses import dataclass, field, make_dataclass
from datetime import date, datetime

import data_model as dm
from analytics.filters import DIMENSIONS
from data_model.text import fold, slug


@dataclass(frozen=True)
class ChannelInfo:
    code: str
    label: str
    kind: str  # digital | physical


@dataclass(frozen=True)
class StageLabel:
    code: str
    position: int
    label_fr: str
    label_en: str
    is_conversion: bool


Dimensions = make_dataclass("Dimensions", [
    # the distinct values of each declared customer attribute: personas, segments, regions…
    *((d.field, tuple[str, ...]) for d in DIMENSIONS if d.column),
    ("channels", tuple[ChannelInfo, ...]),
    ("stages", tuple[StageLabel, ...]),
    ("first_day", date | None),  # of all touchpoints
    ("last_day", date | None),  # as_of's day: journeys are followed until then
    # the database's windows (analytics.settings): said with the cohort (None: no window)
    ("window_days", int | None, field(default=90)),
    ("post_window_days", int, field(default=365)),
    # customers who gave each satisfaction measure, in the whole database, and the measure setting
    # (analytics.measures): the sidebar offers the choice when both are there
    ("nps_respondents", int, field(default=0)),
    ("csat_respondents", int, field(default=0)),
    ("measure_setting", str, field(default="auto")),
], frozen=True)
Dimensions.__module__ = __name__  # pickles (Streamlit's caches) find it here


def _distinct(conn, column: str) -> tuple[str, ...]:
    rows = conn.exec_driver_sql(
        f"SELECT DISTINCT {column} FROM customers WHERE {column} IS NOT NULL ORDER BY {column}")
    return tuple(r[0] for r in rows)


def _day(value) -> date | None:
    if value is None:
        return None
    return value.date() if isinstance(value, datetime) else value


def dimensions(db: dm.Database) -> Dimensions:
    """Small catalogue queries (distinct values of a few columns), not metrics."""
    from analytics.measures import measure_respondents
    from analytics.settings import analysis_settings

    windows = analysis_settings(db)
    answered = measure_respondents(db)
    with db.engine.connect() as conn:
        channels = tuple(ChannelInfo(*r) for r in conn.exec_driver_sql(
            "SELECT code, label, kind FROM channels ORDER BY code"))
        stages = tuple(StageLabel(*r) for r in conn.exec_driver_sql(
            "SELECT code, position, label_fr, label_en, is_conversion FROM stages ORDER BY position"))
        first, last = conn.exec_driver_sql('SELECT min("timestamp"), max("timestamp") FROM touchpoints').one()
        return Dimensions(**{d.field: _distinct(conn, d.column) for d in DIMENSIONS if d.column},
                          channels=channels, stages=stages, first_day=_day(first), last_day=_day(last),
                          window_days=windows.window_days, post_window_days=windows.post_window_days,
                          nps_respondents=answered["nps"], csat_respondents=answered["csat"],
                          measure_setting=windows.measure)


@dataclass(frozen=True)
class DataVersion:
    """The latest import batch and the latest forget: caches are keyed by it, so an import or a forgotten customer
    (from this process or another) shows up, and no cached result keeps a forgotten customer's data."""

    batch_id: int
    imported_at: datetime | None
    batches: int
    forgets: int = 0
    settings: str = ""  # the analysis settings, channel kinds and stage model: a change there changes every figure


def data_version(db: dm.Database) -> DataVersion:
    with db.engine.connect() as conn:
        # one statement: both counts from the same snapshot
        batch_id, imported_at, batches, forgets = conn.exec_driver_sql(
            "SELECT max(id), max(imported_at), count(*), (SELECT count(*) FROM forget_log) FROM import_batches").one()
        settings = repr((
            conn.exec_driver_sql("SELECT key, value FROM parcours_meta WHERE key >= 'analysis.' AND key < 'analysis/' "
                                 "ORDER BY key").all(),
            conn.exec_driver_sql("SELECT code, kind, operational FROM channels ORDER BY code").all(),
            conn.exec_driver_sql("SELECT code, position, is_conversion FROM stages ORDER BY position").all()))
    return DataVersion(int(batch_id or 0), imported_at, int(batches), int(forgets), settings)


# -- values typed by a person (command line, links) against the data's own ------------------------------------------

def _folded(text: str) -> str:
    """Case, accents and surrounding or repeated spaces ignored: " sp " finds "SP", "ile-de-france" does not find
    "Île-de-France" (a hyphen is not a space)."""
    return fold(" ".join(str(text).split()))


def matching(value: str, known, labels: dict[str, str] | None = None) -> tuple[str, ...]:
    """The values of ``known`` that ``value`` names, ignoring case and accents (a value may name several that differ
    only so: "SP" and "sp" are both chosen). ``labels`` (code → label, the channels) lets a label or its slug name
    its code too. Empty when nothing matches."""
    want = _folded(value)
    if not want:
        return ()
    found = [k for k in known if _folded(k) == want]
    if not found and labels:
        found = [k for k in known if _folded(labels.get(k, "")) == want or (slug(value) and slug(value) in (
            k, slug(labels.get(k, ""))))]
    return tuple(found)


def known_values(db, column: str | None) -> tuple[tuple[str, ...], dict[str, str]]:
    """The distinct values of a customer column (``None``: the channel codes, with their labels), through Ibis so
    that it reads a warehouse database too."""
    con = db.ibis
    if column is None:
        rows = con.table("channels").select("code", "label").to_pyarrow().to_pylist()
        labels = {r["code"]: r["label"] or r["code"] for r in rows}
        return tuple(sorted(labels)), labels
    c = con.table("customers")
    values = c.filter(c[column].notnull()).select(column).distinct().to_pyarrow().column(column).to_pylist()
    return tuple(sorted(str(v) for v in values)), {}


def last_timestamp(db) -> datetime | None:
    """``as_of``: the moment the data stands at, the last touchpoint's timestamp (``None`` without touchpoints)."""
    t = db.ibis.table("touchpoints")
    # as a nullable timestamp: PostgreSQL's NOT NULL column would make an empty table's max fail to convert
    return t.aggregate(last=t.timestamp.cast("timestamp").max()).to_pyarrow().to_pylist()[0]["last"]
