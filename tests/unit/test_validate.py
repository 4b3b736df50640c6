"""validate: headers by alias, typed columns, natural keys and duplicates, and every problem as an
InputError naming file, line, column, value and reason (all of them, in line order)."""

import datetime as dt
import math
from pathlib import Path

import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from data_model.stages import STAGE_MODELS
from data_model.text import header_key
from loaders import validate as V
from loaders.columns import COLUMNS, KINDS, canonical_name, schema_rows
from loaders.errors import InputError, InputErrors
from loaders.read import read_table
from loaders.validate import ImportContext, read_and_validate, validate

EXAMPLES = Path(__file__).resolve().parents[2] / "sample_data" / "export-crm-fr"
CTX = ImportContext.for_model(STAGE_MODELS["default"])
STAGES = "awareness, consideration, purchase, service, loyalty, advocacy"


def check(tmp_path: Path, kind: str, text: str, name: str | None = None, ctx: ImportContext = CTX,
          encoding: str = "utf-8") -> V.Validated:
    path = tmp_path / (name or f"{kind}.csv")
    path.write_bytes(text.encode(encoding))
    return read_and_validate(path, kind, ctx)


def messages(v: V.Validated) -> list[str]:
    return [str(e) for e in v.errors]


def ts(text: str) -> pd.Timestamp:
    return pd.Timestamp(text)


# --- column schema and headers -------------------------------------------------------------------

BRIEF_ALIASES = {
    "customers": {
        "customer_id": ["client", "id_client", "identifiant client", "numero client", "n° client", "code client",
                        "customer", "customer id"],
        "persona": ["persona", "profil"], "segment": ["segment"], "region": ["région", "region"],
        "signup_date": ["date d'inscription", "date inscription", "inscription", "date de création", "signup date"],
        "churned": ["résilié", "churn", "désabonné", "parti", "churned"],
        "churn_date": ["date de résiliation", "date résiliation", "churn date"],
    },
    "touchpoints": {
        "timestamp": ["date", "date/heure", "horodatage", "datetime", "date heure", "time", "timestamp"],
        "channel": ["canal", "channel", "support"], "stage": ["étape", "etape", "phase", "stage"],
        "touchpoint": ["type", "point de contact", "type de contact", "action", "touchpoint", "touchpoint type",
                       "event"],
        "revenue": ["montant", "montant (€)", "chiffre d'affaires", "ca", "revenue", "amount", "montant ttc"],
        "touchpoint_id": ["id point de contact", "identifiant point de contact", "touchpoint id", "event id"],
    },
    "feedback": {
        "timestamp": ["date"], "stage": ["étape"], "channel": ["canal"],
        "nps": ["note", "nps", "note nps", "recommandation", "score"],
        "csat": ["csat", "satisfaction", "note satisfaction"],
        "comment": ["commentaire", "verbatim", "comment", "remarque", "avis"],
        "feedback_id": ["id avis", "identifiant avis", "feedback id", "response id"],
    },
}


@pytest.mark.parametrize(("kind", "header", "canonical"), [
    (kind, header, canonical)
    for kind, columns in BRIEF_ALIASES.items() for canonical, headers in columns.items() for header in headers
])
def test_aliases(kind, header, canonical):
    assert canonical_name(kind, header) == canonical
    assert canonical_name(kind, f"  {header.upper()}  ") == canonical


@pytest.mark.parametrize(("header", "canonical"), [
    ("IDENTIFIANT-CLIENT", "customer_id"), ("Date/Heure", "timestamp"), ("ÉTAPE", "stage"), ("N°Client", "customer_id"),
    ("Montant (€)", "revenue"), ("customer_id", "customer_id"), ("Touchpoint_ID", "touchpoint_id"),
])
def test_headers_ignore_case_accents_spaces_and_punctuation(header, canonical):
    assert canonical_name("touchpoints", header) == canonical


def test_no_header_means_two_columns_of_one_kind():
    for kind in KINDS:
        owners: dict[str, set[str]] = {}
        for column in COLUMNS[kind]:
            for alias in (column.name, *column.aliases):
                owners.setdefault(header_key(alias), set()).add(column.name)
        assert {k: v for k, v in owners.items() if len(v) > 1} == {}, kind


def test_schema_rows_for_the_readme():
    table = {r["column"]: r for r in schema_rows("touchpoints")}
    assert table["customer_id"]["requirement"] == "required"
    assert table["stage"]["requirement"] == "required unless touchpoint is given"
    assert table["revenue"]["requirement"] == "optional"
    assert "Montant (€)".lower() in table["revenue"]["headers"]


