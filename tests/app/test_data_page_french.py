"""Every French page must be French (issue 14): the Data page after a check with errors and after an import, the
loaders' messages and the command line with --lang fr, on real files, a real DuckDB file and the real app (AppTest).

User data (file names, values quoted from the files, what the preview shows of the rows) is left out of the checks;
the files are written with words of neither language where they can be."""

import csv
import re
import shutil
import subprocess
import sys

import pytest

import data_model as dm
from data_model.stages import STAGE_MODELS
from loaders.errors import Message, row_header
from loaders.validate import ImportContext
from loaders.write import run_import, undo_refusal, validate_files
from tests.app.conftest import fresh_app
from tests.conftest import ROOT
from ui.imports import PendingImport, error_table, history_table, preview_table

ENGLISH = ("rows", "read", "written", "error", "errors", "line", "column", "file", "inserted", "updated",
           "unchanged", "skipped", "batch", "None", "True", "False", "note", "customers", "touchpoints", "feedback",
           "kind", "value", "reason", "is not", "accepted", "only", "empty", "missing", "required", "ignored",
           "refused", "nothing", "more", "NaN", "nan", "natural_key", "sha256", "rows_read")
# Column names in parentheses (customer_id, stage…) are the documented names of the import format, kept as such.
FRENCH = ("ligne", "lignes", "colonne", "valeur", "motif", "fichier", "erreur", "erreurs", "remarque", "écrites",
          "inchangées", "n'est pas", "acceptées", "obligatoire", "refusé", "rien", "étape", "canal", "vide")
CASED = {"None", "True", "False", "NaN"}

# Neither French nor English words in names and values, so that whole texts can be checked.
CUSTOMERS_BAD = "client;persona;région;inscription;résilié;zorglub\nK001;Pro;Nord;01/02/2024;peut-être;x\n" \
                "K002;Famille;Sud;31/02/2024;non;y\nK003;Pro;;;;z\n;Pro;Est;;;\n"
TOUCHPOINTS_BAD = "client;date;canal;étape;montant\nK001;01/03/2024 10:00;Web;Bidule;\n" \
                  "K002;05/03/2024;Web;Achat;1.234\nK003;xx/yy/2024;Web;Achat;abc\n"
FEEDBACK_BAD = "client;date;étape;nps;commentaire\nK001;02/03/2024;Achat;12;écrire à a@b.fr\n" \
               "K001;02/03/2024;Achat;9;bis\n"
CUSTOMERS_OK = "client;persona;région;inscription;résilié;zorglub\nK001;Pro;Nord;01/02/2024;oui;x\n" \
               "K002;Famille;Sud;15/03/2024;non;y\nK003;Pro;;;;z\n"
TOUCHPOINTS_OK = "client;date;canal;étape;montant\nK001;01/03/2024 10:00;Web;Sensibilisation;\n" \
                 "K001;02/03/2024 11:00;Magasin;Achat;12,50\nK004;05/03/2024;Web;Achat;\n"
FEEDBACK_OK = "client;date;étape;nps;commentaire\nK001;03/03/2024;Achat;9;appelez le 06 12 34 56 78\n"


def words_in(text: str, words) -> list[str]:
    text = text.replace("\\", "")  # plain() escapes markdown
    found = []
    for word in words:
        flags = 0 if word in CASED else re.IGNORECASE
        if re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", text, flags):
            found.append(word)
    return found


def write_files(folder, texts: dict[str, str]) -> dict:
    names = {"customers": "export-a.csv", "touchpoints": "export-b.csv", "feedback": "export-c.csv"}
    paths = {}
    for kind, text in texts.items():
        (folder / kind).mkdir(parents=True, exist_ok=True)
        paths[kind] = folder / kind / names[kind]
        paths[kind].write_text(text, encoding="utf-8")
    return paths


def context() -> ImportContext:
    return ImportContext.for_model(STAGE_MODELS["default"])


def checked(folder, texts) -> PendingImport:
    from loaders.errors import InputErrors

    try:
        return PendingImport(validated=validate_files(write_files(folder, texts), context()))
    except InputErrors as exc:
        return PendingImport(errors=exc.errors)


# --- the loaders' messages -------------------------------------------------------------------------------------

