"""``analytics.explain``: a KPI's change between two cohorts split into mix and rate (issue 19), on numbers computed
by hand and on planted data whose answer is known, on DuckDB and PostgreSQL."""

import json
from datetime import date, timedelta

import numpy as np
import pytest

from analytics import facts
from analytics.__main__ import main
from analytics.explain import change_split, decompose, default_periods, explain, resample, waterfall_rows
from analytics.filters import Filters
from analytics.metrics import Scope
from analytics.report import report
from i18n import Texts
from story import change_sentence
from tests.unit.journeys import customer, fb, load, tp

JAN = (date(2024, 1, 1), date(2024, 1, 31))
APR = (date(2024, 4, 1), date(2024, 4, 30))


# -- the split on plain numbers ---------------------------------------------------------------------------------------

def test_a_pure_mix_shift_by_hand():
    # rates unchanged (X 60 %, Y 20 %); X's share falls from 1/2 to 1/5: 40 % → 28 %, all of it mix
    got = decompose({"X": (50, 30), "Y": (50, 10)}, {"X": (20, 12), "Y": (80, 16)})
    assert got["before"] == pytest.approx(0.40) and got["after"] == pytest.approx(0.28)
    # R̄ = 0.34; X: (0.2 − 0.5) × (0.6 − 0.34) = −0.078; Y: (0.8 − 0.5) × (0.2 − 0.34) = −0.042
    assert got["groups"]["X"]["mix"] == pytest.approx(-0.078)
    assert got["groups"]["Y"]["mix"] == pytest.approx(-0.042)
    assert got["rate"] == pytest.approx(0.0) and got["mix"] == pytest.approx(-0.12)
    assert got["mix"] + got["rate"] == pytest.approx(got["change"])


def test_simpsons_paradox_every_group_better_the_total_worse():
    # both groups convert 5 points better, but the customers moved to the group that converts less
    before = {"X": (80, 64), "Y": (20, 4)}     # 80 %, 20 %: 68 %
    after = {"X": (20, 17), "Y": (80, 20)}     # 85 %, 25 %: 37 %
    got = decompose(before, after)
    assert got["change"] == pytest.approx(-0.31)
    assert got["groups"]["X"]["rate"] == pytest.approx(0.5 * 0.05)
    assert got["groups"]["Y"]["rate"] == pytest.approx(0.5 * 0.05)
    assert got["rate"] == pytest.approx(0.05)  # within groups: better
    assert got["mix"] == pytest.approx(-0.36)  # the drop is the mix
    assert got["mix"] + got["rate"] == pytest.approx(got["change"])


def test_a_group_absent_from_one_cohort_takes_the_other_cohorts_rate():
    got = decompose({"X": (100, 50)}, {"X": (50, 25), "new": (50, 10)})
    new = got["groups"]["new"]
    assert new["rate"] == 0.0 and new["rate_before"] is None and new["rate_after"] == pytest.approx(0.2)
    # R̄ = (0.5 + 0.35) / 2; the new group's mix: 0.5 × (0.2 − R̄)
    assert new["mix"] == pytest.approx(0.5 * (0.2 - 0.425))
    assert got["mix"] + got["rate"] == pytest.approx(got["change"]) == pytest.approx(-0.15)


def test_no_unit_in_a_cohort_gives_nothing():
    assert decompose({}, {"X": (1, 1)}) is None
    assert decompose({"X": (0, 0)}, {"X": (1, 1)}) is None


def test_the_resample_draws_customers_with_their_answers():
    # one type of 3 customers with 2 answers each, one of 1 customer with 5 answers: a replicate's units are
    # 2 × (draws of the first) + 5 × (draws of the second), 4 draws in all
    types = [("X", 2, 1.0, 3), ("Y", 5, 4.0, 1)]
    units, totals = resample(types, ["X", "Y"], 500, np.random.default_rng(1))
    assert units.shape == (500, 2)
    draws_x, draws_y = units[:, 0] / 2, units[:, 1] / 5
    assert np.all(draws_x + draws_y == 4)
    assert np.allclose(totals[:, 0], draws_x * 1.0) and np.allclose(totals[:, 1], draws_y * 4.0)
    assert abs(draws_y.mean() - 1.0) < 0.15  # 4 draws × 1/4


# -- planted data ---------------------------------------------------------------------------------------------------

