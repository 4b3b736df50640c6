"""The metrics pages, the story and the deck ask for (``analytics.queries``): named by the function itself, keyed by
its qualified name, and nothing outside the list runs through it."""

import pytest

from analytics import funnel, metrics
from analytics.filters import Filters
from analytics.queries import BY_NAME, METRICS, metric_name, runner
from analytics.report import report
from tests.unit.journeys import load_example


def test_every_metric_has_its_own_qualified_name():
    assert len(BY_NAME) == len(METRICS)
    assert metric_name(funnel.funnel_table) == "analytics.funnel.funnel_table"
    assert metric_name(report) == "analytics.report.report"


def test_a_function_outside_the_list_is_refused(db):
    load_example(db)
    q = runner(db, Filters())
    assert q(metrics.customers) == 3
    with pytest.raises(KeyError, match="not a metric"):
        q(metrics.stage_infos)
    with pytest.raises(KeyError, match="not a metric"):
        metric_name(lambda db, filters, scope=None: 0)


def test_the_pages_are_offered_the_module_of_every_metric_and_no_other():
    """``ui.metrics`` lists the metric modules again (a page names ``funnel.funnel_table``): the two lists must not
    drift apart, or a page could not reach a metric, or reach a module with none."""
    import sys

    import ui.metrics

    offered = {m.__name__ for m in vars(ui.metrics).values() if isinstance(m, type(sys))}
    assert offered == {f.__module__ for f in METRICS}