def test_missing_required_columns_are_listed_with_the_headers_found(tmp_path):
    v = check(tmp_path, "touchpoints", "Identifiant client;Segment;étape\n001;Pro;achat\n")
    assert messages(v) == [
        "touchpoints.csv line 1: required columns missing for touchpoints: timestamp (e.g. date, date/heure, date "
        "heure, horodatage); channel (e.g. canal, channel, support, canal de contact) "
        "(headers found: 'Identifiant client', 'Segment', 'étape')"
    ]
    assert v.rows_read == 1 and v.frame.empty and list(v.frame.columns) == list(V.OUTPUT_COLUMNS["touchpoints"])


def test_persona_is_optional(tmp_path):
    """Most businesses have no personas: a customers file without the column imports, and its frame has no persona
    column (so that importing it never empties the personas an earlier file gave)."""
    v = check(tmp_path, "customers", "Identifiant client;Segment\n001;Pro\n002;\n")
    assert v.ok and v.present == {"segment"}
    assert list(v.frame.columns) == ["customer_id", "segment", "line"]
    assert list(v.frame["customer_id"]) == ["001", "002"]


def test_touchpoints_need_a_stage_or_a_type(tmp_path):
    v = check(tmp_path, "touchpoints", "client,date,canal\n1,2024-01-01,web\n")
    assert "required columns missing for touchpoints: stage or touchpoint" in messages(v)[0]


def test_two_headers_for_one_column(tmp_path):
    v = check(tmp_path, "touchpoints", "client;Date;Horodatage;canal;étape\n1;2024-01-01;2024-01-01;web;achat\n")
    assert messages(v) == [
        "touchpoints.csv line 1, column Horodatage (timestamp): is the same column as 'Date': keep only one of them"
    ]


def test_unknown_columns_are_ignored_and_noted(tmp_path):
    v = check(tmp_path, "customers", "client;persona;Couleur préférée;;région\n1;Pro;bleu;x;Nord\n")
    assert v.ok and v.present == {"persona", "region"}
    assert v.notes == ["ignored columns (not part of customers): 'Couleur préférée'",
                       "1 column without a header ignored"]
    assert list(v.frame.columns) == ["customer_id", "persona", "region", "line"]


# --- the French export ---------------------------------------------------------------------------


def test_french_customers():
    v = read_and_validate(EXAMPLES / "clients.csv", "customers", CTX)
    assert v.ok and v.rows_read == 12 and v.present == {"persona", "segment", "region", "signup_date", "churned"}
    first = v.frame.iloc[0]
    assert first["customer_id"] == "000000" and first["persona"] == "Cliente pressée"
    assert first["signup_date"] == ts("2024-01-05") and bool(first["churned"]) is True and first["line"] == 2
    assert v.frame["churned"].sum() == 3 and str(v.frame["churned"].dtype) == "boolean"


def test_french_touchpoints():
    v = read_and_validate(EXAMPLES / "points_de_contact.csv", "touchpoints", CTX)
    assert v.ok and len(v.frame) == 33
    purchase = v.frame[v.frame["line"] == 7].iloc[0]
    assert purchase["customer_id"] == "000002" and purchase["timestamp"] == ts("2024-03-11 02:00")
    assert (purchase["channel"], purchase["channel_label"]) == ("magasin", "Magasin")
    assert purchase["stage"] == "purchase" and purchase["touchpoint"] == "visite"
    assert purchase["revenue"] == 2257.54 and pd.isna(purchase["touchpoint_id"])
    assert purchase["natural_key"] == "k:000002\x1f2024-03-11T02:00:00\x1fmagasin\x1fpurchase\x1fvisite"
    assert set(v.frame["channel"]) == {"magasin", "site_web", "centre_d_appels", "e_mail", "reseaux_sociaux",
                                      "application_mobile"}
    assert v.frame["revenue"].notna().sum() == 6 and v.frame["revenue"].sum() == pytest.approx(6991.68)


def test_french_feedback():
    v = read_and_validate(EXAMPLES / "avis.csv", "feedback", CTX)
    assert v.ok and len(v.frame) == 12
    row = v.frame.set_index("customer_id").loc["000002"]
    assert row["comment"] == "Livraison rapide\nmais colis abîmé" and row["nps"] == 3 and pd.isna(row["csat"])
    assert row["stage"] == "purchase" and row["channel"] == "application_mobile" and row["line"] == 4
    assert row["natural_key"] == "k:000002\x1f2024-04-05T00:00:00\x1fpurchase"
    assert str(v.frame["nps"].dtype) == "Int64"


