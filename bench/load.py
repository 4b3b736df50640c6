"""``python -m bench.load [--customers 100000] [--sessions 20] [--browsers 2] [--minutes 4] [--out FILE.json]``:
the load test. Not part of the test suite.

It generates the demo company at ``--customers`` into a fresh DuckDB file, starts the real app (``python -m
streamlit run app.py``, from a copy of the working tree) on it, and drives ``--sessions`` concurrent Streamlit
sessions through the eight analysis pages while one more session, in a real browser, imports a CSV export of new
customers through the Data page. It prints a markdown report and writes every number and every page load as JSON.

**Clients.** ``--browsers`` of the sessions are real browsers — Debian's Chromium (``/usr/bin/chromium``, never a
downloaded one) driven by Playwright's async API, one browser context (cookies, websocket: a Streamlit session)
each, French locale; the others are *protocol-level* clients: one websocket each to ``/_stcore/stream`` speaking
Streamlit's own protocol (the protobuf ``BackMsg.rerun_script`` a browser sends when a page opens or the sidebar
switches pages; they read the ``ForwardMsg`` replies up to ``script_finished``). The server does the same work for
both — the script run, queries, charts built and serialised, sent over the websocket; a protocol client just
does not draw them. On the 2-core machine, 20 browsers measure the browsers: in a run with 20 Chromium sessions
they took most of the CPU, the app got 0.2 cores and pages took minutes (``--browsers 20`` reproduces it). So the
default is 18 protocol clients and 2 browsers, which check what users see (exceptions on the page, connection
errors, the URL keeping the filters) and time a page as a user waits for it, including their own drawing.

**Sessions.** Each session opens its first page with the persona filter in the URL (``?persona=…``; each session
has its own persona set: one persona, then pairs, so caches are shared only where filter sets are), then moves to
the next page as a user does: the sidebar's link in a browser (``--navigation goto`` opens every page by URL
instead, a new Streamlit session each time), a page-change ``rerun_script`` with the same URL query for a protocol
client, with ``--think`` seconds between pages. A page time runs from the ``goto()``, the click or the message to
the end of the script run it started: in a browser ``data-test-script-state`` turning ``notRunning`` (watched by a
MutationObserver, no other run in the next 0.5 s), for a protocol client the ``script_finished`` message. Errors:
``stException`` elements / exception deltas, Streamlit connection errors, time-outs, a page that lands elsewhere.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import math
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from bench.machine import machine
from bench.spark import descendants, status_kb

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
#: The analysis pages, by URL path ("" is the overview, at /).
PAGES = ["", "journey-map", "irritants", "voice", "funnel", "channels", "satisfaction", "variants"]
KINDS = ("customers", "touchpoints", "feedback")
IMPORT_SEED = 7
QUIET_MS = 500  # a run is over when no other run starts within this time

#: Installed in every document of every context: records the script-run and connection states of the app.
WATCH_JS = """
(() => {
  const pl = window.__pl = {finished: 0, lastIdleAt: 0, lastChange: Date.now(), connected: false, lost: []};
  const watch = () => {
    const app = document.querySelector("[data-testid='stApp']");
    if (!app) { setTimeout(watch, 20); return; }
    let s = null, c = null;
    const look = () => {
      const ns = app.getAttribute('data-test-script-state'), nc = app.getAttribute('data-test-connection-state');
      const now = Date.now();
      if (ns !== s) {
        pl.lastChange = now;
        // 'initial' until the first run: a 'notRunning' always follows a run, even one over before we looked
        if (ns === 'notRunning') { pl.finished++; pl.lastIdleAt = now; }
        s = ns;
      }
      if (nc !== c) {
        if (nc === 'CONNECTED') pl.connected = true;
        else if (pl.connected) pl.lost.push([nc, now]);
        c = nc;
      }
    };
    look();
    new MutationObserver(look).observe(app, {attributes: true,
      attributeFilter: ['data-test-script-state', 'data-test-connection-state']});
  };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', watch); else watch();
})();
"""
IDLE_JS = f"""before => {{
  const pl = window.__pl, app = document.querySelector("[data-testid='stApp']");
  return !!pl && !!app && pl.finished > before && app.getAttribute('data-test-script-state') === 'notRunning'
    && Date.now() - pl.lastChange > {QUIET_MS};
}}"""
CHECK_JS = """() => {
  const text = el => (el.innerText || '').trim().slice(0, 500);
  return {
    idleAt: window.__pl.lastIdleAt, finished: window.__pl.finished, lost: window.__pl.lost,
    exceptions: [...document.querySelectorAll("[data-testid='stException']")].map(text),
    dialogs: [...document.querySelectorAll("[role='dialog']")].map(text).filter(t => /error|erreur/i.test(t)),
    main: !!document.querySelector("[data-testid='stMainBlockContainer']"),
  };
}"""


def log(msg: str) -> None:
    print(f"[load {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def loadavg() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


# -- data -------------------------------------------------------------------------------------------------

SNAPSHOT_IGNORE = shutil.ignore_patterns(".git", "data", "__pycache__", ".pytest_cache", ".ruff_cache", ".benchmarks",
                                         "*.duckdb", "*.duckdb.wal", "results.json", "load.json", "*.pyc")


def snapshot(dest: Path) -> Path:
    """A copy of the working tree (the code, the shipped demo data and ``.streamlit/``; no ``.git``, no databases).
    The app runs from it: Streamlit reloads the modules whose files change under a running app, and an edit made
    in the repo during the run (by anyone) would otherwise reach the sessions half-way — a reloaded ``data_model``
    re-declares its tables (``Table 'parcours_meta' is already defined``), a reloaded package loses its
    submodules. The test measures one version of the code."""
    shutil.rmtree(dest, ignore_errors=True)
    shutil.copytree(ROOT, dest, ignore=SNAPSHOT_IGNORE)
    return dest


def make_database(url: str, customers: int, code: Path) -> dict:
    """The demo company at ``customers``, as ``python -m loaders sample --db URL --customers N`` writes it."""
    t = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "loaders", "sample", "--db", url, "--customers", str(customers)],
                          cwd=code, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"python -m loaders sample failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return {"seconds": round(time.perf_counter() - t, 1), "output": proc.stdout.strip().splitlines()}


def database_facts(path: Path) -> dict:
    """Row counts and personas (most frequent first), read before the app holds the file."""
    import duckdb

    con = duckdb.connect(str(path), read_only=True)
    try:
        rows = {k: con.execute(f"select count(*) from {k}").fetchone()[0] for k in KINDS}
        personas = [p for (p,) in con.execute(
            "select persona from customers where persona is not null group by persona order by count(*) desc, persona"
        ).fetchall()]
    finally:
        con.close()
    return {"rows": rows, "personas": personas}


def make_import_files(out: Path, customers: int) -> dict:
    """An export of ``customers`` new customers (``loaders.sample.generate(n, seed=7)``) whose customer, touchpoint
    and feedback IDs get an ``L`` prefix, so that none of them is already in the database: every row is new."""
    from loaders import sample

    frames = sample.generate(customers, seed=IMPORT_SEED)
    for kind, column in (("customers", "customer_id"), ("touchpoints", "customer_id"), ("feedback", "customer_id"),
                         ("touchpoints", "touchpoint_id"), ("feedback", "feedback_id")):
        frames[kind][column] = "L" + frames[kind][column]
    sample.write_export(frames, out, fmt="csv")
    files = {k: out / f"{k}.csv" for k in KINDS}
    return {"customers": customers, "seed": IMPORT_SEED, "rows": {k: len(frames[k]) for k in KINDS},
            "files": {k: str(p) for k, p in files.items()},
            "mb": round(sum(p.stat().st_size for p in files.values()) / 2**20, 1)}


def filter_sets(personas: list[str], n: int) -> list[list[str]]:
    """One persona set per session: each persona alone, then pairs, then again from the start."""
    pool = [[p] for p in personas] + [list(c) for c in itertools.combinations(personas, 2)]
    return [pool[i % len(pool)] for i in range(n)]


# -- the app ------------------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_app(url: str, port: int, log_path: Path, code: Path) -> subprocess.Popen:
    logfile = open(log_path, "wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port), "--server.headless", "true",
         "--server.address", "127.0.0.1"],
        cwd=code, env={**os.environ, "PARCOURS_DB_URL": url}, stdout=logfile, stderr=subprocess.STDOUT)
    logfile.close()  # the child has its own copy
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        try:
            if urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2).read() == b"ok":
                return proc
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise SystemExit("streamlit did not start:\n" + log_path.read_text(errors="replace")[-3000:])


def stop_app(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def server_problems(log_path: Path) -> list[str]:
    """Lines of the app's log that tell of a failure (tracebacks, errors), with the traceback's last line."""
    out: list[str] = []
    lines = log_path.read_text(errors="replace").splitlines()
    for i, line in enumerate(lines):
        if line.startswith("Traceback"):
            j = i + 1
            while j < len(lines) and (lines[j].startswith(" ") or not lines[j].strip()):
                j += 1
            out.append(f"traceback: {lines[j] if j < len(lines) else '?'}")
        elif any(w in line for w in ("ERROR", "Error:", "Exception")) and not line.startswith(" "):
            out.append(line.strip()[:300])
    return out


# -- memory and CPU ---------------------------------------------------------------------------------------

CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += sum(int(x) for x in fields[11:15])  # utime, stime, and those of its reaped children
    return total / CLK_TCK


def machine_cpu_seconds() -> tuple[float, float]:
    """(busy, total) CPU seconds of the whole machine since boot, from /proc/stat."""
    vals = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = vals[3] + (vals[4] if len(vals) > 4 else 0)
    return (sum(vals[:8]) - idle) / CLK_TCK, sum(vals[:8]) / CLK_TCK


def tree(pid: int) -> list[int]:
    return [pid, *descendants(pid)]


def rss_mb(pids: list[int]) -> float:
    return sum(status_kb(p, "VmRSS") or 0 for p in pids) / 1024


def pss_mb(pids: list[int]) -> float:
    """Summed proportional set size: memory shared between processes (Chromium's) counted once in all."""
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
                    break
        except (OSError, ValueError):
            continue
    return total / 1024


class Monitor(threading.Thread):
    """Every ``interval`` s: the summed VmRSS of the app (the streamlit process and its children), the summed PSS
    of the browsers (this process's other descendants: Playwright's driver and Chromium's processes, which share
    much of their memory), the 1-min load average, the app's CPU seconds so far. Rows of ``samples``: [s since
    start, app MB, browsers MB, load1, app CPU s]."""

    def __init__(self, app_pid: int, interval: float = 0.5):
        super().__init__(daemon=True)
        self.app_pid, self.interval = app_pid, interval
        self.samples: list[list[float]] = []
        self.t0 = time.time()
        self._stop_event = threading.Event()

    def sample(self) -> list[float]:
        app = tree(self.app_pid)
        row = [round(time.time() - self.t0, 2), round(rss_mb(app), 1), round(pss_mb(self.browser_pids(set(app))), 1),
               round(os.getloadavg()[0], 2), round(cpu_seconds(app), 2)]
        self.samples.append(row)
        return row

    def browser_pids(self, app: set[int] | None = None) -> list[int]:
        app = set(tree(self.app_pid)) if app is None else app
        return [p for p in descendants(os.getpid()) if p not in app]

    def run(self) -> None:
        while not self._stop_event.is_set():
            self.sample()
            self._stop_event.wait(self.interval)

    def stop(self) -> None:
        self._stop_event.set()
        self.join()


def app_cores_max(samples: list[list[float]], window: float) -> float:
    """The app's highest CPU use over any ``window`` seconds of the samples, in cores."""
    best = 0.0
    j = 0
    for i in range(len(samples)):
        while samples[i][0] - samples[j][0] > window:
            j += 1
        if samples[i][0] - samples[j][0] >= window / 2:
            best = max(best, (samples[i][4] - samples[j][4]) / (samples[i][0] - samples[j][0]))
    return round(best, 2)


# -- the sessions ---------------------------------------------------------------------------------------------

class Run:
    """What the sessions share: the clock, the import's window, every page load and every error."""

    def __init__(self, args, base: str):
        self.args, self.base = args, base
        self.t0 = time.time()
        self.deadline = self.t0 + args.minutes * 60
        self.import_start: float | None = None
        self.import_end: float | None = None
        self.import_done = asyncio.Event()
        self.loads: list[dict] = []
        self.errors: list[dict] = []

    def rel(self, t: float) -> float:
        return round(t - self.t0, 3)

    def going_on(self) -> bool:
        return time.time() < self.deadline or not self.import_done.is_set()

    def error(self, session: str, page: str, kind: str, message: str) -> None:
        self.errors.append({"t": self.rel(time.time()), "session": session, "page": page or "/", "kind": kind,
                            "message": message})
        log(f"ERROR {session} /{page}: {kind}: {message[:400]}")

    def record(self, client: str, session: str, path: str, how: str, t0: float, t1: float, errors: int,
               **extra) -> dict:
        rec = {"client": client, "session": session, "page": path or "/", "how": how, "start": self.rel(t0),
               "end": self.rel(t1), "seconds": round(t1 - t0, 3), "errors": errors, **extra}
        self.loads.append(rec)
        return rec


def first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text.splitlines()[0] if text else ''}"


