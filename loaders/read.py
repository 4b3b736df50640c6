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
import struct
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from loaders.errors import Count, InputError, InputErrors, Message, Quoted

SEPARATORS = (";", "\t", ",", "|")  # candidates, in tie-break order
LINE_COLUMN = "_line"
MAX_RAGGED_REPORTED = 100  # a wrong separator makes every record ragged: list a sample, count the rest
_CHUNK_ROWS = 100_000  # Python-parsed rows are moved to Arrow in chunks to bound memory
_CHUNK_CELLS = 1_000_000  # … and at most this many cells at a time, however wide the rows

# --- limits: hostile or absurd files are refused before they cost the server its memory -----------------------
# Everything derives from the upload cap of the Data page (.streamlit/config.toml, server.maxUploadSize, in MB; a
# test checks that both agree). The command line reads bigger files, with the same limits on their shape.
UPLOAD_CAP_BYTES = 500 * 1024 * 1024
MAX_COLUMNS = 1_000  # an export has tens of columns; a million-column header cost 5.6 GB before this limit
MAX_CELLS = UPLOAD_CAP_BYTES // 8  # 65M: the cells of a CSV at the cap (about 6M touchpoints), ~8 bytes a cell
# A CSV bigger than the cap (command line) may hold more: one cell per CSV_BYTES_PER_CELL of file. Below that, a
# cell costs far more memory once parsed (~20 bytes) than in the file: 500 MB of ";" would take ~10 GB.
CSV_BYTES_PER_CELL = 8
MAX_FIELD_CHARS = UPLOAD_CAP_BYTES // 8  # one CSV value, in the careful parser (4 bytes a character while read)
# XLSX: a ZIP of XML. Sheet XML takes ~40 bytes a cell, so MAX_CELLS cells are ~2 GB of it: 4x the cap.
MAX_XLSX_UNCOMPRESSED_BYTES = 4 * UPLOAD_CAP_BYTES  # the sum of the ZIP entries' sizes once inflated
MAX_COMPRESSION_RATIO = 100  # real sheets inflate 5-30x; bombs ~1000x (checked for entries above 1 MB)
MAX_XLSX_PART_BYTES = 32 * 1024 * 1024  # parts parsed whole (workbook, styles, relations, content types)
MAX_SHARED_STRINGS = UPLOAD_CAP_BYTES // 64  # 8M distinct texts, each at least ~64 bytes of memory once read
MAX_SHARED_STRINGS_BYTES = UPLOAD_CAP_BYTES  # the XML of the shared strings
MAX_ZIP_ENTRIES = 10_000  # a workbook has tens of parts
MAX_ZIP_DIRECTORY_BYTES = 4 * 1024 * 1024  # read whole by zipfile before any other check can run
MAX_XML_NODES_PER_CELL = 10_000  # rich-text runs of one cell; a cell is kept whole until it ends
XLSX_MAX_ROWS, XLSX_MAX_COLUMNS = 1_048_576, 16_384  # Excel's own sheet size: nothing bigger comes from Excel
# Parquet: checked on the footer's metadata before any data is read.
MAX_PARQUET_UNCOMPRESSED_BYTES = 4 * UPLOAD_CAP_BYTES  # declared size of the data once decompressed
MAX_PARQUET_ROW_GROUPS = 10_000
MAX_PARQUET_FOOTER_BYTES = 64 * 1024 * 1024  # the metadata itself, parsed whole

_UTF8_BOM = codecs.BOM_UTF8
_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_ZIP_MAGIC = b"PK\x03\x04"
_PARQUET_MAGIC = b"PAR1"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # old binary Office files (.xls)
_BINARY_MAGICS = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"%PDF", b"\x1f\x8b", b"7z\xbc\xaf", b"\x7fELF", b"Rar!")
_CONTROL_BYTES = bytes(b for b in range(32) if b not in b"\t\n\r\f\x1a")
_CP1252_UNDEFINED = (b"\x81", b"\x8d", b"\x8f", b"\x90", b"\x9d")
_HEADER_SCAN_BYTES = 1 << 20  # the separator is guessed from the header's first megabyte
_QUOTED = re.compile(r'"(?:[^"]|"")*"?')
_QUOTED_BYTES = re.compile(rb'"[^"]*+"?')  # a doubled quote closes one and opens the next: same spans
_BLANK_LINES = re.compile(rb"[\r\n]*")
_FIRST_LINE = re.compile(rb'(?:[^"\r\n]++|"[^"]*+"?)*+')  # up to the first line break outside quotes
_PHYSICAL_LINE = re.compile(rb"[^\r\n]*")


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


