"""The French CRM export imports with one command, and the report equals an independent computation;
importing twice equals importing once; DuckDB and PostgreSQL give the same report."""

import csv
import io
import json
import subprocess
import sys
from datetime import datetime
from decimal import Decimal

import pytest

from tests.conftest import EXAMPLES, ROOT
from tests.reference import reference_report

STAGES = ["awareness", "consideration", "purchase", "service", "loyalty", "advocacy"]
# Written by hand from the file, independently of the importer's alias and slug code.
FRENCH_STAGE = {"sensibilisation": "awareness", "considération": "consideration", "achat": "purchase",
                "service après-vente": "service", "fidélisation": "loyalty", "recommandation": "advocacy"}
CHANNEL_CODE = {"site web": "site_web", "magasin": "magasin", "application mobile": "application_mobile",
                "e-mail": "e_mail", "centre d'appels": "centre_d_appels", "réseaux sociaux": "reseaux_sociaux"}


def run(*args, check_code=0):
    proc = subprocess.run([sys.executable, *args], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == check_code, proc.stderr + proc.stdout
    assert "Traceback" not in proc.stderr
    return proc


def read_rows(name, encoding="cp1252"):
    with open(EXAMPLES / name, encoding=encoding, newline="") as fh:
        return list(csv.DictReader(fh, delimiter=";"))


def expected_from_files(**filters):
    """Parse the export with the csv module and compute the report with tests/reference.py."""
    day = lambda s: datetime.strptime(s, "%d/%m/%Y %H:%M" if ":" in s else "%d/%m/%Y")  # noqa: E731
    customers = {}
    for r in read_rows("clients.csv"):
        customers[r["Identifiant client"]] = {"persona": r["Persona"], "segment": r["Segment"],
                                              "churned": {"VRAI": True, "FAUX": False}[r["Résilié"]]}
    touchpoints = []
    for r in read_rows("points_de_contact.csv"):
        amount = r["Montant (€)"].replace("€", "").replace("\u00a0", "").replace(" ", "").replace(",", ".")
        touchpoints.append({"customer": r["Identifiant client"], "ts": day(r["Date"]),
                            "channel": CHANNEL_CODE[r["Canal"].strip().lower()],
                            "stage": FRENCH_STAGE[r["Étape"].strip().lower()],
                            "revenue": Decimal(amount) if amount else None})
    feedback = [{"customer": r["Identifiant client"], "ts": day(r["Date"]),
                 "stage": FRENCH_STAGE[r["Étape"].strip().lower()],
                 "channel": CHANNEL_CODE[r["Canal"].strip().lower()] if r["Canal"].strip() else None,
                 "nps": int(r["Note"]) if r["Note"].strip() else None} for r in read_rows("avis.csv")]
    filters.setdefault("window", 90)  # the database's default setting (analytics.settings)
    return reference_report(STAGES, "purchase", customers, touchpoints, feedback, **filters)


def import_example(db_url, folder=EXAMPLES):
    return run("-m", "loaders", "import", "--db", db_url, "--customers", str(folder / "clients.csv"),
               "--touchpoints", str(folder / "points_de_contact.csv"), "--feedback", str(folder / "avis.csv"))


def report(db_url, *args):
    return json.loads(run("-m", "analytics", "report", "--db", db_url, *args).stdout)


def assert_same_report(actual, expected, path="report"):
    """Equal structure, counts and codes; floats equal up to rounding of the last bits (the two
    computations sum and divide in a different order)."""
    if isinstance(expected, dict):
        assert isinstance(actual, dict) and actual.keys() == expected.keys(), path
        for k in expected:
            assert_same_report(actual[k], expected[k], f"{path}.{k}")
    elif isinstance(expected, list):
        assert isinstance(actual, list) and len(actual) == len(expected), path
        for i, (a, e) in enumerate(zip(actual, expected, strict=True)):
            assert_same_report(a, e, f"{path}[{i}]")
    elif isinstance(expected, float) or isinstance(actual, float):
        assert actual == pytest.approx(expected, rel=1e-12, abs=1e-9), path
    else:
        assert actual == expected and type(actual) is type(expected), path


def test_french_export_report_equals_independent_computation(db_url):
    out = import_example(db_url).stdout
    assert "12 rows read, 12 written" in out  # customers
    assert_same_report(report(db_url), expected_from_files())


def test_filtered_report_equals_independent_computation(db_url):
    import_example(db_url)
    # the new defaults (a cohort: used the channels, first came in the period), another cohort, the two lenses
    # and the lenses with no window: the report of Parcours before cohorts, field for field
    for modes in [(), ("entered", "cohort"), ("only", "activity"), ("only", "activity", "all")]:
        flags = ["--channel-mode", modes[0], "--period-mode", modes[1]] if modes else []
        flags += ["--window", modes[2]] if len(modes) > 2 else []
        # the values as a person types them: case and accents ignored
        actual = report(db_url, "--persona", "cliente pressee", "--persona", "Habitué du magasin",
                        "--channel", "MAGASIN", "--channel", "Site web", "--start", "2024-03-05", "--end", "2024-04-20",
                        *flags)
        assert_same_report(actual, expected_from_files(
            personas=("Cliente pressée", "Habitué du magasin"), channels=("magasin", "site_web"),
            start=datetime(2024, 3, 5).date(), end=datetime(2024, 4, 20).date(),
            **({"channel_mode": modes[0], "period_mode": modes[1]} if modes else {}),
            **({"window": None} if len(modes) > 2 else {})))


def test_utf8_bom_with_spellings_that_differ_in_case_and_accents(tmp_path, duckdb_url):
    """The same export saved as UTF-8 with BOM by another tool, with stage labels and channels spelt differently."""
    respell = {"Sensibilisation": "SENSIBILISATION", "Considération": "considération ", "Achat": "achat",
               "Service après-vente": "Service Apres-Vente", "Magasin": "MAGASIN", "Site web": "Site Web",
               "Réseaux sociaux": "Reseaux sociaux", "E-mail": "e-mail", "Centre d'appels": "Centre d’appels"}
    for name in ("clients.csv", "points_de_contact.csv", "avis.csv"):
        rows = read_rows(name)
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=list(rows[0]), delimiter=";", lineterminator="\r\n")
        w.writeheader()
        for i, r in enumerate(rows):
            if i % 2:  # every other row respelt: both spellings meet in one file
                r = {k: respell.get(v, v) for k, v in r.items()}
            w.writerow(r)
        (tmp_path / name).write_bytes(buf.getvalue().encode("utf-8-sig"))
    import_example(duckdb_url, tmp_path)
    assert_same_report(report(duckdb_url), expected_from_files())


def test_importing_twice_equals_importing_once(db_url):
    import_example(db_url)
    first = report(db_url)
    out = import_example(db_url).stdout
    assert "33 rows read, 0 written, 0 updated, 33 unchanged" in out
    assert report(db_url) == first


def test_duckdb_and_postgres_give_the_same_report(duckdb_url, postgres_url):
    import_example(duckdb_url)
    import_example(postgres_url)
    assert report(duckdb_url) == report(postgres_url)