# Browsers.

async def browser_load(page, run: Run, session: str, path: str, query: str, how: str) -> dict | None:
    """One page load in a browser: ``goto`` the URL (``open``) or click the sidebar's link (``switch``); returns
    its record, or None when it failed (time-out, crashed page)."""
    timeout = run.args.timeout * 1000
    before = 0 if how == "open" else await page.evaluate("window.__pl ? window.__pl.finished : 0")
    lost_before = 0 if how == "open" else len(await page.evaluate("window.__pl ? window.__pl.lost : []"))
    t0 = time.time()
    try:
        if how == "open":
            await page.goto(f"{run.base}/{path}" + (f"?{query}" if query else ""), wait_until="commit",
                            timeout=timeout)
        else:
            await page.locator(f"[data-testid='stSidebarNavLink'][href='{run.base}/{path}']").click(timeout=timeout)
        await page.wait_for_function(IDLE_JS, arg=before, timeout=timeout, polling=100)
        state = await page.evaluate(CHECK_JS)
    except Exception as exc:  # Playwright's TimeoutError, a crashed page…
        run.error(session, path, "timeout" if "Timeout" in type(exc).__name__ else "browser",
                  f"{'goto' if how == 'open' else 'click'}: {first_line(exc)}")
        return None
    errors = 0
    for text in state["exceptions"]:
        run.error(session, path, "exception", text)
        errors += 1
    for text in state["dialogs"]:
        run.error(session, path, "dialog", text)
        errors += 1
    for conn, at in state["lost"][lost_before:]:
        run.error(session, path, "connection", f"connection state {conn} at +{run.rel(at / 1000)} s")
        errors += 1
    if not state["main"]:
        run.error(session, path, "empty", "no stMainBlockContainer after the run")
        errors += 1
    landed = urllib.parse.urlsplit(page.url)
    if landed.path.rstrip("/") != f"/{path}".rstrip("/") or \
            sorted(urllib.parse.parse_qsl(landed.query)) != sorted(urllib.parse.parse_qsl(query)):
        run.error(session, path, "url", f"landed on {page.url} — {await url_diagnosis(page)}")
        errors += 1
    return run.record("browser", session, path, how, t0, state["idleAt"] / 1000, errors)


