"""The ``sscn`` command line: ``sscn kb check``, ``sscn db upgrade``, ``sscn classify``."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

from bot.config import Settings


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``sscn`` script; returns the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "handler"):
        parser.print_help()
        return 2
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    return args.handler(args)


def _parser() -> argparse.ArgumentParser:
    settings = Settings.from_env()
    parser = argparse.ArgumentParser(prog="sscn", description="SSCN Helpdesk tools")
    commands = parser.add_subparsers(title="commands")

    kb = commands.add_parser("kb", help="knowledge-base tools").add_subparsers(title="kb")
    check = kb.add_parser("check", help="validate the knowledge-base files")
    check.add_argument("--dir", type=Path, default=settings.kb_dir)
    check.set_defaults(handler=_kb_check)

    db = commands.add_parser("db", help="ledger database").add_subparsers(title="db")
    db_upgrade = db.add_parser("upgrade", help="apply migrations (SSCN_DATABASE_URL)")
    db_upgrade.add_argument("--url", help="database URL (default: SSCN_DATABASE_URL or var/)")
    db_upgrade.set_defaults(handler=_db_upgrade)

    classify = commands.add_parser(
        "classify", help="classify messages (one per line) as JSON lines"
    )
    classify.add_argument("--file", type=Path, help="read from this file instead of stdin")
    classify.add_argument("--model", type=Path, help="Rasa model (default: newest in models/)")
    classify.set_defaults(handler=_classify)
    return parser


def _kb_check(args: argparse.Namespace) -> int:
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
    print(f"knowledge base OK: {args.dir}")
    return 0


def _db_upgrade(args: argparse.Namespace) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from bot.ledger.migrate import upgrade

    try:
        upgrade(args.url)
    except SQLAlchemyError as error:
        print(f"sscn db upgrade: {error}", file=sys.stderr)
        return 1
    print("ledger database is up to date")
    return 0


def _classify(args: argparse.Namespace) -> int:
    from bot.classify import MessageClassifier
    from bot.rasa_nlu import RasaIntentParser, latest_model
    from bot.services import Services

    services = Services()
    try:
        model = args.model or latest_model(services.settings.models_dir)
        lines = _read_lines(args.file)
    except (FileNotFoundError, OSError, UnicodeDecodeError) as error:
        print(f"sscn classify: {error}", file=sys.stderr)
        return 2
    classifier = MessageClassifier(
        RasaIntentParser(model), services.knowledge_base, services.topics
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
