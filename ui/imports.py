"""The Data page's actions on the database, serialised with every other use of it (one import at a
time across sessions; readers see the data before or after a batch, never half of it)."""

import csv
import io
import time
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import streamlit as st

from i18n import CATALOGUE, Texts, missing
from loaders import demo, settings
from loaders import write as loader
from loaders.errors import InputError, InputErrors, render, row_header
from loaders.validate import Validated
from ui.data import DEMO_FILES, pin_version, resources
from ui.i18n import language

KINDS = loader.KINDS


@dataclass
class PendingImport:
    validated: list[Validated] = field(default_factory=list)
    errors: list[InputError] = field(default_factory=list)
    on_error: str = "refuse"  # refuse | quarantine: the invalid rows of ``validated`` are set aside (``rejected``)

    @property
    def rejected(self) -> int:
        return sum(len(v.rejected) for v in self.validated if v.rejected is not None)


def check(paths: dict[str, Path], keep_personal_data: bool = False, on_error: str = "refuse") -> PendingImport:
    """Validate the uploaded files exactly as the command line does (comments masked unless told to keep personal
    data; with ``on_error="quarantine"``, invalid rows set aside while the files are still there to read them
    from); nothing is written."""
    db, lock = resources()
    with lock:
        context = loader.import_context(db, keep_personal_data=keep_personal_data)
    try:
        return PendingImport(validated=loader.validate_files(paths, context, on_error=on_error), on_error=on_error)
    except InputErrors as exc:
        return PendingImport(errors=exc.errors, on_error=on_error)


def rejected_csv(v: Validated, lang: str | None = None) -> bytes:
    """A file's rejected rows (``loaders.quarantine.Rejected.csv``): line, column, reason in ``lang``, then the row
    as read; formulas written as text."""
    return v.rejected.csv(lang)


def rejected_file_name(v: Validated) -> str:
    from loaders.quarantine import default_rejected_path

    return default_rejected_path(v.file_name).name


def write(validated: list[Validated], replace_demo: bool = False,
          on_error: str = "refuse") -> loader.ImportSummary | str:
    """Write a checked import; ``replace_demo``: then take the demo out (the user's first import into a database
    that holds only the demo). Written first, so that a failed write leaves the demo as it was. A full disk is the
    refusal's message in the session's language (the import was rolled back: nothing written)."""
    db, lock = resources()
    started = time.perf_counter()
    with lock:
        try:
            summary = loader.write_validated(db, validated, source="app", on_error=on_error)
        except loader.DiskFull as exc:
            return exc.message.render(language())
        if replace_demo:
            demo.remove_demo(db)
    summary.seconds = time.perf_counter() - started  # the write (validation was timed when checked)
    st.cache_data.clear()
    pin_version()  # the rest of this run shows the data it just wrote
    return summary


def in_language(message) -> str:
    """A loader's message (a validation note: a ``loaders.errors.Message`` or plain text) in the session's
    language."""
    return render(message, language())


def errors_csv(errors: list[InputError], lang: str | None = None) -> bytes:
    """All errors as CSV, headers and reasons in ``lang`` (English by default; positions and values as in the
    files); a value that a spreadsheet would run as a formula is written as text, without the control characters a
    rejected value may hold (``analytics.exports.clean_cell``)."""
    from analytics.exports import clean_cell

    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(row_header(lang))
    w.writerows([clean_cell(x) for x in e.as_row(lang)] for e in errors)
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


def undo_refusal(batch_id: int, lang: str | None = None) -> str | None:
    db, lock = resources()
    with lock:
        return loader.undo_refusal(db, batch_id, lang)


def undo(batch_id: int) -> None:
    db, lock = resources()
    with lock:
        loader.undo_batch(db, batch_id)
    st.cache_data.clear()
    pin_version()  # the rest of this run shows the data it just wrote


def forget(ids: list[str], lang: str | None = None):
    """Forget customers (``loaders.privacy.forget``): their rows go in one transaction, the log keeps no ID, later
    imports skip them. Returns the result, or the refusal as a message in ``lang`` (unknown ID, missing key: nothing
    deleted)."""
    from loaders.privacy import PrivacyError
    from loaders.privacy import forget as forget_customers

    db, lock = resources()
    try:
        with lock:
            result = forget_customers(db, ids, source="app")
    except PrivacyError as exc:
        return exc.message_in(lang)
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
    return pd.DataFrame([{"code": c.code, "label": c.label, "kind": c.kind, "operational": bool(c.operational)}
                         for c in rows], columns=["code", "label", "kind", "operational"])


def save_mapping(table: pd.DataFrame, lang: str | None = None) -> str | None:
    """Save the edited type → stage table; returns the reason it was refused (in ``lang``), or None."""
    rows = table.dropna(how="all")
    db, lock = resources()
    try:
        with lock:
            settings.replace_type_mapping(db, dict(zip(rows["type"], rows["stage"], strict=True)))
    except settings.SettingError as exc:
        return exc.message_in(lang)
    return None


