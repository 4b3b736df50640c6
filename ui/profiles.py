"""The Data page's source profiles (``loaders.profile``): a draft for uploaded exports (``loaders.suggest``), the
columns each field may take, the profiles kept in the database, and a check through a profile that writes nothing."""

from pathlib import Path

import pandas as pd

from loaders import profile as lp
from loaders.errors import InputErrors
from loaders.read import read_table
from loaders.write import import_context
from ui.data import resources
from ui.imports import PendingImport

NONE = "—"  # a field left out (a dash: the same in every language)


def draft(paths: list[Path]) -> tuple[dict, list[str]]:
    """A draft profile for the files and its evidence, or an empty profile and the reasons it could not be made."""
    from loaders.suggest import suggest

    try:
        made = suggest(paths)
    except InputErrors as exc:
        return {}, [e.text_in("en") for e in exc.errors]
    return made.profile, made.evidence


def headers(paths: list[Path]) -> dict[str, list[str]]:
    """Each file's headers, by file name (a file that cannot be read has none: its check will say why)."""
    out = {}
    for path in paths:
        try:
            out[path.name] = [h for h in read_table(path).headers if h.strip()]
        except InputErrors:
            out[path.name] = []
    return out


def columns_by_role(spec: dict, paths: list[Path]) -> dict[str, list[str]]:
    """The columns of each role's file, by the profile's file-name patterns (roles without a file: none)."""
    try:
        files = lp.match_files(lp.check_profile(spec), paths)
    except (InputErrors, lp.ProfileError):
        files = {}
    names = headers(list(files.values()))
    return {role: names.get(path.name, []) for role, path in files.items()}


def choices(output: dict, by_role: dict[str, list[str]]) -> list[str]:
    """What a field of ``output`` may be: nothing, a column of its file or of a joined file (``file.column`` when
    an earlier file has a column of that name)."""
    seen = list(by_role.get(output["file"], []))
    for join in output.get("join", []):  # as the profile resolves a bare name: the base's own first, then joins
        seen += [c if c not in seen else f"{join['file']}.{c}" for c in by_role.get(join["file"], [])]
    return [NONE, *dict.fromkeys(seen)]


def outputs(spec: dict) -> list[tuple[str, int, dict]]:
    """(kind, position, output) for every output of the profile, in the importer's order."""
    found = []
    for kind in ("customers", "touchpoints", "feedback"):
        value = spec.get(kind)
        for i, output in enumerate(value if isinstance(value, list) else [value] if value else []):
            found.append((kind, i, output))
    return found


def check(spec: dict, paths: list[Path], keep_personal_data: bool = False) -> tuple[PendingImport, pd.DataFrame]:
    """Map and validate the files through the profile exactly as ``python -m loaders import --profile`` does;
    nothing is written. Also the first journeys it makes, for the preview."""
    empty = lp.first_journeys([])
    try:
        profile = lp.check_profile(spec, "profile")
        files = lp.match_files(profile, paths)
    except lp.ProfileError as exc:
        from loaders.errors import InputError

        return PendingImport(errors=[InputError("profile", None, None, None, exc.message)]), empty
    except InputErrors as exc:
        return PendingImport(errors=exc.errors), empty
    db, lock = resources()
    with lock:
        context = import_context(db, keep_personal_data=keep_personal_data)
    if profile.spec.get("empty_channel"):
        context.empty_channel = profile.spec["empty_channel"]
    try:
        validated = lp.validate_profile(profile, lp.read_sources(files), context)
    except InputErrors as exc:
        return PendingImport(errors=exc.errors), empty
    except lp.ProfileError as exc:
        from loaders.errors import InputError

        return PendingImport(errors=[InputError("profile", None, None, None, exc.message)]), empty
    errors = [e for v in validated for e in v.errors]
    if errors:
        return PendingImport(errors=errors), empty
    return PendingImport(validated=validated), lp.first_journeys(validated)


def saved() -> dict[str, dict]:
    """The profiles kept in the database, by source."""
    db, lock = resources()
    with lock:
        return {name: profile.spec for name, profile in lp.saved_profiles(db).items()}


def save(spec: dict) -> str:
    """Keep the profile for the next import of its source; returns the source's name."""
    db, lock = resources()
    with lock:
        return lp.save_profile(db, lp.check_profile(spec, "profile"))


def field_names(kind: str, output: dict) -> list[str]:
    """The fields a dropdown is offered for: every field of the kind but those each event gives."""
    from loaders.columns import COLUMNS

    by_event = {name for event in output.get("events", []) for name in event}
    return [c.name for c in COLUMNS[kind] if c.name not in by_event]


def constant_label(spec) -> str:
    """A constant field's value as text (a column reference as itself)."""
    if isinstance(spec, dict) and "value" in spec:
        return "" if spec["value"] is None else str(spec["value"])
    return spec if isinstance(spec, str) else str(spec)


def dumps(spec: dict) -> bytes:
    """The profile as the file ``python -m loaders import --profile`` reads (without the draft's evidence)."""
    return lp.dumps({k: v for k, v in spec.items() if k != "suggested"}).encode("utf-8")


def forget_files(source: dict | None) -> None:
    """The uploaded exports' copies, once imported."""
    import shutil

    if source and source.get("folder"):
        shutil.rmtree(source["folder"], ignore_errors=True)
