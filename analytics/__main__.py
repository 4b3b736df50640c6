"""``python -m analytics report [--db URL] [--persona P]… [--segment S]… [--region R]… [--channel C]…
[--channel-mode used|entered|only] [--start YYYY-MM-DD] [--end YYYY-MM-DD] [--period-mode cohort|activity]
[--window DAYS|all] [--as-of YYYY-MM-DD]``: print
the journey report as JSON for a cohort of customers (``analytics.filters``): those of the personas, segments and
regions, who used (``entered`` by, their first touchpoint) one of the channels, whose first touchpoint falls in the
period; their whole journeys are followed. ``--channel-mode only`` and ``--period-mode activity`` are lenses: only
those channels' rows, only the rows inside the period. Values match ignoring case and accents. ``--window``: how
long each customer is followed (``all``: no window); ``--as-of``: the data as it stood at the end of that day.

``python -m analytics irritants [--db URL] [filters] [--measure nps|csat] [--min-customers N]``: print the ranked
irritants and points of delight (``analytics.irritants``) as a JSON list: irritants worst first, then neutral
cells, then delights best first.

``python -m analytics export feedback|touchpoints|customers|funnel|irritants [--db URL] [filters] --out
FILE.csv|FILE.xlsx``: write the table (``analytics.exports``); exit 2 when an XLSX would exceed Excel's rows.

``python -m analytics deck [--db URL] [filters] [--lang fr|en] --out FILE.pptx``: an alias of ``python -m story deck``
(kept for schedulers): write the story's PowerPoint deck (``story.deck``, imported only when the deck is written): a
title slide, one slide per view with its chart and finding, the definitions.

``python -m analytics explain --metric conversion|nps|csat --by persona|segment|region|channel --from
YYYY-MM-DD..YYYY-MM-DD --to YYYY-MM-DD..YYYY-MM-DD [--db URL] [filters] [--replicates N] [--seed S]``: print, as
JSON, the KPI's change from the earlier cohort to the later one split into mix and rate by the dimension
(``analytics.explain``).

``python -m story`` builds its parser from this module's pieces (``new_parser``, ``common_options``,
``add_deck_command``) and runs it with ``run``: the same flags, checks and exit statuses.

Exit status: 0 on success; 2 for a usage error (bad option, malformed date, start after end, a persona,
segment, region or channel that matches none of the data's), with one line on stderr; 1 when the database
cannot be opened or has no stage model yet.
"""

import argparse
import json
import os
import re
import sys
from datetime import date

PROG = "python -m analytics"