def test_frames_have_the_documented_columns_and_types():
    files = {"clients.csv": "customers", "points_de_contact.csv": "touchpoints", "avis.csv": "feedback"}
    for name, kind in files.items():
        v = read_and_validate(EXAMPLES / name, kind, CTX)
        expected = {c: d for c, d in V.OUTPUT_COLUMNS[kind].items() if c in v.frame.columns}
        assert {c: v.frame[c].dtype for c in v.frame.columns} == expected
        assert v.frame["line"].is_monotonic_increasing


# --- customers -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("true", True), ("VRAI", True), ("1", True), ("Yes", True), ("oui", True), ("y", True), ("O", True),
    ("false", False), ("Faux", False), ("0", False), ("NO", False), ("non", False), ("n", False), ("", None),
    (" oui ", True),
])
def test_booleans(tmp_path, text, expected):
    v = check(tmp_path, "customers", f"client;persona;résilié\n1;Pro;{text}\n")
    assert v.ok
    value = v.frame["churned"].iloc[0]
    assert (None if pd.isna(value) else bool(value)) == expected


def test_bad_boolean_lists_what_is_accepted(tmp_path):
    v = check(tmp_path, "customers", "client;persona;Résilié\n1;Pro;peut-être\n")
    assert messages(v) == ["customers.csv line 2, column Résilié (churned): 'peut-être' is not a yes/no value "
                           "(accepted: true/false, vrai/faux, 1/0, yes/no, oui/non, y/n, o/n)"]


def test_customer_values_ids_and_dates(tmp_path):
    v = check(tmp_path, "customers",
              "client,persona,segment,date d'inscription,date de résiliation\n"
              "007, Famille ,,2024-01-05T13:45:00+01:00,\n"
              "8,,Pro,05/01/2024,31/12/2024 23:59\n")
    assert v.ok
    assert list(v.frame["customer_id"]) == ["007", "8"]
    assert v.frame["persona"].iloc[0] == "Famille" and pd.isna(v.frame["persona"].iloc[1])
    assert pd.isna(v.frame["segment"].iloc[0])
    assert list(v.frame["signup_date"]) == [ts("2024-01-05"), ts("2024-01-05")]
    assert pd.isna(v.frame["churn_date"].iloc[0]) and v.frame["churn_date"].iloc[1] == ts("2024-12-31")


def test_same_customer_twice(tmp_path):
    v = check(tmp_path, "customers",
              "client;persona;segment\n1;Pro;A\n2;Famille;B\n1;Pro;A\n2;Famille;C\n3;X;\n3;X;\n")
    assert messages(v) == ["customers.csv line 5, column client (customer_id): '2' is also on line 3 with different "
                           "values (segment 'C' here, 'B' there)"]
    assert list(v.frame["line"]) == [2, 3, 6]
    assert v.notes == ["2 rows repeat an earlier row of the same customer exactly: kept once"]


def test_empty_customer_id(tmp_path):
    v = check(tmp_path, "customers", "client;persona\n  ;Pro\n2;Pro\n")
    assert messages(v) == ["customers.csv line 2, column client (customer_id): empty value: customer_id is required"]
    assert list(v.frame["customer_id"]) == ["2"]


# --- timestamps ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("2024-03-10", "2024-03-10 00:00"),
    ("2024-03-10T14:00", "2024-03-10 14:00"),
    ("2024-03-10 14:00:05", "2024-03-10 14:00:05"),
    ("2024-03-10T14:00:05.25", "2024-03-10 14:00:05.25"),
    ("2024-03-10T14:00:05,5", "2024-03-10 14:00:05.5"),
    ("2024-03-10T14:00:00+01:00", "2024-03-10 14:00"),  # Paris in winter
    ("2024-03-10T13:00:00Z", "2024-03-10 14:00"),
    ("2024-07-10T12:00:00Z", "2024-07-10 14:00"),  # Paris in summer
    ("2024-07-10T08:00:00-0400", "2024-07-10 14:00"),
    ("2024-07-10 12:00:00 +00:00", "2024-07-10 14:00"),
    ("10/03/2024", "2024-03-10 00:00"),
    ("10/03/2024 14:05", "2024-03-10 14:05"),
    ("10/03/2024 14:05:09", "2024-03-10 14:05:09"),
    ("1/3/2024 9:05", "2024-03-01 09:05"),
    ("29/02/2024", "2024-02-29 00:00"),
    (" 10/03/2024 ", "2024-03-10 00:00"),
])
def test_timestamps(tmp_path, text, expected):
    v = check(tmp_path, "feedback", f"client;date;étape\n1;{text};achat\n")
    assert v.ok, messages(v)
    assert v.frame["timestamp"].iloc[0] == ts(expected)


