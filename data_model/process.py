"""A command-line process: settling after its imports, and leaving."""

import gc
import os
import sys


def settle() -> None:
    """Take the objects alive after a command's imports (modules, their tables and schemas: some hundreds of
    thousands) out of the cyclic garbage collector's rounds (``gc.freeze``). A report builds about a million
    short-lived objects (Ibis expressions, SQL trees), so the collector's full rounds ran three or four times per
    report and walked every imported object each time: 0.1-0.3 s of a report at 1M customers, measured. Called once,
    by a command-line process after its imports; the app does not (a long-running process's garbage from before the
    call would never be collected)."""
    gc.freeze()


def exit_now(code: int) -> None:
    """Flush and exit without interpreter teardown.

    DuckDB 2.0's bindings (nanobind) print pages of "leaked instance" reports at teardown when pandas
    and SQLAlchemy have touched DuckDB types, which would bury our messages. By the time a command
    returns, its transaction is committed and its database closed, so skipping teardown loses nothing.
    """
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (BrokenPipeError, ValueError):
            pass
    os._exit(code)
