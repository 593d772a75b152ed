"""Render the files `make cluster` runs: supervisord's config and nginx's.

Reads ``bot.config.Settings`` (defaults in .env.example, "Production on one
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
sys.path.insert(0, str(PROJECT_ROOT))  # run as a script: bot/ and channels/ are beside it

from bot.config import Settings  # noqa: E402 (after the path above)

TEMPLATES = PROJECT_ROOT / "deploy" / "cluster"


def _ports(first: int, count: int) -> list[int]:
    return [first + index for index in range(count)]


def cluster_dir(settings: Settings) -> Path:
    """``SSCN_CLUSTER_DIR``, else ``SSCN_VAR_DIR/cluster``."""
    return settings.cluster_dir or settings.var_dir / "cluster"


def instance_ports(settings: Settings) -> tuple[list[int], list[int]]:
    """The ports of the Rasa instances and of the action servers."""
    return (
        _ports(settings.cluster_rasa_port, settings.n_rasa),
        _ports(settings.cluster_actions_port, settings.n_actions),
    )


def programs(settings: Settings) -> list[dict[str, object]]:
    """The processes supervisord runs: name, command, its own environment, start time."""
    directory = cluster_dir(settings)
    venv = PROJECT_ROOT / ".venv" / "bin"
    rasa_ports, action_ports = instance_ports(settings)
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
    if settings.telegram_token and not settings.telegram_webhook_url:
        result.append({"name": "telegram", "command": f"{venv}/sscn telegram poll", "startsecs": 3})
    if settings.twitter_api_key and settings.twitter_access_token:
        result.append({"name": "twitter", "command": f"{venv}/sscn twitter poll", "startsecs": 3})
    return result


def render(settings: Settings) -> dict[str, str]:
    """File name -> contents, for the configuration in ``settings``."""
    directory = cluster_dir(settings)
    templates = Environment(loader=FileSystemLoader(TEMPLATES), undefined=StrictUndefined)
    rasa_ports, action_ports = instance_ports(settings)
    nginx = templates.get_template("nginx.conf.j2").render(
        dir=directory,
        port=settings.cluster_port,
        actions_port=settings.cluster_actions_lb_port,
        rasa_ports=rasa_ports,
        action_ports=action_ports,
        max_body=settings.max_request_bytes,
        as_root=os.geteuid() == 0,
    )
    supervisord = templates.get_template("supervisord.conf.j2").render(
        dir=directory,
        root=PROJECT_ROOT,
        venv=PROJECT_ROOT / ".venv" / "bin",
        programs=[{"environment": "", **program} for program in programs(settings)],
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


def ensure_tracker_store(settings: Settings) -> None:
    """Create the tracker database and tables once, before the instances start (they
    would otherwise race to create them on a fresh database)."""
    from channels.tracker_store import SQLTrackerStore

    store = SQLTrackerStore(
        dialect="postgresql",
        host=settings.tracker_host,
        port=settings.tracker_port,
        db=settings.tracker_db,
        username=settings.tracker_user,
        password=settings.tracker_password,
        login_db=settings.tracker_login_db,
    )
    store.engine.dispose()


def main() -> int:
    settings = Settings.from_env()
    ensure_database(settings.database_url)
    ensure_tracker_store(settings)
    directory = cluster_dir(settings)
    for sub in ("log", "tmp"):
        (directory / sub).mkdir(parents=True, exist_ok=True)
    for name, contents in render(settings).items():
        (directory / name).write_text(contents, encoding="utf-8")
    print(shlex.quote(str(directory)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