def _fail(name: str, reason: "str | Message", line: int | None = None) -> InputErrors:
    return InputErrors([InputError(name, line, None, None, reason)])


def _read_bytes(path: Path) -> bytes:
    if not path.exists():
        raise _fail(path.name, Message("load.not_found", path=path))
    if path.is_dir():
        raise _fail(path.name, Message("load.is_directory"))
    try:
        return path.read_bytes()
    except OSError as exc:
        raise _fail(path.name, Message("load.unreadable", why=exc.strerror or exc)) from None


def sniff_format(data: bytes, name: str) -> str:
    """csv | xlsx | parquet, from the content; raises for anything else."""
    if data.startswith(_ZIP_MAGIC):
        return "xlsx"
    if data.startswith(_PARQUET_MAGIC):
        return "parquet"
    if data.startswith(_OLE_MAGIC):
        raise _fail(name, Message("load.xls"))
    if data.startswith((_UTF8_BOM, *_UTF16_BOMS)):
        return "csv"
    if _looks_binary(data[:8192]):
        raise _fail(name, Message("load.binary"))
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
        raise _fail(name, Message("load.empty"))
    _check_nul(data, name)
    _allow_long_fields()
    header = _split_header(data, name)
    _check_csv_cells(data, header, name)
    return _parse_csv_arrow(data, header) or _parse_csv_python(data, header.delimiter, name)


def detect_encoding(data: bytes, name: str) -> str:
    """utf-8-sig | utf-16 | utf-8 | cp1252: a BOM says it; else UTF-8 if valid, else Windows-1252."""
    if data.startswith(_UTF16_BOMS):
        return "utf-16"
    if _is_utf8(data):
        return "utf-8-sig" if data.startswith(_UTF8_BOM) else "utf-8"
    if data.startswith(_UTF8_BOM):
        position = _first_invalid_utf8(data)
        raise _fail(name, Message("load.bad_bom"),
                    data.count(b"\n", 0, position) + 1)
    for byte in _CP1252_UNDEFINED:
        position = data.find(byte)
        if position >= 0:
            line = data.count(b"\n", 0, position) + 1
            raise _fail(name, Message("load.bad_encoding", byte=f"0x{byte[0]:02x}"), line)
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
        raise _fail(name, Message("load.bad_utf16", why=exc.reason)) from None


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
        raise _fail(name, Message("load.nul"), line)


@dataclass
class _Header:
    names: list[str]
    delimiter: str
    line: int  # where the header is
    body_offset: int  # byte where the first record starts
    body_line: int  # line where the first record starts


def _split_header(data: bytes, name: str) -> _Header:
    """The header record (after any blank lines), its separator, and where the records start.

    The columns are counted on the bytes first: a header wider than ``MAX_COLUMNS`` is refused before
    any record (or even the header's names) is parsed.
    """
    start = len(_UTF8_BOM) if data.startswith(_UTF8_BOM) else 0
    first = _BLANK_LINES.match(data, start).end()
    end = _FIRST_LINE.match(data, first).end()
    line = _count_breaks(data[start:first].decode("ascii")) + 1
    delimiter = detect_separator(data[first:min(end, first + _HEADER_SCAN_BYTES)].decode("utf-8", errors="ignore"))
    width = _count_header_fields(data, first, end, delimiter)
    if width > MAX_COLUMNS:
        raise _fail(name, Message("load.too_many_columns_csv", n=Count(width), limit=Count(MAX_COLUMNS)), line)
    text = data[first:end].decode("utf-8", errors="ignore")
    try:
        names = next(csv.reader([text], delimiter=delimiter), [])
    except csv.Error:
        # A stray quote inside a name (ti"mestamp) opened a quoted span that ran past the line: a header is one
        # line, so read that line as written (a quote inside an unquoted name is a character like any other).
        end = _PHYSICAL_LINE.match(data, first).end()
        text = data[first:end].decode("utf-8", errors="ignore")
        try:
            names = next(csv.reader([text], delimiter=delimiter), [])
        except csv.Error as exc:
            raise _csv_error(name, exc, line, line) from None
    end_of_line = 2 if data.startswith(b"\r\n", end) else int(end < len(data))
    return _Header(names, delimiter, line, end + end_of_line, line + _count_breaks(text) + 1)


