"""``python -m bench [--sizes 10000,100000,1000000] [--engines duckdb,postgres[,spark]] [--pg-url URL]
[--spark-options QUERY] [--out FILE] [--work DIR] [--skip-app] [--targets]``, or
``python -m bench --compare-report COMMIT [--sizes 1000000] [--runs 5] [--work DIR] [--out FILE]``: see
bench/README.md."""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from bench.machine import machine
from bench.spark import java_version, report_differences, run_tree
from bench.tables import markdown, targets_check

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
KINDS = ("customers", "touchpoints", "feedback")
SEED = 1
ENGINES = ("duckdb", "postgres", "spark")
DEFAULT_SPARK_OPTIONS = "master=local[2]"


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def run_child(job: str, args: dict, timeout: float = 3600, tree: bool = False) -> dict:
    """One measurement in a fresh Python process; adds the wall time seen from here. With ``tree``, the
    summed RSS of the process and its descendants (PySpark's JVM) is polled every 0.1 s: ``peak_tree_rss_mb``."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as fh:
        result_file = fh.name
    cmd = [sys.executable, "-m", "bench.child", job, json.dumps(args), result_file]
    polled = {}
    if tree:
        proc, polled = run_tree(cmd, ROOT, timeout)
        wall = polled.pop("wall")
    else:
        t = time.perf_counter()
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
        wall = time.perf_counter() - t
    try:
        if proc.returncode != 0:
            raise RuntimeError(f"bench.child {job} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
        result = json.loads(Path(result_file).read_text(encoding="utf-8"))
    finally:
        Path(result_file).unlink(missing_ok=True)
    result["wall"] = wall
    result.update(polled)
    # interpreter start-up and shutdown: what the parent saw minus what the child measured itself
    result["t_python"] = wall - result["t_total"]
    return result


def _pyspark_version() -> str | None:
    from importlib import metadata

    try:
        return metadata.version("pyspark")
    except metadata.PackageNotFoundError:
        return None


def settle() -> None:
    """Flush the files an import wrote before the next measurement: otherwise the kernel writes the
    gigabytes of a 1M-row database back to disk while the report runs, and the report pays for it."""
    t = time.perf_counter()
    os.sync()
    log(f"  sync {time.perf_counter() - t:.1f} s")


def python_startup() -> float:
    """Bare ``python -c pass``, best of 3."""
    best = float("inf")
    for _ in range(3):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        best = min(best, time.perf_counter() - t)
    return best


# -- data -------------------------------------------------------------------------------------------------

def make_export(n: int, work: Path) -> dict:
    from loaders import sample

    d = work / f"n{n}"
    done = d / "done.json"
    if done.exists():
        log(f"{n:,}: reusing the export in {d}")
        return json.loads(done.read_text())
    log(f"{n:,}: generating")
    t = time.perf_counter()
    frames = sample.generate(n, seed=SEED)
    t_gen = time.perf_counter() - t
    info = {"dir": str(d), "t_generate": t_gen, "rows": {k: len(frames[k]) for k in KINDS}, "files": {}}
    for fmt in ("csv", "parquet"):
        t = time.perf_counter()
        sample.write_export(frames, d / fmt, fmt=fmt)
        info[f"t_write_{fmt}"] = time.perf_counter() - t
        info["files"][fmt] = {k: str(d / fmt / f"{k}.{fmt}") for k in KINDS}
        info[f"bytes_{fmt}"] = {k: (d / fmt / f"{k}.{fmt}").stat().st_size for k in KINDS}
    info["filters"] = pick_filters(frames)
    del frames
    done.write_text(json.dumps(info))
    log(f"{n:,}: generated in {t_gen:.1f} s, {info['rows']}")
    return info


def pick_filters(frames) -> dict:
    """One persona, two channel codes and a 3-month window, all present in the data."""
    from data_model.text import slug

    tp = frames["touchpoints"]
    personas = frames["customers"]["persona"].dropna().value_counts()
    channels = tp["channel"].map(slug).value_counts()
    start, end = "2025-04-01", "2025-06-30"
    ts = tp["timestamp"]
    in_window = int(((ts >= start) & (ts < "2025-07-01")).sum())
    assert in_window > 0, "no touchpoint in the window"
    pool = [p for p in personas.index]  # most frequent first: the report filter takes the most frequent one
    chosen = [c for c in ("site_web", "magasin") if c in channels.index] or list(channels.index[:2])
    return {"personas": [pool[0]], "channels": chosen[:2], "start": start, "end": end,
            "personas_pool": pool[1:] + pool[:1], "touchpoints_in_window": in_window}


# -- engines ----------------------------------------------------------------------------------------------

class Postgres:
    def __init__(self, base: str):
        import sqlalchemy as sa

        self.base = base
        self.admin = sa.create_engine(base)
        self.schemas: list[str] = []

    def fresh(self, tag: str) -> str:
        import sqlalchemy as sa

        schema = f"bench_{tag}_{uuid.uuid4().hex[:8]}"
        with self.admin.begin() as conn:
            conn.exec_driver_sql(f"create schema {schema}")
        self.schemas.append(schema)
        url = sa.make_url(self.base).update_query_dict({"options": f"-csearch_path={schema}"})
        return url.render_as_string(hide_password=False)

    def drop_all(self) -> None:
        with self.admin.begin() as conn:
            for schema in self.schemas:
                conn.exec_driver_sql(f"drop schema if exists {schema} cascade")
        self.schemas.clear()

    def close(self) -> None:
        self.drop_all()
        self.admin.dispose()


def fresh_db(engine: str, n: int, fmt: str, work: Path, pg: Postgres | None) -> str:
    if engine == "postgres":
        return pg.fresh(f"{n}_{fmt}")
    path = work / f"n{n}" / f"{fmt}.duckdb"
    for p in (path, path.with_suffix(".duckdb.wal")):
        p.unlink(missing_ok=True)
    return f"duckdb:///{path}"


def bench_engine(engine: str, n: int, export: dict, work: Path, pg, skip_app: bool,
                 keep_reports: dict | None = None) -> dict:
    """Import, report, metrics and app on one engine. ``keep_reports``: a dict that receives the report
    dicts (by filter label) of the report processes, for the Spark comparison."""
    out: dict = {"engine": engine, "size": n, "rows": export["rows"], "filters": export["filters"],
                 "loadavg_before": os.getloadavg()}
    urls = {}
    for fmt in ("csv", "parquet"):
        urls[fmt] = fresh_db(engine, n, fmt, work, pg)
        log(f"{engine} {n:,}: import {fmt}")
        out[f"import_{fmt}"] = run_child("import", {"url": urls[fmt], "files": export["files"][fmt]})
        r = out[f"import_{fmt}"]
        log(f"  {r['t_import']:.1f} s, peak {r['peak_rss_mb']:.0f} MB")
        settle()
    url = urls["csv"]
    filt = {k: export["filters"][k] for k in ("personas", "channels", "start", "end")}
    for label, f in (("unfiltered", None), ("filtered", filt)):
        log(f"{engine} {n:,}: report {label}")
        out[f"report_{label}"] = run_child("report", {"url": url, "filters": f,
                                                      "return_report": keep_reports is not None})
        if keep_reports is not None:
            keep_reports[label] = out[f"report_{label}"].pop("report")
        out[f"metrics_{label}"] = run_child("metrics", {"url": url, "filters": f})
        log(f"  report process {out[f'report_{label}']['wall']:.2f} s")
    if not skip_app:
        log(f"{engine} {n:,}: app")
        try:
            out["app"] = run_child("app", {"url": url, "filters": export["filters"]})
            log(f"  app peak {out['app']['peak_rss_mb']:.0f} MB, {out['app']['n_errors']} errors")
        except (RuntimeError, subprocess.TimeoutExpired) as exc:
            out["app"] = {"failed": str(exc)[-2000:]}
            log(f"  app failed: {str(exc)[-500:]}")
    out["loadavg_after"] = os.getloadavg()
    return out


def report_filters(export: dict) -> dict:
    return {k: export["filters"][k] for k in ("personas", "channels", "start", "end")}


def export_parquet(duck_url: str, target: Path) -> dict:
    """``python -m loaders export-parquet --db DUCK_URL TARGET`` as a fresh process (wall, peak RSS of its
    tree); rows and bytes of each Parquet file."""
    shutil.rmtree(target, ignore_errors=True)
    proc, info = run_tree([sys.executable, "-m", "loaders", "export-parquet", "--db", duck_url, str(target)],
                          ROOT, timeout=3600)
    if proc.returncode != 0:
        raise RuntimeError(f"export-parquet failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    rows = {}
    for line in proc.stdout.splitlines():  # "touchpoints: 123 rows → /dir/touchpoints.parquet"
        table, _, rest = line.partition(": ")
        if rest.split(" ", 1)[0].isdigit():
            rows[table] = int(rest.split(" ", 1)[0])
    info["rows"] = rows
    info["bytes"] = {p.stem: p.stat().st_size for p in sorted(target.glob("*.parquet"))}
    return info


def bench_spark(n: int, export: dict, work: Path, options: str, duckdb_reports: dict | None) -> dict:
    """The report on PySpark over the Parquet export of the DuckDB database (imported from CSV) of this size.

    ``duckdb_reports``: the DuckDB report dicts of this size from this run (by filter label), or None: then
    the CSV is imported into a DuckDB file here and its reports computed, neither timed as part of Spark.
    """
    out: dict = {"engine": "spark", "size": n, "rows": export["rows"], "filters": export["filters"],
                 "loadavg_before": os.getloadavg(), "spark_options": options}
    duck_path = work / f"n{n}" / "csv.duckdb"
    duck_url = f"duckdb:///{duck_path}"
    filt = report_filters(export)
    labels = (("unfiltered", None), ("filtered", filt))
    if duckdb_reports is None or not duck_path.exists():
        log(f"spark {n:,}: importing the CSV into {duck_path} (setup, not part of the Spark numbers)")
        duck_url = fresh_db("duckdb", n, "csv", work, None)
        r = run_child("import", {"url": duck_url, "files": export["files"]["csv"]})
        out["setup"] = {"duckdb_import_wall": r["wall"]}
        duckdb_reports = {}
        for label, f in labels:
            r = run_child("report", {"url": duck_url, "filters": f, "return_report": True})
            duckdb_reports[label] = r.pop("report")
            out["setup"][f"duckdb_report_{label}_wall"] = r["wall"]
    log(f"spark {n:,}: export-parquet")
    target = work / f"n{n}" / "warehouse"
    out["export"] = export_parquet(duck_url, target)
    e = out["export"]
    log(f"  {e['wall']:.1f} s, {sum(e['bytes'].values()) / 2**20:,.1f} MB of Parquet, "
        f"peak {e['peak_tree_rss_mb']:.0f} MB")
    url = f"spark+parquet://{target.resolve()}" + (f"?{options}" if options else "")
    out["url"] = url
    for label, f in labels:
        log(f"spark {n:,}: report {label}")
        r = run_child("report", {"url": url, "filters": f, "jvm": True, "return_report": True}, tree=True)
        diffs = report_differences(r.pop("report"), duckdb_reports[label])
        r["equal_to_duckdb"] = not diffs
        r["differences"] = diffs
        out[f"report_{label}"] = r
        log(f"  report process {r['wall']:.2f} s (connect, incl. JVM start, {r['t_connect']:.2f} s; report() "
            f"{r['t_report']:.2f} s), peak {r['peak_tree_rss_mb']:.0f} MB incl. the JVM; "
            f"{'equal to' if not diffs else 'DIFFERS from'} DuckDB's" + (f": {diffs[:3]}" if diffs else ""))
    out["loadavg_after"] = os.getloadavg()
    return out


def profile_import(orders: int, work: str | None, out_path: Path) -> dict:
    """The marketplace fixture at ``orders`` rows, imported through its profile in a fresh process; the result is
    kept in ``out_path`` under ``profile_import``."""
    from loaders import public_shapes

    folder = Path(work or tempfile.mkdtemp(prefix="parcours-bench-", dir="/tmp")).resolve() / f"marketplace-{orders}"
    if not (folder / public_shapes.FILE_NAMES["orders"]).exists():
        log(f"generating {orders:,} orders")
        public_shapes.write_csvs(public_shapes.marketplace(orders, seed=SEED), folder)
    database = folder / "profile.duckdb"
    database.unlink(missing_ok=True)
    import data_model as dm

    db = dm.connect(f"duckdb:///{database}")
    dm.initialise(db, timezone="America/Sao_Paulo")
    db.close()
    files = [str(folder / public_shapes.FILE_NAMES[k]) for k in ("customers", "orders", "payments", "reviews")]
    log("profile import")
    result = run_child("profile_import", {"url": f"duckdb:///{database}", "files": files,
                                          "profile": str(ROOT / "sample_data" / "profiles" / "marketplace.json")})
    result.update(orders=orders, loadavg_after=os.getloadavg(), machine=machine())
    log(f"  {result['inserted']} in {result['t_import']:.1f} s: {result['touchpoints_per_s']:,.0f} touchpoints/s, "
        f"peak {result['peak_rss_mb']:.0f} MB")
    results = json.loads(out_path.read_text(encoding="utf-8")) if out_path.exists() else {"runs": {}}
    results.setdefault("profile_import", {})[str(orders)] = result
    out_path.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return result


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    p.add_argument("--sizes", default=None,
                   help="default 10000,100000,1000000 (with --compare-report: 1000000)")
    p.add_argument("--engines", default="duckdb,postgres",
                   help="comma-separated, among duckdb, postgres, spark (spark: the report on PySpark local[2] over "
                        "the Parquet export of the DuckDB database; not in the default)")
    p.add_argument("--pg-url", default=DEFAULT_PG)
    p.add_argument("--spark-options", default=DEFAULT_SPARK_OPTIONS,
                   help="query of the spark+parquet:// URL (default %(default)s), e.g. "
                        "'master=local[2]&conf.spark.driver.memory=2g'")
    p.add_argument("--out", default=str(ROOT / "bench" / "results.json"))
    p.add_argument("--work", help="folder for generated files and DuckDB databases (default: a temp dir in /tmp)")
    p.add_argument("--skip-app", action="store_true")
    p.add_argument("--targets", action="store_true", help="check the 1M numbers against the targets")
    p.add_argument("--fresh", action="store_true",
                   help="do not merge with the runs already in --out (default: keep runs of other sizes/engines)")
    p.add_argument("--compare-report", metavar="COMMIT",
                   help="only compare report() of COMMIT's code with this checkout's, on one DuckDB database built by "
                        "COMMIT's code (see bench/compare.py); --engines, --skip-app and --targets do not apply")
    p.add_argument("--runs", type=int, default=5, help="with --compare-report: timed runs of each report (default 5)")
    p.add_argument("--freeze-both", action="store_true",
                   help="with --compare-report: both codes freeze their imports' objects (gc.freeze), as this code's "
                        "command line does and older code did not: the reports compared without that difference")
    p.add_argument("--profile-import", metavar="ORDERS", type=int,
                   help="only measure a profile-driven import: ORDERS wide order rows shaped like Olist's (four "
                        "timestamps each, payments and reviews joined by key) through sample_data/profiles/"
                        "marketplace.json into a new DuckDB file")
    args = p.parse_args(argv)
    if args.profile_import:
        print(json.dumps(profile_import(args.profile_import, args.work, Path(args.out)), indent=1))
        return 0
    if args.sizes is None:
        args.sizes = "1000000" if args.compare_report else "10000,100000,1000000"
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    if args.compare_report:
        if args.runs < 1:
            p.error("--runs must be at least 1")
        from bench.compare import run as compare_run

        print(compare_run(args.compare_report, sizes, args.work, args.runs, Path(args.out), args.freeze_both))
        return 0
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    unknown = set(engines) - set(ENGINES)
    if unknown:
        p.error(f"unknown engines: {sorted(unknown)}")
    if "spark" in engines:  # after duckdb, whose database (and reports) it reuses
        engines = [e for e in engines if e != "spark"] + ["spark"]

    out_path = Path(args.out)
    results = {"runs": {}}
    if out_path.exists() and not args.fresh:
        try:
            results = json.loads(out_path.read_text(encoding="utf-8"))
        except ValueError:
            pass
    previous_machine = results.get("machine") or {}
    results["machine"] = machine()
    if "spark" in engines:
        results["machine"]["pyspark"] = _pyspark_version()
        results["machine"]["java"] = java_version()
    else:  # keep what an earlier Spark run recorded
        for k in ("pyspark", "java"):
            if previous_machine.get(k):
                results["machine"][k] = previous_machine[k]
    results["python_startup_s"] = python_startup()
    results.setdefault("exports", {})

    temp = None
    if args.work:
        work = Path(args.work).resolve()  # the children run in the repository root
        work.mkdir(parents=True, exist_ok=True)
    else:
        temp = Path(tempfile.mkdtemp(prefix="parcours-bench-", dir="/tmp"))
        work = temp
    pg = Postgres(args.pg_url) if "postgres" in engines else None
    try:
        for n in sizes:
            export = make_export(n, work)
            results["exports"][str(n)] = {k: v for k, v in export.items() if k not in ("files", "dir")}
            duckdb_reports = None
            for engine in engines:
                try:
                    if engine == "spark":
                        results["runs"][f"spark/{n}"] = bench_spark(n, export, work, args.spark_options,
                                                                    duckdb_reports)
                        continue
                    keep = {} if engine == "duckdb" and "spark" in engines else None
                    results["runs"][f"{engine}/{n}"] = bench_engine(engine, n, export, work, pg, args.skip_app,
                                                                    keep)
                    if keep is not None:
                        duckdb_reports = keep
                finally:
                    if pg:
                        pg.drop_all()
                out_path.parent.mkdir(parents=True, exist_ok=True)
                out_path.write_text(json.dumps(results, indent=1), encoding="utf-8")
    finally:
        if pg:
            pg.close()
        if temp:
            shutil.rmtree(temp, ignore_errors=True)

    text = markdown(results)
    if args.targets:
        results["targets"], target_text = targets_check(results)
        text += "\n" + target_text
    out_path.write_text(json.dumps(results, indent=1), encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