def test_every_error_of_bad_files_reads_in_french_with_the_same_positions(tmp_path):
    pending = checked(tmp_path, {"customers": CUSTOMERS_BAD, "touchpoints": TOUCHPOINTS_BAD,
                                 "feedback": FEEDBACK_BAD})
    assert len(pending.errors) >= 8
    for e in pending.errors:
        french, english = e.text_in("fr"), str(e)
        assert e.message is not None, english  # every reason is a catalogue message
        assert words_in(e.reason_in("fr"), ENGLISH) == [], (e.reason_in("fr"), english)
        assert words_in(e.reason, FRENCH) == [] or "étape" in e.reason, english
        # the same positions in both languages: only the words change
        assert e.as_row("fr")[:4] == e.as_row()[:4]
        assert french.startswith(f"{e.file} ligne {e.line}") and english.startswith(f"{e.file} line {e.line}")
        if e.value is not None:
            assert f"«\u00a0{e.value}\u00a0»" in french and repr(e.value) in english
    assert row_header("fr") == ("fichier", "ligne", "colonne", "valeur", "motif")
    stage = next(e for e in pending.errors if e.value == "Bidule")
    assert stage.text_in("fr") == ("export-b.csv ligne 2, colonne étape (stage)\u00a0: «\u00a0Bidule\u00a0» n'est pas "
                                   "une étape (acceptées\u00a0: Sensibilisation, Considération, Achat, Service "
                                   "après-vente, Fidélisation, Recommandation, leurs codes ou leurs libellés anglais)")
    assert str(stage).startswith("export-b.csv line 2, column étape (stage): 'Bidule' is not a stage (accepted: ")


def test_file_level_errors_and_notes_in_french(tmp_path):
    empty = tmp_path / "vide.csv"
    empty.write_text("")
    binary = tmp_path / "image.csv"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    ragged = tmp_path / "bancal.csv"
    ragged.write_text("client;persona\nK1;Pro;x;y\n")
    for path, kind in ((empty, "customers"), (binary, "customers"), (ragged, "customers"),
                       (tmp_path / "absent.csv", "feedback")):
        pending = checked_paths({kind: path})
        assert pending.errors
        for e in pending.errors:
            assert words_in(e.text_in("fr"), ENGLISH) == [], e.text_in("fr")
    ok = checked(tmp_path / "ok", {"customers": CUSTOMERS_OK, "feedback": FEEDBACK_OK})
    notes = [n for v in ok.validated for n in v.notes]
    assert any(isinstance(n, Message) and n.key == "load.masked" for n in notes)
    for note in notes:
        assert words_in(note.render("fr"), ENGLISH) == [], note.render("fr")


def checked_paths(paths) -> PendingImport:
    from loaders.errors import InputErrors

    try:
        return PendingImport(validated=validate_files(paths, context()))
    except InputErrors as exc:
        return PendingImport(errors=exc.errors)


def test_summary_undo_and_settings_in_french(tmp_path):
    from loaders.settings import SettingError, set_channel_kind, set_type_stage

    db = dm.connect(f"duckdb:///{tmp_path / 'fr.duckdb'}")
    try:
        dm.initialise(db)
        first = run_import(db, write_files(tmp_path / "a", {"customers": CUSTOMERS_OK}))
        summary = run_import(db, write_files(tmp_path / "b", {"customers": CUSTOMERS_OK,
                                                              "touchpoints": TOUCHPOINTS_OK,
                                                              "feedback": FEEDBACK_OK}))
        french = "\n".join(summary.lines("fr"))
        assert words_in(french.replace("export-", "x"), ENGLISH) == [], french
        assert f"Import n° {summary.batch_id}" in french and "lignes lues" in french and "remarque\u00a0:" in french
        english = "\n".join(summary.lines())
        assert english == "\n".join(summary.lines("en")) and "rows read" in english
        assert words_in(english.replace("export-", "x"), FRENCH) == [], english
        refusal = undo_refusal(db, first.batch_id, "fr")
        assert refusal == "seul le dernier import peut être annulé (annulez d'abord les suivants)"
        assert undo_refusal(db, first.batch_id).startswith("only the latest import")
        for call in (lambda: set_type_stage(db, "clic", "Bidule"), lambda: set_channel_kind(db, "web", "zzz"),
                     lambda: set_channel_kind(db, "Pigeon voyageur", "digital")):
            with pytest.raises(SettingError) as caught:
                call()
            assert words_in(caught.value.message_in("fr"), ENGLISH) == [], caught.value.message_in("fr")
    finally:
        db.close()