@pytest.mark.parametrize(("text", "reason"), [
    ("31/02/2024", "is not a valid date (no such day or time)"),
    ("29/02/2023", "is not a valid date (no such day or time)"),
    ("2024-13-01", "is not a valid date (no such day or time)"),
    ("10/03/2024 25:00", "is not a valid date (no such day or time)"),
    ("demain", "is not a date (expected dd/mm/yyyy [HH:MM[:SS]] or ISO 8601 yyyy-mm-dd[THH:MM[:SS]][±HH:MM])"),
    ("2024-03", "is not a date"),
    ("10/03/24", "is not a date"),
    ("2024/03/10", "is not a date"),
])
def test_bad_timestamps(tmp_path, text, reason):
    v = check(tmp_path, "feedback", f"client;Date;étape\n1;{text};achat\n")
    assert messages(v)[0].startswith(f"feedback.csv line 2, column Date (timestamp): {text!r} {reason}")


def test_offsets_go_to_the_context_time_zone(tmp_path):
    ctx = ImportContext.for_model(STAGE_MODELS["default"], timezone="America/New_York")
    v = check(tmp_path, "feedback", "client;date;étape\n1;2024-01-10T12:00:00Z;achat\n2;2024-01-10T12:00;achat\n",
              ctx=ctx)
    assert list(v.frame["timestamp"]) == [ts("2024-01-10 07:00"), ts("2024-01-10 12:00")]
    assert v.frame["timestamp"].dt.tz is None


def test_empty_timestamp_is_an_error(tmp_path):
    v = check(tmp_path, "feedback", "client;date;étape\n1;;achat\n")
    assert messages(v) == ["feedback.csv line 2, column date (timestamp): empty value: timestamp is required"]


# --- stages, channels and touchpoint types -------------------------------------------------------


@pytest.mark.parametrize(("text", "code"), [
    ("awareness", "awareness"), ("Sensibilisation", "awareness"), ("AWARENESS", "awareness"),
    ("  considération ", "consideration"), ("Consideration", "consideration"), ("achat", "purchase"),
    ("Service après-vente", "service"), ("service-apres-vente", "service"), ("SERVICE APRES VENTE", "service"),
    ("After-sales service", "service"), ("Fidélisation", "loyalty"), ("Advocacy", "advocacy"),
])
def test_stage_by_code_or_label(tmp_path, text, code):
    v = check(tmp_path, "feedback", f"client;date;étape\n1;2024-01-01;{text}\n")
    assert v.ok and v.frame["stage"].iloc[0] == code


def test_unknown_stage(tmp_path):
    v = check(tmp_path, "touchpoints",
              "client;date;canal;Étape\n1;2024-01-01;web;achat\n1;2024-01-02;web;achat\n"
              "1;2024-01-03;web;achat\n1;2024-01-04;web;achat\n1;2024-01-05;web;Bidule\n1;2024-01-06;web;\n")
    assert messages(v) == [
        f"touchpoints.csv line 6, column Étape (stage): 'Bidule' is not a stage (accepted: {STAGES}, "
        "or their French or English labels)",
        "touchpoints.csv line 7, column Étape (stage): empty value: stage is required",
    ]


def test_channels_are_slugs_and_keep_their_spelling(tmp_path):
    v = check(tmp_path, "touchpoints",
              "client;date;canal;étape\n1;2024-01-01; Site Web ;achat\n1;2024-01-02;site-web;achat\n"
              "1;2024-01-03;Centre d’appels;achat\n")
    assert list(v.frame["channel"]) == ["site_web", "site_web", "centre_d_appels"]
    assert list(v.frame["channel_label"]) == ["Site Web", "site-web", "Centre d’appels"]


def test_bad_and_empty_channels(tmp_path):
    v = check(tmp_path, "touchpoints", "client;date;canal;étape\n1;2024-01-01;???;achat\n1;2024-01-02;;achat\n")
    assert messages(v) == [
        "touchpoints.csv line 2, column canal (channel): '???' is not a channel name (no letter or digit)",
        "touchpoints.csv line 3, column canal (channel): empty value: channel is required",
    ]
    v = check(tmp_path, "feedback", "client;date;étape;canal\n1;2024-01-01;achat;\n2;2024-01-01;achat;#\n")
    assert pd.isna(v.frame["channel"].iloc[0]) and pd.isna(v.frame["channel_label"].iloc[0])
    assert messages(v) == ["feedback.csv line 3, column canal (channel): '#' is not a channel name "
                           "(no letter or digit)"]


