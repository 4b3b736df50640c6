"""Source profiles (loaders.profile) and their drafts (loaders.suggest), on exports shaped like two public datasets
(loaders.public_shapes): a marketplace's wide orders with payments and reviews joined by key, and a B2B lead
funnel with its deals on another file. The report after import equals a plain pandas computation on the files."""

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import data_model as dm
from analytics.report import report
from loaders import public_shapes, suggest
from loaders.errors import InputErrors
from loaders.profile import ProfileError, check_profile, dumps, load_profile, parse_amounts, run_profile_import
from loaders.settings import set_analysis_setting
from tests.conftest import ROOT
from tests.unit.test_quarantine import dump

PROFILES = ROOT / "sample_data" / "profiles"


def cli(*args):
    return subprocess.run([sys.executable, "-m", "loaders", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)


def fresh(url, timezone="America/Sao_Paulo"):
    database = dm.connect(url)
    dm.initialise(database, timezone=timezone)
    set_analysis_setting(database, "window_days", "all")  # whole journeys: the plain computation needs no window
    return database


@pytest.fixture(scope="module")
def marketplace_files(tmp_path_factory):
    frames = public_shapes.marketplace(2000, seed=7)
    return frames, public_shapes.write_csvs(frames, tmp_path_factory.mktemp("marketplace"))


@pytest.fixture(scope="module")
def lead_files(tmp_path_factory):
    frames = public_shapes.lead_funnel(2000, seed=11)
    return frames, public_shapes.write_csvs(frames, tmp_path_factory.mktemp("leads"))


# -- suggest's draft is the shipped profile but for at most two keys --------------------------------------------


@pytest.mark.parametrize("name,files", [("marketplace", "marketplace_files"), ("lead_funnel", "lead_files")])
def test_the_shipped_profile_differs_from_the_draft_in_at_most_two_keys(name, files, request):
    _, paths = request.getfixturevalue(files)
    draft = suggest.suggest(paths)
    shipped = json.loads((PROFILES / f"{name}.json").read_text())
    differing = suggest.differing_keys(draft.profile, shipped)
    assert 1 <= len(differing) <= 2, differing
    check_profile(draft.profile)  # the draft itself is a valid profile
    assert draft.unused  # what it left out is said
    if name == "marketplace":
        assert "order_estimated_delivery_date" in draft.unused["orders"]  # an estimate is no event
        assert draft.profile["customers"]["fields"]["customer_id"] == "customer_unique_id"  # the person, not the order
        assert draft.profile["touchpoints"]["join"][1]["aggregate"] == {"payment_value": "sum"}
    else:
        assert draft.profile["empty_channel"] == "unknown"  # the origin is empty on some rows


def test_suggest_command_writes_a_draft_that_imports(marketplace_files, tmp_path):
    _, paths = marketplace_files
    out = tmp_path / "draft.json"
    done = cli("suggest", *map(str, paths), "--out", str(out), "--lang", "fr")
    assert done.returncode == 0, done.stderr
    assert "Brouillon de profil écrit" in done.stderr and "non utilisées" in done.stderr
    assert "order_estimated_delivery_date" in done.stderr
    url = f"duckdb:///{tmp_path / 'p.duckdb'}"
    fresh(url).close()
    done = cli("import", "--db", url, "--profile", str(out), *map(str, paths))
    assert done.returncode == 0, done.stderr


def test_a_dry_run_through_the_profile_says_what_it_would_write_and_writes_nothing(marketplace_files, tmp_path,
                                                                                     db_url):
    frames, paths = marketplace_files
    truth = marketplace_truth(frames)
    fresh(db_url).close()
    before = dump(db_url)
    done = cli("import", "--db", db_url, "--profile", str(PROFILES / "marketplace.json"), *map(str, paths),
               "--dry-run")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert out.startswith("Dry run (all or nothing): what the import would write.")
    assert f"{truth['touchpoints']:,} to import, 0 rejected" in out  # the four events of every order row
    assert "purchase · purchase" in out and "delivered customer · service" in out
    assert "first journeys (touchpoints in time order):" in out
    assert out.rstrip().endswith("Dry run: nothing was written.")
    assert dump(db_url) == before
    reviews = frames["reviews"].copy()
    reviews.loc[5, "review_score"] = "cinco"
    bad = public_shapes.write_csvs({**frames, "reviews": reviews}, tmp_path / "bad")
    refused = cli("import", "--db", db_url, "--profile", str(PROFILES / "marketplace.json"), *map(str, bad),
                  "--dry-run", "--lang", "fr")
    assert refused.returncode == 2 and "Essai à blanc\u00a0: cet import serait refusé." in refused.stderr
    assert "olist_order_reviews_dataset.csv" in refused.stderr and "cinco" in refused.stderr
    assert dump(db_url) == before
    quarantine = cli("import", "--db", db_url, "--profile", str(PROFILES / "marketplace.json"), *map(str, paths),
                     "--on-error", "quarantine")
    assert quarantine.returncode == 2 and "--dry-run says what it would write" in quarantine.stderr


# -- the marketplace: four events per order row, payments summed, reviews through orders to the person ------------


def marketplace_truth(frames) -> dict:
    """What the report must say, computed plainly from the files."""
    customers, orders, payments, reviews = (frames[k] for k in ("customers", "orders", "payments", "reviews"))
    person = orders.merge(customers, on="customer_id")[["order_id", "customer_unique_id"] + [
        c for c in orders.columns if c.startswith("order_") and c not in ("order_id", "order_status")]]
    service = person[(person["order_delivered_carrier_date"] != "") | (person["order_delivered_customer_date"] != "")]
    kept_reviews = reviews.drop_duplicates(["review_id"])  # a review written once for two orders counts once
    scores = kept_reviews["review_score"].astype(int)
    return {
        "customers": person["customer_unique_id"].nunique(),
        "purchase": person["customer_unique_id"].nunique(),
        "service": service["customer_unique_id"].nunique(),
        "revenue": round(payments["payment_value"].astype(float).sum(), 2),
        "touchpoints": int(sum((person[c] != "").sum() for c in (
            "order_purchase_timestamp", "order_approved_at", "order_delivered_carrier_date",
            "order_delivered_customer_date"))),
        "csat_responses": len(kept_reviews),
        "csat_mean": scores.mean(),
        "satisfied": (scores >= 4).mean(),
        "regions": customers.drop_duplicates("customer_unique_id")["customer_state"].value_counts().to_dict(),
    }


def test_marketplace_imports_through_its_profile_and_the_report_is_the_plain_computation(marketplace_files, db_url):
    frames, paths = marketplace_files
    truth = marketplace_truth(frames)
    database = fresh(db_url)
    try:
        summary = run_profile_import(database, load_profile(PROFILES / "marketplace.json"), paths)
        lines = "\n".join(summary.lines("en"))
        assert "olist_orders_dataset.csv" in lines and "olist_order_reviews_dataset.csv" in lines
        result = report(database)
        with database.engine.connect() as conn:
            touchpoints = conn.exec_driver_sql("select count(*) from touchpoints").scalar()
            regions = dict(conn.exec_driver_sql("select region, count(*) from customers group by region").all())
    finally:
        database.close()
    assert result["customers"] == truth["customers"]
    funnel = {row["stage"]: row for row in result["funnel"]}
    assert funnel["purchase"]["observed_customers"] == truth["purchase"]
    assert funnel["service"]["observed_customers"] == truth["service"]
    assert funnel["awareness"]["observed_customers"] == 0  # nobody is seen there: no stage is invented
    assert result["revenue"] == pytest.approx(truth["revenue"], abs=0.01)
    assert result["csat"]["responses"] == truth["csat_responses"]
    assert result["csat"]["mean"] == pytest.approx(truth["csat_mean"])
    assert result["csat"]["satisfied_share"] == pytest.approx(truth["satisfied"])
    assert touchpoints == truth["touchpoints"]
    assert regions == truth["regions"]


def test_reimporting_the_same_export_changes_nothing(marketplace_files, tmp_path):
    _, paths = marketplace_files
    database = fresh(f"duckdb:///{tmp_path / 'again.duckdb'}")
    try:
        profile = load_profile(PROFILES / "marketplace.json")
        first = run_profile_import(database, profile, paths)
        again = run_profile_import(database, profile, paths)
    finally:
        database.close()
    written = {f.kind: f.inserted for f in first.files}
    assert written["touchpoints"] > 7000
    assert {f.kind: (f.inserted, f.updated) for f in again.files} == {k: (0, 0) for k in written}
    assert {f.kind: f.unchanged for f in again.files} == written


def test_touchpoints_from_columns_carry_their_own_type_stage_channel_and_id(marketplace_files, tmp_path):
    frames, paths = marketplace_files
    database = fresh(f"duckdb:///{tmp_path / 'ids.duckdb'}")
    try:
        run_profile_import(database, load_profile(PROFILES / "marketplace.json"), paths)
        with database.engine.connect() as conn:
            rows = pd.read_sql("select t.touchpoint_id, t.touchpoint, t.stage, c.label as channel, t.revenue "
                               "from touchpoints t join channels c on c.code = t.channel", conn)
    finally:
        database.close()
    order = frames["orders"].iloc[0]
    mine = rows[rows["touchpoint_id"].str.startswith(f"olist:{order['order_id']}:")].set_index("touchpoint_id")
    prefix = f"olist:{order['order_id']}:"
    expected = {c for c in ("order_purchase_timestamp", "order_approved_at", "order_delivered_carrier_date",
                            "order_delivered_customer_date") if order[c]}
    assert {i.removeprefix(prefix) for i in mine.index} == expected
    purchase = mine.loc[prefix + "order_purchase_timestamp"]
    assert (purchase["touchpoint"], purchase["stage"], purchase["channel"]) == ("purchase", "purchase", "marketplace")
    paid = frames["payments"].query("order_id == @order['order_id']")["payment_value"].astype(float).sum()
    assert float(purchase["revenue"]) == pytest.approx(paid)
    if prefix + "order_delivered_carrier_date" in mine.index:
        carrier = mine.loc[prefix + "order_delivered_carrier_date"]
        assert (carrier["stage"], carrier["channel"]) == ("service", "carrier")
        assert pd.isna(carrier["revenue"])  # the amount is the order's, on the purchase only: never counted twice
    # no touchpoint for an empty time: canceled orders have fewer
    canceled = frames["orders"][frames["orders"]["order_delivered_carrier_date"] == ""]["order_id"].iloc[0]
    assert not rows["touchpoint_id"].str.startswith(f"olist:{canceled}:order_delivered").any()


# -- the lead funnel: the deal on the sales team's channel, on another file ------------------------------------------


def test_lead_funnel_imports_with_deals_on_another_channel(lead_files, db_url):
    frames, paths = lead_files
    leads, deals = frames["leads"], frames["deals"]
    database = fresh(db_url)
    try:
        summary = run_profile_import(database, load_profile(PROFILES / "lead_funnel.json"), paths)
        result = report(database)
    finally:
        database.close()
    assert result["customers"] == len(leads)
    assert result["conversion"]["customers"] == len(deals)
    assert result["conversion"]["rate"] == pytest.approx(len(deals) / len(leads))
    empty = (leads["origin"] == "").sum()
    assert empty == 60
    assert any("unknown" in line and "60" in line.replace("\u202f", "") for line in summary.lines("en")), \
        summary.lines("en")


# -- the profile's own checks --------------------------------------------------------------------------------------


def test_a_joined_file_with_several_rows_per_key_and_no_aggregate_is_an_error_naming_the_key(marketplace_files,
                                                                                               tmp_path):
    frames, paths = marketplace_files
    spec = json.loads((PROFILES / "marketplace.json").read_text())
    del spec["touchpoints"]["join"][1]["aggregate"]
    database = fresh(f"duckdb:///{tmp_path / 'fan.duckdb'}")
    try:
        with pytest.raises(InputErrors) as caught:
            run_profile_import(database, check_profile(spec), paths)
        with database.engine.connect() as conn:
            assert conn.exec_driver_sql("select count(*) from touchpoints").scalar() == 0
    finally:
        database.close()
    error = caught.value.errors[0]
    payments = frames["payments"]
    repeated = payments["order_id"][payments["order_id"].duplicated()].iloc[0]
    assert error.file == "olist_order_payments_dataset.csv" and error.column == "order_id"
    assert error.value == repeated
    assert error.line == int(np.flatnonzero(payments["order_id"].duplicated().to_numpy())[0]) + 2
    assert "aggregate" in error.text_in("en") and "agréger" in error.text_in("fr")


def counts(database) -> dict[str, int]:
    with database.engine.connect() as conn:
        return {t: conn.exec_driver_sql(f"select count(*) from {t}").scalar()
                for t in ("customers", "touchpoints", "feedback", "import_batches")}


def test_an_error_in_a_mapped_column_names_the_source_file_line_and_column(marketplace_files, tmp_path, db_url):
    """The feedback is checked while the touchpoints are written (``run_profile_import``): its error still
    writes nothing, on either engine."""
    frames, _ = marketplace_files
    reviews = frames["reviews"].copy()
    reviews.loc[5, "review_score"] = "cinco"
    paths = public_shapes.write_csvs({**frames, "reviews": reviews}, tmp_path / "bad")
    database = fresh(db_url)
    try:
        with pytest.raises(InputErrors) as caught:
            run_profile_import(database, load_profile(PROFILES / "marketplace.json"), paths)
        assert counts(database) == dict.fromkeys(("customers", "touchpoints", "feedback", "import_batches"), 0)
    finally:
        database.close()
    errors = [e for e in caught.value.errors if e.value == "cinco"]
    assert len(errors) == 1
    assert (errors[0].file, errors[0].line, errors[0].column) == ("olist_order_reviews_dataset.csv", 7,
                                                                  "review_score")


def test_a_fan_out_in_the_feedbacks_join_found_during_the_write_writes_nothing(marketplace_files, tmp_path, db_url):
    """Orders repeated (the feedback joins them by order_id without an aggregate): an error raised by the
    feedback's mapping once the customers and touchpoints are written, inside the transaction."""
    frames, _ = marketplace_files
    spec = json.loads((PROFILES / "marketplace.json").read_text())
    spec["touchpoints"]["key"] = "order_id"
    orders = pd.concat([frames["orders"], frames["orders"].iloc[[3]]], ignore_index=True)  # the same row twice
    paths = public_shapes.write_csvs({**frames, "orders": orders}, tmp_path / "twice")
    database = fresh(db_url)
    try:
        with pytest.raises(InputErrors) as caught:
            run_profile_import(database, check_profile(spec), paths)
        assert counts(database) == dict.fromkeys(("customers", "touchpoints", "feedback", "import_batches"), 0)
    finally:
        database.close()
    error = caught.value.errors[0]
    assert (error.file, error.column, error.value) == ("olist_orders_dataset.csv", "order_id",
                                                        frames["orders"]["order_id"].iloc[3])


def test_profile_mistakes_are_said_in_the_readers_language(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"parcours_profile": 1, "files": {"a": {"pattern": "*a*"}}, "touchpoints": {"file": "b"}}')
    with pytest.raises(ProfileError) as caught:
        load_profile(bad)
    assert "'b'" in caught.value.message_in("en") and "«\u00a0b\u00a0»" in caught.value.message_in("fr")
    bad.write_text('{"parcours_profile": 2, "files": {"a": {"pattern": "*a*"}}}')
    with pytest.raises(ProfileError, match="parcours_profile"):
        load_profile(bad)
    bad.write_text('{"parcours_profile": 1,\n "files": }')
    with pytest.raises(ProfileError, match="line 2"):
        load_profile(bad)
    spec = {"parcours_profile": 1, "files": {"a": {"pattern": "*a*"}},
            "touchpoints": {"file": "a", "fields": {"colour": "x"}}}
    with pytest.raises(ProfileError, match="colour"):
        check_profile(spec)
    spec["touchpoints"] = {"file": "a", "events": [{"timestamp": "t"}]}
    with pytest.raises(ProfileError, match="key"):
        check_profile(spec)
    done = cli("import", "--profile", str(PROFILES / "marketplace.json"), str(tmp_path / "unrelated.csv"),
               "--db", f"duckdb:///{tmp_path / 'x.duckdb'}")
    assert done.returncode == 2 and "unrelated.csv" in done.stderr and "Traceback" not in done.stderr


def test_amounts_in_the_sources_own_format():
    values = pd.Series(["R$ 1.234,56", "1.234,56 R$", "-12,5", "R$1.000", "12.50", "abc", None, "1.23.4,5"],
                       dtype=pd.StringDtype("pyarrow", na_value=np.nan))
    numbers, bad = parse_amounts(values, {"decimal": ",", "thousands": ".", "currency": "R$"})
    assert numbers.tolist()[:4] == [1234.56, 1234.56, -12.5, 1000.0]
    # "12.50" is no number where "." groups thousands: refused, never read as 1250 or 12.5
    assert bad.tolist() == [False, False, False, False, True, True, False, True]
    assert numbers[4:].isna().all()


def test_date_format_time_zone_value_map_and_constants(tmp_path):
    (tmp_path / "visits.csv").write_text(
        "who,when,where,mood\nC1,02/01/2025 10:00,Web,★★★★★\nC1,02/03/2025 09:30,Store,★\n", encoding="utf-8")
    spec = {"parcours_profile": 1, "source": "shop", "timezone": "America/New_York", "date_format": "%m/%d/%Y %H:%M",
            "files": {"visits": {"pattern": "visits*"}},
            "touchpoints": {"file": "visits", "fields": {"customer_id": "who", "timestamp": "when", "channel": "where",
                                                        "stage": {"value": "consideration"},
                                                        "touchpoint": {"value": "visit"}}},
            "feedback": {"file": "visits", "fields": {"customer_id": "who", "timestamp": "when",
                                                      "stage": {"value": "consideration"},
                                                      "csat": {"column": "mood", "map": {"★": 1, "★★★★★": 5}}}}}
    database = fresh(f"duckdb:///{tmp_path / 'tz.duckdb'}", timezone="Europe/Paris")
    try:
        run_profile_import(database, check_profile(spec), [tmp_path / "visits.csv"])
        with database.engine.connect() as conn:
            stamps = [str(r[0]) for r in conn.exec_driver_sql("select timestamp from touchpoints order by timestamp")]
            csat = [r[0] for r in conn.exec_driver_sql("select csat from feedback order by timestamp")]
    finally:
        database.close()
    # 10:00 in New York on 1 February is 16:00 in Paris; on 3 February 09:30 is 15:30
    assert stamps == ["2025-02-01 16:00:00", "2025-02-03 15:30:00"]
    assert csat == [5, 1]


def test_a_profile_names_the_source_system_of_every_touchpoint(tmp_path, db_url):
    (tmp_path / "visits.csv").write_text("who,when,where,system\nC1,2025-02-01 10:00,Web,web analytics\n"
                                         "C1,2025-02-03 09:30,Store,\n", encoding="utf-8")
    fields = {"customer_id": "who", "timestamp": "when", "channel": "where", "stage": {"value": "consideration"},
              "touchpoint": {"value": "visit"}}
    spec = {"parcours_profile": 1, "source": "shop", "files": {"visits": {"pattern": "visits*"}},
            "touchpoints": {"file": "visits", "fields": fields}}
    database = fresh(db_url, timezone="Europe/Paris")

    def sources():
        with database.engine.connect() as conn:
            return [r[0] for r in conn.exec_driver_sql("select source from touchpoints order by timestamp")]

    try:
        run_profile_import(database, check_profile(spec), [tmp_path / "visits.csv"])
        assert sources() == ["shop", "shop"]  # the profile's source
        again = run_profile_import(database, check_profile(spec), [tmp_path / "visits.csv"], source_system="tills")
        assert sources() == ["tills", "tills"]  # --source names another: an update of the same touchpoints
        assert [(f.inserted, f.updated) for f in again.files] == [(0, 2)]
        mapped = {**spec, "touchpoints": {"file": "visits", "fields": {**fields, "source": "system"}}}
        run_profile_import(database, check_profile(mapped), [tmp_path / "visits.csv"])
        assert sources() == ["web analytics", "shop"]  # the mapped column where the row has one
    finally:
        database.close()


def test_suggest_takes_a_source_header_for_the_source_system_not_the_channel(tmp_path):
    rows = [f"C{i},2025-02-0{i % 9 + 1} 10:00,{'crm' if i % 2 else 'tills'}" for i in range(12)]
    (tmp_path / "site_visits.csv").write_text("\n".join(["customer_id,visit_date,source", *rows]) + "\n",
                                              encoding="utf-8")
    fields = suggest.suggest([tmp_path / "site_visits.csv"]).profile["touchpoints"]["fields"]
    # "source" is also a word of marketing channels (utm_source): as a whole header it is the importer's system
    assert fields["source"] == "source" and fields["channel"] != "source"


def test_dumps_keeps_short_things_on_one_line():
    text = dumps({"a": {"value": "x"}, "b": ["y" * 120]})
    assert '"a": {"value": "x"}' in text and json.loads(text) == {"a": {"value": "x"}, "b": ["y" * 120]}


def test_the_readme_shows_the_shipped_profile_verbatim():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "```json\n" + (PROFILES / "marketplace.json").read_text(encoding="utf-8") + "```" in readme
    for name in ("marketplace", "lead_funnel"):
        check_profile(json.loads((PROFILES / f"{name}.json").read_text(encoding="utf-8")))


def test_every_aggregate_of_a_joined_file_on_a_tiny_hand_computed_case(tmp_path):
    """The joined file's rows grouped per key (in a private DuckDB): sums, extremes, first in file order (a missing
    value skipped), counts; a row without a key belongs to no group; and keys are compared trimmed."""
    from loaders.profile import Profile, _lookup, _Source
    from loaders.read import read_table

    path = tmp_path / "payments.csv"
    path.write_text("order,amount,paid_at,method\n"
                    "a,10.5,2024-01-03 10:00:00,\n"
                    " b ,4,2024-02-01 09:00:00,card\n"
                    "a,2,2024-01-01 08:00:00,voucher\n"
                    ",99,2023-01-01 00:00:00,cash\n"
                    "a,,2024-01-05 12:00:00,card\n", encoding="utf-8")
    source = _Source.of(read_table(path))
    profile = Profile({"source": "shop"}, "shop.json")

    def grouped(how: str, column: str) -> dict[str, str | None]:
        out = _lookup(profile, {"file": "payments", "aggregate": {column: how}}, source, "order", None)
        return dict(zip(out["order"], out[column].astype(object).where(out[column].notna(), None), strict=True))

    assert grouped("sum", "amount") == {"a": "12.5", "b": "4"}
    assert grouped("min", "amount") == {"a": "2", "b": "4"}
    assert grouped("max", "amount") == {"a": "10.5", "b": "4"}
    assert grouped("count", "amount") == {"a": "3", "b": "1"}
    assert grouped("first", "method") == {"a": "voucher", "b": "card"}
    assert grouped("earliest", "paid_at") == {"a": "2024-01-01T08:00:00", "b": "2024-02-01T09:00:00"}
    assert grouped("latest", "paid_at") == {"a": "2024-01-05T12:00:00", "b": "2024-02-01T09:00:00"}
