"""`python -m loaders init|import|identities|suggest|sample|map-type|channel-kind|setting|export-parquet|forget …`

Exit codes: 0 done; 2 bad input (nothing written); 1 the database cannot be opened or is held, or its disk is
full (nothing written).
"""

import argparse
import csv
import sys
import tempfile
from pathlib import Path

from data_model import DatabaseUnavailable, connect, ensure_initialised, initialise, is_initialised
from data_model.engine import DEFAULT_TIMEZONE
from data_model.process import exit_now
from data_model.stages import STAGE_MODELS, StageModelError
from i18n import Texts
from loaders.errors import Message, Quoted, render
from loaders.write import neutralise

MAX_ERRORS_SHOWN = 20


def _err(message: str) -> None:
    print(message, file=sys.stderr)


def _add_db(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", metavar="URL", help="SQLAlchemy URL (default: $PARCOURS_DB_URL, else "
                                               "duckdb:///data/parcours.duckdb)")


def _add_lang(p: argparse.ArgumentParser) -> None:
    p.add_argument("--lang", choices=["en", "fr"], default="en",
                   help="language of the messages: en (default) or fr")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m loaders", description="Create a Parcours database and load data.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("init", help="create the database with a stage model")
    _add_db(p)
    p.add_argument("--stages", metavar="NAME|FILE",
                   help=f"stage model: {', '.join(STAGE_MODELS)}, or a JSON/CSV file (default: default)")
    p.add_argument("--timezone", help="business time zone (default: Europe/Paris)")
    p.add_argument("--pseudonymise", "--pseudonymize", action="store_true",
                   help="store customer IDs as keyed pseudonyms, never as in the CRM (key: $PARCOURS_PSEUDONYM_KEY "
                        "or pseudonym_key in the [privacy] section of .streamlit/secrets.toml)")
    _add_lang(p)

    p = sub.add_parser("import", help="import customers, touchpoints and/or feedback files (all or nothing, or the "
                                      "valid rows with --on-error quarantine), or a source's files through its "
                                      "profile (--profile P.json FILE…)")
    _add_db(p)
    p.add_argument("files", nargs="*", metavar="FILE", help="with --profile: the source's files, matched to the "
                                                           "profile's files by their name patterns")
    p.add_argument("--profile", metavar="P.json", help="a source profile (see the README: Source profiles)")
    p.add_argument("--customers", metavar="FILE")
    p.add_argument("--touchpoints", metavar="FILE")
    p.add_argument("--feedback", metavar="FILE")
    p.add_argument("--links", metavar="FILE", help="identity links (id_a, id_b, kind, source): identifiers of one "
                                                   "person across systems, stitched into one customer; imported as "
                                                   "a batch of its own, before the other files")
    p.add_argument("--errors", metavar="FILE", help="write every error as CSV to FILE")
    p.add_argument("--keep-personal-data", action="store_true",
                   help="keep e-mail addresses, phone numbers, IBANs and card numbers in comments (masked by "
                        "default)")
    p.add_argument("--on-error", choices=["refuse", "quarantine"], default="refuse",
                   help="refuse (default): any invalid row refuses the whole import; quarantine: write the valid "
                        "rows and every invalid one to a rejected file")
    p.add_argument("--rejected", metavar="FILE",
                   help="with --on-error quarantine: where the rejected rows go (default: beside each input, "
                        "<input name>.rejected.csv)")
    p.add_argument("--max-rejected", metavar="N|P%", default="5%",
                   help="with --on-error quarantine: refuse the whole import when a file has more rejected rows "
                        "than this, a count or a share of its rows (default: 5%%)")
    p.add_argument("--empty-channel", metavar="CHANNEL",
                   help="the channel of touchpoints with an empty channel, e.g. unknown (default: an error)")
    p.add_argument("--source", metavar="NAME", dest="source_system",
                   help="the system the touchpoints come from (e.g. crm, web, stores), for rows whose file has no "
                        "source column or an empty one (with --profile: instead of the profile's source)")
    p.add_argument("--dry-run", action="store_true",
                   help="check the files and say what the import would write (counts per touchpoint type, the "
                        "first journeys, unused columns, rejected rows); write nothing")
    _add_lang(p)

    p = sub.add_parser("identities", help="what stitching made of the identity links: identifiers, customers "
                                          "merged, component sizes, suspicious components (held apart)")
    _add_db(p)
    _add_lang(p)

    p = sub.add_parser("suggest", help="write a draft source profile for a source's files: each field's best column, "
                                       "with its evidence, and the columns left unused")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.add_argument("--out", metavar="P.json", help="write the draft there (default: print it)")
    _add_lang(p)

    p = sub.add_parser("sample", help="generate a synthetic company (into the database, or as files with --out)")
    _add_db(p)
    p.add_argument("--customers", type=int, default=2000, metavar="N")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--out", metavar="DIR", help="write export files to DIR instead of the database")
    p.add_argument("--format", choices=["csv", "parquet"], default="csv", help="with --out (default: csv)")
    p.add_argument("--replace", action="store_true", help="empty the database's data first")
    _add_lang(p)

    p = sub.add_parser("map-type", help="map a touchpoint type to a stage (for exports without a stage column)")
    _add_db(p)
    p.add_argument("type")
    p.add_argument("stage")
    _add_lang(p)

    p = sub.add_parser("channel-kind", help="classify a channel as digital or physical, and as a journey channel "
                                            "or an operational one (a carrier, a survey e-mail)")
    _add_db(p)
    p.add_argument("channel")
    p.add_argument("kind", nargs="?", choices=["digital", "physical"])
    role = p.add_mutually_exclusive_group()
    role.add_argument("--operational", dest="operational", action="store_const", const=True, default=None,
                      help="not a journey channel: left out of the channel mix, ROPO/showrooming and transitions")
    role.add_argument("--journey", dest="operational", action="store_const", const=False,
                      help="a journey channel (the default of every channel)")
    _add_lang(p)

    p = sub.add_parser("setting", help="set an analysis setting of the database: window_days (90, or all), "
                                       "post_window_days (365), churn_window_days (365), observed_for_ranking (0.8), "
                                       "measure (auto, nps or csat), currency (EUR; an ISO 4217 code such as "
                                       "BRL, which puts its usual symbol back), currency_symbol (auto, or R$, US$…), "
                                       "max_identity_ids (20)")
    _add_db(p)
    p.add_argument("name", choices=["window_days", "post_window_days", "churn_window_days", "observed_for_ranking",
                                    "measure", "max_identity_ids", "currency", "currency_symbol"])
    p.add_argument("value")
    _add_lang(p)

    p = sub.add_parser("export-parquet", help="write the tables the analytics read as DIR/<table>.parquet "
                                              "(for spark+parquet:///DIR or a warehouse)")
    _add_db(p)
    p.add_argument("dir", metavar="DIR")
    _add_lang(p)

    p = sub.add_parser("forget", help="delete customers with all their touchpoints and feedback (one transaction); "
                                      "later imports skip their rows")
    _add_db(p)
    p.add_argument("ids", nargs="*", metavar="CUSTOMER_ID", help="as in the import files")
    p.add_argument("--file", metavar="FILE", help="more customer IDs, one per line")
    _add_lang(p)
    return parser


def main(argv: list[str] | None = None) -> int:
    from data_model.engine import database_url, is_warehouse_url

    args = build_parser().parse_args(argv)
    tx = Texts(args.lang)
    if args.command not in ("export-parquet", "suggest") and is_warehouse_url(args.db):
        _err(tx.t("db.read_only_url", scheme=database_url(args.db).split("://")[0], reason=tx.t("db.read_only")))
        return 1
    try:
        return COMMANDS[args.command](args)
    except DatabaseUnavailable as exc:  # held by another process, out of reach, read-only: in the reader's language
        _err(exc.message_in(args.lang))
        return 1


def cmd_init(args) -> int:
    from loaders import privacy

    key = None
    if args.pseudonymise:
        try:  # before anything is created: a database is never made without the key it needs
            key = privacy.required_key()
        except privacy.PrivacyError as exc:
            _err(exc.message_in(args.lang))
            return 2
    db = connect(args.db)
    try:
        if is_initialised(db):
            if args.pseudonymise and args.stages is None and args.timezone is None:
                return _pseudonymise_existing(db, key, args.lang)
            _err(Message("load.cli.has_model").render(args.lang))
            return 2
        stages = args.stages or "default"
        try:
            initialise(db, stages, timezone=args.timezone or DEFAULT_TIMEZONE,
                       settings=privacy.pseudonym_settings(key) if key else None)
        except StageModelError as exc:
            _err(exc.message_in(args.lang))
            return 2
        print(Message("load.cli.created", url=db.url, stages=Quoted(stages)).render(args.lang))
        if key:
            print(Message("load.cli.pseudonyms", source=key.source).render(args.lang))
        return 0
    finally:
        db.close()


def _pseudonymise_existing(db, key, lang: str = "en") -> int:
    from loaders import privacy

    try:
        changed = privacy.enable_pseudonyms(db, key)
    except privacy.PrivacyError as exc:
        _err(exc.message_in(lang))
        return 2
    if changed:
        print(Message("load.cli.pseudonyms_now", url=db.url, source=key.source).render(lang))
    else:
        print(Message("load.cli.pseudonyms_already", url=db.url).render(lang))
    return 0


def cmd_import(args) -> int:
    from loaders.errors import InputErrors
    from loaders.privacy import PrivacyError
    from loaders.profile import ProfileError, load_profile, run_profile_import
    from loaders.quarantine import MaxRejected, check_channel_name, check_source_name
    from loaders.write import DiskFull, run_import

    files = {"customers": args.customers, "touchpoints": args.touchpoints, "feedback": args.feedback}
    if args.links:
        code = _import_links(args)
        if code or not (any(files.values()) or args.profile):
            return code
    if bool(args.profile) != bool(args.files) or (args.profile and any(files.values())):
        _err(Message("load.cli.profile_and_files").render(args.lang))
        return 2
    if args.profile and args.on_error != "refuse":
        _err(Message("load.cli.profile_refuse_only").render(args.lang))
        return 2
    try:
        limit = MaxRejected.parse(args.max_rejected)
        check_channel_name(args.empty_channel)
        check_source_name(args.source_system)
    except ValueError as exc:
        _err(render(exc.args[0], args.lang))
        return 2
    try:
        profile = load_profile(args.profile) if args.profile else None
    except ProfileError as exc:
        _err(exc.message_in(args.lang))
        return 2
    if args.dry_run:
        return _dry_run(args, files, limit, profile)
    db = connect(args.db)
    try:
        if profile is not None:
            summary = run_profile_import(db, profile, args.files, keep_personal_data=args.keep_personal_data,
                                         empty_channel=args.empty_channel, source_system=args.source_system,
                                         progress=_progress_for(dict(enumerate(args.files)), args.lang))
        else:
            summary = run_import(db, files, progress=_progress_for(files, args.lang),
                                 keep_personal_data=args.keep_personal_data, on_error=args.on_error,
                                 max_rejected=limit, empty_channel=args.empty_channel, rejected_file=args.rejected,
                                 lang=args.lang, source_system=args.source_system)
    except ProfileError as exc:
        _err(exc.message_in(args.lang))
        return 2
    except InputErrors as exc:
        report_errors(exc.errors, args.errors, args.lang)
        return 2
    except PrivacyError as exc:
        _err(Texts(args.lang).t("load.refused", reason=exc.message_in(args.lang)))
        return 2
    except DiskFull as exc:  # not the input's fault: exit 1, like a database that cannot be opened
        _err(render(exc.message, args.lang))
        return 1
    finally:
        db.close()
    print("\n".join(summary.lines(args.lang)))
    return 0


def _dry_run(args, files: dict, limit, profile=None) -> int:
    """What the import would do, nothing written: exit 0 when it would go in, 2 when it would be refused."""
    from loaders.errors import InputErrors
    from loaders.plan import dry_run, profile_dry_run
    from loaders.privacy import PrivacyError
    from loaders.profile import ProfileError

    db = connect(args.db)
    try:
        if profile is not None:
            plan = profile_dry_run(db, profile, args.files, keep_personal_data=args.keep_personal_data,
                                   empty_channel=args.empty_channel, source_system=args.source_system)
        else:
            plan = dry_run(db, files, keep_personal_data=args.keep_personal_data, on_error=args.on_error,
                           max_rejected=limit, empty_channel=args.empty_channel, source_system=args.source_system)
    except ProfileError as exc:
        _err(exc.message_in(args.lang))
        return 2
    except InputErrors as exc:
        _err(Texts(args.lang).t("load.dry.refused"))
        report_errors(exc.errors, args.errors, args.lang)
        return 2
    except PrivacyError as exc:
        _err(Texts(args.lang).t("load.refused", reason=exc.message_in(args.lang)))
        return 2
    finally:
        db.close()
    print("\n".join(plan.lines(args.lang)))
    return 0


def report_errors(errors, errors_file: str | None, lang: str = "en") -> None:
    """The first errors on stderr, with the total; all of them as CSV with --errors (headers and reasons in
    ``lang``, positions and values as in the files)."""
    from loaders.errors import row_header

    tx = Texts(lang)
    _err(tx.t("load.refused_count", n=len(errors)))
    for e in errors[:MAX_ERRORS_SHOWN]:
        _err(f"  {e.text_in(lang)}")
    if len(errors) > MAX_ERRORS_SHOWN:
        _err("  " + tx.t("load.more_errors", n=len(errors) - MAX_ERRORS_SHOWN)
             + ("" if errors_file else tx.t("load.errors_hint")))
    if errors_file:
        with open(errors_file, "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(row_header(lang) if lang != "en" else ["file", "line", "column", "value", "reason"])
            w.writerows([neutralise(x) for x in e.as_row(lang)] for e in errors)
        _err(tx.t("load.errors_written", file=errors_file))


def _progress_for(files, lang: str = "en") -> callable:
    big = any(f and Path(f).is_file() and Path(f).stat().st_size > 20_000_000 for f in files.values())
    return (lambda msg: _err(render(msg, lang))) if big else None


def _import_links(args) -> int:
    from loaders.errors import InputErrors
    from loaders.identities import import_links

    db = connect(args.db)
    try:
        done = import_links(db, args.links, keep_personal_data=args.keep_personal_data)
    except InputErrors as exc:
        report_errors(exc.errors, args.errors, args.lang)
        return 2
    finally:
        db.close()
    print(Texts(args.lang).t("load.links.done", batch=done["batch_id"], links=done["links"], hashed=done["hashed"],
                             merged=done["merged_customers"], touchpoints=done["moved_touchpoints"],
                             feedback=done["moved_feedback"], held=len(done["held"])))
    return 0


def cmd_identities(args) -> int:
    from loaders.identities import report

    db = connect(args.db, create=False)
    try:
        done = report(db)
    finally:
        db.close()
    tx = Texts(args.lang)
    print(tx.t("load.links.report", links=done["links"], identifiers=done["identifiers"],
               customers=done["customers"], merged=done["merged"]))
    print("  " + tx.t("load.links.sizes") + " " + ", ".join(f"{k}: {v}" for k, v in done["sizes"].items()))
    for held in done["held"]:
        print("  " + tx.t("load.links.held", size=held["size"], first=", ".join(held["first"])))
    return 0


def cmd_suggest(args) -> int:
    from loaders.errors import InputErrors
    from loaders.profile import dumps
    from loaders.suggest import suggest

    try:
        draft = suggest(args.files)
    except InputErrors as exc:
        report_errors(exc.errors, None, args.lang)
        return 2
    except OSError as exc:
        _err(str(exc))
        return 2
    text = dumps(draft.profile)
    if args.out:
        Path(args.out).write_text(text, encoding="utf-8")
        _err(Texts(args.lang).t("load.suggest.written", file=args.out))
    else:
        print(text, end="")
    for line in draft.evidence:
        _err("  " + line)
    for role, columns in draft.unused.items():
        if columns:
            _err("  " + Texts(args.lang).t("load.suggest.unused", role=role, columns=", ".join(columns)))
    return 0


def cmd_sample(args) -> int:
    from loaders import sample
    from loaders.errors import InputErrors
    from loaders.write import DiskFull, clear_data, has_data, run_import

    if args.customers < 1:
        _err(Message("load.cli.sample_size").render(args.lang))
        return 2
    frames = sample.generate(args.customers, seed=args.seed)
    if args.out:
        sample.write_export(frames, args.out, fmt=args.format)
        print(Message("load.cli.sample_written", n=args.customers, out=args.out).render(args.lang))
        return 0
    db = connect(args.db)
    try:
        ensure_initialised(db)
        if has_data(db):
            if not args.replace:
                _err(Message("load.cli.sample_not_empty").render(args.lang))
                return 2
            clear_data(db)
        with tempfile.TemporaryDirectory() as tmp:
            sample.write_export(frames, tmp, fmt="parquet")
            files = {k: Path(tmp) / f"{k}.parquet" for k in ("customers", "touchpoints", "feedback")}
            try:
                summary = run_import(db, files, source="sample")
            except InputErrors as exc:  # the generator's output must always import: this is a bug
                report_errors(exc.errors, None, args.lang)
                return 2
            except DiskFull as exc:
                _err(render(exc.message, args.lang))
                return 1
    finally:
        db.close()
    print("\n".join(summary.lines(args.lang)))
    return 0


def cmd_map_type(args) -> int:
    from loaders.settings import SettingError, set_type_stage

    db = connect(args.db)
    try:
        ensure_initialised(db)
        code = set_type_stage(db, args.type, args.stage)
    except SettingError as exc:
        _err(exc.message_in(args.lang))
        return 2
    finally:
        db.close()
    print(Message("load.cli.mapped", type=Quoted(code), stage=Quoted(args.stage)).render(args.lang))
    return 0


def cmd_setting(args) -> int:
    from analytics.settings import stored_value
    from loaders.settings import SettingError, set_analysis_setting

    db = connect(args.db)
    try:
        ensure_initialised(db)
        value = set_analysis_setting(db, args.name, args.value)
    except SettingError as exc:
        _err(exc.message_in(args.lang))
        return 2
    finally:
        db.close()
    print(Message("load.cli.setting_set", name=Quoted(args.name), value=stored_value(args.name, value))
          .render(args.lang))
    return 0


def cmd_channel_kind(args) -> int:
    from loaders.settings import SettingError, set_channel_kind

    db = connect(args.db)
    try:
        if not is_initialised(db):
            _err(Message("load.setting.no_channel", channel=Quoted(args.channel)).render(args.lang))
            return 2
        code = set_channel_kind(db, args.channel, args.kind, args.operational)
    except SettingError as exc:
        _err(exc.message_in(args.lang))
        return 2
    finally:
        db.close()
    if args.kind is not None:
        print(Message("load.cli.kind_set", channel=Quoted(code), kind=Message(f"load.cli.kind.{args.kind}"))
              .render(args.lang))
    if args.operational is not None:
        role = "operational" if args.operational else "journey"
        print(Message(f"load.cli.role_set.{role}", channel=Quoted(code)).render(args.lang))
    return 0


def cmd_export_parquet(args) -> int:
    from loaders.export import export_parquet

    tx = Texts(args.lang)
    db = connect(args.db, create=False)
    try:
        if not is_initialised(db):
            _err(tx.t("db.export.none", url=db.url))
            return 1
        done = export_parquet(db, args.dir)
    except OSError as exc:
        _err(tx.t("db.export.cannot_write", folder=args.dir, reason=exc))
        return 1
    finally:
        db.close()
    for t in done:
        print(tx.t("db.export.table", table=t.table, rows=tx.number(t.rows), path=t.path))
    return 0


def cmd_forget(args) -> int:
    from loaders.privacy import PrivacyError, forget

    ids = list(args.ids)
    if args.file:
        try:
            ids += Path(args.file).read_text(encoding="utf-8-sig").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            _err(Message("load.key.unreadable", path=args.file, why=exc).render(args.lang))
            return 2
    if not any(i.strip() for i in ids):
        _err(Message("load.cli.forget_ids").render(args.lang))
        return 2
    db = connect(args.db, create=False)
    try:
        result = forget(db, ids, source="cli")
    except PrivacyError as exc:
        _err(exc.message_in(args.lang))
        return 2
    finally:
        db.close()
    print("\n".join(result.lines(args.lang)))
    return 0


COMMANDS = {"init": cmd_init, "import": cmd_import, "identities": cmd_identities, "suggest": cmd_suggest,
            "sample": cmd_sample,
            "map-type": cmd_map_type, "channel-kind": cmd_channel_kind, "setting": cmd_setting,
            "export-parquet": cmd_export_parquet, "forget": cmd_forget}

if __name__ == "__main__":
    exit_now(main())