def _plant(db, cohorts: dict, answers: dict | None = None, revenue: str | None = None) -> None:
    """``cohorts``: first day → {persona: (customers, converted, entry channel)}; each customer comes on that day
    (awareness) and, when converted, buys 5 days later in store. ``answers``: first day → {persona: [NPS answers
    of one customer, …]} given by that persona's first customers; ``revenue``: each purchase's amount. A late
    visitor puts ``as_of`` at the end of the year: both cohorts' 90-day windows are over."""
    customers, touchpoints, feedback = [], [], []
    for first_day, groups in cohorts.items():
        for persona, (n, converted, channel) in groups.items():
            given = (answers or {}).get(first_day, {}).get(persona, [])
            for k in range(n):
                cid = f"{first_day:%m%d}-{persona}-{k}"
                customers.append(customer(cid, persona=persona))
                touchpoints.append(tp(cid, f"{first_day} 10:00", channel, "awareness"))
                if k < converted:
                    touchpoints.append(tp(cid, f"{first_day + timedelta(days=5)} 10:00", "store", "purchase",
                                          revenue=revenue))
                for j, score in enumerate(given[k] if k < len(given) else []):
                    feedback.append(fb(cid, f"{first_day + timedelta(days=6 + j)} 10:00", "purchase", nps=score))
    customers.append(customer("late", persona="Z"))
    touchpoints.append(tp("late", "2024-12-31 10:00", "web", "awareness"))
    load(db, customers=customers, touchpoints=touchpoints, feedback=feedback)


def _card(db, period, metric="conversion", **more):
    got = report(db, Filters(start=period[0], end=period[1], **more))
    return 100 * got["conversion"]["rate"] if metric == "conversion" else got["nps"]["nps"]


def _adds_up(got):
    assert got["status"] == "ok"
    total_mix = sum(g["mix"]["value"] for g in got["groups"])
    total_rate = sum(g["rate"]["value"] for g in got["groups"])
    assert total_mix == pytest.approx(got["mix"]["value"])
    assert total_rate == pytest.approx(got["rate"]["value"])
    assert got["mix"]["value"] + got["rate"]["value"] == pytest.approx(got["change"]["value"])
    assert got["after"]["value"] - got["before"]["value"] == pytest.approx(got["change"]["value"])


def test_a_planted_mix_shift_is_mix(db):
    # X converts 50 %, Y 20 %, in both cohorts; April has fewer X customers: 35 % → 27.5 %, all mix
    _plant(db, {JAN[0]: {"X": (100, 50, "web"), "Y": (100, 20, "web")},
                APR[0]: {"X": (50, 25, "web"), "Y": (150, 30, "web")}})
    got = explain(db, "conversion", "persona", JAN, APR, replicates=500)
    _adds_up(got)
    # the split adds up to the KPI cards' change: each cohort's value is its report's conversion
    assert got["before"]["value"] == pytest.approx(_card(db, JAN)) == pytest.approx(35.0)
    assert got["after"]["value"] == pytest.approx(_card(db, APR)) == pytest.approx(27.5)
    by = {g["group"]: g for g in got["groups"]}
    # R̄ = 31.25 points; X: −0.25 × (50 − 31.25); Y: +0.25 × (20 − 31.25)
    assert by["X"]["mix"]["value"] == pytest.approx(-4.6875)
    assert by["Y"]["mix"]["value"] == pytest.approx(-2.8125)
    assert got["rate"]["value"] == pytest.approx(0.0, abs=1e-9)
    assert got["mix"]["significant"] and got["mix"]["ci_high"] < 0
    assert not got["rate"]["significant"] and got["rate"]["ci_low"] < 0 < got["rate"]["ci_high"]
    assert by["X"]["before"] == {"customers": 100, "share": 0.5, "rate": 50.0}
    assert got["largest"]["group"] == "X" and got["largest"]["part"] == "mix"
    assert got["largest"]["share_of_change"] == pytest.approx(4.6875 / 7.5)
    # what a marketer reads: fewer of the customers who convert more, the same conversion within each group (200
    # customers a cohort: the total's interval holds 0, the mix's, pooling the groups' rates, does not)
    assert change_sentence(got, {}, Texts("en")) == (
        "Conversion went from 35.0 to 27.5 (−7.5 points; within chance). 62.5% of the change comes from fewer X "
        "customers, whose conversion is above the average. Within groups, conversion held.")
    assert change_sentence(got, {"X": "Familles"}, Texts("fr")) == (
        "La conversion passe de 35,0 à 27,5 (−7,5 points ; dans la marge du hasard). 62,5\u202f% de l'écart vient "
        "de ce qu'il y a moins de clients « Familles », dont la conversion est au-dessus de la moyenne. À groupes "
        "égaux, la conversion a tenu.")
    steps = waterfall_rows(got)
    assert list(steps["part"]) == ["before", "mix", "rate", "rate", "after"]
    assert steps["end"].iloc[-2] == pytest.approx(27.5) and steps["end"].iloc[1] == pytest.approx(27.5)


