"""The presentation story: each view's one-sentence finding on a hand-computed case, in French and English, the
edge cases (a filter that empties everything, one customer), and the texts' formats."""

import re
from datetime import date

import pytest

import data_model as dm
import story
from analytics.dimensions import dimensions
from analytics.filters import Filters
from analytics.queries import runner
from i18n import Texts, pick
from tests.unit.journeys import customer, fb, load, tp

NNBSP = "\u202f"
NBSP = "\u00a0"


def forty(db):
    """40 customers, all aware on the web; 30 reach consideration on the web, 12 of them buy in store (cross-channel:
    research online, buy in store). The 30 considering answer NPS 10 / 8 / 2 (10 each: NPS 0). 10 churned."""
    customers = [customer(f"c{i:02}", persona="Famille" if i < 20 else "Senior", churned=i < 10) for i in range(40)]
    touchpoints, feedback = [], []
    for i in range(40):
        cid = f"c{i:02}"
        touchpoints.append(tp(cid, "2025-01-06 10:00", "web", "awareness"))
        if i < 30:
            touchpoints.append(tp(cid, "2025-01-08 10:00", "web", "consideration"))
            feedback.append(fb(cid, "2025-01-08 11:00", "consideration", nps=(10, 8, 2)[i % 3], channel="web"))
        if i < 12:
            touchpoints.append(tp(cid, "2025-01-10 10:00", "store", "purchase", revenue="50"))
    load(db, customers, touchpoints, feedback)
    from loaders.settings import set_analysis_setting

    # one week of data: with a 90-day window everyone would still be in progress (test_too_early_and_dated_churn)
    set_analysis_setting(db, "window_days", "all")


def build(db, key, lang="fr"):
    filters = Filters()
    return story.view(key, runner(db, filters), filters, dimensions(db), Texts(lang))


@pytest.fixture
def duck(duckdb_url):
    """DuckDB only: the story composes metrics that their own tests check on PostgreSQL too."""
    database = dm.connect(duckdb_url)
    dm.initialise(database)
    yield database
    database.close()


@pytest.fixture
def db40(duck):
    forty(duck)
    return duck


def test_the_story_has_eight_views_in_order(db40):
    views = story.views(runner(db40, Filters()), Filters(), dimensions(db40), Texts("en"))
    assert [v.key for v in views] == list(story.STORY) == [
        "overview", "funnel", "crossover", "satisfaction", "journey_map", "irritants", "changes", "next_steps"]
    assert [v.title for v in views] == ["Overview", "Funnel", "Cross-channel journeys", "Satisfaction & churn",
                                        "Journey map", "Irritants & delights", "What changed", "Next steps"]
    # every view but the next steps has a chart of the chart layer; one week of data has no earlier cohort to
    # compare with, so "what changed" says so instead (its chart: tests/unit/test_explain.py)
    import charts

    for v in views:
        assert (v.chart is None) == (v.key in ("next_steps", "changes"))
        if v.chart:
            assert callable(getattr(charts, v.chart[0]))


def test_overview_caption_and_cards(db40):
    v = build(db40, "overview")
    assert v.caption == (f"40 clients : 30,0{NNBSP}% atteignent l'étape de conversion, NPS +0 (de 30 clients), "
                         f"churn 25,0{NNBSP}%.")
    # the figure alone on the card (a slide has room for no more); its respondents under it
    assert v.kpis == (("Clients", "40", None), ("Conversion", f"30,0{NNBSP}%", 40), ("NPS", "+0", 30),
                      ("Churn", f"25,0{NNBSP}%", 40))
    assert build(db40, "overview", "en").caption == (
        "40 customers: 30.0% reach the conversion stage, NPS +0 (from 30 customers), churn 25.0%.")


def test_funnel_caption_names_the_worst_step(db40):
    # awareness 40 → consideration 30 (75 %) → purchase 12 (40 %); later steps start below 30 customers
    assert build(db40, "funnel").caption == (
        f"Étape la plus faible, au taux de passage : Considération → Achat. Des 30 clients allés jusqu'à "
        f"Considération, 40,0{NNBSP}% vont plus loin et 60,0{NNBSP}% s'y arrêtent.")
    assert build(db40, "funnel", "en").caption == (
        "Weakest step, by step conversion: Consideration → Purchase. Of the 30 customers who got as far as "
        "Consideration, 40.0% go further and 60.0% stop there.")


