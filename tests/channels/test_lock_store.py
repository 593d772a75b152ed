"""The fenced Redis lock store (channels/lock_store.py) against a real Redis."""

from __future__ import annotations

import asyncio
import uuid

import pytest
import redis

from channels import lock_store
from channels.lock_store import CURRENT_FENCE, FencedRedisLockStore, LockError

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
    down = FencedRedisLockStore(host="127.0.0.1", port=1, socket_timeout=1)

    async def main() -> None:
        async with down.lock(conversation()):
            pass

    with pytest.raises(LockError):
        run(main())
