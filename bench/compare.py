"""``python -m bench --compare-report COMMIT``: the report of an older commit against this checkout's, on the same
database, in one invocation (issue 15: "the new report costs at most 1.2 × the report of commit b9001a9").

1. The old commit is extracted (``git archive COMMIT | tar -x``) into a temporary folder, removed at the end.
2. The database is built once per (commit, size) with the OLD code, as fresh processes in the old checkout:
   ``python -m loaders sample --customers N --seed 1 --out DIR --format csv`` then ``python -m loaders import``
   of the three CSV files (a database made by the new code has a newer schema the old code cannot open). With
   ``--work DIR`` it is kept (``DIR/compare-<commit>-n<N>/base.duckdb``) and reused by the next run.
3. Each run copies it twice: ``old.duckdb`` for the old code, ``new.duckdb`` for the new one, which the new code
   opens once first (migrating the copy to its schema; timed apart, not part of the report numbers).
4. ``report()`` unfiltered and with one filter set, each run a fresh process (``bench/compare_child.py``, cwd and
   ``PYTHONPATH`` = its checkout), old and new alternating (the order reversed every other round), after one
   untimed warm-up of each; the new code's filtered report also with the old definitions as lenses
   (``channel_mode="only", period_mode="activity"``) when its ``Filters`` accepts them.
"""

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHILD = Path(__file__).with_name("compare_child.py")
SEED = 1
KINDS = ("customers", "touchpoints", "feedback")
WINDOW = ("2025-04-01", "2025-06-30")
LENS = {"channel_mode": "only", "period_mode": "activity"}
LIMIT = 1.2


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def _git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=ROOT, check=True, capture_output=True, text=True).stdout.strip()


def _loadavg() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


@contextmanager
def old_checkout(commit: str):
    """The tree of ``commit`` in a temporary folder (``git archive | tar -x``: no worktree registered in the
    repository, nothing to prune if the run is killed), removed on the way out."""
    tmp = Path(tempfile.mkdtemp(prefix=f"parcours-{commit[:9]}-", dir="/tmp"))
    try:
        archive = subprocess.Popen(["git", "archive", "--format=tar", commit], cwd=ROOT, stdout=subprocess.PIPE)
        tar = subprocess.run(["tar", "-x", "-C", str(tmp)], stdin=archive.stdout, capture_output=True)
        archive.stdout.close()
        if archive.wait() != 0 or tar.returncode != 0:
            raise RuntimeError(f"git archive {commit} | tar -x failed: {tar.stderr.decode()[-2000:]}")
        yield tmp
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _env(code: Path) -> dict:
    env = dict(os.environ, PYTHONPATH=str(code))
    env.pop("PYTHONSTARTUP", None)
    return env


def _command(code: Path, cmd: list[str], timeout: float) -> float:
    """``python -m loaders …`` of one checkout (cwd and PYTHONPATH = it); its wall time."""
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, *cmd], cwd=code, env=_env(code), capture_output=True, text=True,
                          timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} in {code} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return time.perf_counter() - t


