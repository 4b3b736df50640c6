"""Journey variants on tiny hand-computed journeys, on DuckDB and on PostgreSQL (the ``db`` fixture), and
the variants chart on small frames."""

import json
import math
from datetime import date

import pandas as pd
import pytest

from analytics.filters import Filters
from analytics.metrics import Scope, StageInfo, stage_infos
from analytics.report import report
from analytics.stats import wilson_interval
from analytics.variants import OTHER, VARIANT_COLUMNS, variants
from charts.palette import GREY_BAR
from charts.variants import variants_chart
from tests.unit.journeys import ONLY, customer, load, load_example, modes, tp

# -- helpers -----------------------------------------------------------------------------------------


def records(df: pd.DataFrame) -> list[dict]:
    """Rows as plain dicts, NaN → None (so that hand-written expectations can say None)."""
    return [{k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items()}
            for row in df.to_dict("records")]


def counts(result: dict) -> list[tuple]:
    """(variant, customers, converted) per row, in rank order."""
    return [(r["variant"], r["customers"], r["converted"]) for r in records(result["rows"])]


def journeys(db, spec: dict[str, list[tuple]]) -> None:
    """Customers with touchpoints ``(at, channel, stage)``, in input order."""
    load(db, customers=[customer(cid) for cid in spec],
         touchpoints=[tp(cid, at, ch, st) for cid, tps in spec.items() for at, ch, st in tps])


def same(prefix: str, n: int, tps: list[tuple]) -> dict[str, list[tuple]]:
    """``n`` customers ``prefix1…prefixN`` with the same touchpoints."""
    return {f"{prefix}{i}": tps for i in range(1, n + 1)}


def row(rank, variant, variants_, customers, converted, total, running, conversion=True):
    low, high = wilson_interval(converted, customers) if conversion else (None, None)
    return {"rank": rank, "variant": variant, "steps": None if variant == OTHER else len(variant),
            "variants": variants_, "customers": customers, "share": customers / total,
            "cumulative_share": running / total, "converted": converted,
            "conversion_rate": converted / customers if conversion else None, "conv_ci_low": low, "conv_ci_high": high}


def close(actual: list[dict], expected: list[dict]) -> None:
    assert len(actual) == len(expected), (actual, expected)
    for a, e in zip(actual, expected, strict=True):
        assert a.keys() == e.keys()
        for k in a:
            if isinstance(e[k], float):
                assert a[k] == pytest.approx(e[k], rel=1e-12, abs=1e-15), (k, a, e)
            else:
                assert a[k] == e[k], (k, a, e)


# -- no data, one customer ------------------------------------------------------------------------------

@pytest.mark.parametrize("by", ["stage", "channel"])
def test_no_data(db, by):
    result = variants(db, by=by)
    assert list(result["rows"].columns) == VARIANT_COLUMNS and result["rows"].empty
    assert {k: result[k] for k in ("customers", "distinct", "coverage")} == {
        "customers": 0, "distinct": 0, "coverage": None}
    dtypes = result["rows"].dtypes
    assert dtypes["customers"] == "int64" and dtypes["share"] == "float64" and dtypes["variant"] == "object"


@pytest.mark.parametrize("by", ["stage", "channel"])
def test_a_filter_that_empties_everything(db, by):
    load_example(db)
    result = variants(db, Filters(personas=["nobody"]), by=by)
    assert result["rows"].empty and list(result["rows"].columns) == VARIANT_COLUMNS
    assert (result["customers"], result["distinct"], result["coverage"]) == (0, 0, None)


def test_one_customer_with_one_touchpoint(db):
    journeys(db, {"c1": [("2024-01-01 09:00", "web", "consideration")]})
    for by, variant in (("stage", ("consideration",)), ("channel", ("web",))):
        result = variants(db, by=by)
        close(records(result["rows"]), [row(1, variant, 1, 1, 0, 1, 1)])
        assert (result["customers"], result["distinct"], result["coverage"]) == (1, 1, 1.0)


# -- sequences -------------------------------------------------------------------------------------------

