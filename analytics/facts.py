"""Per-customer journey facts, stored in the database after every change of the data, so that the metrics read one
row per customer instead of passing over every touchpoint (issue 15's budget, issue 18's "facts at import").

``customer_facts`` holds, for every customer with a touchpoint at a stage of the model, over all their touchpoints
(no filter, no window):

* ``ckey`` (the scope's customer key, ``Scope.key``) and ``customer_id``;
* ``channels_used``, a bit set of the channels of their touchpoints (bit k: the k-th channel of ``channels`` by code;
  NULL beyond ``MAX_CHANNEL_BITS`` channels) and ``entry_channel``, their first touchpoint's channel in journey order:
  the channel cohorts (``used``, ``entered``) are judged on them;
* per stage i of the model (its index in stage order): ``f<i>`` / ``l<i>``, the first and the last touchpoint's
  timestamp there, and for every stage but the last ``e<i>``, the first touchpoint at a later stage at or after
  ``f<i>`` (the event of the time to the next stage, ``analytics.timing``);
* for the channel mix (``analytics.metrics``' definitions; journey touchpoints are those on a non-operational
  channel, in journey order): ``jt0``, the first journey touchpoint's timestamp; ``t_multi``, the first journey
  touchpoint on another channel than the first one's; ``t_cross``, the first *advance* (a journey touchpoint at a
  stage beyond every earlier journey touchpoint's) on another channel than the first one's. A window is a prefix of
  the journey in time, so within a window ending at ``bound`` a customer is ``mono`` when ``t_multi`` is not before
  it, ``cross`` when ``t_cross`` is, ``multi`` otherwise, and has no journey channel when ``jt0`` is not;
* the window's columns for the database's own windows (``analytics.settings``: ``window_days``,
  ``post_window_days``), as ``Scope.facts`` reads them (``analytics.metrics.window_columns``): ``t0``, ``bound``,
  ``w<i>``, ``r<i>``, ``entry``, ``furthest``. A scope of that window reads them as they are (at 1M customers, 0.4 s
  a report would spend deriving them); a scope of another window (``--window``) derives its own from ``f``/``l``.

The table is stamped (``parcours_meta`` key ``facts.stamp``) with what it was computed from: the import batches, the
forgotten customers, the last touchpoint's id, the channels' operational flags, the stage model, the windows and this
module's ``VERSION``. A scope reads it
only when the stamp is the data's current one and no lens or ``as_of`` changes the rows (``Scope.stored``); otherwise
it computes the same facts from the touchpoints, as before. A stale table is therefore slower, never wrong. Every
command that changes the data (import, undo, forget, the demo's removal, a channel's setting, a window setting,
clearing) calls
``refresh`` after its commit; ``python -m analytics refresh`` writes them for a database made by an older Parcours.
"""

from __future__ import annotations

import ibis
import sqlalchemy as sa

from analytics.metrics import carried_facts, least_of, stable_view, window_columns
from analytics.settings import analysis_settings

__all__ = ["MAX_CHANNEL_BITS", "TABLE", "VERSION", "channel_bits", "current", "current_stamp", "facts_expr", "refresh",
           "refresh_after_import", "stamp"]

TABLE = "customer_facts"
VERSION = "4"
"""Bump when the stored columns or their definitions change: older tables then read as stale."""
STAMP_KEY = "facts.stamp"
MAX_CHANNEL_BITS = 63
"""Channels a bit set (a signed 64-bit integer) holds; beyond, ``channels_used`` is NULL."""


def _writable(db) -> bool:
    return db.engine is not None and not db.read_only and db.dialect in ("duckdb", "postgresql")


def stamp(db) -> str:
    """What the facts of the data as it is now are computed from (a few small queries)."""
    with db.engine.connect() as c:
        batches = c.exec_driver_sql("SELECT max(id), count(*) FROM import_batches").one()
        forgets = c.exec_driver_sql("SELECT count(*) FROM forget_log").scalar()
        # the last touchpoint's id (the primary key: an index lookup) also catches rows written around the loaders
        last = c.exec_driver_sql("SELECT max(id) FROM touchpoints").scalar()
        channels = c.exec_driver_sql("SELECT code, operational FROM channels ORDER BY code").all()
        stages = c.exec_driver_sql("SELECT code, position, is_conversion FROM stages ORDER BY position").all()
    settings = analysis_settings(db)
    return repr((VERSION, _key(db), [tuple(r) for r in channels], [tuple(r) for r in stages],
                 (settings.window_days, settings.post_window_days), forgets, tuple(batches), last))


