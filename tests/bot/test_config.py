"""Settings: .env.example documents exactly the variables Settings reads; bad values
are refused naming their variable; secrets may come from NAME_FILE."""

from __future__ import annotations

import ast
import re

import pytest

from bot.config import PROJECT_ROOT, Settings, SettingsError, variables

LINE = re.compile(r"^(#\s*)?([A-Z][A-Z0-9_]*)=(.*)$")


def documented() -> dict[str, str | None]:
    """Each variable .env.example names; its shown default (None when commented out)."""
    names: dict[str, str | None] = {}
    for line in (PROJECT_ROOT / ".env.example").read_text(encoding="utf-8").splitlines():
        match = LINE.match(line.strip())
        if match:
            commented, name, value = match.groups()
            if name not in names or names[name] is None:
                names[name] = None if commented else value.strip()
    return names


def test_env_example_names_every_setting_and_nothing_else():
    assert set(documented()) == set(variables())


def test_env_example_shows_the_defaults_of_settings():
    shown = {name: value for name, value in documented().items() if value}
    assert {name: variables()[name] for name in shown} == shown


@pytest.mark.parametrize(
    ("name", "value"),
    [("SSCN_RASA_PORT", "abc"), ("SSCN_TIMEZONE", "Mars/Base"), ("SSCN_OUTBOX_RETRY_SECONDS", "x")],
)
def test_a_bad_value_is_refused_naming_its_variable(name, value):
    with pytest.raises(SettingsError, match=name):
        Settings.from_env({name: value})


def test_defaults_and_values_are_parsed():
    settings = Settings.from_env({"SSCN_RASA_PORT": " 5999 ", "SSCN_WEBCHAT_ORIGINS": "a, b c"})
    assert settings.rasa_port == 5999 and settings.actions_port == 5055
    assert settings.webchat_origins == ("a", "b", "c")
    assert str(settings.timezone) == "Asia/Jakarta"


def test_a_secret_comes_from_its_file(tmp_path):
    secret = tmp_path / "token"
    secret.write_text("from-the-file\n", encoding="utf-8")
    settings = Settings.from_env({"SSCN_RASA_AUTH_TOKEN_FILE": str(secret)})
    assert settings.rasa_auth_token == "from-the-file"
    given = Settings.from_env({"SSCN_RASA_AUTH_TOKEN": "direct", "SSCN_RASA_AUTH_TOKEN_FILE": "x"})
    assert given.rasa_auth_token == "direct"  # the variable itself wins


def test_an_unreadable_secret_file_is_refused_naming_it(tmp_path):
    with pytest.raises(SettingsError, match="SSCN_LEDGER_KEY_FILE"):
        Settings.from_env({"SSCN_LEDGER_KEY_FILE": str(tmp_path / "missing")})


def test_a_plain_setting_does_not_read_a_file(tmp_path):
    path = tmp_path / "port"
    path.write_text("6000", encoding="utf-8")
    assert Settings.from_env({"SSCN_RASA_PORT_FILE": str(path)}).rasa_port == 5005


PRODUCT_PACKAGES = ("bot", "actions", "channels", "console", "scripts")


def environment_reads(source: str) -> list[int]:
    """Lines of ``source`` that read the process environment (``os.getenv``, or
    ``os.environ`` anywhere but as the target of an assignment)."""
    tree = ast.parse(source)
    written = {
        id(node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Store)
    }
    lines = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == "os"
            and node.attr in ("environ", "getenv", "environb")
            and id(node) not in written
        ):
            lines.append(node.lineno)
    return sorted(lines)


def test_only_the_settings_read_the_environment():
    offenders = {}
    for package in PRODUCT_PACKAGES:
        for path in sorted((PROJECT_ROOT / package).rglob("*.py")):
            if path == PROJECT_ROOT / "bot" / "config.py":
                continue
            lines = environment_reads(path.read_text(encoding="utf-8"))
            if lines:
                offenders[str(path.relative_to(PROJECT_ROOT))] = lines
    assert offenders == {}


def test_the_environment_scan_finds_reads():
    assert environment_reads("import os\nx = os.environ.get('A')\ny = os.getenv('B')") == [2, 3]
    assert environment_reads("import os\nos.environ['SANIC_X'] = '1'") == []
