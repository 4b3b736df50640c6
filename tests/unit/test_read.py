"""read_table: formats and encodings detected from the bytes, text kept as written, exact line numbers,
and a clear InputErrors (never a traceback) for files that cannot be used."""

import datetime as dt
import hashlib
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from loaders import read
from loaders.errors import InputErrors
from loaders.read import LINE_COLUMN, read_table

EXAMPLES = Path(__file__).resolve().parents[2] / "sample_data" / "export-crm-fr"


def write(path: Path, content: str | bytes, encoding: str = "utf-8") -> Path:
    path.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
    return path


def rows(raw) -> list[dict]:
    """Records as {header: value or None, "line": n}."""
    out = []
    for record in raw.data.to_dict("records"):
        row = {h: (None if pd.isna(record[i]) else record[i]) for i, h in enumerate(raw.headers)}
        row["line"] = record[LINE_COLUMN]
        out.append(row)
    return out


def file_error(path: Path) -> str:
    with pytest.raises(InputErrors) as caught:
        read_table(path)
    assert all(e.file == path.name for e in caught.value.errors)
    return str(caught.value)


# --- the real French export ----------------------------------------------------------------------


def test_french_customers_export():
    raw = read_table(EXAMPLES / "clients.csv")
    assert raw.encoding == "cp1252" and raw.delimiter == ";" and raw.format == "csv"
    assert raw.headers == ["Identifiant client", "Persona", "Segment", "Région", "Date d'inscription", "Résilié"]
    first = rows(raw)[0]
    assert first == {"Identifiant client": "000000", "Persona": "Cliente pressée", "Segment": "Professionnel",
                     "Région": "Hauts-de-France", "Date d'inscription": "05/01/2024", "Résilié": "VRAI", "line": 2}
    assert len(raw.data) == 12 and list(raw.data[LINE_COLUMN]) == list(range(2, 14))
    assert raw.sha256 == hashlib.sha256((EXAMPLES / "clients.csv").read_bytes()).hexdigest()


def test_french_feedback_export_keeps_comments_and_counts_lines_across_them():
    raw = read_table(EXAMPLES / "avis.csv")
    by_id = {r["Identifiant client"]: r for r in rows(raw)}
    assert by_id["000000"]["Commentaire"] == "Très bon conseil ; merci"
    assert by_id["000002"]["Commentaire"] == "Livraison rapide\nmais colis abîmé"
    assert by_id["000004"]["Commentaire"] == '"Parfait"'
    assert by_id["000003"]["Commentaire"] is None
    # Each multi-line comment pushes the following records one line further down.
    assert [by_id[f"{i:06d}"]["line"] for i in range(12)] == [2, 3, 4, 6, 7, 8, 9, 10, 12, 13, 14, 15]


def test_french_touchpoints_export_amounts_stay_text():
    raw = read_table(EXAMPLES / "points_de_contact.csv")
    amounts = [r["Montant (€)"] for r in rows(raw) if r["Montant (€)"]]
    assert "2257,54 €" in amounts and len(raw.data) == 33


# --- encodings -----------------------------------------------------------------------------------

TEXT = "Identifiant client;Étape;Montant\n007;Considération;1 234,50 €\n"