async def url_diagnosis(page) -> str:
    """What the page shows when its URL is not the expected one: the persona filter in the sidebar, the sentence
    under the filters, and the URL a few seconds later (a late URL update, or a filter really lost)."""
    try:
        chosen = await page.locator("[data-testid='stSidebar'] [data-testid='stMultiSelect']").first.inner_text(
            timeout=5000)
        caption = await page.locator("[data-testid='stSidebar'] [data-testid='stCaptionContainer']").first.inner_text(
            timeout=5000)
        await page.wait_for_timeout(3000)
        return (f"persona filter shown: {' '.join(chosen.split())!r}; sidebar says {' '.join(caption.split())!r}; "
                f"URL 3 s later: {page.url}")
    except Exception as exc:
        return f"(no diagnosis: {type(exc).__name__})"


async def new_page(browser):
    context = await browser.new_context(viewport={"width": 1440, "height": 900}, locale="fr-FR")
    await context.add_init_script(WATCH_JS)
    return context, await context.new_page()


async def browser_session(browser, run: Run, name: str, query: str, first: int, rng: random.Random) -> None:
    context, page = await new_page(browser)
    page.on("pageerror", lambda exc: run.error(name, "?", "pageerror", str(exc)))
    k, how = first, "open"
    try:
        while run.going_on():
            record = await browser_load(page, run, name, PAGES[k], query, how)
            # after a failure, the next page is opened by its URL (a new Streamlit session: the sidebar may be gone)
            how = "open" if record is None or record["errors"] or run.args.navigation == "goto" else "switch"
            k = (k + 1) % len(PAGES)
            await asyncio.sleep(run.args.think * rng.uniform(0.5, 1.5))
    finally:
        await context.close()


