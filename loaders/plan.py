"""``python -m loaders import --dry-run``: what an import would do, and nothing written.

The files are read and checked exactly as for the import (the same context from the database, the same choice of
``on_error``); the report says, per file, how many rows would go in and how many would be set aside, the
touchpoints per type and stage and the feedback per stage, the notes (columns left unused, repeats kept once,
channels by default…), the first rejected rows with their reasons, and the first journeys: a few customers'
touchpoints in time order, as the analysis will read them. The database is only read.
"""

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from data_model import Database
from i18n import Texts
from loaders.errors import render
from loaders.validate import Validated

JOURNEYS_SHOWN = 3
STEPS_SHOWN = 8  # touchpoints per journey
REJECTED_SHOWN = 10
TYPES_SHOWN = 20


@dataclass
class DryRun:
    validated: list[Validated]
    on_error: str = "refuse"
    journeys: list[tuple[str, pd.DataFrame]] = field(default_factory=list)

    def lines(self, lang: str | None = None) -> list[str]:
        tx = Texts(lang or "en")
        out = [tx.t("load.dry.title", mode=tx.t(f"load.dry.mode.{self.on_error}"))]
        for v in self.validated:
            rejected = 0 if v.rejected is None else len(v.rejected)
            out.append("  " + tx.t("load.dry.file", kind=tx.t(f"load.kind.{v.kind}"), file=v.file_name,
                                   read=tx.number(v.rows_read), kept=tx.number(len(v.frame)),
                                   rejected=tx.number(rejected)))
            out.extend("    " + line for line in _counts(v, tx))
            out.extend("    " + tx.t("load.summary.note", note=render(n, tx.lang)) for n in v.notes)
            if rejected:
                table = v.rejected.table(tx.lang)
                for row in table.head(REJECTED_SHOWN).itertuples(index=False):
                    out.append("    " + tx.t("load.dry.rejected", line=row[0], column=row[1] or "—",
                                             reason=row[2]))
                if rejected > REJECTED_SHOWN:
                    out.append("    " + tx.t("load.more_errors", n=tx.number(rejected - REJECTED_SHOWN)))
        if self.journeys:
            out.append("  " + tx.t("load.dry.journeys"))
            for customer, steps in self.journeys:
                shown = [tx.t("load.dry.step", when=tx.moment(r.timestamp.to_pydatetime()), channel=r.channel_label,
                              what=r.touchpoint if isinstance(r.touchpoint, str) else r.stage, stage=r.stage)
                         for r in steps.head(STEPS_SHOWN).itertuples(index=False)]
                more = len(steps) - STEPS_SHOWN
                out.append("    " + f"{customer}: " + " → ".join(shown) + (f" → … (+{more})" if more > 0 else ""))
        out.append(tx.t("load.dry.nothing_written"))
        return out


def _counts(v: Validated, tx: Texts) -> list[str]:
    """Touchpoints per type and stage, feedback per stage (most frequent first)."""
    if v.kind == "customers" or not len(v.frame):
        return []
    by = ["touchpoint", "stage"] if v.kind == "touchpoints" else ["stage"]
    counts = v.frame.groupby(by, dropna=False, sort=False).size().sort_values(ascending=False, kind="stable")
    parts = []
    for key, n in counts.head(TYPES_SHOWN).items():
        key = key if isinstance(key, tuple) else (key,)
        label = " · ".join("—" if pd.isna(k) else str(k) for k in key)
        parts.append(f"{label}: {tx.number(n)}")
    if len(counts) > TYPES_SHOWN:
        parts.append(tx.t("load.more_errors", n=tx.number(len(counts) - TYPES_SHOWN)))
    return [tx.t(f"load.dry.per.{v.kind}", counts=", ".join(parts))]


def first_journeys(validated: list[Validated], n: int = JOURNEYS_SHOWN) -> list[tuple[str, pd.DataFrame]]:
    """The touchpoints of the first ``n`` customers of the touchpoints file (in file order), each in time order."""
    touchpoints = next((v for v in validated if v.kind == "touchpoints"), None)
    if touchpoints is None or not len(touchpoints.frame):
        return []
    frame = touchpoints.frame
    customers = list(dict.fromkeys(frame["customer_id"].head(10_000)))[:n]
    out = []
    for customer in customers:
        steps = frame[frame["customer_id"] == customer].sort_values(["timestamp", "line"], kind="stable")
        out.append((str(customer), steps[["timestamp", "channel_label", "touchpoint", "stage"]]))
    return out


def dry_run(db: Database, files: dict[str, Path | str | None], keep_personal_data: bool = False,
            on_error: str = "refuse", max_rejected=None, empty_channel: str | None = None,
            source_system: str | None = None) -> DryRun:
    """Check ``files`` as ``run_import`` would and say what it would write; the database is only read. Raises
    InputErrors as the import would be refused."""
    from loaders.write import _import_files, import_context, validate_files

    paths = _import_files(files)
    ctx = import_context(db, keep_personal_data, empty_channel, source_system)
    validated = validate_files(paths, ctx, None, on_error, max_rejected)
    return DryRun(validated, on_error, first_journeys(validated))


def profile_dry_run(db: Database, profile, paths: list[Path | str], keep_personal_data: bool = False,
                    empty_channel: str | None = None, source_system: str | None = None) -> DryRun:
    """Check a source's files through its profile (``loaders.profile``) as ``run_profile_import`` would and say
    what it would write; the database is only read. A profile import is all or nothing: raises InputErrors as the
    import would be refused."""
    from loaders.errors import InputError, InputErrors
    from loaders.profile import match_files, read_sources, validate_profile
    from loaders.write import import_context

    files = match_files(profile, paths)
    ctx = import_context(db, keep_personal_data, empty_channel or profile.spec.get("empty_channel"), source_system)
    if ctx.refusal:
        raise InputErrors([InputError("", None, None, None, ctx.refusal)])
    validated = validate_profile(profile, read_sources(files), ctx)
    errors = [e for v in validated for e in v.errors]
    if errors:
        raise InputErrors(errors)
    return DryRun(validated, "refuse", first_journeys(validated))
