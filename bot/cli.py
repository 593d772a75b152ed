"""The ``sscn`` command line: knowledge base, classify, ledger, console and channels."""

from __future__ import annotations

import argparse
import importlib
import json
import logging
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from bot.agents import ROLES
from bot.config import Settings, SettingsError
from bot.reports import REPORT_CHANNELS
from bot.services import Services

Handler = Callable[[argparse.Namespace, Services], int]


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``sscn`` script; returns the exit status."""
    try:
        services = Services(Settings.from_env())
    except SettingsError as error:
        print(f"sscn: {error}", file=sys.stderr)
        return 2
    parser = _parser(services.settings)
    args = parser.parse_args(argv)
    if not hasattr(args, "handler"):
        parser.print_help()
        return 2
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    os.umask(0o077)  # databases, outbox files, reports and logs: for the service user only
    return args.handler(args, services)


def _parser(settings: Settings) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sscn", description="SSCN Helpdesk tools")
    commands = parser.add_subparsers(title="commands")

    kb = commands.add_parser("kb", help="knowledge-base tools").add_subparsers(title="kb")
    check = kb.add_parser("check", help="validate the knowledge-base files")
    check.add_argument("--dir", type=Path, default=settings.kb_dir)
    check.set_defaults(handler=_kb_check)
    export = kb.add_parser("export-nlu", help="write the phrasings as Rasa NLU training data")
    export.add_argument("out", type=Path, help="the YAML file to write")
    export.add_argument("--dir", type=Path, default=settings.kb_dir)
    export.add_argument("--nlu", type=Path, default=settings.nlu_dir, help="hand-written data")
    export.set_defaults(handler=_kb_export_nlu)
    suggestions = kb.add_parser(
        "suggestions", help="group what went unanswered into FAQ suggestions (last 7 days)"
    )
    suggestions.add_argument("--from", dest="first_day", type=_day, help="YYYY-MM-DD")
    suggestions.add_argument("--to", dest="last_day", type=_day, help="YYYY-MM-DD (today)")
    suggestions.add_argument("--json", action="store_true", help="JSON for machines")
    suggestions.set_defaults(handler=_kb_suggestions)
    history = kb.add_parser("history", help="changes of the knowledge base, newest first")
    history.add_argument("entry", nargs="?", help="one entry's id (default: every entry)")
    history.add_argument("--limit", type=int, default=20)
    history.add_argument("--diff", action="store_true", help="print each change's diff")
    history.set_defaults(handler=_kb_history)

    db = commands.add_parser("db", help="ledger database").add_subparsers(title="db")
    db_upgrade = db.add_parser("upgrade", help="apply migrations (SSCN_DATABASE_URL)")
    db_upgrade.add_argument("--url", help="database URL (default: SSCN_DATABASE_URL or var/)")
    db_upgrade.set_defaults(handler=_db_upgrade)

    cases = commands.add_parser("cases", help="complaint ledger").add_subparsers(title="cases")
    listing = cases.add_parser("list", help="cases by SLA due date")
    listing.add_argument("--status")
    listing.add_argument("--topic")
    listing.add_argument("--breached", action="store_true", help="only cases past their SLA")
    listing.set_defaults(handler=_cases_list)
    show = cases.add_parser("show", help="one case with its events")
    show.add_argument("ticket")
    show.add_argument("--json", action="store_true")
    show.set_defaults(handler=_cases_show)
    set_status = cases.add_parser("set-status", help="move a case along its lifecycle")
    set_status.add_argument("ticket")
    set_status.add_argument("status")
    set_status.add_argument("--actor", required=True, help="who does it (recorded)")
    set_status.add_argument("--reason")
    set_status.set_defaults(handler=_cases_set_status)
    assign = cases.add_parser("assign", help="forward a case to a unit")
    assign.add_argument("ticket")
    assign.add_argument("unit", help="unit code, e.g. DIT_PENGADAAN")
    assign.add_argument("--actor", required=True)
    assign.set_defaults(handler=_cases_assign)

    outbox = commands.add_parser(
        "outbox", help="filings waiting for the ledger database"
    ).add_subparsers(title="outbox")
    outbox_list = outbox.add_parser("list", help="waiting filings, oldest first")
    outbox_list.set_defaults(handler=_outbox_list)
    drain = outbox.add_parser("drain", help="file every waiting filing now")
    drain.set_defaults(handler=_outbox_drain)

    agents = commands.add_parser("agents", help="console accounts").add_subparsers(title="agents")
    add_agent = agents.add_parser("add", help="create an account (password asked, or stdin)")
    add_agent.add_argument("username")
    add_agent.add_argument("--role", choices=ROLES, required=True)
    add_agent.add_argument("--name", help="display name (default: the username)")
    add_agent.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    add_agent.set_defaults(handler=_agents_add)
    list_agents = agents.add_parser("list", help="accounts and their roles")
    list_agents.set_defaults(handler=_agents_list)
    for verb in ("disable", "enable"):
        toggle = agents.add_parser(verb, help=f"{verb} an account")
        toggle.add_argument("username")
        toggle.set_defaults(handler=_agents_toggle, active=verb == "enable")

    report = commands.add_parser("report", help="figures for Humas and management")
    report.add_argument("--from", dest="first_day", required=True, type=_day, help="YYYY-MM-DD")
    report.add_argument("--to", dest="last_day", required=True, type=_day, help="YYYY-MM-DD")
    report.add_argument("--channel", choices=REPORT_CHANNELS)
    report.add_argument("--format", choices=("text", "csv", "json", "html"), default="text")
    report.add_argument("--out", type=Path, help="write report.<format> into this directory")
    report.set_defaults(handler=_report)

    demo = commands.add_parser("demo-data", help="fill the database with a synthetic season")
    demo.add_argument("--season", type=int, default=2019)
    demo.add_argument("--days", type=int, default=30)
    demo.add_argument("--scale", type=float, default=1.0, help="1.0: the 2019 volumes")
    demo.add_argument("--seed", type=int, default=2019)
    demo.set_defaults(handler=_demo_data)

    twitter = commands.add_parser("twitter", help="X (Twitter) mentions").add_subparsers(
        title="twitter"
    )
    twitter_poll = twitter.add_parser("poll", help="answer mentions through the local Rasa")
    twitter_poll.add_argument("--once", action="store_true", help="one round, then exit")
    twitter_poll.set_defaults(handler=_lazy("channels.twitter.cli", "poll"))

    console = commands.add_parser("console", help="serve the agents' console")
    console.add_argument(
        "--host",
        default=settings.console_host,
        help="default: %(default)s",
    )
    console.add_argument(
        "--port", type=int, help=f"default: SSCN_CONSOLE_PORT ({settings.console_port})"
    )
    console.set_defaults(handler=_lazy("console.server", "serve"))

    telegram = commands.add_parser("telegram", help="Telegram bot").add_subparsers(title="telegram")
    needs = "needs TELEGRAM_TOKEN and TELEGRAM_WEBHOOK_SECRET"
    set_webhook = telegram.add_parser("set-webhook", help=f"register the webhook; {needs}")
    set_webhook.add_argument("url", help="public https URL ending in /webhooks/telegram/webhook")
    set_webhook.set_defaults(handler=_lazy("channels.telegram.cli", "set_webhook"))
    delete = telegram.add_parser("delete-webhook", help="unregister the webhook")
    delete.set_defaults(handler=_lazy("channels.telegram.cli", "delete_webhook"))
    poll = telegram.add_parser("poll", help=f"long polling into the local Rasa; {needs}")
    poll.add_argument("--once", action="store_true", help="one batch, then exit")
    poll.set_defaults(handler=_lazy("channels.telegram.cli", "poll"))

    daily = commands.add_parser(
        "daily", help="run the daily jobs (FAQ suggestions, privacy purge) at SSCN_DAILY_AT"
    )
    daily.add_argument("--once", action="store_true", help="run what is due now, then exit")
    daily.set_defaults(handler=_daily)

    privacy = commands.add_parser(
        "privacy", help="retention and erasure of applicants' data (UU 27/2022)"
    ).add_subparsers(title="privacy")
    purge = privacy.add_parser("purge", help="anonymise what is past its retention (daily)")
    purge.add_argument("--dry-run", action="store_true", help="count only, change nothing")
    purge.set_defaults(handler=_privacy_purge)
    erase = privacy.add_parser("erase", help="erase one applicant's data on request")
    erase.add_argument("--channel", required=True, choices=REPORT_CHANNELS)
    erase.add_argument("--user", required=True, help="platform id or conversation id")
    erase.add_argument("--by", default="operator", help="who handles the request (audited)")
    erase.add_argument("--reason", default="", help="e.g. the request's reference (audited)")
    erase.set_defaults(handler=_privacy_erase)

    broadcast = commands.add_parser(
        "broadcast", help="announcements to Telegram subscribers"
    ).add_subparsers(title="broadcast")
    broadcast_list = broadcast.add_parser("list", help="announcements, newest first")
    broadcast_list.set_defaults(handler=_lazy("channels.telegram.broadcast_cli", "list_broadcasts"))
    broadcast_show = broadcast.add_parser("show", help="one announcement: progress and errors")
    broadcast_show.add_argument("id", type=int)
    broadcast_show.set_defaults(handler=_lazy("channels.telegram.broadcast_cli", "show"))
    resume = broadcast.add_parser(
        "resume", help="send an announcement in the foreground (after a crash, no console)"
    )
    resume.add_argument("id", type=int)
    resume.set_defaults(handler=_lazy("channels.telegram.broadcast_cli", "resume"))

    classify = commands.add_parser(
        "classify", help="classify messages (one per line) as JSON lines"
    )
    classify.add_argument("--file", type=Path, help="read from this file instead of stdin")
    classify.add_argument("--model", type=Path, help="Rasa model (default: newest in models/)")
    classify.set_defaults(handler=_classify)
    return parser


def _daily(args: argparse.Namespace, services: Services) -> int:
    import signal
    import threading

    from bot.daily import runner_for

    logging.getLogger("bot.daily").setLevel(logging.INFO)
    runner = runner_for(services)
    if args.once:
        runs = runner.run_due()
        for run in runs:
            print(f"{run.job}: {'ok' if run.ok else 'FAILED'}: {run.summary}")
        if not runs:
            print("nothing due (each job has run for its day)")
        return 0 if all(run.ok for run in runs) else 1
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    at = services.settings.daily_at.strftime("%H:%M")
    names = ", ".join(job.name for job in runner.jobs)
    print(f"sscn daily: {names}, every day at {at}", flush=True)
    runner.forever(stop)
    return 0


def _day(value: str):  # -> datetime.date
    import datetime as dt

    try:
        return dt.date.fromisoformat(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {value!r}") from error


def _report(args: argparse.Namespace, services: Services) -> int:
    from bot.kb.loader import load_directory
    from bot.reports.figures import Period, build_report
    from bot.reports.render import as_csv, as_html, as_json, as_text

    try:
        period = Period(args.first_day, args.last_day)
    except ValueError as error:
        print(f"sscn report: {error}", file=sys.stderr)
        return 2
    entries = load_directory(services.settings.kb_dir).entries  # stages of the entries
    report = build_report(
        services.ledger,
        services.sessions,
        period,
        args.channel,
        services.seasons.current(),
        entries,
    )
    render = {"text": as_text, "csv": as_csv, "json": as_json, "html": as_html}[args.format]
    text = render(report)
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
        target = args.out / f"report.{'txt' if args.format == 'text' else args.format}"
        target.write_text(text, encoding="utf-8")
        print(f"written: {target}")
    else:
        sys.stdout.write(text)
    return 0


def _demo_data(args: argparse.Namespace, services: Services) -> int:
    from bot.ledger.messages import MessageLog
    from bot.ledger.service import Ledger
    from bot.reports.demo import Clock, generate

    sessions = services.sessions
    clock = Clock()
    try:
        summary = generate(
            Ledger(sessions, services.cipher, services.calendar, clock=clock),
            MessageLog(sessions, clock=clock),
            clock,
            args.season,
            args.days,
            args.scale,
            args.seed,
        )
    except ValueError as error:
        print(f"sscn demo-data: {error}", file=sys.stderr)
        return 2
    print(
        f"{summary.conversations} conversations, {summary.cases} cases "
        f"({summary.resolved} resolved, {summary.rated} rated)"
    )
    return 0


def _lazy(module: str, function: str) -> Handler:
    """A handler importing its module only when run (channel modules import Rasa)."""

    def handler(args: argparse.Namespace, services: Services) -> int:
        return getattr(importlib.import_module(module), function)(args, services)

    return handler


def _agents_add(args: argparse.Namespace, services: Services) -> int:
    import getpass

    from bot.agents import AccountError

    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass("Password: ")
        if password != getpass.getpass("Again: "):
            print("sscn agents add: the passwords differ", file=sys.stderr)
            return 2
    try:
        agent = services.agents.add(args.username, args.name or args.username, args.role, password)
    except AccountError as error:
        print(f"sscn agents add: {error}", file=sys.stderr)
        return 2
    print(f"{agent.username} ({agent.role}) added")
    return 0


def _agents_list(args: argparse.Namespace, services: Services) -> int:
    for agent in services.agents.list():
        state = "" if agent.active else "  (disabled)"
        print(f"{agent.username:20s} {agent.role:10s} {agent.display_name}{state}")
    return 0


def _agents_toggle(args: argparse.Namespace, services: Services) -> int:
    from bot.agents import AccountError

    try:
        services.agents.set_active(args.username, args.active)
    except AccountError as error:
        print(f"sscn agents: {error}", file=sys.stderr)
        return 2
    print(f"{args.username} {'enabled' if args.active else 'disabled'}")
    return 0


def _kb_check(args: argparse.Namespace, services: Services) -> int:
    from bot.kb.check import check_directory

    if not args.dir.is_dir():
        print(f"{args.dir}: not a directory", file=sys.stderr)
        return 2
    problems = check_directory(args.dir)
    for problem in problems:
        print(f"ERROR {problem}")
    if problems:
        print(f"{len(problems)} problem(s) in {args.dir}", file=sys.stderr)
        return 1
    print(f"knowledge base OK: {args.dir} ({_kb_summary(args.dir)})")
    return 0


def _kb_export_nlu(args: argparse.Namespace, services: Services) -> int:
    from bot.kb.nlu_export import export_directory

    try:
        by_intent = export_directory(args.dir, args.nlu, args.out)
    except ValueError as problems:
        print(f"ERROR {problems}", file=sys.stderr)
        return 1
    counts = ", ".join(f"{intent} {len(texts)}" for intent, texts in by_intent.items())
    print(f"wrote {args.out} ({counts})")
    return 0


def _kb_suggestions(args: argparse.Namespace, services: Services) -> int:
    import datetime as dt

    from bot.kb.suggestions import DEFAULT_DAYS, SuggestionError, as_dict, describe

    last_day = args.last_day or services.settings.today()
    try:
        first_day = args.first_day or last_day - dt.timedelta(days=DEFAULT_DAYS - 1)
        suggestions = services.suggestions.refresh(first_day, last_day)
    except (OverflowError, SuggestionError) as error:
        message = "Periode tidak valid." if isinstance(error, OverflowError) else error
        print(f"sscn kb suggestions: {message}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps([as_dict(s) for s in suggestions], ensure_ascii=False, indent=2))
        return 0
    print(f"Saran FAQ {first_day.isoformat()} s.d. {last_day.isoformat()}: {len(suggestions)}")
    for suggestion in suggestions:
        print()
        print(describe(suggestion))
    return 0


def _kb_history(args: argparse.Namespace, services: Services) -> int:
    """Record an edit made to the files since the last look, then list the changes."""
    from bot.kb.loader import load_directory

    loaded = load_directory(services.settings.kb_dir)
    if not loaded.problems:
        services.kb_history.observe(loaded, services.settings.kb_dir)
    limit = max(1, min(args.limit, 1000))
    history = services.kb_history
    records = history.for_entry(args.entry, limit) if args.entry else history.recent(limit)
    for record in records:
        who = "diubah di luar konsol" if record.outside else f"oleh {record.actor}"
        at = record.at.astimezone(services.settings.timezone).strftime("%Y-%m-%d %H:%M")
        print(f"{at}  {record.entry_id} ({record.file}) {record.kind}, {who}")
        if args.diff:
            print(record.diff, end="\n\n")
    if not records:
        print("no recorded changes")
    return 0


def _kb_summary(directory: Path) -> str:
    """Entries, files and entries per program, e.g. for ``sscn kb check``."""
    from bot.kb.loader import load_directory
    from bot.kb.schema import PROGRAMS

    entries = load_directory(directory).entries
    files = len({entry.source_file for entry in entries})
    per_program = ", ".join(
        f"{program} {sum(program in entry.programs for entry in entries)}"
        for program in sorted(PROGRAMS)
    )
    return f"{len(entries)} entries in {files} files; {per_program}"


def _db_upgrade(args: argparse.Namespace, services: Services) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from bot.ledger.db import DEFAULT_URL
    from bot.ledger.migrate import upgrade

    try:
        upgrade(args.url or services.settings.database_url or DEFAULT_URL)
    except SQLAlchemyError as error:
        print(f"sscn db upgrade: {error}", file=sys.stderr)
        return 1
    print("ledger database is up to date")
    return 0


def _outbox_list(args: argparse.Namespace, services: Services) -> int:
    outbox = services.outbox
    keys = outbox.keys()
    for key in keys:
        item = outbox.load(key)
        print(f"{key}  {item.channel:9s} {item.kind:20s} {item.summary[:60]}")
    print(f"{len(keys)} waiting filing(s) in {outbox.directory}", file=sys.stderr)
    return 0


def _outbox_drain(args: argparse.Namespace, services: Services) -> int:
    filed = services.outbox.drain(services.ledger)
    for result in filed:
        print(f"{result.case.ticket}{'' if result.created else ' (already filed)'}")
    waiting = len(services.outbox.keys())
    print(f"{len(filed)} filed, {waiting} still waiting", file=sys.stderr)
    return 1 if waiting else 0


def _cases_list(args: argparse.Namespace, services: Services) -> int:
    from bot.ledger.views import case_row

    ledger = services.ledger
    cases = ledger.list_cases(args.status, args.topic, args.breached)
    for case in cases:
        print(case_row(case, ledger))
    print(f"{len(cases)} case(s)", file=sys.stderr)
    return 0


def _cases_show(args: argparse.Namespace, services: Services) -> int:
    from bot.ledger.service import UnknownCase
    from bot.ledger.views import case_as_dict

    ledger = services.ledger
    try:
        data = case_as_dict(ledger.get(args.ticket), ledger)
    except UnknownCase:
        print(f"no case {args.ticket}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        for key, value in data.items():
            if key != "events":
                print(f"{key:14s} {value}")
        for event in data["events"]:
            print(
                f"  {event['at']}  {event['actor']:16s} {event['type']:12s} "
                f"{event['old'] or ''} -> {event['new'] or ''}"
            )
    return 0


def _cases_set_status(args: argparse.Namespace, services: Services) -> int:
    from bot.ledger.lifecycle import IllegalTransition, Status
    from bot.ledger.service import UnknownCase

    try:
        status = Status(args.status)
        services.ledger.set_status(args.ticket, status, args.actor, args.reason)
    except ValueError as error:  # unknown status or IllegalTransition
        known = ", ".join(s.value for s in Status)
        hint = "" if isinstance(error, IllegalTransition) else f" (known: {known})"
        print(f"sscn cases set-status: {error}{hint}", file=sys.stderr)
        return 1
    except UnknownCase:
        print(f"no case {args.ticket}", file=sys.stderr)
        return 1
    print(f"{args.ticket}: {status.value}")
    return 0


def _cases_assign(args: argparse.Namespace, services: Services) -> int:
    from bot.ledger.service import UnknownCase

    try:
        case = services.ledger.assign(args.ticket, args.unit, args.actor)
    except UnknownCase:
        print(f"no case {args.ticket}", file=sys.stderr)
        return 1
    except ValueError as error:
        print(f"sscn cases assign: {error}", file=sys.stderr)
        return 1
    print(f"{case.ticket}: assigned to {case.unit.name}")
    return 0


def _privacy_purge(args: argparse.Namespace, services: Services) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from bot.retention import purge

    try:
        result = purge(services, dry_run=args.dry_run)
    except (SQLAlchemyError, ValueError) as error:
        print(f"sscn privacy purge: {error}", file=sys.stderr)
        return 1
    verb = "would anonymise" if result.dry_run else "anonymised"
    for store, count in result.counts.items():
        print(f"{store:16s} {'?' if count is None else count}")
    print(f"{verb} {result.total} row(s) older than their retention", file=sys.stderr)
    return 0


def _privacy_erase(args: argparse.Namespace, services: Services) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from bot.erasure import ErasureRefused, erase

    try:
        result = erase(services, args.channel, args.user, args.by, args.reason)
    except ErasureRefused as error:
        print(f"sscn privacy erase: {error}", file=sys.stderr)
        return 2
    except SQLAlchemyError as error:
        print(f"sscn privacy erase: {error}", file=sys.stderr)
        return 1
    for store, count in result.counts.items():
        print(f"{store:16s} {count}")
    tickets = ", ".join(result.tickets) or "no case"
    print(f"erased ({tickets}); audit subject {result.subject_hash}", file=sys.stderr)
    return 0


def _classify(args: argparse.Namespace, services: Services) -> int:
    from bot.classify import MessageClassifier
    from bot.rasa_nlu import RasaIntentParser, latest_model

    try:
        model = args.model or latest_model(services.settings.models_dir)
        lines = _read_lines(args.file)
    except (FileNotFoundError, OSError, UnicodeDecodeError) as error:
        print(f"sscn classify: {error}", file=sys.stderr)
        return 2
    classifier = MessageClassifier(
        RasaIntentParser(model), services.knowledge_base, services.topics, services.seasons
    )
    for line in lines:
        result = classifier.classify(line)
        if result is not None:
            print(json.dumps(result.as_dict(), ensure_ascii=False), flush=True)
    return 0


def _read_lines(path: Path | None) -> Iterable[str]:
    if path is None:
        return (line.rstrip("\n") for line in sys.stdin)
    return path.read_text(encoding="utf-8").splitlines()


if __name__ == "__main__":
    raise SystemExit(main())
