"""The cheap customer count (sidebar, empty checks) is the report's number under every filter."""

from datetime import date

import pytest

from analytics.filters import Filters
from analytics.metrics import customers
from analytics.report import report
from loaders.write import run_import
from tests.conftest import EXAMPLES


@pytest.mark.parametrize("filters", [
    Filters(),
    Filters(personas=("Cliente pressée",)),
    Filters(channels=("magasin", "site_web"), start=date(2024, 3, 10), end=date(2024, 3, 14)),
    Filters(personas=("Cliente pressée",), channels=("e_mail",), start=date(2024, 3, 1), end=date(2024, 3, 2)),
    Filters(segments=("nobody",)),
])
def test_customer_count_equals_the_report(db, filters):
    run_import(db, {"customers": EXAMPLES / "clients.csv", "touchpoints": EXAMPLES / "points_de_contact.csv"})
    assert customers(db, filters) == report(db, filters)["customers"]


def test_no_data(db):
    assert customers(db) == 0
