"""The journey map and the irritants ranking charts: valid specs, lanes on one stage scale, two series, labels,
customer text kept as data, and the empty cases."""

import pandas as pd
import pytest

import charts
from analytics.irritants import COLUMNS as IRRITANT_COLUMNS
from analytics.journey_map import CELL_COLUMNS, CHANNEL_COLUMNS, STAGE_COLUMNS

STAGES = ["awareness", "purchase", "service"]


def stages_df(series=None):
    rows = []
    for i, (code, customers, stopped, nps, n) in enumerate(
            [("awareness", 100, 40, 20.0, 50), ("purchase", 60, 20, -10.0, 40), ("service", 40, 40, 5.0, 10)], 1):
        rows.append({"stage": code, "position": i, "customers": customers, "stopped": stopped,
                     "drop_off": stopped / customers if i < 3 else None, "churn_rate": 0.25, "churn_n": 40,
                     "churn_ci_low": 0.1, "churn_ci_high": 0.4, "responses": n, "nps": nps, "ci_low": nps - 10,
                     "ci_high": nps + 10, "detractor_share": 0.3, "measure": "nps", "respondents": n, "value": nps,
                     "unhappy_share": 0.3})
    df = pd.DataFrame(rows, columns=list(STAGE_COLUMNS))
    return df.assign(series=series) if series else df


def channels_df(series=None):
    df = pd.DataFrame([
        {"stage": "awareness", "position": 1, "rank": 1, "channel": "web", "customers": 70, "share": 0.7},
        {"stage": "awareness", "position": 1, "rank": 2, "channel": "store", "customers": 40, "share": 0.4},
        {"stage": "purchase", "position": 2, "rank": 1, "channel": "store", "customers": 50, "share": 0.83},
    ], columns=list(CHANNEL_COLUMNS))
    return df.assign(series=series) if series else df


HOSTILE = '<script>alert(1)</script> =HYPERLINK("http://x") [a](javascript:alert(1))'


def cells_df(series=None):
    df = pd.DataFrame([
        {"stage": "purchase", "position": 2, "side": "pain", "rank": 1, "channel": "app", "nps": -40.0,
         "responses": 45, "kind": "irritant", "quotes": (HOSTILE,)},
        {"stage": "awareness", "position": 1, "side": "delight", "rank": 1, "channel": None, "nps": 60.0,
         "responses": 31, "kind": "neutral", "quotes": ()},
    ], columns=list(CELL_COLUMNS))
    return df.assign(series=series) if series else df


LABELS = {"awareness": "Découverte", "purchase": "Achat", "service": "SAV", "web": "Site", "store": "Magasin",
          "app": "Appli", "—": "canal inconnu"}


def all_values(spec) -> list:
    out = []
    for values in spec.get("datasets", {}).values():
        out.extend(values)
    return out


def test_map_is_a_valid_spec_with_every_lane_on_one_stage_scale():
    chart = charts.journey_map_chart(stages_df(), channels_df(), cells_df(), labels=LABELS)
    spec = chart.to_dict(validate=True)
    lanes = spec["vconcat"]
    assert len(lanes) == 6
    for lane in lanes:  # labels, in stage order, the same in every lane (the zero rule spans the width: no x)
        domains = {tuple(layer["encoding"]["x"]["scale"]["domain"]) for layer in lane["layer"]
                   if "scale" in layer["encoding"].get("x", {})}
        assert domains == {("Découverte", "Achat", "SAV")}
    texts = [v.get("lines") for v in all_values(spec) if v.get("lines")]
    # the pain point: its channel, NPS and star, then the quote, all as plain data
    assert any(t.startswith("Appli · NPS −40") and "<script>" in t for t in texts)
    assert any(t.startswith("canal inconnu · NPS +60") for t in texts)  # not significant: no star


def test_customer_text_stays_data():
    spec = charts.journey_map_chart(stages_df(), channels_df(), cells_df(), labels=LABELS).to_dict()
    # the hostile quote is only ever a data value, never part of the spec's structure or expressions
    structure = {k: v for k, v in spec.items() if k != "datasets"}
    assert "script" not in str(structure) and "HYPERLINK" not in str(structure)


def test_two_series_share_one_legend():
    stages = pd.concat([stages_df("A"), stages_df("B")], ignore_index=True)
    channels = pd.concat([channels_df("A"), channels_df("B")], ignore_index=True)
    cells = pd.concat([cells_df("A"), cells_df("B")], ignore_index=True)
    spec = charts.journey_map_chart(stages, channels, cells, labels=LABELS, series_order=("B", "A")).to_dict(
        validate=True)
    assert spec["resolve"]["scale"]["color"] == "shared"
    offsets = [layer["encoding"].get("xOffset") or layer["encoding"].get("yOffset")
               for lane in spec["vconcat"] for layer in lane["layer"]
               if "xOffset" in layer["encoding"] or "yOffset" in layer["encoding"]]
    assert offsets and all(o["scale"]["domain"] == ["B", "A"] for o in offsets)


def test_insufficient_values_are_not_drawn():
    spec = charts.journey_map_chart(stages_df(), channels_df(), cells_df(), labels=LABELS).to_dict()
    nps_texts = [v["nps_text"] for v in all_values(spec) if "nps_text" in v and "thin" in v]
    assert nps_texts == ["NPS +20", "NPS −10", "n < 30"]  # service has 10 responses


@pytest.mark.parametrize("empty", ["stages", "customers"])
def test_map_without_data_says_so(empty):
    stages = stages_df().iloc[:0] if empty == "stages" else stages_df().assign(customers=0)
    spec = charts.journey_map_chart(stages, channels_df().iloc[:0], cells_df().iloc[:0]).to_dict(validate=True)
    assert "vconcat" not in spec and spec["mark"]["type"] == "text"


def test_map_without_cells_or_channels():
    spec = charts.journey_map_chart(stages_df(), channels_df().iloc[:0], cells_df().iloc[:0], labels=LABELS)
    assert len(spec.to_dict(validate=True)["vconcat"]) == 6


def irritants_df():
    rows = []
    for rank, (stage, channel, kind, score) in enumerate(
            [("service", "call", "irritant", 5000.0), ("purchase", None, "neutral", 100.0),
             ("purchase", "store", "delight", -3000.0)], 1):
        row = dict.fromkeys(IRRITANT_COLUMNS)
        row.update(rank=rank, stage=stage, channel=channel, kind=kind, score=score, nps=10.0, customers=100,
                   responses=40)
        rows.append(row)
    return pd.DataFrame(rows, columns=list(IRRITANT_COLUMNS))


def test_irritants_chart_ranks_and_colours():
    spec = charts.irritants_chart(irritants_df(), labels=LABELS, titles={"locale": "fr"}).to_dict(validate=True)
    bars = spec["layer"][0]
    assert bars["encoding"]["y"]["sort"] == ["SAV · call", "Achat · canal inconnu", "Achat · Magasin"]
    scale = bars["encoding"]["color"]["scale"]
    assert dict(zip(scale["domain"], scale["range"], strict=True)) == {
        "irritant": charts.NPS_COLORS["detractors"], "neutre": charts.OKABE_ITO["sky_blue"],
        "enchantement": charts.NPS_COLORS["promoters"]}  # the words of the locale asked
    texts = [v["score_text"] for v in all_values(spec) if "score_text" in v]
    assert texts == ["+5\u202f000", "+100", "−3\u202f000"]


def test_irritants_chart_empty():
    spec = charts.irritants_chart(irritants_df().iloc[:0]).to_dict(validate=True)
    assert spec["mark"]["type"] == "text"