def test_crossover_caption_says_when_groups_are_too_small(db40):
    # 12 cross-channel of 40; 12 cross and 28 mono customers, 12 buyers: all below 30 (the comparison is made among
    # customers seen at two stages or more, and says so)
    assert build(db40, "crossover", "en").caption == (
        "30.0% of customers have a cross-channel journey; among customers seen at two stages or more, they convert "
        "at insufficient data (n < 30) against insufficient data (n < 30) for mono-channel ones. insufficient data "
        "(n < 30) of the 12 buyers researched online, then bought offline (ROPO).")


def test_satisfaction_and_map_captions(db40):
    assert build(db40, "satisfaction", "en").caption == (
        "Overall NPS +0 (30 customers); lowest at the Consideration stage: +0 (30 customers).")
    # one story, one answer: the map names the funnel's weakest step, by the same measure (not the stage where the
    # most customers stop, which on other data is another stage)
    assert build(db40, "journey_map", "en").caption == build(db40, "funnel", "en").caption


def test_irritants_and_next_steps_without_a_significant_cell(db40):
    # one cell of 30 responses and nothing to compare it with: no irritant
    assert build(db40, "irritants", "en").caption.startswith("No stage × channel cell stands clearly apart")
    v = build(db40, "next_steps", "en")
    assert v.bullets == ("Reduce the drop between Consideration and Purchase (60.0% of the 30 customers who got as "
                         "far as Consideration stop there, by step conversion).",)
    assert v.caption == "1 action drawn from the data, the costliest first."


def test_a_filter_that_empties_everything_still_tells_a_story(db40):
    nobody = Filters(personas=("nobody",))
    views = story.views(runner(db40, nobody), nobody, dimensions(db40), Texts("fr"))
    captions = {v.key: v.caption for v in views}
    assert captions["funnel"] == "Pas assez de clients pour comparer les étapes."
    assert captions["crossover"] == "Aucun parcours pour cette sélection."
    assert captions["satisfaction"] == "0 client a répondu seulement : trop peu pour un NPS (il en faut 30)."
    assert captions["next_steps"] == "Aucune action ne ressort nettement des données pour cette sélection."
    assert views[0].kpis[0] == ("Clients", "0", None)


def test_one_customer(duck):
    load(duck, [customer("solo")], [tp("solo", "2025-03-01 09:00", "web", "awareness")])
    views = story.views(runner(duck, Filters()), Filters(), dimensions(duck), Texts("en"))
    assert views[0].caption == "Too few customers (1) to say: at least 30 are needed."
    assert views[1].caption == "Too few customers to compare the stages."


def test_footer_states_filters_range_and_n(db40):
    dims = dimensions(db40)  # no window set on this database: "followed until" alone
    f = Filters(personas=("Famille",), channels=("web",), start=date(2025, 1, 1), end=date(2025, 1, 31))
    assert story.footer(f, dims, 20, Texts("en")) == (
        "Customers of persona Famille, who first came between Jan 1, 2025 and Jan 31, 2025, who used Web, followed "
        "until Jan 10, 2025 · data from Jan 6, 2025 to Jan 10, 2025 · n = 20 customers")
    assert story.footer(Filters(), dims, 12430, Texts("fr")) == (
        f"Tous les clients, suivis jusqu'au 10 janv. 2025 · données du 6 janv. 2025 au 10 janv. 2025 · "
        f"n = 12{NNBSP}430 clients")


