"""Chart builders: every builder on a tiny frame and on an empty one, validated Vega-Lite specs, and the
properties the pages rely on (marks, encodings, stable colours, insufficient data, labels, no HTML)."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import charts
from charts import palette
from charts.palette import CHANNEL_COLORS, INSUFFICIENT, MIN_N, NPS_COLORS, OKABE_ITO, channel_scale, stage_scale

ROOT = Path(__file__).resolve().parents[2]
STAGES = ["awareness", "consideration", "purchase"]
CHANNELS = ["app", "email", "phone", "store", "web"]  # every channel of the database, sorted
LABELS = {"awareness": "Sensibilisation", "consideration": "Considération", "purchase": "Achat",
          "store": "Magasin", "web": "Site web", "email": "E-mail", "app": "Application", "phone": "Téléphone"}


# ---------------------------------------------------------------------------------------------- frames


def funnel_df():
    return pd.DataFrame({
        "stage": ["purchase", "awareness", "consideration"],  # deliberately not in order
        "position": [3, 1, 2],
        "customers": [120, 1000, 400],
        "conv_from_previous": [0.3, None, 0.4],
        "conv_from_start": [0.12, 1.0, 0.4],
        "drop_off": [0.7, None, 0.6],
        "ci_low": [0.26, None, 0.37],
        "ci_high": [0.35, None, 0.43],
    })


def funnel_seen_df():
    """A funnel whose second stage nobody was seen at (orders: consideration is never recorded)."""
    return funnel_df().assign(observed=[True, True, False], observed_customers=[100, 1000, 0],
                              conv_from_previous=[0.3, None, None], conv_from_start=[0.12, 1.0, None],
                              drop_off=[0.7, None, None], ci_low=[0.26, None, None], ci_high=[0.35, None, None])


def compare_df():
    rows = []
    for group, base in (("family", 500), ("student", 20)):
        for pos, (stage, share) in enumerate(zip(STAGES, (1.0, 0.5, 0.2), strict=True), start=1):
            rows.append({"group": group, "stage": stage, "position": pos, "customers": int(base * share),
                         "conv_from_previous": None if pos == 1 else 0.5, "conv_from_start": share,
                         "ci_low": None, "ci_high": None})
    return pd.DataFrame(rows)


def between_df():
    return pd.DataFrame({"from_stage": ["awareness", "consideration"], "to_stage": ["consideration", "purchase"],
                         "customers": [400, 12], "median_hours": [72.0, 6.0]})


def trend_df():
    return pd.DataFrame({"period_start": pd.date_range("2024-01-01", periods=4, freq="MS").date,
                         "nps": [10.0, None, 25.0, -5.0], "conversion_rate": [0.1, 0.12, 0.11, 0.15]})


def mix_df():
    return pd.DataFrame({"mix": ["cross", "mono", "multi"], "customers": [200, 500, 300], "share": [0.2, 0.5, 0.3]})


def transitions_df():
    df = pd.DataFrame({"from_channel": ["web", "web", "store", "store", "email"],
                       "to_channel": ["web", "store", "store", "web", "web"],
                       "count": [300, 100, 50, 30, 5]})
    df["share_of_from"] = df["count"] / df.groupby("from_channel")["count"].transform("sum")
    return df


def flow_df(channels=("web", "store", "email")):
    rows = []
    for i in range(len(STAGES) - 1):
        for a in channels:
            for b in channels:
                n = 10 * (len(a) + 2 * len(b)) // (i + 1)
                rows.append((STAGES[i], i + 1, a, STAGES[i + 1], i + 2, b, n))
    return pd.DataFrame(rows, columns=["from_stage", "from_position", "from_channel", "to_stage", "to_position",
                                       "to_channel", "customers"])


def digital_df():
    df = pd.DataFrame({"stage": STAGES, "position": [1, 2, 3], "touchpoints": [1000, 400, 20],
                       "digital": [800, 100, 15], "customers": [600, 300, 15],
                       "customers_digital_first": [500, 120, 10]})
    df["physical"] = df["touchpoints"] - df["digital"]
    df["digital_share"] = df["digital"] / df["touchpoints"]
    df["digital_first_share"] = df["customers_digital_first"] / df["customers"]
    return df


def nps_stage_df():
    return pd.DataFrame({"stage": STAGES, "position": [1, 2, 3], "responses": [200, 80, 12],
                         "nps": [-20.0, 35.0, 50.0], "ci_low": [-30.0, 20.0, 5.0], "ci_high": [-10.0, 50.0, 95.0]})


def nps_channel_df():
    return pd.DataFrame({"channel": ["web", "store", "email"], "responses": [200, 150, 3],
                         "nps": [5.0, 40.0, 100.0], "ci_low": [-5.0, 30.0, 100.0], "ci_high": [15.0, 50.0, 100.0]})


def split_df():
    return pd.DataFrame({"stage": STAGES, "position": [1, 2, 3], "responses": [200, 100, 10],
                         "promoters": [80, 50, 5], "passives": [60, 30, 3], "detractors": [60, 20, 2]})


def csat_df():
    return pd.DataFrame({"stage": STAGES, "position": [1, 2, 3], "responses": [200, 100, 10],
                         "mean_csat": [4.1, 3.6, 4.9], "satisfied_share": [0.8, 0.55, 0.9],
                         "ci_low": [0.74, 0.45, 0.6], "ci_high": [0.85, 0.65, 0.98]})


def churn_df(with_ci=True):
    df = pd.DataFrame({"stage": STAGES, "position": [1, 2, 3], "customers": [600, 300, 20],
                       "churn_rate": [0.3, 0.15, 0.1]})
    if with_ci:
        df["ci_low"], df["ci_high"] = [0.26, 0.11, 0.02], [0.34, 0.19, 0.3]
    return df


def curves_df():
    return pd.DataFrame({"from_stage": ["awareness"] * 3 + ["consideration"] * 2,
                         "to_stage": ["consideration"] * 3 + ["purchase"] * 2,
                         "day": [0, 4, 20, 0, 9], "reached": [0.0, 0.5, 0.62, 0.0, 0.3],
                         "at_risk": [80, 80, 40, 50, 50]})


def test_time_to_next_draws_one_step_line_per_pair():
    spec = spec_of(charts.time_to_next_chart(curves_df(), labels=LABELS))
    assert spec["mark"]["interpolate"] == "step-after"
    assert spec["encoding"]["y"]["scale"]["domain"] == [0, 1] and spec["encoding"]["y"]["axis"]["format"] == ".0%"
    assert sorted({r["step"] for r in rows(spec, spec)}) == ["Considération → Achat",
                                                             "Sensibilisation → Considération"]


def satisfaction_trend_df(measure="nps"):
    """``analytics.satisfaction.satisfaction_trend``'s frame: the second month under 30 respondents, the last one not
    over."""
    values = [12.0, 40.0, -8.0] if measure == "nps" else [3.9, 4.4, 3.6]
    return pd.DataFrame({"period_start": pd.date_range("2024-01-01", periods=3, freq="MS").date,
                         "measure": [measure] * 3, "responses": [60, 9, 45], "respondents": [52, 8, 40],
                         "value": values, "ci_low": [v - (12 if measure == "nps" else 0.2) for v in values],
                         "ci_high": [v + (12 if measure == "nps" else 0.2) for v in values],
                         "sufficient": [True, False, True], "partial": [False, False, True]})


def csat_heatmap_df():
    return heatmap_df().assign(mean_csat=[3.9, 2.1, 4.5, 3.0, 1.8], ci_low=[3.7, 1.8, 4.2, 2.9, 1.6],
                               ci_high=[4.1, 2.4, 4.8, 3.1, 2.0]).drop(columns="nps")


def heatmap_df():
    return pd.DataFrame({
        "stage": ["awareness", "awareness", "consideration", "consideration", "purchase"],
        "position": [1, 1, 2, 2, 3],
        "channel": ["web", "store", "web", "store", "web"],  # (purchase, store) missing on purpose
        "responses": [120, 40, 25, 300, 90],
        "nps": [20.0, -10.0, 60.0, 5.0, -40.0],
        "ci_low": [10.0, -30.0, 20.0, 0.0, -50.0],
        "ci_high": [30.0, 10.0, 90.0, 10.0, -30.0],
        "sufficient": [True, False, False, True, True],  # (awareness, store) flagged although n ≥ 30
    })


def waterfall_df():
    """``analytics.explain.waterfall_rows`` of a conversion falling from 40 to 33 points: mix −2 (unsure), web −4
    (significant), store −1, the pooled small groups 0."""
    return pd.DataFrame({
        "step": [0, 1, 2, 3, 4, 5], "part": ["before", "mix", "rate", "rate", "rate", "after"],
        "group": [None, None, "web", "store", None, None], "others": [False, False, False, False, True, False],
        "start": [None, 40.0, 38.0, 34.0, 33.0, None], "end": [40.0, 38.0, 34.0, 33.0, 33.0, 33.0],
        "value": [40.0, -2.0, -4.0, -1.0, 0.0, 33.0], "ci_low": [None, -4.5, -6.0, -2.5, -0.3, None],
        "ci_high": [None, 0.4, -2.0, 0.5, 0.3, None],
        "significant": [False, False, True, False, False, False]})


BUILDERS = {
    "waterfall": (lambda df, **kw: charts.waterfall_chart(df, **kw), waterfall_df),
    "funnel": (lambda df, **kw: charts.funnel_chart(df, **kw), funnel_df),
    "funnel_seen": (lambda df, **kw: charts.funnel_chart(df, **kw), funnel_seen_df),
    "funnel_compare": (lambda df, **kw: charts.funnel_compare_chart(df, significant_stages=["purchase"], **kw),
                       compare_df),
    "time_between": (lambda df, **kw: charts.time_between_chart(df, **kw), between_df),
    "time_to_next": (lambda df, **kw: charts.time_to_next_chart(df, **kw), curves_df),
    "kpi_trend": (lambda df, **kw: charts.kpi_trend_chart(df, "nps", titles=kw.get("titles")), trend_df),
    "kpi_trend_small": (lambda df, **kw: charts.kpi_trend_chart(df, "conversion_rate", titles=kw.get("titles"),
                                                                small=True), trend_df),
    "mix": (lambda df, **kw: charts.mix_chart(df, titles=kw.get("titles")), mix_df),
    "transition_heatmap": (lambda df, **kw: charts.transition_heatmap(df, **kw), transitions_df),
    "flow": (lambda df, **kw: charts.flow_chart(df, STAGES, channel_codes=CHANNELS, **kw), flow_df),
    "digital_share": (lambda df, **kw: charts.digital_share_chart(df, **kw), digital_df),
    "nps_bars_stage": (lambda df, **kw: charts.nps_bars_chart(df, "stage", **kw), nps_stage_df),
    "nps_bars_channel": (lambda df, **kw: charts.nps_bars_chart(df, "channel", **kw), nps_channel_df),
    "nps_split": (lambda df, **kw: charts.nps_split_chart(df, **kw), split_df),
    "csat": (lambda df, **kw: charts.csat_chart(df, **kw), csat_df),
    "churn": (lambda df, **kw: charts.churn_by_stage_chart(df, **kw), churn_df),
    "nps_heatmap": (lambda df, **kw: charts.nps_heatmap(df, **kw), heatmap_df),
    "csat_heatmap": (lambda df, **kw: charts.csat_heatmap(df, **kw), csat_heatmap_df),
    "satisfaction_trend": (lambda df, **kw: charts.satisfaction_trend_chart(df, **kw), satisfaction_trend_df),
    "satisfaction_trend_csat": (lambda df, **kw: charts.satisfaction_trend_chart(df, **kw),
                                lambda: satisfaction_trend_df("csat")),
}


# ---------------------------------------------------------------------------------------------- spec helpers


def spec_of(chart) -> dict:
    return chart.to_dict(validate=True)


def layers(spec: dict) -> list[dict]:
    return spec.get("layer", [spec])


def mark(layer: dict) -> str:
    m = layer["mark"]
    return m if isinstance(m, str) else m["type"]


def mark_props(layer: dict) -> dict:
    return {} if isinstance(layer["mark"], str) else layer["mark"]


def rows(spec: dict, layer: dict) -> list[dict]:
    """The layer's data rows, after its filters (only the simple flag filters the builders use)."""
    data = layer.get("data") or spec.get("data")
    values = data["values"] if "values" in data else spec["datasets"][data["name"]]
    for transform in layer.get("transform", []):
        expr = transform["filter"]
        negate = expr.startswith("!")
        field = expr.lstrip("!").removeprefix("datum.")
        values = [v for v in values if bool(v[field]) != negate]
    return values


