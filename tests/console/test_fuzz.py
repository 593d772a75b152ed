"""No request makes the console answer 5xx or fall over.

Every route (read from the app's router, so a new route is covered without
touching this file) with every method, logged out, as an agent and as a
supervisor; with valid, forged and missing CSRF tokens; with bad, missing, huge
and NUL-laden fields, non-UTF-8 bodies, broken query strings and unknown case
ids: first a systematic pass, then Hypothesis mixing it all.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import quote_from_bytes

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from devtools.servers import LEDGER_KEY
from tests.support.console import PASSWORD
from tests.support.raw_http import RawReply, send

pytestmark = pytest.mark.integration

METHODS = (b"GET", b"POST", b"PUT", b"DELETE", b"PATCH", b"OPTIONS", b"HEAD", b"FOO")
WHO = ("nobody", "ani", "sari")  # logged out, an agent, a supervisor
FIELDS = (
    "text",
    "status",
    "reason",
    "unit",
    "agent",
    "username",
    "password",
    "display_name",
    "role",
    "active",
    "code",
    "name",
)
QUERY_KEYS = ("status", "topic", "channel", "unit", "mine", "dari", "sampai", "kanal", "format")
NASTY = (
    "",
    "\x00",
    "9999-12-31",
    "0001-01-01",
    "2026-02-30",
    "x" * 5000,
    "é✓🙂\u200b",
    "../../etc/passwd",
    "<script>alert(1)</script>",
    "SSCN-9999-99999",
    "' OR 1=1 --",
    "1e309",
    "-1",
    "dalam_proses",
    "selesai",
    "HUMAS",
    "supervisor",
    "csv",
    "ani",
)
RAW = (b"%ff%fe", b"%zz", b"%", b"\xff\xfe", b"%00", b"a=b=c", b"&&==&", b";")
HEADER_JUNK = (
    b"sscn_session=\xff\xfe",
    b"sscn_session=",
    b'sscn_session="unterminated',
    b"sscn_login_csrf=\xc3\xa9" + b"x" * 40,
    b"=;;=",
    b"a=" + b"x" * 5000,
    b"203.0.113.1, \xff",
    b"https",
)
EXTRA_HEADERS = (b"X-Forwarded-For", b"X-Forwarded-Proto", b"Forwarded", b"X-Request-ID", b"Accept")
PARAMS = {
    "ticket": ("SSCN-2026-99999", "sscn-2026-00001", "x", "%2e%2e"),
    "username": ("ani", "nobody", "ANI", "x" * 300),
    "__file_uri__": ("console.css", "../app.py", "", "nope.css"),
}


@dataclass
class Probe:
    """One request, its session and CSRF filled in when sent."""

    method: bytes
    path: str
    params: dict[str, bytes]
    query: bytes = b""
    who: str = "nobody"
    csrf: str = "valid"  # valid | forged | missing
    fields: list[tuple[str, bytes]] = field(default_factory=list)
    body: bytes | None = None  # raw body instead of a form
    content_type: bytes = b"application/x-www-form-urlencoded"
    cookie_junk: bytes = b""  # more in the Cookie header
    headers: dict[bytes, bytes] = field(default_factory=dict)

    def target(self) -> bytes:
        """The path with its parameters filled in (in order), and the query."""
        pieces = re.split(rb"<[^>]+>", self.path.encode())
        out = pieces[0]
        for value, rest in zip(self.params.values(), pieces[1:], strict=True):
            out += value + rest
        return out + (b"?" + self.query if self.query else b"")


class Sessions:
    """A live session per account; remade when a probe logged out or disabled it."""

    def __init__(self, console) -> None:
        self._store = console.agents
        self._live: dict[str, tuple[str, str]] = {}

    def cookie_and_csrf(self, who: str) -> tuple[str, str]:
        if who == "nobody":
            return "", "login-csrf-token-of-the-fuzzer-0123456789"
        token, csrf = self._live.get(who, ("", ""))
        if not token or self._store.session(token) is None:
            self._store.set_active(who, True)
            token = self._store.log_in(who, PASSWORD, "fuzzer").token
            csrf = self._store.session(token).csrf_token
            self._live[who] = (token, csrf)
        return token, csrf


def quoted(value: str | bytes) -> bytes:
    raw = value.encode("utf-8", "surrogatepass") if isinstance(value, str) else value
    return quote_from_bytes(raw, safe="").encode()


def fire(console, sessions: Sessions, probe: Probe) -> RawReply:
    token, csrf = sessions.cookie_and_csrf(probe.who)
    given = {"valid": csrf, "forged": "x" * len(csrf), "missing": None}[probe.csrf]
    cookies = [b"sscn_login_csrf=" + csrf.encode()] if probe.who == "nobody" else []
    cookies += [b"sscn_session=" + token.encode()] if token else []
    cookies += [probe.cookie_junk] if probe.cookie_junk else []
    headers = {**probe.headers, b"Cookie": b"; ".join(cookies)} if cookies else {**probe.headers}
    body = probe.body
    if body is None:
        pairs = ([("csrf_token", quoted(given))] if given is not None else []) + probe.fields
        body = b"&".join(name.encode() + b"=" + value for name, value in pairs)
    headers[b"Content-Type"] = probe.content_type
    return send(console.url, probe.method, probe.target(), headers, body)


def check(console, sessions: Sessions, probe: Probe) -> None:
    reply = fire(console, sessions, probe)
    if reply.status == 0:
        # Sanic 21.12 drops the connection when the request line is not ASCII (not
        # HTTP at all; a proxy in front refuses it too). The server must live on.
        assert not probe.target().isascii(), (probe, reply.head[:300])
        assert send(console.url, b"GET", b"/health").status == 200
        return
    assert reply.status < 500, (probe, reply.status, reply.body[:300])
    assert b"Traceback" not in reply.body, probe
    assert console.process.poll() is None, "the console died"


@pytest.fixture(scope="module")
def target(secure_console) -> Iterator[tuple]:
    """The console under fuzzing, its sessions, its routes and real path values."""
    tickets = [
        secure_console.file_case(nik="3174012345678921", contact="ani@contoh.id, 081234567812"),
        secure_console.file_case(),
    ]
    values = {**PARAMS, "ticket": (*tickets, *PARAMS["ticket"])}
    routes = sorted({("/" + r.raw_path, frozenset(r.methods)) for r in console_routes()})
    yield secure_console, Sessions(secure_console), routes, values
    health = send(secure_console.url, b"GET", b"/health")
    assert health.status == 200 and secure_console.process.poll() is None


def console_routes() -> list:
    """The console's routes as its router knows them (an app built in this process)."""
    from bot.config import Settings
    from bot.services import Services
    from console.app import create_app

    settings = Settings.from_env({}).replace(
        database_url="sqlite://", ledger_key=LEDGER_KEY, rasa_url="http://127.0.0.1:9"
    )
    app = create_app(Services(settings), "fuzz_routes")
    routes = list(app.router.routes)
    assert len(routes) > 20, routes
    return routes


