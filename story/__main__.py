"""``python -m story deck [--db URL] [filters] [--lang fr|en] --out FILE.pptx``: write the story's PowerPoint deck
(``story.deck``): a title slide with the filters and the date range, one slide per view with its chart and finding,
the definitions.

The filters are ``python -m analytics``'s (``--persona``, ``--segment``, ``--region``, ``--channel``,
``--channel-mode``, ``--start``, ``--end``, ``--period-mode``, ``--window``, ``--as-of``, ``--measure``), with the
same checks and exit statuses: the parser's pieces and the run come from ``analytics.__main__``, whose ``deck``
command stays an alias of this one for schedulers. Exit status: 0 on success (a chart that cannot be drawn is named
in one line on stderr and leaves a note on its slide); 2 for a usage error (nothing written); 1 when the database
cannot be opened, has no stage model yet, or the file cannot be written.
"""

import argparse

from analytics.__main__ import add_deck_command, common_options, new_parser, run

PROG = "python -m story"


def build_parser() -> argparse.ArgumentParser:
    parser = new_parser(PROG, "The Parcours presentation story.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    parser.subparsers = {"deck": add_deck_command(sub, common_options())}
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    return run(parser, parser.parse_args(argv))


if __name__ == "__main__":
    from data_model.process import exit_now

    exit_now(main())
