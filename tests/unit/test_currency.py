"""The currency of the amounts: a database setting (``currency``, ``currency_symbol``; EUR by default) that every
amount shown takes — the KPI card's ``Texts.money`` and the charts' ``$`` formats, drawn by the real renderer."""

import subprocess
import sys

import pandas as pd
import pytest

import charts
import data_model as dm
from analytics.dimensions import data_version
from analytics.settings import DEFAULTS, analysis_settings, parse_setting
from charts.export import chart_image
from i18n import CURRENCIES, Texts, money_affixes
from loaders.settings import SettingError, set_analysis_setting, set_analysis_settings
from tests.conftest import ROOT

NB, NNB = "\u00a0", "\u202f"  # no-break space (before a French symbol), narrow no-break space (French thousands)


@pytest.mark.parametrize(("lang", "code", "value", "expected"), [
    ("fr", "EUR", 193566, f"193{NNB}566{NB}€"), ("en", "EUR", 193566, "€193,566"),
    ("fr", "EUR", 2_394_000, f"2,39{NB}M€"), ("en", "EUR", 2_394_000, "€2.39M"),
    ("fr", "BRL", 1234.4, f"1{NNB}234{NB}R$"), ("en", "BRL", 1234.4, "R$1,234"),
    ("fr", "BRL", 2_394_000, f"2,39{NB}M{NB}R$"), ("en", "BRL", 2_394_000, "R$2.39M"),
    ("fr", "USD", 1234.6, f"1{NNB}235{NB}$"), ("en", "USD", 1234.6, "$1,235"),
    ("en", "USD", -1234.6, "-$1,235"), ("fr", "USD", -1234.6, f"-1{NNB}235{NB}$"),
    ("fr", "CHF", 1234, f"1{NNB}234{NB}CHF"), ("en", "CHF", 1234, f"CHF{NB}1,234"),
    ("en", "GBP", None, "—"), ("fr", "JPY", 0, f"0{NB}¥"),
])
def test_an_amount_is_written_in_the_currency_by_the_language(lang, code, value, expected):
    assert Texts(lang, code).money(value) == expected


def test_a_symbol_of_its_own_and_the_default():
    assert Texts("en", "USD", symbol="US$").money(12) == "US$12"
    assert Texts("fr").currency == "EUR" and Texts("fr").money(5) == f"5{NB}€"
    assert money_affixes("fr", "R$") == ("", f"{NB}R$") and money_affixes("en", "R$") == ("R$", "")
    assert all(symbol and len(symbol) <= 4 and len(code) == 3 and code.isupper() for code, symbol in CURRENCIES.items())


def revenue_trend(tx: Texts):
    df = pd.DataFrame({"period_start": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-01"]),
                       "revenue": [120000.0, 180000.0, 150000.0]})
    return charts.kpi_trend_chart(df, "revenue", titles=tx.chart_titles(title=tx.t("kpi.revenue")))


@pytest.mark.parametrize(("lang", "code", "tick"), [("en", "BRL", "R$150,000"), ("fr", "BRL", f"150{NNB}000{NB}R$"),
                                                    ("en", "EUR", "€150,000"), ("fr", "USD", f"150{NNB}000{NB}$")])
def test_the_revenue_trend_draws_its_axis_in_the_currency(lang, code, tick):
    spec = revenue_trend(Texts(lang, code)).to_dict()
    assert spec["config"]["locale"]["number"]["currency"] == list(money_affixes(lang, CURRENCIES[code]))
    svg = chart_image(spec, "svg").decode("utf-8")  # the real renderer, with the spec's number locale
    assert tick.replace(NB, " ").replace(NNB, " ") in svg.replace("&nbsp;", " ").replace(NB, " ").replace(NNB, " ")
    others = {"€", "$", "R$"} - {CURRENCIES[code]} - ({"$"} if code == "BRL" else set())
    assert not any(o in svg for o in others), svg


def test_values_the_currency_settings_take():
    assert parse_setting("currency", " brl ") == "BRL" and parse_setting("currency_symbol", " US$ ") == "US$"
    assert parse_setting("currency_symbol", "auto") is None and parse_setting("currency_symbol", "") is None
    for name, bad in [("currency", "XYZ"), ("currency", "euro"), ("currency", "€"), ("currency_symbol", "R$ 1"),
                      ("currency_symbol", "R 2"), ("currency_symbol", "dollars"), ("currency_symbol", "\x00")]:
        with pytest.raises(ValueError):
            parse_setting(name, bad)


def test_the_currency_saved_in_the_database_and_read_back(db_url):
    db = dm.connect(db_url)
    try:
        dm.initialise(db)
        assert (analysis_settings(db).currency, analysis_settings(db).symbol) == ("EUR", "€") == (
            DEFAULTS.currency, DEFAULTS.symbol)
        before = data_version(db)
        assert set_analysis_setting(db, "currency", "brl") == "BRL"
        assert (analysis_settings(db).currency, analysis_settings(db).symbol) == ("BRL", "R$")
        assert data_version(db) != before  # the pages' caches follow a change of currency
        set_analysis_setting(db, "currency_symbol", "BR$")
        assert analysis_settings(db).symbol == "BR$" and analysis_settings(db).window_days == 90
        set_analysis_setting(db, "currency", "USD")  # another currency: its usual symbol, not BRL's own
        assert (analysis_settings(db).currency, analysis_settings(db).symbol) == ("USD", "$")
        with pytest.raises(SettingError) as refused:
            set_analysis_settings(db, {"window_days": "30", "currency": "XBT"})
        for lang, words in [("en", "a known ISO 4217 currency code"), ("fr", "un code de devise ISO 4217 connu")]:
            message = refused.value.message_in(lang)
            assert "currency" in message and "XBT" in message and words in message and "BRL" in message, message
        assert analysis_settings(db).currency == "USD" and analysis_settings(db).window_days == 90  # nothing written
        with db.session() as session:  # a code written by hand: the default, rather than a page that fails
            session.get(dm.Meta, "analysis.currency").value = "ZZZ"
            session.commit()
        assert analysis_settings(db).currency == "EUR"
    finally:
        db.close()


def test_the_command_line_sets_the_currency_and_refuses_an_unknown_code_in_the_readers_language(duckdb_url):
    db = dm.connect(duckdb_url)
    dm.initialise(db)
    db.close()

    def loaders(*args):
        return subprocess.run([sys.executable, "-m", "loaders", "setting", *args, "--db", duckdb_url], cwd=ROOT,
                              capture_output=True, text=True, timeout=300)

    out = loaders("currency", "BRL")
    assert out.returncode == 0 and "BRL" in out.stdout, out.stderr
    out = loaders("currency_symbol", "auto", "--lang", "fr")
    assert out.returncode == 0 and "auto" in out.stdout, out.stderr
    out = loaders("currency", "REAIS", "--lang", "fr")
    assert out.returncode == 2 and "Traceback" not in out.stderr
    assert "un code de devise ISO 4217 connu" in out.stderr and "REAIS" in out.stderr, out.stderr
    db = dm.connect(duckdb_url, create=False)
    try:
        assert (analysis_settings(db).currency, analysis_settings(db).symbol) == ("BRL", "R$")
    finally:
        db.close()