def test_the_data_page_tables_in_french(tmp_path):
    pending = checked(tmp_path, {"customers": CUSTOMERS_BAD, "touchpoints": TOUCHPOINTS_BAD})
    table = error_table(pending.errors, "fr")
    assert list(table.columns) == ["fichier", "ligne", "colonne", "valeur", "motif"]
    assert all(words_in(reason, ENGLISH) == [] for reason in table["motif"])
    ok = checked(tmp_path / "ok", {"customers": CUSTOMERS_OK, "touchpoints": TOUCHPOINTS_OK})
    labels = {s.code: s.label_fr for s in STAGE_MODELS["default"]}
    for v in ok.validated:
        preview = preview_table(v.frame, "fr", labels)
        assert "natural_key" not in " ".join(preview.columns) and words_in(" ".join(preview.columns), ENGLISH) == []
        assert not preview.isna().any().any() and "None" not in preview.to_string() and "nan" not in preview.to_string()
    touchpoints = preview_table(ok.validated[1].frame, "fr", labels)
    assert list(touchpoints["Étape"]) == ["Sensibilisation", "Achat", "Achat"]
    assert list(touchpoints["Montant"]) == ["", "12,50", ""]
    assert list(preview_table(ok.validated[0].frame, "fr", labels)["Parti"]) == ["oui", "non", ""]
    history = history_table([{"kind": "customers", "file_name": "export-a.csv", "sha256": "ab" * 32, "rows_read": 1200,
                              "inserted": 3, "updated": 0, "unchanged": 0}], "fr")
    assert history.iloc[0].tolist() == ["Clients", "export-a.csv", "ab" * 6, "1\u202f200", "3", "0", "0", "0"]
    assert words_in(" ".join(history.columns), ENGLISH) == []


# --- the command line ------------------------------------------------------------------------------------------

def cli(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "loaders", *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=300)