def drawn_thin_values(spec: dict) -> list[tuple[str, object]]:
    """(field, value) of every quantitative position a mark would draw for a row flagged ``insufficient`` (or
    ``thin``, the journey map's flag): under ``MIN_N`` nothing may be drawn at its real length or height (issue 16).
    Walks layers and concatenations; a layer reads its own data or its nearest parent's."""
    out = []

    def walk(node: dict, data: dict | None) -> None:
        data = node.get("data", data)
        for key in ("layer", "vconcat", "hconcat", "concat"):
            for child in node.get(key, []):
                walk(child, data)
        if "mark" not in node or mark(node) == "text":
            return
        for channel in ("x", "x2", "y", "y2"):
            enc = node.get("encoding", {}).get(channel, {})
            if not isinstance(enc, dict) or "field" not in enc or enc.get("type", "quantitative") != "quantitative":
                continue
            for r in rows({**spec, "data": data}, node):
                if (r.get("insufficient") or r.get("thin")) and r.get(enc["field"]) is not None:
                    out.append((enc["field"], r[enc["field"]]))

    walk(spec, spec.get("data"))
    return out


def coloured_layers(spec: dict) -> list[dict]:
    """Layers whose colour comes from a field through a scale (not a constant or a condition)."""
    return [la for la in layers(spec) if "field" in la.get("encoding", {}).get("color", {})]


