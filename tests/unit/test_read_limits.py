"""Hostile input never takes the server down (issue 13): read_table refuses oversized or inflating files
quickly, under a memory limit, with an InputErrors message, and still reads what is merely large.

The bombs are built here with zipfile and raw sheet XML (or pyarrow for Parquet) and read in a child
process limited to MEMORY_LIMIT of address space and TIMEOUT seconds, as a server would be."""

import subprocess
import sys
import time
import tomllib
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from loaders import read
from loaders.errors import InputErrors
from loaders.read import LINE_COLUMN, read_table

ROOT = Path(__file__).resolve().parents[2]
MEMORY_LIMIT = 1536 * 1024 * 1024
TIMEOUT = 30

CHILD = """
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, (int(sys.argv[2]), int(sys.argv[2])))
from loaders.errors import InputErrors
from loaders.read import read_table
try:
    raw = read_table(sys.argv[1])
except InputErrors as exc:
    print(exc)
    sys.exit(3)
print(f"read {len(raw.data)} rows of {len(raw.headers)} columns")
"""


def read_in_child(path: Path) -> tuple[int, str, float]:
    """(exit code: 0 read, 3 refused; output; seconds) of read_table in a memory-limited process."""
    start = time.monotonic()
    result = subprocess.run([sys.executable, "-c", CHILD, str(path), str(MEMORY_LIMIT)], cwd=ROOT,
                            capture_output=True, text=True, timeout=TIMEOUT)
    assert result.stderr == "", result.stderr[-2000:]  # no traceback, no MemoryError
    return result.returncode, result.stdout.strip(), time.monotonic() - start


def refused_in_child(path: Path, *expected: str) -> str:
    code, output, seconds = read_in_child(path)
    assert code == 3, output
    assert output.startswith(f"{path.name}: ") or output.startswith(f"{path.name} line ")
    for text in expected:
        assert text in output
    assert seconds < 15, f"refused, but after {seconds:.0f} s"
    return output


def refused(path: Path) -> str:
    with pytest.raises(InputErrors) as caught:
        read_table(path)
    assert all(e.file == path.name for e in caught.value.errors)
    return str(caught.value)


def test_the_limits_follow_the_upload_cap_of_the_data_page():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert read.UPLOAD_CAP_BYTES == config["server"]["maxUploadSize"] * 1024 * 1024
    assert read.MAX_COLUMNS == 1_000
    assert read.MAX_CELLS == read.UPLOAD_CAP_BYTES // 8
    assert read.MAX_XLSX_UNCOMPRESSED_BYTES == 4 * read.UPLOAD_CAP_BYTES


# --- XLSX written by hand -------------------------------------------------------------------------

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006/relationships"
CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"


def xlsx(path: Path, rows, dimension: str | None = None, strings=None, count: str = "") -> Path:
    """A minimal workbook: ``rows`` (bytes, or chunks of bytes) is the content of <sheetData>,
    ``strings`` (likewise) the <si> items of a shared-string table with the attributes ``count``."""
    types = (f'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
             f'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
             f'<Default Extension="xml" ContentType="application/xml"/>'
             f'<Override PartName="/xl/workbook.xml" ContentType="{CT}.sheet.main+xml"/>'
             f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{CT}.worksheet+xml"/>'
             + (f'<Override PartName="/xl/sharedStrings.xml" ContentType="{CT}.sharedStrings+xml"/>'
                if strings is not None else "") + "</Types>")
    workbook_rels = (f'<Relationships xmlns="{PKG}"><Relationship Id="rId1" Target="worksheets/sheet1.xml" '
                     f'Type="{REL}/worksheet"/>'
                     + (f'<Relationship Id="rId2" Target="sharedStrings.xml" Type="{REL}/sharedStrings"/>'
                        if strings is not None else "") + "</Relationships>")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", types)
        archive.writestr("_rels/.rels", f'<Relationships xmlns="{PKG}"><Relationship Id="rId1" '
                                        f'Target="xl/workbook.xml" Type="{REL}/officeDocument"/></Relationships>')
        archive.writestr("xl/workbook.xml", f'<workbook xmlns="{NS}" xmlns:r="{REL}"><sheets><sheet name="S" '
                                            f'sheetId="1" r:id="rId1"/></sheets></workbook>')
        archive.writestr("xl/_rels/workbook.xml.rels", workbook_rels)
        head = f'<worksheet xmlns="{NS}">' + (f'<dimension ref="{dimension}"/>' if dimension else "")
        _stream(archive, "xl/worksheets/sheet1.xml", head + "<sheetData>", rows, "</sheetData></worksheet>")
        if strings is not None:
            _stream(archive, "xl/sharedStrings.xml", f'<sst xmlns="{NS}" {count}>', strings, "</sst>")
    return path


