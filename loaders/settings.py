"""The editable settings that imports use: the touchpoint-type → stage mapping and the channels'
digital/physical kind. One definition for the command line and the Data page."""

from sqlmodel import select

from data_model import Channel, Database, TouchpointType, stage_model
from data_model.text import slug

KINDS = ("digital", "physical")


class SettingError(ValueError):
    """A value a person typed that cannot be saved; the message says why."""


def set_type_stage(db: Database, type_name: str, stage: str) -> str:
    """Map a touchpoint type (by its slug) to a stage; returns the type's code."""
    stages = [s.code for s in stage_model(db)]
    if stage not in stages:
        raise SettingError(f"{stage!r} is not a stage (accepted: {', '.join(stages)})")
    code = slug(type_name or "")
    if not code:
        raise SettingError(f"{type_name!r} is not a touchpoint type")
    with db.session() as s:
        row = s.get(TouchpointType, code) or TouchpointType(code=code, stage=stage)
        row.stage = stage
        s.add(row)
        s.commit()
    return code


def replace_type_mapping(db: Database, mapping: dict[str, str]) -> None:
    """Save a whole edited mapping (types removed from it are unmapped), checking every row first."""
    stages = {s.code for s in stage_model(db)}
    cleaned = {}
    for type_name, stage in mapping.items():
        code = slug(type_name or "")
        if not code:
            raise SettingError(f"{type_name!r} is not a touchpoint type")
        if stage not in stages:
            raise SettingError(f"{type_name!r}: {stage!r} is not a stage (accepted: {', '.join(sorted(stages))})")
        cleaned[code] = stage
    with db.session() as s:
        for row in s.exec(select(TouchpointType)):
            s.delete(row)
        s.flush()
        s.add_all(TouchpointType(code=c, stage=st) for c, st in cleaned.items())
        s.commit()


def set_channel_kind(db: Database, channel: str, kind: str) -> str:
    """Classify a channel (by code or spelling) as digital or physical; returns its code."""
    if kind not in KINDS:
        raise SettingError(f"{kind!r} is not a channel kind (accepted: {', '.join(KINDS)})")
    with db.session() as s:
        row = s.get(Channel, slug(channel or ""))
        if row is None:
            raise SettingError(f"No channel {channel!r} in this database (channels are created by imports).")
        row.kind = kind
        s.add(row)
        s.commit()
        return row.code