def test_consecutive_repeats_collapse(db):
    journeys(db, {
        # web, web, store, web (channels); awareness, awareness, consideration, consideration, purchase (stages)
        "c1": [("2024-01-01 09:00", "web", "awareness"), ("2024-01-02 09:00", "web", "awareness"),
               ("2024-01-03 09:00", "store", "consideration"), ("2024-01-04 09:00", "web", "consideration"),
               ("2024-01-05 09:00", "web", "purchase")],
        # a stage repeated after another one is a new step: awareness › purchase › awareness
        "c2": [("2024-01-01 09:00", "web", "awareness"), ("2024-01-02 09:00", "web", "purchase"),
               ("2024-01-03 09:00", "web", "awareness")],
    })
    assert counts(variants(db, by="stage")) == [
        (("awareness", "consideration", "purchase"), 1, 1), (("awareness", "purchase", "awareness"), 1, 1)]
    # c2 is web only: (web,) — converted although its purchase touchpoint repeats web and is collapsed away
    assert counts(variants(db, by="channel")) == [(("web",), 1, 1), (("web", "store", "web"), 1, 1)]
    assert records(variants(db, by="channel")["rows"])[0]["steps"] == 1


def test_journey_order_ties(db):
    journeys(db, {
        # same instant: stage order first (awareness on store before purchase on web, entered the other way)
        "c1": [("2024-01-05 08:00", "web", "purchase"), ("2024-01-05 08:00", "store", "awareness")],
        # same instant and stage: input order (app entered first)
        "c2": [("2024-01-05 08:00", "app", "consideration"), ("2024-01-05 08:00", "email", "consideration")],
        "c3": [("2024-01-05 08:00", "email", "consideration"), ("2024-01-05 08:00", "app", "consideration")],
    })
    assert counts(variants(db, by="stage")) == [(("consideration",), 2, 0), (("awareness", "purchase"), 1, 1)]
    assert counts(variants(db, by="channel")) == [
        (("app", "email"), 1, 0), (("email", "app"), 1, 0), (("store", "web"), 1, 1)]


def test_variants_are_hashable_tuples_of_codes_and_json_friendly(db):
    load_example(db)
    rows = records(variants(db, by="channel", top=1)["rows"])
    assert isinstance(rows[0]["variant"], tuple) and all(isinstance(c, str) for c in rows[0]["variant"])
    assert len({r["variant"] for r in rows}) == len(rows)
    json.dumps([list(r["variant"]) if r["variant"] != OTHER else r["variant"] for r in rows])
    assert rows[-1]["variant"] == OTHER


# -- ranking, top and other --------------------------------------------------------------------------

AW, CO, PU = "awareness", "consideration", "purchase"


def ranking_data(db) -> None:
    journeys(db, {
        **same("a", 3, [("2024-01-01 09:00", "web", AW), ("2024-01-02 09:00", "web", CO)]),  # awareness › consideration
        **same("b", 2, [("2024-01-01 09:00", "web", AW)]),                                   # awareness
        **same("c", 2, [("2024-01-01 09:00", "store", CO)]),                                 # consideration
        "d1": [("2024-01-01 09:00", "web", AW), ("2024-01-03 09:00", "store", PU)],          # awareness › purchase
        "e1": [("2024-01-03 09:00", "web", PU)],                                             # purchase
    })


def test_top_and_other_with_shares(db):
    ranking_data(db)
    result = variants(db, by="stage", top=2)
    close(records(result["rows"]), [
        row(1, (AW, CO), 1, 3, 0, 9, 3),
        row(2, (AW,), 1, 2, 0, 9, 5),  # ties with (consideration,) at 2: awareness comes first
        row(3, OTHER, 3, 4, 2, 9, 9),  # consideration ×2, awareness › purchase, purchase (both converted)
    ])
    assert (result["customers"], result["distinct"]) == (9, 5)
    assert result["coverage"] == pytest.approx(5 / 9)


def test_everything_in_the_top_has_no_other_row(db):
    ranking_data(db)
    result = variants(db, by="stage", top=5)
    close(records(result["rows"]), [
        row(1, (AW, CO), 1, 3, 0, 9, 3), row(2, (AW,), 1, 2, 0, 9, 5), row(3, (CO,), 1, 2, 0, 9, 7),
        row(4, (AW, PU), 1, 1, 1, 9, 8), row(5, (PU,), 1, 1, 1, 9, 9),  # tie: (1, 3) before (3,)
    ])
    assert (result["customers"], result["distinct"], result["coverage"]) == (9, 5, 1.0)
    assert records(variants(db, by="stage", top=50)["rows"]) == records(result["rows"])


def test_equal_counts_order_by_the_sequence_in_stage_order(db):
    # one customer each: in stage order awareness(1) < awareness › consideration < consideration < advocacy(6),
    # although "advocacy" sorts first as text
    journeys(db, {
        "z": [("2024-01-01 09:00", "web", "advocacy")],
        "y": [("2024-01-01 09:00", "web", CO)],
        "x": [("2024-01-01 09:00", "web", AW), ("2024-01-02 09:00", "web", CO)],
        "w": [("2024-01-01 09:00", "web", AW)],
    })
    assert [r[0] for r in counts(variants(db, by="stage"))] == [(AW,), (AW, CO), (CO,), ("advocacy",)]
    # at the top boundary the tie goes the same way
    assert [r[0] for r in counts(variants(db, by="stage", top=1))] == [(AW,), OTHER]


