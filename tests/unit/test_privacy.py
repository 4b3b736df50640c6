"""Personal data without a database: masking of verbatims (every kind, and what must stay), the pseudonym key
(environment, secrets.toml, refusals) and pseudonyms."""

import numpy as np
import pandas as pd
import pytest

from loaders import privacy
from loaders.privacy import PrivacyError, mask_personal_data
from loaders.read import read_table
from loaders.validate import STR, ImportContext, validate
from tests.conftest import DEMO_FILES, EXAMPLES

KEY = "Jx7Qk2mV9pL4sT8wR3nB6yH1cF5dG0zA-test-key"  # ~230 bits (key_bits)


@pytest.fixture(autouse=True)
def no_key_around(monkeypatch, tmp_path):
    """Neither the developer's environment nor their secrets files take part."""
    monkeypatch.delenv(privacy.KEY_ENV, raising=False)
    monkeypatch.setattr(privacy, "secrets_files", lambda: [tmp_path / "secrets.toml"])


# --- masking, each kind by hand -----------------------------------------------------------------------------


@pytest.mark.parametrize("text, masked, kind", [
    ("Écrivez-moi : françois.dupont@orange.fr.", "Écrivez-moi : [email].", "email"),
    ("jean+avis@exemple-boutique.co.uk merci", "[email] merci", "email"),
    ("Rappelez au 06 12 34 56 78 svp", "Rappelez au [téléphone] svp", "phone"),
    ("tel 06.12.34.56.78", "tel [téléphone]", "phone"),
    ("tel 06-12-34-56-78", "tel [téléphone]", "phone"),
    ("tel:0612345678", "tel:[téléphone]", "phone"),
    ("au +33 6 12 34 56 78 !", "au [téléphone] !", "phone"),
    ("au +33 (0)6 12 34 56 78", "au [téléphone]", "phone"),
    ("au +33612345678", "au [téléphone]", "phone"),
    ("au 0033 1 23 45 67 89", "au [téléphone]", "phone"),
    ("fixe 01 23 45 67 89.", "fixe [téléphone].", "phone"),
    ("London +44 20 7946 0958", "London [téléphone]", "phone"),
    ("London +44 (0)20 7946 0958", "London [téléphone]", "phone"),
    ("SF +1 415 555 2671", "SF [téléphone]", "phone"),
    ("SF +1 (415) 555-2671", "SF [téléphone]", "phone"),
    ("+442079460958", "[téléphone]", "phone"),
    ("IBAN FR76 3000 6000 0112 3456 7890 189 merci", "IBAN [iban] merci", "iban"),
    ("IBAN FR7630006000011234567890189", "IBAN [iban]", "iban"),
    ("iban fr76 3000 6000 0112 3456 7890 189", "iban [iban]", "iban"),
    ("GB82 WEST 1234 5698 7654 32", "[iban]", "iban"),
    ("carte 4111 1111 1111 1111 refusée", "carte [carte] refusée", "card"),
    ("carte 5555-5555-5555-4444", "carte [carte]", "card"),
    ("carte 4111111111111111", "carte [carte]", "card"),
    ("amex 3782 822463 10005", "amex [carte]", "card"),
    ("ref 12 4111 1111 1111 1111", "ref 12 [carte]", "card"),
])
def test_each_kind_is_masked_and_counted(text, masked, kind):
    result, counts = mask_personal_data(text)
    assert result == masked
    assert counts == {k: int(k == kind) for k in privacy.MASKS}


@pytest.mark.parametrize("text", [
    "Commande 1234567 livrée en 3 jours",  # order numbers of 6-8 digits
    "commande n°12345678, ticket 654321",
    "Payé 129,90 € puis 1 234,50 €",  # amounts
    "Livré le 12/03/2025 à 14h30, retour le 2025-03-20",  # dates
    "Magasin de Paris 75011 puis 69003 Lyon",  # postcodes
    "4111 1111 1111 1112",  # not a Luhn number
    "Disque ST1000LM035 remplacé par un WD10EZEX",  # product codes
    "FR76 3000 6000 0112 3456 7890 188",  # a wrong IBAN check
    "FR76 POUR TOUS",
    "+15 % de remise, +1 000 000 de clients",  # signed numbers are not phones
    "Note 9/10, 10:30, 3 x 2 articles, 06/12/2024",
    "Contact par e-mail @service, pas de numéro",
    "",
])
def test_ordinary_numbers_and_text_stay(text):
    assert mask_personal_data(text) == (text, dict.fromkeys(privacy.MASKS, 0))


def test_several_kinds_in_one_comment_and_a_column():
    comments = pd.Series(["Mail a@b.fr, tel 06 12 34 56 78 et 07 11 22 33 44", None, "Rien à signaler",
                          "carte 4111 1111 1111 1111, IBAN FR7630006000011234567890189"],
                         index=[10, 11, 12, 13], dtype=STR, name="comment")
    masked, counts = mask_personal_data(comments)
    assert list(masked.index) == [10, 11, 12, 13] and masked.name == "comment" and masked.dtype == STR
    assert masked[10] == "Mail [email], tel [téléphone] et [téléphone]"
    assert pd.isna(masked[11]) and masked[12] == "Rien à signaler"
    assert masked[13] == "carte [carte], IBAN [iban]"
    assert counts == {"email": 1, "phone": 2, "iban": 1, "card": 1, "id": 0}
    assert privacy.describe_masked(counts) == "1 e-mail address, 2 phone numbers, 1 IBAN, 1 card number"
    assert privacy.describe_masked(dict.fromkeys(privacy.MASKS, 0)) is None
    plain = pd.Series(["x 06 12 34 56 78", np.nan], dtype=object)  # not Arrow-backed: works the same
    assert list(mask_personal_data(plain)[0].fillna("-")) == ["x [téléphone]", "-"]