# Protocol-level clients.

FINISHED = ForwardMsg.ScriptFinishedStatus


async def ws_connect(base: str, timeout: float):
    host = urllib.parse.urlsplit(base).netloc
    # as a browser: the "streamlit" subprotocol, the page's origin, no client pings (browsers only answer the
    # server's), no frame size limit
    return await websockets.connect(f"ws://{host}/_stcore/stream", subprotocols=["streamlit"],
                                    origin=f"http://{host}", max_size=None, ping_interval=None,
                                    open_timeout=timeout)


async def protocol_load(ws, run: Run, session: str, path: str, query: str, how: str, t0: float) -> dict | None:
    """Ask for a page as a browser does (``rerun_script`` with the URL's query and the page's URL path) and read
    the replies up to the end of the run. None when the connection failed or the run did not end in time."""
    msg = BackMsg()
    state = msg.rerun_script
    state.query_string = query
    state.page_name = path
    state.context_info.locale = "fr-FR"
    state.context_info.timezone = "Europe/Paris"
    state.context_info.url = f"{run.base}/{path}" + (f"?{query}" if query else "")
    limit = t0 + run.args.timeout
    started, received, messages, errors = False, 0, 0, 0
    try:
        await ws.send(msg.SerializeToString())
        while True:
            data = await asyncio.wait_for(ws.recv(), timeout=max(0.1, limit - time.time()))
            fwd = ForwardMsg()
            fwd.ParseFromString(data)
            kind = fwd.WhichOneof("type")
            if kind == "new_session":  # every run starts with it; what comes before is the previous run's tail
                started = True
            if not started:
                continue
            received += len(data)
            messages += 1
            if kind == "delta" and fwd.delta.WhichOneof("type") == "new_element" \
                    and fwd.delta.new_element.WhichOneof("type") == "exception":
                exc = fwd.delta.new_element.exception
                run.error(session, path, "exception", f"{exc.type}: {exc.message}")
                errors += 1
            elif kind == "page_not_found":
                run.error(session, path, "page not found", fwd.page_not_found.page_name)
                errors += 1
            elif kind == "script_finished":
                if fwd.script_finished == FINISHED.FINISHED_EARLY_FOR_RERUN:
                    started = False  # another run follows; this page's time runs until its end
                    continue
                if fwd.script_finished == FINISHED.FINISHED_WITH_COMPILE_ERROR:
                    run.error(session, path, "compile error", "the script did not compile")
                    errors += 1
                break
    except TimeoutError:
        run.error(session, path, "timeout", f"no end of run within {run.args.timeout:.0f} s")
        return None
    except websockets.ConnectionClosed as exc:
        run.error(session, path, "connection", first_line(exc))
        return None
    return run.record("protocol", session, path, how, t0, time.time(), errors, bytes=received, messages=messages)