def test_channel_variants_and_conversion_interval(db):
    journeys(db, {
        **same("w", 4, [("2024-01-01 09:00", "web", AW)]),
        "wp": [("2024-01-01 09:00", "web", AW), ("2024-01-02 09:00", "web", PU)],        # web, converted
        "ws": [("2024-01-01 09:00", "web", CO), ("2024-01-02 09:00", "store", "service")],  # beyond purchase
        "sw": [("2024-01-01 09:00", "store", AW), ("2024-01-02 09:00", "web", AW)],
        "ea": [("2024-01-01 09:00", "email", AW), ("2024-01-02 09:00", "app", PU)],
    })
    result = variants(db, by="channel", top=2)
    close(records(result["rows"]), [
        row(1, ("web",), 1, 5, 1, 8, 5),       # 1 of 5 converted: Wilson interval of 1/5
        row(2, ("email", "app"), 1, 1, 1, 8, 6),  # ties with (store, web) and (web, store): email < store < web
        row(3, OTHER, 2, 2, 1, 8, 8),
    ])
    rows = records(result["rows"])
    assert (rows[0]["conv_ci_low"], rows[0]["conv_ci_high"]) == pytest.approx(wilson_interval(1, 5))
    assert 0 < rows[0]["conv_ci_low"] < 0.2 < rows[0]["conv_ci_high"] < 1


def test_without_a_conversion_stage(db):
    ranking_data(db)
    stages = tuple(StageInfo(s.code, s.position, False) for s in stage_infos(db))
    result = variants(db, scope=Scope(db, stages=stages), by="stage", top=1)
    close(records(result["rows"]), [row(1, (AW, CO), 1, 3, 0, 9, 3, conversion=False),
                                    row(2, OTHER, 4, 6, 0, 9, 9, conversion=False)])


# -- the report, filters, the scope cache -------------------------------------------------------------

def test_customers_add_up_to_the_report(db):
    load_example(db)
    for f in (None, *modes([Filters(channels=["web"]), Filters(personas=["A"]), Filters(start=date(2024, 1, 6))])):
        expected = report(db, f)["customers"]
        for by in ("stage", "channel"):
            result = variants(db, f, by=by, top=1)
            assert int(result["rows"]["customers"].sum()) == result["customers"] == expected, (f, by)


def test_the_filter_applies_before_collapsing(db):
    load_example(db)
    # c2: web purchase and web awareness at the same instant (awareness first), then store awareness
    assert (("awareness", "purchase", "awareness"), 1, 1) in counts(variants(db, by="stage"))
    # on web only, c1 loses its email consideration and c2 its store awareness: both awareness › purchase
    web = variants(db, Filters(channels=["web"], **ONLY), by="stage")
    assert counts(web) == [(("awareness", "purchase"), 2, 2)]
    assert counts(variants(db, Filters(channels=["web"], **ONLY), by="channel")) == [(("web",), 2, 2)]


def test_cached_on_the_scope(db):
    ranking_data(db)
    scope = Scope(db)
    first = variants(db, scope=scope, by="stage", top=2)
    journeys(db, {"new": [("2024-01-01 09:00", "web", AW)]})
    assert "variants_stage" in scope.__dict__
    assert records(variants(db, scope=scope, by="stage", top=2)["rows"]) == records(first["rows"])  # a snapshot
    assert variants(db, by="stage", top=2)["customers"] == 10  # a new scope sees the new customer


def test_bad_arguments(db):
    with pytest.raises(ValueError, match="by must be"):
        variants(db, by="persona")
    for top in (0, -1, 2.5, True):
        with pytest.raises(ValueError, match="top must be"):
            variants(db, top=top)


# -- chart ------------------------------------------------------------------------------------------------

LABELS = {"awareness": "Sensibilisation", "consideration": "Considération", "purchase": "Achat", "web": "Site web"}


def frame(conversion=True, customers=(300, 200, 500)) -> pd.DataFrame:
    total = sum(customers)
    variants_ = [("awareness", "consideration"), ("awareness",), OTHER]
    rows, running = [], 0
    for i, (v, n) in enumerate(zip(variants_, customers, strict=True), start=1):
        running += n
        k = n // 4 if conversion else 0
        rows.append(row(i, v, 1 if v != OTHER else 7, n, k, total, running, conversion))
    return pd.DataFrame(rows, columns=VARIANT_COLUMNS)


