"""Personal data against hostile or unusual input (issue 13): phones, IBANs and cards written the other ways
people write them (and the ordinary text that must stay), raw customer IDs typed into the comments of a
pseudonymised database, the modes of the files Parcours creates, and pseudonym keys too guessable to use."""


import os
import stat

import pandas as pd
import pytest
import sqlalchemy as sa

import data_model as dm
from loaders import privacy
from loaders.__main__ import main
from loaders.privacy import CustomerIds, PrivacyError, mask_personal_data
from loaders.validate import STR

KEY = "5f0c8e7a1d2b4c6e9a3f7b1d5e8c2a4f6b9d1e3c5a7f9b2d4e6c8a1f3b5d7e9c"  # secrets.token_hex(32)
NONE = dict.fromkeys(privacy.MASKS, 0)


@pytest.fixture(autouse=True)
def no_key_around(monkeypatch, tmp_path):
    monkeypatch.delenv(privacy.KEY_ENV, raising=False)
    monkeypatch.setattr(privacy, "secrets_files", lambda: [tmp_path / "secrets.toml"])


# --- masks: the other ways of writing --------------------------------------------------------------------


@pytest.mark.parametrize("text, masked, kind", [
    ("Rappelez au 06\u202f12\u202f34\u202f56\u202f78 svp", "Rappelez au [téléphone] svp", "phone"),  # narrow nbsp
    ("tel 06\u00a012\u00a034\u00a056\u00a078.", "tel [téléphone].", "phone"),  # no-break space
    ("tel 06\u200912\u200934\u200956\u200978", "tel [téléphone]", "phone"),  # thin space
    ("tel 06/12/34/56/78 le soir", "tel [téléphone] le soir", "phone"),
    ("tel (06) 12 34 56 78", "tel [téléphone]", "phone"),
    ("Tél. (01) 23 45 67 89.", "Tél. [téléphone].", "phone"),
    ("tel (0)6 12 34 56 78", "tel [téléphone]", "phone"),
    ("au +33 (0)6 12 34 56 78", "au [téléphone]", "phone"),
    ("au +33\u202f(0)6\u202f12\u202f34\u202f56\u202f78", "au [téléphone]", "phone"),
    ("au +33\u202f6\u202f12\u202f34\u202f56\u202f78", "au [téléphone]", "phone"),
    ("London +44\u202f20\u202f7946\u202f0958", "London [téléphone]", "phone"),
    ("IBAN FR76-3000-6000-0112-3456-7890-189 merci", "IBAN [iban] merci", "iban"),
    ("IBAN FR76\u202f3000\u202f6000\u202f0112\u202f3456\u202f7890\u202f189", "IBAN [iban]", "iban"),
    ("carte 4970.1012.3456.7893 refusée", "carte [carte] refusée", "card"),
    ("carte 4970\u202f1012\u202f3456\u202f7893", "carte [carte]", "card"),
    ("carte 4970\u00a01012\u00a03456\u00a07893", "carte [carte]", "card"),
])
def test_the_other_ways_of_writing_are_masked(text, masked, kind):
    assert mask_personal_data(text) == (masked, {k: int(k == kind) for k in privacy.MASKS})


@pytest.mark.parametrize("text", [
    "Livré le 06/12/2025 à 14:30",  # dates, with slashes like the phones
    "06/12/2025 14:30",
    "le 06/12/25 14 30",
    "du 06/12 au 12/06",
    "le 06.12.2025 à 14h30",
    "Payé 1\u202f234,50\u00a0€, puis 1\u00a0234\u00a0567,89 € et 1 234,50 €",  # amounts
    "Total 1.234.567.890.123,45 €",
    "commande n° 2025-123456, ticket 12.34.56.78, CMD/2025/0612",  # order numbers
    "de 08:30 à 12:00, 9h-18h, 10 h 30",  # times
    "(2) articles, (06) jours, (0)6 fois",  # parentheses around small numbers
    "4970.1012.3456.7890",  # dots, not a Luhn number
    "FR76-3000-6000-0112-3456-7890-188",  # dashes, a wrong IBAN check
    "FR76-POUR-TOUS",
    "version 1.2.3.4.5.6.7.8.9.10.11.12.13",
])
def test_ordinary_text_written_the_same_ways_stays(text):
    assert mask_personal_data(text) == (text, NONE)