def _key(db) -> str:
    """``Scope.key``: ``customer_no`` when every table has it (schema 0003 on), else ``customer_id``."""
    con = db.ibis
    tables = [con.table(t) for t in ("customers", "touchpoints", "feedback")]
    return "customer_no" if all("customer_no" in t.columns for t in tables) else "customer_id"


def channel_bits(con):
    """``code``, ``bit``: each channel's bit in ``channels_used``, its rank among the channels' codes in the
    database's own order (the stamp holds that list; read back by ``Scope`` with this same expression, so that a
    collation's order is the same on both sides)."""
    ch = con.table("channels")
    return ch.select(code=ch.code, bit=ibis.row_number().over(order_by=ch.code).cast("int32"))


def facts_expr(db, stages, key: str, only=None, settings=None):
    """The Ibis expression of ``customer_facts`` (see the module's docstring) over ``db``'s tables; ``stages``: the
    model in order (``analytics.metrics.StageInfo``); ``only``: a one-column table of the customer keys to compute
    (``None``: every customer); ``settings``: the windows (``analytics.settings``; ``None``: the database's)."""
    settings = settings if settings is not None else analysis_settings(db)
    con = db.ibis
    tp, ch = con.table("touchpoints"), con.table("channels")
    if only is not None:
        tp = tp.filter(tp[key].isin(only[only.columns[0]]))
    st = con.table("stages").select(stage_code="code", position="position")
    flags = ch.select(flag_code=ch.code, flag_op=(ch.operational.cast("boolean") if "operational" in ch.columns
                                                  else ibis.literal(False)))
    bits = channel_bits(con).select(bit_code="code", bit="bit")
    t = tp.join(st, tp.stage == st.stage_code)
    t = t.left_join(flags, t.channel == flags.flag_code)
    t = t.left_join(bits, t.channel == bits.bit_code)
    t = stable_view(t.select(ckey=t[key], cid=t.customer_id, ts=t.timestamp, position=t.position, tid=t.id,
                             channel=t.channel, is_op=t.flag_op.fill_null(False), bit=t.bit))
    m = len(stages)
    none = ibis.null().cast(t.ts.type().copy(nullable=True))
    one = ibis.literal(1).cast("int64")
    per = stable_view(t.group_by("ckey").aggregate(
        customer_id=t.cid.min(),
        # NULL when a channel has no bit (more than MAX_CHANNEL_BITS channels): the cohort is then judged on the
        # touchpoints
        channels_used=ibis.ifelse((t.bit.max() < MAX_CHANNEL_BITS) & (t.bit.count() == t.count()),
                                  (one << t.bit).bit_or(), ibis.null("int64")),
        **{f"f{i}": ibis.ifelse(t.position == s.position, t.ts, none).min() for i, s in enumerate(stages)},
        **{f"l{i}": ibis.ifelse(t.position == s.position, t.ts, none).max() for i, s in enumerate(stages)},
    ))

    # the time to the next stage: the first touchpoint at a later stage at or after the first one at stage i
    starts = per.select(sk="ckey", **{f"s{i}": per[f"f{i}"] for i in range(m - 1)})
    j = t.join(starts, t.ckey == starts.sk)
    nexts = j.group_by("ckey").aggregate(**{
        f"e{i}": j.ts.min(where=(j.position > s.position) & (j.ts >= j[f"s{i}"])) for i, s in enumerate(stages[:-1])})
    nexts = nexts.select(nk="ckey", **{f"e{i}": nexts[f"e{i}"] for i in range(m - 1)}) if m > 1 else None

    # the channel mix's clocks, over the journey touchpoints in journey order
    jt = t.filter(~t.is_op)
    order = [jt.ts, jt.position, jt.tid]
    w = ibis.window(group_by=jt.ckey, order_by=order)
    before = ibis.window(group_by=jt.ckey, order_by=order, rows=(None, -1))
    o = stable_view(jt.select("ckey", "ts", "position", "channel", prev_max=jt.position.max().over(before),
                              first_channel=jt.channel.first().over(w)))
    other = o.channel != o.first_channel
    advance = o.prev_max.isnull() | (o.position > o.prev_max)
    mix = o.group_by("ckey").aggregate(jt0=o.ts.min(), t_multi=o.ts.min(where=other),
                                       t_cross=o.ts.min(where=other & advance))
    mix = mix.select(mk="ckey", jt0="jt0", t_multi="t_multi", t_cross="t_cross")

    # the entry channel: the first touchpoint's in journey order (timestamp, stage order, input order), among the
    # customer's touchpoints at their first instant (a join of those few, not a sort of all)
    t0 = per.select(ek="ckey", t0=least_of([per[f"f{i}"] for i in range(m)]))
    at0 = t.join(t0, (t.ckey == t0.ek) & (t.ts == t0.t0))
    order = at0.position.cast("int64") * (2 ** 40) + at0.tid  # stage order, then input order (ids below 2^40)
    entry = at0.group_by("ckey").aggregate(entry_channel=at0.channel.argmin(order))
    entry = entry.select(nk0="ckey", entry_channel="entry_channel")

    out = per.left_join(mix, per.ckey == mix.mk)
    out = out.left_join(entry, out.ckey == entry.nk0)
    if nexts is not None:
        out = out.left_join(nexts, out.ckey == nexts.nk)
    carried = ["customer_id", "channels_used", "entry_channel", *carried_facts(m)]
    out = stable_view(out.select("ckey", *(f"f{i}" for i in range(m)), *(f"l{i}" for i in range(m)), *carried))
    # the window's columns for the database's own window (the stamp holds it): a scope of that window reads them
    return window_columns(out, stages, settings.window_days, settings.post_window_days, carried)


