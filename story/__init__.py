"""The presentation story and its PowerPoint deck: the meeting-room layer over ``analytics``, ``charts`` and ``i18n``.

``story.narrative`` holds the fixed sequence of views, each with its main finding in one sentence with numbers, and
the sentences the pages share with it; its public names are re-exported here (``import story``,
``story.views(q, filters, dims, tx)``). ``story.deck`` lays the views out as a .pptx (``from story.deck import
story_deck``; imported on demand, it loads python-pptx). ``python -m story deck …`` writes the deck from the
command line. Nothing in ``analytics`` or ``charts`` imports this package (``analytics``'s ``deck`` command only
delegates to it, lazily); it imports neither streamlit nor ``ui``.
"""

from story.narrative import (
    STORY,
    Query,
    View,
    cell_name,
    cell_value,
    change_cohorts,
    change_group,
    change_sentence,
    deck_file_name,
    describe_filters,
    footer,
    headline_sentence,
    irritant_reason,
    labels,
    map_titles,
    trend_sentence,
    view,
    views,
    weakest_step_sentence,
)

__all__ = [
    "STORY", "Query", "View", "cell_name", "cell_value", "change_cohorts", "change_group", "change_sentence",
    "deck_file_name", "describe_filters", "footer", "headline_sentence", "irritant_reason", "labels", "map_titles",
    "trend_sentence", "view", "views", "weakest_step_sentence",
]