def colour_of(spec: dict, label: str) -> str:
    scale = coloured_layers(spec)[0]["encoding"]["color"]["scale"]
    return scale["range"][scale["domain"].index(label)]


def walk(node, key=None):
    """Every (key, value) pair of a nested spec."""
    if isinstance(node, dict):
        for k, v in node.items():
            yield k, v
            yield from walk(v, k)
    elif isinstance(node, list):
        for v in node:
            yield from walk(v, key)


HTML_TAG = re.compile(r"<\s*/?\s*[a-zA-Z][^>]*>|&[a-z]+;")


def empty_like(df: pd.DataFrame) -> pd.DataFrame:
    return df.iloc[:0]


# ---------------------------------------------------------------------------------------------- every builder


@pytest.mark.parametrize("name", list(BUILDERS))
def test_builds_a_valid_spec_on_a_tiny_frame(name):
    build, make = BUILDERS[name]
    spec = spec_of(build(make(), labels=LABELS))
    assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/")
    assert "width" not in spec  # the page gives the container's width
    assert all(mark(la) for la in layers(spec))


@pytest.mark.parametrize("name", list(BUILDERS))
@pytest.mark.parametrize("frame", ["empty", "none"])
def test_empty_frame_says_no_data(name, frame):
    build, make = BUILDERS[name]
    df = empty_like(make()) if frame == "empty" else pd.DataFrame()
    spec = spec_of(build(df, labels=LABELS, titles={"no_data": "Aucune donnée"}))
    (layer,) = layers(spec)
    assert mark(layer) == "text"
    assert rows(spec, layer) == [{"message": "Aucune donnée"}]


@pytest.mark.parametrize("name", list(BUILDERS))
def test_projector_sizes(name):
    build, make = BUILDERS[name]
    config = spec_of(build(make(), labels=LABELS))["config"]
    assert config["axis"]["labelFontSize"] >= 13 and config["axis"]["titleFontSize"] >= 15
    assert config["legend"]["labelFontSize"] >= 13 and config["legend"]["titleFontSize"] >= 15
    assert config["text"]["fontSize"] >= 13
    for layer in layers(spec_of(build(make(), labels=LABELS))):
        if mark(layer) == "text":
            assert mark_props(layer).get("fontSize", 13) >= 13


