"""Per-turn costs of Rasa 3.6 removed, installed with the fixes by ``channels/__init__.py``.

1. Every graph run (NLU parse, then a policy prediction after each action) goes
   through ``dask.get``, dask's general scheduler, to call a handful of nodes in
   order: about 2 ms of scheduling per turn in our profile. The graph is small
   and acyclic, so its nodes are called here directly, each once, dependencies
   first: the same nodes, the same inputs, the same results.
2. ``EndpointConfig.request`` opens a new HTTP client session, and so a new TCP
   connection, for every call to the action server. One session per event loop
   keeps connections alive between calls. Its idle connections are closed after
   ``KEEPALIVE_SECONDS``, before the action server (Sanic: 5 s) closes them, so a
   request never goes out on a connection the server is closing.
3. ``RemoteAction._validate_action_result`` calls ``jsonschema.validate`` on
   every action-server response: the (large) schema is checked each time, and
   each event is tried against all 23 branches of a ``oneOf``. Every branch fixes
   ``event`` to one name (and ``event`` is required), so only the branch an event
   names can match it: that branch alone gives the same verdict. The validators
   are built once; a schema of another shape gets the plain validator.
4. ``Event.resolve_by_type`` walks the whole class tree of ``Event`` for every
   event it deserialises (every tracker fetch); the lookup table is built once
   and rebuilt only when a name is not found.
5. A loaded Rasa server holds about 500,000 Python objects (TensorFlow is
   imported even by our pipeline), and each full garbage collection walks them
   all: 150-300 ms during which every conversation of the instance waits. Once
   the model is loaded they are frozen (``bot/gc_freeze.py``); only objects made
   later are collected. (A model swapped in at runtime would keep the old one's
   frozen objects: we restart instead.)
"""

from __future__ import annotations

import asyncio
import os
import ssl
import weakref
from functools import lru_cache
from typing import Any

import aiohttp
from aiohttp import ContentTypeError
from jsonschema import ValidationError, validators
from rasa.core import run as rasa_run
from rasa.core.actions.action import RemoteAction
from rasa.core.constants import DEFAULT_REQUEST_TIMEOUT
from rasa.engine.exceptions import GraphRunError
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.shared.constants import DOCS_BASE_URL
from rasa.shared.core.events import Event
from rasa.shared.exceptions import FileNotFoundException
from rasa.shared.utils.common import all_subclasses
from rasa.utils.endpoints import ClientResponseError, EndpointConfig, concat_url

from bot.gc_freeze import freeze_startup_objects

KEEPALIVE_SECONDS = 2.0
DASK_RUN = DaskGraphRunner.run  # Rasa's own, kept for comparison in the tests
_original_resolve_by_type = Event.resolve_by_type
_original_load_agent_on_start = rasa_run.load_agent_on_start
_original_close_resources = rasa_run.close_resources
_event_types: dict[str, type[Event]] = {}
_sessions: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, aiohttp.ClientSession] = (
    weakref.WeakKeyDictionary()
)


def _run_graph(
    self: DaskGraphRunner,
    inputs: dict[str, Any] | None = None,
    targets: list[str] | None = None,
) -> dict[str, Any]:
    """``DaskGraphRunner.run`` without dask: each needed node called once, in order."""
    run_targets = targets if targets else self._graph_schema.target_names
    schema = self._graph_schema.minimal_graph_schema(run_targets)
    results: dict[str, Any] = {}
    for name, value in (inputs or {}).items():
        if isinstance(value, str) and value in schema.nodes:
            raise GraphRunError(
                f"Input value '{value}' clashes with a node name. Make sure that none of the"
                " input names passed to the `run` method are the same as node names in the"
                " graph schema."
            )
        results[name] = (name, value)

    def output_of(name: str) -> Any:
        if name not in results:
            node = schema.nodes[name]
            arguments = [output_of(needed) for needed in node.needs.values()]
            results[name] = self._instantiated_nodes[name](*arguments)
        return results[name]

    try:
        return dict(output_of(target) for target in run_targets)
    except RuntimeError as error:
        raise GraphRunError("Error running runner.") from error


async def close_shared_session() -> None:
    """Close this event loop's session (the server closes it when it stops)."""
    session = _sessions.pop(asyncio.get_running_loop(), None)
    if session is not None and not session.closed:
        await session.close()


def _shared_session() -> aiohttp.ClientSession:
    loop = asyncio.get_running_loop()
    session = _sessions.get(loop)
    if session is None or session.closed:
        session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(keepalive_timeout=KEEPALIVE_SECONDS),
            timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
        )
        _sessions[loop] = session
    return session


