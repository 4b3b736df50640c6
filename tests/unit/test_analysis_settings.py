"""The analysis settings (``analytics.settings``): what a value may be, defaults, and saving them all or none."""

import pytest

import data_model as dm
from analytics.settings import DEFAULTS, AnalysisSettings, analysis_settings, parse_setting
from loaders.settings import SettingError, set_analysis_settings


def test_values_a_setting_takes():
    assert parse_setting("window_days", " ALL ") is None and parse_setting("window_days", "30") == 30
    assert parse_setting("observed_for_ranking", "75 %") == 0.75 and parse_setting("observed_for_ranking", 0.9) == 0.9
    for name, bad in [("window_days", "0"), ("window_days", "-3"), ("window_days", "3661"), ("window_days", "1.5"),
                      ("post_window_days", "all"), ("observed_for_ranking", "0"), ("observed_for_ranking", "120 %"),
                      ("nope", "1")]:
        with pytest.raises(ValueError):
            parse_setting(name, bad)


def test_defaults_then_saved_all_or_none(duckdb_url):
    db = dm.connect(duckdb_url)
    try:
        dm.initialise(db)
        assert analysis_settings(db) == DEFAULTS == AnalysisSettings(90, 365, 365, 0.8)
        set_analysis_settings(db, {"window_days": "30", "churn_window_days": "180"})
        assert analysis_settings(db) == AnalysisSettings(30, 365, 180, 0.8)
        with pytest.raises(SettingError) as refused:
            set_analysis_settings(db, {"post_window_days": "100", "window_days": "soon"})
        assert "window_days" in refused.value.message_in("en")
        assert analysis_settings(db) == AnalysisSettings(30, 365, 180, 0.8)  # nothing written, 100 included
        with db.session() as session:  # a value written by hand: the default, rather than a page that fails
            session.get(dm.Meta, "analysis.window_days").value = "garbage"
            session.commit()
        assert analysis_settings(db).window_days == 90
    finally:
        db.close()


def test_the_settings_are_read_in_one_query_by_their_prefix(db):
    """``data_model.metas``: the values under one prefix, and nothing else (not a key that merely looks alike)."""
    with db.session() as session:
        for key, value in (("analysis.window_days", "45"), ("analysisXwindow_days", "7"), ("analysis_window", "8"),
                           ("facts.stamp", "x")):
            session.add(dm.Meta(key=key, value=value))
        session.commit()
    assert dm.metas(db, "analysis.") == {"analysis.window_days": "45"}
    assert analysis_settings(db).window_days == 45 and dm.metas(db, "nothing.") == {}
