"""The demo company in a database: whether it is still there, and taking it out whatever was imported after it.

The app fills an empty embedded database with the demo (``source = "demo"``, ``sample_data/``) so that a first visit
shows something; a user's own files must not end up mixed with 2,000 invented customers. Every row carries the batch
that last wrote it, so the demo's rows are known by their batch:

- **holds the demo** = at least one customer, touchpoint or answer still carries a demo batch;
- **removing it** deletes the rows the demo inserted and nothing else: a demo row that a later import updated keeps
  that import's values; a demo customer that later rows refer to is kept, without the demo's attributes (persona,
  segment, region, dates, churn), as if that later import had created it; the undo records of the demo, and those
  of later imports that would restore a demo row, go too, so the later imports stay undoable (undoing one of them
  then removes what it brought, demo-free). One transaction.
"""

from __future__ import annotations

from dataclasses import dataclass

from data_model import Database, meta
from data_model.models import HISTORY
from loaders.write import refresh_facts

DEMO_SOURCE = "demo"
REMOVED = "demo_removed"  # parcours_meta key
_ATTRIBUTES = ("persona", "segment", "region", "signup_date", "churned", "churn_date")
_DEMO_BATCHES = f"SELECT id FROM import_batches WHERE source = '{DEMO_SOURCE}'"


@dataclass(frozen=True)
class DemoRemoved:
    customers: int
    touchpoints: int
    feedback: int
    customers_kept: int  # demo customers that later rows refer to, kept without the demo's attributes


def holds_demo(db: Database) -> bool:
    """At least one row of a demo batch remains."""
    with db.engine.connect() as conn:
        return any(
            conn.exec_driver_sql(f"SELECT 1 FROM {table} WHERE batch_id IN ({_DEMO_BATCHES}) LIMIT 1").first()
            for table in ("customers", "touchpoints", "feedback"))


def holds_only_the_demo(db: Database) -> bool:
    """The demo is there and no other import wrote a row: a user's first import may replace it."""
    with db.engine.connect() as conn:
        other = any(
            conn.exec_driver_sql(f"SELECT 1 FROM {table} WHERE batch_id IS NULL OR batch_id NOT IN ({_DEMO_BATCHES})"
                                 " LIMIT 1").first()
            for table in ("customers", "touchpoints", "feedback"))
    return not other and holds_demo(db)


def remove_demo(db: Database) -> DemoRemoved:
    """Take the demo's rows out (see the module's docstring), in one transaction."""
    demo = f"({_DEMO_BATCHES})"
    referenced = ("(EXISTS (SELECT 1 FROM touchpoints t WHERE t.customer_id = customers.customer_id) "
                  "OR EXISTS (SELECT 1 FROM feedback f WHERE f.customer_id = customers.customer_id))")
    with db.engine.begin() as conn:
        def run(sql: str) -> int:
            return conn.exec_driver_sql(sql).rowcount or 0

        touchpoints = run(f"DELETE FROM touchpoints WHERE batch_id IN {demo}")
        feedback = run(f"DELETE FROM feedback WHERE batch_id IN {demo}")
        # a demo customer a later import refers to: kept, as that import's (its first batch among the rows left)
        first_batch = ("(SELECT min(b) FROM (SELECT batch_id AS b FROM touchpoints t WHERE t.customer_id = "
                       "customers.customer_id UNION ALL SELECT batch_id FROM feedback f WHERE f.customer_id = "
                       "customers.customer_id) AS later)")
        cleared = ", ".join(f"{a} = NULL" for a in _ATTRIBUTES)
        kept = run(f"UPDATE customers SET {cleared}, batch_id = {first_batch} "
                   f"WHERE batch_id IN {demo} AND {referenced}")
        customers = run(f"DELETE FROM customers WHERE batch_id IN {demo}")
        for history in HISTORY.values():
            # the demo's own undo records, and later ones that would bring a demo row back
            run(f"DELETE FROM {history.name} WHERE undo_batch_id IN {demo} OR batch_id IN {demo}")
        run("DELETE FROM channels WHERE NOT EXISTS (SELECT 1 FROM touchpoints t WHERE t.channel = channels.code) "
            "AND NOT EXISTS (SELECT 1 FROM feedback f WHERE f.channel = channels.code)")
        run(f"DELETE FROM import_files WHERE batch_id IN {demo}")
        run(f"DELETE FROM import_batches WHERE source = '{DEMO_SOURCE}'")
        # said once, kept: the app fills an empty database with the demo only until someone took it out
        run(f"DELETE FROM parcours_meta WHERE key = '{REMOVED}'")
        run(f"INSERT INTO parcours_meta (key, value) VALUES ('{REMOVED}', 'yes')")
    refresh_facts(db)
    return DemoRemoved(customers, touchpoints, feedback, kept)


def demo_was_removed(db: Database) -> bool:
    """Someone took the demo out of this database: an empty database then stays empty (no demo at the next start)."""
    return meta(db, REMOVED) == "yes"