def params_for(path: str, values: dict, pick: int = 0) -> dict[str, bytes]:
    """Each path parameter: one of its known values (a real ticket first)."""
    params = {}
    for name in re.findall(r"<([^>:]+)", path):
        known = values.get(name, ("x",))
        params[name] = quoted(known[pick % len(known)])
    return params


def test_every_route_and_method_in_every_role(target):
    console, sessions, routes, values = target
    for path, _ in routes:
        for method in METHODS:
            for who in WHO:
                fields = [(name, quoted("1")) for name in FIELDS]
                probe = Probe(method, path, params_for(path, values), who=who, fields=fields)
                check(console, sessions, probe)


def payloads(path: str, values: dict) -> Iterator[Probe]:
    """The usual suspects for one route (its own methods are added by the caller)."""
    known = params_for(path, values)

    def probe(params: dict[str, bytes] = known, **changes) -> Probe:
        # A JSON report unless the query says otherwise: charts take a second each.
        return Probe(b"", path, params, **{"query": b"format=json", **changes})

    for pick, nasty in enumerate(NASTY):
        fields = [(name, quoted(nasty)) for name in FIELDS]
        yield probe(params_for(path, values, pick), fields=fields)
    for raw in RAW:
        yield probe(query=b"dari=" + raw + b"&" + raw)
        yield probe(fields=[("text", raw), (raw.decode("latin-1"), b"1")])
    yield probe({name: b"\xff\xfe" for name in known})
    yield probe({name: quoted("x" * 3000) for name in known})
    yield probe(csrf="forged")
    yield probe(csrf="missing")
    yield probe(body=b"\xff\xfe\x00garbage=\xc3")
    yield probe(body=b"a=" + b"x" * 200_000)
    yield probe(body=b"--x\r\nbroken", content_type=b"multipart/form-data; boundary=x")
    yield probe(body=b'{"text":', content_type=b"application/json")
    for junk in HEADER_JUNK:
        yield probe(cookie_junk=junk, headers=dict.fromkeys(EXTRA_HEADERS, junk))
    for key in QUERY_KEYS:
        yield probe(query=key.encode() + b"=9999-12-31&" + key.encode() + b"=%ff&format=json")