def child(code: Path, job: str, args: dict, timeout: float = 1800) -> dict:
    """One ``compare_child`` job in a fresh process on the checkout ``code``; adds the wall time seen from here."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as fh:
        result_file = fh.name
    # -P: the folder of compare_child.py (this checkout's bench/) is not put on sys.path; only PYTHONPATH is
    cmd = [sys.executable, "-P", str(CHILD), job, json.dumps(args), result_file]
    load = os.getloadavg()[0]
    t = time.perf_counter()
    proc = subprocess.run(cmd, cwd=code, env=_env(code), capture_output=True, text=True, timeout=timeout)
    wall = time.perf_counter() - t
    try:
        if proc.returncode != 0:
            raise RuntimeError(f"compare_child {job} in {code} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
        result = json.loads(Path(result_file).read_text(encoding="utf-8"))
    finally:
        Path(result_file).unlink(missing_ok=True)
    result["wall"] = wall
    result["loadavg_1min_before"] = round(load, 2)
    return result


# -- the database, built by the old code ------------------------------------------------------------------------

def build_database(old: Path, commit: str, n: int, d: Path) -> dict:
    """``d/base.duckdb``: ``n`` generated customers imported by the old code; reused when already built."""
    done = d / "done.json"
    base = d / "base.duckdb"
    if done.exists() and base.exists():
        info = json.loads(done.read_text(encoding="utf-8"))
        if info.get("commit") == commit and info.get("size") == n:
            log(f"{n:,}: reusing the database built by {commit[:9]} in {base}")
            info["reused"] = True
            return info
    d.mkdir(parents=True, exist_ok=True)
    for p in (base, base.with_suffix(".duckdb.wal"), done):
        p.unlink(missing_ok=True)
    csv = d / "csv"
    shutil.rmtree(csv, ignore_errors=True)
    log(f"{n:,}: generating with {commit[:9]}'s loaders.sample (seed {SEED})")
    t_generate = _command(old, ["-m", "loaders", "sample", "--customers", str(n), "--seed", str(SEED),
                                "--out", str(csv), "--format", "csv"], timeout=7200)
    files = [a for k in KINDS for a in (f"--{k}", str(csv / f"{k}.csv"))]
    log(f"{n:,}: importing with {commit[:9]}'s python -m loaders import ({t_generate:.0f} s to generate)")
    t_import = _command(old, ["-m", "loaders", "import", "--db", f"duckdb:///{base}", *files], timeout=7200)
    shutil.rmtree(csv, ignore_errors=True)
    os.sync()
    info = {"commit": commit, "size": n, "seed": SEED, "t_generate_s": t_generate, "t_import_s": t_import,
            "built": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), **_data_and_filters(base)}
    done.write_text(json.dumps(info, indent=1), encoding="utf-8")
    log(f"{n:,}: built in {t_import:.0f} s, {info['rows']}")
    info["reused"] = False
    return info


def _data_and_filters(base: Path) -> dict:
    """Row counts and the filter set: the most frequent persona, the channels ``site_web`` and ``magasin`` (else
    the two most used) and April–June 2025, as the main benchmark's filter. Read with DuckDB directly (no project
    code in this process)."""
    import duckdb

    con = duckdb.connect(str(base), read_only=True)
    try:
        rows = {k: con.execute(f"select count(*) from {k}").fetchone()[0] for k in KINDS}
        persona = con.execute("select persona from customers where persona is not null group by persona "
                              "order by count(*) desc, persona limit 1").fetchone()[0]
        used = [r[0] for r in con.execute("select channel from touchpoints group by channel "
                                          "order by count(*) desc").fetchall()]
        in_window = con.execute("select count(*) from touchpoints where timestamp >= ? and timestamp < ?",
                                [WINDOW[0], "2025-07-01"]).fetchone()[0]
    finally:
        con.close()
    channels = [c for c in ("site_web", "magasin") if c in used] or used[:2]
    return {"rows": rows, "bytes": base.stat().st_size, "touchpoints_in_window": in_window,
            "filters": {"personas": [persona], "channels": channels, "start": WINDOW[0], "end": WINDOW[1]}}


def _copy(base: Path, target: Path) -> None:
    for suffix in ("", ".wal"):
        src, dst = Path(f"{base}{suffix}"), Path(f"{target}{suffix}")
        dst.unlink(missing_ok=True)
        if src.exists():
            shutil.copyfile(src, dst)


# -- the runs ---------------------------------------------------------------------------------------------------

def _summary(runs: list[dict]) -> dict:
    def med(key):
        values = [r[key] for r in runs if r.get(key) is not None]
        return statistics.median(values) if values else None

    last = runs[-1]
    return {"n_runs": len(runs), "report_s": med("t_report"), "report_cpu_s": med("cpu_report"),
            "process_s": med("wall"), "imports_s": med("t_imports"),
            "connect_s": med("t_connect"), "report_s_min": min(r["t_report"] for r in runs),
            "process_s_min": min(r["wall"] for r in runs), "peak_rss_mb": max(r["peak_rss_mb"] for r in runs),
            "customers": last.get("customers"), "conversion": last.get("conversion"),
            "filters_used": last.get("filters_used"), "code": last.get("code")}


def compare(commit_arg: str, n: int, work: Path, runs: int, freeze_both: bool = False) -> dict:
    commit = _git("rev-parse", "--verify", f"{commit_arg}^{{commit}}")
    head = _git("rev-parse", "HEAD")
    code_paths = ("analytics", "data_model", "loaders", "i18n")
    dirty = bool(_git("status", "--porcelain", "--", *code_paths))
    code_commit = _git("log", "-1", "--format=%H", "--", *code_paths)  # the last commit that changed the code
    from bench.machine import machine

    out: dict = {"old_commit": commit, "new_commit": head, "new_code_commit": code_commit, "new_dirty": dirty,
                 "size": n, "runs_each": runs, "freeze_both": freeze_both,
                 "machine": machine(), "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                 "loadavg_before": _loadavg()}
    d = work / f"compare-{commit[:9]}-n{n}"
    with old_checkout(commit) as old:
        out["database"] = build_database(old, commit, n, d)
        base = d / "base.duckdb"
        old_db, new_db = d / "old.duckdb", d / "new.duckdb"
        log(f"{n:,}: copying {base.name} for each code")
        _copy(base, old_db)
        _copy(base, new_db)
        os.sync()
        sides = {"old": (old, f"duckdb:///{old_db}"), "new": (ROOT, f"duckdb:///{new_db}")}
        opened = child(ROOT, "open", {"url": sides["new"][1]})
        out["new_open_s"] = {"wall": opened["wall"], "connect": opened["t_connect"], "facts": opened.get("t_facts")}
        log(f"  the new code opened (migrated) its copy in {opened['t_connect']:.1f} s"
            + (f" and wrote its per-customer facts in {opened['t_facts']:.1f} s" if opened.get("t_facts") else ""))

        filt = out["database"]["filters"]
        variants = {  # label: (side, Filters keywords)
            "unfiltered/old": ("old", {}), "unfiltered/new": ("new", {}),
            "filtered/old": ("old", filt), "filtered/new": ("new", filt),
            "filtered/new-lens": ("new", {**filt, **LENS}),
        }
        log(f"{n:,}: warm-up (one untimed run of each)")
        for label, (side, f) in list(variants.items()):
            r = child(sides[side][0], "report", {"url": sides[side][1], "filters": f, "freeze": freeze_both})
            if "unsupported" in r:
                log(f"  {label}: left out, this code's Filters refuses {LENS}: {r['unsupported']}")
                out["lens_unsupported"] = r["unsupported"]
                del variants[label]
            else:
                log(f"  {label}: {r['wall']:.2f} s (report() {r['t_report']:.2f} s), code from {r['code']}")
        order = list(variants)
        timed: dict[str, list[dict]] = {label: [] for label in order}
        for i in range(runs):
            for label in order if i % 2 == 0 else order[::-1]:
                side, f = variants[label]
                r = child(sides[side][0], "report", {"url": sides[side][1], "filters": f, "freeze": freeze_both})
                timed[label].append(r)
                log(f"  run {i + 1}/{runs} {label}: process {r['wall']:.2f} s, report() {r['t_report']:.2f} s "
                    f"(load {r['loadavg_1min_before']})")
    out["runs"] = timed
    out["summary"] = {label: _summary(rs) for label, rs in timed.items()}
    s = out["summary"]
    out["ratios"] = {}
    for label, old_label in (("unfiltered/new", "unfiltered/old"), ("filtered/new", "filtered/old"),
                             ("filtered/new-lens", "filtered/old")):
        if label in s:
            out["ratios"][label] = {"report": s[label]["report_s"] / s[old_label]["report_s"],
                                    "report_min": s[label]["report_s_min"] / s[old_label]["report_s_min"],
                                    "report_cpu": s[label]["report_cpu_s"] / s[old_label]["report_cpu_s"],
                                    "process": s[label]["process_s"] / s[old_label]["process_s"],
                                    # old and new of one round ran one after the other, under about the same load
                                    "report_paired": statistics.median(
                                        a["t_report"] / b["t_report"] for a, b in zip(timed[label], timed[old_label],
                                                                                      strict=True))}
    out["loadavg_after"] = _loadavg()
    out["finished"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    return out


# -- output -----------------------------------------------------------------------------------------------------

def _customers(x) -> str:
    if isinstance(x, dict):
        x = x.get("customers", x)
    return f"{x:,}" if isinstance(x, int) else str(x)


def _filters_text(used: dict | None) -> str:
    if not used:
        return "–"
    parts = []
    for k, v in used.items():
        if v in (None, [], ()):
            continue
        parts.append(f"{k}={', '.join(map(str, v)) if isinstance(v, list) else v}")
    return "; ".join(parts) or "none"


def _num(x) -> str:
    return "–" if x is None else f"{x:.2f}"


def _ratio(r: dict | None, key: str) -> str:
    return f"{r[key]:.2f}" if r and r.get(key) is not None else ""


def markdown(c: dict) -> str:
    old, new = c["old_commit"][:7], c["new_commit"][:7] + (" + uncommitted changes" if c["new_dirty"] else "")
    code = c.get("new_code_commit", c["new_commit"])[:7]
    m = c["machine"]
    s = c["summary"]
    lines = [
        f"Report of {old} (old) against {new} (new; its last change to analytics, data_model, loaders or i18n: "
        f"{code}) at {c['size']:,} customers, one database built by the old "
        f"code (the new code reads a migrated copy); {c['runs_each']} runs each in fresh processes, old and new "
        f"alternating; medians{'; both codes freeze their imports (--freeze-both)' if c.get('freeze_both') else ''}. "
        f"{m['nproc']} CPUs ({m['cpu_model']}), {m['mem_total_gb']} GB; duckdb {m['duckdb']}, "
        f"ibis {m['ibis']}. Load average (1/5/15 min) before {c['loadavg_before']}, after {c['loadavg_after']}; "
        f"{c['started']} – {c['finished']}.",
        "",
        "Filters as each code read them (every field of its `Filters`):",
        "",
    ]
    for label, v in s.items():
        lines.append(f"- {label}: {_filters_text(v['filters_used'])}")
    if c.get("lens_unsupported"):
        lines.append(f"- filtered/new-lens: not run, the new code's Filters refuses the lens modes "
                     f"({c['lens_unsupported']})")
    lines += ["", "| report | code | customers | report() s | (min) | report() CPU s | process s | imports s "
              "| peak MB | report() new/old | (min) | (paired) | CPU new/old | process new/old |",
              "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for label, v in s.items():
        what, side = label.split("/")
        r = c["ratios"].get(label)
        lines.append(
            f"| {what}{' (lens: only + activity)' if side == 'new-lens' else ''} | {old if side == 'old' else new} "
            f"| {_customers(v['customers'])} | {v['report_s']:.2f} | {v['report_s_min']:.2f} "
            f"| {_num(v.get('report_cpu_s'))} | {v['process_s']:.2f} | {v['imports_s']:.2f} | {v['peak_rss_mb']:,.0f} "
            f"| {_ratio(r, 'report')} | {_ratio(r, 'report_min')} | {_ratio(r, 'report_paired')} "
            f"| {_ratio(r, 'report_cpu')} | {_ratio(r, 'process')} |")
    verdicts = []
    for label, r in c["ratios"].items():
        verdicts.append(f"{label.replace('/new', '')}: {r['report']:.2f} "
                        f"{'PASS' if r['report'] <= LIMIT else 'FAIL'}")
    lines += ["", f"report() new/old ≤ {LIMIT} (issue 15), on the medians: " + "; ".join(verdicts) + ". "
              "(min): the ratio of the fastest runs; (paired): the median of each round's new/old, the two run "
              "one after the other; CPU: the CPU seconds of report() (every DuckDB thread) — all less sensitive to "
              "other work on the machine than the medians' ratio."]
    return "\n".join(lines)


def run(commit: str, sizes: list[int], work_arg: str | None, runs: int, out_path: Path,
        freeze_both: bool = False) -> str:
    temp = None
    if work_arg:
        work = Path(work_arg).resolve()
        work.mkdir(parents=True, exist_ok=True)
    else:
        work = temp = Path(tempfile.mkdtemp(prefix="parcours-compare-", dir="/tmp"))
    texts = []
    try:
        for n in sizes:
            c = compare(commit, n, work, runs, freeze_both)
            results = {}
            if out_path.exists():
                try:
                    results = json.loads(out_path.read_text(encoding="utf-8"))
                except ValueError:
                    results = {}
            results.setdefault("compare_report", {})[f"{c['old_commit'][:7]}/{n}"] = c
            out_path.parent.mkdir(parents=True, exist_ok=True)
            out_path.write_text(json.dumps(results, indent=1, ensure_ascii=False), encoding="utf-8")
            texts.append(markdown(c))
    finally:
        if temp:
            shutil.rmtree(temp, ignore_errors=True)
    return "\n\n".join(texts)
