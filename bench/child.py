"""One measurement in a fresh process: ``python -m bench.child JOB ARGS_JSON RESULT_FILE``.

Jobs: ``import`` (one whole import, timed per file kind), ``report`` (the whole report, as the CLI
would run it), ``metrics`` (each metric on its own), ``app`` (every page under AppTest; see
``bench.app``). The result is written as JSON to RESULT_FILE, with ``t_imports`` (seconds spent
importing the project's modules), ``t_total`` (from this module's first line to the end) and
``peak_rss_mb`` (VmHWM of this process at the end). ``report`` with ``"jvm": true`` also records the peaks
of its child processes (PySpark's JVM) before closing the database, under ``children``; with
``"return_report": true`` it returns the whole report dict too.
"""

import time

T0 = time.perf_counter()

import json  # noqa: E402
import sys  # noqa: E402


def peak_rss_mb() -> float:
    """Peak resident set size of this process (VmHWM), in MiB."""
    with open("/proc/self/status", encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_mb() -> float:
    with open("/proc/self/status", encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def _filters(spec: dict | None):
    from datetime import date

    from analytics.filters import Filters

    if not spec:
        return Filters()
    return Filters(personas=spec.get("personas", ()), channels=spec.get("channels", ()),
                   start=date.fromisoformat(spec["start"]) if spec.get("start") else None,
                   end=date.fromisoformat(spec["end"]) if spec.get("end") else None)


def job_import(args: dict) -> dict:
    """``python -m loaders import --db URL --customers … --touchpoints … --feedback …`` in this process,
    with the write step of each kind timed (the module's merge functions are wrapped, not changed)."""
    t = time.perf_counter()
    import data_model as dm
    import loaders.write as lw
    t_imports = time.perf_counter() - t

    times: dict[str, dict] = {}
    marks: list[tuple[float, str]] = []

    def progress(msg: str) -> None:
        marks.append((time.perf_counter(), msg))

    def timed(fn, kind_of):
        def wrapper(conn, stager, v, batch_id):
            s = time.perf_counter()
            out = fn(conn, stager, v, batch_id)
            times.setdefault(kind_of(v), {})["write_s"] = time.perf_counter() - s
            return out
        return wrapper

    lw._merge_customers = timed(lw._merge_customers, lambda v: v.kind)
    lw._merge_events = timed(lw._merge_events, lambda v: v.kind)

    real_read = lw.read_and_validate

    def read_and_validate(path, kind, ctx):
        s = time.perf_counter()
        v = real_read(path, kind, ctx)
        times.setdefault(kind, {})["validate_s"] = time.perf_counter() - s
        times[kind]["rows"] = v.rows_read
        times[kind]["errors"] = len(v.errors)
        return v

    lw.read_and_validate = read_and_validate

    t = time.perf_counter()
    db = dm.connect(args["url"])
    dm.ensure_initialised(db)
    t_connect = time.perf_counter() - t
    t = time.perf_counter()
    summary = lw.run_import(db, args["files"], source="bench", progress=progress)
    t_import = time.perf_counter() - t
    db.close()
    write_start = next((m[0] for m in marks if m[1].startswith("writing")), None)
    t_write_total = None if write_start is None else (t + t_import) - write_start
    for d in times.values():
        d["seconds"] = d.get("validate_s", 0.0) + d.get("write_s", 0.0)
        d["rows_per_s"] = d["rows"] / d["seconds"] if d["seconds"] else None
    return {"t_imports": t_imports, "t_connect": t_connect, "t_import": t_import,
            "t_write_total": t_write_total, "kinds": times,
            "inserted": {f.kind: f.inserted for f in summary.files}}


def job_profile_import(args: dict) -> dict:
    """``python -m loaders import --profile P.json FILE…`` in this process: the read, the time from the read to the
    first write (the customers mapped and checked), and the writer's time (the touchpoints and feedback are mapped
    and checked beside it); touchpoints per second over the whole import."""
    t = time.perf_counter()
    import data_model as dm
    import loaders.profile as lp
    import loaders.write as lw
    t_imports = time.perf_counter() - t
    marks: dict[str, float] = {}
    real_read, real_write = lp.read_sources, lw.write_validated

    def timed(name, fn):
        def wrapper(*a, **k):
            marks[f"{name}_start"] = time.perf_counter()
            out = fn(*a, **k)
            marks[f"{name}_end"] = time.perf_counter()
            return out
        return wrapper

    lp.read_sources = timed("read", real_read)
    lw.write_validated = timed("write", real_write)
    db = dm.connect(args["url"])
    dm.ensure_initialised(db)
    t = time.perf_counter()
    summary = lp.run_profile_import(db, lp.load_profile(args["profile"]), args["files"])
    t_import = time.perf_counter() - t
    db.close()
    inserted = {f.kind: f.inserted for f in summary.files}
    steps = {"read_s": marks["read_end"] - marks["read_start"],
             "map_validate_s": marks["write_start"] - marks["read_end"],
             "write_s": marks["write_end"] - marks["write_start"]}
    return {"t_imports": t_imports, "t_import": t_import, **steps, "inserted": inserted,
            "touchpoints_per_s": inserted.get("touchpoints", 0) / t_import}


def job_report(args: dict) -> dict:
    """What ``python -m analytics report`` does, minus printing: connect, report(filters)."""
    t = time.perf_counter()
    import data_model as dm
    from analytics.report import report
    t_imports = time.perf_counter() - t
    filters = _filters(args.get("filters"))
    t = time.perf_counter()
    db = dm.connect(args["url"], create=False)
    t_connect = time.perf_counter() - t
    t = time.perf_counter()
    rep = report(db, filters)
    t_report = time.perf_counter() - t
    out = {"t_imports": t_imports, "t_connect": t_connect, "t_report": t_report, "customers": rep["customers"]}
    if args.get("jvm"):
        # PySpark: the JVM is a child process; its own peak (VmHWM) before db.close() stops the session
        from bench.spark import tree_peaks
        out["children"] = tree_peaks()
    t = time.perf_counter()
    db.close()
    out["t_close"] = time.perf_counter() - t
    if args.get("return_report"):
        out["report"] = rep  # the parent compares it with another engine's, then drops it
    return out


METRICS = ("funnel", "channel_mix", "transitions", "nps", "churn")


def job_metrics(args: dict) -> dict:
    """Each report metric on its own (a fresh Scope each: one query each), then the whole report()."""
    t = time.perf_counter()
    import data_model as dm
    from analytics import metrics
    from analytics.report import report
    t_imports = time.perf_counter() - t
    filters = _filters(args.get("filters"))
    t = time.perf_counter()
    db = dm.connect(args["url"], create=False)
    db.ibis  # noqa: B018 - the Ibis connection, outside the metric timings
    metrics.stage_infos(db)
    t_connect = time.perf_counter() - t
    out = {}
    for name in (*METRICS, "report"):
        fn = report if name == "report" else getattr(metrics, name)
        t = time.perf_counter()
        fn(db, filters)
        out[name] = time.perf_counter() - t
    db.close()
    return {"t_imports": t_imports, "t_connect": t_connect, "metrics": out}


def job_app(args: dict) -> dict:
    from bench.app import run_app  # streamlit is imported there, in this child only
    return run_app(args)


JOBS = {"import": job_import, "profile_import": job_profile_import, "report": job_report, "metrics": job_metrics,
        "app": job_app}


def main() -> None:
    job, raw, result_file = sys.argv[1], sys.argv[2], sys.argv[3]
    result = JOBS[job](json.loads(raw))
    result["t_total"] = time.perf_counter() - T0
    result["peak_rss_mb"] = peak_rss_mb()
    result["rss_end_mb"] = rss_mb()
    with open(result_file, "w", encoding="utf-8") as fh:
        json.dump(result, fh)
    if job in ("report", "metrics") and not json.loads(raw).get("jvm"):
        # leave as `python -m analytics report` does (data_model.process.exit_now): DuckDB's teardown at a
        # normal exit takes ~0.6 s and prints nanobind noise; a PySpark run exits normally (its JVM must stop)
        from data_model.process import exit_now
        exit_now(0)


if __name__ == "__main__":
    main()