@pytest.mark.parametrize(("encoding", "expected"), [
    ("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("cp1252", "cp1252"), ("utf-16", "utf-16"),
    ("utf-16-be", "utf-16"),
])
def test_encodings_are_detected(tmp_path, encoding, expected):
    content = TEXT.encode(encoding)
    if encoding == "utf-16-be":
        content = b"\xfe\xff" + content  # Python writes no BOM for the explicit-endian codec
    raw = read_table(write(tmp_path / "f.csv", content))
    assert raw.encoding == expected
    assert raw.headers == ["Identifiant client", "Étape", "Montant"]  # no BOM glued to the first header
    assert rows(raw) == [{"Identifiant client": "007", "Étape": "Considération", "Montant": "1 234,50 €", "line": 2}]


def test_format_comes_from_the_content_not_the_extension(tmp_path):
    raw = read_table(write(tmp_path / "export.xlsx", "a;b\n1;2\n"))
    assert raw.format == "csv" and rows(raw) == [{"a": "1", "b": "2", "line": 2}]


def test_windows_1252_bytes(tmp_path):
    raw = read_table(write(tmp_path / "f.csv", b"client;canal\n1;R\xe9seaux \x80\x9c\n"))
    assert rows(raw)[0]["canal"] == "Réseaux €œ"


def test_excel_unicode_text_is_utf16_with_tabs(tmp_path):
    raw = read_table(write(tmp_path / "export.txt", "client\tcanal\r\n042\tSite web\r\n", "utf-16"))
    assert raw.delimiter == "\t" and rows(raw) == [{"client": "042", "canal": "Site web", "line": 2}]


def test_bytes_that_are_neither_utf8_nor_windows_1252(tmp_path):
    assert "line 2" in file_error(write(tmp_path / "f.csv", b"a;b\n1;\x81\n"))


def test_bom_with_invalid_utf8_is_an_error(tmp_path):
    assert "line 2: starts with a UTF-8 marker" in file_error(write(tmp_path / "f.csv", b"\xef\xbb\xbfa;b\n1;\xff\n"))


# --- separators and quoting ----------------------------------------------------------------------


@pytest.mark.parametrize("sep", [",", ";", "\t", "|"])
def test_separator_is_detected_from_the_header(tmp_path, sep):
    raw = read_table(write(tmp_path / "f.tsv", f"a{sep}b{sep}c\n1{sep}2{sep}3\n"))
    assert raw.delimiter == sep and rows(raw) == [{"a": "1", "b": "2", "c": "3", "line": 2}]


def test_separators_inside_quoted_headers_do_not_count(tmp_path):
    raw = read_table(write(tmp_path / "f.csv", '"Montant; TTC",client,date\n"1;5",2,3\n'))
    assert raw.delimiter == "," and raw.headers == ["Montant; TTC", "client", "date"]
    assert rows(raw)[0]["Montant; TTC"] == "1;5"


QUOTED = (
    'id;comment;n\r\n'
    '1;"a ; b";x\r\n'
    '2;"he said ""hi""";y\r\n'
    '3;"two\r\nlines";z\r\n'
    '\r\n'
    ';;\r\n'
    '4;"three\nlf\nlines";w\r\n'
    ' ;\t; \r\n'
    '5;plain;v\r\n'
)
QUOTED_ROWS = [
    {"id": "1", "comment": "a ; b", "n": "x", "line": 2},
    {"id": "2", "comment": 'he said "hi"', "n": "y", "line": 3},
    {"id": "3", "comment": "two\r\nlines", "n": "z", "line": 4},
    {"id": "4", "comment": "three\nlf\nlines", "n": "w", "line": 8},
    {"id": "5", "comment": "plain", "n": "v", "line": 12},
]


def test_quotes_separators_newlines_and_empty_records(tmp_path, monkeypatch):
    monkeypatch.setattr(read, "_parse_csv_python", None)  # Arrow's fast path must handle all of it
    assert rows(read_table(write(tmp_path / "f.csv", QUOTED))) == QUOTED_ROWS


def test_careful_parser_gives_the_same_records_and_lines(tmp_path, monkeypatch):
    """The Python csv path (used when Arrow's parser refuses a file) agrees with the fast path."""
    monkeypatch.setattr(read, "_parse_csv_arrow", lambda data, header: None)
    monkeypatch.setattr(read, "_CHUNK_ROWS", 2)  # several Arrow chunks
    assert rows(read_table(write(tmp_path / "f.csv", QUOTED))) == QUOTED_ROWS


def test_blank_records_of_any_length_are_skipped(tmp_path):
    raw = read_table(write(tmp_path / "f.csv", "a;b;c\n1;2;3\n \n;;;;;;\n\t;\n4;5;6\n"))
    assert [r["line"] for r in rows(raw)] == [2, 6]


def test_blank_lines_before_the_header_and_between_records(tmp_path):
    raw = read_table(write(tmp_path / "f.csv", "\n\nid;x\n\n1;a\n;\n\n2;b"))
    assert raw.header_line == 3
    assert rows(raw) == [{"id": "1", "x": "a", "line": 5}, {"id": "2", "x": "b", "line": 8}]


def test_values_are_never_inferred(tmp_path):
    raw = read_table(write(tmp_path / "f.csv", "id,n,d,b\n00123,1e3,2024-01-01,TRUE\n,  ,x,\n"))
    assert rows(raw) == [
        {"id": "00123", "n": "1e3", "d": "2024-01-01", "b": "TRUE", "line": 2},
        {"id": None, "n": "  ", "d": "x", "b": None, "line": 3},
    ]
    assert all(isinstance(raw.data[i].dtype, pd.StringDtype) for i in range(4))


def test_header_only_is_a_valid_file_without_records(tmp_path):
    for content in ("a;b;c\r\n", "a;b;c"):
        raw = read_table(write(tmp_path / "f.csv", content))
        assert raw.headers == ["a", "b", "c"] and len(raw.data) == 0


# --- bad CSV files -------------------------------------------------------------------------------


def test_ragged_records_name_the_line_and_counts(tmp_path):
    message = file_error(write(tmp_path / "f.csv", "a;b;c\n1;2;3\n4;5\n6;7;8;9\n;;;;;\n10;11;12;;\n"))
    assert "f.csv line 3: has 2 fields but the header has 3" in message
    assert "f.csv line 4: has 4 fields but the header has 3" in message
    assert "line 5" not in message and "line 6" not in message  # empty record; trailing empty fields


def test_many_ragged_records_are_summarised(tmp_path):
    content = "a;b\n" + "1;2;3\n" * (read.MAX_RAGGED_REPORTED + 5)
    with pytest.raises(InputErrors) as caught:
        read_table(write(tmp_path / "f.csv", content))
    assert len(caught.value.errors) == read.MAX_RAGGED_REPORTED + 1
    assert "5 more records with a wrong number of fields" in caught.value.errors[-1].reason


def test_unterminated_quote_names_the_line_where_it_opens(tmp_path):
    message = file_error(write(tmp_path / "f.csv", 'a;b\n1;2\n3;"abc\n4;5\n6;7\n'))
    assert message == 'f.csv line 3: a quoted field starting on this line is never closed (missing ")'


def test_nul_byte_names_its_line(tmp_path):
    assert "f.csv line 3: contains a NUL byte" in file_error(write(tmp_path / "f.csv", b"a;b\n1;2\n3;\x004\n"))


@pytest.mark.parametrize("content", [b"", b"\r\n\r\n"])
def test_empty_file(tmp_path, content):
    assert file_error(write(tmp_path / "f.csv", content)) == "f.csv: empty file: no header line"


def test_binary_file(tmp_path):
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))
    assert "not a CSV, Excel (.xlsx) or Parquet file" in file_error(write(tmp_path / "photo.csv", png))
    noise = bytes(np.random.default_rng(0).integers(0, 256, 4000, dtype=np.uint8))
    assert "binary content" in file_error(write(tmp_path / "noise.csv", noise))


