"""Every bad file is refused through the command: exit 2, a line-cited message, nothing written, no traceback."""

import pytest
import sqlalchemy as sa

from loaders.__main__ import main

CUSTOMERS_HEADER = "customer_id;persona;churned\n"
TOUCH_HEADER = "customer_id;timestamp;channel;stage\n"
FEEDBACK_HEADER = "customer_id;timestamp;stage;nps;csat\n"

BAD = {
    # name: (kind, bytes, expected fragment of the message)
    "missing column": ("touchpoints", b"customer_id;timestamp\n1;01/02/2025\n", "channel"),
    "duplicated column": ("customers", b"customer_id;client;persona\n1;1;A\n", "customer_id"),
    "empty file": ("customers", b"", "empty"),
    "binary": ("customers", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "customers.csv"),
    "NUL byte": ("customers", b"customer_id;persona\n1;A\x00B\n", "line 2"),
    "ragged row": ("customers", CUSTOMERS_HEADER.encode() + b"1;A;oui;extra;more\n", "line 2"),
    "unterminated quote": ("customers", CUSTOMERS_HEADER.encode() + b'1;"A;oui\n2;B;non\n', "line 2"),
    "unparseable date": ("touchpoints", TOUCH_HEADER.encode() + b"1;hier;web;achat\n", "line 2, column timestamp"),
    "impossible date": ("touchpoints", TOUCH_HEADER.encode() + b"1;31/02/2025;web;achat\n", "'31/02/2025'"),
    "NPS out of range": ("feedback", FEEDBACK_HEADER.encode() + b"1;01/02/2025;achat;11;\n", "column nps"),
    "NPS not an integer": ("feedback", FEEDBACK_HEADER.encode() + b"1;01/02/2025;achat;7,5;\n", "'7,5'"),
    "CSAT out of range": ("feedback", FEEDBACK_HEADER.encode() + b"1;01/02/2025;achat;;6\n", "column csat"),
    "unknown stage": ("touchpoints", TOUCH_HEADER.encode() + b"1;01/02/2025;web;Bidule\n", "'Bidule' is not a stage"),
    "empty customer_id": ("touchpoints", TOUCH_HEADER.encode() + b";01/02/2025;web;achat\n", "column customer_id"),
    "empty stage": ("touchpoints", TOUCH_HEADER.encode() + b"1;01/02/2025;web;\n", "column stage"),
    "unknown boolean": ("customers", CUSTOMERS_HEADER.encode() + b"1;A;peut-etre\n", "'peut-etre'"),
    "same customer, other attributes": ("customers", CUSTOMERS_HEADER.encode() + b"1;A;oui\n1;B;oui\n", "line 3"),
}


def count_rows(url):
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            if not sa.inspect(conn).has_table("customers"):
                return 0
            return sum(conn.exec_driver_sql(f"select count(*) from {t}").scalar()
                       for t in ("customers", "touchpoints", "feedback", "import_batches"))
    finally:
        engine.dispose()


@pytest.mark.parametrize("case", list(BAD))
def test_bad_file_is_refused(case, tmp_path, duckdb_url, capsys):
    kind, content, expected = BAD[case]
    path = tmp_path / f"{kind}.csv"
    path.write_bytes(content)
    good = tmp_path / "good_customers.csv"
    good.write_text("customer_id;persona\n1;A\n", encoding="utf-8")
    args = ["import", "--db", duckdb_url, f"--{kind}", str(path)]
    if kind != "customers":
        args += ["--customers", str(good)]  # a valid file in the same import is not written either
    assert main(args) == 2
    err = capsys.readouterr().err
    assert f"{kind}.csv" in err and expected in err, err
    assert "Traceback" not in err
    assert count_rows(duckdb_url) == 0


@pytest.mark.parametrize("what", ["missing", "directory"])
def test_missing_file_or_directory(what, tmp_path, duckdb_url, capsys):
    path = tmp_path / "customers.csv"
    if what == "directory":
        path.mkdir()
    assert main(["import", "--db", duckdb_url, "--customers", str(path)]) == 2
    err = capsys.readouterr().err
    assert "customers.csv" in err and "Traceback" not in err
