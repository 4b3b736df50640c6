"""The masks check what they mask (issue 17): an IBAN needs a registered country, that country's IBAN length and the
mod-97 check; a card number the Luhn check and an issuer's prefix and length; an international phone number a known
country calling code and a plausible length. Numbers that pass a checksum by chance — product codes, order numbers,
SIRETs, barcodes — stay as written."""

import pandas as pd
import pytest

from loaders import privacy
from loaders.privacy import IBAN_LENGTHS, mask_personal_data
from loaders.validate import STR

NONE = dict.fromkeys(privacy.MASKS, 0)


def with_check_digits(country: str, bban: str) -> str:
    """``country`` + the two check digits that make ``country…bban`` pass mod-97 + ``bban``, whatever the country
    and the length: what 1 in 97 random codes look like."""
    number = int((bban + country + "00").upper().translate(privacy._LETTER_VALUES))
    return f"{country}{98 - number % 97:02d}{bban}"


def passes_mod97(text: str) -> bool:
    compact = text.replace(" ", "").upper()
    return int((compact[4:] + compact[:4]).translate(privacy._LETTER_VALUES)) % 97 == 1


def luhn_completed(prefix: str) -> str:
    """``prefix`` and the one last digit that makes it pass Luhn."""
    return next(prefix + d for d in "0123456789" if privacy._luhn_ok(prefix + d))


# --- IBANs ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("iban", [  # the registry's own examples, as people write them
    "DE89 3704 0044 0532 0130 00", "BE68 5390 0754 7034", "NO93 8601 1117 947", "CH93 0076 2011 6238 5295 7",
    "MT84 MALT 0110 0001 2345 MTLC AST0 01S", "BR18 0036 0305 0000 1000 9795 493C 1", "ES9121000418450200051332",
    "it60 x054 2811 1010 0000 0123 456", "PL61 1090 1014 0000 0712 1981 2874",
])
def test_registered_ibans_are_masked(iban):
    assert mask_personal_data(f"virement sur {iban} merci") == ("virement sur [iban] merci", {**NONE, "iban": 1})


def test_every_registered_country_at_its_length_and_no_other():
    for country, length in IBAN_LENGTHS.items():
        iban = with_check_digits(country, ("3000600001" * 4)[:length - 4])
        assert len(iban) == length and passes_mod97(iban)
        assert mask_personal_data(f"IBAN {iban}") == ("IBAN [iban]", {**NONE, "iban": 1}), iban
        for other in (length - 1, length + 1):
            wrong = with_check_digits(country, ("3000600001" * 4)[:other - 4])
            assert passes_mod97(wrong) and mask_personal_data(wrong) == (wrong, NONE), wrong


@pytest.mark.parametrize("code", [
    with_check_digits("ST", "4000DM004Z1A2B7"),  # a hard-drive model and serial: São Tomé's IBANs are 25 long
    with_check_digits("WD", "10EZEX00BN5A0"),  # no country WD
    with_check_digits("SN", "74LS00N0012345"),  # a part number: Senegal has no IBAN in the registry
    with_check_digits("HP", "1234567890123456"),  # a printer cartridge reference
    with_check_digits("FR", "30006000011234567890"),  # France, 24 characters instead of 27
    with_check_digits("GB", "WEST12345698765432101"),  # the UK, 25 instead of 22
    with_check_digits("XX", "1234 5678 9012 3456".replace(" ", "")),
])
def test_codes_passing_mod97_with_a_wrong_country_or_length_stay(code):
    assert passes_mod97(code)  # the old check alone would have masked them
    text = f"Disque {code} remplacé, référence {code[:2]}-{code[2:]}"
    assert mask_personal_data(text) == (text, NONE)


# --- cards ----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("card", [
    "4111 1111 1111 1111", luhn_completed("422222222222"),  # Visa 16, 13
    luhn_completed("411111111111111111"),  # Visa 19
    "5555-5555-5555-4444", luhn_completed("222100000000000"), luhn_completed("272099999999999"),  # Mastercard
    "3782 822463 10005", luhn_completed("34000000000000"),  # American Express
    "6011111111111117", luhn_completed("644000000000000"), "3530111333300000", "6200000000000005",  # Discover, JCB…
    luhn_completed("220000000000000"),  # Mir
])
def test_issued_card_numbers_are_masked(card):
    assert mask_personal_data(f"carte {card} refusée") == ("carte [carte] refusée", {**NONE, "card": 1})