def test_stage_from_the_touchpoint_type_without_a_stage_column(tmp_path):
    v = check(tmp_path, "touchpoints",
              "client;date;canal;Type\n1;2024-01-01;web;Commande\n1;2024-01-02;web;Ad Click\n"
              "1;2024-01-03;web;Appel SAV\n")
    assert v.ok and list(v.frame["stage"]) == ["purchase", "awareness", "service"]
    assert list(v.frame["touchpoint"]) == ["Commande", "Ad Click", "Appel SAV"]
    assert v.present == {"touchpoint"}
    assert "no stage column: each touchpoint's stage comes from its type" in v.notes


def test_unmapped_types_are_one_error_listing_them_all(tmp_path):
    v = check(tmp_path, "touchpoints",
              "client;date;canal;Type\n1;2024-01-01;web;commande\n1;2024-01-02;web;clic\n"
              "1;2024-01-03;web;Appel\n1;2024-01-04;web;Clic\n1;2024-01-05;web;\n")
    assert len(v.errors) == 2
    unmapped, empty = v.errors
    assert (unmapped.line, unmapped.column, unmapped.canonical) == (3, "Type", "touchpoint")
    assert "'clic' (2 rows, first on line 3); 'Appel' (1 rows, first on line 4)" in unmapped.reason
    assert "python -m loaders map-type TYPE STAGE" in unmapped.reason and STAGES in unmapped.reason
    assert str(empty) == ("touchpoints.csv line 6, column Type (touchpoint): empty touchpoint type: the file has no "
                          "stage column, so the stage comes from the type")
    assert list(v.frame["line"]) == [2]


def test_type_mapping_given_by_the_database_is_slugged(tmp_path):
    ctx = ImportContext(list(STAGE_MODELS["default"]), {"Clic Pub": "awareness"})
    v = check(tmp_path, "touchpoints", "client;date;canal;type\n1;2024-01-01;web;clic-pub\n", ctx=ctx)
    assert v.ok and v.frame["stage"].iloc[0] == "awareness"


# --- numbers -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("1234,50", 1234.5), ("1 234,50 €", 1234.5), ("1\u00a0234,50\u00a0€", 1234.5), ("1\u202f234\u202f567,5", 1234567.5),
    ("€12", 12.0), ("€ 12,5", 12.5), ("-3,5", -3.5), ("+7", 7.0), ("12.5", 12.5), ("2285,7", 2285.7), (",5", 0.5),
    ("", None),
])
def test_amounts_in_semicolon_files(tmp_path, text, expected):
    v = check(tmp_path, "touchpoints", f"client;date;canal;étape;montant\n1;2024-01-01;web;achat;{text}\n")
    assert v.ok, messages(v)
    value = v.frame["revenue"].iloc[0]
    assert (None if math.isnan(value) else value) == expected


@pytest.mark.parametrize(("text", "expected"), [("1234.50", 1234.5), ('"1 234.50 €"', 1234.5), ('"12,5"', 12.5)])
def test_amounts_in_comma_files(tmp_path, text, expected):
    v = check(tmp_path, "touchpoints", f"client,date,canal,étape,montant\n1,2024-01-01,web,achat,{text}\n")
    assert v.ok and v.frame["revenue"].iloc[0] == expected


@pytest.mark.parametrize(("sep", "text", "reason"), [
    (";", "abc", "is not a number (e.g. 1234,50 or 1 234,50 €)"),
    (";", "1,2,3", "is not a number"),
    (";", "12 34", "is not a number"),
    (";", "1.234", "is ambiguous: is '.' a decimal mark or a thousands separator?"),
    (",", '"1,234"', "is ambiguous: is ',' a decimal mark or a thousands separator?"),
    (",", '"1,234.5"', "is not a number (e.g. 1234.50)"),
])
def test_bad_amounts(tmp_path, sep, text, reason):
    header = sep.join(["client", "date", "canal", "étape", "Montant"])
    row = sep.join(["1", "2024-01-01", "web", "achat", text])
    v = check(tmp_path, "touchpoints", f"{header}\n{row}\n")
    shown = text.strip('"')
    assert messages(v)[0].startswith(f"touchpoints.csv line 2, column Montant (revenue): {shown!r} {reason}")


@pytest.mark.parametrize(("column", "text", "expected"), [
    ("note", "7", 7), ("note", " 0 ", 0), ("note", "10", 10), ("note", "7,0", 7), ("note", "7.0", 7),
    ("satisfaction", "1", 1), ("satisfaction", "5", 5), ("note", "", None),
])
def test_nps_and_csat(tmp_path, column, text, expected):
    v = check(tmp_path, "feedback", f"client;date;étape;{column}\n1;2024-01-01;achat;{text}\n")
    assert v.ok, messages(v)
    value = v.frame["nps" if column == "note" else "csat"].iloc[0]
    assert (None if pd.isna(value) else value) == expected


