"""Problems found in input files, phrased for the person who made the file.

Every error names the file, and as far as it applies the line, the column (as headed in the
file), the value and the reason; nothing here ever reaches the user as a traceback.
"""

from dataclasses import dataclass

MAX_VALUE_CHARS = 60  # longer values are shortened in messages (the CSV error file keeps them whole)

ROW_HEADER = ("file", "line", "column", "value", "reason")


def shorten(value: str, limit: int = MAX_VALUE_CHARS) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"


@dataclass(frozen=True)
class InputError:
    file: str
    line: int | None
    column: str | None  # the header as written in the file
    value: str | None
    reason: str  # phrased to follow the quoted value: "is not a stage (…)"; standalone when value is None
    canonical: str | None = None  # our name for the column, shown when it differs from the header

    @property
    def column_label(self) -> str | None:
        if self.column is None:
            return self.canonical
        if self.canonical and self.canonical != self.column:
            return f"{self.column} ({self.canonical})"
        return self.column

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file} line {self.line}"
        if self.column_label:
            where += f", column {self.column_label}"
        what = self.reason if self.value is None else f"{shorten(self.value)!r} {self.reason}"
        return f"{where}: {what}" if where else what  # no file: a refusal of the whole import

    def as_row(self) -> tuple[str, int | str, str, str, str]:
        """One row of the CSV error file, in ``ROW_HEADER`` order (empty string for what does not apply)."""
        return (
            self.file,
            "" if self.line is None else self.line,
            self.column_label or "",
            "" if self.value is None else self.value,
            self.reason,
        )


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