# --- raw customer ids in comments ----------------------------------------------------------------------------


def test_ids_of_the_import_and_of_their_shape_are_masked():
    ids = ["CRM-784512", "CRM-784513"]
    masked, counts = mask_personal_data("Client crm-784512. Mon voisin est CRM-000042, pas CRM-1234567", ids)
    assert masked == "Client [id]. Mon voisin est [id], pas CRM-1234567"  # the shape: CRM-, then 6 digits
    assert counts == {**NONE, "id": 2}
    assert privacy.describe_masked(counts) == "2 customer IDs"
    # an id inside an e-mail address: the address is masked whole
    assert mask_personal_data("crm-784512@exemple.fr", ids) == ("[email]", {**NONE, "email": 1})


def test_digits_only_ids_are_masked_exactly_never_by_shape():
    ids = pd.Series(["784512", "10123456", "0042", "12", "2025", None, "ABCDEF"], dtype=STR)
    found = CustomerIds(ids)
    assert found.shape is None  # a 6-digit shape would take every order number
    text = ("Client 784512 (ou 10123456). Ticket 654321, en 2025, 12 jours, code 0042, ABCDEF, "
            "réf CRM-784512, 7845123")
    masked, counts = mask_personal_data(text, found)
    assert masked == ("Client [id] (ou [id]). Ticket 654321, en 2025, 12 jours, code 0042, ABCDEF, "
                      "réf CRM-[id], 7845123")
    assert counts["id"] == 3


def test_ids_with_their_own_separators_and_a_column():
    ids = ["X-12.34_ab", "émile-2345", "C0000001"]
    comments = pd.Series(["id:x-12.34_AB. ok", None, "(Émile-2345) et C0000001", "rien"], dtype=STR, index=[5, 6, 7, 8])
    masked, counts = mask_personal_data(comments, ids)
    assert masked[5] == "id:[id]. ok" and pd.isna(masked[6]) and masked[7] == "([id]) et [id]" and masked[8] == "rien"
    assert counts["id"] == 3 and list(masked.index) == [5, 6, 7, 8]


def test_the_pseudonymiser_remembers_the_raw_ids_it_saw():
    p = privacy.Pseudonymiser(privacy.PseudonymKey(KEY.encode(), "test"))
    assert p.raw_ids.to_pylist() == []
    out = p(pd.Series(["CRM-1", "CRM-2", "CRM-1", None], dtype=STR))
    assert out[0] == privacy.pseudonym("CRM-1", p.key) and pd.isna(out[3])
    p(pd.Series(["CRM-2", "CRM-3"], dtype=STR))
    assert sorted(p.raw_ids.to_pylist()) == ["CRM-1", "CRM-2", "CRM-3"]


CUSTOMERS = "customer_id,persona\nCRM-784512,Famille\nCRM-784513,Pro\n"
TOUCHPOINTS = ("customer_id,timestamp,channel,stage\nCRM-784512,2025-01-02 10:00,Web,awareness\n"
               "CRM-999001,2025-01-04 10:00,Web,consideration\n")
FEEDBACK = ("customer_id,timestamp,stage,nps,comment\n"
            "CRM-784512,2025-01-06,purchase,9,\"Je suis CRM-784512, mon frère CRM-999001\"\n"
            "CRM-784513,2025-01-07,purchase,3,Colis reçu le 06/12/2025 commande 2025-123456\n")


