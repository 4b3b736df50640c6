"""The synthetic demo generator: deterministic, well-formed, realistic, and with its planted effects visible."""

from datetime import date

import pandas as pd
import pytest

from data_model.channels import channel_kind
from data_model.stages import STAGE_MODELS
from data_model.text import slug
from loaders import sample
from tests.conftest import ROOT

STAGE_INDEX = {s: i for i, s in enumerate(sample.STAGES)}


@pytest.fixture(scope="module")
def frames():
    """A few thousand customers: enough for the planted effects to show in aggregate."""
    return sample.generate(3000, seed=7)


def _nps(scores: pd.Series) -> float:
    s = scores.dropna().astype(int)
    return 100.0 * ((s >= 9).mean() - (s <= 6).mean())


def _cell(feedback: pd.DataFrame, stage: str, channel: str) -> pd.Series:
    return feedback.loc[(feedback["stage"] == stage) & (feedback["channel"] == channel), "nps"]


# --- determinism, shapes -------------------------------------------------------------------------------------


def test_same_seed_same_frames_different_seed_different_frames():
    a, b, c = sample.generate(300, seed=1), sample.generate(300, seed=1), sample.generate(300, seed=2)
    for kind in sample.COLUMNS:
        pd.testing.assert_frame_equal(a[kind], b[kind])
    assert not a["touchpoints"].equals(c["touchpoints"])
    assert not a["customers"]["persona"].equals(c["customers"]["persona"])


def test_columns_dtypes_and_sizes(frames):
    assert set(frames) == {"customers", "touchpoints", "feedback"}
    for kind, cols in sample.COLUMNS.items():
        assert tuple(frames[kind].columns) == cols
    customers, touchpoints, feedback = frames["customers"], frames["touchpoints"], frames["feedback"]
    assert len(customers) == 3000
    assert 8 <= len(touchpoints) / len(customers) <= 12  # ~10 touchpoints per customer
    assert touchpoints["timestamp"].dtype.kind == "M" and touchpoints["timestamp"].dt.tz is None
    assert customers["signup_date"].dtype.kind == "M" and customers["churned"].dtype == bool
    assert str(feedback["nps"].dtype) == "Int64" and str(feedback["csat"].dtype) == "Int64"
    assert touchpoints["revenue"].dtype == float


def test_zero_customers_gives_empty_frames_with_the_columns():
    empty = sample.generate(0)
    for kind, cols in sample.COLUMNS.items():
        assert tuple(empty[kind].columns) == cols and empty[kind].empty


def test_ids_unique_and_referenced(frames):
    customers, touchpoints, feedback = frames["customers"], frames["touchpoints"], frames["feedback"]
    assert customers["customer_id"].is_unique and customers["customer_id"].iloc[0] == "C0000001"
    assert touchpoints["touchpoint_id"].is_unique and feedback["feedback_id"].is_unique
    known = set(customers["customer_id"])
    assert set(touchpoints["customer_id"]) == known  # everyone has at least one touchpoint
    assert set(feedback["customer_id"]) <= known


# --- values ----------------------------------------------------------------------------------------------------


def test_categorical_values(frames):
    customers, touchpoints, feedback = frames["customers"], frames["touchpoints"], frames["feedback"]
    assert set(customers["persona"]) == set(sample.PERSONAS)
    assert set(customers["segment"]) == set(sample.SEGMENTS)
    assert set(customers["region"]) <= set(sample.REGIONS)
    assert set(touchpoints["channel"]) == set(sample.CHANNELS)
    assert set(touchpoints["stage"]) == set(sample.STAGES)
    assert set(feedback["stage"]) <= set(sample.STAGES)
    assert set(feedback["channel"].dropna()) <= set(sample.CHANNELS)
    for label, kind in sample.CHANNELS.items():  # the importer classifies them the same way
        assert channel_kind(slug(label)) == kind


def test_touchpoint_types_match_their_stage_and_the_default_mapping(frames):
    tp = frames["touchpoints"]
    default = {s.code: {slug(t) for t in s.touchpoint_types} for s in STAGE_MODELS["default"]}
    for (stage, ttype), _ in tp.groupby(["stage", "touchpoint"]):
        assert ttype in sample.TOUCHPOINT_TYPES[stage]
        assert slug(ttype) in default[stage]