def test_a_planted_rate_drop_is_rate(db):
    # the same customers' mix; X's conversion falls from 60 % to 30 %: −15 points, all rate, all X
    _plant(db, {JAN[0]: {"X": (100, 60, "web"), "Y": (100, 20, "web")},
                APR[0]: {"X": (100, 30, "web"), "Y": (100, 20, "web")}})
    got = explain(db, "conversion", "persona", JAN, APR, replicates=500)
    _adds_up(got)
    by = {g["group"]: g for g in got["groups"]}
    assert got["change"]["value"] == pytest.approx(-15.0)
    assert by["X"]["rate"]["value"] == pytest.approx(-15.0) and by["X"]["rate"]["significant"]
    assert by["Y"]["rate"]["value"] == pytest.approx(0.0, abs=1e-9) and not by["Y"]["rate"]["significant"]
    assert got["mix"]["value"] == pytest.approx(0.0, abs=1e-9) and not got["mix"]["significant"]
    assert got["largest"] == {"group": "X", "others": False, "part": "rate", "value": pytest.approx(-15.0),
                              "share_of_change": pytest.approx(1.0)}
    # in what an executive counts: 15 points of April's 200 customers, over 30 days (no amounts in this data)
    assert got["in_units"]["conversions_per_month"] == pytest.approx(-0.15 * 200 / (30 / 30.44))
    assert got["in_units"]["revenue_per_conversion"] is None
    assert change_sentence(got, {}, Texts("en")) == (
        "Conversion went from 40.0 to 25.0 (−15.0 points; a real change). That is −30 conversions a month at the "
        "period's arrival pace. 100.0% of the change comes from X customers themselves, whose conversion fell. "
        "Within groups, conversion fell by 15.0 points.")
    # the page's default cohorts: the latest calendar quarter whose 90-day windows are over on 31 December (the
    # third), against the one before; an April period against the 30 days before it
    assert default_periods(db) == ((date(2024, 4, 1), date(2024, 6, 30)), (date(2024, 7, 1), date(2024, 9, 30)))
    assert default_periods(db, Filters(start=APR[0], end=APR[1]))[0] == (date(2024, 3, 2), date(2024, 3, 31))
    page = change_split(db, Filters(), kpi="conversion", by="persona", before=JAN, after=APR)
    assert page["change"]["value"] == got["change"]["value"] and len(page["waterfall"]) == 2 + 1 + 2
    # the same seed gives the same intervals
    again = explain(db, "conversion", "persona", JAN, APR, replicates=500)
    assert again["rate"] == got["rate"]


def test_nps_counts_answers_and_resamples_customers(db):
    # X: the first 30 customers answer twice (10 and 9: promoters); Y: 30 customers answer once (2) in January, 90 in
    # April: three times more detractor answers, the same answers within each group — NPS falls by mix alone
    _plant(db, {JAN[0]: {"X": (40, 40, "web"), "Y": (100, 40, "web")},
                APR[0]: {"X": (40, 40, "web"), "Y": (100, 40, "web")}},
           {JAN[0]: {"X": [[10, 9]] * 30, "Y": [[2]] * 30}, APR[0]: {"X": [[10, 9]] * 30, "Y": [[2]] * 90}})
    got = explain(db, "nps", "persona", JAN, APR, replicates=500)
    _adds_up(got)
    assert got["before"]["value"] == pytest.approx(_card(db, JAN, "nps"))
    assert got["after"]["value"] == pytest.approx(_card(db, APR, "nps"))
    # 60 promoter answers, 30 detractor ones: 100 × 30 / 90; then 60 and 90: 100 × −30 / 150
    assert got["before"]["value"] == pytest.approx(100 / 3) and got["after"]["value"] == pytest.approx(-20.0)
    assert got["before"]["units"] == 90 and got["before"]["customers"] == 60
    assert got["rate"]["value"] == pytest.approx(0.0, abs=1e-9) and got["mix"]["significant"]


def test_small_groups_are_pooled_and_their_rates_hidden(db):
    _plant(db, {JAN[0]: {"X": (100, 50, "web"), "s1": (5, 1, "web"), "s2": (6, 3, "web")},
                APR[0]: {"X": (100, 40, "web"), "s1": (7, 2, "web"), "s2": (4, 0, "web")}})
    got = explain(db, "conversion", "persona", JAN, APR, replicates=300)
    _adds_up(got)
    assert got["pooled"] == ["s1", "s2"]
    others = next(g for g in got["groups"] if g["others"])
    assert others["group"] is None and others["before"]["customers"] == 11 and others["before"]["rate"] is None