@pytest.mark.parametrize(("column", "text", "reason"), [
    ("Note", "7.5", "is not a whole number from 0 to 10"), ("Note", "11", "is not a whole number from 0 to 10"),
    ("Note", "-1", "is not a whole number from 0 to 10"), ("Note", "abc", "is not a whole number from 0 to 10"),
    ("CSAT", "0", "is not a whole number from 1 to 5"), ("CSAT", "6", "is not a whole number from 1 to 5"),
])
def test_bad_nps_and_csat(tmp_path, column, text, reason):
    v = check(tmp_path, "feedback", f"client;date;étape;{column}\n1;2024-01-01;achat;{text}\n")
    canonical = "nps" if column == "Note" else "csat"
    label = f"{column} ({canonical})" if column != canonical else column
    assert messages(v) == [f"feedback.csv line 2, column {label}: {text!r} {reason}"]


# --- natural keys and duplicates -----------------------------------------------------------------


def test_natural_keys(tmp_path):
    v = check(tmp_path, "touchpoints",
              "client;date;canal;étape;type;id point de contact\n"
              "007;2024-03-10 14:00:05.5;Site Web;Achat;Ad Click;\n"
              "007;2024-03-10;Site Web;Achat;;\n"
              "007;2024-03-10;Site Web;Achat;;T-1\n")
    assert list(v.frame["natural_key"]) == [
        "k:007\x1f2024-03-10T14:00:05.500000\x1fsite_web\x1fpurchase\x1fad_click",
        "k:007\x1f2024-03-10T00:00:00\x1fsite_web\x1fpurchase\x1f",
        "id:T-1",
    ]
    v = check(tmp_path, "feedback", "client;date;étape;id avis\n9;2024-03-10 08:30;achat;\n9;2024-03-10;achat;R7\n")
    assert list(v.frame["natural_key"]) == ["k:9\x1f2024-03-10T08:30:00\x1fpurchase", "id:R7"]


def test_same_touchpoint_twice_cites_both_lines(tmp_path):
    v = check(tmp_path, "touchpoints",
              "client;date;canal;étape;type\n1;10/03/2024 14:00;Site web;achat;clic\n"
              "1;10/03/2024 15:00;Site web;achat;clic\n1;2024-03-10T14:00;site-web;Purchase;Clic\n")
    assert messages(v) == ["touchpoints.csv line 4: repeats line 2 (same customer, timestamp, channel, stage and "
                           "touchpoint type) with other values: touchpoint 'Clic' here, 'clic' there"]
    assert list(v.frame["line"]) == [2, 3]


def test_same_touchpoint_id_twice(tmp_path):
    v = check(tmp_path, "touchpoints",
              "client;date;canal;étape;touchpoint id\n1;2024-01-01;web;achat;A1\n2;2024-01-02;web;achat;A1\n"
              "3;2024-01-03;web;achat;A2\n")
    assert messages(v) == ["touchpoints.csv line 3, column touchpoint id (touchpoint_id): 'A1' is already used "
                           "on line 2 with other values: customer_id '2' here, '1' there, timestamp 2024-01-02 here, "
                           "2024-01-01 there"]


def test_same_feedback_twice(tmp_path):
    v = check(tmp_path, "feedback", "client;date;étape;note\n1;2024-01-01;achat;5\n1;01/01/2024;Achat;6\n")
    assert messages(v) == ["feedback.csv line 3: repeats line 2 (same customer, timestamp and stage) with other "
                           "values: nps '6' here, '5' there"]


DUPLICATES = (
    "client;date;canal;étape;type;touchpoint id\n"
    "1;2024-01-01;web;achat;clic;\n"          # 2
    "1;2024-01-01;web;achat;clic;A-1\n"       # 3: has an id, so not the same as line 2
    "22;2024-01-01;web;achat;;\n"             # 4
    "1;2024-01-01;web;achat;Clic;\n"          # 5: repeats 2
    "333;2024-01-02;web;achat;clic;A-1\n"     # 6: repeats the id of 3
    "22;2024-01-01;web;achat;;\n"             # 7: repeats 4 exactly: kept once
    "1;2024-01-01;web;achat;visite;\n"        # 8
)


def test_ids_and_parts_mixed_in_one_file(tmp_path):
    v = check(tmp_path, "touchpoints", DUPLICATES)
    assert [(e.line, e.reason.split(" (")[0].split(" with")[0]) for e in v.errors] == [
        (5, "repeats line 2"), (6, "is already used on line 3")]
    assert list(v.frame["line"]) == [2, 3, 4, 8]
    assert list(v.refused_lines) == [5, 6]
    assert "1 row repeats an earlier row exactly (identical touchpoints once read" in v.notes[-1]


