"""Read a CSV, XLSX or Parquet file into text columns, with the line where each record starts.

Nothing is interpreted here (no number, date or ID inference): every cell comes out as the
text written in the file, so IDs keep their leading zeros and ``validate`` sees exactly what the
user typed. Format and encoding are detected from the bytes, not trusted from the extension.

Column values use pandas' ``str`` dtype (Arrow-backed): an empty cell is a missing value
(``pd.isna``). Python ``str``/``None`` objects would cost ~60 bytes per cell, which 10M-row files
cannot afford.
"""

import codecs
import csv
import datetime as dt
import hashlib
import io
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from loaders.errors import InputError, InputErrors

SEPARATORS = (";", "\t", ",", "|")  # candidates, in tie-break order
LINE_COLUMN = "_line"
MAX_RAGGED_REPORTED = 100  # a wrong separator makes every record ragged: list a sample, count the rest
_CHUNK_ROWS = 100_000  # Python-parsed rows are moved to Arrow in chunks to bound memory

_UTF8_BOM = codecs.BOM_UTF8
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_ZIP_MAGIC = b"PK\x03\x04"
_PARQUET_MAGIC = b"PAR1"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # old binary Office files (.xls)
_BINARY_MAGICS = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"%PDF", b"\x1f\x8b", b"7z\xbc\xaf", b"\x7fELF", b"Rar!")
_CONTROL_BYTES = bytes(b for b in range(32) if b not in b"\t\n\r\f\x1a")
_CP1252_UNDEFINED = (b"\x81", b"\x8d", b"\x8f", b"\x90", b"\x9d")
_HEADER_SCAN_BYTES = 1 << 20
_QUOTED = re.compile(r'"(?:[^"]|"")*"?')


@dataclass
class RawTable:
    file_name: str  # basename, used in messages
    path: Path
    sha256: str
    headers: list[str]  # as written in the file
    data: pd.DataFrame  # column i = header i (text, missing when empty), plus LINE_COLUMN
    format: str = "csv"  # csv | xlsx | parquet
    delimiter: str | None = None  # CSV only
    encoding: str | None = None  # CSV only: the encoding the file was written in
    header_line: int = 1

    @property
    def decimal_mark(self) -> str:
        """French-style ``;`` files write ``1 234,50``; everything else (and typed cells) uses a point."""
        return "," if self.delimiter == ";" else "."


@dataclass
class _Parsed:
    headers: list[str]
    table: pa.Table  # string columns named "0".."n-1"
    lines: np.ndarray
    header_line: int = 1
    delimiter: str | None = None
    encoding: str | None = None


def read_table(path: str | Path) -> RawTable:
    """Read one input file; raises ``InputErrors`` when the file as a whole cannot be used."""
    path = Path(path)
    data = _read_bytes(path)
    digest = hashlib.sha256(data).hexdigest()
    fmt = sniff_format(data, path.name)
    if fmt == "csv":
        encoding = detect_encoding(data, path.name)
        if encoding == "cp1252":
            del data  # transcoded while re-reading: the file and its UTF-8 copy are never both in memory
            data = _read_cp1252_as_utf8(path)
        elif encoding == "utf-16":
            data = _utf16_to_utf8(data, path.name)
        parsed = _parse_csv(data, path.name)
        parsed.encoding = encoding
    else:
        parsed = (_parse_xlsx if fmt == "xlsx" else _parse_parquet)(data, path.name)
    del data  # the text is in Arrow columns now
    frame = _to_frame(parsed)
    return RawTable(
        file_name=path.name,
        path=path,
        sha256=digest,
        headers=parsed.headers,
        data=frame,
        format=fmt,
        delimiter=parsed.delimiter,
        encoding=parsed.encoding,
        header_line=parsed.header_line,
    )


def _fail(name: str, reason: str, line: int | None = None) -> InputErrors:
    return InputErrors([InputError(name, line, None, None, reason)])


def _read_bytes(path: Path) -> bytes:
    if not path.exists():
        raise _fail(path.name, f"file not found ({path})")
    if path.is_dir():
        raise _fail(path.name, "is a directory, not a file")
    try:
        return path.read_bytes()
    except OSError as exc:
        raise _fail(path.name, f"cannot be read ({exc.strerror or exc})") from None


