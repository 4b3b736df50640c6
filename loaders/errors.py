"""Problems found in input files, phrased for the person who made the file.

Every error names the file, and as far as it applies the line, the column (as headed in the
file), the value and the reason; nothing here ever reaches the user as a traceback.

Messages exist in French and English: a ``Message`` is a key of the ``i18n`` catalogue (``load.…``) with its
parameters, rendered in a language on demand. Values from the files stay data: a ``Quoted`` parameter is written
'x' in English (as ``repr``) and « x » in French, never interpreted. ``str()`` is always English (the command line's
default, and what logs and existing callers read).
"""

from dataclasses import dataclass, field

from i18n import Texts

MAX_VALUE_CHARS = 60  # longer values are shortened in messages (the CSV error file keeps them whole)

ROW_HEADER = ("file", "line", "column", "value", "reason")
ROW_KEYS = ("load.col.file", "load.col.line", "load.col.column", "load.col.value", "load.col.reason")


def shorten(value: str, limit: int = MAX_VALUE_CHARS) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"


@dataclass(frozen=True)
class Quoted:
    """A value quoted as data: ``'x'`` in English (Python's repr, as the messages always wrote it), « x » in
    French (the text as it is: control characters were made visible before)."""

    text: str

    def render(self, lang: str) -> str:
        return f"«\u00a0{self.text}\u00a0»" if lang == "fr" else repr(self.text)


def quoted_list(values, sep: str = ", ") -> "Joined":
    return Joined(tuple(Quoted(str(v)) for v in values), sep)


@dataclass(frozen=True)
class Joined:
    """Parameters joined by ``sep`` once each is rendered (a list of quoted values, of sub-messages…)."""

    items: tuple
    sep: str = ", "

    def render(self, lang: str) -> str:
        return self.sep.join(_render(i, lang) for i in self.items)


@dataclass(frozen=True)
class PerLanguage:
    """A parameter written differently per language (the stages: codes in English, French labels in French)."""

    en: str
    fr: str

    def render(self, lang: str) -> str:
        return self.fr if lang == "fr" else self.en


@dataclass(frozen=True)
class Count:
    """A count written with grouped thousands: 12,345 in English, 12 345 in French."""

    n: int

    def render(self, lang: str) -> str:
        return Texts(lang).number(self.n)


class Message(str):
    """A catalogue key and its parameters; ``render(lang)`` gives the text in a language.

    It *is* its English text (a ``str``): callers and logs that read messages as text keep reading them as before.
    Parameters: ``Quoted`` (data), ``Message`` (a part phrased apart), ``Joined``, ``Count`` (grouped thousands),
    anything else (line numbers, limits…) as ``str``. ``{n|singular|plural}`` agrees with the parameter ``n``.
    """

    def __new__(cls, key: str, **params):
        text = Texts("en").t(key, **{k: _render(v, "en") for k, v in params.items()})
        self = super().__new__(cls, text)
        self.key, self.params = key, params
        return self

    def render(self, lang: str | None = "en") -> str:
        if not lang or Texts(lang).lang == "en":
            return str.__str__(self)
        tx = Texts(lang)
        return tx.t(self.key, **{k: _render(v, tx.lang) for k, v in self.params.items()})

    def __str__(self) -> str:
        return str.__str__(self)

    def __repr__(self) -> str:
        return f"Message({self.key!r}, {self.params!r})"

    def __reduce__(self):  # pickling (Streamlit's session state may copy it): rebuilt from key and parameters
        return (_message, (self.key, self.params))


def _message(key: str, params: dict) -> "Message":
    return Message(key, **params)


def render(text: "str | Message", lang: str | None) -> str:
    """A message in ``lang``; a plain string (from outside the loaders) as it is."""
    return text.render(lang) if isinstance(text, Message) else str(text)


def _render(value, lang: str) -> str:
    if isinstance(value, Message | Quoted | Joined | Count | PerLanguage):
        return value.render(lang)
    return str(value)


@dataclass(frozen=True)
class InputError:
    file: str
    line: int | None
    column: str | None  # the header as written in the file
    value: str | None
    # phrased to follow the quoted value: "is not a stage (…)"; standalone when value is None. Given as a Message,
    # it is kept (``message``) for other languages and ``reason`` is its English text.
    reason: "str | Message"
    canonical: str | None = None  # our name for the column, shown when it differs from the header
    message: "Message | None" = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if isinstance(self.reason, Message):
            object.__setattr__(self, "message", self.reason)
            object.__setattr__(self, "reason", self.reason.render("en"))

    @property
    def column_label(self) -> str | None:
        if self.column is None:
            return self.canonical
        if self.canonical and self.canonical != self.column:
            return f"{self.column} ({self.canonical})"
        return self.column

    def reason_in(self, lang: str | None) -> str:
        """The reason in ``lang`` (English for ``None`` or a reason given as plain text)."""
        return self.message.render(lang) if self.message is not None and lang else self.reason

    def text_in(self, lang: str | None) -> str:
        """The whole error in ``lang``: where, the value quoted as data, why."""
        lang = lang or "en"
        tx = Texts(lang)
        where = self.file if self.line is None else tx.t("load.where_line", file=self.file, line=self.line)
        if self.column_label:
            where += tx.t("load.where_column", column=self.column_label)
        what = self.reason_in(lang)
        if self.value is not None:
            what = f"{Quoted(shorten(self.value)).render(lang)} {what}"
        return tx.t("load.where_what", where=where, what=what) if where else what

    def __str__(self) -> str:
        return self.text_in("en")

    def as_row(self, lang: str | None = None) -> tuple[str, int | str, str, str, str]:
        """One row of the CSV error file, in ``ROW_HEADER`` order (empty string for what does not apply); the
        reason in ``lang`` (English by default)."""
        return (
            self.file,
            "" if self.line is None else self.line,
            self.column_label or "",
            "" if self.value is None else self.value,
            self.reason_in(lang),
        )


def row_header(lang: str | None = None) -> tuple[str, ...]:
    """The CSV error file's header in ``lang`` (English by default, as the command line always wrote it)."""
    return ROW_HEADER if not lang else tuple(Texts(lang).t(k) for k in ROW_KEYS)


class InputErrors(Exception):
    """A file cannot be read at all; ``errors`` says why (usually one error, ragged rows may give several)."""

    def __init__(self, errors: list[InputError]):
        self.errors = list(errors)
        super().__init__(str(self))

    def __str__(self) -> str:
        shown = [str(e) for e in self.errors[:10]]
        if len(self.errors) > 10:
            shown.append(f"… and {len(self.errors) - 10} more")
        return "\n".join(shown)
