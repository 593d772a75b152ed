"""Two per-turn costs of Rasa 3.6 removed, applied with the fixes in ``channels/__init__.py``.

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
"""

from __future__ import annotations

import asyncio
import os
import ssl
import weakref
from typing import Any

import aiohttp
from aiohttp import ContentTypeError
from rasa.core.constants import DEFAULT_REQUEST_TIMEOUT
from rasa.engine.exceptions import GraphRunError
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.shared.exceptions import FileNotFoundException
from rasa.utils.endpoints import ClientResponseError, EndpointConfig, concat_url

KEEPALIVE_SECONDS = 2.0
DASK_RUN = DaskGraphRunner.run  # Rasa's own, kept for comparison in the tests
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


def apply() -> None:
    """Install both (idempotent)."""
    DaskGraphRunner.run = _run_graph
    EndpointConfig.request = _request
