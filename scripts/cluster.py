"""Render the files `make cluster` runs: supervisord's config and nginx's.

Reads the environment only (defaults in .env.example, "Production on one
machine"): N_RASA Rasa instances and N_ACTIONS action servers behind nginx, the
console and, when configured, the pollers. Writes into SSCN_CLUSTER_DIR.
"""

from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

PROJECT_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_ROOT))  # run as a script: channels/ is beside it
TEMPLATES = PROJECT_ROOT / "deploy" / "cluster"


def _ports(first: int, count: int) -> list[int]:
    return [first + index for index in range(count)]


def instance_ports(environ: dict[str, str]) -> tuple[list[int], list[int]]:
    """The ports of the Rasa instances and of the action servers."""
    return (
        _ports(int(environ.get("SSCN_CLUSTER_RASA_PORT", "5010")), int(environ["N_RASA"])),
        _ports(int(environ.get("SSCN_CLUSTER_ACTIONS_PORT", "5060")), int(environ["N_ACTIONS"])),
    )


def programs(environ: dict[str, str]) -> list[dict[str, object]]:
    """The processes supervisord runs: name, command, its own environment, start time."""
    directory = environ["SSCN_CLUSTER_DIR"]
    venv = PROJECT_ROOT / ".venv" / "bin"
    rasa_ports, action_ports = instance_ports(environ)
    result: list[dict[str, object]] = [
        {
            "name": f"rasa{index + 1}",
            "command": f"{venv}/python -m channels.rasa_server",
            "environment": f'SSCN_RASA_PORT="{port}"',
            "startsecs": 10,
        }
        for index, port in enumerate(rasa_ports)
    ]
    result += [
        {
            "name": f"actions{index + 1}",
            "command": f"{venv}/python -m actions.server",
            "environment": f'SSCN_ACTIONS_PORT="{port}"',
            "startsecs": 3,
        }
        for index, port in enumerate(action_ports)
    ]
    result.append({"name": "console", "command": f"{venv}/sscn console", "startsecs": 3})
    nginx_options = f"-e stderr -p {directory} -c {directory}/nginx.conf"
    result.append(
        {"name": "nginx", "command": f"nginx {nginx_options} -g 'daemon off;'", "startsecs": 2}
    )
    if environ.get("TELEGRAM_TOKEN") and not environ.get("TELEGRAM_WEBHOOK_URL"):
        result.append({"name": "telegram", "command": f"{venv}/sscn telegram poll", "startsecs": 3})
    if environ.get("TWITTER_API_KEY") and environ.get("TWITTER_ACCESS_TOKEN"):
        result.append({"name": "twitter", "command": f"{venv}/sscn twitter poll", "startsecs": 3})
    return result


def render(environ: dict[str, str]) -> dict[str, str]:
    """File name -> contents, for the configuration in ``environ``."""
    directory = environ["SSCN_CLUSTER_DIR"]
    templates = Environment(loader=FileSystemLoader(TEMPLATES), undefined=StrictUndefined)
    rasa_ports, action_ports = instance_ports(environ)
    nginx = templates.get_template("nginx.conf.j2").render(
        dir=directory,
        port=int(environ["SSCN_CLUSTER_PORT"]),
        actions_port=int(environ["SSCN_CLUSTER_ACTIONS_LB_PORT"]),
        rasa_ports=rasa_ports,
        action_ports=action_ports,
        max_body=environ.get("SSCN_MAX_REQUEST_BYTES", "4000000"),
        as_root=os.geteuid() == 0,
    )
    supervisord = templates.get_template("supervisord.conf.j2").render(
        dir=directory,
        root=PROJECT_ROOT,
        venv=PROJECT_ROOT / ".venv" / "bin",
        programs=[{"environment": "", **program} for program in programs(environ)],
    )
    return {"supervisord.conf": supervisord, "nginx.conf": nginx}


def ensure_database(url: str) -> None:
    """Create the PostgreSQL database of ``url`` if it does not exist yet."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    target = make_url(url)
    if not target.drivername.startswith("postgresql") or not target.database:
        return
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            exists = connection.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": target.database}
            ).first()
            if not exists:
                connection.execute(text(f'CREATE DATABASE "{target.database}"'))
    finally:
        admin.dispose()


def ensure_tracker_store(environ: dict[str, str]) -> None:
    """Create the tracker database and tables once, before the instances start (they
    would otherwise race to create them on a fresh database)."""
    from channels.tracker_store import SQLTrackerStore

    store = SQLTrackerStore(
        dialect="postgresql",
        host=environ["SSCN_TRACKER_HOST"],
        port=environ["SSCN_TRACKER_PORT"],
        db=environ["SSCN_TRACKER_DB"],
        username=environ["SSCN_TRACKER_USER"],
        password=environ.get("SSCN_TRACKER_PASSWORD", ""),
        login_db=environ["SSCN_TRACKER_LOGIN_DB"],
    )
    store.engine.dispose()


def main() -> int:
    ensure_database(os.environ["SSCN_DATABASE_URL"])
    ensure_tracker_store(dict(os.environ))
    directory = Path(os.environ["SSCN_CLUSTER_DIR"])
    for sub in ("log", "tmp"):
        (directory / sub).mkdir(parents=True, exist_ok=True)
    for name, contents in render(dict(os.environ)).items():
        (directory / name).write_text(contents, encoding="utf-8")
    print(shlex.quote(str(directory)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