def save_channel_kinds(table: pd.DataFrame, lang: str | None = None) -> str | None:
    """Save the edited channels table: each channel's kind and whether it is operational (not a journey channel)."""
    db, lock = resources()
    operational = table["operational"] if "operational" in table.columns else [None] * len(table)
    try:
        with lock:
            for code, kind, op in zip(table["code"], table["kind"], operational, strict=True):
                settings.set_channel_kind(db, code, kind, None if op is None or pd.isna(op) else bool(op))
    except settings.SettingError as exc:
        return exc.message_in(lang)
    st.cache_data.clear()
    pin_version()  # the rest of this run shows the data it just wrote
    return None


def save_analysis_settings(values: dict, lang: str | None = None) -> str | None:
    """Save the analysis settings edited on the Data page (``{name: text}``): the refusal in ``lang``, or None."""
    db, lock = resources()
    try:
        with lock:
            settings.set_analysis_settings(db, values)
    except settings.SettingError as exc:
        return exc.message_in(lang)
    st.cache_data.clear()
    pin_version()  # the rest of this run shows the figures under the new settings
    return None


# --- what the Data page shows, in the session's language (pure: tests call them directly) --------------------

# The preview's columns, in order, under their names in the language; the rest (natural_key, the channel's code,
# the type's code) is internal. A validated frame's "channel" is the code: the label is what the file wrote.
PREVIEW_FIELDS = ("line", "customer_id", "persona", "segment", "region", "signup_date", "churned", "churn_date",
                  "timestamp", "channel_label", "stage", "touchpoint", "revenue", "touchpoint_id", "nps", "csat",
                  "comment", "feedback_id")
_DAYS = ("signup_date", "churn_date")


def error_table(errors: list[InputError], lang: str | None) -> pd.DataFrame:
    """The errors as a table: headers and reasons in ``lang``; file, line, column and value as found."""
    return pd.DataFrame([e.as_row(lang) for e in errors], columns=list(row_header(lang)))


def preview_table(frame: pd.DataFrame, lang: str | None, stage_labels: dict[str, str] | None = None) -> pd.DataFrame:
    """A validated file's first rows as a person reads them: no internal field, columns named in ``lang``, stages
    by their label, dates and amounts in the language's format, yes/no in words, empty cells for missing values;
    an optional column with nothing in these rows (often: not in the file) is left out."""
    tx = Texts(lang)
    stage_labels = stage_labels or {}
    shown = {}
    for name in PREVIEW_FIELDS:
        if name not in frame.columns:
            continue
        values = frame[name]
        if name == "stage":
            cells = [stage_labels.get(v, v) for v in values.astype(object)]
        elif name in _DAYS:
            cells = [tx.day(v.date()) if not _missing(v) else "" for v in values]
        elif name == "timestamp":
            cells = [tx.moment(v.to_pydatetime()) if not _missing(v) else "" for v in values]
        elif name == "churned":
            cells = [tx.t("data.yes" if v else "data.no") if not _missing(v) else "" for v in values.astype(object)]
        elif name == "revenue":
            cells = [tx.number(v, 2) if not _missing(v) else "" for v in values]
        else:
            cells = values.astype(object)
        cells = ["" if _missing(c) else str(c) for c in cells]
        if any(cells) or name in ("line", "customer_id"):
            shown[tx.t(f"data.field.{name}")] = cells
    return pd.DataFrame(shown, index=range(len(frame)))


def _missing(value) -> bool:
    return value is pd.NaT or missing(value)


def history_table(files: list[dict], lang: str | None) -> pd.DataFrame:
    """A batch's files: kind in words, the file's fingerprint shortened, counts in the language's format."""
    tx = Texts(lang)
    rows = [{tx.t("data.history.kind"): tx.t(f"data.kind.{f['kind']}") if f["kind"] in KINDS else f["kind"],
             tx.t("data.history.file"): f["file_name"],
             tx.t("data.history.sha256"): (f.get("sha256") or "")[:12],
             tx.t("data.history.read"): tx.number(f["rows_read"]),
             tx.t("data.history.inserted"): tx.number(f["inserted"]),
             tx.t("data.history.updated"): tx.number(f["updated"]),
             tx.t("data.history.unchanged"): tx.number(f["unchanged"]),
             tx.t("data.history.rejected"): tx.number(f.get("rejected") or 0)} for f in files]
    return pd.DataFrame(rows)


def source_label(source: str, lang: str | None) -> str:
    """Where a batch came from (app, import, demo, sample), in words."""
    key = f"data.source.{source}"
    from loaders.profile import BATCH_SOURCE_PREFIX

    if source.startswith(BATCH_SOURCE_PREFIX):
        return Texts(lang).t("data.source.profile", source=source.removeprefix(BATCH_SOURCE_PREFIX))
    return Texts(lang).t(key) if key in CATALOGUE else source


def import_links(path: Path) -> dict | list[InputError]:
    """Import a links file and stitch (``loaders.identities``): what it did, or the errors (nothing written)."""
    from loaders.identities import import_links as run

    db, lock = resources()
    with lock:
        try:
            done = run(db, path)
        except InputErrors as exc:
            return exc.errors
    st.cache_data.clear()
    pin_version()
    return done


def identity_report() -> dict:
    from loaders.identities import report

    db, lock = resources()
    with lock:
        return report(db)