def _writable_stages(db):
    """The stage model when the facts can be written here (a DuckDB or PostgreSQL database that is not read-only and
    has a stage model), else ``None``."""
    if not _writable(db):
        return None
    from analytics.metrics import NoStageModel, stage_infos

    try:
        return stage_infos(db)
    except NoStageModel:
        return None


def refresh(db, force: bool = False) -> bool:
    """Write ``customer_facts`` for the data as it is now, and its stamp; nothing when they are current already
    (unless ``force``: rows edited in place, around Parcours, leave the stamp as it was), or on a warehouse or
    read-only database. Returns whether it wrote."""
    stages = _writable_stages(db)
    if stages is None:
        return False
    now = stamp(db)
    if not force and _stored_stamp(db) == now and TABLE in db.ibis.list_tables():
        return False
    sql = _sql(db, stages, _key(db))
    with db.engine.begin() as conn:  # the table and its stamp in one transaction
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {TABLE}")
        conn.exec_driver_sql(f"CREATE TABLE {TABLE} AS {sql}")
        conn.execute(sa.text("DELETE FROM parcours_meta WHERE key = :k"), {"k": STAMP_KEY})
        conn.execute(sa.text("INSERT INTO parcours_meta (key, value) VALUES (:k, :v)"), {"k": STAMP_KEY, "v": now})
    return True


_COMPILED: dict[tuple, str] = {}


def _sql(db, stages, key: str) -> str:
    """``facts_expr``'s SQL, compiled once per dialect, stage model, key and channels' columns (compiling costs more
    than writing the facts of a small database)."""
    columns = tuple(db.ibis.table("channels").columns)
    settings = analysis_settings(db)
    shape = (db.dialect, tuple(stages), key, columns, settings.window_days, settings.post_window_days)
    if shape not in _COMPILED:
        _COMPILED[shape] = ibis.to_sql(facts_expr(db, stages, key, settings=settings))
    return _COMPILED[shape]