def test_the_shipped_examples_hold_nothing_to_mask():
    for path, column in ((EXAMPLES / "avis.csv", "Commentaire"), (DEMO_FILES["feedback"], "comment")):
        raw = read_table(path)
        comments = raw.data[raw.headers.index(column)]
        masked, counts = mask_personal_data(comments)
        assert not any(counts.values()) and masked.fillna("").tolist() == comments.fillna("").tolist()


def test_feedback_validation_masks_comments_unless_kept(tmp_path):
    f = tmp_path / "avis.csv"
    f.write_text("client;date;étape;note;commentaire\n1;2024-01-01;achat;3;Rappelez-moi au 06 12 34 56 78\n"
                 "2;2024-01-02;achat;9;Très bien\n", encoding="utf-8")
    from data_model.stages import STAGE_MODELS

    ctx = ImportContext.for_model(STAGE_MODELS["default"])
    v = validate(read_table(f), "feedback", ctx)
    assert list(v.frame["comment"]) == ["Rappelez-moi au [téléphone]", "Très bien"]
    assert v.masked["phone"] == 1
    assert any(n.startswith("personal data masked in comments: 1 phone number") for n in v.notes)
    ctx.mask_personal_data = False
    v = validate(read_table(f), "feedback", ctx)
    assert v.frame["comment"].iloc[0] == "Rappelez-moi au 06 12 34 56 78" and not v.masked
    assert any("kept as written" in n for n in v.notes)


# --- the key --------------------------------------------------------------------------------------------------


def test_key_from_the_environment_first_then_the_secrets_file(monkeypatch, tmp_path):
    assert privacy.find_key() is None
    in_file = "secrets-file-9fK2xQ7mW4pZ8vB3nL6tR1"
    (tmp_path / "secrets.toml").write_text(f'[privacy]\npseudonym_key = "{in_file}"\n', encoding="utf-8")
    key = privacy.find_key()
    assert key.value == in_file.encode() and "secrets.toml [privacy] pseudonym_key" in key.source
    monkeypatch.setenv(privacy.KEY_ENV, KEY)
    assert privacy.find_key().value == KEY.encode() and privacy.find_key().source == "$PARCOURS_PSEUDONYM_KEY"
    assert KEY not in repr(privacy.find_key())  # the key never shows in messages or reprs


def test_unusable_keys_are_refused_with_a_reason(monkeypatch, tmp_path):
    monkeypatch.setenv(privacy.KEY_ENV, "too-short")
    with pytest.raises(PrivacyError, match="9 characters long: use at least 16"):
        privacy.find_key()
    monkeypatch.delenv(privacy.KEY_ENV)
    secrets = tmp_path / "secrets.toml"
    secrets.write_text("[privacy]\npseudonym_key = 1234567890123456789\n", encoding="utf-8")
    with pytest.raises(PrivacyError, match="must be a quoted string"):
        privacy.find_key()
    secrets.write_text('[privacy\npseudonym_key = "x"\n', encoding="utf-8")
    with pytest.raises(PrivacyError, match="is not valid TOML"):
        privacy.find_key()
    secrets.write_text('[other]\nx = 1\n', encoding="utf-8")
    assert privacy.find_key() is None
    with pytest.raises(PrivacyError, match="No pseudonym key: set PARCOURS_PSEUDONYM_KEY"):
        privacy.required_key()


def test_pseudonyms_are_keyed_stable_and_documented():
    import hashlib
    import hmac

    key = privacy.PseudonymKey(KEY.encode(), "test")
    other = privacy.PseudonymKey(b"another-key-0123456789", "test")
    ids = pd.Series(["CRM-0001", "CRM-0002", "CRM-0001", "Zo\u00e9"], dtype=STR)
    first, again = privacy.pseudonymise(ids, key), privacy.pseudonymise(ids, key)
    assert first.tolist() == again.tolist() and first[0] == first[2] and first[0] != first[1]
    assert first[0] == "p_" + hmac.new(KEY.encode(), b"CRM-0001", hashlib.sha256).hexdigest()[:20]
    assert first[0] == privacy.pseudonym(" CRM-0001 ", key)
    assert privacy.pseudonym("Zoe\u0301", key) == privacy.pseudonym("Zo\u00e9", key)  # NFC
    assert set(privacy.pseudonymise(ids, other)).isdisjoint(first)
    assert all(privacy.PSEUDONYM_PATTERN.fullmatch(p) for p in first) and privacy.all_pseudonyms(first)
    assert not privacy.all_pseudonyms(ids)
    assert privacy.key_check(key) != privacy.key_check(other) and KEY not in privacy.key_check(key)
