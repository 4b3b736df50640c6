"""The Data page's actions on the database, serialised with every other use of it (one import at a
time across sessions; readers see the data before or after a batch, never half of it)."""

import csv
import io
import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import streamlit as st

from loaders import demo, settings
from loaders import write as loader
from loaders.errors import InputError, InputErrors
from loaders.validate import Validated
from ui.data import DEMO_FILES, pin_version, resources

KINDS = loader.KINDS


@dataclass
class PendingImport:
    validated: list[Validated] = field(default_factory=list)
    errors: list[InputError] = field(default_factory=list)


def check(paths: dict[str, Path], keep_personal_data: bool = False) -> PendingImport:
    """Validate the uploaded files exactly as the command line does (comments masked unless told to keep personal
    data); nothing is written."""
    db, lock = resources()
    with lock:
        context = loader.import_context(db, keep_personal_data=keep_personal_data)
    try:
        return PendingImport(validated=loader.validate_files(paths, context))
    except InputErrors as exc:
        return PendingImport(errors=exc.errors)


def write(validated: list[Validated], replace_demo: bool = False) -> loader.ImportSummary:
    """Write a checked import; ``replace_demo``: then take the demo out (the user's first import into a database
    that holds only the demo). Written first, so that a failed write leaves the demo as it was."""
    db, lock = resources()
    started = time.perf_counter()
    with lock:
        summary = loader.write_validated(db, validated, source="app")
        if replace_demo:
            demo.remove_demo(db)
    summary.seconds = time.perf_counter() - started  # the write (validation was timed when checked)
    st.cache_data.clear()
    pin_version()  # the rest of this run shows the data it just wrote
    return summary


def errors_csv(errors: list[InputError]) -> bytes:
    """All errors as CSV; a value that a spreadsheet would run as a formula is written as text, without the control
    characters a rejected value may hold (``analytics.exports.clean_cell``)."""
    from analytics.exports import clean_cell

    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["file", "line", "column", "value", "reason"])
    w.writerows([clean_cell(x) for x in e.as_row()] for e in errors)
    return buf.getvalue().encode("utf-8-sig")  # with BOM: Excel opens it as UTF-8


def remove_demo() -> demo.DemoRemoved:
    db, lock = resources()
    with lock:
        done = demo.remove_demo(db)
    st.cache_data.clear()
    pin_version()  # the rest of this run shows the data without the demo
    return done


def history() -> list[dict]:
    db, lock = resources()
    with lock:
        return loader.import_history(db)


def undo_refusal(batch_id: int) -> str | None:
    db, lock = resources()
    with lock:
        return loader.undo_refusal(db, batch_id)


def undo(batch_id: int) -> None:
    db, lock = resources()
    with lock:
        loader.undo_batch(db, batch_id)
    st.cache_data.clear()
    pin_version()  # the rest of this run shows the data it just wrote


def forget(ids: list[str]):
    """Forget customers (``loaders.privacy.forget``): their rows go in one transaction, the log keeps no ID, later
    imports skip them. Returns the result, or the refusal as a message (unknown ID, missing key: nothing deleted)."""
    from loaders.privacy import PrivacyError
    from loaders.privacy import forget as forget_customers

    db, lock = resources()
    try:
        with lock:
            result = forget_customers(db, ids, source="app")
    except PrivacyError as exc:
        return str(exc)
    st.cache_data.clear()
    pin_version()  # a new version: no cached result keeps their data
    return result


def forget_log() -> list[dict]:
    """The forget log, newest first: dates and counts, never the IDs."""
    from loaders.privacy import forget_log as log

    db, lock = resources()
    with lock:
        return log(db)


def reset_to_demo() -> None:
    db, lock = resources()
    with lock:
        loader.clear_data(db)
        loader.run_import(db, DEMO_FILES, source="demo")
    st.cache_data.clear()
    pin_version()  # the rest of this run shows the data it just wrote


def stage_table() -> pd.DataFrame:
    from data_model import stage_model

    db, lock = resources()
    with lock:
        stages = stage_model(db)
    return pd.DataFrame([{"#": s.position, "code": s.code, "FR": s.label_fr, "EN": s.label_en,
                          "conversion": "✔" if s.is_conversion else ""} for s in stages])


def mapping_table() -> pd.DataFrame:
    db, lock = resources()
    with lock:
        mapping = loader.import_context(db).touchpoint_types
    return pd.DataFrame(sorted(mapping.items()), columns=["type", "stage"])


def channel_table() -> pd.DataFrame:
    from sqlmodel import select

    from data_model import Channel

    db, lock = resources()
    with lock, db.session() as s:
        rows = s.exec(select(Channel).order_by(Channel.code)).all()
    return pd.DataFrame([{"code": c.code, "label": c.label, "kind": c.kind} for c in rows])


def save_mapping(table: pd.DataFrame) -> str | None:
    """Save the edited type → stage table; returns the reason it was refused, or None."""
    rows = table.dropna(how="all")
    db, lock = resources()
    try:
        with lock:
            settings.replace_type_mapping(db, dict(zip(rows["type"], rows["stage"], strict=True)))
    except settings.SettingError as exc:
        return str(exc)
    return None


def save_channel_kinds(table: pd.DataFrame) -> str | None:
    db, lock = resources()
    try:
        with lock:
            for code, kind in zip(table["code"], table["kind"], strict=True):
                settings.set_channel_kind(db, code, kind)
    except settings.SettingError as exc:
        return str(exc)
    st.cache_data.clear()
    pin_version()  # the rest of this run shows the data it just wrote
    return None