def chart_rows(spec: dict) -> list[dict]:
    return next(iter(spec["datasets"].values()))


def test_chart_is_a_valid_spec():
    spec = variants_chart(frame(), labels=LABELS, titles={"other": "Autres parcours", "locale": "fr"}).to_dict(
        validate=True)
    data = chart_rows(spec)
    assert [r["variant_label"] for r in data] == [
        "Sensibilisation › Considération", "Sensibilisation", "Autres parcours"]
    assert spec["layer"][0]["encoding"]["y"]["sort"] == [r["variant_label"] for r in data]
    assert spec["layer"][0]["encoding"]["color"]["field"] == "conversion_rate"
    assert data[0]["bar_text"] == "30\u202f% · n = 300 · conv. 25\u202f%"
    assert not any(r["insufficient"] for r in data)


def test_chart_from_the_analytics(db):
    ranking_data(db)
    spec = variants_chart(variants(db, by="channel", top=1)["rows"], labels=LABELS).to_dict(validate=True)
    assert [r["variant_label"] for r in chart_rows(spec)] == ["Site web", "Other journeys"]
    assert all(r["insufficient"] for r in chart_rows(spec))  # 9 customers: nothing is read


@pytest.mark.parametrize("df", [frame().iloc[:0], pd.DataFrame(), None])
def test_chart_without_rows_says_no_data(df):
    spec = variants_chart(df, titles={"no_data": "Aucune donnée"}).to_dict(validate=True)
    assert "layer" not in spec and spec["mark"]["type"] == "text"
    assert chart_rows(spec) == [{"message": "Aucune donnée"}]


def test_chart_small_variants_and_no_conversion():
    spec = variants_chart(frame(customers=(300, 20, 500))).to_dict(validate=True)
    data = chart_rows(spec)
    assert [r["insufficient"] for r in data] == [False, True, False]
    assert data[1]["bar_text"].endswith("conv. n < 30")
    grey = [la for la in spec["layer"] if la.get("transform") == [{"filter": "datum.insufficient"}]]
    assert grey and all(grey[0]["mark"].get(k) == v for k, v in GREY_BAR.items() if k != "strokeDash")
    spec = variants_chart(frame(conversion=False)).to_dict(validate=True)
    data = chart_rows(spec)
    assert not any(r["insufficient"] for r in data) and "conv." not in data[0]["bar_text"]
    assert "color" not in spec["layer"][0]["encoding"]


def test_long_journeys_wrap_whole_and_stay_apart():
    # two journeys that differ only in their last step were both cut to "… › Fidélisat…" on the axis
    long = ("awareness", "consideration", "purchase", "service", "loyalty")
    df = pd.DataFrame([row(1, long + ("advocacy",), 1, 300, 100, 1000, 300),
                       row(2, long + ("purchase",), 1, 200, 20, 1000, 500)])
    labels = {"awareness": "Sensibilisation", "consideration": "Considération", "purchase": "Achat",
              "service": "Service après-vente", "loyalty": "Fidélisation", "advocacy": "Recommandation"}
    spec = variants_chart(df, labels=labels).to_dict(validate=True)
    axis = spec["layer"][0]["encoding"]["y"]
    assert "split(datum.label" in axis["axis"]["labelExpr"]
    first, second = axis["sort"]
    assert first != second and first.endswith("Recommandation") and second.endswith("Achat")
    assert all(len(line) <= 46 for label in axis["sort"] for line in label.split("\n"))
    assert first.replace("\n", " ") == "Sensibilisation › Considération › Achat › Service après-vente › Fidélisation " \
                                       "› Recommandation"


def test_operational_channels_are_out_of_the_channel_sequences(db):
    # a purchase on the web, the carrier's delivery, a loyalty visit on the web; and a customer seen only by the carrier
    from tests.unit.test_operational_channels import mark

    journeys(db, {
        "a": [("2024-01-01", "web", "purchase"), ("2024-01-02", "carrier", "service"),
              ("2024-01-03", "web", "loyalty")],
        "b": [("2024-01-05", "carrier", "service")],
    })
    before = variants(db, by="channel")
    assert counts(before) == [(("carrier",), 1, 1), (("web", "carrier", "web"), 1, 1)]
    mark(db, carrier="physical")
    after = variants(db, by="channel")
    # the carrier is no step of a journey: a's journey is web alone; b has no channel variant
    assert counts(after) == [(("web",), 1, 1)] and after["customers"] == 1
    assert counts(variants(db, by="stage")) == [(("purchase", "service", "loyalty"), 1, 1), (("service",), 1, 1)]