async def protocol_session(run: Run, name: str, query: str, first: int, rng: random.Random) -> None:
    ws, k = None, first
    try:
        while run.going_on():
            t0 = time.time()
            how = "switch"
            if ws is None:
                how = "open"
                try:
                    ws = await ws_connect(run.base, run.args.timeout)
                except Exception as exc:
                    run.error(name, PAGES[k], "connection", f"connect: {first_line(exc)}")
                    await asyncio.sleep(5)
                    continue
            record = await protocol_load(ws, run, name, PAGES[k], query, how, t0)
            if record is None or record["errors"]:  # start again with a new session, as a browser reloading
                await ws.close()
                ws = None
            k = (k + 1) % len(PAGES)
            await asyncio.sleep(run.args.think * rng.uniform(0.5, 1.5))
    finally:
        if ws is not None:
            await ws.close()


async def session(browser, run: Run, i: int, personas: list[str]) -> None:
    """Session ``i``: a browser for the first ``--browsers`` of them, else a protocol client; starts on page i."""
    await asyncio.sleep(i * run.args.ramp / max(run.args.sessions, 1))
    query = urllib.parse.urlencode([("persona", p) for p in personas])
    rng = random.Random(i)
    if i < run.args.browsers:
        await browser_session(browser, run, f"b{i:02d}", query, i % len(PAGES), rng)
    else:
        await protocol_session(run, f"p{i:02d}", query, i % len(PAGES), rng)


async def importer(browser, run: Run, files: dict) -> dict:
    """One more session, in a browser: opens the Data page and imports the three files (upload, "Vérifier",
    "Écrire dans la base", "Import terminé"); the times of its steps and the import's summary."""
    name = "import"
    out: dict = {"ok": False}
    timeout = run.args.timeout * 1000
    await asyncio.sleep(max(0.0, run.t0 + run.args.import_at - time.time()))
    context, page = await new_page(browser)
    page.on("pageerror", lambda exc: run.error(name, "data", "pageerror", str(exc)))
    try:
        t = time.time()
        await page.goto(f"{run.base}/data", wait_until="commit", timeout=timeout)
        await page.wait_for_function(IDLE_JS, arg=0, timeout=timeout, polling=100)
        out["open_data_page_s"] = round(await page.evaluate("window.__pl.lastIdleAt") / 1000 - t, 2)
        run.import_start = time.time()
        out["start"] = run.rel(run.import_start)
        log(f"import: uploading {files['mb']} MB")
        inputs = page.locator("[data-testid='stFileUploaderDropzoneInput']")
        for n, kind in enumerate(KINDS):
            before = await page.evaluate("window.__pl.finished")
            await inputs.nth(n).set_input_files(files["files"][kind], timeout=timeout)
            await page.wait_for_function(IDLE_JS, arg=before, timeout=timeout, polling=100)
        out["uploaded"] = run.rel(time.time())
        await page.get_by_role("button", name="Vérifier").click(timeout=timeout)
        await page.get_by_text("Fichiers valides").wait_for(timeout=timeout)
        out["checked"] = run.rel(time.time())
        log("import: checked, writing")
        await page.get_by_role("button", name="Écrire dans la base").click(timeout=timeout)
        await page.get_by_text("Import terminé").wait_for(timeout=timeout)
        run.import_end = time.time()
        out["end"] = run.rel(run.import_end)
        out["summary"] = (await page.locator("[data-testid='stCode']").first.inner_text(timeout=timeout)).splitlines()
        for text in await page.locator("[data-testid='stException']").all_inner_texts():
            run.error(name, "data", "exception", text)
        out["ok"] = True
        log(f"import: done in {run.import_end - run.import_start:.1f} s")
    except Exception as exc:
        run.error(name, "data", "import", first_line(exc))
    finally:
        if run.import_start is not None and run.import_end is None:
            run.import_end = time.time()
        run.import_done.set()
        await context.close()
    return out