def test_hash_collisions_are_compared_exactly(tmp_path, monkeypatch):
    """Duplicates are found by sorting row hashes; rows whose hashes clash are compared value by value."""
    monkeypatch.setattr(V, "_column_hash", lambda values, few: pd.Series(0, index=range(len(values))).to_numpy("u8"))
    v = check(tmp_path, "touchpoints", DUPLICATES)
    assert [e.line for e in v.errors] == [5, 6] and list(v.frame["line"]) == [2, 3, 4, 8]


def test_header_only_file_gives_an_empty_typed_frame(tmp_path):
    v = check(tmp_path, "touchpoints", "client;date;canal;étape;montant\r\n")
    assert v.ok and v.rows_read == 0 and v.frame.empty
    assert {c: v.frame[c].dtype for c in v.frame.columns} == V.OUTPUT_COLUMNS["touchpoints"]


def test_customer_id_transform_applies_before_keys_and_duplicates(tmp_path):
    ctx = ImportContext.for_model(STAGE_MODELS["default"], transform_customer_id=lambda ids: "p-" + ids.str.lower())
    v = check(tmp_path, "touchpoints", "client;date;canal;étape;montant\nAB;2024-01-01;web;achat;1\n"
              "ab;2024-01-01;web;achat;2\n", ctx=ctx)
    assert messages(v) == ["touchpoints.csv line 3: repeats line 2 (same customer, timestamp, channel, stage and "
                           "touchpoint type) with other values: revenue '2.0' here, '1.0' there"]
    assert list(v.frame["customer_id"]) == ["p-ab"]
    assert v.frame["natural_key"].iloc[0].startswith("k:p-ab\x1f")
    v = check(tmp_path, "customers", "client;persona\nAB;Pro\nab;Pro\n", ctx=ctx)
    assert v.ok and list(v.frame["customer_id"]) == ["p-ab"]


# --- errors: all of them, in line order, each complete -------------------------------------------


def test_all_row_errors_are_collected_in_line_order(tmp_path):
    v = check(tmp_path, "feedback",
              "Client;Date;Étape;Note;CSAT\n"
              ";2024-01-01;achat;5;3\n"
              "2;hier;Bidule;12;3\n"
              "3;2024-01-03;achat;5;3\n"
              "4;2024-01-04;achat;5;9\n")
    assert [(e.line, e.canonical) for e in v.errors] == [
        (2, "customer_id"), (3, "timestamp"), (3, "stage"), (3, "nps"), (5, "csat")]
    assert all(e.file == "feedback.csv" and e.line and e.column and e.reason for e in v.errors)
    assert [e.value for e in v.errors] == [None, "hier", "Bidule", "12", "9"]
    assert list(v.frame["line"]) == [4] and v.rows_read == 4


def test_errors_beyond_the_cap_are_counted(tmp_path, monkeypatch):
    monkeypatch.setattr(V, "MAX_ERRORS_PER_CHECK", 3)
    body = "".join(f"{i};2024-01-01;Bidule\n" for i in range(10))
    v = check(tmp_path, "feedback", "client;date;étape\n" + body)
    assert len(v.errors) == 4
    assert str(v.errors[-1]) == ("feedback.csv line 5, column étape (stage): … and 7 more rows from this line on with "
                                 f"the same problem: is not a stage (accepted: {STAGES}, or their French or English "
                                 "labels)")


def test_a_file_that_cannot_be_read_gives_errors_not_an_exception(tmp_path):
    v = read_and_validate(tmp_path / "absent.csv", "touchpoints", CTX)
    assert not v.ok and v.rows_read == 0 and v.frame.empty and v.errors[0].file == "absent.csv"
    assert list(v.frame.columns) == list(V.OUTPUT_COLUMNS["touchpoints"])


def test_unknown_kind_is_a_programming_error(tmp_path):
    (tmp_path / "f.csv").write_text("a;b\n1;2\n", encoding="utf-8")
    with pytest.raises(ValueError, match="unknown kind"):
        validate(read_table(tmp_path / "f.csv"), "orders", CTX)