def test_the_sentence_says_the_cohort_and_the_lenses():
    from analytics.dimensions import ChannelInfo, Dimensions

    dims = Dimensions(personas=(), segments=(), regions=(), stages=(), first_day=date(2025, 1, 1),
                      last_day=date(2025, 12, 27), channels=(ChannelInfo("site_web", "le site", "digital"),
                                                             ChannelInfo("appli", "l'appli", "digital")))
    fr, en = Texts("fr"), Texts("en")
    came = Filters(channels=("site_web", "appli"), channel_mode="entered", start=date(2025, 1, 1),
                   end=date(2025, 3, 31))
    assert story.describe_filters(came, dims, 1203, fr) == (
        f"Clients arrivés entre le 1 janv. 2025 et le 31 mars 2025, par le site ou l'appli, suivis jusqu'au "
        f"27 déc. 2025 sur 90\u00a0jours\u00a0: 1{NNBSP}203")
    assert story.describe_filters(came, dims, 1203, en) == (
        "Customers who first came between Jan 1, 2025 and Mar 31, 2025, through le site or l'appli, followed until "
        "Dec 27, 2025 for 90 days: 1,203")
    lenses = Filters(regions=("SP", "RJ"), channels=("appli",), start=date(2025, 3, 1), channel_mode="only",
                     period_mode="activity")
    assert story.describe_filters(lenses, dims, 1, en) == (
        "Customers in regions SP or RJ, followed until Dec 27, 2025 for 90 days: 1 — lens: only these channels' "
        "touchpoints (l'appli) — lens: only activity inside the period, from Mar 1, 2025")
    assert story.describe_filters(lenses, dims, 0, fr) == (
        "Clients des régions SP ou RJ, suivis jusqu'au 27 déc. 2025 sur 90\u00a0jours\u00a0: 0 — loupe\u00a0: "
        "seulement les points de contact de ces canaux (l'appli) — loupe\u00a0: seulement l'activité à partir du "
        "1 mars 2025")
    used = Filters(personas=("A", "B", "C", "D"), channels=("appli",), end=date(2025, 2, 1))
    assert story.describe_filters(used, dims, None, fr) == (
        "Clients de 4 personas, arrivés jusqu'au 1 févr. 2025, passés par l'appli, suivis jusqu'au 27 déc. 2025 "
        "sur 90\u00a0jours")


def test_formats_per_language():
    fr, en = Texts("fr"), Texts("en")
    assert (fr.number(12430), en.number(12430)) == (f"12{NNBSP}430", "12,430")
    assert (fr.day(date(2025, 1, 1)), en.day(date(2025, 1, 1))) == ("1 janv. 2025", "Jan 1, 2025")
    assert (fr.percent(0.625), en.percent(0.625)) == (f"62,5{NNBSP}%", "62.5%")
    assert (fr.decimal(22220.4, "+,.0f"), en.decimal(22220.4, "+,.0f")) == (f"+22{NNBSP}220", "+22,220")
    assert fr.number(None) == en.percent(float("nan")) == "—"
    # a browser's language tag picks ours; anything else falls back to French
    assert [pick(x) for x in ("en-GB", "en_US", "fr-CA", "de-DE", None, "")] == ["en", "en", "fr", "fr", "fr", "fr"]


def test_deck_file_name_says_the_filters_the_period_and_the_language():
    import re
    from datetime import date

    from analytics.dimensions import Dimensions
    from story import deck_file_name

    dims = Dimensions(personas=(), segments=(), regions=(), channels=(), stages=(), first_day=date(2025, 1, 1),
                      last_day=date(2025, 12, 27))
    assert deck_file_name(Filters(), dims, "fr") == "parcours_tous_2025-01-01_2025-12-27_fr.pptx"
    assert deck_file_name(Filters(personas=("Famille",), channels=("magasin",), start=date(2025, 3, 1),
                                  end=date(2025, 3, 31)), dims, "en") == \
        "parcours_famille-magasin_2025-03-01_2025-03-31_en.pptx"
    many = Filters(personas=("Amateur de bons plans", "Cliente pressée", "Digital native", "Famille"),
                   regions=("Île-de-France", "Provence-Alpes-Côte d'Azur"))
    fewer = Filters(personas=("Amateur de bons plans", "Cliente pressée", "Digital native"))
    names = [deck_file_name(f, dims, "fr") for f in (many, fewer, Filters(personas=('<script>/../"x"',)))]
    assert all(len(n) <= 80 and re.fullmatch(r"[a-z0-9_.-]+", n) for n in names), names
    assert names[0] != names[1]  # cut, but told apart by the hash of the whole list
    assert names[2] == "parcours_script_x_2025-01-01_2025-12-27_fr.pptx"


def test_too_early_and_dated_churn(db40):
    """With the 90-day window, a week of data is too early to read a conversion; churn is counted from the
    conversion by the churn dates (here the helper's date, 1 June 2024, before the 2025 purchases: at day 0)."""
    from loaders.settings import set_analysis_setting

    set_analysis_setting(db40, "window_days", "90")
    v = build(db40, "overview")
    assert v.caption == (f"40 clients : trop tôt{NBSP}: 28 sur 40 encore en cours atteignent l'étape de conversion, "
                         "NPS +0 (de 30 clients), churn données insuffisantes (n < 30).")
    assert v.kpis[1] == ("Conversion", f"trop tôt{NBSP}: 28 sur 40 encore en cours", 40)
    # 10 of the 12 converted customers churned: 83.3 % of 12 is not said (fewer than 30 followed)
    assert v.kpis[3] == ("Churn à 365 j", "données insuffisantes (n < 30)", 12)