@pytest.mark.parametrize("name", list(BUILDERS))
def test_no_html_or_markdown_in_titles(name):
    build, make = BUILDERS[name]
    hostile = {**LABELS, "web": "<b>Web</b>", "purchase": "**Achat**", "family": "<i>Famille</i>"}
    spec = spec_of(build(make(), labels=hostile))
    for key, value in walk({k: v for k, v in spec.items() if k != "datasets"}):
        if key in ("title", "subtitle") and isinstance(value, str):
            assert not HTML_TAG.search(value) and "**" not in value, (key, value)
        if key in ("labelExpr", "filter", "test", "calculate") and isinstance(value, str):
            # expressions are fixed code: customer text never goes into them
            assert "Web" not in value and "Achat" not in value and "Famille" not in value, value
    # the label is kept verbatim as data (the renderer draws it as text, it is never interpreted)
    if "web" in set(make().astype(str).to_numpy().ravel()):
        assert "<b>Web</b>" in json.dumps(spec, ensure_ascii=False)


@pytest.mark.parametrize("name", [n for n in BUILDERS if not n.startswith(("kpi", "mix", "satisfaction_trend"))])
def test_labels_replace_codes(name):
    build, make = BUILDERS[name]
    spec = spec_of(build(make(), labels=LABELS))
    shown = set()
    for key, value in walk(spec):
        if key == "sort" and isinstance(value, list):
            shown |= set(value)
        if key == "domain" and isinstance(value, list):
            shown |= {v for v in value if isinstance(v, str)}
    for layer in layers(spec):
        for row in rows(spec, layer):
            shown |= {v for k, v in row.items() if k.endswith(("_label", "_text")) and isinstance(v, str)}
    joined = " ".join(shown)
    assert "Achat" in joined or "Site web" in joined or "Magasin" in joined
    label_values = {v for v in shown if v in LABELS}
    assert not label_values, f"codes shown where labels exist: {label_values}"


def test_without_labels_the_codes_are_shown():
    spec = spec_of(charts.funnel_chart(funnel_df()))
    assert spec["layer"][0]["encoding"]["y"]["sort"] == STAGES


def test_missing_codes_and_empty_labels():
    assert palette.label_of(None, {"—": "Inconnu"}) == "Inconnu"
    assert palette.label_of(float("nan"), None) == "—"
    assert palette.label_of("web", {"web": ""}) == "web"
    spec = spec_of(charts.nps_heatmap(heatmap_df().assign(channel=["web", None, "web", None, "web"]),
                                      labels={"—": "Inconnu"}))
    assert spec["layer"][0]["encoding"]["x"]["sort"] == ["Inconnu", "web"]


def test_kpi_trend_takes_the_metric_name_from_title():
    spec = spec_of(charts.kpi_trend_chart(trend_df(), "nps", titles={"title": "NPS"}, small=True))
    assert spec["layer"][0]["encoding"]["tooltip"][1]["title"] == "NPS"


def test_charts_do_not_import_streamlit():
    code = "import sys, charts; print('streamlit' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# ---------------------------------------------------------------------------------------------- palette and theme


def test_channel_colours_are_stable_under_filters():
    full = channel_scale(CHANNELS, LABELS).to_dict()
    assert full["domain"] == ["Application", "E-mail", "Téléphone", "Magasin", "Site web"]
    assert full["range"] == CHANNEL_COLORS[:5]
    # the same database with a filter keeping two channels: the scale is the same (all channels are passed)
    assert channel_scale(CHANNELS, LABELS).to_dict() == full


def test_channel_palette_is_colour_blind_safe_and_has_no_grey_of_insufficient():
    assert CHANNEL_COLORS[:7] == [OKABE_ITO[k] for k in ("blue", "orange", "bluish_green", "reddish_purple",
                                                         "sky_blue", "vermillion", "yellow")]
    assert len(set(CHANNEL_COLORS)) == len(CHANNEL_COLORS)
    assert INSUFFICIENT not in CHANNEL_COLORS
    many = [f"c{i:02d}" for i in range(30)]
    scale = channel_scale(many).to_dict()
    assert len(scale["domain"]) == len(scale["range"]) == 30  # colours repeat, every channel has one


def test_stage_scale_follows_the_stage_order():
    scale = stage_scale(STAGES, LABELS).to_dict()
    assert scale["domain"] == ["Sensibilisation", "Considération", "Achat"]
    assert len(set(scale["range"])) == 3
    assert stage_scale(["only"]).to_dict()["range"] == [palette.STAGE_RAMP[3]]


def test_nps_colours():
    assert NPS_COLORS["detractors"] == OKABE_ITO["vermillion"]
    assert NPS_COLORS["promoters"] == OKABE_ITO["bluish_green"]
    assert palette.NPS_DIVERGING["domain"] == [-100, 0, 100]


def test_french_number_formats():
    t = {"locale": "fr"}
    fr, en = palette.texts(t), palette.texts({})  # i18n.Texts of the chart's language (English by default)
    assert fr.number(12345) == "12\u202f345" and fr.number(-0.4) == "0"
    assert fr.percent(0.625, 1) == "62,5\u202f%"
    assert fr.share(0.034) == "3,4\u202f%" and fr.share(0.625) == "62\u202f%"
    assert fr.figure(-12.0, 0, signed=True) == "\u221212" and fr.figure(1234.5) == "1\u202f234,5"
    assert fr.share(None) == "—" and fr.interval(0.1, None, fr.share) == "—"
    assert en.number(12345) == "12,345" and en.share(0.5) == "50%"
    config = spec_of(charts.funnel_chart(funnel_df(), titles=t))["config"]
    assert config["locale"]["number"]["decimal"] == ","
    english = spec_of(charts.funnel_chart(funnel_df()))["config"]["locale"]  # English numbers, amounts in euros
    assert english == {"number": {"decimal": ".", "thousands": ",", "grouping": [3], "currency": ["€", ""]}}


