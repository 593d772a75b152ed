"""channels/rasa_speedups.py: the graph runner gives dask's results, the shared HTTP
session keeps Rasa's request contract and reuses connections, action results get
the whole schema's verdict, event types resolve as before."""

from __future__ import annotations

import asyncio
import gc

import pytest
from aiohttp import web
from jsonschema import ValidationError, validators
from rasa.core import run as rasa_run
from rasa.core.actions.action import RemoteAction
from rasa.core.agent import Agent
from rasa.core.channels.channel import UserMessage
from rasa.engine.exceptions import GraphRunError
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.shared.core.events import ActionExecuted, Event, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import ClientResponseError, EndpointConfig

from channels import rasa_speedups

TEXTS = (
    "min lupa pw sscasn gmn",
    "kapan pendaftaran cpns dibuka?",
    "saya mau komplain, akun saya terkunci padahal data benar",
    "cek status SSCN-2026-00001",
    "halo",
    "🙏🙏",
)


@pytest.fixture(scope="module")
def processor(trained_model):
    return Agent.load(str(trained_model)).processor


def _dask_run(runner: DaskGraphRunner, **kwargs):
    return rasa_speedups.DASK_RUN(runner, **kwargs)


def test_speedups_are_installed():
    assert DaskGraphRunner.run is rasa_speedups._run_graph
    assert EndpointConfig.request is rasa_speedups._request
    assert RemoteAction._validate_action_result is rasa_speedups._validate_action_result
    assert rasa_run.load_agent_on_start is rasa_speedups._load_agent_on_start
    assert rasa_run.close_resources is rasa_speedups._close_resources


def test_nlu_results_equal_dask(processor):
    for text in TEXTS:
        tracker = DialogueStateTracker("t", processor.domain.slots)
        message = UserMessage(text, message_id="m1")
        inputs = {"__message__": [message], "__tracker__": tracker}
        target = [processor.model_metadata.nlu_target]
        ours = processor.graph_runner.run(inputs=dict(inputs), targets=target)
        inputs["__message__"] = [UserMessage(text, message_id="m1")]
        theirs = _dask_run(processor.graph_runner, inputs=inputs, targets=target)
        ours_message = ours[target[0]][0].as_dict()
        theirs_message = theirs[target[0]][0].as_dict()
        assert ours_message == theirs_message
        assert ours_message["intent"]["name"]


def test_policy_prediction_equal_dask(processor):
    tracker = DialogueStateTracker("t", processor.domain.slots)
    for text in TEXTS[:3]:
        parse = processor._parse_message_with_graph(UserMessage(text), tracker)
        tracker.update(UserUttered(text, parse["intent"], parse["entities"], parse))
        target = [processor.model_metadata.core_target]
        ours = processor.graph_runner.run(inputs={"__tracker__": tracker}, targets=target)
        theirs = _dask_run(processor.graph_runner, inputs={"__tracker__": tracker}, targets=target)
        assert ours[target[0]].probabilities == theirs[target[0]].probabilities
        assert ours[target[0]].policy_name == theirs[target[0]].policy_name


def test_input_named_like_a_node_is_refused(processor):
    node = next(iter(processor.graph_runner._graph_schema.nodes))
    with pytest.raises(GraphRunError):
        processor.graph_runner.run(inputs={"x": node}, targets=[node])


class CountingServer:
    """A local HTTP server that remembers each request's client port and headers."""

    def __init__(self) -> None:
        self.ports: list[int] = []
        self.headers: list[dict[str, str]] = []

    async def handle(self, request: web.Request) -> web.Response:
        self.ports.append(request.transport.get_extra_info("peername")[1])
        self.headers.append(dict(request.headers))
        if request.path == "/missing":
            return web.Response(status=404, text="nope")
        if request.path == "/text":
            return web.Response(text="plain")
        return web.json_response({"echo": await request.json(), "query": dict(request.query)})


async def _serve(server: CountingServer) -> tuple[web.AppRunner, str]:
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", server.handle)
    runner = web.AppRunner(app, keepalive_timeout=30)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    return runner, f"http://127.0.0.1:{port}"


