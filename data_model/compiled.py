"""Ibis backends that compile each query once.

Compiling an Ibis expression to SQL costs more than running it on a small database: a report's dozen queries take
0.4-0.8 s of Python to compile, and a page or a report asks for the same expressions again and again (another
session, the same page revisited, another filter set of the same shape: a filtered scope's queries read its kept
tables by name, not its filter values). Each backend keeps the SQL it compiled, per expression, in a bounded table
shared by the threads (the app's sessions) that use it.

The key is the expression itself (Ibis operations are immutable and compare by structure), so a hit is the SQL of an
equal expression: same tables by name and schema, same columns, same literals. Nothing is guessed from a signature.
One exception, by construction: the temporary tables a scope keeps its rows in (their names start with
``TEMPORARY_PREFIX`` and end with a random part) stand in the key under numbered stand-in names, and the kept SQL gets
the real names back; so the queries of every scope of one shape, alive together or not, share their SQL.
The table belongs to its backend, not to the process: a key holds its backend (its tables' ``source``), and a
process-wide table would keep every database it ever compiled for open.
"""

import threading
from collections import OrderedDict

import ibis.backends.duckdb
import ibis.backends.postgres
import sqlglot.expressions as sge
from ibis.expr import operations as ops

__all__ = ["MAX_KEPT", "TEMPORARY_PREFIX", "CompiledQueries", "duckdb_backend", "postgres_backend"]

TEMPORARY_PREFIX = "parcours_kept_"
"""The names of a scope's temporary tables start with this (``analytics.metrics.Scope``)."""
_STAND_IN = "parcours_stand_in_"


def _stand_ins(op):
    """``op`` with its temporary tables renamed ``_STAND_IN<i>`` (in the order of their real names), and the real name
    of each stand-in; ``(op, {})`` when it reads none."""
    temporary = sorted({t for t in op.find(ops.DatabaseTable) if t.name.startswith(TEMPORARY_PREFIX)},
                       key=lambda t: t.name)
    if not temporary:
        return op, {}
    stand_ins = {t: t.copy(name=f"{_STAND_IN}{i}") for i, t in enumerate(temporary)}
    return op.replace(stand_ins), {s.name: t.name for t, s in stand_ins.items()}


MAX_KEPT = 1024
"""Entries per database: an entry is a query's SQL text (1-10 kB) or its sqlglot tree (about 90 kB on average,
measured on a report's queries), so a full table holds about 100 MB."""


class CompiledQueries:
    """A least-recently-used table ``(kind, operation, limit)`` → compiled query."""

    def __init__(self, max_kept: int = MAX_KEPT):
        self.max_kept = max_kept
        self._entries: OrderedDict = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key, compile_):
        with self._lock:
            got = self._entries.get(key)
            if got is not None:
                self._entries.move_to_end(key)
                self.hits += 1
                return got
            self.misses += 1
        value = compile_()  # outside the lock: two threads may compile the same query once each, never wait
        with self._lock:
            self._entries[key] = value
            while len(self._entries) > self.max_kept:
                self._entries.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


class _KeptCompiler:
    """A backend's SQL compiler whose ``to_sqlglot`` (used by ``compile`` and ``create_table``) is computed once per
    expression; everything else is the backend's own compiler."""

    def __init__(self, inner, compiled: CompiledQueries):
        self._inner = inner
        self._compiled = compiled

    def __getattr__(self, name):
        return getattr(self._inner, name)

    def to_sqlglot(self, expr, *, limit=None, params=None):
        if params:  # query parameters are values outside the expression: not a key
            return self._inner.to_sqlglot(expr, limit=limit, params=params)
        op, real = _stand_ins(expr.op())
        tree = self._compiled.get(("sqlglot", op, limit), lambda: self._inner.to_sqlglot(op.to_expr(), limit=limit))
        tree = tree.copy()  # the caller may rewrite the tree it gets (``sql(copy=False)``)
        for table in tree.find_all(sge.Table) if real else ():
            if table.name in real:
                table.set("this", sge.to_identifier(real[table.name], quoted=True))
        return tree


class _KeepsCompiled:
    """``compiled``: the backend's kept queries. The SQL text is kept too (generating it from the tree is a tenth of
    compiling)."""

    def _keep_compiled(self):
        self.compiled = CompiledQueries()
        self.compiler = _KeptCompiler(type(self).compiler, self.compiled)
        return self

    def compile(self, expr, /, *, limit=None, params=None, pretty=False):
        if params or pretty:
            return super().compile(expr, limit=limit, params=params, pretty=pretty)
        op, real = _stand_ins(expr.op())
        sql = self.compiled.get(("sql", op, limit),
                                lambda: super(_KeepsCompiled, self).compile(op.to_expr(), limit=limit))
        for stand_in, name in real.items():  # quoted: "…_in_1" is not a prefix of "…_in_10"
            sql = sql.replace(f'"{stand_in}"', f'"{name}"')
        return sql


class _DuckDB(_KeepsCompiled, ibis.backends.duckdb.Backend):
    pass


class _Postgres(_KeepsCompiled, ibis.backends.postgres.Backend):
    pass


def duckdb_backend(connection):
    """``ibis.duckdb.from_connection(connection)``, compiling each query once."""
    return _DuckDB.from_connection(connection)._keep_compiled()


def postgres_backend(connection):
    """``ibis.postgres.from_connection(connection)``, compiling each query once."""
    return _Postgres.from_connection(connection)._keep_compiled()