def test_nasty_input_on_every_route(target):
    console, sessions, routes, values = target
    for path, methods in routes:
        for probe in payloads(path, values):
            for method in sorted(methods):
                for who in WHO:
                    probe.method, probe.who = method.encode(), who
                    check(console, sessions, probe)


def probes(routes, values):
    text = st.text(max_size=60) | st.sampled_from(NASTY)
    byte_values = st.binary(max_size=40).map(quoted) | st.sampled_from(RAW) | text.map(quoted)
    header_values = st.binary(max_size=60).map(
        lambda raw: raw.replace(b"\r", b"").replace(b"\n", b"").strip()
    ) | st.sampled_from(HEADER_JUNK)

    @st.composite
    def probe(draw) -> Probe:
        path, methods = draw(st.sampled_from(routes))
        method = draw(
            st.sampled_from(sorted(m.encode() for m in methods)) | st.sampled_from(METHODS)
        )
        names = re.findall(r"<([^>:]+)", path)
        params = {
            name: draw(st.sampled_from(values.get(name, ("x",))).map(quoted) | byte_values)
            for name in names
        }
        query = b"&".join(
            draw(st.sampled_from(QUERY_KEYS).map(str.encode) | byte_values)
            + b"="
            + draw(byte_values)
            for _ in range(draw(st.integers(0, 3)))
        )
        fields = [
            (draw(st.sampled_from(FIELDS)), draw(byte_values))
            for _ in range(draw(st.integers(0, 5)))
        ]
        body = draw(st.none() | st.binary(max_size=300))
        return Probe(
            method,
            path,
            params,
            query=query,
            who=draw(st.sampled_from(WHO)),
            csrf=draw(st.sampled_from(("valid", "valid", "forged", "missing"))),
            fields=fields,
            body=body,
            cookie_junk=draw(header_values),
            headers=draw(
                st.dictionaries(st.sampled_from(EXTRA_HEADERS), header_values, max_size=2)
            ),
            content_type=draw(
                st.sampled_from(
                    (
                        b"application/x-www-form-urlencoded",
                        b"multipart/form-data; boundary=zz",
                        b"text/plain",
                        b"application/x-www-form-urlencoded; charset=latin-1",
                    )
                )
            ),
        )

    return probe()


def test_hypothesis_mixes_it_all(target):
    console, sessions, routes, values = target

    @settings(
        max_examples=500,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(probes(routes, values))
    def no_server_error(probe: Probe) -> None:
        check(console, sessions, probe)

    no_server_error()