def test_theme_config_registers_as_altair_theme():
    assert palette.theme_config()["axis"]["labelFontSize"] == 13


# ---------------------------------------------------------------------------------------------- funnel


def test_funnel_bars_in_stage_order_coloured_by_stage_with_count_and_share():
    spec = spec_of(charts.funnel_chart(funnel_df(), labels=LABELS))
    bars, grey, text = spec["layer"]
    assert [mark(la) for la in spec["layer"]] == ["bar", "bar", "text"]
    enc = bars["encoding"]
    assert enc["y"]["field"] == "stage_label" and enc["x"]["field"] == "bar_customers"
    assert enc["y"]["sort"] == ["Sensibilisation", "Considération", "Achat"]
    assert enc["color"]["scale"] == stage_scale(STAGES, LABELS).to_dict()
    assert [r["bar_text"] for r in rows(spec, text)] == ["1,000 · 100%", "400 · 40%", "120 · 12%"]
    tips = {t["title"]: t for t in enc["tooltip"]}
    assert "Conversion from previous stage — 95% interval" in tips
    achat = next(r for r in rows(spec, bars) if r["stage"] == "purchase")
    assert achat["interval_text"] == "26.0% – 35.0%"
    assert rows(spec, grey) == []


def test_funnel_draws_a_stage_nobody_was_seen_at_without_a_bar():
    spec = spec_of(charts.funnel_chart(funnel_seen_df(), labels=LABELS,
                                       titles={"not_observed": "non observée", "seen_here": "vus ici"}))
    bars, grey, text = spec["layer"]
    assert [r["stage"] for r in rows(spec, bars)] == ["awareness", "purchase"]  # no bar for consideration
    assert rows(spec, grey) == []
    assert [r["bar_text"] for r in rows(spec, text)] == ["1,000 · 100%", "400 · non observée",
                                                         "120 · 12%\n100 vus ici"]
    assert bars["encoding"]["x"]["field"] == "bar_customers"
    assert [r["bar_customers"] for r in rows(spec, text)] == [1000, 0, 120]


def test_funnel_with_a_small_first_stage_is_grey():
    df = funnel_df()
    df["customers"] = [3, 20, 8]
    spec = spec_of(charts.funnel_chart(df, titles={"insufficient": "n < 30 (peu)"}))
    bars, grey, text = spec["layer"]
    assert rows(spec, bars) == []
    assert len(rows(spec, grey)) == 3 and mark_props(grey)["color"] == INSUFFICIENT
    assert all(r["bar_text"].endswith("n < 30 (peu)") for r in rows(spec, text))


def test_funnel_without_customers_says_no_data():
    df = funnel_df().assign(customers=0, conv_from_start=None, conv_from_previous=None)
    spec = spec_of(charts.funnel_chart(df))
    assert [mark(la) for la in layers(spec)] == ["text"]


def test_funnel_compare_grouped_bars_with_significant_stage_marked():
    spec = spec_of(charts.funnel_compare_chart(compare_df(), labels={**LABELS, "family": "Famille"},
                                               significant_stages=["purchase"]))
    bars, grey, text = spec["layer"]
    enc = bars["encoding"]
    assert enc["yOffset"]["field"] == "group_label" and enc["x"]["field"] == "conv_from_start"
    assert enc["x"]["axis"]["format"] == "%"
    assert enc["y"]["sort"] == ["Sensibilisation", "Considération", "★ Achat"]
    assert "★" in enc["y"]["title"]
    assert enc["color"]["scale"]["domain"] == ["Famille", "student"]
    # the student group starts with 20 customers: insufficient, grey, not on the group colours
    assert {r["group"] for r in rows(spec, bars)} == {"family"}
    assert {r["group"] for r in rows(spec, grey)} == {"student"}
    no_star = spec_of(charts.funnel_compare_chart(compare_df()))
    assert "★" not in no_star["layer"][0]["encoding"]["y"]["title"]


def test_time_between_in_days():
    spec = spec_of(charts.time_between_chart(between_df(), labels=LABELS))
    bars, thin, text = spec["layer"]
    assert bars["encoding"]["x"]["field"] == "median_days"
    assert bars["encoding"]["y"]["sort"] == ["Sensibilisation → Considération", "Considération → Achat"]
    assert [r["median_days"] for r in rows(spec, bars)] == [3.0]
    assert [r["bar_text"] for r in rows(spec, text)] == ["3.0 d"]
    # 12 customers: the text alone at the row's start, no bar and no median in the tooltip
    assert [(r["bar_text"], r["median_days"]) for r in rows(spec, thin)] == [("n < 30", None)]
    assert thin["encoding"]["x"] == {"value": 0} and drawn_thin_values(spec) == []


# ---------------------------------------------------------------------------------------------- trends


