"""The editable settings that imports use: the touchpoint-type → stage mapping and the channels'
digital/physical kind and whether each is a journey channel or an operational one. One definition for the
command line and the Data page."""

from sqlmodel import select

from data_model import Channel, Database, TouchpointType, stage_model
from data_model.text import slug
from i18n import CURRENCIES
from loaders.errors import Message, Quoted

KINDS = ("digital", "physical")


class SettingError(ValueError):
    """A value a person typed that cannot be saved; the message says why (``message_in(lang)``: French or
    English; ``str()`` is English)."""

    def __init__(self, message: Message):
        self.message = message
        super().__init__(str(message))

    def message_in(self, lang: str | None) -> str:
        return self.message.render(lang or "en")


def set_type_stage(db: Database, type_name: str, stage: str) -> str:
    """Map a touchpoint type (by its slug) to a stage; returns the type's code."""
    stages = [s.code for s in stage_model(db)]
    if stage not in stages:
        raise SettingError(Message("load.setting.not_stage", stage=Quoted(stage), accepted=", ".join(stages)))
    code = slug(type_name or "")
    if not code:
        raise SettingError(Message("load.setting.not_type", type=Quoted(type_name)))
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
            raise SettingError(Message("load.setting.not_type", type=Quoted(type_name)))
        if stage not in stages:
            raise SettingError(Message("load.setting.type_not_stage", type=Quoted(type_name), stage=Quoted(stage),
                                       accepted=", ".join(sorted(stages))))
        cleaned[code] = stage
    with db.session() as s:
        for row in s.exec(select(TouchpointType)):
            s.delete(row)
        s.flush()
        s.add_all(TouchpointType(code=c, stage=st) for c, st in cleaned.items())
        s.commit()


def set_channel_kind(db: Database, channel: str, kind: str | None = None, operational: bool | None = None) -> str:
    """Classify a channel (by code or spelling): ``kind`` digital or physical, ``operational`` True (not a journey
    channel: a carrier, a survey e-mail) or False (a journey channel); None leaves that setting as it is.
    Returns the channel's code."""
    if kind is None and operational is None:
        raise SettingError(Message("load.setting.nothing_to_set", accepted=", ".join(KINDS)))
    if kind is not None and kind not in KINDS:
        raise SettingError(Message("load.setting.not_kind", kind=Quoted(kind), accepted=", ".join(KINDS)))
    with db.session() as s:
        row = s.get(Channel, slug(channel or ""))
        if row is None:
            raise SettingError(Message("load.setting.no_channel", channel=Quoted(channel)))
        if kind is not None:
            row.kind = kind
        if operational is not None:
            row.operational = bool(operational)
        s.add(row)
        s.commit()
        code = row.code
    from loaders.write import refresh_facts

    refresh_facts(db)  # whether a channel is operational changes the journeys' channel mix
    return code


def set_analysis_setting(db: Database, name: str, value: str) -> int | float | str | None:
    """Save one of the analysis settings (``analytics.settings``: the windows, the share observed for ranking, the
    measure, the currency) as the database's; returns the value saved (``None`` for a window of ``all``, a symbol
    of ``auto``)."""
    return set_analysis_settings(db, {name: value})[name]


def set_analysis_settings(db: Database, values: dict[str, str]) -> dict[str, int | float | str | None]:
    """Save several analysis settings at once: all are checked before any is written (a refusal writes nothing).
    A currency set without a symbol gets its usual one back (a symbol set for another currency would mislead)."""
    from analytics.settings import PREFIX, AnalysisSettings, parse_setting, stored_value
    from data_model import Meta

    names = [f for f in AnalysisSettings.__dataclass_fields__]
    parsed = {}
    for name, value in values.items():
        if name not in names:
            raise SettingError(Message("load.setting.not_setting", name=Quoted(name), accepted=", ".join(names)))
        try:
            parsed[name] = parse_setting(name, value)
        except ValueError as exc:
            raise SettingError(Message("load.setting.bad_value", name=Quoted(name), value=Quoted(str(value)),
                                       reason=Message(f"load.setting.reason.{name}",
                                                      accepted=", ".join(CURRENCIES)))) from exc
    writes = {"currency_symbol": None, **parsed} if "currency" in parsed else parsed
    with db.session() as s:
        for name, value in writes.items():
            row = s.get(Meta, PREFIX + name) or Meta(key=PREFIX + name, value="")
            row.value = stored_value(name, value)
            s.add(row)
        s.commit()
    if {"window_days", "post_window_days"} & set(writes):
        from loaders.write import refresh_facts

        refresh_facts(db)  # the stored facts hold the window's columns for these windows
    return parsed