def test_star_ratings_tell_the_satisfaction_story_in_csat(duck):
    """CSAT only (a marketplace's star reviews, in Portuguese): the satisfaction view, the irritant to fix and the
    next steps read CSAT; nothing says "too few" with 100 customers answering."""
    from tests.unit.test_irritants import load_stars

    load_stars(duck)
    views = {v.key: v for v in story.views(runner(duck, Filters()), Filters(), dimensions(duck), Texts("en"))}
    sat = views["satisfaction"]
    assert sat.caption == "Mean CSAT 3.8/5 from 100 customers; 26.0% dissatisfied (1 or 2 out of 5)."
    assert sat.chart[0] == "csat_chart"
    assert views["irritants"].caption.startswith(
        "Fix first: After-sales service · Email — 50.0% dissatisfied vs 26.0% overall; 40 customers × 39 points of "
        "dissatisfied customers more than the other answers (raw gap 40, pulled in for its uncertainty) = +1,560; "
        "clearly worse than the rest (after allowing for the 2 cells compared).")
    # executive surfaces speak plain language: no p- or q-value in a caption or a bullet (the pages keep them)
    said = [v.caption for v in views.values()] + [b for v in views.values() for b in v.bullets]
    assert not [x for x in said if re.search(r"\b[pq]\s*[=<>]|\(q |p-value|q-value", x)], said
    fix = views["next_steps"].bullets[0]
    assert "50.0% dissatisfied (CSAT 3.1) against 26.0% dissatisfied (CSAT 3.8) overall" in fix
    assert "CSAT 3.8/5 (100 respondents)" in views["overview"].caption
    for key in ("overview", "satisfaction", "journey_map", "irritants", "next_steps"):
        assert "too few" not in views[key].caption.lower() and "n < 30" not in views[key].caption
    asked = story.views(runner(duck, Filters(measure="nps")), Filters(measure="nps"), dimensions(duck), Texts("en"))
    assert next(v for v in asked if v.key == "satisfaction").caption.startswith("No NPS in this data: CSAT is shown.")


def test_six_customers_get_no_percentage_in_the_story_its_charts_or_the_deck(db40):
    """Issue 16: "66.7 % of 6 customers" must not reach a slide. Six of the forty, in both languages: every caption,
    card, chart text (rendered to SVG) and slide says "too few" instead of a share of them."""
    import io
    import re

    from pptx import Presentation
    from sqlmodel import Session, select

    import charts
    from charts.export import chart_image
    from data_model import Customer
    from story.deck import story_deck

    with Session(db40.engine) as s:
        for c in s.exec(select(Customer)).all():
            if c.customer_id in ("c00", "c01", "c02", "c12", "c20", "c35"):
                c.segment = "Six"
                s.add(c)
        s.commit()
    f = Filters(segments=("Six",))
    share = re.compile(r"\d[\u202f\u00a0 ]?%")
    axis_tick = re.compile(r"^\d+[\u202f\u00a0 ]?%$")  # a rate axis' ticks: not a share of anybody
    for lang in ("fr", "en"):
        vs = story.views(runner(db40, f), f, dimensions(db40), Texts(lang))
        words = [v.caption for v in vs] + [value for v in vs for _, value, _ in v.kpis] + [b for v in vs
                                                                                         for b in v.bullets]
        assert [w for w in words if share.search(w)] == [], lang
        assert vs[0].caption == {"fr": "Trop peu de clients (6) pour conclure : il en faut au moins 30.",
                                 "en": "Too few customers (6) to say: at least 30 are needed."}[lang]
        for v in vs:
            if v.chart:
                builder, args, kwargs = v.chart
                svg = chart_image(getattr(charts, builder)(*args, **kwargs).to_dict(), "svg").decode()
                texts = re.findall(r">([^<>]+)</text>", svg)
                leaks = [x for x in texts if share.search(x) and not axis_tick.match(x) and "95" not in x]
                assert leaks == [], (lang, v.key)
    prs = Presentation(io.BytesIO(story_deck(runner(db40, f), f, dimensions(db40), 6, "fr")))
    slides = list(prs.slides)[:-1]  # the last slide holds the definitions ("95 % interval")
    for slide in slides:
        text = "\n".join(shape.text_frame.text for shape in slide.shapes if shape.has_text_frame)
        assert not share.search(text), text