def test_kpi_trend_line_with_points():
    spec = spec_of(charts.kpi_trend_chart(trend_df(), "nps", titles={"nps": "NPS global"}))
    assert [mark(la) for la in spec["layer"]] == ["rule", "line", "point", "point"]
    line = spec["layer"][1]
    assert line["encoding"]["x"]["type"] == "temporal" and line["encoding"]["y"]["field"] == "nps"
    assert line["encoding"]["y"]["title"] == "NPS global"
    assert [r["nps"] for r in rows(spec, line)] == [10.0, None, 25.0, -5.0]
    rate = spec_of(charts.kpi_trend_chart(trend_df(), "conversion_rate"))
    assert rate["layer"][0]["encoding"]["y"]["axis"]["format"] == ".0%"


def test_kpi_trend_hides_thin_periods_and_opens_the_period_not_over():
    """The flags of analytics.overview.kpi_trend: a rate resting on fewer than 30 customers is not drawn (a grey
    cross at the foot says why), a count is; the period the data stops in is an open point."""
    df = trend_df().assign(customers=[40, 12, 50, 20], sufficient=[True, False, True, False],
                           nps_sufficient=[True, True, True, True], partial=[False, False, False, True])
    spec = spec_of(charts.kpi_trend_chart(df, "conversion_rate"))
    line, points, too_few = spec["layer"]
    assert [r["conversion_rate"] for r in rows(spec, line)] == [0.1, None, 0.11, None]
    assert [str(r["period_start"])[:10] for r in rows(spec, too_few) if not r["enough"]] == ["2024-02-01",
                                                                                              "2024-04-01"]
    assert too_few["transform"] == [{"filter": "!datum.enough"}]
    counts = spec_of(charts.kpi_trend_chart(df, "customers"))
    assert [r["customers"] for r in rows(counts, counts["layer"][0])] == [40, 12, 50, 20]
    assert [r["status"] for r in rows(counts, counts["layer"][0])][-1] == "period not over"
    assert counts["layer"][1]["encoding"]["fill"]["condition"]["test"] == "datum.partial"
    fr = spec_of(charts.kpi_trend_chart(df, "conversion_rate", titles={"locale": "fr", "trend_partial": "en cours"}))
    assert "en cours" not in [r["status"] for r in rows(fr, fr["layer"][0])]  # the last period is too thin


def test_kpi_sparkline_has_no_axes_and_marks_the_last_period():
    spec = spec_of(charts.kpi_trend_chart(trend_df(), "nps", small=True))
    line, last = spec["layer"]
    assert line["encoding"]["x"]["axis"] is None and line["encoding"]["y"]["axis"] is None
    assert spec["height"] <= 60
    assert [str(r["period_start"])[:10] for r in rows(spec, last)] == ["2024-04-01"]


def test_kpi_unknown_metric_is_refused():
    with pytest.raises(ValueError, match="unknown metric"):
        charts.kpi_trend_chart(trend_df(), "ebitda")


# ---------------------------------------------------------------------------------------------- channels


def test_mix_bars_in_mix_order_with_percent():
    spec = spec_of(charts.mix_chart(mix_df(), titles={"mono": "Mono-canal"}))
    bars, grey, text = spec["layer"]
    assert bars["encoding"]["y"]["sort"] == ["Mono-canal", "multichannel", "cross-channel"]
    assert bars["encoding"]["x"]["axis"]["format"] == "%"
    assert [r["bar_text"] for r in rows(spec, text)] == ["50% · 500", "30% · 300", "20% · 200"]


def test_transition_heatmap_rect_with_counts():
    spec = spec_of(charts.transition_heatmap(transitions_df(), labels=LABELS))
    cells, grey, text = spec["layer"]
    assert [mark(la) for la in spec["layer"]] == ["rect", "rect", "text"]
    assert cells["encoding"]["color"]["field"] == "share_of_from"
    assert cells["encoding"]["x"]["sort"] == cells["encoding"]["y"]["sort"] == ["Site web", "Magasin", "E-mail"]
    assert {r["count_text"] for r in rows(spec, text)} == {"300", "100", "50", "30", "5"}
    # the e-mail row has 5 transitions in all: grey, off the colour scale
    assert [r["from_channel"] for r in rows(spec, grey)] == ["email"]
    assert "email" not in {r["from_channel"] for r in rows(spec, cells)}


def test_flow_ribbon_widths_match_the_customers():
    df = flow_df()
    spec = spec_of(charts.flow_chart(df, STAGES, labels=LABELS, channel_codes=CHANNELS))
    ribbons, blocks, heads = spec["layer"]
    assert [mark(ribbons), mark(blocks), mark(heads)] == ["area", "rect", "text"]
    assert ribbons["encoding"]["y2"]["field"] == "y_bottom" and ribbons["encoding"]["detail"]["field"] == "ribbon"
    points = pd.DataFrame(rows(spec, ribbons))
    width = points["y_bottom"] - points["y_top"]
    assert (width - points["customers"]).abs().max() < 1e-9  # every point of a ribbon is as wide as its flow
    per_ribbon = points.groupby("ribbon")["customers"].first()
    assert per_ribbon.sum() == df["customers"].sum()
    assert len(per_ribbon) == len(df)
    # blocks: max(in, out) per (stage, channel); the first column carries everything that leaves it
    b = pd.DataFrame(rows(spec, blocks))
    assert ((b["bottom"] - b["top"]) - b["value"]).abs().max() < 1e-9
    assert b[b["col"] == 0]["value"].sum() == df[df["from_stage"] == "awareness"]["customers"].sum()
    assert b[b["col"] == 2]["value"].sum() == df[df["to_stage"] == "purchase"]["customers"].sum()
    assert [r["stage_label"] for r in rows(spec, heads)] == ["Sensibilisation", "Considération", "Achat"]