def _stream(archive: zipfile.ZipFile, name: str, head: str, body, tail: str) -> None:
    with archive.open(name, "w", force_zip64=True) as part:
        part.write(head.encode())
        for chunk in [body] if isinstance(body, bytes) else body:
            part.write(chunk)
        part.write(tail.encode())


def repeated(piece: bytes, times: int, batch: int = 100_000):
    """``piece`` * ``times``, in chunks (a bomb is built without holding it in memory)."""
    for done in range(0, times, batch):
        yield piece * min(batch, times - done)


def text_cell(text: str, ref: str = "") -> str:
    where = f' r="{ref}"' if ref else ""
    return f'<c{where} t="inlineStr"><is><t>{text}</t></is></c>'


HEADER_ROW = ("<row>" + text_cell("customer_id") + text_cell("comment") + "</row>").encode()
ROW = b"<row>" + text_cell("0042").encode() + text_cell("fine").encode() + b"</row>"


def test_a_small_handmade_workbook_is_read_under_the_memory_limit(tmp_path):
    path = xlsx(tmp_path / "ok.xlsx", HEADER_ROW + ROW * 3, dimension="A1:B4")
    assert read_in_child(path)[:2] == (0, "read 3 rows of 2 columns")
    raw = read_table(path)
    assert raw.headers == ["customer_id", "comment"] and list(raw.data[LINE_COLUMN]) == [2, 3, 4]
    assert list(raw.data[0]) == ["0042"] * 3


@pytest.mark.parametrize(("dimension", "expected"), [
    ("A1:XFD1048576", "used range A1:XFD1048576 has 16,384 columns"),
    ("A1:ALL1048576", "used range A1:ALL1048576 holds 1,048,576,000 cells"),
])
def test_a_huge_declared_dimension_is_refused_before_reading(tmp_path, dimension, expected):
    """1.5 MB of repeated rows declaring a sheet of 17 billion cells reached 13 GB in 337 s."""
    path = xlsx(tmp_path / "bomb.xlsx", repeated(HEADER_ROW, 9_000), dimension=dimension)
    assert path.stat().st_size < 100_000
    refused_in_child(path, expected)


def test_a_workbook_that_inflates_500_times_is_refused_before_inflating(tmp_path):
    """An 89 KB workbook took 80 s and 1.6 GB: its rows end with thousands of empty cells (46 MB of XML)."""
    bloated_row = ROW[:-len(b"</row>")] + b"<c/>" * 10_000 + b"</row>"
    path = xlsx(tmp_path / "small.xlsx", [HEADER_ROW, *repeated(bloated_row, 1_150, batch=100)])
    assert path.stat().st_size < 120_000
    refused_in_child(path, "part xl/worksheets/sheet1.xml inflates", "times", "more than the 100 accepted")


def test_a_shared_strings_bomb_is_refused(tmp_path):
    """A shared-string table of millions of items, inflating from almost nothing, ran 420 s."""
    path = xlsx(tmp_path / "strings.xlsx", HEADER_ROW, strings=repeated(b"<si><t>x</t></si>", 5_000_000),
                count='count="5000000" uniqueCount="5000000"')
    refused_in_child(path, "part xl/sharedStrings.xml inflates")


def test_a_declared_shared_string_count_beyond_the_limit_is_refused(tmp_path):
    path = xlsx(tmp_path / "declared.xlsx", HEADER_ROW, strings=b"<si><t>x</t></si>" * 10,
                count='count="4000000000" uniqueCount="4000000000"')
    refused_in_child(path, "declares 4,000,000,000 texts (uniqueCount)")


def test_shared_strings_beyond_the_budget_are_refused_while_reading(tmp_path, monkeypatch):
    """The declared count may lie or be absent: the strings actually read are counted."""
    monkeypatch.setattr(read, "MAX_SHARED_STRINGS", 1_000)
    items = b"".join(f"<si><t>{i}</t></si>".encode() for i in range(1_001))
    assert "more than 1,000 distinct texts" in refused(xlsx(tmp_path / "s.xlsx", HEADER_ROW, strings=items,
                                                              count='uniqueCount="3"'))
    items = b"".join(f"<si><t>{i}</t></si>".encode() for i in range(1_000))
    row = b'<row><c t="s"><v>999</v></c><c t="s"><v>7</v></c></row>'
    raw = read_table(xlsx(tmp_path / "ok.xlsx", HEADER_ROW + row, strings=items))
    assert list(raw.data[0]) == ["999"] and list(raw.data[1]) == ["7"]


