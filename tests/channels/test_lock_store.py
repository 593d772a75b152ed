"""The fenced Redis lock store (channels/lock_store.py) against a real Redis."""

from __future__ import annotations

import asyncio
import time
import uuid

import pytest
import redis

from channels import lock_store
from channels.lock_store import (
    CURRENT_FENCE,
    FencedRedisLockStore,
    LockError,
    LockStoreUnavailable,
)
from devtools.tcp_proxy import TcpProxy

REDIS = ("127.0.0.1", 6379)
DB = 6


@pytest.fixture
def store():
    client = redis.Redis(*REDIS, db=DB, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as error:
        pytest.skip(f"Redis not reachable at {REDIS[0]}:{REDIS[1]}: {error}")
    yield FencedRedisLockStore(host=REDIS[0], port=REDIS[1], db=DB, key_prefix="test")
    client.flushdb()


def conversation() -> str:
    return f"rest:{uuid.uuid4().hex[:10]}"


def run(coroutine):
    return asyncio.run(coroutine)


def test_turns_of_one_conversation_run_one_at_a_time_in_ticket_order(store):
    """Many tasks through two store objects (two instances): never two inside at once."""
    other_instance = FencedRedisLockStore(host=REDIS[0], port=REDIS[1], db=DB, key_prefix="test")
    conversation_id = conversation()
    inside, order, overlaps = [], [], []

    async def turn(number: int) -> None:
        chosen = (store, other_instance)[number % 2]
        async with chosen.lock(conversation_id) as fence:
            if inside:
                overlaps.append(number)
            inside.append(number)
            order.append(fence.ticket)
            await asyncio.sleep(0.005)
            inside.remove(number)

    async def main() -> None:
        await asyncio.gather(*(turn(n) for n in range(40)))

    run(main())
    assert overlaps == []
    assert order == sorted(order) and len(set(order)) == 40  # FIFO by ticket


def test_other_conversations_do_not_wait(store):
    first, second = conversation(), conversation()

    async def main() -> float:
        async with store.lock(first):
            loop = asyncio.get_running_loop()
            started = loop.time()
            async with store.lock(second):
                return loop.time() - started

    assert run(main()) < 0.5


def test_a_dead_holder_frees_the_conversation_after_its_lifetime(store):
    conversation_id = conversation()

    async def main() -> int:
        crashed = store.lock(conversation_id, lock_lifetime=0.3)
        await crashed.__aenter__()  # never exits: the process "died" mid-turn
        CURRENT_FENCE.set(None)
        async with store.lock(conversation_id, lock_lifetime=5) as fence:
            return fence.ticket

    assert run(main()) == 2


def test_a_ticket_whose_owner_never_came_is_skipped(store, monkeypatch):
    monkeypatch.setattr(lock_store, "CLAIM_GRACE_MS", 200)
    conversation_id = conversation()
    next_key = store._keys(conversation_id)[0]

    async def main() -> int:
        async with store.lock(conversation_id):
            # Ticket 2 is issued to a waiter that crashes before it ever asks again.
            await store._redis.incr(next_key)
        async with store.lock(conversation_id, lock_lifetime=5) as fence:
            return fence.ticket

    assert run(main()) == 3


def test_the_fence_tells_a_turn_that_outlived_its_lock(store):
    conversation_id = conversation()

    async def main() -> tuple[bool, bool]:
        async with store.lock(conversation_id, lock_lifetime=0.2) as fence:
            before = await fence.holds()
            await asyncio.sleep(0.3)  # the lock expires...
            async with store.lock(conversation_id, lock_lifetime=5):  # ...and another takes it
                after = await fence.holds()
        return before, after

    assert run(main()) == (True, False)


def test_redis_down_is_a_lock_error_not_a_hang():
    down = FencedRedisLockStore(
        host="127.0.0.1", port=1, socket_timeout=1, unavailable_wait_seconds=0.5
    )

    async def main() -> None:
        async with down.lock(conversation()):
            pass

    with pytest.raises(LockError):
        run(main())


# Faults (docs/FAULTS.md, d): Redis unreachable, restarted empty, a holder killed.


@pytest.fixture
def proxied(store):
    """A store reaching the test Redis through a TCP proxy the test can cut."""
    proxy = TcpProxy(REDIS[1], REDIS[0])
    proxy.start()
    yield (
        proxy,
        FencedRedisLockStore(
            host="127.0.0.1",
            port=proxy.port,
            db=DB,
            key_prefix="test",
            socket_timeout=1,
            unavailable_wait_seconds=1.5,
        ),
    )
    proxy.stop()


def test_redis_unreachable_fails_the_turn_within_the_wait_and_then_works_again(proxied):
    proxy, store = proxied
    conversation_id = conversation()

    async def turn() -> int:
        async with store.lock(conversation_id, lock_lifetime=5) as fence:
            return fence.ticket

    async def main() -> tuple[float, list[int]]:
        tickets = [await turn()]  # a pooled connection to Redis now exists
        proxy.stop()  # Redis goes away (the pooled connection dies with it)
        started = time.monotonic()
        with pytest.raises(LockStoreUnavailable):
            await turn()
        waited = time.monotonic() - started
        proxy.start()  # back: the same store works at once, nothing restarted
        tickets += [await turn(), await turn()]
        return waited, tickets

    waited, tickets = run(main())
    assert 0.5 <= waited < 4
    assert tickets[0] == 1 and tickets[-1] == tickets[-2] + 1


def test_a_turn_waits_out_a_short_redis_outage(proxied):
    proxy, store = proxied

    async def main() -> int:
        async with store.lock(conversation(), lock_lifetime=5):
            pass
        proxy.stop()
        loop = asyncio.get_running_loop()
        loop.call_later(0.5, proxy.start)
        async with store.lock(conversation(), lock_lifetime=5) as fence:
            return fence.ticket

    assert run(main()) == 1


def test_redis_restarted_empty_does_not_give_two_turns_one_fence(store):
    """Redis keeps nothing on disk: after a restart INCR counts from 1 again while the
    old holder still runs. The old turn must see that it lost the lock."""
    conversation_id = conversation()
    flush = redis.Redis(*REDIS, db=DB)

    async def main() -> tuple[int, int, bool, bool]:
        async with store.lock(conversation_id) as old:
            flush.flushdb()  # the restart
            async with store.lock(conversation_id) as new:
                return old.ticket, new.ticket, await old.holds(), await new.holds()

    assert run(main()) == (1, 1, False, True)


def test_a_killed_holder_frees_the_conversation_within_the_hold_time(store, monkeypatch):
    monkeypatch.setattr(lock_store, "HOLD_MS", 300)
    conversation_id = conversation()

    async def main() -> float:
        killed = store.lock(conversation_id)  # Rasa's 60 s lifetime
        await killed.__aenter__()
        for task in asyncio.all_tasks():  # kill -9: its heartbeat stops with it
            if task is not asyncio.current_task():
                task.cancel()
        CURRENT_FENCE.set(None)
        started = time.monotonic()
        async with store.lock(conversation_id):
            return time.monotonic() - started

    assert run(main()) < 3


def test_a_turn_longer_than_the_hold_time_keeps_its_lock(store, monkeypatch):
    monkeypatch.setattr(lock_store, "HOLD_MS", 300)
    conversation_id = conversation()

    async def main() -> bool:
        async with store.lock(conversation_id) as fence:
            await asyncio.sleep(1)
            return await fence.holds()

    assert run(main()) is True
