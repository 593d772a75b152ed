"""Web chat sessions signed by the server, and an output that only reaches web chat
conversations (in process; the browser test drives the real page)."""

from __future__ import annotations

import asyncio
import stat
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest

from bot.config import Settings
from bot.conversations import ForeignConversation
from channels.records import ChannelRecords
from channels.webchat.channel import RecordedSocketIOOutput
from channels.webchat.sessions import SessionSigner, _stored_secret, signer_for

SECRET = b"a-web-chat-secret-for-tests"


def test_only_tokens_the_server_issued_name_a_session():
    signer = SessionSigner(SECRET)
    session, token = signer.issue()
    assert token.startswith(f"{session}.") and signer.verify(token) == session
    assert signer.issue()[0] != session
    forged = f"{session}.{'0' * 64}"
    other_key = SessionSigner(b"another-secret-of-some-length").issue()[1]
    for proposal in (session, forged, other_key, token.upper(), f"{token}x", None, 42, ""):
        assert signer.verify(proposal) is None, proposal


def test_a_short_secret_is_refused(monkeypatch):
    with pytest.raises(ValueError, match="SSCN_WEBCHAT_SECRET"):
        signer_for(Settings.from_env({"SSCN_WEBCHAT_SECRET": "short"}))


def test_the_secret_comes_from_the_environment(monkeypatch, tmp_path):
    settings = Settings.from_env({"SSCN_WEBCHAT_SECRET": SECRET.decode()})
    _, token = signer_for(settings.replace(var_dir=tmp_path)).issue()
    assert SessionSigner(SECRET).verify(token)
    assert not (tmp_path / "webchat.key").exists()


def key_of(path: str) -> bytes:
    """What one starting process reads (or creates) as the secret."""
    return _stored_secret(Path(path))


def test_without_one_a_secret_is_generated_once_private_and_shared(monkeypatch, tmp_path):
    monkeypatch.delenv("SSCN_WEBCHAT_SECRET", raising=False)
    path = tmp_path / "var" / "webchat.key"
    with ProcessPoolExecutor(4) as pool:  # Rasa instances starting together
        secrets = set(pool.map(key_of, [str(path)] * 8))
    assert len(secrets) == 1
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in path.parent.iterdir()] == ["webchat.key"]
    _, token = signer_for(Settings.from_env({}).replace(var_dir=path.parent)).issue()
    assert SessionSigner(secrets.pop()).verify(token)


class FakeSio:
    def __init__(self) -> None:
        self.emitted: list[tuple[str, dict, str]] = []

    async def emit(self, event: str, data: dict, room: str) -> None:
        self.emitted.append((event, data, room))


class NoRecords(ChannelRecords):
    async def sent(self, *args, **kwargs) -> None:
        pass


@pytest.mark.parametrize("recipient", ["abc123", "rest:abc123", "telegram:42", "webchat:"])
def test_the_output_refuses_conversations_of_other_channels(recipient):
    sio = FakeSio()
    output = RecordedSocketIOOutput(sio, "bot_uttered", NoRecords("webchat"))
    with pytest.raises(ForeignConversation):
        asyncio.run(output.send_response(recipient, {"text": "Halo, saya Ani."}))
    assert sio.emitted == []


def test_the_output_emits_to_the_sessions_room():
    sio = FakeSio()
    output = RecordedSocketIOOutput(sio, "bot_uttered", NoRecords("webchat"))
    asyncio.run(output.send_response("webchat:abc123", {"text": "Halo"}))
    assert sio.emitted == [("bot_uttered", {"text": "Halo"}, "abc123")]