def test_flow_ribbons_stay_inside_their_blocks():
    blocks, ribbons, columns = charts.flow_layout(flow_df(), STAGES, CHANNELS)
    node = blocks.set_index(["col", "channel"])
    first = ribbons.groupby("ribbon").first()
    last = ribbons.groupby("ribbon").last()
    for (_, r0), (_, r1) in zip(first.iterrows(), last.iterrows(), strict=True):
        src = node.loc[(r0["x0"], r0["from_channel"])]
        dst = node.loc[(r1["x1"], r1["to_channel"])]
        assert src["top"] - 1e-9 <= r0["y_top"] and r0["y_bottom"] <= src["bottom"] + 1e-9
        assert dst["top"] - 1e-9 <= r1["y_top"] and r1["y_bottom"] <= dst["bottom"] + 1e-9
    assert columns == STAGES


def test_flow_colours_of_a_channel_are_the_same_under_different_filters():
    a = spec_of(charts.flow_chart(flow_df(("web", "store")), STAGES, labels=LABELS, channel_codes=CHANNELS))
    b = spec_of(charts.flow_chart(flow_df(("store", "phone", "email")), STAGES, labels=LABELS,
                                  channel_codes=CHANNELS))
    assert colour_of(a, "Magasin") == colour_of(b, "Magasin") == CHANNEL_COLORS[CHANNELS.index("store")]
    assert coloured_layers(a)[0]["encoding"]["color"]["scale"] == coloured_layers(b)[0]["encoding"]["color"]["scale"]
    # ribbons and blocks share the one scale; the legend lists the channels present
    assert coloured_layers(a)[1]["encoding"]["color"]["scale"] == coloured_layers(a)[0]["encoding"]["color"]["scale"]
    assert coloured_layers(a)[0]["encoding"]["color"]["legend"]["values"] == ["Magasin", "Site web"]


def test_flow_leaves_out_backward_and_empty_flows():
    df = flow_df()
    extra = pd.DataFrame([("purchase", 3, "web", "awareness", 1, "web", 50), ("awareness", 1, "web",
                          "consideration", 2, "store", 0)], columns=df.columns)
    blocks, ribbons, _ = charts.flow_layout(pd.concat([df, extra]), STAGES, CHANNELS)
    assert ribbons.groupby("ribbon")["customers"].first().sum() == df["customers"].sum()


def test_digital_share_stacked_to_100_percent():
    spec = spec_of(charts.digital_share_chart(digital_df(), labels=LABELS, titles={"digital": "Digital"}))
    bars, grey, text = spec["layer"]
    assert bars["encoding"]["x"]["field"] == "x_start" and bars["encoding"]["x2"]["field"] == "x_end"
    assert bars["encoding"]["color"]["scale"]["range"] == [palette.DIGITAL_PHYSICAL["digital"],
                                                           palette.DIGITAL_PHYSICAL["physical"]]
    segments = pd.DataFrame(rows(spec, bars))
    assert segments.groupby("stage_label")["share"].sum().round(12).eq(1).all()
    assert set(segments["stage_label"]) == {"Sensibilisation", "Considération"}
    assert [r["stage_label"] for r in rows(spec, grey)] == ["Achat"]  # 20 touchpoints


# ---------------------------------------------------------------------------------------------- satisfaction


def test_nps_bars_with_interval_and_zero_line():
    spec = spec_of(charts.nps_bars_chart(nps_stage_df(), "stage", labels=LABELS))
    kinds = [mark(la) for la in spec["layer"]]
    assert kinds == ["bar", "errorbar", "rule", "text"]
    bars, errors, zero, text = spec["layer"]
    assert bars["encoding"]["x"]["scale"]["domain"][0] == -100
    assert errors["encoding"]["x"]["field"] == "ci_low" and errors["encoding"]["x2"]["field"] == "ci_high"
    assert rows(spec, zero) == [{"zero": 0}]
    assert [colour_of(spec, s) for s in ("negative", "positive")] == [NPS_COLORS["detractors"],
                                                                      NPS_COLORS["promoters"]]
    # 12 responses: no bar (not even a grey one at its length), no interval, its text at zero
    assert "purchase" not in {r["stage"] for r in rows(spec, bars) + rows(spec, errors)}
    assert [(r["bar_text"], r["nps"], r["text_x"]) for r in rows(spec, text)][-1] == ("n < 30", None, 0)
    assert [r["bar_text"] for r in rows(spec, text)] == ["\u221220", "+35", "n < 30"]
    assert drawn_thin_values(spec) == []


def test_nps_bars_by_channel_best_first_insufficient_last():
    spec = spec_of(charts.nps_bars_chart(nps_channel_df(), "channel", labels=LABELS))
    # the bars are sorted on their rows' ``order`` (the layout holds no label: ``charts.layouts``)
    assert spec["layer"][0]["encoding"]["y"]["sort"] == {"field": "order", "op": "min"}
    drawn = sorted(spec["datasets"]["nps_bars"], key=lambda r: r["order"])
    assert [r["cat_label"] for r in drawn] == ["Magasin", "Site web", "E-mail"]
    with pytest.raises(ValueError):
        charts.nps_bars_chart(nps_channel_df(), "persona")