async def warm_up(base: str, timeout: float) -> float:
    """Not measured: one unfiltered overview, so that the app's start (imports, the database, the filter
    catalogue) is not charged to the first session."""
    t0 = time.time()
    ws = await ws_connect(base, timeout)
    try:
        msg = BackMsg()
        msg.rerun_script.page_name = ""
        msg.rerun_script.context_info.locale = "fr-FR"
        await ws.send(msg.SerializeToString())
        while True:
            fwd = ForwardMsg()
            fwd.ParseFromString(await asyncio.wait_for(ws.recv(), timeout=max(0.1, t0 + timeout - time.time())))
            if fwd.WhichOneof("type") == "script_finished" and \
                    fwd.script_finished != FINISHED.FINISHED_EARLY_FOR_RERUN:
                break
    finally:
        await ws.close()
    return round(time.time() - t0, 2)


async def drive(args, base: str, sets: list[list[str]], files: dict, monitor: Monitor) -> dict:
    from playwright.async_api import async_playwright

    warmup = await warm_up(base, args.timeout)
    log(f"warm-up (unfiltered overview, first run of the app): {warmup} s")
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        run = Run(args, base)
        cpu0 = {"app": cpu_seconds(tree(monitor.app_pid)), "browsers": cpu_seconds(monitor.browser_pids()),
                "clients": cpu_seconds([os.getpid()]), "machine": machine_cpu_seconds()}
        load_before = loadavg()
        log(f"{args.sessions} sessions ({args.browsers} browsers) for {args.minutes} min, import at "
            f"+{args.import_at:.0f} s; load {load_before}")
        jobs = [session(browser, run, i, s) for i, s in enumerate(sets)]
        results = await asyncio.gather(importer(browser, run, files), *jobs, return_exceptions=True)
        for r in results:
            if isinstance(r, BaseException):
                run.error("?", "?", "crash", first_line(r))
        wall = time.time() - run.t0
        busy1, total1 = machine_cpu_seconds()
        cpu = {"app": cpu_seconds(tree(monitor.app_pid)) - cpu0["app"],
               "browsers": cpu_seconds(monitor.browser_pids()) - cpu0["browsers"],
               "protocol_clients": cpu_seconds([os.getpid()]) - cpu0["clients"],
               "machine_busy": busy1 - cpu0["machine"][0], "machine_total": total1 - cpu0["machine"][1]}
        await browser.close()
    imp = results[0] if isinstance(results[0], dict) else {"ok": False}
    return {"warmup_s": warmup, "t0": run.t0, "wall_s": round(wall, 1), "loads": run.loads, "errors": run.errors,
            "import": imp, "loadavg_before": load_before, "loadavg_after": loadavg(),
            "cpu_seconds": {k: round(v, 1) for k, v in cpu.items()}}


# -- the report ---------------------------------------------------------------------------------------------

