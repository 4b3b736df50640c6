"""One run of ``--compare-report`` in a fresh process, on one checkout of Parcours:
``python -P bench/compare_child.py JOB ARGS_JSON RESULT_FILE`` with cwd and ``PYTHONPATH`` = the checkout.

Self-contained on purpose: it imports nothing from ``bench`` and only the checkout's own ``data_model`` and
``analytics`` (``-P``: the folder of this file is not put on ``sys.path``), so the same file drives an old
commit's code and the current code, each in its own process, never both in one.

Jobs:
- ``open``: connect (migrating an older database to this code's schema), close; timed.
- ``report``: what ``python -m analytics report`` does minus printing: import, settle (``_settle``), connect,
  ``report(db, filters)``, close. ``filters`` are keyword arguments of ``analytics.filters.Filters`` (dates as ISO
  strings); a keyword this code's ``Filters`` does not accept gives ``{"unsupported": reason}`` instead of a failure.

The result (JSON) has ``t_imports``, ``t_connect``, ``t_report``, ``cpu_report`` (CPU seconds of the process, all
of DuckDB's threads, during ``report()``), ``t_close``, ``t_total`` (from this file's first line),
``peak_rss_mb`` (VmHWM), ``filters_used`` (the ``Filters`` value as this code sees it, every field) and ``code``
(where ``analytics`` was imported from, to show which checkout ran).
"""

import time

T0 = time.perf_counter()

import json  # noqa: E402
import os  # noqa: E402
import sys  # noqa: E402


def peak_rss_mb() -> float:
    with open("/proc/self/status", encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _filters(spec: dict | None):
    """``Filters(**spec)``, ``start``/``end`` read as dates; raises TypeError/ValueError for what it refuses."""
    from datetime import date

    from analytics.filters import Filters

    kwargs = dict(spec or {})
    for k in ("start", "end"):
        if kwargs.get(k):
            kwargs[k] = date.fromisoformat(kwargs[k])
    return Filters(**kwargs)


def _described(filters) -> dict:
    from dataclasses import fields, is_dataclass

    if is_dataclass(filters):
        items = {f.name: getattr(filters, f.name) for f in fields(filters)}
    else:
        items = dict(vars(filters))
    return {k: (list(v) if isinstance(v, tuple) else v if v is None or isinstance(v, (int, float, str, bool))
                else str(v)) for k, v in items.items()}


def job_open(args: dict) -> dict:
    t = time.perf_counter()
    import data_model as dm
    t_imports = time.perf_counter() - t
    t = time.perf_counter()
    db = dm.connect(args["url"], create=False)
    t_connect = time.perf_counter() - t
    # what an import of this code writes after its data (``analytics.facts``); here on the migrated copy, as
    # ``python -m analytics refresh`` would. Older code has no such step.
    t_facts = None
    try:
        from analytics import facts
    except ImportError:
        facts = None
    if facts is not None:
        t = time.perf_counter()
        facts.refresh(db)
        t_facts = time.perf_counter() - t
    db.close()
    return {"t_imports": t_imports, "t_connect": t_connect, "t_facts": t_facts}


def _settle(freeze: bool | None) -> None:
    """What ``python -m analytics`` of this checkout does after its imports: ``data_model.process.settle`` when the
    code has it (``gc.freeze``; older code does nothing); with ``freeze`` (``--freeze-both``) ``gc.freeze`` whatever
    the code, to compare the reports without the difference."""
    if freeze:
        import gc

        gc.freeze()
        return
    try:
        from data_model.process import settle
    except ImportError:
        return
    settle()


def job_report(args: dict) -> dict:
    t = time.perf_counter()
    import analytics
    import data_model as dm
    from analytics.report import report
    _settle(args.get("freeze"))
    t_imports = time.perf_counter() - t
    try:
        filters = _filters(args.get("filters"))
    except (TypeError, ValueError) as exc:
        return {"unsupported": f"{type(exc).__name__}: {exc}", "t_imports": t_imports}
    t = time.perf_counter()
    db = dm.connect(args["url"], create=False)
    t_connect = time.perf_counter() - t
    t, c = time.perf_counter(), time.process_time()
    rep = report(db, filters)
    t_report, cpu_report = time.perf_counter() - t, time.process_time() - c
    t = time.perf_counter()
    db.close()
    t_close = time.perf_counter() - t
    conversion = rep.get("conversion")
    if isinstance(conversion, dict):
        conversion = conversion.get("rate")
    return {"t_imports": t_imports, "t_connect": t_connect, "t_report": t_report, "cpu_report": cpu_report,
            "t_close": t_close,
            "customers": rep.get("customers"), "conversion": conversion, "filters_used": _described(filters),
            "code": os.path.dirname(os.path.dirname(os.path.abspath(analytics.__file__)))}


JOBS = {"open": job_open, "report": job_report}


def main() -> None:
    job, raw, result_file = sys.argv[1], sys.argv[2], sys.argv[3]
    result = JOBS[job](json.loads(raw))
    result["t_total"] = time.perf_counter() - T0
    result["peak_rss_mb"] = peak_rss_mb()
    with open(result_file, "w", encoding="utf-8") as fh:
        json.dump(result, fh)
    # leave as `python -m analytics report` does: the database is closed, DuckDB's interpreter teardown
    # (~0.6 s, and noise) is skipped; the same exit for both checkouts
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