def test_the_command_line_speaks_english_by_default_and_french_with_lang_fr(tmp_path):
    url = f"duckdb:///{tmp_path / 'cli.duckdb'}"
    bad = write_files(tmp_path / "bad", {"customers": CUSTOMERS_BAD, "touchpoints": TOUCHPOINTS_BAD})
    args = ["import", "--db", url, "--customers", str(bad["customers"]), "--touchpoints", str(bad["touchpoints"])]
    english = cli(*args, "--errors", str(tmp_path / "en.csv"))
    french = cli(*args, "--lang", "fr", "--errors", str(tmp_path / "fr.csv"))
    assert english.returncode == french.returncode == 2
    assert english.stderr.startswith("Import refused, nothing was written: ") and "is not a stage" in english.stderr
    assert words_in(english.stderr.replace("export-", "x"), FRENCH) == ["étape"]  # the file's own header
    assert french.stderr.startswith("Import refusé, rien n'a été écrit\u00a0: ")
    assert "«\u00a0Bidule\u00a0» n'est pas une étape" in french.stderr
    assert words_in(french.stderr.replace("export-", "x"), ENGLISH) == [], french.stderr
    with open(tmp_path / "en.csv", encoding="utf-8") as en, open(tmp_path / "fr.csv", encoding="utf-8") as fr:
        en_rows, fr_rows = list(csv.reader(en)), list(csv.reader(fr))
    assert en_rows[0] == ["file", "line", "column", "value", "reason"]
    assert fr_rows[0] == ["fichier", "ligne", "colonne", "valeur", "motif"]
    assert [r[:4] for r in en_rows[1:]] == [r[:4] for r in fr_rows[1:]]  # the same positions and values

    ok = write_files(tmp_path / "ok", {"customers": CUSTOMERS_OK, "touchpoints": TOUCHPOINTS_OK})
    done = cli("import", "--db", url, "--customers", str(ok["customers"]), "--lang", "fr")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Import n° 1 (") and "lignes lues" in done.stdout
    assert words_in(done.stdout.replace("export-", "x"), ENGLISH) == [], done.stdout
    again = cli("import", "--db", url, "--customers", str(ok["customers"]))
    assert again.stdout.startswith("Import batch 2 (") and "3 rows read, 0 written" in again.stdout

    forget = cli("forget", "--db", url, "PERSONNE", "--lang", "fr")
    assert forget.returncode == 2 and forget.stderr.startswith("Aucun client «\u00a0PERSONNE\u00a0» dans cette base")
    assert cli("forget", "--db", url, "PERSONNE").stderr.startswith("No customer 'PERSONNE' in this database")
    gone = cli("forget", "--db", url, "K001", "--lang", "fr")
    assert gone.returncode == 0 and gone.stdout.startswith("1 client oublié"), gone.stdout
    mapped = cli("map-type", "--db", url, "clic", "Bidule", "--lang", "fr")
    assert mapped.returncode == 2 and mapped.stderr.startswith("«\u00a0Bidule\u00a0» n'est pas une étape")
    assert cli("map-type", "--db", url, "clic", "Bidule").stderr.startswith("'Bidule' is not a stage")
    mapped = cli("map-type", "--db", url, "clic", "purchase", "--lang", "fr")
    assert mapped.stdout == "Type de point de contact «\u00a0clic\u00a0» → étape «\u00a0purchase\u00a0»\n"
    assert cli("map-type", "--db", url, "clic", "purchase").stdout == "Touchpoint type 'clic' → stage 'purchase'\n"

    many = tmp_path / "many.csv"
    many.write_text("client;persona;résilié\n" + "".join(f"K{i};Pro;peut-être\n" for i in range(25)))
    french = cli("import", "--db", url, "--customers", str(many), "--lang", "fr")
    assert french.stderr.startswith("Import refusé, rien n'a été écrit\u00a0: 25 erreurs.")
    assert french.stderr.endswith("  … et 5 de plus (--errors FICHIER les liste toutes)\n"), french.stderr
    english = cli("import", "--db", url, "--customers", str(many))
    assert english.stderr.endswith("  … and 5 more (--errors FILE lists all)\n"), english.stderr


# --- the Data page in the real app -----------------------------------------------------------------------------

SETTINGS_TABLES = ({"#", "code", "FR", "EN", "conversion"}, {"type", "stage"}, {"code", "label", "kind", "operational"})
USER_COLUMNS = {"fichier", "valeur", "colonne", "Fichier", "file", "value", "column", "File"}


def page_texts(at) -> list[str]:
    """What the page says (outside user data): messages, captions, labels and the tables' headers and words."""
    texts = [x.value for x in (*at.title, *at.subheader, *at.markdown, *at.caption, *at.success, *at.error,
                               *at.warning, *at.info)]
    texts += [x.label for x in (*at.button, *at.checkbox, *at.toggle, *at.expander, *at.radio)]
    texts += [o for r in at.radio for o in r.options]
    for frame in (d.value for d in at.dataframe):
        if set(frame.columns) in SETTINGS_TABLES:  # the settings' editors: their labels come from column_config
            continue
        texts += [str(c) for c in frame.columns]
        if "motif" in frame.columns or "reason" in frame.columns or "Empreinte" in frame.columns \
                or "Fingerprint" in frame.columns:  # the error table and the history: not the rows' data
            texts += [str(v) for c in frame.columns if c not in USER_COLUMNS for v in frame[c]]
    return texts


@pytest.fixture
def data_page(demo_db_url, tmp_path, monkeypatch):
    path = tmp_path / "app.duckdb"
    shutil.copy(demo_db_url.removeprefix("duckdb:///"), path)
    at = fresh_app(f"duckdb:///{path}", monkeypatch).run()
    return at


def test_the_data_page_in_french_after_a_check_with_errors_and_after_an_import(data_page, tmp_path):
    at = data_page
    at.switch_page("app_pages/data.py").run()
    at.session_state["pending_import"] = checked(tmp_path / "bad", {"customers": CUSTOMERS_BAD,
                                                                    "touchpoints": TOUCHPOINTS_BAD,
                                                                    "feedback": FEEDBACK_BAD})
    at.run()
    assert not at.exception, at.exception
    table = next(d.value for d in at.dataframe if "motif" in d.value.columns)
    assert list(table.columns) == ["fichier", "ligne", "colonne", "valeur", "motif"]
    assert any("n'est pas une étape" in r for r in table["motif"])
    leaks = {text: words_in(text, ENGLISH) for text in page_texts(at) if words_in(text, ENGLISH)}
    assert leaks == {}

    at.session_state["pending_import"] = checked(tmp_path / "ok", {"customers": CUSTOMERS_OK,
                                                                   "touchpoints": TOUCHPOINTS_OK,
                                                                   "feedback": FEEDBACK_OK})
    at.run()
    assert not at.exception, at.exception
    previews = [d.value for d in at.dataframe if "Client" in d.value.columns]
    assert len(previews) == 3 and all("natural_key" not in p.columns for p in previews)
    assert all(not p.isin(["None", "nan", "NaT"]).any().any() for p in previews)
    assert any("Garder les données" in c.label for c in at.checkbox)
    assert [c.value for c in at.caption if "masquées" in c.value.replace("\\", "")]  # the masking note, in French
    leaks = {text: words_in(text, ENGLISH) for text in page_texts(at) if words_in(text, ENGLISH)}
    assert leaks == {}

    at.radio(key="demo_choice").set_value(False)  # added to the demo: the demo's import stays, not undoable
    next(b for b in at.button if b.label == "Écrire dans la base").click().run()
    assert not at.exception, at.exception
    summary = " ".join(m.value for m in at.markdown).replace("\\", "")
    assert "Import n°" in summary and "lignes lues" in summary and not at.code
    history = next(d.value for d in at.dataframe if "Empreinte" in d.value.columns)
    assert history.columns.tolist()[:3] == ["Type de fichier", "Fichier", "Empreinte"]
    assert set(history["Type de fichier"]) == {"Clients", "Points de contact", "Avis (NPS, CSAT, verbatims)"}
    assert all(len(s) == 12 for s in history["Empreinte"])
    leaks = {text: words_in(text, ENGLISH) for text in page_texts(at) if words_in(text, ENGLISH)}
    assert leaks == {}
    # an earlier import cannot be undone: its button says why, in French
    helps = [b.help for b in at.button if b.label == "Annuler cet import" and b.disabled]
    assert helps and all(h == "seul le dernier import peut être annulé (annulez d'abord les suivants)" for h in helps)


def test_the_data_page_in_english_has_no_french_words(demo_db_url, tmp_path, monkeypatch):
    path = tmp_path / "app.duckdb"
    shutil.copy(demo_db_url.removeprefix("duckdb:///"), path)
    db = dm.connect(f"duckdb:///{path}")
    try:  # the demo and an import: no choice to make before writing (AppTest formats a radio outside the run)
        run_import(db, write_files(tmp_path / "first", {"customers": CUSTOMERS_OK}))
    finally:
        db.close()
    at = fresh_app(f"duckdb:///{path}", monkeypatch).run()
    at.selectbox(key="lang").set_value("en").run()
    at.switch_page("app_pages/data.py").run()
    at.session_state["pending_import"] = checked(tmp_path / "bad", {"customers": CUSTOMERS_BAD,
                                                                    "touchpoints": TOUCHPOINTS_BAD})
    at.run()
    assert not at.exception, at.exception
    table = next(d.value for d in at.dataframe if "reason" in d.value.columns)
    assert list(table.columns) == ["file", "line", "column", "value", "reason"]
    reasons = " ".join(table["reason"])
    assert "is not a stage" in reasons and words_in(reasons, FRENCH) == []
    at.session_state["pending_import"] = checked(tmp_path / "ok", {"customers": CUSTOMERS_OK})
    at.run()
    next(b for b in at.button if b.label == "Write to the database").click().run()
    assert not at.exception, at.exception
    summary = " ".join(m.value for m in at.markdown).replace("\\", "")
    assert "Import batch" in summary and "rows read" in summary
    texts = [t for t in page_texts(at) if t]
    leaks = {text: words_in(text, ("ligne", "lignes", "colonne", "motif", "remarque", "écrites", "inchangées",
                                   "n'est pas", "acceptées", "Empreinte", "Fichier")) for text in texts}
    assert {k: v for k, v in leaks.items() if v} == {}
    helps = [b.help for b in at.button if b.label == "Undo this import" and b.disabled]
    assert helps and all(h.startswith("only the latest import can be undone") for h in helps)


# --- the catalogue -----------------------------------------------------------------------------------------------

def test_every_loader_message_key_exists_in_both_languages():
    """The loaders name their texts by key (``Message("load.…")``, ``t("load.…")``): each is in the catalogue, in
    French and English (tests/app/test_i18n.py checks the placeholders agree), and each catalogue entry is used."""
    from i18n import CATALOGUE, LOADER_TEXTS

    sources = [*sorted((ROOT / "loaders").glob("*.py")), ROOT / "ui" / "imports.py"]
    text = "\n".join(p.read_text(encoding="utf-8") for p in sources)
    used = set(re.findall(r'"(load\.[\w.]+)"', text))
    prefixes = set(re.findall(r'f"(load\.[\w.]+\.)\{', text))
    assert len(used) > 100
    assert sorted(used - set(CATALOGUE)) == []
    unused = [k for k in LOADER_TEXTS if k not in used and not any(k.startswith(p) for p in prefixes)]
    assert unused == []
    for key in LOADER_TEXTS:
        assert CATALOGUE[key]["fr"] and CATALOGUE[key]["en"], key
        french = CATALOGUE[key]["fr"]
        assert not re.search(r" [:;?!]", french), (key, french)  # a non-breaking space before : ; ? !


def test_privacy_refusals_in_french_and_english(tmp_path, monkeypatch):
    from loaders import privacy

    monkeypatch.setenv(privacy.KEY_ENV, "court")
    with pytest.raises(privacy.PrivacyError) as caught:
        privacy.find_key()
    assert str(caught.value).startswith("The pseudonym key from $PARCOURS_PSEUDONYM_KEY is 5 characters long")
    assert caught.value.message_in("fr").startswith("La clé de pseudonymisation de $PARCOURS_PSEUDONYM_KEY fait 5 "
                                                    "caractères\u00a0: utilisez au moins 16")
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    url = f"duckdb:///{tmp_path / 'p.duckdb'}"
    english = cli("init", "--db", url, "--pseudonymise")
    french = cli("init", "--db", url, "--pseudonymise", "--lang", "fr")
    assert english.returncode == french.returncode == 2
    assert english.stderr.startswith("The pseudonym key from $PARCOURS_PSEUDONYM_KEY is 5 characters long")
    assert french.stderr.startswith("La clé de pseudonymisation de $PARCOURS_PSEUDONYM_KEY fait 5 caractères")
    unknown = privacy.UnknownCustomers(["A1", "B2"])
    assert str(unknown) == ("No customer 'A1', 'B2' in this database: nothing was deleted. Check the IDs (as in the "
                            "import files, leading zeros included).")
    assert words_in(unknown.message_in("fr"), ENGLISH) == []


def test_pseudonyms_refused_on_a_database_holding_raw_ids_in_french(tmp_path):
    import os

    url = f"duckdb:///{tmp_path / 'raw.duckdb'}"
    assert cli("init", "--db", url).returncode == 0
    assert cli("import", "--db", url, "--customers", str(ROOT / "sample_data" / "export-crm-fr" / "clients.csv"),
               ).returncode == 0
    env = {**os.environ, "PARCOURS_PSEUDONYM_KEY": "Jx7Qk2mV9pL4sT8wR3nB6yH1cF5dG0zA-test-key"}
    run = [sys.executable, "-m", "loaders", "init", "--db", url, "--pseudonymise"]
    english = subprocess.run(run, capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
    french = subprocess.run([*run, "--lang", "fr"], capture_output=True, text=True, cwd=ROOT, env=env, timeout=120)
    assert english.returncode == french.returncode == 2
    assert english.stderr.startswith("This database already holds customer IDs as they appear in the CRM")
    assert french.stderr.startswith("Cette base contient déjà des identifiants clients tels qu'ils figurent")
    assert "python -m loaders init --db NOUVELLE_URL --pseudonymise" in french.stderr