def test_revenue_only_on_orders(frames):
    tp = frames["touchpoints"]
    is_order = tp["touchpoint"].isin(sample.ORDER_TYPES)
    assert tp.loc[is_order, "revenue"].notna().all() and (tp.loc[is_order, "revenue"] > 0).all()
    assert tp.loc[~is_order, "revenue"].isna().all()
    assert set(tp.loc[is_order, "stage"]) == {"purchase", "loyalty"}


def test_feedback_values(frames):
    fb = frames["feedback"]
    assert fb["nps"].dropna().between(0, 10).all() and fb["csat"].dropna().between(1, 5).all()
    assert (fb["nps"].notna() | fb["csat"].notna() | fb["comment"].notna()).all()
    assert 0.01 <= fb["nps"].isna().mean() <= 0.06  # ~3 % without NPS
    assert 0.02 <= fb["channel"].isna().mean() <= 0.09  # ~5 % channel unknown
    assert 0.1 <= fb["csat"].isna().mean() <= 0.4
    comments = fb["comment"].dropna()
    assert 0.25 <= len(comments) / len(fb) <= 0.7
    assert comments.str.contains(";").any() and comments.str.contains('"').any()
    assert comments.str.contains("\n").any()
    assert comments.nunique() >= 40


def test_response_rate_and_repeated_answers(frames):
    fb, n = frames["feedback"], len(frames["customers"])
    assert 0.18 <= fb["customer_id"].nunique() / n <= 0.32
    per_customer = fb.groupby("customer_id")["stage"].agg(["size", "nunique"])
    assert (per_customer["size"] > 1).mean() > 0.1
    assert (per_customer["size"] == per_customer["nunique"]).all()  # several answers are at different stages


# --- journeys and time ---------------------------------------------------------------------------------------


def test_journeys_are_ordered_in_time_and_stage(frames):
    tp = frames["touchpoints"]
    same = tp["customer_id"].to_numpy()[1:] == tp["customer_id"].to_numpy()[:-1]
    ts = tp["timestamp"].to_numpy()
    stage = tp["stage"].map(STAGE_INDEX).to_numpy()
    assert (ts[1:][same] >= ts[:-1][same]).all()
    assert (stage[1:][same] >= stage[:-1][same]).all()
    ties = (ts[1:][same] == ts[:-1][same]).mean()
    assert ties < 0.01  # a few deliberate ties only
    sizes = tp.groupby("customer_id").size()
    assert sizes.min() >= 1 and sizes.max() <= 25
    assert tp["customer_id"].is_monotonic_increasing  # grouped by customer
    spread = tp.groupby("customer_id")["timestamp"].agg(lambda s: (s.max() - s.min()).days)
    assert spread.median() >= 3  # days or weeks, not one burst


def test_funnel_drop_off_repeats_and_skips(frames):
    tp, n = frames["touchpoints"], len(frames["customers"])
    reach = tp.groupby("stage")["customer_id"].nunique().reindex(list(sample.STAGES)) / n
    assert reach["awareness"] > reach["purchase"] > reach["loyalty"] > reach["advocacy"] > 0
    assert 0.3 <= reach["purchase"] <= 0.7
    per_stage = tp.groupby(["customer_id", "stage"]).size()
    assert (per_stage > 1).mean() > 0.3  # repeated touchpoints within a stage
    stages_of = tp.groupby("customer_id")["stage"].agg(lambda s: {STAGE_INDEX[x] for x in s})
    skipped = stages_of.map(lambda st: len(st) < max(st) - min(st) + 1)
    assert 0 < skipped.mean() < 0.25  # a few skip a stage


def test_hours_are_business_like(frames):
    tp = frames["touchpoints"]
    hours = tp["timestamp"].dt.hour
    assert hours.between(7, 23).all()
    store = hours[tp["channel"] == "Magasin"]
    assert store.between(9, 19).mean() > 0.97