def ean13(prefix: str) -> str:
    """A valid EAN-13 starting with ``prefix`` (12 digits) that also passes Luhn, searching the last digits."""
    for n in range(10 ** 4):
        candidate = f"{prefix[:8]}{n:04d}"
        code = candidate + str(-sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(candidate)) % 10)
        if privacy._luhn_ok(code):
            return code
    raise AssertionError(prefix)


@pytest.mark.parametrize("number", [
    luhn_completed("987654321012345"), luhn_completed("100000123456789"),  # 16-digit order numbers, no issuer
    luhn_completed("000012345678901"), luhn_completed("202503120000042"),  # 2025… is not Mastercard's 2221–2720
    luhn_completed("7328293200007"), luhn_completed("3625218790003"),  # SIRETs: 14 digits, Luhn valid by design
    luhn_completed("4420512345678"),  # a SIRET starting with 4 (Visa issues 13, 16 or 19 digits)
    ean13("400638133393"), ean13("500000000000"), ean13("376000000000"),  # barcodes (EAN-13, Luhn valid too)
    luhn_completed("371234567890123"),  # Amex's prefix, 16 digits: Amex issues 15
    luhn_completed("51234567890123456"),  # Mastercard's prefix, 17 digits
    luhn_completed("3056930902590"),  # 14 digits: no card length (old Diners cards), like a SIRET
    luhn_completed("86000000000000000"),  # a parcel number: no issuer starts with 8
])
def test_numbers_passing_luhn_without_an_issuers_prefix_and_length_stay(number):
    assert privacy._luhn_ok(number)  # the old check alone would have masked them
    for text in (f"commande {number} expédiée", f"SIRET {number[:3]} {number[3:6]} {number[6:9]} {number[9:]}",
                 number):
        assert mask_personal_data(text) == (text, NONE), text


# --- phone numbers --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("phone", [
    "+44(0)20 7946 0958", "+1 (415) 555-2671", "+49 30 1234567", "+49 151 23456789", "+32 2 123 45 67",
    "+41 44 668 18 00", "+55 11 91234 5678", "+351 21 123 4567", "+86 138 0013 8000", "+212 6 12 34 56 78",
    "0044 20 7946 0958", "+7 495 123 45 67", "+33 612 345 678", "+380 44 123 4567", "+91 98765 43210",
    "+33 6 12 34 56 78", "06 12 34 56 78", "09 87 65 43 21",
])
def test_phone_numbers_with_a_known_country_and_length_are_masked(phone):
    assert mask_personal_data(f"appelez le {phone} svp") == ("appelez le [téléphone] svp", {**NONE, "phone": 1})


@pytest.mark.parametrize("text", [
    "commande 00123456789 livrée",  # 00, then 1: a North American number has 10 digits after its code
    "colis 0099 1234 5678",  # no country 99 (nor 991)
    "+28 1234 5678 en stock",  # zone 28 is unassigned
    "+1 234 5678",  # too short for +1
    "+33 6 12 34 56",  # a French number is 9 digits after +33
    "+44 7946 0958",  # 8 digits after +44
    "00 12 34 56 78",  # 0 then 0: no French number starts 00
    "réf +1 000 000 de clients, +15 % de remise, +7 jours",
])
def test_numbers_without_a_known_country_or_length_stay(text):
    assert mask_personal_data(text) == (text, NONE)


def test_a_column_of_false_positives_and_true_ones():
    """The whole-column path (RE2 first, Python checks on the candidate rows) gives the same answers."""
    siret, order = luhn_completed("7328293200007"), luhn_completed("987654321012345")
    part = with_check_digits("WD", "10EZEX00BN5A0")
    comments = pd.Series([f"SIRET {siret}", f"commande {order}", f"disque {part}", "carte 4111 1111 1111 1111",
                          "IBAN FR76 3000 6000 0112 3456 7890 189", "tel +49 30 1234567", None, "colis 0099 1234 5678",
                          "Payé 1 234,56 € le 12/03/2025", f"EAN {ean13('400638133393')}"], dtype=STR)
    masked, counts = mask_personal_data(comments)
    assert masked.fillna("-").tolist() == [f"SIRET {siret}", f"commande {order}", f"disque {part}", "carte [carte]",
                                           "IBAN [iban]", "tel [téléphone]", "-", "colis 0099 1234 5678",
                                           "Payé 1 234,56 € le 12/03/2025", f"EAN {ean13('400638133393')}"]
    assert counts == {**NONE, "card": 1, "iban": 1, "phone": 1}