def sniff_format(data: bytes, name: str) -> str:
    """csv | xlsx | parquet, from the content; raises for anything else."""
    if data.startswith(_ZIP_MAGIC):
        return "xlsx"
    if data.startswith(_PARQUET_MAGIC):
        return "parquet"
    if data.startswith(_OLE_MAGIC):
        raise _fail(name, "is an old Excel (.xls) or Office binary file: save it as .xlsx or CSV")
    if data.startswith((_UTF8_BOM, *_UTF16_BOMS)):
        return "csv"
    if _looks_binary(data[:8192]):
        raise _fail(name, "is not a CSV, Excel (.xlsx) or Parquet file (binary content)")
    return "csv"


def _looks_binary(sample: bytes) -> bool:
    if sample.startswith(_BINARY_MAGICS):
        return True
    # Text has almost no control characters; a stray NUL is reported with its line instead.
    controls = len(sample) - len(sample.translate(None, _CONTROL_BYTES))
    return controls > max(1, len(sample) // 100)


# --- CSV -----------------------------------------------------------------------------------------


def _parse_csv(data: bytes, name: str) -> _Parsed:
    """``data``: the file as UTF-8, with or without BOM."""
    if not data or data.isspace():
        raise _fail(name, "empty file: no header line")
    _check_nul(data, name)
    header = _split_header(data)
    return _parse_csv_arrow(data, header) or _parse_csv_python(data, header.delimiter, name)


def detect_encoding(data: bytes, name: str) -> str:
    """utf-8-sig | utf-16 | utf-8 | cp1252: a BOM says it; else UTF-8 if valid, else Windows-1252."""
    if data.startswith(_UTF16_BOMS):
        return "utf-16"
    if _is_utf8(data):
        return "utf-8-sig" if data.startswith(_UTF8_BOM) else "utf-8"
    if data.startswith(_UTF8_BOM):
        position = _first_invalid_utf8(data)
        raise _fail(name, "starts with a UTF-8 marker (BOM) but is not valid UTF-8 text",
                    data.count(b"\n", 0, position) + 1)
    for byte in _CP1252_UNDEFINED:
        position = data.find(byte)
        if position >= 0:
            line = data.count(b"\n", 0, position) + 1
            raise _fail(name, f"is neither UTF-8 nor Windows-1252 text (byte 0x{byte[0]:02x})", line)
    return "cp1252"


def _first_invalid_utf8(data: bytes) -> int:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start
    return 0


def _utf16_to_utf8(data: bytes, name: str) -> bytes:
    """Excel's "Unicode text" (UTF-16 with BOM), re-encoded once so both parsers read UTF-8."""
    try:
        return data.decode("utf-16").encode("utf-8")
    except UnicodeDecodeError as exc:
        raise _fail(name, f"starts like UTF-16 text but is not valid UTF-16 ({exc.reason})") from None


def _read_cp1252_as_utf8(path: Path) -> bytes:
    """Windows-1252 is one byte per character, so slices can be transcoded on their own."""
    with path.open("rb") as stream:
        return b"".join(iter(lambda: stream.read(1 << 24).decode("cp1252").encode("utf-8"), b""))


def _is_utf8(data: bytes) -> bool:
    """Strict UTF-8 check in C, without building a Python string of the whole file."""
    offsets = pa.py_buffer(np.array([0, len(data)], dtype=np.int64))
    array = pa.LargeStringArray.from_buffers(1, offsets, pa.py_buffer(data))
    try:
        array.validate(full=True)
    except pa.ArrowInvalid:
        return False
    return True


def _check_nul(data: bytes, name: str) -> None:
    position = data.find(b"\x00")
    if position >= 0:
        line = data.count(b"\n", 0, position) + 1
        raise _fail(name, "contains a NUL byte: the file is damaged or not a text file", line)


@dataclass
class _Header:
    names: list[str]
    delimiter: str
    line: int  # where the header is
    body_offset: int  # byte where the first record starts
    body_line: int  # line where the first record starts


def _split_header(data: bytes) -> _Header:
    """The header record (after any blank lines), its separator, and where the records start."""
    start = len(_UTF8_BOM) if data.startswith(_UTF8_BOM) else 0
    prefix = data[start:start + _HEADER_SCAN_BYTES].decode("utf-8", errors="ignore")
    blank = len(prefix) - len(prefix.lstrip("\r\n"))
    text = _first_line(prefix[blank:])
    delimiter = detect_separator(text)
    names = next(csv.reader([text], delimiter=delimiter), [])
    rest = prefix[blank + len(text):]
    end_of_line = "\r\n" if rest.startswith("\r\n") else rest[:1]
    line = _count_breaks(prefix[:blank]) + 1
    offset = start + len((prefix[:blank] + text + end_of_line).encode("utf-8"))
    return _Header(names, delimiter, line, offset, line + _count_breaks(text) + 1)


def _first_line(text: str) -> str:
    """Up to the first line break outside quotes."""
    in_quotes = False
    for i, char in enumerate(text):
        if char == '"':
            in_quotes = not in_quotes
        elif char in "\r\n" and not in_quotes:
            return text[:i]
    return text


def _count_breaks(text: str) -> int:
    """Line breaks as Python's csv module counts them: \\r\\n, \\r or \\n."""
    return text.count("\n") + text.count("\r") - text.count("\r\n")


def detect_separator(header: str) -> str:
    """The candidate that occurs most often in the header, outside quotes ("," when none does)."""
    unquoted = _QUOTED.sub("", header)
    counts = {sep: unquoted.count(sep) for sep in SEPARATORS}
    best = max(SEPARATORS, key=lambda sep: counts[sep])  # max keeps the first of equals
    return best if counts[best] else ","


def _parse_csv_arrow(data: bytes, header: _Header) -> _Parsed | None:
    """Fast path (Arrow's C++ parser); None when the file needs the careful path.

    Arrow does not say where a record starts, so the line of record i is computed: the first
    record's line + i + the line breaks inside quoted values of the records before it (a blank
    line is an all-empty record for Arrow, so it keeps its place). Arrow rejects ragged rows; an
    unbalanced quote count (a quote never closed) is sent to the careful path, which says where.
    """
    quoted = b'"' in data
    if quoted and data.count(b'"') % 2:
        return None
    names = [str(i) for i in range(len(header.names))]
    body = pa.py_buffer(data).slice(header.body_offset)
    if body.size == 0:
        return _Parsed(header.names, _empty_table(names), np.zeros(0, np.int64), header.line, header.delimiter)
    try:
        table = pacsv.read_csv(
            pa.BufferReader(body),
            read_options=pacsv.ReadOptions(column_names=names),
            parse_options=pacsv.ParseOptions(delimiter=header.delimiter, quote_char='"', double_quote=True,
                                             newlines_in_values=quoted, ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(column_types=dict.fromkeys(names, pa.string()),
                                                 strings_can_be_null=True, quoted_strings_can_be_null=True,
                                                 null_values=[""]),
        )
    except pa.ArrowInvalid:
        return None
    lines = header.body_line + np.arange(table.num_rows, dtype=np.int64)
    if quoted:
        lines += _breaks_before(table)
    return _Parsed(header.names, table, lines, header.line, header.delimiter)


def _breaks_before(table: pa.Table) -> np.ndarray:
    """For each record, the line breaks inside the values of all records before it."""
    breaks = np.zeros(table.num_rows, dtype=np.int64)
    for column in table.columns:
        if not (_any(pc.match_substring(column, "\n")) or _any(pc.match_substring(column, "\r"))):
            continue
        count = pc.subtract(pc.add(pc.count_substring(column, "\n"), pc.count_substring(column, "\r")),
                            pc.count_substring(column, "\r\n"))
        breaks += pc.fill_null(count, 0).to_numpy(zero_copy_only=False)
    return np.concatenate(([0], np.cumsum(breaks)[:-1])) if len(breaks) else breaks


def _any(mask) -> bool:
    return bool(pc.any(mask, skip_nulls=True).as_py())


def _empty_table(names: list[str]) -> pa.Table:
    return pa.table([pa.array([], pa.string()) for _ in names], names=names)


def _parse_csv_python(data: bytes, delimiter: str, name: str) -> _Parsed:
    """Careful path: Python's csv module, tracking the line where each record starts."""
    stream = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig", newline="")
    reader = csv.reader(stream, delimiter=delimiter, quotechar='"', doublequote=True, strict=True)
    headers: list[str] | None = None
    header_line = 1
    builder: _ColumnBuilder | None = None
    shape = _ShapeCheck(name)
    last_line = 0  # line where the previous record ended
    try:
        for record in reader:
            start, last_line = last_line + 1, reader.line_num
            if not record:  # blank line
                continue
            if headers is None:
                headers, header_line = record, start
                builder = _ColumnBuilder(len(headers))
                continue
            fitted = shape.fit(record, len(headers), start)
            if fitted is not None:
                builder.add(fitted, start)
    except csv.Error as exc:
        raise _csv_error(name, exc, last_line + 1, reader.line_num) from None
    if headers is None:
        raise _fail(name, "empty file: no header line")
    shape.raise_if_any()
    table, lines = builder.finish()
    return _Parsed(headers, table, lines, header_line, delimiter)


def _csv_error(name: str, exc: csv.Error, record_line: int, current_line: int) -> InputErrors:
    message = str(exc)
    if "expected after" in message:
        return _fail(name, "text after the closing quote of a quoted field (a quote inside a field must be doubled)",
                     current_line)
    # "unexpected end of data" or "field larger than field limit": a quote that is never closed.
    return _fail(name, 'a quoted field starting on this line is never closed (missing ")', record_line)


class _ShapeCheck:
    """Records with the wrong number of fields: tolerate what is harmless, collect the rest."""

    def __init__(self, name: str):
        self.name = name
        self.errors: list[InputError] = []
        self.count = 0

    def fit(self, record: list, width: int, line: int) -> list | None:
        """The record cut to ``width`` fields, or None to skip it (entirely empty, or ragged)."""
        if len(record) == width:
            return record
        if all(_blank(v) for v in record):
            return None  # Excel's ";;;;" rows, whatever their length
        if len(record) > width and all(_blank(v) for v in record[width:]):
            return record[:width]  # trailing empty fields beyond the header
        self.count += 1
        if len(self.errors) < MAX_RAGGED_REPORTED:
            self.errors.append(InputError(
                self.name, line, None, None,
                f"has {len(record)} fields but the header has {width} (check the separator and quotes)",
            ))
        return None

    def raise_if_any(self) -> None:
        if not self.count:
            return
        errors = list(self.errors)
        if self.count > len(errors):
            errors.append(InputError(self.name, None, None, None,
                                     f"… and {self.count - len(errors)} more records with a wrong number of fields"))
        raise InputErrors(errors)


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


class _ColumnBuilder:
    """Collects rows of text and turns them into Arrow string columns every ``_CHUNK_ROWS`` rows."""

    def __init__(self, width: int):
        self.width = width
        self.rows: list[list] = []
        self.lines: list[int] = []
        self.chunks: list[list[pa.Array]] = [[] for _ in range(width)]

    def add(self, row: list, line: int) -> None:
        self.rows.append(row)
        self.lines.append(line)
        if len(self.rows) >= _CHUNK_ROWS:
            self._flush()

    def _flush(self) -> None:
        if not self.rows:
            return
        for i, column in enumerate(zip(*self.rows, strict=True)):
            self.chunks[i].append(_empty_to_null(pa.array(column, type=pa.string())))
        self.rows = []

    def finish(self) -> tuple[pa.Table, np.ndarray]:
        self._flush()
        columns = [pa.chunked_array(chunks, type=pa.string()) for chunks in self.chunks]
        table = pa.table(columns, names=[str(i) for i in range(self.width)])
        return table, np.asarray(self.lines, dtype=np.int64)


# --- XLSX ----------------------------------------------------------------------------------------


def _parse_xlsx(data: bytes, name: str) -> _Parsed:
    import openpyxl  # only needed for workbooks

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds of errors on corrupt or non-Excel ZIPs
        raise _fail(name, f"is not a readable Excel workbook (.xlsx): {exc}") from None
    try:
        return _read_first_sheet(workbook, name)
    except InputErrors:
        raise
    except Exception as exc:  # a damaged sheet can fail half-way through
        raise _fail(name, f"the Excel workbook is damaged: {exc}") from None
    finally:
        workbook.close()


def _read_first_sheet(workbook, name: str) -> _Parsed:
    if not workbook.worksheets:
        raise _fail(name, "the workbook has no sheet")
    rows = workbook.worksheets[0].iter_rows(values_only=True)
    headers, header_line = None, 0
    for number, row in enumerate(rows, start=1):  # read-only sheets yield empty rows too
        if any(not _blank(v) for v in row):
            headers, header_line = _trim_trailing_blanks([_cell_text(v) or "" for v in row]), number
            break
    if headers is None:
        raise _fail(name, "empty file: the first sheet has no header row")
    builder = _ColumnBuilder(len(headers))
    shape = _ShapeCheck(name)
    for number, row in enumerate(rows, start=header_line + 1):
        values = [_cell_text(v) for v in row]
        values += [None] * (len(headers) - len(values))  # a short row's missing cells are empty
        fitted = shape.fit(values, len(headers), number)
        if fitted is not None:
            builder.add(fitted, number)
    shape.raise_if_any()
    table, lines = builder.finish()
    return _Parsed(headers, table, lines, header_line)


def _trim_trailing_blanks(headers: list[str]) -> list[str]:
    while headers and not headers[-1].strip():
        headers.pop()
    return headers


def _cell_text(value) -> str | None:
    """A typed Excel cell as the text a user would read (numeric IDs without ``.0``)."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return str(value)


# --- Parquet -------------------------------------------------------------------------------------


def _parse_parquet(data: bytes, name: str) -> _Parsed:
    import pyarrow.parquet as pq

    try:
        table = pq.read_table(pa.BufferReader(data))
    except (pa.ArrowException, OSError) as exc:
        raise _fail(name, f"is not a readable Parquet file: {exc}") from None
    headers = [str(h) for h in table.column_names]
    if not headers:
        raise _fail(name, "empty file: the Parquet file has no columns")
    columns = [_parquet_text(column, header, name) for column, header in zip(table.columns, headers, strict=True)]
    table = pa.table(columns, names=[str(i) for i in range(len(headers))])
    return _Parsed(headers, table, np.arange(2, table.num_rows + 2, dtype=np.int64))


def _parquet_text(column: pa.ChunkedArray, header: str, name: str) -> pa.ChunkedArray:
    """Typed Parquet values as text, parsed again by ``validate`` like any other file."""
    kind = column.type
    if pa.types.is_dictionary(kind):
        column, kind = column.cast(kind.value_type), kind.value_type
    if pa.types.is_floating(kind):  # pandas writes missing numbers as NaN, not null
        column = pc.if_else(pc.is_nan(column), pa.scalar(None, kind), column)
    if pa.types.is_nested(kind):
        raise _fail(name, f"column {header!r} holds lists or records ({kind}), not single values")
    try:
        return _empty_to_null(column.cast(pa.large_string()))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        raise _fail(name, f"column {header!r} of type {kind} cannot be read as text: {exc}") from None


# --- common --------------------------------------------------------------------------------------


def _to_frame(parsed: _Parsed) -> pd.DataFrame:
    """Entirely empty records (blank lines, Excel's ";;;;") are dropped; the line column is added."""
    table = parsed.table
    blank = np.ones(table.num_rows, dtype=bool)
    for column in table.columns:
        if not blank.any():
            break  # typically after the first column
        blank &= pc.fill_null(pc.match_substring_regex(column, r"^\s*$"), True).to_numpy(zero_copy_only=False)
    if blank.any():
        table = table.filter(pa.array(~blank))
    frame = table.to_pandas(types_mapper=_as_str_dtype)
    frame.columns = list(range(table.num_columns))
    frame[LINE_COLUMN] = parsed.lines[~blank]
    return frame


def _as_str_dtype(arrow_type: pa.DataType):
    if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type):
        return pd.StringDtype("pyarrow", na_value=np.nan)  # pandas' default "str" dtype
    return None


def _empty_to_null(column: pa.ChunkedArray) -> pa.ChunkedArray:
    return pc.if_else(pc.equal(column, ""), pa.scalar(None, column.type), column)
