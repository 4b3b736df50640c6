"""Markdown tables and the target check, from the results dict (``bench/results.json``)."""

PAGES = ["overview", "funnel", "channels", "satisfaction", "data"]
METRICS = ("funnel", "channel_mix", "transitions", "nps", "churn", "report")
KINDS = ("customers", "touchpoints", "feedback")
BIG, MID = 1_000_000, 100_000


def _s(x) -> str:
    return "–" if x is None else f"{x:.2f}"


def _mb(x) -> str:
    return "–" if x is None else f"{x:,.0f}"


def _k(x) -> str:
    return "–" if x is None else f"{x / 1000:,.0f}k"


def _runs(results):
    def key(item):
        engine, size = item[0].split("/")
        return (engine, int(size))
    return sorted(results.get("runs", {}).items(), key=key)


def markdown(results: dict) -> str:
    m = results["machine"]
    lines = [
        f"Machine: {m['nproc']} CPUs ({m['cpu_model']}), {m['mem_total_gb']} GB RAM; Python {m['python']}, "
        f"duckdb {m['duckdb']}, ibis {m['ibis']}, pandas {m['pandas']}, pyarrow {m['pyarrow']}, "
        f"streamlit {m['streamlit']}"
        + (f", pyspark {m['pyspark']} ({m.get('java') or 'java ?'})" if m.get("pyspark") else "")
        + f". Bare `python -c pass`: {results.get('python_startup_s', 0):.3f} s.",
        "",
        "Data (`loaders.sample.generate(n, seed=1)`):",
        "",
        "| customers | touchpoints | feedback | generate s | CSV MB | Parquet MB |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for n, e in sorted(results.get("exports", {}).items(), key=lambda kv: int(kv[0])):
        r = e["rows"]
        lines.append(f"| {int(n):,} | {r['touchpoints']:,} | {r['feedback']:,} | {e['t_generate']:.1f} | "
                     f"{sum(e['bytes_csv'].values()) / 2**20:,.0f} | {sum(e['bytes_parquet'].values()) / 2**20:,.0f} |")

    lines += ["", "Import (one `python -m loaders import` of the three files into a fresh database, fresh "
              "process; per kind: validate + write seconds, rows/s over both):", "",
              "| engine | customers | format | process s | import s | peak MB | customers s (rows/s) "
              "| touchpoints s (rows/s) | feedback s (rows/s) | touchpoints validate / write s |",
              "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|"]
    for _, run in _runs(results):
        for fmt in ("csv", "parquet"):
            r = run.get(f"import_{fmt}")
            if not r:
                continue
            cells = []
            for kind in KINDS:
                d = r["kinds"].get(kind, {})
                cells.append(f"{_s(d.get('seconds'))} ({_k(d.get('rows_per_s'))})")
            tp = r["kinds"].get("touchpoints", {})
            lines.append(f"| {run['engine']} | {run['size']:,} | {fmt} | {r['wall']:.1f} | {r['t_import']:.1f} | "
                         f"{_mb(r['peak_rss_mb'])} | "
                         + " | ".join(cells) + f" | {_s(tp.get('validate_s'))} / {_s(tp.get('write_s'))} |")

    lines += ["", "Report (database imported from CSV). *process* = `report()` as a fresh process (wall seen by the "
              "parent: Python start-up + imports + connect + report); then its parts; the metric columns are "
              "each metric alone (fresh `Scope`) in one other process:", "",
              "| engine | customers | filter | process s | python start+exit s | imports s | connect s | report() s "
              "| peak MB | funnel | channel mix | transitions | NPS by stage | churn by stage | report() |",
              "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for _, run in _runs(results):
        for label in ("unfiltered", "filtered"):
            r, mt = run.get(f"report_{label}"), run.get(f"metrics_{label}")
            if not r or run["engine"] == "spark":  # Spark: its own table below
                continue
            ms = " | ".join(_s(mt["metrics"].get(k)) if mt else "–" for k in METRICS)
            lines.append(f"| {run['engine']} | {run['size']:,} | {label} | {r['wall']:.2f} | "
                         f"{r['t_python']:.2f} | {r['t_imports']:.2f} | {r['t_connect']:.2f} | {r['t_report']:.2f} | "
                         f"{_mb(r['peak_rss_mb'])} | {ms} |")
    f = next((run["filters"] for _, run in _runs(results)), None)
    if f:
        lines.append(f"\nFilter: persona {f['personas'][0]!r}, channels {', '.join(f['channels'])}, "
                     f"{f['start']} – {f['end']} (the app uses the same channels and window, and another persona "
                     "per page).")

    lines += spark_tables(results)

    app_rows = [(k, run) for k, run in _runs(results) if run.get("app")]
    if app_rows:
        lines += ["", "App (`AppTest`, one process per engine and size; cold = first run of the page, warm = the "
                  "same run again; *filtered* = a filter set no earlier run used). Seconds:", "",
                  "| engine | customers | page | cold | warm | cold filtered | warm filtered |",
                  "|---|---:|---|---:|---:|---:|---:|"]
        for _, run in app_rows:
            a = run["app"]
            if "failed" in a:
                lines.append(f"| {run['engine']} | {run['size']:,} | (failed) | | | | |")
                continue
            for path, d in a["pages"].items():
                page = path.split("/")[-1].removesuffix(".py")
                lines.append(f"| {run['engine']} | {run['size']:,} | {page} | {_s(d.get('cold'))} | "
                             f"{_s(d.get('warm'))} | {_s(d.get('cold_filtered'))} | {_s(d.get('warm_filtered'))} |")
        shows = [(run, run["app"]["presentation"]) for _, run in app_rows if run["app"].get("presentation")]
        if shows:
            views = shows[0][1]["views"]
            lines += ["", "Presentation mode, each view's run in seconds: after the pages (*browsed*), then for a "
                      "persona no run used (*new persona*: every view cold):", "",
                      "| engine | customers | run | " + " | ".join(views) + " |",
                      "|---|---:|---|" + "---:|" * len(views)]
            for run, show in shows:
                for key, name in (("unfiltered", "browsed"), ("filtered", f"new persona ({show['persona']})")):
                    lines.append(f"| {run['engine']} | {run['size']:,} | {name} | "
                                 + " | ".join(_s(v) for v in show[key]) + " |")
        lines += ["", "| engine | customers | app first run s | process peak RSS MB | RSS at end MB | errors |",
                  "|---|---:|---:|---:|---:|---:|"]
        for _, run in app_rows:
            a = run["app"]
            if "failed" not in a:
                lines.append(f"| {run['engine']} | {run['size']:,} | {a['t_app_start']:.2f} | "
                             f"{_mb(a['peak_rss_mb'])} | {_mb(a['rss_end_mb'])} | {a['n_errors']} |")

    loads = [f"{run['engine']} {run['size']:,}: {run['loadavg_before'][0]:.1f} → {run['loadavg_after'][0]:.1f}"
             for _, run in _runs(results) if run.get("loadavg_before") and run.get("loadavg_after")]
    if loads:
        lines += ["", "Machine load (1-minute load average before → after each run): " + "; ".join(loads) + "."]

    scaling = scaling_rows(results)
    if scaling:
        lines += ["", "Scaling (time at the larger size / time at the smaller; linear = the size ratio):", "",
                  "| engine | sizes | measure | ratio | size ratio | ratio / size ratio |",
                  "|---|---|---|---:|---:|---:|"]
        for engine, a, b, name, ratio in scaling:
            lines.append(f"| {engine} | {a:,} → {b:,} | {name} | {ratio:.2f} | {b / a:.0f} | {ratio / (b / a):.2f} |")
    return "\n".join(lines) + "\n"


def _yes_no(r: dict | None) -> str:
    if not r or "equal_to_duckdb" not in r:
        return "–"
    return "yes" if r["equal_to_duckdb"] else "**no**"


def _peak_incl_jvm(r: dict | None):
    return None if not r else r.get("peak_tree_rss_mb")


def _vmhwm_sum(r: dict | None):
    if not r or "children" not in r:
        return None
    return r["peak_rss_mb"] + r["children"]["peak_rss_mb"]


def spark_tables(results: dict) -> list[str]:
    """The Spark runs (``spark/<size>``): export, report processes with the JVM's memory, equality with DuckDB."""
    runs = results.get("runs", {})
    spark = [run for _, run in _runs(results) if run["engine"] == "spark"]
    if not spark:
        return []
    options = {run.get("spark_options") for run in spark}
    only = next(iter(options)) if len(options) == 1 else None
    shown = f"`spark+parquet:///DIR?{only}`" if only else "`spark+parquet:///DIR?…` (options below)"
    lines = ["", "Spark (PySpark over the Parquet files of `python -m loaders export-parquet` of the DuckDB database "
             f"imported from CSV; `report()` in a fresh process on {shown}). *peak MB incl. JVM*: the largest "
             "summed RSS of the report process and its descendants (the JVM), polled every 0.1 s, over both reports; "
             "*equal*: the whole "
             "report dict equals DuckDB's on the same data (floats to 1e-9 relative), unfiltered and filtered:", "",
             "| customers | export s | Parquet MB | report process s | filtered s | DuckDB process s (unf. / filt.) "
             "| peak MB incl. JVM | equal to DuckDB (unf. / filt.) |",
             "|---:|---:|---:|---:|---:|---:|---:|---|"]
    for run in spark:
        e = run.get("export") or {}
        u, f = run.get("report_unfiltered"), run.get("report_filtered")
        duck = runs.get(f"duckdb/{run['size']}") or {}
        du, df = (duck.get(f"report_{k}") or {} for k in ("unfiltered", "filtered"))
        setup = run.get("setup")  # the DuckDB reports compared were computed by the Spark run itself
        du_s = setup.get("duckdb_report_unfiltered_wall") if setup else du.get("wall")
        df_s = setup.get("duckdb_report_filtered_wall") if setup else df.get("wall")
        peaks = [p for p in (_peak_incl_jvm(u), _peak_incl_jvm(f)) if p is not None]
        parquet = sum(e["bytes"].values()) / 2**20 if e.get("bytes") else None
        lines.append(f"| {run['size']:,} | {_s(e.get('wall'))} | {'–' if parquet is None else f'{parquet:,.1f}'} | "
                     f"{_s((u or {}).get('wall'))} | {_s((f or {}).get('wall'))} | {_s(du_s)} / {_s(df_s)} | "
                     f"{_mb(max(peaks) if peaks else None)} | {_yes_no(u)} / {_yes_no(f)} |")
    if len(options) > 1:
        lines.append("\nSpark URL options: " + "; ".join(f"{run['size']:,}: `{run.get('spark_options')}`"
                                                         for run in spark) + ".")
    lines += ["", "Spark report processes in detail (*connect* starts the JVM and the Spark session and registers "
              "the Parquet views; *close* stops the session; *Python / JVM VmHWM*: each process's own peak, read "
              "by the report process before closing — their sum is an upper bound of the joint peak, the polled "
              "peak a lower bound):", "",
              "| customers | filter | process s | python start+exit s | imports s | connect s | report() s | close s "
              "| peak MB incl. JVM (polled) | Python VmHWM MB | JVM VmHWM MB | sum MB | equal to DuckDB |",
              "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for run in spark:
        for label in ("unfiltered", "filtered"):
            r = run.get(f"report_{label}")
            if not r:
                continue
            child = (r.get("children") or {}).get("peak_rss_mb")
            lines.append(f"| {run['size']:,} | {label} | {r['wall']:.2f} | {r['t_python']:.2f} | "
                         f"{r['t_imports']:.2f} | {r['t_connect']:.2f} | {r['t_report']:.2f} | "
                         f"{_s(r.get('t_close'))} | {_mb(_peak_incl_jvm(r))} | {_mb(r['peak_rss_mb'])} | "
                         f"{_mb(child)} | {_mb(_vmhwm_sum(r))} | {_yes_no(r)} |")
    diffs = [(run["size"], label, run[f"report_{label}"]["differences"]) for run in spark
             for label in ("unfiltered", "filtered") if (run.get(f"report_{label}") or {}).get("differences")]
    for size, label, d in diffs:
        lines.append(f"\nSpark {size:,} {label} differs from DuckDB at: " + "; ".join(f"`{x}`" for x in d[:5])
                     + (f" (and {len(d) - 5} more listed in the JSON)" if len(d) > 5 else ""))
    exports = [run for run in spark if run.get("export")]
    if exports:
        lines += ["", "Parquet export (`python -m loaders export-parquet --db duckdb:///… DIR`, fresh process; "
                  "MB per file):", "",
                  "| customers | process s | peak MB | customers | touchpoints | feedback | other tables |",
                  "|---:|---:|---:|---:|---:|---:|---:|"]
        for run in exports:
            e = run["export"]
            b = e.get("bytes", {})
            other = sum(v for k, v in b.items() if k not in KINDS)
            cells = " | ".join(f"{b[k] / 2**20:,.1f}" if k in b else "–" for k in KINDS)
            lines.append(f"| {run['size']:,} | {e['wall']:.2f} | {_mb(e.get('peak_tree_rss_mb'))} | {cells} | "
                         f"{other / 2**20:,.2f} |")
    return lines


def _measures(run: dict) -> dict:
    out = {}
    r = run.get("report_unfiltered")
    if r:
        out["report process (unfiltered)"] = r["wall"]
        out["report() (unfiltered)"] = r["t_report"]
    r = run.get("report_filtered")
    if r:
        out["report() (filtered)"] = r["t_report"]
    r = run.get("import_csv")
    if r:
        out["import CSV (all files)"] = r["t_import"]
        tp = r["kinds"].get("touchpoints")
        if tp:
            out["import CSV touchpoints"] = tp["seconds"]
    return out


def scaling_rows(results: dict) -> list:
    rows = []
    runs = results.get("runs", {})
    for engine in ("duckdb", "postgres", "spark"):
        sizes = sorted(int(k.split("/")[1]) for k in runs if k.startswith(engine + "/"))
        for a, b in zip(sizes, sizes[1:], strict=False):
            ma, mb = _measures(runs[f"{engine}/{a}"]), _measures(runs[f"{engine}/{b}"])
            for name in ma:
                if name in mb and ma[name] > 0:
                    rows.append((engine, a, b, name, mb[name] / ma[name]))
    return rows


def targets_check(results: dict) -> tuple[list[dict], str]:
    """PASS/FAIL per target on the 1M runs (never raises: a missing number is reported as not measured)."""
    checks = []

    def add(engine, name, value, limit, unit, ok):
        checks.append({"engine": engine, "target": name, "value": value, "limit": limit, "unit": unit,
                       "status": "n/a" if value is None else ("PASS" if ok(value, limit) else "FAIL")})

    le = lambda v, lim: v <= lim  # noqa: E731
    ge = lambda v, lim: v >= lim  # noqa: E731
    runs = results.get("runs", {})
    for engine in ("duckdb", "postgres"):
        run = runs.get(f"{engine}/{BIG}")
        if run is None:
            continue
        rep = run.get("report_unfiltered") or {}
        add(engine, "whole report as a fresh process ≤ 4 s", rep.get("wall"), 4.0, "s", le)
        tp = ((run.get("import_csv") or {}).get("kinds") or {}).get("touchpoints") or {}
        add(engine, "import ≥ 250k touchpoint rows/s from CSV (validation + write)", tp.get("rows_per_s"),
            250_000, "rows/s", ge)
        peaks = [run[k]["peak_rss_mb"] for k in ("import_csv", "import_parquet") if run.get(k)]
        add(engine, "import peak memory ≤ 4 GB", max(peaks) if peaks else None, 4096, "MB", le)
        peaks = [run[k]["peak_rss_mb"] for k in ("report_unfiltered", "report_filtered") if run.get(k)]
        add(engine, "report peak memory ≤ 2 GB", max(peaks) if peaks else None, 2048, "MB", le)
        app = run.get("app") or {}
        pages = app.get("pages") or {}
        for path, d in pages.items():
            page = path.split("/")[-1].removesuffix(".py")
            add(engine, f"page {page} ≤ 2 s cold (never-seen filters)", d.get("cold_filtered"), 2.0, "s", le)
            add(engine, f"page {page} ≤ 2 s cold (first visit, unfiltered)", d.get("cold"), 2.0, "s", le)
            add(engine, f"page {page} ≤ 0.5 s warm", max(d.get("warm", 0), d.get("warm_filtered", 0)), 0.5, "s", le)
        show = app.get("presentation") or {}
        for view, cold in zip(show.get("views", []), show.get("filtered", []), strict=False):
            add(engine, f"presentation view {view} ≤ 2 s cold (new persona)", cold, 2.0, "s", le)
        add(engine, "app process ≤ 1.5 GB after every page", app.get("peak_rss_mb"), 1536, "MB", le)
        mid = runs.get(f"{engine}/{MID}")
        if mid:
            a, b = _measures(mid), _measures(run)
            for name in a:
                if name in b and a[name] > 0:
                    ratio = b[name] / a[name]
                    add(engine, f"100k → 1M no worse than linear: {name} (ratio ≤ 10)", ratio, 10.0, "×", le)
    spark = runs.get(f"spark/{BIG}")
    if spark is not None:
        equal = [spark[k].get("equal_to_duckdb") for k in ("report_unfiltered", "report_filtered") if spark.get(k)]
        add("spark", "report equals DuckDB's on the same data (unfiltered and filtered)",
            None if not equal or None in equal else all(equal), True, "", lambda v, lim: v is lim)
    lines = ["Targets (1M customers):", "", "| engine | target | measured | limit | result |",
             "|---|---|---:|---:|---|"]
    for c in checks:
        v = c["value"]
        if isinstance(v, bool):
            lines.append(f"| {c['engine']} | {c['target']} | {'yes' if v else 'no'} | yes | {c['status']} |")
            continue
        shown = "not measured" if v is None else (f"{v:,.0f} {c['unit']}" if c["unit"] in ("MB", "rows/s")
                                                  else f"{v:.2f} {c['unit']}")
        over = ""
        if c["status"] == "FAIL":
            over = f" ({v / c['limit']:.1f}× the limit)" if c["unit"] != "rows/s" else f" ({v / c['limit']:.0%} of it)"
        lines.append(f"| {c['engine']} | {c['target']} | {shown} | {c['limit']:,} {c['unit']} | {c['status']}{over} |")
    if not checks:
        lines.append("| – | no 1M run in the results | | | n/a |")
    return checks, "\n".join(lines) + "\n"