def pct(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile."""
    if not values:
        return None
    s = sorted(values)
    return s[max(0, math.ceil(q * len(s)) - 1)]


def stats(values: list[float]) -> dict:
    return {"n": len(values), "median": round(statistics.median(values), 2) if values else None,
            "p95": pct(values, 0.95), "max": max(values) if values else None}


def phase(load: dict, imp: dict) -> str:
    if "start" not in imp:
        return "no import"
    end = imp.get("end", float("inf"))
    if load["end"] < imp["start"]:
        return "before"
    if load["start"] > end:
        return "after"
    return "during"


def summarise(res: dict) -> dict:
    loads, imp = res["loads"], res["import"]
    for x in loads:
        x["phase"] = phase(x, imp)

    def secs(**where) -> list[float]:
        return [x["seconds"] for x in loads if all(x[k] == v for k, v in where.items())]

    by = {"all page loads": stats(secs())}
    for client in ("protocol", "browser"):
        for how, label in (("open", "first page (new session)"), ("switch", "page change")):
            by[f"{client}: {label}"] = stats(secs(client=client, how=how))
    for p in ("before", "during", "after"):
        by[f"{p} the import"] = stats(secs(phase=p))
        by[f"{p} the import, page changes only"] = stats(secs(phase=p, how="switch"))
    pages = {p or "/": {"all": stats(secs(page=p or "/")), "during": stats(secs(page=p or "/", phase="during"))}
             for p in PAGES}
    return {"by": by, "pages": pages}


def fmt(s: dict) -> str:
    if not s["n"]:
        return "— | — | — | 0"
    return f"{s['median']:.2f} | {s['p95']:.2f} | {s['max']:.2f} | {s['n']}"


def markdown(r: dict) -> str:
    m, a, res, summ = r["machine"], r["args"], r["result"], r["summary"]
    imp, mem, cpu, wall = res["import"], r["memory"], res["cpu_seconds"], res["wall_s"]
    n_proto = a["sessions"] - a["browsers"]
    others = max(0.0, cpu["machine_busy"] - cpu["app"] - cpu["browsers"] - cpu["protocol_clients"])
    lines = [
        f"**Load test** — `{r['command']}` ({r['when']})",
        "",
        f"Machine: {m['nproc']} CPUs ({m['cpu_model']}), {m['mem_total_gb']} GB; Python {m['python']}, streamlit "
        f"{m['streamlit']}, duckdb {m['duckdb']}. Data: {a['customers']:,} customers, "
        f"{r['data']['rows']['touchpoints']:,} touchpoints, {r['data']['rows']['feedback']:,} feedback (DuckDB file).",
        "",
        f"Clients, **on the same {m['nproc']}-core machine as the app** (their CPU is the app's loss): "
        f"{n_proto} protocol-level sessions (websocket, Streamlit's messages, no drawing) and {a['browsers']} real "
        f"browser sessions (headless Chromium via Playwright; their page times include the browser's own work), "
        f"+ 1 browser session importing. Navigation: first page by URL, then "
        + ("page changes (the sidebar's links in the browsers)" if a["navigation"] == "click"
           else "every page by URL in the browsers")
        + f"; think time {a['think']} s ± 50 %; persona filter in the URL, a persona set per session; "
        f"{wall / 60:.1f} min of load (sessions ramped up over {a['ramp']:.0f} s; they go on until the import is "
        "over).",
        "",
        "| | value |",
        "|---|---|",
        f"| sessions | {n_proto} protocol + {a['browsers']} browsers, + 1 browser importing |",
        f"| page loads | {len(res['loads'])} |",
        f"| **errors** | **{len(res['errors'])}**" + (" (listed below)" if res["errors"] else "") + " |",
    ]
    if imp.get("ok"):
        f = r["import_files"]
        lines.append(
            f"| import during the load | {f['customers']:,} new customers, {f['rows']['touchpoints']:,} touchpoints, "
            f"{f['rows']['feedback']:,} feedback ({f['mb']} MB of CSV) through the Data page (opened in "
            f"{imp['open_data_page_s']:.1f} s): from +{imp['start']:.0f} s to +{imp['end']:.0f} s — upload "
            f"{imp['uploaded'] - imp['start']:.1f} s, check {imp['checked'] - imp['uploaded']:.1f} s, write "
            f"{imp['end'] - imp['checked']:.1f} s |")
    else:
        lines.append("| import during the load | **failed** (see the errors) |")
    lines += [
        f"| app memory (streamlit process, VmRSS) | peak {mem['app_peak_mb']:,.0f} MB (polled every "
        f"{mem['interval_s']} s; kernel's VmHWM {mem['app_hwm_mb']:,.0f} MB), {mem['app_end_mb']:,.0f} MB at the "
        "end |",
        f"| browsers' memory (Playwright + Chromium, summed PSS) | peak {mem['browsers_peak_mb']:,.0f} MB |",
        f"| CPU during the load (cores, average) | app {cpu['app'] / wall:.2f}, browsers {cpu['browsers'] / wall:.2f}, "
        f"this process (protocol clients, Playwright's Python side) {cpu['protocol_clients'] / wall:.2f}, "
        f"everything else on the machine {others / wall:.2f}; "
        f"machine busy {cpu['machine_busy'] / max(cpu['machine_total'], 1e-9):.0%}; the app's busiest 10 s: "
        f"{mem['app_cores_max_10s']:.2f} cores |",
        f"| load average (1, 5, 15 min) | before {res['loadavg_before']}, after {res['loadavg_after']}, "
        f"1-min max during {mem['load1_max']} |",
        "",
        "Page time (s): from the request (URL, click or message) to the end of the script run it started.",
        "",
        "| page loads | median | p95 | max | n |",
        "|---|---:|---:|---:|---:|",
    ]
    lines += [f"| {k} | {fmt(v)} |" for k, v in summ["by"].items() if v["n"]]
    lines += ["", "Per page (s), all clients; *during* = page loads that overlapped the import:", "",
              "| page | median | p95 | max | n | during: median | p95 | max | n |",
              "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for p, v in summ["pages"].items():
        lines.append(f"| {p} | {fmt(v['all'])} | {fmt(v['during'])} |")
    if res["errors"]:
        lines += ["", "Errors:", ""] + [f"- +{e['t']:.0f} s {e['session']} {e['page']} — {e['kind']}: "
                                        f"{' '.join(e['message'].split())[:500]}" for e in res["errors"]]
    if r["server_problems"]:
        lines += ["", "The app's log:", ""] + [f"- {x}" for x in r["server_problems"][:30]]
    return "\n".join(lines)


# -- main ---------------------------------------------------------------------------------------------------

def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench.load",
                                description="The load test: concurrent sessions on the demo data while an import "
                                            "runs (see bench/load.py).")
    p.add_argument("--customers", type=int, default=100_000, help="size of the demo company (default 100000)")
    p.add_argument("--sessions", type=int, default=20, help="concurrent sessions going through the pages "
                                                            "(default 20)")
    p.add_argument("--browsers", type=int, default=2, help="how many of them are real browsers, the others "
                                                           "protocol-level clients (default 2)")
    p.add_argument("--minutes", type=float, default=4.0, help="minutes of load (default 4; the sessions go on "
                                                              "until the import is over)")
    p.add_argument("--out", default=str(ROOT / "bench" / "load.json"), help="JSON results (default "
                                                                            "bench/load.json)")
    p.add_argument("--import-customers", type=int, default=20_000, help="new customers imported during the load")
    p.add_argument("--import-at", type=float, default=None, help="seconds after the start of the load when the "
                                                                 "import starts (default: a third of it)")
    p.add_argument("--navigation", choices=["click", "goto"], default="click",
                   help="in the browsers, after the first page: the sidebar's links (default) or every page by URL")
    p.add_argument("--think", type=float, default=1.0, help="seconds between page loads, ± 50 %% (default 1)")
    p.add_argument("--ramp", type=float, default=20.0, help="seconds over which the sessions start (default 20)")
    p.add_argument("--timeout", type=float, default=300.0, help="seconds before a page load counts as an error")
    p.add_argument("--work", help="folder for the database and the files (kept); default a temp dir, deleted")
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    args.browsers = max(0, min(args.browsers, args.sessions))
    if args.import_at is None:
        args.import_at = args.minutes * 60 / 3
    if not os.path.exists(CHROMIUM):
        raise SystemExit(f"{CHROMIUM} is missing: `apt-get install chromium` (scripts/setup-tests.sh does)")
    command = "python -m bench.load " + " ".join(argv if argv is not None else sys.argv[1:])
    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="parcours-load-"))
    work.mkdir(parents=True, exist_ok=True)
    db_path = work / "load.duckdb"
    for f in (db_path, db_path.with_suffix(".duckdb.wal")):
        f.unlink(missing_ok=True)
    url = f"duckdb:///{db_path}"
    try:
        code = snapshot(work / "app")
        log(f"the app runs from a copy of the working tree: {code}")
        log(f"generating {args.customers:,} customers into {db_path}")
        made = make_database(url, args.customers, code)
        facts = database_facts(db_path)
        log(f"  {made['seconds']} s: {facts['rows']}; personas {facts['personas']}")
        log(f"generating the import: {args.import_customers:,} new customers (seed {IMPORT_SEED})")
        files = make_import_files(work / "import", args.import_customers)
        sets = filter_sets(facts["personas"], args.sessions)
        port = free_port()
        log_path = work / "streamlit.log"
        app = start_app(url, port, log_path, code)
        monitor = Monitor(app.pid)
        monitor.start()
        try:
            res = asyncio.run(drive(args, f"http://127.0.0.1:{port}", sets, files, monitor))
        finally:
            monitor.stop()
            end_row = monitor.sample()
            hwm = status_kb(app.pid, "VmHWM") or 0
            stop_app(app)
        problems = server_problems(log_path)
        samples = monitor.samples
        t_load = res["t0"] - monitor.t0  # the load, after the warm-up
        during = [s for s in samples if s[0] >= t_load] or samples
        memory = {"app_peak_mb": max(s[1] for s in samples), "app_peak_during_load_mb": max(s[1] for s in during),
                  "app_hwm_mb": hwm / 1024, "app_end_mb": end_row[1],
                  "browsers_peak_mb": max(s[2] for s in samples), "load1_max": max(s[3] for s in during),
                  "app_cores_max_10s": app_cores_max(during, 10.0),
                  "interval_s": monitor.interval, "samples": samples}
        report = {"command": command, "machine": machine(), "args": vars(args), "data": {**facts, "made": made},
                  "import_files": {k: v for k, v in files.items() if k != "files"}, "filter_sets": sets,
                  "result": res, "memory": memory, "server_problems": problems,
                  "when": time.strftime("%Y-%m-%d %H:%M")}
        report["summary"] = summarise(res)
        text = markdown(report)
        print(text)
        report["markdown"] = text
        Path(args.out).write_text(json.dumps(report, indent=1, ensure_ascii=False, default=str), encoding="utf-8")
        log(f"results in {args.out}")
        return 0 if not res["errors"] and res["import"].get("ok") else 1
    finally:
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