def test_requests_share_a_connection_until_it_idles(monkeypatch):
    monkeypatch.setattr(rasa_speedups, "KEEPALIVE_SECONDS", 0.3)
    server = CountingServer()

    async def scenario() -> list:
        runner, url = await _serve(server)
        try:
            endpoint = EndpointConfig(url, headers={"X-Token": "t"}, params={"a": "1"})
            first = await endpoint.request(json={"n": 1}, subpath="webhook", timeout=5)
            second = await endpoint.request(json={"n": 2}, subpath="webhook")
            await asyncio.sleep(0.8)  # the idle connection is closed by the client
            third = await endpoint.request(json={"n": 3}, subpath="webhook")
            text = await endpoint.request(subpath="text")
            with pytest.raises(ClientResponseError) as missing:
                await endpoint.request(subpath="missing")
            return [first, second, third, text, missing.value.status]
        finally:
            await rasa_speedups.close_shared_session()
            await runner.cleanup()

    first, second, third, text, status = asyncio.run(scenario())
    assert first == {"echo": {"n": 1}, "query": {"a": "1"}}
    assert second["echo"] == {"n": 2} and third["echo"] == {"n": 3}
    assert text is None and status == 404
    assert server.ports[0] == server.ports[1]  # kept alive
    assert server.ports[2] != server.ports[1]  # closed when idle, a fresh one opened
    assert all(headers["X-Token"] == "t" for headers in server.headers)
    assert server.headers[0]["Content-Type"] == "application/json"


def test_each_event_loop_gets_its_own_session():
    server = CountingServer()

    async def one_call() -> dict:
        runner, url = await _serve(server)
        try:
            return await EndpointConfig(url).request(json={"ok": True})
        finally:
            await rasa_speedups.close_shared_session()
            await runner.cleanup()

    assert asyncio.run(one_call())["echo"] == {"ok": True}
    # A session of a closed loop is not reused.
    assert asyncio.run(one_call())["echo"] == {"ok": True}


BOT = {"event": "bot", "text": "Halo", "data": {"buttons": []}, "timestamp": None}
RESULTS = [
    {"events": [], "responses": []},
    {"events": [{"event": "slot", "name": "awaiting", "value": None}, BOT], "responses": []},
    {"events": [{"event": "slot", "name": "awaiting"}]},  # no value
    {"events": [{"event": "slot", "name": 3, "value": 1}]},
    {"events": [{"event": "nope"}]},
    {"events": [{"name": "x"}]},  # no event name
    {"events": [{"event": 7}]},
    {"events": ["slot"]},
    {"events": "not a list"},
    {"events": None},
    {"responses": "x"},
    {"responses": [{"text": "a"}, 3]},
    {"events": [{"event": "action", "name": "action_listen", "confidence": "high"}]},
    {"events": [{"event": "user", "text": "hi", "parse_data": {"intent": {"name": 1}}}]},
    {"events": [{"event": "active_loop", "name": "case_form", "timestamp": "now"}]},
    {"events": [{"event": "followup", "name": "case_form", "metadata": {}}]},
    None,
    [],
]


def _verdict(validate, result) -> bool:
    try:
        validate(result)
    except ValidationError:
        return False
    return True


def test_action_results_get_the_whole_schemas_verdict():
    schema = RemoteAction.action_response_format_spec()
    whole = validators.validator_for(schema)(schema).validate
    ours = rasa_speedups.ActionResultValidator(schema)
    assert ours._branches, "the schema no longer has the shape the fast path relies on"
    verdicts = [_verdict(ours.validate, result) for result in RESULTS]
    assert verdicts == [_verdict(whole, result) for result in RESULTS]
    assert verdicts[:2] == [True, True] and not all(verdicts)


def test_a_schema_of_another_shape_is_validated_whole():
    schema = {"type": "object", "properties": {"events": {"type": "array"}}}
    validator = rasa_speedups.ActionResultValidator(schema)
    assert validator._outer is None
    with pytest.raises(ValidationError):
        validator.validate({"events": 3})


def test_action_results_are_still_validated():
    action = RemoteAction("action_answer", None)
    assert action._validate_action_result({"events": [], "responses": []})
    with pytest.raises(ValidationError, match="Failed to validate"):
        action._validate_action_result({"events": "not a list"})


def test_event_types_resolve_as_before():
    assert Event.resolve_by_type("user") is UserUttered
    assert Event.resolve_by_type("slot") is SlotSet
    assert Event.resolve_by_type("action") is ActionExecuted
    assert Event.resolve_by_type("topic") is None
    assert Event.resolve_by_type("nope", default=SlotSet) is SlotSet
    with pytest.raises(ValueError, match="Unknown event name"):
        Event.resolve_by_type("nope")


def test_the_rasa_server_freezes_its_objects_once_the_model_is_loaded(monkeypatch):
    loaded = object()

    async def load(*_args, **_kwargs):
        assert gc.get_freeze_count() == 0  # not before the model is loaded
        return loaded

    monkeypatch.setattr(rasa_speedups, "_original_load_agent_on_start", load)
    gc.unfreeze()
    try:
        assert asyncio.run(rasa_speedups._load_agent_on_start("model", None, None)) is loaded
        assert gc.get_freeze_count() > 1000
    finally:
        gc.unfreeze()