def test_dates_within_range_and_churn_after_last_touchpoint(frames):
    customers, tp, fb = frames["customers"], frames["touchpoints"], frames["feedback"]
    lo, hi = pd.Timestamp("2025-01-01"), pd.Timestamp("2026-01-01")
    for ts in (tp["timestamp"], fb["timestamp"], customers["signup_date"], customers["churn_date"].dropna()):
        assert ts.min() >= lo and ts.max() < hi
    by_customer = tp.groupby("customer_id")["timestamp"].agg(["min", "max"])
    c = customers.set_index("customer_id")
    assert (c["signup_date"] == by_customer["min"].dt.normalize()).all()
    assert (c["churn_date"].notna() == c["churned"]).all()
    churned = c[c["churned"]]
    assert (churned["churn_date"] > by_customer.loc[churned.index, "max"]).all()
    assert (customers["signup_date"] == customers["signup_date"].dt.normalize()).all()


def test_custom_period_is_respected():
    out = sample.generate(200, seed=3, start=date(2024, 3, 1), end=date(2024, 3, 31))
    lo, hi = pd.Timestamp("2024-03-01"), pd.Timestamp("2024-04-01")
    assert out["touchpoints"]["timestamp"].between(lo, hi, inclusive="left").all()
    assert out["feedback"]["timestamp"].between(lo, hi, inclusive="left").all()
    assert out["customers"]["churn_date"].dropna().between(lo, hi, inclusive="left").all()
    with pytest.raises(ValueError):
        sample.generate(10, start=date(2024, 3, 31), end=date(2024, 3, 1))


# --- planted effects -----------------------------------------------------------------------------------------


def test_overall_nps_is_realistic(frames):
    assert 5 <= _nps(frames["feedback"]["nps"]) <= 40


def test_planted_irritants_and_delights_stand_out(frames):
    fb = frames["feedback"]
    overall = _nps(fb["nps"])
    for stage, channel in sample.PLANTED_IRRITANTS:
        cell = _cell(fb, stage, channel)
        assert cell.notna().sum() >= 30
        assert _nps(cell) < overall - 30, (stage, channel)
    for stage, channel in sample.PLANTED_DELIGHTS:
        assert _nps(_cell(fb, stage, channel)) > overall + 15, (stage, channel)
    assert set(sample.NPS_SHIFTS) == set(sample.PLANTED_IRRITANTS) | set(sample.PLANTED_DELIGHTS)


def test_planted_cells_have_their_own_verbatims(frames):
    fb = frames["feedback"]
    for (stage, channel), texts in sample.PLANTED_VERBATIMS.items():
        comments = fb.loc[(fb["stage"] == stage) & (fb["channel"] == channel), "comment"]
        assert comments.isin(texts).sum() >= 5
        assert not fb.loc[fb["stage"] != stage, "comment"].isin(texts).any()


def test_detractors_and_non_buyers_churn_more(frames):
    customers, tp, fb = frames["customers"], frames["touchpoints"], frames["feedback"]
    churned = customers.set_index("customer_id")["churned"]
    scores = fb.dropna(subset=["nps"]).groupby("customer_id")["nps"].agg(["min", "max"])
    detractors = churned[scores.index[scores["min"] <= 6]]
    promoters = churned[scores.index[scores["min"] >= 9]]
    assert detractors.mean() > 2 * promoters.mean()
    buyers = churned.index.isin(tp.loc[tp["stage"] == "purchase", "customer_id"])
    assert churned[~buyers].mean() > 1.5 * churned[buyers].mean()
    assert 0.1 <= churned.mean() <= 0.4


def test_mono_multi_and_cross_channel_journeys(frames):
    tp, n = frames["touchpoints"], len(frames["customers"])
    kind = tp["channel"].map(sample.CHANNELS)
    channels = tp.groupby("customer_id")["channel"].nunique()
    assert 0.1 < (channels == 1).mean() < 0.6 and (channels >= 3).mean() > 0.1
    research = tp[tp["stage"].isin(["awareness", "consideration"])]
    research_digital = (kind[research.index] == "digital").groupby(research["customer_id"]).all()
    purchase = tp[tp["stage"] == "purchase"]
    bought_in_store = (purchase["channel"] == "Magasin").groupby(purchase["customer_id"]).any()
    bought_online = (kind[purchase.index] == "digital").groupby(purchase["customer_id"]).all()
    consideration = tp[tp["stage"] == "consideration"]
    looked_in_store = (consideration["channel"] == "Magasin").groupby(consideration["customer_id"]).any()
    ropo = research_digital & bought_in_store.reindex(research_digital.index, fill_value=False)
    showrooming = looked_in_store & bought_online.reindex(looked_in_store.index, fill_value=False)
    assert ropo.sum() / n > 0.03
    assert showrooming.sum() / n > 0.03