def test_the_entry_channel_reads_the_same_with_and_without_the_stored_facts(db):
    _plant(db, {JAN[0]: {"X": (60, 30, "web"), "Y": (60, 10, "app")},
                APR[0]: {"X": (40, 20, "web"), "Y": (80, 20, "app")}})
    computed = explain(db, "conversion", "channel", JAN, APR, replicates=300)
    assert {g["group"] for g in computed["groups"]} == {"web", "app"}
    facts.refresh(db)
    scope = Scope(db)
    assert facts.current(db, scope.key, scope.stages) is not None  # now read from the stored facts
    assert explain(db, "conversion", "channel", JAN, APR, replicates=300) == computed


def test_cohorts_still_in_their_window_or_too_small_are_not_compared(db):
    _plant(db, {JAN[0]: {"X": (100, 50, "web")}, APR[0]: {"X": (100, 40, "web")}})
    # the data as it stood on 1 June: April's customers are followed 90 days, until 30 July included
    got = explain(db, "conversion", "persona", JAN, APR, Filters(as_of=date(2024, 6, 1)))
    assert got["status"] == "window_open" and got["ready"] == "2024-07-30"
    unwindowed = Filters(as_of=date(2024, 6, 1), window="all")
    assert explain(db, "conversion", "persona", JAN, APR, unwindowed)["status"] == "ok"
    got = explain(db, "conversion", "persona", JAN, (date(2024, 2, 1), date(2024, 2, 29)))
    assert got["status"] == "too_few" and got["customers"] == [100, 0]


def test_the_command_line_prints_the_split(duckdb_url, capsys):
    import data_model as dm

    db = dm.connect(duckdb_url)
    dm.initialise(db)
    _plant(db, {JAN[0]: {"X": (100, 60, "web"), "Y": (100, 20, "web")},
                APR[0]: {"X": (100, 30, "web"), "Y": (100, 20, "web")}})
    expected = explain(db, "conversion", "persona", JAN, APR, replicates=300)
    db.close()
    assert main(["explain", "--db", duckdb_url, "--metric", "conversion", "--by", "persona",
                 "--from", "2024-01-01..2024-01-31", "--to", "2024-04-01..2024-04-30", "--replicates", "300"]) == 0
    assert json.loads(capsys.readouterr().out) == json.loads(json.dumps(expected))
    for bad in (["--from", "2024-02-01..2024-01-01"], ["--from", "2024-01-01"], ["--start", "2024-01-01"]):
        args = {"--from": "2024-01-01..2024-01-31", "--to": "2024-04-01..2024-04-30"}
        line = ["explain", "--db", duckdb_url, "--metric", "conversion", "--by", "persona"]
        if bad[0] in args:
            args[bad[0]] = bad[1]
        else:
            line += bad
        line += [x for kv in args.items() for x in kv]
        with pytest.raises(SystemExit) as exc:
            main(line)
        assert exc.value.code == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "error" in err


def test_the_storys_view_splits_the_latest_quarter_against_the_one_before(duckdb_url):
    import data_model as dm
    import story
    from analytics.dimensions import dimensions
    from analytics.queries import runner

    db = dm.connect(duckdb_url)
    dm.initialise(db)
    q2, q3 = (date(2024, 4, 1), date(2024, 6, 30)), (date(2024, 7, 1), date(2024, 9, 30))
    _plant(db, {q2[0]: {"X": (100, 60, "web"), "Y": (100, 20, "web")},
                q3[0]: {"X": (100, 30, "web"), "Y": (100, 20, "web")}}, revenue="100")
    view = story.view("changes", runner(db, Filters()), Filters(), dimensions(db), Texts("en"))
    expected = explain(db, "conversion", "persona", q2, q3)
    # 15 points of 200 customers over 92 days, at 100 a conversion
    assert expected["in_units"]["revenue_per_conversion"] == pytest.approx(100.0)
    assert expected["in_units"]["revenue_per_month"] == pytest.approx(-0.15 * 200 / (92 / 30.44) * 100)
    assert "That is −10 conversions a month, about €993 at the period's revenue per conversion." in view.caption
    assert view.caption.startswith(change_sentence(expected, {}, Texts("en")))
    assert "from Jul 1, 2024 to Sep 30, 2024 (200 customers)" in view.caption
    assert view.chart[0] == "waterfall_chart" and list(view.chart[1][0]["part"]) == list(view.table["part"])
    # a period still in its windows: said, no chart
    late = story.view("changes", runner(db, Filters(start=date(2024, 12, 1), end=date(2024, 12, 31))),
                      Filters(start=date(2024, 12, 1), end=date(2024, 12, 31)), dimensions(db), Texts("en"))
    assert late.chart is None and "from Apr 1, 2025 on" in late.caption
    db.close()