def _files(tmp_path):
    out = {}
    for kind, text in (("customers", CUSTOMERS), ("touchpoints", TOUCHPOINTS), ("feedback", FEEDBACK)):
        out[kind] = tmp_path / f"{kind}.csv"
        out[kind].write_text(text, encoding="utf-8")
    return ["--customers", str(out["customers"]), "--touchpoints", str(out["touchpoints"]),
            "--feedback", str(out["feedback"])]


def _comments(url) -> list[str]:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        comments = sorted(r[0] for r in conn.exec_driver_sql("select comment from feedback"))
    engine.dispose()
    return comments


def test_a_pseudonymised_database_keeps_no_raw_id_typed_in_a_comment(db_url, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv(privacy.KEY_ENV, KEY)
    assert main(["init", "--db", db_url, "--pseudonymise"]) == 0
    code = main(["import", "--db", db_url, *_files(tmp_path)])
    out = capsys.readouterr()
    assert code == 0, out.err
    assert "personal data masked in comments: 2 customer IDs" in out.out
    assert _comments(db_url) == ["Colis reçu le 06/12/2025 commande 2025-123456", "Je suis [id], mon frère [id]"]


def test_a_raw_database_keeps_ids_in_comments(duckdb_url, tmp_path, capsys):
    """Its customer_id column holds them anyway: masking them in comments would hide nothing."""
    assert main(["import", "--db", duckdb_url, *_files(tmp_path)]) == 0
    assert "customer ID" not in capsys.readouterr().out
    assert _comments(duckdb_url)[1] == "Je suis CRM-784512, mon frère CRM-999001"


# --- pseudonym keys too easy to guess ------------------------------------------------------------------------

WEAK_KEYS = [
    "a" * 40,  # one character
    "1234567890" * 3,  # a sequence, repeated
    "abcdefghijklmnopqrstuvwxyz",
    "qwertyuiopasdfghjklzxcvbnm",  # keyboard rows
    "azertyuiopqsdfghjklmwxcvbn",
    "passwordpasswordpassword",  # a word, repeated
    "soleil-soleil-soleil-soleil",
    "correct horse battery staple",  # four words
    "MaSociété-Parcours-2025!",
    "Parcours-Production-Cle-Secrete-2025-Lyon!",
    "0101101001011010" * 2,  # few distinct characters
    "aAbB" * 8,
    "Tr0ub4dor&3Tr0ub4dor&3",
    "test-key-0123456789-abcdef",
]


@pytest.mark.parametrize("weak", WEAK_KEYS)
def test_a_guessable_key_is_refused_with_how_to_make_one(weak, monkeypatch):
    assert len(weak) >= privacy.MIN_KEY_CHARS  # long enough: refused for being guessable, not short
    monkeypatch.setenv(privacy.KEY_ENV, weak)
    with pytest.raises(PrivacyError, match="too easy to guess") as refused:
        privacy.find_key()
    message = str(refused.value)
    assert 'python -c "import secrets; print(secrets.token_hex(32))"' in message and weak not in message


def test_random_keys_are_accepted(monkeypatch, tmp_path):
    import secrets

    for _ in range(200):  # what the messages and the README tell to run: never refused
        for key in (secrets.token_hex(32), secrets.token_urlsafe(32)):
            assert privacy.key_bits(key) >= privacy.MIN_KEY_BITS, key
    for key in (KEY, "Jx7Qk2mV9pL4sT8wR3nB6yH1cF5dG0zA", "correct horse battery staple orange window piano river "
                                                         "candle mountain tiger 7319"):
        monkeypatch.setenv(privacy.KEY_ENV, key)
        assert privacy.find_key().value == key.encode()
    monkeypatch.delenv(privacy.KEY_ENV)
    (tmp_path / "secrets.toml").write_text('[privacy]\npseudonym_key = "passwordpasswordpassword"\n', encoding="utf-8")
    with pytest.raises(PrivacyError, match=r"secrets.toml \[privacy\] pseudonym_key is too easy to guess"):
        privacy.find_key()


def test_init_refuses_a_guessable_key_and_creates_nothing(tmp_path, capsys, monkeypatch):
    path = tmp_path / "new.duckdb"
    monkeypatch.setenv(privacy.KEY_ENV, "soleil-soleil-soleil-soleil")
    assert main(["init", "--db", f"duckdb:///{path}", "--pseudonymise"]) == 2
    assert "too easy to guess" in capsys.readouterr().err and not path.exists()


def test_a_database_made_with_a_guessable_key_still_opens_and_says_so(duckdb_url, tmp_path, capsys, monkeypatch):
    """Made before keys were checked: refusing its key would stop its imports and forget requests."""
    weak = "soleil-soleil-soleil-soleil"
    db = dm.connect(duckdb_url)
    dm.initialise(db, settings=privacy.pseudonym_settings(privacy.PseudonymKey(weak.encode(), "test")))
    db.close()
    monkeypatch.setenv(privacy.KEY_ENV, weak)
    code = main(["import", "--db", duckdb_url, *_files(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0 and "is too easy to guess" in out and "init --db NEW_URL --pseudonymise" in out
    assert main(["forget", "--db", duckdb_url, "CRM-784513"]) == 0
    monkeypatch.setenv(privacy.KEY_ENV, "lune-lune-lune-lune-lune")  # guessable and not this database's key
    assert main(["import", "--db", duckdb_url, *_files(tmp_path)]) == 2
    assert "is not the one this database was created with" in capsys.readouterr().err


# --- the files Parcours creates --------------------------------------------------------------------------------


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def usual_umask():
    """The usual umask (022: files 0644, folders 0755), whatever the test runner's."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def test_the_default_database_folder_and_file_are_private(tmp_path, monkeypatch, usual_umask, capsys):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PARCOURS_DB_URL", raising=False)
    db = dm.connect()  # duckdb:///data/parcours.duckdb
    dm.initialise(db)
    db.close()
    assert _mode(tmp_path / "data") == 0o700 and _mode(tmp_path / "data" / "parcours.duckdb") == 0o600
    assert os.umask(0o022) == 0o022  # the process's umask is back
    # the forget salt (parcours_secrets) lives in that file; a write leaves no readable write-ahead log
    assert main(["import", "--db", "duckdb:///data/parcours.duckdb", *_files(tmp_path)]) == 0
    assert main(["forget", "--db", "duckdb:///data/parcours.duckdb", "CRM-784513"]) == 0
    for path in (tmp_path / "data").iterdir():
        assert _mode(path) & 0o077 == 0, path


def test_nested_folders_are_private_existing_ones_untouched_and_the_wal_follows_the_file(tmp_path, usual_umask):
    shared = tmp_path / "team"
    shared.mkdir(mode=0o755)
    os.chmod(shared, 0o755)
    path = shared / "a" / "b" / "parcours.duckdb"
    db = dm.connect(f"duckdb:///{path}")
    dm.initialise(db)
    assert _mode(shared) == 0o755  # not Parcours' folder: left as it was
    assert _mode(shared / "a") == _mode(shared / "a" / "b") == 0o700 and _mode(path) == 0o600
    wal = path.with_name(path.name + ".wal")
    seen = []
    for i in range(3):  # each write may make the write-ahead log again (after a checkpoint): never readable
        with db.engine.begin() as conn:
            conn.exec_driver_sql(f"insert into parcours_meta (key, value) values ('test{i}', 'x')")
        if wal.exists():
            seen.append(_mode(wal))
    db.close()
    assert seen and all(m == 0o600 for m in seen)
    # a file the administrator opened to a group keeps that: Parcours only creates private
    os.chmod(path, 0o640)
    db = dm.connect(f"duckdb:///{path}")
    with db.engine.begin() as conn:
        conn.exec_driver_sql("insert into parcours_meta (key, value) values ('again', 'x')")
    assert _mode(path) == 0o640 and (not wal.exists() or _mode(wal) & ~0o640 == 0)
    db.close()