def _check_csv_cells(data: bytes, header: _Header, name: str) -> None:
    """Records × columns, estimated from the line breaks (a quoted line break counts as a record: an
    overestimate), against MAX_CELLS or one cell per CSV_BYTES_PER_CELL of file, whichever is more."""
    lines = max(data.count(b"\n", header.body_offset), data.count(b"\r", header.body_offset))
    lines += not data.endswith((b"\n", b"\r"))  # a last record without a line break
    cells = lines * len(header.names)
    limit = max(MAX_CELLS, len(data) // CSV_BYTES_PER_CELL)
    if cells > limit:
        raise _too_big(name, Message("load.csv_cells", records=Count(lines), columns=Count(len(header.names)),
                                             cells=Count(cells), limit=Count(limit)),
                       Message("load.advice_columns"))


def _count_header_fields(data: bytes, first: int, end: int, delimiter: str) -> int:
    """Fields of the header line ``data[first:end]``, counted without splitting it."""
    separator = delimiter.encode()
    if data.find(b'"', first, end) < 0:
        return data.count(separator, first, end) + 1
    return _QUOTED_BYTES.sub(b"", data[first:end]).count(separator) + 1


def _allow_long_fields() -> None:
    """Python's csv module refuses values over 128 KB by default; a 2 MB comment is a valid value.

    The limit is process-wide and only ever raised here, so concurrent imports cannot lower it."""
    if csv.field_size_limit() < MAX_FIELD_CHARS:
        csv.field_size_limit(MAX_FIELD_CHARS)


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
        table = _arrow_csv(body, names, header.delimiter, quoted)
    except pa.ArrowInvalid as exc:
        # A quoted value longer than a block (1 MB) may "straddle" two blocks: read again in one block.
        if "straddl" not in str(exc) or body.size >= _MAX_ARROW_BLOCK:
            return None
        try:
            table = _arrow_csv(body, names, header.delimiter, quoted, block_size=body.size + 1)
        except pa.ArrowInvalid:
            return None
    lines = header.body_line + np.arange(table.num_rows, dtype=np.int64)
    if quoted:
        lines += _breaks_before(table)
    return _Parsed(header.names, table, lines, header.line, header.delimiter)


_MAX_ARROW_BLOCK = 2**31 - 1  # Arrow's block size is a 32-bit integer


def _arrow_csv(body: pa.Buffer, names: list[str], delimiter: str, quoted: bool,
               block_size: int | None = None) -> pa.Table:
    read_options = pacsv.ReadOptions(column_names=names)
    if block_size:
        read_options.block_size = block_size
    return pacsv.read_csv(
        pa.BufferReader(body),
        read_options=read_options,
        parse_options=pacsv.ParseOptions(delimiter=delimiter, quote_char='"', double_quote=True,
                                         newlines_in_values=quoted, ignore_empty_lines=False),
        convert_options=pacsv.ConvertOptions(column_types=dict.fromkeys(names, pa.string()),
                                             strings_can_be_null=True, quoted_strings_can_be_null=True,
                                             null_values=[""]),
    )


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
        raise _fail(name, Message("load.empty"))
    shape.raise_if_any()
    table, lines = builder.finish()
    return _Parsed(headers, table, lines, header_line, delimiter)


def _csv_error(name: str, exc: csv.Error, record_line: int, current_line: int) -> InputErrors:
    message = str(exc)
    if "expected after" in message:
        return _fail(name, Message("load.after_quote"),
                     current_line)
    if "field limit" in message:  # a value this long is almost always a quote that is never closed
        return _fail(name, Message("load.field_too_long", limit=Count(MAX_FIELD_CHARS)), record_line)
    # "unexpected end of data": a quote that is never closed.
    return _fail(name, Message("load.unclosed"), record_line)


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
                Message("load.ragged", n=len(record), width=width),
            ))
        return None

    def raise_if_any(self) -> None:
        if not self.count:
            return
        errors = list(self.errors)
        if self.count > len(errors):
            errors.append(InputError(self.name, None, None, None,
                                     Message("load.more_ragged", n=self.count - len(errors))))
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
        if len(self.rows) >= min(_CHUNK_ROWS, max(1, _CHUNK_CELLS // max(1, self.width))):
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
    """The first worksheet, read as a stream under budgets: what the file declares (ZIP sizes, the sheet's
    dimension, the shared strings' count) is checked before anything is inflated, and what it holds (rows,
    cells, strings) is counted while reading, since declarations can lie or be absent."""
    from openpyxl.reader.excel import ExcelReader  # only needed for workbooks
    from openpyxl.styles.stylesheet import apply_stylesheet

    _check_zip_directory(data, name)  # zipfile reads the whole directory before anything else can be checked
    try:
        reader = ExcelReader(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds of errors on corrupt or non-Excel ZIPs
        raise _fail(name, Message("load.bad_xlsx", why=exc)) from None
    archive = reader.archive
    try:
        try:
            _check_zip_sizes(archive, len(data), name)
            _check_part(archive, "[Content_Types].xml", name)
            reader.read_manifest()
            workbook_part = next((p.PartName[1:] for p in reader.package.Override if p.PartName.endswith(
                "workbook.xml")), "xl/workbook.xml")
            for part in (workbook_part, _rels_path(workbook_part), "xl/styles.xml"):
                _check_part(archive, part, name)
            reader.read_workbook()
            apply_stylesheet(archive, reader.wb)  # which number formats are dates
            sheet_path = _first_sheet_path(reader, name)
            _check_dimension(archive, sheet_path, name)
            strings = _read_shared_strings(reader, name)
        except InputErrors:
            raise
        except Exception as exc:
            raise _fail(name, Message("load.bad_xlsx", why=exc)) from None
        try:
            with archive.open(sheet_path) as source:
                return _read_first_sheet(_sheet_rows(source, reader.wb, strings, name), name)
        except InputErrors:
            raise
        except Exception as exc:  # a damaged sheet can fail half-way through
            raise _fail(name, Message("load.damaged_xlsx", why=exc)) from None
    finally:
        archive.close()


def _too_big(name: str, what: Message, advice: Message | None = None) -> InputErrors:
    return _fail(name, Message("load.too_big", what=what, advice=advice or Message("load.advice_sheet")))


def _check_zip_directory(data: bytes, name: str) -> None:
    """The ZIP's end record, read by hand: zipfile would load a directory of millions of entries whole."""
    position = data.rfind(b"PK\x05\x06", max(0, len(data) - 65_557))  # 22-byte record + comment of up to 64 KB
    if position < 0 or position + 22 > len(data):
        return  # not a ZIP at all: zipfile says so
    entries, directory = struct.unpack_from("<HI", data, position + 10)
    locator = position - 20
    if locator >= 0 and data[locator:locator + 4] == b"PK\x06\x07":  # ZIP64: the real figures are elsewhere
        offset = struct.unpack_from("<Q", data, locator + 8)[0]
        if data[offset:offset + 4] == b"PK\x06\x06" and offset + 56 <= len(data):
            entries, directory = struct.unpack_from("<QQ", data, offset + 32)
    if entries > MAX_ZIP_ENTRIES or directory > MAX_ZIP_DIRECTORY_BYTES:
        raise _too_big(name, Message("load.zip_entries", n=Count(entries), size=Count(directory),
                                             limit=Count(MAX_ZIP_ENTRIES)))


def _check_zip_sizes(archive: zipfile.ZipFile, file_size: int, name: str) -> None:
    """Declared sizes, before anything is inflated. zipfile never inflates an entry beyond its declared size
    (it stops there and reports a damaged file), so these figures bound what reading can cost."""
    total = 0
    for info in archive.infolist():
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):  # what Excel writes
            raise _fail(name, Message("load.zip_method", part=info.filename, method=info.compress_type))
        total += info.file_size
        ratio = info.file_size / max(1, info.compress_size)
        if info.file_size > (1 << 20) and ratio > MAX_COMPRESSION_RATIO:
            raise _too_big(name, Message("load.zip_ratio", part=info.filename, ratio=Count(round(ratio)),
                                             stored=Count(info.compress_size), size=Count(info.file_size),
                                             limit=MAX_COMPRESSION_RATIO))
    if total > MAX_XLSX_UNCOMPRESSED_BYTES:
        raise _too_big(name, Message("load.xlsx_inflates", size=Count(total), stored=Count(file_size),
                                             limit=Count(MAX_XLSX_UNCOMPRESSED_BYTES)))


def _check_part(archive: zipfile.ZipFile, path: str, name: str, limit: int = MAX_XLSX_PART_BYTES) -> None:
    """A part that openpyxl parses whole (as one XML tree) must stay small."""
    try:
        size = archive.getinfo(path).file_size
    except KeyError:
        return  # absent: openpyxl says whether it was needed
    if size > limit:
        raise _too_big(name, Message("load.part_size", part=path, size=Count(size), limit=Count(limit)))


def _rels_path(path: str) -> str:
    folder, _, file = path.rpartition("/")
    return f"{folder}/_rels/{file}.rels" if folder else f"_rels/{file}.rels"


def _first_sheet_path(reader, name: str) -> str:
    """The first worksheet (as openpyxl's ``worksheets[0]``), without opening any sheet."""
    valid = set(reader.valid_files)
    for _sheet, rel in reader.parser.find_sheets():
        if rel.target in valid and "chartsheet" not in rel.Type:
            return rel.target
    raise _fail(name, Message("load.no_sheet"))


def _iter_xml(source) -> Iterator[tuple[str, object]]:
    from openpyxl.xml.functions import iterparse  # openpyxl's choice: defusedxml's when installed

    return iterparse(source, events=("start", "end"))


def _read_shared_strings(reader, name: str) -> list[str]:
    """openpyxl's shared-string table, read under budgets: declared count, XML size, strings actually read."""
    from openpyxl.cell.text import Text
    from openpyxl.xml.constants import SHARED_STRINGS, SHEET_MAIN_NS

    part = reader.package.find(SHARED_STRINGS)
    if part is None:
        return []
    path = part.PartName[1:]
    _check_part(reader.archive, path, name, MAX_SHARED_STRINGS_BYTES)
    item = f"{{{SHEET_MAIN_NS}}}si"
    strings: list[str] = []
    parents: list = []
    inside = 0  # depth inside the current <si>, kept whole until it ends
    with reader.archive.open(path) as source:
        for event, element in _iter_xml(source):
            if event == "start":
                if not parents:  # <sst count="…" uniqueCount="…">
                    _check_declared_strings(element, name)
                parents.append(element)
                inside = inside + 1 if inside or element.tag == item else 0
                if inside > MAX_XML_NODES_PER_CELL:
                    raise _too_big(name, Message("load.string_parts"))
                continue
            parents.pop()
            if element.tag == item:
                strings.append(Text.from_tree(element).content.replace("x005F_", ""))
                inside = 0
                if len(strings) > MAX_SHARED_STRINGS:
                    raise _too_big(name, Message("load.strings", limit=Count(MAX_SHARED_STRINGS)))
            if not inside and parents:
                parents[-1].remove(element)  # what is read is dropped: memory stays flat
    return strings


def _check_declared_strings(root, name: str) -> None:
    for attribute, limit in (("uniqueCount", MAX_SHARED_STRINGS), ("count", XLSX_MAX_ROWS * XLSX_MAX_COLUMNS)):
        value = root.get(attribute)
        if value is not None and value.isdigit() and int(value) > limit:
            raise _too_big(name, Message("load.strings_declared", n=Count(int(value)), attribute=attribute,
                                                 limit=Count(limit)))


def _check_dimension(archive: zipfile.ZipFile, path: str, name: str) -> None:
    """The sheet's declared used range (``<dimension ref="A1:F2000"/>``), read before its rows."""
    from openpyxl.utils.cell import range_boundaries

    ref = None
    with archive.open(path) as source:
        for count, (event, element) in enumerate(_iter_xml(source)):
            tag = element.tag.rpartition("}")[2]
            if event == "start" and tag == "dimension":
                ref = element.get("ref")
                break
            if tag == "sheetData" or count > 10_000:
                break  # no dimension: the budgets while reading still apply
    if not ref:
        return
    try:
        min_col, min_row, max_col, max_row = range_boundaries(ref.upper())
    except (ValueError, TypeError):
        return  # unreadable: as if absent
    columns, rows = (max_col or 1) - (min_col or 1) + 1, (max_row or 1) - (min_row or 1) + 1
    if columns > MAX_COLUMNS:
        raise _fail(name, Message("load.range_columns", ref=ref, n=Count(columns), limit=Count(MAX_COLUMNS)))
    if rows * columns > MAX_CELLS:
        raise _too_big(name, Message("load.range_cells", ref=ref, n=Count(rows * columns), limit=Count(MAX_CELLS)))


def _sheet_rows(source, workbook, strings: list[str], name: str) -> Iterator[tuple[int, list]]:
    """(sheet row number, values from column A) for each row written in the sheet, read as a stream.

    openpyxl's own reader pads every row to the declared dimension and keeps each row's XML whole;
    here each cell is converted by openpyxl's cell parser as soon as it ends, then dropped, and the
    sheet's size is counted against Excel's limits and ``MAX_CELLS`` as it goes."""
    from openpyxl.worksheet._reader import CELL_TAG, ROW_TAG, WorkSheetParser

    parser = WorkSheetParser(source, strings, data_only=True, epoch=workbook.epoch,
                             date_formats=workbook._date_formats, timedelta_formats=workbook._timedelta_formats)
    parents: list = []
    inside = 0  # nodes inside the current <c>, kept whole until it ends
    cells = rows = 0
    values: dict[int, object] = {}
    for event, element in _iter_xml(source):
        if event == "start":
            parents.append(element)
            if inside or element.tag == CELL_TAG:
                inside += 1
                if inside > MAX_XML_NODES_PER_CELL:
                    raise _too_big(name, Message("load.cell_parts", row=Count(parser.row_counter)))
            elif element.tag == ROW_TAG:
                number = element.get("r")
                parser.row_counter = int(float(number)) if number else parser.row_counter + 1
                parser.col_counter = 0
                rows += 1
                if parser.row_counter > XLSX_MAX_ROWS:
                    raise _too_big(name, Message("load.row_beyond", row=Count(parser.row_counter),
                                                         limit=Count(XLSX_MAX_ROWS)))
                if rows > XLSX_MAX_ROWS:  # numbered again and again
                    raise _too_big(name, Message("load.rows_excel", limit=Count(XLSX_MAX_ROWS)))
                values = {}
            continue
        parents.pop()
        if element.tag == CELL_TAG:
            inside = 0
            cells += 1
            if cells > MAX_CELLS:
                raise _too_big(name, Message("load.sheet_cells", limit=Count(MAX_CELLS), row=Count(parser.row_counter)))
            cell = parser.parse_cell(element)
            if cell["column"] > XLSX_MAX_COLUMNS:
                raise _too_big(name, Message("load.column_beyond", row=Count(parser.row_counter),
                                                     limit=Count(XLSX_MAX_COLUMNS)))
            if cell["value"] is not None:
                values[cell["column"]] = cell["value"]
        elif element.tag == ROW_TAG:
            yield parser.row_counter, [values.get(c) for c in range(1, max(values, default=0) + 1)]
        if not inside and parents:
            parents[-1].remove(element)  # what is read is dropped: memory stays flat


def _read_first_sheet(rows: Iterator[tuple[int, list]], name: str) -> _Parsed:
    headers, header_line = None, 0
    for number, row in rows:
        if any(not _blank(v) for v in row):
            headers, header_line = _trim_trailing_blanks([_cell_text(v) or "" for v in row]), number
            break
    if headers is None:
        raise _fail(name, Message("load.empty_sheet"))
    if len(headers) > MAX_COLUMNS:
        raise _fail(name, Message("load.too_many_columns", n=Count(len(headers)), limit=Count(MAX_COLUMNS)),
                    header_line)
    builder = _ColumnBuilder(len(headers))
    shape = _ShapeCheck(name)
    for number, row in rows:
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

    footer = struct.unpack_from("<I", data, len(data) - 8)[0] if len(data) >= 12 else 0
    if footer > MAX_PARQUET_FOOTER_BYTES:
        raise _too_big(name, Message("load.parquet_footer", size=Count(footer), limit=Count(MAX_PARQUET_FOOTER_BYTES)),
                       Message("load.advice_groups"))
    try:
        metadata = pq.ParquetFile(pa.BufferReader(data)).metadata
    except (pa.ArrowException, OSError) as exc:
        raise _fail(name, Message("load.bad_parquet", why=exc)) from None
    _check_parquet_metadata(metadata, name)
    try:
        table = pq.read_table(pa.BufferReader(data))
    except (pa.ArrowException, OSError) as exc:
        raise _fail(name, Message("load.bad_parquet", why=exc)) from None
    headers = [str(h) for h in table.column_names]
    if not headers:
        raise _fail(name, Message("load.empty_parquet"))
    columns = [_parquet_text(column, header, name) for column, header in zip(table.columns, headers, strict=True)]
    table = pa.table(columns, names=[str(i) for i in range(len(headers))])
    return _Parsed(headers, table, np.arange(2, table.num_rows + 2, dtype=np.int64))


def _check_parquet_metadata(metadata, name: str) -> None:
    """What the footer declares, before any data is read: columns, rows, row groups, inflated size."""
    if metadata.num_columns > MAX_COLUMNS:
        raise _fail(name, Message("load.parquet_columns", n=Count(metadata.num_columns), limit=Count(MAX_COLUMNS)))
    if metadata.num_row_groups > MAX_PARQUET_ROW_GROUPS:
        raise _too_big(name, Message("load.parquet_groups", n=Count(metadata.num_row_groups),
                                             limit=Count(MAX_PARQUET_ROW_GROUPS)), Message("load.advice_groups"))
    groups = [metadata.row_group(i) for i in range(metadata.num_row_groups)]
    rows = max(metadata.num_rows, sum(group.num_rows for group in groups))  # either may lie
    cells = rows * max(1, metadata.num_columns)
    if cells > MAX_CELLS:
        raise _too_big(name, Message("load.parquet_cells", rows=Count(rows), columns=Count(metadata.num_columns),
                                             cells=Count(cells), limit=Count(MAX_CELLS)), Message("load.advice_split"))
    inflated = sum(group.total_byte_size for group in groups)
    if inflated > MAX_PARQUET_UNCOMPRESSED_BYTES:
        raise _too_big(name, Message("load.parquet_inflates", size=Count(inflated),
                                             limit=Count(MAX_PARQUET_UNCOMPRESSED_BYTES)),
                       Message("load.advice_split"))


def _parquet_text(column: pa.ChunkedArray, header: str, name: str) -> pa.ChunkedArray:
    """Typed Parquet values as text, parsed again by ``validate`` like any other file."""
    kind = column.type
    if pa.types.is_dictionary(kind):
        column, kind = column.cast(kind.value_type), kind.value_type
    if pa.types.is_floating(kind):  # pandas writes missing numbers as NaN, not null
        column = pc.if_else(pc.is_nan(column), pa.scalar(None, kind), column)
    if pa.types.is_nested(kind):
        raise _fail(name, Message("load.parquet_nested", header=Quoted(header), type=kind))
    try:
        return _empty_to_null(column.cast(pa.large_string()))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        raise _fail(name, Message("load.parquet_type", header=Quoted(header), type=kind, why=exc)) from None


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