def refresh_after_import(db, batch_id: int, before: str | None) -> bool:
    """After import batch ``batch_id``: rewrite the facts of the customers it touched only — those of its touchpoints
    and the previous owners of the touchpoints it updated — when the facts were current before it (``before``: the
    stored stamp then equal to the data's, else ``None``) and it changed neither the channels (their bits), the stage
    model nor anything else (a links file restitches customers). Otherwise the whole table (``refresh``)."""
    stages = _writable_stages(db)
    if stages is None:
        return False
    now = stamp(db)
    same_frame = before is not None and _frame(before) == _frame(now)
    with db.engine.connect() as conn:
        links = conn.exec_driver_sql(f"SELECT count(*) FROM identity_links WHERE batch_id = {int(batch_id)}").scalar()
    if not same_frame or links or TABLE not in db.ibis.list_tables():
        return refresh(db)
    rows, keys = (sql.replace(str(_ANY_BATCH), str(int(batch_id))) for sql in _batch_sql(db, stages, _key(db)))
    with db.engine.begin() as conn:  # the rows and the stamp in one transaction
        conn.exec_driver_sql(f"DELETE FROM {TABLE} WHERE ckey IN (SELECT tk FROM ({keys}) AS touched)")
        conn.exec_driver_sql(f"INSERT INTO {TABLE} {rows}")
        conn.execute(sa.text("UPDATE parcours_meta SET value = :v WHERE key = :k"), {"k": STAMP_KEY, "v": now})
    return True


_ANY_BATCH = 987_654_321_012
"""Stands for the batch id in ``_batch_sql``'s cached SQL (a number no batch has; replaced by the batch's)."""


def _batch_sql(db, stages, key: str) -> tuple[str, str]:
    """The SQL of one batch's customers' facts and of their keys, compiled once per shape (as ``_sql``; compiling
    costs more than a small import's facts), with ``_ANY_BATCH`` for the batch id."""
    columns = tuple(db.ibis.table("channels").columns)
    settings = analysis_settings(db)
    shape = ("batch", db.dialect, tuple(stages), key, columns, settings.window_days, settings.post_window_days)
    if shape not in _COMPILED:
        con = db.ibis
        tp, hist = con.table("touchpoints"), con.table("touchpoints_history")
        touched = ibis.union(tp.filter(tp.batch_id == _ANY_BATCH).select(tk=tp[key]),
                             hist.filter(hist.undo_batch_id == _ANY_BATCH).select(tk=hist[key]), distinct=True)
        rows, keys = ibis.to_sql(facts_expr(db, stages, key, only=touched, settings=settings)), ibis.to_sql(touched)
        # the number stands for the batch wherever the touched customers' query is (twice in it), nowhere else
        n = rows.count(str(_ANY_BATCH))
        assert keys.count(str(_ANY_BATCH)) == 2 and n and n % 2 == 0, "the batch's stand-in is ambiguous"
        _COMPILED[shape] = (rows, keys)
    return _COMPILED[shape]


def _frame(stamped: str) -> str:
    """A stamp without its last two parts (the batches and the last touchpoint's id, which every import moves): what
    must not change for an import's facts to be written for its customers alone."""
    import ast

    return repr(ast.literal_eval(stamped)[:-2])


def _stamped_key(stamped: str) -> str:
    """The customer key a stamp was computed with (``stamp``: the current one's is ``_key(db)``, read again here for
    nothing)."""
    import ast

    return ast.literal_eval(stamped)[1]


def _stored_stamp(db) -> str | None:
    with db.engine.connect() as conn:
        return conn.exec_driver_sql(f"SELECT value FROM parcours_meta WHERE key = '{STAMP_KEY}'").scalar()


def current_stamp(db) -> str | None:
    """The stored stamp when the stored facts are current (before an import: ``refresh_after_import``'s ``before``),
    else ``None``."""
    if not _writable(db):
        return None
    stored = _stored_stamp(db)
    return stored if stored is not None and stored == stamp(db) else None


def current(db, key: str, stages):
    """The stored facts (an Ibis table) when they are the data's current ones and keyed by ``key`` with ``stages``'
    columns, else ``None``."""
    stamped = current_stamp(db)
    if stamped is None or _stamped_key(stamped) != key:
        return None
    try:
        table = db.ibis.table(TABLE)
    except Exception:  # noqa: BLE001 - dropped by hand, or never written: computed instead
        return None
    m = len(stages)
    if f"f{m - 1}" not in table.columns or f"f{m}" in table.columns:
        return None
    return table
