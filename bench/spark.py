"""Helpers of the Spark part of the benchmark (``--engines …,spark``): the memory of a process *tree* (PySpark
runs the report's queries in a JVM, a child process of the Python one, whose memory the Python ``VmHWM``
does not include), and the comparison of two reports. Standard library only: imported by the parent and,
lazily, by ``bench.child``.
"""

import math
import os
import subprocess
import threading
import time
from pathlib import Path

PROC = Path("/proc")


def status_kb(pid: int, field: str) -> int | None:
    """``field`` (``VmRSS``, ``VmHWM``…) of ``/proc/<pid>/status`` in KiB; None if gone (or a zombie)."""
    try:
        with open(PROC / str(pid) / "status", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return None


def _has_children_files() -> bool:
    """Whether the kernel provides ``/proc/<pid>/task/<tid>/children`` (CONFIG_PROC_CHILDREN)."""
    return (PROC / str(os.getpid()) / "task" / str(os.getpid()) / "children").exists()


HAS_CHILDREN_FILES = _has_children_files()


def _children(pid: int) -> list[int]:
    """Direct children of every thread of ``pid``, from ``/proc/<pid>/task/*/children``."""
    out: list[int] = []
    try:
        tasks = list((PROC / str(pid) / "task").iterdir())
    except OSError:
        return out
    for task in tasks:
        try:
            out.extend(int(p) for p in (task / "children").read_text().split())
        except OSError:  # the thread (or the process) ended meanwhile
            continue
    return out


def _parent_map() -> dict[int, list[int]]:
    """ppid → pids, from every ``/proc/<pid>/stat`` (the slow way, without ``children`` files)."""
    kids: dict[int, list[int]] = {}
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        kids.setdefault(ppid, []).append(int(entry.name))
    return kids


def descendants(pid: int) -> list[int]:
    """Every live descendant of ``pid`` (children, their children…)."""
    kids_map = None if HAS_CHILDREN_FILES else _parent_map()
    out: list[int] = []
    todo = [pid]
    while todo:
        p = todo.pop()
        kids = _children(p) if kids_map is None else kids_map.get(p, [])
        out.extend(kids)
        todo.extend(kids)
    return out


def tree_peaks(pid: int | None = None) -> dict:
    """Of the descendants of ``pid`` (default: this process), now: how many, their summed ``VmHWM`` (each one's
    own peak) and ``VmRSS``, in MiB. For a PySpark process: the JVM (and the launcher shells, if any)."""
    pids = descendants(os.getpid() if pid is None else pid)
    hwm = sum(status_kb(p, "VmHWM") or 0 for p in pids)
    rss = sum(status_kb(p, "VmRSS") or 0 for p in pids)
    return {"processes": len(pids), "peak_rss_mb": hwm / 1024, "rss_mb": rss / 1024}


class TreePeak(threading.Thread):
    """Polls the summed ``VmRSS`` of a process and its descendants every ``interval`` seconds; ``peak_mb`` is
    the largest sum seen (a lower bound of the true peak: a spike shorter than the interval can be missed)."""

    def __init__(self, pid: int, interval: float = 0.1):
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.peak_kb = 0
        self.max_processes = 0
        self.samples = 0
        self._stop_event = threading.Event()

    def sample(self) -> None:
        pids = [self.pid, *descendants(self.pid)]
        total = sum(status_kb(p, "VmRSS") or 0 for p in pids)
        self.peak_kb = max(self.peak_kb, total)
        self.max_processes = max(self.max_processes, len(pids))
        self.samples += 1

    def run(self) -> None:
        while not self._stop_event.is_set():
            self.sample()
            self._stop_event.wait(self.interval)

    def stop(self) -> dict:
        self._stop_event.set()
        self.join()
        return {"peak_tree_rss_mb": self.peak_kb / 1024, "tree_processes": self.max_processes,
                "tree_samples": self.samples}


def run_tree(cmd: list[str], cwd, timeout: float, interval: float = 0.1) -> tuple[subprocess.CompletedProcess, dict]:
    """Run ``cmd`` to the end (output captured) while polling its process tree's memory; also the wall time."""
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    poller = TreePeak(proc.pid, interval)
    poller.start()
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()  # this child only; PySpark's JVM exits when its parent's pipe to it closes
        proc.communicate()
        poller.stop()
        raise
    wall = time.perf_counter() - t
    info = poller.stop()
    info["wall"] = wall
    return subprocess.CompletedProcess(cmd, proc.returncode, stdout, stderr), info


def java_version() -> str | None:
    try:
        proc = subprocess.run(["java", "-version"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return None
    first = (proc.stderr or proc.stdout).strip().splitlines()
    return first[0] if first else None


def report_differences(actual, expected, path: str = "report", limit: int = 20) -> list[str]:
    """Where two reports differ (as ``tests/unit/test_spark.py`` compares them): same keys and lengths, same
    ints / strings / None (and types), floats equal to 1e-9 relative. At most ``limit`` paths."""
    out: list[str] = []

    def walk(a, e, p):
        if len(out) >= limit:
            return
        if isinstance(e, dict):
            if not isinstance(a, dict) or a.keys() != e.keys():
                got = sorted(a) if isinstance(a, dict) else type(a).__name__
                out.append(f"{p}: keys {got} != {sorted(e)}")
                return
            for k in e:
                walk(a[k], e[k], f"{p}.{k}")
        elif isinstance(e, list):
            if not isinstance(a, list) or len(a) != len(e):
                got = len(a) if isinstance(a, list) else type(a).__name__
                out.append(f"{p}: length {got} != {len(e)}")
                return
            for i, (x, y) in enumerate(zip(a, e, strict=True)):
                walk(x, y, f"{p}[{i}]")
        elif isinstance(e, float):
            same = isinstance(a, float) and (math.isclose(a, e, rel_tol=1e-9, abs_tol=1e-12)
                                             or (math.isnan(a) and math.isnan(e)))
            if not same:
                out.append(f"{p}: {a!r} != {e!r}")
        elif not (a == e and type(a) is type(e)):
            out.append(f"{p}: {a!r} != {e!r}")

    walk(actual, expected, path)
    return out