def test_a_lying_dimension_does_not_stop_the_budgets(tmp_path, monkeypatch):
    row_far_down = f'<row r="{read.XLSX_MAX_ROWS + 1}">{text_cell("x")}</row>'.encode()
    path = xlsx(tmp_path / "rows.xlsx", HEADER_ROW + row_far_down, dimension="A1:B2")
    assert "a row 1,048,577, beyond Excel's last row" in refused(path)
    wide_row = b"<row>" + b"<c><v>1</v></c>" * (read.XLSX_MAX_COLUMNS + 1) + b"</row>"
    path = xlsx(tmp_path / "wide.xlsx", HEADER_ROW + wide_row, dimension="A1:B2")
    assert "row 2 has a cell beyond Excel's last column" in refused(path)
    deep_cell = b'<row><c t="inlineStr"><is>' + b"<r><t>a</t></r>" * 6_000 + b"</is></c></row>"
    assert "has too many parts" in refused(xlsx(tmp_path / "deep.xlsx", HEADER_ROW + deep_cell))
    monkeypatch.setattr(read, "MAX_CELLS", 100)
    path = xlsx(tmp_path / "cells.xlsx", HEADER_ROW + ROW * 60, dimension="A1:B2")
    assert "holds more than 100 cells (row 51)" in refused(path)


def test_zip_directories_and_compressions_a_workbook_never_has(tmp_path):
    path = tmp_path / "parts.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        for i in range(read.MAX_ZIP_ENTRIES + 1):
            archive.writestr(f"p{i}", b"")
    assert "holds 10,001 parts" in refused(path)
    path = tmp_path / "bzip.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_BZIP2) as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
    assert "unusual compression" in refused(path)


def test_the_total_inflated_size_is_bounded(tmp_path, monkeypatch):
    path = xlsx(tmp_path / "total.xlsx", HEADER_ROW + ROW)
    monkeypatch.setattr(read, "MAX_XLSX_UNCOMPRESSED_BYTES", 500)
    assert "more than the 500 accepted" in refused(path)


def workbook(path: Path, rows: list[list]) -> Path:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


def test_xlsx_1000_columns_are_read_and_1001_refused(tmp_path):
    raw = read_table(workbook(tmp_path / "ok.xlsx", [[f"c{i}" for i in range(1_000)], list(range(1_000))]))
    assert len(raw.headers) == 1_000 and raw.data.iloc[0, 999] == "999"
    message = refused(workbook(tmp_path / "wide.xlsx", [[f"c{i}" for i in range(1_001)], [1]]))
    assert "has 1,001 columns: at most 1,000 are accepted" in message
    # Without a dimension, the header row itself is counted.
    header = b"<row>" + b"".join(text_cell(f"c{i}").encode() for i in range(1_001)) + b"</row>"
    assert "the header has 1,001 columns" in refused(xlsx(tmp_path / "nodim.xlsx", header))


# --- Parquet --------------------------------------------------------------------------------------


def test_a_small_parquet_file_is_read_under_the_memory_limit(tmp_path):
    path = tmp_path / "ok.parquet"
    pq.write_table(pa.table({"customer_id": ["0042", "0043"], "revenue": [1.5, 2.0]}), path)
    assert read_in_child(path)[:2] == (0, "read 2 rows of 2 columns")


def test_parquet_declaring_too_many_rows_is_refused_before_reading(tmp_path):
    path = tmp_path / "rows.parquet"
    pq.write_table(pa.table({"n": np.zeros(70_000_000, dtype=np.int8)}), path, compression="zstd")
    assert path.stat().st_size < 1_000_000
    refused_in_child(path, "declares 70,000,000 rows × 1 columns")


def test_parquet_with_too_many_row_groups_is_refused(tmp_path):
    path = tmp_path / "groups.parquet"
    table = pa.table({"n": pa.array(np.zeros(read.MAX_PARQUET_ROW_GROUPS + 1, dtype=np.int8))})
    pq.write_table(table, path, row_group_size=1, compression="none", write_statistics=False)
    refused_in_child(path, "has 10,001 row groups")


def test_parquet_declared_sizes_are_bounded(tmp_path, monkeypatch):
    path = tmp_path / "sizes.parquet"
    pq.write_table(pa.table({"comment": ["x" * 1_000] * 10}), path, compression="zstd")
    monkeypatch.setattr(read, "MAX_PARQUET_UNCOMPRESSED_BYTES", 1_000)
    assert "the Parquet data inflates to" in refused(path)
    monkeypatch.setattr(read, "MAX_PARQUET_FOOTER_BYTES", 10)
    assert "the Parquet metadata takes" in refused(path)


def test_parquet_1000_columns_are_read_and_1001_refused(tmp_path):
    path = tmp_path / "ok.parquet"
    pq.write_table(pa.table({f"c{i}": [i] for i in range(1_000)}), path)
    assert len(read_table(path).headers) == 1_000
    pq.write_table(pa.table({f"c{i}": [i] for i in range(1_001)}), path)
    assert "the Parquet file has 1,001 columns: at most 1,000 are accepted" in refused(path)


