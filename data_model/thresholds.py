"""Thresholds shared by the analytics and the chart layers (neither imports the other: both read them here)."""

MIN_N = 30
"""Below this many observations the dashboard shows "insufficient data" instead of a value."""