def test_nps_split_detractors_passives_promoters():
    spec = spec_of(charts.nps_split_chart(split_df(), labels=LABELS))
    bars, grey, text = spec["layer"]
    scale = bars["encoding"]["color"]["scale"]
    assert scale["range"] == [NPS_COLORS["detractors"], NPS_COLORS["passives"], NPS_COLORS["promoters"]]
    segs = pd.DataFrame(rows(spec, bars))
    assert list(segs[segs["stage_label"] == "Sensibilisation"]["kind"]) == ["detractors", "passives", "promoters"]
    assert segs.groupby("stage_label")["x_end"].max().round(12).eq(1).all()
    assert [r["stage_label"] for r in rows(spec, grey)] == ["Achat"]


def test_csat_share_with_interval_and_mean():
    spec = spec_of(charts.csat_chart(csat_df(), labels=LABELS))
    assert [mark(la) for la in spec["layer"]] == ["bar", "errorbar", "text"]
    text = spec["layer"][-1]
    assert [r["bar_text"] for r in rows(spec, text)] == ["80% · 4.1/5", "55% · 3.6/5", "n < 30"]
    assert rows(spec, text)[-1]["satisfied_share"] is None and drawn_thin_values(spec) == []


def test_churn_by_stage_with_and_without_interval():
    spec = spec_of(charts.churn_by_stage_chart(churn_df(), labels=LABELS))
    assert [mark(la) for la in spec["layer"]] == ["bar", "errorbar", "text"]
    assert spec["layer"][0]["encoding"]["x"]["axis"]["format"] == "%"
    thin = [r for r in rows(spec, spec["layer"][-1]) if r["insufficient"]]
    assert [(r["stage"], r["churn_rate"]) for r in thin] == [("purchase", None)]  # 20 customers: no bar, no rate
    assert drawn_thin_values(spec) == []
    plain = spec_of(charts.churn_by_stage_chart(churn_df(with_ci=False)))
    assert [mark(la) for la in plain["layer"]] == ["bar", "text"]


def test_nps_heatmap_insufficient_cells_are_never_on_the_colour_scale():
    spec = spec_of(charts.nps_heatmap(heatmap_df(), labels=LABELS, titles={"insufficient": "n < 30 réponses"}))
    cells, grey, text = spec["layer"]
    assert [mark(la) for la in spec["layer"]] == ["rect", "rect", "text"]
    color = cells["encoding"]["color"]
    assert color["field"] == "nps" and color["scale"]["domain"] == [-100, 0, 100]
    assert color["scale"]["range"][0] == NPS_COLORS["detractors"] and color["scale"]["range"][-1] == NPS_COLORS[
        "promoters"]
    coloured = {(r["stage"], r["channel"]) for r in rows(spec, cells)}
    greyed = {(r["stage"], r["channel"]) for r in rows(spec, grey)}
    assert coloured == {("awareness", "web"), ("consideration", "store"), ("purchase", "web")}
    # flagged insufficient, fewer than 30 responses, and the missing combination
    assert greyed == {("awareness", "store"), ("consideration", "web"), ("purchase", "store")}
    assert "color" not in grey["encoding"] and mark_props(grey)["color"] == INSUFFICIENT
    texts = {(r["stage"], r["channel"]): r["cell_text"] for r in rows(spec, text)}
    assert texts[("consideration", "web")] == "n < 30 réponses" and texts[("awareness", "web")] == "+20"
    assert cells["encoding"]["y"]["sort"] == ["Sensibilisation", "Considération", "Achat"]
    assert cells["encoding"]["x"]["sort"] == ["Magasin", "Site web"]


def test_min_n_is_the_analytics_threshold():
    assert MIN_N == 30


def test_csat_heatmap_colours_the_mean_stars_and_greys_thin_cells():
    spec = spec_of(charts.csat_heatmap(csat_heatmap_df(), labels=LABELS))
    cells, grey, text = spec["layer"]
    color = cells["encoding"]["color"]
    assert color["field"] == "mean_csat" and color["scale"]["domain"] == [1, 3, 5]
    assert {(r["stage"], r["channel"]) for r in rows(spec, cells)} == {
        ("awareness", "web"), ("consideration", "store"), ("purchase", "web")}
    assert [r["cell_text"] for r in rows(spec, text) if not r["insufficient"]] == ["3.9", "3.0", "1.8"]
    assert all(r["mean_csat"] is None for r in rows(spec, grey))  # a grey cell gives no value away


def test_the_waterfall_floats_each_contribution_from_the_running_total():
    spec = spec_of(charts.waterfall_chart(waterfall_df(), labels=LABELS, titles={"locale": "en"}))
    bars = next(la for la in layers(spec) if mark(la) == "bar")
    drawn = rows(spec, bars)
    assert [r["label"] for r in drawn] == ["Before", "Mix (all groups)", LABELS["web"], LABELS["store"],
                                           "Other groups", "After"]
    floor = spec["layer"][0]["encoding"]["y"]["scale"]["domain"][0]
    assert floor < 33.0
    assert [(r["start"], r["end"]) for r in drawn] == [(floor, 40.0), (40.0, 38.0), (38.0, 34.0), (34.0, 33.0),
                                                       (33.0, 33.0), (floor, 33.0)]
    # coloured by sign only when the interval excludes 0
    assert [r["kind"] for r in drawn] == ["total", "unsure", "down", "unsure", "unsure", "total"]
    assert [r["shown"] for r in drawn] == ["40.0", "−2.0", "−4.0", "−1.0", "+0.0", "33.0"]
    assert drawn[2]["interval"] == "−6.0 – −2.0"