def test_input_error_text_and_row():
    reason = "is not a stage (accepted: awareness, …)"
    error = InputError("touchpoints.csv", 6, "Étape", "Bidule", reason, "stage")
    assert str(error) == f"touchpoints.csv line 6, column Étape (stage): 'Bidule' {reason}"
    assert error.as_row() == ("touchpoints.csv", 6, "Étape (stage)", "Bidule", reason)
    assert str(InputError("f.csv", 3, "stage", "x", "is bad", "stage")) == "f.csv line 3, column stage: 'x' is bad"
    assert str(InputError("f.csv", None, None, None, "file not found")) == "f.csv: file not found"
    assert InputError("f.csv", None, None, None, "empty").as_row() == ("f.csv", "", "", "", "empty")
    long = InputError("f.csv", 2, "comment", "x" * 100 + "\nend", "is long")
    assert str(long) == f"f.csv line 2, column comment: '{'x' * 59}…' is long"
    assert long.as_row()[3] == "x" * 100 + "\nend"
    assert str(InputError("f.csv", 2, "c", "a\nb", "is odd")) == "f.csv line 2, column c: 'a\\nb' is odd"
    errors = InputErrors([InputError("f.csv", i, None, None, "bad") for i in range(12)])
    assert str(errors).splitlines()[-1] == "… and 2 more" and len(errors.errors) == 12


# --- other formats end to end --------------------------------------------------------------------


def test_xlsx_touchpoints(tmp_path):
    wb = openpyxl.Workbook()
    sheet = wb.active
    sheet.append(["Identifiant client", "Date", "Canal", "Étape", "Montant"])
    sheet.append([42, dt.datetime(2024, 3, 10, 14, 30), "Magasin", "Achat", 1234.5])
    sheet.append(["007", dt.datetime(2024, 3, 11), "Web", "awareness", None])
    wb.save(tmp_path / "points.xlsx")
    v = read_and_validate(tmp_path / "points.xlsx", "touchpoints", CTX)
    assert v.ok, messages(v)
    assert list(v.frame["customer_id"]) == ["42", "007"]
    assert list(v.frame["timestamp"]) == [ts("2024-03-10 14:30"), ts("2024-03-11")]
    assert v.frame["revenue"].iloc[0] == 1234.5 and math.isnan(v.frame["revenue"].iloc[1])


def test_parquet_feedback_with_an_aware_timestamp_column(tmp_path):
    table = pa.table({
        "customer_id": pa.array(["007", "008"]),
        "timestamp": pa.array([dt.datetime(2024, 1, 10, 12, tzinfo=dt.UTC)] * 2, type=pa.timestamp("us", tz="UTC")),
        "stage": pa.array(["purchase", "service"]),
        "nps": pa.array([9, None], type=pa.int64()),
        "csat": pa.array([4.0, float("nan")]),
    })
    pq.write_table(table, tmp_path / "feedback.parquet")
    v = read_and_validate(tmp_path / "feedback.parquet", "feedback", CTX)
    assert v.ok, messages(v)
    assert list(v.frame["timestamp"]) == [ts("2024-01-10 13:00")] * 2
    assert list(v.frame["nps"].astype(object).where(v.frame["nps"].notna(), None)) == [9, None]
    assert v.frame["csat"].iloc[0] == 4 and list(v.frame["line"]) == [2, 3]


def star_reviews(header: str, scores) -> str:
    rows = "".join(f"r{i},2024-03-{1 + i % 28:02d},advocacy,{s}\n" for i, s in enumerate(scores))
    return f"customer_id,timestamp,stage,{header}\n{rows}"


@pytest.mark.parametrize("header", ["score", "Note", "rating", "RATING"])
def test_star_ratings_under_an_ambiguous_header_are_refused_as_nps(tmp_path, header):
    # a marketplace's reviews: 1 to 5 stars under "score" would import as NPS −100 without a word
    v = check(tmp_path, "feedback", star_reviews(header, [1, 2, 3, 4, 5] * 6))
    assert not v.ok and v.frame.empty
    (error,) = v.errors
    assert error.line == 1 and error.column == header and error.canonical == "nps"
    assert "all 30 answers" in error.reason and 'Name the column "csat"' in error.reason
    assert "étoiles" in error.message.render("fr")


def test_star_ratings_need_thirty_answers_and_only_values_from_1_to_5(tmp_path):
    assert check(tmp_path, "feedback", star_reviews("score", [1, 2, 3, 4, 5] * 5 + [4, 5, 3, 2])).ok  # 29
    v = check(tmp_path, "feedback", star_reviews("score", [1, 2, 3, 4, 5] * 6 + [0]))  # one 0: a real NPS
    assert v.ok and len(v.frame) == 31 and not any("1 and 5" in n for n in v.notes)


def test_star_ratings_under_an_explicit_nps_header_import_with_a_note(tmp_path):
    v = check(tmp_path, "feedback", star_reviews("nps", [1, 2, 3, 4, 5] * 6))
    assert v.ok and len(v.frame) == 30
    assert "all 30 NPS answers of column 'nps' lie between 1 and 5: check they are not star ratings (CSAT: a " \
           "\"csat\" column)" in v.notes
