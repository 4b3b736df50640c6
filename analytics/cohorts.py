"""The cohort table: customers grouped by the month of their first touchpoint (rows), and for each the share converted
by the end of each month since that first touch (columns), Kaplan–Meier where some are still in progress.

A customer's clock starts at their first kept touchpoint; the event is their first touchpoint at or beyond the
conversion stage (first seen at a later stage = converted at time 0); a month is 30 days. A customer not converted
by ``as_of`` is censored there ("still in progress"), not counted as a failure, so the young cohorts are not made to
look worse for having been followed less. A cell is the plain share when the whole cohort was followed that long
(blank under ``MIN_N`` customers), else 1 − Kaplan–Meier, shown only while ``MIN_N`` customers are still followed
at that month (``rate`` None, ``shown`` False otherwise).
One grouped query: counts per (cohort, day) come back, never one row per customer.
"""

from datetime import date

import pandas as pd

from analytics import stats
from analytics.filters import Filters
from analytics.metrics import Scope, _rows, scope_for
from analytics.survival import survival_table

__all__ = ["COHORT_COLUMNS", "MONTH_DAYS", "conversion_cohorts"]

MONTH_DAYS = 30
COHORT_COLUMNS = ["cohort", "customers", "month", "rate", "known", "in_progress", "shown"]




def conversion_cohorts(db, filters: Filters | None = None, months: int = 12, cohorts: int = 24, *,
                       scope: Scope | None = None) -> pd.DataFrame:
    """One row per (cohort, month since first touch 1…``months``) for the ``cohorts`` most recent first-touch
    months: ``cohort`` (first day of the month, a ``date``), ``customers`` (the cohort's size), ``month``,
    ``rate`` (share converted within ``month`` × 30 days: the plain share when nobody is still in progress then,
    else 1 − Kaplan–Meier), ``known`` (customers whose outcome at that month is known), ``in_progress``, ``shown``
    (see the module docstring; else ``rate`` is None). Empty (with these columns) without data or conversion stage."""
    scope = scope_for(db, filters, scope)
    conversion = scope.conversion_stage
    last = scope.as_of
    if conversion is None or last is None:
        return pd.DataFrame(columns=COHORT_COLUMNS)
    t = scope.touchpoints_unwindowed  # months since first touch: its own clock, never cut by the window
    per = t.group_by("ckey").aggregate(start=t.timestamp.min(),
                                       event=t.timestamp.min(where=t.position >= conversion.position))
    per = per.mutate(cohort=per.start.truncate("M").date())
    table = survival_table(per, as_of=last, window_days=None, by=("cohort",))
    by_cohort: dict[date, list[tuple[int, int, int]]] = {}
    for r in _rows(table):
        by_cohort.setdefault(r["cohort"], []).append((int(r["time"]), int(r["events"]), int(r["censored"])))
    rows = []
    for cohort in sorted(by_cohort)[-cohorts:]:
        table_rows = by_cohort[cohort]
        size = sum(e + c for _, e, c in table_rows)
        for month in range(1, months + 1):
            reach = stats.km_reach(table_rows, month * MONTH_DAYS)
            known = size - reach["in_progress"]
            # everyone followed that long: the plain share of the cohort; otherwise Kaplan–Meier, shown (as issue
            # 15 rules) only while 30 customers are still followed at that month — past that, the curve is flat
            # for lack of information, not of conversions
            shown = size >= stats.MIN_N if reach["in_progress"] == 0 else reach["at_risk"] >= stats.MIN_N
            rows.append({"cohort": cohort, "customers": size, "month": month,
                         "rate": reach["rate"] if shown else None, "known": known,
                         "in_progress": reach["in_progress"], "shown": shown})
    df = pd.DataFrame(rows, columns=COHORT_COLUMNS)
    df["rate"] = df["rate"].astype("float64")
    return df