def test_missing_file_and_directory(tmp_path):
    assert file_error(tmp_path / "nope.csv").startswith("nope.csv: file not found")
    (tmp_path / "folder.csv").mkdir()
    assert file_error(tmp_path / "folder.csv") == "folder.csv: is a directory, not a file"


def test_old_excel_and_corrupt_workbooks(tmp_path):
    assert "old Excel (.xls)" in file_error(write(tmp_path / "f.xls", b"\xd0\xcf\x11\xe0" + bytes(100)))
    assert "not a readable Excel workbook" in file_error(write(tmp_path / "f.xlsx", b"PK\x03\x04garbage"))
    assert "not a readable Parquet file" in file_error(write(tmp_path / "f.parquet", b"PAR1garbage"))


# --- XLSX ----------------------------------------------------------------------------------------


def workbook(path: Path, sheets: dict[str, list[list]]) -> Path:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, cells in sheets.items():
        sheet = wb.create_sheet(title)
        for r, row in enumerate(cells, start=1):
            for c, value in enumerate(row, start=1):
                if value is not None:
                    sheet.cell(row=r, column=c, value=value)
    wb.save(path)
    return path


def test_xlsx_first_sheet_typed_cells_and_sheet_row_numbers(tmp_path):
    path = workbook(tmp_path / "export.csv", {  # detected by content, whatever the extension
        "Points": [
            [None],
            ["Client", "Date", "Montant", "Actif", "Code"],
            [123.0, dt.datetime(2024, 3, 10, 14, 30), 2257.54, True, "007"],
            [None, None, None, None, None],
            [456, dt.date(2024, 3, 11), 12, False, None],
        ],
        "Other": [["ignored"]],
    })
    raw = read_table(path)
    assert raw.format == "xlsx" and raw.delimiter is None and raw.decimal_mark == "."
    assert raw.header_line == 2 and raw.headers == ["Client", "Date", "Montant", "Actif", "Code"]
    assert rows(raw) == [
        {"Client": "123", "Date": "2024-03-10T14:30:00", "Montant": "2257.54", "Actif": "true", "Code": "007",
         "line": 3},
        {"Client": "456", "Date": "2024-03-11T00:00:00", "Montant": "12", "Actif": "false", "Code": None,
         "line": 5},
    ]


