"""A claimed platform message is given back even when the database refuses at first
(docs/FAULTS.md, c): the release is retried in the background, so a redelivery is not
kept waiting for the whole claim."""

from __future__ import annotations

import asyncio

from sqlalchemy.engine import make_url

from bot.ledger.db import make_engine, make_sessionmaker
from bot.ledger.messages import ADMITTED, BUSY, MessageLog
from bot.ledger.models import Base
from bot.vocabulary import Channel
from channels import records as records_module
from channels.records import ChannelRecords
from devtools.tcp_proxy import TcpProxy


def test_a_release_the_database_refused_happens_when_it_is_back(postgres_url, monkeypatch):
    monkeypatch.setattr(records_module, "RELEASE_RETRY_SECONDS", 0.1)
    url = make_url(postgres_url)
    engine = make_engine(postgres_url)
    Base.metadata.create_all(engine)
    proxy = TcpProxy(url.port or 5432, url.host)
    proxy.start()
    proxied = make_engine(url.set(port=proxy.port).render_as_string(hide_password=False))
    records = ChannelRecords(Channel.TELEGRAM, MessageLog(make_sessionmaker(proxied)))
    other = MessageLog(make_sessionmaker(engine))  # another instance, direct

    async def main() -> tuple[str, str]:
        admission = await records.inbound("telegram:1", "halo", "4242")
        assert admission.outcome == ADMITTED
        proxy.stop()  # the turn failed with the database; so does the release
        await records.release(admission.row_id)
        during = other.admit("telegram", "telegram:1", "4242", "halo")[1]
        proxy.start()
        for _ in range(50):
            await asyncio.sleep(0.1)
            if not records_module.PENDING_RELEASES:
                break
        return during, other.admit("telegram", "telegram:1", "4242", "halo")[1]

    try:
        assert asyncio.run(main()) == (BUSY, ADMITTED)
    finally:
        proxy.stop()
        proxied.dispose()
        engine.dispose()


def test_a_killed_handlers_claim_expires_within_seconds_a_live_one_is_kept(
    postgres_url, monkeypatch
):
    """a: the claim is short and renewed while the turn runs; kill -9 stops the renewals."""
    monkeypatch.setattr(records_module, "LIVE_CLAIM_SECONDS", 0.6)
    engine = make_engine(postgres_url)
    Base.metadata.create_all(engine)
    records = ChannelRecords(
        Channel.TELEGRAM, MessageLog(make_sessionmaker(engine), claim_seconds=120)
    )
    other = MessageLog(make_sessionmaker(engine))  # another instance

    async def main() -> list[str]:
        seen = []
        admission = await records.inbound("telegram:2", "halo", "4343")
        assert admission.outcome == ADMITTED
        await asyncio.sleep(1.2)  # a long turn: its claim is renewed
        seen.append(other.admit("telegram", "telegram:2", "4343", "halo")[1])
        for task in list(records._heartbeats.values()):  # the instance is killed
            task.cancel()
        await asyncio.sleep(1.0)
        seen.append(other.admit("telegram", "telegram:2", "4343", "halo")[1])
        return seen

    try:
        assert asyncio.run(main()) == [BUSY, ADMITTED]
    finally:
        engine.dispose()
