"""Parcours benchmark: ``python -m bench`` (see bench/README.md).

Every measurement runs in a fresh child process (``python -m bench.child JOB ARGS``) so that its wall
time and peak memory are its own. Nothing here is part of the test suite.
"""