class _Parser(argparse.ArgumentParser):
    """Usage errors as one line on stderr (no usage block), exit status 2."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {message}\n")


def _day(text: str) -> date:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text.strip()):
        raise argparse.ArgumentTypeError(f"invalid date {text!r}: expected YYYY-MM-DD")
    try:
        return date.fromisoformat(text.strip())
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"invalid date {text!r}: {exc}") from None


def _window(text: str):
    value = text.strip().lower()
    if value == "all":
        return "all"
    if not value.isdigit() or int(value) < 1:
        raise argparse.ArgumentTypeError(f"invalid window {text!r}: a number of days ≥ 1, or all")
    return int(value)


def _span(text: str) -> tuple[date, date]:
    """``YYYY-MM-DD..YYYY-MM-DD``: a first and a last day, both inclusive."""
    first, sep, last = text.strip().partition("..")
    if not sep:
        raise argparse.ArgumentTypeError(f"invalid period {text!r}: expected YYYY-MM-DD..YYYY-MM-DD")
    start, end = _day(first), _day(last)
    if start > end:
        raise argparse.ArgumentTypeError(f"invalid period {text!r}: {start} is after {end}")
    return start, end


def new_parser(prog: str, description: str) -> argparse.ArgumentParser:
    """A top-level parser whose usage errors are one line on stderr, exit status 2."""
    return _Parser(prog=prog, description=description)


def common_options() -> argparse.ArgumentParser:
    """The flags every command shares (``--db`` and the filters), as a parent parser."""
    from analytics.filters import CHANNEL_MODES, DIMENSIONS, PERIOD_MODES

    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", metavar="URL",
                        help="database URL (default: $PARCOURS_DB_URL, else duckdb:///data/parcours.duckdb)")
    for d in DIMENSIONS:  # one flag per declared dimension: --persona, --segment, --region, --channel
        common.add_argument(d.flag, action="append", default=[], metavar=d.name[0].upper(), dest=d.name,
                            help=f"follow the customers {d.english.format(values=d.name[0].upper())} (case and "
                                 f"accents ignored; repeated: OR)")
    common.add_argument("--channel-mode", choices=CHANNEL_MODES, default="used",
                        help="used (default): customers with a touchpoint on one of the channels; entered: whose "
                             "first touchpoint is on one of them; only: a lens, keep only those channels' touchpoints "
                             "and feedback")
    common.add_argument("--start", type=_day, metavar="YYYY-MM-DD", help="first day of the period (inclusive)")
    common.add_argument("--end", type=_day, metavar="YYYY-MM-DD", help="last day of the period (inclusive)")
    common.add_argument("--period-mode", choices=PERIOD_MODES, default="cohort",
                        help="cohort (default): customers whose first touchpoint falls in the period, followed after "
                             "it; activity: a lens, only the touchpoints and feedback inside the period")
    common.add_argument("--window", type=_window, metavar="DAYS|all",
                        help="follow each customer this many days from their first touchpoint for the stages up to "
                             "the conversion (later stages: the database's post-conversion window from the "
                             "conversion); all: no window, plain shares at the end of the data (default: the "
                             "database's setting, 90 days unless changed)")
    common.add_argument("--as-of", type=_day, metavar="YYYY-MM-DD", dest="as_of",
                        help="read the data as it stood at the end of that day (default: its last touchpoint)")
    common.add_argument("--measure", choices=("nps", "csat"),
                        help="the satisfaction measure the irritants, the story and the deck read: nps (0-10) or csat "
                             "(1-5) (default: the database's setting; auto: NPS when 30 or more customers gave one, "
                             "else the measure more customers answered)")
    return common


def add_deck_command(sub, common: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """The ``deck`` command (``python -m story deck``, and its alias ``python -m analytics deck``)."""
    deck = sub.add_parser(
        "deck", parents=[common], help="write the story as a PowerPoint deck for the given filters",
        description="Write FILE.pptx: a title slide with the filters and the date range, one slide per view of the "
                    "story (overview, funnel, cross-channel, satisfaction, journey map, irritants, next steps) with "
                    "its chart and its finding in one sentence, and a definitions slide. Repeated options are OR-ed.")
    deck.add_argument("--lang", choices=["fr", "en"], default="fr", help="language of the deck (default: fr)")
    deck.add_argument("--out", required=True, metavar="FILE", help="FILE.pptx")
    return deck


def build_parser() -> argparse.ArgumentParser:
    parser = new_parser(PROG, "Parcours journey analytics.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    common = common_options()
    rep = sub.add_parser("report", parents=[common], help="print the journey report (JSON) for the given filters",
                         description="Print the journey report as JSON. Repeated options are OR-ed.")
    irr = sub.add_parser(
        "irritants", parents=[common], help="print the ranked irritants and points of delight (JSON)",
        description="Print every stage x channel cell where 30 or more customers answered, as JSON, on the chosen "
                    "measure (--measure): irritants (significantly worse than the other responses, customers as the "
                    "unit, Benjamini-Hochberg q < 0.05) by score = customers x points below the overall figure (NPS: "
                    "overall NPS - cell NPS; CSAT: cell - overall dissatisfied share, in points), worst first; then "
                    "neutral cells; then delights, best first. Repeated options are OR-ed.")
    irr.add_argument("--min-customers", "--min-responses", type=int, default=None, metavar="N", dest="min_customers",
                     help="least customers answering in a cell for it to be ranked (default: 30; --min-responses is "
                          "the old name: customers, not answers, are counted)")
    fresh = sub.add_parser(
        "refresh", help="write the per-customer journey facts the metrics read, if the data changed since",
        description="Write the per-customer journey facts (first and last touchpoint per stage, the channel mix's "
                    "clocks) that the metrics read instead of every touchpoint. Every import, undo and forget writes "
                    "them; run this once on a database made by an older Parcours. Nothing is written when they are "
                    "current, unless --force (after rows were edited in place around Parcours).")
    fresh.add_argument("--db", metavar="URL",
                       help="database URL (default: $PARCOURS_DB_URL, else duckdb:///data/parcours.duckdb)")
    fresh.add_argument("--force", action="store_true", help="write them even when they look current")
    exp = sub.add_parser(
        "export", parents=[common], help="write a table (CSV or XLSX) for the given filters",
        description="Write customers, touchpoints or feedback (the kept rows), the funnel or the ranked irritants to "
                    "FILE.csv or FILE.xlsx. Text cells that a spreadsheet would run as formulas get a leading "
                    "apostrophe. Repeated options are OR-ed.")
    exp.add_argument("table", choices=["feedback", "touchpoints", "customers", "funnel", "irritants"])
    exp.add_argument("--out", required=True, metavar="FILE", help="FILE.csv or FILE.xlsx")
    from analytics.explain import BY, EXPLAINED, REPLICATES, SEED

    why = sub.add_parser(
        "explain", parents=[common], help="split a KPI's change between two cohorts into mix and rate (JSON)",
        description="Print, as JSON, the change of a KPI from the customers who first came in the --from period to "
                    "those of the --to period, split by one dimension into mix (more customers of a group that does "
                    "worse) and rate (each group doing worse), Kitagawa's symmetric shift-share; every contribution "
                    "with a 95 % bootstrap interval (customers resampled, fixed seed). Both cohorts' windows must be "
                    "over (or --window all). The other filters choose the customers of both cohorts.")
    why.add_argument("--metric", choices=EXPLAINED, required=True, help="the KPI whose change is split")
    why.add_argument("--by", choices=BY, required=True,
                     help="the dimension that splits it (channel: the entry channel, the first touchpoint's)")
    why.add_argument("--from", type=_span, required=True, dest="before", metavar="YYYY-MM-DD..YYYY-MM-DD",
                     help="the earlier cohort: customers whose first touchpoint falls in these days")
    why.add_argument("--to", type=_span, required=True, dest="after", metavar="YYYY-MM-DD..YYYY-MM-DD",
                     help="the later cohort")
    why.add_argument("--replicates", type=int, default=REPLICATES, metavar="N",
                     help=f"bootstrap replicates (default: {REPLICATES})")
    why.add_argument("--seed", type=int, default=SEED, help=f"the bootstrap's seed (default: {SEED})")
    deck = add_deck_command(sub, common)
    parser.subparsers = {"report": rep, "irritants": irr, "export": exp, "deck": deck, "explain": why}
    return parser


def _resolve(db, sub, args) -> dict[str, tuple[str, ...]]:
    """Each dimension's values as the data spells them (case and accents ignored: ``--region sp`` finds ``SP``; a
    channel's label finds its code); a value that names nothing is a usage error naming the flag, the value and the
    known values."""
    from analytics.dimensions import known_values, matching
    from analytics.filters import DIMENSIONS

    chosen = {}
    for d in DIMENSIONS:
        typed = getattr(args, d.name)
        if not typed:
            chosen[d.field] = ()
            continue
        known, labels = known_values(db, d.column)
        found, unknown = [], []
        for value in dict.fromkeys(typed):
            hits = matching(value, known, labels)
            found.extend(hits) if hits else unknown.append(value)
        if unknown:  # "--region: unknown region xx; known (case and accents ignored): north, south"
            what = "channel code" if d.column is None else d.name
            known_text = ", ".join(known) if known else f"none (no {d.name} in the data yet)"
            sub.error(f"{d.flag}: unknown {what}{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}; "
                      f"known (case and accents ignored): {known_text}")
        chosen[d.field] = tuple(dict.fromkeys(found))
    return chosen


def run(parser: argparse.ArgumentParser, args) -> int:
    """Run a parsed command (``parser.subparsers`` maps each command to its subparser, for its usage errors)."""
    import sqlalchemy as sa

    import data_model as dm
    from analytics.filters import Filters
    from analytics.metrics import NoStageModel, Scope, stage_infos
    from analytics.report import scope_report

    sub = parser.subparsers[args.command]
    if args.command == "deck" and not args.out.lower().endswith(".pptx"):
        sub.error(f"--out {args.out}: the deck is a PowerPoint file; name it FILE.pptx")
    if getattr(args, "min_customers", None) is not None and args.min_customers < 1:
        sub.error(f"--min-customers must be at least 1, not {args.min_customers}")
    if args.command == "explain" and (args.start or args.end):
        sub.error("--start/--end: the two cohorts' periods are --from and --to")
    if args.command == "explain" and args.replicates < 100:
        sub.error(f"--replicates must be at least 100, not {args.replicates}")
    if args.start and args.end and args.start > args.end:
        sub.error(f"--start {args.start} is after --end {args.end}")
    try:
        db = dm.connect(args.db, create=False)
    except dm.DatabaseUnavailable as exc:  # the deck's --lang also says why the database cannot be read
        print(exc.message_in(getattr(args, "lang", "en")), file=sys.stderr)
        return 1
    try:
        try:
            stages = stage_infos(db)
        except NoStageModel as exc:
            if db.read_only:
                print(f"{exc}. A warehouse database needs the Parcours tables: `python -m loaders export-parquet "
                      f"DIR` writes them (README, 'Beyond one machine').", file=sys.stderr)
                return 1
            where = sa.make_url(db.url).render_as_string()  # password hidden
            print(f"{where}: {exc}. Create it with `python -m loaders init` (then import data with "
                  f"`python -m loaders import`), or point --db at a Parcours database.", file=sys.stderr)
            return 1
        filters = Filters(**_resolve(db, sub, args), start=args.start, end=args.end,
                          channel_mode=args.channel_mode, period_mode=args.period_mode, window=args.window,
                          as_of=args.as_of, measure=args.measure)
        if args.command == "export":
            from analytics.exports import ExportError, export

            try:
                n = export(db, args.table, filters, args.out)
            except ExportError as exc:
                sub.error(str(exc))
            except OSError as exc:
                print(f"{args.out}: {exc.strerror or exc}", file=sys.stderr)
                return 1
            print(f"{args.out}: {n:,} rows".replace(",", "\u202f"), file=sys.stderr)
            return 0
        if args.command == "explain":
            from analytics.explain import explain

            result = explain(db, args.metric, args.by, args.before, args.after, filters,
                             replicates=args.replicates, seed=args.seed)
            return _print(result)
        scope = Scope(db, filters, stages)
        if args.command == "deck":
            return _deck(db, filters, scope, args)
        if args.command == "irritants":
            from analytics import irritants, stats

            min_n = args.min_customers if args.min_customers is not None else stats.MIN_N
            result = irritants.ranked_records(irritants.irritants(db, scope=scope, min_n=min_n))
            absent = scope.measure_choice.absent
            if absent:  # said, not hidden: the JSON's "measure" is the one shown
                shown = scope.measure.upper()
                print(f"No {absent.upper()} in this data; {shown} is shown.", file=sys.stderr)
        else:
            result = scope_report(scope)
    finally:
        db.close()
    return _print(result)


def _print(result) -> int:
    """``result`` as JSON on stdout."""
    try:
        print(json.dumps(result, ensure_ascii=False, indent=2))
        sys.stdout.flush()
    except BrokenPipeError:  # e.g. piped into `head`: not an error of ours
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


def _deck(db, filters, scope, args) -> int:
    """``deck``: ``story.deck`` is imported here only, when a deck is written (analytics never loads the story
    layer on its own; ``python -m analytics deck`` stays an alias of ``python -m story deck`` for schedulers)."""
    from analytics.dimensions import dimensions
    from analytics.metrics import customers
    from analytics.queries import runner
    from story.deck import story_deck

    n = customers(db, filters, scope=scope)
    data = story_deck(runner(db, filters, scope), filters, dimensions(db), n, args.lang)
    try:
        with open(args.out, "wb") as out:
            out.write(data)
    except OSError as exc:
        print(f"{args.out}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    print(f"{args.out}: {len(data) // 1024} KB; the story of {n} customers", file=sys.stderr)
    return 0


def _refresh(args) -> int:
    """``refresh``: the stored facts (``analytics.facts``) written when stale."""
    import time

    import data_model as dm
    from analytics import facts

    try:
        db = dm.connect(args.db, create=False)
    except dm.DatabaseUnavailable as exc:
        print(exc.message_in("en"), file=sys.stderr)
        return 1
    try:
        if db.read_only or db.engine is None:
            print("A warehouse database is read-only here: its metrics are computed from its touchpoints.",
                  file=sys.stderr)
            return 1
        started = time.perf_counter()
        wrote = facts.refresh(db, force=args.force)
        if wrote:
            with db.engine.connect() as conn:
                n = conn.exec_driver_sql(f"SELECT count(*) FROM {facts.TABLE}").scalar()
            print(f"{facts.TABLE}: {n:,} customers in {time.perf_counter() - started:.1f} s".replace(",", "\u202f"),
                  file=sys.stderr)
        else:
            print(f"{facts.TABLE}: current, nothing to write", file=sys.stderr)
    finally:
        db.close()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "refresh":
        return _refresh(args)
    if args.command in ("report", "irritants", "export", "deck", "explain"):
        return run(parser, args)
    parser.error(f"unknown command {args.command!r}")  # unreachable: argparse checks choices
    return 2


if __name__ == "__main__":
    import analytics.report  # noqa: F401 - what every command imports, before settling
    from data_model.process import exit_now, settle

    settle()  # a process of its own: its imports leave the garbage collector's rounds
    exit_now(main())