async def _request(
    self: EndpointConfig,
    method: str = "post",
    subpath: str | None = None,
    content_type: str | None = "application/json",
    compress: bool = False,
    **kwargs: Any,
) -> Any:
    """``EndpointConfig.request`` on the loop's shared session (same contract)."""
    headers = {"Content-Type": content_type} if content_type else {}
    headers.update(kwargs.pop("headers", None) or {})
    headers.update(self.headers or {})
    auth = (
        aiohttp.BasicAuth(self.basic_auth["username"], self.basic_auth["password"])
        if self.basic_auth
        else None
    )
    sslcontext = None
    if self.cafile:
        try:
            sslcontext = ssl.create_default_context(cafile=self.cafile)
        except FileNotFoundError as error:
            raise FileNotFoundException(
                f"Failed to find certificate file, '{os.path.abspath(self.cafile)}' does not exist."
            ) from error
    timeout = kwargs.pop("timeout", DEFAULT_REQUEST_TIMEOUT)
    if not isinstance(timeout, aiohttp.ClientTimeout):
        timeout = aiohttp.ClientTimeout(total=timeout)
    async with _shared_session().request(
        method,
        concat_url(self.url, subpath),
        headers=headers,
        auth=auth,
        params=self.combine_parameters(kwargs),
        compress=compress,
        ssl=sslcontext,
        timeout=timeout,
        **kwargs,
    ) as response:
        if response.status >= 400:
            raise ClientResponseError(
                response.status, response.reason, await response.content.read()
            )
        try:
            return await response.json()
        except ContentTypeError:
            return None


class ActionResultValidator:
    """Rasa's action-response schema, with each event checked against its own branch."""

    def __init__(self, schema: dict[str, Any]) -> None:
        validator_class = validators.validator_for(schema)
        validator_class.check_schema(schema)
        self._whole = validator_class(schema)
        self._outer = self._event = None
        self._branches: dict[str, Any] = {}
        events = schema.get("properties", {}).get("events", {})
        items = events.get("items", {})
        branches = items.get("oneOf", [])
        names = [branch.get("properties", {}).get("event", {}).get("const") for branch in branches]
        if not branches or "event" not in items.get("required", []) or None in names:
            return  # not the shape this relies on: validate the whole schema
        if len(set(names)) != len(names):
            return
        outer = {**schema, "properties": {**schema["properties"], "events": {"type": "array"}}}
        event = {key: value for key, value in items.items() if key != "oneOf"}
        self._outer, self._event = validator_class(outer), validator_class(event)
        self._branches = {
            name: validator_class({**event, "allOf": [branch]})
            for name, branch in zip(names, branches, strict=True)
        }

    def validate(self, result: Any) -> None:
        """Raise ``jsonschema.ValidationError`` exactly when the whole schema would."""
        if self._outer is None:
            self._whole.validate(result)
            return
        self._outer.validate(result)
        for event in result.get("events") or []:
            self._event.validate(event)
            branch = self._branches.get(event["event"])
            if branch is None:
                raise ValidationError(f"{event!r} is not valid under any of the given schemas")
            branch.validate(event)


@lru_cache(maxsize=1)
def _action_result_validator() -> ActionResultValidator:
    return ActionResultValidator(RemoteAction.action_response_format_spec())


def _validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
    try:
        _action_result_validator().validate(result)
    except ValidationError as error:
        error.message += (
            ". Failed to validate Action server response from API, make sure your response "
            f"from the Action endpoint is valid. See {DOCS_BASE_URL}/custom-actions"
        )
        raise
    return True


def _refresh_event_types() -> None:
    _event_types.clear()
    for cls in all_subclasses(Event):
        _event_types.setdefault(cls.type_name, cls)  # first match wins, as in Rasa


def _resolve_by_type(type_name: str, default: type[Event] | None = None) -> type[Event] | None:
    if type_name not in _event_types:
        _refresh_event_types()
    if type_name in _event_types:
        return _event_types[type_name]
    return _original_resolve_by_type(type_name, default)


async def _load_agent_on_start(*args: Any, **kwargs: Any) -> Any:
    agent = await _original_load_agent_on_start(*args, **kwargs)
    freeze_startup_objects()
    return agent


async def _close_resources(*args: Any, **kwargs: Any) -> None:
    await close_shared_session()
    await _original_close_resources(*args, **kwargs)


def apply() -> None:
    """Install them all (idempotent)."""
    DaskGraphRunner.run = _run_graph
    EndpointConfig.request = _request
    RemoteAction._validate_action_result = _validate_action_result
    Event.resolve_by_type = staticmethod(_resolve_by_type)
    rasa_run.load_agent_on_start = _load_agent_on_start
    rasa_run.close_resources = _close_resources
