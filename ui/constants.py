"""Constants of the analytics layer that the pages read: pages import only ``ui``, ``charts``, ``i18n`` and ``story``
(tests/unit/test_project.py), so they take these from here."""

from analytics.funnel import GROUPINGS, SKIPPED_NOTE
from analytics.voice import UNKNOWN
from data_model.thresholds import MIN_N

__all__ = ["GROUPINGS", "MIN_N", "SKIPPED_NOTE", "UNKNOWN"]