def test_personas_prefer_their_channels(frames):
    tp, customers = frames["touchpoints"], frames["customers"]
    persona = tp["customer_id"].map(customers.set_index("customer_id")["persona"])
    store_share = (tp["channel"] == "Magasin").groupby(persona).mean()
    app_share = (tp["channel"] == "Application mobile").groupby(persona).mean()
    assert store_share["Habitué du magasin"] > 2 * store_share["Digital native"]
    assert app_share["Digital native"] > 2 * app_share["Habitué du magasin"]


# --- export ----------------------------------------------------------------------------------------------------


def _as_text(df: pd.DataFrame) -> pd.DataFrame:
    """What the canonical CSV holds for each cell."""
    out = {}
    for col in df.columns:
        s = df[col]
        if col in sample.DATE_COLUMNS:
            out[col] = s.dt.strftime("%Y-%m-%d").fillna("")
        elif s.dtype.kind == "M":
            out[col] = s.dt.strftime("%Y-%m-%dT%H:%M:%S")
        elif s.dtype == bool:
            out[col] = s.map({True: "true", False: "false"})
        elif s.dtype == float:
            out[col] = s.map(lambda v: "" if pd.isna(v) else repr(float(v)).removesuffix(".0"))
        else:
            out[col] = s.astype(object).map(lambda v: "" if pd.isna(v) else str(v))
    return pd.DataFrame(out).astype(str)


def test_write_export_csv_round_trips(tmp_path):
    data = sample.generate(400, seed=11)
    paths = sample.write_export(data, tmp_path)
    assert sorted(p.name for p in paths) == ["customers.csv", "feedback.csv", "touchpoints.csv"]
    for kind, df in data.items():
        raw = (tmp_path / f"{kind}.csv").read_bytes()
        assert raw.startswith(",".join(sample.COLUMNS[kind]).encode() + b"\n")
        back = pd.read_csv(tmp_path / f"{kind}.csv", dtype=str, keep_default_na=False, encoding="utf-8")
        pd.testing.assert_frame_equal(back, _as_text(df), check_dtype=False)


def test_write_export_quotes_only_where_needed(tmp_path):
    sample.write_export(sample.generate(400, seed=11), tmp_path)
    text = (tmp_path / "feedback.csv").read_text(encoding="utf-8")
    assert '"C0' not in text  # plain values are not quoted
    assert '""' in text  # embedded quotes are doubled
    assert text.count("\n") > len(pd.read_csv(tmp_path / "feedback.csv")) + 1  # a comment spans two lines


def test_write_export_parquet_round_trips(tmp_path):
    data = sample.generate(300, seed=12)
    sample.write_export(data, tmp_path, fmt="parquet")
    customers = pd.read_parquet(tmp_path / "customers.parquet")
    assert customers["signup_date"].iloc[0] == data["customers"]["signup_date"].iloc[0].date()
    for kind in ("touchpoints", "feedback"):
        back = pd.read_parquet(tmp_path / f"{kind}.parquet")
        assert list(back.columns) == list(sample.COLUMNS[kind]) and len(back) == len(data[kind])
        assert (back["timestamp"].to_numpy() == data[kind]["timestamp"].to_numpy()).all()
    with pytest.raises(ValueError):
        sample.write_export(data, tmp_path, fmt="xlsx")


def test_shipped_demo_is_exactly_write_demo(tmp_path):
    shipped = ROOT / "sample_data"
    sample.write_demo(tmp_path)
    total = 0
    for kind in sample.COLUMNS:
        name = f"{kind}.csv"
        assert (shipped / name).read_bytes() == (tmp_path / name).read_bytes(), f"regenerate sample_data/{name}"
        total += (shipped / name).stat().st_size
    assert total < 3_000_000