# --- CSV ------------------------------------------------------------------------------------------


def test_a_million_column_header_is_refused_before_reading_records(tmp_path):
    """An 8.9 MB CSV with a 1M-column header took 135 s and 5.6 GB, and was accepted."""
    path = tmp_path / "wide.csv"
    path.write_text(",".join(f"c{i}" for i in range(1_000_000)) + "\n" + "1," * 999_999 + "1\n")
    assert path.stat().st_size > 8_000_000
    output = refused_in_child(path, "line 1: the header has 1,000,000 columns: at most 1,000 are accepted")
    assert output.count("\n") == 0


@pytest.mark.parametrize("quoted", [False, True])
def test_csv_1000_columns_are_read_and_1001_refused(tmp_path, quoted):
    name = '"c;{}"' if quoted else "c{}"  # separators inside quoted headers do not count
    path = tmp_path / "f.csv"
    path.write_text(";".join(name.format(i) for i in range(1_000)) + "\n" + ";".join("1" * 1_000) + "\n")
    raw = read_table(path)
    assert len(raw.headers) == 1_000 and raw.data.iloc[0, 999] == "1"
    path.write_text(";".join(name.format(i) for i in range(1_001)) + "\n" + ";".join("1" * 1_001) + "\n")
    assert refused(path) == ("f.csv line 1: the header has 1,001 columns: at most 1,000 are accepted "
                             "(check the separator, or remove the columns that are not imported)")


def test_a_csv_of_empty_cells_is_refused_before_parsing(tmp_path):
    """70 MB of separators would be 70M empty cells: ~1.3 GB once parsed."""
    path = tmp_path / "empty.csv"
    with path.open("w") as out:
        out.write(";".join(f"c{i}" for i in range(1_000)) + "\n")
        out.writelines(repeated_text("1" + ";" * 999 + "\n", 70_000))
    refused_in_child(path, "the file holds about 70,000 records of 1,000 columns (70,000,000 cells), more than the "
                           "65,536,000 accepted for its size")


def test_a_csv_bigger_than_the_upload_cap_may_hold_more_cells(tmp_path, monkeypatch):
    """The command line reads exports bigger than the cap: a cell per 8 bytes stays accepted."""
    monkeypatch.setattr(read, "MAX_CELLS", 10)
    path = tmp_path / "f.csv"
    path.write_text("id;comment\n" + "00001;123456789\n" * 10)
    assert len(read_table(path).data) == 10
    path.write_text("id;comment\n" + "1;2\n" * 10)
    assert "about 10 records of 2 columns (20 cells), more than the 10 accepted for its size" in refused(path)


def repeated_text(piece: str, times: int, batch: int = 10_000):
    for done in range(0, times, batch):
        yield piece * min(batch, times - done)


COMMENT = 'Tout va bien ; sauf "la livraison", vraiment,\r\net le reste\n' * 35_000  # ~2 MB


def long_comment_file(path: Path) -> Path:
    quoted = '"' + COMMENT.replace('"', '""') + '"'
    path.write_bytes(f"id;comment;n\r\n1;{quoted};z\r\n2;court;w\r\n".encode())
    return path


def check_long_comment(raw) -> None:
    assert len(COMMENT) > 2_000_000
    assert list(raw.data[0]) == ["1", "2"] and list(raw.data[2]) == ["z", "w"]
    assert raw.data[1][0] == COMMENT and raw.data[1][1] == "court"
    assert list(raw.data[LINE_COLUMN]) == [2, 2 + 2 * 35_000 + 1]


def test_a_2_mb_quoted_comment_is_read_whole_by_the_fast_path(tmp_path, monkeypatch):
    monkeypatch.setattr(read, "_parse_csv_python", None)  # Arrow's parser must read it alone
    check_long_comment(read_table(long_comment_file(tmp_path / "f.csv")))


def test_a_2_mb_quoted_comment_is_read_whole_by_the_careful_path(tmp_path, monkeypatch):
    monkeypatch.setattr(read, "_parse_csv_arrow", lambda data, header: None)
    check_long_comment(read_table(long_comment_file(tmp_path / "f.csv")))


def test_a_2_mb_quoted_comment_in_a_file_the_careful_path_must_read(tmp_path):
    """Excel's trailing separators send a file to the careful path: its long comment is read too."""
    path = tmp_path / "f.csv"
    quoted = '"' + COMMENT.replace('"', '""') + '"'
    path.write_bytes(f"id;comment;n\n1;{quoted};z;;\n2;court;w\n".encode())
    raw = read_table(path)
    assert raw.data[1][0] == COMMENT and list(raw.data[2]) == ["z", "w"]
