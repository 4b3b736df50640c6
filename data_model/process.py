"""Leaving a command-line process."""

import os
import sys


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