def test_xlsx_values_beyond_the_header_are_ragged(tmp_path):
    path = workbook(tmp_path / "f.xlsx", {"S": [["a", "b"], [1, 2], [3, 4, "extra"]]})
    assert "f.xlsx line 3: has 3 fields but the header has 2" in file_error(path)


def test_xlsx_with_an_empty_first_sheet(tmp_path):
    path = workbook(tmp_path / "f.xlsx", {"S": [[None]]})
    assert "empty file" in file_error(path)


# --- Parquet -------------------------------------------------------------------------------------


def test_parquet_values_become_text_and_lines_are_index_plus_two(tmp_path):
    table = pa.table({
        "customer_id": pa.array([7, 8, None]),
        "amount": pa.array([12.5, float("nan"), 3.0]),
        "when": pa.array([dt.datetime(2024, 3, 10, 14)] * 3, type=pa.timestamp("us")),
        "utc": pa.array([dt.datetime(2024, 3, 10, 13, tzinfo=dt.UTC)] * 3, type=pa.timestamp("us", tz="UTC")),
        "day": pa.array([dt.date(2024, 3, 10)] * 3),
        "channel": pa.array(["Web", "Shop", ""]).dictionary_encode(),
        "flag": pa.array([True, False, None]),
    })
    path = tmp_path / "points.dat"
    pq.write_table(table, path)
    raw = read_table(path)
    assert raw.format == "parquet" and list(raw.data[LINE_COLUMN]) == [2, 3, 4]
    first, second, third = rows(raw)
    assert first == {"customer_id": "7", "amount": "12.5", "when": "2024-03-10 14:00:00.000000",
                     "utc": "2024-03-10 13:00:00.000000Z", "day": "2024-03-10", "channel": "Web",
                     "flag": "true", "line": 2}
    assert second["amount"] is None and third["customer_id"] is None and third["channel"] is None


def test_a_quote_inside_a_header_name_is_a_character_not_a_traceback(tmp_path):
    # found by the fuzz test: the stray quote opened a quoted span that ran to the end of the file
    path = write(tmp_path / "t.csv", 'customer_id;ti"mestamp;channel;stage\r\n1;2024-01-01;Web;awareness\r\n')
    raw = read_table(path)
    assert raw.headers == ["customer_id", 'ti"mestamp', "channel", "stage"]
    assert rows(raw) == [{"customer_id": "1", 'ti"mestamp': "2024-01-01", "channel": "Web", "stage": "awareness",
                          "line": 2}]
